/*
 * glob.h - POSIX glob() for Windows builds (MinGW-w64 has none), on the
 * C library's _findfirst / _findnext: wildcards (* and ?) in the last path
 * component, matches sorted.  configure puts this directory on the include
 * path for Windows hosts only.
 */
#ifndef ETLKIT_COMPAT_GLOB_H
#define ETLKIT_COMPAT_GLOB_H

#include <io.h>
#include <stdlib.h>
#include <string.h>

#define GLOB_NOSPACE 1
#define GLOB_ABORTED 2
#define GLOB_NOMATCH 3

typedef struct {
	size_t gl_pathc;
	char **gl_pathv;
	size_t gl_offs;
} glob_t;

static inline int etl_glob_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline void globfree(glob_t *g)
{
	for (size_t i = 0; g->gl_pathv && i < g->gl_pathc; i++)
		free(g->gl_pathv[i]);
	free(g->gl_pathv);
	g->gl_pathv = NULL;
	g->gl_pathc = 0;
}

static inline int glob(const char *pattern, int flags, int (*errfunc)(const char *, int),
                       glob_t *g)
{
	(void)flags;
	(void)errfunc;
	g->gl_pathc = 0;
	g->gl_pathv = NULL;
	g->gl_offs = 0;
	const char *slash = strrchr(pattern, '/'), *bslash = strrchr(pattern, '\\');
	if (bslash && (!slash || bslash > slash))
		slash = bslash;
	size_t dirlen = slash ? (size_t)(slash - pattern) + 1 : 0;
	struct _finddata64i32_t fd;
	intptr_t h = _findfirst64i32(pattern, &fd);
	if (h == -1)
		return GLOB_NOMATCH;
	size_t cap = 0;
	int rc = 0;
	do {
		if (!strcmp(fd.name, ".") || !strcmp(fd.name, ".."))
			continue;
		if (g->gl_pathc + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			char **v = realloc(g->gl_pathv, cap * sizeof *v);
			if (!v) {
				rc = GLOB_NOSPACE;
				break;
			}
			g->gl_pathv = v;
		}
		size_t nl = strlen(fd.name);
		char *p = malloc(dirlen + nl + 1);
		if (!p) {
			rc = GLOB_NOSPACE;
			break;
		}
		memcpy(p, pattern, dirlen);
		memcpy(p + dirlen, fd.name, nl + 1);
		g->gl_pathv[g->gl_pathc++] = p;
		g->gl_pathv[g->gl_pathc] = NULL;
	} while (_findnext64i32(h, &fd) == 0);
	_findclose(h);
	if (rc)
		return rc;
	if (!g->gl_pathc)
		return GLOB_NOMATCH;
	qsort(g->gl_pathv, g->gl_pathc, sizeof *g->gl_pathv, etl_glob_cmp);
	return 0;
}

#endif
