/*
 * test_mof.c - etl_mof_parse(): MOF class text -> ETL_SRC_MOF schemas
 * (decoding.md §5.1, §3.3 for maps).
 *
 * Embedded snippets reach every qualifier and type form the parser knows,
 * the syntax it must skip, and hostile text (unterminated strings and
 * comments, huge arrays, deep nesting, cycles, truncations and bit flips);
 * the corpus kernel.mof is parsed whole and cross-checked against the
 * built-in kernel table.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static char err[512];

static etl_status parse_into(etl_schemas *s, const char *text, size_t len)
{
	err[0] = 0;
	return etl_mof_parse(s, text, len, "snippet.mof", err, sizeof(err));
}

/* A fresh store holding one snippet; *st gets the parse status. */
static etl_schemas *parse_new(const char *text, etl_status *st)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		return NULL;
	*st = parse_into(s, text, strlen(text));
	return s;
}

static const etl_schema *get(etl_schemas *s, const etl_guid *g, unsigned type, unsigned ver)
{
	bool fb = false;
	const etl_schema *sc = etl_schemas_find_mof(s, g, (uint8_t)type, (uint8_t)ver, &fb);
	return sc && !fb ? sc : NULL;
}

static const etl_prop *prop(const etl_schema *sc, const char *name)
{
	for (size_t i = 0; sc && i < sc->prop_count; i++)
		if (strcmp(sc->props[i].name, name) == 0)
			return &sc->props[i];
	return NULL;
}

static const etl_guid g_prov = { 0x11111111, 0x2222, 0x3333, { 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 } };
static const etl_guid g_ev = { 0xaaaaaaaa, 0xbbbb, 0xcccc, { 0xdd, 0xdd, 0xee, 0xee, 0xee, 0xee, 0xee, 0x01 } };
static const etl_guid g_ev2 = { 0xaaaaaaaa, 0xbbbb, 0xcccc, { 0xdd, 0xdd, 0xee, 0xee, 0xee, 0xee, 0xee, 0x02 } };

/* ---- the organisation of classes ------------------------------------------------ */

static const char basic_mof[] =
	"// a provider, an event class with a version, and two layouts\n"
	"#pragma namespace(\"\\\\\\\\.\\\\root\\\\wmi\")\n"
	"#pragma classflags(\"forceupdate\")\n"
	"[Dynamic, Description(\"My provider\") : amended,\n"
	" Guid(\"{11111111-2222-3333-4444-555555555555}\"), locale(\"MS\\\\0x409\")]\n"
	"class MyProvider : EventTrace\n"
	"{\n"
	"    [Description(\"Enable flags\") : amended ToSubclass, ValueMap{\"0x1\"}, Values{\"x\"}]\n"
	"    uint32 Flags;\n"
	"};\n"
	"\n"
	"/* the event class:\n"
	"   version 3 */\n"
	"[Dynamic, Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\"), EventVersion(3),\n"
	" DisplayName(\"MyTask\") : amended]\n"
	"class MyEvent_V3 : MyProvider\n"
	"{\n"
	"};\n"
	"\n"
	"[Dynamic, EventType{1, 2, 0x20}, EventTypeName{\"Start\", \"End\"} : amended]\n"
	"class MyEvent_V3_TypeGroup1 : MyEvent_V3\n"
	"{\n"
	"    [WmiDataId(3), Description(\"third\" \" joined\"), read] uint64 Third;\n"
	"    [WmiDataId(1), pointer, read] uint32 First;\n"
	"    [read] uint32 NotData;\n"
	"    [WmiDataId(2), format(\"x\"), read]\n"
	"     uint32  Second = 5;\n"
	"    uint32 Method([in] uint32 a, [out] uint32 b);\n"
	"};\n"
	"\n"
	"[Dynamic, EventType(7), EventTypeName(\"Empty\")]\n"
	"class MyEvent_Empty : MyEvent_V3 { };\n"
	"\n"
	"instance of __Win32Provider as $P { Name = \"x\"; Nested = { 1, { 2 } }; };\n"
	"qualifier MyQual : boolean = false, scope(class);\n"
	"\n"
	"[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee02}\")] class Other : MyProvider {};\n"
	"[EventType(5)] class Other_Five : Other\n"
	"{ [WmiDataId(1)] uint16 A; }\n"
	"[EventType(6), EventTypeName(\"Six\")] class Other_Six : Other { uint8 B; uint8 C; };\n";

