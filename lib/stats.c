/*
 * stats.c - what is in a trace at a glance: the aggregates behind `etlkit
 * stats` and `etlkit report` (tracerpt's summary, xperf's actions, WPA's
 * overview), from a trace being read or from a database made by convert.
 *
 * Tables, each a hash index over a row array with a cap on distinct keys
 * (later keys fold into one `other` row, so memory is bounded by the caps,
 * never by the trace):
 *   event types  (provider GUID, id, version, opcode, task, classic, hash of
 *                the event name: TraceLogging events differ only by name)
 *   providers    provider or kernel class GUID; the first ETL_STATS_SERIES
 *                also count events per timeline bucket
 *   processes    process instances; a pid points at its newest instance and
 *                the instances of one pid form a chain (pids are reused)
 *   CPUs         processor number
 * and a timeline of ETL_STATS_BUCKETS buckets whose width doubles (merging
 * neighbours) when the span outgrows it.  Widths are 10^7 * 2^k FILETIME
 * units (k >= -7), so a second is always a whole number of buckets while
 * the width is below a second.  The origin is the first event counted; an
 * earlier event (files merged out of order, a database read in id order)
 * moves the origin back by whole buckets.
 *
 * Process instances come from the trace's own process events:
 *   kernel Process class (3d6fa8d0-...): 1 Start, 2 End, 3 DCStart, 4 DCEnd,
 *     39 Defunct; ProcessId, ParentId, ImageFileName (the kernel's short
 *     name, at most 15 characters), CommandLine
 *   Microsoft-Windows-Kernel-Process: 1 ProcessStart, 2 ProcessStop,
 *     15 ProcessRundown; ProcessID, ParentProcessID, ImageName (a path)
 * or, from a database, its processes table.  The work done per process:
 *   PerfInfo SampleProf (opcode 46): one CPU sample; its pid is the one the
 *     decoder resolved from the sample's ThreadId
 *   DiskIo Read/Write (10/11), Microsoft-Windows-Kernel-Disk 10/11:
 *     TransferSize bytes
 *   FileIo Read/Write (67/68), Microsoft-Windows-Kernel-File Read/Write
 *     (15/16): IoSize / IOSize bytes; other FileIo operations (64-77) and
 *     Kernel-File operations (12-30) count as other file operations
 *   Lost_Event RTLostEvent/RTLostBuffer/RTLostFile (32-34): loss markers
 */
#define ETLKIT_INTERNAL
#include "decode.h"
#include "stats.h"

#include <sqlite3.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#define DEFAULT_MAX_KEYS 4096u
#define MAX_KEYS_CAP (1u << 20)
#define MAX_FILES 65536u
#define MIN_WIDTH 78125           /* 2^-7 s in 100 ns units */
#define SECOND 10000000LL
#define TEXT_CAP 1024             /* bytes kept of a name, path or command line */

/* ---- well-known providers ------------------------------------------------------------ */

static const etl_guid g_process = { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_diskio = { 0x3d6fa8d4, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_fileio = { 0x90cbdc39, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } };
static const etl_guid g_perfinfo = { 0xce1dbfb4, 0x137e, 0x4da6, { 0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc } };
static const etl_guid g_lost = { 0x6a399ae0, 0x4bc6, 0x4de9, { 0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e, 0x7e } };
static const etl_guid g_kproc = { 0x22fb2cd6, 0x0e7b, 0x422b, { 0xa0, 0xc7, 0x2f, 0xad, 0x1f, 0xd0, 0xe7, 0x16 } };
static const etl_guid g_kfile = { 0xedd08927, 0x9cc4, 0x4e65, { 0xb9, 0x70, 0xc2, 0x56, 0x0f, 0xb5, 0xc2, 0x89 } };
static const etl_guid g_kdisk = { 0xc7bde69a, 0xe1e0, 0x4177, { 0xb6, 0xef, 0x28, 0x3a, 0xd1, 0x52, 0x52, 0x71 } };

enum role {
	R_NONE, R_PROC_START, R_PROC_END, R_PROC_RUNDOWN, R_SAMPLE, R_DISK_READ, R_DISK_WRITE,
	R_FILE_READ, R_FILE_WRITE, R_FILE_OTHER, R_LOST
};

static int role_of(const etl_guid *g, bool classic, unsigned id, unsigned opcode)
{
	if (classic) {
		if (etl_guid_equal(g, &g_perfinfo))
			return opcode == 46 ? R_SAMPLE : R_NONE;
		if (etl_guid_equal(g, &g_process))
			return opcode == 1 ? R_PROC_START : opcode == 2 ? R_PROC_END
			       : opcode == 3 || opcode == 4 || opcode == 39 ? R_PROC_RUNDOWN : R_NONE;
		if (etl_guid_equal(g, &g_diskio))
			return opcode == 10 ? R_DISK_READ : opcode == 11 ? R_DISK_WRITE : R_NONE;
		if (etl_guid_equal(g, &g_fileio))
			return opcode == 67 ? R_FILE_READ : opcode == 68 ? R_FILE_WRITE
			       : opcode >= 64 && opcode <= 77 && opcode != 76 ? R_FILE_OTHER : R_NONE;
		if (etl_guid_equal(g, &g_lost))
			return opcode >= 32 && opcode <= 34 ? R_LOST : R_NONE;
		return R_NONE;
	}
	if (etl_guid_equal(g, &g_kproc))
		return id == 1 ? R_PROC_START : id == 2 ? R_PROC_END : id == 15 ? R_PROC_RUNDOWN : R_NONE;
	if (etl_guid_equal(g, &g_kfile))
		return id == 15 ? R_FILE_READ : id == 16 ? R_FILE_WRITE
		       : id >= 12 && id <= 30 && id != 24 ? R_FILE_OTHER : R_NONE;
	if (etl_guid_equal(g, &g_kdisk))
		return id == 10 ? R_DISK_READ : id == 11 ? R_DISK_WRITE : R_NONE;
	return R_NONE;
}

/* ---- the tables ------------------------------------------------------------------------ */

/* Open addressing over row numbers: slot holds row + 1 (0 empty) and the
 * key's hash, so growing never looks at the keys. */
struct hidx {
	uint32_t *row;
	uint64_t *hash;
	size_t cap, used;
};

struct tkey {
	etl_guid provider;
	uint64_t name_hash;
	uint16_t id, task;
	uint8_t version, opcode, classic, pad;
};

struct etype {
	etl_stats_event_type pub;
	struct tkey key;
	uint32_t prov;            /* its provider row */
	char *name, *event_name, *task_name, *opcode_name, *schema;
};

struct prov {
	etl_stats_provider pub;
	char *name;
	uint64_t *series;         /* ETL_STATS_BUCKETS counts, or NULL */
};

struct proc {
	etl_stats_process pub;
	char *image, *image_path, *cmdline;
	uint32_t older;           /* row + 1 of the previous instance of the pid */
	bool started, ended;
};

struct cpu_row {
	etl_stats_cpu pub;
};

struct etl_stats {
	unsigned max_keys;
	char err[1024];
	bool database;

	struct etype *types;
	size_t ntypes, cap_types;
	struct hidx type_idx;
	struct etype other_type;
	bool has_other_type;

	struct prov *provs;
	size_t nprovs, cap_provs;
	struct hidx prov_idx;
	struct prov other_prov;
	bool has_other_prov;

	struct proc *procs;
	size_t nprocs, cap_procs;
	struct hidx pid_idx;      /* pid -> newest instance */
	uint32_t unknown_proc;    /* row + 1 of the pid-less row */
	struct proc other_proc;
	bool has_other_proc;

	struct cpu_row *cpus;     /* indexed by processor number */
	size_t cap_cpus;
	struct cpu_row other_cpu;
	bool has_other_cpu;

	etl_trace_info *files;
	size_t nfiles;

	etl_stats_summary sum;
	uint64_t tl_total[ETL_STATS_BUCKETS], tl_marks[ETL_STATS_BUCKETS],
		tl_samples[ETL_STATS_BUCKETS];
	bool tl_set;
	uint64_t pending_marks;   /* loss found before the first event */

	/* sorted views, rebuilt after adds */
	bool dirty;
	etl_stats_provider *v_provs;
	etl_stats_event_type *v_types;
	etl_stats_process *v_procs;
	etl_stats_cpu *v_cpus;
	size_t nv_provs, nv_types, nv_procs, nv_cpus;
};

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ h >> 33;
}

