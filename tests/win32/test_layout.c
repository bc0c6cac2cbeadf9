/*
 * test_layout.c - sizeof and offsetof of every structure of the Win32
 * consumer headers against the Windows SDK's x64 layout.
 *
 * The expected numbers are derived by hand from the field lists of the SDK
 * documentation (learn.microsoft.com: EVENT_RECORD, EVENT_HEADER,
 * ETW_BUFFER_CONTEXT, EVENT_HEADER_EXTENDED_DATA_ITEM, EVENT_DESCRIPTOR,
 * EVENT_TRACE_HEADER, EVENT_TRACE, TRACE_LOGFILE_HEADER,
 * EVENT_TRACE_LOGFILEW, TRACE_EVENT_INFO, EVENT_PROPERTY_INFO,
 * EVENT_MAP_INFO, EVENT_MAP_ENTRY, PROPERTY_DATA_DESCRIPTOR, TDH_CONTEXT,
 * TIME_ZONE_INFORMATION, SYSTEMTIME) with natural alignment of the x64 ABI
 * (LLP64: LONG/ULONG 4 bytes, pointers 8); TRACE_EVENT_INFO and
 * EVENT_PROPERTY_INFO also agree with decoding.md §2.1/§2.2, which was
 * checked against KernelTraceControl blobs.  The derivation is in the
 * comments below.
 *
 * The same file builds against the real SDK headers (MinGW-w64 for x64:
 * `x86_64-w64-mingw32-gcc tests/win32/test_layout.c` and run it under Wine),
 * which cross-checks the numbers; .ci/run does that when MinGW and Wine are
 * installed.  TAP output.
 */
#include <windows.h>
#include <evntrace.h>
#include <evntcons.h>
#include <tdh.h>
#include <stddef.h>
#include <stdio.h>

static int n_tests, n_failed;

static void check(const char *what, unsigned long long got, unsigned long long want)
{
	n_tests++;
	if (got == want) {
		printf("ok %d - %s = %llu\n", n_tests, what, want);
	} else {
		printf("not ok %d - %s = %llu, expected %llu\n", n_tests, what, got, want);
		n_failed++;
	}
}

#define SIZE(T, v) check("sizeof(" #T ")", sizeof(T), v)
#define OFF(T, f, v) check("offsetof(" #T ", " #f ")", offsetof(T, f), v)

