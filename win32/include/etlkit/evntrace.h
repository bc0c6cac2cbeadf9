/*
 * etlkit/evntrace.h - the file-mode consumer half of the Windows SDK's
 * <evntrace.h>, implemented by libetlkit-win32 over libetlkit.
 *
 * OpenTraceW / ProcessTrace / CloseTrace read .etl files (never real-time
 * sessions: PROCESS_TRACE_MODE_REAL_TIME fails with ERROR_NOT_SUPPORTED).
 * Only the UTF-16 ("W") entry points exist; OpenTrace and EVENT_TRACE_LOGFILE
 * name them as a UNICODE build of the SDK does.  Controller functions
 * (StartTrace, EnableTraceEx2, ...) are not provided.
 */
#ifndef ETLKIT_EVNTRACE_H
#define ETLKIT_EVNTRACE_H
#include "etlkit_wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 68fdd900-4a3e-11d1-84f4-0000f80464e3: the class of the logfile header event */
#define ETLKIT_EVENT_TRACE_GUID_INIT \
	{ 0x68fdd900, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } }

typedef ULONG64 TRACEHANDLE, *PTRACEHANDLE;
#define INVALID_PROCESSTRACE_HANDLE ((TRACEHANDLE)INVALID_HANDLE_VALUE)

/* EVENT_TRACE_LOGFILE.ProcessTraceMode */
#define PROCESS_TRACE_MODE_REAL_TIME 0x00000100
#define PROCESS_TRACE_MODE_RAW_TIMESTAMP 0x00001000
#define PROCESS_TRACE_MODE_EVENT_RECORD 0x10000000

/* EVENT_TRACE_HEADER.Class.Type values */
#define EVENT_TRACE_TYPE_INFO 0x00
#define EVENT_TRACE_TYPE_START 0x01
#define EVENT_TRACE_TYPE_END 0x02
#define EVENT_TRACE_TYPE_STOP 0x02
#define EVENT_TRACE_TYPE_DC_START 0x03
#define EVENT_TRACE_TYPE_DC_END 0x04
#define EVENT_TRACE_TYPE_EXTENSION 0x05
#define EVENT_TRACE_TYPE_REPLY 0x06
#define EVENT_TRACE_TYPE_DEQUEUE 0x07
#define EVENT_TRACE_TYPE_RESUME 0x07
#define EVENT_TRACE_TYPE_CHECKPOINT 0x08
#define EVENT_TRACE_TYPE_SUSPEND 0x08
#define EVENT_TRACE_TYPE_WINEVT_SEND 0x09
#define EVENT_TRACE_TYPE_WINEVT_RECEIVE 0xF0

/* TRACE_LOGFILE_HEADER.LogFileMode bits a consumer may test */
#define EVENT_TRACE_FILE_MODE_NONE 0x00000000
#define EVENT_TRACE_FILE_MODE_SEQUENTIAL 0x00000001
#define EVENT_TRACE_FILE_MODE_CIRCULAR 0x00000002
#define EVENT_TRACE_FILE_MODE_APPEND 0x00000004
#define EVENT_TRACE_FILE_MODE_NEWFILE 0x00000008
#define EVENT_TRACE_REAL_TIME_MODE 0x00000100
#define EVENT_TRACE_USE_PAGED_MEMORY 0x01000000

/* 4 bytes: where the event was buffered.  ProcessorIndex is valid when
 * EVENT_HEADER_FLAG_PROCESSOR_INDEX is set, ProcessorNumber otherwise. */
typedef struct _ETW_BUFFER_CONTEXT {
	union {
		struct {
			UCHAR ProcessorNumber;
			UCHAR Alignment;
		};
		USHORT ProcessorIndex;
	};
	USHORT LoggerId;
} ETW_BUFFER_CONTEXT, *PETW_BUFFER_CONTEXT;

/* The classic (pre-Vista) event header: 48 bytes. */
typedef struct _EVENT_TRACE_HEADER {
	USHORT Size;
	union {
		USHORT FieldTypeFlags;
		struct {
			UCHAR HeaderType;
			UCHAR MarkerFlags;
		};
	};
	union {
		ULONG Version;
		struct {
			UCHAR Type;
			UCHAR Level;
			USHORT Version;
		} Class;
	};
	ULONG ThreadId;
	ULONG ProcessId;
	LARGE_INTEGER TimeStamp;
	union {
		GUID Guid;
		ULONGLONG GuidPtr;
	};
	union {
		struct {
			ULONG KernelTime;
			ULONG UserTime;
		};
		ULONG64 ProcessorTime;
		struct {
			ULONG ClientContext;
			ULONG Flags;
		};
	};
} EVENT_TRACE_HEADER, *PEVENT_TRACE_HEADER;

typedef struct _EVENT_TRACE {
	EVENT_TRACE_HEADER Header;
	ULONG InstanceId;
	ULONG ParentInstanceId;
	GUID ParentGuid;
	PVOID MofData;
	ULONG MofLength;
	union {
		ULONG ClientContext;
		ETW_BUFFER_CONTEXT BufferContext;
	};
} EVENT_TRACE, *PEVENT_TRACE;

