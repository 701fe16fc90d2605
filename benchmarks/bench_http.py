"""Decisions per second and latency of the HTTP API (``POST /decisions``, ``POST /batches``).

Run: ``python benchmarks/bench_http.py [--exports N] [--repeat R] [--clients 1,10]``.

Each run starts a fresh server over the example zone (``tests/http_server.running_server``: the
zone opened as ``almamatch serve`` opens it, the HTTP door on its own loop in a thread of this
process) and sends the same N synthetic exports (shared OCLC numbers: adds, merges and guard
refusals), applied, through a real HTTP client (``urllib``, one connection per request):

- ``decisions``: one ``POST /decisions`` per export, split round-robin over C client threads;
  exports per second over the wall time, and the p50 and p99 latency each request saw;
- ``batches``: all N in one ``POST /batches`` (NDJSON streamed back), exports per second.

The baseline, in the same run: the batch rate, the same records decided and applied in order in
this process with ``decide()``, as ``almamatch batch`` does. Each figure is repeated ``--repeat``
times; min and median are printed, with the machine and its load average before and after. The
clients, the server and the baseline share the machine's cores (and other work on the machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_serve import batch_rate, percentile

from http_server import NOW, running_server
from serve_process import synthetic_exports


def post(url: str, body: bytes, media: str) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": media})
    with urllib.request.urlopen(request, timeout=300) as response:
        answer: bytes = response.read()
        return answer


def decisions_run(records: list[bytes], clients: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    with running_server(max_body=10_000_000) as url:
        target = f"{url}/decisions?now={NOW}"

        def client(mine: list[bytes]) -> None:
            for record in mine:
                started = time.perf_counter()
                post(target, record, "application/marc")
                with lock:
                    latencies.append(time.perf_counter() - started)

        threads = [threading.Thread(target=client, args=(records[number::clients],))
                   for number in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    return len(records) / wall, percentile(latencies, 0.5), percentile(latencies, 0.99)


def batches_run(records: list[bytes]) -> float:
    with running_server(max_body=100_000_000) as url:
        started = time.perf_counter()
        answer = post(f"{url}/batches?now={NOW}", b"".join(records), "application/marc")
        wall = time.perf_counter() - started
    assert answer.count(b"\n") == len(records) + 1
    return len(records) / wall


def summary(values: list[float]) -> str:
    return f"min {min(values):8.1f}  median {statistics.median(values):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="1,10")
    args = parser.parse_args()
    records = synthetic_exports(args.exports, values=args.exports // 4)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average before: {os.getloadavg()}")
    print(f"{args.exports} exports, applied, {args.repeat} runs each")
    baseline = [batch_rate(records) for _ in range(args.repeat)]
    print(f"baseline decide()+apply in process   exports/s {summary(baseline)}")
    for clients in (int(one) for one in args.clients.split(",")):
        runs = [decisions_run(records, clients) for _ in range(args.repeat)]
        print(f"POST /decisions, {clients:3d} clients      exports/s "
              f"{summary([run[0] for run in runs])}   p50 ms "
              f"{statistics.median(run[1] for run in runs) * 1000:6.1f}   p99 ms "
              f"{statistics.median(run[2] for run in runs) * 1000:6.1f}")
    batches = [batches_run(records) for _ in range(args.repeat)]
    print(f"POST /batches, one request          exports/s {summary(batches)}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
