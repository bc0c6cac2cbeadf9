/*
 * test_format.c - the hand-written formatters.  Numbers: what printf
 * writes.  etl_format_g() against %.<P>g, for every precision decoding uses
 * (7, 9, 15, 17) and the ones around them: on random bit patterns of every
 * magnitude, on short decimals (the values producers usually log), on
 * floats, and on exact ties, which printf rounds to even.  SYSTEMTIME values
 * against %04u-%02u-...: in range and out of it.  JSON strings: what a
 * byte-by-byte escaper writes (valid UTF-8 kept, other bytes U+FFFD, quotes,
 * backslashes and control characters escaped) for random mixes of all of
 * them.  Integers: etl_fmt_u64/i64/hex64 against %llu, %lld and 0x%llx
 * for every digit count and its edges.  Times: the cached formatter against
 * etl_filetime_format() for random FILETIMEs in and out of range.  UTF-16 to UTF-8: what a unit-by-unit converter writes, for ASCII
 * runs (the fast path), other planes, pairs, lone surrogates and a zero
 * unit that ends the text.
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "testlib.h"
#include "../lib/decode.h"
#include "../lib/sink.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
	return tl_rand(&rng);
}

static long failures;

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
	if (!len || len > n)
		return 0;
	uint32_t cp = c & (0xFF >> (len + 1));
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* UTF-16LE to UTF-8, one unit at a time; stops at a zero unit. */
static size_t utf16_reference(const uint8_t *src, size_t units, char *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t cp = (uint32_t)src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
		if (cp == 0)
			break;
		if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < units) {
			uint32_t lo = (uint32_t)src[2 * i + 2] | (uint32_t)src[2 * i + 3] << 8;
			if (lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				cp = 0xFFFD;
			}
		} else if (cp >= 0xD800 && cp < 0xE000) {
			cp = 0xFFFD;
		}
		if (cp < 0x80) {
			dst[o++] = (char)cp;
		} else if (cp < 0x800) {
			dst[o++] = (char)(0xC0 | cp >> 6);
			dst[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			dst[o++] = (char)(0xE0 | cp >> 12);
			dst[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
			dst[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			dst[o++] = (char)(0xF0 | cp >> 18);
			dst[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
			dst[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
			dst[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	dst[o] = 0;
	return o;
}

/* The JSON string of s, one byte or sequence at a time. */
static void json_reference(etl_strbuf *b, const unsigned char *s, size_t n)
{
	etl_strbuf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len;
		if (c == '"' || c == '\\') {
			etl_strbuf_putc(b, '\\');
			etl_strbuf_putc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			const char *e = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" :
			                c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
			if (e)
				etl_strbuf_puts(b, e);
			else
				etl_strbuf_printf(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			etl_strbuf_putc(b, (char)c);
			i++;
		} else if ((len = utf8_len(s + i, n - i)) != 0) {
			etl_strbuf_put(b, s + i, len);
			i += len;
		} else {
			etl_strbuf_puts(b, "\xEF\xBF\xBD");
			i++;
		}
	}
	etl_strbuf_putc(b, '"');
}

static void check(double v, int prec)
{
	char want[64], got[ETL_FORMAT_G_MAX];
	snprintf(want, sizeof want, "%.*g", prec, v);
	size_t n = etl_format_g(got, v, prec);
	if (n != strlen(want) || strcmp(got, want) != 0) {
		if (failures++ < 10)
			tap_diag("%.17g at %d: printf %s, etl_format_g %s", v, prec, want, got);
	}
}

int main(void)
{
	static const int precs[] = { 1, 2, 6, 7, 8, 9, 15, 16, 17 };
	const size_t np = sizeof precs / sizeof precs[0];

	failures = 0;
	for (long i = 0; i < 500000; i++) {
		uint64_t bits = next_rand();
		double v;
		memcpy(&v, &bits, sizeof v);
		if (!isfinite(v))
			continue;
		check(v, precs[i % np]);
	}
	tap_ok(failures == 0, "random bit patterns: %ld differ", failures);

	failures = 0;
	for (long i = 0; i < 1000000; i++) {
		/* magnitudes 1e-12 .. 1e24, where the fast path works */
		double v = ldexp((double)(next_rand() >> 11), (int)(next_rand() % 120) - 93);
		if (next_rand() & 1)
			v = -v;
		check(v, precs[i % np]);
	}
	tap_ok(failures == 0, "random values of common magnitudes: %ld differ", failures);

	failures = 0;
	for (long i = 0; i < 1000000; i++) {
		double v = (double)(int64_t)(next_rand() % 2000000001 - 1000000000) /
		           pow(10, (double)(next_rand() % 12));
		check(v, precs[i % np]);
		check((float)v, precs[i % np]);
	}
	tap_ok(failures == 0, "short decimals and floats: %ld differ", failures);

	failures = 0;
	for (long i = 0; i < 200000; i++) {
		/* a few significant bits and a half: exact decimal ties */
		double v = ldexp((double)(next_rand() % 4096) + 0.5, (int)(next_rand() % 40) - 20);
		for (size_t p = 0; p < np; p++)
			check(v, precs[p]);
	}
	static const double fixed[] = { 0.5, 1.5, 2.5, 0.25, 0.125, 1e15, 1e16, 1e17, 9.5,
		                        99.5, 999999.5, 0.1, 1e-5, 1e-4, 123456789012345678.0,
		                        9.999999999999999e22, 1e-7, 5e-324, 1.7976931348623157e308,
		                        0.0, -0.0, 1e21, 1e22, 1e23 };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		for (int p = 1; p <= 17; p++)
			check(fixed[i], p);
	/* next to powers of ten, where the leading digit's exponent is easy to
	 * get wrong by one and rounding can carry into the next power */
	for (int j = -12; j <= 30; j++) {
		double v = pow(10, j);
		double lo = v, hi = v;
		for (int k = 0; k < 40; k++) {
			for (int p = 1; p <= 17; p++) {
				check(lo, p);
				check(hi, p);
				check((float)lo, p);
			}
			lo = nextafter(lo, 0);
			hi = nextafter(hi, INFINITY);
		}
	}
	tap_ok(failures == 0, "ties, powers of ten and extremes: %ld differ", failures);

	/* SYSTEMTIME: year, month, day of week (not shown), day, hour, minute,
	 * second, milliseconds; any u16 in any field */
	etl_decoder *d = NULL;
	etl_strbuf out = { 0 };
	failures = 0;
	tap_ok(etl_decoder_new(NULL, &d) == ETL_OK, "decoder");
	etl_prop pr = { .name = "t", .in_type = ETL_IN_SYSTEMTIME, .out_type = ETL_OUT_DATETIME };
	for (long i = 0; d && i < 100000; i++) {
		uint8_t st[16];
		uint16_t f[8];
		for (int k = 0; k < 8; k++) {
			uint64_t r = next_rand();
			f[k] = (uint16_t)(r & 1 ? r >> 8 : (r >> 8) % (k == 0 ? 3000 : 70));
			st[2 * k] = (uint8_t)f[k];
			st[2 * k + 1] = (uint8_t)(f[k] >> 8);
		}
		char want[96];
		snprintf(want, sizeof want, "\"%04u-%02u-%02uT%02u:%02u:%02u.%03u0000Z\"", f[0], f[1],
		         f[3], f[4], f[5], f[6], f[7]);
		size_t used = 0;
		out.len = 0;
		if (!etl_decode_element(d, &pr, st, sizeof st, 8, &out, &used) || used != 16 ||
		    strcmp(out.p, want) != 0) {
			if (failures++ < 10)
				tap_diag("SYSTEMTIME: printf %s, decoder %s", want, out.p ? out.p : "");
		}
	}
	tap_ok(failures == 0, "SYSTEMTIME fields in and out of range: %ld differ", failures);
	etl_strbuf_free(&out);
	etl_decoder_free(d);

	/* JSON strings: runs of plain ASCII (the fast path), UTF-8 of every
	 * length, broken sequences, surrogates, quotes and control bytes */
	static const char *const pieces[] = {
		"plain ascii text ", "a", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3", "\xe2\x82",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\xff", "\x80", "12345678",
	};
	etl_strbuf want = { 0 }, got = { 0 };
	failures = 0;
	for (long i = 0; i < 100000; i++) {
		unsigned char s[256];
		size_t n = 0;
		int parts = (int)(next_rand() % 12);
		for (int k = 0; k < parts; k++) {
			const char *pc = pieces[next_rand() % (sizeof pieces / sizeof pieces[0])];
			size_t l = strlen(pc);
			if (n + l > sizeof s)
				break;
			memcpy(s + n, pc, l);
			n += l;
		}
		if (next_rand() % 4 == 0 && n)
			n -= next_rand() % n;   /* cut inside a sequence */
		want.len = got.len = 0;
		json_reference(&want, s, n);
		etl_put_json_string(&got, (const char *)s, n);
		if (want.len != got.len || memcmp(want.p, got.p, want.len) != 0) {
			if (failures++ < 10)
				tap_diag("JSON string: want %s, got %s", want.p, got.p);
		}
	}
	tap_ok(failures == 0, "JSON strings of mixed pieces: %ld differ", failures);
	etl_strbuf_free(&want);
	etl_strbuf_free(&got);

	static const uint16_t units[] = { 'a', 'Z', ' ', '~', 0x7F, 0x80, 0xE9, 0x20AC, 0xFFFF,
		                          0xD83D, 0xDE00, 0xDC00, 0xD800, 0 };
	failures = 0;
	for (long i = 0; i < 200000; i++) {
		uint8_t src[128];
		size_t n = next_rand() % 64;
		bool ascii_run = next_rand() & 1;
		for (size_t k = 0; k < n; k++) {
			uint16_t u;
			if (ascii_run && next_rand() % 16)
				u = (uint16_t)(0x20 + next_rand() % 0x5F);
			else if (next_rand() % 8 == 0)
				u = 0xD83D;    /* a pair, maybe cut */
			else
				u = units[next_rand() % (sizeof units / sizeof units[0] - (next_rand() % 8 ? 1 : 0))];
			src[2 * k] = (uint8_t)u;
			src[2 * k + 1] = (uint8_t)(u >> 8);
			if (u == 0xD83D && k + 1 < n && next_rand() % 4) {
				k++;
				src[2 * k] = 0x00;
				src[2 * k + 1] = 0xDE;
			}
		}
		char a[512], g[512];
		size_t na = utf16_reference(src, n, a);
		size_t ng = etl_utf16_to_utf8(src, n, g, n * 3 + 1);
		if (na != ng || memcmp(a, g, na + 1) != 0) {
			if (failures++ < 10)
				tap_diag("UTF-16 of %zu units: %zu bytes, converter %zu", n, na, ng);
		}
	}
	tap_ok(failures == 0, "UTF-16 to UTF-8 of mixed units: %ld differ", failures);

	failures = 0;
	for (long i = 0; i < 2000000; i++) {
		/* every length: a random value shifted down to a random width,
		 * and the powers of ten and their neighbours */
		uint64_t v = next_rand() >> (next_rand() % 64);
		if (i % 4 == 0) {
			uint64_t p = 1;
			for (int k = (int)(next_rand() % 20); k > 0; k--)
				p *= 10;
			v = p + (uint64_t)((int64_t)(next_rand() % 5) - 2);
		}
		char pw[3][32], fw[3][32];
		snprintf(pw[0], 32, "%llu", (unsigned long long)v);
		snprintf(pw[1], 32, "%lld", (long long)(int64_t)v);
		snprintf(pw[2], 32, "0x%llx", (unsigned long long)v);
		*etl_fmt_u64(fw[0], v) = 0;
		*etl_fmt_i64(fw[1], (int64_t)v) = 0;
		*etl_fmt_hex64(fw[2], v) = 0;
		for (int k = 0; k < 3; k++)
			if (strcmp(pw[k], fw[k]) != 0 && failures++ < 10)
				tap_diag("integer: printf %s, formatter %s", pw[k], fw[k]);
	}
	tap_ok(failures == 0, "integers of every length: %ld differ", failures);

	failures = 0;
	etl_time_cache tc = { 0 };
	int64_t ft = 133699866499246929;
	for (long i = 0; i < 1000000; i++) {
		/* mostly small steps (the cache's case), some jumps, negatives */
		uint64_t r = next_rand();
		if (r % 100 == 0)
			ft = (int64_t)(next_rand() >> (next_rand() % 64));
		else if (r % 100 == 1)
			ft = -(int64_t)(next_rand() >> 1);
		else
			ft += (int64_t)(r % 20000000);
		char a[ETL_TIME_STRLEN + 8] = "", g[ETL_TIME_STRLEN + 8];
		size_t na = etl_filetime_format(ft, a, ETL_TIME_STRLEN);
		char *end = etl_fmt_time_cached(g, ft, &tc);
		size_t ng = (size_t)(end - g);
		if (na != ng || memcmp(a, g, na) != 0) {
			if (failures++ < 10)
				tap_diag("time %lld: %s, cached %.*s", (long long)ft, a, (int)ng, g);
		}
	}
	tap_ok(failures == 0, "times, cached and not: %ld differ", failures);
	return tap_done();
}
