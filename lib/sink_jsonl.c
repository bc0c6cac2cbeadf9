/*
 * sink_jsonl.c - the canonical JSON Lines form of an event (DESIGN.md §5):
 * one object per line, keys in a fixed order, integers as numbers, GUIDs as
 * lowercase text, the payload as hex when it was not fully decoded.
 */
#define ETLKIT_INTERNAL
#include "sink.h"
#include "decode.h"

/* ,"name": as one literal copy */
#define key(b, k) etl_strbuf_lit((b), ",\"" k "\":")

/* The sink's state: the time cache, the text of recently seen provider
 * GUIDs and of recently seen header fields from "header" to "keywords" (a
 * trace has few providers and event types; formatting them costs more than
 * a lookup). */
#define GUID_SLOTS 32
#define TYPE_SLOTS 64
#define TYPE_TEXT_MAX 200
struct type_text {
	bool valid;
	uint8_t header, version, channel, level, opcode;
	uint16_t id, task;
	uint64_t keywords;
	uint8_t len;
	char text[TYPE_TEXT_MAX];
};
struct jsonl_state {
	etl_time_cache time;
	struct {
		etl_guid g;
		bool valid;
		char text[ETL_GUID_STRLEN];
	} guids[GUID_SLOTS];
	struct type_text types[TYPE_SLOTS];
};

/* ,"header":...,"keywords":"0x..." of ev, from the cache when its type was
 * seen last in its slot. */
static void put_type(etl_strbuf *b, const etl_event *ev, struct jsonl_state *st)
{
	unsigned h = (ev->id * 31u + ev->opcode * 7u + ev->task * 131u + ev->version * 3u +
	              (unsigned)ev->header * 17u + (unsigned)(ev->keywords >> 32)) % TYPE_SLOTS;
	struct type_text *t = &st->types[h];
	if (t->valid && t->id == ev->id && t->opcode == ev->opcode && t->task == ev->task &&
	    t->version == ev->version && t->header == (uint8_t)ev->header &&
	    t->level == ev->level && t->channel == ev->channel && t->keywords == ev->keywords) {
		etl_strbuf_put(b, t->text, t->len);
		return;
	}
	size_t start = b->len;
	key(b, "header");
	etl_strbuf_putc(b, '"');
	etl_strbuf_puts(b, etl_header_kind_name(ev->header));
	etl_strbuf_putc(b, '"');
	key(b, "id");
	etl_put_u64(b, ev->id);
	key(b, "version");
	etl_put_u64(b, ev->version);
	key(b, "channel");
	etl_put_u64(b, ev->channel);
	key(b, "level");
	etl_put_u64(b, ev->level);
	key(b, "opcode");
	etl_put_u64(b, ev->opcode);
	key(b, "task");
	etl_put_u64(b, ev->task);
	key(b, "keywords");
	etl_strbuf_putc(b, '"');
	etl_put_hex64(b, ev->keywords);
	etl_strbuf_putc(b, '"');
	size_t n = b->len - start;
	if (b->failed || n > TYPE_TEXT_MAX || (unsigned)ev->header > UINT8_MAX) {
		t->valid = false;
		return;
	}
	t->valid = true;
	t->header = (uint8_t)ev->header;
	t->id = ev->id;
	t->version = ev->version;
	t->channel = ev->channel;
	t->level = ev->level;
	t->opcode = ev->opcode;
	t->task = ev->task;
	t->keywords = ev->keywords;
	t->len = (uint8_t)n;
	memcpy(t->text, b->p + start, n);
}

static void put_provider(etl_strbuf *b, const etl_guid *g, struct jsonl_state *st)
{
	unsigned h = (g->data1 ^ g->data2 ^ (unsigned)g->data4[7] << 3) % GUID_SLOTS;
	if (!st->guids[h].valid || !etl_guid_equal(&st->guids[h].g, g)) {
		st->guids[h].g = *g;
		st->guids[h].valid = true;
		etl_guid_format(g, st->guids[h].text);
	}
	etl_strbuf_put(b, st->guids[h].text, 36);
}

