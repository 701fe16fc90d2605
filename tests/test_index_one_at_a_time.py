"""One number or one bib at a time (what ``decide()`` asks of a zone index for each export):
``hits`` through the key directory's bucket, ``row_of``, and ``facts`` through the row starts
answer as a plain scan of the columns does, for any keys (none, shared, dense, sparse, uint32 or
uint64) and any bibs (with no key, or many); the row starts are saved with the index and derived
for one saved before them; a damaged key or ``row_keys`` column is refused when the index opens,
naming it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.facts import Side
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm, OclcNumber
from almamatch.index.rows import row_starts
from almamatch.index.synthetic import synthesize_zone
from almamatch.index.zone import NOTED_ROWS, InvalidIndex, ZoneIndex
from almamatch.zonefiles import InvalidZoneFile, load_zone
from almamatch.zonefiles.zones import IndexedZoneView

Array = npt.NDArray[Any]
SIDES = (Side.ACTIVE.value, Side.CANCELLED.value)


def _scanned_hits(index: ZoneIndex, value: int) -> list[tuple[str, str, str]]:
    """Every key of ``value``, found by reading each key in turn (no search, no directory)."""
    return sorted(
        (str(int(index.mms_ids[index.key_rows[at]])), SIDES[int(index.key_sides[at])],
         OclcNumber(value, OclcForm.from_code(int(index.key_forms[at]))).literal)
        for at in np.flatnonzero(np.asarray(index.key_values, dtype=np.uint64) == value).tolist())


def _scanned_numbers(index: ZoneIndex, row: int) -> tuple[list[str], list[str]]:
    """A bib's active and cancelled numbers, by reading every key's row."""
    found: tuple[list[str], list[str]] = ([], [])
    for at in np.flatnonzero(np.asarray(index.key_rows) == row).tolist():
        number = OclcNumber(int(index.key_values[at]),
                            OclcForm.from_code(int(index.key_forms[at])))
        found[int(index.key_sides[at])].append(number.literal)
    return sorted(found[0]), sorted(found[1])


def _agrees_with_a_scan(index: ZoneIndex, queries: list[int]) -> None:
    for value in queries:
        got = sorted((hit.mms_id, hit.side.value, hit.number.literal)
                     for hit in index.hits(OclcNumber.of(value)))
        assert got == _scanned_hits(index, value), value
    for row, mms in enumerate(index.mms_ids.tolist()):
        mms_id = str(int(mms))
        assert index.row_of(mms_id) == row
        facts = index.facts(mms_id)
        assert facts is not None
        active, cancelled = _scanned_numbers(index, row)
        assert sorted(one.literal for one in facts.active) == active
        assert sorted(one.literal for one in facts.cancelled) == cancelled


keys_of = st.lists(
    st.tuples(st.integers(0, 11),  # the bib: twelve, so that some have none and some many
              st.one_of(st.integers(1, 40), st.integers(1, 2**32 - 1),
                        st.integers(2**32, MAX_OCLC_NUMBER)),
              st.integers(0, 1), st.sampled_from([0, 4, 5])),
    max_size=60)


@settings(max_examples=150, deadline=None)
@given(keys=keys_of, narrow=st.booleans())
def test_one_at_a_time_agrees_with_a_scan(keys: list[tuple[int, int, int, int]],
                                          narrow: bool) -> None:
    if narrow:  # uint32 keys
        keys = [(bib, value % 2**32 or 1, side, form) for bib, value, side, form in keys]
    index = ZoneIndex.from_arrays(
        mms_ids=[990000 + 10_000 * serial + 5681 for serial in range(12)],
        brief_levels=[10] * 12, versions=[-1] * 12, cz_linked=[False] * 12,
        key_bibs=[one[0] for one in keys], key_values=[one[1] for one in keys],
        key_sides=[one[2] for one in keys], key_forms=[one[3] for one in keys])
    values = sorted({one[1] for one in keys})
    around = {min(max(value + step, 1), MAX_OCLC_NUMBER) for value in values
              for step in (-1, 0, 1)}
    _agrees_with_a_scan(index, sorted(around | {1, 2**32 - 1, 2**32, MAX_OCLC_NUMBER}))


def test_a_synthetic_zone_agrees_with_a_scan() -> None:
    index = synthesize_zone(2_000, seed=5).build()
    values = np.unique(np.asarray(index.key_values, dtype=np.uint64)).tolist()
    _agrees_with_a_scan(index, [*values[::7], values[-1] + 1, 2**32 + 3])


@pytest.mark.parametrize("mms_id", ["9", "991", "x99", "", "٩٩١", "9" * 21, "9" * 5000,
                                    str(2**64), "99999999999999999999"])
def test_an_mms_id_the_zone_lacks_has_no_row(mms_id: str) -> None:
    index = synthesize_zone(300, seed=3).build()
    assert index.row_of(mms_id) is None
    assert index.facts(mms_id) is None


def test_row_starts_bound_each_rows_keys() -> None:
    # Rows 0 and 3 have no key; row 1 three, row 2 one, row 4 two.
    key_rows = np.array([1, 4, 2, 1, 1, 4], dtype=np.uint32)
    assert row_starts(key_rows, 5).tolist() == [0, 0, 3, 4, 4, 6]
    assert row_starts(key_rows[:0], 2).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="row 4 in 4 bibs"):
        row_starts(key_rows, 4)


def test_the_row_starts_are_saved_and_an_index_saved_without_them_still_opens(
        tmp_path: Path) -> None:
    index = synthesize_zone(1_000, seed=4).build()
    saved = index.save(tmp_path / "index")
    opened = ZoneIndex.load(saved)
    assert isinstance(opened.row_starts, np.ndarray)
    assert isinstance(opened.row_starts.base, np.memmap)  # mapped, not derived
    assert opened.nbytes == index.nbytes
    older = tmp_path / "older"
    shutil.copytree(saved, older)
    (older / "row_starts.npy").unlink()
    derived = ZoneIndex.load(older)
    assert np.array_equal(np.asarray(derived.row_starts), np.asarray(index.row_starts))
    for mms in index.mms_ids.tolist()[::13]:
        assert derived.facts(str(int(mms))) == index.facts(str(int(mms)))


def test_a_key_row_past_the_bibs_is_refused_when_the_row_starts_are_derived(
        tmp_path: Path) -> None:
    saved = synthesize_zone(300, seed=2).build().save(tmp_path / "index")
    (saved / "row_starts.npy").unlink()
    path = saved / "key_rows.npy"
    np.save(path, np.load(path) + 1000)
    with pytest.raises(InvalidIndex, match=r"key_rows\.npy.*in 300 bibs"):
        ZoneIndex.load(saved)


def _damage_keys(saved: Path, first: int | None, last: int | None) -> None:
    path = saved / "key_values.npy"
    keys = np.load(path).astype(np.uint64)
    if first is not None:
        keys[0] = first
    if last is not None:
        keys[-1] = last
    np.save(path, keys)


@pytest.mark.parametrize(("first", "last"), [(0, None), (None, MAX_OCLC_NUMBER + 1),
                                             (None, 2**64 - 1)])
def test_a_key_column_that_holds_no_oclc_number_is_refused_on_open(
        tmp_path: Path, first: int | None, last: int | None) -> None:
    # Still sorted, so only the range says it is damaged: the index and the zone both refuse it.
    synthesize_zone(300, seed=2).build().save(tmp_path / "zone" / "index")
    _damage_keys(tmp_path / "zone" / "index", first, last)
    with pytest.raises(InvalidIndex, match=r"key_values\.npy.*OCLC numbers are 1\.\.2\*\*63-1"):
        ZoneIndex.load(tmp_path / "zone" / "index")
    with pytest.raises(InvalidZoneFile, match=r"key_values\.npy"):
        load_zone(tmp_path / "zone", use_index=True)


def test_a_key_out_of_range_inside_the_column_is_refused_as_unsorted(tmp_path: Path) -> None:
    synthesize_zone(300, seed=2).build().save(tmp_path / "zone" / "index")
    path = tmp_path / "zone" / "index" / "key_values.npy"
    keys = np.load(path)
    keys[len(keys) // 2] = 0
    np.save(path, keys)
    with pytest.raises(InvalidZoneFile, match=r"key_values\.npy.*not sorted"):
        load_zone(tmp_path / "zone", use_index=True)


def test_a_saved_zone_view_reads_facts_by_the_rows_its_hits_noted(tmp_path: Path) -> None:
    # More bibs than the view remembers rows of (NOTED_ROWS), asked in two orders: each hit's
    # facts right after its hits, then every bib again after all the hits.
    index = synthesize_zone(3 * NOTED_ROWS, seed=8).build()
    index.save(tmp_path / "zone" / "index")
    view = IndexedZoneView.open(tmp_path / "zone")
    values = np.unique(np.asarray(index.key_values, dtype=np.uint64)).tolist()
    for value in values:
        for hit in view.hits(OclcNumber.of(value)):
            assert view.facts(hit.mms_id) == index.facts(hit.mms_id)
    for mms in [*index.mms_ids.tolist(), int(index.mms_ids[-1]) + 1, 991]:
        assert view.facts(str(int(mms))) == index.facts(str(int(mms)))
