/*
 * test_reader.c - the reader on traces assembled byte by byte in the test:
 * every record header kind with its fields, extended items, both logfile
 * header layouts, time conversion per clock, and the edges (empty input, one
 * byte short, impossible sizes, damaged buffers and records).
 */
#include "tap.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define BUFSZ 4096

static uint8_t img[8 * BUFSZ];
static size_t img_len;

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v); w16(p + 2, (uint16_t)(v >> 16)); }
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }

static const uint8_t prov[16] = { 0x23, 0x0d, 0x3c, 0xe1, 0xbc, 0xcc, 0x12, 0x4e,
	                          0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4 };

#define T0 1000000
#define FREQ 1000000          /* 1 MHz: one tick = 10 FILETIME units */
#define START 132756731728578520LL

/* Buffer header at b: size, filled (incl. header), cpu, flags, type. */
static void buf_header(uint8_t *b, uint32_t size, uint32_t filled, uint16_t cpu, uint16_t flag,
                       uint16_t type)
{
	memset(b, 0, 0x48);
	w32(b, size);
	w32(b + 4, filled);
	w32(b + 8, size + filled);
	w16(b + 0x28, cpu);
	w32(b + 0x2C, 3);
	w32(b + 0x30, filled);
	w16(b + 0x34, flag);
	w16(b + 0x36, type);
}

/* The logfile header record; returns its size. */
static size_t logfile_record(uint8_t *r, bool is64, uint32_t clock)
{
	size_t fixed = is64 ? 0x118 : 0x110, ps = is64 ? 8 : 4;
	static const char *names[2] = { "TestLogger", "C:\\t.etl" };
	size_t size = 0x20 + fixed;
	uint8_t *h = r + 0x20;
	memset(r, 0, 0x20 + fixed + 64);
	w32(h, BUFSZ);
	h[4] = 10; h[6] = 1; h[7] = 5;
	w32(h + 8, 19045);
	w32(h + 0xC, 4);
	w64(h + 0x10, START + 50000000);
	w32(h + 0x18, 156250);
	w32(h + 0x24, 3);
	w32(h + 0x28, 1);
	w32(h + 0x2C, (uint32_t)ps);
	w32(h + 0x30, 7);
	w32(h + 0x34, 2000);
	size_t o = 0x38 + 2 * ps;
	w32(h + o, 480);
	const char *tz = "Pacific Standard Time";
	for (size_t i = 0; tz[i]; i++)
		w16(h + o + 4 + 2 * i, (uint16_t)tz[i]);
	o += 0xB0;
	w64(h + o, START - 1000);
	w64(h + o + 8, FREQ);
	w64(h + o + 16, START);
	w32(h + o + 24, clock);
	w32(h + o + 28, 2);
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; names[k][i]; i++, size += 2)
			w16(r + size, (uint16_t)names[k][i]);
		w16(r + size, 0);
		size += 2;
	}
	w32(r, 0xC0000002u | (is64 ? 0x00020000u : 0x00010000u));
	w16(r, 2);
	w16(r + 4, (uint16_t)size);
	w16(r + 6, 0);
	w32(r + 8, 11);
	w32(r + 12, 22);
	w64(r + 16, T0);
	return size;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* where data_records() put each record's timestamp, from the buffer start */
static size_t ts_off[16];
static size_t nts;
#define TS_AT(o) (ts_off[nts++] = (o))

