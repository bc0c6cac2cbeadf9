/*
 * cli.c - helpers the subcommands share: messages, opening traces, loading
 * schemas.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
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

/* The list separator of ETLKIT_MANIFEST_PATH, as for PATH: Windows paths
 * hold a colon after the drive letter. */
#ifdef _WIN32
#define PATH_LIST_SEP ";"
#else
#define PATH_LIST_SEP ":"
#endif

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
	for (char *save = NULL, *tok = strtok_r(env_copy, PATH_LIST_SEP, &save); tok;
	     tok = strtok_r(NULL, PATH_LIST_SEP, &save)) {
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
	etl_filter_free(c->filter);
	c->filter = NULL;
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

bool cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool cli_parse_count(const char *s, unsigned *out)
{
	unsigned long v;
	if (!cli_parse_uint(s, 1, 1000000, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* ---- filters ----------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool parse_level(const char *s, unsigned *level)
{
	static const char *const names[] = { "always", "critical", "error", "warning",
		                             "information", "verbose" };
	for (unsigned i = 0; i < 6; i++)
		if (!strcasecmp(s, names[i]) || (i == 4 && !strcasecmp(s, "info")))
			return (*level = i), true;
	uint64_t v;
	if (!parse_u64(s, &v) || v > 255)
		return false;
	*level = (unsigned)v;
	return true;
}

static bool ensure_filter(struct cli_common *c)
{
	if (!c->filter && etl_filter_new(&c->filter) != ETL_OK) {
		cli_error("out of memory");
		return false;
	}
	return true;
}

int cli_filter_option(struct cli_common *c, int opt, const char *arg, const char *cmd)
{
	if (opt < OPT_PROVIDER || opt > OPT_KEYWORDS)
		return 0;
	if (!ensure_filter(c))
		return -1;
	etl_status st = ETL_OK;
	switch (opt) {
	case OPT_PROVIDER: {
		/* NAME[:LEVEL[:KEYWORDS]]; a GUID has no colons */
		char buf[512];
		snprintf(buf, sizeof buf, "%s", arg);
		char *lv = strchr(buf, ':'), *kw = NULL;
		unsigned level = 0;
		uint64_t any = 0;
		if (lv) {
			*lv++ = 0;
			kw = strchr(lv, ':');
			if (kw)
				*kw++ = 0;
			if (*lv && !parse_level(lv, &level))
				goto bad;
			if (kw && *kw && !parse_u64(kw, &any))
				goto bad;
		}
		if (!buf[0])
			goto bad;
		st = etl_filter_add_provider(c->filter, buf, level, any, 0);
		break;
	}
	case OPT_EVENT_ID:
	case OPT_PID:
	case OPT_EXCLUDE_PID: {
		char buf[4096];
		snprintf(buf, sizeof buf, "%s", arg);
		for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			uint64_t v;
			if (!parse_u64(tok, &v) || v > (opt == OPT_EVENT_ID ? 65535u : 0xFFFFFFFFu))
				goto bad;
			st = opt == OPT_EVENT_ID ? etl_filter_add_event_id(c->filter, (unsigned)v)
			                         : etl_filter_add_pid(c->filter, (uint32_t)v,
			                                              opt == OPT_EXCLUDE_PID);
			if (st != ETL_OK)
				break;
		}
		break;
	}
	case OPT_TASK:
		st = etl_filter_add_task(c->filter, arg);
		break;
	case OPT_SINCE:
		c->since = arg;
		break;
	case OPT_UNTIL:
		c->until = arg;
		break;
	case OPT_LEVEL: {
		unsigned level;
		if (!parse_level(arg, &level))
			goto bad;
		st = etl_filter_set_level(c->filter, level);
		break;
	}
	case OPT_KEYWORDS: {
		uint64_t v;
		if (!parse_u64(arg, &v))
			goto bad;
		st = etl_filter_set_keywords(c->filter, v, 0);
		break;
	}
	}
	if (st != ETL_OK) {
		cli_error("%s", etl_strerror(st));
		return -1;
	}
	return 1;
bad:
	cli_usage_error(cmd, "invalid filter value '%s'", arg);
	return -1;
}

/* days from 1970-01-01 to a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* ISO-8601 UTC ("2021-09-09T14:59:35.5Z", the Z optional) or seconds from the
 * start of the trace ("12.5"). */
static bool parse_time(const char *s, int64_t start, int64_t *out, bool *relative)
{
	if (relative)
		*relative = false;
	int y, mo, d, h = 0, mi = 0, n = 0;
	double sec = 0;
	if (sscanf(s, "%d-%d-%d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		const char *p = s + 10;
		if (*p == 'T' || *p == ' ') {
			int m2 = 0;
			if (sscanf(p + 1, "%d:%d:%lf%n", &h, &mi, &sec, &m2) < 3)
				return false;
			p += 1 + m2;
		}
		if (*p == 'Z')
			p++;
		if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec >= 61)
			return false;
		int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
		int64_t secs = days * 86400 + h * 3600 + mi * 60;
		*out = (secs + 11644473600LL) * 10000000LL + (int64_t)(sec * 1e7 + 0.5);
		return true;
	}
	char *end;
	double rel = strtod(s, &end);
	if (end == s || *end || rel < 0 || rel > 1e10)
		return false;
	*out = start + (int64_t)(rel * 1e7 + 0.5);
	if (relative)
		*relative = true;
	return true;
}

bool cli_filter_ready(struct cli_common *c, const etl_trace *t, const char *cmd)
{
	if (!c->since && !c->until)
		return true;
	int64_t start = INT64_MAX;
	for (size_t i = 0; i < etl_trace_file_count(t); i++) {
		const etl_trace_info *in = etl_trace_info_get(t, i);
		if (in->start_time < start)
			start = in->start_time;
	}
	int64_t since = INT64_MIN, until = INT64_MAX;
	if (c->since && !parse_time(c->since, start, &since, NULL)) {
		cli_usage_error(cmd, "invalid --since time '%s'", c->since);
		return false;
	}
	if (c->until && !parse_time(c->until, start, &until, NULL)) {
		cli_usage_error(cmd, "invalid --until time '%s'", c->until);
		return false;
	}
	return ensure_filter(c) && etl_filter_set_time(c->filter, since, until) == ETL_OK;
}

/* ---- etlkit stats / etlkit report: filters over a database ---- */

bool cli_filter_ready_at(struct cli_common *c, int64_t start, const char *cmd)
{
	if (!c->since && !c->until)
		return true;
	int64_t since = INT64_MIN, until = INT64_MAX;
	if (c->since && !parse_time(c->since, start, &since, NULL)) {
		cli_usage_error(cmd, "invalid --since time '%s'", c->since);
		return false;
	}
	if (c->until && !parse_time(c->until, start, &until, NULL)) {
		cli_usage_error(cmd, "invalid --until time '%s'", c->until);
		return false;
	}
	return ensure_filter(c) && etl_filter_set_time(c->filter, since, until) == ETL_OK;
}
/* ---- end of etlkit stats / etlkit report ---- */

bool cli_filter_ready_relative(struct cli_common *c, const char *cmd)
{
	if (!c->since && !c->until)
		return true;
	int64_t since = INT64_MIN, until = INT64_MAX, rsince = -1, runtil = -1, v;
	bool rel;
	if (c->since) {
		if (!parse_time(c->since, 0, &v, &rel)) {
			cli_usage_error(cmd, "invalid --since time '%s'", c->since);
			return false;
		}
		*(rel ? &rsince : &since) = v;
	}
	if (c->until) {
		if (!parse_time(c->until, 0, &v, &rel)) {
			cli_usage_error(cmd, "invalid --until time '%s'", c->until);
			return false;
		}
		*(rel ? &runtil : &until) = v;
	}
	return ensure_filter(c) && etl_filter_set_time(c->filter, since, until) == ETL_OK &&
	       etl_filter_set_relative_time(c->filter, rsince, runtil) == ETL_OK;
}
