/*
 * test_cursor.c - the bounds-checked cursor, GUID and time text, and text
 * conversion: the helpers every parser relies on, tried at their edges.
 */
#include "tap.h"
#define ETLKIT_INTERNAL
#include "private.h"

#include <string.h>

int main(void)
{
	static const uint8_t bytes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	etl_cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	etl_cursor_init(&c, bytes, sizeof bytes);
	tap_ok(etl_cursor_u16(&c, &u16) && u16 == 0x0201, "u16 little-endian");
	tap_ok(etl_cursor_u32(&c, &u32) && u32 == 0x06050403, "u32 little-endian");
	tap_ok(!etl_cursor_u64(&c, &u64) && c.off == 6, "u64 past the end fails without moving");
	tap_ok(etl_cursor_u32(&c, &u32) && etl_cursor_left(&c) == 1, "reads up to one byte short");
	tap_ok(!etl_cursor_u16(&c, &u16), "u16 one byte short fails");
	tap_ok(etl_cursor_u8(&c, &u8) && u8 == 11 && etl_cursor_left(&c) == 0, "last byte");
	tap_ok(!etl_cursor_u8(&c, &u8), "empty cursor");
	tap_ok(!etl_cursor_skip(&c, SIZE_MAX), "huge skip fails");
	etl_cursor_init(&c, bytes, 0);
	tap_ok(!etl_cursor_u8(&c, &u8) && !etl_cursor_skip(&c, 1) && etl_cursor_skip(&c, 0), "zero-length cursor");
	tap_ok(etl_fits(10, 10, 0) && !etl_fits(10, 11, 0) && !etl_fits(10, 2, SIZE_MAX), "etl_fits edges");

	etl_guid g;
	char s[ETL_GUID_STRLEN];
	tap_ok(etl_guid_parse("{E13C0D23-CCBC-4E12-931B-D9CC2EEE27E4}", &g) == 0, "GUID with braces parses");
	etl_guid_format(&g, s);
	tap_ok(!strcmp(s, "e13c0d23-ccbc-4e12-931b-d9cc2eee27e4"), "GUID formats lowercase: %s", s);
	static const uint8_t raw[16] = { 0x23, 0x0d, 0x3c, 0xe1, 0xbc, 0xcc, 0x12, 0x4e,
		                         0x93, 0x1b, 0xd9, 0xcc, 0x2e, 0xee, 0x27, 0xe4 };
	etl_guid g2;
	etl_read_guid(raw, &g2);
	tap_ok(etl_guid_equal(&g, &g2), "GUID from file bytes uses the Windows field layout");
	tap_ok(etl_guid_parse("e13c0d23-ccbc-4e12-931b-d9cc2eee27e", &g) != 0, "short GUID rejected");
	tap_ok(etl_guid_parse("e13c0d23-ccbc-4e12-931b-d9cc2eee27e4x", &g) != 0, "trailing junk rejected");
	tap_ok(etl_guid_parse("{e13c0d23-ccbc-4e12-931b-d9cc2eee27e4", &g) != 0, "unclosed brace rejected");
	tap_ok(etl_guid_parse("", &g) != 0 && etl_guid_parse(NULL, &g) != 0, "empty and NULL rejected");

	char t[ETL_TIME_STRLEN];
	etl_filetime_format(0, t, sizeof t);
	tap_ok(!strcmp(t, "1601-01-01T00:00:00.0000000Z"), "FILETIME 0: %s", t);
	etl_filetime_format(116444736000000000LL, t, sizeof t);
	tap_ok(!strcmp(t, "1970-01-01T00:00:00.0000000Z"), "Unix epoch: %s", t);
	etl_filetime_format(132756731728578520LL, t, sizeof t);
	tap_ok(!strcmp(t, "2021-09-09T14:59:32.8578520Z"), "a 2021 time: %s", t);
	etl_filetime_format(130000000000000001LL, t, sizeof t);
	tap_ok(!strcmp(t, "2012-12-14T23:06:40.0000001Z"), "100 ns precision: %s", t);
	tap_ok(etl_filetime_format(0, t, 10) == 0, "too small a buffer is refused");
	etl_filetime_format(INT64_MAX, t, sizeof t);
	tap_ok(strlen(t) == 28, "the largest FILETIME keeps the width: %s", t);

	/* "Aé€😀" in UTF-16LE, with an unpaired surrogate at the end */
	static const uint8_t u16s[] = { 'A', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8 };
	char out[64];
	size_t n = etl_utf16_to_utf8(u16s, 6, out, sizeof out);
	tap_ok(n == 13 && !memcmp(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD", 13),
	       "UTF-16 to UTF-8 with a surrogate pair and a lone surrogate");
	n = etl_utf16_to_utf8(u16s, 6, out, 4);
	tap_ok(n == 3 && out[3] == 0, "output cut at a character boundary");
	bool term;
	static const uint8_t z[] = { 'a', 0, 0, 0, 'b', 0 };
	tap_ok(etl_utf16_strnlen(z, 3, &term) == 1 && term, "UTF-16 NUL found");
	tap_ok(etl_utf16_strnlen(z, 1, &term) == 1 && !term, "unterminated UTF-16");
	static const uint8_t cp[] = { 'x', 0x80, 0xE9 };
	n = etl_cp1252_to_utf8(cp, 3, out, sizeof out);
	tap_ok(n == 6 && !memcmp(out, "x\xE2\x82\xAC\xC3\xA9", 6), "Windows-1252 to UTF-8");

	etl_strbuf b = { 0 };
	for (int i = 0; i < 10000; i++)
		etl_strbuf_putc(&b, 'x');
	etl_strbuf_printf(&b, "%d", 42);
	tap_ok(b.len == 10002 && !b.failed && !strcmp(b.p + 10000, "42"), "string buffer grows");
	etl_strbuf_free(&b);
	return tap_done();
}
