/*
 * decode.c - the decoder: finds each event's schema (decoding.md §1.3), walks
 * its payload with the schema's flat property array (§2.4) and renders the
 * values as one JSON object (DESIGN.md §5, the TdhFormatProperty equivalent).
 *
 * Speed: schemas are looked up once per event type and cached here in a hash
 * table keyed by (provider, id, version, opcode, header family); TraceLogging
 * schemas are cached by their metadata bytes.  Values are written straight
 * into one reused string buffer; nothing is allocated per event.
 *
 * Robustness: counts and lengths from the payload are clamped to what is left
 * of it; a payload that ends early stops the walk; a payload longer than its
 * schema keeps the decoded properties but is marked incomplete so the raw
 * bytes are kept too.  Nesting is bounded by ETL_SCHEMA_MAX_DEPTH.
 */
#define ETLKIT_INTERNAL
#include "decode.h"
#include "lznt1.h"
#include "sink.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Plans kept (and the bytes of their TraceLogging schemas and keys) before
 * the cache starts over */
#define CACHE_MAX_ENTRIES (1u << 16)
#define CACHE_MAX_BYTES ((size_t)64 << 20)
#define THREAD_MAP_MAX (1u << 20)
#define MAX_ARRAY_ELEMENTS (1u << 20)
/* Work bounds of one walk over a payload: properties and array elements
 * visited (all nesting levels together) and JSON bytes written.  Elements
 * that take no payload bytes (structs without members, empty binaries) let
 * nested constant counts multiply to billions, and long names repeat in
 * every element; a payload holds < 64 KiB, so legitimate events stay far
 * below both. */
#define MAX_WALK_STEPS (1u << 20)
#define MAX_WALK_JSON ((size_t)64 << 20)

static const etl_guid eventmetadata_guid = {
	0xbbccf6c1, 0x6cd1, 0x48c4, { 0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71 }
};
static const etl_guid winsat_guid = {
	0xed54dff8, 0xc409, 0x4cf6, { 0xbf, 0x83, 0x05, 0xe1, 0xe6, 0x1a, 0x09, 0xc4 }
};
#define WINSAT_MAX_XML (16u << 20)
static const etl_guid thread_guid = {
	0x3d6fa8d1, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c }
};

/* ---- caches --------------------------------------------------------------------- */

struct plan {
	/* key */
	etl_guid provider;
	uint16_t id;
	uint8_t version, opcode, family, used;
	uint32_t meta_hash;      /* TraceLogging: hash of the metadata */
	const uint8_t *meta;     /* TraceLogging: copy of the metadata (arena) */
	uint16_t meta_len;
	/* value */
	const etl_schema *schema;
	bool fallback;
	int16_t tid_prop, pid_prop; /* top-level props naming the thread / process */
	const char *provider_name;  /* the store's name for the provider */
	const char **keys;          /* per property: its name as a JSON key, "name": */
	uint16_t *key_lens;
	uint8_t *fast;              /* per property: its FAST_* form, or 0 */
	/* the provider, event, task and opcode names decoding gives, as JSON
	 * strings (etl_decoded.json_names); json_names[0] NULL when not made */
	const char *json_names[4];
	uint16_t json_lens[4];
	/* payload size of a flat schema -- only fixed-size scalars at the top --
	 * for 4- and 8-byte pointers; 0 when the schema is not flat */
	uint32_t flat_size[2];
	/* for tid_prop and pid_prop and each pointer size, when only
	 * fixed-size scalars come before it and it is an integer: its offset
	 * and size (0 otherwise); see payload_ids() */
	uint32_t id_off[2][2];
	uint8_t id_size[2][2];
};

struct plan_table {
	struct plan *slots;
	size_t cap, used;
};

struct tmap_entry {
	uint32_t tid, pid;
};

struct etl_decoder {
	etl_schemas *schemas;
	etl_arena *arena;        /* TraceLogging schemas and metadata copies */
	struct plan_table plans;
	struct tmap_entry *tmap;  /* tid -> pid, open addressing; tid 0 = empty */
	size_t tmap_cap, tmap_used;
	struct tmap_entry tmap_last; /* the last pair put, known to be in the map */
	etl_eventsource *es;
	bool prescanned;
	bool note_values;        /* keep etl_decoded_values(); forks for sinks do not */
	uint64_t *ints;          /* last integer value per property index */
	size_t ints_cap;
	etl_decoded out;
	char err[256];
	etl_strbuf tmp;
	size_t walk_steps;       /* properties and elements of the current walk */
	uint8_t *inflate;        /* WinSat XML after LZNT1 */
	size_t inflate_cap;
};

enum { FAM_MANIFEST = 1, FAM_CLASSIC = 2, FAM_TL = 3 };

/* Hashing eight bytes a step: every event looks its plan up, and
 * TraceLogging events hash their metadata to do so. */
static inline uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 32;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n, uint64_t h)
{
	h = hash_mix(h, n);
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = hash_mix(h, v);
	}
	if (n) {
		uint64_t v = 0;
		memcpy(&v, p, n);
		h = hash_mix(h, v);
	}
	return (uint32_t)h;
}

static uint32_t plan_hash(const etl_guid *g, uint16_t id, uint8_t ver, uint8_t op,
                          uint8_t fam, uint32_t meta_hash)
{
	uint64_t a, b;
	memcpy(&a, g, 8);
	memcpy(&b, (const uint8_t *)g + 8, 8);
	uint64_t k = (uint64_t)id | (uint64_t)ver << 16 | (uint64_t)op << 24 |
	             (uint64_t)fam << 32 | (uint64_t)meta_hash << 40;
	return (uint32_t)hash_mix(hash_mix(hash_mix(0x2545f4914f6cdd1dull, a), b), k ^ meta_hash);
}

static bool plan_grow(struct plan_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 256;
	struct plan *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		struct plan *p = &t->slots[i];
		if (!p->used)
			continue;
		size_t j = plan_hash(&p->provider, p->id, p->version, p->opcode, p->family,
		                     p->meta_hash) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = *p;
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return true;
}

/* Finds the slot for a key; *found tells whether it holds that key. */
static struct plan *plan_slot(struct plan_table *t, const etl_guid *g, uint16_t id,
                              uint8_t ver, uint8_t op, uint8_t fam, uint32_t mh,
                              const uint8_t *meta, uint16_t mlen, bool *found)
{
	if ((t->used + 1) * 4 >= t->cap * 3 && !plan_grow(t))
		return NULL;
	size_t j = plan_hash(g, id, ver, op, fam, mh) & (t->cap - 1);
	for (;;) {
		struct plan *p = &t->slots[j];
		if (!p->used) {
			*found = false;
			return p;
		}
		if (p->family == fam && p->id == id && p->version == ver && p->opcode == op &&
		    p->meta_hash == mh && !memcmp(&p->provider, g, sizeof *g) &&
		    (fam != FAM_TL || (p->meta_len == mlen && !memcmp(p->meta, meta, mlen)))) {
			*found = true;
			return p;
		}
		j = (j + 1) & (t->cap - 1);
	}
}

/* ---- thread -> process map ------------------------------------------------------ */

static void tmap_put(etl_decoder *d, uint32_t tid, uint32_t pid)
{
	if (tid == 0 || tid == ETL_NO_ID || pid == ETL_NO_ID)
		return;
	if (tid == d->tmap_last.tid && pid == d->tmap_last.pid)
		return; /* what the last event taught: still there */
	d->tmap_last.tid = 0;    /* (tid 0 is never put) until the pair is in */
	if ((d->tmap_used + 1) * 2 >= d->tmap_cap && d->tmap_cap >= THREAD_MAP_MAX) {
		/* full: start over rather than grow or stop learning.  Thread ids
		 * are reused, and every event whose header has both ids (most of
		 * them) teaches the map again, so only a thread that has shown no
		 * such event since stays unresolved for a while */
		memset(d->tmap, 0, d->tmap_cap * sizeof(*d->tmap));
		d->tmap_used = 0;
	}
	if ((d->tmap_used + 1) * 2 >= d->tmap_cap) {
		size_t ncap = d->tmap_cap ? d->tmap_cap * 2 : 1024;
		struct tmap_entry *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return;
		for (size_t i = 0; i < d->tmap_cap; i++) {
			if (!d->tmap[i].tid)
				continue;
			size_t j = (d->tmap[i].tid * 2654435761u) & (ncap - 1);
			while (ns[j].tid)
				j = (j + 1) & (ncap - 1);
			ns[j] = d->tmap[i];
		}
		free(d->tmap);
		d->tmap = ns;
		d->tmap_cap = ncap;
	}
	size_t j = (tid * 2654435761u) & (d->tmap_cap - 1);
	while (d->tmap[j].tid && d->tmap[j].tid != tid)
		j = (j + 1) & (d->tmap_cap - 1);
	if (!d->tmap[j].tid)
		d->tmap_used++;
	d->tmap[j].tid = tid;
	d->tmap[j].pid = pid;
	d->tmap_last = d->tmap[j];
}

static uint32_t tmap_get(const etl_decoder *d, uint32_t tid)
{
	if (tid == 0)
		return 0; /* the idle threads, all of process 0 */
	if (!d->tmap_cap || tid == ETL_NO_ID)
		return ETL_NO_ID;
	size_t j = (tid * 2654435761u) & (d->tmap_cap - 1);
	while (d->tmap[j].tid) {
		if (d->tmap[j].tid == tid)
			return d->tmap[j].pid;
		j = (j + 1) & (d->tmap_cap - 1);
	}
	return ETL_NO_ID;
}

/* ---- lifetime ------------------------------------------------------------------- */

etl_status etl_decoder_new(etl_schemas *s, etl_decoder **out)
{
	if (!out)
		return ETL_ERR_ARG;
	*out = NULL;
	etl_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return ETL_ERR_NOMEM;
	d->schemas = s;
	d->note_values = true;
	d->arena = etl_arena_new();
	d->es = etl_eventsource_new();
	if (!d->arena || !d->es) {
		etl_decoder_free(d);
		return ETL_ERR_NOMEM;
	}
	*out = d;
	return ETL_OK;
}

