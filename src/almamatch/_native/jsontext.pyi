"""Type stub of the compiled ``almamatch._native.jsontext`` (``jsontext.pyx``)."""

from collections.abc import Callable
from typing import Any

from almamatch.core.record import Bib

class RecordText:
    """Writes a record's JSON text from the texts a ``codec.JsonWriter`` derives."""

    def __init__(
        self,
        *,
        slots: tuple[Any, Any, Any, Any, Any, Any, Any, Any],
        ensure_ascii: bool,
        escapes: tuple[str, ...],
        quote: str,
        opening: str,
        middle: str,
        close: str,
        field_next: str,
        control_end: str,
        subfield_next: str,
        data_end: str,
        controls: dict[str, str],
        heads: dict[tuple[str, str, str], str],
        codes: dict[str, str],
    ) -> None: ...
    def string(self, text: str) -> str | None:
        """``text`` as the string encoder writes it, or None for anything but a ``str``."""
    def text(self, bib: Bib) -> str | None:
        """The JSON text of ``bib``, or None for a record of any unusual shape."""

class RecurringText:
    """Writes a tuple of values that recur as the same objects (a trace's steps)."""

    def __init__(
        self,
        *,
        strings: RecordText,
        cls: type[Any],
        members: tuple[tuple[str, Any, dict[Any, str] | None], ...],
        value_open: str,
        value_close: str,
        opening: str,
        separator: str,
        closing: str,
        write: Callable[[Any], str],
    ) -> None: ...
    def text(self, values: tuple[Any, ...]) -> str | None:
        """The JSON text of the tuple ``values``, or None for anything but a tuple."""

class PlaceText:
    """Writes the members of a decided record's place (its index and OCLC numbers)."""

    def __init__(
        self,
        *,
        slots: tuple[Any, Any, Any, Any, Any],
        before_index: str,
        before_active: str,
        before_cancelled: str,
        closing: str,
        opening: str,
        separator: str,
        list_close: str,
        quote: str,
    ) -> None: ...
    def text(self, index: int, bib: Bib) -> str | None:
        """The place's members as JSON text, or None for a record the Python path writes."""

class LineText:
    """Writes the line of a decision of one class as UTF-8 bytes (``JsonWriter.
    members_after_parts`` joined, a newline after them, encoded), at once."""

    def __init__(
        self,
        *,
        strings: RecordText,
        cls: type[Any],
        texts: tuple[str, ...],
        members: tuple[tuple[Any, bool, int, Any, Callable[[Any], str]], ...],
        null: str,
    ) -> None: ...
    def line(self, before: str, value: Any) -> bytes | None:
        """The line's bytes, or None for a line the caller writes in Python."""

class LinesText:
    """Writes each decided record's line as UTF-8 bytes in one call: its place's text, then
    the line of its decision's class (a ``LineText`` made by ``make`` on first need)."""

    def __init__(
        self,
        *,
        place: Callable[[int, Any], str | None],
        make: Callable[[type[Any]], LineText | None],
    ) -> None: ...
    def line(self, index: int, item: Any, decision: Any) -> bytes | None:
        """The line's bytes, or None for a line the caller writes in Python."""

def utf8_line(text: str) -> bytes | None:
    """``(text + "\\n").encode("utf-8")`` for a text with no surrogate, else None."""

def utf8_join(parts: tuple[str, ...]) -> bytes | None:
    """``("".join(parts) + "\\n").encode("utf-8")`` for parts with no surrogate, else None."""
