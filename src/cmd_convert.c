/*
 * cmd_convert.c - `etlkit convert`: traces into an SQLite database or a
 * directory of gzip-compressed CSV files (DESIGN.md §6, §7), through the
 * etl_writer API.
 *
 * Each FILE is one trace of the output (one row of `traces`), converted by
 * its own etl_writer_add_trace() call; a file already in the output (same
 * SHA-256) is skipped, so running the same command twice adds nothing.
 * SIGINT and SIGTERM stop at the next progress point and discard what a new
 * output holds (an existing database keeps every trace already committed).
 */
#include "cli.h"

#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif
#include <fcntl.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void convert_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit convert [OPTIONS] -o OUT INPUT...\n"
	        "Convert traces into an SQLite database or a directory of csv.gz files.\n"
	        "INPUT: a trace file, a directory (its *.etl files, recursively, in name\n"
	        "order), a glob pattern (quoted), or - (paths read from stdin, one a line).\n"
#ifdef HAVE_LIBARCHIVE
	        "Archives (zip, cab, 7z, tar, gz) are read in place: each .etl member is\n"
	        "converted as ARCHIVE!member.\n"
#else
	        "Archives are not read: this etlkit was built without libarchive.\n"
#endif
	        "Each trace is converted and committed on its own; one that fails is\n"
	        "reported and recorded in import_errors, and the others are converted.\n\n"
	        "  -o, --output OUT     the database file (appended to when it exists), or the\n"
	        "                       csv.gz directory (must not exist); required\n"
	        "  -f, --format FMT     sqlite (default) or csv.gz\n"
	        "  -m, --manifest PATH  instrumentation manifest file or directory (repeatable;\n"
	        "                       also ETLKIT_MANIFEST_PATH, colon-separated)\n"
	        "      --mof PATH       MOF file with classic event classes (repeatable)\n"
	        "      --raw            keep every raw payload, not only undecoded ones\n"
	        "      --no-decode      store the events without decoding them\n"
	        "      --flat           csv.gz: only events.csv.gz, properties as one JSON column\n"
	        "  -l, --compression-level N  csv.gz: zlib level 1..9 (default 6)\n"
	        "  -j, --jobs N         traces decoded at once (default: one per CPU), stored in\n"
	        "                       input order: the output is the same for any N; 1 runs\n"
	        "                       everything in one thread\n"
	        "      --shard          one output per trace in the directory OUT: <name>.db\n"
	        "                       (or <name>/ for csv.gz), <name> from the trace's file\n"
	        "                       name, made unique with -2, -3 ... in input order\n"
	        "      --progress WHEN  auto (on a terminal), always or never\n"
	        "  -q, --quiet          no warnings about damaged input or skipped files\n"
	        "  -h, --help           this help\n"
	        CLI_FILTER_HELP
	        "Only the events that pass are stored; processes, threads and images are\n"
	        "derived from them.  Seconds for --since/--until count from each trace's start.\n\n"
	        "Exit status: 0 ok, 1 error, 2 usage, 3 some input was damaged or some files\n"
	        "could not be converted.\n");
}

/* ---- inputs -------------------------------------------------------------------- */

struct inputs {
	char **paths;
	uint64_t *sizes;           /* 0 when unknown */
	size_t n, cap;
	uint64_t total;            /* bytes, over the inputs of known size */
};

static bool inputs_add(struct inputs *in, const char *path)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		char **p = realloc(in->paths, cap * sizeof(*p));
		if (!p)
			return false;
		in->paths = p;
		uint64_t *z = realloc(in->sizes, cap * sizeof(*z));
		if (!z)
			return false;
		in->sizes = z;
		in->cap = cap;
	}
	char *d = strdup(path);
	if (!d)
		return false;
	struct stat sb;
	uint64_t size = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	in->paths[in->n] = d;
	in->sizes[in->n++] = size;
	in->total += size;
	return true;
}

static void inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	free(in->sizes);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_etl_name(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcasecmp(name + n - 4, ".etl");
}

/* The *.etl files under dir, recursively (symbolic links to directories are
 * not followed), appended to *list. */
