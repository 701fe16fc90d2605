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
    "InvalidMmsId",
    "InvalidNormalization",
    "InvalidOclcNumber",
    "InvalidProfile",
    "InvalidRecord",
    "InvalidTimestamp",
    "capped",
    "shown",
]

_SHOWN_LENGTH = 120


def shown(value: object) -> str:
    """``value`` as a person should read it in one line of an error or a report.

    Text and bytes are quoted with double quotes; a byte or character that does not print shows as
    ``\\xNN``; past 120 characters the rest is cut and counted. Never a Python repr:
    no ``b'...'``, no class names.
    """
    if isinstance(value, bytes | bytearray):
        text = "".join(chr(byte) if 32 <= byte < 127 else f"\\x{byte:02x}" for byte in value)
    elif isinstance(value, str):
        text = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in value)
    else:
        return _cut(str(value))
    return f'"{_cut(text)}"'


def _cut(text: str) -> str:
    """``text``, or its start and how much more there was when it is longer than a line."""
    return capped(text, _SHOWN_LENGTH)


class AlmamatchError(ValueError):
    """Base of every error almamatch raises for bad input.

    ``text`` is the input as given, ``reason`` a short code a program can act on (``"empty"``,
    ``"zero"``, ...), ``detail`` the explanation for a person. The message is for people: the
    input, shown quoted and cut short (``shown``), then the detail; no class name, no repr.
    """

    def __init__(self, text: object, reason: str, detail: str = "") -> None:
        self.text = text
        self.reason = reason
        self.detail = detail
        message = f"{shown(text)} ({reason})"
        super().__init__(f"{message}: {capped(detail)}" if detail else message)


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


class InvalidMmsId(AlmamatchError):
    """An MMS ID, or the sequence that makes new ones, that is not Alma's shape."""


class InvalidProfile(AlmamatchError):
    """An integration profile option that cannot be used (a guard order, a preset name)."""
