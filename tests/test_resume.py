"""Nothing lost: every line given is written (to a file, in pieces: ``cli.batch.FILE_PIECE``)
before the run ends, however it ends, and ``--resume`` continues an interrupted run to the same
output without deciding any record twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import almamatch.cli.batch
from almamatch.cli.inputs import profile_from_path
from almamatch.cli.main import build_parser, main
from almamatch.core.decision import Decision
from json_shape import checked, decision_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ZONE = str(EXAMPLES / "zone")
CARLI = str(EXAMPLES / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"
DECIDE: Callable[..., Decision] = getattr(almamatch.cli.batch, "decide")  # noqa: B009 - not in __all__


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """The examples twice (the second pass merges into the first pass's adds), then corpus."""
    path = tmp_path_factory.mktemp("resume") / "exports.mrc"
    examples = (EXAMPLES / "exports.mrc").read_bytes()
    path.write_bytes(examples + examples + (corpus / "traject_index_bench_batch.dat").read_bytes())
    return path


def record_lines(output: bytes) -> list[bytes]:
    """The lines of a batch output after its first line, the run line."""
    run, *lines = output.splitlines(keepends=True)
    assert json.loads(run)["almamatch_run"]["input"]  # what identifies the run comes first
    return lines


def batch_argv(exports: Path, *more: str) -> list[str]:
    return ["batch", str(exports), "--zone", ZONE, "--profile", CARLI, "--now", NOW, *more]


@pytest.fixture(scope="module")
def uninterrupted(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    output = tmp_path_factory.mktemp("full") / "decisions.jsonl"
    assert main(batch_argv(exports, "--output", str(output), "--summary")) == 0
    return output.read_bytes()


class CountingDecide:
    """``decide`` as the batch module calls it, counting the calls and, given the output file
    and what it holds when the run is over, checking what it holds before each decision."""

    def __init__(self, output: Path | None = None, complete: bytes = b"") -> None:
        self.calls = 0
        self.output = output
        lines = record_lines(complete) if complete else []
        run_line = len(complete) - sum(map(len, lines))
        # the size of the output once each record decided before a call has its line
        ends = [run_line + sum(map(len, lines[:index])) for index, line in enumerate(lines)
                if b'"code":"UNREADABLE"' not in line]
        self.given = iter(ends)
        self.complete = complete
        self.decide: Callable[..., Decision] = DECIDE

    def __call__(self, *arguments: Any, **options: Any) -> Decision:
        if self.output is not None:
            on_disk = self.output.read_bytes()
            given = next(self.given)
            # whole lines in order, and less than a piece behind the lines already given
            assert self.complete.startswith(on_disk)
            assert on_disk.endswith(b"\n")
            assert given - len(on_disk) < almamatch.cli.batch.FILE_PIECE
        self.calls += 1
        return self.decide(*arguments, **options)


def test_uninterrupted_run_accounts_for_every_record(
    exports: Path, uninterrupted: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = decision_lines(uninterrupted.decode())[1:]  # after the run line
    assert [line["index"] for line in lines] == list(range(len(lines)))
    codes = [line["code"] for line in lines]
    assert "MERGED" in codes[11:22]  # the second pass merges into what the first pass added
    assert main(batch_argv(exports, "--summary")) == 0
    out = capsys.readouterr().out
    unreadable = codes.count("UNREADABLE")
    for label, count in (("decided", len(codes) - unreadable), ("unreadable", unreadable),
                         ("read", len(codes))):
        assert re.search(rf"^{label}\s+{count}$", out, re.MULTILINE), (label, out)


def test_the_lines_written_trail_the_decisions_by_less_than_a_piece(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: bytes
) -> None:
    output = tmp_path / "decisions.jsonl"
    counting = CountingDecide(output, uninterrupted)
    monkeypatch.setattr(almamatch.cli.batch, "decide", counting)
    assert main(batch_argv(exports, "--output", str(output), "--summary")) == 0
    assert output.read_bytes() == uninterrupted
    unreadable = uninterrupted.count(b'"code":"UNREADABLE"')
    assert counting.calls == len(record_lines(uninterrupted)) - unreadable


@pytest.mark.parametrize(("stop_after", "torn"), [
    (1, b""),
    (2, b'{"index":2,"code":"MER'),  # a line the interruption tore
    (7, b'{"index":7,"code":"NOT_ADDED_OLD","host_message":"NOT_ADDED_OLD"}'),  # whole, no \\n
    (11, b'{"index":11'),  # right after the unreadable record
    (15, b""),
    (40, b'{"in'),
])
def test_resume_gives_the_uninterrupted_output_deciding_each_record_once(
    stop_after: int,
    torn: bytes,
    exports: Path,
    uninterrupted: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "decisions.jsonl"
    first = CountingDecide()
    monkeypatch.setattr(almamatch.cli.batch, "decide", first)
    code = main(batch_argv(exports, "--output", str(output), "--stop-after", str(stop_after)))
    assert code == 130
    recorded = output.read_bytes()
    assert recorded == b"".join(uninterrupted.splitlines(keepends=True)[: stop_after + 1])
    with output.open("ab") as stream:
        stream.write(torn)
    second = CountingDecide()
    monkeypatch.setattr(almamatch.cli.batch, "decide", second)
    capsys.readouterr()
    assert main(batch_argv(exports, "--resume", str(output), "--json", "--summary")) == 0
    assert output.read_bytes() == uninterrupted
    total = len(record_lines(uninterrupted))
    unreadable = uninterrupted.count(b'"code":"UNREADABLE"')
    assert first.calls + second.calls == total - unreadable  # no record decided twice
    summary = decision_lines(capsys.readouterr().out)[-1]["summary"]
    assert summary["read"] == total
    assert summary["decided"] + summary["unreadable"] == total


def test_resuming_a_complete_run_decides_nothing(
    exports: Path, uninterrupted: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(uninterrupted)
    counting = CountingDecide()
    monkeypatch.setattr(almamatch.cli.batch, "decide", counting)
    assert main(batch_argv(exports, "--resume", str(output), "--summary")) == 0
    assert (counting.calls, output.read_bytes()) == (0, uninterrupted)


@pytest.mark.parametrize(("recorded", "needle"), [
    ((b'{"index":0,"code":"ADDED","mms_id":"991","oclc_numbers":["(OCoLC)1"],'
     b'"cancelled_oclc_numbers":[]}\n'), "input_differs"),
    (b'{"index":1}\n', "line 2"),
    (b"not json\n{}\n", "line 2"),
    (b'{"index":' + b"9" * 5000 + b"}\n", "line 2"),  # past int()'s digit limit
])
def test_resume_refuses_an_output_of_another_input(
    recorded: bytes, needle: str, exports: Path, tmp_path: Path, uninterrupted: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(uninterrupted.splitlines(keepends=True)[0] + recorded)
    assert main(batch_argv(exports, "--resume", str(output))) == 3
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize("victim", ["exports", "marc", "text"])
def test_resume_and_output_never_touch_a_file_that_is_no_batch_output(
    victim: str, exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Naming the input, another MARC file or any text file as the output is refused before a
    byte of it changes (it used to be cut to 0 bytes, or overwritten with JSON)."""
    other = tmp_path / "other"
    other.write_bytes((EXAMPLES / "exports.mrc").read_bytes() if victim == "marc"
                      else b"notes\nwithout a line break at the end")
    target = exports if victim == "exports" else other
    before = target.read_bytes()
    for option in ("--resume", "--output"):
        assert main(batch_argv(exports, option, str(target))) == 3
        err = capsys.readouterr().err
        assert "not_a_batch_output" in err
        assert "Traceback" not in err
        assert target.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other"]  # no temporary left


@pytest.mark.parametrize(("change", "needle"), [
    (("--profile", str(EXAMPLES / "profiles" / "csu.toml")), "the profile"),
    (("--password", "another"), "the profile"),
    (("--now", "2026-03-05T11:30"), "--now differs"),
    (("--facts", str(EXAMPLES / "zone" / "facts.csv")), "the zone differs"),
])
def test_resume_refuses_another_run_saying_what_differs(
    change: tuple[str, str], needle: str, exports: Path, tmp_path: Path,
    uninterrupted: bytes, capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(b"".join(uninterrupted.splitlines(keepends=True)[:5]) + b'{"ind')
    before = output.read_bytes()
    argv = batch_argv(exports, "--resume", str(output))
    if change[0] == "--profile":
        argv[argv.index("--profile") + 1] = change[1]
    elif change[0] == "--now":
        argv[argv.index("--now") + 1] = change[1]
    else:
        argv += list(change)
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "another_run" in err
    assert needle in err
    assert output.read_bytes() == before  # not even the torn line is cut


def test_resume_takes_the_same_profile_named_another_way(
    exports: Path, tmp_path: Path, uninterrupted: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile is identified by what it says, as the input and the zone are: a relative
    path, or a copy of the file elsewhere, continues the run that an absolute path started."""
    output = tmp_path / "decisions.jsonl"
    assert main(batch_argv(exports, "--output", str(output), "--stop-after", "9")) == 130
    copy = tmp_path / "copy.toml"
    copy.write_bytes(Path(CARLI).read_bytes())
    monkeypatch.chdir(tmp_path)
    argv = batch_argv(exports, "--resume", str(output))
    argv[argv.index("--profile") + 1] = copy.name
    assert main(argv) == 0
    assert output.read_bytes() == uninterrupted


def test_resume_refuses_the_same_profile_beside_other_rules(
    exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A profile names its rule files relative to itself: the same profile text beside other
    rules is another run (the run identifies the rules by their content), and so is a rule file
    edited after the run began."""
    profile = "preset = \"carli\"\nbrief_level_rules = \"levels.txt\"\n"
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "p.toml").write_text(profile)
    (first / "levels.txt").write_bytes((EXAMPLES / "rules" / "carli-brief-levels.txt").read_bytes())
    (second / "levels.txt").write_text('rule "all 10"\nwhen\n    existsControl "LDR.{17,1}.*"\n'
                                       'then\n    set brief_level."10"\nend\n')
    output = tmp_path / "decisions.jsonl"
    argv = batch_argv(exports, "--output", str(output), "--stop-after", "9")
    argv[argv.index("--profile") + 1] = str(first / "p.toml")
    assert main(argv) == 130
    before = output.read_bytes()
    for profile_path in (second / "p.toml", first / "p.toml"):
        argv = batch_argv(exports, "--resume", str(output))
        argv[argv.index("--profile") + 1] = str(profile_path)
        if profile_path.parent == first:  # the first rules, edited since
            (first / "levels.txt").write_bytes((second / "levels.txt").read_bytes())
        assert main(argv) == 3
        err = capsys.readouterr().err
        assert "another_run" in err
        assert "the profile" in err
        assert output.read_bytes() == before


def test_resume_takes_an_output_whose_profile_digest_holds_the_path(
    exports: Path, tmp_path: Path, uninterrupted: bytes
) -> None:
    """Earlier versions hashed the profile with the path it was named by: their outputs resume."""
    args = build_parser().parse_args(batch_argv(exports))
    earlier = getattr(almamatch.cli.batch, "_profile_digest")(  # noqa: B009 - private
        args, profile_from_path(CARLI))
    run, *lines = uninterrupted.splitlines(keepends=True)
    header = json.loads(run)
    assert header["almamatch_run"]["profile"] != earlier
    header["almamatch_run"]["profile"] = earlier
    written = json.dumps(header, separators=(",", ":")).encode() + b"\n"
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(written + b"".join(lines[:5]))
    assert main(batch_argv(exports, "--resume", str(output))) == 0
    assert output.read_bytes() == written + b"".join(lines)


def test_resume_of_another_input_with_the_same_numbers_is_refused(
    exports: Path, tmp_path: Path, uninterrupted: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same records, one byte changed after them: the digest of the input tells the runs apart."""
    other = tmp_path / "exports.mrc"
    other.write_bytes(exports.read_bytes() + b"\n")
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(b"".join(uninterrupted.splitlines(keepends=True)[:5]))
    assert main(batch_argv(other, "--resume", str(output))) == 3
    assert "the exports file differs" in capsys.readouterr().err


def test_resume_without_now_judges_locks_at_the_recorded_moment(
    exports: Path, tmp_path: Path, uninterrupted: bytes
) -> None:
    output = tmp_path / "decisions.jsonl"
    assert main(batch_argv(exports, "--output", str(output), "--stop-after", "9")) == 130
    argv = batch_argv(exports, "--resume", str(output))
    del argv[argv.index("--now") : argv.index("--now") + 2]
    assert main(argv) == 0
    assert output.read_bytes() == uninterrupted


def test_output_replaces_an_earlier_batch_output_whole(
    exports: Path, tmp_path: Path, uninterrupted: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "decisions.jsonl"
    assert main(batch_argv(exports, "--output", str(output), "--stop-after", "3")) == 130
    partial = output.read_bytes()

    def failing(*arguments: Any, **options: Any) -> Decision:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(almamatch.cli.batch, "decide", failing)
    assert main(batch_argv(exports, "--output", str(output))) == 3
    assert output.read_bytes() == partial  # a failed run leaves the earlier output as it was
    monkeypatch.undo()
    assert main(batch_argv(exports, "--output", str(output))) == 0
    assert output.read_bytes() == uninterrupted
    assert sorted(path.name for path in tmp_path.iterdir()) == ["decisions.jsonl"]


def test_resume_needs_the_output_it_continues(
    exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert main(batch_argv(exports, "--resume", str(missing))) == 3
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"")
    assert main(batch_argv(exports, "--resume", str(other), "--output", str(missing))) == 3
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow  # about 10 s: the whole file decided twice, once in a process killed mid-run
def test_a_killed_run_resumes_to_the_same_output(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exports = tmp_path / "exports.mrc"
    examples = (EXAMPLES / "exports.mrc").read_bytes()
    exports.write_bytes(examples + (corpus / "solrmarc_uva_001_2000.mrc").read_bytes() + examples)
    full = tmp_path / "full.jsonl"
    assert main(batch_argv(exports, "--output", str(full))) == 0
    output = tmp_path / "killed.jsonl"
    program = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    own_tmp = tmp_path / "tmp"  # where the killed run's temporary zone is left
    own_tmp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", program, *batch_argv(exports, "--output", str(output))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(own_tmp)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if output.exists() and output.read_bytes().count(b"\n") >= 30:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    recorded = output.read_bytes().count(b"\n")
    total = full.read_bytes().count(b"\n")
    assert 30 <= recorded < total  # killed mid-run
    (left,) = own_tmp.iterdir()  # SIGKILL: nothing is removed, but the folder names its owner
    assert json.loads((left / "owner.json").read_text(encoding="utf-8"))["pid"] == process.pid
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    capsys.readouterr()
    assert main(batch_argv(exports, "--resume", str(output))) == 0
    assert output.read_bytes() == full.read_bytes()
    assert capsys.readouterr().err == (f"note: removed 1 temporary zone(s) left in {own_tmp} by "
                                       "runs that were killed\n")
    assert list(own_tmp.iterdir()) == []  # the killed run's zone, and the resume's own


def test_replayed_outcomes_leave_the_zone_as_deciding_did(corpus: Path) -> None:
    """A replayed ADDED stores the bib exactly as decide()'s Add did (MMS ID in 001), and a
    replayed MERGED leaves the same merged record."""
    from datetime import datetime

    from almamatch import Bib, Export, IntegrationProfile, Zone, decide
    from almamatch.cli.resume import replay
    from almamatch.core.zone import InMemoryZone
    from almamatch.envelope import item_line
    from almamatch.marc import read_bibs

    profile = IntegrationProfile.carli(password="pw")
    host = "i-share-xyz.alma.exlibrisgroup.com"
    record = next(b for b in read_bibs(corpus / "folio_test1_err.mrc") if isinstance(b, Bib))
    export = Export(record=record, logon_id="01CARLI_XYZ", password="pw", host=host)
    now = datetime(2026, 3, 5, 10, 30)

    def zone_of(store: InMemoryZone) -> Zone:
        return Zone(institution="01CARLI_XYZ", host=host, logon_id="01CARLI_XYZ",
                    profiles=[profile], bibs=store)

    decided, replayed = InMemoryZone.of({}), InMemoryZone.of({})
    for index in range(2):  # the first export adds, the second merges into it
        decision = decide(export, zone_of(decided), now)
        decided.apply(decision)
        line = checked(json.loads(json.dumps(item_line(index, record, decision))))
        assert replay(line, record, export=export, store=replayed, profile=profile) == line["code"]
    (mms_id,) = list(decided)
    assert list(replayed) == [mms_id]
    assert replayed.record(mms_id) == decided.record(mms_id)
    assert replayed.facts(mms_id) == decided.facts(mms_id)


def test_output_may_be_an_empty_file_made_for_it(
    exports: Path, tmp_path: Path, uninterrupted: bytes
) -> None:
    output = tmp_path / "made-by-mktemp"
    output.touch(mode=0o640)
    output.chmod(0o640)
    assert main(batch_argv(exports, "--output", str(output))) == 0
    assert output.read_bytes() == uninterrupted
    assert output.stat().st_mode & 0o777 == 0o640  # the file keeps its mode
