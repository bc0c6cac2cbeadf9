"""etw.GUID: pywintrace's GUID, a ctypes structure in the Windows layout,
without ole32: parsed and formatted in Python."""

import ctypes
import uuid


class GUID(ctypes.Structure):
    """A GUID: GUID("{11111111-2222-3333-4444-555555555555}") (braces and case
    optional).  str() gives the braced upper-case form StringFromCLSID gives,
    which is also the form of 'ProviderId' and 'ActivityId' in events."""

    _fields_ = [("Data1", ctypes.c_uint32),
                ("Data2", ctypes.c_uint16),
                ("Data3", ctypes.c_uint16),
                ("Data4", ctypes.c_ubyte * 8)]

    def __init__(self, name=None):
        super().__init__()
        if name is None:
            return
        if isinstance(name, GUID):
            ctypes.memmove(ctypes.byref(self), ctypes.byref(name), ctypes.sizeof(GUID))
            return
        if isinstance(name, uuid.UUID):
            u = name
        else:
            try:
                u = uuid.UUID(str(name).strip())
            except ValueError:
                raise ValueError("invalid GUID %r" % (name,)) from None
        self.Data1, self.Data2, self.Data3 = u.fields[0], u.fields[1], u.fields[2]
        for i, b in enumerate(u.bytes[8:]):
            self.Data4[i] = b

    @classmethod
    def from_bytes_le(cls, b):
        """The GUID of 16 bytes in the Windows (mixed-endian) layout."""
        return cls(uuid.UUID(bytes_le=bytes(b)))

    def to_uuid(self):
        return uuid.UUID(fields=(self.Data1, self.Data2, self.Data3, self.Data4[0],
                                 self.Data4[1], int.from_bytes(bytes(self.Data4[2:]), "big")))

    def __str__(self):
        return "{%s}" % str(self.to_uuid()).upper()

    def __repr__(self):
        return 'GUID("%s")' % str(self)

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = GUID(other)
            except ValueError:
                return False
        return isinstance(other, GUID) and bytes(self) == bytes(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(bytes(self))

    def __bool__(self):
        return any(bytes(self))

    def copy(self):
        return GUID(self)

    @classmethod
    def create_new(cls):
        return cls(uuid.uuid4())


GUID_null = GUID()


def guid_text(value):
    """Lower-case, brace-less text of a GUID given as GUID, UUID or text
    (the form the library parses and `etlkit dump` prints)."""
    if isinstance(value, GUID):
        return str(value.to_uuid())
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(uuid.UUID(str(value).strip()))
