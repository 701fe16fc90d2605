"""One Connexion Gateway Export request, sans I/O: bytes in, one typed event out.

Theory of operation (h11's): this module reads no socket and no clock. The server feeds it what
arrives with ``receive_data`` (``b""`` when the client half-closes) and asks ``next_event`` what the
bytes amount to so far: ``NEED_DATA``, or exactly one final event, ``ExportRequest``,
``HealthCheck`` or ``BadRequest``. One connection carries one request; once an event is final,
``next_event`` keeps returning it. Any exception other than ``TypeError`` for a caller passing
something that is not bytes is a bug.

The grammar is the one the two open receivers implement (``../shared/reference/
connexion-protocol.md`` section 3: Koha's ``connexion_import_daemon.pl``, FOLIO edge-connexion's
``ConnexionRequest.java`` and ``MainVerticle.java``)::

    request  := { item | " " } [ NUL ]                  -- or ended by the client closing
    item     := ("U" | "A" | "P") length value          -- user, local user, password
              | record                                   -- ISO 2709: starts with a digit
    length   := BYTE >= 0x40        -- desktop client: len = byte - 64 ("@" = 0, 0xFF = 191)
              | "0"                 -- an empty value ("P0", FOLIO EDGCONX-11)
              | "1".."9" { DIGIT }  -- browser client: decimal, so a value cannot start with a digit
    record   := 5 DIGITS (the record length, bytes) and the rest of that many bytes

Where the sources differ or are silent, the choice made here:

* The request ends at the first NUL (bytes after it are ignored, as both receivers do) or when the
  client closes. With ``AnswerAt.RECORD`` (the default) it is complete as soon as one record has
  arrived, as FOLIO answers since EDGCONX-7 ("TCP/IP connection has been closed by remote host"):
  a client that waits for the reply before sending NUL or closing still gets one. With
  ``AnswerAt.END`` the request waits for NUL or close, as Koha does.
* A second record in the same request is refused (FOLIO: "One record expected"); with
  ``AnswerAt.RECORD`` only a second record already received with the first is seen.
* A request of more than ``max_bytes`` bytes up to its end is refused, as soon as that many have
  arrived or the record's own length says it will be (FOLIO and Koha: 100,000 bytes).
* An item given twice keeps the later value.
* ``GET `` at the start of a request, up to a blank line (or the client closing), is a health check
  (FOLIO answers such a buffer with ``HTTP/1.0 200 OK``).
"""

from __future__ import annotations

import enum
from typing import Final, TypeAlias, assert_never

from attrs import frozen

from almamatch.core.errors import AlmamatchError

__all__ = [
    "MAX_REQUEST_BYTES",
    "NEED_DATA",
    "AnswerAt",
    "BadRequest",
    "Ending",
    "ExportRequest",
    "Fault",
    "Framing",
    "HealthCheck",
    "InvalidRequestValue",
    "LogonItem",
    "NeedData",
    "RequestEvent",
    "RequestParser",
    "encode_request",
]

#: FOLIO ``MAX_RECORD_SIZE = 100000``; Koha's receive buffer is 100 000 bytes too.
MAX_REQUEST_BYTES: Final = 100_000

_NUL: Final = 0x00
_SPACE: Final = 0x20
_ZERO: Final = 0x30
_NINE: Final = 0x39
#: A length byte at or above "@" (0x40) is a desktop-client length: len = byte - 64.
_DESKTOP_BASE: Final = 0x40
_RECORD_LENGTH_DIGITS: Final = 5
_ITEM_TAGS: Final = {ord("U"): "user", ord("A"): "local_user", ord("P"): "password"}
_GET: Final = b"GET "
_BLANK_LINES: Final = (b"\n\n", b"\n\r\n")


class Framing(enum.StrEnum):
    """How a client writes the length of a logon item."""

    DESKTOP = "desktop"  # one byte, chr(64 + n): the Connexion client
    BROWSER = "browser"  # decimal digits: the Connexion browser (and FOLIO's test client)


