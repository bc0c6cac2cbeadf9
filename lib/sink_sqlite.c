/*
 * sink_sqlite.c - the SQLite table sink of `etlkit convert` (DESIGN.md §6).
 *
 * Two ways of writing, chosen by whether the output exists:
 *
 *  - A new database is built in a temporary file next to it ("OUT.db.tmp-
 *    XXXXXX") with journal_mode=MEMORY and synchronous=OFF, and renamed into
 *    place after the last commit, the indexes, a clean close and an fsync.
 *    The rename is what makes it atomic: a killed run leaves no OUT.db (or
 *    the old one), only the temporary file.  The in-memory journal still
 *    lets a trace that fails half-way be rolled back; it holds only the few
 *    pre-existing pages a trace touches, because pages appended past the
 *    file's end at the start of a transaction are never journaled.
 *    Indexes are built once, after all rows (much faster than maintaining
 *    them row by row).
 *
 *  - An existing etlkit database is appended to in place, each trace in
 *    one transaction through SQLite's own journal (the database's journal
 *    mode, synchronous left as it is): copying the file to rename it back
 *    would cost O(size of the database) for every run, while a rollback
 *    journal of an append holds only the handful of pages the trace
 *    modifies.  A kill at any moment leaves the database as it was before
 *    the trace's transaction.  Its indexes already exist and are kept up to
 *    date row by row.
 *
 * Speed: one cached prepared statement per table, values bound straight
 * from the cells (text and blobs SQLITE_STATIC: they live until the step),
 * and one transaction per trace.
 */
#define ETLKIT_INTERNAL
#include "convert.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct etl_tsink {
	sqlite3 *db;
	char *path;           /* final name */
	char *tmp;            /* temporary file of a new database, else NULL */
	bool in_txn;
	bool append;
	etl_table **tables;   /* every table with a prepared statement */
	size_t ntables, cap_tables;
	etl_strbuf sql;
	char err[1024];
};

static const char *sq_errmsg(const etl_tsink *s) { return s->err; }

static etl_status fail(etl_tsink *s, const char *what)
{
	etl_msg(s->err, sizeof s->err, "%s: %s: %s", s->path, what,
	        s->db ? sqlite3_errmsg(s->db) : "cannot open");
	return ETL_ERR_IO;
}

static etl_status exec(etl_tsink *s, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		etl_msg(s->err, sizeof s->err, "%s: %s: %s", s->path, what, msg ? msg : "failed");
		sqlite3_free(msg);
		return ETL_ERR_IO;
	}
	return ETL_OK;
}

