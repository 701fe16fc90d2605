"""``almamatch demo``: the example batch from the files the package installs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from almamatch.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHIPPED = {"exports.mrc": "exports.mrc", "zone/bibs.mrc": "zone/bibs.mrc",
           "zone/facts.csv": "zone/facts.csv", "carli.toml": "profiles/carli.toml"}


@pytest.mark.parametrize(("shipped", "example"), SHIPPED.items())
def test_the_shipped_examples_are_the_examples(shipped: str, example: str) -> None:
    installed = files("almamatch") / "demo" / shipped
    assert installed.read_bytes() == (EXAMPLES / example).read_bytes(), (
        f"copy examples/{example} to src/almamatch/demo/{shipped}")


def test_demo_is_the_readme_batch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    demo = capsys.readouterr().out
    assert main(["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
                 "--profile", str(EXAMPLES / "profiles" / "carli.toml"),
                 "--now", "2026-03-05T10:30", "--format", "tsv"]) == 0
    batch = capsys.readouterr().out
    assert main(["demo", "--format", "tsv"]) == 0
    assert capsys.readouterr().out == batch
    for code in ("ADDED", "MERGED", "MULTI_MATCH", "NOT_ADDED_BRIEF", "NOT_ADDED_LOCKED",
                 "NOT_ADDED_OLD", "SKIPPED_CZ_LINKED", "MARCXML_CONVERSION_FAILED",
                 "UNREADABLE"):
        assert code in demo