static bool walk_dir(const char *dir, char ***list, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d) {
		cli_error("%s: %s", dir, strerror(errno));
		return true; /* reported; the rest goes on */
	}
	struct dirent *de;
	bool okay = true;
	while (okay && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *p = malloc(len);
		if (!p) {
			okay = false;
			break;
		}
		snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			okay = walk_dir(p, list, n, cap);
			free(p);
			continue;
		}
		if (!is_etl_name(de->d_name) || stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			char **l = realloc(*list, nc * sizeof(*l));
			if (!l) {
				free(p);
				okay = false;
				break;
			}
			*list = l;
			*cap = nc;
		}
		(*list)[(*n)++] = p;
	}
	closedir(d);
	return okay;
}

static bool add_dir(struct inputs *in, const char *dir)
{
	char **list = NULL;
	size_t n = 0, cap = 0;
	bool okay = walk_dir(dir, &list, &n, &cap);
	if (okay && n)
		qsort(list, n, sizeof(*list), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (okay && !inputs_add(in, list[i]))
			okay = false;
		free(list[i]);
	}
	free(list);
	if (okay && n == 0)
		cli_error("%s: no .etl files in this directory", dir);
	return okay;
}

static bool add_input(struct inputs *in, const char *arg);

static bool add_stdin_list(struct inputs *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool okay = true;
	while (okay && (len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0)
			continue;
		okay = add_input(in, line);
	}
	free(line);
	return okay;
}

/* One INPUT: a directory, an existing file, a glob pattern; a path that is
 * none of these stays as it is, for the writer to report as unreadable. */
