/*
 * layout.c - the tables `etlkit convert` writes (DESIGN.md §6, §7): the fixed
 * tables, the per-event-type tables, their names and column types, the SQL
 * that creates them and their views, and the conversion of decoded property
 * values (JSON text) into typed cells.  The SQLite and csv.gz sinks both take
 * every name and type from here, so the two formats cannot drift apart.
 */
#define ETLKIT_INTERNAL
#include "layout.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

/* ---- the fixed tables ------------------------------------------------------------- */

#define C(n, t, f, d) { n, t, f, d, NULL, 0, 0, NULL }
#define R(n, t, f, d, r) { n, t, f, d, NULL, 0, 0, r }

static etl_column meta_cols[META_NCOLS] = {
	C("key", ETL_COL_TEXT, ETL_COLF_PK | ETL_COLF_NOTNULL, "setting name: schema_version, etlkit_version, created"),
	C("value", ETL_COL_TEXT, 0, "its value"),
};

static etl_column trace_cols[TR_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, "trace number, referenced by events.trace_id"),
	C("path", ETL_COL_TEXT, ETL_COLF_NOTNULL, "the input file as given"),
	C("size", ETL_COL_INT, 0, "file size in bytes"),
	C("sha256", ETL_COL_TEXT, ETL_COLF_NOTNULL | ETL_COLF_UNIQUE, "SHA-256 of the file, lowercase hex; a file is imported once"),
	C("logger_name", ETL_COL_TEXT, 0, "session (logger) name"),
	C("log_file_name", ETL_COL_TEXT, 0, "file name recorded by the logger"),
	C("os_major", ETL_COL_INT, 0, "Windows major version"),
	C("os_minor", ETL_COL_INT, 0, "Windows minor version"),
	C("os_build", ETL_COL_INT, 0, "Windows build number (ProviderVersion)"),
	C("layout_version", ETL_COL_TEXT, 0, "buffer layout version major.minor"),
	C("pointer_size", ETL_COL_INT, 0, "4 or 8"),
	C("number_of_processors", ETL_COL_INT, 0, NULL),
	C("cpu_speed_mhz", ETL_COL_INT, 0, NULL),
	C("buffer_size", ETL_COL_INT, 0, "logical buffer size in bytes"),
	C("maximum_file_size", ETL_COL_INT, 0, "MaximumFileSize in MB"),
	C("log_file_mode", ETL_COL_INT, 0, "LogFileMode flags"),
	C("buffers_written", ETL_COL_INT, 0, NULL),
	C("start_buffers", ETL_COL_INT, 0, NULL),
	C("timer_resolution", ETL_COL_INT, 0, "100 ns units"),
	C("perf_freq", ETL_COL_INT, 0, "QPC frequency"),
	C("clock_type", ETL_COL_INT, 0, "1 QPC, 2 system time, 3 CPU cycle counter"),
	C("start_ts", ETL_COL_TS, 0, "StartTime, FILETIME UTC"),
	C("end_ts", ETL_COL_TS, 0, "EndTime, FILETIME UTC"),
	C("boot_ts", ETL_COL_TS, 0, "BootTime, FILETIME UTC"),
	C("tz_bias", ETL_COL_INT, 0, "minutes; UTC = local + bias"),
	C("tz_standard_name", ETL_COL_TEXT, 0, NULL),
	C("tz_standard_bias", ETL_COL_INT, 0, NULL),
	C("tz_daylight_name", ETL_COL_TEXT, 0, NULL),
	C("tz_daylight_bias", ETL_COL_INT, 0, NULL),
	C("events_lost", ETL_COL_INT, 0, "EventsLost of the header"),
	C("buffers_lost", ETL_COL_INT, 0, "BuffersLost of the header"),
	C("buffers", ETL_COL_INT, 0, "buffers found in the file"),
	C("compressed_buffers", ETL_COL_INT, 0, NULL),
	C("damaged_buffers", ETL_COL_INT, 0, "buffers skipped in whole or in part"),
	C("damaged_records", ETL_COL_INT, 0, "records skipped inside good buffers"),
	C("lost_buffer_flags", ETL_COL_INT, 0, "buffers flagged as having lost events"),
	C("events", ETL_COL_INT, 0, "events imported"),
	C("decoded", ETL_COL_INT, 0, "events whose payload a schema decoded completely"),
	C("raw", ETL_COL_INT, 0, "events kept with their raw payload"),
	C("first_ts", ETL_COL_TS, 0, "time of the first event"),
	C("last_ts", ETL_COL_TS, 0, "time of the last event"),
	C("import_time", ETL_COL_TEXT, 0, "when the trace was imported, ISO-8601 UTC"),
	C("etlkit_version", ETL_COL_TEXT, 0, "version of etlkit that imported it"),
	C("status", ETL_COL_TEXT, 0, "ok, damaged (input skipped, see import_errors) or failed (incomplete)"),
};

static etl_column provider_cols[PR_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, NULL),
	C("guid", ETL_COL_GUID, ETL_COLF_NOTNULL | ETL_COLF_UNIQUE, "provider GUID (classic events: event class GUID)"),
	C("name", ETL_COL_TEXT, 0, "provider name from the schema"),
	C("schema", ETL_COL_TEXT, 0, "schema source of its first decoded event: manifest, eventsource, metadata, tracelogging, mof, wpp, string, none"),
};

