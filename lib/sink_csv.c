/*
 * sink_csv.c - the csv.gz table sink of `etlkit convert` (DESIGN.md §7): one
 * <table>.csv.gz per table, schema.json (CSVW-style: every file, column,
 * type and key) and load.sql (loads the directory into SQLite with the types
 * the SQLite sink declares).
 *
 * CSV: RFC 4180 - fields separated by ',', records by CRLF, a header row;
 * a field holding ',', '"', CR, LF or another control character, or the
 * empty string, is quoted with '"' doubled inside.  NULL is an empty unquoted field.  Text is UTF-8.
 * Integers are decimal (unsigned 64-bit columns print the exact unsigned
 * value), reals in their shortest form ("INF"/"-INF"; NaN is NULL), blobs
 * lowercase hex.  A FILETIME column (ts, *_ts) is followed by its ISO-8601
 * UTC text (time, *_time).
 *
 * Compression, pigz-style: the rows of each table collect in a buffer; every
 * 1 MiB the buffer becomes a block that a pool of worker threads deflates
 * as raw deflate data, primed with the previous block's last 32 KiB as
 * dictionary and ended with a sync flush (the last block with Z_FINISH).
 * The blocks, written in order after one gzip header and followed by the
 * combined CRC-32 and length, form one ordinary gzip member.  With one job
 * the blocks are compressed inline.  Memory: all table buffers together are
 * kept under BUFFER_BUDGET (the largest are cut early), and at most
 * 2 * workers + 2 blocks are in flight.
 *
 * The directory is built as "OUT.tmp-XXXXXX" and renamed to OUT once every
 * file is complete and synced; a failed or interrupted run leaves no OUT.
 */
#define ETLKIT_INTERNAL
#include "convert.h"
#include "sink.h"

#include <zlib.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_SIZE (1u << 20)
#define DICT_SIZE 32768u
#define BUFFER_BUDGET (16u << 20)

struct stream;

struct job {
	struct stream *st;
	char *in;
	size_t in_len;
	unsigned char *dict;       /* DICT_SIZE bytes, or NULL */
	size_t dict_len;
	bool last;
	unsigned char *out;
	size_t out_len;
	uint32_t crc;
	int zrc;                   /* Z_OK, or the zlib error */
	bool done;
	struct job *next;          /* work queue */
	struct job *next_pending;  /* submission order */
};

struct stream {
	etl_table *t;
	char *file;                /* path inside the temporary directory */
	etl_strbuf buf;            /* rows not yet handed to a block */
	unsigned char dict[DICT_SIZE];
	size_t dict_len;
	uint32_t crc;
	uint64_t isize;
	uint64_t rows;
	bool started, finished;
};

struct etl_tsink {
	char *path;                /* final directory */
	char *tmpdir;
	int level;
	bool flat;
	struct stream **streams;
	size_t nstreams, cap_streams;
	size_t buffered;
	/* worker pool */
	unsigned nworkers;
	pthread_t *workers;
	bool pool;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	struct job *q_head, *q_tail;
	bool quit;
	unsigned inflight;
	struct job *pend_head, *pend_tail;
	z_stream zinline;
	bool zinline_ok;
	etl_strbuf tmp;
	char err[1024];
};

static const char *csv_errmsg(const etl_tsink *s) { return s->err; }

/* ---- compression ------------------------------------------------------------------ */

static int deflate_job(z_stream *z, struct job *j)
{
	int rc = deflateReset(z);
	if (rc != Z_OK)
		return rc;
	if (j->dict_len && (rc = deflateSetDictionary(z, j->dict, (uInt)j->dict_len)) != Z_OK)
		return rc;
	/* deflateBound covers the data and a final block; a sync flush adds
	 * an empty stored block (5 bytes) and a few bits */
	size_t cap = deflateBound(z, (uLong)j->in_len) + 64;
	if (!(j->out = malloc(cap)))
		return Z_MEM_ERROR;
	z->next_in = (Bytef *)j->in;
	z->avail_in = (uInt)j->in_len;
	z->next_out = j->out;
	z->avail_out = (uInt)cap;
	for (;;) {
		rc = deflate(z, j->last ? Z_FINISH : Z_SYNC_FLUSH);
		if (rc == Z_STREAM_ERROR)
			return rc;
		if (z->avail_out != 0 || (j->last && rc == Z_STREAM_END))
			break;
		/* out of room: grow and go on (should not happen) */
		size_t used = cap - z->avail_out;
		unsigned char *n = realloc(j->out, cap * 2);
		if (!n)
			return Z_MEM_ERROR;
		j->out = n;
		z->next_out = n + used;
		z->avail_out = (uInt)cap;
		cap *= 2;
	}
	if (z->avail_in != 0 || (j->last ? rc != Z_STREAM_END : rc != Z_OK))
		return rc == Z_OK ? Z_BUF_ERROR : rc;
	j->out_len = cap - z->avail_out;
	j->crc = (uint32_t)crc32(0L, (const Bytef *)j->in, (uInt)j->in_len);
	return Z_OK;
}

