/*
 * tei.c - KernelTraceControl EventMetadata (decoding.md §8.1): the
 * TRACE_EVENT_INFO blobs that merged traces carry for manifest events
 * (EventInfo, class bbccf6c1-6cd1-48c4-80ff-839482e37671 type 32) become
 * schemas of the store, and the EVENT_MAP_INFO blobs (EventMapInfo, type 33)
 * become the value maps their properties name.
 *
 * TRACE_EVENT_INFO (all string references are byte offsets from the blob
 * start, 0 = absent, NUL-terminated UTF-16):
 *   0   16  ProviderGuid
 *   16  16  EventGuid (MOF: the class GUID)
 *   32  16  EventDescriptor: u16 Id, u8 Version, Channel, Level, Opcode,
 *           u16 Task, u64 Keyword
 *   48  4   DecodingSource: 0 manifest, 1 MOF, 2 WPP, 3 TraceLogging
 *   52  4   ProviderNameOffset        56  LevelNameOffset
 *   60  4   ChannelNameOffset         64  KeywordsNameOffset (string list,
 *                                         ended by an empty string)
 *   68  4   TaskNameOffset            72  OpcodeNameOffset
 *   76  4   EventMessageOffset        80  ProviderMessageOffset
 *   84  8   BinaryXML offset, size (ignored)
 *   92  4   EventNameOffset (manifest) / ActivityIDNameOffset (MOF)
 *   96  4   EventAttributesOffset / RelatedActivityIDNameOffset (ignored)
 *   100 4   PropertyCount             104 TopLevelPropertyCount
 *   108 4   Flags (template flags, tags; ignored)
 *   112 24n EVENT_PROPERTY_INFO:
 *           0 u32 Flags, 4 u32 NameOffset,
 *           8 u16 InType | StructStartIndex, 10 u16 OutType | NumOfStructMembers,
 *           12 u32 MapNameOffset | CustomSchemaOffset,
 *           16 u16 count | countPropertyIndex, 18 u16 length | lengthPropertyIndex,
 *           20 u32 Reserved | Tags
 *
 * EventMapInfo payload: GUID ProviderId, then EVENT_MAP_INFO, whose string
 * offsets are relative to its own start (payload + 16):
 *   0 u32 NameOffset, 4 u32 Flag, 8 u32 EntryCount,
 *   12 u32 MapEntryValueType (0 = ULONG, 1 = string) | FormatStringOffset,
 *   16 8n  entries: u32 OutputOffset, u32 Value
 *
 * Maps and infos arrive in any order, and the decoder wants each property's
 * map as a plain pointer.  Design: the store holds, through
 * etl_schemas_tei_slot(), one hash table keyed by (provider GUID, map name).
 * Each entry has the current map (NULL until it arrives) and the list of
 * every property that names it.  Registering a property patches its `map`
 * at once when the map is known; registering a map patches every property
 * already waiting for it.  So no pass over the schemas is ever needed, each
 * blob costs time in proportion to its own size, and the result does not
 * depend on the order of the blobs.  This relies on the store copying only
 * the etl_schema record given to etl_schemas_put(), not the property array.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <stdlib.h>
#include <string.h>

#define TEI_HEADER 112
#define TEI_PROP 24
#define MAP_HEADER 16
#define KEYWORDS_MAX 64

/* EVENT_PROPERTY_INFO flags beyond the ones etl_prop shares with TDH */
enum { PROP_HAS_TAGS = 0x40, PROP_HAS_CUSTOM_SCHEMA = 0x80, PROP_TDH_MASK = 0x3F };

/* EVENT_MAP_INFO flags */
enum {
	MAP_MANIFEST_VALUEMAP = 1, MAP_MANIFEST_BITMAP = 2, MAP_MANIFEST_PATTERNMAP = 4,
	MAP_WBEM_VALUEMAP = 8, MAP_WBEM_BITMAP = 16, MAP_WBEM_FLAG = 32, MAP_WBEM_NO_MAP = 64
};

