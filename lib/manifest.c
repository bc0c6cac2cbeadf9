/*
 * manifest.c - instrumentation manifests (XML) to etl_schema records,
 * decoding.md §4.
 *
 * One parser covers every variant the project meets (§4.7): plain
 * instrumentationManifest documents (also the EventSource manifests carried
 * in traces: UTF-8, CRLF, no XML declaration), generated manifests whose real
 * names live only in the string table (http-server.man), Windows component
 * manifests wrapped in an <assembly> with a BOM and dozens of providers
 * (SystemEvents.man), the CLR manifests (task-local opcodes, dotted string
 * ids, UserData blocks), and the lossy dumps of registered providers
 * (manifests/windows/{GUID}.xml: no out-types, collapsed structs, the
 * "Windows Kernel" MOF classes written as manifests).
 *
 * How: expat streams the document; elements are recognised by local name
 * (namespaces and prefixes ignored) and by their parent, so a manifest may
 * sit inside other XML and foreign elements with the same names (counter
 * providers, UserData rendering blocks) are not mistaken for ours.  The start
 * handler only records attributes; everything is resolved once the whole
 * document is read, because references go in every direction (events before
 * templates in http-server.man, the string table after all providers).
 *
 * The dumps need extra care (decoding.md §4.7.5): a struct that TDH
 * flattened is written as one data item whose in-type is the struct's start
 * index ("win:33", or a real type name whose code happens to be that index);
 * such a template gets ETL_SF_STOP_AFTER at that item.  Their "Windows
 * Kernel" providers are MOF classes and register as ETL_SRC_MOF schemas keyed
 * by (class GUID, event type, version), flagged ETL_SF_DUMPED.  Four of the
 * 841 corpus dumps carry raw '<' or quotes inside attribute values; a second
 * pass escapes those rather than lose the provider.
 *
 * Untrusted input: entity declarations are refused (no DTD is ever needed,
 * and that rules out the "billion laughs" expansion), external entities are
 * never loaded, and the nesting depth, the number of elements, properties
 * per template and entries per map are capped.  A malformed document is an
 * ETL_ERR_SCHEMA naming "file:line:col"; a well-formed document with a bad
 * template or event skips that event and reports it as a warning in err
 * (the status stays ETL_OK).
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DOCUMENT   ((size_t)64 << 20)  /* bytes of XML */
#define MAX_XML_DEPTH  (2 * ETL_SCHEMA_MAX_DEPTH)
#define MAX_RECORDS    ((size_t)1 << 20)   /* recognised elements kept */

/* ---- small containers in the scratch arena --------------------------------- */

struct ptrvec {
	void **p;
	size_t n, cap;
};

static bool vec_push(etl_arena *a, struct ptrvec *v, void *e)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		void **np = etl_arena_alloc(a, nc * sizeof(*np));
		if (!np)
			return false;
		if (v->n)
			memcpy(np, v->p, v->n * sizeof(*np));
		v->p = np;
		v->cap = nc;
	}
	v->p[v->n++] = e;
	return true;
}

/* string -> pointer, open addressing; first insertion of a key wins unless
 * replace is asked for */
struct smap {
	const char **keys;
	void **vals;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

static void *smap_get(const struct smap *m, const char *k)
{
	if (!m->n || !k)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = str_hash(k) & mask; m->keys[i]; i = (i + 1) & mask)
		if (strcmp(m->keys[i], k) == 0)
			return m->vals[i];
	return NULL;
}

static bool smap_put(etl_arena *a, struct smap *m, const char *k, void *v, bool replace)
{
	if (!k)
		return true;
	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		const char **nk = etl_arena_alloc(a, nc * sizeof(*nk));
		void **nv = etl_arena_alloc(a, nc * sizeof(*nv));
		if (!nk || !nv)
			return false;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = str_hash(m->keys[i]) & (nc - 1);
			while (nk[j])
				j = (j + 1) & (nc - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
		m->keys = nk;
		m->vals = nv;
		m->cap = nc;
	}
	size_t mask = m->cap - 1;
	size_t i = str_hash(k) & mask;
	for (; m->keys[i]; i = (i + 1) & mask) {
		if (strcmp(m->keys[i], k) == 0) {
			if (replace)
				m->vals[i] = v;
			return true;
		}
	}
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return true;
}

/* ---- what the document said (scratch records) -------------------------------- */

struct mnamed {              /* level, opcode, keyword, map entry, channel */
	const char *name, *message, *value, *chid;
	bool imported;           /* importChannel */
	int line;
	/* resolved */
	bool done, ok;
	uint64_t num;
	int decl;                /* channel: index among <channel> elements */
	const char *disp;        /* display name, store arena */
};

struct mtask {
	const char *name, *message, *value, *guid;
	int line;
	struct ptrvec opcodes;   /* struct mnamed * */
	bool done, ok;
	uint16_t num;
	etl_guid event_guid;
	const char *disp;
};

struct mmap {
	const char *name;
	bool bitmap;
	int line;
	struct ptrvec entries;   /* struct mnamed * */
	bool truncated;
	bool done;
	const etl_map *compiled; /* NULL when unusable */
};

struct mitem {
	const char *name, *intype, *outtype, *map, *count, *length, *max;
	bool is_struct;
	int parent;              /* index of the enclosing struct item, or -1 */
	int line;
};

struct mtmpl {
	const char *tid;
	int line;
	struct ptrvec items;     /* struct mitem *, document order */
	bool has_struct, has_outtype;
	const char *error;       /* problem found while reading it */
	int error_line;
	/* compiled */
	bool done, ok;
	const etl_prop *props;
	uint16_t nprops, ntop;
	int stop_after;          /* -1 when the template decodes fully */
};

struct mevent {
	const char *value, *version, *level, *task, *opcode, *keywords, *channel;
	const char *tmpl, *message, *symbol, *name;
	int line;
};

struct mprov {
	const char *name, *guid, *message, *symbol;
	bool dumped;
	int line;
	struct ptrvec channels, levels, tasks, opcodes, keywords, maps, templates, events;
};

enum role {
	R_NONE, R_IGNORE, R_EVENTS_ROOT, R_PROVIDER,
	R_CHANNELS, R_CHANNEL, R_LEVELS, R_LEVEL, R_TASKS, R_TASK, R_TASK_OPCODES,
	R_TASK_OPCODE, R_OPCODES, R_OPCODE, R_KEYWORDS, R_KEYWORD, R_MAPS, R_MAP,
	R_MAPENTRY, R_TEMPLATES, R_TEMPLATE, R_DATA, R_STRUCT, R_PEVENTS, R_EVENT,
	R_LOCALIZATION, R_RESOURCES, R_STRINGTABLE, R_STRING
};

struct mparse {
	XML_Parser xp;
	etl_arena *tmp;          /* scratch: freed when parsing ends */
	etl_arena *out;          /* the store's arena: what schemas point to */
	etl_schemas *store;
	const char *name;
	int source;
	/* fatal error */
	bool failed;
	etl_status status;
	char msg[256];
	unsigned long line, col;
	/* warnings: the first one and how many */
	unsigned warnings;
	char warn[320];
	/* element stack */
	struct {
		uint8_t role;
		int item;        /* R_STRUCT: its item index */
		int sdepth;      /* struct nesting depth */
	} stack[MAX_XML_DEPTH];
	unsigned depth;
	size_t records;
	/* current records */
	struct ptrvec provs;
	struct mprov *prov;
	struct mtask *task;
	struct mmap *map;
	struct mtmpl *tmpl;
	/* string tables: the first <resources> and the en-US one */
	int nresources;
	bool res_first, res_enus, have_enus;
	struct smap str_first, str_enus;
	/* counters for the report */
	unsigned providers, events;
};

static void fail(struct mparse *P, etl_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct mparse *P, etl_status st, const char *fmt, ...)
{
	if (P->failed)
		return;
	P->failed = true;
	P->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(P->msg, sizeof(P->msg), fmt, ap);
	va_end(ap);
	P->line = XML_GetCurrentLineNumber(P->xp);
	P->col = XML_GetCurrentColumnNumber(P->xp) + 1;
	XML_StopParser(P->xp, XML_FALSE);
}

