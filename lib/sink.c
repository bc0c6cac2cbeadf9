/*
 * sink.c - the sink registry and the formatting helpers the sinks share.
 * Numbers are formatted by hand: printf is the slowest part of a dump.
 */
#define ETLKIT_INTERNAL
#include "sink.h"
#include "decode.h"

#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static const etl_sink_vtable *const sinks[] = { &etl_sink_jsonl, &etl_sink_text };

/* ---- the formatting threads (ETL_SINK_THREADED) -----------------------------------
 *
 * Decoding and formatting an event cost several times what reading it does,
 * so with ETL_SINK_THREADED the caller's thread only reads while workers, one
 * per CPU, decode and format.  etl_sink_write() and etl_sink_put() copy each
 * event into a batch: its header, extended items and payload, and for
 * etl_sink_write() the decoded names and props it was given.  Full batches
 * are numbered in order; any free worker takes the next one and formats it
 * into the batch's own text, and whichever worker finds the oldest batch
 * formatted writes it, so the output keeps the events' order.
 *
 * Memory is bounded: PIPE_BATCH_BYTES of events per batch (more only to hold
 * one bigger record), two batches per worker plus two, and a batch's text
 * past PIPE_STREAM_BYTES is written as it grows once its turn has come.
 *
 * With etl_sink_set_decoder(), events whose decoding does not depend on their
 * order (the decoder is shareable, decode.h) are decoded by the workers, each
 * with a fork of the decoder; the caller's thread resolves their ids first, in
 * order, with the decoder itself. */

#define PIPE_MAX_WORKERS 8
#define PIPE_BATCH_BYTES (256u << 10)
#define PIPE_STREAM_BYTES (4u << 20)

struct pipe_batch {
	uint8_t *p;          /* the records */
	size_t len, cap;
	etl_strbuf text;     /* their formatted lines */
	bool done;           /* formatted, waiting to be written */
};

struct pipe_worker {
	struct sink_pipe *pipe;
	pthread_t th;
	etl_sink fmt;        /* the sink's format with this worker's buffer and state */
	etl_decoder *dec;    /* a fork of the sink's decoder, or NULL */
};

struct sink_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* broadcast on every change */
	struct pipe_batch *b;
	unsigned nbatches, nworkers;
	struct pipe_worker w[PIPE_MAX_WORKERS];
	uint64_t filled;     /* batches handed over */
	uint64_t taken;      /* batches a worker took */
	uint64_t written;    /* batches written */
	bool writing;        /* a worker is writing batches */
	bool done;           /* no more batches will come */
	etl_status status;   /* the first error; sticky */
	FILE *fp;
	const struct sink_decoding *decoding;
	size_t batch_bytes, stream_bytes;   /* PIPE_*_BYTES; etl_sink_tune() */
};

/* One event in a batch: this header, then the names, props, extended items
 * and payload it points to, 8-byte aligned. */
struct pipe_rec {
	uint32_t size;       /* bytes of the whole record */
	uint8_t has_d;       /* decoded by the caller: names and props follow */
	uint8_t decode;      /* to decode here, with pid and tid resolved */
	uint8_t complete, source;
	uint32_t pid, tid;
	const char *names[4];    /* provider, event, task, opcode; into the record */
	const char *props;
	size_t props_len;
	etl_event ev;            /* data and ext point into the record */
};

static inline size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Writes text once the batch numbered seq is the next to be written. */
static etl_status pipe_stream(struct sink_pipe *p, uint64_t seq, etl_strbuf *text)
{
	pthread_mutex_lock(&p->mu);
	while (p->written != seq || p->writing)
		pthread_cond_wait(&p->cv, &p->mu);
	etl_status st = p->status;
	pthread_mutex_unlock(&p->mu);
	if (st == ETL_OK && fwrite(text->p, 1, text->len, p->fp) != text->len)
		st = ETL_ERR_IO;
	text->len = 0;
	return st;
}

