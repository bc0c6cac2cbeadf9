/*
 * lznt1.h - LZNT1 decompression (private).
 */
#ifndef ETLKIT_LZNT1_H
#define ETLKIT_LZNT1_H

#ifndef ETLKIT_INTERNAL
#error "lznt1.h is private to libetlkit"
#endif

#include "private.h"

/* ETL_OK with *out_len set, or ETL_ERR_CORRUPT when the stream refers before
 * its start, is cut short or would exceed out_cap. */
etl_status etl_lznt1_decompress(const uint8_t *in, size_t in_len, uint8_t *out,
                                size_t out_cap, size_t *out_len);

#endif