static void warn(struct mparse *P, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct mparse *P, int line, const char *fmt, ...)
{
	if (P->warnings++)
		return;
	char m[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(P->warn, sizeof(P->warn), "%s:%d: %s", P->name, line, m);
	else
		snprintf(P->warn, sizeof(P->warn), "%s: %s", P->name, m);
}

/* ---- reading the document ------------------------------------------------------- */

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static const char *att(const XML_Char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (strcmp(local_name(a[0]), name) == 0)
			return a[1];
	return NULL;
}

static const char *dup(struct mparse *P, const char *s)
{
	if (!s)
		return NULL;
	char *d = etl_arena_strdup(P->tmp, s);
	if (!d)
		fail(P, ETL_ERR_NOMEM, "out of memory");
	return d;
}

static void *record(struct mparse *P, size_t size)
{
	if (++P->records > MAX_RECORDS) {
		fail(P, ETL_ERR_LIMIT, "more than %zu manifest elements", MAX_RECORDS);
		return NULL;
	}
	void *r = etl_arena_alloc(P->tmp, size);
	if (!r)
		fail(P, ETL_ERR_NOMEM, "out of memory");
	return r;
}

static void push(struct mparse *P, struct ptrvec *v, void *e)
{
	if (e && !vec_push(P->tmp, v, e))
		fail(P, ETL_ERR_NOMEM, "out of memory");
}

static int child_role(int parent, const char *ln)
{
	switch (parent) {
	case R_NONE:
		if (!strcmp(ln, "events"))
			return R_EVENTS_ROOT;
		if (!strcmp(ln, "localization"))
			return R_LOCALIZATION;
		return R_NONE;
	case R_EVENTS_ROOT:
		return !strcmp(ln, "provider") ? R_PROVIDER : R_NONE;
	case R_PROVIDER:
		if (!strcmp(ln, "channels")) return R_CHANNELS;
		if (!strcmp(ln, "levels")) return R_LEVELS;
		if (!strcmp(ln, "tasks")) return R_TASKS;
		if (!strcmp(ln, "opcodes")) return R_OPCODES;
		if (!strcmp(ln, "keywords")) return R_KEYWORDS;
		if (!strcmp(ln, "maps")) return R_MAPS;
		if (!strcmp(ln, "templates")) return R_TEMPLATES;
		if (!strcmp(ln, "events")) return R_PEVENTS;
		return R_IGNORE;
	case R_CHANNELS:
		return !strcmp(ln, "channel") || !strcmp(ln, "importChannel") ? R_CHANNEL
		                                                                : R_IGNORE;
	case R_LEVELS:
		return !strcmp(ln, "level") ? R_LEVEL : R_IGNORE;
	case R_TASKS:
		return !strcmp(ln, "task") ? R_TASK : R_IGNORE;
	case R_TASK:
		return !strcmp(ln, "opcodes") ? R_TASK_OPCODES : R_IGNORE;
	case R_TASK_OPCODES:
		return !strcmp(ln, "opcode") ? R_TASK_OPCODE : R_IGNORE;
	case R_OPCODES:
		return !strcmp(ln, "opcode") ? R_OPCODE : R_IGNORE;
	case R_KEYWORDS:
		return !strcmp(ln, "keyword") ? R_KEYWORD : R_IGNORE;
	case R_MAPS:
		return !strcmp(ln, "valueMap") || !strcmp(ln, "bitMap") ? R_MAP : R_IGNORE;
	case R_MAP:
		return !strcmp(ln, "map") ? R_MAPENTRY : R_IGNORE;
	case R_TEMPLATES:
		return !strcmp(ln, "template") ? R_TEMPLATE : R_IGNORE;
	case R_TEMPLATE:
	case R_STRUCT:
		if (!strcmp(ln, "data")) return R_DATA;
		if (!strcmp(ln, "struct")) return R_STRUCT;
		return R_IGNORE;     /* UserData / EventData rendering blocks */
	case R_PEVENTS:
		return !strcmp(ln, "event") ? R_EVENT : R_IGNORE;
	case R_LOCALIZATION:
		return !strcmp(ln, "resources") ? R_RESOURCES : R_IGNORE;
	case R_RESOURCES:
		return !strcmp(ln, "stringTable") ? R_STRINGTABLE : R_IGNORE;
	case R_STRINGTABLE:
		return !strcmp(ln, "string") ? R_STRING : R_IGNORE;
	default:
		return R_IGNORE;
	}
}

static struct mnamed *named(struct mparse *P, const XML_Char **a, const char *valattr)
{
	struct mnamed *r = record(P, sizeof(*r));
	if (!r)
		return NULL;
	r->name = dup(P, att(a, "name"));
	r->message = dup(P, att(a, "message"));
	r->value = dup(P, att(a, valattr));
	r->line = (int)XML_GetCurrentLineNumber(P->xp);
	return r;
}

static void template_item(struct mparse *P, const XML_Char **a, bool is_struct)
{
	struct mtmpl *t = P->tmpl;
	unsigned d = P->depth - 1;          /* this element's stack slot */
	int parent = P->stack[d - 1].role == R_STRUCT ? P->stack[d - 1].item : -1;
	int sdepth = P->stack[d - 1].role == R_STRUCT ? P->stack[d - 1].sdepth : 0;
	int line = (int)XML_GetCurrentLineNumber(P->xp);
	if (!t || t->error)
		return;
	if (is_struct && sdepth + 1 > ETL_SCHEMA_MAX_DEPTH) {
		t->error = "structs nested too deeply";
		t->error_line = line;
		return;
	}
	if (t->items.n >= ETL_SCHEMA_MAX_PROPS) {
		t->error = "too many properties";
		t->error_line = line;
		return;
	}
	struct mitem *it = record(P, sizeof(*it));
	if (!it)
		return;
	it->name = dup(P, att(a, "name"));
	it->intype = dup(P, att(a, "inType"));
	it->outtype = dup(P, att(a, "outType"));
	it->map = dup(P, att(a, "map"));
	it->count = dup(P, att(a, "count"));
	it->length = dup(P, att(a, "length"));
	it->max = dup(P, att(a, "max"));
	it->is_struct = is_struct;
	it->parent = parent;
	it->line = line;
	if (it->outtype)
		t->has_outtype = true;
	if (is_struct) {
		t->has_struct = true;
		P->stack[d].item = (int)t->items.n;
		P->stack[d].sdepth = sdepth + 1;
	}
	push(P, &t->items, it);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct mparse *P = ud;
	if (P->failed)
		return;
	if (P->depth >= MAX_XML_DEPTH) {
		fail(P, ETL_ERR_LIMIT, "elements nested deeper than %d", MAX_XML_DEPTH);
		return;
	}
	const char *ln = local_name(name);
	int parent = P->depth ? P->stack[P->depth - 1].role : R_NONE;
	int role = child_role(parent, ln);
	P->stack[P->depth].role = (uint8_t)role;
	P->stack[P->depth].item = -1;
	P->stack[P->depth].sdepth = 0;
	P->depth++;

	struct mprov *pv = P->prov;
	switch (role) {
	case R_PROVIDER: {
		struct mprov *p = record(P, sizeof(*p));
		if (!p)
			return;
		p->name = dup(P, att(a, "name"));
		p->guid = dup(P, att(a, "guid"));
		p->message = dup(P, att(a, "message"));
		p->symbol = dup(P, att(a, "symbol"));
		/* `source` (Xml / Wbem, TDH's decoding source) is no manifest
		 * attribute: it marks a provider dumped from TDH's view, whose
		 * layouts are lossy (decoding.md §4.7.5) */
		p->dumped = att(a, "source") != NULL;
		p->line = (int)XML_GetCurrentLineNumber(P->xp);
		push(P, &P->provs, p);
		P->prov = p;
		break;
	}
	case R_CHANNEL: {
		struct mnamed *c = named(P, a, "value");
		if (!c)
			return;
		c->chid = dup(P, att(a, "chid"));
		c->imported = strcmp(ln, "importChannel") == 0;
		push(P, &pv->channels, c);
		break;
	}
	case R_LEVEL:
		push(P, &pv->levels, named(P, a, "value"));
		break;
	case R_OPCODE:
		push(P, &pv->opcodes, named(P, a, "value"));
		break;
	case R_KEYWORD:
		push(P, &pv->keywords, named(P, a, "mask"));
		break;
	case R_TASK: {
		struct mtask *t = record(P, sizeof(*t));
		if (!t)
			return;
		t->name = dup(P, att(a, "name"));
		t->message = dup(P, att(a, "message"));
		t->value = dup(P, att(a, "value"));
		t->guid = dup(P, att(a, "eventGUID"));
		t->line = (int)XML_GetCurrentLineNumber(P->xp);
		push(P, &pv->tasks, t);
		P->task = t;
		break;
	}
	case R_TASK_OPCODE:
		if (P->task)
			push(P, &P->task->opcodes, named(P, a, "value"));
		break;
	case R_MAP: {
		struct mmap *m = record(P, sizeof(*m));
		if (!m)
			return;
		m->name = dup(P, att(a, "name"));
		m->bitmap = strcmp(ln, "bitMap") == 0;
		m->line = (int)XML_GetCurrentLineNumber(P->xp);
		push(P, &pv->maps, m);
		P->map = m;
		break;
	}
	case R_MAPENTRY:
		if (!P->map)
			break;
		if (P->map->entries.n >= ETL_SCHEMA_MAX_MAP_ENTRIES) {
			P->map->truncated = true;
			break;
		}
		push(P, &P->map->entries, named(P, a, "value"));
		break;
	case R_TEMPLATE: {
		struct mtmpl *t = record(P, sizeof(*t));
		if (!t)
			return;
		t->tid = dup(P, att(a, "tid"));
		t->line = (int)XML_GetCurrentLineNumber(P->xp);
		push(P, &pv->templates, t);
		P->tmpl = t;
		break;
	}
	case R_DATA:
	case R_STRUCT:
		template_item(P, a, role == R_STRUCT);
		break;
	case R_EVENT: {
		struct mevent *e = record(P, sizeof(*e));
		if (!e)
			return;
		e->value = dup(P, att(a, "value"));
		e->version = dup(P, att(a, "version"));
		e->level = dup(P, att(a, "level"));
		e->task = dup(P, att(a, "task"));
		e->opcode = dup(P, att(a, "opcode"));
		e->keywords = dup(P, att(a, "keywords"));
		e->channel = dup(P, att(a, "channel"));
		e->tmpl = dup(P, att(a, "template"));
		e->message = dup(P, att(a, "message"));
		e->symbol = dup(P, att(a, "symbol"));
		e->name = dup(P, att(a, "name"));
		e->line = (int)XML_GetCurrentLineNumber(P->xp);
		push(P, &pv->events, e);
		break;
	}
	case R_RESOURCES: {
		const char *culture = att(a, "culture");
		P->nresources++;
		P->res_first = P->nresources == 1;
		P->res_enus = culture && strcasecmp(culture, "en-US") == 0 && !P->have_enus;
		if (P->res_enus)
			P->have_enus = true;
		break;
	}
	case R_STRING: {
		if (!P->res_first && !P->res_enus)
			break;
		const char *id = att(a, "id"), *value = att(a, "value");
		if (!id || !value)
			break;
		if (++P->records > MAX_RECORDS) {
			fail(P, ETL_ERR_LIMIT, "more than %zu manifest elements", MAX_RECORDS);
			return;
		}
		const char *k = dup(P, id), *v = dup(P, value);
		if (!k || !v)
			return;
		if ((P->res_first && !smap_put(P->tmp, &P->str_first, k, (void *)v, false)) ||
		    (P->res_enus && !smap_put(P->tmp, &P->str_enus, k, (void *)v, false)))
			fail(P, ETL_ERR_NOMEM, "out of memory");
		break;
	}
	default:
		break;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct mparse *P = ud;
	(void)name;
	if (!P->depth)
		return;
	switch (P->stack[--P->depth].role) {
	case R_PROVIDER: P->prov = NULL; break;
	case R_TASK: P->task = NULL; break;
	case R_MAP: P->map = NULL; break;
	case R_TEMPLATE: P->tmpl = NULL; break;
	case R_RESOURCES: P->res_first = P->res_enus = false; break;
	default: break;
	}
}

/* No manifest needs a DTD; refusing entity declarations outright rules out
 * entity-expansion bombs whatever the expat version. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *entity, int is_param,
                                   const XML_Char *value, int value_len,
                                   const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
	(void)is_param; (void)value; (void)value_len; (void)base;
	(void)system_id; (void)public_id; (void)notation;
	fail(ud, ETL_ERR_SCHEMA, "entity declaration '%s' refused", entity);
}

/* ---- resolving names -------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!s)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	uint64_t v = 0;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;       /* a bare "0x" (seen in real manifests) is 0 */
		for (; *p; p++) {
			int d;
			if (*p >= '0' && *p <= '9') d = *p - '0';
			else if (*p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
			else if (*p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
			else break;
			if (v >> 60)
				return false;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return false;
			v = v * 10 + (uint64_t)(*p - '0');
		}
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p)
		return false;
	*out = v;
	return true;
}

static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
	return parse_u64(s, out) && *out <= max;
}

/* "$(string.Id)" -> the string table's text; other text is literal. */
static const char *resolve_msg(struct mparse *P, const char *m)
{
	if (!m)
		return NULL;
	size_t n = strlen(m);
	if (n > 10 && strncmp(m, "$(string.", 9) == 0 && m[n - 1] == ')') {
		char *id = etl_arena_strndup(P->tmp, m + 9, n - 10);
		if (!id)
			return NULL;
		return smap_get(P->have_enus ? &P->str_enus : &P->str_first, id);
	}
	if (m[0] == '$' && m[1] == '(')
		return NULL;         /* other substitutions ($(mc.…)) are unknown */
	return m;
}

/* A trimmed copy in the store's arena (message-table strings end with a
 * space or CRLF). */
static const char *out_trim(struct mparse *P, const char *s)
{
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	             s[n - 1] == '\n'))
		n--;
	return etl_arena_strndup(P->out, s, n);
}

