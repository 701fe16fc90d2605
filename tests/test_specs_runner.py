"""Bad specs get clear errors, good ones run: the runner, the report, the CLI and the plugin, on
feature files written into tmp_path, and every shipped spec."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from almamatch.cli.arguments import spec as spec_command
from almamatch.specs.errors import SpecFileError
from almamatch.specs.feature import load_feature
from almamatch.specs.reference import BEGIN, END
from almamatch.specs.report import failure_text
from almamatch.specs.runner import Status, run_paths, run_scenario

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["pytester"]  # runs pytest in a folder of its own, for the plugin's tests

HEADER = """Feature: bad specs
  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |
"""  # the Background ends on line 11


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.feature"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def only_result(path: Path) -> object:
    (scenario,) = load_feature(path).scenarios
    return run_scenario(scenario)


def test_a_passing_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: no match adds
    When the record is exported
    Then the outcome is ADDED
""")
    result = only_result(path)
    assert getattr(result, "status", None) is Status.PASSED


def test_an_unknown_step_names_file_and_line_and_the_closest_step(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: misspelled
    Given the breif guard is off
    When the record is exported
""")
    (scenario,) = load_feature(path).scenarios
    result = run_scenario(scenario)
    assert result.status is Status.UNDEFINED
    (undefined,) = result.undefined
    assert undefined.line == 14
    assert undefined.hint == "did you mean: Given the brief guard is off"
    assert f"{path}:14: undefined step 'the breif guard is off'" in failure_text(result)


def test_a_malformed_table_row_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: a bad Leader/17
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | #         |
      | 992234567890205681 | (OCoLC)7654321 | KK        |
    When the record is exported
""")
    (scenario,) = load_feature(path).scenarios
    result = run_scenario(scenario)
    assert result.status is Status.ERROR
    assert result.error == (f"{path}:17: row 2 of the table: Leader/17 'KK': one character, "
                            "# for blank")


def test_an_unknown_column_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: a bad column
    Given the zone holds these bibs:
      | MMS ID             | OCLC           |
      | 991234567890205681 | (OCoLC)1234567 |
""")
    (scenario,) = load_feature(path).scenarios
    result = run_scenario(scenario)
    assert result.status is Status.ERROR
    assert result.error.startswith(f"{path}:15: unknown column 'OCLC'; known columns: MMS ID, ")


def test_a_row_with_a_missing_cell_is_named_by_the_parser(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: a short row
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 |
""")
    with pytest.raises(SpecFileError) as caught:
        load_feature(path)
    assert str(caught.value) == (
        f"{path}:16: not valid Gherkin: this table row does not have as many cells as the rows "
        "above it (inconsistent cell count within the table)"
    )


EXPECTED_IN_A_SCENARIO = (
    "'Rule:', 'Scenario:' (or 'Scenario Outline:'), 'Examples:', a step (Given, When, Then, And "
    'or But), a table row (| ... |), a doc string ("""), a tag (@...) or the end of the file'
)


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        # a line that is no keyword, inside a scenario
        ("Feature: x\n  Scenario: y\n    Given a\n  Nonsense here\n", 4,
         "'Nonsense here' cannot stand here; expected " + EXPECTED_IN_A_SCENARIO),
        # a misspelled keyword gets the keyword it reads like
        ("Feature: x\n  Scenario: y\n    Given a\n  Scenaro: z\n", 4,
         "'Scenaro: z' cannot stand here; expected " + EXPECTED_IN_A_SCENARIO
         + "; did you mean 'Scenario'?"),
        # no Feature line
        ("Scenario: y\n", 1,
         ("'Scenario: y' cannot come before 'Feature:'; a feature file starts with 'Feature: "
          "<what it states>' (after tags and comments)")),
        # a doc string left open
        ('Feature: x\n  Scenario: y\n    Given a\n      """\n      text\n', 6,
         'the file ends inside a doc string; close it with a line of """'),
        ("# language: xx\nFeature: x\n", 1,
         ("Gherkin has no such language (Language not supported: xx); remove the '# language:' "
          "line to write in English")),
    ],
)
def test_gherkin_syntax_errors_are_told_in_plain_words(
    tmp_path: Path, source: str, line: int, message: str
) -> None:
    path = tmp_path / "broken.feature"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(SpecFileError) as caught:
        load_feature(path)
    assert str(caught.value) == f"{path}:{line}: not valid Gherkin: {message}"
    assert "#" not in message.replace("# language", "")  # no parser token names (#EOF, ...)


def test_a_scenario_whose_only_line_is_no_step_is_an_error_not_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "policy.feature"
    path.write_text("Feature: x\n  Scenario: y\n    Gvien the brief guard is off\n",
                    encoding="utf-8")
    (scenario,) = load_feature(path).scenarios
    result = run_scenario(scenario)
    assert result.status is Status.ERROR
    assert result.error == (f"{path}:2: the scenario has no steps; the line 'Gvien the brief "
                            "guard is off' is not a step (a step starts with Given, When, Then, "
                            "And or But)")


