/*
 * tap.h - a minimal Test Anything Protocol emitter for the unit tests.
 * Each check prints one "ok N - name" or "not ok N - name" line; tap_done()
 * prints the plan and returns the exit status for main().
 */
#ifndef ETLKIT_TAP_H
#define ETLKIT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#define TAP_EQ_U64(a, b, ...) tap_ok((unsigned long long)(a) == (unsigned long long)(b), __VA_ARGS__)

#endif
