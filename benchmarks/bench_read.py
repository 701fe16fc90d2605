"""Reading records: ISO 2709 to ``Bib`` by ``read_bibs`` and by offset from a saved zone, with
pymarc's parse of the same file as the same-run baseline.

Run::

    python benchmarks/bench_read.py EXPORTS [--zone SAVED_ZONE] [--repeat 5] [--reads 20000]

Arms, each run ``--repeat`` times one after another, min and median of CPU seconds (user +
system of this process) and records per CPU second at the min:

* ``pymarc parse``: ``pymarc.MARCReader`` over the exports file (in memory), nothing else;
* ``read_bibs``: the exports file decoded to ``Bib`` values and ``Unreadable``s;
* ``read_bibs, MARCXML word``: the same with each record's bytes also checked for MARCXML
  conversion and the word noted in a ``DecisionCache``, as the batch reads it;
* ``decode_record``: each framed record of the file (framed once, before timing) to a ``Bib``;
* ``zone record()`` (with ``--zone``): ``IndexedZoneView.record`` of ``--reads`` MMS IDs spread
  over the zone (every k-th row of its index), each read once by offset, on one view.

The machine may be shared: the script prints ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
from collections.abc import Callable
from pathlib import Path

import pymarc

from almamatch.core.decide import DecisionCache
from almamatch.marc import read_bibs
from almamatch.marc.framing import frame_records
from almamatch.marc.iso2709 import decode_record
from almamatch.marc.unreadable import Unreadable
from almamatch.zonefiles.zones import IndexedZoneView


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, work: Callable[[], int], repeat: int) -> float:
    """Run ``work`` ``repeat`` times; print min / median CPU s and the rate at the min."""
    cpus: list[float] = []
    count = 0
    for _ in range(repeat):
        start = _cpu()
        count = work()
        cpus.append(_cpu() - start)
    rate = count / min(cpus)
    print(f"| {name} | {count:,} | {min(cpus):.3f} / {statistics.median(cpus):.3f} | "
          f"{rate:,.0f} | {1e6 / rate:.1f} |", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--zone", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reads", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, "
          f"cpu_count={os.cpu_count()}; load average {os.getloadavg()}")
    content = args.exports.read_bytes()
    framed = [item for item in frame_records([content]) if not isinstance(item, Unreadable)]

    def pymarc_parse() -> int:
        reader = pymarc.MARCReader(content, to_unicode=True, force_utf8=True,
                                   hide_utf8_warnings=True)
        return sum(1 for _ in reader)

    def reading() -> int:
        return sum(1 for _ in read_bibs(args.exports))

    def reading_as_the_batch() -> int:
        cache = DecisionCache()
        return sum(1 for _ in read_bibs(args.exports, convertible=cache.note_convertible))

    def decoding() -> int:
        for record in framed:
            decode_record(record[0])
        return len(framed)

    print("| arm | records | CPU s min / median | records per CPU s | us per record |")
    print("|---|---:|---:|---:|---:|")
    base = measure("pymarc parse", pymarc_parse, args.repeat)
    read = measure("read_bibs", reading, args.repeat)
    measure("read_bibs, MARCXML word", reading_as_the_batch, args.repeat)
    measure("decode_record (framed)", decoding, args.repeat)
    if args.zone is not None:
        view = IndexedZoneView.open(args.zone)
        mms_ids = [str(one) for one in view.index.mms_ids.tolist()]
        step = max(1, len(mms_ids) // args.reads)
        chosen = mms_ids[::step][: args.reads]

        def zone_reads() -> int:
            for mms_id in chosen:
                view.record(mms_id)
            return len(chosen)

        measure("zone record() by offset", zone_reads, args.repeat)
    print(f"\nread_bibs = {read / base:.2f}x pymarc parse; "
          f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
