"""The compact zone index answers as an in-memory zone does, saved, mapped and in batches."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.brief import BriefLevel, BriefLevelRules
from almamatch.core.decide import decide
from almamatch.core.facts import BibFacts, Hit, Side, ZoneView
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, HeldBib, InMemoryZone, InvalidZone, Zone
from almamatch.index.dump import build_from_dump
from almamatch.index.keyscan import scan_columns
from almamatch.index.synthetic import synthesize_zone
from almamatch.index.version import (
    NO_VERSION,
    InvalidVersion,
    decode_version,
    encode_version,
)
from almamatch.index.zone import ACTIVE, CANCELLED, InvalidIndex, ZoneIndex
from almamatch.marc.convert import bib_to_marc
from almamatch.marc.iso2709 import read_iso2709
from almamatch.marc.scan import RecordKeys, scan_bytes
from almamatch.marc.unreadable import Unreadable
from corpus_files import CORPUS

ISO2709_FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".mrc", ".dat"))
NOW = datetime(2024, 5, 1, 9, 30)
CARLI = BriefLevelRules.preset("carli")

# -- versions ------------------------------------------------------------------------------------
VERSIONS_IN_ORDER = [
    "00010101000000",
    "19991231235959.9",
    "20000101000000",
    "20000101000000.05",
    "20000101000000.5",
    "20000101000000.9999999",
    "20240229120000.1",
    "99991231235959.9",
]


def test_versions_encode_in_order_and_decode_equal() -> None:
    codes = [encode_version(Timestamp.parse(text)) for text in VERSIONS_IN_ORDER]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert [decode_version(code) for code in codes] == [
        Timestamp.parse(text) for text in VERSIONS_IN_ORDER
    ]
    # Decoded as parsed: the same text and the same words in a trace.
    for code, text in zip(codes, VERSIONS_IN_ORDER, strict=True):
        decoded, parsed = decode_version(code), Timestamp.parse(text)
        assert decoded is not None
        written = f"{parsed.digits}.{parsed.fraction}" if parsed.fraction else parsed.digits
        assert (decoded.text, str(decoded)) == (written, str(parsed))
    assert encode_version(None) == NO_VERSION
    assert decode_version(NO_VERSION) is None


@pytest.mark.parametrize(("text", "reason"), [("20000101000000.12345678", "fraction_too_long")])
def test_versions_the_index_cannot_hold_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        encode_version(Timestamp.parse(text))
    assert caught.value.reason == reason


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       st.integers(min_value=0, max_value=9_999_999))
def test_version_round_trip(moment: datetime, fraction: int) -> None:
    stamp = Timestamp.parse(f"{moment.year:04d}{moment:%m%d%H%M%S}.{fraction:07d}")
    assert decode_version(encode_version(stamp)) == stamp


# -- a small zone, the same in memory and as an index -----------------------------------------

def _small_index() -> ZoneIndex:
    forms = {text: OclcNumber.parse(text) for text in
             ("(OCoLC)123", "(OCoLC)ocm00000123", "(OCoLC)456", "(OCoLC)789")}
    return ZoneIndex.from_arrays(
        mms_ids=[9930000000005681, 9910000000005681, 9920000000005681],
        brief_levels=[10, 3, 7],
        versions=[encode_version(Timestamp.parse("20200101000000.5")), NO_VERSION, 0],
        cz_linked=[False, True, False],
        key_bibs=[0, 0, 1, 2, 2],
        key_values=[123, 123, 456, 789, 123],
        key_sides=[ACTIVE, ACTIVE, ACTIVE, ACTIVE, CANCELLED],
        key_forms=[forms["(OCoLC)123"].form.code, forms["(OCoLC)ocm00000123"].form.code,
                   forms["(OCoLC)456"].form.code, forms["(OCoLC)789"].form.code,
                   forms["(OCoLC)123"].form.code],
        locks={9910000000005681: Lock(institution="01CARLI_XYZ", last_activity=NOW)},
    )


def test_index_is_a_zone_view_with_hits_facts_and_next_mms_id() -> None:
    index = _small_index()
    assert isinstance(index, ZoneView)
    hits = index.hits(OclcNumber.of(123))
    assert sorted((h.mms_id, h.side, h.number.literal) for h in hits) == [
        ("9920000000005681", Side.CANCELLED, "(OCoLC)123"),
        ("9930000000005681", Side.ACTIVE, "(OCoLC)123"),
        ("9930000000005681", Side.ACTIVE, "(OCoLC)ocm00000123"),
    ]
    assert index.hits(OclcNumber.of(5)) == ()
    facts = index.facts("9930000000005681")
    assert facts == BibFacts(
        mms_id="9930000000005681",
        active=(OclcNumber.of(123), OclcNumber.of(123)),
        brief_level=BriefLevel(10),
        originating_version=Timestamp.parse("20200101000000.5"),
    )
    locked = index.facts("9910000000005681")
    assert locked is not None
    assert locked.cz_linked
    assert locked.lock is not None
    assert locked.originating_version is None
    assert index.facts("9999") is None
    assert index.facts("not digits") is None
    assert index.next_mms_id() == "9930000000015681"


def test_batch_lookup_agrees_with_hits() -> None:
    index = _small_index()
    starts, ends = index.lookup(np.array([123, 5, 789, 456], dtype=np.uint64))
    assert (ends - starts).tolist() == [3, 0, 1, 1]
    which, rows = index.candidate_rows([123, 5, 789])
    # Rows are bibs in MMS ID order: 9910... row 0, 9920... row 1, 9930... row 2.
    assert sorted(zip(which.tolist(), rows.tolist(), strict=True)) == [(0, 1), (0, 2), (0, 2),
                                                                        (2, 1)]


def test_save_and_memory_mapped_load_give_the_same_answers(tmp_path: Path) -> None:
    index = _small_index()
    opened = ZoneIndex.load(index.save(tmp_path / "zone"))
    assert isinstance(opened.key_values.base, np.memmap)  # mapped, not read
    for mms_id in ("9910000000005681", "9920000000005681", "9930000000005681"):
        assert opened.facts(mms_id) == index.facts(mms_id)
    assert opened.hits(OclcNumber.of(123)) == index.hits(OclcNumber.of(123))
    assert opened.nbytes == index.nbytes


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"mms_ids": [1, 1, 2]}, "duplicate_mms_id"),
        ({"brief_levels": [0, 3, 7]}, "out_of_range"),
        ({"brief_levels": [10, 3]}, "length"),
        ({"key_values": [0, 123, 456, 789, 123]}, "out_of_range"),
        ({"key_bibs": [0, 0, 1, 2, 3]}, "out_of_range"),
        ({"key_sides": [0, 0, 0, 0, 2]}, "out_of_range"),
    ],
)
def test_bad_columns_are_refused(change: dict[str, list[int]], reason: str) -> None:
    columns: dict[str, object] = {
        "mms_ids": [3, 1, 2], "brief_levels": [10, 3, 7], "versions": [0, 0, 0],
        "cz_linked": [False] * 3, "key_bibs": [0, 0, 1, 2, 2],
        "key_values": [123, 123, 456, 789, 123], "key_sides": [0, 0, 0, 0, 1],
        "key_forms": [4, 4, 4, 4, 4],
    }
    columns.update(change)
    with pytest.raises(InvalidIndex) as caught:
        ZoneIndex.from_arrays(**columns)  # type: ignore[arg-type]
    assert caught.value.reason == reason


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidIndex) as caught:
        ZoneIndex.load(tmp_path)
    assert caught.value.reason == "no_manifest"


# -- the index and InMemoryZone decide alike ---------------------------------------------------
def _zone(view: ZoneView) -> Zone:
    return Zone(institution="01CARLI_XYZ", host="h.example", logon_id="01CARLI_XYZ",
                profiles=(IntegrationProfile.carli("pw"),), bibs=view)


@pytest.mark.parametrize("path", ISO2709_FILES, ids=lambda p: p.name)
def test_index_built_from_a_dump_decides_as_the_in_memory_zone(
    path: Path, tmp_path: Path
) -> None:
    # Give every readable corpus record an MMS ID in 001, as an Alma dump has it.
    bibs = [b for b in read_iso2709(iter([path.read_bytes()])) if not isinstance(b, Unreadable)]
    stored = {}
    dump = bytearray()
    for serial, bib in enumerate(bibs, start=1):
        mms_id = f"99{serial}5681"
        kept = [one for one in bib.fields if one.tag != "001"]
        in_zone = bib.with_fields([ControlField("001", mms_id), *kept])
        stored[mms_id] = in_zone
        dump += bib_to_marc(in_zone)
    (tmp_path / "dump.mrc").write_bytes(bytes(dump))
    built = build_from_dump(tmp_path / "dump.mrc", CARLI)
    assert built.skipped == ()
    memory = InMemoryZone(brief_rules=CARLI)
    for mms_id, bib in stored.items():
        memory.store(mms_id, bib, originating_version=bib.latest_transaction)
    index = built.index
    for mms_id in stored:
        got, want = index.facts(mms_id), memory.facts(mms_id)
        assert got is not None
        assert want is not None
        assert sorted(got.active) == sorted(want.active)
        assert sorted(n.form.code for n in got.active + got.cancelled) == sorted(
            n.form.code for n in want.active + want.cancelled)
        assert got.brief_level == want.brief_level
        assert got.originating_version == want.originating_version
    for bib in list(stored.values())[:40]:
        export = Export(record=bib, logon_id="01CARLI_XYZ", password="pw", host="h.example")
        from_index = decide(export, _zone(index), NOW)
        from_memory = decide(export, _zone(memory), NOW)
        assert from_index.code == from_memory.code


def _assert_columns_equal_record_keys(content: bytes, chunks: list[bytes]) -> None:
    columns = scan_columns(chunks)
    scanned = list(scan_bytes(content))
    records = [r for r in scanned if isinstance(r, RecordKeys)]
    assert columns.offsets.tolist() == [r.offset for r in records]
    assert columns.indices.tolist() == [r.index for r in records]
    assert [u.offset for u in columns.unreadable] == [
        r.offset for r in scanned if isinstance(r, Unreadable)]
    for row, keys in enumerate(records):
        chosen = columns.key_records == row
        got = sorted(zip(columns.key_values[chosen].tolist(), columns.key_sides[chosen].tolist(),
                         columns.key_forms[chosen].tolist(), strict=True))
        want = sorted([(n.value, ACTIVE, n.form.code) for n in keys.zone_active]
                      + [(n.value, CANCELLED, n.form.code) for n in keys.zone_cancelled])
        assert got == want
        assert columns.control_numbers[row] == keys.control_number
        assert chr(columns.encoding_levels[row]) == keys.encoding_level.code
        version = columns.versions[row]
        assert decode_version(int(version)) == keys.latest_transaction or (
            version == NO_VERSION and keys.latest_transaction is not None
            and len(keys.latest_transaction.fraction) > 7)


@pytest.mark.parametrize("path", ISO2709_FILES, ids=lambda p: p.name)
def test_columnar_scan_equals_record_keys(path: Path) -> None:
    content = path.read_bytes()
    _assert_columns_equal_record_keys(content, [content])
    # In 64 KiB chunks, as a dump is read: batches end where the framer's buffer changes.
    _assert_columns_equal_record_keys(
        content, [content[i : i + 65536] for i in range(0, len(content), 65536)])


_035_VALUES = st.sampled_from([
    "(OCoLC)12345", "(OCoLC)ocm00012345", "(OCoLC)ocn123456789", "(OCoLC)on1234567890",
    "(OCoLC)0", "(OCoLC)12345 ", "(OCoLC) 12345", "(ocolc)12345", "(DLC)  2001012345",
    "(Sirsi) a123", "ocm12345", "(OCoLC)99999999999999999999", "(OCoLC)12x",
])
_CONTROL = st.one_of(st.none(), st.sampled_from(["12345", "ocm00012345", " 77 ", "u12", "99105"]))


@st.composite
def _dump_records(draw: st.DrawFn) -> bytes:
    fields: list[ControlField | DataField] = []
    number = draw(_CONTROL)
    if number is not None:
        fields.append(ControlField("001", number))
    identifier = draw(st.one_of(st.none(), st.sampled_from(["OCoLC", "DLC", "ocolc "])))
    if identifier is not None:
        fields.append(ControlField("003", identifier))
    version = draw(st.one_of(st.none(), st.sampled_from(
        ["20240501120000.0", "19991231235959", "20240230120000.0", "20240501126000.0",
         "2024050112000", "20240501120000.12345678"])))
    if version is not None:
        fields.append(ControlField("005", version))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        codes = draw(st.lists(st.sampled_from("az9"), min_size=1, max_size=2))
        fields.append(DataField.of("035", "  ", *((c, draw(_035_VALUES)) for c in codes)))
    fields.append(DataField.of("245", "10", ("a", "Title")))
    level = draw(st.sampled_from(" I7"))
    return bib_to_marc(Bib(leader=f"00000nam a2200000{level}i 4500", fields=tuple(fields)))


@settings(max_examples=60, deadline=None)
@given(st.lists(_dump_records(), min_size=1, max_size=12),
       st.integers(min_value=50, max_value=5000), st.binary(max_size=8))
def test_columnar_scan_equals_record_keys_on_any_mix(
    records: list[bytes], chunk: int, noise: bytes,
) -> None:
    content = records[0] + noise + b"".join(records[1:])
    _assert_columns_equal_record_keys(
        content, [content[i : i + chunk] for i in range(0, len(content), chunk)])


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=0, max_size=6000))
def test_lookup_of_many_values_agrees_with_one_at_a_time(values: list[int]) -> None:
    index = synthesize_zone(500, seed=3).build()
    starts, ends = index.lookup(np.array(values, dtype=np.uint64))
    for value, start, end in zip(values, starts.tolist(), ends.tolist(), strict=True):
        assert end - start == len(index.hits(OclcNumber.of(value)))
        assert bool(np.all(index.key_values[start:end] == value))


def test_lookup_of_a_large_unsorted_batch_agrees_with_searching_in_order() -> None:
    zone = synthesize_zone(5000, seed=4)
    index = zone.build()
    rng = np.random.default_rng(5)
    values = np.concatenate([zone.first_values, rng.integers(1, 10**6, 20_000, dtype=np.uint64)])
    rng.shuffle(values)
    starts, ends = index.lookup(values)
    assert starts.tolist() == np.searchsorted(index.key_values, values, "left").tolist()
    assert ends.tolist() == np.searchsorted(index.key_values, values, "right").tolist()


@pytest.mark.parametrize("shared_by", [1, 7, 8, 9, 40])
def test_lookup_ends_runs_of_any_length(shared_by: int) -> None:
    # A number carried by many bibs makes a long run of equal keys; runs end at the array end.
    count = 6000
    values = np.arange(1, count + 1, dtype=np.uint64)
    values[:shared_by] = 5
    values[-shared_by:] = count
    index = ZoneIndex.from_arrays(
        mms_ids=np.arange(count) + 10**12, brief_levels=np.full(count, 5),
        versions=np.full(count, NO_VERSION), cz_linked=np.zeros(count, dtype=bool),
        key_bibs=np.arange(count), key_values=values, key_sides=np.zeros(count),
        key_forms=np.zeros(count))
    queries = np.arange(0, count + 3, dtype=np.uint64)
    for batch in (queries, queries[::-1].copy()):
        starts, ends = index.lookup(batch)
        assert starts.tolist() == np.searchsorted(index.key_values, batch, "left").tolist()
        assert ends.tolist() == np.searchsorted(index.key_values, batch, "right").tolist()


# -- the one overlay over an index -------------------------------------------------------------
def test_overlay_shows_additions_and_merges_to_later_records() -> None:
    index = _small_index()
    overlay = InMemoryZone(base=index)
    new_id = overlay.next_mms_id()
    assert index.facts(new_id) is None
    added = BibFacts(mms_id=new_id, active=(OclcNumber.of(999),), brief_level=BriefLevel(10))
    overlay.hold(HeldBib(facts=added, record=None))
    assert overlay.hits(OclcNumber.of(999)) == (
        Hit(mms_id=new_id, side=Side.ACTIVE, number=OclcNumber.of(999)),)
    assert overlay.next_mms_id() != new_id
    assert overlay.facts(new_id) == added
    # A merge replaces the bib's facts: its old numbers no longer answer from the base.
    merged = BibFacts(mms_id="9930000000005681", active=(OclcNumber.of(555),),
                      brief_level=BriefLevel(10))
    overlay.hold(HeldBib(facts=merged, record=None))
    assert [h.mms_id for h in overlay.hits(OclcNumber.of(123))] == ["9920000000005681"]
    assert overlay.facts("9930000000005681") == merged
    lock = Lock(institution="X", last_activity=NOW)
    overlay.lock("9920000000005681", lock)
    before = index.facts("9920000000005681")
    assert before is not None
    assert overlay.facts("9920000000005681") == evolve(before, lock=lock)
    with pytest.raises(InvalidZone):
        overlay.lock("1", lock)
    assert isinstance(overlay, ZoneView)
    assert not overlay.keeps_records


# -- synthetic zones -------------------------------------------------------------------------------
@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.integers(min_value=0, max_value=10))
def test_synthetic_zone_builds_and_every_bib_answers_its_own_number(bibs: int, seed: int) -> None:
    zone = synthesize_zone(bibs, seed=seed)
    index = zone.build()
    assert index.bib_count == bibs
    counts = index.candidate_counts(zone.first_values)
    assert bool(np.all(counts >= 1))
    row = bibs // 2
    facts = index.facts(str(int(index.mms_ids[row])))
    assert facts is not None
    assert int(zone.first_values[row]) in {n.value for n in facts.active}


@pytest.mark.parametrize(("largest", "dtype"), [
    (2**32 - 1, np.uint32),  # every OCLC number so far: four bytes a key
    (2**32, np.uint64),  # one number past uint32 and the keys widen
])
def test_keys_are_uint32_while_every_value_fits(tmp_path: Path, largest: int,
                                                dtype: type[np.unsignedinteger[Any]]) -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.integers(1, 5_000, 3_000, dtype=np.uint64),
                             np.array([largest], dtype=np.uint64)])
    index = ZoneIndex.from_arrays(
        mms_ids=np.arange(len(values), dtype=np.uint64) + 99_000_000_005_681,
        brief_levels=np.full(len(values), 10), versions=np.full(len(values), -1),
        cz_linked=np.zeros(len(values), dtype=bool), key_bibs=np.arange(len(values)),
        key_values=values, key_sides=np.zeros(len(values)), key_forms=np.zeros(len(values)))
    assert index.key_values.dtype == dtype
    loaded = ZoneIndex.load(index.save(tmp_path / "index"))
    assert loaded.key_values.dtype == dtype
    expected: dict[int, int] = {}
    for value in values.tolist():
        expected[value] = expected.get(value, 0) + 1
    # Few queries, many unsorted, many sorted (one chunk of the directory search or several);
    # values past 2**32 against uint32 keys and absent ones included.
    queries = [int(v) for v in rng.integers(0, 6_000, 5_000)]
    queries += [largest, 2**32, 2**32 + 17, 2**40, 2**63]
    for wanted in (queries[-20:], queries, sorted(queries)):
        for opened in (index, loaded):
            counts = opened.candidate_counts(np.array(wanted, dtype=np.uint64))
            assert counts.tolist() == [expected.get(value, 0) for value in wanted]
