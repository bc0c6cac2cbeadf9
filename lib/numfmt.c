/*
 * numfmt.c - printf's %.<P>g for doubles, without printf.
 *
 * Floating-point properties print as the shortest of %.15g / %.17g (%.7g /
 * %.9g for floats) that reads back as the same value (decode.c), and glibc's
 * printf was most of the cost of events that carry them.  A double is
 * m * 2^e exactly, so P correctly rounded significant digits are
 * round(m * 2^e * 10^k) for the right k: one 128-bit quotient and remainder,
 * ties to even as printf rounds them.  Values whose quotient does not fit in
 * 128 bits (magnitudes far from 1, roughly below 1e-7 or above 1e36) and
 * platforms without 128-bit integers use snprintf.
 */
#define ETLKIT_INTERNAL
#include "private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

static const uint64_t pow10_64[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

static unsigned bits128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	return hi ? 128u - (unsigned)__builtin_clzll(hi) : lo ? 64u - (unsigned)__builtin_clzll(lo) : 0;
}

/* x * 10^k, or 0 when that is 2^126 or more. */
static u128 mul_pow10(u128 x, int k)
{
	const u128 limit = (u128)1 << 126;
	while (k > 0) {
		int step = k > 19 ? 19 : k;
		if (bits128(x) + 64 > 126 && x >= limit / pow10_64[step])
			return 0;
		x *= pow10_64[step];
		k -= step;
	}
	return x;
}

/* floor(m * 2^e * 10^k) into *fl and its rounding, ties to even, into *n;
 * false when the numbers do not fit. */
static bool scaled_round(uint64_t m, int e, int k, uint64_t *fl, uint64_t *n)
{
	u128 num = m, den = 1;
	if (e >= 0) {
		if (bits128(num) + (unsigned)e > 126)
			return false;
		num <<= e;
	} else {
		if (-e > 126)
			return false;
		den <<= -e;
	}
	if (k >= 0) {
		if (!(num = mul_pow10(num, k)))
			return false;
	} else {
		if (!(den = mul_pow10(den, -k)))
			return false;
	}
	u128 q = num / den, r = num % den;
	if (q >> 63)
		return false;
	uint64_t out = (uint64_t)q;
	*fl = out;
	if (2 * r > den || (2 * r == den && (out & 1)))
		out++;
	*n = out;
	return true;
}
#endif

size_t etl_format_g(char *out, double v, int prec)
{
#ifdef __SIZEOF_INT128__
	if (isfinite(v) && v != 0 && prec >= 1 && prec <= 17) {
		int e2;
		double fr = frexp(fabs(v), &e2);       /* |v| = fr * 2^e2, fr in [0.5, 1) */
		uint64_t m = (uint64_t)ldexp(fr, 53);  /* exact: 53 bits */
		int e = e2 - 53;
		/* decimal exponent of the leading digit, maybe off by one */
		int x = (int)floor(log10(fabs(v)));
		uint64_t fl = 0, n = 0;
		bool ok = false;
		for (int tries = 0; tries < 3; tries++) {
			if (!scaled_round(m, e, prec - 1 - x, &fl, &n))
				break;
			/* x is right when the digits before rounding are prec */
			if (fl >= pow10_64[prec]) {
				x++;
				continue;
			}
			if (fl < pow10_64[prec - 1]) {
				x--;
				continue;
			}
			if (n == pow10_64[prec]) {
				/* rounded up to the next power of ten */
				n = pow10_64[prec - 1];
				x++;
			}
			ok = true;
			break;
		}
		if (ok) {
			char d[20];
			for (int i = prec - 1; i >= 0; i--) {
				d[i] = (char)('0' + n % 10);
				n /= 10;
			}
			int nd = prec;
			while (nd > 1 && d[nd - 1] == '0')
				nd--;
			char *o = out;
			if (signbit(v))
				*o++ = '-';
			if (x < -4 || x >= prec) {
				*o++ = d[0];
				if (nd > 1) {
					*o++ = '.';
					memcpy(o, d + 1, (size_t)nd - 1);
					o += nd - 1;
				}
				*o++ = 'e';
				*o++ = x < 0 ? '-' : '+';
				int ax = x < 0 ? -x : x;
				if (ax >= 100)
					*o++ = (char)('0' + ax / 100);
				*o++ = (char)('0' + ax / 10 % 10);
				*o++ = (char)('0' + ax % 10);
			} else if (x >= 0) {
				int ip = x + 1;    /* integer digits, all present: x < prec */
				for (int i = 0; i < ip; i++)
					*o++ = i < nd ? d[i] : '0';
				if (nd > ip) {
					*o++ = '.';
					memcpy(o, d + ip, (size_t)(nd - ip));
					o += nd - ip;
				}
			} else {
				*o++ = '0';
				*o++ = '.';
				for (int i = 0; i < -x - 1; i++)
					*o++ = '0';
				memcpy(o, d, (size_t)nd);
				o += nd;
			}
			*o = 0;
			return (size_t)(o - out);
		}
	}
#endif
	int r = snprintf(out, ETL_FORMAT_G_MAX, "%.*g", prec, v);
	return r < 0 ? 0 : (size_t)r;
}
