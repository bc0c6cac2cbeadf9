/*
 * convert.h - the insides of `etlkit convert` (private): SHA-256, and the
 * interface between the driver (convert.c) and the table sinks
 * (sink_sqlite.c, sink_csv.c).
 *
 * The driver decides everything about content: which rows go into which
 * table, with which values (as typed cells, layout.h).  A table sink only
 * stores rows: it creates tables, inserts cells, and makes a trace's rows
 * durable (commit) or, when it can, forgets them (rollback).
 */
#ifndef ETLKIT_CONVERT_H
#define ETLKIT_CONVERT_H

#ifndef ETLKIT_INTERNAL
#error "convert.h is private to libetlkit"
#endif

#include "layout.h"

/* ---- SHA-256 (sha256.c) ----------------------------------------------------------- */

typedef struct etl_sha256 {
	uint32_t h[8];
	uint64_t total;
	uint8_t buf[64];
	size_t fill;
	int portable;   /* 1: never use the CPU's SHA extensions (tests set it) */
} etl_sha256;

void etl_sha256_init(etl_sha256 *c);
void etl_sha256_update(etl_sha256 *c, const void *p, size_t n);
void etl_sha256_final(etl_sha256 *c, uint8_t out[32]);
void etl_sha256_buf(const void *p, size_t n, uint8_t out[32]);
void etl_sha256_hex(const uint8_t digest[32], char out[65]);
/* Whether this CPU runs the SHA-extension code path. */
bool etl_sha256_accelerated(void);
/* Hash of a whole file, read in 1 MiB pieces; *size gets its length. */
etl_status etl_sha256_file(const char *path, uint8_t out[32], uint64_t *size,
                           char *err, size_t errsz);

/* ---- table sinks -------------------------------------------------------------------- */

typedef struct etl_tsink etl_tsink;

/* What an existing output already holds (SQLite appends); the sink reports
 * it through these callbacks from open().  Each returns false on allocation
 * failure. */
typedef struct etl_preload {
	void *ctx;
	bool (*trace)(void *ctx, const char *sha256);
	bool (*provider)(void *ctx, int64_t id, const char *guid);
	bool (*type)(void *ctx, int64_t id, const char *type_key, const char *table_name);
	bool (*name)(void *ctx, const char *name);  /* a table, view or index name */
	bool fresh;  /* set by open: a new, empty output */
	/* next free ids */
	int64_t next_event, next_trace, next_type, next_provider, next_error;
} etl_preload;

typedef struct etl_tsink_vtable {
	const char *format;
	bool can_rollback;
	/* o->flags, o->jobs, o->level apply; errors go to err. */
	etl_status (*open)(etl_tsink **out, const char *path, const struct etl_writer_options *o,
	                   etl_preload *pre, char *err, size_t errsz);
	/* A fixed table (layout.h) the writer will use: it exists already in a
	 * database; a CSV directory gets its file even when it stays empty. */
	etl_status (*declare)(etl_tsink *s, etl_table *t);
	/* Starts the rows of one trace. */
	etl_status (*begin)(etl_tsink *s);
	/* A new typed table (and its view).  t stays valid until close. */
	etl_status (*create)(etl_tsink *s, etl_table *t);
	/* One row: t->ncols cells. */
	etl_status (*row)(etl_tsink *s, etl_table *t, const etl_cell *cells);
	etl_status (*commit)(etl_tsink *s);
	etl_status (*rollback)(etl_tsink *s);
	/* Finishes (commit true: indexes, final files, rename into place) or
	 * discards the output, and frees the sink; a failure's message goes to
	 * err. */
	etl_status (*close)(etl_tsink *s, bool commit, char *err, size_t errsz);
	const char *(*errmsg)(const etl_tsink *s);
} etl_tsink_vtable;

extern const etl_tsink_vtable etl_tsink_sqlite;
extern const etl_tsink_vtable etl_tsink_csvgz;

/* Shared by the sinks: creates a new file (dir false) or directory next to
 * `path` named "path.tmp-XXXXXX", with the mode the umask gives (mkstemp and
 * mkdtemp would make it private); its name goes to out.  -1 with errno on
 * failure.  etl_fsync_dir_of syncs the directory that holds path. */
int etl_tmp_create(const char *path, bool dir, char *out, size_t outsz);
int etl_fsync_dir_of(const char *path);

#endif /* ETLKIT_CONVERT_H */