static void *worker_main(void *arg)
{
	etl_tsink *s = arg;
	z_stream z;
	memset(&z, 0, sizeof z);
	int init = deflateInit2(&z, s->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->q_head && !s->quit)
			pthread_cond_wait(&s->cv_work, &s->mu);
		if (!s->q_head)
			break;
		struct job *j = s->q_head;
		s->q_head = j->next;
		if (!s->q_head)
			s->q_tail = NULL;
		pthread_mutex_unlock(&s->mu);
		int rc = init == Z_OK ? deflate_job(&z, j) : init;
		pthread_mutex_lock(&s->mu);
		j->zrc = rc;
		j->done = true;
		pthread_cond_broadcast(&s->cv_done);
	}
	pthread_mutex_unlock(&s->mu);
	if (init == Z_OK)
		deflateEnd(&z);
	return NULL;
}

static void job_free(struct job *j)
{
	free(j->in);
	free(j->dict);
	free(j->out);
	free(j);
}

static etl_status write_all(etl_tsink *s, int fd, const void *p, size_t n, const char *file)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			etl_msg(s->err, sizeof s->err, "%s: write failed: %s", file, strerror(errno));
			return ETL_ERR_IO;
		}
		c += w;
		n -= (size_t)w;
	}
	return ETL_OK;
}

static void le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Appends a compressed block to its file (blocks arrive in order). */
static etl_status write_job(etl_tsink *s, struct job *j)
{
	struct stream *st = j->st;
	if (j->zrc != Z_OK) {
		etl_msg(s->err, sizeof s->err, "%s: deflate failed (zlib error %d)", st->file, j->zrc);
		return ETL_ERR_IO;
	}
	int fd = open(st->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		etl_msg(s->err, sizeof s->err, "%s: cannot open: %s", st->file, strerror(errno));
		return ETL_ERR_IO;
	}
	etl_status rc = ETL_OK;
	if (!st->started) {
		unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
		                          (unsigned char)(s->level == 9 ? 2 : s->level == 1 ? 4 : 0), 3 };
		rc = write_all(s, fd, hdr, sizeof hdr, st->file);
		st->started = true;
	}
	if (rc == ETL_OK)
		rc = write_all(s, fd, j->out, j->out_len, st->file);
	st->crc = (uint32_t)crc32_combine(st->crc, j->crc, (z_off_t)j->in_len);
	st->isize += j->in_len;
	if (rc == ETL_OK && j->last) {
		unsigned char tr[8];
		le32(tr, st->crc);
		le32(tr + 4, (uint32_t)st->isize);
		rc = write_all(s, fd, tr, sizeof tr, st->file);
		if (rc == ETL_OK && fsync(fd) != 0) {
			etl_msg(s->err, sizeof s->err, "%s: fsync failed: %s", st->file, strerror(errno));
			rc = ETL_ERR_IO;
		}
		st->finished = true;
	}
	if (close(fd) != 0 && rc == ETL_OK) {
		etl_msg(s->err, sizeof s->err, "%s: close failed: %s", st->file, strerror(errno));
		rc = ETL_ERR_IO;
	}
	return rc;
}

/* Writes finished blocks in submission order; with `wait_for`, waits until
 * no more than that many are in flight. */
static etl_status collect(etl_tsink *s, unsigned wait_for)
{
	etl_status rc = ETL_OK;
	for (;;) {
		struct job *j = s->pend_head;
		if (!j)
			break;
		if (s->pool) {
			pthread_mutex_lock(&s->mu);
			while (!j->done && s->inflight > wait_for)
				pthread_cond_wait(&s->cv_done, &s->mu);
			bool done = j->done;
			pthread_mutex_unlock(&s->mu);
			if (!done)
				break;
		}
		s->pend_head = j->next_pending;
		if (!s->pend_head)
			s->pend_tail = NULL;
		s->inflight--;
		if (rc == ETL_OK)
			rc = write_job(s, j);
		job_free(j);
	}
	return rc;
}

