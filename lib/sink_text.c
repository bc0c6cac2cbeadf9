/*
 * sink_text.c - one readable line per event:
 *   TIME  CPU  PID/TID  PROVIDER/EVENT  [header id/opcode/version]  props or size
 */
#define ETLKIT_INTERNAL
#include "sink.h"
#include "decode.h"

static void pad_to(etl_strbuf *b, size_t start, size_t width)
{
	while (b->len - start < width && !b->failed)
		etl_strbuf_putc(b, ' ');
}

static etl_status text_write(etl_sink *s, const etl_event *ev, const struct etl_decoded *d)
{
	etl_strbuf *b = &s->line;
	etl_put_time(b, ev->timestamp);
	etl_strbuf_put(b, " cpu", 4);
	etl_put_u64(b, ev->cpu);
	etl_strbuf_putc(b, ' ');
	size_t col = b->len;
	if (ev->pid == ETL_NO_ID)
		etl_strbuf_putc(b, '-');
	else
		etl_put_u64(b, ev->pid);
	etl_strbuf_putc(b, '/');
	if (ev->tid == ETL_NO_ID)
		etl_strbuf_putc(b, '-');
	else
		etl_put_u64(b, ev->tid);
	pad_to(b, col, 12);
	etl_strbuf_putc(b, ' ');
	if (d && d->provider_name)
		etl_strbuf_puts(b, d->provider_name);
	else
		etl_put_guid(b, &ev->provider);
	etl_strbuf_putc(b, '/');
	if (d && d->event_name)
		etl_strbuf_puts(b, d->event_name);
	else if (ev->header >= ETL_HDR_EVENT32 && ev->header <= ETL_HDR_MESSAGE) {
		etl_strbuf_put(b, "id", 2);
		etl_put_u64(b, ev->id);
	} else {
		etl_strbuf_put(b, "opcode", 6);
		etl_put_u64(b, ev->opcode);
	}
	etl_strbuf_put(b, " [", 2);
	etl_strbuf_puts(b, etl_header_kind_name(ev->header));
	etl_strbuf_put(b, " v", 2);
	etl_put_u64(b, ev->version);
	etl_strbuf_put(b, "] ", 2);
	if (d && d->props.len > 2) {
		etl_strbuf_put(b, d->props.p, d->props.len);
		if (!d->complete) {
			etl_strbuf_put(b, " raw=", 5);
			etl_put_hexbytes(b, ev->data, ev->size > 64 ? 64 : ev->size);
		}
	} else {
		etl_put_u64(b, ev->size);
		etl_strbuf_put(b, " bytes", 6);
		if (ev->size) {
			etl_strbuf_putc(b, ' ');
			etl_put_hexbytes(b, ev->data, ev->size > 32 ? 32 : ev->size);
			if (ev->size > 32)
				etl_strbuf_put(b, "...", 3);
		}
	}
	etl_strbuf_putc(b, '\n');
	return ETL_OK;
}

const etl_sink_vtable etl_sink_text = { "text", 0, text_write, NULL };
