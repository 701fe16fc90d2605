"""A command stopped from outside: SIGTERM ends it as Ctrl-C does, and no temporary zone stays.

A batch's workers: a Ctrl-C or SIGTERM while they are forked is raised once they are (``held``),
and they end on their own when their parent is killed at once (SIGKILL).

``cli.stopping``: SIGTERM raises ``Terminated`` (a ``KeyboardInterrupt``) in the command, so the
clean-up written for Ctrl-C runs; ``main`` says "terminated" and exits 143. ``cli.temporary_zones``:
a temporary zone is removed when ``main`` ends; one a killed process left (SIGKILL) holds
``owner.json`` and is removed by the next run only when its process is provably gone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

import almamatch.cli.batch
import almamatch.cli.temporary_zones
from almamatch.cli.main import main
from almamatch.cli.stopping import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    ending_on_sigterm,
    held,
    stop_raising,
)
from almamatch.cli.temporary_zones import (
    OWNER_FILE,
    PREFIX,
    abandoned_zones,
    make_temporary_zone_folder,
    remove_abandoned_zones,
    remove_temporary_zones,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ZONE = str(EXAMPLES / "zone")
CARLI = str(EXAMPLES / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"
PROGRAM = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
# The grouped path only from this many records (``MIN_GROUPED_RECORDS``): none, for the test.
GROUPED = ("import sys; import almamatch.cli.batch as b; b.MIN_GROUPED_RECORDS = 0; "
           "from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))")

needs_posix = pytest.mark.skipif(os.name != "posix", reason="SIGTERM is a POSIX signal")


def batch_argv(exports: Path, *more: str) -> list[str]:
    return ["batch", str(exports), "--zone", ZONE, "--profile", CARLI, "--now", NOW, *more]


def temporary_zones_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob(f"{PREFIX}*"))


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty temporary directory of the test's own, for this process and its children."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def exports_of(folder: Path, corpus: Path, records: int) -> Path:
    """The examples, then ``records`` records of the corpus, then the examples again: long
    enough to be still running when the signal comes."""
    path = folder / "exports.mrc"
    examples = (EXAMPLES / "exports.mrc").read_bytes()
    middle = (corpus / "solrmarc_uva_001_2000.mrc").read_bytes()
    ends = [at for at, byte in enumerate(middle) if byte == 0x1D]
    path.write_bytes(examples + middle[:ends[records - 1] + 1] + examples)
    return path


def start(program: str, argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", program, *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **options)


def wait_for_lines(process: subprocess.Popen[bytes], output: Path, lines: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if output.exists() and output.read_bytes().count(b"\n") >= lines:
            return
        time.sleep(0.005)


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc)."""
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(one) for one in found.read_text().split()] if found.exists() else []


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# -- SIGTERM in a real run -----------------------------------------------------------------------


@needs_posix
def test_sigterm_ends_a_batch_as_an_interrupt_and_resume_finishes_it(
        corpus: Path, own_tmp: Path, tmp_path: Path) -> None:
    exports = exports_of(tmp_path, corpus, 600)
    full = tmp_path / "full.jsonl"
    assert main(batch_argv(exports, "--output", str(full), "--workers", "1")) == 0
    output = tmp_path / "terminated.jsonl"
    process = start(PROGRAM, batch_argv(exports, "--output", str(output), "--workers", "1"))
    wait_for_lines(process, output, 30)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_TERMINATED
    assert stderr.decode() == "almamatch batch: terminated\n"
    kept = output.read_bytes()
    assert 30 <= kept.count(b"\n") < full.read_bytes().count(b"\n")  # ended mid-run
    assert full.read_bytes().startswith(kept[:kept.rindex(b"\n") + 1])  # the lines it gave
    assert temporary_zones_in(own_tmp) == []
    assert main(batch_argv(exports, "--resume", str(output), "--workers", "1")) == 0
    assert output.read_bytes() == full.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "exports.mrc", "full.jsonl", "terminated.jsonl", "tmp"]  # no file beside the output
    assert temporary_zones_in(own_tmp) == []


