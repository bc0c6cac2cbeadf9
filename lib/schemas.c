/*
 * schemas.c - the schema store (struct etl_schemas): where the decoder finds
 * the layout of an event, TDH's role (decoding.md §1.2-1.3).
 *
 * Every source (manifests, in-trace EventSource manifests and EventMetadata,
 * MOF files, dumped "Windows Kernel" manifests) registers compiled etl_schema
 * records with etl_schemas_put().  Two hash tables hold them:
 *
 *   manifest-like  (provider GUID, event id, event version)
 *   MOF            (class GUID, event type = opcode, event version)
 *
 * plus a (class GUID, opcode) -> set-of-versions index so that a MOF lookup
 * can fall back to the closest known version, and a provider GUID -> name
 * table.  All are open-addressing tables keyed by a 64-bit mix of the GUID;
 * lookups are O(1).
 *
 * Ordering: "the source given later wins".  Every registration carries a
 * sequence number; a put replaces an entry only when its sequence is not
 * older.  Explicit adds take a new number when they are added; the files of
 * a manifest directory take theirs when the directory is added, so a file
 * that is parsed lazily much later still loses against anything added after
 * its directory.
 *
 * Directories: hundreds of dumped manifests (manifests/windows: 841 files,
 * 22 MB) would cost seconds to parse up front, and a trace needs a handful.
 * Adding a directory only lists it and indexes each file by the provider
 * GUID(s) it defines: a file named {GUID}.xml is taken at its word, other
 * files get a cheap text scan for <provider ... guid="{...}">.  The first
 * lookup of a GUID parses its pending files, in the order they were added.
 *
 * MOF lookups also consult the built-in kernel table (lib/kernel_schema.c):
 * a user's exact version first, then the built-in exact version (which also
 * beats a dumped "Windows Kernel" manifest, ETL_SF_DUMPED: the table is those
 * dumps with their losses corrected), then the closest version of either.
 *
 * Memory: schemas, names and maps live in the store's arena until
 * etl_schemas_free(); the tables and the pending-file list are malloc'd.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Caps on what the store accepts from the file system. */
#define MAX_SCHEMA_FILE   ((size_t)64 << 20)  /* one manifest or MOF file */
#define MAX_DIR_ENTRIES   65536               /* manifest files per directory */
#define MAX_FILE_GUIDS    4096                /* providers indexed per file */
#define MAX_TABLE_ENTRIES ((size_t)1 << 24)   /* entries per hash table */
#define MAX_PENDING_FILES ((size_t)1 << 20)   /* files waiting, all directories */

/* ---- hash tables ------------------------------------------------------------ */

struct slot {
	etl_guid g;
	uint32_t k;           /* (id or opcode) << 8 | version; 0 where unused */
	uint32_t used;
	uint64_t seq;         /* sequence of the registration that set it */
	union {
		const etl_schema *sc;
		const char *name;
		uint64_t bits[4]; /* versions present (MOF version index) */
		struct { uint32_t head, tail; } pl; /* pending file links, 1-based */
	} v;
};

struct table {
	struct slot *slots;
	size_t cap, len;      /* cap is 0 or a power of two */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t key_hash(const etl_guid *g, uint32_t k)
{
	uint64_t a = (uint64_t)g->data1 << 32 | (uint64_t)g->data2 << 16 | g->data3;
	uint64_t b = 0;
	for (int i = 0; i < 8; i++)
		b = b << 8 | g->data4[i];
	return mix64(a ^ mix64(b ^ ((uint64_t)k << 1 | 1)));
}

static bool key_eq(const struct slot *sl, const etl_guid *g, uint32_t k)
{
	return sl->k == k && sl->g.data1 == g->data1 && sl->g.data2 == g->data2 &&
	       sl->g.data3 == g->data3 && memcmp(sl->g.data4, g->data4, 8) == 0;
}

static struct slot *tab_find(const struct table *t, const etl_guid *g, uint32_t k)
{
	if (!t->len)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = key_hash(g, k) & mask;; i = (i + 1) & mask) {
		struct slot *sl = &t->slots[i];
		if (!sl->used)
			return NULL;
		if (key_eq(sl, g, k))
			return sl;
	}
}

