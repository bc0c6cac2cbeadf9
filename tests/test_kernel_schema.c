/*
 * test_kernel_schema.c - the built-in kernel / KernelTraceControl schema
 * table (lib/kernel_schema.c, decoding.md §5, §8.2, §8.3).
 *
 * Checks lookups (exact version, closest-version fallback, unknown keys),
 * the integrity of every entry, the fixed layouts of decoding.md §5.4 for
 * both pointer widths, and, when the corpus is present, that every kernel
 * (SYSTEM/COMPACT/PERFINFO) and KernelTraceControl record of the corpus
 * traces is consumed byte for byte by its schema.  The byte walker below is
 * deliberately independent of the library's decoder: it knows only sizes.
 */
#define ETLKIT_INTERNAL
#include "schema.h"
#include "private.h"
#include "tap.h"
#include "testlib.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const etl_guid g_eventtrace = { 0x68fdd900, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } };
static const etl_guid g_diskio = { 0x3d6fa8d4, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_pagefault = { 0x3d6fa8d3, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_process = { 0x3d6fa8d0, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_fileio = { 0x90cbdc39, 0x4a3e, 0x11d1, { 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3 } };
static const etl_guid g_thread = { 0x3d6fa8d1, 0xfe05, 0x11d0, { 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c } };
static const etl_guid g_tcpip = { 0x9a280ac0, 0xc8e0, 0x11d1, { 0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2 } };
static const etl_guid g_udpip = { 0xbf3a50c5, 0xa9c9, 0x4988, { 0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80 } };
static const etl_guid g_registry = { 0xae53722e, 0xc863, 0x11d2, { 0x86, 0x59, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1 } };
static const etl_guid g_sysconfig = { 0x01853a65, 0x418f, 0x4f36, { 0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35 } };
static const etl_guid g_perfinfo = { 0xce1dbfb4, 0x137e, 0x4da6, { 0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc } };
static const etl_guid g_image = { 0x2cb15d1d, 0x5fc1, 0x11d2, { 0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18 } };
static const etl_guid g_stackwalk = { 0xdef2fe46, 0x7bd6, 0x4b80, { 0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3 } };
static const etl_guid g_alpc = { 0x45d8cccd, 0x539f, 0x4b72, { 0xa8, 0xb7, 0x5c, 0x68, 0x31, 0x42, 0x60, 0x9a } };
static const etl_guid g_lost = { 0x6a399ae0, 0x4bc6, 0x4de9, { 0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e, 0x7e } };
static const etl_guid g_imageid = { 0xb3e675d7, 0x2554, 0x4f18, { 0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde } };
static const etl_guid g_sysconfigx = { 0x9b79ee91, 0xb5fd, 0x41c0, { 0xa2, 0x43, 0x42, 0x48, 0xe2, 0x66, 0xe9, 0xd0 } };

static const struct {
	const char *name;
	const etl_guid *guid;
} classes[] = {
	{ "EventTrace", &g_eventtrace }, { "DiskIo", &g_diskio }, { "PageFault", &g_pagefault },
	{ "Process", &g_process }, { "FileIo", &g_fileio }, { "Thread", &g_thread },
	{ "TcpIp", &g_tcpip }, { "UdpIp", &g_udpip }, { "Registry", &g_registry },
	{ "SystemConfig", &g_sysconfig }, { "PerfInfo", &g_perfinfo }, { "Image", &g_image },
	{ "StackWalk", &g_stackwalk }, { "ALPC", &g_alpc }, { "Lost_Event", &g_lost },
	{ "ImageID", &g_imageid }, { "SysConfig", &g_sysconfigx },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

static const etl_schema *find(const etl_guid *g, unsigned op, unsigned ver, bool *fb)
{
	bool dummy;
	return etl_kernel_schema_find(g, (uint8_t)op, (uint8_t)ver, fb ? fb : &dummy);
}

/* ---- sizes ---------------------------------------------------------------------- */

/* Size of one element of a fixed-size in-type for pointer size P, 0 when the
 * size depends on the payload. */
static size_t elem_size(const etl_prop *p, unsigned P)
{
	switch (p->in_type) {
	case ETL_IN_INT8: case ETL_IN_UINT8: case ETL_IN_MOF_ANSICHAR:
		return 1;
	case ETL_IN_INT16: case ETL_IN_UINT16: case ETL_IN_MOF_UNICODECHAR:
		return 2;
	case ETL_IN_INT32: case ETL_IN_UINT32: case ETL_IN_HEXINT32: case ETL_IN_FLOAT:
	case ETL_IN_BOOLEAN:
		return 4;
	case ETL_IN_INT64: case ETL_IN_UINT64: case ETL_IN_HEXINT64: case ETL_IN_DOUBLE:
	case ETL_IN_FILETIME:
		return 8;
	case ETL_IN_GUID: case ETL_IN_SYSTEMTIME: case ETL_IN_X_IPV6:
		return 16;
	case ETL_IN_POINTER: case ETL_IN_MOF_SIZET:
		return P;
	case ETL_IN_BINARY:
		return (p->flags & ETL_PF_PARAM_LENGTH) ? 0 : p->length;
	case ETL_IN_UNICODESTRING:
		return (p->flags & ETL_PF_PARAM_LENGTH) ? 0 : 2u * p->length;
	case ETL_IN_ANSISTRING:
		return (p->flags & ETL_PF_PARAM_LENGTH) ? 0 : p->length;
	default:
		return 0;
	}
}

static bool is_array(const etl_prop *p)
{
	return (p->flags & (ETL_PF_PARAM_COUNT | ETL_PF_FIXED_COUNT | ETL_PF_TO_END)) || p->count > 1;
}

/* Bytes before the first top-level property whose size is not fixed (or the
 * whole fixed size when there is none); *first_var gets its index. */
static size_t fixed_size(const etl_schema *sc, unsigned P, size_t *first_var)
{
	size_t off = 0;
	for (size_t i = 0; i < sc->top_count; i++) {
		const etl_prop *p = &sc->props[i];
		size_t e = elem_size(p, P);
		if (e == 0 || (p->flags & (ETL_PF_PARAM_COUNT | ETL_PF_TO_END))) {
			if (first_var)
				*first_var = i;
			return off;
		}
		off += e * (is_array(p) ? p->count : 1);
	}
	if (first_var)
		*first_var = sc->top_count;
	return off;
}

static size_t prop_offset(const etl_schema *sc, const char *name, unsigned P)
{
	size_t off = 0;
	for (size_t i = 0; i < sc->top_count; i++) {
		const etl_prop *p = &sc->props[i];
		if (strcmp(p->name, name) == 0)
			return off;
		size_t e = elem_size(p, P);
		if (e == 0)
			return (size_t)-1;
		off += e * (is_array(p) ? p->count : 1);
	}
	return (size_t)-1;
}

/* ---- the payload walker --------------------------------------------------------- */

enum walk_result { W_EXACT, W_SHORT, W_LEFTOVER, W_UNTERMINATED, W_UNKNOWN_TYPE };

static const char *const walk_names[] = { "exact", "short", "leftover", "unterminated", "unknown type" };

/* Walks the top-level properties of sc over n payload bytes (pointer size P)
 * and says whether they consume the payload exactly.  *left gets the bytes
 * left over (or missing when short). */
static enum walk_result walk(const etl_schema *sc, const uint8_t *d, size_t n, unsigned P,
                             size_t *left)
{
	uint64_t vals[64] = { 0 };
	size_t off = 0;
	*left = 0;
	for (size_t i = 0; i < sc->top_count; i++) {
		const etl_prop *p = &sc->props[i];
		uint64_t count = 1;
		if (off == n && (p->flags & ETL_PF_OPTIONAL))
			break;
		if (p->flags & ETL_PF_TO_END) {
			size_t e = elem_size(p, P);
			if (e == 0)
				return W_UNKNOWN_TYPE;
			off += (n - off) / e * e;
			continue;
		}
		if (p->flags & ETL_PF_PARAM_COUNT)
			count = p->count < 64 ? vals[p->count] : 0;
		else if (is_array(p))
			count = p->count;
		for (uint64_t k = 0; k < count; k++) {
			size_t e = elem_size(p, P);
			if (p->flags & ETL_PF_PARAM_LENGTH) {
				uint64_t l = p->length < 64 ? vals[p->length] : 0;
				e = p->in_type == ETL_IN_UNICODESTRING ? 2 * l : l;
			} else if (e == 0) {
				bool term = false;
				switch (p->in_type) {
				case ETL_IN_UNICODESTRING:
					e = 2 * etl_utf16_strnlen(d + off, (n - off) / 2, &term) + 2;
					if (!term)
						return W_UNTERMINATED;
					break;
				case ETL_IN_ANSISTRING: {
					const uint8_t *z = memchr(d + off, 0, n - off);
					if (!z)
						return W_UNTERMINATED;
					e = (size_t)(z - (d + off)) + 1;
					break;
				}
				case ETL_IN_MOF_WBEMSID:
					/* a u32 0 for no SID, else TOKEN_USER (2 P) + SID */
					if (n - off < 4) {
						*left = 4 - (n - off);
						return W_SHORT;
					}
					if (etl_le32(d + off) == 0) {
						e = 4;
					} else {
						if (n - off < 2u * P + 8) {
							*left = 2u * P + 8 - (n - off);
							return W_SHORT;
						}
						e = 2u * P + 8 + 4u * d[off + 2 * P + 1];
					}
					break;
				case ETL_IN_SID:
					if (n - off < 8)
						return W_SHORT;
					e = 8 + 4u * d[off + 1];
					break;
				default:
					return W_UNKNOWN_TYPE;
				}
			}
			if (e > n - off) {
				*left = e - (n - off);
				return W_SHORT;
			}
			if (i < 64 && count == 1 && e <= 8 && e > 0) {
				uint64_t v = 0;
				for (size_t b = 0; b < e; b++)
					v |= (uint64_t)d[off + b] << (8 * b);
				vals[i] = v;
			}
			off += e;
		}
	}
	*left = n - off;
	return off == n ? W_EXACT : W_LEFTOVER;
}

/* ---- lookups ------------------------------------------------------------------ */

static void test_lookup(void)
{
	bool fb = true;
	const etl_schema *sc = find(&g_process, 1, 4, &fb);
	tap_ok(sc && sc->version == 4 && sc->opcode == 1 && !fb, "Process/Start v4 exact");
	if (sc) {
		tap_ok(sc->source == ETL_SRC_MOF, "source is MOF");
		tap_ok(strcmp(sc->provider_name, "Windows Kernel") == 0, "provider name");
		tap_ok(strcmp(sc->task_name, "Process") == 0, "task name = class");
		tap_ok(strcmp(sc->opcode_name, "Start") == 0, "opcode name = event type name");
		tap_ok(strcmp(sc->event_name, "Process/Start") == 0, "event name Class/Type");
		tap_ok(etl_guid_equal(&sc->provider, &g_process) && etl_guid_equal(&sc->event_guid, &g_process),
		       "provider and event GUID are the class GUID");
		tap_ok(sc->id == 0, "MOF id 0");
	}
	sc = find(&g_process, 32, 2, &fb);
	tap_ok(sc && sc->version == 2 && !fb && strcmp(sc->opcode_name, "PerfCtr") == 0,
	       "Process/PerfCtr is v2 while Start is v4");

	sc = find(&g_process, 1, 9, &fb);
	tap_ok(sc && sc->version == 4 && fb, "Process/Start v9 falls back to v4");
	sc = find(&g_process, 39, 7, &fb);
	tap_ok(sc && sc->version == 5 && fb, "Process/Defunct v7 falls back to v5");
	sc = find(&g_diskio, 12, 0, &fb);
	tap_ok(sc && sc->version == 2 && fb, "DiskIo/ReadInit v0 falls forward to v2");
	sc = find(&g_perfinfo, 73, 4, &fb);
	tap_ok(sc && sc->version == 3 && fb, "PerfInfo/CollectionStart v4 -> v3");
	sc = find(&g_thread, 36, 5, &fb);
	tap_ok(sc && sc->version == 4 && fb, "Thread/CSwitch v5 -> v4");
	/* the newest older version wins over a nearer newer one: kernel layouts
	 * grow by appending */
	sc = find(&g_sysconfig, 22, 6, &fb);
	tap_ok(sc && sc->version == 5 && fb, "SystemConfig/PnP v6 -> v5");
	sc = find(&g_process, 39, 1, &fb);
	tap_ok(sc && sc->version == 2 && fb, "Process/Defunct v1 -> v2 (no older one)");
	sc = find(&g_sysconfig, 10, 2, &fb);
	tap_ok(sc && sc->version == 2 && !fb, "SystemConfig/CPU v2 exact");

	fb = true;
	tap_ok(find(&g_process, 200, 2, &fb) == NULL && !fb, "unknown type -> NULL");
	static const etl_guid nobody = { 0x12345678, 0, 0, { 0 } };
	tap_ok(find(&nobody, 1, 2, NULL) == NULL, "unknown class -> NULL");
	tap_ok(etl_kernel_schema_find(NULL, 1, 2, &fb) == NULL, "NULL GUID -> NULL");
	tap_ok(etl_kernel_schema_find(&g_process, 1, 4, NULL) != NULL, "NULL fallback pointer accepted");

	sc = find(&g_process, 10, 3, &fb);
	tap_ok(sc && etl_guid_equal(&sc->provider, &g_image) && strcmp(sc->event_name, "Image/Load") == 0,
	       "HookId 0x030A (Process group, type 10) is Image/Load");

	sc = find(&g_imageid, 36, 2, &fb);
	tap_ok(sc && !fb && strcmp(sc->provider_name, "KernelTraceControl") == 0 &&
	       strcmp(sc->task_name, "ImageID") == 0 && strcmp(sc->opcode_name, "DbgID_RSDS") == 0,
	       "KernelTraceControl ImageID/DbgID_RSDS");
	sc = find(&g_sysconfigx, 35, 0, &fb);
	tap_ok(sc && strcmp(sc->event_name, "SysConfig/VolumeMapping") == 0, "SysConfig/VolumeMapping");
	sc = find(&g_lost, 33, 0, &fb);
	tap_ok(sc && sc->prop_count == 0 && strcmp(sc->task_name, "Lost_Event") == 0,
	       "Lost_Event/RTLostBuffer has no payload");
	sc = find(&g_alpc, 36, 2, &fb);
	tap_ok(sc && sc->prop_count == 2, "ALPC Wait-For-New-Message");
	sc = find(&g_registry, 22, 2, &fb);
	tap_ok(sc && strcmp(sc->opcode_name, "KCBCreate") == 0, "Registry/KCBCreate v2");
}

/* Every entry of every class, found by probing all (type, version) keys. */
static void test_integrity(void)
{
	unsigned total = 0, bad = 0;
	for (size_t c = 0; c < NCLASSES; c++) {
		unsigned n = 0;
		for (unsigned op = 0; op < 256; op++)
			for (unsigned ver = 0; ver < 256; ver++) {
				bool fb;
				const etl_schema *sc = find(classes[c].guid, op, ver, &fb);
				if (!sc || fb)
					continue;
				n++;
				const char *why = NULL;
				if (sc->opcode != op || sc->version != ver)
					why = "key";
				else if (!etl_guid_equal(&sc->provider, classes[c].guid) &&
				         !(op == 10 && classes[c].guid == &g_process))
					why = "provider GUID";
				else if (sc->source != ETL_SRC_MOF || sc->id != 0)
					why = "source/id";
				else if (sc->prop_count != sc->top_count || (sc->prop_count && !sc->props))
					why = "counts";
				else if (!sc->event_name || !sc->task_name || !sc->provider_name)
					why = "names";
				if (!why && classes[c].guid != &g_process && strcmp(sc->task_name, classes[c].name))
					why = "task name";
				for (size_t i = 0; !why && i < sc->prop_count; i++) {
					const etl_prop *p = &sc->props[i];
					bool last = i + 1 == sc->prop_count;
					if (!p->name || !*p->name)
						why = "prop name";
					else if ((p->flags & ETL_PF_TO_END) && !last)
						why = "TO_END not last";
					else if ((p->flags & ETL_PF_OPTIONAL) && !last &&
					         !(sc->props[i + 1].flags & ETL_PF_OPTIONAL))
						why = "OPTIONAL not trailing";
					else if ((p->flags & ETL_PF_PARAM_COUNT) && p->count >= i)
						why = "count reference";
					else if (p->map || (p->flags & ETL_PF_STRUCT))
						why = "unexpected map/struct";
					else if (elem_size(p, 8) == 0 && p->in_type != ETL_IN_UNICODESTRING &&
					         p->in_type != ETL_IN_ANSISTRING && p->in_type != ETL_IN_MOF_WBEMSID)
						why = "in-type";
				}
				if (why) {
					bad++;
					tap_diag("%s type %u v%u: %s", classes[c].name, op, ver, why);
				}
			}
		tap_ok(n > 0, "%s: %u event types x versions", classes[c].name, n);
		total += n;
	}
	tap_ok(bad == 0, "all %u entries well-formed", total);
	tap_diag("table entries: %u", total);
}

/* ---- layouts (decoding.md §5.4) --------------------------------------------------- */

static void check_fixed(const etl_guid *g, unsigned op, unsigned ver, size_t s32, size_t s64,
                        const char *what)
{
	const etl_schema *sc = find(g, op, ver, NULL);
	if (!tap_ok(sc != NULL, "%s exists", what))
		return;
	size_t a = fixed_size(sc, 4, NULL), b = fixed_size(sc, 8, NULL);
	tap_ok(a == s32 && b == s64, "%s fixed part %zu/%zu (want %zu/%zu)", what, a, b, s32, s64);
}

static void check_offset(const etl_guid *g, unsigned op, unsigned ver, const char *field,
                         size_t o32, size_t o64, const char *what)
{
	const etl_schema *sc = find(g, op, ver, NULL);
	if (!tap_ok(sc != NULL, "%s exists", what))
		return;
	size_t a = prop_offset(sc, field, 4), b = prop_offset(sc, field, 8);
	tap_ok(a == o32 && b == o64, "%s: %s at %zu/%zu (want %zu/%zu)", what, field, a, b, o32, o64);
}

static void test_layouts(void)
{
	check_offset(&g_eventtrace, 0, 2, "TimeZoneInformation", 64, 72, "EventTrace/Header");
	check_offset(&g_eventtrace, 0, 2, "BootTime", 240, 248, "EventTrace/Header");
	check_fixed(&g_eventtrace, 0, 2, 272, 280, "EventTrace/Header");
	check_fixed(&g_eventtrace, 5, 2, 36, 36, "EventTrace/Extension v2");
	check_fixed(&g_eventtrace, 32, 2, 36, 36, "EventTrace/EndExtension v2");
	check_fixed(&g_eventtrace, 80, 2, 48, 48, "EventTrace/PartitionInfoExtension");
	tap_ok(find(&g_eventtrace, 8, 2, NULL) && find(&g_eventtrace, 8, 2, NULL)->prop_count == 0,
	       "EventTrace/RDComplete is empty");

	check_offset(&g_process, 1, 4, "UserSID", 28, 36, "Process/Start v4");
	check_offset(&g_process, 1, 4, "Flags", 24, 32, "Process/Start v4");
	const etl_schema *sc = find(&g_process, 39, 5, NULL);
	tap_ok(sc && strcmp(sc->props[sc->top_count - 1].name, "ExitTime") == 0 &&
	       sc->props[sc->top_count - 1].in_type == ETL_IN_UINT64, "Process/Defunct v5 ends with ExitTime");
	sc = find(&g_process, 1, 4, NULL);
	tap_ok(sc && sc->props[7].in_type == ETL_IN_MOF_WBEMSID, "Process v4 UserSID is a WBEM SID");

	check_fixed(&g_thread, 1, 3, 44, 72, "Thread/Start v3");
	sc = find(&g_thread, 1, 3, NULL);
	tap_ok(sc && sc->top_count == 15 && (sc->props[14].flags & ETL_PF_OPTIONAL) &&
	       strcmp(sc->props[14].name, "ThreadName") == 0, "Thread v3 trailing ThreadName is optional");
	sc = find(&g_thread, 1, 4, NULL);
	tap_ok(sc && !(sc->props[sc->top_count - 1].flags & ETL_PF_OPTIONAL), "Thread v4 declares ThreadName");
	check_fixed(&g_thread, 36, 2, 24, 24, "Thread/CSwitch v2");
	check_fixed(&g_thread, 50, 2, 8, 8, "Thread/ReadyThread");

	check_offset(&g_image, 10, 2, "FileName", 44, 56, "Image/Load v2");
	check_offset(&g_image, 10, 3, "FileName", 44, 56, "Image/Load v3");
	check_fixed(&g_image, 33, 2, 4, 8, "Image/KernelBase");

	check_fixed(&g_diskio, 10, 3, 44, 52, "DiskIo/Read v3");
	check_fixed(&g_diskio, 12, 3, 8, 12, "DiskIo/ReadInit v3");
	check_fixed(&g_diskio, 14, 3, 24, 28, "DiskIo/FlushBuffers v3");

	check_offset(&g_fileio, 0, 2, "FileName", 4, 8, "FileIo/Name v2");
	check_offset(&g_fileio, 64, 3, "OpenPath", 24, 32, "FileIo/Create v3");
	check_offset(&g_fileio, 64, 2, "OpenPath", 24, 36, "FileIo/Create v2");
	check_fixed(&g_fileio, 67, 3, 32, 44, "FileIo/Read v3");
	check_fixed(&g_fileio, 65, 3, 16, 28, "FileIo/Cleanup v3");
	check_fixed(&g_fileio, 69, 3, 24, 40, "FileIo/SetInfo v3");
	check_offset(&g_fileio, 72, 3, "FileName", 28, 40, "FileIo/DirEnum v3");
	check_fixed(&g_fileio, 76, 3, 12, 20, "FileIo/OperationEnd v3");

	check_fixed(&g_tcpip, 10, 2, 36, 40, "TcpIp/SendIPV4");
	check_fixed(&g_tcpip, 11, 2, 28, 32, "TcpIp/RecvIPV4");
	check_fixed(&g_tcpip, 12, 2, 44, 48, "TcpIp/ConnectIPV4");
	check_fixed(&g_tcpip, 26, 2, 60, 64, "TcpIp/SendIPV6");
	check_fixed(&g_tcpip, 27, 2, 52, 56, "TcpIp/RecvIPV6");
	check_fixed(&g_udpip, 10, 2, 28, 32, "UdpIp/SendIPV4");
	check_fixed(&g_udpip, 27, 2, 52, 56, "UdpIp/RecvIPV6");
	sc = find(&g_tcpip, 10, 2, NULL);
	tap_ok(sc && sc->props[2].out_type == ETL_OUT_IPV4 && sc->props[4].out_type == ETL_OUT_PORT &&
	       sc->props[9].in_type == ETL_IN_POINTER, "TcpIp: IPv4 and Port out-types, connid pointer");
	sc = find(&g_tcpip, 26, 2, NULL);
	tap_ok(sc && sc->props[2].in_type == ETL_IN_X_IPV6 && sc->props[2].out_type == ETL_OUT_IPV6,
	       "TcpIp IPv6 addresses");

	check_offset(&g_registry, 10, 2, "KeyName", 20, 24, "Registry/Create v2");
	check_fixed(&g_pagefault, 32, 2, 32, 40, "PageFault/HardFault");
	check_fixed(&g_pagefault, 10, 2, 8, 16, "PageFault/TransitionFault");

	check_fixed(&g_perfinfo, 46, 2, 12, 16, "PerfInfo/SampleProf");
	check_offset(&g_perfinfo, 46, 2, "ThreadId", 4, 8, "PerfInfo/SampleProf");
	check_fixed(&g_perfinfo, 51, 2, 4, 8, "PerfInfo/SysClEnter");
	check_fixed(&g_perfinfo, 52, 2, 4, 4, "PerfInfo/SysClExit");
	check_fixed(&g_perfinfo, 67, 2, 16, 20, "PerfInfo/ISR");
	check_fixed(&g_perfinfo, 68, 2, 12, 16, "PerfInfo/DPC");
	check_offset(&g_perfinfo, 73, 3, "SourceName", 12, 12, "PerfInfo/CollectionStart v3");

	check_fixed(&g_stackwalk, 32, 2, 16, 16, "StackWalk/Stack before the frames");
	sc = find(&g_stackwalk, 32, 2, NULL);
	tap_ok(sc && sc->top_count == 4 && (sc->props[3].flags & ETL_PF_TO_END) &&
	       sc->props[3].in_type == ETL_IN_POINTER, "StackWalk/Stack frames run to the end");
	sc = find(&g_stackwalk, 35, 2, NULL);
	tap_ok(sc && sc->top_count == 2 && (sc->props[1].flags & ETL_PF_TO_END), "StackWalk/KeyDelete frames");
	check_fixed(&g_stackwalk, 37, 2, 20, 24, "StackWalk/StackKeyKernel");

	check_fixed(&g_sysconfig, 10, 3, 820, 828, "SystemConfig/CPU v3");
	check_offset(&g_sysconfig, 10, 3, "DomainName", 532, 532, "SystemConfig/CPU v3");
	check_offset(&g_sysconfig, 10, 3, "MemorySpeed", 816, 824, "SystemConfig/CPU v3");
	sc = find(&g_sysconfig, 10, 3, NULL);
	tap_ok(sc && sc->props[5].in_type == ETL_IN_UNICODESTRING && sc->props[5].length == 256 &&
	       (sc->props[5].flags & ETL_PF_FIXED_LENGTH), "CPU ComputerName is a 256-unit string");
	check_fixed(&g_sysconfig, 15, 3, 12, 12, "SystemConfig/Services v3");
	check_offset(&g_sysconfig, 22, 4, "DeviceID", 24, 24, "SystemConfig/PnP v4");

	check_offset(&g_imageid, 0, 2, "OriginalFileName", 16, 24, "ImageID");
	check_offset(&g_imageid, 36, 2, "PdbFileName", 28, 32, "DbgID_RSDS");
	check_offset(&g_imageid, 64, 0, "OrigFileName", 8, 8, "FileVersion");
	check_fixed(&g_sysconfigx, 37, 0, 16, 16, "SysConfig type 37");
}

/* ---- synthetic payloads --------------------------------------------------------- */

static void test_walk_synthetic(void)
{
	uint8_t b[512];
	size_t left;
	const etl_schema *sc = find(&g_thread, 3, 3, NULL);

	memset(b, 0, sizeof(b));
	tap_ok(walk(sc, b, 72, 8, &left) == W_EXACT, "Thread v3 without ThreadName (build 9200)");
	tap_ok(walk(sc, b, 74, 8, &left) == W_EXACT, "Thread v3 with an empty ThreadName");
	memcpy(b + 72, "a\0b\0\0\0", 6);
	tap_ok(walk(sc, b, 78, 8, &left) == W_EXACT, "Thread v3 with ThreadName \"ab\"");
	tap_ok(walk(sc, b, 44, 4, &left) == W_EXACT, "32-bit Thread v3 fixed part");
	tap_ok(walk(sc, b, 70, 8, &left) == W_SHORT, "Thread v3 two bytes short");

	sc = find(&g_stackwalk, 32, 2, NULL);
	tap_ok(walk(sc, b, 16 + 5 * 8, 8, &left) == W_EXACT, "Stack with 5 frames");
	tap_ok(walk(sc, b, 16 + 40 * 8, 8, &left) == W_EXACT, "Stack with 40 frames");
	tap_ok(walk(sc, b, 16 + 3 * 4, 4, &left) == W_EXACT, "32-bit Stack with 3 frames");

	/* Process v4 with S-1-5-18: TOKEN_USER (16 bytes) + SID of 12 bytes */
	sc = find(&g_process, 1, 4, NULL);
	memset(b, 0, sizeof(b));
	size_t o = 36;
	b[o] = 0x10; /* non-zero Sid pointer */
	o += 16;
	b[o] = 1;
	b[o + 1] = 1;
	b[o + 7] = 5;
	b[o + 8] = 18;
	o += 12;
	memcpy(b + o, "System\0", 7);
	o += 7;
	o += 2 + 2 + 2; /* three empty UTF-16 strings */
	tap_ok(walk(sc, b, o, 8, &left) == W_EXACT, "Process v4 with SID and strings");
	tap_ok(walk(sc, b, o + 3, 8, &left) == W_LEFTOVER && left == 3, "trailing bytes are reported");
}

/* ---- the corpus ------------------------------------------------------------------ */

struct tally {
	const char *cls;
	uint8_t type, version;
	unsigned P;
	unsigned long total, exact, fallback;
	enum walk_result first_bad;
	size_t first_left;
	unsigned long bad;
};

#define MAX_TALLY 512
static struct tally tallies[MAX_TALLY];
static size_t ntallies;

static struct tally *tally_for(const char *cls, const etl_event *ev)
{
	for (size_t i = 0; i < ntallies; i++)
		if (tallies[i].cls == cls && tallies[i].type == ev->opcode &&
		    tallies[i].version == ev->version && tallies[i].P == ev->pointer_size)
			return &tallies[i];
	if (ntallies == MAX_TALLY)
		return NULL;
	struct tally *t = &tallies[ntallies++];
	memset(t, 0, sizeof(*t));
	t->cls = cls;
	t->type = ev->opcode;
	t->version = ev->version;
	t->P = ev->pointer_size;
	return t;
}

static const char *class_name(const etl_guid *g)
{
	for (size_t c = 0; c < NCLASSES; c++)
		if (etl_guid_equal(classes[c].guid, g))
			return classes[c].name;
	return NULL;
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	int c = strcmp(x->cls, y->cls);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type - y->type;
	return x->version - y->version;
}

static bool is_kernel_header(etl_header_kind k)
{
	return k == ETL_HDR_SYSTEM32 || k == ETL_HDR_SYSTEM64 || k == ETL_HDR_COMPACT32 ||
	       k == ETL_HDR_COMPACT64 || k == ETL_HDR_PERFINFO32 || k == ETL_HDR_PERFINFO64;
}

static void walk_file(const char *path, unsigned long *records, unsigned long *exact,
                      unsigned long *unknown)
{
	etl_trace *t = NULL;
	char err[512];
	const char *paths[1] = { path };
	if (etl_trace_open(paths, 1, NULL, &t, err, sizeof(err)) != ETL_OK) {
		tap_ok(0, "open %s: %s", path, err);
		return;
	}
	const etl_event *ev;
	etl_status st;
	unsigned long n = 0, ok = 0, unk = 0;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		bool ktc = (ev->header == ETL_HDR_FULL32 || ev->header == ETL_HDR_FULL64) &&
		           (etl_guid_equal(&ev->provider, &g_imageid) ||
		            etl_guid_equal(&ev->provider, &g_sysconfigx));
		if (!is_kernel_header(ev->header) && !ktc)
			continue;
		n++;
		bool fb = false;
		const etl_schema *sc = etl_kernel_schema_find(&ev->provider, ev->opcode, ev->version, &fb);
		const char *cls = class_name(&ev->provider);
		if (!sc || !cls) {
			unk++;
			if (unk <= 10) {
				char g[ETL_GUID_STRLEN];
				etl_guid_format(&ev->provider, g);
				tap_diag("%s: no schema for %s type %u v%u", path, g, ev->opcode, ev->version);
			}
			continue;
		}
		struct tally *ta = tally_for(cls, ev);
		if (!ta)
			continue;
		ta->total++;
		if (fb)
			ta->fallback++;
		size_t left;
		enum walk_result r = walk(sc, ev->data, ev->size, ev->pointer_size, &left);
		if (r == W_EXACT) {
			ta->exact++;
			ok++;
		} else if (ta->bad++ == 0) {
			ta->first_bad = r;
			ta->first_left = left;
		}
	}
	tap_ok(st == ETL_EOF, "%s read to the end (%s)", path, st == ETL_EOF ? "eof" : etl_trace_errmsg(t));
	etl_trace_close(t);
	*records += n;
	*exact += ok;
	*unknown += unk;
}

static void test_corpus(void)
{
	struct stat st;
	/* NULL when absent; in CI (CI=true) tl_corpus_dir bails out instead */
	const char *dir = tl_corpus_dir();
	if (!dir) {
		tap_ok(1, "# SKIP the shared corpus is not present (set ETLKIT_CORPUS)");
		return;
	}
	/* the two kernel traces the table is measured on, then every other file */
	static const char *const main_files[] = { "shutdown-perfdiag.etl", "clr-net452-x64.etl" };
	for (size_t i = 0; i < sizeof(main_files) / sizeof(main_files[0]); i++) {
		char path[4096];
		unsigned long rec = 0, ex = 0, unk = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, main_files[i]);
		if (stat(path, &st) != 0) {
			tap_ok(0, "%s not found", path);
			continue;
		}
		walk_file(path, &rec, &ex, &unk);
		tap_ok(rec > 0 && unk == 0, "%s: every kernel/KTC record has a schema (%lu records, %lu without)",
		       main_files[i], rec, unk);
		tap_ok(rec > 0 && ex == rec, "%s: %lu of %lu payloads consumed exactly", main_files[i], ex, rec);
	}

	DIR *dh = opendir(dir);
	if (dh) {
		struct dirent *de;
		unsigned long rec = 0, ex = 0, unk = 0, files = 0;
		while ((de = readdir(dh)) != NULL) {
			size_t l = strlen(de->d_name);
			if (l < 5 || strcmp(de->d_name + l - 4, ".etl") != 0)
				continue;
			if (strcmp(de->d_name, main_files[0]) == 0 || strcmp(de->d_name, main_files[1]) == 0)
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			walk_file(path, &rec, &ex, &unk);
			files++;
		}
		closedir(dh);
		tap_ok(unk == 0 && ex == rec, "%lu other files: %lu of %lu kernel/KTC records exact", files, ex, rec);
	}

	qsort(tallies, ntallies, sizeof(tallies[0]), tally_cmp);
	for (size_t i = 0; i < ntallies; i++) {
		const struct tally *ta = &tallies[i];
		if (ta->bad)
			tap_diag("%-12s type %3u v%u P=%u: %lu/%lu exact%s, first failure: %s (%zu bytes)",
			         ta->cls, ta->type, ta->version, ta->P, ta->exact, ta->total,
			         ta->fallback ? " (fallback)" : "", walk_names[ta->first_bad], ta->first_left);
		else
			tap_diag("%-12s type %3u v%u P=%u: %lu/%lu exact%s", ta->cls, ta->type, ta->version,
			         ta->P, ta->exact, ta->total, ta->fallback ? " (fallback)" : "");
	}
}

int main(void)
{
	test_lookup();
	test_integrity();
	test_layouts();
	test_walk_synthetic();
	test_corpus();
	return tap_done();
}
