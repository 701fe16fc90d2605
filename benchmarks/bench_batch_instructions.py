"""Instructions a record of ``almamatch batch`` under callgrind: a figure free of the load.

Run (valgrind installed; ``setarch`` too, where it is, to turn address randomisation off, without
which two runs of one tree differ by tens of millions of instructions)::

    python benchmarks/bench_batch_instructions.py EXPORTS --zone ZONE \\
        [--profile PROFILE] [--now 2026-03-05T10:30] [--records 2000] \\
        [--src SRC ...] [--pure] [--reference REFERENCE]

The first ``--records`` records of EXPORTS (ISO 2709) are decided by ``almamatch batch ... --json
--workers 1`` under ``valgrind --tool=callgrind``, once for those records and once for the
first record alone (the command's start-up); a record costs the difference over the records
after the first. Each ``--src`` (a source tree's ``src`` folder, its compiled modules built in
place; default: this checkout's) is counted in turn, with ``PYTHONHASHSEED=0`` and one BLAS
thread, so that trees compare in one run. ``--pure`` counts with ``ALMAMATCH_PURE=1``.
``--reference``: a full ``batch --json`` output of EXPORTS whose first lines each run's output
must equal. Run ``python -m compileall -q SRC`` first where bytecode is not written
(``PYTHONDONTWRITEBYTECODE``): compiling the modules would be counted as start-up.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_COLLECTED = re.compile(rb"Collected : (\d+)")


def first_records(exports: Path, count: int) -> bytes:
    """The first ``count`` records of an ISO 2709 file, each as long as its leader says."""
    data = exports.read_bytes()
    at = 0
    for _ in range(count):
        if at >= len(data):
            break
        at += int(data[at:at + 5])
    return data[:at]


def instructions(src: Path, exports: Path, args: argparse.Namespace, output: Path) -> int:
    """The instructions ``almamatch batch`` of ``exports`` executes with ``src`` first on the
    path, its lines written to ``output``."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, "-c",
               "import sys; from almamatch.cli.main import main; sys.exit(main())",
               "batch", str(exports), "--zone", args.zone, "--profile", args.profile,
               "--now", args.now, "--json", "--workers", "1"]
    if shutil.which("setarch"):
        command = ["setarch", "-R", *command]
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0",
           "OPENBLAS_NUM_THREADS": "1"}
    env.pop("ALMAMATCH_PURE", None)
    if args.pure:
        env["ALMAMATCH_PURE"] = "1"
    with output.open("wb") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, env=env, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the batch under callgrind failed: {done.stderr[-500:]!r}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--zone", required=True)
    parser.add_argument("--profile", default="examples/profiles/carli.toml")
    parser.add_argument("--now", default="2026-03-05T10:30")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--src", type=Path, action="append")
    parser.add_argument("--pure", action="store_true")
    parser.add_argument("--reference", type=Path)
    args = parser.parse_args()
    if args.records < 2:
        parser.error("--records: at least 2")
    trees = args.src or [Path(__file__).resolve().parent.parent / "src"]
    print(f"machine: {os.uname().sysname} {os.uname().machine}, Python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()} (instructions do not depend on it)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        many, one = work / "many.mrc", work / "one.mrc"
        many.write_bytes(first_records(args.exports, args.records))
        one.write_bytes(first_records(args.exports, 1))
        expected = None
        if args.reference is not None:
            with args.reference.open("rb") as lines:
                expected = b"".join(itertools.islice(lines, args.records))
        print("| tree | records | million instructions | start-up (one record) | a record |")
        print("|---|---:|---:|---:|---:|")
        for src in trees:
            total = instructions(src, many, args, work / "many.jsonl")
            start = instructions(src, one, args, work / "one.jsonl")
            same = ("" if expected is None else
                    " (output identical)" if (work / "many.jsonl").read_bytes() == expected
                    else " (OUTPUT DIFFERS)")
            print(f"| {src}{same} | {args.records:,} | {total / 1e6:,.1f} | {start / 1e6:,.1f} | "
                  f"{(total - start) / (args.records - 1):,.0f} |")


if __name__ == "__main__":
    main()
