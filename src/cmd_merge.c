/*
 * cmd_merge.c - `etlkit merge`: SQLite databases etlkit wrote (the shards of
 * `etlkit convert --shard`, or any others) combined into one, through
 * etl_merge_databases().
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void merge_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit merge [OPTIONS] -o OUT.db INPUT...\n"
	        "Combine SQLite databases etlkit wrote into one.\n"
	        "INPUT: a database, or a directory (its *.db files, in name order: the\n"
	        "output directory of convert --shard).\n"
	        "Traces OUT.db holds already (same SHA-256) are skipped, so merging twice adds\n"
	        "nothing.  Every input is checked before anything is written.\n\n"
	        "  -o, --output OUT.db  the database: a new one is written under a temporary\n"
	        "                       name and renamed; an existing one takes each input\n"
	        "                       in one transaction; required\n"
	        "  -q, --quiet          no summary\n"
	        "  -h, --help           this help\n\n"
	        "Exit status: 0 ok, 1 error, 2 usage.\n");
}

struct list {
	char **v;
	size_t n, cap;
};

static bool list_add(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	return (l->v[l->n] = strdup(s)) != NULL && ++l->n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.db files of dir (not its subdirectories), in name order. */
static bool add_dir(struct list *l, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		cli_error("%s: %s", dir, strerror(errno));
		return false;
	}
	size_t first = l->n;
	bool okay = true;
	struct dirent *de;
	while (okay && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 4 || strcasecmp(de->d_name + n - 3, ".db") != 0)
			continue;
		char *p = malloc(strlen(dir) + n + 2);
		if (!p) {
			okay = false;
			break;
		}
		sprintf(p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		struct stat sb;
		if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			okay = list_add(l, p);
		free(p);
	}
	closedir(d);
	if (!okay) {
		cli_error("out of memory");
		return false;
	}
	if (l->n == first) {
		cli_error("%s: no .db files in this directory", dir);
		return false;
	}
	qsort(l->v + first, l->n - first, sizeof(*l->v), cmp_str);
	return true;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	bool quiet = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': merge_usage(stdout); return EXIT_OK;
		case 'o': output = optarg; break;
		case 'q': quiet = true; break;
		default: merge_usage(stderr); return EXIT_USAGE;
		}
	}
	if (!output) {
		cli_usage_error("merge", "no output: give -o OUT.db");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_usage_error("merge", "no input databases");
		return EXIT_USAGE;
	}
	struct list in = { 0 };
	int rc = EXIT_ERROR;
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		bool okay = stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode) ? add_dir(&in, argv[i])
		                                                            : list_add(&in, argv[i]);
		if (!okay) {
			if (errno == ENOMEM)
				cli_error("out of memory");
			goto out;
		}
	}
	etl_merge_result res;
	char err[2048];
	struct stat sb;
	bool existed = stat(output, &sb) == 0 && sb.st_size > 0;
	if (etl_merge_databases(output, (const char *const *)in.v, in.n, &res, err, sizeof err) !=
	    ETL_OK) {
		cli_error("%s", err);
		if (existed && res.databases)
			cli_error("%s: the %u database%s before it stay merged", output, res.databases,
			          res.databases == 1 ? "" : "s");
		else if (!existed)
			cli_error("%s: not written", output);
		goto out;
	}
	if (!quiet)
		fprintf(stderr,
		        "etlkit: %s: %u database%s merged: %u trace%s added (%llu events), %u skipped\n",
		        output, res.databases, res.databases == 1 ? "" : "s", res.added,
		        res.added == 1 ? "" : "s", (unsigned long long)res.events, res.skipped);
	rc = EXIT_OK;
out:
	for (size_t i = 0; i < in.n; i++)
		free(in.v[i]);
	free(in.v);
	return rc;
}
