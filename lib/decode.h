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
	etl_strbuf props;           /* JSON object text: {"Name":value,...} */
	uint32_t pid, tid;          /* resolved (header, payload or thread map) */
	struct etl_topval *values;  /* top-level values, in schema order */
	size_t nvalues, cap_values;
	etl_value *pub;             /* the public view of values */
	size_t cap_pub;
};

#endif
