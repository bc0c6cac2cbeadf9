/*
 * test_layout.c - lib/layout.c: table and column names, column types from
 * TDH in/out types, the conversion of decoded values (JSON text) to cells,
 * the JSON helpers, and the SQL it writes (run against an in-memory SQLite
 * database, which also checks the ISO-8601 time expression).
 */
#define ETLKIT_INTERNAL
#include "layout.h"
#include "tap.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void ident(const char *in, bool snake, const char *want)
{
	char out[128];
	etl_layout_ident(in, snake, out, sizeof out);
	tap_ok(!strcmp(out, want), "ident(\"%s\", %s) = \"%s\" (want \"%s\")", in,
	       snake ? "snake" : "plain", out, want);
}

static void base(const char *prov, const char *ev, const char *task, const char *op,
                 unsigned id, const char *want)
{
	static const etl_guid g = { 0x12345678, 0x9abc, 0xdef0, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	char out[128];
	etl_layout_table_base(prov, &g, ev, task, op, id, 7, out, sizeof out);
	tap_ok(!strcmp(out, want), "table name of %s / %s = %s (want %s)", prov ? prov : "(none)",
	       ev ? ev : task ? task : "(none)", out, want);
}

static etl_prop prop(const char *name, uint16_t in, uint16_t out)
{
	etl_prop p;
	memset(&p, 0, sizeof p);
	p.name = name;
	p.in_type = in;
	p.out_type = out;
	return p;
}

static void ptype(etl_prop p, etl_coltype want, const char *what)
{
	etl_coltype t = etl_layout_prop_type(&p);
	tap_ok(t == want, "%s: %s (want %s)", what, etl_coltype_name(t), etl_coltype_name(want));
}

/* value -> cell */
static etl_cell cell(etl_coltype t, etl_value_kind k, const char *json, char *scratch)
{
	etl_cell c;
	char *s = scratch;
	etl_layout_cell(t, k, json, strlen(json), &c, &s);
	return c;
}

static bool text_is(const etl_cell *c, const char *want)
{
	return c->kind == ETL_CELL_TEXT && c->len == strlen(want) && !memcmp(c->v.s, want, c->len);
}

static char *sql_one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *r = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		r = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

int main(void)
{
	/* ---- names ---- */
	ident("Microsoft-Windows-Kernel-Process", true, "microsoft_windows_kernel_process");
	ident("DCStart", true, "dc_start");
	ident("CSwitch", true, "cswitch");
	ident("HTTPRequestTraceTask/RecvReq", true, "http_request_trace_task_recv_req");
	ident("GCAllocationTick_V4", true, "gc_allocation_tick_v4");
	ident("SendIPV4", true, "send_ipv4");
	ident("Data received.", true, "data_received");
	ident("Raw Script", false, "Raw_Script");
	ident("9lives", false, "_9lives");
	ident("a__b", false, "a__b");
	ident("Grüße", false, "Gr_e");
	char out[128];
	tap_ok(etl_layout_ident("--//--", true, out, sizeof out) == 0 && !out[0],
	       "a name without letters or digits is empty");
	char l1[128], l2[128];
	size_t n1 = etl_layout_ident("AVeryLongEventNameThatGoesOnAndOnAndOnBeyondTheLimitOfNames_One",
	                             true, l1, sizeof l1);
	etl_layout_ident("AVeryLongEventNameThatGoesOnAndOnAndOnBeyondTheLimitOfNames_Two", true, l2,
	                 sizeof l2);
	tap_ok(n1 == ETL_LAYOUT_NAME_MAX && strlen(l2) == ETL_LAYOUT_NAME_MAX && strcmp(l1, l2) != 0,
	       "long names are cut to %d bytes and stay apart: %s", ETL_LAYOUT_NAME_MAX, l1);

	base("Windows Kernel", "Process/DCStart", NULL, NULL, 0, "kernel_process_dc_start");
	base("Microsoft-Windows-Kernel-Process", "ProcessStart/Start", NULL, NULL, 1,
	     "kernel_process_process_start_start");
	base("Etlkit synthetic provider", "RequestStart", NULL, NULL, 1,
	     "etlkit_synthetic_provider_request_start");
	base(NULL, NULL, NULL, NULL, 5, "p12345678_event5");
	base("Contoso-App", NULL, "Task", "Op", 3, "contoso_app_task_op");
	base("Contoso-App", NULL, NULL, NULL, 0, "contoso_app_opcode7");
	base("Microsoft-Windows-", "E", NULL, NULL, 0, "microsoft_windows_e");

	char tn[64];
	etl_layout_time_name("ts", tn, sizeof tn);
	tap_ok(!strcmp(tn, "time"), "ts -> time");
	etl_layout_time_name("start_ts", tn, sizeof tn);
	tap_ok(!strcmp(tn, "start_time"), "start_ts -> start_time");

	/* ---- types ---- */
	ptype(prop("a", ETL_IN_INT32, 0), ETL_COL_INT, "Int32");
	ptype(prop("a", ETL_IN_UINT32, 0), ETL_COL_INT, "UInt32");
	ptype(prop("a", ETL_IN_UINT64, 0), ETL_COL_UINT64, "UInt64");
	ptype(prop("a", ETL_IN_INT64, 0), ETL_COL_INT, "Int64");
	ptype(prop("a", ETL_IN_HEXINT64, ETL_OUT_HEXINT64), ETL_COL_UINT64, "HexInt64");
	ptype(prop("a", ETL_IN_POINTER, 0), ETL_COL_UINT64, "Pointer");
	ptype(prop("a", ETL_IN_UINT32, ETL_OUT_HRESULT), ETL_COL_INT, "UInt32 as HResult");
	ptype(prop("a", ETL_IN_UINT32, ETL_OUT_IPV4), ETL_COL_TEXT, "UInt32 as IPv4");
	ptype(prop("a", ETL_IN_UINT8, ETL_OUT_BOOLEAN), ETL_COL_BOOL, "UInt8 as Boolean");
	ptype(prop("a", ETL_IN_UINT16, ETL_OUT_STRING), ETL_COL_TEXT, "UInt16 as a character");
	ptype(prop("a", ETL_IN_BOOLEAN, 0), ETL_COL_BOOL, "Boolean");
	ptype(prop("a", ETL_IN_DOUBLE, 0), ETL_COL_REAL, "Double");
	ptype(prop("a", ETL_IN_FLOAT, 0), ETL_COL_REAL, "Float");
	ptype(prop("a", ETL_IN_GUID, 0), ETL_COL_GUID, "GUID");
	ptype(prop("a", ETL_IN_UNICODESTRING, 0), ETL_COL_TEXT, "UnicodeString");
	ptype(prop("a", ETL_IN_SID, 0), ETL_COL_TEXT, "SID");
	ptype(prop("a", ETL_IN_FILETIME, 0), ETL_COL_TEXT, "FILETIME (ISO text)");
	ptype(prop("a", ETL_IN_FILETIME, ETL_OUT_ETWTIME), ETL_COL_INT, "FILETIME as ETW time");
	ptype(prop("a", ETL_IN_BINARY, 0), ETL_COL_HEX, "Binary");
	ptype(prop("a", ETL_IN_BINARY, ETL_OUT_IPV6), ETL_COL_TEXT, "Binary as IPv6");
	ptype(prop("a", ETL_IN_COUNTEDBINARY, 0), ETL_COL_HEX, "CountedBinary");
	etl_prop p = prop("a", ETL_IN_UINT32, 0);
	etl_map m = { "M", ETL_MAP_VALUE, 0, NULL };
	p.map = &m;
	ptype(p, ETL_COL_TEXT, "UInt32 with a value map");
	p = prop("a", ETL_IN_UINT32, 0);
	p.flags = ETL_PF_PARAM_COUNT;
	ptype(p, ETL_COL_JSON, "array of UInt32");
	p = prop("a", ETL_IN_UINT16, ETL_OUT_STRING);
	p.flags = ETL_PF_FIXED_COUNT;
	p.count = 8;
	ptype(p, ETL_COL_TEXT, "array of characters");
	p = prop("a", ETL_IN_STRUCT, 0);
	p.flags = ETL_PF_STRUCT;
	ptype(p, ETL_COL_JSON, "struct");
	tap_ok(!strcmp(etl_coltype_sql(ETL_COL_UINT64), "INTEGER") &&
	       !strcmp(etl_coltype_sql(ETL_COL_JSON), "TEXT") &&
	       !strcmp(etl_coltype_sql(ETL_COL_BLOB), "BLOB") &&
	       !strcmp(etl_coltype_sql(ETL_COL_REAL), "REAL") &&
	       !strcmp(etl_coltype_csvw(ETL_COL_UINT64), "unsignedLong"),
	       "declared SQLite types and CSVW datatypes");

	/* ---- typed tables ---- */
	etl_prop props[6] = {
		prop("Value", ETL_IN_UINT32, 0), prop("value", ETL_IN_UINT64, 0),
		prop("pid", ETL_IN_UINT32, 0), prop("", ETL_IN_UINT8, 0),
		prop("File Name", ETL_IN_UNICODESTRING, 0), prop("ts", ETL_IN_INT64, 0),
	};
	etl_schema sc;
	memset(&sc, 0, sizeof sc);
	sc.props = props;
	sc.prop_count = sc.top_count = 6;
	etl_table *t = etl_layout_typed_table("contoso_app_thing", &sc);
	tap_ok(t && t->ncols == 7, "a typed table has event_rowid and one column per property");
	if (!t)
		return tap_done();
	tap_ok(!strcmp(t->cols[0].name, "event_rowid") && (t->cols[0].flags & ETL_COLF_PK),
	       "column 0 is event_rowid, the primary key");
	tap_ok(!strcmp(t->cols[1].name, "Value") && !strcmp(t->cols[2].name, "value_2"),
	       "names unique case-insensitively: %s, %s", t->cols[1].name, t->cols[2].name);
	tap_ok(!strcmp(t->cols[3].name, "pid_2") && !strcmp(t->cols[6].name, "ts_2"),
	       "names of the views' common columns are not taken: %s, %s", t->cols[3].name,
	       t->cols[6].name);
	tap_ok(!strcmp(t->cols[4].name, "field4") && !strcmp(t->cols[5].name, "File_Name") &&
	       !strcmp(t->cols[5].property, "File Name"),
	       "unnamed and odd names: %s, %s (property kept)", t->cols[4].name, t->cols[5].name);
	tap_ok(t->cols[2].type == ETL_COL_UINT64 && t->cols[1].type == ETL_COL_INT, "column types");
	uint64_t sig = t->sig;
	props[1].in_type = ETL_IN_UINT32;
	etl_table *t2 = etl_layout_typed_table("x", &sc);
	tap_ok(t2 && t2->sig != sig, "another type changes the signature");
	props[1].in_type = ETL_IN_UINT64;
	etl_table *t3 = etl_layout_typed_table("y", &sc);
	tap_ok(t3 && t3->sig == sig, "same names and types, same signature whatever the table name");
	tap_ok(etl_layout_table_rename(t3, "renamed") && !strcmp(t3->name, "renamed"), "rename");
	const char *names[2] = { "String", "x" };
	etl_coltype types[2] = { ETL_COL_TEXT, ETL_COL_INT };
	etl_table *t4 = etl_layout_table_from("s", names, types, 2);
	tap_ok(t4 && t4->ncols == 3 && !strcmp(t4->cols[1].name, "String") &&
	       t4->cols[2].type == ETL_COL_INT, "a table from explicit names and types");

	/* ---- cells ---- */
	char scratch[256];
	etl_cell c = cell(ETL_COL_UINT64, ETL_VALUE_INTEGER, "18446744073709551615", scratch);
	tap_ok(c.kind == ETL_CELL_INT && c.v.i == -1, "UInt64 max -> two's complement -1");
	c = cell(ETL_COL_UINT64, ETL_VALUE_INTEGER, "9223372036854775808", scratch);
	tap_ok(c.kind == ETL_CELL_INT && c.v.i == INT64_MIN, "2^63 -> INT64_MIN");
	c = cell(ETL_COL_INT, ETL_VALUE_INTEGER, "-9223372036854775808", scratch);
	tap_ok(c.kind == ETL_CELL_INT && c.v.i == INT64_MIN, "INT64_MIN");
	c = cell(ETL_COL_INT, ETL_VALUE_INTEGER, "18446744073709551616", scratch);
	tap_ok(text_is(&c, "18446744073709551616"), "beyond 64 bits: kept as text");
	c = cell(ETL_COL_UINT64, ETL_VALUE_TEXT, "\"0xfffff80245066000\"", scratch);
	tap_ok(c.kind == ETL_CELL_INT && (uint64_t)c.v.i == 0xfffff80245066000ull, "hex text -> integer");
	c = cell(ETL_COL_INT, ETL_VALUE_TEXT, "\"0x0000000000000000000\"", scratch);
	tap_ok(c.kind == ETL_CELL_TEXT, "hex of more than 16 digits stays text");
	c = cell(ETL_COL_BOOL, ETL_VALUE_BOOL, "true", scratch);
	tap_ok(c.kind == ETL_CELL_INT && c.v.i == 1, "true -> 1");
	c = cell(ETL_COL_BOOL, ETL_VALUE_BOOL, "false", scratch);
	tap_ok(c.kind == ETL_CELL_INT && c.v.i == 0, "false -> 0");
	c = cell(ETL_COL_REAL, ETL_VALUE_REAL, "-34783144584.375", scratch);
	tap_ok(c.kind == ETL_CELL_REAL && c.v.r == -34783144584.375 && c.num && c.len == 16,
	       "real, with its text kept for CSV");
	c = cell(ETL_COL_REAL, ETL_VALUE_TEXT, "\"NaN\"", scratch);
	tap_ok(c.kind == ETL_CELL_NULL, "NaN -> NULL");
	c = cell(ETL_COL_REAL, ETL_VALUE_TEXT, "\"-Infinity\"", scratch);
	tap_ok(c.kind == ETL_CELL_REAL && isinf(c.v.r) && c.v.r < 0, "-Infinity");
	const char *plain = "\"caf\xc3\xa9, au lait\"";
	c = cell(ETL_COL_TEXT, ETL_VALUE_TEXT, plain, scratch);
	tap_ok(text_is(&c, "caf\xc3\xa9, au lait") && c.v.s == plain + 1,
	       "text without escapes points into the JSON");
	c = cell(ETL_COL_TEXT, ETL_VALUE_TEXT,
	         "\"q\\\"b\\\\s\\/n\\nt\\tu\\u00e9\\ud83d\\ude00x\\ud800y\\u0001\"", scratch);
	tap_ok(text_is(&c, "q\"b\\s/n\nt\tu\xc3\xa9\xf0\x9f\x98\x80x\xef\xbf\xbdy\x01"),
	       "escapes, a surrogate pair, a lone surrogate and a control character");
	c = cell(ETL_COL_JSON, ETL_VALUE_JSON, "[1,{\"a\":\"b\"}]", scratch);
	tap_ok(text_is(&c, "[1,{\"a\":\"b\"}]"), "JSON stays JSON text");
	c = cell(ETL_COL_INT, ETL_VALUE_TEXT, "\"Running\"", scratch);
	tap_ok(text_is(&c, "Running"), "text in an integer column stays text");
	c = cell(ETL_COL_TEXT, ETL_VALUE_INTEGER, "42", scratch);
	tap_ok(text_is(&c, "42"), "a number in a text column becomes its text");
	c = cell(ETL_COL_TEXT, ETL_VALUE_NULL, "null", scratch);
	tap_ok(c.kind == ETL_CELL_NULL, "null -> NULL");

	uint64_t u;
	bool neg;
	tap_ok(!etl_json_uint("", 0, &u, &neg) && !etl_json_uint("-", 1, &u, &neg) &&
	       !etl_json_uint("1e5", 3, &u, &neg) && !etl_json_uint("\"0x\"", 4, &u, &neg),
	       "etl_json_uint refuses what is not an integer");

	/* ---- JSON members ---- */
	const char *obj = "{\"a\":1,\"b\":\"x,y}\",\"c\":[1,{\"d\":\"]\"}],\"e\":{}}";
	etl_json_member mem[8];
	size_t nm = etl_json_members(obj, strlen(obj), mem, 8);
	tap_ok(nm == 4 && mem[1].val_len == 6 && !memcmp(mem[2].val, "[1,{\"d\":\"]\"}]", 13) &&
	       mem[3].val_len == 2,
	       "object members with commas and brackets inside strings");
	tap_ok(etl_json_members("[1]", 3, mem, 8) == (size_t)-1 &&
	       etl_json_members("{\"a\"", 4, mem, 8) == (size_t)-1 &&
	       etl_json_members("{}", 2, mem, 8) == 0,
	       "not an object, a truncated one, an empty one");

	/* ---- SQL ---- */
	sqlite3 *db = NULL;
	tap_ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "in-memory database");
	etl_strbuf b = { 0 };
	bool ok = true;
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
		b.len = 0;
		etl_layout_sql_create(&b, etl_layout_fixed(i));
		ok &= sqlite3_exec(db, b.p, NULL, NULL, NULL) == SQLITE_OK;
	}
	tap_ok(ok, "every fixed table's CREATE TABLE runs");
	b.len = 0;
	etl_layout_sql_create(&b, t);
	etl_strbuf_puts(&b, ";");
	etl_layout_sql_typed_view(&b, t);
	etl_strbuf_puts(&b, ";");
	etl_layout_sql_events_view(&b);
	etl_strbuf_puts(&b, ";");
	etl_layout_sql_frames_view(&b);
	char *msg = NULL;
	tap_ok(sqlite3_exec(db, b.p, NULL, NULL, &msg) == SQLITE_OK, "typed table and views: %s",
	       msg ? msg : "ok");
	sqlite3_free(msg);
	char *r = sql_one(db, "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('contoso_app_thing')");
	tap_ok(r && !strcmp(r, "event_rowid INTEGER,Value INTEGER,value_2 INTEGER,pid_2 INTEGER,"
	                       "field4 INTEGER,File_Name TEXT,ts_2 INTEGER"),
	       "declared column types: %s", r ? r : "(null)");
	free(r);
	r = sql_one(db, "SELECT count(*) FROM contoso_app_thing_view");
	tap_ok(r && !strcmp(r, "0"), "the typed view can be queried");
	free(r);
	sqlite3_exec(db, "INSERT INTO stacks VALUES (7, 3, '[1,-2,3]')", NULL, NULL, NULL);
	r = sql_one(db, "SELECT group_concat(frame || ':' || address) FROM stack_frames WHERE event_rowid = 7");
	tap_ok(r && !strcmp(r, "0:1,1:-2,2:3"), "stack_frames expands the frames: %s", r ? r : "(null)");
	free(r);
	const int64_t times[] = { 0, 116444736000000000LL, 133554239225339616LL, 2650467743999999999LL,
	                          9999999LL };
	bool same = true;
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		char want[ETL_TIME_STRLEN], sql[512];
		etl_filetime_format(times[i], want, sizeof want);
		b.len = 0;
		char col[32];
		snprintf(col, sizeof col, "%lld", (long long)times[i]);
		etl_strbuf_puts(&b, "SELECT ");
		etl_layout_sql_time(&b, col);
		snprintf(sql, sizeof sql, "%s", b.p);
		r = sql_one(db, sql);
		if (!r || strcmp(r, want)) {
			tap_diag("%lld: SQL %s, C %s", (long long)times[i], r ? r : "(null)", want);
			same = false;
		}
		free(r);
	}
	tap_ok(same, "the SQL ISO-8601 time matches etl_filetime_format");
	sqlite3_close(db);
	etl_strbuf_free(&b);
	etl_layout_table_free(t);
	etl_layout_table_free(t2);
	etl_layout_table_free(t3);
	etl_layout_table_free(t4);
	return tap_done();
}
