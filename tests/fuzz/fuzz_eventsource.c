/*
 * fuzz_eventsource.c - reassembly of the EventSource manifests carried in a
 * trace (etl_eventsource_feed): chunks of several writers, interleaved,
 * repeated, out of order, then the manifests that completed are listed,
 * described and used to decode.
 *
 * Input: a list of chunks, each
 *   u8     writer: bit 0 picks one of two providers, bits 1-2 the process,
 *          bits 3-4 the thread (so up to 32 interleaved streams)
 *   u16 LE length of the chunk, cut to what the input holds
 *   bytes  the event payload: the 8-byte chunk header
 *          (format, major, minor, magic 0x5B, u16 total, u16 number), XML
 * The last chunk's bytes also serve as the payload decoded afterwards.
 */
#include "fuzz.h"

static const etl_guid providers[2] = {
	{ 0x8e9f5090, 0x2d75, 0x4d03, { 0x8a, 0x81, 0xe5, 0xaf, 0xbf, 0x85, 0xda, 0xf1 } },
	{ 0x7f2a1b3c, 0x4d5e, 0x5f60, { 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8 } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	etl_schemas *s = NULL;
	etl_eventsource *es = etl_eventsource_new();
	if (!es || etl_schemas_new(&s) != ETL_OK)
		abort();
	struct fz_in in = { data, size, 0 };
	const uint8_t *last = NULL;
	size_t last_len = 0;
	while (fz_left(&in) >= 3) {
		unsigned w = fz_u8(&in);
		size_t n;
		const uint8_t *chunk = fz_take(&in, fz_u16(&in), &n);
		char err[256] = "";
		etl_eventsource_feed(es, s, &providers[w & 1], 1000 + (w >> 1 & 3),
		                     2000 + (w >> 3 & 3), chunk, n, err, sizeof err);
		fz_check_msg(err, sizeof err);
		last = chunk;
		last_len = n;
	}
	etl_eventsource_free(es);
	fz_exercise_store(s, last, last_len);
	etl_schemas_free(s);
	return 0;
}