static bool tab_grow(struct table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		const struct slot *o = &t->slots[i];
		if (!o->used)
			continue;
		size_t j = key_hash(&o->g, o->k) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = *o;
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return true;
}

/* Finds or creates the slot of a key.  NULL when out of memory or when the
 * table reached MAX_TABLE_ENTRIES. */
static struct slot *tab_insert(struct table *t, const etl_guid *g, uint32_t k, bool *created)
{
	struct slot *sl = tab_find(t, g, k);
	*created = false;
	if (sl)
		return sl;
	if (t->len >= MAX_TABLE_ENTRIES)
		return NULL;
	/* keep the load factor at or below 1/2: probes stay short */
	if ((t->len + 1) * 2 > t->cap && !tab_grow(t))
		return NULL;
	size_t mask = t->cap - 1;
	size_t i = key_hash(g, k) & mask;
	while (t->slots[i].used)
		i = (i + 1) & mask;
	sl = &t->slots[i];
	memset(sl, 0, sizeof(*sl));
	sl->g = *g;
	sl->k = k;
	sl->used = 1;
	t->len++;
	*created = true;
	return sl;
}

static void tab_free(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->len = 0;
}

/* ---- the store ---------------------------------------------------------------- */

struct pfile {                /* a manifest file of a directory, not yet parsed */
	char *path;
	uint64_t seq;
	bool parsed;
};

struct plink {                /* one (GUID -> file) index entry */
	uint32_t file;
	uint32_t next;        /* 1-based index of the next link; 0 ends */
};

struct etl_schemas {
	etl_arena *arena;
	struct table man;     /* (provider, id << 8 | version) -> schema */
	struct table mof;     /* (class, opcode << 8 | version) -> schema */
	struct table mofver;  /* (class, opcode) -> versions present */
	struct table names;   /* (provider, 0) -> display name */
	struct table pend;    /* (provider, 0) -> pending file links */
	struct pfile *files;
	size_t nfiles, cap_files;
	struct plink *links;
	size_t nlinks, cap_links;
	uint64_t next_seq;    /* last sequence number handed out */
	uint64_t load_seq;    /* sequence of the source being loaded */
	bool loading;         /* a file is being parsed: puts take load_seq */
	unsigned files_parsed;
	void *tei;            /* lib/tei.c's map table (etl_schemas_tei_slot) */
	pthread_mutex_t lock; /* etl_schemas_lock() */
	char errmsg[1024];
};

etl_status etl_schemas_new(etl_schemas **out)
{
	if (!out)
		return ETL_ERR_ARG;
	*out = NULL;
	etl_schemas *s = calloc(1, sizeof(*s));
	if (!s)
		return ETL_ERR_NOMEM;
	s->arena = etl_arena_new();
	if (!s->arena) {
		free(s);
		return ETL_ERR_NOMEM;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		etl_arena_free(s->arena);
		free(s);
		return ETL_ERR_NOMEM;
	}
	*out = s;
	return ETL_OK;
}

void etl_schemas_lock(etl_schemas *s)
{
	if (s)
		pthread_mutex_lock(&s->lock);
}

void etl_schemas_unlock(etl_schemas *s)
{
	if (s)
		pthread_mutex_unlock(&s->lock);
}