static const char *strip_win(const char *n)
{
	return n && strncmp(n, "win:", 4) == 0 ? n + 4 : n;
}

/* Display name: the resolved message (trimmed), else the name without its
 * win: prefix. */
static const char *display(struct mparse *P, const char *message, const char *name)
{
	const char *m = resolve_msg(P, message);
	if (m) {
		const char *t = out_trim(P, m);
		if (t && *t)
			return t;
	}
	return name ? out_trim(P, strip_win(name)) : NULL;
}

/* winmeta.xml predefined values (decoding.md §4.2) */
struct predef {
	const char *name;
	uint64_t value;
};

static const struct predef win_levels[] = {
	{ "win:LogAlways", 0 }, { "win:Always", 0 }, { "win:Critical", 1 },
	{ "win:Error", 2 }, { "win:Warning", 3 }, { "win:Informational", 4 },
	{ "win:Verbose", 5 }, { NULL, 0 }
};

static const struct predef win_opcodes[] = {
	{ "win:Info", 0 }, { "win:Start", 1 }, { "win:Stop", 2 },
	{ "win:DCStart", 3 }, { "win:DC_Start", 3 }, { "win:DCStop", 4 },
	{ "win:DC_Stop", 4 }, { "win:Extension", 5 }, { "win:Reply", 6 },
	{ "win:Resume", 7 }, { "win:Suspend", 8 }, { "win:Send", 9 },
	{ "win:Receive", 240 }, { NULL, 0 }
};

static const struct predef win_keywords[] = {
	{ "win:ResponseTime", 0x0001000000000000ULL },
	{ "win:WDIContext", 0x0002000000000000ULL },
	{ "win:WDIDiag", 0x0004000000000000ULL },
	{ "win:SQM", 0x0008000000000000ULL },
	{ "win:AuditFailure", 0x0010000000000000ULL },
	{ "win:CorrelationHint", 0x0010000000000000ULL },
	{ "win:AuditSuccess", 0x0020000000000000ULL },
	{ "win:CorrelationHint2", 0x0040000000000000ULL },
	{ "win:EventlogClassic", 0x0080000000000000ULL },
	{ NULL, 0 }
};

static const struct predef win_channels[] = {
	{ "TraceClassic", 0 }, { "System", 8 }, { "Application", 9 },
	{ "Security", 10 }, { "TraceLogging", 11 }, { "ProviderMetadata", 12 },
	{ NULL, 0 }
};

static const struct predef *find_predef(const struct predef *t, const char *name)
{
	if (!name)
		return NULL;
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0 || strcmp(strip_win(t->name), strip_win(name)) == 0)
			return t;
	return NULL;
}

/* ---- types (decoding.md §3.1, §3.2) ------------------------------------------------- */

enum { TK_PLAIN, TK_WCHAR, TK_COUNTED_NAME, TK_SID };

struct intype_name {
	const char *name;
	uint16_t in, out;        /* out: forced default, 0 = the in-type's default */
	uint8_t kind;
};

