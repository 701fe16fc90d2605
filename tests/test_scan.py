"""The key scanner gives what the pymarc path gives, on every ISO 2709 record of the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.normalization import fold_003
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import zone_numbers
from almamatch.marc.convert import bib_to_marc
from almamatch.marc.iso2709 import read_iso2709
from almamatch.marc.scan import RecordKeys, scan_bytes, scan_file
from almamatch.marc.unreadable import Unreadable
from corpus_files import CORPUS

ISO2709_FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".mrc", ".dat"))


def _record(*fields: ControlField | DataField, level: str = " ") -> bytes:
    leader = "00000nam a2200000" + level + "i 4500"
    return bib_to_marc(Bib(leader=leader[:24], fields=fields))


def test_corpus_has_iso2709_files() -> None:
    assert len(ISO2709_FILES) >= 6


@pytest.mark.parametrize("path", ISO2709_FILES, ids=lambda p: p.name)
def test_scanner_equals_pymarc_path_on_every_corpus_record(path: Path) -> None:
    content = path.read_bytes()
    bibs = list(read_iso2709(iter([content])))
    scanned = list(scan_bytes(content))
    assert len(scanned) == len(bibs)
    for bib, keys in zip(bibs, scanned, strict=True):
        if isinstance(bib, Unreadable):
            # The scanner reads fewer fields, so it may read a record pymarc rejects; same place.
            assert keys.offset == bib.offset
            continue
        assert isinstance(keys, RecordKeys)
        assert keys.oclc_numbers == bib.oclc_numbers
        # Equal by value is not enough: the LITERAL match method reads the written form.
        assert [n.form for n in keys.oclc_numbers.all] == [n.form for n in bib.oclc_numbers.all]
        assert keys.encoding_level == bib.encoding_level
        assert keys.character_coding == bib.character_coding
        assert keys.latest_transaction == bib.latest_transaction
        assert keys.control_number == bib.control_number
        assert keys.control_number_identifier == bib.control_number_identifier
        assert keys.diagnostics == bib.diagnostics
        active, cancelled = zone_numbers(fold_003(bib))
        assert keys.zone_active == active
        assert keys.zone_cancelled == cancelled
        assert [n.form for n in keys.zone_active] == [n.form for n in active]


def test_scan_file_streams_in_small_chunks_with_the_same_result() -> None:
    path = CORPUS / "marc4j_pride-and-prejudice-fixed.mrc"
    whole = list(scan_bytes(path.read_bytes()))
    chunked = list(scan_file(path, chunk_size=997))
    assert chunked == whole
    assert len(whole) == 383


GOOD = _record(
    ControlField("001", "ocm00012345"),
    ControlField("003", "OCoLC"),
    ControlField("005", "20200102030405.5"),
    DataField.of("019", "  ", ("a", "777")),
    DataField.of("035", "  ", ("a", "(OCoLC)ocm00012345"), ("z", "(OCoLC)99")),
    DataField.of("245", "10", ("a", "Title")),
    level="I",
)


@pytest.mark.parametrize(
    ("content", "reasons"),
    [
        # A wrong Leader/00-04: the record is reported and the next one still loads.
        (b"00099" + GOOD[5:] + GOOD, ["bad_record_length", None]),
        # Garbage before a record: skipped up to the next record terminator.
        (b"xyz\x1d" + GOOD, ["bad_record_length", None]),
        # A base address that is not digits.
        (GOOD[:12] + b"abcde" + GOOD[17:] + GOOD, ["bad_leader", None]),
        # A truncated file: the last record has no terminator.
        (GOOD + GOOD[:-10], [None, "bad_record_length"]),
        # Line breaks between records are not records.
        (GOOD + b"\r\n" + GOOD, [None, None]),
    ],
)
def test_bad_records_are_reported_not_fatal(content: bytes, reasons: list[str | None]) -> None:
    results = list(scan_bytes(content))
    assert [r.reason if isinstance(r, Unreadable) else None for r in results] == reasons
    for result in results:
        if isinstance(result, RecordKeys):
            assert [n.value for n in result.oclc_numbers.active] == [12345]
            assert [n.value for n in result.oclc_numbers.cancelled] == [777, 99]
            assert str(result.latest_transaction) == "20200102030405.5"
            assert result.encoding_level.code == "I"
            assert [n.value for n in result.zone_active] == [12345]
            assert [n.value for n in result.zone_cancelled] == [99]
    assert [r.index for r in results] == list(range(len(results)))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=len(GOOD)))
def test_scanner_never_raises_and_reports_offsets_in_range(noise: bytes, cut: int) -> None:
    content = GOOD[:cut] + noise + GOOD
    results = list(scan_bytes(content))
    assert all(0 <= r.offset < len(content) for r in results)
    assert [r.index for r in results] == list(range(len(results)))
    # The intact record at the end is found whatever came before it, unless the noise framed
    # a record that swallowed it.
    assert isinstance(results[-1], RecordKeys) or results[-1].offset < len(content) - len(GOOD)
