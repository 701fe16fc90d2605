"""Framing ISO 2709 records in a stream of bytes: the one rule the reader and the key scanner share.

Theory of operation: Leader/00-04 is the "Record length ... the length of the entire record,
including itself and the record terminator" (MARC 21 Leader), so a record frames when those five
characters are digits, the length is more than the 24-character leader, and the byte at that
length is the record terminator 0x1D. A record that frames is yielded as a span, an offset pair
into a buffer that the records of one chunk share (no copy); one that does not is an
``Unreadable`` (``bad_record_length``) and framing resynchronises: at the declared length when a
record frames there (only the terminator was lost), else at the first record that frames before
the next 0x1D (a truncated record followed by a whole one), else just after the next 0x1D, so the
next record still loads. Skipped bytes are dropped as they are read, so memory holds one chunk
and at most one record whatever the length of the damage, and the result never depends on where
the chunks are cut. ``marc.iso2709`` (the pymarc path) and ``marc.scan`` (the key scanner) both
frame here, so they count and place every record alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final, TypeAlias

from almamatch.marc.unreadable import Unreadable

__all__ = ["Span", "frame_records", "frame_spans"]

LEADER_LENGTH: Final = 24
RECORD_TERMINATOR: Final = 0x1D
_TERMINATOR_BYTES: Final = b"\x1d"
# Bytes some files put between records (line breaks, padding, a DOS end-of-file mark).
_BETWEEN_RECORDS: Final = frozenset(b" \t\r\n\x00\x1a")
# Where a record may start: Leader/00-04 digits, Leader/12-16 (base address) digits.
_RECORD_START: Final = re.compile(rb"(?=[0-9]{5}.{7}[0-9]{5})", re.DOTALL)
_START_LOOKAHEAD: Final = 17  # the bytes _RECORD_START reads from a candidate start

#: A framed record: (buffer, start, end, index, offset); the record is ``buffer[start:end]``,
#: ``index`` counts every record from 0, readable or not, ``offset`` is its first byte in the file.
Span: TypeAlias = tuple[bytes, int, int, int, int]


class _Window:
    """The stream's bytes from the position on: ``content[position:]`` is not yet consumed.

    ``content`` is immutable and replaced (never changed) when chunks arrive, so a span handed out
    stays valid; bytes before the position are dropped whenever a chunk is added.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.source = iter(chunks)
        self.content = b""
        self.start = 0  # stream offset of content[0]
        self.position = 0
        self.ended = False

    def extend(self, size: int) -> int:
        """Read until ``size`` bytes follow the position (or the stream ends); how many do."""
        have = len(self.content) - self.position
        if have >= size or self.ended:
            return have
        parts = [self.content[self.position :]]
        while have < size:
            chunk = next(self.source, None)
            if chunk is None:
                self.ended = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.start += self.position
        self.content = b"".join(parts)  # one copy however many chunks a record spans
        self.position = 0
        return have

    def move_to(self, offset: int) -> None:
        """Consume up to the stream offset ``offset``."""
        self.position = offset - self.start

    def skip_between_records(self) -> bool:
        """Step over separators; False when the stream has nothing more."""
        while True:
            content, position = self.content, self.position
            while position < len(content) and content[position] in _BETWEEN_RECORDS:
                position += 1
            self.position = position
            if position < len(content):
                return True
            # A run of separators of any length is never held whole.
            if self.extend(1) == 0:
                return False

    def frames_at(self, offset: int) -> int:
        """The length of the record that frames at stream ``offset`` (not consumed), else 0."""
        self.extend(offset - self.start - self.position + 5)
        at = offset - self.start
        head = self.content[at : at + 5]
        if len(head) < 5 or not head.isdigit():
            return 0
        length = int(head)
        if length <= LEADER_LENGTH:
            return 0
        self.extend(offset + length - self.start - self.position)
        end = offset - self.start + length
        if end <= len(self.content) and self.content[end - 1] == RECORD_TERMINATOR:
            return length
        return 0


