/*
 * test_tei.c - KernelTraceControl EventMetadata: TRACE_EVENT_INFO and
 * EVENT_MAP_INFO blobs (decoding.md §2.1-2.3, §8.1) -> schemas and maps of
 * a store, maps resolved whatever the arrival order.
 *
 * The blobs are built here: the worked DNS example of §8.1, CLR-style
 * structs and arrays, MOF keys, and hostile variants.  When the corpus is
 * present (ETLKIT_CORPUS, default ../shared/corpus) every EventInfo and
 * EventMapInfo of clr-net452-x64.etl is fed as well.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char err[256];

/* ---- blob builders -------------------------------------------------------------- */

struct blob {
	uint8_t b[16384];
	size_t n;
};

static void set16(struct blob *t, size_t off, unsigned v)
{
	t->b[off] = (uint8_t)v;
	t->b[off + 1] = (uint8_t)(v >> 8);
}

static void set32(struct blob *t, size_t off, uint32_t v)
{
	set16(t, off, v & 0xFFFF);
	set16(t, off + 2, v >> 16);
}

static void set_guid(struct blob *t, size_t off, const etl_guid *g)
{
	set32(t, off, g->data1);
	set16(t, off + 4, g->data2);
	set16(t, off + 6, g->data3);
	memcpy(t->b + off + 8, g->data4, 8);
}

/* Appends a NUL-terminated UTF-16 string (ASCII input); returns its offset
 * relative to `base`. */
static uint32_t add_str(struct blob *t, size_t base, const char *s)
{
	uint32_t off = (uint32_t)(t->n - base);
	for (; *s; s++) {
		set16(t, t->n, (unsigned char)*s);
		t->n += 2;
	}
	set16(t, t->n, 0);
	t->n += 2;
	return off;
}

static const etl_guid dns_guid = { 0x1c95126e, 0x7eea, 0x49a9,
	{ 0xa3, 0xfe, 0xa3, 0x78, 0xb0, 0x3d, 0xdb, 0x4d } };
static const etl_guid clr_guid = { 0xe13c0d23, 0xccbc, 0x4e12,
	{ 0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4 } };

struct desc {
	uint16_t id;
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
};

static void tei_begin(struct blob *t, const etl_guid *provider, const struct desc *d,
                      uint32_t source, uint32_t pc, uint32_t tc)
{
	memset(t->b, 0, sizeof(t->b));
	set_guid(t, 0, provider);
	set16(t, 32, d->id);
	t->b[34] = d->version;
	t->b[35] = d->channel;
	t->b[36] = d->level;
	t->b[37] = d->opcode;
	set16(t, 38, d->task);
	set32(t, 40, (uint32_t)d->keywords);
	set32(t, 44, (uint32_t)(d->keywords >> 32));
	set32(t, 48, source);
	set32(t, 100, pc);
	set32(t, 104, tc);
	set32(t, 108, 1);
	t->n = 112 + 24 * (size_t)pc;
}

static void tei_name(struct blob *t, size_t field, const char *s)
{
	set32(t, field, add_str(t, 0, s));
}

static void tei_prop(struct blob *t, unsigned i, uint32_t flags, const char *name,
                     unsigned in_or_start, unsigned out_or_members, const char *map,
                     unsigned count, unsigned length)
{
	size_t q = 112 + 24 * (size_t)i;
	set32(t, q, flags);
	set32(t, q + 4, name ? add_str(t, 0, name) : 0);
	set16(t, q + 8, in_or_start);
	set16(t, q + 10, out_or_members);
	set32(t, q + 12, map ? add_str(t, 0, map) : 0);
	set16(t, q + 16, count);
	set16(t, q + 18, length);
}

/* The first EventInfo of clr-net452-x64.etl, as §8.1 describes it. */
static void dns_info(struct blob *t)
{
	static const struct desc d = { 1001, 0, 16, 4, 0, 1001, 0x8000000000000000ull };
	tei_begin(t, &dns_guid, &d, 0, 6, 6);
	tei_name(t, 52, "Microsoft-Windows-DNS-Client");
	tei_name(t, 56, "win:Informational");
	tei_name(t, 60, "Microsoft-Windows-DNS-Client/Operational");
	tei_name(t, 68, "DnsServerForInterface");
	tei_name(t, 72, "win:Info");
	tei_name(t, 76, "Interface: %1 Total DNS Server Count: %2 Index: %3 Address: %6 (%4) ");
	tei_prop(t, 0, 0, "Interface", 1, 1, NULL, 1, 0);
	tei_prop(t, 1, 0, "TotalServerCount", 8, 8, NULL, 1, 4);
	tei_prop(t, 2, 0, "Index", 8, 8, NULL, 1, 4);
	tei_prop(t, 3, 0, "DynamicAddress", 4, 4, "DnsIpTypeMap", 1, 1);
	tei_prop(t, 4, 0, "AddressLength", 8, 8, NULL, 1, 4);
	tei_prop(t, 5, ETL_PF_PARAM_LENGTH, "Address", 14, 25, NULL, 1, 4);
}