/* One record's line into w->fmt.line, unless the filter drops it. */
static etl_status format_rec(struct pipe_worker *w, const struct pipe_rec *r)
{
	etl_sink *f = &w->fmt;
	if (r->decode) {
		const struct sink_decoding *sd = w->pipe->decoding;
		const etl_decoded *d = NULL;
		if (etl_decoder_decode_ids(w->dec, &r->ev, r->pid, r->tid, &d) != ETL_OK)
			d = NULL;
		if (sd->filter && !etl_filter_match(sd->filter, &r->ev, d))
			return ETL_OK;
		return f->vt->write(f, &r->ev, sd->show ? d : NULL);
	}
	if (!r->has_d)
		return f->vt->write(f, &r->ev, NULL);
	struct etl_decoded d;
	memset(&d, 0, sizeof d);
	d.source = r->source;
	d.complete = r->complete;
	d.pid = r->pid;
	d.tid = r->tid;
	d.provider_name = r->names[0];
	d.event_name = r->names[1];
	d.task_name = r->names[2];
	d.opcode_name = r->names[3];
	d.props.p = (char *)r->props;
	d.props.len = r->props_len;
	d.props.cap = r->props_len + 1;
	return f->vt->write(f, &r->ev, &d);
}

static etl_status format_batch(struct pipe_worker *w, struct pipe_batch *b, uint64_t seq)
{
	etl_sink *f = &w->fmt;
	f->line = b->text;
	f->line.len = 0;
	etl_status st = ETL_OK;
	for (size_t off = 0; off < b->len && st == ETL_OK;) {
		const struct pipe_rec *r = (const struct pipe_rec *)(b->p + off);
		st = format_rec(w, r);
		if (st == ETL_OK && f->line.failed)
			st = ETL_ERR_NOMEM;
		if (st == ETL_OK && f->line.len >= w->pipe->stream_bytes)
			st = pipe_stream(w->pipe, seq, &f->line);
		off += r->size;
	}
	b->text = f->line;
	memset(&f->line, 0, sizeof f->line);
	return st;
}

/* Writes every formatted batch that is next in order; called with the lock
 * held, by one worker at a time. */
static void pipe_write_ready(struct sink_pipe *p)
{
	p->writing = true;
	while (p->written < p->taken && p->b[p->written % p->nbatches].done) {
		struct pipe_batch *b = &p->b[p->written % p->nbatches];
		bool ok = p->status == ETL_OK;
		pthread_mutex_unlock(&p->mu);
		bool failed = ok && b->text.len &&
		              fwrite(b->text.p, 1, b->text.len, p->fp) != b->text.len;
		b->text.len = 0;
		b->len = 0;
		pthread_mutex_lock(&p->mu);
		if (failed && p->status == ETL_OK)
			p->status = ETL_ERR_IO;
		b->done = false;
		p->written++;
		pthread_cond_broadcast(&p->cv);
	}
	p->writing = false;
	pthread_cond_broadcast(&p->cv);
}

