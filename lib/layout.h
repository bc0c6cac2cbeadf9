/*
 * layout.h - the tables of `etlkit convert` (private): what tables exist,
 * what their columns are called and what type each has.  One module decides
 * this for every output format (SQLite, csv.gz), so that the database and the
 * CSV directory always have the same tables and columns (DESIGN.md §6, §7).
 *
 * Types.  A column has a logical type (etl_coltype) that maps to a declared
 * SQLite type (INTEGER, REAL, TEXT, BLOB) and to a CSVW datatype.  Choices:
 *  - integers are INTEGER.  Unsigned 64-bit values (UInt64, pointers, hex
 *    integers, keywords, addresses) are ETL_COL_UINT64: SQLite has no unsigned
 *    type, so values above INT64_MAX are stored as their two's complement
 *    (the bits are exact: printf('0x%x', col) shows the original); CSV
 *    writes the exact unsigned decimal and load.sql converts back.
 *  - FILETIMEs of the fixed tables (ts, *_ts) are INTEGER 100 ns units since
 *    1601; CSV adds an ISO-8601 UTC column after each (ts -> time,
 *    start_ts -> start_time).
 *  - property values of type binary are lowercase hex TEXT (what the
 *    decoder shows, loadable from CSV by any SQLite); raw payloads are BLOB
 *    (hex in CSV).  Arrays and structs are JSON TEXT; GUIDs, SIDs, times,
 *    addresses and value-map names are TEXT.
 *
 * Names.  Typed tables are named <provider>_<event> in snake case (see
 * etl_layout_table_base); property columns keep the property's name with
 * characters outside [A-Za-z0-9_] replaced, made unique case-insensitively
 * (suffix _2, _3, ...) against each other and against the common columns of
 * the per-table views.
 */
#ifndef ETLKIT_LAYOUT_H
#define ETLKIT_LAYOUT_H

#ifndef ETLKIT_INTERNAL
#error "layout.h is private to libetlkit"
#endif

#include "private.h"
#include "schema.h"

#define ETL_LAYOUT_SCHEMA_VERSION "1"
#define ETL_LAYOUT_NAME_MAX 63  /* bytes of a table or column name */

typedef enum etl_coltype {
	ETL_COL_INT = 1,  /* INTEGER, signed 64-bit */
	ETL_COL_UINT64,   /* INTEGER, unsigned 64-bit (see above) */
	ETL_COL_REAL,     /* REAL */
	ETL_COL_BOOL,     /* INTEGER 0 / 1 */
	ETL_COL_TS,       /* INTEGER FILETIME */
	ETL_COL_TEXT,     /* TEXT */
	ETL_COL_GUID,     /* TEXT, lowercase GUID without braces */
	ETL_COL_JSON,     /* TEXT holding a JSON array or object */
	ETL_COL_HEX,      /* TEXT holding lowercase hex digits */
	ETL_COL_BLOB      /* BLOB (lowercase hex in CSV) */
} etl_coltype;

enum {
	ETL_COLF_PK = 1u << 0,       /* the table's primary key */
	ETL_COLF_NOTNULL = 1u << 1,
	ETL_COLF_UNIQUE = 1u << 2
};

typedef struct etl_column {
	const char *name;
	etl_coltype type;
	unsigned flags;           /* ETL_COLF_* */
	const char *doc;          /* one line for schema.json; may be NULL */
	/* typed tables: the property the column holds */
	const char *property;
	uint16_t in_type, out_type;
	const char *ref;          /* foreign key "table.column", or NULL */
} etl_column;

/* The fixed tables, in creation order. */
enum etl_table_id {
	ETL_T_META, ETL_T_TRACES, ETL_T_PROVIDERS, ETL_T_EVENT_TYPES, ETL_T_TYPED_COLUMNS,
	ETL_T_EVENTS, ETL_T_STACKS, ETL_T_PROCESSES, ETL_T_THREADS, ETL_T_IMAGES,
	ETL_T_IMPORT_ERRORS, ETL_T_FIXED_COUNT,
	ETL_T_FLAT_EVENTS = 100,  /* events.csv.gz of --flat */
	ETL_T_TYPED = 200         /* a per-event-type table */
};

