"""Applying each decision of a batch, with and without what ``decide()`` derived for it.

Run, on an exports file and a saved zone (``benchmarks/make_batch_workload.py`` makes both)::

    python benchmarks/bench_apply.py EXPORTS --zone ZONE [--repeat 3]

It decides every record in order as ``almamatch batch --workers 1`` does (the profile of
``examples/profiles/carli.toml``, ``--now 2026-03-05T10:30``) and applies each decision to the
run's overlay, timing only the ``apply`` calls, in two arms that alternate, each on a fresh
overlay over the same saved zone:

* ``without groundwork``: ``store.apply(decision)``: an Add's numbers parsed again from its
  record, a Merge's existing facts read again from the zone;
* ``with groundwork``: ``store.apply(decision, groundwork=cache.groundwork(decision))``, as the
  batch does.

Both arms must leave the same bibs (facts and records) in the overlay; the script checks it.
CPU seconds (``time.process_time_ns`` around each call; min and median of the repeats), split by
decision code. The machine is shared: the script prints ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from almamatch.cli.inputs import export_for, now_from_args, profile_from_path, zone_for
from almamatch.cli.main import build_parser
from almamatch.core.decide import DecisionCache, decide
from almamatch.core.zone import HeldBib, InMemoryZone
from almamatch.marc import Unreadable, read_bibs

NOW = "2026-03-05T10:30"
PROFILE = str(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml")


def run_arm(argv: list[str], *, helped: bool) -> tuple[float, Counter[str], list[HeldBib]]:
    """Decide and apply every record once; CPU seconds in ``apply``, by code, and the bibs."""
    args = build_parser().parse_args(argv)
    profile = profile_from_path(args.profile)
    now = now_from_args(args)
    zone, store = zone_for(args, profile)
    assert isinstance(store, InMemoryZone)
    cache = DecisionCache()
    clock = time.process_time_ns
    spent: Counter[str] = Counter()
    for item in read_bibs(args.exports):
        if isinstance(item, Unreadable):
            continue
        decision = decide(export_for(item, args, zone), zone, now, cache=cache)
        groundwork = cache.groundwork(decision) if helped else None
        start = clock()
        store.apply(decision, groundwork=groundwork)
        spent[decision.code.value] += clock() - start
    return sum(spent.values()) / 1e9, spent, list(store.held())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--zone", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    argv = ["batch", str(options.exports), "--zone", str(options.zone), "--profile", PROFILE,
            "--now", NOW, "--json"]
    print(f"{platform.platform()}, Python {platform.python_version()}, "
          f"cpu_count={os.cpu_count()}, load {os.getloadavg()}")
    times: dict[bool, list[float]] = {False: [], True: []}
    codes: dict[bool, Counter[str]] = {}
    kept: dict[bool, list[HeldBib]] = {}
    for _ in range(options.repeat):
        for helped in (False, True):
            seconds, codes[helped], kept[helped] = run_arm(argv, helped=helped)
            times[helped].append(seconds)
    if kept[False] != kept[True]:
        sys.exit("the two arms left different bibs")
    for helped in (False, True):
        label = "with groundwork" if helped else "without groundwork"
        by_code = ", ".join(f"{code} {n / 1e9:.3f}" for code, n in codes[helped].most_common(3))
        print(f"{label:20s} apply CPU min {min(times[helped]):.3f} s, median "
              f"{statistics.median(times[helped]):.3f} s (last run by code: {by_code})")
    print(f"same bibs held in both arms: {len(kept[True])}; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
