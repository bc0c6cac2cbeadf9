/*
 * cmd_convert.c - `etlkit convert`: traces into an SQLite database or a
 * directory of gzip-compressed CSV files (DESIGN.md §6, §7), through the
 * etl_writer API.
 *
 * Each FILE is one trace of the output (one row of `traces`), converted by
 * its own etl_writer_add_trace() call; a file already in the output (same
 * SHA-256) is skipped, so running the same command twice adds nothing.
 * SIGINT and SIGTERM stop at the next progress point and discard what a new
 * output holds (an existing database keeps every trace already committed).
 */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void convert_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit convert [OPTIONS] -o OUT FILE...\n"
	        "Convert traces into an SQLite database or a directory of csv.gz files.\n\n"
	        "  -o, --output OUT     the database file (appended to when it exists), or the\n"
	        "                       csv.gz directory (must not exist); required\n"
	        "  -f, --format FMT     sqlite (default) or csv.gz\n"
	        "  -m, --manifest PATH  instrumentation manifest file or directory (repeatable;\n"
	        "                       also ETLKIT_MANIFEST_PATH, colon-separated)\n"
	        "      --mof PATH       MOF file with classic event classes (repeatable)\n"
	        "      --raw            keep every raw payload, not only undecoded ones\n"
	        "      --no-decode      store the events without decoding them\n"
	        "      --flat           csv.gz: only events.csv.gz, properties as one JSON column\n"
	        "  -l, --level N        csv.gz: zlib compression level 1..9 (default 6)\n"
	        "  -j, --jobs N         threads (default: one per CPU); 1 runs everything in one\n"
	        "      --progress WHEN  auto (on a terminal), always or never\n"
	        "  -q, --quiet          no warnings about damaged input or skipped files\n"
	        "  -h, --help           this help\n\n"
	        "Exit status: 0 ok, 1 error, 2 usage, 3 some input was damaged or some files\n"
	        "could not be converted.\n");
}

struct progress {
	bool show;
	bool shown;
};

static int on_progress(void *ctx, const char *path, uint64_t events)
{
	struct progress *p = ctx;
	if (p->show) {
		fprintf(stderr, "\retlkit: %s: %llu events", path, (unsigned long long)events);
		p->shown = true;
	}
	return interrupted != 0;
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flat", no_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "level", required_argument, NULL, 'l' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "mof", required_argument, NULL, 'M' },
		{ "no-decode", no_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	etl_writer_options wo = { 0 };
	const char *format = "sqlite", *output = NULL, *progress = "auto";
	unsigned long v;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:hj:l:m:o:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'F': wo.flags |= ETL_WRITER_FLAT; break;
		case 'f': format = optarg; break;
		case 'h': convert_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'j':
			if (!parse_uint(optarg, 1, 256, &v)) {
				cli_usage_error("convert", "--jobs wants a number 1..256, not '%s'", optarg);
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			wo.jobs = (unsigned)v;
			break;
		case 'l':
			if (!parse_uint(optarg, 1, 9, &v)) {
				cli_usage_error("convert", "--level wants a number 1..9, not '%s'", optarg);
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			wo.level = (int)v;
			break;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'M': cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case 'N': wo.flags |= ETL_WRITER_NO_DECODE; break;
		case 'o': output = optarg; break;
		case 'P': progress = optarg; break;
		case 'q': c.quiet = true; break;
		case 'r': wo.flags |= ETL_WRITER_RAW; break;
		default: cli_common_free(&c); convert_usage(stderr); return EXIT_USAGE;
		}
	}
	const char *err = NULL;
	if (strcmp(format, "sqlite") != 0 && strcmp(format, "csv.gz") != 0)
		err = "unknown format (sqlite or csv.gz)";
	else if (!output)
		err = "no output: give -o OUT";
	else if (optind >= argc)
		err = "no input files";
	else if ((wo.flags & ETL_WRITER_FLAT) && strcmp(format, "csv.gz") != 0)
		err = "--flat needs -f csv.gz";
	else if (wo.level && strcmp(format, "csv.gz") != 0)
		err = "--level needs -f csv.gz";
	else if (strcmp(progress, "auto") && strcmp(progress, "always") && strcmp(progress, "never"))
		err = "--progress wants auto, always or never";
	if (err) {
		cli_usage_error("convert", "%s", err);
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			cli_error("%s: is a directory; give the trace files", argv[i]);
			cli_common_free(&c);
			return EXIT_ERROR;
		}
	}

	int rc = EXIT_ERROR;
	etl_schemas *schemas = NULL;
	etl_writer *w = NULL;
	struct progress pr = { !strcmp(progress, "always") ||
	                       (!strcmp(progress, "auto") && !c.quiet && isatty(2)), false };
	if (!(wo.flags & ETL_WRITER_NO_DECODE) &&
	    (!cli_add_manifest_env(&c) || !(schemas = cli_load_schemas(&c))))
		goto out;
	wo.warning = cli_warning;
	wo.warning_ctx = &c;
	wo.progress = on_progress;
	wo.progress_ctx = &pr;
	char ebuf[1024];
	if (etl_writer_open(format, output, &wo, &w, ebuf, sizeof ebuf) != ETL_OK) {
		cli_error("%s", ebuf);
		goto out;
	}
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	etl_writer_result res = { 0 };
	bool fatal = false;
	for (int i = optind; i < argc && !interrupted; i++) {
		const char *path = argv[i];
		uint32_t failed = res.failed, skipped = res.skipped;
		etl_status st = etl_writer_add_trace(w, &path, 1, schemas, &res);
		if (pr.shown) {
			fputc('\n', stderr);
			pr.shown = false;
		}
		if (st != ETL_OK) {
			if (st == ETL_ERR_ABORTED || interrupted)
				cli_error("interrupted; %s is left as it was", output);
			else
				cli_error("%s", etl_writer_errmsg(w));
			fatal = true;
			break;
		}
		if (res.failed != failed)
			cli_error("%s", etl_writer_errmsg(w));
		if (res.skipped != skipped && !c.quiet)
			fprintf(stderr, "etlkit: %s: already in %s (same SHA-256), skipped\n", path, output);
	}
	if (interrupted && !fatal) {
		cli_error("interrupted; %s is left as it was", output);
		fatal = true;
	}
	if (!fatal && res.added == 0 && res.skipped == 0)
		fatal = true; /* nothing could be read: no output */
	etl_status cst = etl_writer_close(w, !fatal);
	w = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (fatal)
		goto out;
	if (cst != ETL_OK) {
		cli_error("%s: could not be finished", output);
		goto out;
	}
	if (!c.quiet)
		fprintf(stderr,
		        "etlkit: %s: %u file%s added (%llu events, %llu decoded), %u skipped, %u failed\n",
		        output, res.added, res.added == 1 ? "" : "s", (unsigned long long)res.events,
		        (unsigned long long)res.decoded, res.skipped, res.failed);
	rc = res.failed || res.damaged ? EXIT_DAMAGED : EXIT_OK;
out:
	if (w)
		etl_writer_close(w, 0);
	etl_schemas_free(schemas);
	cli_common_free(&c);
	return rc;
}
