"""The request log: one line per connection, for people (text) or programs (JSON lines).

Theory of operation: the server builds one ``RequestLine`` per connection when it has answered
(or refused) it, and ``RequestLog`` writes it as one line and flushes, so a log being read while
the server runs is whole up to its last line. A line says when, which zone, who (peer address
and logon ID), which OCLC numbers, the outcome (a decision's code, or one of ``OUTCOMES`` for a
request that was not decided; a JSON line also holds the decision itself, in the codec's shape),
the MMS ID, how long the answer took, and ``seq``: the zone's
decision number, the order in which that zone decided (its arrival order), and a short hash of the
record's bytes, so that a client's own list of what it sent can be matched to the log without
logging records. The password is never
logged: no field holds it, and ``ExportRequest`` hides it even in its repr.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from typing import IO, Any, Final

from attrs import asdict, frozen

from almamatch.codec import to_jsonable
from almamatch.core.decision import Decision

__all__ = ["OUTCOMES", "RequestLine", "RequestLog", "record_digest"]

#: Outcomes of requests that were not decided (a decided request logs its decision's code).
OUTCOMES: Final = {
    "UNREADABLE": "the record is not readable ISO 2709",
    "BAD_REQUEST": "framing refused the request (see fault)",
    "TIMEOUT": "no complete request within the idle timeout",
    "BUSY": "refused: the connection cap was reached",
    "HEALTH_CHECK": "GET on the Connexion port, answered HTTP 200",
    "STORE_FAILED": "the zone's store could not commit: no reply, so the client retries",
    "STOPPED": "the server stopped before the request was whole: closed without a reply",
}


def record_digest(record: bytes) -> str:
    """The log's name for a record: the first 16 hex digits of the SHA-256 of its bytes."""
    return hashlib.sha256(record).hexdigest()[:16]


@frozen(kw_only=True)
class RequestLine:
    """One connection, answered."""

    time: datetime  # when the answer was written (UTC)
    zone: str  # the zone's institution code
    peer: str  # the client's address, host:port
    outcome: str  # a decision's code, or a key of OUTCOMES
    logon_id: str | None = None
    oclc_numbers: tuple[str, ...] = ()
    mms_id: str | None = None
    ms: float = 0.0  # from the first byte (or the connection) to the reply written
    seq: int | None = None  # the zone's decision number (decided requests only)
    record_sha256: str | None = None  # the record's bytes, hashed (first 16 hex digits)
    fault: str | None = None  # BAD_REQUEST's fault code, UNREADABLE's reason
    detail: str | None = None
    delivered: bool = True  # False when the client was gone before the reply was written
    # The decision itself (decided requests only): in JSON lines, written in the codec's one
    # shape under "decision", so that ``decision_from_json`` reads it back; text lines omit it.
    decision: Decision | None = None

    def as_json(self) -> dict[str, Any]:
        document = asdict(self, recurse=False)
        document["time"] = self.time.isoformat(timespec="milliseconds")
        document["decision"] = None if self.decision is None else to_jsonable(self.decision)
        document["oclc_numbers"] = list(self.oclc_numbers)
        document["ms"] = round(self.ms, 3)
        return {key: value for key, value in document.items() if value is not None}

    def as_text(self) -> str:
        parts = [self.time.isoformat(timespec="milliseconds"), self.zone, self.peer,
                 self.outcome]
        if self.mms_id is not None:
            parts.append(f"mms_id={self.mms_id}")
        if self.logon_id is not None:
            parts.append(f"logon={self.logon_id}")
        if self.oclc_numbers:
            parts.append("oclc=" + ",".join(self.oclc_numbers))
        if self.seq is not None:
            parts.append(f"seq={self.seq}")
        if self.fault is not None:
            parts.append(f"fault={self.fault}")
        parts.append(f"{self.ms:.1f}ms")
        if not self.delivered:
            parts.append("reply-not-delivered")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)


class RequestLog:
    """Writes request lines to a text stream, one per line, flushed; safe from any thread."""

    def __init__(self, stream: IO[str], *, as_json: bool = False) -> None:
        self.stream = stream
        self.as_json = as_json
        self._lock = threading.Lock()

    def write(self, line: RequestLine) -> None:
        text = (json.dumps(line.as_json(), ensure_ascii=False, separators=(",", ":"))
                if self.as_json else line.as_text())
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()
