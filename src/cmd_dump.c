/*
 * cmd_dump.c - `etlkit dump`: every event of the given traces, merged in time
 * order, as JSON Lines (the canonical form) or as readable text.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dump_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit dump [OPTIONS] FILE...\n"
	        "Print the events of one or more traces in time order, decoded on every\n"
	        "CPU (up to eight); the output is the same as on one.\n\n"
	        "  -f, --format FMT     jsonl (default) or text\n"
	        "  -m, --manifest PATH  instrumentation manifest file or directory (repeatable;\n"
	        "                       also ETLKIT_MANIFEST_PATH, colon-separated)\n"
	        "      --mof PATH       MOF file with classic event classes (repeatable)\n"
	        "      --raw            always include the payload as hex\n"
	        "      --no-decode      do not decode payloads\n"
	        "  -q, --quiet          no warnings about damaged input\n"
	        "  -h, --help           this help\n"
	        CLI_FILTER_HELP
	        "\nExit status: 0 ok, 1 error, 2 usage, 3 some input was damaged.\n");
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "mof", required_argument, NULL, 'M' },
		{ "no-decode", no_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		CLI_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	const char *format = "jsonl";
	unsigned sink_flags = 0;
	bool decode = true;
	int opt, rc = EXIT_ERROR;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:hm:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': format = optarg; break;
		case 'h': dump_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'M': cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case 'N': decode = false; break;
		case 'q': c.quiet = true; break;
		case 'r': sink_flags |= ETL_SINK_RAW; break;
		default: {
			int r = cli_filter_option(&c, opt, optarg, "dump");
			if (r > 0)
				break;
			if (r == 0)
				dump_usage(stderr);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
		}
	}
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "text") != 0) {
		cli_usage_error("dump", "unknown format '%s' (jsonl or text)", format);
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_usage_error("dump", "no input files");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	etl_schemas *schemas = NULL;
	etl_decoder *dec = NULL;
	etl_trace *t = NULL;
	etl_sink *sink = NULL;
	/* name filters need decoded events even when the output is raw */
	if (decode || etl_filter_needs_decoding(c.filter)) {
		if (!cli_add_manifest_env(&c) || !(schemas = cli_load_schemas(&c)))
			goto out;
		if (etl_decoder_new(schemas, &dec) != ETL_OK) {
			cli_error("out of memory");
			goto out;
		}
	}
	t = cli_open_trace(argv + optind, (size_t)(argc - optind), &c, 0);
	if (!t)
		goto out;
	if (!cli_filter_ready(&c, t, "dump")) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (dec && etl_decoder_prescan(dec, t) != ETL_OK) {
		cli_error("%s", etl_trace_errmsg(t));
		goto out;
	}
	/* with a second CPU, events decode and format there while this one reads */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		sink_flags |= ETL_SINK_THREADED;
	if (etl_sink_open_stream(format, stdout, sink_flags, t, &sink) != ETL_OK ||
	    etl_sink_set_decoder(sink, dec, c.filter, decode) != ETL_OK) {
		cli_error("out of memory");
		goto out;
	}
	const etl_event *ev;
	etl_status st;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		if (etl_sink_put(sink, ev) != ETL_OK) {
			cli_error("writing the output failed");
			goto out;
		}
	}
	if (st != ETL_EOF) {
		cli_error("%s", etl_trace_errmsg(t));
		goto out;
	}
	etl_status cst = etl_sink_close(sink);
	sink = NULL;
	if (cst != ETL_OK) {
		cli_error("writing the output failed");
		goto out;
	}
	rc = cli_damage(t) ? EXIT_DAMAGED : EXIT_OK;
out:
	etl_sink_close(sink);
	etl_trace_close(t);
	etl_decoder_free(dec);
	etl_schemas_free(schemas);
	cli_common_free(&c);
	return rc;
}
