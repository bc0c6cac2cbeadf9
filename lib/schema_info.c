/*
 * schema_info.c - the public view of event schemas (TRACE_EVENT_INFO's
 * content): listing a store, describing one event and its fields with type
 * names as manifests spell them.
 */
#define ETLKIT_INTERNAL
#include "decode.h"

#include <stdio.h>

/* The public handle is the private schema itself. */
struct etl_event_schema {
	etl_schema sc;
};

static const etl_schema *priv(const etl_event_schema *e)
{
	return (const etl_schema *)e;
}

static const struct {
	uint16_t code;
	const char *name;
} intype_names[] = {
	{ ETL_IN_NULL, "Null" }, { ETL_IN_UNICODESTRING, "UnicodeString" },
	{ ETL_IN_ANSISTRING, "AnsiString" }, { ETL_IN_INT8, "Int8" }, { ETL_IN_UINT8, "UInt8" },
	{ ETL_IN_INT16, "Int16" }, { ETL_IN_UINT16, "UInt16" }, { ETL_IN_INT32, "Int32" },
	{ ETL_IN_UINT32, "UInt32" }, { ETL_IN_INT64, "Int64" }, { ETL_IN_UINT64, "UInt64" },
	{ ETL_IN_FLOAT, "Float" }, { ETL_IN_DOUBLE, "Double" }, { ETL_IN_BOOLEAN, "Boolean" },
	{ ETL_IN_BINARY, "Binary" }, { ETL_IN_GUID, "GUID" }, { ETL_IN_POINTER, "Pointer" },
	{ ETL_IN_FILETIME, "FILETIME" }, { ETL_IN_SYSTEMTIME, "SYSTEMTIME" }, { ETL_IN_SID, "SID" },
	{ ETL_IN_HEXINT32, "HexInt32" }, { ETL_IN_HEXINT64, "HexInt64" },
	{ ETL_IN_COUNTEDSTRING, "CountedUnicodeString" },
	{ ETL_IN_COUNTEDANSISTRING, "CountedAnsiString" }, { ETL_IN_STRUCT, "Struct" },
	{ ETL_IN_COUNTEDBINARY, "CountedBinary" },
	{ ETL_IN_MOF_COUNTEDSTRING, "CountedString" },
	{ ETL_IN_MOF_COUNTEDANSISTRING, "CountedAnsiString" },
	{ ETL_IN_MOF_REVCOUNTEDSTRING, "ReversedCountedString" },
	{ ETL_IN_MOF_REVCOUNTEDANSISTRING, "ReversedCountedAnsiString" },
	{ ETL_IN_MOF_NONNULLSTRING, "NonNullTerminatedString" },
	{ ETL_IN_MOF_NONNULLANSISTRING, "NonNullTerminatedAnsiString" },
	{ ETL_IN_MOF_UNICODECHAR, "UnicodeChar" }, { ETL_IN_MOF_ANSICHAR, "AnsiChar" },
	{ ETL_IN_MOF_SIZET, "SizeT" }, { ETL_IN_MOF_HEXDUMP, "HexDump" },
	{ ETL_IN_MOF_WBEMSID, "WbemSID" }, { ETL_IN_X_IPV6, "IPv6Address" },
};

static const char *const outtype_names[] = {
	"", "xs:string", "xs:dateTime", "xs:byte", "xs:unsignedByte", "xs:short",
	"xs:unsignedShort", "xs:int", "xs:unsignedInt", "xs:long", "xs:unsignedLong",
	"xs:float", "xs:double", "xs:boolean", "xs:GUID", "xs:hexBinary", "win:HexInt8",
	"win:HexInt16", "win:HexInt32", "win:HexInt64", "win:PID", "win:TID", "win:Port",
	"win:IPv4", "win:IPv6", "win:SocketAddress", "win:CIMDateTime", "win:ETWTIME",
	"win:Xml", "win:ErrorCode", "win:Win32Error", "win:NTSTATUS", "win:HResult",
	"win:DateTimeCultureInsensitive", "win:Json", "win:Utf8", "win:Pkcs7WithTypeInfo",
	"win:CodePointer", "win:DateTimeUtc",
};

static const char *intype_name(uint16_t code)
{
	for (size_t i = 0; i < sizeof intype_names / sizeof intype_names[0]; i++)
		if (intype_names[i].code == code)
			return intype_names[i].name;
	return "Unknown";
}

static const char *outtype_name(uint16_t code)
{
	if (code < sizeof outtype_names / sizeof outtype_names[0])
		return outtype_names[code];
	if (code == ETL_OUT_REDUCEDSTRING)
		return "ReducedString";
	if (code == ETL_OUT_NOPRINT)
		return "NoPrint";
	return "";
}