static etl_column etype_cols[ET_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, "referenced by events.type_id"),
	R("provider_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "providers.id"),
	C("provider", ETL_COL_GUID, ETL_COLF_NOTNULL, "provider GUID"),
	C("event_id", ETL_COL_INT, 0, "event descriptor id (classic events: 0)"),
	C("version", ETL_COL_INT, 0, NULL),
	C("channel", ETL_COL_INT, 0, NULL),
	C("level", ETL_COL_INT, 0, "level of the schema, or of the first event"),
	C("opcode", ETL_COL_INT, 0, "opcode (classic events: event type)"),
	C("task", ETL_COL_INT, 0, NULL),
	C("keywords", ETL_COL_UINT64, 0, NULL),
	C("event_name", ETL_COL_TEXT, 0, NULL),
	C("task_name", ETL_COL_TEXT, 0, NULL),
	C("opcode_name", ETL_COL_TEXT, 0, NULL),
	C("level_name", ETL_COL_TEXT, 0, NULL),
	C("channel_name", ETL_COL_TEXT, 0, NULL),
	C("keywords_name", ETL_COL_TEXT, 0, NULL),
	C("message", ETL_COL_TEXT, 0, "message template (%1.. are the properties)"),
	C("schema", ETL_COL_TEXT, 0, "schema source, or none when its events are not decoded"),
	C("table_name", ETL_COL_TEXT, 0, "the typed table holding its properties, or NULL"),
	C("type_key", ETL_COL_TEXT, ETL_COLF_NOTNULL | ETL_COLF_UNIQUE, "identity of the type across imports"),
};

static etl_column tcol_cols[TC_NCOLS] = {
	C("table_name", ETL_COL_TEXT, ETL_COLF_NOTNULL, "a typed table"),
	C("position", ETL_COL_INT, ETL_COLF_NOTNULL, "column number, 0 = event_rowid"),
	C("name", ETL_COL_TEXT, ETL_COLF_NOTNULL, "column name"),
	C("property", ETL_COL_TEXT, 0, "the property's name in the schema"),
	C("type", ETL_COL_TEXT, 0, "logical type: integer uint64 real boolean text guid json hex"),
	C("sql_type", ETL_COL_TEXT, 0, "declared SQLite type"),
	C("in_type", ETL_COL_INT, 0, "TDH in-type of the property"),
	C("out_type", ETL_COL_INT, 0, "TDH out-type of the property"),
};

