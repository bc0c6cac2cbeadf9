/*
 * cli.c - helpers the subcommands share: messages, opening traces, loading
 * schemas.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("etlkit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "etlkit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'etlkit %s --help'.\n", cmd);
}

void cli_warning(void *ctx, const char *msg)
{
	struct cli_common *c = ctx;
	c->warnings++;
	if (!c->quiet)
		fprintf(stderr, "etlkit: warning: %s\n", msg);
}

etl_trace *cli_open_trace(char **paths, size_t n, struct cli_common *c, unsigned flags)
{
	etl_open_options opt = { cli_warning, c, flags };
	etl_trace *t = NULL;
	char err[1024];
	etl_status st = etl_trace_open((const char *const *)paths, n, &opt, &t, err, sizeof err);
	if (st != ETL_OK) {
		cli_error("%s", err);
		return NULL;
	}
	return t;
}

bool cli_add_path(const char ***list, size_t *n, const char *path)
{
	const char **p = realloc(*list, (*n + 1) * sizeof(*p));
	if (!p)
		return false;
	p[(*n)++] = path;
	*list = p;
	return true;
}

bool cli_add_manifest_env(struct cli_common *c)
{
	static char *env_copy;
	const char *env = getenv("ETLKIT_MANIFEST_PATH");
	if (!env || !*env)
		return true;
	free(env_copy);
	env_copy = strdup(env);
	if (!env_copy)
		return false;
	/* environment entries come first so that -m paths win conflicts */
	const char **old = c->manifests;
	size_t nold = c->nmanifests;
	c->manifests = NULL;
	c->nmanifests = 0;
	for (char *save = NULL, *tok = strtok_r(env_copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		if (*tok && !cli_add_path(&c->manifests, &c->nmanifests, tok))
			return false;
	}
	for (size_t i = 0; i < nold; i++)
		if (!cli_add_path(&c->manifests, &c->nmanifests, old[i]))
			return false;
	free(old);
	return true;
}

etl_schemas *cli_load_schemas(struct cli_common *c)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK) {
		cli_error("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < c->nmanifests + c->nmofs; i++) {
		bool mof = i >= c->nmanifests;
		const char *path = mof ? c->mofs[i - c->nmanifests] : c->manifests[i];
		char before[1024];
		snprintf(before, sizeof before, "%s", etl_schemas_errmsg(s));
		etl_status st = mof ? etl_schemas_add_mof(s, path) : etl_schemas_add_manifest(s, path);
		if (st != ETL_OK) {
			cli_error("%s", etl_schemas_errmsg(s));
			etl_schemas_free(s);
			return NULL;
		}
		/* a usable file may still have had parts skipped: say so */
		const char *msg = etl_schemas_errmsg(s);
		if (msg[0] && strcmp(msg, before) != 0 && !c->quiet)
			fprintf(stderr, "etlkit: warning: %s\n", msg);
	}
	return s;
}

void cli_common_free(struct cli_common *c)
{
	free(c->manifests);
	free(c->mofs);
	c->manifests = c->mofs = NULL;
	c->nmanifests = c->nmofs = 0;
}

uint64_t cli_damage(const etl_trace *t)
{
	uint64_t n = 0;
	for (size_t i = 0; i < etl_trace_file_count(t); i++) {
		const etl_trace_info *in = etl_trace_info_get(t, i);
		n += in->damaged_buffers + in->damaged_records;
	}
	return n;
}

void cli_put_json(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}
