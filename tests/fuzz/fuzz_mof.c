/*
 * fuzz_mof.c - etl_mof_parse on one MOF text, then every event class it
 * registered is listed, described and used to decode a payload (the first
 * bytes of the input itself), as a classic event of 32- and 64-bit width.
 *
 * Input: the MOF text.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		abort();
	char err[512] = "";
	etl_mof_parse(s, (const char *)data, size, "fuzz.mof", err, sizeof err);
	fz_check_msg(err, sizeof err);
	fz_exercise_store(s, data, size);
	etl_schemas_free(s);
	return 0;
}
