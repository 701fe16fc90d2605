"""``almamatch bench`` runs end to end on a tiny zone and reports every figure it promises."""

from __future__ import annotations

import json

import pytest

from almamatch.cli.main import main

REQUIRED = ("bibs", "bytes_per_bib", "build_seconds", "open_seconds", "lookups_per_second",
            "decisions_per_second", "scan_vs_pymarc", "scan_vs_mrrc", "index_vs_dict_memory")


def test_bench_json_has_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--bibs", "3000", "--exports", "300", "--json", "--for", "50000000"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in REQUIRED:
        assert key in result
    assert result["bibs"] == 3000
    assert 1.1 < result["keys_per_bib"] < 1.3
    # Columns of 1.2 keys a bib (about 32 bytes), the key directory (about 3), the row starts (4).
    assert result["bytes_per_bib"] <= 44
    assert sum(result["decision_codes"].values()) == 300
    # The synthetic mix yields every common outcome: adds, merges and multi-matches.
    assert {"ADDED", "MERGED", "MULTI_MATCH"} <= set(result["decision_codes"])
    assert result["for"]["bibs"] == 50_000_000
    assert result["for"]["memory_bytes"] == pytest.approx(result["bytes_per_bib"] * 50_000_000)


def test_bench_table_names_the_measures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--bibs", "1000", "--exports", "100", "--for", "2000000"]) == 0
    out = capsys.readouterr().out
    for label in ("memory per bib", "batch lookups", "scanner vs full pymarc parse",
                  "dict of objects", "for 2,000,000 bibs"):
        assert label in out


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--bibs", "0", "0 is outside 1 to 100,000,000"),
    ("--bibs", "10000000000000", "10000000000000 is outside 1 to 100,000,000"),
    ("--workers", "0", "0 is outside 1 to 256"),
    ("--exports", "-3", "-3 is outside 1"),
    ("--bibs", "many", "many is not a whole number"),
])
def test_bench_arguments_are_checked_before_anything_runs(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", option, value]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {says}" in err
    assert "Traceback" not in err