static bool add_input(struct inputs *in, const char *arg)
{
	struct stat sb;
	if (stat(arg, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? add_dir(in, arg) : inputs_add(in, arg);
	if (strpbrk(arg, "*?[")) {
		glob_t g;
		int r = glob(arg, 0, NULL, &g);
		if (r == GLOB_NOSPACE)
			return false;
		if (r == 0) {
			bool okay = true;
			for (size_t i = 0; i < g.gl_pathc && okay; i++) {
				if (stat(g.gl_pathv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
					okay = add_dir(in, g.gl_pathv[i]);
				else
					okay = inputs_add(in, g.gl_pathv[i]);
			}
			globfree(&g);
			return okay;
		}
		globfree(&g);
	}
	return inputs_add(in, arg);
}

static bool is_archive_name(const char *p)
{
	static const char *const ext[] = { ".zip", ".cab", ".7z", ".tar", ".tgz", ".tar.gz",
	                                   ".gz", ".tar.xz", ".tar.bz2", NULL };
	size_t n = strlen(p);
	for (const char *const *e = ext; *e; e++) {
		size_t k = strlen(*e);
		if (n > k && !strcasecmp(p + n - k, *e))
			return true;
	}
	return false;
}

/* ---- progress ------------------------------------------------------------------ */

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress {
	bool show;
	bool shown;
	size_t done, total;        /* traces */
	uint64_t bytes_done, bytes_total;
	uint64_t cur_size;         /* bytes of the trace being converted */
	uint64_t events_done;      /* events of the finished traces */
	double start, last;
};

static void human_bytes(uint64_t b, char *out, size_t n)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void progress_line(struct progress *p, uint64_t cur_events, bool force)
{
	double t = now_sec();
	if (!p->show || (!force && t - p->last < 0.2))
		return;
	p->last = t;
	double el = t - p->start;
	uint64_t ev = p->events_done + cur_events;
	char bd[32], bt[32], eta[32] = "";
	human_bytes(p->bytes_done, bd, sizeof bd);
	human_bytes(p->bytes_total, bt, sizeof bt);
	if (p->bytes_done > 0 && p->bytes_total > p->bytes_done && el > 0.5) {
		double rem = el * (double)(p->bytes_total - p->bytes_done) / (double)p->bytes_done;
		snprintf(eta, sizeof eta, ", ETA %dm%02ds", (int)(rem / 60), (int)rem % 60);
	}
	fprintf(stderr, "\retlkit: %zu/%zu traces, %s/%s, %llu events, %.0f events/s%s\033[K",
	        p->done, p->total, bd, bt, (unsigned long long)ev, el > 0 ? ev / el : 0.0, eta);
	fflush(stderr);
	p->shown = true;
}

static int on_progress(void *ctx, const char *path, uint64_t events)
{
	(void)path;
	progress_line(ctx, events, false);
	return interrupted != 0;
}

/* ---- one trace into the output, or into its own shard ------------------------------ */

struct run {
	etl_writer *w;             /* the output; NULL with --shard */
	bool shard;
	const char *format, *output;
	const etl_writer_options *wo;
	char **names;              /* --shard: the names taken, lower case, a hash set */
	size_t nnames, capnames;
	etl_schemas *schemas;
	etl_writer_result *res;
	struct progress *pr;
	uint32_t failed;           /* archives, members or shards that could not be read or written */
	uint32_t damaged;
	char err[2048];            /* --shard: the last shard's message */
};

static const char *run_errmsg(const struct run *r)
{
	return r->w ? etl_writer_errmsg(r->w) : r->err;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s)) * 1099511628211ull;
	return h;
}

/* Takes `name` (case-insensitively, for file systems that fold case); false
 * when it is taken already or memory is short (*nomem). */
static bool name_take(struct run *r, const char *name, bool *nomem)
{
	if ((r->nnames + 1) * 2 > r->capnames) {
		size_t cap = r->capnames ? r->capnames * 2 : 256;
		char **nv = calloc(cap, sizeof(*nv));
		if (!nv)
			return !(*nomem = true);
		for (size_t i = 0; i < r->capnames; i++) {
			if (!r->names[i])
				continue;
			size_t j = name_hash(r->names[i]) & (cap - 1);
			while (nv[j])
				j = (j + 1) & (cap - 1);
			nv[j] = r->names[i];
		}
		free(r->names);
		r->names = nv;
		r->capnames = cap;
	}
	size_t j = name_hash(name) & (r->capnames - 1);
	for (; r->names[j]; j = (j + 1) & (r->capnames - 1))
		if (!strcasecmp(r->names[j], name))
			return false;
	if (!(r->names[j] = strdup(name)))
		return !(*nomem = true);
	r->nnames++;
	return true;
}

/* The output of one trace with --shard: OUTDIR/<base name>.db (or a
 * directory for csv.gz), the base name being the trace's file name (an
 * archive member's too) without .etl.  Inputs are taken in a fixed order,
 * so the second trace of a name gets <name>-2, the third <name>-3 ..., the
 * same in every run. */
static bool shard_path(struct run *r, const char *name, char *out, size_t outsz)
{
	const char *b = name + strlen(name);
	while (b > name && b[-1] != '/' && b[-1] != '!')
		b--;
	size_t n = strlen(b);
	if (n > 4 && !strcasecmp(b + n - 4, ".etl"))
		n -= 4;
	if (n == 0 || (n <= 2 && !strncmp(b, "..", n))) {
		b = "trace";
		n = 5;
	}
	if (n > 200)
		n = 200;
	bool sqlite = !strcmp(r->format, "sqlite");
	char cand[256];
	bool nomem = false;
	for (unsigned k = 1;; k++) {
		if (k == 1)
			snprintf(cand, sizeof cand, "%.*s%s", (int)n, b, sqlite ? ".db" : "");
		else
			snprintf(cand, sizeof cand, "%.*s-%u%s", (int)n, b, k, sqlite ? ".db" : "");
		if (name_take(r, cand, &nomem))
			break;
		if (nomem)
			return false;
	}
	snprintf(out, outsz, "%s%s%s", r->output,
	         r->output[strlen(r->output) - 1] == '/' ? "" : "/", cand);
	return true;
}

/* Converts the file `path`, recorded as `name` (NULL: as path).  The
 * writer's status: an error ends the run.  With --shard a shard that cannot
 * be written is reported and counted, and the run goes on; a shard whose
 * trace failed is not kept. */
static etl_status run_add(struct run *r, const char *path, const char *name)
{
	if (!r->shard)
		return name ? etl_writer_add_file_as(r->w, path, name, r->schemas, r->res)
		            : etl_writer_add_trace(r->w, &path, 1, r->schemas, r->res);
	char out[4096];
	if (!shard_path(r, name ? name : path, out, sizeof out)) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return ETL_ERR_NOMEM;
	}
	etl_writer *w;
	char ebuf[1024];
	if (etl_writer_open(r->format, out, r->wo, &w, ebuf, sizeof ebuf) != ETL_OK) {
		cli_error("%s: %s", name ? name : path, ebuf);
		r->failed++;
		return ETL_OK;
	}
	uint32_t failed = r->res->failed, added = r->res->added, skipped = r->res->skipped;
	etl_status st = name ? etl_writer_add_file_as(w, path, name, r->schemas, r->res)
	                     : etl_writer_add_trace(w, &path, 1, r->schemas, r->res);
	snprintf(r->err, sizeof r->err, "%s", etl_writer_errmsg(w));
	bool keep = st == ETL_OK && r->res->failed == failed &&
	            (r->res->added != added || r->res->skipped != skipped);
	etl_status cst = etl_writer_close(w, keep);
	if (st == ETL_ERR_ABORTED || st == ETL_ERR_NOMEM)
		return st;
	if (st != ETL_OK) {
		cli_error("%s", r->err);
		r->failed++;
	} else if (keep && cst != ETL_OK) {
		cli_error("%s: could not be finished", out);
		r->failed++;
	}
	return ETL_OK;
}

/* ---- archives ------------------------------------------------------------------ */

#define MEMBER_MAX ((uint64_t)4 << 30)  /* larger members are refused */

#ifdef HAVE_LIBARCHIVE
static bool is_plain_gz(const char *p)
{
	size_t n = strlen(p);
	return n > 3 && !strcasecmp(p + n - 3, ".gz") &&
	       !(n > 7 && !strcasecmp(p + n - 7, ".tar.gz"));
}

/* Copies the current member into fd; false with a message in err. */
static bool copy_member(struct archive *a, int fd, char *err, size_t errsz)
{
	uint64_t total = 0;
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		(void)off; /* a sparse hole would need a seek: .etl members have none */
		total += size;
		if (total > MEMBER_MAX) {
			snprintf(err, errsz, "member larger than 4 GiB, not converted");
			return false;
		}
		const char *p = buf;
		while (size) {
			ssize_t k = write(fd, p, size);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				snprintf(err, errsz, "writing a temporary copy: %s", strerror(errno));
				return false;
			}
			p += k;
			size -= (size_t)k;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errsz, "%s", archive_error_string(a) ? archive_error_string(a) : "read error");
		return false;
	}
	return true;
}