static uint64_t fnv64(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static uint64_t guid_hash(const etl_guid *g)
{
	uint64_t d4;
	memcpy(&d4, g->data4, 8);
	return mix64(g->data1 ^ (uint64_t)g->data2 << 32 ^ (uint64_t)g->data3 << 48 ^ mix64(d4));
}

static bool hidx_grow(struct hidx *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64;
	uint32_t *nrow = calloc(ncap, sizeof(*nrow));
	uint64_t *nhash = calloc(ncap, sizeof(*nhash));
	if (!nrow || !nhash) {
		free(nrow);
		free(nhash);
		return false;
	}
	for (size_t i = 0; i < h->cap; i++) {
		if (!h->row[i])
			continue;
		size_t j = h->hash[i] & (ncap - 1);
		while (nrow[j])
			j = (j + 1) & (ncap - 1);
		nrow[j] = h->row[i];
		nhash[j] = h->hash[i];
	}
	free(h->row);
	free(h->hash);
	h->row = nrow;
	h->hash = nhash;
	h->cap = ncap;
	return true;
}

/* The slot of the key with this hash: a match (row[slot] != 0) or the empty
 * slot to insert it at.  (size_t)-1 when the index could not grow. */
static size_t hidx_find(struct hidx *h, uint64_t hash,
                        bool (*eq)(const etl_stats *s, uint32_t row, const void *key),
                        const etl_stats *s, const void *key)
{
	if ((h->used + 1) * 2 > h->cap && !hidx_grow(h))
		return (size_t)-1;
	size_t j = hash & (h->cap - 1);
	while (h->row[j]) {
		if (h->hash[j] == hash && eq(s, h->row[j] - 1, key))
			return j;
		j = (j + 1) & (h->cap - 1);
	}
	return j;
}

static void hidx_set(struct hidx *h, size_t slot, uint64_t hash, uint32_t row)
{
	if (!h->row[slot])
		h->used++;
	h->row[slot] = row + 1;
	h->hash[slot] = hash;
}

static void hidx_free(struct hidx *h)
{
	free(h->row);
	free(h->hash);
	memset(h, 0, sizeof(*h));
}

static bool grow_array(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *np = realloc(*p, ncap * sz);
	if (!np)
		return false;
	memset((char *)np + *cap * sz, 0, (ncap - *cap) * sz);
	*p = np;
	*cap = ncap;
	return true;
}

/* A copy of at most TEXT_CAP bytes, cut at a UTF-8 character boundary. */
static char *dup_text(const char *s)
{
	if (!s || !*s)
		return NULL;
	size_t n = strlen(s);
	if (n > TEXT_CAP) {
		n = TEXT_CAP;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* ---- creating and freeing ---------------------------------------------------------------- */

etl_status etl_stats_new(const etl_stats_options *opt, etl_stats **out)
{
	if (!out)
		return ETL_ERR_ARG;
	*out = NULL;
	etl_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return ETL_ERR_NOMEM;
	unsigned mk = opt && opt->max_keys ? opt->max_keys : DEFAULT_MAX_KEYS;
	s->max_keys = mk > MAX_KEYS_CAP ? MAX_KEYS_CAP : mk;
	s->sum.bucket_width = MIN_WIDTH;
	s->dirty = true;
	*out = s;
	return ETL_OK;
}

static void free_views(etl_stats *s)
{
	free(s->v_provs);
	free(s->v_types);
	free(s->v_procs);
	free(s->v_cpus);
	s->v_provs = NULL;
	s->v_types = NULL;
	s->v_procs = NULL;
	s->v_cpus = NULL;
}

static void free_type(struct etype *t)
{
	free(t->name);
	free(t->event_name);
	free(t->task_name);
	free(t->opcode_name);
	free(t->schema);
}

static void free_proc(struct proc *p)
{
	free(p->image);
	free(p->image_path);
	free(p->cmdline);
}

void etl_stats_free(etl_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntypes; i++)
		free_type(&s->types[i]);
	free_type(&s->other_type);
	for (size_t i = 0; i < s->nprovs; i++) {
		free(s->provs[i].name);
		free(s->provs[i].series);
	}
	free(s->other_prov.series);
	for (size_t i = 0; i < s->nprocs; i++)
		free_proc(&s->procs[i]);
	for (size_t i = 0; i < s->nfiles; i++)
		free((char *)s->files[i].path);
	free(s->types);
	free(s->provs);
	free(s->procs);
	free(s->cpus);
	free(s->files);
	hidx_free(&s->type_idx);
	hidx_free(&s->prov_idx);
	hidx_free(&s->pid_idx);
	free_views(s);
	free(s);
}

const char *etl_stats_errmsg(const etl_stats *s)
{
	return s ? s->err : "no statistics";
}

static etl_status nomem(etl_stats *s)
{
	etl_msg(s->err, sizeof s->err, "out of memory");
	return ETL_ERR_NOMEM;
}

/* ---- the timeline -------------------------------------------------------------------------- */

static void merge_pairs(uint64_t *a)
{
	for (size_t i = 0; i < ETL_STATS_BUCKETS / 2; i++)
		a[i] = a[2 * i] + a[2 * i + 1];
	memset(a + ETL_STATS_BUCKETS / 2, 0, ETL_STATS_BUCKETS / 2 * sizeof(*a));
}

static void each_series(etl_stats *s, void (*fn)(uint64_t *a, size_t k), size_t k)
{
	fn(s->tl_total, k);
	fn(s->tl_marks, k);
	fn(s->tl_samples, k);
	for (size_t i = 0; i < s->nprovs; i++)
		if (s->provs[i].series)
			fn(s->provs[i].series, k);
	if (s->other_prov.series)
		fn(s->other_prov.series, k);
}

static void merge_fn(uint64_t *a, size_t k)
{
	(void)k;
	merge_pairs(a);
}

static void shift_fn(uint64_t *a, size_t k)
{
	memmove(a + k, a, (ETL_STATS_BUCKETS - k) * sizeof(*a));
	memset(a, 0, k * sizeof(*a));
}

static void tl_merge(etl_stats *s)
{
	/* keep bucket boundaries on the grid of the doubled width */
	each_series(s, merge_fn, 0);
	s->sum.bucket_width *= 2;
	s->sum.buckets = (s->sum.buckets + 1) / 2;
}

/* The bucket of ts, moving the origin or doubling the width as needed. */
static size_t tl_bucket(etl_stats *s, int64_t ts)
{
	etl_stats_summary *m = &s->sum;
	if (!s->tl_set) {
		s->tl_set = true;
		m->timeline_start = ts;
		m->bucket_width = MIN_WIDTH;
		m->buckets = 1;
		s->tl_marks[0] += s->pending_marks;
		s->pending_marks = 0;
	}
	/* a time absurdly far from the origin (a damaged record): the edge
	 * bucket, rather than arithmetic that overflows */
	if (ts < m->timeline_start &&
	    (uint64_t)m->timeline_start - (uint64_t)ts > (uint64_t)INT64_MAX / 4)
		return 0;
	if (ts < m->timeline_start) {
		/* an earlier event: move the origin back by whole buckets (the
		 * grid is relative to the origin, so merging stays exact) */
		for (;;) {
			uint64_t k = ((uint64_t)m->timeline_start - (uint64_t)ts + (uint64_t)m->bucket_width - 1) /
			             (uint64_t)m->bucket_width;
			if (k + m->buckets <= ETL_STATS_BUCKETS) {
				each_series(s, shift_fn, (size_t)k);
				m->timeline_start -= (int64_t)k * m->bucket_width;
				m->buckets += (size_t)k;
				break;
			}
			if (m->bucket_width > INT64_MAX / 4)
				return 0;
			tl_merge(s);
		}
	}
	uint64_t idx = ((uint64_t)ts - (uint64_t)m->timeline_start) / (uint64_t)m->bucket_width;
	while (idx >= ETL_STATS_BUCKETS) {
		if (m->bucket_width > INT64_MAX / 4)
			return ETL_STATS_BUCKETS - 1;
		tl_merge(s);
		idx = ((uint64_t)ts - (uint64_t)m->timeline_start) / (uint64_t)m->bucket_width;
	}
	if (idx + 1 > m->buckets)
		m->buckets = (size_t)idx + 1;
	return (size_t)idx;
}

/* Loss or damage found while reading at ts: marked in the bucket of ts,
 * without widening the timeline (ts may be of an event not counted). */
static void add_mark(etl_stats *s, int64_t ts, uint64_t n)
{
	const etl_stats_summary *m = &s->sum;
	if (!s->tl_set) {
		s->pending_marks += n;
		return;
	}
	uint64_t idx = ts <= m->timeline_start ? 0
	               : ((uint64_t)ts - (uint64_t)m->timeline_start) / (uint64_t)m->bucket_width;
	s->tl_marks[idx < m->buckets ? idx : m->buckets - 1] += n;
}

/* ---- rows ----------------------------------------------------------------------------------- */

static bool type_eq(const etl_stats *s, uint32_t row, const void *key)
{
	return memcmp(&s->types[row].key, key, sizeof(struct tkey)) == 0;
}

static bool prov_eq(const etl_stats *s, uint32_t row, const void *key)
{
	return etl_guid_equal(&s->provs[row].pub.guid, key);
}

static bool pid_eq(const etl_stats *s, uint32_t row, const void *key)
{
	return s->procs[row].pub.pid == *(const uint32_t *)key;
}

/* The name a provider is shown with: kernel classes as "Windows
 * Kernel/PerfInfo" (every class has its own GUID but the same provider
 * name), others by their name. */
static char *provider_display(const etl_guid *g, const char *pname, const char *task,
                              const char *schema)
{
	char buf[512];
	if (schema && !strcmp(schema, "mof") && task && *task) {
		if (pname && *pname && strcmp(pname, task) != 0)
			etl_msg(buf, sizeof buf, "%s/%s", pname, task);
		else
			etl_msg(buf, sizeof buf, "%s", task);
		return dup_text(buf);
	}
	if (pname && *pname)
		return dup_text(pname);
	for (unsigned grp = 0; grp < 256; grp++) {
		const char *name;
		const etl_guid *k = etl_kernel_group_guid(grp, &name);
		if (!k)
			break;
		if (etl_guid_equal(k, g)) {
			etl_msg(buf, sizeof buf, "Windows Kernel/%s", name);
			return dup_text(buf);
		}
	}
	return NULL;
}

static char *type_display(const char *event, const char *task, const char *opcode, bool classic,
                          unsigned id, unsigned op)
{
	char buf[512];
	if (event && *event)
		return dup_text(event);
	if (task && *task && opcode && *opcode)
		etl_msg(buf, sizeof buf, "%s/%s", task, opcode);
	else if (task && *task)
		etl_msg(buf, sizeof buf, "%s", task);
	else if (classic)
		etl_msg(buf, sizeof buf, "opcode %u", op);
	else
		etl_msg(buf, sizeof buf, "id %u", id);
	return dup_text(buf);
}

/* What one event is, whichever the source. */
struct rec {
	const etl_guid *provider;
	bool classic;
	uint16_t id, task;
	uint8_t version, opcode;
	const char *provider_name, *event_name, *task_name, *opcode_name, *schema;
	int decoded;              /* 1 completely, 0 partly, -1 no schema */
	int64_t ts;
	uint32_t pid, cpu;
	uint64_t payload_size;
	int role;
	uint64_t io_size;
	struct proc *proc;        /* the instance, when the source knows it */
};

static struct prov *get_prov(etl_stats *s, const struct rec *r)
{
	uint64_t h = guid_hash(r->provider);
	size_t slot = hidx_find(&s->prov_idx, h, prov_eq, s, r->provider);
	if (slot == (size_t)-1)
		return NULL;
	struct prov *p;
	if (s->prov_idx.row[slot]) {
		p = &s->provs[s->prov_idx.row[slot] - 1];
	} else if (s->nprovs >= s->max_keys) {
		p = &s->other_prov;
		if (!s->has_other_prov) {
			s->has_other_prov = true;
			p->pub.other = 1;
			if (!(p->series = calloc(ETL_STATS_BUCKETS, sizeof(*p->series))))
				return NULL;
		}
		return p;
	} else {
		if (!grow_array((void **)&s->provs, &s->cap_provs, s->nprovs, sizeof(*s->provs)))
			return NULL;
		p = &s->provs[s->nprovs];
		memset(p, 0, sizeof(*p));
		p->pub.guid = *r->provider;
		if (s->nprovs < ETL_STATS_SERIES &&
		    !(p->series = calloc(ETL_STATS_BUCKETS, sizeof(*p->series))))
			return NULL;
		hidx_set(&s->prov_idx, slot, h, (uint32_t)s->nprovs);
		s->nprovs++;
	}
	if (!p->name)
		p->name = provider_display(r->provider, r->provider_name, r->task_name, r->schema);
	return p;
}

static bool fill_type_names(struct etype *t, const struct rec *r)
{
	free(t->name);
	free(t->schema);
	t->event_name = dup_text(r->event_name);
	t->task_name = dup_text(r->task_name);
	t->opcode_name = dup_text(r->opcode_name);
	t->schema = dup_text(r->schema ? r->schema : "none");
	t->name = type_display(r->event_name, r->task_name, r->opcode_name, r->classic, r->id,
	                       r->opcode);
	return t->name && t->schema;
}

static struct etype *get_type(etl_stats *s, const struct rec *r, struct prov **prov)
{
	struct tkey k;
	memset(&k, 0, sizeof k);
	k.provider = *r->provider;
	/* TraceLogging events of a provider differ only by name; others are
	 * named by their descriptor, so an event decoded before its schema was
	 * known is the same type */
	k.name_hash = r->event_name && r->schema && !strcmp(r->schema, "tracelogging")
	                  ? fnv64(r->event_name) : 0;
	k.id = r->id;
	k.task = r->task;
	k.version = r->version;
	k.opcode = r->opcode;
	k.classic = r->classic;
	uint64_t h = mix64(guid_hash(r->provider) ^ k.name_hash ^
	                   ((uint64_t)k.id << 40 | (uint64_t)k.task << 24 | (uint64_t)k.version << 16 |
	                    (uint64_t)k.opcode << 8 | k.classic));
	size_t slot = hidx_find(&s->type_idx, h, type_eq, s, &k);
	if (slot == (size_t)-1)
		return NULL;
	struct etype *t;
	if (s->type_idx.row[slot]) {
		t = &s->types[s->type_idx.row[slot] - 1];
		*prov = t->prov == UINT32_MAX ? get_prov(s, r) : &s->provs[t->prov];
		if (!t->event_name && !t->task_name && (r->event_name || r->task_name) &&
		    !fill_type_names(t, r))
			return NULL;
		return *prov ? t : NULL;
	}
	if (!(*prov = get_prov(s, r)))
		return NULL;
	if (s->ntypes >= s->max_keys) {
		t = &s->other_type;
		s->has_other_type = true;
		t->pub.other = 1;
		return t;
	}
	if (!grow_array((void **)&s->types, &s->cap_types, s->ntypes, sizeof(*s->types)))
		return NULL;
	t = &s->types[s->ntypes];
	memset(t, 0, sizeof(*t));
	t->key = k;
	t->prov = (*prov)->pub.other ? UINT32_MAX : (uint32_t)(*prov - s->provs);
	if (!fill_type_names(t, r))
		return NULL;
	hidx_set(&s->type_idx, slot, h, (uint32_t)s->ntypes);
	s->ntypes++;
	return t;
}

/* The newest instance of pid, or NULL. */
static struct proc *proc_current(etl_stats *s, uint32_t pid)
{
	if (pid == ETL_NO_ID)
		return s->unknown_proc ? &s->procs[s->unknown_proc - 1] : NULL;
	if (!s->pid_idx.cap)
		return NULL;
	size_t j = mix64(pid) & (s->pid_idx.cap - 1);
	while (s->pid_idx.row[j]) {
		if (s->procs[s->pid_idx.row[j] - 1].pub.pid == pid)
			return &s->procs[s->pid_idx.row[j] - 1];
		j = (j + 1) & (s->pid_idx.cap - 1);
	}
	return NULL;
}

/* A new instance of pid, made the newest; the other row when the table is
 * full (NULL only when out of memory).  Pointers to rows move: callers
 * look rows up again after this. */
static struct proc *proc_new(etl_stats *s, uint32_t pid)
{
	if (s->nprocs >= s->max_keys) {
		s->has_other_proc = true;
		s->other_proc.pub.other = 1;
		s->other_proc.pub.pid = ETL_NO_ID;
		s->other_proc.pub.parent_pid = ETL_NO_ID;
		return &s->other_proc;
	}
	size_t slot = 0;
	uint64_t h = mix64(pid);
	if (pid != ETL_NO_ID && (slot = hidx_find(&s->pid_idx, h, pid_eq, s, &pid)) == (size_t)-1)
		return NULL;
	if (!grow_array((void **)&s->procs, &s->cap_procs, s->nprocs, sizeof(*s->procs)))
		return NULL;
	struct proc *p = &s->procs[s->nprocs];
	memset(p, 0, sizeof(*p));
	p->pub.pid = pid;
	p->pub.parent_pid = ETL_NO_ID;
	if (pid == ETL_NO_ID) {
		s->unknown_proc = (uint32_t)s->nprocs + 1;
	} else {
		p->older = s->pid_idx.row[slot];
		hidx_set(&s->pid_idx, slot, h, (uint32_t)s->nprocs);
	}
	s->nprocs++;
	return p;
}

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	return b;
}

/* Fills what an instance does not know yet from a process event. */
static bool proc_fill(struct proc *p, uint32_t ppid, const char *image, const char *cmdline)
{
	if (p->pub.other)
		return true;
	p->pub.described = 1;
	if (p->pub.parent_pid == ETL_NO_ID && ppid != ETL_NO_ID)
		p->pub.parent_pid = ppid;
	if (image && *image) {
		bool path = strchr(image, '\\') || strchr(image, '/');
		if (path && !p->image_path) {
			/* a full path beats the kernel's name cut at 15 characters */
			free(p->image);
			if (!(p->image_path = dup_text(image)) || !(p->image = dup_text(base_name(image))))
				return false;
		} else if (!p->image && !(p->image = dup_text(base_name(image)))) {
			return false;
		}
	}
	if (!p->cmdline && cmdline && *cmdline && !(p->cmdline = dup_text(cmdline)))
		return false;
	return true;
}

/* A process event: start, end or rundown of pid. */
static etl_status proc_event(etl_stats *s, int role, uint32_t pid, uint32_t ppid, const char *image,
                             const char *cmdline, int64_t ts)
{
	if (pid == ETL_NO_ID)
		return ETL_OK;
	struct proc *p = proc_current(s, pid);
	switch (role) {
	case R_PROC_START:
		if (p && p->started && !p->ended) {
			/* the same start from the other provider */
		} else if (p && !p->started && !p->ended && !p->pub.described && !p->pub.events) {
			p->started = true;
			p->pub.start_ts = ts;
		} else {
			if (!(p = proc_new(s, pid)))
				return nomem(s);
			if (!p->pub.other) {
				p->started = true;
				p->pub.start_ts = ts;
			}
		}
		break;
	case R_PROC_END:
		if (!p && !(p = proc_new(s, pid)))
			return nomem(s);
		if (!p->ended && !p->pub.other) {
			p->ended = true;
			p->pub.end_ts = ts;
		}
		break;
	default:
		if (!p && !(p = proc_new(s, pid)))
			return nomem(s);
		break;
	}
	return proc_fill(p, ppid, image, cmdline) ? ETL_OK : nomem(s);
}

static struct cpu_row *get_cpu(etl_stats *s, uint32_t cpu)
{
	if (cpu >= s->max_keys || cpu >= 65536) {
		s->has_other_cpu = true;
		s->other_cpu.pub.other = 1;
		s->other_cpu.pub.cpu = ETL_NO_ID;
		return &s->other_cpu;
	}
	if (cpu >= s->cap_cpus) {
		size_t ncap = s->cap_cpus ? s->cap_cpus : 64;
		while (ncap <= cpu)
			ncap *= 2;
		struct cpu_row *n = realloc(s->cpus, ncap * sizeof(*n));
		if (!n)
			return NULL;
		memset(n + s->cap_cpus, 0, (ncap - s->cap_cpus) * sizeof(*n));
		s->cpus = n;
		s->cap_cpus = ncap;
	}
	s->cpus[cpu].pub.cpu = cpu;
	return &s->cpus[cpu];
}

static etl_status count_rec(etl_stats *s, struct rec *r)
{
	struct prov *pv = NULL;
	struct etype *t = get_type(s, r, &pv);
	if (!t)
		return nomem(s);
	etl_stats_summary *m = &s->sum;
	s->dirty = true;
	m->events++;
	m->payload_bytes += r->payload_size;
	t->pub.events++;
	t->pub.payload_bytes += r->payload_size;
	pv->pub.events++;
	pv->pub.payload_bytes += r->payload_size;
	if (r->decoded > 0) {
		m->decoded++;
		t->pub.decoded++;
		pv->pub.decoded++;
	} else if (r->decoded == 0) {
		m->partial++;
		t->pub.partial++;
		pv->pub.partial++;
	} else {
		m->undecoded++;
		t->pub.undecoded++;
		pv->pub.undecoded++;
	}
	if (m->events == 1 || r->ts < m->first_ts)
		m->first_ts = r->ts;
	if (m->events == 1 || r->ts > m->last_ts)
		m->last_ts = r->ts;
	size_t b = tl_bucket(s, r->ts);
	/* tl_bucket may have merged: the series pointers stay, indexes changed */
	s->tl_total[b]++;
	if (pv->series)
		pv->series[b]++;
	struct cpu_row *c = get_cpu(s, r->cpu);
	if (!c)
		return nomem(s);
	c->pub.events++;
	struct proc *p = r->proc;
	if (!p && !(p = proc_current(s, r->pid)) && !(p = proc_new(s, r->pid)))
		return nomem(s);
	p->pub.events++;
	switch (r->role) {
	case R_SAMPLE:
		p->pub.cpu_samples++;
		c->pub.cpu_samples++;
		m->cpu_samples++;
		s->tl_samples[b]++;
		break;
	case R_DISK_READ:
		p->pub.disk_reads++;
		p->pub.disk_read_bytes += r->io_size;
		m->disk_reads++;
		m->disk_read_bytes += r->io_size;
		break;
	case R_DISK_WRITE:
		p->pub.disk_writes++;
		p->pub.disk_write_bytes += r->io_size;
		m->disk_writes++;
		m->disk_write_bytes += r->io_size;
		break;
	case R_FILE_READ:
		p->pub.file_reads++;
		p->pub.file_read_bytes += r->io_size;
		m->file_reads++;
		m->file_read_bytes += r->io_size;
		break;
	case R_FILE_WRITE:
		p->pub.file_writes++;
		p->pub.file_write_bytes += r->io_size;
		m->file_writes++;
		m->file_write_bytes += r->io_size;
		break;
	case R_FILE_OTHER:
		p->pub.file_other++;
		m->file_other++;
		break;
	case R_LOST:
		m->lost_event_records++;
		s->tl_marks[b]++;
		break;
	default:
		break;
	}
	return ETL_OK;
}

/* ---- events from a decoder -------------------------------------------------------------------- */

static const etl_value *find_value(const etl_value *v, size_t n, const char *const *names)
{
	for (const char *const *nm = names; *nm; nm++)
		for (size_t i = 0; i < n; i++)
			if (v[i].name && !strcmp(v[i].name, *nm))
				return &v[i];
	return NULL;
}

/* An integer property: a decimal, or "0x..." hex text. */
static bool value_u64(const etl_value *v, uint64_t *out)
{
	if (!v || !v->json || !v->json_len)
		return false;
	const char *p = v->json, *end = v->json + v->json_len;
	if (*p == '"') {
		p++;
		if (end - p < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
			return false;
		p += 2;
		uint64_t x = 0;
		int digits = 0;
		for (; p < end && *p != '"'; p++) {
			int dv = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			         : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
			if (dv < 0 || ++digits > 16)
				return false;
			x = x << 4 | (uint64_t)dv;
		}
		*out = x;
		return digits > 0;
	}
	if (*p == '-')
		return false;
	uint64_t x = 0;
	int digits = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*out = x;
	return digits > 0 && p == end;
}

static void put_utf8(char **o, char *end, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if ((size_t)(end - *o) > n) {
		memcpy(*o, b, n);
		*o += n;
	}
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
		        : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* A string property's text (JSON unescaped) into buf; NULL when the value
 * is not a string. */
static const char *value_str(const etl_value *v, char *buf, size_t size)
{
	if (!v || v->kind != ETL_VALUE_TEXT || v->json_len < 2 || v->json[0] != '"' || !size)
		return NULL;
	const char *p = v->json + 1, *end = v->json + v->json_len - 1;
	char *o = buf, *oend = buf + size;
	while (p < end) {
		uint32_t cp = (unsigned char)*p;
		if (cp != '\\') {
			if (oend - o > 1)
				*o++ = *p;
			p++;
			continue;
		}
		if (end - p < 2)
			break;
		char e = p[1];
		p += 2;
		switch (e) {
		case 'n': cp = '\n'; break;
		case 't': cp = '\t'; break;
		case 'r': cp = '\r'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'u': {
			int h = end - p >= 4 ? hex4(p) : -1;
			if (h < 0) {
				cp = 0xFFFD;
				break;
			}
			p += 4;
			cp = (uint32_t)h;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				int lo = hex4(p + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
					p += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;
			break;
		}
		default: cp = (unsigned char)e; break;
		}
		if (cp)
			put_utf8(&o, oend, cp);
	}
	*o = 0;
	return buf;
}

static etl_status process_from_event(etl_stats *s, int role, const etl_event *ev,
                                     const etl_decoded *d)
{
	static const char *const pid_names[] = { "ProcessId", "ProcessID", NULL };
	static const char *const ppid_names[] = { "ParentId", "ParentProcessID", NULL };
	static const char *const image_names[] = { "ImageName", "ImageFileName", NULL };
	static const char *const cmd_names[] = { "CommandLine", NULL };
	const etl_value *v;
	size_t n = etl_decoded_values(d, &v);
	uint64_t pid, ppid = ETL_NO_ID;
	if (!value_u64(find_value(v, n, pid_names), &pid) || pid > UINT32_MAX)
		return ETL_OK;
	if (!value_u64(find_value(v, n, ppid_names), &ppid) || ppid > UINT32_MAX)
		ppid = ETL_NO_ID;
	/* a little more than TEXT_CAP, so that dup_text cuts long values at a
	 * character boundary */
	char image[TEXT_CAP + 8], cmd[TEXT_CAP + 8];
	const char *im = value_str(find_value(v, n, image_names), image, sizeof image);
	const char *cl = value_str(find_value(v, n, cmd_names), cmd, sizeof cmd);
	return proc_event(s, role, (uint32_t)pid, (uint32_t)ppid, im, cl, ev->timestamp);
}

etl_status etl_stats_add_event(etl_stats *s, const etl_event *ev, const etl_decoded *d,
                               unsigned flags)
{
	if (!s || !ev)
		return ETL_ERR_ARG;
	bool classic = (ev->flags & ETL_EVF_CLASSIC_HEADER) != 0;
	int role = role_of(&ev->provider, classic, ev->id, ev->opcode);
	if (d && (role == R_PROC_START || role == R_PROC_END || role == R_PROC_RUNDOWN)) {
		etl_status st = process_from_event(s, role, ev, d);
		if (st != ETL_OK)
			return st;
	}
	if (flags & ETL_STATS_TRACK_ONLY)
		return ETL_OK;
	const char *schema = d ? etl_decoded_schema(d) : "none";
	struct rec r = {
		.provider = &ev->provider,
		.classic = classic,
		.id = ev->id,
		.task = ev->task,
		.version = ev->version,
		.opcode = ev->opcode,
		.provider_name = etl_decoded_provider_name(d),
		.event_name = etl_decoded_event_name(d),
		.task_name = etl_decoded_task_name(d),
		.opcode_name = etl_decoded_opcode_name(d),
		.schema = schema,
		.decoded = etl_decoded_complete(d) ? 1 : schema && strcmp(schema, "none") ? 0 : -1,
		.ts = ev->timestamp,
		.pid = d ? etl_decoded_pid(d) : ev->pid,
		.cpu = ev->cpu,
		.payload_size = ev->size,
		.role = role,
	};
	if (d && role >= R_DISK_READ && role <= R_FILE_WRITE) {
		static const char *const size_names[] = { "TransferSize", "IoSize", "IOSize", NULL };
		const etl_value *v;
		size_t n = etl_decoded_values(d, &v);
		if (!value_u64(find_value(v, n, size_names), &r.io_size))
			r.io_size = 0;
	}
	return count_rec(s, &r);
}

etl_status etl_stats_add_file(etl_stats *s, const etl_trace_info *info)
{
	if (!s || !info)
		return ETL_ERR_ARG;
	if (s->nfiles >= MAX_FILES) {
		etl_msg(s->err, sizeof s->err, "more than %u input files", MAX_FILES);
		return ETL_ERR_LIMIT;
	}
	etl_trace_info *n = realloc(s->files, (s->nfiles + 1) * sizeof(*n));
	if (!n)
		return nomem(s);
	s->files = n;
	n[s->nfiles] = *info;
	if (!(n[s->nfiles].path = strdup(info->path ? info->path : "")))
		return nomem(s);
	s->nfiles++;
	etl_stats_summary *m = &s->sum;
	m->events_lost += info->events_lost;
	m->buffers_lost += info->buffers_lost;
	m->lost_buffer_flags += info->lost_buffer_flags;
	m->damaged_buffers += info->damaged_buffers;
	m->damaged_records += info->damaged_records;
	s->dirty = true;
	return ETL_OK;
}

etl_status etl_stats_add_trace(etl_stats *s, etl_trace *t, etl_decoder *d, const etl_filter *f)
{
	if (!s || !t)
		return ETL_ERR_ARG;
	size_t nf = etl_trace_file_count(t);
	uint64_t *seen = calloc(nf ? nf : 1, sizeof(*seen));
	if (!seen)
		return nomem(s);
	const etl_event *ev;
	etl_status st;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		const etl_decoded *dd = NULL;
		if (d && etl_decoder_decode(d, ev, &dd) != ETL_OK)
			dd = NULL;
		unsigned fl = f && !etl_filter_match(f, ev, dd) ? ETL_STATS_TRACK_ONLY : 0;
		if ((st = etl_stats_add_event(s, ev, dd, fl)) != ETL_OK)
			break;
		/* loss and damage the reader found since the last event: mark
		 * them where the reading is */
		const etl_trace_info *in = etl_trace_info_get(t, ev->file);
		if (in && ev->file < nf) {
			uint64_t now = in->damaged_buffers + in->damaged_records + in->lost_buffer_flags;
			if (now > seen[ev->file]) {
				add_mark(s, ev->timestamp, now - seen[ev->file]);
				seen[ev->file] = now;
			}
		}
	}
	if (st == ETL_EOF) {
		st = ETL_OK;
		for (size_t i = 0; i < nf && st == ETL_OK; i++) {
			const etl_trace_info *in = etl_trace_info_get(t, i);
			uint64_t now = in->damaged_buffers + in->damaged_records + in->lost_buffer_flags;
			if (now > seen[i])
				add_mark(s, s->sum.last_ts, now - seen[i]);
			st = etl_stats_add_file(s, in);
		}
	} else if (st != ETL_ERR_NOMEM) {
		etl_msg(s->err, sizeof s->err, "%s", etl_trace_errmsg(t));
	}
	free(seen);
	return st;
}

/* ---- events from a database ---------------------------------------------------------------------- */

int etl_stats_is_database(const char *path)
{
	FILE *fp = path ? fopen(path, "rb") : NULL;
	if (!fp)
		return 0;
	char head[16];
	size_t n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	return n == sizeof head && !memcmp(head, "SQLite format 3", 16);
}

#ifndef ETLKIT_NO_SQLITE
struct dbtype {
	int64_t id;
	etl_guid guid;
	char *provider_name, *event_name, *task_name, *opcode_name, *schema;
	uint16_t event_id, task;
	uint8_t version, opcode, level;
	bool classic;
	int role;
	sqlite3_stmt *size;       /* SELECT <size column> FROM <typed table> WHERE event_rowid = ? */
};

struct db {
	etl_stats *s;
	const char *path;
	sqlite3 *db;
	struct dbtype *types;
	size_t ntypes;
};

static etl_status db_fail(struct db *d, const char *what)
{
	etl_msg(d->s->err, sizeof d->s->err, "%s: %s: %s", d->path, what,
	        d->db ? sqlite3_errmsg(d->db) : "cannot open");
	return ETL_ERR_IO;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static etl_status db_open(const char *path, sqlite3 **db, char *err, size_t errsz)
{
	*db = NULL;
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		etl_msg(err, errsz, "%s: cannot open the database: %s", path,
		        *db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return ETL_ERR_IO;
	}
	sqlite3_busy_timeout(*db, 10000);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(*db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
	                            &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		etl_msg(err, errsz, "%s: not a database made by etlkit convert (%s)", path,
		        rc == SQLITE_DONE ? "no schema version" : sqlite3_errmsg(*db));
		sqlite3_close(*db);
		*db = NULL;
		return ETL_ERR_FORMAT;
	}
	return ETL_OK;
}

etl_status etl_stats_database_start(const char *path, int64_t *start, char *errbuf,
                                    size_t errbuf_size)
{
	char dummy[8];
	if (!errbuf) {
		errbuf = dummy;
		errbuf_size = sizeof dummy;
	}
	if (!path || !start)
		return ETL_ERR_ARG;
	sqlite3 *db;
	etl_status e = db_open(path, &db, errbuf, errbuf_size);
	if (e != ETL_OK)
		return e;
	sqlite3_stmt *st = NULL;
	e = ETL_ERR_FORMAT;
	if (sqlite3_prepare_v2(db, "SELECT min(start_ts), min(first_ts) FROM traces", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*start = sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0)
		                                                   : sqlite3_column_int64(st, 1);
		e = ETL_OK;
	} else {
		etl_msg(errbuf, errbuf_size, "%s: cannot read its traces: %s", path, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return e;
}

/* traces -> file headers, by column name (the names of layout.h) */
static etl_status db_files(struct db *d)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->db, "SELECT * FROM traces ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, "cannot read traces");
	int rc;
	etl_status e = ETL_OK;
	while (e == ETL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		etl_trace_info in;
		memset(&in, 0, sizeof in);
		in.path = "";
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *nm = sqlite3_column_name(st, c);
			int64_t v = sqlite3_column_int64(st, c);
			const char *tx = col_text(st, c);
			if (!nm)
				continue;
#define U(col, field) else if (!strcmp(nm, col)) in.field = (uint32_t)v
#define W(col, field) else if (!strcmp(nm, col)) in.field = (uint64_t)v
#define I(col, field) else if (!strcmp(nm, col)) in.field = v
			if (!strcmp(nm, "path"))
				in.path = tx ? tx : "";
			else if (!strcmp(nm, "logger_name"))
				etl_msg(in.logger_name, sizeof in.logger_name, "%s", tx ? tx : "");
			else if (!strcmp(nm, "log_file_name"))
				etl_msg(in.log_file_name, sizeof in.log_file_name, "%s", tx ? tx : "");
			else if (!strcmp(nm, "tz_standard_name"))
				etl_msg(in.time_zone.standard_name, sizeof in.time_zone.standard_name, "%s", tx ? tx : "");
			else if (!strcmp(nm, "tz_daylight_name"))
				etl_msg(in.time_zone.daylight_name, sizeof in.time_zone.daylight_name, "%s", tx ? tx : "");
			else if (!strcmp(nm, "tz_bias"))
				in.time_zone.bias = (int32_t)v;
			else if (!strcmp(nm, "os_major"))
				in.os_major = (uint8_t)v;
			else if (!strcmp(nm, "os_minor"))
				in.os_minor = (uint8_t)v;
			else if (!strcmp(nm, "layout_version") && tx) {
				unsigned a = 0, b = 0;
				if (sscanf(tx, "%u.%u", &a, &b) == 2) {
					in.layout_major = (uint8_t)a;
					in.layout_minor = (uint8_t)b;
				}
			}
			W("size", file_size);
			U("os_build", provider_version);
			U("pointer_size", pointer_size);
			U("number_of_processors", number_of_processors);
			U("cpu_speed_mhz", cpu_speed_mhz);
			U("buffer_size", buffer_size);
			U("maximum_file_size", maximum_file_size);
			U("log_file_mode", log_file_mode);
			U("buffers_written", buffers_written);
			U("start_buffers", start_buffers);
			U("timer_resolution", timer_resolution);
			I("perf_freq", perf_freq);
			U("clock_type", clock_type);
			I("start_ts", start_time);
			I("end_ts", end_time);
			I("boot_ts", boot_time);
			U("events_lost", events_lost);
			U("buffers_lost", buffers_lost);
			W("buffers", buffers);
			W("compressed_buffers", compressed_buffers);
			W("damaged_buffers", damaged_buffers);
			W("damaged_records", damaged_records);
			W("lost_buffer_flags", lost_buffer_flags);
			W("events", events);
#undef U
#undef W
#undef I
		}
		e = etl_stats_add_file(d->s, &in);
	}
	sqlite3_finalize(st);
	if (e == ETL_OK && rc != SQLITE_DONE)
		return db_fail(d, "cannot read traces");
	return e;
}

static etl_status db_size_stmt(struct db *d, struct dbtype *t, const char *table)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->db,
	                       "SELECT name FROM typed_columns WHERE table_name = ?1 AND property IN"
	                       " ('TransferSize', 'IoSize', 'IOSize') ORDER BY position LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, "cannot read typed_columns");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
	etl_status e = ETL_OK;
	if (sqlite3_step(st) == SQLITE_ROW && col_text(st, 0)) {
		/* identifiers quoted, as layout.c writes them */
		char *sql = sqlite3_mprintf("SELECT \"%w\" FROM \"%w\" WHERE event_rowid = ?1",
		                            col_text(st, 0), table);
		if (!sql)
			e = nomem(d->s);
		else if (sqlite3_prepare_v2(d->db, sql, -1, &t->size, NULL) != SQLITE_OK)
			t->size = NULL; /* a table that is missing: no sizes, not an error */
		sqlite3_free(sql);
	}
	sqlite3_finalize(st);
	return e;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	return dup_text(col_text(st, i));
}

static etl_status db_types(struct db *d)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->db,
	                       "SELECT t.id, t.provider, p.name, t.event_id, t.version, t.opcode,"
	                       " t.task, t.level, t.event_name, t.task_name, t.opcode_name, t.schema,"
	                       " t.table_name FROM event_types t LEFT JOIN providers p"
	                       " ON p.id = t.provider_id ORDER BY t.id",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, "cannot read event_types");
	size_t cap = 0;
	int rc;
	etl_status e = ETL_OK;
	while (e == ETL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow_array((void **)&d->types, &cap, d->ntypes, sizeof(*d->types))) {
			e = nomem(d->s);
			break;
		}
		struct dbtype *t = &d->types[d->ntypes++];
		memset(t, 0, sizeof(*t));
		t->id = sqlite3_column_int64(st, 0);
		if (!col_text(st, 1) || etl_guid_parse(col_text(st, 1), &t->guid) != 0)
			memset(&t->guid, 0, sizeof t->guid);
		t->event_id = (uint16_t)sqlite3_column_int(st, 3);
		t->version = (uint8_t)sqlite3_column_int(st, 4);
		t->opcode = (uint8_t)sqlite3_column_int(st, 5);
		t->task = (uint16_t)sqlite3_column_int(st, 6);
		t->level = (uint8_t)sqlite3_column_int(st, 7);
		t->provider_name = dup_col(st, 2);
		t->event_name = dup_col(st, 8);
		t->task_name = dup_col(st, 9);
		t->opcode_name = dup_col(st, 10);
		t->schema = dup_col(st, 11);
		if (!t->schema)
			t->schema = dup_text("none");
		/* classic events: MOF schemas, a kernel class, or (the database has
		 * no header kinds) an undecoded event with an opcode but no id */
		t->classic = !strcmp(t->schema, "mof") ||
		             (!strcmp(t->schema, "none") && t->event_id == 0 && t->opcode != 0);
		for (unsigned g = 0; !t->classic && t->event_id == 0; g++) {
			const etl_guid *k = etl_kernel_group_guid(g, NULL);
			if (!k)
				break;
			t->classic = etl_guid_equal(k, &t->guid);
		}
		t->role = role_of(&t->guid, t->classic, t->event_id, t->opcode);
		if (t->role >= R_DISK_READ && t->role <= R_FILE_WRITE && col_text(st, 12))
			e = db_size_stmt(d, t, col_text(st, 12));
	}
	sqlite3_finalize(st);
	if (e == ETL_OK && rc != SQLITE_DONE)
		return db_fail(d, "cannot read event_types");
	return e;
}