void etl_schemas_free(etl_schemas *s)
{
	if (!s)
		return;
	etl_tei_free(s->tei);
	tab_free(&s->man);
	tab_free(&s->mof);
	tab_free(&s->mofver);
	tab_free(&s->names);
	tab_free(&s->pend);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	free(s->links);
	etl_arena_free(s->arena);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

etl_arena *etl_schemas_arena(etl_schemas *s)
{
	return s ? s->arena : NULL;
}

const char *etl_schemas_errmsg(const etl_schemas *s)
{
	return s ? s->errmsg : "no schema store";
}

void etl_schemas_set_error(etl_schemas *s, const char *fmt, ...)
{
	if (!s)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

void **etl_schemas_tei_slot(etl_schemas *s)
{
	return s ? &s->tei : NULL;
}

unsigned etl_schemas_files_parsed(const etl_schemas *s)
{
	return s ? s->files_parsed : 0;
}

const char *etl_schema_source_name(int source)
{
	switch (source) {
	case ETL_SRC_MANIFEST: return "manifest";
	case ETL_SRC_EVENTSOURCE: return "eventsource";
	case ETL_SRC_METADATA: return "metadata";
	case ETL_SRC_TRACELOGGING: return "tracelogging";
	case ETL_SRC_MOF: return "mof";
	case ETL_SRC_WPP: return "wpp";
	case ETL_SRC_STRING: return "string";
	default: return "none";
	}
}

/* The sequence number a registration made now carries. */
static uint64_t put_seq(etl_schemas *s)
{
	return s->loading ? s->load_seq : ++s->next_seq;
}

static etl_status note_name(etl_schemas *s, const etl_guid *g, const char *name,
                            uint64_t seq)
{
	bool created;
	struct slot *sl = tab_insert(&s->names, g, 0, &created);
	if (!sl)
		return s->names.len >= MAX_TABLE_ENTRIES ? ETL_ERR_LIMIT : ETL_ERR_NOMEM;
	if (created || seq >= sl->seq) {
		sl->v.name = name;
		sl->seq = seq;
	}
	return ETL_OK;
}

void etl_schemas_set_provider_name(etl_schemas *s, const etl_guid *provider,
                                   const char *name)
{
	if (!s || !provider || !name || !*name)
		return;
	char *copy = etl_arena_strdup(s->arena, name);
	if (copy)
		(void)note_name(s, provider, copy, put_seq(s));
}

etl_status etl_schemas_put(etl_schemas *s, const etl_schema *sc)
{
	if (!s || !sc)
		return ETL_ERR_ARG;
	uint64_t seq = put_seq(s);
	bool mof = sc->source == ETL_SRC_MOF;
	uint32_t k = mof ? (uint32_t)sc->opcode << 8 | sc->version
	                 : (uint32_t)sc->id << 8 | sc->version;
	struct table *t = mof ? &s->mof : &s->man;
	bool created;
	struct slot *sl = tab_insert(t, &sc->provider, k, &created);
	if (!sl) {
		bool full = t->len >= MAX_TABLE_ENTRIES;
		etl_schemas_set_error(s, "schema store: %s",
		                      full ? "too many event schemas" : "out of memory");
		return full ? ETL_ERR_LIMIT : ETL_ERR_NOMEM;
	}
	/* an older source (a lazily parsed directory file) never replaces what a
	 * newer one registered, and a lossy dumped manifest never replaces a
	 * complete one, whatever the order */
	if (!created && sl->seq > seq)
		return ETL_OK;
	if (!created && (sc->flags & ETL_SF_DUMPED) && !(sl->v.sc->flags & ETL_SF_DUMPED))
		return ETL_OK;
	/* keep a copy, so callers may build the record on their stack */
	etl_schema *copy = etl_arena_alloc(s->arena, sizeof(*copy));
	if (!copy) {
		etl_schemas_set_error(s, "schema store: out of memory");
		return ETL_ERR_NOMEM;
	}
	*copy = *sc;
	sl->v.sc = copy;
	sl->seq = seq;
	if (mof) {
		struct slot *vs = tab_insert(&s->mofver, &sc->provider, sc->opcode, &created);
		if (!vs) {
			etl_schemas_set_error(s, "schema store: out of memory");
			return ETL_ERR_NOMEM;
		}
		vs->v.bits[sc->version >> 6] |= (uint64_t)1 << (sc->version & 63);
	}
	if (sc->provider_name && *sc->provider_name)
		return note_name(s, &sc->provider, sc->provider_name, seq);
	return ETL_OK;
}

/* ---- reading files ------------------------------------------------------------- */

/* Reads a whole regular file of at most cap bytes into a malloc'd buffer
 * (NUL-terminated for the convenience of text scanners). */
static etl_status read_file(const char *path, size_t cap, char **out, size_t *outlen,
                            char *err, size_t errsz)
{
	*out = NULL;
	*outlen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		etl_msg(err, errsz, "%s: %s", path, strerror(errno));
		return ETL_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		etl_msg(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return ETL_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		etl_msg(err, errsz, "%s: not a regular file", path);
		close(fd);
		return ETL_ERR_IO;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > cap) {
		etl_msg(err, errsz, "%s: file is %lld bytes, more than the limit of %zu",
		        path, (long long)st.st_size, cap);
		close(fd);
		return ETL_ERR_LIMIT;
	}
	size_t want = (size_t)st.st_size;
	char *buf = malloc(want + 1);
	if (!buf) {
		etl_msg(err, errsz, "%s: out of memory", path);
		close(fd);
		return ETL_ERR_NOMEM;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			etl_msg(err, errsz, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return ETL_ERR_IO;
		}
		if (r == 0)
			break;    /* the file shrank: take what is there */
		got += (size_t)r;
	}
	close(fd);
	buf[got] = 0;
	*out = buf;
	*outlen = got;
	return ETL_OK;
}

/* Parses one manifest file with the given sequence number.  Counts it. */
static etl_status parse_manifest_file(etl_schemas *s, const char *path, uint64_t seq)
{
	char err[512] = "";
	char *buf;
	size_t len;
	etl_status st = read_file(path, MAX_SCHEMA_FILE, &buf, &len, err, sizeof(err));
	if (st != ETL_OK) {
		etl_schemas_set_error(s, "%s", err);
		return st;
	}
	bool was_loading = s->loading;
	uint64_t was_seq = s->load_seq;
	s->loading = true;
	s->load_seq = seq;
	st = etl_manifest_parse(s, buf, len, path, ETL_SRC_MANIFEST, err, sizeof(err));
	s->loading = was_loading;
	s->load_seq = was_seq;
	s->files_parsed++;
	free(buf);
	/* on success err may still carry a warning (events that were skipped) */
	if (st != ETL_OK || err[0])
		etl_schemas_set_error(s, "%s", err);
	return st;
}

/* ---- manifest directories --------------------------------------------------------- */

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	return n > m && strcasecmp(name + n - m, suffix) == 0;
}

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}.xml" -> GUID */
static bool guid_file_name(const char *name, etl_guid *g)
{
	char tmp[39];
	if (strlen(name) != 42 || name[0] != '{' || name[37] != '}' ||
	    strcasecmp(name + 38, ".xml") != 0)
		return false;
	memcpy(tmp, name, 38);
	tmp[38] = 0;
	return etl_guid_parse(tmp, g) == 0;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The cheap scan: every start tag whose local name is "provider" and that
 * has a guid="{...}" attribute.  Not a parser: a commented-out provider is
 * indexed too, which only costs a needless parse.  Counter providers use
 * providerGuid, which does not match. */
static size_t scan_provider_guids(const char *p, size_t len, etl_guid *out, size_t max)
{
	size_t n = 0;
	const char *end = p + len;
	const char *q = p;
	while (n < max && (q = memchr(q, '<', (size_t)(end - q))) != NULL) {
		q++;
		const char *name = q;
		while (q < end && is_name_char(*q))
			q++;
		if (q < end && *q == ':') {      /* prefixed: take the local part */
			name = ++q;
			while (q < end && is_name_char(*q))
				q++;
		}
		if (q - name != 8 || memcmp(name, "provider", 8) != 0)
			continue;
		/* attributes up to the end of the tag, at most 16 KiB */
		const char *tag_end = end - q > 16384 ? q + 16384 : end;
		while (q < tag_end && *q != '>') {
			if (!is_space(*q)) {
				q++;
				continue;
			}
			while (q < tag_end && is_space(*q))
				q++;
			if (tag_end - q < 5 || memcmp(q, "guid", 4) != 0 ||
			    !(is_space(q[4]) || q[4] == '='))
				continue;
			q += 4;
			while (q < tag_end && is_space(*q))
				q++;
			if (q >= tag_end || *q != '=')
				continue;
			q++;
			while (q < tag_end && is_space(*q))
				q++;
			if (q >= tag_end || (*q != '"' && *q != '\''))
				continue;
			char quote = *q++;
			const char *v = q;
			while (q < tag_end && *q != quote && q - v < 40)
				q++;
			if (q >= tag_end || *q != quote)
				continue;
			char tmp[41];
			memcpy(tmp, v, (size_t)(q - v));
			tmp[q - v] = 0;
			if (etl_guid_parse(tmp, &out[n]) == 0) {
				/* the same provider twice in one file: index it once */
				bool dup = false;
				for (size_t i = 0; i < n && !dup; i++)
					dup = etl_guid_equal(&out[i], &out[n]);
				if (!dup)
					n++;
			}
			break;
		}
	}
	return n;
}

static bool add_pending_file(etl_schemas *s, const char *path, uint64_t seq, uint32_t *idx)
{
	if (s->nfiles >= MAX_PENDING_FILES)
		return false;
	if (s->nfiles == s->cap_files) {
		size_t nc = s->cap_files ? s->cap_files * 2 : 64;
		struct pfile *nf = realloc(s->files, nc * sizeof(*nf));
		if (!nf)
			return false;
		s->files = nf;
		s->cap_files = nc;
	}
	char *copy = strdup(path);
	if (!copy)
		return false;
	s->files[s->nfiles] = (struct pfile){ .path = copy, .seq = seq, .parsed = false };
	*idx = (uint32_t)s->nfiles++;
	return true;
}

static bool index_guid(etl_schemas *s, const etl_guid *g, uint32_t file)
{
	if (s->nlinks >= UINT32_MAX - 1)
		return false;
	if (s->nlinks == s->cap_links) {
		size_t nc = s->cap_links ? s->cap_links * 2 : 64;
		struct plink *nl = realloc(s->links, nc * sizeof(*nl));
		if (!nl)
			return false;
		s->links = nl;
		s->cap_links = nc;
	}
	bool created;
	struct slot *sl = tab_insert(&s->pend, g, 0, &created);
	if (!sl)
		return false;
	s->links[s->nlinks] = (struct plink){ .file = file, .next = 0 };
	uint32_t li = (uint32_t)++s->nlinks;      /* 1-based */
	if (sl->v.pl.head == 0)
		sl->v.pl.head = li;
	else
		s->links[sl->v.pl.tail - 1].next = li;
	sl->v.pl.tail = li;
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static etl_status add_directory(etl_schemas *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		etl_schemas_set_error(s, "%s: %s", dir, strerror(errno));
		return ETL_ERR_IO;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	etl_status st = ETL_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_suffix(de->d_name, ".xml") && !has_suffix(de->d_name, ".man"))
			continue;
		if (n >= MAX_DIR_ENTRIES) {
			etl_schemas_set_error(s, "%s: more than %d manifest files", dir,
			                      MAX_DIR_ENTRIES);
			st = ETL_ERR_LIMIT;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (!nn) {
				st = ETL_ERR_NOMEM;
				break;
			}
			names = nn;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name))) {
			st = ETL_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (st == ETL_ERR_NOMEM)
		etl_schemas_set_error(s, "%s: out of memory", dir);

	/* directory order is arbitrary; name order makes "added later" stable */
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);

	etl_guid *guids = st == ETL_OK ? malloc(MAX_FILE_GUIDS * sizeof(*guids)) : NULL;
	if (st == ETL_OK && !guids) {
		etl_schemas_set_error(s, "%s: out of memory", dir);
		st = ETL_ERR_NOMEM;
	}
	unsigned skipped = 0;
	size_t dlen = strlen(dir);
	bool slash = dlen && dir[dlen - 1] == '/';
	for (size_t i = 0; i < n && st == ETL_OK; i++) {
		size_t plen = dlen + 1 + strlen(names[i]) + 1;
		char *path = malloc(plen);
		if (!path) {
			st = ETL_ERR_NOMEM;
			etl_schemas_set_error(s, "%s: out of memory", dir);
			break;
		}
		snprintf(path, plen, "%s%s%s", dir, slash ? "" : "/", names[i]);
		size_t ng = 0;
		if (guid_file_name(names[i], &guids[0])) {
			struct stat sb;
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
				ng = 1;
		} else {
			char err[512];
			char *buf;
			size_t len;
			etl_status r = read_file(path, MAX_SCHEMA_FILE, &buf, &len, err, sizeof(err));
			if (r == ETL_OK) {
				if (len >= 2 && (uint8_t)buf[0] == 0xFF && (uint8_t)buf[1] == 0xFE) {
					/* UTF-16LE manifest: scan a UTF-8 copy */
					size_t usz = len / 2 * 3 + 1;
					char *u = malloc(usz);
					if (u) {
						size_t ul = etl_utf16_to_utf8((const uint8_t *)buf + 2,
						                              (len - 2) / 2, u, usz);
						ng = scan_provider_guids(u, ul, guids, MAX_FILE_GUIDS);
						free(u);
					}
				} else {
					ng = scan_provider_guids(buf, len, guids, MAX_FILE_GUIDS);
				}
				free(buf);
			} else {
				/* one unreadable file does not spoil the directory */
				if (!skipped++)
					etl_schemas_set_error(s, "%s", err);
			}
		}
		if (ng) {
			uint32_t fi;
			if (!add_pending_file(s, path, ++s->next_seq, &fi)) {
				st = ETL_ERR_NOMEM;
			} else {
				for (size_t j = 0; j < ng && st == ETL_OK; j++)
					if (!index_guid(s, &guids[j], fi))
						st = ETL_ERR_NOMEM;
			}
			if (st != ETL_OK)
				etl_schemas_set_error(s, "%s: out of memory", dir);
		}
		free(path);
	}
	free(guids);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

