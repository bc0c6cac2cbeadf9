/*
 * mkseeds.c - makes seed inputs for the fuzz targets (tests/fuzz/fuzz_*.c)
 * from the project's own means; tests/fuzz/make-seeds.sh drives it to
 * rebuild testdata/fuzz/, and tests/fuzz/run.sh uses `extract` on the shared
 * corpus at fuzzing time (those seeds are never committed).
 *
 *   mkseeds trace OUT.etl       a small trace whose events carry the in-trace
 *                               schema sources: an EventSource manifest in
 *                               two chunks and an event it describes, a
 *                               KernelTraceControl EventInfo + EventMapInfo
 *                               pair and an event they describe, a WinSat
 *                               event with LZNT1-compressed XML, a
 *                               TraceLogging event, a WPP message
 *   mkseeds extract DIR TRACE... the blobs of the traces, in the input format
 *                               of each target: DIR/tracelogging (PROV_TRAITS +
 *                               EVENT_SCHEMA_TL + payload), DIR/eventsource
 *                               (manifest chunks), DIR/tei (EventInfo and
 *                               EventMapInfo payloads), DIR/xpress
 *                               (compressed buffers)
 *   mkseeds synth DIR           hand-made blobs: TEI event/map infos,
 *                               EventSource chunk sequences (in order, out of
 *                               order, interleaved), LZNT1 streams
 *
 * Only libc, POSIX and the public reader API are used; the raw buffers for
 * `xpress` are found by walking the buffer headers (etl-format.md §1).
 */
#include "etlkit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- growable bytes ------------------------------------------------------------ */

struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	if (n > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 256;
		while (n > cap - b->n)
			cap *= 2;
		uint8_t *q = realloc(b->p, cap);
		if (!q) {
			fprintf(stderr, "mkseeds: out of memory\n");
			exit(1);
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put8(struct bytes *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	put(b, &c, 1);
}

static void put16(struct bytes *b, unsigned v)
{
	put8(b, v & 0xFF);
	put8(b, v >> 8 & 0xFF);
}

static void put32(struct bytes *b, uint32_t v)
{
	put16(b, v & 0xFFFF);
	put16(b, v >> 16);
}

static void put64(struct bytes *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void putguid(struct bytes *b, const etl_guid *g)
{
	put32(b, g->data1);
	put16(b, g->data2);
	put16(b, g->data3);
	put(b, g->data4, 8);
}

static void zeros(struct bytes *b, size_t n)
{
	static const uint8_t z[64];
	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		put(b, z, k);
		n -= k;
	}
}

static void set16(struct bytes *b, size_t off, unsigned v)
{
	b->p[off] = (uint8_t)v;
	b->p[off + 1] = (uint8_t)(v >> 8);
}

static void set32(struct bytes *b, size_t off, uint32_t v)
{
	set16(b, off, v & 0xFFFF);
	set16(b, off + 2, v >> 16);
}

/* NUL-terminated UTF-16LE of an ASCII string; returns its offset from base. */
static uint32_t putwstr(struct bytes *b, size_t base, const char *s)
{
	uint32_t off = (uint32_t)(b->n - base);
	for (; *s; s++)
		put16(b, (unsigned char)*s);
	put16(b, 0);
	return off;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_seed(const char *dir, const char *target, const char *name,
                      const struct bytes *b)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, target);
	mkdir(path, 0777);
	snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
	return write_file(path, b->p, b->n);
}

/* ---- LZNT1 (MS-XCA §2.5): a greedy compressor for seeds ------------------------ */

static void lznt1_compress(const uint8_t *in, size_t n, struct bytes *out)
{
	for (size_t cs = 0; cs < n; cs += 4096) {
		size_t clen = n - cs < 4096 ? n - cs : 4096;
		const uint8_t *c = in + cs;
		struct bytes body = { 0 };
		size_t pos = 0;
		while (pos < clen) {
			size_t flag_at = body.n;
			put8(&body, 0);
			for (int bit = 0; bit < 8 && pos < clen; bit++) {
				unsigned lenbits = 12;
				for (size_t p = pos ? pos - 1 : 0; p >= 0x10; p >>= 1)
					lenbits--;
				size_t max_len = ((size_t)1 << lenbits) - 1 + 3;
				size_t max_dist = (size_t)1 << (16 - lenbits);
				size_t best = 0, best_dist = 0;
				for (size_t d = 1; d <= pos && d <= max_dist; d++) {
					size_t l = 0;
					while (l < max_len && pos + l < clen && c[pos + l] == c[pos + l - d])
						l++;
					if (l > best) {
						best = l;
						best_dist = d;
					}
				}
				if (best >= 3) {
					body.p[flag_at] |= (uint8_t)(1u << bit);
					put16(&body, (unsigned)((best_dist - 1) << lenbits | (best - 3)));
					pos += best;
				} else {
					put8(&body, c[pos++]);
				}
			}
		}
		put16(out, (unsigned)(0xB000 | (body.n - 1)));
		put(out, body.p, body.n);
		free(body.p);
	}
	put16(out, 0);
}

/* ---- the hand-made schema sources ------------------------------------------------ */

static const etl_guid es_guid = { 0x8e9f5090, 0x2d75, 0x4d03,
	{ 0x8a, 0x81, 0xe5, 0xaf, 0xbf, 0x85, 0xda, 0xf1 } };
static const etl_guid dns_guid = { 0x1c95126e, 0x7eea, 0x49a9,
	{ 0xa3, 0xfe, 0xa3, 0x78, 0xb0, 0x3d, 0xdb, 0x4d } };
static const etl_guid metadata_guid = { 0xbbccf6c1, 0x6cd1, 0x48c4,
	{ 0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71 } };
static const etl_guid winsat_guid = { 0xed54dff8, 0xc409, 0x4cf6,
	{ 0xbf, 0x83, 0x05, 0xe1, 0xe6, 0x1a, 0x09, 0xc4 } };
static const etl_guid tl_guid = { 0x3a7b9c1d, 0x2e4f, 0x4a6b,
	{ 0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d } };
static const etl_guid wpp_guid = { 0x5a6b7c8d, 0x9e0f, 0x4a1b,
	{ 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93 } };

static const char es_manifest[] =
	"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
	" <instrumentation xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	"xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\">\r\n"
	"  <events xmlns=\"http://schemas.microsoft.com/win/2004/08/events\">\r\n"
	"<provider name=\"Etlkit-Seed\" guid=\"{8e9f5090-2d75-4d03-8a81-e5afbf85daf1}\" "
	"resourceFileName=\"x\" messageFileName=\"x\" symbol=\"EtlkitSeed\">\r\n"
	" <tasks><task name=\"Work\" message=\"$(string.task_Work)\" value=\"65533\"/></tasks>\r\n"
	" <opcodes><opcode name=\"Go\" message=\"$(string.opcode_Go)\" value=\"11\"/></opcodes>\r\n"
	" <keywords><keyword name=\"Session3\" message=\"$(string.kw3)\" mask=\"0x100000000000\"/></keywords>\r\n"
	" <maps><valueMap name=\"Color\"><map value=\"0\" message=\"$(string.red)\"/>"
	"<map value=\"1\" message=\"$(string.green)\"/></valueMap>"
	"<bitMap name=\"Bits\"><map value=\"0x1\" message=\"$(string.red)\"/>"
	"<map value=\"0x2\" message=\"$(string.green)\"/></bitMap></maps>\r\n"
	" <events>\r\n"
	"  <event value=\"1\" version=\"0\" level=\"win:Informational\" symbol=\"Hello\" "
	"task=\"Work\" opcode=\"Go\" keywords=\"Session3\" message=\"$(string.event_Hello)\" "
	"template=\"HelloArgs\"/>\r\n"
	"  <event value=\"2\" version=\"1\" level=\"win:Verbose\" template=\"ArrArgs\"/>\r\n"
	" </events>\r\n"
	" <templates>\r\n"
	"  <template tid=\"HelloArgs\">\r\n"
	"   <data name=\"text\" inType=\"win:UnicodeString\"/>\r\n"
	"   <data name=\"n\" inType=\"win:Int32\" map=\"Color\"/>\r\n"
	"   <data name=\"flags\" inType=\"win:UInt32\" map=\"Bits\"/>\r\n"
	"   <data name=\"when\" inType=\"win:FILETIME\"/>\r\n"
	"   <data name=\"id\" inType=\"win:GUID\"/>\r\n"
	"  </template>\r\n"
	"  <template tid=\"ArrArgs\">\r\n"
	"   <data name=\"count\" inType=\"win:UInt16\"/>\r\n"
	"   <data name=\"values\" inType=\"win:Int64\" count=\"count\"/>\r\n"
	"   <data name=\"blobLen\" inType=\"win:UInt32\"/>\r\n"
	"   <data name=\"blob\" inType=\"win:Binary\" length=\"blobLen\"/>\r\n"
	"   <data name=\"ansi\" inType=\"win:AnsiString\"/>\r\n"
	"   <data name=\"d\" inType=\"win:Double\"/>\r\n"
	"  </template>\r\n"
	" </templates>\r\n"
	"</provider>\r\n"
	"</events>\r\n"
	"</instrumentation>\r\n"
	"<localization>\r\n"
	" <resources culture=\"en-US\">\r\n"
	"  <stringTable>\r\n"
	"   <string id=\"task_Work\" value=\"Work\"/>\r\n"
	"   <string id=\"opcode_Go\" value=\"Go\"/>\r\n"
	"   <string id=\"kw3\" value=\"Session3\"/>\r\n"
	"   <string id=\"red\" value=\"Red\"/>\r\n"
	"   <string id=\"green\" value=\"Green\"/>\r\n"
	"   <string id=\"event_Hello\" value=\"Hello %1 %2\"/>\r\n"
	"  </stringTable>\r\n"
	" </resources>\r\n"
	"</localization>\r\n"
	"</instrumentationManifest>\r\n";

/* One EventSource manifest chunk (decoding.md §7.2). */
static void es_chunk(struct bytes *b, unsigned total, unsigned num, const char *text, size_t n)
{
	put8(b, 1);
	put8(b, 1);
	put8(b, 0);
	put8(b, 0x5B);
	put16(b, total);
	put16(b, num);
	put(b, text, n);
}

/* TRACE_EVENT_INFO of the DNS-client event of decoding.md §8.1, plus a
 * struct array so that member and count references are present. */
static void tei_event_info(struct bytes *b)
{
	size_t pc = 9;
	zeros(b, 112 + 24 * pc);
	size_t o = 0;
	(void)o;
	struct bytes g = { 0 };
	putguid(&g, &dns_guid);
	memcpy(b->p, g.p, 16);
	free(g.p);
	set16(b, 32, 1001);  /* id */
	b->p[35] = 16;       /* channel */
	b->p[36] = 4;        /* level */
	set16(b, 38, 1001);  /* task */
	set32(b, 44, 0x80000000u);
	set32(b, 48, 0);     /* manifest */
	set32(b, 52, putwstr(b, 0, "Microsoft-Windows-DNS-Client"));
	set32(b, 56, putwstr(b, 0, "win:Informational"));
	set32(b, 60, putwstr(b, 0, "Microsoft-Windows-DNS-Client/Operational"));
	set32(b, 68, putwstr(b, 0, "DnsServerForInterface"));
	set32(b, 72, putwstr(b, 0, "win:Info"));
	set32(b, 76, putwstr(b, 0, "Interface: %1 Count: %2 Address: %6 (%4)"));
	set32(b, 100, (uint32_t)pc);
	set32(b, 104, 7);
	set32(b, 108, 1);
	static const struct {
		uint32_t flags;
		const char *name;
		unsigned in, out;
		const char *map;
		unsigned count, length;
	} props[] = {
		{ 0, "Interface", 1, 1, NULL, 1, 0 },
		{ 0, "TotalServerCount", 8, 8, NULL, 1, 4 },
		{ 0, "Index", 8, 8, NULL, 1, 4 },
		{ 0, "DynamicAddress", 4, 4, "DnsIpTypeMap", 1, 1 },
		{ 0, "AddressLength", 8, 8, NULL, 1, 4 },
		{ 0x02, "Address", 14, 25, NULL, 1, 4 },       /* length = prop 4 */
		{ 0x05, "Servers", 7, 2, NULL, 1, 0 },         /* struct of props 7..8, count = prop 1 */
		{ 0, "Port", 6, 22, NULL, 1, 0 },
		{ 0, "Kind", 8, 8, "DnsIpTypeMap", 1, 0 },
	};
	for (size_t i = 0; i < pc; i++) {
		size_t q = 112 + 24 * i;
		set32(b, q, props[i].flags);
		set32(b, q + 4, putwstr(b, 0, props[i].name));
		set16(b, q + 8, props[i].in);
		set16(b, q + 10, props[i].out);
		set32(b, q + 12, props[i].map ? putwstr(b, 0, props[i].map) : 0);
		set16(b, q + 16, props[i].count);
		set16(b, q + 18, props[i].length);
	}
}

/* Provider GUID + EVENT_MAP_INFO (offsets from its own start). */
static void tei_map_info(struct bytes *b, uint32_t flag, uint32_t vtype)
{
	putguid(b, &dns_guid);
	static const struct { uint32_t value; const char *name; } e[] = {
		{ 0, "static " }, { 1, "dynamic " }, { 4, "other " },
	};
	unsigned n = 3;
	zeros(b, 16 + 8 * n);
	set32(b, 16 + 4, flag);
	set32(b, 16 + 8, n);
	set32(b, 16 + 12, vtype);
	set32(b, 16, putwstr(b, 16, "DnsIpTypeMap"));
	for (unsigned i = 0; i < n; i++) {
		set32(b, 16 + 16 + 8 * i, putwstr(b, 16, e[i].name));
		set32(b, 16 + 20 + 8 * i, e[i].value);
	}
}

/* The payload of DnsServerForInterface as tei_event_info describes it. */
static void dns_payload(struct bytes *b)
{
	putwstr(b, b->n, "Ethernet");
	put32(b, 2);          /* TotalServerCount: also the Servers count */
	put32(b, 0);
	put8(b, 1);
	put32(b, 4);
	put32(b, 0x0100007f); /* Address, 4 bytes */
	put16(b, 0x3500);
	put32(b, 1);
	put16(b, 0x3500);
	put32(b, 0);
}

/* TraceLogging PROV_TRAITS and EVENT_SCHEMA_TL (decoding.md §6). */
static void tl_traits(struct bytes *b)
{
	static const char name[] = "Etlkit.Seed.TL";
	put16(b, (unsigned)(2 + sizeof name));
	put(b, name, sizeof name);
}

static void tl_meta(struct bytes *b)
{
	size_t start = b->n;
	put16(b, 0);
	put8(b, 0);                              /* no tags */
	put(b, "SeedEvent", 10);
	put(b, "Name", 5);  put8(b, 0x02);       /* AnsiString (UTF-8) */
	put(b, "Count", 6); put8(b, 0x08);       /* UInt32 */
	put(b, "Vals", 5);  put8(b, 0x40 | 0x05);/* Int16[] with a u16 count */
	put(b, "Point", 6); put8(b, 0x80 | 24); put8(b, 2); /* struct of 2 */
	put(b, "X", 2);     put8(b, 0x80 | 0x07); put8(b, 0x00);
	put(b, "Y", 2);     put8(b, 0x0C);       /* Double */
	put(b, "Fixed", 6); put8(b, 0x20 | 0x04); put16(b, 3); /* UInt8[3] */
	put(b, "Id", 3);    put8(b, 0x0F);       /* GUID */
	set16(b, start, (unsigned)(b->n - start));
}

static void tl_payload(struct bytes *b)
{
	put(b, "hello", 6);
	put32(b, 7);
	put16(b, 2);
	put16(b, 0xFFFF);
	put16(b, 5);
	put32(b, (uint32_t)-3);
	put64(b, 0x400921FB54442D18ull); /* pi */
	put8(b, 1); put8(b, 2); put8(b, 3);
	putguid(b, &tl_guid);
}

/* ---- a minimal trace writer --------------------------------------------------------- */

#define BUF_HDR 0x48
#define BUFSIZE 8192u

static void buffer_header(struct bytes *b, uint32_t filled, unsigned cpu, unsigned type)
{
	size_t at = b->n;
	zeros(b, BUF_HDR);
	set32(b, at + 0x00, BUFSIZE);
	set32(b, at + 0x04, BUFSIZE);
	b->p[at + 0x28] = (uint8_t)cpu;
	set32(b, at + 0x30, filled);
	set16(b, at + 0x36, type);
}

static void align8(struct bytes *b)
{
	while (b->n % 8)
		put8(b, 0);
}

/* An EVENT_HEADER64 record; ext items as (type, bytes) pairs. */
static void event64(struct bytes *b, const etl_guid *prov, uint64_t ts, unsigned id,
                    unsigned version, unsigned opcode, const struct bytes *payload,
                    const struct bytes *traits, const struct bytes *meta)
{
	size_t at = b->n;
	zeros(b, 0x50);
	uint16_t flags = (traits || meta) ? 1 : 0;
	set16(b, at + 2, 0xC013);
	set16(b, at + 4, flags);
	set32(b, at + 8, 0x1234);
	set32(b, at + 12, 0x99);
	set32(b, at + 16, (uint32_t)ts);
	set32(b, at + 20, (uint32_t)(ts >> 32));
	struct bytes g = { 0 };
	putguid(&g, prov);
	memcpy(b->p + at + 24, g.p, 16);
	free(g.p);
	set16(b, at + 40, id);
	b->p[at + 42] = (uint8_t)version;
	b->p[at + 44] = 4;
	b->p[at + 45] = (uint8_t)opcode;
	const struct bytes *items[2] = { traits, meta };
	unsigned types[2] = { 12, 11 };
	int last = meta ? 1 : 0;
	for (int i = 0; i < 2; i++) {
		if (!items[i])
			continue;
		size_t isize = (8 + items[i]->n + 7) & ~(size_t)7;
		put16(b, (unsigned)isize);
		put16(b, types[i]);
		put16(b, i < last ? 1 : 0);
		put16(b, (unsigned)items[i]->n);
		put(b, items[i]->p, items[i]->n);
		zeros(b, isize - 8 - items[i]->n);
	}
	put(b, payload->p, payload->n);
	set16(b, at, (unsigned)(b->n - at));
	align8(b);
}

/* An EVENT_TRACE_HEADER (FULL64) record. */
static void full64(struct bytes *b, const etl_guid *cls, uint64_t ts, unsigned opcode,
                   const void *payload, size_t n)
{
	size_t at = b->n;
	zeros(b, 0x30);
	set16(b, at, (unsigned)(0x30 + n));
	set16(b, at + 2, 0xC014);
	b->p[at + 4] = (uint8_t)opcode;
	set32(b, at + 8, 0x1234);
	set32(b, at + 12, 0x99);
	set32(b, at + 16, (uint32_t)ts);
	set32(b, at + 20, (uint32_t)(ts >> 32));
	struct bytes g = { 0 };
	putguid(&g, cls);
	memcpy(b->p + at + 24, g.p, 16);
	free(g.p);
	put(b, payload, n);
	align8(b);
}

/* A WPP message with sequence, GUID, time and ids. */
static void message(struct bytes *b, uint64_t ts)
{
	size_t at = b->n;
	put16(b, 0);
	put16(b, 0x9000 | 0x0000);
	b->p[at + 3] = 0x90;
	b->p[at + 2] = 0;
	put16(b, 10);                 /* message number */
	put16(b, 0x01 | 0x02 | 0x08 | 0x20 | 0x80);
	put32(b, 1);
	putguid(b, &wpp_guid);
	put64(b, ts);
	put32(b, 0x1234);
	put32(b, 0x99);
	put32(b, 42);
	set16(b, at, (unsigned)(b->n - at));
	align8(b);
}

static int make_trace(const char *out)
{
	struct bytes f = { 0 };
	/* buffer 0: the logfile header as a SYSTEM64 record */
	buffer_header(&f, 0, 0, 4);
	size_t rec = f.n;
	zeros(&f, 0x20);
	set16(&f, rec + 0, 2);
	set16(&f, rec + 2, 0xC002);
	set16(&f, rec + 6, 0);
	set32(&f, rec + 16, 1000);
	size_t h = f.n;
	zeros(&f, 0x118);
	set32(&f, h + 0x00, BUFSIZE);
	f.p[h + 4] = 10;                    /* OS 10.0, layout 1.2 */
	f.p[h + 6] = 1;
	f.p[h + 7] = 2;
	set32(&f, h + 0x08, 19041);
	set32(&f, h + 0x0C, 2);
	set32(&f, h + 0x24, 2);             /* BuffersWritten */
	set32(&f, h + 0x2C, 8);             /* PointerSize */
	set32(&f, h + 0x34, 3000);          /* CpuSpeedInMHz */
	set32(&f, h + 0xF8 + 8, 10000000);  /* PerfFreq */
	set32(&f, h + 0xF8 + 16, 0x8F0F0000u);
	set32(&f, h + 0xF8 + 20, 0x01DA3C4Au); /* StartTime, 2024 */
	set32(&f, h + 0xF8 + 24, 1);        /* QPC */
	putwstr(&f, 0, "Etlkit Seed");
	putwstr(&f, 0, "C:\\seed.etl");
	set16(&f, rec + 4, (unsigned)(f.n - rec));
	align8(&f);
	set32(&f, 0x30, (uint32_t)f.n);
	zeros(&f, BUFSIZE - f.n);

	/* buffer 1: the schema sources and the events they describe */
	size_t b1 = f.n;
	buffer_header(&f, 0, 0, 1);
	uint64_t ts = 2000;
	struct bytes chunk = { 0 }, pl = { 0 };
	size_t half = sizeof es_manifest / 2;
	es_chunk(&chunk, 2, 0, es_manifest, half);
	event64(&f, &es_guid, ts++, 0xFFFE, 1, 0xFE, &chunk, NULL, NULL);
	chunk.n = 0;
	es_chunk(&chunk, 2, 1, es_manifest + half, sizeof es_manifest - 1 - half);
	event64(&f, &es_guid, ts++, 0xFFFE, 1, 0xFE, &chunk, NULL, NULL);
	putwstr(&pl, 0, "hi");
	put32(&pl, 1);
	put32(&pl, 3);
	put64(&pl, 0x01DA3C4A8F0F0000ull);
	putguid(&pl, &es_guid);
	event64(&f, &es_guid, ts++, 1, 0, 11, &pl, NULL, NULL);
	pl.n = 0;
	put16(&pl, 2);
	put64(&pl, 1);
	put64(&pl, (uint64_t)-1);
	put32(&pl, 3);
	put(&pl, "\x01\x02\x03", 3);
	put(&pl, "ansi", 5);
	put64(&pl, 0x3FF0000000000000ull);
	event64(&f, &es_guid, ts++, 2, 1, 0, &pl, NULL, NULL);

	struct bytes blob = { 0 };
	tei_map_info(&blob, 1, 0);
	full64(&f, &metadata_guid, ts++, 33, blob.p, blob.n);
	blob.n = 0;
	tei_event_info(&blob);
	full64(&f, &metadata_guid, ts++, 32, blob.p, blob.n);
	pl.n = 0;
	dns_payload(&pl);
	event64(&f, &dns_guid, ts++, 1001, 0, 0, &pl, NULL, NULL);

	struct bytes tr = { 0 }, me = { 0 };
	tl_traits(&tr);
	tl_meta(&me);
	pl.n = 0;
	tl_payload(&pl);
	event64(&f, &tl_guid, ts++, 0, 0, 0, &pl, &tr, &me);
	message(&f, ts++);
	set32(&f, b1 + 0x30, (uint32_t)(f.n - b1));
	zeros(&f, b1 + BUFSIZE - f.n);

	/* buffer 2 (cpu 1): WinSat XML, LZNT1-compressed UTF-16 */
	size_t b2 = f.n;
	buffer_header(&f, 0, 1, 1);
	static const char xml[] =
		"<WinSAT><SystemConfig><Processor><Name>Seed CPU</Name><Cores>2</Cores>"
		"</Processor><Memory><TotalPhysical>25769803776</TotalPhysical></Memory>"
		"</SystemConfig><Metrics><CPUMetrics><Score>9.9</Score></CPUMetrics>"
		"<CPUMetrics><Score>9.9</Score></CPUMetrics></Metrics></WinSAT>";
	struct bytes wide = { 0 }, comp = { 0 };
	putwstr(&wide, 0, xml);
	wide.n -= 2;
	put32(&comp, 0);
	put32(&comp, (uint32_t)wide.n);
	lznt1_compress(wide.p, wide.n, &comp);
	full64(&f, &winsat_guid, ts++, 37, comp.p, comp.n);
	set32(&f, b2 + 0x30, (uint32_t)(f.n - b2));
	zeros(&f, b2 + BUFSIZE - f.n);

	int rc = write_file(out, f.p, f.n);
	free(f.p);
	free(chunk.p);
	free(pl.p);
	free(blob.p);
	free(tr.p);
	free(me.p);
	free(wide.p);
	free(comp.p);
	return rc;
}

/* ---- extract -------------------------------------------------------------------------- */

#define MAX_PER_TRACE 48    /* seeds of one kind from one trace */
#define MAX_SEED (64u << 10) /* bytes of one grouped seed */

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static bool seen(uint64_t *hs, size_t *n, uint64_t h)
{
	for (size_t i = 0; i < *n; i++)
		if (hs[i] == h)
			return true;
	if (*n < 4096)
		hs[(*n)++] = h;
	return false;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Compressed buffers, straight from the file: the xpress input format. */
static void extract_xpress(const char *dir, const char *path, const char *tag)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return;
	struct bytes file = { 0 };
	uint8_t tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0)
		put(&file, tmp, k);
	fclose(fp);
	int made = 0;
	for (size_t off = 0; off + BUF_HDR <= file.n && made < 8;) {
		const uint8_t *h = file.p + off;
		uint32_t size = (uint32_t)(h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24);
		uint32_t filled = (uint32_t)(h[0x30] | h[0x31] << 8 | h[0x32] << 16 |
		                             (uint32_t)h[0x33] << 24);
		unsigned flag = h[0x34] | h[0x35] << 8;
		if (size < BUF_HDR || size > file.n - off)
			break;
		size_t want = filled > BUF_HDR ? filled - BUF_HDR : 0;
		if ((flag & 0x40) && want > 0 && want <= ((size_t)0xFFFF * 16)) {
			struct bytes s = { 0 };
			put16(&s, (unsigned)((want - 1 + 15) / 16));
			put(&s, h + BUF_HDR, size - BUF_HDR);
			char name[256];
			snprintf(name, sizeof name, "%s-buf%zx", tag, off);
			write_seed(dir, "xpress", name, &s);
			free(s.p);
			made++;
		}
		off += size;
	}
	free(file.p);
}