/* Hands the stream's buffer to a block. */
static etl_status submit(etl_tsink *s, struct stream *st, bool last)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		goto nomem;
	j->st = st;
	j->last = last;
	j->in = st->buf.p;
	j->in_len = st->buf.len;
	s->buffered -= st->buf.len;
	memset(&st->buf, 0, sizeof st->buf);
	if (st->dict_len) {
		if (!(j->dict = malloc(st->dict_len))) {
			job_free(j);
			goto nomem;
		}
		memcpy(j->dict, st->dict, st->dict_len);
		j->dict_len = st->dict_len;
	}
	/* the next block's dictionary: the last 32 KiB of the data so far */
	if (j->in_len >= DICT_SIZE) {
		memcpy(st->dict, j->in + j->in_len - DICT_SIZE, DICT_SIZE);
		st->dict_len = DICT_SIZE;
	} else if (j->in_len) {
		size_t keep = st->dict_len + j->in_len > DICT_SIZE ? DICT_SIZE - j->in_len : st->dict_len;
		memmove(st->dict, st->dict + st->dict_len - keep, keep);
		memcpy(st->dict + keep, j->in, j->in_len);
		st->dict_len = keep + j->in_len;
	}
	if (s->pend_tail)
		s->pend_tail->next_pending = j;
	else
		s->pend_head = j;
	s->pend_tail = j;
	s->inflight++;
	if (!s->pool) {
		j->zrc = s->zinline_ok ? deflate_job(&s->zinline, j) : Z_STREAM_ERROR;
		j->done = true;
		return collect(s, 0);
	}
	pthread_mutex_lock(&s->mu);
	if (s->q_tail)
		s->q_tail->next = j;
	else
		s->q_head = j;
	s->q_tail = j;
	pthread_cond_signal(&s->cv_work);
	pthread_mutex_unlock(&s->mu);
	return collect(s, 2 * s->nworkers + 2);
nomem:
	etl_msg(s->err, sizeof s->err, "out of memory");
	return ETL_ERR_NOMEM;
}

/* ---- CSV text --------------------------------------------------------------------- */

static void put_field_text(etl_strbuf *b, const char *p, size_t n)
{
	bool quote = n == 0;
	for (size_t i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)p[i];
		/* RFC 4180 needs it for , " CR LF; other control characters are
		 * quoted too, for readers that split on them */
		quote = c < 0x20 || c == ',' || c == '"' || c == 0x7f;
	}
	if (!quote) {
		etl_strbuf_put(b, p, n);
		return;
	}
	etl_strbuf_reserve(b, n + 8);
	etl_strbuf_putc(b, '"');
	while (n) {
		const char *q = memchr(p, '"', n);
		size_t run = q ? (size_t)(q - p) + 1 : n;
		etl_strbuf_put(b, p, run);
		if (q)
			etl_strbuf_putc(b, '"');
		p += run;
		n -= run;
	}
	etl_strbuf_putc(b, '"');
}

static void put_cell(etl_strbuf *b, const etl_column *col, const etl_cell *c)
{
	switch (c->kind) {
	case ETL_CELL_NULL:
		break;
	case ETL_CELL_INT:
		if (col->type == ETL_COL_UINT64)
			etl_put_u64(b, (uint64_t)c->v.i);
		else
			etl_put_i64(b, c->v.i);
		break;
	case ETL_CELL_REAL:
		if (isnan(c->v.r)) {
			break;
		} else if (isinf(c->v.r)) {
			etl_strbuf_puts(b, c->v.r > 0 ? "INF" : "-INF");
		} else if (c->num) {
			etl_strbuf_put(b, c->num, c->len);
		} else {
			etl_strbuf_printf(b, "%.17g", c->v.r);
		}
		break;
	case ETL_CELL_TEXT:
		put_field_text(b, c->v.s, c->len);
		break;
	case ETL_CELL_BLOB:
		etl_put_hexbytes(b, c->v.b, c->len);
		break;
	}
	if (col->type == ETL_COL_TS) {
		etl_strbuf_putc(b, ',');
		if (c->kind == ETL_CELL_INT && c->v.i >= 0)
			etl_put_time(b, c->v.i);
	}
}

