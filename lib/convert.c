/*
 * convert.c - the writer behind `etlkit convert` (etl_writer_*): reads traces,
 * decodes their events and turns them into the rows of the tables layout.c
 * defines, which a table sink (SQLite or csv.gz) stores.
 *
 * Shape.  The work is split in two halves joined by a pipe of record batches:
 *
 *   producer (the caller's thread)           consumer (a thread when jobs > 1)
 *   etl_trace_next -> etl_decoder_decode     record -> cells -> sink rows
 *   -> event type / table registry           derived tables (processes,
 *   -> compact records in a batch    ==>     threads, images), trace rows
 *
 * Decoding is the most expensive step, so on a machine with two cores the
 * storing of rows (SQLite inserts, CSV formatting) runs beside it instead of
 * after it.  A record is self-contained (it copies the JSON text of the
 * properties and the raw payload), so the decoder may move on at once.  The
 * pipe holds at most PIPE_BATCHES batches of about 1 MiB: memory stays
 * bounded whatever the size of the trace.
 *
 * Registry.  All naming decisions are taken by the producer, in event order,
 * so they are deterministic: providers, event types (identified across runs
 * by a type key: provider, descriptor, schema source, event name and the
 * layout's signature) and typed tables (a base name from provider and event
 * name; a table of the same name but a different layout gets _v<version>,
 * then _2, _3 ...).  What already exists in an appended database is loaded
 * first.  New providers, tables and types travel down the pipe as records
 * before the first event that needs them.
 *
 * Per-trace work is convert_files(): hash and skip known files, open, pre-scan,
 * decode, emit, commit.  etl_writer_add_files() runs the decoding half of
 * several traces at once on worker threads, each into a spool, and replays
 * the spools in input order on the caller's thread, which keeps every
 * registry decision and id (see "several traces decoded at once").
 */
#define ETLKIT_INTERNAL
#include "convert.h"
#include "decode.h"
#include "sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define PIPE_BATCHES 4
#define BATCH_BYTES (1u << 20)
#define MAX_WARNING_ROWS 1000        /* import_errors rows for warnings, per trace */
#define MAX_SYNTH_MEMBERS 256        /* properties of a schema-less decoded event */
#define ENT_BUDGET (16u << 20)       /* memory for open processes / threads / images */
#define ENT_BUCKETS (1u << 14)
#define PROGRESS_EVERY 65536
#define SAME_START_TICKS 10000000    /* 1 s: two start events of one process */

