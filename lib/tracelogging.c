/*
 * tracelogging.c - the schema of a TraceLogging (self-describing) event, built
 * from the two extended data items every such event carries (decoding.md §6):
 * PROV_TRAITS (ext type 12, the provider name) and EVENT_SCHEMA_TL (ext type
 * 11, the event name and its field list).
 *
 * PROV_TRAITS:
 *   off 0  u16  TotalSize, this field included
 *   off 2  var  provider name, UTF-8, NUL-terminated
 *   ...         traits up to TotalSize: u16 TraitSize (itself included),
 *               u8 TraitType (1 = provider group GUID, 16 bytes), data
 *
 * EVENT_SCHEMA_TL:
 *   off 0  u16  Size, this field included
 *   off 2  1-4  event tags: 7 bits per byte, most significant group first,
 *               bit 7 = another byte follows (28 bits at most)
 *   ...    var  event name, UTF-8, NUL-terminated
 *   ...         fields until Size, each:
 *                 name      UTF-8, NUL-terminated
 *                 in byte   bits 0-4 in-type, bits 5-6 array kind (0x20
 *                           constant count, 0x40 variable count, 0x60 custom
 *                           serialised), bit 7 = out byte follows
 *                 [out]     bits 0-6 TraceLogging out-type, or the number of
 *                           member fields for a struct (in-type 24);
 *                           bit 7 = field tags follow
 *                 [tags]    as the event tags
 *                 [u16]     constant count (kind 0x20)
 *                 [u16 + n] custom schema bytes (kind 0x60)
 *
 * A struct owns the next N fields of the list (its members, which may be
 * structs again), so the metadata is a pre-order walk of a tree.  TDH flattens
 * it differently: top-level properties first, then the members of each struct
 * as one contiguous run that the struct points at (struct_start, struct_count),
 * recursively.  We build that layout because the decoder walks
 * props[struct_start .. +struct_count) once per struct instance.
 *
 * Speed: the decoder caches the result per distinct (provider, metadata)
 * bytes, so this runs once per event shape; still it is one pass over the
 * blob, one arena allocation for the whole schema and no heap allocation for
 * events of up to 64 fields.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"

#include <stdlib.h>
#include <string.h>

/* TraceLogging in-type codes that differ from the TDH table, and the array
 * kind bits of the in byte. */
enum {
	TL_IN_MASK = 0x1F, TL_KIND_MASK = 0x60, TL_CHAIN = 0x80,
	TL_KIND_SCALAR = 0x00, TL_KIND_CCOUNT = 0x20, TL_KIND_VCOUNT = 0x40,
	TL_KIND_CUSTOM = 0x60,
	TL_IN_BINARY = 14, TL_IN_POINTER = 16, TL_IN_STRUCT = 24, TL_IN_MAX = 25
};

/* One field as read from the metadata, in metadata (pre-order) order. */
struct tl_field {
	uint32_t off;        /* byte offset of the field's name, for messages */
	uint32_t name_off, name_len;
	uint8_t in;          /* TraceLogging in-type (low 5 bits) */
	uint8_t kind;        /* array kind bits */
	uint8_t out;         /* TraceLogging out-type (7 bits); struct: members */
	uint16_t count;      /* constant count (kind 0x20) */
	int32_t parent;      /* index of the owning struct field, -1 = top level */
	int32_t first_child, next_sibling, last_child;
};

#define TL_STACK_FIELDS 64

static etl_status tl_fail(char *err, size_t errsz, const char *what, size_t off,
                          const char *msg)
{
	etl_msg(err, errsz, "TraceLogging %s: byte %zu: %s", what, off, msg);
	return ETL_ERR_SCHEMA;
}

/* Length of the valid-UTF-8 rendering of s[0..n): invalid bytes become U+FFFD
 * (3 bytes), so that names from the trace never carry broken UTF-8 into the
 * sinks.  utf8_sanitize() writes it (dst has room for the result + NUL). */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	uint32_t cp = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
		return 0;
	return len;
}

static size_t utf8_size(const uint8_t *s, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			out++;
			i++;
			continue;
		}
		size_t k = utf8_seq(s + i, n - i);
		out += k ? k : 3;
		i += k ? k : 1;
	}
	return out;
}

