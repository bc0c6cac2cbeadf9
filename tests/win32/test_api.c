/*
 * test_api.c - behaviours of libetlkit-win32 that the sample consumers do not
 * exercise: the buffer-size protocols, PROCESS_TRACE_MODE_RAW_TIMESTAMP,
 * UserContext, BufferCallback, ExtendedData, classic EventCallback
 * consumers, a copied EVENT_RECORD used after its callback, time bounds, and
 * error codes.  Uses the corpus (ETLKIT_CORPUS); skips when it is absent,
 * except in CI.  TAP output.
 */
#include <windows.h>
#include <evntrace.h>
#include <evntcons.h>
#include <tdh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_tests, n_failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n_tests, what);
	if (!cond)
		n_failed++;
}

static WCHAR *wide(const char *s)
{
	size_t n = strlen(s);
	WCHAR *w = calloc(n + 1, sizeof *w);
	for (size_t i = 0; w && i < n; i++)
		w[i] = (WCHAR)(unsigned char)s[i];
	return w;
}

struct stats {
	unsigned long events, with_ext, bad_context, tdh_ok, small_buffer_ok, maps_ok, first_done;
	LONGLONG first_ts, last_ts;
	EVENT_RECORD copy;
	BYTE copy_data[4096];
};

static void WINAPI on_record(PEVENT_RECORD ev)
{
	struct stats *st = ev->UserContext;
	if (!st) {
		return;
	}
	st->events++;
	if (!st->first_done) {
		st->first_ts = ev->EventHeader.TimeStamp.QuadPart;
		st->first_done = 1;
	}
	st->last_ts = ev->EventHeader.TimeStamp.QuadPart;
	if (ev->ExtendedDataCount && ev->ExtendedData &&
	    (ev->EventHeader.Flags & EVENT_HEADER_FLAG_EXTENDED_INFO) && ev->ExtendedData[0].DataPtr)
		st->with_ext++;
	ULONG size = 0;
	ULONG rc = TdhGetEventInformation(ev, 0, NULL, NULL, &size);
	if (rc == ERROR_INSUFFICIENT_BUFFER && size >= sizeof(TRACE_EVENT_INFO)) {
		/* one byte short is still too small, and says the same size */
		PTRACE_EVENT_INFO info = malloc(size);
		ULONG small = size - 1, again = size;
		if (TdhGetEventInformation(ev, 0, NULL, info, &small) == ERROR_INSUFFICIENT_BUFFER &&
		    small == size)
			st->small_buffer_ok++;
		if (TdhGetEventInformation(ev, 0, NULL, info, &again) == ERROR_SUCCESS) {
			st->tdh_ok++;
			for (ULONG i = 0; i < info->PropertyCount; i++) {
				const EVENT_PROPERTY_INFO *p = &info->EventPropertyInfoArray[i];
				if ((p->Flags & PropertyStruct) || !p->nonStructType.MapNameOffset)
					continue;
				ULONG ms = 0;
				PWSTR name = (PWSTR)((PBYTE)info + p->nonStructType.MapNameOffset);
				if (TdhGetEventMapInformation(ev, name, NULL, &ms) == ERROR_INSUFFICIENT_BUFFER) {
					PEVENT_MAP_INFO m = malloc(ms);
					if (TdhGetEventMapInformation(ev, name, m, &ms) == ERROR_SUCCESS &&
					    m->EntryCount > 0)
						st->maps_ok++;
					free(m);
				}
			}
			/* keep a copy of a decodable record for use after the callback */
			if (!st->copy.UserData && ev->UserDataLength <= sizeof st->copy_data &&
			    info->TopLevelPropertyCount > 1) {
				st->copy = *ev;
				memcpy(st->copy_data, ev->UserData, ev->UserDataLength);
				st->copy.UserData = st->copy_data;
				st->copy.ExtendedData = NULL;
				st->copy.ExtendedDataCount = 0;
			}
		}
		free(info);
	}
}

static unsigned long classic_events, classic_mof_ok;
static void WINAPI on_classic(PEVENT_TRACE ev)
{
	classic_events++;
	if (ev->Header.Size == sizeof(EVENT_TRACE_HEADER) + ev->MofLength)
		classic_mof_ok++;
}

static unsigned long buffers;
static ULONG WINAPI on_buffer(PEVENT_TRACE_LOGFILEW lf)
{
	(void)lf;
	buffers++;
	return TRUE;
}
static ULONG WINAPI stop_at_once(PEVENT_TRACE_LOGFILEW lf)
{
	(void)lf;
	return FALSE;
}

