"""``almamatch zone build`` on a real ISO 2709 dump, against ``build_from_dump`` and pymarc, and
committed decisions per second with the zone's journal.

Run::

    python benchmarks/make_zone_dump.py --bibs 1000000 -o /tmp/zone-1m.mrc
    python benchmarks/bench_zone_build.py /tmp/zone-1m.mrc --work /tmp/bench [--repeat 3]
        [--pymarc-limit N] [--decisions 2000]

Each measurement runs in its own child process, so that its peak RSS is its own
(``os.wait4``'s ``ru_maxrss``); CPU is the child's user + system seconds. Three builds of the same
file, in one run:

* ``zone build``: the command a user runs (``almamatch zone build DUMP -o ZONE --json``),
  which also copies the dump into the zone and digests every file;
* ``build_from_dump``: the index module's scanner build, in memory, nothing written;
* ``pymarc``: a full parse of the file with ``pymarc.MARCReader`` (``to_unicode``), records
  counted and dropped: what loading every record costs before any zone is built. With
  ``--pymarc-limit N`` only the first N records are parsed and the rate is extrapolated to the
  file (marked so).

Then the journal: exports drawn from the zone's own OCLC numbers (three in four merge, the rest
add) are decided against the saved zone, applied and committed, first one commit per decision
(what ``serve`` does before each reply), then one commit per 1,000 decisions.
The machine is shared: the load average is printed before and after each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUILD_FROM_DUMP = """
import sys
from almamatch.core.brief import BriefLevelRules
from almamatch.index.dump import build_from_dump
built = build_from_dump(sys.argv[1], BriefLevelRules.preset("carli"))
print(built.index.bib_count)
"""

PYMARC = """
import sys
import pymarc
limit = int(sys.argv[2])
count = 0
with open(sys.argv[1], "rb") as handle:
    for record in pymarc.MARCReader(handle, to_unicode=True, hide_utf8_warnings=True):
        count += 1
        if limit and count >= limit:
            break
print(count)
"""

JOURNAL = """
import sys, time, random
from datetime import datetime
from almamatch.core.decide import decide
from almamatch.core.profile import IntegrationProfile
from almamatch.core.zone import Export, Zone
from almamatch.index.synthetic import incoming_record
from almamatch.store import ZoneStore
import numpy as np

zone_dir, count, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
profile = IntegrationProfile.carli("bench")
host, logon = "i-share-xyz.alma.exlibrisgroup.com", "01CARLI_XYZ"
rng = random.Random(1)
with ZoneStore.open(zone_dir) as store:
    values = np.asarray(store.saved.index.key_values)
    top = int(values.max())
    exports = []
    for step in range(count):
        value = int(values[rng.randrange(len(values))]) if rng.random() < 0.75 else top + 1 + step
        record = incoming_record(value, level=" ", version="20250101000000.0")
        exports.append(Export(record=record, logon_id=logon, password="bench", host=host))
    started = time.perf_counter()
    cpu = time.process_time()
    for position, export in enumerate(exports, start=1):
        zone = Zone(institution=logon, host=host, logon_id=logon, profiles=(profile,),
                    bibs=store.view())
        store.apply(decide(export, zone, datetime(2026, 3, 5, 10, 30)))
        if position % every == 0:
            store.commit()
    store.commit()
    print(time.perf_counter() - started, time.process_time() - cpu)
"""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _child(argv: list[str]) -> tuple[float, float, int, str]:
    """Run a child; its wall seconds, CPU seconds, peak RSS (bytes) and stdout."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"{argv[:4]} failed with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out


def _summary(name: str, runs: list[tuple[float, float, int, str]], bibs: int,
             note: str = "") -> dict[str, object]:
    walls = [run[0] for run in runs]
    cpus = [run[1] for run in runs]
    return {
        "what": name, "runs": len(runs), "bibs": bibs, "note": note,
        "wall_s_min": round(min(walls), 2), "wall_s_median": round(statistics.median(walls), 2),
        "cpu_s_min": round(min(cpus), 2), "cpu_s_median": round(statistics.median(cpus), 2),
        "bibs_per_cpu_s": round(bibs / min(cpus)),
        "peak_rss_mib": round(max(run[2] for run in runs) / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (deleted)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pymarc-limit", type=int, default=0)
    parser.add_argument("--decisions", type=int, default=2000)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    zone = args.work / "zone"
    print(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                      "python": platform.python_version(), "dump_bytes": args.dump.stat().st_size,
                      "load_before": _load()}), flush=True)
    builds = []
    for _ in range(args.repeat):
        shutil.rmtree(zone, ignore_errors=True)
        builds.append(_child([str(Path(sys.executable).with_name("almamatch")), "zone", "build",
                              str(args.dump), "-o", str(zone), "--json"]))
    report = json.loads(builds[-1][3])
    bibs = int(report["bibs"])
    on_disk = sum(path.stat().st_size for path in zone.rglob("*") if path.is_file())
    index_bytes = sum(path.stat().st_size for path in (zone / "index").rglob("*"))
    print(json.dumps({**_summary("zone build", builds, bibs), "load": _load(),
                      "zone_bytes_per_bib": round(on_disk / bibs, 1),
                      "index_and_offsets_bytes_per_bib": round(
                          (index_bytes + (zone / "bibs.offsets.npy").stat().st_size) / bibs, 1)}),
          flush=True)
    scans = [_child([sys.executable, "-c", BUILD_FROM_DUMP, str(args.dump)])
             for _ in range(args.repeat)]
    print(json.dumps({**_summary("build_from_dump", scans, bibs), "load": _load()}), flush=True)
    parsed = _child([sys.executable, "-c", PYMARC, str(args.dump), str(args.pymarc_limit)])
    count = int(parsed[3])
    scale = bibs / count
    pymarc_run = (parsed[0] * scale, parsed[1] * scale, parsed[2], parsed[3])
    note = "" if count == bibs else f"first {count} records parsed, extrapolated to {bibs}"
    print(json.dumps({**_summary("pymarc parse", [pymarc_run], bibs, note), "load": _load()}),
          flush=True)
    for every in (1, 1000):
        wall, cpu = map(float, _child([sys.executable, "-c", JOURNAL, str(zone),
                                       str(args.decisions), str(every)])[3].split())
        print(json.dumps({"what": f"decide+apply+commit, a commit per {every} decision(s)",
                          "decisions": args.decisions,
                          "decisions_per_s": round(args.decisions / wall),
                          "decisions_per_cpu_s": round(args.decisions / cpu),
                          "load": _load()}), flush=True)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
