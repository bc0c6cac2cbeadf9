/*
 * sha256.c - SHA-256 (FIPS 180-4), used to recognise a trace that is already
 * in a database (traces.sha256).
 *
 * Two block functions: a portable one, and on x86-64 CPUs with the SHA
 * extensions one built on SHA256RNDS2/SHA256MSG1/SHA256MSG2, picked at run
 * time.  A 700 MB trace hashes in well under a second with the extensions,
 * in a few seconds without them; the hash is computed before converting,
 * so that a trace already imported costs one read and nothing else.
 */
#define ETLKIT_INTERNAL
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static inline uint32_t ror(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[64];
	while (nblocks--) {
		for (int i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		for (int i = 0; i < 64; i++) {
			uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
			uint32_t ch = (e & f) ^ (~e & g);
			uint32_t t1 = h + S1 + ch + K[i] + w[i];
			uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
			uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
			uint32_t t2 = S0 + maj;
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
		p += 64;
	}
}

#ifdef HAVE_SHA_NI
/* The state lives in two registers as ABEF and CDGH, the layout SHA256RNDS2
 * wants; each group of four rounds extends the message schedule by four
 * words with MSG1/MSG2. */
__attribute__((target("sha,sse4.1")))
static void blocks_ni(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)&st[0]);
	__m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);          /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);            /* EFGH */
	__m128i s0 = _mm_alignr_epi8(tmp, s1, 8);    /* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);         /* CDGH */
	while (nblocks--) {
		__m128i abef = s0, cdgh = s1, m[4];
		for (int g = 0; g < 16; g++) {
			__m128i w;
			if (g < 4) {
				w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), mask);
			} else {
				__m128i t = _mm_alignr_epi8(m[(g - 1) & 3], m[(g - 2) & 3], 4);
				w = _mm_add_epi32(_mm_sha256msg1_epu32(m[g & 3], m[(g - 3) & 3]), t);
				w = _mm_sha256msg2_epu32(w, m[(g - 1) & 3]);
			}
			m[g & 3] = w;
			__m128i msg = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
		p += 64;
	}
	tmp = _mm_shuffle_epi32(s0, 0x1B);           /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);            /* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xF0);         /* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);            /* HGFE */
	_mm_storeu_si128((__m128i *)&st[0], s0);
	_mm_storeu_si128((__m128i *)&st[4], s1);
}
#endif

bool etl_sha256_accelerated(void)
{
#ifdef HAVE_SHA_NI
	/* CPUID directly: clang 14 does not know __builtin_cpu_supports("sha").
	 * Leaf 7 EBX bit 29 = SHA extensions, leaf 1 ECX bit 19 = SSE4.1. */
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & (1u << 29)) != 0;
#else
	return false;
#endif
}

static void blocks(etl_sha256 *c, const uint8_t *p, size_t n)
{
#ifdef HAVE_SHA_NI
	if (!c->portable) {
		blocks_ni(c->h, p, n);
		return;
	}
#endif
	blocks_portable(c->h, p, n);
}

void etl_sha256_init(etl_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                                0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof iv);
	c->total = 0;
	c->fill = 0;
	c->portable = !etl_sha256_accelerated();
}

void etl_sha256_update(etl_sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	c->total += n;
	if (c->fill) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;
		memcpy(c->buf + c->fill, p, take);
		c->fill += take;
		p += take;
		n -= take;
		if (c->fill < 64)
			return;
		blocks(c, c->buf, 1);
		c->fill = 0;
	}
	if (n >= 64) {
		blocks(c, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	memcpy(c->buf, p, n);
	c->fill = n;
}

void etl_sha256_final(etl_sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->total * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = c->fill < 56 ? 56 - c->fill : 120 - c->fill;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	uint64_t keep = c->total;
	etl_sha256_update(c, pad, padlen + 8);
	c->total = keep;
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void etl_sha256_buf(const void *p, size_t n, uint8_t out[32])
{
	etl_sha256 c;
	etl_sha256_init(&c);
	etl_sha256_update(&c, p, n);
	etl_sha256_final(&c, out);
}

void etl_sha256_hex(const uint8_t d[32], char out[65])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = 0;
}

etl_status etl_sha256_file(const char *path, uint8_t out[32], uint64_t *size,
                           char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		etl_msg(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return ETL_ERR_IO;
	}
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		etl_msg(err, errsz, "%s: out of memory", path);
		return ETL_ERR_NOMEM;
	}
	etl_sha256 c;
	etl_sha256_init(&c);
	uint64_t total = 0;
	etl_status st = ETL_OK;
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			etl_msg(err, errsz, "%s: read failed at offset %llu: %s", path,
			        (unsigned long long)total, strerror(errno));
			st = ETL_ERR_IO;
			break;
		}
		if (r == 0)
			break;
		etl_sha256_update(&c, buf, (size_t)r);
		total += (uint64_t)r;
	}
	free(buf);
	close(fd);
	if (st == ETL_OK) {
		etl_sha256_final(&c, out);
		if (size)
			*size = total;
	}
	return st;
}
