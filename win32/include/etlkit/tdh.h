/*
 * etlkit/tdh.h - the Trace Data Helper (TDH) decoding API of the Windows SDK's
 * <tdh.h>, implemented by libetlkit-win32 over etlkit's schema store.
 * Structures have the SDK's binary layout: a TRACE_EVENT_INFO
 * holds its strings as UTF-16 at byte offsets from its start.
 *
 * Provided: TdhGetEventInformation, TdhGetEventMapInformation,
 * TdhGetPropertySize, TdhGetProperty, TdhFormatProperty.  TDH_CONTEXT
 * arguments are accepted; only TDH_CONTEXT_POINTERSIZE has an effect.
 */
#ifndef ETLKIT_TDH_H
#define ETLKIT_TDH_H
#include "etlkit_wintypes.h"
#include "evntcons.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef ULONG TDHSTATUS;

typedef enum _TDH_IN_TYPE {
	TDH_INTYPE_NULL,
	TDH_INTYPE_UNICODESTRING,
	TDH_INTYPE_ANSISTRING,
	TDH_INTYPE_INT8,
	TDH_INTYPE_UINT8,
	TDH_INTYPE_INT16,
	TDH_INTYPE_UINT16,
	TDH_INTYPE_INT32,
	TDH_INTYPE_UINT32,
	TDH_INTYPE_INT64,
	TDH_INTYPE_UINT64,
	TDH_INTYPE_FLOAT,
	TDH_INTYPE_DOUBLE,
	TDH_INTYPE_BOOLEAN,
	TDH_INTYPE_BINARY,
	TDH_INTYPE_GUID,
	TDH_INTYPE_POINTER,
	TDH_INTYPE_FILETIME,
	TDH_INTYPE_SYSTEMTIME,
	TDH_INTYPE_SID,
	TDH_INTYPE_HEXINT32,
	TDH_INTYPE_HEXINT64,
	TDH_INTYPE_MANIFEST_COUNTEDSTRING,     /* 22 */
	TDH_INTYPE_MANIFEST_COUNTEDANSISTRING, /* 23 */
	TDH_INTYPE_RESERVED24,
	TDH_INTYPE_MANIFEST_COUNTEDBINARY,     /* 25 */
	/* in-types TDH produces from MOF */
	TDH_INTYPE_COUNTEDSTRING = 300,
	TDH_INTYPE_COUNTEDANSISTRING,
	TDH_INTYPE_REVERSEDCOUNTEDSTRING,
	TDH_INTYPE_REVERSEDCOUNTEDANSISTRING,
	TDH_INTYPE_NONNULLTERMINATEDSTRING,
	TDH_INTYPE_NONNULLTERMINATEDANSISTRING,
	TDH_INTYPE_UNICODECHAR,
	TDH_INTYPE_ANSICHAR,
	TDH_INTYPE_SIZET,
	TDH_INTYPE_HEXDUMP,
	TDH_INTYPE_WBEMSID
} TDH_IN_TYPE;

