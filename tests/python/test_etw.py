"""Tests of the Python package etw (python/etw), run by tests/python.test.

The main test: a pywintrace-style callback receives every event that
`etlkit dump` prints for the same filters, with the same decoded values.
Corpus traces come from $ETLKIT_CORPUS (skipped when absent, unless CI=true);
the synthetic ones from $ETLGEN.
"""

import contextlib
import ast
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import etw

ETLKIT = os.environ.get("ETLKIT", "etlkit")
ETLGEN = os.environ.get("ETLGEN", "")
CORPUS = os.environ.get("ETLKIT_CORPUS", "")
HTTP = os.path.join(CORPUS, "http-server.etl")
HTTP_MAN = os.path.join(CORPUS, "manifests", "http-server.man")
HTTP_GUID = "dd5ef90a-6398-47a4-ad34-4dcecdef795f"
HTTP_NAME = "Microsoft-Windows-HttpService"
IN_CI = os.environ.get("CI") == "true"

# keys the callback adds next to the decoded properties
EXTRA_KEYS = {"EventHeader", "Task Name", "Description", "EventExtendedData", "UserData"}


def have_corpus():
    return os.path.isfile(os.path.join(CORPUS, "README.md"))


def needs_corpus(tc):
    if not have_corpus():
        if IN_CI:
            tc.fail("the shared corpus is missing at %r (required in CI)" % CORPUS)
        tc.skipTest("shared corpus not found (set ETLKIT_CORPUS)")


def dump(*args):
    """`etlkit dump -q ARGS` as a list of events."""
    p = subprocess.run([ETLKIT, "dump", "-q"] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 3):
        raise AssertionError("etlkit dump %s failed: %s" % (" ".join(map(str, args)),
                                                             p.stderr.decode()))
    return [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]


