/*
 * trace.c - opening traces, walking their buffers, and delivering events in
 * time order (etl-format.md §1, §2, §5, §6, §7).
 *
 * An ETL file is a concatenation of buffers, each a 0x48-byte
 * WMI_BUFFER_HEADER followed by 8-byte aligned records:
 *
 *   0x00 u32 BufferSize   physical size: the step to the next buffer
 *   0x30 u32 Offset       filled length incl. this header (the record area end)
 *   0x28 u8/u16           CPU: u16 ProcessorIndex when BufferFlag & 0x20,
 *                         else u8 ProcessorNumber
 *   0x34 u16 BufferFlag   0x01 flush marker, 0x02 events lost, 0x04 buffer lost,
 *                         0x20 processor index, 0x40 compressed (MS-XCA LZ77)
 *   0x36 u16 BufferType   4 = header buffer (buffer 0)
 *
 * Opening walks the buffer headers once (a few bytes per buffer) and links the
 * buffers of each CPU of each file into a stream.  Reading keeps one decoded
 * buffer per stream and merges the streams' current records with a binary
 * heap keyed by (FILETIME, file, raw time, buffer offset, record offset), so
 * memory is one buffer per CPU plus 32 bytes per buffer of index, whatever the
 * trace size.  Records are parsed in place: no per-event allocation.
 *
 * Damage never stops the rest of the file: a buffer with an impossible header
 * is skipped (by its size, or by the logical buffer size in uncompressed
 * files), a damaged record ends its buffer, and each case is counted and
 * reported through the warning callback with the file, buffer and offset.
 */
#define _GNU_SOURCE /* qsort_r */
#define ETLKIT_INTERNAL
#include "record.h"
#include "xpress.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_BINARY
#define O_BINARY 0
#endif

#define BUF_HDR 0x48u
#define MAX_BUFFER_SIZE (64u << 20)   /* 16 MiB is Windows' maximum */
#define MAX_CPUS 4096u                /* distinct processor numbers per file */
#define MAX_FILES 65536u
#define NO_BUF UINT32_MAX
#define MAX_BUFFERS (UINT32_MAX - 1)
/* Decompressed buffers held at once, all streams together.  A compressed
 * buffer of a few bytes can inflate to the full logical size (one match
 * token of length 2^32), and the merge keeps one buffer per processor: 4096
 * processors x 64 MiB from a file of a few hundred KiB.  Real traces need
 * processors x buffer size, e.g. 64 x 16 MiB. */
#define MAX_DECODED_TOTAL ((size_t)1 << 30)

struct bufref {
	uint64_t off;
	uint32_t phys;      /* bytes present in the file */
	uint32_t next;      /* next buffer of the same stream */
	int64_t first_raw;  /* first record's raw time; INT64_MIN if unknown */
	uint32_t cpu;
	uint32_t truncated; /* the file ends inside this buffer */
};

struct file {
	char *path;
	int fd;
	const uint8_t *mem;
	etl_trace_info info;
	int64_t t0;          /* raw time of the logfile header record */
	int64_t freq;        /* raw units per second */
	uint32_t logical;    /* logical (uncompressed) buffer size */
	struct bufref *bufs;
	uint32_t nbufs, capbufs;
	uint64_t walk_damaged;  /* damaged buffers found while indexing */
};

struct stream {
	struct file *f;
	uint32_t file_index;
	uint32_t cpu;
	uint32_t first_buf;
	uint32_t next_buf;   /* buffer to load when the current one ends */
	uint32_t cur_buf;
	const uint8_t *area; /* record area of the current buffer */
	size_t area_len;
	size_t pos;          /* next record in area */
	uint16_t buf_flag;
	uint8_t *own;        /* decoded buffer when not read in place */
	size_t own_cap;
	int64_t last_raw;
	etl_ext_vec ext;
	etl_event ev;
};

struct etl_trace {
	struct file *files;
	size_t nfiles;
	struct stream *streams;
	size_t nstreams;
	struct stream **heap;
	size_t nheap;
	struct stream *delivered;
	uint8_t *scratch;
	size_t scratch_cap;
	size_t decoded_total;   /* bytes of stream->own grown for decompression */
	etl_open_options opt;
	bool quiet;
	etl_scan_fn scan;       /* etl_trace_set_scan() */
	char errmsg[512];
};

/* ---- messages ---------------------------------------------------------------- */

static void warn(etl_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(etl_trace *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->errmsg, sizeof t->errmsg, fmt, ap);
	va_end(ap);
	if (t->opt.warning && !t->quiet)
		t->opt.warning(t->opt.warning_ctx, t->errmsg);
}

/* ---- reading bytes ----------------------------------------------------------- */

/* Returns the n bytes at off: a pointer into memory for memory traces, else
 * read into *buf (grown to at least n).  NULL on a short read or error. */