static void test_basic(void)
{
	etl_status st;
	etl_schemas *s = parse_new(basic_mof, &st);
	tap_ok(s && st == ETL_OK && err[0] == 0, "basic MOF parses (%s)", err);
	if (!s)
		return;
	const etl_schema *sc = get(s, &g_ev, 1, 3);
	tap_ok(sc != NULL, "type 1 registered with the inherited version 3");
	if (sc) {
		tap_ok(sc->source == ETL_SRC_MOF && sc->id == 0 && sc->opcode == 1, "key fields");
		tap_ok(etl_guid_equal(&sc->provider, &g_ev) && etl_guid_equal(&sc->event_guid, &g_ev),
		       "class GUID inherited from the parent");
		tap_ok(strcmp(sc->task_name, "MyTask") == 0, "task = DisplayName of the GUID class");
		tap_ok(sc->opcode_name && strcmp(sc->opcode_name, "Start") == 0, "opcode = EventTypeName");
		tap_ok(strcmp(sc->event_name, "MyTask/Start") == 0, "event name Task/Opcode");
		tap_ok(sc->provider_name && strcmp(sc->provider_name, "MyProvider") == 0, "provider name");
		tap_ok(sc->prop_count == 3 && sc->top_count == 3, "three data items (no WmiDataId: not data)");
		tap_ok(sc->prop_count == 3 && strcmp(sc->props[0].name, "First") == 0 &&
		       strcmp(sc->props[1].name, "Second") == 0 && strcmp(sc->props[2].name, "Third") == 0,
		       "items in WmiDataId order, not text order");
		tap_ok(sc->props[0].in_type == ETL_IN_POINTER, "pointer qualifier -> Pointer");
		tap_ok(sc->props[1].in_type == ETL_IN_UINT32 && sc->props[1].out_type == ETL_OUT_HEXINT32,
		       "format(\"x\") -> HexInt32 out-type");
		tap_ok(sc->props[2].in_type == ETL_IN_UINT64 && sc->props[2].count == 1, "uint64 scalar");
	}
	sc = get(s, &g_ev, 2, 3);
	tap_ok(sc && strcmp(sc->event_name, "MyTask/End") == 0, "type 2 from the same list");
	sc = get(s, &g_ev, 0x20, 3);
	tap_ok(sc && sc->opcode_name == NULL && strcmp(sc->event_name, "MyTask") == 0,
	       "hex event type without a name");
	sc = get(s, &g_ev, 7, 3);
	tap_ok(sc && sc->prop_count == 0 && sc->props == NULL, "empty layout");
	sc = get(s, &g_ev2, 5, 0);
	tap_ok(sc && sc->version == 0 && strcmp(sc->task_name, "Other") == 0 && sc->prop_count == 1,
	       "no EventVersion -> version 0, class name as task, missing ';' tolerated");
	sc = get(s, &g_ev2, 6, 0);
	tap_ok(sc && sc->prop_count == 2 && strcmp(sc->props[0].name, "B") == 0 &&
	       strcmp(sc->props[1].name, "C") == 0, "no WmiDataId at all: text order");
	tap_ok(get(s, &g_prov, 0, 0) == NULL, "the provider class is not an event");
	etl_schemas_free(s);
}

/* ---- types and qualifiers ------------------------------------------------------- */

static const char types_mof[] =
	"[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\"), EventVersion(1)] class T : EventTrace {};\n"
	"[EventType(10)] class T_All : T {\n"
	" [WmiDataId(1)] uint8 U8;\n"
	" [WmiDataId(2)] sint8 I8;\n"
	" [WmiDataId(3)] uint16 U16;\n"
	" [WmiDataId(4)] sint16 I16;\n"
	" [WmiDataId(5)] sint32 I32;\n"
	" [WmiDataId(6)] sint64 I64;\n"
	" [WmiDataId(7), format(\"c\")] uint8 Char;\n"
	" [WmiDataId(8), format(\"x\")] uint64 Hex64;\n"
	" [WmiDataId(9), format(\"x\")] uint16 Hex16;\n"
	" [WmiDataId(10)] boolean Flag;\n"
	" [WmiDataId(11)] real32 F;\n"
	" [WmiDataId(12)] real64 D;\n"
	" [WmiDataId(13), PointerType] uint32 ConnId;\n"
	" [WmiDataId(14), pointer] uint64 P64;\n"
	" [WmiDataId(15), extension(\"SizeT\")] object Size;\n"
	" [WmiDataId(16), extension(\"Sid\")] object UserSID;\n"
	" [WmiDataId(17), extension(\"IPAddr\")] object A4;\n"
	" [WmiDataId(18), extension(\"IPAddrV4\")] object B4;\n"
	" [WmiDataId(19), extension(\"IPAddrV6\")] object A6;\n"
	" [WmiDataId(20), extension(\"Port\")] object Port;\n"
	" [WmiDataId(21), extension(\"WmiTime\")] object Time;\n"
	" [WmiDataId(22), extension(\"Guid\")] object Id;\n"
	" [WmiDataId(23), extension(\"Variant\")] object Blob;\n"
	" [WmiDataId(24), extension(\"NoPrint\")] uint8 Hidden[176];\n"
	" [WmiDataId(25), format(\"w\")] string W;\n"
	" [WmiDataId(26)] string A;\n"
	" [WmiDataId(27), StringTermination(\"Counted\"), format(\"w\")] string CW;\n"
	" [WmiDataId(28), StringTermination(\"Counted\")] string CA;\n"
	" [WmiDataId(29), StringTermination(\"ReverseCounted\"), format(\"w\")] string RW;\n"
	" [WmiDataId(30), StringTermination(\"ReverseCounted\")] string RA;\n"
	" [WmiDataId(31), StringTermination(\"NullTerminated\"), format(\"w\")] string NW;\n"
	" [WmiDataId(32), extension(\"RString\")] string Reduced;\n"
	" [WmiDataId(33), extension(\"RWString\")] string ReducedW;\n"
	" [WmiDataId(34), XMLFragment, format(\"w\")] string Xml;\n"
	" [WmiDataId(35), format(\"s\")] char16 Computer[256];\n"
	" [WmiDataId(36)] char16 One;\n"
	" [WmiDataId(37)] uint32 Count;\n"
	" [WmiDataId(38), WmiSizeIs(\"Count\")] uint32 Items[];\n"
	" [WmiDataId(39), MAX(4)] uint16 Four[];\n"
	" [WmiDataId(40)] uint32 Fixed[3];\n"
	" [WmiDataId(41), extension(\"Port\")] uint16 Port2;\n"
	" [WmiDataId(42), StringTermination(\"NotCounted\"), format(\"w\")] string Rest;\n"
	"};\n"
	"[EventType(11)] class T_Open : T {\n"
	" [WmiDataId(1)] uint64 Ts;\n"
	" [WmiDataId(2), pointer] uint32 Frames[];\n"
	"};\n"
	"[EventType(12)] class T_NotCounted : T {\n"
	" [WmiDataId(1), StringTermination(\"NotCounted\")] string RestA;\n"
	"};\n";

