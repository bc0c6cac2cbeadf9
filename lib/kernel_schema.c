/*
 * kernel_schema.c - the built-in schemas of the classic NT Kernel Logger
 * event classes (MOF, decoding.md §5) and of the synthetic events that
 * KernelTraceControl inserts into merged traces (ImageID/DbgID and SysConfig,
 * decoding.md §8.2, §8.3).
 *
 * Kernel records (SYSTEM/COMPACT/PERFINFO headers) carry no schema and no
 * GUID: the HookId group selects the class GUID (etl-format.md §3.10) and the
 * layout is keyed by (class GUID, event type, header Version).  Windows gets
 * the layouts from the kernel MOF registered in WMI; that MOF is not
 * available here, so this file carries the layouts as const data.  Facts come
 * from the "Windows Kernel" manifest dumps (one file per class GUID), from the
 * Vista-era kernel.mof for the qualifiers those dumps lost (pointer-sized
 * TcpIp connid, WmiTime, ports, IP addresses, hex formats), and from the
 * layouts measured on the corpus (decoding.md §5.4-5.6).
 *
 * Everything here is static const: one etl_prop array per layout, shared by
 * the event types and versions that use it, one etl_schema per (class, type,
 * version).  Nothing is built at run time, so the table needs no locking and
 * its pointers live as long as the program.
 *
 * Choices that differ from a literal reading of the dumps:
 *  - WmiTime fields (InitialTime) are 8 bytes on both widths; the dumps show
 *    them as pointers.
 *  - TcpIp/UdpIp connid is pointer-sized (MOF PointerType); the dumps show
 *    UInt32, which leaves 4 bytes on 64-bit events.
 *  - StackWalk frames are one array that runs to the end of the payload
 *    (ETL_PF_TO_END) instead of the 32 fixed Stack1..Stack32 fields.
 *  - Thread v3 TypeGroup1 ends with ThreadName marked ETL_PF_OPTIONAL: the
 *    same version number is written with (build 18362) and without it (9200).
 *  - SystemConfig PnP v4/v5 UpperFilters/LowerFilters are string arrays
 *    counted by UpperFiltersCount/LowerFiltersCount (absent when 0).
 *  - Process/thread ids render in decimal although the Vista MOF formats some
 *    of them as hex; flags, masks and status codes keep the MOF's hex.
 *  - ALPC PortName is UTF-16 as in the dumps (the Vista MOF has 8-bit).
 *
 * With these, every SYSTEM/PERFINFO and ImageID/SysConfig record of the
 * corpus traces is consumed exactly (tests/test_kernel_schema.c).
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

/* ---- property shorthands ------------------------------------------------ */

#define PROP(n, in, out, fl, cnt, len) \
	{ .name = (n), .flags = (fl), .in_type = (in), .out_type = (out), \
	  .count = (cnt), .length = (len) }

#define U8(n)     PROP(n, ETL_IN_UINT8, ETL_OUT_NULL, 0, 1, 0)
#define I8(n)     PROP(n, ETL_IN_INT8, ETL_OUT_NULL, 0, 1, 0)
#define X8(n)     PROP(n, ETL_IN_UINT8, ETL_OUT_HEXINT8, 0, 1, 0)
#define U16(n)    PROP(n, ETL_IN_UINT16, ETL_OUT_NULL, 0, 1, 0)
#define I16(n)    PROP(n, ETL_IN_INT16, ETL_OUT_NULL, 0, 1, 0)
#define X16(n)    PROP(n, ETL_IN_UINT16, ETL_OUT_HEXINT16, 0, 1, 0)
#define U32(n)    PROP(n, ETL_IN_UINT32, ETL_OUT_NULL, 0, 1, 0)
#define I32(n)    PROP(n, ETL_IN_INT32, ETL_OUT_NULL, 0, 1, 0)
#define X32(n)    PROP(n, ETL_IN_UINT32, ETL_OUT_HEXINT32, 0, 1, 0)
#define U64(n)    PROP(n, ETL_IN_UINT64, ETL_OUT_NULL, 0, 1, 0)
#define I64(n)    PROP(n, ETL_IN_INT64, ETL_OUT_NULL, 0, 1, 0)
#define X64(n)    PROP(n, ETL_IN_UINT64, ETL_OUT_HEXINT64, 0, 1, 0)
#define BOOL(n)   PROP(n, ETL_IN_BOOLEAN, ETL_OUT_NULL, 0, 1, 0)
#define GUIDF(n)  PROP(n, ETL_IN_GUID, ETL_OUT_NULL, 0, 1, 0)
#define FTIME(n)  PROP(n, ETL_IN_FILETIME, ETL_OUT_NULL, 0, 1, 0)
/* MOF extension("WmiTime"): a timestamp in the trace clock, 8 bytes always */
#define WMITIME(n) PROP(n, ETL_IN_UINT64, ETL_OUT_NULL, 0, 1, 0)
/* MOF pointer / PointerType: P bytes, P from the record header */
#define PTR(n)    PROP(n, ETL_IN_POINTER, ETL_OUT_NULL, 0, 1, 0)
/* MOF extension("SizeT") */
#define SIZET(n)  PROP(n, ETL_IN_MOF_SIZET, ETL_OUT_NULL, 0, 1, 0)
/* MOF extension("Sid"): TOKEN_USER (2 P bytes) then a SID, or a u32 0 */
#define SID(n)    PROP(n, ETL_IN_MOF_WBEMSID, ETL_OUT_NULL, 0, 1, 0)
/* MOF extension("IPAddr"/"IPAddrV4"/"IPAddrV6"/"Port"): network order */
#define IPV4(n)   PROP(n, ETL_IN_UINT32, ETL_OUT_IPV4, 0, 1, 0)
#define IPV6(n)   PROP(n, ETL_IN_X_IPV6, ETL_OUT_IPV6, 0, 1, 16)
#define PORT(n)   PROP(n, ETL_IN_UINT16, ETL_OUT_PORT, 0, 1, 0)
/* NUL-terminated strings: string format("w") and plain string */
#define WSTR(n)   PROP(n, ETL_IN_UNICODESTRING, ETL_OUT_NULL, 0, 1, 0)
#define ASTR(n)   PROP(n, ETL_IN_ANSISTRING, ETL_OUT_NULL, 0, 1, 0)
#define U8STR(n)  PROP(n, ETL_IN_ANSISTRING, ETL_OUT_UTF8, 0, 1, 0)
/* a trailing string that older payloads of the same version lack */
#define OWSTR(n)  PROP(n, ETL_IN_UNICODESTRING, ETL_OUT_NULL, ETL_PF_OPTIONAL, 1, 0)
/* char16 Name[N]: N UTF-16 units, the text ends at the first NUL */
#define WCHARS(n, N) PROP(n, ETL_IN_UNICODESTRING, ETL_OUT_NULL, ETL_PF_FIXED_LENGTH, 1, N)
/* uint8 Name[N] */
#define BYTES(n, N) PROP(n, ETL_IN_BINARY, ETL_OUT_NULL, ETL_PF_FIXED_LENGTH, 1, N)
#define NOPRINT_BYTES(n, N) PROP(n, ETL_IN_BINARY, ETL_OUT_NOPRINT, ETL_PF_FIXED_LENGTH, 1, N)
/* pointers until the payload ends (stack frames) */
#define FRAMES(n) PROP(n, ETL_IN_POINTER, ETL_OUT_NULL, ETL_PF_TO_END, 0, 0)
/* an array whose element count is the value of property index i */
#define COUNTED(n, in, i) PROP(n, in, ETL_OUT_NULL, ETL_PF_PARAM_COUNT, i, 0)

/* ---- class GUIDs (etl-format.md §3.10, decoding.md §8) -------------------- */

#define GUID_EventTrace   { 0x68fdd900, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } }
#define GUID_DiskIo       { 0x3d6fa8d4, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } }
#define GUID_PageFault    { 0x3d6fa8d3, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } }
#define GUID_Process      { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } }
#define GUID_FileIo       { 0x90cbdc39, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } }
#define GUID_Thread       { 0x3d6fa8d1, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } }
#define GUID_TcpIp        { 0x9a280ac0, 0xc8e0, 0x11d1, { 0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2 } }
#define GUID_UdpIp        { 0xbf3a50c5, 0xa9c9, 0x4988, { 0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80 } }
#define GUID_Registry     { 0xae53722e, 0xc863, 0x11d2, { 0x86, 0x59, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1 } }
#define GUID_SystemConfig { 0x01853a65, 0x418f, 0x4f36, { 0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35 } }
#define GUID_PerfInfo     { 0xce1dbfb4, 0x137e, 0x4da6, { 0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc } }
#define GUID_Image        { 0x2cb15d1d, 0x5fc1, 0x11d2, { 0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18 } }
#define GUID_StackWalk    { 0xdef2fe46, 0x7bd6, 0x4b80, { 0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3 } }
#define GUID_ALPC         { 0x45d8cccd, 0x539f, 0x4b72, { 0xa8, 0xb7, 0x5c, 0x68, 0x31, 0x42, 0x60, 0x9a } }
#define GUID_Lost_Event   { 0x6a399ae0, 0x4bc6, 0x4de9, { 0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e, 0x7e } }
#define GUID_ImageID      { 0xb3e675d7, 0x2554, 0x4f18, { 0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde } }
#define GUID_SysConfig    { 0x9b79ee91, 0xb5fd, 0x41c0, { 0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0 } }

/* ---- schema shorthands ---------------------------------------------------- */

#define NPROPS(a) ((uint16_t)(sizeof(a) / sizeof((a)[0])))

#define SCHEMA(cls, prov, type, ver, opname, evname, p, n) \
	{ .provider = GUID_##cls, .event_guid = GUID_##cls, .version = (ver), \
	  .opcode = (type), .source = ETL_SRC_MOF, .provider_name = (prov), \
	  .event_name = (evname), .task_name = #cls, .opcode_name = (opname), \
	  .prop_count = (n), .top_count = (n), .props = (p) }

