/*
 * test_damage.c - damaged traces never crash, hang or lose what came before
 * the damage.  For every corpus trace and generated fixture: cuts at many
 * lengths (every buffer boundary +-1 and random points), random byte damage,
 * and hostile values (0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF) in buffer and
 * record header fields.  Each variant must either be refused at open with a
 * message naming the file, or read to the end; after a cut, every event of
 * the buffers wholly before the cut must still come out.
 */
#include "tap.h"
#include "testlib.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
	return tl_rand(&rng);
}

struct base {
	uint64_t *buf_off;   /* distinct buffer offsets, ascending */
	size_t nbufs;
	long *events_in;     /* events per buffer */
	long total;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void quiet(void *ctx, const char *msg)
{
	(void)msg;
	++*(unsigned long *)ctx;
}

/* Reads a variant; returns events, or -1 if refused at open (message checked). */
static long read_variant(const uint8_t *p, size_t n, const char *name, bool *msg_ok, bool *eof)
{
	unsigned long w = 0;
	etl_open_options opt = { quiet, &w, 0 };
	etl_trace *t = NULL;
	char err[1024] = "";
	*eof = true;
	if (etl_trace_open_memory(p, n, name, &opt, &t, err, sizeof err) != ETL_OK) {
		*msg_ok = strstr(err, name) != NULL;
		return -1;
	}
	*msg_ok = true;
	long c = tl_count_events(t);
	*eof = c >= 0;
	etl_trace_close(t);
	return c;
}

static bool index_events(const uint8_t *p, size_t n, struct base *b)
{
	etl_trace *t = NULL;
	char err[512];
	if (etl_trace_open_memory(p, n, "base", NULL, &t, err, sizeof err) != ETL_OK)
		return false;
	size_t cap = 64;
	b->buf_off = malloc(cap * sizeof(*b->buf_off));
	b->nbufs = 0;
	const etl_event *ev;
	long total = 0;
	uint64_t *offs = NULL;
	size_t no = 0, capo = 0;
	while (etl_trace_next(t, &ev) == ETL_OK) {
		if (no == capo) {
			capo = capo ? capo * 2 : 1024;
			offs = realloc(offs, capo * sizeof(*offs));
		}
		offs[no++] = ev->buffer_offset;
		total++;
	}
	etl_trace_close(t);
	qsort(offs, no, sizeof(*offs), cmp_u64);
	b->events_in = calloc(no ? no : 1, sizeof(long));
	for (size_t i = 0; i < no; i++) {
		if (b->nbufs == 0 || b->buf_off[b->nbufs - 1] != offs[i]) {
			if (b->nbufs == cap) {
				cap *= 2;
				b->buf_off = realloc(b->buf_off, cap * sizeof(*b->buf_off));
			}
			b->buf_off[b->nbufs++] = offs[i];
		}
		b->events_in[b->nbufs - 1]++;
	}
	free(offs);
	b->total = total;
	return true;
}

/* Events of buffers that end at or before cut (a buffer ends where the next
 * one with events starts; the last one at the end of the file). */
static long events_before(const struct base *b, size_t cut, size_t size)
{
	long n = 0;
	for (size_t i = 0; i < b->nbufs; i++) {
		uint64_t end = i + 1 < b->nbufs ? b->buf_off[i + 1] : size;
		if (end <= cut)
			n += b->events_in[i];
	}
	return n;
}

static void sweep(const char *label, const uint8_t *orig, size_t size, int cuts, int mutations)
{
	struct base b = { 0 };
	if (!tap_ok(index_events(orig, size, &b), "%s: reads undamaged", label))
		return;
	uint8_t *v = malloc(size);
	long crashes_avoided = 0, lost_before = 0, bad_msg = 0, not_eof = 0;
	/* cuts: around every buffer start (bounded), then random */
	int done = 0;
	for (size_t i = 0; i < b.nbufs && done < cuts / 2; i++, done += 2) {
		for (int d = -1; d <= 1; d += 2) {
			size_t cut = (size_t)((int64_t)b.buf_off[i] + d);
			if (cut == 0 || cut >= size)
				continue;
			bool mok, eof;
			long got = read_variant(orig, cut, label, &mok, &eof);
			if (got < 0 && !mok)
				bad_msg++;
			if (got >= 0 && !eof)
				not_eof++;
			long want = events_before(&b, cut, size);
			if (got >= 0 && got < want)
				lost_before++;
			if (got < 0 && want > 0 && cut > 0x10000)
				lost_before++;
			crashes_avoided++;
		}
	}
	for (; done < cuts; done++) {
		size_t cut = (size_t)(next_rand() % size);
		bool mok, eof;
		long got = read_variant(orig, cut, label, &mok, &eof);
		if (got < 0 && !mok)
			bad_msg++;
		if (got >= 0 && !eof)
			not_eof++;
		if (got >= 0 && got < events_before(&b, cut, size))
			lost_before++;
		crashes_avoided++;
	}
	tap_ok(lost_before == 0 && bad_msg == 0 && not_eof == 0,
	       "%s: %d cuts: no crash, whole buffers before the cut kept (%ld lost, %ld bad messages)",
	       label, cuts, lost_before, bad_msg);

	static const uint32_t hostile[] = { 0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x48, 0x47 };
	static const unsigned buf_fields[] = { 0x00, 0x28, 0x30, 0x34 };
	long variants = 0, bad = 0;
	for (int m = 0; m < mutations; m++) {
		memcpy(v, orig, size);
		int kind = m % 3;
		if (kind == 0) {
			/* random bytes */
			int k = 1 + (int)(next_rand() % 8);
			for (int j = 0; j < k; j++)
				v[next_rand() % size] ^= (uint8_t)(1 + next_rand() % 255);
		} else {
			size_t bi = (size_t)(next_rand() % (b.nbufs ? b.nbufs : 1));
			size_t base = b.nbufs ? (size_t)b.buf_off[bi] : 0;
			uint32_t val = hostile[next_rand() % (sizeof hostile / sizeof hostile[0])];
			size_t at = kind == 1 ? base + buf_fields[next_rand() % 4]
			                      : base + 0x48 + (next_rand() % 2 ? 0 : 4);
			if (at + 4 <= size) {
				v[at] = (uint8_t)val;
				v[at + 1] = (uint8_t)(val >> 8);
				if (kind == 1) {
					v[at + 2] = (uint8_t)(val >> 16);
					v[at + 3] = (uint8_t)(val >> 24);
				}
			}
		}
		bool mok, eof;
		long got = read_variant(v, size, label, &mok, &eof);
		if ((got < 0 && !mok) || (got >= 0 && !eof))
			bad++;
		variants++;
	}
	tap_ok(bad == 0, "%s: %ld damaged variants: no crash, each refused with a message or read to the end",
	       label, variants);
	(void)crashes_avoided;
	free(v);
	free(b.buf_off);
	free(b.events_in);
}

int main(void)
{
	alarm(600); /* a hang fails the test instead of stalling the suite */
	const char *dir = tl_corpus_dir();
	if (dir) {
		for (size_t i = 0; i < tl_corpus_count; i++) {
			char path[4200];
			snprintf(path, sizeof path, "%s/%s", dir, tl_corpus_traces[i]);
			size_t n;
			uint8_t *p = tl_read_file(path, &n);
			if (!tap_ok(p != NULL, "read %s", tl_corpus_traces[i]))
				continue;
			bool big = n > 2000000;
			sweep(tl_corpus_traces[i], p, n, big ? 16 : 60, big ? 24 : 60);
			free(p);
		}
	} else {
		tap_diag("shared corpus not found: only generated fixtures are swept");
	}
	/* generated fixtures: plain and compressed, 32- and 64-bit */
	static const char *gen[] = {
		"--events 3000 --cpus 4 --seed 11",
		"--events 3000 --cpus 3 --compress --seed 12",
		"--events 2000 --cpus 2 --pointer-size 4 --clock cycle --seed 13",
	};
	for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/damage-%zu.etl", tl_tmpdir(), i);
		if (!tap_ok(tl_etlgen(path, gen[i]) == 0, "etlgen %s", gen[i]))
			continue;
		size_t n;
		uint8_t *p = tl_read_file(path, &n);
		if (p)
			sweep(gen[i], p, n, 60, 90);
		free(p);
		unlink(path);
	}
	rmdir(tl_tmpdir());
	return tap_done();
}
