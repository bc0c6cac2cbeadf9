"""ctypes declarations of libetlkit (lib/etlkit.h) and how the library is found.

Nothing here is public API.  The library is loaded on first use, not at import,
so that `import etw` works everywhere; a missing library raises EtwError then.

Where the library comes from, first match wins:
  1. the ETLKIT_LIBRARY environment variable (a path to libetlkit.so.N; the
     tests use it to run against the build tree),
  2. the libdir configure baked into _config.py at build time,
  3. ctypes.util.find_library("etlkit") (ldconfig, LD_LIBRARY_PATH, ...).
"""

import ctypes
import ctypes.util
import os
import struct
import threading

from .errors import EtwError

try:
    from . import _config
except ImportError:  # running from a source tree that was never built
    _config = None

c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_size_t = ctypes.c_size_t
c_uint8 = ctypes.c_uint8
c_uint16 = ctypes.c_uint16
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_int32 = ctypes.c_int32
c_int64 = ctypes.c_int64
POINTER = ctypes.POINTER

# ---- status codes (etl_status) ----------------------------------------------
ETL_OK = 0
ETL_EOF = 1
ETL_ERR_IO = 2
ETL_ERR_NOMEM = 3
ETL_ERR_FORMAT = 4
ETL_ERR_CORRUPT = 5
ETL_ERR_ARG = 6
ETL_ERR_LIMIT = 7
ETL_ERR_UNSUPPORTED = 8
ETL_ERR_SCHEMA = 9
ETL_ERR_ABORTED = 10

ETL_NO_ID = 0xFFFFFFFF

# etl_header_kind
HEADER_KINDS = {
    1: "system32", 2: "system64", 3: "compact32", 4: "compact64",
    5: "perfinfo32", 6: "perfinfo64", 7: "trace32", 8: "trace64",
    9: "instance32", 10: "instance64", 11: "event32", 12: "event64",
    13: "message",
}
# etl_header_kind -> the TRACE_HEADER_TYPE byte of the record in the file
HEADER_TYPES = {
    1: 0x01, 2: 0x02, 3: 0x03, 4: 0x04, 5: 0x10, 6: 0x11, 7: 0x0A, 8: 0x14,
    9: 0x0B, 10: 0x15, 11: 0x12, 12: 0x13, 13: 0x0F,
}
# etl_header_kind -> size of the fixed header in the file (messages vary)
HEADER_SIZES = {
    1: 0x20, 2: 0x20, 3: 0x18, 4: 0x18, 5: 0x10, 6: 0x10, 7: 0x30, 8: 0x30,
    9: 0x48, 10: 0x48, 11: 0x50, 12: 0x50,
}
HDR_MESSAGE = 13

# ETL_EVF_*
EVF_EXTENDED_INFO = 0x0001
EVF_CLASSIC_HEADER = 0x0100

# ETL_EXT_*
EXT_RELATED_ACTIVITYID = 1
EXT_SID = 2
EXT_TS_ID = 3
EXT_INSTANCE_INFO = 4
EXT_STACK_TRACE32 = 5
EXT_STACK_TRACE64 = 6
EXT_PEBS_INDEX = 7
EXT_PMC_COUNTERS = 8
EXT_EVENT_KEY = 10
EXT_PROCESS_START_KEY = 13


# ---- structures ---------------------------------------------------------------

class etl_guid(ctypes.Structure):
    _fields_ = [("data1", c_uint32), ("data2", c_uint16), ("data3", c_uint16),
                ("data4", c_uint8 * 8)]


class etl_ext_item(ctypes.Structure):
    _fields_ = [("type", c_uint16), ("size", c_uint16), ("data", c_void_p)]


class etl_event(ctypes.Structure):
    """struct etl_event, field for field."""
    _fields_ = [
        ("file", c_uint32),
        ("header", c_int),
        ("flags", c_uint16),
        ("event_property", c_uint16),
        ("provider", etl_guid),
        ("id", c_uint16),
        ("version", c_uint8),
        ("channel", c_uint8),
        ("level", c_uint8),
        ("opcode", c_uint8),
        ("task", c_uint16),
        ("keywords", c_uint64),
        ("hook_id", c_uint16),
        ("pid", c_uint32),
        ("tid", c_uint32),
        ("cpu", c_uint32),
        ("pointer_size", c_uint32),
        ("raw_timestamp", c_int64),
        ("timestamp", c_int64),
        ("kernel_time", c_uint32),
        ("user_time", c_uint32),
        ("activity_id", etl_guid),
        ("related_activity_id", etl_guid),
        ("has_related_activity_id", c_int),
        ("instance_id", c_uint32),
        ("parent_instance_id", c_uint32),
        ("parent_guid", etl_guid),
        ("sequence", c_uint32),
        ("message_flags", c_uint16),
        ("ext", c_void_p),
        ("ext_count", c_size_t),
        ("header_ext", c_void_p),
        ("header_ext_size", c_size_t),
        ("data", c_void_p),
        ("size", c_size_t),
        ("buffer_index", c_uint64),
        ("buffer_offset", c_uint64),
        ("record_offset", c_uint32),
    ]