typedef struct _TRACE_LOGFILE_HEADER {
	ULONG BufferSize;
	union {
		ULONG Version;
		struct {
			UCHAR MajorVersion;
			UCHAR MinorVersion;
			UCHAR SubVersion;
			UCHAR SubMinorVersion;
		} VersionDetail;
	};
	ULONG ProviderVersion;
	ULONG NumberOfProcessors;
	LARGE_INTEGER EndTime;
	ULONG TimerResolution;
	ULONG MaximumFileSize;
	ULONG LogFileMode;
	ULONG BuffersWritten;
	union {
		GUID LogInstanceGuid;
		struct {
			ULONG StartBuffers;
			ULONG PointerSize;
			ULONG EventsLost;
			ULONG CpuSpeedInMHz;
		};
	};
	LPWSTR LoggerName;
	LPWSTR LogFileName;
	TIME_ZONE_INFORMATION TimeZone;
	LARGE_INTEGER BootTime;
	LARGE_INTEGER PerfFreq;
	LARGE_INTEGER StartTime;
	ULONG ReservedFlags;
	ULONG BuffersLost;
} TRACE_LOGFILE_HEADER, *PTRACE_LOGFILE_HEADER;

struct _EVENT_RECORD;
struct _EVENT_TRACE_LOGFILEW;
typedef ULONG(WINAPI *PEVENT_TRACE_BUFFER_CALLBACKW)(struct _EVENT_TRACE_LOGFILEW *Logfile);
typedef VOID(WINAPI *PEVENT_CALLBACK)(PEVENT_TRACE pEvent);
typedef VOID(WINAPI *PEVENT_RECORD_CALLBACK)(struct _EVENT_RECORD *EventRecord);

typedef struct _EVENT_TRACE_LOGFILEW {
	LPWSTR LogFileName;            /* in: the .etl file */
	LPWSTR LoggerName;             /* real-time sessions only: unsupported */
	LONGLONG CurrentTime;          /* out: time of the last event delivered */
	ULONG BuffersRead;             /* out */
	union {
		ULONG LogFileMode;
		ULONG ProcessTraceMode;    /* in: PROCESS_TRACE_MODE_* */
	};
	EVENT_TRACE CurrentEvent;      /* out: the last event, classic form */
	TRACE_LOGFILE_HEADER LogfileHeader; /* out: filled by OpenTraceW */
	PEVENT_TRACE_BUFFER_CALLBACKW BufferCallback; /* after each buffer; FALSE stops */
	ULONG BufferSize;              /* out */
	ULONG Filled;                  /* out */
	ULONG EventsLost;              /* unused */
	union {
		PEVENT_CALLBACK EventCallback;             /* classic consumers */
		PEVENT_RECORD_CALLBACK EventRecordCallback; /* PROCESS_TRACE_MODE_EVENT_RECORD */
	};
	ULONG IsKernelTrace;           /* out */
	PVOID Context;                 /* in: EVENT_RECORD.UserContext */
} EVENT_TRACE_LOGFILEW, *PEVENT_TRACE_LOGFILEW;

typedef EVENT_TRACE_LOGFILEW EVENT_TRACE_LOGFILE, *PEVENT_TRACE_LOGFILE;
typedef PEVENT_TRACE_BUFFER_CALLBACKW PEVENT_TRACE_BUFFER_CALLBACK;

/* Opens one .etl file for ProcessTrace.  Fills Logfile->LogfileHeader (with
 * LoggerName/LogFileName pointing to memory owned by the handle).  Returns
 * INVALID_PROCESSTRACE_HANDLE on failure; GetLastError() says why. */
TRACEHANDLE WINAPI OpenTraceW(PEVENT_TRACE_LOGFILEW Logfile);
#define OpenTrace OpenTraceW

/* Delivers the events of all the handles merged in time order, each to the
 * callbacks of the handle its file was opened with.  StartTime / EndTime
 * (FILETIME, may be NULL) bound the events delivered.  Returns
 * ERROR_SUCCESS, ERROR_CANCELLED when a BufferCallback returned FALSE, or an
 * error.  The same handle cannot be processed twice. */
ULONG WINAPI ProcessTrace(PTRACEHANDLE HandleArray, ULONG HandleCount,
                          LPFILETIME StartTime, LPFILETIME EndTime);

ULONG WINAPI CloseTrace(TRACEHANDLE TraceHandle);

/* ---- etlkit extensions ---------------------------------------------------------
 * Schemas: TDH on Windows finds manifests in the registry; here they come
 * from etlkit's schema store: the trace's own metadata, the built-in kernel
 * classes, the manifest files or directories named in ETLKIT_MANIFEST_PATH
 * (colon-separated), and those added with EtlkitAddManifestPath (a manifest
 * file or a directory of them) or EtlkitAddMofPath (a MOF file).  Both return
 * ERROR_SUCCESS or an error code; call them before OpenTraceW. */
#define ETLKIT_WIN32_FACADE 1
ULONG WINAPI EtlkitAddManifestPath(const char *path);
ULONG WINAPI EtlkitAddMofPath(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* ETLKIT_EVNTRACE_H */
