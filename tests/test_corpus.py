"""Every record of every corpus file loads, and what is extracted matches what the files hold.

The expected counts are the table of ``corpus/README.md`` (made with pymarc 5.4.0 when the files
were collected); the concrete records are quoted from the files themselves. "035a OCoLC" counts
records with an 035 $a containing "OCoLC"; "003=OCoLC" records whose 003 is OCoLC.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from attrs import evolve

from almamatch import OclcNumber
from almamatch.core.record import Bib, ControlField
from almamatch.marc import Unreadable, bib_to_marc, read_bibs

HATHITRUST = "hathitrust_bib_rights"

# file: (records, 035a OCoLC, 019, 035 $z, 003=OCoLC, Leader/17 values) from corpus/README.md
README: dict[str, tuple[int, int, int, int, int, str]] = {
    "folio_test1_err.mrc": (50, 43, 32, 31, 43, "' '=24 I=13 1=13"),
    "folio_CornellFOLIOExemplars_Bibs.mrc": (
        62, 60, 0, 1, 0, "' '=26 I=21 1=4 2=3 3=3 7=2 L=1 K=1 5=1",
    ),
    "lc_m2bf2_dataset_oclc.xml": (99, 0, 17, 0, 0, "I=92 1=3 K=2 ' '=2"),
    "lc_m2bf2_dataset_gwu.xml": (99, 47, 3, 3, 0, "3=47 ' '=23 I=22 4=4 K=2 L=1"),
    "solrmarc_uva_001_2000.mrc": (2000, 2000, 34, 4, 0, "' '=1797 8=124 5=49 L=16 I=9 7=3 K=1 1=1"),
    "traject_test_data.utf8.mrc": (30, 5, 0, 0, 0, "' '=16 4=6 7=4 5=2 1=2"),
    "traject_index_bench_batch.dat": (31, 31, 0, 0, 0, "1=31"),
    "marc4j_pride-and-prejudice-fixed.mrc": (
        383, 43, 5, 5, 30,
        "' '=248 I=42 b=16 1=15 m=14 5=13 0=10 8=6 g=3 L=3 3=3 M=2 2=2 u=2 z=1 K=1 a=1 9=1",
    ),
    HATHITRUST: (48, 43, 4, 12, 0, "' '=21 1=12 I=10 7=2 a=1 l=1 Z=1"),
}


def paths(corpus: Path, name: str) -> list[Path]:
    """The files of one README row (the HathiTrust row is a folder of one-record files)."""
    if name == HATHITRUST:
        return sorted((corpus / HATHITRUST).glob("*.xml"))
    return [corpus / name]


@cache
def items_of(corpus: Path, name: str) -> tuple[Bib | Unreadable, ...]:
    return tuple(item for path in paths(corpus, name) for item in read_bibs(path))


def bibs_of(corpus: Path, name: str) -> tuple[Bib, ...]:
    return tuple(item for item in items_of(corpus, name) if isinstance(item, Bib))


def leader17_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for code, count in re.findall(r"(' '|\S)=(\d+)", text):
        counts[" " if code == "' '" else code] += int(count)
    return counts


def test_every_corpus_file_has_a_readme_row(corpus: Path) -> None:
    names = {path.name for path in corpus.iterdir() if path.name != "README.md"}
    assert names == set(README)


@pytest.mark.parametrize("name", sorted(README))
def test_every_record_loads(corpus: Path, name: str) -> None:
    records = README[name][0]
    items = items_of(corpus, name)
    unreadable = [str(item) for item in items if isinstance(item, Unreadable)]
    assert unreadable == []
    assert len(items) == records
    assert len(paths(corpus, name)) >= 1


@pytest.mark.parametrize("name", sorted(README))
def test_counts_match_the_readme(corpus: Path, name: str) -> None:
    _, with_035a, with_019, with_035z, with_003, levels = README[name]
    bibs = bibs_of(corpus, name)
    assert corpus.is_dir()
    assert sum(
        any("OCoLC" in value for field in bib.data_fields("035") for value in field.values("a"))
        for bib in bibs
    ) == with_035a
    assert sum(bool(bib.data_fields("019")) for bib in bibs) == with_019
    assert sum(any(f.values("z") for f in bib.data_fields("035")) for bib in bibs) == with_035z
    assert sum((bib.control_number_identifier or "").strip() == "OCoLC" for bib in bibs) == with_003
    assert Counter(bib.encoding_level.code for bib in bibs) == leader17_counts(levels)


# (file, index, 001, active numbers, cancelled numbers), quoted from the files.
RECORDS: list[tuple[str, int, str, tuple[int, ...], tuple[int, ...]]] = [
    # folio test1_err #2: 001 1028287 + 003 OCoLC; 019 mirrored as 035 $z
    (
        "folio_test1_err.mrc", 1, "1028287",
        (1028287,), (185717, 1480658, 13678249, 16140598, 16144775),
    ),
    # folio test1_err #1: bare 001 and no 003 (not OCLC's), 019 $a only, 035 $a "0419316 $b MULS"
    ("folio_test1_err.mrc", 0, "1028286", (), (602871, 1755853)),
    # Cornell: a bare "366832" in 035 $a is some other system's; "(OCoLC)1604275" is active
    ("folio_CornellFOLIOExemplars_Bibs.mrc", 0, "366832", (1604275,), ()),
    # traject batch.dat: "(OCoLC)ocm00067181", zero-padded with a prefix
    ("traject_index_bench_batch.dat", 0, "000000794", (67181,), ()),
    # uva #1: "(OCoLC)10698981"; #932: "DL(OCoLC)10658864" beside "(OCoLC)10658864"
    ("solrmarc_uva_001_2000.mrc", 0, "u1", (10698981,), ()),
    ("solrmarc_uva_001_2000.mrc", 931, "u956", (10658864,), ()),
    # marc2bibframe2 oclc.xml: the OCLC number is a bare 001 without 003, 019 lists merged ones
    ("lc_m2bf2_dataset_oclc.xml", 1, "228884", (), (59030974, 219641177, 222126516, 314594356)),
    # pride-and-prejudice #21: 001 31114866 with 003 OCoLC
    ("marc4j_pride-and-prejudice-fixed.mrc", 20, "31114866", (31114866,), ()),
    # pride-and-prejudice #4 and #20: "ocn013699900x", "01ocm40620222" without 003: nothing
    ("marc4j_pride-and-prejudice-fixed.mrc", 3, "ocn013699900x", (), ()),
    ("marc4j_pride-and-prejudice-fixed.mrc", 19, "01ocm40620222", (), ()),
    # HathiTrust chi.082894362: "(OCoLC)10802298" among (MiU), sdr- and (SAZTEC) numbers
    (HATHITRUST, 0, "001873658", (10802298,), ()),
]


@pytest.mark.parametrize(("name", "index", "control", "active", "cancelled"), RECORDS)
def test_concrete_records(
    corpus: Path,
    name: str, index: int, control: str, active: tuple[int, ...], cancelled: tuple[int, ...]
) -> None:
    bib = bibs_of(corpus, name)[index]
    assert bib.control_number == control
    assert bib.oclc_numbers.active == tuple(OclcNumber.of(value) for value in active)
    assert bib.oclc_numbers.cancelled == tuple(OclcNumber.of(value) for value in cancelled)


def test_uva_text_before_the_qualifier_is_a_diagnostic(corpus: Path) -> None:
    bibs = bibs_of(corpus, "solrmarc_uva_001_2000.mrc")
    prefixed = [
        value
        for bib in bibs
        for field in bib.data_fields("035")
        for value in field.values("a")
        if value.startswith(("DL(OCoLC)", "RB(OCoLC)"))
    ]
    diagnosed = [d for bib in bibs for d in bib.diagnostics]
    assert len(prefixed) == 251
    assert [d.text for d in diagnosed] == prefixed
    assert {d.reason for d in diagnosed} == {"text_before_qualifier"}
    # record #10 holds only "RB(OCoLC)10699590": no active number, one diagnostic
    assert bibs[9].oclc_numbers.active == ()
    assert [d.text for d in bibs[9].diagnostics] == ["RB(OCoLC)10699590"]


def test_pride_and_prejudice_4_is_a_diagnostic_when_003_is_oclc(corpus: Path) -> None:
    bib = bibs_of(corpus, "marc4j_pride-and-prejudice-fixed.mrc")[3]
    claimed = bib.with_fields([*bib.fields, ControlField("003", "OCoLC")])
    assert claimed.oclc_numbers.active == ()
    assert [(d.tag, d.text, d.reason) for d in claimed.diagnostics] == [
        ("001", "ocn013699900x", "text_after_digits")
    ]


def test_pride_and_prejudice_odd_005_values(corpus: Path) -> None:
    bibs = bibs_of(corpus, "marc4j_pride-and-prejudice-fixed.mrc")
    odd = Counter(d.reason for bib in bibs for d in bib.diagnostics if d.tag == "005")
    assert odd == Counter(leading_text=2, not_a_date=2, blank_time=3, date_only=1)
    assert bibs[16].control_value("005") == "a19900313111708.5"
    assert bibs[16].latest_transaction is None
    assert str(bibs[20].latest_transaction) == "20030814150612.0"


def test_no_number_is_both_active_and_cancelled(corpus: Path) -> None:
    for name in README:
        for bib in bibs_of(corpus, name):
            numbers = bib.oclc_numbers
            assert not set(numbers.active) & set(numbers.cancelled)
            assert len(set(numbers.active)) == len(numbers.active)
            assert len(set(numbers.cancelled)) == len(numbers.cancelled)


def _computed_positions_masked(bib: Bib) -> Bib:
    # MARC 21 Leader: 00-04 record length and 12-16 base address are "computer-generated";
    # Leader/09 becomes "a" because the bytes written are UTF-8.
    leader = bib.leader
    return evolve(bib, leader="00000" + leader[5:9] + "a" + leader[10:12] + "00000" + leader[17:])


@pytest.mark.parametrize("name", sorted(README))
def test_round_trip_through_marc_bytes(corpus: Path, name: str) -> None:
    for bib in bibs_of(corpus, name):
        raw = bib_to_marc(bib)
        (again,) = read_bibs(io.BytesIO(raw))
        assert isinstance(again, Bib)
        assert again.fields == bib.fields
        assert _computed_positions_masked(again) == _computed_positions_masked(bib)
        assert bib_to_marc(again) == raw
        if bib.character_coding == "a" and bib.leader[:5].isdigit():
            assert again == evolve(bib, leader=raw[:24].decode("ascii"))
