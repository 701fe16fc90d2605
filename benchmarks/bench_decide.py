"""decide() throughput against an in-memory zone of 100,000 bibs, trace included.

Run: ``python benchmarks/bench_decide.py [--bibs N] [--seconds S]``. Prints decisions per second
for each path (merge, add, multi-match, blocked by a lock, by the brief guard, by the older-version
guard) three ways:

* same export: one ``Export`` decided again and again;
* fresh export: a new ``Export`` per decision around the same prebuilt ``Bib`` (issue 3's figure:
  what the record alone determines, the MARCXML check and the normalized record, is memoized on
  the immutable ``Bib`` and derived once);
* fresh bib: a new ``Bib`` (same fields) in a new ``Export`` per decision, so everything is derived
  again, as in a batch where every record is read once.

Beside them, the machine and a same-run baseline (a dict lookup and one attrs ``Step`` per
iteration): the ratio column is fresh export / baseline, so that figures from different machines
compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from almamatch.core import (
    Bib,
    ControlField,
    DataField,
    Export,
    InMemoryZone,
    IntegrationProfile,
    Lock,
    MmsIdSequence,
    Stage,
    Step,
    Timestamp,
    Verdict,
    Zone,
    ZoneKind,
    decide,
)

HOST = "i-share-xyz.alma.exlibrisgroup.com"
LEADER = "00000cam a2200000Ia 4500"
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def zone_bib(number: int) -> Bib:
    return Bib(
        leader=LEADER,
        fields=[
            ControlField("001", f"99{number}5681"),
            ControlField("005", "20200101120000.0"),
            ControlField("008", "200101s2020    ilu           000 0 eng d"),
            DataField.of("035", "  ", ("a", f"(OCoLC){number}")),
            DataField.of("245", "10", ("a", f"Title {number} /"), ("c", "Author.")),
            DataField.of("650", " 0", ("a", "Subject"), ("x", "History.")),
        ],
    )


def incoming(number: int, *extra: DataField, level: str = " ",
             version: str = "20250101120000.0") -> Bib:
    """A Connexion export as OCLC sends it: 001 ocm/ocn, 003 OCoLC, 005, 019, 040, 245 ..."""
    return Bib(
        leader=f"00000cam a2200000{level}a 4500",
        fields=[
            ControlField("001", f"ocm{number:08d}"),
            ControlField("003", "OCoLC"),
            ControlField("005", version),
            ControlField("008", "200101s2020    ilu           000 0 eng d"),
            DataField.of("010", "  ", ("a", "  2020012345")),
            DataField.of("019", "  ", ("a", "9999999999")),
            DataField.of("020", "  ", ("a", "9780000000000")),
            DataField.of("040", "  ", ("a", "DLC"), ("b", "eng"), ("c", "DLC"), ("d", "OCLCO")),
            DataField.of("050", "00", ("a", "PS3500"), ("b", ".A1 2020")),
            DataField.of("100", "1 ", ("a", "Author, An,"), ("e", "author.")),
            DataField.of("245", "10", ("a", "A title :"), ("b", "a subtitle /"), ("c", "An.")),
            DataField.of("264", " 1", ("a", "Chicago :"), ("b", "Press,"), ("c", "2020.")),
            DataField.of("300", "  ", ("a", "300 pages ;"), ("c", "24 cm")),
            DataField.of("650", " 0", ("a", "Subject"), ("x", "History.")),
            DataField.of("650", " 0", ("a", "Other subject.")),
            *extra,
        ],
    )


def build_zone(count: int) -> tuple[Zone, InMemoryZone]:
    bibs = InMemoryZone(sequence=MmsIdSequence(count + 1))
    for number in range(1, count + 1):
        bibs.store(f"99{number}5681", zone_bib(number),
                   originating_version=Timestamp.parse("20200101120000.0"))
    zone = Zone(
        kind=ZoneKind.INSTITUTION,
        institution="01CARLI_XYZ",
        host=HOST,
        logon_id="01CARLI_XYZ",
        profiles=(IntegrationProfile.carli("secret"),),
        bibs=bibs,
    )
    return zone, bibs


def rate(run: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``run``, best of three timed batches of about ``seconds`` / 3."""
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            run()
        elapsed = time.perf_counter() - start
        if elapsed > 0.05:
            break
        batch *= 2
    per_batch = max(1, int(batch * (seconds / 3) / elapsed))
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(per_batch):
            run()
        best = max(best, per_batch / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bibs", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=1.5, help="per measurement")
    args = parser.parse_args()

    start = time.perf_counter()
    zone, bibs = build_zone(args.bibs)
    built = time.perf_counter() - start
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, os.cpu_count()={os.cpu_count()}")
    print(f"zone of {len(bibs):,} bibs built in {built:.1f} s")

    locked = args.bibs // 3
    bibs.lock(f"99{locked}5681", Lock(institution="01CARLI_XYZ", user="cat",
                                      last_activity=NOW - timedelta(minutes=5)))
    both = f"99{args.bibs // 4}5681"
    multi = incoming(args.bibs // 2,
                     DataField.of("035", "  ", ("z", f"(OCoLC){args.bibs // 4}")))
    cases = {
        "merge": incoming(args.bibs // 2),
        "add": incoming(args.bibs + 10),
        "multi-match": multi,
        "locked": incoming(locked),
        # Leader/17 7 is brief level 05 under CARLI's rules; the zone bib (I) is 10.
        "brief": incoming(args.bibs // 5, level="7"),
        # The zone bib's originating system version is 2020-01-01; this 005 is older.
        "old": incoming(args.bibs // 6, version="20190101120000.0"),
    }
    print(f"(multi-match also finds {both})")
    lookup = {1: 1}
    baseline = rate(lambda: (lookup.get(1), Step(stage=Stage.MATCH, verdict=Verdict.PASSED,
                                                 detail="x")), args.seconds)
    print(f"baseline (dict.get + one Step): {baseline:,.0f}/s")
    print(f"{'path':<12} {'code':<18} {'same export/s':>14} {'fresh export/s':>15} "
          f"{'ratio':>7} {'fresh bib/s':>12}")
    for name, record in cases.items():
        export = Export(record=record, logon_id="01CARLI_XYZ", password="secret", host=HOST)
        code = decide(export, zone, NOW).code

        def again(export: Export = export) -> object:
            return decide(export, zone, NOW)

        def fresh(record: Bib = record) -> object:
            return decide(
                Export(record=record, logon_id="01CARLI_XYZ", password="secret", host=HOST),
                zone, NOW)

        def fresh_bib(record: Bib = record) -> object:
            copy = Bib(leader=record.leader, fields=record.fields)
            return decide(
                Export(record=copy, logon_id="01CARLI_XYZ", password="secret", host=HOST),
                zone, NOW)

        same = rate(again, args.seconds)
        cold = rate(fresh, args.seconds)
        new = rate(fresh_bib, args.seconds)
        print(f"{name:<12} {code:<18} {same:>14,.0f} {cold:>15,.0f} {cold / baseline:>7.3f} "
              f"{new:>12,.0f}")


if __name__ == "__main__":
    main()
