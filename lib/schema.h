/*
 * schema.h - the in-library event schema model (private).
 *
 * Every schema source (instrumentation manifests, EventSource manifests in the
 * trace, KernelTraceControl TRACE_EVENT_INFO blobs, TraceLogging metadata, MOF
 * classes and the built-in kernel table) reduces to the same model: the logical
 * content of TDH's TRACE_EVENT_INFO (decoding.md §2).  An etl_schema is already
 * "compiled": a flat property array whose struct members, count and length
 * references are indices, with value maps resolved to pointers, so the decoder
 * walks it without any lookups.
 *
 * Memory: schemas, names and maps live in the arena of the store that owns
 * them and stay valid until that store is freed.
 */
#ifndef ETLKIT_SCHEMA_H
#define ETLKIT_SCHEMA_H

#ifndef ETLKIT_INTERNAL
#error "schema.h is private to libetlkit"
#endif

#include "etlkit.h"
#include <stdbool.h>

/* ---- arena ------------------------------------------------------------------ */

/* A bump allocator: many small allocations, one free.  Blocks are chained; an
 * allocation never moves.  Returns NULL on failure or when the arena's cap
 * (ETL_ARENA_MAX bytes in total) would be exceeded. */
typedef struct etl_arena etl_arena;
#define ETL_ARENA_MAX ((size_t)1 << 30)
etl_arena *etl_arena_new(void);
void etl_arena_free(etl_arena *a);
void *etl_arena_alloc(etl_arena *a, size_t n);       /* 8-aligned, zeroed */
char *etl_arena_strdup(etl_arena *a, const char *s);
char *etl_arena_strndup(etl_arena *a, const char *s, size_t n);
size_t etl_arena_used(const etl_arena *a);

/* ---- types (decoding.md §3.1, §3.2; TDH numbering) -------------------------- */

enum etl_intype {
	ETL_IN_NULL = 0, ETL_IN_UNICODESTRING = 1, ETL_IN_ANSISTRING = 2,
	ETL_IN_INT8 = 3, ETL_IN_UINT8 = 4, ETL_IN_INT16 = 5, ETL_IN_UINT16 = 6,
	ETL_IN_INT32 = 7, ETL_IN_UINT32 = 8, ETL_IN_INT64 = 9, ETL_IN_UINT64 = 10,
	ETL_IN_FLOAT = 11, ETL_IN_DOUBLE = 12, ETL_IN_BOOLEAN = 13, ETL_IN_BINARY = 14,
	ETL_IN_GUID = 15, ETL_IN_POINTER = 16, ETL_IN_FILETIME = 17,
	ETL_IN_SYSTEMTIME = 18, ETL_IN_SID = 19, ETL_IN_HEXINT32 = 20,
	ETL_IN_HEXINT64 = 21, ETL_IN_COUNTEDSTRING = 22, ETL_IN_COUNTEDANSISTRING = 23,
	ETL_IN_STRUCT = 24, ETL_IN_COUNTEDBINARY = 25,
	/* TDH-internal in-types produced from MOF */
	ETL_IN_MOF_COUNTEDSTRING = 300, ETL_IN_MOF_COUNTEDANSISTRING = 301,
	ETL_IN_MOF_REVCOUNTEDSTRING = 302, ETL_IN_MOF_REVCOUNTEDANSISTRING = 303,
	ETL_IN_MOF_NONNULLSTRING = 304, ETL_IN_MOF_NONNULLANSISTRING = 305,
	ETL_IN_MOF_UNICODECHAR = 306, ETL_IN_MOF_ANSICHAR = 307,
	ETL_IN_MOF_SIZET = 308, ETL_IN_MOF_HEXDUMP = 309, ETL_IN_MOF_WBEMSID = 310,
	/* etlkit-internal: IPv6 address of 16 bytes (MOF IPAddrV6 / manifest
	 * win:IPAddrV6 in dumped manifests) */
	ETL_IN_X_IPV6 = 400
};