static void check_type(const etl_schema *sc, const char *name, unsigned in, unsigned out,
                       unsigned flags, unsigned count, unsigned length)
{
	const etl_prop *p = prop(sc, name);
	tap_ok(p && p->in_type == in && p->out_type == out && p->flags == flags && p->count == count &&
	       p->length == length, "%s: in %u out %u flags 0x%x count %u length %u (got %u %u 0x%x %u %u)",
	       name, in, out, flags, count, length, p ? p->in_type : 0, p ? p->out_type : 0,
	       p ? p->flags : 0, p ? p->count : 0, p ? p->length : 0);
}

static void test_types(void)
{
	etl_status st;
	etl_schemas *s = parse_new(types_mof, &st);
	tap_ok(s && st == ETL_OK, "types MOF parses (%s)", err);
	if (!s)
		return;
	const etl_schema *sc = get(s, &g_ev, 10, 1);
	if (!tap_ok(sc && sc->prop_count == 42, "all 42 items"))
		goto out;
	check_type(sc, "U8", ETL_IN_UINT8, 0, 0, 1, 0);
	check_type(sc, "I8", ETL_IN_INT8, 0, 0, 1, 0);
	check_type(sc, "U16", ETL_IN_UINT16, 0, 0, 1, 0);
	check_type(sc, "I16", ETL_IN_INT16, 0, 0, 1, 0);
	check_type(sc, "I32", ETL_IN_INT32, 0, 0, 1, 0);
	check_type(sc, "I64", ETL_IN_INT64, 0, 0, 1, 0);
	check_type(sc, "Char", ETL_IN_UINT8, ETL_OUT_STRING, 0, 1, 0);
	check_type(sc, "Hex64", ETL_IN_UINT64, ETL_OUT_HEXINT64, 0, 1, 0);
	check_type(sc, "Hex16", ETL_IN_UINT16, ETL_OUT_HEXINT16, 0, 1, 0);
	check_type(sc, "Flag", ETL_IN_BOOLEAN, 0, 0, 1, 0);
	check_type(sc, "F", ETL_IN_FLOAT, 0, 0, 1, 0);
	check_type(sc, "D", ETL_IN_DOUBLE, 0, 0, 1, 0);
	check_type(sc, "ConnId", ETL_IN_POINTER, 0, 0, 1, 0);
	check_type(sc, "P64", ETL_IN_POINTER, 0, 0, 1, 0);
	check_type(sc, "Size", ETL_IN_MOF_SIZET, 0, 0, 1, 0);
	check_type(sc, "UserSID", ETL_IN_MOF_WBEMSID, 0, 0, 1, 0);
	check_type(sc, "A4", ETL_IN_UINT32, ETL_OUT_IPV4, 0, 1, 0);
	check_type(sc, "B4", ETL_IN_UINT32, ETL_OUT_IPV4, 0, 1, 0);
	check_type(sc, "A6", ETL_IN_X_IPV6, ETL_OUT_IPV6, 0, 1, 16);
	check_type(sc, "Port", ETL_IN_UINT16, ETL_OUT_PORT, 0, 1, 0);
	check_type(sc, "Time", ETL_IN_UINT64, 0, 0, 1, 0);
	check_type(sc, "Id", ETL_IN_GUID, 0, 0, 1, 0);
	check_type(sc, "Blob", ETL_IN_MOF_HEXDUMP, 0, 0, 1, 0);
	check_type(sc, "Hidden", ETL_IN_UINT8, ETL_OUT_NOPRINT, ETL_PF_FIXED_COUNT, 176, 0);
	check_type(sc, "W", ETL_IN_UNICODESTRING, 0, 0, 1, 0);
	check_type(sc, "A", ETL_IN_ANSISTRING, 0, 0, 1, 0);
	check_type(sc, "CW", ETL_IN_MOF_COUNTEDSTRING, 0, 0, 1, 0);
	check_type(sc, "CA", ETL_IN_MOF_COUNTEDANSISTRING, 0, 0, 1, 0);
	check_type(sc, "RW", ETL_IN_MOF_REVCOUNTEDSTRING, 0, 0, 1, 0);
	check_type(sc, "RA", ETL_IN_MOF_REVCOUNTEDANSISTRING, 0, 0, 1, 0);
	check_type(sc, "NW", ETL_IN_UNICODESTRING, 0, 0, 1, 0);
	check_type(sc, "Reduced", ETL_IN_ANSISTRING, ETL_OUT_REDUCEDSTRING, 0, 1, 0);
	check_type(sc, "ReducedW", ETL_IN_UNICODESTRING, ETL_OUT_REDUCEDSTRING, 0, 1, 0);
	check_type(sc, "Xml", ETL_IN_UNICODESTRING, 0, ETL_PF_XML_FRAGMENT, 1, 0);
	check_type(sc, "Computer", ETL_IN_UNICODESTRING, 0, ETL_PF_FIXED_LENGTH, 1, 256);
	check_type(sc, "One", ETL_IN_MOF_UNICODECHAR, 0, 0, 1, 0);
	check_type(sc, "Items", ETL_IN_UINT32, 0, ETL_PF_PARAM_COUNT, 36, 0);
	check_type(sc, "Four", ETL_IN_UINT16, 0, ETL_PF_FIXED_COUNT, 4, 0);
	check_type(sc, "Fixed", ETL_IN_UINT32, 0, ETL_PF_FIXED_COUNT, 3, 0);
	check_type(sc, "Port2", ETL_IN_UINT16, ETL_OUT_PORT, 0, 1, 0);
	check_type(sc, "Rest", ETL_IN_MOF_NONNULLSTRING, 0, 0, 1, 0);
	sc = get(s, &g_ev, 11, 1);
	tap_ok(sc && sc->prop_count == 2 && sc->props[1].in_type == ETL_IN_POINTER &&
	       (sc->props[1].flags & ETL_PF_TO_END), "open array of pointers runs to the end");
	sc = get(s, &g_ev, 12, 1);
	tap_ok(sc && sc->props[0].in_type == ETL_IN_MOF_NONNULLANSISTRING, "NotCounted ANSI");
out:
	etl_schemas_free(s);
}

