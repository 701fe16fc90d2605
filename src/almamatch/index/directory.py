"""The key directory: where the sorted keys of each bucket of values start, for lookups at scale.

Theory of operation: a binary search over ten million keys makes some 24 dependent probes per
value, most of them cache misses, so a million values cost more than a tenth of a second even when
sorted first (and the sort costs as much again). The bits of a value tell where it lies among the
keys if the directory knows how the keys spread: it cuts the values into regions of ``2**coarse``
consecutive values (at most one region for every ``KEYS_PER_REGION`` keys) and each region into a
power of two of buckets, as many as the region's keys over ``KEYS_PER_BUCKET`` (one bucket for an
empty region), so that a dense range of numbers gets narrow buckets and a sparse one wide buckets.
For each bucket it holds the position of the bucket's first key (``offsets``, the last entry the
key count). A lookup reads the region's first bucket and bucket width (a small table, mostly in
the cache), one offset, then a window of ``WINDOW`` keys from there, and counts the keys below the
value and those up to it: those counts are the start and end of the value's run. Every step is one
vectorized pass over a chunk of values, with no sort and no dependent probe: two cache misses a
value (the offset, the window) instead of twenty. The keys past a bucket are above every value of
it, so a window that runs into the next bucket still counts right; a value whose bucket holds more
keys than the window (a number many bibs share, numbers denser than their region) is searched
further inside its bucket, by a vectorized binary search over the few such values.

The directory is one column of key positions (uint32): the regions' first buckets, the regions'
bucket shifts, the bucket offsets. Its layout follows from the key count and the largest key, so a
saved directory needs no other field to be checked; it costs about 4 / ``KEYS_PER_BUCKET`` bytes a
key.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["KEYS_PER_BUCKET", "KEYS_PER_REGION", "WINDOW", "directory_dtype", "directory_parts",
           "directory_problem", "key_directory", "search_directory"]

Array = npt.NDArray[Any]

#: Keys per bucket (on average): the offsets cost about 4 / this bytes a key.
KEYS_PER_BUCKET: Final = 2
#: Keys per region at least: the region table (two entries a region) stays small.
KEYS_PER_REGION: Final = 64
#: Keys read from a bucket's start before a value is searched further inside its bucket.
WINDOW: Final = 4
#: Values looked up per pass: each pass's arrays stay in the core's cache.
_CHUNK: Final = 32768
_BUILD_CHUNK: Final = 1 << 20


def _regions(largest: int, count: int) -> tuple[int, int]:
    """``(coarse, regions)``: regions of ``2**coarse`` values, at most one per
    ``KEYS_PER_REGION`` keys, covering 0 to ``largest``."""
    most = max(count // KEYS_PER_REGION, 1)
    coarse = 0
    while (largest >> coarse) + 1 > most:
        coarse += 1
    return coarse, (largest >> coarse) + 1


def directory_dtype(count: int) -> np.dtype[Any]:
    """Entries are key positions: uint32 while the keys are fewer than 2**32."""
    return np.dtype(np.uint32) if count < 2**32 else np.dtype(np.uint64)


def _parts(directory: Array, regions: int) -> tuple[Array, Array, Array]:
    """The directory's three parts: each region's first bucket and bucket shift (one entry
    more, for values past the largest key), the bucket offsets."""
    return (directory[:regions + 1], directory[regions + 1:2 * regions + 2],
            directory[2 * regions + 2:])


def directory_parts(directory: Array, keys: Array) -> tuple[int, Array, Array, Array]:
    """``(coarse, bases, shifts, offsets)`` of ``directory``, the directory of the sorted ``keys``:
    a value up to the largest key is in bucket ``bases[r] + ((value & (2**coarse - 1)) >>
    shifts[r])`` of region ``r = value >> coarse``, and every key of that value is among
    ``keys[offsets[bucket]:offsets[bucket + 1]]``."""
    count = len(keys)
    coarse, regions = _regions(int(keys[-1]) if count else 0, count)
    return (coarse, *_parts(directory, regions))


def directory_problem(directory: Array, keys: Array) -> str | None:
    """What makes ``directory`` unfit to serve the sorted ``keys``, from its layout alone (its
    type, its length, its last entry), or None."""
    count = len(keys)
    largest = int(keys[-1]) if count else 0
    regions = _regions(largest, count)[1]
    dtype = directory_dtype(count)
    if directory.dtype != dtype or directory.ndim != 1 or len(directory) < 2 * regions + 3:
        return f"{directory.dtype}{directory.shape}, expected {dtype} of {regions} regions"
    buckets = int(directory[regions])
    if len(directory) != 2 * regions + buckets + 3 or int(directory[-1]) != count:
        return (f"{len(directory)} entries ending at {int(directory[-1])}, expected "
                f"{2 * regions + buckets + 3} ending at {count}")
    return None


def key_directory(keys: Array) -> Array:
    """The directory of sorted ``keys``, built a million keys at a time (one bincount each), so
    that it holds no copy of the keys."""
    count = len(keys)
    largest = int(keys[-1]) if count else 0
    coarse, regions = _regions(largest, count)
    per_region = np.zeros(regions, dtype=np.int64)
    for part in _sorted_parts(keys):
        region = (part >> np.uint64(coarse)).astype(np.intp)
        low = int(region[0])
        per_region[low:int(region[-1]) + 1] += np.bincount(region - low)
    # A power of two of buckets, the nearest to the region's keys over KEYS_PER_BUCKET, at most
    # one a value (frexp's exponent of x * sqrt(2) is log2(x) rounded, plus one).
    wanted = np.maximum(per_region / KEYS_PER_BUCKET, 1.0) * np.sqrt(2.0)
    bits = np.minimum(np.frexp(wanted)[1] - 1, coarse).astype(np.int64)
    shifts = np.append(coarse - bits, coarse).astype(np.uint64)
    bases = np.zeros(regions + 1, dtype=np.uint64)
    np.cumsum(np.left_shift(1, bits).astype(np.uint64), out=bases[1:])
    offsets = np.zeros(int(bases[-1]) + 1, dtype=np.int64)
    mask = np.uint64((1 << coarse) - 1)
    for part in _sorted_parts(keys):
        region = (part >> np.uint64(coarse)).astype(np.intp)
        bucket = (bases[region] + ((part & mask) >> shifts[region])).astype(np.intp)
        low = int(bucket[0])
        offsets[low + 1:int(bucket[-1]) + 2] += np.bincount(bucket - low)
    np.cumsum(offsets, out=offsets)
    return np.concatenate([bases, shifts, offsets]).astype(directory_dtype(count))


def _sorted_parts(keys: Array) -> list[Array]:
    return [np.asarray(keys[first:first + _BUILD_CHUNK]).astype(np.uint64)
            for first in range(0, len(keys), _BUILD_CHUNK)]


def search_directory(keys: Array, directory: Array, wanted: Array) -> tuple[Array, Array]:
    """``(np.searchsorted(keys, wanted, "left"), ... "right")`` through the directory.

    ``wanted`` has the keys' dtype; ``directory`` is ``key_directory(keys)``.
    """
    count = len(keys)
    if count < WINDOW:
        return (np.searchsorted(keys, wanted, side="left").astype(np.intp),
                np.searchsorted(keys, wanted, side="right").astype(np.intp))
    coarse, regions = _regions(int(keys[-1]), count)
    bases, shifts, offsets = _parts(directory, regions)
    last_region = wanted.dtype.type(regions)
    mask = wanted.dtype.type((1 << coarse) - 1)
    starts = np.empty(len(wanted), dtype=np.intp)
    ends = np.empty(len(wanted), dtype=np.intp)
    limit = count - WINDOW
    size = min(_CHUNK, len(wanted))
    # One set of arrays for every chunk, written in place (``out=``).
    buckets, base, shift = (np.empty(size, wanted.dtype), np.empty(size, directory.dtype),
                            np.empty(size, directory.dtype))
    window, within = np.empty(size, directory.dtype), np.empty(size, wanted.dtype)
    positions, key = np.empty(size, np.intp), np.empty(size, keys.dtype)
    flag, below, through = np.empty(size, np.bool_), np.empty(size, np.uint8), np.empty(
        size, np.uint8)
    for first in range(0, len(wanted), _CHUNK):
        values = wanted[first:first + _CHUNK]
        if len(values) < size:
            size = len(values)
            buckets, base, shift, window, within, positions, key, flag, below, through = (
                buckets[:size], base[:size], shift[:size], window[:size], within[:size],
                positions[:size], key[:size], flag[:size], below[:size], through[:size])
        np.right_shift(values, coarse, out=buckets)
        # A value past the largest key reads the extra region: its one bucket is the last entry
        # (the key count), and every key is below the value.
        np.minimum(buckets, last_region, out=buckets)
        # Every position taken is in range (regions up to the extra one, buckets within their
        # region, windows clipped to the keys), so "wrap" never wraps: it only spares ``take``
        # its bounds check and its copy.
        bases.take(buckets, out=base, mode="wrap")
        shifts.take(buckets, out=shift, mode="wrap")
        np.bitwise_and(values, mask, out=within)
        np.right_shift(within, shift, out=within, casting="unsafe")
        np.add(within, base, out=buckets, casting="unsafe")
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