enum etl_outtype {
	ETL_OUT_NULL = 0, ETL_OUT_STRING = 1, ETL_OUT_DATETIME = 2, ETL_OUT_BYTE = 3,
	ETL_OUT_UNSIGNEDBYTE = 4, ETL_OUT_SHORT = 5, ETL_OUT_UNSIGNEDSHORT = 6,
	ETL_OUT_INT = 7, ETL_OUT_UNSIGNEDINT = 8, ETL_OUT_LONG = 9,
	ETL_OUT_UNSIGNEDLONG = 10, ETL_OUT_FLOAT = 11, ETL_OUT_DOUBLE = 12,
	ETL_OUT_BOOLEAN = 13, ETL_OUT_GUID = 14, ETL_OUT_HEXBINARY = 15,
	ETL_OUT_HEXINT8 = 16, ETL_OUT_HEXINT16 = 17, ETL_OUT_HEXINT32 = 18,
	ETL_OUT_HEXINT64 = 19, ETL_OUT_PID = 20, ETL_OUT_TID = 21, ETL_OUT_PORT = 22,
	ETL_OUT_IPV4 = 23, ETL_OUT_IPV6 = 24, ETL_OUT_SOCKETADDRESS = 25,
	ETL_OUT_CIMDATETIME = 26, ETL_OUT_ETWTIME = 27, ETL_OUT_XML = 28,
	ETL_OUT_ERRORCODE = 29, ETL_OUT_WIN32ERROR = 30, ETL_OUT_NTSTATUS = 31,
	ETL_OUT_HRESULT = 32, ETL_OUT_CULTURE_INSENSITIVE_DATETIME = 33,
	ETL_OUT_JSON = 34, ETL_OUT_UTF8 = 35, ETL_OUT_PKCS7 = 36,
	ETL_OUT_CODE_POINTER = 37, ETL_OUT_DATETIME_UTC = 38,
	ETL_OUT_REDUCEDSTRING = 300, ETL_OUT_NOPRINT = 301
};

/* ---- maps (decoding.md §2.3, §3.3) ----------------------------------------- */

enum {
	ETL_MAP_VALUE = 1,    /* exact value -> name */
	ETL_MAP_BITMAP = 2,   /* bits -> names joined with '|' */
	ETL_MAP_INDEX = 4     /* MOF Values without ValueMap: value is an index */
};

typedef struct etl_map_entry {
	uint64_t value;
	const char *name;     /* trimmed display string */
} etl_map_entry;

typedef struct etl_map {
	const char *name;
	uint32_t kind;        /* ETL_MAP_* */
	uint32_t count;
	const etl_map_entry *entries; /* sorted by value for ETL_MAP_VALUE */
} etl_map;

/* ---- properties (decoding.md §2.2) ----------------------------------------- */

enum {
	ETL_PF_STRUCT = 0x01,        /* members are props[struct_start .. +struct_count) */
	ETL_PF_PARAM_LENGTH = 0x02,  /* length = value of props[length] */
	ETL_PF_PARAM_COUNT = 0x04,   /* count = value of props[count] */
	ETL_PF_XML_FRAGMENT = 0x08,
	ETL_PF_FIXED_LENGTH = 0x10,
	ETL_PF_FIXED_COUNT = 0x20,   /* array of `count` even when count == 1 */
	/* etlkit extensions */
	ETL_PF_COUNT_PREFIX = 0x10000, /* TraceLogging variable array: u16 count in the payload */
	ETL_PF_TO_END = 0x20000,       /* array of elements until the payload ends (stack frames) */
	ETL_PF_CUSTOM = 0x40000,       /* TL custom-serialized: u16 size + bytes */
	ETL_PF_OPTIONAL = 0x80000      /* may be absent at the end of older payloads */
};

typedef struct etl_prop {
	const char *name;
	uint32_t flags;          /* ETL_PF_* */
	uint16_t in_type;        /* enum etl_intype; ETL_IN_STRUCT when ETL_PF_STRUCT */
	uint16_t out_type;       /* enum etl_outtype, already in TDH numbering */
	uint16_t struct_start;   /* ETL_PF_STRUCT: first member index */
	uint16_t struct_count;   /* ETL_PF_STRUCT: number of members */
	uint16_t count;          /* constant count, or property index (PARAM_COUNT) */
	uint16_t length;         /* constant length, or property index (PARAM_LENGTH);
	                            strings: characters, binary: bytes, 0 = natural */
	const etl_map *map;      /* NULL when none */
} etl_prop;

/* ---- event schema (decoding.md §2.1) -------------------------------------- */

enum etl_schema_source {
	ETL_SRC_NONE = 0,
	ETL_SRC_MANIFEST,        /* user-supplied instrumentation manifest */
	ETL_SRC_EVENTSOURCE,     /* EventSource manifest carried in the trace */
	ETL_SRC_METADATA,        /* KernelTraceControl TRACE_EVENT_INFO in the trace */
	ETL_SRC_TRACELOGGING,    /* TraceLogging metadata in the event */
	ETL_SRC_MOF,             /* built-in kernel classes or user MOF files */
	ETL_SRC_WPP,
	ETL_SRC_STRING           /* EVENT_HEADER_FLAG_STRING_ONLY */
};
/* "manifest", "eventsource", "metadata", "tracelogging", "mof", "wpp", "none" */
const char *etl_schema_source_name(int source);