/* A data buffer at img + off with one record of every kind. */
static size_t data_records(uint8_t *b)
{
	size_t o = 0x48;
	uint8_t *r;
	nts = 0;
	/* SYSTEM64, Process (group 3) type 1, version 4, 8 bytes of payload */
	r = b + o;
	w32(r, 0xC0020000u);
	w16(r, 4);
	w16(r + 4, 0x28);
	w16(r + 6, 0x0301);
	w32(r + 8, 100);
	w32(r + 12, 200);
	w64(r + 16, T0 + 10);
	TS_AT(o + 16);
	w32(r + 24, 5);
	w32(r + 28, 6);
	memset(r + 0x20, 0xAB, 8);
	o += align8(0x28);
	/* PERFINFO64, PerfInfo SampleProf (0x0F2E), 16 bytes of payload */
	r = b + o;
	w32(r, 0xC0110000u);
	w16(r, 2);
	w16(r + 4, 0x20);
	w16(r + 6, 0x0F2E);
	w64(r + 8, T0 + 20);
	TS_AT(o + 8);
	o += align8(0x20);
	/* COMPACT32, legacy Image load 0x030A (belongs to the Image class) */
	r = b + o;
	w32(r, 0xC0030000u);
	w16(r, 2);
	w16(r + 4, 0x18 + 3);
	w16(r + 6, 0x030A);
	w32(r + 8, 7);
	w32(r + 12, 8);
	w64(r + 16, T0 + 30);
	TS_AT(o + 16);
	o += align8(0x18 + 3);
	/* FULL_HEADER64 */
	r = b + o;
	w16(r, 0x30 + 4);
	r[2] = 0x14;
	r[3] = 0xC0;
	r[4] = 32;
	r[5] = 4;
	w16(r + 6, 2);
	w32(r + 8, 9);
	w32(r + 12, 10);
	w64(r + 16, T0 + 40);
	TS_AT(o + 16);
	memcpy(r + 24, prov, 16);
	o += align8(0x34);
	/* INSTANCE32 */
	r = b + o;
	w16(r, 0x48);
	r[2] = 0x0B;
	r[3] = 0xC0;
	r[4] = 1;
	w64(r + 16, T0 + 50);
	TS_AT(o + 16);
	w32(r + 48, 77);
	w32(r + 52, 78);
	memcpy(r + 56, prov, 16);
	o += 0x48;
	/* EVENT_HEADER64 with two extended items: related activity id (with
	 * linkage) and a 64-bit stack of two frames, then 3 bytes of data */
	r = b + o;
	size_t e = 0x50;
	w16(r + e, 24); w16(r + e + 2, 1); w16(r + e + 4, 1); w16(r + e + 6, 16);
	memcpy(r + e + 8, prov, 16);
	e += 24;
	w16(r + e, 32); w16(r + e + 2, 6); w16(r + e + 4, 0); w16(r + e + 6, 24);
	w64(r + e + 8, 0);
	w64(r + e + 16, 0xfffff80000001234ull);
	w64(r + e + 24, 0x7ff600001000ull);
	e += 32;
	memcpy(r + e, "xyz", 3);
	w16(r, (uint16_t)(e + 3));
	r[2] = 0x13;
	r[3] = 0xC0;
	w16(r + 4, 1);
	w32(r + 8, 300);
	w32(r + 12, 400);
	w64(r + 16, T0 + 60);
	TS_AT(o + 16);
	memcpy(r + 24, prov, 16);
	w16(r + 40, 10);
	r[42] = 4; r[43] = 16; r[44] = 5; r[45] = 1;
	w16(r + 46, 1);
	w64(r + 48, 0x8000000000000001ull);
	memcpy(r + 64, prov, 16);
	o += align8(e + 3);
	/* WPP message: sequence, GUID, timestamp, system info, 4 bytes of args */
	r = b + o;
	w16(r, 8 + 4 + 16 + 8 + 8 + 4);
	r[3] = 0x90;
	w16(r + 4, 12);
	w16(r + 6, 0x0001 | 0x0002 | 0x0008 | 0x0020);
	w32(r + 8, 99);
	memcpy(r + 12, prov, 16);
	w64(r + 28, T0 + 70);
	TS_AT(o + 28);
	w32(r + 36, 55);
	w32(r + 40, 66);
	o += align8(48);
	return o;
}

static etl_trace *open_img(size_t len, unsigned long *warnings);

