/*
 * test_numfmt.c - etl_format_g() writes what printf's %.<P>g writes, for
 * every precision decoding uses (7, 9, 15, 17) and the ones around them: on
 * random bit patterns of every magnitude, on short decimals (the values
 * producers usually log), on floats, and on exact ties, which printf rounds
 * to even.
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "../lib/private.h"

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
	return tap_done();
}
