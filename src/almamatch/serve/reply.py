"""What the Connexion port answers: text the cataloger reads, then the end the client waits for.

Theory of operation: every reply is one text and one ending. A decided export answers with the
decision's ``host_message`` (``core.decision``: the text Connexion shows, success with the MMS
ID, the reason of a refusal, the logon failure text), never a second wording of it. What Alma's
own receiver sends is not published (``../shared/reference/connexion-protocol.md`` section 7):
the open receivers end the text with NUL (Koha: ``printf $_[0] . "\\0"``) or with a newline and
NUL (FOLIO: ``"Import ok\\n\\0"``), so the ending is an option (``ReplyEnd``), NUL by default.
Requests that never reach ``decide()`` (bad framing, an unreadable record, a limit) are answered
with an ``Import Failed:`` line that says why, as the cataloger's status window would show it;
a health check gets FOLIO's ``HTTP/1.0 200 OK``.
"""

from __future__ import annotations

import enum
from typing import Final

from almamatch.core.decision import Decision
from almamatch.serve.request import BadRequest

__all__ = [
    "HEALTH_REPLY",
    "ReplyEnd",
    "busy_text",
    "decision_text",
    "encode_reply",
    "refusal_text",
    "timeout_text",
    "unreadable_text",
]

#: FOLIO edge-connexion's answer to ``GET `` on the Connexion port (MainVerticle.java).
HEALTH_REPLY: Final = b"HTTP/1.0 200 OK\r\n\r\n"

_IMPORT_FAILED: Final = "Import Failed"


class ReplyEnd(enum.StrEnum):
    """How a reply's text ends."""

    NUL = "nul"  # text, NUL (Koha)
    NEWLINE_NUL = "newline-nul"  # text, LF, NUL (FOLIO)


def encode_reply(text: str, end: ReplyEnd = ReplyEnd.NUL) -> bytes:
    """The reply's bytes: the text in UTF-8, then the ending; a NUL inside the text is dropped."""
    body = text.replace("\x00", "").encode("utf-8")
    match end:
        case ReplyEnd.NUL:
            return body + b"\x00"
        case ReplyEnd.NEWLINE_NUL:
            return body + b"\n\x00"


def decision_text(decision: Decision) -> str:
    """The host message of a decided export, as ``core.decision`` words it."""
    return decision.host_message


def refusal_text(bad: BadRequest) -> str:
    """A request that framing refused (``serve.request.Fault``)."""
    return f"{_IMPORT_FAILED}: bad request ({bad.fault.value}): {bad.detail}"


def unreadable_text(reason: str, detail: str) -> str:
    """A request whose record is not a readable ISO 2709 record."""
    return f"{_IMPORT_FAILED}: the record cannot be read ({reason}: {detail})"


def timeout_text(seconds: float) -> str:
    """A connection that sent no complete request in time."""
    return f"{_IMPORT_FAILED}: no complete request within {seconds:g} s"


def busy_text(open_connections: int) -> str:
    """A connection over the cap: refused before reading, so the client retries later."""
    return (f"{_IMPORT_FAILED}: the server is busy ({open_connections} connections open); "
            "try again")
