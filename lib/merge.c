/*
 * merge.c - `etlkit merge`: etlkit SQLite databases (the shards of
 * `etlkit convert --shard`, or any databases etlkit wrote) combined into one
 * (etl_merge_databases, DESIGN.md §6 for the tables).
 *
 * Every input is checked first (an etlkit database of this schema version,
 * its fixed tables as this etlkit lays them out), so a wrong file stops the
 * merge before anything is written.  Each input is then ATTACHed to the
 * output and copied with INSERT ... SELECT, so rows never pass through C:
 *
 *   traces      those whose sha256 the output lacks, renumbered after the
 *               output's last trace in their order (temp.m_trace);
 *   events      ids moved by one offset (past the output's last event), so
 *               every event_rowid (typed tables, stacks, start_event ...)
 *               moves by the same offset and stays in step;
 *   providers   by GUID, event_types by type key (temp.m_type maps ids);
 *   typed       a type new to the output gets its table by the writer's
 *   tables      rules: the input's name when free or holding the same
 *               layout, else <name>_v<version>, <name>_v<version>_2 ...;
 *               tables and views are created from typed_columns with the
 *               layout's own CREATE statements, never from the input's SQL
 *               (the input is untrusted);
 *   import_errors  those of the copied traces, and file-level ones the
 *               output does not hold yet.
 *
 * Merging shards in the order convert took the traces gives the ids a
 * direct conversion gives; merging twice adds nothing.  A new output is
 * built under a temporary name and renamed into place (indexes built once,
 * at the end); an existing one takes each input in one transaction.
 */
#define ETLKIT_INTERNAL
#include "convert.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ETLKIT_NO_SQLITE

#define MAX_TYPED_COLS 4096

struct merge {
	sqlite3 *db;
	const char *out;          /* the output's name, for messages */
	const char *in;           /* the input being merged, or NULL */
	char *err;
	size_t errsz;
	etl_strbuf sql;
};

static const char *where(const struct merge *m)
{
	return m->in ? m->in : m->out;
}

static etl_status mfail(struct merge *m, const char *what)
{
	etl_msg(m->err, m->errsz, "%s: %s: %s", where(m), what, sqlite3_errmsg(m->db));
	return ETL_ERR_IO;
}

static etl_status mexec(struct merge *m, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		etl_msg(m->err, m->errsz, "%s: %s: %s", where(m), what, msg ? msg : "failed");
		sqlite3_free(msg);
		return ETL_ERR_IO;
	}
	return ETL_OK;
}

/* Runs the statement in m->sql; false on failure (reported). */
static etl_status mexec_buf(struct merge *m, const char *what)
{
	if (m->sql.failed) {
		etl_msg(m->err, m->errsz, "%s: out of memory", where(m));
		return ETL_ERR_NOMEM;
	}
	return mexec(m, m->sql.p, what);
}

/* The integer the query gives (NULL: 0). */
static etl_status query_int(struct merge *m, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
		return mfail(m, "reading");
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ETL_OK : mfail(m, "reading");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* ---- checking an input --------------------------------------------------------------- */

/* Whether `schema` (main or src) of db is an etlkit database of this schema
 * version whose fixed tables have this etlkit's columns. */
static etl_status check_schema(sqlite3 *db, const char *schema, const char *path, char *err,
                               size_t errsz)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof sql, "SELECT value FROM %s.meta WHERE key = 'schema_version'", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		etl_msg(err, errsz, "%s: not an etlkit database (%s)", path, sqlite3_errmsg(db));
		return ETL_ERR_FORMAT;
	}
	int rc = sqlite3_step(st);
	char ver[32] = "";
	if (rc == SQLITE_ROW)
		etl_msg(ver, sizeof ver, "%s", col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		etl_msg(err, errsz, "%s: not an etlkit database (no schema version)", path);
		return ETL_ERR_FORMAT;
	}
	if (strcmp(ver, ETL_LAYOUT_SCHEMA_VERSION) != 0) {
		etl_msg(err, errsz, "%s: etlkit database schema version '%s', this etlkit merges version %s",
		        path, ver, ETL_LAYOUT_SCHEMA_VERSION);
		return ETL_ERR_FORMAT;
	}
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
		const etl_table *t = etl_layout_fixed(i);
		if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid", -1,
		                       &st, NULL) != SQLITE_OK) {
			etl_msg(err, errsz, "%s: %s", path, sqlite3_errmsg(db));
			return ETL_ERR_IO;
		}
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
		size_t c = 0;
		bool same = true;
		while (same && (rc = sqlite3_step(st)) == SQLITE_ROW)
			same = c < t->ncols && !strcmp(col_text(st, 0), t->cols[c++].name);
		sqlite3_finalize(st);
		if (!same || c != t->ncols) {
			etl_msg(err, errsz, "%s: not an etlkit database (table %s is missing or differs)",
			        path, t->name);
			return ETL_ERR_FORMAT;
		}
	}
	return ETL_OK;
}

