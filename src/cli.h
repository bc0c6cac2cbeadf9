/*
 * cli.h - what the subcommands of the etlkit tool share.
 */
#ifndef ETLKIT_CLI_H
#define ETLKIT_CLI_H

#include "etlkit.h"
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (documented in etlkit(1)). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_DAMAGED = 3 /* finished, but some input was damaged or failed */
};

/* Long-option codes of the shared filter options (CLI_FILTER_OPTIONS). */
enum {
	OPT_PROVIDER = 1000, OPT_EVENT_ID, OPT_TASK, OPT_PID, OPT_EXCLUDE_PID, OPT_SINCE,
	OPT_UNTIL, OPT_LEVEL, OPT_KEYWORDS
};
#define CLI_FILTER_OPTIONS \
	{ "event-id", required_argument, NULL, OPT_EVENT_ID }, \
	{ "exclude-pid", required_argument, NULL, OPT_EXCLUDE_PID }, \
	{ "keywords", required_argument, NULL, OPT_KEYWORDS }, \
	{ "level", required_argument, NULL, OPT_LEVEL }, \
	{ "pid", required_argument, NULL, OPT_PID }, \
	{ "provider", required_argument, NULL, OPT_PROVIDER }, \
	{ "since", required_argument, NULL, OPT_SINCE }, \
	{ "task", required_argument, NULL, OPT_TASK }, \
	{ "until", required_argument, NULL, OPT_UNTIL }
#define CLI_FILTER_HELP \
	"Filters:\n" \
	"      --provider P[:LEVEL[:KEYWORDS]]  only events of provider P (GUID or name;\n" \
	"                       repeatable), at most LEVEL, matching any KEYWORDS bit\n" \
	"      --event-id N[,N...]  only these event ids\n" \
	"      --task NAME      only events of this task (repeatable)\n" \
	"      --pid N[,N...]   only these processes\n" \
	"      --exclude-pid N[,N...]  not these processes\n" \
	"      --since T, --until T  time range: ISO-8601 UTC time, or seconds from\n" \
	"                       the start of the trace\n" \
	"      --level N        at most this level (1 critical ... 5 verbose, or a name)\n" \
	"      --keywords MASK  only events with any of these keyword bits\n"

struct cli_common {
	const char **manifests;   /* -m/--manifest, then ETLKIT_MANIFEST_PATH entries */
	size_t nmanifests;
	const char **mofs;
	size_t nmofs;
	bool quiet;
	unsigned long warnings;   /* damaged-input warnings seen */
	etl_filter *filter;       /* NULL when no filter option was given */
	const char *since, *until;/* resolved against the trace by cli_filter_ready */
};

/* Handles one of CLI_FILTER_OPTIONS: 1 taken, 0 not a filter option, -1 a
 * bad value (reported). */
int cli_filter_option(struct cli_common *c, int opt, const char *arg, const char *cmd);
/* Resolves --since/--until against the opened trace; false on a bad value. */
bool cli_filter_ready(struct cli_common *c, const etl_trace *t, const char *cmd);
/* The same for many traces (convert): seconds from the start stay relative,
 * resolved against each trace's own start by the writer. */
bool cli_filter_ready_relative(struct cli_common *c, const char *cmd);

typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_convert(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_schema(int argc, char **argv);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Warning callback for etl_open_options: prints "etlkit: warning: msg" unless
 * quiet, and counts. */
void cli_warning(void *ctx, const char *msg);

/* Opens the trace made of argv[first..argc). */
etl_trace *cli_open_trace(char **paths, size_t n, struct cli_common *c, unsigned flags);

/* Adds a manifest or MOF path to the lists. */
bool cli_add_path(const char ***list, size_t *n, const char *path);
/* Appends the entries of ETLKIT_MANIFEST_PATH (colon-separated). */
bool cli_add_manifest_env(struct cli_common *c);
/* A schema store with every manifest and MOF given; NULL on error (reported). */
etl_schemas *cli_load_schemas(struct cli_common *c);
void cli_common_free(struct cli_common *c);

/* Writes s as a JSON string (quoted, escaped). */
void cli_put_json(FILE *fp, const char *s);

/* A decimal number lo..hi (option values such as --jobs, --top). */
bool cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

/* Total damaged buffers and records over the files of a trace. */
uint64_t cli_damage(const etl_trace *t);

/* ---- etlkit stats / etlkit report (cmd_stats.c, cmd_report.c) ---- */
int cmd_stats(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* A count for --top / --max-keys: 1 .. 1000000. */
bool cli_parse_count(const char *s, unsigned *out);
/* cli_filter_ready for inputs without an etl_trace (a database): --since and
 * --until relative to `start` (FILETIME). */
bool cli_filter_ready_at(struct cli_common *c, int64_t start, const char *cmd);
/* Reads the inputs of stats and report, trace files or one etlkit
 * database, into s; returns EXIT_OK, EXIT_DAMAGED (done, input damaged) or
 * an error status (reported). */
int cli_stats_collect(struct cli_common *c, char **paths, size_t n, const char *cmd,
                      etl_stats *s);
/* ---- end of etlkit stats / etlkit report ---- */

#endif
