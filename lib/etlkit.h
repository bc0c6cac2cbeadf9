/*
 * etlkit.h - read Windows Event Trace Log (.etl) files on any platform.
 *
 * This header is the reference manual of libetlkit.  Conventions:
 *  - Handles are opaque.  Every *_close(NULL) is harmless.
 *  - Functions that can fail return an etl_status; ETL_OK is 0.  The numbers of
 *    the enumeration never change.  etl_strerror() names a code;
 *    etl_trace_errmsg() gives the last message of a handle, which names the
 *    file, the byte offset and what was wrong.
 *  - Buffers cross the API as pointer + size_t.  Pointers handed out by the
 *    library stay valid until the call named in their description.
 *  - The library has no global state.  A handle may be used by one thread at
 *    a time; different handles are independent.
 *  - All input is untrusted: damaged buffers and records are skipped with a
 *    warning (ETL_WARN_* counters and the warning callback), never fatal to
 *    the rest of the file.
 */
#ifndef ETLKIT_H
#define ETLKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETLKIT_VERSION_STRING "0.1.0"

/* ---- status codes --------------------------------------------------------- */

typedef enum etl_status {
	ETL_OK = 0,
	ETL_EOF = 1,          /* no more events */
	ETL_ERR_IO = 2,       /* open/read failed (errno in the message) */
	ETL_ERR_NOMEM = 3,
	ETL_ERR_FORMAT = 4,   /* not an ETL file, or its header is unusable */
	ETL_ERR_CORRUPT = 5,  /* damaged data that could not be skipped */
	ETL_ERR_ARG = 6,      /* invalid argument from the caller */
	ETL_ERR_LIMIT = 7,    /* a size or count above the library's caps */
	ETL_ERR_UNSUPPORTED = 8,
	ETL_ERR_SCHEMA = 9,   /* a schema source (manifest, MOF) is unusable */
	ETL_ERR_ABORTED = 10  /* a callback asked to stop */
} etl_status;

const char *etl_strerror(etl_status code);
const char *etl_version(void);

/* ---- basic types ------------------------------------------------------------ */

/* A GUID in its Windows field layout (Data1..Data3 already in host order). */
typedef struct etl_guid {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
} etl_guid;

#define ETL_GUID_STRLEN 37 /* 36 characters + NUL */
/* Lowercase, no braces: "e13c0d23-ccbc-4e12-931b-d9cc2eee27e4". */
void etl_guid_format(const etl_guid *g, char out[ETL_GUID_STRLEN]);
/* Accepts the form above, optionally in braces, any case.  0 on success. */
int etl_guid_parse(const char *text, etl_guid *out);
int etl_guid_equal(const etl_guid *a, const etl_guid *b);
int etl_guid_is_null(const etl_guid *g);

/* FILETIME (100 ns since 1601-01-01 UTC) as "YYYY-MM-DDThh:mm:ss.fffffffZ".
 * Returns the length written (28), or 0 if out_size is too small. */
#define ETL_TIME_STRLEN 29
size_t etl_filetime_format(int64_t filetime, char *out, size_t out_size);

/* ---- the logfile header ------------------------------------------------------ */

typedef enum etl_clock {
	ETL_CLOCK_RAW = 0,
	ETL_CLOCK_QPC = 1,
	ETL_CLOCK_SYSTEM_TIME = 2,
	ETL_CLOCK_CPU_CYCLE = 3
} etl_clock;

typedef struct etl_systemtime {
	uint16_t year, month, day_of_week, day, hour, minute, second, milliseconds;
} etl_systemtime;

typedef struct etl_time_zone {
	int32_t bias;               /* minutes; UTC = local + bias */
	char standard_name[97];     /* UTF-8 (32 UTF-16 units at most) */
	etl_systemtime standard_date;
	int32_t standard_bias;
	char daylight_name[97];
	etl_systemtime daylight_date;
	int32_t daylight_bias;
} etl_time_zone;

/* TRACE_LOGFILE_HEADER of one input file, plus what the reader measured. */
typedef struct etl_trace_info {
	const char *path;          /* as given to open, or "<memory>" */
	uint64_t file_size;
	uint32_t buffer_size;      /* logical buffer size */
	uint8_t os_major, os_minor, layout_major, layout_minor;  /* Version bytes */
	uint32_t provider_version; /* OS build number */
	uint32_t number_of_processors;
	int64_t end_time;          /* FILETIME */
	uint32_t timer_resolution; /* 100 ns units */
	uint32_t maximum_file_size;
	uint32_t log_file_mode;
	uint32_t buffers_written;
	uint32_t start_buffers;
	uint32_t pointer_size;     /* 4 or 8 */
	uint32_t events_lost;
	uint32_t cpu_speed_mhz;
	uint64_t logger_name_slot, log_file_name_slot; /* reused pointer slots */
	etl_time_zone time_zone;
	int64_t boot_time;         /* FILETIME */
	int64_t perf_freq;
	int64_t start_time;        /* FILETIME */
	uint32_t clock_type;       /* ReservedFlags; see etl_clock */
	uint32_t buffers_lost;
	char logger_name[256];     /* UTF-8; truncated if longer */
	char log_file_name[1024];  /* UTF-8; truncated if longer */
	/* measured while reading (final once etl_trace_next returned ETL_EOF) */
	uint64_t buffers;          /* buffers found by the walk, incl. buffer 0 */
	uint64_t compressed_buffers;
	uint64_t damaged_buffers;  /* skipped in whole or in part */
	uint64_t damaged_records;  /* records skipped inside otherwise good buffers */
	uint64_t events;           /* events delivered so far from this file */
	uint64_t lost_buffer_flags;/* buffers flagged EVENTS_LOST / BUFFER_LOST */
} etl_trace_info;

