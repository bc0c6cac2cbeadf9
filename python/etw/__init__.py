"""etw: pywintrace's Python API, offline, on any platform, over libetlkit.

pywintrace (fireeye/pywintrace) consumes live ETW sessions on Windows.  This
package offers the same API over .etl files, through libetlkit and ctypes
(pure Python, no compiler needed):

    import etw
    guid = {'Microsoft-Windows-HttpService':
            etw.GUID("{dd5ef90a-6398-47a4-ad34-4dcecdef795f}")}
    job = etw.ETW(guid, logfile="http.etl", manifests=["http-server.man"])
    job.start(lambda x: print(x))     # x is (event_id, event dict)
    job.wait()                        # or time.sleep(...), as with a live session
    job.stop()

and a generator for new code:

    for ev in etw.read("http.etl", manifests=["http-server.man"], event_ids=[1, 2]):
        print(ev["time"], ev["event_name"], ev["props"])

Errors raise etw.EtwError with libetlkit's message.  The library is found
through $ETLKIT_LIBRARY, the libdir configured at build time, or
ctypes.util.find_library("etlkit").
"""

from .errors import EtwError, ETWException
from .guid import GUID
from .common import (run, on_event_callback, RETURN_RAW_DATA_ONLY, RETURN_RAW_DATA_ON_ERROR,
                     RETURN_ONLY_RAW_DATA_ON_ERROR, RETURN_RAW_UNFORMATTED_DATA,
                     RETURN_UNFORMATTED_DATA, TRACE_LEVEL_NONE, TRACE_LEVEL_CRITICAL,
                     TRACE_LEVEL_ERROR, TRACE_LEVEL_WARNING, TRACE_LEVEL_INFORMATION,
                     TRACE_LEVEL_VERBOSE, KERNEL_LOGGER_NAME)
from .etw import ETW, ProviderInfo, get_keywords_bitmask
from .reader import read, Reader
from ._core import filetime_to_datetime, datetime_to_filetime

__version__ = "0.1.0"


def library_version():
    """The version of the libetlkit in use (loads it)."""
    from . import _lib
    return _lib.text(_lib.lib().etl_version())


__all__ = [
    "EtwError", "ETWException", "GUID", "ETW", "ProviderInfo", "run", "on_event_callback",
    "read", "Reader", "get_keywords_bitmask", "filetime_to_datetime",
    "datetime_to_filetime", "library_version",
    "RETURN_RAW_DATA_ONLY", "RETURN_RAW_DATA_ON_ERROR", "RETURN_ONLY_RAW_DATA_ON_ERROR",
    "RETURN_RAW_UNFORMATTED_DATA", "RETURN_UNFORMATTED_DATA",
    "TRACE_LEVEL_NONE", "TRACE_LEVEL_CRITICAL", "TRACE_LEVEL_ERROR", "TRACE_LEVEL_WARNING",
    "TRACE_LEVEL_INFORMATION", "TRACE_LEVEL_VERBOSE", "KERNEL_LOGGER_NAME",
]