void etl_decoder_free(etl_decoder *d)
{
	if (!d)
		return;
	etl_arena_free(d->arena);
	etl_eventsource_free(d->es);
	free(d->plans.slots);
	free(d->tmap);
	free(d->ints);
	free(d->inflate);
	etl_strbuf_free(&d->out.props);
	free(d->out.values);
	free(d->out.pub);
	etl_strbuf_free(&d->tmp);
	free(d);
}

/* ---- in-trace schema sources ------------------------------------------------------ */

static bool is_eventsource_manifest(const etl_event *ev)
{
	return (ev->header == ETL_HDR_EVENT32 || ev->header == ETL_HDR_EVENT64) &&
	       ev->id == 0xFFFE && ev->opcode == 0xFE;
}

static bool is_event_metadata(const etl_event *ev)
{
	return (ev->header == ETL_HDR_FULL32 || ev->header == ETL_HDR_FULL64) &&
	       etl_guid_equal(&ev->provider, &eventmetadata_guid);
}

/* Feeds the schema sources an event may carry; failures of in-trace metadata
 * only mean that some events stay undecoded, so they are not errors. */
static void feed_sources(etl_decoder *d, const etl_event *ev)
{
	if (!d->schemas)
		return;
	if (is_eventsource_manifest(ev)) {
		etl_eventsource_feed(d->es, d->schemas, &ev->provider, ev->pid, ev->tid, ev->data,
		                     ev->size, d->err, sizeof d->err);
	} else if (is_event_metadata(ev)) {
		if (ev->opcode == 32)
			etl_tei_add_event_info(d->schemas, ev->data, ev->size, d->err, sizeof d->err);
		else if (ev->opcode == 33)
			etl_tei_add_map_info(d->schemas, ev->data, ev->size, d->err, sizeof d->err);
	}
}

/* The records feed_sources() wants, told from their raw bytes: EventSource
 * manifest chunks (EVENT header, id 0xFFFE, opcode 0xFE) and EventMetadata
 * (FULL header and its GUID).  The prescan steps over all others. */
static bool prescan_keep(const uint8_t *rec, size_t size)
{
	uint8_t type = rec[2];
	if (type == 0x12 || type == 0x13)
		return size >= 0x50 && etl_le16(rec + 40) == 0xFFFE && rec[45] == 0xFE;
	if (type == 0x0A || type == 0x14) {
		etl_guid g;
		if (size < 0x30)
			return false;
		etl_read_guid(rec + 24, &g);
		return etl_guid_equal(&g, &eventmetadata_guid);
	}
	return false;
}

etl_status etl_decoder_prescan(etl_decoder *d, etl_trace *t)
{
	if (!d || !t)
		return ETL_ERR_ARG;
	const etl_event *ev;
	etl_status st;
	etl_trace_set_quiet(t, true);
	etl_trace_set_scan(t, prescan_keep);
	while ((st = etl_trace_next(t, &ev)) == ETL_OK)
		feed_sources(d, ev);
	etl_trace_set_scan(t, NULL);
	etl_trace_set_quiet(t, false);
	if (st != ETL_EOF)
		return st;
	/* schemas may have changed: forget what was looked up */
	if (d->plans.slots)
		memset(d->plans.slots, 0, d->plans.cap * sizeof(*d->plans.slots));
	d->plans.used = 0;
	d->prescanned = true;
	return etl_trace_rewind(t);
}

/* ---- schema lookup ------------------------------------------------------------------ */

static const etl_ext_item *find_ext(const etl_event *ev, uint16_t type)
{
	for (size_t i = 0; i < ev->ext_count; i++)
		if (ev->ext[i].type == type)
			return &ev->ext[i];
	return NULL;
}

static const char *provider_name(etl_decoder *d, const etl_guid *g)
{
	if (!d->schemas)
		return NULL;
	etl_schemas_lock(d->schemas);
	const char *name = etl_schemas_provider_name(d->schemas, g);
	etl_schemas_unlock(d->schemas);
	return name;
}

static int16_t find_prop(const etl_schema *s, const char *const *names)
{
	if (!s)
		return -1;
	for (uint16_t i = 0; i < s->top_count && i < s->prop_count; i++) {
		const etl_prop *p = &s->props[i];
		if (!p->name || (p->flags & ETL_PF_STRUCT))
			continue;
		for (const char *const *n = names; *n; n++)
			if (!strcmp(p->name, *n))
				return (int16_t)i;
	}
	return -1;
}

/* Every property's `"name":` rendered once per event type, so that the hot
 * loop copies keys instead of escaping names. */
static bool compile_keys(etl_decoder *d, struct plan *p)
{
	const etl_schema *sc = p->schema;
	if (!sc->prop_count)
		return true;
	p->keys = etl_arena_alloc(d->arena, sc->prop_count * sizeof(*p->keys));
	p->key_lens = etl_arena_alloc(d->arena, sc->prop_count * sizeof(*p->key_lens));
	if (!p->keys || !p->key_lens)
		return false;
	etl_strbuf k = { 0 };
	for (uint16_t i = 0; i < sc->prop_count; i++) {
		const char *name = sc->props[i].name ? sc->props[i].name : "";
		k.len = 0;
		etl_put_json_string(&k, name, strlen(name));
		etl_strbuf_putc(&k, ':');
		if (k.failed || k.len > UINT16_MAX) {
			etl_strbuf_free(&k);
			return false;
		}
		p->keys[i] = etl_arena_strndup(d->arena, k.p, k.len);
		p->key_lens[i] = (uint16_t)k.len;
		if (!p->keys[i]) {
			etl_strbuf_free(&k);
			return false;
		}
	}
	etl_strbuf_free(&k);
	return true;
}

/* The names an event of plan p decodes with, as JSON strings, so that sinks
 * copy them instead of escaping them for every event.  Leaves them unmade
 * when memory runs out. */
static void compile_names(etl_decoder *d, struct plan *p)
{
	const etl_schema *sc = p->schema;
	const char *names[4] = { p->provider_name, NULL, NULL, NULL };
	if (sc) {
		if (sc->provider_name)
			names[0] = sc->provider_name;
		names[1] = sc->event_name;
		names[2] = sc->task_name;
		names[3] = sc->opcode_name;
	}
	etl_strbuf k = { 0 };
	for (int i = 0; i < 4; i++) {
		k.len = 0;
		if (names[i])
			etl_put_json_string(&k, names[i], strlen(names[i]));
		else
			etl_strbuf_lit(&k, "null");
		const char *copy = k.failed || k.len > UINT16_MAX ? NULL
		                                                 : etl_arena_strndup(d->arena, k.p, k.len);
		if (!copy) {
			p->json_names[0] = NULL;
			break;
		}
		p->json_names[i] = copy;
		p->json_lens[i] = (uint16_t)k.len;
	}
	etl_strbuf_free(&k);
}

/* How an integer property prints when it is plain decimal or quoted hex --
 * most of them -- with no map: the low bits say how, the high bits the size
 * (0: pointer); 0 for the other out-types, which put_integer() renders.
 * Plans keep it per property so that fast_scalar() skips decode_scalar()'s
 * dispatch. */
enum { FAST_DEC = 1, FAST_SIGNED = 2, FAST_HEX = 3,
       FAST_ALONE = 8 /* neither array nor custom: decode_props() skips decode_prop() */ };

static uint8_t fast_form(const etl_prop *pr)
{
	unsigned size;
	bool is_signed = false;
	switch (pr->in_type) {
	case ETL_IN_INT8: size = 1; is_signed = true; break;
	case ETL_IN_UINT8: size = 1; break;
	case ETL_IN_INT16: size = 2; is_signed = true; break;
	case ETL_IN_UINT16: size = 2; break;
	case ETL_IN_INT32: size = 4; is_signed = true; break;
	case ETL_IN_UINT32: case ETL_IN_HEXINT32: size = 4; break;
	case ETL_IN_INT64: size = 8; is_signed = true; break;
	case ETL_IN_UINT64: case ETL_IN_HEXINT64: size = 8; break;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: size = 0; break;
	default: return 0;
	}
	switch (pr->out_type) {
	case ETL_OUT_HEXINT8: case ETL_OUT_HEXINT16: case ETL_OUT_HEXINT32:
	case ETL_OUT_HEXINT64: case ETL_OUT_CODE_POINTER:
		return (uint8_t)(FAST_HEX | size << 4);
	case ETL_OUT_ERRORCODE: case ETL_OUT_WIN32ERROR: case ETL_OUT_NTSTATUS:
	case ETL_OUT_HRESULT: case ETL_OUT_BOOLEAN: case ETL_OUT_PORT: case ETL_OUT_IPV4:
		return 0;
	case ETL_OUT_STRING:
		if (size == 1 || size == 2)
			return 0;   /* a character */
		break;
	default:
		break;
	}
	if (pr->in_type == ETL_IN_POINTER || pr->in_type == ETL_IN_MOF_SIZET ||
	    ((pr->in_type == ETL_IN_HEXINT32 || pr->in_type == ETL_IN_HEXINT64) &&
	     pr->out_type == ETL_OUT_NULL))
		return (uint8_t)(FAST_HEX | size << 4);
	return (uint8_t)((is_signed ? FAST_SIGNED : FAST_DEC) | size << 4);
}

