"""decide() on a real day's exports, each record first seen, against a saved zone: CPU per record.

Run::

    python benchmarks/bench_decide_day.py EXPORTS --zone ZONE --profile PROFILE \\
        [--now 2026-03-05T10:30] [--records N] [--repeat 3]

The exports are decoded to ``Bib`` values first (the reader's MARCXML word for each record
kept), outside the timing. Each pass then runs the batch's loop over them as ``almamatch batch``
does (``cli.batch.decide_in_order``): the record's MARCXML word noted in the run's
``DecisionCache``, its ``Export``, ``decide()``, the decision applied to the zone with its
groundwork, its JSON line made with the run's memo of parsed numbers, on a fresh zone and cache
per pass, the garbage collector off. ``decide()`` alone is timed call by call
(``time.process_time_ns``, CPU); the whole loop is timed too. Min and median over ``--repeat``
passes are printed with the load average before and after.

Same-run comparison of two trees: run the script alternately with ``PYTHONPATH=TREE/src`` for
each (it prints which ``almamatch`` it imported). On a loaded machine, count instructions
instead: ``valgrind --tool=callgrind python benchmarks/bench_decide_day.py ... --repeat 1``,
against the same command with ``--read-only`` (records decoded, no loop), for each tree: the
difference divided by the records is the loop's instructions per record.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import statistics
import time
from pathlib import Path

import almamatch
from almamatch.cli.inputs import export_for, now_from_args, profile_from_path, zone_for
from almamatch.cli.main import build_parser
from almamatch.core.decide import DecisionCache, decide
from almamatch.core.record import Bib
from almamatch.envelope import LineWriter
from almamatch.marc import read_bibs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports")
    parser.add_argument("--zone", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--now", default="2026-03-05T10:30")
    parser.add_argument("--records", type=int, default=None, help="the first N exports only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read-only", action="store_true",
                        help="decode the records and stop (callgrind's baseline)")
    given = parser.parse_args()
    args = build_parser().parse_args(
        ["batch", given.exports, "--zone", given.zone, "--profile", given.profile,
         "--now", given.now, "--json"])
    profile = profile_from_path(args.profile)
    now = now_from_args(args)
    print(f"almamatch from {Path(almamatch.__file__).parent}; load {os.getloadavg()}")

    noted: list[Bib] = []
    records: list[tuple[Bib, bool]] = []
    for item in itertools.islice(read_bibs(given.exports, convertible=noted.append),
                                 given.records):
        if isinstance(item, Bib):
            records.append((item, bool(noted) and noted[-1] is item))
        noted.clear()
    if given.read_only:
        print(f"{len(records):,} records decoded")
        return

    clock = time.process_time_ns
    spent: list[float] = []
    loops: list[float] = []
    for _ in range(given.repeat):
        zone, store = zone_for(args, profile, None)
        cache = DecisionCache()
        writer = LineWriter(cache.numbers)
        gc.disable()
        deciding = 0
        start = time.process_time()
        for index, (record, convertible) in enumerate(records):
            if convertible:
                cache.note_convertible(record)
            export = export_for(record, args, zone)
            before = clock()
            decision = decide(export, zone, now, cache=cache)
            deciding += clock() - before
            store.apply(decision, groundwork=cache.groundwork(decision))
            writer.line(index, record, decision)
        loops.append(time.process_time() - start)
        gc.enable()
        spent.append(deciding / 1e9)
    count = len(records)
    for name, runs in (("decide()", spent), ("whole loop", loops)):
        print(f"{name:<11} min {min(runs) / count * 1e6:6.1f} us/record, median "
              f"{statistics.median(runs) / count * 1e6:6.1f} ({count:,} records, "
              f"{len(runs)} passes)")
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
