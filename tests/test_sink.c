/*
 * test_sink.c - the output sinks formatting on a second thread
 * (ETL_SINK_THREADED) write exactly the bytes they write on the caller's
 * thread, for both formats, raw or decoded, on every corpus trace and on a
 * generated trace with every kind of event; and a write error still comes
 * back from etl_sink_close().
 */
#include "tap.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* All events of path through one sink into memory; NULL on failure. */
static char *render(const char *path, etl_schemas *schemas, const char *format, unsigned flags,
                    bool decode, size_t *len, long *events)
{
	char err[512];
	etl_trace *t = NULL;
	if (etl_trace_open(&path, 1, NULL, &t, err, sizeof err) != ETL_OK) {
		tap_diag("%s", err);
		return NULL;
	}
	etl_decoder *dec = NULL;
	if (decode && (etl_decoder_new(schemas, &dec) != ETL_OK ||
	               etl_decoder_prescan(dec, t) != ETL_OK)) {
		etl_decoder_free(dec);
		etl_trace_close(t);
		return NULL;
	}
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);
	etl_sink *sink = NULL;
	bool ok = fp && etl_sink_open_stream(format, fp, flags, t, &sink) == ETL_OK;
	const etl_event *ev;
	etl_status st;
	*events = 0;
	while (ok && (st = etl_trace_next(t, &ev)) == ETL_OK) {
		const etl_decoded *d = NULL;
		if (dec && etl_decoder_decode(dec, ev, &d) != ETL_OK)
			d = NULL;
		ok = etl_sink_write(sink, ev, d) == ETL_OK;
		++*events;
	}
	if (etl_sink_close(sink) != ETL_OK)
		ok = false;
	if (fp)
		fclose(fp);
	etl_decoder_free(dec);
	etl_trace_close(t);
	if (!ok) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

static void compare(const char *path, const char *label, etl_schemas *schemas)
{
	static const struct {
		const char *format;
		unsigned flags;
		bool decode;
	} ways[] = {
		{ "jsonl", 0, true },
		{ "jsonl", ETL_SINK_RAW, true },
		{ "jsonl", 0, false },
		{ "text", 0, true },
		{ "text", 0, false },
	};
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
		size_t n1 = 0, n2 = 0;
		long e1 = 0, e2 = 0;
		char *a = render(path, schemas, ways[i].format, ways[i].flags, ways[i].decode, &n1, &e1);
		char *b = render(path, schemas, ways[i].format, ways[i].flags | ETL_SINK_THREADED,
		                 ways[i].decode, &n2, &e2);
		tap_ok(a && b && n1 == n2 && memcmp(a, b, n1) == 0 && n1 > 0,
		       "%s: %s%s%s: %ld events, %zu bytes, same on a second thread", label,
		       ways[i].format, ways[i].flags & ETL_SINK_RAW ? " --raw" : "",
		       ways[i].decode ? "" : " --no-decode", e1, n1);
		free(a);
		free(b);
	}
}

int main(void)
{
	const char *corpus = tl_corpus_dir();
	etl_schemas *schemas = NULL;
	if (corpus)
		tap_ok((schemas = tl_corpus_schemas(corpus)) != NULL, "corpus manifests");

	/* every kind of event etlgen writes, several buffers per CPU */
	char gen[4096], man[4096], args[8192];
	snprintf(gen, sizeof gen, "%s/sink.etl", tl_tmpdir());
	snprintf(man, sizeof man, "%s/sink.man", tl_tmpdir());
	snprintf(args, sizeof args, "--events 20000 --cpus 4 --seed 7 --manifest-out %s", man);
	tap_ok(tl_etlgen(gen, args) == 0, "etlgen trace");
	etl_schemas *gs = NULL;
	tap_ok(etl_schemas_new(&gs) == ETL_OK && etl_schemas_add_manifest(gs, man) == ETL_OK,
	       "etlgen manifest");
	compare(gen, "etlgen", gs);
	etl_schemas_free(gs);
	remove(gen);
	remove(man);

	if (corpus) {
		for (size_t i = 0; i < tl_corpus_count; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", corpus, tl_corpus_traces[i]);
			compare(path, tl_corpus_traces[i], schemas);
		}
	} else {
		tap_diag("no corpus: only the generated trace was compared");
	}

	/* a stream that cannot be written: the error comes back at close */
	FILE *ro = fopen("/dev/null", "r");
	char err[512];
	etl_trace *t = NULL;
	const char *p = gen;
	snprintf(gen, sizeof gen, "%s/sink2.etl", tl_tmpdir());
	tap_ok(tl_etlgen(gen, "--events 5000 --cpus 2 --seed 3") == 0, "small trace");
	etl_sink *sink = NULL;
	bool opened = ro && etl_trace_open(&p, 1, NULL, &t, err, sizeof err) == ETL_OK &&
	              etl_sink_open_stream("jsonl", ro, ETL_SINK_THREADED, t, &sink) == ETL_OK;
	etl_status st = ETL_OK;
	const etl_event *ev;
	while (opened && st == ETL_OK && etl_trace_next(t, &ev) == ETL_OK)
		st = etl_sink_write(sink, ev, NULL);
	etl_status cst = etl_sink_close(sink);
	tap_ok(opened && (st != ETL_OK || cst != ETL_OK), "write error reported (write %d, close %d)",
	       (int)st, (int)cst);
	etl_trace_close(t);
	if (ro)
		fclose(ro);
	remove(gen);
	etl_schemas_free(schemas);
	return tap_done();
}
