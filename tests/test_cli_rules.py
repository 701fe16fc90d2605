"""``almamatch rules check|apply|level``: what a librarian who writes rules sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from almamatch.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "alma-rules"
EXAMPLES = ROOT / "examples"


def test_every_real_rule_file_checks(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(path) for path in REAL.glob("*.txt"))
    assert main(["rules", "check", *files, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0
    assert len(report["files"]) == 51
    assert all(not result["errors"] for result in report["files"])


def test_check_reports_every_error_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        'rule "one" when TRUE then\n  removeFeld "019"\nend\n\n'
        'rule "two" when exists "245 then end\n',
        encoding="utf-8",
    )
    good = EXAMPLES / "rules" / "csu-normalization.txt"
    assert main(["rules", "check", str(good), str(bad)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "csu-normalization.txt: ok, 1 rules (normalization)" in out
    assert f"{bad}:2:3: error (rule 'one')" in out
    assert "hint: actions:" in out
    assert "1 of 2 files have errors" in out


def test_check_reports_both_rules_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text('rule "one" when TRUE then x end\nrule "two" when (TRUE then end\n',
                   encoding="utf-8")
    assert main(["rules", "check", str(bad), "--json"]) == 1
    errors = json.loads(capsys.readouterr().out)["files"][0]["errors"]
    assert [(e["line"], e["rule"]) for e in errors] == [(1, "one"), (2, "two")]


def test_check_names_a_file_that_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "rules.txt"
    binary.write_bytes(b"rule \xff")
    assert main(["rules", "check", str(binary), str(tmp_path / "missing.txt")]) == 1
    out = capsys.readouterr().out
    assert "not_utf8" not in out or "UTF-8" in out
    assert "missing.txt" in out


def test_apply_shows_the_fields_before_and_after(capsys: pytest.CaptureFixture[str]) -> None:
    rules_file = str(EXAMPLES / "rules" / "connexion-normalization.txt")
    record = str(EXAMPLES / "exports.mrc")
    assert main(["rules", "apply", rules_file, record, "--index", "1"]) == 0
    out = capsys.readouterr().out
    assert "removeField \"9**\": removed" in out
    assert "- 907" in out
    assert main(["rules", "apply", rules_file, record, "--index", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any(line.startswith("907") for line in report["before"])
    assert not any(line.startswith("9") for line in report["after"])
    assert report["notes"]


def test_level_says_which_rule_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    rules_file = str(EXAMPLES / "rules" / "carli-brief-levels.txt")
    record = str(EXAMPLES / "exports.mrc")
    assert main(["rules", "level", rules_file, record, "--index", "1"]) == 0
    out = capsys.readouterr().out
    assert "brief level 10: rule '10 full: Leader/17 blank, 1, I, L'" in out
    assert 'because: existsControl "LDR.{17,1}. |1|I|L"' in out
    assert main(["rules", "level", rules_file, record, "--index", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["level"] == "10"


def test_apply_refuses_a_merge_rule_file_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    merge = str(REAL / "merge__cbaksik__MergeRules_SYS-Ebookplates.txt")
    assert main(["rules", "apply", merge, str(EXAMPLES / "exports.mrc")]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not_normalization" in err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--help"]) == 0
    out = capsys.readouterr().out
    assert "almamatch rules check" in out
    assert "almamatch rules apply" in out
    assert "almamatch rules level" in out