static const uint8_t *file_bytes(struct file *f, uint64_t off, size_t n,
                                 uint8_t **buf, size_t *cap)
{
	if (off > f->info.file_size || n > f->info.file_size - off)
		return NULL;
	if (f->mem)
		return f->mem + off;
	if (n > *cap) {
		uint8_t *p = realloc(*buf, n);
		if (!p)
			return NULL;
		*buf = p;
		*cap = n;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(f->fd, *buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		got += (size_t)r;
	}
	return *buf;
}

/* ---- time --------------------------------------------------------------------- */

/* FILETIME = StartTime + floor((raw - T0) * 10^7 / F), exactly, as ProcessTrace
 * and TraceEvent compute it; saturates instead of overflowing on absurd input. */
static int64_t to_filetime(const struct file *f, int64_t raw)
{
	/* 64-bit arithmetic while it cannot overflow (a 10 MHz clock, the usual
	 * QPC rate, needs no division at all); 128-bit otherwise */
	int64_t d64, ft64;
	if (!__builtin_sub_overflow(raw, f->t0, &d64) && d64 > -922337203685 &&
	    d64 < 922337203685) {
		int64_t q64;
		if (f->freq == 10000000) {
			q64 = d64;
		} else {
			int64_t num = d64 * 10000000;
			q64 = num / f->freq;
			if (num % f->freq != 0 && num < 0)
				q64 -= 1;
		}
		if (!__builtin_add_overflow(q64, f->info.start_time, &ft64))
			return ft64;
	}
	__int128 d = (__int128)raw - f->t0;
	__int128 num = d * 10000000;
	__int128 q = num / f->freq;
	if (num % f->freq != 0 && num < 0)
		q -= 1;
	__int128 ft = q + f->info.start_time;
	if (ft > INT64_MAX)
		return INT64_MAX;
	if (ft < INT64_MIN)
		return INT64_MIN;
	return (int64_t)ft;
}

/* ---- the logfile header ------------------------------------------------------- */

static void read_systemtime(const uint8_t *p, etl_systemtime *st)
{
	st->year = etl_le16(p);
	st->month = etl_le16(p + 2);
	st->day_of_week = etl_le16(p + 4);
	st->day = etl_le16(p + 6);
	st->hour = etl_le16(p + 8);
	st->minute = etl_le16(p + 10);
	st->second = etl_le16(p + 12);
	st->milliseconds = etl_le16(p + 14);
}

/* TIME_ZONE_INFORMATION, 0xAC bytes (etl-format.md §2.3). */
static void read_time_zone(const uint8_t *p, etl_time_zone *tz)
{
	tz->bias = (int32_t)etl_le32(p);
	etl_utf16_to_utf8(p + 0x04, 32, tz->standard_name, sizeof tz->standard_name);
	read_systemtime(p + 0x44, &tz->standard_date);
	tz->standard_bias = (int32_t)etl_le32(p + 0x54);
	etl_utf16_to_utf8(p + 0x58, 32, tz->daylight_name, sizeof tz->daylight_name);
	read_systemtime(p + 0x98, &tz->daylight_date);
	tz->daylight_bias = (int32_t)etl_le32(p + 0xA8);
}

/*
 * TRACE_LOGFILE_HEADER, the payload of the first record of buffer 0
 * (etl-format.md §2.2).  Only the two pointer slots depend on the width:
 *
 *   64-bit 32-bit
 *   0x00   0x00   u32 BufferSize, u32 Version, u32 ProviderVersion,
 *                 u32 NumberOfProcessors, i64 EndTime, u32 TimerResolution,
 *                 u32 MaximumFileSize, u32 LogFileMode, u32 BuffersWritten,
 *                 u32 StartBuffers, u32 PointerSize, u32 EventsLost,
 *                 u32 CpuSpeedInMHz
 *   0x38   0x38   LoggerName, LogFileName pointer slots (P bytes each)
 *   0x48   0x40   TIME_ZONE_INFORMATION (0xAC) + 4 bytes of padding
 *   0xF8   0xF0   i64 BootTime, i64 PerfFreq, i64 StartTime,
 *                 u32 ReservedFlags (clock type), u32 BuffersLost
 *   0x118  0x110  logger name, log file name: NUL-terminated UTF-16LE
 */
static etl_status parse_logfile_header(struct file *f, const uint8_t *rec, size_t rsize,
                                       bool is64, char *err, size_t errsz)
{
	size_t fixed = is64 ? 0x118 : 0x110;
	size_t ps = is64 ? 8 : 4;
	if (rsize < 0x20 + fixed) {
		etl_msg(err, errsz, "%s: logfile header record at offset 0x48 is %zu bytes, need %zu",
		        f->path, rsize, 0x20 + fixed);
		return ETL_ERR_FORMAT;
	}
	const uint8_t *h = rec + 0x20;
	etl_trace_info *in = &f->info;
	in->buffer_size = etl_le32(h);
	in->os_major = h[4];
	in->os_minor = h[5];
	in->layout_major = h[6];
	in->layout_minor = h[7];
	in->provider_version = etl_le32(h + 0x08);
	in->number_of_processors = etl_le32(h + 0x0C);
	in->end_time = (int64_t)etl_le64(h + 0x10);
	in->timer_resolution = etl_le32(h + 0x18);
	in->maximum_file_size = etl_le32(h + 0x1C);
	in->log_file_mode = etl_le32(h + 0x20);
	in->buffers_written = etl_le32(h + 0x24);
	in->start_buffers = etl_le32(h + 0x28);
	in->pointer_size = etl_le32(h + 0x2C);
	in->events_lost = etl_le32(h + 0x30);
	in->cpu_speed_mhz = etl_le32(h + 0x34);
	in->logger_name_slot = is64 ? etl_le64(h + 0x38) : etl_le32(h + 0x38);
	in->log_file_name_slot = is64 ? etl_le64(h + 0x40) : etl_le32(h + 0x3C);
	size_t o = 0x38 + 2 * ps;
	read_time_zone(h + o, &in->time_zone);
	o += 0xB0;
	in->boot_time = (int64_t)etl_le64(h + o);
	in->perf_freq = (int64_t)etl_le64(h + o + 8);
	in->start_time = (int64_t)etl_le64(h + o + 16);
	in->clock_type = etl_le32(h + o + 24);
	in->buffers_lost = etl_le32(h + o + 28);

	const uint8_t *s = h + fixed;
	size_t left = (rsize - 0x20 - fixed) / 2;
	bool term;
	size_t n = etl_utf16_strnlen(s, left, &term);
	etl_utf16_to_utf8(s, n, in->logger_name, sizeof in->logger_name);
	if (term) {
		s += 2 * (n + 1);
		left -= n + 1;
		n = etl_utf16_strnlen(s, left, &term);
		etl_utf16_to_utf8(s, n, in->log_file_name, sizeof in->log_file_name);
	}
	if (in->pointer_size != ps)
		in->pointer_size = (uint32_t)ps; /* the header type decides the layout */
	return ETL_OK;
}

/* Raw-time units per second for the file's clock (etl-format.md §5.1). */
static int64_t clock_frequency(const etl_trace_info *in)
{
	switch (in->clock_type) {
	case ETL_CLOCK_SYSTEM_TIME:
		return 10000000;
	case ETL_CLOCK_CPU_CYCLE:
		if (in->cpu_speed_mhz)
			return (int64_t)in->cpu_speed_mhz * 1000000;
		break;
	default:
		break;
	}
	if (in->perf_freq > 0)
		return in->perf_freq;
	return 10000000;
}

/* ---- the buffer walk ---------------------------------------------------------- */

static uint32_t buffer_cpu(const uint8_t *h)
{
	uint16_t flag = etl_le16(h + 0x34);
	return (flag & 0x20) ? etl_le16(h + 0x28) : h[0x28];
}

/* Raw time of the first record when it can be read without decompressing. */
static int64_t first_record_time(const uint8_t *h, size_t n)
{
	if (n < BUF_HDR + 0x18)
		return INT64_MIN;
	const uint8_t *r = h + BUF_HDR;
	uint8_t flags = r[3], type = r[2];
	if ((flags & 0xC0) != 0xC0)
		return INT64_MIN;
	if (type == 0x10 || type == 0x11)
		return (int64_t)etl_le64(r + 8);
	switch (type) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x0A: case 0x14:
	case 0x0B: case 0x15: case 0x12: case 0x13:
		return (int64_t)etl_le64(r + 16);
	}
	return INT64_MIN;
}

