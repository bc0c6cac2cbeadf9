/*
 * evntrace.c - OpenTraceW / ProcessTrace / CloseTrace over libetlkit:
 * the Win32 file-mode consumer API for programs built on other
 * systems.
 *
 * OpenTraceW checks the file and fills EVENT_TRACE_LOGFILEW.LogfileHeader.
 * ProcessTrace opens the files of all its handles as one etlkit trace (so
 * they merge in time order exactly as `etlkit dump` merges them), reads the
 * schemas the trace carries (the decoder's prescan) and calls, for each
 * event, the callback of the handle its file came from with an EVENT_RECORD
 * (PROCESS_TRACE_MODE_EVENT_RECORD) or an EVENT_TRACE (classic consumers).
 * Records behave as in Windows file mode: FILETIME timestamps unless
 * PROCESS_TRACE_MODE_RAW_TIMESTAMP, ExtendedData with DataPtr pointers,
 * BufferContext from the record's CPU and the file's logger id, UserContext
 * from EVENT_TRACE_LOGFILEW.Context.  Pointers in a record are valid until
 * the callback returns.
 */
#include "facade.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- last error, current event ------------------------------------------------ */

static _Thread_local DWORD last_error;
static _Thread_local struct fevent *current;

DWORD WINAPI GetLastError(void) { return last_error; }
void WINAPI SetLastError(DWORD code) { last_error = code; }
struct fevent *etlkit_w32_current(void) { return current; }
void etlkit_w32_set_current(struct fevent *fe) { current = fe; }

/* ---- text ------------------------------------------------------------------------ */

char *etlkit_w32_utf8(const WCHAR *s)
{
	if (!s)
		return NULL;
	size_t n = 0;
	while (s[n])
		n++;
	char *out = malloc(3 * n + 1);
	if (!out)
		return NULL;
	/* WCHAR arrays are in host order; etl_utf16_to_utf8 reads little-endian */
	uint8_t *le = malloc(2 * n + 2);
	if (!le) {
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		le[2 * i] = (uint8_t)s[i];
		le[2 * i + 1] = (uint8_t)(s[i] >> 8);
	}
	etl_utf16_to_utf8(le, n, out, 3 * n + 1);
	free(le);
	return out;
}

/* Decodes one UTF-8 sequence at *p (invalid bytes become U+FFFD). */
static uint32_t next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int extra = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : 0;
	if (c < 0x80 || (!extra)) {
		*p = s + 1;
		return c < 0x80 ? c : 0xFFFD;
	}
	c &= 0x3Fu >> extra;
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + i;
			return 0xFFFD;
		}
		c = c << 6 | (s[i] & 0x3F);
	}
	*p = s + extra + 1;
	if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
		return 0xFFFD;
	return c;
}

size_t etlkit_w32_utf16_len(const char *s)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p)
		n += next_cp(&p) >= 0x10000 ? 2 : 1;
	return n;
}

void etlkit_w32_to_utf16(const char *s, WCHAR *out, size_t units)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	if (!units)
		return;
	while (p && *p) {
		uint32_t c = next_cp(&p);
		if (c >= 0x10000) {
			if (o + 2 >= units)
				break;
			c -= 0x10000;
			out[o++] = (WCHAR)(0xD800 | c >> 10);
			out[o++] = (WCHAR)(0xDC00 | (c & 0x3FF));
		} else {
			if (o + 1 >= units)
				break;
			out[o++] = (WCHAR)c;
		}
	}
	out[o] = 0;
}

static WCHAR *dup_utf16(const char *s)
{
	size_t n = etlkit_w32_utf16_len(s) + 1;
	WCHAR *w = malloc(n * sizeof(WCHAR));
	if (w)
		etlkit_w32_to_utf16(s, w, n);
	return w;
}

/* ---- the schema store ------------------------------------------------------------ */

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static etl_schemas *store;
static bool store_failed;

