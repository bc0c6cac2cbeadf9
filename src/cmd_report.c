/*
 * cmd_report.c - `etlkit report`: the statistics of `etlkit stats` as one
 * self-contained HTML page with charts (timeline by provider, top event
 * types and processes, process tree with lifetimes, CPU samples, disk and
 * file I/O per process, loss and damage).  The page is written by the
 * library (etl_stats_write "html") to a temporary file next to the output
 * and renamed into place once complete.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit report [OPTIONS] -o REPORT.html FILE...|DATABASE\n"
	        "Write one self-contained HTML page (no network references) with charts of\n"
	        "what a trace contains: events over time by provider, top event types and\n"
	        "processes, the process tree with lifetimes, CPU samples, disk and file I/O\n"
	        "per process, events not decoded, lost events and damage.  The input is one\n"
	        "or more trace files or a database made by etlkit convert.\n\n"
	        "  -o, --output FILE    the HTML file to write ('-': standard output)\n"
	        "      --title TEXT     page title (default: the input's file name)\n"
	        "      --top N          rows per table (default 25)\n"
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

/* Writes the page to path through a temporary file renamed into place. */
static bool write_report(etl_stats *s, const char *path, const etl_stats_write_options *wo)
{
	if (!strcmp(path, "-")) {
		if (etl_stats_write(s, "html", stdout, wo) != ETL_OK) {
			cli_error("%s", etl_stats_errmsg(s));
			return false;
		}
		return true;
	}
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp) {
		cli_error("out of memory");
		return false;
	}
	snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
		free(tmp);
		return false;
	}
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		cli_error("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return false;
	}
	bool ok = true;
	if (etl_stats_write(s, "html", fp, wo) != ETL_OK) {
		cli_error("%s: %s", path, etl_stats_errmsg(s));
		ok = false;
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		if (ok)
			cli_error("%s: writing failed: %s", path, strerror(errno));
		ok = false;
	}
	if (fclose(fp) != 0 && ok) {
		cli_error("%s: writing failed: %s", path, strerror(errno));
		ok = false;
	}
	/* mkstemp makes the file 0600; a report is an ordinary document */
	mode_t mask = umask(0);
	umask(mask);
	if (ok && chmod(tmp, 0666 & ~mask) != 0) {
		cli_error("%s: %s", tmp, strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, path) != 0) {
		cli_error("%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}

int cmd_report(int argc, char **argv)
{
	enum { O_TITLE = 2000, O_TOP, O_MAX_KEYS, O_MOF };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "max-keys", required_argument, NULL, O_MAX_KEYS },
		{ "mof", required_argument, NULL, O_MOF },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "title", required_argument, NULL, O_TITLE },
		{ "top", required_argument, NULL, O_TOP },
		CLI_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	const char *output = NULL;
	etl_stats_write_options wo = { 0 };
	etl_stats_options so = { 0 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hm:o:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': report_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'o': output = optarg; break;
		case 'q': c.quiet = true; break;
		case O_MOF: cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case O_TITLE: wo.title = optarg; break;
		case O_TOP:
		case O_MAX_KEYS:
			if (!cli_parse_count(optarg, opt == O_TOP ? &wo.top : &so.max_keys)) {
				cli_usage_error("report", "invalid count '%s' for --%s", optarg,
				                opt == O_TOP ? "top" : "max-keys");
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			break;
		default: {
			int r = cli_filter_option(&c, opt, optarg, "report");
			if (r > 0)
				break;
			if (r == 0)
				report_usage(stderr);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
		}
	}
	if (!output || !*output) {
		cli_usage_error("report", "no output file: give -o REPORT.html");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_usage_error("report", "no input files");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	etl_stats *s = NULL;
	if (etl_stats_new(&so, &s) != ETL_OK) {
		cli_error("out of memory");
		cli_common_free(&c);
		return EXIT_ERROR;
	}
	int rc = cli_stats_collect(&c, argv + optind, (size_t)(argc - optind), "report", s);
	if ((rc == EXIT_OK || rc == EXIT_DAMAGED) && !write_report(s, output, &wo))
		rc = EXIT_ERROR;
	etl_stats_free(s);
	cli_common_free(&c);
	return rc;
}
