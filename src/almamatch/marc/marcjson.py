"""Reading MARC-in-JSON: one record object, a list of them, or one object per line.

Theory of operation: the format is the code4lib proposal that pymarc's ``as_json`` writes,
``{"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": " ", "ind2": "0", "subfields":
[{"a": "..."}]}}]}``. The text is decoded incrementally and each top-level value is read with
``json.JSONDecoder.raw_decode`` as soon as the buffer holds all of it, so a large file is never
loaded whole. Outside a list, a malformed value is reported and reading goes on at the next line;
inside a list there is no safe place to resume, so reading stops. A value whose text passes
``MAX_JSON_TEXT`` characters, or a record past ``MAX_RECORD_FIELDS`` fields, is
``record_too_large``; the text skipped while resynchronising is dropped as it is read, so memory
holds at most one capped value.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Final

from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib
from almamatch.marc.convert import bib_from_marc_json
from almamatch.marc.unreadable import MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS, Unreadable

__all__ = ["read_marc_json"]

_WHITESPACE: Final = " \t\r\n"
# A record's characters, each escaped as "\uXXXX" at worst, plus its JSON punctuation.
MAX_JSON_TEXT: Final = 8 * MAX_RECORD_CHARACTERS


class _TooLarge(Exception):
    """The value at the position passes ``MAX_JSON_TEXT`` characters before it ends."""


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
            self.compact()  # all of it was blank: keep none of it
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
            self.compact()  # a damaged line of any length is dropped as it is read
            if not self.more():
                return
        self.position = newline + 1


def _decode_value(source: _JsonText, decoder: json.JSONDecoder) -> object:
    """The JSON value at the position; reads more text until it is complete or cannot be."""
    while True:
        try:
            value, end = decoder.raw_decode(source.text, source.position)
        except RecursionError:
            # json nests by recursion: "[[[[..." deeper than the interpreter allows is no record.
            raise json.JSONDecodeError(
                "nested deeper than the JSON decoder allows", source.text, source.position
            ) from None
        except json.JSONDecodeError:
            if len(source.text) - source.position > MAX_JSON_TEXT:
                raise _TooLarge from None
            if not source.more():
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
        except (json.JSONDecodeError, UnicodeDecodeError, _TooLarge) as error:
            offset = source.byte_offset()
            if isinstance(error, _TooLarge):
                reason, detail = "record_too_large", f"more than {MAX_JSON_TEXT:,} characters"
            else:
                reason, detail = "json_error", str(error)
            yield Unreadable(index=index, offset=offset, reason=reason, detail=detail)
            index += 1
            if in_list or (source.ended and source.position >= len(source.text)):
                return
            source.skip_line()
            continue
        first = False
        fields = value.get("fields") if isinstance(value, dict) else None
        if isinstance(fields, list) and len(fields) > MAX_RECORD_FIELDS:
            detail = f"{len(fields):,} fields, more than {MAX_RECORD_FIELDS:,}"
            yield Unreadable(index=index, offset=offset, reason="record_too_large", detail=detail)
            index += 1
            continue
        try:
            yield bib_from_marc_json(value)
        except InvalidRecord as error:
            yield Unreadable(index=index, offset=offset, reason="invalid_record", detail=str(error))
        index += 1