def _lost_terminator(window: _Window, offset: int) -> str | None:
    """Step to the declared end when the next record frames there; what was seen, or None."""
    head = window.content[window.position : window.position + 5]
    if len(head) < 5 or not head.isdigit() or int(head) <= LEADER_LENGTH:
        return None
    end = offset + int(head)
    if not window.frames_at(end):
        return None
    last = window.content[end - window.start - 1]
    window.move_to(end)
    return f"the record terminator is {bytes([last])!r}; the next record starts after it"


def _skip_to_terminator(window: _Window, offset: int) -> str:
    """Step to the first record that frames before the next 0x1D, else past that 0x1D."""
    candidates = offset + 1  # stream offset of the first start not yet tried
    search = offset  # stream offset where the search for the next terminator goes on
    while True:
        content, base = window.content, window.start
        found = content.find(_TERMINATOR_BYTES, search - base)
        # Only starts whose 17 bytes lie before the terminator (or the end of what is read).
        limit = found + 1 if found >= 0 else len(content)
        for candidate in _RECORD_START.finditer(content, max(candidates - base, 0), limit):
            start = base + candidate.start()
            if window.frames_at(start):
                window.move_to(start)
                return f"skipped {start - offset} bytes to a record that frames"
        if found >= 0:
            window.move_to(base + found + 1)
            return f"skipped {base + found + 1 - offset} bytes to the next record terminator"
        read_to = base + len(content)
        # Damage of any length before the next terminator is dropped as it is read; the last
        # bytes stay, as a start among them has not been tried yet.
        candidates = max(candidates, read_to - _START_LOOKAHEAD + 1)
        search = read_to
        window.move_to(min(candidates, read_to))
        if window.start + len(window.content) <= read_to:  # nothing read past it yet
            held = len(window.content) - window.position
            if window.extend(held + 1) <= held:
                window.move_to(read_to)
                return f"skipped {read_to - offset} bytes to the end of the file"


def _unframed(window: _Window, offset: int, index: int) -> Unreadable:
    """The ``Unreadable`` for the record at ``offset``; consumes what resynchronising skips."""
    window.extend(5)
    head = window.content[window.position : window.position + 5]
    skipped = _lost_terminator(window, offset) or _skip_to_terminator(window, offset)
    detail = f"Leader/00-04 is {head!r}; {skipped}"
    return Unreadable(index=index, offset=offset, reason="bad_record_length", detail=detail)


def frame_spans(chunks: Iterable[bytes]) -> Iterator[Span | Unreadable]:
    """Every record in a stream of ISO 2709 bytes as a ``Span``, or ``Unreadable`` where it fails.

    The buffer of a span is shared by the records of one chunk, so a reader that only slices a
    few fields out of it never copies the record itself.
    """
    window = _Window(chunks)
    index = 0
    while True:
        content, position = window.content, window.position
        if position >= len(content) or content[position] in _BETWEEN_RECORDS:
            if not window.skip_between_records():
                return
            content, position = window.content, window.position
        # The common case, answered from the buffer at hand: a whole record is in it.
        head = content[position : position + 5]
        if len(head) == 5 and head.isdigit():
            end = position + int(head)
            if end <= len(content) and end - position > LEADER_LENGTH and (
                content[end - 1] == RECORD_TERMINATOR
            ):
                window.position = end
                yield content, position, end, index, window.start + position
                index += 1
                continue
        offset = window.start + position
        length = window.frames_at(offset)  # a record that runs into the next chunk
        if length:
            content, position = window.content, window.position
            window.position = position + length
            yield content, position, position + length, index, offset
        else:
            yield _unframed(window, offset, index)
        index += 1


def frame_records(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int, int] | Unreadable]:
    """Every framed record as (bytes, index, offset), or ``Unreadable`` where framing fails."""
    for framed in frame_spans(chunks):
        if isinstance(framed, Unreadable):
            yield framed
        else:
            content, start, end, index, offset = framed
            yield content[start:end], index, offset
