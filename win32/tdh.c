/*
 * tdh.c - the TDH decoding functions over etlkit's schema store.
 *
 * The schema of an event is the one `etlkit dump` decodes it with (the
 * decoder of the ProcessTrace call that delivered it).  TdhGetEventInformation
 * lays that etl_schema out as a TRACE_EVENT_INFO (decoding.md §2.1, §2.2),
 * with a few translations where etlkit's model is richer than TDH's:
 *
 *  - An array of characters (MOF char16[N], UInt16/UInt8 with xs:string) is
 *    one string property: UnicodeString / AnsiString of length N, or with
 *    PropertyParamLength when its count comes from another property.
 *  - A TraceLogging variable-length array stores a UInt16 element count
 *    before its elements, and a custom-serialized field a UInt16 byte size:
 *    that count or size becomes a property of its own, named "<name>.Count"
 *    or "<name>.Length", just before the array (PropertyParamCount) or the
 *    binary (PropertyParamLength), so that every payload byte belongs to a
 *    property and a consumer that walks the payload in order stays in step.
 *  - Arrays whose length is "the rest of the payload" (stack frames; a last
 *    fixed array that a producer made longer) get this event's element count
 *    with PropertyParamFixedCount: a TRACE_EVENT_INFO is per event anyway.
 *  - The etlkit-internal IPv6 in-type is Binary(16) with out-type IPv6.
 *
 * TdhGetProperty / TdhGetPropertySize locate properties by walking the
 * payload with the schema the way lib/decode.c does (same counts, lengths,
 * pointer size, struct alignment and trailing-array rules); the walk records
 * every property and array element with its offset and size.
 * TdhFormatProperty renders one value with lib/decode.c's own renderer, so
 * its text is what `etlkit dump` shows (without JSON quoting).
 */
#include "facade.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ELEMENTS (1u << 20)
#define VIEW_MAX_PROPS 65535u

/* ---- the TDH view of an etl_schema ----------------------------------------------- */

enum { K_PLAIN, K_SYNTH_COUNT, K_SYNTH_LENGTH };

struct vprop {
	char *name;            /* UTF-8, owned */
	uint32_t flags;        /* PROPERTY_FLAGS */
	uint16_t in, out;
	uint16_t sstart, scount;
	uint16_t count, length;
	const etl_map *map;
	int src;               /* index in the etl_schema; synthetic: its array */
	int kind;
	bool counted;          /* count set from the walk */
};

/* One property occurrence or array element found by the walk. */
struct node {
	uint32_t vprop;        /* index in the view */
	int32_t parent;        /* node, or -1 at top level */
	uint32_t index;        /* element index, or UINT32_MAX for a property */
	uint32_t end;          /* one past the last node of its subtree */
	size_t off, size;
	bool array;
	uint32_t count;        /* elements (arrays) */
	uint32_t elems;        /* arrays: first entry in view->elem_index */
};

struct tdh_view {
	const etl_schema *schema;
	etl_schema synth;      /* EventSource manifest envelope */
	const char *provider_name, *task_name, *opcode_name, *event_name;
	struct vprop *props;
	size_t nprops, top;
	int *map_src;          /* etl_schema index -> view index */
	struct node *nodes;
	size_t nnodes, cap_nodes;
	uint32_t *elem_index;
	size_t nelem, cap_elem;
	uint64_t *ints;        /* last integer value per schema property */
	uint8_t *info;         /* serialized TRACE_EVENT_INFO */
	size_t info_size;
	bool walked;
	int layout;
	const uint8_t *data;
	size_t size;
	unsigned ptr;
	etl_decoder *scratch;  /* for etl_decode_element */
	etl_strbuf tmp;
};

static void view_clear(struct tdh_view *v)
{
	for (size_t i = 0; i < v->nprops; i++)
		free(v->props[i].name);
	free(v->props);
	free(v->map_src);
	free(v->nodes);
	free(v->elem_index);
	free(v->ints);
	free(v->info);
	etl_decoder *keep = v->scratch;
	etl_strbuf tmp = v->tmp;
	memset(v, 0, sizeof *v);
	v->scratch = keep;
	v->tmp = tmp;
	v->tmp.len = 0;
}

void etlkit_w32_view_reset(struct fevent *fe)
{
	if (fe->view)
		view_clear(fe->view);
}

void etlkit_w32_view_free(struct fevent *fe)
{
	if (!fe->view)
		return;
	view_clear(fe->view);
	etl_decoder_free(fe->view->scratch);
	etl_strbuf_free(&fe->view->tmp);
	free(fe->view);
	fe->view = NULL;
}

static bool is_char_array(const etl_prop *pr)
{
	return pr->in_type == ETL_IN_MOF_UNICODECHAR || pr->in_type == ETL_IN_MOF_ANSICHAR ||
	       ((pr->in_type == ETL_IN_UINT16 || pr->in_type == ETL_IN_UINT8 ||
	         pr->in_type == ETL_IN_INT8) &&
	        pr->out_type == ETL_OUT_STRING);
}

static bool is_array(const etl_prop *pr)
{
	return (pr->flags & (ETL_PF_COUNT_PREFIX | ETL_PF_PARAM_COUNT | ETL_PF_TO_END |
	                     ETL_PF_FIXED_COUNT)) || pr->count > 1;
}

static char *strdup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static char *suffixed(const char *name, const char *suffix)
{
	size_t a = strlen(name ? name : ""), b = strlen(suffix);
	char *r = malloc(a + b + 1);
	if (r) {
		memcpy(r, name ? name : "", a);
		memcpy(r + a, suffix, b + 1);
	}
	return r;
}

/* Builds v->props from the schema (counts of "to the end" arrays come later,
 * from the walk). */
