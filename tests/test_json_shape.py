"""One JSON shape: the shipped schema is the one derived from the classes, every decision JSON
fits it, and every decision line ``batch --json`` writes reads back as the decision it was."""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import ValidationError

from almamatch.cli.batch import BatchItem, decide_in_order
from almamatch.cli.inputs import zone_for
from almamatch.cli.main import main
from almamatch.codec import InvalidDecisionJson, decision_from_json, to_jsonable
from almamatch.envelope import read_line
from almamatch.schema import build_schema, schema_text, shipped_schema
from almamatch.zonefiles import load_profile
from json_shape import checked, decision_lines
from test_codec import EXAMPLES as DECISIONS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BATCH = ["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
         "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now", "2026-03-05T10:30"]


def test_the_shipped_schema_is_the_one_derived_from_the_classes() -> None:
    shipped = ROOT / "src" / "almamatch" / "decision.schema.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(build_schema()), (
        "regenerate: python -m almamatch.schema > src/almamatch/decision.schema.json"
    )
    assert shipped_schema() == build_schema()


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: f"{d.code}")
def test_every_codec_decision_fits_the_schema(decision: object) -> None:
    checked(to_jsonable(decision), "Decision")  # type: ignore[arg-type]


@pytest.mark.parametrize(("document", "why"), [
    ({"code": "ADDED", "trace": [], "record": {"leader": "x" * 24, "fields": []}}, "no mms_id"),
    ({"code": "MERGED_TWICE", "trace": []}, "unknown code"),
    ({**to_jsonable(DECISIONS[0]), "surprise": 1}, "a key the shape does not have"),
    ({**to_jsonable(DECISIONS[0]), "originating_version": "2025"}, "a 005 that is not one"),
    ({**to_jsonable(DECISIONS[-3]), "existing_level": 10}, "a brief level as a number"),
])
def test_the_schema_refuses_what_is_no_decision(document: dict[str, object], why: str) -> None:
    with pytest.raises(ValidationError):
        checked(document, "Decision")


def test_every_decision_line_of_batch_json_reads_back_as_its_decision(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*BATCH, "--json", "--summary"]) == 0
    *lines, summary = decision_lines(capsys.readouterr().out)
    checked(summary, "SummaryLine")
    # The same run, in-process: the decisions themselves, to compare with what was read back.
    profile = load_profile(EXAMPLES / "profiles" / "carli.toml")
    args = Namespace(zone=str(EXAMPLES / "zone"), facts=None, load_records=True, zone_kind=None,
                     institution=None, host=None, zone_logon_id=None, logon=None, password=None)
    zone, store = zone_for(args, profile)
    entries = list(decide_in_order(EXAMPLES / "exports.mrc", zone=zone, store=store, args=args,
                                   now=datetime.fromisoformat("2026-03-05T10:30+00:00")))
    assert len(entries) == len(lines)
    for entry in entries:  # made without the frozen ``__init__``: the constructor's value
        public = BatchItem(entry.index, entry.item, entry.decision)
        assert (entry == public, hash(entry), repr(entry)) == (True, hash(public), repr(public))
    decided = 0
    for entry, line in zip(entries, lines, strict=True):
        read = read_line(line)
        if entry.decision is None:
            assert read.unreadable == entry.item
            with pytest.raises(InvalidDecisionJson):
                decision_from_json(json.dumps(line))
            continue
        decided += 1
        checked(line, "DecidedLine")
        assert decision_from_json(json.dumps(line)) == entry.decision
        assert read.decision == entry.decision
        assert read.place is not None
        assert read.place.index == entry.index
    assert decided == summary["summary"]["decided"] == 10
