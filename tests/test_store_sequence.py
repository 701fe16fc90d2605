"""The MMS ID sequence rule: no store ever names, as its next MMS ID, one it holds.

Generated zones mix Alma-shaped MMS IDs of several suffixes, IDs of other systems and the IDs
that once made two paths disagree (9910005681, 9920005681, 99999991234). Every store is asked: an
``InMemoryZone`` built with ``of``, one built bib by bib, one over the compact index, the index
itself, and a saved ``ZoneStore`` after Adds committed to its journal.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.decision import Add
from almamatch.core.facts import MmsIdSequence, ZoneView, split_mms_id
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import InMemoryZone
from almamatch.index.sequence import mms_id_sequence_of
from almamatch.index.zone import ZoneIndex
from almamatch.store import ZoneStore
from almamatch.zonefiles.manifest import SAVED_INDEX
from almamatch.zonefiles.zones import save_zone, zone_index

KNOWN = ["9910005681", "9920005681", "99999991234"]

alma_ids = st.builds(lambda serial, suffix: f"99{serial}{suffix:04d}",
                     st.integers(min_value=0, max_value=10**12),
                     st.sampled_from([5681, 1234, 5681, 0, 9999]))
other_ids = st.integers(min_value=1, max_value=10**15).map(str)
zone_ids = st.lists(st.one_of(alma_ids, other_ids, st.sampled_from(KNOWN)), max_size=12,
                    unique_by=int).map(lambda ids: [*ids, *(one for one in KNOWN
                                                            if int(one) not in set(map(int, ids)))])


def _bib(number: int) -> Bib:
    return Bib(leader="00000nam a2200000 i 4500", fields=(
        DataField.of("035", "  ", ("a", f"(OCoLC){number}")),
        DataField.of("245", "10", ("a", "A title")),
    ))


def _add(mms_id: str, number: int) -> Add:
    record = _bib(number)
    return Add(mms_id=mms_id, record=Bib(leader=record.leader, fields=(
        ControlField("001", mms_id), *record.fields)), trace=())


@pytest.mark.parametrize(("mms_ids", "expected"), [
    ([], MmsIdSequence(1, "5681")),
    (KNOWN, MmsIdSequence(2001, "5681")),  # two IDs of 5681, highest serial 2000
    (["9910005681", "99999991234", "99999991234"[:-4] + "4321"], MmsIdSequence(1001, "5681")),
    (["9905681"], MmsIdSequence(1, "5681")),  # serial 0 is never issued
    (["12345", "881234567"], MmsIdSequence(1, "5681")),
    # The least ten-digit ID that leads with 99 counts for its suffix: 0000 twice, 5681 once.
    (["9900000000", "9910000000", "9910005681"], MmsIdSequence(1001, "0000")),
])
def test_after_examples(mms_ids: list[str], expected: MmsIdSequence) -> None:
    assert MmsIdSequence.after(mms_ids) == expected
    column = np.array([int(one) for one in mms_ids], dtype=np.uint64)
    assert mms_id_sequence_of(column) == expected
    assert mms_id_sequence_of(np.sort(column)) == expected


@pytest.mark.parametrize(("mms_id", "split"), [
    ("9910005681", (1000, "5681")),
    ("99999991234", (99999, "1234")),
    ("991234567890205681", (123456789020, "5681")),
    ("9905681", (0, "5681")),
    ("995681", None),  # no serial digit
    ("9810005681", None),
    ("99\uff110005681", None),  # non-ASCII digits (a fullwidth 1) are no MMS ID
])
def test_split_mms_id(mms_id: str, split: tuple[int, str] | None) -> None:
    assert split_mms_id(mms_id) == split


@settings(max_examples=60, deadline=None)
@given(zone_ids, st.integers(min_value=0, max_value=4))
def test_no_in_memory_store_issues_an_id_it_holds(mms_ids: list[str], adds: int) -> None:
    held = set(mms_ids)
    stepwise = InMemoryZone()
    for number, mms_id in enumerate(mms_ids, start=1):
        stepwise.store(mms_id, _bib(number))
        assert stepwise.next_mms_id() not in set(mms_ids[:number])
    index = zone_index(stepwise)
    stores: list[ZoneView] = [InMemoryZone.of({one: _bib(1) for one in mms_ids}), stepwise, index,
              InMemoryZone(base=index)]
    column = np.array([int(one) for one in mms_ids], dtype=np.uint64)
    assert mms_id_sequence_of(column) == MmsIdSequence.after(mms_ids)
    # Sorted (as a zone index keeps them), the column is read by slices: the same sequence.
    ordered = np.sort(column)
    assert mms_id_sequence_of(ordered) == MmsIdSequence.after(mms_ids)
    backwards = ordered[::-1]  # KNOWN is in every zone: two IDs or more, so not sorted
    for suffix in ("5681", "1234"):
        assert mms_id_sequence_of(ordered, suffix=suffix) == mms_id_sequence_of(backwards,
                                                                                suffix=suffix)
    for store in stores:
        assert store.next_mms_id() not in held
    for store in (stores[0], stores[1], stores[3]):
        assert isinstance(store, InMemoryZone)
        for step in range(adds):
            mms_id = store.next_mms_id()
            assert store.facts(mms_id) is None
            store.apply(_add(mms_id, 10_000 + step))
            assert store.next_mms_id() != mms_id


@settings(max_examples=15, deadline=None)
@given(zone_ids)
def test_no_saved_store_issues_an_id_it_holds(mms_ids: list[str]) -> None:
    with TemporaryDirectory() as folder:
        saved = save_zone(InMemoryZone.of({one: _bib(n) for n, one in enumerate(mms_ids, 1)}),
                          Path(folder) / "zone")
        issued = []
        with ZoneStore.open(saved) as store:
            for step in range(3):
                mms_id = store.view().next_mms_id()
                assert mms_id not in mms_ids
                assert mms_id not in issued
                store.apply(_add(mms_id, 10_000 + step))
                issued.append(mms_id)
                store.commit()
        with ZoneStore.open(saved, readonly=True) as reader:
            assert reader.view().next_mms_id() not in {*mms_ids, *issued}


@settings(max_examples=15, deadline=None)
@given(zone_ids)
def test_the_saved_sequence_is_the_derived_one(mms_ids: list[str]) -> None:
    """A saved index keeps the sequence its build derived; opened with its digests checked it
    answers that one, which is the rule's, as an index opened unchecked or saved before it kept
    one (no ``mms_id_sequence`` in its manifest) derives again."""
    expected = MmsIdSequence.after(mms_ids)
    with TemporaryDirectory() as folder:
        saved = save_zone(InMemoryZone.of({one: _bib(n) for n, one in enumerate(mms_ids, 1)}),
                          Path(folder) / "zone")
        index = saved / SAVED_INDEX
        checked = ZoneIndex.load(index, digests_checked=True)
        assert checked.saved_sequence == expected
        assert checked.sequence() == expected
        assert ZoneIndex.load(index).saved_sequence is None
        assert ZoneIndex.load(index).sequence() == expected
        manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        del manifest["mms_id_sequence"]
        (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        older = ZoneIndex.load(index, digests_checked=True)
        assert older.saved_sequence is None
        assert older.sequence() == expected