static bool add_buf(struct file *f, const struct bufref *b)
{
	if (f->nbufs == f->capbufs) {
		if (f->capbufs >= MAX_BUFFERS / 2)
			return false;
		uint32_t cap = f->capbufs ? f->capbufs * 2 : 64;
		struct bufref *p = realloc(f->bufs, cap * sizeof(*p));
		if (!p)
			return false;
		f->bufs = p;
		f->capbufs = cap;
	}
	f->bufs[f->nbufs++] = *b;
	return true;
}

static etl_status walk_buffers(etl_trace *t, struct file *f)
{
	uint64_t size = f->info.file_size, off = 0;
	uint8_t *hb = NULL;
	size_t hcap = 0;
	etl_status st = ETL_OK;
	bool compressed_mode = (f->info.log_file_mode & 0x04000000u) != 0;

	while (size - off >= BUF_HDR) {
		uint64_t index = f->nbufs;
		size_t want = size - off < BUF_HDR + 0x18 ? BUF_HDR : BUF_HDR + 0x18;
		const uint8_t *h = file_bytes(f, off, want, &hb, &hcap);
		if (!h) {
			warn(t, "%s: buffer %llu @0x%llx: read failed: %s; rest of file ignored",
			     f->path, (unsigned long long)index, (unsigned long long)off,
			     strerror(errno ? errno : EIO));
			f->info.damaged_buffers++;
			break;
		}
		uint32_t bsize = etl_le32(h);
		uint32_t filled = etl_le32(h + 0x30);
		uint16_t flag = etl_le16(h + 0x34);
		bool compressed = (flag & 0x40) != 0;

		if (bsize < BUF_HDR || bsize > MAX_BUFFER_SIZE) {
			/* without a usable size the next buffer can only be found in
			 * files whose buffers all have the logical size */
			bool blank = bsize == 0 || bsize == 0xFFFFFFFFu;
			if (!compressed_mode && f->logical >= BUF_HDR && size - off > f->logical) {
				warn(t, "%s: buffer %llu @0x%llx: invalid buffer size %u; skipped %u bytes",
				     f->path, (unsigned long long)index, (unsigned long long)off,
				     bsize, f->logical);
				f->info.damaged_buffers++;
				off += f->logical;
				continue;
			}
			if (!blank)
				f->info.damaged_buffers++;
			warn(t, "%s: buffer %llu @0x%llx: invalid buffer size %u; last %llu bytes ignored",
			     f->path, (unsigned long long)index, (unsigned long long)off, bsize,
			     (unsigned long long)(size - off));
			break;
		}
		struct bufref b = { off, bsize, NO_BUF, INT64_MIN, 0, 0 };
		if (bsize > size - off) {
			b.phys = (uint32_t)(size - off);
			b.truncated = 1;
			warn(t, "%s: buffer %llu @0x%llx: file ends after %u of its %u bytes",
			     f->path, (unsigned long long)index, (unsigned long long)off, b.phys, bsize);
			f->info.damaged_buffers++;
			if (compressed)
				break;
		}
		bool bad = false;
		if (compressed)
			bad = filled < BUF_HDR || filled - BUF_HDR > f->logical;
		else
			bad = filled < BUF_HDR || filled > bsize;
		uint32_t cpu = index == 0 ? 0 : buffer_cpu(h);
		if (!bad && cpu >= MAX_CPUS)
			bad = true;
		if (bad) {
			warn(t, "%s: buffer %llu @0x%llx: invalid header (size %u, filled %u, flags 0x%04x, cpu %u); buffer skipped",
			     f->path, (unsigned long long)index, (unsigned long long)off, bsize,
			     filled, flag, cpu);
			if (!b.truncated)
				f->info.damaged_buffers++;
			off += b.phys;
			continue;
		}
		b.cpu = cpu;
		if (!compressed)
			b.first_raw = first_record_time(h, filled < want ? filled : want);
		else
			f->info.compressed_buffers++;
		if (flag & 0x06)
			f->info.lost_buffer_flags++;
		if (!add_buf(f, &b)) {
			st = ETL_ERR_NOMEM;
			break;
		}
		off += b.phys;
	}
	if (f->mem == NULL)
		free(hb);
	f->info.buffers = f->nbufs;
	f->walk_damaged = f->info.damaged_buffers;
	return st;
}

