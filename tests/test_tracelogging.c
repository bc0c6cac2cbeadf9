/*
 * test_tracelogging.c - etl_tlg_parse(): TraceLogging provider traits and
 * event metadata blobs (decoding.md §6) -> etl_schema.
 *
 * The corpus blobs of §6.6 are embedded byte for byte; the rest are built
 * here to reach every in-type, array kind, out-type translation (§3.4) and
 * struct layout, plus hostile blobs that must fail cleanly.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static etl_arena *arena;
static char err[256];

static etl_status parse(const void *traits, size_t tn, const void *meta, size_t mn,
                        const etl_schema **sc)
{
	err[0] = 0;
	return etl_tlg_parse(arena, NULL, traits, tn, meta, mn, sc, err, sizeof(err));
}

/* Metadata builder: fields appended one by one; the size is patched at the end. */
struct blob {
	uint8_t b[70000];
	size_t n;
};

static void put(struct blob *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put8(struct blob *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void put16(struct blob *m, unsigned v)
{
	put8(m, v & 0xFF);
	put8(m, v >> 8);
}

static void puts0(struct blob *m, const char *s)
{
	put(m, s, strlen(s) + 1);
}

static void meta_begin(struct blob *m, const char *name)
{
	m->n = 0;
	put16(m, 0);
	put8(m, 0); /* no tags */
	puts0(m, name);
}

static void meta_end(struct blob *m)
{
	m->b[0] = (uint8_t)(m->n & 0xFF);
	m->b[1] = (uint8_t)(m->n >> 8);
}

/* a field with an out byte */
static void field(struct blob *m, const char *name, unsigned in, unsigned out)
{
	puts0(m, name);
	put8(m, in | 0x80);
	put8(m, out);
}

static void test_corpus_blobs(void)
{
	const etl_schema *sc;
	/* selfdescribing.etl, provider MySource */
	static const uint8_t sd_traits[] = "\x0b\x00MySource";
	static const uint8_t sd_meta[] = "\x17\x00\x00TestEvent\0a\0\x98\x02" "b\0\x01" "c\0\x01";
	tap_ok(parse(sd_traits, 11, sd_meta, 23, &sc) == ETL_OK, "selfdescribing parses (%s)", err);
	if (sc) {
		tap_ok(sc->source == ETL_SRC_TRACELOGGING, "source tracelogging");
		tap_ok(strcmp(sc->event_name, "TestEvent") == 0, "event name TestEvent");
		tap_ok(strcmp(sc->provider_name, "MySource") == 0, "provider name MySource");
		tap_ok(sc->prop_count == 3 && sc->top_count == 1, "3 props, 1 top-level");
		const etl_prop *p = sc->props;
		tap_ok(strcmp(p[0].name, "a") == 0 && (p[0].flags & ETL_PF_STRUCT) &&
		       p[0].in_type == ETL_IN_STRUCT && p[0].struct_start == 1 &&
		       p[0].struct_count == 2, "a = struct of props 1..2");
		tap_ok(strcmp(p[1].name, "b") == 0 && p[1].in_type == ETL_IN_UNICODESTRING &&
		       p[1].out_type == 0 && p[1].flags == 0 && p[1].count == 1, "b UnicodeString scalar");
		tap_ok(strcmp(p[2].name, "c") == 0 && p[2].in_type == ETL_IN_UNICODESTRING, "c UnicodeString");
	}

	/* the lxcore-kernel.etl event as decoding.md §6.6 describes it: traits with
	 * a group GUID, tags 80 00 */
	static const uint8_t lx_traits[] =
		"8\x00Microsoft.Windows.Subsystem.LxCore\0\x13\x00\x01"
		"\x1a\x73\x50\x4f\xcf\x89\x82\x47\xb3\xe0\xdc\xe8\xc9\x04\x76\xba";
	static const uint8_t lx_meta[] =
		"d\x00\x80\x00" "BreakPoint\0ErrorLevel\0\x04instanceId\0\x0fLxPid\0\x07"
		"LxTid\0\x07LxNs\0\x07" "ExecutablePath\0\x17" "Function\0\x02Line\0\x08"
		"Message\0\x02";
	tap_ok(parse(lx_traits, 56, lx_meta, 100, &sc) == ETL_OK, "lxcore parses (%s)", err);
	if (sc) {
		static const uint16_t in[] = { 4, 15, 7, 7, 7, 23, 2, 8, 2 };
		int good = sc->prop_count == 9 && sc->top_count == 9;
		for (int i = 0; good && i < 9; i++)
			good = sc->props[i].in_type == in[i] && sc->props[i].flags == 0;
		tap_ok(good, "lxcore: 9 scalar fields with the expected in-types");
		tap_ok(strcmp(sc->provider_name, "Microsoft.Windows.Subsystem.LxCore") == 0 &&
		       strcmp(sc->event_name, "BreakPoint") == 0, "lxcore names");
		tap_ok(strcmp(sc->props[8].name, "Message") == 0, "lxcore last field Message");
	}

	/* the amsi.etl event of decoding.md §6.6: Raw Script = UINT16 | variable
	 * array | chain, out STRING */
	static const uint8_t am_traits[] = "\x0c\x00" "AmsiTrace";
	static const uint8_t am_meta[] =
		"+\x00\x00" "AmsiScript\0Engine\0\x01Script\0\x01Raw Script\0\xc6\x02";
	tap_ok(parse(am_traits, 12, am_meta, 43, &sc) == ETL_OK, "amsi parses (%s)", err);
	if (sc) {
		const etl_prop *p = &sc->props[2];
		tap_ok(sc->prop_count == 3 && strcmp(p->name, "Raw Script") == 0 &&
		       p->in_type == ETL_IN_UINT16 && p->out_type == ETL_OUT_STRING &&
		       p->flags == ETL_PF_COUNT_PREFIX, "Raw Script: u16-counted UInt16 array, out string");
	}

	/* primitive-types.etl (first fields): UINT8 + BOOLEAN, UINT8 + STRING */
	static const uint8_t pt_meta[] =
		"\x3e\x00\x00PrimitiveTypesTest\0string_type\0\x02"
		"boolean_type\0\x84\x03" "char_type\0\x84\x02";
	tap_ok(parse(NULL, 0, pt_meta, 62, &sc) == ETL_OK, "primitive-types prefix parses (%s)", err);
	if (sc) {
		tap_ok(sc->provider_name == NULL, "no traits -> no provider name");
		tap_ok(sc->props[1].in_type == ETL_IN_UINT8 && sc->props[1].out_type == ETL_OUT_BOOLEAN,
		       "UInt8 + TL BOOLEAN -> out 13");
		tap_ok(sc->props[2].in_type == ETL_IN_UINT8 && sc->props[2].out_type == ETL_OUT_STRING,
		       "UInt8 + TL STRING -> out 1");
	}
}

static void test_intypes(void)
{
	struct blob *m = calloc(1, sizeof(*m));
	const etl_schema *sc;
	meta_begin(m, "InTypes");
	for (unsigned in = 1; in <= 25; in++) {
		char name[8];
		if (in == 24)
			continue;
		snprintf(name, sizeof(name), "f%u", in);
		puts0(m, name);
		put8(m, in);
	}
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK, "all scalar in-types parse (%s)", err);
	if (sc) {
		int good = sc->prop_count == 24;
		for (unsigned i = 0; good && i < 24; i++) {
			unsigned in = i + 1 + (i >= 23);
			unsigned want = in == 14 ? ETL_IN_COUNTEDBINARY : in;
			good = sc->props[i].in_type == want && sc->props[i].out_type == 0;
			if (!good)
				tap_diag("field %u: in %u want %u", i, sc->props[i].in_type, want);
		}
		tap_ok(good, "in-types map 1:1 except BINARY -> COUNTEDBINARY");
		tap_ok(sc->props[15].in_type == ETL_IN_POINTER, "TL pointer kept pointer-sized");
	}
	free(m);
}

static void test_outtypes(void)
{
	static const struct { unsigned in, out, want; } t[] = {
		{ 8, 0, 0 }, { 8, 1, ETL_OUT_NOPRINT }, { 2, 2, ETL_OUT_STRING },
		{ 4, 3, ETL_OUT_BOOLEAN }, { 7, 3, ETL_OUT_BOOLEAN },
		{ 4, 4, ETL_OUT_HEXINT8 }, { 3, 4, ETL_OUT_HEXINT8 }, { 6, 4, ETL_OUT_HEXINT16 },
		{ 8, 4, ETL_OUT_HEXINT32 }, { 20, 4, ETL_OUT_HEXINT32 }, { 10, 4, ETL_OUT_HEXINT64 },
		{ 21, 4, ETL_OUT_HEXINT64 }, { 14, 4, ETL_OUT_HEXBINARY }, { 25, 4, ETL_OUT_HEXBINARY },
		{ 16, 4, ETL_OUT_HEXINT64 }, { 1, 4, 0 },
		{ 8, 5, ETL_OUT_PID }, { 8, 6, ETL_OUT_TID }, { 6, 7, ETL_OUT_PORT },
		{ 8, 8, ETL_OUT_IPV4 }, { 25, 9, ETL_OUT_IPV6 }, { 25, 10, ETL_OUT_SOCKETADDRESS },
		{ 1, 11, ETL_OUT_XML }, { 2, 12, ETL_OUT_JSON }, { 8, 13, ETL_OUT_WIN32ERROR },
		{ 8, 14, ETL_OUT_NTSTATUS }, { 7, 15, ETL_OUT_HRESULT }, { 10, 16, ETL_OUT_DATETIME },
		{ 4, 17, ETL_OUT_BYTE }, { 6, 17, ETL_OUT_SHORT }, { 8, 17, ETL_OUT_INT },
		{ 10, 17, ETL_OUT_LONG }, { 3, 18, ETL_OUT_UNSIGNEDBYTE },
		{ 5, 18, ETL_OUT_UNSIGNEDSHORT }, { 7, 18, ETL_OUT_UNSIGNEDINT },
		{ 9, 18, ETL_OUT_UNSIGNEDLONG }, { 1, 17, 0 },
		{ 17, 33, ETL_OUT_CULTURE_INSENSITIVE_DATETIME }, { 2, 35, ETL_OUT_UTF8 },
		{ 25, 36, ETL_OUT_PKCS7 }, { 10, 37, ETL_OUT_CODE_POINTER },
		{ 17, 38, ETL_OUT_DATETIME_UTC }, { 8, 19, 0 }, { 8, 34, 0 }, { 8, 127, 0 },
	};
	size_t nt = sizeof(t) / sizeof(t[0]);
	struct blob *m = calloc(1, sizeof(*m));
	const etl_schema *sc;
	meta_begin(m, "OutTypes");
	for (size_t i = 0; i < nt; i++) {
		char name[8];
		snprintf(name, sizeof(name), "o%zu", i);
		field(m, name, t[i].in, t[i].out);
	}
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK, "out-type blob parses (%s)", err);
	if (sc) {
		int good = sc->prop_count == nt;
		for (size_t i = 0; good && i < nt; i++) {
			good = sc->props[i].out_type == t[i].want;
			if (!good)
				tap_diag("in %u TL out %u: got %u want %u", t[i].in, t[i].out,
				         sc->props[i].out_type, t[i].want);
		}
		tap_ok(good, "TL out-types translated to TDH numbering (%zu cases)", nt);
	}
	free(m);
}

