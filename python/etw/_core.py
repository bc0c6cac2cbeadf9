"""The reading machinery shared by etw.read() and etw.ETW: an opened trace with
its schemas and decoder (Session), filters on the library's etl_filter
(Filter), and the event loop.  Not public API."""

import ctypes
import datetime
import logging
import os
import time as _time

from . import _lib
from ._lib import ETL_OK, ETL_EOF, EVENT_STRUCT, EXT_STRUCT, text, check
from .errors import EtwError
from .guid import GUID, guid_text

logger = logging.getLogger("etw")

_byref = ctypes.byref
_c_void_p = ctypes.c_void_p
_string_at = ctypes.string_at

FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)
_NULL_GUID = bytes(16)


# ---- small conversions ----------------------------------------------------------

def filetime_to_datetime(ft):
    """A FILETIME (100 ns since 1601-01-01 UTC) as an aware datetime (microseconds)."""
    return FILETIME_EPOCH + datetime.timedelta(microseconds=ft // 10)


def datetime_to_filetime(dt):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    delta = dt - FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10000000 + delta.microseconds * 10


def guid_le_text(b):
    """16 bytes of an etl_guid (host-order fields, little-endian hosts) as
    lower-case text."""
    h = b.hex()
    return "%s%s%s%s-%s%s-%s%s-%s-%s" % (h[6:8], h[4:6], h[2:4], h[0:2], h[10:12], h[8:10],
                                         h[14:16], h[12:14], h[16:20], h[20:32])


class _TimeText:
    """FILETIME -> "YYYY-MM-DDThh:mm:ss.fffffffZ" (etl_filetime_format's form),
    caching the part up to the second."""

    __slots__ = ("sec", "prefix")

    def __init__(self):
        self.sec = None
        self.prefix = ""

    def __call__(self, ft):
        sec, frac = divmod(ft, 10000000)
        if sec != self.sec:
            self.sec = sec
            t = _time.gmtime(sec - 11644473600) if sec >= 11644473600 else None
            if t is not None:
                self.prefix = "%04d-%02d-%02dT%02d:%02d:%02d" % t[:6]
            else:
                d = FILETIME_EPOCH + datetime.timedelta(seconds=sec)
                self.prefix = d.strftime("%Y-%m-%dT%H:%M:%S")
        return "%s.%07dZ" % (self.prefix, frac)


def _paths(p):
    if p is None:
        return []
    if isinstance(p, (str, bytes, os.PathLike)):
        return [p]
    return list(p)


def _manifest_env():
    env = os.environ.get("ETLKIT_MANIFEST_PATH", "")
    return [p for p in env.split(":") if p]


# ---- filters ------------------------------------------------------------------------

_LEVELS = {"always": 0, "critical": 1, "error": 2, "warning": 3, "information": 4,
           "info": 4, "verbose": 5}


def parse_level(level):
    if level is None:
        return 0
    if isinstance(level, str):
        key = level.strip().lower()
        if key in _LEVELS:
            return _LEVELS[key]
        level = int(key, 0)
    level = int(level)
    if not 0 <= level <= 255:
        raise ValueError("level %d out of range 0..255" % level)
    return level


class Filter:
    """An etl_filter.  Every rule the library has; see etlkit.h."""

    def __init__(self):
        self._L = _lib.lib()
        self.h = _c_void_p()
        check(self._L.etl_filter_new(_byref(self.h)))
        self.empty = True

    def close(self):
        if self.h:
            self._L.etl_filter_free(self.h)
            self.h = _c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _ok(self, st, what):
        if st != ETL_OK:
            raise EtwError("%s: %s" % (what, _lib.strerror(st)), st)
        self.empty = False

    def add_provider(self, provider, level=0, any_keywords=0, all_keywords=0):
        if isinstance(provider, GUID):
            provider = guid_text(provider)
        provider = str(provider)
        self._ok(self._L.etl_filter_add_provider(self.h, provider.encode("utf-8"),
                                                 parse_level(level), int(any_keywords or 0),
                                                 int(all_keywords or 0)),
                 "provider %r" % provider)

    def add_event_id(self, i):
        self._ok(self._L.etl_filter_add_event_id(self.h, int(i)), "event id %r" % (i,))

    def add_task(self, name):
        self._ok(self._L.etl_filter_add_task(self.h, str(name).encode("utf-8")),
                 "task %r" % (name,))

    def add_pid(self, pid, exclude=False):
        self._ok(self._L.etl_filter_add_pid(self.h, int(pid) & 0xFFFFFFFF, 1 if exclude else 0),
                 "pid %r" % (pid,))

    def set_time(self, since, until):
        self._ok(self._L.etl_filter_set_time(self.h, since, until), "time range")

    def set_level(self, level):
        self._ok(self._L.etl_filter_set_level(self.h, parse_level(level)), "level")

    def set_keywords(self, any_keywords, all_keywords=0):
        self._ok(self._L.etl_filter_set_keywords(self.h, int(any_keywords or 0),
                                                 int(all_keywords or 0)), "keywords")

    def needs_decoding(self):
        return bool(self._L.etl_filter_needs_decoding(self.h))


def _time_arg(value, start, name):
    """since/until: a datetime, an ISO-8601 text (UTC unless it says otherwise),
    or a number of seconds from the start of the trace (as etlkit's --since)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return datetime_to_filetime(value)
    if isinstance(value, str):
        s = value.strip()
        if s.endswith("Z") or s.endswith("z"):
            s = s[:-1] + "+00:00"
        try:
            return datetime_to_filetime(datetime.datetime.fromisoformat(s))
        except ValueError:
            pass
        try:
            value = float(s)
        except ValueError:
            raise ValueError("invalid %s time %r" % (name, value)) from None
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("invalid %s time %r" % (name, value))
        return start + int(round(value * 1e7))
    raise TypeError("%s: a datetime, an ISO-8601 text or seconds, not %r" % (name, value))


def _int_list(v):
    if v is None:
        return []
    if isinstance(v, int):
        return [v]
    return [int(x) for x in v]


def _str_list(v):
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return list(v)


# ---- an open trace ---------------------------------------------------------------------

class Session:
    """An opened trace (one or more files merged), its schema store and
    decoder.  Errors raise EtwError with the library's message."""

    def __init__(self, paths, manifests=None, mofs=None, decode=True, raw_timestamps=False,
                 decode_for_filter=False):
        self._L = L = _lib.lib()
        self.t = _c_void_p()
        self.schemas = _c_void_p()
        self.dec = _c_void_p()
        self.warnings = 0
        self.paths = [os.fspath(p) for p in _paths(paths)]
        if not self.paths:
            raise EtwError("no trace file given", _lib.ETL_ERR_ARG)
        self.manifests = _manifest_env() + [os.fspath(p) for p in _paths(manifests)]
        self.mofs = [os.fspath(p) for p in _paths(mofs)]
        self._warn_fn = _lib.WARNING_FN(self._on_warning)
        opt = _lib.etl_open_options(ctypes.cast(self._warn_fn, _c_void_p), None,
                                    _lib.ETL_OPEN_RAW_TIMESTAMPS if raw_timestamps else 0)
        arr = (ctypes.c_char_p * len(self.paths))(*[os.fsencode(p) for p in self.paths])
        err = ctypes.create_string_buffer(2048)
        st = L.etl_trace_open(arr, len(self.paths), _byref(opt), _byref(self.t), err, len(err))
        if st != ETL_OK:
            self.t = _c_void_p()
            raise EtwError(text(err.value) or _lib.strerror(st), st)
        self.decode = decode
        if decode or decode_for_filter:
            try:
                self._load_schemas()
            except BaseException:
                self.close()
                raise

    def _on_warning(self, ctx, msg):
        self.warnings += 1
        logger.warning("%s", text(msg))

    def _load_schemas(self):
        L = self._L
        check(L.etl_schemas_new(_byref(self.schemas)))
        for path, mof in [(p, False) for p in self.manifests] + [(p, True) for p in self.mofs]:
            before = text(L.etl_schemas_errmsg(self.schemas)) or ""
            add = L.etl_schemas_add_mof if mof else L.etl_schemas_add_manifest
            st = add(self.schemas, os.fsencode(path))
            msg = text(L.etl_schemas_errmsg(self.schemas)) or ""
            if st != ETL_OK:
                raise EtwError(msg or "%s: %s" % (path, _lib.strerror(st)), st)
            if msg and msg != before:
                logger.warning("%s", msg)  # a usable file with parts skipped
        check(L.etl_decoder_new(self.schemas, _byref(self.dec)))
        st = L.etl_decoder_prescan(self.dec, self.t)
        if st != ETL_OK:
            raise EtwError(self.errmsg() or _lib.strerror(st), st)

    def errmsg(self):
        return text(self._L.etl_trace_errmsg(self.t)) if self.t else None

    def close(self):
        L = self._L
        if self.t:
            L.etl_trace_close(self.t)
            self.t = _c_void_p()
        if self.dec:
            L.etl_decoder_free(self.dec)
            self.dec = _c_void_p()
        if self.schemas:
            L.etl_schemas_free(self.schemas)
            self.schemas = _c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start_time(self):
        """The earliest StartTime of the files (FILETIME)."""
        L = self._L
        start = None
        for i in range(L.etl_trace_file_count(self.t)):
            info = L.etl_trace_info_get(self.t, i)
            if info and (start is None or info.contents.start_time < start):
                start = info.contents.start_time
        return start or 0

    def info(self):
        """The logfile header and reader counters of each file, as dicts."""
        L = self._L
        out = []
        for i in range(L.etl_trace_file_count(self.t)):
            p = L.etl_trace_info_get(self.t, i)
            if not p:
                continue
            c = p.contents
            d = {}
            for name, _ in _lib.etl_trace_info._fields_:
                v = getattr(c, name)
                if isinstance(v, bytes):
                    v = v.decode("utf-8", "replace")
                elif name == "time_zone":
                    v = {"bias": v.bias, "standard_name": text(v.standard_name),
                         "daylight_name": text(v.daylight_name),
                         "standard_bias": v.standard_bias, "daylight_bias": v.daylight_bias}
                d[name] = v
            out.append(d)
        return out

    # -- the event loop --------------------------------------------------------

    def events(self, flt=None, stop=None):
        """Yields (fields, decoded) for each event that passes flt: fields is
        the etl_event unpacked (see _lib.EVENT_FIELDS), decoded the
        etl_decoded pointer (a c_void_p, reused) or None; both valid until
        the next step.  Pointers always cross to C as c_void_p objects: the
        hot functions have no argtypes, and a bare int would be truncated.
        Decoding comes first, as in `etlkit dump`: it feeds the thread map
        that resolves pids of later events."""
        L = self._L
        nxt = L.etl_trace_next
        decode = L.etl_decoder_decode
        match = L.etl_filter_match
        t = self.t
        dec = self.dec if self.dec else None
        evp = self.current = _c_void_p()  # the etl_event * of the step
        evref = _byref(evp)
        dp = _c_void_p()
        dref = _byref(dp)
        unpack = EVENT_STRUCT.unpack
        size = EVENT_STRUCT.size
        fh = flt.h if flt is not None and not flt.empty else None
        check_stop = stop.is_set if stop is not None else None
        first = True
        while True:
            if check_stop is not None and check_stop():
                return
            st = nxt(t, evref)
            if st != ETL_OK:
                break
            if dec is not None:
                if decode(dec, evp, dref) != ETL_OK:
                    dp.value = None
                if fh is not None and not match(fh, evp, dp):
                    continue
                d = dp if dp.value is not None else None
            else:
                if fh is not None and not match(fh, evp, None):
                    continue
                d = None
            fields = unpack(_string_at(evp.value, size))
            if first:
                check_layout(fields)
                first = False
            yield fields, d
        if st != ETL_EOF:
            raise EtwError(self.errmsg() or _lib.strerror(st), st)


def check_layout(fields):
    """A sanity check of the first event against the etl_event layout this
    package declares (a library built from another etlkit.h would fail it)."""
    header, psize = fields[1], fields[16]
    if header not in _lib.HEADER_KINDS or psize not in (4, 8):
        raise EtwError("libetlkit's struct etl_event does not match this etw package "
                       "(header kind %r, pointer size %r): install matching versions"
                       % (header, psize), _lib.ETL_ERR_UNSUPPORTED)


class Names:
    """Names of decoded events, cached per (schema, provider): the library's
    strings come from the schema, so one lookup serves every event of a type."""

    def __init__(self, L, fast=None):
        self._L = L
        self._schema_of = (fast or L).etl_decoded_event_schema
        self._cache = {}
        self._info = _lib.etl_event_schema_info()

    def get(self, d, provider):
        """(provider_name, event_name, task_name, opcode_name, schema source,
        message) of decoded event d (a pointer)."""
        L = self._L
        sp = self._schema_of(d)
        if sp is not None:
            key = (sp, provider)
            r = self._cache.get(key)
            if r is not None:
                return r
        r = (text(L.etl_decoded_provider_name(d)), text(L.etl_decoded_event_name(d)),
             text(L.etl_decoded_task_name(d)), text(L.etl_decoded_opcode_name(d)),
             text(L.etl_decoded_schema(d)), None)
        if sp is not None:
            L.etl_event_schema_describe(sp, _byref(self._info))
            r = r[:5] + (text(self._info.message),)
            self._cache[key] = r
        return r


def ext_items(ext, count):
    """[(type, bytes)] of an event's extended data items."""
    out = []
    for i in range(count):
        typ, size, data = EXT_STRUCT.unpack(_string_at(ext + i * EXT_STRUCT.size, EXT_STRUCT.size))
        out.append((typ, _string_at(data, size) if size else b""))
    return out


def stack_of(items):
    """The frames of the first stack-trace item, as etlkit dump's "stack"."""
    for typ, data in items:
        if typ in (_lib.EXT_STACK_TRACE64, _lib.EXT_STACK_TRACE32) and len(data) >= 8:
            w = 8 if typ == _lib.EXT_STACK_TRACE64 else 4
            n = (len(data) - 8) // w
            return [int.from_bytes(data[8 + w * i:8 + w * (i + 1)], "little") for i in range(n)]
    return None


def record_size(header, data, size, ext, ext_count, header_ext_size, message_flags):
    """The size of the record in the file (EVENT_HEADER.Size)."""
    if header == _lib.HDR_MESSAGE:
        opt = message_flags
        fixed = 8 + (4 if opt & 1 else 0) + (16 if opt & 2 else 4 if opt & 4 else 0) + \
            (8 if opt & 8 else 0) + (8 if opt & 0x20 else 0)
        return fixed + size
    if ext_count:
        # items start right after the 0x50-byte header, each with an 8-byte head
        first = EXT_STRUCT.unpack(_string_at(ext, EXT_STRUCT.size))[2]
        return (data - (first - 8 - 0x50)) + size
    return _lib.HEADER_SIZES.get(header, 0) + header_ext_size + size
