/*
 * eventsource.c - reassembly of the manifests that manifest-based .NET
 * EventSources write into the trace (decoding.md §7.2), handed to the
 * manifest parser as ETL_SRC_EVENTSOURCE schemas.
 *
 * The manifest event (Id 0xFFFE, Opcode 0xFE) carries one chunk:
 *   0  u8   Format (1 = plain XML manifest)
 *   1  u8   MajorVersion (1)
 *   2  u8   MinorVersion (0)
 *   3  u8   Magic 0x5B
 *   4  u16  TotalChunks
 *   6  u16  ChunkNumber, 0-based
 *   8  ...  chunk bytes (UTF-8 XML)
 *
 * Rules: chunks are grouped by (provider, process, thread), since one writer
 * emits a manifest's chunks one after another; a stream starts only at chunk
 * 0; every chunk must agree with it on format, versions and TotalChunks; a
 * chunk number out of range, a duplicate or a disagreement drops the stream
 * (a chunk 0 then starts a new one: the writer began again).  When all
 * chunks are there they are joined in order and parsed.  EventSources write
 * their manifest again at every session enable and at rundown, so a
 * manifest identical to one already parsed into the same store is skipped.
 * Caps: 1024 chunks and 16 MiB per manifest, 256 streams in flight (the one
 * touched longest ago is dropped to make room).
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ES_HEADER 8
#define ES_MAGIC 0x5B
#define ES_FORMAT_XML 1
#define ES_MAX_CHUNKS 1024
#define ES_MAX_BYTES ((size_t)16 << 20)
#define ES_MAX_STREAMS 256
#define ES_MAX_SEEN 65536

struct stream {
	etl_guid provider;
	uint32_t pid, tid;
	uint8_t format, major, minor;
	uint16_t total, received;
	size_t bytes;
	uint64_t last_use;
	uint8_t **data;      /* total entries; NULL = not received (len 0 is fine) */
	uint32_t *len;
	uint8_t *have;
};

struct seen {
	uint64_t hash;
	size_t len;
};

struct etl_eventsource {
	struct stream *streams[ES_MAX_STREAMS];
	size_t nstreams;
	uint64_t tick;
	/* manifests parsed into `store`, by length and hash of their text */
	etl_schemas *store;
	struct seen *seen;
	size_t nseen, capseen;
};

etl_eventsource *etl_eventsource_new(void)
{
	return calloc(1, sizeof(etl_eventsource));
}

static void stream_free(struct stream *st)
{
	if (!st)
		return;
	if (st->data)
		for (uint32_t i = 0; i < st->total; i++)
			free(st->data[i]);
	free(st->data);
	free(st->len);
	free(st->have);
	free(st);
}

void etl_eventsource_free(etl_eventsource *es)
{
	if (!es)
		return;
	for (size_t i = 0; i < es->nstreams; i++)
		stream_free(es->streams[i]);
	free(es->seen);
	free(es);
}

static bool guid_eq(const etl_guid *a, const etl_guid *b)
{
	return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
	       memcmp(a->data4, b->data4, 8) == 0;
}

static size_t stream_find(etl_eventsource *es, const etl_guid *provider, uint32_t pid,
                          uint32_t tid)
{
	for (size_t i = 0; i < es->nstreams; i++) {
		struct stream *st = es->streams[i];
		if (st->pid == pid && st->tid == tid && guid_eq(&st->provider, provider))
			return i;
	}
	return SIZE_MAX;
}

static void stream_drop(etl_eventsource *es, size_t i)
{
	stream_free(es->streams[i]);
	es->streams[i] = es->streams[--es->nstreams];
	es->streams[es->nstreams] = NULL;
}

/* 64-bit FNV-1a.  A collision can only make us skip a manifest; a trace
 * crafted to do that could as well leave the manifest out, so no stronger
 * hash is needed. */
static uint64_t text_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static bool seen_has(etl_eventsource *es, uint64_t h, size_t len)
{
	for (size_t i = 0; i < es->nseen; i++)
		if (es->seen[i].hash == h && es->seen[i].len == len)
			return true;
	return false;
}

static void seen_add(etl_eventsource *es, uint64_t h, size_t len)
{
	if (es->nseen == es->capseen) {
		if (es->capseen >= ES_MAX_SEEN)
			return; /* only costs re-parsing */
		size_t cap = es->capseen ? es->capseen * 2 : 16;
		struct seen *n = realloc(es->seen, cap * sizeof(*n));
		if (!n)
			return;
		es->seen = n;
		es->capseen = cap;
	}
	es->seen[es->nseen].hash = h;
	es->seen[es->nseen].len = len;
	es->nseen++;
}

/* Parses one complete manifest unless the same text went into this store
 * already. */
static etl_status complete(etl_eventsource *es, etl_schemas *s, const etl_guid *provider,
                           const uint8_t *xml, size_t len, char *err, size_t errsz)
{
	/* some writers end the text with NULs; they are no part of the XML */
	while (len > 0 && xml[len - 1] == 0)
		len--;
	if (es->store != s) {
		es->store = s;
		es->nseen = 0;
	}
	uint64_t h = text_hash(xml, len);
	if (seen_has(es, h, len))
		return ETL_OK;
	char name[ETL_GUID_STRLEN + 16];
	snprintf(name, sizeof(name),
	         "<eventsource:%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
	         provider->data1, provider->data2, provider->data3, provider->data4[0],
	         provider->data4[1], provider->data4[2], provider->data4[3],
	         provider->data4[4], provider->data4[5], provider->data4[6],
	         provider->data4[7]);
	etl_status st = etl_manifest_parse(s, (const char *)xml, len, name,
	                                   ETL_SRC_EVENTSOURCE, err, errsz);
	if (st == ETL_OK)
		seen_add(es, h, len);
	return st;
}

