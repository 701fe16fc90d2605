"""A merge reads only the fields it needs of a saved zone's record, and merges the same.

``IndexedZoneView.record_part`` decodes, of a well-formed UTF-8 record with an 001 and no 003,
only the fields ``MergePlans.read_positions`` names (and the 001); any other record (MARC-8, with
an 003, damaged) is read whole, exactly as ``record`` reads it, faults included. The views over
it (a zone in memory, a store's journal) give a record they hold whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from almamatch.core.decide import decide
from almamatch.core.decision import Merge
from almamatch.core.merge import MergeMethod, MergePlans
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import Export, InMemoryZone, Zone
from almamatch.marc import bib_to_marc
from almamatch.store import ZoneStore
from almamatch.zonefiles.manifest import InvalidZoneFile
from almamatch.zonefiles.zones import IndexedZoneView, save_zone, zone_index

LEADER = "00000nam a2200000 i 4500"
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
OVERLAY = MergeMethod.preset("Overlay all fields but local")
METHODS = [MergeMethod.preset(name) for name in MergeMethod.preset_names()]
MMS = "9910000000015681"
BIB = Bib(leader=LEADER, fields=(
    ControlField("001", MMS),
    ControlField("005", "20200101000000.0"),
    DataField.of("035", "  ", ("a", "(OCoLC)100")),
    DataField.of("090", "  ", ("a", "QA76"), ("9", "LOCAL")),
    DataField.of("245", "10", ("a", "Caf\u00e9 title")),
    DataField.of("500", "  ", ("a", "A note")),
    DataField.of("949", "  ", ("a", "item"), ("b", "copy")),
))
INCOMING = Bib(leader="00000nam a2200000 a 4500", fields=(
    ControlField("001", "ocm100"),
    DataField.of("035", "  ", ("a", "(OCoLC)100")),
    DataField.of("245", "10", ("a", "New title")),
))


def view_of(folder: Path, framed: bytes, mms_id: str = MMS) -> IndexedZoneView:
    """A saved zone's view whose one bib's record in ``bibs.mrc`` is ``framed``, as given."""
    index = zone_index(InMemoryZone.of({mms_id: BIB}))
    dump = folder / "bibs.mrc"
    dump.write_bytes(framed)
    return IndexedZoneView(index, dump=dump, offsets=np.zeros(1, dtype=np.uint64))


def reads(method: MergeMethod, incoming: Bib) -> Callable[[list[str]], list[int]]:
    return partial(MergePlans(method).read_positions, incoming=incoming)


def outcome(read: Callable[[], Bib | None]) -> Bib | str | None:
    try:
        return read()
    except InvalidZoneFile as error:
        return str(error)


@pytest.mark.parametrize("method", METHODS, ids=[method.name for method in METHODS])
def test_a_saved_record_merges_the_same_read_in_part(tmp_path: Path, method: MergeMethod) -> None:
    view = view_of(tmp_path, bib_to_marc(BIB))
    whole = view.record(MMS)
    part = view.record_part(MMS, reads(method, INCOMING))
    assert whole is not None
    assert part is not None
    assert method.apply(part, INCOMING) == method.apply(whole, INCOMING)
    assert part.leader == whole.leader


def test_overlay_decodes_the_001_035_local_extension_and_9xx_alone(tmp_path: Path) -> None:
    part = view_of(tmp_path, bib_to_marc(BIB)).record_part(MMS, reads(OVERLAY, INCOMING))
    assert part is not None
    assert [one.tag for one in part.fields] == ["001", "035", "090", "949"]
    assert part.fields == tuple(one for one in BIB.fields if one.tag in {"001", "035", "090",
                                                                          "949"})


def test_the_001_is_read_even_when_the_method_does_not_need_it(tmp_path: Path) -> None:
    view = view_of(tmp_path, bib_to_marc(BIB))
    part = view.record_part(MMS, lambda tags: [tags.index("245")])
    assert part is not None
    assert [one.tag for one in part.fields] == ["001", "245"]
    other = view_of(tmp_path, bib_to_marc(BIB.with_fields(
        (ControlField("001", "9920000000015681"), *BIB.fields[1:]))))
    with pytest.raises(InvalidZoneFile, match="another bib's"):
        other.record_part(MMS, lambda tags: [])


@pytest.mark.parametrize("framed", [
    # MARC-8 (Leader/09 blank): pymarc decodes it, whole
    bib_to_marc(BIB.with_fields(BIB.fields[:3] + BIB.fields[5:]))[:9] + b" "
    + bib_to_marc(BIB.with_fields(BIB.fields[:3] + BIB.fields[5:]))[10:],
    # an 003, which the zone folds into an 035 placed by tag order
    bib_to_marc(BIB.with_fields((DataField.of("500", "  ", ("a", "first")),
                                 ControlField("003", "OCoLC"), *BIB.fields))),
    # no 001: the zone gives it one
    bib_to_marc(BIB.with_fields(BIB.fields[1:])),
], ids=["marc-8", "003", "no-001"])
def test_other_records_are_read_whole(tmp_path: Path, framed: bytes) -> None:
    view = view_of(tmp_path, framed)
    view.assigned_mms_ids = True
    whole = view.record(MMS)
    assert whole is not None
    assert view.record_part(MMS, lambda tags: []) == whole


def _damaged(at_tag: str, replace: Callable[[bytes], bytes]) -> bytes:
    """``BIB`` framed, with the content of its field ``at_tag`` changed (same length)."""
    framed = bytearray(bib_to_marc(BIB))
    base = int(framed[12:17])
    for start in range(24, base - 1, 12):
        entry = bytes(framed[start : start + 12])
        if entry[:3] == at_tag.encode():
            first = base + int(entry[7:12])
            last = first + int(entry[3:7]) - 1
            changed = replace(bytes(framed[first:last]))
            assert len(changed) == last - first
            framed[first:last] = changed
    return bytes(framed)


def _swapped_entries(framed: bytes, first: int, second: int) -> bytes:
    """``framed`` with directory entries ``first`` and ``second`` swapped."""
    entries = [framed[at : at + 12] for at in range(24, int(framed[12:17]) - 1, 12)]
    entries[first], entries[second] = entries[second], entries[first]
    return framed[:24] + b"".join(entries) + framed[int(framed[12:17]) - 1 :]


@pytest.mark.parametrize("framed", [
    _damaged("245", lambda content: b"1\xc3" + content[2:]),  # indicators not ASCII
    _damaged("500", lambda content: content[:-1] + b"\x1e"),  # a field ends early
    _damaged("245", lambda content: content[:3] + b"\xff" + content[4:]),  # code over 0x7F
    _damaged("500", lambda content: b"1" + content[2:] + b"x"),  # one indicator
    bib_to_marc(BIB)[:-40] + b"\x1d",  # cut short
    _swapped_entries(bib_to_marc(BIB), 4, 5),  # directory not in data order (pymarc reads it)
], ids=["indicators", "terminator", "code", "one-indicator", "cut", "directory-order"])
def test_a_damaged_record_is_read_whole_faults_and_all(tmp_path: Path, framed: bytes) -> None:
    view = view_of(tmp_path, framed)
    read_part = partial(view.record_part, MMS, reads(OVERLAY, INCOMING))
    assert outcome(read_part) == outcome(partial(view.record, MMS))


fields = st.lists(st.one_of(
    st.builds(ControlField, st.sampled_from(["005", "008", "003", "001"]),
              st.sampled_from(["x", "1"])),
    st.builds(DataField.of, st.sampled_from(["035", "090", "245", "590", "650", "949"]),
              st.sampled_from(["  ", "9 ", "10"]),
              st.tuples(st.sampled_from("a9z"), st.sampled_from(["(OCoLC)1", "LOCAL", "\u00e9"]))),
), max_size=10)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(existing=fields | fields.map(partial(sorted, key=attrgetter("tag"))),  # in tag order too
       incoming=fields, method=st.sampled_from(METHODS))
def test_generated_records_merge_the_same_read_in_part(
        existing: list[ControlField | DataField], incoming: list[ControlField | DataField],
        method: MergeMethod) -> None:
    stored = Bib(leader=LEADER, fields=(ControlField("001", MMS), *existing))
    sent = Bib(leader=LEADER, fields=incoming)
    with tempfile.TemporaryDirectory() as folder:
        view = view_of(Path(folder), bib_to_marc(stored))
        whole = view.record(MMS)
        part = view.record_part(MMS, reads(method, sent))
        numbered = view.record_part(MMS, lambda tags: [])  # every 001 is read all the same
    assert whole is not None
    assert part is not None
    assert method.apply(part, sent) == method.apply(whole, sent)
    assert numbered is not None  # the 001s alone, or the record read whole (``record_part``)
    assert numbered.fields in (tuple(one for one in whole.fields if one.tag == "001"),
                               whole.fields)


def test_views_over_the_saved_zone_give_what_they_hold_whole(tmp_path: Path) -> None:
    saved = save_zone(InMemoryZone.of({MMS: BIB}), tmp_path / "zone")
    profile = IntegrationProfile.carli("secret")
    with ZoneStore.open(saved) as store:
        before = store.view().record_part(MMS, reads(OVERLAY, INCOMING))
        assert before is not None
        assert [one.tag for one in before.fields] == ["001", "035", "090", "949"]
        zone = Zone(institution="01TEST", host="h", logon_id="01TEST", profiles=(profile,),
                    bibs=store.view())
        decision = decide(Export(record=INCOMING, logon_id="01TEST", password="secret",
                                 host="h"), zone, NOW)
        assert isinstance(decision, Merge)
        assert decision.record is not None
        store.apply(decision)
        # pending, in memory: the whole merged record
        assert store.view().record_part(MMS, lambda tags: []) == decision.record
        store.commit()
    with ZoneStore.open(saved, readonly=True) as reader:
        # committed, from the journal: whole
        held = reader.view().record_part(MMS, lambda tags: [])
        assert held == reader.view().record(MMS)
        assert held is not None
        assert held.fields == decision.record.fields


