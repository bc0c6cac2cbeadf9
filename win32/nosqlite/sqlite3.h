/*
 * sqlite3.h - stand-in for builds without SQLite (Windows builds, where no
 * SQLite for the target is at hand: see README.md "On Windows").
 *
 * It declares the part of the SQLite API that lib/sink_sqlite.c uses, with
 * functions that fail: opening a database reports "etlkit was built without
 * SQLite", so `etlkit convert -f sqlite` fails with that message while the
 * rest of etlkit (and `convert -f csv.gz`) works.  configure puts this
 * directory on the include path only when it found no SQLite for the host.
 */
#ifndef ETLKIT_NOSQLITE_H
#define ETLKIT_NOSQLITE_H

#include <stdlib.h>

#define ETLKIT_NO_SQLITE 1
#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_CANTOPEN 14
#define SQLITE_ROW 100
#define SQLITE_DONE 101
#define SQLITE_NULL 5
#define SQLITE_OPEN_READONLY 0x00000001
#define SQLITE_OPEN_READWRITE 0x00000002
#define SQLITE_OPEN_CREATE 0x00000004
#define SQLITE_OPEN_NOMUTEX 0x00008000
#define SQLITE_PREPARE_PERSISTENT 0x01

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef long long sqlite3_int64;
typedef void (*sqlite3_destructor_type)(void *);
#define SQLITE_STATIC ((sqlite3_destructor_type)0)
#define SQLITE_TRANSIENT ((sqlite3_destructor_type)-1)

static inline int sqlite3_open_v2(const char *f, sqlite3 **db, int fl, const char *vfs)
{
	(void)f; (void)fl; (void)vfs;
	*db = NULL;
	return SQLITE_CANTOPEN;
}
static inline const char *sqlite3_errmsg(sqlite3 *db)
{
	(void)db;
	return "etlkit was built without SQLite";
}
static inline int sqlite3_close(sqlite3 *db) { (void)db; return SQLITE_OK; }
static inline int sqlite3_busy_timeout(sqlite3 *db, int ms) { (void)db; (void)ms; return SQLITE_ERROR; }
static inline int sqlite3_extended_result_codes(sqlite3 *db, int on) { (void)db; (void)on; return SQLITE_ERROR; }
static inline int sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
                               void *arg, char **err)
{
	(void)db; (void)sql; (void)cb; (void)arg;
	if (err)
		*err = NULL;
	return SQLITE_ERROR;
}
static inline int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
                                     const char **tail)
{
	(void)db; (void)sql; (void)n; (void)tail;
	*st = NULL;
	return SQLITE_ERROR;
}
static inline int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned flags,
                                     sqlite3_stmt **st, const char **tail)
{
	(void)flags;
	return sqlite3_prepare_v2(db, sql, n, st, tail);
}
static inline int sqlite3_step(sqlite3_stmt *st) { (void)st; return SQLITE_ERROR; }
static inline int sqlite3_reset(sqlite3_stmt *st) { (void)st; return SQLITE_OK; }
static inline int sqlite3_finalize(sqlite3_stmt *st) { (void)st; return SQLITE_OK; }
static inline int sqlite3_bind_null(sqlite3_stmt *st, int i) { (void)st; (void)i; return SQLITE_ERROR; }
static inline int sqlite3_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
	(void)st; (void)i; (void)v;
	return SQLITE_ERROR;
}
static inline int sqlite3_bind_double(sqlite3_stmt *st, int i, double v)
{
	(void)st; (void)i; (void)v;
	return SQLITE_ERROR;
}
static inline int sqlite3_bind_text(sqlite3_stmt *st, int i, const char *v, int n,
                                    sqlite3_destructor_type d)
{
	(void)st; (void)i; (void)v; (void)n; (void)d;
	return SQLITE_ERROR;
}
static inline int sqlite3_bind_blob(sqlite3_stmt *st, int i, const void *v, int n,
                                    sqlite3_destructor_type d)
{
	(void)st; (void)i; (void)v; (void)n; (void)d;
	return SQLITE_ERROR;
}
static inline int sqlite3_column_count(sqlite3_stmt *st) { (void)st; return 0; }
static inline int sqlite3_column_type(sqlite3_stmt *st, int i) { (void)st; (void)i; return SQLITE_NULL; }
static inline int sqlite3_column_int(sqlite3_stmt *st, int i) { (void)st; (void)i; return 0; }
static inline sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *st, int i) { (void)st; (void)i; return 0; }
static inline const unsigned char *sqlite3_column_text(sqlite3_stmt *st, int i)
{
	(void)st; (void)i;
	return NULL;
}
static inline const char *sqlite3_column_name(sqlite3_stmt *st, int i) { (void)st; (void)i; return ""; }
static inline char *sqlite3_mprintf(const char *fmt, ...) { (void)fmt; return NULL; }
static inline void sqlite3_free(void *p) { free(p); }

#endif