class LogonItem(enum.StrEnum):
    """The item that carries the Gateway Export's logon ID (Alma's choice is unknown)."""

    U = "U"  # "user": the logon ID, as the "Logon ID and/or password" message suggests
    A = "A"  # "local user": where FOLIO's users put theirs


class InvalidRequestValue(AlmamatchError):
    """A logon value that the chosen framing cannot carry."""


class AnswerAt(enum.StrEnum):
    """When a request that holds a record is complete."""

    RECORD = "record"  # as soon as one whole record has arrived (FOLIO)
    END = "end"  # at NUL or when the client closes (Koha)


class Ending(enum.StrEnum):
    """What completed a request."""

    RECORD = "record"  # the record's last byte (AnswerAt.RECORD)
    NUL = "nul"  # the NUL byte that ends a request
    CLOSE = "close"  # the client closed (or half-closed) its side


class Fault(enum.StrEnum):
    """Why a request is refused, as a code a program can act on."""

    EMPTY = "empty"  # nothing, or a lone NUL, before the end
    NO_RECORD = "no_record"  # logon items but no record
    TRUNCATED = "truncated"  # the request ended inside an item or the record
    BAD_LENGTH = "bad_length"  # an item's length byte is neither a desktop length nor digits
    BAD_RECORD_LENGTH = "bad_record_length"  # Leader/00-04 are not five digits of at least 5
    UNEXPECTED_BYTE = "unexpected_byte"  # a byte that starts no item
    TWO_RECORDS = "two_records"  # a second record in the same request
    TOO_LARGE = "too_large"  # more than max_bytes bytes


@frozen(kw_only=True)
class ExportRequest:
    """A complete request: the three logon items as sent (absent ones empty) and the record."""

    user: bytes  # U
    local_user: bytes  # A
    password: bytes  # P
    record: bytes  # exactly the bytes the record's length names
    ending: Ending

    def __repr__(self) -> str:  # never show the password, also not in a traceback or a log
        return (f"ExportRequest(user={self.user!r}, local_user={self.local_user!r}, "
                f"password=<{len(self.password)} bytes>, record=<{len(self.record)} bytes>, "
                f"ending={self.ending!s})")


@frozen(kw_only=True)
class HealthCheck:
    """``GET ...`` on the Connexion port: a load balancer asking whether the server is up."""

    request_line: bytes


@frozen(kw_only=True)
class BadRequest:
    """A request that cannot be served: the fault, what was seen, and the bytes received."""

    fault: Fault
    detail: str
    received: int


@frozen
class NeedData:
    """Nothing final yet: feed more bytes (or ``b""`` for the client's close)."""


NEED_DATA: Final = NeedData()

RequestEvent: TypeAlias = NeedData | ExportRequest | HealthCheck | BadRequest


class _Incomplete(Exception):
    """The buffer ends inside an item: more bytes are needed."""


class _Refused(Exception):
    def __init__(self, fault: Fault, detail: str) -> None:
        super().__init__(detail)
        self.fault = fault
        self.detail = detail