int main(void)
{
	if (sizeof(void *) != 8) {
		printf("1..0 # SKIP the expected numbers are those of 64-bit Windows\n");
		return 0;
	}
	/* base types */
	SIZE(WCHAR, 2);
	SIZE(ULONG, 4);
	SIZE(LONG, 4);
	SIZE(GUID, 16);
	SIZE(LARGE_INTEGER, 8);
	SIZE(FILETIME, 8);
	SIZE(SYSTEMTIME, 16);              /* 8 WORDs */
	/* LONG Bias; WCHAR StandardName[32]; SYSTEMTIME; LONG; WCHAR[32]; SYSTEMTIME; LONG */
	SIZE(TIME_ZONE_INFORMATION, 172);
	OFF(TIME_ZONE_INFORMATION, StandardName, 4);
	OFF(TIME_ZONE_INFORMATION, StandardDate, 68);
	OFF(TIME_ZONE_INFORMATION, StandardBias, 84);
	OFF(TIME_ZONE_INFORMATION, DaylightName, 88);
	OFF(TIME_ZONE_INFORMATION, DaylightDate, 152);
	OFF(TIME_ZONE_INFORMATION, DaylightBias, 168);

	/* EVENT_DESCRIPTOR: USHORT Id, UCHAR x4, USHORT Task, ULONGLONG Keyword */
	SIZE(EVENT_DESCRIPTOR, 16);
	OFF(EVENT_DESCRIPTOR, Version, 2);
	OFF(EVENT_DESCRIPTOR, Opcode, 5);
	OFF(EVENT_DESCRIPTOR, Task, 6);
	OFF(EVENT_DESCRIPTOR, Keyword, 8);

	/* ETW_BUFFER_CONTEXT: union { UCHAR, UCHAR | USHORT } + USHORT LoggerId */
	SIZE(ETW_BUFFER_CONTEXT, 4);
	OFF(ETW_BUFFER_CONTEXT, ProcessorNumber, 0);
	OFF(ETW_BUFFER_CONTEXT, Alignment, 1);
	OFF(ETW_BUFFER_CONTEXT, ProcessorIndex, 0);
	OFF(ETW_BUFFER_CONTEXT, LoggerId, 2);

	/* EVENT_HEADER_EXTENDED_DATA_ITEM: USHORT x2, bit-field USHORT, USHORT, ULONGLONG */
	SIZE(EVENT_HEADER_EXTENDED_DATA_ITEM, 16);
	OFF(EVENT_HEADER_EXTENDED_DATA_ITEM, ExtType, 2);
	OFF(EVENT_HEADER_EXTENDED_DATA_ITEM, DataSize, 6);
	OFF(EVENT_HEADER_EXTENDED_DATA_ITEM, DataPtr, 8);

	/* EVENT_HEADER: 4 USHORTs (8), 2 ULONGs (16), LARGE_INTEGER (24), GUID (40),
	 * EVENT_DESCRIPTOR (56), union of 2 ULONGs / ULONG64 (64), GUID (80) */
	SIZE(EVENT_HEADER, 80);
	OFF(EVENT_HEADER, HeaderType, 2);
	OFF(EVENT_HEADER, Flags, 4);
	OFF(EVENT_HEADER, EventProperty, 6);
	OFF(EVENT_HEADER, ThreadId, 8);
	OFF(EVENT_HEADER, ProcessId, 12);
	OFF(EVENT_HEADER, TimeStamp, 16);
	OFF(EVENT_HEADER, ProviderId, 24);
	OFF(EVENT_HEADER, EventDescriptor, 40);
	OFF(EVENT_HEADER, KernelTime, 56);
	OFF(EVENT_HEADER, UserTime, 60);
	OFF(EVENT_HEADER, ProcessorTime, 56);
	OFF(EVENT_HEADER, ActivityId, 64);

	/* EVENT_RECORD: EVENT_HEADER (80), ETW_BUFFER_CONTEXT (84), 2 USHORTs (88),
	 * 3 pointers (112): 0x70, not 0x68 */
	SIZE(EVENT_RECORD, 112);
	OFF(EVENT_RECORD, BufferContext, 80);
	OFF(EVENT_RECORD, ExtendedDataCount, 84);
	OFF(EVENT_RECORD, UserDataLength, 86);
	OFF(EVENT_RECORD, ExtendedData, 88);
	OFF(EVENT_RECORD, UserData, 96);
	OFF(EVENT_RECORD, UserContext, 104);

	/* EVENT_TRACE_HEADER: USHORT, union USHORT, union ULONG, 2 ULONGs,
	 * LARGE_INTEGER (16), union GUID/ULONGLONG (24), union of 8 bytes (40) */
	SIZE(EVENT_TRACE_HEADER, 48);
	OFF(EVENT_TRACE_HEADER, HeaderType, 2);
	OFF(EVENT_TRACE_HEADER, MarkerFlags, 3);
	OFF(EVENT_TRACE_HEADER, Class, 4);
	OFF(EVENT_TRACE_HEADER, ThreadId, 8);
	OFF(EVENT_TRACE_HEADER, ProcessId, 12);
	OFF(EVENT_TRACE_HEADER, TimeStamp, 16);
	OFF(EVENT_TRACE_HEADER, Guid, 24);
	OFF(EVENT_TRACE_HEADER, KernelTime, 40);
	OFF(EVENT_TRACE_HEADER, UserTime, 44);

	/* EVENT_TRACE: header (48), 2 ULONGs (56), GUID (72), PVOID (80), ULONG,
	 * union ULONG / ETW_BUFFER_CONTEXT (84), size 88 */
	SIZE(EVENT_TRACE, 88);
	OFF(EVENT_TRACE, InstanceId, 48);
	OFF(EVENT_TRACE, ParentGuid, 56);
	OFF(EVENT_TRACE, MofData, 72);
	OFF(EVENT_TRACE, MofLength, 80);
	OFF(EVENT_TRACE, BufferContext, 84);

	/* TRACE_LOGFILE_HEADER: 4 ULONGs (16), LARGE_INTEGER EndTime (16..24),
	 * 4 ULONGs (40), union GUID / 4 ULONGs (40..56), 2 LPWSTR (56, 64),
	 * TIME_ZONE_INFORMATION (72..244), 3 LARGE_INTEGERs from 248 (aligned),
	 * 2 ULONGs (272, 276): 280 = 0x118 */
	SIZE(TRACE_LOGFILE_HEADER, 280);
	OFF(TRACE_LOGFILE_HEADER, Version, 4);
	OFF(TRACE_LOGFILE_HEADER, ProviderVersion, 8);
	OFF(TRACE_LOGFILE_HEADER, NumberOfProcessors, 12);
	OFF(TRACE_LOGFILE_HEADER, EndTime, 16);
	OFF(TRACE_LOGFILE_HEADER, TimerResolution, 24);
	OFF(TRACE_LOGFILE_HEADER, MaximumFileSize, 28);
	OFF(TRACE_LOGFILE_HEADER, LogFileMode, 32);
	OFF(TRACE_LOGFILE_HEADER, BuffersWritten, 36);
	OFF(TRACE_LOGFILE_HEADER, LogInstanceGuid, 40);
	OFF(TRACE_LOGFILE_HEADER, StartBuffers, 40);
	OFF(TRACE_LOGFILE_HEADER, PointerSize, 44);
	OFF(TRACE_LOGFILE_HEADER, EventsLost, 48);
	OFF(TRACE_LOGFILE_HEADER, CpuSpeedInMHz, 52);
	OFF(TRACE_LOGFILE_HEADER, LoggerName, 56);
	OFF(TRACE_LOGFILE_HEADER, LogFileName, 64);
	OFF(TRACE_LOGFILE_HEADER, TimeZone, 72);
	OFF(TRACE_LOGFILE_HEADER, BootTime, 248);
	OFF(TRACE_LOGFILE_HEADER, PerfFreq, 256);
	OFF(TRACE_LOGFILE_HEADER, StartTime, 264);
	OFF(TRACE_LOGFILE_HEADER, ReservedFlags, 272);
	OFF(TRACE_LOGFILE_HEADER, BuffersLost, 276);

	/* EVENT_TRACE_LOGFILEW: 2 LPWSTR (16), LONGLONG (24), ULONG, union ULONG
	 * (32), EVENT_TRACE (32..120), TRACE_LOGFILE_HEADER (120..400),
	 * callback pointer (400), 3 ULONGs (408..420), pad, union of callback
	 * pointers (424), ULONG IsKernelTrace (432), pad, PVOID Context (440):
	 * 448 = 0x1C0 */
	SIZE(EVENT_TRACE_LOGFILEW, 448);
	OFF(EVENT_TRACE_LOGFILEW, LoggerName, 8);
	OFF(EVENT_TRACE_LOGFILEW, CurrentTime, 16);
	OFF(EVENT_TRACE_LOGFILEW, BuffersRead, 24);
	OFF(EVENT_TRACE_LOGFILEW, ProcessTraceMode, 28);
	OFF(EVENT_TRACE_LOGFILEW, CurrentEvent, 32);
	OFF(EVENT_TRACE_LOGFILEW, LogfileHeader, 120);
	OFF(EVENT_TRACE_LOGFILEW, BufferCallback, 400);
	OFF(EVENT_TRACE_LOGFILEW, BufferSize, 408);
	OFF(EVENT_TRACE_LOGFILEW, Filled, 412);
	OFF(EVENT_TRACE_LOGFILEW, EventsLost, 416);
	OFF(EVENT_TRACE_LOGFILEW, EventRecordCallback, 424);
	OFF(EVENT_TRACE_LOGFILEW, EventCallback, 424);
	OFF(EVENT_TRACE_LOGFILEW, IsKernelTrace, 432);
	OFF(EVENT_TRACE_LOGFILEW, Context, 440);

	/* EVENT_PROPERTY_INFO: decoding.md §2.2, 24 bytes */
	SIZE(EVENT_PROPERTY_INFO, 24);
	OFF(EVENT_PROPERTY_INFO, NameOffset, 4);
	OFF(EVENT_PROPERTY_INFO, nonStructType.InType, 8);
	OFF(EVENT_PROPERTY_INFO, nonStructType.OutType, 10);
	OFF(EVENT_PROPERTY_INFO, nonStructType.MapNameOffset, 12);
	OFF(EVENT_PROPERTY_INFO, structType.StructStartIndex, 8);
	OFF(EVENT_PROPERTY_INFO, structType.NumOfStructMembers, 10);
	OFF(EVENT_PROPERTY_INFO, count, 16);
	OFF(EVENT_PROPERTY_INFO, length, 18);
	OFF(EVENT_PROPERTY_INFO, Reserved, 20);

	/* TRACE_EVENT_INFO: decoding.md §2.1; properties from 112; with the one
	 * declared element 136 (8-aligned because of EVENT_DESCRIPTOR.Keyword) */
	SIZE(TRACE_EVENT_INFO, 136);
	OFF(TRACE_EVENT_INFO, EventGuid, 16);
	OFF(TRACE_EVENT_INFO, EventDescriptor, 32);
	OFF(TRACE_EVENT_INFO, DecodingSource, 48);
	OFF(TRACE_EVENT_INFO, ProviderNameOffset, 52);
	OFF(TRACE_EVENT_INFO, LevelNameOffset, 56);
	OFF(TRACE_EVENT_INFO, ChannelNameOffset, 60);
	OFF(TRACE_EVENT_INFO, KeywordsNameOffset, 64);
	OFF(TRACE_EVENT_INFO, TaskNameOffset, 68);
	OFF(TRACE_EVENT_INFO, OpcodeNameOffset, 72);
	OFF(TRACE_EVENT_INFO, EventMessageOffset, 76);
	OFF(TRACE_EVENT_INFO, ProviderMessageOffset, 80);
	OFF(TRACE_EVENT_INFO, BinaryXMLOffset, 84);
	OFF(TRACE_EVENT_INFO, BinaryXMLSize, 88);
#ifndef __MINGW32__ /* MinGW-w64's tdh.h predates these union members */
	OFF(TRACE_EVENT_INFO, EventNameOffset, 92);
	OFF(TRACE_EVENT_INFO, EventAttributesOffset, 96);
#endif
	OFF(TRACE_EVENT_INFO, ActivityIDNameOffset, 92);
	OFF(TRACE_EVENT_INFO, RelatedActivityIDNameOffset, 96);
	OFF(TRACE_EVENT_INFO, PropertyCount, 100);
	OFF(TRACE_EVENT_INFO, TopLevelPropertyCount, 104);
	OFF(TRACE_EVENT_INFO, Flags, 108);
	OFF(TRACE_EVENT_INFO, EventPropertyInfoArray, 112);

	/* EVENT_MAP_ENTRY: 2 ULONGs; EVENT_MAP_INFO: decoding.md §2.3, entries
	 * from 16, 24 with the one declared entry */
	SIZE(EVENT_MAP_ENTRY, 8);
	OFF(EVENT_MAP_ENTRY, Value, 4);
	SIZE(EVENT_MAP_INFO, 24);
	OFF(EVENT_MAP_INFO, Flag, 4);
	OFF(EVENT_MAP_INFO, EntryCount, 8);
	OFF(EVENT_MAP_INFO, MapEntryValueType, 12);
	OFF(EVENT_MAP_INFO, FormatStringOffset, 12);
	OFF(EVENT_MAP_INFO, MapEntryArray, 16);

	/* PROPERTY_DATA_DESCRIPTOR: ULONGLONG, 2 ULONGs */
	SIZE(PROPERTY_DATA_DESCRIPTOR, 16);
	OFF(PROPERTY_DATA_DESCRIPTOR, ArrayIndex, 8);
	OFF(PROPERTY_DATA_DESCRIPTOR, Reserved, 12);

	/* TDH_CONTEXT: ULONGLONG, enum, ULONG */
	SIZE(TDH_CONTEXT, 16);
	OFF(TDH_CONTEXT, ParameterType, 8);
	OFF(TDH_CONTEXT, ParameterSize, 12);

	/* constants */
	check("PROCESS_TRACE_MODE_EVENT_RECORD", PROCESS_TRACE_MODE_EVENT_RECORD, 0x10000000);
	check("PROCESS_TRACE_MODE_RAW_TIMESTAMP", PROCESS_TRACE_MODE_RAW_TIMESTAMP, 0x1000);
	check("PROCESS_TRACE_MODE_REAL_TIME", PROCESS_TRACE_MODE_REAL_TIME, 0x100);
	check("INVALID_PROCESSTRACE_HANDLE", (ULONG64)INVALID_PROCESSTRACE_HANDLE, 0xFFFFFFFFFFFFFFFFull);
	check("ERROR_INSUFFICIENT_BUFFER", ERROR_INSUFFICIENT_BUFFER, 122);
	check("ERROR_NOT_FOUND", ERROR_NOT_FOUND, 1168);
	check("ERROR_EVT_INVALID_EVENT_DATA", ERROR_EVT_INVALID_EVENT_DATA, 15005);
	check("ERROR_CANCELLED", ERROR_CANCELLED, 1223);
	check("EVENT_HEADER_FLAG_CLASSIC_HEADER", EVENT_HEADER_FLAG_CLASSIC_HEADER, 0x100);
#ifndef __MINGW32__ /* newer than MinGW-w64's headers */
	check("EVENT_HEADER_EXT_TYPE_PROV_TRAITS", EVENT_HEADER_EXT_TYPE_PROV_TRAITS, 12);
	check("TDH_INTYPE_COUNTEDSTRING", TDH_INTYPE_COUNTEDSTRING, 300);
	check("TDH_INTYPE_WBEMSID", TDH_INTYPE_WBEMSID, 310);
	check("TDH_OUTTYPE_DATETIME_UTC", TDH_OUTTYPE_DATETIME_UTC, 38);
	check("TDH_OUTTYPE_NOPRINT", TDH_OUTTYPE_NOPRINT, 301);
	check("PropertyHasCustomSchema", PropertyHasCustomSchema, 0x80);
#endif
	check("EVENTMAP_INFO_FLAG_WBEM_NO_MAP", EVENTMAP_INFO_FLAG_WBEM_NO_MAP, 0x40);

	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
