/*
 * etlgen.c - write synthetic Windows Event Trace Log (.etl) files.
 *
 * This is etlkit's fixture and benchmark generator.  It writes traces that
 * follow the container format byte for byte (etl-format.md: WMI buffer
 * headers, the logfile header event, the SYSTEM / COMPACT / PERFINFO /
 * EVENT_TRACE / EVENT_INSTANCE / EVENT_HEADER / WPP MESSAGE record headers,
 * extended data items, the three clock types and MS-XCA plain LZ77 buffer
 * compression) and, on request, two companions:
 *
 *   --manifest-out  the instrumentation manifest of the generator's own
 *                   manifest-based provider ("Etlkit-Synthetic"), so the
 *                   reader can decode those events;
 *   --expect-out    what a correct reader must deliver, one line per event in
 *                   delivery (chronological) order, with the decoded
 *                   properties in etlkit's canonical JSON form.
 *
 * The model is the one real loggers follow: every CPU fills its own buffer;
 * a full buffer is written to the file at once, so file order is flush order
 * and the CPUs' buffers interleave in time; at the end every partial buffer
 * is flushed.  Event times form one global, strictly increasing sequence
 * (distinct FILETIMEs), so the chronological order is unique; the only equal
 * timestamps are a kernel StackWalk record and the event it follows, which
 * always sit next to each other in one buffer.
 *
 * Everything is streamed: memory is one logical buffer per CPU plus small
 * scratch areas, whatever the number of events.  Buffer 0 (the header buffer)
 * is reserved first and rewritten at the end, when BuffersWritten and EndTime
 * are known.  --damage needs to know the buffers before writing them, so it
 * first runs the same deterministic generation without output (a dry run)
 * and picks the buffers to damage from what it saw.
 *
 * Only libc and POSIX are used.
 *
 * The expectations file (--expect-out), UTF-8 text:
 *
 *   # etlgen expect v1
 *   one line per delivered event, 19 TAB-separated columns:
 *     ts           FILETIME, decimal: StartTime + floor((T - T0) * 10^7 / F)
 *     provider     lowercase GUID: provider, classic class, WPP message GUID,
 *                  or the kernel group's class (HookId 0x030A -> Image)
 *     header       system32/64 compact32/64 perfinfo32/64 trace32/64
 *                  instance32/64 event32/64 message
 *     id version channel level opcode task    decimal (classic mapping:
 *                  etl-format.md §3.9; kernel: version = low byte of the
 *                  Version word, opcode = HookId low byte)
 *     keywords     0x%llx, lowercase
 *     pid tid      decimal, or null for PERFINFO records
 *     cpu          processor of the buffer
 *     payload_size user data bytes (EVENT_HEADER: without extended items)
 *     payload_fnv  FNV-1a 64 of the user data, 16 lowercase hex digits
 *     ext          extended item types in order, decimal, comma-separated, or -
 *     stack        frames of a STACK_TRACE32/64 item as 0x%llx, or -
 *     event_name   manifest event name attribute / TraceLogging event name, or -
 *     props        compact JSON object in etlkit's canonical value forms,
 *                  or - for records etlgen does not describe
 *   # damaged_buffers=A dropped_events=B events_lost=C buffers=D
 *
 * Lines are in delivery order: by FILETIME, ties (only a StackWalk record
 * and its event) by buffer file order, then record order.  The logfile
 * header and EventTrace Extension records of buffer 0 are events too.
 *
 * Damage (--damage N) alternates two kinds over data buffers chosen by
 * the seed.  A: Offset (0x30) = 0x20, so a reader skips the whole buffer
 * by BufferSize.  B: the marker of record k (1 <= k < count, buffers of 3 or
 * more records) becomes 0x11223344, so a reader keeps records 0..k-1 and
 * drops the rest of that buffer; applied before compression.  Dropped
 * events are absent from the expectations and counted in the last line.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- limits and constants ----------------------------------------------- */

#define BUF_HDR 0x48u            /* WMI_BUFFER_HEADER */
#define MIN_BUFSIZE 1024u
#define MAX_BUFSIZE (16u << 20)
#define MAX_CPUS 64u
#define SCRATCH_SIZE (2u * 0x10000u)
#define LOGGER_ID 0x0024u
#define FT_UNIX_EPOCH 116444736000000000ULL /* 1970-01-01 as FILETIME */
#define FT_2024 133485408000000000ULL       /* 2024-01-01 as FILETIME */
#define TICKS_PER_SEC 10000000ULL
#define FT_MIN_START (FT_UNIX_EPOCH + 60ULL * 86400 * TICKS_PER_SEC)
#define FT_MAX_START 2649000000000000000ULL /* year 9995 */

/* Record header types (byte 2 of the marker). */
enum {
	HT_SYSTEM32 = 0x01, HT_SYSTEM64 = 0x02,
	HT_COMPACT32 = 0x03, HT_COMPACT64 = 0x04,
	HT_FULL32 = 0x0A, HT_INSTANCE32 = 0x0B,
	HT_PERFINFO32 = 0x10, HT_PERFINFO64 = 0x11,
	HT_EVENT32 = 0x12, HT_EVENT64 = 0x13,
	HT_FULL64 = 0x14, HT_INSTANCE64 = 0x15
};

/* Header kinds as named in the expectations file. */
enum hk {
	HK_SYSTEM32, HK_SYSTEM64, HK_COMPACT32, HK_COMPACT64, HK_PERFINFO32,
	HK_PERFINFO64, HK_TRACE32, HK_TRACE64, HK_INSTANCE32, HK_INSTANCE64,
	HK_EVENT32, HK_EVENT64, HK_MESSAGE
};
static const char *const hk_names[] = {
	"system32", "system64", "compact32", "compact64", "perfinfo32",
	"perfinfo64", "trace32", "trace64", "instance32", "instance64",
	"event32", "event64", "message"
};

/* BufferFlag bits */
enum {
	BF_FLUSH_MARKER = 0x01, BF_EVENTS_LOST = 0x02, BF_PROC_INDEX = 0x20,
	BF_COMPRESSED = 0x40
};

/* Extended data item types */
enum {
	EXT_RELATED_ACTIVITYID = 1, EXT_SID = 2, EXT_TS_ID = 3,
	EXT_STACK_TRACE32 = 5, EXT_STACK_TRACE64 = 6, EXT_EVENT_KEY = 10,
	EXT_EVENT_SCHEMA_TL = 11, EXT_PROV_TRAITS = 12,
	EXT_PROCESS_START_KEY = 13,
	EXT_UNKNOWN = 0x30   /* not defined by Windows: readers must skip it */
};

enum mix { MIX_ALL, MIX_KERNEL, MIX_MANIFEST, MIX_TL, MIX_CLASSIC };
enum clock { CLOCK_QPC = 1, CLOCK_SYSTEM = 2, CLOCK_CYCLE = 3 };

/* ---- small helpers ------------------------------------------------------ */

static const char *progname = "etlgen";

/* Outputs are written under temporary names and renamed when complete; a
 * fatal error removes what was started. */
static const char *tmp_paths[3];

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (int i = 0; i < 3; i++)
		if (tmp_paths[i])
			unlink(tmp_paths[i]);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Pointer-sized store: the width is the producer's (4 or 8). */
static uint8_t *put_ptr(uint8_t *p, unsigned psize, uint64_t v)
{
	if (psize == 8) {
		st64(p, v);
		return p + 8;
	}
	st32(p, (uint32_t)v);
	return p + 4;
}

static uint8_t *put16(uint8_t *p, uint16_t v) { st16(p, v); return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { st32(p, v); return p + 4; }
static uint8_t *put64(uint8_t *p, uint64_t v) { st64(p, v); return p + 8; }

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- deterministic PRNG: splitmix64 seeding xoshiro256** ---------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform enough for a generator; n > 0. */
static uint32_t rbelow(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rrange(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rbelow(r, hi - lo + 1);
}

/* ---- GUIDs -------------------------------------------------------------- */

struct guid {
	uint8_t b[16];   /* wire layout */
	char s[37];      /* lowercase text, no braces */
};

static void guid_text(struct guid *g)
{
	const uint8_t *b = g->b;
	snprintf(g->s, sizeof g->s,
	         "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         (unsigned)ld32(b), (unsigned)ld16(b + 4), (unsigned)ld16(b + 6),
	         b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Only used on the constants below, so a malformed text is a bug. */
static void guid_parse(struct guid *g, const char *t)
{
	uint8_t v[16];
	int n = 0;
	for (const char *p = t; *p && n < 32; p++) {
		if (*p == '-')
			continue;
		int h = hexval(*p);
		if (h < 0)
			die("internal: bad GUID constant %s", t);
		if (n % 2 == 0)
			v[n / 2] = (uint8_t)(h << 4);
		else
			v[n / 2] |= (uint8_t)h;
		n++;
	}
	if (n != 32)
		die("internal: bad GUID constant %s", t);
	/* text order is Data1..Data3 big-endian; the wire holds them LE */
	g->b[0] = v[3]; g->b[1] = v[2]; g->b[2] = v[1]; g->b[3] = v[0];
	g->b[4] = v[5]; g->b[5] = v[4];
	g->b[6] = v[7]; g->b[7] = v[6];
	memcpy(g->b + 8, v + 8, 8);
	guid_text(g);
}

/* Bytes only: the text is made by guid_text() when an expectation needs
 * it, printf being the most expensive part of an event otherwise. */
static void guid_random(struct guid *g, struct rng *r)
{
	st64(g->b, rnd(r));
	st64(g->b + 8, rnd(r));
	g->b[7] = (uint8_t)((g->b[7] & 0x0F) | 0x40); /* version 4 */
	g->b[8] = (uint8_t)((g->b[8] & 0x3F) | 0x80);
}

/* Kernel class GUIDs (etl-format.md §3.10) and the generator's own ids. */
enum {
	G_EVENTTRACE, G_DISKIO, G_PROCESS, G_THREAD, G_TCPIP, G_PERFINFO,
	G_IMAGE, G_STACKWALK, G_MANIFEST, G_TL, G_TL_GROUP, G_CLASSIC,
	G_WPP, G_REQUEST_TASK, G_INSTANCE_PARENT, G_COUNT
};
static const char *const guid_texts[G_COUNT] = {
	"68fdd900-4a3e-11d1-84f4-0000f80464e3", /* EventTrace */
	"3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c", /* DiskIo */
	"3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c", /* Process */
	"3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c", /* Thread */
	"9a280ac0-c8e0-11d1-84e2-00c04fb998a2", /* TcpIp */
	"ce1dbfb4-137e-4da6-87b0-3f59aa102cbc", /* PerfInfo */
	"2cb15d1d-5fc1-11d2-abe1-00a0c911f518", /* Image */
	"def2fe46-7bd6-4b80-bd94-f57fe20d0ce3", /* StackWalk */
	"b0e7a3c1-5d2f-4e8a-9c6b-1f3d5a7e9b20", /* Etlkit-Synthetic */
	/* Etlgen.TraceLogging, derived from the name as EventSource does
	 * (decoding.md §7.1) */
	"6d8c9c91-60fc-59b7-90a2-47dc870d050c",
	"e2d7a6b4-3c1f-4b9e-8a5d-6c7f8e9a0b1c", /* TL provider group */
	"7c1e3f5a-9b2d-4c6e-8f0a-1b3c5d7e9f21", /* classic MOF class */
	"a3f1c5e7-2b4d-4f6a-8c0e-9d1b3f5a7c42", /* WPP message GUID */
	"5e2a9c4f-7b1d-4e3f-a6c8-0d2e4f6a8b13", /* Request task eventGUID */
	"91b3d5f7-0a2c-4e6b-8d1f-3a5c7e9b1d24"  /* INSTANCE ParentGuid */
};
static struct guid guids[G_COUNT];

/* ---- text: UTF-8 -> UTF-16LE, JSON escaping ----------------------------- */

/* Decodes one UTF-8 sequence; invalid input yields U+FFFD. */
static uint32_t utf8_next(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	uint32_t c = s[0];
	int n = 0;
	if (c < 0x80) {
		*sp = s + 1;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		c &= 0x1F;
		n = 1;
	} else if ((c & 0xF0) == 0xE0) {
		c &= 0x0F;
		n = 2;
	} else if ((c & 0xF8) == 0xF0) {
		c &= 0x07;
		n = 3;
	} else {
		*sp = s + 1;
		return 0xFFFD;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*sp = s + i;
			return 0xFFFD;
		}
		c = c << 6 | (s[i] & 0x3F);
	}
	*sp = s + n + 1;
	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0xFFFD;
	return c;
}

/* UTF-16LE bytes of a UTF-8 string, without terminator; *units gets the
 * number of UTF-16 code units.  Caller frees. */
static uint8_t *utf16_of(const char *u8, size_t max_units, size_t *units)
{
	size_t cap = strlen(u8) * 2 + 2;
	uint8_t *w = xmalloc(cap * 2 + 4);
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)u8;
	while (*s) {
		uint32_t c = utf8_next(&s);
		size_t need = c >= 0x10000 ? 2 : 1;
		if (n + need > max_units)
			break;
		if (c >= 0x10000) {
			c -= 0x10000;
			st16(w + 2 * n++, (uint16_t)(0xD800 | (c >> 10)));
			st16(w + 2 * n++, (uint16_t)(0xDC00 | (c & 0x3FF)));
		} else {
			st16(w + 2 * n++, (uint16_t)c);
		}
	}
	*units = n;
	return w;
}

/* Windows-1252 bytes of a UTF-8 string made of Latin-1 characters outside
 * 0x80..0x9F (where 1252 and Latin-1 agree); NULL if not representable. */
static char *ansi_of(const char *u8, size_t *len)
{
	size_t cap = strlen(u8) + 1;
	char *a = xmalloc(cap);
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)u8;
	while (*s) {
		uint32_t c = utf8_next(&s);
		if (c > 0xFF || (c >= 0x80 && c <= 0x9F)) {
			free(a);
			return NULL;
		}
		a[n++] = (char)c;
	}
	a[n] = 0;
	*len = n;
	return a;
}

/* Growable text used for JSON values and expectation lines. */
struct sb {
	char *p;
	size_t n, cap;
};

static void sb_need(struct sb *b, size_t k)
{
	if (b->n + k + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->n + k + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

static void sb_put(struct sb *b, const char *s, size_t k)
{
	sb_need(b, k);
	memcpy(b->p + b->n, s, k);
	b->n += k;
	b->p[b->n] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
	sb_need(b, 1);
	b->p[b->n++] = c;
	b->p[b->n] = 0;
}

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k < 0)
		die("internal: format failure");
	if ((size_t)k < sizeof tmp) {
		sb_put(b, tmp, (size_t)k);
		return;
	}
	sb_need(b, (size_t)k);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static void sb_u64(struct sb *b, uint64_t v)
{
	char t[24];
	int i = 23;
	t[i] = 0;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, t + i, (size_t)(23 - i));
}

static void sb_i64(struct sb *b, int64_t v)
{
	if (v < 0) {
		sb_putc(b, '-');
		sb_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_u64(b, (uint64_t)v);
	}
}

static void sb_hex(struct sb *b, uint64_t v)
{
	static const char d[] = "0123456789abcdef";
	char t[20];
	int i = 19;
	t[i] = 0;
	do {
		t[--i] = d[v & 15];
		v >>= 4;
	} while (v);
	sb_put(b, t + i, (size_t)(19 - i));
}

/* JSON string body (no quotes) of UTF-8 text: escapes " \ and controls,
 * keeps everything else as UTF-8. */
static void sb_json_body(struct sb *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_put(b, "\\\"", 2); break;
		case '\\': sb_put(b, "\\\\", 2); break;
		case '\n': sb_put(b, "\\n", 2); break;
		case '\r': sb_put(b, "\\r", 2); break;
		case '\t': sb_put(b, "\\t", 2); break;
		default:
			if (*p < 0x20)
				sb_printf(b, "\\u%04x", *p);
			else
				sb_putc(b, (char)*p);
		}
	}
}

/* JSON object/array writer on top of sb.  A separator is needed before a
 * member unless the container was just opened. */
static void j_sep(struct sb *j)
{
	if (j->n && j->p[j->n - 1] != '{' && j->p[j->n - 1] != '[')
		sb_putc(j, ',');
}

static void j_key(struct sb *j, const char *k)
{
	j_sep(j);
	sb_putc(j, '"');
	sb_json_body(j, k);
	sb_put(j, "\":", 2);
}

static void j_hexstr(struct sb *j, uint64_t v)
{
	sb_put(j, "\"0x", 3);
	sb_hex(j, v);
	sb_putc(j, '"');
}

/* ---- time --------------------------------------------------------------- */

/* days since 1970-01-01 -> civil date (proleptic Gregorian) */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

struct systime {
	uint16_t year, month, dow, day, hour, minute, second, ms;
};

/* FILETIME (after 1970) -> SYSTEMTIME, truncating to milliseconds. */
static struct systime systime_of(uint64_t ft)
{
	struct systime st;
	uint64_t secs = (ft - FT_UNIX_EPOCH) / TICKS_PER_SEC;
	int64_t days = (int64_t)(secs / 86400);
	unsigned sod = (unsigned)(secs % 86400);
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	st.year = (uint16_t)y;
	st.month = (uint16_t)m;
	st.day = (uint16_t)d;
	st.dow = (uint16_t)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	st.hour = (uint16_t)(sod / 3600);
	st.minute = (uint16_t)(sod / 60 % 60);
	st.second = (uint16_t)(sod % 60);
	st.ms = (uint16_t)((ft - FT_UNIX_EPOCH) % TICKS_PER_SEC / 10000);
	return st;
}

/* ISO-8601 UTC with 7 fractional digits, as etlkit prints times. */
static void j_filetime(struct sb *j, uint64_t ft)
{
	struct systime st = systime_of(ft);
	sb_printf(j, "\"%04u-%02u-%02uT%02u:%02u:%02u.%07uZ\"", st.year, st.month,
	          st.day, st.hour, st.minute, st.second,
	          (unsigned)((ft - FT_UNIX_EPOCH) % TICKS_PER_SEC));
}

static void j_systime(struct sb *j, const struct systime *st)
{
	sb_printf(j, "\"%04u-%02u-%02uT%02u:%02u:%02u.%03u0000Z\"", st->year,
	          st->month, st->day, st->hour, st->minute, st->second, st->ms);
}

static uint8_t *put_systime(uint8_t *p, const struct systime *st)
{
	p = put16(p, st->year);
	p = put16(p, st->month);
	p = put16(p, st->dow);
	p = put16(p, st->day);
	p = put16(p, st->hour);
	p = put16(p, st->minute);
	p = put16(p, st->second);
	return put16(p, st->ms);
}