static etl_status check_file(const char *path, char *err, size_t errsz)
{
	sqlite3 *db = NULL;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		etl_msg(err, errsz, "%s: %s", path, strerror(errno));
		return ETL_ERR_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		etl_msg(err, errsz, "%s: not a regular file", path);
		return ETL_ERR_ARG;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		etl_msg(err, errsz, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return ETL_ERR_IO;
	}
	etl_status st = check_schema(db, "main", path, err, errsz);
	sqlite3_close(db);
	return st;
}

/* ---- typed tables -------------------------------------------------------------------- */

struct typed {
	etl_table t;
	char **names, **props;
	size_t n;
};

static void typed_free(struct typed *ty)
{
	for (size_t i = 0; i < ty->n; i++) {
		free(ty->names[i]);
		free(ty->props[i]);
	}
	free(ty->names);
	free(ty->props);
	free(ty->t.cols);
	free(ty->t.name);
	memset(ty, 0, sizeof *ty);
}

static bool coltype_of(const char *name, etl_coltype *out)
{
	for (int t = ETL_COL_INT; t <= ETL_COL_BLOB; t++)
		if (!strcmp(etl_coltype_name((etl_coltype)t), name))
			return (*out = (etl_coltype)t), true;
	return false;
}

/* The input's typed table `name` as typed_columns describes it, checked
 * against the table itself. */
static etl_status typed_load(struct merge *m, const char *name, struct typed *ty)
{
	memset(ty, 0, sizeof *ty);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(m->db,
	                       "SELECT name, property, type, in_type, out_type FROM src.typed_columns"
	                       " WHERE table_name = ?1 ORDER BY position", -1, &st, NULL) != SQLITE_OK)
		return mfail(m, "reading typed_columns");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	size_t cap = 0;
	etl_status ret = ETL_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ty->n == MAX_TYPED_COLS) {
			etl_msg(m->err, m->errsz, "%s: table %s has too many columns", m->in, name);
			ret = ETL_ERR_LIMIT;
			break;
		}
		if (ty->n == cap) {
			cap = cap ? cap * 2 : 32;
			char **a = realloc(ty->names, cap * sizeof(*a));
			if (a)
				ty->names = a;
			char **b = realloc(ty->props, cap * sizeof(*b));
			if (b)
				ty->props = b;
			etl_column *c = realloc(ty->t.cols, cap * sizeof(*c));
			if (c)
				ty->t.cols = c;
			if (!a || !b || !c) {
				ret = ETL_ERR_NOMEM;
				break;
			}
		}
		etl_column *c = &ty->t.cols[ty->n];
		memset(c, 0, sizeof *c);
		ty->names[ty->n] = strdup(col_text(st, 0));
		ty->props[ty->n] = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL
		                                                              : strdup(col_text(st, 1));
		ty->n++;
		if (!ty->names[ty->n - 1]) {
			ret = ETL_ERR_NOMEM;
			break;
		}
		c->name = ty->names[ty->n - 1];
		c->property = ty->props[ty->n - 1];
		c->in_type = (uint16_t)sqlite3_column_int(st, 3);
		c->out_type = (uint16_t)sqlite3_column_int(st, 4);
		if (!coltype_of(col_text(st, 2), &c->type)) {
			etl_msg(m->err, m->errsz, "%s: table %s: unknown column type '%s'", m->in, name,
			        col_text(st, 2));
			ret = ETL_ERR_FORMAT;
			break;
		}
		if (ty->n == 1) {
			c->flags = ETL_COLF_PK | ETL_COLF_NOTNULL;
			if (strcmp(c->name, "event_rowid") != 0) {
				etl_msg(m->err, m->errsz, "%s: table %s does not start with event_rowid",
				        m->in, name);
				ret = ETL_ERR_FORMAT;
				break;
			}
		}
	}
	sqlite3_finalize(st);
	if (ret == ETL_OK && rc != SQLITE_DONE)
		return mfail(m, "reading typed_columns");
	if (ret == ETL_OK && ty->n == 0) {
		etl_msg(m->err, m->errsz, "%s: table %s is not in typed_columns", m->in, name);
		ret = ETL_ERR_FORMAT;
	}
	if (ret == ETL_OK) {
		/* the table itself must have exactly these columns */
		if (sqlite3_prepare_v2(m->db, "SELECT name FROM pragma_table_info(?1, 'src') ORDER BY cid",
		                       -1, &st, NULL) != SQLITE_OK)
			return mfail(m, "reading the schema");
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		size_t c = 0;
		bool same = true;
		while (same && sqlite3_step(st) == SQLITE_ROW)
			same = c < ty->n && !strcmp(col_text(st, 0), ty->names[c++]);
		sqlite3_finalize(st);
		if (!same || c != ty->n) {
			etl_msg(m->err, m->errsz, "%s: table %s does not match typed_columns", m->in, name);
			ret = ETL_ERR_FORMAT;
		}
	}
	ty->t.ncols = ty->n;
	ty->t.id = ETL_T_TYPED;
	if (ret == ETL_OK && !(ty->t.name = strdup(name)))
		ret = ETL_ERR_NOMEM;
	if (ret == ETL_ERR_NOMEM)
		etl_msg(m->err, m->errsz, "%s: out of memory", m->in);
	return ret;
}