static const etl_guid process_guid = { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid thread_guid = { 0x3d6fa8d1, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid image_guid = { 0x2cb15d1d, 0x5fc1, 0x11d2, { 0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18 } };
static const etl_guid kproc_guid = { 0x22fb2cd6, 0x0e7b, 0x422b, { 0xa0, 0xc7, 0x2f, 0xad, 0x1f, 0xd0, 0xe7, 0x16 } };
static const etl_guid stackwalk_guid = { 0xdef2fe46, 0x7bd6, 0x4b80, { 0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3 } };

/* ---- a string-keyed hash map ----------------------------------------------------------- */

struct smap_ent {
	char *key;
	void *val;
};
struct smap {
	struct smap_ent *e;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static struct smap_ent *smap_find(const struct smap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t j = str_hash(key) & (m->cap - 1);
	while (m->e[j].key) {
		if (!strcmp(m->e[j].key, key))
			return &m->e[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

static void *smap_get(const struct smap *m, const char *key)
{
	struct smap_ent *e = smap_find(m, key);
	return e ? e->val : NULL;
}

static bool smap_put(struct smap *m, const char *key, void *val)
{
	struct smap_ent *f = smap_find(m, key);
	if (f) {
		f->val = val;
		return true;
	}
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct smap_ent *ne = calloc(ncap, sizeof(*ne));
		if (!ne)
			return false;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->e[i].key)
				continue;
			size_t j = str_hash(m->e[i].key) & (ncap - 1);
			while (ne[j].key)
				j = (j + 1) & (ncap - 1);
			ne[j] = m->e[i];
		}
		free(m->e);
		m->e = ne;
		m->cap = ncap;
	}
	char *k = strdup(key);
	if (!k)
		return false;
	size_t j = str_hash(key) & (m->cap - 1);
	while (m->e[j].key)
		j = (j + 1) & (m->cap - 1);
	m->e[j].key = k;
	m->e[j].val = val;
	m->n++;
	return true;
}

static void smap_free(struct smap *m, void (*freeval)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->e[i].key)
			continue;
		free(m->e[i].key);
		if (freeval)
			freeval(m->e[i].val);
	}
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* ---- the registry ------------------------------------------------------------------------ */

struct cv_provider {
	int64_t id;
	char guid[ETL_GUID_STRLEN];
	char *name;
	const char *schema;
	bool emitted;
	unsigned gen;
};

struct cv_tab {
	etl_table *t;              /* NULL for a table of an appended database not used yet */
	uint64_t sig;
	bool emitted;              /* exists in the output */
	unsigned gen;
};

/* derived-table roles of an event type */
enum { K_NONE, K_PROC, K_THREAD, K_IMAGE };
enum { ROLE_NONE, ROLE_START, ROLE_RUNDOWN, ROLE_END };
enum { F_PID, F_TID, F_PPID, F_IMAGE, F_CMDLINE, F_EXIT, F_SESSION, F_KEY, F_BASE, F_SIZE,
       F_PATH, F_CHECKSUM, F_TDS, F_STARTADDR, NF };

struct cv_type {
	int64_t id;
	struct cv_provider *prov;
	struct cv_tab *tab;        /* NULL: no property columns */
	char *key;
	uint16_t event_id, task;
	uint8_t version, channel, level, opcode;
	uint64_t keywords;
	char *event_name, *task_name, *opcode_name, *level_name, *channel_name,
		*keywords_name, *message;
	const char *schema;
	bool emitted;
	unsigned gen;
	uint8_t kind, role, src;   /* derived tables */
	int16_t f[NF];             /* typed-table column of each field, -1 when absent */
};

/* An event type as a trace's first event of the kind shows it, before the
 * registry gives it an id and a table (proto_new, proto_register). */
struct cv_proto {
	struct cv_proto *next;     /* the trace's protos */
	struct cv_type *resolved;  /* once registered */
	etl_table *t;              /* its layout; NULL: no property columns */
	size_t ncols;              /* columns of t, 0 without; fixed at creation, as
	                              the registry takes t while the worker goes on */
	char *key;
	char base[ETL_LAYOUT_NAME_MAX + 1]; /* the table's base name */
	etl_guid provider;
	uint16_t event_id, task;
	uint8_t version, channel, level, opcode;
	bool classic;              /* a classic (kernel / MOF) header */
	uint64_t keywords;
	char *event_name, *task_name, *opcode_name, *provider_name, *level_name, *channel_name,
		*keywords_name, *message;
	const char *schema;
};

struct pre_type {
	int64_t id;
	char *table;
};

/* per-trace lookup: event fields + schema pointer -> type.  Schema pointers
 * are only stable while the trace's decoder lives, so this cache is emptied
 * for every trace. */
struct tkey {
	etl_guid provider;
	const void *schema;
	uint16_t id, task;
	uint8_t version, opcode, channel, family, source, pad[3];
};
struct tcache_ent {
	struct tkey k;
	struct cv_type *ty;
	struct cv_proto *proto;    /* a decoding thread's (spooled traces) */
};
struct tcache {
	struct tcache_ent *e;
	size_t cap, n;
};

/* ---- records ----------------------------------------------------------------------------- */

enum {
	R_EVENT = 1, R_STACK, R_BEGIN, R_COMMIT, R_ABORT, R_TRACE_END, R_PROVIDER, R_TABLE,
	R_TYPE, R_ERROR, R_META,
	R_WARN                     /* spooled traces only: a warning, in order */
};

struct rec {
	uint32_t size;
	uint16_t kind;
	uint16_t pad;
};
struct rec_ptr {
	struct rec h;
	void *p;
};
struct rec_error {
	struct rec h;
	uint32_t path_len, msg_len;
	int64_t id, trace_id, offset;  /* trace_id / offset < 0: NULL */
	const char *stage;             /* static */
	/* path, message */
};
struct rec_stack {
	struct rec h;
	uint32_t nframes, pad;
	int64_t rowid;
	/* uint64_t frames[nframes] */
};
struct rec_event {
	struct rec h;
	uint16_t nvalues, nframes;
	uint16_t event_id, task;
	uint8_t version, channel, opcode, level;
	uint8_t decoded, has_act, has_rel, source;
	uint32_t file, pid, tid, cpu;
	uint32_t payload_size, raw_len, json_len, pad;
	int64_t rowid, ts;
	uint64_t keywords;
	struct cv_type *type;
	struct cv_proto *proto;    /* spooled: the type before registration */
	etl_guid act, rel;
	/* struct rec_value values[nvalues]; char json[json_len]; uint8_t raw[raw_len];
	 * (8-aligned) uint64_t frames[nframes] */
};
struct rec_value {
	uint32_t off, len;
	uint16_t col;
	uint8_t kind, pad;
};
struct rec_warn {
	struct rec h;
	uint32_t len;
	uint8_t early;             /* met before the trace's rows began */
	uint8_t pad[3];
	/* message */
};

struct tfile {
	const char *path;
	int64_t trace_id;
	uint64_t size;
	char sha[65];
	uint64_t events, decoded, raw;
	int64_t first_ts, last_ts;
	const char *status;
	const etl_trace_info *info;
};
struct trace_end {
	size_t n;
	struct tfile *files;
	char import_time[ETL_TIME_STRLEN];
};

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- the pipe ---------------------------------------------------------------------------- */

struct batch {
	char *p;
	size_t len, cap;
};

struct pipe {
	bool threaded, started;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[PIPE_BATCHES];
	int fullq[PIPE_BATCHES];
	int nfull, full_head;
	int freeq[PIPE_BATCHES];
	int nfree;
	int cur;                   /* the producer's batch, -1 when none */
	bool quit;
};

/* ---- the consumer's state ------------------------------------------------------------------ */

#define ENT_COLS 12 /* the widest of processes, threads, images */
_Static_assert((int)PS_NCOLS <= ENT_COLS && (int)TH_NCOLS <= ENT_COLS && (int)IM_NCOLS <= ENT_COLS,
               "ENT_COLS too small");

/* A process, thread or image that is still open: the row it will become,
 * kept compact (integers, or strings it owns). */
struct ent {
	struct ent *next;          /* hash chain */
	struct ent *older, *newer; /* creation order, for the memory budget */
	uint64_t k1, k2;
	int64_t seen_ts;           /* time of the event that opened it */
	uint8_t kind, src;         /* K_*; 1 kernel, 2 Kernel-Process */
	uint16_t set, text;        /* bit i: column i has a value / is a string */
	union {
		int64_t i;
		char *s;
	} v[ENT_COLS];
};

struct closed_ring {
	uint64_t k1[64], k2[64];
	int64_t ts[64];
	unsigned pos;
};

struct entset {
	struct ent **b;            /* ENT_BUCKETS chains */
	struct closed_ring closed;
};

struct consumer {
	etl_cell *cells;
	size_t cap_cells;
	char *scratch;
	size_t cap_scratch;
	struct entset ents[4];     /* by K_* */
	struct ent *oldest, *newest;
	size_t ent_bytes;          /* memory held by open entities */
	const struct tfile *files; /* of the trace being stored (the producer keeps them) */
	size_t nfiles;
	etl_status status;
	char err[1024];
};

/* ---- the writer ------------------------------------------------------------------------------ */

struct etl_writer {
	const etl_tsink_vtable *vt;
	etl_tsink *sink;
	etl_writer_options opt;
	bool flat, broken;
	etl_status broken_status;
	char err[1024];
	/* etl_writer_add_file_as(): the file read (alias_real) is named alias_name */
	const char *alias_real, *alias_name;
	etl_table fixed[ETL_T_FIXED_COUNT];
	etl_table flat_events;
	/* registry (producer) */
	struct smap providers;     /* guid text -> cv_provider */
	struct smap types;         /* type key -> cv_type */
	struct smap tables;        /* lowercase name -> cv_tab */
	struct smap used;          /* lowercase names taken in the output */
	struct smap pre_types;     /* type key -> pre_type (appended database) */
	struct smap shas;          /* sha256 hex of imported files */
	pthread_mutex_t *shas_mu;  /* guards shas while decoding threads run */
	int64_t next_event, next_trace, next_type, next_provider, next_error;
	unsigned gen;
	/* pipe and consumer */
	struct pipe pipe;
	struct consumer cons;
};

struct trace_ctx {
	etl_writer *w;
	size_t n;
	struct tfile *files;
	struct tcache cache;
	unsigned warnings;
	struct {
		int64_t raw_ts, rowid;
		uint32_t tid;
	} recent[256];
	unsigned recent_pos;
	bool begun;                /* R_BEGIN sent: warnings become import_errors rows */
	char **early;              /* warnings from before R_BEGIN (opening, prescan) */
	size_t nearly;
	/* a trace decoded by a worker thread (etl_writer_add_files): records go
	 * to its spool, with local rowids 1, 2 ... and protos for types */
	struct spool *spool;
	struct cv_proto *protos;
};

/* The records of a trace decoded ahead, in a temporary file: the registry
 * and the ids are the single sequencing thread's, so a worker writes what
 * it decoded here and the sequencer replays it in input order. */
struct spool {
	FILE *fp;
	char *buf;
	size_t len, cap;
	int err;                   /* errno of a failed write, else 0 */
	/* the sequencer reads a spool while it grows: bytes written and
	 * flushed, under mu, signalled on cv */
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	uint64_t written;
};

static void consume_batch(etl_writer *w, struct batch *b);

/* ---- pipe ----------------------------------------------------------------------------------- */

static void *consumer_main(void *arg)
{
	etl_writer *w = arg;
	struct pipe *p = &w->pipe;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->nfull == 0 && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->nfull == 0 && p->quit)
			break;
		int i = p->fullq[p->full_head];
		p->full_head = (p->full_head + 1) % PIPE_BATCHES;
		p->nfull--;
		pthread_mutex_unlock(&p->mu);
		consume_batch(w, &p->b[i]);
		pthread_mutex_lock(&p->mu);
		p->b[i].len = 0;
		p->freeq[p->nfree++] = i;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static bool pipe_init(etl_writer *w, bool threaded)
{
	struct pipe *p = &w->pipe;
	for (int i = 0; i < PIPE_BATCHES; i++) {
		if (!(p->b[i].p = malloc(BATCH_BYTES)))
			return false;
		p->b[i].cap = BATCH_BYTES;
		p->freeq[i] = i;
	}
	p->nfree = PIPE_BATCHES;
	p->cur = -1;
	p->threaded = threaded;
	if (threaded) {
		if (pthread_mutex_init(&p->mu, NULL) != 0)
			return false;
		if (pthread_cond_init(&p->cv, NULL) != 0) {
			pthread_mutex_destroy(&p->mu);
			return false;
		}
		p->started = true;
		if (pthread_create(&p->th, NULL, consumer_main, w) != 0) {
			p->threaded = false;  /* fall back to storing inline */
			pthread_cond_destroy(&p->cv);
			pthread_mutex_destroy(&p->mu);
			p->started = false;
		}
	}
	return true;
}

/* Hands the current batch to the consumer and takes an empty one. */
static void pipe_push(etl_writer *w)
{
	struct pipe *p = &w->pipe;
	if (p->cur < 0)
		return;
	if (!p->threaded) {
		consume_batch(w, &p->b[p->cur]);
		p->b[p->cur].len = 0;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fullq[(p->full_head + p->nfull) % PIPE_BATCHES] = p->cur;
	p->nfull++;
	p->cur = -1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static struct batch *pipe_take(etl_writer *w)
{
	struct pipe *p = &w->pipe;
	if (p->cur >= 0)
		return &p->b[p->cur];
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		while (p->nfree == 0)
			pthread_cond_wait(&p->cv, &p->mu);
		p->cur = p->freeq[--p->nfree];
		pthread_mutex_unlock(&p->mu);
	} else {
		p->cur = p->freeq[--p->nfree];
	}
	return &p->b[p->cur];
}

/* Room for one record of n bytes (a multiple of 8); NULL when out of memory. */
static void *pipe_reserve(etl_writer *w, size_t n)
{
	struct batch *b = pipe_take(w);
	if (b->len && n > b->cap - b->len) {
		pipe_push(w);
		b = pipe_take(w);
	}
	if (n > b->cap - b->len) {
		/* one record larger than a batch: the batch grows for it */
		char *np = realloc(b->p, b->len + n);
		if (!np)
			return NULL;
		b->p = np;
		b->cap = b->len + n;
	}
	void *r = b->p + b->len;
	b->len += n;
	return r;
}

static void spool_flush(struct spool *sp)
{
	if (!sp->len)
		return;
	if (!sp->err && (fwrite(sp->buf, 1, sp->len, sp->fp) != sp->len || fflush(sp->fp) != 0))
		sp->err = errno ? errno : EIO;
	if (!sp->err && sp->mu) {
		pthread_mutex_lock(sp->mu);
		sp->written += sp->len;
		pthread_cond_broadcast(sp->cv);
		pthread_mutex_unlock(sp->mu);
	}
	sp->len = 0;
}

/* Room for a record of n bytes: in the trace's spool when it has one, else
 * in the pipe. */
static void *rec_reserve(etl_writer *w, struct trace_ctx *tc, size_t n)
{
	struct spool *sp = tc ? tc->spool : NULL;
	if (!sp)
		return pipe_reserve(w, n);
	if (sp->len && n > sp->cap - sp->len)
		spool_flush(sp);
	if (n > sp->cap - sp->len) {
		char *nb = realloc(sp->buf, sp->len + n);
		if (!nb)
			return NULL;
		sp->buf = nb;
		sp->cap = sp->len + n;
	}
	void *r = sp->buf + sp->len;
	sp->len += n;
	return r;
}

/* Waits until the consumer has handled every record sent so far. */
static void pipe_drain(etl_writer *w)
{
	struct pipe *p = &w->pipe;
	if (p->cur >= 0 && p->b[p->cur].len)
		pipe_push(w);
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->cur >= 0) {
		p->freeq[p->nfree++] = p->cur;
		p->cur = -1;
	}
	while (p->nfree < PIPE_BATCHES)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void pipe_destroy(etl_writer *w)
{
	struct pipe *p = &w->pipe;
	if (p->started) {
		pipe_drain(w);
		pthread_mutex_lock(&p->mu);
		p->quit = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (p->threaded)
			pthread_join(p->th, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		p->started = false;
	}
	for (int i = 0; i < PIPE_BATCHES; i++)
		free(p->b[i].p);
}

/* The consumer's first error, after a drain. */
static etl_status consumer_status(etl_writer *w)
{
	if (w->cons.status != ETL_OK && !w->broken) {
		w->broken = true;
		w->broken_status = w->cons.status;
		etl_msg(w->err, sizeof w->err, "%s", w->cons.err);
	}
	return w->broken ? w->broken_status : ETL_OK;
}

static bool put_simple(etl_writer *w, int kind, void *ptr)
{
	struct rec_ptr *r = pipe_reserve(w, sizeof *r);
	if (!r)
		return false;
	r->h.size = sizeof *r;
	r->h.kind = (uint16_t)kind;
	r->p = ptr;
	return true;
}

static bool put_error(etl_writer *w, int64_t trace_id, const char *path, const char *stage,
                      int64_t offset, const char *msg)
{
	size_t pl = strlen(path), ml = strlen(msg);
	size_t n = align8(sizeof(struct rec_error) + pl + ml);
	struct rec_error *r = pipe_reserve(w, n);
	if (!r)
		return false;
	r->h.size = (uint32_t)n;
	r->h.kind = R_ERROR;
	r->id = w->next_error++;
	r->trace_id = trace_id;
	r->offset = offset;
	r->stage = stage;
	r->path_len = (uint32_t)pl;
	r->msg_len = (uint32_t)ml;
	memcpy(r + 1, path, pl);
	memcpy((char *)(r + 1) + pl, msg, ml);
	return true;
}

/* ---- registry ------------------------------------------------------------------------------- */

static void free_provider(void *p)
{
	struct cv_provider *pr = p;
	free(pr->name);
	free(pr);
}

static void free_tab(void *p)
{
	struct cv_tab *t = p;
	etl_layout_table_free(t->t);
	free(t);
}

static void free_type(void *p)
{
	struct cv_type *t = p;
	free(t->key);
	free(t->event_name);
	free(t->task_name);
	free(t->opcode_name);
	free(t->level_name);
	free(t->channel_name);
	free(t->keywords_name);
	free(t->message);
	free(t);
}

static void free_pre_type(void *p)
{
	struct pre_type *t = p;
	free(t->table);
	free(t);
}

static bool name_used(etl_writer *w, const char *name)
{
	char low[256];
	etl_msg(low, sizeof low, "%s", name);
	lower(low);
	return smap_get(&w->used, low) != NULL || smap_get(&w->tables, low) != NULL;
}

static bool use_name(etl_writer *w, const char *name)
{
	char low[256];
	etl_msg(low, sizeof low, "%s", name);
	lower(low);
	return smap_put(&w->used, low, (void *)1);
}

/* preload callbacks (sink open) */
static bool pre_trace(void *ctx, const char *sha)
{
	return smap_put(&((etl_writer *)ctx)->shas, sha, (void *)1);
}

static bool pre_provider(void *ctx, int64_t id, const char *guid)
{
	etl_writer *w = ctx;
	struct cv_provider *p = calloc(1, sizeof(*p));
	if (!p)
		return false;
	p->id = id;
	etl_msg(p->guid, sizeof p->guid, "%s", guid);
	p->emitted = true;
	if (!smap_put(&w->providers, p->guid, p)) {
		free(p);
		return false;
	}
	return true;
}

static bool pre_type(void *ctx, int64_t id, const char *key, const char *table)
{
	etl_writer *w = ctx;
	struct pre_type *t = calloc(1, sizeof(*t));
	if (!t || (table && !(t->table = strdup(table)))) {
		free(t);
		return false;
	}
	t->id = id;
	if (!smap_put(&w->pre_types, key, t)) {
		free_pre_type(t);
		return false;
	}
	if (!table)
		return true;
	/* the layout signature is the last field of the key */
	const char *slash = strrchr(key, '/');
	uint64_t sig = slash ? strtoull(slash + 1, NULL, 16) : 0;
	char low[256];
	etl_msg(low, sizeof low, "%s", table);
	lower(low);
	if (smap_get(&w->tables, low))
		return true;
	struct cv_tab *tab = calloc(1, sizeof(*tab));
	if (!tab)
		return false;
	tab->sig = sig;
	tab->emitted = true;
	if (!smap_put(&w->tables, low, tab)) {
		free(tab);
		return false;
	}
	return true;
}

static bool pre_name(void *ctx, const char *name)
{
	return use_name(ctx, name);
}

static struct cv_provider *provider_for(etl_writer *w, const etl_guid *g, const char *name,
                                        const char *schema)
{
	char gt[ETL_GUID_STRLEN];
	etl_guid_format(g, gt);
	struct cv_provider *p = smap_get(&w->providers, gt);
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return NULL;
		memcpy(p->guid, gt, sizeof gt);
		p->id = w->next_provider++;
		p->gen = w->gen;
		if (!smap_put(&w->providers, gt, p)) {
			free(p);
			return NULL;
		}
	}
	if (!p->emitted) {
		if (!p->name && name)
			p->name = strdup(name);
		if (!p->schema)
			p->schema = schema;
		if (!put_simple(w, R_PROVIDER, p))
			return NULL;
		p->emitted = true;
		p->gen = w->gen;
	}
	return p;
}

/* Finds the table for a new layout: an existing one of the same name and
 * layout, or a new name.  Takes ownership of t. */
static struct cv_tab *table_for(etl_writer *w, etl_table *t, const char *base, unsigned version)
{
	char cand[ETL_LAYOUT_NAME_MAX + 32], low[ETL_LAYOUT_NAME_MAX + 32];
	for (unsigned k = 0; k < 100000; k++) {
		if (k == 0)
			etl_msg(cand, sizeof cand, "%s", base);
		else if (k == 1)
			etl_msg(cand, sizeof cand, "%s_v%u", base, version);
		else
			etl_msg(cand, sizeof cand, "%s_v%u_%u", base, version, k);
		etl_msg(low, sizeof low, "%s", cand);
		lower(low);
		struct cv_tab *tab = smap_get(&w->tables, low);
		if (tab) {
			if (tab->sig != t->sig)
				continue;
			if (!tab->t) {
				/* a table of the appended database, first use in this run */
				if (!etl_layout_table_rename(t, cand)) {
					etl_layout_table_free(t);
					return NULL;
				}
				tab->t = t;
			} else {
				etl_layout_table_free(t);
			}
			return tab;
		}
		char view[ETL_LAYOUT_NAME_MAX + 40];
		etl_msg(view, sizeof view, "%s_view", cand);
		if (name_used(w, cand) || name_used(w, view))
			continue;
		if (!etl_layout_table_rename(t, cand) || !(tab = calloc(1, sizeof(*tab)))) {
			etl_layout_table_free(t);
			return NULL;
		}
		tab->t = t;
		tab->sig = t->sig;
		tab->gen = w->gen;
		if (!smap_put(&w->tables, low, tab) || !use_name(w, view)) {
			free_tab(tab);
			return NULL;
		}
		return tab;
	}
	etl_layout_table_free(t);
	return NULL;
}

static void find_fields(struct cv_type *ty)
{
	static const char *const names[NF][4] = {
		[F_PID] = { "ProcessId", "ProcessID", NULL },
		[F_TID] = { "TThreadId", "ThreadID", "ThreadId", NULL },
		[F_PPID] = { "ParentId", "ParentProcessID", NULL },
		[F_IMAGE] = { "ImageFileName", "ImageName", NULL },
		[F_CMDLINE] = { "CommandLine", NULL },
		[F_EXIT] = { "ExitStatus", "ExitCode", NULL },
		[F_SESSION] = { "SessionId", "SessionID", NULL },
		[F_KEY] = { "UniqueProcessKey", NULL },
		[F_BASE] = { "ImageBase", NULL },
		[F_SIZE] = { "ImageSize", NULL },
		[F_PATH] = { "FileName", "ImageName", NULL },
		[F_CHECKSUM] = { "ImageChecksum", "ImageCheckSum", NULL },
		[F_TDS] = { "TimeDateStamp", NULL },
		[F_STARTADDR] = { "Win32StartAddr", "StartAddr", NULL },
	};
	const etl_table *t = ty->tab ? ty->tab->t : NULL;
	for (int f = 0; f < NF; f++) {
		ty->f[f] = -1;
		for (int k = 0; t && names[f][k] && ty->f[f] < 0; k++)
			for (size_t c = 1; c < t->ncols; c++)
				if (t->cols[c].property && !strcmp(t->cols[c].property, names[f][k])) {
					ty->f[f] = (int16_t)c;
					break;
				}
	}
}

/* Which derived table an event type feeds, and how. */
static void find_role(struct cv_type *ty, const struct cv_proto *ev)
{
	bool classic = ev->classic;
	ty->kind = K_NONE;
	ty->role = ROLE_NONE;
	if (!ty->tab)
		return;
	if (classic && etl_guid_equal(&ev->provider, &process_guid)) {
		ty->kind = K_PROC;
		ty->src = 1;
		ty->role = ev->opcode == 1 ? ROLE_START : ev->opcode == 2 ? ROLE_END
		         : ev->opcode == 3 || ev->opcode == 4 ? ROLE_RUNDOWN : ROLE_NONE;
	} else if (classic && etl_guid_equal(&ev->provider, &thread_guid)) {
		ty->kind = K_THREAD;
		ty->src = 1;
		ty->role = ev->opcode == 1 ? ROLE_START : ev->opcode == 2 ? ROLE_END
		         : ev->opcode == 3 || ev->opcode == 4 ? ROLE_RUNDOWN : ROLE_NONE;
	} else if (classic && etl_guid_equal(&ev->provider, &image_guid)) {
		ty->kind = K_IMAGE;
		ty->src = 1;
		ty->role = ev->opcode == 10 ? ROLE_START : ev->opcode == 2 ? ROLE_END
		         : ev->opcode == 3 || ev->opcode == 4 ? ROLE_RUNDOWN : ROLE_NONE;
	} else if (!classic && etl_guid_equal(&ev->provider, &kproc_guid)) {
		ty->src = 2;
		switch (ev->event_id) {
		case 1: ty->kind = K_PROC; ty->role = ROLE_START; break;
		case 2: ty->kind = K_PROC; ty->role = ROLE_END; break;
		case 3: ty->kind = K_THREAD; ty->role = ROLE_START; break;
		case 4: ty->kind = K_THREAD; ty->role = ROLE_END; break;
		case 5: ty->kind = K_IMAGE; ty->role = ROLE_START; break;
		case 6: ty->kind = K_IMAGE; ty->role = ROLE_END; break;
		default: break;
		}
	}
	static const int key_field[] = { [K_PROC] = F_PID, [K_THREAD] = F_TID, [K_IMAGE] = F_BASE };
	if (ty->role != ROLE_NONE && ty->f[key_field[ty->kind]] < 0)
		ty->role = ROLE_NONE;
	if (ty->role == ROLE_NONE)
		ty->kind = K_NONE;
}

static bool tcache_grow(struct tcache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	struct tcache_ent *ne = calloc(ncap, sizeof(*ne));
	if (!ne)
		return false;
	struct tcache_ent *old = c->e;
	size_t ocap = c->cap;
	c->e = ne;
	c->cap = ncap;
	c->n = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].ty && !old[i].proto)
			continue;
		const uint8_t *kb = (const uint8_t *)&old[i].k;
		uint64_t h = 14695981039346656037ull;
		for (size_t b = 0; b < sizeof old[i].k; b++)
			h = (h ^ kb[b]) * 1099511628211ull;
		size_t j = h & (ncap - 1);
		while (ne[j].ty || ne[j].proto)
			j = (j + 1) & (ncap - 1);
		ne[j] = old[i];
		c->n++;
	}
	free(old);
	return true;
}

