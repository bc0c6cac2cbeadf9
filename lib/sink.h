/*
 * sink.h - output sinks (private): one vtable, one file per format.
 */
#ifndef ETLKIT_SINK_H
#define ETLKIT_SINK_H

#ifndef ETLKIT_INTERNAL
#error "sink.h is private to libetlkit"
#endif

#include "private.h"
#include <stdio.h>

struct etl_decoded;

typedef struct etl_sink_vtable {
	const char *name;
	size_t state_size;
	etl_status (*write)(etl_sink *s, const etl_event *ev, const struct etl_decoded *d);
	etl_status (*finish)(etl_sink *s);
} etl_sink_vtable;

struct sink_pipe;

/* etl_sink_set_decoder(): how etl_sink_put() decodes and filters. */
struct sink_decoding {
	etl_decoder *dec;         /* NULL: events are written raw */
	const etl_filter *filter; /* NULL: none */
	bool show;                /* write the decoded form */
	bool parallel;            /* the workers decode, with forks of dec */
};

struct etl_sink {
	const etl_sink_vtable *vt;
	FILE *fp;
	unsigned flags;
	etl_strbuf line;
	const etl_trace *trace;
	void *state;
	struct sink_pipe *pipe;   /* ETL_SINK_THREADED: the workers */
	struct sink_decoding decoding;
	char errmsg[256];
};

/* Batch and text sizes of a threaded sink before its first event, so that
 * tests can make every batch hand over and stream its text. */
void etl_sink_tune(etl_sink *s, size_t batch_bytes, size_t stream_bytes);

extern const etl_sink_vtable etl_sink_jsonl;
extern const etl_sink_vtable etl_sink_text;

/* Shared formatting helpers (sink.c).  The etl_fmt_* ones write at o, which
 * has room (20 bytes for a u64, 21 for an i64, 18 for hex, 28 for a time),
 * and return the end, without a NUL; the etl_put_* ones append to b. */
char *etl_fmt_u64(char *o, uint64_t v);
char *etl_fmt_i64(char *o, int64_t v);
char *etl_fmt_hex64(char *o, uint64_t v);
void etl_put_u64(etl_strbuf *b, uint64_t v);
void etl_put_i64(etl_strbuf *b, int64_t v);
void etl_put_hex64(etl_strbuf *b, uint64_t v); /* 0x... lowercase */
void etl_put_hexbytes(etl_strbuf *b, const uint8_t *p, size_t n);
void etl_put_guid(etl_strbuf *b, const etl_guid *g);
void etl_put_json_string(etl_strbuf *b, const char *s, size_t n);
void etl_put_time(etl_strbuf *b, int64_t filetime);
/* The same with the date part reused while the second does not change. */
typedef struct etl_time_cache {
	bool valid;
	int64_t sec;
	char text[ETL_TIME_STRLEN];
} etl_time_cache;
void etl_put_time_cached(etl_strbuf *b, int64_t filetime, etl_time_cache *c);
char *etl_fmt_time_cached(char *o, int64_t filetime, etl_time_cache *c);
/* Return addresses of a STACK_TRACE32/64 extended item, or 0 frames. */
size_t etl_event_stack(const etl_event *ev, const uint8_t **frames, unsigned *width);

#endif
