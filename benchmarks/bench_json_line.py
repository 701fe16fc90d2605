"""The JSON line of each record of a batch: ``LineWriter.line`` against the dict path
``json_line(item_line(...))`` it must equal, in the same run.

Run, on an exports file and a saved zone (``benchmarks/make_batch_workload.py`` makes both)::

    python benchmarks/bench_json_line.py EXPORTS --zone ZONE [--repeat 5]

It decides every record as ``almamatch batch --workers 1`` does (the profile of
``examples/profiles/carli.toml``, ``--now 2026-03-05T10:30``) and, for each line:

* ``in the run``: times both builders right after each decision, as the batch writes it (the
  order of the two alternates from line to line), and checks that they give the same text; the
  export's OCLC numbers (``Bib.oclc_numbers``, which both lines carry and each builder derives,
  as a ``Bib`` keeps nothing derived) are also derived once alone, timed apart: the part of each
  builder's time they take (the ``LineWriter`` parses them through the run's memo,
  ``DecisionCache.numbers``, as the batch's does; the dict path parses them again);
* ``alone``: then times each builder over all the lines kept, ``--repeat`` times, alternating
  (a ``LineWriter`` with no memo: it parses the numbers itself, as the dict path does).

CPU seconds (``time.process_time``; min and median of the repeats) and microseconds per line.
The machine is shared: the script prints ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from almamatch.cli.batch import decide_in_order
from almamatch.cli.inputs import now_from_args, profile_from_path, zone_for
from almamatch.cli.main import build_parser
from almamatch.core.decide import DecisionCache
from almamatch.core.record import Bib
from almamatch.envelope import LineWriter, item_line, json_line

PROFILE = str(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"

Entry = tuple[int, Any, Any]


def dict_path(index: int, item: Any, decision: Any) -> str:
    return json_line(item_line(index, item, decision))


def decided(exports: str, zone_dir: str) -> tuple[list[Entry], dict[str, float]]:
    """Every record decided in order; the CPU seconds of both builders, timed in the run, and of
    deriving the exports' OCLC numbers."""
    args = build_parser().parse_args(["batch", exports, "--zone", zone_dir, "--profile",
                                      PROFILE, "--now", NOW, "--json", "--workers", "1"])
    profile = profile_from_path(args.profile)
    zone, store = zone_for(args, profile, None)
    now = now_from_args(args)
    cache = DecisionCache()  # the run's, as the batch makes one
    writer = LineWriter(cache.numbers)
    clock = time.process_time
    spent = {"dicts": 0.0, "text": 0.0, "numbers": 0.0}
    entries: list[Entry] = []
    for entry in decide_in_order(exports, zone=zone, store=store, args=args, now=now,
                                 cache=cache):
        index, item, decision = entry.index, entry.item, entry.decision
        if isinstance(item, Bib):
            start = clock()
            item.oclc_numbers  # noqa: B018 (timed alone: each builder derives them again)
            spent["numbers"] += clock() - start
        order: list[tuple[str, Callable[[int, Any, Any], str]]] = [
            ("dicts", dict_path), ("text", writer.line)]
        texts = []
        for name, build in order if index % 2 else order[::-1]:
            start = clock()
            texts.append(build(index, item, decision))
            spent[name] += clock() - start
        if texts[0] != texts[1]:
            sys.exit(f"line {index}: the two builders differ")
        entries.append((index, item, decision))
    return entries, spent


def alone(entries: list[Entry], build: Callable[[int, Any, Any], str]) -> float:
    start = time.process_time()
    for index, item, decision in entries:
        build(index, item, decision)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports")
    parser.add_argument("--zone", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{platform.node()} {platform.python_version()} load {os.getloadavg()}")
    entries, in_run = decided(args.exports, args.zone)
    count = len(entries)
    print(f"{count} lines, each the same from both builders")
    print("| builder | in the run: CPU s | us/line | alone: CPU s min / median | us/line |")
    print("|---|---|---|---|---|")
    writer = LineWriter()
    runs: dict[str, list[float]] = {"dicts": [], "text": []}
    for _ in range(args.repeat):
        runs["dicts"].append(alone(entries, dict_path))
        runs["text"].append(alone(entries, writer.line))
    for name, label in (("dicts", "json_line(item_line(...))"), ("text", "LineWriter.line")):
        best, median = min(runs[name]), statistics.median(runs[name])
        print(f"| {label} | {in_run[name]:.2f} | {in_run[name] / count * 1e6:.1f} | {best:.2f} / "
              f"{median:.2f} | {best / count * 1e6:.1f} |")
    numbers = in_run["numbers"]
    print(f"| (of which the exports' OCLC numbers, Bib.oclc_numbers) | {numbers:.2f} | "
          f"{numbers / count * 1e6:.1f} | | |")
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