static bool compile_fast(etl_decoder *d, struct plan *p)
{
	const etl_schema *sc = p->schema;
	if (!sc->prop_count)
		return true;
	if (!(p->fast = etl_arena_alloc(d->arena, sc->prop_count)))
		return false;
	for (uint16_t i = 0; i < sc->prop_count; i++) {
		const etl_prop *pr = &sc->props[i];
		uint8_t f = (pr->flags & ETL_PF_STRUCT) ? 0 : fast_form(pr);
		if (f && !(pr->flags & (ETL_PF_CUSTOM | ETL_PF_COUNT_PREFIX | ETL_PF_PARAM_COUNT |
		                        ETL_PF_TO_END | ETL_PF_FIXED_COUNT)) && pr->count <= 1)
			f |= FAST_ALONE;
		p->fast[i] = f;
	}
	return true;
}

/* Bytes of a top-level property that decode_scalar() always reads whole,
 * without a count, length, map-free or not; 0 for anything else. */
static unsigned flat_prop_size(const etl_prop *pr, unsigned ptr)
{
	if ((pr->flags & (ETL_PF_STRUCT | ETL_PF_PARAM_LENGTH | ETL_PF_PARAM_COUNT |
	                  ETL_PF_FIXED_COUNT | ETL_PF_COUNT_PREFIX | ETL_PF_TO_END |
	                  ETL_PF_CUSTOM)) || pr->count > 1)
		return 0;
	switch (pr->in_type) {
	case ETL_IN_INT8: case ETL_IN_UINT8: return 1;
	case ETL_IN_INT16: case ETL_IN_UINT16: return 2;
	case ETL_IN_INT32: case ETL_IN_UINT32: case ETL_IN_HEXINT32: case ETL_IN_FLOAT:
	case ETL_IN_BOOLEAN: return 4;
	case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_HEXINT64: case ETL_IN_DOUBLE:
	case ETL_IN_FILETIME: return 8;
	case ETL_IN_GUID: return 16;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: return ptr;
	default: return 0;
	}
}

/* Where the properties naming the thread and process lie when only
 * fixed-size scalars precede them (struct plan.id_off). */
static void compile_ids(struct plan *p)
{
	const etl_schema *sc = p->schema;
	for (int k = 0; k < 2; k++) {
		int16_t prop = k ? p->pid_prop : p->tid_prop;
		for (int pi = 0; pi < 2; pi++) {
			unsigned ptr = pi ? 8 : 4, off = 0;
			p->id_size[k][pi] = 0;
			for (int16_t i = 0; i <= prop; i++) {
				const etl_prop *pr = &sc->props[i];
				unsigned n = flat_prop_size(pr, ptr);
				if (!n)
					break;
				if (i == prop && pr->in_type != ETL_IN_FLOAT && pr->in_type != ETL_IN_DOUBLE &&
				    pr->in_type != ETL_IN_FILETIME && pr->in_type != ETL_IN_GUID) {
					p->id_off[k][pi] = off;
					p->id_size[k][pi] = (uint8_t)n;
				}
				off += n;
			}
		}
	}
}

/* A flat schema's payload sizes (struct plan.flat_size). */
static void compile_flat(struct plan *p)
{
	const etl_schema *sc = p->schema;
	p->flat_size[0] = p->flat_size[1] = 0;
	if ((sc->flags & ETL_SF_STOP_AFTER) || !sc->top_count || sc->top_count > sc->prop_count)
		return;
	uint32_t n4 = 0, n8 = 0;
	for (uint16_t i = 0; i < sc->top_count; i++) {
		unsigned a = flat_prop_size(&sc->props[i], 4), b = flat_prop_size(&sc->props[i], 8);
		if (!a || !b)
			return;
		n4 += a;
		n8 += b;
	}
	p->flat_size[0] = n4;
	p->flat_size[1] = n8;
}

