/*
 * etlkit/etlkit_wintypes.h - the Windows base types, constants and error
 * codes that the ETW consumer headers of libetlkit-win32 use.
 *
 * Written from the Windows SDK documentation.  Layouts are those of the SDK
 * for the same data model: WCHAR is a 16-bit UTF-16 unit (uint16_t, not
 * wchar_t), ULONG/LONG/DWORD are 32 bits, pointers are native.  On x86_64
 * Linux (LP64) this gives the x64 SDK layouts, checked by
 * tests/win32/test_layout.c.
 *
 * These headers are for non-Windows systems.  On Windows use the SDK's own
 * <evntrace.h>, <evntcons.h> and <tdh.h> (libetlkit-win32 is not built there).
 */
#ifndef ETLKIT_WINTYPES_H
#define ETLKIT_WINTYPES_H

#ifdef _WIN32
#error "etlkit's Win32 consumer headers are for non-Windows systems; use the Windows SDK headers on Windows"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- calling convention and annotations (no meaning off Windows) ---------- */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif
#ifndef ANYSIZE_ARRAY
#define ANYSIZE_ARRAY 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef UNREFERENCED_PARAMETER
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#endif
#ifndef MAX_PATH
#define MAX_PATH 260
#endif

/* ---- integer and pointer types --------------------------------------------- */
typedef uint8_t BYTE, UCHAR, BOOLEAN, *PBYTE, *PUCHAR, *LPBYTE, *PBOOLEAN;
typedef char CHAR, *PCHAR, *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
typedef int16_t SHORT;
typedef uint16_t USHORT, WORD, *PUSHORT, *PWORD;
typedef int32_t LONG, INT, BOOL, *PLONG, *PBOOL;
typedef uint32_t ULONG, DWORD, UINT, *PULONG, *PDWORD, *LPDWORD;
typedef int64_t LONGLONG, LONG64, *PLONGLONG;
typedef uint64_t ULONGLONG, ULONG64, DWORD64, *PULONGLONG, *PULONG64;
typedef uintptr_t ULONG_PTR, SIZE_T, DWORD_PTR;
typedef intptr_t LONG_PTR;
typedef void VOID, *PVOID, *LPVOID, *HANDLE;
typedef const void *LPCVOID, *PCVOID;

/* WCHAR: one UTF-16 code unit.  Use u"..." literals (char16_t) for text. */
typedef uint16_t WCHAR, *PWCHAR, *PWSTR, *LPWSTR, *PWCH;
typedef const uint16_t *PCWSTR, *LPCWSTR, *PCWCH;

#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#ifndef ULONG_MAX
#define ULONG_MAX 0xffffffffUL
#endif

/* ---- GUID -------------------------------------------------------------------- */
#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
	ULONG Data1;
	USHORT Data2;
	USHORT Data3;
	UCHAR Data4[8];
} GUID;
#endif
typedef GUID *LPGUID, *PGUID;
typedef const GUID *LPCGUID, *PCGUID;
typedef GUID IID, CLSID;
#ifndef REFGUID
#define REFGUID const GUID *
#endif
static inline int IsEqualGUID(const GUID *a, const GUID *b)
{
	return memcmp(a, b, sizeof(GUID)) == 0;
}
#ifndef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
	static const GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
#endif

/* ---- LARGE_INTEGER, FILETIME, SYSTEMTIME, TIME_ZONE_INFORMATION -------------- */
typedef union _LARGE_INTEGER {
	struct {
		DWORD LowPart;
		LONG HighPart;
	};
	struct {
		DWORD LowPart;
		LONG HighPart;
	} u;
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
	struct {
		DWORD LowPart;
		DWORD HighPart;
	};
	struct {
		DWORD LowPart;
		DWORD HighPart;
	} u;
	ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _FILETIME {
	DWORD dwLowDateTime;
	DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

typedef struct _SYSTEMTIME {
	WORD wYear;
	WORD wMonth;
	WORD wDayOfWeek;
	WORD wDay;
	WORD wHour;
	WORD wMinute;
	WORD wSecond;
	WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

typedef struct _TIME_ZONE_INFORMATION {
	LONG Bias;
	WCHAR StandardName[32];
	SYSTEMTIME StandardDate;
	LONG StandardBias;
	WCHAR DaylightName[32];
	SYSTEMTIME DaylightDate;
	LONG DaylightBias;
} TIME_ZONE_INFORMATION, *PTIME_ZONE_INFORMATION, *LPTIME_ZONE_INFORMATION;

/* ---- error codes (winerror.h values) ------------------------------------------ */
#define ERROR_SUCCESS 0L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_PATH_NOT_FOUND 3L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_BAD_FORMAT 11L
#define ERROR_INVALID_DATA 13L
#define ERROR_OUTOFMEMORY 14L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_BAD_PATHNAME 161L
#define ERROR_BUSY 170L
#define ERROR_MORE_DATA 234L
#define ERROR_NO_MORE_ITEMS 259L
#define ERROR_NOACCESS 998L
#define ERROR_NOT_FOUND 1168L
#define ERROR_CANCELLED 1223L
#define ERROR_INTERNAL_ERROR 1359L
#define ERROR_FILE_CORRUPT 1392L
#define ERROR_WMI_INSTANCE_NOT_FOUND 4201L
#define ERROR_CTX_CLOSE_PENDING 7007L
#define ERROR_WMI_INVALID_MOF 4211L
#define ERROR_EVT_INVALID_EVENT_DATA 15005L
#define ERROR_EVT_MESSAGE_NOT_FOUND 15027L
#define ERROR_MUI_FILE_NOT_FOUND 15100L

/* The calling thread's last error (kept per thread by libetlkit-win32). */
DWORD WINAPI GetLastError(void);
void WINAPI SetLastError(DWORD code);

#ifdef __cplusplus
}
#endif
#endif /* ETLKIT_WINTYPES_H */