static void put_header(etl_strbuf *b, const etl_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			etl_strbuf_putc(b, ',');
		put_field_text(b, t->cols[i].name, strlen(t->cols[i].name));
		if (t->cols[i].type == ETL_COL_TS) {
			char tn[ETL_LAYOUT_NAME_MAX + 8];
			etl_layout_time_name(t->cols[i].name, tn, sizeof tn);
			etl_strbuf_putc(b, ',');
			etl_strbuf_puts(b, tn);
		}
	}
	etl_strbuf_put(b, "\r\n", 2);
}

/* ---- tables ----------------------------------------------------------------------- */

static etl_status add_stream(etl_tsink *s, etl_table *t)
{
	if (s->nstreams == s->cap_streams) {
		size_t cap = s->cap_streams ? 2 * s->cap_streams : 32;
		struct stream **n = realloc(s->streams, cap * sizeof(*n));
		if (!n)
			goto nomem;
		s->streams = n;
		s->cap_streams = cap;
	}
	struct stream *st = calloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	size_t fl = strlen(s->tmpdir) + strlen(t->name) + 16;
	if (!(st->file = malloc(fl))) {
		free(st);
		goto nomem;
	}
	snprintf(st->file, fl, "%s/%s.csv.gz", s->tmpdir, t->name);
	st->t = t;
	st->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	put_header(&st->buf, t);
	if (st->buf.failed) {
		free(st->file);
		free(st);
		goto nomem;
	}
	s->buffered += st->buf.len;
	s->streams[s->nstreams++] = st;
	t->priv = st;
	/* the file exists from now on, even before its first block */
	int fd = open(st->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		etl_msg(s->err, sizeof s->err, "%s: cannot create: %s", st->file, strerror(errno));
		return ETL_ERR_IO;
	}
	close(fd);
	return ETL_OK;
nomem:
	etl_msg(s->err, sizeof s->err, "out of memory");
	return ETL_ERR_NOMEM;
}

static etl_status csv_create(etl_tsink *s, etl_table *t)
{
	if (t->priv)
		return ETL_OK;
	return add_stream(s, t);
}

/* Keeps all table buffers together under the budget by cutting the
 * largest ones into blocks early. */
static etl_status enforce_budget(etl_tsink *s)
{
	while (s->buffered > BUFFER_BUDGET) {
		struct stream *big = NULL;
		for (size_t i = 0; i < s->nstreams; i++)
			if (!big || s->streams[i]->buf.len > big->buf.len)
				big = s->streams[i];
		if (!big || !big->buf.len)
			break;
		etl_status rc = submit(s, big, false);
		if (rc != ETL_OK)
			return rc;
	}
	return ETL_OK;
}

static etl_status csv_row(etl_tsink *s, etl_table *t, const etl_cell *cells)
{
	struct stream *st = t->priv;
	if (!st) {
		etl_status rc = add_stream(s, t);
		if (rc != ETL_OK)
			return rc;
		st = t->priv;
	}
	etl_strbuf *b = &st->buf;
	size_t before = b->len;
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			etl_strbuf_putc(b, ',');
		put_cell(b, &t->cols[i], &cells[i]);
	}
	etl_strbuf_put(b, "\r\n", 2);
	if (b->failed) {
		etl_msg(s->err, sizeof s->err, "out of memory");
		return ETL_ERR_NOMEM;
	}
	st->rows++;
	s->buffered += b->len - before;
	if (b->len >= BLOCK_SIZE) {
		etl_status rc = submit(s, st, false);
		if (rc != ETL_OK)
			return rc;
	}
	return s->buffered > BUFFER_BUDGET ? enforce_budget(s) : ETL_OK;
}

static etl_status csv_begin(etl_tsink *s) { (void)s; return ETL_OK; }
static etl_status csv_commit(etl_tsink *s) { (void)s; return ETL_OK; }
static etl_status csv_rollback(etl_tsink *s) { (void)s; return ETL_OK; }

/* ---- schema.json and load.sql ------------------------------------------------------ */

static void json_str(etl_strbuf *b, const char *s)
{
	etl_put_json_string(b, s, strlen(s));
}