struct mapent { uint32_t value; const char *name; };

static void map_blob(struct blob *t, const etl_guid *provider, const char *name,
                     uint32_t flag, uint32_t vtype, const struct mapent *e, unsigned n)
{
	memset(t->b, 0, sizeof(t->b));
	set_guid(t, 0, provider);
	set32(t, 20, flag);
	set32(t, 24, n);
	set32(t, 28, vtype);
	t->n = 32 + 8 * (size_t)n;
	set32(t, 16, add_str(t, 16, name));
	for (unsigned i = 0; i < n; i++) {
		set32(t, 32 + 8 * i, add_str(t, 16, e[i].name));
		set32(t, 36 + 8 * i, e[i].value);
	}
}

static const struct mapent dns_map[] = { { 0, "static " }, { 1, "dynamic " } };

static etl_schemas *new_store(void)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		abort();
	return s;
}

static etl_status add_info(etl_schemas *s, const struct blob *t)
{
	err[0] = 0;
	return etl_tei_add_event_info(s, t->b, t->n, err, sizeof(err));
}

static etl_status add_map(etl_schemas *s, const struct blob *t)
{
	err[0] = 0;
	return etl_tei_add_map_info(s, t->b, t->n, err, sizeof(err));
}

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_dns(void)
{
	struct blob *t = calloc(1, sizeof(*t)), *m = calloc(1, sizeof(*m));
	etl_schemas *s = new_store();
	dns_info(t);
	map_blob(m, &dns_guid, "DnsIpTypeMap", 1, 0, dns_map, 2);

	tap_ok(add_info(s, t) == ETL_OK, "DNS EventInfo accepted (%s)", err);
	const etl_schema *sc = etl_schemas_find_manifest(s, &dns_guid, 1001, 0);
	tap_ok(sc != NULL, "registered under (provider, 1001, 0)");
	if (!sc) {
		etl_schemas_free(s);
		free(t);
		free(m);
		return;
	}
	tap_ok(sc->source == ETL_SRC_METADATA, "source metadata");
	tap_ok(sc->channel == 16 && sc->level == 4 && sc->opcode == 0 && sc->task == 1001 &&
	       sc->keywords == 0x8000000000000000ull, "descriptor fields");
	tap_ok(streq(sc->provider_name, "Microsoft-Windows-DNS-Client"), "provider name");
	tap_ok(streq(sc->level_name, "Informational") && streq(sc->opcode_name, "Info"),
	       "win: prefixes stripped (%s, %s)", sc->level_name, sc->opcode_name);
	tap_ok(streq(sc->channel_name, "Microsoft-Windows-DNS-Client/Operational"), "channel name");
	tap_ok(streq(sc->task_name, "DnsServerForInterface") &&
	       streq(sc->event_name, "DnsServerForInterface"), "task, and event name for opcode 0");
	tap_ok(streq(sc->message, "Interface: %1 Total DNS Server Count: %2 Index: %3 "
	             "Address: %6 (%4)"), "message trimmed");
	tap_ok(sc->keywords_name == NULL, "no keyword names");
	tap_ok(sc->prop_count == 6 && sc->top_count == 6, "6 properties, all top-level");
	const etl_prop *p = sc->props;
	tap_ok(streq(p[0].name, "Interface") && p[0].in_type == 1 && p[0].out_type == 1 &&
	       p[0].flags == 0 && p[0].count == 1 && p[0].length == 0, "Interface");
	tap_ok(p[1].in_type == 8 && p[1].length == 0, "fixed-size length dropped");
	tap_ok(p[5].flags == ETL_PF_PARAM_LENGTH && p[5].length == 4 && p[5].in_type == 14 &&
	       p[5].out_type == ETL_OUT_SOCKETADDRESS, "Address: binary, length from prop 4");
	tap_ok(p[3].map == NULL, "map unknown yet");
	tap_ok(etl_schemas_find_map(s, &dns_guid, "DnsIpTypeMap") == NULL, "find_map: not yet");

	tap_ok(add_map(s, m) == ETL_OK, "DnsIpTypeMap accepted (%s)", err);
	const etl_map *map = p[3].map;
	tap_ok(map != NULL && map == etl_schemas_find_map(s, &dns_guid, "DnsIpTypeMap"),
	       "property patched when the map arrives");
	if (map) {
		tap_ok(map->kind == ETL_MAP_VALUE && map->count == 2 && streq(map->name, "DnsIpTypeMap"),
		       "value map of 2");
		tap_ok(map->entries[0].value == 0 && streq(map->entries[0].name, "static") &&
		       map->entries[1].value == 1 && streq(map->entries[1].name, "dynamic"),
		       "entry names trimmed");
	}
	tap_ok(etl_schemas_find_map(s, &clr_guid, "DnsIpTypeMap") == NULL,
	       "maps are per provider");

	/* the other order, in a fresh store */
	etl_schemas *s2 = new_store();
	tap_ok(add_map(s2, m) == ETL_OK && add_info(s2, t) == ETL_OK, "map first, then info");
	sc = etl_schemas_find_manifest(s2, &dns_guid, 1001, 0);
	tap_ok(sc && sc->props[3].map && sc->props[3].map->count == 2,
	       "property resolved at registration");

	/* a later map of the same name replaces it everywhere */
	static const struct mapent v2[] = { { 1, "Dyn" }, { 0, "Stat" }, { 2, "Other" } };
	map_blob(m, &dns_guid, "DnsIpTypeMap", 1, 0, v2, 3);
	tap_ok(add_map(s2, m) == ETL_OK && sc->props[3].map->count == 3 &&
	       streq(sc->props[3].map->entries[0].name, "Stat"), "later map replaces, sorted");
	/* a later info of the same key replaces the schema and gets the map */
	tap_ok(add_info(s2, t) == ETL_OK, "info again");
	const etl_schema *sc2 = etl_schemas_find_manifest(s2, &dns_guid, 1001, 0);
	tap_ok(sc2 && sc2->props[3].map && sc2->props[3].map->count == 3, "re-registered info mapped");

	/* one EventInfo repeated many times: references of replaced schemas
	 * are pruned, the current one still gets later maps */
	etl_status st = ETL_OK;
	for (int i = 0; i < 2000 && st == ETL_OK; i++)
		st = add_info(s2, t);
	map_blob(m, &dns_guid, "DnsIpTypeMap", 1, 0, dns_map, 2);
	tap_ok(st == ETL_OK && add_map(s2, m) == ETL_OK, "2000 repeats, then a map");
	sc2 = etl_schemas_find_manifest(s2, &dns_guid, 1001, 0);
	tap_ok(sc2 && sc2->props[3].map && sc2->props[3].map->count == 2 &&
	       sc2->props[3].map == etl_schemas_find_map(s2, &dns_guid, "DnsIpTypeMap"),
	       "current schema has the newest map");

	etl_schemas_free(s2);
	etl_schemas_free(s);
	free(t);
	free(m);
}

