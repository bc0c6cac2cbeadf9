"""pywintrace's ETW consumer API over .etl files: etw.ETW and etw.ProviderInfo.

A pywintrace job enables providers in a live session and consumes it in a
background thread.  Here the "session" is one or more .etl files (logfile=):
start() opens them and delivers their events, filtered as the session would
have been, to the callback from a background thread; stop() stops and joins.
"""

import ctypes
import json
import logging
import os
import threading
import time
import traceback
import xml.etree.ElementTree as ET

from . import _lib
from ._core import (Session, Filter, Names, guid_le_text, ext_items, record_size,
                    parse_level)
from .common import (RETURN_RAW_DATA_ONLY, RETURN_RAW_DATA_ON_ERROR,
                     RETURN_ONLY_RAW_DATA_ON_ERROR, RETURN_RAW_UNFORMATTED_DATA,
                     TRACE_LEVEL_INFORMATION, KERNEL_LOGGER_NAME_LOWER, _register,
                     _unregister)
from .errors import EtwError
from .guid import GUID, guid_text

logger = logging.getLogger(__name__)

# SystemTraceControlGuid: what pywintrace enables for the NT Kernel Logger
SYSTEM_TRACE_CONTROL_GUID = "9e814aad-3204-11d2-9a82-006008a86939"
_NULL = bytes(16)
_NULL_BRACED = "{00000000-0000-0000-0000-000000000000}"


def _braced(b):
    return "{%s}" % guid_le_text(b).upper()


# ---- keywords by name (pywintrace resolves them with TDH; we read manifests) ----

def _manifest_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for n in sorted(os.listdir(p)):
                if n.lower().endswith((".man", ".xml")):
                    yield os.path.join(p, n)
        elif os.path.isfile(p):
            yield p


def keyword_masks(manifests, guid):
    """{keyword name: mask} of provider `guid` in the manifests."""
    want = guid_text(guid)
    out = {}
    for path in _manifest_files(manifests):
        try:
            for _, el in ET.iterparse(path, events=("end",)):
                tag = el.tag.rsplit("}", 1)[-1]
                if tag != "provider":
                    continue
                g = el.get("guid", "").strip("{} ").lower()
                if g == want:
                    for kw in el.iter():
                        if kw.tag.rsplit("}", 1)[-1] == "keyword" and kw.get("name"):
                            try:
                                out[kw.get("name")] = int(kw.get("mask", "0"), 0)
                            except ValueError:
                                pass
                el.clear()
        except (ET.ParseError, OSError):
            continue
    return out


def get_keywords_bitmask(guid, keywords, manifests=()):
    """pywintrace's helper: the OR of the masks of keyword names (ints pass)."""
    if not keywords:
        return 0
    names = None
    mask = 0
    for k in keywords:
        if isinstance(k, int):
            mask |= k
            continue
        if names is None:
            names = keyword_masks(list(manifests), guid) if guid else {}
        mask |= names.get(k, 0)
    return mask


class ProviderInfo:
    """pywintrace's container for one provider: name, guid (etw.GUID, text, or
    None to match by name), level (default TRACE_LEVEL_INFORMATION), keyword
    masks (ints, or lists of keyword names resolved from the manifests)."""

    def __init__(self, name, guid, level=TRACE_LEVEL_INFORMATION, any_keywords=None,
                 all_keywords=None, params=None):
        self.name = name
        self.guid = GUID(guid) if isinstance(guid, str) else guid
        self.level = level
        self._any = any_keywords
        self._all = all_keywords
        self.any_bitmask = any_keywords if isinstance(any_keywords, int) else \
            get_keywords_bitmask(None, [k for k in any_keywords or () if isinstance(k, int)])
        self.all_bitmask = all_keywords if isinstance(all_keywords, int) else \
            get_keywords_bitmask(None, [k for k in all_keywords or () if isinstance(k, int)])
        self.params = params

    def _resolve(self, manifests):
        """Keyword names can only be resolved once the manifests are known."""
        if isinstance(self._any, (list, tuple)):
            self.any_bitmask = get_keywords_bitmask(self.guid, self._any, manifests)
        if isinstance(self._all, (list, tuple)):
            self.all_bitmask = get_keywords_bitmask(self.guid, self._all, manifests)

    def __eq__(self, other):
        return isinstance(other, ProviderInfo) and \
            (self.name, self.guid, self.level, self.any_bitmask, self.all_bitmask) == \
            (other.name, other.guid, other.level, other.any_bitmask, other.all_bitmask)

    def __repr__(self):
        return "ProviderInfo(%r, %r, level=%r, any_keywords=%#x, all_keywords=%#x)" % (
            self.name, self.guid, self.level, self.any_bitmask or 0, self.all_bitmask or 0)