static struct dbtype *db_type(struct db *d, int64_t id)
{
	size_t lo = 0, hi = d->ntypes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->types[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->ntypes && d->types[lo].id == id ? &d->types[lo] : NULL;
}

static etl_status db_processes(struct db *d)
{
	sqlite3_stmt *st = NULL;
	/* oldest first, so that each pid's newest instance heads its chain */
	if (sqlite3_prepare_v2(d->db,
	                       "SELECT pid, parent_pid, image, command_line, start_ts, end_ts"
	                       " FROM processes ORDER BY coalesce(start_ts, 0), trace_id, pid",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, "cannot read processes");
	int rc;
	etl_status e = ETL_OK;
	while (e == ETL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 0) == SQLITE_NULL || pid < 0 || pid >= ETL_NO_ID)
			continue;
		struct proc *p = proc_new(d->s, (uint32_t)pid);
		if (!p) {
			e = nomem(d->s);
			break;
		}
		if (p->pub.other)
			continue;
		int64_t ppid = sqlite3_column_int64(st, 1);
		bool has_ppid = sqlite3_column_type(st, 1) != SQLITE_NULL && ppid >= 0 && ppid < ETL_NO_ID;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			p->started = true;
			p->pub.start_ts = sqlite3_column_int64(st, 4);
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			p->ended = true;
			p->pub.end_ts = sqlite3_column_int64(st, 5);
		}
		if (!proc_fill(p, has_ppid ? (uint32_t)ppid : ETL_NO_ID, col_text(st, 2), col_text(st, 3)))
			e = nomem(d->s);
	}
	sqlite3_finalize(st);
	if (e == ETL_OK && rc != SQLITE_DONE)
		return db_fail(d, "cannot read processes");
	return e;
}

