"""etw.read(): the events of one or more .etl files as dicts, in time order.

    for ev in etw.read("trace.etl", manifests=["provider.man"],
                       providers=["Microsoft-Windows-HttpService"], level=4):
        print(ev["time"], ev["event_name"], ev["props"])

Each dict has the keys of `etlkit dump`'s JSON Lines, in the same order and
with the same values, except that keywords is an int, payload bytes and stack
a list of ints (dump writes them as hex text):

    file ts time provider provider_name header id version channel level
    opcode task keywords pid tid process_id thread_id cpu activity_id
    related_activity_id event_name task_name opcode_name schema payload_size
    props [payload] [stack]

pid/tid are the header's (None when it has none), process_id/thread_id the
resolved ones (decoding only).  payload is there when the schema did not
consume the whole payload, or always with raw=True; stack when the event
carries a stack-trace item.
"""

import ctypes
import json

from . import _lib
from ._core import (Session, Filter, Names, _TimeText, guid_le_text, ext_items, stack_of,
                    check_layout,
                    _time_arg, _int_list, _str_list, parse_level)
from .errors import EtwError
from .guid import GUID, guid_text

_NULL = bytes(16)
# length of the views over the decoder's props text (never read past the
# text's own length; longer texts are copied with string_at)
_TEXT_VIEW = 1 << 24
_KINDS = _lib.HEADER_KINDS


def _provider_rules(providers):
    """providers -> [(name or GUID text, level, any, all)].

    Accepted: a name or GUID text (optionally "NAME:LEVEL:KEYWORDS" as etlkit's
    --provider), an etw.GUID, an etw.ProviderInfo, a (provider, level,
    any_keywords, all_keywords) tuple, pywintrace's {name: GUID} dict, or a
    list of those."""
    if providers is None:
        return []
    if isinstance(providers, dict):
        return [(guid_text(g) if g else n, 0, 0, 0) for n, g in providers.items()]
    if isinstance(providers, (str, GUID)) or hasattr(providers, "any_bitmask"):
        providers = [providers]
    rules = []
    for p in providers:
        if hasattr(p, "any_bitmask"):  # ProviderInfo
            rules.append((guid_text(p.guid) if p.guid else p.name, p.level or 0,
                          p.any_bitmask or 0, p.all_bitmask or 0))
        elif isinstance(p, GUID):
            rules.append((guid_text(p), 0, 0, 0))
        elif isinstance(p, tuple):
            name = guid_text(p[0]) if isinstance(p[0], GUID) else str(p[0])
            rest = list(p[1:]) + [0, 0, 0]
            rules.append((name, parse_level(rest[0]), int(rest[1] or 0), int(rest[2] or 0)))
        else:
            s = str(p)
            parts = s.split(":")
            if len(parts) > 1:
                lv = parse_level(parts[1]) if parts[1] else 0
                kw = int(parts[2], 0) if len(parts) > 2 and parts[2] else 0
                rules.append((parts[0], lv, kw, 0))
            else:
                rules.append((s, 0, 0, 0))
    return rules


def build_filter(start_time, providers=None, event_ids=None, tasks=None, pids=None,
                 exclude_pids=None, since=None, until=None, level=None, keywords=None,
                 all_keywords=None):
    """The etl_filter of read()'s keyword arguments (None when nothing filters)."""
    f = Filter()
    try:
        for name, lv, anyk, allk in _provider_rules(providers):
            f.add_provider(name, lv, anyk, allk)
        for i in _int_list(event_ids):
            f.add_event_id(i)
        for t in _str_list(tasks):
            f.add_task(t)
        for p in _int_list(pids):
            f.add_pid(p)
        for p in _int_list(exclude_pids):
            f.add_pid(p, exclude=True)
        if since is not None or until is not None:
            s = _time_arg(since, start_time, "since")
            u = _time_arg(until, start_time, "until")
            f.set_time(-2 ** 63 if s is None else s, 2 ** 63 - 1 if u is None else u)
        if level is not None:
            f.set_level(level)
        if keywords or all_keywords:
            f.set_keywords(keywords or 0, all_keywords or 0)
    except BaseException:
        f.close()
        raise
    if f.empty:
        f.close()
        return None
    return f


