/*
 * xpress.h - MS-XCA plain LZ77 decompression (private).
 */
#ifndef ETLKIT_XPRESS_H
#define ETLKIT_XPRESS_H

#ifndef ETLKIT_INTERNAL
#error "xpress.h is private to libetlkit"
#endif

#include "private.h"

/* Decompresses in[0..in_len) into out (at most out_cap bytes).  ETL_OK with
 * *out_len set, or ETL_ERR_CORRUPT when the stream refers outside what was
 * produced or would exceed out_cap. */
etl_status etl_xpress_decompress(const uint8_t *in, size_t in_len, uint8_t *out,
                                 size_t out_cap, size_t *out_len);

#endif
