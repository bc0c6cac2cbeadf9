/*
 * fuzz_tei.c - KernelTraceControl EventMetadata blobs into one store:
 * etl_tei_add_event_info (TRACE_EVENT_INFO, opcode 32) and
 * etl_tei_add_map_info (provider GUID + EVENT_MAP_INFO, opcode 33), in any
 * order and number, so that maps arriving before or after the properties
 * that name them, and replaced schemas, are exercised; then every schema is
 * listed, described and used to decode.
 *
 * Input: a list of blobs, each
 *   u8     kind: bit 0 clear = EventInfo, set = EventMapInfo
 *   u16 LE length of the blob, cut to what the input holds
 *   bytes  the event payload
 * The last blob's bytes also serve as the payload decoded afterwards.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		abort();
	struct fz_in in = { data, size, 0 };
	const uint8_t *last = NULL;
	size_t last_len = 0;
	while (fz_left(&in) >= 3) {
		unsigned kind = fz_u8(&in);
		size_t n;
		const uint8_t *blob = fz_take(&in, fz_u16(&in), &n);
		char err[256] = "";
		if (kind & 1)
			etl_tei_add_map_info(s, blob, n, err, sizeof err);
		else
			etl_tei_add_event_info(s, blob, n, err, sizeof err);
		fz_check_msg(err, sizeof err);
		last = blob;
		last_len = n;
	}
	fz_exercise_store(s, last, last_len);
	etl_schemas_free(s);
	return 0;
}
