/*
 * test_eventsource.c - reassembly of EventSource manifests carried in the
 * trace (event 0xFFFE, decoding.md §7.2): chunk order, duplicates, missing
 * chunks, disagreements, caps, deduplication; and, when the corpus is
 * present (ETLKIT_CORPUS, default ../shared/corpus), the manifests of
 * bond-sample.etl and clr-net452-x64.etl.
 *
 * A completed manifest is observed through the store: its events become
 * findable as ETL_SRC_EVENTSOURCE schemas.  A deduplicated manifest is
 * observed by the schema record staying the same object (a new parse would
 * register a new copy).
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char err[512];

static const char manifest_fmt[] =
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
	" <instrumentation xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	"xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\r\n"
	"  <events xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
	"<provider name=\"Etlkit-Test-%s\" guid=\"{%s}\" resourceFileName=\"x\" "
	"messageFileName=\"x\" symbol=\"EtlkitTest\">\r\n"
	" <tasks>\r\n"
	"  <task name=\"Hello\" message=\"$(string.task_Hello)\" value=\"65532\"/>\r\n"
	" </tasks>\r\n"
	" <events>\r\n"
	"  <event value=\"2\" version=\"0\" level=\"win:Informational\" symbol=\"Hello\" "
	"message=\"$(string.event_Hello)\" task=\"Hello\" template=\"HelloArgs\"/>\r\n"
	" </events>\r\n"
	" <templates>\r\n"
	"  <template tid=\"HelloArgs\">\r\n"
	"   <data name=\"text\" inType=\"win:UnicodeString\"/>\r\n"
	"   <data name=\"n\" inType=\"win:Int32\"/>\r\n"
	"  </template>\r\n"
	" </templates>\r\n"
	"</provider>\r\n"
	"</events>\r\n"
	"</instrumentation>\r\n"
	"<localization>\r\n"
	" <resources culture=\"en-US\">\r\n"
	"  <stringTable>\r\n"
	"   <string id=\"task_Hello\" value=\"Hello\"/>\r\n"
	"   <string id=\"event_Hello\" value=\"Hello %%1 %%2\"/>\r\n"
	"  </stringTable>\r\n"
	" </resources>\r\n"
	"</localization>\r\n"
	"</instrumentationManifest>\r\n";

struct man {
	etl_guid guid;
	char text[4096];
	size_t len;
};

static void make_manifest(struct man *m, unsigned k)
{
	char gs[40];
	snprintf(gs, sizeof(gs), "%08x-2222-3333-4444-555555555555", 0x11110000u + k);
	etl_guid_parse(gs, &m->guid);
	m->len = (size_t)snprintf(m->text, sizeof(m->text), manifest_fmt, gs + 4, gs);
}

/* One chunk event payload: header + bytes [from, to) of the manifest. */
static etl_status feed(etl_eventsource *es, etl_schemas *s, const struct man *m,
                       uint32_t tid, unsigned total, unsigned num, size_t from, size_t to)
{
	static uint8_t p[70000];
	p[0] = 1;
	p[1] = 1;
	p[2] = 0;
	p[3] = 0x5B;
	p[4] = (uint8_t)total;
	p[5] = (uint8_t)(total >> 8);
	p[6] = (uint8_t)num;
	p[7] = (uint8_t)(num >> 8);
	memcpy(p + 8, m->text + from, to - from);
	err[0] = 0;
	return etl_eventsource_feed(es, s, &m->guid, 100, tid, p, 8 + to - from, err, sizeof(err));
}

/* three chunks: [0, a), [a, b), [b, len) */
#define CUT_A(m) ((m)->len / 3)
#define CUT_B(m) ((m)->len / 3 * 2)

static etl_status chunk3(etl_eventsource *es, etl_schemas *s, const struct man *m,
                         uint32_t tid, unsigned num)
{
	size_t cuts[4] = { 0, CUT_A(m), CUT_B(m), m->len };
	return feed(es, s, m, tid, 3, num, cuts[num], cuts[num + 1]);
}

static const etl_schema *found(etl_schemas *s, const struct man *m)
{
	return etl_schemas_find_manifest(s, &m->guid, 2, 0);
}

