/*
 * test_stats.c - the statistics module (lib/stats.c): counts add up in every
 * table, the caps fold later keys into `other`, the timeline keeps its
 * buckets and totals whatever the span and order, the outputs are
 * well-formed, and a trace read directly and the database convert made of
 * it give the same numbers.
 */
#include "etlkit.h"
#include "tap.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECOND 10000000LL

static etl_event make_event(unsigned provider, unsigned id, uint32_t pid, uint32_t cpu, int64_t ts)
{
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	ev.header = ETL_HDR_EVENT64;
	ev.flags = ETL_EVF_64_BIT_HEADER;
	ev.provider.data1 = 0x1000 + provider;
	ev.provider.data2 = 0x2222;
	ev.id = (uint16_t)id;
	ev.pid = pid;
	ev.tid = pid + 1;
	ev.cpu = cpu;
	ev.timestamp = ts;
	ev.size = 10;
	ev.pointer_size = 8;
	return ev;
}

static uint64_t sum_series(const uint64_t *v, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static void test_empty(void)
{
	etl_stats *s = NULL;
	tap_ok(etl_stats_new(NULL, &s) == ETL_OK && s, "new");
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	tap_ok(m.events == 0 && m.buckets == 0 && m.files == 0, "empty: no events, buckets, files");
	const etl_stats_provider *p;
	tap_ok(etl_stats_providers(s, &p) == 0, "empty: no providers");
	FILE *fp = tmpfile();
	tap_ok(fp && etl_stats_write(s, "json", fp, NULL) == ETL_OK, "empty: json");
	tap_ok(etl_stats_write(s, "text", fp, NULL) == ETL_OK, "empty: text");
	tap_ok(etl_stats_write(s, "html", fp, NULL) == ETL_OK, "empty: html");
	tap_ok(etl_stats_write(s, "xml", fp, NULL) == ETL_ERR_ARG, "unknown format refused");
	etl_stats_write_options o = { 0 };
	o.table = "nope";
	tap_ok(etl_stats_write(s, "csv", fp, &o) == ETL_ERR_ARG &&
	       strstr(etl_stats_errmsg(s), "nope"), "unknown table refused, named");
	if (fp)
		fclose(fp);
	etl_stats_free(s);
	etl_stats_free(NULL);
	tap_ok(etl_stats_new(NULL, NULL) == ETL_ERR_ARG, "new without out: ETL_ERR_ARG");
}

/* 3000 events over 5 providers, 7 ids, 11 pids, 4 CPUs, 60 s */
static void test_counts(void)
{
	etl_stats *s = NULL;
	etl_stats_new(NULL, &s);
	int64_t t0 = 133000000000000000LL;
	for (unsigned i = 0; i < 3000; i++) {
		etl_event ev = make_event(i % 5, i % 7, 100 + i % 11, i % 4, t0 + (int64_t)i * SECOND / 50);
		if (etl_stats_add_event(s, &ev, NULL, 0) != ETL_OK)
			break;
	}
	/* a filtered-out event is not counted */
	etl_event ev = make_event(9, 1, 1, 0, t0);
	etl_stats_add_event(s, &ev, NULL, ETL_STATS_TRACK_ONLY);
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	TAP_EQ_U64(m.events, 3000, "3000 events counted");
	TAP_EQ_U64(m.undecoded, 3000, "without a decoder: all without a schema");
	tap_ok(m.first_ts == t0 && m.last_ts == t0 + 2999LL * SECOND / 50, "first and last time");
	const etl_stats_provider *p;
	size_t np = etl_stats_providers(s, &p);
	uint64_t sum = 0;
	for (size_t i = 0; i < np; i++)
		sum += p[i].events;
	tap_ok(np == 5 && sum == 3000, "5 providers adding up (%zu, %llu)", np, (unsigned long long)sum);
	tap_ok(np && p[0].events >= p[np - 1].events, "providers sorted by events");
	const etl_stats_event_type *t;
	size_t nt = etl_stats_event_types(s, &t);
	sum = 0;
	for (size_t i = 0; i < nt; i++)
		sum += t[i].events;
	tap_ok(nt == 35 && sum == 3000, "35 event types adding up (%zu)", nt);
	tap_ok(nt && t[0].name && !strncmp(t[0].name, "id ", 3), "an unnamed type is called by its id");
	const etl_stats_process *pr;
	size_t npr = etl_stats_processes(s, &pr);
	sum = 0;
	for (size_t i = 0; i < npr; i++)
		sum += pr[i].events;
	tap_ok(npr == 11 && sum == 3000, "11 processes adding up (%zu)", npr);
	const etl_stats_cpu *c;
	size_t nc = etl_stats_cpus(s, &c);
	tap_ok(nc == 4 && c[0].cpu == 0 && c[3].cpu == 3 && c[0].events == 750, "4 CPUs in order");
	size_t nb;
	const uint64_t *tl = etl_stats_timeline(s, ETL_STATS_TIMELINE_EVENTS, &nb);
	tap_ok(nb > 0 && nb <= ETL_STATS_BUCKETS && sum_series(tl, nb) == 3000,
	       "timeline: %zu buckets adding up", nb);
	tap_ok(m.bucket_width % 78125 == 0 && (SECOND % m.bucket_width == 0 || m.bucket_width % SECOND == 0),
	       "bucket width %lld: a power-of-two fraction or multiple of a second",
	       (long long)m.bucket_width);
	tap_ok((int64_t)nb * m.bucket_width > m.last_ts - m.timeline_start, "timeline covers the span");
	uint64_t psum = 0;
	for (size_t i = 0; i < np; i++)
		psum += sum_series(p[i].timeline, nb);
	TAP_EQ_U64(psum, 3000, "provider series add up to the total");
	tap_ok(m.average_rate > 49 && m.average_rate < 51, "average rate 50/s (%.2f)", m.average_rate);
	tap_ok(m.peak_rate >= 50 && m.peak_rate <= 51, "peak rate 50/s (%.2f)", m.peak_rate);
	etl_stats_free(s);
}

static void test_caps(void)
{
	etl_stats_options o = { 4 };
	etl_stats *s = NULL;
	etl_stats_new(&o, &s);
	int64_t t0 = 133000000000000000LL;
	for (unsigned i = 0; i < 1000; i++) {
		etl_event ev = make_event(i % 10, i % 20, 1000 + i % 30, i % 8, t0 + i);
		etl_stats_add_event(s, &ev, NULL, 0);
	}
	const etl_stats_provider *p;
	size_t np = etl_stats_providers(s, &p);
	uint64_t sum = 0;
	for (size_t i = 0; i < np; i++)
		sum += p[i].events;
	tap_ok(np == 5 && p[4].other && sum == 1000, "providers: 4 kept, the rest one 'other' row last");
	const etl_stats_event_type *t;
	size_t nt = etl_stats_event_types(s, &t);
	sum = 0;
	for (size_t i = 0; i < nt; i++)
		sum += t[i].events;
	tap_ok(nt == 5 && t[4].other && sum == 1000, "event types: capped, adding up");
	const etl_stats_process *pr;
	size_t npr = etl_stats_processes(s, &pr);
	sum = 0;
	for (size_t i = 0; i < npr; i++)
		sum += pr[i].events;
	tap_ok(npr == 5 && pr[4].other && sum == 1000, "processes: capped, adding up");
	const etl_stats_cpu *c;
	size_t nc = etl_stats_cpus(s, &c);
	sum = 0;
	for (size_t i = 0; i < nc; i++)
		sum += c[i].events;
	tap_ok(nc == 5 && c[4].other && sum == 1000, "CPUs: capped, adding up");
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	tap_ok(m.providers == 4 && m.max_keys == 4, "summary tells the cap");
	etl_stats_free(s);
}

/* events out of time order, over hours: the origin moves back, buckets merge */
static void test_timeline_order(void)
{
	etl_stats *s = NULL;
	etl_stats_new(NULL, &s);
	int64_t t0 = 133000000000000000LL;
	static const int64_t offs[] = { 50, 0, 7200, 3, -30, 1, 86400, -600, 12 };
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		etl_event ev = make_event(1, 1, 4, 0, t0 + offs[i] * SECOND);
		etl_stats_add_event(s, &ev, NULL, 0);
	}
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	size_t nb;
	const uint64_t *tl = etl_stats_timeline(s, ETL_STATS_TIMELINE_EVENTS, &nb);
	tap_ok(sum_series(tl, nb) == 9 && nb <= ETL_STATS_BUCKETS, "out of order: all 9 in %zu buckets", nb);
	tap_ok(m.timeline_start <= t0 - 600 * SECOND &&
	       m.timeline_start + (int64_t)nb * m.bucket_width > t0 + 86400 * SECOND,
	       "the timeline covers the earliest and the latest");
	tap_ok(m.first_ts == t0 - 600 * SECOND && m.last_ts == t0 + 86400 * SECOND, "first and last");
	/* the bucket of each event is where its time says */
	uint64_t at = (uint64_t)(t0 + 86400 * SECOND - m.timeline_start) / (uint64_t)m.bucket_width;
	tap_ok(at < nb && tl[at] >= 1, "the last event is in its bucket");
	/* absurd times (a damaged record): counted, at an edge, no overflow */
	static const int64_t wild[] = { INT64_MIN, INT64_MAX, 0, -1, INT64_MAX / 2 };
	for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
		etl_event ev = make_event(2, 1, 4, 0, wild[i]);
		etl_stats_add_event(s, &ev, NULL, 0);
	}
	tl = etl_stats_timeline(s, ETL_STATS_TIMELINE_EVENTS, &nb);
	tap_ok(sum_series(tl, nb) == 14 && nb <= ETL_STATS_BUCKETS, "absurd times: counted in %zu buckets", nb);
	FILE *fp = tmpfile();
	tap_ok(fp && etl_stats_write(s, "html", fp, NULL) == ETL_OK &&
	       etl_stats_write(s, "text", fp, NULL) == ETL_OK, "absurd times: the outputs still write");
	if (fp)
		fclose(fp);
	etl_stats_free(s);
}

