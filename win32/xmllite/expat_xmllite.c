/*
 * expat_xmllite.c - expat's streaming interface (the subset in expat.h
 * beside this file) over XmlLite, the XML pull parser of Windows (and of
 * Wine).  xmllite.dll is loaded at first use, so the library has no
 * import-time dependency on it.  Windows builds only.
 */
#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <shlwapi.h>
#include <xmllite.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "expat.h"

/* {7279FC81-709D-4095-B63D-69FE4B0D9030} */
static const IID iid_xml_reader = {
	0x7279fc81, 0x709d, 0x4095, { 0xb6, 0x3d, 0x69, 0xfe, 0x4b, 0x0d, 0x90, 0x30 }
};

typedef HRESULT(WINAPI *create_reader_fn)(REFIID, void **, IMalloc *);

struct etl_xmllite_parser {
	void *ud;
	XML_StartElementHandler start;
	XML_EndElementHandler end;
	XML_EntityDeclHandler entity;
	char *buf;
	size_t len, cap;
	bool stopped;
	enum XML_Error error;
	XML_Size line, col;
	IXmlReader *reader;
};

static create_reader_fn load_xmllite(void)
{
	static create_reader_fn fn;
	static bool tried;
	if (!tried) {
		HMODULE m = LoadLibraryA("xmllite.dll");
		if (m)
			fn = (create_reader_fn)(void (*)(void))GetProcAddress(m, "CreateXmlReader");
		tried = true;
	}
	return fn;
}

XML_Parser XML_ParserCreate(const XML_Char *encoding)
{
	(void)encoding;
	return calloc(1, sizeof(struct etl_xmllite_parser));
}

void XML_ParserFree(XML_Parser p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}

void XML_SetUserData(XML_Parser p, void *ud) { p->ud = ud; }

void XML_SetElementHandler(XML_Parser p, XML_StartElementHandler s, XML_EndElementHandler e)
{
	p->start = s;
	p->end = e;
}

void XML_SetEntityDeclHandler(XML_Parser p, XML_EntityDeclHandler h)
{
	p->entity = h;
}

int XML_SetParamEntityParsing(XML_Parser p, enum XML_ParamEntityParsing how)
{
	(void)p;
	(void)how;
	return 1;
}

enum XML_Status XML_StopParser(XML_Parser p, XML_Bool resumable)
{
	(void)resumable;
	p->stopped = true;
	return XML_STATUS_OK;
}

enum XML_Error XML_GetErrorCode(XML_Parser p) { return p->error; }
XML_Size XML_GetCurrentLineNumber(XML_Parser p) { return p->line; }
XML_Size XML_GetCurrentColumnNumber(XML_Parser p) { return p->col ? p->col - 1 : 0; }

const XML_Char *XML_ErrorString(enum XML_Error code)
{
	switch (code) {
	case XML_ERROR_NONE: return "no error";
	case XML_ERROR_NO_MEMORY: return "out of memory";
	case XML_ERROR_SYNTAX: return "syntax error";
	case XML_ERROR_NO_ELEMENTS: return "no element found";
	case XML_ERROR_INVALID_TOKEN: return "not well-formed (invalid token)";
	case XML_ERROR_UNCLOSED_TOKEN: return "unclosed token";
	case XML_ERROR_TAG_MISMATCH: return "mismatched tag";
	case XML_ERROR_UNKNOWN_ENCODING: return "XmlLite is not available";
	case XML_ERROR_ABORTED: return "parsing aborted";
	default: return "XML error";
	}
}

/* UTF-16 (len units) to a malloc'd UTF-8 string */
static char *utf8(const WCHAR *w, UINT len)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, (int)len, NULL, 0, NULL, NULL);
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, w, (int)len, s, n, NULL, NULL);
	s[n] = 0;
	return s;
}

static void position(XML_Parser p)
{
	UINT line = 0, col = 0;
	IXmlReader_GetLineNumber(p->reader, &line);
	IXmlReader_GetLinePosition(p->reader, &col);
	p->line = line;
	p->col = col;
}

