/*
 * private.h - helpers shared inside libetlkit: little-endian reads, the
 * bounds-checked cursor, text conversion and small utilities.
 *
 * Every read of file bytes goes through these.  Reads are built from byte
 * shifts (no struct casts: the file is little-endian and unaligned), and every
 * length check is written as `n > len - off` after `off <= len` so that it
 * cannot overflow.
 */
#ifndef ETLKIT_PRIVATE_H
#define ETLKIT_PRIVATE_H

#ifndef ETLKIT_INTERNAL
#error "private.h is private to libetlkit"
#endif

#include "etlkit.h"
#include <stdbool.h>
#include <string.h>

static inline uint16_t etl_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t etl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t etl_le64(const uint8_t *p)
{
	return (uint64_t)etl_le32(p) | (uint64_t)etl_le32(p + 4) << 32;
}

static inline void etl_read_guid(const uint8_t *p, etl_guid *g)
{
	g->data1 = etl_le32(p);
	g->data2 = etl_le16(p + 4);
	g->data3 = etl_le16(p + 6);
	memcpy(g->data4, p + 8, 8);
}

/* True when [off, off + n) lies inside a region of len bytes. */
static inline bool etl_fits(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

/* A cursor over untrusted bytes.  Getters return false and leave the cursor
 * where it was when fewer bytes remain than asked, so reads chain with &&. */
typedef struct etl_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
} etl_cursor;

static inline void etl_cursor_init(etl_cursor *c, const void *p, size_t len)
{
	c->p = (const uint8_t *)p;
	c->len = len;
	c->off = 0;
}

static inline size_t etl_cursor_left(const etl_cursor *c)
{
	return c->len - c->off;
}

static inline bool etl_cursor_skip(etl_cursor *c, size_t n)
{
	if (n > c->len - c->off)
		return false;
	c->off += n;
	return true;
}

static inline bool etl_cursor_u8(etl_cursor *c, uint8_t *v)
{
	if (c->len - c->off < 1)
		return false;
	*v = c->p[c->off++];
	return true;
}

static inline bool etl_cursor_u16(etl_cursor *c, uint16_t *v)
{
	if (c->len - c->off < 2)
		return false;
	*v = etl_le16(c->p + c->off);
	c->off += 2;
	return true;
}

static inline bool etl_cursor_u32(etl_cursor *c, uint32_t *v)
{
	if (c->len - c->off < 4)
		return false;
	*v = etl_le32(c->p + c->off);
	c->off += 4;
	return true;
}

static inline bool etl_cursor_u64(etl_cursor *c, uint64_t *v)
{
	if (c->len - c->off < 8)
		return false;
	*v = etl_le64(c->p + c->off);
	c->off += 8;
	return true;
}

static inline bool etl_cursor_guid(etl_cursor *c, etl_guid *g)
{
	if (c->len - c->off < 16)
		return false;
	etl_read_guid(c->p + c->off, g);
	c->off += 16;
	return true;
}

/* Points *p at the next n bytes and advances. */
static inline bool etl_cursor_bytes(etl_cursor *c, size_t n, const uint8_t **p)
{
	if (n > c->len - c->off)
		return false;
	*p = c->p + c->off;
	c->off += n;
	return true;
}

/* ---- text (lib/text.c) ------------------------------------------------------ */

/* UTF-16LE (nunits code units at src, unaligned) to UTF-8 in dst, always
 * NUL-terminated when dstsize > 0.  Unpaired surrogates become U+FFFD.
 * Stops at a NUL unit.  Returns the bytes written (without the NUL); output
 * that does not fit is cut at a character boundary. */
size_t etl_utf16_to_utf8(const uint8_t *src, size_t nunits, char *dst, size_t dstsize);

/* Number of UTF-16 units before a NUL unit within max units; *terminated
 * tells whether a NUL was found. */
size_t etl_utf16_strnlen(const uint8_t *src, size_t max_units, bool *terminated);

/* Windows-1252 bytes to UTF-8 (dst as above). */
size_t etl_cp1252_to_utf8(const uint8_t *src, size_t n, char *dst, size_t dstsize);

/* printf("%.<prec>g", v) into out (ETL_FORMAT_G_MAX bytes), prec 1..17;
 * returns its length (numfmt.c). */
#define ETL_FORMAT_G_MAX 40
size_t etl_format_g(char *out, double v, int prec);

/* Appends to a growable byte buffer; used by formatters and sinks. */
typedef struct etl_strbuf {
	char *p;
	size_t len, cap;
	bool failed;  /* an allocation failed; content is truncated */
} etl_strbuf;
/* Grows the buffer so that `extra` more bytes fit (the slow path). */
void etl_strbuf_grow(etl_strbuf *b, size_t extra);

static inline void etl_strbuf_reserve(etl_strbuf *b, size_t extra)
{
	if (extra > b->cap - b->len)
		etl_strbuf_grow(b, extra);
}

/* The content stays NUL-terminated after every append. */
static inline void etl_strbuf_put(etl_strbuf *b, const void *s, size_t n)
{
	if (n + 1 > b->cap - b->len) {
		etl_strbuf_grow(b, n + 1);
		if (b->failed)
			return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static inline void etl_strbuf_putc(etl_strbuf *b, char c)
{
	if (b->cap - b->len < 2) {
		etl_strbuf_grow(b, 2);
		if (b->failed)
			return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static inline void etl_strbuf_puts(etl_strbuf *b, const char *s)
{
	etl_strbuf_put(b, s, strlen(s));
}

/* For writers that know how much they write at most: room for n more bytes
 * (NUL included) as a cursor to write at, NULL when the buffer could not
 * grow; then etl_strbuf_commit() with where the writing ended. */
static inline char *etl_strbuf_room(etl_strbuf *b, size_t n)
{
	etl_strbuf_reserve(b, n);
	return b->failed ? NULL : b->p + b->len;
}

static inline void etl_strbuf_commit(etl_strbuf *b, char *end)
{
	*end = 0;
	b->len = (size_t)(end - b->p);
}

/* A string literal, without strlen. */
#define etl_strbuf_lit(b, lit) etl_strbuf_put((b), (lit), sizeof(lit) - 1)
void etl_strbuf_printf(etl_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void etl_strbuf_free(etl_strbuf *b);

/* Suppresses the warning callback of a trace (used while pre-scanning). */
void etl_trace_set_quiet(etl_trace *t, bool quiet);
/* Makes etl_trace_next() step over, unparsed, the well-formed event records
 * (rec, its size bytes) that keep rejects; NULL delivers all again.  For
 * scans that want a few kinds of event. */
typedef bool (*etl_scan_fn)(const uint8_t *rec, size_t size);
void etl_trace_set_scan(etl_trace *t, etl_scan_fn keep);

/* snprintf into a fixed message buffer; never overflows, always terminated. */
void etl_msg(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* ETLKIT_PRIVATE_H */
