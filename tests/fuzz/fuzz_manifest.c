/*
 * fuzz_manifest.c - etl_manifest_parse on one document (instrumentation
 * manifests, dumped manifests, EventSource manifests: every variant the
 * parser accepts), then every schema it registered is listed, described and
 * used to decode a payload (the first bytes of the input itself).
 *
 * Input: the XML text.  The first byte also picks the schema source the
 * document is registered as (odd: EventSource, as if carried in a trace).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		abort();
	int source = size && (data[0] & 1) ? ETL_SRC_EVENTSOURCE : ETL_SRC_MANIFEST;
	char err[512] = "";
	etl_manifest_parse(s, (const char *)data, size, "fuzz.man", source, err, sizeof err);
	fz_check_msg(err, sizeof err);
	fz_exercise_store(s, data, size);
	etl_schemas_free(s);
	return 0;
}