/* ---- SIDs --------------------------------------------------------------- */

struct sid {
	uint8_t b[8 + 4 * 6];
	size_t len;
	char s[96];
};

static void sid_make(struct sid *sid, const uint32_t *sub, int n)
{
	sid->b[0] = 1;
	sid->b[1] = (uint8_t)n;
	memset(sid->b + 2, 0, 5);
	sid->b[7] = 5;  /* NT authority, big-endian 48-bit */
	for (int i = 0; i < n; i++)
		st32(sid->b + 8 + 4 * i, sub[i]);
	sid->len = 8 + 4 * (size_t)n;
	sid->s[0] = 0;  /* text on demand: sid_text() */
}

static const char *sid_text(struct sid *sid)
{
	if (sid->s[0] == 0) {
		int k = snprintf(sid->s, sizeof sid->s, "S-1-5");
		for (int i = 0; i < sid->b[1]; i++)
			k += snprintf(sid->s + k, sizeof sid->s - (size_t)k, "-%u",
			              (unsigned)ld32(sid->b + 8 + 4 * i));
	}
	return sid->s;
}

static void sid_random(struct sid *sid, struct rng *r)
{
	if (rbelow(r, 4) == 0) {
		uint32_t sys = 18;
		sid_make(sid, &sys, 1);
		return;
	}
	uint32_t sub[5] = { 21, (uint32_t)rnd(r), (uint32_t)rnd(r),
	                    (uint32_t)rnd(r), 1000 + rbelow(r, 8) };
	sid_make(sid, sub, 5);
}

/* ---- string pools ------------------------------------------------------- */

/* Texts for string fields.  They exercise what a reader gets wrong: JSON
 * escaping (quotes, backslashes, control characters), non-ASCII BMP text,
 * a surrogate pair, the empty string. */
static const char *const text_pool[] = {
	"hello",
	"C:\\Windows\\System32\\svchost.exe",
	"quote \" and backslash \\ inside",
	"line one\nline two\ttabbed\r",
	"Gr\303\274\303\237e aus K\303\266ln",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88",
	"emoji \xf0\x9f\x98\x80 face",
	"\xce\xa9mega \xe2\x89\x88 \xcf\x80",
	"",
	"caf\xc3\xa9",
	"ctl\001char\037",
	"/api/v1/items?id=42&sort=asc",
	"</script>&<b>",
	"The quick brown fox jumps over the lazy dog 0123456789",
	"{\"json\":[1,2]}",
	"tab\there",
};
#define TEXT_POOL_N (sizeof text_pool / sizeof text_pool[0])

struct pstr {
	const char *u8;
	uint8_t *w;        /* UTF-16LE, no terminator */
	size_t wunits;
	char *a;           /* Windows-1252 form, or NULL */
	size_t alen;
	struct sb json;    /* "quoted and escaped" */
};

static struct pstr pool[TEXT_POOL_N];
static unsigned ansi_idx[TEXT_POOL_N];
static unsigned n_ansi;

static void pool_init(void)
{
	for (size_t i = 0; i < TEXT_POOL_N; i++) {
		struct pstr *p = &pool[i];
		p->u8 = text_pool[i];
		p->w = utf16_of(p->u8, 1000, &p->wunits);
		p->a = ansi_of(p->u8, &p->alen);
		sb_putc(&p->json, '"');
		sb_json_body(&p->json, p->u8);
		sb_putc(&p->json, '"');
		if (p->a)
			ansi_idx[n_ansi++] = (unsigned)i;
	}
}

/* A fixed text prepared the same way (process names, file names...). */
static struct pstr *pstr_new(const char *u8)
{
	struct pstr *p = xcalloc(1, sizeof *p);
	p->u8 = u8;
	p->w = utf16_of(u8, 1000, &p->wunits);
	p->a = ansi_of(u8, &p->alen);
	sb_putc(&p->json, '"');
	sb_json_body(&p->json, u8);
	sb_putc(&p->json, '"');
	return p;
}

static uint8_t *put_wstrz(uint8_t *p, const struct pstr *s)
{
	p = put_bytes(p, s->w, s->wunits * 2);
	return put16(p, 0);
}

static uint8_t *put_astrz(uint8_t *p, const struct pstr *s)
{
	p = put_bytes(p, s->a, s->alen);
	*p++ = 0;
	return p;
}

/* ---- options ------------------------------------------------------------ */

struct opts {
	const char *out, *manifest_out, *expect_out;
	uint64_t events;
	unsigned cpus, psize, clock, mix;
	int compress;
	uint32_t bufsize, lost, damage;
	uint64_t seed;
	int have_start;
	uint64_t start_time;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: etlgen -o FILE [options]\n"
"Write a synthetic Windows .etl trace (etlkit fixture and benchmark generator).\n"
"\n"
"  -o, --output FILE         output .etl file (required)\n"
"      --events N            data events to write (default 1000)\n"
"      --cpus N              CPUs, 1..64 (default 4)\n"
"      --pointer-size 4|8    producer/kernel width (default 8)\n"
"      --clock qpc|system|cycle   timestamp clock (default qpc)\n"
"      --compress            MS-XCA LZ77-compressed data buffers (layout 2.0)\n"
"      --buffer-size N       logical buffer size, 1024..16777216, multiple of 8\n"
"                            (default 65536)\n"
"      --seed S              PRNG seed (default 1); same arguments and seed\n"
"                            give a byte-identical file\n"
"      --mix all|kernel|manifest|tracelogging|classic   event mix (default all)\n"
"      --lost N              EventsLost in the logfile header (and flag a buffer)\n"
"      --damage N            damage N data buffers (see the expectations file)\n"
"      --manifest-out FILE   write the manifest of the Etlkit-Synthetic provider\n"
"      --expect-out FILE     write what a correct reader must deliver\n"
"      --start-time FT       StartTime as a FILETIME (default: from the seed)\n"
"  -h, --help                this text\n");
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'etlgen --help'.\n");
	exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo,
                          uint64_t hi)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == 0)
		usage_error("%s: not a number: '%s'", opt, s);
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end != 0)
		usage_error("%s: not a number: '%s'", opt, s);
	if (v < lo || v > hi)
		usage_error("%s: %llu is out of range %llu..%llu", opt, v,
		            (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_EVENTS = 256, O_CPUS, O_PSIZE, O_CLOCK, O_COMPRESS, O_BUFSIZE,
		O_SEED, O_MIX, O_LOST, O_DAMAGE, O_MANIFEST, O_EXPECT, O_START
	};
	static const struct option lo[] = {
		{ "buffer-size", required_argument, NULL, O_BUFSIZE },
		{ "clock", required_argument, NULL, O_CLOCK },
		{ "compress", no_argument, NULL, O_COMPRESS },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "damage", required_argument, NULL, O_DAMAGE },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "expect-out", required_argument, NULL, O_EXPECT },
		{ "help", no_argument, NULL, 'h' },
		{ "lost", required_argument, NULL, O_LOST },
		{ "manifest-out", required_argument, NULL, O_MANIFEST },
		{ "mix", required_argument, NULL, O_MIX },
		{ "output", required_argument, NULL, 'o' },
		{ "pointer-size", required_argument, NULL, O_PSIZE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "start-time", required_argument, NULL, O_START },
		{ NULL, 0, NULL, 0 }
	};
	memset(o, 0, sizeof *o);
	o->events = 1000;
	o->cpus = 4;
	o->psize = 8;
	o->clock = CLOCK_QPC;
	o->mix = MIX_ALL;
	o->bufsize = 65536;
	o->seed = 1;

	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":ho:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'o':
			o->out = optarg;
			break;
		case O_EVENTS:
			o->events = parse_u64("--events", optarg, 0, 1ULL << 40);
			break;
		case O_CPUS:
			o->cpus = (unsigned)parse_u64("--cpus", optarg, 1, MAX_CPUS);
			break;
		case O_PSIZE:
			if (strcmp(optarg, "4") == 0)
				o->psize = 4;
			else if (strcmp(optarg, "8") == 0)
				o->psize = 8;
			else
				usage_error("--pointer-size must be 4 or 8, not '%s'",
				            optarg);
			break;
		case O_CLOCK:
			if (strcmp(optarg, "qpc") == 0)
				o->clock = CLOCK_QPC;
			else if (strcmp(optarg, "system") == 0)
				o->clock = CLOCK_SYSTEM;
			else if (strcmp(optarg, "cycle") == 0)
				o->clock = CLOCK_CYCLE;
			else
				usage_error("--clock must be qpc, system or cycle, "
				            "not '%s'", optarg);
			break;
		case O_COMPRESS:
			o->compress = 1;
			break;
		case O_BUFSIZE:
			o->bufsize = (uint32_t)parse_u64("--buffer-size", optarg,
			                                 MIN_BUFSIZE, MAX_BUFSIZE);
			if (o->bufsize % 8)
				usage_error("--buffer-size must be a multiple of 8");
			break;
		case O_SEED:
			o->seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case O_MIX:
			if (strcmp(optarg, "all") == 0)
				o->mix = MIX_ALL;
			else if (strcmp(optarg, "kernel") == 0)
				o->mix = MIX_KERNEL;
			else if (strcmp(optarg, "manifest") == 0)
				o->mix = MIX_MANIFEST;
			else if (strcmp(optarg, "tracelogging") == 0)
				o->mix = MIX_TL;
			else if (strcmp(optarg, "classic") == 0)
				o->mix = MIX_CLASSIC;
			else
				usage_error("--mix must be all, kernel, manifest, "
				            "tracelogging or classic, not '%s'", optarg);
			break;
		case O_LOST:
			o->lost = (uint32_t)parse_u64("--lost", optarg, 0, UINT32_MAX);
			break;
		case O_DAMAGE:
			o->damage = (uint32_t)parse_u64("--damage", optarg, 0,
			                                UINT32_MAX);
			break;
		case O_MANIFEST:
			o->manifest_out = optarg;
			break;
		case O_EXPECT:
			o->expect_out = optarg;
			break;
		case O_START:
			/* 1970-03 .. 9990: payload times lie within 30 days of
			 * it and are printed as four-digit years */
			o->start_time = parse_u64("--start-time", optarg,
			                          FT_MIN_START, FT_MAX_START);
			o->have_start = 1;
			break;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
			break;
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->out == NULL)
		usage_error("no output file given (-o FILE)");
}

/* ---- the event model: fields, maps, templates --------------------------- */

/* Field types use the wire codes of manifests and TraceLogging
 * (decoding.md §3.1 / §6.4); T_BIN is manifest Binary (length from another
 * field) in a template and TraceLogging BINARY (u16 length prefix) in a
 * TraceLogging event. */
enum {
	T_USTR = 1, T_ASTR = 2, T_I8 = 3, T_U8 = 4, T_I16 = 5, T_U16 = 6,
	T_I32 = 7, T_U32 = 8, T_I64 = 9, T_U64 = 10, T_F32 = 11, T_F64 = 12,
	T_BOOL = 13, T_BIN = 14, T_GUID = 15, T_PTR = 16, T_FILETIME = 17,
	T_SYSTIME = 18, T_SID = 19, T_HEX32 = 20, T_HEX64 = 21, T_CSTR = 22,
	T_CASTR = 23, T_STRUCT = 24, T_CBIN = 25
};

/* Rendering hints: out-types of manifests / TraceLogging. */
enum { O_NONE, O_HEX, O_IPV4, O_PORT, O_PID, O_STRING, O_BOOL };

/* Array kinds */
enum { A_NONE, A_CONST, A_REF, A_VAR };

/* Roles of fields that size others: their values are kept small. */
enum { R_NONE, R_LEN, R_COUNT, R_SCOUNT };

struct mapent {
	uint32_t value;
	const char *name;
};

struct mapdef {
	const char *name;
	int bitmap;
	const struct mapent *e;
	int n;
};

static const struct mapent state_ents[] = {
	{ 0, "Idle" }, { 1, "Running" }, { 2, "Stopped" }, { 3, "Faulted" }
};
static const struct mapent access_ents[] = {
	{ 0x1, "Read" }, { 0x2, "Write" }, { 0x4, "Execute" }, { 0x8, "Delete" }
};
static const struct mapdef map_state = { "StateMap", 0, state_ents, 4 };
static const struct mapdef map_access = { "AccessMap", 1, access_ents, 4 };

struct fdesc {
	const char *name;
	uint8_t type;
	uint8_t out;
	uint8_t arr;
	uint8_t role;
	uint8_t nmemb;          /* T_STRUCT: the next nmemb entries are members */
	int8_t ref;             /* A_REF count / manifest Binary length: index */
	uint16_t count;         /* A_CONST */
	const struct mapdef *map;
};

/* Manifest templates.  Struct members follow their struct in the array;
 * the manifest writer nests them, the encoder walks them per element. */
static const struct fdesc t_reqstart[] = {
	{ .name = "Url", .type = T_USTR },
	{ .name = "Verb", .type = T_ASTR },
	{ .name = "ClientIp", .type = T_U32, .out = O_IPV4 },
	{ .name = "ClientPort", .type = T_U16, .out = O_PORT },
	{ .name = "ServerPid", .type = T_U32, .out = O_PID },
	{ .name = "RequestId", .type = T_GUID },
	{ .name = "Access", .type = T_U32, .map = &map_access },
	{ .name = "State", .type = T_U32, .map = &map_state },
};
static const struct fdesc t_reqstop[] = {
	{ .name = "RequestId", .type = T_GUID },
	{ .name = "Status", .type = T_HEX32 },
	{ .name = "Elapsed", .type = T_U64 },
	{ .name = "BytesSent", .type = T_U32 },
	{ .name = "Succeeded", .type = T_BOOL },
};
static const struct fdesc t_numbers[] = {
	{ .name = "I8", .type = T_I8 },
	{ .name = "U8", .type = T_U8 },
	{ .name = "I16", .type = T_I16 },
	{ .name = "U16", .type = T_U16 },
	{ .name = "I32", .type = T_I32 },
	{ .name = "U32", .type = T_U32 },
	{ .name = "I64", .type = T_I64 },
	{ .name = "U64", .type = T_U64 },
	{ .name = "F32", .type = T_F32 },
	{ .name = "F64", .type = T_F64 },
	{ .name = "H32", .type = T_HEX32 },
	{ .name = "H64", .type = T_HEX64 },
	{ .name = "Address", .type = T_PTR },
	{ .name = "Mask", .type = T_U32, .out = O_HEX },
};
static const struct fdesc t_times[] = {
	{ .name = "Created", .type = T_FILETIME },
	{ .name = "Modified", .type = T_SYSTIME },
	{ .name = "Owner", .type = T_SID },
	{ .name = "Label", .type = T_USTR },
};
static const struct fdesc t_blob[] = {
	{ .name = "Size", .type = T_U32, .role = R_LEN },
	{ .name = "Data", .type = T_BIN, .ref = 0 },
	{ .name = "Count", .type = T_U16, .role = R_COUNT },
	{ .name = "Values", .type = T_U32, .arr = A_REF, .ref = 2 },
	{ .name = "Fixed", .type = T_U16, .arr = A_CONST, .count = 3 },
	{ .name = "PairCount", .type = T_U8, .role = R_SCOUNT },
	{ .name = "Pairs", .type = T_STRUCT, .arr = A_REF, .ref = 5, .nmemb = 2 },
	{ .name = "Key", .type = T_U16 },
	{ .name = "Name", .type = T_ASTR },
};
static const struct fdesc t_config0[] = {
	{ .name = "Name", .type = T_USTR },
	{ .name = "Value", .type = T_U32 },
};
static const struct fdesc t_config1[] = {
	{ .name = "Name", .type = T_USTR },
	{ .name = "Value", .type = T_U32 },
	{ .name = "Source", .type = T_ASTR },
	{ .name = "Enabled", .type = T_BOOL },
};
static const struct fdesc t_failure[] = {
	{ .name = "Message", .type = T_USTR },
	{ .name = "Path", .type = T_ASTR },
	{ .name = "Code", .type = T_I32 },
	{ .name = "Severity", .type = T_U8 },
};

#define NF(a) ((int)(sizeof a / sizeof a[0]))

/* Channel keyword bits: mc.exe sets bit 63 - i for the i-th channel. */
#define KW_CH_OPERATIONAL 0x8000000000000000ULL
#define KW_CH_DEBUG 0x4000000000000000ULL

struct mevent {
	uint16_t id;
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	const char *name;
	const char *task_ref, *opcode_ref, *level_ref, *kw_ref, *chan_ref;
	const char *tid;          /* template id, NULL = no payload */
	const struct fdesc *f;
	int nf;
	const char *message;
};

static const struct mevent mevents[] = {
	{ 1, 0, 16, 4, 10, 1, 0x1 | KW_CH_OPERATIONAL, "RequestStart",
	  "Request", "Accept", "win:Informational", "Network",
	  "Etlkit-Synthetic/Operational", "RequestStartArgs", t_reqstart,
	  NF(t_reqstart), "Request %1 (%2) from %3:%4" },
	{ 2, 0, 16, 4, 11, 1, 0x1 | KW_CH_OPERATIONAL, "RequestStop",
	  "Request", "Complete", "win:Informational", "Network",
	  "Etlkit-Synthetic/Operational", "RequestStopArgs", t_reqstop,
	  NF(t_reqstop), "Request %1 finished with %2" },
	{ 3, 0, 17, 5, 0, 4, 0x10 | KW_CH_DEBUG, "Numbers", "Data", "win:Info",
	  "win:Verbose", "Data", "Etlkit-Synthetic/Debug", "NumbersArgs",
	  t_numbers, NF(t_numbers), "Numbers %1 %2 %3" },
	{ 4, 0, 17, 16, 20, 3, 0x4 | 0x10 | KW_CH_DEBUG, "Times", "Config",
	  "Checkpoint", "Detail", "Config Data", "Etlkit-Synthetic/Debug",
	  "TimesArgs", t_times, NF(t_times), "Times of %4" },
	{ 5, 0, 16, 4, 0, 2, 0x2 | KW_CH_OPERATIONAL, "Blob", "Io", "win:Info",
	  "win:Informational", "Disk", "Etlkit-Synthetic/Operational",
	  "BlobArgs", t_blob, NF(t_blob), "Blob of %1 bytes" },
	{ 6, 0, 16, 3, 0, 3, 0x4 | KW_CH_OPERATIONAL, "ConfigChanged", "Config",
	  "win:Info", "win:Warning", "Config", "Etlkit-Synthetic/Operational",
	  "ConfigV0Args", t_config0, NF(t_config0), "%1 = %2" },
	{ 6, 1, 16, 3, 0, 3, 0x4 | KW_CH_OPERATIONAL, "ConfigChanged", "Config",
	  "win:Info", "win:Warning", "Config", "Etlkit-Synthetic/Operational",
	  "ConfigV1Args", t_config1, NF(t_config1), "%1 = %2 (from %3)" },
	{ 7, 0, 17, 5, 0, 5, 0x8 | KW_CH_DEBUG, "Heartbeat", "Diag", "win:Info",
	  "win:Verbose", "Diagnostic", "Etlkit-Synthetic/Debug", NULL, NULL, 0,
	  "Heartbeat" },
	{ 8, 0, 16, 2, 2, 5, 0x8 | KW_CH_OPERATIONAL, "Failure", "Diag",
	  "win:Stop", "win:Error", "Diagnostic",
	  "Etlkit-Synthetic/Operational", "FailureArgs", t_failure,
	  NF(t_failure), "Failure: %1 (%3)" },
};
#define N_MEVENTS NF(mevents)

