/*
 * xpress.c - decompressor for the MS-XCA "plain LZ77" format (LZXpress
 * without Huffman), the compression of ETL buffers written with
 * EVENT_TRACE_COMPRESSED_MODE (etl-format.md §7).
 *
 * Stream: a u32 flag word announces 32 items, consumed from the most
 * significant bit; 0 = one literal byte, 1 = a match token u16 with
 * distance (tok >> 3) + 1 and length tok & 7.  Length 7 continues in a
 * nibble shared by two consecutive long matches, then in a byte (15), then a
 * u16 (255), then a u32 (u16 == 0).  A match's minimum length is 3.
 */
#define ETLKIT_INTERNAL
#include "xpress.h"

etl_status etl_xpress_decompress(const uint8_t *in, size_t in_len, uint8_t *out,
                                 size_t out_cap, size_t *out_len)
{
	size_t ip = 0, op = 0;
	uint32_t flags = 0;
	int nflags = 0;
	size_t nibble_pos = SIZE_MAX;

	while (ip < in_len) {
		if (nflags == 0) {
			if (in_len - ip < 4)
				break; /* trailing padding shorter than a flag word */
			flags = etl_le32(in + ip);
			ip += 4;
			nflags = 32;
		}
		nflags--;
		if (!(flags >> nflags & 1)) {
			if (ip >= in_len)
				break;
			if (op >= out_cap)
				return ETL_ERR_CORRUPT;
			out[op++] = in[ip++];
			continue;
		}
		if (ip >= in_len)
			break; /* a set flag bit after the last token ends the stream */
		if (in_len - ip < 2)
			return ETL_ERR_CORRUPT;
		uint32_t tok = etl_le16(in + ip);
		ip += 2;
		size_t dist = (tok >> 3) + 1;
		size_t len = tok & 7;
		if (len == 7) {
			if (nibble_pos == SIZE_MAX) {
				if (ip >= in_len)
					return ETL_ERR_CORRUPT;
				nibble_pos = ip;
				len = in[ip++] & 0x0F;
			} else {
				len = in[nibble_pos] >> 4;
				nibble_pos = SIZE_MAX;
			}
			if (len == 15) {
				if (ip >= in_len)
					return ETL_ERR_CORRUPT;
				len = in[ip++];
				if (len == 255) {
					if (in_len - ip < 2)
						return ETL_ERR_CORRUPT;
					len = etl_le16(in + ip);
					ip += 2;
					if (len == 0) {
						if (in_len - ip < 4)
							return ETL_ERR_CORRUPT;
						len = etl_le32(in + ip);
						ip += 4;
					}
					if (len < 22)
						return ETL_ERR_CORRUPT;
					len -= 22;
				}
				len += 15;
			}
			len += 7;
		}
		len += 3;
		if (dist > op || len > out_cap - op)
			return ETL_ERR_CORRUPT;
		uint8_t *dst = out + op;
		const uint8_t *src = dst - dist;
		if (dist >= len) {
			memcpy(dst, src, len);
		} else {
			/* An overlapping copy repeats the last `dist` bytes.  What is
			 * written stays periodic from src on, so each memcpy may take
			 * all that lies between src and the write position: the
			 * chunks double, and a match of length 2^32 (a few bytes of
			 * input) costs memcpy time, not a byte loop. */
			size_t done = 0;
			while (done < len) {
				size_t k = dist + done < len - done ? dist + done : len - done;
				memcpy(dst + done, src, k);
				done += k;
			}
		}
		op += len;
	}
	*out_len = op;
	return ETL_OK;
}