/* Whether the output uses `name` (any object, case-insensitively); *sig gets
 * the layout signature (type key suffix) of the typed table of that name,
 * "" when it is no typed table. */
static etl_status name_in_out(struct merge *m, const char *name, bool *used, char *sig,
                              size_t sigsz)
{
	sqlite3_stmt *st;
	*used = false;
	sig[0] = 0;
	if (sqlite3_prepare_v2(m->db, "SELECT 1 FROM main.sqlite_master WHERE lower(name) = lower(?1)",
	                       -1, &st, NULL) != SQLITE_OK)
		return mfail(m, "reading the schema");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	*used = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!*used)
		return ETL_OK;
	if (sqlite3_prepare_v2(m->db, "SELECT type_key FROM main.event_types"
	                       " WHERE lower(table_name) = lower(?1) LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return mfail(m, "reading event_types");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = col_text(st, 0), *slash = strrchr(k, '/');
		etl_msg(sig, sigsz, "%s", slash ? slash + 1 : "");
	}
	sqlite3_finalize(st);
	return ETL_OK;
}

/* The output's table for a type new to it whose input table is `src` (layout
 * signature `sig`, event version `version`): found or created as the writer
 * names tables. */
static etl_status table_for(struct merge *m, const char *src, const char *sig, unsigned version,
                            char *out, size_t outsz)
{
	char cand[ETL_LAYOUT_NAME_MAX + 64], view[ETL_LAYOUT_NAME_MAX + 80], osig[64];
	for (unsigned k = 0; k < 100000; k++) {
		if (k == 0)
			etl_msg(cand, sizeof cand, "%s", src);
		else if (k == 1)
			etl_msg(cand, sizeof cand, "%s_v%u", src, version);
		else
			etl_msg(cand, sizeof cand, "%s_v%u_%u", src, version, k);
		bool used, vused;
		etl_status st = name_in_out(m, cand, &used, osig, sizeof osig);
		if (st != ETL_OK)
			return st;
		if (used) {
			if (osig[0] && !strcasecmp(osig, sig)) {
				etl_msg(out, outsz, "%s", cand);
				return ETL_OK;
			}
			continue;
		}
		etl_msg(view, sizeof view, "%s_view", cand);
		if ((st = name_in_out(m, view, &vused, osig, sizeof osig)) != ETL_OK)
			return st;
		if (vused)
			continue;
		struct typed ty;
		if ((st = typed_load(m, src, &ty)) != ETL_OK) {
			typed_free(&ty);
			return st;
		}
		free(ty.t.name);
		ty.t.name = strdup(cand);
		m->sql.len = 0;
		if (ty.t.name) {
			etl_layout_sql_create(&m->sql, &ty.t);
			etl_strbuf_puts(&m->sql, ";\n");
			etl_layout_sql_typed_view(&m->sql, &ty.t);
			etl_strbuf_puts(&m->sql, ";\n");
		} else {
			m->sql.failed = true;
		}
		typed_free(&ty);
		if ((st = mexec_buf(m, "creating a typed table")) != ETL_OK)
			return st;
		sqlite3_stmt *ins;
		if (sqlite3_prepare_v2(m->db,
		                       "INSERT INTO main.typed_columns SELECT ?1, position, name, property,"
		                       " type, sql_type, in_type, out_type FROM src.typed_columns"
		                       " WHERE table_name = ?2 ORDER BY position", -1, &ins, NULL) != SQLITE_OK)
			return mfail(m, "copying typed_columns");
		sqlite3_bind_text(ins, 1, cand, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, src, -1, SQLITE_STATIC);
		int rc = sqlite3_step(ins);
		sqlite3_finalize(ins);
		if (rc != SQLITE_DONE)
			return mfail(m, "copying typed_columns");
		etl_msg(out, outsz, "%s", cand);
		return ETL_OK;
	}
	etl_msg(m->err, m->errsz, "%s: no free name for table %s", m->in, src);
	return ETL_ERR_LIMIT;
}

