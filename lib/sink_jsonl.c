/*
 * sink_jsonl.c - the canonical JSON Lines form of an event (DESIGN.md §5):
 * one object per line, keys in a fixed order, integers as numbers, GUIDs as
 * lowercase text, the payload as hex when it was not fully decoded.
 */
#define ETLKIT_INTERNAL
#include "sink.h"
#include "decode.h"

/* The fixed-size parts of a line are written through a cursor into room
 * reserved for them (SEGMENT_MAX bytes at a time); names and props, which
 * can be any length, go through the buffer's checked appends. */
#define SEGMENT_MAX 512

/* a string literal at o */
#define LIT(o, s) (memcpy((o), (s), sizeof(s) - 1), (o) + sizeof(s) - 1)
/* ,"name": */
#define KEY(o, k) LIT((o), ",\"" k "\":")

/* The sink's state: the time cache, the text of recently seen provider
 * GUIDs and of recently seen header fields from "header" to "keywords" (a
 * trace has few providers and event types; formatting them costs more than
 * a lookup). */
#define GUID_SLOTS 32
#define TYPE_SLOTS 256
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
 * seen last in its slot (at most TYPE_TEXT_MAX bytes). */
static char *type_to(char *o, const etl_event *ev, struct jsonl_state *st)
{
	unsigned h = (ev->id * 31u + ev->opcode * 7u + ev->task * 131u + ev->version * 3u +
	              (unsigned)ev->header * 17u + (unsigned)(ev->keywords >> 32)) % TYPE_SLOTS;
	struct type_text *t = &st->types[h];
	if (!t->valid || t->id != ev->id || t->opcode != ev->opcode || t->task != ev->task ||
	    t->version != ev->version || t->header != (uint8_t)ev->header ||
	    t->level != ev->level || t->channel != ev->channel || t->keywords != ev->keywords) {
		char *w = t->text;
		const char *name = etl_header_kind_name(ev->header);
		w = LIT(w, ",\"header\":\"");
		size_t n = strlen(name);   /* a short fixed name */
		memcpy(w, name, n);
		w += n;
		*w++ = '"';
		static const char *const keys[6] = { ",\"id\":", ",\"version\":", ",\"channel\":",
			                             ",\"level\":", ",\"opcode\":", ",\"task\":" };
		const unsigned vals[6] = { ev->id, ev->version, ev->channel, ev->level, ev->opcode,
			                   ev->task };
		static const uint8_t key_lens[6] = { 6, 11, 11, 9, 10, 8 };
		for (int i = 0; i < 6; i++) {
			memcpy(w, keys[i], key_lens[i]);
			w = etl_fmt_u64(w + key_lens[i], vals[i]);
		}
		w = LIT(w, ",\"keywords\":\"");
		w = etl_fmt_hex64(w, ev->keywords);
		*w++ = '"';
		t->valid = true;
		t->header = (uint8_t)ev->header;
		t->id = ev->id;
		t->version = ev->version;
		t->channel = ev->channel;
		t->level = ev->level;
		t->opcode = ev->opcode;
		t->task = ev->task;
		t->keywords = ev->keywords;
		t->len = (uint8_t)(w - t->text);
	}
	memcpy(o, t->text, t->len);
	return o + t->len;
}

static char *provider_to(char *o, const etl_guid *g, struct jsonl_state *st)
{
	unsigned h = (g->data1 ^ g->data2 ^ (unsigned)g->data4[7] << 3) % GUID_SLOTS;
	if (!st->guids[h].valid || !etl_guid_equal(&st->guids[h].g, g)) {
		st->guids[h].g = *g;
		st->guids[h].valid = true;
		etl_guid_format(g, st->guids[h].text);
	}
	memcpy(o, st->guids[h].text, 36);
	return o + 36;
}

static char *guid_or_null(char *o, const etl_guid *g, bool present)
{
	if (!present)
		return LIT(o, "null");
	*o++ = '"';
	etl_guid_format(g, o);
	o += 36;
	*o++ = '"';
	return o;
}

static char *id_or_null(char *o, uint32_t v)
{
	return v == ETL_NO_ID ? LIT(o, "null") : etl_fmt_u64(o, v);
}

static void str_or_null(etl_strbuf *b, const char *s)
{
	if (s)
		etl_put_json_string(b, s, strlen(s));
	else
		etl_strbuf_put(b, "null", 4);
}

