"""The zone side of a batch's decisions alone: the lookups ``almamatch batch`` makes of its zone.

Run::

    python benchmarks/bench_zone_lookups.py EXPORTS --zone ZONE --profile PROFILE \\
        [--now 2026-03-05T10:30] [--repeat 7] [--lookups N]

One pass of the batch's loop (``cli.batch.decide_in_order``, one process) over the exports logs,
in order, every ``hits`` and ``facts`` call that reaches the saved zone's view
(``IndexedZoneView``: the index, not the bibs the run itself holds). The calls are then replayed in
that order on a freshly opened view, ``--repeat`` times, the garbage collector off: min and median
CPU per pass and per export are printed, with the time to open the view, which ``almamatch`` was
imported and the load average.

Same-run comparison of two trees: run the script alternately with ``PYTHONPATH=TREE/src`` for each.
On a loaded machine, count instructions instead: ``valgrind --tool=callgrind python
benchmarks/bench_zone_lookups.py ... --repeat 1`` against the same command with ``--lookups 0``
(everything but the replayed calls), for each tree: the difference is the lookups' instructions.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import almamatch
from almamatch.cli.batch import decide_in_order
from almamatch.cli.inputs import now_from_args, profile_from_path, zone_for
from almamatch.cli.main import build_parser
from almamatch.core.decide import DecisionCache
from almamatch.core.facts import Hit
from almamatch.core.oclc import OclcNumber
from almamatch.zonefiles.zones import IndexedZoneView

Call = tuple[str, Any]


def logged_calls(exports: str, zone: str, profile: str, now: str) -> tuple[list[Call], int]:
    """The ``hits`` and ``facts`` calls one batch run makes on its saved zone's view, in order,
    and the number of exports."""
    calls: list[Call] = []
    opened = IndexedZoneView.open

    def open_logged(directory: str | Path, **options: Any) -> IndexedZoneView:
        view = opened(directory, **options)
        hits, facts = view.hits, view.facts

        def logged_hits(number: OclcNumber) -> Sequence[Hit]:
            calls.append(("hits", number))
            return hits(number)

        def logged_facts(mms_id: str) -> object:
            calls.append(("facts", mms_id))
            return facts(mms_id)

        view.hits = logged_hits
        view.facts = logged_facts  # type: ignore[method-assign]  # this run's view alone
        return view

    args = build_parser().parse_args(["batch", exports, "--zone", zone, "--profile", profile,
                                      "--now", now, "--json", "--workers", "1"])
    IndexedZoneView.open = open_logged  # type: ignore[method-assign]  # for this one run
    try:
        run_zone, store = zone_for(args, profile_from_path(args.profile), None)
    finally:
        IndexedZoneView.open = opened  # type: ignore[method-assign]
    count = 0
    with Path(exports).open("rb") as source:
        for _ in decide_in_order(source, zone=run_zone, store=store, args=args,
                                 now=now_from_args(args), cache=DecisionCache()):
            count += 1
    return calls, count


def replay(zone: str, calls: list[Call]) -> tuple[float, float]:
    """CPU seconds to open the zone's view, and to make ``calls`` on it in order."""
    started = time.process_time()
    view = IndexedZoneView.open(Path(zone), digests_checked=True)
    opened = time.process_time() - started
    asked: dict[str, Callable[[Any], object]] = {"hits": view.hits, "facts": view.facts}
    started = time.process_time()
    for kind, argument in calls:
        asked[kind](argument)
    return opened, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports")
    parser.add_argument("--zone", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--now", default="2026-03-05T10:30")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--lookups", type=int, default=None,
                        help="replay the first N calls only (0: callgrind's baseline)")
    given = parser.parse_args()
    print(f"almamatch from {Path(almamatch.__file__).parent}; load {os.getloadavg()}")
    calls, exports = logged_calls(given.exports, given.zone, given.profile, given.now)
    calls = calls[:given.lookups]
    hits = sum(kind == "hits" for kind, _ in calls)
    print(f"{exports:,} exports: {len(calls):,} calls on the saved zone ({hits:,} hits, "
          f"{len(calls) - hits:,} facts)")
    gc.disable()
    passes = [replay(given.zone, calls) for _ in range(given.repeat)]
    gc.enable()
    opens, lookups = [one for one, _ in passes], [one for _, one in passes]
    print(f"open the view: min {min(opens) * 1e3:.1f} ms, median "
          f"{statistics.median(opens) * 1e3:.1f} ms CPU")
    print(f"the calls: min {min(lookups) * 1e3:.1f} ms, median "
          f"{statistics.median(lookups) * 1e3:.1f} ms CPU = "
          f"{min(lookups) / max(exports, 1) * 1e6:.2f} us an export (min)")
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
