"""The reader's look at a buffer's records at once (``marc.layout``) against each record decoded
on its own (``decode_vouched``, ``decode_record``): the same bibs, faults and MARCXML words.

Each damage below makes a record almost usual, one condition of the layout off (a terminator
inside a field, entries swapped, a length or a position wrong, a tag that is not digits, MARC-8,
a one-field directory), so a look at once that let any of them through would answer differently.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from almamatch.core.record import Bib
from almamatch.marc.framing import frame_records
from almamatch.marc.iso2709 import RecordFault, decode_record, decode_vouched, read_iso2709
from almamatch.marc.layout import usual_layouts
from almamatch.marc.unreadable import Unreadable
from corpus_files import CORPUS

FILES = ("traject_test_data.utf8.mrc", "solrmarc_uva_001_2000.mrc",
         "folio_CornellFOLIOExemplars_Bibs.mrc", "marc4j_pride-and-prejudice-fixed.mrc")


def records(name: str, count: int = 40) -> list[bytes]:
    framed = [item[0] for item in frame_records([(CORPUS / name).read_bytes()])
              if not isinstance(item, Unreadable)]
    return framed[:count]


def base_of(record: bytes) -> int:
    return int(record[12:17])


def terminator_inside(record: bytes) -> bytes:
    base = base_of(record)
    middle = base + (len(record) - base) // 2
    return record[:middle] + b"\x1e" + record[middle + 1:]


def entries_swapped(record: bytes) -> bytes:
    first, second = record[24:36], record[36:48]
    return record[:24] + second + first + record[48:]


def length_off(record: bytes) -> bytes:
    digit = record[24 + 6]
    return record[:30] + bytes([ord("0") + (digit - ord("0") + 1) % 10]) + record[31:]


def position_off(record: bytes) -> bytes:
    digit = record[36 + 11]
    return record[:47] + bytes([ord("0") + (digit - ord("0") + 1) % 10]) + record[48:]


def tag_not_digits(record: bytes) -> bytes:
    return record[:37] + b"A" + record[38:]


def marc8(record: bytes) -> bytes:
    return record[:9] + b" " + record[10:]


def one_field(record: bytes) -> bytes:
    """Only the first field, its directory and lengths rewritten to match."""
    length = int(record[27:31])
    start = base_of(record) + int(record[31:36])
    data = record[start : start + length]
    rebuilt = record[5:12] + b"%05d" % 37 + record[17:24] + record[24:36] + b"\x1e" + data + b"\x1d"
    return b"%05d" % (len(rebuilt) + 5) + rebuilt


DAMAGE: tuple[Callable[[bytes], bytes], ...] = (
    lambda record: record, terminator_inside, entries_swapped, length_off, position_off,
    tag_not_digits, marc8, one_field)


def one_by_one(record: bytes, *, vouched: bool) -> tuple[object, bool]:
    try:
        if vouched:
            return decode_vouched(record)
        return decode_record(record), False
    except RecordFault as fault:
        return (fault.reason, fault.detail), False


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("vouched", [True, False], ids=["vouched", "plain"])
def test_a_buffer_at_once_reads_as_each_record_on_its_own(name: str, vouched: bool) -> None:
    damaged = [damage(record) for record in records(name) for damage in DAMAGE]
    expected = [one_by_one(record, vouched=vouched) for record in damaged]
    noted: list[Bib] = []
    read = list(read_iso2709([b"".join(damaged)],
                             convertible=noted.append if vouched else None))
    # Damage that breaks framing (a length written wrong) is read the same either way; compare
    # the records that framed.
    framed = [item for item in frame_records([b"".join(damaged)])
              if not isinstance(item, Unreadable)]
    assert len(framed) == len(damaged)
    got = [((item.reason, item.detail), False) if isinstance(item, Unreadable)
           else (item, any(one is item for one in noted)) for item in read]
    assert got == expected


def test_the_usual_records_are_those_that_are() -> None:
    usual = records("traject_test_data.utf8.mrc", 5)
    damaged = [terminator_inside(usual[0]), entries_swapped(usual[1]), marc8(usual[2]),
               one_field(usual[3]), usual[4]]
    content = b"".join(damaged)
    ends = [sum(map(len, damaged[: at + 1])) for at in range(len(damaged))]
    starts = [end - len(record) for end, record in zip(ends, damaged, strict=True)]
    bases, _, _ = usual_layouts(content, starts, ends)
    assert bases == [0, 0, 0, 0, base_of(usual[4])]