/* Parses the files of a directory that define provider g and were not
 * parsed yet.  A failure is kept in the error message; lookups go on. */
static void load_pending(etl_schemas *s, const etl_guid *g)
{
	if (!s->pend.len || s->loading)
		return;
	struct slot *sl = tab_find(&s->pend, g, 0);
	if (!sl || sl->v.pl.head == 0)
		return;
	uint32_t li = sl->v.pl.head;
	sl->v.pl.head = sl->v.pl.tail = 0;   /* consumed: never again */
	while (li) {
		uint32_t fi = s->links[li - 1].file;
		li = s->links[li - 1].next;
		if (s->files[fi].parsed)
			continue;
		s->files[fi].parsed = true;
		(void)parse_manifest_file(s, s->files[fi].path, s->files[fi].seq);
	}
}

etl_status etl_schemas_add_manifest(etl_schemas *s, const char *path)
{
	if (!s)
		return ETL_ERR_ARG;
	s->errmsg[0] = 0;
	if (!path || !*path) {
		etl_schemas_set_error(s, "no manifest path given");
		return ETL_ERR_ARG;
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		etl_schemas_set_error(s, "%s: %s", path, strerror(errno));
		return ETL_ERR_IO;
	}
	if (S_ISDIR(st.st_mode))
		return add_directory(s, path);
	return parse_manifest_file(s, path, ++s->next_seq);
}