static void schema_json(etl_tsink *s, etl_strbuf *b)
{
	etl_strbuf_puts(b, "{\n  \"@context\": \"http://www.w3.org/ns/csvw\",\n");
	etl_strbuf_puts(b, "  \"dc:creator\": \"etlkit " ETLKIT_VERSION_STRING "\",\n");
	etl_strbuf_puts(b, "  \"dc:description\": \"Windows event trace data converted by etlkit convert;"
	                   " load.sql loads it into SQLite\",\n");
	etl_strbuf_puts(b, "  \"dialect\": {\"encoding\": \"utf-8\", \"lineTerminators\": [\"\\r\\n\"],"
	                   " \"quoteChar\": \"\\\"\", \"doubleQuote\": true, \"header\": true,"
	                   " \"delimiter\": \",\"},\n");
	etl_strbuf_puts(b, "  \"etlkit:compression\": \"gzip\",\n  \"etlkit:schemaVersion\": "
	                   ETL_LAYOUT_SCHEMA_VERSION ",\n  \"tables\": [\n");
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct stream *st = s->streams[i];
		const etl_table *t = st->t;
		char url[ETL_LAYOUT_NAME_MAX + 32];
		etl_msg(url, sizeof url, "%s.csv.gz", t->name);
		etl_strbuf_puts(b, "    {\n      \"url\": ");
		json_str(b, url);
		etl_strbuf_puts(b, ",\n      \"dc:title\": ");
		json_str(b, t->name);
		etl_strbuf_puts(b, ",\n      \"dc:description\": ");
		json_str(b, t->doc ? t->doc : t->id == ETL_T_TYPED ? "properties of one event type (see event_types.table_name)" : "");
		etl_strbuf_printf(b, ",\n      \"etlkit:rows\": %llu", (unsigned long long)st->rows);
		etl_strbuf_puts(b, ",\n      \"tableSchema\": {\n        \"columns\": [\n");
		const char *pk = NULL;
		for (size_t c = 0; c < t->ncols; c++) {
			const etl_column *col = &t->cols[c];
			if (col->flags & ETL_COLF_PK)
				pk = col->name;
			etl_strbuf_puts(b, "          {\"name\": ");
			json_str(b, col->name);
			etl_strbuf_puts(b, ", \"titles\": ");
			json_str(b, col->name);
			if (col->type == ETL_COL_JSON)
				etl_strbuf_puts(b, ", \"datatype\": {\"base\": \"json\"}");
			else if (col->type == ETL_COL_GUID)
				etl_strbuf_puts(b, ", \"datatype\": {\"base\": \"string\", \"format\":"
				                   " \"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$\"}");
			else if (col->type == ETL_COL_BOOL)
				etl_strbuf_puts(b, ", \"datatype\": {\"base\": \"boolean\", \"format\": \"1|0\"}");
			else
				etl_strbuf_printf(b, ", \"datatype\": \"%s\"", etl_coltype_csvw(col->type));
			etl_strbuf_printf(b, ", \"required\": %s", col->flags & ETL_COLF_NOTNULL ? "true" : "false");
			etl_strbuf_printf(b, ", \"etlkit:type\": \"%s\", \"etlkit:sqlType\": \"%s\"",
			                  etl_coltype_name(col->type), etl_coltype_sql(col->type));
			if (col->property) {
				etl_strbuf_puts(b, ", \"etlkit:property\": ");
				json_str(b, col->property);
			}
			if (col->doc) {
				etl_strbuf_puts(b, ", \"dc:description\": ");
				json_str(b, col->doc);
			}
			etl_strbuf_puts(b, "}");
			if (col->type == ETL_COL_TS) {
				char tn[ETL_LAYOUT_NAME_MAX + 8];
				etl_layout_time_name(col->name, tn, sizeof tn);
				etl_strbuf_puts(b, ",\n          {\"name\": ");
				json_str(b, tn);
				etl_strbuf_puts(b, ", \"titles\": ");
				json_str(b, tn);
				etl_strbuf_puts(b, ", \"datatype\": {\"base\": \"dateTime\"}, \"required\": false,"
				                   " \"etlkit:derivedFrom\": ");
				json_str(b, col->name);
				etl_strbuf_puts(b, ", \"dc:description\": \"the same instant as ISO-8601 UTC text"
				                   " (not a column of the SQLite table)\"}");
			}
			etl_strbuf_puts(b, c + 1 < t->ncols ? ",\n" : "\n");
		}
		etl_strbuf_puts(b, "        ]");
		if (pk && etl_layout_pk_count(t) == 1) {
			etl_strbuf_puts(b, ",\n        \"primaryKey\": ");
			json_str(b, pk);
		} else if (pk) {
			etl_strbuf_puts(b, ",\n        \"primaryKey\": [");
			for (size_t c = 0, k = 0; c < t->ncols; c++) {
				if (!(t->cols[c].flags & ETL_COLF_PK))
					continue;
				etl_strbuf_puts(b, k++ ? ", " : "");
				json_str(b, t->cols[c].name);
			}
			etl_strbuf_putc(b, ']');
		}
		bool first = true;
		for (size_t c = 0; c < t->ncols; c++) {
			const etl_column *col = &t->cols[c];
			if (!col->ref || s->flat)
				continue;
			const char *dot = strchr(col->ref, '.');
			etl_strbuf_puts(b, first ? ",\n        \"foreignKeys\": [\n" : ",\n");
			first = false;
			etl_strbuf_puts(b, "          {\"columnReference\": ");
			json_str(b, col->name);
			etl_strbuf_printf(b, ", \"reference\": {\"resource\": \"%.*s.csv.gz\", \"columnReference\": \"%s\"}}",
			                  (int)(dot - col->ref), col->ref, dot + 1);
		}
		if (!first)
			etl_strbuf_puts(b, "\n        ]");
		etl_strbuf_puts(b, "\n      }\n    }");
		etl_strbuf_puts(b, i + 1 < s->nstreams ? ",\n" : "\n");
	}
	etl_strbuf_puts(b, "  ]\n}\n");
}

