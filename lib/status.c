/*
 * status.c - names of status codes and the library version.
 */
#define ETLKIT_INTERNAL
#include "private.h"

const char *etl_strerror(etl_status code)
{
	switch (code) {
	case ETL_OK: return "success";
	case ETL_EOF: return "end of trace";
	case ETL_ERR_IO: return "input/output error";
	case ETL_ERR_NOMEM: return "out of memory";
	case ETL_ERR_FORMAT: return "not a usable ETL file";
	case ETL_ERR_CORRUPT: return "corrupt data";
	case ETL_ERR_ARG: return "invalid argument";
	case ETL_ERR_LIMIT: return "a size or count exceeds the limits";
	case ETL_ERR_UNSUPPORTED: return "unsupported";
	case ETL_ERR_SCHEMA: return "unusable schema";
	case ETL_ERR_ABORTED: return "stopped by the caller";
	}
	return "unknown status";
}

const char *etl_version(void)
{
	return ETLKIT_VERSION_STRING;
}