static etl_schemas *new_store(void)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		abort();
	return s;
}

static void test_single_and_dedup(void)
{
	etl_schemas *s = new_store(), *s2 = new_store();
	etl_eventsource *es = etl_eventsource_new();
	struct man m;
	make_manifest(&m, 1);

	tap_ok(feed(es, s, &m, 1, 1, 0, 0, m.len) == ETL_OK, "single chunk manifest (%s)", err);
	const etl_schema *sc = found(s, &m);
	tap_ok(sc && sc->source == ETL_SRC_EVENTSOURCE, "its event is an eventsource schema");
	tap_ok(feed(es, s, &m, 7, 1, 0, 0, m.len) == ETL_OK && found(s, &m) == sc,
	       "identical manifest again (other thread): not parsed again");
	/* the same text split differently is still the same manifest */
	tap_ok(chunk3(es, s, &m, 1, 0) == ETL_OK && chunk3(es, s, &m, 1, 1) == ETL_OK &&
	       chunk3(es, s, &m, 1, 2) == ETL_OK && found(s, &m) == sc,
	       "same text in 3 chunks: deduplicated");
	tap_ok(feed(es, s2, &m, 1, 1, 0, 0, m.len) == ETL_OK && found(s2, &m) != NULL,
	       "another store gets its own parse");

	/* trailing NULs are not part of the XML */
	struct man z = m;
	make_manifest(&z, 2);
	memset(z.text + z.len, 0, 3);
	z.len += 3;
	tap_ok(feed(es, s, &z, 1, 1, 0, 0, z.len) == ETL_OK && found(s, &z), "trailing NULs ignored");

	/* a broken manifest reports the parser's error, and is not remembered */
	struct man bad = m;
	make_manifest(&bad, 3);
	bad.len -= 40;
	tap_ok(feed(es, s, &bad, 1, 1, 0, 0, bad.len) != ETL_OK && err[0],
	       "broken manifest: %s", err);
	tap_ok(found(s, &bad) == NULL, "nothing registered from it");
	etl_eventsource_free(es);
	etl_schemas_free(s);
	etl_schemas_free(s2);
}

