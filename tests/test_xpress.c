/*
 * test_xpress.c - the MS-XCA plain LZ77 decompressor on hand-assembled
 * streams: literals, overlapping matches, the shared length nibble, each
 * length escape, and corrupt streams.
 */
#include "tap.h"
#define ETLKIT_INTERNAL
#include "xpress.h"

#include <string.h>

static int all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int main(void)
{
	uint8_t out[70000];
	size_t n;

	static const uint8_t lit[] = { 0, 0, 0, 0, 'a', 'b', 'c' };
	tap_ok(etl_xpress_decompress(lit, sizeof lit, out, sizeof out, &n) == ETL_OK && n == 3 &&
	       !memcmp(out, "abc", 3), "literals");

	/* a, b, c, then a match of 6 at distance 3: token (2 << 3) | (6 - 3) */
	static const uint8_t m1[] = { 0x00, 0x00, 0x00, 0x10, 'a', 'b', 'c', 0x13, 0x00 };
	tap_ok(etl_xpress_decompress(m1, sizeof m1, out, sizeof out, &n) == ETL_OK && n == 9 &&
	       !memcmp(out, "abcabcabc", 9), "overlapping match");

	/* two long matches share one nibble byte: 0x5A = 10 (first), 5 (second) */
	static const uint8_t m2[] = { 0x00, 0x00, 0x00, 0x60, 'a', 0x07, 0x00, 0x5A, 0x07, 0x00 };
	tap_ok(etl_xpress_decompress(m2, sizeof m2, out, sizeof out, &n) == ETL_OK && n == 1 + 20 + 15 &&
	       all_bytes(out, n, 'a'), "shared length nibble");

	/* nibble 15 escapes to a byte: 3 + 7 + 15 + 100 */
	static const uint8_t m3[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00, 0x0F, 100 };
	tap_ok(etl_xpress_decompress(m3, sizeof m3, out, sizeof out, &n) == ETL_OK && n == 1 + 125 &&
	       all_bytes(out, n, 'a'), "byte length escape");

	/* byte 255 escapes to a u16 (minus 22): 1000 + 22 -> 3 + 7 + 15 + 1000 */
	static const uint8_t m4[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00, 0x0F, 0xFF,
		                      0xFE, 0x03 };
	tap_ok(etl_xpress_decompress(m4, sizeof m4, out, sizeof out, &n) == ETL_OK && n == 1 + 1025,
	       "u16 length escape");

	/* u16 0 escapes to a u32: 60000 + 22 */
	static const uint8_t m5[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00, 0x0F, 0xFF,
		                      0x00, 0x00, 0x76, 0xEA, 0x00, 0x00 };
	tap_ok(etl_xpress_decompress(m5, sizeof m5, out, sizeof out, &n) == ETL_OK &&
	       n == 1 + 3 + 7 + 15 + 60000, "u32 length escape");

	static const uint8_t bad_len[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00, 0x0F, 0xFF,
		                           0x05, 0x00 };
	tap_ok(etl_xpress_decompress(bad_len, sizeof bad_len, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "escaped length below 22 is corrupt");
	static const uint8_t far[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x0B, 0x00 };
	tap_ok(etl_xpress_decompress(far, sizeof far, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "distance before the start is corrupt");
	tap_ok(etl_xpress_decompress(m3, sizeof m3, out, 50, &n) == ETL_ERR_CORRUPT,
	       "output past the capacity is corrupt");
	static const uint8_t cut[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07 };
	tap_ok(etl_xpress_decompress(cut, sizeof cut, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "token cut in half is corrupt");
	static const uint8_t cut2[] = { 0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00 };
	tap_ok(etl_xpress_decompress(cut2, sizeof cut2, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "missing nibble byte is corrupt");
	tap_ok(etl_xpress_decompress(lit, 0, out, sizeof out, &n) == ETL_OK && n == 0, "empty input");
	tap_ok(etl_xpress_decompress(lit, 3, out, sizeof out, &n) == ETL_OK && n == 0,
	       "a partial flag word ends the stream");
	return tap_done();
}