static const struct intype_name intypes[] = {
	{ "UnicodeString", ETL_IN_UNICODESTRING, 0, TK_PLAIN },
	{ "AnsiString", ETL_IN_ANSISTRING, 0, TK_PLAIN },
	{ "Int8", ETL_IN_INT8, 0, TK_PLAIN },
	{ "UInt8", ETL_IN_UINT8, 0, TK_PLAIN },
	{ "Int16", ETL_IN_INT16, 0, TK_PLAIN },
	{ "UInt16", ETL_IN_UINT16, 0, TK_PLAIN },
	{ "Int32", ETL_IN_INT32, 0, TK_PLAIN },
	{ "UInt32", ETL_IN_UINT32, 0, TK_PLAIN },
	{ "Int64", ETL_IN_INT64, 0, TK_PLAIN },
	{ "UInt64", ETL_IN_UINT64, 0, TK_PLAIN },
	{ "Float", ETL_IN_FLOAT, 0, TK_PLAIN },
	{ "Double", ETL_IN_DOUBLE, 0, TK_PLAIN },
	{ "Boolean", ETL_IN_BOOLEAN, 0, TK_PLAIN },
	{ "Binary", ETL_IN_BINARY, 0, TK_PLAIN },
	{ "GUID", ETL_IN_GUID, 0, TK_PLAIN },
	{ "Pointer", ETL_IN_POINTER, 0, TK_PLAIN },
	{ "FILETIME", ETL_IN_FILETIME, 0, TK_PLAIN },
	{ "SYSTEMTIME", ETL_IN_SYSTEMTIME, 0, TK_PLAIN },
	{ "SID", ETL_IN_SID, 0, TK_SID },
	{ "HexInt32", ETL_IN_HEXINT32, 0, TK_PLAIN },
	{ "HexInt64", ETL_IN_HEXINT64, 0, TK_PLAIN },
	{ "CountedUnicodeString", ETL_IN_COUNTEDSTRING, 0, TK_PLAIN },
	{ "CountedString", ETL_IN_COUNTEDSTRING, 0, TK_PLAIN },
	{ "CountedAnsiString", ETL_IN_COUNTEDANSISTRING, 0, TK_PLAIN },
	{ "CountedBinary", ETL_IN_COUNTEDBINARY, 0, TK_PLAIN },
	/* the dumps' names for 22/23, seen only on collapsed structs */
	{ "CountedUtf16String", ETL_IN_COUNTEDSTRING, 0, TK_COUNTED_NAME },
	{ "CountedMbcsString", ETL_IN_COUNTEDANSISTRING, 0, TK_COUNTED_NAME },
	/* MOF-flavoured names of the dumped manifests (decoding.md §3.1) */
	{ "SInt8", ETL_IN_INT8, 0, TK_PLAIN },
	{ "SInt16", ETL_IN_INT16, 0, TK_PLAIN },
	{ "SInt32", ETL_IN_INT32, 0, TK_PLAIN },
	{ "SInt64", ETL_IN_INT64, 0, TK_PLAIN },
	{ "WString", ETL_IN_UNICODESTRING, 0, TK_PLAIN },
	{ "String", ETL_IN_ANSISTRING, 0, TK_PLAIN },
	{ "WChar", ETL_IN_MOF_UNICODECHAR, 0, TK_WCHAR },
	{ "SizeT", ETL_IN_MOF_SIZET, 0, TK_PLAIN },
	{ "IPAddrV4", ETL_IN_UINT32, ETL_OUT_IPV4, TK_PLAIN },
	{ "IPAddr", ETL_IN_UINT32, ETL_OUT_IPV4, TK_PLAIN },
	{ "IPAddrV6", ETL_IN_X_IPV6, ETL_OUT_IPV6, TK_PLAIN },
	{ "Port", ETL_IN_UINT16, ETL_OUT_PORT, TK_PLAIN },
	{ NULL, 0, 0, 0 }
};

static const struct intype_name *find_intype(const char *qname)
{
	if (!qname)
		return NULL;
	const char *n = local_name(qname);
	for (const struct intype_name *t = intypes; t->name; t++)
		if (strcasecmp(t->name, n) == 0)
			return t;
	return NULL;
}

static const char *const outtype_names[] = {
	[ETL_OUT_STRING] = "string", [ETL_OUT_DATETIME] = "dateTime",
	[ETL_OUT_BYTE] = "byte", [ETL_OUT_UNSIGNEDBYTE] = "unsignedByte",
	[ETL_OUT_SHORT] = "short", [ETL_OUT_UNSIGNEDSHORT] = "unsignedShort",
	[ETL_OUT_INT] = "int", [ETL_OUT_UNSIGNEDINT] = "unsignedInt",
	[ETL_OUT_LONG] = "long", [ETL_OUT_UNSIGNEDLONG] = "unsignedLong",
	[ETL_OUT_FLOAT] = "float", [ETL_OUT_DOUBLE] = "double",
	[ETL_OUT_BOOLEAN] = "boolean", [ETL_OUT_GUID] = "GUID",
	[ETL_OUT_HEXBINARY] = "hexBinary", [ETL_OUT_HEXINT8] = "HexInt8",
	[ETL_OUT_HEXINT16] = "HexInt16", [ETL_OUT_HEXINT32] = "HexInt32",
	[ETL_OUT_HEXINT64] = "HexInt64", [ETL_OUT_PID] = "PID", [ETL_OUT_TID] = "TID",
	[ETL_OUT_PORT] = "Port", [ETL_OUT_IPV4] = "IPv4", [ETL_OUT_IPV6] = "IPv6",
	[ETL_OUT_SOCKETADDRESS] = "SocketAddress",
	[ETL_OUT_CIMDATETIME] = "CIMDateTime", [ETL_OUT_ETWTIME] = "ETWTIME",
	[ETL_OUT_XML] = "Xml", [ETL_OUT_ERRORCODE] = "ErrorCode",
	[ETL_OUT_WIN32ERROR] = "Win32Error", [ETL_OUT_NTSTATUS] = "NTSTATUS",
	[ETL_OUT_HRESULT] = "HResult",
	[ETL_OUT_CULTURE_INSENSITIVE_DATETIME] = "DateTimeCultureInsensitive",
	[ETL_OUT_JSON] = "Json", [ETL_OUT_UTF8] = "Utf8",
	[ETL_OUT_PKCS7] = "Pkcs7WithTypeInfo", [ETL_OUT_CODE_POINTER] = "CodePointer",
	[ETL_OUT_DATETIME_UTC] = "DateTimeUtc",
};

static uint16_t find_outtype(const char *qname)
{
	if (!qname)
		return ETL_OUT_NULL;
	const char *n = local_name(qname);
	for (size_t i = 1; i < sizeof(outtype_names) / sizeof(outtype_names[0]); i++)
		if (outtype_names[i] && strcasecmp(outtype_names[i], n) == 0)
			return (uint16_t)i;
	return ETL_OUT_NULL;
}

