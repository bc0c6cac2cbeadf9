/*
 * sink.c - the sink registry and the formatting helpers the sinks share.
 * Numbers are formatted by hand: printf is the slowest part of a dump.
 */
#define ETLKIT_INTERNAL
#include "sink.h"

#include <stdlib.h>
#include <string.h>

static const etl_sink_vtable *const sinks[] = { &etl_sink_jsonl, &etl_sink_text };

etl_status etl_sink_open_stream(const char *format, FILE *fp, unsigned flags,
                                const etl_trace *trace, etl_sink **out)
{
	if (!out || !fp || !format)
		return ETL_ERR_ARG;
	*out = NULL;
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++) {
		if (strcmp(sinks[i]->name, format) != 0)
			continue;
		etl_sink *s = calloc(1, sizeof(*s));
		if (!s)
			return ETL_ERR_NOMEM;
		s->vt = sinks[i];
		s->fp = fp;
		s->flags = flags;
		s->trace = trace;
		if (s->vt->state_size && !(s->state = calloc(1, s->vt->state_size))) {
			free(s);
			return ETL_ERR_NOMEM;
		}
		*out = s;
		return ETL_OK;
	}
	return ETL_ERR_UNSUPPORTED;
}

etl_status etl_sink_write(etl_sink *s, const etl_event *ev, const struct etl_decoded *d)
{
	if (!s || !ev)
		return ETL_ERR_ARG;
	s->line.len = 0;
	etl_status st = s->vt->write(s, ev, d);
	if (st != ETL_OK)
		return st;
	if (s->line.failed)
		return ETL_ERR_NOMEM;
	if (s->line.len && fwrite(s->line.p, 1, s->line.len, s->fp) != s->line.len) {
		etl_msg(s->errmsg, sizeof s->errmsg, "write failed");
		return ETL_ERR_IO;
	}
	return ETL_OK;
}

etl_status etl_sink_close(etl_sink *s)
{
	if (!s)
		return ETL_OK;
	etl_status st = s->vt->finish ? s->vt->finish(s) : ETL_OK;
	if (fflush(s->fp) != 0 || ferror(s->fp))
		st = st ? st : ETL_ERR_IO;
	etl_strbuf_free(&s->line);
	free(s->state);
	free(s);
	return st;
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void etl_put_u64(etl_strbuf *b, uint64_t v)
{
	char tmp[24];
	char *o = tmp + sizeof tmp;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		o -= 2;
		memcpy(o, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		o -= 2;
		memcpy(o, digit_pairs + 2 * v, 2);
	} else {
		*--o = (char)('0' + v);
	}
	etl_strbuf_put(b, o, (size_t)(tmp + sizeof tmp - o));
}

void etl_put_i64(etl_strbuf *b, int64_t v)
{
	if (v < 0) {
		etl_strbuf_putc(b, '-');
		etl_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		etl_put_u64(b, (uint64_t)v);
	}
}

static const char hexd[] = "0123456789abcdef";

void etl_put_hex64(etl_strbuf *b, uint64_t v)
{
	char tmp[20];
	int i = sizeof tmp;
	do {
		tmp[--i] = hexd[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	etl_strbuf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void etl_put_hexbytes(etl_strbuf *b, const uint8_t *p, size_t n)
{
	if (n > (SIZE_MAX - 1) / 2) {
		b->failed = true;
		return;
	}
	etl_strbuf_reserve(b, 2 * n + 1);
	if (b->failed)
		return;
	char *o = b->p + b->len;
	for (size_t i = 0; i < n; i++) {
		*o++ = hexd[p[i] >> 4];
		*o++ = hexd[p[i] & 15];
	}
	b->len += 2 * n;
	b->p[b->len] = 0;
}

void etl_put_guid(etl_strbuf *b, const etl_guid *g)
{
	char s[ETL_GUID_STRLEN];
	etl_guid_format(g, s);
	etl_strbuf_put(b, s, 36);
}

/* Bytes that end a run of plain ASCII in a JSON string: controls, '"', '\\'
 * and every non-ASCII byte (validated as UTF-8 separately). */
static const uint8_t json_special[256] = {
	[0 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1,
};

/* JSON string with the escapes RFC 8259 requires; invalid UTF-8 bytes become
 * U+FFFD so the output is always valid JSON. */
void etl_put_json_string(etl_strbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	etl_strbuf_reserve(b, n + 2);
	etl_strbuf_putc(b, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && !json_special[p[run]])
			run++;
		if (run > i) {
			etl_strbuf_put(b, p + i, run - i);
			i = run;
			continue;
		}
		unsigned c = p[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			etl_strbuf_put(b, e, 2);
			i++;
		} else if (c < 0x20) {
			const char *e = NULL;
			switch (c) {
			case '\n': e = "\\n"; break;
			case '\r': e = "\\r"; break;
			case '\t': e = "\\t"; break;
			case '\b': e = "\\b"; break;
			case '\f': e = "\\f"; break;
			}
			if (e) {
				etl_strbuf_put(b, e, 2);
			} else {
				char u[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
				etl_strbuf_put(b, u, 6);
			}
			i++;
		} else {
			/* validate one UTF-8 sequence */
			size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
			bool ok = len && len <= n - i;
			for (size_t k = 1; ok && k < len; k++)
				ok = (p[i + k] & 0xC0) == 0x80;
			if (ok && len == 3) {
				unsigned cp = (c & 0x0F) << 12 | (p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
				ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
			} else if (ok && len == 4) {
				unsigned cp = (c & 0x07) << 18 | (p[i + 1] & 0x3F) << 12;
				ok = cp >= 0x10000 && cp <= 0x10FFFF;
			}
			if (ok) {
				etl_strbuf_put(b, p + i, len);
				i += len;
			} else {
				etl_strbuf_put(b, "\xEF\xBF\xBD", 3);
				i++;
			}
		}
	}
	etl_strbuf_putc(b, '"');
}

void etl_put_time(etl_strbuf *b, int64_t ft)
{
	char s[ETL_TIME_STRLEN];
	size_t n = etl_filetime_format(ft, s, sizeof s);
	etl_strbuf_put(b, s, n);
}

void etl_put_time_cached(etl_strbuf *b, int64_t ft, etl_time_cache *c)
{
	/* consecutive events share their second: format the date once per
	 * second and only the seven fractional digits otherwise */
	int64_t sec = ft >= 0 ? ft / 10000000 : -1;
	if (!c->valid || sec != c->sec || sec < 0) {
		if (!etl_filetime_format(ft, c->text, sizeof c->text))
			return;
		c->sec = sec;
		c->valid = true;
	}
	char s[ETL_TIME_STRLEN];
	memcpy(s, c->text, 20);          /* "YYYY-MM-DDThh:mm:ss." */
	uint64_t frac = (uint64_t)(ft % 10000000);
	for (int i = 26; i >= 20; i--) {
		s[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	s[27] = 'Z';
	etl_strbuf_put(b, s, 28);
}

size_t etl_event_stack(const etl_event *ev, const uint8_t **frames, unsigned *width)
{
	for (size_t i = 0; i < ev->ext_count; i++) {
		const etl_ext_item *it = &ev->ext[i];
		if ((it->type == ETL_EXT_STACK_TRACE64 || it->type == ETL_EXT_STACK_TRACE32) &&
		    it->size >= 8) {
			*width = it->type == ETL_EXT_STACK_TRACE64 ? 8 : 4;
			*frames = it->data + 8; /* after the u64 MatchId */
			return (it->size - 8u) / *width;
		}
	}
	*frames = NULL;
	*width = 0;
	return 0;
}
