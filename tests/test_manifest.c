/*
 * test_manifest.c - unit tests of the manifest parser (lib/manifest.c) and
 * the schema store (lib/schemas.c): one small embedded manifest per feature
 * and per variant of decoding.md §4.7, hostile XML, store ordering and lazy
 * directories, then facts checked on the real manifests of the shared corpus
 * (ETLKIT_CORPUS, default ../shared/corpus; skipped when absent unless
 * CI=true).
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------ */

static char errbuf[1024];

static etl_guid G(const char *s)
{
	etl_guid g;
	memset(&g, 0, sizeof(g));
	if (etl_guid_parse(s, &g) != 0)
		tap_diag("bad GUID literal in the test: %s", s);
	return g;
}

static etl_status parse_src(etl_schemas *s, const char *xml, int source)
{
	return etl_manifest_parse(s, xml, strlen(xml), "test.man", source, errbuf,
	                          sizeof(errbuf));
}

static etl_status parse(etl_schemas *s, const char *xml)
{
	return parse_src(s, xml, ETL_SRC_MANIFEST);
}

static const etl_schema *man(etl_schemas *s, const char *guid, unsigned id, unsigned v)
{
	etl_guid g = G(guid);
	return etl_schemas_find_manifest(s, &g, (uint16_t)id, (uint8_t)v);
}

static const etl_schema *mof(etl_schemas *s, const char *guid, unsigned op, unsigned v,
                             bool *fb)
{
	etl_guid g = G(guid);
	return etl_schemas_find_mof(s, &g, (uint8_t)op, (uint8_t)v, fb);
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static etl_schemas *fresh(void)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK || !s) {
		printf("Bail out! etl_schemas_new failed\n");
		exit(1);
	}
	return s;
}

