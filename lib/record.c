/*
 * record.c - the record headers that frame every event inside a buffer
 * (etl-format.md §3, §4).  One function turns the bytes of one record into
 * the header part of an etl_event; the caller supplies the buffer context
 * (file, CPU, time conversion, location).
 *
 * The first u32 of a record is its marker: byte 3 holds flags (0xC0 = trace
 * header + typed event header, 0x90 = WPP message, bit 0x80 clear = a WNODE
 * block) and byte 2 the header type.  Layouts, offsets from the record start:
 *
 *   SYSTEM32/64 (0x01/0x02), 0x20 bytes; COMPACT (0x03/0x04) is the first 0x18
 *     0x00 u16 Version (low byte: event version; 0x8000 PEBS, 0x0700 PMC count)
 *     0x04 u16 Size   0x06 u16 HookId (type | group << 8)
 *     0x08 u32 ThreadId   0x0C u32 ProcessId   0x10 i64 timestamp
 *     0x18 u32 KernelTime 0x1C u32 UserTime
 *   PERFINFO32/64 (0x10/0x11), 0x10 bytes: Version, Size @4, HookId @6, ts @8
 *   FULL_HEADER32/64 (0x0A/0x14), 0x30 bytes (EVENT_TRACE_HEADER)
 *     0x00 u16 Size  0x04 u8 Class.Type  0x05 u8 Class.Level
 *     0x06 u16 Class.Version  0x08 tid  0x0C pid  0x10 ts  0x18 GUID
 *     0x28 u32 KernelTime  0x2C u32 UserTime
 *   INSTANCE32/64 (0x0B/0x15), 0x48 bytes: FULL + 0x30 InstanceId,
 *     0x34 ParentInstanceId, 0x38 ParentGuid
 *   EVENT_HEADER32/64 (0x12/0x13), 0x50 bytes
 *     0x00 u16 Size  0x04 u16 Flags  0x06 u16 EventProperty  0x08 tid  0x0C pid
 *     0x10 ts  0x18 ProviderId  0x28 EVENT_DESCRIPTOR (u16 Id, u8 Version,
 *     u8 Channel, u8 Level, u8 Opcode, u16 Task, u64 Keyword)
 *     0x38 u32 KernelTime  0x3C u32 UserTime  0x40 ActivityId
 *     0x50 extended items when Flags & 1: u16 item size, u16 type,
 *          u16 linkage (bit 0: another follows), u16 data size, data
 *   MESSAGE (marker byte 3 = 0x90): 0x00 u16 Size  0x04 u16 MessageNumber
 *     0x06 u16 OptionFlags, then present-if-flagged, in this order:
 *     0x01 u32 sequence; 0x02 GUID or 0x04 u32 component id; 0x08 i64 ts;
 *     0x20 u32 tid, u32 pid
 */
#define ETLKIT_INTERNAL
#include "record.h"

#include <stdlib.h>

#define MAX_EXT_ITEMS 8192 /* a 64 KiB record holds at most this many */

void etl_ext_vec_free(etl_ext_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->cap = 0;
}

static bool ext_push(etl_ext_vec *v, size_t n, const etl_ext_item *it)
{
	if (n >= v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		etl_ext_item *p = realloc(v->items, cap * sizeof(*p));
		if (!p)
			return false;
		v->items = p;
		v->cap = cap;
	}
	v->items[n] = *it;
	return true;
}

const char *etl_header_kind_name(etl_header_kind kind)
{
	static const char *const names[ETL_HDR_KIND_COUNT] = {
		[ETL_HDR_SYSTEM32] = "system32", [ETL_HDR_SYSTEM64] = "system64",
		[ETL_HDR_COMPACT32] = "compact32", [ETL_HDR_COMPACT64] = "compact64",
		[ETL_HDR_PERFINFO32] = "perfinfo32", [ETL_HDR_PERFINFO64] = "perfinfo64",
		[ETL_HDR_FULL32] = "trace32", [ETL_HDR_FULL64] = "trace64",
		[ETL_HDR_INSTANCE32] = "instance32", [ETL_HDR_INSTANCE64] = "instance64",
		[ETL_HDR_EVENT32] = "event32", [ETL_HDR_EVENT64] = "event64",
		[ETL_HDR_MESSAGE] = "message",
	};
	if ((unsigned)kind >= ETL_HDR_KIND_COUNT || !names[kind])
		return "unknown";
	return names[kind];
}

