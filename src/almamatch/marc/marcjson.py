"""Reading MARC-in-JSON: one record object, a list of them, or one object per line.

Theory of operation: the format is the code4lib proposal that pymarc's ``as_json`` writes,
``{"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": " ", "ind2": "0", "subfields":
[{"a": "..."}]}}]}``. The text is decoded incrementally and each top-level value is read with
``json.JSONDecoder.raw_decode`` as soon as the buffer holds all of it, so a large file is never
loaded whole. Outside a list, a malformed value is reported and reading goes on at the next line;
inside a list there is no safe place to resume, so reading stops.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Final

from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib
from almamatch.marc.convert import bib_from_marc_json
from almamatch.marc.unreadable import Unreadable

__all__ = ["read_marc_json"]

_WHITESPACE: Final = " \t\r\n"
# A record is at most 99,999 bytes in ISO 2709; its JSON cannot reasonably pass this.
_MAX_PENDING: Final = 8 << 20


class _JsonText:
    """The decoded text with a read position, filled from the byte chunks on demand."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.position = 0
        self.dropped_bytes = 0  # bytes of the text already consumed and discarded
        self.ended = False

    def more(self) -> bool:
        if self.ended:
            return False
        chunk = next(self.chunks, None)
        self.ended = chunk is None
        self.text += self.decoder.decode(chunk or b"", final=self.ended)
        return True

    def skip_whitespace(self) -> str:
        """The next non-blank character ("" at the end), leaving the position on it."""
        while True:
            while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.text):
                return self.text[self.position]
            if not self.more():
                return ""

    def byte_offset(self) -> int:
        return self.dropped_bytes + len(self.text[: self.position].encode("utf-8", "surrogatepass"))

    def compact(self) -> None:
        self.dropped_bytes = self.byte_offset()
        self.text = self.text[self.position :]
        self.position = 0

    def skip_line(self) -> None:
        while (newline := self.text.find("\n", self.position)) < 0:
            self.position = len(self.text)
            if not self.more():
                return
        self.position = newline + 1


def _decode_value(source: _JsonText, decoder: json.JSONDecoder) -> object:
    """The JSON value at the position; reads more text until it is complete or cannot be."""
    while True:
        try:
            value, end = decoder.raw_decode(source.text, source.position)
        except json.JSONDecodeError:
            if len(source.text) - source.position > _MAX_PENDING or not source.more():
                raise
            continue
        source.position = end
        return value


def read_marc_json(chunks: Iterator[bytes]) -> Iterator[Bib | Unreadable]:
    """Every record in a MARC-in-JSON byte stream, as a ``Bib`` or an ``Unreadable``."""
    source = _JsonText(chunks)
    decoder = json.JSONDecoder()
    index = 0
    try:
        in_list = source.skip_whitespace() == "["
    except UnicodeDecodeError as error:
        yield Unreadable(index=0, offset=0, reason="json_error", detail=str(error))
        return
    if in_list:
        source.position += 1
    first = True
    while True:
        try:
            source.compact()
            upcoming = source.skip_whitespace()
            if in_list:
                if upcoming == "]":
                    return
                if not first:
                    if upcoming != ",":
                        raise json.JSONDecodeError(
                            "expected ',' or ']'", source.text, source.position
                        )
                    source.position += 1
                    source.skip_whitespace()
            elif upcoming == "":
                return
            offset = source.byte_offset()
            value = _decode_value(source, decoder)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            offset = source.byte_offset()
            yield Unreadable(index=index, offset=offset, reason="json_error", detail=str(error))
            index += 1
            if in_list or (source.ended and source.position >= len(source.text)):
                return
            source.skip_line()
            continue
        first = False
        try:
            yield bib_from_marc_json(value)
        except InvalidRecord as error:
            yield Unreadable(index=index, offset=offset, reason="invalid_record", detail=str(error))
        index += 1