static void test_chunks(void)
{
	etl_schemas *s = new_store();
	etl_eventsource *es = etl_eventsource_new();
	struct man m[8];
	for (unsigned k = 0; k < 8; k++)
		make_manifest(&m[k], 10 + k);

	/* in order */
	tap_ok(chunk3(es, s, &m[0], 1, 0) == ETL_OK && !found(s, &m[0]), "chunk 0/3 kept");
	tap_ok(chunk3(es, s, &m[0], 1, 1) == ETL_OK && !found(s, &m[0]), "chunk 1/3 kept");
	tap_ok(chunk3(es, s, &m[0], 1, 2) == ETL_OK && found(s, &m[0]), "chunk 2/3 completes (%s)", err);

	/* out of order after chunk 0 */
	tap_ok(chunk3(es, s, &m[1], 1, 0) == ETL_OK && chunk3(es, s, &m[1], 1, 2) == ETL_OK &&
	       !found(s, &m[1]) && chunk3(es, s, &m[1], 1, 1) == ETL_OK && found(s, &m[1]),
	       "chunks 0, 2, 1 complete");

	/* missing first chunk: later chunks ignored until a chunk 0 */
	tap_ok(chunk3(es, s, &m[2], 1, 1) == ETL_ERR_CORRUPT, "chunk 1 without 0: %s", err);
	tap_ok(chunk3(es, s, &m[2], 1, 2) == ETL_ERR_CORRUPT && !found(s, &m[2]),
	       "chunk 2 without 0 ignored");
	tap_ok(chunk3(es, s, &m[2], 1, 0) == ETL_OK && chunk3(es, s, &m[2], 1, 1) == ETL_OK &&
	       chunk3(es, s, &m[2], 1, 2) == ETL_OK && found(s, &m[2]), "then 0, 1, 2 complete");

	/* duplicate chunk: stream dropped */
	tap_ok(chunk3(es, s, &m[3], 1, 0) == ETL_OK && chunk3(es, s, &m[3], 1, 1) == ETL_OK,
	       "chunks 0, 1");
	tap_ok(chunk3(es, s, &m[3], 1, 1) == ETL_ERR_CORRUPT, "duplicate chunk 1: %s", err);
	tap_ok(chunk3(es, s, &m[3], 1, 2) == ETL_ERR_CORRUPT && !found(s, &m[3]),
	       "stream was reset: chunk 2 alone is ignored");
	/* duplicate chunk 0: the writer started again */
	tap_ok(chunk3(es, s, &m[3], 1, 0) == ETL_OK && chunk3(es, s, &m[3], 1, 1) == ETL_OK &&
	       chunk3(es, s, &m[3], 1, 0) == ETL_OK && chunk3(es, s, &m[3], 1, 1) == ETL_OK &&
	       chunk3(es, s, &m[3], 1, 2) == ETL_OK && found(s, &m[3]),
	       "0, 1, 0 (restart), 1, 2 complete");

	/* chunk number out of range */
	tap_ok(chunk3(es, s, &m[4], 1, 0) == ETL_OK &&
	       feed(es, s, &m[4], 1, 3, 3, 0, 10) == ETL_ERR_CORRUPT, "chunk 3 of 3: %s", err);
	tap_ok(chunk3(es, s, &m[4], 1, 1) == ETL_ERR_CORRUPT &&
	       chunk3(es, s, &m[4], 1, 2) == ETL_ERR_CORRUPT && !found(s, &m[4]),
	       "out-of-range chunk reset the stream");

	/* TotalChunks changes mid-stream */
	tap_ok(chunk3(es, s, &m[5], 1, 0) == ETL_OK &&
	       feed(es, s, &m[5], 1, 4, 1, CUT_A(&m[5]), CUT_B(&m[5])) == ETL_ERR_CORRUPT,
	       "chunk disagreeing with chunk 0: %s", err);
	tap_ok(chunk3(es, s, &m[5], 1, 2) == ETL_ERR_CORRUPT && !found(s, &m[5]), "stream dropped");

	/* interleaved streams: two threads of one provider, and another provider */
	tap_ok(chunk3(es, s, &m[6], 1, 0) == ETL_OK && chunk3(es, s, &m[6], 2, 0) == ETL_OK &&
	       chunk3(es, s, &m[7], 1, 0) == ETL_OK && chunk3(es, s, &m[6], 2, 1) == ETL_OK &&
	       chunk3(es, s, &m[7], 1, 1) == ETL_OK && chunk3(es, s, &m[6], 1, 1) == ETL_OK &&
	       chunk3(es, s, &m[7], 1, 2) == ETL_OK && found(s, &m[7]) && !found(s, &m[6]) &&
	       chunk3(es, s, &m[6], 2, 2) == ETL_OK && found(s, &m[6]) &&
	       chunk3(es, s, &m[6], 1, 2) == ETL_OK, "interleaved streams complete separately");

	/* an empty chunk is fine */
	struct man e;
	make_manifest(&e, 30);
	tap_ok(feed(es, s, &e, 1, 2, 0, 0, e.len) == ETL_OK &&
	       feed(es, s, &e, 1, 2, 1, e.len, e.len) == ETL_OK && found(s, &e),
	       "empty last chunk");
	etl_eventsource_free(es);
	etl_schemas_free(s);
}

