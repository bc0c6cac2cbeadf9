/*
 * lznt1.c - decompressor for LZNT1 ([MS-XCA] §2.5), the compression of the
 * WinSat assessment XML that merged traces carry (decoding.md §8.4).
 *
 * The stream is a list of chunks, each at most 4096 bytes once decoded:
 *   u16 header: bits 0-11 = chunk bytes - 3 (header included), bit 15 = the
 *               chunk is compressed; a zero header ends the stream
 *   plain chunk: the bytes themselves
 *   compressed chunk: groups of a flag byte and 8 items, bit i (LSB first)
 *               0 = a literal byte, 1 = a u16 copy token whose split between
 *               offset and length depends on how much of the chunk is
 *               already decoded (more output -> more offset bits)
 */
#define ETLKIT_INTERNAL
#include "lznt1.h"

etl_status etl_lznt1_decompress(const uint8_t *in, size_t in_len, uint8_t *out,
                                size_t out_cap, size_t *out_len)
{
	size_t ip = 0, op = 0;
	while (in_len - ip >= 2) {
		uint16_t hdr = etl_le16(in + ip);
		if (hdr == 0)
			break;
		size_t csize = (size_t)(hdr & 0x0FFF) + 1; /* bytes after the header */
		ip += 2;
		if (csize > in_len - ip)
			return ETL_ERR_CORRUPT;
		const uint8_t *c = in + ip;
		ip += csize;
		if (!(hdr & 0x8000)) {
			if (csize > out_cap - op)
				return ETL_ERR_CORRUPT;
			memcpy(out + op, c, csize);
			op += csize;
			continue;
		}
		size_t chunk_start = op, cp = 0;
		while (cp < csize) {
			uint8_t flags = c[cp++];
			for (int bit = 0; bit < 8 && cp < csize; bit++) {
				if (!(flags >> bit & 1)) {
					if (op >= out_cap)
						return ETL_ERR_CORRUPT;
					out[op++] = c[cp++];
					continue;
				}
				if (csize - cp < 2)
					return ETL_ERR_CORRUPT;
				uint16_t tok = etl_le16(c + cp);
				cp += 2;
				size_t pos = op - chunk_start;
				if (pos == 0)
					return ETL_ERR_CORRUPT;
				unsigned lenbits = 12;
				for (size_t p = pos - 1; p >= 0x10; p >>= 1)
					lenbits--;
				size_t dist = (size_t)(tok >> lenbits) + 1;
				size_t len = (size_t)(tok & ((1u << lenbits) - 1)) + 3;
				if (dist > pos || len > out_cap - op)
					return ETL_ERR_CORRUPT;
				for (size_t k = 0; k < len; k++, op++)
					out[op] = out[op - dist];
			}
		}
	}
	*out_len = op;
	return ETL_OK;
}