static struct tcache_ent *tcache_slot(struct tcache *c, const struct tkey *k)
{
	if ((c->n + 1) * 2 > c->cap && !tcache_grow(c))
		return NULL;
	const uint8_t *kb = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ull;
	for (size_t b = 0; b < sizeof *k; b++)
		h = (h ^ kb[b]) * 1099511628211ull;
	size_t j = h & (c->cap - 1);
	while ((c->e[j].ty || c->e[j].proto) && memcmp(&c->e[j].k, k, sizeof *k) != 0)
		j = (j + 1) & (c->cap - 1);
	return &c->e[j];
}

static void put_key_text(etl_strbuf *b, const char *s)
{
	for (; s && *s; s++)
		etl_strbuf_putc(b, *s == '/' ? '|' : *s);
}

static void proto_free(struct cv_proto *p)
{
	if (!p)
		return;
	etl_layout_table_free(p->t);
	free(p->key);
	free(p->event_name);
	free(p->task_name);
	free(p->opcode_name);
	free(p->provider_name);
	free(p->level_name);
	free(p->channel_name);
	free(p->keywords_name);
	free(p->message);
	free(p);
}

/* What an event type is, from the first event of its kind in a trace:
 * its layout, key and names, decided from the event alone (no registry),
 * so a decoding thread can make it. */
static struct cv_proto *proto_new(bool flat, const etl_event *ev, const etl_decoded *d)
{
	const etl_schema *s = d ? d->schema : NULL;
	int source = d ? d->source : ETL_SRC_NONE;
	const char *schema_name = d && (s || source != ETL_SRC_NONE) ? etl_schema_source_name(source)
	                                                             : "none";
	const char *event_name = d ? d->event_name : NULL;
	etl_table *t = NULL;
	if (flat) {
		/* the properties stay JSON */
	} else if (s && s->top_count) {
		t = etl_layout_typed_table("t", s);
		if (!t)
			return NULL;
	} else if (d && !s && source != ETL_SRC_NONE && d->props.len > 2) {
		/* decoded without a schema: string-only events, manifest chunks */
		etl_json_member m[MAX_SYNTH_MEMBERS];
		size_t n = etl_json_members(d->props.p, d->props.len, m, MAX_SYNTH_MEMBERS);
		if (n != (size_t)-1 && n > 0) {
			char *names[MAX_SYNTH_MEMBERS];
			etl_coltype types[MAX_SYNTH_MEMBERS];
			size_t k;
			for (k = 0; k < n; k++) {
				names[k] = malloc(m[k].key_len + 1);
				if (!names[k])
					break;
				names[k][etl_json_unescape(m[k].key, m[k].key_len, names[k])] = 0;
				switch (m[k].val_len ? m[k].val[0] : 'n') {
				case '"': types[k] = ETL_COL_TEXT; break;
				case '[': case '{': types[k] = ETL_COL_JSON; break;
				case 't': case 'f': types[k] = ETL_COL_BOOL; break;
				case 'n': types[k] = ETL_COL_TEXT; break;
				default:
					types[k] = memchr(m[k].val, '.', m[k].val_len) ? ETL_COL_REAL : ETL_COL_INT;
					break;
				}
			}
			if (k == n)
				t = etl_layout_table_from("t", (const char *const *)names, types, n);
			for (size_t i = 0; i < k; i++)
				free(names[i]);
			if (!t)
				return NULL;
		}
	}
	struct cv_proto *p = calloc(1, sizeof(*p));
	if (!p) {
		etl_layout_table_free(t);
		return NULL;
	}
	p->t = t;
	p->ncols = t ? t->ncols : 0;
	char gt[ETL_GUID_STRLEN];
	etl_guid_format(&ev->provider, gt);
	etl_strbuf key = { 0 };
	etl_strbuf_printf(&key, "%s/%u/%u/%u/%u/%u/%s/", gt, ev->id, ev->version, ev->opcode,
	                  ev->task, ev->channel, schema_name);
	put_key_text(&key, event_name);
	etl_strbuf_printf(&key, "/%016llx", (unsigned long long)(t ? t->sig : 0));
	if (key.failed) {
		etl_strbuf_free(&key);
		proto_free(p);
		return NULL;
	}
	p->key = key.p;
	p->provider = ev->provider;
	p->event_id = ev->id;
	p->version = ev->version;
	p->channel = ev->channel;
	p->opcode = ev->opcode;
	p->task = ev->task;
	p->level = s ? s->level : ev->level;
	p->keywords = s ? s->keywords : ev->keywords;
	p->classic = ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64;
	p->schema = schema_name;
	bool nomem = false;
#define DUP(field, v) do { if ((v) && !(p->field = strdup(v))) nomem = true; } while (0)
	if (d) {
		DUP(event_name, d->event_name);
		DUP(task_name, d->task_name);
		DUP(opcode_name, d->opcode_name);
		DUP(provider_name, d->provider_name);
	}
	if (s) {
		DUP(level_name, s->level_name);
		DUP(channel_name, s->channel_name);
		DUP(keywords_name, s->keywords_name);
		DUP(message, s->message);
	}
#undef DUP
	if (t) {
		if (!event_name && source == ETL_SRC_STRING)
			event_name = "String";
		etl_layout_table_base(d ? d->provider_name : NULL, &ev->provider, event_name,
		                      d ? d->task_name : NULL, d ? d->opcode_name : NULL, ev->id,
		                      ev->opcode, p->base, sizeof p->base);
	}
	if (nomem) {
		proto_free(p);
		return NULL;
	}
	return p;
}

/* The registered event type of a proto: found (seen in an earlier trace, or
 * in the appended database) or made, with its provider, table and type
 * records sent before the first event that needs them.  Takes p->t. */
static struct cv_type *proto_register(etl_writer *w, struct cv_proto *p)
{
	etl_table *t = p->t;
	p->t = NULL;
	struct cv_type *ty = smap_get(&w->types, p->key);
	if (ty) {
		/* seen in an earlier trace of this run */
		etl_layout_table_free(t);
		if (!ty->emitted)
			goto emit;
		return ty;
	}
	if (!(ty = calloc(1, sizeof(*ty)))) {
		etl_layout_table_free(t);
		return NULL;
	}
	/* the names move from the proto to the type */
	ty->key = p->key;
	p->key = NULL;
	ty->event_id = p->event_id;
	ty->version = p->version;
	ty->channel = p->channel;
	ty->opcode = p->opcode;
	ty->task = p->task;
	ty->level = p->level;
	ty->keywords = p->keywords;
	ty->schema = p->schema;
	ty->event_name = p->event_name;
	ty->task_name = p->task_name;
	ty->opcode_name = p->opcode_name;
	ty->level_name = p->level_name;
	ty->channel_name = p->channel_name;
	ty->keywords_name = p->keywords_name;
	ty->message = p->message;
	p->event_name = p->task_name = p->opcode_name = p->level_name = p->channel_name =
		p->keywords_name = p->message = NULL;
	struct pre_type *pt = smap_get(&w->pre_types, ty->key);
	if (pt) {
		/* in the appended database already */
		ty->id = pt->id;
		ty->emitted = true;
		if (t && pt->table) {
			char low[256];
			etl_msg(low, sizeof low, "%s", pt->table);
			lower(low);
			struct cv_tab *tab = smap_get(&w->tables, low);
			if (tab && !tab->t) {
				if (!etl_layout_table_rename(t, pt->table))
					goto nomem;
				tab->t = t;
				t = NULL;
			}
			ty->tab = tab;
		}
		etl_layout_table_free(t);
		t = NULL;
	} else {
		ty->id = w->next_type++;
		if (t) {
			ty->tab = table_for(w, t, p->base, p->version);
			t = NULL;
			if (!ty->tab)
				goto nomem;
		}
	}
	if (!smap_put(&w->types, ty->key, ty))
		goto nomem;
	find_fields(ty);
	find_role(ty, p);
	if (ty->emitted) {
		ty->prov = provider_for(w, &p->provider, p->provider_name, p->schema);
		return ty->prov ? ty : NULL;
	}
emit:
	if (!(ty->prov = provider_for(w, &p->provider, p->provider_name, p->schema)))
		return NULL;
	if (ty->tab && !ty->tab->emitted) {
		if (!put_simple(w, R_TABLE, ty->tab->t))
			return NULL;
		ty->tab->emitted = true;
		ty->tab->gen = w->gen;
	}
	if (!put_simple(w, R_TYPE, ty))
		return NULL;
	ty->emitted = true;
	ty->gen = w->gen;
	return ty;
nomem:
	etl_layout_table_free(t);
	free_type(ty);
	return NULL;
}

/* A new event type (first event of its kind in this trace). */
static struct cv_type *make_type(etl_writer *w, const etl_event *ev, const etl_decoded *d)
{
	struct cv_proto *p = proto_new(w->flat, ev, d);
	if (!p)
		return NULL;
	struct cv_type *ty = proto_register(w, p);
	proto_free(p);
	return ty;
}

/* What tells a trace's event types apart in its type cache. */
static void tkey_of(struct tkey *k, const etl_event *ev, const etl_decoded *d)
{
	memset(k, 0, sizeof *k);
	k->provider = ev->provider;
	k->schema = d ? (const void *)d->schema : NULL;
	k->id = ev->id;
	k->task = ev->task;
	k->version = ev->version;
	k->opcode = ev->opcode;
	k->channel = ev->channel;
	k->family = ev->header == ETL_HDR_EVENT32 || ev->header == ETL_HDR_EVENT64 ? 1
	          : ev->header == ETL_HDR_MESSAGE ? 2 : 0;
	k->source = (uint8_t)(d ? d->source : 0);
}

static struct cv_type *type_for(etl_writer *w, struct trace_ctx *tc, const etl_event *ev,
                                const etl_decoded *d)
{
	struct tkey k;
	tkey_of(&k, ev, d);
	struct tcache_ent *e = tcache_slot(&tc->cache, &k);
	if (!e)
		return NULL;
	if (e->ty)
		return e->ty;
	struct cv_type *ty = make_type(w, ev, d);
	if (!ty)
		return NULL;
	e->k = k;
	e->ty = ty;
	tc->cache.n++;
	return ty;
}

/* type_for of a spooled trace: the trace's proto of the event's kind. */
static struct cv_proto *proto_for(struct trace_ctx *tc, const etl_event *ev, const etl_decoded *d)
{
	struct tkey k;
	tkey_of(&k, ev, d);
	struct tcache_ent *e = tcache_slot(&tc->cache, &k);
	if (!e)
		return NULL;
	if (e->proto)
		return e->proto;
	struct cv_proto *p = proto_new(tc->w->flat, ev, d);
	if (!p)
		return NULL;
	p->next = tc->protos;
	tc->protos = p;
	e->k = k;
	e->proto = p;
	tc->cache.n++;
	return p;
}

/* After a rolled-back trace: what it created must be created again. */
static void registry_rollback(etl_writer *w, unsigned gen)
{
	for (size_t i = 0; i < w->providers.cap; i++) {
		struct cv_provider *p = w->providers.e[i].val;
		if (w->providers.e[i].key && p->gen == gen && p->emitted)
			p->emitted = false;
	}
	for (size_t i = 0; i < w->tables.cap; i++) {
		struct cv_tab *t = w->tables.e[i].val;
		if (w->tables.e[i].key && t->t && t->gen == gen && t->emitted)
			t->emitted = false;
	}
	for (size_t i = 0; i < w->types.cap; i++) {
		struct cv_type *t = w->types.e[i].val;
		if (w->types.e[i].key && t->gen == gen && t->emitted)
			t->emitted = false;
	}
}

/* ---- producer: events -> records --------------------------------------------------------- */

static etl_status put_event(etl_writer *w, struct trace_ctx *tc, const etl_event *ev,
                            const etl_decoded *d, int64_t rowid)
{
	struct cv_type *ty = NULL;
	struct cv_proto *pr = NULL;
	size_t ncols;              /* of the type's table; 0 without one */
	if (tc->spool) {
		if (!(pr = proto_for(tc, ev, d)))
			return ETL_ERR_NOMEM;
		ncols = pr->ncols;
	} else {
		if (!(ty = type_for(w, tc, ev, d)))
			return ETL_ERR_NOMEM;
		ncols = ty->tab ? ty->tab->t->ncols : 0;
	}
	bool tab = ncols > 0;
	bool decoded = d && d->complete;
	bool raw = !decoded || (w->opt.flags & ETL_WRITER_RAW);
	size_t raw_len = raw ? ev->size : 0;
	const char *json = NULL;
	size_t json_len = 0, nval = 0;
	struct rec_value synth[MAX_SYNTH_MEMBERS];
	bool is_synth = false;
	if (d && (tab || w->flat) && d->props.len) {
		json = d->props.p;
		json_len = d->props.len;
		if (tab && !d->schema) {
			etl_json_member m[MAX_SYNTH_MEMBERS];
			size_t n = etl_json_members(json, json_len, m, MAX_SYNTH_MEMBERS);
			if (n != (size_t)-1) {
				for (size_t i = 0; i < n && i + 1 < ncols; i++) {
					synth[nval].off = (uint32_t)(m[i].val - json);
					synth[nval].len = (uint32_t)m[i].val_len;
					synth[nval].col = (uint16_t)(i + 1);
					char c0 = m[i].val_len ? m[i].val[0] : 'n';
					synth[nval].kind = (uint8_t)(c0 == '"' ? ETL_VALUE_TEXT
					                   : c0 == '[' || c0 == '{' ? ETL_VALUE_JSON
					                   : c0 == 't' || c0 == 'f' ? ETL_VALUE_BOOL
					                   : c0 == 'n' ? ETL_VALUE_NULL
					                   : memchr(m[i].val, '.', m[i].val_len) ? ETL_VALUE_REAL
					                   : ETL_VALUE_INTEGER);
					nval++;
				}
			}
			is_synth = true;
		} else if (tab) {
			nval = d->nvalues;
		}
	}
	const uint8_t *frames = NULL;
	unsigned fw = 0;
	size_t nframes = etl_event_stack(ev, &frames, &fw);
	if (nframes > 0xFFFF)
		nframes = 0xFFFF;
	size_t head = sizeof(struct rec_event) + nval * sizeof(struct rec_value);
	size_t n = align8(head + json_len + raw_len) + nframes * 8;
	if (n > UINT32_MAX)
		return ETL_ERR_LIMIT;
	struct rec_event *r = rec_reserve(w, tc, n);
	if (!r)
		return ETL_ERR_NOMEM;
	r->h.size = (uint32_t)n;
	r->h.kind = R_EVENT;
	r->nvalues = (uint16_t)nval;
	r->nframes = (uint16_t)nframes;
	r->event_id = ev->id;
	r->task = ev->task;
	r->version = ev->version;
	r->channel = ev->channel;
	r->opcode = ev->opcode;
	r->level = ev->level;
	r->decoded = decoded;
	r->has_act = !etl_guid_is_null(&ev->activity_id);
	r->has_rel = (uint8_t)ev->has_related_activity_id;
	r->source = (uint8_t)(d ? d->source : 0);
	r->file = ev->file;
	r->pid = d ? d->pid : ev->pid;
	r->tid = d ? d->tid : ev->tid;
	r->cpu = ev->cpu;
	r->payload_size = (uint32_t)ev->size;
	r->raw_len = (uint32_t)raw_len;
	r->json_len = (uint32_t)json_len;
	r->rowid = rowid;
	r->ts = ev->timestamp;
	r->keywords = ev->keywords;
	r->type = ty;
	r->proto = pr;
	r->act = ev->activity_id;
	r->rel = ev->related_activity_id;
	struct rec_value *v = (struct rec_value *)(r + 1);
	if (is_synth) {
		memcpy(v, synth, nval * sizeof *v);
	} else {
		for (size_t i = 0; i < nval; i++) {
			const struct etl_topval *tv = &d->values[i];
			v[i].off = (uint32_t)tv->off;
			v[i].len = (uint32_t)tv->len;
			v[i].col = (uint16_t)(tv->prop + 1u);
			v[i].kind = (uint8_t)tv->kind;
			v[i].pad = 0;
		}
	}
	char *p = (char *)(v + nval);
	if (json_len)
		memcpy(p, json, json_len);
	if (raw_len)
		memcpy(p + json_len, ev->data, raw_len);
	uint64_t *fr = (uint64_t *)((char *)r + align8(head + json_len + raw_len));
	for (size_t i = 0; i < nframes; i++)
		fr[i] = fw == 8 ? etl_le64(frames + 8 * i) : etl_le32(frames + 4 * i);
	return ETL_OK;
}