/* Links each CPU's buffers into one stream; a CPU whose buffers are not in
 * time order in the file (circular logs) gets them sorted by first time. */
static int cmp_first_raw(const void *a, const void *b, void *ctx)
{
	const struct bufref *bufs = ctx;
	const uint32_t *x = a, *y = b;
	int64_t tx = bufs[*x].first_raw, ty = bufs[*y].first_raw;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return *x < *y ? -1 : *x > *y;
}

static etl_status build_streams(etl_trace *t, struct file *f, uint32_t file_index)
{
	uint32_t *first = malloc(MAX_CPUS * sizeof(uint32_t));
	uint32_t *last = malloc(MAX_CPUS * sizeof(uint32_t));
	uint8_t *unordered = calloc(MAX_CPUS, 1);
	etl_status st = ETL_OK;
	if (!first || !last || !unordered) {
		st = ETL_ERR_NOMEM;
		goto out;
	}
	for (uint32_t c = 0; c < MAX_CPUS; c++)
		first[c] = last[c] = NO_BUF;
	uint32_t ncpu = 0;
	for (uint32_t i = 0; i < f->nbufs; i++) {
		uint32_t c = f->bufs[i].cpu;
		if (first[c] == NO_BUF) {
			first[c] = i;
			ncpu++;
		} else {
			struct bufref *prev = &f->bufs[last[c]];
			prev->next = i;
			if (prev->first_raw != INT64_MIN && f->bufs[i].first_raw != INT64_MIN &&
			    f->bufs[i].first_raw < prev->first_raw)
				unordered[c] = 1;
		}
		last[c] = i;
	}
	struct stream *ns = realloc(t->streams, (t->nstreams + ncpu) * sizeof(*ns));
	if (!ns) {
		st = ETL_ERR_NOMEM;
		goto out;
	}
	t->streams = ns;
	for (uint32_t c = 0; c < MAX_CPUS; c++) {
		if (first[c] == NO_BUF)
			continue;
		if (unordered[c]) {
			size_t n = 0;
			for (uint32_t i = first[c]; i != NO_BUF; i = f->bufs[i].next)
				n++;
			uint32_t *idx = malloc(n * sizeof(*idx));
			if (!idx) {
				st = ETL_ERR_NOMEM;
				goto out;
			}
			n = 0;
			for (uint32_t i = first[c]; i != NO_BUF; i = f->bufs[i].next)
				idx[n++] = i;
			qsort_r(idx, n, sizeof(*idx), cmp_first_raw, f->bufs);
			for (size_t k = 0; k < n; k++)
				f->bufs[idx[k]].next = k + 1 < n ? idx[k + 1] : NO_BUF;
			first[c] = idx[0];
			free(idx);
			warn(t, "%s: the buffers of cpu %u are out of time order (circular log?); reordered",
			     f->path, c);
		}
		struct stream *s = &t->streams[t->nstreams++];
		memset(s, 0, sizeof(*s));
		s->f = f;
		s->file_index = file_index;
		s->cpu = c;
		s->next_buf = s->first_buf = first[c];
		s->cur_buf = NO_BUF;
		s->last_raw = f->t0;
	}
out:
	free(first);
	free(last);
	free(unordered);
	return st;
}

