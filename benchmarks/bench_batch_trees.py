"""``almamatch batch`` from two source trees, run alternately: is a change's batch as fast?

Run, with a second checkout (``git worktree add BASE origin/main``; copy the compiled
modules of ``src/almamatch/_native`` into it when they are the same source, so both arms use
them)::

    python benchmarks/bench_batch_trees.py day20k/exports.mrc \
        --zone day/zone --base BASE/src --workers 2 --repeat 6 \
        --reference ref20k.jsonl

Each round runs both arms one after the other, the order swapped every round (ABBA), each as
``python -c`` with ``PYTHONPATH`` set to its tree, stdout to a file. CPU seconds are the
command's and its workers' (``os.wait4``), wall seconds the run's; min and median of each arm.
With ``--reference``, every output (less an ``almamatch_run`` header line) must equal it byte for
byte. The machine is shared: the script prints ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_batch import NOW, PROFILE, commands

PROGRAM = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
HEADER = b'{"almamatch_run"'


def tree_arguments(description: str) -> argparse.ArgumentParser:
    """The arguments of a benchmark that runs the batch from two source trees: the exports, the
    zone, the baseline's src folder and the change's."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("exports", type=Path)
    parser.add_argument("--zone", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True, help="the baseline's src folder")
    parser.add_argument("--change", type=Path, default=Path(__file__).resolve().parents[1] / "src",
                        help="the change's src folder (default: this checkout's)")
    return parser


def compiled_arms(options: argparse.Namespace) -> dict[str, Path]:
    """The two trees of ``tree_arguments``, ``base`` then ``change``, each one's modules compiled
    to bytecode first, as an installed package's are (in a shell with PYTHONDONTWRITEBYTECODE
    set, each run would compile them again)."""
    arms = {"base": options.base.resolve(), "change": options.change.resolve()}
    for tree in arms.values():
        compileall.compile_dir(str(tree), quiet=1)
    return arms


def main() -> None:
    parser = tree_arguments(__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--reference", type=Path, default=None)
    options = parser.parse_args()
    arms = compiled_arms(options)
    argv = [sys.executable, "-c", PROGRAM, "batch", str(options.exports), "--zone",
            str(options.zone), "--profile", PROFILE, "--now", NOW, "--json",
            "--workers", str(options.workers)]
    reference = options.reference.read_bytes() if options.reference else None
    figures: dict[str, list[tuple[float, float]]] = {arm: [] for arm in arms}
    print(f"load before {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(options.repeat):
            order = list(arms) if round_ % 2 == 0 else list(reversed(arms))
            for arm in order:
                output = Path(folder) / f"{arm}.jsonl"
                env = dict(os.environ, PYTHONPATH=str(arms[arm]))
                ran = commands([argv], [output], env=env)
                cpu, wall = ran.cpu, ran.wall
                same = "-"
                if reference is not None:
                    data = output.read_bytes()
                    if data.startswith(HEADER):
                        data = data[data.index(b"\n") + 1:]
                    if data != reference:
                        raise SystemExit(f"{arm}: output differs from {options.reference}")
                    same = "identical"
                figures[arm].append((cpu, wall))
                print(f"{arm:7s} CPU {cpu:6.2f} s  wall {wall:6.2f} s  {same}", flush=True)
    print(f"load after {os.getloadavg()}")
    for arm, runs in figures.items():
        cpus, walls = [run[0] for run in runs], [run[1] for run in runs]
        print(f"{arm:7s} CPU s min {min(cpus):.2f} median {statistics.median(cpus):.2f}; "
              f"wall s min {min(walls):.2f} median {statistics.median(walls):.2f}")


if __name__ == "__main__":
    main()