static void *pipe_main(void *arg)
{
	struct pipe_worker *w = arg;
	struct sink_pipe *p = w->pipe;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->taken == p->filled && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->taken == p->filled)
			break;
		uint64_t seq = p->taken++;
		struct pipe_batch *b = &p->b[seq % p->nbatches];
		bool skip = p->status != ETL_OK;
		pthread_mutex_unlock(&p->mu);
		etl_status st = skip ? ETL_OK : format_batch(w, b, seq);
		pthread_mutex_lock(&p->mu);
		if (st != ETL_OK && p->status == ETL_OK)
			p->status = st;
		b->done = true;
		if (!p->writing)
			pipe_write_ready(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pipe_free(struct sink_pipe *p)
{
	for (unsigned i = 0; i < p->nworkers; i++) {
		etl_decoder_free(p->w[i].dec);
		etl_strbuf_free(&p->w[i].fmt.line);
		free(p->w[i].fmt.state);
	}
	for (unsigned i = 0; p->b && i < p->nbatches; i++) {
		free(p->b[i].p);
		etl_strbuf_free(&p->b[i].text);
	}
	free(p->b);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Starts one worker per CPU (at most PIPE_MAX_WORKERS); without any the
 * sink works the same on the caller's thread. */
static void pipe_start(etl_sink *s)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = ncpu < 1 ? 1 : ncpu > PIPE_MAX_WORKERS ? PIPE_MAX_WORKERS : (unsigned)ncpu;
	struct sink_pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return;
	}
	p->fp = s->fp;
	p->decoding = &s->decoding;
	p->batch_bytes = PIPE_BATCH_BYTES;
	p->stream_bytes = PIPE_STREAM_BYTES;
	p->nbatches = 2 * n + 2;
	p->b = calloc(p->nbatches, sizeof(*p->b));
	if (!p->b) {
		pipe_free(p);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct pipe_worker *w = &p->w[i];
		w->pipe = p;
		w->fmt.vt = s->vt;
		w->fmt.flags = s->flags;
		w->fmt.trace = s->trace;
		if (s->vt->state_size && !(w->fmt.state = calloc(1, s->vt->state_size)))
			break;
		if (pthread_create(&w->th, NULL, pipe_main, w) != 0) {
			free(w->fmt.state);
			w->fmt.state = NULL;
			break;
		}
		p->nworkers++;
	}
	if (!p->nworkers) {
		pipe_free(p);
		return;
	}
	s->pipe = p;
}

/* Hands the filling batch over when it holds anything. */
static void pipe_submit(struct sink_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->b[p->filled % p->nbatches].len) {
		p->filled++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Room for n bytes in the filling batch: hands it over when full and waits
 * for a free one.  NULL on allocation failure or an earlier error. */
static uint8_t *pipe_reserve(struct sink_pipe *p, size_t n, etl_status *err)
{
	struct pipe_batch *b = &p->b[p->filled % p->nbatches];
	if (b->len && b->cap - b->len < n) {
		pthread_mutex_lock(&p->mu);
		p->filled++;
		pthread_cond_broadcast(&p->cv);
		while (p->filled - p->written >= p->nbatches)
			pthread_cond_wait(&p->cv, &p->mu);
		*err = p->status;
		pthread_mutex_unlock(&p->mu);
		if (*err != ETL_OK)
			return NULL;
		b = &p->b[p->filled % p->nbatches];
	}
	if (b->cap - b->len < n) {
		size_t cap = n > p->batch_bytes ? n : p->batch_bytes;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			*err = ETL_ERR_NOMEM;
			return NULL;
		}
		b->p = np;
		b->cap = cap;
	}
	uint8_t *at = b->p + b->len;
	b->len += n;
	return at;
}

/* Copies ev into the filling batch: with d, its decoded form (and the
 * payload only when the line shows it); with decode, the whole event and
 * its resolved ids, for a worker to decode. */
