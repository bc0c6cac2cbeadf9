/*
 * sha1.h - SHA-1 (FIPS 180-4), private.  Used only to derive provider GUIDs
 * from names as EventSource does; not for security.
 */
#ifndef ETLKIT_SHA1_H
#define ETLKIT_SHA1_H

#ifndef ETLKIT_INTERNAL
#error "sha1.h is private to libetlkit"
#endif

#include "private.h"

typedef struct etl_sha1 {
	uint32_t h[5];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
} etl_sha1;

void etl_sha1_init(etl_sha1 *s);
void etl_sha1_update(etl_sha1 *s, const void *data, size_t n);
void etl_sha1_final(etl_sha1 *s, uint8_t out[20]);

#endif
