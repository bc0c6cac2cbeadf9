/*
 * clock.c - FILETIME text: 100 ns ticks since 1601-01-01 UTC, printed as
 * ISO-8601 with seven fractional digits, computed without the C library so
 * that every year from 1601 to 30828 prints the same on every platform.
 */
#define ETLKIT_INTERNAL
#include "private.h"

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static char *digits(char *o, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + n;
}

size_t etl_filetime_format(int64_t ft, char *out, size_t size)
{
	if (size < ETL_TIME_STRLEN)
		return 0;
	if (ft < 0)
		ft = 0;
	/* 11644473600 s between 1601-01-01 and 1970-01-01 */
	int64_t secs = ft / 10000000 - 11644473600LL;
	uint64_t frac = (uint64_t)(ft % 10000000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y > 9999)
		y = 9999; /* keep the fixed width; such times are garbage anyway */
	char *o = out;
	o = digits(o, (uint64_t)y, 4);
	*o++ = '-';
	o = digits(o, m, 2);
	*o++ = '-';
	o = digits(o, d, 2);
	*o++ = 'T';
	o = digits(o, (uint64_t)(sod / 3600), 2);
	*o++ = ':';
	o = digits(o, (uint64_t)(sod / 60 % 60), 2);
	*o++ = ':';
	o = digits(o, (uint64_t)(sod % 60), 2);
	*o++ = '.';
	o = digits(o, frac, 7);
	*o++ = 'Z';
	*o = 0;
	return (size_t)(o - out);
}
