"""One framing for the reader and the key scanner: they count and place every record alike.

``marc.framing`` is checked against a plain whole-bytes statement of its rules (``_reference``
below), on tables of damage and on generated damaged files cut into chunks anywhere; then the
reader (``read_iso2709``), the scanner (``scan_stream``) and the columnar scanner
(``scan_columns``) must agree record for record on the damaged files of ``test_corruption`` and
on generated ones: the same unreadable records (offsets and framing reasons) and the same index and
offset for every other record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from almamatch.core.record import Bib
from almamatch.index.keyscan import scan_columns
from almamatch.marc.framing import frame_positions, frame_records, frame_spans
from almamatch.marc.iso2709 import decode_record, read_iso2709
from almamatch.marc.scan import RecordKeys, scan_stream
from almamatch.marc.unreadable import Unreadable
from test_corruption import CASE_NAMES, Case, all_cases, iso_records

_SEPARATORS = frozenset(b" \t\r\n\x00\x1a")
_START = re.compile(rb"[0-9]{5}.{7}[0-9]{5}", re.DOTALL)


def _frames(raw: bytes, at: int) -> int:
    """The length of the record at ``at``: it ends at its one and only 0x1D."""
    head = raw[at : at + 5]
    if len(head) < 5 or not head.isdigit() or int(head) <= 24:
        return 0
    length = int(head)
    end = at + length
    return length if end <= len(raw) and raw.find(b"\x1d", at) == end - 1 else 0


_ENTRY = re.compile(rb"[0-9A-Za-z]{3}[0-9]{9}")


def _base_after_terminator(raw: bytes, at: int) -> bool:
    """Where reading stands: the base address is inside the record, just after a 0x1E."""
    if not raw[at + 12 : at + 17].isdigit():
        return False
    base = int(raw[at + 12 : at + 17])
    return 24 < base < int(raw[at : at + 5]) and raw[at + base - 1] == 0x1E


def _looks_like_record(raw: bytes, at: int) -> bool:
    """Base address inside, after 12-byte directory entries that end with 0x1E."""
    if not raw[at + 12 : at + 17].isdigit():
        return False
    base = int(raw[at + 12 : at + 17])
    end = at + int(raw[at : at + 5])
    if not 24 < base < end - at or raw[at + base - 1] != 0x1E:
        return False
    directory = raw[at + 24 : at + base - 1]
    return len(directory) % 12 == 0 and all(
        _ENTRY.fullmatch(directory, one, one + 12) for one in range(0, len(directory), 12)
    )


def _reference(raw: bytes) -> Iterator[tuple[int, int | None, str]]:
    """(offset, length or None when unreadable, how reading went on), as framing.py states it."""
    position = 0
    while True:
        while position < len(raw) and raw[position] in _SEPARATORS:
            position += 1
        if position >= len(raw):
            return
        if length := _frames(raw, position):
            inner = None if _base_after_terminator(raw, position) else next(
                (start for start in range(position + 1, position + length - 24)
                 if _START.match(raw, start) and _frames(raw, start) == position + length - start
                 and _looks_like_record(raw, start)), None)
            if inner is None:
                yield position, length, "framed"
                position += length
            else:
                yield position, None, "framing"
                position = inner
            continue
        head = raw[position : position + 5]
        declared = int(head) if len(head) == 5 and head.isdigit() else 0
        if declared > 24 and _frames(raw, position + declared) and (
            b"\x1d" not in raw[position : position + declared]
        ):
            yield position, None, "lost terminator"
            position += declared
            continue
        terminator = raw.find(b"\x1d", position)
        stop = terminator + 1 if terminator >= 0 else len(raw)
        framing = (
            start for start in range(position + 1, stop)
            if _START.match(raw, start, stop) and _frames(raw, start)
            and _looks_like_record(raw, start)
        )
        found = next(framing, None)
        yield position, None, "framing" if found is not None else "terminator"
        position = found if found is not None else stop


def _chunks(raw: bytes, size: int) -> list[bytes]:
    return [raw[at : at + size] for at in range(0, len(raw), size)] if size else [raw]


def _framed(raw: bytes, size: int) -> list[tuple[int, int | None]]:
    found: list[tuple[int, int | None]] = []
    for index, item in enumerate(frame_spans(_chunks(raw, size))):
        if isinstance(item, Unreadable):
            assert (item.index, item.reason) == (index, "bad_record_length")
            found.append((item.offset, None))
        else:
            content, start, end, number, offset = item
            assert number == index
            assert content[start:end] == raw[offset : offset + end - start]
            found.append((offset, end - start))
    # The same records as columns (the batch planner's framing), runs taken whole.
    indices, offsets, lengths, unframed = frame_positions(raw)
    columns = sorted([(index, offset, int(length)) for index, offset, length in zip(
        indices.tolist(), offsets.tolist(), lengths.tolist(), strict=True)]
        + [(item.index, item.offset, None) for item in unframed])
    assert [index for index, _, _ in columns] == list(range(len(found)))
    assert [(offset, length) for _, offset, length in columns] == found
    return found


def _agree(raw: bytes, size: int) -> None:
    """Reader, scanner and columns: one item per record, at the same place, refused alike."""
    read = list(read_iso2709(_chunks(raw, size)))
    scanned = list(scan_stream(_chunks(raw, max(size, 1) * 3)))
    assert len(scanned) == len(read)
    for index, (bib, keys) in enumerate(zip(read, scanned, strict=True)):
        if isinstance(keys, Unreadable) and keys.reason == "bad_record_length":
            assert bib == keys  # the same framing: the same offset, reason and detail
            continue
        if isinstance(bib, Unreadable) and bib.reason == "bad_record_length":
            raise AssertionError((bib, keys))
        assert keys.index == index
        if isinstance(keys, Unreadable):
            # The scanner reads a subset of what the reader checks: never a record it loads.
            assert isinstance(bib, Unreadable), (bib, keys)
            assert (bib.offset, bib.index, bib.reason) == (keys.offset, keys.index, keys.reason)
        elif isinstance(bib, Unreadable):
            assert bib.offset == keys.offset  # pymarc refused what the scanner reads: same place
        else:
            assert isinstance(keys, RecordKeys)
            length = int(raw[keys.offset : keys.offset + 5])
            assert decode_record(raw[keys.offset : keys.offset + length]) == bib
    columns = scan_columns(_chunks(raw, size))
    assert columns.unreadable == tuple(one for one in scanned if isinstance(one, Unreadable))
    readable = [(one.index, one.offset) for one in scanned if isinstance(one, RecordKeys)]
    assert list(zip(columns.indices.tolist(), columns.offsets.tolist(), strict=True)) == readable


# -- the rules, on examples ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(corpus: Path) -> list[bytes]:
    return iso_records(corpus, count=4)


def _examples(records: list[bytes]) -> dict[str, tuple[bytes, list[tuple[int, int | None]]]]:
    one, two, three, _ = records
    a, b = len(one), len(two)
    return {
        "whole records and separators": (
            one + b"\r\n" + two, [(0, a), (a + 2, b)]),
        "lost record terminator": (
            one + two[:-1] + b" " + three, [(0, a), (a, None), (a + b, len(three))]),
        "truncated record, then a whole one": (
            one + two[:300] + three, [(0, a), (a, None), (a + 300, len(three))]),
        "garbage up to a terminator": (
            b"0garbage\x1d" + one, [(0, None), (9, a)]),
        "truncated at the end": (one + two[:-40], [(0, a), (a, None)]),
        "a stray terminator": (b"\x1d" + one, [(0, None), (1, a)]),
    }


EXAMPLE_NAMES = ["whole records and separators", "lost record terminator",
                 "truncated record, then a whole one", "garbage up to a terminator",
                 "truncated at the end", "a stray terminator"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("size", [0, 1, 7, 300, 4096])
def test_framing_examples(name: str, size: int, records: list[bytes]) -> None:
    raw, expected = _examples(records)[name]
    assert _framed(raw, size) == expected
    assert [(offset, length) for offset, length, _ in _reference(raw)] == expected


def test_frame_records_copies_what_frame_spans_points_at(records: list[bytes]) -> None:
    raw = records[0] + b"xx\x1d" + records[1]
    assert list(frame_records([raw])) == [
        (records[0], 0, 0),
        Unreadable(index=1, offset=len(records[0]), reason="bad_record_length",
                   detail='Leader/00-04 is "xx\\x1d00"; skipped 3 bytes to the next record '
                   "terminator"),
        (records[1], 2, len(records[0]) + 3),
    ]


def test_long_damage_is_dropped_as_it_is_read(records: list[bytes]) -> None:
    # 5 MB without a terminator, read in 64 KB chunks: no buffer ever holds much more than one.
    raw = b"0" + b"x" * 5_000_000 + b"\x1d" + records[0]
    chunks = _chunks(raw, 1 << 16)
    largest = 0
    for item in frame_spans(chunks):
        if not isinstance(item, Unreadable):
            largest = max(largest, len(item[0]))
    assert _framed(raw, 1 << 16) == [(0, None), (5_000_002, len(records[0]))]
    assert largest < 3 << 16


# -- reader and scanner agree --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases(corpus: Path) -> dict[str, Case]:
    return all_cases(corpus)


@pytest.mark.parametrize("name", [name for name in CASE_NAMES if "MARC" not in name[:8]])
def test_reader_and_scanner_agree_on_the_damaged_files(name: str, cases: dict[str, Case]) -> None:
    raw = cases[name].content
    expected = [(offset, length) for offset, length, _ in _reference(raw)]
    for size in (0, 1 << 16, 4093):
        assert _framed(raw, size) == expected
    _agree(raw, 0)
    _agree(raw, 4093)


def _damage(record: bytes, how: str, at: int, byte: int) -> bytes:
    spot = at % max(len(record), 1)
    if how == "truncate":
        return record[:spot]
    if how == "length":  # Leader/00-04 says more or less than there is
        return b"%05d" % min(int(record[:5]) + at % 41 - 20, 99_999) + record[5:]
    if how == "lose terminator":
        return record[:-1] + bytes([byte if byte != 0x1D else 0x20])
    if how == "byte":
        return record[:spot] + bytes([byte]) + record[spot + 1 :]
    return record


_PIECES = st.one_of(
    st.tuples(st.sampled_from(["whole", "truncate", "length", "lose terminator", "byte"]),
              st.integers(0, 11), st.integers(0, 100_000), st.integers(0, 255)),
    st.lists(st.sampled_from([b"\x1d", b"\x1e", b"\x1f", b"0", b"00999", b"\r\n", b"x"]),
             max_size=6).map(b"".join),
)


@pytest.fixture(scope="module")
def pieces(corpus: Path) -> list[bytes]:
    return [*iso_records(corpus, count=6),
            *iso_records(corpus, "solrmarc_uva_001_2000.mrc", count=6)]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(_PIECES, max_size=8), size=st.sampled_from([0, 1, 5, 64, 997, 1 << 16]))
def test_reader_and_scanner_agree_on_generated_damage(
    plan: list[tuple[str, int, int, int] | bytes], size: int, pieces: list[bytes]
) -> None:
    raw = b"".join(
        piece if isinstance(piece, bytes)
        else _damage(pieces[piece[1]], piece[0], piece[2], piece[3])
        for piece in plan
    )
    assert _framed(raw, size) == [(offset, length) for offset, length, _ in _reference(raw)]
    _agree(raw, size)
    assert all(isinstance(item, Bib | Unreadable) for item in read_iso2709([raw]))