/* a real (synthetic) trace: decoded, processes, I/O; then its database */
static void test_trace_and_database(void)
{
	const char *dir = tl_tmpdir();
	char etl[512], man[512], db[512], args[600];
	snprintf(etl, sizeof etl, "%s/stats.etl", dir);
	snprintf(man, sizeof man, "%s/stats.man", dir);
	snprintf(db, sizeof db, "%s/stats.db", dir);
	snprintf(args, sizeof args, "--events 4000 --cpus 3 --seed 11 --manifest-out %s", man);
	if (!tap_ok(tl_etlgen(etl, args) == 0, "etlgen fixture"))
		return;
	const char *paths[] = { etl };
	etl_trace *t = NULL;
	char err[512];
	etl_schemas *sc = NULL;
	etl_decoder *d = NULL;
	etl_schemas_new(&sc);
	etl_schemas_add_manifest(sc, man);
	etl_decoder_new(sc, &d);
	if (!tap_ok(etl_trace_open(paths, 1, NULL, &t, err, sizeof err) == ETL_OK, "open"))
		return;
	long n = tl_count_events(t);
	etl_trace_rewind(t);
	etl_decoder_prescan(d, t);
	etl_stats *s = NULL;
	etl_stats_new(NULL, &s);
	tap_ok(etl_stats_add_trace(s, t, d, NULL) == ETL_OK, "add_trace");
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	TAP_EQ_U64(m.events, n, "every event counted (%ld)", n);
	tap_ok(m.files == 1 && etl_stats_file(s, 0) && !strcmp(etl_stats_file(s, 0)->path, etl),
	       "the file's header, with its path");
	tap_ok(m.decoded > 0 && m.decoded + m.partial + m.undecoded == m.events, "decoded counts add up");
	const etl_stats_process *pr;
	size_t npr = etl_stats_processes(s, &pr);
	size_t named = 0;
	for (size_t i = 0; i < npr; i++)
		named += pr[i].described && pr[i].image;
	tap_ok(named > 0, "processes named by the trace's process events (%zu)", named);

	/* the same trace through convert's database */
	etl_writer *w = NULL;
	unlink(db);
	etl_writer_result res;
	memset(&res, 0, sizeof res);
	bool conv = etl_writer_open("sqlite", db, NULL, &w, err, sizeof err) == ETL_OK &&
	            etl_writer_add_trace(w, paths, 1, sc, &res) == ETL_OK;
	conv = etl_writer_close(w, conv) == ETL_OK && conv;
	if (tap_ok(conv, "convert to a database")) {
		tap_ok(etl_stats_is_database(db) && !etl_stats_is_database(etl), "a database is told apart");
		etl_stats *s2 = NULL;
		etl_stats_new(NULL, &s2);
		tap_ok(etl_stats_add_database(s2, db, NULL) == ETL_OK, "add_database: %s",
		       etl_stats_errmsg(s2));
		etl_stats_summary m2;
		etl_stats_get_summary(s2, &m2);
		tap_ok(m2.events == m.events && m2.decoded == m.decoded && m2.first_ts == m.first_ts &&
		       m2.last_ts == m.last_ts && m2.database, "the database gives the same totals");
		tap_ok(m2.providers == m.providers && m2.event_types == m.event_types,
		       "the same providers and event types (%zu/%zu, %zu/%zu)", m2.providers,
		       m.providers, m2.event_types, m.event_types);
		tap_ok(m2.cpu_samples == m.cpu_samples && m2.disk_read_bytes == m.disk_read_bytes &&
		       m2.disk_reads == m.disk_reads,
		       "the same CPU samples and disk I/O (%llu/%llu, %llu/%llu)",
		       (unsigned long long)m2.cpu_samples, (unsigned long long)m.cpu_samples,
		       (unsigned long long)m2.disk_read_bytes, (unsigned long long)m.disk_read_bytes);
		tap_ok(m2.bucket_width == m.bucket_width && m2.timeline_start == m.timeline_start &&
		       m2.buckets == m.buckets, "the same timeline");
		/* a filter: only one pid */
		etl_filter *f = NULL;
		etl_filter_new(&f);
		const etl_stats_process *top;
		etl_stats_processes(s, &top);
		etl_filter_add_pid(f, top[0].pid, 0);
		etl_stats *s3 = NULL;
		etl_stats_new(NULL, &s3);
		etl_stats_add_database(s3, db, f);
		etl_stats_summary m3;
		etl_stats_get_summary(s3, &m3);
		tap_ok(m3.events > 0 && m3.events < m.events, "a pid filter on the database counts fewer");
		etl_filter_free(f);
		etl_stats_free(s3);
		etl_stats_free(s2);
		char bad[600];
		snprintf(bad, sizeof bad, "%s/nothing.db", dir);
		etl_stats *s4 = NULL;
		etl_stats_new(NULL, &s4);
		tap_ok(etl_stats_add_database(s4, bad, NULL) != ETL_OK && strstr(etl_stats_errmsg(s4), bad),
		       "a missing database: an error naming it");
		etl_stats_free(s4);
		unlink(db);
	}
	etl_stats_free(s);
	etl_trace_close(t);
	etl_decoder_free(d);
	etl_schemas_free(sc);
	unlink(etl);
	unlink(man);
}

int main(void)
{
	test_empty();
	test_counts();
	test_caps();
	test_timeline_order();
	test_trace_and_database();
	return tap_done();
}
