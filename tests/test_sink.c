/*
 * test_sink.c - the output sinks write the same bytes however they work: on
 * the caller's thread or on worker threads (ETL_SINK_THREADED), decoding
 * themselves (etl_sink_put) or given decoded events (etl_sink_write), with
 * batches small enough that every one is handed over and its text streamed;
 * for both formats, raw or decoded, filtered or not, on every corpus trace and
 * on a generated trace with every kind of event.  And a write error still
 * comes back from etl_sink_close().
 */
#define ETLKIT_INTERNAL
#include "tap.h"
#include "testlib.h"
#include "../lib/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum how {
	CALLER,   /* the caller decodes and filters, etl_sink_write() */
	PUT,      /* the sink decodes and filters, etl_sink_put() */
	PUT_TINY  /* the same with 4 KiB batches whose text streams past 8 KiB */
};

/* All events of path through one sink into memory; NULL on failure. */
static char *render(const char *path, etl_schemas *schemas, const char *format, unsigned flags,
                    bool decode, enum how how, const etl_filter *filter, size_t *len,
                    long *events)
{
	char err[512];
	etl_trace *t = NULL;
	if (etl_trace_open(&path, 1, NULL, &t, err, sizeof err) != ETL_OK) {
		tap_diag("%s", err);
		return NULL;
	}
	etl_decoder *dec = NULL;
	if ((decode || filter) && (etl_decoder_new(schemas, &dec) != ETL_OK ||
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
	if (ok && how != CALLER)
		ok = etl_sink_set_decoder(sink, dec, filter, decode) == ETL_OK;
	if (ok && how == PUT_TINY)
		etl_sink_tune(sink, 4096, 8192);
	const etl_event *ev;
	etl_status st;
	*events = 0;
	while (ok && (st = etl_trace_next(t, &ev)) == ETL_OK) {
		++*events;
		if (how != CALLER) {
			ok = etl_sink_put(sink, ev) == ETL_OK;
			continue;
		}
		const etl_decoded *d = NULL;
		if (dec && etl_decoder_decode(dec, ev, &d) != ETL_OK)
			d = NULL;
		if (filter && !etl_filter_match(filter, ev, d))
			continue;
		ok = etl_sink_write(sink, ev, decode ? d : NULL) == ETL_OK;
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

/* A filter that drops some events of most traces: a process deny list.  It
 * tests the resolved pid, which kernel events without ids in their header
 * take from their payload and the thread map. */
static etl_filter *some_filter(void)
{
	etl_filter *f = NULL;
	if (etl_filter_new(&f) != ETL_OK || etl_filter_add_pid(f, 4, 1) != ETL_OK ||
	    etl_filter_add_pid(f, 0, 1) != ETL_OK) {
		etl_filter_free(f);
		return NULL;
	}
	return f;
}

static void compare(const char *path, const char *label, etl_schemas *schemas)
{
	static const struct {
		const char *format;
		unsigned flags;
		bool decode, filter;
	} ways[] = {
		{ "jsonl", 0, true, false },
		{ "jsonl", ETL_SINK_RAW, true, false },
		{ "jsonl", 0, false, false },
		{ "text", 0, true, false },
		{ "text", 0, false, false },
		{ "jsonl", 0, true, true },
		{ "text", 0, false, true },
	};
	static const struct {
		unsigned flags;
		enum how how;
		const char *name;
	} hows[] = {
		{ ETL_SINK_THREADED, CALLER, "written on worker threads" },
		{ 0, PUT, "decoded by the sink" },
		{ ETL_SINK_THREADED, PUT, "decoded on worker threads" },
		{ ETL_SINK_THREADED, PUT_TINY, "decoded on worker threads, 4 KiB batches" },
	};
	etl_filter *filter = some_filter();
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
		const etl_filter *f = ways[i].filter ? filter : NULL;
		size_t n1 = 0;
		long e1 = 0;
		char *a = render(path, schemas, ways[i].format, ways[i].flags, ways[i].decode, CALLER,
		                 f, &n1, &e1);
		for (size_t h = 0; h < sizeof hows / sizeof hows[0]; h++) {
			size_t n2 = 0;
			long e2 = 0;
			char *b = render(path, schemas, ways[i].format, ways[i].flags | hows[h].flags,
			                 ways[i].decode, hows[h].how, f, &n2, &e2);
			tap_ok(a && b && n1 == n2 && memcmp(a, b, n1) == 0 && (n1 > 0 || f),
			       "%s: %s%s%s%s: %ld events, %zu bytes, the same %s", label,
			       ways[i].format, ways[i].flags & ETL_SINK_RAW ? " --raw" : "",
			       ways[i].decode ? "" : " --no-decode", f ? " filtered" : "", e1, n1,
			       hows[h].name);
			free(b);
		}
		free(a);
	}
	etl_filter_free(filter);
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

	/* a stream that cannot be written: the error comes back, whether the
	 * sink is given decoded events or decodes them on its workers */
	snprintf(gen, sizeof gen, "%s/sink2.etl", tl_tmpdir());
	tap_ok(tl_etlgen(gen, "--events 5000 --cpus 2 --seed 3") == 0, "small trace");
	for (int put = 0; put < 2; put++) {
		FILE *ro = fopen("/dev/null", "r");
		char err[512];
		etl_trace *t = NULL;
		etl_decoder *dec = NULL;
		const char *p = gen;
		etl_sink *sink = NULL;
		bool opened = ro && etl_trace_open(&p, 1, NULL, &t, err, sizeof err) == ETL_OK &&
		              etl_decoder_new(NULL, &dec) == ETL_OK &&
		              etl_decoder_prescan(dec, t) == ETL_OK &&
		              etl_sink_open_stream("jsonl", ro, ETL_SINK_THREADED, t, &sink) == ETL_OK &&
		              etl_sink_set_decoder(sink, put ? dec : NULL, NULL, 1) == ETL_OK;
		etl_status st = ETL_OK;
		const etl_event *ev;
		while (opened && st == ETL_OK && etl_trace_next(t, &ev) == ETL_OK)
			st = put ? etl_sink_put(sink, ev) : etl_sink_write(sink, ev, NULL);
		etl_status cst = etl_sink_close(sink);
		tap_ok(opened && (st != ETL_OK || cst != ETL_OK),
		       "write error reported with etl_sink_%s (write %d, close %d)",
		       put ? "put" : "write", (int)st, (int)cst);
		etl_decoder_free(dec);
		etl_trace_close(t);
		if (ro)
			fclose(ro);
	}
	remove(gen);
	etl_schemas_free(schemas);
	return tap_done();
}
