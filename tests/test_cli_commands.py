"""The almamatch commands, run in-process on the examples and on tmp files.

Every command is run through ``almamatch.cli.main.main`` as a user would type it; the examples
are real corpus records (see ``examples/make_examples.py``) arranged to meet every outcome.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from almamatch.cli.main import build_parser, main
from almamatch.index.zone import ZoneIndex
from almamatch.zonefiles.zones import load_zone
from corpus_files import CORPUS
from json_shape import checked, decision_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPORTS = str(EXAMPLES / "exports.mrc")
ZONE = str(EXAMPLES / "zone")
CARLI = str(EXAMPLES / "profiles" / "carli.toml")
GUARDS_OFF = str(EXAMPLES / "profiles" / "guards-off.toml")
CSU = str(EXAMPLES / "profiles" / "csu.toml")
NOW = "2026-03-05T10:30"

# The code of each example export under the CARLI profile at NOW (examples/make_examples.py).
EXPECTED = (
    "ADDED",
    "ADDED",
    "MERGED",
    "MERGED",
    "MULTI_MATCH",
    "NOT_ADDED_BRIEF",
    "NOT_ADDED_LOCKED",
    "NOT_ADDED_OLD",
    "SKIPPED_CZ_LINKED",
    "MARCXML_CONVERSION_FAILED",
    "UNREADABLE",
)

BATCH = ["batch", EXPORTS, "--zone", ZONE, "--profile", CARLI, "--now", NOW]


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_batch_json_gives_one_line_per_record_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BATCH, "--json"])
    lines = decision_lines(capsys.readouterr().out)
    assert code == 0  # a completed run: refusals are outcomes, reported
    assert main([*BATCH, "--json", "--strict"]) == 1  # --strict: records were refused
    assert decision_lines(capsys.readouterr().out) == lines
    assert [line["index"] for line in lines] == list(range(len(EXPECTED)))
    assert tuple(line["code"] for line in lines) == EXPECTED


def test_batch_meets_every_outcome_and_accounts_for_every_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main([*BATCH, "--json"])
    lines = decision_lines(capsys.readouterr().out)
    decided = [line for line in lines if line["code"] != "UNREADABLE"]
    unreadable = [line for line in lines if line["code"] == "UNREADABLE"]
    assert len(decided) + len(unreadable) == len(EXPECTED)
    assert unreadable[0]["reason"] == "bad_record_length"
    assert unreadable[0]["offset"] > 0
    assert all(line["host_message"] for line in decided)


def test_second_export_of_a_new_number_merges_into_the_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main([*BATCH, "--json"])
    first, second = decision_lines(capsys.readouterr().out)[1:3]
    assert (first["code"], second["code"]) == ("ADDED", "MERGED")
    assert first["mms_id"] == second["mms_id"]
    assert second["host_message"] == (
        f"The record has been processed successfully. MMS ID: {first['mms_id']}"
    )


def test_batch_evidence_names_the_bibs_and_the_lock(capsys: pytest.CaptureFixture[str]) -> None:
    main([*BATCH, "--json"])
    lines = decision_lines(capsys.readouterr().out)
    multi, brief, locked, old = lines[4], lines[5], lines[6], lines[7]
    assert len({candidate["mms_id"] for candidate in multi["candidates"]}) == 2
    assert multi["host_message"] == "Import Failed: Multi matches found for this record."
    assert (brief["existing_level"], brief["incoming_level"]) == ("10", "03")
    assert (locked["lock"]["institution"], locked["lock"]["user"]) == ("01CARLI_XYZ", "jsmith")
    assert old["existing_version"] > old["incoming_version"]
    assert locked["resolution"][0].startswith("If you previously searched the record")


def test_batch_with_a_wrong_password_fails_every_logon(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BATCH, "--password", "wrong", "--json", "--strict"])
    codes = [line["code"] for line in decision_lines(capsys.readouterr().out)]
    assert code == 1
    assert codes == ["LOGON_FAILED"] * (len(EXPECTED) - 1) + ["UNREADABLE"]


def test_batch_output_file_holds_the_lines_and_stdout_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "decisions.jsonl"
    main([*BATCH, "--output", str(target), "--summary"])
    out = capsys.readouterr().out
    run, *lines = decision_lines(target.read_text(encoding="utf-8"))
    assert set(run["almamatch_run"]) == {"input", "profile", "zone", "now"}  # the run line first
    assert tuple(line["code"] for line in lines) == EXPECTED
    assert "Summary by code" in out
    assert "read" in out


def test_batch_table_lists_each_record(capsys: pytest.CaptureFixture[str]) -> None:
    main(BATCH)
    out = capsys.readouterr().out
    for code in set(EXPECTED):
        assert code[:14] in out


def test_batch_with_every_record_added_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exports = CORPUS / "traject_index_bench_batch.dat"
    code = main(["batch", str(exports), "--zone", ZONE, "--now", NOW, "--json"])
    lines = decision_lines(capsys.readouterr().out)
    assert code == 0
    assert len(lines) == 31
    assert {line["code"] for line in lines} <= {"ADDED", "MERGED"}


# Exit codes: a completed decide exits 0; with --strict, 1 when Alma refuses or cannot read it.
@pytest.mark.parametrize(("index", "expected", "exit_code"), [
    (0, "ADDED", 0),
    (3, "MERGED", 0),
    (4, "MULTI_MATCH", 1),
    (5, "NOT_ADDED_BRIEF", 1),
    (6, "NOT_ADDED_LOCKED", 1),
    (7, "NOT_ADDED_OLD", 1),
    (8, "SKIPPED_CZ_LINKED", 1),
    (9, "MARCXML_CONVERSION_FAILED", 1),
    (10, "UNREADABLE", 1),
])
def test_decide_one_export(
    index: int, expected: str, exit_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["decide", EXPORTS, "--index", str(index), "--zone", ZONE, "--profile", CARLI,
            "--now", NOW, "--json"]
    assert main(argv) == 0
    assert main([*argv, "--strict"]) == exit_code
    first, strict = decision_lines(capsys.readouterr().out)
    assert first == strict
    line = first
    assert line["code"] == expected
    if expected == "UNREADABLE":
        assert (line["reason"], line["offset"] > 0) == ("bad_record_length", True)
        return
    assert line["trace"][-1]["stage"] == "outcome"


def test_decide_prints_host_message_trace_and_steps(capsys: pytest.CaptureFixture[str]) -> None:
    main(["decide", EXPORTS, "--index", "6", "--zone", ZONE, "--profile", CARLI, "--now", NOW])
    out = capsys.readouterr().out
    assert "Import Failed: NOT_ADDED_LOCKED" in out
    assert "Trace" in out
    assert "Steps to resolve" in out
    assert "release the record" in out


def test_decide_lock_lapses_after_sixty_minutes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decide", EXPORTS, "--index", "6", "--zone", ZONE, "--profile", CARLI,
                 "--now", "2026-03-05T11:00", "--json"])
    assert code == 0
    assert decision_lines(capsys.readouterr().out)[0]["code"] == "MERGED"


def test_decide_wrong_logon_id(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decide", EXPORTS, "--zone", ZONE, "--now", NOW, "--logon", "01CARLI_NETWORK",
                 "--json", "--strict"])
    line = decision_lines(capsys.readouterr().out)[0]
    assert code == 1
    assert line["host_message"] == (
        "Import Failed: Logon Failed--the Logon ID and/or password is/are not valid")


def test_diff_shows_what_turning_the_guards_off_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["diff", EXPORTS, "--zone", ZONE, "--now", NOW, "--profile", CARLI,
                 "--profile", GUARDS_OFF, "--json"])
    (document,) = json_lines(capsys.readouterr().out)
    assert code == 1
    assert [change["index"] for change in document["changed"]] == [5, 7]
    for change in document["changed"]:
        checked(change["a"], "Decision")
        assert checked(change["b"], "Decision")["code"] == "MERGED"
    assert any(why.startswith("brief:") for why in document["changed"][0]["why"])
    assert sum(row["records"] for row in document["counts"]) == len(EXPECTED)


def test_diff_of_a_profile_with_itself_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", EXPORTS, "--zone", ZONE, "--now", NOW, "--profile", CARLI,
                 "--profile", CARLI])
    out = capsys.readouterr().out
    assert code == 0
    assert "Records that change outcome (0)" in out


def test_diff_needs_two_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", EXPORTS, "--zone", ZONE, "--profile", CARLI]) == 2
    assert "exactly twice" in capsys.readouterr().err


def test_check_gateway(capsys: pytest.CaptureFixture[str]) -> None:
    broken = str(EXAMPLES / "gateway" / "broken.toml")
    good = str(EXAMPLES / "gateway" / "good.toml")
    table = str(EXAMPLES / "gateway" / "ishare-zones.csv")
    assert main(["check-gateway", broken, "--json"]) == 1
    (document,) = json_lines(capsys.readouterr().out)
    assert document["errors"] >= 1
    assert all(finding["cause"] and finding["fix"] for finding in document["findings"])
    assert main(["check-gateway", good, "--zones", table]) == 0
    assert "no findings" in capsys.readouterr().out


def test_zone_build_saves_a_zone_that_batch_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "built"
    code = main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), "-o", str(target), "--json"])
    (summary,) = json_lines(capsys.readouterr().out)
    assert code == 0
    assert (summary["bibs"], summary["locked"], summary["cz_linked"]) == (10, 1, 1)
    index = ZoneIndex.load(target / "index")
    saved = load_zone(EXAMPLES / "zone")  # the dump and its facts, loaded in memory
    for mms_id in saved:
        facts = saved.facts(mms_id)
        assert facts is not None
        assert index.facts(mms_id) == facts
        for number in facts.active + facts.cancelled:
            assert set(index.hits(number)) == set(saved.hits(number))
    main(["batch", EXPORTS, "--zone", str(target), "--profile", CARLI, "--now", NOW, "--json"])
    assert tuple(line["code"] for line in decision_lines(capsys.readouterr().out)) == EXPECTED


# -- errors: one line on stderr, never a traceback ---------------------------------------------


def _error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(("argv", "needle"), [
    (["batch", "no-such-file.mrc", "--zone", ZONE], "no-such-file.mrc"),
    (["batch", EXPORTS, "--zone", "no-such-zone"], "no-such-zone"),
    (["batch", EXPORTS, "--zone", ZONE, "--profile", "missing.toml"], "missing.toml"),
    (["batch", EXPORTS, "--zone", str(CORPUS / "marc4j_pride-and-prejudice-fixed.mrc")],
     "not an MMS ID"),
    (["decide", EXPORTS, "--index", "99", "--zone", ZONE], "no record 99"),
    (["check-gateway", CARLI], "unknown"),
])
def test_bad_input_is_one_line_and_exit_3(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _error_of(argv, capsys)
    assert code == 3
    assert err.count("\n") == 1
    assert needle in err
    assert "Traceback" not in err


def test_unknown_profile_key_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "typo.toml"
    profile.write_text('preset = "carli"\nbrief_gaurd = false\n', encoding="utf-8")
    code, err = _error_of([*BATCH[:4], "--profile", str(profile)], capsys)
    assert code == 3
    assert "brief_gaurd" in err


def test_facts_for_a_bib_the_dump_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.csv"
    facts.write_text("mms_id,cz_linked\n991235681,true\n", encoding="utf-8")
    zone_dir = tmp_path / "zone"
    zone_dir.mkdir()
    shutil.copy(EXAMPLES / "zone" / "bibs.mrc", zone_dir / "bibs.mrc")
    code, err = _error_of(["batch", EXPORTS, "--zone", str(zone_dir), "--facts", str(facts)],
                          capsys)
    assert (code, "991235681" in err) == (3, True)


@pytest.mark.parametrize("argv", [
    ["batch", EXPORTS],  # --zone is required
    ["no-such-command"],
    [],
    ["decide", EXPORTS, "--zone", ZONE, "--index", "one"],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["decide"], ["batch"], ["diff"], ["check-gateway"], ["zone", "build"],
                    ["zone", "compact"]):
        assert main([*command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "example:" in out
        assert "exit codes:" in out


@pytest.mark.parametrize("argv", [
    ["batch", EXPORTS, "--zone", ZONE, "--now", NOW, "--json", "--workers", "2"],
    ["decide", EXPORTS, "--index", "6", "--zone", ZONE, "--profile", CARLI],
    ["diff", EXPORTS, "--zone", ZONE, "--profile", CARLI, "--profile", GUARDS_OFF],
    ["check-gateway", "settings.toml"],
    ["zone", "build", "bibs.mrc", "-o", "my-zone"],
    ["rules", "check", "a.txt"],
    ["serve", "--zone", "my-zone", "--port", "5500"],
    ["send", EXPORTS, "--port", "5500", "--logon", "01CARLI_XYZ", "--password", "xyz"],
    ["spec", "specs"],
    ["bench", "--bibs", "1000"],
    ["demo"],
])
def test_the_parser_of_the_command_alone_parses_as_the_whole_one(argv: list[str]) -> None:
    whole, alone = (vars(build_parser(command).parse_args(argv)) for command in (None, argv[0]))
    assert callable(whole.pop("func"))
    assert callable(alone.pop("func"))
    assert alone == whole


def test_a_mistyped_command_is_suggested_from_every_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check_gateway", "settings.toml"]) == 2
    assert "did you mean check-gateway?" in capsys.readouterr().err