static struct stream *stream_new(etl_eventsource *es, const etl_guid *provider,
                                 uint32_t pid, uint32_t tid, const uint8_t *hdr)
{
	if (es->nstreams == ES_MAX_STREAMS) {
		size_t oldest = 0;
		for (size_t i = 1; i < es->nstreams; i++)
			if (es->streams[i]->last_use < es->streams[oldest]->last_use)
				oldest = i;
		stream_drop(es, oldest);
	}
	struct stream *st = calloc(1, sizeof(*st));
	uint16_t total = etl_le16(hdr + 4);
	if (!st)
		return NULL;
	st->provider = *provider;
	st->pid = pid;
	st->tid = tid;
	st->format = hdr[0];
	st->major = hdr[1];
	st->minor = hdr[2];
	st->total = total;
	st->data = calloc(total, sizeof(*st->data));
	st->len = calloc(total, sizeof(*st->len));
	st->have = calloc(total, 1);
	if (!st->data || !st->len || !st->have) {
		stream_free(st);
		return NULL;
	}
	es->streams[es->nstreams++] = st;
	return st;
}

etl_status etl_eventsource_feed(etl_eventsource *es, etl_schemas *s,
                                const etl_guid *provider, uint32_t pid, uint32_t tid,
                                const uint8_t *payload, size_t n,
                                char *err, size_t errsz)
{
	if (!es || !s || !provider || (!payload && n))
		return ETL_ERR_ARG;
	if (n < ES_HEADER) {
		etl_msg(err, errsz, "EventSource manifest chunk: %zu bytes, shorter than "
		        "its %d-byte header", n, ES_HEADER);
		return ETL_ERR_CORRUPT;
	}
	const uint8_t *data = payload + ES_HEADER;
	size_t len = n - ES_HEADER;
	uint16_t total = etl_le16(payload + 4), num = etl_le16(payload + 6);
	if (payload[3] != ES_MAGIC) {
		etl_msg(err, errsz, "EventSource manifest chunk: byte 3: magic 0x%02x, "
		        "not 0x%02x", payload[3], ES_MAGIC);
		return ETL_ERR_CORRUPT;
	}
	if (payload[0] != ES_FORMAT_XML) {
		etl_msg(err, errsz, "EventSource manifest chunk: byte 0: format %u is not "
		        "supported", payload[0]);
		return ETL_ERR_UNSUPPORTED;
	}
	if (total == 0 || total > ES_MAX_CHUNKS) {
		etl_msg(err, errsz, "EventSource manifest chunk: byte 4: %u chunks (1..%d "
		        "allowed)", total, ES_MAX_CHUNKS);
		return total ? ETL_ERR_LIMIT : ETL_ERR_CORRUPT;
	}

	es->tick++;
	size_t i = stream_find(es, provider, pid, tid);
	struct stream *st = i == SIZE_MAX ? NULL : es->streams[i];
	etl_status status = ETL_OK;

	if (num >= total) {
		if (st)
			stream_drop(es, i);
		etl_msg(err, errsz, "EventSource manifest chunk: byte 6: chunk %u of %u "
		        "out of range%s", num, total, st ? "; manifest dropped" : "");
		return ETL_ERR_CORRUPT;
	}
	if (st && (st->total != total || st->format != payload[0] ||
	           st->major != payload[1] || st->minor != payload[2] || st->have[num])) {
		bool dup = st->total == total && st->have[num];
		stream_drop(es, i);
		st = NULL;
		if (num != 0) {
			etl_msg(err, errsz, "EventSource manifest chunk %u of %u: %s; manifest "
			        "dropped", num, total, dup ? "duplicate" : "disagrees with chunk 0");
			return ETL_ERR_CORRUPT;
		}
		/* a new chunk 0: the writer started the manifest again */
	}
	if (!st) {
		if (num != 0) {
			etl_msg(err, errsz, "EventSource manifest chunk %u of %u without chunk "
			        "0: ignored", num, total);
			return ETL_ERR_CORRUPT;
		}
		if (total == 1) /* the usual case: nothing to keep */
			return complete(es, s, provider, data, len, err, errsz);
		st = stream_new(es, provider, pid, tid, payload);
		if (!st) {
			etl_msg(err, errsz, "EventSource manifest: out of memory");
			return ETL_ERR_NOMEM;
		}
		i = es->nstreams - 1;
	}
	if (len > ES_MAX_BYTES - st->bytes) {
		stream_drop(es, i);
		etl_msg(err, errsz, "EventSource manifest: more than %zu bytes; dropped",
		        ES_MAX_BYTES);
		return ETL_ERR_LIMIT;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		stream_drop(es, i);
		etl_msg(err, errsz, "EventSource manifest: out of memory");
		return ETL_ERR_NOMEM;
	}
	if (len)
		memcpy(copy, data, len);
	st->data[num] = copy;
	st->len[num] = (uint32_t)len;
	st->have[num] = 1;
	st->bytes += len;
	st->received++;
	st->last_use = es->tick;
	if (st->received < st->total)
		return ETL_OK;

	uint8_t *xml = malloc(st->bytes ? st->bytes : 1);
	if (!xml) {
		stream_drop(es, i);
		etl_msg(err, errsz, "EventSource manifest: out of memory");
		return ETL_ERR_NOMEM;
	}
	size_t off = 0;
	for (uint32_t k = 0; k < st->total; k++) {
		memcpy(xml + off, st->data[k], st->len[k]);
		off += st->len[k];
	}
	etl_guid prov = st->provider;
	stream_drop(es, i);
	status = complete(es, s, &prov, xml, off, err, errsz);
	free(xml);
	return status;
}