static bool build_props(struct tdh_view *v)
{
	const etl_schema *s = v->schema;
	size_t extra = 0;
	for (size_t i = 0; i < s->prop_count; i++)
		if (s->props[i].flags & (ETL_PF_COUNT_PREFIX | ETL_PF_CUSTOM))
			extra++;
	if (s->prop_count + extra > VIEW_MAX_PROPS)
		return false;
	v->props = calloc(s->prop_count + extra + 1, sizeof *v->props);
	v->map_src = calloc(s->prop_count + 1, sizeof *v->map_src);
	if (!v->props || !v->map_src)
		return false;
	/* view index of every schema property: synthetic ones go just before */
	size_t vi = 0;
	for (size_t i = 0; i < s->prop_count; i++) {
		if (s->props[i].flags & (ETL_PF_COUNT_PREFIX | ETL_PF_CUSTOM))
			vi++;
		v->map_src[i] = (int)vi++;
	}
	v->nprops = vi;
	size_t top = s->top_count;
	if ((s->flags & ETL_SF_STOP_AFTER) && s->stop_after < top)
		top = s->stop_after;
	v->top = top ? (size_t)v->map_src[top - 1] + 1 : 0;
	for (size_t i = 0; i < s->prop_count; i++) {
		const etl_prop *p = &s->props[i];
		struct vprop *q = &v->props[v->map_src[i]];
		q->src = (int)i;
		q->kind = K_PLAIN;
		q->name = strdup_or_empty(p->name);
		q->map = p->map;
		if (!q->name)
			return false;
		if (p->flags & (ETL_PF_COUNT_PREFIX | ETL_PF_CUSTOM)) {
			struct vprop *c = q - 1;
			bool custom = p->flags & ETL_PF_CUSTOM;
			c->src = (int)i;
			c->kind = custom ? K_SYNTH_LENGTH : K_SYNTH_COUNT;
			c->name = suffixed(p->name, custom ? ".Length" : ".Count");
			c->in = TDH_INTYPE_UINT16;
			c->out = TDH_OUTTYPE_UNSIGNEDSHORT;
			c->length = 2;
			if (!c->name)
				return false;
		}
		if (p->flags & ETL_PF_XML_FRAGMENT)
			q->flags |= PropertyWBEMXmlFragment;
		if (p->flags & ETL_PF_CUSTOM) {
			q->in = TDH_INTYPE_BINARY;
			q->out = TDH_OUTTYPE_HEXBINARY;
			q->flags |= PropertyParamLength;
			q->length = (uint16_t)(v->map_src[i] - 1);
			continue;
		}
		if (p->flags & ETL_PF_STRUCT) {
			q->flags |= PropertyStruct;
			q->sstart = p->struct_start < s->prop_count ? (uint16_t)v->map_src[p->struct_start] : 0;
			/* synthetic members inside the range count too */
			size_t last = (size_t)p->struct_start + p->struct_count;
			if (p->struct_count && last <= s->prop_count)
				q->scount = (uint16_t)(v->map_src[last - 1] + 1 - v->map_src[p->struct_start]);
			if (p->struct_count && p->struct_start < s->prop_count &&
			    (s->props[p->struct_start].flags & (ETL_PF_COUNT_PREFIX | ETL_PF_CUSTOM))) {
				q->sstart--;
				q->scount++;
			}
		} else {
			q->in = p->in_type;
			q->out = p->out_type;
			if (p->in_type == ETL_IN_X_IPV6) {
				q->in = TDH_INTYPE_BINARY;
				q->out = TDH_OUTTYPE_IPV6;
				q->length = 16;
			}
		}
		bool array = is_array(p);
		if (array && !(p->flags & ETL_PF_STRUCT) && is_char_array(p)) {
			/* one string */
			bool wide = p->in_type == ETL_IN_UINT16 || p->in_type == ETL_IN_MOF_UNICODECHAR;
			if (p->flags & ETL_PF_TO_END) {
				q->in = wide ? TDH_INTYPE_NONNULLTERMINATEDSTRING
				             : TDH_INTYPE_NONNULLTERMINATEDANSISTRING;
			} else {
				q->in = wide ? TDH_INTYPE_UNICODESTRING : TDH_INTYPE_ANSISTRING;
				if (p->flags & ETL_PF_COUNT_PREFIX) {
					q->flags |= PropertyParamLength;
					q->length = (uint16_t)(v->map_src[i] - 1);
				} else if (p->flags & ETL_PF_PARAM_COUNT) {
					q->flags |= PropertyParamLength;
					q->length = p->count < s->prop_count ? (uint16_t)v->map_src[p->count] : 0;
				} else {
					q->flags |= PropertyParamFixedLength;
					q->length = p->count;
				}
			}
			q->out = TDH_OUTTYPE_STRING;
			q->count = 1;
			continue;
		}
		/* length */
		if (!(p->flags & ETL_PF_STRUCT) && p->in_type != ETL_IN_X_IPV6) {
			if (p->flags & ETL_PF_PARAM_LENGTH) {
				q->flags |= PropertyParamLength;
				q->length = p->length < s->prop_count ? (uint16_t)v->map_src[p->length] : 0;
			} else {
				unsigned fs = etl_prop_fixed_size(p, v->ptr);
				q->length = p->length ? p->length : (uint16_t)fs;
				if (p->flags & ETL_PF_FIXED_LENGTH)
					q->flags |= PropertyParamFixedLength;
			}
		}
		/* count */
		q->count = 1;
		if (p->flags & ETL_PF_COUNT_PREFIX) {
			q->flags |= PropertyParamCount;
			q->count = (uint16_t)(v->map_src[i] - 1);
		} else if (p->flags & ETL_PF_PARAM_COUNT) {
			q->flags |= PropertyParamCount;
			q->count = p->count < s->prop_count ? (uint16_t)v->map_src[p->count] : 0;
		} else if (p->flags & ETL_PF_TO_END) {
			q->flags |= PropertyParamFixedCount;
			q->count = 0; /* from the walk */
		} else if (array) {
			q->count = p->count;
			if (p->flags & ETL_PF_FIXED_COUNT)
				q->flags |= PropertyParamFixedCount;
		}
	}
	return true;
}

/* ---- the payload walk (lib/decode.c's rules) ------------------------------------------ */

struct walker {
	struct tdh_view *v;
	const etl_schema *s;
	size_t off;
	size_t base;
	bool aligned, open_tail;
	bool bad;
};

static int32_t push_node(struct tdh_view *v, uint32_t vprop, int32_t parent, uint32_t index,
                         size_t off)
{
	if (v->nnodes == v->cap_nodes) {
		size_t cap = v->cap_nodes ? v->cap_nodes * 2 : 64;
		struct node *n = realloc(v->nodes, cap * sizeof *n);
		if (!n)
			return -1;
		v->nodes = n;
		v->cap_nodes = cap;
	}
	struct node *n = &v->nodes[v->nnodes];
	memset(n, 0, sizeof *n);
	n->vprop = vprop;
	n->parent = parent;
	n->index = index;
	n->off = off;
	n->end = (uint32_t)v->nnodes + 1;
	return (int32_t)v->nnodes++;
}