/* ---- maps ------------------------------------------------------------------------ */

static const char maps_mof[] =
	"[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class M : EventTrace {};\n"
	"[EventType(1)] class M_Maps : M {\n"
	" [WmiDataId(1), ValueMap{\"3\", \"1\", \"0x10\", \"bogus\"}, Values{\"Three \", \"One\", \"Sixteen\", \"Nope\"}]\n"
	"  uint32 Value;\n"
	" [WmiDataId(2), Values{\"Zero\", \"One\", \"Two\"}] uint8 Index;\n"
	" [WmiDataId(3), ValueType(\"flag\"), ValueMap{\"1\", \"4\"}, Values{\"A\", \"C\"}] uint32 Flags;\n"
	" [WmiDataId(4), BitMap{\"0\", \"3\", \"99\"}, BitValues{\"Bit0\", \"Bit3\", \"Huge\"}] uint16 Bits;\n"
	" [WmiDataId(5), BitValues{\"b0\", \"b1\"}] uint8 Implicit;\n"
	" [WmiDataId(6), ValueMap{\"1\", \"2\", \"3\"}, Values{\"x\"}] uint32 Short;\n"
	" [WmiDataId(7), Values{\"not for strings\"}, format(\"w\")] string S;\n"
	"};\n";

static void test_maps(void)
{
	etl_status st;
	etl_schemas *s = parse_new(maps_mof, &st);
	tap_ok(s && st == ETL_OK, "maps MOF parses (%s)", err);
	if (!s)
		return;
	const etl_schema *sc = get(s, &g_ev, 1, 0);
	const etl_prop *p = prop(sc, "Value");
	const etl_map *m = p ? p->map : NULL;
	tap_ok(m && m->kind == ETL_MAP_VALUE && m->count == 3, "ValueMap + Values: value map, non-numbers dropped");
	if (m && m->count == 3)
		tap_ok(m->entries[0].value == 1 && strcmp(m->entries[0].name, "One") == 0 &&
		       m->entries[1].value == 3 && strcmp(m->entries[1].name, "Three") == 0 &&
		       m->entries[2].value == 16 && strcmp(m->entries[2].name, "Sixteen") == 0,
		       "sorted by value, hex keys, names trimmed");
	p = prop(sc, "Index");
	m = p ? p->map : NULL;
	tap_ok(m && m->kind == ETL_MAP_INDEX && m->count == 3 && m->entries[2].value == 2 &&
	       strcmp(m->entries[2].name, "Two") == 0, "Values alone: index map");
	p = prop(sc, "Flags");
	m = p ? p->map : NULL;
	tap_ok(m && m->kind == ETL_MAP_BITMAP && m->count == 2 && m->entries[1].value == 4,
	       "ValueType(\"flag\"): bitmap of masks");
	p = prop(sc, "Bits");
	m = p ? p->map : NULL;
	tap_ok(m && m->kind == ETL_MAP_BITMAP && m->count == 2 && m->entries[0].value == 1 &&
	       m->entries[1].value == 8, "BitMap lists bit positions; out-of-range bits dropped");
	p = prop(sc, "Implicit");
	m = p ? p->map : NULL;
	tap_ok(m && m->kind == ETL_MAP_BITMAP && m->count == 2 && m->entries[1].value == 2 &&
	       strcmp(m->entries[1].name, "b1") == 0, "BitValues alone: bit i");
	p = prop(sc, "Short");
	tap_ok(p && p->map && p->map->count == 1, "mismatched lists: the shorter wins");
	p = prop(sc, "S");
	tap_ok(p && p->map == NULL, "no map on strings");
	tap_ok(prop(sc, "Value") && prop(sc, "Value")->map->name &&
	       strcmp(prop(sc, "Value")->map->name, "M_Maps.Value") == 0, "map name Class.Property");
	etl_schemas_free(s);
}

