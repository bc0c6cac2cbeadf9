/*
 * fuzz.h - static helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines only LLVMFuzzerTestOneInput; these helpers split the
 * input into framed parts and put a schema store through what a consumer
 * does with it: list every schema, describe every field, and decode a
 * payload with every schema, so that a hostile manifest, MOF text, TEI blob
 * or EventSource manifest reaches the decoder as well as the parser.
 *
 * The same sources build two ways: with libFuzzer (./configure
 * --enable-fuzzing) and with tests/fuzz/replay.c, the plain driver that
 * replays the committed corpus inside `make check`.
 */
#ifndef ETLKIT_FUZZ_H
#define ETLKIT_FUZZ_H

#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds that keep one input fast: a fuzzer needs thousands of runs per
 * second, and the replay driver runs every input of the corpus. */
#define FZ_MAX_SCHEMAS 64   /* schemas decoded per input */
#define FZ_MAX_PAYLOAD 1024 /* payload bytes handed to each of them */

/* A reader over the fuzz input for framed formats: take() returns the next
 * n bytes, or fewer when the input ends (never more than is there). */
struct fz_in {
	const uint8_t *p;
	size_t n, off;
};

static inline size_t fz_left(const struct fz_in *in)
{
	return in->n - in->off;
}

static inline unsigned fz_u8(struct fz_in *in)
{
	return fz_left(in) ? in->p[in->off++] : 0;
}

static inline unsigned fz_u16(struct fz_in *in)
{
	unsigned lo = fz_u8(in);
	return lo | fz_u8(in) << 8;
}

static inline const uint8_t *fz_take(struct fz_in *in, size_t want, size_t *got)
{
	size_t k = want < fz_left(in) ? want : fz_left(in);
	const uint8_t *p = in->p + in->off;
	in->off += k;
	*got = k;
	return p;
}

/* Reads every byte of [p, p + n), so that a pointer or size the library
 * hands out past its buffer is caught by AddressSanitizer here and not
 * silently in a later consumer. */
static inline unsigned fz_touch(const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += b[i];
	return sum;
}

static inline unsigned fz_touch_str(const char *s)
{
	return s ? fz_touch(s, strlen(s)) : 0;
}

/* Everything a decoded event offers to a consumer. */
static inline void fz_touch_decoded(const etl_decoded *dc)
{
	size_t len = 0;
	const char *json = etl_decoded_props_json(dc, &len);
	if (json)
		fz_touch(json, len + 1);
	fz_touch_str(etl_decoded_provider_name(dc));
	fz_touch_str(etl_decoded_event_name(dc));
	fz_touch_str(etl_decoded_task_name(dc));
	fz_touch_str(etl_decoded_opcode_name(dc));
	fz_touch_str(etl_decoded_schema(dc));
	const etl_value *v = NULL;
	size_t nv = etl_decoded_values(dc, &v);
	for (size_t i = 0; i < nv; i++) {
		fz_touch_str(v[i].name);
		fz_touch(v[i].json, v[i].json_len);
	}
}

struct fz_key {
	etl_guid provider;
	int classic;
	uint16_t id, task;
	uint8_t version, opcode, level;
	uint64_t keywords;
};

struct fz_store_ctx {
	struct fz_key keys[FZ_MAX_SCHEMAS];
	unsigned nkeys;
};

static int fz_visit(void *ctx, const etl_event_schema *e)
{
	struct fz_store_ctx *c = ctx;
	if (c->nkeys == FZ_MAX_SCHEMAS)
		return 1;
	etl_event_schema_info in;
	etl_event_schema_describe(e, &in);
	fz_touch_str(in.source);
	fz_touch_str(in.provider_name);
	fz_touch_str(in.event_name);
	fz_touch_str(in.task_name);
	fz_touch_str(in.opcode_name);
	fz_touch_str(in.level_name);
	fz_touch_str(in.channel_name);
	fz_touch_str(in.keywords_name);
	fz_touch_str(in.message);
	etl_field_info fi;
	for (size_t i = 0; etl_event_schema_field(e, i, &fi); i++) {
		if (i >= in.field_count) {
			fprintf(stderr, "fuzz: schema lists more fields than its field_count %zu\n",
			        in.field_count);
			abort();
		}
		fz_touch_str(fi.name);
		fz_touch_str(fi.in_type);
		fz_touch_str(fi.out_type);
		fz_touch_str(fi.map);
		if (!memchr(fi.count, 0, sizeof fi.count) || !memchr(fi.length, 0, sizeof fi.length)) {
			fprintf(stderr, "fuzz: field count/length text not terminated\n");
			abort();
		}
	}
	struct fz_key *k = &c->keys[c->nkeys++];
	k->provider = in.provider;
	k->classic = in.classic;
	k->id = in.id;
	k->task = in.task;
	k->version = in.version;
	k->opcode = in.opcode;
	k->level = in.level;
	k->keywords = in.keywords;
	return 0;
}

/* Lists and describes what the store holds, then decodes `payload` as an
 * event of each schema listed (after the listing: decoding may add
 * schemas, as an EventSource manifest event does), 32- and 64-bit. */
static inline void fz_exercise_store(etl_schemas *s, const uint8_t *payload, size_t n)
{
	struct fz_store_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	etl_schemas_foreach(s, 0, fz_visit, c);
	etl_decoder *dec = NULL;
	if (etl_decoder_new(s, &dec) != ETL_OK) {
		free(c);
		return;
	}
	etl_event ev;
	for (unsigned i = 0; i < c->nkeys; i++) {
		const struct fz_key *k = &c->keys[i];
		memset(&ev, 0, sizeof ev);
		ev.provider = k->provider;
		ev.version = k->version;
		ev.opcode = k->opcode;
		ev.level = k->level;
		ev.task = k->task;
		ev.keywords = k->keywords;
		ev.pid = ev.tid = ETL_NO_ID;
		ev.data = payload;
		ev.size = n < FZ_MAX_PAYLOAD ? n : FZ_MAX_PAYLOAD;
		for (unsigned width = 4; width <= 8; width += 4) {
			ev.pointer_size = width;
			if (k->classic) {
				ev.header = width == 8 ? ETL_HDR_FULL64 : ETL_HDR_FULL32;
			} else {
				ev.header = width == 8 ? ETL_HDR_EVENT64 : ETL_HDR_EVENT32;
				ev.id = k->id;
			}
			const etl_decoded *dc = NULL;
			if (etl_decoder_decode(dec, &ev, &dc) == ETL_OK && dc)
				fz_touch_decoded(dc);
		}
	}
	etl_decoder_free(dec);
	free(c);
}

/* Messages must be terminated inside their buffer. */
static inline void fz_check_msg(const char *err, size_t size)
{
	if (!memchr(err, 0, size)) {
		fprintf(stderr, "fuzz: error message not terminated\n");
		abort();
	}
}

#endif