static etl_column event_cols[EV_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, "event number, in time order within a trace; typed tables' event_rowid"),
	R("trace_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "traces.id"),
	C("ts", ETL_COL_TS, ETL_COLF_NOTNULL, "FILETIME UTC: 100 ns units since 1601-01-01"),
	R("type_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "event_types.id"),
	C("pid", ETL_COL_INT, 0, "process id: from the header, or recovered from the payload / thread table"),
	C("tid", ETL_COL_INT, 0, "thread id"),
	C("cpu", ETL_COL_INT, 0, "processor number"),
	C("level", ETL_COL_INT, 0, NULL),
	C("keywords", ETL_COL_UINT64, 0, NULL),
	C("activity_id", ETL_COL_GUID, 0, NULL),
	C("related_activity_id", ETL_COL_GUID, 0, NULL),
	C("payload_size", ETL_COL_INT, 0, "user data bytes"),
	C("decoded", ETL_COL_BOOL, 0, "1 when a schema decoded the whole payload"),
	C("payload", ETL_COL_BLOB, 0, "raw user data, when not decoded (or with --raw)"),
};

/* One row per event, not per frame: a frame row each would triple the rows
 * a stack-heavy trace inserts.  The stack_frames view gives one row per
 * frame through json_each. */
static etl_column stack_cols[ST_NCOLS] = {
	R("event_rowid", ETL_COL_INT, ETL_COLF_NOTNULL, "the event; two rows when a kernel StackWalk event adds to an event's own stack", "events.id"),
	C("depth", ETL_COL_INT, ETL_COLF_NOTNULL, "number of frames"),
	C("frames", ETL_COL_JSON, ETL_COLF_NOTNULL,
	  "JSON array of return addresses, innermost first, as 64-bit integers"
	  " (above 2^63-1 as their two's complement, like every uint64 column)"),
};

static etl_column process_cols[PS_NCOLS] = {
	R("trace_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "traces.id"),
	C("pid", ETL_COL_INT, ETL_COLF_NOTNULL, NULL),
	C("parent_pid", ETL_COL_INT, 0, NULL),
	C("image", ETL_COL_TEXT, 0, "image file name"),
	C("command_line", ETL_COL_TEXT, 0, NULL),
	C("start_ts", ETL_COL_TS, 0, "start, or NULL when it was already running"),
	C("end_ts", ETL_COL_TS, 0, "end, or NULL when still running at the end of the trace"),
	C("exit_code", ETL_COL_INT, 0, NULL),
	C("session_id", ETL_COL_INT, 0, NULL),
	C("unique_key", ETL_COL_UINT64, 0, "kernel UniqueProcessKey"),
	R("start_event", ETL_COL_INT, 0, "event that started or first described it", "events.id"),
	R("end_event", ETL_COL_INT, 0, "event that ended it", "events.id"),
};

static etl_column thread_cols[TH_NCOLS] = {
	R("trace_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "traces.id"),
	C("tid", ETL_COL_INT, ETL_COLF_NOTNULL, NULL),
	C("pid", ETL_COL_INT, 0, NULL),
	C("start_ts", ETL_COL_TS, 0, "start, or NULL when it was already running"),
	C("end_ts", ETL_COL_TS, 0, "end, or NULL when still running"),
	C("start_address", ETL_COL_UINT64, 0, "Win32 start address"),
	R("start_event", ETL_COL_INT, 0, NULL, "events.id"),
	R("end_event", ETL_COL_INT, 0, NULL, "events.id"),
};

static etl_column image_cols[IM_NCOLS] = {
	R("trace_id", ETL_COL_INT, ETL_COLF_NOTNULL, NULL, "traces.id"),
	C("pid", ETL_COL_INT, 0, "process that mapped it (0: kernel)"),
	C("base", ETL_COL_UINT64, 0, "load address"),
	C("size", ETL_COL_INT, 0, "bytes"),
	C("path", ETL_COL_TEXT, 0, "file name"),
	C("checksum", ETL_COL_INT, 0, NULL),
	C("time_date_stamp", ETL_COL_INT, 0, "PE header TimeDateStamp"),
	C("load_ts", ETL_COL_TS, 0, "load, or NULL when already loaded"),
	C("unload_ts", ETL_COL_TS, 0, "unload, or NULL when still loaded"),
	R("load_event", ETL_COL_INT, 0, NULL, "events.id"),
	R("unload_event", ETL_COL_INT, 0, NULL, "events.id"),
};

static etl_column ierr_cols[IE_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, NULL),
	R("trace_id", ETL_COL_INT, 0, "the trace, or NULL when the file could not be imported", "traces.id"),
	C("path", ETL_COL_TEXT, 0, "input file"),
	C("stage", ETL_COL_TEXT, 0, "open, read, decode or write"),
	C("offset", ETL_COL_INT, 0, "byte offset in the file, when known"),
	C("message", ETL_COL_TEXT, 0, "what was wrong"),
	C("time", ETL_COL_TEXT, 0, "when, ISO-8601 UTC"),
};

static etl_column flat_cols[FL_NCOLS] = {
	C("id", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL, "event number"),
	C("trace_id", ETL_COL_INT, ETL_COLF_NOTNULL, "input trace number"),
	C("file", ETL_COL_TEXT, 0, "input file"),
	C("ts", ETL_COL_TS, ETL_COLF_NOTNULL, "FILETIME UTC"),
	C("provider", ETL_COL_GUID, 0, NULL),
	C("provider_name", ETL_COL_TEXT, 0, NULL),
	C("event_name", ETL_COL_TEXT, 0, NULL),
	C("task_name", ETL_COL_TEXT, 0, NULL),
	C("opcode_name", ETL_COL_TEXT, 0, NULL),
	C("event_id", ETL_COL_INT, 0, NULL),
	C("version", ETL_COL_INT, 0, NULL),
	C("channel", ETL_COL_INT, 0, NULL),
	C("level", ETL_COL_INT, 0, NULL),
	C("opcode", ETL_COL_INT, 0, NULL),
	C("task", ETL_COL_INT, 0, NULL),
	C("keywords", ETL_COL_UINT64, 0, NULL),
	C("pid", ETL_COL_INT, 0, NULL),
	C("tid", ETL_COL_INT, 0, NULL),
	C("cpu", ETL_COL_INT, 0, NULL),
	C("activity_id", ETL_COL_GUID, 0, NULL),
	C("related_activity_id", ETL_COL_GUID, 0, NULL),
	C("schema", ETL_COL_TEXT, 0, NULL),
	C("payload_size", ETL_COL_INT, 0, NULL),
	C("decoded", ETL_COL_BOOL, 0, NULL),
	C("payload", ETL_COL_BLOB, 0, "raw user data, when not decoded (or with --raw)"),
	C("props", ETL_COL_JSON, 0, "the decoded properties as one JSON object (etlkit dump's props)"),
};

static const char *const no_indexes[] = { NULL };
/* Indexes cost time at the end of a conversion: only those that the views
 * and the usual questions (a time range, a process) need.  Typed tables,
 * stacks and the joins of the views go through primary keys. */
static const char *const event_indexes[] = { "events_trace_ts(trace_id, ts)", NULL };
static const char *const stack_indexes[] = { "stacks_event(event_rowid)", NULL };
static const char *const process_indexes[] = { "processes_pid(trace_id, pid, start_ts)", NULL };
static const char *const thread_indexes[] = { "threads_tid(trace_id, tid, start_ts)", NULL };
static const char *const image_indexes[] = { "images_pid(trace_id, pid, base)", NULL };
static const char *const tcol_indexes[] = { "typed_columns_table(table_name, position)", NULL };

#define T(n, id, cols, idx, doc) { (char *)n, doc, id, sizeof(cols) / sizeof(cols[0]), cols, idx, 0, NULL }

static const etl_table fixed[ETL_T_FIXED_COUNT] = {
	T("meta", ETL_T_META, meta_cols, no_indexes, "settings of the database: schema version, etlkit version"),
	T("traces", ETL_T_TRACES, trace_cols, no_indexes, "one row per input file: logfile header, counts, import information"),
	T("providers", ETL_T_PROVIDERS, provider_cols, no_indexes, "providers (and classic event classes) seen"),
	T("event_types", ETL_T_EVENT_TYPES, etype_cols, no_indexes, "event types: descriptor, names, schema, and the typed table of their properties"),
	T("typed_columns", ETL_T_TYPED_COLUMNS, tcol_cols, tcol_indexes, "the columns of every typed table and the properties they hold"),
	T("events", ETL_T_EVENTS, event_cols, event_indexes, "one row per event"),
	T("stacks", ETL_T_STACKS, stack_cols, stack_indexes, "stack frames of events (STACK_TRACE items and kernel StackWalk events)"),
	T("processes", ETL_T_PROCESSES, process_cols, process_indexes, "process lifetimes from kernel Process and Microsoft-Windows-Kernel-Process events"),
	T("threads", ETL_T_THREADS, thread_cols, thread_indexes, "thread lifetimes from kernel Thread and Kernel-Process events"),
	T("images", ETL_T_IMAGES, image_cols, image_indexes, "loaded images from kernel Image and Kernel-Process events"),
	T("import_errors", ETL_T_IMPORT_ERRORS, ierr_cols, no_indexes, "what failed or was skipped while importing, where and why"),
};

static const etl_table flat_table =
	T("events", ETL_T_FLAT_EVENTS, flat_cols, no_indexes, "one row per event with its properties as JSON (--flat)");

const etl_table *etl_layout_fixed(int id)
{
	if (id >= 0 && id < ETL_T_FIXED_COUNT)
		return &fixed[id];
	if (id == ETL_T_FLAT_EVENTS)
		return &flat_table;
	return NULL;
}

const char *const etl_layout_view_common[] = {
	"event_rowid", "trace_id", "ts", "time", "type_id", "pid", "tid", "cpu", "level", NULL
};

/* ---- types ---------------------------------------------------------------------------- */

const char *etl_coltype_sql(etl_coltype t)
{
	switch (t) {
	case ETL_COL_INT: case ETL_COL_UINT64: case ETL_COL_BOOL: case ETL_COL_TS:
		return "INTEGER";
	case ETL_COL_REAL:
		return "REAL";
	case ETL_COL_BLOB:
		return "BLOB";
	default:
		return "TEXT";
	}
}

const char *etl_coltype_csvw(etl_coltype t)
{
	switch (t) {
	case ETL_COL_INT: case ETL_COL_TS: return "long";
	case ETL_COL_UINT64: return "unsignedLong";
	case ETL_COL_REAL: return "double";
	case ETL_COL_BOOL: return "boolean";
	case ETL_COL_JSON: return "json";
	case ETL_COL_HEX: case ETL_COL_BLOB: return "hexBinary";
	default: return "string";
	}
}

const char *etl_coltype_name(etl_coltype t)
{
	switch (t) {
	case ETL_COL_INT: return "integer";
	case ETL_COL_UINT64: return "uint64";
	case ETL_COL_REAL: return "real";
	case ETL_COL_BOOL: return "boolean";
	case ETL_COL_TS: return "filetime";
	case ETL_COL_GUID: return "guid";
	case ETL_COL_JSON: return "json";
	case ETL_COL_HEX: return "hex";
	case ETL_COL_BLOB: return "blob";
	default: return "text";
	}
}

static bool prop_is_array(const etl_prop *p)
{
	return (p->flags & (ETL_PF_COUNT_PREFIX | ETL_PF_PARAM_COUNT | ETL_PF_TO_END |
	                    ETL_PF_FIXED_COUNT)) ||
	       p->count > 1;
}

/* Mirrors decode.c: arrays of characters are rendered as one string. */
static bool prop_is_char_array(const etl_prop *p)
{
	return p->in_type == ETL_IN_MOF_UNICODECHAR || p->in_type == ETL_IN_MOF_ANSICHAR ||
	       ((p->in_type == ETL_IN_UINT16 || p->in_type == ETL_IN_UINT8 ||
	         p->in_type == ETL_IN_INT8) && p->out_type == ETL_OUT_STRING);
}

/* Integer in-types, by the out-types decode.c renders for them. */
static etl_coltype integer_type(const etl_prop *p, bool wide_unsigned)
{
	switch (p->out_type) {
	case ETL_OUT_STRING:
		/* one character (UInt8/UInt16 shown as a string) */
		return p->in_type <= ETL_IN_UINT16 ? ETL_COL_TEXT : ETL_COL_INT;
	case ETL_OUT_BOOLEAN:
		return p->in_type == ETL_IN_UINT8 || p->in_type == ETL_IN_INT8 ||
		       p->in_type == ETL_IN_UINT16 || p->in_type == ETL_IN_INT16 ||
		       p->in_type == ETL_IN_UINT32 || p->in_type == ETL_IN_INT32 ||
		       p->in_type == ETL_IN_UINT64 || p->in_type == ETL_IN_INT64
		           ? ETL_COL_BOOL : ETL_COL_INT;
	case ETL_OUT_IPV4:
		return ETL_COL_TEXT;
	case ETL_OUT_ERRORCODE: case ETL_OUT_WIN32ERROR: case ETL_OUT_NTSTATUS:
	case ETL_OUT_HRESULT:
		/* rendered "0x%08X": 32-bit codes */
		return ETL_COL_INT;
	default:
		return wide_unsigned ? ETL_COL_UINT64 : ETL_COL_INT;
	}
}

etl_coltype etl_layout_prop_type(const etl_prop *p)
{
	if (p->flags & ETL_PF_STRUCT)
		return ETL_COL_JSON;
	if (prop_is_array(p))
		return prop_is_char_array(p) ? ETL_COL_TEXT : ETL_COL_JSON;
	if (p->map)
		return ETL_COL_TEXT; /* names; unknown values stay numbers (stored as text) */
	switch (p->in_type) {
	case ETL_IN_INT8: case ETL_IN_INT16: case ETL_IN_INT32: case ETL_IN_INT64:
	case ETL_IN_UINT8: case ETL_IN_UINT16: case ETL_IN_UINT32: case ETL_IN_HEXINT32:
		return integer_type(p, false);
	case ETL_IN_UINT64: case ETL_IN_HEXINT64: case ETL_IN_POINTER: case ETL_IN_MOF_SIZET:
		return integer_type(p, true);
	case ETL_IN_FLOAT: case ETL_IN_DOUBLE:
		return ETL_COL_REAL;
	case ETL_IN_BOOLEAN:
		return ETL_COL_BOOL;
	case ETL_IN_GUID:
		return ETL_COL_GUID;
	case ETL_IN_FILETIME:
		/* ISO text, except ETW-time out-types which stay numbers */
		return p->out_type == ETL_OUT_ETWTIME ? ETL_COL_INT : ETL_COL_TEXT;
	case ETL_IN_BINARY:
		return p->out_type == ETL_OUT_IPV6 || p->out_type == ETL_OUT_SOCKETADDRESS
		           ? ETL_COL_TEXT : ETL_COL_HEX;
	case ETL_IN_COUNTEDBINARY: case ETL_IN_MOF_HEXDUMP:
		return ETL_COL_HEX;
	default:
		/* strings, SIDs, SYSTEMTIME, characters, IPv6 */
		return ETL_COL_TEXT;
	}
}

void etl_layout_time_name(const char *ts, char *out, size_t outsz)
{
	size_t n = strlen(ts);
	if (!strcmp(ts, "ts"))
		etl_msg(out, outsz, "time");
	else if (n > 3 && !strcmp(ts + n - 3, "_ts"))
		etl_msg(out, outsz, "%.*s_time", (int)(n - 3), ts);
	else
		etl_msg(out, outsz, "%s_time", ts);
}

/* ---- names ---------------------------------------------------------------------------- */

static uint32_t fnv32(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

size_t etl_layout_ident(const char *in, bool snake, char *out, size_t outsz)
{
	char tmp[1024];
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)in;
	if (outsz == 0)
		return 0;
	for (size_t i = 0; s[i] && n < sizeof tmp - 3; i++) {
		int c = s[i];
		if (!is_alnum(c) && c != '_') {
			/* a run of other bytes is one separator */
			if (n && tmp[n - 1] != '_')
				tmp[n++] = '_';
			continue;
		}
		if (snake) {
			if (c == '_' && n && tmp[n - 1] == '_')
				continue;
			if (is_upper(c) && n && tmp[n - 1] != '_') {
				/* fooBar -> foo_bar, 9Bar -> 9_bar, HTTPRequest -> http_request,
				 * but CSwitch -> cswitch (a single capital is a prefix) */
				int prev = s[i - 1], next = s[i + 1];
				bool run2 = i >= 2 && is_upper(s[i - 2]);
				if (is_lower(prev) || is_digit(prev) || (is_upper(prev) && run2 && is_lower(next)))
					tmp[n++] = '_';
			}
			if (is_upper(c))
				c += 32;
		}
		tmp[n++] = (char)c;
	}
	size_t start = 0;
	if (snake) {
		while (start < n && tmp[start] == '_')
			start++;
		while (n > start && tmp[n - 1] == '_')
			n--;
	}
	n -= start;
	if (n == 0) {
		out[0] = 0;
		return 0;
	}
	char buf[1040];
	size_t len = (size_t)snprintf(buf, sizeof buf, "%s%.*s", is_digit(tmp[start]) ? "_" : "",
	                              (int)n, tmp + start);
	if (len > ETL_LAYOUT_NAME_MAX) {
		/* cut, and keep names of different long inputs apart */
		len = ETL_LAYOUT_NAME_MAX - 9;
		snprintf(buf + len, sizeof buf - len, "_%08x", fnv32(in));
		len = ETL_LAYOUT_NAME_MAX;
	}
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, buf, len);
	out[len] = 0;
	return len;
}

void etl_layout_table_base(const char *provider_name, const etl_guid *provider,
                           const char *event_name, const char *task_name,
                           const char *opcode_name, unsigned id, unsigned opcode,
                           char *out, size_t outsz)
{
	char prov[ETL_LAYOUT_NAME_MAX + 1], ev[ETL_LAYOUT_NAME_MAX + 1], whole[300];
	const char *pn = provider_name;
	static const char *const prefixes[] = { "Microsoft-Windows-", "Windows ", NULL };
	for (const char *const *p = prefixes; pn && *p; p++) {
		size_t l = strlen(*p);
		if (!strncasecmp(pn, *p, l) && pn[l]) {
			pn += l;
			break;
		}
	}
	if (!pn || !etl_layout_ident(pn, true, prov, sizeof prov)) {
		char g[ETL_GUID_STRLEN];
		etl_guid_format(provider, g);
		etl_msg(prov, sizeof prov, "p%.8s", g);
	}
	char evsrc[300];
	if (event_name && *event_name)
		etl_msg(evsrc, sizeof evsrc, "%s", event_name);
	else if (task_name && *task_name)
		etl_msg(evsrc, sizeof evsrc, "%s%s%s", task_name, opcode_name ? "_" : "",
		        opcode_name ? opcode_name : "");
	else if (id)
		etl_msg(evsrc, sizeof evsrc, "event%u", id);
	else
		etl_msg(evsrc, sizeof evsrc, "opcode%u", opcode);
	if (!etl_layout_ident(evsrc, true, ev, sizeof ev))
		etl_msg(ev, sizeof ev, "event%u", id);
	etl_msg(whole, sizeof whole, "%s_%s", prov, ev);
	etl_layout_ident(whole, false, out, outsz);
}

/* ---- typed tables --------------------------------------------------------------------- */

static bool name_taken(const etl_column *cols, size_t n, const char *name)
{
	for (const char *const *r = etl_layout_view_common; *r; r++)
		if (!strcasecmp(*r, name))
			return true;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(cols[i].name, name))
			return true;
	return false;
}

