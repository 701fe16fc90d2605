"""``almamatch batch`` end to end at 1 and 2 workers (and on Dask), with same-run baselines.

Run, on a workload from ``benchmarks/make_batch_workload.py`` whose zone was built with
``almamatch zone build``::

    python benchmarks/bench_batch.py WORKLOAD [--repeat 3] [--dask]

Each arm runs ``--repeat`` times, one after another, and reports min and median of CPU seconds
(user + system, of the process and its children) and wall seconds; records/s are per CPU second
(what one core does) and per wall second (what the machine did, under its load). Arms:

* ``pymarc parse``: ``pymarc.MARCReader`` over the exports file, nothing else (the ratio the
  batch must reach is at least 2x this rate);
* ``key scanner``: ``marc.scan.scan_file`` over the same file;
* ``read_bibs``: the exports decoded to ``Bib`` values, each record's MARCXML word noted in a
  ``DecisionCache`` (the batch's reading);
* ``least line``: what the line contract costs at the very least in CPython, nothing decided:
  each record cut from the file, decoded, and its ``record`` member written as the line writes
  it (``least_line``, a few C-level calls a record, written for this benchmark alone and checked
  byte for byte against ``codec.JsonWriter`` on every record before it is timed);
* ``grouping plan``: ``parallel.batch.plan_batch`` alone (framing, the numbers read from the
  bytes, the zone lookups, the groups and tasks): the serial part a grouped run does before
  its workers start;
* ``batch, N workers``: ``almamatch batch EXPORTS --zone ZONE --now ... --json --workers N`` as a
  subprocess, stdout to a file; its outputs must be byte-identical across worker counts; CPU is
  the command's and its workers' (``os.wait4``), peak RSS the largest process's;
* ``paired rounds``: pymarc's parse run again just before each one-worker batch, and the ratio
  of the two CPU times taken round by round (min / median / max), so that a load that comes and
  goes between the arms weighs on both sides of the ratio alike;
* ``two one-process batches at once``: two ``--workers 1`` runs started together, CPU per run:
  what running two processes side by side costs on this machine (shared caches, a loaded host)
  whatever they do, the floor for the 2-worker run's CPU;
* ``batch on Dask`` (``--dask``): the same through a 2-worker ``distributed.LocalCluster``;
* ``batch, N workers, pure Python`` (``--pure``): each batch arm again, interleaved with it, with
  ``ALMAMATCH_PURE=1`` (the compiled modules of ``almamatch._native`` not used): the same-run
  baseline of what they bring; the outputs must be byte-identical to the compiled run's.

The machine is shared: the script prints ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import hashlib
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NamedTuple

import pymarc

import almamatch
from almamatch import _native
from almamatch.codec import JsonWriter
from almamatch.core.decide import DecisionCache
from almamatch.core.record import Bib
from almamatch.marc import read_bibs
from almamatch.marc.scan import scan_file
from almamatch.parallel.batch import bibs_of_saved, plan_batch
from almamatch.zonefiles.manifest import MANIFEST
from almamatch.zonefiles.zones import IndexedZoneView

NOW = "2026-03-05T10:30"
PROFILE = str(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "carli.toml")


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_process(work: Callable[[], int]) -> tuple[float, float, int]:
    cpu, wall = _cpu_self(), time.perf_counter()
    count = work()
    return _cpu_self() - cpu, time.perf_counter() - wall, count


class Ran(NamedTuple):
    """What ``commands`` measured of the commands it ran at once."""

    user: float  # CPU seconds in user mode, of all (with their workers)
    system: float  # CPU seconds in the kernel, of all
    wall: float  # seconds from the start to the last one's end
    digest: str  # of the first output
    peak: int  # peak RSS of the largest process, KiB
    faults: int  # minor page faults, of all

    @property
    def cpu(self) -> float:
        return self.user + self.system


def commands(argvs: list[list[str]], outputs: list[Path], env: dict[str, str] | None = None
             ) -> Ran:
    """Run the commands at once (in ``env``, default this one's), each one's standard output to
    its file, and measure them (``os.wait4``). The digest is read a chunk at a time: this process
    keeps no output in memory (a peak RSS can count the image of the process a child was forked
    from)."""
    wall = time.perf_counter()
    user = system = 0.0
    peak = faults = 0
    with contextlib.ExitStack() as stack:
        running = [subprocess.Popen(argv, stdout=stack.enter_context(output.open("wb")), env=env)
                   for argv, output in zip(argvs, outputs, strict=True)]
        for process in running:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode:
                raise SystemExit(f"{argvs[0][:5]} exited {process.returncode}")
            user += usage.ru_utime
            system += usage.ru_stime
            peak = max(peak, usage.ru_maxrss)
            faults += usage.ru_minflt
    wall = time.perf_counter() - wall
    with outputs[0].open("rb") as made:
        digest = hashlib.file_digest(made, "sha256").hexdigest()[:16]
    return Ran(user, system, wall, digest, peak, faults)


def command(argv: list[str], output: Path) -> tuple[float, float, str]:
    cpu, wall = _cpu_children(), time.perf_counter()
    with output.open("wb") as sink:
        subprocess.run(argv, stdout=sink, check=True)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()[:16]
    return _cpu_children() - cpu, time.perf_counter() - wall, digest


#: What ``least_line`` needs: a delimiter (escaped) and its code; a tag in the directory.
_CODED = re.compile(r"\\u001f(.)", re.DOTALL)
_TAGS = re.compile(r"([0-9A-Za-z]{3})[0-9]{9}")


class _Texts(dict[Any, str]):
    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str:
        made = self[key] = self.make(key)
        return made


_CODE_TEXTS = _Texts(lambda code: '"],["' + code + '","')
_HEADS = _Texts(lambda head: f'{{"tag":"{head[0]}","ind1":"{head[1]}","ind2":"{head[2]}",'
                             '"subfields":[')


def least_line(record: bytes) -> str:
    """The JSON of one record as the batch's lines write it, with nothing checked and nothing
    decided: the whole data escaped in one call, split at each delimiter and code in one call,
    each field's head looked up. For well-formed UTF-8 records without a backslash, as the
    benchmark's workload is (the check in ``main`` counts any record it writes otherwise)."""
    text = record.decode("utf-8")
    base = int(text[12:17])
    tags = _TAGS.findall(text, 24, base - 1)
    pieces = _CODED.split(encode_basestring(text[base:-1])[1:-1])
    pieces[1::2] = map(_CODE_TEXTS.__getitem__, pieces[1::2])
    fields = "".join(pieces).split("\\u001e")
    written = ",".join([
        f'{{"tag":"{tag}","value":"{body}"}}' if tag < "010"
        else _HEADS[tag, body[0], body[1]] + body[5:] + '"]]}'
        for tag, body in zip(tags, fields, strict=False)  # the text's end: one more piece
    ])
    return f'{{"leader":"{text[:24]}","fields":[{written}]}}'


def report(name: str, runs: list[tuple[float, float]], records: int, note: str = "") -> float:
    cpus = [cpu for cpu, _ in runs]
    walls = [wall for _, wall in runs]
    best = records / min(cpus)
    print(f"| {name} | {min(cpus):.2f} / {statistics.median(cpus):.2f} | "
          f"{min(walls):.2f} / {statistics.median(walls):.2f} | {best:,.0f} | "
          f"{records / min(walls):,.0f} | {note} |", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="the worker counts to run (default: 1 2)")
    parser.add_argument("--pair", action="store_true",
                        help="also run two one-process batches at once (the machine's cost of "
                             "running two processes side by side)")
    parser.add_argument("--pure", action="store_true",
                        help="also run each batch arm with ALMAMATCH_PURE=1 (no compiled module)")
    args = parser.parse_args()
    exports, zone = args.workload / "exports.mrc", args.workload / "zone"
    # The commands import the package from bytecode, as an installed one does (pip compiles it);
    # without this, a shell with PYTHONDONTWRITEBYTECODE set compiles every module on every run.
    compileall.compile_dir(Path(almamatch.__file__).parent, quiet=1)
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, "
          f"cpu_count={os.cpu_count()}; load average {os.getloadavg()}")
    print(f"compiled modules: {', '.join(_native.built()) or 'none built'}"
          f"{'' if _native.wanted() else f' (not used: {_native.PURE_VARIABLE} is set)'}")
    content = exports.read_bytes()

    def pymarc_parse() -> int:
        reader = pymarc.MARCReader(content, to_unicode=True, force_utf8=True,
                                   hide_utf8_warnings=True)
        return sum(1 for _ in reader)

    def scanner() -> int:
        return sum(1 for _ in scan_file(exports))

    def reading() -> int:
        cache = DecisionCache()
        return sum(1 for _ in read_bibs(exports, convertible=cache.note_convertible))

    records_of = content.split(b"\x1d")[:-1]
    writer = JsonWriter().writer(Bib)
    differ = sum(least_line(one + b"\x1d") != writer(bib)
                 for one, bib in zip(records_of, read_bibs(exports), strict=True)
                 if isinstance(bib, Bib))

    def least() -> int:
        for one in content.split(b"\x1d")[:-1]:
            least_line(one + b"\x1d")
        return len(records_of)

    print("| arm | CPU s min / median | wall s min / median | records per CPU s | "
          "records per wall s | output |")
    print("|---|---:|---:|---:|---:|---|")
    if not (Path(zone) / MANIFEST).is_file():
        raise SystemExit(f"{zone} is no saved zone: build it with almamatch zone build")
    bibs_of = bibs_of_saved(IndexedZoneView.open(zone, digests_checked=True))

    def planning() -> int:
        return plan_batch(exports, bibs_of).count

    records = 0
    rates: dict[str, float] = {}
    for name, work in (("pymarc parse", pymarc_parse), ("key scanner", scanner),
                       ("read_bibs (decode to Bib)", reading), ("grouping plan", planning),
                       ("least line (record to JSON, nothing decided)", least)):
        runs = []
        for _ in range(args.repeat):
            cpu, wall, records = in_process(work)
            runs.append((cpu, wall))
        rates[name] = report(name, runs, records, f"{differ} records written otherwise than "
                             "the codec" if work is least else "")
    base = [sys.executable, "-c", ("import sys; from almamatch.cli.main import main; "
            "sys.exit(main())"), "batch", str(exports), "--zone",
            str(zone), "--profile", PROFILE, "--now", NOW, "--json"]
    digests: set[str] = set()
    runs_of: dict[str, list[tuple[float, float]]] = {}
    peaks: dict[str, int] = {}
    pure = {**os.environ, _native.PURE_VARIABLE: "1"}
    arms = [(f"batch --workers {n}{', pure Python' if env else ''}",
             [[*base, "--workers", str(n)]], env)
            for n in args.workers for env in ([None, pure] if args.pure else [None])]
    with tempfile.TemporaryDirectory() as scratch:
        outputs = [Path(scratch) / "out.jsonl", Path(scratch) / "other.jsonl"]
        paired: list[float] = []
        for _ in range(args.repeat):
            # Interleaved, so that the arms share the machine's load as it comes and goes.
            for name, argvs, env in arms:
                if name == "batch --workers 1":
                    parse_cpu, _, _ = in_process(pymarc_parse)
                ran = commands(argvs, outputs[:1], env)
                if name == "batch --workers 1":
                    paired.append(parse_cpu / ran.cpu)
                runs_of.setdefault(name, []).append((ran.cpu, ran.wall))
                peaks[name] = max(peaks.get(name, 0), ran.peak // 1024)
                digests.add(ran.digest)
            if args.pair:
                name = "two one-process batches at once (CPU per batch)"
                ran = commands([[*base, "--workers", "1"]] * 2, outputs)
                runs_of.setdefault(name, []).append((ran.cpu / 2, ran.wall))
                peaks[name] = max(peaks.get(name, 0), ran.peak // 1024)
                digests.add(ran.digest)
        for name, runs in runs_of.items():
            rates[name] = report(name, runs, records, f"peak RSS {peaks[name]} MiB")
        if args.dask:
            from distributed import LocalCluster  # noqa: PLC0415 (the optional dask extra)

            with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
                runs = []
                for _ in range(args.repeat):
                    wall = time.perf_counter()
                    _, _, digest = command([*base, "--dask", cluster.scheduler_address],
                                           Path(scratch) / "out.jsonl")
                    runs.append((float("nan"), time.perf_counter() - wall))
                    digests.add(digest)
            walls = [wall for _, wall in runs]
            print(f"| batch on Dask (LocalCluster, 2 workers) | - | {min(walls):.2f} / "
                  f"{statistics.median(walls):.2f} | - | {records / min(walls):,.0f} | {digest} |")
    print(f"\noutputs identical: {len(digests) == 1}")
    one = rates.get("batch --workers 1")
    if one is not None:
        print(f"batch, one worker: {one:,.0f} records per CPU second = "
              f"{one / rates['pymarc parse']:.2f}x pymarc parse, "
              f"{one / rates['key scanner']:.2f}x the key scanner")
        print(f"paired rounds (pymarc's parse just before each one-worker batch): the batch "
              f"{min(paired):.2f}x / {statistics.median(paired):.2f}x / {max(paired):.2f}x "
              f"pymarc's rate (min / median / max of {len(paired)} rounds)")
        least_name = "least line (record to JSON, nothing decided)"
        target = 2 * rates["pymarc parse"]
        print(f"2x pymarc parse is {1e6 / target:.1f} us a record; the least line takes "
              f"{1e6 / rates[least_name]:.1f} of it, the batch {1e6 / one:.1f}")
    for name, runs in runs_of.items():
        if name.endswith(", pure Python"):
            compiled_cpus = [cpu for cpu, _ in runs_of[name.removesuffix(", pure Python")]]
            pure_cpus = [cpu for cpu, _ in runs]
            medians = statistics.median(pure_cpus) / statistics.median(compiled_cpus)
            print(f"{name.removesuffix(', pure Python')}: compiled modules "
                  f"{min(pure_cpus) / min(compiled_cpus):.2f}x faster than pure Python in CPU "
                  f"(min to min), median {medians:.2f}x")
            continue
        if name != "batch --workers 1" and "batch --workers 1" in runs_of:
            cpus = [cpu for cpu, _ in runs]
            walls = [wall for _, wall in runs]
            base_cpus = [cpu for cpu, _ in runs_of["batch --workers 1"]]
            base_walls = [wall for _, wall in runs_of["batch --workers 1"]]
            print(f"{name}: CPU {min(cpus) / min(base_cpus):.2f}x and wall "
                  f"{min(walls) / min(base_walls):.2f}x the one-process batch (min to min), "
                  f"median {statistics.median(cpus) / statistics.median(base_cpus):.2f}x and "
                  f"{statistics.median(walls) / statistics.median(base_walls):.2f}x")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