/* A kernel StackWalk event belongs to the event before it with the same
 * raw timestamp and thread: its frames become that event's stack. */
static etl_status match_stackwalk(etl_writer *w, struct trace_ctx *tc, const etl_event *ev)
{
	if (ev->size < 16 || !ev->pointer_size)
		return ETL_OK;
	int64_t ts = (int64_t)etl_le64(ev->data);
	uint32_t tid = etl_le32(ev->data + 12);
	for (unsigned k = 0; k < 256; k++) {
		unsigned i = (tc->recent_pos - 1 - k) & 255;
		if (!tc->recent[i].rowid)
			break;
		if (tc->recent[i].raw_ts != ts ||
		    (tc->recent[i].tid != tid && tc->recent[i].tid != ETL_NO_ID))
			continue;
		size_t ps = ev->pointer_size == 4 ? 4 : 8;
		size_t nf = (ev->size - 16) / ps;
		if (nf > 0xFFFF)
			nf = 0xFFFF;
		size_t n = sizeof(struct rec_stack) + nf * 8;
		struct rec_stack *r = rec_reserve(w, tc, n);
		if (!r)
			return ETL_ERR_NOMEM;
		r->h.size = (uint32_t)n;
		r->h.kind = R_STACK;
		r->nframes = (uint32_t)nf;
		r->rowid = tc->recent[i].rowid;
		uint64_t *f = (uint64_t *)(r + 1);
		for (size_t j = 0; j < nf; j++)
			f[j] = ps == 8 ? etl_le64(ev->data + 16 + 8 * j) : etl_le32(ev->data + 16 + 4 * j);
		return ETL_OK;
	}
	return ETL_OK;
}

static size_t file_of_message(const struct trace_ctx *tc, const char *msg)
{
	for (size_t i = 0; i < tc->n; i++) {
		size_t l = strlen(tc->files[i].path);
		if (!strncmp(msg, tc->files[i].path, l) && msg[l] == ':')
			return i;
	}
	return 0;
}

static int64_t offset_of_message(const char *msg)
{
	const char *at = strstr(msg, "@0x");
	if (!at)
		return -1;
	return (int64_t)strtoull(at + 3, NULL, 16);
}

/* Damaged input while reading: a row of import_errors, and the caller's
 * callback. */
/* msg with the file read under another name (etl_writer_add_file_as) named
 * by that name; buf holds the result when it differs. */
static const char *alias_msg(const etl_writer *w, const char *msg, char *buf, size_t bufsz)
{
	if (!w->alias_real)
		return msg;
	const char *at = strstr(msg, w->alias_real);
	if (!at)
		return msg;
	etl_msg(buf, bufsz, "%.*s%s%s", (int)(at - msg), msg, w->alias_name,
	        at + strlen(w->alias_real));
	return buf;
}

static void record_warning(struct trace_ctx *tc, const char *msg)
{
	etl_writer *w = tc->w;
	size_t f = file_of_message(tc, msg);
	tc->warnings++;
	if (tc->warnings <= MAX_WARNING_ROWS)
		put_error(w, tc->files[f].trace_id, tc->files[f].path, "read", offset_of_message(msg), msg);
	else if (tc->warnings == MAX_WARNING_ROWS + 1)
		put_error(w, tc->files[f].trace_id, tc->files[f].path, "read", -1,
		          "more warnings follow; only the first 1000 are recorded");
}

static void on_warning(void *ctx, const char *msg)
{
	struct trace_ctx *tc = ctx;
	etl_writer *w = tc->w;
	char abuf[2048];
	msg = alias_msg(w, msg, abuf, sizeof abuf);
	if (tc->begun) {
		/* the same damage met again after the prescan's rewind */
		for (size_t i = 0; i < tc->nearly; i++)
			if (!strcmp(tc->early[i], msg))
				return;
	}
	if (tc->spool) {
		/* the sequencer reports it, in order */
		size_t len = strlen(msg), n = align8(sizeof(struct rec_warn) + len);
		struct rec_warn *r = rec_reserve(w, tc, n);
		if (r) {
			r->h.size = (uint32_t)n;
			r->h.kind = R_WARN;
			r->len = (uint32_t)len;
			r->early = !tc->begun;
			memcpy(r + 1, msg, len);
		}
	} else if (w->opt.warning) {
		w->opt.warning(w->opt.warning_ctx, msg);
	}
	if (w->flat)
		return;
	if (!tc->begun) {
		/* kept until the trace's rows begin (record_early) */
		if (tc->nearly < MAX_WARNING_ROWS) {
			char **e = realloc(tc->early, (tc->nearly + 1) * sizeof(*e));
			if (e) {
				tc->early = e;
				if ((e[tc->nearly] = strdup(msg)) != NULL)
					tc->nearly++;
			}
		}
		return;
	}
	if (!tc->spool)
		record_warning(tc, msg);
}

static void record_early(struct trace_ctx *tc)
{
	for (size_t i = 0; i < tc->nearly; i++)
		record_warning(tc, tc->early[i]);
}

static void file_failed(etl_writer *w, etl_writer_result *res, const char *path,
                        const char *stage, const char *msg)
{
	char abuf[2048];
	msg = alias_msg(w, msg, abuf, sizeof abuf);
	res->failed++;
	etl_msg(w->err, sizeof w->err, "%s", msg);
	if (w->flat)
		return;
	w->gen++;
	if (!put_simple(w, R_BEGIN, NULL) || !put_error(w, -1, path, stage, -1, msg) ||
	    !put_simple(w, R_COMMIT, NULL)) {
		w->broken = true;
		w->broken_status = ETL_ERR_NOMEM;
	}
}