/* ---- the map table ---------------------------------------------------------- */

/* A property naming a map, with the key of its schema: a schema replaced
 * by a later EventInfo of the same key leaves dead references behind, which
 * are pruned when the list fills up (a trace repeating one EventInfo must
 * not make every map arrival slower). */
struct map_ref {
	etl_prop *prop;
	const etl_prop *props;   /* the schema's property array */
	etl_guid key;            /* provider, or class GUID for MOF */
	uint16_t id;
	uint8_t version, opcode;
	bool mof;
};

struct map_entry {
	const char *name;        /* in the store arena; NULL = empty slot */
	etl_guid provider;
	uint32_t hash;
	uint32_t nrefs, cap;
	const etl_map *map;      /* NULL until the map arrives */
	struct map_ref *refs;    /* properties naming this map */
};

struct tei_state {
	struct map_entry *tab;   /* open addressing, power-of-two size */
	size_t size, used;
};

void etl_tei_free(void *state)
{
	struct tei_state *st = state;
	if (!st)
		return;
	for (size_t i = 0; i < st->size; i++)
		free(st->tab[i].refs);
	free(st->tab);
	free(st);
}

static uint32_t key_hash(const etl_guid *g, const char *name)
{
	uint32_t h = 2166136261u;
	uint8_t b[16];
	b[0] = (uint8_t)g->data1; b[1] = (uint8_t)(g->data1 >> 8);
	b[2] = (uint8_t)(g->data1 >> 16); b[3] = (uint8_t)(g->data1 >> 24);
	b[4] = (uint8_t)g->data2; b[5] = (uint8_t)(g->data2 >> 8);
	b[6] = (uint8_t)g->data3; b[7] = (uint8_t)(g->data3 >> 8);
	memcpy(b + 8, g->data4, 8);
	for (int i = 0; i < 16; i++)
		h = (h ^ b[i]) * 16777619u;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		h = (h ^ *s) * 16777619u;
	return h;
}

static bool guid_eq(const etl_guid *a, const etl_guid *b)
{
	return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
	       memcmp(a->data4, b->data4, 8) == 0;
}

static bool guid_null(const etl_guid *g)
{
	static const etl_guid zero;
	return guid_eq(g, &zero);
}

static struct map_entry *slot_of(struct map_entry *tab, size_t size, const etl_guid *g,
                                 const char *name, uint32_t h)
{
	size_t i = h & (size - 1);
	while (tab[i].name && !(tab[i].hash == h && guid_eq(&tab[i].provider, g) &&
	                        strcmp(tab[i].name, name) == 0))
		i = (i + 1) & (size - 1);
	return &tab[i];
}

static bool table_grow(struct tei_state *st)
{
	size_t size = st->size ? st->size * 2 : 64;
	struct map_entry *tab = calloc(size, sizeof(*tab));
	if (!tab)
		return false;
	for (size_t i = 0; i < st->size; i++) {
		struct map_entry *e = &st->tab[i];
		if (e->name)
			*slot_of(tab, size, &e->provider, e->name, e->hash) = *e;
	}
	free(st->tab);
	st->tab = tab;
	st->size = size;
	return true;
}

/* The entry for (provider, name); created when asked.  `name` must live as
 * long as the store (it is kept, not copied). */
static struct map_entry *entry_get(etl_schemas *s, const etl_guid *provider,
                                   const char *name, bool create)
{
	void **slot = etl_schemas_tei_slot(s);
	struct tei_state *st;
	if (!slot)
		return NULL;
	st = *slot;
	if (!st) {
		if (!create)
			return NULL;
		st = calloc(1, sizeof(*st));
		if (!st)
			return NULL;
		*slot = st;
	}
	uint32_t h = key_hash(provider, name);
	if (st->size) {
		struct map_entry *e = slot_of(st->tab, st->size, provider, name, h);
		if (e->name || !create)
			return e->name ? e : NULL;
	} else if (!create) {
		return NULL;
	}
	if ((st->used + 1) * 4 > st->size * 3 && !table_grow(st))
		return NULL;
	struct map_entry *e = slot_of(st->tab, st->size, provider, name, h);
	e->name = name;
	e->provider = *provider;
	e->hash = h;
	st->used++;
	return e;
}

