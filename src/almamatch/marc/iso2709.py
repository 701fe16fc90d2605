"""Reading ISO 2709 (MARC transmission format) files record by record, never stopping early.

Theory of operation: framing and decoding are two steps. Framing takes Leader/00-04, "Record
length ... the length of the entire record, including itself and the record terminator" (MARC 21
Leader), and accepts the record when the byte at that length is the record terminator 0x1D; when
it is not, the record is ``Unreadable`` (``bad_record_length``) and reading resynchronises: at
the declared length when a record frames there (only the terminator was lost), else at the first
record that frames before the next 0x1D (a truncated record followed by a whole one), else just
after the next 0x1D, so the next record still loads. Decoding first checks what pymarc would
either fail on or quietly repair (leader, base address, directory entries, field terminators,
exactly two indicators, ASCII subfield codes), then lets pymarc decode the characters: UTF-8 when
Leader/09 is ``a`` (invalid bytes kept as lone surrogates U+DC80..U+DCFF), MARC-8 otherwise.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Final

import pymarc

from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib
from almamatch.marc.convert import (
    FIELD_TERMINATOR,
    RECORD_TERMINATOR,
    SUBFIELD_DELIMITER,
    bib_from_pymarc,
)
from almamatch.marc.unreadable import Unreadable

__all__ = ["RecordFault", "decode_record", "read_iso2709"]

LEADER_LENGTH: Final = 24
DIRECTORY_ENTRY_LENGTH: Final = 12
# Bytes some files put between records (line breaks, padding, a DOS end-of-file mark).
_BETWEEN_RECORDS: Final = frozenset(b" \t\r\n\x00\x1a")
_COMPACT_AFTER: Final = 1 << 20
# Where a record may start: Leader/00-04 digits, Leader/12-16 (base address) digits.
_RECORD_START: Final = re.compile(rb"(?=[0-9]{5}.{7}[0-9]{5})", re.DOTALL)


class RecordFault(Exception):
    """Why one framed record cannot become a ``Bib``: a reason code and what was seen."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _check_structure(record: bytes) -> str:
    """Check leader, directory, field terminators, indicators and subfield codes; the leader."""
    try:
        leader = record[:LEADER_LENGTH].decode("ascii")
    except UnicodeDecodeError:
        raise RecordFault("bad_leader", f"leader is not ASCII: {record[:24]!r}") from None
    if len(record) < LEADER_LENGTH + 2:
        raise RecordFault("bad_leader", f"record of {len(record)} bytes has no room for a leader")
    base_text = leader[12:17]
    if not base_text.isdigit() or not base_text.isascii():
        raise RecordFault("bad_leader", f"base address Leader/12-16 is {base_text!r}")
    base = int(base_text)
    if not LEADER_LENGTH < base < len(record):
        raise RecordFault("bad_leader", f"base address {base} outside a {len(record)}-byte record")
    if record[base - 1] != FIELD_TERMINATOR:
        raise RecordFault("bad_directory", "the directory does not end with a field terminator")
    directory = record[LEADER_LENGTH : base - 1]
    if len(directory) % DIRECTORY_ENTRY_LENGTH:
        raise RecordFault(
            "bad_directory", f"directory of {len(directory)} bytes is not 12-byte entries"
        )
    data_end = len(record) - 1  # the record terminator is not field data
    for start in range(0, len(directory), DIRECTORY_ENTRY_LENGTH):
        entry = directory[start : start + DIRECTORY_ENTRY_LENGTH]
        tag, length_text, offset_text = entry[:3], entry[3:7], entry[7:12]
        numbers = length_text + offset_text
        if not (tag.isascii() and tag.isalnum() and numbers.isdigit()):
            raise RecordFault("bad_directory", f"directory entry {entry!r}")
        first = base + int(offset_text)
        last = first + int(length_text)  # one past the field terminator
        if int(length_text) == 0 or last > data_end:
            raise RecordFault("bad_directory", f"entry {entry!r} points outside the record")
        if record[last - 1] != FIELD_TERMINATOR:
            raise RecordFault("missing_field_terminator", f"field {tag.decode()} at {first - base}")
        if tag.isdigit() and tag < b"010":
            continue
        content = record[first : last - 1]
        indicators, _, rest = content.partition(bytes([SUBFIELD_DELIMITER]))
        if len(indicators) != 2 or not indicators.isascii():
            raise RecordFault("bad_indicators", f"field {tag.decode()} starts {indicators[:8]!r}")
        for chunk in rest.split(bytes([SUBFIELD_DELIMITER])):
            if chunk and chunk[0] >= 0x80:
                raise RecordFault("bad_subfield_code", f"field {tag.decode()} code {chunk[:1]!r}")
    return leader


def _pymarc_record(record: bytes, *, to_unicode: bool, utf8: bool) -> pymarc.Record:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return pymarc.Record(
            record,
            to_unicode=to_unicode,
            force_utf8=utf8,
            hide_utf8_warnings=True,
            utf8_handling="surrogateescape",
        )