def _providers_from(providers, level, any_keywords, all_keywords):
    """pywintrace's two forms -> [ProviderInfo]: the first version's
    {name: GUID} dict (with ETW's level and keywords), the later list of
    ProviderInfo (a single ProviderInfo or GUID is taken as a list of one)."""
    if providers is None:
        return []
    if isinstance(providers, dict):
        return [ProviderInfo(n, g, level, any_keywords, all_keywords)
                for n, g in providers.items()]
    if isinstance(providers, (ProviderInfo, GUID)):
        providers = [providers]
    out = []
    for p in providers:
        if isinstance(p, ProviderInfo):
            out.append(p)
        elif isinstance(p, GUID):
            out.append(ProviderInfo(str(p), p, level, any_keywords, all_keywords))
        elif isinstance(p, str):
            try:
                out.append(ProviderInfo(p, GUID(p), level, any_keywords, all_keywords))
            except ValueError:
                out.append(ProviderInfo(p, None, level, any_keywords, all_keywords))
        else:
            raise TypeError("providers: ProviderInfo, GUID, name or {name: GUID}, not %r" % (p,))
    return out


def _kernel_class_guids():
    L = _lib.lib()
    out = []
    for group in range(256):
        p = L.etl_kernel_group_guid(group, None)
        if p:
            g = guid_le_text(bytes(p.contents))
            if g not in out:
                out.append(g)
    return out


# ---- extended data, as pywintrace's _parseExtendedData ---------------------------

def _sid_text(b):
    if len(b) < 8:
        return None
    rev, n = b[0], b[1]
    if len(b) < 8 + 4 * n:
        return None
    auth = int.from_bytes(b[2:8], "big")
    subs = [int.from_bytes(b[8 + 4 * i:12 + 4 * i], "little") for i in range(n)]
    return "S-%d-%s" % (rev, "-".join([str(auth) if auth < 2 ** 32 else hex(auth)] +
                                      [str(s) for s in subs]))


def _u64s(b, start=0):
    return [int.from_bytes(b[i:i + 8], "little") for i in range(start, len(b) - 7, 8)]


def extended_data(items):
    result = {}
    for typ, data in items:
        try:
            if typ == _lib.EXT_RELATED_ACTIVITYID and len(data) >= 16:
                result["RelatedActivityID"] = _braced(data[:16])
            elif typ == _lib.EXT_SID:
                s = _sid_text(data)
                if s:
                    result["SID"] = s
            elif typ == _lib.EXT_TS_ID and len(data) >= 4:
                result["TSID"] = int.from_bytes(data[:4], "little")
            elif typ == _lib.EXT_INSTANCE_INFO and len(data) >= 24:
                result["InstanceInfo"] = {
                    "InstanceId": int.from_bytes(data[0:4], "little"),
                    "ParentInstanceId": int.from_bytes(data[4:8], "little"),
                    "ParentGuid": _braced(data[8:24])}
            elif typ == _lib.EXT_STACK_TRACE32 and len(data) >= 8:
                result["StackTrace32"] = {
                    "MatchId": int.from_bytes(data[:8], "little"),
                    "Address": [int.from_bytes(data[i:i + 4], "little")
                                for i in range(8, len(data) - 3, 4)]}
            elif typ == _lib.EXT_STACK_TRACE64 and len(data) >= 8:
                result["StackTrace64"] = {"MatchId": int.from_bytes(data[:8], "little"),
                                          "Address": _u64s(data, 8)}
            elif typ == _lib.EXT_PEBS_INDEX and len(data) >= 8:
                result["PebsIndex"] = int.from_bytes(data[:8], "little")
            elif typ == _lib.EXT_PMC_COUNTERS:
                result["PMCCounters"] = _u64s(data)
            elif typ == _lib.EXT_EVENT_KEY and len(data) >= 8:
                result["EventKey"] = int.from_bytes(data[:8], "little")
            elif typ == _lib.EXT_PROCESS_START_KEY and len(data) >= 8:
                result["StartKey"] = int.from_bytes(data[:8], "little")
        except Exception as e:  # as pywintrace: a bad item is logged, not fatal
            logger.warning("Extended data parse error (type %d, size %d) : %s", typ, len(data), e)
    return result


# ---- the job --------------------------------------------------------------------------