static bool push_elem(struct tdh_view *v, uint32_t node)
{
	if (v->nelem == v->cap_elem) {
		size_t cap = v->cap_elem ? v->cap_elem * 2 : 64;
		uint32_t *n = realloc(v->elem_index, cap * sizeof *n);
		if (!n)
			return false;
		v->elem_index = n;
		v->cap_elem = cap;
	}
	v->elem_index[v->nelem++] = node;
	return true;
}

static void align_to(struct walker *w, unsigned a)
{
	if (a > 1) {
		size_t r = (w->off - w->base) % a;
		if (r)
			w->off += a - r;
	}
}

static uint64_t int_value(const etl_prop *pr, const uint8_t *p, size_t size, unsigned ptr)
{
	switch (pr->in_type) {
	case ETL_IN_INT8: case ETL_IN_UINT8: case ETL_IN_MOF_ANSICHAR: case ETL_IN_INT16:
	case ETL_IN_UINT16: case ETL_IN_MOF_UNICODECHAR: case ETL_IN_INT32: case ETL_IN_UINT32:
	case ETL_IN_HEXINT32: case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_HEXINT64:
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET: case ETL_IN_BOOLEAN: {
		unsigned n = etl_prop_fixed_size(pr, ptr);
		if (!n || n > size)
			return 0;
		uint64_t u = 0;
		for (unsigned i = 0; i < n; i++)
			u |= (uint64_t)p[i] << (8 * i);
		return u;
	}
	default:
		return 0;
	}
}

static uint64_t ref_value(struct walker *w, const etl_prop *pr, bool length)
{
	uint16_t x = length ? pr->length : pr->count;
	return x < w->s->prop_count ? w->v->ints[x] : 0;
}

/* Size of one scalar element at w->off, by the renderer's own rules. */
static bool element_size(struct walker *w, const etl_prop *pr, uint64_t length, size_t *used)
{
	struct tdh_view *v = w->v;
	etl_prop one = *pr;
	one.length = (uint16_t)(length > 0xFFFF ? 0xFFFF : length);
	v->tmp.len = 0;
	if (!etl_decode_element(v->scratch, &one, v->data + w->off, v->size - w->off, v->ptr,
	                        &v->tmp, used))
		return false;
	return true;
}

static bool walk_props(struct walker *w, uint16_t first, uint16_t count, unsigned depth,
                       int32_t parent, bool *stopped);

static bool walk_prop(struct walker *w, uint16_t i, unsigned depth, int32_t parent)
{
	struct tdh_view *v = w->v;
	const etl_schema *s = w->s;
	const etl_prop *pr = &s->props[i];
	uint32_t vi = (uint32_t)v->map_src[i];
	size_t n = v->size;
	bool array = false;
	uint64_t count = 1;
	if (pr->flags & ETL_PF_CUSTOM) {
		if (n - w->off < 2)
			return false;
		size_t bytes = etl_le16(v->data + w->off);
		if (bytes > n - w->off - 2)
			return false;
		int32_t c = push_node(v, vi - 1, parent, UINT32_MAX, w->off);
		int32_t d = c < 0 ? -1 : push_node(v, vi, parent, UINT32_MAX, w->off + 2);
		if (d < 0)
			return false;
		v->nodes[c].size = 2;
		v->nodes[d].size = bytes;
		w->off += 2 + bytes;
		return true;
	}
	if (pr->flags & ETL_PF_COUNT_PREFIX) {
		if (n - w->off < 2)
			return false;
		int32_t c = push_node(v, vi - 1, parent, UINT32_MAX, w->off);
		if (c < 0)
			return false;
		v->nodes[c].size = 2;
		count = etl_le16(v->data + w->off);
		w->off += 2;
		array = true;
	} else if (pr->flags & ETL_PF_PARAM_COUNT) {
		count = ref_value(w, pr, false);
		array = true;
	} else if (pr->flags & ETL_PF_TO_END) {
		array = true;
		count = MAX_ELEMENTS;
	} else if ((pr->flags & ETL_PF_FIXED_COUNT) || pr->count > 1) {
		count = pr->count;
		array = true;
		if (w->open_tail && depth == 0 && i + 1u == s->top_count &&
		    !(pr->flags & ETL_PF_STRUCT)) {
			unsigned sz = etl_prop_fixed_size(pr, v->ptr);
			size_t left = n - w->off;
			if (sz && left % sz == 0)
				count = left / sz;
		}
	}
	if (count > MAX_ELEMENTS)
		count = MAX_ELEMENTS;
	size_t start = w->off;
	int32_t me = push_node(v, vi, parent, UINT32_MAX, start);
	if (me < 0)
		return false;
	if (array && !(pr->flags & ETL_PF_STRUCT) && is_char_array(pr)) {
		size_t unit = pr->in_type == ETL_IN_UINT16 || pr->in_type == ETL_IN_MOF_UNICODECHAR ? 2 : 1;
		size_t left = n - w->off;
		size_t bytes = (pr->flags & ETL_PF_TO_END) ? left - left % unit : (size_t)count * unit;
		if (bytes > left)
			return false;
		w->off += bytes;
		v->nodes[me].size = bytes;
		v->nodes[me].end = (uint32_t)v->nnodes;
		return true;
	}
	struct node *pn = &v->nodes[me];
	pn->array = array;
	/* element nodes are listed in elem_index once the subtree is known */
	uint32_t *elems = NULL;
	size_t nel = 0, capel = 0;
	bool ok = true;
	for (uint64_t k = 0; k < count; k++) {
		if ((pr->flags & ETL_PF_TO_END) && w->off >= n)
			break;
		int32_t holder = me;
		if (array) {
			holder = push_node(v, vi, me, (uint32_t)k, w->off);
			if (holder < 0) {
				ok = false;
				break;
			}
			if (nel == capel) {
				capel = capel ? capel * 2 : 16;
				uint32_t *ne = realloc(elems, capel * sizeof *ne);
				if (!ne) {
					ok = false;
					break;
				}
				elems = ne;
			}
			elems[nel++] = (uint32_t)holder;
		}
		if (pr->flags & ETL_PF_STRUCT) {
			bool stopped = false;
			unsigned a = w->aligned ? etl_struct_alignment(s, pr, v->ptr) : 0;
			size_t outer = w->base;
			w->base = w->off;
			ok = walk_props(w, pr->struct_start, pr->struct_count, depth + 1, holder, &stopped);
			align_to(w, a);
			w->base = outer;
			if (!ok || stopped)
				ok = false;
		} else {
			size_t used = 0;
			uint64_t len = (pr->flags & ETL_PF_PARAM_LENGTH) ? ref_value(w, pr, true) : pr->length;
			ok = element_size(w, pr, len, &used);
			if (ok) {
				v->ints[i] = int_value(pr, v->data + w->off, n - w->off, v->ptr);
				w->off += used;
			}
		}
		if (array) {
			v->nodes[holder].size = w->off - v->nodes[holder].off;
			v->nodes[holder].end = (uint32_t)v->nnodes;
		}
		if (!ok)
			break;
	}
	pn = &v->nodes[me];
	pn->size = w->off - start;
	pn->end = (uint32_t)v->nnodes;
	if (array) {
		pn->count = (uint32_t)nel;
		pn->elems = (uint32_t)v->nelem;
		for (size_t k = 0; k < nel && ok; k++)
			if (!push_elem(v, elems[k]))
				ok = false;
	}
	free(elems);
	return ok;
}