typedef struct etl_table {
	char *name;               /* owned by typed tables, static for fixed ones */
	const char *doc;
	int id;                   /* enum etl_table_id */
	size_t ncols;
	etl_column *cols;         /* owned by typed tables */
	const char *const *indexes; /* fixed tables: "name(col, ...)" built after loading */
	uint64_t sig;             /* typed tables: hash of column names and types */
	void *priv;               /* belongs to the sink (statement, stream) */
} etl_table;

/* Column positions of the fixed tables; the converter fills rows by them. */
enum { META_KEY, META_VALUE, META_NCOLS };
enum {
	TR_ID, TR_PATH, TR_SIZE, TR_SHA256, TR_LOGGER_NAME, TR_LOG_FILE_NAME,
	TR_OS_MAJOR, TR_OS_MINOR, TR_OS_BUILD, TR_LAYOUT_VERSION, TR_POINTER_SIZE,
	TR_PROCESSORS, TR_CPU_SPEED, TR_BUFFER_SIZE, TR_MAX_FILE_SIZE, TR_LOG_FILE_MODE,
	TR_BUFFERS_WRITTEN, TR_START_BUFFERS, TR_TIMER_RESOLUTION, TR_PERF_FREQ,
	TR_CLOCK_TYPE, TR_START_TS, TR_END_TS, TR_BOOT_TS, TR_TZ_BIAS, TR_TZ_STD_NAME,
	TR_TZ_STD_BIAS, TR_TZ_DST_NAME, TR_TZ_DST_BIAS, TR_EVENTS_LOST, TR_BUFFERS_LOST,
	TR_BUFFERS, TR_COMPRESSED_BUFFERS, TR_DAMAGED_BUFFERS, TR_DAMAGED_RECORDS,
	TR_LOST_BUFFER_FLAGS, TR_EVENTS, TR_DECODED, TR_RAW, TR_FIRST_TS, TR_LAST_TS,
	TR_IMPORT_TIME, TR_ETLKIT_VERSION, TR_STATUS, TR_NCOLS
};
enum { PR_ID, PR_GUID, PR_NAME, PR_SCHEMA, PR_NCOLS };
enum {
	ET_ID, ET_PROVIDER_ID, ET_PROVIDER, ET_EVENT_ID, ET_VERSION, ET_CHANNEL, ET_LEVEL,
	ET_OPCODE, ET_TASK, ET_KEYWORDS, ET_EVENT_NAME, ET_TASK_NAME, ET_OPCODE_NAME,
	ET_LEVEL_NAME, ET_CHANNEL_NAME, ET_KEYWORDS_NAME, ET_MESSAGE, ET_SCHEMA,
	ET_TABLE_NAME, ET_TYPE_KEY, ET_NCOLS
};
enum { TC_TABLE, TC_POSITION, TC_NAME, TC_PROPERTY, TC_TYPE, TC_SQL_TYPE, TC_IN_TYPE,
       TC_OUT_TYPE, TC_NCOLS };
enum {
	EV_ID, EV_TRACE_ID, EV_TS, EV_TYPE_ID, EV_PID, EV_TID, EV_CPU, EV_LEVEL, EV_KEYWORDS,
	EV_ACTIVITY_ID, EV_RELATED_ACTIVITY_ID, EV_PAYLOAD_SIZE, EV_DECODED, EV_PAYLOAD,
	EV_NCOLS
};
enum { ST_EVENT_ROWID, ST_DEPTH, ST_FRAMES, ST_NCOLS };
enum {
	PS_TRACE_ID, PS_PID, PS_PARENT_PID, PS_IMAGE, PS_COMMAND_LINE, PS_START_TS, PS_END_TS,
	PS_EXIT_CODE, PS_SESSION_ID, PS_UNIQUE_KEY, PS_START_EVENT, PS_END_EVENT, PS_NCOLS
};
enum {
	TH_TRACE_ID, TH_TID, TH_PID, TH_START_TS, TH_END_TS, TH_START_ADDRESS,
	TH_START_EVENT, TH_END_EVENT, TH_NCOLS
};
enum {
	IM_TRACE_ID, IM_PID, IM_BASE, IM_SIZE, IM_PATH, IM_CHECKSUM, IM_TIME_DATE_STAMP,
	IM_LOAD_TS, IM_UNLOAD_TS, IM_LOAD_EVENT, IM_UNLOAD_EVENT, IM_NCOLS
};
enum { IE_ID, IE_TRACE_ID, IE_PATH, IE_STAGE, IE_OFFSET, IE_MESSAGE, IE_TIME, IE_NCOLS };
enum {
	FL_ID, FL_TRACE_ID, FL_FILE, FL_TS, FL_PROVIDER, FL_PROVIDER_NAME, FL_EVENT_NAME,
	FL_TASK_NAME, FL_OPCODE_NAME, FL_EVENT_ID, FL_VERSION, FL_CHANNEL, FL_LEVEL,
	FL_OPCODE, FL_TASK, FL_KEYWORDS, FL_PID, FL_TID, FL_CPU, FL_ACTIVITY_ID,
	FL_RELATED_ACTIVITY_ID, FL_SCHEMA, FL_PAYLOAD_SIZE, FL_DECODED, FL_PAYLOAD,
	FL_PROPS, FL_NCOLS
};