static void test_clr_shapes(void)
{
	struct blob *t = calloc(1, sizeof(*t));
	etl_schemas *s = new_store();

	/* BulkType: Count, ClrInstanceID, Values[Count] { 8 members, the last an
	 * array counted by the member before it } (decoding.md §2.2) */
	static const struct desc bulk = { 15, 0, 0, 4, 10, 21, 0x80000 };
	tei_begin(t, &clr_guid, &bulk, 0, 11, 3);
	tei_name(t, 68, "Type");
	tei_name(t, 72, "BulkType");
	set32(t, 64, add_str(t, 0, "TypeKeyword"));
	add_str(t, 0, "win:SQM");
	add_str(t, 0, "");
	tei_prop(t, 0, 0, "Count", 8, 8, NULL, 1, 4);
	tei_prop(t, 1, 0, "ClrInstanceID", 6, 6, NULL, 1, 2);
	tei_prop(t, 2, ETL_PF_STRUCT | ETL_PF_PARAM_COUNT, "Values", 3, 8, NULL, 0, 0);
	tei_prop(t, 3, 0, "TypeID", 10, 19, NULL, 1, 8);
	tei_prop(t, 4, 0, "ModuleID", 10, 19, NULL, 1, 8);
	tei_prop(t, 5, 0, "TypeNameID", 8, 8, NULL, 1, 4);
	tei_prop(t, 6, 0, "Flags", 8, 8, "TypeFlagsMap", 1, 4);
	tei_prop(t, 7, 0, "CorElementType", 4, 4, NULL, 1, 1);
	tei_prop(t, 8, 0, "Name", 1, 1, NULL, 1, 0);
	tei_prop(t, 9, 0, "TypeParameterCount", 8, 8, NULL, 1, 4);
	tei_prop(t, 10, ETL_PF_PARAM_COUNT, "TypeParameters", 10, 19, NULL, 9, 8);
	tap_ok(add_info(s, t) == ETL_OK, "BulkType accepted (%s)", err);
	const etl_schema *sc = etl_schemas_find_manifest(s, &clr_guid, 15, 0);
	if (sc) {
		const etl_prop *p = sc->props;
		tap_ok(streq(sc->event_name, "Type/BulkType"), "event name Task/Opcode");
		tap_ok(streq(sc->keywords_name, "TypeKeyword|SQM"), "keyword list joined (%s)",
		       sc->keywords_name);
		tap_ok(p[2].flags == (ETL_PF_STRUCT | ETL_PF_PARAM_COUNT) && p[2].in_type == ETL_IN_STRUCT &&
		       p[2].struct_start == 3 && p[2].struct_count == 8 && p[2].count == 0,
		       "struct array counted by prop 0");
		tap_ok(p[10].flags == ETL_PF_PARAM_COUNT && p[10].count == 9,
		       "member counted by the member before it");
		tap_ok(p[3].out_type == ETL_OUT_HEXINT64 && p[3].length == 0, "UInt64 hex, length 0");
	} else {
		tap_ok(0, "BulkType registered");
	}

	/* ClrStackWalk: Stack has count 2 and no flags -> fixed array; its
	 * pointer length 4 is not trusted */
	static const struct desc walk = { 82, 0, 0, 4, 0, 11, 0x40000000 };
	tei_begin(t, &clr_guid, &walk, 0, 5, 5);
	tei_name(t, 68, "CLRStack");
	tei_prop(t, 0, 0, "ClrInstanceID", 6, 6, NULL, 1, 2);
	tei_prop(t, 1, 0, "Reserved1", 4, 4, NULL, 1, 1);
	tei_prop(t, 2, 0, "Reserved2", 4, 4, NULL, 1, 1);
	tei_prop(t, 3, 0, "FrameCount", 8, 8, NULL, 1, 4);
	tei_prop(t, 4, 0, "Stack", 16, 19, NULL, 2, 4);
	tap_ok(add_info(s, t) == ETL_OK, "ClrStackWalk accepted");
	sc = etl_schemas_find_manifest(s, &clr_guid, 82, 0);
	tap_ok(sc && sc->props[4].flags == ETL_PF_FIXED_COUNT && sc->props[4].count == 2 &&
	       sc->props[4].in_type == ETL_IN_POINTER && sc->props[4].length == 0,
	       "count 2 without flags = fixed array; pointer length dropped");

	/* ParamFixedCount with count 1, fixed-length string, XML fragment */
	static const struct desc misc = { 7, 1, 0, 4, 0, 0, 0 };
	tei_begin(t, &clr_guid, &misc, 0, 3, 3);
	tei_prop(t, 0, ETL_PF_FIXED_COUNT, "One", 8, 0, NULL, 1, 4);
	tei_prop(t, 1, ETL_PF_FIXED_LENGTH, "Name", 1, 0, NULL, 1, 16);
	tei_prop(t, 2, ETL_PF_XML_FRAGMENT | 0x40, "Xml", 1, 28, NULL, 1, 0);
	tap_ok(add_info(s, t) == ETL_OK, "flags blob accepted");
	sc = etl_schemas_find_manifest(s, &clr_guid, 7, 1);
	tap_ok(sc && sc->props[0].flags == ETL_PF_FIXED_COUNT && sc->props[0].count == 1,
	       "ParamFixedCount keeps an array of 1");
	tap_ok(sc && sc->props[1].flags == ETL_PF_FIXED_LENGTH && sc->props[1].length == 16,
	       "fixed string length kept");
	tap_ok(sc && sc->props[2].flags == ETL_PF_XML_FRAGMENT && sc->event_name == NULL,
	       "HasTags dropped, no task -> no event name");

	/* zero properties (Immersive-Shell 147/148) */
	static const struct desc empty = { 147, 0, 0, 4, 1, 3, 0 };
	tei_begin(t, &dns_guid, &empty, 0, 0, 0);
	tap_ok(add_info(s, t) == ETL_OK, "blob without properties accepted");
	sc = etl_schemas_find_manifest(s, &dns_guid, 147, 0);
	tap_ok(sc && sc->prop_count == 0 && sc->top_count == 0, "0 properties");

	/* nested structs: A { B { x } } */
	tei_begin(t, &clr_guid, &misc, 0, 3, 1);
	tei_prop(t, 0, ETL_PF_STRUCT, "A", 1, 1, NULL, 1, 0);
	tei_prop(t, 1, ETL_PF_STRUCT, "B", 2, 1, NULL, 1, 0);
	tei_prop(t, 2, 0, "x", 8, 0, NULL, 1, 0);
	tap_ok(add_info(s, t) == ETL_OK, "nested struct accepted (%s)", err);

	etl_schemas_free(s);
	free(t);
}

