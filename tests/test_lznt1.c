/*
 * test_lznt1.c - the LZNT1 decompressor on hand-assembled chunks: plain and
 * compressed chunks, copy tokens whose offset/length split changes with the
 * position in the chunk, and corrupt streams.
 */
#include "tap.h"
#define ETLKIT_INTERNAL
#include "lznt1.h"

#include <string.h>

int main(void)
{
	uint8_t out[9000];
	size_t n;

	/* a plain chunk of 3 bytes: header (3 - 3) | signature 0x3000 */
	static const uint8_t plain[] = { 0x02, 0x30, 'a', 'b', 'c', 0x00, 0x00 };
	tap_ok(etl_lznt1_decompress(plain, sizeof plain, out, sizeof out, &n) == ETL_OK && n == 3 &&
	       !memcmp(out, "abc", 3), "plain chunk");

	/* compressed: "abc" then a copy of 6 from distance 3.  At position 3 the
	 * split is 12 length bits: token = (3 - 1) << 12 | (6 - 3) */
	static const uint8_t comp[] = { 0x05, 0xB0, 0x08, 'a', 'b', 'c', 0x03, 0x20 };
	tap_ok(etl_lznt1_decompress(comp, sizeof comp, out, sizeof out, &n) == ETL_OK && n == 9 &&
	       !memcmp(out, "abcabcabc", 9), "compressed chunk with an overlapping copy");

	/* 17 literals then a copy at position 17: offset bits grow to 5, length
	 * bits 11; copy 4 bytes from distance 17 -> token (16 << 11) | 1 */
	uint8_t c2[64] = { 0 };
	size_t k = 2;
	c2[k++] = 0x00;
	for (int i = 0; i < 8; i++)
		c2[k++] = (uint8_t)('A' + i);
	c2[k++] = 0x00;
	for (int i = 8; i < 16; i++)
		c2[k++] = (uint8_t)('A' + i);
	c2[k++] = 0x02;
	c2[k++] = 'Q';
	c2[k++] = 0x01;
	c2[k++] = 0x80;
	size_t body = k - 2;
	c2[0] = (uint8_t)((body - 1) & 0xFF);
	c2[1] = (uint8_t)(0xB0 | ((body - 1) >> 8));
	tap_ok(etl_lznt1_decompress(c2, k, out, sizeof out, &n) == ETL_OK && n == 21 &&
	       !memcmp(out, "ABCDEFGHIJKLMNOPQABCD", 21), "the offset/length split moves with the position");

	static const uint8_t far[] = { 0x03, 0xB0, 0x02, 'a', 0x00, 0x20 };
	tap_ok(etl_lznt1_decompress(far, sizeof far, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "a copy from before the chunk is corrupt");
	static const uint8_t cut[] = { 0x10, 0xB0, 0x00, 'a' };
	tap_ok(etl_lznt1_decompress(cut, sizeof cut, out, sizeof out, &n) == ETL_ERR_CORRUPT,
	       "a chunk longer than the input is corrupt");
	tap_ok(etl_lznt1_decompress(comp, sizeof comp, out, 5, &n) == ETL_ERR_CORRUPT,
	       "output past the capacity is corrupt");
	tap_ok(etl_lznt1_decompress(comp, 0, out, sizeof out, &n) == ETL_OK && n == 0, "empty input");
	return tap_done();
}