/* Converts the .etl members of an archive, each copied to a temporary file
 * in $TMPDIR and recorded as "ARCHIVE!member".  ETL_OK unless the output
 * failed (the writer's status). */
static etl_status convert_archive(struct run *ar, const char *path, bool quiet)
{
	struct archive *a = archive_read_new();
	if (!a)
		return ETL_ERR_NOMEM;
	bool gz = is_plain_gz(path);
	archive_read_support_filter_all(a);
	if (gz)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_all(a);
	etl_status ret = ETL_OK;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		cli_error("%s: %s", path, archive_error_string(a));
		ar->failed++;
		archive_read_free(a);
		return ETL_OK;
	}
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	struct archive_entry *e;
	int r;
	unsigned members = 0;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		char member[4096];
		const char *mname = archive_entry_pathname(e);
		if (gz) {
			/* a compressed file: the member is the archive's name without .gz */
			const char *base = strrchr(path, '/');
			snprintf(member, sizeof member, "%.*s", (int)strlen(base ? base + 1 : path) - 3,
			         base ? base + 1 : path);
		} else {
			if (!mname || archive_entry_filetype(e) != AE_IFREG)
				continue;
			snprintf(member, sizeof member, "%s", mname);
		}
		if (!is_etl_name(member))
			continue;
		members++;
		char name[8192];
		snprintf(name, sizeof name, "%s!%s", path, member);
		if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > MEMBER_MAX) {
			cli_error("%s: member larger than 4 GiB, not converted", name);
			ar->failed++;
			continue;
		}
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s/etlkit-member-XXXXXX", tmpdir);
		int fd = mkstemp(tmp);
		if (fd < 0) {
			cli_error("%s: a temporary file in %s: %s", name, tmpdir, strerror(errno));
			ar->failed++;
			continue;
		}
		char err[1024];
		bool copied = copy_member(a, fd, err, sizeof err);
		if (close(fd) != 0 && copied) {
			snprintf(err, sizeof err, "writing a temporary copy: %s", strerror(errno));
			copied = false;
		}
		if (!copied) {
			unlink(tmp);
			cli_error("%s: %s", name, err);
			ar->failed++;
			if (archive_errno(a) || r == ARCHIVE_FATAL)
				break;
			continue;
		}
		uint32_t failed = ar->res->failed, skipped = ar->res->skipped;
		uint64_t dmg = ar->res->damaged, events = ar->res->events;
		ret = run_add(ar, tmp, name);
		unlink(tmp);
		ar->pr->events_done += ar->res->events - events;
		if (ret != ETL_OK)
			break;
		if (ar->res->damaged != dmg && ar->res->failed == failed)
			ar->damaged++;
		if (ar->pr->shown && (ar->res->failed != failed || ar->res->skipped != skipped)) {
			fputs("\r\033[K", stderr);
			ar->pr->shown = false;
		}
		if (ar->res->failed != failed)
			cli_error("%s", run_errmsg(ar));
		if (ar->res->skipped != skipped && !quiet)
			fprintf(stderr, "etlkit: %s: already in the output (same SHA-256), skipped\n", name);
		if (interrupted)
			break;
	}
	if (ret == ETL_OK && r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		cli_error("%s: %s", path, archive_error_string(a) ? archive_error_string(a) : "read error");
		ar->failed++;
	} else if (ret == ETL_OK && members == 0 && !interrupted) {
		cli_error("%s: no .etl files in this archive", path);
		ar->failed++;
	}
	archive_read_free(a);
	return ret;
}
#endif

