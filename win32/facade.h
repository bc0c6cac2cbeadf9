/*
 * facade.h - state shared by win32/evntrace.c and win32/tdh.c (private to
 * libetlkit-win32).
 *
 * ProcessTrace hands each event to the consumer as an EVENT_RECORD that lives
 * in a struct fevent; while the callback runs, that struct is the thread's
 * "current event", so the TDH functions called from the callback find the
 * etl_event and the decoder behind the record without searching.  A record
 * that is not the current one (copied by the consumer, or used after the
 * callback) is rebuilt into an etl_event from its own fields.
 */
#ifndef ETLKIT_WIN32_FACADE_H
#define ETLKIT_WIN32_FACADE_H

#define ETLKIT_INTERNAL
#include "decode.h"
#include "schema.h"
#include "private.h"

#include "etlkit_wintypes.h"
#include "evntrace.h"
#include "evntcons.h"
#include "tdh.h"

#include <stdbool.h>

/* The cached TDH view of one event (win32/tdh.c). */
struct tdh_view;

struct fevent {
	EVENT_RECORD rec;
	EVENT_HEADER_EXTENDED_DATA_ITEM *ext;  /* ExtendedData */
	size_t ext_cap;
	const etl_event *ev;
	etl_decoder *dec;
	const etl_decoded *decoded;            /* lazily, by tdh.c */
	bool decoded_done;
	struct tdh_view *view;                 /* lazily, by tdh.c; reset per event */
	uint64_t seq;                          /* bumped per event */
};

/* The thread's current event (set around each callback), or NULL. */
struct fevent *etlkit_w32_current(void);
void etlkit_w32_set_current(struct fevent *fe);

/* The process-wide schema store (ETLKIT_MANIFEST_PATH and the paths added
 * with EtlkitAddManifestPath / EtlkitAddMofPath); NULL when out of memory. */
etl_schemas *etlkit_w32_schemas(void);

/* tdh.c: forgets the view cached for fe (a new event is in it). */
void etlkit_w32_view_reset(struct fevent *fe);
void etlkit_w32_view_free(struct fevent *fe);

/* UTF-16 (host order) <-> UTF-8 */
char *etlkit_w32_utf8(const WCHAR *s);              /* malloc'd; NULL on error */
size_t etlkit_w32_utf16_len(const char *s);         /* units, without the NUL */
void etlkit_w32_to_utf16(const char *s, WCHAR *out, size_t units); /* NUL-terminated */

#endif
