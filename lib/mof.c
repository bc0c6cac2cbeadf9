/*
 * mof.c - MOF (Managed Object Format) text with classic event classes ->
 * ETL_SRC_MOF schemas (decoding.md §5.1).
 *
 * Classic providers describe their events as WMI classes:
 *
 *   [Guid("{provider}")] class MyProvider : EventTrace {};          provider
 *   [Guid("{class}"), EventVersion(2)] class MyEvent : MyProvider {}; class
 *   [EventType{1, 2}, EventTypeName{"Start", "End"}]
 *   class MyEvent_TypeGroup1 : MyEvent {                              layout
 *       [WmiDataId(1), pointer] uint32 Object;
 *       [WmiDataId(2), StringTermination("NullTerminated"), format("w")]
 *       string Name;
 *   };
 *
 * A class with EventType qualifiers is a layout shared by those event types.
 * It inherits the GUID and EventVersion of the nearest ancestor that has
 * them (version 0 when none does) and is registered once per event type,
 * keyed by (class GUID, event type, version).  Its data items are the
 * properties with a WmiDataId, its own and inherited, in WmiDataId order.
 * Names: the task is the GUID-carrying class (its DisplayName when it has
 * one), the opcode the EventTypeName, the event "Task/Opcode".
 *
 * The parser reads the subset of MOF that event classes use and skips the
 * rest (#pragma lines, instance blocks, qualifier declarations, methods,
 * default values).  The text is untrusted: sizes, counts and nesting are
 * capped, and every error names the input and line ("name:line: message").
 * Parsing is all or nothing for syntax errors: classes are collected first
 * and registered only when the whole text has parsed.  A class that cannot
 * be described (an unknown data type, no GUID, ...) is skipped and the
 * first such problem is reported in err while the call still succeeds.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Caps on what the text may ask for. */
#define MOF_MAX_TEXT      ((size_t)64 << 20)  /* bytes of MOF text */
#define MOF_MAX_CLASSES   65536
#define MOF_MAX_MEMBERS   ETL_SCHEMA_MAX_PROPS /* properties per class */
#define MOF_MAX_VALUES    ETL_SCHEMA_MAX_MAP_ENTRIES /* values in one qualifier */
#define MOF_MAX_QUALS     256                  /* qualifiers in one [...] list */
#define MOF_MAX_STRING    65536                /* bytes in one (joined) string */
#define MOF_MAX_IDENT     1024
#define MOF_MAX_NEST      ETL_SCHEMA_MAX_DEPTH /* braces/parentheses skipped */
#define MOF_MAX_ARRAY     65535                /* fixed array size (u16 count) */
#define MOF_MAX_DEPTH     ETL_SCHEMA_MAX_DEPTH /* inheritance chain */
/* inheritance multiplies properties: caps on what all classes produce */
#define MOF_MAX_ITEMS     ((size_t)1 << 22)    /* data items, all classes */
#define MOF_MAX_SCHEMAS   ((size_t)1 << 20)    /* (class, type) registrations */

/* ---- lexer ------------------------------------------------------------------ */

enum tk { TK_EOF, TK_IDENT, TK_STRING, TK_NUMBER, TK_PUNCT };

struct token {
	enum tk kind;
	const char *s;   /* IDENT/NUMBER: in the text; STRING: decoded, NUL-terminated */
	size_t n;
	char c;          /* PUNCT */
	unsigned line;
};

struct mof {
	const char *p, *end;
	unsigned line;
	const char *name;
	etl_arena *tmp;        /* parse structures, freed at the end */
	char *err;
	size_t errsz;
	bool failed;
	etl_status status;
	struct token tok;      /* current token */
	bool have_peek;
	struct token peek_tok;
	/* first per-class problem (the call still succeeds) */
	bool warned;
	unsigned skipped;
	size_t registered;     /* schemas put into the store */
	size_t items;          /* data items built so far */
	const char *begin;     /* start of the text, for '#' at line start */
};