static const struct plan *lookup(etl_decoder *d, const etl_event *ev)
{
	uint8_t fam;
	uint16_t id = 0;
	uint8_t ver = ev->version, op = 0;
	uint32_t mh = 0;
	const uint8_t *meta = NULL;
	uint16_t mlen = 0;
	const etl_ext_item *tl = NULL;
	switch (ev->header) {
	case ETL_HDR_EVENT32:
	case ETL_HDR_EVENT64:
		tl = find_ext(ev, ETL_EXT_EVENT_SCHEMA_TL);
		if (tl) {
			fam = FAM_TL;
			meta = tl->data;
			mlen = tl->size;
			mh = hash_bytes(meta, mlen, 0x2545f4914f6cdd1dull);
			ver = 0;
		} else {
			fam = FAM_MANIFEST;
			id = ev->id;
		}
		break;
	case ETL_HDR_MESSAGE:
		return NULL;
	default:
		fam = FAM_CLASSIC;
		op = ev->opcode;
		break;
	}
	bool found;
	struct plan *p = plan_slot(&d->plans, &ev->provider, id, ver, op, fam, mh, meta, mlen,
	                           &found);
	if (!p)
		return NULL;
	if (found)
		return p;
	if (d->plans.used >= CACHE_MAX_ENTRIES || etl_arena_used(d->arena) > CACHE_MAX_BYTES) {
		/* a trace with endless distinct TraceLogging layouts: forget every
		 * plan and its arena rather than grow without bound */
		etl_arena *fresh = etl_arena_new();
		if (!fresh)
			return NULL;
		etl_arena_free(d->arena);
		d->arena = fresh;
		memset(d->plans.slots, 0, d->plans.cap * sizeof(*d->plans.slots));
		d->plans.used = 0;
		p = plan_slot(&d->plans, &ev->provider, id, ver, op, fam, mh, meta, mlen, &found);
		if (!p)
			return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->provider = ev->provider;
	p->id = id;
	p->version = ver;
	p->opcode = op;
	p->family = fam;
	p->meta_hash = mh;
	if (fam == FAM_TL) {
		uint8_t *copy = etl_arena_alloc(d->arena, mlen ? mlen : 1);
		if (!copy)
			return NULL;
		memcpy(copy, meta, mlen);
		p->meta = copy;
		p->meta_len = mlen;
		const etl_ext_item *traits = find_ext(ev, ETL_EXT_PROV_TRAITS);
		const etl_schema *sc = NULL;
		if (etl_tlg_parse(d->arena, &ev->provider, traits ? traits->data : NULL,
		                  traits ? traits->size : 0, meta, mlen, &sc, d->err,
		                  sizeof d->err) == ETL_OK)
			p->schema = sc;
	} else if (d->schemas && fam == FAM_MANIFEST) {
		etl_schemas_lock(d->schemas);
		p->schema = etl_schemas_find_manifest(d->schemas, &ev->provider, id, ver);
		etl_schemas_unlock(d->schemas);
	} else if (fam == FAM_CLASSIC) {
		if (d->schemas) {
			etl_schemas_lock(d->schemas);
			p->schema = etl_schemas_find_mof(d->schemas, &ev->provider, op, ver, &p->fallback);
			etl_schemas_unlock(d->schemas);
		} else {
			p->schema = etl_kernel_schema_find(&ev->provider, op, ver, &p->fallback);
		}
	}
	/* payload fields that name the thread or process of events whose
	 * header has none (kernel PERFINFO records) */
	static const char *const tid_names[] = { "ThreadId", "TThreadId", "StackThread",
		                                 "IssuingThreadId", NULL };
	static const char *const pid_names[] = { "StackProcess", "ProcessId", "PID", NULL };
	p->tid_prop = find_prop(p->schema, tid_names);
	p->pid_prop = find_prop(p->schema, pid_names);
	p->provider_name = provider_name(d, &ev->provider);
	if (p->schema && (!compile_keys(d, p) || !compile_fast(d, p)))
		return NULL;
	compile_names(d, p);
	if (p->schema) {
		compile_flat(p);
		compile_ids(p);
	}
	p->used = 1;
	d->plans.used++;
	return p;
}

/* ---- value rendering ---------------------------------------------------------------- */

struct walk {
	etl_decoder *d;
	const etl_event *ev;
	const etl_schema *s;
	const uint8_t *p;
	size_t n, off;
	unsigned ptr;           /* pointer size of the event */
	bool short_data;        /* the payload ended inside a property */
	bool bad;               /* a property could not be decoded */
	bool aligned;           /* lay struct array elements out as C structs */
	bool open_tail;         /* let a trailing fixed-size array run to the end */
	size_t base;            /* start of the struct element being aligned */
	etl_strbuf *b;
	const char *const *keys; /* pre-rendered "name": per property, or NULL */
	const uint16_t *key_lens;
	const uint8_t *fast;     /* per property FAST_*, or NULL */
};

/* Counts one property or array element against the walk's bounds
 * (MAX_WALK_STEPS, MAX_WALK_JSON); false, with the walk marked bad, past
 * them. */
static bool walk_step(struct walk *w)
{
	if (++w->d->walk_steps > MAX_WALK_STEPS || w->b->len > MAX_WALK_JSON) {
		w->bad = true;
		return false;
	}
	return true;
}

unsigned etl_prop_fixed_size(const etl_prop *pr, unsigned ptr)
{
	switch (pr->in_type) {
	case ETL_IN_INT8: case ETL_IN_UINT8: case ETL_IN_MOF_ANSICHAR: return 1;
	case ETL_IN_INT16: case ETL_IN_UINT16: case ETL_IN_MOF_UNICODECHAR: return 2;
	case ETL_IN_INT32: case ETL_IN_UINT32: case ETL_IN_HEXINT32: case ETL_IN_FLOAT:
	case ETL_IN_BOOLEAN: return 4;
	case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_HEXINT64: case ETL_IN_DOUBLE:
	case ETL_IN_FILETIME: return 8;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: return ptr;
	default: return 0;
	}
}

unsigned etl_struct_alignment(const etl_schema *s, const etl_prop *pr, unsigned ptr)
{
	unsigned align = 1;
	if (pr->struct_start > s->prop_count || pr->struct_count > s->prop_count - pr->struct_start)
		return 0;
	for (unsigned k = 0; k < pr->struct_count; k++) {
		const etl_prop *m = &s->props[pr->struct_start + k];
		if (m->flags & (ETL_PF_STRUCT | ETL_PF_PARAM_COUNT | ETL_PF_COUNT_PREFIX | ETL_PF_TO_END))
			return 0;
		if (m->count > 1 || (m->flags & ETL_PF_FIXED_COUNT))
			return 0;
		unsigned sz = etl_prop_fixed_size(m, ptr);
		if (!sz)
			return 0;
		if (sz > align)
			align = sz;
	}
	return align;
}

/* Pads to a multiple of a from the start of the current struct element (the
 * producer copied a C struct array to an arbitrary offset of the payload). */
static void align_to(struct walk *w, unsigned a)
{
	if (a > 1) {
		size_t r = (w->off - w->base) % a;
		if (r)
			w->off += a - r;
	}
}

static void put_utf16(etl_strbuf *b, etl_strbuf *tmp, const uint8_t *p, size_t units)
{
	size_t need = units * 3 + 1;
	tmp->len = 0;
	etl_strbuf_reserve(tmp, need);
	if (tmp->failed) {
		b->failed = true;
		return;
	}
	size_t n = etl_utf16_to_utf8(p, units, tmp->p, need);
	etl_put_json_string(b, tmp->p, n);
}

static void put_ansi(etl_strbuf *b, etl_strbuf *tmp, const uint8_t *p, size_t n, bool utf8)
{
	const uint8_t *nul = n ? memchr(p, 0, n) : NULL;
	size_t len = nul ? (size_t)(nul - p) : n;
	size_t ascii = 0;
	while (ascii < len && p[ascii] < 0x80)
		ascii++;
	if (utf8 || ascii == len) {
		/* ASCII is the same in every code page */
		etl_put_json_string(b, (const char *)p, len);
		return;
	}
	size_t need = len * 3 + 1;
	tmp->len = 0;
	etl_strbuf_reserve(tmp, need);
	if (tmp->failed) {
		b->failed = true;
		return;
	}
	size_t w = etl_cp1252_to_utf8(p, len, tmp->p, need);
	etl_put_json_string(b, tmp->p, w);
}

/* The shortest of 15 or 17 significant digits that reads back the same
 * (a float needs at most 9). */
/* The exact decimal form of v when v is a multiple of 1/1024 below 2^43 with
 * at most max_sig significant digits -- then it is also what "%.<max_sig>g"
 * prints and it reads back as v, so put_double() may skip printf.  Counts,
 * sizes and halves stored as floating point all take this path. */
static bool put_double_exact(etl_strbuf *b, double v, unsigned max_sig)
{
	double a = fabs(v);
	if (!(a < 8796093022208.0))
		return false;
	double scaled = a * 1024.0;
	uint64_t m = (uint64_t)scaled;
	if ((double)m != scaled)
		return false;
	char out[48];
	size_t n = 0;
	if (signbit(v))
		out[n++] = '-';
	uint64_t ip = m >> 10;
	unsigned sig = 0;
	char digits[20];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (m >> 10)
		sig = (unsigned)nd;
	while (nd)
		out[n++] = digits[--nd];
	unsigned fr = (unsigned)(m & 1023);
	if (fr) {
		/* fr/1024 = fr * 5^10 / 10^10: ten fractional digits */
		uint64_t f = (uint64_t)fr * 9765625u;
		char fb[10];
		for (int i = 9; i >= 0; i--) {
			fb[i] = (char)('0' + f % 10);
			f /= 10;
		}
		int last = 9;
		while (fb[last] == '0')
			last--;
		if (sig == 0) {
			int first = 0;
			while (fb[first] == '0')
				first++;
			sig = (unsigned)(last - first + 1);
		} else {
			sig += (unsigned)last + 1;
		}
		if (sig > max_sig)
			return false;
		out[n++] = '.';
		memcpy(out + n, fb, (size_t)last + 1);
		n += (size_t)last + 1;
	} else if (sig > max_sig) {
		return false;
	}
	etl_strbuf_put(b, out, n);
	return true;
}

static void put_double(etl_strbuf *b, double v, bool is_float)
{
	if (!isfinite(v)) {
		etl_strbuf_puts(b, isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	if (put_double_exact(b, v, is_float ? 7 : 15))
		return;
	char tmp[ETL_FORMAT_G_MAX];
	size_t n;
	if (is_float) {
		n = etl_format_g(tmp, v, 7);
		if ((float)strtod(tmp, NULL) != (float)v)
			n = etl_format_g(tmp, v, 9);
	} else {
		n = etl_format_g(tmp, v, 15);
		if (strtod(tmp, NULL) != v)
			n = etl_format_g(tmp, v, 17);
	}
	etl_strbuf_put(b, tmp, n);
}

static void put_ipv6(etl_strbuf *b, const uint8_t *a)
{
	/* RFC 5952: longest run (>= 2) of zero groups becomes "::" */
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	char s[48];
	int o = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += snprintf(s + o, sizeof s - (size_t)o, "::");
			i += bestlen - 1;
			continue;
		}
		if (o && s[o - 1] != ':')
			s[o++] = ':';
		o += snprintf(s + o, sizeof s - (size_t)o, "%x", g[i]);
	}
	s[o] = 0;
	etl_strbuf_puts(b, s);
}

static void put_sid(etl_strbuf *b, const uint8_t *p, size_t n)
{
	uint8_t count = p[1];
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	etl_strbuf_put(b, "\"S-", 3);
	etl_put_u64(b, p[0]);
	etl_strbuf_putc(b, '-');
	if (auth >> 32)
		etl_put_hex64(b, auth);
	else
		etl_put_u64(b, auth);
	for (unsigned i = 0; i < count && 8 + 4 * (size_t)i + 4 <= n; i++) {
		etl_strbuf_putc(b, '-');
		etl_put_u64(b, etl_le32(p + 8 + 4 * i));
	}
	etl_strbuf_putc(b, '"');
}

/* v with at least width digits (printf's %0<width>u) at o; returns the end. */
static char *put_padded(char *o, unsigned v, int width)
{
	char d[10];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (width-- > n)
		*o++ = '0';
	while (n)
		*o++ = d[--n];
	return o;
}

/* "YYYY-MM-DDTHH:MM:SS.mmm0000Z"; fields out of range print as they are. */
static void put_systemtime(etl_strbuf *b, const uint8_t *p)
{
	static const struct {
		uint8_t off, width;
		char after;
	} f[] = { { 0, 4, '-' }, { 2, 2, '-' }, { 6, 2, 'T' }, { 8, 2, ':' },
		  { 10, 2, ':' }, { 12, 2, '.' }, { 14, 3, 0 } };
	char s[64], *o = s;
	*o++ = '"';
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		o = put_padded(o, etl_le16(p + f[i].off), f[i].width);
		if (f[i].after)
			*o++ = f[i].after;
	}
	memcpy(o, "0000Z\"", 6);
	etl_strbuf_put(b, s, (size_t)(o + 6 - s));
}

/* A map's rendering of v; false when the map has nothing for it. */
static bool put_mapped(etl_strbuf *b, const etl_map *m, uint64_t v)
{
	if (m->kind & ETL_MAP_BITMAP) {
		etl_strbuf tmp = { 0 };
		uint64_t left = v;
		bool any = false;
		for (uint32_t i = 0; i < m->count; i++) {
			uint64_t e = m->entries[i].value;
			if ((e == 0 && v == 0) || (e && (v & e) == e)) {
				if (any)
					etl_strbuf_putc(&tmp, '|');
				etl_strbuf_puts(&tmp, m->entries[i].name ? m->entries[i].name : "");
				left &= ~e;
				any = true;
			}
		}
		if (any && left) {
			etl_strbuf_putc(&tmp, '|');
			etl_put_hex64(&tmp, left);
		}
		if (any)
			etl_put_json_string(b, tmp.p, tmp.len);
		etl_strbuf_free(&tmp);
		return any;
	}
	/* value maps are sorted by value: binary search */
	uint32_t lo = 0, hi = m->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->entries[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->count && m->entries[lo].value == v && m->entries[lo].name) {
		const char *nm = m->entries[lo].name;
		etl_put_json_string(b, nm, strlen(nm));
		return true;
	}
	/* tolerate unsorted maps from hand-made sources */
	for (uint32_t i = 0; i < m->count; i++) {
		if (m->entries[i].value == v && m->entries[i].name) {
			etl_put_json_string(b, m->entries[i].name, strlen(m->entries[i].name));
			return true;
		}
	}
	return false;
}

/* The little-endian integer of size bytes (1, 2, 4 or 8) at p, unsigned,
 * and sign-extended in *sv. */
static inline uint64_t read_int(const uint8_t *p, unsigned size, int64_t *sv)
{
	switch (size) {
	case 1: *sv = (int8_t)p[0]; return p[0];
	case 2: *sv = (int16_t)etl_le16(p); return etl_le16(p);
	case 4: *sv = (int32_t)etl_le32(p); return etl_le32(p);
	default: *sv = (int64_t)etl_le64(p); return etl_le64(p);
	}
}

/* u (sign-extended: sv) in plain form f (fast_form()). */
static inline void put_plain(etl_strbuf *b, uint8_t f, uint64_t u, int64_t sv)
{
	char *o = etl_strbuf_room(b, 24);
	if (!o)
		return;
	switch (f & 7) {
	case FAST_DEC: o = etl_fmt_u64(o, u); break;
	case FAST_SIGNED: o = etl_fmt_i64(o, sv); break;
	default:
		*o++ = '"';
		o = etl_fmt_hex64(o, u);
		*o++ = '"';
		break;
	}
	etl_strbuf_commit(b, o);
}

/* What decode_scalar() does for an integer of plain form f, without its
 * dispatch: false when the payload ends inside it. */
static inline bool fast_scalar(struct walk *w, uint8_t f, size_t idx)
{
	unsigned size = f >> 4 ? f >> 4 : w->ptr;
	if (w->n - w->off < size)
		return false;
	int64_t sv;
	uint64_t u = read_int(w->p + w->off, size, &sv);
	w->d->ints[idx] = u;
	w->off += size;
	put_plain(w->b, f, u, sv);
	return true;
}

