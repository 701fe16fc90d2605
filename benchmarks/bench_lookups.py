"""Index lookups per CPU second at 10 million bibs: ``ZoneIndex.lookup`` through the key directory,
and the binary search it replaced (one packed sort of the values, then ``searchsorted``) as the
same-run baseline.

Run: ``python benchmarks/bench_lookups.py [--bibs 10000000] [--queries 1000000 10000000]
[--repeat 5] [--mix synthetic|skewed]``.

The zone is ``index.synthetic`` (seed 0, 1.2 keys per bib, numbers below 2**32 as every OCLC number
is today: uint32 keys). With ``--mix skewed`` its keys are drawn again, unevenly, as a catalog's
are: half of them below 50 million, 30% up to a billion, 20% up to 2.3 billion. The baseline
searches the same keys as ``ZoneIndex.lookup`` did before the directory: the values and their
positions packed into one uint64 each and put in order by one ``np.sort``, ``searchsorted`` for the
starts, a few steps for the ends, the ranges put back in the values' order. Queries are random, 70%
of them numbers the zone holds, in one call on a warm index (one call first, untimed); CPU time is
``time.process_time``. Both arms must give the ranges of a plain ``searchsorted`` (checked). Also
printed: the directory's bytes per bib and the CPU time to compute it (what opening an index saved
without one costs).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from almamatch.index.directory import key_directory
from almamatch.index.synthetic import synthesize_zone
from almamatch.index.zone import ZoneIndex

Array = npt.NDArray[Any]
_RUN_STEPS = 8


def sorted_search(keys: Array, values: Array) -> tuple[Array, Array]:
    """The baseline: one packed sort of the (uint32) values, then a binary search each."""
    wanted = values.astype(np.uint32)
    packed = (wanted.astype(np.uint64) << np.uint64(32)) | np.arange(len(wanted), dtype=np.uint64)
    packed.sort()
    ordered = (packed >> np.uint64(32)).astype(np.uint32)
    order = (packed & np.uint64(0xFFFFFFFF)).astype(np.intp)
    starts = np.searchsorted(keys, ordered, side="left")
    ends = starts.astype(np.intp, copy=True)
    live = np.flatnonzero(ends < len(keys))
    for _ in range(_RUN_STEPS):
        live = live[keys[ends[live]] == ordered[live]]
        ends[live] += 1
        live = live[ends[live] < len(keys)]
    ends[live] = np.searchsorted(keys, ordered[live], side="right")
    in_order = np.empty((2, len(wanted)), np.intp)
    in_order[0, order] = starts
    in_order[1, order] = ends
    return in_order[0], in_order[1]


def timed(lookup: Callable[[Array], tuple[Array, Array]], queries: Array, repeat: int
          ) -> tuple[list[float], tuple[Array, Array]]:
    result = lookup(queries)  # warm: pages, caches
    times = []
    for _ in range(repeat):
        started = time.process_time()
        result = lookup(queries)
        times.append(time.process_time() - started)
    return times, result


def _rate(count: int, times: list[float]) -> str:
    return (f"{count / min(times) / 1e6:.1f} M ({min(times):.3f} / "
            f"{statistics.median(times):.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bibs", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mix", choices=["synthetic", "skewed"], default="synthetic")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, numpy "
          f"{np.__version__}, cpu_count={os.cpu_count()}; load average {os.getloadavg()}")
    started = time.perf_counter()
    zone = synthesize_zone(args.bibs, seed=0)
    if args.mix == "skewed":
        columns = dict(zone.columns)
        draw = np.random.default_rng(2)
        count = len(columns["key_values"])
        half, most = count // 2, count // 2 + count * 3 // 10
        columns["key_values"] = np.concatenate([
            draw.integers(1, 50_000_000, half, dtype=np.uint64),
            draw.integers(50_000_000, 10**9, most - half, dtype=np.uint64),
            draw.integers(10**9, 2_300_000_000, count - most, dtype=np.uint64)])
        index = ZoneIndex.from_arrays(**columns)
    else:
        index = zone.build()
    keys = np.asarray(index.key_values)
    assert index.key_buckets is not None
    print(f"{args.bibs:,} bibs, {index.key_count:,} keys ({keys.dtype}, {args.mix}), built in "
          f"{time.perf_counter() - started:.1f} s")
    directory_times = []
    for _ in range(args.repeat):
        began = time.process_time()
        key_directory(keys)
        directory_times.append(time.process_time() - began)
    print(f"key directory: {index.key_buckets.nbytes:,} bytes = "
          f"{index.key_buckets.nbytes / max(args.bibs, 1):.2f} bytes per bib "
          f"({index.key_buckets.nbytes / max(index.key_count, 1):.2f} per key); computed in "
          f"{min(directory_times):.3f} CPU s (min), {statistics.median(directory_times):.3f} "
          f"(median)")
    rng = np.random.default_rng(1)
    print("| queries | directory: lookups per CPU s (min / median time) | "
          "packed sort + searchsorted: lookups per CPU s (min / median time) | speed-up |")
    print("|---:|---:|---:|---:|")
    for count in args.queries:
        present = rng.random(count) < 0.7
        queries = np.where(present, keys[rng.integers(0, index.key_count, count)],
                           rng.integers(1, 2**32, count, dtype=np.uint64)).astype(np.uint64)
        fast, found = timed(index.lookup, queries, args.repeat)
        baseline, before = timed(lambda values: sorted_search(keys, values), queries, args.repeat)
        plain = (np.searchsorted(keys, queries, "left"), np.searchsorted(keys, queries, "right"))
        for ranges in (found, before):
            assert all(np.array_equal(a, b) for a, b in zip(ranges, plain, strict=True))
        print(f"| {count:,} | {_rate(count, fast)} | {_rate(count, baseline)} | "
              f"{min(baseline) / min(fast):.2f}x |", flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