def test_a_wrong_expectation_shows_expected_beside_actual(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario: wrong expectation
    When the record is exported
    Then the outcome is MERGED
    And the host message is "The record has been processed successfully. MMS ID: 9915681"
""")
    (scenario,) = load_feature(path).scenarios
    result = run_scenario(scenario)
    assert result.status is Status.FAILED
    (failed,) = result.failures
    assert (failed.line, failed.mismatch.expected, failed.mismatch.actual) == (
        15, "MERGED", "ADDED"
    )
    text = failure_text(result)
    assert f"{path}:15: Then the outcome is MERGED" in text
    assert "      expected | actual\n    * MERGED   | ADDED" in text


def test_an_outline_runs_once_per_examples_row(tmp_path: Path) -> None:
    path = write(tmp_path, """
  Scenario Outline: Leader/17 <code>
    Given the incoming record's Leader/17 is "<code>"
    When the record is exported
    Then the outcome is ADDED

    Examples:
      | code |
      | #    |
      | K    |
      | 7    |
""")
    scenarios = load_feature(path).scenarios
    assert [one.name for one in scenarios] == ["Leader/17 #", "Leader/17 K", "Leader/17 7"]
    assert [one.line for one in scenarios] == [20, 21, 22]
    assert all(run_scenario(one).passed for one in scenarios)


def test_every_shipped_spec_passes() -> None:
    files = list(run_paths([ROOT / "specs"]))
    results = [result for one in files for result in one.results]
    assert not [one.error for one in files if one.error]
    assert [failure_text(one) for one in results if not one.passed] == []
    assert len(results) >= 80


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    spec_command.register(parser.add_subparsers())
    args = parser.parse_args(["spec", *argv])
    code: int = args.func(args)
    return code


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, """
  Scenario: no match adds
    When the record is exported
    Then the outcome is ADDED
""")
    assert run_cli(str(good)) == 0
    bad = tmp_path / "wrong.feature"
    bad.write_text(good.read_text(encoding="utf-8").replace("is ADDED", "is MERGED"),
                   encoding="utf-8")
    capsys.readouterr()
    assert run_cli(str(bad), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["failed"] == 1
    (failure,) = report["scenarios"][0]["failures"]
    assert (failure["expected"], failure["actual"]) == ("MERGED", "ADDED")
    assert run_cli(str(tmp_path / "missing.feature")) == 2
    broken = tmp_path / "broken.feature"
    broken.write_text("Feature: x\n  Scenario: y\n    Given a\n  Nonsense here\n",
                      encoding="utf-8")
    assert run_cli(str(broken)) == 2
    assert run_cli() == 2


def test_cli_a_folder_without_features_or_files_without_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli(str(empty)) == 2
    assert capsys.readouterr().err == (
        f"almamatch spec: no .feature files in {empty} (or the folders under it)\n"
    )
    draft = tmp_path / "draft"
    draft.mkdir()
    (draft / "draft.feature").write_text("Feature: a policy to be written\n", encoding="utf-8")
    assert run_cli(str(draft)) == 1
    assert capsys.readouterr().err == f"almamatch spec: no scenarios to run in {draft}\n"


def test_write_reference_keeps_the_readme_and_its_permissions(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Specs\n\n{BEGIN}\nold\n{END}\n\nAfter.\n", encoding="utf-8")
    readme.chmod(0o644)
    assert run_cli("--write-reference", str(readme)) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"# Specs\n\n{BEGIN}\n\n### The zone and its integration profile")
    assert text.endswith(f"{END}\n\nAfter.\n")
    assert "\nold\n" not in text
    assert readme.stat().st_mode & 0o777 == 0o644
    assert [one.name for one in tmp_path.iterdir()] == ["README.md"]  # no temporary file left


def run_pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
         "--rootdir", str(folder), str(folder)],
        capture_output=True, text=True, check=False, cwd=folder, timeout=120,
    )


def test_the_pytest_plugin_collects_one_test_per_scenario(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nalmamatch_specs = .\n", encoding="utf-8")
    write(tmp_path, """
  Scenario: no match adds
    When the record is exported
    Then the outcome is ADDED

  Scenario Outline: wrong for <code>
    Given the incoming record's Leader/17 is "<code>"
    When the record is exported
    Then the outcome is MERGED

    Examples:
      | code |
      | #    |
      | K    |
""")
    done = run_pytest(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed, 1 passed" in done.stdout
    assert "policy.feature::wrong for K" in done.stdout
    assert "* MERGED   | ADDED" in done.stdout


def test_the_pytest_plugin_leaves_other_projects_feature_files_alone(
    pytester: pytest.Pytester,
) -> None:
    # A project of its own (pytest-bdd, behave) keeps .feature files that almamatch does not
    # know; without the almamatch_specs option the plugin collects none of them.
    pytester.makefile(".feature", login="Feature: login\n  Scenario: a user logs in\n"
                                        "    Given a registered user\n")
    pytester.makepyfile(test_unit="def test_one():\n    assert True\n")
    done = pytester.runpytest("-p", "no:cacheprovider")
    done.assert_outcomes(passed=1)
    assert "undefined step" not in done.stdout.str()
    # Opting in names a folder: a .feature file outside it is still left alone.
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nalmamatch_specs = ["policies"]\n')
    write(pytester.mkdir("policies"), """
  Scenario: no match adds
    When the record is exported
    Then the outcome is ADDED
""")
    done = pytester.runpytest("-p", "no:cacheprovider")
    done.assert_outcomes(passed=2)
    assert "login" not in done.stdout.str()
