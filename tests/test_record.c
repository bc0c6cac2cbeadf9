/*
 * test_record.c - etl_record_peek(), which lets scans step over records
 * unparsed, agrees with etl_record_parse(): whenever it gives a size, the
 * parser accepts the record with that size and the same raw timestamp.
 * Checked on every record of an uncompressed etlgen trace (all header kinds,
 * both widths) and on a million random mutations of their header bytes.
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "testlib.h"
#include "../lib/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	return tl_rand(&rng);
}

/* Peek and parse of p; false when peek gives a size the parser disputes. */
static bool agree(const uint8_t *p, size_t avail, bool *peeked)
{
	etl_ext_vec ext = { 0 };
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	size_t size = 0;
	bool has_time = true;
	char why[200];
	int64_t raw = 0;
	size_t n = etl_record_peek(p, avail, &raw);
	etl_rec_result r = etl_record_parse(p, avail, &ev, &ext, &size, &has_time, why, sizeof why);
	etl_ext_vec_free(&ext);
	*peeked = n != 0;
	return !n || (r == ETL_REC_OK && size == n && has_time && ev.raw_timestamp == raw);
}

int main(void)
{
	char gen[4096];
	snprintf(gen, sizeof gen, "%s/record.etl", tl_tmpdir());
	for (int ptr = 4; ptr <= 8; ptr += 4) {
		char args[256];
		snprintf(args, sizeof args, "--events 20000 --cpus 2 --seed 5 --pointer-size %d", ptr);
		if (!tap_ok(tl_etlgen(gen, args) == 0, "etlgen trace, %d-byte pointers", ptr))
			continue;
		size_t flen = 0;
		uint8_t *file = tl_read_file(gen, &flen);
		char err[512];
		etl_trace *t = NULL;
		const char *path = gen;
		if (!tap_ok(file && etl_trace_open(&path, 1, NULL, &t, err, sizeof err) == ETL_OK,
		            "opened")) {
			free(file);
			continue;
		}
		/* every record where the reader found it, with the rest of its
		 * buffer after it */
		long records = 0, peeked = 0, bad = 0, mutants = 0, mpeeked = 0, mbad = 0;
		const etl_event *ev;
		uint8_t rec[65536 + 64];
		while (etl_trace_next(t, &ev) == ETL_OK) {
			uint64_t at = ev->buffer_offset + ev->record_offset;
			if (at >= flen)
				continue;
			size_t avail = flen - at < sizeof rec ? flen - at : sizeof rec;
			const uint8_t *p = file + at;
			bool pk;
			records++;
			if (!agree(p, avail, &pk))
				bad++;
			peeked += pk;
			/* mutations of the header and extended-item bytes */
			for (int m = 0; m < 25; m++) {
				size_t n = avail < 4096 ? avail : 4096;
				size_t head = n < 160 ? n : 160;
				memcpy(rec, p, n);
				int flips = 1 + (int)(next_rand() % 3);
				for (int k = 0; k < flips; k++)
					rec[next_rand() % head] = (uint8_t)next_rand();
				size_t mavail = n - next_rand() % (n / 4 + 1);
				mutants++;
				if (!agree(rec, mavail, &pk))
					mbad++;
				mpeeked += pk;
			}
		}
		tap_ok(records > 20000 && peeked > records / 2 && bad == 0,
		       "%d-byte pointers: %ld records, %ld stepped over by size, %ld disagree", ptr,
		       records, peeked, bad);
		tap_ok(mutants > 500000 && mpeeked > 0 && mbad == 0,
		       "%d-byte pointers: %ld mutated records, %ld peeked, %ld disagree", ptr, mutants,
		       mpeeked, mbad);
		etl_trace_close(t);
		free(file);
		remove(gen);
	}
	return tap_done();
}
