/*
 * filter.c - event filters, the ones Windows consumer wrappers offer:
 * providers (by GUID or name) with a level and keyword masks, event ids,
 * task names, process allow/deny lists and a time range.
 *
 * Semantics, as an ETW session enables providers:
 *   - with providers given, an event passes only if its provider is one of
 *     them, its level is at most that provider's level (0 = any) and its
 *     keywords match: (any == 0 || kw & any) && (kw & all) == all;
 *   - the global --level / --keywords apply the same tests to every event;
 *   - event ids and task names are allow lists;
 *   - pids: an allow list and a deny list (the resolved pid of an event:
 *     from its header, or from its payload / thread table when decoded);
 *   - time: since <= ts < until (FILETIME); bounds relative to the start of
 *     a trace are kept apart, since one filter serves traces that start at
 *     different times (etlkit convert over many files).
 * Name tests need the decoded event; etl_filter_needs_decoding() says so, and
 * etl_filter_match() treats a missing name as "no match".
 */
#define ETLKIT_INTERNAL
#include "decode.h"
#include "sha1.h"

#include <stdlib.h>
#include <strings.h>

#define MAX_FILTER_ITEMS 65536

struct provider_rule {
	etl_guid guid;
	bool has_guid;
	char *name;       /* when given by name; also matched against decoded names */
	etl_guid name_guid; /* the EventSource GUID of the name (decoding.md §7.1) */
	uint8_t level;    /* 0 = any */
	uint64_t any, all;
};

struct etl_filter {
	struct provider_rule *prov;
	size_t nprov;
	uint16_t *ids;
	size_t nids;
	char **tasks;
	size_t ntasks;
	uint32_t *pids, *xpids;
	size_t npids, nxpids;
	int64_t since, until;
	int64_t rel_since, rel_until;  /* 100 ns after the trace start */
	bool has_rel_since, has_rel_until;
	int level;        /* -1 = any */
	uint64_t any, all;
};

etl_status etl_filter_new(etl_filter **out)
{
	if (!out)
		return ETL_ERR_ARG;
	etl_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return ETL_ERR_NOMEM;
	f->since = INT64_MIN;
	f->until = INT64_MAX;
	f->level = -1;
	*out = f;
	return ETL_OK;
}

void etl_filter_free(etl_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nprov; i++)
		free(f->prov[i].name);
	for (size_t i = 0; i < f->ntasks; i++)
		free(f->tasks[i]);
	free(f->prov);
	free(f->ids);
	free(f->tasks);
	free(f->pids);
	free(f->xpids);
	free(f);
}

/* Grows *v (elements of size sz) to hold n + 1; false at the cap or on OOM. */
static bool grow(void **v, size_t n, size_t sz)
{
	if (n >= MAX_FILTER_ITEMS)
		return false;
	if ((n & (n - 1)) == 0 || n == 0) {
		size_t cap = n ? n * 2 : 4;
		void *p = realloc(*v, cap * sz);
		if (!p)
			return false;
		*v = p;
	}
	return true;
}

/* The GUID an EventSource (and many TraceLogging providers) derives from a
 * provider name: SHA-1 over a fixed namespace and the upper-cased name in
 * UTF-16BE, first 16 bytes, version nibble 5 (decoding.md §7.1). */
