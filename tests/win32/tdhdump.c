/*
 * tdhdump.c - a consumer written against the Win32 ETW API: opens .etl files
 * with OpenTraceW, processes them with ProcessTrace and, for every event,
 * gets its schema with TdhGetEventInformation and prints each property as
 * "name: value" with TdhFormatProperty, walking arrays and structs, reading
 * array counts and string lengths with TdhGetPropertySize / TdhGetProperty
 * and value maps with TdhGetEventMapInformation.
 *
 * It follows the pattern of the classic "format the properties with
 * TdhFormatProperty" consumer: the payload is consumed in order, each value
 * advancing the data pointer by the UserDataConsumed that TdhFormatProperty
 * reports.  Nothing here is specific to etlkit: it builds with the Windows
 * SDK (or MinGW-w64) as it is, and against libetlkit-win32 with
 * -I<prefix>/include/etlkit.
 *
 * Usage: tdhdump FILE.etl...   (several files are merged in time order)
 *
 * Output, one block per event:
 *   EVENT <n> provider=<guid> id=<id> version=<v> opcode=<op> task=<t>
 *         level=<l> pid=<pid> tid=<tid> cpu=<cpu> ts=<timestamp> size=<bytes>
 *   <path>: <value>          path: Name, Name[2], Struct.Member, Arr[0].Member
 *   ! <what failed>          when the event has no schema or cannot be read
 */
#include <windows.h>
#include <evntrace.h>
#include <evntcons.h>
#include <tdh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

static unsigned long long g_events;
static unsigned long long g_failures; /* TDH calls that failed unexpectedly */

/* ---- text helpers (WCHAR is UTF-16 on every platform) ------------------------ */

static void wide_to_utf8(const WCHAR *w, char *out, size_t size)
{
	size_t o = 0;
	if (!size)
		return;
	for (size_t i = 0; w && w[i]; i++) {
		unsigned long c = w[i];
		if (c >= 0xD800 && c < 0xDC00 && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00);
			i++;
		} else if (c >= 0xD800 && c < 0xE000) {
			c = 0xFFFD;
		}
		char u[4];
		size_t n;
		if (c < 0x80) {
			u[0] = (char)c;
			n = 1;
		} else if (c < 0x800) {
			u[0] = (char)(0xC0 | c >> 6);
			u[1] = (char)(0x80 | (c & 0x3F));
			n = 2;
		} else if (c < 0x10000) {
			u[0] = (char)(0xE0 | c >> 12);
			u[1] = (char)(0x80 | (c >> 6 & 0x3F));
			u[2] = (char)(0x80 | (c & 0x3F));
			n = 3;
		} else {
			u[0] = (char)(0xF0 | c >> 18);
			u[1] = (char)(0x80 | (c >> 12 & 0x3F));
			u[2] = (char)(0x80 | (c >> 6 & 0x3F));
			u[3] = (char)(0x80 | (c & 0x3F));
			n = 4;
		}
		if (o + n >= size)
			break;
		memcpy(out + o, u, n);
		o += n;
	}
	out[o] = 0;
}

/* UTF-8 (here: file names from the command line) to UTF-16 */
static WCHAR *utf8_to_wide(const char *s)
{
	size_t len = strlen(s);
	WCHAR *w = malloc((len + 1) * sizeof(WCHAR) * 2);
	size_t o = 0;
	if (!w)
		return NULL;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;
		int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		cp = extra ? c & (0x3F >> extra) : c;
		i++;
		for (int k = 0; k < extra && i < len; k++, i++)
			cp = cp << 6 | ((unsigned char)s[i] & 0x3F);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			w[o++] = (WCHAR)(0xD800 | cp >> 10);
			w[o++] = (WCHAR)(0xDC00 | (cp & 0x3FF));
		} else {
			w[o++] = (WCHAR)cp;
		}
	}
	w[o] = 0;
	return w;
}