static char *utf8_sanitize(char *dst, const uint8_t *s, size_t n)
{
	size_t run = 0; /* valid bytes not yet copied, ending at s + i */
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			run++;
			continue;
		}
		size_t k = utf8_seq(s + i, n - i);
		if (k) {
			i += k;
			run += k;
			continue;
		}
		memcpy(dst, s + i - run, run);
		dst += run;
		run = 0;
		memcpy(dst, "\xEF\xBF\xBD", 3);
		dst += 3;
		i++;
	}
	memcpy(dst, s + n - run, run);
	dst += run;
	*dst++ = 0;
	return dst;
}

/* A NUL-terminated string at the cursor: its offset and length. */
static bool tl_cstr(etl_cursor *c, uint32_t *off, uint32_t *len)
{
	const uint8_t *p = c->p + c->off;
	const uint8_t *z = memchr(p, 0, etl_cursor_left(c));
	if (!z)
		return false;
	*off = (uint32_t)c->off;
	*len = (uint32_t)(z - p);
	c->off += *len + 1;
	return true;
}

/* Tags: up to four bytes of 7 bits each, bit 7 chaining. */
static bool tl_tags(etl_cursor *c)
{
	for (int i = 0; i < 4; i++) {
		uint8_t b;
		if (!etl_cursor_u8(c, &b))
			return false;
		if (!(b & 0x80))
			return true;
	}
	return false; /* a fifth byte would exceed 28 bits */
}

/* Natural size of the integer in-types for the size-dependent out-types. */
static unsigned tl_int_size(unsigned in)
{
	switch (in) {
	case ETL_IN_INT8: case ETL_IN_UINT8:
		return 1;
	case ETL_IN_INT16: case ETL_IN_UINT16:
		return 2;
	case ETL_IN_INT32: case ETL_IN_UINT32: case ETL_IN_HEXINT32: case ETL_IN_BOOLEAN:
		return 4;
	case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_HEXINT64:
		return 8;
	default:
		return 0;
	}
}

/* TraceLogging out-type (decoding.md §3.4) -> TDH numbering; `in` is already
 * the TDH in-type.  Unknown codes and combinations that make no sense fall
 * back to 0 (the in-type's default rendering): out-types only steer
 * formatting, so a strange one is no reason to refuse the event. */
static uint16_t tl_outtype(unsigned out, unsigned in)
{
	static const uint16_t direct[] = {
		[0] = ETL_OUT_NULL, [1] = ETL_OUT_NOPRINT, [2] = ETL_OUT_STRING,
		[3] = ETL_OUT_BOOLEAN, [5] = ETL_OUT_PID, [6] = ETL_OUT_TID,
		[7] = ETL_OUT_PORT, [8] = ETL_OUT_IPV4, [9] = ETL_OUT_IPV6,
		[10] = ETL_OUT_SOCKETADDRESS, [11] = ETL_OUT_XML, [12] = ETL_OUT_JSON,
		[13] = ETL_OUT_WIN32ERROR, [14] = ETL_OUT_NTSTATUS,
		[15] = ETL_OUT_HRESULT, [16] = ETL_OUT_DATETIME,
		[33] = ETL_OUT_CULTURE_INSENSITIVE_DATETIME, [35] = ETL_OUT_UTF8,
		[36] = ETL_OUT_PKCS7, [37] = ETL_OUT_CODE_POINTER,
		[38] = ETL_OUT_DATETIME_UTC,
	};
	unsigned size = tl_int_size(in);
	switch (out) {
	case 4: /* HEX */
		if (in == ETL_IN_COUNTEDBINARY || in == ETL_IN_BINARY)
			return ETL_OUT_HEXBINARY;
		if (in == ETL_IN_POINTER)
			return ETL_OUT_HEXINT64;
		switch (size) {
		case 1: return ETL_OUT_HEXINT8;
		case 2: return ETL_OUT_HEXINT16;
		case 4: return ETL_OUT_HEXINT32;
		case 8: return ETL_OUT_HEXINT64;
		default: return ETL_OUT_NULL;
		}
	case 17: /* SIGNED */
		switch (size) {
		case 1: return ETL_OUT_BYTE;
		case 2: return ETL_OUT_SHORT;
		case 4: return ETL_OUT_INT;
		case 8: return ETL_OUT_LONG;
		default: return ETL_OUT_NULL;
		}
	case 18: /* UNSIGNED */
		switch (size) {
		case 1: return ETL_OUT_UNSIGNEDBYTE;
		case 2: return ETL_OUT_UNSIGNEDSHORT;
		case 4: return ETL_OUT_UNSIGNEDINT;
		case 8: return ETL_OUT_UNSIGNEDLONG;
		default: return ETL_OUT_NULL;
		}
	default:
		return out < sizeof(direct) / sizeof(direct[0]) ? direct[out] : ETL_OUT_NULL;
	}
}

