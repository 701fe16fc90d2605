"""ZoneStore: decisions applied to a saved zone, committed to its journal, seen after reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from almamatch.core.decide import decide
from almamatch.core.decision import Add, Merge
from almamatch.core.facts import ZoneView
from almamatch.core.oclc import OclcNumber
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import Export, InMemoryZone, Zone
from almamatch.store import ZoneBusy, ZoneStore
from almamatch.zonefiles.zones import save_zone

NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
HOST = "zone.example"
LOGON = "01TEST"
PROFILE = IntegrationProfile.carli("secret")


def _bib(number: int, title: str = "A title", version: str = "20200101000000.0") -> Bib:
    return Bib(leader="00000nam a2200000 i 4500", fields=(
        ControlField("005", version),
        DataField.of("035", "  ", ("a", f"(OCoLC){number}")),
        DataField.of("245", "10", ("a", title)),
    ))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    zone = InMemoryZone.of({"9910000000015681": _bib(100), "9910000000025681": _bib(200)})
    return save_zone(zone, tmp_path / "zone")


def _decide(store: ZoneStore, record: Bib) -> Add | Merge:
    zone = Zone(institution=LOGON, host=HOST, logon_id=LOGON, profiles=(PROFILE,),
                bibs=store.view())
    decision = decide(Export(record=record, logon_id=LOGON, password="secret", host=HOST),
                      zone, NOW)
    assert isinstance(decision, Add | Merge), decision
    return decision


def test_committed_decisions_are_seen_after_reopening(saved: Path) -> None:
    with ZoneStore.open(saved) as store:
        added = _decide(store, _bib(300, version="20210101000000.0"))
        assert isinstance(added, Add)
        assert added.mms_id == "9910000000035681"
        store.apply(added)
        merged = _decide(store, _bib(100, title="New title", version="20220101000000.0"))
        assert isinstance(merged, Merge)
        store.apply(merged)
        assert store.pending == 2
        assert store.commit() == 1
        assert store.pending == 0
        uncommitted = _decide(store, _bib(400))
        store.apply(uncommitted)  # dropped at close
    with ZoneStore.open(saved) as store:
        view = store.view()
        facts = view.facts("9910000000035681")
        assert facts is not None
        assert [str(one) for one in facts.active] == ["(OCoLC)300"]
        assert isinstance(uncommitted, Add)
        assert uncommitted.mms_id == "9910000000045681"
        assert view.facts(uncommitted.mms_id) is None
        record = view.record("9910000000015681")
        assert record is not None
        assert merged.record is not None
        assert record.fields == merged.record.fields  # the leader's lengths are the file's
        assert view.next_mms_id() == "9910000000045681"
        again = _decide(store, _bib(300, version="20230101000000.0"))
        assert isinstance(again, Merge)


def test_one_writer_and_readers_beside_it(saved: Path) -> None:
    reader = ZoneStore.open(saved, readonly=True)
    with ZoneStore.open(saved) as store:
        with pytest.raises(ZoneBusy):
            ZoneStore.open(saved)
        store.apply(_decide(store, _bib(300)))
        assert reader.view().facts("9910000000035681") is None
        store.commit()
        assert reader.view().facts("9910000000035681") is not None
        assert reader.view().next_mms_id() == "9910000000045681"
    reader.close()


def _same_answers(one: ZoneView, other: ZoneView, numbers: list[int], mms_ids: list[str]
                  ) -> None:
    """Two views answer every look-up ``decide()`` makes alike."""
    for number in numbers:
        assert list(one.hits(OclcNumber(number))) == list(other.hits(OclcNumber(number)))
    for mms_id in mms_ids:
        assert one.facts(mms_id) == other.facts(mms_id)
        assert one.record(mms_id) == other.record(mms_id)
    assert one.next_mms_id() == other.next_mms_id()
    assert one.keeps_records == other.keeps_records


def test_settled_view_answers_as_the_view_before_and_after_commits(saved: Path) -> None:
    numbers = [100, 200, 300, 400]
    mms_ids = ["9910000000015681", "9910000000025681", "9910000000035681", "9910000000045681"]
    reader = ZoneStore.open(saved, readonly=True)
    settled = reader.settled_view()
    assert not isinstance(settled, InMemoryZone)  # nothing committed: layer 1 itself
    _same_answers(reader.view(), settled, numbers, mms_ids)
    with ZoneStore.open(saved) as store:
        with pytest.raises(ZoneBusy):
            store.settled_view()
        store.apply(_decide(store, _bib(300, version="20210101000000.0")))
        store.apply(_decide(store, _bib(100, title="New title", version="20220101000000.0")))
        store.commit()
        store.apply(_decide(store, _bib(400)))
        store.commit()
    reader.close()
    reader = ZoneStore.open(saved, readonly=True)
    settled = reader.settled_view()
    assert isinstance(settled, InMemoryZone)  # the committed layer, holding the journal's bibs
    _same_answers(reader.view(), settled, numbers, mms_ids)
    overlay = InMemoryZone(base=settled)
    over_view = InMemoryZone(base=reader.view())
    _same_answers(overlay, over_view, numbers, mms_ids)
    reader.close()


def test_the_pending_layer_asks_the_committed_layer_once_it_holds_something(saved: Path
                                                                            ) -> None:
    with ZoneStore.open(saved) as store:
        view = store.view()
        assert view.base is store._layer  # the layer under the empty one
        store.apply(_decide(store, _bib(300, version="20210101000000.0")))
        assert view.next_mms_id() == "9910000000045681"
        store.commit()
        assert store.view().base is store._committed
        assert view.next_mms_id() == "9910000000045681"
        added = _decide(store, _bib(500))
        assert isinstance(added, Add)
        assert added.mms_id == "9910000000045681"
        merged = _decide(store, _bib(300, title="Again", version="20230101000000.0"))
        assert isinstance(merged, Merge)


def test_an_empty_zone_answers_through_the_view_under_it() -> None:
    alone = InMemoryZone.of({"9910000000015681": _bib(100)})
    assert alone.answering() is alone
    empty = InMemoryZone()
    assert empty.answering() is empty
    over = InMemoryZone(base=InMemoryZone(base=alone))
    assert over.answering() is alone