/* ---- text forms ------------------------------------------------------------------ */

static void test_text_forms(void)
{
	etl_status st;
	/* UTF-16LE with a BOM, as mofcomp writes */
	const char *ascii =
		"[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class U : EventTrace {};\r\n"
		"[EventType(4), EventTypeName(\"W\\x41de\")] class U_T : U { [WmiDataId(1)] uint32 X; };\r\n";
	size_t n = strlen(ascii);
	char *w = malloc(2 + 2 * n);
	w[0] = (char)0xFF;
	w[1] = (char)0xFE;
	for (size_t i = 0; i < n; i++) {
		w[2 + 2 * i] = ascii[i];
		w[3 + 2 * i] = 0;
	}
	etl_schemas *s = NULL;
	etl_schemas_new(&s);
	st = parse_into(s, w, 2 + 2 * n);
	const etl_schema *sc = get(s, &g_ev, 4, 0);
	tap_ok(st == ETL_OK && sc && strcmp(sc->opcode_name, "WAde") == 0,
	       "UTF-16LE text with BOM; \\x escape (%s)", err);
	etl_schemas_free(s);
	free(w);

	char *u8 = malloc(n + 4);
	memcpy(u8, "\xEF\xBB\xBF", 3);
	memcpy(u8 + 3, ascii, n + 1);
	s = parse_new(u8, &st);
	tap_ok(st == ETL_OK && get(s, &g_ev, 4, 0), "UTF-8 BOM skipped");
	etl_schemas_free(s);
	free(u8);

	/* a later definition of a class replaces the earlier one */
	s = parse_new("[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class R : EventTrace {};\n"
	              "[EventType(1)] class R_T : R { [WmiDataId(1)] uint8 Old; };\n"
	              "[EventType(1)] class R_T : R { [WmiDataId(1)] uint16 New; };\n", &st);
	sc = get(s, &g_ev, 1, 0);
	tap_ok(st == ETL_OK && sc && sc->prop_count == 1 && strcmp(sc->props[0].name, "New") == 0,
	       "redefinition: the later class wins");
	etl_schemas_free(s);

	/* properties are inherited from a parent layout */
	s = parse_new("[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\"), EventVersion(2)] class B : EventTrace {};\n"
	              "class B_Base : B { [WmiDataId(1)] uint32 Common; };\n"
	              "[EventType(9)] class B_Derived : B_Base { [WmiDataId(2)] uint32 Own; };\n", &st);
	sc = get(s, &g_ev, 9, 2);
	tap_ok(st == ETL_OK && sc && sc->prop_count == 2 && strcmp(sc->props[0].name, "Common") == 0,
	       "inherited data items come first by WmiDataId");
	etl_schemas_free(s);

	/* the kernel logger's provider class is named as Windows does */
	s = parse_new("[Guid(\"{9e814aad-3204-11d2-9a82-006008a86939}\")] class MSNT_SystemTrace : EventTrace {};\n"
	              "[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class K : MSNT_SystemTrace {};\n"
	              "[EventType(1)] class K_T : K { };\n", &st);
	sc = get(s, &g_ev, 1, 0);
	tap_ok(sc && sc->provider_name && strcmp(sc->provider_name, "Windows Kernel") == 0,
	       "MSNT_SystemTrace classes: provider \"Windows Kernel\"");
	etl_schemas_free(s);
}

/* ---- problems -------------------------------------------------------------------- */

static void expect_error(const char *text, const char *what, const char *msg_part)
{
	etl_status st;
	etl_schemas *s = parse_new(text, &st);
	tap_ok(st == ETL_ERR_SCHEMA && strstr(err, msg_part) != NULL, "%s -> error \"%s\"", what, err);
	etl_schemas_free(s);
}