static void test_arrays(void)
{
	struct blob *m = calloc(1, sizeof(*m));
	const etl_schema *sc;
	meta_begin(m, "Arrays");
	puts0(m, "cc");          /* UInt32[5] */
	put8(m, 8 | 0x20);
	put16(m, 5);
	puts0(m, "cc0");         /* constant count 0 */
	put8(m, 8 | 0x20);
	put16(m, 0);
	puts0(m, "vc");          /* UInt32[] */
	put8(m, 8 | 0x40);
	field(m, "hx", 10 | 0x40, 4); /* UInt64[] as hex */
	puts0(m, "cust");        /* custom-serialized: u16 size + schema bytes */
	put8(m, 25 | 0x60);
	put16(m, 3);
	put(m, "\x01\x02\x03", 3);
	puts0(m, "after");
	put8(m, 8);
	puts0(m, "ccout");       /* constant count with out byte and field tags */
	put8(m, 6 | 0x20 | 0x80);
	put8(m, 0x80 | 2);
	put(m, "\x81\x82\x03", 3);
	put16(m, 7);
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK, "array kinds parse (%s)", err);
	if (sc && sc->prop_count == 7) {
		const etl_prop *p = sc->props;
		tap_ok(p[0].flags == ETL_PF_FIXED_COUNT && p[0].count == 5, "constant count 5");
		tap_ok(p[1].flags == ETL_PF_FIXED_COUNT && p[1].count == 0, "constant count 0");
		tap_ok(p[2].flags == ETL_PF_COUNT_PREFIX && p[2].in_type == 8, "variable count");
		tap_ok(p[3].flags == ETL_PF_COUNT_PREFIX && p[3].out_type == ETL_OUT_HEXINT64,
		       "variable count with out-type");
		tap_ok(p[4].flags == ETL_PF_CUSTOM && p[4].in_type == ETL_IN_COUNTEDBINARY,
		       "custom-serialized field");
		tap_ok(strcmp(p[5].name, "after") == 0 && p[5].in_type == 8,
		       "custom schema bytes skipped");
		tap_ok(p[6].flags == ETL_PF_FIXED_COUNT && p[6].count == 7 &&
		       p[6].out_type == ETL_OUT_STRING, "count read after field tags");
	} else {
		tap_ok(0, "array kinds: 7 props");
	}
	free(m);
}