static void print_guid(const GUID *g)
{
	printf("%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned long)g->Data1,
	       g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3],
	       g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

/* ---- one event --------------------------------------------------------------- */

struct walk {
	PEVENT_RECORD event;
	PTRACE_EVENT_INFO info;
	ULONG pointer_size;
	PBYTE data, end;
	PROPERTY_DATA_DESCRIPTOR path[MAX_DEPTH]; /* enclosing struct elements */
	ULONG depth;
	WCHAR *text;                              /* TdhFormatProperty output */
	ULONG text_size;
	int stop;                                 /* the payload has ended */
};

static PWSTR prop_name(PTRACE_EVENT_INFO info, USHORT i)
{
	return (PWSTR)((PBYTE)info + info->EventPropertyInfoArray[i].NameOffset);
}

/* The value of the integer property `index` (a count or a length), looked up
 * with TdhGetProperty from the innermost enclosing struct outwards. */
static ULONG referenced_value(struct walk *w, USHORT index, ULONG *value)
{
	PROPERTY_DATA_DESCRIPTOR d[MAX_DEPTH + 1];
	ULONG status = ERROR_NOT_FOUND;
	for (ULONG levels = w->depth + 1; levels-- > 0;) {
		ULONG size = 0;
		memcpy(d, w->path, levels * sizeof(d[0]));
		d[levels].PropertyName = (ULONGLONG)(ULONG_PTR)prop_name(w->info, index);
		d[levels].ArrayIndex = ULONG_MAX;
		d[levels].Reserved = 0;
		status = TdhGetPropertySize(w->event, 0, NULL, levels + 1, d, &size);
		if (status != ERROR_SUCCESS)
			continue;
		BYTE buf[8] = { 0 };
		if (size > sizeof buf)
			return ERROR_EVT_INVALID_EVENT_DATA;
		status = TdhGetProperty(w->event, 0, NULL, levels + 1, d, size, buf);
		if (status != ERROR_SUCCESS)
			return status;
		ULONGLONG v = 0;
		for (ULONG k = size; k-- > 0;)
			v = v << 8 | buf[k];
		*value = (ULONG)v;
		return ERROR_SUCCESS;
	}
	return status;
}

static ULONG array_count(struct walk *w, const EVENT_PROPERTY_INFO *p, ULONG *count, int *is_array)
{
	*count = 1;
	*is_array = 0;
	if (p->Flags & PropertyParamCount) {
		*is_array = 1;
		return referenced_value(w, p->countPropertyIndex, count);
	}
	if ((p->Flags & PropertyParamFixedCount) || p->count > 1) {
		*is_array = 1;
		*count = p->count;
	}
	return ERROR_SUCCESS;
}

static PEVENT_MAP_INFO get_map(struct walk *w, const EVENT_PROPERTY_INFO *p)
{
	if (!p->nonStructType.MapNameOffset)
		return NULL;
	PWSTR name = (PWSTR)((PBYTE)w->info + p->nonStructType.MapNameOffset);
	ULONG size = 0;
	ULONG status = TdhGetEventMapInformation(w->event, name, NULL, &size);
	if (status != ERROR_INSUFFICIENT_BUFFER)
		return NULL; /* ERROR_NOT_FOUND: the map is not known, print numbers */
	PEVENT_MAP_INFO map = malloc(size);
	if (!map)
		return NULL;
	status = TdhGetEventMapInformation(w->event, name, map, &size);
	if (status != ERROR_SUCCESS) {
		free(map);
		g_failures++;
		return NULL;
	}
	return map;
}

static void print_value_line(const char *path, const WCHAR *text)
{
	static char buf[1 << 20];
	wide_to_utf8(text, buf, sizeof buf);
	/* one line per value: control characters are escaped */
	printf("%s: ", path);
	for (const char *c = buf; *c; c++) {
		if (*c == '\n')
			fputs("\\n", stdout);
		else if (*c == '\r')
			fputs("\\r", stdout);
		else if (*c == '\t')
			fputs("\\t", stdout);
		else if (*c == '\\')
			fputs("\\\\", stdout);
		else
			putchar(*c);
	}
	putchar('\n');
}

/* One element of a scalar property: formats it and advances the data. */
static void format_one(struct walk *w, const EVENT_PROPERTY_INFO *p, const char *path,
                       PEVENT_MAP_INFO map, USHORT length)
{
	USHORT consumed = 0;
	ULONG left = (ULONG)(w->end - w->data);
	ULONG status;
	for (;;) {
		ULONG size = w->text_size;
		status = TdhFormatProperty(w->info, map, w->pointer_size, p->nonStructType.InType,
		                           p->nonStructType.OutType, length,
		                           (USHORT)(left > 0xFFFF ? 0xFFFF : left), w->data, &size,
		                           w->text, &consumed);
		if (status != ERROR_INSUFFICIENT_BUFFER)
			break;
		WCHAR *n = realloc(w->text, size);
		if (!n) {
			status = ERROR_NOT_ENOUGH_MEMORY;
			break;
		}
		w->text = n;
		w->text_size = size;
	}
	if (status != ERROR_SUCCESS) {
		/* the payload ends inside this value */
		printf("%s: \n", path);
		w->stop = 1;
		return;
	}
	print_value_line(path, w->text);
	w->data += consumed;
}

static void print_properties(struct walk *w, USHORT first, USHORT count, const char *prefix)
{
	for (USHORT i = first; i < first + count && !w->stop; i++) {
		const EVENT_PROPERTY_INFO *p = &w->info->EventPropertyInfoArray[i];
		char name[512], path[1024];
		wide_to_utf8(prop_name(w->info, i), name, sizeof name);
		ULONG n;
		int is_array;
		ULONG status = array_count(w, p, &n, &is_array);
		if (status != ERROR_SUCCESS) {
			printf("! %s%s: array count: %lu\n", prefix, name, (unsigned long)status);
			g_failures++;
			w->stop = 1;
			return;
		}
		/* trailing properties may be absent (older, shorter payloads) */
		if (w->data >= w->end && !(is_array && n == 0)) {
			w->stop = 1;
			return;
		}
		if (p->Flags & PropertyStruct) {
			for (ULONG k = 0; k < n && !w->stop; k++) {
				if (w->depth >= MAX_DEPTH) {
					w->stop = 1;
					return;
				}
				if (is_array)
					snprintf(path, sizeof path, "%s%s[%lu].", prefix, name, (unsigned long)k);
				else
					snprintf(path, sizeof path, "%s%s.", prefix, name);
				w->path[w->depth].PropertyName = (ULONGLONG)(ULONG_PTR)prop_name(w->info, i);
				w->path[w->depth].ArrayIndex = is_array ? k : ULONG_MAX;
				w->path[w->depth].Reserved = 0;
				w->depth++;
				print_properties(w, p->structType.StructStartIndex,
				                 p->structType.NumOfStructMembers, path);
				w->depth--;
			}
			continue;
		}
		ULONG length = p->length;
		if (p->Flags & PropertyParamLength) {
			status = referenced_value(w, p->lengthPropertyIndex, &length);
			if (status != ERROR_SUCCESS) {
				printf("! %s%s: length: %lu\n", prefix, name, (unsigned long)status);
				g_failures++;
				w->stop = 1;
				return;
			}
		}
		/* an IPv6 address may be declared without its length */
		if (p->nonStructType.InType == TDH_INTYPE_BINARY &&
		    p->nonStructType.OutType == TDH_OUTTYPE_IPV6 && length == 0)
			length = 16;
		PEVENT_MAP_INFO map = get_map(w, p);
		for (ULONG k = 0; k < n && !w->stop; k++) {
			if (k && w->data >= w->end)
				break; /* an array that runs to the end of the payload */
			if (is_array)
				snprintf(path, sizeof path, "%s%s[%lu]", prefix, name, (unsigned long)k);
			else
				snprintf(path, sizeof path, "%s%s", prefix, name);
			format_one(w, p, path, map, (USHORT)(length > 0xFFFF ? 0xFFFF : length));
		}
		free(map);
	}
}

static void WINAPI on_event(PEVENT_RECORD ev)
{
	const EVENT_HEADER *h = &ev->EventHeader;
	g_events++;
	printf("EVENT %llu provider=", g_events);
	print_guid(&h->ProviderId);
	printf(" id=%u version=%u opcode=%u task=%u level=%u pid=%lu tid=%lu cpu=%lu ts=%lld size=%u\n",
	       h->EventDescriptor.Id, h->EventDescriptor.Version, h->EventDescriptor.Opcode,
	       h->EventDescriptor.Task, h->EventDescriptor.Level, (unsigned long)h->ProcessId,
	       (unsigned long)h->ThreadId, (unsigned long)GetEventProcessorIndex(ev),
	       (long long)h->TimeStamp.QuadPart, ev->UserDataLength);

	if (h->Flags & EVENT_HEADER_FLAG_STRING_ONLY) {
		/* the payload is one NUL-terminated UTF-16 string */
		size_t units = ev->UserDataLength / sizeof(WCHAR);
		WCHAR *s = calloc(units + 1, sizeof(WCHAR));
		if (s) {
			memcpy(s, ev->UserData, units * sizeof(WCHAR));
			print_value_line("String", s);
			free(s);
		}
		return;
	}

	ULONG size = 0;
	ULONG status = TdhGetEventInformation(ev, 0, NULL, NULL, &size);
	if (status != ERROR_INSUFFICIENT_BUFFER) {
		printf("! TdhGetEventInformation: %lu\n", (unsigned long)status);
		return;
	}
	PTRACE_EVENT_INFO info = malloc(size);
	if (!info)
		return;
	status = TdhGetEventInformation(ev, 0, NULL, info, &size);
	if (status != ERROR_SUCCESS) {
		printf("! TdhGetEventInformation: %lu\n", (unsigned long)status);
		g_failures++;
		free(info);
		return;
	}
	struct walk w;
	memset(&w, 0, sizeof w);
	w.event = ev;
	w.info = info;
	w.pointer_size = (h->Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) ? 4 : 8;
	w.data = (PBYTE)ev->UserData;
	w.end = w.data + ev->UserDataLength;
	print_properties(&w, 0, (USHORT)info->TopLevelPropertyCount, "");
	free(w.text);
	free(info);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.etl...\n", argv[0]);
		return 2;
	}
	int n = argc - 1;
	TRACEHANDLE *handles = calloc((size_t)n, sizeof *handles);
	EVENT_TRACE_LOGFILEW *logs = calloc((size_t)n, sizeof *logs);
	if (!handles || !logs)
		return 1;
	for (int i = 0; i < n; i++) {
		logs[i].LogFileName = utf8_to_wide(argv[i + 1]);
		logs[i].ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD;
		logs[i].EventRecordCallback = on_event;
		handles[i] = OpenTraceW(&logs[i]);
		if (handles[i] == INVALID_PROCESSTRACE_HANDLE) {
			fprintf(stderr, "OpenTraceW(%s) failed: %lu\n", argv[i + 1],
			        (unsigned long)GetLastError());
			return 1;
		}
	}
	ULONG status = ProcessTrace(handles, (ULONG)n, NULL, NULL);
	for (int i = 0; i < n; i++) {
		CloseTrace(handles[i]);
		free(logs[i].LogFileName);
	}
	free(handles);
	free(logs);
	fflush(stdout);
	if (status != ERROR_SUCCESS) {
		fprintf(stderr, "ProcessTrace failed: %lu\n", (unsigned long)status);
		return 1;
	}
	fprintf(stderr, "%llu events, %llu failed TDH calls\n", g_events, g_failures);
	return g_failures ? 1 : 0;
}
