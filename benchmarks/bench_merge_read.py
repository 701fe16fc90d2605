"""The merged zone record: read whole, or only the fields the merge may keep or test.

Run, on a workload from ``benchmarks/make_batch_workload.py`` whose zone was built with
``almamatch zone build``::

    python benchmarks/bench_merge_read.py WORKLOAD [--limit 20000] [--repeat 5]

The first ``--limit`` exports are decided in order against the saved zone (each decision applied,
as the batch does); for every Merge into a bib of the saved dump, the arms then read that bib's
record from ``bibs.mrc`` and merge the prepared export into it with the profile's method:

* ``whole record``: ``IndexedZoneView.record`` (every field decoded), then ``MergeMethod.apply``;
* ``fields read``: ``IndexedZoneView.record_part`` with ``MergePlans.read_positions`` (what
  ``decide()`` does), then ``MergeMethod.apply``;
* the same two reads without the merge.

Every merged record is checked equal both ways before timing. CPU seconds (``process_time``), min
and median over the repeats, runs alternated; the machine is shared, so the load average is
printed before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from almamatch.core.decide import DecisionCache, decide
from almamatch.core.decision import Merge
from almamatch.core.merge import MergePlans
from almamatch.core.record import Bib
from almamatch.core.zone import InMemoryZone
from almamatch.marc import Unreadable, read_bibs
from almamatch.zonefiles.zones import IndexedZoneView, open_zone

NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
PROFILE = Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml"


def merges(workload: Path, limit: int) -> tuple[IndexedZoneView, list[tuple[str, Bib]]]:
    """The saved zone's view and, for each Merge into one of its bibs, the MMS ID and the
    prepared incoming record."""
    zone = open_zone(workload / "zone", PROFILE)
    bibs = zone.bibs
    assert isinstance(bibs, InMemoryZone)
    saved = bibs.base
    assert isinstance(saved, IndexedZoneView)
    profile = zone.profiles[0]
    cache = DecisionCache()
    found: list[tuple[str, Bib]] = []
    for count, item in enumerate(read_bibs(workload / "exports.mrc")):
        if count >= limit:
            break
        if isinstance(item, Unreadable):
            continue
        export = zone.export(item)
        decision = decide(export, zone, NOW, cache=cache)
        bibs.apply(decision)
        if isinstance(decision, Merge) and saved.index.row_of(decision.mms_id) is not None:
            incoming = export.prepared(profile.normalization_steps).record
            found.append((decision.mms_id, incoming))
    return saved, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", type=Path)
    parser.add_argument("--limit", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, cpu_count={os.cpu_count()}; "
          f"load average {os.getloadavg()}")
    view, pairs = merges(args.workload, args.limit)
    method = open_zone(args.workload / "zone", PROFILE).profiles[0].merge
    plans = MergePlans(method)
    for mms_id, incoming in pairs:
        whole, part = view.record(mms_id), view.record_part(
            mms_id, partial(plans.read_positions, incoming=incoming))
        assert whole is not None
        assert part is not None
        assert method.apply(part, incoming, plans) == method.apply(whole, incoming, plans)

    def whole_merge() -> None:
        for mms_id, incoming in pairs:
            existing = view.record(mms_id)
            assert existing is not None
            method.apply(existing, incoming, plans)

    def part_merge() -> None:
        for mms_id, incoming in pairs:
            existing = view.record_part(mms_id, partial(plans.read_positions, incoming=incoming))
            assert existing is not None
            method.apply(existing, incoming, plans)

    def whole_read() -> None:
        for mms_id, _ in pairs:
            view.record(mms_id)

    def part_read() -> None:
        for mms_id, incoming in pairs:
            view.record_part(mms_id, partial(plans.read_positions, incoming=incoming))

    arms: list[tuple[str, Callable[[], None]]] = [
        ("whole record + merge", whole_merge), ("fields read + merge", part_merge),
        ("whole record, read alone", whole_read), ("fields read, read alone", part_read)]
    times: dict[str, list[float]] = {name: [] for name, _ in arms}
    for _ in range(args.repeat):
        for name, arm in arms:
            start = time.process_time()
            arm()
            times[name].append(time.process_time() - start)
    print(f"{len(pairs):,} merges into saved bibs ({method.name!r}), merged records equal both "
          "ways")
    print("| arm | CPU s min / median | us per merge (min) |")
    print("|---|---:|---:|")
    for name, _ in arms:
        runs = times[name]
        print(f"| {name} | {min(runs):.3f} / {statistics.median(runs):.3f} | "
              f"{min(runs) / len(pairs) * 1e6:.1f} |")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
