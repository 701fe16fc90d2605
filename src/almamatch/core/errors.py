"""The errors almamatch raises for input it cannot accept.

Theory of operation: expected outcomes (a multi-match, a lock, an unreadable record in a file) are
values, never exceptions. Exceptions are kept for values a caller built wrongly: each concept has
one ``ValueError`` subclass that names the offending text and gives a ``reason`` code a program
can act on.
"""

from __future__ import annotations

__all__ = [
    "AlmamatchError",
    "InvalidBriefLevel",
    "InvalidEncodingLevel",
    "InvalidLock",
    "InvalidNormalization",
    "InvalidOclcNumber",
    "InvalidRecord",
    "InvalidTimestamp",
    "capped",
]


class AlmamatchError(ValueError):
    """Base of every error almamatch raises for bad input.

    ``text`` is the input as given, ``reason`` a short code (``"empty"``, ``"zero"``, ...).
    """

    def __init__(self, text: object, reason: str, detail: str = "") -> None:
        self.text = text
        self.reason = reason
        self.detail = detail
        message = f"{type(self).__name__}: {capped(repr(text))} ({reason})"
        if detail:
            message += f": {capped(detail)}"
        super().__init__(message)


class InvalidOclcNumber(AlmamatchError):
    """Text that is not an OCLC control number."""


class InvalidTimestamp(AlmamatchError):
    """Text that is not a MARC 005 ``yyyymmddhhmmss[.f]`` value."""


class InvalidEncodingLevel(AlmamatchError):
    """A Leader/17 value that is not one character."""


class InvalidBriefLevel(AlmamatchError):
    """A brief level outside Alma's 01-10 scale."""


class InvalidLock(AlmamatchError):
    """A lock whose holder or time cannot be used."""


class InvalidNormalization(AlmamatchError):
    """A normalization step built from values it cannot apply (a tag that is not text)."""


class InvalidRecord(AlmamatchError):
    """A bibliographic record that cannot be built (leader length, tag shape, indicators)."""


#: What a message quotes of the input: enough to find it, never the megabytes of a damaged
#: record (a parser's message may quote all of what it was given).
MAX_SHOWN_CHARACTERS = 300


def capped(text: str, limit: int = MAX_SHOWN_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"