static void fail_at(struct mof *m, unsigned line, etl_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_at(struct mof *m, unsigned line, etl_status st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	if (m->failed)
		return;
	m->failed = true;
	m->status = st;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	etl_msg(m->err, m->errsz, "%s:%u: %s", m->name, line, msg);
}

#define FAIL(m, ...) fail_at((m), (m)->tok.line, ETL_ERR_SCHEMA, __VA_ARGS__)

static void nomem(struct mof *m)
{
	fail_at(m, m->line, ETL_ERR_NOMEM, "out of memory");
}

static void warn_at(struct mof *m, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn_at(struct mof *m, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	m->skipped++;
	if (m->warned || m->failed)
		return;
	m->warned = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	etl_msg(m->err, m->errsz, "%s:%u: %s", m->name, line, msg);
}

/* '$' starts instance aliases ("instance of X as $Alias") */
static bool is_ident_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$' || c >= 0x80;
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Skips white space, comments and '#' directive lines. */
static bool skip_space(struct mof *m)
{
	/* called right after a token, so only the text start is a line start
	 * until a newline is seen */
	bool line_start = m->p == m->begin;
	while (m->p < m->end) {
		char c = *m->p;
		if (c == '\n') {
			m->line++;
			m->p++;
			line_start = true;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			m->p++;
		} else if (c == '/' && m->end - m->p >= 2 && m->p[1] == '/') {
			while (m->p < m->end && *m->p != '\n')
				m->p++;
		} else if (c == '/' && m->end - m->p >= 2 && m->p[1] == '*') {
			unsigned start = m->line;
			m->p += 2;
			for (;;) {
				if (m->end - m->p < 2) {
					fail_at(m, start, ETL_ERR_SCHEMA, "unterminated comment");
					return false;
				}
				if (m->p[0] == '*' && m->p[1] == '/')
					break;
				if (*m->p == '\n')
					m->line++;
				m->p++;
			}
			m->p += 2;
			line_start = false;
		} else if (c == '#' && line_start) {
			/* #pragma namespace(...), #pragma classflags(...), ... */
			while (m->p < m->end && *m->p != '\n')
				m->p++;
		} else {
			break;
		}
	}
	return true;
}

/* A string literal; escapes decoded into the temp arena. */
static bool lex_string(struct mof *m, struct token *t)
{
	const char *p = m->p + 1;
	size_t cap = 0, n = 0;
	char *out;
	/* the decoded form is never longer than the literal */
	for (const char *q = p; q < m->end && *q != '"' && *q != '\n'; q++) {
		if (*q == '\\' && q + 1 < m->end)
			q++;
		cap++;
	}
	if (cap > MOF_MAX_STRING) {
		fail_at(m, m->line, ETL_ERR_SCHEMA, "string longer than %d bytes", MOF_MAX_STRING);
		return false;
	}
	out = etl_arena_alloc(m->tmp, cap + 1);
	if (!out) {
		nomem(m);
		return false;
	}
	while (p < m->end && *p != '"') {
		char c = *p++;
		if (c == '\n')
			break;
		if (c == '\\' && p < m->end) {
			char e = *p++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '0': c = '\0'; break;
			case 'x': case 'X': {
				int v = 0, k = 0;
				while (k < 2 && p < m->end && hexval((unsigned char)*p) >= 0)
					v = v * 16 + hexval((unsigned char)*p++), k++;
				c = (char)v;
				break;
			}
			default: c = e; break; /* \\ \" \' and unknown escapes */
			}
			if (e == '\n')
				m->line++; /* an escaped line break */
			if (c == '\0')
				continue; /* an embedded NUL would cut the string */
		}
		out[n++] = c;
	}
	if (p >= m->end || *p != '"') {
		fail_at(m, m->line, ETL_ERR_SCHEMA, "unterminated string");
		return false;
	}
	out[n] = 0;
	m->p = p + 1;
	t->kind = TK_STRING;
	t->s = out;
	t->n = n;
	return true;
}

static bool lex(struct mof *m, struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (!skip_space(m))
		return false;
	t->line = m->line;
	if (m->p >= m->end) {
		t->kind = TK_EOF;
		return true;
	}
	unsigned char c = (unsigned char)*m->p;
	if (c == '"')
		return lex_string(m, t);
	if (is_ident_start(c)) {
		const char *s = m->p;
		while (m->p < m->end && is_ident_char((unsigned char)*m->p))
			m->p++;
		if ((size_t)(m->p - s) > MOF_MAX_IDENT) {
			fail_at(m, m->line, ETL_ERR_SCHEMA, "identifier longer than %d bytes", MOF_MAX_IDENT);
			return false;
		}
		t->kind = TK_IDENT;
		t->s = s;
		t->n = (size_t)(m->p - s);
		return true;
	}
	if ((c >= '0' && c <= '9') ||
	    ((c == '-' || c == '+' || c == '.') && m->end - m->p >= 2 && m->p[1] >= '0' && m->p[1] <= '9')) {
		const char *s = m->p++;
		while (m->p < m->end && (is_ident_char((unsigned char)*m->p) || *m->p == '.' ||
		                         ((*m->p == '-' || *m->p == '+') &&
		                          (m->p[-1] == 'e' || m->p[-1] == 'E'))))
			m->p++;
		if ((size_t)(m->p - s) > MOF_MAX_IDENT) {
			fail_at(m, m->line, ETL_ERR_SCHEMA, "number longer than %d bytes", MOF_MAX_IDENT);
			return false;
		}
		t->kind = TK_NUMBER;
		t->s = s;
		t->n = (size_t)(m->p - s);
		return true;
	}
	if (c && strchr("[](){},;:=", c)) {
		m->p++;
		t->kind = TK_PUNCT;
		t->c = (char)c;
		return true;
	}
	if (c == 0)
		fail_at(m, m->line, ETL_ERR_SCHEMA, "NUL byte in the text");
	else
		fail_at(m, m->line, ETL_ERR_SCHEMA, "unexpected character '%c'",
		        c >= 0x20 && c < 0x7F ? c : '?');
	return false;
}

/* Advances to the next token (m->tok). */
static bool next(struct mof *m)
{
	if (m->have_peek) {
		m->tok = m->peek_tok;
		m->have_peek = false;
		return true;
	}
	return lex(m, &m->tok);
}

static const struct token *peek(struct mof *m)
{
	if (!m->have_peek) {
		if (!lex(m, &m->peek_tok))
			return NULL;
		m->have_peek = true;
	}
	return &m->peek_tok;
}

static bool is_punct(const struct token *t, char c)
{
	return t->kind == TK_PUNCT && t->c == c;
}

static bool is_word(const struct token *t, const char *w)
{
	return t->kind == TK_IDENT && strlen(w) == t->n && strncasecmp(t->s, w, t->n) == 0;
}

static bool expect(struct mof *m, char c)
{
	if (!next(m))
		return false;
	if (!is_punct(&m->tok, c)) {
		FAIL(m, "expected '%c'", c);
		return false;
	}
	return true;
}

static char *tok_dup(struct mof *m, const struct token *t)
{
	char *s = etl_arena_strndup(m->tmp, t->s, t->n);
	if (!s)
		nomem(m);
	return s;
}

/* Skips a balanced group whose opening token is current, e.g. { ... }. */
static bool skip_group(struct mof *m)
{
	char stack[MOF_MAX_NEST];
	int depth = 0;
	do {
		const struct token *t = &m->tok;
		if (t->kind == TK_EOF) {
			FAIL(m, "unexpected end of text inside a block");
			return false;
		}
		if (t->kind == TK_PUNCT && (t->c == '{' || t->c == '(' || t->c == '[')) {
			if (depth == MOF_MAX_NEST) {
				FAIL(m, "nesting deeper than %d", MOF_MAX_NEST);
				return false;
			}
			stack[depth++] = t->c == '{' ? '}' : t->c == '(' ? ')' : ']';
		} else if (t->kind == TK_PUNCT && (t->c == '}' || t->c == ')' || t->c == ']')) {
			if (depth == 0 || stack[depth - 1] != t->c) {
				FAIL(m, "unbalanced '%c'", t->c);
				return false;
			}
			depth--;
		}
		if (depth == 0)
			return true;
	} while (next(m));
	return false;
}

/* Skips a statement up to its ';' (blocks skipped whole); the current token
 * is the statement's first and ends as the ';'. */
static bool skip_statement(struct mof *m)
{
	for (;;) {
		const struct token *t = &m->tok;
		if (t->kind == TK_EOF) {
			FAIL(m, "unexpected end of text, expected ';'");
			return false;
		}
		if (is_punct(t, ';'))
			return true;
		if (t->kind == TK_PUNCT && strchr("})]", t->c)) {
			FAIL(m, "unbalanced '%c'", t->c);
			return false;
		}
		if (t->kind == TK_PUNCT && strchr("{([", t->c) && !skip_group(m))
			return false;
		/* after a group the current token is its closer: move past it */
		if (!next(m))
			return false;
	}
}

/* ---- qualifiers ----------------------------------------------------------------- */

/* One qualifier: a name and its value(s) as text (numbers as written). */
struct qual {
	const char *name;
	unsigned line;
	size_t n;            /* 0: a flag such as "pointer" */
	const char **v;
};

struct quals {
	size_t n;
	struct qual *q;        /* scratch lists hold MOF_MAX_QUALS */
};

/* value: string(s) joined, number, or identifier (true, false, null, ...) */
static const char *parse_value(struct mof *m)
{
	const struct token *t = &m->tok;
	if (t->kind == TK_NUMBER || t->kind == TK_IDENT)
		return tok_dup(m, t);
	if (t->kind != TK_STRING) {
		FAIL(m, "expected a value");
		return NULL;
	}
	/* adjacent literals join: "abc" "def" */
	const char *s = t->s;
	size_t n = t->n;
	for (;;) {
		const struct token *pk = peek(m);
		if (!pk)
			return NULL;
		if (pk->kind != TK_STRING)
			return s;
		if (n + pk->n > MOF_MAX_STRING) {
			FAIL(m, "string longer than %d bytes", MOF_MAX_STRING);
			return NULL;
		}
		char *j = etl_arena_alloc(m->tmp, n + pk->n + 1);
		if (!j) {
			nomem(m);
			return NULL;
		}
		memcpy(j, s, n);
		memcpy(j + n, pk->s, pk->n + 1);
		s = j;
		n += pk->n;
		next(m);
	}
}

/* Values up to the closing ')' or '}'; the current token is the opener. */
static bool parse_values(struct mof *m, struct qual *q, char close)
{
	size_t cap = 0;
	const char **v = NULL;
	if (!next(m))
		return false;
	if (is_punct(&m->tok, close))
		return true;
	for (;;) {
		const char *val = parse_value(m);
		if (!val)
			return false;
		if (q->n == cap) {
			if (cap == MOF_MAX_VALUES) {
				FAIL(m, "qualifier %s has more than %d values", q->name, MOF_MAX_VALUES);
				return false;
			}
			size_t ncap = cap ? cap * 2 : 8;
			if (ncap > MOF_MAX_VALUES)
				ncap = MOF_MAX_VALUES;
			const char **nv = etl_arena_alloc(m->tmp, ncap * sizeof(*nv));
			if (!nv) {
				nomem(m);
				return false;
			}
			if (q->n)
				memcpy(nv, v, q->n * sizeof(*nv));
			v = nv;
			cap = ncap;
		}
		v[q->n++] = val;
		q->v = v;
		if (!next(m))
			return false;
		if (is_punct(&m->tok, close))
			return true;
		if (!is_punct(&m->tok, ',')) {
			FAIL(m, "expected ',' or '%c' in the values of %s", close, q->name);
			return false;
		}
		if (!next(m))
			return false;
	}
}

/* [ qual (, qual)* ]; the current token is '['. */
static bool parse_quals(struct mof *m, struct quals *qs)
{
	qs->n = 0;
	if (!next(m))
		return false;
	if (is_punct(&m->tok, ']'))
		return true;
	for (;;) {
		if (m->tok.kind != TK_IDENT) {
			FAIL(m, "expected a qualifier name");
			return false;
		}
		if (qs->n == MOF_MAX_QUALS) {
			FAIL(m, "more than %d qualifiers", MOF_MAX_QUALS);
			return false;
		}
		struct qual *q = &qs->q[qs->n++];
		memset(q, 0, sizeof(*q));
		q->line = m->tok.line;
		if (!(q->name = tok_dup(m, &m->tok)) || !next(m))
			return false;
		if (is_punct(&m->tok, '(') || is_punct(&m->tok, '{')) {
			if (!parse_values(m, q, m->tok.c == '(' ? ')' : '}') || !next(m))
				return false;
		}
		/* flavors: ": amended", ": ToInstance ToSubclass" */
		if (is_punct(&m->tok, ':')) {
			if (!next(m))
				return false;
			while (m->tok.kind == TK_IDENT)
				if (!next(m))
					return false;
		}
		if (is_punct(&m->tok, ']'))
			return true;
		if (!is_punct(&m->tok, ',')) {
			FAIL(m, "expected ',' or ']' after qualifier %s", q->name);
			return false;
		}
		if (!next(m))
			return false;
	}
}

static const struct qual *qfind(const struct quals *qs, const char *name)
{
	for (size_t i = 0; i < qs->n; i++)
		if (strcasecmp(qs->q[i].name, name) == 0)
			return &qs->q[i];
	return NULL;
}

static const char *qstr(const struct quals *qs, const char *name)
{
	const struct qual *q = qfind(qs, name);
	return q && q->n ? q->v[0] : NULL;
}

/* Decimal or 0x hex, optionally signed; false when the text is not a number. */
static bool parse_u64(const char *s, uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (hexval((unsigned char)*s) < 0)
			return false;
		for (; hexval((unsigned char)*s) >= 0; s++) {
			if (v >> 60)
				return false;
			v = v << 4 | (uint64_t)hexval((unsigned char)*s);
		}
	} else {
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (UINT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (uint64_t)(*s - '0');
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		return false;
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

/* ---- classes -------------------------------------------------------------------- */

struct member {
	const char *type;       /* as written */
	const char *name;
	unsigned line;
	bool is_ref;
	int array;              /* 0 scalar, 1 fixed [N], 2 variable [] */
	uint64_t array_n;
	struct quals *q;        /* NULL when none */
};

struct klass {
	const char *name, *parent;
	unsigned line;
	struct quals *q;
	struct member *mem;
	size_t nmem, capmem;
	int parent_idx;         /* -1: none or not defined here */
	int next_same;          /* hash chain */
};

struct parse {
	struct klass *cls;
	size_t ncls, capcls;
	int *hash;              /* bucket -> class index, -1 */
	size_t nhash;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h;
}

static struct quals *quals_copy(struct mof *m, const struct quals *qs)
{
	struct quals *c = etl_arena_alloc(m->tmp, sizeof(*c));
	struct qual *q = etl_arena_alloc(m->tmp, qs->n * sizeof(*q));
	if (!c || !q) {
		nomem(m);
		return NULL;
	}
	memcpy(q, qs->q, qs->n * sizeof(*q));
	c->n = qs->n;
	c->q = q;
	return c;
}

static struct quals *quals_scratch(struct mof *m)
{
	struct quals *c = etl_arena_alloc(m->tmp, sizeof(*c));
	struct qual *q = etl_arena_alloc(m->tmp, MOF_MAX_QUALS * sizeof(*q));
	if (!c || !q) {
		nomem(m);
		return NULL;
	}
	c->q = q;
	return c;
}

static const struct quals no_quals;

static const struct quals *quals_of(const struct quals *q)
{
	return q ? q : &no_quals;
}

/* member: [quals] type [ref] name [ '[' N? ']' ] [= value] ;  or a method */
static bool parse_member(struct mof *m, struct klass *k, struct quals *scratch)
{
	struct member mb;
	memset(&mb, 0, sizeof(mb));
	scratch->n = 0;
	if (is_punct(&m->tok, '[')) {
		if (!parse_quals(m, scratch) || !next(m))
			return false;
	}
	if (m->tok.kind != TK_IDENT) {
		FAIL(m, "expected a property type in class %s", k->name);
		return false;
	}
	mb.line = m->tok.line;
	if (!(mb.type = tok_dup(m, &m->tok)) || !next(m))
		return false;
	if (is_word(&m->tok, "ref")) {
		mb.is_ref = true;
		if (!next(m))
			return false;
	}
	if (m->tok.kind != TK_IDENT) {
		FAIL(m, "expected a property name in class %s", k->name);
		return false;
	}
	if (!(mb.name = tok_dup(m, &m->tok)) || !next(m))
		return false;
	if (is_punct(&m->tok, '(')) {
		/* a method: nothing to decode */
		return skip_group(m) && next(m) && skip_statement(m);
	}
	if (is_punct(&m->tok, '[')) {
		if (!next(m))
			return false;
		if (is_punct(&m->tok, ']')) {
			mb.array = 2;
		} else {
			uint64_t n;
			char num[64];
			if (m->tok.kind != TK_NUMBER || m->tok.n >= sizeof(num)) {
				FAIL(m, "expected an array size for %s", mb.name);
				return false;
			}
			memcpy(num, m->tok.s, m->tok.n);
			num[m->tok.n] = 0;
			if (!parse_u64(num, &n) || n == 0 || n > MOF_MAX_ARRAY) {
				FAIL(m, "array size of %s must be 1..%d", mb.name, MOF_MAX_ARRAY);
				return false;
			}
			mb.array = 1;
			mb.array_n = n;
			if (!expect(m, ']'))
				return false;
		}
		if (!next(m))
			return false;
	}
	if (is_punct(&m->tok, '=') && !skip_statement(m))
		return false;
	if (!is_punct(&m->tok, ';')) {
		FAIL(m, "expected ';' after property %s", mb.name);
		return false;
	}
	if (k->nmem == MOF_MAX_MEMBERS) {
		FAIL(m, "class %s has more than %d properties", k->name, MOF_MAX_MEMBERS);
		return false;
	}
	if (scratch->n && !(mb.q = quals_copy(m, scratch)))
		return false;
	if (k->nmem == k->capmem) {
		size_t ncap = k->capmem ? k->capmem * 2 : 16;
		struct member *nm = etl_arena_alloc(m->tmp, ncap * sizeof(*nm));
		if (!nm) {
			nomem(m);
			return false;
		}
		if (k->nmem)
			memcpy(nm, k->mem, k->nmem * sizeof(*nm));
		k->mem = nm;
		k->capmem = ncap;
	}
	k->mem[k->nmem++] = mb;
	return true;
}

static struct klass *new_class(struct mof *m, struct parse *ps)
{
	if (ps->ncls == MOF_MAX_CLASSES) {
		FAIL(m, "more than %d classes", MOF_MAX_CLASSES);
		return NULL;
	}
	if (ps->ncls == ps->capcls) {
		size_t ncap = ps->capcls ? ps->capcls * 2 : 64;
		struct klass *nc = etl_arena_alloc(m->tmp, ncap * sizeof(*nc));
		if (!nc) {
			nomem(m);
			return NULL;
		}
		if (ps->ncls)
			memcpy(nc, ps->cls, ps->ncls * sizeof(*nc));
		ps->cls = nc;
		ps->capcls = ncap;
	}
	struct klass *k = &ps->cls[ps->ncls++];
	memset(k, 0, sizeof(*k));
	k->parent_idx = -1;
	k->next_same = -1;
	return k;
}

/* class Name [: Parent] { members } [;]  -- the current token is "class" */
static bool parse_class(struct mof *m, struct parse *ps, const struct quals *qs,
                        struct quals *scratch)
{
	struct klass *k = new_class(m, ps);
	if (!k || !next(m))
		return false;
	if (m->tok.kind != TK_IDENT) {
		FAIL(m, "expected a class name");
		return false;
	}
	k->line = m->tok.line;
	if (!(k->name = tok_dup(m, &m->tok)) || !next(m))
		return false;
	if (is_punct(&m->tok, ':')) {
		if (!next(m))
			return false;
		if (m->tok.kind != TK_IDENT) {
			FAIL(m, "expected the parent class of %s", k->name);
			return false;
		}
		if (!(k->parent = tok_dup(m, &m->tok)) || !next(m))
			return false;
	}
	if (qs->n && !(k->q = quals_copy(m, qs)))
		return false;
	if (is_punct(&m->tok, ';'))
		return true; /* a forward declaration */
	if (!is_punct(&m->tok, '{')) {
		FAIL(m, "expected '{' after class %s", k->name);
		return false;
	}
	for (;;) {
		if (!next(m))
			return false;
		if (is_punct(&m->tok, '}'))
			break;
		if (m->tok.kind == TK_EOF) {
			FAIL(m, "class %s is not closed", k->name);
			return false;
		}
		if (!parse_member(m, k, scratch))
			return false;
	}
	/* the ';' after '}' is optional in practice */
	const struct token *pk = peek(m);
	if (!pk)
		return false;
	if (is_punct(pk, ';'))
		next(m);
	return true;
}

static bool parse_text(struct mof *m, struct parse *ps)
{
	struct quals *qs = quals_scratch(m);
	struct quals *scratch = quals_scratch(m);
	if (!qs || !scratch)
		return false;
	for (;;) {
		if (!next(m))
			return false;
		if (m->tok.kind == TK_EOF)
			return true;
		if (is_punct(&m->tok, ';'))
			continue;
		qs->n = 0;
		if (is_punct(&m->tok, '[')) {
			if (!parse_quals(m, qs) || !next(m))
				return false;
		}
		if (is_word(&m->tok, "class")) {
			if (!parse_class(m, ps, qs, scratch))
				return false;
		} else if (m->tok.kind == TK_IDENT) {
			/* instance of X { ... };  qualifier Name : type ...;  and
			 * anything else that is not a class */
			if (!skip_statement(m))
				return false;
		} else {
			FAIL(m, "expected a class");
			return false;
		}
	}
}

static int class_lookup(const struct parse *ps, const char *name)
{
	if (!name || !ps->nhash)
		return -1;
	for (int i = ps->hash[name_hash(name) & (ps->nhash - 1)]; i >= 0; i = ps->cls[i].next_same)
		if (strcasecmp(ps->cls[i].name, name) == 0)
			return i;
	return -1;
}

/* Links classes to their parents; a later definition of a name replaces an
 * earlier one, as a MOF compiler would. */
static bool link_classes(struct mof *m, struct parse *ps)
{
	size_t nh = 64;
	while (nh < ps->ncls * 2)
		nh *= 2;
	ps->hash = etl_arena_alloc(m->tmp, nh * sizeof(int));
	if (!ps->hash) {
		nomem(m);
		return false;
	}
	ps->nhash = nh;
	for (size_t b = 0; b < nh; b++)
		ps->hash[b] = -1;
	for (size_t i = 0; i < ps->ncls; i++) {
		uint32_t b = name_hash(ps->cls[i].name) & (uint32_t)(nh - 1);
		ps->cls[i].next_same = ps->hash[b];
		ps->hash[b] = (int)i; /* newest first: lookups find the last definition */
	}
	for (size_t i = 0; i < ps->ncls; i++)
		ps->cls[i].parent_idx = class_lookup(ps, ps->cls[i].parent);
	return true;
}

/* ---- building schemas ------------------------------------------------------------ */

struct dataitem {
	const struct member *mb;
	const struct klass *owner;
	uint64_t id;             /* WmiDataId */
	size_t order;            /* textual order, for a stable sort */
};

static int item_cmp(const void *a, const void *b)
{
	const struct dataitem *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int entry_cmp(const void *a, const void *b)
{
	const etl_map_entry *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static bool is_int_type(uint16_t in)
{
	return in >= ETL_IN_INT8 && in <= ETL_IN_UINT64;
}

static uint16_t hex_out(uint16_t in)
{
	switch (in) {
	case ETL_IN_INT8: case ETL_IN_UINT8: return ETL_OUT_HEXINT8;
	case ETL_IN_INT16: case ETL_IN_UINT16: return ETL_OUT_HEXINT16;
	case ETL_IN_INT32: case ETL_IN_UINT32: return ETL_OUT_HEXINT32;
	case ETL_IN_INT64: case ETL_IN_UINT64: return ETL_OUT_HEXINT64;
	default: return ETL_OUT_NULL;
	}
}

/* ValueMap/Values/ValueType and BitMap/BitValues -> a map in the store arena
 * (decoding.md §3.3).  NULL without error when the property has none. */
static const etl_map *build_map(etl_arena *a, const struct quals *q, const char *cls,
                                const char *prop, bool *oom)
{
	const struct qual *vmap = qfind(q, "ValueMap"), *vals = qfind(q, "Values");
	const struct qual *bmap = qfind(q, "BitMap"), *bvals = qfind(q, "BitValues");
	const char *vtype = qstr(q, "ValueType");
	const struct qual *keys, *names;
	uint32_t kind;
	bool bits;
	if (vals && vals->n) {
		keys = vmap;
		names = vals;
		bits = false;
		kind = keys ? (vtype && strcasecmp(vtype, "flag") == 0 ? ETL_MAP_BITMAP : ETL_MAP_VALUE)
		            : ETL_MAP_INDEX;
	} else if (bvals && bvals->n) {
		keys = bmap;
		names = bvals;
		bits = true;
		kind = ETL_MAP_BITMAP;
	} else {
		return NULL;
	}
	size_t n = names->n;
	if (keys && keys->n < n)
		n = keys->n;
	etl_map_entry *e = etl_arena_alloc(a, (n ? n : 1) * sizeof(*e));
	etl_map *mp = etl_arena_alloc(a, sizeof(*mp));
	size_t cnt = 0;
	if (!e || !mp) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v = i;
		if (keys && !parse_u64(keys->v[i], &v))
			continue; /* "..."-style ranges and other non-numbers */
		if (bits) {
			/* BitMap lists bit positions, BitValues without it bit i */
			if (v > 63)
				continue;
			v = (uint64_t)1 << v;
		}
		/* display strings: trimmed */
		const char *s = names->v[i];
		size_t l = strlen(s);
		while (*s == ' ' || *s == '\t')
			s++, l--;
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r' || s[l - 1] == '\n'))
			l--;
		e[cnt].value = v;
		if (!(e[cnt].name = etl_arena_strndup(a, s, l))) {
			*oom = true;
			return NULL;
		}
		cnt++;
	}
	if (kind != ETL_MAP_BITMAP)
		qsort(e, cnt, sizeof(*e), entry_cmp); /* stable enough: values decide */
	char name[512];
	snprintf(name, sizeof(name), "%s.%s", cls, prop);
	if (!(mp->name = etl_arena_strdup(a, name))) {
		*oom = true;
		return NULL;
	}
	mp->kind = kind;
	mp->count = (uint32_t)cnt;
	mp->entries = e;
	return mp;
}

/* The TDH in-type, out-type and flags of one MOF property (decoding.md §5.1).
 * Returns an error text when the type cannot be decoded. */
static const char *map_type(const struct member *mb, etl_prop *p)
{
	const struct quals *q = quals_of(mb->q);
	const char *t = mb->type;
	const char *ext = qstr(q, "extension");
	const char *fmt = qstr(q, "format");
	bool ptr = qfind(q, "pointer") || qfind(q, "PointerType");
	bool noprint = ext && strcasecmp(ext, "NoPrint") == 0;
	static const struct { const char *name; uint16_t in; } ints[] = {
		{ "uint8", ETL_IN_UINT8 }, { "sint8", ETL_IN_INT8 },
		{ "uint16", ETL_IN_UINT16 }, { "sint16", ETL_IN_INT16 },
		{ "uint32", ETL_IN_UINT32 }, { "sint32", ETL_IN_INT32 },
		{ "uint64", ETL_IN_UINT64 }, { "sint64", ETL_IN_INT64 },
	};

	if (mb->is_ref)
		return "object references cannot be decoded";
	p->in_type = ETL_IN_NULL;
	p->out_type = ETL_OUT_NULL;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcasecmp(t, ints[i].name) == 0)
			p->in_type = ints[i].in;
	if (p->in_type != ETL_IN_NULL) {
		if (ptr) {
			p->in_type = ETL_IN_POINTER;
		} else if (ext && strcasecmp(ext, "SizeT") == 0) {
			p->in_type = ETL_IN_MOF_SIZET;
		} else if (ext && (strcasecmp(ext, "IPAddr") == 0 || strcasecmp(ext, "IPAddrV4") == 0)) {
			p->out_type = ETL_OUT_IPV4;
		} else if (ext && strcasecmp(ext, "Port") == 0) {
			p->out_type = ETL_OUT_PORT;
		} else if (fmt && strcasecmp(fmt, "x") == 0) {
			p->out_type = hex_out(p->in_type);
		} else if (fmt && strcasecmp(fmt, "c") == 0 &&
		           (p->in_type == ETL_IN_UINT8 || p->in_type == ETL_IN_INT8)) {
			p->out_type = ETL_OUT_STRING;
		}
	} else if (strcasecmp(t, "boolean") == 0) {
		p->in_type = ETL_IN_BOOLEAN;
	} else if (strcasecmp(t, "real32") == 0) {
		p->in_type = ETL_IN_FLOAT;
	} else if (strcasecmp(t, "real64") == 0) {
		p->in_type = ETL_IN_DOUBLE;
	} else if (strcasecmp(t, "char16") == 0) {
		p->in_type = ETL_IN_MOF_UNICODECHAR;
	} else if (strcasecmp(t, "char8") == 0) {
		p->in_type = ETL_IN_MOF_ANSICHAR;
	} else if (strcasecmp(t, "string") == 0) {
		bool wide = fmt && strcasecmp(fmt, "w") == 0;
		const char *term = qstr(q, "StringTermination");
		if (ext && strcasecmp(ext, "RString") == 0) {
			wide = false;
			p->out_type = ETL_OUT_REDUCEDSTRING;
		} else if (ext && strcasecmp(ext, "RWString") == 0) {
			wide = true;
			p->out_type = ETL_OUT_REDUCEDSTRING;
		}
		if (!term || strcasecmp(term, "NullTerminated") == 0)
			p->in_type = wide ? ETL_IN_UNICODESTRING : ETL_IN_ANSISTRING;
		else if (strcasecmp(term, "Counted") == 0)
			p->in_type = wide ? ETL_IN_MOF_COUNTEDSTRING : ETL_IN_MOF_COUNTEDANSISTRING;
		else if (strcasecmp(term, "ReverseCounted") == 0)
			p->in_type = wide ? ETL_IN_MOF_REVCOUNTEDSTRING : ETL_IN_MOF_REVCOUNTEDANSISTRING;
		else if (strcasecmp(term, "NotCounted") == 0)
			p->in_type = wide ? ETL_IN_MOF_NONNULLSTRING : ETL_IN_MOF_NONNULLANSISTRING;
		else
			return "unknown StringTermination";
		if (qfind(q, "XMLFragment"))
			p->flags |= ETL_PF_XML_FRAGMENT;
	} else if (strcasecmp(t, "object") == 0) {
		if (!ext)
			return "object without extension";
		if (strcasecmp(ext, "SizeT") == 0)
			p->in_type = ETL_IN_MOF_SIZET;
		else if (strcasecmp(ext, "Sid") == 0)
			p->in_type = ETL_IN_MOF_WBEMSID;
		else if (strcasecmp(ext, "IPAddr") == 0 || strcasecmp(ext, "IPAddrV4") == 0)
			p->in_type = ETL_IN_UINT32, p->out_type = ETL_OUT_IPV4;
		else if (strcasecmp(ext, "IPAddrV6") == 0)
			p->in_type = ETL_IN_X_IPV6, p->out_type = ETL_OUT_IPV6, p->length = 16;
		else if (strcasecmp(ext, "Port") == 0)
			p->in_type = ETL_IN_UINT16, p->out_type = ETL_OUT_PORT;
		else if (strcasecmp(ext, "WmiTime") == 0)
			p->in_type = ETL_IN_UINT64; /* 8 bytes on both widths */
		else if (strcasecmp(ext, "Guid") == 0)
			p->in_type = ETL_IN_GUID;
		else if (strcasecmp(ext, "Variant") == 0)
			p->in_type = ETL_IN_MOF_HEXDUMP;
		else
			return "unknown object extension";
	} else {
		return "unknown data type";
	}
	if (noprint)
		p->out_type = ETL_OUT_NOPRINT;
	return NULL;
}

/* The GUID-carrying class of k and the version it inherits. */
static const struct klass *event_identity(const struct parse *ps, const struct klass *k,
                                          etl_guid *guid, unsigned *version, bool *has_guid)
{
	const struct klass *gk = NULL;
	bool have_ver = false;
	*version = 0;
	*has_guid = false;
	for (int d = 0; k && d < MOF_MAX_DEPTH; d++) {
		const struct quals *q = quals_of(k->q);
		if (!*has_guid) {
			const char *g = qstr(q, "Guid");
			if (g && etl_guid_parse(g, guid) == 0) {
				*has_guid = true;
				gk = k;
			}
		}
		if (!have_ver) {
			const char *v = qstr(q, "EventVersion");
			uint64_t n;
			if (v && parse_u64(v, &n) && n <= 255) {
				*version = (unsigned)n;
				have_ver = true;
			}
		}
		if (*has_guid && have_ver)
			break;
		k = k->parent_idx >= 0 ? &ps->cls[k->parent_idx] : NULL;
	}
	return gk;
}

/* The provider: the outermost ancestor of gk with a GUID of its own. */
static const char *provider_name(const struct parse *ps, const struct klass *gk,
                                 const etl_guid *class_guid)
{
	static const etl_guid kernel = { 0x9e814aad, 0x3204, 0x11d2,
	                                 { 0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39 } };
	const struct klass *prov = NULL;
	const struct klass *k = gk;
	for (int d = 0; k && d < MOF_MAX_DEPTH; d++) {
		etl_guid g;
		const char *gs = qstr(quals_of(k->q), "Guid");
		if (gs && etl_guid_parse(gs, &g) == 0 && !etl_guid_equal(&g, class_guid)) {
			prov = k;
			/* the NT Kernel Logger's MSNT_SystemTrace: name it as Windows does */
			if (etl_guid_equal(&g, &kernel))
				return "Windows Kernel";
		}
		k = k->parent_idx >= 0 ? &ps->cls[k->parent_idx] : NULL;
	}
	if (!prov)
		return NULL;
	const char *dn = qstr(quals_of(prov->q), "DisplayName");
	return dn && *dn ? dn : prov->name;
}

/* Builds and registers the schemas of one event class.  false only on a
 * fatal error (memory, store); problems of the class are warnings. */
static bool register_class(struct mof *m, etl_schemas *s, const struct parse *ps,
                           const struct klass *k)
{
	const struct qual *types = qfind(quals_of(k->q), "EventType");
	const struct qual *tnames = qfind(quals_of(k->q), "EventTypeName");
	etl_arena *a = etl_schemas_arena(s);
	etl_guid guid;
	unsigned version;
	bool has_guid, oom = false;

	const struct klass *gk = event_identity(ps, k, &guid, &version, &has_guid);
	if (!has_guid) {
		warn_at(m, k->line, "class %s skipped: no Guid in it or its ancestors", k->name);
		return true;
	}

	/* the inheritance chain, the class first */
	const struct klass *chain[MOF_MAX_DEPTH];
	size_t depth = 0;
	for (const struct klass *c = k; c; c = c->parent_idx >= 0 ? &ps->cls[c->parent_idx] : NULL) {
		for (size_t d = 0; d < depth; d++)
			if (chain[d] == c) {
				warn_at(m, k->line, "class %s skipped: inheritance cycle through %s",
				        k->name, c->name);
				return true;
			}
		if (depth == MOF_MAX_DEPTH) {
			warn_at(m, k->line, "class %s skipped: inheritance deeper than %d", k->name,
			        MOF_MAX_DEPTH);
			return true;
		}
		chain[depth++] = c;
	}

	/* data items: properties with a WmiDataId; when the class and its
	 * ancestors have none, the class's own properties in textual order */
	size_t nitems = 0, order = 0;
	for (size_t d = 0; d < depth; d++)
		for (size_t i = 0; i < chain[d]->nmem; i++)
			if (qfind(quals_of(chain[d]->mem[i].q), "WmiDataId"))
				nitems++;
	bool by_id = nitems > 0;
	if (!by_id)
		nitems = k->nmem;
	if (nitems > ETL_SCHEMA_MAX_PROPS) {
		warn_at(m, k->line, "class %s skipped: more than %d data items", k->name,
		        ETL_SCHEMA_MAX_PROPS);
		return true;
	}
	if (nitems > MOF_MAX_ITEMS - m->items ||
	    (types->n > MOF_MAX_SCHEMAS - m->registered)) {
		fail_at(m, k->line, ETL_ERR_SCHEMA, "more than %zu data items or %zu event types in all classes",
		        MOF_MAX_ITEMS, MOF_MAX_SCHEMAS);
		return false;
	}
	m->items += nitems;
	struct dataitem *items = etl_arena_alloc(m->tmp, (nitems ? nitems : 1) * sizeof(*items));
	if (!items) {
		nomem(m);
		return false;
	}
	size_t ni = 0;
	for (size_t d = depth; d-- > 0;) {
		const struct klass *c = chain[d];
		if (!by_id && c != k)
			continue;
		for (size_t i = 0; i < c->nmem; i++) {
			const struct member *mb = &c->mem[i];
			uint64_t id = 0;
			if (by_id) {
				const char *v = qstr(quals_of(mb->q), "WmiDataId");
				if (!qfind(quals_of(mb->q), "WmiDataId"))
					continue;
				if (!v || !parse_u64(v, &id)) {
					warn_at(m, mb->line, "class %s skipped: bad WmiDataId on %s", k->name,
					        mb->name);
					return true;
				}
			}
			items[ni].mb = mb;
			items[ni].owner = c;
			items[ni].id = id;
			items[ni].order = order++;
			ni++;
		}
	}
	qsort(items, ni, sizeof(*items), item_cmp);

	etl_prop *props = etl_arena_alloc(a, (ni ? ni : 1) * sizeof(*props));
	if (!props) {
		nomem(m);
		return false;
	}
	for (size_t i = 0; i < ni; i++) {
		const struct member *mb = items[i].mb;
		const struct quals *q = quals_of(mb->q);
		etl_prop *p = &props[i];
		const char *why = map_type(mb, p);
		if (why) {
			warn_at(m, mb->line, "class %s skipped: %s: %s %s", k->name, why, mb->type, mb->name);
			return true;
		}
		p->count = 1;
		if (!(p->name = etl_arena_strdup(a, mb->name))) {
			nomem(m);
			return false;
		}
		const char *sizeis = qstr(q, "WmiSizeIs");
		const char *maxq = qstr(q, "MAX");
		uint64_t maxn = 0;
		if (mb->array == 1 && p->in_type == ETL_IN_MOF_UNICODECHAR) {
			/* char16 Name[N]: a string of N units */
			p->in_type = ETL_IN_UNICODESTRING;
			p->flags |= ETL_PF_FIXED_LENGTH;
			p->length = (uint16_t)mb->array_n;
		} else if (mb->array == 1 && p->in_type == ETL_IN_MOF_ANSICHAR) {
			p->in_type = ETL_IN_ANSISTRING;
			p->flags |= ETL_PF_FIXED_LENGTH;
			p->length = (uint16_t)mb->array_n;
		} else if (sizeis) {
			/* the count is an earlier data item */
			size_t j = 0;
			while (j < i && strcasecmp(props[j].name, sizeis) != 0)
				j++;
			if (j == i || !is_int_type(props[j].in_type)) {
				warn_at(m, mb->line, "class %s skipped: WmiSizeIs(\"%s\") of %s is not an earlier integer",
				        k->name, sizeis, mb->name);
				return true;
			}
			p->flags |= ETL_PF_PARAM_COUNT;
			p->count = (uint16_t)j;
		} else if (mb->array == 1) {
			p->flags |= ETL_PF_FIXED_COUNT;
			p->count = (uint16_t)mb->array_n;
		} else if (mb->array == 2 && maxq && parse_u64(maxq, &maxn) && maxn > 0 &&
		           maxn <= MOF_MAX_ARRAY) {
			p->flags |= ETL_PF_FIXED_COUNT;
			p->count = (uint16_t)maxn;
		} else if (mb->array == 2) {
			/* an open array runs to the end of the event */
			p->flags |= ETL_PF_TO_END;
			p->count = 0;
		}
		if (is_int_type(p->in_type)) {
			p->map = build_map(a, q, k->name, mb->name, &oom);
			if (oom) {
				nomem(m);
				return false;
			}
		}
	}
	for (size_t i = 0; i < ni; i++)
		if ((props[i].flags & ETL_PF_TO_END) && i + 1 != ni) {
			warn_at(m, items[i].mb->line, "class %s skipped: open array %s is not the last item",
			        k->name, props[i].name);
			return true;
		}

	/* names */
	const char *dn = qstr(quals_of(gk->q), "DisplayName");
	const char *task = etl_arena_strdup(a, dn && *dn ? dn : gk->name);
	const char *prov = provider_name(ps, gk, &guid);
	if (!task || (prov && !(prov = etl_arena_strdup(a, prov)))) {
		nomem(m);
		return false;
	}

	for (size_t t = 0; t < types->n; t++) {
		uint64_t op;
		if (!parse_u64(types->v[t], &op) || op > 255) {
			warn_at(m, types->line, "class %s: event type \"%s\" skipped (not 0..255)",
			        k->name, types->v[t]);
			continue;
		}
		etl_schema sc;
		memset(&sc, 0, sizeof(sc));
		sc.provider = guid;
		sc.event_guid = guid;
		sc.version = (uint8_t)version;
		sc.opcode = (uint8_t)op;
		sc.source = ETL_SRC_MOF;
		sc.provider_name = prov;
		sc.task_name = task;
		if (tnames && t < tnames->n && *tnames->v[t]) {
			char *on = etl_arena_strdup(a, tnames->v[t]);
			size_t tl = strlen(task), ol = strlen(tnames->v[t]);
			char *en = etl_arena_alloc(a, tl + ol + 2);
			if (!on || !en) {
				nomem(m);
				return false;
			}
			memcpy(en, task, tl);
			en[tl] = '/';
			memcpy(en + tl + 1, on, ol + 1);
			sc.opcode_name = on;
			sc.event_name = en;
		} else {
			sc.event_name = task;
		}
		sc.prop_count = sc.top_count = (uint16_t)ni;
		sc.props = ni ? props : NULL;
		etl_status st = etl_schemas_put(s, &sc);
		if (st != ETL_OK) {
			fail_at(m, k->line, st, "class %s: %s", k->name, etl_strerror(st));
			return false;
		}
		m->registered++;
	}
	return true;
}

/* ---- entry point ------------------------------------------------------------------- */

/* MOF files shipped with Windows components are often UTF-16LE with a BOM.
 * The conversion stops at a NUL unit; the text before it is parsed. */
static char *utf16_to_utf8(etl_arena *a, const uint8_t *p, size_t n, size_t *outlen)
{
	size_t units = n / 2;
	size_t cap = units * 3 + 1; /* one unit -> at most 3 UTF-8 bytes */
	char *out = etl_arena_alloc(a, cap);
	if (!out)
		return NULL;
	*outlen = etl_utf16_to_utf8(p, units, out, cap);
	return out;
}

etl_status etl_mof_parse(etl_schemas *s, const char *text, size_t len, const char *name,
                         char *err, size_t errsz)
{
	char dummy[8];
	struct mof m;
	struct parse ps;
	etl_status st = ETL_OK;

	if (!err || errsz == 0) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = 0;
	if (!s || (!text && len)) {
		etl_msg(err, errsz, "etl_mof_parse: invalid argument");
		return ETL_ERR_ARG;
	}
	if (!name)
		name = "<mof>";
	if (len > MOF_MAX_TEXT) {
		etl_msg(err, errsz, "%s: larger than %zu bytes", name, MOF_MAX_TEXT);
		return ETL_ERR_SCHEMA;
	}
	memset(&m, 0, sizeof(m));
	memset(&ps, 0, sizeof(ps));
	m.name = name;
	m.err = err;
	m.errsz = errsz;
	m.line = 1;
	m.tmp = etl_arena_new();
	if (!m.tmp) {
		etl_msg(err, errsz, "%s: out of memory", name);
		return ETL_ERR_NOMEM;
	}
	const uint8_t *u = (const uint8_t *)text;
	if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
		size_t n;
		char *t8 = utf16_to_utf8(m.tmp, u + 2, len - 2, &n);
		if (!t8) {
			etl_arena_free(m.tmp);
			etl_msg(err, errsz, "%s: out of memory", name);
			return ETL_ERR_NOMEM;
		}
		text = t8;
		len = n;
	} else if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		text += 3;
		len -= 3;
	}
	m.p = m.begin = text;
	m.end = text + len;

	if (parse_text(&m, &ps) && link_classes(&m, &ps)) {
		for (size_t i = 0; i < ps.ncls && !m.failed; i++) {
			const struct klass *k = &ps.cls[i];
			const struct qual *types = qfind(quals_of(k->q), "EventType");
			if (!types || types->n == 0)
				continue;
			/* a later definition of the same name replaced this one */
			if (class_lookup(&ps, k->name) != (int)i)
				continue;
			if (!register_class(&m, s, &ps, k))
				break;
		}
		if (!m.failed && m.registered == 0) {
			if (m.warned) {
				/* the first problem explains why nothing was usable */
				m.failed = true;
				m.status = ETL_ERR_SCHEMA;
			} else {
				fail_at(&m, m.line, ETL_ERR_SCHEMA, "no event classes (none has an EventType)");
			}
		}
	}
	if (m.failed) {
		st = m.status;
	} else if (m.skipped > 1) {
		size_t l = strlen(err);
		etl_msg(err + l, errsz - l, " (and %u more problems)", m.skipped - 1);
	}
	etl_arena_free(m.tmp);
	return st;
}