int main(void)
{
	const char *corpus = getenv("ETLKIT_CORPUS");
	char path[4096];
	snprintf(path, sizeof path, "%s/http-server.etl", corpus ? corpus : "");
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		const char *ci = getenv("CI");
		if (ci && !strcmp(ci, "true")) {
			printf("Bail out! the corpus is missing (%s)\n", path);
			return 1;
		}
		printf("1..0 # SKIP corpus not found\n");
		return 0;
	}
	fclose(probe);

	/* the one etlkit-specific call: where the provider's manifest is */
	char man[4096];
	snprintf(man, sizeof man, "%s/manifests/http-server.man", corpus);
	ok(EtlkitAddManifestPath(man) == ERROR_SUCCESS, "EtlkitAddManifestPath");
	ok(EtlkitAddManifestPath("/nonexistent.man") == ERROR_FILE_NOT_FOUND,
	   "EtlkitAddManifestPath of a missing file: ERROR_FILE_NOT_FOUND");

	/* ---- event records, FILETIME and raw timestamps ---- */
	struct stats a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	EVENT_TRACE_LOGFILEW lf;
	memset(&lf, 0, sizeof lf);
	lf.LogFileName = wide(path);
	lf.ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD;
	lf.EventRecordCallback = on_record;
	lf.BufferCallback = on_buffer;
	lf.Context = &a;
	TRACEHANDLE h = OpenTraceW(&lf);
	ok(h != INVALID_PROCESSTRACE_HANDLE, "OpenTraceW opens a trace");
	ok(lf.LogfileHeader.PointerSize == 8 && lf.LogfileHeader.BufferSize > 0 &&
	   lf.LogfileHeader.LoggerName && lf.LogfileHeader.LoggerName[0],
	   "OpenTraceW fills LogfileHeader (pointer size, buffer size, logger name)");
	ok(ProcessTrace(&h, 1, NULL, NULL) == ERROR_SUCCESS, "ProcessTrace succeeds");
	ok(ProcessTrace(&h, 1, NULL, NULL) == ERROR_SUCCESS && a.events > 0,
	   "a handle can be processed again");
	ok(a.events == 2 * 2042, "every event delivered (twice)");
	ok(buffers > 0 && lf.BuffersRead == buffers, "BufferCallback after each buffer; BuffersRead counts them");
	ok(a.tdh_ok >= 2 * 2041, "TdhGetEventInformation succeeds for the manifest events");
	ok(a.small_buffer_ok == a.tdh_ok, "a buffer one byte short: ERROR_INSUFFICIENT_BUFFER and the size");
	ok(a.maps_ok > 0, "TdhGetEventMapInformation: size protocol, entries");
	ok(a.first_ts > 120000000000000000LL, "timestamps are FILETIME by default");
	CloseTrace(h);

	lf.ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD | PROCESS_TRACE_MODE_RAW_TIMESTAMP;
	lf.Context = &b;
	lf.BufferCallback = NULL;
	h = OpenTraceW(&lf);
	ok(ProcessTrace(&h, 1, NULL, NULL) == ERROR_SUCCESS && b.events == 2042 &&
	   b.first_ts != a.first_ts, "PROCESS_TRACE_MODE_RAW_TIMESTAMP gives the raw clock");
	CloseTrace(h);

	/* ---- a record used after its callback ---- */
	ULONG size = 0;
	ok(a.copy.UserData && TdhGetEventInformation(&a.copy, 0, NULL, NULL, &size) ==
	                          ERROR_INSUFFICIENT_BUFFER,
	   "a copied EVENT_RECORD is decodable after ProcessTrace");
	if (a.copy.UserData) {
		PTRACE_EVENT_INFO info = malloc(size);
		ok(TdhGetEventInformation(&a.copy, 0, NULL, info, &size) == ERROR_SUCCESS &&
		   info->TopLevelPropertyCount > 1, "... with its properties");
		PROPERTY_DATA_DESCRIPTOR d = { 0 };
		d.PropertyName = (ULONGLONG)(ULONG_PTR)((PBYTE)info + info->EventPropertyInfoArray[0].NameOffset);
		d.ArrayIndex = ULONG_MAX;
		ULONG ps = 0;
		BYTE buf[64];
		ok(TdhGetPropertySize(&a.copy, 0, NULL, 1, &d, &ps) == ERROR_SUCCESS && ps > 0 &&
		   ps <= sizeof buf && TdhGetProperty(&a.copy, 0, NULL, 1, &d, ps - 1, buf) ==
		                           ERROR_INSUFFICIENT_BUFFER &&
		   TdhGetProperty(&a.copy, 0, NULL, 1, &d, ps, buf) == ERROR_SUCCESS &&
		   !memcmp(buf, a.copy_data, ps),
		   "TdhGetPropertySize / TdhGetProperty on the first property");
		WCHAR nosuch[] = { 'N', 'o', 'S', 'u', 'c', 'h', 0 };
		d.PropertyName = (ULONGLONG)(ULONG_PTR)nosuch;
		ok(TdhGetPropertySize(&a.copy, 0, NULL, 1, &d, &ps) == ERROR_NOT_FOUND,
		   "an unknown property name: ERROR_NOT_FOUND");
		free(info);
	}

	/* ---- classic consumers, time bounds, cancelling ---- */
	free(lf.LogFileName);
	memset(&lf, 0, sizeof lf);
	lf.LogFileName = wide(path);
	lf.EventCallback = on_classic;
	h = OpenTraceW(&lf);
	ok(ProcessTrace(&h, 1, NULL, NULL) == ERROR_SUCCESS && classic_events == 2042 &&
	   classic_mof_ok == classic_events, "EventCallback consumers get EVENT_TRACEs");
	CloseTrace(h);

	struct stats c;
	memset(&c, 0, sizeof c);
	lf.ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD;
	lf.EventRecordCallback = on_record;
	lf.Context = &c;
	h = OpenTraceW(&lf);
	FILETIME t0, t1;
	LONGLONG mid = a.first_ts + (a.last_ts - a.first_ts) / 2;
	t0.dwLowDateTime = (DWORD)mid;
	t0.dwHighDateTime = (DWORD)(mid >> 32);
	t1.dwLowDateTime = (DWORD)a.last_ts;
	t1.dwHighDateTime = (DWORD)(a.last_ts >> 32);
	ok(ProcessTrace(&h, 1, &t0, &t1) == ERROR_SUCCESS && c.events > 0 && c.events < 2042 &&
	   c.first_ts >= mid, "StartTime / EndTime bound the events");
	CloseTrace(h);

	lf.BufferCallback = stop_at_once;
	h = OpenTraceW(&lf);
	ok(ProcessTrace(&h, 1, NULL, NULL) == ERROR_CANCELLED,
	   "a BufferCallback returning FALSE stops ProcessTrace with ERROR_CANCELLED");
	CloseTrace(h);

	/* ---- errors ---- */
	ok(CloseTrace(h) == ERROR_INVALID_HANDLE, "CloseTrace of a closed handle: ERROR_INVALID_HANDLE");
	TRACEHANDLE bad = 12345;
	ok(ProcessTrace(&bad, 1, NULL, NULL) == ERROR_INVALID_HANDLE, "ProcessTrace of a bad handle");
	free(lf.LogFileName);
	memset(&lf, 0, sizeof lf);
	lf.LogFileName = wide("/nonexistent/x.etl");
	ok(OpenTraceW(&lf) == INVALID_PROCESSTRACE_HANDLE && GetLastError() == ERROR_FILE_NOT_FOUND,
	   "OpenTraceW of a missing file: ERROR_FILE_NOT_FOUND");
	lf.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME;
	ok(OpenTraceW(&lf) == INVALID_PROCESSTRACE_HANDLE && GetLastError() == ERROR_NOT_SUPPORTED,
	   "real-time sessions: ERROR_NOT_SUPPORTED");
	ULONG fs = 0;
	USHORT used = 0;
	BYTE four[4] = { 1, 0, 0, 0 };
	ok(TdhFormatProperty(NULL, NULL, 8, TDH_INTYPE_UINT32, TDH_OUTTYPE_NULL, 4, 4, four, &fs,
	                     NULL, &used) == ERROR_INSUFFICIENT_BUFFER && fs == 4,
	   "TdhFormatProperty size protocol: \"1\" needs 4 bytes");
	WCHAR out[8];
	fs = sizeof out;
	ok(TdhFormatProperty(NULL, NULL, 8, TDH_INTYPE_UINT32, TDH_OUTTYPE_HEXINT32, 4, 4, four, &fs,
	                     out, &used) == ERROR_SUCCESS && used == 4 && out[0] == '0' &&
	   out[1] == 'x' && out[2] == '1' && out[3] == 0,
	   "TdhFormatProperty renders 0x1 and consumes 4 bytes");
	fs = sizeof out;
	ok(TdhFormatProperty(NULL, NULL, 8, TDH_INTYPE_UINT32, TDH_OUTTYPE_NULL, 4, 2, four, &fs,
	                     out, &used) == ERROR_EVT_INVALID_EVENT_DATA,
	   "TdhFormatProperty on too little data: ERROR_EVT_INVALID_EVENT_DATA");
	free(lf.LogFileName);
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