typedef enum _TDH_OUT_TYPE {
	TDH_OUTTYPE_NULL,
	TDH_OUTTYPE_STRING,
	TDH_OUTTYPE_DATETIME,
	TDH_OUTTYPE_BYTE,
	TDH_OUTTYPE_UNSIGNEDBYTE,
	TDH_OUTTYPE_SHORT,
	TDH_OUTTYPE_UNSIGNEDSHORT,
	TDH_OUTTYPE_INT,
	TDH_OUTTYPE_UNSIGNEDINT,
	TDH_OUTTYPE_LONG,
	TDH_OUTTYPE_UNSIGNEDLONG,
	TDH_OUTTYPE_FLOAT,
	TDH_OUTTYPE_DOUBLE,
	TDH_OUTTYPE_BOOLEAN,
	TDH_OUTTYPE_GUID,
	TDH_OUTTYPE_HEXBINARY,
	TDH_OUTTYPE_HEXINT8,
	TDH_OUTTYPE_HEXINT16,
	TDH_OUTTYPE_HEXINT32,
	TDH_OUTTYPE_HEXINT64,
	TDH_OUTTYPE_PID,
	TDH_OUTTYPE_TID,
	TDH_OUTTYPE_PORT,
	TDH_OUTTYPE_IPV4,
	TDH_OUTTYPE_IPV6,
	TDH_OUTTYPE_SOCKETADDRESS,
	TDH_OUTTYPE_CIMDATETIME,
	TDH_OUTTYPE_ETWTIME,
	TDH_OUTTYPE_XML,
	TDH_OUTTYPE_ERRORCODE,
	TDH_OUTTYPE_WIN32ERROR,
	TDH_OUTTYPE_NTSTATUS,
	TDH_OUTTYPE_HRESULT,
	TDH_OUTTYPE_CULTURE_INSENSITIVE_DATETIME,
	TDH_OUTTYPE_JSON,
	TDH_OUTTYPE_UTF8,
	TDH_OUTTYPE_PKCS7_WITH_TYPE_INFO,
	TDH_OUTTYPE_CODE_POINTER,
	TDH_OUTTYPE_DATETIME_UTC,
	TDH_OUTTYPE_REDUCEDSTRING = 300,
	TDH_OUTTYPE_NOPRINT
} TDH_OUT_TYPE;

typedef enum _PROPERTY_FLAGS {
	PropertyStruct = 0x1,
	PropertyParamLength = 0x2,
	PropertyParamCount = 0x4,
	PropertyWBEMXmlFragment = 0x8,
	PropertyParamFixedLength = 0x10,
	PropertyParamFixedCount = 0x20,
	PropertyHasTags = 0x40,
	PropertyHasCustomSchema = 0x80
} PROPERTY_FLAGS;

typedef enum _DECODING_SOURCE {
	DecodingSourceXMLFile,
	DecodingSourceWbem,
	DecodingSourceWPP,
	DecodingSourceTlg,
	DecodingSourceMax
} DECODING_SOURCE;

typedef enum _TEMPLATE_FLAGS {
	TEMPLATE_EVENT_DATA = 1,
	TEMPLATE_USER_DATA = 2,
	TEMPLATE_CONTROL_GUID = 4
} TEMPLATE_FLAGS;

typedef enum _MAP_FLAGS {
	EVENTMAP_INFO_FLAG_MANIFEST_VALUEMAP = 0x1,
	EVENTMAP_INFO_FLAG_MANIFEST_BITMAP = 0x2,
	EVENTMAP_INFO_FLAG_MANIFEST_PATTERNMAP = 0x4,
	EVENTMAP_INFO_FLAG_WBEM_VALUEMAP = 0x8,
	EVENTMAP_INFO_FLAG_WBEM_BITMAP = 0x10,
	EVENTMAP_INFO_FLAG_WBEM_FLAG = 0x20,
	EVENTMAP_INFO_FLAG_WBEM_NO_MAP = 0x40
} MAP_FLAGS;

typedef enum _MAP_VALUETYPE {
	EVENTMAP_ENTRY_VALUETYPE_ULONG,
	EVENTMAP_ENTRY_VALUETYPE_STRING
} MAP_VALUETYPE;

/* 8 bytes */
typedef struct _EVENT_MAP_ENTRY {
	ULONG OutputOffset;
	union {
		ULONG Value;
		ULONG InputOffset;
	};
} EVENT_MAP_ENTRY, *PEVENT_MAP_ENTRY;

/* 24 bytes with its one declared entry */
typedef struct _EVENT_MAP_INFO {
	ULONG NameOffset;
	MAP_FLAGS Flag;
	ULONG EntryCount;
	union {
		MAP_VALUETYPE MapEntryValueType;
		ULONG FormatStringOffset;
	};
	EVENT_MAP_ENTRY MapEntryArray[ANYSIZE_ARRAY];
} EVENT_MAP_INFO, *PEVENT_MAP_INFO;

