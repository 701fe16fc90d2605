"""Where each bib row's keys start: the per-row offsets into ``row_keys``, for a bib's own numbers.

Theory of operation: ``row_keys`` lists the key positions ordered by bib row, so the keys of row
``r`` are one run of it. Finding that run by a binary search over ``row_keys`` reads
``key_rows[row_keys[i]]`` at each of some twenty steps (a Python call each, when one bib is asked
at a time), where one column of run starts answers it with two reads: ``starts[r]`` and
``starts[r + 1]`` bound row ``r``'s run (the last entry is the key count). It costs four bytes a
bib (uint32, as ``row_keys`` is), and is derived from ``key_rows`` alone (one count of keys a
row), which ``row_keys`` orders; a million bibs take about 5 ms, and one count a bib (8 bytes)
for that time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["row_starts", "row_starts_problem"]

Array = npt.NDArray[Any]


def row_starts(key_rows: Array, bib_count: int) -> Array:
    """For each of ``bib_count`` rows and one more, where its keys start in ``row_keys`` (uint32;
    the last entry is the key count), given the row of each key: the keys before a row's are
    those of the rows before it. ``ValueError`` for a row past the bibs (a damaged column)."""
    counts = np.bincount(np.asarray(key_rows), minlength=bib_count)
    if len(counts) > bib_count:
        raise ValueError(f"a key of row {len(counts) - 1} in {bib_count} bibs")
    starts = np.zeros(bib_count + 1, dtype=np.uint32)
    np.cumsum(counts, dtype=np.uint32, out=starts[1:])
    return starts


def row_starts_problem(starts: Array, key_count: int, bib_count: int) -> str | None:
    """What makes saved ``starts`` unfit for an index of ``bib_count`` bibs and ``key_count``
    keys, from its layout alone (its type, its length, its first and last entries), or None."""
    if starts.dtype != np.uint32 or starts.shape != (bib_count + 1,):
        return f"{starts.dtype}{starts.shape}, expected uint32({bib_count + 1},)"
    if int(starts[0]) != 0 or int(starts[-1]) != key_count:
        return (f"runs from {int(starts[0])} to {int(starts[-1])}, expected from 0 to "
                f"{key_count}")
    return None
