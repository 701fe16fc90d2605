"""``almamatch batch`` (``--workers 1`` unless told) at growing batch sizes, two source trees
alternated: peak memory, CPU and page faults against the number of exports, and what each record
adds to them.

Run, with a second checkout as the same-run baseline (``git worktree add /tmp/base
origin/main``; its compiled modules built in place)::

    python benchmarks/bench_batch_scale.py EXPORTS.mrc --zone ZONE --base /tmp/base/src \
        --sizes 20000,50000,100000 --repeat 2 --reference REFERENCE.jsonl

For each size N, the first N records of the exports file are written to a temporary file
(framed by the lengths their leaders give) and both trees decide them, one after the other,
the order swapped every round (ABBA), each as ``python -c`` with ``PYTHONPATH`` set to its tree
and the JSON lines to a file. From ``os.wait4``: CPU seconds (user and system), the peak
resident set (``ru_maxrss``, which counts the image of this process that the child was forked
from: it keeps little in memory, about 20 MiB) and the minor page faults. With ``--workers``
above 1 these cover the command's worker processes too (it waits for them): CPU and faults
summed, the peak the largest process's. With ``--reference`` (the lines of the largest size, or
more), every output must equal its first N lines byte for byte. Then, for each tree, what a
record adds between two sizes: CPU microseconds, KiB of peak memory and page faults a record
(from the minimums). The machine is shared: the load is printed before and after.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_batch import NOW, PROFILE, Ran, commands
from bench_batch_trees import PROGRAM, compiled_arms, tree_arguments


def first_records(source: Path, count: int, target: Path) -> int:
    """Write the first ``count`` records of the ISO 2709 file ``source`` to ``target``, one at a
    time (each framed by the length its leader gives); how many there were. Streamed on purpose,
    not read whole as the other benchmarks read their exports: this process stays small, since
    a child's peak RSS can count the image of the process it was forked from."""
    written = 0
    with source.open("rb") as stream, target.open("wb") as sink:
        while written < count:
            head = stream.read(5)
            if len(head) < 5:
                break
            record = head + stream.read(int(head) - 5)
            if record[-1] != 0x1D:
                raise SystemExit(f"{source}: record {written + 1} does not end where its "
                                 "leader says")
            sink.write(record)
            written += 1
    return written


def starts_with(output: Path, reference: Path, count: int) -> bool:
    """Whether ``output`` is exactly the first ``count`` lines of ``reference``, read line by
    line (the parent keeps no output in memory: a child's peak counts the parent it forked
    from)."""
    with output.open("rb") as made, reference.open("rb") as expected:
        for _ in range(count):
            if made.readline() != expected.readline():
                return False
        return made.read(1) == b""


def main() -> None:
    parser = tree_arguments(__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,50000,100000",
                        help="batch sizes, comma-separated (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1,
                        help="the batch's --workers (default: %(default)s); with more than one, "
                        "the peak is the largest process's, CPU and faults the workers' too")
    parser.add_argument("--reference", type=Path, default=None,
                        help="the JSON lines of the largest size: each output must be its start")
    options = parser.parse_args()
    arms = compiled_arms(options)
    sizes = sorted(int(one) for one in options.sizes.split(","))
    figures: dict[tuple[str, int], list[Ran]] = {}  # (arm, size) -> its runs
    print(f"load before {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            exports = Path(folder) / f"first{size}.mrc"
            if first_records(options.exports, size, exports) != size:
                raise SystemExit(f"{options.exports} holds fewer than {size} records")
            argv = [sys.executable, "-c", PROGRAM, "batch", str(exports), "--zone",
                    str(options.zone), "--profile", PROFILE, "--now", NOW, "--json",
                    "--workers", str(options.workers)]
            for round_ in range(options.repeat):
                for arm in (list(arms) if round_ % 2 == 0 else list(reversed(arms))):
                    output = Path(folder) / f"{arm}.jsonl"
                    env = dict(os.environ, PYTHONPATH=str(arms[arm]))
                    one = commands([argv], [output], env)
                    same = "-"
                    if options.reference is not None:
                        if not starts_with(output, options.reference, size):
                            raise SystemExit(f"{arm}: output differs from {options.reference}")
                        same = "identical"
                    figures.setdefault((arm, size), []).append(one)
                    print(f"{size:8d} {arm:7s} CPU {one.cpu:6.2f} s (user {one.user:6.2f}, "
                          f"system {one.system:5.2f})  wall {one.wall:6.2f} s  peak "
                          f"{one.peak / 1024:6.0f} MiB  minor faults {one.faults:8d}  {same}",
                          flush=True)
    print(f"load after {os.getloadavg()}")
    print("\nsize     arm     CPU s min / median   peak MiB   minor faults")
    least: dict[tuple[str, int], tuple[float, float, float]] = {}
    for (arm, size), runs in sorted(figures.items(), key=lambda item: (item[0][1], item[0][0])):
        cpus = [run.cpu for run in runs]
        peak = min(run.peak for run in runs) / 1024
        faults = min(run.faults for run in runs)
        least[arm, size] = (min(cpus), peak, faults)
        print(f"{size:8d} {arm:7s} {min(cpus):6.2f} / {statistics.median(cpus):6.2f}     "
              f"{peak:8.0f}   {faults:10d}")
    print("\nwhat a record adds (from the minimums), between two sizes")
    for arm in arms:
        for small, large in itertools.pairwise(sizes):
            (cpu_a, peak_a, faults_a), (cpu_b, peak_b, faults_b) = least[arm, small], least[
                arm, large]
            count = large - small
            print(f"{arm:7s} {small:7d} -> {large:7d}: "
                  f"CPU {1e6 * (cpu_b - cpu_a) / count:6.1f} us, "
                  f"peak {1024 * (peak_b - peak_a) / count:5.2f} KiB, "
                  f"faults {(faults_b - faults_a) / count:5.2f} a record")


if __name__ == "__main__":
    main()