/* The instance of pid alive at ts: the newest that started at or before
 * it (an instance without a start was running when the trace began). */
static struct proc *db_proc_at(etl_stats *s, uint32_t pid, int64_t ts)
{
	struct proc *p = proc_current(s, pid);
	while (p && p->started && p->pub.start_ts > ts && p->older)
		p = &s->procs[p->older - 1];
	return p;
}

static etl_status db_events(struct db *d, const etl_filter *f)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->db,
	                       "SELECT id, ts, type_id, pid, tid, cpu, level, keywords, payload_size,"
	                       " decoded FROM events ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, "cannot read events");
	etl_stats *s = d->s;
	struct dbtype *t = NULL;
	int rc;
	etl_status e = ETL_OK;
	while (e == ETL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t type_id = sqlite3_column_int64(st, 2);
		if (!t || t->id != type_id)
			t = db_type(d, type_id);
		if (!t)
			continue; /* an event of no type: not from etlkit */
		int64_t ts = sqlite3_column_int64(st, 1);
		uint32_t pid = sqlite3_column_type(st, 3) == SQLITE_NULL
		                   ? ETL_NO_ID : (uint32_t)sqlite3_column_int64(st, 3);
		uint32_t tid = sqlite3_column_type(st, 4) == SQLITE_NULL
		                   ? ETL_NO_ID : (uint32_t)sqlite3_column_int64(st, 4);
		if (f) {
			/* the filters look at an event and its decoded names */
			etl_event ev;
			memset(&ev, 0, sizeof ev);
			ev.provider = t->guid;
			ev.id = t->event_id;
			ev.version = t->version;
			ev.opcode = t->opcode;
			ev.task = t->task;
			ev.level = (uint8_t)sqlite3_column_int(st, 6);
			ev.keywords = (uint64_t)sqlite3_column_int64(st, 7);
			ev.pid = pid;
			ev.tid = tid;
			ev.cpu = (uint32_t)sqlite3_column_int64(st, 5);
			ev.timestamp = ts;
			ev.header = t->classic ? ETL_HDR_SYSTEM64 : ETL_HDR_EVENT64;
			ev.flags = t->classic ? ETL_EVF_CLASSIC_HEADER : 0;
			struct etl_decoded dd;
			memset(&dd, 0, sizeof dd);
			dd.provider_name = t->provider_name;
			dd.event_name = t->event_name;
			dd.task_name = t->task_name;
			dd.opcode_name = t->opcode_name;
			dd.pid = pid;
			dd.tid = tid;
			if (!etl_filter_match(f, &ev, &dd))
				continue;
		}
		struct rec r = {
			.provider = &t->guid,
			.classic = t->classic,
			.id = t->event_id,
			.task = t->task,
			.version = t->version,
			.opcode = t->opcode,
			.provider_name = t->provider_name,
			.event_name = t->event_name,
			.task_name = t->task_name,
			.opcode_name = t->opcode_name,
			.schema = t->schema,
			.decoded = sqlite3_column_int(st, 9) ? 1 : strcmp(t->schema, "none") ? 0 : -1,
			.ts = ts,
			.pid = pid,
			.cpu = (uint32_t)sqlite3_column_int64(st, 5),
			.payload_size = (uint64_t)sqlite3_column_int64(st, 8),
			.role = t->role,
		};
		if (t->size) {
			sqlite3_bind_int64(t->size, 1, sqlite3_column_int64(st, 0));
			if (sqlite3_step(t->size) == SQLITE_ROW && sqlite3_column_int64(t->size, 0) > 0)
				r.io_size = (uint64_t)sqlite3_column_int64(t->size, 0);
			sqlite3_reset(t->size);
		}
		r.proc = db_proc_at(s, pid, ts);
		e = count_rec(s, &r);
	}
	sqlite3_finalize(st);
	if (e == ETL_OK && rc != SQLITE_DONE)
		return db_fail(d, "cannot read events");
	return e;
}

