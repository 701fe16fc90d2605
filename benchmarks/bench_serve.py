"""Exports per second and reply latency of ``almamatch serve`` at 1, 10 and 100 clients.

Run: ``python benchmarks/bench_serve.py [--exports N] [--repeat R] [--clients 1,10,100]
[--zone DIR]``. A saved zone (``almamatch zone build``) is copied for every run and served with
its journal: each export is then committed to SQLite before its reply.

For each number of clients, a fresh ``almamatch serve`` (a child process, on the example zone, a
fixed ``--now``, its log to a file) receives the same N synthetic exports (shared OCLC numbers, so
adds, merges and guard refusals), split round-robin over the clients, which all send at once, one
connection per export, from one asyncio loop in this process. Reported per run: exports per second
(N over the wall time from the first connect to the last reply) and the p50 and p99 of the reply
latency each client saw (connect to NUL). The baseline, in the same run: the batch rate, the same
records decided and applied in order in this process with ``decide()`` (no sockets, no commits),
as ``almamatch batch`` does. Each figure is repeated ``--repeat`` times; min and median are
printed, with the machine and its load average before and after (the clients share the machine's
cores with the server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from almamatch.core.decide import decide
from almamatch.core.zone import Export
from almamatch.marc.iso2709 import decode_record
from almamatch.serve.client import export_concurrently
from almamatch.serve.request import encode_request
from almamatch.zonefiles.manifest import MANIFEST
from serve_process import (
    EXAMPLES,
    LOGON,
    NOW,
    PASSWORD,
    ServeProcess,
    example_zone,
    synthetic_exports,
)


def batch_rate(records: list[bytes]) -> float:
    """Exports per second decided and applied in order, in process (records decoded as well)."""
    zone, bibs = example_zone()
    started = time.perf_counter()
    for record in records:
        export = Export(record=decode_record(record), logon_id=LOGON, password=PASSWORD,
                        host=zone.host)
        bibs.apply(decide(export, zone, NOW))
    return len(records) / (time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def serve_run(records: list[bytes], clients: int, zone_args: list[str],
              log: Path) -> tuple[float, float, float]:
    """One fresh server, ``clients`` at once: (exports/s, p50 ms, p99 ms). A saved zone is
    copied first, so that every run starts from the same zone and its journal is the copy's."""
    streams = [[encode_request(record, logon_id=LOGON, password=PASSWORD)
                for record in records[client::clients]] for client in range(clients)]
    zone = Path(zone_args[1])
    with tempfile.TemporaryDirectory() as scratch:
        if (zone / MANIFEST).is_file():
            copy = Path(scratch) / "zone"
            shutil.copytree(zone, copy)
            zone_args = [zone_args[0], str(copy), *zone_args[2:]]
        return _serve_run(streams, len(records), zone_args, log)


def _serve_run(streams: list[list[bytes]], count: int, zone_args: list[str],
               log: Path) -> tuple[float, float, float]:
    with ServeProcess([*zone_args, "--port", "0", "--log", str(log), "--json"]) as server:
        started = time.perf_counter()
        outcomes = asyncio.run(export_concurrently(streams, port=server.port, timeout=300))
        elapsed = time.perf_counter() - started
        code, _ = server.stop(timeout=300)
    unanswered = [one for one in outcomes if one.reply is None]
    if code != 0 or unanswered:
        raise SystemExit(f"serve exited {code}; {len(unanswered)} exports without a reply")
    latencies = [one.ms for one in outcomes]
    return count / elapsed, percentile(latencies, 0.50), percentile(latencies, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="1,10,100")
    parser.add_argument("--zone", default=str(EXAMPLES / "zone"),
                        help="the zone to serve (default: the example zone)")
    options = parser.parse_args()
    records = synthetic_exports(options.exports, values=max(options.exports // 4, 1), seed=15)
    zone_args = ["--zone", options.zone, "--profile", str(EXAMPLES / "profiles" / "carli.toml"),
                 "--now", NOW.isoformat()]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}; commit {commit}")
    print(f"load average before: {' '.join(f'{one:.2f}' for one in os.getloadavg())}")
    print(f"{options.exports} exports, zone {options.zone}, {options.repeat} runs each")
    rates = [batch_rate(records) for _ in range(options.repeat)]
    print("\n| clients | exports/s min | exports/s median | p50 ms (median) | p99 ms (median) |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| batch (in process, no commit) | {min(rates):.0f} | "
          f"{statistics.median(rates):.0f} | - | - |")
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_serve_{os.getpid()}.jsonl"
    for clients in (int(one) for one in options.clients.split(",")):
        runs = []
        for _ in range(options.repeat):
            log.unlink(missing_ok=True)
            runs.append(serve_run(records, clients, zone_args, log))
        log.unlink(missing_ok=True)
        speeds = [run[0] for run in runs]
        print(f"| {clients} | {min(speeds):.0f} | {statistics.median(speeds):.0f} | "
              f"{statistics.median(run[1] for run in runs):.1f} | "
              f"{statistics.median(run[2] for run in runs):.1f} |", flush=True)
    print(f"\nload average after: {' '.join(f'{one:.2f}' for one in os.getloadavg())}")


if __name__ == "__main__":
    main()