etl_status etl_schemas_put_map(etl_schemas *s, const etl_guid *provider,
                               const etl_map *map)
{
	if (!s || !provider || !map || !map->name)
		return ETL_ERR_ARG;
	struct map_entry *e = entry_get(s, provider, map->name, true);
	if (!e)
		return ETL_ERR_NOMEM;
	e->map = map;
	for (uint32_t i = 0; i < e->nrefs; i++)
		e->refs[i].prop->map = map;
	return ETL_OK;
}

const etl_map *etl_schemas_find_map(etl_schemas *s, const etl_guid *provider,
                                    const char *name)
{
	if (!s || !provider || !name)
		return NULL;
	struct map_entry *e = entry_get(s, provider, name, false);
	return e ? e->map : NULL;
}

/* True while the schema a reference was made for is still the registered
 * one of its key. */
static bool ref_live(etl_schemas *s, const struct map_ref *r)
{
	const etl_schema *sc;
	bool fallback = false;
	if (r->mof)
		sc = etl_schemas_find_mof(s, &r->key, r->opcode, r->version, &fallback);
	else
		sc = etl_schemas_find_manifest(s, &r->key, r->id, r->version);
	return sc && !fallback && sc->props == r->props;
}

/* Records that props[i] of schema sc names map `name` of `provider`, and
 * resolves it now if the map is known.  name lives in the store arena. */
static etl_status map_ref(etl_schemas *s, const etl_guid *provider, const char *name,
                          const etl_schema *sc, etl_prop *props, uint16_t i)
{
	struct map_entry *e = entry_get(s, provider, name, true);
	if (!e)
		return ETL_ERR_NOMEM;
	if (e->nrefs == e->cap) {
		uint32_t live = 0;
		if (e->cap >= 16) {
			for (uint32_t k = 0; k < e->nrefs; k++)
				if (ref_live(s, &e->refs[k]))
					e->refs[live++] = e->refs[k];
			e->nrefs = live;
		}
		/* grow unless pruning freed at least half the list, so that each
		 * reference is checked O(1) times on average */
		if (e->nrefs * 2 > e->cap || e->cap < 16) {
			uint32_t cap = e->cap ? e->cap * 2 : 4;
			struct map_ref *refs = realloc(e->refs, cap * sizeof(*refs));
			if (!refs)
				return ETL_ERR_NOMEM;
			e->refs = refs;
			e->cap = cap;
		}
	}
	struct map_ref *r = &e->refs[e->nrefs++];
	r->prop = &props[i];
	r->props = props;
	r->key = sc->provider;
	r->id = sc->id;
	r->version = sc->version;
	r->opcode = sc->opcode;
	r->mof = sc->source == ETL_SRC_MOF;
	r->prop->map = e->map;
	return ETL_OK;
}

/* ---- strings ------------------------------------------------------------------ */

enum { STR_TRIM = 1, STR_STRIP_WIN = 2 };

/* The UTF-16 string at byte offset off of blob p[0..n), as UTF-8 in the
 * arena; *out = NULL when off is 0.  *units receives its length in code
 * units (for walking string lists). */
static etl_status tei_string(etl_arena *a, const uint8_t *p, size_t n, uint32_t off,
                             unsigned mode, const char **out, size_t *units)
{
	char small[512];
	bool term;
	*out = NULL;
	if (units)
		*units = 0;
	if (off == 0)
		return ETL_OK;
	if (off >= n)
		return ETL_ERR_SCHEMA;
	size_t u = etl_utf16_strnlen(p + off, (n - off) / 2, &term);
	if (!term)
		return ETL_ERR_SCHEMA;
	size_t cap = u * 3 + 1;
	char *buf = cap <= sizeof(small) ? small : malloc(cap);
	if (!buf)
		return ETL_ERR_NOMEM;
	size_t len = etl_utf16_to_utf8(p + off, u, buf, cap);
	const char *s = buf;
	if (mode & STR_TRIM)
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\r' ||
		                   s[len - 1] == '\n' || s[len - 1] == '\t'))
			len--;
	if ((mode & STR_STRIP_WIN) && len > 4 && memcmp(s, "win:", 4) == 0) {
		s += 4;
		len -= 4;
	}
	*out = etl_arena_strndup(a, s, len);
	if (buf != small)
		free(buf);
	if (units)
		*units = u;
	return *out ? ETL_OK : ETL_ERR_NOMEM;
}