/* ---- opening -------------------------------------------------------------------- */

static etl_status open_file(etl_trace *t, struct file *f, uint32_t file_index,
                            char *err, size_t errsz)
{
	uint8_t *tmp = NULL;
	size_t tcap = 0;
	etl_status st;
	uint64_t size = f->info.file_size;
	if (size < BUF_HDR + 0x20 + 0x110) {
		etl_msg(err, errsz, "%s: not an ETL file: %llu bytes is too small for a logfile header",
		        f->path, (unsigned long long)size);
		return ETL_ERR_FORMAT;
	}
	size_t n = size < BUF_HDR + 0x10000 ? (size_t)size : BUF_HDR + 0x10000;
	const uint8_t *b0 = file_bytes(f, 0, n, &tmp, &tcap);
	if (!b0) {
		etl_msg(err, errsz, "%s: read error at offset 0: %s", f->path, strerror(errno ? errno : EIO));
		free(tmp);
		return ETL_ERR_IO;
	}
	const uint8_t *rec = b0 + BUF_HDR;
	uint32_t marker = etl_le32(rec);
	uint8_t type = (uint8_t)(marker >> 16);
	uint16_t hook = etl_le16(rec + 6);
	uint16_t rsize = etl_le16(rec + 4);
	uint32_t bsize0 = etl_le32(b0);
	if ((marker >> 24) != 0xC0 || (type != 0x01 && type != 0x02) || hook != 0) {
		etl_msg(err, errsz, "%s: not an ETL file: the record at offset 0x48 is not a logfile header (marker 0x%08x, hook 0x%04x)",
		        f->path, marker, hook);
		free(tmp);
		return ETL_ERR_FORMAT;
	}
	if (rsize > n - BUF_HDR || bsize0 < BUF_HDR) {
		etl_msg(err, errsz, "%s: logfile header record at offset 0x48 has size %u, past the header buffer",
		        f->path, rsize);
		free(tmp);
		return ETL_ERR_FORMAT;
	}
	st = parse_logfile_header(f, rec, rsize, type == 0x02, err, errsz);
	if (st == ETL_OK) {
		f->t0 = (int64_t)etl_le64(rec + 16);
		f->freq = clock_frequency(&f->info);
		f->logical = f->info.buffer_size;
		if (f->logical < BUF_HDR || f->logical > MAX_BUFFER_SIZE) {
			/* fall back to the header buffer's own size when plausible */
			if (bsize0 >= BUF_HDR && bsize0 <= MAX_BUFFER_SIZE &&
			    !(f->info.log_file_mode & 0x04000000u)) {
				warn(t, "%s: logfile header buffer size %u is invalid; using %u",
				     f->path, f->logical, bsize0);
				f->logical = bsize0;
			} else {
				etl_msg(err, errsz, "%s: logfile header at offset 0x68: invalid buffer size %u",
				        f->path, f->info.buffer_size);
				st = ETL_ERR_FORMAT;
			}
		}
	}
	if (f->mem == NULL)
		free(tmp);
	if (st != ETL_OK)
		return st;
	st = walk_buffers(t, f);
	if (st == ETL_OK)
		st = build_streams(t, f, file_index);
	if (st == ETL_ERR_NOMEM)
		etl_msg(err, errsz, "%s: out of memory while indexing buffers", f->path);
	return st;
}

/* ---- streams ------------------------------------------------------------------- */