static void test_errors(void)
{
	static const char head[] = "[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class E : EventTrace {};\n";
	char buf[4096];

	expect_error("", "empty text", "no event classes");
	expect_error(head, "no event class", "no event classes");
	snprintf(buf, sizeof(buf), "%s[EventType(1), EventTypeName(\"open] class X : E {};\n", head);
	expect_error(buf, "unterminated string", "snippet.mof:2: unterminated string");
	snprintf(buf, sizeof(buf), "%s/* never closed\n[EventType(1)] class X : E {};\n", head);
	expect_error(buf, "unterminated comment", "snippet.mof:2: unterminated comment");
	snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E { [WmiDataId(1)] uint8 A[100000]; };\n", head);
	expect_error(buf, "huge array", "array size");
	snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E { [WmiDataId(1)] uint8 A[0]; };\n", head);
	expect_error(buf, "zero array", "array size");
	snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E { [WmiDataId(1)] uint8 A;\n", head);
	expect_error(buf, "class not closed", "not closed");
	snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E { [WmiDataId(1)] uint8 A }; };\n", head);
	expect_error(buf, "missing ';'", "expected ';'");
	snprintf(buf, sizeof(buf), "%s[EventType(1) class X : E {};\n", head);
	expect_error(buf, "unclosed qualifier list", "expected ','");
	snprintf(buf, sizeof(buf), "%sinstance of X { A = 1; ];\n[EventType(1)] class X : E {};\n", head);
	expect_error(buf, "unbalanced brackets", "unbalanced");
	snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E {}; @\n", head);
	expect_error(buf, "stray character", "unexpected character");

	/* deep nesting inside a skipped block */
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%sinstance of X { A = ", head);
	for (int i = 0; i < 100; i++)
		buf[o++] = '{';
	buf[o] = 0;
	expect_error(buf, "100 nested braces", "nesting deeper");

	/* a NUL byte inside the text */
	{
		char t[] = "[Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class E : EventTrace {}; \0 x";
		etl_schemas *s = NULL;
		etl_schemas_new(&s);
		etl_status st = parse_into(s, t, sizeof(t) - 1);
		tap_ok(st == ETL_ERR_SCHEMA && strstr(err, "NUL"), "NUL byte -> error (%s)", err);
		etl_schemas_free(s);
	}

	/* a syntax error registers nothing, even from classes before it */
	{
		etl_status st;
		snprintf(buf, sizeof(buf), "%s[EventType(1)] class X : E { [WmiDataId(1)] uint8 A; };\nclass {\n", head);
		etl_schemas *s = parse_new(buf, &st);
		tap_ok(st == ETL_ERR_SCHEMA && get(s, &g_ev, 1, 0) == NULL, "syntax error: all or nothing");
		etl_schemas_free(s);
	}

	/* too many values in one qualifier */
	{
		size_t cap = 70000 * 4 + 1024, n;
		char *big = malloc(cap);
		n = (size_t)snprintf(big, cap, "%s[EventType(1), Values{", head);
		for (int i = 0; i < 70000; i++)
			n += (size_t)snprintf(big + n, cap - n, "%s1", i ? "," : "");
		snprintf(big + n, cap - n, "}] class X : E {};\n");
		expect_error(big, "70000 qualifier values", "more than");
		free(big);
	}

	/* problems of one class: it is skipped, the rest registered, err says why */
	{
		etl_status st;
		snprintf(buf, sizeof(buf),
		         "%s[EventType(1)] class Bad : E { [WmiDataId(1)] datetime When; };\n"
		         "[EventType(2)] class Good : E { [WmiDataId(1)] uint8 A; };\n"
		         "[EventType(3)] class NoGuid : Unknown { };\n"
		         "[EventType(4)] class Cyc1 : Cyc2 { };\n"
		         "[EventType(5)] class Cyc2 : Cyc1 { };\n"
		         "[EventType(6)] class Ref : E { [WmiDataId(1)] Foo ref Other; };\n"
		         "[EventType(7)] class Obj : E { [WmiDataId(1)] object O; };\n"
		         "[EventType(8)] class Size : E { [WmiDataId(1), WmiSizeIs(\"Later\")] uint8 A[]; [WmiDataId(2)] uint8 Later; };\n"
		         "[EventType(9)] class Open : E { [WmiDataId(1)] uint8 A[]; [WmiDataId(2)] uint8 B; };\n"
		         "[EventType{300, 10}] class Range : E { };\n"
		         "[EventType(11), Guid(\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01}\")] class Loop1 : Loop2 { };\n"
		         "class Loop2 : Loop1 { };\n",
		         head);
		etl_schemas *s = parse_new(buf, &st);
		tap_ok(st == ETL_OK, "per-class problems do not fail the parse");
		tap_ok(strstr(err, "snippet.mof:2: class Bad skipped: unknown data type") != NULL,
		       "the first problem is reported: %s", err);
		tap_ok(get(s, &g_ev, 2, 0) != NULL, "the good class is registered");
		tap_ok(get(s, &g_ev, 1, 0) == NULL && get(s, &g_ev, 6, 0) == NULL && get(s, &g_ev, 7, 0) == NULL &&
		       get(s, &g_ev, 8, 0) == NULL && get(s, &g_ev, 9, 0) == NULL, "bad classes are not");
		tap_ok(get(s, &g_ev, 10, 0) != NULL, "an event type out of range is skipped, the others kept");
		tap_ok(get(s, &g_ev, 11, 0) == NULL, "an inheritance cycle is skipped");
		etl_schemas_free(s);
	}

	/* every class skipped: the call fails with the first reason */
	{
		etl_status st;
		snprintf(buf, sizeof(buf), "%s[EventType(1)] class Bad : E { [WmiDataId(1)] datetime When; };\n", head);
		etl_schemas *s = parse_new(buf, &st);
		tap_ok(st == ETL_ERR_SCHEMA && strstr(err, "unknown data type"), "nothing usable -> error (%s)", err);
		etl_schemas_free(s);
	}

	etl_schemas *s = NULL;
	etl_schemas_new(&s);
	tap_ok(etl_mof_parse(NULL, "x", 1, "n", err, sizeof(err)) == ETL_ERR_ARG, "NULL store");
	tap_ok(etl_mof_parse(s, NULL, 5, "n", err, sizeof(err)) == ETL_ERR_ARG, "NULL text");
	tap_ok(etl_mof_parse(s, basic_mof, sizeof(basic_mof) - 1, NULL, NULL, 0) == ETL_OK,
	       "NULL name and error buffer accepted");
	etl_schemas_free(s);
}

/* Every prefix of the feature snippets and random bit flips: an error or
 * success, never a crash (AddressSanitizer watches). */
static void test_hostile(void)
{
	static const char *const texts[] = { basic_mof, types_mof, maps_mof };
	unsigned ok = 0, bad = 0, other = 0;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t n = strlen(texts[t]);
		char *copy = malloc(n + 1);
		for (size_t len = 0; len <= n; len++) {
			etl_schemas *s = NULL;
			etl_schemas_new(&s);
			/* an exact-size buffer, so a read past len is caught */
			char *exact = malloc(len ? len : 1);
			memcpy(exact, texts[t], len);
			etl_status st = parse_into(s, exact, len);
			st == ETL_OK ? ok++ : st == ETL_ERR_SCHEMA ? bad++ : other++;
			free(exact);
			etl_schemas_free(s);
		}
		srand(7 + (unsigned)t);
		for (int i = 0; i < 2000; i++) {
			memcpy(copy, texts[t], n + 1);
			for (int f = 0; f < 3; f++)
				copy[(size_t)rand() % n] ^= (char)(1u << (rand() % 8));
			etl_schemas *s = NULL;
			etl_schemas_new(&s);
			etl_status st = parse_into(s, copy, n);
			st == ETL_OK ? ok++ : st == ETL_ERR_SCHEMA ? bad++ : other++;
			etl_schemas_free(s);
		}
		free(copy);
	}
	tap_ok(other == 0, "truncations and bit flips: %u parsed, %u rejected, %u other", ok, bad, other);
}