etl_status etl_schemas_add_mof(etl_schemas *s, const char *path)
{
	if (!s)
		return ETL_ERR_ARG;
	s->errmsg[0] = 0;
	if (!path || !*path) {
		etl_schemas_set_error(s, "no MOF path given");
		return ETL_ERR_ARG;
	}
	char err[512] = "";
	char *buf;
	size_t len;
	etl_status st = read_file(path, MAX_SCHEMA_FILE, &buf, &len, err, sizeof(err));
	if (st != ETL_OK) {
		etl_schemas_set_error(s, "%s", err);
		return st;
	}
	bool was_loading = s->loading;
	uint64_t was_seq = s->load_seq;
	s->loading = true;
	s->load_seq = ++s->next_seq;
	st = etl_mof_parse(s, buf, len, path, err, sizeof(err));
	s->loading = was_loading;
	s->load_seq = was_seq;
	free(buf);
	if (err[0])
		etl_schemas_set_error(s, "%s", err);
	else if (st != ETL_OK)
		etl_schemas_set_error(s, "%s: not a usable MOF file", path);
	return st;
}

/* ---- lookups ------------------------------------------------------------------------ */

const etl_schema *etl_schemas_find_manifest(etl_schemas *s, const etl_guid *provider,
                                            uint16_t id, uint8_t version)
{
	if (!s || !provider)
		return NULL;
	load_pending(s, provider);
	const struct slot *sl = tab_find(&s->man, provider, (uint32_t)id << 8 | version);
	return sl ? sl->v.sc : NULL;
}

