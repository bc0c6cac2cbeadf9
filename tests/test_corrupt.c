/*
 * test_corrupt.c - the inputs of testdata/corrupt/ that once crashed a fuzz
 * target or tripped a sanitizer (tests/fuzz/), each with the result it must
 * give now.  The replay drivers feed every one of them to every target in
 * `make check`; this test says what the right answer is where that matters.
 * Names: <target>-<what>.  Also the decoder's own caches at their bounds.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "tap.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *load(const char *name, size_t *n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/corrupt/%s", TESTDATA_DIR, name);
	uint8_t *p = tl_read_file(path, n);
	if (!p)
		tap_diag("cannot read %s", path);
	return p;
}

/* A schema without properties (a manifest event with no template) decoded
 * first by a fresh decoder: decode.c once passed its never-allocated
 * per-property table to memset (NULL with size 0, undefined behaviour that
 * UBSan reports). The event decodes to an empty, complete object. */
static void no_fields(void)
{
	size_t n;
	uint8_t *xml = load("manifest-event-without-fields", &n);
	if (!tap_ok(xml != NULL, "manifest-event-without-fields: read"))
		return;
	etl_schemas *s = NULL;
	char err[256] = "";
	etl_schemas_new(&s);
	etl_status st = etl_manifest_parse(s, (const char *)xml, n, "m", ETL_SRC_MANIFEST, err,
	                                   sizeof err);
	tap_ok(st == ETL_OK, "manifest-event-without-fields: parses (%s)", err);
	etl_guid g;
	etl_guid_parse("6a399ae0-4bc6-4de9-870b-3657f8947e7e", &g);
	etl_decoder *d = NULL;
	etl_decoder_new(s, &d);
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	ev.header = ETL_HDR_EVENT64;
	ev.provider = g;
	ev.id = 2;
	ev.pid = ev.tid = 1;
	ev.pointer_size = 8;
	const etl_decoded *dc = NULL;
	st = etl_decoder_decode(d, &ev, &dc);
	size_t len = 0;
	const char *json = dc ? etl_decoded_props_json(dc, &len) : NULL;
	tap_ok(st == ETL_OK && dc && !strcmp(etl_decoded_schema(dc), "manifest") && json &&
	       !strcmp(json, "{}") && etl_decoded_complete(dc),
	       "manifest-event-without-fields: decodes to {} (status %d, %s)", st,
	       json ? json : "no props");
	etl_decoder_free(d);
	etl_schemas_free(s);
	free(xml);
}

/* TraceLogging metadata of 22 bytes: a struct array of constant count 65535
 * whose one member is an array of 65535 structs without members.  Nothing
 * takes payload bytes, so the walk once ran 4 billion elements (a hang, and
 * gigabytes of "{}").  Now a walk stops after 2^20 properties and elements
 * in all (or 64 MiB of JSON) and the event is reported incomplete. */
static void nested_empty(void)
{
	size_t n;
	uint8_t *in = load("tracelogging-nested-empty-struct-arrays", &n);
	if (!tap_ok(in != NULL && n > 4, "tracelogging-nested-empty-struct-arrays: read"))
		return;
	/* fuzz_tracelogging framing: u16 0xFFFF (no traits), u16 metadata
	 * length, metadata, payload */
	size_t mlen = (size_t)(in[2] | in[3] << 8);
	etl_ext_item ext = { ETL_EXT_EVENT_SCHEMA_TL, (uint16_t)mlen, in + 4 };
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	ev.header = ETL_HDR_EVENT64;
	ev.flags = ETL_EVF_EXTENDED_INFO;
	ev.pid = ev.tid = ETL_NO_ID;
	ev.pointer_size = 8;
	ev.ext = &ext;
	ev.ext_count = 1;
	ev.data = in + 4 + mlen;
	ev.size = n - 4 - mlen;
	etl_decoder *d = NULL;
	etl_decoder_new(NULL, &d);
	const etl_decoded *dc = NULL;
	etl_status st = etl_decoder_decode(d, &ev, &dc);
	size_t len = 0;
	if (dc)
		etl_decoded_props_json(dc, &len);
	tap_ok(st == ETL_OK && dc && !strcmp(etl_decoded_schema(dc), "tracelogging") &&
	       !etl_decoded_complete(dc) && len < ((size_t)16 << 20),
	       "tracelogging-nested-empty-struct-arrays: bounded walk, incomplete (status %d, "
	       "%zu bytes of JSON)", st, len);
	etl_decoder_free(d);
	free(in);
}

/* A trace with more distinct TraceLogging layouts than the decoder keeps
 * plans for (each layout costs a plan, a metadata copy and a schema): the
 * cache starts over instead of growing without bound or giving up, and
 * every event still decodes to its own field. */