static etl_status pipe_copy(etl_sink *s, const etl_event *ev, const struct etl_decoded *d,
                            bool decode, uint32_t pid, uint32_t tid)
{
	size_t nlen[4] = { 0 };
	const char *names[4] = { NULL };
	if (d) {
		names[0] = d->provider_name;
		names[1] = d->event_name;
		names[2] = d->task_name;
		names[3] = d->opcode_name;
	}
	size_t n = pad8(sizeof(struct pipe_rec));
	for (int i = 0; i < 4; i++)
		if (names[i])
			n += (nlen[i] = strlen(names[i])) + 1;
	size_t props_len = d ? d->props.len : 0;
	bool need_data = decode || !d || !d->complete || (s->flags & ETL_SINK_RAW) ||
	                 props_len <= 2;
	size_t data_len = need_data ? ev->size : 0;
	n = pad8(n + props_len + 1);
	size_t ext_at = n;
	n += pad8(ev->ext_count * sizeof(etl_ext_item));
	for (size_t i = 0; i < ev->ext_count; i++)
		n += ev->ext[i].size;
	n = pad8(n + data_len);
	if (n > UINT32_MAX)
		return ETL_ERR_LIMIT;
	etl_status st = ETL_OK;
	uint8_t *base = pipe_reserve(s->pipe, n, &st);
	if (!base) {
		if (st == ETL_ERR_IO)
			etl_msg(s->errmsg, sizeof s->errmsg, "write failed");
		return st;
	}
	struct pipe_rec *r = (struct pipe_rec *)base;
	r->size = (uint32_t)n;
	r->has_d = d != NULL;
	r->decode = decode;
	r->complete = d ? (uint8_t)d->complete : 0;
	r->source = d ? (uint8_t)d->source : 0;
	r->pid = d ? d->pid : pid;
	r->tid = d ? d->tid : tid;
	r->ev = *ev;
	r->ev.header_ext = NULL;
	r->ev.header_ext_size = 0;
	char *o = (char *)base + pad8(sizeof(struct pipe_rec));
	for (int i = 0; i < 4; i++) {
		r->names[i] = names[i] ? o : NULL;
		if (names[i]) {
			memcpy(o, names[i], nlen[i] + 1);
			o += nlen[i] + 1;
		}
	}
	r->props = o;
	r->props_len = props_len;
	if (props_len)
		memcpy(o, d->props.p, props_len);
	o[props_len] = 0;
	etl_ext_item *items = (etl_ext_item *)(base + ext_at);
	o = (char *)items + pad8(ev->ext_count * sizeof(etl_ext_item));
	for (size_t i = 0; i < ev->ext_count; i++) {
		items[i] = ev->ext[i];
		items[i].data = (const uint8_t *)o;
		memcpy(o, ev->ext[i].data, ev->ext[i].size);
		o += ev->ext[i].size;
	}
	r->ev.ext = ev->ext_count ? items : NULL;
	r->ev.data = need_data ? (const uint8_t *)o : NULL;
	if (!need_data)
		r->ev.size = ev->size;  /* still shown as payload_size */
	else if (data_len)
		memcpy(o, ev->data, data_len);
	return ETL_OK;
}

/* Stops the workers after everything handed over is written. */
static etl_status pipe_stop(etl_sink *s)
{
	struct sink_pipe *p = s->pipe;
	if (!p)
		return ETL_OK;
	pipe_submit(p);
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nworkers; i++)
		pthread_join(p->w[i].th, NULL);
	etl_status st = p->status;
	pipe_free(p);
	s->pipe = NULL;
	return st;
}

void etl_sink_tune(etl_sink *s, size_t batch_bytes, size_t stream_bytes)
{
	if (s && s->pipe) {
		s->pipe->batch_bytes = batch_bytes;
		s->pipe->stream_bytes = stream_bytes;
	}
}

/* ---- the sink API ------------------------------------------------------------------ */

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
		/* without a thread the sink works the same, on the caller's */
		if (flags & ETL_SINK_THREADED)
			pipe_start(s);
		*out = s;
		return ETL_OK;
	}
	return ETL_ERR_UNSUPPORTED;
}

