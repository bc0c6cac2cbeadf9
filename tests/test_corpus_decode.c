/*
 * test_corpus_decode.c - payload decoding on the real traces of the shared
 * corpus, with the manifests that come with it: at least 99% of the events of
 * every trace decode with their payload consumed exactly, and known values
 * come out as the format references state them.
 */
#include "tap.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct result {
	long events, complete;
	char props[65536];        /* props of the events matching `want` */
	char want[128];
	long pid_filled;          /* CPU samples whose pid the decoder filled in */
	long perfinfo;            /* CPU samples */
};

static bool run(const char *dir, const char *file, etl_schemas *s, struct result *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	const char *p = path;
	etl_trace *t = NULL;
	etl_decoder *d = NULL;
	char err[512];
	if (etl_trace_open(&p, 1, NULL, &t, err, sizeof err) != ETL_OK ||
	    etl_decoder_new(s, &d) != ETL_OK || etl_decoder_prescan(d, t) != ETL_OK) {
		tap_diag("%s: %s", file, err);
		etl_trace_close(t);
		etl_decoder_free(d);
		return false;
	}
	const etl_event *ev;
	while (etl_trace_next(t, &ev) == ETL_OK) {
		const etl_decoded *de;
		if (etl_decoder_decode(d, ev, &de) != ETL_OK)
			continue;
		r->events++;
		r->complete += etl_decoded_complete(de);
		const char *name = etl_decoded_event_name(de);
		/* CPU samples carry no pid: it comes from the thread table */
		if (name && !strcmp(name, "PerfInfo/SampleProf")) {
			r->perfinfo++;
			r->pid_filled += etl_decoded_pid(de) != ETL_NO_ID;
		}
		size_t used = strlen(r->props);
		if (r->want[0] && name && !strcmp(name, r->want) && used + 1 < sizeof r->props)
			snprintf(r->props + used, sizeof r->props - used, "%s\n",
			         etl_decoded_props_json(de, NULL));
	}
	etl_decoder_free(d);
	etl_trace_close(t);
	return true;
}

static const struct {
	const char *file;
	const char *event;   /* an event name to look at */
	const char *expect;  /* a substring the props of one of them contain */
} cases[] = {
	{ "amsi.etl", "AmsiScript", "\"Raw Script\":\"" },
	{ "bond-sample.etl", NULL, NULL },
	{ "clr-gcevents.etl", "GC/GCFitBucketInfo", "{\"Index\":3,\"Count\":27,\"Size\":\"0x96f8\"}" },
	{ "clr-net452-x64.etl", "DnsServerForInterface", "\"Address\":\"[2001:4898::1050:1050]:0\"" },
	{ "http-server.etl", NULL, NULL },
	{ "kernel-network.etl", NULL, NULL },
	{ "kernel-process.etl", "ProcessStart/Start", "\"ImageName\":\"\\\\Device\\\\" },
	{ "lxcore-kernel.etl", "BreakPoint", "\"Function\":\"LxpInstanceStart\",\"Line\":2659" },
	{ "primitive-types.etl", "PrimitiveTypesTest",
	  "\"string_type\":\"Mercury\",\"boolean_type\":false,\"char_type\":\"M\",\"int16_type\":-51" },
	{ "selfdescribing.etl", "TestEvent", "{\"a\":{\"b\":\"Hello\",\"c\":\"World!\"}}" },
	{ "shutdown-perfdiag.etl", "Thread/DCStart", "\"ThreadName\":" },
};

int main(void)
{
	const char *dir = tl_corpus_dir();
	if (!dir) {
		tap_skip_all("shared corpus not found (set ETLKIT_CORPUS)");
		return 0;
	}
	etl_schemas *s = tl_corpus_schemas(dir);
	if (!tap_ok(s != NULL, "the corpus manifests load"))
		return tap_done();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		static struct result r;
		memset(&r, 0, sizeof r);
		if (cases[i].event)
			snprintf(r.want, sizeof r.want, "%s", cases[i].event);
		if (!tap_ok(run(dir, cases[i].file, s, &r), "%s decodes", cases[i].file))
			continue;
		double pct = r.events ? 100.0 * (double)r.complete / (double)r.events : 0;
		tap_ok(pct >= 99.0, "%s: %ld of %ld events (%.2f%%) consumed exactly", cases[i].file,
		       r.complete, r.events, pct);
		if (cases[i].expect) {
			bool ok = strstr(r.props, cases[i].expect) != NULL;
			tap_ok(ok, "%s: %s has %s", cases[i].file, cases[i].event, cases[i].expect);
			if (!ok)
				tap_diag("got %.300s", r.props);
		}
		if (r.perfinfo)
			tap_ok(r.pid_filled * 100 >= r.perfinfo * 99,
			       "%s: %ld of %ld CPU samples get their pid from the thread table",
			       cases[i].file, r.pid_filled, r.perfinfo);
	}
	etl_schemas_free(s);
	return tap_done();
}