/* The names of the properties, space separated, for compact checks. */
static const char *prop_names(const etl_schema *sc)
{
	static char b[2048];
	size_t o = 0;
	b[0] = 0;
	for (unsigned i = 0; sc && i < sc->prop_count && o < sizeof(b) - 64; i++)
		o += (size_t)snprintf(b + o, sizeof(b) - o, "%s%s", i ? " " : "",
		                      sc->props[i].name ? sc->props[i].name : "?");
	return b;
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(text, 1, strlen(text), f) == strlen(text);
	return fclose(f) == 0 && ok;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	while (b) {
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	if (b)
		*len = n;
	return b;
}

/* ---- the plain variant: every resolution rule -------------------------------- */

#define PROV_A "{11111111-2222-3333-4444-555555555555}"

static const char manifest_a[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\"\n"
	"    xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\"\n"
	"    xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
	" <instrumentation>\n"
	"  <events>\n"
	"   <provider name=\"Test-Provider\" guid=\"" PROV_A "\" symbol=\"TP\"\n"
	"             message=\"$(string.prov)\">\n"
	"    <channels>\n"
	"     <importChannel chid=\"sys\" name=\"System\"/>\n"
	"     <channel chid=\"op\" name=\"Test-Provider/Operational\" type=\"Operational\"\n"
	"              message=\"$(string.chop)\"/>\n"
	"     <channel chid=\"an\" name=\"Test-Provider/Analytic\" type=\"Analytic\"/>\n"
	"     <channel chid=\"fixed\" name=\"Test-Provider/Debug\" type=\"Debug\" value=\"20\"/>\n"
	"    </channels>\n"
	"    <levels><level name=\"MyLevel\" value=\"16\" message=\"$(string.lvl)\"/></levels>\n"
	"    <tasks>\n"
	"     <task name=\"Connect\" value=\"1\" message=\"$(string.task_connect)\"\n"
	"           eventGUID=\"{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}\"/>\n"
	"     <task name=\"Plain\" value=\"2\"/>\n"
	"    </tasks>\n"
	"    <opcodes><opcode name=\"Handshake\" value=\"10\" message=\"$(string.op_hs)\"/></opcodes>\n"
	"    <keywords>\n"
	"     <keyword name=\"Net\" mask=\"0x1\" message=\"$(string.kw_net)\"/>\n"
	"     <keyword name=\"Disk\" mask=\"0x10\"/>\n"
	"     <keyword name=\"High\" mask=\"0x800000000000\"/>\n"
	"    </keywords>\n"
	"    <maps>\n"
	"     <valueMap name=\"StateMap\">\n"
	"      <map value=\"2\" message=\"$(string.s2)\"/>\n"
	"      <map value=\"0x\" message=\"$(string.s0)\"/>\n"
	"      <map value=\"0x1\" message=\"$(string.s1)\"/>\n"
	"      <map value=\"1\" message=\"$(string.dup)\"/>\n"
	"     </valueMap>\n"
	"     <bitMap name=\"FlagMap\">\n"
	"      <map value=\"0x4\" message=\"$(string.f4)\"/>\n"
	"      <map value=\"0x1\" message=\"$(string.f1)\"/>\n"
	"     </bitMap>\n"
	"    </maps>\n"
	"    <events>\n"
	"     <event value=\"1\" version=\"0\" level=\"win:Informational\" task=\"Connect\"\n"
	"            opcode=\"Handshake\" keywords=\"Net Disk Bogus \" channel=\"op\"\n"
	"            template=\"T1\" message=\"$(string.ev1)\" symbol=\"EV_ONE\"/>\n"
	"     <event value=\"1\" version=\"1\" level=\"MyLevel\" task=\"Connect\" opcode=\"win:Info\"\n"
	"            channel=\"an\" template=\"T1\" symbol=\"EV_ONE_V1\"/>\n"
	"     <event value=\"2\" task=\"Plain\" opcode=\"win:Start\" channel=\"sys\"\n"
	"            keywords=\"High win:ResponseTime\"/>\n"
	"     <event value=\"3\" symbol=\"JustSymbol\" level=\"win:Verbose\" channel=\"fixed\"/>\n"
	"     <event value=\"4\"/>\n"
	"     <event value=\"5\" name=\"ExplicitName\" task=\"Connect\" opcode=\"win:Stop\"/>\n"
	"     <event value=\"6\" task=\"Connect\" opcode=\"win:DCStart\" template=\"Tdefaults\"/>\n"
	"     <event value=\"7\" message=\"literal text\" task=\"Plain\" opcode=\"win:Info\"/>\n"
	"    </events>\n"
	"    <templates>\n"
	"     <template tid=\"T1\">\n"
	"      <data name=\"State\" inType=\"win:UInt32\" map=\"StateMap\"/>\n"
	"      <data name=\"Flags\" inType=\"win:UInt32\" outType=\"win:HexInt32\" map=\"FlagMap\"/>\n"
	"      <data name=\"Name\" inType=\"win:UnicodeString\"/>\n"
	"      <data name=\"Len\" inType=\"win:UInt16\"/>\n"
	"      <data name=\"Blob\" inType=\"win:Binary\" length=\"Len\"/>\n"
	"      <data name=\"Fixed\" inType=\"win:AnsiString\" length=\"8\"/>\n"
	"      <data name=\"Arr\" inType=\"win:UInt8\" count=\"4\"/>\n"
	"      <data name=\"Addr\" inType=\"win:UInt32\" outType=\"win:IPv4\"/>\n"
	"      <UserData><T1 xmlns=\"myNs\"><data>%1</data><struct/></T1></UserData>\n"
	"     </template>\n"
	"     <template tid=\"Tdefaults\">\n"
	"      <data name=\"a\" inType=\"win:UnicodeString\"/>\n"
	"      <data name=\"b\" inType=\"win:AnsiString\"/>\n"
	"      <data name=\"c\" inType=\"win:Int8\"/>\n"
	"      <data name=\"d\" inType=\"win:UInt8\"/>\n"
	"      <data name=\"e\" inType=\"win:Int16\"/>\n"
	"      <data name=\"f\" inType=\"win:UInt16\"/>\n"
	"      <data name=\"g\" inType=\"win:Int32\"/>\n"
	"      <data name=\"h\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"i\" inType=\"win:Int64\"/>\n"
	"      <data name=\"j\" inType=\"win:UInt64\"/>\n"
	"      <data name=\"k\" inType=\"win:Float\"/>\n"
	"      <data name=\"l\" inType=\"win:Double\"/>\n"
	"      <data name=\"m\" inType=\"win:Boolean\"/>\n"
	"      <data name=\"n\" inType=\"win:Binary\" length=\"4\"/>\n"
	"      <data name=\"o\" inType=\"win:GUID\"/>\n"
	"      <data name=\"p\" inType=\"win:Pointer\"/>\n"
	"      <data name=\"q\" inType=\"win:FILETIME\"/>\n"
	"      <data name=\"r\" inType=\"win:SYSTEMTIME\"/>\n"
	"      <data name=\"s\" inType=\"win:SID\"/>\n"
	"      <data name=\"t\" inType=\"win:HexInt32\"/>\n"
	"      <data name=\"u\" inType=\"win:HexInt64\"/>\n"
	"     </template>\n"
	"    </templates>\n"
	"   </provider>\n"
	"  </events>\n"
	" </instrumentation>\n"
	" <localization>\n"
	"  <resources culture=\"de-DE\"><stringTable>\n"
	"   <string id=\"prov\" value=\"Test-Anbieter\"/>\n"
	"   <string id=\"task_connect\" value=\"Verbinden\"/>\n"
	"  </stringTable></resources>\n"
	"  <resources culture=\"en-US\"><stringTable>\n"
	"   <string id=\"prov\" value=\"Test Provider \"/>\n"
	"   <string id=\"chop\" value=\"Operational Channel\"/>\n"
	"   <string id=\"lvl\" value=\"My Level\r\n\"/>\n"
	"   <string id=\"task_connect\" value=\" Connect Task \"/>\n"
	"   <string id=\"op_hs\" value=\"Handshake!\"/>\n"
	"   <string id=\"kw_net\" value=\"Network keyword\"/>\n"
	"   <string id=\"s0\" value=\"zero \"/>\n"
	"   <string id=\"s1\" value=\"one \"/>\n"
	"   <string id=\"s2\" value=\"two \"/>\n"
	"   <string id=\"dup\" value=\"duplicate\"/>\n"
	"   <string id=\"f1\" value=\"F1\"/>\n"
	"   <string id=\"f4\" value=\"F4\"/>\n"
	"   <string id=\"ev1\" value=\"State %1 name %3 \"/>\n"
	"  </stringTable></resources>\n"
	" </localization>\n"
	"</instrumentationManifest>\n";

static void test_plain(void)
{
	etl_schemas *s = fresh();
	etl_status st = parse(s, manifest_a);
	tap_ok(st == ETL_OK && errbuf[0] == 0, "plain manifest parses without warnings (%d '%s')",
	       st, errbuf);

	const etl_schema *e = man(s, PROV_A, 1, 0);
	tap_ok(e != NULL, "event (1, 0) registered");
	if (!e)
		e = &(etl_schema){ 0 };
	tap_ok(e->source == ETL_SRC_MANIFEST && e->id == 1 && e->version == 0,
	       "identity and source");
	tap_ok(streq(e->provider_name, "Test Provider"),
	       "provider name from the en-US string table, trimmed: %s", e->provider_name);
	tap_ok(e->level == 4 && streq(e->level_name, "Informational"),
	       "win:Informational -> 4 'Informational'");
	tap_ok(e->task == 1 && streq(e->task_name, "Connect Task"),
	       "task from its message, trimmed: %s", e->task_name);
	etl_guid eg = G("{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}");
	tap_ok(etl_guid_equal(&e->event_guid, &eg), "task eventGUID -> event_guid");
	tap_ok(e->opcode == 10 && streq(e->opcode_name, "Handshake!"), "provider opcode");
	tap_ok(e->channel == 16 && streq(e->channel_name, "Operational Channel"),
	       "first custom channel without value -> 16, display from message");
	tap_ok(e->keywords == (0x11ULL | 0x8000000000000000ULL) &&
	       streq(e->keywords_name, "Net|Disk"),
	       "keywords: union, unknown and trailing space ignored, channel bit 63 "
	       "(0x%llx %s)", (unsigned long long)e->keywords, e->keywords_name);
	tap_ok(streq(e->event_name, "Connect Task/Handshake!"), "event name Task/Opcode: %s",
	       e->event_name);
	tap_ok(streq(e->message, "State %1 name %3"), "message template resolved and trimmed");
	tap_ok(e->prop_count == 8 && e->top_count == 8 &&
	       streq(prop_names(e), "State Flags Name Len Blob Fixed Arr Addr"),
	       "template: 8 properties, UserData ignored: %s", prop_names(e));
	if (e->prop_count == 8) {
		const etl_prop *p = e->props;
		tap_ok(p[0].in_type == ETL_IN_UINT32 && p[0].out_type == ETL_OUT_UNSIGNEDINT &&
		       p[0].count == 1 && p[0].flags == 0, "scalar UInt32, default out-type 8");
		const etl_map *m = p[0].map;
		tap_ok(m && m->kind == ETL_MAP_VALUE && m->count == 3 &&
		       m->entries[0].value == 0 && streq(m->entries[0].name, "zero") &&
		       m->entries[1].value == 1 && streq(m->entries[1].name, "one") &&
		       m->entries[2].value == 2 && streq(m->entries[2].name, "two"),
		       "valueMap: bare 0x = 0, hex and decimal, sorted, duplicate dropped, trimmed");
		m = p[1].map;
		tap_ok(m && m->kind == ETL_MAP_BITMAP && m->count == 2 &&
		       m->entries[0].value == 4 && m->entries[1].value == 1,
		       "bitMap keeps declaration order");
		tap_ok(p[1].out_type == ETL_OUT_HEXINT32, "explicit outType win:HexInt32");
		tap_ok(p[4].in_type == ETL_IN_BINARY && (p[4].flags & ETL_PF_PARAM_LENGTH) &&
		       p[4].length == 3, "length by name -> ParamLength index 3");
		tap_ok(p[5].length == 8 && (p[5].flags & ETL_PF_FIXED_LENGTH) &&
		       !(p[5].flags & ETL_PF_PARAM_LENGTH), "constant length 8");
		tap_ok(p[6].count == 4 && (p[6].flags & ETL_PF_FIXED_COUNT), "constant count 4");
		tap_ok(p[7].out_type == ETL_OUT_IPV4, "outType win:IPv4");
	}

	e = man(s, PROV_A, 1, 1);
	tap_ok(e && e->level == 16 && streq(e->level_name, "My Level") && e->opcode == 0 &&
	       streq(e->opcode_name, "Info") && streq(e->event_name, "Connect Task") &&
	       e->channel == 17 && streq(e->channel_name, "Test-Provider/Analytic") &&
	       e->keywords == 0x4000000000000000ULL,
	       "v1: custom level, opcode 0 -> 'Task' alone, second channel 17 / bit 62");
	tap_ok(e && e->props == man(s, PROV_A, 1, 0)->props,
	       "two events of one template share its property array");

	e = man(s, PROV_A, 2, 0);
	tap_ok(e && e->task == 2 && streq(e->task_name, "Plain") && e->opcode == 1 &&
	       streq(e->event_name, "Plain/Start") && e->channel == 8 &&
	       streq(e->channel_name, "System") &&
	       e->keywords == (0x800000000000ULL | 0x0001000000000000ULL) &&
	       streq(e->keywords_name, "High|ResponseTime") && e->prop_count == 0,
	       "task by name, win:Start, importChannel System = 8, win:ResponseTime keyword");
	e = man(s, PROV_A, 3, 0);
	tap_ok(e && streq(e->event_name, "JustSymbol") && e->channel == 20 && e->level == 5 &&
	       e->keywords == 0x2000000000000000ULL,
	       "no task -> symbol; explicit channel value 20, third channel bit 61");
	e = man(s, PROV_A, 4, 0);
	tap_ok(e && streq(e->event_name, "EventID(4)") && !e->task_name && !e->opcode_name &&
	       !e->level_name && e->version == 0,
	       "no task, no symbol -> EventID(4); version defaults to 0");
	e = man(s, PROV_A, 5, 0);
	tap_ok(e && streq(e->event_name, "ExplicitName") && e->opcode == 2,
	       "event name attribute wins");
	e = man(s, PROV_A, 6, 0);
	tap_ok(e && e->opcode == 3 && streq(e->opcode_name, "DCStart"), "win:DCStart = 3");
	if (e && e->prop_count == 21) {
		static const uint16_t want[21][2] = {
			{ 1, 1 }, { 2, 1 }, { 3, 3 }, { 4, 4 }, { 5, 5 }, { 6, 6 }, { 7, 7 },
			{ 8, 8 }, { 9, 9 }, { 10, 10 }, { 11, 11 }, { 12, 12 }, { 13, 13 },
			{ 14, 15 }, { 15, 14 }, { 16, 19 }, { 17, 2 }, { 18, 2 }, { 19, 1 },
			{ 20, 18 }, { 21, 19 }
		};
		int bad = -1;
		for (int i = 0; i < 21 && bad < 0; i++)
			if (e->props[i].in_type != want[i][0] || e->props[i].out_type != want[i][1])
				bad = i;
		tap_ok(bad < 0, "default out-types of every in-type (first mismatch %d)", bad);
	} else {
		tap_ok(0, "default out-types: template has 21 properties");
	}
	e = man(s, PROV_A, 7, 0);
	tap_ok(e && streq(e->message, "literal text") && streq(e->event_name, "Plain"),
	       "a message that is not $(string.X) is literal");
	tap_ok(man(s, PROV_A, 8, 0) == NULL && man(s, PROV_A, 1, 2) == NULL,
	       "unknown (id, version) -> NULL");
	etl_guid pa = G(PROV_A);
	tap_ok(streq(etl_schemas_provider_name(s, &pa), "Test Provider"), "provider name known");
	etl_schemas_free(s);
}

/* ---- CLR variant: task-local opcodes, dotted ids, struct flattening -------------- */

#define PROV_CLR "{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4}"

static const char manifest_clr[] =
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\n"
	" <instrumentation xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
	"   xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\n"
	"  <events xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\n"
	"   <provider name=\"Microsoft-Windows-DotNETRuntime\" guid=\"" PROV_CLR "\"\n"
	"             symbol=\"CLR\">\n"
	"    <keywords><keyword name=\"GCKeyword\" mask=\"0x1\"/></keywords>\n"
	"    <tasks>\n"
	"     <task name=\"GarbageCollection\" value=\"1\"\n"
	"           eventGUID=\"{044973cd-251f-4dff-a3e9-9d6307286b05}\"\n"
	"           message=\"$(string.RuntimePublisher.GarbageCollectionTaskMessage)\">\n"
	"      <opcodes>\n"
	"       <opcode name=\"GCAllocationTick\" value=\"11\"\n"
	"          message=\"$(string.RuntimePublisher.GCAllocationTickOpcodeMessage)\"> </opcode>\n"
	"      </opcodes>\n"
	"     </task>\n"
	"     <task name=\"Type\" value=\"21\">\n"
	"      <opcodes><opcode name=\"BulkType\" value=\"10\"/></opcodes>\n"
	"     </task>\n"
	"     <task name=\"Other\" value=\"22\">\n"
	"      <opcodes><opcode name=\"GCAllocationTick\" value=\"12\"/></opcodes>\n"
	"     </task>\n"
	"    </tasks>\n"
	"    <templates>\n"
	"     <template tid=\"BulkType\">\n"
	"      <data name=\"Count\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"ClrInstanceID\" inType=\"win:UInt16\"/>\n"
	"      <struct name=\"Values\" count=\"Count\">\n"
	"       <data name=\"TypeID\" inType=\"win:UInt64\" outType=\"win:HexInt64\"/>\n"
	"       <data name=\"TypeParameterCount\" inType=\"win:UInt32\"/>\n"
	"       <data name=\"TypeParameters\" inType=\"win:UInt64\" count=\"TypeParameterCount\"/>\n"
	"       <struct name=\"Inner\" count=\"2\">\n"
	"        <data name=\"A\" inType=\"win:UInt8\"/>\n"
	"        <data name=\"B\" inType=\"win:UInt8\" count=\"Count\"/>\n"
	"       </struct>\n"
	"       <data name=\"Tail\" inType=\"win:UInt16\"/>\n"
	"      </struct>\n"
	"      <data name=\"After\" inType=\"win:UInt32\"/>\n"
	"      <UserData><BulkType xmlns=\"myNs\"><Count>%1</Count></BulkType></UserData>\n"
	"     </template>\n"
	"     <template tid=\"Tick\"><data name=\"Amount\" inType=\"win:UInt32\"/></template>\n"
	"    </templates>\n"
	"    <events>\n"
	"     <event value=\"10\" version=\"4\" level=\"win:Verbose\" template=\"Tick\"\n"
	"            keywords=\"GCKeyword\" opcode=\"GCAllocationTick\" task=\"GarbageCollection\"\n"
	"            symbol=\"GCAllocationTick_V4\"\n"
	"            message=\"$(string.RuntimePublisher.GCAllocationTick_V4EventMessage)\"/>\n"
	"     <event value=\"99\" task=\"Other\" opcode=\"GCAllocationTick\"/>\n"
	"     <event value=\"15\" task=\"Type\" opcode=\"BulkType\" template=\"BulkType\"/>\n"
	"    </events>\n"
	"   </provider>\n"
	"  </events>\n"
	" </instrumentation>\n"
	" <localization><resources culture=\"en-US\"><stringTable>\n"
	"  <string id=\"RuntimePublisher.GarbageCollectionTaskMessage\" value=\"GC\"/>\n"
	"  <string id=\"RuntimePublisher.GCAllocationTickOpcodeMessage\" value=\"AllocationTick\"/>\n"
	"  <string id=\"RuntimePublisher.GCAllocationTick_V4EventMessage\" value=\"Amount=%1\"/>\n"
	" </stringTable></resources></localization>\n"
	"</instrumentationManifest>\n";

static void test_clr(void)
{
	etl_schemas *s = fresh();
	etl_status st = parse(s, manifest_clr);
	tap_ok(st == ETL_OK && !errbuf[0], "CLR-style manifest parses (%s)", errbuf);
	const etl_schema *e = man(s, PROV_CLR, 10, 4);
	tap_ok(e && e->opcode == 11 && streq(e->opcode_name, "AllocationTick") &&
	       streq(e->task_name, "GC") && streq(e->event_name, "GC/AllocationTick") &&
	       streq(e->message, "Amount=%1") && e->keywords == 1,
	       "task-local opcode and dotted string ids resolve");
	e = man(s, PROV_CLR, 99, 0);
	tap_ok(e && e->opcode == 12, "the same opcode name in another task has that task's value");
	e = man(s, PROV_CLR, 15, 0);
	tap_ok(e && e->prop_count == 11 && e->top_count == 4 &&
	       streq(prop_names(e),
	             "Count ClrInstanceID Values After TypeID TypeParameterCount "
	             "TypeParameters Inner Tail A B"),
	       "struct flattening: top level first, then members, nested last: %s",
	       prop_names(e));
	if (e && e->prop_count == 11) {
		const etl_prop *p = e->props;
		tap_ok(p[2].flags == (ETL_PF_STRUCT | ETL_PF_PARAM_COUNT) &&
		       p[2].in_type == ETL_IN_STRUCT && p[2].struct_start == 4 &&
		       p[2].struct_count == 5 && p[2].count == 0,
		       "struct Values: start 4, 5 members, count from index 0");
		tap_ok((p[6].flags & ETL_PF_PARAM_COUNT) && p[6].count == 5,
		       "count reference inside the struct -> flat index 5");
		tap_ok((p[7].flags & ETL_PF_STRUCT) && (p[7].flags & ETL_PF_FIXED_COUNT) &&
		       p[7].count == 2 && p[7].struct_start == 9 && p[7].struct_count == 2,
		       "nested struct with constant count 2, members at 9");
		tap_ok((p[10].flags & ETL_PF_PARAM_COUNT) && p[10].count == 0,
		       "a reference may point outside the struct (B -> Count)");
		tap_ok(p[4].out_type == ETL_OUT_HEXINT64 && p[3].in_type == ETL_IN_UINT32,
		       "member types");
	}
	etl_schemas_free(s);
}

/* ---- assembly-wrapped variant (SystemEvents.man shape) ---------------------------- */

static const char manifest_assembly[] =
	"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8' standalone='yes'?>\r\n"
	"<assembly\r\n    xmlns=\"urn:schemas-microsoft-com:asm.v3\"\r\n"
	"    manifestVersion=\"1.0\"\r\n    >\r\n"
	"  <assemblyIdentity\r\n      name=\"Microsoft-Windows-System-Events\"\r\n      />\r\n"
	"  <registryKeys><registryKey keyName=\"HKLM\"><registryValue name=\"x\"/></registryKey>"
	"</registryKeys>\r\n"
	"  <instrumentation\r\n"
	"      xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\"\r\n"
	"      xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\r\n      >\r\n"
	"    <events xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
	"      <provider\r\n          guid=\"{22FB2CD6-0E7B-422B-A0C7-2FAD1FD0E716}\"\r\n"
	"          message=\"$(string.ProcName)\"\r\n"
	"          name=\"Microsoft-Windows-Kernel-Process\"\r\n          >\r\n"
	"        <channels><channel chid=\"A\" name=\"Microsoft-Windows-Kernel-Process/Analytic\""
	" type=\"Analytic\"/></channels>\r\n"
	"        <events><event channel=\"A\" level=\"win:Informational\" template=\"t1\"\r\n"
	"            value=\"1\"/></events>\r\n"
	"        <templates><template tid=\"t1\">\r\n"
	"          <data\r\n              inType=\"win:UInt32\"\r\n              name=\"ProcessID\"\r\n"
	"              outType=\"win:PID\"\r\n              />\r\n"
	"          <data inType=\"win:UnicodeString\" name=\"ImageName\" outType=\"xs:string\"/>\r\n"
	"        </template></templates>\r\n"
	"      </provider>\r\n"
	"      <provider guid=\"{7dd42a49-5329-4832-8dfd-43d979153a88}\"\r\n"
	"          name=\"Microsoft-Windows-Kernel-Network\"/>\r\n"
	"      <messageTable><message message=\"$(string.ProcName)\" value=\"1\"/></messageTable>\r\n"
	"    </events>\r\n"
	"    <counters xmlns=\"http://schemas.microsoft.com/win/2005/12/counters\">\r\n"
	"      <provider providerGuid=\"{383487A6-3676-4870-A4E7-D45B30C35629}\">\r\n"
	"        <counterSet guid=\"{b4fc721a-0378-476f-89ba-a5a79f810b36}\" name=\"c\">\r\n"
	"          <structs><struct name=\"ProcessorInfo\" type=\"PCW\"/></structs>\r\n"
	"          <counter id=\"0\" name=\"x\"/>\r\n"
	"        </counterSet>\r\n      </provider>\r\n    </counters>\r\n"
	"  </instrumentation>\r\n"
	"  <localization><resources culture=\"en-US\"><stringTable>\r\n"
	"    <string id=\"ProcName\" value=\"Microsoft-Windows-Kernel-Process\"/>\r\n"
	"  </stringTable></resources></localization>\r\n"
	"  <cbb:debuggingInfo xmlns:cbb=\"urn:x\"><cbb:sourceManifest path=\"x\"/>"
	"</cbb:debuggingInfo>\r\n"
	"</assembly>\r\n";

static void test_assembly(void)
{
	etl_schemas *s = fresh();
	etl_status st = parse(s, manifest_assembly);
	tap_ok(st == ETL_OK && !errbuf[0], "assembly-wrapped manifest with BOM parses (%s)", errbuf);
	const etl_schema *e = man(s, "{22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716}", 1, 0);
	tap_ok(e && streq(prop_names(e), "ProcessID ImageName") &&
	       e->props[0].out_type == ETL_OUT_PID && e->props[1].out_type == ETL_OUT_STRING &&
	       e->channel == 16 && e->keywords == 0x8000000000000000ULL,
	       "upper-case GUID, attributes over many lines, chid reference");
	etl_guid net = G("{7dd42a49-5329-4832-8dfd-43d979153a88}");
	etl_guid ctr = G("{383487A6-3676-4870-A4E7-D45B30C35629}");
	tap_ok(streq(etl_schemas_provider_name(s, &net), "Microsoft-Windows-Kernel-Network"),
	       "a provider without events still names its GUID");
	tap_ok(etl_schemas_provider_name(s, &ctr) == NULL,
	       "counter providers are not event providers");
	etl_schemas_free(s);
}

/* ---- dumped manifests (manifests/windows/{GUID}.xml shape) -------------------------- */

#define PROV_DUMP "{31415926-5358-9793-2384-626433832795}"

static const char manifest_dump[] =
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\n"
	" <instrumentation xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\n"
	"  <events>\n"
	"   <provider name=\"Dumped-Provider\" guid=\"" PROV_DUMP "\" source=\"Xml\">\n"
	"    <tasks>\n"
	"     <task name=\"None\" message=\"$(string.task_None)\" value=\"0\">\n"
	"      <opcodes><opcode name=\"Open(async)\" value=\"10\"/></opcodes>\n"
	"     </task>\n"
	"    </tasks>\n"
	"    <events>\n"
	"     <event value=\"1\" version=\"0\" template=\"Collapsed33\"/>\n"
	"     <event value=\"2\" version=\"0\" template=\"CollapsedKnown\"/>\n"
	"     <event value=\"3\" version=\"0\" template=\"Twins\"/>\n"
	"     <event value=\"4\" version=\"0\" template=\"MofNames\"/>\n"
	"     <event value=\"5\" version=\"0\" task=\"task_0\" opcode=\"Open(async)\""
	" template=\"Squeezed\"/>\n"
	"     <event value=\"6\" version=\"0\" template=\"Unknown\"/>\n"
	"    </events>\n"
	"    <templates>\n"
	"     <template tid=\"Collapsed33\">\n"
	"      <data name=\"A\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"N\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"S\" inType=\"win:33\" count=\"N\"/>\n"
	"      <data name=\"Z\" inType=\"win:UInt32\"/>\n"
	"     </template>\n"
	"     <template tid=\"CollapsedKnown\">\n"
	"      <data name=\"A\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"Count\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"Values\" inType=\"win:UInt8\" count=\"Count\"/>\n"
	"      <data name=\"Z\" inType=\"win:UInt32\"/>\n"
	"     </template>\n"
	"     <template tid=\"Twins\">\n"
	"      <data name=\"f0\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"f1\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"f2\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"RectCount\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"Left\" inType=\"win:Int32\" count=\"RectCount\"/>\n"
	"      <data name=\"Right\" inType=\"win:Int32\" count=\"RectCount\"/>\n"
	"      <data name=\"f6\" inType=\"win:UInt32\"/>\n"
	"     </template>\n"
	"     <template tid=\"MofNames\">\n"
	"      <data name=\"Computer\" inType=\"win:WChar\" max=\"16\"/>\n"
	"      <data name=\"Tz\" inType=\"win:UInt8\" max=\"176\"/>\n"
	"      <data name=\"Hash\" inType=\"win:Binary\" max='21'/>\n"
	"      <data name=\"GuidCount\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"Guids\" inType=\"win:GUID\" max=\"GuidCount\"/>\n"
	"      <data name=\"Ch\" inType=\"win:WChar\"/>\n"
	"      <data name=\"Size\" inType=\"win:SizeT\"/>\n"
	"      <data name=\"V4\" inType=\"win:IPAddrV4\"/>\n"
	"      <data name=\"V6\" inType=\"win:IPAddrV6\"/>\n"
	"      <data name=\"Sid\" inType=\"win:SID\"/>\n"
	"      <data name=\"I\" inType=\"win:SInt32\"/>\n"
	"      <data name=\"W\" inType=\"win:WString\"/>\n"
	"      <data name=\"S\" inType=\"win:String\"/>\n"
	"     </template>\n"
	"     <template tid=\"Squeezed\">\n"
	"      <data name=\"SHA1HashSize\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"SHA1Hash\" inType=\"win:Binary\" length=\"SHA1 Hash Size\"/>\n"
	"     </template>\n"
	"     <template tid=\"Unknown\">\n"
	"      <data name=\"A\" inType=\"win:UInt32\"/>\n"
	"      <data name=\"B\" inType=\"win:NoSuchType\"/>\n"
	"     </template>\n"
	"    </templates>\n"
	"   </provider>\n"
	"  </events>\n"
	" </instrumentation>\n"
	" <localization><resources culture=\"en-US\"><stringTable>\n"
	"  <string id=\"task_None\" value=\"None\"/>\n"
	" </stringTable></resources></localization>\n"
	"</instrumentationManifest>\n";

static void test_dump(void)
{
	etl_schemas *s = fresh();
	etl_status st = parse(s, manifest_dump);
	tap_ok(st == ETL_OK && !errbuf[0], "dumped manifest parses (%s)", errbuf);
	const etl_schema *e = man(s, PROV_DUMP, 1, 0);
	tap_ok(e && (e->flags & ETL_SF_STOP_AFTER) && e->stop_after == 2 &&
	       e->props[2].in_type == ETL_IN_NULL && e->prop_count == 4,
	       "inType win:33 is a collapsed struct: stop after 2 fields");
	e = man(s, PROV_DUMP, 2, 0);
	tap_ok(e && (e->flags & ETL_SF_STOP_AFTER) && e->stop_after == 2,
	       "a known in-type whose code equals the top-level count, with a count "
	       "reference, is a collapsed struct");
	e = man(s, PROV_DUMP, 3, 0);
	tap_ok(e && !(e->flags & ETL_SF_STOP_AFTER) && e->props[4].in_type == ETL_IN_INT32 &&
	       (e->props[4].flags & ETL_PF_PARAM_COUNT) && e->props[4].count == 3,
	       "two arrays of the same type are genuine arrays, not a collapsed struct");
	e = man(s, PROV_DUMP, 4, 0);
	if (e && e->prop_count == 13) {
		const etl_prop *p = e->props;
		tap_ok(p[0].in_type == ETL_IN_UNICODESTRING && p[0].length == 16 &&
		       (p[0].flags & ETL_PF_FIXED_LENGTH), "win:WChar max=16 -> 16-unit string");
		tap_ok(p[1].in_type == ETL_IN_UINT8 && p[1].count == 176 &&
		       (p[1].flags & ETL_PF_FIXED_COUNT), "win:UInt8 max=176 -> fixed array");
		tap_ok(p[2].in_type == ETL_IN_BINARY && p[2].length == 21, "win:Binary max=21");
		tap_ok((p[4].flags & ETL_PF_PARAM_COUNT) && p[4].count == 3, "max=\"GuidCount\"");
		tap_ok(p[5].in_type == ETL_IN_MOF_UNICODECHAR, "win:WChar alone -> UnicodeChar");
		tap_ok(p[6].in_type == ETL_IN_MOF_SIZET, "win:SizeT");
		tap_ok(p[7].in_type == ETL_IN_UINT32 && p[7].out_type == ETL_OUT_IPV4,
		       "win:IPAddrV4 -> UInt32 + IPv4");
		tap_ok(p[8].in_type == ETL_IN_X_IPV6 && p[8].out_type == ETL_OUT_IPV6 &&
		       p[8].length == 16, "win:IPAddrV6 -> 16-byte IPv6");
		tap_ok(p[9].in_type == ETL_IN_SID, "win:SID outside the kernel dumps is a SID");
		tap_ok(p[10].in_type == ETL_IN_INT32 && p[11].in_type == ETL_IN_UNICODESTRING &&
		       p[12].in_type == ETL_IN_ANSISTRING, "win:SInt32, win:WString, win:String");
	} else {
		tap_ok(0, "MOF-flavoured in-types: template of 13 properties");
	}
	e = man(s, PROV_DUMP, 5, 0);
	tap_ok(e && (e->props[1].flags & ETL_PF_PARAM_LENGTH) && e->props[1].length == 0,
	       "length 'SHA1 Hash Size' finds the data item SHA1HashSize");
	tap_ok(e && e->task == 0 && e->opcode == 10 && streq(e->event_name, "None/Open(async)"),
	       "task=\"task_0\" finds task value 0 and its local opcodes");
	e = man(s, PROV_DUMP, 6, 0);
	tap_ok(e && (e->flags & ETL_SF_STOP_AFTER) && e->stop_after == 1,
	       "an unknown in-type stops decoding before it");
	etl_schemas_free(s);
}

/* ---- "Windows Kernel" dumps: MOF classes --------------------------------------------- */

#define CLASS_X "{0badc0de-0000-4000-8000-000000000001}"
#define CLASS_PROCESS "{3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c}"

static const char manifest_kernel[] =
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\n"
	" <instrumentation xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\n"
	"  <events>\n"
	"   <provider name=\"Windows Kernel\" guid=\"" CLASS_X "\">\n"
	"    <events>\n"
	"     <event value=\"1\" symbol=\"Proc/Start\" version=\"2\" task=\"Proc\" opcode=\"Start\""
	" template=\"0x9782c89eL\"/>\n"
	"     <event value=\"1\" symbol=\"Proc/Start\" version=\"5\" task=\"Proc\" opcode=\"Start\""
	" template=\"0x1L\"/>\n"
	"     <event value=\"300\" version=\"0\" task=\"Proc\" opcode=\"Big\"/>\n"
	"    </events>\n"
	"    <templates>\n"
	"     <template tid=\"0x9782c89eL\">\n"
	"      <data name=\"Key\" inType=\"win:Pointer\"/>\n"
	"      <data name=\"UserSID\" inType=\"win:SID\"/>\n"
	"      <data name=\"Image\" inType=\"win:String\"/>\n"
	"     </template>\n"
	"     <template tid=\"0x1L\"><data name=\"Key\" inType=\"win:Pointer\"/></template>\n"
	"    </templates>\n"
	"   </provider>\n"
	"   <provider name=\"Windows Kernel\" guid=\"" CLASS_PROCESS "\">\n"
	"    <events>\n"
	"     <event value=\"1\" version=\"4\" task=\"Process\" opcode=\"Start\" template=\"t\"/>\n"
	"     <event value=\"1\" version=\"77\" task=\"Process\" opcode=\"Start\" template=\"t\"/>\n"
	"    </events>\n"
	"    <templates><template tid=\"t\"><data name=\"K\" inType=\"win:UInt32\"/></template>"
	"</templates>\n"
	"   </provider>\n"
	"  </events>\n"
	" </instrumentation>\n"
	"</instrumentationManifest>\n";

static void test_kernel_dump(void)
{
	etl_schemas *s = fresh();
	etl_status st = parse(s, manifest_kernel);
	tap_ok(st == ETL_OK && strstr(errbuf, "300") != NULL,
	       "Windows Kernel dump parses; a MOF type above 255 is reported (%s)", errbuf);
	bool fb = true;
	const etl_schema *e = mof(s, CLASS_X, 1, 2, &fb);
	tap_ok(e && !fb && e->source == ETL_SRC_MOF && e->id == 0 && e->opcode == 1 &&
	       e->version == 2 && (e->flags & ETL_SF_DUMPED),
	       "registered as MOF (class, type 1, version 2)");
	etl_guid cx = G(CLASS_X);
	tap_ok(e && etl_guid_equal(&e->event_guid, &cx) && streq(e->task_name, "Proc") &&
	       streq(e->opcode_name, "Start") && streq(e->event_name, "Proc/Start") &&
	       streq(e->provider_name, "Windows Kernel"),
	       "MOF names: class, type name, Class/Type");
	tap_ok(e && e->prop_count == 3 && e->props[1].in_type == ETL_IN_MOF_WBEMSID &&
	       e->props[2].in_type == ETL_IN_ANSISTRING,
	       "win:SID in a kernel dump is a WBEM SID (TOKEN_USER + SID)");
	tap_ok(man(s, CLASS_X, 1, 2) == NULL, "MOF schemas are not found as manifest events");
	e = mof(s, CLASS_X, 1, 3, &fb);
	tap_ok(e && fb && e->version == 2, "missing version 3 -> highest below (2), fallback");
	e = mof(s, CLASS_X, 1, 1, &fb);
	tap_ok(e && fb && e->version == 2, "missing version 1 -> lowest above (2), fallback");
	e = mof(s, CLASS_X, 1, 9, &fb);
	tap_ok(e && fb && e->version == 5, "missing version 9 -> 5");
	tap_ok(mof(s, CLASS_X, 2, 2, &fb) == NULL && !fb, "unknown type -> NULL");

	e = mof(s, CLASS_PROCESS, 1, 4, &fb);
	tap_ok(e && !fb && !(e->flags & ETL_SF_DUMPED) && e->prop_count > 1,
	       "the built-in kernel table wins over a dumped kernel manifest (Process v4)");
	e = mof(s, CLASS_PROCESS, 1, 77, &fb);
	tap_ok(e && !fb && (e->flags & ETL_SF_DUMPED),
	       "a version only the dump knows comes from the dump");

	/* a user's (non-dumped) MOF schema overrides the built-in table */
	static const etl_prop one[] = { { .name = "Only", .in_type = ETL_IN_UINT8, .count = 1 } };
	etl_schema u = { .provider = G(CLASS_PROCESS), .opcode = 1, .version = 4,
	                 .source = ETL_SRC_MOF, .prop_count = 1, .top_count = 1,
	                 .props = one, .event_name = "Mine" };
	tap_ok(etl_schemas_put(s, &u) == ETL_OK, "put a user MOF schema");
	e = mof(s, CLASS_PROCESS, 1, 4, &fb);
	tap_ok(e && streq(e->event_name, "Mine") && !fb, "user MOF overrides the built-in table");
	e = mof(s, CLASS_PROCESS, 2, 4, &fb);
	tap_ok(e && !streq(e->event_name, "Mine"), "other keys still come from the built-in table");
	etl_schemas_free(s);

	/* a user's other version against the built-in table's: the closer wins */
	s = fresh();
	u.version = 2;
	u.event_name = "MineV2";
	etl_schemas_put(s, &u);
	e = mof(s, CLASS_PROCESS, 1, 3, &fb);
	tap_ok(e && !fb && e->version == 3 && !streq(e->event_name, "MineV2"),
	       "an exact built-in version beats a user's other version");
	e = mof(s, CLASS_PROCESS, 1, 200, &fb);
	tap_ok(e && fb && e->version > 2 && e->version < 200,
	       "fallback takes the closest version below from either source (v%d)",
	       e ? e->version : -1);
	e = mof(s, CLASS_PROCESS, 1, 2, &fb);
	tap_ok(e && !fb && streq(e->event_name, "MineV2"), "the user's exact version wins");
	etl_schemas_free(s);

	/* no store at all: built-ins only */
	etl_guid pg = G(CLASS_PROCESS);
	e = etl_schemas_find_mof(NULL, &pg, 1, 4, NULL);
	tap_ok(e != NULL, "find_mof without a store consults the built-in table");
}

/* ---- EventSource variant (in-trace: UTF-8, CRLF, no declaration, padding) ------------ */

static void test_eventsource(void)
{
	static const char es[] =
		"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
		" <instrumentation xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
		"xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\r\n"
		"  <events xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
		"<provider name=\"MySource\" guid=\"{a61ea624-4944-55fc-c2a8-37838829438d}\" "
		"resourceFileName=\"MySource\" messageFileName=\"MySource\" symbol=\"MySource\">\r\n"
		" <tasks>\r\n  <task name=\"Hello\" message=\"$(string.task_Hello)\" value=\"65533\"/>\r\n"
		" </tasks>\r\n <opcodes>\r\n </opcodes>\r\n <keywords>\r\n"
		"  <keyword name=\"Session3\" message=\"$(string.keyword_Session3)\" mask=\"0x100000000000\"/>\r\n"
		" </keywords>\r\n <events>\r\n"
		"  <event value=\"1\" version=\"0\" level=\"win:LogAlways\" symbol=\"Hello\" "
		"message=\"$(string.event_Hello)\" task=\"Hello\" template=\"HelloArgs\"/>\r\n"
		" </events>\r\n <templates>\r\n  <template tid=\"HelloArgs\">\r\n"
		"   <data name=\"who\" inType=\"win:UnicodeString\"/>\r\n  </template>\r\n </templates>\r\n"
		"</provider>\r\n</events>\r\n</instrumentation>\r\n<localization>\r\n"
		" <resources culture=\"en-US\">\r\n  <stringTable>\r\n"
		"   <string id=\"event_Hello\" value=\"who=%1\"/>\r\n"
		"   <string id=\"task_Hello\" value=\"Hello\"/>\r\n"
		"  </stringTable>\r\n </resources>\r\n</localization>\r\n"
		"</instrumentationManifest>\0\0\0";
	etl_schemas *s = fresh();
	etl_status st = etl_manifest_parse(s, es, sizeof(es) - 1, "eventsource", ETL_SRC_EVENTSOURCE,
	                                   errbuf, sizeof(errbuf));
	tap_ok(st == ETL_OK && !errbuf[0], "EventSource manifest with CRLF and NUL padding (%s)",
	       errbuf);
	const etl_schema *e = man(s, "{a61ea624-4944-55fc-c2a8-37838829438d}", 1, 0);
	tap_ok(e && e->source == ETL_SRC_EVENTSOURCE && e->task == 65533 && e->level == 0 &&
	       streq(e->level_name, "LogAlways") && streq(e->event_name, "Hello") &&
	       streq(e->message, "who=%1") && e->prop_count == 1,
	       "source eventsource, task alone as event name");
	etl_schemas_free(s);
}

/* ---- template and event problems: skipped events, warnings -------------------------- */

#define PROV_BAD "{deadbeef-0000-4000-8000-00000000beef}"

static void test_bad_templates(void)
{
	static const char xml[] =
		"<instrumentationManifest><instrumentation><events>\n"
		"<provider name=\"Bad\" guid=\"" PROV_BAD "\">\n"
		"<events>\n"
		" <event value=\"1\" template=\"later\"/>\n"
		" <event value=\"2\" template=\"unknownref\"/>\n"
		" <event value=\"3\" template=\"structref\"/>\n"
		" <event value=\"4\" template=\"hugecount\"/>\n"
		" <event value=\"5\" template=\"missing\"/>\n"
		" <event value=\"6\" template=\"ok\"/>\n"
		" <event value=\"70000\" template=\"ok\"/>\n"
		" <event value=\"7\" version=\"300\" template=\"ok\"/>\n"
		" <event value=\"8\" template=\"ok\" keywords=\"k\"/>\n"
		" <event value=\"9\" template=\"selfstruct\"/>\n"
		" <event value=\"10\" template=\"emptystruct\"/>\n"
		" <event value=\"11\" template=\"hugelength\"/>\n"
		"</events>\n"
		"<keywords><keyword name=\"k\" mask=\"0x1FFFFFFFFFFFFFFFFF\"/></keywords>\n"
		"<templates>\n"
		" <template tid=\"later\"><data name=\"a\" inType=\"win:UInt8\" count=\"n\"/>"
		"<data name=\"n\" inType=\"win:UInt8\"/></template>\n"
		" <template tid=\"unknownref\"><data name=\"a\" inType=\"win:UInt8\" count=\"zz\"/>"
		"</template>\n"
		" <template tid=\"structref\"><struct name=\"s\"><data name=\"x\" inType=\"win:UInt8\"/>"
		"</struct><data name=\"a\" inType=\"win:UInt8\" count=\"s\"/></template>\n"
		" <template tid=\"hugecount\"><data name=\"a\" inType=\"win:UInt8\" count=\"70000\"/>"
		"</template>\n"
		" <template tid=\"ok\"><data name=\"a\" inType=\"win:UInt8\"/></template>\n"
		" <template tid=\"selfstruct\"><struct name=\"s\" count=\"c\"><data name=\"c\""
		" inType=\"win:UInt8\"/></struct></template>\n"
		" <template tid=\"emptystruct\"><struct name=\"s\"/></template>\n"
		" <template tid=\"hugelength\"><data name=\"a\" inType=\"win:AnsiString\""
		" length=\"99999999999999999999999\"/></template>\n"
		"</templates>\n"
		"</provider></events></instrumentation></instrumentationManifest>\n";
	etl_schemas *s = fresh();
	etl_status st = parse(s, xml);
	tap_ok(st == ETL_OK, "a document with bad templates still loads (%d)", st);
	tap_ok(strstr(errbuf, "test.man:") && strstr(errbuf, "more problems"),
	       "the problems are reported with file and line: %s", errbuf);
	tap_ok(man(s, PROV_BAD, 1, 0) == NULL, "count referencing a later field: event skipped");
	tap_ok(man(s, PROV_BAD, 2, 0) == NULL, "count referencing an unknown field: skipped");
	tap_ok(man(s, PROV_BAD, 3, 0) == NULL, "count referencing a struct: skipped");
	tap_ok(man(s, PROV_BAD, 4, 0) == NULL, "count above 65535: skipped");
	tap_ok(man(s, PROV_BAD, 5, 0) == NULL, "unknown template: skipped");
	tap_ok(man(s, PROV_BAD, 6, 0) != NULL, "good events of the same provider load");
	tap_ok(man(s, PROV_BAD, 70000 & 0xFFFF, 0) == NULL, "event value above 65535: skipped");
	tap_ok(man(s, PROV_BAD, 7, 300 & 0xFF) == NULL, "version above 255: skipped");
	const etl_schema *e = man(s, PROV_BAD, 8, 0);
	tap_ok(e && e->keywords == 0 && !e->keywords_name, "an overflowing keyword mask is ignored");
	tap_ok(man(s, PROV_BAD, 9, 0) == NULL, "struct counted by its own member: skipped");
	tap_ok(man(s, PROV_BAD, 10, 0) == NULL, "empty struct: skipped");
	tap_ok(man(s, PROV_BAD, 11, 0) == NULL, "huge length: skipped");
	etl_schemas_free(s);

	/* too many properties, too deep structs, too many map entries */
	etl_strbuf b = { 0 };
	etl_strbuf_puts(&b, "<instrumentationManifest><instrumentation><events>"
	                    "<provider name=\"Big\" guid=\"" PROV_BAD "\"><events>"
	                    "<event value=\"1\" template=\"many\"/>"
	                    "<event value=\"2\" template=\"deep\"/>"
	                    "<event value=\"3\" template=\"mapped\"/></events>"
	                    "<templates><template tid=\"many\">");
	for (int i = 0; i < ETL_SCHEMA_MAX_PROPS + 5; i++)
		etl_strbuf_printf(&b, "<data name=\"p%d\" inType=\"win:UInt8\"/>", i);
	etl_strbuf_puts(&b, "</template><template tid=\"deep\">");
	for (int i = 0; i < ETL_SCHEMA_MAX_DEPTH + 2; i++)
		etl_strbuf_printf(&b, "<struct name=\"s%d\">", i);
	etl_strbuf_puts(&b, "<data name=\"x\" inType=\"win:UInt8\"/>");
	for (int i = 0; i < ETL_SCHEMA_MAX_DEPTH + 2; i++)
		etl_strbuf_puts(&b, "</struct>");
	etl_strbuf_puts(&b, "</template><template tid=\"mapped\"><data name=\"m\" "
	                    "inType=\"win:UInt32\" map=\"M\"/></template></templates>"
	                    "<maps><valueMap name=\"M\">");
	for (int i = 0; i < ETL_SCHEMA_MAX_MAP_ENTRIES + 10; i++)
		etl_strbuf_printf(&b, "<map value=\"%d\" message=\"v%d\"/>", i, i);
	etl_strbuf_puts(&b, "</valueMap></maps></provider></events></instrumentation>"
	                    "</instrumentationManifest>");
	s = fresh();
	st = b.failed ? ETL_ERR_NOMEM : etl_manifest_parse(s, b.p, b.len, "big.man",
	                                                   ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
	tap_ok(st == ETL_OK, "oversized templates and maps: the document loads (%d %s)", st, errbuf);
	tap_ok(man(s, PROV_BAD, 1, 0) == NULL, "more than %d properties: event skipped",
	       ETL_SCHEMA_MAX_PROPS);
	tap_ok(man(s, PROV_BAD, 2, 0) == NULL, "structs nested deeper than %d: event skipped",
	       ETL_SCHEMA_MAX_DEPTH);
	e = man(s, PROV_BAD, 3, 0);
	tap_ok(e && e->props[0].map && e->props[0].map->count == ETL_SCHEMA_MAX_MAP_ENTRIES,
	       "a map is cut at %d entries", ETL_SCHEMA_MAX_MAP_ENTRIES);
	etl_schemas_free(s);
	etl_strbuf_free(&b);
}

/* ---- hostile XML: errors, never crashes ------------------------------------------------ */

static void test_hostile(void)
{
	etl_schemas *s = fresh();
	static const char broken[] =
		"<instrumentationManifest>\n <events><provider guid='{1}'>\n</events>";
	etl_status st = etl_manifest_parse(s, broken, strlen(broken), "bad.man",
	                                   ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
	tap_ok(st == ETL_ERR_SCHEMA && strncmp(errbuf, "bad.man:3:", 10) == 0,
	       "malformed XML -> ETL_ERR_SCHEMA with name:line:col: %s", errbuf);

	st = etl_manifest_parse(s, "", 0, "empty.man", ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
	tap_ok(st == ETL_ERR_SCHEMA && strstr(errbuf, "empty.man"), "empty document: %s", errbuf);
	st = parse(s, "<root><child/></root>");
	tap_ok(st == ETL_ERR_SCHEMA && strstr(errbuf, "no <provider>"), "no provider: %s", errbuf);
	st = etl_manifest_parse(NULL, "<a/>", 4, "x", ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
	tap_ok(st == ETL_ERR_ARG, "NULL store -> ETL_ERR_ARG");
	st = etl_manifest_parse(s, "<a/>", 4, NULL, ETL_SRC_MANIFEST, NULL, 0);
	tap_ok(st == ETL_ERR_SCHEMA, "NULL name and error buffer are accepted");

	/* nesting far deeper than any manifest */
	etl_strbuf b = { 0 };
	for (int i = 0; i < 100000; i++)
		etl_strbuf_puts(&b, "<a>");
	st = b.failed ? ETL_ERR_NOMEM : etl_manifest_parse(s, b.p, b.len, "deep.man",
	                                                   ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
	tap_ok(st == ETL_ERR_LIMIT && strstr(errbuf, "nested"), "deep nesting -> limit: %s", errbuf);
	etl_strbuf_free(&b);

	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<instrumentationManifest><events><provider name=\"&lol9;\" "
		"guid=\"{11111111-2222-3333-4444-555555555555}\"/></events></instrumentationManifest>\n";
	st = parse(s, laughs);
	tap_ok(st == ETL_ERR_SCHEMA && strstr(errbuf, "entity"),
	       "entity expansion bomb refused: %s", errbuf);
	static const char external[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
		"<instrumentationManifest><events><provider name=\"&e;\" "
		"guid=\"{11111111-2222-3333-4444-555555555555}\"/></events></instrumentationManifest>\n";
	st = parse(s, external);
	tap_ok(st == ETL_ERR_SCHEMA, "external entity refused: %s", errbuf);
	static const char ext_subset[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x SYSTEM \"file:///etc/passwd\">\n"
		"<instrumentationManifest><events><provider name=\"P\" "
		"guid=\"{11111111-2222-3333-4444-555555555555}\"/></events></instrumentationManifest>\n";
	st = parse(s, ext_subset);
	etl_guid pa = G(PROV_A);
	tap_ok(st == ETL_OK && streq(etl_schemas_provider_name(s, &pa), "P"),
	       "an external DTD subset is never loaded (st %d)", st);

	st = parse(s, "<instrumentationManifest><events><provider name=\"NoGuid\"/>"
	              "<provider name=\"BadGuid\" guid=\"{123}\"/></events>"
	              "</instrumentationManifest>");
	tap_ok(st == ETL_OK && strstr(errbuf, "guid"), "providers without a usable GUID are "
	       "skipped with a warning: %s", errbuf);

	/* UTF-16LE with BOM: expat decodes it */
	static const char small[] =
		"<instrumentationManifest><events><provider name=\"Utf16\" "
		"guid=\"{99999999-2222-3333-4444-555555555555}\"><events><event value=\"1\"/>"
		"</events></provider></events></instrumentationManifest>";
	size_t n = sizeof(small) - 1;
	char *u16 = malloc(2 + 2 * n);
	u16[0] = (char)0xFF;
	u16[1] = (char)0xFE;
	for (size_t i = 0; i < n; i++) {
		u16[2 + 2 * i] = small[i];
		u16[3 + 2 * i] = 0;
	}
	st = etl_manifest_parse(s, u16, 2 + 2 * n, "utf16.man", ETL_SRC_MANIFEST, errbuf,
	                        sizeof(errbuf));
	free(u16);
	tap_ok(st == ETL_OK && man(s, "{99999999-2222-3333-4444-555555555555}", 1, 0),
	       "UTF-16LE manifest with BOM (st %d %s)", st, errbuf);

	/* the broken quoting of 4 corpus dumps is repaired */
	static const char quotes[] =
		"<instrumentationManifest><instrumentation><events>\n"
		"<provider name=\"Quotes\" guid=\"{88888888-2222-3333-4444-555555555555}\">\n"
		"<maps><valueMap name=\"M\">\n"
		" <map value=\"0x0\" message=\"$(string.map_Mode\"No loopback mode\")\"/>\n"
		" <map value=\"0x1\" message=\"$(string.map_Token<Property>)\"/>\n"
		"</valueMap></maps>\n"
		"<events><event value=\"1\" template=\"t\" message=\"$(string.ev)\"/></events>\n"
		"<templates><template tid=\"t\"><data name=\"m\" inType=\"win:UInt32\" map=\"M\"/>"
		"</template></templates>\n"
		"</provider></events></instrumentation>\n"
		"<localization><resources culture=\"en-US\"><stringTable>\n"
		"<string id=\"ev\" value=\"run \"CHKDSK /SCAN\" locally\"/>\n"
		"<string id=\"map_Mode\"No loopback mode\"\" value=\"No loopback\"/>\n"
		"<string id=\"map_Token<Property>\" value=\"Token\"/>\n"
		"</stringTable></resources></localization></instrumentationManifest>\n";
	st = parse(s, quotes);
	const etl_schema *e = man(s, "{88888888-2222-3333-4444-555555555555}", 1, 0);
	tap_ok(st == ETL_OK && strstr(errbuf, "repaired") && e &&
	       streq(e->message, "run \"CHKDSK /SCAN\" locally") && e->props[0].map &&
	       e->props[0].map->count == 2 &&
	       streq(e->props[0].map->entries[0].name, "No loopback") &&
	       streq(e->props[0].map->entries[1].name, "Token"),
	       "unescaped quotes and '<' in attribute values are repaired (st %d %s)", st, errbuf);
	etl_schemas_free(s);
}

/* Every prefix and many single-byte corruptions of the sample manifests:
 * the parser must return, whatever it returns. */
static void test_truncation_and_flips(void)
{
	const char *docs[] = { manifest_a, manifest_clr, manifest_dump, manifest_kernel };
	unsigned long runs = 0, oks = 0;
	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		size_t n = strlen(docs[d]);
		size_t step = n / 700 + 1;
		for (size_t len = 0; len <= n; len = len < n && len + step > n ? n : len + step) {
			etl_schemas *s = fresh();
			if (etl_manifest_parse(s, docs[d], len, "trunc", ETL_SRC_MANIFEST, errbuf,
			                       sizeof(errbuf)) == ETL_OK)
				oks++;
			runs++;
			etl_schemas_free(s);
		}
	}
	tap_ok(runs > 2000 && oks >= 4, "truncated documents: %lu runs, %lu complete enough", runs,
	       oks);

	uint32_t seed = 12345;
	char *buf = malloc(sizeof(manifest_a));
	runs = 0;
	for (int i = 0; i < 3000 && buf; i++) {
		const char *src = docs[i % 4];
		size_t n = strlen(src);
		memcpy(buf, src, n);
		for (int k = 0; k < 1 + i % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			buf[pos] = (char)(seed >> 16);
		}
		etl_schemas *s = fresh();
		(void)etl_manifest_parse(s, buf, n, "flip", ETL_SRC_MANIFEST, errbuf, sizeof(errbuf));
		/* lookups on whatever got registered must be safe too */
		(void)man(s, PROV_A, 1, 0);
		(void)man(s, PROV_CLR, 15, 0);
		runs++;
		etl_schemas_free(s);
	}
	free(buf);
	tap_ok(runs == 3000, "3000 corrupted documents parsed without a crash");
}

/* ---- the store: ordering, names, files, directories ---------------------------------- */

static const char *one_event(char *buf, size_t sz, const char *guid, const char *prop)
{
	snprintf(buf, sz,
	         "<instrumentationManifest><instrumentation><events>"
	         "<provider name=\"Order-%s\" guid=\"%s\"><events>"
	         "<event value=\"1\" template=\"t\"/></events><templates><template tid=\"t\">"
	         "<data name=\"%s\" inType=\"win:UInt32\"/></template></templates>"
	         "</provider></events></instrumentation></instrumentationManifest>\n",
	         prop, guid, prop);
	return buf;
}

static char tmpdir[256];

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char p[512];
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

#define PROV_O "{0a0a0a0a-1111-2222-3333-444444444444}"
#define PROV_O2 "{0b0b0b0b-1111-2222-3333-444444444444}"
#define PROV_O3 "{0c0c0c0c-1111-2222-3333-444444444444}"
#define PROV_O4 "{0d0d0d0d-1111-2222-3333-444444444444}"

static void test_store(void)
{
	char x[1024], p1[400], p2[400], dir[300];
	etl_schemas *s = fresh();
	tap_ok(parse(s, one_event(x, sizeof(x), PROV_O, "First")) == ETL_OK &&
	       parse(s, one_event(x, sizeof(x), PROV_O, "Second")) == ETL_OK &&
	       streq(prop_names(man(s, PROV_O, 1, 0)), "Second"),
	       "the same (provider, id, version) given later replaces the earlier one");
	etl_guid po = G(PROV_O);
	tap_ok(streq(etl_schemas_provider_name(s, &po), "Order-Second"), "the later name wins");
	etl_schemas_free(s);

	tap_ok(strcmp(etl_schema_source_name(ETL_SRC_MANIFEST), "manifest") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_EVENTSOURCE), "eventsource") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_METADATA), "metadata") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_TRACELOGGING), "tracelogging") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_MOF), "mof") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_WPP), "wpp") == 0 &&
	       strcmp(etl_schema_source_name(ETL_SRC_NONE), "none") == 0 &&
	       strcmp(etl_schema_source_name(99), "none") == 0,
	       "source names");

	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_manifest.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		tap_ok(0, "mkdtemp %s", tmpdir);
		return;
	}
	/* explicit files */
	s = fresh();
	snprintf(p1, sizeof(p1), "%s/missing.man", tmpdir);
	etl_status st = etl_schemas_add_manifest(s, p1);
	tap_ok(st == ETL_ERR_IO && strstr(etl_schemas_errmsg(s), p1),
	       "a missing file -> ETL_ERR_IO naming it: %s", etl_schemas_errmsg(s));
	st = etl_schemas_add_mof(s, p1);
	tap_ok(st == ETL_ERR_IO && strstr(etl_schemas_errmsg(s), p1), "add_mof of a missing file");
	snprintf(p1, sizeof(p1), "%s/big.man", tmpdir);
	int fd = open(p1, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	bool sparse = fd >= 0 && ftruncate(fd, ((off_t)64 << 20) + 1) == 0;
	if (fd >= 0)
		close(fd);
	st = etl_schemas_add_manifest(s, p1);
	tap_ok(sparse && st == ETL_ERR_LIMIT && strstr(etl_schemas_errmsg(s), "big.man"),
	       "a manifest over 64 MiB is refused before reading: %s", etl_schemas_errmsg(s));
	unlink(p1);
	snprintf(p1, sizeof(p1), "%s/bad.man", tmpdir);
	write_text(p1, "<instrumentationManifest>\n<oops></instrumentationManifest>");
	st = etl_schemas_add_manifest(s, p1);
	tap_ok(st == ETL_ERR_SCHEMA && strstr(etl_schemas_errmsg(s), "bad.man:2:"),
	       "a malformed file names file:line:col: %s", etl_schemas_errmsg(s));
	unlink(p1);
	etl_schemas_free(s);

	/* a directory, loaded lazily */
	snprintf(dir, sizeof(dir), "%s/dir", tmpdir);
	mkdir(dir, 0755);
	snprintf(p1, sizeof(p1), "%s/%s.xml", dir, PROV_O);
	write_text(p1, one_event(x, sizeof(x), PROV_O, "FromDir"));
	snprintf(p2, sizeof(p2), "%s/several.MAN", dir);
	write_text(p2,
	           "<?xml version=\"1.0\"?>\n<ev:instrumentationManifest xmlns:ev=\"urn:x\">"
	           "<ev:instrumentation><ev:events>\n"
	           "<ev:provider name=\"Two\"\n    symbol=\"x\"\n    guid = '" PROV_O2 "'>"
	           "<ev:events><ev:event value=\"2\"/></ev:events></ev:provider>\n"
	           "<!-- a provider guid=\"{not a guid}\" -->\n"
	           "<ev:provider guid=\"" PROV_O3 "\" name=\"Three\"><ev:events>"
	           "<ev:event value=\"3\"/></ev:events></ev:provider>\n"
	           "</ev:events></ev:instrumentation></ev:instrumentationManifest>\n");
	snprintf(p2, sizeof(p2), "%s/broken.xml", dir);
	write_text(p2, "<instrumentationManifest><events><provider guid=\"" PROV_O4 "\">"
	               "<events></provider></instrumentationManifest>");
	snprintf(p2, sizeof(p2), "%s/readme.txt", dir);
	write_text(p2, "<provider guid=\"" PROV_O4 "\"/>");

	s = fresh();
	st = etl_schemas_add_manifest(s, dir);
	tap_ok(st == ETL_OK && etl_schemas_files_parsed(s) == 0,
	       "adding a directory parses nothing (%d, %u)", st, etl_schemas_files_parsed(s));
	const etl_schema *e = man(s, PROV_O2, 2, 0);
	tap_ok(e && etl_schemas_files_parsed(s) == 1,
	       "first lookup of a GUID found by the text scan parses its file");
	e = man(s, PROV_O3, 3, 0);
	tap_ok(e && etl_schemas_files_parsed(s) == 1,
	       "the other provider of that file needs no second parse");
	e = man(s, PROV_O, 1, 0);
	tap_ok(e && streq(prop_names(e), "FromDir") && etl_schemas_files_parsed(s) == 2,
	       "{GUID}.xml is indexed by its name");
	e = man(s, PROV_O, 1, 0);
	tap_ok(e && etl_schemas_files_parsed(s) == 2, "a second lookup parses nothing");
	e = man(s, "{12345678-1111-2222-3333-444444444444}", 1, 0);
	tap_ok(!e && etl_schemas_files_parsed(s) == 2, "an unknown GUID parses nothing");
	e = man(s, PROV_O4, 1, 0);
	tap_ok(!e && strstr(etl_schemas_errmsg(s), "broken.xml:1:"),
	       "a broken file is reported on first use: %s", etl_schemas_errmsg(s));
	etl_guid o3 = G(PROV_O3);
	tap_ok(streq(etl_schemas_provider_name(s, &o3), "Three"), "provider names from the dir");
	etl_schemas_free(s);

	/* "added later wins" across lazy loading */
	snprintf(p2, sizeof(p2), "%s/explicit.man", tmpdir);
	write_text(p2, one_event(x, sizeof(x), PROV_O, "Explicit"));
	s = fresh();
	etl_schemas_add_manifest(s, dir);
	etl_schemas_add_manifest(s, p2);
	e = man(s, PROV_O, 1, 0);
	tap_ok(e && streq(prop_names(e), "Explicit"),
	       "a directory file parsed late does not override a file added after it");
	etl_schemas_free(s);
	s = fresh();
	etl_schemas_add_manifest(s, p2);
	etl_schemas_add_manifest(s, dir);
	e = man(s, PROV_O, 1, 0);
	tap_ok(e && streq(prop_names(e), "FromDir"),
	       "a directory added after a file wins when it is parsed");
	/* in-trace registrations come later than any add */
	char buf[1024];
	parse_src(s, one_event(buf, sizeof(buf), PROV_O3, "InTrace"), ETL_SRC_EVENTSOURCE);
	e = man(s, PROV_O3, 1, 0);
	tap_ok(e && streq(prop_names(e), "InTrace") && e->source == ETL_SRC_EVENTSOURCE &&
	       man(s, PROV_O3, 3, 0) != NULL,
	       "a registration after the directory beats its older file, which still "
	       "contributes the other events");
	etl_schemas_free(s);
	rm_tree(tmpdir);

	/* argument checks */
	tap_ok(etl_schemas_add_manifest(NULL, "x") == ETL_ERR_ARG && etl_schemas_new(NULL) ==
	       ETL_ERR_ARG && etl_schemas_put(NULL, NULL) == ETL_ERR_ARG &&
	       etl_schemas_find_manifest(NULL, &po, 1, 0) == NULL &&
	       etl_schemas_provider_name(NULL, &po) == NULL, "NULL handles are harmless");
	etl_schemas_free(NULL);
	s = fresh();
	etl_schemas_set_error(s, "%s %d", "message", 7);
	tap_ok(streq(etl_schemas_errmsg(s), "message 7") && etl_schemas_arena(s) != NULL &&
	       etl_schemas_tei_slot(s) != NULL && *etl_schemas_tei_slot(s) == NULL,
	       "errmsg, arena and tei slot accessors");
	/* a schema built on the stack is copied */
	{
		etl_schema tmp = { .provider = G(PROV_O), .id = 9, .source = ETL_SRC_METADATA,
		                   .event_name = "stack" };
		etl_schemas_put(s, &tmp);
		memset(&tmp, 0, sizeof(tmp));
	}
	e = man(s, PROV_O, 9, 0);
	tap_ok(e && streq(e->event_name, "stack"), "put copies the schema record");
	etl_schemas_free(s);
}