int etl_tmp_create(const char *path, bool dir, char *out, size_t outsz)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec ^
	             (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)out;
	for (int attempt = 0; attempt < 100; attempt++) {
		char suffix[7];
		for (int i = 0; i < 6; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			suffix[i] = chars[(x >> 33) % 36];
		}
		suffix[6] = 0;
		if ((size_t)snprintf(out, outsz, "%s.tmp-%s", path, suffix) >= outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (dir) {
			if (mkdir(out, 0777) == 0)
				return 0;
		} else {
			int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
			if (fd >= 0) {
				close(fd);
				return 0;
			}
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int etl_fsync_dir_of(const char *path)
{
	char dir[4096];
	etl_msg(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		etl_msg(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* ---- reading an existing database -------------------------------------------------- */

static etl_status query_each(etl_tsink *s, const char *sql, const char *what,
                             bool (*fn)(etl_tsink *s, sqlite3_stmt *st, etl_preload *pre),
                             etl_preload *pre)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, what);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!fn(s, st, pre)) {
			sqlite3_finalize(st);
			etl_msg(s->err, sizeof s->err, "%s: out of memory", s->path);
			return ETL_ERR_NOMEM;
		}
	}
	if (rc != SQLITE_DONE) {
		etl_status e = fail(s, what);
		sqlite3_finalize(st);
		return e;
	}
	sqlite3_finalize(st);
	return ETL_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static bool on_trace(etl_tsink *s, sqlite3_stmt *st, etl_preload *pre)
{
	return pre->trace(pre->ctx, col_text(st, 0));
}

static bool on_provider(etl_tsink *s, sqlite3_stmt *st, etl_preload *pre)
{
	return pre->provider(pre->ctx, sqlite3_column_int64(st, 0), col_text(st, 1));
}

static bool on_type(etl_tsink *s, sqlite3_stmt *st, etl_preload *pre)
{
	const char *table = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : col_text(st, 2);
	return pre->type(pre->ctx, sqlite3_column_int64(st, 0), col_text(st, 1), table);
}

static bool on_name(etl_tsink *s, sqlite3_stmt *st, etl_preload *pre)
{
	return pre->name(pre->ctx, col_text(st, 0));
}

static etl_status max_id(etl_tsink *s, const char *sql, int64_t *next)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "reading the database");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*next = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(s, "reading the database");
	return ETL_OK;
}

static etl_status load_existing(etl_tsink *s, etl_preload *pre)
{
	sqlite3_stmt *st = NULL;
	/* an etlkit database has a meta table with our schema version */
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
	                       &st, NULL) != SQLITE_OK) {
		etl_msg(s->err, sizeof s->err,
		        "%s: not an etlkit database (%s); give a new file name", s->path,
		        sqlite3_errmsg(s->db));
		return ETL_ERR_FORMAT;
	}
	int rc = sqlite3_step(st);
	char ver[32] = "";
	if (rc == SQLITE_ROW)
		etl_msg(ver, sizeof ver, "%s", col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW || strcmp(ver, ETL_LAYOUT_SCHEMA_VERSION) != 0) {
		etl_msg(s->err, sizeof s->err,
		        "%s: etlkit database schema version '%s', this etlkit writes version %s",
		        s->path, ver, ETL_LAYOUT_SCHEMA_VERSION);
		return ETL_ERR_FORMAT;
	}
	etl_status e;
	if ((e = query_each(s, "SELECT sha256 FROM traces", "reading traces", on_trace, pre)) ||
	    (e = query_each(s, "SELECT id, guid FROM providers", "reading providers", on_provider, pre)) ||
	    (e = query_each(s, "SELECT id, type_key, table_name FROM event_types",
	                    "reading event_types", on_type, pre)) ||
	    (e = query_each(s, "SELECT name FROM sqlite_master", "reading the schema", on_name, pre)) ||
	    (e = max_id(s, "SELECT coalesce(max(id), 0) FROM events", &pre->next_event)) ||
	    (e = max_id(s, "SELECT coalesce(max(id), 0) FROM traces", &pre->next_trace)) ||
	    (e = max_id(s, "SELECT coalesce(max(id), 0) FROM event_types", &pre->next_type)) ||
	    (e = max_id(s, "SELECT coalesce(max(id), 0) FROM providers", &pre->next_provider)) ||
	    (e = max_id(s, "SELECT coalesce(max(id), 0) FROM import_errors", &pre->next_error)))
		return e;
	return ETL_OK;
}

/* ---- creating ----------------------------------------------------------------------- */

static etl_status create_fixed(etl_tsink *s)
{
	etl_strbuf *b = &s->sql;
	b->len = 0;
	etl_strbuf_puts(b, "BEGIN;\n");
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
		etl_layout_sql_create(b, etl_layout_fixed(i));
		etl_strbuf_puts(b, ";\n");
	}
	etl_layout_sql_events_view(b);
	etl_strbuf_puts(b, ";\n");
	etl_layout_sql_frames_view(b);
	etl_strbuf_puts(b, ";\nCOMMIT;\n");
	if (b->failed) {
		etl_msg(s->err, sizeof s->err, "%s: out of memory", s->path);
		return ETL_ERR_NOMEM;
	}
	return exec(s, b->p, "creating the tables");
}

static etl_status create_indexes(etl_tsink *s)
{
	etl_strbuf *b = &s->sql;
	b->len = 0;
	etl_layout_sql_indexes(b);
	if (b->failed) {
		etl_msg(s->err, sizeof s->err, "%s: out of memory", s->path);
		return ETL_ERR_NOMEM;
	}
	return exec(s, b->p, "creating the indexes");
}

