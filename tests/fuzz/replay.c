/*
 * replay.c - a plain main() for the fuzz targets: feeds every file of the
 * given directories (or the given files) to LLVMFuzzerTestOneInput, so that
 * the committed corpus runs inside `make check` without libFuzzer, under
 * whatever the build uses (plain, or ASan/UBSan with --enable-sanitizers).
 *
 *   replay_<target> [DIR|FILE]...
 *
 * Without arguments it replays testdata/fuzz/<target>/ (the seeds, which
 * must exist) and testdata/corrupt/ (every input that once crashed a target
 * or tripped a sanitizer; each target gets all of them).  It prints one TAP
 * line with the number of inputs replayed.  A crash ends the process, which
 * the TAP driver reports as a failure; the input is named on stderr first.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif
#ifndef TESTDATA_DIR
#error "TESTDATA_DIR must name testdata/"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Provided by the sanitizer runtimes; absent (NULL) in a plain build. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static char current[4096];

static void name_current(void)
{
	static const char pre[] = "replay " FUZZ_TARGET ": died on input ";
	if (!current[0])
		return;
	/* async-signal-safe: write(2) only */
	if (write(2, pre, sizeof pre - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		return;
}

static void on_signal(int sig)
{
	name_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads and replays one file; -1 when it cannot be read. */
static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(fp);
			return -1;
		}
		n += fread(buf + n, 1, cap - n, fp);
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb)
			free(buf);
		buf = nb;
		cap *= 2;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return -1;
	}
	/* an exact-size copy, as libFuzzer passes it, so reads past the end of
	 * the input hit the sanitizer's redzone */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	snprintf(current, sizeof current, "%s", path);
	LLVMFuzzerTestOneInput(exact, n);
	current[0] = 0;
	free(exact);
	return 0;
}

static int only_files(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Replays a directory's files in name order, or one file; adds to *count.
 * -1 on an unreadable path. */
static int replay_path(const char *path, long *count, int must_exist)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (replay_file(path) != 0) {
			printf("# %s: cannot read\n", path);
			return -1;
		}
		++*count;
		return 0;
	}
	struct dirent **names;
	int n = scandir(path, &names, only_files, alphasort);
	if (n < 0) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char file[4096];
		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		struct stat fs;
		if (stat(file, &fs) == 0 && S_ISREG(fs.st_mode)) {
			if (replay_file(file) != 0) {
				printf("# %s: cannot read\n", file);
				rc = -1;
			} else {
				++*count;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGABRT, on_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(name_current);

	long count = 0, seeds = 0;
	int rc = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i], &count, 1) != 0)
				rc = 1;
		printf("%sok 1 - %s: %ld inputs replayed\n", rc ? "not " : "", FUZZ_TARGET, count);
	} else {
		if (replay_path(TESTDATA_DIR "/fuzz/" FUZZ_TARGET, &seeds, 1) != 0 || seeds == 0)
			rc = 1;
		count = seeds;
		if (replay_path(TESTDATA_DIR "/corrupt", &count, 0) != 0)
			rc = 1;
		printf("%sok 1 - %s: %ld inputs replayed (%ld seeds of testdata/fuzz/%s, "
		       "%ld of testdata/corrupt)\n", rc ? "not " : "", FUZZ_TARGET, count, seeds,
		       FUZZ_TARGET, count - seeds);
	}
	printf("1..1\n");
	return rc;
}