class Reader:
    """What etw.read() returns: an iterator of event dicts over an opened
    trace; also a context manager.  The trace is opened (and the manifests
    loaded) when read() is called, so errors surface there."""

    def __init__(self, paths, manifests=None, mofs=None, providers=None, event_ids=None,
                 tasks=None, pids=None, exclude_pids=None, since=None, until=None, level=None,
                 keywords=None, all_keywords=None, decode=True, raw=False,
                 raw_timestamps=False):
        self._it = None
        self.filter = None
        self.session = Session(paths, manifests, mofs, decode=False,
                               raw_timestamps=raw_timestamps)
        try:
            self.filter = build_filter(self.session.start_time(), providers, event_ids, tasks,
                                       pids, exclude_pids, since, until, level, keywords,
                                       all_keywords)
            if decode or (self.filter is not None and self.filter.needs_decoding()):
                self.session._load_schemas()
        except BaseException:
            self.close()
            raise
        self.decode = decode
        self.raw = raw

    def __iter__(self):
        if self._it is None:
            self._it = self._generate()
        return self._it

    def __next__(self):
        return next(iter(self))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._it is not None:
            self._it.close()
            self._it = None
        if self.filter is not None:
            self.filter.close()
            self.filter = None
        self.session.close()

    @property
    def warnings(self):
        """Damaged buffers and records skipped so far (each also logged to the
        "etw" logger)."""
        return self.session.warnings

    def info(self):
        """Per input file: the logfile header fields and the reader's counters."""
        return self.session.info()

    def _generate(self):
        s = self.session
        L = s._L
        F = _lib.fast()
        # the loop of Session.events(), inlined: this is the hot path
        nxt = F.etl_trace_next
        decode_fn = F.etl_decoder_decode
        match = F.etl_filter_match
        t = s.t
        dec = s.dec if s.dec else None
        fh = self.filter.h if self.filter is not None else None
        evp = ctypes.c_void_p()
        evref = ctypes.byref(evp)
        dp = ctypes.c_void_p()
        dref = ctypes.byref(dp)
        unpack = _lib.EVENT_STRUCT.unpack
        # views of the library's memory, by address: the etl_event the trace
        # hands out and the decoder's props text live at a few addresses
        # only, and reading through a view is cheaper than a string_at call
        ev_type = ctypes.c_char * _lib.EVENT_STRUCT.size
        ev_views = {}
        text_type = ctypes.c_char * _TEXT_VIEW
        text_views = {}
        names = Names(L, F)
        schema_of = F.etl_decoded_event_schema
        ncache = {}  # schema address -> (provider, names): names.get() inlined
        ttext = _TimeText()
        last_sec = None
        prefix = ""
        gcache = {}
        pidf = F.etl_decoded_pid
        tidf = F.etl_decoded_tid
        complete = F.etl_decoded_complete
        propsf = F.etl_decoded_props_json
        ln = ctypes.c_size_t()
        lref = ctypes.byref(ln)
        string_at = ctypes.string_at
        scan = json.JSONDecoder().scan_once  # json.loads without its wrappers
        decode = self.decode
        raw = self.raw
        no_id = _lib.ETL_NO_ID
        kinds = _KINDS
        null = _NULL
        ok_status = _lib.ETL_OK
        while True:
            st = nxt(t, evref)
            if st != ok_status:
                break
            if dec is not None:
                if decode_fn(dec, evp, dref) != ok_status:
                    dp.value = None
                if fh is not None and not match(fh, evp, dp):
                    continue
                d = dp if (decode and dp.value is not None) else None
            else:
                if fh is not None and not match(fh, evp, None):
                    continue
                d = None
            p = evp.value
            view = ev_views.get(p)
            if view is None:
                if len(ev_views) > 64:
                    ev_views.clear()
                view = ev_views[p] = ev_type.from_address(p)
                check_layout(unpack(view))
            (file, header, flags, evprop, prov, eid, version, channel, level, opcode, task,
             keywords, hook, pid, tid, cpu, psize, rawts, ts, ktime, utime, act, rel,
             hasrel, iid, piid, pguid, seq, mflags, ext, extn, hext, hextn, data, size,
             bidx, boff, roff) = unpack(view)
            pg = gcache.get(prov)
            if pg is None:
                pg = gcache[prov] = guid_le_text(prov)
            sec, frac = divmod(ts, 10000000)
            if sec != last_sec:
                ttext(ts)
                last_sec, prefix = sec, ttext.prefix
            time_text = "%s.%07dZ" % (prefix, frac)
            if d is not None:
                sp = schema_of(d)
                nm = ncache.get(sp) if sp is not None else None
                if nm is None or nm[0] != prov:
                    nm = (prov, names.get(d, prov))
                    if sp is not None:
                        ncache[sp] = nm
                pn, en, tn, on, sch, _msg = nm[1]
                ptr = propsf(d, lref)
                n = ln.value
                if n <= 2:
                    props = {}
                elif n < _TEXT_VIEW:
                    tv = text_views.get(ptr)
                    if tv is None:
                        if len(text_views) > 64:
                            text_views.clear()
                        tv = text_views[ptr] = memoryview(text_type.from_address(ptr))
                    props = scan(str(tv[:n], "utf-8", "replace"), 0)[0]
                else:
                    props = scan(string_at(ptr, n).decode("utf-8", "replace"), 0)[0]
                ok = complete(d)
                # the decoder only differs from the header when it has none
                rpid = pidf(d) if pid == no_id else pid
                rtid = tidf(d) if tid == no_id else tid
                ev = {"file": file, "ts": ts, "time": time_text, "provider": pg,
                      "provider_name": pn, "header": kinds.get(header, "unknown"),
                      "id": eid, "version": version, "channel": channel, "level": level,
                      "opcode": opcode, "task": task, "keywords": keywords,
                      "pid": None if pid == no_id else pid,
                      "tid": None if tid == no_id else tid,
                      "process_id": None if rpid == no_id else rpid,
                      "thread_id": None if rtid == no_id else rtid,
                      "cpu": cpu,
                      "activity_id": None if act == null else guid_le_text(act),
                      "related_activity_id": guid_le_text(rel) if hasrel else None,
                      "event_name": en, "task_name": tn, "opcode_name": on,
                      "schema": sch, "payload_size": size, "props": props}
            else:
                ok = False
                ev = {"file": file, "ts": ts, "time": time_text, "provider": pg,
                      "provider_name": None, "header": kinds.get(header, "unknown"),
                      "id": eid, "version": version, "channel": channel, "level": level,
                      "opcode": opcode, "task": task, "keywords": keywords,
                      "pid": None if pid == no_id else pid,
                      "tid": None if tid == no_id else tid,
                      "cpu": cpu,
                      "activity_id": None if act == null else guid_le_text(act),
                      "related_activity_id": guid_le_text(rel) if hasrel else None,
                      "event_name": None, "task_name": None, "opcode_name": None,
                      "schema": "none", "payload_size": size, "props": {}}
            if raw or not ok:
                ev["payload"] = string_at(data, size) if size else b""
            if extn:
                stack = stack_of(ext_items(ext, extn))
                if stack is not None:
                    ev["stack"] = stack
            yield ev
        if st != _lib.ETL_EOF:
            raise EtwError(s.errmsg() or _lib.strerror(st), st)