static void put_integer(struct walk *w, const etl_prop *pr, uint64_t u, int64_t sv,
                        bool is_signed, unsigned size)
{
	etl_strbuf *b = w->b;
	if (pr->map && put_mapped(b, pr->map, u))
		return;
	uint8_t f = fast_form(pr);
	if (f) {
		put_plain(b, f, u, sv);
		return;
	}
	switch (pr->out_type) {
	case ETL_OUT_ERRORCODE: case ETL_OUT_WIN32ERROR: case ETL_OUT_NTSTATUS:
	case ETL_OUT_HRESULT: {
		/* "0x%08llX" */
		static const char up[] = "0123456789ABCDEF";
		char s[24];
		unsigned nd = u >> 32 ? (unsigned)(67 - __builtin_clzll(u)) / 4 : 8;
		s[0] = '"';
		s[1] = '0';
		s[2] = 'x';
		for (unsigned k = 0; k < nd; k++)
			s[3 + nd - 1 - k] = up[u >> (4 * k) & 15];
		s[3 + nd] = '"';
		etl_strbuf_put(b, s, 4 + nd);
		return;
	}
	case ETL_OUT_BOOLEAN:
		etl_strbuf_puts(b, u ? "true" : "false");
		return;
	case ETL_OUT_STRING: {
		/* a character (fast_form() takes wider integers) */
		uint8_t tmp[2] = { (uint8_t)u, (uint8_t)(u >> 8) };
		if (size == 2)
			put_utf16(b, &w->d->tmp, tmp, u ? 1 : 0);
		else
			put_ansi(b, &w->d->tmp, tmp, u ? 1 : 0, false);
		return;
	}
	case ETL_OUT_PORT:
		etl_put_u64(b, (uint16_t)((u & 0xFF) << 8 | (u >> 8 & 0xFF)));
		return;
	case ETL_OUT_IPV4:
		etl_strbuf_putc(b, '"');
		for (int k = 0; k < 4; k++) {
			if (k)
				etl_strbuf_putc(b, '.');
			etl_put_u64(b, u >> (8 * k) & 0xFF);
		}
		etl_strbuf_putc(b, '"');
		return;
	default:
		/* an in-type fast_form() does not know: decimal */
		if (is_signed)
			etl_put_i64(b, sv);
		else
			etl_put_u64(b, u);
		return;
	}
}

static void put_socket_address(etl_strbuf *b, const uint8_t *p, size_t n)
{
	uint16_t fam = n >= 2 ? etl_le16(p) : 0;
	char s[80];
	if (fam == 2 && n >= 8) {
		snprintf(s, sizeof s, "\"%u.%u.%u.%u:%u\"", p[4], p[5], p[6], p[7],
		         (unsigned)(p[2] << 8 | p[3]));
		etl_strbuf_puts(b, s);
	} else if (fam == 23 && n >= 24) {
		etl_strbuf_put(b, "\"[", 2);
		put_ipv6(b, p + 8);
		snprintf(s, sizeof s, "]:%u\"", (unsigned)(p[2] << 8 | p[3]));
		etl_strbuf_puts(b, s);
	} else {
		etl_strbuf_putc(b, '"');
		etl_put_hexbytes(b, p, n);
		etl_strbuf_putc(b, '"');
	}
}

static uint64_t count_or_length(struct walk *w, const etl_prop *pr, bool length)
{
	uint16_t v = length ? pr->length : pr->count;
	uint32_t flag = length ? ETL_PF_PARAM_LENGTH : ETL_PF_PARAM_COUNT;
	if (!(pr->flags & flag))
		return v;
	if (v >= w->s->prop_count)
		return 0;
	return w->d->ints[v];
}

/* Decodes one element of a non-struct property at w->off; false when the
 * payload ends inside it. */
static bool decode_scalar(struct walk *w, const etl_prop *pr, size_t idx)
{
	const uint8_t *p = w->p + w->off;
	size_t left = w->n - w->off;
	etl_strbuf *b = w->b;
	uint16_t in = pr->in_type;
	unsigned size = 0;
	uint64_t u = 0;
	int64_t sv = 0;
	bool is_signed = false;

	switch (in) {
	case ETL_IN_INT8: size = 1; is_signed = true; break;
	case ETL_IN_UINT8: case ETL_IN_MOF_ANSICHAR: size = 1; break;
	case ETL_IN_INT16: size = 2; is_signed = true; break;
	case ETL_IN_UINT16: case ETL_IN_MOF_UNICODECHAR: size = 2; break;
	case ETL_IN_INT32: size = 4; is_signed = true; break;
	case ETL_IN_UINT32: case ETL_IN_HEXINT32: size = 4; break;
	case ETL_IN_INT64: size = 8; is_signed = true; break;
	case ETL_IN_UINT64: case ETL_IN_HEXINT64: size = 8; break;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: size = w->ptr; break;
	default: break;
	}
	if (size) {
		if (left < size)
			return false;
		u = read_int(p, size, &sv);
		w->d->ints[idx] = u;
		w->off += size;
		if (in == ETL_IN_MOF_UNICODECHAR || in == ETL_IN_MOF_ANSICHAR) {
			if (in == ETL_IN_MOF_UNICODECHAR)
				put_utf16(b, &w->d->tmp, p, u ? 1 : 0);
			else
				put_ansi(b, &w->d->tmp, p, 1, false);
			return true;
		}
		if (in == ETL_IN_UINT8 && pr->out_type == ETL_OUT_BOOLEAN) {
			etl_strbuf_puts(b, u ? "true" : "false");
			return true;
		}
		put_integer(w, pr, u, sv, is_signed, size);
		return true;
	}

	switch (in) {
	case ETL_IN_FLOAT: {
		if (left < 4)
			return false;
		uint32_t x = etl_le32(p);
		float f;
		memcpy(&f, &x, 4);
		put_double(b, f, true);
		w->off += 4;
		return true;
	}
	case ETL_IN_DOUBLE: {
		if (left < 8)
			return false;
		uint64_t x = etl_le64(p);
		double f;
		memcpy(&f, &x, 8);
		put_double(b, f, false);
		w->off += 8;
		return true;
	}
	case ETL_IN_BOOLEAN:
		if (left < 4)
			return false;
		u = etl_le32(p);
		w->d->ints[idx] = u;
		if (pr->map && put_mapped(b, pr->map, u)) {
		} else {
			etl_strbuf_puts(b, u ? "true" : "false");
		}
		w->off += 4;
		return true;
	case ETL_IN_GUID: {
		if (left < 16)
			return false;
		etl_guid g;
		etl_read_guid(p, &g);
		etl_strbuf_putc(b, '"');
		etl_put_guid(b, &g);
		etl_strbuf_putc(b, '"');
		w->off += 16;
		return true;
	}
	case ETL_IN_FILETIME: {
		if (left < 8)
			return false;
		int64_t ft = (int64_t)etl_le64(p);
		if (ft <= 0 || pr->out_type == ETL_OUT_ETWTIME) {
			etl_put_i64(b, ft);
		} else {
			etl_strbuf_putc(b, '"');
			etl_put_time(b, ft);
			etl_strbuf_putc(b, '"');
		}
		w->off += 8;
		return true;
	}
	case ETL_IN_SYSTEMTIME:
		if (left < 16)
			return false;
		put_systemtime(b, p);
		w->off += 16;
		return true;
	case ETL_IN_SID: {
		if (left < 8)
			return false;
		size_t sz = 8 + 4 * (size_t)p[1];
		if (left < sz)
			return false;
		put_sid(b, p, sz);
		w->off += sz;
		return true;
	}
	case ETL_IN_MOF_WBEMSID: {
		/* u32 0 = no SID; else TOKEN_USER (2 pointers) then the SID */
		if (left < 4)
			return false;
		if (etl_le32(p) == 0) {
			etl_strbuf_puts(b, "null");
			w->off += 4;
			return true;
		}
		size_t pre = 2 * (size_t)w->ptr;
		if (left < pre + 8)
			return false;
		size_t sz = 8 + 4 * (size_t)p[pre + 1];
		if (left - pre < sz)
			return false;
		put_sid(b, p + pre, sz);
		w->off += pre + sz;
		return true;
	}
	case ETL_IN_X_IPV6:
		if (left < 16)
			return false;
		etl_strbuf_putc(b, '"');
		put_ipv6(b, p);
		etl_strbuf_putc(b, '"');
		w->off += 16;
		return true;
	case ETL_IN_UNICODESTRING:
	case ETL_IN_MOF_NONNULLSTRING: {
		uint64_t len = in == ETL_IN_UNICODESTRING ? count_or_length(w, pr, true) : 0;
		size_t units, consumed;
		if (len) {
			if (len > left / 2)
				return false;
			units = etl_utf16_strnlen(p, (size_t)len, NULL);
			consumed = (size_t)len * 2;
		} else if (in == ETL_IN_MOF_NONNULLSTRING) {
			units = etl_utf16_strnlen(p, left / 2, NULL);
			consumed = left;
		} else {
			bool term;
			units = etl_utf16_strnlen(p, left / 2, &term);
			consumed = term ? 2 * units + 2 : left;
		}
		put_utf16(b, &w->d->tmp, p, units);
		w->off += consumed;
		return true;
	}
	case ETL_IN_ANSISTRING:
	case ETL_IN_MOF_NONNULLANSISTRING: {
		bool utf8 = pr->out_type == ETL_OUT_UTF8 || pr->out_type == ETL_OUT_XML ||
		            pr->out_type == ETL_OUT_JSON;
		uint64_t len = in == ETL_IN_ANSISTRING ? count_or_length(w, pr, true) : 0;
		size_t consumed, shown;
		if (len) {
			if (len > left)
				return false;
			shown = consumed = (size_t)len;
		} else if (in == ETL_IN_MOF_NONNULLANSISTRING) {
			shown = consumed = left;
		} else {
			const uint8_t *z = memchr(p, 0, left);
			shown = z ? (size_t)(z - p) : left;
			consumed = z ? shown + 1 : left;
		}
		put_ansi(b, &w->d->tmp, p, shown, utf8);
		w->off += consumed;
		return true;
	}
	case ETL_IN_COUNTEDSTRING:
	case ETL_IN_MOF_COUNTEDSTRING:
	case ETL_IN_MOF_REVCOUNTEDSTRING: {
		if (left < 2)
			return false;
		size_t bytes = in == ETL_IN_MOF_REVCOUNTEDSTRING ? (size_t)(p[0] << 8 | p[1])
		                                                 : etl_le16(p);
		if (bytes > left - 2)
			return false;
		put_utf16(b, &w->d->tmp, p + 2, etl_utf16_strnlen(p + 2, bytes / 2, NULL));
		w->off += 2 + bytes;
		return true;
	}
	case ETL_IN_COUNTEDANSISTRING:
	case ETL_IN_MOF_COUNTEDANSISTRING:
	case ETL_IN_MOF_REVCOUNTEDANSISTRING: {
		if (left < 2)
			return false;
		size_t bytes = in == ETL_IN_MOF_REVCOUNTEDANSISTRING ? (size_t)(p[0] << 8 | p[1])
		                                                     : etl_le16(p);
		if (bytes > left - 2)
			return false;
		bool utf8 = pr->out_type == ETL_OUT_UTF8 || pr->out_type == ETL_OUT_XML ||
		            pr->out_type == ETL_OUT_JSON;
		put_ansi(b, &w->d->tmp, p + 2, bytes, utf8);
		w->off += 2 + bytes;
		return true;
	}
	case ETL_IN_COUNTEDBINARY:
	case ETL_IN_MOF_HEXDUMP: {
		size_t hdr = in == ETL_IN_COUNTEDBINARY ? 2 : 4;
		if (left < hdr)
			return false;
		size_t bytes = hdr == 2 ? etl_le16(p) : etl_le32(p);
		if (bytes > left - hdr)
			return false;
		etl_strbuf_putc(b, '"');
		etl_put_hexbytes(b, p + hdr, bytes);
		etl_strbuf_putc(b, '"');
		w->off += hdr + bytes;
		return true;
	}
	case ETL_IN_BINARY: {
		uint64_t len = count_or_length(w, pr, true);
		if (!len && pr->out_type == ETL_OUT_IPV6)
			len = 16;
		if (!len && !(pr->flags & ETL_PF_PARAM_LENGTH)) {
			/* a binary without a length cannot be delimited */
			w->bad = true;
			return false;
		}
		if (len > left)
			return false;
		if (pr->out_type == ETL_OUT_IPV6 && len == 16) {
			etl_strbuf_putc(b, '"');
			put_ipv6(b, p);
			etl_strbuf_putc(b, '"');
		} else if (pr->out_type == ETL_OUT_SOCKETADDRESS) {
			put_socket_address(b, p, (size_t)len);
		} else {
			etl_strbuf_putc(b, '"');
			etl_put_hexbytes(b, p, (size_t)len);
			etl_strbuf_putc(b, '"');
		}
		w->off += (size_t)len;
		return true;
	}
	default:
		w->bad = true;
		return false;
	}
}

