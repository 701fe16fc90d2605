"""One record or one file cannot make memory grow without bound: the readers stream.

Peak Python allocation (``tracemalloc``) while reading is measured against the file's size: a
file many times larger than any cap is read with a peak far below its size, whether it is whole
records, one damaged run with no record terminator, blank padding, or one oversized MARCXML or
MARC-in-JSON record (``record_too_large``).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from almamatch.marc import MAX_RECORD_CHARACTERS, Unreadable, read_bibs
from almamatch.marc.marcjson import MAX_JSON_TEXT

SIZE = 9_000_000  # bytes per file: past MAX_JSON_TEXT, 90 times the largest ISO 2709 record


def _corpus_records(corpus: Path) -> bytes:
    return (corpus / "traject_test_data.utf8.mrc").read_bytes()


def _write(path: Path, head: bytes, filler: bytes, tail: bytes, size: int = SIZE) -> None:
    with path.open("wb") as stream:
        stream.write(head)
        written = len(head)
        while written < size:
            stream.write(filler)
            written += len(filler)
        stream.write(tail)


def _peak(path: Path) -> tuple[int, list[str]]:
    """Peak traced bytes while reading ``path``, and the reasons of its unreadable records."""
    tracemalloc.start()
    try:
        reasons = [item.reason for item in read_bibs(path) if isinstance(item, Unreadable)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, reasons


CASES: dict[str, tuple[Callable[[bytes], tuple[bytes, bytes, bytes]], int, tuple[str, ...]]] = {
    # name: (head, filler, tail) from the corpus records; allowed peak; unreadable reasons
    "whole records": (lambda records: (b"", records, b""), 2 << 20, ()),
    "no record terminator": (
        lambda records: (b"00100", b"x" * 65_536, b"\x1d" + records[:799]), 4 << 20,
        ("bad_record_length",),
    ),
    "blank padding": (lambda records: (records[:799], b" \r\n" * 21_845, records[:799]),
                      2 << 20, ()),
    "MARCXML field past the cap": (
        lambda records: ((b"<collection><record><leader>00000nam a2200000   4500</leader>"
                         b'<controlfield tag="009">'), b"y" * 65_536,
                         b"</controlfield></record></collection>"),
        4 << 20, ("record_too_large",),
    ),
    "MARCXML fields past the cap": (
        lambda records: (b"<collection><record><leader>00000nam a2200000   4500</leader>",
                         b'<datafield tag="500" ind1=" " ind2=" "><subfield code="a"/>'
                         b"</datafield>" * 1024, b"</record></collection>"),
        4 << 20, ("record_too_large",),
    ),
    "MARC-in-JSON value past the cap": (
        lambda records: (b'{"leader": "00000nam a2200000   4500", "fields": [{"009": "',
                         b"z" * 65_536, b'"}]}'),
        3 * MAX_JSON_TEXT, ("record_too_large",),
    ),
    "MARC-in-JSON damaged line": (lambda records: (b"{", b"x" * 65_536, b"\n"),
                                  3 * MAX_JSON_TEXT, ("record_too_large",)),
}


# Records and blanks are stepped over in Python: a smaller file proves as much, faster. A JSON
# value is held whole up to MAX_JSON_TEXT: its file must be several times that.
SIZES = {"whole records": 3_000_000, "blank padding": 3_000_000,
         "MARC-in-JSON value past the cap": 4 * MAX_JSON_TEXT,
         "MARC-in-JSON damaged line": 4 * MAX_JSON_TEXT}


@pytest.mark.parametrize("name", list(CASES))
def test_reading_a_large_file_holds_one_record_and_one_chunk(
    name: str, corpus: Path, tmp_path: Path
) -> None:
    build, limit, reasons = CASES[name]
    path = tmp_path / "large"
    # whole records are decoded one by one (slow under tracemalloc): a third of the size will do
    _write(path, *build(_corpus_records(corpus)), size=SIZES.get(name, SIZE))
    peak, found = _peak(path)
    assert tuple(found) == reasons
    assert peak < limit, f"peak {peak:,} bytes"
    assert peak < path.stat().st_size / 1.5, f"peak {peak:,} bytes"  # not the file: the cap


def test_the_caps_are_past_anything_iso_2709_can_hold() -> None:
    # "Record length: five characters": at most 99,999 bytes in ISO 2709.
    assert MAX_RECORD_CHARACTERS > 99_999 * 4
    assert MAX_JSON_TEXT >= 6 * MAX_RECORD_CHARACTERS