/* ---- events ------------------------------------------------------------------ */

/* Record header kinds, as stored in the file.  32/64 is the producer's width. */
typedef enum etl_header_kind {
	ETL_HDR_SYSTEM32 = 1, ETL_HDR_SYSTEM64,
	ETL_HDR_COMPACT32, ETL_HDR_COMPACT64,
	ETL_HDR_PERFINFO32, ETL_HDR_PERFINFO64,
	ETL_HDR_FULL32, ETL_HDR_FULL64,         /* EVENT_TRACE_HEADER */
	ETL_HDR_INSTANCE32, ETL_HDR_INSTANCE64, /* EVENT_INSTANCE_GUID_HEADER */
	ETL_HDR_EVENT32, ETL_HDR_EVENT64,       /* EVENT_HEADER */
	ETL_HDR_MESSAGE,                        /* WPP MESSAGE_TRACE_HEADER */
	ETL_HDR_KIND_COUNT
} etl_header_kind;

/* "system64", "perfinfo64", "trace32", "instance64", "event64", "message", ... */
const char *etl_header_kind_name(etl_header_kind kind);

/* EVENT_HEADER_EXT_TYPE_* */
enum {
	ETL_EXT_RELATED_ACTIVITYID = 1, ETL_EXT_SID = 2, ETL_EXT_TS_ID = 3,
	ETL_EXT_INSTANCE_INFO = 4, ETL_EXT_STACK_TRACE32 = 5, ETL_EXT_STACK_TRACE64 = 6,
	ETL_EXT_PEBS_INDEX = 7, ETL_EXT_PMC_COUNTERS = 8, ETL_EXT_PSM_KEY = 9,
	ETL_EXT_EVENT_KEY = 10, ETL_EXT_EVENT_SCHEMA_TL = 11, ETL_EXT_PROV_TRAITS = 12,
	ETL_EXT_PROCESS_START_KEY = 13, ETL_EXT_CONTROL_GUID = 14, ETL_EXT_QPC_DELTA = 15,
	ETL_EXT_CONTAINER_ID = 16, ETL_EXT_STACK_KEY32 = 17, ETL_EXT_STACK_KEY64 = 18
};

typedef struct etl_ext_item {
	uint16_t type;
	uint16_t size;        /* bytes at data */
	const uint8_t *data;
} etl_ext_item;

/* EVENT_HEADER_FLAG_* as a Windows consumer sees them (the width, classic and
 * processor-index bits are synthesised from the header kind, as ProcessTrace
 * does). */
enum {
	ETL_EVF_EXTENDED_INFO = 0x0001, ETL_EVF_PRIVATE_SESSION = 0x0002,
	ETL_EVF_STRING_ONLY = 0x0004, ETL_EVF_TRACE_MESSAGE = 0x0008,
	ETL_EVF_NO_CPUTIME = 0x0010, ETL_EVF_32_BIT_HEADER = 0x0020,
	ETL_EVF_64_BIT_HEADER = 0x0040, ETL_EVF_DECODE_GUID = 0x0080,
	ETL_EVF_CLASSIC_HEADER = 0x0100, ETL_EVF_PROCESSOR_INDEX = 0x0200
};

#define ETL_NO_ID 0xFFFFFFFFu /* pid/tid of records whose header carries none */

/* One event, an EVENT_RECORD-like view.  Every pointer in it stays valid
 * until the next etl_trace_next() / etl_trace_close() on the same trace. */