static etl_status sq_open(etl_tsink **out, const char *path, const etl_writer_options *o,
                          etl_preload *pre, char *err, size_t errsz)
{
	etl_tsink *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		etl_msg(err, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	struct stat sb;
	s->append = stat(path, &sb) == 0 && sb.st_size > 0;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		etl_msg(err, errsz, "%s: not a regular file", path);
		free(s->path);
		free(s);
		return ETL_ERR_ARG;
	}
	etl_status st = ETL_OK;
	if (s->append) {
		if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK) {
			st = fail(s, "cannot open the database");
			goto bad;
		}
		sqlite3_extended_result_codes(s->db, 1);
		/* another writer: wait for it rather than fail at once */
		sqlite3_busy_timeout(s->db, 10000);
		if ((st = exec(s, "PRAGMA cache_size = -16384; PRAGMA foreign_keys = OFF;",
		               "setting it up")) != ETL_OK)
			goto bad;
		if ((st = load_existing(s, pre)) != ETL_OK)
			goto bad;
		pre->fresh = false;
	} else {
		char tmpl[4096];
		if (etl_tmp_create(path, false, tmpl, sizeof tmpl) != 0) {
			etl_msg(err, errsz, "%s: cannot create a temporary file next to it: %s", path,
			        strerror(errno));
			free(s->path);
			free(s);
			return ETL_ERR_IO;
		}
		if (!(s->tmp = strdup(tmpl))) {
			unlink(tmpl);
			st = ETL_ERR_NOMEM;
			etl_msg(s->err, sizeof s->err, "out of memory");
			goto bad;
		}
		if (sqlite3_open_v2(s->tmp, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK) {
			st = fail(s, "cannot create the database");
			goto bad;
		}
		sqlite3_extended_result_codes(s->db, 1);
		/* the temporary file needs no crash safety (the rename gives it),
		 * only the ability to roll back a trace that fails */
		if ((st = exec(s,
		               "PRAGMA page_size = 16384; PRAGMA journal_mode = MEMORY;"
		               " PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;"
		               " PRAGMA cache_size = -16384; PRAGMA foreign_keys = OFF;",
		               "setting it up")) != ETL_OK)
			goto bad;
		if ((st = create_fixed(s)) != ETL_OK)
			goto bad;
		pre->fresh = true;
		pre->next_event = pre->next_trace = pre->next_type = pre->next_provider =
			pre->next_error = 1;
		for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
			const etl_table *t = etl_layout_fixed(i);
			if (!pre->name(pre->ctx, t->name))
				goto nomem;
			for (const char *const *ix = t->indexes; *ix; ix++) {
				char nm[128];
				etl_msg(nm, sizeof nm, "%.*s", (int)(strchr(*ix, '(') - *ix), *ix);
				if (!pre->name(pre->ctx, nm))
					goto nomem;
			}
		}
		if (!pre->name(pre->ctx, "events_view") || !pre->name(pre->ctx, "stack_frames"))
			goto nomem;
	}
	(void)o;
	*out = s;
	return ETL_OK;
nomem:
	st = ETL_ERR_NOMEM;
	etl_msg(s->err, sizeof s->err, "out of memory");
bad:
	etl_msg(err, errsz, "%s", s->err);
	sqlite3_close(s->db);
	if (s->tmp)
		unlink(s->tmp);
	etl_strbuf_free(&s->sql);
	free(s->tmp);
	free(s->path);
	free(s);
	return st;
}

static etl_status sq_declare(etl_tsink *s, etl_table *t)
{
	(void)s;
	(void)t;
	return ETL_OK;
}

static etl_status sq_begin(etl_tsink *s)
{
	etl_status st = exec(s, s->append ? "BEGIN IMMEDIATE" : "BEGIN", "starting a transaction");
	if (st == ETL_OK)
		s->in_txn = true;
	return st;
}

static bool remember(etl_tsink *s, etl_table *t)
{
	if (s->ntables == s->cap_tables) {
		size_t cap = s->cap_tables ? 2 * s->cap_tables : 64;
		etl_table **n = realloc(s->tables, cap * sizeof(*n));
		if (!n)
			return false;
		s->tables = n;
		s->cap_tables = cap;
	}
	s->tables[s->ntables++] = t;
	return true;
}

static etl_status prepare_insert(etl_tsink *s, etl_table *t)
{
	etl_strbuf *b = &s->sql;
	b->len = 0;
	etl_strbuf_puts(b, "INSERT INTO ");
	etl_layout_sql_ident(b, t->name);
	etl_strbuf_puts(b, " VALUES (");
	for (size_t i = 0; i < t->ncols; i++)
		etl_strbuf_puts(b, i ? ",?" : "?");
	etl_strbuf_putc(b, ')');
	if (b->failed)
		return ETL_ERR_NOMEM;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, b->p, (int)b->len, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		char what[128];
		etl_msg(what, sizeof what, "cannot prepare an insert into %s", t->name);
		return fail(s, what);
	}
	if (t->priv) {
		sqlite3_finalize(t->priv);
	} else if (!remember(s, t)) {
		sqlite3_finalize(st);
		etl_msg(s->err, sizeof s->err, "out of memory");
		return ETL_ERR_NOMEM;
	}
	t->priv = st;
	return ETL_OK;
}