def read(paths, manifests=None, mofs=None, **filters):
    """Events of the trace file(s) `paths` (one path or a list, merged in time
    order) as dicts; see the module documentation for the keys.

    manifests: instrumentation manifest files or directories (also
      $ETLKIT_MANIFEST_PATH, as etlkit); mofs: MOF files of classic classes.
    Filters, all applied by libetlkit (etl_filter):
      providers     names, GUIDs, ProviderInfo, (provider, level, any, all)
                    tuples or "NAME:LEVEL:KEYWORDS" texts, as etlkit --provider
      event_ids     allowed event ids
      tasks         allowed task names (case-insensitive)
      pids / exclude_pids   allowed / excluded process ids (resolved pid)
      since / until datetime, ISO-8601 text, or seconds from the trace start
      level         highest level (number or name); keywords / all_keywords
    decode=False: no decoding (props empty, payload always); raw=True: the
    payload bytes with every event; raw_timestamps=True: ts is the raw clock.
    Raises EtwError with the library's message when a file or manifest is
    unusable, or when reading fails."""
    known = {"providers", "event_ids", "tasks", "pids", "exclude_pids", "since", "until",
             "level", "keywords", "all_keywords", "decode", "raw", "raw_timestamps"}
    bad = set(filters) - known
    if bad:
        raise TypeError("read() got unexpected keyword argument(s): %s" % ", ".join(sorted(bad)))
    return Reader(paths, manifests, mofs, **filters)