typedef struct etl_event {
	uint32_t file;               /* index of the input file */
	etl_header_kind header;
	uint16_t flags;              /* ETL_EVF_* */
	uint16_t event_property;
	etl_guid provider;           /* provider, or class GUID of classic events */
	uint16_t id;                 /* classic: 0; WPP: message number */
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	uint16_t hook_id;            /* SYSTEM/COMPACT/PERFINFO: group << 8 | type */
	uint32_t pid, tid;           /* ETL_NO_ID when the header has none */
	uint32_t cpu;
	uint32_t pointer_size;       /* 4 or 8: width of the producer */
	int64_t raw_timestamp;
	int64_t timestamp;           /* FILETIME, UTC */
	uint32_t kernel_time, user_time;
	etl_guid activity_id;        /* zero when absent */
	etl_guid related_activity_id;/* from the extended item; zero when absent */
	int has_related_activity_id;
	/* INSTANCE headers */
	uint32_t instance_id, parent_instance_id;
	etl_guid parent_guid;
	/* WPP MESSAGE headers */
	uint32_t sequence;
	uint16_t message_flags;
	/* extended data items (EVENT_HEADER) */
	const etl_ext_item *ext;
	size_t ext_count;
	/* PEBS / PMC bytes between a kernel header and its payload */
	const uint8_t *header_ext;
	size_t header_ext_size;
	/* user data */
	const uint8_t *data;
	size_t size;
	/* where the record lies: buffer index in its file, byte offset of the
	 * buffer in the file, offset of the record inside the (decompressed)
	 * buffer.  Used in messages. */
	uint64_t buffer_index;
	uint64_t buffer_offset;
	uint32_t record_offset;
} etl_event;

/* ---- opening and reading ---------------------------------------------------- */

typedef struct etl_trace etl_trace;
typedef struct etl_schemas etl_schemas; /* see "schemas" below */

/* Called for every damaged buffer or record that was skipped; msg names the
 * file, the buffer and the byte offset.  May be NULL. */
typedef void (*etl_warning_fn)(void *ctx, const char *msg);

typedef struct etl_open_options {
	etl_warning_fn warning;
	void *warning_ctx;
	unsigned flags;              /* ETL_OPEN_* */
} etl_open_options;

enum {
	/* deliver raw timestamps in etl_event.timestamp as well (no conversion) */
	ETL_OPEN_RAW_TIMESTAMPS = 1u << 0
};

/* Opens n files, merged into one chronological stream.  On failure *out is
 * NULL and, if errbuf is given, it receives a message naming the file. */
etl_status etl_trace_open(const char *const *paths, size_t n,
                          const etl_open_options *opt, etl_trace **out,
                          char *errbuf, size_t errbuf_size);

/* The same over memory the caller keeps alive until etl_trace_close(). */
etl_status etl_trace_open_memory(const void *data, size_t size, const char *name,
                                 const etl_open_options *opt, etl_trace **out,
                                 char *errbuf, size_t errbuf_size);

void etl_trace_close(etl_trace *t);

size_t etl_trace_file_count(const etl_trace *t);
/* Header and counters of file i; NULL if i is out of range.  Valid until close. */
const etl_trace_info *etl_trace_info_get(const etl_trace *t, size_t i);

/* Next event in time order: ETL_OK with *ev set, ETL_EOF at the end, or an
 * error (then etl_trace_errmsg says why).  *ev is valid until the next call. */
etl_status etl_trace_next(etl_trace *t, const etl_event **ev);

/* ProcessTrace-style loop: calls cb for every event until the end; cb returns
 * 0 to go on, non-zero to stop (the result is then ETL_ERR_ABORTED). */
typedef int (*etl_event_fn)(void *ctx, const etl_event *ev);
etl_status etl_trace_process(etl_trace *t, etl_event_fn cb, void *ctx);

const char *etl_trace_errmsg(const etl_trace *t);

/* Starts reading the trace again from its first event; counters restart. */
etl_status etl_trace_rewind(etl_trace *t);

/* ---- decoding ------------------------------------------------------------------ */

/* A decoder turns events into named, typed properties using a schema store
 * (TdhGetEventInformation + TdhFormatProperty).  It caches one compiled plan
 * per event type and keeps the thread -> process map that fills in the pid of
 * events whose header has none. */
typedef struct etl_decoder etl_decoder;
typedef struct etl_decoded etl_decoded;

etl_status etl_decoder_new(etl_schemas *s, etl_decoder **out);
void etl_decoder_free(etl_decoder *d);
/* Reads the whole trace once to collect the schemas it carries (EventSource
 * manifests, KernelTraceControl metadata), which may come after the events
 * they describe, then rewinds it.  Optional, but without it such events
 * decode only after their schema has been seen. */
etl_status etl_decoder_prescan(etl_decoder *d, etl_trace *t);
/* Decodes ev.  The result is valid until the next call on d. */
etl_status etl_decoder_decode(etl_decoder *d, const etl_event *ev, const etl_decoded **out);

