/*
 * test_corrupt.c - the inputs of testdata/corrupt/ that once crashed a fuzz
 * target or tripped a sanitizer (tests/fuzz/), each with the result it must
 * give now.  The replay drivers feed every one of them to every target in
 * `make check`; this test says what the right answer is where that matters.
 * Names: <target>-<what>.
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
	return tap_done();
}