static void test_mof(void)
{
	struct blob *t = calloc(1, sizeof(*t));
	etl_schemas *s = new_store();
	static const etl_guid cls = { 0x3d6fa8d0, 0xfe05, 0x11d0,
		{ 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
	static const struct desc d = { 0, 3, 0, 4, 1, 0, 0 };
	tei_begin(t, &dns_guid, &d, 1, 2, 2);
	set_guid(t, 16, &cls);
	tei_name(t, 68, "Process");
	tei_name(t, 72, "Start");
	tei_name(t, 92, "ActivityIdName");
	tei_prop(t, 0, 0, "UniqueProcessKey", 16, 19, NULL, 1, 4);
	tei_prop(t, 1, 0, "ImageFileName", 2, 1, NULL, 1, 0);
	tap_ok(add_info(s, t) == ETL_OK, "MOF EventInfo accepted (%s)", err);
	bool fb = true;
	const etl_schema *sc = etl_schemas_find_mof(s, &cls, 1, 3, &fb);
	tap_ok(sc && sc->source == ETL_SRC_MOF && !fb, "keyed by (EventGuid, opcode, version)");
	tap_ok(sc && streq(sc->task_name, "Process") && streq(sc->event_name, "Start"),
	       "class as task, event type name as event name");

	static const uint32_t unsupported[] = { 2, 3, 7 };
	for (int i = 0; i < 3; i++) {
		set32(t, 48, unsupported[i]);
		tap_ok(add_info(s, t) == ETL_ERR_UNSUPPORTED, "decoding source %u: %s",
		       unsupported[i], err);
	}
	etl_schemas_free(s);
	free(t);
}

static void test_maps(void)
{
	struct blob *m = calloc(1, sizeof(*m));
	etl_schemas *s = new_store();
	const etl_map *map;

	static const struct mapent bits[] = { { 4, "C " }, { 1, "A\r\n" }, { 2, "B" } };
	map_blob(m, &clr_guid, "Bits", 2, 0, bits, 3);
	tap_ok(add_map(s, m) == ETL_OK, "bitmap accepted");
	map = etl_schemas_find_map(s, &clr_guid, "Bits");
	tap_ok(map && map->kind == ETL_MAP_BITMAP && map->count == 3 &&
	       map->entries[0].value == 4 && streq(map->entries[1].name, "A"),
	       "bitmap keeps its order; CRLF trimmed");

	static const struct mapent dup[] = { { 9, "nine" }, { 3, "three" }, { 9, "NINE" },
	                                     { 0, "zero" } };
	map_blob(m, &clr_guid, "Dup", 1, 0, dup, 4);
	tap_ok(add_map(s, m) == ETL_OK, "value map with a duplicate accepted");
	map = etl_schemas_find_map(s, &clr_guid, "Dup");
	tap_ok(map && map->count == 3 && map->entries[0].value == 0 &&
	       map->entries[1].value == 3 && map->entries[2].value == 9 &&
	       streq(map->entries[2].name, "nine"), "sorted, first of a duplicate kept");

	map_blob(m, &clr_guid, "Idx", 8 | 64, 0, dup, 4);
	tap_ok(add_map(s, m) == ETL_OK, "WBEM value map without ValueMap accepted");
	map = etl_schemas_find_map(s, &clr_guid, "Idx");
	tap_ok(map && map->kind == ETL_MAP_INDEX && map->count == 4 &&
	       map->entries[2].value == 2 && streq(map->entries[2].name, "NINE"), "index map");

	map_blob(m, &clr_guid, "WFlag", 8 | 32, 0, bits, 3);
	tap_ok(add_map(s, m) == ETL_OK && (map = etl_schemas_find_map(s, &clr_guid, "WFlag")) &&
	       map->kind == ETL_MAP_BITMAP, "WBEM value map of flags = bitmap");
	map_blob(m, &clr_guid, "WBits", 16 | 64, 0, bits, 3);
	tap_ok(add_map(s, m) == ETL_OK && (map = etl_schemas_find_map(s, &clr_guid, "WBits")) &&
	       map->kind == ETL_MAP_BITMAP && map->entries[2].value == 4,
	       "WBEM BitValues without BitMap: string i = bit i");

	map_blob(m, &clr_guid, "Empty", 1, 0, NULL, 0);
	tap_ok(add_map(s, m) == ETL_OK && (map = etl_schemas_find_map(s, &clr_guid, "Empty")) &&
	       map->count == 0, "empty map accepted");

	map_blob(m, &clr_guid, "Pat", 4, 0, bits, 3);
	tap_ok(add_map(s, m) == ETL_ERR_UNSUPPORTED, "pattern map: %s", err);
	map_blob(m, &clr_guid, "Str", 1, 1, bits, 3);
	tap_ok(add_map(s, m) == ETL_ERR_UNSUPPORTED, "string-valued map: %s", err);
	map_blob(m, &clr_guid, "None", 0, 0, bits, 3);
	tap_ok(add_map(s, m) == ETL_ERR_UNSUPPORTED, "no map kind: %s", err);

	etl_schemas_free(s);
	free(m);
}

struct bad {
	const char *what;
	void (*make)(struct blob *t);
	etl_status want;
};

static void b_short(struct blob *t) { dns_info(t); t->n = 111; }
static void b_pc_past(struct blob *t) { dns_info(t); set32(t, 100, 1000); set32(t, 104, 6); }
static void b_pc_cap(struct blob *t) { dns_info(t); set32(t, 100, 4097); }
static void b_tc(struct blob *t) { dns_info(t); set32(t, 104, 7); }
static void b_str_past(struct blob *t) { dns_info(t); set32(t, 52, (uint32_t)t->n); }
static void b_str_unterm(struct blob *t) { dns_info(t); set32(t, 52, (uint32_t)t->n - 1); }
static void b_name_past(struct blob *t) { dns_info(t); set32(t, 112 + 4, 0xFFFFFFF0u); }
static void b_map_past(struct blob *t) { dns_info(t); set32(t, 112 + 3 * 24 + 12, 99999); }
static void b_kw_past(struct blob *t) { dns_info(t); set32(t, 64, (uint32_t)t->n + 2); }
static void b_intype(struct blob *t) { dns_info(t); set16(t, 112 + 8, 26); }
static void b_intype0(struct blob *t) { dns_info(t); set16(t, 112 + 8, 0); }
static void b_len_idx(struct blob *t) { dns_info(t); set16(t, 112 + 5 * 24 + 18, 6); }
static void b_len_self(struct blob *t) { dns_info(t); set16(t, 112 + 5 * 24 + 18, 5); }
static void b_cnt_idx(struct blob *t)
{
	dns_info(t);
	set32(t, 112 + 5 * 24, ETL_PF_PARAM_COUNT);
	set16(t, 112 + 5 * 24 + 16, 60000);
}
static void b_struct_self(struct blob *t)
{
	dns_info(t);
	set32(t, 104, 4);
	set32(t, 112 + 3 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 3 * 24 + 8, 3);
	set16(t, 112 + 3 * 24 + 10, 2);
}
static void b_struct_back(struct blob *t)
{
	dns_info(t);
	set32(t, 104, 4);
	set32(t, 112 + 5 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 5 * 24 + 8, 4);
	set16(t, 112 + 5 * 24 + 10, 1);
}
static void b_struct_past(struct blob *t)
{
	dns_info(t);
	set32(t, 104, 4);
	set32(t, 112 + 3 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 3 * 24 + 8, 4);
	set16(t, 112 + 3 * 24 + 10, 3);
}
static void b_struct_top(struct blob *t)
{
	dns_info(t); /* all 6 are top-level: members 4..5 are top-level too */
	set32(t, 112 + 3 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 3 * 24 + 8, 4);
	set16(t, 112 + 3 * 24 + 10, 2);
}
static void b_struct_twice(struct blob *t)
{
	dns_info(t);
	set32(t, 104, 2);
	set32(t, 112 + 0 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 0 * 24 + 8, 2);
	set16(t, 112 + 0 * 24 + 10, 3);
	set32(t, 112 + 1 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 1 * 24 + 8, 4);
	set16(t, 112 + 1 * 24 + 10, 2);
}
static void b_count_struct(struct blob *t)
{
	dns_info(t);
	set32(t, 104, 4);
	set32(t, 112 + 3 * 24, ETL_PF_STRUCT);
	set16(t, 112 + 3 * 24 + 8, 4);
	set16(t, 112 + 3 * 24 + 10, 2);
	set32(t, 112 + 1 * 24, ETL_PF_PARAM_COUNT);
	set16(t, 112 + 1 * 24 + 16, 3);
}
/* a chain of nested structs one level deeper than the cap */
static void b_deep(struct blob *t)
{
	static const struct desc d = { 1, 0, 0, 0, 0, 0, 0 };
	unsigned n = ETL_SCHEMA_MAX_DEPTH + 2;
	tei_begin(t, &clr_guid, &d, 0, n, 1);
	for (unsigned i = 0; i + 1 < n; i++)
		tei_prop(t, i, ETL_PF_STRUCT, "s", i + 1, 1, NULL, 1, 0);
	tei_prop(t, n - 1, 0, "x", 8, 0, NULL, 1, 0);
}

static void test_hostile(void)
{
	static const struct bad bad[] = {
		{ "shorter than the header", b_short, ETL_ERR_SCHEMA },
		{ "properties past the end", b_pc_past, ETL_ERR_SCHEMA },
		{ "4097 properties", b_pc_cap, ETL_ERR_LIMIT },
		{ "top-level count > count", b_tc, ETL_ERR_SCHEMA },
		{ "string offset = size", b_str_past, ETL_ERR_SCHEMA },
		{ "unterminated string", b_str_unterm, ETL_ERR_SCHEMA },
		{ "property name offset huge", b_name_past, ETL_ERR_SCHEMA },
		{ "map name offset past the end", b_map_past, ETL_ERR_SCHEMA },
		{ "keyword list past the end", b_kw_past, ETL_ERR_SCHEMA },
		{ "in-type 26", b_intype, ETL_ERR_SCHEMA },
		{ "in-type 0", b_intype0, ETL_ERR_SCHEMA },
		{ "length index out of range", b_len_idx, ETL_ERR_SCHEMA },
		{ "length index = itself", b_len_self, ETL_ERR_SCHEMA },
		{ "count index out of range", b_cnt_idx, ETL_ERR_SCHEMA },
		{ "struct containing itself", b_struct_self, ETL_ERR_SCHEMA },
		{ "struct members before it", b_struct_back, ETL_ERR_SCHEMA },
		{ "struct members past the end", b_struct_past, ETL_ERR_SCHEMA },
		{ "top-level property as member", b_struct_top, ETL_ERR_SCHEMA },
		{ "member of two structs", b_struct_twice, ETL_ERR_SCHEMA },
		{ "count taken from a struct", b_count_struct, ETL_ERR_SCHEMA },
		{ "structs nested too deep", b_deep, ETL_ERR_LIMIT },
	};
	struct blob *t = calloc(1, sizeof(*t));
	etl_schemas *s = new_store();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bad[i].make(t);
		etl_status st = add_info(s, t);
		tap_ok(st == bad[i].want && err[0], "%s -> %s: %s", bad[i].what,
		       etl_strerror(st), err);
	}
	tap_ok(etl_schemas_find_manifest(s, &dns_guid, 1001, 0) == NULL &&
	       etl_schemas_find_manifest(s, &clr_guid, 1, 0) == NULL, "nothing registered");
	/* exactly at the depth cap is fine */
	{
		static const struct desc d = { 2, 0, 0, 0, 0, 0, 0 };
		unsigned n = ETL_SCHEMA_MAX_DEPTH + 1;
		tei_begin(t, &clr_guid, &d, 0, n, 1);
		for (unsigned i = 0; i + 1 < n; i++)
			tei_prop(t, i, ETL_PF_STRUCT, "s", i + 1, 1, NULL, 1, 0);
		tei_prop(t, n - 1, 0, "x", 8, 0, NULL, 1, 0);
		tap_ok(add_info(s, t) == ETL_OK, "%d nested structs accepted (%s)",
		       ETL_SCHEMA_MAX_DEPTH, err);
	}

	/* maps */
	map_blob(t, &dns_guid, "M", 1, 0, dns_map, 2);
	size_t full = t->n;
	t->n = 31;
	tap_ok(add_map(s, t) == ETL_ERR_SCHEMA, "map blob shorter than its header: %s", err);
	t->n = full;
	set32(t, 24, 3);
	tap_ok(add_map(s, t) != ETL_OK, "entry count past the end: %s", err);
	set32(t, 24, 70000);
	tap_ok(add_map(s, t) == ETL_ERR_LIMIT, "entry count above the cap: %s", err);
	map_blob(t, &dns_guid, "M", 1, 0, dns_map, 2);
	set32(t, 32, 5000);
	tap_ok(add_map(s, t) == ETL_ERR_SCHEMA, "entry string past the end: %s", err);
	map_blob(t, &dns_guid, "M", 1, 0, dns_map, 2);
	set32(t, 16, 0);
	tap_ok(add_map(s, t) == ETL_ERR_SCHEMA, "map without a name: %s", err);
	map_blob(t, &dns_guid, "M", 1, 0, dns_map, 2);
	t->n -= 2; /* cut the last terminator */
	tap_ok(add_map(s, t) == ETL_ERR_SCHEMA, "unterminated entry string: %s", err);
	tap_ok(etl_schemas_find_map(s, &dns_guid, "M") == NULL, "no map registered");
	tap_ok(etl_tei_add_event_info(NULL, t->b, t->n, err, sizeof(err)) == ETL_ERR_ARG &&
	       etl_tei_add_map_info(s, NULL, 5, err, sizeof(err)) == ETL_ERR_ARG, "bad arguments");
	etl_schemas_free(s);
	free(t);
}

/* Every prefix and random bit flips of the info and map blobs: errors or
 * sane schemas, never a crash (the sanitizers watch the reads). */
static void test_mutations(void)
{
	struct blob *t = calloc(1, sizeof(*t)), *m = calloc(1, sizeof(*m));
	struct blob *c = calloc(1, sizeof(*c));
	etl_schemas *s = new_store();
	unsigned accepted = 0;
	dns_info(t);
	map_blob(m, &dns_guid, "DnsIpTypeMap", 1, 0, dns_map, 2);
	for (size_t len = 0; len <= t->n; len++) {
		accepted += etl_tei_add_event_info(s, t->b, len, err, sizeof(err)) == ETL_OK;
	}
	for (size_t len = 0; len <= m->n; len++)
		accepted += etl_tei_add_map_info(s, m->b, len, err, sizeof(err)) == ETL_OK;
	srand(4242);
	for (int iter = 0; iter < 5000; iter++) {
		const struct blob *src = iter & 1 ? m : t;
		memcpy(c->b, src->b, src->n);
		c->n = src->n;
		int flips = 1 + rand() % 3;
		for (int k = 0; k < flips; k++) {
			size_t at = (size_t)rand() % c->n;
			c->b[at] ^= (uint8_t)(1u << (rand() % 8));
		}
		if (iter & 1)
			accepted += etl_tei_add_map_info(s, c->b, c->n, err, sizeof(err)) == ETL_OK;
		else
			accepted += etl_tei_add_event_info(s, c->b, c->n, err, sizeof(err)) == ETL_OK;
	}
	tap_ok(1, "truncations and 5000 mutations survived (%u accepted)", accepted);
	etl_schemas_free(s);
	free(t);
	free(m);
	free(c);
}

/* ---- corpus ------------------------------------------------------------------------ */

static const etl_guid eventmetadata = { 0xbbccf6c1, 0x6cd1, 0x48c4,
	{ 0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71 } };

static int guid_eq(const etl_guid *a, const etl_guid *b)
{
	return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
	       memcmp(a->data4, b->data4, 8) == 0;
}

struct key { etl_guid provider; uint16_t id; uint8_t version; };

/* Feeds every EventInfo / EventMapInfo of the file; maps_first: all maps
 * before all infos (the file's own order otherwise). */
static int feed_corpus(const char *path, etl_schemas *s, bool maps_first,
                       struct key *keys, unsigned *nkeys, unsigned *ninfo, unsigned *nmap,
                       unsigned *failed)
{
	etl_trace *tr;
	char e[512];
	const char *paths[] = { path };
	*ninfo = *nmap = *failed = 0;
	*nkeys = 0;
	for (int pass = 0; pass < (maps_first ? 2 : 1); pass++) {
		if (etl_trace_open(paths, 1, NULL, &tr, e, sizeof(e)) != ETL_OK) {
			tap_diag("%s", e);
			return -1;
		}
		const etl_event *ev;
		while (etl_trace_next(tr, &ev) == ETL_OK) {
			if (!guid_eq(&ev->provider, &eventmetadata))
				continue;
			bool is_map = ev->opcode == 33;
			if (maps_first && (pass == 0) != is_map)
				continue;
			if (ev->opcode == 32) {
				if (etl_tei_add_event_info(s, ev->data, ev->size, err, sizeof(err)))
					(*failed)++;
				else if (*nkeys < 128 && ev->size >= 112) {
					etl_read_guid(ev->data, &keys[*nkeys].provider);
					keys[*nkeys].id = etl_le16(ev->data + 32);
					keys[*nkeys].version = ev->data[34];
					(*nkeys)++;
				}
				(*ninfo)++;
			} else if (is_map) {
				if (etl_tei_add_map_info(s, ev->data, ev->size, err, sizeof(err)))
					(*failed)++;
				(*nmap)++;
			}
		}
		etl_trace_close(tr);
	}
	return 0;
}

static void test_corpus(void)
{
	const char *dir = getenv("ETLKIT_CORPUS");
	const char *ci = getenv("CI");
	char path[4096];
	struct stat stb;
	if (!dir)
		dir = "../shared/corpus";
	snprintf(path, sizeof(path), "%s/clr-net452-x64.etl", dir);
	if (stat(path, &stb) != 0) {
		if (ci && strcmp(ci, "true") == 0)
			tap_ok(0, "corpus file %s missing (CI=true)", path);
		else
			tap_ok(1, "corpus EventMetadata # SKIP %s not found", path);
		return;
	}
	for (int order = 0; order < 2; order++) {
		etl_schemas *s = new_store();
		struct key keys[128];
		unsigned nkeys, ninfo, nmap, failed;
		if (feed_corpus(path, s, order == 1, keys, &nkeys, &ninfo, &nmap, &failed) != 0) {
			tap_ok(0, "corpus readable");
			etl_schemas_free(s);
			return;
		}
		const char *how = order ? "maps first" : "file order";
		tap_ok(ninfo == 61 && nmap == 24 && failed == 0,
		       "%s: 61 EventInfo + 24 EventMapInfo accepted (%u + %u, %u failed)",
		       how, ninfo, nmap, failed);
		unsigned found = 0, mapped = 0, props = 0;
		for (unsigned k = 0; k < nkeys; k++) {
			const etl_schema *sc = etl_schemas_find_manifest(s, &keys[k].provider,
			                                                 keys[k].id, keys[k].version);
			if (!sc)
				continue;
			found++;
			props += sc->prop_count;
			for (unsigned i = 0; i < sc->prop_count; i++)
				mapped += sc->props[i].map != NULL;
		}
		/* 33 properties name a map in these blobs, all 24 maps present */
		tap_ok(found == 61 && mapped == 33, "%s: 61 schemas, 33 properties mapped "
		       "(%u, %u; %u props)", how, found, mapped, props);
		const etl_schema *sc = etl_schemas_find_manifest(s, &dns_guid, 1001, 0);
		tap_ok(sc && sc->prop_count == 6 && streq(sc->props[5].name, "Address") &&
		       sc->props[5].flags == ETL_PF_PARAM_LENGTH && sc->props[5].length == 4 &&
		       sc->props[3].map && streq(sc->props[3].map->entries[1].name, "dynamic") &&
		       streq(sc->task_name, "DnsServerForInterface") &&
		       streq(sc->provider_name, "Microsoft-Windows-DNS-Client"),
		       "%s: DNS 1001 as in decoding.md §8.1", how);
		sc = etl_schemas_find_manifest(s, &clr_guid, 15, 0);
		tap_ok(sc && sc->top_count == 3 && sc->prop_count == 11 &&
		       sc->props[2].struct_start == 3 && sc->props[2].struct_count == 8 &&
		       sc->props[10].count == 9 && streq(sc->event_name, "Type/BulkType"),
		       "%s: CLR BulkType struct array", how);
		etl_schemas_free(s);
	}
}

int main(void)
{
	test_dns();
	test_clr_shapes();
	test_mof();
	test_maps();
	test_hostile();
	test_mutations();
	test_corpus();
	return tap_done();
}