def decode_record(record: bytes) -> Bib:
    """One framed ISO 2709 record to a ``Bib``; ``RecordFault`` says why it cannot be."""
    leader = _check_structure(record)
    utf8 = leader[9] == "a"
    try:
        try:
            parsed = _pymarc_record(record, to_unicode=True, utf8=utf8)
        except UnicodeDecodeError:
            if not utf8:
                raise
            # pymarc decodes control fields strictly even with utf8_handling; read that record
            # raw and let bib_from_pymarc keep its invalid bytes as lone surrogates.
            parsed = _pymarc_record(record, to_unicode=False, utf8=utf8)
    except pymarc.exceptions.NoFieldsFound:
        raise RecordFault("no_fields", "the directory lists no fields") from None
    except UnicodeDecodeError as error:
        raise RecordFault("bad_encoding", f"Leader/09 {leader[9]!r}: {error}") from None
    except (pymarc.exceptions.PymarcException, ValueError, Warning) as error:
        raise RecordFault("invalid_record", f"pymarc: {error!r}") from None
    try:
        return bib_from_pymarc(parsed)
    except InvalidRecord as error:
        raise RecordFault("invalid_record", str(error)) from None


class _ByteBuffer:
    """The bytes of the stream not yet consumed, filled from the chunks on demand."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.data = bytearray()
        self.start = 0  # file offset of data[0]
        self.position = 0
        self.ended = False

    def more(self) -> bool:
        if self.ended:
            return False
        chunk = next(self.chunks, None)
        if chunk is None:
            self.ended = True
            return False
        self.data.extend(chunk)
        return True

    def available(self, count: int) -> int:
        """Read until ``count`` bytes follow the position (or the stream ends); how many do."""
        while len(self.data) - self.position < count and self.more():
            pass
        return len(self.data) - self.position

    def drop_consumed(self) -> None:
        """Forget the bytes before the position, so memory holds one record and one chunk."""
        del self.data[: self.position]
        self.start += self.position
        self.position = 0

    def skip_between_records(self) -> bool:
        """Step over separators; False when the stream has nothing more."""
        if self.position > _COMPACT_AFTER:
            self.drop_consumed()
        while True:
            while self.position < len(self.data) and self.data[self.position] in _BETWEEN_RECORDS:
                self.position += 1
            if self.position < len(self.data):
                return True
            self.drop_consumed()  # a run of separators of any length is never held whole
            if not self.more():
                return False

    def take_framed(self) -> bytes | None:
        """The record Leader/00-04 frames, if its last byte is the record terminator."""
        head = bytes(self.data[self.position : self.position + 5])
        if len(head) < 5 or not head.isdigit():
            return None
        length = int(head)
        if length <= LEADER_LENGTH or self.available(length) < length:
            return None
        end = self.position + length
        if self.data[end - 1] != RECORD_TERMINATOR:
            return None
        self.position = end
        return bytes(self.data[end - length : end])

    def frames_at(self, position: int) -> bool:
        """Whether a record that Leader/00-04 frames starts at ``position``."""
        self.available(position - self.position + 5)
        head = bytes(self.data[position : position + 5])
        if len(head) < 5 or not head.isdigit() or int(head) <= LEADER_LENGTH:
            return False
        end = position + int(head)
        return self.available(end - self.position) >= end - self.position and (
            self.data[end - 1] == RECORD_TERMINATOR
        )

    def skip_lost_terminator(self) -> str | None:
        """Step to the declared end when the next record frames there; what was seen, or None."""
        head = bytes(self.data[self.position : self.position + 5])
        if len(head) < 5 or not head.isdigit() or int(head) <= LEADER_LENGTH:
            return None
        end = self.position + int(head)
        if self.available(int(head) + 5) < int(head) + 5 or not self.frames_at(end):
            return None
        last = self.data[end - 1]
        self.position = end
        return f"the record terminator is {bytes([last])!r}; the next record starts after it"

    def skip_to_terminator(self) -> str:
        """Step past the next record terminator (or to the end); say how far that was."""
        begin = self.start + self.position
        while (found := self.data.find(RECORD_TERMINATOR, self.position)) < 0:
            # Damage of any length before the next terminator is dropped as it is read.
            self.position = len(self.data)
            self.drop_consumed()
            if not self.more():
                break
        stop = found + 1 if found >= 0 else len(self.data)
        ending = "the next record terminator" if found >= 0 else "the end of the file"
        # A copy: framing a candidate may read more chunks into (and so resize) the buffer.
        first = self.position + 1
        for candidate in _RECORD_START.finditer(bytes(self.data[first:stop])):
            if self.frames_at(first + candidate.start()):
                stop, ending = first + candidate.start(), "a record that frames"
                break
        skipped = self.start + stop - begin
        self.position = stop
        return f"skipped {skipped} bytes to {ending}"


def read_iso2709(chunks: Iterator[bytes]) -> Iterator[Bib | Unreadable]:
    """Every record in a stream of ISO 2709 bytes, as a ``Bib`` or an ``Unreadable``."""
    source = _ByteBuffer(chunks)
    index = 0
    while source.skip_between_records():
        source.available(5)
        offset = source.start + source.position
        head = bytes(source.data[source.position : source.position + 5])
        record = source.take_framed()
        if record is None:
            skipped = source.skip_lost_terminator() or source.skip_to_terminator()
            detail = f"Leader/00-04 is {head!r}; {skipped}"
            yield Unreadable(index=index, offset=offset, reason="bad_record_length", detail=detail)
        else:
            try:
                yield decode_record(record)
            except RecordFault as fault:
                yield Unreadable(
                    index=index, offset=offset, reason=fault.reason, detail=fault.detail
                )
        index += 1