/* Builds a table whose columns are event_rowid then one per property; all
 * strings live in the same allocation as the table. */
static etl_table *build_table(const char *name, size_t n, const char *const *props,
                              const etl_coltype *types, const etl_prop *sprops)
{
	size_t strbytes = strlen(name) + 1 + sizeof "event_rowid";
	for (size_t i = 0; i < n; i++) {
		const char *pn = props ? props[i] : sprops[i].name;
		strbytes += 2 * (pn ? strlen(pn) : 0) + ETL_LAYOUT_NAME_MAX + 16;
	}
	size_t sz = sizeof(etl_table) + (n + 1) * sizeof(etl_column) + strbytes;
	etl_table *t = calloc(1, sz);
	if (!t)
		return NULL;
	t->cols = (etl_column *)(t + 1);
	char *sp = (char *)(t->cols + n + 1);
	char *end = (char *)t + sz;
	t->id = ETL_T_TYPED;
	t->doc = NULL;
	t->indexes = no_indexes;
	t->cols[0] = (etl_column){ "event_rowid", ETL_COL_INT, ETL_COLF_PK | ETL_COLF_NOTNULL,
	                           "the event: events.id", NULL, 0, 0, "events.id" };
	t->ncols = 1;
	for (size_t i = 0; i < n; i++) {
		const char *pn = props ? props[i] : sprops[i].name;
		if (!pn)
			pn = "";
		char base[ETL_LAYOUT_NAME_MAX + 1], cand[ETL_LAYOUT_NAME_MAX + 1];
		if (!etl_layout_ident(pn, false, base, sizeof base))
			etl_msg(base, sizeof base, "field%zu", i + 1);
		etl_msg(cand, sizeof cand, "%s", base);
		for (unsigned k = 2; name_taken(t->cols, t->ncols, cand); k++) {
			char suf[16];
			int sl = snprintf(suf, sizeof suf, "_%u", k);
			etl_msg(cand, sizeof cand, "%.*s%s", ETL_LAYOUT_NAME_MAX - sl, base, suf);
		}
		etl_column *c = &t->cols[t->ncols++];
		size_t cl = strlen(cand) + 1, pl = strlen(pn) + 1;
		if (cl + pl > (size_t)(end - sp)) {
			free(t);
			return NULL;
		}
		memcpy(sp, cand, cl);
		c->name = sp;
		sp += cl;
		memcpy(sp, pn, pl);
		c->property = sp;
		sp += pl;
		if (sprops) {
			c->type = etl_layout_prop_type(&sprops[i]);
			c->in_type = sprops[i].in_type;
			c->out_type = sprops[i].out_type;
		} else {
			c->type = types[i];
		}
	}
	t->name = NULL;
	if (!etl_layout_table_rename(t, name)) {
		free(t);
		return NULL;
	}
	t->sig = etl_layout_signature(t);
	return t;
}

