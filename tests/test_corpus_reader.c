/*
 * test_corpus_reader.c - the reader on the real traces of the shared corpus:
 * every record exactly once, with the header kinds the format reference
 * counted, in non-decreasing time order, with CPUs below the processor count
 * and pid/tid absent exactly where the header has none; and every event that
 * PerfView's TraceEvent lists in the baselines is found with the same relative
 * time, CPU and payload length.
 */
#include "tap.h"
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expect {
	const char *file;
	long events;
	/* header kind counts: system32, system64, perfinfo64, trace32, trace64,
	 * event32, event64 (etl-format.md §9) */
	long sys32, sys64, pi64, full32, full64, ev32, ev64;
};

static const struct expect expected[] = {
	{ "amsi.etl", 21, 0, 2, 0, 0, 0, 0, 19 },
	{ "bond-sample.etl", 13, 0, 1, 0, 0, 0, 0, 12 },
	{ "clr-gcevents.etl", 71, 0, 2, 0, 0, 0, 0, 69 },
	{ "clr-net452-x64.etl", 179474, 2, 3189, 100157, 27, 7956, 33378, 34765 },
	{ "http-server.etl", 2042, 0, 1, 0, 0, 0, 0, 2041 },
	{ "kernel-network.etl", 8924, 0, 1, 0, 0, 0, 0, 8923 },
	{ "kernel-process.etl", 10344, 0, 1, 0, 0, 0, 0, 10343 },
	{ "lxcore-kernel.etl", 4, 0, 2, 0, 0, 0, 0, 2 },
	{ "primitive-types.etl", 7, 0, 2, 0, 0, 0, 0, 5 },
	{ "selfdescribing.etl", 23, 0, 4, 0, 0, 18, 0, 1 },
	{ "shutdown-perfdiag.etl", 17078, 0, 8433, 8645, 0, 0, 0, 0 },
};

struct seen {
	long long rel_us; /* relative time in microseconds (ms with 3 decimals) */
	unsigned cpu;
	unsigned len;
	int used;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	if (x->rel_us != y->rel_us)
		return x->rel_us < y->rel_us ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Every "EVENT <ms>: ... ProceNum=N; DataLen=N;" line of a baseline must match
 * one of our events (relative time rounded as TraceEvent prints it). */
static void check_baseline(const char *dir, const char *base, struct seen *ev, size_t n)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/baselines/%s.traceevent.txt", dir, base);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return;
	qsort(ev, n, sizeof(*ev), cmp_seen);
	char line[65536];
	long lines = 0, found = 0;
	while (fgets(line, sizeof line, fp)) {
		if (strncmp(line, "EVENT ", 6))
			continue;
		char num[64];
		size_t k = 0;
		for (const char *p = line + 6; *p && *p != ':' && k + 1 < sizeof num; p++)
			if (*p != ',')
				num[k++] = *p;
		num[k] = 0;
		double ms = strtod(num, NULL);
		const char *pc = strstr(line, "ProceNum=");
		const char *dl = strstr(line, "DataLen=");
		if (!pc || !dl)
			continue;
		struct seen key = { llround(ms * 1000), (unsigned)atoi(pc + 9), 0, 0 };
		char lenbuf[32];
		k = 0;
		for (const char *p = dl + 8; *p && *p != ';' && k + 1 < sizeof lenbuf; p++)
			if (*p != ',')
				lenbuf[k++] = *p;
		lenbuf[k] = 0;
		key.len = (unsigned)atoi(lenbuf);
		lines++;
		struct seen *hit = bsearch(&key, ev, n, sizeof(*ev), cmp_seen);
		if (hit)
			found++;
		else
			tap_diag("%s: not found: %.*s", base, 120, line);
	}
	fclose(fp);
	tap_ok(lines > 0 && found == lines, "%s: %ld of %ld TraceEvent baseline events found with the same time, cpu and length",
	       base, found, lines);
}

