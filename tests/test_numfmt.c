/*
 * test_numfmt.c - the hand-written number formatters write what printf
 * writes.  etl_format_g() against %.<P>g, for every precision decoding uses
 * (7, 9, 15, 17) and the ones around them: on random bit patterns of every
 * magnitude, on short decimals (the values producers usually log), on
 * floats, and on exact ties, which printf rounds to even.  SYSTEMTIME values
 * against %04u-%02u-...: in range and out of it.
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "../lib/decode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long failures;

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
	return tap_done();
}
