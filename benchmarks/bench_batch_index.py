"""N exports decided against a synthetic zone index of 10 million bibs, on 2 worker processes.

Run: ``python benchmarks/bench_batch_index.py [--bibs 10000000] [--exports 1000000] [--workers 2]``.

Issue 5 asks for 1 million exports against a 10-million-bib zone in under a minute on 2 cores.
The zone is ``index.synthetic`` (the mix ``almamatch bench`` uses, seed 0), saved as a zone
directory with ``index/`` only, so each worker opens it with ``load_zone(..., use_index=True)``
exactly as ``almamatch batch --zone DIR`` does: the index memory-mapped, an ``InMemoryZone`` over
it for the batch's changes, no records (merges are decided, the merged record is not computed).
The exports are ``index.synthetic.incoming_record`` values built in the worker (75% carry a number
the zone holds), split into chunks over a ``ProcessPoolExecutor``. Two modes:

* ``decide``: decisions only, no zone updates (the figure ``almamatch bench`` reports);
* ``decide+apply``: each worker also applies its decisions to its own overlay, so later exports
  in the chunk see earlier ones (chunks do not see each other's: a throughput figure, not a
  batch's exact answers, which need one ordered pass).

The wall time counts everything after the zone is saved: process start, mapping the index,
building each record, ``decide()`` with its trace. Beside it, the CPU seconds the workers spent
(``time.process_time`` in each chunk): on a machine shared with other jobs the wall figure is
depressed by the load, and ``exports / (CPU seconds / workers)`` is what the same workers do with
a core each. With ``--exports`` below 1,000,000 the 1-million figures are extrapolated linearly
from the measured rates, and marked so.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np

from almamatch.core.decide import decide
from almamatch.core.profile import IntegrationProfile
from almamatch.core.zone import Export, Zone
from almamatch.index.synthetic import incoming_record, synthesize_zone
from almamatch.zonefiles.zones import SAVED_INDEX, load_zone

HOST = "i-share-xyz.alma.exlibrisgroup.com"
LOGON = "01CARLI_XYZ"
PASSWORD = "bench-password"
NOW = datetime(2024, 5, 1, 9, 30)  # the synthetic zone's locks are naive datetimes
CHUNKS_PER_WORKER = 4


def decide_chunk(directory: str, values: list[int], levels: str, versions: list[str],
                 apply: bool) -> tuple[dict[str, int], float]:
    """One worker's share: open the saved zone from its index, decide (and apply) each export;
    the codes, and the CPU seconds it took."""
    started = time.process_time()
    bibs = load_zone(directory, use_index=True)
    zone = Zone(institution=LOGON, host=HOST, logon_id=LOGON,
                profiles=(IntegrationProfile.carli(PASSWORD),), bibs=bibs)
    codes: Counter[str] = Counter()
    for value, level, version in zip(values, levels, versions, strict=True):
        export = Export(record=incoming_record(value, level=level, version=version),
                        logon_id=LOGON, password=PASSWORD, host=HOST)
        decision = decide(export, zone, NOW)
        if apply:
            bibs.apply(decision)
        codes[decision.code.value] += 1
    return dict(codes), time.process_time() - started


def run(directory: Path, first_values: np.ndarray, count: int, workers: int, *, apply: bool,
        seed: int) -> tuple[float, float, dict[str, int]]:
    """Wall and worker CPU seconds for ``count`` exports on ``workers`` processes, and the
    codes they got."""
    rng = np.random.default_rng(seed)
    known = first_values[rng.integers(0, len(first_values), count)]
    new = rng.integers(2_000_000_000, 3_000_000_000, count, dtype=np.uint64)
    values = np.where(rng.random(count) < 0.75, known, new).tolist()
    levels = "".join(rng.choice(list(" I7K8"), size=count).tolist())
    versions = [f"2024{m:02d}01120000.0" for m in rng.integers(1, 13, count).tolist()]
    size = -(-count // (workers * CHUNKS_PER_WORKER))
    codes: Counter[str] = Counter()
    cpu = 0.0
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(decide_chunk, str(directory), values[i:i + size],
                               levels[i:i + size], versions[i:i + size], apply)
                   for i in range(0, count, size)]
        for future in futures:
            chunk_codes, chunk_cpu = future.result()
            codes.update(chunk_codes)
            cpu += chunk_cpu
    return time.perf_counter() - started, cpu, dict(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bibs", type=int, default=10_000_000)
    parser.add_argument("--exports", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="decide,decide+apply",
                        help="comma-separated: decide, decide+apply")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, os.cpu_count()={os.cpu_count()}")
    started = time.perf_counter()
    zone = synthesize_zone(args.bibs, seed=args.seed)
    index = zone.build()
    with tempfile.TemporaryDirectory(prefix="almamatch-batch-") as folder:
        directory = Path(folder) / "zone"
        index.save(directory / SAVED_INDEX)
        del index
        print(f"zone: {args.bibs:,} bibs, {zone.keys:,} keys, synthesized, built and saved in "
              f"{time.perf_counter() - started:.1f} s")
        for mode in args.modes.split(","):
            load = os.getloadavg()[0]
            seconds, cpu, codes = run(directory, zone.first_values, args.exports, args.workers,
                                      apply=mode == "decide+apply", seed=args.seed + 1)
            rate = args.exports / seconds
            per_core = args.exports / cpu
            note = "" if args.exports >= 1_000_000 else " (extrapolated)"
            print(f"{mode:<13} {args.exports:,} exports on {args.workers} workers (load average "
                  f"{load:.1f} before): wall {seconds:.1f} s = {rate:,.0f}/s, 1M in "
                  f"{1_000_000 / rate:.0f} s{note}")
            print(f"{'':<13} worker CPU {cpu:.1f} s = {per_core:,.0f}/s per core; with a core "
                  f"per worker 1M in {1_000_000 / (per_core * args.workers):.0f} s{note}")
            print(f"{'':<13} codes: {dict(sorted(codes.items()))}")


if __name__ == "__main__":
    main()