/* with store_lock held */
static etl_schemas *store_get(void)
{
	if (store || store_failed)
		return store;
	if (etl_schemas_new(&store) != ETL_OK) {
		store_failed = true;
		return NULL;
	}
	const char *env = getenv("ETLKIT_MANIFEST_PATH");
	if (env && *env) {
		char *copy = strdup(env);
		if (copy) {
			char *save = NULL;
			for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
				if (*tok && etl_schemas_add_manifest(store, tok) != ETL_OK)
					fprintf(stderr, "etlkit: ETLKIT_MANIFEST_PATH: %s\n",
					        etl_schemas_errmsg(store));
			free(copy);
		}
	}
	return store;
}

etl_schemas *etlkit_w32_schemas(void)
{
	pthread_mutex_lock(&store_lock);
	etl_schemas *s = store_get();
	pthread_mutex_unlock(&store_lock);
	return s;
}

static ULONG status_error(etl_status st)
{
	switch (st) {
	case ETL_OK: return ERROR_SUCCESS;
	case ETL_ERR_IO: return ERROR_FILE_NOT_FOUND;
	case ETL_ERR_NOMEM: return ERROR_NOT_ENOUGH_MEMORY;
	case ETL_ERR_FORMAT: return ERROR_BAD_FORMAT;
	case ETL_ERR_CORRUPT: return ERROR_FILE_CORRUPT;
	case ETL_ERR_ARG: return ERROR_INVALID_PARAMETER;
	case ETL_ERR_UNSUPPORTED: return ERROR_NOT_SUPPORTED;
	case ETL_ERR_SCHEMA: return ERROR_WMI_INVALID_MOF;
	case ETL_ERR_ABORTED: return ERROR_CANCELLED;
	default: return ERROR_INTERNAL_ERROR;
	}
}

static ULONG add_path(const char *path, bool mof)
{
	if (!path || !*path)
		return ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&store_lock);
	etl_schemas *s = store_get();
	etl_status st = ETL_ERR_NOMEM;
	if (s)
		st = mof ? etl_schemas_add_mof(s, path) : etl_schemas_add_manifest(s, path);
	if (st != ETL_OK && s)
		fprintf(stderr, "etlkit: %s\n", etl_schemas_errmsg(s));
	pthread_mutex_unlock(&store_lock);
	if (st == ETL_ERR_IO && access(path, F_OK) != 0)
		return ERROR_FILE_NOT_FOUND;
	return status_error(st);
}

ULONG WINAPI EtlkitAddManifestPath(const char *path) { return add_path(path, false); }
ULONG WINAPI EtlkitAddMofPath(const char *path) { return add_path(path, true); }

/* ---- handles ------------------------------------------------------------------------ */

struct htrace {
	EVENT_TRACE_LOGFILEW *lf;   /* the consumer's structure */
	char *path;
	WCHAR *logger_name, *file_name; /* LogfileHeader.LoggerName / LogFileName */
	uint16_t logger_id;
	uint8_t alignment;
	uint32_t mode;
	uint32_t pointer_size;
	uint64_t buffer;            /* buffer index of the last event delivered */
	bool have_buffer;
	bool busy;                  /* inside ProcessTrace */
	bool closing;               /* CloseTrace was called during ProcessTrace */
};

#define MAX_HANDLES 4096
#define HANDLE_BASE 0x1000u
static pthread_mutex_t handle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct htrace *handles[MAX_HANDLES];

static void htrace_free(struct htrace *t)
{
	if (!t)
		return;
	free(t->path);
	free(t->logger_name);
	free(t->file_name);
	free(t);
}