/* TraceLogging event shapes (decoding.md §6). */
static const struct fdesc tl_scalars[] = {
	{ .name = "i8", .type = T_I8 },
	{ .name = "flag8", .type = T_U8, .out = O_BOOL },
	{ .name = "i16", .type = T_I16 },
	{ .name = "u16", .type = T_U16 },
	{ .name = "i32", .type = T_I32 },
	{ .name = "u32hex", .type = T_U32, .out = O_HEX },
	{ .name = "i64", .type = T_I64 },
	{ .name = "u64", .type = T_U64 },
	{ .name = "f32", .type = T_F32 },
	{ .name = "f64", .type = T_F64 },
	{ .name = "b32", .type = T_BOOL },
	{ .name = "h32", .type = T_HEX32 },
	{ .name = "h64", .type = T_HEX64 },
};
static const struct fdesc tl_strings[] = {
	{ .name = "wide", .type = T_USTR },
	{ .name = "narrow", .type = T_ASTR },
	{ .name = "counted", .type = T_CSTR },
	{ .name = "countedAnsi", .type = T_CASTR },
	{ .name = "bin", .type = T_BIN },
	{ .name = "cbin", .type = T_CBIN },
	{ .name = "id", .type = T_GUID },
	{ .name = "when", .type = T_FILETIME },
	{ .name = "st", .type = T_SYSTIME },
	{ .name = "sid", .type = T_SID },
};
static const struct fdesc tl_complex[] = {
	{ .name = "point", .type = T_STRUCT, .nmemb = 2 },
	{ .name = "x", .type = T_I32 },
	{ .name = "y", .type = T_I32 },
	{ .name = "values", .type = T_U32, .arr = A_VAR },
	{ .name = "fixed", .type = T_U16, .arr = A_CONST, .count = 3 },
	{ .name = "text", .type = T_U16, .arr = A_VAR, .out = O_STRING },
	{ .name = "tail", .type = T_ASTR },
};

struct tlshape {
	const char *name;
	const struct fdesc *f;
	int nf;
	const uint8_t *tags;   /* event tag bytes as stored */
	int ntags;
	uint8_t level, opcode;
	uint64_t keywords;
	uint8_t *meta;         /* EVENT_SCHEMA_TL blob, built at start */
	size_t meta_len;
};

static const uint8_t tags_none[] = { 0x00 };
static const uint8_t tags_chained[] = { 0x80, 0x00 }; /* as lxcore writes */
static struct tlshape tlshapes[] = {
	{ "TlScalars", tl_scalars, NF(tl_scalars), tags_none, 1, 5, 0, 0x1,
	  NULL, 0 },
	{ "TlStrings", tl_strings, NF(tl_strings), tags_none, 1, 4, 0, 0x2,
	  NULL, 0 },
	{ "TlComplex", tl_complex, NF(tl_complex), tags_chained, 2, 4, 1,
	  0x0000400000000003ULL, NULL, 0 },
};
#define N_TLSHAPES NF(tlshapes)
static uint8_t *tl_traits;
static size_t tl_traits_len;

/* ---- LZ77 (MS-XCA "plain LZ77") encoder --------------------------------- */

/* Greedy single-probe hash matcher.  The format (etl-format.md §7.3):
 * a u32 flag word precedes each group of 32 items, its bits consumed MSB
 * first, 0 = literal byte, 1 = match.  A match is a u16 with distance-1 in
 * the high 13 bits and min(length-3, 7) in the low 3; longer lengths go on
 * in a nibble (two matches share one byte: low half first, the next long
 * match uses the high half without a new byte), then a byte (15 + x), then
 * 255 + u16 (length-3), then u16 0 + u32 (length-3).  Unused flag bits at
 * the end are ones, which the decoder reads as "match past the end": the
 * normal end of the stream. */

#define LZ_HBITS 15
#define LZ_MAXDIST 8192

struct lz {
	uint32_t *tab;   /* hash -> base + position */
	uint32_t base;   /* entries below base belong to earlier buffers */
};

static uint32_t lz_hash(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);   /* host order: only equality and hashing use it */
	return (v * 2654435761u) >> (32 - LZ_HBITS);
}

/* Length of the common prefix of a and b, at most max; 8 bytes a step. */
static size_t match_len(const uint8_t *a, const uint8_t *b, size_t max)
{
	size_t k = 0;
	while (max - k >= 8) {
		uint64_t x, y;
		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		if (x != y)
			break;
		k += 8;
	}
	while (k < max && a[k] == b[k])
		k++;
	return k;
}

static size_t lz77_bound(size_t n)
{
	return n + n / 8 + 64;
}

static size_t lz77_compress(struct lz *z, const uint8_t *in, size_t n,
                            uint8_t *out)
{
	if (z->base == 0 || z->base > 0xF0000000u - (uint32_t)n) {
		memset(z->tab, 0, sizeof(uint32_t) << LZ_HBITS);
		z->base = 1;
	}
	const uint32_t base = z->base;
	size_t ip = 0, op = 4, fpos = 0, nib = SIZE_MAX;
	uint32_t flags = 0;
	unsigned nf = 0, misses = 0;

	while (ip < n) {
		size_t len = 0, dist = 0;
		if (n - ip >= 4) {
			uint32_t cur, old;
			memcpy(&cur, in + ip, 4);
			uint32_t h = (cur * 2654435761u) >> (32 - LZ_HBITS);
			uint32_t cand = z->tab[h];
			z->tab[h] = base + (uint32_t)ip;
			/* one data-dependent branch per position: a stale entry
			 * maps to ip itself, which the distance test rejects */
			size_t cp = cand >= base ? cand - base : ip;
			memcpy(&old, in + cp, 4);
			if (ip - cp - 1 < LZ_MAXDIST && old == cur) {
				len = 4 + match_len(in + cp + 4, in + ip + 4,
				                    n - ip - 4);
				dist = ip - cp;
			}
		}
		if (len >= 3) {
			size_t m = len - 3;
			uint16_t tok = (uint16_t)((dist - 1) << 3);
			if (m < 7) {
				st16(out + op, (uint16_t)(tok | m));
				op += 2;
			} else {
				st16(out + op, (uint16_t)(tok | 7));
				op += 2;
				size_t rest = m - 7;
				uint8_t nv = (uint8_t)(rest < 15 ? rest : 15);
				if (nib == SIZE_MAX) {
					nib = op;
					out[op++] = nv;
				} else {
					out[nib] |= (uint8_t)(nv << 4);
					nib = SIZE_MAX;
				}
				if (rest >= 15) {
					rest -= 15;
					if (rest < 255) {
						out[op++] = (uint8_t)rest;
					} else {
						out[op++] = 255;
						if (m <= 0xFFFF) {
							st16(out + op, (uint16_t)m);
							op += 2;
						} else {
							st16(out + op, 0);
							st32(out + op + 2, (uint32_t)m);
							op += 6;
						}
					}
				}
			}
			/* index the last positions of the match: later records
			 * often repeat what follows it */
			for (size_t k = ip + len - (len < 4 ? len - 1 : 3);
			     k < ip + len && n - k >= 4; k++)
				z->tab[lz_hash(in + k)] = base + (uint32_t)k;
			ip += len;
			flags = flags << 1 | 1;
			misses = 0;
			if (++nf == 32) {
				st32(out + fpos, flags);
				fpos = op;
				op += 4;
				nf = 0;
				flags = 0;
			}
			continue;
		}
		/* literals; after a long run without matches (random payload
		 * bytes) probe only every few positions, as LZ4 does */
		size_t step = 1 + (misses < 256 ? misses++ >> 4 : 16);
		while (step-- && ip < n) {
			out[op++] = in[ip++];
			flags <<= 1;
			if (++nf == 32) {
				st32(out + fpos, flags);
				fpos = op;
				op += 4;
				nf = 0;
				flags = 0;
			}
		}
	}
	if (nf == 0)
		flags = 0xFFFFFFFFu;
	else
		flags = (flags << (32 - nf)) | ((1u << (32 - nf)) - 1);
	st32(out + fpos, flags);
	z->base = base + (uint32_t)n + 1;
	return op;
}

/* ---- processes, threads, images (the kernel side of the story) ---------- */

#define NPROC 12
#define NTHR 4
#define NIMG 3

struct proc {
	uint32_t pid, ppid, session;
	uint64_t key, dtb;
	struct pstr *image;       /* ANSI image file name */
	struct pstr *cmdline;
	struct sid sid;
	uint32_t tid[NTHR];
	int ntid;
	struct pstr *img[NIMG];
	uint64_t imgbase[NIMG];
	uint32_t imgsize[NIMG];
};

static const char *const proc_names[] = {
	"System", "smss.exe", "csrss.exe", "svchost.exe", "explorer.exe",
	"MsMpEng.exe", "etlgen-app.exe", "pr\303\274fer.exe", "conhost.exe",
	"w3wp.exe", "sqlservr.exe", "notepad.exe"
};
static const char *const cmdlines[] = {
	"",
	"\\SystemRoot\\System32\\smss.exe",
	"%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768",
	"C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s \"Schedule\"",
	"C:\\Windows\\Explorer.EXE",
	"\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\MsMpEng.exe\"",
	"\"C:\\Users\\J\xc3\xbcrgen\\Tools\\etlgen-app.exe\" --name=\"\xe6\x97\xa5\xe6\x9c\xac\"\n--verbose",
	"C:\\Tools\\pr\303\274fer.exe /scan \\\\server\\share",
	"\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
	"c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\"",
	"\"C:\\Program Files\\Microsoft SQL Server\\sqlservr.exe\" -sMSSQLSERVER",
	"\"C:\\Windows\\notepad.exe\" C:\\Users\\\xce\xa9\\notes \xf0\x9f\x98\x80.txt"
};
static const char *const image_files[] = {
	"\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll",
	"\\Device\\HarddiskVolume3\\Windows\\System32\\kernel32.dll",
	"\\SystemRoot\\System32\\drivers\\tcpip.sys",
	"\\Device\\HarddiskVolume3\\Program Files\\\xc3\x9cn\303\257code\\lib.dll",
	"\\Device\\HarddiskVolume3\\Windows\\System32\\ucrtbase.dll",
	"\\Device\\HarddiskVolume3\\Windows\\SysWOW64\\wow64.dll",
};
#define N_IMAGE_FILES NF(image_files)

static struct pstr *proc_name_str[NF(proc_names)];
static struct pstr *cmdline_str[NF(cmdlines)];
static struct pstr *image_str[N_IMAGE_FILES];

/* ---- generator state ---------------------------------------------------- */

struct flushlog {            /* one data buffer seen by the dry run */
	uint16_t cpu;
	uint32_t ordinal, nrec;
};

struct dmg {                 /* one planned damage */
	uint16_t cpu;
	uint32_t ordinal;
	uint8_t kind;            /* 1 = A (bad header), 2 = B (bad record) */
	uint32_t k;
};

struct cpu_state {
	uint8_t *buf;            /* logical buffer incl. its 0x48 header */
	uint32_t used;           /* filled bytes incl. header */
	uint32_t nrec;
	uint32_t ordinal;        /* index of the buffer being filled, per CPU */
	uint8_t dmg_kind;
	uint32_t dmg_k, dmg_off;
	size_t dmg_next;         /* next planned damage of this CPU */
};

/* What the expectations need to know about one record. */
struct evx {
	const struct guid *prov;
	uint8_t hk;
	uint16_t id;
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	int nopid;
	uint32_t pid, tid;
	uint64_t raw;
	uint32_t poff, plen;     /* user data inside the record */
	int next;
	uint16_t ext[16];
	uint32_t stack_off;      /* frames inside the record, 0 = none */
	uint16_t nstack;
	uint8_t stackw;
	const char *name;
	int has_props;
	struct sb props;
};

struct gen {
	const struct opts *o;
	int dry;                 /* dry run: no output, log the flushes */
	int want;                /* build expectations */
	struct rng r;
	unsigned psize;          /* trace pointer size */

	/* clock */
	uint64_t start_time, boot_time, perf_freq, freq, t0, now;
	uint32_t cpu_mhz;

	/* buffers */
	struct cpu_state cpu[MAX_CPUS];
	uint8_t *scratch;
	uint8_t *zbuf;           /* compression output */
	struct lz lz;
	uint64_t seq;
	uint64_t data_buffers;
	int lost_flag_done;

	/* buffer 0 */
	uint8_t *b0;
	uint32_t b0_phys, b0_fill;
	struct pstr *logger_name, *logfile_name;
	uint32_t ctl_pid, ctl_tid;

	/* output */
	int fd;
	char *tmp_path;
	uint8_t *wbuf;
	size_t wlen, wcap;
	uint64_t file_off;

	/* expectations */
	FILE *ex;
	char *ex_tmp;
	long ex_hdr_fnv_pos;
	struct sb line;
	struct evx ev[2];

	/* damage plan and dry-run log */
	struct flushlog *flog;
	size_t nflog, capflog;
	struct dmg *dmg;
	size_t ndmg;
	uint64_t damaged_buffers, dropped_events;

	/* world */
	struct proc procs[NPROC];
	uint32_t next_pid, next_tid;
	uint64_t counters[8];    /* per category picks, for coverage */
	uint32_t wpp_seq;
	uint64_t events_done;
};

/* ---- output ------------------------------------------------------------- */