etl_table *etl_layout_typed_table(const char *name, const etl_schema *s)
{
	size_t n = s->top_count <= s->prop_count ? s->top_count : s->prop_count;
	return build_table(name, n, NULL, NULL, s->props);
}

etl_table *etl_layout_table_from(const char *name, const char *const *props,
                                 const etl_coltype *types, size_t n)
{
	return build_table(name, n, props, types, NULL);
}

bool etl_layout_table_rename(etl_table *t, const char *name)
{
	/* the name lives in its own allocation: renames happen when names clash */
	char *copy = strdup(name);
	if (!copy)
		return false;
	free(t->name);
	t->name = copy;
	return true;
}

void etl_layout_table_free(etl_table *t)
{
	if (!t)
		return;
	free(t->name);
	free(t);
}

uint64_t etl_layout_signature(const etl_table *t)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < t->ncols; i++) {
		for (const char *s = t->cols[i].name; *s; s++) {
			int c = (unsigned char)*s;
			if (c >= 'A' && c <= 'Z')
				c += 32;
			h = (h ^ (uint64_t)c) * 1099511628211ull;
		}
		h = (h ^ (uint64_t)(0x100 + t->cols[i].type)) * 1099511628211ull;
	}
	return h;
}

/* ---- JSON values -> cells ------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* hex digit values, 0xFF for other bytes (this runs for every pointer and
 * hex property of every event) */