static void set_width(etl_event *ev, bool is64)
{
	ev->pointer_size = is64 ? 8 : 4;
	ev->flags |= is64 ? ETL_EVF_64_BIT_HEADER : ETL_EVF_32_BIT_HEADER;
}

/* SYSTEM, COMPACT and PERFINFO: the kernel's own headers. */
static etl_rec_result parse_kernel(const uint8_t *p, size_t avail, uint8_t type,
                                   etl_event *ev, size_t *size, char *why, size_t wsz)
{
	size_t fixed;
	bool is64;
	switch (type) {
	case 0x01: case 0x02:
		ev->header = type == 0x01 ? ETL_HDR_SYSTEM32 : ETL_HDR_SYSTEM64;
		fixed = 0x20;
		is64 = type == 0x02;
		break;
	case 0x03: case 0x04:
		ev->header = type == 0x03 ? ETL_HDR_COMPACT32 : ETL_HDR_COMPACT64;
		fixed = 0x18;
		is64 = type == 0x04;
		break;
	default:
		ev->header = type == 0x10 ? ETL_HDR_PERFINFO32 : ETL_HDR_PERFINFO64;
		fixed = 0x10;
		is64 = type == 0x11;
		break;
	}
	if (avail < 8)
		return ETL_REC_END;
	uint16_t version = etl_le16(p);
	uint16_t rsize = etl_le16(p + 4);
	/* header extensions: PEBS index and PMC counters, 8 bytes each */
	size_t hext = ((version & 0x8000) ? 8 : 0) + 8u * ((version >> 8) & 7);
	if (rsize < fixed + hext || rsize > avail) {
		etl_msg(why, wsz, "record size %u invalid for a %s header (%zu bytes left)",
		        rsize, etl_header_kind_name(ev->header), avail);
		return ETL_REC_BAD;
	}
	ev->version = (uint8_t)version;
	ev->hook_id = etl_le16(p + 6);
	ev->opcode = (uint8_t)ev->hook_id;
	unsigned group = ev->hook_id >> 8;
	if (ev->hook_id == 0x030A)
		group = 0x14; /* legacy Image/Load logged under the Process group */
	const etl_guid *g = etl_kernel_group_guid(group, NULL);
	if (g)
		ev->provider = *g;
	if (fixed == 0x10) {
		ev->pid = ev->tid = ETL_NO_ID;
		ev->raw_timestamp = (int64_t)etl_le64(p + 8);
		ev->flags |= ETL_EVF_NO_CPUTIME;
	} else {
		ev->tid = etl_le32(p + 8);
		ev->pid = etl_le32(p + 12);
		ev->raw_timestamp = (int64_t)etl_le64(p + 16);
		if (fixed == 0x20) {
			ev->kernel_time = etl_le32(p + 24);
			ev->user_time = etl_le32(p + 28);
		} else {
			ev->flags |= ETL_EVF_NO_CPUTIME;
		}
	}
	ev->flags |= ETL_EVF_CLASSIC_HEADER;
	set_width(ev, is64);
	ev->header_ext = hext ? p + fixed : NULL;
	ev->header_ext_size = hext;
	ev->data = p + fixed + hext;
	ev->size = rsize - fixed - hext;
	*size = rsize;
	return ETL_REC_OK;
}