static void test_structs(void)
{
	struct blob *m = calloc(1, sizeof(*m));
	const etl_schema *sc;
	/* s1 { x, s2 { y, z } }, w, arr[] { q }, e {} */
	meta_begin(m, "Nested");
	field(m, "s1", 24, 2);
	puts0(m, "x"); put8(m, 7);
	field(m, "s2", 24, 2);
	puts0(m, "y"); put8(m, 1);
	puts0(m, "z"); put8(m, 9);
	puts0(m, "w"); put8(m, 8);
	field(m, "arr", 24 | 0x40, 1);
	puts0(m, "q"); put8(m, 4);
	field(m, "cs", 24 | 0x20, 0x80 | 1);
	put8(m, 0x05);           /* field tags */
	put16(m, 3);             /* constant count */
	puts0(m, "r"); put8(m, 6);
	puts0(m, "e"); put8(m, 24); /* struct without out byte: no members */
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK, "nested structs parse (%s)", err);
	if (sc && sc->prop_count == 11) {
		const etl_prop *p = sc->props;
		static const char *const names[] = { "s1", "w", "arr", "cs", "e", "x", "s2",
		                                     "q", "r", "y", "z" };
		int good = sc->top_count == 5;
		for (int i = 0; good && i < 11; i++)
			good = strcmp(p[i].name, names[i]) == 0;
		tap_ok(good, "TDH layout: top-level first, then members breadth-first");
		tap_ok(p[0].struct_start == 5 && p[0].struct_count == 2, "s1 -> x, s2");
		tap_ok((p[6].flags & ETL_PF_STRUCT) && p[6].struct_start == 9 &&
		       p[6].struct_count == 2, "s2 -> y, z");
		tap_ok(p[2].flags == (ETL_PF_STRUCT | ETL_PF_COUNT_PREFIX) &&
		       p[2].struct_start == 7 && p[2].struct_count == 1, "arr: struct array, u16 count");
		tap_ok(p[3].flags == (ETL_PF_STRUCT | ETL_PF_FIXED_COUNT) && p[3].count == 3 &&
		       p[3].struct_start == 8 && p[3].struct_count == 1, "cs: struct[3]");
		tap_ok((p[4].flags & ETL_PF_STRUCT) && p[4].struct_count == 0, "e: empty struct");
		tap_ok(p[9].in_type == 1 && p[10].in_type == 9 && p[5].in_type == 7,
		       "member in-types");
	} else {
		tap_ok(0, "nested structs: 11 props (got %u)", sc ? sc->prop_count : 0);
	}

	/* nesting exactly at the cap works, one more level does not */
	for (int depth = ETL_SCHEMA_MAX_DEPTH; depth <= ETL_SCHEMA_MAX_DEPTH + 1; depth++) {
		meta_begin(m, "Deep");
		for (int i = 0; i < depth; i++)
			field(m, "s", 24, 1);
		puts0(m, "leaf"); put8(m, 8);
		meta_end(m);
		etl_status st = parse(NULL, 0, m->b, m->n, &sc);
		if (depth == ETL_SCHEMA_MAX_DEPTH) {
			tap_ok(st == ETL_OK && sc->prop_count == depth + 1 && sc->top_count == 1 &&
			       sc->props[depth - 1].struct_start == depth,
			       "%d nested structs accepted", depth);
		} else {
			tap_ok(st == ETL_ERR_LIMIT && sc == NULL, "%d nested structs refused: %s",
			       depth, err);
		}
	}
	free(m);
}

