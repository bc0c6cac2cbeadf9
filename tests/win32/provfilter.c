/*
 * provfilter.c - a small filtering consumer written against the Win32 ETW
 * API, in the manner of the Python ETW wrappers' examples: a table of the
 * providers of interest (GUID -> name), one callback per event, and filters
 * on event id, task name and process id.  Matching events are printed with
 * their top-level properties, read with TdhGetEventInformation and
 * TdhFormatProperty (the payload is walked in order).
 *
 * Nothing here is specific to etlkit: it builds with the Windows SDK and
 * against libetlkit-win32 with -I<prefix>/include/etlkit.
 *
 * Usage: provfilter [-p GUID[=NAME]]... [-e ID]... [-t TASK]... [-P PID]...
 *                   FILE.etl...
 *   -p  accept only these providers (repeatable; default: every provider)
 *   -e  accept only these event ids (repeatable)
 *   -t  accept only events whose TDH task name is one of these (repeatable)
 *   -P  accept only events of these process ids (repeatable)
 *
 * Output, per accepted event:
 *   EVENT <n> provider=<guid> name=<provider name> id=<id> opcode=<op>
 *         task=<task name> pid=<pid> tid=<tid> ts=<timestamp>
 *   <property>: <value>     top-level scalars and strings
 *   <property>: [<k> values] top-level arrays and structs (not expanded)
 * and on stderr a summary: events seen, events accepted.
 */
#include <windows.h>
#include <evntrace.h>
#include <evntcons.h>
#include <tdh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILTERS 64

struct provider {
	GUID guid;
	char name[128];
};

static struct provider providers[MAX_FILTERS];
static int n_providers;
static unsigned event_ids[MAX_FILTERS];
static int n_event_ids;
static char task_names[MAX_FILTERS][128];
static int n_task_names;
static unsigned long pids[MAX_FILTERS];
static int n_pids;

static unsigned long long seen, accepted;

/* ---- helpers ------------------------------------------------------------------- */