static int extract(const char *dir, const char *path)
{
	etl_trace *t = NULL;
	char err[512];
	if (etl_trace_open(&path, 1, NULL, &t, err, sizeof err) != ETL_OK) {
		fprintf(stderr, "mkseeds: %s\n", err);
		return -1;
	}
	char tag[128];
	snprintf(tag, sizeof tag, "%s", base_name(path));
	char *dot = strrchr(tag, '.');
	if (dot)
		*dot = 0;
	static uint64_t hs[4096];
	size_t nh = 0;
	int ntl = 0, nes = 0, ntei = 0;
	struct bytes es = { 0 }, tei = { 0 };
	const etl_event *ev;
	char name[256];
	while (etl_trace_next(t, &ev) == ETL_OK) {
		bool evh = ev->header == ETL_HDR_EVENT32 || ev->header == ETL_HDR_EVENT64;
		bool full = ev->header == ETL_HDR_FULL32 || ev->header == ETL_HDR_FULL64;
		if (evh && ev->id == 0xFFFE && ev->opcode == 0xFE) {
			if (es.n + 3 + ev->size > MAX_SEED && es.n && nes < MAX_PER_TRACE) {
				snprintf(name, sizeof name, "%s-%d", tag, nes++);
				write_seed(dir, "eventsource", name, &es);
				es.n = 0;
			}
			put8(&es, 0);
			put16(&es, (unsigned)(ev->size > 0xFFFF ? 0xFFFF : ev->size));
			put(&es, ev->data, ev->size > 0xFFFF ? 0xFFFF : ev->size);
			continue;
		}
		if (full && etl_guid_equal(&ev->provider, &metadata_guid) &&
		    (ev->opcode == 32 || ev->opcode == 33)) {
			if (tei.n + 3 + ev->size > MAX_SEED && tei.n && ntei < MAX_PER_TRACE) {
				snprintf(name, sizeof name, "%s-%d", tag, ntei++);
				write_seed(dir, "tei", name, &tei);
				tei.n = 0;
			}
			put8(&tei, ev->opcode == 33);
			put16(&tei, (unsigned)(ev->size > 0xFFFF ? 0xFFFF : ev->size));
			put(&tei, ev->data, ev->size > 0xFFFF ? 0xFFFF : ev->size);
			continue;
		}
		if (!evh || ntl >= MAX_PER_TRACE)
			continue;
		const etl_ext_item *meta = NULL, *traits = NULL;
		for (size_t i = 0; i < ev->ext_count; i++) {
			if (ev->ext[i].type == ETL_EXT_EVENT_SCHEMA_TL)
				meta = &ev->ext[i];
			else if (ev->ext[i].type == ETL_EXT_PROV_TRAITS)
				traits = &ev->ext[i];
		}
		if (!meta || seen(hs, &nh, fnv(meta->data, meta->size)))
			continue;
		struct bytes s = { 0 };
		put16(&s, traits ? traits->size : 0xFFFF);
		if (traits)
			put(&s, traits->data, traits->size);
		put16(&s, meta->size);
		put(&s, meta->data, meta->size);
		put(&s, ev->data, ev->size);
		snprintf(name, sizeof name, "%s-%d", tag, ntl++);
		write_seed(dir, "tracelogging", name, &s);
		free(s.p);
	}
	if (es.n && nes < MAX_PER_TRACE) {
		snprintf(name, sizeof name, "%s-%d", tag, nes);
		write_seed(dir, "eventsource", name, &es);
	}
	if (tei.n && ntei < MAX_PER_TRACE) {
		snprintf(name, sizeof name, "%s-%d", tag, ntei);
		write_seed(dir, "tei", name, &tei);
	}
	free(es.p);
	free(tei.p);
	etl_trace_close(t);
	extract_xpress(dir, path, tag);
	return 0;
}

