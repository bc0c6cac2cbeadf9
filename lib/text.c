/*
 * text.c - text conversion (UTF-16LE and Windows-1252 to UTF-8), a growable
 * string buffer and bounded message formatting.
 */
#define ETLKIT_INTERNAL
#include "private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Writes one code point as UTF-8 if it fits in the room left (keeping one byte
 * for the terminator); returns the bytes written or 0 when it does not fit. */
static size_t put_utf8(uint32_t cp, char *dst, size_t room)
{
	if (cp < 0x80) {
		if (room < 2)
			return 0;
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (room < 3)
			return 0;
		dst[0] = (char)(0xC0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		if (room < 4)
			return 0;
		dst[0] = (char)(0xE0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (room < 5)
		return 0;
	dst[0] = (char)(0xF0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t etl_utf16_to_utf8(const uint8_t *src, size_t nunits, char *dst, size_t dstsize)
{
	size_t o = 0;
	if (dstsize == 0)
		return 0;
	for (size_t i = 0; i < nunits; i++) {
		/* four ASCII units at a time (little-endian words) */
		while (nunits - i >= 4 && dstsize - o > 4) {
			uint64_t x;
			memcpy(&x, src + 2 * i, 8);
			x = etl_le64((const uint8_t *)&x);
			if ((x & 0xFF80FF80FF80FF80ull) ||
			    ((x - 0x0001000100010001ull) & ~x & 0x8000800080008000ull))
				break;  /* a non-ASCII or a zero unit */
			uint32_t four = (uint32_t)(x & 0xFF) | (uint32_t)(x >> 8 & 0xFF00) |
			                (uint32_t)(x >> 16 & 0xFF0000) | (uint32_t)(x >> 24 & 0xFF000000);
			dst[o] = (char)four;
			dst[o + 1] = (char)(four >> 8);
			dst[o + 2] = (char)(four >> 16);
			dst[o + 3] = (char)(four >> 24);
			o += 4;
			i += 4;
		}
		if (i >= nunits)
			break;
		uint32_t cp = etl_le16(src + 2 * i);
		if (cp == 0)
			break;
		if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < nunits) {
			uint32_t lo = etl_le16(src + 2 * (i + 1));
			if (lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				cp = 0xFFFD;
			}
		} else if (cp >= 0xD800 && cp < 0xE000) {
			cp = 0xFFFD;
		}
		size_t w = put_utf8(cp, dst + o, dstsize - o);
		if (w == 0)
			break;
		o += w;
	}
	dst[o] = 0;
	return o;
}

size_t etl_utf16_strnlen(const uint8_t *src, size_t max_units, bool *terminated)
{
	for (size_t i = 0; i < max_units; i++) {
		if (src[2 * i] == 0 && src[2 * i + 1] == 0) {
			if (terminated)
				*terminated = true;
			return i;
		}
	}
	if (terminated)
		*terminated = false;
	return max_units;
}

/* Windows-1252 code points for 0x80..0x9F; the rest map to themselves. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

size_t etl_cp1252_to_utf8(const uint8_t *src, size_t n, char *dst, size_t dstsize)
{
	size_t o = 0;
	if (dstsize == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = src[i];
		if (cp == 0)
			break;
		if (cp >= 0x80 && cp < 0xA0)
			cp = cp1252_high[cp - 0x80];
		size_t w = put_utf8(cp, dst + o, dstsize - o);
		if (w == 0)
			break;
		o += w;
	}
	dst[o] = 0;
	return o;
}

void etl_strbuf_grow(etl_strbuf *b, size_t extra)
{
	if (b->failed || extra <= b->cap - b->len)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void etl_strbuf_printf(etl_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	etl_strbuf_reserve(b, (size_t)n + 1);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void etl_strbuf_free(etl_strbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void etl_msg(char *dst, size_t size, const char *fmt, ...)
{
	if (!dst || size == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}