etl_status etl_stats_add_database(etl_stats *s, const char *path, const etl_filter *f)
{
	if (!s || !path)
		return ETL_ERR_ARG;
	struct db d = { s, path, NULL, NULL, 0 };
	etl_status e = db_open(path, &d.db, s->err, sizeof s->err);
	if (e != ETL_OK)
		return e;
	s->database = true;
	s->sum.database = 1;
	/* one read transaction: a consistent snapshot of all tables */
	if (sqlite3_exec(d.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		e = db_fail(&d, "cannot read");
	if (e == ETL_OK)
		e = db_files(&d);
	if (e == ETL_OK)
		e = db_types(&d);
	if (e == ETL_OK)
		e = db_processes(&d);
	if (e == ETL_OK)
		e = db_events(&d, f);
	for (size_t i = 0; i < d.ntypes; i++) {
		sqlite3_finalize(d.types[i].size);
		free(d.types[i].provider_name);
		free(d.types[i].event_name);
		free(d.types[i].task_name);
		free(d.types[i].opcode_name);
		free(d.types[i].schema);
	}
	free(d.types);
	sqlite3_exec(d.db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(d.db);
	s->dirty = true;
	return e;
}

#else /* ETLKIT_NO_SQLITE: built without SQLite (win32/nosqlite) */

etl_status etl_stats_database_start(const char *path, int64_t *start, char *errbuf,
                                    size_t errbuf_size)
{
	(void)start;
	if (errbuf)
		etl_msg(errbuf, errbuf_size, "%s: etlkit was built without SQLite", path ? path : "");
	return ETL_ERR_UNSUPPORTED;
}

etl_status etl_stats_add_database(etl_stats *s, const char *path, const etl_filter *f)
{
	(void)f;
	if (!s || !path)
		return ETL_ERR_ARG;
	etl_msg(s->err, sizeof s->err, "%s: etlkit was built without SQLite", path);
	return ETL_ERR_UNSUPPORTED;
}
#endif

/* ---- results ------------------------------------------------------------------------------------ */

static int cmp_guid(const etl_guid *a, const etl_guid *b)
{
	if (a->data1 != b->data1)
		return a->data1 < b->data1 ? -1 : 1;
	if (a->data2 != b->data2)
		return a->data2 < b->data2 ? -1 : 1;
	if (a->data3 != b->data3)
		return a->data3 < b->data3 ? -1 : 1;
	return memcmp(a->data4, b->data4, 8);
}

#define BY_EVENTS(x, y)                                 \
	if ((x)->other != (y)->other)                       \
		return (x)->other ? 1 : -1;                     \
	if ((x)->events != (y)->events)                     \
		return (x)->events < (y)->events ? 1 : -1

static int cmp_prov(const void *a, const void *b)
{
	const etl_stats_provider *x = a, *y = b;
	BY_EVENTS(x, y);
	return cmp_guid(&x->guid, &y->guid);
}

static int cmp_type(const void *a, const void *b)
{
	const etl_stats_event_type *x = a, *y = b;
	BY_EVENTS(x, y);
	int c = cmp_guid(&x->provider, &y->provider);
	if (c)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->opcode != y->opcode)
		return x->opcode < y->opcode ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	if (x->task != y->task)
		return x->task < y->task ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* processes are sorted by index: the parent links are resolved on the
 * internal rows first */
struct pview {
	etl_stats_process pub;
	size_t internal;
};

static int cmp_proc(const void *a, const void *b)
{
	const struct pview *px = a, *py = b;
	const etl_stats_process *x = &px->pub, *y = &py->pub;
	BY_EVENTS(x, y);
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ts != y->start_ts)
		return x->start_ts < y->start_ts ? -1 : 1;
	return px->internal < py->internal ? -1 : px->internal > py->internal;
}

/* The instance of the parent of p: of its parent pid, the newest one that
 * began before p and did not end before p began. */
static size_t parent_of(etl_stats *s, size_t i)
{
	const struct proc *p = &s->procs[i];
	if (p->pub.parent_pid == ETL_NO_ID || p->pub.parent_pid == p->pub.pid)
		return (size_t)-1;
	int64_t at = p->started ? p->pub.start_ts : INT64_MIN;
	const struct proc *q = proc_current(s, p->pub.parent_pid);
	while (q) {
		bool began = !q->started || at == INT64_MIN || q->pub.start_ts <= at;
		bool alive = !q->ended || at == INT64_MIN || q->pub.end_ts >= at;
		if (began && alive)
			return (size_t)(q - s->procs);
		q = q->older ? &s->procs[q->older - 1] : NULL;
	}
	return (size_t)-1;
}

static etl_status prepare(etl_stats *s)
{
	if (!s->dirty)
		return ETL_OK;
	free_views(s);
	size_t n = s->nprovs + s->has_other_prov;
	if (!(s->v_provs = malloc((n ? n : 1) * sizeof(*s->v_provs))))
		return nomem(s);
	for (size_t i = 0; i < s->nprovs; i++) {
		s->v_provs[i] = s->provs[i].pub;
		s->v_provs[i].name = s->provs[i].name;
		s->v_provs[i].timeline = s->provs[i].series;
	}
	if (s->has_other_prov) {
		s->v_provs[s->nprovs] = s->other_prov.pub;
		s->v_provs[s->nprovs].timeline = s->other_prov.series;
	}
	qsort(s->v_provs, n, sizeof(*s->v_provs), cmp_prov);
	s->nv_provs = n;

	n = s->ntypes + s->has_other_type;
	if (!(s->v_types = malloc((n ? n : 1) * sizeof(*s->v_types))))
		return nomem(s);
	for (size_t i = 0; i < n; i++) {
		const struct etype *t = i < s->ntypes ? &s->types[i] : &s->other_type;
		etl_stats_event_type *v = &s->v_types[i];
		*v = t->pub;
		if (t->pub.other) {
			v->name = "other";
			v->schema = NULL;
			continue;
		}
		v->provider = t->key.provider;
		v->provider_name = t->prov != UINT32_MAX ? s->provs[t->prov].name : NULL;
		v->name = t->name;
		v->event_name = t->event_name;
		v->task_name = t->task_name;
		v->opcode_name = t->opcode_name;
		v->schema = t->schema;
		v->classic = t->key.classic;
		v->id = t->key.id;
		v->task = t->key.task;
		v->version = t->key.version;
		v->opcode = t->key.opcode;
	}
	qsort(s->v_types, n, sizeof(*s->v_types), cmp_type);
	s->nv_types = n;

	n = s->nprocs + s->has_other_proc;
	struct pview *pv = malloc((n ? n : 1) * sizeof(*pv));
	size_t *pos = malloc((n ? n : 1) * sizeof(*pos));
	if (!pv || !pos || !(s->v_procs = malloc((n ? n : 1) * sizeof(*s->v_procs)))) {
		free(pv);
		free(pos);
		return nomem(s);
	}
	for (size_t i = 0; i < n; i++) {
		const struct proc *p = i < s->nprocs ? &s->procs[i] : &s->other_proc;
		pv[i].pub = p->pub;
		pv[i].pub.image = p->image;
		pv[i].pub.image_path = p->image_path;
		pv[i].pub.command_line = p->cmdline;
		pv[i].pub.parent = i < s->nprocs ? parent_of(s, i) : (size_t)-1;
		pv[i].internal = i;
	}
	qsort(pv, n, sizeof(*pv), cmp_proc);
	for (size_t i = 0; i < n; i++)
		pos[pv[i].internal] = i;
	for (size_t i = 0; i < n; i++) {
		s->v_procs[i] = pv[i].pub;
		if (s->v_procs[i].parent != (size_t)-1)
			s->v_procs[i].parent = pos[s->v_procs[i].parent];
	}
	free(pv);
	free(pos);
	s->nv_procs = n;

	n = 0;
	if (!(s->v_cpus = malloc((s->cap_cpus + 1) * sizeof(*s->v_cpus))))
		return nomem(s);
	for (size_t i = 0; i < s->cap_cpus; i++) {
		if (!s->cpus[i].pub.events)
			continue;
		s->v_cpus[n] = s->cpus[i].pub;
		s->v_cpus[n].other = 0;
		n++;
	}
	if (s->has_other_cpu)
		s->v_cpus[n++] = s->other_cpu.pub;
	s->nv_cpus = n;

	etl_stats_summary *m = &s->sum;
	m->files = s->nfiles;
	m->providers = s->nprovs;
	m->event_types = s->ntypes;
	m->processes = s->nprocs;
	m->cpus = s->nv_cpus - s->has_other_cpu;
	m->max_keys = s->max_keys;
	double span = ((double)m->last_ts - (double)m->first_ts) / (double)SECOND;
	m->average_rate = m->events ? (span > 0 ? (double)m->events / span : (double)m->events) : 0;
	/* the busiest second, when buckets are at most a second */
	m->peak_rate = 0;
	if (m->bucket_width <= SECOND) {
		size_t per = (size_t)(SECOND / m->bucket_width);
		for (size_t i = 0; i < m->buckets; i += per) {
			uint64_t sum = 0;
			for (size_t j = i; j < i + per && j < m->buckets; j++)
				sum += s->tl_total[j];
			if ((double)sum > m->peak_rate)
				m->peak_rate = (double)sum;
		}
	} else {
		for (size_t i = 0; i < m->buckets; i++)
			if ((double)s->tl_total[i] * SECOND / (double)m->bucket_width > m->peak_rate)
				m->peak_rate = (double)s->tl_total[i] * SECOND / (double)m->bucket_width;
	}
	s->dirty = false;
	return ETL_OK;
}

void etl_stats_get_summary(etl_stats *s, etl_stats_summary *out)
{
	if (!s || !out)
		return;
	prepare(s);
	*out = s->sum;
}

const etl_trace_info *etl_stats_file(const etl_stats *s, size_t i)
{
	return s && i < s->nfiles ? &s->files[i] : NULL;
}

size_t etl_stats_providers(etl_stats *s, const etl_stats_provider **rows)
{
	if (!s || prepare(s) != ETL_OK) {
		if (rows)
			*rows = NULL;
		return 0;
	}
	if (rows)
		*rows = s->v_provs;
	return s->nv_provs;
}

size_t etl_stats_event_types(etl_stats *s, const etl_stats_event_type **rows)
{
	if (!s || prepare(s) != ETL_OK) {
		if (rows)
			*rows = NULL;
		return 0;
	}
	if (rows)
		*rows = s->v_types;
	return s->nv_types;
}

size_t etl_stats_processes(etl_stats *s, const etl_stats_process **rows)
{
	if (!s || prepare(s) != ETL_OK) {
		if (rows)
			*rows = NULL;
		return 0;
	}
	if (rows)
		*rows = s->v_procs;
	return s->nv_procs;
}

size_t etl_stats_cpus(etl_stats *s, const etl_stats_cpu **rows)
{
	if (!s || prepare(s) != ETL_OK) {
		if (rows)
			*rows = NULL;
		return 0;
	}
	if (rows)
		*rows = s->v_cpus;
	return s->nv_cpus;
}

const uint64_t *etl_stats_timeline(etl_stats *s, int which, size_t *n)
{
	if (n)
		*n = s ? s->sum.buckets : 0;
	if (!s)
		return NULL;
	switch (which) {
	case ETL_STATS_TIMELINE_EVENTS: return s->tl_total;
	case ETL_STATS_TIMELINE_MARKS: return s->tl_marks;
	case ETL_STATS_TIMELINE_SAMPLES: return s->tl_samples;
	default: return NULL;
	}
}

/* ---- writing: shared helpers ----------------------------------------------------------------------- */

const char *etl_stats_human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	unsigned u = 0;
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		etl_msg(buf, size, "%" PRIu64 " B", n);
	else
		etl_msg(buf, size, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return buf;
}

void etl_stats_put_json_string(FILE *fp, const char *s)
{
	if (!s) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&' || ch == 0x7F)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static void put_guid(FILE *fp, const etl_guid *g)
{
	char t[ETL_GUID_STRLEN];
	etl_guid_format(g, t);
	fprintf(fp, "\"%s\"", t);
}

static void put_time(FILE *fp, int64_t ts)
{
	char t[ETL_TIME_STRLEN];
	if (ts && etl_filetime_format(ts, t, sizeof t))
		fprintf(fp, "\"%s\"", t);
	else
		fputs("null", fp);
}

static void put_id(FILE *fp, uint32_t v)
{
	if (v == ETL_NO_ID)
		fputs("null", fp);
	else
		fprintf(fp, "%" PRIu32, v);
}

static void put_double(FILE *fp, double v)
{
	char b[64];
	snprintf(b, sizeof b, "%.3f", v);
	/* plain JSON numbers whatever the locale */
	for (char *p = b; *p; p++)
		if (*p == ',')
			*p = '.';
	fputs(b, fp);
}

/* Events per second (or per bucket when buckets are wider): a new array of
 * *n counts, each covering *interval FILETIME units from timeline_start. */
static uint64_t *seconds_view(etl_stats *s, size_t *n, int64_t *interval)
{
	const etl_stats_summary *m = &s->sum;
	size_t per = m->bucket_width <= SECOND ? (size_t)(SECOND / m->bucket_width) : 1;
	*interval = m->bucket_width <= SECOND ? SECOND : m->bucket_width;
	*n = m->events ? (m->buckets + per - 1) / per : 0;
	uint64_t *v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->buckets && m->events; i++)
		v[i / per] += s->tl_total[i];
	return v;
}

static const char *reason_partial = "payload did not match its schema";
static const char *reason_none = "no schema";

/* ---- JSON ------------------------------------------------------------------------------------------------ */

static void json_file(FILE *fp, const etl_trace_info *in)
{
	fputs("{\"path\":", fp);
	etl_stats_put_json_string(fp, in->path);
	fprintf(fp, ",\"file_size\":%" PRIu64 ",\"logger_name\":", in->file_size);
	etl_stats_put_json_string(fp, in->logger_name);
	fputs(",\"log_file_name\":", fp);
	etl_stats_put_json_string(fp, in->log_file_name);
	fprintf(fp,
	        ",\"os_version\":\"%u.%u\",\"build\":%u,\"pointer_size\":%u,"
	        "\"number_of_processors\":%u,\"cpu_speed_mhz\":%u,\"buffer_size\":%u,"
	        "\"clock_type\":%u,\"perf_freq\":%" PRId64 ",\"timer_resolution\":%u,"
	        "\"start_ts\":%" PRId64 ",\"end_ts\":%" PRId64 ",\"start_time\":",
	        in->os_major, in->os_minor, in->provider_version, in->pointer_size,
	        in->number_of_processors, in->cpu_speed_mhz, in->buffer_size, in->clock_type,
	        in->perf_freq, in->timer_resolution, in->start_time, in->end_time);
	put_time(fp, in->start_time);
	fputs(",\"end_time\":", fp);
	put_time(fp, in->end_time);
	fprintf(fp,
	        ",\"events\":%" PRIu64 ",\"buffers\":%" PRIu64 ",\"events_lost\":%u,"
	        "\"buffers_lost\":%u,\"lost_buffer_flags\":%" PRIu64 ",\"damaged_buffers\":%" PRIu64
	        ",\"damaged_records\":%" PRIu64 "}",
	        in->events, in->buffers, in->events_lost, in->buffers_lost, in->lost_buffer_flags,
	        in->damaged_buffers, in->damaged_records);
}

static void json_counts(FILE *fp, uint64_t events, uint64_t decoded, uint64_t partial,
                        uint64_t undecoded, uint64_t bytes)
{
	fprintf(fp,
	        "\"events\":%" PRIu64 ",\"decoded\":%" PRIu64 ",\"partial\":%" PRIu64
	        ",\"undecoded\":%" PRIu64 ",\"payload_bytes\":%" PRIu64,
	        events, decoded, partial, undecoded, bytes);
}

static void json_series(FILE *fp, const uint64_t *v, size_t n)
{
	fputc('[', fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%" PRIu64, i ? "," : "", v ? v[i] : 0);
	fputc(']', fp);
}

/* How many providers have a series of their own in the JSON timeline. */
#define JSON_SERIES 10

etl_status etl_stats_write_json(etl_stats *s, FILE *fp)
{
	etl_status e = prepare(s);
	if (e != ETL_OK)
		return e;
	const etl_stats_summary *m = &s->sum;
	fprintf(fp, "{\"etlkit_stats\":1,\"etlkit_version\":");
	etl_stats_put_json_string(fp, etl_version());
	fprintf(fp, ",\"source\":\"%s\",\"files\":[", s->database ? "database" : "trace");
	for (size_t i = 0; i < s->nfiles; i++) {
		if (i)
			fputc(',', fp);
		json_file(fp, &s->files[i]);
	}
	fprintf(fp, "],\"events\":%" PRIu64 ",\"first_ts\":%" PRId64 ",\"last_ts\":%" PRId64
	            ",\"first_time\":",
	        m->events, m->first_ts, m->last_ts);
	put_time(fp, m->events ? m->first_ts : 0);
	fputs(",\"last_time\":", fp);
	put_time(fp, m->events ? m->last_ts : 0);
	fputs(",\"span_seconds\":", fp);
	put_double(fp, m->events ? ((double)m->last_ts - (double)m->first_ts) / SECOND : 0);
	fputs(",\"rate\":{\"average\":", fp);
	put_double(fp, m->average_rate);
	fputs(",\"peak\":", fp);
	put_double(fp, m->peak_rate);
	fprintf(fp,
	        "},\"decoded\":%" PRIu64 ",\"partial\":%" PRIu64 ",\"undecoded\":%" PRIu64
	        ",\"payload_bytes\":%" PRIu64 ",\"lost\":{\"events_lost\":%" PRIu64
	        ",\"buffers_lost\":%" PRIu64 ",\"lost_buffer_flags\":%" PRIu64
	        ",\"damaged_buffers\":%" PRIu64 ",\"damaged_records\":%" PRIu64
	        ",\"lost_event_records\":%" PRIu64 "}",
	        m->decoded, m->partial, m->undecoded, m->payload_bytes, m->events_lost,
	        m->buffers_lost, m->lost_buffer_flags, m->damaged_buffers, m->damaged_records,
	        m->lost_event_records);
	fprintf(fp,
	        ",\"cpu_samples\":%" PRIu64 ",\"disk\":{\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
	        ",\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64 "},\"file\":{\"reads\":%" PRIu64
	        ",\"writes\":%" PRIu64 ",\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64
	        ",\"other\":%" PRIu64 "}",
	        m->cpu_samples, m->disk_reads, m->disk_writes, m->disk_read_bytes,
	        m->disk_write_bytes, m->file_reads, m->file_writes, m->file_read_bytes,
	        m->file_write_bytes, m->file_other);
	fprintf(fp,
	        ",\"limits\":{\"max_keys\":%u,\"providers\":%zu,\"event_types\":%zu,"
	        "\"processes\":%zu,\"cpus\":%zu}",
	        m->max_keys, m->providers, m->event_types, m->processes, m->cpus);

	fputs(",\"providers\":[", fp);
	for (size_t i = 0; i < s->nv_provs; i++) {
		const etl_stats_provider *p = &s->v_provs[i];
		fputs(i ? ",{\"guid\":" : "{\"guid\":", fp);
		if (p->other)
			fputs("null", fp);
		else
			put_guid(fp, &p->guid);
		fputs(",\"name\":", fp);
		etl_stats_put_json_string(fp, p->other ? "other" : p->name);
		fprintf(fp, ",\"other\":%s,", p->other ? "true" : "false");
		json_counts(fp, p->events, p->decoded, p->partial, p->undecoded, p->payload_bytes);
		fputc('}', fp);
	}
	fputs("],\"event_types\":[", fp);
	for (size_t i = 0; i < s->nv_types; i++) {
		const etl_stats_event_type *t = &s->v_types[i];
		fputs(i ? ",{\"provider\":" : "{\"provider\":", fp);
		if (t->other)
			fputs("null", fp);
		else
			put_guid(fp, &t->provider);
		fputs(",\"provider_name\":", fp);
		etl_stats_put_json_string(fp, t->provider_name);
		fputs(",\"name\":", fp);
		etl_stats_put_json_string(fp, t->name);
		fputs(",\"event_name\":", fp);
		etl_stats_put_json_string(fp, t->event_name);
		fputs(",\"task_name\":", fp);
		etl_stats_put_json_string(fp, t->task_name);
		fputs(",\"opcode_name\":", fp);
		etl_stats_put_json_string(fp, t->opcode_name);
		fprintf(fp, ",\"id\":%u,\"version\":%u,\"opcode\":%u,\"task\":%u,\"classic\":%s,\"schema\":",
		        t->id, t->version, t->opcode, t->task, t->classic ? "true" : "false");
		etl_stats_put_json_string(fp, t->schema);
		fprintf(fp, ",\"other\":%s,", t->other ? "true" : "false");
		json_counts(fp, t->events, t->decoded, t->partial, t->undecoded, t->payload_bytes);
		fputc('}', fp);
	}
	fputs("],\"processes\":[", fp);
	for (size_t i = 0; i < s->nv_procs; i++) {
		const etl_stats_process *p = &s->v_procs[i];
		fputs(i ? ",{\"pid\":" : "{\"pid\":", fp);
		put_id(fp, p->pid);
		fputs(",\"parent_pid\":", fp);
		put_id(fp, p->parent_pid);
		fputs(",\"parent\":", fp);
		if (p->parent == (size_t)-1)
			fputs("null", fp);
		else
			fprintf(fp, "%zu", p->parent);
		fputs(",\"image\":", fp);
		etl_stats_put_json_string(fp, p->other ? "other" : p->image);
		fputs(",\"image_path\":", fp);
		etl_stats_put_json_string(fp, p->image_path);
		fputs(",\"command_line\":", fp);
		etl_stats_put_json_string(fp, p->command_line);
		fputs(",\"start_ts\":", fp);
		if (p->start_ts)
			fprintf(fp, "%" PRId64, p->start_ts);
		else
			fputs("null", fp);
		fputs(",\"end_ts\":", fp);
		if (p->end_ts)
			fprintf(fp, "%" PRId64, p->end_ts);
		else
			fputs("null", fp);
		fprintf(fp,
		        ",\"described\":%s,\"other\":%s,\"events\":%" PRIu64 ",\"cpu_samples\":%" PRIu64
		        ",\"disk_reads\":%" PRIu64 ",\"disk_writes\":%" PRIu64
		        ",\"disk_read_bytes\":%" PRIu64 ",\"disk_write_bytes\":%" PRIu64
		        ",\"file_reads\":%" PRIu64 ",\"file_writes\":%" PRIu64
		        ",\"file_read_bytes\":%" PRIu64 ",\"file_write_bytes\":%" PRIu64
		        ",\"file_other\":%" PRIu64 "}",
		        p->described ? "true" : "false", p->other ? "true" : "false", p->events,
		        p->cpu_samples, p->disk_reads, p->disk_writes, p->disk_read_bytes,
		        p->disk_write_bytes, p->file_reads, p->file_writes, p->file_read_bytes,
		        p->file_write_bytes, p->file_other);
	}
	fputs("],\"cpus\":[", fp);
	for (size_t i = 0; i < s->nv_cpus; i++) {
		const etl_stats_cpu *c = &s->v_cpus[i];
		fputs(i ? ",{\"cpu\":" : "{\"cpu\":", fp);
		put_id(fp, c->cpu);
		fprintf(fp, ",\"other\":%s,\"events\":%" PRIu64 ",\"cpu_samples\":%" PRIu64 "}",
		        c->other ? "true" : "false", c->events, c->cpu_samples);
	}
	size_t nsec;
	int64_t interval;
	uint64_t *sec = seconds_view(s, &nsec, &interval);
	if (!sec)
		return nomem(s);
	fputs("],\"seconds\":{\"interval_seconds\":", fp);
	put_double(fp, (double)interval / SECOND);
	fputs(",\"events\":", fp);
	json_series(fp, sec, nsec);
	free(sec);
	fprintf(fp, "},\"timeline\":{\"start_ts\":%" PRId64 ",\"bucket_seconds\":", m->timeline_start);
	put_double(fp, (double)m->bucket_width / SECOND);
	fprintf(fp, ",\"bucket_width\":%" PRId64 ",\"buckets\":%zu,\"events\":", m->bucket_width,
	        m->events ? m->buckets : 0);
	size_t nb = m->events ? m->buckets : 0;
	json_series(fp, s->tl_total, nb);
	fputs(",\"marks\":", fp);
	json_series(fp, s->tl_marks, nb);
	fputs(",\"cpu_samples\":", fp);
	json_series(fp, s->tl_samples, nb);
	/* the busiest providers with a series, the rest as one */
	fputs(",\"series\":[", fp);
	size_t shown = 0;
	uint64_t *rest = calloc(ETL_STATS_BUCKETS, sizeof(*rest));
	if (!rest)
		return nomem(s);
	memcpy(rest, s->tl_total, sizeof(s->tl_total));
	for (size_t i = 0; i < s->nv_provs && shown < JSON_SERIES; i++) {
		const etl_stats_provider *p = &s->v_provs[i];
		if (!p->timeline || p->other)
			continue;
		fputs(shown ? ",{\"guid\":" : "{\"guid\":", fp);
		put_guid(fp, &p->guid);
		fputs(",\"name\":", fp);
		etl_stats_put_json_string(fp, p->name);
		fputs(",\"events\":", fp);
		json_series(fp, p->timeline, nb);
		fputc('}', fp);
		for (size_t b = 0; b < nb; b++)
			rest[b] -= p->timeline[b];
		shown++;
	}
	bool any = false;
	for (size_t b = 0; b < nb; b++)
		any |= rest[b] != 0;
	if (any) {
		fputs(shown ? ",{\"guid\":null,\"name\":\"other\",\"events\":" : "{\"guid\":null,\"name\":\"other\",\"events\":", fp);
		json_series(fp, rest, nb);
		fputc('}', fp);
	}
	free(rest);
	fputs("]},\"undecoded_types\":[", fp);
	bool first = true;
	for (size_t i = 0; i < s->nv_types; i++) {
		const etl_stats_event_type *t = &s->v_types[i];
		for (int k = 0; k < 2; k++) {
			uint64_t n = k ? t->undecoded : t->partial;
			if (!n)
				continue;
			fputs(first ? "{\"provider\":" : ",{\"provider\":", fp);
			first = false;
			if (t->other)
				fputs("null", fp);
			else
				put_guid(fp, &t->provider);
			fputs(",\"provider_name\":", fp);
			etl_stats_put_json_string(fp, t->provider_name);
			fputs(",\"name\":", fp);
			etl_stats_put_json_string(fp, t->name);
			fprintf(fp, ",\"id\":%u,\"version\":%u,\"opcode\":%u,\"events\":%" PRIu64 ",\"reason\":",
			        t->id, t->version, t->opcode, n);
			etl_stats_put_json_string(fp, k ? reason_none : reason_partial);
			fputc('}', fp);
		}
	}
	fputs("]}\n", fp);
	return ETL_OK;
}

/* ---- text ------------------------------------------------------------------------------------------------- */

/* Writes s in a column of `width` characters (UTF-8 aware), cut with '~'
 * when longer; left-aligned and padded unless last. */
static void put_cell(FILE *fp, const char *s, size_t width, bool last)
{
	if (!s)
		s = "-";
	size_t chars = 0, i = 0, cut = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars == width - 1)
			cut = i;
		chars++;
	}
	if (chars > width) {
		fwrite(s, 1, cut, fp);
		fputc('~', fp);
		chars = width;
	} else {
		fputs(s, fp);
	}
	if (!last)
		for (; chars < width; chars++)
			fputc(' ', fp);
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static bool want(const etl_stats_write_options *o, const char *table)
{
	return !o || !o->table || !strcmp(o->table, table);
}

static size_t limit(const etl_stats_write_options *o, size_t n)
{
	if (o && (o->flags & ETL_STATS_WRITE_ALL_ROWS))
		return n;
	size_t top = o && o->top ? o->top : 20;
	return n < top ? n : top;
}

static void more(FILE *fp, size_t shown, size_t n)
{
	if (shown < n)
		fprintf(fp, "  ... %zu more\n", n - shown);
}

static void text_summary(etl_stats *s, FILE *fp)
{
	const etl_stats_summary *m = &s->sum;
	char a[ETL_TIME_STRLEN], b[ETL_TIME_STRLEN], hb[32], hb2[32];
	for (size_t i = 0; i < s->nfiles; i++) {
		const etl_trace_info *in = &s->files[i];
		fprintf(fp, "%-13s%s\n", i ? "" : (s->nfiles > 1 ? "Files:" : "File:"), in->path);
		fprintf(fp, "%-13slogger %s, Windows %u.%u build %u, %u-bit, %u CPUs\n", "",
		        in->logger_name[0] ? in->logger_name : "-", in->os_major, in->os_minor,
		        in->provider_version, in->pointer_size * 8, in->number_of_processors);
	}
	if (m->events) {
		etl_filetime_format(m->first_ts, a, sizeof a);
		etl_filetime_format(m->last_ts, b, sizeof b);
		fprintf(fp, "Span:        %s .. %s (%.3f s)\n", a, b,
		        ((double)m->last_ts - (double)m->first_ts) / SECOND);
	}
	fprintf(fp, "Events:      %" PRIu64 " (%.1f/s on average, %.0f/s at the peak%s)\n", m->events,
	        m->average_rate, m->peak_rate, m->bucket_width > SECOND ? " bucket" : " second");
	fprintf(fp,
	        "Decoded:     %" PRIu64 " (%.1f%%) completely; %" PRIu64
	        " partly (payload did not match its schema); %" PRIu64 " without a schema\n",
	        m->decoded, pct(m->decoded, m->events), m->partial, m->undecoded);
	fprintf(fp, "Payload:     %s\n", etl_stats_human_bytes(m->payload_bytes, hb, sizeof hb));
	fprintf(fp,
	        "Lost:        %" PRIu64 " events, %" PRIu64 " buffers (logfile header); %" PRIu64
	        " buffers flagged with loss; %" PRIu64 " lost-event records\n",
	        m->events_lost, m->buffers_lost, m->lost_buffer_flags, m->lost_event_records);
	fprintf(fp, "Damaged:     %" PRIu64 " buffers, %" PRIu64 " records skipped\n",
	        m->damaged_buffers, m->damaged_records);
	if (m->cpu_samples)
		fprintf(fp, "CPU samples: %" PRIu64 "\n", m->cpu_samples);
	if (m->disk_reads || m->disk_writes)
		fprintf(fp, "Disk I/O:    %" PRIu64 " reads (%s), %" PRIu64 " writes (%s)\n",
		        m->disk_reads, etl_stats_human_bytes(m->disk_read_bytes, hb, sizeof hb),
		        m->disk_writes, etl_stats_human_bytes(m->disk_write_bytes, hb2, sizeof hb2));
	if (m->file_reads || m->file_writes || m->file_other)
		fprintf(fp, "File I/O:    %" PRIu64 " reads (%s), %" PRIu64 " writes (%s), %" PRIu64
		            " other operations\n",
		        m->file_reads, etl_stats_human_bytes(m->file_read_bytes, hb, sizeof hb),
		        m->file_writes, etl_stats_human_bytes(m->file_write_bytes, hb2, sizeof hb2),
		        m->file_other);
}

static void text_tables(etl_stats *s, FILE *fp, const etl_stats_write_options *o)
{
	const etl_stats_summary *m = &s->sum;
	char g[ETL_GUID_STRLEN], buf[64], hb[32];
	if (want(o, "providers")) {
		size_t n = limit(o, s->nv_provs);
		fprintf(fp, "\nProviders (%zu)\n  %10s %6s %8s  %-36s  %s\n", m->providers, "events",
		        "%", "decoded", "guid", "name");
		for (size_t i = 0; i < n; i++) {
			const etl_stats_provider *p = &s->v_provs[i];
			if (p->other)
				snprintf(g, sizeof g, "%s", "(other providers)");
			else
				etl_guid_format(&p->guid, g);
			fprintf(fp, "  %10" PRIu64 " %5.1f%% %7.1f%%  %-36s  %s\n", p->events,
			        pct(p->events, m->events), pct(p->decoded, p->events), g,
			        p->other ? "other" : p->name ? p->name : "-");
		}
		more(fp, n, s->nv_provs);
	}
	if (want(o, "event-types")) {
		size_t n = limit(o, s->nv_types);
		fprintf(fp, "\nEvent types (%zu)\n  %10s %6s  ", m->event_types, "events", "%");
		put_cell(fp, "provider", 38, false);
		fputs(" ", fp);
		put_cell(fp, "event", 38, false);
		fprintf(fp, " %-12s %s\n", "id/opcode", "schema");
		for (size_t i = 0; i < n; i++) {
			const etl_stats_event_type *t = &s->v_types[i];
			fprintf(fp, "  %10" PRIu64 " %5.1f%%  ", t->events, pct(t->events, m->events));
			if (t->other) {
				put_cell(fp, "(other event types)", 38, false);
				fputs(" ", fp);
				put_cell(fp, "other", 38, false);
				fputs("\n", fp);
				continue;
			}
			put_cell(fp, t->provider_name, 38, false);
			fputs(" ", fp);
			put_cell(fp, t->name, 38, false);
			if (t->classic)
				snprintf(buf, sizeof buf, "op %u v%u", t->opcode, t->version);
			else
				snprintf(buf, sizeof buf, "id %u v%u", t->id, t->version);
			fprintf(fp, " %-12s %s\n", buf, t->schema ? t->schema : "-");
		}
		more(fp, n, s->nv_types);
	}
	if (want(o, "processes")) {
		size_t n = limit(o, s->nv_procs);
		fprintf(fp, "\nProcesses (%zu)\n  %10s %6s  ", m->processes, "events", "%");
		put_cell(fp, "image", 28, false);
		fprintf(fp, " %8s %8s %9s %9s %9s %9s %8s\n", "pid", "parent", "samples", "disk read",
		        "disk write", "file read", "file ops");
		for (size_t i = 0; i < n; i++) {
			const etl_stats_process *p = &s->v_procs[i];
			fprintf(fp, "  %10" PRIu64 " %5.1f%%  ", p->events, pct(p->events, m->events));
			put_cell(fp, p->other ? "(other processes)" : p->pid == ETL_NO_ID ? "(unknown process)"
			             : p->image ? p->image : "?", 28, false);
			char pid[16] = "-", ppid[16] = "-";
			if (p->pid != ETL_NO_ID)
				snprintf(pid, sizeof pid, "%" PRIu32, p->pid);
			if (p->parent_pid != ETL_NO_ID)
				snprintf(ppid, sizeof ppid, "%" PRIu32, p->parent_pid);
			char dr[32], dw[32], fr[32];
			etl_stats_human_bytes(p->disk_read_bytes, dr, sizeof dr);
			etl_stats_human_bytes(p->disk_write_bytes, dw, sizeof dw);
			etl_stats_human_bytes(p->file_read_bytes + p->file_write_bytes, fr, sizeof fr);
			fprintf(fp, " %8s %8s %9" PRIu64 " %9s %9s %9s %8" PRIu64 "\n", pid, ppid,
			        p->cpu_samples, p->disk_reads ? dr : "-", p->disk_writes ? dw : "-",
			        p->file_reads || p->file_writes ? fr : "-",
			        p->file_reads + p->file_writes + p->file_other);
		}
		more(fp, n, s->nv_procs);
	}
	if (want(o, "cpus")) {
		fprintf(fp, "\nCPUs (%zu)\n  %6s %10s %6s %10s\n", m->cpus, "cpu", "events", "%", "samples");
		for (size_t i = 0; i < s->nv_cpus; i++) {
			const etl_stats_cpu *c = &s->v_cpus[i];
			if (c->other)
				snprintf(buf, sizeof buf, "other");
			else
				snprintf(buf, sizeof buf, "%" PRIu32, c->cpu);
			fprintf(fp, "  %6s %10" PRIu64 " %5.1f%% %10" PRIu64 "\n", buf, c->events,
			        pct(c->events, m->events), c->cpu_samples);
		}
	}
	if (want(o, "seconds")) {
		size_t n;
		int64_t interval;
		uint64_t *sec = seconds_view(s, &n, &interval);
		if (sec) {
			if (interval == SECOND)
				fprintf(fp, "\nEvents per second (from the first event)\n");
			else
				fprintf(fp, "\nEvents per %.3g s (from the first event)\n", (double)interval / SECOND);
			for (size_t i = 0; i < n; i++) {
				snprintf(buf, sizeof buf, "+%.6gs", (double)i * (double)interval / SECOND);
				fprintf(fp, "%s%9s %9" PRIu64 "%s", i % 5 ? "  " : "  ", buf, sec[i],
				        i % 5 == 4 || i + 1 == n ? "\n" : "");
			}
			free(sec);
		}
	}
	if (want(o, "undecoded")) {
		size_t rows = 0;
		for (size_t i = 0; i < s->nv_types; i++)
			rows += (s->v_types[i].partial != 0) + (s->v_types[i].undecoded != 0);
		fprintf(fp, "\nNot decoded (%" PRIu64 " events)\n", m->partial + m->undecoded);
		size_t n = limit(o, rows), shown = 0;
		for (size_t i = 0; i < s->nv_types && shown < n; i++) {
			const etl_stats_event_type *t = &s->v_types[i];
			for (int k = 0; k < 2 && shown < n; k++) {
				uint64_t c = k ? t->undecoded : t->partial;
				if (!c)
					continue;
				shown++;
				if (t->other)
					snprintf(g, sizeof g, "%s", "(other)");
				else
					etl_guid_format(&t->provider, g);
				fprintf(fp, "  %10" PRIu64 "  %-36s  ", c, g);
				put_cell(fp, t->provider_name ? t->provider_name : "-", 24, false);
				fputs(" ", fp);
				if (t->classic)
					snprintf(buf, sizeof buf, "opcode %u v%u", t->opcode, t->version);
				else
					snprintf(buf, sizeof buf, "id %u v%u", t->id, t->version);
				put_cell(fp, t->other ? "(other event types)" : t->event_name ? t->event_name : buf,
				         28, false);
				fprintf(fp, " %s\n", k ? reason_none : reason_partial);
			}
		}
		more(fp, shown, rows);
	}
	if (want(o, "files") && o && o->table) {
		for (size_t i = 0; i < s->nfiles; i++) {
			const etl_trace_info *in = &s->files[i];
			fprintf(fp, "%s\t%" PRIu64 " events\t%s\n", in->path, in->events,
			        etl_stats_human_bytes(in->file_size, hb, sizeof hb));
		}
	}
}

/* ---- CSV -------------------------------------------------------------------------------------------------- */

static void csv_str(FILE *fp, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void csv_guid(FILE *fp, const etl_guid *g, bool other)
{
	char t[ETL_GUID_STRLEN];
	if (other)
		return;
	etl_guid_format(g, t);
	fputs(t, fp);
}

static void csv_id(FILE *fp, uint32_t v)
{
	if (v != ETL_NO_ID)
		fprintf(fp, "%" PRIu32, v);
}

static etl_status write_csv(etl_stats *s, FILE *fp, const char *table)
{
	const etl_stats_summary *m = &s->sum;
	if (!strcmp(table, "providers")) {
		fputs("guid,name,other,events,decoded,partial,undecoded,payload_bytes\r\n", fp);
		for (size_t i = 0; i < s->nv_provs; i++) {
			const etl_stats_provider *p = &s->v_provs[i];
			csv_guid(fp, &p->guid, p->other);
			fputc(',', fp);
			csv_str(fp, p->other ? "other" : p->name);
			fprintf(fp, ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
			        p->other, p->events, p->decoded, p->partial, p->undecoded, p->payload_bytes);
		}
	} else if (!strcmp(table, "event-types") || !strcmp(table, "undecoded")) {
		bool und = !strcmp(table, "undecoded");
		fputs(und ? "provider,provider_name,name,event_name,task_name,opcode_name,id,version,"
		            "opcode,task,classic,schema,other,events,reason\r\n"
		          : "provider,provider_name,name,event_name,task_name,opcode_name,id,version,"
		            "opcode,task,classic,schema,other,events,decoded,partial,undecoded,"
		            "payload_bytes\r\n",
		      fp);
		for (size_t i = 0; i < s->nv_types; i++) {
			const etl_stats_event_type *t = &s->v_types[i];
			for (int k = 0; k < (und ? 2 : 1); k++) {
				uint64_t n = und ? (k ? t->undecoded : t->partial) : t->events;
				if (und && !n)
					continue;
				csv_guid(fp, &t->provider, t->other);
				fputc(',', fp);
				csv_str(fp, t->provider_name);
				fputc(',', fp);
				csv_str(fp, t->name);
				fputc(',', fp);
				csv_str(fp, t->event_name);
				fputc(',', fp);
				csv_str(fp, t->task_name);
				fputc(',', fp);
				csv_str(fp, t->opcode_name);
				fprintf(fp, ",%u,%u,%u,%u,%d,", t->id, t->version, t->opcode, t->task, t->classic);
				csv_str(fp, t->schema);
				if (und)
					fprintf(fp, ",%d,%" PRIu64 ",%s\r\n", t->other, n, k ? reason_none : reason_partial);
				else
					fprintf(fp, ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
					        t->other, t->events, t->decoded, t->partial, t->undecoded,
					        t->payload_bytes);
			}
		}
	} else if (!strcmp(table, "processes")) {
		fputs("pid,parent_pid,image,image_path,command_line,start_ts,end_ts,start_time,end_time,"
		      "described,other,events,cpu_samples,disk_reads,disk_writes,disk_read_bytes,"
		      "disk_write_bytes,file_reads,file_writes,file_read_bytes,file_write_bytes,"
		      "file_other\r\n",
		      fp);
		for (size_t i = 0; i < s->nv_procs; i++) {
			const etl_stats_process *p = &s->v_procs[i];
			char a[ETL_TIME_STRLEN] = "", b[ETL_TIME_STRLEN] = "";
			if (p->start_ts)
				etl_filetime_format(p->start_ts, a, sizeof a);
			if (p->end_ts)
				etl_filetime_format(p->end_ts, b, sizeof b);
			csv_id(fp, p->pid);
			fputc(',', fp);
			csv_id(fp, p->parent_pid);
			fputc(',', fp);
			csv_str(fp, p->other ? "other" : p->image);
			fputc(',', fp);
			csv_str(fp, p->image_path);
			fputc(',', fp);
			csv_str(fp, p->command_line);
			fputc(',', fp);
			if (p->start_ts)
				fprintf(fp, "%" PRId64, p->start_ts);
			fputc(',', fp);
			if (p->end_ts)
				fprintf(fp, "%" PRId64, p->end_ts);
			fprintf(fp,
			        ",%s,%s,%d,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			        ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
			        a, b, p->described, p->other, p->events, p->cpu_samples, p->disk_reads,
			        p->disk_writes, p->disk_read_bytes, p->disk_write_bytes, p->file_reads,
			        p->file_writes, p->file_read_bytes, p->file_write_bytes, p->file_other);
		}
	} else if (!strcmp(table, "cpus")) {
		fputs("cpu,other,events,cpu_samples\r\n", fp);
		for (size_t i = 0; i < s->nv_cpus; i++) {
			const etl_stats_cpu *c = &s->v_cpus[i];
			csv_id(fp, c->cpu);
			fprintf(fp, ",%d,%" PRIu64 ",%" PRIu64 "\r\n", c->other, c->events, c->cpu_samples);
		}
	} else if (!strcmp(table, "seconds")) {
		size_t n;
		int64_t interval;
		uint64_t *sec = seconds_view(s, &n, &interval);
		if (!sec)
			return nomem(s);
		fputs("offset_seconds,ts,time,seconds,events\r\n", fp);
		for (size_t i = 0; i < n; i++) {
			int64_t ts = m->timeline_start + (int64_t)i * interval;
			char t[ETL_TIME_STRLEN];
			etl_filetime_format(ts, t, sizeof t);
			fprintf(fp, "%.7g,%" PRId64 ",%s,%.7g,%" PRIu64 "\r\n",
			        (double)i * (double)interval / SECOND, ts, t, (double)interval / SECOND, sec[i]);
		}
		free(sec);
	} else if (!strcmp(table, "files")) {
		fputs("path,file_size,logger_name,os_version,build,pointer_size,number_of_processors,"
		      "start_ts,end_ts,events,events_lost,buffers_lost,lost_buffer_flags,"
		      "damaged_buffers,damaged_records\r\n",
		      fp);
		for (size_t i = 0; i < s->nfiles; i++) {
			const etl_trace_info *in = &s->files[i];
			csv_str(fp, in->path);
			fprintf(fp, ",%" PRIu64 ",", in->file_size);
			csv_str(fp, in->logger_name);
			fprintf(fp,
			        ",%u.%u,%u,%u,%u,%" PRId64 ",%" PRId64 ",%" PRIu64 ",%u,%u,%" PRIu64 ",%" PRIu64
			        ",%" PRIu64 "\r\n",
			        in->os_major, in->os_minor, in->provider_version, in->pointer_size,
			        in->number_of_processors, in->start_time, in->end_time, in->events,
			        in->events_lost, in->buffers_lost, in->lost_buffer_flags, in->damaged_buffers,
			        in->damaged_records);
		}
	} else if (!strcmp(table, "summary")) {
		fputs("key,value\r\n", fp);
		fprintf(fp,
		        "events,%" PRIu64 "\r\ndecoded,%" PRIu64 "\r\npartial,%" PRIu64 "\r\nundecoded,%" PRIu64
		        "\r\npayload_bytes,%" PRIu64 "\r\nfirst_ts,%" PRId64 "\r\nlast_ts,%" PRId64
		        "\r\naverage_rate,%.3f\r\npeak_rate,%.3f\r\nevents_lost,%" PRIu64
		        "\r\nbuffers_lost,%" PRIu64 "\r\nlost_buffer_flags,%" PRIu64
		        "\r\ndamaged_buffers,%" PRIu64 "\r\ndamaged_records,%" PRIu64
		        "\r\ncpu_samples,%" PRIu64 "\r\n",
		        m->events, m->decoded, m->partial, m->undecoded, m->payload_bytes, m->first_ts,
		        m->last_ts, m->average_rate, m->peak_rate, m->events_lost, m->buffers_lost,
		        m->lost_buffer_flags, m->damaged_buffers, m->damaged_records, m->cpu_samples);
	} else {
		etl_msg(s->err, sizeof s->err,
		        "unknown table '%s' (summary, files, providers, event-types, processes, cpus,"
		        " seconds, undecoded)", table);
		return ETL_ERR_ARG;
	}
	return ETL_OK;
}

static bool known_table(const char *t)
{
	static const char *const names[] = { "summary", "files", "providers", "event-types",
		                             "processes", "cpus", "seconds", "undecoded", NULL };
	for (const char *const *n = names; *n; n++)
		if (!strcmp(t, *n))
			return true;
	return false;
}

etl_status etl_stats_write(etl_stats *s, const char *format, FILE *fp,
                           const etl_stats_write_options *o)
{
	if (!s || !format || !fp)
		return ETL_ERR_ARG;
	etl_status e = prepare(s);
	if (e != ETL_OK)
		return e;
	if (o && o->table && !known_table(o->table)) {
		etl_msg(s->err, sizeof s->err,
		        "unknown table '%s' (summary, files, providers, event-types, processes, cpus,"
		        " seconds, undecoded)", o->table);
		return ETL_ERR_ARG;
	}
	if (!strcmp(format, "json")) {
		e = etl_stats_write_json(s, fp);
	} else if (!strcmp(format, "csv")) {
		e = write_csv(s, fp, o && o->table ? o->table : "event-types");
	} else if (!strcmp(format, "text")) {
		if (want(o, "summary") || want(o, "files"))
			text_summary(s, fp);
		text_tables(s, fp, o);
	} else if (!strcmp(format, "html")) {
		e = etl_report_write_html(s, fp, o);
	} else {
		etl_msg(s->err, sizeof s->err, "unknown format '%s' (text, json, csv or html)", format);
		return ETL_ERR_ARG;
	}
	if (e == ETL_OK && (fflush(fp) != 0 || ferror(fp))) {
		etl_msg(s->err, sizeof s->err, "writing the output failed: %s", strerror(errno));
		return ETL_ERR_IO;
	}
	return e;
}
