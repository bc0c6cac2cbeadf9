/*
 * guid.c - GUID text forms.  GUIDs are kept in the Windows field layout
 * (Data1 u32, Data2 u16, Data3 u16 little-endian in files, then 8 bytes).
 */
#define ETLKIT_INTERNAL
#include "private.h"

static const char hexdig[] = "0123456789abcdef";

static char *put_byte(char *o, unsigned v)
{
	o[0] = hexdig[v >> 4];
	o[1] = hexdig[v & 15];
	return o + 2;
}

void etl_guid_format(const etl_guid *g, char out[ETL_GUID_STRLEN])
{
	char *o = out;
	o = put_byte(o, g->data1 >> 24);
	o = put_byte(o, g->data1 >> 16 & 0xFF);
	o = put_byte(o, g->data1 >> 8 & 0xFF);
	o = put_byte(o, g->data1 & 0xFF);
	*o++ = '-';
	o = put_byte(o, g->data2 >> 8);
	o = put_byte(o, g->data2 & 0xFF);
	*o++ = '-';
	o = put_byte(o, g->data3 >> 8);
	o = put_byte(o, g->data3 & 0xFF);
	*o++ = '-';
	o = put_byte(o, g->data4[0]);
	o = put_byte(o, g->data4[1]);
	*o++ = '-';
	for (int i = 2; i < 8; i++)
		o = put_byte(o, g->data4[i]);
	*o = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int etl_guid_parse(const char *s, etl_guid *g)
{
	uint8_t b[16];
	int braces = 0, nb = 0;
	if (!s)
		return -1;
	if (*s == '{') {
		braces = 1;
		s++;
	}
	/* 8-4-4-4-12 */
	static const int groups[5] = { 4, 2, 2, 2, 6 };
	for (int gi = 0; gi < 5; gi++) {
		if (gi > 0 && *s++ != '-')
			return -1;
		for (int k = 0; k < groups[gi]; k++) {
			int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
			if (hi < 0 || lo < 0)
				return -1;
			b[nb++] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
	}
	if (braces && *s++ != '}')
		return -1;
	if (*s)
		return -1;
	g->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	g->data2 = (uint16_t)(b[4] << 8 | b[5]);
	g->data3 = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(g->data4, b + 8, 8);
	return 0;
}

int etl_guid_equal(const etl_guid *a, const etl_guid *b)
{
	return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
	       memcmp(a->data4, b->data4, 8) == 0;
}

int etl_guid_is_null(const etl_guid *g)
{
	static const etl_guid zero;
	return etl_guid_equal(g, &zero);
}