static void load_expr(etl_strbuf *b, const etl_column *col, const char *c)
{
	switch (col->type) {
	case ETL_COL_UINT64:
		/* exact unsigned decimals above 2^63-1 back to the two's
		 * complement the SQLite sink stores: split at 10^10 so that no
		 * intermediate leaves the 64-bit range (2^64 = 1844674407 *
		 * 10^10 + 3709551616) */
		etl_strbuf_printf(b,
		                  "CASE WHEN %s NOT GLOB '*[^0-9]*' AND (length(%s) = 20 OR (length(%s) = 19"
		                  " AND %s > '9223372036854775807')) THEN (CAST(substr(%s, 1, length(%s) - 10)"
		                  " AS INTEGER) - 1844674406) * 10000000000 + (CAST(substr(%s, -10) AS INTEGER)"
		                  " - 13709551616) ELSE NULLIF(%s, '') END",
		                  c, c, c, c, c, c, c, c);
		break;
	case ETL_COL_REAL:
		etl_strbuf_printf(b, "CASE %s WHEN 'INF' THEN 9e999 WHEN '-INF' THEN -9e999 ELSE NULLIF(%s, '') END",
		                  c, c);
		break;
	default:
		etl_strbuf_printf(b, "NULLIF(%s, '')", c);
		break;
	}
}

