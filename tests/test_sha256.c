/*
 * test_sha256.c - lib/sha256.c against the FIPS 180-4 / NIST example vectors,
 * through both block functions (portable and SHA extensions when the CPU has
 * them), fed whole, byte by byte and across block boundaries, and from files.
 */
#define ETLKIT_INTERNAL
#include "convert.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "The quick brown fox jumps over the lazy dog",
	  "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

static void hash(const void *p, size_t n, int portable, size_t piece, char out[65])
{
	etl_sha256 c;
	uint8_t d[32];
	etl_sha256_init(&c);
	if (portable)
		c.portable = 1;
	const uint8_t *b = p;
	if (!piece)
		piece = n ? n : 1;
	for (size_t off = 0; off < n; off += piece)
		etl_sha256_update(&c, b + off, n - off < piece ? n - off : piece);
	etl_sha256_final(&c, d);
	etl_sha256_hex(d, out);
}

int main(void)
{
	char out[65];
	int paths = etl_sha256_accelerated() ? 2 : 1;
	tap_diag("SHA extensions: %s", paths == 2 ? "yes" : "no");
	for (int portable = 1; portable >= 2 - paths; portable--) {
		const char *impl = portable ? "portable" : "SHA-NI";
		for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
			size_t n = strlen(vectors[i].msg);
			hash(vectors[i].msg, n, portable, 0, out);
			tap_ok(!strcmp(out, vectors[i].hex), "%s: %zu-byte vector %zu", impl, n, i);
			hash(vectors[i].msg, n, portable, 1, out);
			tap_ok(!strcmp(out, vectors[i].hex), "%s: vector %zu fed byte by byte", impl, i);
		}
		/* one million 'a' (FIPS 180-4 example), in odd pieces */
		size_t n = 1000000;
		char *a = malloc(n);
		if (!a)
			return 1;
		memset(a, 'a', n);
		hash(a, n, portable, 999, out);
		tap_ok(!strcmp(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
		       "%s: one million 'a'", impl);
		free(a);
	}

	/* padding edges: lengths around the 55/56/64-byte boundaries agree
	 * between whole and piecewise updates and between both paths */
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	int agree = 1;
	for (size_t n = 0; n <= 200; n++) {
		char a1[65], a2[65], a3[65];
		hash(buf, n, 1, 0, a1);
		hash(buf, n, 1, 63, a2);
		hash(buf, n, 0, 65, a3);
		agree &= !strcmp(a1, a2) && !strcmp(a1, a3);
	}
	tap_ok(agree, "lengths 0..200: whole, 63-byte and 65-byte pieces, both paths agree");
	uint8_t d[32];
	etl_sha256_buf("abc", 3, d);
	etl_sha256_hex(d, out);
	tap_ok(!strcmp(out, vectors[1].hex), "etl_sha256_buf");

	/* files */
	char path[] = "/tmp/etlkit-sha-XXXXXX";
	int fd = mkstemp(path);
	tap_ok(fd >= 0, "temporary file");
	size_t n = 3u << 20; /* more than one 1 MiB read */
	uint8_t *big = malloc(n);
	if (!big)
		return 1;
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i ^ i >> 8);
	tap_ok(write(fd, big, n) == (ssize_t)n, "write 3 MiB");
	close(fd);
	uint64_t size = 0;
	char err[256];
	char fh[65], bh[65];
	tap_ok(etl_sha256_file(path, d, &size, err, sizeof err) == ETL_OK, "hash of a file");
	etl_sha256_hex(d, fh);
	hash(big, n, 1, 0, bh);
	tap_ok(!strcmp(fh, bh) && size == n, "file hash equals the buffer hash, size %llu",
	       (unsigned long long)size);
	unlink(path);
	free(big);
	tap_ok(etl_sha256_file(path, d, &size, err, sizeof err) == ETL_ERR_IO && strstr(err, path),
	       "a missing file: ETL_ERR_IO naming it (%s)", err);
	return tap_done();
}
