"""The command's start-up: CPU seconds of one ``almamatch`` command on a tiny input, per command.

Run, with one or more source trees to compare in the same run (each an ``src`` folder; the
runs alternate between them)::

    python benchmarks/bench_startup.py --zone ZONE --exports EXPORTS \\
        [--src BASE/src --src MINE/src] [--repeat 5]

For each command (``--help``, ``batch`` and ``decide`` of the first record of EXPORTS against
the saved zone ZONE, ``zone build`` of that record into a fresh folder) it starts a new
interpreter (``python -c 'almamatch.cli.main.main(...)'``, as the installed command does) and
reads the child's user + system CPU time from ``resource.getrusage(RUSAGE_CHILDREN)``. The
figure is the whole process: the interpreter, the imports, the zone's open and the one record.
Min and median of ``--repeat`` runs; the machine is shared, so it prints ``os.getloadavg()``
before and after. Run ``python -m compileall -q src`` first (the environment may not write
bytecode).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = str(ROOT / "examples" / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"
MAIN = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"


def first_record(exports: Path, into: Path) -> Path:
    """The first ISO 2709 record of ``exports`` (its length is the leader's first 5 digits)."""
    with exports.open("rb") as stream:
        head = stream.read(5)
        one = head + stream.read(int(head) - 5)
    into.write_bytes(one)
    return into


def commands(zone: str, one: Path, work: Path) -> dict[str, list[str]]:
    common = ["--zone", zone, "--profile", PROFILE, "--now", NOW]
    return {
        "--help": ["--help"],
        "batch": ["batch", str(one), *common, "--json", "--workers", "1"],
        "decide": ["decide", str(one), *common, "--json"],
        "zone build": ["zone", "build", str(one), "--assign-mms-ids", "-o", str(work / "zone")],
    }


def cpu_of(src: str, argv: list[str], work: Path) -> float:
    """CPU seconds (user + system) of one command in a fresh interpreter."""
    for old in work.glob("zone*"):
        shutil.rmtree(old)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", MAIN, *argv], env={**os.environ, "PYTHONPATH": src},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zone", required=True, help="a saved zone folder")
    parser.add_argument("--exports", required=True, type=Path, help="an ISO 2709 exports file")
    parser.add_argument("--src", action="append", help="a source tree to time (repeatable)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sources: list[str] = args.src or [str(ROOT / "src")]
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        one = first_record(args.exports, work / "one.mrc")
        runs = commands(args.zone, one, work)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            for name, argv in runs.items():
                for src in sources:
                    times.setdefault((name, src), []).append(cpu_of(src, argv, work))
    for name in runs:
        for src in sources:
            got = times[(name, src)]
            print(f"{name:11} {src:40} min {min(got):.3f} s  median "
                  f"{statistics.median(got):.3f} s  CPU")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