static void write_all(struct gen *g, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(g->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die("%s: write failed: %s", g->tmp_path, strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
}

static void out_flush(struct gen *g)
{
	if (g->wlen) {
		write_all(g, g->wbuf, g->wlen);
		g->wlen = 0;
	}
}

/* Small (compressed) buffers are gathered into large writes; whole
 * logical buffers go straight to the file, saving a copy. */
static void out_write(struct gen *g, const uint8_t *p, size_t n)
{
	g->file_off += n;
	if (n >= 16384 || g->wlen + n > g->wcap) {
		out_flush(g);
		if (n >= 16384) {
			write_all(g, p, n);
			return;
		}
	}
	memcpy(g->wbuf + g->wlen, p, n);
	g->wlen += n;
}

/* ---- clock -------------------------------------------------------------- */

/* FILETIME of raw timestamp t: StartTime + floor((t - T0) * 10^7 / F),
 * exact in 64 bits by splitting the quotient (etl-format.md §5.2). */
static uint64_t ft_of(const struct gen *g, uint64_t t)
{
	uint64_t d = t - g->t0;
	uint64_t q = d / g->freq, r = d % g->freq;
	return g->start_time + q * TICKS_PER_SEC + r * TICKS_PER_SEC / g->freq;
}

/* Moves the global clock forward by about 1..50 microseconds.  Every event
 * gets a distinct FILETIME: the step is at least u = floor(F / 10^6) raw
 * ticks (at least 1); for F <= 10^7 one raw tick is already >= 1 FILETIME
 * tick, and for F > 10^7 u ticks span more than 10 - 10^7/F >= 9 FILETIME
 * ticks, so the floors in ft_of() can never make two events equal. */
static void tick(struct gen *g)
{
	uint64_t per_us = g->freq / 1000000;
	if (per_us == 0)
		per_us = 1;
	uint64_t x = rnd(&g->r);
	uint64_t us = 1 + (((x >> 32) * 50) >> 32);           /* 1..50 */
	uint64_t frac = ((x & 0xFFFFFFFFu) * per_us) >> 32;   /* 0..u-1 */
	g->now += per_us * us + frac;
}

/* ---- buffers ------------------------------------------------------------ */

static void buffer_start(struct gen *g, unsigned cpu)
{
	struct cpu_state *c = &g->cpu[cpu];
	c->used = BUF_HDR;
	c->nrec = 0;
	c->dmg_kind = 0;
	c->dmg_k = 0;
	c->dmg_off = 0;
	if (g->dry)
		return;
	/* plan entries of one CPU are sorted by ordinal */
	while (c->dmg_next < g->ndmg) {
		const struct dmg *d = &g->dmg[c->dmg_next];
		if (d->cpu != cpu) {
			c->dmg_next++;
			continue;
		}
		if (d->ordinal < c->ordinal) {
			c->dmg_next++;
			continue;
		}
		if (d->ordinal == c->ordinal) {
			c->dmg_kind = d->kind;
			c->dmg_k = d->k;
		}
		break;
	}
}

static void put_buffer_header(uint8_t *h, uint32_t bufsize, uint32_t saved,
                              uint32_t current, uint64_t ts, uint64_t seq,
                              uint32_t cc, uint32_t offset, uint16_t flags,
                              uint16_t type)
{
	memset(h, 0, BUF_HDR);
	st32(h + 0x00, bufsize);
	st32(h + 0x04, saved);
	st32(h + 0x08, current);
	st32(h + 0x0C, 0);          /* ReferenceCount */
	st64(h + 0x10, ts);
	st64(h + 0x18, seq);
	st32(h + 0x28, cc);
	st32(h + 0x2C, 3);          /* State: flushed */
	st32(h + 0x30, offset);
	st16(h + 0x34, flags);
	st16(h + 0x36, type);
}

/* Client context of a data buffer: Windows 8+ style u16 ProcessorIndex
 * with the PROC_INDEX flag, or (32-bit traces) the Windows 7 style u8
 * ProcessorNumber + Alignment 8. */
static uint32_t data_cc(const struct gen *g, unsigned cpu, uint16_t *flags)
{
	if (g->psize == 8) {
		*flags |= BF_PROC_INDEX;
		return (uint32_t)LOGGER_ID << 16 | cpu;
	}
	return (uint32_t)LOGGER_ID << 16 | 8u << 8 | cpu;
}

static void flush_cpu(struct gen *g, unsigned cpu, int last)
{
	struct cpu_state *c = &g->cpu[cpu];
	if (c->nrec == 0)
		return;
	const struct opts *o = g->o;
	uint32_t fill = c->used;

	if (g->dry) {
		if (g->nflog == g->capflog) {
			g->capflog = g->capflog ? g->capflog * 2 : 1024;
			g->flog = realloc(g->flog, g->capflog * sizeof *g->flog);
			if (g->flog == NULL)
				die("out of memory");
		}
		g->flog[g->nflog++] = (struct flushlog){ (uint16_t)cpu, c->ordinal,
		                                         c->nrec };
		goto next;
	}

	uint16_t flags = 0;
	uint32_t cc = data_cc(g, cpu, &flags);
	if (last)
		flags |= BF_FLUSH_MARKER;
	if (o->lost && !g->lost_flag_done) {
		flags |= BF_EVENTS_LOST;
		g->lost_flag_done = 1;
	}
	uint32_t offset = fill;
	if (c->dmg_kind == 2 && c->nrec > c->dmg_k) {
		/* kind B: byte 3 = 0x11 is no trace header form */
		st32(c->buf + c->dmg_off, 0x11223344u);
		g->damaged_buffers++;
	}
	if (c->dmg_kind == 1) {
		offset = 0x20;   /* kind A: Offset below the header size */
		g->damaged_buffers++;
	}
	g->seq++;
	g->data_buffers++;
	uint64_t ts = g->now;    /* flush time: not before any record */
	if (o->compress) {
		flags |= BF_COMPRESSED;
		size_t clen = lz77_compress(&g->lz, c->buf + BUF_HDR, fill - BUF_HDR,
		                            g->zbuf + BUF_HDR);
		uint32_t phys = (uint32_t)(BUF_HDR + clen);
		put_buffer_header(g->zbuf, phys, fill, o->bufsize + fill, ts, g->seq,
		                  cc, offset, flags, 0);
		out_write(g, g->zbuf, phys);
	} else {
		memset(c->buf + fill, 0xFF, o->bufsize - fill);
		put_buffer_header(c->buf, o->bufsize, fill, o->bufsize + fill, ts,
		                  g->seq, cc, offset, flags, 0);
		out_write(g, c->buf, o->bufsize);
	}
next:
	c->ordinal++;
	buffer_start(g, cpu);
}

/* ---- expectations ------------------------------------------------------- */

static void evx_reset(struct evx *e)
{
	e->prov = NULL;
	e->id = 0;
	e->version = e->channel = e->level = e->opcode = 0;
	e->task = 0;
	e->keywords = 0;
	e->nopid = 0;
	e->pid = e->tid = 0;
	e->next = 0;
	e->stack_off = 0;
	e->nstack = 0;
	e->stackw = 0;
	e->name = NULL;
	e->has_props = 0;
	e->props.n = 0;
	if (e->props.p)
		e->props.p[0] = 0;
}

static void expect_line(struct gen *g, const struct evx *e, const uint8_t *rec,
                        uint64_t fnv_override, int use_override,
                        unsigned cpu)
{
	struct sb *l = &g->line;
	l->n = 0;
	sb_u64(l, ft_of(g, e->raw));
	sb_putc(l, '\t');
	sb_puts(l, e->prov->s);
	sb_putc(l, '\t');
	sb_puts(l, hk_names[e->hk]);
	sb_printf(l, "\t%u\t%u\t%u\t%u\t%u\t%u\t0x", e->id, e->version,
	          e->channel, e->level, e->opcode, e->task);
	sb_hex(l, e->keywords);
	sb_putc(l, '\t');
	if (e->nopid) {
		sb_puts(l, "null\tnull");
	} else {
		sb_u64(l, e->pid);
		sb_putc(l, '\t');
		sb_u64(l, e->tid);
	}
	sb_printf(l, "\t%u\t%u\t", cpu, e->plen);
	uint64_t h = use_override ? fnv_override : fnv1a64(rec + e->poff, e->plen);
	sb_printf(l, "%016llx\t", (unsigned long long)h);
	if (e->next == 0) {
		sb_putc(l, '-');
	} else {
		for (int i = 0; i < e->next; i++) {
			if (i)
				sb_putc(l, ',');
			sb_u64(l, e->ext[i]);
		}
	}
	sb_putc(l, '\t');
	if (e->nstack == 0) {
		sb_putc(l, '-');
	} else {
		const uint8_t *f = rec + e->stack_off;
		for (unsigned i = 0; i < e->nstack; i++) {
			if (i)
				sb_putc(l, ',');
			sb_put(l, "0x", 2);
			sb_hex(l, e->stackw == 8 ? ld64(f + 8 * i) : ld32(f + 4 * i));
		}
	}
	sb_putc(l, '\t');
	sb_puts(l, e->name ? e->name : "-");
	sb_putc(l, '\t');
	if (e->has_props)
		sb_put(l, e->props.p, e->props.n);
	else
		sb_putc(l, '-');
	sb_putc(l, '\n');
	if (fwrite(l->p, 1, l->n, g->ex) != l->n)
		die("%s: write failed: %s", g->ex_tmp, strerror(errno));
}

/* ---- record building blocks --------------------------------------------- */

static uint64_t kaddr(struct gen *g)
{
	if (g->psize == 8)
		return 0xFFFF800000000000ULL | ((rnd(&g->r) & 0x7FFFFFFFFFF0ULL) |
		                                0x10);
	return 0x80000000u | ((uint32_t)rnd(&g->r) & 0x7FFFFFF0u) | 0x10;
}

static uint64_t uaddr(struct gen *g, unsigned psize)
{
	if (psize == 8)
		return 0x00007FF600000000ULL | (rnd(&g->r) & 0xFFFFFFF0ULL) | 0x20;
	return 0x00400000u + (rbelow(&g->r, 0x3FC00000u) & ~0xFu) + 0x20;
}

static uint64_t kaddr_p(struct gen *g, unsigned psize)
{
	if (psize == 8)
		return 0xFFFFF80000000000ULL | (rnd(&g->r) & 0x7FFFFFFFF0ULL) | 0x30;
	return 0x80000000u | ((uint32_t)rnd(&g->r) & 0x7FFFFFF0u) | 0x30;
}

/* SYSTEM_TRACE_HEADER (0x20) or its COMPACT form (0x18); returns the payload
 * position.  Size is patched by finish_kernel(). */
static uint8_t *sys_hdr(struct gen *g, uint8_t *r, uint8_t htype, uint8_t ver,
                        uint16_t hook, uint32_t tid, uint32_t pid, uint64_t ts)
{
	st16(r, ver);
	r[2] = htype;
	r[3] = 0xC0;
	st16(r + 4, 0);
	st16(r + 6, hook);
	st32(r + 8, tid);
	st32(r + 12, pid);
	st64(r + 16, ts);
	if (htype == HT_COMPACT32 || htype == HT_COMPACT64)
		return r + 0x18;
	uint64_t x = rnd(&g->r);
	st32(r + 24, (uint32_t)(x & 31));          /* KernelTime */
	st32(r + 28, (uint32_t)(x >> 32 & 31));    /* UserTime */
	return r + 0x20;
}

static uint8_t *perf_hdr(uint8_t *r, uint8_t htype, uint8_t ver, uint16_t hook,
                         uint64_t ts)
{
	st16(r, ver);
	r[2] = htype;
	r[3] = 0xC0;
	st16(r + 4, 0);
	st16(r + 6, hook);
	st64(r + 8, ts);
	return r + 0x10;
}

static const struct guid *kernel_class(uint16_t hook)
{
	if (hook == 0x030A)
		return &guids[G_IMAGE];   /* legacy Image/Load in the Process group */
	switch (hook >> 8) {
	case 0x00: return &guids[G_EVENTTRACE];
	case 0x01: return &guids[G_DISKIO];
	case 0x03: return &guids[G_PROCESS];
	case 0x05: return &guids[G_THREAD];
	case 0x06: return &guids[G_TCPIP];
	case 0x0F: return &guids[G_PERFINFO];
	case 0x14: return &guids[G_IMAGE];
	case 0x18: return &guids[G_STACKWALK];
	}
	die("internal: no class for hook %#x", hook);
	return NULL;
}

static uint8_t hk_of_type(uint8_t htype)
{
	switch (htype) {
	case HT_SYSTEM32: return HK_SYSTEM32;
	case HT_SYSTEM64: return HK_SYSTEM64;
	case HT_COMPACT32: return HK_COMPACT32;
	case HT_COMPACT64: return HK_COMPACT64;
	case HT_PERFINFO32: return HK_PERFINFO32;
	case HT_PERFINFO64: return HK_PERFINFO64;
	case HT_FULL32: return HK_TRACE32;
	case HT_FULL64: return HK_TRACE64;
	case HT_INSTANCE32: return HK_INSTANCE32;
	case HT_INSTANCE64: return HK_INSTANCE64;
	case HT_EVENT32: return HK_EVENT32;
	case HT_EVENT64: return HK_EVENT64;
	}
	die("internal: header type %#x", htype);
	return 0;
}

/* Completes a SYSTEM/COMPACT/PERFINFO record: size and the expectation
 * fields every kernel record shares (etl-format.md §3.9). */
static size_t finish_kernel(struct evx *e, uint8_t *r, uint8_t *end,
                            uint8_t *payload)
{
	size_t size = (size_t)(end - r);
	st16(r + 4, (uint16_t)size);
	uint8_t htype = r[2];
	uint16_t hook = ld16(r + 6);
	e->prov = kernel_class(hook);
	e->hk = hk_of_type(htype);
	e->version = r[0];
	e->opcode = (uint8_t)hook;
	if (htype == HT_PERFINFO32 || htype == HT_PERFINFO64) {
		e->nopid = 1;
		e->raw = ld64(r + 8);
	} else {
		e->tid = ld32(r + 8);
		e->pid = ld32(r + 12);
		e->raw = ld64(r + 16);
	}
	e->poff = (uint32_t)(payload - r);
	e->plen = (uint32_t)(end - payload);
	return size;
}

static uint8_t ktype(const struct gen *g, int family)
{
	/* family: 0 SYSTEM, 1 COMPACT, 2 PERFINFO */
	static const uint8_t t32[] = { HT_SYSTEM32, HT_COMPACT32, HT_PERFINFO32 };
	static const uint8_t t64[] = { HT_SYSTEM64, HT_COMPACT64, HT_PERFINFO64 };
	return g->psize == 8 ? t64[family] : t32[family];
}

/* JSON helpers bound to the "want" switch: no text is built in a dry run
 * or without --expect-out. */
#define JW (e->has_props ? &e->props : NULL)

static void jk_u(struct sb *j, const char *k, uint64_t v)
{
	if (!j)
		return;
	j_key(j, k);
	sb_u64(j, v);
}

static void jk_i(struct sb *j, const char *k, int64_t v)
{
	if (!j)
		return;
	j_key(j, k);
	sb_i64(j, v);
}

static void jk_hex(struct sb *j, const char *k, uint64_t v)
{
	if (!j)
		return;
	j_key(j, k);
	j_hexstr(j, v);
}

static void jk_raw(struct sb *j, const char *k, const char *text, size_t n)
{
	if (!j)
		return;
	j_key(j, k);
	sb_put(j, text, n);
}

static void props_open(struct gen *g, struct evx *e)
{
	e->has_props = g->want;
	if (e->has_props) {
		e->props.n = 0;
		sb_putc(&e->props, '{');
	}
}

static void props_close(struct evx *e)
{
	if (e->has_props)
		sb_putc(&e->props, '}');
}

struct who {
	struct proc *p;
	uint32_t pid, tid;
};

static struct who pick_thread(struct gen *g)
{
	struct who w;
	uint64_t x = rnd(&g->r);
	w.p = &g->procs[((x >> 32) * NPROC) >> 32];
	w.pid = w.p->pid;
	w.tid = w.p->tid[((x & 0xFFFFFFFFu) * (uint64_t)w.p->ntid) >> 32];
	return w;
}

/* ---- kernel records (decoding.md §5.4 layouts) -------------------------- */

static size_t k_process(struct gen *g, uint8_t *r, struct evx *e,
                        struct proc *p, uint16_t hook, uint32_t ctid,
                        uint32_t cpid)
{
	unsigned P = g->psize;
	uint8_t *pl = sys_hdr(g, r, ktype(g, 0), 4, hook, ctid, cpid, g->now);
	uint8_t *q = pl;
	int32_t exitst = (hook == 0x0303) ? 259 : 0;   /* STILL_ACTIVE */
	uint32_t flags = rbelow(&g->r, 4);
	uint64_t tokptr = kaddr(g);
	q = put_ptr(q, P, p->key);
	q = put32(q, p->pid);
	q = put32(q, p->ppid);
	q = put32(q, p->session);
	q = put32(q, (uint32_t)exitst);
	q = put_ptr(q, P, p->dtb);
	q = put32(q, flags);
	/* WBEM SID: TOKEN_USER {PSID, Attributes} = 2 pointers wide, then SID */
	q = put_ptr(q, P, tokptr);
	q = put_ptr(q, P, 0);
	q = put_bytes(q, p->sid.b, p->sid.len);
	q = put_astrz(q, p->image);
	q = put_wstrz(q, p->cmdline);
	q = put16(q, 0);   /* PackageFullName */
	q = put16(q, 0);   /* ApplicationId */
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_hex(j, "UniqueProcessKey", p->key);
	jk_u(j, "ProcessId", p->pid);
	jk_u(j, "ParentId", p->ppid);
	jk_u(j, "SessionId", p->session);
	jk_i(j, "ExitStatus", exitst);
	jk_hex(j, "DirectoryTableBase", p->dtb);
	jk_u(j, "Flags", flags);
	if (j) {
		j_key(j, "UserSID");
		sb_printf(j, "\"%s\"", sid_text(&p->sid));
	}
	jk_raw(j, "ImageFileName", p->image->json.p, p->image->json.n);
	jk_raw(j, "CommandLine", p->cmdline->json.p, p->cmdline->json.n);
	jk_raw(j, "PackageFullName", "\"\"", 2);
	jk_raw(j, "ApplicationId", "\"\"", 2);
	props_close(e);
	return n;
}

static size_t k_thread(struct gen *g, uint8_t *r, struct evx *e,
                       const struct proc *p, uint32_t tid, uint16_t hook,
                       uint32_t ctid, uint32_t cpid)
{
	unsigned P = g->psize;
	uint8_t *pl = sys_hdr(g, r, ktype(g, 0), 3, hook, ctid, cpid, g->now);
	uint64_t sb = kaddr(g), ub = uaddr(g, P);
	uint64_t v[7] = { sb, sb - 0x6000, ub, ub - 0x3000,
	                  P == 8 ? (g->o->cpus >= 64 ? UINT64_MAX
	                                             : (1ULL << g->o->cpus) - 1)
	                         : (g->o->cpus >= 32 ? UINT32_MAX
	                                             : (1ULL << g->o->cpus) - 1),
	                  uaddr(g, P), uaddr(g, P) };
	uint32_t tag = rbelow(&g->r, 3) == 0 ? rrange(&g->r, 1, 400) : 0;
	uint8_t prio[4] = { (uint8_t)rrange(&g->r, 1, 15), 5, 2, 0 };
	uint8_t *q = pl;
	q = put32(q, p->pid);
	q = put32(q, tid);
	for (int i = 0; i < 7; i++)
		q = put_ptr(q, P, v[i]);
	q = put32(q, tag);
	q = put_bytes(q, prio, 4);
	size_t n = finish_kernel(e, r, q, pl);
	static const char *const pn[7] = { "StackBase", "StackLimit",
		"UserStackBase", "UserStackLimit", "Affinity", "Win32StartAddr",
		"TebBase" };
	props_open(g, e);
	struct sb *j = JW;
	jk_u(j, "ProcessId", p->pid);
	jk_u(j, "TThreadId", tid);
	for (int i = 0; i < 7; i++)
		jk_hex(j, pn[i], v[i]);
	jk_u(j, "SubProcessTag", tag);
	jk_u(j, "BasePriority", prio[0]);
	jk_u(j, "PagePriority", prio[1]);
	jk_u(j, "IoPriority", prio[2]);
	jk_u(j, "ThreadFlags", prio[3]);
	props_close(e);
	return n;
}

static size_t k_image(struct gen *g, uint8_t *r, struct evx *e,
                      const struct proc *p, int slot, uint16_t hook,
                      uint32_t ctid, uint32_t cpid)
{
	unsigned P = g->psize;
	uint8_t *pl = sys_hdr(g, r, ktype(g, 0), 2, hook, ctid, cpid, g->now);
	uint64_t base = p->imgbase[slot];
	uint64_t size = p->imgsize[slot];
	uint32_t sum = (uint32_t)rnd(&g->r), tds = 0x5F000000u + rbelow(&g->r,
	                                                               0x8000000u);
	uint64_t defbase = base;
	const struct pstr *f = p->img[slot];
	uint8_t *q = pl;
	q = put_ptr(q, P, base);
	q = put_ptr(q, P, size);
	q = put32(q, p->pid);
	q = put32(q, sum);
	q = put32(q, tds);
	q = put32(q, 0);
	q = put_ptr(q, P, defbase);
	for (int i = 0; i < 4; i++)
		q = put32(q, 0);
	q = put_wstrz(q, f);
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_hex(j, "ImageBase", base);
	jk_hex(j, "ImageSize", size);
	jk_u(j, "ProcessId", p->pid);
	jk_u(j, "ImageChecksum", sum);
	jk_u(j, "TimeDateStamp", tds);
	jk_u(j, "Reserved0", 0);
	jk_hex(j, "DefaultBase", defbase);
	jk_u(j, "Reserved1", 0);
	jk_u(j, "Reserved2", 0);
	jk_u(j, "Reserved3", 0);
	jk_u(j, "Reserved4", 0);
	jk_raw(j, "FileName", f->json.p, f->json.n);
	props_close(e);
	return n;
}

static size_t k_sample(struct gen *g, uint8_t *r, struct evx *e,
                       uint32_t tid)
{
	unsigned P = g->psize;
	uint8_t *pl = perf_hdr(r, ktype(g, 2), 2, 0x0F2E, g->now);
	uint64_t ip = rbelow(&g->r, 2) ? kaddr(g) : uaddr(g, P);
	uint16_t resv = rbelow(&g->r, 8) == 0 ? 1 : 0;   /* "in DPC" */
	uint8_t *q = put_ptr(pl, P, ip);
	q = put32(q, tid);
	q = put16(q, 1);
	q = put16(q, resv);
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_hex(j, "InstructionPointer", ip);
	jk_u(j, "ThreadId", tid);
	jk_u(j, "Count", 1);
	jk_u(j, "Reserved", resv);
	props_close(e);
	return n;
}

/* StackWalk/Stack: same raw timestamp as the event it belongs to, placed
 * right after it in the same buffer, as the kernel does. */
static size_t k_stack(struct gen *g, uint8_t *r, struct evx *e, uint64_t ts,
                      uint32_t pid, uint32_t tid)
{
	unsigned P = g->psize;
	uint8_t *pl = perf_hdr(r, ktype(g, 2), 2, 0x1820, ts);
	unsigned nf = rrange(&g->r, 1, 32);
	unsigned nk = rbelow(&g->r, nf + 1);
	uint8_t *q = put64(pl, ts);
	q = put32(q, pid);
	q = put32(q, tid);
	uint8_t *frames = q;
	for (unsigned i = 0; i < nf; i++)
		q = put_ptr(q, P, i < nk ? kaddr_p(g, P) : uaddr(g, P));
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_u(j, "EventTimeStamp", ts);
	jk_u(j, "StackProcess", pid);
	jk_u(j, "StackThread", tid);
	if (j) {
		for (unsigned i = 0; i < nf; i++) {
			char k[16];
			snprintf(k, sizeof k, "Stack%u", i + 1);
			jk_hex(j, k, P == 8 ? ld64(frames + 8 * i)
			                    : ld32(frames + 4 * i));
		}
	}
	props_close(e);
	return n;
}

static size_t k_cswitch(struct gen *g, uint8_t *r, struct evx *e)
{
	struct who nw = pick_thread(g), old = pick_thread(g);
	uint8_t *pl = sys_hdr(g, r, ktype(g, 1), 2, 0x0524, nw.tid, nw.pid,
	                      g->now);
	int8_t np = (int8_t)rrange(&g->r, 1, 15);
	int8_t op = (int8_t)rrange(&g->r, 0, 15);
	uint8_t cst = (uint8_t)rbelow(&g->r, 3);
	int8_t wr = (int8_t)rbelow(&g->r, 37), wm = (int8_t)rbelow(&g->r, 2);
	int8_t ost = (int8_t)rbelow(&g->r, 8);
	int8_t ideal = (int8_t)rbelow(&g->r, g->o->cpus);
	uint32_t wt = rbelow(&g->r, 5000);
	uint8_t *q = put32(pl, nw.tid);
	q = put32(q, old.tid);
	*q++ = (uint8_t)np;
	*q++ = (uint8_t)op;
	*q++ = cst;
	*q++ = 0;
	*q++ = (uint8_t)wr;
	*q++ = (uint8_t)wm;
	*q++ = (uint8_t)ost;
	*q++ = (uint8_t)ideal;
	q = put32(q, wt);
	q = put32(q, 0);
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_u(j, "NewThreadId", nw.tid);
	jk_u(j, "OldThreadId", old.tid);
	jk_i(j, "NewThreadPriority", np);
	jk_i(j, "OldThreadPriority", op);
	jk_u(j, "PreviousCState", cst);
	jk_i(j, "SpareByte", 0);
	jk_i(j, "OldThreadWaitReason", wr);
	jk_i(j, "OldThreadWaitMode", wm);
	jk_i(j, "OldThreadState", ost);
	jk_i(j, "OldThreadWaitIdealProcessor", ideal);
	jk_u(j, "NewThreadWaitTime", wt);
	jk_u(j, "Reserved", 0);
	props_close(e);
	return n;
}

/* DiskIo/Read v3.  force32 writes a SYSTEM32 record with the 32-bit layout
 * into a 64-bit trace: the payload width follows the header type. */
static size_t k_diskio(struct gen *g, uint8_t *r, struct evx *e, int force32)
{
	unsigned P = force32 ? 4 : g->psize;
	uint8_t ht = force32 ? HT_SYSTEM32 : ktype(g, 0);
	struct who w = pick_thread(g);
	uint8_t *pl = sys_hdr(g, r, ht, 3, 0x010A, w.tid, w.pid, g->now);
	uint32_t disk = rbelow(&g->r, 2), irpf = 0x43 | (rbelow(&g->r, 2) << 17);
	uint32_t xfer = 4096u * rrange(&g->r, 1, 64);
	uint64_t off = (uint64_t)rbelow(&g->r, 0x4000000) * 512;
	uint64_t fo = kaddr_p(g, P), irp = kaddr_p(g, P);
	uint64_t rt = rrange(&g->r, 100, 900000);
	uint8_t *q = put32(pl, disk);
	q = put32(q, irpf);
	q = put32(q, xfer);
	q = put32(q, 0);
	q = put64(q, off);
	q = put_ptr(q, P, fo);
	q = put_ptr(q, P, irp);
	q = put64(q, rt);
	q = put32(q, w.tid);
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_u(j, "DiskNumber", disk);
	jk_u(j, "IrpFlags", irpf);
	jk_u(j, "TransferSize", xfer);
	jk_u(j, "Reserved", 0);
	jk_u(j, "ByteOffset", off);
	jk_hex(j, "FileObject", fo);
	jk_hex(j, "Irp", irp);
	jk_u(j, "HighResResponseTime", rt);
	jk_u(j, "IssuingThreadId", w.tid);
	props_close(e);
	return n;
}

static size_t k_tcp(struct gen *g, uint8_t *r, struct evx *e)
{
	unsigned P = g->psize;
	struct who w = pick_thread(g);
	uint8_t *pl = sys_hdr(g, r, ktype(g, 0), 2, 0x060A, w.tid, w.pid, g->now);
	uint32_t size = rrange(&g->r, 1, 1460);
	uint8_t da[4] = { 10, (uint8_t)rbelow(&g->r, 256),
	                  (uint8_t)rbelow(&g->r, 256),
	                  (uint8_t)rrange(&g->r, 1, 254) };
	uint8_t sa[4] = { 192, 168, (uint8_t)rbelow(&g->r, 256),
	                  (uint8_t)rrange(&g->r, 1, 254) };
	/* Ports are stored in network order.  The kernel dumps call them
	 * UInt16, the MOF calls them Port; both byte orders give the same
	 * number when the two bytes are equal, so either schema decodes to
	 * the value in the expectations. */
	uint8_t db = (uint8_t)rrange(&g->r, 1, 255);
	uint8_t sbyte = (uint8_t)rrange(&g->r, 1, 255);
	uint16_t dport = (uint16_t)(db << 8 | db);
	uint16_t sport = (uint16_t)(sbyte << 8 | sbyte);
	uint32_t st = (uint32_t)rnd(&g->r), et = st + rbelow(&g->r, 100);
	uint32_t seqn = (uint32_t)rnd(&g->r);
	uint64_t conn = kaddr_p(g, P);
	uint8_t *q = put32(pl, w.pid);
	q = put32(q, size);
	q = put_bytes(q, da, 4);
	q = put_bytes(q, sa, 4);
	q = put16(q, dport);
	q = put16(q, sport);
	q = put32(q, st);
	q = put32(q, et);
	q = put32(q, seqn);
	q = put_ptr(q, P, conn);
	size_t n = finish_kernel(e, r, q, pl);
	props_open(g, e);
	struct sb *j = JW;
	jk_u(j, "PID", w.pid);
	jk_u(j, "size", size);
	if (j) {
		j_key(j, "daddr");
		sb_printf(j, "\"%u.%u.%u.%u\"", da[0], da[1], da[2], da[3]);
		j_key(j, "saddr");
		sb_printf(j, "\"%u.%u.%u.%u\"", sa[0], sa[1], sa[2], sa[3]);
	}
	jk_u(j, "dport", dport);
	jk_u(j, "sport", sport);
	jk_u(j, "startime", st);
	jk_u(j, "endtime", et);
	jk_u(j, "seqnum", seqn);
	jk_hex(j, "connid", conn);
	props_close(e);
	return n;
}

/* EventTrace/RDComplete: empty PERFINFO record closing the rundown. */
static size_t k_rdcomplete(struct gen *g, uint8_t *r, struct evx *e)
{
	uint8_t *pl = perf_hdr(r, ktype(g, 2), 2, 0x0008, g->now);
	return finish_kernel(e, r, pl, pl);
}

/* ---- generic field encoder (manifest templates and TraceLogging) -------- */

struct fctx {
	struct gen *g;
	uint8_t *p;
	unsigned psize;
	int tl;
	struct sb *j;
	int64_t vals[32];
};

static uint64_t rnd_filetime(struct gen *g)
{
	/* within 30 days before and after StartTime, never zero */
	uint64_t span = 60ULL * 86400 * TICKS_PER_SEC;
	return g->start_time - span / 2 + rnd(&g->r) % span;
}

/* A float that prints the same in every sane formatter: an odd multiple of
 * 1/4 (float) or 1/8 (double) with few digits, exactly representable. */
static double rnd_real(struct gen *g, int dbl)
{
	int64_t k = (int64_t)(rnd(&g->r) % (dbl ? (1ULL << 40) : (1ULL << 21)));
	k |= 1;
	if (rbelow(&g->r, 2))
		k = -k;
	return (double)k / (dbl ? 8.0 : 4.0);
}

static const struct pstr *rnd_text(struct gen *g)
{
	return &pool[rbelow(&g->r, (uint32_t)TEXT_POOL_N)];
}

static const struct pstr *rnd_ansi(struct gen *g)
{
	return &pool[ansi_idx[rbelow(&g->r, n_ansi)]];
}

static void j_bin(struct sb *j, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	sb_putc(j, '"');
	for (size_t i = 0; i < n; i++) {
		sb_putc(j, d[b[i] >> 4]);
		sb_putc(j, d[b[i] & 15]);
	}
	sb_putc(j, '"');
}

static void j_map(struct sb *j, const struct mapdef *m, uint32_t v)
{
	if (!m->bitmap) {
		for (int i = 0; i < m->n; i++) {
			if (m->e[i].value == v) {
				sb_printf(j, "\"%s\"", m->e[i].name);
				return;
			}
		}
		sb_u64(j, v);    /* unknown values stay numbers */
		return;
	}
	sb_putc(j, '"');
	int first = 1;
	for (int i = 0; i < m->n; i++) {
		if ((v & m->e[i].value) == m->e[i].value) {
			if (!first)
				sb_putc(j, '|');
			sb_puts(j, m->e[i].name);
			first = 0;
		}
	}
	sb_putc(j, '"');
}

/* Value of a sizing field: small, so records stay far below 0xFFFF. */
static uint32_t role_value(struct gen *g, uint8_t role)
{
	switch (role) {
	case R_LEN: return rbelow(&g->r, 25);
	case R_COUNT: return rbelow(&g->r, 7);
	default: return rbelow(&g->r, 4);
	}
}

static void enc_one(struct fctx *c, const struct fdesc *f, int idx);

static void enc_range(struct fctx *c, const struct fdesc *f, int first,
                      int count);

/* One element of field idx (arrays call it per element). */
static void enc_one(struct fctx *c, const struct fdesc *f, int idx)
{
	struct gen *g = c->g;
	const struct fdesc *d = &f[idx];
	struct sb *j = c->j;
	uint8_t *p = c->p;
	uint64_t v;

	switch (d->type) {
	case T_USTR: {
		const struct pstr *s = rnd_text(g);
		p = put_wstrz(p, s);
		if (j)
			sb_put(j, s->json.p, s->json.n);
		break;
	}
	case T_ASTR: {
		const struct pstr *s = rnd_ansi(g);
		p = put_astrz(p, s);
		if (j)
			sb_put(j, s->json.p, s->json.n);
		break;
	}
	case T_CSTR: {
		const struct pstr *s = rnd_text(g);
		p = put16(p, (uint16_t)(s->wunits * 2));   /* byte count */
		p = put_bytes(p, s->w, s->wunits * 2);
		if (j)
			sb_put(j, s->json.p, s->json.n);
		break;
	}
	case T_CASTR: {
		const struct pstr *s = rnd_ansi(g);
		p = put16(p, (uint16_t)s->alen);
		p = put_bytes(p, s->a, s->alen);
		if (j)
			sb_put(j, s->json.p, s->json.n);
		break;
	}
	case T_I8: case T_U8: case T_I16: case T_U16: case T_I32: case T_U32:
	case T_I64: case T_U64: case T_HEX32: case T_HEX64: case T_BOOL: {
		if (d->role) {
			v = role_value(g, d->role);
		} else if (d->map && !d->map->bitmap) {
			v = rbelow(&g->r, 10) == 0 ? 9 : rbelow(&g->r, 4);
		} else if (d->map) {
			v = rrange(&g->r, 1, 15);
		} else if (d->type == T_BOOL || d->out == O_BOOL) {
			v = rbelow(&g->r, 2);
		} else {
			v = rnd(&g->r);
		}
		int64_t sv = 0;
		switch (d->type) {
		case T_I8:
			sv = (int8_t)v;
			/* fall through */
		case T_U8:
			v = (uint8_t)v;
			*p++ = (uint8_t)v;
			break;
		case T_I16:
			sv = (int16_t)v;
			/* fall through */
		case T_U16:
			v = (uint16_t)v;
			p = put16(p, (uint16_t)v);
			break;
		case T_I32:
			sv = (int32_t)v;
			/* fall through */
		case T_U32: case T_HEX32: case T_BOOL:
			v = (uint32_t)v;
			p = put32(p, (uint32_t)v);
			break;
		case T_I64:
			sv = (int64_t)v;
			/* fall through */
		default:
			p = put64(p, v);
			break;
		}
		c->vals[idx] = (int64_t)v;
		if (!j)
			break;
		if (d->map)
			j_map(j, d->map, (uint32_t)v);
		else if (d->type == T_BOOL || d->out == O_BOOL)
			sb_puts(j, v ? "true" : "false");
		else if (d->type == T_HEX32 || d->type == T_HEX64 || d->out == O_HEX)
			j_hexstr(j, v);
		else if (d->out == O_IPV4)
			sb_printf(j, "\"%u.%u.%u.%u\"", (unsigned)(v & 0xFF),
			          (unsigned)(v >> 8 & 0xFF), (unsigned)(v >> 16 & 0xFF),
			          (unsigned)(v >> 24));
		else if (d->out == O_PORT)
			sb_u64(j, (v >> 8 | v << 8) & 0xFFFF);   /* network order */
		else if (d->type == T_I8 || d->type == T_I16 || d->type == T_I32 ||
		         d->type == T_I64)
			sb_i64(j, sv);
		else
			sb_u64(j, v);
		break;
	}
	case T_F32: {
		double x = rnd_real(g, 0);
		float fx = (float)x;
		uint32_t bits;
		memcpy(&bits, &fx, 4);
		p = put32(p, bits);
		if (j)
			sb_printf(j, "%.9g", x);
		break;
	}
	case T_F64: {
		double x = rnd_real(g, 1);
		uint64_t bits;
		memcpy(&bits, &x, 8);
		p = put64(p, bits);
		if (j)
			sb_printf(j, "%.17g", x);
		break;
	}
	case T_BIN: case T_CBIN: {
		size_t n;
		if (c->tl || d->type == T_CBIN) {
			n = rbelow(&g->r, 25);
			p = put16(p, (uint16_t)n);
		} else {
			n = (size_t)c->vals[d->ref];
		}
		uint8_t *b = p;
		for (size_t i = 0; i < n; i++)
			*p++ = (uint8_t)rnd(&g->r);
		if (j)
			j_bin(j, b, n);
		break;
	}
	case T_GUID: {
		struct guid gu;
		guid_random(&gu, &g->r);
		p = put_bytes(p, gu.b, 16);
		if (j) {
			guid_text(&gu);
			sb_printf(j, "\"%s\"", gu.s);
		}
		break;
	}
	case T_PTR: {
		v = uaddr(g, c->psize);
		p = put_ptr(p, c->psize, v);
		if (j)
			j_hexstr(j, v);
		break;
	}
	case T_FILETIME: {
		v = rnd_filetime(g);
		p = put64(p, v);
		if (j)
			j_filetime(j, v);
		break;
	}
	case T_SYSTIME: {
		struct systime st = systime_of(rnd_filetime(g));
		p = put_systime(p, &st);
		if (j)
			j_systime(j, &st);
		break;
	}
	case T_SID: {
		struct sid sid;
		sid_random(&sid, &g->r);
		p = put_bytes(p, sid.b, sid.len);
		if (j)
			sb_printf(j, "\"%s\"", sid_text(&sid));
		break;
	}
	case T_STRUCT:
		if (j)
			sb_putc(j, '{');
		c->p = p;
		enc_range(c, f, idx + 1, d->nmemb);
		p = c->p;
		if (j)
			sb_putc(j, '}');
		break;
	default:
		die("internal: field type %u", d->type);
	}
	c->p = p;
}

/* Fields first .. first+count-1 of f (struct members are skipped over by
 * the struct that owns them). */
static void enc_range(struct fctx *c, const struct fdesc *f, int first,
                      int count)
{
	struct gen *g = c->g;
	int i = first;
	for (int done = 0; done < count; done++) {
		const struct fdesc *d = &f[i];
		struct sb *j = c->j;
		if (j)
			j_key(j, d->name);
		if (d->arr == A_NONE) {
			enc_one(c, f, i);
		} else if (d->arr == A_VAR && d->out == O_STRING) {
			/* UTF-16 units counted by a u16, shown as one string */
			const struct pstr *s = rnd_text(g);
			c->p = put16(c->p, (uint16_t)s->wunits);
			c->p = put_bytes(c->p, s->w, s->wunits * 2);
			if (j)
				sb_put(j, s->json.p, s->json.n);
		} else {
			uint32_t n;
			if (d->arr == A_CONST)
				n = d->count;
			else if (d->arr == A_REF)
				n = (uint32_t)c->vals[d->ref];
			else {
				n = rbelow(&g->r, 6);
				c->p = put16(c->p, (uint16_t)n);
			}
			if (j)
				sb_putc(j, '[');
			for (uint32_t k = 0; k < n; k++) {
				if (j)
					j_sep(j);
				enc_one(c, f, i);
			}
			if (j)
				sb_putc(j, ']');
		}
		i += 1 + (d->type == T_STRUCT ? d->nmemb : 0);
	}
}

/* Number of top-level fields of a template (members belong to structs). */
static int top_count(const struct fdesc *f, int n)
{
	int k = 0;
	for (int i = 0; i < n; i += 1 + (f[i].type == T_STRUCT ? f[i].nmemb : 0))
		k++;
	return k;
}

/* ---- TraceLogging metadata ---------------------------------------------- */

static void tl_build(void)
{
	/* provider traits: u16 size, name, one group trait
	 * {u16 size, u8 type, GUID} */
	static const char pname[] = "Etlgen.TraceLogging";
	tl_traits_len = 2 + sizeof pname + 19;
	tl_traits = xmalloc(tl_traits_len);
	uint8_t *p = put16(tl_traits, (uint16_t)tl_traits_len);
	p = put_bytes(p, pname, sizeof pname);
	p = put16(p, 19);
	*p++ = 1;
	memcpy(p, guids[G_TL_GROUP].b, 16);

	for (int s = 0; s < N_TLSHAPES; s++) {
		struct tlshape *t = &tlshapes[s];
		uint8_t *m = xmalloc(1024);
		uint8_t *q = m + 2;
		q = put_bytes(q, t->tags, (size_t)t->ntags);
		q = put_bytes(q, t->name, strlen(t->name) + 1);
		for (int i = 0; i < t->nf; i++) {
			const struct fdesc *d = &t->f[i];
			q = put_bytes(q, d->name, strlen(d->name) + 1);
			uint8_t in = d->type;
			uint8_t out = 0;
			int has_out = 0;
			if (d->arr == A_CONST)
				in |= 0x20;
			else if (d->arr == A_VAR)
				in |= 0x40;
			if (d->type == T_STRUCT) {
				out = d->nmemb;
				has_out = 1;
			} else if (d->out == O_STRING) {
				out = 2;
				has_out = 1;
			} else if (d->out == O_BOOL) {
				out = 3;
				has_out = 1;
			} else if (d->out == O_HEX) {
				out = 4;
				has_out = 1;
			}
			if (has_out)
				in |= 0x80;
			*q++ = in;
			if (has_out)
				*q++ = out;
			if (d->arr == A_CONST)
				q = put16(q, d->count);
		}
		t->meta_len = (size_t)(q - m);
		st16(m, (uint16_t)t->meta_len);
		t->meta = m;
	}
}

/* ---- EVENT_HEADER records ----------------------------------------------- */

struct ext_item {
	uint16_t type;
	const uint8_t *data;
	uint16_t len;
};

struct ehdr {
	uint8_t htype;          /* HT_EVENT32 / HT_EVENT64 */
	uint16_t flags;
	uint32_t pid, tid;
	const struct guid *prov;
	uint16_t id;
	uint8_t version, channel, level, opcode;
	uint16_t task;
	uint64_t keywords;
	const uint8_t *activity; /* 16 bytes or NULL */
	struct ext_item ext[10];
	int next;
};

/* Clears what event_hdr() reads; the ext array is filled up to next. */
static void ehdr_init(struct ehdr *h)
{
	h->flags = 0;
	h->id = 0;
	h->version = h->channel = h->level = h->opcode = 0;
	h->task = 0;
	h->keywords = 0;
	h->activity = NULL;
	h->next = 0;
}

/* Writes header and extended items; returns the user-data position. */
static uint8_t *event_hdr(struct gen *g, uint8_t *r, struct ehdr *h,
                          struct evx *e)
{
	uint16_t flags = h->flags | (h->next ? 0x0001 : 0);
	st16(r, 0);
	r[2] = h->htype;
	r[3] = 0xC0;
	st16(r + 4, flags);
	st16(r + 6, 0);                  /* EventProperty */
	st32(r + 8, h->tid);
	st32(r + 12, h->pid);
	st64(r + 16, g->now);
	memcpy(r + 24, h->prov->b, 16);
	st16(r + 40, h->id);
	r[42] = h->version;
	r[43] = h->channel;
	r[44] = h->level;
	r[45] = h->opcode;
	st16(r + 46, h->task);
	st64(r + 48, h->keywords);
	uint64_t x = rnd(&g->r);
	st32(r + 56, (uint32_t)(x & 15));          /* KernelTime */
	st32(r + 60, (uint32_t)(x >> 32 & 15));    /* UserTime */
	if (h->activity)
		memcpy(r + 64, h->activity, 16);
	else
		memset(r + 64, 0, 16);
	uint8_t *p = r + 0x50;
	e->next = 0;
	for (int i = 0; i < h->next; i++) {
		const struct ext_item *it = &h->ext[i];
		size_t isz = align8(8 + (size_t)it->len);
		st16(p, (uint16_t)isz);
		st16(p + 2, it->type);
		st16(p + 4, i + 1 < h->next ? 1 : 0);   /* Linkage */
		st16(p + 6, it->len);
		memcpy(p + 8, it->data, it->len);
		memset(p + 8 + it->len, 0, isz - 8 - it->len);
		if (it->type == EXT_STACK_TRACE64 || it->type == EXT_STACK_TRACE32) {
			e->stackw = it->type == EXT_STACK_TRACE64 ? 8 : 4;
			e->stack_off = (uint32_t)(p + 8 + 8 - r);
			e->nstack = (uint16_t)((it->len - 8) / e->stackw);
		}
		e->ext[e->next++] = it->type;
		p += isz;
	}
	e->prov = h->prov;
	e->hk = hk_of_type(h->htype);
	e->id = h->id;
	e->version = h->version;
	e->channel = h->channel;
	e->level = h->level;
	e->opcode = h->opcode;
	e->task = h->task;
	e->keywords = h->keywords;
	e->pid = h->pid;
	e->tid = h->tid;
	e->raw = g->now;
	e->poff = (uint32_t)(p - r);
	return p;
}

static size_t event_finish(uint8_t *r, uint8_t *end, struct evx *e)
{
	size_t size = (size_t)(end - r);
	st16(r, (uint16_t)size);
	e->plen = (uint32_t)(size - e->poff);
	return size;
}

/* Optional extended items of manifest events.  Bits of `mask`:
 * 0 related activity, 1 SID, 2 TS id, 3 event key, 4 process start key,
 * 5 unknown type 0x30, 6 stack (STACK_TRACE32 when stack32). */
struct extdata {
	uint8_t related[16];
	struct sid sid;
	uint8_t tsid[4], evkey[8], pskey[8], unknown[5];
	uint8_t stack[8 + 8 * 24];
};

static void add_manifest_ext(struct gen *g, struct ehdr *h, struct extdata *x,
                             unsigned mask, int stack32)
{
	if (mask & 1) {
		struct guid gu;
		guid_random(&gu, &g->r);
		memcpy(x->related, gu.b, 16);
		h->ext[h->next++] = (struct ext_item){ EXT_RELATED_ACTIVITYID,
		                                       x->related, 16 };
	}
	if (mask & 2) {
		sid_random(&x->sid, &g->r);
		h->ext[h->next++] = (struct ext_item){ EXT_SID, x->sid.b,
		                                       (uint16_t)x->sid.len };
	}
	if (mask & 4) {
		st32(x->tsid, rbelow(&g->r, 3));
		h->ext[h->next++] = (struct ext_item){ EXT_TS_ID, x->tsid, 4 };
	}
	if (mask & 8) {
		st64(x->evkey, rnd(&g->r));
		h->ext[h->next++] = (struct ext_item){ EXT_EVENT_KEY, x->evkey, 8 };
	}
	if (mask & 16) {
		st64(x->pskey, rnd(&g->r) >> 8);
		h->ext[h->next++] = (struct ext_item){ EXT_PROCESS_START_KEY,
		                                       x->pskey, 8 };
	}
	if (mask & 32) {
		for (int i = 0; i < 5; i++)
			x->unknown[i] = (uint8_t)rnd(&g->r);
		h->ext[h->next++] = (struct ext_item){ EXT_UNKNOWN, x->unknown, 5 };
	}
	if (mask & 64) {
		unsigned nf = rrange(&g->r, 1, 24);
		uint8_t *q = put64(x->stack, rbelow(&g->r, 4) ? 0 : rnd(&g->r));
		unsigned w = stack32 ? 4 : 8;
		for (unsigned i = 0; i < nf; i++) {
			uint64_t a = i < 2 && !stack32 ? kaddr_p(g, 8) : uaddr(g, w);
			q = put_ptr(q, w, a);
		}
		h->ext[h->next++] = (struct ext_item){
			(uint16_t)(stack32 ? EXT_STACK_TRACE32 : EXT_STACK_TRACE64),
			x->stack, (uint16_t)(q - x->stack) };
	}
}

/* Forced variety at the start of a trace: every (event, width, extended
 * item) combination the fixtures rely on shows up even in short traces. */
struct mcover {
	int ev;          /* index into mevents */
	int wow;         /* EVENT_HEADER32 in a 64-bit trace */
	unsigned ext;
	int stack32;
};
static const struct mcover mcover[] = {
	{ 0, 0, 1 | 64, 0 }, { 1, 0, 1, 0 }, { 2, 1, 64, 1 }, { 3, 0, 2 | 4, 0 },
	{ 4, 0, 8 | 16, 0 }, { 5, 1, 32, 0 }, { 6, 0, 127, 0 },
	{ 7, 0, 0, 0 }, { 8, 1, 64, 0 }, { 2, 0, 0, 0 },
};

static size_t m_event(struct gen *g, uint8_t *r, struct evx *e)
{
	uint64_t k = g->counters[1]++;
	int evi, wow;
	unsigned mask;
	int stack32;
	if (k < NF(mcover)) {
		evi = mcover[k].ev;
		wow = mcover[k].wow;
		mask = mcover[k].ext;
		stack32 = mcover[k].stack32;
	} else {
		static const uint8_t w[N_MEVENTS] = { 20, 20, 15, 8, 10, 5, 7,
		                                      10, 5 };
		uint32_t x = rbelow(&g->r, 100);
		evi = 0;
		while (x >= w[evi]) {
			x -= w[evi];
			evi++;
		}
		wow = rbelow(&g->r, 10) == 0;
		mask = 0;
		if (rbelow(&g->r, 4) == 0)
			mask = (unsigned)rbelow(&g->r, 128);
		stack32 = rbelow(&g->r, 2);
	}
	const struct mevent *m = &mevents[evi];
	unsigned psize = g->psize;
	if (psize == 8 && wow)
		psize = 4;
	if (psize == 4)
		stack32 = g->psize == 4 ? 1 : stack32;
	else
		stack32 = 0;
	struct who w = pick_thread(g);
	struct ehdr h;
	ehdr_init(&h);
	h.htype = psize == 8 ? HT_EVENT64 : HT_EVENT32;
	h.pid = w.pid;
	h.tid = w.tid;
	h.prov = &guids[G_MANIFEST];
	h.id = m->id;
	h.version = m->version;
	h.channel = m->channel;
	h.level = m->level;
	h.opcode = m->opcode;
	h.task = m->task;
	h.keywords = m->keywords;
	struct guid act;
	if (m->task == 1) {         /* requests run under an activity */
		guid_random(&act, &g->r);
		h.activity = act.b;
	}
	struct extdata xd;
	add_manifest_ext(g, &h, &xd, mask, stack32);
	uint8_t *p = event_hdr(g, r, &h, e);
	props_open(g, e);
	struct fctx c;       /* vals[] is written before it is read */
	c.g = g;
	c.p = p;
	c.psize = psize;
	c.tl = 0;
	c.j = JW;
	if (m->f)
		enc_range(&c, m->f, 0, top_count(m->f, m->nf));
	props_close(e);
	e->name = m->name;
	return event_finish(r, c.p, e);
}

static size_t tl_event(struct gen *g, uint8_t *r, struct evx *e)
{
	uint64_t k = g->counters[2]++;
	int s = k < N_TLSHAPES ? (int)k : (int)rbelow(&g->r, N_TLSHAPES);
	struct tlshape *t = &tlshapes[s];
	unsigned psize = g->psize;
	if (psize == 8 && (k == N_TLSHAPES || rbelow(&g->r, 10) == 0))
		psize = 4;
	struct who w = pick_thread(g);
	struct ehdr h;
	ehdr_init(&h);
	h.htype = psize == 8 ? HT_EVENT64 : HT_EVENT32;
	h.pid = w.pid;
	h.tid = w.tid;
	h.prov = &guids[G_TL];
	h.channel = 11;
	h.level = t->level;
	h.opcode = t->opcode;
	h.keywords = t->keywords;
	h.ext[h.next++] = (struct ext_item){ EXT_PROV_TRAITS, tl_traits,
	                                     (uint16_t)tl_traits_len };
	h.ext[h.next++] = (struct ext_item){ EXT_EVENT_SCHEMA_TL, t->meta,
	                                     (uint16_t)t->meta_len };
	uint8_t *p = event_hdr(g, r, &h, e);
	props_open(g, e);
	struct fctx c;
	c.g = g;
	c.p = p;
	c.psize = psize;
	c.tl = 1;
	c.j = JW;
	enc_range(&c, t->f, 0, top_count(t->f, t->nf));
	props_close(e);
	e->name = t->name;
	return event_finish(r, c.p, e);
}

/* EventWriteString: STRING_ONLY flag, one NUL-terminated UTF-16 string. */
static size_t string_only_event(struct gen *g, uint8_t *r, struct evx *e)
{
	struct who w = pick_thread(g);
	struct ehdr h;
	ehdr_init(&h);
	h.htype = g->psize == 8 ? HT_EVENT64 : HT_EVENT32;
	h.flags = 0x0004;
	h.pid = w.pid;
	h.tid = w.tid;
	h.prov = &guids[G_MANIFEST];
	h.level = 4;
	uint8_t *p = event_hdr(g, r, &h, e);
	p = put_wstrz(p, rnd_text(g));
	return event_finish(r, p, e);
}

/* ---- classic records: EVENT_TRACE_HEADER, EVENT_INSTANCE_GUID_HEADER, WPP --- */

static size_t classic_event(struct gen *g, uint8_t *r, struct evx *e,
                            uint8_t htype)
{
	int inst = htype == HT_INSTANCE32 || htype == HT_INSTANCE64;
	struct who w = pick_thread(g);
	uint8_t type = (uint8_t)(rbelow(&g->r, 3) ? rrange(&g->r, 1, 2) : 10);
	uint8_t level = (uint8_t)rrange(&g->r, 2, 5);
	uint16_t ver = (uint16_t)rbelow(&g->r, 3);
	st16(r, 0);
	r[2] = htype;
	r[3] = 0xC0;
	r[4] = type;
	r[5] = level;
	st16(r + 6, ver);
	st32(r + 8, w.tid);
	st32(r + 12, w.pid);
	st64(r + 16, g->now);
	memcpy(r + 24, guids[G_CLASSIC].b, 16);
	st32(r + 40, rbelow(&g->r, 30));   /* KernelTime */
	st32(r + 44, rbelow(&g->r, 30));   /* UserTime */
	uint8_t *p = r + 0x30;
	if (inst) {
		p = put32(p, rrange(&g->r, 1, 1000));   /* InstanceId */
		p = put32(p, rbelow(&g->r, 1000));      /* ParentInstanceId */
		p = put_bytes(p, guids[G_INSTANCE_PARENT].b, 16);
	}
	uint8_t *pl = p;
	p = put32(p, (uint32_t)g->counters[3]);
	p = put32(p, (uint32_t)rnd(&g->r));
	p = put_wstrz(p, rnd_text(g));
	size_t size = (size_t)(p - r);
	st16(r, (uint16_t)size);
	e->prov = &guids[G_CLASSIC];
	e->hk = hk_of_type(htype);
	e->version = (uint8_t)ver;
	e->level = level;
	e->opcode = type;
	e->pid = w.pid;
	e->tid = w.tid;
	e->raw = g->now;
	e->poff = (uint32_t)(pl - r);
	e->plen = (uint32_t)(p - pl);
	return size;
}

/* WPP message: GUID | TIMESTAMP | SYSTEMINFO | SEQUENCE, in the field
 * order of etl-format.md §3.7: sequence, GUID, timestamp, tid, pid. */
static size_t wpp_event(struct gen *g, uint8_t *r, struct evx *e)
{
	struct who w = pick_thread(g);
	uint16_t msgno = (uint16_t)rrange(&g->r, 10, 17);
	uint16_t of = 0x0001 | 0x0002 | 0x0008 | 0x0020;
	st16(r, 0);
	r[2] = 0;
	r[3] = 0x90;
	st16(r + 4, msgno);
	st16(r + 6, of);
	uint8_t *p = r + 8;
	p = put32(p, ++g->wpp_seq);
	p = put_bytes(p, guids[G_WPP].b, 16);
	p = put64(p, g->now);
	p = put32(p, w.tid);
	p = put32(p, w.pid);
	uint8_t *pl = p;
	p = put32(p, (uint32_t)rnd(&g->r));            /* %10!d! */
	p = put_astrz(p, rnd_ansi(g));                 /* %11!s! */
	p = put64(p, rnd(&g->r));                      /* %12!I64x! */
	size_t size = (size_t)(p - r);
	st16(r, (uint16_t)size);
	e->prov = &guids[G_WPP];
	e->hk = HK_MESSAGE;
	e->id = msgno;
	e->pid = w.pid;
	e->tid = w.tid;
	e->raw = g->now;
	e->poff = (uint32_t)(pl - r);
	e->plen = (uint32_t)(p - pl);
	return size;
}

/* ---- placing records into CPU buffers ----------------------------------- */

/* Appends one or two records (already built in scratch, each at an 8-byte
 * aligned offset) to a CPU buffer, flushing it first if they do not fit, and
 * writes their expectation lines. */
static void place(struct gen *g, unsigned cpu, const size_t *sizes, int n)
{
	struct cpu_state *c = &g->cpu[cpu];
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += align8(sizes[i]);
	uint32_t cap = g->o->bufsize - BUF_HDR;
	if (total > cap)
		die("internal: record group of %zu bytes does not fit a buffer",
		    total);
	if (c->used + total > g->o->bufsize)
		flush_cpu(g, cpu, 0);
	const uint8_t *src = g->scratch;
	for (int i = 0; i < n; i++) {
		size_t a = align8(sizes[i]);
		uint32_t off = c->used;
		memcpy(c->buf + off, src, sizes[i]);
		/* the padding is garbage in real files; ours is zero */
		memset(c->buf + off + sizes[i], 0, a - sizes[i]);
		c->used += (uint32_t)a;
		uint32_t idx = c->nrec++;
		int dropped = 0;
		if (c->dmg_kind == 1) {
			dropped = 1;
		} else if (c->dmg_kind == 2 && idx >= c->dmg_k) {
			dropped = 1;
			if (idx == c->dmg_k)
				c->dmg_off = off;
		}
		if (dropped)
			g->dropped_events++;
		else if (g->ex && !g->dry)
			expect_line(g, &g->ev[i], src, 0, 0, cpu);
		src += a;
	}
	g->events_done += (uint64_t)n;
}

/* ---- logger records in buffer 0 ----------------------------------------- */

static void put_tz(uint8_t *p)
{
	static const struct systime std = { 0, 11, 0, 1, 2, 0, 0, 0 };
	static const struct systime dst = { 0, 3, 0, 2, 2, 0, 0, 0 };
	static const char sn[] = "Pacific Standard Time";
	static const char dn[] = "Pacific Daylight Time";
	memset(p, 0, 0xB0);
	st32(p, 480);
	for (size_t i = 0; i < sizeof sn - 1; i++)
		st16(p + 4 + 2 * i, (uint16_t)sn[i]);
	put_systime(p + 0x44, &std);
	st32(p + 0x54, 0);
	for (size_t i = 0; i < sizeof dn - 1; i++)
		st16(p + 0x58 + 2 * i, (uint16_t)dn[i]);
	put_systime(p + 0x98, &dst);
	st32(p + 0xA8, (uint32_t)-60);
}

/* The logfile header event (etl-format.md §2): SYSTEM header with HookId 0,
 * version 2, TRACE_LOGFILE_HEADER (0x118 / 0x110 bytes) and two strings. */
static size_t logfile_header(struct gen *g, uint8_t *r, uint64_t end_time,
                             uint32_t buffers, struct evx *e)
{
	const struct opts *o = g->o;
	unsigned P = g->psize;
	uint8_t *pl = r + 0x20;
	st16(r, 2);
	r[2] = P == 8 ? HT_SYSTEM64 : HT_SYSTEM32;
	r[3] = 0xC0;
	st16(r + 6, 0x0000);
	st32(r + 8, g->ctl_tid);
	st32(r + 12, g->ctl_pid);
	st64(r + 16, g->t0);
	st32(r + 24, 3);
	st32(r + 28, 1);
	uint8_t *h = pl;
	memset(h, 0, P == 8 ? 0x118 : 0x110);
	st32(h + 0x00, o->bufsize);
	h[4] = 10;
	h[5] = 0;
	h[6] = o->compress ? 2 : 1;
	h[7] = o->compress ? 0 : 5;
	st32(h + 0x08, 19045);
	st32(h + 0x0C, o->cpus);
	st64(h + 0x10, end_time);
	st32(h + 0x18, 156250);
	st32(h + 0x1C, 512);
	st32(h + 0x20, o->compress ? 0x04010001u : 0x00000001u);
	st32(h + 0x24, buffers);
	st32(h + 0x28, 1);
	st32(h + 0x2C, P);
	st32(h + 0x30, o->lost);
	st32(h + 0x34, g->cpu_mhz);
	uint8_t *q = h + 0x38;
	q = put_ptr(q, P, 5);         /* LoggerName slot: clock-source code */
	q = put_ptr(q, P, 6);         /* LogFileName slot */
	put_tz(q);
	q += 0xB0;
	q = put64(q, g->boot_time);
	q = put64(q, g->perf_freq);
	q = put64(q, g->start_time);
	q = put32(q, o->clock);
	q = put32(q, 0);              /* BuffersLost */
	q = put_wstrz(q, g->logger_name);
	q = put_wstrz(q, g->logfile_name);
	size_t size = (size_t)(q - r);
	st16(r + 4, (uint16_t)size);
	e->prov = &guids[G_EVENTTRACE];
	e->hk = P == 8 ? HK_SYSTEM64 : HK_SYSTEM32;
	e->version = 2;
	e->pid = g->ctl_pid;
	e->tid = g->ctl_tid;
	e->raw = g->t0;
	e->poff = 0x20;
	e->plen = (uint32_t)(size - 0x20);
	return size;
}

/* EventTrace/Extension (type 5): 8 group masks and the kernel event version. */
static size_t extension_record(struct gen *g, uint8_t *r, uint64_t ts,
                               struct evx *e)
{
	static const uint32_t masks[9] = { 0x20000C07u, 0x00000002u, 0, 0,
	                                   0x00000001u, 0, 0, 0, 0x3u };
	uint8_t *pl = r + 0x20;
	st16(r, 2);
	r[2] = g->psize == 8 ? HT_SYSTEM64 : HT_SYSTEM32;
	r[3] = 0xC0;
	st16(r + 6, 0x0005);
	st32(r + 8, g->ctl_tid);
	st32(r + 12, g->ctl_pid);
	st64(r + 16, ts);
	st32(r + 24, 0);
	st32(r + 28, 0);
	uint8_t *q = pl;
	for (int i = 0; i < 9; i++)
		q = put32(q, masks[i]);
	size_t size = (size_t)(q - r);
	st16(r + 4, (uint16_t)size);
	e->prov = &guids[G_EVENTTRACE];
	e->hk = g->psize == 8 ? HK_SYSTEM64 : HK_SYSTEM32;
	e->version = 2;
	e->opcode = 5;
	e->pid = g->ctl_pid;
	e->tid = g->ctl_tid;
	e->raw = ts;
	e->poff = 0x20;
	e->plen = 36;
	return size;
}

/* ---- world set-up ------------------------------------------------------- */

static uint32_t new_pid(struct gen *g)
{
	g->next_pid += 4 * rrange(&g->r, 1, 60);
	return g->next_pid;
}

static uint32_t new_tid(struct gen *g)
{
	g->next_tid += 4 * rrange(&g->r, 1, 30);
	return g->next_tid;
}

static void proc_fill(struct gen *g, struct proc *p, int slot, uint32_t ppid)
{
	int ni = slot % NF(proc_names);
	p->pid = slot == 0 ? 4 : new_pid(g);
	p->ppid = ppid;
	p->session = slot < 4 ? 0 : 1;
	p->key = kaddr(g);
	p->dtb = (rnd(&g->r) & 0xFFFFFF000ULL) | 0x1000;
	if (g->psize == 4)
		p->dtb &= 0xFFFFF000u;
	p->image = proc_name_str[ni];
	p->cmdline = cmdline_str[ni];
	if (slot < 4) {
		uint32_t s18 = 18;
		sid_make(&p->sid, &s18, 1);
	} else {
		sid_random(&p->sid, &g->r);
	}
	p->ntid = (int)rrange(&g->r, 1, NTHR);
	for (int i = 0; i < p->ntid; i++)
		p->tid[i] = new_tid(g);
	for (int i = 0; i < NIMG; i++) {
		p->img[i] = image_str[rbelow(&g->r, N_IMAGE_FILES)];
		p->imgbase[i] = g->psize == 8
		        ? 0x00007FF800000000ULL +
		                  ((uint64_t)rbelow(&g->r, 0x7FFF) << 16)
		        : 0x10000000u + (rbelow(&g->r, 0x4000) << 16);
		p->imgsize[i] = 0x1000u * rrange(&g->r, 4, 4000);
	}
}

static void world_init(struct gen *g)
{
	g->next_pid = 100;
	g->next_tid = 200;
	for (int i = 0; i < NPROC; i++)
		proc_fill(g, &g->procs[i], i,
		          i == 0 ? 0 : g->procs[i > 1 ? 1 : 0].pid);
	g->ctl_pid = g->procs[6].pid;
	g->ctl_tid = g->procs[6].tid[0];
}

/* ---- clock set-up ------------------------------------------------------- */

static void clock_init(struct gen *g)
{
	const struct opts *o = g->o;
	static const uint64_t freqs[] = { 10000000, 2630627, 3579545, 14318180 };
	static const uint32_t mhz[] = { 2995, 3192, 2208, 3600 };
	g->perf_freq = freqs[rbelow(&g->r, 4)];
	g->cpu_mhz = mhz[rbelow(&g->r, 4)];
	if (o->have_start)
		g->start_time = o->start_time;
	else
		g->start_time = FT_2024 + (uint64_t)rbelow(&g->r, 365 * 86400) *
		                TICKS_PER_SEC + rbelow(&g->r, (uint32_t)TICKS_PER_SEC);
	uint64_t up = (uint64_t)rrange(&g->r, 600, 48 * 3600) * TICKS_PER_SEC +
	              rbelow(&g->r, (uint32_t)TICKS_PER_SEC);
	g->boot_time = g->start_time - up;
	switch (o->clock) {
	case CLOCK_QPC:
		g->freq = g->perf_freq;
		g->t0 = up / TICKS_PER_SEC * g->freq +
		        up % TICKS_PER_SEC * g->freq / TICKS_PER_SEC;
		break;
	case CLOCK_SYSTEM:
		g->freq = TICKS_PER_SEC;
		g->t0 = g->start_time;
		break;
	default:
		g->freq = (uint64_t)g->cpu_mhz * 1000000;
		g->t0 = up * g->cpu_mhz / 10;
		break;
	}
	g->now = g->t0;
}

/* The Extension record in buffer 0 comes 3 microseconds after T0. */
static uint64_t ext_ts_of(const struct gen *g)
{
	uint64_t per_us = g->freq / 1000000;
	return g->t0 + 3 * (per_us ? per_us : 1);
}

/* ---- the generation pass ------------------------------------------------ */

enum {
	K_SAMPLE, K_CSWITCH, K_DISKIO, K_TCP, K_PROC, K_THREAD, K_IMAGE,
	K_IMAGE_LEGACY, K_DISKIO32, K_KINDS
};

static int pick_kernel(struct gen *g)
{
	static const uint8_t w[K_KINDS] = { 30, 25, 14, 10, 3, 7, 8, 2, 1 };
	int kinds = g->psize == 8 ? K_KINDS : K_KINDS - 1;
	uint64_t k = g->counters[0]++;
	if (k < (uint64_t)kinds)
		return (int)k;
	uint32_t total = 0;
	for (int i = 0; i < kinds; i++)
		total += w[i];
	uint32_t x = rbelow(&g->r, total);
	int i = 0;
	while (x >= w[i]) {
		x -= w[i];
		i++;
	}
	return i;
}

/* One kernel event (or an event plus its stack); returns records built. */
static int gen_kernel(struct gen *g, uint64_t left, size_t *sizes)
{
	uint8_t *r = g->scratch;
	struct evx *e = &g->ev[0];
	int kind = pick_kernel(g);
	int nrec = 1;
	struct who w = pick_thread(g);
	switch (kind) {
	case K_SAMPLE:
		sizes[0] = k_sample(g, r, e, w.tid);
		break;
	case K_CSWITCH:
		sizes[0] = k_cswitch(g, r, e);
		break;
	case K_DISKIO:
		sizes[0] = k_diskio(g, r, e, 0);
		break;
	case K_DISKIO32:
		sizes[0] = k_diskio(g, r, e, 1);
		break;
	case K_TCP:
		sizes[0] = k_tcp(g, r, e);
		break;
	case K_PROC: {
		/* a new process replaces one of the user processes */
		int slot = (int)rrange(&g->r, 4, NPROC - 1);
		struct proc *p = &g->procs[slot];
		proc_fill(g, p, slot, w.pid);
		sizes[0] = k_process(g, r, e, p, 0x0301, w.tid, w.pid);
		break;
	}
	case K_THREAD: {
		struct proc *p = w.p;
		uint32_t tid = new_tid(g);
		if (p->ntid < NTHR)
			p->tid[p->ntid++] = tid;
		else
			p->tid[rbelow(&g->r, NTHR)] = tid;
		sizes[0] = k_thread(g, r, e, p, tid, 0x0501, w.tid, w.pid);
		break;
	}
	case K_IMAGE:
	case K_IMAGE_LEGACY:
		sizes[0] = k_image(g, r, e, w.p, (int)rbelow(&g->r, NIMG),
		                   kind == K_IMAGE ? 0x140A : 0x030A, w.tid, w.pid);
		break;
	}
	/* samples always, other events sometimes, carry a kernel stack */
	int want_stack = kind == K_SAMPLE || rbelow(&g->r, 8) == 0;
	if (want_stack && left >= 2 && kind != K_DISKIO32) {
		size_t off = align8(sizes[0]);
		uint32_t pid = e->nopid ? w.pid : e->pid;
		uint32_t tid = e->nopid ? w.tid : e->tid;
		sizes[1] = k_stack(g, r + off, &g->ev[1], e->raw, pid, tid);
		nrec = 2;
	}
	return nrec;
}

/* Rundown at the start of kernel traces: DCStart of every process, its
 * threads and images, then RDComplete.  Returns 0 when finished. */
struct rundown {
	int proc, phase, sub, done;
};

static int gen_rundown(struct gen *g, struct rundown *rd, size_t *sizes)
{
	uint8_t *r = g->scratch;
	struct evx *e = &g->ev[0];
	while (rd->proc < NPROC) {
		struct proc *p = &g->procs[rd->proc];
		if (rd->phase == 0) {
			rd->phase = 1;
			sizes[0] = k_process(g, r, e, p, 0x0303, g->ctl_tid,
			                     g->ctl_pid);
			return 1;
		}
		if (rd->phase == 1 && rd->sub < p->ntid) {
			sizes[0] = k_thread(g, r, e, p, p->tid[rd->sub++], 0x0503,
			                    g->ctl_tid, g->ctl_pid);
			return 1;
		}
		if (rd->phase == 1) {
			rd->phase = 2;
			rd->sub = 0;
		}
		if (rd->sub < NIMG) {
			sizes[0] = k_image(g, r, e, p, rd->sub++, 0x1403, g->ctl_tid,
			                   g->ctl_pid);
			return 1;
		}
		rd->proc++;
		rd->phase = 0;
		rd->sub = 0;
	}
	if (!rd->done) {
		rd->done = 1;
		sizes[0] = k_rdcomplete(g, r, e);
		return 1;
	}
	return 0;
}

static int gen_classic(struct gen *g, size_t *sizes)
{
	uint8_t *r = g->scratch;
	struct evx *e = &g->ev[0];
	/* 0 FULL, 1 INSTANCE, 2 MESSAGE, 3 STRING_ONLY, 4 FULL32 (64-bit only) */
	static const uint8_t w[5] = { 30, 25, 20, 15, 10 };
	int kinds = g->psize == 8 ? 5 : 4;
	uint64_t k = g->counters[3]++;
	int kind;
	if (k < (uint64_t)kinds) {
		kind = (int)k;
	} else {
		uint32_t total = g->psize == 8 ? 100 : 90;
		uint32_t x = rbelow(&g->r, total);
		kind = 0;
		while (x >= w[kind]) {
			x -= w[kind];
			kind++;
		}
	}
	int is64 = g->psize == 8;
	switch (kind) {
	case 0:
		sizes[0] = classic_event(g, r, e, is64 ? HT_FULL64 : HT_FULL32);
		break;
	case 1:
		sizes[0] = classic_event(g, r, e,
		                         is64 ? HT_INSTANCE64 : HT_INSTANCE32);
		break;
	case 2:
		sizes[0] = wpp_event(g, r, e);
		break;
	case 3:
		sizes[0] = string_only_event(g, r, e);
		break;
	default:
		sizes[0] = classic_event(g, r, e, HT_FULL32);
		break;
	}
	return 1;
}

static void write_header_expectations(struct gen *g);

static void run_pass(struct gen *g)
{
	const struct opts *o = g->o;
	rng_seed(&g->r, o->seed);
	g->seq = 0;
	g->data_buffers = 0;
	g->lost_flag_done = 0;
	g->events_done = 0;
	g->damaged_buffers = 0;
	g->dropped_events = 0;
	g->wpp_seq = 0;
	memset(g->counters, 0, sizeof g->counters);
	clock_init(g);
	world_init(g);
	for (unsigned i = 0; i < o->cpus; i++) {
		g->cpu[i].ordinal = 0;
		g->cpu[i].dmg_next = 0;
		buffer_start(g, i);
	}

	/* buffer 0 records: header at T0, extension just after; data events
	 * follow the extension */
	g->now = ext_ts_of(g);
	if (!g->dry)
		write_header_expectations(g);

	struct rundown rd = { 0, 0, 0, 0 };
	int rundown = o->mix == MIX_ALL || o->mix == MIX_KERNEL;
	uint64_t rundown_max = o->events / 4;
	size_t sizes[2];
	for (uint64_t i = 0; i < o->events;) {
		tick(g);
		evx_reset(&g->ev[0]);
		evx_reset(&g->ev[1]);
		int n = 0;
		if (rundown && i < rundown_max)
			n = gen_rundown(g, &rd, sizes);
		if (n == 0) {
			int cat;
			switch (o->mix) {
			case MIX_KERNEL: cat = 0; break;
			case MIX_MANIFEST: cat = 1; break;
			case MIX_TL: cat = 2; break;
			case MIX_CLASSIC: cat = 3; break;
			default: {
				uint32_t x = rbelow(&g->r, 100);
				cat = x < 45 ? 0 : x < 80 ? 1 : x < 92 ? 2 : 3;
			}
			}
			switch (cat) {
			case 0: n = gen_kernel(g, o->events - i, sizes); break;
			case 1:
				sizes[0] = m_event(g, g->scratch, &g->ev[0]);
				n = 1;
				break;
			case 2:
				sizes[0] = tl_event(g, g->scratch, &g->ev[0]);
				n = 1;
				break;
			default: n = gen_classic(g, sizes); break;
			}
		}
		unsigned cpu = rbelow(&g->r, o->cpus);
		place(g, cpu, sizes, n);
		i += (uint64_t)n;
	}

	/* final flush: every partial buffer, the last one gets FLUSH_MARKER */
	int last = -1;
	for (unsigned i = 0; i < o->cpus; i++)
		if (g->cpu[i].nrec)
			last = (int)i;
	g->now += g->freq / 1000;   /* flush a millisecond after the last event */
	for (unsigned i = 0; i < o->cpus; i++)
		flush_cpu(g, i, (int)i == last);
}

/* ---- buffer 0 and the expectation header -------------------------------- */

static uint32_t b0_records(struct gen *g, uint8_t *area, uint64_t end_time,
                           uint32_t buffers, struct evx *eh, struct evx *ee,
                           size_t *hsize)
{
	uint64_t ext_ts = ext_ts_of(g);
	size_t n1 = logfile_header(g, area, end_time, buffers, eh);
	size_t a1 = align8(n1);
	memset(area + n1, 0, a1 - n1);
	size_t n2 = extension_record(g, area + a1, ext_ts, ee);
	size_t a2 = align8(n2);
	memset(area + a1 + n2, 0, a2 - n2);
	*hsize = n1;
	return (uint32_t)(a1 + a2);
}

static void write_header_expectations(struct gen *g)
{
	if (!g->ex)
		return;
	struct evx eh, ee;
	memset(&eh, 0, sizeof eh);
	memset(&ee, 0, sizeof ee);
	uint8_t *area = xmalloc(0x1000);
	size_t hsize;
	b0_records(g, area, 0, 0, &eh, &ee, &hsize);
	/* the header's payload (EndTime, BuffersWritten) is final only at the
	 * end: write a placeholder hash and patch it then */
	fflush(g->ex);
	g->line.n = 0;
	long pos = ftell(g->ex);
	expect_line(g, &eh, area, 0, 1, 0);
	/* the hash column follows the 14th tab of the line */
	const char *s = g->line.p;
	int tabs = 0;
	size_t i = 0;
	for (; i < g->line.n && tabs < 14; i++)
		if (s[i] == '\t')
			tabs++;
	g->ex_hdr_fnv_pos = pos + (long)i;
	expect_line(g, &ee, area + align8(hsize), 0, 0, 0);
	free(area);
}

/* ---- manifest XML ------------------------------------------------------- */

static const char *const in_names[] = {
	NULL, "win:UnicodeString", "win:AnsiString", "win:Int8", "win:UInt8",
	"win:Int16", "win:UInt16", "win:Int32", "win:UInt32", "win:Int64",
	"win:UInt64", "win:Float", "win:Double", "win:Boolean", "win:Binary",
	"win:GUID", "win:Pointer", "win:FILETIME", "win:SYSTEMTIME", "win:SID",
	"win:HexInt32", "win:HexInt64"
};

static void xml_fields(FILE *f, const struct fdesc *fd, int first, int count,
                       const char *indent)
{
	int i = first;
	for (int k = 0; k < count; k++) {
		const struct fdesc *d = &fd[i];
		if (d->type == T_STRUCT) {
			fprintf(f, "%s<struct name=\"%s\"", indent, d->name);
			if (d->arr == A_REF)
				fprintf(f, " count=\"%s\"", fd[d->ref].name);
			else if (d->arr == A_CONST)
				fprintf(f, " count=\"%u\"", d->count);
			fprintf(f, ">\n");
			char sub[64];
			snprintf(sub, sizeof sub, "%s  ", indent);
			xml_fields(f, fd, i + 1, d->nmemb, sub);
			fprintf(f, "%s</struct>\n", indent);
			i += 1 + d->nmemb;
			continue;
		}
		fprintf(f, "%s<data name=\"%s\" inType=\"%s\"", indent, d->name,
		        in_names[d->type]);
		switch (d->out) {
		case O_HEX: fprintf(f, " outType=\"win:HexInt32\""); break;
		case O_IPV4: fprintf(f, " outType=\"win:IPv4\""); break;
		case O_PORT: fprintf(f, " outType=\"win:Port\""); break;
		case O_PID: fprintf(f, " outType=\"win:PID\""); break;
		}
		if (d->map)
			fprintf(f, " map=\"%s\"", d->map->name);
		if (d->type == T_BIN)
			fprintf(f, " length=\"%s\"", fd[d->ref].name);
		if (d->arr == A_REF)
			fprintf(f, " count=\"%s\"", fd[d->ref].name);
		else if (d->arr == A_CONST)
			fprintf(f, " count=\"%u\"", d->count);
		fprintf(f, "/>\n");
		i++;
	}
}

/* XML attribute text of UTF-8: escapes the five XML specials. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void write_manifest(const char *path)
{
	size_t plen = strlen(path);
	char *tmp = xmalloc(plen + 8);
	snprintf(tmp, plen + 8, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		die("%s: %s", tmp, strerror(errno));
	tmp_paths[2] = tmp;
	fprintf(f,
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<!-- Manifest of the manifest-based provider written by etlgen, etlkit's\n"
"     synthetic trace generator.  Every event of Etlkit-Synthetic in an\n"
"     etlgen trace decodes exactly with it. -->\n"
"<instrumentationManifest xmlns=\"http://schemas.microsoft.com/win/2004/08/events\"\n"
"    xmlns:win=\"http://manifests.microsoft.com/win/2004/08/windows/events\"\n"
"    xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
"    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
"  <instrumentation>\n"
"    <events>\n"
"      <provider name=\"Etlkit-Synthetic\" guid=\"{%s}\" symbol=\"ETLKIT_SYNTHETIC\"\n"
"          resourceFileName=\"etlgen.dll\" messageFileName=\"etlgen.dll\"\n"
"          message=\"$(string.Provider.Name)\">\n", guids[G_MANIFEST].s);
	fprintf(f,
"        <channels>\n"
"          <channel chid=\"Etlkit-Synthetic/Operational\" name=\"Etlkit-Synthetic/Operational\"\n"
"              type=\"Operational\" value=\"16\" enabled=\"true\" message=\"$(string.Channel.Operational)\"/>\n"
"          <channel chid=\"Etlkit-Synthetic/Debug\" name=\"Etlkit-Synthetic/Debug\"\n"
"              type=\"Debug\" value=\"17\" message=\"$(string.Channel.Debug)\"/>\n"
"        </channels>\n"
"        <levels>\n"
"          <level name=\"Detail\" value=\"16\" message=\"$(string.Level.Detail)\"/>\n"
"        </levels>\n"
"        <tasks>\n"
"          <task name=\"Request\" value=\"1\" eventGUID=\"{%s}\" message=\"$(string.Task.Request)\">\n"
"            <opcodes>\n"
"              <opcode name=\"Accept\" value=\"10\" message=\"$(string.Opcode.Request.Accept)\"/>\n"
"              <opcode name=\"Complete\" value=\"11\" message=\"$(string.Opcode.Request.Complete)\"/>\n"
"            </opcodes>\n"
"          </task>\n"
"          <task name=\"Io\" value=\"2\" message=\"$(string.Task.Io)\"/>\n"
"          <task name=\"Config\" value=\"3\" message=\"$(string.Task.Config)\"/>\n"
"          <task name=\"Data\" value=\"4\" message=\"$(string.Task.Data)\"/>\n"
"          <task name=\"Diag\" value=\"5\" message=\"$(string.Task.Diag)\"/>\n"
"        </tasks>\n"
"        <opcodes>\n"
"          <opcode name=\"Checkpoint\" value=\"20\" message=\"$(string.Opcode.Checkpoint)\"/>\n"
"        </opcodes>\n"
"        <keywords>\n"
"          <keyword name=\"Network\" mask=\"0x1\" message=\"$(string.Keyword.Network)\"/>\n"
"          <keyword name=\"Disk\" mask=\"0x2\" message=\"$(string.Keyword.Disk)\"/>\n"
"          <keyword name=\"Config\" mask=\"0x4\" message=\"$(string.Keyword.Config)\"/>\n"
"          <keyword name=\"Diagnostic\" mask=\"0x8\" message=\"$(string.Keyword.Diagnostic)\"/>\n"
"          <keyword name=\"Data\" mask=\"0x10\" message=\"$(string.Keyword.Data)\"/>\n"
"        </keywords>\n"
"        <maps>\n", guids[G_REQUEST_TASK].s);
	const struct mapdef *maps[2] = { &map_state, &map_access };
	for (int m = 0; m < 2; m++) {
		const struct mapdef *md = maps[m];
		fprintf(f, "          <%s name=\"%s\">\n",
		        md->bitmap ? "bitMap" : "valueMap", md->name);
		for (int i = 0; i < md->n; i++) {
			if (md->bitmap)
				fprintf(f, "            <map value=\"0x%x\""
				        " message=\"$(string.Map.%s.%s)\"/>\n",
				        md->e[i].value, md->name, md->e[i].name);
			else
				fprintf(f, "            <map value=\"%u\""
				        " message=\"$(string.Map.%s.%s)\"/>\n",
				        md->e[i].value, md->name, md->e[i].name);
		}
		fprintf(f, "          </%s>\n", md->bitmap ? "bitMap" : "valueMap");
	}
	fprintf(f, "        </maps>\n        <templates>\n");
	for (int i = 0; i < N_MEVENTS; i++) {
		const struct mevent *m = &mevents[i];
		if (m->tid == NULL)
			continue;
		fprintf(f, "          <template tid=\"%s\">\n", m->tid);
		xml_fields(f, m->f, 0, top_count(m->f, m->nf), "            ");
		fprintf(f, "          </template>\n");
	}
	fprintf(f, "        </templates>\n        <events>\n");
	for (int i = 0; i < N_MEVENTS; i++) {
		const struct mevent *m = &mevents[i];
		fprintf(f, "          <event value=\"%u\" version=\"%u\""
		        " name=\"%s\" symbol=\"%s_V%u\"\n"
		        "              channel=\"%s\" level=\"%s\" task=\"%s\"",
		        m->id, m->version, m->name, m->name, m->version, m->chan_ref,
		        m->level_ref, m->task_ref);
		if (strcmp(m->opcode_ref, "win:Info") != 0)
			fprintf(f, " opcode=\"%s\"", m->opcode_ref);
		fprintf(f, " keywords=\"%s\"", m->kw_ref);
		if (m->tid)
			fprintf(f, " template=\"%s\"", m->tid);
		fprintf(f, "\n              message=\"$(string.Event.%s.%u)\"/>\n",
		        m->name, m->version);
	}
	fprintf(f,
"        </events>\n"
"      </provider>\n"
"    </events>\n"
"  </instrumentation>\n"
"  <localization>\n"
"    <resources culture=\"en-US\">\n"
"      <stringTable>\n"
"        <string id=\"Provider.Name\" value=\"Etlkit synthetic provider\"/>\n"
"        <string id=\"Channel.Operational\" value=\"Operational\"/>\n"
"        <string id=\"Channel.Debug\" value=\"Debug\"/>\n"
"        <string id=\"Level.Detail\" value=\"Detail\"/>\n"
"        <string id=\"Task.Request\" value=\"Request\"/>\n"
"        <string id=\"Task.Io\" value=\"I/O\"/>\n"
"        <string id=\"Task.Config\" value=\"Configuration\"/>\n"
"        <string id=\"Task.Data\" value=\"Data\"/>\n"
"        <string id=\"Task.Diag\" value=\"Diagnostics\"/>\n"
"        <string id=\"Opcode.Request.Accept\" value=\"Accept\"/>\n"
"        <string id=\"Opcode.Request.Complete\" value=\"Complete\"/>\n"
"        <string id=\"Opcode.Checkpoint\" value=\"Checkpoint\"/>\n"
"        <string id=\"Keyword.Network\" value=\"Network\"/>\n"
"        <string id=\"Keyword.Disk\" value=\"Disk\"/>\n"
"        <string id=\"Keyword.Config\" value=\"Config\"/>\n"
"        <string id=\"Keyword.Diagnostic\" value=\"Diagnostic\"/>\n"
"        <string id=\"Keyword.Data\" value=\"Data\"/>\n");
	for (int m = 0; m < 2; m++)
		for (int i = 0; i < maps[m]->n; i++)
			fprintf(f, "        <string id=\"Map.%s.%s\" value=\"%s\"/>\n",
			        maps[m]->name, maps[m]->e[i].name, maps[m]->e[i].name);
	for (int i = 0; i < N_MEVENTS; i++) {
		fprintf(f, "        <string id=\"Event.%s.%u\" value=\"",
		        mevents[i].name, mevents[i].version);
		xml_text(f, mevents[i].message);
		fprintf(f, "\"/>\n");
	}
	fprintf(f,
"      </stringTable>\n"
"    </resources>\n"
"  </localization>\n"
"</instrumentationManifest>\n");
	if (ferror(f) | fclose(f))
		die("%s: write failed", tmp);
	if (rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
	tmp_paths[2] = NULL;
	free(tmp);
}

/* ---- damage plan -------------------------------------------------------- */

static int dmg_cmp(const void *a, const void *b)
{
	const struct dmg *x = a, *y = b;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

/* Chooses the damaged buffers from the dry run's flush log.  A separate
 * PRNG stream keeps the event stream identical between the passes. */
static void plan_damage(struct gen *g)
{
	size_t nb = g->nflog;
	g->dmg = xcalloc(g->o->damage < nb ? g->o->damage : nb, sizeof *g->dmg);
	g->ndmg = 0;
	if (nb == 0)
		return;
	struct rng dr;
	rng_seed(&dr, g->o->seed ^ 0xDA3A6EB0FFEE1234ULL);
	uint32_t *perm = xmalloc(nb * sizeof *perm);
	for (size_t i = 0; i < nb; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = nb - 1; i > 0; i--) {
		size_t k = rbelow(&dr, (uint32_t)(i + 1));
		uint32_t t = perm[i];
		perm[i] = perm[k];
		perm[k] = t;
	}
	int want_b = 0;
	for (size_t i = 0; i < nb && g->ndmg < g->o->damage; i++) {
		const struct flushlog *fl = &g->flog[perm[i]];
		struct dmg d = { fl->cpu, fl->ordinal, 1, 0 };
		if (want_b) {
			if (fl->nrec < 3)
				continue;
			d.kind = 2;
			d.k = rrange(&dr, 1, fl->nrec - 1);
		}
		g->dmg[g->ndmg++] = d;
		want_b = !want_b;
	}
	free(perm);
	qsort(g->dmg, g->ndmg, sizeof *g->dmg, dmg_cmp);
}

/* ---- main --------------------------------------------------------------- */

static char *tmp_name(const char *path)
{
	size_t n = strlen(path) + 16;
	char *t = xmalloc(n);
	snprintf(t, n, "%s.tmp%ld", path, (long)getpid());
	return t;
}

/* Logger name and log file name: "C:\traces\<basename of -o>". */
static void names_init(struct gen *g)
{
	const char *base = strrchr(g->o->out, '/');
	base = base ? base + 1 : g->o->out;
	size_t n = strlen(base) + 16;
	char *lf = xmalloc(n);
	snprintf(lf, n, "C:\\traces\\%s", base);
	g->logger_name = pstr_new("EtlgenSession");
	g->logfile_name = pstr_new(lf);
	/* keep buffer 0 within the smallest buffer size */
	if (g->logfile_name->wunits > 120)
		g->logfile_name->wunits = 120;
}

int main(int argc, char **argv)
{
	struct opts o;
	parse_opts(argc, argv, &o);

	for (int i = 0; i < G_COUNT; i++)
		guid_parse(&guids[i], guid_texts[i]);
	pool_init();
	for (int i = 0; i < NF(proc_names); i++) {
		proc_name_str[i] = pstr_new(proc_names[i]);
		cmdline_str[i] = pstr_new(cmdlines[i]);
	}
	for (int i = 0; i < N_IMAGE_FILES; i++)
		image_str[i] = pstr_new(image_files[i]);
	tl_build();

	static struct gen gs;
	struct gen *g = &gs;
	g->o = &o;
	g->psize = o.psize;
	g->scratch = xmalloc(SCRATCH_SIZE);
	for (unsigned i = 0; i < o.cpus; i++)
		g->cpu[i].buf = xmalloc(o.bufsize);
	g->ev[0].props.p = NULL;
	names_init(g);

	if (o.manifest_out)
		write_manifest(o.manifest_out);

	/* buffer 0: reserved now, written at the end */
	g->b0 = xmalloc(o.bufsize);
	{
		struct evx eh, ee;
		memset(&eh, 0, sizeof eh);
		memset(&ee, 0, sizeof ee);
		size_t hs;
		g->b0_fill = BUF_HDR + b0_records(g, g->b0 + BUF_HDR, 0, 0, &eh, &ee,
		                                  &hs);
		g->b0_phys = o.compress ? (g->b0_fill + 511) & ~511u : o.bufsize;
		if (g->b0_phys > o.bufsize)
			g->b0_phys = o.bufsize;
	}
	if (o.compress) {
		g->zbuf = xmalloc(BUF_HDR + lz77_bound(o.bufsize));
		g->lz.tab = xcalloc((size_t)1 << LZ_HBITS, sizeof(uint32_t));
	}
	g->wcap = 1 << 20;
	g->wbuf = xmalloc(g->wcap);
	g->tmp_path = tmp_name(o.out);
	g->fd = open(g->tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (g->fd < 0)
		die("%s: %s", g->tmp_path, strerror(errno));
	tmp_paths[0] = g->tmp_path;
	memset(g->b0, 0, g->b0_phys);
	out_write(g, g->b0, g->b0_phys);

	if (o.expect_out) {
		g->ex_tmp = tmp_name(o.expect_out);
		g->ex = fopen(g->ex_tmp, "w");
		if (g->ex == NULL)
			die("%s: %s", g->ex_tmp, strerror(errno));
		tmp_paths[1] = g->ex_tmp;
		static char exbuf[1 << 20];
		setvbuf(g->ex, exbuf, _IOFBF, sizeof exbuf);
		fputs("# etlgen expect v1\n", g->ex);
	}

	if (o.damage) {
		g->dry = 1;
		g->want = 0;
		run_pass(g);
		plan_damage(g);
		g->dry = 0;
	}
	g->want = g->ex != NULL;
	run_pass(g);
	out_flush(g);

	/* buffer 0 with the final counters */
	uint32_t buffers = (uint32_t)(1 + g->data_buffers);
	uint64_t end_time = ft_of(g, g->now) + 10000 * rrange(&g->r, 1, 20);
	struct evx eh, ee;
	memset(&eh, 0, sizeof eh);
	memset(&ee, 0, sizeof ee);
	size_t hsize;
	uint32_t fill = BUF_HDR + b0_records(g, g->b0 + BUF_HDR, end_time, buffers,
	                                     &eh, &ee, &hsize);
	memset(g->b0 + fill, 0xFF, g->b0_phys - fill);
	uint16_t bflags = BF_FLUSH_MARKER;
	uint32_t cc;
	uint32_t saved = fill, current = fill;
	if (o.compress) {
		cc = 0;               /* as the relogger writes it */
		current = 0;
	} else if (g->psize == 8) {
		cc = (uint32_t)LOGGER_ID << 16;
		bflags |= BF_PROC_INDEX;
	} else {
		cc = (uint32_t)LOGGER_ID << 16 | 8u << 8;
		saved = 0;            /* Windows 7 leaves it 0 in buffer 0 */
	}
	put_buffer_header(g->b0, g->b0_phys, saved, current, 0, 0, cc, fill, bflags,
	                  4);
	if (pwrite(g->fd, g->b0, g->b0_phys, 0) != (ssize_t)g->b0_phys)
		die("%s: write failed: %s", g->tmp_path, strerror(errno));
	if (close(g->fd) != 0)
		die("%s: %s", g->tmp_path, strerror(errno));
	if (rename(g->tmp_path, o.out) != 0)
		die("%s: %s", o.out, strerror(errno));
	tmp_paths[0] = NULL;

	if (g->ex) {
		fprintf(g->ex, "# damaged_buffers=%llu dropped_events=%llu "
		        "events_lost=%u buffers=%u\n",
		        (unsigned long long)g->damaged_buffers,
		        (unsigned long long)g->dropped_events, o.lost, buffers);
		if (fflush(g->ex) != 0)
			die("%s: write failed", g->ex_tmp);
		char h[17];
		snprintf(h, sizeof h, "%016llx",
		         (unsigned long long)fnv1a64(g->b0 + BUF_HDR + eh.poff,
		                                     eh.plen));
		if (fseek(g->ex, g->ex_hdr_fnv_pos, SEEK_SET) != 0 ||
		    fwrite(h, 1, 16, g->ex) != 16)
			die("%s: write failed", g->ex_tmp);
		if (ferror(g->ex) | fclose(g->ex))
			die("%s: write failed", g->ex_tmp);
		if (rename(g->ex_tmp, o.expect_out) != 0)
			die("%s: %s", o.expect_out, strerror(errno));
		tmp_paths[1] = NULL;
	}
	return 0;
}