static int guid_eq(const etl_guid *a, const etl_guid *b)
{
	return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
	       memcmp(a->data4, b->data4, 8) == 0;
}

static void test_tags_and_padding(void)
{
	const etl_schema *sc;
	/* 4-byte event tags (28 bits), then trailing item padding after Size */
	static const uint8_t t4[] = "\x0b\x00\xff\xff\xff\x7f" "E\0" "f\0\x08" "\0\0\0";
	tap_ok(parse(NULL, 0, t4, 15, &sc) == ETL_OK && sc->prop_count == 1,
	       "4 tag bytes; bytes after Size ignored");
	static const uint8_t t5[] = "\x0d\x00\xff\xff\xff\xff\x7f" "E\0" "f\0\x08";
	tap_ok(parse(NULL, 0, t5, 13, &sc) == ETL_ERR_SCHEMA, "5 tag bytes refused: %s", err);
	static const uint8_t nof[] = "\x05\x00\x00" "E\0";
	tap_ok(parse(NULL, 0, nof, 5, &sc) == ETL_OK && sc->prop_count == 0 &&
	       sc->top_count == 0 && strcmp(sc->event_name, "E") == 0, "event without fields");
	/* invalid UTF-8 in names is replaced, not passed on */
	static const uint8_t bad[] = "\x0a\x00\x00" "E\xff\0" "f\xc3\0\x08";
	tap_ok(parse(NULL, 0, bad, 10, &sc) == ETL_OK &&
	       strcmp(sc->event_name, "E\xEF\xBF\xBD") == 0 &&
	       strcmp(sc->props[0].name, "f\xEF\xBF\xBD") == 0, "invalid UTF-8 -> U+FFFD");
	static const uint8_t utf[] = "\x0c\x00\x00" "\xc3\xa9t\xc3\xa9\0" "f\0\x08";
	tap_ok(parse(NULL, 0, utf, 12, &sc) == ETL_OK &&
	       strcmp(sc->event_name, "\xc3\xa9t\xc3\xa9") == 0, "valid UTF-8 kept");
	etl_guid g = { 0x12345678, 1, 2, { 3, 4, 5, 6, 7, 8, 9, 10 } };
	tap_ok(etl_tlg_parse(arena, &g, NULL, 0, nof, 5, &sc, err, sizeof(err)) == ETL_OK &&
	       guid_eq(&sc->provider, &g), "provider GUID copied");
}