enum {
	ETL_SF_STOP_AFTER = 0x01  /* decode only the first stop_after top-level props
	                             (lossy dumped manifests, decoding.md §4.7.5) */
};

typedef struct etl_schema {
	etl_guid provider;       /* provider GUID, or class GUID for MOF */
	etl_guid event_guid;     /* manifest task eventGUID / MOF class; zero if none */
	uint16_t id;             /* manifest id; MOF: 0 */
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	uint8_t source;          /* enum etl_schema_source */
	uint8_t flags;           /* ETL_SF_* */
	uint16_t stop_after;
	/* names; any may be NULL.  Display names (message strings resolved and
	 * trimmed, `win:` prefixes stripped) are preferred where a source has them. */
	const char *provider_name;
	const char *event_name;  /* TL name, manifest `name`/composed Task/Opcode, MOF EventTypeName */
	const char *task_name;   /* MOF: class name */
	const char *opcode_name;
	const char *level_name;
	const char *channel_name;
	const char *keywords_name; /* names joined with '|' */
	const char *message;     /* event message template with %1..%n inserts */
	uint16_t prop_count;     /* total */
	uint16_t top_count;      /* top-level ones, first in the array */
	const etl_prop *props;
} etl_schema;

/* Caps that every loader applies to input-driven sizes. */
#define ETL_SCHEMA_MAX_PROPS 4096
#define ETL_SCHEMA_MAX_DEPTH 32
#define ETL_SCHEMA_MAX_MAP_ENTRIES 65536

/* ---- the store (lib/schemas.c) --------------------------------------------- */

typedef struct etl_schemas etl_schemas; /* opaque; also declared in etlkit.h */

etl_arena *etl_schemas_arena(etl_schemas *s);

