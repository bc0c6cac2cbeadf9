/*
 * decode.h - the decoded form of an event (private).
 */
#ifndef ETLKIT_DECODE_H
#define ETLKIT_DECODE_H

#ifndef ETLKIT_INTERNAL
#error "decode.h is private to libetlkit"
#endif

#include "schema.h"
#include "private.h"

/* A top-level property's value: where its JSON text lies in props. */
struct etl_topval {
	const char *name;
	etl_value_kind kind;
	uint16_t prop;              /* index in the schema's props */
	size_t off, len;
};

struct etl_decoded {
	const etl_schema *schema;   /* NULL when the event has none */
	int source;                 /* enum etl_schema_source */
	int complete;               /* the payload was consumed exactly */
	int fallback;               /* decoded with another version's schema */
	const char *provider_name;
	const char *event_name, *task_name, *opcode_name;
	/* the four names above as JSON strings ("..." or null), rendered once
	 * per event type; NULL when the event has none rendered */
	const char *const *json_names;
	const uint16_t *json_lens;
	etl_strbuf props;           /* JSON object text: {"Name":value,...} */
	uint32_t pid, tid;          /* resolved (header, payload or thread map) */
	struct etl_topval *values;  /* top-level values, in schema order */
	size_t nvalues, cap_values;
	etl_value *pub;             /* the public view of values */
	size_t cap_pub;
	int layout;                 /* the payload layout that fitted: 0 as the
	                               schema says, 1 C-aligned struct arrays,
	                               2 trailing array to the end (decode.c) */
};

/* Decoding on several threads (the sink's, etl_sink_set_decoder()).  The
 * events' order matters only to the thread map, so one decoder -- the one
 * that saw the prescan -- resolves every event's ids in order, and forks of
 * it, one per thread, do the rest in any order:
 *   - shareable: the decoder's prescan is done (or it has no store), so
 *     decoding no longer changes the store except by its locked lookups;
 *   - fork: a decoder over the same store, with its own caches, for sinks:
 *     its decoded events have props but no etl_decoded_values();
 *   - resolve: the pid and tid etl_decoder_decode() would give ev, with the
 *     thread map taught by ev as it would be;
 *   - decode_ids: etl_decoder_decode() with those ids and no thread map. */
bool etl_decoder_shareable(const etl_decoder *d);
etl_status etl_decoder_fork(const etl_decoder *d, etl_decoder **out);
void etl_decoder_resolve(etl_decoder *d, const etl_event *ev, uint32_t *pid, uint32_t *tid);
etl_status etl_decoder_decode_ids(etl_decoder *d, const etl_event *ev, uint32_t pid,
                                  uint32_t tid, const etl_decoded **out);

/* One element of a non-struct property pr (its count and length flags are
 * ignored; pr->length is the constant length) at p with n bytes left, for a
 * producer of pointer size ptr: its JSON value appended to out and the bytes
 * it takes in *used.  False when the payload ends inside it or its type
 * cannot be delimited.  Used by libetlkit-win32's TdhFormatProperty. */
bool etl_decode_element(etl_decoder *d, const etl_prop *pr, const uint8_t *p, size_t n,
                        unsigned ptr, etl_strbuf *out, size_t *used);

/* Natural size (and alignment) of a fixed-size in-type for pointer size
 * ptr; 0 when the size varies. */
unsigned etl_prop_fixed_size(const etl_prop *pr, unsigned ptr);
/* Alignment of a struct whose members are all fixed-size scalars (the C
 * layout some producers memcpy, e.g. the .NET runtime's GC struct arrays);
 * 0 when it has other members. */
unsigned etl_struct_alignment(const etl_schema *s, const etl_prop *pr, unsigned ptr);

#endif
