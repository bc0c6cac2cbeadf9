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

struct cli_common {
	const char **manifests;   /* -m/--manifest, then ETLKIT_MANIFEST_PATH entries */
	size_t nmanifests;
	const char **mofs;
	size_t nmofs;
	bool quiet;
	unsigned long warnings;   /* damaged-input warnings seen */
};

typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
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

/* Total damaged buffers and records over the files of a trace. */
uint64_t cli_damage(const etl_trace *t);

#endif