/* ---- synth ------------------------------------------------------------------------------ */

static void framed(struct bytes *b, unsigned sel, const struct bytes *blob)
{
	put8(b, sel);
	put16(b, (unsigned)blob->n);
	put(b, blob->p, blob->n);
}

static int synth(const char *dir)
{
	struct bytes s = { 0 }, info = { 0 }, map = { 0 }, bmap = { 0 }, c = { 0 };
	int rc = 0;
	tei_event_info(&info);
	tei_map_info(&map, 1, 0);
	tei_map_info(&bmap, 2, 0);
	/* tei: info then map, map then info, a bitmap, a replaced info */
	framed(&s, 0, &info);
	framed(&s, 1, &map);
	rc |= write_seed(dir, "tei", "info-then-map", &s);
	s.n = 0;
	framed(&s, 1, &map);
	framed(&s, 0, &info);
	struct bytes pl = { 0 };
	dns_payload(&pl);
	framed(&s, 0, &pl);
	rc |= write_seed(dir, "tei", "map-then-info", &s);
	s.n = 0;
	framed(&s, 0, &info);
	framed(&s, 1, &bmap);
	framed(&s, 0, &info);
	framed(&s, 1, &map);
	rc |= write_seed(dir, "tei", "bitmap-replaced", &s);

	/* eventsource: one chunk; three in order; out of order; two writers
	 * interleaved; a restart */
	size_t len = sizeof es_manifest - 1, third = len / 3;
	s.n = 0;
	c.n = 0;
	es_chunk(&c, 1, 0, es_manifest, len);
	framed(&s, 0, &c);
	rc |= write_seed(dir, "eventsource", "one-chunk", &s);
	s.n = 0;
	for (unsigned k = 0; k < 3; k++) {
		c.n = 0;
		es_chunk(&c, 3, k, es_manifest + k * third, k == 2 ? len - 2 * third : third);
		framed(&s, 0, &c);
	}
	rc |= write_seed(dir, "eventsource", "three-chunks", &s);
	s.n = 0;
	static const unsigned order[] = { 0, 2, 1 };
	for (unsigned i = 0; i < 3; i++) {
		unsigned k = order[i];
		c.n = 0;
		es_chunk(&c, 3, k, es_manifest + k * third, k == 2 ? len - 2 * third : third);
		framed(&s, 0, &c);
	}
	rc |= write_seed(dir, "eventsource", "out-of-order", &s);
	s.n = 0;
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned w = 0; w < 2; w++) {
			c.n = 0;
			es_chunk(&c, 3, k, es_manifest + k * third, k == 2 ? len - 2 * third : third);
			framed(&s, w ? 0x0B : 0x00, &c);
		}
	}
	rc |= write_seed(dir, "eventsource", "interleaved", &s);
	s.n = 0;
	c.n = 0;
	es_chunk(&c, 2, 0, es_manifest, len / 2);
	framed(&s, 0, &c);
	framed(&s, 0, &c);
	c.n = 0;
	es_chunk(&c, 2, 1, es_manifest + len / 2, len - len / 2);
	framed(&s, 0, &c);
	rc |= write_seed(dir, "eventsource", "restart", &s);

	/* tracelogging: the hand-made event, and without traits */
	struct bytes tr = { 0 }, me = { 0 };
	tl_traits(&tr);
	tl_meta(&me);
	pl.n = 0;
	tl_payload(&pl);
	s.n = 0;
	put16(&s, (unsigned)tr.n);
	put(&s, tr.p, tr.n);
	put16(&s, (unsigned)me.n);
	put(&s, me.p, me.n);
	put(&s, pl.p, pl.n);
	rc |= write_seed(dir, "tracelogging", "struct-arrays", &s);
	s.n = 0;
	put16(&s, 0xFFFF);
	put16(&s, (unsigned)me.n);
	put(&s, me.p, me.n);
	rc |= write_seed(dir, "tracelogging", "no-traits-no-payload", &s);

	/* lznt1: text, a long run, binary with short matches, a plain chunk */
	static const char text[] =
		"<WinSAT><Metrics><CPUMetrics><Score>9.9</Score></CPUMetrics>"
		"<MemoryMetrics><Score>9.9</Score></MemoryMetrics></Metrics></WinSAT>";
	s.n = 0;
	put16(&s, 64);
	lznt1_compress((const uint8_t *)text, sizeof text - 1, &s);
	rc |= write_seed(dir, "lznt1", "text", &s);
	uint8_t run[10000];
	memset(run, 'a', sizeof run);
	for (size_t i = 0; i < sizeof run; i += 97)
		run[i] = (uint8_t)('A' + i % 26);
	s.n = 0;
	put16(&s, (sizeof run + 15) / 16);
	lznt1_compress(run, sizeof run, &s);
	rc |= write_seed(dir, "lznt1", "runs-three-chunks", &s);
	uint8_t bin[300];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i * 7 % 13);
	s.n = 0;
	put16(&s, 20);
	lznt1_compress(bin, sizeof bin, &s);
	rc |= write_seed(dir, "lznt1", "binary", &s);
	s.n = 0;
	put16(&s, 1);
	put16(&s, 0x3000 | 4);
	put(&s, "plain", 5);
	put16(&s, 0);
	rc |= write_seed(dir, "lznt1", "plain-chunk", &s);

	free(s.p);
	free(info.p);
	free(map.p);
	free(bmap.p);
	free(c.p);
	free(pl.p);
	free(tr.p);
	free(me.p);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "trace"))
		return make_trace(argv[2]) ? 1 : 0;
	if (argc == 3 && !strcmp(argv[1], "synth"))
		return synth(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "extract")) {
		int rc = 0;
		for (int i = 3; i < argc; i++)
			if (extract(argv[2], argv[i]) != 0)
				rc = 1;
		return rc;
	}
	fprintf(stderr, "usage: mkseeds trace OUT.etl | synth DIR | extract DIR TRACE...\n");
	return 2;
}