static etl_status sq_create(etl_tsink *s, etl_table *t)
{
	etl_strbuf *b = &s->sql;
	b->len = 0;
	etl_layout_sql_create(b, t);
	etl_strbuf_puts(b, ";\n");
	etl_layout_sql_typed_view(b, t);
	if (b->failed) {
		etl_msg(s->err, sizeof s->err, "out of memory");
		return ETL_ERR_NOMEM;
	}
	char what[128];
	etl_msg(what, sizeof what, "cannot create table %s", t->name);
	etl_status st = exec(s, b->p, what);
	if (st != ETL_OK)
		return st;
	/* a table created again after a rollback needs a fresh statement */
	return prepare_insert(s, t);
}

static etl_status sq_row(etl_tsink *s, etl_table *t, const etl_cell *c)
{
	if (!t->priv) {
		etl_status st = prepare_insert(s, t);
		if (st != ETL_OK)
			return st;
	}
	sqlite3_stmt *st = t->priv;
	int rc = SQLITE_OK;
	for (size_t i = 0; i < t->ncols && rc == SQLITE_OK; i++) {
		int k = (int)i + 1;
		switch (c[i].kind) {
		case ETL_CELL_NULL: rc = sqlite3_bind_null(st, k); break;
		case ETL_CELL_INT: rc = sqlite3_bind_int64(st, k, c[i].v.i); break;
		case ETL_CELL_REAL: rc = sqlite3_bind_double(st, k, c[i].v.r); break;
		case ETL_CELL_TEXT:
			rc = sqlite3_bind_text(st, k, c[i].v.s, (int)c[i].len, SQLITE_STATIC);
			break;
		case ETL_CELL_BLOB:
			rc = sqlite3_bind_blob(st, k, c[i].v.b, (int)c[i].len, SQLITE_STATIC);
			break;
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		char what[128];
		etl_msg(what, sizeof what, "cannot insert into %s", t->name);
		return fail(s, what);
	}
	return ETL_OK;
}

static etl_status sq_commit(etl_tsink *s)
{
	s->in_txn = false;
	return exec(s, "COMMIT", "commit failed");
}

static etl_status sq_rollback(etl_tsink *s)
{
	s->in_txn = false;
	return exec(s, "ROLLBACK", "rollback failed");
}

static void finalize_all(etl_tsink *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		sqlite3_finalize(s->tables[i]->priv);
		s->tables[i]->priv = NULL;
	}
	s->ntables = 0;
}

static etl_status sq_close(etl_tsink *s, bool commit, char *err, size_t errsz)
{
	etl_status st = ETL_OK;
	if (s->in_txn) {
		if (commit)
			st = sq_commit(s);
		else
			sq_rollback(s);
	}
	if (commit && st == ETL_OK && !s->append)
		st = create_indexes(s);
	finalize_all(s);
	if (sqlite3_close(s->db) != SQLITE_OK && st == ETL_OK)
		st = fail(s, "closing the database failed");
	s->db = NULL;
	if (s->tmp) {
		if (commit && st == ETL_OK) {
			/* the data must be on disk before the name points at it */
			int fd = open(s->tmp, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) != 0) {
				etl_msg(s->err, sizeof s->err, "%s: fsync failed: %s", s->tmp, strerror(errno));
				st = ETL_ERR_IO;
			}
			if (fd >= 0)
				close(fd);
			struct stat sb;
			if (st == ETL_OK && stat(s->path, &sb) == 0 && sb.st_size > 0) {
				etl_msg(s->err, sizeof s->err,
				        "%s: appeared while converting; the result is left in %s", s->path, s->tmp);
				st = ETL_ERR_IO;
				free(s->tmp);
				s->tmp = NULL;
			} else if (st == ETL_OK && rename(s->tmp, s->path) != 0) {
				etl_msg(s->err, sizeof s->err, "%s: cannot rename %s into place: %s", s->path,
				        s->tmp, strerror(errno));
				st = ETL_ERR_IO;
			} else if (st == ETL_OK) {
				etl_fsync_dir_of(s->path);
				free(s->tmp);
				s->tmp = NULL;
			}
		}
		if (s->tmp)
			unlink(s->tmp);
	}
	if (st != ETL_OK)
		etl_msg(err, errsz, "%s", s->err);
	free(s->tmp);
	free(s->tables);
	etl_strbuf_free(&s->sql);
	free(s->path);
	free(s);
	return st;
}

const etl_tsink_vtable etl_tsink_sqlite = {
	"sqlite", true, sq_open, sq_declare, sq_begin, sq_create, sq_row, sq_commit, sq_rollback, sq_close,
	sq_errmsg
};