static bool element(XML_Parser p)
{
	const WCHAR *w;
	UINT wl;
	BOOL empty = IXmlReader_IsEmptyElement(p->reader);
	if (FAILED(IXmlReader_GetQualifiedName(p->reader, &w, &wl)))
		return false;
	char *name = utf8(w, wl);
	UINT nattr = 0;
	IXmlReader_GetAttributeCount(p->reader, &nattr);
	char **atts = calloc(2 * (size_t)nattr + 2, sizeof *atts);
	if (!name || !atts) {
		free(name);
		free(atts);
		p->error = XML_ERROR_NO_MEMORY;
		return false;
	}
	size_t k = 0;
	for (HRESULT hr = IXmlReader_MoveToFirstAttribute(p->reader); hr == S_OK && k < 2 * nattr;
	     hr = IXmlReader_MoveToNextAttribute(p->reader)) {
		const WCHAR *an, *av;
		UINT anl, avl;
		if (FAILED(IXmlReader_GetQualifiedName(p->reader, &an, &anl)) ||
		    FAILED(IXmlReader_GetValue(p->reader, &av, &avl)))
			break;
		atts[k] = utf8(an, anl);
		atts[k + 1] = utf8(av, avl);
		if (!atts[k] || !atts[k + 1]) {
			p->error = XML_ERROR_NO_MEMORY;
			break;
		}
		k += 2;
	}
	IXmlReader_MoveToElement(p->reader);
	bool ok = p->error == XML_ERROR_NONE;
	if (ok && p->start)
		p->start(p->ud, name, (const XML_Char **)atts);
	if (ok && empty && p->end && !p->stopped)
		p->end(p->ud, name);
	for (size_t i = 0; i < k + 2 && i < 2 * (size_t)nattr + 2; i++)
		free(atts[i]);
	free(atts);
	free(name);
	return ok;
}

/* A document type declaration is handled here, as expat without external
 * DTD loading handles it: entity declarations of the internal subset go to
 * the entity handler (manifest.c refuses them), and the declaration is then
 * blanked out (keeping line and column numbers), so an external subset is
 * never loaded.  XmlLite itself would refuse any DTD with an error that
 * does not say why.  False when the handler stopped the parse. */
static bool doctype(XML_Parser p)
{
	char *b = p->buf, *end = p->buf + p->len;
	char *d = NULL;
	for (char *q = b; q + 9 <= end; q++)
		if (!memcmp(q, "<!DOCTYPE", 9)) {
			d = q;
			break;
		}
	if (!d)
		return true;
	char *q = d + 9, *subset = NULL;
	while (q < end && *q != '>' && *q != '[') {
		if (*q == '"' || *q == '\'') {
			char quote = *q++;
			while (q < end && *q != quote)
				q++;
		}
		if (q < end)
			q++;
	}
	if (q < end && *q == '[') {
		subset = ++q;
		while (q < end && *q != ']') {
			if (q + 8 <= end && !memcmp(q, "<!ENTITY", 8)) {
				char *n = q + 8;
				while (n < end && (*n == ' ' || *n == '\t' || *n == '\r' || *n == '\n' || *n == '%'))
					n++;
				char name[128];
				size_t k = 0;
				while (n < end && k + 1 < sizeof name && *n != ' ' && *n != '\t' &&
				       *n != '\r' && *n != '\n' && *n != '>')
					name[k++] = *n++;
				name[k] = 0;
				if (p->entity) {
					p->line = 1;
					for (char *c = b; c < q; c++)
						p->line += *c == '\n';
					p->entity(p->ud, name, q[8] == '%', NULL, 0, NULL, NULL, NULL, NULL);
					if (p->stopped)
						return false;
				}
			}
			q++;
		}
		while (q < end && *q != '>')
			q++;
	}
	(void)subset;
	if (q < end)
		q++;
	for (char *c = d; c < q; c++)
		if (*c != '\n' && *c != '\r')
			*c = ' ';
	return true;
}