static bool walk_props(struct walker *w, uint16_t first, uint16_t count, unsigned depth,
                       int32_t parent, bool *stopped)
{
	const etl_schema *s = w->s;
	if (depth > ETL_SCHEMA_MAX_DEPTH || first > s->prop_count || count > s->prop_count - first) {
		w->bad = true;
		return false;
	}
	for (uint16_t k = 0; k < count; k++) {
		uint16_t i = (uint16_t)(first + k);
		const etl_prop *pr = &s->props[i];
		if (depth == 0 && (s->flags & ETL_SF_STOP_AFTER) && i >= s->stop_after) {
			*stopped = true;
			return true;
		}
		if (w->off >= w->v->size &&
		    !((pr->flags & ETL_PF_PARAM_COUNT) && ref_value(w, pr, false) == 0)) {
			*stopped = true;
			return true;
		}
		if (w->aligned && depth > 0)
			align_to(w, etl_prop_fixed_size(pr, w->v->ptr));
		if (!walk_prop(w, i, depth, parent))
			return false;
	}
	return true;
}

static bool walk(struct tdh_view *v)
{
	if (v->walked)
		return true;
	const etl_schema *s = v->schema;
	v->ints = calloc(s->prop_count + 1, sizeof *v->ints);
	if (!v->ints)
		return false;
	if (!v->scratch && etl_decoder_new(NULL, &v->scratch) != ETL_OK)
		return false;
	struct walker w = { v, s, 0, 0, v->layout == 1, v->layout == 2, false };
	bool stopped = false;
	walk_props(&w, 0, s->top_count, 0, -1, &stopped);
	v->walked = true;
	/* counts of "to the end" arrays for this event (first occurrence) */
	for (size_t j = 0; j < v->nnodes; j++) {
		struct node *nd = &v->nodes[j];
		if (nd->index != UINT32_MAX || !nd->array)
			continue;
		struct vprop *q = &v->props[nd->vprop];
		if (q->kind != K_PLAIN || q->counted)
			continue;
		const etl_prop *p = &s->props[q->src];
		bool open = v->layout == 2 &&
		            !(p->flags & (ETL_PF_PARAM_COUNT | ETL_PF_COUNT_PREFIX | ETL_PF_TO_END)) &&
		            ((p->flags & ETL_PF_FIXED_COUNT) || p->count > 1);
		if ((p->flags & ETL_PF_TO_END) || open) {
			q->count = nd->count > 0xFFFF ? 0xFFFF : (uint16_t)nd->count;
			q->flags |= PropertyParamFixedCount;
			q->counted = true;
		}
	}
	return true;
}

/* ---- finding the event behind a record ------------------------------------------------ */

/* The envelope of EventSource manifest events (lib/decode.c renders it by
 * hand; decoding.md §7.2). */
static const etl_prop manifest_envelope[] = {
	{ "Format", 0, ETL_IN_UINT8, 0, 0, 0, 1, 0, NULL },
	{ "MajorVersion", 0, ETL_IN_UINT8, 0, 0, 0, 1, 0, NULL },
	{ "MinorVersion", 0, ETL_IN_UINT8, 0, 0, 0, 1, 0, NULL },
	{ "Magic", 0, ETL_IN_UINT8, 0, 0, 0, 1, 0, NULL },
	{ "TotalChunks", 0, ETL_IN_UINT16, 0, 0, 0, 1, 0, NULL },
	{ "ChunkNumber", 0, ETL_IN_UINT16, 0, 0, 0, 1, 0, NULL },
	{ "Data", 0, ETL_IN_MOF_NONNULLANSISTRING, ETL_OUT_UTF8, 0, 0, 1, 0, NULL },
};

/* Records that are not the current event are rebuilt here, per thread. */
struct fallback {
	struct fevent fe;
	etl_event ev;
	etl_ext_item *ext;
	size_t ext_cap;
};
static _Thread_local struct fallback *fb;