/* Closest registered version of (class, opcode): the highest one below
 * `version`, else the lowest above (kernel layouts grow by appending
 * fields, so an older layout usually decodes a newer event's prefix). */
static const etl_schema *mof_closest(etl_schemas *s, const etl_guid *g, uint8_t opcode,
                                     uint8_t version)
{
	const struct slot *vs = tab_find(&s->mofver, g, opcode);
	if (!vs)
		return NULL;
	for (int v = (int)version - 1; v >= 0; v--)
		if (vs->v.bits[v >> 6] >> (v & 63) & 1)
			return tab_find(&s->mof, g, (uint32_t)opcode << 8 | (uint32_t)v)->v.sc;
	for (int v = (int)version + 1; v <= 255; v++)
		if (vs->v.bits[v >> 6] >> (v & 63) & 1)
			return tab_find(&s->mof, g, (uint32_t)opcode << 8 | (uint32_t)v)->v.sc;
	return NULL;
}

const etl_schema *etl_schemas_find_mof(etl_schemas *s, const etl_guid *class_guid,
                                       uint8_t opcode, uint8_t version, bool *fallback)
{
	bool fb_dummy;
	if (!fallback)
		fallback = &fb_dummy;
	*fallback = false;
	if (!class_guid)
		return NULL;
	/* Order: the user's exact version, the built-in exact version, the
	 * user's closest version, the built-in closest version.  A user MOF
	 * overrides the built-in table only where it knows the key, and a
	 * dumped "Windows Kernel" manifest not even there: the built-in table
	 * is those dumps with their losses corrected. */
	const etl_schema *exact = NULL;
	if (s) {
		load_pending(s, class_guid);
		const struct slot *sl = tab_find(&s->mof, class_guid,
		                                 (uint32_t)opcode << 8 | version);
		exact = sl ? sl->v.sc : NULL;
		if (exact && !(exact->flags & ETL_SF_DUMPED))
			return exact;
	}
	bool kfb = false;
	const etl_schema *k = etl_kernel_schema_find(class_guid, opcode, version, &kfb);
	if (k && !kfb)
		return k;
	if (exact)
		return exact;
	const etl_schema *c = s ? mof_closest(s, class_guid, opcode, version) : NULL;
	if (c && k) {
		/* both only have other versions: the closer one, by the same rule
		 * (highest below, else lowest above); a tie goes to the user's */
		bool cb = c->version < version, kb = k->version < version;
		if (cb != kb)
			c = cb ? c : k;
		else if (cb)
			c = k->version > c->version ? k : c;
		else
			c = k->version < c->version ? k : c;
	}
	if (!c)
		c = k;
	*fallback = c != NULL;
	return c;
}