static void fill_time_zone(TIME_ZONE_INFORMATION *tz, const etl_time_zone *z)
{
	memset(tz, 0, sizeof *tz);
	tz->Bias = z->bias;
	etlkit_w32_to_utf16(z->standard_name, tz->StandardName, 32);
	etlkit_w32_to_utf16(z->daylight_name, tz->DaylightName, 32);
	const etl_systemtime *s[2] = { &z->standard_date, &z->daylight_date };
	SYSTEMTIME *d[2] = { &tz->StandardDate, &tz->DaylightDate };
	for (int i = 0; i < 2; i++) {
		d[i]->wYear = s[i]->year;
		d[i]->wMonth = s[i]->month;
		d[i]->wDayOfWeek = s[i]->day_of_week;
		d[i]->wDay = s[i]->day;
		d[i]->wHour = s[i]->hour;
		d[i]->wMinute = s[i]->minute;
		d[i]->wSecond = s[i]->second;
		d[i]->wMilliseconds = s[i]->milliseconds;
	}
	tz->StandardBias = z->standard_bias;
	tz->DaylightBias = z->daylight_bias;
}

/* The ETW_BUFFER_CONTEXT of the file's first buffer (WMI_BUFFER_HEADER at
 * 0x28): the alignment byte and the logger id, constant within a file. */
static void read_buffer_context(struct htrace *t)
{
	FILE *fp = fopen(t->path, "rb");
	uint8_t b[0x2C];
	if (fp && fread(b, 1, sizeof b, fp) == sizeof b) {
		t->alignment = b[0x29];
		t->logger_id = etl_le16(b + 0x2A);
	}
	if (fp)
		fclose(fp);
}

TRACEHANDLE WINAPI OpenTraceW(PEVENT_TRACE_LOGFILEW lf)
{
	if (!lf) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return INVALID_PROCESSTRACE_HANDLE;
	}
	if ((lf->ProcessTraceMode & PROCESS_TRACE_MODE_REAL_TIME) || !lf->LogFileName) {
		/* real-time sessions exist only on Windows */
		SetLastError(lf->LogFileName ? ERROR_NOT_SUPPORTED : ERROR_INVALID_PARAMETER);
		return INVALID_PROCESSTRACE_HANDLE;
	}
	struct htrace *t = calloc(1, sizeof *t);
	if (!t || !(t->path = etlkit_w32_utf8(lf->LogFileName))) {
		htrace_free(t);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_PROCESSTRACE_HANDLE;
	}
	const char *paths[1] = { t->path };
	etl_trace *tr = NULL;
	char err[512];
	etl_status st = etl_trace_open(paths, 1, NULL, &tr, err, sizeof err);
	if (st != ETL_OK) {
		DWORD e = status_error(st);
		if (st == ETL_ERR_IO)
			e = access(t->path, F_OK) != 0 ? ERROR_FILE_NOT_FOUND : ERROR_ACCESS_DENIED;
		htrace_free(t);
		SetLastError(e);
		return INVALID_PROCESSTRACE_HANDLE;
	}
	const etl_trace_info *in = etl_trace_info_get(tr, 0);
	TRACE_LOGFILE_HEADER *h = &lf->LogfileHeader;
	memset(h, 0, sizeof *h);
	h->BufferSize = in->buffer_size;
	h->VersionDetail.MajorVersion = in->os_major;
	h->VersionDetail.MinorVersion = in->os_minor;
	h->VersionDetail.SubVersion = in->layout_major;
	h->VersionDetail.SubMinorVersion = in->layout_minor;
	h->ProviderVersion = in->provider_version;
	h->NumberOfProcessors = in->number_of_processors;
	h->EndTime.QuadPart = in->end_time;
	h->TimerResolution = in->timer_resolution;
	h->MaximumFileSize = in->maximum_file_size;
	h->LogFileMode = in->log_file_mode;
	h->BuffersWritten = in->buffers_written;
	h->StartBuffers = in->start_buffers;
	h->PointerSize = in->pointer_size;
	h->EventsLost = in->events_lost;
	h->CpuSpeedInMHz = in->cpu_speed_mhz;
	t->logger_name = dup_utf16(in->logger_name);
	t->file_name = dup_utf16(in->log_file_name);
	h->LoggerName = t->logger_name;
	h->LogFileName = t->file_name;
	fill_time_zone(&h->TimeZone, &in->time_zone);
	h->BootTime.QuadPart = in->boot_time;
	h->PerfFreq.QuadPart = in->perf_freq;
	h->StartTime.QuadPart = in->start_time;
	h->ReservedFlags = in->clock_type;
	h->BuffersLost = in->buffers_lost;
	lf->BufferSize = in->buffer_size;
	lf->BuffersRead = 0;
	lf->CurrentTime = 0;
	lf->Filled = 0;
	lf->IsKernelTrace = strcasecmp(in->logger_name, "NT Kernel Logger") == 0;
	t->pointer_size = in->pointer_size;
	etl_trace_close(tr);
	read_buffer_context(t);
	t->lf = lf;
	t->mode = lf->ProcessTraceMode;

	pthread_mutex_lock(&handle_lock);
	size_t i = 0;
	while (i < MAX_HANDLES && handles[i])
		i++;
	if (i < MAX_HANDLES)
		handles[i] = t;
	pthread_mutex_unlock(&handle_lock);
	if (i == MAX_HANDLES) {
		htrace_free(t);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_PROCESSTRACE_HANDLE;
	}
	SetLastError(ERROR_SUCCESS);
	return HANDLE_BASE + i;
}