/* 24 bytes */
typedef struct _EVENT_PROPERTY_INFO {
	PROPERTY_FLAGS Flags;
	ULONG NameOffset;
	union {
		struct {
			USHORT InType;
			USHORT OutType;
			ULONG MapNameOffset;
		} nonStructType;
		struct {
			USHORT StructStartIndex;
			USHORT NumOfStructMembers;
			ULONG padding;
		} structType;
		struct {
			USHORT InType;
			USHORT OutType;
			ULONG CustomSchemaOffset;
		} customSchemaType;
	};
	union {
		USHORT count;
		USHORT countPropertyIndex;
	};
	union {
		USHORT length;
		USHORT lengthPropertyIndex;
	};
	union {
		ULONG Reserved;
		struct {
			ULONG Tags : 28;
		};
	};
} EVENT_PROPERTY_INFO, *PEVENT_PROPERTY_INFO;

/* 136 bytes with its one declared EVENT_PROPERTY_INFO (112 before it) */
typedef struct _TRACE_EVENT_INFO {
	GUID ProviderGuid;
	GUID EventGuid;
	EVENT_DESCRIPTOR EventDescriptor;
	DECODING_SOURCE DecodingSource;
	ULONG ProviderNameOffset;
	ULONG LevelNameOffset;
	ULONG ChannelNameOffset;
	ULONG KeywordsNameOffset;
	ULONG TaskNameOffset;
	ULONG OpcodeNameOffset;
	ULONG EventMessageOffset;
	ULONG ProviderMessageOffset;
	ULONG BinaryXMLOffset;
	ULONG BinaryXMLSize;
	union {
		ULONG EventNameOffset;
		ULONG ActivityIDNameOffset;
	};
	union {
		ULONG EventAttributesOffset;
		ULONG RelatedActivityIDNameOffset;
	};
	ULONG PropertyCount;
	ULONG TopLevelPropertyCount;
	union {
		TEMPLATE_FLAGS Flags;
		struct {
			ULONG Reserved : 4;
			ULONG Tags : 28;
		};
	};
	EVENT_PROPERTY_INFO EventPropertyInfoArray[ANYSIZE_ARRAY];
} TRACE_EVENT_INFO, *PTRACE_EVENT_INFO;
typedef const TRACE_EVENT_INFO *PCTRACE_EVENT_INFO;

/* 16 bytes: one step of a property path.  PropertyName holds the address of
 * the NUL-terminated UTF-16 name; ArrayIndex is ULONG_MAX for a whole
 * property. */
typedef struct _PROPERTY_DATA_DESCRIPTOR {
	ULONGLONG PropertyName;
	ULONG ArrayIndex;
	ULONG Reserved;
} PROPERTY_DATA_DESCRIPTOR, *PPROPERTY_DATA_DESCRIPTOR;

typedef enum _TDH_CONTEXT_TYPE {
	TDH_CONTEXT_WPP_TMFFILE,
	TDH_CONTEXT_WPP_TMFSEARCHPATH,
	TDH_CONTEXT_WPP_GMT,
	TDH_CONTEXT_POINTERSIZE,
	TDH_CONTEXT_PDB_PATH,
	TDH_CONTEXT_MAXIMUM
} TDH_CONTEXT_TYPE;

/* 16 bytes */
typedef struct _TDH_CONTEXT {
	ULONGLONG ParameterValue;
	TDH_CONTEXT_TYPE ParameterType;
	ULONG ParameterSize;
} TDH_CONTEXT, *PTDH_CONTEXT;

/* The schema of Event: ERROR_SUCCESS, ERROR_INSUFFICIENT_BUFFER with the size
 * needed in *BufferSize, or ERROR_NOT_FOUND when no schema source knows the
 * event. */
TDHSTATUS WINAPI TdhGetEventInformation(PEVENT_RECORD Event, ULONG TdhContextCount,
                                        PTDH_CONTEXT TdhContext, PTRACE_EVENT_INFO Buffer,
                                        PULONG BufferSize);

/* The value map MapName (from a property's MapNameOffset) of Event's schema. */
TDHSTATUS WINAPI TdhGetEventMapInformation(PEVENT_RECORD pEvent, PWSTR pMapName,
                                           PEVENT_MAP_INFO pBuffer, ULONG *pBufferSize);

/* Size in bytes of the property that the path pPropertyData (one descriptor
 * per struct level) names, in this event's payload. */
