"""A zone index's one-at-a-time look-ups (``ZoneIndex.hits`` and ``facts_of_row``, and their
compiled twins in ``almamatch._native.zonekeys``) say what a plain search of the sorted keys says.

The reference is ``bisect`` over the keys as a Python list: the hits of a number are the keys
from its leftmost to past its rightmost position, each the bib of its row, its side and its form,
in key order; a bib's facts hold the numbers of the keys whose row it is. Hypothesis builds keys
that spread evenly, crowd into clusters, repeat a value on many bibs and sit at both ends of a
region of the key directory (where the compiled look-up's guess of a value's place is farthest
off), uint32 and uint64 ones, then asks for every key's value and its neighbours. Both paths are
checked, whatever ``ALMAMATCH_PURE`` says: the pure one always, the compiled one where built.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.facts import Side
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcNumber
from almamatch.index import zone as zone_module
from almamatch.index.zone import ZoneIndex

try:
    from almamatch._native import zonekeys
except ImportError:  # pragma: no cover (a machine without a C compiler)
    zonekeys = None  # type: ignore[assignment]

SIDES = (Side.ACTIVE, Side.CANCELLED)
Lookups = tuple[Callable[..., Any], Callable[..., Any]]


def paths(index: ZoneIndex) -> list[tuple[str, Lookups]]:
    """``(hits, facts_of_row)`` of the pure path and, where built, of the compiled one."""
    found: list[tuple[str, Lookups]] = [("pure", (index.hits, index.facts_of_row))]
    if zonekeys is not None:
        picked = zone_module._ZONE_KEYS
        try:
            zone_module._ZONE_KEYS = zonekeys.ZoneKeys  # type: ignore[misc]  # this test alone
            hits, _, facts_of_row = index.lookups()
        finally:
            zone_module._ZONE_KEYS = picked  # type: ignore[misc]
        assert isinstance(getattr(hits, "__self__", None), zonekeys.ZoneKeys)
        found.append(("compiled", (hits, facts_of_row)))
    return found


def plain_hits(index: ZoneIndex, keys: list[int], value: int) -> list[tuple[str, Side, int]]:
    """The hits of ``value`` by a plain binary search of the sorted keys."""
    return [(str(int(index.mms_ids[int(index.key_rows[at])])), SIDES[int(index.key_sides[at])],
             int(index.key_forms[at]))
            for at in range(bisect_left(keys, value), bisect_right(keys, value))]


def plain_numbers(index: ZoneIndex, row: int) -> tuple[list[tuple[int, int]], ...]:
    """The (value, form) of each key of bib ``row``, active then cancelled, in key order."""
    found: tuple[list[tuple[int, int]], ...] = ([], [])
    for at in np.flatnonzero(index.key_rows == row).tolist():
        found[int(index.key_sides[at])].append((int(index.key_values[at]),
                                                int(index.key_forms[at])))
    return found


def values_near(keys: list[int]) -> list[int]:
    around = {key + step for key in keys for step in (-2, -1, 0, 1, 2)}
    extra = {1, 2**32 - 1, 2**32, (keys[-1] if keys else 0) + 1, MAX_OCLC_NUMBER}
    return sorted(value for value in around | extra if 1 <= value <= MAX_OCLC_NUMBER)


@st.composite
def key_values(draw: st.DrawFn) -> list[int]:
    """Key values (unsorted, repeats allowed) in one of several spreads."""
    wide = draw(st.booleans())
    top = MAX_OCLC_NUMBER if wide else 2**32 - 1
    count = draw(st.integers(0, 600))
    spread = draw(st.sampled_from(["even", "clusters", "repeats", "edges"]))
    if spread == "even":
        low = draw(st.integers(1, top // 2))
        return draw(st.lists(st.integers(low, top), min_size=count, max_size=count))
    if spread == "clusters":
        centres = draw(st.lists(st.integers(1, top), min_size=1, max_size=4))
        width = draw(st.sampled_from([1, 50, 5000, 2**20]))
        offsets = draw(st.lists(st.tuples(st.integers(0, len(centres) - 1),
                                          st.integers(0, width)), min_size=count,
                                max_size=count))
        return [min(centres[at] + offset, top) for at, offset in offsets]
    if spread == "repeats":
        values = draw(st.lists(st.integers(1, top), min_size=1, max_size=8))
        return draw(st.lists(st.sampled_from(values), min_size=count, max_size=count))
    # Values at the ends of the directory's regions: just below and at multiples of 2**bits.
    bits = draw(st.integers(1, 40 if wide else 31))
    return [max(1, min(top, (draw(st.integers(1, 2**12)) << bits) - draw(st.integers(0, 1))))
            for _ in range(count)]


@settings(max_examples=80, deadline=None)
@given(values=key_values(), data=st.data())
def test_the_look_ups_find_what_a_plain_search_finds(values: list[int],
                                                     data: st.DataObject) -> None:
    bibs = data.draw(st.integers(1, 60))
    rows = data.draw(st.lists(st.integers(0, bibs - 1), min_size=len(values),
                              max_size=len(values)))
    index = ZoneIndex.from_arrays(
        mms_ids=np.arange(bibs, dtype=np.uint64) * 7 + 990_000_000_005_681,
        brief_levels=[1 + at % 10 for at in range(bibs)], versions=[-1] * bibs,
        cz_linked=[at % 3 == 0 for at in range(bibs)], key_bibs=rows, key_values=values,
        key_sides=[value % 2 for value in values],
        key_forms=[value % 251 for value in values])
    keys = [int(one) for one in index.key_values.tolist()]
    assert keys == sorted(values)
    for name, (hits, facts_of_row) in paths(index):
        noted: dict[str, int | None] = {}
        for value in values_near(keys):
            found = hits(OclcNumber.of(value), noted)
            assert [(hit.mms_id, hit.side, hit.number.form.code) for hit in found] == (
                plain_hits(index, keys, value)), (name, value)
            assert all(hit.number.value == value for hit in found), (name, value)
        for row in range(bibs):
            facts = facts_of_row(row)
            active, cancelled = plain_numbers(index, row)
            assert sorted((one.value, one.form.code) for one in facts.active) == sorted(active)
            assert sorted((one.value, one.form.code) for one in facts.cancelled) == sorted(
                cancelled), (name, row)
            assert facts.mms_id == str(int(index.mms_ids[row]))


def test_the_compiled_look_ups_of_a_damaged_directory_are_the_pure_ones() -> None:
    # A directory whose bases point past its offsets: the compiled look-up's guesses of where
    # keys are (its region table) read none of it, and every answer is the pure path's.
    if zonekeys is None:  # pragma: no cover
        pytest.skip("almamatch._native.zonekeys is not built")
    index = ZoneIndex.from_arrays(
        mms_ids=[991, 992, 993], brief_levels=[1, 2, 3], versions=[-1, -1, -1],
        cz_linked=[False, True, False], key_bibs=[0, 1, 2, 2], key_values=[5, 900, 70_000, 2**31],
        key_sides=[0, 1, 0, 1], key_forms=[0, 3, 0, 0])
    assert index.key_buckets is not None
    damaged = index.key_buckets.copy()
    damaged[0] = 10**6  # the first region's first bucket, far past the offsets
    broken = ZoneIndex(**{name: getattr(index, name) for name in (
        "key_values", "key_rows", "key_sides", "key_forms", "row_keys", "mms_ids",
        "brief_levels", "versions", "cz_linked")}, key_buckets=damaged,
        row_starts=index.row_starts)
    (_, (hits, facts_of_row)) = paths(broken)[1]
    for value in (1, 5, 6, 900, 70_000, 2**31, 2**31 + 1):
        number = OclcNumber.of(value)
        try:
            expected: Any = broken.hits(number)
        except Exception as error:  # the two paths must fail alike
            expected = type(error)
        try:
            got: Any = hits(number)
        except Exception as error:
            got = type(error)
        assert got == expected, value
    for row in range(3):
        assert facts_of_row(row) == broken.facts_of_row(row)