ULONG WINAPI CloseTrace(TRACEHANDLE h)
{
	if (h < HANDLE_BASE || h >= HANDLE_BASE + MAX_HANDLES)
		return ERROR_INVALID_HANDLE;
	pthread_mutex_lock(&handle_lock);
	struct htrace *t = handles[h - HANDLE_BASE];
	bool busy = t && t->busy;
	if (t && busy)
		t->closing = true; /* ProcessTrace stops after this event and frees it */
	else if (t)
		handles[h - HANDLE_BASE] = NULL;
	pthread_mutex_unlock(&handle_lock);
	if (!t)
		return ERROR_INVALID_HANDLE;
	if (busy)
		return ERROR_CTX_CLOSE_PENDING;
	htrace_free(t);
	return ERROR_SUCCESS;
}

/* ---- ProcessTrace --------------------------------------------------------------------- */

/* Fills fe->rec from ev for handle t. */
static bool make_record(struct fevent *fe, const etl_event *ev, const struct htrace *t)
{
	EVENT_RECORD *r = &fe->rec;
	memset(r, 0, sizeof *r);
	EVENT_HEADER *h = &r->EventHeader;
	h->Size = sizeof(EVENT_HEADER);
	h->HeaderType = 0;
	h->Flags = ev->flags;
	h->EventProperty = ev->event_property;
	h->ThreadId = ev->tid;
	h->ProcessId = ev->pid;
	h->TimeStamp.QuadPart = (t->mode & PROCESS_TRACE_MODE_RAW_TIMESTAMP) ? ev->raw_timestamp
	                                                                     : ev->timestamp;
	memcpy(&h->ProviderId, &ev->provider, sizeof(GUID));
	h->EventDescriptor.Id = ev->id;
	h->EventDescriptor.Version = ev->version;
	h->EventDescriptor.Channel = ev->channel;
	h->EventDescriptor.Level = ev->level;
	h->EventDescriptor.Opcode = ev->opcode;
	h->EventDescriptor.Task = ev->task;
	h->EventDescriptor.Keyword = ev->keywords;
	h->KernelTime = ev->kernel_time;
	h->UserTime = ev->user_time;
	memcpy(&h->ActivityId, &ev->activity_id, sizeof(GUID));
	if (ev->flags & ETL_EVF_PROCESSOR_INDEX) {
		r->BufferContext.ProcessorIndex = (USHORT)ev->cpu;
	} else {
		r->BufferContext.ProcessorNumber = (UCHAR)ev->cpu;
		r->BufferContext.Alignment = t->alignment;
	}
	r->BufferContext.LoggerId = t->logger_id;
	if (ev->ext_count) {
		if (ev->ext_count > fe->ext_cap) {
			EVENT_HEADER_EXTENDED_DATA_ITEM *n =
				realloc(fe->ext, ev->ext_count * sizeof(*n));
			if (!n)
				return false;
			fe->ext = n;
			fe->ext_cap = ev->ext_count;
		}
		size_t count = ev->ext_count > 0xFFFF ? 0xFFFF : ev->ext_count;
		for (size_t i = 0; i < count; i++) {
			EVENT_HEADER_EXTENDED_DATA_ITEM *x = &fe->ext[i];
			memset(x, 0, sizeof *x);
			x->ExtType = ev->ext[i].type;
			x->Linkage = i + 1 < count;
			x->DataSize = ev->ext[i].size;
			x->DataPtr = (ULONGLONG)(uintptr_t)ev->ext[i].data;
		}
		r->ExtendedData = fe->ext;
		r->ExtendedDataCount = (USHORT)count;
	}
	r->UserDataLength = ev->size > 0xFFFF ? 0xFFFF : (USHORT)ev->size;
	r->UserData = (PVOID)ev->data;
	r->UserContext = t->lf->Context;
	return true;
}