/* ---- after each trace ------------------------------------------------------------ */

struct done_ctx {
	struct run *run;
	const struct inputs *in;
	size_t first;              /* index in `in` of the batch's first file */
	etl_writer_result *res;
	struct progress *pr;
	bool quiet;
	uint32_t *damaged;         /* traces with damage */
	uint32_t failed, skipped;  /* res as it was after the previous trace */
	uint64_t events, dmg;
};

/* Progress and messages for the file `index` of a batch, just stored. */
static int on_done(void *ctx, size_t index)
{
	struct done_ctx *dc = ctx;
	const etl_writer_result *res = dc->res;
	struct progress *pr = dc->pr;
	size_t i = dc->first + index;
	const char *path = dc->in->paths[i];
	pr->done++;
	pr->bytes_done += dc->in->sizes[i];
	pr->events_done += res->events - dc->events;
	if (res->damaged != dc->dmg && res->failed == dc->failed)
		(*dc->damaged)++;
	if ((res->failed != dc->failed || (res->skipped != dc->skipped && !dc->quiet)) && pr->shown) {
		fputs("\r\033[K", stderr);
		pr->shown = false;
	}
	if (res->failed != dc->failed)
		cli_error("%s", run_errmsg(dc->run));
	if (res->skipped != dc->skipped && !dc->quiet)
		fprintf(stderr, "etlkit: %s: already in %s (same SHA-256), skipped\n", path,
		        dc->run->output);
	progress_line(pr, 0, true);
	dc->failed = res->failed;
	dc->skipped = res->skipped;
	dc->events = res->events;
	dc->dmg = res->damaged;
	return interrupted != 0;
}

/* etl_writer_options.schemas_new: the store of -m and --mof again, for one
 * trace (what loading them says was said the first time). */