static void load_sql(etl_tsink *s, etl_strbuf *b)
{
	etl_strbuf_puts(b,
	                "-- load.sql - loads this directory, written by `etlkit convert -f csv.gz`, into\n"
	                "-- an SQLite database with the tables, types, views and indexes `etlkit convert`\n"
	                "-- writes to SQLite directly.  Run it from this directory with the sqlite3 shell\n"
	                "-- (3.32 or later) and gzip in PATH:\n"
	                "--     cd DIR && sqlite3 ../trace.db < load.sql\n"
	                "-- Each file is read through a pipe ('|gzip -dc FILE') into a staging table of\n"
	                "-- text columns, then converted: empty fields become NULL (empty strings too),\n"
	                "-- unsigned 64-bit values above 2^63-1 become their two's complement as in the\n"
	                "-- SQLite output, and the ISO time columns (time, *_time) are left out.\n"
	                "-- events.payload stays hex text: SQLite 3.41 and later can turn it into a\n"
	                "-- blob with unhex(payload).\n"
	                ".bail on\nBEGIN;\n");
	for (size_t i = 0; i < s->nstreams; i++) {
		const etl_table *t = s->streams[i]->t;
		char stage[ETL_LAYOUT_NAME_MAX + 16];
		etl_msg(stage, sizeof stage, "_load_%s", t->name);
		etl_layout_sql_create(b, t);
		etl_strbuf_puts(b, ";\nCREATE TABLE ");
		etl_layout_sql_ident(b, stage);
		etl_strbuf_puts(b, " (");
		for (size_t c = 0; c < t->ncols; c++) {
			etl_strbuf_printf(b, "%sc%zu TEXT", c ? ", " : "", c);
			if (t->cols[c].type == ETL_COL_TS)
				etl_strbuf_printf(b, ", c%zu_time TEXT", c);
		}
		etl_strbuf_printf(b, ");\n.import --csv --skip 1 '|gzip -dc %s.csv.gz' %s\n", t->name, stage);
		etl_strbuf_puts(b, "INSERT INTO ");
		etl_layout_sql_ident(b, t->name);
		etl_strbuf_puts(b, " SELECT ");
		for (size_t c = 0; c < t->ncols; c++) {
			char cn[32];
			etl_msg(cn, sizeof cn, "c%zu", c);
			if (c)
				etl_strbuf_puts(b, ", ");
			load_expr(b, &t->cols[c], cn);
		}
		etl_strbuf_puts(b, " FROM ");
		etl_layout_sql_ident(b, stage);
		etl_strbuf_puts(b, ";\nDROP TABLE ");
		etl_layout_sql_ident(b, stage);
		etl_strbuf_puts(b, ";\n");
	}
	if (!s->flat) {
		etl_layout_sql_events_view(b);
		etl_strbuf_puts(b, ";\n");
		etl_layout_sql_frames_view(b);
		etl_strbuf_puts(b, ";\n");
		for (size_t i = 0; i < s->nstreams; i++) {
			const etl_table *t = s->streams[i]->t;
			if (t->id == ETL_T_TYPED) {
				etl_layout_sql_typed_view(b, t);
				etl_strbuf_puts(b, ";\n");
			}
		}
		for (int i = 0; i < ETL_T_FIXED_COUNT; i++) {
			const etl_table *t = etl_layout_fixed(i);
			for (const char *const *ix = t->indexes; *ix; ix++) {
				const char *paren = strchr(*ix, '(');
				etl_strbuf_printf(b, "CREATE INDEX %.*s ON %s%s;\n", (int)(paren - *ix), *ix,
				                  t->name, paren);
			}
		}
	}
	etl_strbuf_puts(b, "COMMIT;\n");
}

static etl_status write_file(etl_tsink *s, const char *name, const etl_strbuf *b)
{
	char path[4096];
	etl_msg(path, sizeof path, "%s/%s", s->tmpdir, name);
	if (b->failed) {
		etl_msg(s->err, sizeof s->err, "out of memory");
		return ETL_ERR_NOMEM;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		etl_msg(s->err, sizeof s->err, "%s: cannot create: %s", path, strerror(errno));
		return ETL_ERR_IO;
	}
	etl_status rc = write_all(s, fd, b->p, b->len, path);
	if (rc == ETL_OK && fsync(fd) != 0) {
		etl_msg(s->err, sizeof s->err, "%s: fsync failed: %s", path, strerror(errno));
		rc = ETL_ERR_IO;
	}
	if (close(fd) != 0 && rc == ETL_OK) {
		etl_msg(s->err, sizeof s->err, "%s: close failed: %s", path, strerror(errno));
		rc = ETL_ERR_IO;
	}
	return rc;
}

/* ---- open / close ------------------------------------------------------------------ */

static void stop_pool(etl_tsink *s)
{
	if (!s->pool)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	pthread_cond_broadcast(&s->cv_work);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	pthread_cond_destroy(&s->cv_work);
	pthread_cond_destroy(&s->cv_done);
	pthread_mutex_destroy(&s->mu);
	s->pool = false;
}

static void free_sink(etl_tsink *s, bool remove_dir)
{
	stop_pool(s);
	/* blocks still queued or not written */
	while (s->pend_head) {
		struct job *j = s->pend_head;
		s->pend_head = j->next_pending;
		job_free(j);
	}
	for (size_t i = 0; i < s->nstreams; i++) {
		struct stream *st = s->streams[i];
		if (remove_dir)
			unlink(st->file);
		st->t->priv = NULL;
		etl_strbuf_free(&st->buf);
		free(st->file);
		free(st);
	}
	if (remove_dir && s->tmpdir) {
		char p[4096];
		etl_msg(p, sizeof p, "%s/schema.json", s->tmpdir);
		unlink(p);
		etl_msg(p, sizeof p, "%s/load.sql", s->tmpdir);
		unlink(p);
		rmdir(s->tmpdir);
	}
	if (s->zinline_ok)
		deflateEnd(&s->zinline);
	free(s->streams);
	free(s->workers);
	etl_strbuf_free(&s->tmp);
	free(s->tmpdir);
	free(s->path);
	free(s);
}