void etl_guid_from_name(const char *name, etl_guid *out)
{
	static const uint8_t ns[16] = { 0x48, 0x2C, 0x2D, 0xB2, 0xC3, 0x90, 0x47, 0xC8,
		                        0x87, 0xF8, 0x1A, 0x15, 0xBF, 0xC1, 0x30, 0xFB };
	etl_sha1 h;
	etl_sha1_init(&h);
	etl_sha1_update(&h, ns, sizeof ns);
	for (const unsigned char *p = (const unsigned char *)name; *p;) {
		/* decode one UTF-8 character; ASCII is upper-cased, others kept */
		uint32_t cp = *p++;
		if (cp >= 0xC0) {
			int extra = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : 1;
			cp &= 0x3F >> extra;
			while (extra-- && (*p & 0xC0) == 0x80)
				cp = cp << 6 | (*p++ & 0x3F);
		}
		if (cp >= 'a' && cp <= 'z')
			cp -= 32;
		uint8_t u[4];
		size_t n = 0;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
			u[n++] = (uint8_t)(hi >> 8);
			u[n++] = (uint8_t)hi;
			u[n++] = (uint8_t)(lo >> 8);
			u[n++] = (uint8_t)lo;
		} else {
			u[n++] = (uint8_t)(cp >> 8);
			u[n++] = (uint8_t)cp;
		}
		etl_sha1_update(&h, u, n);
	}
	uint8_t d[20];
	etl_sha1_final(&h, d);
	d[7] = (uint8_t)((d[7] & 0x0F) | 0x50);
	etl_read_guid(d, out);
}

etl_status etl_filter_add_provider(etl_filter *f, const char *provider, unsigned level,
                                   uint64_t any_keywords, uint64_t all_keywords)
{
	if (!f || !provider || !*provider || level > 255)
		return ETL_ERR_ARG;
	if (!grow((void **)&f->prov, f->nprov, sizeof(*f->prov)))
		return ETL_ERR_LIMIT;
	struct provider_rule *r = &f->prov[f->nprov];
	memset(r, 0, sizeof(*r));
	if (etl_guid_parse(provider, &r->guid) == 0) {
		r->has_guid = true;
	} else {
		r->name = strdup(provider);
		if (!r->name)
			return ETL_ERR_NOMEM;
		etl_guid_from_name(provider, &r->name_guid);
	}
	r->level = (uint8_t)level;
	r->any = any_keywords;
	r->all = all_keywords;
	f->nprov++;
	return ETL_OK;
}

etl_status etl_filter_add_event_id(etl_filter *f, unsigned id)
{
	if (!f || id > UINT16_MAX)
		return ETL_ERR_ARG;
	if (!grow((void **)&f->ids, f->nids, sizeof(*f->ids)))
		return ETL_ERR_LIMIT;
	f->ids[f->nids++] = (uint16_t)id;
	return ETL_OK;
}

etl_status etl_filter_add_task(etl_filter *f, const char *task)
{
	if (!f || !task)
		return ETL_ERR_ARG;
	if (!grow((void **)&f->tasks, f->ntasks, sizeof(*f->tasks)))
		return ETL_ERR_LIMIT;
	if (!(f->tasks[f->ntasks] = strdup(task)))
		return ETL_ERR_NOMEM;
	f->ntasks++;
	return ETL_OK;
}

etl_status etl_filter_add_pid(etl_filter *f, uint32_t pid, int exclude)
{
	if (!f)
		return ETL_ERR_ARG;
	uint32_t **v = exclude ? &f->xpids : &f->pids;
	size_t *n = exclude ? &f->nxpids : &f->npids;
	if (!grow((void **)v, *n, sizeof(**v)))
		return ETL_ERR_LIMIT;
	(*v)[(*n)++] = pid;
	return ETL_OK;
}

etl_status etl_filter_set_time(etl_filter *f, int64_t since, int64_t until)
{
	if (!f)
		return ETL_ERR_ARG;
	f->since = since;
	f->until = until;
	return ETL_OK;
}

etl_status etl_filter_set_relative_time(etl_filter *f, int64_t since, int64_t until)
{
	if (!f)
		return ETL_ERR_ARG;
	f->has_rel_since = since >= 0;
	f->has_rel_until = until >= 0;
	f->rel_since = since;
	f->rel_until = until;
	return ETL_OK;
}

etl_status etl_filter_set_level(etl_filter *f, unsigned level)
{
	if (!f || level > 255)
		return ETL_ERR_ARG;
	f->level = (int)level;
	return ETL_OK;
}