/* Parts of a decoded event; strings may be NULL. */
const char *etl_decoded_provider_name(const etl_decoded *d);
const char *etl_decoded_event_name(const etl_decoded *d);
const char *etl_decoded_task_name(const etl_decoded *d);
const char *etl_decoded_opcode_name(const etl_decoded *d);
/* "manifest", "eventsource", "metadata", "tracelogging", "mof", "wpp", "none" */
const char *etl_decoded_schema(const etl_decoded *d);
/* 1 when a schema consumed the whole payload */
int etl_decoded_complete(const etl_decoded *d);
/* The properties as one JSON object text (DESIGN.md §5 value forms). */
const char *etl_decoded_props_json(const etl_decoded *d, size_t *len);
/* Process and thread of the event: from the header, or for events whose header
 * has none, from the payload's thread id and the trace's thread table.
 * ETL_NO_ID when unknown. */
uint32_t etl_decoded_pid(const etl_decoded *d);
uint32_t etl_decoded_tid(const etl_decoded *d);

/* The top-level properties one by one, for sinks with a column per property.
 * `json` is the value's text as it stands in the props object; its kind says
 * how to read it (TEXT is a JSON string with quotes and escapes, JSON an array
 * or object, INTEGER a decimal that may exceed INT64_MAX).  Valid until the
 * next decode on the same decoder. */
typedef enum etl_value_kind {
	ETL_VALUE_NULL, ETL_VALUE_INTEGER, ETL_VALUE_REAL, ETL_VALUE_TEXT,
	ETL_VALUE_BOOL, ETL_VALUE_JSON
} etl_value_kind;
typedef struct etl_value {
	const char *name;
	etl_value_kind kind;
	const char *json;
	size_t json_len;
} etl_value;
size_t etl_decoded_values(const etl_decoded *d, const etl_value **values);


/* ---- schemas ---------------------------------------------------------------- */

/* A schema store: where event layouts come from (TDH's role).  In-trace sources
 * (TraceLogging, EventSource manifests, KernelTraceControl metadata) and the
 * built-in kernel classes are used automatically; manifests and MOF files are
 * added by the caller.  A store may be shared by several traces read one after
 * another, not concurrently. */

etl_status etl_schemas_new(etl_schemas **out);
void etl_schemas_free(etl_schemas *s);
/* A manifest file, or a directory of them (indexed by provider GUID and parsed
 * on first use).  When several sources define the same provider, events merge by
 * (id, version) and the one added later wins. */
etl_status etl_schemas_add_manifest(etl_schemas *s, const char *path);
/* A MOF file of classic event classes. */
etl_status etl_schemas_add_mof(etl_schemas *s, const char *path);
const char *etl_schemas_errmsg(const etl_schemas *s);

/* ---- schema introspection ------------------------------------------------------ */

/* One event's schema (TdhGetEventInformation's TRACE_EVENT_INFO): owned by the
 * store or decoder it came from, valid as long as that lives. */
typedef struct etl_event_schema etl_event_schema;

typedef int (*etl_event_schema_fn)(void *ctx, const etl_event_schema *e);
enum {
	ETL_SCHEMAS_BUILTIN = 1u << 0  /* also the built-in kernel classes */
};
/* Calls fn for every event schema of the store (reading every manifest of
 * indexed directories); stops when fn returns non-zero and returns that. */
int etl_schemas_foreach(etl_schemas *s, unsigned flags, etl_event_schema_fn fn, void *ctx);
/* The schema an event was decoded with, or NULL. */
const etl_event_schema *etl_decoded_event_schema(const etl_decoded *d);

typedef struct etl_event_schema_info {
	etl_guid provider;        /* provider, or class GUID of classic events */
	int classic;              /* keyed by (class, opcode, version), not id */
	uint16_t id;
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	const char *source;       /* "manifest", "mof", "tracelogging", ... */
	const char *provider_name, *event_name, *task_name, *opcode_name;
	const char *level_name, *channel_name, *keywords_name, *message;
	size_t field_count;       /* fields, struct members included */
} etl_event_schema_info;
void etl_event_schema_describe(const etl_event_schema *e, etl_event_schema_info *out);

typedef struct etl_field_info {
	const char *name;
	unsigned depth;           /* 0 top level, 1 member of a struct, ... */
	const char *in_type;      /* "UnicodeString", "UInt32", "Struct", ... */
	const char *out_type;     /* "xs:string", "win:HexInt32", ... or "" */
	char count[80];           /* "" scalar, "4", "=FieldName", "u16 prefix", "to end" */
	char length[80];          /* "" natural, "16", "=FieldName" */
	const char *map;          /* value/bit map name, or NULL */
} etl_field_info;
/* The i-th field in declaration order (members right after their struct);
 * 0 past the end.  The name and type strings belong to e. */
int etl_event_schema_field(const etl_event_schema *e, size_t i, etl_field_info *out);

/* ---- filters ------------------------------------------------------------------- */

/* The filters Windows consumer wrappers offer.  With providers added, an event
 * passes only if it comes from one of them, with a level at most that
 * provider's (0 = any) and keywords matching (any == 0 || kw & any) and
 * (kw & all) == all.  Event ids and task names are allow lists; pids an allow
 * and a deny list; the time range is since <= ts < until (FILETIME). */