static etl_status csv_open(etl_tsink **out, const char *path, const etl_writer_options *o,
                           etl_preload *pre, char *err, size_t errsz)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		etl_msg(err, errsz, "%s: exists; csv.gz output goes to a new directory", path);
		return ETL_ERR_ARG;
	}
	etl_tsink *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		etl_msg(err, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	/* "out/" names the directory out */
	for (size_t n = strlen(s->path); n > 1 && s->path[n - 1] == '/'; n--)
		s->path[n - 1] = 0;
	path = s->path;
	s->level = o->level ? o->level : 6;
	s->flat = (o->flags & ETL_WRITER_FLAT) != 0;
	char tmpl[4096];
	if (etl_tmp_create(path, true, tmpl, sizeof tmpl) != 0) {
		etl_msg(err, errsz, "%s: cannot create a temporary directory next to it: %s", path,
		        strerror(errno));
		free_sink(s, false);
		return ETL_ERR_IO;
	}
	if (!(s->tmpdir = strdup(tmpl))) {
		rmdir(tmpl);
		free_sink(s, false);
		etl_msg(err, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	unsigned workers = o->jobs;
	if (workers > 1) {
		s->workers = calloc(workers, sizeof(*s->workers));
		if (s->workers && pthread_mutex_init(&s->mu, NULL) == 0) {
			pthread_cond_init(&s->cv_work, NULL);
			pthread_cond_init(&s->cv_done, NULL);
			s->pool = true;
			for (unsigned i = 0; i < workers; i++) {
				if (pthread_create(&s->workers[i], NULL, worker_main, s) != 0)
					break;
				s->nworkers++;
			}
			if (!s->nworkers) {
				pthread_cond_destroy(&s->cv_work);
				pthread_cond_destroy(&s->cv_done);
				pthread_mutex_destroy(&s->mu);
				s->pool = false;
			}
		}
	}
	if (!s->pool) {
		s->zinline_ok = deflateInit2(&s->zinline, s->level, Z_DEFLATED, -15, 8,
		                             Z_DEFAULT_STRATEGY) == Z_OK;
		if (!s->zinline_ok) {
			etl_msg(err, errsz, "zlib: deflateInit2 failed");
			free_sink(s, true);
			return ETL_ERR_NOMEM;
		}
	}
	pre->fresh = true;
	pre->next_event = pre->next_trace = pre->next_type = pre->next_provider = pre->next_error = 1;
	*out = s;
	return ETL_OK;
}

static etl_status csv_close(etl_tsink *s, bool commit, char *err, size_t errsz)
{
	etl_status rc = ETL_OK;
	if (commit) {
		for (size_t i = 0; i < s->nstreams && rc == ETL_OK; i++)
			rc = submit(s, s->streams[i], true);
		if (rc == ETL_OK)
			rc = collect(s, 0);
		for (size_t i = 0; i < s->nstreams && rc == ETL_OK; i++)
			if (!s->streams[i]->finished) {
				etl_msg(s->err, sizeof s->err, "%s: incomplete", s->streams[i]->file);
				rc = ETL_ERR_IO;
			}
		if (rc == ETL_OK) {
			s->tmp.len = 0;
			schema_json(s, &s->tmp);
			rc = write_file(s, "schema.json", &s->tmp);
		}
		if (rc == ETL_OK) {
			s->tmp.len = 0;
			load_sql(s, &s->tmp);
			rc = write_file(s, "load.sql", &s->tmp);
		}
		if (rc == ETL_OK) {
			char sub[4096];
			etl_msg(sub, sizeof sub, "%s/.", s->tmpdir);
			etl_fsync_dir_of(sub);
			if (rename(s->tmpdir, s->path) != 0) {
				etl_msg(s->err, sizeof s->err, "%s: cannot rename %s into place: %s", s->path,
				        s->tmpdir, strerror(errno));
				rc = ETL_ERR_IO;
			} else {
				etl_fsync_dir_of(s->path);
				free(s->tmpdir);
				s->tmpdir = NULL;
			}
		}
	}
	if (rc != ETL_OK)
		etl_msg(err, errsz, "%s", s->err);
	free_sink(s, s->tmpdir != NULL);
	return rc;
}

const etl_tsink_vtable etl_tsink_csvgz = {
	"csv.gz", false, csv_open, csv_create, csv_begin, csv_create, csv_row, csv_commit, csv_rollback,
	csv_close, csv_errmsg
};
