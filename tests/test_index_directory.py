"""The key directory answers exactly as a plain binary search over the keys does: any keys (none,
repeated, dense, sparse, at bucket edges, uint32 or uint64), saved with the index or computed for an
index saved before it had one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.index.directory import (
    KEYS_PER_BUCKET,
    KEYS_PER_REGION,
    WINDOW,
    key_directory,
    search_directory,
)
from almamatch.index.synthetic import synthesize_zone
from almamatch.index.zone import InvalidIndex, ZoneIndex

Array = npt.NDArray[Any]


def _plain(keys: Array, wanted: Array) -> tuple[list[int], list[int]]:
    return (np.searchsorted(keys, wanted, side="left").tolist(),
            np.searchsorted(keys, wanted, side="right").tolist())


def _edges(keys: Array) -> list[int]:
    """Values around every key and around every edge of a bucket or region next to a key: each
    such edge is a multiple of a power of two."""
    edges = {0, 1, 2}
    for key in keys.tolist():
        for bits in range(64):
            edge = (key >> bits) << bits
            edges.update({edge - 1, edge, edge + 1, edge + (1 << bits), edge + (1 << bits) - 1})
    return sorted(value for value in edges if value >= 0)


@st.composite
def _keys(draw: st.DrawFn) -> Array:
    """Sorted keys: sparse or dense, with runs of a shared value, some at the top of the type."""
    top = draw(st.sampled_from([2**4, 2**10, 2**20, 2**32 - 1, 2**63 - 1]))
    values = draw(st.lists(st.integers(min_value=1, max_value=top), max_size=300))
    repeated = draw(st.lists(st.sampled_from(values), max_size=40)) if values else []
    dense_start = draw(st.integers(min_value=1, max_value=top))
    dense = list(range(dense_start, min(dense_start + draw(st.integers(0, 60)), top + 1)))
    dtype = np.uint32 if top < 2**32 else np.uint64
    return np.sort(np.array(values + repeated + dense, dtype=dtype))


@settings(max_examples=100, deadline=None)
@given(_keys(), st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=50), st.data())
def test_directory_search_equals_a_plain_binary_search(
        keys: Array, others: list[int], data: st.DataObject) -> None:
    limit = int(np.iinfo(keys.dtype).max)
    wanted = [value for value in _edges(keys) + others if value <= limit]
    wanted += data.draw(st.lists(st.sampled_from(wanted), max_size=30))  # repeated, unsorted
    queries = np.array(data.draw(st.permutations(wanted)), dtype=keys.dtype)
    directory = key_directory(keys)
    assert int(directory[-1]) == len(keys)
    regions = len(keys) // KEYS_PER_REGION + 1
    assert len(directory) <= 1.42 * len(keys) / KEYS_PER_BUCKET + 3 * regions + 3
    starts, ends = search_directory(keys, directory, queries)
    assert (starts.tolist(), ends.tolist()) == _plain(keys, queries)


@pytest.mark.parametrize("shared_by", [1, WINDOW - 1, WINDOW, WINDOW + 1, 300])
def test_a_crowded_bucket_is_searched_to_its_end(shared_by: int) -> None:
    # Values dense enough that a bucket holds more keys than the window, a long run of one number
    # among them, and the chunks of many queries.
    keys = np.sort(np.concatenate([np.arange(1, 50_001, dtype=np.uint32),
                                   np.full(shared_by, 25_000, dtype=np.uint32),
                                   np.array([2**32 - 1], dtype=np.uint32)]))
    queries = np.random.default_rng(3).permutation(np.concatenate([
        np.arange(0, 50_003, dtype=np.uint32), np.array([2**32 - 2, 2**32 - 1], np.uint32)]))
    starts, ends = search_directory(keys, key_directory(keys), queries)
    assert (starts.tolist(), ends.tolist()) == _plain(keys, queries)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
def test_lookup_equals_a_plain_binary_search_on_either_key_type(dtype: type[Any]) -> None:
    zone = synthesize_zone(20_000, seed=6)
    columns = dict(zone.columns)
    values = np.asarray(columns["key_values"], dtype=np.uint64)
    if dtype is np.uint64:
        values = values.copy()
        values[-1] = 2**40  # one number past uint32: every key is uint64
    columns["key_values"] = values
    index = ZoneIndex.from_arrays(**columns)
    assert index.key_values.dtype == dtype
    rng = np.random.default_rng(8)
    queries = np.concatenate([values[rng.integers(0, len(values), 60_000)],
                              rng.integers(0, 2**33, 30_000, dtype=np.uint64),
                              np.array([0, 2**32 - 1, 2**32, 2**40, 2**64 - 1], np.uint64)])
    keys = np.asarray(index.key_values, dtype=np.uint64)
    for batch in (queries, np.sort(queries)):
        starts, ends = index.lookup(batch)
        assert (starts.tolist(), ends.tolist()) == _plain(keys, batch)


def test_the_directory_is_saved_and_an_index_saved_without_one_still_opens(
        tmp_path: Path) -> None:
    index = synthesize_zone(3_000, seed=9).build()
    saved = index.save(tmp_path / "index")
    opened = ZoneIndex.load(saved)
    assert isinstance(opened.key_buckets, np.ndarray)
    assert np.array_equal(opened.key_buckets, key_directory(np.asarray(index.key_values)))
    assert opened.nbytes == index.nbytes
    # An index saved before the directory existed: computed when opened, same answers.
    older = tmp_path / "older"
    shutil.copytree(saved, older)
    (older / "key_buckets.npy").unlink()
    queries = np.arange(0, int(index.key_values[-1]) + 5, 7, dtype=np.uint64)
    expected = index.lookup(queries)
    for folder in (saved, older):
        got = ZoneIndex.load(folder).lookup(queries)
        assert [one.tolist() for one in got] == [one.tolist() for one in expected]


@pytest.mark.parametrize("name", ["key_buckets.npy", "row_starts.npy"])
@pytest.mark.parametrize("change", [
    lambda column: column[:-1].copy(),  # an entry short (a bucket, a row)
    lambda column: column.astype(np.uint64),  # another type
    lambda column: np.minimum(column, column[-1] - 1),  # does not end at the key count
])
def test_a_derived_column_that_does_not_fit_the_keys_is_refused(
        tmp_path: Path, change: Any, name: str) -> None:
    # The key directory and the row starts, each saved beside the index and loaded by one loader.
    saved = synthesize_zone(500, seed=2).build().save(tmp_path / "index")
    path = saved / name
    np.save(path, change(np.load(path)))
    with pytest.raises(InvalidIndex, match=re.escape(name)):
        ZoneIndex.load(saved)


def test_keys_out_of_order_beside_a_saved_directory_are_refused_naming_the_keys(
        tmp_path: Path) -> None:
    """The directory is checked against the largest key, which is the last only in sorted keys:
    keys whose first is above their last are refused as such, naming their column."""
    saved = synthesize_zone(500, seed=2).build().save(tmp_path / "index")
    path = saved / "key_values.npy"
    keys = np.load(path)
    np.save(path, keys[::-1].copy())
    with pytest.raises(InvalidIndex, match=r"key_values\.npy.*keys not sorted"):
        ZoneIndex.load(saved)