static struct fevent *resolve(PEVENT_RECORD r)
{
	struct fevent *cur = etlkit_w32_current();
	if (cur && &cur->rec == r)
		return cur;
	if (!fb) {
		fb = calloc(1, sizeof *fb);
		if (!fb)
			return NULL;
	}
	if (!fb->fe.dec) {
		etl_schemas *s = etlkit_w32_schemas();
		if (!s || etl_decoder_new(s, &fb->fe.dec) != ETL_OK)
			return NULL;
	}
	etl_event *ev = &fb->ev;
	memset(ev, 0, sizeof *ev);
	const EVENT_HEADER *h = &r->EventHeader;
	bool is32 = h->Flags & EVENT_HEADER_FLAG_32_BIT_HEADER;
	if (h->Flags & EVENT_HEADER_FLAG_TRACE_MESSAGE)
		ev->header = ETL_HDR_MESSAGE;
	else if (h->Flags & EVENT_HEADER_FLAG_CLASSIC_HEADER)
		ev->header = is32 ? ETL_HDR_FULL32 : ETL_HDR_FULL64;
	else
		ev->header = is32 ? ETL_HDR_EVENT32 : ETL_HDR_EVENT64;
	ev->flags = h->Flags;
	ev->event_property = h->EventProperty;
	memcpy(&ev->provider, &h->ProviderId, sizeof(GUID));
	ev->id = h->EventDescriptor.Id;
	ev->version = h->EventDescriptor.Version;
	ev->channel = h->EventDescriptor.Channel;
	ev->level = h->EventDescriptor.Level;
	ev->opcode = h->EventDescriptor.Opcode;
	ev->task = h->EventDescriptor.Task;
	ev->keywords = h->EventDescriptor.Keyword;
	ev->pid = h->ProcessId;
	ev->tid = h->ThreadId;
	ev->pointer_size = is32 ? 4 : 8;
	ev->timestamp = ev->raw_timestamp = h->TimeStamp.QuadPart;
	memcpy(&ev->activity_id, &h->ActivityId, sizeof(GUID));
	ev->data = r->UserData;
	ev->size = r->UserData ? r->UserDataLength : 0;
	if (r->ExtendedDataCount && r->ExtendedData) {
		if (r->ExtendedDataCount > fb->ext_cap) {
			etl_ext_item *n = realloc(fb->ext, r->ExtendedDataCount * sizeof *n);
			if (!n)
				return NULL;
			fb->ext = n;
			fb->ext_cap = r->ExtendedDataCount;
		}
		for (USHORT i = 0; i < r->ExtendedDataCount; i++) {
			fb->ext[i].type = r->ExtendedData[i].ExtType;
			fb->ext[i].size = r->ExtendedData[i].DataSize;
			fb->ext[i].data = (const uint8_t *)(uintptr_t)r->ExtendedData[i].DataPtr;
		}
		ev->ext = fb->ext;
		ev->ext_count = r->ExtendedDataCount;
	}
	fb->fe.ev = ev;
	fb->fe.decoded = NULL;
	fb->fe.decoded_done = false;
	etlkit_w32_view_reset(&fb->fe);
	return &fb->fe;
}

static unsigned context_pointer_size(ULONG n, const TDH_CONTEXT *c)
{
	for (ULONG i = 0; c && i < n; i++)
		if (c[i].ParameterType == TDH_CONTEXT_POINTERSIZE &&
		    (c[i].ParameterValue == 4 || c[i].ParameterValue == 8))
			return (unsigned)c[i].ParameterValue;
	return 0;
}

