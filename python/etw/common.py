"""pywintrace's etw.common: constants, run() and on_event_callback()."""

import logging
import pprint
import threading

from .errors import ETWException, EtwError

# pywintrace's etw.common has ETWException
__all__ = ["ETWException", "EtwError", "run", "on_event_callback"]

logger = logging.getLogger(__name__)

# callback_data_flag values
RETURN_RAW_DATA_ONLY = 0x1
RETURN_RAW_DATA_ON_ERROR = 0x2
RETURN_ONLY_RAW_DATA_ON_ERROR = 0x4
RETURN_RAW_UNFORMATTED_DATA = 0x8
RETURN_UNFORMATTED_DATA = RETURN_RAW_UNFORMATTED_DATA

# TRACE_LEVEL_*
TRACE_LEVEL_NONE = 0
TRACE_LEVEL_CRITICAL = 1
TRACE_LEVEL_ERROR = 2
TRACE_LEVEL_WARNING = 3
TRACE_LEVEL_INFORMATION = 4
TRACE_LEVEL_VERBOSE = 5
TRACE_LEVEL_RESERVED6 = 6
TRACE_LEVEL_RESERVED7 = 7
TRACE_LEVEL_RESERVED8 = 8
TRACE_LEVEL_RESERVED9 = 9

KERNEL_LOGGER_NAME = "NT Kernel Logger"
KERNEL_LOGGER_NAME_LOWER = KERNEL_LOGGER_NAME.lower()
MAX_UINT = (2 ** 32) - 1

# the jobs started and not stopped yet, for run() without a job
_active = set()
_active_lock = threading.Lock()


def _register(job):
    with _active_lock:
        _active.add(job)


def _unregister(job):
    with _active_lock:
        _active.discard(job)


def _format(event_tufo):
    event_id, event = event_tufo
    name = event.get("Task Name", "") if isinstance(event, dict) else ""
    return "{:d} ({:s})\n{:s}\n".format(event_id, str(name), pprint.pformat(event))


def on_event_callback(event_tufo, logfile=None, no_conout=False):
    """pywintrace's default callback: logs each event (to the "etw.common"
    logger at INFO) and appends it to the text file `logfile` if given."""
    text = _format(event_tufo)
    if no_conout is False:
        logger.info(text)
    if logfile is not None:
        with open(logfile, "a") as f:
            f.write(text)


def run(name, job=None, filters=None, logfile=None, no_conout=False):
    """Runs a capture to its end.  Offline, "until the user presses ENTER"
    (pywintrace) becomes "until the trace file has been read".

    run(name, job): starts job with a callback that logs every event (and
    writes it to the text file `logfile` unless None), waits for the end of
    the trace and stops the job: pywintrace's first README example.
    run(name) inside `with etw.ETW(...):`: waits until every started job
    has read its trace: pywintrace's later README example.

    A read error of a job raises EtwError here."""
    if job is not None and not hasattr(job, "start"):
        # pywintrace's later signature: run(name, filters=None)
        job, filters = None, job
    logging.basicConfig(level=logging.INFO)
    logger.setLevel(logging.INFO)
    if job is None:
        logger.info("{:s} - Started (filters = {!s:s})".format(name, filters))
        with _active_lock:
            jobs = list(_active)
        for j in jobs:
            j.wait()
        for j in jobs:
            j._raise_error()
        logger.info("{:s} - Stopped".format(name))
        return

    def on_event(event_tufo):
        on_event_callback(event_tufo, logfile, no_conout)

    job.start(on_event, filters)
    logger.info("{:s} - Started (filters = {!s:s})".format(name, filters))
    try:
        job.wait()
    finally:
        job.stop()
    logger.info("{:s} - Stopped".format(name))
