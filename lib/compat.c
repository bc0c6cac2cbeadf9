/*
 * compat.c - the part of lib/compat.h that is not inline: mkdtemp and
 * scandir / alphasort, which the tests use.  Built for Windows hosts only.
 */
#ifdef _WIN32
#include <dirent.h>
#include <errno.h>
#include <io.h>
#include <process.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *etl_compat_mkdtemp(char *tmpl)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = tmpl ? strlen(tmpl) : 0;
	if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return NULL;
	}
	unsigned long long x = (unsigned long long)time(NULL) ^ (unsigned long long)clock() << 20 ^
	                       (unsigned long long)_getpid() << 40 ^ (unsigned long long)(size_t)tmpl;
	for (int attempt = 0; attempt < 1000; attempt++) {
		for (int i = 0; i < 6; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			tmpl[n - 6 + i] = chars[(x >> 33) % 36];
		}
		if (_mkdir(tmpl) == 0)
			return tmpl;
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

int etl_compat_alphasort(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int etl_compat_scandir(const char *path, struct dirent ***list,
                       int (*filter)(const struct dirent *),
                       int (*compar)(const struct dirent **, const struct dirent **))
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (filter && !filter(e))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			struct dirent **nv = realloc(v, cap * sizeof *nv);
			if (!nv)
				goto fail;
			v = nv;
		}
		struct dirent *copy = malloc(sizeof *copy);
		if (!copy)
			goto fail;
		memcpy(copy, e, sizeof *copy);
		v[n++] = copy;
	}
	closedir(d);
	if (compar && n > 1)
		qsort(v, n, sizeof *v, (int (*)(const void *, const void *))compar);
	*list = v;
	return (int)n;
fail:
	while (n)
		free(v[--n]);
	free(v);
	closedir(d);
	errno = ENOMEM;
	return -1;
}
#else
/* ISO C wants a translation unit to declare something */
typedef int etl_compat_unused;
#endif