/* Sets the message etl_schemas_errmsg() returns (printf-style). */
void etl_schemas_set_error(etl_schemas *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Registers a schema (memory from etl_schemas_arena(s)).  Keys:
 *   MANIFEST / EVENTSOURCE / METADATA: (provider, id, version)
 *   MOF: (provider = class GUID, opcode, version)
 * A later registration of the same key replaces the earlier one. */
etl_status etl_schemas_put(etl_schemas *s, const etl_schema *sc);

/* Lookups can load files (directories load lazily) and so change the store:
 * decoders that share one store on several threads hold this lock around
 * them.  Schemas, once found, stay valid and unchanged until the store is
 * freed, so they are used without it. */
void etl_schemas_lock(etl_schemas *s);
void etl_schemas_unlock(etl_schemas *s);

/* Lookup by key; for MOF, when the exact version is absent, the closest
 * version is returned and *fallback is set.  NULL when unknown. */
const etl_schema *etl_schemas_find_manifest(etl_schemas *s, const etl_guid *provider,
                                            uint16_t id, uint8_t version);
const etl_schema *etl_schemas_find_mof(etl_schemas *s, const etl_guid *class_guid,
                                       uint8_t opcode, uint8_t version, bool *fallback);

/* Provider display name known to the store (from any source), or NULL. */
const char *etl_schemas_provider_name(etl_schemas *s, const etl_guid *provider);

/* ---- loaders ---------------------------------------------------------------- */

/* lib/manifest.c: parse one manifest document (any variant of decoding.md
 * §4.7) and register every provider/event in it with the given source
 * (ETL_SRC_MANIFEST or ETL_SRC_EVENTSOURCE).  `name` is used in messages. */
etl_status etl_manifest_parse(etl_schemas *s, const char *xml, size_t len,
                              const char *name, int source, char *err, size_t errsz);

/* lib/tracelogging.c: build the schema of a TraceLogging event from its
 * PROV_TRAITS (may be NULL) and EVENT_SCHEMA_TL blobs.  The result is
 * allocated in `a`. */
etl_status etl_tlg_parse(etl_arena *a, const etl_guid *provider,
                         const uint8_t *traits, size_t traits_len,
                         const uint8_t *meta, size_t meta_len,
                         const etl_schema **out, char *err, size_t errsz);

/* lib/tei.c: KernelTraceControl EventMetadata payloads (decoding.md §8.1). */
etl_status etl_tei_add_event_info(etl_schemas *s, const uint8_t *p, size_t n,
                                  char *err, size_t errsz);
etl_status etl_tei_add_map_info(etl_schemas *s, const uint8_t *p, size_t n,
                                char *err, size_t errsz);

/* lib/kernel_schema.c: the built-in classic kernel / KernelTraceControl
 * table.  NULL when (class, opcode, version) is unknown; *fallback set when
 * another version of the same (class, opcode) was used. */
const etl_schema *etl_kernel_schema_find(const etl_guid *class_guid, uint8_t opcode,
                                         uint8_t version, bool *fallback);

/* lib/mof.c: parse a MOF text (classes with EventType qualifiers) and register
 * its event classes as ETL_SRC_MOF schemas. */
etl_status etl_mof_parse(etl_schemas *s, const char *text, size_t len,
                         const char *name, char *err, size_t errsz);

/* ---- additions for lib/schemas.c and lib/manifest.c ------------------------ */

/* Remembers a provider's display name without registering an event (a
 * manifest provider that declares no events still names its GUID).  The
 * same "later source wins" rule as etl_schemas_put applies.  name is copied. */
void etl_schemas_set_provider_name(etl_schemas *s, const etl_guid *provider,
                                   const char *name);

/* etl_schema.flags: the schema comes from a dumped "Windows Kernel" manifest
 * (decoding.md §4.7.5).  Those dumps are lossy (pointer-sized connid as
 * UInt32, WmiTime as Pointer, ...), so etl_schemas_find_mof prefers the
 * built-in kernel table, which corrects them, for the same key. */
enum { ETL_SF_DUMPED = 0x02 };

/* etl_manifest_parse: on ETL_OK, err may still hold a warning (events that
 * were skipped, a repaired document); err[0] == 0 when there was none. */

/* Test accessor: manifest files read from disk and parsed so far (explicit
 * adds plus lazily loaded directory files). */
unsigned etl_schemas_files_parsed(const etl_schemas *s);

/* ---- additions for lib/tei.c and lib/eventsource.c ------------------------- */

/* lib/schemas.c: a pointer-sized slot in the store that belongs to lib/tei.c
 * (NULL until tei.c hangs its map table there).  etl_schemas_free() calls
 * etl_tei_free(*slot) before releasing the arena. */
void **etl_schemas_tei_slot(etl_schemas *s);

/* lib/tei.c: frees the state kept in etl_schemas_tei_slot(); NULL is fine. */
void etl_tei_free(void *state);

/* lib/tei.c: value maps by (provider, map name), for schemas whose properties
 * name their map (EventMetadata).  The map must live in etl_schemas_arena(s);
 * a later map of the same key replaces the earlier one, also in properties
 * already registered, and properties registered before their map get it when
 * it arrives. */
etl_status etl_schemas_put_map(etl_schemas *s, const etl_guid *provider,
                               const etl_map *map);
const etl_map *etl_schemas_find_map(etl_schemas *s, const etl_guid *provider,
                                    const char *name);

/* lib/eventsource.c: reassembly of the manifests that manifest-based .NET
 * EventSources write into the trace (event 0xFFFE, decoding.md §7.2).  Feed
 * the payload of every such event; complete manifests are parsed with
 * etl_manifest_parse(ETL_SRC_EVENTSOURCE) into s, identical ones once.
 * Returns ETL_OK when the chunk was taken (complete or not), ETL_ERR_CORRUPT
 * when a chunk or a stream was dropped (message in err), or the manifest
 * parser's status. */
typedef struct etl_eventsource etl_eventsource;
etl_eventsource *etl_eventsource_new(void);
void etl_eventsource_free(etl_eventsource *es);
etl_status etl_eventsource_feed(etl_eventsource *es, etl_schemas *s,
                                const etl_guid *provider, uint32_t pid, uint32_t tid,
                                const uint8_t *payload, size_t n,
                                char *err, size_t errsz);

/* ---- iteration (lib/schemas.c, lib/kernel_schema.c) ---------------------------- */

/* Calls fn for every schema the store holds (parsing every lazily indexed
 * manifest first) and, when builtin, every built-in kernel schema the store
 * does not override; stops at the first non-zero return and returns it. */
typedef int (*etl_schema_visit_fn)(void *ctx, const etl_schema *sc);
int etl_schemas_visit(etl_schemas *s, bool builtin, etl_schema_visit_fn fn, void *ctx);

/* The i-th entry of the built-in kernel table; NULL past the end. */
const etl_schema *etl_kernel_schema_at(size_t i);

#endif /* ETLKIT_SCHEMA_H */