/* TraceLogging in-type -> TDH in-type.  Most codes are shared.  BINARY (14)
 * is a u16 byte count followed by the bytes, which is exactly the encoding of
 * COUNTEDBINARY; the TDH in-type 14 instead takes its length from the schema.
 * POINTER (16) is not produced by the TraceLogging macros (they write
 * HEXINT32/64); should it appear we read it pointer-sized, from the event's
 * header kind, like TDH's Pointer. */
static uint16_t tl_intype(unsigned in)
{
	return in == TL_IN_BINARY ? ETL_IN_COUNTEDBINARY : (uint16_t)in;
}

/* Provider name from the PROV_TRAITS blob, validated trait by trait.  The
 * group GUID is checked for size but not kept: nothing in the schema model
 * needs it. */
static etl_status tl_traits(const uint8_t *t, size_t tn, uint32_t *name_off,
                            uint32_t *name_len, char *err, size_t errsz)
{
	static const char what[] = "provider traits";
	etl_cursor c;
	uint16_t total;
	etl_cursor_init(&c, t, tn);
	if (!etl_cursor_u16(&c, &total))
		return tl_fail(err, errsz, what, 0, "shorter than its size field");
	if (total < 3 || total > tn)
		return tl_fail(err, errsz, what, 0, "size field out of range");
	c.len = total; /* anything after TotalSize is item padding */
	if (!tl_cstr(&c, name_off, name_len))
		return tl_fail(err, errsz, what, 2, "provider name not terminated");
	while (etl_cursor_left(&c) > 0) {
		size_t at = c.off;
		uint16_t size;
		uint8_t type;
		if (!etl_cursor_u16(&c, &size) || !etl_cursor_u8(&c, &type))
			return tl_fail(err, errsz, what, at, "truncated trait header");
		if (size < 3 || !etl_cursor_skip(&c, size - 3u))
			return tl_fail(err, errsz, what, at, "trait size out of range");
		if (type == 1 && size != 3 + 16)
			return tl_fail(err, errsz, what, at, "group GUID trait is not 16 bytes");
	}
	return ETL_OK;
}