/* EVENT_TRACE_HEADER and EVENT_INSTANCE_GUID_HEADER: classic events. */
static etl_rec_result parse_classic(const uint8_t *p, size_t avail, uint8_t type,
                                    etl_event *ev, size_t *size, char *why, size_t wsz)
{
	bool instance = type == 0x0B || type == 0x15;
	size_t fixed = instance ? 0x48 : 0x30;
	bool is64 = type == 0x14 || type == 0x15;
	ev->header = instance ? (is64 ? ETL_HDR_INSTANCE64 : ETL_HDR_INSTANCE32)
	                      : (is64 ? ETL_HDR_FULL64 : ETL_HDR_FULL32);
	uint16_t rsize = etl_le16(p);
	if (rsize < fixed || rsize > avail) {
		etl_msg(why, wsz, "record size %u invalid for a %s header (%zu bytes left)",
		        rsize, etl_header_kind_name(ev->header), avail);
		return ETL_REC_BAD;
	}
	ev->opcode = p[4];
	ev->level = p[5];
	ev->version = (uint8_t)etl_le16(p + 6);
	ev->tid = etl_le32(p + 8);
	ev->pid = etl_le32(p + 12);
	ev->raw_timestamp = (int64_t)etl_le64(p + 16);
	etl_read_guid(p + 24, &ev->provider);
	ev->kernel_time = etl_le32(p + 40);
	ev->user_time = etl_le32(p + 44);
	if (instance) {
		ev->instance_id = etl_le32(p + 48);
		ev->parent_instance_id = etl_le32(p + 52);
		etl_read_guid(p + 56, &ev->parent_guid);
	}
	ev->flags |= ETL_EVF_CLASSIC_HEADER;
	set_width(ev, is64);
	ev->data = p + fixed;
	ev->size = rsize - fixed;
	*size = rsize;
	return ETL_REC_OK;
}

static etl_rec_result parse_event_header(const uint8_t *p, size_t avail, uint8_t type,
                                         etl_event *ev, etl_ext_vec *ext, size_t *size,
                                         char *why, size_t wsz)
{
	bool is64 = type == 0x13;
	ev->header = is64 ? ETL_HDR_EVENT64 : ETL_HDR_EVENT32;
	uint16_t rsize = etl_le16(p);
	if (rsize < 0x50 || rsize > avail) {
		etl_msg(why, wsz, "record size %u invalid for an %s header (%zu bytes left)",
		        rsize, etl_header_kind_name(ev->header), avail);
		return ETL_REC_BAD;
	}
	uint16_t flags = etl_le16(p + 4);
	/* the width bits are not stored in files; derive them from the type */
	ev->flags = flags & (uint16_t)~(ETL_EVF_32_BIT_HEADER | ETL_EVF_64_BIT_HEADER);
	ev->event_property = etl_le16(p + 6);
	ev->tid = etl_le32(p + 8);
	ev->pid = etl_le32(p + 12);
	ev->raw_timestamp = (int64_t)etl_le64(p + 16);
	etl_read_guid(p + 24, &ev->provider);
	ev->id = etl_le16(p + 40);
	ev->version = p[42];
	ev->channel = p[43];
	ev->level = p[44];
	ev->opcode = p[45];
	ev->task = etl_le16(p + 46);
	ev->keywords = etl_le64(p + 48);
	ev->kernel_time = etl_le32(p + 56);
	ev->user_time = etl_le32(p + 60);
	etl_read_guid(p + 64, &ev->activity_id);
	set_width(ev, is64);

	size_t off = 0x50;
	size_t n = 0;
	if (flags & ETL_EVF_EXTENDED_INFO) {
		for (;;) {
			if (rsize - off < 8 || n >= MAX_EXT_ITEMS) {
				etl_msg(why, wsz, "extended item %zu at record offset %zu runs past the record (size %u)",
				        n, off, rsize);
				return ETL_REC_BAD;
			}
			uint16_t isize = etl_le16(p + off);
			uint16_t itype = etl_le16(p + off + 2);
			uint16_t link = etl_le16(p + off + 4);
			uint16_t dsize = etl_le16(p + off + 6);
			if (isize < 8 || isize > rsize - off || dsize > isize - 8) {
				etl_msg(why, wsz, "extended item %zu at record offset %zu: item size %u, data size %u, record size %u",
				        n, off, isize, dsize, rsize);
				return ETL_REC_BAD;
			}
			etl_ext_item it = { itype, dsize, p + off + 8 };
			if (!ext_push(ext, n, &it))
				return ETL_REC_NOMEM;
			n++;
			if (itype == ETL_EXT_RELATED_ACTIVITYID && dsize >= 16) {
				etl_read_guid(it.data, &ev->related_activity_id);
				ev->has_related_activity_id = 1;
			}
			off += isize;
			if (!(link & 1))
				break;
		}
	}
	ev->ext = n ? ext->items : NULL;
	ev->ext_count = n;
	ev->data = p + off;
	ev->size = rsize - off;
	*size = rsize;
	return ETL_REC_OK;
}