const char *etl_schemas_provider_name(etl_schemas *s, const etl_guid *provider)
{
	if (!s || !provider)
		return NULL;
	load_pending(s, provider);
	const struct slot *sl = tab_find(&s->names, provider, 0);
	return sl ? sl->v.name : NULL;
}

/* ---- iteration -------------------------------------------------------------------- */

int etl_schemas_visit(etl_schemas *s, bool builtin, etl_schema_visit_fn fn, void *ctx)
{
	if (!s || !fn)
		return 0;
	/* every lazily indexed file first, so that the listing is complete */
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].parsed)
			continue;
		s->files[i].parsed = true;
		(void)parse_manifest_file(s, s->files[i].path, s->files[i].seq);
	}
	const struct table *tabs[2] = { &s->man, &s->mof };
	for (int k = 0; k < 2; k++) {
		const struct table *t = tabs[k];
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i].used || !t->slots[i].v.sc)
				continue;
			int r = fn(ctx, t->slots[i].v.sc);
			if (r)
				return r;
		}
	}
	if (builtin) {
		/* built-in classes the store does not override */
		for (size_t i = 0;; i++) {
			const etl_schema *sc = etl_kernel_schema_at(i);
			if (!sc)
				break;
			if (tab_find(&s->mof, &sc->provider, (uint32_t)sc->opcode << 8 | sc->version))
				continue;
			int r = fn(ctx, sc);
			if (r)
				return r;
		}
	}
	return 0;
}