/* The out-type TDH resolves when a manifest gives none (decoding.md §3.1). */
static uint16_t default_outtype(uint16_t in)
{
	switch (in) {
	case ETL_IN_UNICODESTRING: case ETL_IN_ANSISTRING:
	case ETL_IN_COUNTEDSTRING: case ETL_IN_COUNTEDANSISTRING:
	case ETL_IN_SID: case ETL_IN_MOF_WBEMSID:
	case ETL_IN_MOF_UNICODECHAR: case ETL_IN_MOF_ANSICHAR:
	case ETL_IN_MOF_COUNTEDSTRING: case ETL_IN_MOF_COUNTEDANSISTRING:
	case ETL_IN_MOF_REVCOUNTEDSTRING: case ETL_IN_MOF_REVCOUNTEDANSISTRING:
	case ETL_IN_MOF_NONNULLSTRING: case ETL_IN_MOF_NONNULLANSISTRING:
		return ETL_OUT_STRING;
	case ETL_IN_INT8: return ETL_OUT_BYTE;
	case ETL_IN_UINT8: return ETL_OUT_UNSIGNEDBYTE;
	case ETL_IN_INT16: return ETL_OUT_SHORT;
	case ETL_IN_UINT16: return ETL_OUT_UNSIGNEDSHORT;
	case ETL_IN_INT32: return ETL_OUT_INT;
	case ETL_IN_UINT32: return ETL_OUT_UNSIGNEDINT;
	case ETL_IN_INT64: return ETL_OUT_LONG;
	case ETL_IN_UINT64: return ETL_OUT_UNSIGNEDLONG;
	case ETL_IN_FLOAT: return ETL_OUT_FLOAT;
	case ETL_IN_DOUBLE: return ETL_OUT_DOUBLE;
	case ETL_IN_BOOLEAN: return ETL_OUT_BOOLEAN;
	case ETL_IN_BINARY: case ETL_IN_COUNTEDBINARY: case ETL_IN_MOF_HEXDUMP:
		return ETL_OUT_HEXBINARY;
	case ETL_IN_GUID: return ETL_OUT_GUID;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: case ETL_IN_HEXINT64:
		return ETL_OUT_HEXINT64;
	case ETL_IN_FILETIME: case ETL_IN_SYSTEMTIME: return ETL_OUT_DATETIME;
	case ETL_IN_HEXINT32: return ETL_OUT_HEXINT32;
	case ETL_IN_X_IPV6: return ETL_OUT_IPV6;
	default: return ETL_OUT_NULL;
	}
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* count/length/max: a number, or the name of an earlier data item */
static bool is_ref(const char *v)
{
	uint64_t dummy;
	return v && !parse_u64(v, &dummy);
}

/* ---- compiling -------------------------------------------------------------------- */

static const etl_map *compile_map(struct mparse *P, struct mmap *m)
{
	if (m->done)
		return m->compiled;
	m->done = true;
	size_t n = m->entries.n;
	etl_map *map = etl_arena_alloc(P->out, sizeof(*map));
	etl_map_entry *e = n ? etl_arena_alloc(P->out, n * sizeof(*e)) : NULL;
	if (!map || (n && !e)) {
		fail(P, ETL_ERR_NOMEM, "out of memory");
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct mnamed *en = m->entries.p[i];
		uint64_t v;
		if (!parse_u64(en->value, &v)) {
			warn(P, en->line, "map '%s': bad value '%s'", m->name ? m->name : "",
			     en->value ? en->value : "");
			continue;
		}
		const char *name = display(P, en->message, NULL);
		if (!name || !*name)
			continue;   /* an entry without text renders as the number */
		e[k].value = v;
		e[k].name = name;
		k++;
	}
	if (!m->bitmap && k > 1) {
		/* insertion sort keeps declaration order among equal values (the
		 * first one wins); maps are small */
		for (size_t i = 1; i < k; i++) {
			etl_map_entry x = e[i];
			size_t j = i;
			while (j > 0 && e[j - 1].value > x.value) {
				e[j] = e[j - 1];
				j--;
			}
			e[j] = x;
		}
		size_t w = 1;
		for (size_t i = 1; i < k; i++)
			if (e[i].value != e[w - 1].value)
				e[w++] = e[i];
		k = w;
	}
	if (m->truncated)
		warn(P, m->line, "map '%s': more than %d entries, the rest ignored",
		     m->name ? m->name : "", ETL_SCHEMA_MAX_MAP_ENTRIES);
	map->name = out_trim(P, m->name);
	map->kind = m->bitmap ? ETL_MAP_BITMAP : ETL_MAP_VALUE;
	map->count = (uint32_t)k;
	map->entries = e;
	m->compiled = map;
	return map;
}

struct layout {
	int *first_child, *next_sibling, *flat;
	int next;
};

/* Flat property order of TDH (decoding.md §4.4): a list's items take
 * consecutive indices, then each struct's members follow as one block. */
static void lay_out(struct layout *L, int first, int depth)
{
	if (depth > ETL_SCHEMA_MAX_DEPTH + 1)
		return;          /* bounded at parse time; belt and braces */
	for (int i = first; i >= 0; i = L->next_sibling[i])
		L->flat[i] = L->next++;
	for (int i = first; i >= 0; i = L->next_sibling[i])
		if (L->first_child[i] >= 0)
			lay_out(L, L->first_child[i], depth + 1);
}

static void tmpl_error(struct mparse *P, struct mtmpl *t, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void tmpl_error(struct mparse *P, struct mtmpl *t, int line, const char *fmt, ...)
{
	char m[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	warn(P, line, "template '%s': %s", t->tid ? t->tid : "", m);
	t->ok = false;
}

/* The name without blanks: the dumps write references as "SHA1 Hash Size"
 * to a data item named "SHA1HashSize". */
static const char *squeeze(etl_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *d = etl_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			d[k++] = s[i];
	d[k] = 0;
	return d;
}

/* Resolves a count/length/max reference: the index of the nearest earlier
 * data item of that name (which may lie outside the current struct), or -1. */
static int ref_index(etl_arena *a, struct smap *names, struct smap *squeezed,
                     const char *ref)
{
	void *v = smap_get(names, ref);
	if (!v) {
		const char *q = squeeze(a, ref);
		v = q ? smap_get(squeezed, q) : NULL;
	}
	return v ? (int)(intptr_t)v - 1 : -1;
}

struct pctx {                       /* lookups of one provider */
	struct smap channels, channels_by_name, levels, tasks, opcodes, keywords, maps,
	            templates;
	bool mof;                   /* a "Windows Kernel" dump: MOF classes */
	bool dumped;                /* from a lossy TDH dump */
	etl_guid guid;
	const char *display;
};

/* Fields that published manifests declare as UInt32 but whose producers write
 * pointer-sized values: Microsoft-Windows-Kernel-Network's connection id is the
 * kernel's connection pointer, as in the classic TcpIp/UdpIp classes
 * (decoding.md §4.6, §5.2); the manifest shipped for Windows 7 and the
 * dumped one both say UInt32, and 64-bit traces carry 8 bytes. */
static const struct {
	etl_guid provider;
	const char *name;
} pointer_corrections[] = {
	{ { 0x7dd42a49, 0x5329, 0x4832, { 0x8d, 0xfd, 0x43, 0xd9, 0x79, 0x15, 0x3a, 0x88 } }, "connid" },
};

static bool is_pointer_correction(const etl_guid *provider, const char *name, uint16_t in)
{
	if (!name || (in != ETL_IN_UINT32 && in != ETL_IN_HEXINT32))
		return false;
	for (size_t i = 0; i < sizeof pointer_corrections / sizeof pointer_corrections[0]; i++)
		if (etl_guid_equal(provider, &pointer_corrections[i].provider) &&
		    !strcmp(name, pointer_corrections[i].name))
			return true;
	return false;
}

static void compile_template(struct mparse *P, struct pctx *C, struct mtmpl *t)
{
	t->done = true;
	t->ok = true;
	t->stop_after = -1;
	if (t->error) {
		tmpl_error(P, t, t->error_line, "%s", t->error);
		return;
	}
	int n = (int)t->items.n;
	if (n == 0)
		return;
	struct mitem **it = (struct mitem **)t->items.p;
	struct layout L = { 0 };
	L.first_child = etl_arena_alloc(P->tmp, (size_t)n * sizeof(int));
	L.next_sibling = etl_arena_alloc(P->tmp, (size_t)n * sizeof(int));
	L.flat = etl_arena_alloc(P->tmp, (size_t)n * sizeof(int));
	int *last_child = etl_arena_alloc(P->tmp, (size_t)n * sizeof(int));
	etl_prop *props = etl_arena_alloc(P->out, (size_t)n * sizeof(*props));
	if (!L.first_child || !L.next_sibling || !L.flat || !last_child || !props) {
		fail(P, ETL_ERR_NOMEM, "out of memory");
		t->ok = false;
		return;
	}
	int top_first = -1, top_last = -1, ntop = 0;
	for (int i = 0; i < n; i++)
		L.first_child[i] = L.next_sibling[i] = last_child[i] = -1;
	for (int i = 0; i < n; i++) {
		int p = it[i]->parent;
		if (p < 0) {
			if (top_last >= 0)
				L.next_sibling[top_last] = i;
			else
				top_first = i;
			top_last = i;
			ntop++;
		} else {
			if (last_child[p] >= 0)
				L.next_sibling[last_child[p]] = i;
			else
				L.first_child[p] = i;
			last_child[p] = i;
		}
	}
	lay_out(&L, top_first, 0);

	/* top-level position of each item's outermost ancestor */
	int *top_of = last_child;      /* reuse */
	for (int i = 0; i < n; i++)
		top_of[i] = it[i]->parent < 0 ? L.flat[i] : top_of[it[i]->parent];

	/* top-level arrays counted by reference, per in-type: two of one type
	 * are genuine arrays, not a collapsed struct (see below) */
	enum { NTYPES = sizeof(intypes) / sizeof(intypes[0]) };
	uint16_t ref_arrays[NTYPES] = { 0 };
	for (int i = 0; i < n; i++) {
		const struct intype_name *ti = find_intype(it[i]->intype);
		if (ti && it[i]->parent < 0 && is_ref(it[i]->count))
			ref_arrays[ti - intypes]++;
	}

	struct smap names = { 0 }, squeezed = { 0 };
	int stop = -1;
	for (int i = 0; i < n && t->ok; i++) {
		struct mitem *m = it[i];
		etl_prop *p = &props[L.flat[i]];
		p->name = out_trim(P, m->name ? m->name : "");
		p->count = 1;
		bool collapsed = false;

		if (m->is_struct) {
			p->flags = ETL_PF_STRUCT;
			p->in_type = ETL_IN_STRUCT;
			int c = L.first_child[i];
			p->struct_start = (uint16_t)(c >= 0 ? L.flat[c] : 0);
			uint16_t cnt = 0;
			for (; c >= 0; c = L.next_sibling[c])
				cnt++;
			p->struct_count = cnt;
			if (!cnt) {
				tmpl_error(P, t, m->line, "struct '%s' has no members",
				           m->name ? m->name : "");
				break;
			}
		} else {
			const struct intype_name *ti = find_intype(m->intype);
			if (!ti || all_digits(local_name(m->intype ? m->intype : ""))) {
				/* a struct start index in place of an in-type (lossy
				 * dumps) or an unknown type: nothing after it can be
				 * located */
				collapsed = true;
				p->in_type = ETL_IN_NULL;
			} else {
				p->in_type = ti->in;
				p->out_type = ti->out;
				if (ti->kind == TK_SID && C->mof)
					p->in_type = ETL_IN_MOF_WBEMSID;
				if (ti->kind == TK_COUNTED_NAME && is_ref(m->count))
					collapsed = true;
				/* the collapsed struct of a dump whose start index is
				 * a real type's code: it equals the number of top-level
				 * fields (members come right after them) and carries a
				 * count reference; real manifests, and dumps of
				 * genuine arrays, rarely match all of it */
				if (m->parent < 0 && !t->has_struct && !t->has_outtype &&
				    ti->in == ntop && is_ref(m->count) &&
				    ref_arrays[ti - intypes] == 1)
					collapsed = true;
				if (collapsed)
					p->in_type = ETL_IN_NULL;
			}
			if (m->outtype) {
				uint16_t o = find_outtype(m->outtype);
				if (o)
					p->out_type = o;
			}
			if (!collapsed && is_pointer_correction(&C->guid, m->name, p->in_type)) {
				p->in_type = ETL_IN_POINTER;
				p->out_type = ETL_OUT_HEXINT64;
			}
			if (!p->out_type)
				p->out_type = default_outtype(p->in_type);
		}
		if (collapsed) {
			if (stop < 0 || top_of[i] < stop)
				stop = top_of[i];
		}

		/* count, length, and the dumps' max (fixed arrays / strings) */
		const char *cnt = m->count, *len = m->length;
		if (m->max && !m->is_struct && !collapsed) {
			if (p->in_type == ETL_IN_MOF_UNICODECHAR) {
				p->in_type = ETL_IN_UNICODESTRING;   /* char16 Name[N] */
				p->out_type = ETL_OUT_STRING;
				len = m->max;
			} else if (p->in_type == ETL_IN_BINARY) {
				len = m->max;
			} else {
				cnt = m->max;
			}
		}
		if (cnt && !collapsed) {
			uint64_t v;
			if (parse_u64(cnt, &v)) {
				if (v > UINT16_MAX) {
					tmpl_error(P, t, m->line, "count %s of '%s' is too large",
					           cnt, m->name ? m->name : "");
					break;
				}
				p->count = (uint16_t)v;
				p->flags |= ETL_PF_FIXED_COUNT;
			} else {
				int r = ref_index(P->tmp, &names, &squeezed, cnt);
				if (r < 0 || it[r]->is_struct) {
					tmpl_error(P, t, m->line,
					           "count '%s' of '%s' names no earlier data item",
					           cnt, m->name ? m->name : "");
					break;
				}
				p->count = (uint16_t)L.flat[r];
				p->flags |= ETL_PF_PARAM_COUNT;
			}
		}
		if (len && !m->is_struct && !collapsed) {
			uint64_t v;
			if (parse_u64(len, &v)) {
				if (v > UINT16_MAX) {
					tmpl_error(P, t, m->line, "length %s of '%s' is too large",
					           len, m->name ? m->name : "");
					break;
				}
				p->length = (uint16_t)v;
				p->flags |= ETL_PF_FIXED_LENGTH;
			} else {
				int r = ref_index(P->tmp, &names, &squeezed, len);
				if (r < 0 || it[r]->is_struct) {
					tmpl_error(P, t, m->line,
					           "length '%s' of '%s' names no earlier data item",
					           len, m->name ? m->name : "");
					break;
				}
				p->length = (uint16_t)L.flat[r];
				p->flags |= ETL_PF_PARAM_LENGTH;
			}
		}
		if (p->in_type == ETL_IN_X_IPV6 && !(p->flags & ETL_PF_PARAM_LENGTH))
			p->length = 16;
		if (m->map && !m->is_struct) {
			struct mmap *mm = smap_get(&C->maps, m->map);
			if (mm)
				p->map = compile_map(P, mm);
		}
		if (!p->name) {
			fail(P, ETL_ERR_NOMEM, "out of memory");
			t->ok = false;
			break;
		}
		if (m->name) {
			const char *q = squeeze(P->tmp, m->name);
			if (!q || !smap_put(P->tmp, &names, m->name, (void *)(intptr_t)(i + 1), true) ||
			    !smap_put(P->tmp, &squeezed, q, (void *)(intptr_t)(i + 1), true)) {
				fail(P, ETL_ERR_NOMEM, "out of memory");
				t->ok = false;
			}
		}
	}
	if (!t->ok)
		return;
	t->props = props;
	t->nprops = (uint16_t)n;
	t->ntop = (uint16_t)ntop;
	t->stop_after = stop;
}

/* ---- registering a provider ---------------------------------------------------------- */

static bool resolve_named(struct mparse *P, struct mnamed *r, uint64_t max)
{
	if (r->done)
		return r->ok;
	r->done = true;
	r->ok = parse_num(r->value, max, &r->num);
	if (!r->ok) {
		warn(P, r->line, "'%s': bad value '%s'", r->name ? r->name : "",
		     r->value ? r->value : "");
		return false;
	}
	r->disp = display(P, r->message, r->name);
	return true;
}

static bool resolve_task(struct mparse *P, struct mtask *t)
{
	if (t->done)
		return t->ok;
	t->done = true;
	uint64_t v;
	t->ok = parse_num(t->value, UINT16_MAX, &v);
	if (!t->ok) {
		warn(P, t->line, "task '%s': bad value '%s'", t->name ? t->name : "",
		     t->value ? t->value : "");
		return false;
	}
	t->num = (uint16_t)v;
	if (t->guid && etl_guid_parse(t->guid, &t->event_guid) != 0) {
		warn(P, t->line, "task '%s': bad eventGUID '%s'", t->name ? t->name : "", t->guid);
		memset(&t->event_guid, 0, sizeof(t->event_guid));
	}
	t->disp = display(P, t->message, t->name);
	return true;
}

static bool build_lookups(struct mparse *P, struct mprov *pv, struct pctx *C)
{
	etl_arena *a = P->tmp;
	bool ok = true;
	/* channel values: given, else 16, 17, ... in declaration order,
	 * skipping values already taken */
	bool used[256] = { false };
	for (size_t i = 0; i < pv->channels.n; i++) {
		struct mnamed *c = pv->channels.p[i];
		uint64_t v;
		if (c->value && parse_num(c->value, 255, &v))
			used[v] = true;
	}
	int next = 16, decl = 0;
	for (size_t i = 0; i < pv->channels.n; i++) {
		struct mnamed *c = pv->channels.p[i];
		c->done = true;
		c->decl = c->imported ? -1 : decl++;
		const struct predef *pd = c->imported ? find_predef(win_channels, c->name) : NULL;
		if (c->value) {
			c->ok = parse_num(c->value, 255, &c->num);
			if (!c->ok)
				warn(P, c->line, "channel '%s': bad value '%s'",
				     c->chid ? c->chid : "", c->value);
		} else if (pd) {
			c->num = pd->value;
			c->ok = true;
		} else if (!c->imported) {
			while (next < 256 && used[next])
				next++;
			c->ok = next < 256;
			c->num = (uint64_t)next;
			if (c->ok)
				used[next++] = true;
		}
		if (!c->ok)
			continue;
		c->disp = c->imported ? out_trim(P, c->name) : display(P, c->message, c->name);
		if (!c->disp)
			c->disp = out_trim(P, c->chid);
		ok = ok && smap_put(a, &C->channels, c->chid, c, false) &&
		     smap_put(a, &C->channels_by_name, c->name, c, false);
	}
	for (size_t i = 0; i < pv->levels.n; i++) {
		struct mnamed *r = pv->levels.p[i];
		ok = ok && smap_put(a, &C->levels, r->name, r, false);
	}
	for (size_t i = 0; i < pv->tasks.n; i++) {
		struct mtask *r = pv->tasks.p[i];
		ok = ok && smap_put(a, &C->tasks, r->name, r, false);
	}
	for (size_t i = 0; i < pv->opcodes.n; i++) {
		struct mnamed *r = pv->opcodes.p[i];
		ok = ok && smap_put(a, &C->opcodes, r->name, r, false);
	}
	for (size_t i = 0; i < pv->keywords.n; i++) {
		struct mnamed *r = pv->keywords.p[i];
		ok = ok && smap_put(a, &C->keywords, r->name, r, false);
	}
	for (size_t i = 0; i < pv->maps.n; i++) {
		struct mmap *r = pv->maps.p[i];
		ok = ok && smap_put(a, &C->maps, r->name, r, false);
	}
	for (size_t i = 0; i < pv->templates.n; i++) {
		struct mtmpl *r = pv->templates.p[i];
		ok = ok && smap_put(a, &C->templates, r->tid, r, false);
	}
	if (!ok)
		fail(P, ETL_ERR_NOMEM, "out of memory");
	return ok;
}

/* "Task" alone for opcode 0 or an unnamed opcode, "Task/Opcode" otherwise;
 * without a task the symbol, else "EventID(N)" (decoding.md §4.3). */
static const char *compose_name(struct mparse *P, const char *task, const char *opcode,
                                uint8_t opcode_value, const char *symbol, uint16_t id,
                                bool mof)
{
	char buf[64];
	if (task && *task) {
		if (opcode && *opcode && (opcode_value != 0 || mof)) {
			size_t a = strlen(task), b = strlen(opcode);
			char *r = etl_arena_alloc(P->out, a + b + 2);
			if (r) {
				memcpy(r, task, a);
				r[a] = '/';
				memcpy(r + a + 1, opcode, b + 1);
			}
			return r;
		}
		return task;
	}
	if (symbol && *symbol)
		return out_trim(P, symbol);
	snprintf(buf, sizeof(buf), "EventID(%u)", (unsigned)id);
	return etl_arena_strdup(P->out, buf);
}

/* The dumps name some tasks "task_N" in events while the task element is
 * called otherwise (PowerShell: task "None" value 0, events task="task_0"). */
static struct mtask *task_by_synthetic_name(struct mparse *P, struct mprov *pv,
                                            const char *name)
{
	uint64_t v;
	if (strncmp(name, "task_", 5) != 0 || !all_digits(name + 5) ||
	    !parse_num(name + 5, UINT16_MAX, &v))
		return NULL;
	for (size_t i = 0; i < pv->tasks.n; i++) {
		struct mtask *t = pv->tasks.p[i];
		if (resolve_task(P, t) && t->num == v)
			return t;
	}
	return NULL;
}

static void register_event(struct mparse *P, struct mprov *pv, struct pctx *C,
                           struct mevent *e)
{
	etl_schema sc;
	memset(&sc, 0, sizeof(sc));
	sc.provider = C->guid;
	sc.provider_name = C->display;
	sc.source = (uint8_t)(C->mof ? ETL_SRC_MOF : P->source);
	if (C->dumped)
		sc.flags |= ETL_SF_DUMPED;

	uint64_t value, version = 0;
	if (!parse_num(e->value, C->mof ? 255 : UINT16_MAX, &value)) {
		warn(P, e->line, C->mof ? "MOF event type '%s' is not a number below 256"
		                        : "event value '%s' is not a number below 65536",
		     e->value ? e->value : "");
		return;
	}
	if (e->version && !parse_num(e->version, 255, &version)) {
		warn(P, e->line, "event %s: bad version '%s'", e->value, e->version);
		return;
	}
	sc.version = (uint8_t)version;

	/* template */
	struct mtmpl *t = NULL;
	if (e->tmpl) {
		t = smap_get(&C->templates, e->tmpl);
		if (!t) {
			warn(P, e->line, "event %s v%u: unknown template '%s'", e->value,
			     (unsigned)version, e->tmpl);
			return;
		}
		if (!t->done)
			compile_template(P, C, t);
		if (!t->ok) {
			warn(P, e->line, "event %s v%u skipped: template '%s' is unusable",
			     e->value, (unsigned)version, e->tmpl);
			return;
		}
		sc.props = t->props;
		sc.prop_count = t->nprops;
		sc.top_count = t->ntop;
		if (t->stop_after >= 0) {
			sc.flags |= ETL_SF_STOP_AFTER;
			sc.stop_after = (uint16_t)t->stop_after;
		}
	}

	if (C->mof) {
		/* a "Windows Kernel" dump: MOF class = the file's provider GUID,
		 * event value = MOF event type, task = class, opcode = type name */
		sc.opcode = (uint8_t)value;
		sc.event_guid = C->guid;
		sc.flags |= ETL_SF_DUMPED;
		sc.task_name = out_trim(P, e->task);
		sc.opcode_name = out_trim(P, strip_win(e->opcode));
		sc.event_name = e->name ? out_trim(P, e->name)
		                        : compose_name(P, sc.task_name, sc.opcode_name,
		                                       sc.opcode, e->symbol, 0, true);
		sc.message = out_trim(P, resolve_msg(P, e->message));
		etl_status pst = etl_schemas_put(P->store, &sc);
		if (pst != ETL_OK)
			fail(P, pst, "%s", etl_schemas_errmsg(P->store));
		else
			P->events++;
		return;
	}
	sc.id = (uint16_t)value;

	/* task */
	struct mtask *task = NULL;
	if (e->task) {
		task = smap_get(&C->tasks, e->task);
		if (!task)
			task = task_by_synthetic_name(P, pv, e->task);
		if (task && !resolve_task(P, task))
			task = NULL;
		if (task) {
			sc.task = task->num;
			sc.event_guid = task->event_guid;
			sc.task_name = task->disp;
		} else if (strcmp(strip_win(e->task), "None") != 0) {
			warn(P, e->line, "event %s v%u: unknown task '%s'", e->value,
			     (unsigned)version, e->task);
			sc.task_name = out_trim(P, strip_win(e->task));
		}
	}
	/* opcode: the task's own, the provider's, then winmeta's */
	if (e->opcode) {
		struct mnamed *op = NULL;
		if (task)
			for (size_t i = 0; i < task->opcodes.n && !op; i++) {
				struct mnamed *c = task->opcodes.p[i];
				if (c->name && strcmp(c->name, e->opcode) == 0)
					op = c;
			}
		if (!op)
			op = smap_get(&C->opcodes, e->opcode);
		if (op && resolve_named(P, op, 255)) {
			sc.opcode = (uint8_t)op->num;
			sc.opcode_name = op->disp;
		} else {
			const struct predef *pd = find_predef(win_opcodes, e->opcode);
			if (pd) {
				sc.opcode = (uint8_t)pd->value;
				sc.opcode_name = out_trim(P, strip_win(pd->name));
			} else {
				warn(P, e->line, "event %s v%u: unknown opcode '%s'", e->value,
				     (unsigned)version, e->opcode);
				sc.opcode_name = out_trim(P, strip_win(e->opcode));
			}
		}
	}
	/* level */
	if (e->level) {
		struct mnamed *lv = smap_get(&C->levels, e->level);
		if (lv && resolve_named(P, lv, 255)) {
			sc.level = (uint8_t)lv->num;
			sc.level_name = lv->disp;
		} else {
			const struct predef *pd = find_predef(win_levels, e->level);
			if (pd) {
				sc.level = (uint8_t)pd->value;
				sc.level_name = out_trim(P, strip_win(pd->name));
			} else {
				warn(P, e->line, "event %s v%u: unknown level '%s'", e->value,
				     (unsigned)version, e->level);
			}
		}
	}
	/* channel: a chid (or name) of this provider, else a standard channel */
	if (e->channel) {
		struct mnamed *ch = smap_get(&C->channels, e->channel);
		if (!ch)
			ch = smap_get(&C->channels_by_name, e->channel);
		if (ch && ch->ok) {
			sc.channel = (uint8_t)ch->num;
			sc.channel_name = ch->disp;
			/* the i-th declared channel sets keyword bit 63 - i (§4.2) */
			if (ch->decl >= 0 && ch->decl < 8)
				sc.keywords |= (uint64_t)1 << (63 - ch->decl);
		} else {
			const struct predef *pd = find_predef(win_channels, e->channel);
			if (pd) {
				sc.channel = (uint8_t)pd->value;
				sc.channel_name = out_trim(P, pd->name);
			} else {
				warn(P, e->line, "event %s v%u: unknown channel '%s'", e->value,
				     (unsigned)version, e->channel);
			}
		}
	}
	/* keywords: space-separated names, unknown ones ignored */
	if (e->keywords) {
		etl_strbuf names = { 0 };
		const char *k = e->keywords;
		while (*k) {
			while (*k == ' ' || *k == '\t' || *k == '\r' || *k == '\n')
				k++;
			const char *s = k;
			while (*k && *k != ' ' && *k != '\t' && *k != '\r' && *k != '\n')
				k++;
			if (k == s)
				break;
			char *kn = etl_arena_strndup(P->tmp, s, (size_t)(k - s));
			if (!kn)
				break;
			struct mnamed *kw = smap_get(&C->keywords, kn);
			uint64_t mask = 0;
			const char *nm = NULL;
			if (kw && parse_num(kw->value, UINT64_MAX, &mask)) {
				nm = strip_win(kw->name);
			} else {
				const struct predef *pd = find_predef(win_keywords, kn);
				if (pd) {
					mask = pd->value;
					nm = strip_win(pd->name);
				}
			}
			if (!nm)
				continue;
			sc.keywords |= mask;
			if (names.len)
				etl_strbuf_putc(&names, '|');
			etl_strbuf_puts(&names, nm);
		}
		if (names.len && !names.failed)
			sc.keywords_name = etl_arena_strdup(P->out, names.p);
		etl_strbuf_free(&names);
	}
	sc.message = out_trim(P, resolve_msg(P, e->message));
	sc.event_name = e->name ? out_trim(P, e->name)
	                        : compose_name(P, sc.task_name, sc.opcode_name, sc.opcode,
	                                       e->symbol, sc.id, false);
	etl_status pst = etl_schemas_put(P->store, &sc);
	if (pst != ETL_OK)
		fail(P, pst, "%s", etl_schemas_errmsg(P->store));
	else
		P->events++;
}

static void register_provider(struct mparse *P, struct mprov *pv)
{
	struct pctx C;
	memset(&C, 0, sizeof(C));
	if (!pv->guid || etl_guid_parse(pv->guid, &C.guid) != 0) {
		warn(P, pv->line, "provider '%s': missing or bad guid '%s'",
		     pv->name ? pv->name : "", pv->guid ? pv->guid : "");
		return;
	}
	P->providers++;
	/* the dumped MOF classes (decoding.md §4.7.5) */
	C.mof = pv->name && strcasecmp(pv->name, "Windows Kernel") == 0;
	C.dumped = pv->dumped;
	C.display = display(P, pv->message, pv->name);
	if (C.display)
		etl_schemas_set_provider_name(P->store, &C.guid, C.display);
	if (!build_lookups(P, pv, &C))
		return;
	for (size_t i = 0; i < pv->events.n && !P->failed; i++)
		register_event(P, pv, &C, pv->events.p[i]);
}

/* ---- entry point ------------------------------------------------------------------------ */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does the quote at x[i] end an attribute value?  Only when what follows is
 * the end of the tag or another attribute ("name ="). */
static bool closes_value(const char *x, size_t n, size_t i)
{
	size_t j = i + 1;
	while (j < n && blank(x[j]))
		j++;
	if (j >= n || x[j] == '/' || x[j] == '>' || x[j] == '?')
		return true;
	if (j == i + 1)
		return false;         /* attributes are separated by blanks */
	size_t k = j;
	while (k < n && (x[k] == '_' || x[k] == ':' || x[k] == '-' || x[k] == '.' ||
	                 (x[k] >= 'a' && x[k] <= 'z') || (x[k] >= 'A' && x[k] <= 'Z') ||
	                 (x[k] >= '0' && x[k] <= '9')))
		k++;
	if (k == j)
		return false;
	while (k < n && blank(x[k]))
		k++;
	return k < n && x[k] == '=';
}

/* Some dumped manifests (4 of the 841 in the corpus) carry a raw '<' or raw
 * quotes inside attribute values, e.g.
 *   message="$(string.map_PolicyProcessingModeMap"No loopback mode")"
 * which no XML parser accepts.  This rewrites such values (&lt;, &quot;) so
 * the provider is not lost; the caller reports that it did.  NULL when the
 * result would be unreasonable. */
static char *repair_attributes(const char *x, size_t n, size_t *outlen)
{
	etl_strbuf b = { 0 };
	enum { TEXT, TAG, VALUE } st = TEXT;
	char q = 0;
	etl_strbuf_reserve(&b, n + n / 8 + 64);
	for (size_t i = 0; i < n && !b.failed; i++) {
		char c = x[i];
		if (b.len > 2 * MAX_DOCUMENT)
			break;
		if (st == TEXT && c == '<' && i + 1 < n && (x[i + 1] == '!' || x[i + 1] == '?')) {
			/* comments, CDATA, declarations, PIs: copied as they are */
			const char *endm = ">";
			if (n - i >= 4 && memcmp(x + i, "<!--", 4) == 0)
				endm = "-->";
			else if (n - i >= 9 && memcmp(x + i, "<![CDATA[", 9) == 0)
				endm = "]]>";
			else if (x[i + 1] == '?')
				endm = "?>";
			size_t ml = strlen(endm), j = i + 2;
			while (j + ml <= n && memcmp(x + j, endm, ml) != 0)
				j++;
			j = j + ml <= n ? j + ml : n;
			etl_strbuf_put(&b, x + i, j - i);
			i = j - 1;
			continue;
		}
		switch (st) {
		case TEXT:
			if (c == '<')
				st = TAG;
			break;
		case TAG:
			if (c == '"' || c == '\'') {
				st = VALUE;
				q = c;
			} else if (c == '>') {
				st = TEXT;
			}
			break;
		case VALUE:
			if (c == '<') {
				etl_strbuf_puts(&b, "&lt;");
				continue;
			}
			if (c == q) {
				if (closes_value(x, n, i)) {
					st = TAG;
				} else {
					etl_strbuf_puts(&b, q == '"' ? "&quot;" : "&apos;");
					continue;
				}
			}
			break;
		}
		etl_strbuf_putc(&b, c);
	}
	if (b.failed || b.len > 2 * MAX_DOCUMENT) {
		etl_strbuf_free(&b);
		return NULL;
	}
	*outlen = b.len;
	return b.p;
}

/* One pass over the document.  *bad_token tells the caller that expat
 * stopped at an invalid token, which a repair may cure. */
static etl_status parse_document(etl_schemas *s, const char *xml, size_t len,
                                 const char *name, int source, bool repaired,
                                 char *err, size_t errsz, bool *bad_token)
{
	*bad_token = false;
	struct mparse *P = calloc(1, sizeof(*P));
	if (!P) {
		etl_msg(err, errsz, "%s: out of memory", name);
		return ETL_ERR_NOMEM;
	}
	P->store = s;
	P->out = etl_schemas_arena(s);
	P->name = name;
	P->source = source;
	P->tmp = etl_arena_new();
	P->xp = XML_ParserCreate(NULL);   /* no namespace processing: local names */
	if (!P->tmp || !P->xp || !P->out) {
		etl_msg(err, errsz, "%s: out of memory", name);
		if (P->xp)
			XML_ParserFree(P->xp);
		etl_arena_free(P->tmp);
		free(P);
		return ETL_ERR_NOMEM;
	}
	XML_SetUserData(P->xp, P);
	XML_SetElementHandler(P->xp, on_start, on_end);
	XML_SetEntityDeclHandler(P->xp, on_entity_decl);
	XML_SetParamEntityParsing(P->xp, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef XML_DTD
	/* expat >= 2.4 protects by default; tighten it where the header lets us */
	XML_SetBillionLaughsAttackProtectionMaximumAmplification(P->xp, 20.0f);
	XML_SetBillionLaughsAttackProtectionActivationThreshold(P->xp, 1u << 20);
#endif

	etl_status st = ETL_OK;
	if (XML_Parse(P->xp, xml, (int)len, XML_TRUE) != XML_STATUS_OK || P->failed) {
		if (P->failed) {
			st = P->status;
			etl_msg(err, errsz, "%s:%lu:%lu: %s", name, P->line, P->col, P->msg);
		} else {
			enum XML_Error code = XML_GetErrorCode(P->xp);
			st = ETL_ERR_SCHEMA;
			*bad_token = code == XML_ERROR_INVALID_TOKEN;
			etl_msg(err, errsz, "%s:%lu:%lu: %s", name,
			        (unsigned long)XML_GetCurrentLineNumber(P->xp),
			        (unsigned long)XML_GetCurrentColumnNumber(P->xp) + 1,
			        XML_ErrorString(code));
		}
	} else if (P->provs.n == 0) {
		st = ETL_ERR_SCHEMA;
		etl_msg(err, errsz, "%s: no <provider> element found", name);
	} else {
		if (repaired)
			warn(P, 0, "unescaped '<' or quotes in attribute values were repaired");
		for (size_t i = 0; i < P->provs.n && !P->failed; i++)
			register_provider(P, P->provs.p[i]);
		if (P->failed) {
			st = P->status;
			etl_msg(err, errsz, "%s: %s", name, P->msg);
		} else if (P->warnings) {
			if (P->warnings > 1)
				etl_msg(err, errsz, "%s (and %u more problems)", P->warn,
				        P->warnings - 1);
			else
				etl_msg(err, errsz, "%s", P->warn);
		}
	}
	XML_ParserFree(P->xp);
	etl_arena_free(P->tmp);
	free(P);
	return st;
}

etl_status etl_manifest_parse(etl_schemas *s, const char *xml, size_t len,
                              const char *name, int source, char *err, size_t errsz)
{
	if (err && errsz)
		err[0] = 0;
	if (!name)
		name = "<manifest>";
	if (!s || (!xml && len)) {
		etl_msg(err, errsz, "%s: invalid arguments", name);
		return ETL_ERR_ARG;
	}
	if (source != ETL_SRC_MANIFEST && source != ETL_SRC_EVENTSOURCE)
		source = ETL_SRC_MANIFEST;
	/* in-trace manifests may be padded with NULs; UTF-16 text loses whole
	 * NUL units only */
	bool utf16 = len >= 2 && (((uint8_t)xml[0] == 0xFF && (uint8_t)xml[1] == 0xFE) ||
	                          ((uint8_t)xml[0] == 0xFE && (uint8_t)xml[1] == 0xFF) ||
	                          (xml[0] == '<' && xml[1] == 0) || (xml[0] == 0 && xml[1] == '<'));
	if (utf16) {
		len &= ~(size_t)1;
		while (len >= 2 && xml[len - 1] == 0 && xml[len - 2] == 0)
			len -= 2;
	} else {
		while (len && (xml[len - 1] == 0 || blank(xml[len - 1])))
			len--;
	}
	if (!len) {
		etl_msg(err, errsz, "%s: empty document", name);
		return ETL_ERR_SCHEMA;
	}
	if (len > MAX_DOCUMENT) {
		etl_msg(err, errsz, "%s: %zu bytes, more than the limit of %zu", name, len,
		        MAX_DOCUMENT);
		return ETL_ERR_LIMIT;
	}
	bool bad_token;
	etl_status st = parse_document(s, xml, len, name, source, false, err, errsz,
	                               &bad_token);
	if (st == ETL_ERR_SCHEMA && bad_token) {
		/* nothing was registered by the failed pass */
		size_t fixed_len;
		char *fixed = repair_attributes(xml, len, &fixed_len);
		if (fixed) {
			char err2[256];
			if (parse_document(s, fixed, fixed_len, name, source, true, err2,
			                   sizeof(err2), &bad_token) == ETL_OK) {
				st = ETL_OK;
				etl_msg(err, errsz, "%s", err2);
			}
			free(fixed);
		}
	}
	return st;
}