etl_status etl_sink_write(etl_sink *s, const etl_event *ev, const struct etl_decoded *d)
{
	if (!s || !ev)
		return ETL_ERR_ARG;
	if (s->pipe)
		return pipe_copy(s, ev, d, false, 0, 0);
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

etl_status etl_sink_set_decoder(etl_sink *s, etl_decoder *d, const etl_filter *f, int show)
{
	if (!s)
		return ETL_ERR_ARG;
	struct sink_decoding *sd = &s->decoding;
	struct sink_pipe *p = s->pipe;
	if (p) {
		for (unsigned i = 0; i < p->nworkers; i++) {
			etl_decoder_free(p->w[i].dec);
			p->w[i].dec = NULL;
		}
	}
	sd->dec = d;
	sd->filter = f;
	sd->show = show != 0;
	sd->parallel = false;
	if (!p || !d || !etl_decoder_shareable(d))
		return ETL_OK;
	for (unsigned i = 0; i < p->nworkers; i++)
		if (etl_decoder_fork(d, &p->w[i].dec) != ETL_OK)
			return ETL_OK; /* decoded on the caller's thread */
	sd->parallel = true;
	return ETL_OK;
}

etl_status etl_sink_put(etl_sink *s, const etl_event *ev)
{
	if (!s || !ev)
		return ETL_ERR_ARG;
	const struct sink_decoding *sd = &s->decoding;
	if (sd->parallel) {
		uint32_t pid, tid;
		etl_decoder_resolve(sd->dec, ev, &pid, &tid);
		return pipe_copy(s, ev, NULL, true, pid, tid);
	}
	const etl_decoded *d = NULL;
	if (sd->dec && etl_decoder_decode(sd->dec, ev, &d) != ETL_OK)
		d = NULL;
	if (sd->filter && !etl_filter_match(sd->filter, ev, d))
		return ETL_OK;
	return etl_sink_write(s, ev, sd->show ? d : NULL);
}

etl_status etl_sink_close(etl_sink *s)
{
	if (!s)
		return ETL_OK;
	etl_status st = pipe_stop(s);
	etl_status fst = s->vt->finish ? s->vt->finish(s) : ETL_OK;
	st = st ? st : fst;
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

/* Decimal digits two at a time from digit_pairs, in groups whose quotients
 * do not depend on each other. */
static inline char *put_4(char *o, uint32_t v)   /* v < 10000: exactly 4 digits */
{
	uint32_t hi = (v * 5243) >> 19;                /* v / 100 for v < 43699 */
	memcpy(o, digit_pairs + 2 * hi, 2);
	memcpy(o + 2, digit_pairs + 2 * (v - hi * 100), 2);
	return o + 4;
}

static inline char *put_8(char *o, uint32_t v)   /* v < 10^8: exactly 8 digits */
{
	uint32_t hi = v / 10000;
	return put_4(put_4(o, hi), v - hi * 10000);
}

static inline char *put_upto4(char *o, uint32_t v) /* v < 10000, no leading zeros */
{
	if (v < 10) {
		*o = (char)('0' + v);
		return o + 1;
	}
	if (v < 100) {
		memcpy(o, digit_pairs + 2 * v, 2);
		return o + 2;
	}
	if (v < 1000) {
		uint32_t hi = (v * 5243) >> 19;
		*o = (char)('0' + hi);
		memcpy(o + 1, digit_pairs + 2 * (v - hi * 100), 2);
		return o + 3;
	}
	return put_4(o, v);
}

static inline char *put_upto8(char *o, uint32_t v) /* v < 10^8, no leading zeros */
{
	if (v < 10000)
		return put_upto4(o, v);
	uint32_t hi = v / 10000;
	return put_4(put_upto4(o, hi), v - hi * 10000);
}

char *etl_fmt_u64(char *o, uint64_t v)
{
	if (v < 100000000)
		return put_upto8(o, (uint32_t)v);
	if (v < 10000000000000000ull) {
		uint64_t hi = v / 100000000;
		return put_8(put_upto8(o, (uint32_t)hi), (uint32_t)(v - hi * 100000000));
	}
	uint64_t top = v / 10000000000000000ull;            /* at most 1844 */
	uint64_t rest = v - top * 10000000000000000ull;
	uint64_t mid = rest / 100000000;
	o = put_upto4(o, (uint32_t)top);
	return put_8(put_8(o, (uint32_t)mid), (uint32_t)(rest - mid * 100000000));
}

char *etl_fmt_i64(char *o, int64_t v)
{
	if (v < 0) {
		*o++ = '-';
		return etl_fmt_u64(o, (uint64_t)0 - (uint64_t)v);
	}
	return etl_fmt_u64(o, (uint64_t)v);
}

void etl_put_u64(etl_strbuf *b, uint64_t v)
{
	if (v < 10) {
		etl_strbuf_putc(b, (char)('0' + v));
		return;
	}
	char *o = etl_strbuf_room(b, 21);
	if (o)
		etl_strbuf_commit(b, etl_fmt_u64(o, v));
}

void etl_put_i64(etl_strbuf *b, int64_t v)
{
	char *o = etl_strbuf_room(b, 22);
	if (o)
		etl_strbuf_commit(b, etl_fmt_i64(o, v));
}

static const char hexd[] = "0123456789abcdef";

/* "00".."ff": two hex digits per table lookup */
static const char hex_pairs[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *etl_fmt_hex64(char *o, uint64_t v)
{
	unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;
	o[0] = '0';
	o[1] = 'x';
	char *end = o + 2 + n;
	o = end;
	while (v >= 0x100) {
		o -= 2;
		memcpy(o, hex_pairs + 2 * (v & 0xFF), 2);
		v >>= 8;
	}
	if (v >= 0x10)
		memcpy(o - 2, hex_pairs + 2 * v, 2);
	else
		o[-1] = hexd[v];
	return end;
}

void etl_put_hex64(etl_strbuf *b, uint64_t v)
{
	char *o = etl_strbuf_room(b, 19);
	if (o)
		etl_strbuf_commit(b, etl_fmt_hex64(o, v));
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
	for (size_t i = 0; i < n; i++, o += 2)
		memcpy(o, hex_pairs + 2 * p[i], 2);
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
	/* bytes from `from` to i go out as they are, in one copy */
	size_t from = 0, i = 0;
	while (i < n) {
		/* eight bytes at a time while none is special: a byte below 0x20
		 * or equal to '"' or '\\' borrows into its top bit, and a set
		 * top bit is non-ASCII */
		while (n - i >= 8) {
			uint64_t x;
			memcpy(&x, p + i, 8);
			uint64_t m = (x - 0x2020202020202020ull) | ((x ^ 0x2222222222222222ull) - 0x0101010101010101ull) |
			             ((x ^ 0x5C5C5C5C5C5C5C5Cull) - 0x0101010101010101ull) | x;
			if (m & 0x8080808080808080ull)
				break;
			i += 8;
		}
		while (i < n && !json_special[p[i]])
			i++;
		if (i >= n)
			break;
		unsigned c = p[i];
		if (c >= 0x80) {
			/* a valid UTF-8 sequence stays in the copy */
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
				i += len;
				continue;
			}
		}
		etl_strbuf_put(b, p + from, i - from);
		if (c >= 0x80) {
			etl_strbuf_put(b, "\xEF\xBF\xBD", 3);
		} else if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			etl_strbuf_put(b, e, 2);
		} else {
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
		}
		from = ++i;
	}
	etl_strbuf_put(b, p + from, n - from);
	etl_strbuf_putc(b, '"');
}

void etl_put_time(etl_strbuf *b, int64_t ft)
{
	char s[ETL_TIME_STRLEN];
	size_t n = etl_filetime_format(ft, s, sizeof s);
	etl_strbuf_put(b, s, n);
}

char *etl_fmt_time_cached(char *o, int64_t ft, etl_time_cache *c)
{
	/* consecutive events share their second: format the date once per
	 * second and only the seven fractional digits otherwise.  A time
	 * before 1601 shows as 1601-01-01T00:00:00.0000000Z, as
	 * etl_filetime_format() clamps it. */
	if (ft < 0)
		ft = 0;
	int64_t sec = ft / 10000000;
	if (!c->valid || sec != c->sec) {
		if (!etl_filetime_format(ft, c->text, sizeof c->text))
			return o;
		c->sec = sec;
		c->valid = true;
	}
	memcpy(o, c->text, 20);          /* "YYYY-MM-DDThh:mm:ss." */
	/* the seven digits as eight with a leading zero over the '.', put back */
	put_8(o + 19, (uint32_t)(ft % 10000000));
	o[19] = '.';
	o[27] = 'Z';
	return o + 28;
}

void etl_put_time_cached(etl_strbuf *b, int64_t ft, etl_time_cache *c)
{
	char *o = etl_strbuf_room(b, ETL_TIME_STRLEN);
	if (o)
		etl_strbuf_commit(b, etl_fmt_time_cached(o, ft, c));
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