typedef struct etl_filter etl_filter;
etl_status etl_filter_new(etl_filter **out);
void etl_filter_free(etl_filter *f);
/* provider: a GUID, or a name (matched against decoded provider names, kernel
 * class names and the GUID EventSource derives from the name). */
etl_status etl_filter_add_provider(etl_filter *f, const char *provider, unsigned level,
                                   uint64_t any_keywords, uint64_t all_keywords);
etl_status etl_filter_add_event_id(etl_filter *f, unsigned id);
etl_status etl_filter_add_task(etl_filter *f, const char *task_name);
etl_status etl_filter_add_pid(etl_filter *f, uint32_t pid, int exclude);
etl_status etl_filter_set_time(etl_filter *f, int64_t since, int64_t until);
/* A time range relative to the start of each trace (the earliest start time
 * of its files), in 100 ns units: start + since <= ts < start + until; a
 * negative value leaves that side open.  It applies where the trace is
 * known: etl_filter_match_at() and etl_writer; etl_filter_match() ignores
 * it.  Both ranges may be set; an event must then pass both. */
etl_status etl_filter_set_relative_time(etl_filter *f, int64_t since, int64_t until);
etl_status etl_filter_set_level(etl_filter *f, unsigned max_level);
etl_status etl_filter_set_keywords(etl_filter *f, uint64_t any, uint64_t all);
/* 1 when matching needs the decoded event (names, resolved pids). */
int etl_filter_needs_decoding(const etl_filter *f);
/* 1 when ev passes; d is its decoded form or NULL.  A NULL filter passes all. */
int etl_filter_match(const etl_filter *f, const etl_event *ev, const etl_decoded *d);
/* The same, with the relative range resolved against `start` (FILETIME of
 * the trace's start; INT64_MIN: unknown, the relative range is ignored). */
int etl_filter_match_at(const etl_filter *f, const etl_event *ev, const etl_decoded *d,
                        int64_t start);
/* The GUID EventSource derives from a provider name. */
void etl_guid_from_name(const char *name, etl_guid *out);

/* ---- output sinks ------------------------------------------------------------- */

/* A sink formats events: "jsonl" (the canonical JSON Lines form) or "text" (one
 * readable line per event).  The FILE stays the caller's; etl_sink_close()
 * flushes it and reports any write error.  `trace` (may be NULL) supplies file
 * information for some formats. */
typedef struct etl_sink etl_sink;
enum {
	ETL_SINK_RAW = 1u << 0,      /* always include the payload as hex */
	/* Decode, format and write on worker threads, one per CPU, keeping the
	 * events' order.  etl_sink_write() and etl_sink_put() then copy the
	 * event and return at once; a write error shows in a later call or in
	 * etl_sink_close(), and the FILE must not be touched by the caller
	 * until etl_sink_close(). */
	ETL_SINK_THREADED = 1u << 1
};
etl_status etl_sink_open_stream(const char *format, FILE *fp, unsigned flags,
                                const etl_trace *trace, etl_sink **out);
/* d: the decoded form of ev from an etl_decoder, or NULL to write it raw. */
etl_status etl_sink_write(etl_sink *s, const etl_event *ev, const etl_decoded *d);
/* Lets the sink decode: etl_sink_put() then decodes each event with d (may
 * be NULL: none), drops those filter f rejects (may be NULL) and writes the
 * rest, with their decoded form unless show is 0.  A threaded sink decodes
 * on its workers once d's prescan is done (etl_decoder_prescan()); d and f
 * must outlive the sink, and d must not be used elsewhere meanwhile. */
etl_status etl_sink_set_decoder(etl_sink *s, etl_decoder *d, const etl_filter *f, int show);
etl_status etl_sink_put(etl_sink *s, const etl_event *ev);
etl_status etl_sink_close(etl_sink *s);

/* Kernel group (HookId >> 8) -> class GUID and name.  NULL when unknown. */
const etl_guid *etl_kernel_group_guid(unsigned group, const char **name);


/* ---- conversion -------------------------------------------------------------------- */

/* A writer stores decoded traces as tables (DESIGN.md §6, §7):
 *   "sqlite"  one database file.  A new file is built under a temporary name
 *             next to `path` and renamed into place by etl_writer_close(w, 1);
 *             an existing etlkit database is appended to, one transaction
 *             per trace, so an interrupted run leaves it as it was before.
 *   "csv.gz"  a directory `path` (which must not exist) of <table>.csv.gz
 *             files, schema.json and load.sql, built as "path.tmp-XXXXXX"
 *             and renamed when etl_writer_close(w, 1) succeeds.
 * The tables and their columns are the same in both formats; etlkit(1)
 * describes them.  A file whose SHA-256 is already in the output is skipped.
 * A writer is used by one thread; with jobs > 1 it runs its own threads
 * (storing rows, compressing) while the caller's thread decodes. */
typedef struct etl_writer etl_writer;