static bool decode_props(struct walk *w, uint16_t first, uint16_t count, unsigned depth,
                         bool *stopped);
static uint64_t count_or_length(struct walk *w, const etl_prop *pr, bool length);

/* An array whose count, already decoded, is zero takes no payload bytes, so
 * it is present (and empty) even at the very end of the payload. */
static bool needs_no_bytes(struct walk *w, const etl_prop *pr)
{
	return (pr->flags & ETL_PF_PARAM_COUNT) && count_or_length(w, pr, false) == 0;
}

/* Records where a top-level value's JSON text lies and what kind it is, for
 * sinks that store each property in a typed column. */
static bool note_value(etl_decoder *d, const etl_prop *pr, uint16_t index, size_t off,
                       size_t len)
{
	etl_decoded *o = &d->out;
	if (o->nvalues == o->cap_values) {
		size_t cap = o->cap_values ? o->cap_values * 2 : 16;
		struct etl_topval *nv = realloc(o->values, cap * sizeof(*nv));
		if (!nv)
			return false;
		o->values = nv;
		o->cap_values = cap;
	}
	const char *t = o->props.p + off;
	etl_value_kind kind;
	switch (len ? t[0] : 'n') {
	case '"': kind = ETL_VALUE_TEXT; break;
	case '[': case '{': kind = ETL_VALUE_JSON; break;
	case 't': case 'f': kind = ETL_VALUE_BOOL; break;
	case 'n': kind = ETL_VALUE_NULL; break;
	default:
		/* only floats print a fraction or an exponent */
		kind = pr->in_type == ETL_IN_FLOAT || pr->in_type == ETL_IN_DOUBLE
		           ? ETL_VALUE_REAL : ETL_VALUE_INTEGER;
		break;
	}
	struct etl_topval *v = &o->values[o->nvalues++];
	v->name = pr->name ? pr->name : "";
	v->kind = kind;
	v->prop = index;
	v->off = off;
	v->len = len;
	return true;
}

static bool is_char_array(const etl_prop *pr)
{
	return (pr->in_type == ETL_IN_MOF_UNICODECHAR || pr->in_type == ETL_IN_MOF_ANSICHAR ||
	        ((pr->in_type == ETL_IN_UINT16 || pr->in_type == ETL_IN_UINT8 ||
	          pr->in_type == ETL_IN_INT8) &&
	         pr->out_type == ETL_OUT_STRING));
}

/* One property (scalar, array or struct); false when the payload ended. */
static bool decode_prop(struct walk *w, uint16_t i, unsigned depth)
{
	const etl_prop *pr = &w->s->props[i];
	bool array = false;
	uint64_t count = 1;
	if (pr->flags & ETL_PF_CUSTOM) {
		/* TraceLogging custom-serialized: u16 size, then opaque bytes */
		if (w->n - w->off < 2)
			return false;
		size_t bytes = etl_le16(w->p + w->off);
		if (bytes > w->n - w->off - 2)
			return false;
		etl_strbuf_putc(w->b, '"');
		etl_put_hexbytes(w->b, w->p + w->off + 2, bytes);
		etl_strbuf_putc(w->b, '"');
		w->off += 2 + bytes;
		return true;
	}
	if (pr->flags & ETL_PF_COUNT_PREFIX) {
		if (w->n - w->off < 2)
			return false;
		count = etl_le16(w->p + w->off);
		w->off += 2;
		array = true;
	} else if (pr->flags & ETL_PF_PARAM_COUNT) {
		count = count_or_length(w, pr, false);
		array = true;
	} else if (pr->flags & ETL_PF_TO_END) {
		array = true;
		count = MAX_ARRAY_ELEMENTS;
	} else if ((pr->flags & ETL_PF_FIXED_COUNT) || pr->count > 1) {
		count = pr->count;
		array = true;
		/* a fixed count on the last property is often nominal: MOF open
		 * arrays (Stack1..Stack32) and the CLR's two-frame ClrStackWalk carry
		 * as many elements as the payload holds */
		if (w->open_tail && depth == 0 && i + 1u == w->s->top_count &&
		    !(pr->flags & ETL_PF_STRUCT)) {
			unsigned sz = etl_prop_fixed_size(pr, w->ptr);
			size_t left = w->n - w->off;
			if (sz && left % sz == 0)
				count = left / sz;
		}
	}
	if (count > MAX_ARRAY_ELEMENTS)
		count = MAX_ARRAY_ELEMENTS;
	etl_strbuf *b = w->b;

	if (array && !(pr->flags & ETL_PF_STRUCT) && is_char_array(pr)) {
		/* an array of characters is one string */
		size_t unit = pr->in_type == ETL_IN_UINT16 || pr->in_type == ETL_IN_MOF_UNICODECHAR ? 2 : 1;
		size_t left = w->n - w->off;
		size_t bytes = (pr->flags & ETL_PF_TO_END) ? left - left % unit : (size_t)count * unit;
		if (bytes > left)
			return false;
		if (unit == 2)
			put_utf16(b, &w->d->tmp, w->p + w->off, etl_utf16_strnlen(w->p + w->off, bytes / 2, NULL));
		else
			put_ansi(b, &w->d->tmp, w->p + w->off, bytes, false);
		w->off += bytes;
		return true;
	}
	if (array)
		etl_strbuf_putc(b, '[');
	bool ok = true;
	/* plain integer elements (stacks, address lists) skip decode_scalar() */
	uint8_t f = w->fast && !pr->map ? w->fast[i] : 0;
	for (uint64_t k = 0; k < count; k++) {
		if ((pr->flags & ETL_PF_TO_END) && w->off >= w->n)
			break;
		if (!walk_step(w)) {
			ok = false;
			break;
		}
		if (k)
			etl_strbuf_putc(b, ',');
		if (pr->flags & ETL_PF_STRUCT) {
			bool stopped = false;
			unsigned a = w->aligned ? etl_struct_alignment(w->s, pr, w->ptr) : 0;
			size_t outer = w->base;
			w->base = w->off;
			etl_strbuf_putc(b, '{');
			ok = decode_props(w, pr->struct_start, pr->struct_count, depth + 1, &stopped);
			etl_strbuf_putc(b, '}');
			align_to(w, a);
			w->base = outer;
			if (!ok || stopped)
				ok = false;
		} else {
			ok = f ? fast_scalar(w, f, i) : decode_scalar(w, pr, i);
			if (!ok)
				etl_strbuf_puts(b, "null");
		}
		if (!ok)
			break;
	}
	if (array)
		etl_strbuf_putc(b, ']');
	return ok;
}