/* The classic form of a record, for EventCallback consumers and
 * EVENT_TRACE_LOGFILEW.CurrentEvent. */
static void make_classic(EVENT_TRACE *e, const EVENT_RECORD *r, const etl_event *ev)
{
	memset(e, 0, sizeof *e);
	EVENT_TRACE_HEADER *h = &e->Header;
	h->Size = (USHORT)(sizeof(EVENT_TRACE_HEADER) + r->UserDataLength);
	h->Class.Type = r->EventHeader.EventDescriptor.Opcode;
	h->Class.Level = r->EventHeader.EventDescriptor.Level;
	h->Class.Version = r->EventHeader.EventDescriptor.Version;
	h->ThreadId = r->EventHeader.ThreadId;
	h->ProcessId = r->EventHeader.ProcessId;
	h->TimeStamp = r->EventHeader.TimeStamp;
	h->Guid = r->EventHeader.ProviderId;
	h->KernelTime = r->EventHeader.KernelTime;
	h->UserTime = r->EventHeader.UserTime;
	e->InstanceId = ev->instance_id;
	e->ParentInstanceId = ev->parent_instance_id;
	memcpy(&e->ParentGuid, &ev->parent_guid, sizeof(GUID));
	e->MofData = r->UserData;
	e->MofLength = r->UserDataLength;
	e->BufferContext = r->BufferContext;
}

static bool buffer_done(struct htrace *t)
{
	t->lf->BuffersRead++;
	if (t->lf->BufferCallback)
		return t->lf->BufferCallback(t->lf) != FALSE;
	return true;
}