enum {
	ETL_WRITER_RAW = 1u << 0,       /* keep every raw payload, not only undecoded ones */
	ETL_WRITER_FLAT = 1u << 1,      /* csv.gz: only events.csv.gz, properties as JSON */
	ETL_WRITER_NO_DECODE = 1u << 2  /* store the events without decoding them */
};

typedef struct etl_writer_options {
	unsigned flags;                 /* ETL_WRITER_* */
	unsigned jobs;                  /* threads; 0: one per online CPU (at most 16) */
	int level;                      /* csv.gz: zlib level 1..9; 0: 6 */
	etl_warning_fn warning;         /* damaged input, skipped files; may be NULL */
	void *warning_ctx;
	/* Called every 65536 events and at the end of each trace; a non-zero
	 * return stops: etl_writer_add_trace() returns ETL_ERR_ABORTED, and the
	 * caller should close the writer without committing. */
	int (*progress)(void *ctx, const char *path, uint64_t events);
	void *progress_ctx;
	/* Only events that pass are stored (events, typed tables, stacks; the
	 * derived processes, threads and images come from the stored events).
	 * A relative time range applies per trace.  The caller keeps it, unchanged,
	 * until etl_writer_close(); NULL stores everything. */
	const etl_filter *filter;
	/* A new schema store with the manifests and MOF files of the one given
	 * to the writer's calls; NULL on failure.  When set, every trace is
	 * decoded with a store of its own made by it, so the schemas a trace
	 * carries (EventSource manifests, merged-trace metadata) stay with it,
	 * and etl_writer_add_files() with jobs > 1 can decode several traces at
	 * once (a store is used by one thread); without it, a decoding writer
	 * decodes one trace at a time. */
	etl_schemas *(*schemas_new)(void *ctx);
	void *schemas_ctx;
} etl_writer_options;

/* What etl_writer_add_trace() did; counters add up over calls. */
typedef struct etl_writer_result {
	uint32_t added;                 /* files imported */
	uint32_t skipped;               /* files already in the output (same SHA-256) */
	uint32_t failed;                /* files not imported: etl_writer_errmsg() says why */
	uint64_t events, decoded, raw;  /* events stored; decoded completely; with raw payload */
	uint64_t damaged;               /* damaged buffers and records skipped */
} etl_writer_result;

/* opt may be NULL.  On failure *out is NULL and errbuf says why. */
etl_status etl_writer_open(const char *format, const char *path, const etl_writer_options *opt,
                           etl_writer **out, char *errbuf, size_t errbuf_size);
/* Converts the n files, read together as one merged trace (each file is a
 * row of `traces`), decoding with `schemas` (may be NULL).  A file that
 * cannot be read is recorded in import_errors and counted in res->failed;
 * the call still returns ETL_OK.  An error status means the output could not
 * be written (or ETL_ERR_ABORTED): the writer can then only be closed. */
etl_status etl_writer_add_trace(etl_writer *w, const char *const *paths, size_t n,
                                etl_schemas *schemas, etl_writer_result *res);
/* The same for one file, recorded under another name: traces.path,
 * import_errors and messages say `name` (e.g. "archive.zip!dir/member.etl")
 * where the file read is `path` (e.g. a temporary copy).  name NULL: path. */
etl_status etl_writer_add_file_as(etl_writer *w, const char *path, const char *name,
                                  etl_schemas *schemas, etl_writer_result *res);
/* The n files as n traces, in order, each as etl_writer_add_file_as(w,
 * paths[i], NULL, ...) would convert it: the output is the same.  With
 * jobs > 1 and schemas_new (or no decoding) up to `jobs` threads decode the
 * next files while this thread stores them, in input order.  done (may be
 * NULL) is called from this thread after each file, res updated and
 * etl_writer_errmsg() naming a file that failed; a non-zero return stops
 * with ETL_ERR_ABORTED. */
etl_status etl_writer_add_files(etl_writer *w, const char *const *paths, size_t n,
                                etl_schemas *schemas, etl_writer_result *res,
                                int (*done)(void *ctx, size_t index), void *ctx);
/* commit != 0: finishes the output (indexes, final files) and puts it in
 * place; 0: discards what a new output holds (appends already committed
 * stay).  Frees w; NULL is harmless. */
etl_status etl_writer_close(etl_writer *w, int commit);
/* The last error or failed file of the writer. */
const char *etl_writer_errmsg(const etl_writer *w);

/* What etl_merge_databases() did. */
typedef struct etl_merge_result {
	uint32_t databases;             /* inputs merged */
	uint32_t added;                 /* traces added */
	uint32_t skipped;               /* traces already in the output (same SHA-256) */
	uint64_t events;                /* events added */
} etl_merge_result;

