"""The terminal as people meet it: nothing cut, one host message, rows counted from 1, formats.

Each test runs ``almamatch`` in-process with stdout captured (not a terminal), as ``> out.txt``
or a pipe would see it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest

from almamatch.cli.arguments.options import Format
from almamatch.cli.main import main
from almamatch.cli.report import Report, write_report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BATCH = ["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
         "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now", "2026-03-05T10:30"]
LOCKED = "Import Failed: NOT_ADDED_LOCKED"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_a_redirected_batch_table_keeps_every_column_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(BATCH, capsys)
    lines = out.splitlines()
    assert "profile: OCLC Connexion (" in out
    assert "carli.toml)" in out
    assert "moment: 2026-03-05 10:30+00:00" in lines
    header = next(line for line in lines if line.lstrip().startswith("#"))
    assert "MMS ID" in header
    assert "host message" in header
    assert "evidence" in header
    rows = lines[lines.index(header) + 1:]
    assert rows[0].split()[0] == "1"  # counted from 1, as specs count records
    assert any(row.split()[0] == "11" and "UNREADABLE" in row for row in rows)
    assert "Import Failed: Multi matches found for this record." in out
    assert "The record has been processed successfully. MMS ID: 9910000000115681" in out
    # A refusal row carries what explains it, an unreadable row says why without a bytes repr.
    assert "has brief level 10, the incoming record 03" in out
    assert "locked by 01CARLI_XYZ (jsmith) since 2026-03-05 10:00+00:00" in out
    assert 'Leader/00-04 is "00987"' in out
    assert "b'" not in out
    assert "…" not in out


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_batch_rows_for_spreadsheets(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = run([*BATCH, "--format", fmt], capsys)
    rows = list(csv.reader(io.StringIO(out), delimiter="\t" if fmt == "tsv" else ","))
    assert rows[0] == ["#", "OCLC number", "code", "MMS ID", "host message", "evidence"]
    assert [row[0] for row in rows[1:]] == [str(number) for number in range(1, 12)]
    assert rows[7][2:5] == ["NOT_ADDED_LOCKED", "9910000000085681", LOCKED]


def test_format_json_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = run([*BATCH, "--format", "json"], capsys)
    assert all(json.loads(line) for line in out.splitlines())


def test_the_host_message_is_the_same_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    """Python, the batch table, decide, decide --json and batch --json say the same text."""
    decide = ["decide", str(EXAMPLES / "exports.mrc"), "--index", "6", "--zone",
              str(EXAMPLES / "zone"), "--now", "2026-03-05T10:30"]
    table = run(BATCH, capsys)
    shown = run(decide, capsys)
    as_json = json.loads(run([*decide, "--json"], capsys).splitlines()[-1])
    batch_json = [json.loads(line) for line in run([*BATCH, "--json"], capsys).splitlines()]
    assert LOCKED in table.splitlines()[table.splitlines().index(next(
        line for line in table.splitlines() if "NOT_ADDED_LOCKED  " in line))]
    assert LOCKED in shown.splitlines()
    assert (as_json["host_message"], as_json["headline"], as_json["reason"]) == (
        LOCKED, "Import Failed", "NOT_ADDED_LOCKED")
    assert [line["host_message"] for line in batch_json if line.get("code") ==
            "NOT_ADDED_LOCKED"] == [LOCKED]


def test_decide_evidence_is_words_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["decide", str(EXAMPLES / "exports.mrc"), "--index", "5", "--zone",
               str(EXAMPLES / "zone"), "--now", "2026-03-05T10:30", "--format", "tsv"], capsys)
    rows = dict(line.split("\t", 1) for line in out.splitlines()[1:6])
    assert rows["host message"] == "Import Failed: NOT_ADDED_BRIEF"
    assert rows["reason"] == "NOT_ADDED_BRIEF"
    assert "evidence\tbib 9910000000075681 has brief level 10, the incoming record 03" in out
    assert "{" not in out


def test_plain_rows_align_and_never_cut() -> None:
    report = Report(title="t", about=(("moment", "now"),), columns=("#", "text"),
                    rows=[("1", "x" * 300), ("10", "y")], right=frozenset({"#"}))
    stream = io.StringIO()
    write_report(report, Format.TABLE, stream)
    assert stream.getvalue().splitlines() == [
        "t", "moment: now", " #  text", " 1  " + "x" * 300, "10  y"]


def test_tsv_cells_hold_no_tabs_or_line_breaks() -> None:
    stream = io.StringIO()
    write_report(Report(title="", columns=("a",), rows=[("one\ttwo\nthree",)]), Format.TSV,
                 stream)
    assert stream.getvalue() == "a\none two three\n"


def test_decide_takes_the_batch_tables_number(capsys: pytest.CaptureFixture[str]) -> None:
    """``--record 7`` (from 1, as the table's #) is ``--index 6`` (from 0, as the JSON's)."""
    base = ["decide", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
            "--now", "2026-03-05T10:30", "--json"]
    by_number = run([*base, "--record", "7"], capsys)
    assert by_number == run([*base, "--index", "6"], capsys)
    assert json.loads(by_number)["host_message"] == LOCKED


@pytest.mark.parametrize(("argv", "header"), [
    (["check-gateway", str(EXAMPLES / "gateway" / "broken.toml")],
     "setting,severity,finding,cause,fix"),
    (["spec", str(Path(__file__).resolve().parents[1] / "specs" / "locks.feature")],
     "file,line,feature,scenario,status,why"),
    (["diff", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"), "--now",
      "2026-03-05T10:30", "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--profile",
      str(EXAMPLES / "profiles" / "guards-off.toml")],
     "#,OCLC number,under A,under B,why (stage: A -> B)"),
])
def test_every_reporting_command_writes_csv(
    argv: list[str], header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main([*argv, "--format", "csv"])
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out)))
    assert ",".join(rows[0]) == header
    assert len(rows) > 1
    assert {len(row) for row in rows} == {len(rows[0])}


def test_a_reader_that_stops_early_gets_silence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``almamatch demo --json | head -1``: no error line and no traceback once head is done."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w", encoding="utf-8") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert main(["demo", "--json"]) == 1
    assert capsys.readouterr().err == ""