static void test_envelope(void)
{
	etl_schemas *s = new_store();
	etl_eventsource *es = etl_eventsource_new();
	struct man m;
	make_manifest(&m, 40);
	uint8_t p[16] = { 1, 1, 0, 0x5B, 1, 0, 0, 0, '<', 'x', '/', '>' };

	tap_ok(etl_eventsource_feed(es, s, &m.guid, 1, 1, p, 7, err, sizeof(err)) == ETL_ERR_CORRUPT,
	       "7-byte payload: %s", err);
	p[3] = 0x5C;
	tap_ok(etl_eventsource_feed(es, s, &m.guid, 1, 1, p, 12, err, sizeof(err)) == ETL_ERR_CORRUPT,
	       "bad magic: %s", err);
	p[3] = 0x5B;
	p[0] = 2;
	tap_ok(etl_eventsource_feed(es, s, &m.guid, 1, 1, p, 12, err, sizeof(err)) ==
	       ETL_ERR_UNSUPPORTED, "format 2: %s", err);
	p[0] = 1;
	p[4] = 0;
	tap_ok(etl_eventsource_feed(es, s, &m.guid, 1, 1, p, 12, err, sizeof(err)) == ETL_ERR_CORRUPT,
	       "0 chunks: %s", err);
	p[4] = 0x01;
	p[5] = 0x04; /* 1025 */
	tap_ok(etl_eventsource_feed(es, s, &m.guid, 1, 1, p, 12, err, sizeof(err)) == ETL_ERR_LIMIT,
	       "1025 chunks: %s", err);
	tap_ok(etl_eventsource_feed(NULL, s, &m.guid, 1, 1, p, 12, err, sizeof(err)) == ETL_ERR_ARG &&
	       etl_eventsource_feed(es, s, &m.guid, 1, 1, NULL, 12, err, sizeof(err)) == ETL_ERR_ARG,
	       "bad arguments");
	etl_eventsource_free(NULL);

	/* 1024 chunks is the cap, not above it */
	size_t per = m.len / 1024 + 1;
	etl_status st = ETL_OK;
	for (unsigned k = 0; k < 1024 && st == ETL_OK; k++) {
		size_t from = k * per < m.len ? k * per : m.len;
		size_t to = from + per < m.len ? from + per : m.len;
		st = feed(es, s, &m, 5, 1024, k, from, to);
	}
	tap_ok(st == ETL_OK && found(s, &m), "1024 chunks reassembled (%s)", err);

	/* 16 MiB per manifest */
	static char big[60000];
	struct man *bm = calloc(1, sizeof(*bm));
	make_manifest(bm, 41);
	memset(big, ' ', sizeof(big));
	st = ETL_OK;
	unsigned k;
	for (k = 0; k < 300 && st == ETL_OK; k++) {
		uint8_t *p2 = malloc(8 + sizeof(big));
		memcpy(p2, "\x01\x01\x00\x5b", 4);
		p2[4] = 300 & 0xFF;
		p2[5] = 300 >> 8;
		p2[6] = (uint8_t)k;
		p2[7] = (uint8_t)(k >> 8);
		memcpy(p2 + 8, big, sizeof(big));
		st = etl_eventsource_feed(es, s, &bm->guid, 1, 9, p2, 8 + sizeof(big), err, sizeof(err));
		free(p2);
	}
	tap_ok(st == ETL_ERR_LIMIT && k == 280, "16 MiB cap hit at chunk %u: %s", k - 1, err);
	free(bm);
	etl_eventsource_free(es);
	etl_schemas_free(s);
}

static void test_stream_cap(void)
{
	etl_schemas *s = new_store();
	etl_eventsource *es = etl_eventsource_new();
	struct man m;
	make_manifest(&m, 50);
	/* 300 threads each start a 3-chunk manifest: the first 44 are evicted */
	etl_status st = ETL_OK;
	for (uint32_t tid = 0; tid < 300 && st == ETL_OK; tid++)
		st = chunk3(es, s, &m, 1000 + tid, 0);
	tap_ok(st == ETL_OK, "300 streams started");
	tap_ok(chunk3(es, s, &m, 1000, 1) == ETL_ERR_CORRUPT, "oldest stream evicted: %s", err);
	tap_ok(chunk3(es, s, &m, 1000 + 44, 1) == ETL_OK &&
	       chunk3(es, s, &m, 1000 + 44, 2) == ETL_OK && found(s, &m),
	       "stream 45 still complete");
	tap_ok(chunk3(es, s, &m, 1000 + 43, 1) == ETL_ERR_CORRUPT, "stream 44 evicted");
	etl_eventsource_free(es);
	etl_schemas_free(s);
}

/* Random chunk streams: any order, duplicates, bad headers; no crash, no
 * leak (the sanitizers and valgrind watch). */