static etl_rec_result parse_message(const uint8_t *p, size_t avail, etl_event *ev,
                                    size_t *size, bool *has_time, char *why, size_t wsz)
{
	ev->header = ETL_HDR_MESSAGE;
	uint16_t rsize = etl_le16(p);
	if (rsize < 8 || rsize > avail) {
		etl_msg(why, wsz, "record size %u invalid for a message header (%zu bytes left)",
		        rsize, avail);
		return ETL_REC_BAD;
	}
	etl_cursor c;
	etl_cursor_init(&c, p, rsize);
	c.off = 4;
	uint16_t num = 0, opt = 0;
	etl_cursor_u16(&c, &num);
	etl_cursor_u16(&c, &opt);
	ev->id = num;
	ev->message_flags = opt;
	ev->pid = ev->tid = ETL_NO_ID;
	ev->flags |= ETL_EVF_TRACE_MESSAGE;
	bool ok = true;
	if (opt & 0x0001)
		ok = ok && etl_cursor_u32(&c, &ev->sequence);
	if (opt & 0x0002) {
		ok = ok && etl_cursor_guid(&c, &ev->provider);
	} else if (opt & 0x0004) {
		uint32_t comp;
		ok = ok && etl_cursor_u32(&c, &comp);
		if (ok)
			ev->provider.data1 = comp;
	}
	*has_time = false;
	if (opt & 0x0008) {
		uint64_t ts = 0;
		ok = ok && etl_cursor_u64(&c, &ts);
		ev->raw_timestamp = (int64_t)ts;
		*has_time = ok;
	}
	if (opt & 0x0020)
		ok = ok && etl_cursor_u32(&c, &ev->tid) && etl_cursor_u32(&c, &ev->pid);
	if (!ok) {
		etl_msg(why, wsz, "message header options 0x%04x need more than its %u bytes",
		        opt, rsize);
		return ETL_REC_BAD;
	}
	if (opt & 0x0080)
		set_width(ev, true);
	else if (opt & 0x0040)
		set_width(ev, false);
	ev->data = p + c.off;
	ev->size = rsize - c.off;
	*size = rsize;
	return ETL_REC_OK;
}