static void test_hostile(void)
{
	const etl_schema *sc = (const etl_schema *)1;
	struct blob *m = calloc(1, sizeof(*m));
	static const struct { const char *what; const char *b; size_t n; } bad[] = {
		{ "empty", "", 0 },
		{ "one byte", "\x05", 1 },
		{ "size past the end", "\x10\x00\x00" "E\0", 5 },
		{ "size below minimum", "\x03\x00\x00" "E\0", 5 },
		{ "event name unterminated", "\x05\x00\x00" "EE", 5 },
		{ "tags run off the end", "\x04\x00\x80\x80", 4 },
		{ "field name unterminated", "\x07\x00\x00" "E\0" "ff", 7 },
		{ "field without in-type", "\x07\x00\x00" "E\0" "f\0", 7 },
		{ "in-type 0", "\x08\x00\x00" "E\0" "f\0\x00", 8 },
		{ "in-type 26", "\x08\x00\x00" "E\0" "f\0\x1a", 8 },
		{ "in-type 31 array", "\x08\x00\x00" "E\0" "f\0\x5f", 8 },
		{ "missing out byte", "\x08\x00\x00" "E\0" "f\0\x88", 8 },
		{ "field tags cut", "\x09\x00\x00" "E\0" "f\0\x88\x80", 9 },
		{ "constant count cut", "\x09\x00\x00" "E\0" "f\0\x28\x01", 9 },
		{ "custom schema size cut", "\x09\x00\x00" "E\0" "f\0\x68\x01", 9 },
		{ "custom schema past the end", "\x0b\x00\x00" "E\0" "f\0\x68\x05\x00", 11 },
		{ "custom struct", "\x0b\x00\x00" "E\0" "f\0\x78\x00\x00", 11 },
		{ "struct members past the end", "\x09\x00\x00" "E\0" "s\0\x98\x02", 9 },
		{ "struct members past the end (nested)",
		  "\x10\x00\x00" "E\0" "s\0\x98\x01" "t\0\x98\x02" "x\0\x08", 16 },
		{ "struct 127 members, 1 present", "\x0c\x00\x00" "E\0" "s\0\x98\x7f" "x\0\x08", 12 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc = (const etl_schema *)1;
		etl_status st = parse(NULL, 0, bad[i].b, bad[i].n, &sc);
		tap_ok(st == ETL_ERR_SCHEMA && sc == NULL && strstr(err, "byte "),
		       "%s -> error: %s", bad[i].what, err);
	}

	static const struct { const char *what; const char *b; size_t n; } badtr[] = {
		{ "traits: one byte", "\x05", 1 },
		{ "traits: size past the end", "\x20\x00P\0", 4 },
		{ "traits: size 2", "\x02\x00P\0", 4 },
		{ "traits: name unterminated", "\x04\x00PP", 4 },
		{ "traits: trait header cut", "\x06\x00P\0\x13\x00", 6 },
		{ "traits: trait size 2", "\x07\x00P\0\x02\x00\x01", 7 },
		{ "traits: trait past TotalSize", "\x07\x00P\0\x13\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 19 },
		{ "traits: group GUID short", "\x0b\x00P\0\x07\x00\x01\0\0\0\0", 11 },
	};
	static const uint8_t okmeta[] = "\x05\x00\x00" "E\0";
	for (size_t i = 0; i < sizeof(badtr) / sizeof(badtr[0]); i++) {
		sc = (const etl_schema *)1;
		etl_status st = parse(badtr[i].b, badtr[i].n, okmeta, 5, &sc);
		tap_ok(st == ETL_ERR_SCHEMA && sc == NULL, "%s -> error: %s", badtr[i].what, err);
	}
	static const uint8_t oktr[] = "\x0c\x00P\0\x04\x00\x07\x01\x04\x00\x09\x02";
	tap_ok(parse(oktr, 12, okmeta, 5, &sc) == ETL_OK && strcmp(sc->provider_name, "P") == 0,
	       "traits: unknown trait types skipped");

	/* too many fields */
	meta_begin(m, "Many");
	for (int i = 0; i <= ETL_SCHEMA_MAX_PROPS; i++) {
		puts0(m, "f");
		put8(m, 4);
	}
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_ERR_LIMIT && sc == NULL,
	       "%d fields refused: %s", ETL_SCHEMA_MAX_PROPS + 1, err);
	m->n -= 3;
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK && sc->prop_count == ETL_SCHEMA_MAX_PROPS,
	       "%d fields accepted", ETL_SCHEMA_MAX_PROPS);

	tap_ok(etl_tlg_parse(NULL, NULL, NULL, 0, okmeta, 5, &sc, err, sizeof(err)) == ETL_ERR_ARG,
	       "NULL arena refused");
	free(m);
}