static void test_random(void)
{
	etl_schemas *s = new_store();
	etl_eventsource *es = etl_eventsource_new();
	struct man m;
	make_manifest(&m, 60);
	srand(777);
	unsigned ok = 0;
	for (int i = 0; i < 20000; i++) {
		unsigned total = 1 + (unsigned)rand() % 5;
		unsigned num = (unsigned)rand() % (total + 1);
		size_t a = (size_t)rand() % m.len, b = (size_t)rand() % m.len;
		if (a > b) {
			size_t t = a;
			a = b;
			b = t;
		}
		ok += feed(es, s, &m, (uint32_t)rand() % 4, total, num, a, b) == ETL_OK;
	}
	tap_ok(1, "20000 random chunks survived (%u accepted)", ok);
	etl_eventsource_free(es);
	etl_schemas_free(s);
}

/* ---- corpus ------------------------------------------------------------------------ */

static void corpus_file(const char *dir, const char *file, const char *const *guids,
                        const uint16_t *ids, unsigned ng, unsigned want_events)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	etl_trace *tr;
	char e[512];
	const char *paths[] = { path };
	if (etl_trace_open(paths, 1, NULL, &tr, e, sizeof(e)) != ETL_OK) {
		tap_ok(0, "%s: %s", file, e);
		return;
	}
	etl_schemas *s = new_store();
	etl_eventsource *es = etl_eventsource_new();
	const etl_event *ev;
	unsigned n = 0, failed = 0;
	while (etl_trace_next(tr, &ev) == ETL_OK) {
		if (ev->id != 0xFFFE || ev->opcode != 0xFE ||
		    (ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64))
			continue;
		n++;
		if (etl_eventsource_feed(es, s, &ev->provider, ev->pid, ev->tid, ev->data,
		                         ev->size, err, sizeof(err)) != ETL_OK) {
			failed++;
			tap_diag("%s: %s", file, err);
		}
	}
	etl_trace_close(tr);
	tap_ok(n == want_events && failed == 0, "%s: %u manifest events fed (%u failed)",
	       file, n, failed);
	for (unsigned i = 0; i < ng; i++) {
		etl_guid g;
		etl_guid_parse(guids[i], &g);
		const etl_schema *sc = etl_schemas_find_manifest(s, &g, ids[i], 0);
		tap_ok(sc && sc->source == ETL_SRC_EVENTSOURCE, "%s: %s event %u known", file,
		       guids[i], ids[i]);
	}
	etl_eventsource_free(es);
	etl_schemas_free(s);
}

static void test_corpus(void)
{
	const char *dir = getenv("ETLKIT_CORPUS");
	const char *ci = getenv("CI");
	char path[4096];
	struct stat st;
	if (!dir)
		dir = "../shared/corpus";
	snprintf(path, sizeof(path), "%s/bond-sample.etl", dir);
	if (stat(path, &st) != 0) {
		if (ci && strcmp(ci, "true") == 0)
			tap_ok(0, "corpus file %s missing (CI=true)", path);
		else
			tap_ok(1, "corpus EventSource manifests # SKIP %s not found", path);
		return;
	}
	static const char *const bond[] = { "4f8f06bf-8261-4099-ae5f-07c54bbcfab3",
	                                    "4f8f06bf-8261-4099-ae5f-07c54bbcfab3" };
	static const uint16_t bond_ids[] = { 1, 3 };
	corpus_file(dir, "bond-sample.etl", bond, bond_ids, 2, 1);
	/* TPL, FrameworkEventSource and PerfView (written twice) */
	static const char *const clr[] = { "2e5dba47-a3d2-4d16-8ee0-6671ffdcd7b5",
	                                   "8e9f5090-2d75-4d03-8a81-e5afbf85daf1",
	                                   "a8a71ac1-040f-54a2-07ca-00a89b5ab761" };
	static const uint16_t clr_ids[] = { 7, 68, 1 };
	corpus_file(dir, "clr-net452-x64.etl", clr, clr_ids, 3, 4);
}

int main(void)
{
	test_single_and_dedup();
	test_chunks();
	test_envelope();
	test_stream_cap();
	test_random();
	test_corpus();
	return tap_done();
}
