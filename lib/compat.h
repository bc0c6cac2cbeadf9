/*
 * compat.h - the POSIX calls etlkit uses, for Windows (MinGW-w64) builds.
 *
 * Windows builds force-include this header into every translation unit
 * (configure adds `-include lib/compat.h` to CPPFLAGS for Windows hosts), so
 * the library and the tool keep their POSIX code.  On other systems it
 * defines nothing.
 *
 *   open(..., O_CLOEXEC)  O_CLOEXEC is O_BINARY | O_NOINHERIT: the CRT's
 *                         not-inherited flag, and binary mode, which every
 *                         file etlkit opens needs
 *   pread, pwrite         _lseeki64 + _read / _write (a file descriptor is
 *                         used by one thread at a time in etlkit)
 *   qsort_r               a stable merge sort with glibc's argument order
 *                         (also used where the C library has no glibc qsort_r)
 *   fsync                 _commit
 *   sysconf(_SC_NPROCESSORS_ONLN)  %NUMBER_OF_PROCESSORS%
 *   sigaction             over signal() (SIGINT / SIGTERM handlers only)
 *   mkdir(path, mode)     _mkdir(path); O_DIRECTORY is 0 (opening a
 *                         directory to fsync it fails, which callers accept)
 *   mkdtemp, scandir, alphasort   lib/compat.c (for the tests)
 *   alarm                 does nothing (the tests' watchdogs); lstat is stat
 *   getline               fgetc loop
 *   glob                  win32/compat/glob.h (on the include path)
 */
#ifndef ETLKIT_COMPAT_H
#define ETLKIT_COMPAT_H

#if defined(_WIN32) || (defined(ETLKIT_COMPAT_SORT) && !defined(__GLIBC__))
#include <stdlib.h>
#include <string.h>

/* glibc's qsort_r(base, n, size, cmp(a, b, ctx), ctx), stable (merge sort) */
static inline void etl_compat_merge(unsigned char *a, unsigned char *tmp, size_t n, size_t size,
                                    int (*cmp)(const void *, const void *, void *), void *ctx)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	etl_compat_merge(a, tmp, h, size, cmp, ctx);
	etl_compat_merge(a + h * size, tmp, n - h, size, cmp, ctx);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		if (cmp(a + j * size, a + i * size, ctx) < 0)
			memcpy(tmp + k++ * size, a + j++ * size, size);
		else
			memcpy(tmp + k++ * size, a + i++ * size, size);
	}
	while (i < h)
		memcpy(tmp + k++ * size, a + i++ * size, size);
	while (j < n)
		memcpy(tmp + k++ * size, a + j++ * size, size);
	memcpy(a, tmp, n * size);
}

static inline void etl_compat_qsort_r(void *base, size_t n, size_t size,
                                      int (*cmp)(const void *, const void *, void *), void *ctx)
{
	if (n < 2 || !size)
		return;
	unsigned char *tmp = malloc(n * size);
	if (tmp) {
		etl_compat_merge(base, tmp, n, size, cmp, ctx);
		free(tmp);
		return;
	}
	/* no memory for the merge: insertion sort, stable too */
	unsigned char *a = base, t[64];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(a + j * size, a + (j - 1) * size, ctx) < 0; j--) {
			for (size_t o = 0; o < size; o += sizeof t) {
				size_t c = size - o < sizeof t ? size - o : sizeof t;
				memcpy(t, a + j * size + o, c);
				memcpy(a + j * size + o, a + (j - 1) * size + o, c);
				memcpy(a + (j - 1) * size + o, t, c);
			}
		}
}
#define qsort_r etl_compat_qsort_r
#endif

#ifdef _WIN32
#include <errno.h>
#include <signal.h>
#include <stdio.h>

/* <fcntl.h> is not included here: in MinGW-w64 it brings <io.h>, whose
 * names (dup, ...) clash with identifiers of the sources */
#ifndef O_CLOEXEC
#define O_CLOEXEC (0x8000 /* _O_BINARY */ | 0x0080 /* _O_NOINHERIT */)
#endif

/* The CRT's low-level I/O, declared here because <io.h> would clash with
 * names in the sources (dup, ...).  Inline, so that the tool, which sees
 * only the library's public API, has them too. */
