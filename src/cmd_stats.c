/*
 * cmd_stats.c - `etlkit stats`: what is in a trace at a glance (events per
 * provider, event type, process, CPU and second; lost events and damage;
 * what did not decode and why), from trace files or from a database made
 * by `etlkit convert`.  The aggregation is the library's (etl_stats_*);
 * this file reads the inputs and picks the output format.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cli_stats_collect(struct cli_common *c, char **paths, size_t n, const char *cmd,
                      etl_stats *s)
{
	for (size_t i = 0; i < n; i++) {
		if (etl_stats_is_database(paths[i]) && n > 1) {
			cli_usage_error(cmd, "%s is a database: give it alone, not with other inputs",
			                paths[i]);
			return EXIT_USAGE;
		}
	}
	if (n == 1 && etl_stats_is_database(paths[0])) {
		char err[1024];
		int64_t start = 0;
		if (c->since || c->until) {
			if (etl_stats_database_start(paths[0], &start, err, sizeof err) != ETL_OK) {
				cli_error("%s", err);
				return EXIT_ERROR;
			}
			if (!cli_filter_ready_at(c, start, cmd))
				return EXIT_USAGE;
		}
		if (etl_stats_add_database(s, paths[0], c->filter) != ETL_OK) {
			cli_error("%s", etl_stats_errmsg(s));
			return EXIT_ERROR;
		}
		return EXIT_OK;
	}
	int rc = EXIT_ERROR;
	etl_schemas *schemas = NULL;
	etl_decoder *dec = NULL;
	etl_trace *t = NULL;
	if (!cli_add_manifest_env(c) || !(schemas = cli_load_schemas(c)))
		goto out;
	if (etl_decoder_new(schemas, &dec) != ETL_OK) {
		cli_error("out of memory");
		goto out;
	}
	if (!(t = cli_open_trace(paths, n, c, 0)))
		goto out;
	if (!cli_filter_ready(c, t, cmd)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (etl_decoder_prescan(dec, t) != ETL_OK) {
		cli_error("%s", etl_trace_errmsg(t));
		goto out;
	}
	if (etl_stats_add_trace(s, t, dec, c->filter) != ETL_OK) {
		cli_error("%s", etl_stats_errmsg(s));
		goto out;
	}
	rc = cli_damage(t) ? EXIT_DAMAGED : EXIT_OK;
out:
	etl_trace_close(t);
	etl_decoder_free(dec);
	etl_schemas_free(schemas);
	return rc;
}

static void stats_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit stats [OPTIONS] FILE...|DATABASE\n"
	        "Show what a trace contains: its span and rates; events per provider, event\n"
	        "type, process (image name and pid), CPU and second; lost events and damaged\n"
	        "buffers; which events did not decode and why.  The input is one or more\n"
	        "trace files (read as one merged trace) or a database made by etlkit convert.\n\n"
	        "      --json           every table as one JSON document\n"
	        "      --csv            one table as CSV (--table; default event-types)\n"
	        "      --table NAME     only this table: summary, files, providers,\n"
	        "                       event-types, processes, cpus, seconds, undecoded\n"
	        "      --top N          rows per table in the text output (default 20)\n"
	        "      --all            every row of every table in the text output\n"
	        "      --max-keys N     distinct keys kept per table before the rest is\n"
	        "                       folded into 'other' (default 4096)\n"
	        "  -m, --manifest PATH  instrumentation manifest file or directory (repeatable;\n"
	        "                       also ETLKIT_MANIFEST_PATH, colon-separated)\n"
	        "      --mof PATH       MOF file with classic event classes (repeatable)\n"
	        "  -q, --quiet          no warnings about damaged input\n"
	        "  -h, --help           this help\n"
	        CLI_FILTER_HELP
	        "\nExit status: 0 ok, 1 error, 2 usage, 3 some input was damaged.\n");
}

int cmd_stats(int argc, char **argv)
{
	enum { O_JSON = 2000, O_CSV, O_TABLE, O_TOP, O_ALL, O_MAX_KEYS, O_MOF };
	static const struct option opts[] = {
		{ "all", no_argument, NULL, O_ALL },
		{ "csv", no_argument, NULL, O_CSV },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, O_JSON },
		{ "manifest", required_argument, NULL, 'm' },
		{ "max-keys", required_argument, NULL, O_MAX_KEYS },
		{ "mof", required_argument, NULL, O_MOF },
		{ "quiet", no_argument, NULL, 'q' },
		{ "table", required_argument, NULL, O_TABLE },
		{ "top", required_argument, NULL, O_TOP },
		CLI_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	const char *format = "text";
	etl_stats_write_options wo = { 0 };
	etl_stats_options so = { 0 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hm:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': stats_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'q': c.quiet = true; break;
		case O_MOF: cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case O_JSON: format = "json"; break;
		case O_CSV: format = "csv"; break;
		case O_TABLE: wo.table = optarg; break;
		case O_ALL: wo.flags |= ETL_STATS_WRITE_ALL_ROWS; break;
		case O_TOP:
		case O_MAX_KEYS:
			if (!cli_parse_count(optarg, opt == O_TOP ? &wo.top : &so.max_keys)) {
				cli_usage_error("stats", "invalid count '%s' for --%s", optarg,
				                opt == O_TOP ? "top" : "max-keys");
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			break;
		default: {
			int r = cli_filter_option(&c, opt, optarg, "stats");
			if (r > 0)
				break;
			if (r == 0)
				stats_usage(stderr);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
		}
	}
	static const char *const tables[] = { "summary", "files", "providers", "event-types",
		                              "processes", "cpus", "seconds", "undecoded", NULL };
	if (wo.table) {
		const char *const *t = tables;
		while (*t && strcmp(*t, wo.table))
			t++;
		if (!*t) {
			cli_usage_error("stats", "unknown table '%s' (summary, files, providers, event-types,"
			                " processes, cpus, seconds, undecoded)", wo.table);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage_error("stats", "no input files");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	etl_stats *s = NULL;
	if (etl_stats_new(&so, &s) != ETL_OK) {
		cli_error("out of memory");
		cli_common_free(&c);
		return EXIT_ERROR;
	}
	int rc = cli_stats_collect(&c, argv + optind, (size_t)(argc - optind), "stats", s);
	if (rc == EXIT_OK || rc == EXIT_DAMAGED) {
		if (etl_stats_write(s, format, stdout, &wo) != ETL_OK) {
			cli_error("%s", etl_stats_errmsg(s));
			rc = EXIT_ERROR;
		}
	}
	etl_stats_free(s);
	cli_common_free(&c);
	return rc;
}