int main(void)
{
	const char *dir = tl_corpus_dir();
	if (!dir) {
		tap_skip_all("shared corpus not found (set ETLKIT_CORPUS)");
		return 0;
	}
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expect *x = &expected[i];
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, x->file);
		const char *p = path;
		etl_trace *t = NULL;
		char err[512];
		unsigned long warnings = 0;
		etl_open_options opt = { NULL, NULL, 0 };
		(void)warnings;
		if (!tap_ok(etl_trace_open(&p, 1, &opt, &t, err, sizeof err) == ETL_OK, "%s opens", x->file)) {
			tap_diag("%s", err);
			continue;
		}
		const etl_trace_info *in = etl_trace_info_get(t, 0);
		long n = 0, kinds[ETL_HDR_KIND_COUNT] = { 0 };
		long out_of_order = 0, bad_cpu = 0, bad_ids = 0;
		int64_t last = INT64_MIN;
		size_t cap = 1024;
		struct seen *seen = malloc(cap * sizeof(*seen));
		int64_t t0 = 0;
		const etl_event *ev;
		etl_status st;
		while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
			if (n == 0)
				t0 = ev->raw_timestamp;
			if (ev->timestamp < last)
				out_of_order++;
			last = ev->timestamp;
			kinds[ev->header]++;
			if (ev->cpu >= in->number_of_processors)
				bad_cpu++;
			bool none = ev->header == ETL_HDR_PERFINFO32 || ev->header == ETL_HDR_PERFINFO64;
			/* other headers carry whatever the logger stored, which may be
			 * -1 too (KernelTraceControl events) */
			if (none && (ev->pid != ETL_NO_ID || ev->tid != ETL_NO_ID))
				bad_ids++;
			if ((size_t)n == cap) {
				cap *= 2;
				seen = realloc(seen, cap * sizeof(*seen));
			}
			/* TraceEvent: (T - T0) * 1000 / F ms, printed with 3 decimals,
			 * rounded half away from zero (exact integer arithmetic here) */
			long long d = ev->raw_timestamp - t0, f = in->perf_freq;
			seen[n].rel_us = (long long)(((__int128)d * 2000000 + f) / (2 * f));
			seen[n].cpu = ev->cpu;
			seen[n].len = (unsigned)ev->size;
			seen[n].used = 0;
			n++;
		}
		tap_ok(st == ETL_EOF, "%s: read to the end", x->file);
		tap_ok(n == x->events, "%s: %ld events (expected %ld)", x->file, n, x->events);
		tap_ok(kinds[ETL_HDR_SYSTEM32] == x->sys32 && kinds[ETL_HDR_SYSTEM64] == x->sys64 &&
		       kinds[ETL_HDR_PERFINFO64] == x->pi64 && kinds[ETL_HDR_FULL32] == x->full32 &&
		       kinds[ETL_HDR_FULL64] == x->full64 && kinds[ETL_HDR_EVENT32] == x->ev32 &&
		       kinds[ETL_HDR_EVENT64] == x->ev64,
		       "%s: header kinds as counted in the format reference", x->file);
		tap_ok(out_of_order == 0, "%s: time order (%ld out of order)", x->file, out_of_order);
		tap_ok(bad_cpu == 0, "%s: every cpu below NumberOfProcessors", x->file);
		tap_ok(bad_ids == 0, "%s: pid/tid absent for perfinfo headers", x->file);
		tap_ok(in->damaged_buffers == 0 && in->damaged_records == 0, "%s: nothing damaged", x->file);
		tap_ok(in->buffers == in->buffers_written, "%s: %llu buffers walked = BuffersWritten",
		       x->file, (unsigned long long)in->buffers);
		char base[256];
		snprintf(base, sizeof base, "%s", x->file);
		*strrchr(base, '.') = 0;
		check_baseline(dir, base, seen, (size_t)n);
		free(seen);
		etl_trace_close(t);
	}

	/* facts of the format reference (etl-format.md §5.3) */
	char path[4200];
	snprintf(path, sizeof path, "%s/primitive-types.etl", dir);
	const char *p = path;
	etl_trace *t = NULL;
	char err[512];
	if (etl_trace_open(&p, 1, NULL, &t, err, sizeof err) == ETL_OK) {
		const etl_trace_info *in = etl_trace_info_get(t, 0);
		char s[ETL_TIME_STRLEN];
		etl_filetime_format(in->start_time, s, sizeof s);
		/* the reference gives 14:59:32.857852 at microsecond precision */
		tap_ok(llabs(in->start_time - 132756731728578520LL) <= 10, "primitive-types start time %s", s);
		tap_ok(!strcmp(in->logger_name, "solar_system"), "logger name '%s'", in->logger_name);
		tap_ok(!strcmp(in->log_file_name, "C:\\primitive-types_000004.etl"), "log file name '%s'",
		       in->log_file_name);
		tap_ok(in->clock_type == 1 && in->perf_freq == 10000000 && in->pointer_size == 8,
		       "clock, frequency and pointer size");
		const etl_event *ev;
		int64_t first = 0, lastts = 0;
		long n = 0;
		while (etl_trace_next(t, &ev) == ETL_OK) {
			if (!n++)
				first = ev->timestamp;
			lastts = ev->timestamp;
		}
		tap_ok(first == in->start_time, "the first event is at StartTime");
		etl_filetime_format(lastts, s, sizeof s);
		tap_ok(!strncmp(s, "2021-09-09T14:59:37.484502", 26), "last event %s", s);
		etl_trace_close(t);
	}
	snprintf(path, sizeof path, "%s/amsi.etl", dir);
	if (etl_trace_open(&p, 1, NULL, &t, err, sizeof err) == ETL_OK) {
		tap_ok(etl_trace_info_get(t, 0)->events_lost == 3, "amsi.etl EventsLost = 3");
		etl_trace_close(t);
	}

	/* several files merge into one time-ordered stream */
	const char *two[2];
	char p1[4200], p2[4200];
	snprintf(p1, sizeof p1, "%s/http-server.etl", dir);
	snprintf(p2, sizeof p2, "%s/kernel-network.etl", dir);
	two[0] = p1;
	two[1] = p2;
	if (tap_ok(etl_trace_open(two, 2, NULL, &t, err, sizeof err) == ETL_OK, "two files open together")) {
		const etl_event *ev;
		long n = 0, bad = 0, per[2] = { 0 };
		int64_t last = INT64_MIN;
		while (etl_trace_next(t, &ev) == ETL_OK) {
			if (ev->timestamp < last)
				bad++;
			last = ev->timestamp;
			per[ev->file]++;
			n++;
		}
		tap_ok(n == 2042 + 8924 && per[0] == 2042 && per[1] == 8924 && bad == 0,
		       "merged: %ld events, %ld out of order", n, bad);
		etl_trace_close(t);
	}
	return tap_done();
}