static void stream_fail_buffer(etl_trace *t, struct stream *s, const char *what)
{
	const struct bufref *b = &s->f->bufs[s->cur_buf];
	warn(t, "%s: buffer %u @0x%llx: %s; buffer skipped", s->f->path, s->cur_buf,
	     (unsigned long long)b->off, what);
	s->f->info.damaged_buffers++;
}

/* Makes the stream's next buffer current; false when it has none left. */
static int stream_load(etl_trace *t, struct stream *s)
{
	while (s->next_buf != NO_BUF) {
		struct file *f = s->f;
		uint32_t i = s->next_buf;
		const struct bufref *b = &f->bufs[i];
		s->cur_buf = i;
		s->next_buf = b->next;
		s->area = NULL;
		s->area_len = s->pos = 0;

		const uint8_t *h = file_bytes(f, b->off, BUF_HDR, &s->own, &s->own_cap);
		if (!h) {
			stream_fail_buffer(t, s, "read failed");
			continue;
		}
		uint32_t filled = etl_le32(h + 0x30);
		uint16_t flag = etl_le16(h + 0x34);
		s->buf_flag = flag;
		if (flag & 0x40) {
			if (filled < BUF_HDR || filled - BUF_HDR > f->logical) {
				stream_fail_buffer(t, s, "header changed since opening");
				continue;
			}
			const uint8_t *cb = file_bytes(f, b->off, b->phys, &t->scratch, &t->scratch_cap);
			if (!cb) {
				stream_fail_buffer(t, s, "read failed");
				continue;
			}
			size_t want = filled - BUF_HDR, got = 0;
			if (want > s->own_cap) {
				if (want - s->own_cap > MAX_DECODED_TOTAL - t->decoded_total) {
					char msg[128];
					etl_msg(msg, sizeof msg, "decompressed buffers of all processors "
					        "would exceed %zu MiB", MAX_DECODED_TOTAL >> 20);
					stream_fail_buffer(t, s, msg);
					continue;
				}
				uint8_t *p = realloc(s->own, want);
				if (!p)
					return -1;
				t->decoded_total += want - s->own_cap;
				s->own = p;
				s->own_cap = want;
			}
			if (etl_xpress_decompress(cb + BUF_HDR, b->phys - BUF_HDR, s->own, want,
			                          &got) != ETL_OK || got != want) {
				char msg[96];
				etl_msg(msg, sizeof msg, "compressed data does not decode to %zu bytes", want);
				stream_fail_buffer(t, s, msg);
				continue;
			}
			s->area = s->own;
			s->area_len = want;
		} else {
			if (filled < BUF_HDR || filled > b->phys + (b->truncated ? filled : 0)) {
				stream_fail_buffer(t, s, "header changed since opening");
				continue;
			}
			size_t have = filled < b->phys ? filled : b->phys;
			const uint8_t *p = file_bytes(f, b->off, have, &s->own, &s->own_cap);
			if (!p) {
				stream_fail_buffer(t, s, "read failed");
				continue;
			}
			s->area = p + BUF_HDR;
			s->area_len = have - BUF_HDR;
		}
		return 1;
	}
	return 0;
}

/* Parses the stream's next event into s->ev: 1 when there is one, 0 when the
 * stream is exhausted, -1 when out of memory. */