static inline long long etl_compat_pread(int fd, void *buf, size_t n, long long off)
{
	extern long long __cdecl _lseeki64(int, long long, int);
	extern int __cdecl _read(int, void *, unsigned int);
	if (_lseeki64(fd, off, SEEK_SET) < 0)
		return -1;
	return _read(fd, buf, n > 0x7FFFFFFF ? 0x7FFFFFFFu : (unsigned)n);
}
static inline long long etl_compat_pwrite(int fd, const void *buf, size_t n, long long off)
{
	extern long long __cdecl _lseeki64(int, long long, int);
	extern int __cdecl _write(int, const void *, unsigned int);
	if (_lseeki64(fd, off, SEEK_SET) < 0)
		return -1;
	return _write(fd, buf, n > 0x7FFFFFFF ? 0x7FFFFFFFu : (unsigned)n);
}
static inline int etl_compat_fsync(int fd)
{
	extern int __cdecl _commit(int);
	return _commit(fd);
}
#define pread(fd, buf, n, off) etl_compat_pread((fd), (buf), (n), (long long)(off))
#define pwrite(fd, buf, n, off) etl_compat_pwrite((fd), (buf), (n), (long long)(off))
#define fsync(fd) etl_compat_fsync(fd)

/* directories cannot be opened (to fsync them): such opens just fail */
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif

/* mkdir(path, mode): Windows has no modes.  (<io.h> declares mkdir(const
 * char *), which this turns into a compatible declaration of _mkdir.) */
int __cdecl _mkdir(const char *);
#define mkdir(path, ...) _mkdir(path)

/* alarm(): no SIGALRM on Windows; the tests' watchdogs are off there */
static inline unsigned etl_compat_alarm(unsigned seconds)
{
	(void)seconds;
	return 0;
}
#define alarm etl_compat_alarm
/* no symbolic links to tell apart */
#define lstat stat

/* getline(): POSIX 2008, not in the Windows C library */
static inline long long etl_compat_getline(char **line, size_t *cap, FILE *fp)
{
	size_t len = 0;
	int c;
	if (!line || !cap || !fp) {
		errno = EINVAL;
		return -1;
	}
	while ((c = fgetc(fp)) != EOF) {
		if (len + 2 > *cap || !*line) {
			size_t ncap = *cap > 64 ? *cap * 2 : 128;
			char *n = realloc(*line, ncap);
			if (!n) {
				errno = ENOMEM;
				return -1;
			}
			*line = n;
			*cap = ncap;
		}
		(*line)[len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!len)
		return -1;
	(*line)[len] = 0;
	return (long long)len;
}
#define getline etl_compat_getline

/* SIGBUS does not exist on Windows: handlers for it are never called */
#ifndef SIGBUS
#define SIGBUS 10
#endif

/* lib/compat.c (built into the library's core for Windows hosts; used by
 * the tests): mkdtemp, and scandir / alphasort over <dirent.h> */
struct dirent;
char *etl_compat_mkdtemp(char *tmpl);
int etl_compat_scandir(const char *dir, struct dirent ***list,
                       int (*filter)(const struct dirent *),
                       int (*compar)(const struct dirent **, const struct dirent **));
int etl_compat_alphasort(const struct dirent **a, const struct dirent **b);
#define mkdtemp etl_compat_mkdtemp
#define scandir etl_compat_scandir
#define alphasort etl_compat_alphasort

#ifndef _SC_NPROCESSORS_ONLN
#define _SC_NPROCESSORS_ONLN 84
#endif
static inline long etl_compat_sysconf(int name)
{
	const char *s = getenv("NUMBER_OF_PROCESSORS");
	long n = s ? strtol(s, NULL, 10) : 0;
	if (name != _SC_NPROCESSORS_ONLN) {
		errno = EINVAL;
		return -1;
	}
	return n > 0 ? n : 1;
}
#define sysconf(name) etl_compat_sysconf(name)

/* sigaction over signal(): the handler only, no flags */
typedef unsigned long etl_compat_sigset_t;
struct etl_compat_sigaction {
	void (*sa_handler)(int);
	etl_compat_sigset_t sa_mask;
	int sa_flags;
};
#define sigaction etl_compat_sigaction
static inline int etl_compat_sigemptyset(etl_compat_sigset_t *s)
{
	memset(s, 0, sizeof *s);
	return 0;
}
#define sigemptyset etl_compat_sigemptyset
static inline int etl_compat_sigaction_call(int sig, const struct etl_compat_sigaction *sa,
                                            struct etl_compat_sigaction *old)
{
	if (old)
		memset(old, 0, sizeof *old);
	void (*prev)(int) = signal(sig, sa ? sa->sa_handler : SIG_DFL);
	if (prev == SIG_ERR)
		return -1;
	if (!sa)
		signal(sig, prev);
	if (old) {
		memset(old, 0, sizeof *old);
		old->sa_handler = prev;
	}
	return 0;
}
/* `sigaction(SIGINT, &sa, &old)` is a call; `struct sigaction x` a type */
#define etl_compat_sigaction(...) etl_compat_sigaction_call(__VA_ARGS__)
#endif /* _WIN32 */

#endif /* ETLKIT_COMPAT_H */
