"""Where a grouped ``almamatch batch`` spends its CPU: the parent's phases and each worker's tasks.

Run (the arguments after ``--`` are those of ``almamatch batch``)::

    python benchmarks/bench_batch_anatomy.py [--serial] -- EXPORTS --zone ZONE \
        --profile examples/profiles/carli.toml --now 2026-03-05T10:30 --json --workers 2 > OUT

The command runs in this process with timers around its steps (wrapped here, nothing in the
package changed): the parent's CPU before the plan (start-up, profile, zone), in the plan
(``plan_batch``: framing, the numbers read from the bytes, the groups), and while the lines are
merged and written (``write_in_order``: the main thread's own CPU, the process's user and system
CPU and its page faults, the result threads included); each worker's CPU inside its tasks
(``decide_task``) against its CPU in all, and the workers' page faults. ``--serial`` decides the
same tasks one after another in this process (no worker forked): the grouped path's own cost,
to set against ``--workers 1`` in the same run; the difference of the two runs' figures is what
the processes cost (forking, copy-on-write, two processes sharing the caches). The machine is
shared: the script prints ``os.getloadavg()``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import almamatch.cli.batch as command
import almamatch.parallel.batch as grouped
from almamatch.cli.main import main as almamatch_main


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serial", action="store_true",
                        help="decide the tasks one after another in this process")
    parser.add_argument("batch", nargs=argparse.REMAINDER,
                        help="-- then the arguments of almamatch batch")
    options = parser.parse_args()
    argv = options.batch[1:] if options.batch[:1] == ["--"] else options.batch
    folder = Path(tempfile.mkdtemp(prefix="anatomy-"))  # each worker's figures, one file each
    marks: dict[str, Any] = {}
    started = time.perf_counter()

    real_task, real_plan, real_write = (vars(command)[name] for name in (
        "decide_task", "plan_batch", "write_in_order"))

    def decide_task(setting: grouped.BatchSetting, task: grouped.Task) -> Any:
        before = time.process_time()
        result = real_task(setting, task)
        after = time.process_time()
        with (folder / f"{os.getpid()}.txt").open("a") as figures:
            figures.write(f"{len(task.indices)} {after - before} {after}\n")
        return result

    # The pool pickles the function by name: the wrapper stands in for it under that name.
    decide_task.__module__, decide_task.__qualname__ = real_task.__module__, real_task.__qualname__

    def plan_batch(*arguments: Any, **named: Any) -> Any:
        marks["plan"] = time.process_time()
        found = real_plan(*arguments, **named)
        marks["planned"] = time.process_time()
        return found

    def write_in_order(*arguments: Any, **named: Any) -> Any:
        thread, usage = time.thread_time(), resource.getrusage(resource.RUSAGE_SELF)
        found = real_write(*arguments, **named)
        after = resource.getrusage(resource.RUSAGE_SELF)
        marks["write"] = (time.thread_time() - thread, after.ru_utime - usage.ru_utime,
                          after.ru_stime - usage.ru_stime, after.ru_minflt - usage.ru_minflt)
        return found

    replaced: dict[tuple[Any, str], Any] = {
        (grouped, "decide_task"): decide_task, (command, "decide_task"): decide_task,
        (command, "plan_batch"): plan_batch, (command, "write_in_order"): write_in_order}
    if options.serial:
        real_processes = vars(command)["_decide_on_processes"]

        def one_process(setting: Any, plan: Any, zone: Any, store: Any, workers: int) -> Any:
            return real_processes(setting, plan, zone, store, 1)

        replaced[command, "_decide_on_processes"] = one_process
    for (module, name), stand_in in replaced.items():
        setattr(module, name, stand_in)
    code = almamatch_main(["batch", *argv])
    wall = time.perf_counter() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    say = sys.stderr.write
    say(f"load average {os.getloadavg()}; wall {wall:.2f} s\n")
    say(f"parent: {_cpu(own):.3f} CPU s ({own.ru_stime:.3f} system), {own.ru_minflt} page "
        f"faults; workers: {_cpu(children):.3f} CPU s ({children.ru_stime:.3f} system), "
        f"{children.ru_minflt} page faults\n")
    if "plan" in marks:
        planned = marks["planned"] - marks["plan"]
        say(f"  before the plan {marks['plan']:.3f}, the plan {planned:.3f}\n")
    if "write" in marks:
        thread, user, system, faults = marks["write"]
        say(f"  merge and write: main thread {thread:.3f}; process {user:.3f} user + {system:.3f}"
            f" system, {faults} page faults\n")
    for figures in sorted(folder.glob("*.txt")):
        rows = [line.split() for line in figures.read_text().splitlines()]
        records = sum(int(row[0]) for row in rows)
        inside = sum(float(row[1]) for row in rows)
        whole = max(float(row[2]) for row in rows)
        where = "this process" if figures.stem == str(os.getpid()) else f"worker {figures.stem}"
        say(f"  {where}: {len(rows)} tasks, {records} records, {inside:.3f} CPU s in tasks of "
            f"{whole:.3f} in all\n")
        figures.unlink()
    folder.rmdir()
    return code


if __name__ == "__main__":
    sys.exit(main())