static void count_warning(void *ctx, const char *msg)
{
	unsigned long *n = ctx;
	(*n)++;
	tap_diag("warning: %s", msg);
}

static etl_trace *open_img(size_t len, unsigned long *warnings)
{
	etl_open_options opt = { count_warning, warnings, 0 };
	etl_trace *t = NULL;
	char err[512] = "";
	etl_status st = etl_trace_open_memory(img, len, "test.etl", &opt, &t, err, sizeof err);
	if (st != ETL_OK)
		tap_diag("open: %s", err);
	return t;
}

static void build(bool is64, uint32_t clock)
{
	memset(img, 0xFF, sizeof img);
	size_t rs = logfile_record(img + 0x48, is64, clock);
	buf_header(img, BUFSZ, (uint32_t)(0x48 + align8(rs)), 0, 1, 4);
	size_t filled = data_records(img + BUFSZ);
	buf_header(img + BUFSZ, BUFSZ, (uint32_t)filled, 2, 0x20, 0);
	img_len = 2 * BUFSZ;
}

int main(void)
{
	unsigned long warnings = 0;
	const etl_event *ev;

	build(true, 1);
	etl_trace *t = open_img(img_len, &warnings);
	tap_ok(t != NULL, "hand-built 64-bit trace opens");
	const etl_trace_info *in = etl_trace_info_get(t, 0);
	tap_ok(in && in->buffer_size == BUFSZ && in->pointer_size == 8 && in->number_of_processors == 4 &&
	       in->events_lost == 7 && in->buffers_lost == 2 && in->cpu_speed_mhz == 2000 &&
	       in->provider_version == 19045 && in->layout_minor == 5 && in->perf_freq == FREQ &&
	       in->start_time == START && in->clock_type == 1 && in->time_zone.bias == 480,
	       "logfile header fields (64-bit layout)");
	tap_ok(!strcmp(in->logger_name, "TestLogger") && !strcmp(in->log_file_name, "C:\\t.etl") &&
	       !strcmp(in->time_zone.standard_name, "Pacific Standard Time"), "names and time zone");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_SYSTEM64 && ev->hook_id == 0 &&
	       ev->timestamp == START && ev->pid == 22 && ev->tid == 11, "logfile header event first");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_SYSTEM64 && ev->opcode == 1 &&
	       ev->version == 4 && ev->pid == 200 && ev->tid == 100 && ev->cpu == 2 && ev->size == 8 &&
	       ev->data[0] == 0xAB && ev->kernel_time == 5 && ev->user_time == 6 &&
	       ev->provider.data1 == 0x3d6fa8d0 && ev->timestamp == START + 100 &&
	       (ev->flags & ETL_EVF_PROCESSOR_INDEX) && (ev->flags & ETL_EVF_CLASSIC_HEADER),
	       "system64: process class, ids, times, payload");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_PERFINFO64 &&
	       ev->pid == ETL_NO_ID && ev->tid == ETL_NO_ID && ev->size == 16 && ev->opcode == 0x2E &&
	       ev->provider.data1 == 0xce1dbfb4 && ev->timestamp == START + 200,
	       "perfinfo64: no ids, PerfInfo class");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_COMPACT32 &&
	       ev->provider.data1 == 0x2cb15d1d && ev->size == 3 && ev->pointer_size == 4,
	       "compact32: hook 0x030A belongs to the Image class");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_FULL64 && ev->opcode == 32 &&
	       ev->level == 4 && ev->version == 2 && ev->pid == 10 && ev->tid == 9 && ev->size == 4 &&
	       ev->provider.data1 == 0xe13c0d23, "trace64: class GUID, type, level, version");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_INSTANCE32 &&
	       ev->instance_id == 77 && ev->parent_instance_id == 78 && ev->size == 0 &&
	       ev->parent_guid.data1 == 0xe13c0d23, "instance32: instance ids and parent GUID");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_EVENT64 && ev->id == 10 &&
	       ev->version == 4 && ev->channel == 16 && ev->level == 5 && ev->opcode == 1 &&
	       ev->task == 1 && ev->keywords == 0x8000000000000001ull && ev->pid == 400 &&
	       ev->tid == 300 && ev->size == 3 && !memcmp(ev->data, "xyz", 3) &&
	       ev->activity_id.data1 == 0xe13c0d23, "event64: descriptor, ids, payload after the items");
	tap_ok(ev->ext_count == 2 && ev->ext[0].type == 1 && ev->ext[1].type == 6 &&
	       ev->ext[1].size == 24 && ev->has_related_activity_id &&
	       ev->related_activity_id.data1 == 0xe13c0d23, "event64: extended items");
	tap_ok(etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_MESSAGE && ev->id == 12 &&
	       ev->sequence == 99 && ev->tid == 55 && ev->pid == 66 && ev->size == 4 &&
	       ev->timestamp == START + 700, "message: optional fields in order");
	tap_ok(etl_trace_next(t, &ev) == ETL_EOF, "end of trace");
	tap_ok(etl_trace_next(t, &ev) == ETL_EOF, "end of trace stays the end");
	tap_ok(warnings == 0, "no warnings on a good trace");
	tap_ok(etl_trace_rewind(t) == ETL_OK && tl_count_events(t) == 8, "rewind reads it again");
	etl_trace_close(t);

	/* 32-bit logfile header layout, system-time clock */
	build(false, 2);
	t = open_img(img_len, &warnings);
	in = t ? etl_trace_info_get(t, 0) : NULL;
	tap_ok(in && in->pointer_size == 4 && in->perf_freq == FREQ && in->start_time == START &&
	       in->clock_type == 2 && !strcmp(in->logger_name, "TestLogger"), "32-bit logfile header layout");
	tap_ok(t && etl_trace_next(t, &ev) == ETL_OK && ev->header == ETL_HDR_SYSTEM32 &&
	       etl_trace_next(t, &ev) == ETL_OK && ev->timestamp == START + 10,
	       "system time clock: raw units are FILETIME units");
	etl_trace_close(t);

	/* CPU cycle clock: 2000 MHz */
	build(true, 3);
	t = open_img(img_len, &warnings);
	tap_ok(t && etl_trace_next(t, &ev) == ETL_OK && etl_trace_next(t, &ev) == ETL_OK &&
	       ev->timestamp == START + 0, "cycle clock: 10 cycles at 2 GHz is under one tick");
	etl_trace_close(t);

	/* raw timestamps on request */
	build(true, 1);
	etl_open_options raw = { NULL, NULL, ETL_OPEN_RAW_TIMESTAMPS };
	char err[512];
	tap_ok(etl_trace_open_memory(img, img_len, "raw", &raw, &t, err, sizeof err) == ETL_OK &&
	       etl_trace_next(t, &ev) == ETL_OK && ev->timestamp == T0, "raw timestamps");
	etl_trace_close(t);

	/* edges */
	tap_ok(etl_trace_open_memory(img, 0, "empty", NULL, &t, err, sizeof err) == ETL_ERR_FORMAT && !t,
	       "empty input: %s", err);
	tap_ok(etl_trace_open_memory(img, 0x48 + 0x20 + 0x110 - 1, "short", NULL, &t, err, sizeof err) ==
	       ETL_ERR_FORMAT, "one byte short of a header: %s", err);
	static uint8_t zeros[8192];
	tap_ok(etl_trace_open_memory(zeros, sizeof zeros, "zeros", NULL, &t, err, sizeof err) == ETL_ERR_FORMAT &&
	       strstr(err, "zeros") && strstr(err, "0x48"), "not an ETL file names the file and offset: %s", err);
	tap_ok(etl_trace_open_memory(NULL, 10, "null", NULL, &t, err, sizeof err) == ETL_ERR_ARG, "NULL data");
	const char *nope = "/nonexistent/x.etl";
	tap_ok(etl_trace_open(&nope, 1, NULL, &t, err, sizeof err) == ETL_ERR_IO && strstr(err, nope),
	       "missing file: %s", err);
	etl_trace_close(NULL);

	/* logfile header claiming an absurd buffer size falls back to buffer 0's */
	build(true, 1);
	w32(img + 0x68, 0xFFFFFFFF);
	warnings = 0;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 8 && warnings == 1, "absurd logical buffer size: warned, still read");
	etl_trace_close(t);

	/* a data buffer whose filled length is impossible is skipped */
	build(true, 1);
	memcpy(img + 2 * BUFSZ, img + BUFSZ, BUFSZ);
	w32(img + BUFSZ + 0x30, 0x20);
	img_len = 3 * BUFSZ;
	warnings = 0;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 8 && warnings == 1 &&
	       etl_trace_info_get(t, 0)->damaged_buffers == 1, "bad buffer header: skipped, the next one read");
	etl_trace_close(t);

	/* a record with an impossible size ends its buffer; earlier records stay */
	build(true, 1);
	w16(img + BUFSZ + 0x48 + 0x28 + 4, 0xFFF0);
	warnings = 0;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 2 && warnings == 1, "bad record size: records before it kept");
	etl_trace_close(t);

	/* an unknown header type byte */
	build(true, 1);
	img[BUFSZ + 0x48 + 0x28 + 2] = 0x33;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 2, "unknown header type ends the buffer");
	etl_trace_close(t);

	/* extended item chain running past the record */
	build(true, 1);
	{
		size_t o = 0x48 + 0x28 + 0x20 + 0x20 + 0x38 + 0x48;
		w16(img + BUFSZ + o + 0x50, 0x7000);
	}
	warnings = 0;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 6 && warnings == 1, "bad extended item: the rest of the buffer skipped");
	etl_trace_close(t);

	/* the file ends inside the data buffer: complete records still come out */
	build(true, 1);
	warnings = 0;
	t = open_img(BUFSZ + 0x48 + 0x28 + 0x20 + 4, &warnings);
	tap_ok(t && tl_count_events(t) == 3 && warnings >= 1, "truncated buffer: complete records kept");
	etl_trace_close(t);

	/* an ERROR-type record is skipped by its size */
	build(true, 1);
	{
		uint8_t *r = img + BUFSZ + 0x48;
		w16(r, 0x28);
		r[2] = 0x0D;
		r[3] = 0xC0;
	}
	warnings = 0;
	t = open_img(img_len, &warnings);
	tap_ok(t && tl_count_events(t) == 7 && warnings == 1 &&
	       etl_trace_info_get(t, 0)->damaged_records == 1, "error record skipped by its size");
	etl_trace_close(t);

	/* a second buffer of cpu 2 earlier in time than the first: reordered */
	build(true, 1);
	memcpy(img + 2 * BUFSZ, img + BUFSZ, BUFSZ);
	/* move every record of the first data buffer 1000 ticks later */
	for (size_t k = 0; k < nts; k++) {
		uint8_t *p = img + BUFSZ + ts_off[k];
		uint64_t v = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
		w64(p, v + 1000);
	}
	img_len = 3 * BUFSZ;
	warnings = 0;
	t = open_img(img_len, &warnings);
	int64_t last = INT64_MIN;
	long n = 0, bad = 0;
	while (t && etl_trace_next(t, &ev) == ETL_OK) {
		if (ev->timestamp < last)
			bad++;
		last = ev->timestamp;
		n++;
	}
	tap_ok(t && n == 15 && bad == 0 && warnings == 1, "out-of-order buffers of one cpu are reordered (%ld events)", n);
	etl_trace_close(t);
	return tap_done();
}
