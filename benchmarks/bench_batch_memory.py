"""Peak memory of ``almamatch batch --json --output`` on a 10 MB and a ~1 GB ISO 2709 file.

Theory of operation: the exports file is corpus records repeated until it reaches the size, built
in a temporary directory and deleted afterwards. Each run is a subprocess whose peak resident set
(``VmHWM`` in ``/proc/<pid>/status``, sampled every 50 ms, and ``ru_maxrss`` of the child at exit)
is compared across the two sizes: a streaming batch has a ratio of about 1.

A batch applies each decision to the in-memory zone, so the zone grows with the records it ADDS.
Two workloads separate the reader's memory from the zone's:

* ``merging``: only corpus records that carry an OCLC number. Each is added once on the first
  pass, and every later copy matches and merges into it, so the zone stays the size of the
  distinct records and memory must be flat;
* ``refused``: every corpus record, sent with a wrong password, so every record is decided and
  refused (LOGON_FAILED) and the zone never changes: the pure streaming cost.

Run: ``python benchmarks/bench_batch_memory.py [--gigabytes 1.0] [--workload merging]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from almamatch.core.record import Bib
from almamatch.marc import bib_to_marc, read_bibs

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = REPOSITORY.parent / "shared" / "corpus"
ZONE = REPOSITORY / "examples" / "zone"
SOURCES = ("solrmarc_uva_001_2000.mrc", "traject_test_data.utf8.mrc")


def corpus_block(*, with_numbers_only: bool) -> bytes:
    """The corpus records (re-written as ISO 2709), optionally only those with an OCLC number."""
    records: list[bytes] = []
    for name in SOURCES:
        for item in read_bibs(CORPUS / name):
            if not isinstance(item, Bib):
                continue
            if with_numbers_only and not (item.oclc_numbers.active or item.oclc_numbers.cancelled):
                continue
            records.append(bib_to_marc(item))
    return b"".join(records)


def build(path: Path, block: bytes, size: int) -> int:
    """Write ``block`` repeatedly until ``path`` holds at least ``size`` bytes; the bytes."""
    written = 0
    with path.open("wb") as stream:
        while written < size:
            stream.write(block)
            written += len(block)
    return written


def peak_of(argv: list[str]) -> tuple[int, float, int]:
    """(peak RSS in KiB, seconds, exit code) of one subprocess run."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status = Path(f"/proc/{process.pid}/status")
    sampled = 0
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    sampled = max(sampled, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.05)
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.stderr.write(stderr.decode("utf-8", "replace"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(sampled, children if sampled == 0 else sampled), elapsed, process.returncode


def run_batch(exports: Path, output: Path, *, refused: bool) -> tuple[int, float, int, int]:
    program = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", program, "batch", str(exports), "--zone", str(ZONE),
            "--now", "2026-03-05T10:30", "--json", "--output", str(output)]
    if refused:
        argv += ["--password", "wrong"]
    peak, seconds, code = peak_of(argv)
    with output.open("rb") as stream:
        lines = sum(1 for _ in stream)
    return peak, seconds, code, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--small-megabytes", type=float, default=10.0)
    parser.add_argument("--workload", choices=("merging", "refused"), default="merging")
    args = parser.parse_args()
    refused = args.workload == "refused"
    block = corpus_block(with_numbers_only=not refused)
    print(f"workload {args.workload}: block of {len(block):,} bytes")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, size in (("small", int(args.small_megabytes * 1e6)),
                            ("large", int(args.gigabytes * 1e9))):
            exports = Path(folder) / f"{label}.mrc"
            written = build(exports, block, size)
            peak, seconds, code, lines = run_batch(exports, Path(folder) / f"{label}.jsonl",
                                                   refused=refused)
            exports.unlink()
            rows.append((label, written, lines, peak, seconds, code))
            print(f"{label}: {written / 1e6:,.0f} MB, {lines:,} records, exit {code}, "
                  f"peak RSS {peak / 1024:,.1f} MiB, {seconds:,.0f} s "
                  f"({lines / seconds:,.0f} records/s)", flush=True)
    ratio = rows[1][3] / rows[0][3]
    print(f"peak RSS ratio large/small: {ratio:.2f}")


if __name__ == "__main__":
    main()