static void now_iso(char out[ETL_TIME_STRLEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ft = (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100 + 116444736000000000LL;
	etl_filetime_format(ft, out, ETL_TIME_STRLEN);
}

/* Where the registry and the ids stood when a trace began. */
struct trace_mark {
	int64_t event, trace, error;
	unsigned gen;
};

/* The end of a trace's records (both ways of converting): a reader that
 * gave up (reader_err) fails the trace, rolled back where the sink can; an
 * abort (ret says why) discards it; else its trace rows and the commit.
 * Returns the writer's status. */
static etl_status trace_finish(etl_writer *w, struct trace_ctx *tc, etl_writer_result *res,
                               const char *reader_err, bool aborted, etl_status ret,
                               const struct trace_mark *mk, uint64_t count,
                               const char *progress_path)
{
	if (!aborted && reader_err) {
		/* the reader gave up: the trace is not complete */
		char err[1024];
		etl_msg(err, sizeof err, "%s", reader_err);
		if (w->vt->can_rollback) {
			put_simple(w, R_ABORT, NULL);
			pipe_drain(w);
			registry_rollback(w, mk->gen);
			w->next_event = mk->event;
			w->next_trace = mk->trace;
			w->next_error = mk->error;
			for (size_t i = 0; i < tc->n; i++)
				file_failed(w, res, tc->files[i].path, "read", err);
			return ret;
		}
		for (size_t i = 0; i < tc->n; i++) {
			tc->files[i].status = "failed";
			put_error(w, tc->files[i].trace_id, tc->files[i].path, "read", -1, err);
		}
		res->failed += (uint32_t)tc->n;
		etl_msg(w->err, sizeof w->err, "%s", err);
	}
	if (aborted) {
		put_simple(w, R_ABORT, NULL);
		pipe_drain(w);
		if (w->vt->can_rollback) {
			registry_rollback(w, mk->gen);
			w->next_event = mk->event;
			w->next_trace = mk->trace;
			w->next_error = mk->error;
		}
		if (ret == ETL_OK)
			ret = consumer_status(w);
		if (ret == ETL_OK)
			ret = ETL_ERR_IO;
		return ret;
	}
	if (w->opt.progress)
		w->opt.progress(w->opt.progress_ctx, progress_path, count);
	struct trace_end te;
	te.n = tc->n;
	te.files = tc->files;
	now_iso(te.import_time);
	for (size_t i = 0; i < tc->n; i++) {
		const etl_trace_info *in = tc->files[i].info;
		if (strcmp(tc->files[i].status, "failed") != 0 &&
		    in->damaged_buffers + in->damaged_records > 0)
			tc->files[i].status = "damaged";
	}
	if (!put_simple(w, R_TRACE_END, &te)) {
		ret = ETL_ERR_NOMEM;
		return ret;
	}
	pipe_drain(w);
	if ((ret = consumer_status(w)) != ETL_OK)
		return ret;
	for (size_t i = 0; i < tc->n; i++) {
		const etl_trace_info *in = tc->files[i].info;
		/* decoding threads look known files up as they go */
		if (w->shas_mu)
			pthread_mutex_lock(w->shas_mu);
		bool put = smap_put(&w->shas, tc->files[i].sha, (void *)1);
		if (w->shas_mu)
			pthread_mutex_unlock(w->shas_mu);
		if (!put)
			return ETL_ERR_NOMEM;
		if (strcmp(tc->files[i].status, "failed") != 0)
			res->added++;
		res->events += tc->files[i].events;
		res->decoded += tc->files[i].decoded;
		res->raw += tc->files[i].raw;
		res->damaged += in->damaged_buffers + in->damaged_records;
	}
	return ret;
}

/* The per-trace work: files are hashed, known ones skipped, the rest read
 * together as one merged trace and converted inside one transaction. */
static etl_status convert_files(etl_writer *w, const char *const *paths,
                                const char *const *names, size_t n, etl_schemas *schemas,
                                etl_writer_result *res)
{
	struct trace_ctx tc;
	memset(&tc, 0, sizeof tc);
	tc.w = w;
	tc.files = calloc(n ? n : 1, sizeof(*tc.files));
	const char **open_paths = calloc(n ? n : 1, sizeof(*open_paths));
	etl_trace *t = NULL;
	etl_decoder *dec = NULL;
	etl_status ret = ETL_OK;
	if (!tc.files || !open_paths) {
		free(tc.files);
		free(open_paths);
		return ETL_ERR_NOMEM;
	}
	char err[1024];
	etl_schemas *own = NULL;
	if (w->opt.schemas_new && (!(w->opt.flags & ETL_WRITER_NO_DECODE) ||
	                           etl_filter_needs_decoding(w->opt.filter))) {
		/* in-trace schemas stay with their trace, as with several threads */
		if (!(own = w->opt.schemas_new(w->opt.schemas_ctx))) {
			free(tc.files);
			free(open_paths);
			etl_msg(w->err, sizeof w->err, "%s: cannot load the schemas again", n ? names[0] : "");
			return ETL_ERR_NOMEM;
		}
		schemas = own;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t dg[32];
		struct tfile *f = &tc.files[tc.n];
		if (etl_sha256_file(paths[i], dg, &f->size, err, sizeof err) != ETL_OK) {
			file_failed(w, res, names[i], "open", err);
			continue;
		}
		etl_sha256_hex(dg, f->sha);
		bool dup = smap_get(&w->shas, f->sha) != NULL;
		for (size_t k = 0; k < tc.n && !dup; k++)
			dup = !strcmp(tc.files[k].sha, f->sha);
		if (dup) {
			res->skipped++;
			continue;
		}
		f->path = names[i];
		open_paths[tc.n++] = paths[i];
	}
	if (tc.n == 0)
		goto out;

	etl_open_options oo = { on_warning, &tc, 0 };
	if (etl_trace_open(open_paths, tc.n, &oo, &t, err, sizeof err) != ETL_OK) {
		for (size_t i = 0; i < tc.n; i++)
			file_failed(w, res, tc.files[i].path, "open", err);
		goto out;
	}
	/* a filter on names or resolved pids decodes even when storing raw */
	if (!(w->opt.flags & ETL_WRITER_NO_DECODE) || etl_filter_needs_decoding(w->opt.filter)) {
		if (etl_decoder_new(schemas, &dec) != ETL_OK) {
			ret = ETL_ERR_NOMEM;
			goto out;
		}
		if (etl_decoder_prescan(dec, t) != ETL_OK) {
			etl_msg(err, sizeof err, "%s", etl_trace_errmsg(t));
			for (size_t i = 0; i < tc.n; i++)
				file_failed(w, res, tc.files[i].path, "read", err);
			goto out;
		}
	}

	int64_t first_event = w->next_event, first_trace = w->next_trace,
		first_error = w->next_error;
	unsigned gen = ++w->gen;
	for (size_t i = 0; i < tc.n; i++) {
		tc.files[i].trace_id = w->next_trace++;
		tc.files[i].first_ts = tc.files[i].last_ts = -1;
		tc.files[i].status = "ok";
		tc.files[i].info = etl_trace_info_get(t, i);
	}
	if (!put_simple(w, R_BEGIN, &tc)) {
		ret = ETL_ERR_NOMEM;
		goto out;
	}
	tc.begun = true;
	record_early(&tc);
	const etl_event *ev;
	etl_status st;
	uint64_t count = 0;
	const char *progress_path = tc.n == 1 ? tc.files[0].path : "(merged)";
	bool aborted = false;
	bool decode = !(w->opt.flags & ETL_WRITER_NO_DECODE);
	/* relative --since/--until count from this trace's own start */
	int64_t start = INT64_MAX;
	for (size_t i = 0; i < tc.n; i++)
		if (tc.files[i].info->start_time < start)
			start = tc.files[i].info->start_time;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		const etl_decoded *d = NULL;
		if (dec && etl_decoder_decode(dec, ev, &d) != ETL_OK)
			d = NULL;
		if (w->opt.filter && !etl_filter_match_at(w->opt.filter, ev, d, start)) {
			/* a StackWalk event that is not kept still gives its frames to
			 * the kept event it belongs to */
			if (!w->flat && ev->opcode == 32 && etl_guid_equal(&ev->provider, &stackwalk_guid) &&
			    ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64 &&
			    match_stackwalk(w, &tc, ev) != ETL_OK) {
				ret = ETL_ERR_NOMEM;
				aborted = true;
				break;
			}
			if (++count % PROGRESS_EVERY == 0 && w->opt.progress &&
			    w->opt.progress(w->opt.progress_ctx, progress_path, count)) {
				ret = ETL_ERR_ABORTED;
				etl_msg(w->err, sizeof w->err, "%s: stopped", progress_path);
				aborted = true;
				break;
			}
			continue;
		}
		if (!decode)
			d = NULL;
		int64_t rowid = w->next_event++;
		etl_status pe = put_event(w, &tc, ev, d, rowid);
		if (pe != ETL_OK) {
			ret = pe;
			etl_msg(w->err, sizeof w->err, "%s: out of memory while converting", progress_path);
			aborted = true;
			break;
		}
		if (ev->file < tc.n) {
			struct tfile *f = &tc.files[ev->file];
			f->events++;
			if (d && d->complete)
				f->decoded++;
			if (!(d && d->complete) || (w->opt.flags & ETL_WRITER_RAW))
				f->raw++;
			if (f->first_ts < 0)
				f->first_ts = ev->timestamp;
			f->last_ts = ev->timestamp;
		}
		if (!w->flat) {
			bool sw = ev->opcode == 32 && etl_guid_equal(&ev->provider, &stackwalk_guid) &&
			          ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64;
			if (sw) {
				if ((pe = match_stackwalk(w, &tc, ev)) != ETL_OK) {
					ret = pe;
					aborted = true;
					break;
				}
			} else {
				unsigned i = tc.recent_pos++ & 255;
				tc.recent[i].raw_ts = ev->raw_timestamp;
				/* PerfInfo headers carry no thread: the decoder's is the
				 * one StackWalk names */
				tc.recent[i].tid = d ? d->tid : ev->tid;
				tc.recent[i].rowid = rowid;
			}
		}
		if (++count % PROGRESS_EVERY == 0) {
			if (w->broken) {
				aborted = true;
				break;
			}
			if (w->opt.progress && w->opt.progress(w->opt.progress_ctx, progress_path, count)) {
				ret = ETL_ERR_ABORTED;
				etl_msg(w->err, sizeof w->err, "%s: stopped", progress_path);
				aborted = true;
				break;
			}
		}
	}
	const char *reader_err = NULL;
	if (!aborted && st != ETL_EOF) {
		/* the reader gave up: the trace is not complete */
		char abuf[2048];
		etl_msg(err, sizeof err, "%s", alias_msg(w, etl_trace_errmsg(t), abuf, sizeof abuf));
		reader_err = err;
	}
	struct trace_mark mk = { first_event, first_trace, first_error, gen };
	ret = trace_finish(w, &tc, res, reader_err, aborted, ret, &mk, count, progress_path);
out:
	pipe_drain(w);
	if (ret == ETL_OK)
		ret = consumer_status(w);
	etl_decoder_free(dec);
	etl_trace_close(t);
	free(tc.cache.e);
	for (size_t i = 0; i < tc.nearly; i++)
		free(tc.early[i]);
	free(tc.early);
	free(tc.files);
	free(open_paths);
	etl_schemas_free(own);
	return ret;
}

/* ---- several traces decoded at once ------------------------------------------------------ */

/* etl_writer_add_files() with jobs > 1: worker threads take the files in
 * input order, at most `window` ahead of the one being stored, and decode
 * each into its spool (worker_decode), exactly as convert_files would but
 * with no registry and local rowids; the calling thread replays the spools
 * in input order (sequence_job), following the one of the trace it stores
 * as it grows (a worker publishes each batch it writes): it registers each
 * proto as the first event of its kind reaches it, numbers events, traces
 * and errors, reports warnings, and feeds the consumer thread.  Every id
 * and name is thus taken in the order one thread would take it, and the
 * output is the same whatever the number of threads.  A proto's registry
 * half (its table, key, names) moves to the registry while its worker may
 * still be decoding; the worker only uses its column count, fixed when it
 * was made.  Memory: a worker holds one batch buffer and the open trace and
 * decoder of each job not yet stored (at most `window`); the records
 * themselves wait in temporary files. */

enum { J_PENDING, J_RUNNING, J_DONE };
enum { JR_OK, JR_SKIPPED, JR_FAILED };

struct job {
	const char *path;
	int state;                 /* J_*, under the batch mutex */
	int result;                /* JR_*: JR_FAILED before the rows began */
	const char *stage;         /* of a failure: "open", "read" */
	struct trace_ctx tc;
	struct spool sp;
	etl_trace *t;
	etl_decoder *dec;
	etl_schemas *schemas;      /* the job's own store, when made per trace */
	uint64_t count;            /* events read */
	bool reader_failed, nomem;
	char err[1024];
};

struct batch_run {
	etl_writer *w;
	etl_schemas *schemas;
	struct job *jobs;
	size_t n, next, seq, window;
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void job_free(struct job *j)
{
	etl_decoder_free(j->dec);
	etl_trace_close(j->t);
	if (j->schemas)
		etl_schemas_free(j->schemas);
	if (j->sp.fp)
		fclose(j->sp.fp);
	free(j->sp.buf);
	free(j->tc.cache.e);
	for (size_t i = 0; i < j->tc.nearly; i++)
		free(j->tc.early[i]);
	free(j->tc.early);
	free(j->tc.files);
	for (struct cv_proto *p = j->tc.protos, *nx; p; p = nx) {
		nx = p->next;
		proto_free(p);
	}
	memset(j, 0, sizeof *j);
}

/* An unlinked temporary file for a spool, in $TMPDIR. */
static FILE *spool_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/etlkit-spool-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	FILE *fp = fdopen(fd, "w+b");
	if (!fp)
		close(fd);
	return fp;
}

static bool job_stopped(struct batch_run *b)
{
	pthread_mutex_lock(&b->mu);
	bool stop = b->stop;
	pthread_mutex_unlock(&b->mu);
	return stop;
}

/* convert_files for one file, on a worker thread, into the job's spool. */
static void worker_decode(struct batch_run *b, struct job *j)
{
	etl_writer *w = b->w;
	struct trace_ctx *tc = &j->tc;
	tc->w = w;
	j->result = JR_FAILED;
	j->stage = "open";
	if (!(tc->files = calloc(1, sizeof(*tc->files)))) {
		j->nomem = true;
		return;
	}
	struct tfile *f = &tc->files[0];
	uint8_t dg[32];
	if (etl_sha256_file(j->path, dg, &f->size, j->err, sizeof j->err) != ETL_OK)
		return;
	etl_sha256_hex(dg, f->sha);
	pthread_mutex_lock(w->shas_mu);
	bool dup = smap_get(&w->shas, f->sha) != NULL;
	pthread_mutex_unlock(w->shas_mu);
	if (dup) {
		j->result = JR_SKIPPED;
		return;
	}
	f->path = j->path;
	tc->n = 1;
	j->sp.cap = BATCH_BYTES;
	if (!(j->sp.buf = malloc(j->sp.cap)) || !(j->sp.fp = spool_file())) {
		etl_msg(j->err, sizeof j->err, "%s: a temporary file: %s", j->path,
		        j->sp.buf ? strerror(errno) : "out of memory");
		j->stage = "read";
		return;
	}
	j->sp.mu = &b->mu;
	j->sp.cv = &b->cv;
	tc->spool = &j->sp;
	etl_schemas *schemas = b->schemas;
	if (w->opt.schemas_new && (!(w->opt.flags & ETL_WRITER_NO_DECODE) ||
	                           etl_filter_needs_decoding(w->opt.filter))) {
		/* a store is not shared between threads, and each trace sees only
		 * its own in-trace schemas, whichever thread decodes it */
		if (!(schemas = j->schemas = w->opt.schemas_new(w->opt.schemas_ctx))) {
			j->nomem = true;
			return;
		}
	}
	etl_open_options oo = { on_warning, tc, 0 };
	if (etl_trace_open(&j->path, 1, &oo, &j->t, j->err, sizeof j->err) != ETL_OK) {
		j->t = NULL;
		return;
	}
	j->stage = "read";
	if (!(w->opt.flags & ETL_WRITER_NO_DECODE) || etl_filter_needs_decoding(w->opt.filter)) {
		if (etl_decoder_new(schemas, &j->dec) != ETL_OK) {
			j->nomem = true;
			return;
		}
		if (etl_decoder_prescan(j->dec, j->t) != ETL_OK) {
			etl_msg(j->err, sizeof j->err, "%s", etl_trace_errmsg(j->t));
			return;
		}
	}
	f->first_ts = f->last_ts = -1;
	f->status = "ok";
	f->info = etl_trace_info_get(j->t, 0);
	struct rec_ptr *br = rec_reserve(w, tc, sizeof *br);
	if (!br) {
		j->nomem = true;
		return;
	}
	br->h.size = sizeof *br;
	br->h.kind = R_BEGIN;
	br->p = NULL;
	tc->begun = true;
	j->result = JR_OK;
	const etl_event *ev;
	etl_status st;
	int64_t next_rowid = 1;
	bool decode = !(w->opt.flags & ETL_WRITER_NO_DECODE);
	int64_t start = f->info->start_time;
	while ((st = etl_trace_next(j->t, &ev)) == ETL_OK) {
		const etl_decoded *d = NULL;
		if (j->dec && etl_decoder_decode(j->dec, ev, &d) != ETL_OK)
			d = NULL;
		bool sw = ev->opcode == 32 && etl_guid_equal(&ev->provider, &stackwalk_guid) &&
		          ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64;
		if (++j->count % PROGRESS_EVERY == 0 && job_stopped(b)) {
			j->nomem = true; /* stopped: the sequencer no longer wants it */
			break;
		}
		if (w->opt.filter && !etl_filter_match_at(w->opt.filter, ev, d, start)) {
			if (!w->flat && sw && match_stackwalk(w, tc, ev) != ETL_OK) {
				j->nomem = true;
				break;
			}
			continue;
		}
		if (!decode)
			d = NULL;
		int64_t rowid = next_rowid++;
		if (put_event(w, tc, ev, d, rowid) != ETL_OK) {
			j->nomem = true;
			break;
		}
		f->events++;
		if (d && d->complete)
			f->decoded++;
		if (!(d && d->complete) || (w->opt.flags & ETL_WRITER_RAW))
			f->raw++;
		if (f->first_ts < 0)
			f->first_ts = ev->timestamp;
		f->last_ts = ev->timestamp;
		if (!w->flat) {
			if (sw) {
				if (match_stackwalk(w, tc, ev) != ETL_OK) {
					j->nomem = true;
					break;
				}
			} else {
				unsigned i = tc->recent_pos++ & 255;
				tc->recent[i].raw_ts = ev->raw_timestamp;
				tc->recent[i].tid = d ? d->tid : ev->tid;
				tc->recent[i].rowid = rowid;
			}
		}
	}
	if (!j->nomem && st != ETL_EOF) {
		j->reader_failed = true;
		etl_msg(j->err, sizeof j->err, "%s", etl_trace_errmsg(j->t));
	}
}

static void *worker_main(void *arg)
{
	struct batch_run *b = arg;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->stop && b->next < b->n && b->next >= b->seq + b->window)
			pthread_cond_wait(&b->cv, &b->mu);
		if (b->stop || b->next >= b->n)
			break;
		struct job *j = &b->jobs[b->next++];
		j->state = J_RUNNING;
		pthread_mutex_unlock(&b->mu);
		worker_decode(b, j);
		if (j->sp.fp) {
			spool_flush(&j->sp);
			if (j->sp.err && j->result == JR_OK && !j->nomem) {
				/* the records are lost: the trace fails as a whole */
				j->reader_failed = true;
				etl_msg(j->err, sizeof j->err, "%s: a temporary file: %s", j->path,
				        strerror(j->sp.err ? j->sp.err : errno));
			}
		}
		pthread_mutex_lock(&b->mu);
		j->state = J_DONE;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Waits until the job's spool holds `end` bytes or the job is done; false
 * when it ended before. */
static bool spool_wait(struct batch_run *b, struct job *j, uint64_t end)
{
	pthread_mutex_lock(&b->mu);
	while (j->sp.written < end && j->state != J_DONE)
		pthread_cond_wait(&b->cv, &b->mu);
	bool ok = j->sp.written >= end;
	pthread_mutex_unlock(&b->mu);
	return ok;
}

/* What the sequencer has read of a spool: bytes [off, off + len) of the
 * file in buf, the next record at pos (records start 8-aligned). */
struct sreader {
	char *buf;
	size_t cap, len, pos;
	uint64_t off;
};

/* Makes n bytes from pos available in r->buf, reading ahead as far as the
 * worker has written (at least n), waiting for it; 0 when the job ended
 * first, -1 on a read error. */
static int sreader_need(struct batch_run *b, struct job *j, struct sreader *r, size_t n)
{
	if (r->len - r->pos >= n)
		return 1;
	/* keep the unread bytes at the front */
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->off += r->pos;
	r->len -= r->pos;
	r->pos = 0;
	if (n > r->cap) {
		size_t ncap = n > 2 * r->cap ? n : 2 * r->cap;
		char *nb = realloc(r->buf, ncap);
		if (!nb)
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	if (!spool_wait(b, j, r->off + n))
		return 0;
	pthread_mutex_lock(&b->mu);
	uint64_t avail = j->sp.written - (r->off + r->len);
	pthread_mutex_unlock(&b->mu);
	size_t want = r->cap - r->len;
	if (want > avail)
		want = (size_t)avail;
	ssize_t got = pread(fileno(j->sp.fp), r->buf + r->len, want, (off_t)(r->off + r->len));
	if (got < 0 || (size_t)got != want)
		return -1;
	r->len += want;
	return 1;
}

/* The next record of a job's spool, waiting for the worker to write it;
 * NULL at the end of a finished job (*rc 0) or on an error (*rc -1). */
static struct rec *sreader_next(struct batch_run *b, struct job *j, struct sreader *r, int *rc)
{
	if ((*rc = sreader_need(b, j, r, sizeof(struct rec))) <= 0) {
		if (*rc == 0 && r->len != r->pos)
			*rc = -1; /* a record cut short */
		return NULL;
	}
	struct rec h;
	memcpy(&h, r->buf + r->pos, sizeof h);
	if (h.size < sizeof h || h.size % 8) {
		*rc = -1;
		return NULL;
	}
	if ((*rc = sreader_need(b, j, r, h.size)) <= 0) {
		*rc = -1;
		return NULL;
	}
	struct rec *out = (struct rec *)(r->buf + r->pos);
	r->pos += h.size;
	return out;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Stores a job as its worker decodes it: the calling thread's half of
 * convert_files.  Warnings from before the trace's rows begin wait until
 * it is known whether the trace is stored, skipped or failed, so they come
 * out as convert_files gives them. */
static etl_status sequence_job(struct batch_run *b, struct job *j, etl_writer_result *res)
{
	etl_writer *w = b->w;
	struct trace_ctx *tc = &j->tc;
	char **early = NULL;
	size_t nearly = 0;
	struct sreader rd = { NULL, 0, 0, 0, 0 };
	etl_status ret = ETL_OK;
	struct trace_mark mk = { w->next_event, w->next_trace, w->next_error, 0 };
	int64_t base = 0;
	uint64_t stored = 0;
	bool aborted = false, begun = false, skip = false;
	int rc = 0;
	struct rec *h;
	if (!(rd.buf = malloc(rd.cap = BATCH_BYTES)))
		rc = -1;
	while (rd.buf && !aborted && (h = sreader_next(b, j, &rd, &rc)) != NULL) {
		if (skip)
			continue;
		switch (h->kind) {
		case R_WARN: {
			const struct rec_warn *r = (const struct rec_warn *)h;
			char msg[2048];
			etl_msg(msg, sizeof msg, "%.*s", (int)r->len, (const char *)(r + 1));
			if (!begun) {
				char **e = realloc(early, (nearly + 1) * sizeof(*e));
				if (e && (e[nearly] = strdup(msg)) != NULL)
					nearly++;
				if (e)
					early = e;
				break;
			}
			if (w->opt.warning)
				w->opt.warning(w->opt.warning_ctx, msg);
			if (!w->flat && !r->early)
				record_warning(tc, msg);
			break;
		}
		case R_BEGIN:
			if (smap_get(&w->shas, tc->files[0].sha)) {
				/* the same file earlier in this batch: skipped before it
				 * was opened, as convert_files skips it */
				skip = true;
				break;
			}
			begun = true;
			for (size_t i = 0; i < nearly; i++)
				if (w->opt.warning)
					w->opt.warning(w->opt.warning_ctx, early[i]);
			mk.gen = ++w->gen;
			tc->files[0].trace_id = w->next_trace++;
			if (!put_simple(w, R_BEGIN, tc)) {
				ret = ETL_ERR_NOMEM;
				aborted = true;
				break;
			}
			record_early(tc);
			base = w->next_event - 1;
			break;
		case R_EVENT: {
			struct rec_event *r = (struct rec_event *)h;
			struct cv_proto *p = r->proto;
			if (!p->resolved && !(p->resolved = proto_register(w, p))) {
				ret = ETL_ERR_NOMEM;
				etl_msg(w->err, sizeof w->err, "%s: out of memory while converting", j->path);
				aborted = true;
				break;
			}
			struct rec_event *o = pipe_reserve(w, h->size);
			if (!o) {
				ret = ETL_ERR_NOMEM;
				aborted = true;
				break;
			}
			memcpy(o, r, h->size);
			o->type = p->resolved;
			o->proto = NULL;
			o->rowid = base + r->rowid;
			w->next_event = o->rowid + 1;
			if (++stored % PROGRESS_EVERY == 0) {
				if (w->broken) {
					aborted = true;
					break;
				}
				if (w->opt.progress && w->opt.progress(w->opt.progress_ctx, j->path, stored)) {
					ret = ETL_ERR_ABORTED;
					etl_msg(w->err, sizeof w->err, "%s: stopped", j->path);
					aborted = true;
				}
			}
			break;
		}
		case R_STACK: {
			struct rec_stack *o = pipe_reserve(w, h->size);
			if (!o) {
				ret = ETL_ERR_NOMEM;
				aborted = true;
				break;
			}
			memcpy(o, h, h->size);
			o->rowid += base;
			break;
		}
		default:
			break;
		}
	}
	free(rd.buf);
	/* the worker is done with the job (or the spool failed): its results
	 * stand, after the wait below */
	if (!aborted && rc < 0) {
		spool_wait(b, j, UINT64_MAX);
		if (!j->reader_failed)
			etl_msg(j->err, sizeof j->err, "%s: reading a temporary file back failed", j->path);
		j->reader_failed = true;
	}
	if (aborted) {
		/* the worker may still be decoding: stop it and wait */
		pthread_mutex_lock(&b->mu);
		b->stop = true;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
		spool_wait(b, j, UINT64_MAX);
	}
	if (!begun && !aborted) {
		if (j->nomem) {
			free_strings(early, nearly);
			etl_msg(w->err, sizeof w->err, "%s: out of memory while converting", j->path);
			return ETL_ERR_NOMEM;
		}
		if (skip || j->result == JR_SKIPPED) {
			free_strings(early, nearly);
			res->skipped++;
			return ETL_OK;
		}
		/* failed before its rows began: the warnings, then the failure */
		for (size_t i = 0; i < nearly; i++)
			if (w->opt.warning)
				w->opt.warning(w->opt.warning_ctx, early[i]);
		free_strings(early, nearly);
		file_failed(w, res, j->path, j->stage, j->err);
		pipe_drain(w);
		return consumer_status(w);
	}
	free_strings(early, nearly);
	if (j->nomem && !aborted) {
		ret = ETL_ERR_NOMEM;
		etl_msg(w->err, sizeof w->err, "%s: out of memory while converting", j->path);
		aborted = true;
	}
	ret = trace_finish(w, tc, res, j->reader_failed ? j->err : NULL, aborted, ret, &mk,
	                   j->count, j->path);
	pipe_drain(w);
	if (ret == ETL_OK)
		ret = consumer_status(w);
	return ret;
}

etl_status etl_writer_add_files(etl_writer *w, const char *const *paths, size_t n,
                                etl_schemas *schemas, etl_writer_result *res,
                                int (*done)(void *ctx, size_t index), void *ctx)
{
	etl_writer_result dummy;
	if (!res) {
		memset(&dummy, 0, sizeof dummy);
		res = &dummy;
	}
	if (!w || (n && !paths))
		return ETL_ERR_ARG;
	if (w->broken)
		return w->broken_status;
	bool decoding = !(w->opt.flags & ETL_WRITER_NO_DECODE) ||
	                etl_filter_needs_decoding(w->opt.filter);
	unsigned threads = w->opt.jobs;
	if (threads > n)
		threads = (unsigned)n;
	if (threads > 256)
		threads = 256;
	if (decoding && !w->opt.schemas_new)
		threads = 1; /* one store cannot serve two threads */
	if (threads < 2) {
		/* one at a time, as etl_writer_add_trace does */
		for (size_t i = 0; i < n; i++) {
			etl_status st = convert_files(w, &paths[i], &paths[i], 1, schemas, res);
			if (st != ETL_OK) {
				if (!w->broken) {
					w->broken = true;
					w->broken_status = st;
				}
				return st;
			}
			if (done && done(ctx, i)) {
				etl_msg(w->err, sizeof w->err, "%s: stopped", paths[i]);
				return ETL_ERR_ABORTED;
			}
		}
		return ETL_OK;
	}
	struct batch_run b;
	memset(&b, 0, sizeof b);
	b.w = w;
	b.schemas = schemas;
	b.n = n;
	b.window = threads + 1;
	pthread_mutex_t shas_mu;
	if (!(b.jobs = calloc(n, sizeof(*b.jobs))))
		return ETL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		b.jobs[i].path = paths[i];
	if (pthread_mutex_init(&b.mu, NULL) != 0) {
		free(b.jobs);
		return ETL_ERR_NOMEM;
	}
	if (pthread_cond_init(&b.cv, NULL) != 0 || pthread_mutex_init(&shas_mu, NULL) != 0) {
		pthread_mutex_destroy(&b.mu);
		free(b.jobs);
		return ETL_ERR_NOMEM;
	}
	w->shas_mu = &shas_mu;
	pthread_t th[257];
	unsigned started = 0;
	for (; started < threads; started++)
		if (pthread_create(&th[started], NULL, worker_main, &b) != 0)
			break;
	etl_status ret = ETL_OK;
	if (started == 0) {
		ret = ETL_ERR_NOMEM;
		etl_msg(w->err, sizeof w->err, "cannot start a thread");
	}
	for (size_t i = 0; i < n && ret == ETL_OK; i++) {
		struct job *j = &b.jobs[i];
		pthread_mutex_lock(&b.mu);
		b.seq = i;
		pthread_cond_broadcast(&b.cv);
		pthread_mutex_unlock(&b.mu);
		ret = sequence_job(&b, j, res);
		if (ret == ETL_OK) {
			/* the job's records are stored; its worker has finished it */
			spool_wait(&b, j, UINT64_MAX);
			job_free(j);
		}
		if (ret == ETL_OK && done && done(ctx, i)) {
			etl_msg(w->err, sizeof w->err, "%s: stopped", paths[i]);
			ret = ETL_ERR_ABORTED;
		}
	}
	pthread_mutex_lock(&b.mu);
	b.stop = true;
	pthread_cond_broadcast(&b.cv);
	pthread_mutex_unlock(&b.mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < n; i++)
		job_free(&b.jobs[i]);
	w->shas_mu = NULL;
	pthread_mutex_destroy(&shas_mu);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	free(b.jobs);
	if (ret != ETL_OK && !w->broken) {
		w->broken = true;
		w->broken_status = ret;
	}
	return ret;
}

/* ---- consumer: records -> rows ------------------------------------------------------------- */

static void cons_fail(etl_writer *w, etl_status st, const char *msg)
{
	if (w->cons.status == ETL_OK) {
		w->cons.status = st;
		etl_msg(w->cons.err, sizeof w->cons.err, "%s", msg);
	}
}

static bool row(etl_writer *w, etl_table *t, const etl_cell *cells)
{
	etl_status st = w->vt->row(w->sink, t, cells);
	if (st != ETL_OK) {
		cons_fail(w, st, w->vt->errmsg(w->sink));
		return false;
	}
	return true;
}

static etl_cell *cells_for(etl_writer *w, size_t n)
{
	struct consumer *c = &w->cons;
	if (n > c->cap_cells) {
		etl_cell *nc = realloc(c->cells, n * sizeof(*nc));
		if (!nc) {
			cons_fail(w, ETL_ERR_NOMEM, "out of memory");
			return NULL;
		}
		c->cells = nc;
		c->cap_cells = n;
	}
	return c->cells;
}

static char *scratch_for(etl_writer *w, size_t n)
{
	struct consumer *c = &w->cons;
	if (n > c->cap_scratch) {
		size_t cap = n < 4096 ? 4096 : n;
		char *ns = realloc(c->scratch, cap);
		if (!ns) {
			cons_fail(w, ETL_ERR_NOMEM, "out of memory");
			return NULL;
		}
		c->scratch = ns;
		c->cap_scratch = cap;
	}
	return c->scratch;
}

static void cell_id(etl_cell *c, uint32_t v)
{
	if (v == ETL_NO_ID)
		etl_cell_null(c);
	else
		etl_cell_int(c, v);
}

/* ---- derived tables ---- */

static const int ent_table[] = { [K_PROC] = ETL_T_PROCESSES, [K_THREAD] = ETL_T_THREADS,
                                 [K_IMAGE] = ETL_T_IMAGES };
/* columns of start / end time and event, per kind */
static const int ent_start_ts[] = { [K_PROC] = PS_START_TS, [K_THREAD] = TH_START_TS, [K_IMAGE] = IM_LOAD_TS };
static const int ent_end_ts[] = { [K_PROC] = PS_END_TS, [K_THREAD] = TH_END_TS, [K_IMAGE] = IM_UNLOAD_TS };
static const int ent_start_ev[] = { [K_PROC] = PS_START_EVENT, [K_THREAD] = TH_START_EVENT, [K_IMAGE] = IM_LOAD_EVENT };
static const int ent_end_ev[] = { [K_PROC] = PS_END_EVENT, [K_THREAD] = TH_END_EVENT, [K_IMAGE] = IM_UNLOAD_EVENT };

/* field -> column of the derived table, per kind (-1: not kept) */
static int field_col(int kind, int f)
{
	switch (kind) {
	case K_PROC:
		switch (f) {
		case F_PID: return PS_PID;
		case F_PPID: return PS_PARENT_PID;
		case F_IMAGE: return PS_IMAGE;
		case F_CMDLINE: return PS_COMMAND_LINE;
		case F_EXIT: return PS_EXIT_CODE;
		case F_SESSION: return PS_SESSION_ID;
		case F_KEY: return PS_UNIQUE_KEY;
		default: return -1;
		}
	case K_THREAD:
		switch (f) {
		case F_TID: return TH_TID;
		case F_PID: return TH_PID;
		case F_STARTADDR: return TH_START_ADDRESS;
		default: return -1;
		}
	case K_IMAGE:
		switch (f) {
		case F_PID: return IM_PID;
		case F_BASE: return IM_BASE;
		case F_SIZE: return IM_SIZE;
		case F_PATH: return IM_PATH;
		case F_CHECKSUM: return IM_CHECKSUM;
		case F_TDS: return IM_TIME_DATE_STAMP;
		default: return -1;
		}
	default:
		return -1;
	}
}

static size_t ent_size(const struct ent *e)
{
	size_t n = sizeof *e;
	for (int i = 0; i < ENT_COLS; i++)
		if (e->text & (1u << i))
			n += strlen(e->v[i].s) + 1;
	return n;
}

static void ent_free(struct ent *e)
{
	for (int i = 0; i < ENT_COLS; i++)
		if (e->text & (1u << i))
			free(e->v[i].s);
	free(e);
}

/* Sets a column from a cell (strings are copied); with `fill`, only when it
 * has no value yet. */
static void ent_set(struct ent *e, int col, const etl_cell *c, bool fill)
{
	if (col < 0 || (c->kind != ETL_CELL_INT && c->kind != ETL_CELL_TEXT))
		return;
	uint16_t bit = (uint16_t)(1u << col);
	if (fill && (e->set & bit))
		return;
	if (e->text & bit)
		free(e->v[col].s);
	e->text &= (uint16_t)~bit;
	e->set &= (uint16_t)~bit;
	if (c->kind == ETL_CELL_TEXT) {
		char *s = malloc(c->len + 1);
		if (!s)
			return;
		memcpy(s, c->v.s, c->len);
		s[c->len] = 0;
		e->v[col].s = s;
		e->text |= bit;
	} else {
		e->v[col].i = c->v.i;
	}
	e->set |= bit;
}

static void ent_set_int(struct ent *e, int col, int64_t v)
{
	etl_cell c;
	etl_cell_int(&c, v);
	ent_set(e, col, &c, false);
}

static bool ent_has(const struct ent *e, int col)
{
	return (e->set >> col) & 1;
}

static uint64_t cell_u64(const etl_cell *c)
{
	return c->kind == ETL_CELL_INT ? (uint64_t)c->v.i : 0;
}

static struct ent **ent_find(struct entset *s, uint64_t k1, uint64_t k2)
{
	size_t h = (size_t)((k1 * 0x9E3779B97F4A7C15ull) ^ (k2 * 0xC2B2AE3D27D4EB4Full)) >> 20;
	struct ent **pp = &s->b[h & (ENT_BUCKETS - 1)];
	while (*pp && ((*pp)->k1 != k1 || (*pp)->k2 != k2))
		pp = &(*pp)->next;
	return pp;
}

static void ent_emit(etl_writer *w, const struct ent *e)
{
	etl_cell c[ENT_COLS];
	for (int i = 0; i < ENT_COLS; i++) {
		if (!ent_has(e, i))
			etl_cell_null(&c[i]);
		else if (e->text & (1u << i))
			etl_cell_str(&c[i], e->v[i].s);
		else
			etl_cell_int(&c[i], e->v[i].i);
	}
	row(w, &w->fixed[ent_table[e->kind]], c);
}

/* Takes an entity out of its set and the age list (the caller frees it). */
static void ent_unlink(etl_writer *w, struct ent *e)
{
	struct consumer *c = &w->cons;
	struct ent **pp = ent_find(&c->ents[e->kind], e->k1, e->k2);
	if (*pp == e)
		*pp = e->next;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->ent_bytes -= ent_size(e);
}

/* Emits and frees an entity; what it holds is final. */
static void ent_close(etl_writer *w, struct ent *e)
{
	ent_unlink(w, e);
	ent_emit(w, e);
	ent_free(e);
}

static void derive(etl_writer *w, const struct rec_event *r, const etl_cell *cells,
                   int64_t trace_id)
{
	struct cv_type *ty = r->type;
	int kind = ty->kind;
	struct consumer *cs = &w->cons;
	struct entset *s = &cs->ents[kind];
	if (!s->b && !(s->b = calloc(ENT_BUCKETS, sizeof(*s->b)))) {
		cons_fail(w, ETL_ERR_NOMEM, "out of memory");
		return;
	}
	uint64_t k1, k2 = 0;
	if (kind == K_PROC) {
		k1 = cell_u64(&cells[ty->f[F_PID]]);
	} else if (kind == K_THREAD) {
		k1 = cell_u64(&cells[ty->f[F_TID]]);
	} else {
		k1 = ty->f[F_PID] >= 0 ? cell_u64(&cells[ty->f[F_PID]]) : 0;
		k2 = cell_u64(&cells[ty->f[F_BASE]]);
	}
	struct ent *e = *ent_find(s, k1, k2);
	if (e && ty->role == ROLE_START) {
		/* the kernel and Kernel-Process may both report one start */
		bool same = e->src != ty->src && !ent_has(e, ent_end_ts[kind]) &&
		            (!ent_has(e, ent_start_ts[kind]) ||
		             (r->ts - e->seen_ts < SAME_START_TICKS && e->seen_ts - r->ts < SAME_START_TICKS));
		if (!same) {
			/* the id was reused: the old one ended unseen */
			ent_close(w, e);
			e = NULL;
		}
	}
	if (!e) {
		if (ty->role == ROLE_END) {
			/* both kernel and Kernel-Process may report one end */
			for (unsigned i = 0; i < 64; i++)
				if (s->closed.k1[i] == k1 && s->closed.k2[i] == k2 && s->closed.ts[i] &&
				    r->ts - s->closed.ts[i] < SAME_START_TICKS)
					return;
		}
		if (!(e = calloc(1, sizeof(*e)))) {
			cons_fail(w, ETL_ERR_NOMEM, "out of memory");
			return;
		}
		e->kind = (uint8_t)kind;
		e->k1 = k1;
		e->k2 = k2;
		e->src = ty->src;
		e->seen_ts = r->ts;
		ent_set_int(e, 0, trace_id); /* trace_id is column 0 of every kind */
		if (ty->role != ROLE_END)
			ent_set_int(e, ent_start_ev[kind], r->rowid);
		if (ty->role == ROLE_START)
			ent_set_int(e, ent_start_ts[kind], r->ts);
		struct ent **pp = ent_find(s, k1, k2);
		e->next = *pp;
		*pp = e;
		e->older = cs->newest;
		if (cs->newest)
			cs->newest->newer = e;
		else
			cs->oldest = e;
		cs->newest = e;
	} else {
		cs->ent_bytes -= ent_size(e);
		if (ty->role == ROLE_START && !ent_has(e, ent_start_ts[kind]))
			ent_set_int(e, ent_start_ts[kind], r->ts);
	}
	bool fill = ty->role == ROLE_RUNDOWN || (ty->role == ROLE_START && e->src != ty->src);
	for (int f = 0; f < NF; f++)
		if (ty->f[f] >= 0)
			ent_set(e, field_col(kind, f), &cells[ty->f[f]], fill);
	cs->ent_bytes += ent_size(e);
	if (ty->role == ROLE_END) {
		ent_set_int(e, ent_end_ts[kind], r->ts);
		ent_set_int(e, ent_end_ev[kind], r->rowid);
		unsigned i = s->closed.pos++ & 63;
		s->closed.k1[i] = k1;
		s->closed.k2[i] = k2;
		s->closed.ts[i] = r->ts;
		ent_close(w, e);
	}
	/* bounded memory: beyond the budget the oldest open ones are written
	 * as they are (their end, if it comes, becomes a row of its own) */
	while (cs->ent_bytes > ENT_BUDGET && cs->oldest)
		ent_close(w, cs->oldest);
}

/* End of a trace: what is still open is written with no end. */
static void derive_flush(etl_writer *w, bool emit)
{
	struct consumer *cs = &w->cons;
	while (cs->oldest) {
		struct ent *e = cs->oldest;
		ent_unlink(w, e);
		if (emit)
			ent_emit(w, e);
		ent_free(e);
	}
	for (int kind = K_PROC; kind <= K_IMAGE; kind++)
		memset(&cs->ents[kind].closed, 0, sizeof cs->ents[kind].closed);
}

/* ---- rows of the fixed tables ---- */

static void text_or_null(etl_cell *c, const char *s)
{
	if (s && *s)
		etl_cell_str(c, s);
	else
		etl_cell_null(c);
}

static void emit_trace_rows(etl_writer *w, const struct trace_end *te)
{
	etl_cell c[TR_NCOLS];
	for (size_t i = 0; i < te->n; i++) {
		const struct tfile *f = &te->files[i];
		const etl_trace_info *in = f->info;
		char layout[16];
		etl_msg(layout, sizeof layout, "%u.%u", in->layout_major, in->layout_minor);
		etl_cell_int(&c[TR_ID], f->trace_id);
		etl_cell_str(&c[TR_PATH], f->path);
		etl_cell_int(&c[TR_SIZE], (int64_t)f->size);
		etl_cell_str(&c[TR_SHA256], f->sha);
		text_or_null(&c[TR_LOGGER_NAME], in->logger_name);
		text_or_null(&c[TR_LOG_FILE_NAME], in->log_file_name);
		etl_cell_int(&c[TR_OS_MAJOR], in->os_major);
		etl_cell_int(&c[TR_OS_MINOR], in->os_minor);
		etl_cell_int(&c[TR_OS_BUILD], in->provider_version);
		etl_cell_str(&c[TR_LAYOUT_VERSION], layout);
		etl_cell_int(&c[TR_POINTER_SIZE], in->pointer_size);
		etl_cell_int(&c[TR_PROCESSORS], in->number_of_processors);
		etl_cell_int(&c[TR_CPU_SPEED], in->cpu_speed_mhz);
		etl_cell_int(&c[TR_BUFFER_SIZE], in->buffer_size);
		etl_cell_int(&c[TR_MAX_FILE_SIZE], in->maximum_file_size);
		etl_cell_int(&c[TR_LOG_FILE_MODE], in->log_file_mode);
		etl_cell_int(&c[TR_BUFFERS_WRITTEN], in->buffers_written);
		etl_cell_int(&c[TR_START_BUFFERS], in->start_buffers);
		etl_cell_int(&c[TR_TIMER_RESOLUTION], in->timer_resolution);
		etl_cell_int(&c[TR_PERF_FREQ], in->perf_freq);
		etl_cell_int(&c[TR_CLOCK_TYPE], in->clock_type);
		etl_cell_int(&c[TR_START_TS], in->start_time);
		etl_cell_int(&c[TR_END_TS], in->end_time);
		etl_cell_int(&c[TR_BOOT_TS], in->boot_time);
		etl_cell_int(&c[TR_TZ_BIAS], in->time_zone.bias);
		text_or_null(&c[TR_TZ_STD_NAME], in->time_zone.standard_name);
		etl_cell_int(&c[TR_TZ_STD_BIAS], in->time_zone.standard_bias);
		text_or_null(&c[TR_TZ_DST_NAME], in->time_zone.daylight_name);
		etl_cell_int(&c[TR_TZ_DST_BIAS], in->time_zone.daylight_bias);
		etl_cell_int(&c[TR_EVENTS_LOST], in->events_lost);
		etl_cell_int(&c[TR_BUFFERS_LOST], in->buffers_lost);
		etl_cell_int(&c[TR_BUFFERS], (int64_t)in->buffers);
		etl_cell_int(&c[TR_COMPRESSED_BUFFERS], (int64_t)in->compressed_buffers);
		etl_cell_int(&c[TR_DAMAGED_BUFFERS], (int64_t)in->damaged_buffers);
		etl_cell_int(&c[TR_DAMAGED_RECORDS], (int64_t)in->damaged_records);
		etl_cell_int(&c[TR_LOST_BUFFER_FLAGS], (int64_t)in->lost_buffer_flags);
		etl_cell_int(&c[TR_EVENTS], (int64_t)f->events);
		etl_cell_int(&c[TR_DECODED], (int64_t)f->decoded);
		etl_cell_int(&c[TR_RAW], (int64_t)f->raw);
		if (f->first_ts >= 0) {
			etl_cell_int(&c[TR_FIRST_TS], f->first_ts);
			etl_cell_int(&c[TR_LAST_TS], f->last_ts);
		} else {
			etl_cell_null(&c[TR_FIRST_TS]);
			etl_cell_null(&c[TR_LAST_TS]);
		}
		etl_cell_str(&c[TR_IMPORT_TIME], te->import_time);
		etl_cell_str(&c[TR_ETLKIT_VERSION], ETLKIT_VERSION_STRING);
		etl_cell_str(&c[TR_STATUS], f->status);
		if (!row(w, &w->fixed[ETL_T_TRACES], c))
			return;
	}
}

static void emit_provider(etl_writer *w, const struct cv_provider *p)
{
	etl_cell c[PR_NCOLS];
	etl_cell_int(&c[PR_ID], p->id);
	etl_cell_str(&c[PR_GUID], p->guid);
	etl_cell_str(&c[PR_NAME], p->name);
	etl_cell_str(&c[PR_SCHEMA], p->schema);
	row(w, &w->fixed[ETL_T_PROVIDERS], c);
}

static void emit_table(etl_writer *w, etl_table *t)
{
	etl_status st = w->vt->create(w->sink, t);
	if (st != ETL_OK) {
		cons_fail(w, st, w->vt->errmsg(w->sink));
		return;
	}
	etl_cell c[TC_NCOLS];
	for (size_t i = 0; i < t->ncols; i++) {
		const etl_column *col = &t->cols[i];
		etl_cell_str(&c[TC_TABLE], t->name);
		etl_cell_int(&c[TC_POSITION], (int64_t)i);
		etl_cell_str(&c[TC_NAME], col->name);
		etl_cell_str(&c[TC_PROPERTY], col->property);
		etl_cell_str(&c[TC_TYPE], etl_coltype_name(col->type));
		etl_cell_str(&c[TC_SQL_TYPE], etl_coltype_sql(col->type));
		if (i) {
			etl_cell_int(&c[TC_IN_TYPE], col->in_type);
			etl_cell_int(&c[TC_OUT_TYPE], col->out_type);
		} else {
			etl_cell_null(&c[TC_IN_TYPE]);
			etl_cell_null(&c[TC_OUT_TYPE]);
		}
		if (!row(w, &w->fixed[ETL_T_TYPED_COLUMNS], c))
			return;
	}
}

static void emit_type(etl_writer *w, const struct cv_type *ty)
{
	etl_cell c[ET_NCOLS];
	etl_cell_int(&c[ET_ID], ty->id);
	etl_cell_int(&c[ET_PROVIDER_ID], ty->prov->id);
	etl_cell_str(&c[ET_PROVIDER], ty->prov->guid);
	etl_cell_int(&c[ET_EVENT_ID], ty->event_id);
	etl_cell_int(&c[ET_VERSION], ty->version);
	etl_cell_int(&c[ET_CHANNEL], ty->channel);
	etl_cell_int(&c[ET_LEVEL], ty->level);
	etl_cell_int(&c[ET_OPCODE], ty->opcode);
	etl_cell_int(&c[ET_TASK], ty->task);
	etl_cell_u64(&c[ET_KEYWORDS], ty->keywords);
	etl_cell_str(&c[ET_EVENT_NAME], ty->event_name);
	etl_cell_str(&c[ET_TASK_NAME], ty->task_name);
	etl_cell_str(&c[ET_OPCODE_NAME], ty->opcode_name);
	etl_cell_str(&c[ET_LEVEL_NAME], ty->level_name);
	etl_cell_str(&c[ET_CHANNEL_NAME], ty->channel_name);
	etl_cell_str(&c[ET_KEYWORDS_NAME], ty->keywords_name);
	etl_cell_str(&c[ET_MESSAGE], ty->message);
	etl_cell_str(&c[ET_SCHEMA], ty->schema);
	etl_cell_str(&c[ET_TABLE_NAME], ty->tab ? ty->tab->t->name : NULL);
	etl_cell_str(&c[ET_TYPE_KEY], ty->key);
	row(w, &w->fixed[ETL_T_EVENT_TYPES], c);
}

static void emit_error(etl_writer *w, const struct rec_error *r)
{
	etl_cell c[IE_NCOLS];
	char when[ETL_TIME_STRLEN];
	now_iso(when);
	const char *text = (const char *)(r + 1);
	etl_cell_int(&c[IE_ID], r->id);
	if (r->trace_id >= 0)
		etl_cell_int(&c[IE_TRACE_ID], r->trace_id);
	else
		etl_cell_null(&c[IE_TRACE_ID]);
	etl_cell_text(&c[IE_PATH], text, r->path_len);
	etl_cell_str(&c[IE_STAGE], r->stage);
	if (r->offset >= 0)
		etl_cell_int(&c[IE_OFFSET], r->offset);
	else
		etl_cell_null(&c[IE_OFFSET]);
	etl_cell_text(&c[IE_MESSAGE], text + r->path_len, r->msg_len);
	etl_cell_str(&c[IE_TIME], when);
	row(w, &w->fixed[ETL_T_IMPORT_ERRORS], c);
}

static void emit_meta(etl_writer *w)
{
	char when[ETL_TIME_STRLEN];
	now_iso(when);
	const char *kv[][2] = {
		{ "schema_version", ETL_LAYOUT_SCHEMA_VERSION },
		{ "etlkit_version", ETLKIT_VERSION_STRING },
		{ "created", when },
		{ "uint64", "unsigned 64-bit columns hold values above 2^63-1 as their two's complement" },
		{ "filetime", "ts and *_ts columns are FILETIME: 100 ns units since 1601-01-01 UTC" },
	};
	etl_cell c[META_NCOLS];
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
		etl_cell_str(&c[META_KEY], kv[i][0]);
		etl_cell_str(&c[META_VALUE], kv[i][1]);
		if (!row(w, &w->fixed[ETL_T_META], c))
			return;
	}
}

static void guid_cell(etl_cell *c, const etl_guid *g, char buf[ETL_GUID_STRLEN], bool has)
{
	if (!has) {
		etl_cell_null(c);
		return;
	}
	etl_guid_format(g, buf);
	etl_cell_text(c, buf, 36);
}

/* A stack: its frames as a JSON array of integers (two's complement above
 * 2^63-1, the rule of every uint64 column, so that they compare with
 * images.base). */
static void stack_row(etl_writer *w, int64_t rowid, const uint64_t *fr, size_t n)
{
	char *buf = scratch_for(w, 2 + 21 * n);
	if (!buf)
		return;
	char *o = buf;
	*o++ = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = ',';
		int64_t v = (int64_t)fr[i];
		uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		char tmp[24];
		int k = sizeof tmp;
		do {
			tmp[--k] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			tmp[--k] = '-';
		memcpy(o, tmp + k, sizeof tmp - (size_t)k);
		o += sizeof tmp - (size_t)k;
	}
	*o++ = ']';
	etl_cell c[ST_NCOLS];
	etl_cell_int(&c[ST_EVENT_ROWID], rowid);
	etl_cell_int(&c[ST_DEPTH], (int64_t)n);
	etl_cell_text(&c[ST_FRAMES], buf, (size_t)(o - buf));
	row(w, &w->fixed[ETL_T_STACKS], c);
}

static void consume_event(etl_writer *w, const struct rec_event *r)
{
	const struct rec_value *v = (const struct rec_value *)(r + 1);
	const char *json = (const char *)(v + r->nvalues);
	const uint8_t *raw = (const uint8_t *)json + r->json_len;
	const struct cv_type *ty = r->type;
	const struct tfile *tf = w->cons.nfiles ? &w->cons.files[r->file < w->cons.nfiles ? r->file : 0]
	                                        : NULL;
	int64_t trace_id = tf ? tf->trace_id : 0;
	char act[ETL_GUID_STRLEN], rel[ETL_GUID_STRLEN];

	if (w->flat) {
		etl_cell *c = cells_for(w, FL_NCOLS);
		if (!c)
			return;
		char gt[ETL_GUID_STRLEN];
		etl_cell_int(&c[FL_ID], r->rowid);
		etl_cell_int(&c[FL_TRACE_ID], trace_id);
		etl_cell_str(&c[FL_FILE], tf ? tf->path : NULL);
		etl_cell_int(&c[FL_TS], r->ts);
		memcpy(gt, ty->prov->guid, sizeof gt);
		etl_cell_text(&c[FL_PROVIDER], gt, 36);
		etl_cell_str(&c[FL_PROVIDER_NAME], ty->prov->name);
		etl_cell_str(&c[FL_EVENT_NAME], ty->event_name);
		etl_cell_str(&c[FL_TASK_NAME], ty->task_name);
		etl_cell_str(&c[FL_OPCODE_NAME], ty->opcode_name);
		etl_cell_int(&c[FL_EVENT_ID], r->event_id);
		etl_cell_int(&c[FL_VERSION], r->version);
		etl_cell_int(&c[FL_CHANNEL], r->channel);
		etl_cell_int(&c[FL_LEVEL], r->level);
		etl_cell_int(&c[FL_OPCODE], r->opcode);
		etl_cell_int(&c[FL_TASK], r->task);
		etl_cell_u64(&c[FL_KEYWORDS], r->keywords);
		cell_id(&c[FL_PID], r->pid);
		cell_id(&c[FL_TID], r->tid);
		etl_cell_int(&c[FL_CPU], r->cpu);
		guid_cell(&c[FL_ACTIVITY_ID], &r->act, act, r->has_act);
		guid_cell(&c[FL_RELATED_ACTIVITY_ID], &r->rel, rel, r->has_rel);
		etl_cell_str(&c[FL_SCHEMA], ty->schema);
		etl_cell_int(&c[FL_PAYLOAD_SIZE], r->payload_size);
		etl_cell_int(&c[FL_DECODED], r->decoded);
		if (r->raw_len || !r->decoded || (w->opt.flags & ETL_WRITER_RAW))
			etl_cell_blob(&c[FL_PAYLOAD], raw, r->raw_len);
		else
			etl_cell_null(&c[FL_PAYLOAD]);
		if (r->json_len)
			etl_cell_text(&c[FL_PROPS], json, r->json_len);
		else
			etl_cell_text(&c[FL_PROPS], "{}", 2);
		row(w, &w->flat_events, c);
		return;
	}

	etl_cell ec[EV_NCOLS];
	etl_cell_int(&ec[EV_ID], r->rowid);
	etl_cell_int(&ec[EV_TRACE_ID], trace_id);
	etl_cell_int(&ec[EV_TS], r->ts);
	etl_cell_int(&ec[EV_TYPE_ID], ty->id);
	cell_id(&ec[EV_PID], r->pid);
	cell_id(&ec[EV_TID], r->tid);
	etl_cell_int(&ec[EV_CPU], r->cpu);
	etl_cell_int(&ec[EV_LEVEL], r->level);
	etl_cell_u64(&ec[EV_KEYWORDS], r->keywords);
	guid_cell(&ec[EV_ACTIVITY_ID], &r->act, act, r->has_act);
	guid_cell(&ec[EV_RELATED_ACTIVITY_ID], &r->rel, rel, r->has_rel);
	etl_cell_int(&ec[EV_PAYLOAD_SIZE], r->payload_size);
	etl_cell_int(&ec[EV_DECODED], r->decoded);
	if (r->raw_len || !r->decoded || (w->opt.flags & ETL_WRITER_RAW))
		etl_cell_blob(&ec[EV_PAYLOAD], raw, r->raw_len);
	else
		etl_cell_null(&ec[EV_PAYLOAD]);
	if (!row(w, &w->fixed[ETL_T_EVENTS], ec))
		return;

	if (ty->tab) {
		etl_table *t = ty->tab->t;
		etl_cell *c = cells_for(w, t->ncols);
		char *scratch = scratch_for(w, r->json_len + 1);
		if (!c || !scratch)
			return;
		etl_cell_int(&c[0], r->rowid);
		for (size_t i = 1; i < t->ncols; i++)
			etl_cell_null(&c[i]);
		for (size_t i = 0; i < r->nvalues; i++) {
			if (v[i].col >= t->ncols)
				continue;
			etl_layout_cell(t->cols[v[i].col].type, (etl_value_kind)v[i].kind, json + v[i].off,
			                v[i].len, &c[v[i].col], &scratch);
		}
		if (!row(w, t, c))
			return;
		if (ty->kind != K_NONE)
			derive(w, r, c, trace_id);
	}

	if (r->nframes) {
		const uint64_t *fr = (const uint64_t *)((const char *)r +
			align8(sizeof *r + r->nvalues * sizeof *v + r->json_len + r->raw_len));
		stack_row(w, r->rowid, fr, r->nframes);
	}
}

static void consume_batch(etl_writer *w, struct batch *b)
{
	size_t off = 0;
	while (off < b->len) {
		const struct rec *h = (const struct rec *)(b->p + off);
		off += h->size;
		if (w->cons.status != ETL_OK)
			continue;
		switch (h->kind) {
		case R_EVENT: {
			consume_event(w, (const struct rec_event *)h);
			break;
		}
		case R_STACK: {
			const struct rec_stack *r = (const struct rec_stack *)h;
			stack_row(w, r->rowid, (const uint64_t *)(r + 1), r->nframes);
			break;
		}
		case R_BEGIN: {
			const struct trace_ctx *tc = ((const struct rec_ptr *)h)->p;
			w->cons.files = tc ? tc->files : NULL;
			w->cons.nfiles = tc ? tc->n : 0;
			etl_status st = w->vt->begin(w->sink);
			if (st != ETL_OK)
				cons_fail(w, st, w->vt->errmsg(w->sink));
			break;
		}
		case R_COMMIT: {
			etl_status st = w->vt->commit(w->sink);
			if (st != ETL_OK)
				cons_fail(w, st, w->vt->errmsg(w->sink));
			break;
		}
		case R_ABORT: {
			derive_flush(w, !w->vt->can_rollback);
			etl_status st = w->vt->can_rollback ? w->vt->rollback(w->sink)
			                                    : w->vt->commit(w->sink);
			if (st != ETL_OK)
				cons_fail(w, st, w->vt->errmsg(w->sink));
			break;
		}
		case R_TRACE_END: {
			const struct rec_ptr *r = (const struct rec_ptr *)h;
			derive_flush(w, true);
			if (!w->flat)
				emit_trace_rows(w, r->p);
			if (w->cons.status != ETL_OK)
				break;
			etl_status st = w->vt->commit(w->sink);
			if (st != ETL_OK)
				cons_fail(w, st, w->vt->errmsg(w->sink));
			break;
		}
		case R_PROVIDER:
			if (!w->flat)
				emit_provider(w, ((const struct rec_ptr *)h)->p);
			break;
		case R_TABLE:
			if (!w->flat)
				emit_table(w, ((const struct rec_ptr *)h)->p);
			break;
		case R_TYPE:
			if (!w->flat)
				emit_type(w, ((const struct rec_ptr *)h)->p);
			break;
		case R_ERROR:
			if (!w->flat)
				emit_error(w, (const struct rec_error *)h);
			break;
		case R_META:
			if (!w->flat)
				emit_meta(w);
			break;
		default:
			break;
		}
	}
}

/* ---- API -------------------------------------------------------------------------------------- */

etl_status etl_writer_open(const char *format, const char *path, const etl_writer_options *opt,
                           etl_writer **out, char *errbuf, size_t errsz)
{
	char dummy[8];
	if (!errbuf || !errsz) {
		errbuf = dummy;
		errsz = sizeof dummy;
	}
	errbuf[0] = 0;
	if (!out || !format || !path) {
		etl_msg(errbuf, errsz, "invalid argument");
		return ETL_ERR_ARG;
	}
	*out = NULL;
	const etl_tsink_vtable *vt = NULL;
	if (!strcmp(format, "sqlite"))
		vt = &etl_tsink_sqlite;
	else if (!strcmp(format, "csv.gz"))
		vt = &etl_tsink_csvgz;
	if (!vt) {
		etl_msg(errbuf, errsz, "unknown output format '%s' (sqlite or csv.gz)", format);
		return ETL_ERR_UNSUPPORTED;
	}
	etl_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		etl_msg(errbuf, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	w->pipe.cur = -1;
	if (opt)
		w->opt = *opt;
	if (w->opt.level < 0 || w->opt.level > 9) {
		etl_msg(errbuf, errsz, "compression level %d out of range 1..9", w->opt.level);
		free(w);
		return ETL_ERR_ARG;
	}
	if (!w->opt.level)
		w->opt.level = 6;
	if (!w->opt.jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		w->opt.jobs = n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
	}
	w->flat = (w->opt.flags & ETL_WRITER_FLAT) != 0;
	if (w->flat && vt != &etl_tsink_csvgz) {
		etl_msg(errbuf, errsz, "flat output exists for csv.gz only");
		free(w);
		return ETL_ERR_ARG;
	}
	w->vt = vt;
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++)
		w->fixed[i] = *etl_layout_fixed(i);
	w->flat_events = *etl_layout_fixed(ETL_T_FLAT_EVENTS);
	etl_preload pre = { w, pre_trace, pre_provider, pre_type, pre_name, false, 1, 1, 1, 1, 1 };
	etl_status st = vt->open(&w->sink, path, &w->opt, &pre, errbuf, errsz);
	if (st != ETL_OK) {
		w->sink = NULL;
		etl_writer_close(w, 0);
		return st;
	}
	w->next_event = pre.next_event;
	w->next_trace = pre.next_trace;
	w->next_type = pre.next_type;
	w->next_provider = pre.next_provider;
	w->next_error = pre.next_error;
	for (int i = 0; i < ETL_T_FIXED_COUNT && !w->flat && st == ETL_OK; i++)
		st = vt->declare(w->sink, &w->fixed[i]);
	if (w->flat && st == ETL_OK)
		st = vt->declare(w->sink, &w->flat_events);
	if (st != ETL_OK) {
		etl_msg(errbuf, errsz, "%s", vt->errmsg(w->sink));
		etl_writer_close(w, 0);
		return st;
	}
	if (!pipe_init(w, w->opt.jobs > 1)) {
		etl_msg(errbuf, errsz, "out of memory");
		etl_writer_close(w, 0);
		return ETL_ERR_NOMEM;
	}
	if (pre.fresh && !w->flat) {
		put_simple(w, R_BEGIN, NULL);
		put_simple(w, R_META, NULL);
		put_simple(w, R_COMMIT, NULL);
		pipe_drain(w);
		if ((st = consumer_status(w)) != ETL_OK) {
			etl_msg(errbuf, errsz, "%s", w->err);
			etl_writer_close(w, 0);
			return st;
		}
	}
	*out = w;
	return ETL_OK;
}

etl_status etl_writer_add_trace(etl_writer *w, const char *const *paths, size_t n,
                                etl_schemas *schemas, etl_writer_result *res)
{
	etl_writer_result dummy;
	if (!res) {
		memset(&dummy, 0, sizeof dummy);
		res = &dummy;
	}
	if (!w || (n && !paths))
		return ETL_ERR_ARG;
	if (w->broken)
		return w->broken_status;
	etl_status st = convert_files(w, paths, paths, n, schemas, res);
	if (st != ETL_OK && !w->broken) {
		w->broken = true;
		w->broken_status = st;
	}
	return st;
}

etl_status etl_writer_add_file_as(etl_writer *w, const char *path, const char *name,
                                  etl_schemas *schemas, etl_writer_result *res)
{
	etl_writer_result dummy;
	if (!res) {
		memset(&dummy, 0, sizeof dummy);
		res = &dummy;
	}
	if (!w || !path)
		return ETL_ERR_ARG;
	if (!name)
		name = path;
	if (w->broken)
		return w->broken_status;
	if (strcmp(path, name) != 0) {
		w->alias_real = path;
		w->alias_name = name;
	}
	etl_status st = convert_files(w, &path, &name, 1, schemas, res);
	w->alias_real = w->alias_name = NULL;
	if (st != ETL_OK && !w->broken) {
		w->broken = true;
		w->broken_status = st;
	}
	return st;
}

etl_status etl_writer_close(etl_writer *w, int commit)
{
	if (!w)
		return ETL_OK;
	etl_status st = ETL_OK;
	if (w->pipe.nfree || w->pipe.cur >= 0) {
		pipe_drain(w);
		consumer_status(w);
	}
	pipe_destroy(w);
	if (w->broken && commit) {
		st = w->broken_status;
		commit = 0;
	}
	derive_flush(w, false);
	if (w->sink) {
		char err[1024];
		etl_status cs = w->vt->close(w->sink, commit != 0, err, sizeof err);
		if (cs != ETL_OK && st == ETL_OK) {
			st = cs;
			etl_msg(w->err, sizeof w->err, "%s", err);
		}
	}
	for (int k = 0; k < 4; k++)
		free(w->cons.ents[k].b);
	free(w->cons.cells);
	free(w->cons.scratch);
	smap_free(&w->providers, free_provider);
	smap_free(&w->types, free_type);
	smap_free(&w->tables, free_tab);
	smap_free(&w->used, NULL);
	smap_free(&w->pre_types, free_pre_type);
	smap_free(&w->shas, NULL);
	free(w);
	return st;
}

const char *etl_writer_errmsg(const etl_writer *w)
{
	return w ? w->err : "";
}