static void str_or_null(etl_strbuf *b, const char *s)
{
	if (s)
		etl_put_json_string(b, s, strlen(s));
	else
		etl_strbuf_put(b, "null", 4);
}

static void id_or_null(etl_strbuf *b, uint32_t v)
{
	if (v == ETL_NO_ID)
		etl_strbuf_put(b, "null", 4);
	else
		etl_put_u64(b, v);
}

static etl_status jsonl_write(etl_sink *s, const etl_event *ev, const struct etl_decoded *d)
{
	etl_strbuf *b = &s->line;
	etl_strbuf_put(b, "{\"file\":", 8);
	etl_put_u64(b, ev->file);
	key(b, "ts");
	etl_put_i64(b, ev->timestamp);
	key(b, "time");
	etl_strbuf_putc(b, '"');
	struct jsonl_state *st = s->state;
	etl_put_time_cached(b, ev->timestamp, &st->time);
	etl_strbuf_putc(b, '"');
	key(b, "provider");
	etl_strbuf_putc(b, '"');
	put_provider(b, &ev->provider, st);
	etl_strbuf_putc(b, '"');
	key(b, "provider_name");
	str_or_null(b, d ? d->provider_name : NULL);
	put_type(b, ev, st);
	key(b, "pid");
	id_or_null(b, ev->pid);
	key(b, "tid");
	id_or_null(b, ev->tid);
	if (d) {
		key(b, "process_id");
		id_or_null(b, d->pid);
		key(b, "thread_id");
		id_or_null(b, d->tid);
	}
	key(b, "cpu");
	etl_put_u64(b, ev->cpu);
	key(b, "activity_id");
	if (etl_guid_is_null(&ev->activity_id)) {
		etl_strbuf_put(b, "null", 4);
	} else {
		etl_strbuf_putc(b, '"');
		etl_put_guid(b, &ev->activity_id);
		etl_strbuf_putc(b, '"');
	}
	key(b, "related_activity_id");
	if (!ev->has_related_activity_id) {
		etl_strbuf_put(b, "null", 4);
	} else {
		etl_strbuf_putc(b, '"');
		etl_put_guid(b, &ev->related_activity_id);
		etl_strbuf_putc(b, '"');
	}
	key(b, "event_name");
	str_or_null(b, d ? d->event_name : NULL);
	key(b, "task_name");
	str_or_null(b, d ? d->task_name : NULL);
	key(b, "opcode_name");
	str_or_null(b, d ? d->opcode_name : NULL);
	key(b, "schema");
	etl_strbuf_putc(b, '"');
	etl_strbuf_puts(b, d && d->source != ETL_SRC_NONE ? etl_schema_source_name(d->source) : "none");
	etl_strbuf_putc(b, '"');
	key(b, "payload_size");
	etl_put_u64(b, ev->size);
	key(b, "props");
	if (d && d->props.len)
		etl_strbuf_put(b, d->props.p, d->props.len);
	else
		etl_strbuf_put(b, "{}", 2);
	if (!d || !d->complete || (s->flags & ETL_SINK_RAW)) {
		key(b, "payload");
		etl_strbuf_putc(b, '"');
		etl_put_hexbytes(b, ev->data, ev->size);
		etl_strbuf_putc(b, '"');
	}
	const uint8_t *fr;
	unsigned w;
	size_t nf = etl_event_stack(ev, &fr, &w);
	if (nf) {
		key(b, "stack");
		etl_strbuf_putc(b, '[');
		for (size_t i = 0; i < nf; i++) {
			if (i)
				etl_strbuf_putc(b, ',');
			etl_strbuf_putc(b, '"');
			etl_put_hex64(b, w == 8 ? etl_le64(fr + 8 * i) : etl_le32(fr + 4 * i));
			etl_strbuf_putc(b, '"');
		}
		etl_strbuf_putc(b, ']');
	}
	etl_strbuf_put(b, "}\n", 2);
	return ETL_OK;
}

const etl_sink_vtable etl_sink_jsonl = { "jsonl", sizeof(struct jsonl_state), jsonl_write, NULL };
