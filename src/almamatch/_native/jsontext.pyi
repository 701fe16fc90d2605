"""Type stub of the compiled ``almamatch._native.jsontext`` (``jsontext.pyx``)."""

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
    def text(self, bib: Bib) -> str | None:
        """The JSON text of ``bib``, or None for a record of any unusual shape."""
