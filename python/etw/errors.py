"""The exception of the etw package."""


class EtwError(Exception):
    """An error from libetlkit (or from finding it).

    str(e) is the library's message: for a trace it names the file, the byte
    offset and what was wrong (etl_trace_errmsg), for a manifest the file and
    line (etl_schemas_errmsg).  e.status is the etl_status code (2 = I/O,
    4 = not an ETL file, 5 = corrupt, 9 = unusable schema, ...) or None.
    """

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


# pywintrace's name for it
ETWException = EtwError