struct visit_ctx {
	etl_event_schema_fn fn;
	void *ctx;
};

static int visit(void *ctx, const etl_schema *sc)
{
	struct visit_ctx *v = ctx;
	return v->fn(v->ctx, (const etl_event_schema *)sc);
}

int etl_schemas_foreach(etl_schemas *s, unsigned flags, etl_event_schema_fn fn, void *ctx)
{
	struct visit_ctx v = { fn, ctx };
	return etl_schemas_visit(s, (flags & ETL_SCHEMAS_BUILTIN) != 0, visit, &v);
}

const etl_event_schema *etl_decoded_event_schema(const etl_decoded *d)
{
	return d && d->schema ? (const etl_event_schema *)d->schema : NULL;
}

void etl_event_schema_describe(const etl_event_schema *e, etl_event_schema_info *out)
{
	const etl_schema *sc = priv(e);
	memset(out, 0, sizeof(*out));
	if (!sc)
		return;
	out->provider = sc->provider;
	out->classic = sc->source == ETL_SRC_MOF;
	out->id = sc->id;
	out->version = sc->version;
	out->channel = sc->channel;
	out->level = sc->level;
	out->opcode = sc->opcode;
	out->task = sc->task;
	out->keywords = sc->keywords;
	out->source = etl_schema_source_name(sc->source);
	out->provider_name = sc->provider_name;
	out->event_name = sc->event_name;
	out->task_name = sc->task_name;
	out->opcode_name = sc->opcode_name;
	out->level_name = sc->level_name;
	out->channel_name = sc->channel_name;
	out->keywords_name = sc->keywords_name;
	out->message = sc->message;
	out->field_count = sc->prop_count;
}

/* Declaration order: a depth-first walk from the top-level properties, each
 * struct followed by its members. */
static bool nth_field(const etl_schema *sc, uint16_t first, uint16_t count, unsigned depth,
                      size_t *left, uint16_t *index, unsigned *out_depth)
{
	if (depth > ETL_SCHEMA_MAX_DEPTH)
		return false;
	for (uint16_t k = 0; k < count; k++) {
		uint16_t i = (uint16_t)(first + k);
		if (i >= sc->prop_count)
			return false;
		if ((*left)-- == 0) {
			*index = i;
			*out_depth = depth;
			return true;
		}
		const etl_prop *p = &sc->props[i];
		if ((p->flags & ETL_PF_STRUCT) &&
		    nth_field(sc, p->struct_start, p->struct_count, depth + 1, left, index, out_depth))
			return true;
	}
	return false;
}

int etl_event_schema_field(const etl_event_schema *e, size_t n, etl_field_info *out)
{
	const etl_schema *sc = priv(e);
	uint16_t i;
	unsigned depth;
	size_t left = n;
	if (!sc || !out || !nth_field(sc, 0, sc->top_count, 0, &left, &i, &depth))
		return 0;
	const etl_prop *p = &sc->props[i];
	out->name = p->name ? p->name : "";
	out->depth = depth;
	out->in_type = (p->flags & ETL_PF_STRUCT) ? "Struct" : intype_name(p->in_type);
	out->out_type = (p->flags & ETL_PF_STRUCT) ? "" : outtype_name(p->out_type);
	out->map = p->map ? p->map->name : NULL;
	char *count = out->count, *length = out->length;
	size_t csz = sizeof out->count, lsz = sizeof out->length;
	count[0] = length[0] = 0;
	if (p->flags & ETL_PF_PARAM_COUNT)
		snprintf(count, csz, "=%s",
		         p->count < sc->prop_count && sc->props[p->count].name ? sc->props[p->count].name : "?");
	else if (p->flags & ETL_PF_COUNT_PREFIX)
		snprintf(count, csz, "u16 prefix");
	else if (p->flags & ETL_PF_TO_END)
		snprintf(count, csz, "to end");
	else if ((p->flags & ETL_PF_FIXED_COUNT) || p->count > 1)
		snprintf(count, csz, "%u", p->count);
	if (p->flags & ETL_PF_PARAM_LENGTH)
		snprintf(length, lsz, "=%s",
		         p->length < sc->prop_count && sc->props[p->length].name ? sc->props[p->length].name : "?");
	else if (p->length && !(p->flags & ETL_PF_STRUCT) &&
	         (p->in_type == ETL_IN_UNICODESTRING || p->in_type == ETL_IN_ANSISTRING ||
	          p->in_type == ETL_IN_BINARY))
		snprintf(length, lsz, "%u", p->length);
	return 1;
}