ULONG WINAPI ProcessTrace(PTRACEHANDLE ha, ULONG n, LPFILETIME start, LPFILETIME end)
{
	if (!ha || !n || n > MAX_HANDLES)
		return ERROR_INVALID_PARAMETER;
	struct htrace **ts = calloc(n, sizeof *ts);
	const char **paths = calloc(n, sizeof *paths);
	if (!ts || !paths) {
		free(ts);
		free(paths);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	ULONG rc = ERROR_SUCCESS;
	pthread_mutex_lock(&handle_lock);
	for (ULONG i = 0; i < n && rc == ERROR_SUCCESS; i++) {
		TRACEHANDLE h = ha[i];
		struct htrace *t = h >= HANDLE_BASE && h < HANDLE_BASE + MAX_HANDLES
		                       ? handles[h - HANDLE_BASE] : NULL;
		if (!t || t->busy)
			rc = ERROR_INVALID_HANDLE;
		for (ULONG j = 0; j < i && rc == ERROR_SUCCESS; j++)
			if (ts[j] == t)
				rc = ERROR_INVALID_PARAMETER;
		if (rc == ERROR_SUCCESS) {
			ts[i] = t;
			paths[i] = t->path;
		}
	}
	if (rc == ERROR_SUCCESS)
		for (ULONG i = 0; i < n; i++)
			ts[i]->busy = true;
	pthread_mutex_unlock(&handle_lock);
	if (rc != ERROR_SUCCESS) {
		free(ts);
		free(paths);
		return rc;
	}

	int64_t t0 = INT64_MIN, t1 = INT64_MAX;
	if (start)
		t0 = (int64_t)((uint64_t)start->dwHighDateTime << 32 | start->dwLowDateTime);
	if (end)
		t1 = (int64_t)((uint64_t)end->dwHighDateTime << 32 | end->dwLowDateTime);

	etl_trace *tr = NULL;
	etl_decoder *dec = NULL;
	struct fevent fe = { 0 };
	char err[512];
	etl_status st = etl_trace_open(paths, n, NULL, &tr, err, sizeof err);
	if (st != ETL_OK) {
		rc = status_error(st);
		goto out;
	}
	etl_schemas *s = etlkit_w32_schemas();
	if (!s || etl_decoder_new(s, &dec) != ETL_OK) {
		rc = ERROR_NOT_ENOUGH_MEMORY;
		goto out;
	}
	/* schemas carried by the trace (EventSource manifests, KernelTraceControl
	 * metadata) may follow the events they describe */
	pthread_mutex_lock(&store_lock);
	st = etl_decoder_prescan(dec, tr);
	pthread_mutex_unlock(&store_lock);
	if (st != ETL_OK) {
		rc = status_error(st);
		goto out;
	}
	for (ULONG i = 0; i < n; i++)
		ts[i]->have_buffer = false;
	fe.dec = dec;
	const etl_event *ev;
	while ((st = etl_trace_next(tr, &ev)) == ETL_OK) {
		struct htrace *t = ts[ev->file < n ? ev->file : 0];
		if (t->have_buffer && t->buffer != ev->buffer_index && !buffer_done(t)) {
			rc = ERROR_CANCELLED;
			break;
		}
		t->buffer = ev->buffer_index;
		t->have_buffer = true;
		if (ev->timestamp < t0 || ev->timestamp > t1)
			continue;
		if (!make_record(&fe, ev, t)) {
			rc = ERROR_NOT_ENOUGH_MEMORY;
			break;
		}
		fe.ev = ev;
		fe.decoded = NULL;
		fe.decoded_done = false;
		fe.seq++;
		etlkit_w32_view_reset(&fe);
		make_classic(&t->lf->CurrentEvent, &fe.rec, ev);
		t->lf->CurrentTime = fe.rec.EventHeader.TimeStamp.QuadPart;
		t->lf->Filled = ev->record_offset;
		etlkit_w32_set_current(&fe);
		if (t->mode & PROCESS_TRACE_MODE_EVENT_RECORD) {
			if (t->lf->EventRecordCallback)
				t->lf->EventRecordCallback(&fe.rec);
		} else if (t->lf->EventCallback) {
			EVENT_TRACE classic = t->lf->CurrentEvent;
			t->lf->EventCallback(&classic);
		}
		etlkit_w32_set_current(NULL);
		if (t->closing)
			break;
	}
	if (rc == ERROR_SUCCESS && st != ETL_EOF && st != ETL_OK)
		rc = status_error(st);
	if (rc == ERROR_SUCCESS)
		for (ULONG i = 0; i < n; i++)
			if (ts[i]->have_buffer && !buffer_done(ts[i]))
				rc = ERROR_CANCELLED;
out:
	etlkit_w32_set_current(NULL);
	etlkit_w32_view_free(&fe);
	free(fe.ext);
	etl_decoder_free(dec);
	etl_trace_close(tr);
	pthread_mutex_lock(&handle_lock);
	for (ULONG i = 0; i < n; i++) {
		ts[i]->busy = false;
		if (ts[i]->closing) {
			for (size_t k = 0; k < MAX_HANDLES; k++)
				if (handles[k] == ts[i])
					handles[k] = NULL;
			htrace_free(ts[i]);
		}
	}
	pthread_mutex_unlock(&handle_lock);
	free(ts);
	free(paths);
	return rc;
}