static const uint8_t hex_digit[256] = {
	['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7,
	['8'] = 8, ['9'] = 9, ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14,
	['f'] = 15, ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};
static bool is_hex_digit(unsigned char c)
{
	return hex_digit[c] || c == '0';
}

bool etl_json_uint(const char *s, size_t n, uint64_t *out, bool *negative)
{
	*negative = false;
	if (n >= 5 && s[0] == '"' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X') && s[n - 1] == '"') {
		uint64_t v = 0;
		if (n - 4 > 16)
			return false;
		for (size_t i = 3; i < n - 1; i++) {
			unsigned char c = (unsigned char)s[i];
			if (!is_hex_digit(c))
				return false;
			v = v << 4 | hex_digit[c];
		}
		*out = v;
		return true;
	}
	size_t i = 0;
	if (i < n && s[i] == '-') {
		*negative = true;
		i++;
	}
	if (i == n)
		return false;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9)
			return false;
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static unsigned put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static bool hex4(const char *p, const char *end, uint32_t *v)
{
	if (end - p < 4)
		return false;
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		int d = hexval((unsigned char)p[i]);
		if (d < 0)
			return false;
		x = x << 4 | (uint32_t)d;
	}
	*v = x;
	return true;
}

size_t etl_json_unescape(const char *json, size_t len, char *out)
{
	if (len < 2 || json[0] != '"') {
		memcpy(out, json, len);
		return len;
	}
	const char *p = json + 1, *end = json + len - 1;
	char *o = out;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		if (!bs) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			break;
		}
		memcpy(o, p, (size_t)(bs - p));
		o += bs - p;
		p = bs + 1;
		if (p >= end)
			break;
		char c = *p++;
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			uint32_t cp;
			if (!hex4(p, end, &cp)) {
				*o++ = 'u';
				break;
			}
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				uint32_t lo;
				if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, end, &lo) &&
				    lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else {
					cp = 0xFFFD;
				}
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			/* "\uXXXX" is 6 bytes, its UTF-8 at most 3 (4 for a pair of 12) */
			o += put_utf8(o, cp);
			break;
		}
		default: *o++ = c; break; /* \" \\ \/ */
		}
	}
	return (size_t)(o - out);
}