/* Name i of d (provider, event, task, opcode) as a JSON string: the one the
 * decoder rendered for the event type when there is one. */
static void put_name(etl_strbuf *b, const struct etl_decoded *d, int i, const char *name)
{
	if (d && d->json_names)
		etl_strbuf_put(b, d->json_names[i], d->json_lens[i]);
	else
		str_or_null(b, name);
}

static etl_status jsonl_write(etl_sink *s, const etl_event *ev, const struct etl_decoded *d)
{
	etl_strbuf *b = &s->line;
	struct jsonl_state *st = s->state;
	char *o = etl_strbuf_room(b, SEGMENT_MAX);
	if (!o)
		return ETL_OK;  /* the caller sees b->failed */
	o = LIT(o, "{\"file\":");
	o = etl_fmt_u64(o, ev->file);
	o = KEY(o, "ts");
	o = etl_fmt_i64(o, ev->timestamp);
	o = LIT(o, ",\"time\":\"");
	o = etl_fmt_time_cached(o, ev->timestamp, &st->time);
	o = LIT(o, "\",\"provider\":\"");
	o = provider_to(o, &ev->provider, st);
	o = LIT(o, "\",\"provider_name\":");
	etl_strbuf_commit(b, o);
	put_name(b, d, 0, d ? d->provider_name : NULL);

	if (!(o = etl_strbuf_room(b, SEGMENT_MAX)))
		return ETL_OK;
	o = type_to(o, ev, st);
	o = KEY(o, "pid");
	o = id_or_null(o, ev->pid);
	o = KEY(o, "tid");
	o = id_or_null(o, ev->tid);
	if (d) {
		o = KEY(o, "process_id");
		o = id_or_null(o, d->pid);
		o = KEY(o, "thread_id");
		o = id_or_null(o, d->tid);
	}
	o = KEY(o, "cpu");
	o = etl_fmt_u64(o, ev->cpu);
	o = KEY(o, "activity_id");
	o = guid_or_null(o, &ev->activity_id, !etl_guid_is_null(&ev->activity_id));
	o = KEY(o, "related_activity_id");
	o = guid_or_null(o, &ev->related_activity_id, ev->has_related_activity_id);
	o = KEY(o, "event_name");
	etl_strbuf_commit(b, o);
	put_name(b, d, 1, d ? d->event_name : NULL);
	etl_strbuf_lit(b, ",\"task_name\":");
	put_name(b, d, 2, d ? d->task_name : NULL);
	etl_strbuf_lit(b, ",\"opcode_name\":");
	put_name(b, d, 3, d ? d->opcode_name : NULL);

	if (!(o = etl_strbuf_room(b, SEGMENT_MAX)))
		return ETL_OK;
	o = LIT(o, ",\"schema\":\"");
	const char *src = d && d->source != ETL_SRC_NONE ? etl_schema_source_name(d->source) : "none";
	size_t n = strlen(src);   /* a short fixed name */
	memcpy(o, src, n);
	o += n;
	o = LIT(o, "\",\"payload_size\":");
	o = etl_fmt_u64(o, ev->size);
	o = KEY(o, "props");
	etl_strbuf_commit(b, o);
	if (d && d->props.len)
		etl_strbuf_put(b, d->props.p, d->props.len);
	else
		etl_strbuf_put(b, "{}", 2);
	if (!d || !d->complete || (s->flags & ETL_SINK_RAW)) {
		etl_strbuf_lit(b, ",\"payload\":\"");
		etl_put_hexbytes(b, ev->data, ev->size);
		etl_strbuf_putc(b, '"');
	}
	const uint8_t *fr;
	unsigned w;
	size_t nf = etl_event_stack(ev, &fr, &w);
	if (nf) {
		etl_strbuf_lit(b, ",\"stack\":[");
		for (size_t i = 0; i < nf; i++) {
			if (!(o = etl_strbuf_room(b, SEGMENT_MAX)))
				return ETL_OK;
			if (i)
				*o++ = ',';
			*o++ = '"';
			o = etl_fmt_hex64(o, w == 8 ? etl_le64(fr + 8 * i) : etl_le32(fr + 4 * i));
			*o++ = '"';
			etl_strbuf_commit(b, o);
		}
		etl_strbuf_putc(b, ']');
	}
	etl_strbuf_put(b, "}\n", 2);
	return ETL_OK;
}

const etl_sink_vtable etl_sink_jsonl = { "jsonl", sizeof(struct jsonl_state), jsonl_write, NULL };
