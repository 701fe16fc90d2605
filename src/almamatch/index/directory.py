"""The key directory: where the sorted keys of each bucket of values start, for lookups at scale.

Theory of operation: a binary search over ten million keys makes some 24 dependent probes per
value, most of them cache misses, so a million values cost more than a tenth of a second even when
sorted first (and the sort costs as much again). Keys are spread over their values, so the top
bits of a value tell where it lies: the directory holds, for each bucket of ``2**shift``
consecutive values, the position of the bucket's first key (``offsets[b]`` is how many keys are
below ``b << shift``; the last entry is the key count). A lookup reads one offset, then a window of
``WINDOW`` keys from there, and counts the keys below the value and those up to it: those counts
are the start and end of the value's run. Every step is one vectorized pass over a chunk of
values, with no sort and no dependent probe: two cache misses a value (the offset, the window)
instead of twenty. The keys past a bucket are above every value of it, so a window that runs into
the next bucket still counts right; a value whose bucket holds more keys than the window (a dense
range of numbers, a number many bibs share) is searched further inside its bucket, by a
vectorized binary search over the few such values.

The shift is the smallest that keeps the buckets at most one for every ``KEYS_PER_BUCKET`` keys,
so the directory costs at most 4 / ``KEYS_PER_BUCKET`` bytes a key; it follows from the key count
and the largest key, so a saved directory needs no other field to be checked.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["KEYS_PER_BUCKET", "WINDOW", "directory_dtype", "directory_shift", "key_directory",
           "search_directory"]

Array = npt.NDArray[Any]

#: Keys per bucket at least (on average): the directory is at most 4 / this bytes a key.
KEYS_PER_BUCKET: Final = 2
#: Keys read from a bucket's start before a value is searched further inside its bucket.
WINDOW: Final = 4
#: Values looked up per pass: each pass's arrays stay in the core's cache.
_CHUNK: Final = 32768
_BUILD_CHUNK: Final = 1 << 20


def directory_shift(largest: int, count: int) -> int:
    """The bucket width (``2**shift`` values) for ``count`` keys up to ``largest``."""
    most = max(count // KEYS_PER_BUCKET, 1)
    shift = 0
    while (largest >> shift) + 1 > most:
        shift += 1
    return shift


def directory_dtype(count: int) -> np.dtype[Any]:
    """Offsets are key positions: uint32 while the keys are fewer than 2**32."""
    return np.dtype(np.uint32) if count < 2**32 else np.dtype(np.uint64)


def _bucket_count(keys: Array, shift: int) -> int:
    return (int(keys[-1]) >> shift) + 1 if len(keys) else 1


def key_directory(keys: Array) -> Array:
    """The directory of sorted ``keys``: ``len`` is the bucket count + 1, the last entry
    ``len(keys)``. Built a million keys at a time (one bincount each), so it holds no copy of the
    keys."""
    count = len(keys)
    shift = directory_shift(int(keys[-1]) if count else 0, count)
    offsets = np.zeros(_bucket_count(keys, shift) + 1, dtype=directory_dtype(count))
    for first in range(0, count, _BUILD_CHUNK):
        buckets = np.asarray(keys[first:first + _BUILD_CHUNK]) >> shift
        low, high = int(buckets[0]), int(buckets[-1])
        counts = np.bincount((buckets - buckets.dtype.type(low)).astype(np.intp))
        offsets[low + 1:high + 2] += counts.astype(offsets.dtype)
    np.cumsum(offsets, out=offsets)
    return offsets


def search_directory(keys: Array, offsets: Array, wanted: Array) -> tuple[Array, Array]:
    """``(np.searchsorted(keys, wanted, "left"), ... "right")`` through the directory.

    ``wanted`` has the keys' dtype; ``offsets`` is ``key_directory(keys)``.
    """
    count = len(keys)
    if count < WINDOW:
        return (np.searchsorted(keys, wanted, side="left").astype(np.intp),
                np.searchsorted(keys, wanted, side="right").astype(np.intp))
    shift = directory_shift(int(keys[-1]), count)
    starts = np.empty(len(wanted), dtype=np.intp)
    ends = np.empty(len(wanted), dtype=np.intp)
    last_bucket = wanted.dtype.type(len(offsets) - 1)
    limit = count - WINDOW
    size = min(_CHUNK, len(wanted))
    # One set of arrays for every chunk, written in place (``out=``).
    buckets, window = np.empty(size, wanted.dtype), np.empty(size, offsets.dtype)
    positions, key = np.empty(size, np.intp), np.empty(size, keys.dtype)
    flag, below, through = np.empty(size, np.bool_), np.empty(size, np.uint8), np.empty(
        size, np.uint8)
    for first in range(0, len(wanted), _CHUNK):
        values = wanted[first:first + _CHUNK]
        if len(values) < size:
            size = len(values)
            buckets, window, positions, key, flag, below, through = (
                buckets[:size], window[:size], positions[:size], key[:size], flag[:size],
                below[:size], through[:size])
        np.right_shift(values, shift, out=buckets)
        # A value past the largest key reads the last entry (the key count): every key is below.
        np.minimum(buckets, last_bucket, out=buckets)
        # Every position taken is in range (buckets up to the last entry, windows clipped to
        # the keys), so "wrap" never wraps: it only spares ``take`` its bounds check and its copy.
        offsets.take(buckets, out=window, mode="wrap")
        # A window that would run off the keys starts earlier: the keys it adds are of earlier
        # buckets, below the value, and counted as such.
        np.minimum(window, limit, out=window)
        start = window.astype(np.intp)
        below.fill(0)
        through.fill(0)
        for step in range(WINDOW):
            np.add(start, step, out=positions)
            keys.take(positions, out=key, mode="wrap")
            np.add(below, np.less(key, values, out=flag), out=below)
            np.add(through, np.less_equal(key, values, out=flag), out=through)
        crowded = np.flatnonzero((through == WINDOW) & (start < limit))
        run_starts = np.add(start, below, out=starts[first:first + size])
        run_ends = np.add(start, through, out=ends[first:first + size])
        if len(crowded):
            _search_buckets(keys, offsets, values, buckets=buckets, crowded=crowded,
                            below=run_starts, through=run_ends)
    return starts, ends


def _search_buckets(keys: Array, offsets: Array, values: Array, *, buckets: Array,
                    crowded: Array, below: Array, through: Array) -> None:
    """Finish the values whose window held only keys up to them: search the rest of their
    bucket (its end is the next bucket's offset, above every value of this one)."""
    wanted = values[crowded]
    ends = offsets.take(buckets[crowded].astype(np.intp) + 1).astype(np.intp)
    beyond = below[crowded] == through[crowded]  # the whole window was below the value too
    if beyond.any():
        which = crowded[beyond]
        below[which] = _lower_bounds(keys, wanted[beyond], below[which], ends[beyond],
                                     inclusive=False)
    through[crowded] = _lower_bounds(keys, wanted, through[crowded], ends, inclusive=True)


def _lower_bounds(keys: Array, wanted: Array, low: Array, high: Array, *, inclusive: bool
                  ) -> Array:
    """For each value, the first position in ``[low, high)`` whose key is above it (at or above
    it unless ``inclusive``), or ``high``: one binary search step per pass over all values."""
    low = low.copy()
    width = high - low
    live = np.flatnonzero(width > 0)
    while len(live):
        half = width[live] >> 1
        middle = low[live] + half
        key = keys.take(middle)
        right = key <= wanted[live] if inclusive else key < wanted[live]
        low[live] = np.where(right, middle + 1, low[live])
        width[live] = np.where(right, width[live] - half - 1, half)
        live = live[width[live] > 0]
    return low