@pytest.mark.slow  # two runs of 2,000 records on worker processes: about ten seconds
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_sigterm_stops_the_workers_of_a_grouped_batch(
        corpus: Path, own_tmp: Path, tmp_path: Path) -> None:
    exports = exports_of(tmp_path, corpus, 2000)
    full = tmp_path / "full.jsonl"
    assert main(batch_argv(exports, "--output", str(full), "--summary", "--workers", "1")) == 0
    output = tmp_path / "grouped.jsonl"
    process = start(GROUPED, batch_argv(exports, "--output", str(output), "--summary",
                                        "--workers", "2"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None \
            and len(children_of(process.pid)) < 2:
        time.sleep(0.005)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the workers never started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == EXIT_TERMINATED
    assert stderr.decode() == "almamatch batch: terminated\n"
    deadline = time.monotonic() + 30
    while any(running(one) for one in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(one) for one in workers)
    assert temporary_zones_in(own_tmp) == []
    kept = output.read_bytes()
    assert full.read_bytes().startswith(kept[:kept.rindex(b"\n") + 1])


def signalled_at_fork(name: str) -> str:
    """The grouped path, with signal ``name`` at the fork of the workers: the parent sends itself
    one in its first after-fork hook (Python only prints an exception raised there), and each
    worker sends itself one as it starts, before the pool's initializer."""
    return GROUPED.replace("from almamatch.cli.main", (
        "import os, signal, time; sent = []\n"
        "def in_parent():\n"
        "    if not sent:\n"
        f"        sent.append(1); os.kill(os.getpid(), signal.{name}); time.sleep(0.01)\n"
        "def in_child():\n"
        f"    os.kill(os.getpid(), signal.{name}); time.sleep(0.01)\n"
        "os.register_at_fork(after_in_parent=in_parent, after_in_child=in_child)\n"
        "from almamatch.cli.main"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(("name", "code", "said"), [
    ("SIGINT", EXIT_INTERRUPTED, "interrupted"), ("SIGTERM", EXIT_TERMINATED, "terminated")])
def test_a_ctrl_c_or_sigterm_as_the_workers_are_forked_stops_the_batch(
        name: str, code: int, said: str, own_tmp: Path, tmp_path: Path) -> None:
    output = tmp_path / "stopped.jsonl"
    process = start(signalled_at_fork(name), batch_argv(
        EXAMPLES / "exports.mrc", "--output", str(output), "--summary", "--workers", "2"))
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        workers.update(children_of(process.pid))
        time.sleep(0.002)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        end_all(process.pid, workers)
    assert (process.returncode, stderr.decode()) == (
        code, f"almamatch batch: {said}\n")  # no traceback, of any process
    assert not any(running(one) for one in workers)
    assert temporary_zones_in(own_tmp) == []


def end_all(*pids: int | set[int]) -> None:
    """Kill what a failed test left running (the processes it started and their children)."""
    for one in [pid for group in pids for pid in ({group} if isinstance(group, int) else group)]:
        if running(one):
            os.kill(one, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_workers_of_a_batch_killed_at_once_end_on_their_own(
        corpus: Path, own_tmp: Path, tmp_path: Path) -> None:
    exports = exports_of(tmp_path, corpus, 2000)
    output = tmp_path / "killed.jsonl"
    with output.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-c", GROUPED, *batch_argv(exports, "--json", "--workers", "2")],
            stdout=stdout, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None and len(workers) < 2:
            workers = children_of(process.pid)
            time.sleep(0.002)
        assert len(workers) >= 2, "the workers never started"
        files = sorted(path.name for path in own_tmp.rglob("*"))
        process.kill()
        process.wait(timeout=10)
        written = output.stat().st_size
        deadline = time.monotonic() + 5
        while any(running(one) for one in workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(running(one) for one in workers), "a worker outlived its parent"
    finally:
        end_all(process.pid, set(workers))
    assert output.stat().st_size == written  # a worker wrote nothing after its parent was gone
    assert sorted(path.name for path in own_tmp.rglob("*")) == files  # nor made any file


# -- main: one handler, one line, exit 143 -------------------------------------------------------


def stopped_command(args: argparse.Namespace) -> int:
    """A command that makes a temporary zone, then is sent SIGTERM while it works."""
    make_temporary_zone_folder("a dump")
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):
        time.sleep(0.01)
    raise AssertionError("SIGTERM did not stop the command")


@needs_posix
def test_main_ends_a_command_on_sigterm_with_143_and_removes_its_temporary_zone(
        own_tmp: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(almamatch.cli.batch, "run", stopped_command)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["batch", "x.mrc", "--zone", ZONE]) == EXIT_TERMINATED
    assert capsys.readouterr().err == "almamatch batch: terminated\n"
    assert signal.getsignal(signal.SIGTERM) == before  # main's handler lasts as long as main
    assert temporary_zones_in(own_tmp) == []


@needs_posix
def test_a_sigterm_inside_a_held_step_comes_when_it_is_done() -> None:
    steps: list[str] = []

    def step() -> None:
        with held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
            steps.append("the step finished")
        steps.append("not reached")

    with ending_on_sigterm(), pytest.raises(Terminated):
        step()
    assert steps == ["the step finished"]


@needs_posix
def test_a_ctrl_c_inside_a_held_step_comes_when_it_is_done() -> None:
    steps: list[str] = []

    def steps_interrupted() -> None:
        with held():
            with held():  # nested: the outer step raises it
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)
                steps.append("the inner step finished")
            steps.append("the outer step finished")
        steps.append("not reached")

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            steps_interrupted()
        assert not isinstance(raised.value, Terminated)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with held():
            steps.append("a later step, not interrupted")
    finally:
        signal.signal(signal.SIGINT, before)
    assert steps == ["the inner step finished", "the outer step finished",
                     "a later step, not interrupted"]


def signalled_and_waiting() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(1)


@needs_posix
def test_only_the_first_sigterm_is_raised_and_none_once_the_command_has_ended() -> None:
    steps: list[str] = []
    with ending_on_sigterm():
        with pytest.raises(Terminated):
            signalled_and_waiting()
        os.kill(os.getpid(), signal.SIGTERM)  # the run is ending: noted, not raised
        time.sleep(0.01)
        steps.append("the clean-up after the first")
    with ending_on_sigterm():
        stop_raising()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        steps.append("the clean-up after the command")
    assert steps == ["the clean-up after the first", "the clean-up after the command"]


# -- temporary zones left by a killed run --------------------------------------------------------


def ended_pid() -> int:
    """The pid of a process that has ended (a pid is reused only after many others)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def this_process() -> dict[str, Any]:
    boot = Path("/proc/sys/kernel/random/boot_id")
    namespace = Path("/proc/self/ns/pid")
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "boot": boot.read_text().strip() if boot.exists() else None,
            "pid_namespace": str(namespace.readlink()) if namespace.exists() else None}


def left(folder: Path, name: str, owner: dict[str, Any] | str | None) -> Path:
    """A temporary zone folder as a run leaves it, with ``owner`` as its owner.json."""
    zone = folder / f"{PREFIX}{name}"
    (zone / "zone").mkdir(parents=True)
    (zone / "zone" / "bibs.mrc").write_bytes(b"x" * 100)
    if owner is not None:
        text = owner if isinstance(owner, str) else json.dumps(owner)
        (zone / OWNER_FILE).write_text(text, encoding="utf-8")
    return zone


@needs_posix
def test_only_folders_whose_process_is_provably_gone_are_abandoned(own_tmp: Path) -> None:
    this = this_process()
    dead = ended_pid()
    # Abandoned: the same host, and its process has ended.
    left(own_tmp, "dead", {**this, "pid": dead})
    # Kept: its process is alive (this one), or on another host sharing the folder.
    left(own_tmp, "alive", this)
    left(own_tmp, "parent", {**this, "pid": os.getppid()})
    left(own_tmp, "other-host", {**this, "pid": dead, "host": this["host"] + "-other"})
    # Kept: it cannot be told whose it is (an earlier version's, torn, or being made now).
    left(own_tmp, "no-owner", None)
    left(own_tmp, "torn", '{"pid": 1')
    left(own_tmp, "not-a-pid", {**this, "pid": "12"})
    if this["pid_namespace"] is not None:  # another pid namespace: its pids are not ours
        left(own_tmp, "other-namespace", {**this, "pid": dead, "pid_namespace": "pid:[1]"})
    if this["boot"] is not None:  # made before the machine last started: gone for sure
        left(own_tmp, "other-boot", {**this, "pid": os.getpid(), "boot": "another boot"})
    expected = sorted(["dead"] + (["other-boot"] if this["boot"] is not None else []))
    everything = temporary_zones_in(own_tmp)
    names = [path.name.removeprefix(PREFIX) for path in abandoned_zones(own_tmp)]
    assert names == expected
    assert remove_abandoned_zones() == [own_tmp / f"{PREFIX}{name}" for name in expected]
    assert temporary_zones_in(own_tmp) == [
        name for name in everything if name.removeprefix(PREFIX) not in expected]


def test_a_temporary_zone_names_its_owner_and_is_removed_owner_last(
        own_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_temporary_zone_folder("examples/zone")
    owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    assert (owner["pid"], owner["zone"]) == (os.getpid(), "examples/zone")
    assert folder.parent == own_tmp
    assert abandoned_zones(own_tmp) == []  # its process runs
    (folder / "zone").mkdir()
    (folder / "zone" / "bibs.mrc").write_bytes(b"x")
    removed: list[str] = []
    unlink = Path.unlink

    def noting(path: Path, missing_ok: bool = False) -> None:
        removed.append(path.name)
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", noting)
    remove_temporary_zones()
    assert removed[-1] == OWNER_FILE
    assert temporary_zones_in(own_tmp) == []


@needs_posix
def test_the_next_run_removes_a_zone_a_killed_run_left_and_says_so(
        own_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    left(own_tmp, "killed", {**this_process(), "pid": ended_pid()})
    left(own_tmp, "earlier-version", None)
    assert main(["decide", str(EXAMPLES / "exports.mrc"), "--zone", ZONE, "--profile", CARLI,
                 "--now", NOW, "--json"]) == 0
    err = capsys.readouterr().err
    assert err == f"note: removed 1 temporary zone(s) left in {own_tmp} by runs that were killed\n"
    assert temporary_zones_in(own_tmp) == [f"{PREFIX}earlier-version"]


def test_the_module_keeps_no_folder_after_main(own_tmp: Path) -> None:
    assert main(["decide", str(EXAMPLES / "exports.mrc"), "--zone", ZONE, "--profile", CARLI,
                 "--now", NOW, "--json"]) == 0
    assert almamatch.cli.temporary_zones._made == []
    assert temporary_zones_in(own_tmp) == []


# -- a zone build stopped between its two renames ------------------------------------------------


def test_a_zone_build_stopped_between_its_renames_puts_the_old_zone_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from almamatch.zonefiles.manifest import building_folder, publish

    target = tmp_path / "zone"
    target.mkdir()
    (target / "bibs.mrc").write_bytes(b"the old zone")
    building = building_folder(target)
    (building / "bibs.mrc").write_bytes(b"the new zone")
    rename = Path.rename

    def stopped_at_the_second(path: Path, to: Path) -> Path:
        if path == building:
            raise Terminated  # the SIGTERM arrives after the old zone was moved aside
        return rename(path, to)

    monkeypatch.setattr(Path, "rename", stopped_at_the_second)
    with pytest.raises(Terminated):
        publish(building, target, durable=False)
    assert (target / "bibs.mrc").read_bytes() == b"the old zone"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["zone"]
