/*
 * expat.h - the part of expat's API that lib/manifest.c uses, implemented
 * over Windows' own XML parser, XmlLite (win32/xmllite/expat_xmllite.c).
 *
 * For Windows builds without an expat for the target (MinGW-w64 on Debian
 * has none): configure puts this directory on the include path instead of
 * expat's.  Element start and end events with their attributes, line and
 * column numbers, StopParser and the error codes manifest.c looks at.
 * Documents with a DTD are refused (XmlLite's DtdProcessing_Prohibit), which
 * is stricter than manifest.c's own refusal of entity declarations.
 */
#ifndef ETLKIT_EXPAT_XMLLITE_H
#define ETLKIT_EXPAT_XMLLITE_H

#ifdef __cplusplus
extern "C" {
#endif

#define XMLCALL
typedef char XML_Char;
typedef unsigned char XML_Bool;
#define XML_TRUE ((XML_Bool)1)
#define XML_FALSE ((XML_Bool)0)
typedef unsigned long XML_Size;
typedef struct etl_xmllite_parser *XML_Parser;

enum XML_Status { XML_STATUS_ERROR = 0, XML_STATUS_OK = 1, XML_STATUS_SUSPENDED = 2 };

enum XML_Error {
	XML_ERROR_NONE = 0,
	XML_ERROR_NO_MEMORY = 1,
	XML_ERROR_SYNTAX = 2,
	XML_ERROR_NO_ELEMENTS = 3,
	XML_ERROR_INVALID_TOKEN = 4,
	XML_ERROR_UNCLOSED_TOKEN = 5,
	XML_ERROR_TAG_MISMATCH = 7,
	XML_ERROR_UNKNOWN_ENCODING = 18,
	XML_ERROR_ABORTED = 35
};

enum XML_ParamEntityParsing {
	XML_PARAM_ENTITY_PARSING_NEVER,
	XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE,
	XML_PARAM_ENTITY_PARSING_ALWAYS
};

typedef void(XMLCALL *XML_StartElementHandler)(void *userData, const XML_Char *name,
                                               const XML_Char **atts);
typedef void(XMLCALL *XML_EndElementHandler)(void *userData, const XML_Char *name);
typedef void(XMLCALL *XML_EntityDeclHandler)(void *userData, const XML_Char *entityName,
                                             int is_parameter_entity, const XML_Char *value,
                                             int value_length, const XML_Char *base,
                                             const XML_Char *systemId, const XML_Char *publicId,
                                             const XML_Char *notationName);

XML_Parser XML_ParserCreate(const XML_Char *encoding);
void XML_ParserFree(XML_Parser p);
void XML_SetUserData(XML_Parser p, void *userData);
void XML_SetElementHandler(XML_Parser p, XML_StartElementHandler start, XML_EndElementHandler end);
void XML_SetEntityDeclHandler(XML_Parser p, XML_EntityDeclHandler handler);
int XML_SetParamEntityParsing(XML_Parser p, enum XML_ParamEntityParsing how);
/* The document is parsed when isFinal is true (earlier chunks are kept). */
enum XML_Status XML_Parse(XML_Parser p, const char *s, int len, int isFinal);
enum XML_Status XML_StopParser(XML_Parser p, XML_Bool resumable);
enum XML_Error XML_GetErrorCode(XML_Parser p);
const XML_Char *XML_ErrorString(enum XML_Error code);
XML_Size XML_GetCurrentLineNumber(XML_Parser p);
XML_Size XML_GetCurrentColumnNumber(XML_Parser p);

#ifdef __cplusplus
}
#endif
#endif