etl_rec_result etl_record_parse(const uint8_t *p, size_t avail, etl_event *ev,
                                etl_ext_vec *ext, size_t *size, bool *has_time,
                                char *why, size_t wsz)
{
	if (avail < 4)
		return ETL_REC_END;
	uint32_t marker = etl_le32(p);
	if (marker == 0xFFFFFFFFu || marker == 0)
		return ETL_REC_END;
	uint8_t flags = (uint8_t)(marker >> 24);
	uint8_t type = (uint8_t)(marker >> 16);
	*has_time = true;
	if ((flags & 0xC0) == 0xC0) {
		/* every typed header is at least 0x10 bytes */
		if (avail < 0x10) {
			etl_msg(why, wsz, "record header cut short (%zu bytes left)", avail);
			return ETL_REC_BAD;
		}
		switch (type) {
		case 0x01: case 0x02: case 0x03: case 0x04: case 0x10: case 0x11:
			return parse_kernel(p, avail, type, ev, size, why, wsz);
		case 0x0A: case 0x14: case 0x0B: case 0x15:
			if (avail < (type == 0x0B || type == 0x15 ? 0x48u : 0x30u)) {
				etl_msg(why, wsz, "record header cut short (%zu bytes left)", avail);
				return ETL_REC_BAD;
			}
			return parse_classic(p, avail, type, ev, size, why, wsz);
		case 0x12: case 0x13:
			if (avail < 0x50) {
				etl_msg(why, wsz, "record header cut short (%zu bytes left)", avail);
				return ETL_REC_BAD;
			}
			return parse_event_header(p, avail, type, ev, ext, size, why, wsz);
		case 0x0C: case 0x0D: case 0x0E: {
			/* TIMED, ERROR, WNODE: no known layout; skip by size when plausible */
			uint16_t rsize = etl_le16(p);
			if (rsize >= 8 && rsize <= avail) {
				etl_msg(why, wsz, "skipped a record of header type 0x%02x (%u bytes)",
				        type, rsize);
				*size = rsize;
				return ETL_REC_SKIP;
			}
			break;
		}
		default:
			break;
		}
		etl_msg(why, wsz, "unknown record header type 0x%02x (marker 0x%08x)", type, marker);
		return ETL_REC_BAD;
	}
	if ((flags & 0xC0) == 0x80 && (flags & 0x10))
		return parse_message(p, avail, ev, size, has_time, why, wsz);
	if (!(flags & 0x80)) {
		/* a plain WNODE_HEADER block starts with its u32 size */
		if (marker >= 8 && marker <= avail) {
			etl_msg(why, wsz, "skipped a WNODE block of %u bytes", marker);
			*size = marker;
			return ETL_REC_SKIP;
		}
	}
	etl_msg(why, wsz, "invalid record marker 0x%08x", marker);
	return ETL_REC_BAD;
}

size_t etl_record_peek(const uint8_t *p, size_t avail, int64_t *raw_time)
{
	if (avail < 0x10)
		return 0;
	uint32_t marker = etl_le32(p);
	if ((marker >> 24 & 0xC0) != 0xC0)
		return 0;
	size_t rsize, fixed;
	switch ((uint8_t)(marker >> 16)) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x10: case 0x11: {
		uint8_t type = (uint8_t)(marker >> 16);
		uint16_t version = etl_le16(p);
		fixed = type <= 0x02 ? 0x20 : type <= 0x04 ? 0x18 : 0x10;
		fixed += ((version & 0x8000) ? 8 : 0) + 8u * ((version >> 8) & 7);
		rsize = etl_le16(p + 4);
		*raw_time = (int64_t)etl_le64(p + (type >= 0x10 ? 8 : 16));
		return rsize >= fixed && rsize <= avail ? rsize : 0;
	}
	case 0x0A: case 0x14: case 0x0B: case 0x15:
		fixed = (marker >> 16 & 0xFF) == 0x0B || (marker >> 16 & 0xFF) == 0x15 ? 0x48 : 0x30;
		rsize = etl_le16(p);
		if (avail < fixed || rsize < fixed || rsize > avail)
			return 0;
		*raw_time = (int64_t)etl_le64(p + 16);
		return rsize;
	case 0x12: case 0x13:
		rsize = etl_le16(p);
		if (avail < 0x50 || rsize < 0x50 || rsize > avail)
			return 0;
		if (etl_le16(p + 4) & ETL_EVF_EXTENDED_INFO) {
			/* the checks of parse_event_header(): a damaged chain
			 * ends the buffer there, so it must be parsed */
			size_t off = 0x50;
			for (size_t n = 0;; n++) {
				if (rsize - off < 8 || n >= MAX_EXT_ITEMS)
					return 0;
				uint16_t isize = etl_le16(p + off), link = etl_le16(p + off + 4);
				uint16_t dsize = etl_le16(p + off + 6);
				if (isize < 8 || isize > rsize - off || dsize > isize - 8)
					return 0;
				off += isize;
				if (!(link & 1))
					break;
			}
		}
		*raw_time = (int64_t)etl_le64(p + 16);
		return rsize;
	default:
		return 0;
	}
}