class etl_open_options(ctypes.Structure):
    _fields_ = [("warning", c_void_p), ("warning_ctx", c_void_p), ("flags", c_uint)]


ETL_OPEN_RAW_TIMESTAMPS = 1


class etl_event_schema_info(ctypes.Structure):
    _fields_ = [
        ("provider", etl_guid),
        ("classic", c_int),
        ("id", c_uint16),
        ("version", c_uint8),
        ("channel", c_uint8),
        ("level", c_uint8),
        ("opcode", c_uint8),
        ("task", c_uint16),
        ("keywords", c_uint64),
        ("source", c_char_p),
        ("provider_name", c_char_p),
        ("event_name", c_char_p),
        ("task_name", c_char_p),
        ("opcode_name", c_char_p),
        ("level_name", c_char_p),
        ("channel_name", c_char_p),
        ("keywords_name", c_char_p),
        ("message", c_char_p),
        ("field_count", c_size_t),
    ]


class etl_systemtime(ctypes.Structure):
    _fields_ = [(n, c_uint16) for n in ("year", "month", "day_of_week", "day", "hour",
                                        "minute", "second", "milliseconds")]


class etl_time_zone(ctypes.Structure):
    _fields_ = [
        ("bias", c_int32),
        ("standard_name", ctypes.c_char * 97),
        ("standard_date", etl_systemtime),
        ("standard_bias", c_int32),
        ("daylight_name", ctypes.c_char * 97),
        ("daylight_date", etl_systemtime),
        ("daylight_bias", c_int32),
    ]


class etl_trace_info(ctypes.Structure):
    _fields_ = [
        ("path", c_char_p),
        ("file_size", c_uint64),
        ("buffer_size", c_uint32),
        ("os_major", c_uint8), ("os_minor", c_uint8),
        ("layout_major", c_uint8), ("layout_minor", c_uint8),
        ("provider_version", c_uint32),
        ("number_of_processors", c_uint32),
        ("end_time", c_int64),
        ("timer_resolution", c_uint32),
        ("maximum_file_size", c_uint32),
        ("log_file_mode", c_uint32),
        ("buffers_written", c_uint32),
        ("start_buffers", c_uint32),
        ("pointer_size", c_uint32),
        ("events_lost", c_uint32),
        ("cpu_speed_mhz", c_uint32),
        ("logger_name_slot", c_uint64), ("log_file_name_slot", c_uint64),
        ("time_zone", etl_time_zone),
        ("boot_time", c_int64),
        ("perf_freq", c_int64),
        ("start_time", c_int64),
        ("clock_type", c_uint32),
        ("buffers_lost", c_uint32),
        ("logger_name", ctypes.c_char * 256),
        ("log_file_name", ctypes.c_char * 1024),
        ("buffers", c_uint64),
        ("compressed_buffers", c_uint64),
        ("damaged_buffers", c_uint64),
        ("damaged_records", c_uint64),
        ("events", c_uint64),
        ("lost_buffer_flags", c_uint64),
    ]


WARNING_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p)


def _struct_format(cls):
    """A struct.Struct that unpacks cls in one call: explicit padding taken from
    the ctypes offsets (which follow the C ABI), GUIDs as 16 raw bytes, pointers
    and size_t as unsigned integers of the platform's width."""
    ptr = "Q" if ctypes.sizeof(c_void_p) == 8 else "I"
    codes = {c_uint8: "B", c_uint16: "H", c_uint32: "I", c_uint64: "Q",
             c_int32: "i", c_int64: "q", c_int: "i", c_void_p: ptr, c_size_t: ptr,
             etl_guid: "16s"}
    fmt, pos, names = "<" if struct.pack("=H", 1) == b"\x01\x00" else ">", 0, []
    for name, typ in cls._fields_:
        off = getattr(cls, name).offset
        if off > pos:
            fmt += "%dx" % (off - pos)
        fmt += codes[typ]
        pos = off + ctypes.sizeof(typ)
        names.append(name)
    if ctypes.sizeof(cls) > pos:
        fmt += "%dx" % (ctypes.sizeof(cls) - pos)
    st = struct.Struct(fmt)
    assert st.size == ctypes.sizeof(cls)
    return st, names


EVENT_STRUCT, EVENT_FIELDS = _struct_format(etl_event)
EXT_STRUCT, _ = _struct_format(etl_ext_item)


# ---- loading ----------------------------------------------------------------------

_lib = None
_lib_lock = threading.Lock()


def _candidates():
    env = os.environ.get("ETLKIT_LIBRARY")
    if env:
        yield env
        return
    names = ["libetlkit.so.0", "libetlkit.so", "libetlkit.0.dylib", "libetlkit.dylib",
             "libetlkit-0.dll", "etlkit.dll"]
    if _config is not None:
        major = getattr(_config, "SONAME_MAJOR", None)
        if major is not None:
            names.insert(0, "libetlkit.so.%s" % major)
        libdir = getattr(_config, "LIBDIR", "")
        if libdir and not libdir.startswith("@"):
            for n in names:
                p = os.path.join(libdir, n)
                if os.path.exists(p):
                    yield p
    found = ctypes.util.find_library("etlkit")
    if found:
        yield found
    for n in names[:2]:
        yield n