class RequestParser:
    """Reads one request from the bytes of one connection (see the module's theory).

    Parsing resumes where it stopped: each byte is looked at a bounded number of times, however
    the client splits its bytes (a record sent one byte per TCP segment costs no more).
    """

    def __init__(self, *, answer_at: AnswerAt = AnswerAt.RECORD,
                 max_bytes: int = MAX_REQUEST_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        self.answer_at = answer_at
        self.max_bytes = max_bytes
        self._buffer = bytearray()  # the request's bytes, up to (not including) its NUL
        self._ending: Ending | None = None  # NUL or CLOSE once the request's end has arrived
        self._received = 0  # every byte received, the ignored ones after NUL included
        self._final: ExportRequest | HealthCheck | BadRequest | None = None
        # Where parsing resumes, and what it has found so far.
        self._position = 0
        self._values = {"user": b"", "local_user": b"", "password": b""}
        self._record: bytes | None = None
        self._seen_item = False
        self._blank_from = 0  # where the next search for a health check's blank line starts

    @property
    def received(self) -> int:
        """Bytes received so far, those after the NUL included."""
        return self._received

    def receive_data(self, data: bytes) -> None:
        """Bytes from the client, in order; ``b""`` when the client has closed its side."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"receive_data takes bytes, not {type(data).__name__}")
        chunk = bytes(data)
        self._received += len(chunk)
        if self._ending is not None:
            return
        if not chunk:
            self._ending = Ending.CLOSE
            return
        end = chunk.find(_NUL)
        if end >= 0:
            self._buffer += chunk[:end]
            self._ending = Ending.NUL
        else:
            self._buffer += chunk

    def next_event(self) -> RequestEvent:
        """The request's final event once the bytes settle it, else ``NEED_DATA``."""
        if self._final is None:
            self._final = self._settle()
        return self._final if self._final is not None else NEED_DATA

    def _settle(self) -> ExportRequest | HealthCheck | BadRequest | None:
        buffer = self._buffer
        if len(buffer) > self.max_bytes:
            return self._bad(Fault.TOO_LARGE, f"more than {self.max_bytes} bytes")
        if buffer[:1] == _GET[:1]:
            if buffer.startswith(_GET):
                return self._health_check()
            if _GET.startswith(buffer) and self._ending is None:
                return None  # "G", "GE", "GET": wait for the rest
        try:
            return self._parse()
        except _Incomplete:
            if self._ending is None:
                return None
            return self._bad(Fault.TRUNCATED, f"the request ended after {len(buffer)} bytes, "
                             "inside an item or the record")
        except _Refused as refused:
            return self._bad(refused.fault, refused.detail)

    def _bad(self, fault: Fault, detail: str) -> BadRequest:
        return BadRequest(fault=fault, detail=detail, received=self._received)

    def _health_check(self) -> HealthCheck | None:
        """``GET `` up to a blank line (or the end of the request); None until then."""
        buffer = self._buffer
        start = max(0, self._blank_from - 2)
        self._blank_from = len(buffer)
        if any(buffer.find(blank, start) >= 0 for blank in _BLANK_LINES) or self._ending:
            return HealthCheck(request_line=bytes(buffer.split(b"\n", 1)[0].rstrip(b"\r")))
        return None

    def _parse(self) -> ExportRequest | None:
        """Items and the record from where parsing stopped; raises ``_Incomplete``/``_Refused``."""
        buffer = self._buffer
        while self._position < len(buffer):
            position = self._position
            byte = buffer[position]
            if byte == _SPACE:
                self._position += 1
                continue
            name = _ITEM_TAGS.get(byte)
            if name is not None:
                self._values[name], self._position = self._item(buffer, position)
                self._seen_item = True
                continue
            if _ZERO <= byte <= _NINE:
                if self._record is not None:
                    raise _Refused(Fault.TWO_RECORDS, f"a second record at byte {position}")
                self._record, self._position = self._record_at(buffer, position)
                if self.answer_at is AnswerAt.RECORD:
                    self._no_second_record(buffer, self._position)
                    return self._request(self._record, Ending.RECORD)
                continue
            raise _Refused(Fault.UNEXPECTED_BYTE,
                           f"byte 0x{byte:02X} at {position} starts no item and no record")
        if self._ending is None:
            return None
        if self._record is not None:
            return self._request(self._record, self._ending)
        if self._seen_item:
            raise _Refused(Fault.NO_RECORD, "logon items but no record")
        raise _Refused(Fault.EMPTY, "no record: the request was empty")

    def _request(self, record: bytes, ending: Ending) -> ExportRequest:
        values = self._values
        return ExportRequest(user=values["user"], local_user=values["local_user"],
                             password=values["password"], record=record, ending=ending)

    @staticmethod
    def _no_second_record(buffer: bytearray, position: int) -> None:
        """FOLIO refuses a request holding two records; here, one already received is seen."""
        while position < len(buffer) and buffer[position] == _SPACE:
            position += 1
        if position < len(buffer) and _ZERO <= buffer[position] <= _NINE:
            raise _Refused(Fault.TWO_RECORDS, f"a second record at byte {position}")

    @staticmethod
    def _item(buffer: bytearray, position: int) -> tuple[bytes, int]:
        """One U/A/P item at ``position`` (its tag): its value and the position after it."""
        at = position + 1
        if at >= len(buffer):
            raise _Incomplete
        lead = buffer[at]
        if lead >= _DESKTOP_BASE:
            # Desktop client: one byte, len = byte - 64; FOLIO takes bytes 128-255 as 64-191
            # (EDGCONX-7, ba60dcf), which is the same rule on unsigned bytes.
            length, at = lead - _DESKTOP_BASE, at + 1
        elif lead == _ZERO:
            # "P0": an empty value (FOLIO EDGCONX-11, 0ab3705: the browser client's empty
            # password); a decimal length therefore never starts with 0.
            length, at = 0, at + 1
        elif _ZERO < lead <= _NINE:
            # Browser client: decimal ASCII digits (Koha: "length is numeric, and thus comes
            # from the web client"); the run of digits is maximal, so a value cannot begin with
            # a digit (FOLIO: "a value may not start with a digit!!").
            end = at
            while end < len(buffer) and _ZERO <= buffer[end] <= _NINE:
                end += 1
            if end == len(buffer):
                raise _Incomplete
            length, at = int(buffer[at:end]), end
        else:
            raise _Refused(Fault.BAD_LENGTH, f"item {chr(buffer[position])} at byte {position}: "
                           f"length byte 0x{lead:02X} is neither a desktop length nor a digit")
        if at + length > len(buffer):
            raise _Incomplete
        return bytes(buffer[at:at + length]), at + length

    def _record_at(self, buffer: bytearray, position: int) -> tuple[bytes, int]:
        """The ISO 2709 record at ``position``: exactly the bytes Leader/00-04 name."""
        head = bytes(buffer[position:position + _RECORD_LENGTH_DIGITS])
        if not head.isdigit():
            raise _Refused(Fault.BAD_RECORD_LENGTH, f"record length {head!r} at byte "
                           f"{position} is not five digits")
        if len(head) < _RECORD_LENGTH_DIGITS:
            raise _Incomplete
        if int(head) < _RECORD_LENGTH_DIGITS:
            raise _Refused(Fault.BAD_RECORD_LENGTH, f"record length {head!r} at byte {position} "
                           f"is less than its own {_RECORD_LENGTH_DIGITS} digits")
        end = position + int(head)
        if end > self.max_bytes:
            raise _Refused(Fault.TOO_LARGE, f"the record's length {int(head)} at byte {position} "
                           f"makes the request more than {self.max_bytes} bytes")
        if end > len(buffer):
            raise _Incomplete
        return bytes(buffer[position:end]), end


#: The longest value one desktop length byte can announce (0xFF - 64).
_DESKTOP_MAX: Final = 0xFF - _DESKTOP_BASE


def _encode_item(tag: bytes, value: str, framing: Framing) -> bytes:
    data = value.encode("utf-8")
    match framing:
        case Framing.DESKTOP:
            if len(data) > _DESKTOP_MAX:
                raise InvalidRequestValue(tag.decode(), "too_long", f"{len(data)} bytes; a "
                                          f"desktop length byte carries at most {_DESKTOP_MAX}")
            return tag + bytes([_DESKTOP_BASE + len(data)]) + data
        case Framing.BROWSER:
            if data[:1].isdigit():
                raise InvalidRequestValue(tag.decode(), "starts_with_digit", "a value sent with "
                                          "a decimal length cannot start with a digit; use the "
                                          "desktop framing")
            return tag + (str(len(data)).encode("ascii") + data if data else b"0")
        case _:
            assert_never(framing)


def encode_request(record: bytes, *, logon_id: str, password: str,
                   framing: Framing = Framing.DESKTOP, logon_item: LogonItem = LogonItem.U,
                   nul: bool = True) -> bytes:
    """The bytes a Connexion client sends for one record: logon ID, password, record, NUL.

    The inverse of ``RequestParser``; ``InvalidRequestValue`` for a value the framing cannot
    carry (more than 191 bytes in desktop form, a leading digit in browser form).
    """
    return (_encode_item(logon_item.value.encode("ascii"), logon_id, framing)
            + _encode_item(b"P", password, framing) + record + (b"\x00" if nul else b""))