/* Merges the SQLite databases etlkit wrote (e.g. the shards of `etlkit
 * convert --shard`) into the database `out`, in the order given: traces
 * whose SHA-256 `out` holds are skipped, the rest are added with every id
 * renumbered (events, traces, providers, event types, typed tables named by
 * the writer's rules), so merging twice adds nothing.  Every input is
 * checked first: one that is not an etlkit database of this schema version
 * stops the merge before anything is written, errbuf naming it.  A new
 * `out` is built under a temporary name and renamed into place when
 * complete; an existing one takes each input in one transaction.  res may
 * be NULL. */
etl_status etl_merge_databases(const char *out, const char *const *inputs, size_t n,
                               etl_merge_result *res, char *errbuf, size_t errbuf_size);

/* ---- statistics ---------------------------------------------------------------------- */

/* What is in a trace at a glance (`etlkit stats`, `etlkit report`): events per
 * provider, event type, process, CPU and time bucket; lost events and damaged
 * input; which events did not decode and why; CPU samples, disk and file I/O
 * per process; and the processes themselves (image name, parent, lifetime)
 * from the trace's own process events (kernel Process Start/End/DCStart/
 * DCEnd/Defunct, Microsoft-Windows-Kernel-Process ProcessStart/ProcessStop).
 *
 * Memory is bounded whatever the trace size: every table keeps at most
 * max_keys distinct keys (event types, providers, processes, CPUs) and folds
 * the events of later keys into one row marked `other`; the timeline has at
 * most ETL_STATS_BUCKETS buckets, whose width (10^7 * 2^k FILETIME units, k >=
 * -7, so that whole seconds are whole buckets) doubles whenever the span
 * outgrows them, merging pairs.  Only the first ETL_STATS_SERIES providers
 * keep a timeline of their own.
 *
 * Sources: etl_stats_add_trace() reads a trace (decoding with a decoder, and
 * keeping the process map up to date with every event, also those the filter
 * rejects); etl_stats_add_database() reads the tables of a database written
 * by `etlkit convert` with SQL.  Both give the same numbers for the same
 * trace.  Rows and strings handed out stay valid until the next add or
 * etl_stats_free(). */
typedef struct etl_stats etl_stats;

#define ETL_STATS_BUCKETS 512
#define ETL_STATS_SERIES 256

typedef struct etl_stats_options {
	unsigned max_keys;          /* distinct keys per table; 0: 4096 */
} etl_stats_options;

/* opt may be NULL. */
etl_status etl_stats_new(const etl_stats_options *opt, etl_stats **out);
void etl_stats_free(etl_stats *s);
/* The last error (it names the file). */
const char *etl_stats_errmsg(const etl_stats *s);

enum {
	/* only keep the process map up to date: the event is not counted (an
	 * event a filter rejected still names a process) */
	ETL_STATS_TRACK_ONLY = 1u << 0
};
/* One event and its decoded form (d may be NULL). */
etl_status etl_stats_add_event(etl_stats *s, const etl_event *ev, const etl_decoded *d,
                               unsigned flags);
/* The header and counters of an input file (copied). */
etl_status etl_stats_add_file(etl_stats *s, const etl_trace_info *info);
/* Reads t to its end: every event is decoded with d (may be NULL), counted
 * when it passes f (may be NULL), and the files' headers are added.  Loss
 * and damage found while reading are marked on the timeline.  Call
 * etl_decoder_prescan() first for the names of in-trace schemas. */
etl_status etl_stats_add_trace(etl_stats *s, etl_trace *t, etl_decoder *d, const etl_filter *f);
/* 1 when path is an SQLite database (by its header), 0 otherwise. */
int etl_stats_is_database(const char *path);
/* The earliest trace StartTime in an etlkit database (for times given
 * relative to the start of the trace). */
etl_status etl_stats_database_start(const char *path, int64_t *start, char *errbuf,
                                    size_t errbuf_size);
/* Reads an etlkit database: its traces, event types, events (counted when
 * they pass f), processes and the I/O sizes of its typed tables. */
etl_status etl_stats_add_database(etl_stats *s, const char *path, const etl_filter *f);

typedef struct etl_stats_summary {
	size_t files;                /* etl_stats_file(s, 0 .. files-1) */
	uint64_t events;             /* events counted */
	uint64_t decoded;            /* decoded completely */
	uint64_t partial;            /* a schema, but the payload did not match it */
	uint64_t undecoded;          /* no schema */
	uint64_t payload_bytes;
	int64_t first_ts, last_ts;   /* FILETIME of the first and last event (0: none) */
	double average_rate;         /* events per second over the span */
	double peak_rate;            /* events per second in the busiest second (or bucket) */
	/* loss and damage, over the files */
	uint64_t events_lost, buffers_lost, lost_buffer_flags;
	uint64_t damaged_buffers, damaged_records;
	uint64_t lost_event_records; /* RTLostEvent/RTLostBuffer/RTLostFile events */
	/* work done, over the processes */
	uint64_t cpu_samples;
	uint64_t disk_reads, disk_writes, disk_read_bytes, disk_write_bytes;
	uint64_t file_reads, file_writes, file_read_bytes, file_write_bytes, file_other;
	/* the timeline: bucket i covers timeline_start + i * bucket_width */
	int64_t timeline_start;
	int64_t bucket_width;        /* FILETIME units (100 ns) */
	size_t buckets;              /* buckets in use, at most ETL_STATS_BUCKETS */
	/* distinct keys seen (rows before folding), and the cap */
	size_t providers, event_types, processes, cpus;
	unsigned max_keys;
	int database;                /* 1 when read from a database */
} etl_stats_summary;
void etl_stats_get_summary(etl_stats *s, etl_stats_summary *out);
/* The header of input file i (path and strings owned by s), or NULL. */
const etl_trace_info *etl_stats_file(const etl_stats *s, size_t i);