/* Keyword names: strings one after another, ended by an empty one; joined
 * with '|' as etl_schema.keywords_name wants them. */
static etl_status tei_keywords(etl_arena *a, const uint8_t *p, size_t n, uint32_t off,
                               const char **out)
{
	etl_strbuf b = { 0 };
	etl_status st = ETL_OK;
	*out = NULL;
	for (int k = 0; off != 0 && k < KEYWORDS_MAX; k++) {
		const char *name;
		size_t units;
		st = tei_string(a, p, n, off, STR_TRIM | STR_STRIP_WIN, &name, &units);
		if (st != ETL_OK || units == 0)
			break;
		if (b.len)
			etl_strbuf_putc(&b, '|');
		etl_strbuf_puts(&b, name);
		if ((units + 1) * 2 > n - off)
			break;
		off += (uint32_t)((units + 1) * 2);
	}
	if (st == ETL_OK && b.failed)
		st = ETL_ERR_NOMEM;
	if (st == ETL_OK && b.len) {
		*out = etl_arena_strndup(a, b.p, b.len);
		if (!*out)
			st = ETL_ERR_NOMEM;
	}
	etl_strbuf_free(&b);
	return st;
}

/* ---- TRACE_EVENT_INFO ------------------------------------------------------------ */

static bool intype_known(unsigned t)
{
	return (t >= ETL_IN_UNICODESTRING && t <= ETL_IN_COUNTEDANSISTRING) ||
	       t == ETL_IN_COUNTEDBINARY ||
	       (t >= ETL_IN_MOF_COUNTEDSTRING && t <= ETL_IN_MOF_WBEMSID);
}

/* In-types whose size is fixed by the type (or by the event's pointer size):
 * their `length` is informational, and for pointers it is even wrong in blobs
 * written by a process of the other bitness (§2.2), so it is dropped. */
static bool intype_fixed(unsigned t)
{
	return (t >= ETL_IN_INT8 && t <= ETL_IN_BOOLEAN) ||
	       (t >= ETL_IN_GUID && t <= ETL_IN_SYSTEMTIME) ||
	       t == ETL_IN_HEXINT32 || t == ETL_IN_HEXINT64 || t == ETL_IN_MOF_SIZET;
}

static bool outtype_known(unsigned t)
{
	return t <= ETL_OUT_DATETIME_UTC || t == ETL_OUT_REDUCEDSTRING || t == ETL_OUT_NOPRINT;
}

#define TEI_FAIL(code, ...) do { \
		etl_msg(err, errsz, "EventInfo: " __VA_ARGS__); \
		st = (code); \
		goto out; \
	} while (0)

/* A string field of the blob; a bad offset fails the whole blob. */
#define TEI_STRING(dst, off, mode, what) do { \
		etl_status st_ = tei_string(a, p, n, (off), (mode), &(dst), NULL); \
		if (st_ == ETL_ERR_NOMEM) \
			TEI_FAIL(ETL_ERR_NOMEM, "out of memory"); \
		if (st_ != ETL_OK) \
			TEI_FAIL(ETL_ERR_SCHEMA, "%s string at byte %u is outside the " \
			         "blob or unterminated", (what), (unsigned)(off)); \
	} while (0)