/* A quick check that the document's tags are balanced and that it does not
 * end inside a token.  Wine's XmlLite spins forever on a document that ends
 * with elements still open, so such documents never reach it.  Quoted
 * attribute values are skipped whole (a '<' in them is XmlLite's to report). */
static bool balanced(const char *b, size_t n, XML_Size *line)
{
	long depth = 0;
	bool root = false;
	size_t i = 0;
	*line = 1;
	while (i < n) {
		if (b[i] != '<') {
			*line += b[i] == '\n';
			i++;
			continue;
		}
		const char *close = NULL;
		size_t skip = 0;
		if (n - i >= 4 && !memcmp(b + i, "<!--", 4)) {
			close = "-->";
			skip = 4;
		} else if (n - i >= 9 && !memcmp(b + i, "<![CDATA[", 9)) {
			close = "]]>";
			skip = 9;
		} else if (n - i >= 2 && b[i + 1] == '?') {
			close = "?>";
			skip = 2;
		}
		if (close) {
			size_t cl = strlen(close), j = i + skip;
			while (j + cl <= n && memcmp(b + j, close, cl))
				*line += b[j++] == '\n';
			if (j + cl > n)
				return false;
			i = j + cl;
			continue;
		}
		/* a tag, a declaration or an end tag */
		bool end = i + 1 < n && b[i + 1] == '/';
		bool decl = i + 1 < n && b[i + 1] == '!';
		size_t j = i + 1;
		char quote = 0;
		while (j < n && (quote || b[j] != '>')) {
			if (quote && b[j] == quote)
				quote = 0;
			else if (!quote && (b[j] == '"' || b[j] == '\''))
				quote = b[j];
			*line += b[j] == '\n';
			j++;
		}
		if (j >= n)
			return false;
		if (!decl) {
			if (end)
				depth--;
			else if (b[j - 1] != '/')
				depth++;
			root = true;
			if (depth < 0)
				return false;
		}
		i = j + 1;
	}
	return root && depth == 0;
}