/* ---- the real manifests of the corpus ---------------------------------------------------- */

static const char *corpus_dir(void)
{
	static char dir[1024];
	const char *env = getenv("ETLKIT_CORPUS");
	snprintf(dir, sizeof(dir), "%s", env && *env ? env : "../shared/corpus");
	struct stat st;
	char m[1100];
	snprintf(m, sizeof(m), "%s/manifests", dir);
	if (stat(m, &st) == 0 && S_ISDIR(st.st_mode))
		return dir;
	return NULL;
}

static void test_corpus(void)
{
	const char *dir = corpus_dir();
	if (!dir) {
		const char *ci = getenv("CI");
		if (ci && strcmp(ci, "true") == 0)
			tap_ok(0, "the shared corpus is required in CI (ETLKIT_CORPUS or "
			          "../shared/corpus)");
		else
			tap_ok(1, "corpus manifests # SKIP no corpus at ETLKIT_CORPUS or "
			          "../shared/corpus");
		return;
	}
	char path[1200];
	etl_schemas *s = fresh();

	snprintf(path, sizeof(path), "%s/manifests/SystemEvents.man", dir);
	etl_status st = etl_schemas_add_manifest(s, path);
	tap_ok(st == ETL_OK && !etl_schemas_errmsg(s)[0], "SystemEvents.man loads cleanly (%s)",
	       etl_schemas_errmsg(s));
	const etl_schema *e = man(s, "{22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716}", 1, 0);
	tap_ok(e && streq(prop_names(e), "ProcessID CreateTime ParentProcessID SessionID ImageName") &&
	       e->props[0].out_type == ETL_OUT_PID && e->props[1].in_type == ETL_IN_FILETIME &&
	       streq(e->provider_name, "Microsoft-Windows-Kernel-Process") &&
	       streq(e->event_name, "ProcessStart/Start"),
	       "SystemEvents: Kernel-Process event 1: %s", prop_names(e));
	e = man(s, "{2ff3e6b7-cb90-4700-9621-443f389734ed}", 32, 0);
	tap_ok(e && e->top_count == 5 && (e->props[4].flags & ETL_PF_STRUCT) &&
	       (e->props[4].flags & ETL_PF_PARAM_COUNT) && e->props[4].count == 3 &&
	       e->props[4].struct_start == 5,
	       "SystemEvents: Kernel-WDI struct SemActions counted by ActionCount");
	e = man(s, "{7dd42a49-5329-4832-8dfd-43d979153a88}", 26, 0);
	tap_ok(e && e->props[2].in_type == ETL_IN_BINARY && e->props[2].length == 16 &&
	       e->props[2].out_type == ETL_OUT_IPV6,
	       "SystemEvents: Kernel-Network IPv6 address is Binary(16) + IPv6");

	snprintf(path, sizeof(path), "%s/manifests/http-server.man", dir);
	st = etl_schemas_add_manifest(s, path);
	e = man(s, "{dd5ef90a-6398-47a4-ad34-4dcecdef795f}", 1, 0);
	tap_ok(st == ETL_OK && e && streq(e->task_name, "HTTP Request Trace Task") &&
	       streq(e->opcode_name, "RecvReq") &&
	       streq(e->event_name, "HTTP Request Trace Task/RecvReq") &&
	       (e->props[3].flags & ETL_PF_PARAM_LENGTH) &&
	       e->props[3].out_type == ETL_OUT_SOCKETADDRESS,
	       "http-server.man: names come from the string table (%s)",
	       e ? e->event_name : "-");
	e = man(s, "{dd5ef90a-6398-47a4-ad34-4dcecdef795f}", 88, 0);
	tap_ok(e && streq(e->opcode_name, "ThreadGone") && (e->keywords & 0x4000) &&
	       streq(e->keywords_name, "keyword14"),
	       "http-server.man: opcode0 -> ThreadGone, keyword list with a trailing space");

	snprintf(path, sizeof(path), "%s/manifests/clr-etw-all-runtime.man", dir);
	st = etl_schemas_add_manifest(s, path);
	e = man(s, "{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4}", 10, 4);
	etl_guid gc = G("{044973cd-251f-4dff-a3e9-9d6307286b05}");
	tap_ok(st == ETL_OK && e &&
	       streq(prop_names(e), "AllocationAmount AllocationKind ClrInstanceID "
	                            "AllocationAmount64 TypeID TypeName HeapIndex Address "
	                            "ObjectSize") &&
	       e->props[1].map && e->props[4].in_type == ETL_IN_POINTER &&
	       etl_guid_equal(&e->event_guid, &gc) && e->opcode == 11,
	       "clr-etw-all-runtime.man: GCAllocationTick_V4 (10, v4): %s", prop_names(e));
	e = man(s, "{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4}", 15, 0);
	tap_ok(e && e->prop_count == 11 && e->props[2].struct_start == 3 &&
	       e->props[2].struct_count == 8 && (e->props[10].flags & ETL_PF_PARAM_COUNT) &&
	       e->props[10].count == 9,
	       "clr-etw-all-runtime.man: BulkType flattens as TDH does (start 3, 8 members, "
	       "TypeParameters -> 9)");

	snprintf(path, sizeof(path), "%s/manifests/clr-etw-all.man", dir);
	st = etl_schemas_add_manifest(s, path);
	e = man(s, "{763FD754-7086-4dfe-95EB-C01A46FAF4CA}", 4, 2);
	tap_ok(st == ETL_OK && !etl_schemas_errmsg(s)[0] && e,
	       "clr-etw-all.man loads; DotNETRuntimePrivate (4, v2) present");
	e = man(s, "{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4}", 10, 4);
	tap_ok(e && e->prop_count == 9, "a later manifest without (10, v4) leaves it in place");
	etl_schemas_free(s);

	/* the EventSource manifest carried in bond-sample.etl */
	snprintf(path, sizeof(path), "%s/bond-sample.etl", dir);
	size_t len = 0;
	char *etl = read_all(path, &len);
	const char *start = NULL, *end = NULL;
	for (size_t i = 0; etl && i + 26 < len && !end; i++) {
		if (!start && memcmp(etl + i, "<instrumentationManifest", 24) == 0)
			start = etl + i;
		if (start && memcmp(etl + i, "</instrumentationManifest>", 26) == 0)
			end = etl + i + 26;
	}
	s = fresh();
	st = start && end ? etl_manifest_parse(s, start, (size_t)(end - start), "bond-sample.etl",
	                                       ETL_SRC_EVENTSOURCE, errbuf, sizeof(errbuf))
	                  : ETL_ERR_IO;
	e = man(s, "{4f8f06bf-8261-4099-ae5f-07c54bbcfab3}", 1, 0);
	tap_ok(st == ETL_OK && e && e->source == ETL_SRC_EVENTSOURCE && e->task == 65533 &&
	       e->prop_count == 8 && (e->props[7].flags & ETL_PF_PARAM_LENGTH),
	       "bond-sample.etl in-trace manifest: event 1 with 8 fields (%s)", prop_names(e));
	free(etl);
	etl_schemas_free(s);

	/* the dumps directory: lazy */
	snprintf(path, sizeof(path), "%s/manifests/windows", dir);
	s = fresh();
	st = etl_schemas_add_manifest(s, path);
	tap_ok(st == ETL_OK && etl_schemas_files_parsed(s) == 0,
	       "windows/ (841 dumps) is indexed without parsing (%d %s)", st, etl_schemas_errmsg(s));
	e = man(s, "{22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716}", 1, 0);
	tap_ok(e && etl_schemas_files_parsed(s) == 1 &&
	       streq(prop_names(e), "ProcessID CreateTime ParentProcessID SessionID ImageName"),
	       "first lookup of Kernel-Process parses exactly its file");
	bool fb;
	e = mof(s, "{3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c}", 39, 5, &fb);
	tap_ok(e && !fb && etl_schemas_files_parsed(s) == 2,
	       "a kernel class GUID loads its \"Windows Kernel\" dump on first use");
	e = mof(s, "{01853a65-418f-4f36-aefc-dc0f1d2fd235}", 10, 3, &fb);
	tap_ok(e && etl_schemas_files_parsed(s) == 3, "SystemConfig CPU v3 found");
	e = man(s, "{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4}", 204, 3);
	tap_ok(e && (e->flags & ETL_SF_STOP_AFTER) && e->stop_after == 15 &&
	       etl_schemas_files_parsed(s) == 4,
	       "CLR dump: GCPerHeapHistory v3's collapsed struct stops after 15 fields");
	e = man(s, "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}", 7937, 1);
	tap_ok(e && e->prop_count > 0 && etl_schemas_files_parsed(s) == 5,
	       "PowerShell dump loads (%s)", e ? e->event_name : "-");
	unsigned before = etl_schemas_files_parsed(s);
	(void)man(s, "{22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716}", 2, 0);
	tap_ok(etl_schemas_files_parsed(s) == before, "no file is parsed twice");
	etl_schemas_free(s);

	/* every dump parses (four need the quoting repair) */
	DIR *d = opendir(path);
	unsigned files = 0, failed = 0, repaired = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char f[1600];
		snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
		s = fresh();
		st = etl_schemas_add_manifest(s, f);
		files++;
		if (st != ETL_OK) {
			if (!failed++)
				tap_diag("%s", etl_schemas_errmsg(s));
		} else if (strstr(etl_schemas_errmsg(s), "repaired")) {
			repaired++;
		}
		etl_schemas_free(s);
	}
	if (d)
		closedir(d);
	tap_ok(files == 841 && failed == 0 && repaired == 4,
	       "all %u dumps load (%u failed, %u repaired)", files, failed, repaired);
}

int main(void)
{
	test_plain();
	test_clr();
	test_assembly();
	test_dump();
	test_kernel_dump();
	test_eventsource();
	test_bad_templates();
	test_hostile();
	test_truncation_and_flips();
	test_store();
	test_corpus();
	return tap_done();
}