static int stream_next(etl_trace *t, struct stream *s)
{
	char why[200];
	for (;;) {
		if (!s->area || s->pos >= s->area_len) {
			int r = stream_load(t, s);
			if (r <= 0)
				return r;
		}
		struct file *f = s->f;
		if (t->scan) {
			int64_t raw;
			size_t n = etl_record_peek(s->area + s->pos, s->area_len - s->pos, &raw);
			if (n && !t->scan(s->area + s->pos, n)) {
				s->last_raw = raw;
				s->pos += (n + 7) & ~(size_t)7;
				continue;
			}
		}
		etl_event *ev = &s->ev;
		memset(ev, 0, offsetof(etl_event, ext));
		ev->ext = NULL;
		ev->ext_count = 0;
		ev->header_ext = NULL;
		ev->header_ext_size = 0;
		size_t rsize = 0;
		bool has_time = true;
		why[0] = 0;
		etl_rec_result r = etl_record_parse(s->area + s->pos, s->area_len - s->pos, ev,
		                                    &s->ext, &rsize, &has_time, why, sizeof why);
		const struct bufref *b = &f->bufs[s->cur_buf];
		uint64_t where = b->off + ((s->buf_flag & 0x40) ? 0 : BUF_HDR + s->pos);
		switch (r) {
		case ETL_REC_NOMEM:
			return -1;
		case ETL_REC_END:
			s->pos = s->area_len;
			continue;
		case ETL_REC_BAD:
			warn(t, "%s: buffer %u @0x%llx: record at %s0x%llx: %s; rest of buffer skipped",
			     f->path, s->cur_buf, (unsigned long long)b->off,
			     (s->buf_flag & 0x40) ? "decompressed offset " : "file offset ",
			     (unsigned long long)((s->buf_flag & 0x40) ? BUF_HDR + s->pos : where), why);
			f->info.damaged_buffers++;
			s->pos = s->area_len;
			continue;
		case ETL_REC_SKIP:
			warn(t, "%s: buffer %u @0x%llx: record at %s0x%llx: %s",
			     f->path, s->cur_buf, (unsigned long long)b->off,
			     (s->buf_flag & 0x40) ? "decompressed offset " : "file offset ",
			     (unsigned long long)((s->buf_flag & 0x40) ? BUF_HDR + s->pos : where), why);
			f->info.damaged_records++;
			s->pos += (rsize + 7) & ~(size_t)7;
			continue;
		case ETL_REC_OK:
			break;
		}
		ev->file = s->file_index;
		ev->cpu = s->cpu;
		if (s->buf_flag & 0x20)
			ev->flags |= ETL_EVF_PROCESSOR_INDEX;
		if (ev->pointer_size == 0)
			ev->pointer_size = f->info.pointer_size;
		if (!has_time)
			ev->raw_timestamp = s->last_raw;
		s->last_raw = ev->raw_timestamp;
		ev->timestamp = (t->opt.flags & ETL_OPEN_RAW_TIMESTAMPS)
		                    ? ev->raw_timestamp : to_filetime(f, ev->raw_timestamp);
		ev->buffer_index = s->cur_buf;
		ev->buffer_offset = b->off;
		ev->record_offset = (uint32_t)(BUF_HDR + s->pos);
		s->pos += (rsize + 7) & ~(size_t)7;
		return 1;
	}
}

/* ---- the merge ------------------------------------------------------------------ */

static bool before(const struct stream *a, const struct stream *b)
{
	const etl_event *x = &a->ev, *y = &b->ev;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp;
	if (a->file_index != b->file_index)
		return a->file_index < b->file_index;
	if (x->raw_timestamp != y->raw_timestamp)
		return x->raw_timestamp < y->raw_timestamp;
	if (x->buffer_offset != y->buffer_offset)
		return x->buffer_offset < y->buffer_offset;
	return x->record_offset < y->record_offset;
}

static void sift_down(etl_trace *t, size_t i)
{
	struct stream **h = t->heap;
	size_t n = t->nheap;
	struct stream *x = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(h[c + 1], h[c]))
			c++;
		if (!before(h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static etl_status start_merge(etl_trace *t)
{
	t->nheap = 0;
	t->delivered = NULL;
	if (!t->heap)
		t->heap = malloc((t->nstreams ? t->nstreams : 1) * sizeof(*t->heap));
	if (!t->heap)
		return ETL_ERR_NOMEM;
	for (size_t i = 0; i < t->nstreams; i++) {
		int r = stream_next(t, &t->streams[i]);
		if (r < 0)
			return ETL_ERR_NOMEM;
		if (r > 0)
			t->heap[t->nheap++] = &t->streams[i];
	}
	for (size_t i = t->nheap / 2; i-- > 0;)
		sift_down(t, i);
	return ETL_OK;
}

etl_status etl_trace_next(etl_trace *t, const etl_event **ev)
{
	if (!t || !ev)
		return ETL_ERR_ARG;
	if (t->delivered) {
		int r = stream_next(t, t->delivered);
		t->delivered = NULL;
		if (r < 0) {
			etl_msg(t->errmsg, sizeof t->errmsg, "out of memory");
			return ETL_ERR_NOMEM;
		}
		if (r == 0)
			t->heap[0] = t->heap[--t->nheap];
		if (t->nheap)
			sift_down(t, 0);
	}
	if (t->nheap == 0)
		return ETL_EOF;
	struct stream *s = t->heap[0];
	t->delivered = s;
	s->f->info.events++;
	*ev = &s->ev;
	return ETL_OK;
}

etl_status etl_trace_process(etl_trace *t, etl_event_fn cb, void *ctx)
{
	const etl_event *ev;
	etl_status st;
	if (!cb)
		return ETL_ERR_ARG;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		if (cb(ctx, ev) != 0)
			return ETL_ERR_ABORTED;
	}
	return st == ETL_EOF ? ETL_OK : st;
}

/* ---- handles ------------------------------------------------------------------- */

static etl_trace *trace_new(size_t n, const etl_open_options *opt)
{
	etl_trace *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->files = calloc(n ? n : 1, sizeof(*t->files));
	if (!t->files) {
		free(t);
		return NULL;
	}
	if (opt)
		t->opt = *opt;
	for (size_t i = 0; i < n; i++)
		t->files[i].fd = -1;
	return t;
}

void etl_trace_close(etl_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nstreams; i++) {
		struct stream *s = &t->streams[i];
		free(s->own);
		etl_ext_vec_free(&s->ext);
	}
	for (size_t i = 0; i < t->nfiles; i++) {
		struct file *f = &t->files[i];
		if (f->fd >= 0)
			close(f->fd);
		free(f->bufs);
		free(f->path);
	}
	free(t->streams);
	free(t->files);
	free(t->heap);
	free(t->scratch);
	free(t);
}

