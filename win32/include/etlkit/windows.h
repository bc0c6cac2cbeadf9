/*
 * etlkit/windows.h - the part of <windows.h> that ETW consumer code needs:
 * base types, GUID, FILETIME, SYSTEMTIME, error codes, GetLastError.  With
 * -I$(includedir)/etlkit a consumer's `#include <windows.h>` finds this file.
 * Nothing else of the Win32 API is provided.
 */
#ifndef ETLKIT_WINDOWS_H
#define ETLKIT_WINDOWS_H
#include "etlkit_wintypes.h"
#endif