/* The fixed tables; NULL for an unknown id.  ETL_T_FLAT_EVENTS is the
 * --flat events table. */
const etl_table *etl_layout_fixed(int id);

/* Names of the common columns that a typed table's view adds; property
 * columns never take these names. */
extern const char *const etl_layout_view_common[];

/* Declared SQLite type, CSVW datatype, and the name used in typed_columns
 * and schema.json ("integer", "uint64", "real", "boolean", "filetime", "text",
 * "guid", "json", "hex", "blob"). */
const char *etl_coltype_sql(etl_coltype t);
const char *etl_coltype_csvw(etl_coltype t);
const char *etl_coltype_name(etl_coltype t);

/* The column type of a top-level property (its in/out types, map, array and
 * struct flags). */
etl_coltype etl_layout_prop_type(const etl_prop *p);

/* "ts" -> "time", "start_ts" -> "start_time", other -> "<name>_time": the
 * ISO-8601 column CSV writes after a ETL_COL_TS column. */
void etl_layout_time_name(const char *ts_name, char *out, size_t outsz);

/* Writes an identifier made of [A-Za-z0-9_] (other bytes become '_', runs of
 * '_' collapse, a leading digit gets a '_' before it); with `snake`,
 * CamelCase becomes snake_case and letters are lowered.  Never longer than
 * ETL_LAYOUT_NAME_MAX: a longer name is cut and ends in '_' + 8 hex digits of
 * a hash of the whole input.  Returns the length (0 when nothing usable). */
size_t etl_layout_ident(const char *in, bool snake, char *out, size_t outsz);

/* The base name of an event type's table: snake(provider) + "_" +
 * snake(event), where provider is the provider's name without a leading
 * "Microsoft-Windows-" or "Windows " (or "p" + the GUID's first 8 hex digits
 * when unnamed), and event is the event name, else task[_opcode], else
 * "event<id>" / "opcode<n>". */
void etl_layout_table_base(const char *provider_name, const etl_guid *provider,
                           const char *event_name, const char *task_name,
                           const char *opcode_name, unsigned id, unsigned opcode,
                           char *out, size_t outsz);

/* A typed table for a schema's top-level properties: column 0 is
 * event_rowid, column i + 1 holds property i.  name is copied; NULL on
 * allocation failure.  etl_layout_table_free() releases it. */
etl_table *etl_layout_typed_table(const char *name, const etl_schema *s);
/* The same from explicit property names and types (events decoded without
 * a schema: string-only events, EventSource manifest chunks). */
etl_table *etl_layout_table_from(const char *name, const char *const *props,
                                 const etl_coltype *types, size_t n);
/* Renames a typed table (the name is copied); false on allocation failure. */
bool etl_layout_table_rename(etl_table *t, const char *name);
void etl_layout_table_free(etl_table *t);
/* Hash of the column names (case-insensitive) and types of the table. */
uint64_t etl_layout_signature(const etl_table *t);

/* ---- cells: one value of a row, as the sinks bind or print it -------------- */

typedef enum { ETL_CELL_NULL, ETL_CELL_INT, ETL_CELL_REAL, ETL_CELL_TEXT, ETL_CELL_BLOB } etl_cell_kind;