etl_status etl_filter_set_keywords(etl_filter *f, uint64_t any, uint64_t all)
{
	if (!f)
		return ETL_ERR_ARG;
	f->any = any;
	f->all = all;
	return ETL_OK;
}

int etl_filter_needs_decoding(const etl_filter *f)
{
	if (!f)
		return 0;
	if (f->ntasks || f->npids || f->nxpids)
		return 1;
	for (size_t i = 0; i < f->nprov; i++)
		if (!f->prov[i].has_guid)
			return 1;
	return 0;
}

static bool keywords_match(uint64_t kw, uint64_t any, uint64_t all)
{
	return (any == 0 || (kw & any) != 0) && (kw & all) == all;
}

static bool level_match(uint8_t event_level, unsigned max)
{
	/* level 0 (LogAlways) events always pass, as in ETW */
	return max == 0 || event_level == 0 || event_level <= max;
}

static bool provider_match(const struct provider_rule *r, const etl_event *ev, const etl_decoded *d)
{
	if (r->has_guid)
		return etl_guid_equal(&r->guid, &ev->provider);
	if (etl_guid_equal(&r->name_guid, &ev->provider))
		return true;
	const char *pn = d ? d->provider_name : NULL;
	if (pn && !strcasecmp(pn, r->name))
		return true;
	/* kernel classes by their class name ("Process", "DiskIo", ...) */
	const char *tn = d ? d->task_name : NULL;
	return tn && (ev->flags & ETL_EVF_CLASSIC_HEADER) && !strcasecmp(tn, r->name);
}

int etl_filter_match(const etl_filter *f, const etl_event *ev, const etl_decoded *d)
{
	return etl_filter_match_at(f, ev, d, INT64_MIN);
}

int etl_filter_match_at(const etl_filter *f, const etl_event *ev, const etl_decoded *d,
                        int64_t start)
{
	if (!f)
		return 1;
	if (ev->timestamp < f->since || ev->timestamp >= f->until)
		return 0;
	if (start != INT64_MIN) {
		/* the header's start time is untrusted: a bound past INT64_MAX
		 * lies after every event */
		bool since_past = f->has_rel_since && start > INT64_MAX - f->rel_since;
		bool until_past = f->has_rel_until && start > INT64_MAX - f->rel_until;
		if (f->has_rel_since && (since_past || ev->timestamp < start + f->rel_since))
			return 0;
		if (f->has_rel_until && !until_past && ev->timestamp >= start + f->rel_until)
			return 0;
	}
	if (f->level >= 0 && !level_match(ev->level, (unsigned)f->level))
		return 0;
	if ((f->any || f->all) && !keywords_match(ev->keywords, f->any, f->all))
		return 0;
	if (f->nprov) {
		bool ok = false;
		for (size_t i = 0; i < f->nprov && !ok; i++) {
			const struct provider_rule *r = &f->prov[i];
			ok = provider_match(r, ev, d) && level_match(ev->level, r->level) &&
			     ((!r->any && !r->all) || keywords_match(ev->keywords, r->any, r->all));
		}
		if (!ok)
			return 0;
	}
	if (f->nids) {
		bool ok = false;
		for (size_t i = 0; i < f->nids && !ok; i++)
			ok = ev->id == f->ids[i];
		if (!ok)
			return 0;
	}
	if (f->ntasks) {
		const char *tn = d ? d->task_name : NULL;
		bool ok = false;
		for (size_t i = 0; i < f->ntasks && !ok && tn; i++)
			ok = !strcasecmp(tn, f->tasks[i]);
		if (!ok)
			return 0;
	}
	if (f->npids || f->nxpids) {
		uint32_t pid = d ? d->pid : ev->pid;
		for (size_t i = 0; i < f->nxpids; i++)
			if (pid == f->xpids[i])
				return 0;
		if (f->npids) {
			bool ok = false;
			for (size_t i = 0; i < f->npids && !ok; i++)
				ok = pid == f->pids[i];
			if (!ok)
				return 0;
		}
	}
	return 1;
}