/* Members first..first+count of one struct level.  *stopped is set when the
 * payload ended cleanly between two properties (older, shorter layouts). */
static bool decode_props(struct walk *w, uint16_t first, uint16_t count, unsigned depth,
                         bool *stopped)
{
	if (depth > ETL_SCHEMA_MAX_DEPTH || first > w->s->prop_count ||
	    count > w->s->prop_count - first) {
		w->bad = true;
		return false;
	}
	if (depth == 0) /* a new walk: its own budget */
		w->d->walk_steps = 0;
	etl_strbuf *b = w->b;
	for (uint16_t k = 0; k < count; k++) {
		uint16_t i = (uint16_t)(first + k);
		if (!walk_step(w))
			return false;
		if (depth == 0 && (w->s->flags & ETL_SF_STOP_AFTER) && i >= w->s->stop_after) {
			*stopped = true;
			return true;
		}
		if (w->off >= w->n && !needs_no_bytes(w, &w->s->props[first + k])) {
			/* missing trailing properties: absent, not an error */
			*stopped = true;
			return true;
		}
		const etl_prop *pr = &w->s->props[i];
		if (w->aligned && depth > 0)
			align_to(w, etl_prop_fixed_size(pr, w->ptr));
		if (k)
			etl_strbuf_putc(b, ',');
		if (w->keys) {
			etl_strbuf_put(b, w->keys[i], w->key_lens[i]);
		} else {
			etl_put_json_string(b, pr->name ? pr->name : "", pr->name ? strlen(pr->name) : 0);
			etl_strbuf_putc(b, ':');
		}
		size_t start = b->len;
		uint8_t f = w->fast && !pr->map ? w->fast[i] : 0;
		if (f & FAST_ALONE) {
			/* decode_prop()'s one element, with its step and its null */
			if (!walk_step(w)) {
				w->short_data = true;
				return false;
			}
			if (!fast_scalar(w, f, i)) {
				etl_strbuf_lit(b, "null");
				w->short_data = true;
				return false;
			}
		} else if (!decode_prop(w, i, depth)) {
			w->short_data = true;
			return false;
		}
		if (depth == 0 && w->d->note_values &&
		    !note_value(w->d, pr, i, start, b->len - start))
			b->failed = true;
	}
	return true;
}

/* A flat schema over a payload of exactly its size: what decode_props()
 * does, without the checks that cannot fail here (every property is a
 * fixed-size scalar that fits, see compile_flat()). */
static bool decode_flat(struct walk *w)
{
	etl_strbuf *b = w->b;
	w->d->walk_steps = 0;
	for (uint16_t i = 0; i < w->s->top_count; i++) {
		const etl_prop *pr = &w->s->props[i];
		if (i)
			etl_strbuf_putc(b, ',');
		etl_strbuf_put(b, w->keys[i], w->key_lens[i]);
		size_t start = b->len;
		uint8_t f = !pr->map ? w->fast[i] : 0;
		if (!(f ? fast_scalar(w, f, i) : decode_scalar(w, pr, i))) {
			etl_strbuf_lit(b, "null");
			w->short_data = true;
			return false;
		}
		if (w->d->note_values && !note_value(w->d, pr, i, start, b->len - start))
			b->failed = true;
	}
	return true;
}

/* WinSat events of merged traces (decoding.md §8.4): u32 State, u32
 * UncompressedSize, then LZNT1 data inflating to that many bytes of UTF-16
 * XML.  False when the payload does not have that form. */
static bool decode_winsat(etl_decoder *d, const etl_event *ev)
{
	static const struct {
		uint8_t opcode;
		const char *name;
	} types[] = { { 33, "WinSPR" }, { 35, "Metrics" }, { 37, "SystemConfig" } };
	const char *name = NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (ev->opcode == types[i].opcode)
			name = types[i].name;
	if (!name || ev->size < 8)
		return false;
	uint32_t state = etl_le32(ev->data), usize = etl_le32(ev->data + 4);
	if (usize > WINSAT_MAX_XML || usize % 2)
		return false;
	if (usize > d->inflate_cap) {
		uint8_t *p = realloc(d->inflate, usize);
		if (!p)
			return false;
		d->inflate = p;
		d->inflate_cap = usize;
	}
	size_t got = 0;
	if (etl_lznt1_decompress(ev->data + 8, ev->size - 8, d->inflate, usize, &got) != ETL_OK ||
	    got != usize)
		return false;
	etl_strbuf *b = &d->out.props;
	etl_strbuf_lit(b, "{\"State\":");
	etl_put_u64(b, state);
	etl_strbuf_lit(b, ",\"UncompressedSize\":");
	etl_put_u64(b, usize);
	etl_strbuf_lit(b, ",\"Xml\":");
	size_t units = usize / 2;
	/* skip a byte order mark */
	const uint8_t *x = d->inflate;
	if (units && etl_le16(x) == 0xFEFF) {
		x += 2;
		units--;
	}
	put_utf16(b, &d->tmp, x, etl_utf16_strnlen(x, units, NULL));
	etl_strbuf_putc(b, '}');
	d->out.source = ETL_SRC_MOF;
	d->out.complete = 1;
	d->out.provider_name = "WinSat";
	d->out.task_name = "WinSat";
	d->out.opcode_name = name;
	d->out.event_name = name;
	return true;
}

/* EventSource manifest events carry their own envelope (decoding.md §7.2). */
static void decode_manifest_event(etl_decoder *d, const etl_event *ev)
{
	etl_strbuf *b = &d->out.props;
	if (ev->size < 8)
		return;
	const uint8_t *p = ev->data;
	etl_strbuf_puts(b, "{\"Format\":");
	etl_put_u64(b, p[0]);
	etl_strbuf_puts(b, ",\"MajorVersion\":");
	etl_put_u64(b, p[1]);
	etl_strbuf_puts(b, ",\"MinorVersion\":");
	etl_put_u64(b, p[2]);
	etl_strbuf_puts(b, ",\"Magic\":");
	etl_put_u64(b, p[3]);
	etl_strbuf_puts(b, ",\"TotalChunks\":");
	etl_put_u64(b, etl_le16(p + 4));
	etl_strbuf_puts(b, ",\"ChunkNumber\":");
	etl_put_u64(b, etl_le16(p + 6));
	etl_strbuf_puts(b, ",\"Data\":");
	etl_put_json_string(b, (const char *)p + 8, ev->size - 8);
	etl_strbuf_putc(b, '}');
	d->out.source = ETL_SRC_EVENTSOURCE;
	d->out.complete = 1;
	d->out.event_name = "ManifestData";
}

/* The ids a header lacks, from the payload (kernel PERFINFO records and the
 * like): a property at a fixed offset is read there when the payload holds
 * it, whatever follows; any other needs the walk to have succeeded (ok) and
 * is taken from d->ints.  False when some id needs a walk and none was done
 * (ints is NULL). */
static bool payload_ids(const struct plan *pl, const etl_event *ev, const uint64_t *ints,
                        bool ok, uint32_t *pid, uint32_t *tid)
{
	unsigned pi = ev->pointer_size == 4 ? 0 : 1;
	for (int k = 0; k < 2; k++) {
		int16_t prop = k ? pl->pid_prop : pl->tid_prop;
		uint32_t *id = k ? pid : tid;
		if (prop < 0 || *id != ETL_NO_ID)
			continue;
		unsigned size = pl->id_size[k][pi];
		if (size) {
			uint32_t off = pl->id_off[k][pi];
			if (off > ev->size || ev->size - off < size)
				continue;
			const uint8_t *q = ev->data + off;
			*id = size == 1 ? q[0] : size == 2 ? etl_le16(q) : etl_le32(q);
		} else if (!ints) {
			return false;
		} else if (ok) {
			*id = (uint32_t)ints[prop];
		}
	}
	return true;
}

/* The thread -> process map learns from thread events and from any header
 * that carries both ids. */
static void learn_thread(etl_decoder *d, const etl_event *ev)
{
	if (etl_guid_equal(&ev->provider, &thread_guid) &&
	    (ev->opcode == 1 || ev->opcode == 3) && ev->size >= 8)
		tmap_put(d, etl_le32(ev->data + 4), etl_le32(ev->data));
	else if (ev->pid != ETL_NO_ID && ev->tid != ETL_NO_ID)
		tmap_put(d, ev->tid, ev->pid);
}

static bool is_winsat(const etl_event *ev)
{
	return (ev->header == ETL_HDR_FULL32 || ev->header == ETL_HDR_FULL64) &&
	       etl_guid_equal(&ev->provider, &winsat_guid);
}

/* Decodes ev into d->out; with resolve, also the ids its header lacks, from
 * its payload and the thread map, which it teaches. */
