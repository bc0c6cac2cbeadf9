/*
 * test_decode_paths.c - the decoder's shortcuts give what its general path
 * gives.  Integer properties that print as decimal or hex skip the general
 * scalar dispatch: for every integer in-type, every TraceLogging out-type,
 * both pointer sizes and random values, each property of a decoded event
 * must read as etl_decode_element() (the general path) renders it alone.
 * Flat events (fixed-size scalars only) take a shortcut of their own and
 * are covered by the same events.
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "testlib.h"
#include "../lib/decode.h"

#include <stdio.h>
#include <string.h>

static uint64_t rng = 0x8badf00ddeadbeefull;

static uint64_t next_rand(void)
{
	return tl_rand(&rng);
}

int main(void)
{
	/* TDH in-types of the integers, and the bytes each takes (0: pointer) */
	static const struct {
		uint8_t in, size;
	} ins[] = { { 3, 1 }, { 4, 1 }, { 5, 2 }, { 6, 2 }, { 7, 4 }, { 8, 4 }, { 9, 8 },
		    { 10, 8 }, { 13, 4 }, { 16, 0 }, { 20, 4 }, { 21, 8 } };
	etl_decoder *dec = NULL, *elem = NULL;
	tap_ok(etl_decoder_new(NULL, &dec) == ETL_OK && etl_decoder_new(NULL, &elem) == ETL_OK,
	       "decoders");
	long events = 0, props = 0, differ = 0, undecoded = 0;
	for (int ptr = 4; dec && ptr <= 8; ptr += 4) {
		for (unsigned out = 0; out < 40; out++) {
			/* one event: every integer in-type with this out-type,
			 * then the same again as a map-free flat tail */
			uint8_t meta[1024];
			size_t m = 3;
			meta[2] = 0;
			memcpy(meta + m, "Ints", 5);
			m += 5;
			size_t payload_len = 0;
			for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
				m += (size_t)snprintf((char *)meta + m, 16, "f%zu", i) + 1;
				meta[m++] = (uint8_t)(ins[i].in | 0x80);
				meta[m++] = (uint8_t)out;
				payload_len += ins[i].size ? ins[i].size : (size_t)ptr;
			}
			meta[0] = (uint8_t)m;
			meta[1] = (uint8_t)(m >> 8);
			for (int round = 0; round < 50; round++) {
				uint8_t payload[256];
				for (size_t k = 0; k < payload_len; k++)
					payload[k] = (uint8_t)(round < 3 ? (round == 1 ? 0xFF : 0)
					                                 : next_rand());
				etl_ext_item it = { ETL_EXT_EVENT_SCHEMA_TL, (uint16_t)m, meta };
				etl_event ev;
				memset(&ev, 0, sizeof ev);
				ev.header = ptr == 8 ? ETL_HDR_EVENT64 : ETL_HDR_EVENT32;
				ev.provider.data1 = 0x1234;
				ev.pid = 1;
				ev.tid = 2;
				ev.pointer_size = (uint32_t)ptr;
				ev.ext = &it;
				ev.ext_count = 1;
				ev.data = payload;
				ev.size = payload_len;
				/* a short payload too: the walk stops inside a property */
				if (round == 4)
					ev.size = payload_len - 3;
				const etl_decoded *d = NULL;
				if (etl_decoder_decode(dec, &ev, &d) != ETL_OK || !d->schema) {
					undecoded++;
					continue;
				}
				events++;
				const etl_value *vals = NULL;
				size_t nv = etl_decoded_values(d, &vals);
				size_t off = 0;
				for (size_t i = 0; i < nv && i < d->schema->top_count; i++) {
					const etl_prop *pr = &d->schema->props[i];
					etl_strbuf want = { 0 };
					size_t used = 0;
					bool ok = etl_decode_element(elem, pr, payload + off, ev.size - off,
					                             (unsigned)ptr, &want, &used);
					off += used;
					props++;
					if (!ok || want.len != vals[i].json_len ||
					    memcmp(want.p, vals[i].json, want.len) != 0) {
						if (differ++ < 10)
							tap_diag("in %u out %u ptr %d: event %.*s, alone %s",
							         pr->in_type, out, ptr, (int)vals[i].json_len,
							         vals[i].json, want.p ? want.p : "(fails)");
					}
					etl_strbuf_free(&want);
				}
			}
		}
	}
	tap_ok(events > 1000 && props > 10000 && differ == 0,
	       "%ld events, %ld integer properties (%ld events without schema): %ld differ",
	       events, props, undecoded, differ);
	etl_decoder_free(dec);
	etl_decoder_free(elem);
	return tap_done();
}