/* The view of r's schema, walked over its payload; NULL with *err set. */
static struct tdh_view *get_view(PEVENT_RECORD r, unsigned ptr, ULONG *err)
{
	*err = ERROR_SUCCESS;
	if (!r) {
		*err = ERROR_INVALID_PARAMETER;
		return NULL;
	}
	struct fevent *fe = resolve(r);
	if (!fe) {
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	const etl_event *ev = fe->ev;
	if (!ptr)
		ptr = ev->pointer_size ? ev->pointer_size : 8;
	if (fe->view && fe->view->schema && fe->view->ptr == ptr)
		return fe->view;
	if (!fe->decoded_done) {
		const etl_decoded *d = NULL;
		if (etl_decoder_decode(fe->dec, ev, &d) != ETL_OK)
			d = NULL;
		fe->decoded = d;
		fe->decoded_done = true;
	}
	if (!fe->view && !(fe->view = calloc(1, sizeof *fe->view))) {
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	struct tdh_view *v = fe->view;
	view_clear(v);
	const etl_decoded *d = fe->decoded;
	if (!d) {
		*err = ERROR_NOT_FOUND;
		return NULL;
	}
	if (d->schema) {
		v->schema = d->schema;
	} else if (d->source == ETL_SRC_EVENTSOURCE && d->event_name &&
	           !strcmp(d->event_name, "ManifestData")) {
		etl_schema *s = &v->synth;
		memset(s, 0, sizeof *s);
		s->provider = ev->provider;
		s->id = ev->id;
		s->version = ev->version;
		s->opcode = ev->opcode;
		s->source = ETL_SRC_EVENTSOURCE;
		s->event_name = "ManifestData";
		s->props = manifest_envelope;
		s->prop_count = s->top_count = sizeof manifest_envelope / sizeof manifest_envelope[0];
		v->schema = s;
	} else {
		*err = ERROR_NOT_FOUND;
		return NULL;
	}
	v->provider_name = d->provider_name;
	v->task_name = d->task_name;
	v->opcode_name = d->opcode_name;
	v->event_name = d->event_name;
	v->layout = d->layout;
	v->data = ev->data;
	v->size = ev->size;
	v->ptr = ptr;
	if (!build_props(v) || !walk(v)) {
		view_clear(v);
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	return v;
}

/* ---- TRACE_EVENT_INFO ------------------------------------------------------------------ */

struct out {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static bool out_reserve(struct out *o, size_t n)
{
	if (o->failed)
		return false;
	if (n <= o->cap - o->len)
		return true;
	size_t cap = o->cap ? o->cap : 512;
	while (cap - o->len < n)
		cap *= 2;
	uint8_t *p = realloc(o->p, cap);
	if (!p) {
		o->failed = true;
		return false;
	}
	memset(p + o->cap, 0, cap - o->cap);
	o->p = p;
	o->cap = cap;
	return true;
}

/* Appends s as NUL-terminated UTF-16; returns its offset, 0 when s is NULL. */
static ULONG out_str(struct out *o, const char *s)
{
	if (!s)
		return 0;
	size_t units = etlkit_w32_utf16_len(s) + 1;
	if (o->len % 2)
		o->len++;
	if (!out_reserve(o, units * 2))
		return 0;
	ULONG off = (ULONG)o->len;
	etlkit_w32_to_utf16(s, (WCHAR *)(o->p + o->len), units);
	o->len += units * 2;
	return off;
}

/* "a|b|c" as the list of strings TDH gives for keywords, ended by "" */
static ULONG out_str_list(struct out *o, const char *s)
{
	if (!s || !*s)
		return 0;
	ULONG first = 0;
	const char *p = s;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *one = malloc(n + 1);
		if (!one) {
			o->failed = true;
			return 0;
		}
		memcpy(one, p, n);
		one[n] = 0;
		ULONG off = out_str(o, one);
		free(one);
		if (!first)
			first = off;
		p += n;
		if (*p == '|')
			p++;
	}
	out_str(o, "");
	return first;
}

static DECODING_SOURCE decoding_source(int source)
{
	switch (source) {
	case ETL_SRC_MOF: return DecodingSourceWbem;
	case ETL_SRC_WPP: return DecodingSourceWPP;
	case ETL_SRC_TRACELOGGING: return DecodingSourceTlg;
	default: return DecodingSourceXMLFile;
	}
}

static bool serialize(struct tdh_view *v, const EVENT_RECORD *r)
{
	const etl_schema *s = v->schema;
	struct out o = { 0 };
	size_t head = offsetof(TRACE_EVENT_INFO, EventPropertyInfoArray) +
	              v->nprops * sizeof(EVENT_PROPERTY_INFO);
	if (head < sizeof(TRACE_EVENT_INFO))
		head = sizeof(TRACE_EVENT_INFO);
	if (!out_reserve(&o, head))
		return false;
	o.len = head;
	TRACE_EVENT_INFO t;
	memset(&t, 0, sizeof t);
	memcpy(&t.ProviderGuid, &r->EventHeader.ProviderId, sizeof(GUID));
	if (s->source == ETL_SRC_MOF && etl_guid_is_null(&s->event_guid))
		t.EventGuid = r->EventHeader.ProviderId;
	else
		memcpy(&t.EventGuid, &s->event_guid, sizeof(GUID));
	t.EventDescriptor = r->EventHeader.EventDescriptor;
	t.DecodingSource = decoding_source(s->source);
	t.ProviderNameOffset = out_str(&o, v->provider_name ? v->provider_name : s->provider_name);
	t.LevelNameOffset = out_str(&o, s->level_name);
	t.ChannelNameOffset = out_str(&o, s->channel_name);
	t.KeywordsNameOffset = out_str_list(&o, s->keywords_name);
	t.TaskNameOffset = out_str(&o, v->task_name);
	const char *opname = v->opcode_name;
	if (!opname && s->source == ETL_SRC_MOF)
		opname = v->event_name;
	t.OpcodeNameOffset = out_str(&o, opname);
	t.EventMessageOffset = out_str(&o, s->message);
	if (s->source != ETL_SRC_MOF)
		t.EventNameOffset = out_str(&o, v->event_name);
	t.PropertyCount = (ULONG)v->nprops;
	t.TopLevelPropertyCount = (ULONG)v->top;
	if ((s->source == ETL_SRC_MANIFEST || s->source == ETL_SRC_EVENTSOURCE ||
	     s->source == ETL_SRC_METADATA) && v->nprops)
		t.Flags = TEMPLATE_EVENT_DATA;
	EVENT_PROPERTY_INFO *pi = calloc(v->nprops + 1, sizeof *pi);
	if (!pi) {
		free(o.p);
		return false;
	}
	for (size_t i = 0; i < v->nprops; i++) {
		const struct vprop *q = &v->props[i];
		EVENT_PROPERTY_INFO *e = &pi[i];
		e->Flags = (PROPERTY_FLAGS)q->flags;
		e->NameOffset = out_str(&o, q->name);
		if (q->flags & PropertyStruct) {
			e->structType.StructStartIndex = q->sstart;
			e->structType.NumOfStructMembers = q->scount;
		} else {
			e->nonStructType.InType = q->in;
			e->nonStructType.OutType = q->out;
			e->nonStructType.MapNameOffset = q->map && q->map->name ? out_str(&o, q->map->name) : 0;
		}
		e->count = q->count;
		e->length = q->length;
	}
	if (o.failed) {
		free(pi);
		free(o.p);
		return false;
	}
	memcpy(o.p, &t, offsetof(TRACE_EVENT_INFO, EventPropertyInfoArray));
	memcpy(o.p + offsetof(TRACE_EVENT_INFO, EventPropertyInfoArray), pi,
	       v->nprops * sizeof(EVENT_PROPERTY_INFO));
	free(pi);
	if (o.len % 4)
		o.len += 4 - o.len % 4;
	v->info = o.p;
	v->info_size = o.len;
	return true;
}

TDHSTATUS WINAPI TdhGetEventInformation(PEVENT_RECORD Event, ULONG TdhContextCount,
                                        PTDH_CONTEXT TdhContext, PTRACE_EVENT_INFO Buffer,
                                        PULONG BufferSize)
{
	if (!Event || !BufferSize)
		return ERROR_INVALID_PARAMETER;
	ULONG err;
	struct tdh_view *v = get_view(Event, context_pointer_size(TdhContextCount, TdhContext), &err);
	if (!v)
		return err;
	if (!v->info && !serialize(v, Event))
		return ERROR_NOT_ENOUGH_MEMORY;
	if (v->info_size > UINT32_MAX)
		return ERROR_NOT_SUPPORTED;
	if (!Buffer || *BufferSize < v->info_size) {
		*BufferSize = (ULONG)v->info_size;
		return ERROR_INSUFFICIENT_BUFFER;
	}
	memcpy(Buffer, v->info, v->info_size);
	*BufferSize = (ULONG)v->info_size;
	return ERROR_SUCCESS;
}

/* ---- properties by path ---------------------------------------------------------------- */

static ULONG find_node(struct tdh_view *v, ULONG n, const PROPERTY_DATA_DESCRIPTOR *d,
                       const struct node **out)
{
	if (!n || !d)
		return ERROR_INVALID_PARAMETER;
	int32_t parent = -1;
	const struct node *hit = NULL;
	for (ULONG level = 0; level < n; level++) {
		const WCHAR *wname = (const WCHAR *)(uintptr_t)d[level].PropertyName;
		char *name = etlkit_w32_utf8(wname);
		if (!name)
			return wname ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER;
		size_t j = parent < 0 ? 0 : (size_t)parent + 1;
		size_t limit = parent < 0 ? v->nnodes : v->nodes[parent].end;
		hit = NULL;
		bool known = false;
		for (size_t i = 0; i < v->nprops && !known; i++)
			known = !strcmp(v->props[i].name, name);
		while (j < limit) {
			const struct node *nd = &v->nodes[j];
			if (nd->parent == parent && nd->index == UINT32_MAX &&
			    !strcmp(v->props[nd->vprop].name, name)) {
				hit = nd;
				break;
			}
			j = nd->end > j ? nd->end : j + 1;
		}
		free(name);
		if (!hit)
			return known ? ERROR_EVT_INVALID_EVENT_DATA : ERROR_NOT_FOUND;
		ULONG idx = d[level].ArrayIndex;
		if (idx != ULONG_MAX) {
			if (hit->array) {
				if (idx >= hit->count)
					return ERROR_INVALID_PARAMETER;
				hit = &v->nodes[v->elem_index[hit->elems + idx]];
			} else if (idx != 0) {
				return ERROR_INVALID_PARAMETER;
			}
		} else if (hit->array && level + 1 < n) {
			return ERROR_INVALID_PARAMETER;
		}
		parent = (int32_t)(hit - v->nodes);
	}
	*out = hit;
	return ERROR_SUCCESS;
}

TDHSTATUS WINAPI TdhGetPropertySize(PEVENT_RECORD pEvent, ULONG TdhContextCount,
                                    PTDH_CONTEXT pTdhContext, ULONG PropertyDataCount,
                                    PPROPERTY_DATA_DESCRIPTOR pPropertyData,
                                    ULONG *pPropertySize)
{
	if (!pEvent || !pPropertySize)
		return ERROR_INVALID_PARAMETER;
	ULONG err;
	struct tdh_view *v = get_view(pEvent, context_pointer_size(TdhContextCount, pTdhContext), &err);
	if (!v)
		return err;
	const struct node *nd;
	err = find_node(v, PropertyDataCount, pPropertyData, &nd);
	if (err != ERROR_SUCCESS)
		return err;
	*pPropertySize = (ULONG)nd->size;
	return ERROR_SUCCESS;
}

TDHSTATUS WINAPI TdhGetProperty(PEVENT_RECORD pEvent, ULONG TdhContextCount,
                                PTDH_CONTEXT pTdhContext, ULONG PropertyDataCount,
                                PPROPERTY_DATA_DESCRIPTOR pPropertyData, ULONG BufferSize,
                                PBYTE pBuffer)
{
	if (!pEvent || !pBuffer)
		return ERROR_INVALID_PARAMETER;
	ULONG err;
	struct tdh_view *v = get_view(pEvent, context_pointer_size(TdhContextCount, pTdhContext), &err);
	if (!v)
		return err;
	const struct node *nd;
	err = find_node(v, PropertyDataCount, pPropertyData, &nd);
	if (err != ERROR_SUCCESS)
		return err;
	if (BufferSize < nd->size)
		return ERROR_INSUFFICIENT_BUFFER;
	memcpy(pBuffer, v->data + nd->off, nd->size);
	return ERROR_SUCCESS;
}

/* ---- maps ------------------------------------------------------------------------------- */

TDHSTATUS WINAPI TdhGetEventMapInformation(PEVENT_RECORD pEvent, PWSTR pMapName,
                                           PEVENT_MAP_INFO pBuffer, ULONG *pBufferSize)
{
	if (!pEvent || !pMapName || !pBufferSize)
		return ERROR_INVALID_PARAMETER;
	ULONG err;
	struct tdh_view *v = get_view(pEvent, 0, &err);
	if (!v)
		return err;
	char *name = etlkit_w32_utf8(pMapName);
	if (!name)
		return ERROR_NOT_ENOUGH_MEMORY;
	const etl_map *m = NULL;
	for (size_t i = 0; i < v->nprops && !m; i++)
		if (v->props[i].map && v->props[i].map->name && !strcmp(v->props[i].map->name, name))
			m = v->props[i].map;
	free(name);
	if (!m)
		return ERROR_NOT_FOUND;
	bool mof = v->schema->source == ETL_SRC_MOF;
	struct out o = { 0 };
	size_t head = offsetof(EVENT_MAP_INFO, MapEntryArray) + m->count * sizeof(EVENT_MAP_ENTRY);
	if (head < sizeof(EVENT_MAP_INFO))
		head = sizeof(EVENT_MAP_INFO);
	if (!out_reserve(&o, head))
		return ERROR_NOT_ENOUGH_MEMORY;
	o.len = head;
	EVENT_MAP_INFO mi;
	memset(&mi, 0, sizeof mi);
	mi.NameOffset = out_str(&o, m->name);
	if (m->kind & ETL_MAP_BITMAP)
		mi.Flag = mof ? EVENTMAP_INFO_FLAG_WBEM_BITMAP : EVENTMAP_INFO_FLAG_MANIFEST_BITMAP;
	else
		mi.Flag = mof ? EVENTMAP_INFO_FLAG_WBEM_VALUEMAP : EVENTMAP_INFO_FLAG_MANIFEST_VALUEMAP;
	mi.EntryCount = m->count;
	mi.MapEntryValueType = EVENTMAP_ENTRY_VALUETYPE_ULONG;
	EVENT_MAP_ENTRY *ents = calloc(m->count + 1, sizeof *ents);
	if (!ents) {
		free(o.p);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	for (uint32_t i = 0; i < m->count; i++) {
		ents[i].OutputOffset = out_str(&o, m->entries[i].name ? m->entries[i].name : "");
		ents[i].Value = (ULONG)m->entries[i].value;
	}
	if (o.failed || o.len > UINT32_MAX) {
		free(ents);
		free(o.p);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	memcpy(o.p, &mi, offsetof(EVENT_MAP_INFO, MapEntryArray));
	memcpy(o.p + offsetof(EVENT_MAP_INFO, MapEntryArray), ents, m->count * sizeof *ents);
	free(ents);
	ULONG rc = ERROR_SUCCESS;
	if (!pBuffer || *pBufferSize < o.len)
		rc = ERROR_INSUFFICIENT_BUFFER;
	else
		memcpy(pBuffer, o.p, o.len);
	*pBufferSize = (ULONG)o.len;
	free(o.p);
	return rc;
}

/* ---- TdhFormatProperty ------------------------------------------------------------------- */

static _Thread_local etl_decoder *fmt_dec;
static _Thread_local etl_strbuf fmt_json, fmt_text;

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void put_cp(etl_strbuf *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3F));
		u[2] = (char)(0x80 | (c >> 6 & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	etl_strbuf_put(b, u, n);
}

static uint32_t read_u4(const char *p)
{
	uint32_t c = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return 0xFFFD;
		c = c << 4 | (uint32_t)h;
	}
	return c;
}

/* A JSON value as display text: strings unquoted and unescaped, null empty,
 * anything else as it stands. */
static void json_to_text(const char *j, size_t n, etl_strbuf *out)
{
	out->len = 0;
	etl_strbuf_put(out, "", 0);
	if (n == 4 && !memcmp(j, "null", 4))
		return;
	if (!n || j[0] != '"') {
		etl_strbuf_put(out, j, n);
		return;
	}
	size_t end = n - 1; /* closing quote */
	for (size_t i = 1; i < end; i++) {
		char c = j[i];
		if (c != '\\' || i + 1 >= end) {
			etl_strbuf_putc(out, c);
			continue;
		}
		c = j[++i];
		switch (c) {
		case 'b': etl_strbuf_putc(out, '\b'); break;
		case 'f': etl_strbuf_putc(out, '\f'); break;
		case 'n': etl_strbuf_putc(out, '\n'); break;
		case 'r': etl_strbuf_putc(out, '\r'); break;
		case 't': etl_strbuf_putc(out, '\t'); break;
		case 'u': {
			if (i + 4 >= end + 1) {
				i = end;
				break;
			}
			uint32_t cp = read_u4(j + i + 1);
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < end && j[i + 1] == '\\' &&
			    j[i + 2] == 'u') {
				uint32_t lo = read_u4(j + i + 3);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;
			put_cp(out, cp);
			break;
		}
		default: etl_strbuf_putc(out, c); break;
		}
	}
}

/* An EVENT_MAP_INFO as an etl_map (strings and entries malloc'd in one block). */
static etl_map *map_from_info(const EVENT_MAP_INFO *mi)
{
	if (!mi || mi->EntryCount > ETL_SCHEMA_MAX_MAP_ENTRIES)
		return NULL;
	size_t bytes = sizeof(etl_map) + (mi->EntryCount + 1) * sizeof(etl_map_entry);
	for (ULONG i = 0; i < mi->EntryCount; i++) {
		const EVENT_MAP_ENTRY *e = &mi->MapEntryArray[i];
		const WCHAR *w = e->OutputOffset ? (const WCHAR *)((const BYTE *)mi + e->OutputOffset) : NULL;
		size_t u = 0;
		while (w && w[u])
			u++;
		bytes += 3 * u + 1;
	}
	uint8_t *blk = calloc(1, bytes);
	if (!blk)
		return NULL;
	etl_map *m = (etl_map *)blk;
	etl_map_entry *ents = (etl_map_entry *)(blk + sizeof(etl_map));
	char *str = (char *)(ents + mi->EntryCount + 1);
	m->kind = (mi->Flag & (EVENTMAP_INFO_FLAG_MANIFEST_BITMAP | EVENTMAP_INFO_FLAG_WBEM_BITMAP |
	                       EVENTMAP_INFO_FLAG_WBEM_FLAG))
	              ? ETL_MAP_BITMAP : ETL_MAP_VALUE;
	m->count = mi->EntryCount;
	m->entries = ents;
	for (ULONG i = 0; i < mi->EntryCount; i++) {
		const EVENT_MAP_ENTRY *e = &mi->MapEntryArray[i];
		const WCHAR *w = e->OutputOffset ? (const WCHAR *)((const BYTE *)mi + e->OutputOffset) : NULL;
		char *u8 = etlkit_w32_utf8(w);
		size_t len = u8 ? strlen(u8) : 0;
		memcpy(str, u8 ? u8 : "", len + 1);
		free(u8);
		/* message-table strings end with a space */
		while (len && str[len - 1] == ' ')
			str[--len] = 0;
		ents[i].value = e->Value;
		ents[i].name = str;
		str += len + 1;
	}
	return m;
}

TDHSTATUS WINAPI TdhFormatProperty(PTRACE_EVENT_INFO EventInfo, PEVENT_MAP_INFO MapInfo,
                                   ULONG PointerSize, USHORT PropertyInType,
                                   USHORT PropertyOutType, USHORT PropertyLength,
                                   USHORT UserDataLength, PBYTE UserData, PULONG BufferSize,
                                   PWCHAR Buffer, PUSHORT UserDataConsumed)
{
	(void)EventInfo;
	if (!BufferSize || !UserDataConsumed || (!UserData && UserDataLength))
		return ERROR_INVALID_PARAMETER;
	if (PointerSize != 4 && PointerSize != 8)
		return ERROR_INVALID_PARAMETER;
	if (PropertyInType == TDH_INTYPE_NULL || PropertyInType == 24 /* struct marker */)
		return ERROR_INVALID_PARAMETER;
	if (!fmt_dec && etl_decoder_new(NULL, &fmt_dec) != ETL_OK)
		return ERROR_NOT_ENOUGH_MEMORY;
	etl_prop one;
	memset(&one, 0, sizeof one);
	one.name = "";
	one.in_type = PropertyInType;
	one.out_type = PropertyOutType;
	one.length = PropertyLength;
	etl_map *m = MapInfo ? map_from_info(MapInfo) : NULL;
	one.map = m;
	size_t used = 0;
	fmt_json.len = 0;
	bool ok = etl_decode_element(fmt_dec, &one, UserData, UserDataLength, PointerSize,
	                             &fmt_json, &used);
	free(m);
	if (!ok)
		return ERROR_EVT_INVALID_EVENT_DATA;
	json_to_text(fmt_json.p ? fmt_json.p : "", fmt_json.len, &fmt_text);
	if (fmt_text.failed || fmt_json.failed)
		return ERROR_NOT_ENOUGH_MEMORY;
	size_t units = etlkit_w32_utf16_len(fmt_text.p) + 1;
	if (units > UINT32_MAX / 2)
		return ERROR_NOT_SUPPORTED;
	ULONG need = (ULONG)(units * 2);
	if (!Buffer || *BufferSize < need) {
		*BufferSize = need;
		return ERROR_INSUFFICIENT_BUFFER;
	}
	etlkit_w32_to_utf16(fmt_text.p, Buffer, units);
	*BufferSize = need;
	*UserDataConsumed = (USHORT)used;
	return ERROR_SUCCESS;
}