static etl_status decode_event(etl_decoder *d, const etl_event *ev, bool resolve)
{
	etl_decoded *o = &d->out;
	o->schema = NULL;
	o->source = ETL_SRC_NONE;
	o->complete = 0;
	o->fallback = 0;
	o->provider_name = o->event_name = o->task_name = o->opcode_name = NULL;
	o->json_names = NULL;
	o->json_lens = NULL;
	o->props.len = 0;
	o->props.failed = false;
	o->nvalues = 0;
	o->layout = 0;
	o->pid = ev->pid;
	o->tid = ev->tid;

	if (!d->prescanned)
		feed_sources(d, ev);
	bool ev_header = ev->header == ETL_HDR_EVENT32 || ev->header == ETL_HDR_EVENT64;
	if (ev_header && ((ev->flags & ETL_EVF_STRING_ONLY) || is_eventsource_manifest(ev)))
		o->provider_name = provider_name(d, &ev->provider);
	if (ev_header && (ev->flags & ETL_EVF_STRING_ONLY)) {
		etl_strbuf_puts(&o->props, "{\"String\":");
		put_utf16(&o->props, &d->tmp, ev->data, etl_utf16_strnlen(ev->data, ev->size / 2, NULL));
		etl_strbuf_putc(&o->props, '}');
		o->source = ETL_SRC_STRING;
		o->complete = 1;
		return o->props.failed ? ETL_ERR_NOMEM : ETL_OK;
	}
	if (ev_header && is_eventsource_manifest(ev)) {
		decode_manifest_event(d, ev);
		return o->props.failed ? ETL_ERR_NOMEM : ETL_OK;
	}

	if (is_winsat(ev)) {
		if (decode_winsat(d, ev))
			return o->props.failed ? ETL_ERR_NOMEM : ETL_OK;
		o->props.len = 0;
	}

	const struct plan *pl = lookup(d, ev);
	const etl_schema *s = pl ? pl->schema : NULL;
	if (pl) {
		o->provider_name = pl->provider_name;
		if (pl->json_names[0]) {
			o->json_names = pl->json_names;
			o->json_lens = pl->json_lens;
		}
	}
	if (s) {
		o->schema = s;
		o->source = s->source;
		o->fallback = pl->fallback;
		if (s->provider_name)
			o->provider_name = s->provider_name;
		o->event_name = s->event_name;
		o->task_name = s->task_name;
		o->opcode_name = s->opcode_name;
		/* never NULL, even for a schema without properties: the
		 * memsets below take it with a zero size */
		if (s->prop_count > d->ints_cap || !d->ints) {
			size_t n = s->prop_count ? s->prop_count : 1;
			uint64_t *ni = realloc(d->ints, n * sizeof(*ni));
			if (!ni)
				return ETL_ERR_NOMEM;
			d->ints = ni;
			d->ints_cap = n;
		}
		if (s->prop_count)
			memset(d->ints, 0, s->prop_count * sizeof(*d->ints));
		/* the plain layout first; when it leaves bytes over, the two known
		 * producer layouts the schema does not describe: C-aligned struct
		 * arrays, then a trailing array longer than its declared count */
		static const bool modes[][2] = { { false, false }, { true, false }, { false, true } };
		bool ok = false;
		struct walk w;
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
			if (m) {
				o->props.len = 0;
				o->nvalues = 0;
				memset(d->ints, 0, s->prop_count * sizeof(*d->ints));
			}
			w = (struct walk){ d, ev, s, ev->data, ev->size, 0,
			                   ev->pointer_size ? ev->pointer_size : 8, false, false,
			                   modes[m][0], modes[m][1], 0, &o->props, pl->keys, pl->key_lens,
			                   pl->fast };
			bool stopped = false;
			etl_strbuf_putc(&o->props, '{');
			uint32_t flat = pl->flat_size[w.ptr == 4 ? 0 : 1];
			if (m == 0 && flat && flat == ev->size)
				ok = decode_flat(&w);
			else
				ok = decode_props(&w, 0, s->top_count, 0, &stopped);
			etl_strbuf_putc(&o->props, '}');
			o->complete = ok && !w.bad && w.off == w.n;
			if (o->complete)
				break;
			/* only bytes left over call for another layout */
			if (m == 0 && (!ok || w.bad || w.off >= w.n))
				break;
		}
		o->layout = o->complete ? (w.aligned ? 1 : w.open_tail ? 2 : 0) : 0;
		if (!o->complete && (w.aligned || w.open_tail)) {
			/* none fitted: report the plain reading */
			o->props.len = 0;
			o->nvalues = 0;
			memset(d->ints, 0, s->prop_count * sizeof(*d->ints));
			w = (struct walk){ d, ev, s, ev->data, ev->size, 0,
			                   ev->pointer_size ? ev->pointer_size : 8, false, false,
			                   false, false, 0, &o->props, pl->keys, pl->key_lens, pl->fast };
			bool stopped = false;
			etl_strbuf_putc(&o->props, '{');
			ok = decode_props(&w, 0, s->top_count, 0, &stopped);
			etl_strbuf_putc(&o->props, '}');
			o->complete = false;
		}
		if (ev->pid == ETL_NO_ID || ev->tid == ETL_NO_ID)
			(void)payload_ids(pl, ev, d->ints, ok, &o->pid, &o->tid);
	}
	if (resolve) {
		learn_thread(d, ev);
		if (o->pid == ETL_NO_ID && o->tid != ETL_NO_ID)
			o->pid = tmap_get(d, o->tid);
	}
	return o->props.failed ? ETL_ERR_NOMEM : ETL_OK;
}

etl_status etl_decoder_decode(etl_decoder *d, const etl_event *ev, const etl_decoded **out)
{
	if (!d || !ev || !out)
		return ETL_ERR_ARG;
	*out = &d->out;
	return decode_event(d, ev, true);
}

/* ---- decoding on several threads ----------------------------------------------------- */

bool etl_decoder_shareable(const etl_decoder *d)
{
	/* without the prescan, events feed the store while they decode */
	return d && (d->prescanned || !d->schemas);
}

etl_status etl_decoder_fork(const etl_decoder *d, etl_decoder **out)
{
	if (!etl_decoder_shareable(d) || !out)
		return ETL_ERR_ARG;
	etl_status st = etl_decoder_new(d->schemas, out);
	if (st == ETL_OK) {
		(*out)->prescanned = d->prescanned;
		/* the sinks' text needs only the props */
		(*out)->note_values = false;
	}
	return st;
}

void etl_decoder_resolve(etl_decoder *d, const etl_event *ev, uint32_t *pid, uint32_t *tid)
{
	*pid = ev->pid;
	*tid = ev->tid;
	bool ev_header = ev->header == ETL_HDR_EVENT32 || ev->header == ETL_HDR_EVENT64;
	if (ev_header && ((ev->flags & ETL_EVF_STRING_ONLY) || is_eventsource_manifest(ev)))
		return; /* their decoding keeps the header's ids and teaches nothing */
	bool winsat = is_winsat(ev);
	if (winsat || ev->pid == ETL_NO_ID || ev->tid == ETL_NO_ID) {
		const struct plan *pl = winsat ? NULL : lookup(d, ev);
		if (winsat || (pl && pl->schema && !payload_ids(pl, ev, NULL, false, pid, tid))) {
			/* the ids come from a walk of the payload */
			(void)decode_event(d, ev, true);
			*pid = d->out.pid;
			*tid = d->out.tid;
			return;
		}
	}
	learn_thread(d, ev);
	if (*pid == ETL_NO_ID && *tid != ETL_NO_ID)
		*pid = tmap_get(d, *tid);
}

etl_status etl_decoder_decode_ids(etl_decoder *d, const etl_event *ev, uint32_t pid,
                                  uint32_t tid, const etl_decoded **out)
{
	*out = &d->out;
	etl_status st = decode_event(d, ev, false);
	d->out.pid = pid;
	d->out.tid = tid;
	return st;
}

/* ---- accessors ----------------------------------------------------------------------- */

const char *etl_decoded_provider_name(const etl_decoded *d) { return d ? d->provider_name : NULL; }
const char *etl_decoded_event_name(const etl_decoded *d) { return d ? d->event_name : NULL; }
const char *etl_decoded_task_name(const etl_decoded *d) { return d ? d->task_name : NULL; }
const char *etl_decoded_opcode_name(const etl_decoded *d) { return d ? d->opcode_name : NULL; }
int etl_decoded_complete(const etl_decoded *d) { return d ? d->complete : 0; }
uint32_t etl_decoded_pid(const etl_decoded *d) { return d ? d->pid : ETL_NO_ID; }
uint32_t etl_decoded_tid(const etl_decoded *d) { return d ? d->tid : ETL_NO_ID; }

const char *etl_decoded_schema(const etl_decoded *d)
{
	if (!d || (d->source == ETL_SRC_NONE))
		return "none";
	return etl_schema_source_name(d->source);
}

const char *etl_decoded_props_json(const etl_decoded *d, size_t *len)
{
	if (!d || !d->props.len) {
		if (len)
			*len = 2;
		return "{}";
	}
	if (len)
		*len = d->props.len;
	return d->props.p;
}

size_t etl_decoded_values(const etl_decoded *cd, const etl_value **values)
{
	if (!cd || !cd->nvalues) {
		if (values)
			*values = NULL;
		return 0;
	}
	etl_decoded *d = (etl_decoded *)cd;
	/* the public view points into the props text, which may have moved */
	if (d->cap_pub < d->nvalues) {
		etl_value *p = realloc(d->pub, d->nvalues * sizeof(*p));
		if (!p)
			return 0;
		d->pub = p;
		d->cap_pub = d->nvalues;
	}
	for (size_t i = 0; i < d->nvalues; i++) {
		d->pub[i].name = d->values[i].name;
		d->pub[i].kind = d->values[i].kind;
		d->pub[i].json = d->props.p + d->values[i].off;
		d->pub[i].json_len = d->values[i].len;
	}
	if (values)
		*values = d->pub;
	return d->nvalues;
}

/* ---- one value, for libetlkit-win32 ---------------------------------------------------- */

bool etl_decode_element(etl_decoder *d, const etl_prop *pr, const uint8_t *p, size_t n,
                        unsigned ptr, etl_strbuf *out, size_t *used)
{
	if (!d || !pr || (!p && n))
		return false;
	if (!d->ints_cap) {
		uint64_t *ni = realloc(d->ints, sizeof(*ni));
		if (!ni)
			return false;
		d->ints = ni;
		d->ints_cap = 1;
	}
	etl_prop one = *pr;
	one.flags &= ~(uint32_t)(ETL_PF_PARAM_COUNT | ETL_PF_PARAM_LENGTH | ETL_PF_STRUCT);
	etl_schema s = { 0 };
	s.props = &one;
	s.prop_count = s.top_count = 1;
	struct walk w = { d, NULL, &s, p, n, 0, ptr ? ptr : 8, false, false, false, false, 0,
	                  out, NULL, NULL, NULL };
	bool ok = decode_scalar(&w, &one, 0);
	*used = w.off;
	return ok && !w.bad && !out->failed;
}
