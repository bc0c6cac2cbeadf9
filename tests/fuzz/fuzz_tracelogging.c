/*
 * fuzz_tracelogging.c - etl_tlg_parse, the TraceLogging schema builder, on
 * the two extended items of a self-describing event, then the decoder on an
 * event that carries them.
 *
 * Input: u16 LE traits length (0xFFFF = no PROV_TRAITS item), the
 * PROV_TRAITS bytes, u16 LE metadata length, the EVENT_SCHEMA_TL bytes, and
 * the rest is the event's payload.  Lengths are cut to what the input holds.
 */
#include "fuzz.h"

static const etl_guid provider = { 0x12345678, 0x1234, 0x5678,
	{ 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78 } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size, 0 };
	unsigned tlen = fz_u16(&in);
	size_t traits_len = 0, meta_len, payload_len;
	const uint8_t *traits = NULL;
	if (tlen != 0xFFFF)
		traits = fz_take(&in, tlen, &traits_len);
	const uint8_t *meta = fz_take(&in, fz_u16(&in), &meta_len);
	const uint8_t *payload = fz_take(&in, fz_left(&in), &payload_len);

	etl_arena *a = etl_arena_new();
	if (!a)
		abort();
	const etl_schema *sc = NULL;
	char err[256] = "";
	etl_status st = etl_tlg_parse(a, &provider, traits, traits_len, meta, meta_len, &sc,
	                              err, sizeof err);
	fz_check_msg(err, sizeof err);
	if (st == ETL_OK) {
		if (!sc || sc->top_count > sc->prop_count)
			abort();
		fz_touch_str(sc->provider_name);
		fz_touch_str(sc->event_name);
		for (uint16_t i = 0; i < sc->prop_count; i++) {
			const etl_prop *p = &sc->props[i];
			fz_touch_str(p->name);
			if ((p->flags & ETL_PF_STRUCT) &&
			    (p->struct_start > sc->prop_count ||
			     p->struct_count > sc->prop_count - p->struct_start))
				abort();
		}
	}
	etl_arena_free(a);

	/* the same items on an event, through the decoder's TraceLogging path */
	etl_ext_item ext[2];
	size_t next = 0;
	if (traits && traits_len <= 0xFFFF)
		ext[next++] = (etl_ext_item){ ETL_EXT_PROV_TRAITS, (uint16_t)traits_len, traits };
	if (meta_len <= 0xFFFF)
		ext[next++] = (etl_ext_item){ ETL_EXT_EVENT_SCHEMA_TL, (uint16_t)meta_len, meta };
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	ev.header = ETL_HDR_EVENT64;
	ev.flags = ETL_EVF_EXTENDED_INFO;
	ev.provider = provider;
	ev.pid = ev.tid = ETL_NO_ID;
	ev.pointer_size = 8;
	ev.ext = ext;
	ev.ext_count = next;
	ev.data = payload;
	ev.size = payload_len;
	etl_decoder *d = NULL;
	if (etl_decoder_new(NULL, &d) == ETL_OK) {
		const etl_decoded *dc = NULL;
		for (int i = 0; i < 2; i++) { /* the second time from the cache */
			if (etl_decoder_decode(d, &ev, &dc) == ETL_OK)
				fz_touch_decoded(dc);
			ev.header = ETL_HDR_EVENT32;
			ev.pointer_size = 4;
		}
		etl_decoder_free(d);
	}
	return 0;
}