class ETW:
    """A pywintrace capture job over .etl files.

    ETW(providers, logfile="trace.etl", manifests=["provider.man"], ...)

    providers: pywintrace's {name: etw.GUID} dict or a list of
    etw.ProviderInfo (None: every event).  logfile: the .etl file, or a list of
    files merged in time order (trace_logfile= is taken as a synonym).
    manifests / mofs: where event layouts come from (also
    $ETLKIT_MANIFEST_PATH).  The rest are pywintrace's options; ring buffer
    sizes, session properties and ignore_exists_error have nothing to size
    or ignore offline and are kept only to accept the same calls.

    The callback gets pywintrace's (event_id, event) tuple: event holds
    'EventHeader' (Size, HeaderType, Flags, EventProperty, ThreadId,
    ProcessId, TimeStamp, ProviderId, EventDescriptor{Id, Version, Channel,
    Level, Opcode, Task, Keyword}, KernelTime, UserTime, ActivityId), the
    decoded properties, 'Description' (the event's message), 'Task Name' (its
    task or provider name in capitals) and, when present, 'EventExtendedData'.
    """

    def __init__(self, providers=None, ring_buf_size=1024, max_str_len=1024, min_buffers=0,
                 max_buffers=0, level=TRACE_LEVEL_INFORMATION, any_keywords=None,
                 all_keywords=None, *, session_name=None, event_callback=None,
                 task_name_filters=None, properties=None, ignore_exists_error=True,
                 event_id_filters=None, providers_event_id_filters=None, pid_whitelist=None,
                 pid_blacklist=None, callback_data_flag=0, callback_wait_time=0.0,
                 trace_logfile=None, logfile=None, manifests=None, mofs=None):
        if isinstance(providers, str) and session_name is None:
            # pywintrace's later first parameter: ETW("session name", ...)
            session_name, providers = providers, None
        self.session_name = session_name if session_name is not None else "etw"
        self.ring_buf_size = ring_buf_size
        self.max_str_len = max_str_len
        self.min_buffers = min_buffers
        self.max_buffers = max_buffers
        self.properties = properties
        self.level = level
        self.providers = _providers_from(providers, level, any_keywords, all_keywords)
        self.event_callback = event_callback
        self.task_name_filters = list(task_name_filters) if task_name_filters else []
        self.ignore_exists_error = ignore_exists_error
        self.event_id_filters = list(event_id_filters) if event_id_filters else []
        self.providers_event_id_filters = dict(providers_event_id_filters or {})
        self.pid_whitelist = set(pid_whitelist) if pid_whitelist else set()
        self.pid_blacklist = set(pid_blacklist) if pid_blacklist else set()
        if callback_data_flag and callback_data_flag not in (
                RETURN_RAW_DATA_ONLY, RETURN_RAW_DATA_ON_ERROR,
                RETURN_ONLY_RAW_DATA_ON_ERROR, RETURN_RAW_UNFORMATTED_DATA):
            raise EtwError("Callback flag value {:d} passed into EventConsumer is "
                           "invalid".format(callback_data_flag), _lib.ETL_ERR_ARG)
        self.callback_data_flag = callback_data_flag
        self.callback_wait_time = callback_wait_time
        if logfile is None and isinstance(trace_logfile, (str, bytes, os.PathLike, list, tuple)):
            logfile = trace_logfile
        self.trace_logfile = trace_logfile
        self.logfile = logfile
        self.manifests = manifests
        self.mofs = mofs
        self.running = False
        self.events_delivered = 0
        self.error = None
        self._thread = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._session = None
        self._filters = []
        self._close_in_thread = False

    # pywintrace's context manager
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc, ex, tb):
        self.stop()

    # -- providers and pid lists, as pywintrace ------------------------------

    def add_provider(self, provider, any_keywords=None, all_keywords=None):
        """A ProviderInfo, or pywintrace's first form: a {name: GUID} dict."""
        self.providers.extend(_providers_from(provider, self.level,
                                              any_keywords, all_keywords))

    def add_pid_whitelist(self, pid):
        self.pid_whitelist.add(pid)

    def remove_pid_whitelist(self, pid):
        self.pid_whitelist.discard(pid)

    def reset_whitelist(self):
        self.pid_whitelist = set()

    def add_pid_blacklist(self, pid):
        self.pid_blacklist.add(pid)

    def remove_pid_blacklist(self, pid):
        self.pid_blacklist.discard(pid)

    def reset_blacklist(self):
        self.pid_blacklist = set()

    # -- filters: everything the library can test, it tests -----------------

    def _kernel(self):
        return self.session_name.lower() == KERNEL_LOGGER_NAME_LOWER

    def _build_filters(self, task_name_filters, manifests):
        """(main filter, task filter, [(provider filter, provider+ids filter)])."""
        kernel = self._kernel()
        main = Filter()
        self._filters.append(main)
        for p in self.providers:
            p._resolve(manifests)
            name = guid_text(p.guid) if p.guid else p.name
            if kernel and name == SYSTEM_TRACE_CONTROL_GUID:
                # the NT Kernel Logger: the classes of the kernel's groups
                for g in _kernel_class_guids():
                    main.add_provider(g)
                continue
            main.add_provider(name, parse_level(p.level), p.any_bitmask or 0,
                              p.all_bitmask or 0)
        if not kernel:
            for i in self.event_id_filters:
                main.add_event_id(i)
        if self.pid_whitelist:
            for pid in self.pid_whitelist:
                main.add_pid(pid)
        else:
            for pid in self.pid_blacklist:
                main.add_pid(pid, exclude=True)
        tasks = None
        if task_name_filters:
            tasks = Filter()
            self._filters.append(tasks)
            for t in task_name_filters:
                tasks.add_task(t)
        per_provider = []
        for key, ids in self.providers_event_id_filters.items():
            try:
                name = guid_text(key)
            except ValueError:
                name = str(key)
            g = Filter()
            g.add_provider(name)
            f = Filter()
            f.add_provider(name)
            for i in ids:
                f.add_event_id(i)
            self._filters += [g, f]
            per_provider.append((g.h, f.h))
        return (main if not main.empty else None), tasks, per_provider

    # -- start / stop -------------------------------------------------------------

    def start(self, event_callback=None, task_name_filters=None, ignore_exists_error=True):
        """Opens the trace and starts delivering events from a background
        thread.  Errors opening the trace or a manifest raise EtwError here."""
        if self.running:
            return
        if event_callback is None:
            event_callback = self.event_callback
        if task_name_filters is None:
            task_name_filters = self.task_name_filters
        if not self.logfile:
            raise EtwError("no trace file: etw reads .etl files here, pass logfile=PATH",
                           _lib.ETL_ERR_ARG)
        self._stop.clear()
        self._done.clear()
        self.error = None
        self.events_delivered = 0
        decode = self.callback_data_flag not in (RETURN_RAW_DATA_ONLY,
                                                 RETURN_RAW_UNFORMATTED_DATA)
        session = Session(self.logfile, self.manifests, self.mofs, decode=False)
        try:
            main, tasks, per_provider = self._build_filters(task_name_filters,
                                                            session.manifests)
            needs = any(f.needs_decoding() for f in self._filters)
            if decode or needs:
                session._load_schemas()
        except BaseException:
            session.close()
            self._free_filters()
            raise
        self._session = session
        self.running = True
        _register(self)
        self._thread = threading.Thread(
            target=self._run,
            args=(session, main, tasks, per_provider, event_callback,
                  [t.strip().upper() for t in task_name_filters or ()], decode),
            name="etw-%s" % self.session_name, daemon=True)
        self._thread.start()

    def wait(self, timeout=None):
        """Waits until the whole trace has been delivered (or the job was
        stopped); True when it has."""
        if self._thread is None:
            return True
        return self._done.wait(timeout)

    def stop(self):
        """Stops delivering events and joins the thread.  A read error of
        the trace is raised here, as EtwError."""
        if self._thread is None:
            return
        self.running = False
        self._stop.set()
        if self._thread is threading.current_thread():
            # stop() from the callback: the thread ends after it returns
            # and cleans up itself
            self._close_in_thread = True
            return
        self._thread.join()
        self._thread = None
        if self._session is not None:
            self._session.close()
            self._session = None
        self._free_filters()
        _unregister(self)
        self._raise_error()

    def _raise_error(self):
        err, self.error = self.error, None
        if err is not None:
            raise err

    def _free_filters(self):
        for f in self._filters:
            f.close()
        self._filters = []

    # -- the consumer thread ------------------------------------------------------------

    def _run(self, session, main, tasks, per_provider, callback, task_upper, decode):
        try:
            self._deliver(session, main, tasks, per_provider, callback, task_upper, decode)
        except EtwError as e:
            logger.error("%s", e)
            self.error = e
        except Exception as e:  # a bug here must not hang wait()
            logger.error("%s\n%s", e, traceback.format_exc())
            self.error = EtwError(str(e))
        finally:
            if self._close_in_thread:
                self._close_in_thread = False
                self._thread = None
                session.close()
                self._session = None
                self._free_filters()
                _unregister(self)
            self._done.set()

    def _deliver(self, session, main, tasks, per_provider, callback, task_upper, decode):
        L = session._L
        names = Names(L)
        match = L.etl_filter_match
        complete = L.etl_decoded_complete
        propsf = L.etl_decoded_props_json
        ln = ctypes.c_size_t()
        lref = ctypes.byref(ln)
        string_at = ctypes.string_at
        loads = json.loads
        flag = self.callback_data_flag
        kernel = self._kernel()
        kernel_ids = set(self.event_id_filters) if kernel else None
        wait = self.callback_wait_time
        gcache = {}
        htypes = _lib.HEADER_TYPES
        ext_flag = _lib.EVF_EXTENDED_INFO
        tasks_h = tasks.h if tasks is not None else None
        for f, d in session.events(main, self._stop):
            (file, header, flags, evprop, prov, eid, version, channel, level, opcode, task,
             keywords, hook, pid, tid, cpu, psize, rawts, ts, ktime, utime, act, rel,
             hasrel, iid, piid, pguid, seq, mflags, ext, extn, hext, hextn, data, size,
             bidx, boff, roff) = f
            evp = session.current
            event_id = opcode if kernel else eid
            if kernel_ids and event_id not in kernel_ids:
                continue
            if per_provider:
                ok = True
                for g, fk in per_provider:
                    if match(g, evp, d) and not match(fk, evp, d):
                        ok = False
                        break
                if not ok:
                    continue
            names_t = names.get(d, prov) if d is not None else None
            if tasks_h is not None and not match(tasks_h, evp, d):
                # pywintrace falls back to the provider name for events
                # without a task name
                if names_t is None or names_t[2] is not None or names_t[0] is None or \
                        names_t[0].strip().upper() not in task_upper:
                    continue
            if wait:
                time.sleep(wait)
            if flag == RETURN_RAW_UNFORMATTED_DATA:
                self._call(callback, (0, ctypes.cast(evp, ctypes.POINTER(_lib.etl_event))))
                continue
            pg = gcache.get(prov)
            if pg is None:
                pg = gcache[prov] = _braced(prov)
            task_name = pg
            out = {"EventHeader": {
                "Size": record_size(header, data, size, ext, extn, hextn, mflags),
                "HeaderType": htypes.get(header, 0),
                "Flags": flags,
                "EventProperty": evprop,
                "ThreadId": tid,
                "ProcessId": pid,
                "TimeStamp": ts,
                "ProviderId": pg,
                "EventDescriptor": {"Id": event_id, "Version": version, "Channel": channel,
                                    "Level": level, "Opcode": opcode, "Task": task,
                                    "Keyword": keywords},
                "KernelTime": ktime,
                "UserTime": utime,
                "ActivityId": _NULL_BRACED if act == _NULL else _braced(act)},
                "Task Name": task_name}
            parsed = {}
            record_error = True
            field_error = False
            if flag != RETURN_RAW_DATA_ONLY and decode and d is not None and \
                    names_t is not None and names_t[4] != "none":
                pn, en, tn, on, sch, msg = names_t
                task_name = (tn if tn is not None else pn or pg).strip().upper()
                ptr = propsf(d, lref)
                parsed = loads(string_at(ptr, ln.value))
                field_error = not complete(d)
                parsed["Description"] = msg or ""
                parsed["Task Name"] = task_name
                if flags & ext_flag:
                    parsed["EventExtendedData"] = \
                        extended_data(ext_items(ext, extn) if extn else [])
                record_error = False
            if flag == RETURN_RAW_DATA_ONLY or (
                    flag in (RETURN_RAW_DATA_ON_ERROR, RETURN_ONLY_RAW_DATA_ON_ERROR) and
                    (field_error or record_error)):
                out["UserData"] = string_at(data, size) if size else b""
            if (flag == RETURN_ONLY_RAW_DATA_ON_ERROR and not field_error) or \
                    flag == RETURN_RAW_DATA_ON_ERROR or flag == 0:
                out.update(parsed)
            self._call(callback, (event_id, out))

    def _call(self, callback, tufo):
        self.events_delivered += 1
        if callback is None:
            return
        try:
            callback(tufo)
        except Exception as e:  # pywintrace logs callback errors and goes on
            logger.error("Exception during callback: {}".format(e))
            logger.error(traceback.format_exc())