static void many_layouts(void)
{
	etl_decoder *d = NULL;
	etl_decoder_new(NULL, &d);
	unsigned bad = 0, n = 70000;
	for (unsigned i = 0; i < n && d; i++) {
		uint8_t meta[64];
		int name = snprintf((char *)meta + 3, 40, "E%u", i);
		size_t o = 3 + (size_t)name + 1;
		memcpy(meta + o, "x", 2);
		o += 2;
		meta[o++] = 8; /* UINT32 */
		meta[0] = (uint8_t)o;
		meta[1] = 0;
		meta[2] = 0;   /* no event tags */
		uint8_t payload[4] = { (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), 0 };
		etl_ext_item ext = { ETL_EXT_EVENT_SCHEMA_TL, (uint16_t)o, meta };
		etl_event ev;
		memset(&ev, 0, sizeof ev);
		ev.header = ETL_HDR_EVENT64;
		ev.flags = ETL_EVF_EXTENDED_INFO;
		ev.pid = ev.tid = 1;
		ev.pointer_size = 8;
		ev.ext = &ext;
		ev.ext_count = 1;
		ev.data = payload;
		ev.size = 4;
		const etl_decoded *dc = NULL;
		char want[32];
		snprintf(want, sizeof want, "{\"x\":%u}", i);
		size_t len = 0;
		const char *json = etl_decoder_decode(d, &ev, &dc) == ETL_OK && dc
		                       ? etl_decoded_props_json(dc, &len) : NULL;
		if (!json || strcmp(json, want) || !etl_decoded_complete(dc)) {
			if (!bad++)
				tap_diag("event %u: %s", i, json ? json : "(none)");
		}
	}
	tap_ok(d && bad == 0, "%u distinct TraceLogging layouts all decode (%u wrong)", n, bad);
	etl_decoder_free(d);
}

/* More threads than the thread -> process map holds: it starts over when
 * full, so a thread seen lately is still resolved for an event whose
 * header names no process. */
static void many_threads(void)
{
	etl_decoder *d = NULL;
	etl_decoder_new(NULL, &d);
	etl_event ev;
	memset(&ev, 0, sizeof ev);
	ev.header = ETL_HDR_EVENT64;
	ev.pointer_size = 8;
	const etl_decoded *dc = NULL;
	unsigned threads = 1500000, wrong = 0;
	for (unsigned i = 1; i <= threads && d; i++) {
		ev.tid = 4 * i;
		ev.pid = 1 + i % 5000;
		etl_decoder_decode(d, &ev, &dc);
		if (i % 1000 == 0) {
			/* a sample of that thread, without a process in its header */
			ev.pid = ETL_NO_ID;
			if (etl_decoder_decode(d, &ev, &dc) != ETL_OK || !dc ||
			    etl_decoded_pid(dc) != 1 + i % 5000)
				wrong++;
		}
	}
	tap_ok(d && wrong == 0, "%u threads: every recent thread resolves to its process (%u wrong)",
	       threads, wrong);
	etl_decoder_free(d);
}

struct warnings {
	unsigned n;
	bool budget;
};

static void on_warning(void *ctx, const char *msg)
{
	struct warnings *w = ctx;
	w->n++;
	if (strstr(msg, "decompressed buffers of all processors would exceed 1024 MiB"))
		w->budget = true;
}

/* 17 compressed buffers of 88 bytes, one per processor, each inflating to
 * 64 MiB (the logical size the header claims) with a single match token:
 * the merge keeps one buffer per processor, so 5 KiB of file once held
 * 17 x 64 MiB (4096 processors: 256 GiB).  Now decompressed buffers are
 * capped at 1 GiB in all; the 17th is skipped with a warning and the
 * trace still reads to its end. */
static void inflating_buffers(void)
{
	size_t n;
	uint8_t *in = load("reader-inflating-buffer-per-cpu", &n);
	if (!tap_ok(in != NULL, "reader-inflating-buffer-per-cpu: read"))
		return;
	struct warnings w = { 0, false };
	etl_open_options opt = { on_warning, &w, 0 };
	etl_trace *t = NULL;
	char err[512] = "";
	etl_status st = etl_trace_open_memory(in, n, "inflating", &opt, &t, err, sizeof err);
	long events = st == ETL_OK ? tl_count_events(t) : -1;
	tap_ok(st == ETL_OK && events >= 1 && w.budget,
	       "reader-inflating-buffer-per-cpu: memory cap named in a warning, read to the end "
	       "(status %d, %ld events, %u warnings)", st, events, w.n);
	etl_trace_close(t);
	free(in);
}

int main(void)
{
	alarm(120); /* the inputs here once hung: fail instead of stalling */
	no_fields();
	nested_empty();
	inflating_buffers();
	many_layouts();
	many_threads();
	return tap_done();
}