etl_status etl_tei_add_event_info(etl_schemas *s, const uint8_t *p, size_t n,
                                  char *err, size_t errsz)
{
	etl_status st = ETL_OK;
	uint16_t *owner = NULL, *depth = NULL, *mapref = NULL;
	const char **mapname = NULL;
	size_t nmaps = 0;

	if (!s || (!p && n))
		return ETL_ERR_ARG;
	etl_arena *a = etl_schemas_arena(s);
	if (n < TEI_HEADER) {
		etl_msg(err, errsz, "EventInfo: %zu bytes, shorter than the %d-byte header",
		        n, TEI_HEADER);
		return ETL_ERR_SCHEMA;
	}
	uint32_t source = etl_le32(p + 48);
	uint32_t pc = etl_le32(p + 100), tc = etl_le32(p + 104);
	if (source != 0 && source != 1) {
		etl_msg(err, errsz, "EventInfo: decoding source %u (%s) is not supported",
		        source, source == 2 ? "WPP" : source == 3 ? "TraceLogging" : "unknown");
		return ETL_ERR_UNSUPPORTED;
	}
	if (pc > ETL_SCHEMA_MAX_PROPS) {
		etl_msg(err, errsz, "EventInfo: byte 100: %u properties, more than %d",
		        pc, ETL_SCHEMA_MAX_PROPS);
		return ETL_ERR_LIMIT;
	}
	if (tc > pc) {
		etl_msg(err, errsz, "EventInfo: byte 104: %u top-level properties of %u",
		        tc, pc);
		return ETL_ERR_SCHEMA;
	}
	if ((size_t)pc * TEI_PROP > n - TEI_HEADER) {
		etl_msg(err, errsz, "EventInfo: byte 100: %u properties do not fit in "
		        "%zu bytes", pc, n);
		return ETL_ERR_SCHEMA;
	}

	/* the store copies the record; the property array stays ours */
	etl_schema scv = { 0 }, *sc = &scv;
	etl_prop *props = etl_arena_alloc(a, (pc ? pc : 1) * sizeof(*props));
	size_t tmp = pc ? pc : 1;
	owner = malloc(tmp * sizeof(*owner));
	depth = malloc(tmp * sizeof(*depth));
	mapref = malloc(tmp * sizeof(*mapref));
	mapname = malloc(tmp * sizeof(*mapname));
	if (!props || !owner || !depth || !mapref || !mapname)
		TEI_FAIL(ETL_ERR_NOMEM, "out of memory");

	etl_guid provider, event_guid;
	etl_read_guid(p, &provider);
	etl_read_guid(p + 16, &event_guid);
	sc->provider = provider;
	sc->event_guid = event_guid;
	sc->id = etl_le16(p + 32);
	sc->version = p[34];
	sc->channel = p[35];
	sc->level = p[36];
	sc->opcode = p[37];
	sc->task = etl_le16(p + 38);
	sc->keywords = etl_le64(p + 40);
	sc->source = source == 1 ? ETL_SRC_MOF : ETL_SRC_METADATA;
	if (source == 1) {
		/* MOF: keyed by class GUID; TDH reports the class as task and the
		 * event type name as opcode */
		if (!guid_null(&event_guid))
			sc->provider = event_guid;
		sc->id = 0;
	}

	const char *msg;
	TEI_STRING(sc->provider_name, etl_le32(p + 52), STR_TRIM, "provider name");
	TEI_STRING(sc->level_name, etl_le32(p + 56), STR_TRIM | STR_STRIP_WIN, "level name");
	TEI_STRING(sc->channel_name, etl_le32(p + 60), STR_TRIM | STR_STRIP_WIN, "channel name");
	TEI_STRING(sc->task_name, etl_le32(p + 68), STR_TRIM | STR_STRIP_WIN, "task name");
	TEI_STRING(sc->opcode_name, etl_le32(p + 72), STR_TRIM | STR_STRIP_WIN, "opcode name");
	TEI_STRING(msg, etl_le32(p + 76), STR_TRIM, "event message");
	sc->message = msg;
	{
		etl_status ks = tei_keywords(a, p, n, etl_le32(p + 64), &sc->keywords_name);
		if (ks == ETL_ERR_NOMEM)
			TEI_FAIL(ETL_ERR_NOMEM, "out of memory");
		if (ks != ETL_OK)
			TEI_FAIL(ETL_ERR_SCHEMA, "keyword name string at byte %u is outside "
			         "the blob or unterminated", (unsigned)etl_le32(p + 64));
	}
	if (source == 0)
		TEI_STRING(sc->event_name, etl_le32(p + 92), STR_TRIM, "event name");
	if (!sc->event_name && source == 1) {
		sc->event_name = sc->opcode_name;
	} else if (!sc->event_name && sc->task_name) {
		/* what TraceEvent shows and the manifest loader composes:
		 * Task, or Task/Opcode when the opcode is not Info */
		if (sc->opcode != 0 && sc->opcode_name) {
			size_t lt = strlen(sc->task_name), lo = strlen(sc->opcode_name);
			char *name = etl_arena_alloc(a, lt + lo + 2);
			if (!name)
				TEI_FAIL(ETL_ERR_NOMEM, "out of memory");
			memcpy(name, sc->task_name, lt);
			name[lt] = '/';
			memcpy(name + lt + 1, sc->opcode_name, lo + 1);
			sc->event_name = name;
		} else {
			sc->event_name = sc->task_name;
		}
	}

	for (uint32_t i = 0; i < pc; i++) {
		owner[i] = UINT16_MAX;
		depth[i] = 0;
	}
	for (uint32_t i = 0; i < pc; i++) {
		const uint8_t *q = p + TEI_HEADER + (size_t)i * TEI_PROP;
		size_t at = TEI_HEADER + (size_t)i * TEI_PROP;
		etl_prop *pr = &props[i];
		uint32_t flags = etl_le32(q);
		uint16_t a16 = etl_le16(q + 8), b16 = etl_le16(q + 10);
		uint32_t map_off = etl_le32(q + 12);
		uint16_t count = etl_le16(q + 16), length = etl_le16(q + 18);

		TEI_STRING(pr->name, etl_le32(q + 4), 0, "property name");
		if (!pr->name)
			pr->name = "";
		pr->flags = flags & PROP_TDH_MASK;
		if (flags & ETL_PF_STRUCT) {
			/* members strictly after the struct, each owned by one
			 * struct and never top-level: the properties form a tree,
			 * so the decoder's walk is finite and linear */
			if (a16 <= i || (size_t)a16 + b16 > pc)
				TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: struct members "
				         "%u..+%u out of range", at, i, a16, b16);
			if (depth[i] >= ETL_SCHEMA_MAX_DEPTH)
				TEI_FAIL(ETL_ERR_LIMIT, "byte %zu: property %u: structs nested "
				         "deeper than %d", at, i, ETL_SCHEMA_MAX_DEPTH);
			for (uint32_t m = a16; m < (uint32_t)a16 + b16; m++) {
				if (m < tc || owner[m] != UINT16_MAX)
					TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: member %u "
					         "is top-level or in another struct", at, i, m);
				owner[m] = (uint16_t)i;
				depth[m] = (uint16_t)(depth[i] + 1);
			}
			pr->in_type = ETL_IN_STRUCT;
			pr->struct_start = a16;
			pr->struct_count = b16;
		} else {
			if (!intype_known(a16))
				TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: unknown in-type %u",
				         at, i, a16);
			pr->in_type = a16;
			pr->out_type = outtype_known(b16) ? b16 : ETL_OUT_NULL;
		}
		if (flags & PROP_HAS_CUSTOM_SCHEMA) {
			pr->flags |= ETL_PF_CUSTOM;
		} else if (map_off && !(flags & ETL_PF_STRUCT)) {
			const char *mn;
			TEI_STRING(mn, map_off, 0, "map name");
			if (mn && *mn) {
				mapref[nmaps] = (uint16_t)i;
				mapname[nmaps++] = mn;
			}
		}
		if (flags & ETL_PF_PARAM_COUNT) {
			if (count >= pc || count == i)
				TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: count property "
				         "%u out of range", at, i, count);
			pr->count = count;
		} else if (count > 1 || (flags & ETL_PF_FIXED_COUNT)) {
			/* count > 1 is an array even without ParamFixedCount */
			pr->flags |= ETL_PF_FIXED_COUNT;
			pr->count = count;
		} else {
			pr->count = 1;
		}
		if (flags & ETL_PF_PARAM_LENGTH) {
			if (length >= pc || length == i)
				TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: length property "
				         "%u out of range", at, i, length);
			pr->length = length;
		} else if (!(flags & ETL_PF_STRUCT) && !intype_fixed(pr->in_type)) {
			pr->length = length;
		}
	}
	/* a count or length must come from a value, not from a struct */
	for (uint32_t i = 0; i < pc; i++) {
		const etl_prop *pr = &props[i];
		if (((pr->flags & ETL_PF_PARAM_COUNT) && (props[pr->count].flags & ETL_PF_STRUCT)) ||
		    ((pr->flags & ETL_PF_PARAM_LENGTH) && (props[pr->length].flags & ETL_PF_STRUCT)))
			TEI_FAIL(ETL_ERR_SCHEMA, "byte %zu: property %u: count or length "
			         "refers to a struct", TEI_HEADER + (size_t)i * TEI_PROP, i);
	}
	sc->prop_count = (uint16_t)pc;
	sc->top_count = (uint16_t)tc;
	sc->props = props;

	st = etl_schemas_put(s, sc);
	if (st != ETL_OK) {
		etl_msg(err, errsz, "EventInfo: cannot register the schema: %s",
		        etl_schemas_errmsg(s));
		goto out;
	}
	for (size_t k = 0; k < nmaps; k++) {
		st = map_ref(s, &provider, mapname[k], sc, props, mapref[k]);
		if (st != ETL_OK) {
			etl_msg(err, errsz, "EventInfo: out of memory");
			goto out;
		}
	}