static void cell_as_text(etl_value_kind kind, const char *json, size_t len, etl_cell *out,
                         char **scratch)
{
	if (kind == ETL_VALUE_TEXT && len >= 2) {
		if (!memchr(json + 1, '\\', len - 2)) {
			etl_cell_text(out, json + 1, len - 2);
		} else {
			size_t n = etl_json_unescape(json, len, *scratch);
			etl_cell_text(out, *scratch, n);
			*scratch += n;
		}
	} else {
		etl_cell_text(out, json, len);
	}
}

void etl_layout_cell(etl_coltype t, etl_value_kind kind, const char *json, size_t len,
                     etl_cell *out, char **scratch)
{
	if (kind == ETL_VALUE_NULL || len == 0) {
		etl_cell_null(out);
		return;
	}
	switch (t) {
	case ETL_COL_INT: case ETL_COL_UINT64: case ETL_COL_TS: case ETL_COL_BOOL:
		if (kind == ETL_VALUE_BOOL) {
			etl_cell_int(out, json[0] == 't');
			return;
		}
		if (kind == ETL_VALUE_INTEGER || kind == ETL_VALUE_TEXT) {
			uint64_t u;
			bool neg;
			if (etl_json_uint(json, len, &u, &neg)) {
				etl_cell_u64(out, neg ? (uint64_t)0 - u : u);
				return;
			}
		}
		break;
	case ETL_COL_REAL:
		if (kind == ETL_VALUE_INTEGER || kind == ETL_VALUE_REAL) {
			char tmp[64];
			if (len < sizeof tmp) {
				memcpy(tmp, json, len);
				tmp[len] = 0;
				etl_cell_real(out, strtod(tmp, NULL));
				/* the decoder's text is already the shortest form */
				out->num = json;
				out->len = len;
				return;
			}
		} else if (kind == ETL_VALUE_TEXT) {
			/* decode.c writes non-finite floats as strings */
			if (len == 5 && !memcmp(json, "\"NaN\"", 5)) {
				etl_cell_null(out);
				return;
			}
			if (len == 10 && !memcmp(json, "\"Infinity\"", 10)) {
				etl_cell_real(out, HUGE_VAL);
				return;
			}
			if (len == 11 && !memcmp(json, "\"-Infinity\"", 11)) {
				etl_cell_real(out, -HUGE_VAL);
				return;
			}
		}
		break;
	case ETL_COL_JSON:
		etl_cell_text(out, json, len);
		return;
	default:
		break;
	}
	cell_as_text(kind, json, len, out, scratch);
}

/* ---- JSON object members ------------------------------------------------------------- */

/* End of the JSON value starting at p (exclusive), or NULL. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;
	bool in_str = false;
	for (; p < end; p++) {
		char c = *p;
		if (in_str) {
			if (c == '\\')
				p++;
			else if (c == '"') {
				in_str = false;
				if (depth == 0)
					return p + 1;
			}
			continue;
		}
		switch (c) {
		case '"': in_str = true; break;
		case '[': case '{': depth++; break;
		case ']': case '}':
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
			break;
		case ',':
			if (depth == 0)
				return p;
			break;
		default: break;
		}
	}
	return depth == 0 && !in_str ? p : NULL;
}

size_t etl_json_members(const char *json, size_t len, etl_json_member *out, size_t max)
{
	const char *p = json, *end = json + len;
	if (len < 2 || *p != '{')
		return (size_t)-1;
	p++;
	size_t n = 0;
	while (p < end && *p != '}') {
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '"')
			return (size_t)-1;
		const char *k = p;
		const char *ke = skip_value(p, end);
		if (!ke || ke >= end || *ke != ':')
			return (size_t)-1;
		const char *v = ke + 1;
		const char *ve = skip_value(v, end);
		if (!ve)
			return (size_t)-1;
		if (n < max) {
			out[n].key = k;
			out[n].key_len = (size_t)(ke - k);
			out[n].val = v;
			out[n].val_len = (size_t)(ve - v);
		}
		n++;
		p = ve;
	}
	return n < max ? n : max;
}

/* ---- SQL ------------------------------------------------------------------------------ */

void etl_layout_sql_ident(etl_strbuf *b, const char *name)
{
	etl_strbuf_putc(b, '"');
	for (const char *s = name; *s; s++) {
		if (*s == '"')
			etl_strbuf_putc(b, '"');
		etl_strbuf_putc(b, *s);
	}
	etl_strbuf_putc(b, '"');
}