def dump_error(*args):
    """The message `etlkit dump` prints for an error (without "etlkit: ")."""
    p = subprocess.run([ETLKIT, "dump", "-q"] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 1, p.returncode
    line = p.stderr.decode("utf-8").strip().splitlines()[-1]
    assert line.startswith("etlkit: "), line
    return line[len("etlkit: "):]


def braced(guid_text):
    return "{%s}" % guid_text.upper()


def from_dump(e):
    """What the callback must carry for dump event e."""
    no_id = 0xFFFFFFFF
    return {
        "ts": e["ts"], "provider": braced(e["provider"]), "id": e["id"],
        "version": e["version"], "channel": e["channel"], "level": e["level"],
        "opcode": e["opcode"], "task": e["task"], "keywords": int(e["keywords"], 16),
        "pid": no_id if e["pid"] is None else e["pid"],
        "tid": no_id if e["tid"] is None else e["tid"],
        "activity": braced(e["activity_id"]) if e["activity_id"] else
        "{00000000-0000-0000-0000-000000000000}",
        "related": braced(e["related_activity_id"]) if e["related_activity_id"] else None,
        "task_name": (e["task_name"] or e["provider_name"] or "").strip().upper(),
        "props": e["props"],
    }


def from_callback(tufo):
    event_id, ev = tufo
    h = ev["EventHeader"]
    d = h["EventDescriptor"]
    assert event_id == d["Id"]
    return {
        "ts": h["TimeStamp"], "provider": h["ProviderId"], "id": d["Id"],
        "version": d["Version"], "channel": d["Channel"], "level": d["Level"],
        "opcode": d["Opcode"], "task": d["Task"], "keywords": d["Keyword"],
        "pid": h["ProcessId"], "tid": h["ThreadId"], "activity": h["ActivityId"],
        "related": ev.get("EventExtendedData", {}).get("RelatedActivityID"),
        "task_name": ev["Task Name"],
        "props": {k: v for k, v in ev.items() if k not in EXTRA_KEYS},
    }


def from_read(e):
    """etw.read()'s dict in dump's JSON form."""
    e = dict(e)
    e["keywords"] = "0x%x" % e["keywords"]
    if "payload" in e:
        e["payload"] = e["payload"].hex()
    if "stack" in e:
        e["stack"] = ["0x%x" % a for a in e["stack"]]
    return e


class Case(unittest.TestCase):
    maxDiff = 4000

    def assertSameEvents(self, got, want, what=""):
        """Lists of events equal; on a difference, report the first one."""
        if len(got) != len(want):
            self.fail("%s: %d events, `etlkit dump` has %d" % (what, len(got), len(want)))
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                self.assertEqual(g, w, "%s: event %d differs" % (what, i))

    def capture(self, **kw):
        """Runs an etw.ETW over the options kw to its end; the callback's tuples."""
        events = []
        job = etw.ETW(event_callback=events.append, **kw)
        job.start()
        self.assertTrue(job.wait(120), "the job did not finish")
        job.stop()
        return events


# ---- pywintrace's README examples, adapted only by pointing them at a trace --

def readme_example_1():
    # define capture GUID
    guid = {'Microsoft-Windows-HttpService': etw.GUID("{dd5ef90a-6398-47a4-ad34-4dcecdef795f}")}

    # create instance of ETW class
    job = etw.ETW(guid, logfile=HTTP, manifests=[HTTP_MAN])

    # run capture
    etw.run('etw', job)


def readme_example_2():
    # define capture GUID
    guid = {'Microsoft-Windows-HttpService': etw.GUID("{dd5ef90a-6398-47a4-ad34-4dcecdef795f}")}
    # create instance of ETW class
    job = etw.ETW(guid, logfile=HTTP, manifests=[HTTP_MAN])
    # start capture
    job.start(lambda x: print(x))

    # wait some time
    time.sleep(5)

    # stop capture
    job.stop()


class MyETW(etw.ETW):

    def __init__(self):
        # define capture GUID
        guid = {'Microsoft-Windows-HttpService': etw.GUID("{dd5ef90a-6398-47a4-ad34-4dcecdef795f}")}
        super().__init__(guid, logfile=HTTP, manifests=[HTTP_MAN])

    def start(self, event_callback=None, task_name_filters=None, ignore_exists_error=True):
        # do pre-capture setup
        self.do_capture_setup()
        super().start(event_callback)

    def stop(self):
        super().stop()
        # do post-capture teardown
        self.do_capture_teardown()

    def do_capture_setup(self):
        # do whatever setup for capture here
        MyETW.calls.append("setup")

    def do_capture_teardown(self):
        # do whatever for capture teardown here
        MyETW.calls.append("teardown")

    calls = []


def my_capture():
    # instantiate class
    capture = MyETW()
    # start capture
    capture.start(lambda x: print(x))
    # wait some time to capture data
    time.sleep(5)
    # stop capture
    capture.stop()


def http_events(level=4):
    """The HttpService events pywintrace's default level (INFORMATION) lets
    through, per `etlkit dump`."""
    return dump("-m", HTTP_MAN, "--provider", "%s:%d" % (HTTP_GUID, level), HTTP)


def printed_events(text):
    return [ast.literal_eval(line) for line in text.splitlines() if line.startswith("(")]


class TestReadmeExamples(Case):
    """pywintrace's three README examples against http-server.etl."""

    def setUp(self):
        needs_corpus(self)
        self.want = http_events()
        self.assertEqual(len(self.want), 2041)

    def test_run(self):
        """etw.run('etw', job) logs every event and returns at the end of the trace"""
        with self.assertLogs("etw", level="INFO") as logs:
            readme_example_1()
        events = [r.getMessage() for r in logs.records if r.name == "etw.common"
                  and r.getMessage()[:1].isdigit()]
        self.assertEqual(len(events), len(self.want))
        for msg, w in zip(events, self.want):
            head = msg.split("\n", 1)[0]
            self.assertEqual(head, "%d (%s)" % (w["id"], w["task_name"].upper()))

    def test_start_sleep_stop(self):
        """job.start(lambda x: print(x)); time.sleep(5); job.stop()"""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            readme_example_2()
        got = printed_events(out.getvalue())
        self.assertSameEvents([from_callback(t) for t in got],
                              [from_dump(e) for e in self.want], "printed events")

    def test_subclass(self):
        """a subclass of etw.ETW with setup and teardown around start/stop"""
        MyETW.calls = []
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            my_capture()
        self.assertEqual(MyETW.calls, ["setup", "teardown"])
        got = printed_events(out.getvalue())
        self.assertSameEvents([from_callback(t) for t in got],
                              [from_dump(e) for e in self.want], "printed events")


class TestCallbackMatchesDump(Case):
    """The callback receives every event `etlkit dump` prints for the same
    filters, with the same decoded values."""

    def setUp(self):
        needs_corpus(self)

    def same(self, dump_args, **kw):
        want = dump("-m", HTTP_MAN, *dump_args, HTTP)
        got = self.capture(logfile=HTTP, manifests=[HTTP_MAN], **kw)
        self.assertSameEvents([from_callback(t) for t in got],
                              [from_dump(e) for e in want], " ".join(dump_args))
        return got, want

    def test_provider_dict(self):
        """{name: GUID} at the default level = --provider GUID:4"""
        got, want = self.same(["--provider", HTTP_GUID + ":4"],
                              providers={HTTP_NAME: etw.GUID("{%s}" % HTTP_GUID)})
        self.assertEqual(len(want), 2041)
        # the extras pywintrace adds
        tufo = got[3]
        self.assertEqual(tufo[1]["Task Name"], "HTTP REQUEST TRACE TASK")
        self.assertTrue(tufo[1]["Description"].startswith("Request received"))
        self.assertEqual(tufo[1]["EventHeader"]["HeaderType"], 0x13)
        self.assertEqual(tufo[1]["EventHeader"]["Size"], 0x50 + 8 + 16 + 48)

    def test_provider_info(self):
        """ProviderInfo with a level and keyword mask = --provider GUID:LEVEL:MASK"""
        p = etw.ProviderInfo(HTTP_NAME, etw.GUID("{%s}" % HTTP_GUID), etw.TRACE_LEVEL_VERBOSE,
                             any_keywords=0x4)
        got, want = self.same(["--provider", HTTP_GUID + ":5:0x4"], providers=[p])
        self.assertTrue(want)

    def test_provider_by_name(self):
        """ProviderInfo by name only (guid None) = --provider NAME:4"""
        p = etw.ProviderInfo(HTTP_NAME, None)
        got, want = self.same(["--provider", HTTP_NAME + ":4"], providers=[p])
        self.assertEqual(len(want), 2041)

    def test_keyword_names(self):
        """keyword names are resolved from the manifest"""
        p = etw.ProviderInfo(HTTP_NAME, etw.GUID("{%s}" % HTTP_GUID),
                             any_keywords=["keyword2", "keyword11"])
        got, want = self.same(["--provider", HTTP_GUID + ":4:0x804"], providers=[p])
        self.assertEqual(p.any_bitmask, 0x804)
        self.assertTrue(want)

    def test_no_providers(self):
        """no providers: every event, the kernel's header event too"""
        got, want = self.same([])
        self.assertEqual(len(want), 2042)

    def test_event_id_filters(self):
        got, want = self.same(["--event-id", "1,12"], event_id_filters=[1, 12])
        self.assertEqual(len(want), 291 + 289)

    def test_pid_whitelist(self):
        got, want = self.same(["--pid", "4400"], pid_whitelist=[4400])
        self.assertTrue(want)

    def test_pid_blacklist(self):
        got, want = self.same(["--exclude-pid", "4"], pid_blacklist=[4])
        self.assertTrue(want)

    def test_whitelist_wins(self):
        """as pywintrace: with a whitelist, the blacklist is not looked at"""
        got, want = self.same(["--pid", "4400"], pid_whitelist=[4400], pid_blacklist=[4400, 4])
        self.assertTrue(want)

    def test_task_name_filters(self):
        """pywintrace's task names are upper case"""
        got, want = self.same(["--task", "HTTP Connection Trace Task"],
                              task_name_filters=["HTTP CONNECTION TRACE TASK"])
        self.assertEqual(len(want), 4)

    def test_task_name_filters_in_start(self):
        want = dump("-m", HTTP_MAN, "--task", "HTTP Logging Trace Task", HTTP)
        events = []
        job = etw.ETW(logfile=HTTP, manifests=[HTTP_MAN])
        job.start(events.append, ["HTTP LOGGING TRACE TASK"])
        job.wait()
        job.stop()
        self.assertSameEvents([from_callback(t) for t in events],
                              [from_dump(e) for e in want], "--task")

    def test_providers_event_id_filters(self):
        """ids 1 and 12 of HttpService, everything of other providers"""
        full = dump("-m", HTTP_MAN, HTTP)
        want = [e for e in full if e["provider"] != HTTP_GUID or e["id"] in (1, 12)]
        got = self.capture(logfile=HTTP, manifests=[HTTP_MAN],
                           providers_event_id_filters={braced(HTTP_GUID): [1, 12]})
        self.assertSameEvents([from_callback(t) for t in got],
                              [from_dump(e) for e in want], "providers_event_id_filters")
        self.assertEqual(len(want), 291 + 289 + 1)

    def test_raw_data_only(self):
        """RETURN_RAW_DATA_ONLY: the header and the payload, nothing decoded"""
        want = dump("-m", HTTP_MAN, "--raw", "--provider", HTTP_GUID, HTTP)
        got = self.capture(logfile=HTTP, manifests=[HTTP_MAN],
                           providers={HTTP_NAME: etw.GUID("{%s}" % HTTP_GUID)},
                           callback_data_flag=etw.RETURN_RAW_DATA_ONLY)
        self.assertEqual(len(got), len(want))
        for (eid, ev), w in zip(got, want):
            self.assertEqual(set(ev), {"EventHeader", "Task Name", "UserData"})
            self.assertEqual(ev["UserData"], bytes.fromhex(w["payload"]))
            self.assertEqual(ev["Task Name"], braced(HTTP_GUID))
            self.assertEqual(eid, w["id"])

    def test_raw_data_on_error(self):
        """RETURN_RAW_DATA_ON_ERROR: decoded events as usual; undecodable
        ones (no manifest) with UserData"""
        got = self.capture(logfile=HTTP, manifests=[HTTP_MAN],
                           callback_data_flag=etw.RETURN_RAW_DATA_ON_ERROR)
        self.assertEqual(len(got), 2042)
        self.assertFalse(any("UserData" in ev for _, ev in got))
        got = self.capture(logfile=HTTP, providers={HTTP_NAME: etw.GUID("{%s}" % HTTP_GUID)},
                           callback_data_flag=etw.RETURN_RAW_DATA_ON_ERROR)
        self.assertEqual(len(got), 2041)
        self.assertTrue(all("UserData" in ev and "Description" not in ev for _, ev in got))

    def test_context_manager_and_run(self):
        """pywintrace's later README: with etw.ETW(...): etw.run('etw')"""
        want = http_events()
        events = []
        providers = [etw.ProviderInfo(HTTP_NAME, etw.GUID("{%s}" % HTTP_GUID))]
        with self.assertLogs("etw", level="INFO"):
            with etw.ETW(providers=providers, event_callback=events.append, logfile=HTTP,
                         manifests=[HTTP_MAN]):
                etw.run('etw')
        self.assertSameEvents([from_callback(t) for t in events],
                              [from_dump(e) for e in want], "with + run")

    def test_stop_early(self):
        """stop() before the end stops the delivery and joins the thread"""
        events = []
        gate = threading.Event()

        def slow(tufo):
            events.append(tufo)
            gate.wait(5)

        job = etw.ETW(logfile=HTTP, manifests=[HTTP_MAN], event_callback=slow)
        job.start()
        while not events:
            time.sleep(0.01)
        stopper = threading.Thread(target=job.stop)
        stopper.start()
        gate.set()
        stopper.join(30)
        self.assertFalse(stopper.is_alive())
        self.assertLess(len(events), 2042)
        self.assertFalse(job.running)

    def test_stop_in_callback(self):
        """stop() from the callback ends the delivery after that event"""
        events = []

        def cb(tufo):
            events.append(tufo)
            if len(events) == 5:
                job.stop()

        job = etw.ETW(logfile=HTTP, manifests=[HTTP_MAN], event_callback=cb)
        job.start()
        self.assertTrue(job.wait(30))
        job.stop()
        self.assertEqual(len(events), 5)
        self.assertFalse(job.running)

    def test_other_data_flags(self):
        """RETURN_ONLY_RAW_DATA_ON_ERROR and RETURN_RAW_UNFORMATTED_DATA"""
        want = dump(HTTP)  # no manifest: only the kernel's header event decodes
        got = self.capture(logfile=HTTP, callback_data_flag=etw.RETURN_ONLY_RAW_DATA_ON_ERROR)
        self.assertEqual(len(got), len(want))
        self.assertEqual(sum("payload" in w for w in want), 2041)
        for (eid, ev), w in zip(got, want):
            # the payload where dump has one (not decoded completely)
            self.assertEqual(ev.get("UserData"), bytes.fromhex(w["payload"])
                             if "payload" in w else None)
            if "payload" not in w:
                self.assertEqual(from_callback((eid, ev))["props"], w["props"])
        seen = []
        job = etw.ETW(logfile=HTTP, callback_data_flag=etw.RETURN_RAW_UNFORMATTED_DATA,
                      event_callback=lambda t: seen.append((t[0], t[1].contents.id,
                                                            t[1].contents.timestamp)))
        job.start()
        job.wait()
        job.stop()
        self.assertEqual(seen, [(0, w["id"], w["ts"]) for w in want])

    def test_callback_exception(self):
        """as pywintrace: an exception in the callback is logged, delivery goes on"""
        n = []

        def cb(tufo):
            n.append(1)
            if len(n) == 3:
                raise RuntimeError("boom")

        with self.assertLogs("etw", level="ERROR") as logs:
            job = etw.ETW(logfile=HTTP, manifests=[HTTP_MAN], event_callback=cb)
            job.start()
            job.wait()
            job.stop()
        self.assertEqual(len(n), 2042)
        self.assertIn("boom", "\n".join(logs.output))


class TestReadMatchesDump(Case):
    """etw.read() yields what `etlkit dump` prints, for every corpus trace."""

    def setUp(self):
        needs_corpus(self)
        m = os.path.join(CORPUS, "manifests")
        self.man = [os.path.join(m, n) for n in
                    ("http-server.man", "SystemEvents.man", "clr-etw-all-runtime.man")]
        self.mof = [os.path.join(m, "kernel.mof")]
        self.args = sum([["-m", p] for p in self.man], []) + \
            sum([["--mof", p] for p in self.mof], [])

    def test_corpus(self):
        names = sorted(n for n in os.listdir(CORPUS) if n.endswith(".etl"))
        self.assertTrue(names)
        for name in names:
            with self.subTest(trace=name):
                path = os.path.join(CORPUS, name)
                want = dump(*self.args, path)
                got = [from_read(e) for e in etw.read(path, manifests=self.man, mofs=self.mof)]
                self.assertSameEvents(got, want, name)

    def test_raw_and_no_decode(self):
        got = [from_read(e) for e in etw.read(HTTP, manifests=[HTTP_MAN], raw=True)]
        self.assertSameEvents(got, dump("-m", HTTP_MAN, "--raw", HTTP), "--raw")
        got = [from_read(e) for e in etw.read(HTTP, decode=False)]
        self.assertSameEvents(got, dump("--no-decode", HTTP), "--no-decode")

    def test_filters(self):
        cases = [
            (dict(providers=[HTTP_NAME + ":4"]), ["--provider", HTTP_NAME + ":4"]),
            (dict(providers=etw.GUID("{%s}" % HTTP_GUID)), ["--provider", HTTP_GUID]),
            (dict(event_ids=[2, 51]), ["--event-id", "2,51"]),
            (dict(tasks=["http request trace task"]), ["--task", "HTTP Request Trace Task"]),
            (dict(pids=[4400, 4472]), ["--pid", "4400,4472"]),
            (dict(exclude_pids=[4]), ["--exclude-pid", "4"]),
            (dict(since=50, until=60.5), ["--since", "50", "--until", "60.5"]),
            (dict(since="2011-01-23T22:07:30Z"), ["--since", "2011-01-23T22:07:30Z"]),
            (dict(level="verbose", keywords=0x800), ["--level", "5", "--keywords", "0x800"]),
        ]
        for kw, args in cases:
            with self.subTest(filters=kw):
                want = dump("-m", HTTP_MAN, *args, HTTP)
                self.assertTrue(want)
                got = [from_read(e) for e in etw.read(HTTP, manifests=[HTTP_MAN], **kw)]
                self.assertSameEvents(got, want, " ".join(args))

    def test_multiple_files(self):
        a, b = HTTP, os.path.join(CORPUS, "amsi.etl")
        want = dump("-m", HTTP_MAN, a, b)
        got = [from_read(e) for e in etw.read([a, b], manifests=HTTP_MAN)]
        self.assertSameEvents(got, want, "two files")
        self.assertEqual({e["file"] for e in got}, {0, 1})

    def test_reader_object(self):
        with etw.read(HTTP, manifests=[HTTP_MAN]) as r:
            first = next(iter(r))
            self.assertEqual(first["event_name"], "EventTrace/Header")
            info = r.info()
            self.assertEqual(info[0]["logger_name"], "DataCollector01")
            self.assertEqual(info[0]["pointer_size"], 8)
        self.assertEqual(etw.filetime_to_datetime(first["ts"]).isoformat()[:19],
                         first["time"][:19])


class TestSynthetic(Case):
    """A trace from etlgen (no corpus needed): the kernel, manifest,
    TraceLogging and classic mixes."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="etw-test-")
        cls.etl = os.path.join(cls.tmp, "gen.etl")
        cls.man = os.path.join(cls.tmp, "gen.man")
        if ETLGEN:
            subprocess.run([ETLGEN, "-o", cls.etl, "--events", "3000", "--cpus", "3",
                            "--manifest-out", cls.man], check=True,
                           stdout=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if not ETLGEN or not os.path.exists(self.etl):
            self.skipTest("no etlgen ($ETLGEN)")

    def test_read(self):
        want = dump("-m", self.man, self.etl)
        self.assertGreater(len(want), 3000)
        got = [from_read(e) for e in etw.read(self.etl, manifests=[self.man])]
        self.assertSameEvents(got, want, "etlgen trace")

    def test_callback(self):
        full = dump("-m", self.man, self.etl)
        provs = sorted({(e["provider"], e["provider_name"]) for e in full
                        if e["header"].startswith("event")})
        self.assertTrue(provs)
        for guid, name in provs:
            with self.subTest(provider=name):
                want = dump("-m", self.man, "--provider", guid + ":4", self.etl)
                got = self.capture(logfile=self.etl, manifests=[self.man],
                                   providers={name: etw.GUID(guid)})
                self.assertSameEvents([from_callback(t) for t in got],
                                      [from_dump(e) for e in want], name)

    def test_kernel_logger(self):
        """session_name 'NT Kernel Logger': the event id is the opcode, as in pywintrace"""
        full = dump("-m", self.man, self.etl)
        got = self.capture(logfile=self.etl, manifests=[self.man],
                           session_name=etw.KERNEL_LOGGER_NAME,
                           providers=[etw.ProviderInfo("NT Kernel Logger", etw.GUID(
                               "{9e814aad-3204-11d2-9a82-006008a86939}"))],
                           event_id_filters=[10])
        want = [e for e in full if e["opcode"] == 10 and e["provider_name"] == "Windows Kernel"]
        self.assertTrue(want)
        self.assertEqual([t[0] for t in got], [10] * len(want))
        self.assertEqual([t[1]["EventHeader"]["TimeStamp"] for t in got],
                         [e["ts"] for e in want])


class TestErrors(Case):
    """Errors raise etw.EtwError carrying libetlkit's message."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="etw-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_missing_file(self):
        path = os.path.join(self.tmp, "missing.etl")
        msg = dump_error(path)
        with self.assertRaises(etw.EtwError) as cm:
            etw.read(path)
        self.assertEqual(str(cm.exception), msg)
        self.assertEqual(cm.exception.status, 2)
        job = etw.ETW(logfile=path)
        with self.assertRaises(etw.EtwError) as cm:
            job.start()
        self.assertEqual(str(cm.exception), msg)
        self.assertFalse(job.running)

    def test_not_an_etl_file(self):
        path = os.path.join(self.tmp, "text.etl")
        with open(path, "wb") as f:
            f.write(b"this is not a trace\n" * 1000)
        msg = dump_error(path)
        with self.assertRaises(etw.EtwError) as cm:
            list(etw.read(path))
        self.assertEqual(str(cm.exception), msg)
        self.assertIn(path, str(cm.exception))

    def test_bad_manifest(self):
        trace = self.trace()
        man = os.path.join(self.tmp, "bad.man")
        with open(man, "w") as f:
            f.write("<instrumentationManifest><unclosed>")
        msg = dump_error("-m", man, trace)
        with self.assertRaises(etw.EtwError) as cm:
            etw.read(trace, manifests=[man])
        self.assertEqual(str(cm.exception), msg)
        with self.assertRaises(etw.EtwError) as cm:
            etw.ETW(logfile=trace, manifests=[man]).start()
        self.assertEqual(str(cm.exception), msg)

    def trace(self):
        if ETLGEN:
            path = os.path.join(self.tmp, "small.etl")
            subprocess.run([ETLGEN, "-o", path, "--events", "50"], check=True,
                           stdout=subprocess.DEVNULL)
            return path
        needs_corpus(self)
        return HTTP

    def test_no_logfile(self):
        with self.assertRaises(etw.EtwError) as cm:
            etw.ETW({HTTP_NAME: etw.GUID("{%s}" % HTTP_GUID)}).start()
        self.assertIn("logfile", str(cm.exception))

    def test_bad_arguments(self):
        with self.assertRaises(etw.EtwError):
            etw.ETW(logfile="x.etl", callback_data_flag=3)
        with self.assertRaises(ValueError):
            etw.GUID("{not-a-guid}")
        with self.assertRaises(TypeError):
            etw.read("x.etl", no_such_filter=1)
        with self.assertRaises(etw.EtwError) as cm:
            etw.read(self.trace(), event_ids=[70000])
        self.assertIn("invalid argument", str(cm.exception).lower())

    def test_library_not_found(self):
        """import etw works without the library; using it raises EtwError"""
        code = ("import etw\n"
                "g = etw.GUID('{11111111-1111-1111-1111-111111111111}')\n"
                "try:\n    etw.read('x.etl')\nexcept etw.EtwError as e:\n"
                "    print('EtwError:', e)\n")
        env = dict(os.environ, ETLKIT_LIBRARY=os.path.join(self.tmp, "nolib.so"))
        p = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn("EtwError: libetlkit not found", p.stdout.decode())

    def test_damaged_input_warns(self):
        """damaged buffers are skipped with a warning on the "etw" logger"""
        src = self.trace()
        path = os.path.join(self.tmp, "damaged.etl")
        with open(src, "rb") as f:
            data = bytearray(f.read())
        if len(data) < 3 * 65536:
            data = data[:len(data) // 2 + 1000]  # cut a buffer in the middle
        else:
            data[2 * 65536 + 8:2 * 65536 + 64] = b"\xff" * 56
        with open(path, "wb") as f:
            f.write(data)
        with self.assertLogs("etw", level="WARNING"):
            r = etw.read(path)
            list(r)
        self.assertGreater(r.warnings, 0)


class TestGUID(unittest.TestCase):
    def test_forms(self):
        g = etw.GUID("{dd5ef90a-6398-47a4-ad34-4dcecdef795f}")
        self.assertEqual(str(g), "{DD5EF90A-6398-47A4-AD34-4DCECDEF795F}")
        self.assertEqual(g, etw.GUID("DD5EF90A-6398-47A4-AD34-4DCECDEF795F"))
        self.assertEqual(hash(g), hash(etw.GUID(str(g))))
        self.assertEqual(repr(g), 'GUID("{DD5EF90A-6398-47A4-AD34-4DCECDEF795F}")')
        self.assertEqual((g.Data1, g.Data2, g.Data3), (0xdd5ef90a, 0x6398, 0x47a4))
        self.assertEqual(bytes(g.Data4), bytes.fromhex("ad344dcecdef795f"))
        self.assertFalse(etw.GUID())


if __name__ == "__main__":
    logging.basicConfig()
    unittest.main()
