/*
 * testlib.c - helpers shared by the unit tests.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned char *tl_read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = p;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	*size = n;
	return buf;
}

bool tl_write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return false;
	bool ok = fwrite(p, 1, n, fp) == n;
	return fclose(fp) == 0 && ok;
}

const char *tl_corpus_dir(void)
{
	static char dir[4096];
	const char *env = getenv("ETLKIT_CORPUS");
	snprintf(dir, sizeof dir, "%s", env && *env ? env : "../shared/corpus");
	char probe[4200];
	snprintf(probe, sizeof probe, "%s/README.md", dir);
	struct stat sb;
	if (stat(probe, &sb) == 0)
		return dir;
	const char *ci = getenv("CI");
	if (ci && !strcmp(ci, "true")) {
		printf("Bail out! the shared corpus is missing at %s (required in CI)\n", dir);
		exit(1);
	}
	return NULL;
}

int tl_etlgen(const char *out, const char *args)
{
	const char *gen = getenv("ETLGEN");
#ifdef ETLGEN
	if (!gen)
		gen = ETLGEN;
#endif
	if (!gen)
		return -1;
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' -o '%s' %s", gen, out, args);
	return system(cmd);
}

const char *const tl_corpus_traces[] = {
	"amsi.etl", "bond-sample.etl", "clr-gcevents.etl", "clr-net452-x64.etl",
	"http-server.etl", "kernel-network.etl", "kernel-process.etl", "lxcore-kernel.etl",
	"primitive-types.etl", "selfdescribing.etl", "shutdown-perfdiag.etl",
};
const size_t tl_corpus_count = sizeof tl_corpus_traces / sizeof tl_corpus_traces[0];

etl_schemas *tl_corpus_schemas(const char *dir)
{
	static const char *const files[] = {
		"clr-etw-all-runtime.man", "http-server.man", "SystemEvents.man", "windows",
	};
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		return NULL;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/manifests/%s", dir, files[i]);
		if (etl_schemas_add_manifest(s, path) != ETL_OK) {
			printf("# %s\n", etl_schemas_errmsg(s));
			etl_schemas_free(s);
			return NULL;
		}
	}
	return s;
}

const char *tl_tmpdir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/etlkit-test-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return dir;
}

long tl_count_events(etl_trace *t)
{
	const etl_event *ev;
	long n = 0;
	etl_status st;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK)
		n++;
	return st == ETL_EOF ? n : -1;
}

uint64_t tl_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