typedef struct etl_cell {
	etl_cell_kind kind;
	size_t len;               /* TEXT and BLOB bytes; REAL: bytes at num */
	const char *num;          /* REAL: its shortest text when known, else NULL */
	union {
		int64_t i;            /* INT: for ETL_COL_UINT64 columns read as uint64_t */
		double r;
		const char *s;
		const uint8_t *b;
	} v;
} etl_cell;

static inline void etl_cell_null(etl_cell *c) { c->kind = ETL_CELL_NULL; }
static inline void etl_cell_int(etl_cell *c, int64_t v) { c->kind = ETL_CELL_INT; c->v.i = v; }
static inline void etl_cell_u64(etl_cell *c, uint64_t v) { c->kind = ETL_CELL_INT; c->v.i = (int64_t)v; }
static inline void etl_cell_real(etl_cell *c, double v)
{
	c->kind = ETL_CELL_REAL;
	c->v.r = v;
	c->num = NULL;
}
static inline void etl_cell_text(etl_cell *c, const char *s, size_t n)
{
	c->kind = s ? ETL_CELL_TEXT : ETL_CELL_NULL;
	c->v.s = s;
	c->len = n;
}
static inline void etl_cell_str(etl_cell *c, const char *s) { etl_cell_text(c, s, s ? strlen(s) : 0); }
static inline void etl_cell_blob(etl_cell *c, const void *p, size_t n)
{
	c->kind = ETL_CELL_BLOB;
	c->v.b = (const uint8_t *)p;
	c->len = n;
}

/* A property value (its JSON text as the decoder wrote it, and its kind) as
 * a cell of a column of type t.  Integers keep all 64 bits ("0x..." hex text
 * is read as a number for integer columns); booleans become 0/1; JSON strings
 * are unescaped into `scratch`, which must have room for json_len more bytes
 * (an unescaped string is never longer than its JSON form).  A value that
 * does not fit the column's type is stored as its text. */
void etl_layout_cell(etl_coltype t, etl_value_kind kind, const char *json, size_t json_len,
                     etl_cell *out, char **scratch);

/* JSON helpers.  etl_json_unescape: `json` is a JSON string with its quotes;
 * writes the UTF-8 text (at most json_len bytes) and returns its length.
 * etl_json_uint: a decimal integer with optional '-', or a "0x..." hex
 * string with its quotes; false when it is neither or does not fit 64 bits. */
size_t etl_json_unescape(const char *json, size_t json_len, char *out);
bool etl_json_uint(const char *s, size_t n, uint64_t *out, bool *negative);

/* Splits a JSON object's text into its top-level members: up to `max` keys
 * (raw JSON strings, with quotes) and value spans.  Returns the number of
 * members, or (size_t)-1 when the text is not an object. */
typedef struct etl_json_member {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
} etl_json_member;
size_t etl_json_members(const char *json, size_t len, etl_json_member *out, size_t max);

/* The SQL expression giving the ISO-8601 text of a FILETIME column `col`
 * ("YYYY-MM-DDThh:mm:ss.fffffffZ", NULL when col is NULL). */
void etl_layout_sql_time(etl_strbuf *b, const char *col);
/* "quoted" SQL identifier. */
void etl_layout_sql_ident(etl_strbuf *b, const char *name);
/* Number of primary-key columns; with more than one, the table is created
 * WITHOUT ROWID with a composite key. */
size_t etl_layout_pk_count(const etl_table *t);
/* CREATE TABLE statement of a table (fixed or typed). */
void etl_layout_sql_create(etl_strbuf *b, const etl_table *t);
/* CREATE INDEX IF NOT EXISTS statements of every fixed table's indexes. */
void etl_layout_sql_indexes(etl_strbuf *b);
/* CREATE VIEW statements: events_view, and <table>_view of a typed table. */
void etl_layout_sql_events_view(etl_strbuf *b);
/* CREATE VIEW stack_frames: one row per frame of stacks.frames. */
void etl_layout_sql_frames_view(etl_strbuf *b);
void etl_layout_sql_typed_view(etl_strbuf *b, const etl_table *t);

#endif /* ETLKIT_LAYOUT_H */
