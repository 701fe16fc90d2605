"""Reading MARC-in-JSON: one record object, a list of them, or one object per line.

Theory of operation: the format is the code4lib proposal that pymarc's ``as_json`` writes,
``{"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": " ", "ind2": "0", "subfields":
[{"a": "..."}]}}]}``. The text is decoded incrementally and each top-level value is read with
``json.JSONDecoder.raw_decode`` as soon as the buffer holds all of it, so a large file is never
loaded whole. Top-level values follow one another: objects, lists of objects, or both, so files
joined end to end (``cat a.json b.json``) read as one, every record of each. A malformed value
is reported and reading goes on at the next line, inside a list as outside one (a list written
one record per line, as pymarc and most tools write it, resumes at the next record); a list that
the file ends inside loses nothing and is not reported. A value whose text passes
``MAX_JSON_TEXT`` characters, or a record past ``MAX_RECORD_FIELDS`` fields, is
``record_too_large``; the text skipped while resynchronising is dropped as it is read, so memory
holds at most one capped value. A value not yet complete is retried only after the text after it
has doubled, so a large record costs a few parses, never one per chunk (linear time). Numbers,
which no MARC-in-JSON record holds, are read as floats: ``int()`` of more than 4,300 digits
raises, and a number of any length makes only its record unreadable.
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
        # Bytes that are not UTF-8 are kept as lone surrogates U+DC80..U+DCFF, as the ISO 2709
        # reader keeps them: the record loads and decide() refuses its conversion to MARCXML;
        # decoding never raises, wherever the bad bytes fall (a torn last character included).
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogateescape")
        self.text = ""
        self.position = 0
        self.dropped_bytes = 0  # bytes of the text already consumed and discarded
        self.ended = False

    def more(self, size: int = 1) -> bool:
        """Add at least ``size`` characters of text (fewer at the end); False when ended."""
        if self.ended:
            return False
        parts = [self.text]
        added = 0
        while added < size:
            chunk = next(self.chunks, None)
            self.ended = chunk is None
            part = self.decoder.decode(chunk or b"", final=self.ended)
            parts.append(part)
            added += len(part)
            if self.ended:
                break
        self.text = "".join(parts)  # one copy however many chunks were added
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
        consumed = self.text[: self.position].encode("utf-8", "surrogateescape")
        return self.dropped_bytes + len(consumed)

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
            held = len(source.text) - source.position
            if held > MAX_JSON_TEXT:
                raise _TooLarge from None
            # Double what is held before parsing again: a value of n characters costs O(n).
            if not source.more(max(held, 1)):
                raise
            continue
        source.position = end
        return value


def read_marc_json(chunks: Iterator[bytes]) -> Iterator[Bib | Unreadable]:
    """Every record in a MARC-in-JSON byte stream, as a ``Bib`` or an ``Unreadable``."""
    source = _JsonText(chunks)
    decoder = json.JSONDecoder(parse_int=float)
    index = 0
    in_list = False
    first = True
    while True:
        try:
            source.compact()
            upcoming = source.skip_whitespace()
            if not in_list and upcoming == "[":
                source.position += 1  # a list of records: each one a value of its own
                in_list, first = True, True
                continue
            if in_list:
                if upcoming == "":
                    return  # a list cut after a whole value: no record is lost
                if upcoming == "]":
                    source.position += 1  # more values may follow: read them too
                    in_list = False
                    continue
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
        except (json.JSONDecodeError, _TooLarge) as error:
            offset = source.byte_offset()
            if isinstance(error, _TooLarge):
                reason, detail = "record_too_large", f"more than {MAX_JSON_TEXT:,} characters"
            else:
                reason, detail = "json_error", str(error)
            yield Unreadable(index=index, offset=offset, reason=reason, detail=detail)
            index += 1
            if source.ended and source.position >= len(source.text):
                return
            source.skip_line()
            first = True  # the value on the next line needs no comma before it
            continue
        first = False
        yield _record(value, index, offset)
        index += 1


def _record(value: object, index: int, offset: int) -> Bib | Unreadable:
    """The record one decoded value holds, or why it holds none."""
    fields = value.get("fields") if isinstance(value, dict) else None
    if isinstance(fields, list) and len(fields) > MAX_RECORD_FIELDS:
        detail = f"{len(fields):,} fields, more than {MAX_RECORD_FIELDS:,}"
        return Unreadable(index=index, offset=offset, reason="record_too_large", detail=detail)
    try:
        return bib_from_marc_json(value)
    except InvalidRecord as error:
        return Unreadable(index=index, offset=offset, reason="invalid_record", detail=str(error))