def _declare(lib):
    def fn(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = list(argtypes) if argtypes else None
        return f

    P = c_void_p
    fn("etl_version", c_char_p)
    fn("etl_strerror", c_char_p, c_int)
    fn("etl_guid_parse", c_int, c_char_p, POINTER(etl_guid))
    fn("etl_guid_from_name", None, c_char_p, POINTER(etl_guid))
    fn("etl_filetime_format", c_size_t, c_int64, c_char_p, c_size_t)
    fn("etl_trace_open", c_int, POINTER(c_char_p), c_size_t, POINTER(etl_open_options),
       POINTER(P), c_char_p, c_size_t)
    fn("etl_trace_close", None, P)
    fn("etl_trace_file_count", c_size_t, P)
    fn("etl_trace_info_get", POINTER(etl_trace_info), P, c_size_t)
    fn("etl_trace_errmsg", c_char_p, P)
    fn("etl_trace_rewind", c_int, P)
    # hot path: no argtypes, callers pass c_void_p objects and byref()s
    fn("etl_trace_next", c_int)
    fn("etl_decoder_decode", c_int)
    fn("etl_decoded_event_schema", P)
    fn("etl_decoded_props_json", P)
    fn("etl_decoded_pid", c_uint32)
    fn("etl_decoded_tid", c_uint32)
    fn("etl_decoded_complete", c_int)
    fn("etl_filter_match", c_int)
    # the rest
    fn("etl_decoder_new", c_int, P, POINTER(P))
    fn("etl_decoder_free", None, P)
    fn("etl_decoder_prescan", c_int, P, P)
    fn("etl_decoded_provider_name", c_char_p, P)
    fn("etl_decoded_event_name", c_char_p, P)
    fn("etl_decoded_task_name", c_char_p, P)
    fn("etl_decoded_opcode_name", c_char_p, P)
    fn("etl_decoded_schema", c_char_p, P)
    fn("etl_event_schema_describe", None, P, POINTER(etl_event_schema_info))
    fn("etl_schemas_new", c_int, POINTER(P))
    fn("etl_schemas_free", None, P)
    fn("etl_schemas_add_manifest", c_int, P, c_char_p)
    fn("etl_schemas_add_mof", c_int, P, c_char_p)
    fn("etl_schemas_errmsg", c_char_p, P)
    fn("etl_filter_new", c_int, POINTER(P))
    fn("etl_filter_free", None, P)
    fn("etl_filter_add_provider", c_int, P, c_char_p, c_uint, c_uint64, c_uint64)
    fn("etl_filter_add_event_id", c_int, P, c_uint)
    fn("etl_filter_add_task", c_int, P, c_char_p)
    fn("etl_filter_add_pid", c_int, P, c_uint32, c_int)
    fn("etl_filter_set_time", c_int, P, c_int64, c_int64)
    fn("etl_filter_set_level", c_int, P, c_uint)
    fn("etl_filter_set_keywords", c_int, P, c_uint64, c_uint64)
    fn("etl_filter_needs_decoding", c_int, P)
    fn("etl_kernel_group_guid", POINTER(etl_guid), c_uint, POINTER(c_char_p))
    return lib


_fast = None


def fast():
    """The hot per-event functions through a PyDLL handle of the same
    library: called without releasing the GIL, which costs more than these
    short calls do.  For single-threaded loops (etw.read)."""
    global _fast
    if _fast is None:
        handle = ctypes.PyDLL(lib()._name)
        for name, restype in (("etl_trace_next", c_int), ("etl_decoder_decode", c_int),
                              ("etl_filter_match", c_int), ("etl_decoded_event_schema", c_void_p),
                              ("etl_decoded_props_json", c_void_p),
                              ("etl_decoded_pid", c_uint32), ("etl_decoded_tid", c_uint32),
                              ("etl_decoded_complete", c_int)):
            getattr(handle, name).restype = restype
        _fast = handle
    return _fast


def lib():
    """The loaded library, declared; EtwError when it cannot be found."""
    global _lib
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        tried = []
        for cand in _candidates():
            try:
                handle = ctypes.CDLL(cand)
            except OSError as e:
                tried.append("%s (%s)" % (cand, e))
                continue
            try:
                _lib = _declare(handle)
            except AttributeError as e:
                tried.append("%s (%s)" % (cand, e))
                continue
            return _lib
        raise EtwError("libetlkit not found; tried: %s. Set ETLKIT_LIBRARY to the path of "
                       "libetlkit.so" % ("; ".join(tried) or "nothing"), ETL_ERR_IO)


def text(b):
    """A C string from the library as str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")


def strerror(status):
    return text(lib().etl_strerror(status)) or "status %d" % status


def check(status, message=None):
    """Raise EtwError for a failed etl_status, with the library's message."""
    if status != ETL_OK:
        raise EtwError(message or strerror(status), status)