/* Every prefix and many random mutations of a rich blob: results are either
 * a schema whose indices are all in range, or an error; never a crash (the
 * sanitizers and valgrind watch the reads). */
static int schema_sane(const etl_schema *sc)
{
	for (unsigned i = 0; i < sc->prop_count; i++) {
		const etl_prop *p = &sc->props[i];
		if (!p->name)
			return 0;
		if ((p->flags & ETL_PF_STRUCT) &&
		    (p->struct_start <= i || p->struct_start + p->struct_count > sc->prop_count))
			return 0;
	}
	return sc->top_count <= sc->prop_count;
}

static void test_mutations(void)
{
	struct blob *m = calloc(1, sizeof(*m));
	const etl_schema *sc;
	meta_begin(m, "Rich");
	field(m, "s1", 24 | 0x40, 2);
	puts0(m, "x"); put8(m, 7 | 0x20); put16(m, 2);
	field(m, "s2", 24, 0x80 | 2); put8(m, 0x01);
	puts0(m, "y"); put8(m, 1);
	puts0(m, "z"); put8(m, 25 | 0x60); put16(m, 2); put(m, "ab", 2);
	field(m, "w", 10, 4);
	meta_end(m);
	tap_ok(parse(NULL, 0, m->b, m->n, &sc) == ETL_OK, "rich blob parses");
	int crashes_free = 1, insane = 0;
	size_t full = m->n;
	for (size_t len = 0; len < full; len++) {
		/* prefix with the original size field (size past the end) */
		if (parse(NULL, 0, m->b, len, &sc) == ETL_OK)
			insane += !schema_sane(sc);
		/* prefix with the size field adjusted */
		uint8_t save0 = m->b[0], save1 = m->b[1];
		if (len >= 2) {
			m->b[0] = (uint8_t)len;
			m->b[1] = (uint8_t)(len >> 8);
		}
		if (parse(NULL, 0, m->b, len, &sc) == ETL_OK)
			insane += !schema_sane(sc);
		m->b[0] = save0;
		m->b[1] = save1;
	}
	uint8_t copy[256];
	srand(12345);
	unsigned ok = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(copy, m->b, full);
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++)
			copy[2 + rand() % (full - 2)] ^= (uint8_t)(1u << (rand() % 8));
		if (parse(NULL, 0, copy, full, &sc) == ETL_OK) {
			ok++;
			insane += !schema_sane(sc);
		}
	}
	tap_ok(crashes_free && insane == 0, "truncations and 20000 mutations: no bad schema "
	       "(%u mutants parsed)", ok);
	free(m);
}