/* ---- the corpus kernel.mof ------------------------------------------------------- */

static const etl_guid g_process = { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };

static size_t elem_size(const etl_prop *p, unsigned P)
{
	switch (p->in_type) {
	case ETL_IN_INT8: case ETL_IN_UINT8: return 1;
	case ETL_IN_INT16: case ETL_IN_UINT16: case ETL_IN_MOF_UNICODECHAR: return 2;
	case ETL_IN_INT32: case ETL_IN_UINT32: case ETL_IN_BOOLEAN: case ETL_IN_FLOAT: return 4;
	case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_DOUBLE: return 8;
	case ETL_IN_GUID: case ETL_IN_X_IPV6: return 16;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: return P;
	case ETL_IN_BINARY: return p->length;
	case ETL_IN_UNICODESTRING: return 2u * p->length;
	default: return 0;
	}
}

/* fixed bytes before the first variable-size item, and the item count */
static size_t fixed_part(const etl_schema *sc, unsigned P)
{
	size_t off = 0;
	for (size_t i = 0; i < sc->top_count; i++) {
		const etl_prop *p = &sc->props[i];
		size_t e = elem_size(p, P);
		if (!e || (p->flags & (ETL_PF_PARAM_COUNT | ETL_PF_TO_END)))
			break;
		off += e * ((p->flags & ETL_PF_FIXED_COUNT) || p->count > 1 ? p->count : 1);
	}
	return off;
}