static etl_schemas *schemas_again(void *ctx)
{
	const struct cli_common *c = ctx;
	etl_schemas *s = NULL;
	if (etl_schemas_new(&s) != ETL_OK)
		return NULL;
	for (size_t i = 0; i < c->nmanifests + c->nmofs; i++) {
		bool mof = i >= c->nmanifests;
		const char *path = mof ? c->mofs[i - c->nmanifests] : c->manifests[i];
		if ((mof ? etl_schemas_add_mof(s, path) : etl_schemas_add_manifest(s, path)) != ETL_OK) {
			etl_schemas_free(s);
			return NULL;
		}
	}
	return s;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compression-level", required_argument, NULL, 'l' },
		{ "flat", no_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "mof", required_argument, NULL, 'M' },
		{ "no-decode", no_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		{ "shard", no_argument, NULL, 'S' },
		CLI_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	etl_writer_options wo = { 0 };
	const char *format = "sqlite", *output = NULL, *progress = "auto";
	bool shard = false;
	unsigned long v;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:hj:l:m:o:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'F': wo.flags |= ETL_WRITER_FLAT; break;
		case 'f': format = optarg; break;
		case 'h': convert_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'j':
			if (!cli_parse_uint(optarg, 1, 256, &v)) {
				cli_usage_error("convert", "--jobs wants a number 1..256, not '%s'", optarg);
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			wo.jobs = (unsigned)v;
			break;
		case 'l':
			if (!cli_parse_uint(optarg, 1, 9, &v)) {
				cli_usage_error("convert", "-l wants a number 1..9, not '%s'", optarg);
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			wo.level = (int)v;
			break;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'M': cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case 'N': wo.flags |= ETL_WRITER_NO_DECODE; break;
		case 'o': output = optarg; break;
		case 'P': progress = optarg; break;
		case 'q': c.quiet = true; break;
		case 'r': wo.flags |= ETL_WRITER_RAW; break;
		case 'S': shard = true; break;
		default: {
			int r = cli_filter_option(&c, opt, optarg, "convert");
			if (r > 0)
				break;
			if (r == 0)
				convert_usage(stderr);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
		}
	}
	const char *err = NULL;
	if (strcmp(format, "sqlite") != 0 && strcmp(format, "csv.gz") != 0)
		err = "unknown format (sqlite or csv.gz)";
	else if (!output)
		err = "no output: give -o OUT";
	else if (optind >= argc)
		err = "no input files";
	else if ((wo.flags & ETL_WRITER_FLAT) && strcmp(format, "csv.gz") != 0)
		err = "--flat needs -f csv.gz";
	else if (wo.level && strcmp(format, "csv.gz") != 0)
		err = "-l needs -f csv.gz";
	else if (strcmp(progress, "auto") && strcmp(progress, "always") && strcmp(progress, "never"))
		err = "--progress wants auto, always or never";
	if (err) {
		cli_usage_error("convert", "%s", err);
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	if (!cli_filter_ready_relative(&c, "convert")) {
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	wo.filter = c.filter;
	struct inputs in = { 0 };
	bool stdin_used = false;
	for (int i = optind; i < argc; i++) {
		bool okay;
		if (!strcmp(argv[i], "-")) {
			if (stdin_used)
				continue;
			stdin_used = true;
			okay = add_stdin_list(&in);
		} else {
			okay = add_input(&in, argv[i]);
		}
		if (!okay) {
			cli_error("out of memory");
			inputs_free(&in);
			cli_common_free(&c);
			return EXIT_ERROR;
		}
	}
	if (in.n == 0) {
		cli_error("no trace files to convert");
		inputs_free(&in);
		cli_common_free(&c);
		return EXIT_ERROR;
	}

	int rc = EXIT_ERROR;
	struct run run = { 0 };
	etl_schemas *schemas = NULL;
	etl_writer *w = NULL;
	struct progress pr = { 0 };
	pr.show = !strcmp(progress, "always") || (!strcmp(progress, "auto") && !c.quiet && isatty(2));
	pr.total = in.n;
	pr.bytes_total = in.total;
	pr.start = pr.last = now_sec();
	if ((!(wo.flags & ETL_WRITER_NO_DECODE) || etl_filter_needs_decoding(c.filter)) &&
	    (!cli_add_manifest_env(&c) || !(schemas = cli_load_schemas(&c))))
		goto out;
	wo.warning = cli_warning;
	wo.warning_ctx = &c;
	wo.progress = on_progress;
	wo.progress_ctx = &pr;
	if (schemas) {
		wo.schemas_new = schemas_again;
		wo.schemas_ctx = &c;
	}
	char ebuf[1024];
	if (shard) {
		struct stat sb;
		if (mkdir(output, 0777) != 0 && (errno != EEXIST || stat(output, &sb) != 0 ||
		                                 !S_ISDIR(sb.st_mode))) {
			cli_error("%s: %s", output, errno == EEXIST ? "not a directory" : strerror(errno));
			goto out;
		}
	} else if (etl_writer_open(format, output, &wo, &w, ebuf, sizeof ebuf) != ETL_OK) {
		cli_error("%s", ebuf);
		goto out;
	}
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	etl_writer_result res = { 0 };
	bool fatal = false;
	uint32_t archives = 0, damaged = 0;
	run.w = w;
	run.shard = shard;
	run.format = format;
	run.output = output;
	run.wo = &wo;
	run.schemas = schemas;
	run.res = &res;
	run.pr = &pr;
	for (size_t i = 0; i < in.n && !interrupted; i++) {
		const char *path = in.paths[i];
		if (is_archive_name(path)) {
#ifdef HAVE_LIBARCHIVE
			run.failed = run.damaged = 0;
			etl_status ast = convert_archive(&run, path, c.quiet);
			archives += run.failed;
			damaged += run.damaged;
			pr.done++;
			pr.bytes_done += in.sizes[i];
			if (ast != ETL_OK) {
				if (pr.shown) {
					fputc('\n', stderr);
					pr.shown = false;
				}
				if (ast == ETL_ERR_ABORTED || interrupted)
					cli_error("interrupted; %s is left as it was", output);
				else
					cli_error("%s", run_errmsg(&run));
				fatal = true;
				break;
			}
			progress_line(&pr, 0, true);
#else
			cli_error("%s: is an archive, and this etlkit was built without libarchive: "
			          "extract the traces first", path);
			archives++;
			pr.done++;
			pr.bytes_done += in.sizes[i];
#endif
			continue;
		}
		/* a run of plain files: decoded several at once with -j (not with
		 * --shard, where each has a writer of its own) */
		size_t end = i + 1;
		while (!shard && end < in.n && !is_archive_name(in.paths[end]))
			end++;
		struct done_ctx dc = { &run, &in, i, &res, &pr, c.quiet, &damaged, res.failed,
		                       res.skipped, res.events, res.damaged };
		run.failed = 0;
		etl_status st = shard ? run_add(&run, path, NULL)
		                      : etl_writer_add_files(w, (const char *const *)in.paths + i, end - i,
		                                             schemas, &res, on_done, &dc);
		if (shard)
			on_done(&dc, 0);
		archives += run.failed;
		if (st != ETL_OK) {
			if (pr.shown) {
				fputc('\n', stderr);
				pr.shown = false;
			}
			if (st == ETL_ERR_ABORTED || interrupted)
				cli_error("interrupted; %s is left as it was", output);
			else
				cli_error("%s", run_errmsg(&run));
			fatal = true;
			break;
		}
		i = end - 1;
	}
	if (pr.shown) {
		fputc('\n', stderr);
		pr.shown = false;
	}
	if (interrupted && !fatal) {
		cli_error("interrupted; %s is left as it was", output);
		fatal = true;
	}
	if (!fatal && res.added == 0 && res.skipped == 0)
		fatal = true; /* nothing could be read: no output */
	etl_status cst = shard ? ETL_OK : etl_writer_close(w, !fatal);
	w = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (fatal)
		goto out;
	if (cst != ETL_OK) {
		cli_error("%s: could not be finished", output);
		goto out;
	}
	if (!c.quiet) {
		double el = now_sec() - pr.start;
		fprintf(stderr,
		        "etlkit: %s: %u file%s added (%llu events, %llu decoded; %u damaged), %u skipped,"
		        " %u failed in %.2f s (%.0f events/s)\n",
		        output, res.added, res.added == 1 ? "" : "s", (unsigned long long)res.events,
		        (unsigned long long)res.decoded, damaged, res.skipped, res.failed + archives, el,
		        el > 0 ? res.events / el : 0.0);
	}
	rc = res.failed || res.damaged || archives ? EXIT_DAMAGED : EXIT_OK;
out:
	for (size_t i = 0; i < run.capnames; i++)
		free(run.names[i]);
	free(run.names);
	inputs_free(&in);
	if (w)
		etl_writer_close(w, 0);
	etl_schemas_free(schemas);
	cli_common_free(&c);
	return rc;
}