static int hexdigit(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", braces optional */
static int parse_guid(const char *s, GUID *g)
{
	unsigned char b[16];
	int n = 0;
	if (*s == '{')
		s++;
	for (int i = 0; n < 16 && s[i];) {
		if (s[i] == '-') {
			i++;
			continue;
		}
		int hi = hexdigit(s[i]), lo = s[i + 1] ? hexdigit(s[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return 0;
		b[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	if (n != 16)
		return 0;
	g->Data1 = (ULONG)b[0] << 24 | (ULONG)b[1] << 16 | (ULONG)b[2] << 8 | b[3];
	g->Data2 = (USHORT)(b[4] << 8 | b[5]);
	g->Data3 = (USHORT)(b[6] << 8 | b[7]);
	memcpy(g->Data4, b + 8, 8);
	return 1;
}

static void guid_text(const GUID *g, char out[40])
{
	snprintf(out, 40, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1],
	         g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

static void to_utf8(const WCHAR *w, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; w && w[i] && o + 4 < size; i++) {
		unsigned long c = w[i];
		if (c >= 0xD800 && c < 0xDC00 && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00);
			i++;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xC0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xE0 | c >> 12);
			out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | c >> 18);
			out[o++] = (char)(0x80 | (c >> 12 & 0x3F));
			out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	if (size)
		out[o] = 0;
}

static WCHAR *to_wide(const char *s)
{
	size_t n = strlen(s);
	WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
	if (!w)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		w[i] = (WCHAR)(unsigned char)s[i]; /* file names: ASCII here */
	return w;
}

static PWSTR at(PTRACE_EVENT_INFO info, ULONG off)
{
	return off ? (PWSTR)((PBYTE)info + off) : NULL;
}

/* ---- the callback -------------------------------------------------------------- */

static const struct provider *find_provider(const GUID *g)
{
	for (int i = 0; i < n_providers; i++)
		if (IsEqualGUID(&providers[i].guid, g))
			return &providers[i];
	return NULL;
}

static void print_top_level(PEVENT_RECORD ev, PTRACE_EVENT_INFO info)
{
	PBYTE data = (PBYTE)ev->UserData, end = data + ev->UserDataLength;
	ULONG ptr = (ev->EventHeader.Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) ? 4 : 8;
	ULONG text_size = 512;
	WCHAR *text = malloc(text_size);
	char name[256];
	static char value[1 << 16];
	if (!text)
		return;
	for (ULONG i = 0; i < info->TopLevelPropertyCount && data < end; i++) {
		const EVENT_PROPERTY_INFO *p = &info->EventPropertyInfoArray[i];
		to_utf8(at(info, p->NameOffset), name, sizeof name);
		int is_array = (p->Flags & (PropertyParamCount | PropertyParamFixedCount)) || p->count > 1;
		if ((p->Flags & PropertyStruct) || is_array) {
			/* its size, from TDH, to step over it */
			PROPERTY_DATA_DESCRIPTOR d;
			ULONG size = 0;
			d.PropertyName = (ULONGLONG)(ULONG_PTR)at(info, p->NameOffset);
			d.ArrayIndex = ULONG_MAX;
			d.Reserved = 0;
			if (TdhGetPropertySize(ev, 0, NULL, 1, &d, &size) != ERROR_SUCCESS)
				break;
			printf("%s: [%lu bytes]\n", name, (unsigned long)size);
			data += size;
			continue;
		}
		ULONG length = p->length;
		if (p->Flags & PropertyParamLength) {
			/* the length is the value of an earlier top-level property */
			PROPERTY_DATA_DESCRIPTOR d;
			BYTE buf[8] = { 0 };
			ULONG size = 0;
			d.PropertyName = (ULONGLONG)(ULONG_PTR)at(info, info->EventPropertyInfoArray[p->lengthPropertyIndex].NameOffset);
			d.ArrayIndex = ULONG_MAX;
			d.Reserved = 0;
			if (TdhGetPropertySize(ev, 0, NULL, 1, &d, &size) != ERROR_SUCCESS || size > 8 ||
			    TdhGetProperty(ev, 0, NULL, 1, &d, size, buf) != ERROR_SUCCESS)
				break;
			length = 0;
			for (ULONG k = size; k-- > 0;)
				length = length << 8 | buf[k];
		}
		/* value maps turn numbers into names */
		PEVENT_MAP_INFO map = NULL;
		if (p->nonStructType.MapNameOffset) {
			PWSTR mname = at(info, p->nonStructType.MapNameOffset);
			ULONG msize = 0;
			if (TdhGetEventMapInformation(ev, mname, NULL, &msize) == ERROR_INSUFFICIENT_BUFFER &&
			    (map = malloc(msize)) != NULL &&
			    TdhGetEventMapInformation(ev, mname, map, &msize) != ERROR_SUCCESS) {
				free(map);
				map = NULL;
			}
		}
		USHORT consumed = 0;
		ULONG status;
		for (;;) {
			ULONG size = text_size;
			status = TdhFormatProperty(info, map, ptr, p->nonStructType.InType,
			                           p->nonStructType.OutType, (USHORT)length,
			                           (USHORT)(end - data), data, &size, text, &consumed);
			if (status != ERROR_INSUFFICIENT_BUFFER)
				break;
			WCHAR *n = realloc(text, size);
			if (!n)
				break;
			text = n;
			text_size = size;
		}
		free(map);
		if (status != ERROR_SUCCESS)
			break;
		to_utf8(text, value, sizeof value);
		for (char *c = value; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		printf("%s: %s\n", name, value);
		data += consumed;
	}
	free(text);
}

static void WINAPI on_event(PEVENT_RECORD ev)
{
	const EVENT_HEADER *h = &ev->EventHeader;
	seen++;
	const struct provider *prov = NULL;
	if (n_providers && !(prov = find_provider(&h->ProviderId)))
		return;
	if (n_event_ids) {
		int ok = 0;
		for (int i = 0; i < n_event_ids && !ok; i++)
			ok = event_ids[i] == h->EventDescriptor.Id;
		if (!ok)
			return;
	}
	if (n_pids) {
		int ok = 0;
		for (int i = 0; i < n_pids && !ok; i++)
			ok = pids[i] == h->ProcessId;
		if (!ok)
			return;
	}
	PTRACE_EVENT_INFO info = NULL;
	ULONG size = 0;
	if (!(h->Flags & EVENT_HEADER_FLAG_STRING_ONLY) &&
	    TdhGetEventInformation(ev, 0, NULL, NULL, &size) == ERROR_INSUFFICIENT_BUFFER) {
		info = malloc(size);
		if (info && TdhGetEventInformation(ev, 0, NULL, info, &size) != ERROR_SUCCESS) {
			free(info);
			info = NULL;
		}
	}
	char task[256] = "";
	if (info)
		to_utf8(at(info, info->TaskNameOffset), task, sizeof task);
	if (n_task_names) {
		int ok = 0;
		for (int i = 0; i < n_task_names && !ok; i++)
			ok = strcmp(task_names[i], task) == 0;
		if (!ok) {
			free(info);
			return;
		}
	}
	accepted++;
	char g[40], pname[256] = "";
	guid_text(&h->ProviderId, g);
	if (prov && prov->name[0])
		snprintf(pname, sizeof pname, "%s", prov->name);
	else if (info)
		to_utf8(at(info, info->ProviderNameOffset), pname, sizeof pname);
	printf("EVENT %llu provider=%s name=%s id=%u opcode=%u task=%s pid=%lu tid=%lu ts=%lld\n",
	       accepted, g, pname, h->EventDescriptor.Id, h->EventDescriptor.Opcode, task,
	       (unsigned long)h->ProcessId, (unsigned long)h->ThreadId,
	       (long long)h->TimeStamp.QuadPart);
	if (info)
		print_top_level(ev, info);
	free(info);
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];
		if (i + 1 >= argc) {
			fprintf(stderr, "%s needs a value\n", opt);
			return 2;
		}
		const char *val = argv[++i];
		if (!strcmp(opt, "-p") && n_providers < MAX_FILTERS) {
			struct provider *p = &providers[n_providers];
			const char *eq = strchr(val, '=');
			if (!parse_guid(val, &p->guid)) {
				fprintf(stderr, "bad provider GUID: %s\n", val);
				return 2;
			}
			if (eq)
				snprintf(p->name, sizeof p->name, "%s", eq + 1);
			n_providers++;
		} else if (!strcmp(opt, "-e") && n_event_ids < MAX_FILTERS) {
			event_ids[n_event_ids++] = (unsigned)strtoul(val, NULL, 0);
		} else if (!strcmp(opt, "-t") && n_task_names < MAX_FILTERS) {
			snprintf(task_names[n_task_names++], sizeof task_names[0], "%s", val);
		} else if (!strcmp(opt, "-P") && n_pids < MAX_FILTERS) {
			pids[n_pids++] = strtoul(val, NULL, 0);
		} else {
			fprintf(stderr, "unknown option %s\n", opt);
			return 2;
		}
	}
	int n = argc - i;
	if (n <= 0) {
		fprintf(stderr, "usage: %s [-p GUID[=NAME]] [-e ID] [-t TASK] [-P PID] FILE.etl...\n",
		        argv[0]);
		return 2;
	}
	TRACEHANDLE *h = calloc((size_t)n, sizeof *h);
	EVENT_TRACE_LOGFILEW *lf = calloc((size_t)n, sizeof *lf);
	if (!h || !lf)
		return 1;
	for (int k = 0; k < n; k++) {
		lf[k].LogFileName = to_wide(argv[i + k]);
		lf[k].ProcessTraceMode = PROCESS_TRACE_MODE_EVENT_RECORD;
		lf[k].EventRecordCallback = on_event;
		h[k] = OpenTraceW(&lf[k]);
		if (h[k] == INVALID_PROCESSTRACE_HANDLE) {
			fprintf(stderr, "OpenTraceW(%s): error %lu\n", argv[i + k],
			        (unsigned long)GetLastError());
			return 1;
		}
	}
	ULONG status = ProcessTrace(h, (ULONG)n, NULL, NULL);
	for (int k = 0; k < n; k++) {
		CloseTrace(h[k]);
		free(lf[k].LogFileName);
	}
	free(h);
	free(lf);
	fflush(stdout);
	fprintf(stderr, "%llu events seen, %llu accepted\n", seen, accepted);
	if (status != ERROR_SUCCESS) {
		fprintf(stderr, "ProcessTrace: error %lu\n", (unsigned long)status);
		return 1;
	}
	return 0;
}
