/*
 * etlkit/evntprov.h - EVENT_DESCRIPTOR (the part of the Windows SDK's
 * <evntprov.h> a consumer needs).  Part of libetlkit-win32.
 */
#ifndef ETLKIT_EVNTPROV_H
#define ETLKIT_EVNTPROV_H
#include "etlkit_wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _EVENT_DESCRIPTOR {
	USHORT Id;
	UCHAR Version;
	UCHAR Channel;
	UCHAR Level;
	UCHAR Opcode;
	USHORT Task;
	ULONGLONG Keyword;
} EVENT_DESCRIPTOR, *PEVENT_DESCRIPTOR;
typedef const EVENT_DESCRIPTOR *PCEVENT_DESCRIPTOR;

#ifdef __cplusplus
}
#endif
#endif