out:
	free(owner);
	free(depth);
	free(mapref);
	free(mapname);
	return st;
}

/* ---- EVENT_MAP_INFO ---------------------------------------------------------------- */

struct sort_entry {
	etl_map_entry e;
	uint32_t index;
};

static int by_value(const void *x, const void *y)
{
	const struct sort_entry *a = x, *b = y;
	if (a->e.value != b->e.value)
		return a->e.value < b->e.value ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

etl_status etl_tei_add_map_info(etl_schemas *s, const uint8_t *p, size_t n,
                                char *err, size_t errsz)
{
	struct sort_entry *tmp = NULL;
	etl_status st = ETL_OK;

	if (!s || (!p && n))
		return ETL_ERR_ARG;
	etl_arena *a = etl_schemas_arena(s);
	if (n < 16 + MAP_HEADER) {
		etl_msg(err, errsz, "EventMapInfo: %zu bytes, shorter than provider + "
		        "%d-byte header", n, MAP_HEADER);
		return ETL_ERR_SCHEMA;
	}
	etl_guid provider;
	etl_read_guid(p, &provider);
	const uint8_t *m = p + 16;
	size_t mn = n - 16;
	uint32_t name_off = etl_le32(m), flag = etl_le32(m + 4);
	uint32_t count = etl_le32(m + 8), vtype = etl_le32(m + 12);
	uint32_t kind;

	if (flag & MAP_MANIFEST_PATTERNMAP) {
		etl_msg(err, errsz, "EventMapInfo: pattern maps are not supported");
		return ETL_ERR_UNSUPPORTED;
	}
	if (vtype != 0) {
		etl_msg(err, errsz, "EventMapInfo: maps with string values are not supported");
		return ETL_ERR_UNSUPPORTED;
	}
	if (flag & (MAP_MANIFEST_BITMAP | MAP_WBEM_BITMAP) ||
	    (flag & (MAP_WBEM_VALUEMAP | MAP_WBEM_FLAG)) == (MAP_WBEM_VALUEMAP | MAP_WBEM_FLAG))
		kind = ETL_MAP_BITMAP;
	else if (flag & MAP_MANIFEST_VALUEMAP)
		kind = ETL_MAP_VALUE;
	else if (flag & MAP_WBEM_VALUEMAP)
		kind = flag & MAP_WBEM_NO_MAP ? ETL_MAP_INDEX : ETL_MAP_VALUE;
	else {
		etl_msg(err, errsz, "EventMapInfo: unknown map flags 0x%x", flag);
		return ETL_ERR_UNSUPPORTED;
	}
	if (count > ETL_SCHEMA_MAX_MAP_ENTRIES) {
		etl_msg(err, errsz, "EventMapInfo: byte %d: %u entries, more than %d",
		        16 + 8, count, ETL_SCHEMA_MAX_MAP_ENTRIES);
		return ETL_ERR_LIMIT;
	}
	if ((size_t)count * 8 > mn - MAP_HEADER) {
		etl_msg(err, errsz, "EventMapInfo: byte %d: %u entries do not fit in %zu bytes",
		        16 + 8, count, n);
		return ETL_ERR_SCHEMA;
	}

	etl_map *map = etl_arena_alloc(a, sizeof(*map));
	etl_map_entry *ent = etl_arena_alloc(a, (count ? count : 1) * sizeof(*ent));
	tmp = malloc((count ? count : 1) * sizeof(*tmp));
	if (!map || !ent || !tmp) {
		etl_msg(err, errsz, "EventMapInfo: out of memory");
		st = ETL_ERR_NOMEM;
		goto out;
	}
	st = tei_string(a, m, mn, name_off, 0, &map->name, NULL);
	if (st == ETL_OK && (!map->name || !*map->name))
		st = ETL_ERR_SCHEMA;
	if (st != ETL_OK) {
		etl_msg(err, errsz, "EventMapInfo: byte %u: map name missing, outside the "
		        "blob or unterminated", 16u);
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *q = m + MAP_HEADER + (size_t)i * 8;
		uint32_t off = etl_le32(q);
		const char *name;
		st = tei_string(a, m, mn, off, STR_TRIM, &name, NULL);
		if (st == ETL_ERR_NOMEM) {
			etl_msg(err, errsz, "EventMapInfo: out of memory");
			goto out;
		}
		if (st != ETL_OK) {
			etl_msg(err, errsz, "EventMapInfo %s: byte %zu: entry %u: string at map "
			        "offset %u is outside the blob or unterminated", map->name,
			        (size_t)(q - p), i, off);
			goto out;
		}
		tmp[i].e.name = name ? name : "";
		tmp[i].index = i;
		switch (kind) {
		case ETL_MAP_INDEX:
			tmp[i].e.value = i;
			break;
		case ETL_MAP_BITMAP:
			/* WBEM BitValues without BitMap: string i is bit i */
			tmp[i].e.value = (flag & MAP_WBEM_NO_MAP) && !(flag & MAP_MANIFEST_BITMAP)
			                 ? (i < 64 ? (uint64_t)1 << i : 0) : etl_le32(q + 4);
			break;
		default:
			tmp[i].e.value = etl_le32(q + 4);
		}
	}
	/* value maps are searched by value: sort, and keep the first entry of
	 * a duplicated value as a linear search would */
	uint32_t out_n = 0;
	if (kind == ETL_MAP_VALUE && count > 1)
		qsort(tmp, count, sizeof(*tmp), by_value);
	for (uint32_t i = 0; i < count; i++) {
		if (kind == ETL_MAP_VALUE && out_n && ent[out_n - 1].value == tmp[i].e.value)
			continue;
		ent[out_n++] = tmp[i].e;
	}
	map->kind = kind;
	map->count = out_n;
	map->entries = ent;
	st = etl_schemas_put_map(s, &provider, map);
	if (st != ETL_OK)
		etl_msg(err, errsz, "EventMapInfo: out of memory");
out:
	free(tmp);
	return st;
}