etl_status etl_tlg_parse(etl_arena *a, const etl_guid *provider,
                         const uint8_t *traits, size_t traits_len,
                         const uint8_t *meta, size_t meta_len,
                         const etl_schema **out, char *err, size_t errsz)
{
	static const char what[] = "metadata";
	struct tl_field stack_fields[TL_STACK_FIELDS];
	struct tl_field *f = stack_fields;
	size_t cap = TL_STACK_FIELDS, n = 0;
	etl_status st = ETL_OK;
	etl_cursor c;
	uint16_t size;
	uint32_t ev_off, ev_len, prov_off = 0, prov_len = 0;
	bool have_prov = false;

	if (out)
		*out = NULL;
	if (!a || !out || (!meta && meta_len))
		return ETL_ERR_ARG;

	if (traits && traits_len) {
		st = tl_traits(traits, traits_len, &prov_off, &prov_len, err, errsz);
		if (st != ETL_OK)
			return st;
		have_prov = true;
	}

	etl_cursor_init(&c, meta, meta_len);
	if (!etl_cursor_u16(&c, &size))
		return tl_fail(err, errsz, what, 0, "shorter than its size field");
	if (size > meta_len)
		return tl_fail(err, errsz, what, 0, "size field past the end of the item");
	if (size < 4)
		return tl_fail(err, errsz, what, 0, "size field too small");
	c.len = size; /* anything after Size is item padding */
	if (!tl_tags(&c))
		return tl_fail(err, errsz, what, c.off, "bad event tags");
	if (!tl_cstr(&c, &ev_off, &ev_len))
		return tl_fail(err, errsz, what, c.off, "event name not terminated");

	/* Pass 1: the field list in metadata order, with the struct tree. */
	int32_t open[ETL_SCHEMA_MAX_DEPTH]; /* struct fields still taking members */
	unsigned remain[ETL_SCHEMA_MAX_DEPTH];
	int depth = 0;
	size_t names_size = utf8_size(meta + ev_off, ev_len) + 1;
	if (have_prov)
		names_size += utf8_size(traits + prov_off, prov_len) + 1;

	while (etl_cursor_left(&c) > 0) {
		struct tl_field *x;
		uint8_t in, outb = 0;
		size_t at = c.off;
		if (n == ETL_SCHEMA_MAX_PROPS) {
			etl_msg(err, errsz, "TraceLogging metadata: byte %zu: more than %d fields",
			        at, ETL_SCHEMA_MAX_PROPS);
			st = ETL_ERR_LIMIT;
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap * 4 > ETL_SCHEMA_MAX_PROPS ? ETL_SCHEMA_MAX_PROPS : cap * 4;
			struct tl_field *nf = malloc(ncap * sizeof(*nf));
			if (!nf) {
				etl_msg(err, errsz, "TraceLogging metadata: out of memory");
				st = ETL_ERR_NOMEM;
				goto out;
			}
			memcpy(nf, f, n * sizeof(*nf));
			if (f != stack_fields)
				free(f);
			f = nf;
			cap = ncap;
		}
		x = &f[n];
		memset(x, 0, sizeof(*x));
		x->off = (uint32_t)at;
		x->parent = x->first_child = x->next_sibling = x->last_child = -1;
		x->count = 1;
		if (!tl_cstr(&c, &x->name_off, &x->name_len)) {
			st = tl_fail(err, errsz, what, at, "field name not terminated");
			goto out;
		}
		if (!etl_cursor_u8(&c, &in)) {
			st = tl_fail(err, errsz, what, c.off, "field without in-type");
			goto out;
		}
		x->in = in & TL_IN_MASK;
		x->kind = in & TL_KIND_MASK;
		if (x->in == 0 || x->in > TL_IN_MAX) {
			st = tl_fail(err, errsz, what, c.off - 1, "unknown in-type");
			goto out;
		}
		if (in & TL_CHAIN) {
			if (!etl_cursor_u8(&c, &outb)) {
				st = tl_fail(err, errsz, what, c.off, "missing out-type");
				goto out;
			}
			if ((outb & 0x80) && !tl_tags(&c)) {
				st = tl_fail(err, errsz, what, c.off, "bad field tags");
				goto out;
			}
		}
		x->out = outb & 0x7F;
		if (x->kind == TL_KIND_CCOUNT &&
		    !etl_cursor_u16(&c, &x->count)) {
			st = tl_fail(err, errsz, what, c.off, "missing constant count");
			goto out;
		}
		if (x->kind == TL_KIND_CUSTOM) {
			uint16_t cs;
			if (x->in == TL_IN_STRUCT) {
				st = tl_fail(err, errsz, what, at, "custom-serialized struct");
				goto out;
			}
			if (!etl_cursor_u16(&c, &cs) || !etl_cursor_skip(&c, cs)) {
				st = tl_fail(err, errsz, what, c.off, "custom schema past the end");
				goto out;
			}
		}
		names_size += utf8_size(meta + x->name_off, x->name_len) + 1;

		/* Attach to the innermost open struct, then close every struct
		 * whose members are complete, unless this field opens one. */
		if (depth > 0) {
			struct tl_field *p = &f[open[depth - 1]];
			x->parent = open[depth - 1];
			if (p->last_child < 0)
				p->first_child = (int32_t)n;
			else
				f[p->last_child].next_sibling = (int32_t)n;
			p->last_child = (int32_t)n;
			remain[depth - 1]--;
		}
		if (x->in == TL_IN_STRUCT && x->out > 0) {
			if (depth == ETL_SCHEMA_MAX_DEPTH) {
				etl_msg(err, errsz, "TraceLogging metadata: byte %zu: structs nested "
				        "deeper than %d", at, ETL_SCHEMA_MAX_DEPTH);
				st = ETL_ERR_LIMIT;
				goto out;
			}
			open[depth] = (int32_t)n;
			remain[depth] = x->out;
			depth++;
		} else {
			while (depth > 0 && remain[depth - 1] == 0)
				depth--;
		}
		n++;
	}
	if (depth > 0) {
		struct tl_field *p = &f[open[depth - 1]];
		etl_msg(err, errsz, "TraceLogging metadata: byte %u: struct misses %u "
		        "of its member fields at the end of the metadata",
		        (unsigned)p->off, remain[depth - 1]);
		st = ETL_ERR_SCHEMA;
		goto out;
	}

	/* Pass 2: one arena block for schema, properties and names. */
	size_t props_size = (n ? n : 1) * sizeof(etl_prop);
	size_t total = sizeof(etl_schema) + props_size + names_size;
	unsigned char *mem = etl_arena_alloc(a, total);
	if (!mem) {
		etl_msg(err, errsz, "TraceLogging metadata: out of memory");
		st = ETL_ERR_NOMEM;
		goto out;
	}
	etl_schema *sc = (etl_schema *)mem;
	etl_prop *props = (etl_prop *)(mem + sizeof(etl_schema));
	char *names = (char *)(mem + sizeof(etl_schema) + props_size);

	if (provider)
		sc->provider = *provider;
	sc->source = ETL_SRC_TRACELOGGING;
	sc->event_name = names;
	names = utf8_sanitize(names, meta + ev_off, ev_len);
	if (have_prov) {
		sc->provider_name = names;
		names = utf8_sanitize(names, traits + prov_off, prov_len);
	}

	/* Breadth-first placement: top-level fields first, then, scanning the
	 * output in order, each struct's members as one contiguous run.
	 * order[k] is the field placed at output index k. */
	int32_t order_stack[TL_STACK_FIELDS];
	int32_t *order = n <= TL_STACK_FIELDS ? order_stack : malloc(n * sizeof(*order));
	size_t next = 0, top;
	if (!order) {
		etl_msg(err, errsz, "TraceLogging metadata: out of memory");
		st = ETL_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].parent < 0)
			order[next++] = (int32_t)i;
	top = next;
	for (size_t k = 0; k < next; k++) {
		struct tl_field *x = &f[order[k]];
		if (x->in != TL_IN_STRUCT)
			continue;
		props[k].struct_start = (uint16_t)next;
		for (int32_t ch = x->first_child; ch >= 0; ch = f[ch].next_sibling) {
			order[next] = ch;
			next++;
		}
		props[k].struct_count = (uint16_t)(next - props[k].struct_start);
	}
	for (size_t k = 0; k < n; k++) {
		struct tl_field *x = &f[order[k]];
		etl_prop *p = &props[k];
		p->name = names;
		names = utf8_sanitize(names, meta + x->name_off, x->name_len);
		p->count = 1;
		if (x->in == TL_IN_STRUCT) {
			p->flags = ETL_PF_STRUCT;
			p->in_type = ETL_IN_STRUCT;
		} else {
			p->in_type = tl_intype(x->in);
			p->out_type = tl_outtype(x->out, p->in_type);
		}
		switch (x->kind) {
		case TL_KIND_CCOUNT:
			p->flags |= ETL_PF_FIXED_COUNT;
			p->count = x->count;
			break;
		case TL_KIND_VCOUNT:
			p->flags |= ETL_PF_COUNT_PREFIX;
			break;
		case TL_KIND_CUSTOM:
			p->flags |= ETL_PF_CUSTOM;
			break;
		}
	}
	if (order != order_stack)
		free(order);
	sc->prop_count = (uint16_t)n;
	sc->top_count = (uint16_t)top;
	sc->props = props;
	*out = sc;
out:
	if (f != stack_fields)
		free(f);
	return st;
}