static void test_kernel_mof(void)
{
	const char *dir = tl_corpus_dir();
	if (!dir) {
		tap_ok(1, "# SKIP the shared corpus is not present (set ETLKIT_CORPUS)");
		return;
	}
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/manifests/kernel.mof", dir);
	char *text = (char *)tl_read_file(path, &len);
	if (!tap_ok(text != NULL, "read %s", path))
		return;
	etl_schemas *s = NULL;
	etl_schemas_new(&s);
	err[0] = 0;
	etl_status st = etl_mof_parse(s, text, len, "kernel.mof", err, sizeof(err));
	tap_ok(st == ETL_OK && err[0] == 0, "kernel.mof parses without problems (%s)", err);

	/* Process v2 (class Process, EventVersion(2)), TypeGroup1 */
	static const char *const names[] = { "UniqueProcessKey", "ProcessId", "ParentId", "SessionId",
	                                     "ExitStatus", "UserSID", "ImageFileName", "CommandLine" };
	static const uint16_t ins[] = { ETL_IN_POINTER, ETL_IN_UINT32, ETL_IN_UINT32, ETL_IN_UINT32,
	                                ETL_IN_INT32, ETL_IN_MOF_WBEMSID, ETL_IN_ANSISTRING,
	                                ETL_IN_UNICODESTRING };
	const etl_schema *k = etl_kernel_schema_find(&g_process, 1, 2, NULL);
	bool fb;
	const etl_schema *sc = etl_schemas_find_mof(s, &g_process, 1, 2, &fb);
	tap_ok(sc && sc != k && !fb, "Process/Start v2 comes from kernel.mof");
	if (sc && sc->prop_count == 8) {
		bool same = true;
		for (size_t i = 0; i < 8; i++)
			same = same && strcmp(sc->props[i].name, names[i]) == 0 && sc->props[i].in_type == ins[i];
		tap_ok(same, "Process_TypeGroup1 fields in WmiDataId order with their types");
		tap_ok(sc->props[1].out_type == ETL_OUT_HEXINT32, "ProcessId has format(\"x\")");
		tap_ok(strcmp(sc->task_name, "Process") == 0 && strcmp(sc->opcode_name, "Start") == 0 &&
		       strcmp(sc->provider_name, "Windows Kernel") == 0, "names: Windows Kernel / Process / Start");
	} else {
		tap_ok(0, "Process_TypeGroup1 has 8 fields (%u)", sc ? sc->prop_count : 0);
	}
	sc = etl_schemas_find_mof(s, &g_process, 39, 2, &fb);
	tap_ok(sc && sc->prop_count == 8 && strcmp(sc->opcode_name, "Defunct") == 0, "Process/Defunct v2");

	/* Cross-check against the built-in table wherever both know a key:
	 * Vista's layouts of these versions must match the newer dumps. */
	static const struct { const char *name; etl_guid g; } kc[] = {
		{ "EventTrace", { 0x68fdd900, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } } },
		{ "DiskIo", { 0x3d6fa8d4, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } } },
		{ "PageFault", { 0x3d6fa8d3, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } } },
		{ "Process", { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } } },
		{ "FileIo", { 0x90cbdc39, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } } },
		{ "Thread", { 0x3d6fa8d1, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } } },
		{ "TcpIp", { 0x9a280ac0, 0xc8e0, 0x11d1, { 0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2 } } },
		{ "UdpIp", { 0xbf3a50c5, 0xa9c9, 0x4988, { 0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80 } } },
		{ "Registry", { 0xae53722e, 0xc863, 0x11d2, { 0x86, 0x59, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1 } } },
		{ "SystemConfig", { 0x01853a65, 0x418f, 0x4f36, { 0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35 } } },
		{ "PerfInfo", { 0xce1dbfb4, 0x137e, 0x4da6, { 0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc } } },
		{ "Image", { 0x2cb15d1d, 0x5fc1, 0x11d2, { 0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18 } } },
		{ "StackWalk", { 0xdef2fe46, 0x7bd6, 0x4b80, { 0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3 } } },
		{ "ALPC", { 0x45d8cccd, 0x539f, 0x4b72, { 0xa8, 0xb7, 0x5c, 0x68, 0x31, 0x42, 0x60, 0x9a } } },
	};
	/* Where the Vista-era kernel.mof and the newer "Windows Kernel" dumps
	 * (which the built-in table follows) disagree:
	 *  - classes without EventVersion register as version 0 here, but
	 *    describe the then-current layout (EventTrace Extension, DiskIo);
	 *  - Thread v1 DCEnd is in TypeGroup2 (2 fields) and CSwitch v1 has
	 *    NewThreadWaitTime in the MOF, not in the dumps;
	 *  - Thread type 53 is a Vista reserve event, ThreadAffinity later;
	 *  - SampleProf Count: u32 in the MOF, u16 + u16 Reserved in the dumps. */
	static const struct { const char *cls; unsigned type, version; } known_diffs[] = {
		{ "EventTrace", 5, 0 }, { "EventTrace", 32, 0 }, { "DiskIo", 10, 0 }, { "DiskIo", 11, 0 },
		{ "Thread", 4, 1 }, { "Thread", 36, 1 }, { "Thread", 53, 2 }, { "PerfInfo", 46, 2 },
	};
	unsigned both = 0, differ = 0, mof_keys = 0;
	for (size_t c = 0; c < sizeof(kc) / sizeof(kc[0]); c++)
		for (unsigned op = 0; op < 256; op++)
			for (unsigned ver = 0; ver < 256; ver++) {
				bool kfb;
				const etl_schema *m = etl_schemas_find_mof(s, &kc[c].g, (uint8_t)op, (uint8_t)ver, &fb);
				const etl_schema *b = etl_kernel_schema_find(&kc[c].g, (uint8_t)op, (uint8_t)ver, &kfb);
				if (!m || fb || m == b)
					continue; /* not from the MOF */
				mof_keys++;
				if (!b || kfb)
					continue;
				both++;
				size_t m4 = fixed_part(m, 4), m8 = fixed_part(m, 8);
				size_t b4 = fixed_part(b, 4), b8 = fixed_part(b, 8);
				if (m4 == b4 && m8 == b8 && m->prop_count == b->prop_count)
					continue;
				bool known = false;
				for (size_t x = 0; x < sizeof(known_diffs) / sizeof(known_diffs[0]); x++)
					known = known || (strcmp(known_diffs[x].cls, kc[c].name) == 0 &&
					                  known_diffs[x].type == op && known_diffs[x].version == ver);
				tap_diag("%s%s type %u v%u: kernel.mof %zu/%zu bytes %u items, built-in %zu/%zu %u",
				         known ? "known: " : "", kc[c].name, op, ver, m4, m8, m->prop_count,
				         b4, b8, b->prop_count);
				if (!known)
					differ++;
			}
	tap_ok(mof_keys > 200, "kernel.mof gives %u kernel (class, type, version) keys", mof_keys);
	tap_ok(both > 150 && differ == 0, "%u keys also in the built-in table, %u layouts differ unexpectedly", both, differ);
	etl_schemas_free(s);
	free(text);
}

int main(void)
{
	test_basic();
	test_types();
	test_maps();
	test_text_forms();
	test_errors();
	test_hostile();
	test_kernel_mof();
	return tap_done();
}
