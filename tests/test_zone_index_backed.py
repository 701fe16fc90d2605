"""A saved zone served from its index decides exactly as the same zone loaded into memory.

``load_zone(..., use_index=True)`` answers matching and facts from the memory-mapped compact index
and reads a record from ``bibs.mrc`` only when a merge needs it; a batch's additions, merges and
locks live in the ``InMemoryZone`` over it. These tests decide the examples and a corpus file in
order, each decision applied, against both and compare codes, MMS IDs and merged records; without
record offsets (an index alone) merges are decided but not computed.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.cli.main import main
from almamatch.core.decide import decide
from almamatch.core.decision import Decision, Merge
from almamatch.core.facts import MmsIdSequence
from almamatch.core.lock import Lock
from almamatch.core.normalization import fold_003
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, InMemoryZone, InvalidZone, Zone
from almamatch.index.sequence import mms_id_sequence_of
from almamatch.index.synthetic import synthesize_zone
from almamatch.index.zone import ZoneIndex
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.iso2709 import decode_record
from almamatch.zonefiles import load_profile
from almamatch.zonefiles.zones import (
    SAVED_OFFSETS,
    IndexedZoneView,
    load_zone,
    save_zone,
    zone_index,
)
from json_shape import decision_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOST = "i-share-xyz.alma.exlibrisgroup.com"
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


def _decide_all(bibs: InMemoryZone, exports: list[Bib], profile: IntegrationProfile
                ) -> list[Decision]:
    """Each export decided in order, each decision applied before the next, as ``batch`` does."""
    zone = Zone(institution="01CARLI_XYZ", host=HOST, logon_id="01CARLI_XYZ",
                profiles=(profile,), bibs=bibs)
    decisions = []
    for record in exports:
        export = Export(record=record, logon_id="01CARLI_XYZ", password=profile.password, host=HOST)
        decision = decide(export, zone, NOW)
        bibs.apply(decision)
        decisions.append(decision)
    return decisions


def _outcomes(decisions: list[Decision]) -> list[tuple[str, str | None]]:
    return [(d.code.value, getattr(d, "mms_id", None)) for d in decisions]


def _three_ways(saved: Path, exports: list[Bib], profile: IntegrationProfile
                ) -> tuple[list[Decision], list[Decision], list[Decision]]:
    """In memory, from the index with records on demand, and from the index alone."""
    rules = profile.brief_rules
    in_memory = _decide_all(load_zone(saved, brief_rules=rules), exports, profile)
    indexed = _decide_all(load_zone(saved, brief_rules=rules, use_index=True), exports, profile)
    facts = InMemoryZone(brief_rules=rules, base=IndexedZoneView(
        ZoneIndex.load(saved / "index")))  # the index alone: no dump, no offsets
    facts_only = _decide_all(facts, exports, profile)
    return in_memory, indexed, facts_only


@pytest.mark.parametrize("profile_name", ["carli", "csu", "guards-off"])
def test_the_examples_decide_alike_from_the_index(tmp_path: Path, profile_name: str) -> None:
    profile = load_profile(EXAMPLES / "profiles" / f"{profile_name}.toml").profile
    saved = save_zone(load_zone(EXAMPLES / "zone", brief_rules=profile.brief_rules),
                      tmp_path / "zone")
    exports = [one for one in read_bibs(EXAMPLES / "exports.mrc") if isinstance(one, Bib)]
    in_memory, indexed, facts_only = _three_ways(saved, exports, profile)
    assert {d.code.value for d in in_memory} >= {"ADDED", "MERGED"}
    assert _outcomes(indexed) == _outcomes(in_memory)
    assert [getattr(d, "record", None) for d in indexed] == [
        getattr(d, "record", None) for d in in_memory
    ]
    assert [step.detail for d in indexed for step in d.trace] == [
        step.detail for d in in_memory for step in d.trace
    ]
    assert _outcomes(facts_only) == _outcomes(in_memory)


def _corpus_zone(records: list[Bib]) -> InMemoryZone:
    """A zone of corpus records as Alma saves them (001 the MMS ID), some locked or CZ-linked."""
    zone = InMemoryZone(sequence=MmsIdSequence(len(records) + 1))
    for serial, record in enumerate(records, start=1):
        mms_id = f"99{serial}5681"
        saved = fold_003(record)
        fields = [one for one in saved.fields if one.tag != "001"]
        zone.store(mms_id, saved.with_fields([ControlField("001", mms_id), *fields]),
                   originating_version=Timestamp.parse("20150101000000.0") if serial % 3 else None)
        if serial % 7 == 0:
            zone.lock(mms_id, Lock(institution="01CARLI_XYZ", user="cat",
                                   last_activity=NOW - timedelta(minutes=10)))
        if serial % 11 == 0:
            zone.link_to_cz(mms_id)
    return zone


def test_a_corpus_file_decides_alike_from_the_index(tmp_path: Path, corpus: Path) -> None:
    records = [one for one in islice(read_bibs(corpus / "solrmarc_uva_001_2000.mrc"), 600)
               if not isinstance(one, Unreadable)]
    saved = save_zone(_corpus_zone(records[: len(records) // 2]), tmp_path / "zone")
    profile = IntegrationProfile.carli("secret")
    in_memory, indexed, facts_only = _three_ways(saved, records, profile)
    codes = {d.code.value for d in in_memory}
    assert codes >= {"ADDED", "MERGED", "NOT_ADDED_LOCKED", "SKIPPED_CZ_LINKED"}
    assert _outcomes(indexed) == _outcomes(in_memory)
    assert [getattr(d, "record", None) for d in indexed] == [
        getattr(d, "record", None) for d in in_memory
    ]
    # Each bib is merged at most once here, so facts-only merges change nothing a later export
    # could see: the outcomes agree, and the merged record is not computed.
    assert _outcomes(facts_only) == _outcomes(in_memory)
    merges = [d for d in facts_only if isinstance(d, Merge)]
    assert merges
    assert all(d.record is None for d in merges)
    assert all("merged record is not computed" in d.trace[-1].detail for d in merges)


def test_a_batch_keeps_its_changes_over_the_index(tmp_path: Path) -> None:
    saved = save_zone(load_zone(EXAMPLES / "zone"), tmp_path / "zone")
    zone = load_zone(saved, use_index=True)
    assert isinstance(zone.base, IndexedZoneView)
    assert len(zone) == 0  # nothing held yet: every bib is the index's
    mms_id = next(iter(load_zone(saved)))
    facts = zone.facts(mms_id)
    assert facts is not None
    zone.lock(mms_id, Lock(institution="01CARLI_XYZ", last_activity=NOW))
    locked = zone.facts(mms_id)
    assert locked is not None
    assert locked.lock is not None
    for number in facts.active + facts.cancelled:
        assert [hit.mms_id for hit in zone.hits(number)].count(mms_id) >= 1
    assert list(zone) == [mms_id]
    assert zone.record(mms_id) == load_zone(saved).record(mms_id)
    with pytest.raises(InvalidZone):
        zone.lock("991", Lock(institution="01CARLI_XYZ", last_activity=NOW))
    assert zone.hits(OclcNumber.of(10**15)) == ()


def test_the_view_answers_as_the_index_does(tmp_path: Path) -> None:
    synthetic = synthesize_zone(3_000, seed=7)
    synthetic.build().save(tmp_path / "zone" / "index")
    index = ZoneIndex.load(tmp_path / "zone" / "index")
    view = IndexedZoneView.open(tmp_path / "zone")
    assert not view.keeps_records
    assert view.record(str(int(index.mms_ids[0]))) is None
    mms_ids = [str(int(one)) for one in index.mms_ids.tolist()]
    for mms_id in [*mms_ids, "991", "0", "x99", "99999999999999999999999"]:
        assert view.facts(mms_id) == index.facts(mms_id), mms_id
    values = sorted(set(index.key_values.tolist()))
    for value in [*values, 1, values[-1] + 1, 2**63 - 1]:
        number = OclcNumber.of(value)
        assert view.hits(number) == index.hits(number), value
    assert view.next_mms_id() == MmsIdSequence.after(mms_ids).peek()


# A saved zone's bibs: a record longer than the view's first read (a 500 of 9000 characters)
# or shorter, stored in any order (``bibs.mrc`` keeps it: rows, by MMS ID, are not in file order).
SAVED_MMS_IDS = [f"99{serial}0000015681" for serial in range(1, 6)]
OTHER_IDS = ["991", "0", "", "x99", "99999999999999999999999"]


def _saved_bib(mms_id: str, note: int) -> Bib:
    return Bib(leader="00000nam a2200000 i 4500", fields=(
        ControlField("001", mms_id),
        DataField.of("035", "  ", ("a", f"(OCoLC){mms_id[2:4]}")),
        DataField.of("245", "10", ("a", "Title")),
        DataField.of("500", "  ", ("a", "n" * note)),
    ))


@settings(max_examples=30, deadline=None)
@given(st.permutations(SAVED_MMS_IDS),
       st.lists(st.sampled_from([1, 300, 9000]), min_size=5, max_size=5),
       st.lists(st.tuples(st.sampled_from(["facts", "record", "part"]),
                          st.sampled_from(SAVED_MMS_IDS + OTHER_IDS)), max_size=25))
def test_the_view_answers_each_look_up_whatever_came_before(
    order: list[str], notes: list[int], calls: list[tuple[str, str]]
) -> None:
    # The view keeps the row of the MMS ID asked last and reads a record no further than the
    # next row's start: each answer is still the one the index and the whole dump give.
    with tempfile.TemporaryDirectory() as folder:
        memory = InMemoryZone.of([(mms_id, _saved_bib(mms_id, note))
                                  for mms_id, note in zip(order, notes, strict=True)])
        saved = save_zone(memory, Path(folder) / "zone")
        loaded = load_zone(saved)
        view = IndexedZoneView.open(saved)
        for kind, mms_id in calls:
            match kind:
                case "facts":
                    assert view.facts(mms_id) == view.index.facts(mms_id), mms_id
                case "record":
                    assert view.record(mms_id) == loaded.record(mms_id), mms_id
                case _:
                    whole = view.record_part(mms_id, lambda tags: list(range(len(tags))))
                    assert whole == loaded.record(mms_id), mms_id


def test_a_record_is_read_whole_whatever_the_next_offset(tmp_path: Path) -> None:
    # Offsets the files' digests would refuse (the next row's start inside this record, even
    # within its length digits) still read this record as an unbounded read does.
    first, second = SAVED_MMS_IDS[:2]
    bibs = {mms_id: _saved_bib(mms_id, 20) for mms_id in (first, second)}
    dump = tmp_path / "bibs.mrc"
    dump.write_bytes(framed := bib_to_marc(bibs[first]))
    index = zone_index(InMemoryZone.of(bibs))
    for following in range(1, len(framed) + 2):
        view = IndexedZoneView(index, dump=dump, offsets=np.array([0, following], np.uint64))
        assert view.record(first) == decode_record(framed), following


# The next MMS ID: most bibs' suffix, after its highest serial; IDs not shaped "99...dddd" ignored.
SEQUENCE_EXAMPLES = [
    ([], MmsIdSequence()),
    (["991234567890205681"], MmsIdSequence(123456789021, "5681")),
    (["9915681", "99105681", "99995681"], MmsIdSequence(100, "5681")),
    (["9915681", "9925681", "9935555"], MmsIdSequence(3, "5681")),
    (["9915555", "9925681"], MmsIdSequence(3, "5681")),  # a tie: the higher suffix
    (["12345", "881234567", "995681"], MmsIdSequence()),
]


@pytest.mark.parametrize(("mms_ids", "expected"), SEQUENCE_EXAMPLES)
def test_sequence_of_an_index_column(mms_ids: list[str], expected: MmsIdSequence) -> None:
    assert MmsIdSequence.after(mms_ids) == expected
    column = np.array([int(one) for one in mms_ids], dtype=np.uint64)
    assert mms_id_sequence_of(column) == expected


@given(st.lists(st.integers(min_value=1, max_value=2**64 - 1), max_size=30))
def test_sequence_of_agrees_with_sequence_after(values: list[int]) -> None:
    column = np.array(values, dtype=np.uint64)
    assert mms_id_sequence_of(column) == MmsIdSequence.after([str(one) for one in values])


def _batch_lines(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[list[str], str]:
    main(["batch", str(EXAMPLES / "exports.mrc"), *argv,
          "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now", "2026-03-05T10:30",
          "--json"])
    out, err = capsys.readouterr()
    lines = decision_lines(out)
    return [f"{line['code']} {line.get('mms_id')}" for line in lines], err


def test_the_command_line_serves_a_saved_zone_from_its_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "built"
    assert main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), "-o", str(target), "--json"]) == 0
    capsys.readouterr()
    from_dump, _ = _batch_lines(["--zone", str(EXAMPLES / "zone")], capsys)
    indexed, err = _batch_lines(["--zone", str(target)], capsys)
    assert indexed == from_dump
    assert "not computed" not in err
    # A saved zone missing a file is refused with one line naming it, never served half.
    (target / SAVED_OFFSETS).unlink()
    assert main(["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(target)]) == 3
    assert f"{SAVED_OFFSETS}" in capsys.readouterr().err
