"""Index lookups per CPU second at 10 million bibs: uint32 keys and the packed sort, and the
uint64 keys with ``argsort`` as the same-run baseline.

Run: ``python benchmarks/bench_lookups.py [--bibs 10000000] [--queries 1000000 10000000]
[--repeat 5]``.

The zone is ``index.synthetic`` (seed 0, 1.2 keys per bib, numbers below 2**32 as every OCLC
number is today). The baseline is the same index with its key column widened to uint64, which
``ZoneIndex.lookup`` searches as it did before the keys were narrowed: ``argsort`` of the queries,
a gather, ``searchsorted``. Queries are random, 70% of them numbers the zone holds, in one
``ZoneIndex.lookup`` call on a warm index (one call first, untimed); CPU time is
``time.process_time``. Both arms must give the same ranges.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
from attrs import evolve

from almamatch.index.synthetic import synthesize_zone
from almamatch.index.zone import ZoneIndex


def timed(index: ZoneIndex, queries: np.ndarray, repeat: int) -> tuple[list[float], object]:
    index.lookup(queries)  # warm: pages, caches
    times = []
    result = None
    for _ in range(repeat):
        started = time.process_time()
        result = index.lookup(queries)
        times.append(time.process_time() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bibs", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, numpy "
          f"{np.__version__}, cpu_count={os.cpu_count()}; load average {os.getloadavg()}")
    started = time.perf_counter()
    zone = synthesize_zone(args.bibs, seed=0)
    index = zone.build()
    wide = evolve(index, key_values=index.key_values.astype(np.uint64))
    print(f"{args.bibs:,} bibs, {index.key_count:,} keys ({index.key_values.dtype}), built in "
          f"{time.perf_counter() - started:.1f} s")
    rng = np.random.default_rng(1)
    print("| queries | uint32 + packed sort: lookups per CPU s (min / median time) | "
          "uint64 + argsort: lookups per CPU s (min / median time) | speed-up |")
    print("|---:|---:|---:|---:|")
    for count in args.queries:
        present = rng.random(count) < 0.7
        queries = np.where(present, index.key_values[rng.integers(0, index.key_count, count)],
                           rng.integers(1, 2**32, count, dtype=np.uint64)).astype(np.uint64)
        narrow, found = timed(index, queries, args.repeat)
        baseline, expected = timed(wide, queries, args.repeat)
        assert all(np.array_equal(a, b) for a, b in zip(found, expected, strict=True))  # type: ignore[call-overload]
        print(f"| {count:,} | {count / min(narrow) / 1e6:.1f} M ({min(narrow):.3f} / "
              f"{statistics.median(narrow):.3f} s) | {count / min(baseline) / 1e6:.1f} M "
              f"({min(baseline):.3f} / {statistics.median(baseline):.3f} s) | "
              f"{min(baseline) / min(narrow):.2f}x |", flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
