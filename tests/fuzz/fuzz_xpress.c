/*
 * fuzz_xpress.c - etl_xpress_decompress, the MS-XCA plain LZ77 decoder of
 * compressed ETL buffers.
 *
 * Input: u16 LE capacity in 16-byte units (the output buffer is 16 * v + 1
 * bytes, so up to 1 MiB, allocated to the exact size so that a write past it
 * is caught), then the compressed stream.  On success the reported length
 * must fit the capacity; the stream is decoded twice and must give the same
 * bytes (no dependence on what the output held before).
 */
#include "fuzz.h"
#include "xpress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size, 0 };
	size_t cap = (size_t)fz_u16(&in) * 16 + 1;
	size_t n;
	const uint8_t *stream = fz_take(&in, fz_left(&in), &n);
	uint8_t *a = malloc(cap), *b = malloc(cap);
	if (!a || !b)
		abort();
	memset(a, 0xAA, cap);
	memset(b, 0x55, cap);
	size_t la = SIZE_MAX, lb = SIZE_MAX;
	etl_status sa = etl_xpress_decompress(stream, n, a, cap, &la);
	etl_status sb = etl_xpress_decompress(stream, n, b, cap, &lb);
	if (sa != sb || (sa != ETL_OK && sa != ETL_ERR_CORRUPT))
		abort();
	if (sa == ETL_OK && (la > cap || la != lb || memcmp(a, b, la) != 0))
		abort();
	free(a);
	free(b);
	return 0;
}
