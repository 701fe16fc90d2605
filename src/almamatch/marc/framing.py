"""Framing ISO 2709 records in a stream of bytes: the one rule the reader and the key scanner share.

Theory of operation: Leader/00-04 is the "Record length ... the length of the entire record,
including itself and the record terminator" (MARC 21 Leader), so a record frames when those five
characters are digits, the length is more than the 24-character leader, and the byte at that
length is the record terminator 0x1D and the record's only one: the terminator ends a record, so
no record holds another's (a length overstated by exactly the next record's length would
otherwise swallow that record). A record that frames is yielded as a span, an offset pair into a
buffer that the records of one chunk share (no copy); one that does not is an ``Unreadable``
(``bad_record_length``) and framing resynchronises: at the declared length when a record frames
there and no 0x1D came before it (only the terminator was lost), else at the first record that
frames before the next 0x1D (a truncated record followed by a whole one), else just after the
next 0x1D, so the next record still loads. A record found while resynchronising must also look
like one (base address inside it, a directory of 12-byte entries ending in 0x1E), so a run of
digits before a record cannot frame a fake record that ends at the real one's terminator; and a
span that frames where reading stands but whose base address does not follow a 0x1E gives way to
such a record inside it, ending at the same terminator (digits at a record boundary).

Cost is linear and memory bounded: a record that frames at the next 0x1D starts at most 99,999
bytes before it, so only that window is searched, with numpy over the window rather than a
Python step per byte (digits cost what letters cost), and bytes further back are dropped as
they are read; memory holds one chunk and at most one record whatever the length of the
damage, and the result never depends on where the chunks are cut. ``marc.iso2709`` (the
pymarc path) and ``marc.scan`` (the key scanner) both frame here, so they count and place every
record alike. Where the compiled module ``almamatch._native.marcread`` is built and wanted, its
``usual_ends`` frames the common case (a whole record in the buffer at hand), many records a
call; any other record is framed here, and this path defines every answer.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from almamatch import _native
from almamatch.core.errors import shown
from almamatch.core.record import LEADER_LENGTH
from almamatch.marc.unreadable import Unreadable

__all__ = ["Run", "Span", "frame_positions", "frame_records", "frame_runs", "frame_spans"]

RECORD_TERMINATOR: Final = 0x1D
_TERMINATOR_BYTES: Final = b"\x1d"
# Bytes some files put between records (line breaks, padding, a DOS end-of-file mark).
_BETWEEN_RECORDS: Final = frozenset(b" \t\r\n\x00\x1a")
#: "Record length: five characters": no record is longer.
MAX_RECORD_LENGTH: Final = 99_999
_FIELD_TERMINATOR: Final = 0x1E
_DIRECTORY: Final = re.compile(rb"(?:[0-9A-Za-z]{3}[0-9]{9})*")
_ZERO: Final = ord("0")


def _compiled_ends() -> Callable[[bytes, int], list[int]]:
    """``almamatch._native.marcread.usual_ends`` (``_native.compiled``: where built and wanted)."""
    from almamatch._native.marcread import usual_ends  # noqa: PLC0415 (may not be built)

    return usual_ends


#: The compiled framing of records in the common case (``frame_spans``), picked once: where
#: each of the records that follow one another in a buffer ends, as long as each frames the
#: common way; None: Python alone. tests/test_native_marcread.py compares the two.
_usual_ends = _native.compiled(_compiled_ends)

#: A framed record: (buffer, start, end, index, offset); the record is ``buffer[start:end]``,
#: ``index`` counts every record from 0, readable or not, ``offset`` is its first byte in the file.
Span: TypeAlias = tuple[bytes, int, int, int, int]
#: Records framed one after another in one buffer: (buffer, start, ends, index, base); the first
#: record is ``buffer[start:ends[0]]``, each next one runs from the end of the one before it to
#: its own end, ``index`` is the first one's, and a record's offset in the file is ``base`` plus
#: its start in the buffer.
Run: TypeAlias = tuple[bytes, int, list[int], int, int]


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
        at = offset - self.start  # extend() may have moved the buffer
        end = at + length
        if _ends_at(self.content, at, end):
            return length
        return 0


def _ends_at(content: bytes, start: int, end: int) -> bool:
    """Whether ``content[start:end]`` ends with the record terminator and holds no other."""
    return (
        end <= len(content)
        and content[end - 1] == RECORD_TERMINATOR
        and content.find(_TERMINATOR_BYTES, start, end - 1) < 0
    )


def _lost_terminator(window: _Window, offset: int) -> str | None:
    """Step to the declared end when the next record frames there; what was seen, or None."""
    head = window.content[window.position : window.position + 5]
    if len(head) < 5 or not head.isdigit() or int(head) <= LEADER_LENGTH:
        return None
    end = offset + int(head)
    if not window.frames_at(end):
        return None
    at = offset - window.start
    if window.content.find(_TERMINATOR_BYTES, at, end - window.start) >= 0:
        return None  # a terminator inside: the length is wrong, not the terminator lost
    last = window.content[end - window.start - 1]
    window.move_to(end)
    return f"the record terminator is {shown(bytes([last]))}; the next record starts after it"


def _skip_to_terminator(window: _Window, offset: int) -> str:
    """Step to the first record that frames before the next 0x1D, else past that 0x1D."""
    search = offset  # stream offset where the search for the next terminator goes on
    while True:
        content, base = window.content, window.start
        found = content.find(_TERMINATOR_BYTES, search - base)
        if found >= 0:
            # A record that starts before this terminator ends at it, so it starts at most
            # MAX_RECORD_LENGTH bytes before it.
            first = max(offset + 1, base + found + 1 - MAX_RECORD_LENGTH)
            start = _start_ending_at(content, first - base, found + 1)
            if start is not None:
                window.move_to(base + start)
                return f"skipped {base + start - offset} bytes to a record that frames"
            window.move_to(base + found + 1)
            return f"skipped {base + found + 1 - offset} bytes to the next record terminator"
        read_to = base + len(content)
        search = read_to
        # Damage of any length before the next terminator is dropped as it is read; the last
        # bytes stay, as a record starting among them may end at a terminator not yet read.
        keep = max(offset + 1, read_to - MAX_RECORD_LENGTH + 1, base + window.position)
        window.move_to(min(keep, read_to))
        held = len(window.content) - window.position
        if window.extend(held + 1) <= held:
            window.move_to(read_to)
            return f"skipped {read_to - offset} bytes to the end of the file"


def _start_ending_at(content: bytes, first: int, end: int) -> int | None:
    """The first start in ``content[first:end]`` of a record that ends at ``end`` and looks
    like one (see ``_looks_like_record``), or None. One pass of numpy over the window."""
    last = end - LEADER_LENGTH - 1  # a record is longer than its leader
    if last < first:
        return None
    count = last - first + 1
    window = np.frombuffer(content, dtype=np.uint8, count=end - first, offset=first)
    values = window.astype(np.int32) - _ZERO
    digit = (values >= 0) & (values <= 9)
    length = np.zeros(count, dtype=np.int32)
    plausible = np.ones(count, dtype=bool)
    for place in range(5):  # Leader/00-04, the record length
        length = length * 10 + values[place : place + count]
        plausible &= digit[place : place + count]
    for place in range(12, 17):  # Leader/12-16, the base address
        plausible &= digit[place : place + count]
    plausible &= length == (end - first) - np.arange(count, dtype=np.int32)
    for hit in np.flatnonzero(plausible).tolist():
        if _looks_like_record(content, first + hit, end):
            return first + hit
    return None


def _base_after_terminator(content: bytes, start: int, end: int) -> bool:
    """The base address is digits, inside the record, just after a field terminator: what a
    record that frames where reading stands must show (its directory is checked when decoded)."""
    base_text = content[start + 12 : start + 17]
    if not (len(base_text) == 5 and base_text.isdigit()):
        return False
    base = int(base_text)
    return LEADER_LENGTH < base < end - start and content[start + base - 1] == _FIELD_TERMINATOR


def _looks_like_record(content: bytes, start: int, end: int) -> bool:
    """A base address inside the record, just after a directory of 12-byte entries (tag and
    nine digits) that ends with the field terminator."""
    if not _base_after_terminator(content, start, end):
        return False
    base = int(content[start + 12 : start + 17])
    return _DIRECTORY.fullmatch(content, start + LEADER_LENGTH, start + base - 1) is not None


def _unframed(window: _Window, offset: int, index: int) -> Unreadable:
    """The ``Unreadable`` for the record at ``offset``; consumes what resynchronising skips."""
    window.extend(5)
    head = window.content[window.position : window.position + 5]
    skipped = _lost_terminator(window, offset) or _skip_to_terminator(window, offset)
    detail = f"Leader/00-04 is {shown(head)}; {skipped}"
    return Unreadable(index=index, offset=offset, reason="bad_record_length", detail=detail)


def frame_spans(chunks: Iterable[bytes]) -> Iterator[Span | Unreadable]:
    """Every record in a stream of ISO 2709 bytes as a ``Span``, or ``Unreadable`` where it fails.

    The buffer of a span is shared by the records of one chunk, so a reader that only slices a
    few fields out of it never copies the record itself.
    """
    for framed in frame_runs(chunks):
        if isinstance(framed, Unreadable):
            yield framed
            continue
        content, position, ends, index, start = framed
        for end in ends:
            yield content, position, end, index, start + position
            index += 1
            position = end


def frame_runs(chunks: Iterable[bytes]) -> Iterator[Run | Unreadable]:
    """``frame_spans``, the records that follow one another in one buffer given together: each
    ``Run`` holds one record or more (the compiled framing's many a call), each ``Unreadable``
    one record that does not frame."""
    return _runs(_Window(chunks))


def frame_positions(content: bytes | mmap.mmap
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                               npt.NDArray[np.int64], list[Unreadable]]:
    """What ``frame_spans`` finds in the whole of ``content`` (a file's bytes, or its memory
    map: read where it lies, never copied), as columns: (index, offset, length) of each record
    that frames, in order (int64), and the ``Unreadable`` of each that does not. The runs of
    records that the compiled framing frames many at a time (``usual_ends``) are taken whole,
    with no step per record."""
    window = _Window(())
    # A memory map answers all that framing asks of the bytes (length, an octet, a slice,
    # ``find``, a buffer for numpy and ``re``), and nothing is joined to it: it is whole.
    window.content, window.ended = cast("bytes", content), True
    runs: list[tuple[int, int, list[int]]] = []
    indices: list[int] = []
    offsets: list[int] = []
    lengths: list[int] = []
    unframed: list[Unreadable] = []
    for framed in _runs(window):
        if isinstance(framed, Unreadable):
            unframed.append(framed)
            continue
        _, start, ends, index, base = framed
        if len(ends) == 1:  # one record (framed in Python, or a run of one)
            indices.append(index)
            offsets.append(base + start)
            lengths.append(ends[0] - start)
        else:
            runs.append((index, base + start, [base + end for end in ends]))
    columns = [(np.array(indices, dtype=np.int64), np.array(offsets, dtype=np.int64),
                np.array(lengths, dtype=np.int64))]
    for first, at, stream_ends in runs:  # stream offsets, the first record's at ``at``
        stops = np.array(stream_ends, dtype=np.int64)
        starts = np.empty(len(stops), dtype=np.int64)
        starts[0], starts[1:] = at, stops[:-1]
        columns.append((np.arange(first, first + len(stops), dtype=np.int64), starts,
                        stops - starts))
    found, where, size = (np.concatenate([column[part] for column in columns])
                          for part in range(3))
    order = np.argsort(found, kind="stable")
    return found[order], where[order], size[order], unframed


def _runs(window: _Window) -> Iterator[Run | Unreadable]:
    """``frame_runs`` over ``window``."""
    index = 0
    usual_ends = _usual_ends
    while True:
        content, position = window.content, window.position
        if usual_ends is not None:  # the compiled twin of the common case below, many at once
            ends = usual_ends(content, position)
            if ends:
                window.position = ends[-1]
                yield content, position, ends, index, window.start
                index += len(ends)
                continue
        if position >= len(content) or content[position] in _BETWEEN_RECORDS:
            if not window.skip_between_records():
                return
            content, position = window.content, window.position
        # The common case, answered from the buffer at hand: a whole record is in it.
        head = content[position : position + 5]
        if len(head) == 5 and head.isdigit():
            end = position + int(head)
            if end - position > LEADER_LENGTH and _ends_at(content, position, end):
                yield _framed(window, content, position, end, index)
                index += 1
                continue
        offset = window.start + position
        length = window.frames_at(offset)  # a record that runs into the next chunk
        if length:
            content, position = window.content, window.position
            yield _framed(window, content, position, position + length, index)
        else:
            yield _unframed(window, offset, index)
        index += 1


def _framed(window: _Window, content: bytes, start: int, end: int, index: int) -> Run | Unreadable:
    """The record framed at ``content[start:end]``, consumed; or, when it does not look like a
    record but one that does starts inside it and ends at the same terminator (digits before a
    record can spell a length that reaches the record's end), the bytes before that one."""
    offset = window.start + start
    inner = None if _base_after_terminator(content, start, end) else (
        _start_ending_at(content, start + 1, end)
    )
    if inner is None:
        window.position = end
        return content, start, [end], index, window.start
    window.position = inner
    detail = (f"Leader/00-04 is {content[start : start + 5]!r}, but a record that frames starts "
              f"{inner - start} bytes in and ends at the same terminator; skipped to it")
    return Unreadable(index=index, offset=offset, reason="bad_record_length", detail=detail)


def frame_records(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int, int] | Unreadable]:
    """Every framed record as (bytes, index, offset), or ``Unreadable`` where framing fails."""
    for framed in frame_spans(chunks):
        if isinstance(framed, Unreadable):
            yield framed
        else:
            content, start, end, index, offset = framed
            yield content[start:end], index, offset