/* Adds the input's event types the output lacks, in the input's order. */
static etl_status merge_types(struct merge *m)
{
	sqlite3_stmt *sel, *ins;
	if (sqlite3_prepare_v2(m->db,
	                       "SELECT s.id, s.table_name, s.type_key, s.version FROM src.event_types s"
	                       " WHERE s.type_key NOT IN (SELECT type_key FROM main.event_types)"
	                       " ORDER BY s.id", -1, &sel, NULL) != SQLITE_OK)
		return mfail(m, "reading event_types");
	if (sqlite3_prepare_v2(m->db,
	                       "INSERT INTO main.event_types SELECT NULL,"
	                       " (SELECT mp.id FROM main.providers mp JOIN src.providers sp"
	                       "  ON sp.guid = mp.guid WHERE sp.id = s.provider_id),"
	                       " provider, event_id, version, channel, level, opcode, task, keywords,"
	                       " event_name, task_name, opcode_name, level_name, channel_name,"
	                       " keywords_name, message, schema, ?2, type_key"
	                       " FROM src.event_types s WHERE s.id = ?1", -1, &ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return mfail(m, "adding event_types");
	}
	etl_status ret = ETL_OK;
	int rc;
	while (ret == ETL_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		char table[ETL_LAYOUT_NAME_MAX + 64];
		bool has_table = sqlite3_column_type(sel, 1) != SQLITE_NULL;
		if (has_table) {
			const char *k = col_text(sel, 2), *slash = strrchr(k, '/');
			char src[ETL_LAYOUT_NAME_MAX + 64];
			etl_msg(src, sizeof src, "%s", col_text(sel, 1));
			ret = table_for(m, src, slash ? slash + 1 : "", (unsigned)sqlite3_column_int(sel, 3),
			                table, sizeof table);
			if (ret != ETL_OK)
				break;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
		if (has_table)
			sqlite3_bind_text(ins, 2, table, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 2);
		if (sqlite3_step(ins) != SQLITE_DONE)
			ret = mfail(m, "adding event_types");
	}
	if (ret == ETL_OK && rc != SQLITE_DONE)
		ret = mfail(m, "reading event_types");
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* Copies the rows of every typed table of the input: each table into the
 * output's table of its types.  With every trace of the input new and one
 * output table per input table, a plain copy; else only the rows of the
 * copied traces' events of those types. */
static etl_status merge_typed_rows(struct merge *m, int64_t eoff, bool all)
{
	sqlite3_stmt *sel;
	if (sqlite3_prepare_v2(m->db,
	                       "SELECT src_table, dst_table, (SELECT count(DISTINCT dst_table) FROM"
	                       " temp.m_type y2 WHERE y2.src_table = y.src_table)"
	                       " FROM temp.m_type y WHERE src_table IS NOT NULL AND dst_table IS NOT NULL"
	                       " GROUP BY src_table, dst_table ORDER BY min(old)", -1, &sel, NULL) !=
	    SQLITE_OK)
		return mfail(m, "reading event_types");
	etl_status ret = ETL_OK;
	int rc;
	while (ret == ETL_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		char src[ETL_LAYOUT_NAME_MAX + 64], dst[ETL_LAYOUT_NAME_MAX + 64];
		etl_msg(src, sizeof src, "%s", col_text(sel, 0));
		etl_msg(dst, sizeof dst, "%s", col_text(sel, 1));
		bool split = sqlite3_column_int(sel, 2) > 1;
		struct typed ty;
		if ((ret = typed_load(m, src, &ty)) != ETL_OK) {
			typed_free(&ty);
			break;
		}
		etl_strbuf *b = &m->sql;
		b->len = 0;
		etl_strbuf_puts(b, "INSERT INTO main.");
		etl_layout_sql_ident(b, dst);
		etl_strbuf_puts(b, " (");
		for (size_t i = 0; i < ty.n; i++) {
			if (i)
				etl_strbuf_puts(b, ", ");
			etl_layout_sql_ident(b, ty.names[i]);
		}
		etl_strbuf_printf(b, ") SELECT x.\"event_rowid\" + %lld", (long long)eoff);
		for (size_t i = 1; i < ty.n; i++) {
			etl_strbuf_puts(b, ", x.");
			etl_layout_sql_ident(b, ty.names[i]);
		}
		etl_strbuf_puts(b, " FROM src.");
		etl_layout_sql_ident(b, src);
		etl_strbuf_puts(b, " x");
		if (!all || split) {
			etl_strbuf_puts(b, " JOIN src.events e ON e.id = x.\"event_rowid\""
			                   " JOIN temp.m_trace t ON t.old = e.trace_id"
			                   " JOIN temp.m_type y ON y.old = e.type_id AND y.dst_table = ");
			etl_strbuf_putc(b, '\'');
			for (const char *p = dst; *p; p++) {
				if (*p == '\'')
					etl_strbuf_putc(b, '\'');
				etl_strbuf_putc(b, *p);
			}
			etl_strbuf_putc(b, '\'');
		}
		etl_strbuf_puts(b, " ORDER BY x.\"event_rowid\"");
		typed_free(&ty);
		ret = mexec_buf(m, "copying a typed table");
	}
	if (ret == ETL_OK && rc != SQLITE_DONE)
		ret = mfail(m, "reading event_types");
	sqlite3_finalize(sel);
	return ret;
}

/* INSERT INTO main.<t> SELECT <exprs> FROM src.<t> x <tail>, the expression
 * of column c being exprs[c] or x.<name>. */
static etl_status copy_fixed(struct merge *m, int id, const char *const *exprs, const char *tail,
                             const char *what)
{
	const etl_table *t = etl_layout_fixed(id);
	etl_strbuf *b = &m->sql;
	b->len = 0;
	etl_strbuf_printf(b, "INSERT INTO main.%s (", t->name);
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			etl_strbuf_puts(b, ", ");
		etl_layout_sql_ident(b, t->cols[i].name);
	}
	etl_strbuf_puts(b, ") SELECT ");
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			etl_strbuf_puts(b, ", ");
		if (exprs[i]) {
			etl_strbuf_puts(b, exprs[i]);
		} else {
			etl_strbuf_puts(b, "x.");
			etl_layout_sql_ident(b, t->cols[i].name);
		}
	}
	etl_strbuf_printf(b, " FROM src.%s x %s", t->name, tail);
	return mexec_buf(m, what);
}

static etl_status merge_one(struct merge *m, const char *path, etl_merge_result *res)
{
	sqlite3_stmt *st;
	m->in = path;
	if (sqlite3_prepare_v2(m->db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK)
		return mfail(m, "attaching");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mfail(m, "attaching");
	etl_status ret = check_schema(m->db, "src", path, m->err, m->errsz);
	if (ret == ETL_OK)
		ret = mexec(m, "BEGIN IMMEDIATE", "starting a transaction");
	if (ret != ETL_OK)
		goto detach;

	int64_t nsrc, nnew, toff, eoff, emax, emin, events;
	if ((ret = mexec(m,
	                 "DELETE FROM temp.m_trace; DELETE FROM temp.m_type;"
	                 " INSERT INTO temp.m_trace(old) SELECT id FROM src.traces"
	                 " WHERE sha256 NOT IN (SELECT sha256 FROM main.traces) ORDER BY id;",
	                 "choosing the traces")) ||
	    (ret = query_int(m, "SELECT count(*) FROM src.traces", &nsrc)) ||
	    (ret = query_int(m, "SELECT count(*) FROM temp.m_trace", &nnew)) ||
	    (ret = query_int(m, "SELECT coalesce(max(id), 0) FROM main.traces", &toff)) ||
	    (ret = query_int(m, "SELECT coalesce(max(id), 0) FROM main.events", &emax)) ||
	    (ret = query_int(m, "SELECT coalesce(min(id), 1) FROM src.events"
	                        " WHERE trace_id IN (SELECT old FROM temp.m_trace)", &emin)))
		goto rollback;
	eoff = emax + 1 - emin;
	bool all = nnew == nsrc;
	if (nnew > 0) {
		/* providers and types first: the events' type ids map to them */
		if ((ret = mexec(m, "INSERT INTO main.providers (guid, name, schema)"
		                    " SELECT guid, name, schema FROM src.providers"
		                    " WHERE guid NOT IN (SELECT guid FROM main.providers) ORDER BY id",
		                 "adding providers")) ||
		    (ret = merge_types(m)) ||
		    (ret = mexec(m, "INSERT INTO temp.m_type SELECT s.id, o.id, s.table_name, o.table_name"
		                    " FROM src.event_types s JOIN main.event_types o ON o.type_key = s.type_key",
		                 "mapping event_types")))
			goto rollback;
		char tid[64], eid[64], ev1[64], ev2[64];
		snprintf(tid, sizeof tid, "%lld + t.n", (long long)toff);
		snprintf(eid, sizeof eid, "x.id + %lld", (long long)eoff);
		const char *tr[TR_NCOLS] = { [TR_ID] = tid };
		const char *ev[EV_NCOLS] = { [EV_ID] = eid, [EV_TRACE_ID] = tid, [EV_TYPE_ID] = "y.new" };
		char st_row[64];
		snprintf(st_row, sizeof st_row, "x.event_rowid + %lld", (long long)eoff);
		const char *stk[ST_NCOLS] = { [ST_EVENT_ROWID] = st_row };
		snprintf(ev1, sizeof ev1, "x.start_event + %lld", (long long)eoff);
		snprintf(ev2, sizeof ev2, "x.end_event + %lld", (long long)eoff);
		const char *ps[PS_NCOLS] = { [PS_TRACE_ID] = tid, [PS_START_EVENT] = ev1, [PS_END_EVENT] = ev2 };
		const char *th[TH_NCOLS] = { [TH_TRACE_ID] = tid, [TH_START_EVENT] = ev1, [TH_END_EVENT] = ev2 };
		char im1[64], im2[64];
		snprintf(im1, sizeof im1, "x.load_event + %lld", (long long)eoff);
		snprintf(im2, sizeof im2, "x.unload_event + %lld", (long long)eoff);
		const char *im[IM_NCOLS] = { [IM_TRACE_ID] = tid, [IM_LOAD_EVENT] = im1, [IM_UNLOAD_EVENT] = im2 };
		const char *by_trace = "JOIN temp.m_trace t ON t.old = x.trace_id";
		if ((ret = copy_fixed(m, ETL_T_TRACES, tr, "JOIN temp.m_trace t ON t.old = x.id ORDER BY t.n",
		                      "copying traces")) ||
		    (ret = copy_fixed(m, ETL_T_EVENTS, ev,
		                      "JOIN temp.m_trace t ON t.old = x.trace_id"
		                      " JOIN temp.m_type y ON y.old = x.type_id ORDER BY x.id",
		                      "copying events")) ||
		    (ret = copy_fixed(m, ETL_T_STACKS, stk,
		                      all ? "ORDER BY x.rowid"
		                          : "WHERE x.event_rowid IN (SELECT id FROM src.events WHERE trace_id"
		                            " IN (SELECT old FROM temp.m_trace)) ORDER BY x.rowid",
		                      "copying stacks")) ||
		    (ret = copy_fixed(m, ETL_T_PROCESSES, ps, by_trace, "copying processes")) ||
		    (ret = copy_fixed(m, ETL_T_THREADS, th, by_trace, "copying threads")) ||
		    (ret = copy_fixed(m, ETL_T_IMAGES, im, by_trace, "copying images")) ||
		    (ret = merge_typed_rows(m, eoff, all)))
			goto rollback;
	}
	/* errors of the copied traces, and those of files that could not be read
	 * at all unless the output has them already */
	{
		char tid[96];
		snprintf(tid, sizeof tid, "CASE WHEN x.trace_id IS NULL THEN NULL ELSE %lld + t.n END",
		         (long long)toff);
		const char *ie[IE_NCOLS] = { [IE_ID] = "NULL", [IE_TRACE_ID] = tid };
		if ((ret = copy_fixed(m, ETL_T_IMPORT_ERRORS, ie,
		                      "LEFT JOIN temp.m_trace t ON t.old = x.trace_id"
		                      " WHERE t.n IS NOT NULL OR (x.trace_id IS NULL AND NOT EXISTS"
		                      " (SELECT 1 FROM main.import_errors o WHERE o.trace_id IS NULL"
		                      " AND o.path IS x.path AND o.stage IS x.stage"
		                      " AND o.message IS x.message)) ORDER BY x.id",
		                      "copying import_errors")))
			goto rollback;
	}
	if ((ret = query_int(m, "SELECT count(*) FROM src.events WHERE trace_id IN"
	                        " (SELECT old FROM temp.m_trace)", &events)))
		goto rollback;
	if ((ret = mexec(m, "COMMIT", "committing")) != ETL_OK)
		goto rollback;
	res->databases++;
	res->added += (uint32_t)nnew;
	res->skipped += (uint32_t)(nsrc - nnew);
	res->events += (uint64_t)events;
	goto detach;
rollback:
	sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
detach:
	m->in = NULL;
	sqlite3_exec(m->db, "DETACH DATABASE src", NULL, NULL, NULL);
	return ret;
}

static void now_iso(char out[ETL_TIME_STRLEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ft = (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100 + 116444736000000000LL;
	etl_filetime_format(ft, out, ETL_TIME_STRLEN);
}

/* The tables and views of a new output, without indexes (built at the end). */
static etl_status create_fresh(struct merge *m)
{
	etl_strbuf *b = &m->sql;
	b->len = 0;
	for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
		etl_layout_sql_create(b, etl_layout_fixed(i));
		etl_strbuf_puts(b, ";\n");
	}
	etl_layout_sql_events_view(b);
	etl_strbuf_puts(b, ";\n");
	etl_layout_sql_frames_view(b);
	etl_strbuf_puts(b, ";\n");
	char when[ETL_TIME_STRLEN];
	now_iso(when);
	etl_strbuf_printf(b,
	                  "INSERT INTO meta VALUES ('schema_version', '%s'), ('etlkit_version', '%s'),"
	                  " ('created', '%s'), ('uint64', 'unsigned 64-bit columns hold values above"
	                  " 2^63-1 as their two''s complement'), ('filetime', 'ts and *_ts columns are"
	                  " FILETIME: 100 ns units since 1601-01-01 UTC');\n",
	                  ETL_LAYOUT_SCHEMA_VERSION, ETLKIT_VERSION_STRING, when);
	return mexec_buf(m, "creating the tables");
}

static etl_status create_indexes(struct merge *m)
{
	etl_strbuf *b = &m->sql;
	b->len = 0;
	etl_layout_sql_indexes(b);
	return mexec_buf(m, "creating the indexes");
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

etl_status etl_merge_databases(const char *out, const char *const *inputs, size_t n,
                               etl_merge_result *res, char *errbuf, size_t errsz)
{
	char dummy[8];
	if (!errbuf || !errsz) {
		errbuf = dummy;
		errsz = sizeof dummy;
	}
	errbuf[0] = 0;
	etl_merge_result local;
	if (!res)
		res = &local;
	memset(res, 0, sizeof *res);
	if (!out || (n && !inputs)) {
		etl_msg(errbuf, errsz, "no output or inputs given");
		return ETL_ERR_ARG;
	}
	/* every input is checked before anything is written */
	for (size_t i = 0; i < n; i++) {
		if (same_file(inputs[i], out)) {
			etl_msg(errbuf, errsz, "%s: is the output itself", inputs[i]);
			return ETL_ERR_ARG;
		}
		etl_status st = check_file(inputs[i], errbuf, errsz);
		if (st != ETL_OK)
			return st;
	}
	struct stat sb;
	bool fresh = stat(out, &sb) != 0 || (S_ISREG(sb.st_mode) && sb.st_size == 0);
	if (!fresh) {
		etl_status st = check_file(out, errbuf, errsz);
		if (st != ETL_OK)
			return st;
	}
	struct merge m = { .out = out, .err = errbuf, .errsz = errsz };
	char tmp[4096];
	const char *target = out;
	if (fresh) {
		if (etl_tmp_create(out, false, tmp, sizeof tmp) != 0) {
			etl_msg(errbuf, errsz, "%s: cannot create a temporary file next to it: %s", out,
			        strerror(errno));
			return ETL_ERR_IO;
		}
		target = tmp;
	}
	etl_status ret = ETL_OK;
	if (sqlite3_open_v2(target, &m.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		ret = mfail(&m, "cannot open");
		goto out;
	}
	sqlite3_extended_result_codes(m.db, 1);
	sqlite3_busy_timeout(m.db, 10000);
	if ((ret = mexec(&m, fresh ? "PRAGMA page_size = 16384; PRAGMA journal_mode = MEMORY;"
	                             " PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;"
	                             " PRAGMA cache_size = -65536; PRAGMA foreign_keys = OFF;"
	                           : "PRAGMA cache_size = -65536; PRAGMA foreign_keys = OFF;",
	                 "setting up")) != ETL_OK)
		goto out;
	if (fresh && (ret = create_fresh(&m)) != ETL_OK)
		goto out;
	if ((ret = mexec(&m, "PRAGMA temp_store = MEMORY;"
	                     " CREATE TEMP TABLE m_trace (n INTEGER PRIMARY KEY, old INTEGER UNIQUE);"
	                     " CREATE TEMP TABLE m_type (old INTEGER PRIMARY KEY, new INTEGER,"
	                     " src_table TEXT, dst_table TEXT);",
	                 "setting up")) != ETL_OK)
		goto out;
	for (size_t i = 0; i < n && ret == ETL_OK; i++)
		ret = merge_one(&m, inputs[i], res);
	if (ret == ETL_OK && fresh)
		ret = create_indexes(&m);
out:
	if (m.db && sqlite3_close(m.db) != SQLITE_OK && ret == ETL_OK) {
		etl_msg(errbuf, errsz, "%s: closing: %s", out, sqlite3_errmsg(m.db));
		ret = ETL_ERR_IO;
	}
	etl_strbuf_free(&m.sql);
	if (fresh) {
		if (ret == ETL_OK) {
			/* durable before it takes the output's name */
			int fd = open(tmp, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) != 0 || rename(tmp, out) != 0) {
				etl_msg(errbuf, errsz, "%s: %s", out, strerror(errno));
				ret = ETL_ERR_IO;
			} else {
				etl_fsync_dir_of(out);
			}
			if (fd >= 0)
				close(fd);
		}
		if (ret != ETL_OK)
			unlink(tmp);
	}
	return ret;
}

#else /* ETLKIT_NO_SQLITE: built without SQLite (win32/nosqlite) */

etl_status etl_merge_databases(const char *out, const char *const *inputs, size_t n,
                               etl_merge_result *res, char *errbuf, size_t errsz)
{
	(void)inputs;
	(void)n;
	if (res)
		memset(res, 0, sizeof *res);
	if (errbuf && errsz)
		etl_msg(errbuf, errsz, "%s: etlkit was built without SQLite", out ? out : "");
	return ETL_ERR_UNSUPPORTED;
}

#endif