static enum XML_Status run(XML_Parser p)
{
	if (!doctype(p)) {
		p->error = XML_ERROR_ABORTED;
		return XML_STATUS_ERROR;
	}
	/* UTF-16 documents (by BOM or by a first '<' unit) are checked as UTF-8 */
	const unsigned char *u = (const unsigned char *)p->buf;
	bool le = p->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == '<' && u[1] == 0));
	bool be = p->len >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0 && u[1] == '<'));
	char *check = p->buf;
	size_t check_len = p->len;
	if (le || be) {
		size_t units = p->len / 2;
		WCHAR *w = malloc((units + 1) * sizeof *w);
		if (!w) {
			p->error = XML_ERROR_NO_MEMORY;
			return XML_STATUS_ERROR;
		}
		for (size_t i = 0; i < units; i++)
			w[i] = le ? (WCHAR)(u[2 * i] | u[2 * i + 1] << 8) : (WCHAR)(u[2 * i] << 8 | u[2 * i + 1]);
		check = units > UINT_MAX ? NULL : utf8(w, (UINT)units);
		free(w);
		if (!check) {
			p->error = XML_ERROR_NO_MEMORY;
			return XML_STATUS_ERROR;
		}
		check_len = strlen(check);
	}
	bool ok_balance = balanced(check, check_len, &p->line);
	if (check != p->buf)
		free(check);
	if (!ok_balance) {
		/* reported as an invalid token, which lets manifest.c try its repair */
		p->col = 1;
		p->error = XML_ERROR_INVALID_TOKEN;
		return XML_STATUS_ERROR;
	}
	create_reader_fn create = load_xmllite();
	if (!create) {
		p->error = XML_ERROR_UNKNOWN_ENCODING;
		return XML_STATUS_ERROR;
	}
	if (p->len > UINT_MAX) {
		p->error = XML_ERROR_NO_MEMORY;
		return XML_STATUS_ERROR;
	}
	IStream *stream = SHCreateMemStream((const BYTE *)p->buf, (UINT)p->len);
	if (!stream) {
		p->error = XML_ERROR_NO_MEMORY;
		return XML_STATUS_ERROR;
	}
	IXmlReader *r = NULL;
	if (FAILED(create(&iid_xml_reader, (void **)&r, NULL)) || !r) {
		IStream_Release(stream);
		p->error = XML_ERROR_UNKNOWN_ENCODING;
		return XML_STATUS_ERROR;
	}
	p->reader = r;
	IXmlReader_SetProperty(r, XmlReaderProperty_DtdProcessing, DtdProcessing_Prohibit);
	enum XML_Status st = XML_STATUS_OK;
	bool any = false;
	if (FAILED(IXmlReader_SetInput(r, (IUnknown *)stream))) {
		p->error = XML_ERROR_SYNTAX;
		st = XML_STATUS_ERROR;
	}
	XmlNodeType type;
	HRESULT hr = S_OK;
	while (st == XML_STATUS_OK && (hr = IXmlReader_Read(r, &type)) == S_OK) {
		position(p);
		if (type == XmlNodeType_Element) {
			any = true;
			if (!element(p))
				st = XML_STATUS_ERROR;
		} else if (type == XmlNodeType_EndElement) {
			const WCHAR *w;
			UINT wl;
			if (SUCCEEDED(IXmlReader_GetQualifiedName(r, &w, &wl)) && p->end) {
				char *name = utf8(w, wl);
				if (name)
					p->end(p->ud, name);
				free(name);
			}
		}
		if (p->stopped) {
			p->error = XML_ERROR_ABORTED;
			st = XML_STATUS_ERROR;
		}
	}
	if (st == XML_STATUS_OK && FAILED(hr)) {
		position(p);
		/* XmlLite's codes do not map one to one; a malformed document is
		 * reported as an invalid token, which lets manifest.c try its repair */
		p->error = hr == E_OUTOFMEMORY ? XML_ERROR_NO_MEMORY : XML_ERROR_INVALID_TOKEN;
		st = XML_STATUS_ERROR;
	} else if (st == XML_STATUS_OK && !any) {
		p->error = XML_ERROR_NO_ELEMENTS;
		st = XML_STATUS_ERROR;
	}
	IXmlReader_Release(r);
	IStream_Release(stream);
	p->reader = NULL;
	return st;
}

enum XML_Status XML_Parse(XML_Parser p, const char *s, int len, int isFinal)
{
	if (len > 0) {
		if ((size_t)len > p->cap - p->len) {
			size_t cap = p->cap ? p->cap : 4096;
			while (cap - p->len < (size_t)len)
				cap *= 2;
			char *n = realloc(p->buf, cap);
			if (!n) {
				p->error = XML_ERROR_NO_MEMORY;
				return XML_STATUS_ERROR;
			}
			p->buf = n;
			p->cap = cap;
		}
		memcpy(p->buf + p->len, s, (size_t)len);
		p->len += (size_t)len;
	}
	if (!isFinal)
		return XML_STATUS_OK;
	/* Wine's XmlLite asserts on inputs of a few bytes; trailing white space
	 * is allowed after the root element and completes no truncated prefix */
	if (p->cap - p->len < 16) {
		char *n = realloc(p->buf, p->len + 16);
		if (!n) {
			p->error = XML_ERROR_NO_MEMORY;
			return XML_STATUS_ERROR;
		}
		p->buf = n;
		p->cap = p->len + 16;
	}
	const unsigned char *u = (const unsigned char *)p->buf;
	bool le = p->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == '<' && u[1] == 0));
	bool be = p->len >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0 && u[1] == '<'));
	p->len &= (le || be) ? ~(size_t)1 : ~(size_t)0;
	for (int i = 0; i < 16; i++)
		p->buf[p->len + i] = (le && i % 2) || (be && i % 2 == 0) ? 0 : ' ';
	p->len += 16;
	return run(p);
}
