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
etl_status etl_filter_set_level(etl_filter *f, unsigned max_level);
etl_status etl_filter_set_keywords(etl_filter *f, uint64_t any, uint64_t all);
/* 1 when matching needs the decoded event (names, resolved pids). */
int etl_filter_needs_decoding(const etl_filter *f);
/* 1 when ev passes; d is its decoded form or NULL.  A NULL filter passes all. */
int etl_filter_match(const etl_filter *f, const etl_event *ev, const etl_decoded *d);
/* The GUID EventSource derives from a provider name. */
void etl_guid_from_name(const char *name, etl_guid *out);

/* ---- output sinks ------------------------------------------------------------- */

/* A sink formats events: "jsonl" (the canonical JSON Lines form) or "text" (one
 * readable line per event).  The FILE stays the caller's; etl_sink_close()
 * flushes it and reports any write error.  `trace` (may be NULL) supplies file
 * information for some formats. */
typedef struct etl_sink etl_sink;
enum {
	ETL_SINK_RAW = 1u << 0  /* always include the payload as hex */
};
etl_status etl_sink_open_stream(const char *format, FILE *fp, unsigned flags,
                                const etl_trace *trace, etl_sink **out);
/* d: the decoded form of ev from an etl_decoder, or NULL to write it raw. */
etl_status etl_sink_write(etl_sink *s, const etl_event *ev, const etl_decoded *d);
etl_status etl_sink_close(etl_sink *s);

/* Kernel group (HookId >> 8) -> class GUID and name.  NULL when unknown. */
const etl_guid *etl_kernel_group_guid(unsigned group, const char **name);


#ifdef __cplusplus
}
#endif
#endif /* ETLKIT_H */