/* The rows of each table, most events first; the `other` row (folded keys),
 * when there is one, last. */
typedef struct etl_stats_provider {
	etl_guid guid;
	const char *name;            /* "Windows Kernel/PerfInfo", "Microsoft-...", or NULL */
	int other;
	uint64_t events, decoded, partial, undecoded, payload_bytes;
	const uint64_t *timeline;    /* events per bucket (summary.buckets), or NULL */
} etl_stats_provider;
size_t etl_stats_providers(etl_stats *s, const etl_stats_provider **rows);

typedef struct etl_stats_event_type {
	etl_guid provider;
	const char *provider_name;   /* as etl_stats_provider.name */
	const char *name;            /* event name, else task[/opcode], else "id N" / "opcode N" */
	const char *event_name, *task_name, *opcode_name;
	const char *schema;          /* "manifest", "mof", ..., "none" */
	int classic;                 /* classic (MOF) event: keyed by opcode */
	uint16_t id, task;
	uint8_t version, opcode;
	int other;
	uint64_t events, decoded, partial, undecoded, payload_bytes;
} etl_stats_event_type;
size_t etl_stats_event_types(etl_stats *s, const etl_stats_event_type **rows);

/* One process instance (a pid reused after its process ended is a new row). */
typedef struct etl_stats_process {
	uint32_t pid;                /* ETL_NO_ID: events whose process is unknown */
	uint32_t parent_pid;         /* ETL_NO_ID when unknown */
	size_t parent;               /* row of the parent instance, or (size_t)-1 */
	const char *image;           /* file name ("notepad.exe"), or NULL */
	const char *image_path;      /* full path when the trace gives one, or NULL */
	const char *command_line;    /* or NULL */
	int64_t start_ts, end_ts;    /* FILETIME; 0 when not in the trace */
	int described;               /* named by a process event of the trace */
	int other;
	uint64_t events, cpu_samples;
	uint64_t disk_reads, disk_writes, disk_read_bytes, disk_write_bytes;
	uint64_t file_reads, file_writes, file_read_bytes, file_write_bytes, file_other;
} etl_stats_process;
size_t etl_stats_processes(etl_stats *s, const etl_stats_process **rows);

typedef struct etl_stats_cpu {
	uint32_t cpu;
	int other;
	uint64_t events, cpu_samples;
} etl_stats_cpu;
size_t etl_stats_cpus(etl_stats *s, const etl_stats_cpu **rows);

enum {
	ETL_STATS_TIMELINE_EVENTS = 0,  /* events per bucket */
	ETL_STATS_TIMELINE_MARKS = 1,   /* loss or damage found while in the bucket */
	ETL_STATS_TIMELINE_SAMPLES = 2  /* CPU samples per bucket */
};
/* Counts per bucket (summary.buckets of them), or NULL. */
const uint64_t *etl_stats_timeline(etl_stats *s, int which, size_t *n);

/* Writes the statistics:
 *   "text"  tables for people (top rows of each; o->table: only that one)
 *   "json"  every table as one JSON document (what `etlkit stats --json` prints)
 *   "csv"   one table (o->table, default "event-types") as RFC 4180 CSV
 *   "html"  a self-contained page with charts (`etlkit report`)
 * Tables: summary, files, providers, event-types, processes, cpus, seconds,
 * undecoded.  o may be NULL.  ETL_ERR_IO when writing failed. */
typedef struct etl_stats_write_options {
	unsigned top;                /* rows per table (text 20, html 25); 0: default */
	const char *table;           /* text, csv: one table */
	const char *title;           /* html: the page title; NULL: the input's name */
	unsigned flags;              /* ETL_STATS_WRITE_* */
} etl_stats_write_options;
enum {
	ETL_STATS_WRITE_ALL_ROWS = 1u << 0  /* text, html: every row, not the top */
};
etl_status etl_stats_write(etl_stats *s, const char *format, FILE *fp,
                           const etl_stats_write_options *o);

#ifdef __cplusplus
}
#endif
#endif /* ETLKIT_H */