static etl_status finish_open(etl_trace *t, etl_trace **out, char *err, size_t errsz)
{
	etl_status st = start_merge(t);
	if (st != ETL_OK) {
		etl_msg(err, errsz, "out of memory");
		etl_trace_close(t);
		return st;
	}
	*out = t;
	return ETL_OK;
}

etl_status etl_trace_open(const char *const *paths, size_t n, const etl_open_options *opt,
                          etl_trace **out, char *err, size_t errsz)
{
	if (!out)
		return ETL_ERR_ARG;
	*out = NULL;
	if (!paths || n == 0 || n > MAX_FILES) {
		etl_msg(err, errsz, "no input files (or more than %u)", MAX_FILES);
		return ETL_ERR_ARG;
	}
	etl_trace *t = trace_new(n, opt);
	if (!t) {
		etl_msg(err, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct file *f = &t->files[i];
		t->nfiles = i + 1;
		f->path = strdup(paths[i] ? paths[i] : "");
		if (!f->path) {
			etl_trace_close(t);
			etl_msg(err, errsz, "out of memory");
			return ETL_ERR_NOMEM;
		}
		f->info.path = f->path;
		f->fd = open(f->path, O_RDONLY | O_BINARY);
		struct stat sb;
		if (f->fd < 0 || fstat(f->fd, &sb) != 0) {
			etl_msg(err, errsz, "%s: %s", f->path, strerror(errno));
			etl_trace_close(t);
			return ETL_ERR_IO;
		}
		if (!S_ISREG(sb.st_mode)) {
			etl_msg(err, errsz, "%s: not a regular file", f->path);
			etl_trace_close(t);
			return ETL_ERR_IO;
		}
		f->info.file_size = (uint64_t)sb.st_size;
		etl_status st = open_file(t, f, (uint32_t)i, err, errsz);
		if (st != ETL_OK) {
			etl_trace_close(t);
			return st;
		}
	}
	return finish_open(t, out, err, errsz);
}

etl_status etl_trace_open_memory(const void *data, size_t size, const char *name,
                                 const etl_open_options *opt, etl_trace **out,
                                 char *err, size_t errsz)
{
	if (!out)
		return ETL_ERR_ARG;
	*out = NULL;
	if (!data && size) {
		etl_msg(err, errsz, "no data");
		return ETL_ERR_ARG;
	}
	etl_trace *t = trace_new(1, opt);
	if (!t) {
		etl_msg(err, errsz, "out of memory");
		return ETL_ERR_NOMEM;
	}
	struct file *f = &t->files[0];
	t->nfiles = 1;
	f->path = strdup(name ? name : "<memory>");
	if (!f->path) {
		etl_trace_close(t);
		return ETL_ERR_NOMEM;
	}
	f->info.path = f->path;
	f->mem = data;
	f->info.file_size = size;
	etl_status st = open_file(t, f, 0, err, errsz);
	if (st != ETL_OK) {
		etl_trace_close(t);
		return st;
	}
	return finish_open(t, out, err, errsz);
}

etl_status etl_trace_rewind(etl_trace *t)
{
	if (!t)
		return ETL_ERR_ARG;
	for (size_t i = 0; i < t->nfiles; i++) {
		struct file *f = &t->files[i];
		f->info.events = 0;
		f->info.damaged_records = 0;
		f->info.damaged_buffers = f->walk_damaged;
	}
	for (size_t i = 0; i < t->nstreams; i++) {
		struct stream *s = &t->streams[i];
		s->next_buf = s->first_buf;
		s->cur_buf = NO_BUF;
		s->area = NULL;
		s->area_len = s->pos = 0;
		s->last_raw = s->f->t0;
	}
	etl_status st = start_merge(t);
	if (st != ETL_OK)
		etl_msg(t->errmsg, sizeof t->errmsg, "out of memory");
	return st;
}

void etl_trace_set_quiet(etl_trace *t, bool quiet)
{
	if (t)
		t->quiet = quiet;
}

void etl_trace_set_scan(etl_trace *t, etl_scan_fn keep)
{
	if (t)
		t->scan = keep;
}

size_t etl_trace_file_count(const etl_trace *t)
{
	return t ? t->nfiles : 0;
}

const etl_trace_info *etl_trace_info_get(const etl_trace *t, size_t i)
{
	if (!t || i >= t->nfiles)
		return NULL;
	return &t->files[i].info;
}

const char *etl_trace_errmsg(const etl_trace *t)
{
	return t ? t->errmsg : "no trace";
}