TDHSTATUS WINAPI TdhGetPropertySize(PEVENT_RECORD pEvent, ULONG TdhContextCount,
                                    PTDH_CONTEXT pTdhContext, ULONG PropertyDataCount,
                                    PPROPERTY_DATA_DESCRIPTOR pPropertyData,
                                    ULONG *pPropertySize);

/* Copies that property's bytes. */
TDHSTATUS WINAPI TdhGetProperty(PEVENT_RECORD pEvent, ULONG TdhContextCount,
                                PTDH_CONTEXT pTdhContext, ULONG PropertyDataCount,
                                PPROPERTY_DATA_DESCRIPTOR pPropertyData, ULONG BufferSize,
                                PBYTE pBuffer);

/* Renders one value of PropertyInType at UserData as NUL-terminated UTF-16
 * text in Buffer (BufferSize in bytes, in and out), the way `etlkit dump`
 * renders it.  *UserDataConsumed receives the bytes the value took.
 * PropertyLength: characters of a string, bytes of binary data, 0 natural. */
TDHSTATUS WINAPI TdhFormatProperty(PTRACE_EVENT_INFO EventInfo, PEVENT_MAP_INFO MapInfo,
                                   ULONG PointerSize, USHORT PropertyInType,
                                   USHORT PropertyOutType, USHORT PropertyLength,
                                   USHORT UserDataLength, PBYTE UserData, PULONG BufferSize,
                                   PWCHAR Buffer, PUSHORT UserDataConsumed);

/* Accessors of the offset-based strings (as the SDK's macros) */
#define TEI_PROVIDER_NAME(p) ((PWSTR)((p)->ProviderNameOffset ? (PBYTE)(p) + (p)->ProviderNameOffset : NULL))
#define TEI_LEVEL_NAME(p) ((PWSTR)((p)->LevelNameOffset ? (PBYTE)(p) + (p)->LevelNameOffset : NULL))
#define TEI_CHANNEL_NAME(p) ((PWSTR)((p)->ChannelNameOffset ? (PBYTE)(p) + (p)->ChannelNameOffset : NULL))
#define TEI_KEYWORDS_NAME(p) ((PWSTR)((p)->KeywordsNameOffset ? (PBYTE)(p) + (p)->KeywordsNameOffset : NULL))
#define TEI_TASK_NAME(p) ((PWSTR)((p)->TaskNameOffset ? (PBYTE)(p) + (p)->TaskNameOffset : NULL))
#define TEI_OPCODE_NAME(p) ((PWSTR)((p)->OpcodeNameOffset ? (PBYTE)(p) + (p)->OpcodeNameOffset : NULL))
#define TEI_EVENT_MESSAGE(p) ((PWSTR)((p)->EventMessageOffset ? (PBYTE)(p) + (p)->EventMessageOffset : NULL))
#define TEI_PROVIDER_MESSAGE(p) ((PWSTR)((p)->ProviderMessageOffset ? (PBYTE)(p) + (p)->ProviderMessageOffset : NULL))
#define TEI_PROPERTY_NAME(p, i) ((PWSTR)((PBYTE)(p) + (p)->EventPropertyInfoArray[i].NameOffset))
#define TEI_MAP_NAME(p, i) ((PWSTR)((p)->EventPropertyInfoArray[i].nonStructType.MapNameOffset ? (PBYTE)(p) + (p)->EventPropertyInfoArray[i].nonStructType.MapNameOffset : NULL))
#define EMI_MAP_NAME(m) ((PWSTR)((m)->NameOffset ? (PBYTE)(m) + (m)->NameOffset : NULL))
#define EMI_MAP_FORMAT(m) ((PWSTR)((m)->FormatStringOffset ? (PBYTE)(m) + (m)->FormatStringOffset : NULL))
#define EMI_MAP_OUTPUT(m, e) ((PWSTR)((e)->OutputOffset ? (PBYTE)(m) + (e)->OutputOffset : NULL))
#define EMI_MAP_INPUT(m, e) ((PWSTR)((e)->InputOffset ? (PBYTE)(m) + (e)->InputOffset : NULL))

#ifdef __cplusplus
}
#endif
#endif /* ETLKIT_TDH_H */