static void test_full_metadata(void)
{
	/* primitive-types.etl metadata in full (182 bytes, 12 fields) */
	static const uint8_t pt[] =
		"\xb6\x00\x00PrimitiveTypesTest\0string_type\0\x02"
		"boolean_type\0\x84\x03" "char_type\0\x84\x02" "int16_type\0\x05"
		"int32_type\0\x07" "uint16_type\0\x06" "uint32_type\0\x08"
		"int64_type\0\x0a" "uint64_type\0\x0a" "guid_type\0\x0f"
		"file_time_type\0\x11" "system_time_type\0\x12";
	static const uint8_t tr[] = "\x0f\x00solar_system";
	const etl_schema *sc;
	tap_ok(parse(tr, 15, pt, 182, &sc) == ETL_OK && sc->prop_count == 12 &&
	       sc->props[7].in_type == ETL_IN_UINT64 &&
	       strcmp(sc->props[7].name, "int64_type") == 0 &&
	       sc->props[11].in_type == ETL_IN_SYSTEMTIME, "primitive-types metadata");
}

int main(void)
{
	arena = etl_arena_new();
	test_corpus_blobs();
	test_intypes();
	test_outtypes();
	test_arrays();
	test_structs();
	test_tags_and_padding();
	test_hostile();
	test_mutations();
	test_full_metadata();
	etl_arena_free(arena);
	return tap_done();
}