void etl_layout_sql_time(etl_strbuf *b, const char *col)
{
	/* exact for every FILETIME >= 0: seconds by integer division, the 7
	 * fraction digits from the remainder */
	etl_strbuf_printf(b,
	                  "strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %s / 10000000 - 11644473600, 'unixepoch')"
	                  " || '.' || substr('000000' || (%s %% 10000000), -7) || 'Z'",
	                  col, col);
}

size_t etl_layout_pk_count(const etl_table *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->ncols; i++)
		n += (t->cols[i].flags & ETL_COLF_PK) != 0;
	return n;
}

void etl_layout_sql_create(etl_strbuf *b, const etl_table *t)
{
	size_t npk = etl_layout_pk_count(t);
	etl_strbuf_puts(b, "CREATE TABLE ");
	etl_layout_sql_ident(b, t->name);
	etl_strbuf_puts(b, " (");
	for (size_t i = 0; i < t->ncols; i++) {
		const etl_column *c = &t->cols[i];
		if (i)
			etl_strbuf_puts(b, ", ");
		etl_layout_sql_ident(b, c->name);
		etl_strbuf_putc(b, ' ');
		etl_strbuf_puts(b, etl_coltype_sql(c->type));
		if ((c->flags & ETL_COLF_PK) && npk == 1)
			etl_strbuf_puts(b, " PRIMARY KEY");
		if (c->flags & ETL_COLF_NOTNULL)
			etl_strbuf_puts(b, " NOT NULL");
		if (c->flags & ETL_COLF_UNIQUE)
			etl_strbuf_puts(b, " UNIQUE");
	}
	if (npk > 1) {
		/* a composite key: the table is clustered by it (rows arrive in
		 * key order, so this costs no index of its own) */
		etl_strbuf_puts(b, ", PRIMARY KEY (");
		for (size_t i = 0, k = 0; i < t->ncols; i++) {
			if (!(t->cols[i].flags & ETL_COLF_PK))
				continue;
			if (k++)
				etl_strbuf_puts(b, ", ");
			etl_layout_sql_ident(b, t->cols[i].name);
		}
		etl_strbuf_puts(b, ")) WITHOUT ROWID");
		return;
	}
	etl_strbuf_putc(b, ')');
}

void etl_layout_sql_indexes(etl_strbuf *b)
{
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
		const etl_table *t = etl_layout_fixed(i);
		for (const char *const *ix = t->indexes; *ix; ix++) {
			const char *paren = strchr(*ix, '(');
			if (!paren)
				continue;
			etl_strbuf_printf(b, "CREATE INDEX IF NOT EXISTS %.*s ON %s%s;\n",
			                  (int)(paren - *ix), *ix, t->name, paren);
		}
	}
}

void etl_layout_sql_events_view(etl_strbuf *b)
{
	etl_strbuf_puts(b, "CREATE VIEW events_view AS SELECT e.id AS id, e.trace_id AS trace_id, e.ts AS ts, ");
	etl_layout_sql_time(b, "e.ts");
	etl_strbuf_puts(b,
	                " AS time, t.provider AS provider, p.name AS provider_name, t.event_name AS event_name,"
	                " t.task_name AS task_name, t.opcode_name AS opcode_name, t.event_id AS event_id,"
	                " t.version AS version, t.opcode AS opcode, t.task AS task, e.level AS level,"
	                " e.keywords AS keywords, e.pid AS pid, e.tid AS tid, e.cpu AS cpu,"
	                " (SELECT image FROM processes ps WHERE ps.trace_id = e.trace_id AND ps.pid = e.pid"
	                " AND (ps.start_ts IS NULL OR ps.start_ts <= e.ts)"
	                " ORDER BY ps.start_ts IS NULL, ps.start_ts DESC LIMIT 1) AS process,"
	                " e.activity_id AS activity_id, e.related_activity_id AS related_activity_id,"
	                " e.payload_size AS payload_size, e.decoded AS decoded, t.schema AS schema,"
	                " t.table_name AS table_name, e.type_id AS type_id"
	                " FROM events e JOIN event_types t ON t.id = e.type_id"
	                " JOIN providers p ON p.id = t.provider_id");
}

void etl_layout_sql_frames_view(etl_strbuf *b)
{
	etl_strbuf_puts(b, "CREATE VIEW stack_frames AS SELECT s.event_rowid AS event_rowid,"
	                   " CAST(j.key AS INTEGER) AS frame, j.value AS address"
	                   " FROM stacks s, json_each(s.frames) j");
}

void etl_layout_sql_typed_view(etl_strbuf *b, const etl_table *t)
{
	char view[ETL_LAYOUT_NAME_MAX + 8];
	etl_msg(view, sizeof view, "%s_view", t->name);
	etl_strbuf_puts(b, "CREATE VIEW ");
	etl_layout_sql_ident(b, view);
	etl_strbuf_puts(b, " AS SELECT e.id AS event_rowid, e.trace_id AS trace_id, e.ts AS ts, ");
	etl_layout_sql_time(b, "e.ts");
	etl_strbuf_puts(b, " AS time, e.type_id AS type_id, e.pid AS pid, e.tid AS tid,"
	                   " e.cpu AS cpu, e.level AS level");
	for (size_t i = 1; i < t->ncols; i++) {
		etl_strbuf_puts(b, ", x.");
		etl_layout_sql_ident(b, t->cols[i].name);
	}
	etl_strbuf_puts(b, " FROM ");
	etl_layout_sql_ident(b, t->name);
	etl_strbuf_puts(b, " x JOIN events e ON e.id = x.event_rowid");
}