/* a kernel event type: event name "Class/Type" */
#define EV(cls, type, ver, opname, p) \
	SCHEMA(cls, "Windows Kernel", type, ver, opname, #cls "/" opname, p, NPROPS(p))
/* a kernel event type without payload */
#define EV0(cls, type, ver, opname) \
	SCHEMA(cls, "Windows Kernel", type, ver, opname, #cls "/" opname, NULL, 0)
/* a KernelTraceControl event type */
#define KTC(cls, type, ver, opname, evname, p) \
	SCHEMA(cls, "KernelTraceControl", type, ver, opname, evname, p, NPROPS(p))

/* ---- EventTrace (the logger's own records, etl-format.md §8.3) ---------- */

/* Header: the TRACE_LOGFILE_HEADER of the file's first record (decoding.md
 * §5.4); the two name pointers are stale, the names follow as strings. */
static const etl_prop eventtrace_header[] = {
	U32("BufferSize"),
	U32("Version"),
	U32("ProviderVersion"),
	U32("NumberOfProcessors"),
	U64("EndTime"),
	U32("TimerResolution"),
	U32("MaxFileSize"),
	X32("LogFileMode"),
	U32("BuffersWritten"),
	U32("StartBuffers"),
	U32("PointerSize"),
	U32("EventsLost"),
	U32("CPUSpeed"),
	PTR("LoggerName"),
	PTR("LogFileName"),
	/* TIME_ZONE_INFORMATION (172 bytes) padded to 8-byte alignment */
	NOPRINT_BYTES("TimeZoneInformation", 176),
	U64("BootTime"),
	U64("PerfFreq"),
	U64("StartTime"),
	X32("ReservedFlags"),
	U32("BuffersLost"),
	WSTR("SessionNameString"),
	WSTR("LogFileNameString"),
};

/* Extension / EndExtension: the enabled group masks */
static const etl_prop eventtrace_extension_v0[] = {
	X32("GroupMask1"),
	X32("GroupMask2"),
	X32("GroupMask3"),
	X32("GroupMask4"),
	X32("GroupMask5"),
	X32("GroupMask6"),
	X32("GroupMask7"),
	X32("GroupMask8"),
};

static const etl_prop eventtrace_extension[] = {
	X32("GroupMask1"),
	X32("GroupMask2"),
	X32("GroupMask3"),
	X32("GroupMask4"),
	X32("GroupMask5"),
	X32("GroupMask6"),
	X32("GroupMask7"),
	X32("GroupMask8"),
	X32("KernelEventVersion"),
};

static const etl_prop eventtrace_dbgidrsds[] = {
	GUIDF("Guid"),
	U32("Age"),
	ASTR("PdbName"),
};

static const etl_prop eventtrace_buildinfo[] = {
	ASTR("BuildString"),
};

static const etl_prop eventtrace_providerbinarypath[] = {
	U32("GuidCount"),
	COUNTED("Guid", ETL_IN_GUID, 0),
	WSTR("BinaryPath"),
};

static const etl_prop eventtrace_partitioninfo[] = {
	U16("EventVersion"),
	U16("Reserved"),
	U32("PartitionType"),
	I64("QpcOffsetFromRoot"),
	GUIDF("PartitionId"),
	GUIDF("ParentId"),
};

static const etl_schema eventtrace_events[] = {
	EV(EventTrace, 0, 0, "Header", eventtrace_header),
	EV(EventTrace, 0, 1, "Header", eventtrace_header),
	EV(EventTrace, 0, 2, "Header", eventtrace_header),
	EV(EventTrace, 5, 0, "Extension", eventtrace_extension_v0),
	EV(EventTrace, 5, 1, "Extension", eventtrace_extension_v0),
	EV(EventTrace, 5, 2, "Extension", eventtrace_extension),
	EV0(EventTrace, 8, 0, "RDComplete"),
	EV0(EventTrace, 8, 1, "RDComplete"),
	EV0(EventTrace, 8, 2, "RDComplete"),
	EV(EventTrace, 32, 0, "EndExtension", eventtrace_extension_v0),
	EV(EventTrace, 32, 1, "EndExtension", eventtrace_extension_v0),
	EV(EventTrace, 32, 2, "EndExtension", eventtrace_extension),
	EV(EventTrace, 64, 2, "DbgIdRSDS", eventtrace_dbgidrsds),
	EV(EventTrace, 66, 2, "BuildInfo", eventtrace_buildinfo),
	EV(EventTrace, 67, 2, "ProviderBinaryPath", eventtrace_providerbinarypath),
	EV(EventTrace, 80, 2, "PartitionInfoExtension", eventtrace_partitioninfo),
};

/* ---- Process ------------------------------------------------------------ */

static const etl_prop process_v0_typegroup1[] = {
	PTR("ProcessId"),
	PTR("ParentId"),
	SID("UserSID"),
	ASTR("ImageFileName"),
};

static const etl_prop process_v1_typegroup1[] = {
	PTR("PageDirectoryBase"),
	U32("ProcessId"),
	U32("ParentId"),
	U32("SessionId"),
	I32("ExitStatus"),
	SID("UserSID"),
	ASTR("ImageFileName"),
};

static const etl_prop process_v2_typegroup1[] = {
	PTR("UniqueProcessKey"),
	U32("ProcessId"),
	U32("ParentId"),
	U32("SessionId"),
	I32("ExitStatus"),
	SID("UserSID"),
	ASTR("ImageFileName"),
	WSTR("CommandLine"),
};

static const etl_prop process_terminate_typegroup1[] = {
	U32("ProcessId"),
};

static const etl_prop process_v2_typegroup2[] = {
	U32("ProcessId"),
	U32("PageFaultCount"),
	U32("HandleCount"),
	U32("Reserved"),
	SIZET("PeakVirtualSize"),
	SIZET("PeakWorkingSetSize"),
	SIZET("PeakPagefileUsage"),
	SIZET("QuotaPeakPagedPoolUsage"),
	SIZET("QuotaPeakNonPagedPoolUsage"),
	SIZET("VirtualSize"),
	SIZET("WorkingSetSize"),
	SIZET("PagefileUsage"),
	SIZET("QuotaPagedPoolUsage"),
	SIZET("QuotaNonPagedPoolUsage"),
	SIZET("PrivatePageCount"),
};

static const etl_prop process_v2_typegroup3[] = {
	PTR("DirectoryTableBase"),
	U32("ProcessId"),
};

static const etl_prop process_v2_typegroup4[] = {
	PTR("Object"),
	PTR("Tag"),
	U32("ProcessId"),
	U32("Count"),
};

static const etl_prop process_v2_typegroup5[] = {
	PTR("Object"),
};

static const etl_prop process_v3_typegroup1[] = {
	PTR("UniqueProcessKey"),
	U32("ProcessId"),
	U32("ParentId"),
	U32("SessionId"),
	I32("ExitStatus"),
	PTR("DirectoryTableBase"),
	SID("UserSID"),
	ASTR("ImageFileName"),
	WSTR("CommandLine"),
};

static const etl_prop process_v4_typegroup1[] = {
	PTR("UniqueProcessKey"),
	U32("ProcessId"),
	U32("ParentId"),
	U32("SessionId"),
	I32("ExitStatus"),
	PTR("DirectoryTableBase"),
	X32("Flags"),
	SID("UserSID"),
	ASTR("ImageFileName"),
	WSTR("CommandLine"),
	WSTR("PackageFullName"),
	WSTR("ApplicationId"),
};

static const etl_prop process_defunct_typegroup1[] = {
	PTR("UniqueProcessKey"),
	U32("ProcessId"),
	U32("ParentId"),
	U32("SessionId"),
	I32("ExitStatus"),
	PTR("DirectoryTableBase"),
	X32("Flags"),
	SID("UserSID"),
	ASTR("ImageFileName"),
	WSTR("CommandLine"),
	WSTR("PackageFullName"),
	WSTR("ApplicationId"),
	U64("ExitTime"),
};

static const etl_schema process_events[] = {
	EV(Process, 1, 0, "Start", process_v0_typegroup1),
	EV(Process, 1, 1, "Start", process_v1_typegroup1),
	EV(Process, 1, 2, "Start", process_v2_typegroup1),
	EV(Process, 1, 3, "Start", process_v3_typegroup1),
	EV(Process, 1, 4, "Start", process_v4_typegroup1),
	EV(Process, 2, 0, "End", process_v0_typegroup1),
	EV(Process, 2, 1, "End", process_v1_typegroup1),
	EV(Process, 2, 2, "End", process_v2_typegroup1),
	EV(Process, 2, 3, "End", process_v3_typegroup1),
	EV(Process, 2, 4, "End", process_v4_typegroup1),
	EV(Process, 3, 0, "DCStart", process_v0_typegroup1),
	EV(Process, 3, 1, "DCStart", process_v1_typegroup1),
	EV(Process, 3, 2, "DCStart", process_v2_typegroup1),
	EV(Process, 3, 3, "DCStart", process_v3_typegroup1),
	EV(Process, 3, 4, "DCStart", process_v4_typegroup1),
	EV(Process, 4, 0, "DCEnd", process_v0_typegroup1),
	EV(Process, 4, 1, "DCEnd", process_v1_typegroup1),
	EV(Process, 4, 2, "DCEnd", process_v2_typegroup1),
	EV(Process, 4, 3, "DCEnd", process_v3_typegroup1),
	EV(Process, 4, 4, "DCEnd", process_v4_typegroup1),
	EV(Process, 11, 2, "Terminate", process_terminate_typegroup1),
	EV(Process, 32, 2, "PerfCtr", process_v2_typegroup2),
	EV(Process, 33, 2, "PerfCtrRundown", process_v2_typegroup2),
	EV(Process, 35, 2, "InSwap", process_v2_typegroup3),
	EV(Process, 39, 2, "Defunct", process_v2_typegroup1),
	EV(Process, 39, 3, "Defunct", process_v3_typegroup1),
	EV(Process, 39, 4, "Defunct", process_v4_typegroup1),
	EV(Process, 39, 5, "Defunct", process_defunct_typegroup1),
	EV(Process, 48, 2, "WakeChargeUser", process_v2_typegroup4),
	EV(Process, 49, 2, "WakeChargeExecution", process_v2_typegroup4),
	EV(Process, 50, 2, "WakeChargeKernel", process_v2_typegroup4),
	EV(Process, 51, 2, "WakeChargeInstrumentation", process_v2_typegroup4),
	EV(Process, 52, 2, "WakeChargePreserveProcess", process_v2_typegroup4),
	EV(Process, 64, 2, "WakeReleaseUser", process_v2_typegroup4),
	EV(Process, 65, 2, "WakeReleaseExecution", process_v2_typegroup4),
	EV(Process, 66, 2, "WakeReleaseKernel", process_v2_typegroup4),
	EV(Process, 67, 2, "WakeReleaseInstrumentation", process_v2_typegroup4),
	EV(Process, 68, 2, "WakeReleasePreserveProcess", process_v2_typegroup4),
	EV(Process, 80, 2, "WakeDropUser", process_v2_typegroup4),
	EV(Process, 81, 2, "WakeDropExecution", process_v2_typegroup4),
	EV(Process, 82, 2, "WakeDropKernel", process_v2_typegroup4),
	EV(Process, 83, 2, "WakeDropInstrumentation", process_v2_typegroup4),
	EV(Process, 84, 2, "WakeDropPreserveProcess", process_v2_typegroup4),
	EV(Process, 96, 2, "WakeEventUser", process_v2_typegroup5),
	EV(Process, 97, 2, "WakeEventExecution", process_v2_typegroup5),
	EV(Process, 98, 2, "WakeEventKernel", process_v2_typegroup5),
	EV(Process, 99, 2, "WakeEventInstrumentation", process_v2_typegroup5),
};

/* ---- Thread ------------------------------------------------------------- */

static const etl_prop thread_v0_typegroup1[] = {
	U32("TThreadId"),
	U32("ProcessId"),
};

static const etl_prop thread_v1_typegroup1[] = {
	U32("ProcessId"),
	U32("TThreadId"),
	PTR("StackBase"),
	PTR("StackLimit"),
	PTR("UserStackBase"),
	PTR("UserStackLimit"),
	PTR("StartAddr"),
	PTR("Win32StartAddr"),
	I8("WaitMode"),
};

static const etl_prop thread_v1_typegroup2[] = {
	U32("ProcessId"),
	U32("TThreadId"),
};

static const etl_prop thread_v1_t36[] = {
	U32("NewThreadId"),
	U32("OldThreadId"),
	I8("NewThreadPriority"),
	I8("OldThreadPriority"),
	I8("NewThreadQuantum"),
	I8("OldThreadQuantum"),
	I8("OldThreadWaitReason"),
	I8("OldThreadWaitMode"),
	I8("OldThreadState"),
	I8("OldThreadWaitIdealProcessor"),
};

static const etl_prop thread_v1_t57[] = {
	U32("TThreadId"),
	U64("StartTime"),
	PTR("ThreadRoutine"),
};

static const etl_prop thread_v2_typegroup1[] = {
	U32("ProcessId"),
	U32("TThreadId"),
	PTR("StackBase"),
	PTR("StackLimit"),
	PTR("UserStackBase"),
	PTR("UserStackLimit"),
	PTR("StartAddr"),
	PTR("Win32StartAddr"),
	PTR("TebBase"),
	U32("SubProcessTag"),
};

static const etl_prop thread_v2_t36[] = {
	U32("NewThreadId"),
	U32("OldThreadId"),
	I8("NewThreadPriority"),
	I8("OldThreadPriority"),
	U8("PreviousCState"),
	I8("SpareByte"),
	I8("OldThreadWaitReason"),
	I8("OldThreadWaitMode"),
	I8("OldThreadState"),
	I8("OldThreadWaitIdealProcessor"),
	U32("NewThreadWaitTime"),
	U32("Reserved"),
};

static const etl_prop thread_spinlock[] = {
	PTR("SpinLockAddress"),
	PTR("CallerAddress"),
	U64("AcquireTime"),
	U64("ReleaseTime"),
	U32("WaitTimeInCycles"),
	U32("SpinCount"),
	U32("ThreadId"),
	U32("InterruptCount"),
	U8("Irql"),
	U8("AcquireDepth"),
	U8("Flag"),
	BYTES("Reserved", 5),
};

static const etl_prop thread_v2_t50[] = {
	U32("TThreadId"),
	I8("AdjustReason"),
	I8("AdjustIncrement"),
	I8("Flag"),
	I8("Reserved"),
};

static const etl_prop thread_v2_t53[] = {
	PTR("Affinity"),
	U32("ThreadId"),
	U16("Group"),
	U16("Reserved"),
};

static const etl_prop thread_v2_t60[] = {
	U32("ThreadId"),
	U16("ProcessorIndex"),
	U8("Priority"),
	U8("Reserved"),
};

static const etl_prop thread_v2_t61[] = {
	U32("ThreadId"),
	U16("SourceProcessorIndex"),
	U16("TargetProcessorIndex"),
	U8("Priority"),
	BOOL("IdealProcessorAdjust"),
	U16("OldIdealProcessorIndex"),
};

static const etl_prop thread_v2_t62[] = {
	PTR("Entry"),
	U32("ThreadId"),
};

static const etl_prop thread_v2_t63[] = {
	U32("ThreadId"),
	U32("EntryCount"),
	PTR("Entries"),
};

static const etl_prop thread_v2_t64[] = {
	PTR("CallbackRoutine"),
};

static const etl_prop thread_v2_t66[] = {
	PTR("Lock"),
	U32("ThreadId"),
	U8("NewCpuPriorityFloor"),
	U8("OldCpuPriority"),
	U8("IoPriorities"),
	U8("BoostFlags"),
};

static const etl_prop thread_v2_t67[] = {
	PTR("LockAddress"),
	U32("ThreadId"),
	U32("BoostBitmap"),
};

static const etl_prop thread_v2_t68[] = {
	PTR("LockAddress"),
	U32("ThreadId"),
};

static const etl_prop thread_v2_t69[] = {
	U32("OldTag"),
	U32("NewTag"),
};

static const etl_prop thread_threadsetname[] = {
	U32("ProcessId"),
	U32("ThreadId"),
	WSTR("ThreadName"),
};

static const etl_prop thread_v3_typegroup1[] = {
	U32("ProcessId"),
	U32("TThreadId"),
	PTR("StackBase"),
	PTR("StackLimit"),
	PTR("UserStackBase"),
	PTR("UserStackLimit"),
	PTR("Affinity"),
	PTR("Win32StartAddr"),
	PTR("TebBase"),
	U32("SubProcessTag"),
	U8("BasePriority"),
	U8("PagePriority"),
	U8("IoPriority"),
	X8("ThreadFlags"),
	/* newer builds append the name under the same version (decoding.md §5.4) */
	OWSTR("ThreadName"),
};

static const etl_prop thread_v3_t36[] = {
	U32("NewThreadId"),
	U32("OldThreadId"),
	I8("NewThreadPriority"),
	I8("OldThreadPriority"),
	U8("PreviousCState"),
	I8("SpareByte"),
	I8("OldThreadWaitReason"),
	I8("ThreadFlags"),
	I8("OldThreadState"),
	I8("OldThreadWaitIdealProcessor"),
	U32("NewThreadWaitTime"),
	U32("Reserved"),
};

static const etl_prop thread_v3_t48[] = {
	U32("ThreadId"),
	U8("OldPriority"),
	U8("NewPriority"),
	U16("Reserved"),
};

static const etl_prop thread_v4_t1[] = {
	U32("ProcessId"),
	U32("TThreadId"),
	PTR("StackBase"),
	PTR("StackLimit"),
	PTR("UserStackBase"),
	PTR("UserStackLimit"),
	PTR("Affinity"),
	PTR("Win32StartAddr"),
	PTR("TebBase"),
	U32("SubProcessTag"),
	U8("BasePriority"),
	U8("PagePriority"),
	U8("IoPriority"),
	X8("ThreadFlags"),
	WSTR("ThreadName"),
};

static const etl_schema thread_events[] = {
	EV(Thread, 1, 0, "Start", thread_v0_typegroup1),
	EV(Thread, 1, 1, "Start", thread_v1_typegroup1),
	EV(Thread, 1, 2, "Start", thread_v2_typegroup1),
	EV(Thread, 1, 3, "Start", thread_v3_typegroup1),
	EV(Thread, 1, 4, "Start", thread_v4_t1),
	EV(Thread, 2, 0, "End", thread_v0_typegroup1),
	EV(Thread, 2, 1, "End", thread_v1_typegroup2),
	EV(Thread, 2, 2, "End", thread_v2_typegroup1),
	EV(Thread, 2, 3, "End", thread_v3_typegroup1),
	EV(Thread, 2, 4, "End", thread_v4_t1),
	EV(Thread, 3, 0, "DCStart", thread_v0_typegroup1),
	EV(Thread, 3, 1, "DCStart", thread_v1_typegroup1),
	EV(Thread, 3, 2, "DCStart", thread_v2_typegroup1),
	EV(Thread, 3, 3, "DCStart", thread_v3_typegroup1),
	EV(Thread, 3, 4, "DCStart", thread_v4_t1),
	EV(Thread, 4, 0, "DCEnd", thread_v0_typegroup1),
	EV(Thread, 4, 1, "DCEnd", thread_v1_typegroup1),
	EV(Thread, 4, 2, "DCEnd", thread_v2_typegroup1),
	EV(Thread, 4, 3, "DCEnd", thread_v3_typegroup1),
	EV(Thread, 4, 4, "DCEnd", thread_v4_t1),
	EV(Thread, 36, 1, "CSwitch", thread_v1_t36),
	EV(Thread, 36, 2, "CSwitch", thread_v2_t36),
	EV(Thread, 36, 3, "CSwitch", thread_v3_t36),
	EV(Thread, 36, 4, "CSwitch", thread_v3_t36),
	EV0(Thread, 37, 2, "CompCS"),
	EV(Thread, 41, 2, "SpinLock", thread_spinlock),
	EV(Thread, 48, 3, "SetPriority", thread_v3_t48),
	EV(Thread, 49, 3, "SetBasePriority", thread_v3_t48),
	EV(Thread, 50, 2, "ReadyThread", thread_v2_t50),
	EV(Thread, 51, 3, "SetPagePriority", thread_v3_t48),
	EV(Thread, 52, 3, "SetIoPriority", thread_v3_t48),
	EV(Thread, 53, 2, "ThreadAffinity", thread_v2_t53),
	EV(Thread, 57, 1, "WorkerThread", thread_v1_t57),
	EV(Thread, 57, 2, "WorkerThread", thread_v1_t57),
	EV(Thread, 60, 2, "AntiStarvationBoost", thread_v2_t60),
	EV(Thread, 61, 2, "Thread Migration", thread_v2_t61),
	EV(Thread, 62, 2, "Kernel Queue Enqueue", thread_v2_t62),
	EV(Thread, 63, 2, "Kernel Queue Dequeue", thread_v2_t63),
	EV(Thread, 64, 2, "Start", thread_v2_t64),
	EV(Thread, 65, 2, "End", thread_v2_t64),
	EV(Thread, 66, 2, "AutoBoost Set Floor", thread_v2_t66),
	EV(Thread, 67, 2, "AutoBoost Clear Floor", thread_v2_t67),
	EV(Thread, 68, 2, "AutoBoost Entry Exhaustion", thread_v2_t68),
	EV(Thread, 69, 2, "SubProcessTag Changed", thread_v2_t69),
	EV(Thread, 72, 2, "SetName", thread_threadsetname),
};

/* ---- Image (also the legacy Process-group type 10) ----------------------- */

static const etl_prop image_v0_load[] = {
	PTR("BaseAddress"),
	U32("ModuleSize"),
	WSTR("ImageFileName"),
};

static const etl_prop image_v1_load[] = {
	PTR("ImageBase"),
	PTR("ImageSize"),
	U32("ProcessId"),
	WSTR("FileName"),
};

static const etl_prop image_load_v2[] = {
	PTR("ImageBase"),
	PTR("ImageSize"),
	U32("ProcessId"),
	U32("ImageChecksum"),
	U32("TimeDateStamp"),
	U32("Reserved0"),
	PTR("DefaultBase"),
	U32("Reserved1"),
	U32("Reserved2"),
	U32("Reserved3"),
	U32("Reserved4"),
	WSTR("FileName"),
};

static const etl_prop image_v2_t33[] = {
	PTR("ImageBase"),
};

static const etl_prop image_v2_t34[] = {
	PTR("HypercallPageVa"),
};

static const etl_prop image_v2_t144[] = {
	U64("BaseAddress"),
};

static const etl_prop image_v2_t160[] = {
	U64("BaseAddress"),
	U8("ErrorOpcode"),
	I8("Code"),
	WSTR("String"),
};

static const etl_prop image_load[] = {
	PTR("ImageBase"),
	PTR("ImageSize"),
	U32("ProcessId"),
	U32("ImageChecksum"),
	U32("TimeDateStamp"),
	U8("SignatureLevel"),
	U8("SignatureType"),
	U16("Reserved0"),
	PTR("DefaultBase"),
	U32("Reserved1"),
	U32("Reserved2"),
	U32("Reserved3"),
	U32("Reserved4"),
	WSTR("FileName"),
};

static const etl_prop image_loadernewdllevent[] = {
	PTR("NewDllBaseAddress"),
	PTR("ParentDllBaseAddress"),
	U32("LoadReason"),
	WSTR("FilePath"),
};

static const etl_prop image_loadercodedeventpath[] = {
	U64("BaseAddress"),
	U8("ErrorOpcode"),
	I8("Code"),
	WSTR("String1"),
	WSTR("String2"),
};

static const etl_prop image_loaderdllsearchresults[] = {
	U32("LdrLoadFlags"),
	U32("LdrSearchFlags"),
	U32("SearchInfo"),
	U32("LoadReason"),
	WSTR("FullDllName"),
};

static const etl_prop image_loaderpathsearchreesults[] = {
	U32("SearchInfo"),
	WSTR("Cwd"),
	WSTR("AppDir"),
	WSTR("DllDir"),
	WSTR("DllLoadDir"),
};

static const etl_schema image_events[] = {
	EV(Image, 2, 2, "UnLoad", image_load_v2),
	EV(Image, 2, 3, "UnLoad", image_load),
	EV(Image, 3, 2, "DCStart", image_load_v2),
	EV(Image, 3, 3, "DCStart", image_load),
	EV(Image, 4, 2, "DCEnd", image_load_v2),
	EV(Image, 4, 3, "DCEnd", image_load),
	EV(Image, 10, 0, "Load", image_v0_load),
	EV(Image, 10, 1, "Load", image_v1_load),
	EV(Image, 10, 2, "Load", image_load_v2),
	EV(Image, 10, 3, "Load", image_load),
	EV(Image, 33, 2, "KernelBase", image_v2_t33),
	EV(Image, 34, 2, "HypercallPage", image_v2_t34),
	EV0(Image, 128, 2, "LoaderLockAttempt"),
	EV0(Image, 129, 2, "LoaderLockAcquire"),
	EV0(Image, 130, 2, "LoaderLockTriedAndFailed"),
	EV0(Image, 131, 2, "LoaderLockWait"),
	EV0(Image, 132, 2, "ProcessInitDone"),
	EV0(Image, 133, 2, "CreateSectionBegin"),
	EV0(Image, 134, 2, "CreateSectionEnd"),
	EV0(Image, 135, 2, "MapViewBegin"),
	EV(Image, 144, 2, "RelocateImageBegin", image_v2_t144),
	EV(Image, 145, 2, "RelocateImageEnd", image_v2_t144),
	EV(Image, 146, 2, "HandleOldDescsBegin", image_v2_t144),
	EV(Image, 147, 2, "HandleOldDescsEnd", image_v2_t144),
	EV(Image, 148, 2, "HandleNewDescsBegin", image_v2_t144),
	EV(Image, 149, 2, "HandleNewDescsEnd", image_v2_t144),
	EV(Image, 150, 2, "DllMainExit", image_v2_t144),
	EV(Image, 160, 2, "FindDllByName", image_v2_t160),
	EV(Image, 161, 2, "MapViewEnd", image_v2_t160),
	EV(Image, 162, 2, "LoaderLockRelease", image_v2_t160),
	EV(Image, 163, 2, "DllMainEnter", image_v2_t160),
	EV(Image, 164, 2, "LoaderError", image_v2_t160),
	EV(Image, 165, 3, "MapViewStart", image_v2_t160),
	EV(Image, 166, 3, "SnappingStart", image_v2_t160),
	EV(Image, 167, 3, "SnappingEnd", image_v2_t160),
	EV(Image, 168, 3, "LoadingStart", image_v2_t160),
	EV(Image, 169, 3, "LoadingEnd", image_v2_t160),
	EV(Image, 170, 3, "FoundKnownDll", image_v2_t160),
	EV(Image, 171, 3, "AbnormalTermination", image_v2_t160),
	EV(Image, 172, 3, "ModulePlaceHolder", image_v2_t160),
	EV(Image, 173, 3, "ReadyToInit", image_v2_t160),
	EV(Image, 174, 3, "ReadyToRun", image_v2_t160),
	EV(Image, 176, 3, "NewDllLoad", image_loadernewdllevent),
	EV(Image, 177, 3, "NewDllLoadAsData", image_loadernewdllevent),
	EV(Image, 192, 3, "DllSearchPathExternal", image_loadercodedeventpath),
	EV(Image, 193, 3, "DllSearchPathInternal", image_loadercodedeventpath),
	EV(Image, 208, 3, "ApiSetResolving", image_v2_t160),
	EV(Image, 209, 3, "ApiSetHosted", image_v2_t160),
	EV(Image, 210, 3, "ApiSetUnhosted", image_v2_t160),
	EV(Image, 211, 3, "ApiSetUnresolved", image_v2_t160),
	EV(Image, 212, 3, "DllSearchResults", image_loaderdllsearchresults),
	EV(Image, 213, 3, "DllPathSearchResults", image_loaderpathsearchreesults),
};

/* ---- DiskIo ------------------------------------------------------------- */

static const etl_prop diskio_v0_typegroup1[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U32("TransferSize"),
	U32("Reserved"),
	U64("ByteOffset"),
	PTR("FileObject"),
};

static const etl_prop diskio_v1_typegroup1[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U32("TransferSize"),
	U32("ResponseTime"),
	U64("ByteOffset"),
	PTR("FileObject"),
	U64("HighResResponseTime"),
};

static const etl_prop diskio_v1_drivermajorfunctioncall[] = {
	U32("UniqMatchId"),
	PTR("RoutineAddr"),
	PTR("Irp"),
	U32("MajorFunction"),
	U32("MinorFunction"),
	PTR("FileObject"),
};

static const etl_prop diskio_v1_drivermajorfunctionreturn[] = {
	U32("UniqMatchId"),
	PTR("Irp"),
};

static const etl_prop diskio_drivermajorfunctionreturn[] = {
	PTR("Irp"),
	U32("UniqMatchId"),
};

static const etl_prop diskio_v1_t52[] = {
	PTR("RoutineAddr"),
	PTR("Irp"),
	U32("UniqMatchId"),
};

static const etl_prop diskio_v2_typegroup1[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U32("TransferSize"),
	U32("Reserved"),
	U64("ByteOffset"),
	PTR("FileObject"),
	PTR("Irp"),
	U64("HighResResponseTime"),
};

static const etl_prop diskio_v2_typegroup2[] = {
	PTR("Irp"),
};

static const etl_prop diskio_v2_typegroup3[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U64("HighResResponseTime"),
	PTR("Irp"),
};

static const etl_prop diskio_drivermajorfunctioncall[] = {
	U32("MajorFunction"),
	U32("MinorFunction"),
	PTR("RoutineAddr"),
	PTR("FileObject"),
	PTR("Irp"),
	U32("UniqMatchId"),
};

static const etl_prop diskio_v2_t37[] = {
	PTR("Routine"),
	PTR("IrpPtr"),
	U32("UniqMatchId"),
};

static const etl_prop diskio_typegroup1[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U32("TransferSize"),
	U32("Reserved"),
	U64("ByteOffset"),
	PTR("FileObject"),
	PTR("Irp"),
	U64("HighResResponseTime"),
	U32("IssuingThreadId"),
};

static const etl_prop diskio_typegroup2[] = {
	PTR("Irp"),
	U32("IssuingThreadId"),
};

static const etl_prop diskio_typegroup3[] = {
	U32("DiskNumber"),
	X32("IrpFlags"),
	U64("HighResResponseTime"),
	PTR("Irp"),
	U32("IssuingThreadId"),
};

static const etl_schema diskio_events[] = {
	EV(DiskIo, 10, 0, "Read", diskio_v0_typegroup1),
	EV(DiskIo, 10, 1, "Read", diskio_v1_typegroup1),
	EV(DiskIo, 10, 2, "Read", diskio_v2_typegroup1),
	EV(DiskIo, 10, 3, "Read", diskio_typegroup1),
	EV(DiskIo, 11, 0, "Write", diskio_v0_typegroup1),
	EV(DiskIo, 11, 1, "Write", diskio_v1_typegroup1),
	EV(DiskIo, 11, 2, "Write", diskio_v2_typegroup1),
	EV(DiskIo, 11, 3, "Write", diskio_typegroup1),
	EV(DiskIo, 12, 2, "ReadInit", diskio_v2_typegroup2),
	EV(DiskIo, 12, 3, "ReadInit", diskio_typegroup2),
	EV(DiskIo, 13, 2, "WriteInit", diskio_v2_typegroup2),
	EV(DiskIo, 13, 3, "WriteInit", diskio_typegroup2),
	EV(DiskIo, 14, 2, "FlushBuffers", diskio_v2_typegroup3),
	EV(DiskIo, 14, 3, "FlushBuffers", diskio_typegroup3),
	EV(DiskIo, 15, 2, "FlushInit", diskio_v2_typegroup2),
	EV(DiskIo, 15, 3, "FlushInit", diskio_typegroup2),
	EV(DiskIo, 34, 1, "DrvMjFnCall", diskio_v1_drivermajorfunctioncall),
	EV(DiskIo, 34, 2, "DrvMjFnCall", diskio_drivermajorfunctioncall),
	EV(DiskIo, 35, 1, "DrvMjFnRet", diskio_v1_drivermajorfunctionreturn),
	EV(DiskIo, 35, 2, "DrvMjFnRet", diskio_drivermajorfunctionreturn),
	EV(DiskIo, 37, 2, "DrvComplRout", diskio_v2_t37),
	EV(DiskIo, 52, 1, "DrvComplReq", diskio_v1_t52),
	EV(DiskIo, 52, 2, "DrvComplReq", diskio_v1_t52),
	EV(DiskIo, 53, 1, "DrvComplReqRet", diskio_drivermajorfunctionreturn),
	EV(DiskIo, 53, 2, "DrvComplReqRet", diskio_drivermajorfunctionreturn),
	EV(DiskIo, 55, 3, "OpticalRead", diskio_typegroup1),
	EV(DiskIo, 56, 3, "OpticalWrite", diskio_typegroup1),
	EV(DiskIo, 57, 3, "OpticalFlushBuffers", diskio_typegroup3),
	EV(DiskIo, 58, 3, "OpticalReadInit", diskio_typegroup2),
	EV(DiskIo, 59, 3, "OpticalWriteInit", diskio_typegroup2),
	EV(DiskIo, 60, 3, "OpticalFlushInit", diskio_typegroup2),
};

/* ---- FileIo ------------------------------------------------------------- */

static const etl_prop fileio_v2_name[] = {
	PTR("FileObject"),
	WSTR("FileName"),
};

static const etl_prop fileio_v2_t37[] = {
	PTR("ViewBase"),
	PTR("FileObject"),
	U64("MiscInfo"),
	SIZET("ViewSize"),
	U32("ProcessId"),
};

static const etl_prop fileio_v2_t64[] = {
	PTR("IrpPtr"),
	PTR("TTID"),
	PTR("FileObject"),
	X32("CreateOptions"),
	X32("FileAttributes"),
	X32("ShareAccess"),
	WSTR("OpenPath"),
};

static const etl_prop fileio_v2_t65[] = {
	PTR("IrpPtr"),
	PTR("TTID"),
	PTR("FileObject"),
	PTR("FileKey"),
};

static const etl_prop fileio_v2_t67[] = {
	U64("Offset"),
	PTR("IrpPtr"),
	PTR("TTID"),
	PTR("FileObject"),
	PTR("FileKey"),
	U32("IoSize"),
	X32("IoFlags"),
};

static const etl_prop fileio_v2_t69[] = {
	PTR("IrpPtr"),
	PTR("TTID"),
	PTR("FileObject"),
	PTR("FileKey"),
	PTR("ExtraInfo"),
	U32("InfoClass"),
};

static const etl_prop fileio_v2_t72[] = {
	PTR("IrpPtr"),
	PTR("TTID"),
	PTR("FileObject"),
	PTR("FileKey"),
	U32("Length"),
	U32("InfoClass"),
	U32("FileIndex"),
	WSTR("FileName"),
};

static const etl_prop fileio_v2_t76[] = {
	PTR("IrpPtr"),
	PTR("ExtraInfo"),
	X32("NtStatus"),
};

static const etl_prop fileio_v3_t64[] = {
	PTR("IrpPtr"),
	PTR("FileObject"),
	U32("TTID"),
	X32("CreateOptions"),
	X32("FileAttributes"),
	X32("ShareAccess"),
	WSTR("OpenPath"),
};

static const etl_prop fileio_v3_t65[] = {
	PTR("IrpPtr"),
	PTR("FileObject"),
	PTR("FileKey"),
	U32("TTID"),
};

static const etl_prop fileio_v3_t67[] = {
	U64("Offset"),
	PTR("IrpPtr"),
	PTR("FileObject"),
	PTR("FileKey"),
	U32("TTID"),
	U32("IoSize"),
	X32("IoFlags"),
};

static const etl_prop fileio_v3_t69[] = {
	PTR("IrpPtr"),
	PTR("FileObject"),
	PTR("FileKey"),
	PTR("ExtraInfo"),
	U32("TTID"),
	U32("InfoClass"),
};

static const etl_prop fileio_v3_t72[] = {
	PTR("IrpPtr"),
	PTR("FileObject"),
	PTR("FileKey"),
	U32("TTID"),
	U32("Length"),
	U32("InfoClass"),
	U32("FileIndex"),
	WSTR("FileName"),
};

static const etl_prop fileio_v3_t79[] = {
	PTR("IrpPtr"),
	PTR("FileObject"),
	PTR("FileKey"),
	PTR("ExtraInfo"),
	U32("TTID"),
	U32("InfoClass"),
	WSTR("FileName"),
};

static const etl_prop fileio_v3_t96[] = {
	PTR("RoutineAddr"),
	PTR("FileObject"),
	PTR("FileContext"),
	PTR("IrpPtr"),
	PTR("CallbackDataPtr"),
	U32("MajorFunction"),
};

static const etl_prop fileio_v3_t98[] = {
	WMITIME("InitialTime"),
	PTR("RoutineAddr"),
	PTR("FileObject"),
	PTR("FileContext"),
	PTR("IrpPtr"),
	PTR("CallbackDataPtr"),
	U32("MajorFunction"),
};

static const etl_prop fileio_v3_t100[] = {
	PTR("RoutineAddr"),
	PTR("FileObject"),
	PTR("FileContext"),
	PTR("IrpPtr"),
	PTR("CallbackDataPtr"),
	U32("MajorFunction"),
	U32("Status"),
};

static const etl_schema fileio_events[] = {
	EV(FileIo, 0, 0, "Name", fileio_v2_name),
	EV(FileIo, 0, 1, "Name", fileio_v2_name),
	EV(FileIo, 0, 2, "Name", fileio_v2_name),
	EV(FileIo, 0, 3, "Name", fileio_v2_name),
	EV(FileIo, 32, 1, "FileCreate", fileio_v2_name),
	EV(FileIo, 32, 2, "FileCreate", fileio_v2_name),
	EV(FileIo, 32, 3, "FileCreate", fileio_v2_name),
	EV(FileIo, 35, 2, "FileDelete", fileio_v2_name),
	EV(FileIo, 35, 3, "FileDelete", fileio_v2_name),
	EV(FileIo, 36, 2, "FileRundown", fileio_v2_name),
	EV(FileIo, 36, 3, "FileRundown", fileio_v2_name),
	EV(FileIo, 37, 2, "MapFile", fileio_v2_t37),
	EV(FileIo, 38, 2, "UnmapFile", fileio_v2_t37),
	EV(FileIo, 39, 2, "MapFileDCStart", fileio_v2_t37),
	EV(FileIo, 40, 2, "MapFileDCEnd", fileio_v2_t37),
	EV(FileIo, 64, 2, "Create", fileio_v2_t64),
	EV(FileIo, 64, 3, "Create", fileio_v3_t64),
	EV(FileIo, 65, 2, "Cleanup", fileio_v2_t65),
	EV(FileIo, 65, 3, "Cleanup", fileio_v3_t65),
	EV(FileIo, 66, 2, "Close", fileio_v2_t65),
	EV(FileIo, 66, 3, "Close", fileio_v3_t65),
	EV(FileIo, 67, 2, "Read", fileio_v2_t67),
	EV(FileIo, 67, 3, "Read", fileio_v3_t67),
	EV(FileIo, 68, 2, "Write", fileio_v2_t67),
	EV(FileIo, 68, 3, "Write", fileio_v3_t67),
	EV(FileIo, 69, 2, "SetInfo", fileio_v2_t69),
	EV(FileIo, 69, 3, "SetInfo", fileio_v3_t69),
	EV(FileIo, 70, 2, "Delete", fileio_v2_t69),
	EV(FileIo, 70, 3, "Delete", fileio_v3_t69),
	EV(FileIo, 71, 2, "Rename", fileio_v2_t69),
	EV(FileIo, 71, 3, "Rename", fileio_v3_t69),
	EV(FileIo, 72, 2, "DirEnum", fileio_v2_t72),
	EV(FileIo, 72, 3, "DirEnum", fileio_v3_t72),
	EV(FileIo, 73, 2, "Flush", fileio_v2_t65),
	EV(FileIo, 73, 3, "Flush", fileio_v3_t65),
	EV(FileIo, 74, 2, "QueryInfo", fileio_v2_t69),
	EV(FileIo, 74, 3, "QueryInfo", fileio_v3_t69),
	EV(FileIo, 75, 2, "FSControl", fileio_v2_t69),
	EV(FileIo, 75, 3, "FSControl", fileio_v3_t69),
	EV(FileIo, 76, 2, "OperationEnd", fileio_v2_t76),
	EV(FileIo, 76, 3, "OperationEnd", fileio_v2_t76),
	EV(FileIo, 77, 2, "DirNotify", fileio_v2_t72),
	EV(FileIo, 77, 3, "DirNotify", fileio_v3_t72),
	EV(FileIo, 79, 3, "DletePath", fileio_v3_t79),
	EV(FileIo, 80, 3, "RenamePath", fileio_v3_t79),
	EV(FileIo, 81, 3, "SetLinkPath", fileio_v3_t79),
	EV(FileIo, 96, 3, "PreOpInit", fileio_v3_t96),
	EV(FileIo, 97, 3, "PostOpInit", fileio_v3_t96),
	EV(FileIo, 98, 3, "PreOpCompletion", fileio_v3_t98),
	EV(FileIo, 99, 3, "PostOpCompletion", fileio_v3_t98),
	EV(FileIo, 100, 3, "PreOpFailure", fileio_v3_t100),
	EV(FileIo, 101, 3, "PostOpFailure", fileio_v3_t100),
};

/* ---- PageFault ---------------------------------------------------------- */

static const etl_prop pagefault_v2_t10[] = {
	PTR("VirtualAddress"),
	PTR("ProgramCounter"),
};

static const etl_prop pagefault_v2_t32[] = {
	WMITIME("InitialTime"),
	X64("ReadOffset"),
	PTR("VirtualAddress"),
	PTR("FileObject"),
	U32("TThreadId"),
	U32("ByteCount"),
};

static const etl_prop pagefault_v2_t98[] = {
	PTR("BaseAddress"),
	SIZET("RegionSize"),
	U32("ProcessId"),
	X32("Flags"),
};

static const etl_prop pagefault_v2_t100[] = {
	PTR("HeapHandle"),
	X32("HRFlags"),
	U32("HRPid"),
	U32("HRRangeCount"),
};

static const etl_prop pagefault_v2_t101[] = {
	PTR("HeapHandle"),
	SIZET("FirstRangeSize"),
	X32("HRCreateFlags"),
};

static const etl_prop pagefault_v2_t102[] = {
	PTR("HeapHandle"),
	PTR("HRAddress"),
	SIZET("HRSize"),
};

static const etl_prop pagefault_v2_t104[] = {
	PTR("HeapHandle"),
};

static const etl_prop pagefault_v2_t105[] = {
	PTR("FileObject"),
	X32("DeviceChar"),
	X16("FileChar"),
	X16("LoadFlags"),
};

static const etl_prop pagefault_v2_t127[] = {
	PTR("BaseAddress"),
	SIZET("SizeInBytes"),
	X32("Flags"),
};

static const etl_prop pagefault_v2_t128[] = {
	PTR("BaseAddress"),
	SIZET("RegionSize"),
	U32("ProcessId"),
	X32("Flags"),
	SIZET("CommitSizeInBytes"),
};

static const etl_prop pagefault_v3_t100[] = {
	PTR("HeapHandle"),
	X32("HRFlags"),
	U32("HRPid"),
	U32("HRRangeCount"),
	U32("Reserved"),
};

static const etl_schema pagefault_events[] = {
	EV(PageFault, 10, 2, "TransitionFault", pagefault_v2_t10),
	EV(PageFault, 11, 2, "DemandZeroFault", pagefault_v2_t10),
	EV(PageFault, 12, 2, "CopyOnWrite", pagefault_v2_t10),
	EV(PageFault, 13, 2, "GuardPageFault", pagefault_v2_t10),
	EV(PageFault, 14, 2, "HardPageFault", pagefault_v2_t10),
	EV(PageFault, 15, 2, "AccessViolation", pagefault_v2_t10),
	EV(PageFault, 32, 2, "HardFault", pagefault_v2_t32),
	EV(PageFault, 98, 2, "VirtualAlloc", pagefault_v2_t98),
	EV(PageFault, 99, 2, "VirtualFree", pagefault_v2_t98),
	EV(PageFault, 100, 2, "HRRundown", pagefault_v2_t100),
	EV(PageFault, 100, 3, "HRRundown", pagefault_v3_t100),
	EV(PageFault, 101, 2, "HRCreate", pagefault_v2_t101),
	EV(PageFault, 102, 2, "HRReserve", pagefault_v2_t102),
	EV(PageFault, 103, 2, "HRRelease", pagefault_v2_t102),
	EV(PageFault, 104, 2, "HRDestroy", pagefault_v2_t104),
	EV(PageFault, 105, 2, "ImageLoadBacked", pagefault_v2_t105),
	EV(PageFault, 127, 2, "VirtualRotate", pagefault_v2_t127),
	EV(PageFault, 128, 2, "VirtualAllocDCStart", pagefault_v2_t128),
	EV(PageFault, 129, 2, "VirtualAllocDCEnd", pagefault_v2_t128),
	EV(PageFault, 134, 2, "MemResetInfo", pagefault_v2_t127),
};

/* ---- TcpIp (ports and addresses in network order) ----------------------- */

static const etl_prop tcpip_v0_t10[] = {
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("size"),
	U32("PID"),
};

static const etl_prop tcpip_v1_t10[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("startime"),
	U32("endtime"),
	PTR("connid"),
	U32("seqnum"),
};

static const etl_prop tcpip_v1_t11[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	PTR("connid"),
	U32("seqnum"),
};

static const etl_prop tcpip_v1_t12[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U16("mss"),
	U16("sackopt"),
	U16("tsopt"),
	U16("wsopt"),
	U32("rcvwin"),
	I16("rcvwinscale"),
	I16("sndwinscale"),
	PTR("connid"),
	U32("seqnum"),
};

static const etl_prop tcpip_v1_t17[] = {
	U32("Proto"),
};

static const etl_prop tcpip_v2_t10[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("startime"),
	U32("endtime"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop tcpip_v2_t11[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop tcpip_v2_t12[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U16("mss"),
	U16("sackopt"),
	U16("tsopt"),
	U16("wsopt"),
	U32("rcvwin"),
	I16("rcvwinscale"),
	I16("sndwinscale"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop tcpip_v2_t17[] = {
	U16("Proto"),
	U16("FailureCode"),
};

static const etl_prop tcpip_v2_t26[] = {
	U32("PID"),
	U32("size"),
	IPV6("daddr"),
	IPV6("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("startime"),
	U32("endtime"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop tcpip_v2_t27[] = {
	U32("PID"),
	U32("size"),
	IPV6("daddr"),
	IPV6("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop tcpip_v2_t28[] = {
	U32("PID"),
	U32("size"),
	IPV6("daddr"),
	IPV6("saddr"),
	PORT("dport"),
	PORT("sport"),
	U16("mss"),
	U16("sackopt"),
	U16("tsopt"),
	U16("wsopt"),
	U32("rcvwin"),
	I16("rcvwinscale"),
	I16("sndwinscale"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_schema tcpip_events[] = {
	EV(TcpIp, 10, 0, "Send", tcpip_v0_t10),
	EV(TcpIp, 10, 1, "Send", tcpip_v1_t10),
	EV(TcpIp, 10, 2, "SendIPV4", tcpip_v2_t10),
	EV(TcpIp, 11, 0, "Recv", tcpip_v0_t10),
	EV(TcpIp, 11, 1, "Recv", tcpip_v1_t11),
	EV(TcpIp, 11, 2, "RecvIPV4", tcpip_v2_t11),
	EV(TcpIp, 12, 0, "Connect", tcpip_v0_t10),
	EV(TcpIp, 12, 1, "Connect", tcpip_v1_t12),
	EV(TcpIp, 12, 2, "ConnectIPV4", tcpip_v2_t12),
	EV(TcpIp, 13, 0, "Disconnect", tcpip_v0_t10),
	EV(TcpIp, 13, 1, "Disconnect", tcpip_v1_t11),
	EV(TcpIp, 13, 2, "DisconnectIPV4", tcpip_v2_t11),
	EV(TcpIp, 14, 0, "Retransmit", tcpip_v0_t10),
	EV(TcpIp, 14, 1, "Retransmit", tcpip_v1_t11),
	EV(TcpIp, 14, 2, "RetransmitIPV4", tcpip_v2_t11),
	EV(TcpIp, 15, 0, "Accept", tcpip_v0_t10),
	EV(TcpIp, 15, 1, "Accept", tcpip_v1_t12),
	EV(TcpIp, 15, 2, "AcceptIPV4", tcpip_v2_t12),
	EV(TcpIp, 16, 1, "Reconnect", tcpip_v1_t11),
	EV(TcpIp, 16, 2, "ReconnectIPV4", tcpip_v2_t11),
	EV(TcpIp, 17, 1, "Fail", tcpip_v1_t17),
	EV(TcpIp, 17, 2, "Fail", tcpip_v2_t17),
	EV(TcpIp, 18, 1, "TCPCopy", tcpip_v1_t11),
	EV(TcpIp, 18, 2, "TCPCopyIPV4", tcpip_v2_t11),
	EV(TcpIp, 19, 1, "ARPCopy", tcpip_v1_t11),
	EV(TcpIp, 20, 1, "FullACK", tcpip_v1_t11),
	EV(TcpIp, 21, 1, "PartACK", tcpip_v1_t11),
	EV(TcpIp, 22, 1, "DupACK", tcpip_v1_t11),
	EV(TcpIp, 26, 2, "SendIPV6", tcpip_v2_t26),
	EV(TcpIp, 27, 2, "RecvIPV6", tcpip_v2_t27),
	EV(TcpIp, 28, 2, "ConnectIPV6", tcpip_v2_t28),
	EV(TcpIp, 29, 2, "DisconnectIPV6", tcpip_v2_t27),
	EV(TcpIp, 30, 2, "RetransmitIPV6", tcpip_v2_t27),
	EV(TcpIp, 31, 2, "AcceptIPV6", tcpip_v2_t28),
	EV(TcpIp, 32, 2, "ReconnectIPV6", tcpip_v2_t27),
	EV(TcpIp, 34, 2, "TCPCopyIPV6", tcpip_v2_t27),
};

/* ---- UdpIp -------------------------------------------------------------- */

static const etl_prop udpip_v0_t10[] = {
	PTR("context"),
	IPV4("saddr"),
	PORT("sport"),
	U16("size"),
	IPV4("daddr"),
	PORT("dport"),
	U16("dsize"),
};

static const etl_prop udpip_v1_t10[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
};

static const etl_prop udpip_v2_t10[] = {
	U32("PID"),
	U32("size"),
	IPV4("daddr"),
	IPV4("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_prop udpip_v2_t17[] = {
	U16("Proto"),
	U16("FailureCode"),
};

static const etl_prop udpip_v2_t26[] = {
	U32("PID"),
	U32("size"),
	IPV6("daddr"),
	IPV6("saddr"),
	PORT("dport"),
	PORT("sport"),
	U32("seqnum"),
	PTR("connid"),
};

static const etl_schema udpip_events[] = {
	EV(UdpIp, 10, 0, "Send", udpip_v0_t10),
	EV(UdpIp, 10, 1, "Send", udpip_v1_t10),
	EV(UdpIp, 10, 2, "SendIPV4", udpip_v2_t10),
	EV(UdpIp, 11, 0, "Recv", udpip_v0_t10),
	EV(UdpIp, 11, 1, "Recv", udpip_v1_t10),
	EV(UdpIp, 11, 2, "RecvIPV4", udpip_v2_t10),
	EV(UdpIp, 17, 2, "Fail", udpip_v2_t17),
	EV(UdpIp, 26, 2, "SendIPV6", udpip_v2_t26),
	EV(UdpIp, 27, 2, "RecvIPV6", udpip_v2_t26),
};

/* ---- Registry ----------------------------------------------------------- */

static const etl_prop registry_v0_t10[] = {
	PTR("Status"),
	PTR("KeyHandle"),
	I64("ElapsedTime"),
	WSTR("KeyName"),
};

static const etl_prop registry_v1_t10[] = {
	PTR("Status"),
	PTR("KeyHandle"),
	I64("ElapsedTime"),
	U32("Index"),
	WSTR("KeyName"),
};

static const etl_prop registry_v2_t10[] = {
	I64("InitialTime"),
	U32("Status"),
	U32("Index"),
	PTR("KeyHandle"),
	WSTR("KeyName"),
};

static const etl_prop registry_v2_t30[] = {
	GUIDF("TxrGUID"),
	U32("Status"),
	U32("UowCount"),
	U64("OperationTime"),
	WSTR("Hive"),
};

static const etl_prop registry_v2_t34[] = {
	U64("Counter1"),
	U64("Counter2"),
	U64("Counter3"),
	U64("Counter4"),
	U64("Counter5"),
	U64("Counter6"),
	U64("Counter7"),
	U64("Counter8"),
	U64("Counter9"),
	U64("Counter10"),
	U64("Counter11"),
};

static const etl_prop registry_v2_t35[] = {
	U32("CurrentControlSet"),
};

static const etl_prop registry_v2_t36[] = {
	PTR("Hive"),
	U32("OperationType"),
	U32("PoolTag"),
	U32("Size"),
	WSTR("FileName"),
};

static const etl_prop registry_v2_t37[] = {
	PTR("Hive"),
	WSTR("FileName"),
	WSTR("Path"),
};

static const etl_prop registry_v2_t38[] = {
	PTR("Hive"),
	WSTR("Path"),
};

static const etl_prop registry_v2_t39[] = {
	U64("Size"),
	PTR("Hive"),
	U32("LoadedKeyCount"),
	WSTR("FileName"),
	WSTR("LinkPath"),
};

static const etl_prop registry_v2_t40[] = {
	PTR("Hive"),
	WSTR("LinkPath"),
	U32("DirtyReason"),
};

static const etl_prop registry_v2_t48[] = {
	PTR("Notification"),
	PTR("KeyHandle"),
	U8("Type"),
	U8("WatchSubtree"),
	U8("Primary"),
};

static const etl_schema registry_events[] = {
	EV(Registry, 10, 0, "Create", registry_v0_t10),
	EV(Registry, 10, 1, "Create", registry_v1_t10),
	EV(Registry, 10, 2, "Create", registry_v2_t10),
	EV(Registry, 11, 0, "Open", registry_v0_t10),
	EV(Registry, 11, 1, "Open", registry_v1_t10),
	EV(Registry, 11, 2, "Open", registry_v2_t10),
	EV(Registry, 12, 0, "Delete", registry_v0_t10),
	EV(Registry, 12, 1, "Delete", registry_v1_t10),
	EV(Registry, 12, 2, "Delete", registry_v2_t10),
	EV(Registry, 13, 0, "Query", registry_v0_t10),
	EV(Registry, 13, 1, "Query", registry_v1_t10),
	EV(Registry, 13, 2, "Query", registry_v2_t10),
	EV(Registry, 14, 0, "SetValue", registry_v0_t10),
	EV(Registry, 14, 1, "SetValue", registry_v1_t10),
	EV(Registry, 14, 2, "SetValue", registry_v2_t10),
	EV(Registry, 15, 0, "DeleteValue", registry_v0_t10),
	EV(Registry, 15, 1, "DeleteValue", registry_v1_t10),
	EV(Registry, 15, 2, "DeleteValue", registry_v2_t10),
	EV(Registry, 16, 0, "QueryValue", registry_v0_t10),
	EV(Registry, 16, 1, "QueryValue", registry_v1_t10),
	EV(Registry, 16, 2, "QueryValue", registry_v2_t10),
	EV(Registry, 17, 0, "EnumerateKey", registry_v0_t10),
	EV(Registry, 17, 1, "EnumerateKey", registry_v1_t10),
	EV(Registry, 17, 2, "EnumerateKey", registry_v2_t10),
	EV(Registry, 18, 0, "EnumerateValueKey", registry_v0_t10),
	EV(Registry, 18, 1, "EnumerateValueKey", registry_v1_t10),
	EV(Registry, 18, 2, "EnumerateValueKey", registry_v2_t10),
	EV(Registry, 19, 0, "QueryMultipleValue", registry_v0_t10),
	EV(Registry, 19, 1, "QueryMultipleValue", registry_v1_t10),
	EV(Registry, 19, 2, "QueryMultipleValue", registry_v2_t10),
	EV(Registry, 20, 0, "SetInformation", registry_v0_t10),
	EV(Registry, 20, 1, "SetInformation", registry_v1_t10),
	EV(Registry, 20, 2, "SetInformation", registry_v2_t10),
	EV(Registry, 21, 0, "Flush", registry_v0_t10),
	EV(Registry, 21, 1, "Flush", registry_v1_t10),
	EV(Registry, 21, 2, "Flush", registry_v2_t10),
	EV(Registry, 22, 1, "RunDown", registry_v1_t10),
	EV(Registry, 22, 2, "KCBCreate", registry_v2_t10),
	EV(Registry, 23, 2, "KCBDelete", registry_v2_t10),
	EV(Registry, 24, 2, "KCBRundownBegin", registry_v2_t10),
	EV(Registry, 25, 2, "KCBRundownEnd", registry_v2_t10),
	EV(Registry, 26, 2, "Virtualize", registry_v2_t10),
	EV(Registry, 27, 2, "Close", registry_v2_t10),
	EV(Registry, 28, 2, "SetSecurity", registry_v2_t10),
	EV(Registry, 29, 2, "QuerySecurity", registry_v2_t10),
	EV(Registry, 30, 2, "TxRCommit", registry_v2_t30),
	EV(Registry, 31, 2, "TxRPrepare", registry_v2_t30),
	EV(Registry, 32, 2, "TxRRollback", registry_v2_t30),
	EV(Registry, 34, 2, "Counters", registry_v2_t34),
	EV(Registry, 35, 2, "Config", registry_v2_t35),
	EV(Registry, 36, 2, "HiveInit", registry_v2_t36),
	EV(Registry, 37, 2, "HiveDestroy", registry_v2_t37),
	EV(Registry, 38, 2, "HiveLink", registry_v2_t38),
	EV(Registry, 39, 2, "HiveDCEnd", registry_v2_t39),
	EV(Registry, 40, 2, "HiveDirty", registry_v2_t40),
	EV(Registry, 48, 2, "ChangeNotify", registry_v2_t48),
};

/* ---- PerfInfo ----------------------------------------------------------- */

static const etl_prop perfinfo_v0_t34[] = {
	ASTR("Message"),
	WCHARS("Padding", 1),
};

static const etl_prop perfinfo_v1_t46[] = {
	PTR("InstructionPointer"),
	U32("ThreadId"),
	U16("Count"),
};

static const etl_prop perfinfo_v1_t66[] = {
	WMITIME("InitialTime"),
	PTR("Routine"),
};

static const etl_prop perfinfo_v1_t67[] = {
	WMITIME("InitialTime"),
	PTR("Routine"),
	U32("ReturnValue"),
};

static const etl_prop perfinfo_v2_t46[] = {
	PTR("InstructionPointer"),
	U32("ThreadId"),
	U16("Count"),
	U16("Reserved"),
};

static const etl_prop perfinfo_v2_t47[] = {
	PTR("InstructionPointer"),
	U32("ThreadId"),
	U16("ProfileSource"),
	U16("Reserved"),
};

static const etl_prop perfinfo_v2_t48[] = {
	U32("CounterCount"),
	WSTR("CounterName"),
};

static const etl_prop perfinfo_v2_t50[] = {
	WMITIME("InitialTime"),
	PTR("Routine"),
	U8("ReturnValue"),
	U16("Vector"),
	U8("Reserved"),
	U32("MessageNumber"),
};

static const etl_prop perfinfo_v2_t51[] = {
	PTR("SysCallAddress"),
};

static const etl_prop perfinfo_v2_t52[] = {
	X32("SysCallNtStatus"),
};

static const etl_prop perfinfo_v2_t67[] = {
	WMITIME("InitialTime"),
	PTR("Routine"),
	U8("ReturnValue"),
	U16("Vector"),
	U8("Reserved"),
};

static const etl_prop perfinfo_v2_t72[] = {
	U32("Source"),
	U32("NewInterval"),
	U32("OldInterval"),
};

static const etl_prop perfinfo_v2_t75[] = {
	U32("SpinLockSpinThreshold"),
	U32("SpinLockContentionSampleRate"),
	U32("SpinLockAcquireSampleRate"),
};

static const etl_prop perfinfo_v2_t92[] = {
	U16("Vector"),
};

static const etl_prop perfinfo_v2_t93[] = {
	PTR("DeviceObject"),
	PTR("TimerRoutine"),
};

static const etl_prop perfinfo_v2_t96[] = {
	PTR("Routine"),
};

static const etl_prop perfinfo_v2_t104[] = {
	U64("DueTime"),
	U64("MaximumDueTime"),
	U64("Period"),
	PTR("Timer"),
	PTR("Callback"),
	PTR("CallbackContext"),
	U8("TimerFlags"),
};

static const etl_prop perfinfo_v2_t106[] = {
	PTR("Timer"),
};

static const etl_prop perfinfo_v2_t107[] = {
	PTR("Timer"),
	PTR("DisableCallback"),
	PTR("DisableContext"),
	U8("TimerFlags"),
};

static const etl_prop perfinfo_v2_t108[] = {
	PTR("Timer"),
	PTR("DisableCallback"),
	PTR("DisableContext"),
};

static const etl_prop perfinfo_v3_t73[] = {
	U32("Source"),
	U32("NewInterval"),
	U32("OldInterval"),
	WSTR("SourceName"),
};

static const etl_prop perfinfo_v3_t75[] = {
	U32("SpinLockSpinThreshold"),
	U32("SpinLockContentionSampleRate"),
	U32("SpinLockAcquireSampleRate"),
	U32("SpinLockHoldThreshold"),
};

static const etl_schema perfinfo_events[] = {
	EV(PerfInfo, 34, 0, "Mark", perfinfo_v0_t34),
	EV(PerfInfo, 46, 1, "SampleProf", perfinfo_v1_t46),
	EV(PerfInfo, 46, 2, "SampleProf", perfinfo_v2_t46),
	EV(PerfInfo, 47, 2, "PmcCounterProf", perfinfo_v2_t47),
	EV(PerfInfo, 48, 2, "PmcCtrConfig", perfinfo_v2_t48),
	EV(PerfInfo, 50, 2, "ISR-MSI", perfinfo_v2_t50),
	EV(PerfInfo, 51, 2, "SysClEnter", perfinfo_v2_t51),
	EV(PerfInfo, 52, 2, "SysClExit", perfinfo_v2_t52),
	EV0(PerfInfo, 58, 2, "DebuggerEnabled"),
	EV(PerfInfo, 66, 2, "ThreadedDPC", perfinfo_v1_t66),
	EV(PerfInfo, 67, 1, "ISR", perfinfo_v1_t67),
	EV(PerfInfo, 67, 2, "ISR", perfinfo_v2_t67),
	EV(PerfInfo, 68, 1, "DPC", perfinfo_v1_t66),
	EV(PerfInfo, 68, 2, "DPC", perfinfo_v1_t66),
	EV(PerfInfo, 69, 1, "TimerDPC", perfinfo_v1_t66),
	EV(PerfInfo, 69, 2, "TimerDPC", perfinfo_v1_t66),
	EV(PerfInfo, 70, 2, "IOTimer", perfinfo_v1_t66),
	EV(PerfInfo, 72, 2, "SetInterval", perfinfo_v2_t72),
	EV(PerfInfo, 73, 2, "CollectionStart", perfinfo_v2_t72),
	EV(PerfInfo, 73, 3, "CollectionStart", perfinfo_v3_t73),
	EV(PerfInfo, 74, 2, "CollectionEnd", perfinfo_v2_t72),
	EV(PerfInfo, 74, 3, "CollectionEnd", perfinfo_v3_t73),
	EV(PerfInfo, 75, 2, "CollectionStart", perfinfo_v2_t75),
	EV(PerfInfo, 75, 3, "CollectionStart", perfinfo_v3_t75),
	EV(PerfInfo, 76, 2, "CollectionEnd", perfinfo_v2_t75),
	EV(PerfInfo, 76, 3, "CollectionEnd", perfinfo_v3_t75),
	EV(PerfInfo, 92, 2, "ISR-Unexpected", perfinfo_v2_t92),
	EV(PerfInfo, 93, 2, "IoStartTimer", perfinfo_v2_t93),
	EV(PerfInfo, 94, 2, "IoStopTimer", perfinfo_v2_t93),
	EV(PerfInfo, 95, 1, "ISR-PASS", perfinfo_v1_t67),
	EV(PerfInfo, 95, 2, "ISR-PASS", perfinfo_v2_t67),
	EV(PerfInfo, 96, 2, "WdfISR", perfinfo_v2_t96),
	EV(PerfInfo, 97, 2, "WdfPassiveISR", perfinfo_v2_t96),
	EV(PerfInfo, 98, 2, "WdfDPC", perfinfo_v2_t96),
	EV(PerfInfo, 103, 2, "WdfWorkItem", perfinfo_v2_t96),
	EV(PerfInfo, 104, 2, "SetKTimer2", perfinfo_v2_t104),
	EV(PerfInfo, 105, 2, "ExpireKTimer2", perfinfo_v2_t104),
	EV(PerfInfo, 106, 2, "CancelKTimer2", perfinfo_v2_t106),
	EV(PerfInfo, 107, 2, "DisableKTimer2", perfinfo_v2_t107),
	EV(PerfInfo, 108, 2, "FinalizeKTimer2", perfinfo_v2_t108),
};

/* ---- StackWalk ---------------------------------------------------------- */

/* A stack belongs to the event with the same timestamp on the same thread.
 * The MOF declares Stack1..Stack32, but events carry from one to well over
 * 32 frames: the frame count is (size - 16) / P. */
static const etl_prop stackwalk_stack[] = {
	U64("EventTimeStamp"),
	U32("StackProcess"),
	U32("StackThread"),
	FRAMES("Stack"),
};

/* Key create/delete/rundown: the key, then its frames: size / P - 1 */
static const etl_prop stackwalk_key[] = {
	PTR("key"),
	FRAMES("StackFrame"),
};

static const etl_prop stackwalk_stackkey[] = {
	U64("EventTimeStamp"),
	U32("StackProcess"),
	U32("StackThread"),
	PTR("StackKey"),
};

static const etl_schema stackwalk_events[] = {
	EV(StackWalk, 32, 2, "Stack", stackwalk_stack),
	EV(StackWalk, 34, 2, "KeyCreate", stackwalk_key),
	EV(StackWalk, 35, 2, "KeyDelete", stackwalk_key),
	EV(StackWalk, 36, 2, "KeyRundown", stackwalk_key),
	EV(StackWalk, 37, 2, "StackKeyKernel", stackwalk_stackkey),
	EV(StackWalk, 38, 2, "StackKeyUser", stackwalk_stackkey),
};

/* ---- ALPC --------------------------------------------------------------- */

static const etl_prop alpc_v2_t33[] = {
	U32("MessageID"),
};

static const etl_prop alpc_v2_t36[] = {
	U32("IsServerPort"),
	WSTR("PortName"),
};

static const etl_prop alpc_v2_t37[] = {
	U32("Status"),
};

static const etl_schema alpc_events[] = {
	EV(ALPC, 33, 2, "ALPC-Send-Message", alpc_v2_t33),
	EV(ALPC, 34, 2, "ALPC-Receive-Message", alpc_v2_t33),
	EV(ALPC, 35, 2, "ALPC-Wait-For-Reply", alpc_v2_t33),
	EV(ALPC, 36, 2, "ALPC-Wait-For-New-Message", alpc_v2_t36),
	EV(ALPC, 37, 2, "ALPC-Unwait", alpc_v2_t37),
};

/* ---- Lost_Event (real-time sessions only; no payload) -------------------- */

static const etl_schema lost_events[] = {
	EV0(Lost_Event, 32, 0, "RTLostEvent"),
	EV0(Lost_Event, 33, 0, "RTLostBuffer"),
	EV0(Lost_Event, 34, 0, "RTLostFile"),
};

/* ---- SystemConfig (hardware rundown at the end of kernel sessions) -------- */

static const etl_prop systemconfig_v0_t10[] = {
	U32("MHz"),
	U32("NumberOfProcessors"),
	U32("MemSize"),
	U32("PageSize"),
	U32("AllocationGranularity"),
	WCHARS("ComputerName", 256),
	WCHARS("DomainName", 132),
	PTR("HyperThreadingFlag"),
};

static const etl_prop systemconfig_v0_t11[] = {
	U32("DiskNumber"),
	U32("BytesPerSector"),
	U32("SectorsPerTrack"),
	U32("TracksPerCylinder"),
	U64("Cylinders"),
	U32("SCSIPort"),
	U32("SCSIPath"),
	U32("SCSITarget"),
	U32("SCSILun"),
	WCHARS("Manufacturer", 256),
	U32("PartitionCount"),
	U8("WriteCacheEnabled"),
	U8("Pad"),
	WCHARS("BootDriveLetter", 3),
	WCHARS("Spare", 2),
};

static const etl_prop systemconfig_v0_t12[] = {
	U64("StartOffset"),
	U64("PartitionSize"),
	U32("DiskNumber"),
	U32("Size"),
	U32("DriveType"),
	WCHARS("DriveLetterString", 4),
	U32("Pad1"),
	U32("PartitionNumber"),
	U32("SectorsPerCluster"),
	U32("BytesPerSector"),
	U32("Pad2"),
	I64("NumberOfFreeClusters"),
	I64("TotalNumberOfClusters"),
	WCHARS("FileSystem", 16),
	U32("VolumeExt"),
};

static const etl_prop systemconfig_v0_t13[] = {
	WCHARS("NICName", 256),
	U32("Index"),
	U32("PhysicalAddrLen"),
	WCHARS("PhysicalAddr", 8),
	U32("Size"),
	I32("IpAddress"),
	I32("SubnetMask"),
	I32("DhcpServer"),
	I32("Gateway"),
	I32("PrimaryWinsServer"),
	I32("SecondaryWinsServer"),
	I32("DnsServer1"),
	I32("DnsServer2"),
	I32("DnsServer3"),
	I32("DnsServer4"),
	U32("Data"),
};

static const etl_prop systemconfig_v0_t14[] = {
	U32("MemorySize"),
	U32("XResolution"),
	U32("YResolution"),
	U32("BitsPerPixel"),
	U32("VRefresh"),
	WCHARS("ChipType", 256),
	WCHARS("DACType", 256),
	WCHARS("AdapterString", 256),
	WCHARS("BiosString", 256),
	WCHARS("DeviceId", 256),
	X32("StateFlags"),
};

static const etl_prop systemconfig_v0_t15[] = {
	WCHARS("ServiceName", 34),
	WCHARS("DisplayName", 256),
	WCHARS("ProcessName", 34),
	U32("ProcessId"),
};

static const etl_prop systemconfig_v0_t16[] = {
	U8("S1"),
	U8("S2"),
	U8("S3"),
	U8("S4"),
	U8("S5"),
	U8("Pad1"),
	U8("Pad2"),
	U8("Pad3"),
};

static const etl_prop systemconfig_v0_t21[] = {
	X64("IRQAffinity"),
	U32("IRQNum"),
	U32("DeviceDescriptionLen"),
	WSTR("DeviceDescription"),
};

static const etl_prop systemconfig_v0_t22[] = {
	U32("IDLength"),
	U32("DescriptionLength"),
	U32("FriendlyNameLength"),
	WSTR("DeviceID"),
	WSTR("DeviceDescription"),
	WSTR("FriendlyName"),
};

static const etl_prop systemconfig_v2_t10[] = {
	U32("MHz"),
	U32("NumberOfProcessors"),
	U32("MemSize"),
	U32("PageSize"),
	U32("AllocationGranularity"),
	WCHARS("ComputerName", 256),
	WCHARS("DomainName", 134),
	PTR("HyperThreadingFlag"),
};

static const etl_prop systemconfig_v2_t12[] = {
	U64("StartOffset"),
	U64("PartitionSize"),
	U32("DiskNumber"),
	U32("Size"),
	U32("DriveType"),
	WCHARS("DriveLetterString", 4),
	U32("Pad1"),
	U32("PartitionNumber"),
	U32("SectorsPerCluster"),
	U32("BytesPerSector"),
	U32("Pad2"),
	I64("NumberOfFreeClusters"),
	I64("TotalNumberOfClusters"),
	WCHARS("FileSystem", 16),
	U32("VolumeExt"),
	U32("Pad3"),
};

static const etl_prop systemconfig_v2_t13[] = {
	X64("PhysicalAddr"),
	U32("PhysicalAddrLen"),
	U32("Ipv4Index"),
	U32("Ipv6Index"),
	WSTR("NICDescription"),
	WSTR("IpAddresses"),
	WSTR("DnsServerAddresses"),
};

static const etl_prop systemconfig_v2_t15[] = {
	U32("ProcessId"),
	X32("ServiceState"),
	U32("SubProcessTag"),
	WSTR("ServiceName"),
	WSTR("DisplayName"),
	WSTR("ProcessName"),
};

static const etl_prop systemconfig_v2_t17[] = {
	U32("TcbTablePartitions"),
	U32("MaxHashTableSize"),
	U32("MaxUserPort"),
	U32("TcpTimedWaitDelay"),
};

static const etl_prop systemconfig_v2_t18[] = {
	U16("DiskNumber"),
	U16("BusType"),
	U16("DeviceType"),
	U16("MediaType"),
	U64("StartingOffset"),
	U64("Size"),
	U64("NumberOfFreeBlocks"),
	U64("TotalNumberOfBlocks"),
	U64("NextWritableAddress"),
	U32("NumberOfSessions"),
	U32("NumberOfTracks"),
	U32("BytesPerSector"),
	U16("DiscStatus"),
	U16("LastSessionStatus"),
	WSTR("DriveLetter"),
	WSTR("FileSystemName"),
	ASTR("DeviceName"),
	ASTR("ManufacturerName"),
};

static const etl_prop systemconfig_v2_t23[] = {
	U32("TargetId"),
	X32("DeviceType"),
	X32("DeviceTimingMode"),
	U32("LocationInformationLen"),
	WSTR("LocationInformation"),
};

static const etl_prop systemconfig_v2_t24[] = {
	U32("NodeCount"),
	U64("NodeMap"),
};

static const etl_prop systemconfig_v2_t25[] = {
	WSTR("SystemManufacturer"),
	WSTR("SystemProductName"),
	WSTR("BiosDate"),
	WSTR("BiosVersion"),
};

static const etl_prop systemconfig_v2_t26[] = {
	U32("GroupCount"),
	PTR("Affinity"),
};

static const etl_prop systemconfig_v2_t27[] = {
	U32("ProcessorCount"),
	U32("ProcessorNumber"),
};

static const etl_prop systemconfig_v2_t28[] = {
	U32("MachineDPI"),
	U32("UserDPI"),
};

static const etl_prop systemconfig_v2_t29[] = {
	U32("CodeIntegrityInfo"),
};

static const etl_prop systemconfig_v2_t30[] = {
	GUIDF("MachineId"),
};

static const etl_prop systemconfig_v2_t31[] = {
	U64("AlignmentClusters"),
	U64("AvgFreeSpaceSize"),
	U64("ClustersPerSlab"),
	U64("FragmentedDirectoryExtents"),
	U64("FragmentedExtents"),
	U64("FreeSpaceCount"),
	U64("LargestFreeSpaceSize"),
	U64("LastRunActualPurgeClusters"),
	U64("LastRunClustersTrimmed"),
	U64("LastRunFullDefragTime"),
	U64("LastRunTime"),
	U64("MFTSize"),
	U64("TotalClusters"),
	U64("TotalUsedClusters"),
	U32("AvgFragmentsPerFile"),
	U32("BytesPerCluster"),
	U32("DirectoryCount"),
	U32("FragmentedDirectories"),
	U32("FragmentedFiles"),
	U32("FragmentedSpace"),
	U32("HardwareIssue"),
	U32("InUseMFTRecords"),
	U32("InUseSlabs"),
	U32("LastRunActualPurgeSlabs"),
	U32("LastRunInitialBackedSlabs"),
	U32("LastRunPercentFragmentation"),
	U32("LastRunPinnedSlabs"),
	U32("LastRunPotentialPurgeSlabs"),
	U32("LastRunSpaceInefficientSlabs"),
	U32("LastRunTrimmedSlabs"),
	U32("LastRunUnknownEvictFailSlabs"),
	U32("LastRunVolsnapPinnedSlabs"),
	U32("MFTFragmentCount"),
	U32("MovableFiles"),
	U32("TotalMFTRecords"),
	U32("TotalSlabs"),
	U32("UnmovableFiles"),
	GUIDF("VolumeId"),
	WSTR("VolumePathNames"),
};

static const etl_prop systemconfig_v2_t32[] = {
	WSTR("BootLoaderVersion"),
	WSTR("FirmwareRevision"),
	WSTR("FriendlyName"),
	WSTR("HardwareRevision"),
	WSTR("Manufacturer"),
	WSTR("ManufacturerDisplayName"),
	WSTR("ManufacturerModelName"),
	WSTR("MobileOperatorDisplayName"),
	WSTR("MobileOperatorName"),
	WSTR("ModelName"),
	WSTR("RadioHardwareRevision"),
	WSTR("RadioSoftwareRevision"),
	WSTR("ROMVersion"),
	WSTR("SOCVersion"),
	WSTR("HardwareVariant"),
};

static const etl_prop systemconfig_v2_t33[] = {
	U64("UAPInfo"),
	U32("DeviceFamily"),
	U32("DeviceForm"),
};

static const etl_prop systemconfig_v2_t34[] = {
	WSTR("UpdateId"),
	WSTR("FlightIdList"),
};

static const etl_prop systemconfig_v2_t35[] = {
	U32("ProcessorIndex"),
	U32("FeatureSet"),
	U32("ProcessorSpeed"),
	WCHARS("ProcessorName", 64),
	WCHARS("VendorIdentifier", 16),
	WCHARS("ProcessorIdentifier", 128),
};

static const etl_prop systemconfig_v3_t10[] = {
	U32("MHz"),
	U32("NumberOfProcessors"),
	U32("MemSize"),
	U32("PageSize"),
	U32("AllocationGranularity"),
	WCHARS("ComputerName", 256),
	WCHARS("DomainName", 134),
	PTR("HyperThreadingFlag"),
	PTR("HighestUserAddress"),
	U16("ProcessorArchitecture"),
	U16("ProcessorLevel"),
	U16("ProcessorRevision"),
	U8("PaeEnabled"),
	U8("NxEnabled"),
	U32("MemorySpeed"),
};

static const etl_prop systemconfig_v3_t15[] = {
	U32("ProcessId"),
	X32("ServiceState"),
	U32("SubProcessTag"),
	WSTR("ServiceName"),
	WSTR("DisplayName"),
	WSTR("ProcessName"),
	WSTR("LoadOrderGroup"),
	WSTR("SvchostGroup"),
};

static const etl_prop systemconfig_v3_t21[] = {
	X64("IRQAffinity"),
	U16("IRQGroup"),
	U16("Reserved"),
	U32("IRQNum"),
	U32("DeviceDescriptionLen"),
	WSTR("DeviceDescription"),
};

static const etl_prop systemconfig_v3_t22[] = {
	U32("IDLength"),
	U32("DescriptionLength"),
	U32("FriendlyNameLength"),
	WSTR("DeviceID"),
	WSTR("DeviceDescription"),
	WSTR("FriendlyName"),
	WSTR("PdoName"),
};

/* PnP v4/v5: UpperFilters and LowerFilters are arrays of strings counted by
 * the two counts (absent when 0); the dumps lost the count references. */
static const etl_prop systemconfig_v4_t22[] = {
	GUIDF("ClassGuid"),
	U32("UpperFiltersCount"),
	U32("LowerFiltersCount"),
	WSTR("DeviceID"),
	WSTR("DeviceDescription"),
	WSTR("FriendlyName"),
	WSTR("PdoName"),
	WSTR("ServiceName"),
	COUNTED("UpperFilters", ETL_IN_UNICODESTRING, 1),
	COUNTED("LowerFilters", ETL_IN_UNICODESTRING, 2),
};

static const etl_prop systemconfig_v5_t22[] = {
	GUIDF("ClassGuid"),
	U32("UpperFiltersCount"),
	U32("LowerFiltersCount"),
	U32("DevStatus"),
	U32("DevProblem"),
	WSTR("DeviceID"),
	WSTR("DeviceDescription"),
	WSTR("FriendlyName"),
	WSTR("PdoName"),
	WSTR("ServiceName"),
	COUNTED("UpperFilters", ETL_IN_UNICODESTRING, 1),
	COUNTED("LowerFilters", ETL_IN_UNICODESTRING, 2),
};

static const etl_schema systemconfig_events[] = {
	EV(SystemConfig, 10, 0, "CPU", systemconfig_v0_t10),
	EV(SystemConfig, 10, 1, "CPU", systemconfig_v0_t10),
	EV(SystemConfig, 10, 2, "CPU", systemconfig_v2_t10),
	EV(SystemConfig, 10, 3, "CPU", systemconfig_v3_t10),
	EV(SystemConfig, 11, 0, "PhyDisk", systemconfig_v0_t11),
	EV(SystemConfig, 11, 1, "PhyDisk", systemconfig_v0_t11),
	EV(SystemConfig, 11, 2, "PhyDisk", systemconfig_v0_t11),
	EV(SystemConfig, 12, 0, "LogDisk", systemconfig_v0_t12),
	EV(SystemConfig, 12, 1, "LogDisk", systemconfig_v0_t12),
	EV(SystemConfig, 12, 2, "LogDisk", systemconfig_v2_t12),
	EV(SystemConfig, 13, 0, "NIC", systemconfig_v0_t13),
	EV(SystemConfig, 13, 1, "NIC", systemconfig_v0_t13),
	EV(SystemConfig, 13, 2, "NIC", systemconfig_v2_t13),
	EV(SystemConfig, 14, 0, "Video", systemconfig_v0_t14),
	EV(SystemConfig, 14, 1, "Video", systemconfig_v0_t14),
	EV(SystemConfig, 14, 2, "Video", systemconfig_v0_t14),
	EV(SystemConfig, 15, 0, "Services", systemconfig_v0_t15),
	EV(SystemConfig, 15, 1, "Services", systemconfig_v0_t15),
	EV(SystemConfig, 15, 2, "Services", systemconfig_v2_t15),
	EV(SystemConfig, 15, 3, "Services", systemconfig_v3_t15),
	EV(SystemConfig, 16, 0, "Power", systemconfig_v0_t16),
	EV(SystemConfig, 16, 1, "Power", systemconfig_v0_t16),
	EV(SystemConfig, 16, 2, "Power", systemconfig_v0_t16),
	EV(SystemConfig, 17, 2, "Network", systemconfig_v2_t17),
	EV(SystemConfig, 18, 2, "OpticalDisk", systemconfig_v2_t18),
	EV(SystemConfig, 21, 0, "IRQ", systemconfig_v0_t21),
	EV(SystemConfig, 21, 1, "IRQ", systemconfig_v0_t21),
	EV(SystemConfig, 21, 2, "IRQ", systemconfig_v0_t21),
	EV(SystemConfig, 21, 3, "IRQ", systemconfig_v3_t21),
	EV(SystemConfig, 22, 0, "PnP", systemconfig_v0_t22),
	EV(SystemConfig, 22, 1, "PnP", systemconfig_v0_t22),
	EV(SystemConfig, 22, 2, "PnP", systemconfig_v0_t22),
	EV(SystemConfig, 22, 3, "PnP", systemconfig_v3_t22),
	EV(SystemConfig, 22, 4, "PnP", systemconfig_v4_t22),
	EV(SystemConfig, 22, 5, "PnP", systemconfig_v5_t22),
	EV(SystemConfig, 23, 2, "IDEChannel", systemconfig_v2_t23),
	EV(SystemConfig, 24, 2, "NumaNode", systemconfig_v2_t24),
	EV(SystemConfig, 25, 2, "Platform", systemconfig_v2_t25),
	EV(SystemConfig, 26, 2, "ProcessorGroup", systemconfig_v2_t26),
	EV(SystemConfig, 27, 2, "ProcessorNumber", systemconfig_v2_t27),
	EV(SystemConfig, 28, 2, "DPI", systemconfig_v2_t28),
	EV(SystemConfig, 29, 2, "CodeIntegrity", systemconfig_v2_t29),
	EV(SystemConfig, 30, 2, "TelemetryConfiguration", systemconfig_v2_t30),
	EV(SystemConfig, 31, 2, "Defragmentation", systemconfig_v2_t31),
	EV(SystemConfig, 32, 2, "MobilePlatform", systemconfig_v2_t32),
	EV(SystemConfig, 33, 2, "DeviceFamily", systemconfig_v2_t33),
	EV(SystemConfig, 34, 2, "FlightIds", systemconfig_v2_t34),
	EV(SystemConfig, 35, 2, "Processors", systemconfig_v2_t35),
};

/* ---- KernelTraceControl: ImageID / DbgID (decoding.md §8.2) --------------- */

/* The merger writes these as FULL_HEADER records with the GUID below; header
 * version 2 for types 0-40 and 0 for FileVersion in the corpus. */

static const etl_prop imageid_info[] = {
	PTR("ImageBase"),
	PTR("ImageSize"),
	U32("ProcessId"),
	U32("TimeDateStamp"),
	WSTR("OriginalFileName"),
};

static const etl_prop imageid_none[] = {
	PTR("ImageBase"),
	U32("ProcessId"),
};

/* CodeView RSDS record of the image: PDB signature, age and path (UTF-8) */
static const etl_prop imageid_rsds[] = {
	PTR("ImageBase"),
	U32("ProcessId"),
	GUIDF("GuidSig"),
	U32("Age"),
	U8STR("PdbFileName"),
};

static const etl_prop imageid_ppdb[] = {
	PTR("ImageBase"),
	U32("ProcessId"),
	U32("TimeDateStamp"),
	U16("MajorVersion"),
	U16("MinorVersion"),
};

static const etl_prop imageid_fileversion[] = {
	U32("ImageSize"),
	U32("TimeDateStamp"),
	WSTR("OrigFileName"),
	WSTR("FileDescription"),
	WSTR("FileVersion"),
	WSTR("BinFileVersion"),
	WSTR("VerLanguage"),
	WSTR("ProductName"),
	WSTR("CompanyName"),
	WSTR("ProductVersion"),
	WSTR("FileId"),
	WSTR("ProgramId"),
};

/* Type 0 is the Info opcode: named after the task alone, as consumers do. */
static const etl_schema imageid_events[] = {
	KTC(ImageID, 0, 2, "Info", "ImageID", imageid_info),
	KTC(ImageID, 32, 2, "None", "ImageID/None", imageid_none),
	KTC(ImageID, 36, 2, "DbgID_RSDS", "ImageID/DbgID_RSDS", imageid_rsds),
	KTC(ImageID, 37, 2, "DbgID_ILRSDS", "ImageID/DbgID_ILRSDS", imageid_rsds),
	KTC(ImageID, 38, 2, "DbgPPDB", "ImageID/DbgPPDB", imageid_ppdb),
	KTC(ImageID, 40, 2, "DbgDeterm", "ImageID/DbgDeterm", imageid_none),
	KTC(ImageID, 64, 0, "FileVersion", "ImageID/FileVersion", imageid_fileversion),
};

/* ---- KernelTraceControl: SysConfig extras (decoding.md §8.3) ------------- */

static const etl_prop sysconfigx_buildinfo[] = {
	FTIME("InstallDate"),
	WSTR("BuildLab"),
	WSTR("ProductName"),
};

static const etl_prop sysconfigx_systempaths[] = {
	WSTR("SystemDirectory"),
	WSTR("SystemWindowsDirectory"),
};

static const etl_prop sysconfigx_unknownvolume[] = {
	WSTR("DevicePath"),
};

static const etl_prop sysconfigx_volumemapping[] = {
	WSTR("NtPath"),
	WSTR("DosPath"),
};

/* type 37: 16 bytes of unknown meaning (all zero in the corpus) */
static const etl_prop sysconfigx_37[] = {
	BYTES("Data", 16),
};

static const etl_schema sysconfigx_events[] = {
	KTC(SysConfig, 32, 0, "BuildInfo", "SysConfig/BuildInfo", sysconfigx_buildinfo),
	KTC(SysConfig, 33, 0, "SystemPaths", "SysConfig/SystemPaths", sysconfigx_systempaths),
	KTC(SysConfig, 34, 0, "UnknownVolume", "SysConfig/UnknownVolume", sysconfigx_unknownvolume),
	KTC(SysConfig, 35, 0, "VolumeMapping", "SysConfig/VolumeMapping", sysconfigx_volumemapping),
	KTC(SysConfig, 37, 0, NULL, "SysConfig", sysconfigx_37),
};

/* ---- lookup ----------------------------------------------------------------- */

#define CLASS(cls, tab) { GUID_##cls, tab, sizeof(tab) / sizeof((tab)[0]) }

static const struct kclass {
	etl_guid guid;
	const etl_schema *events;
	size_t count;
} kclasses[] = {
	/* most frequent first: samples, stacks, images, threads */
	CLASS(PerfInfo, perfinfo_events),
	CLASS(StackWalk, stackwalk_events),
	CLASS(Image, image_events),
	CLASS(Thread, thread_events),
	CLASS(Process, process_events),
	CLASS(DiskIo, diskio_events),
	CLASS(FileIo, fileio_events),
	CLASS(PageFault, pagefault_events),
	CLASS(TcpIp, tcpip_events),
	CLASS(UdpIp, udpip_events),
	CLASS(Registry, registry_events),
	CLASS(ALPC, alpc_events),
	CLASS(SystemConfig, systemconfig_events),
	CLASS(EventTrace, eventtrace_events),
	CLASS(Lost_Event, lost_events),
	CLASS(ImageID, imageid_events),
	CLASS(SysConfig, sysconfigx_events),
};

static const struct kclass *find_class(const etl_guid *g)
{
	for (size_t i = 0; i < sizeof(kclasses) / sizeof(kclasses[0]); i++)
		if (etl_guid_equal(&kclasses[i].guid, g))
			return &kclasses[i];
	return NULL;
}

const etl_schema *etl_kernel_schema_find(const etl_guid *class_guid, uint8_t opcode,
                                         uint8_t version, bool *fallback)
{
	static const etl_guid process = GUID_Process, image = GUID_Image;
	const struct kclass *k;
	const etl_schema *best = NULL;
	unsigned best_dist = 0;

	if (fallback)
		*fallback = false;
	if (!class_guid)
		return NULL;
	/* HookId 0x030A, the legacy image load, is logged in the Process group
	 * but belongs to the Image class (etl-format.md §3.10). */
	if (opcode == 10 && etl_guid_equal(class_guid, &process))
		class_guid = &image;
	k = find_class(class_guid);
	if (!k)
		return NULL;
	/* The exact version, else the closest: the newest one older than the
	 * event, else the oldest newer one.  Kernel layouts grow by appending
	 * fields, so an older layout decodes a prefix of a newer event
	 * (decoding.md §5.5); the schema store falls back the same way. */
	for (size_t i = 0; i < k->count; i++) {
		const etl_schema *sc = &k->events[i];
		unsigned dist;
		if (sc->opcode != opcode)
			continue;
		if (sc->version == version)
			return sc;
		/* older versions rank before any newer one */
		dist = sc->version < version ? (unsigned)(version - sc->version)
		                             : 256u + (unsigned)(sc->version - version);
		if (!best || dist < best_dist) {
			best = sc;
			best_dist = dist;
		}
	}
	if (best && fallback)
		*fallback = true;
	return best;
}

const etl_schema *etl_kernel_schema_at(size_t i)
{
	for (size_t c = 0; c < sizeof(kclasses) / sizeof(kclasses[0]); c++) {
		if (i < kclasses[c].count)
			return &kclasses[c].events[i];
		i -= kclasses[c].count;
	}
	return NULL;
}
