"""The CARLI and CSU profiles written as rule text decide every record as the profiles do.

examples/profiles/carli-rules.toml and csu-rules.toml name rule files (examples/rules/) for the
brief levels, the merge and CSU's normalization; the decisions over the example exports and the
example zone, and over corpus records, are the same as carli.toml's and csu.toml's, trace steps
and verdicts included (only the text that names the rules differs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from almamatch.core import (
    BriefLevelRules,
    Decision,
    Export,
    IntegrationProfile,
    Stage,
    Zone,
    decide,
)
from almamatch.core.encoding import EncodingLevel
from almamatch.core.record import Bib
from almamatch.marc import read_bibs
from almamatch.zonefiles import load_profile, load_zone
from almamatch.zonefiles.rulefiles import load_brief_level_rules
from corpus_files import corpus_bibs
from rule_records import record

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
CODES = [" ", "1", "2", "3", "4", "5", "7", "8", "u", "z", "I", "J", "K", "L", "M", "9", "x"]


@pytest.mark.parametrize(("preset", "path"), [
    ("carli", "carli-brief-levels.txt"), ("csu", "csu-brief-levels.txt"),
])
def test_brief_level_rule_text_gives_the_preset_table(preset: str, path: str) -> None:
    levels = load_brief_level_rules(EXAMPLES / "rules" / path)
    table = BriefLevelRules.preset(preset)
    for code in CODES:
        leader = "00000cam a2200000" + code + "a 4500"
        assert levels.level_of(record(f"LDR {leader}\n245 00 $a T")) == table.level_of(
            EncodingLevel(code)
        ), repr(code)


def decisions(profile_file: str, records: list[Bib]) -> list[Decision]:
    loaded = load_profile(EXAMPLES / "profiles" / profile_file)
    profile: IntegrationProfile = loaded.profile
    bibs = load_zone(EXAMPLES / "zone", brief_rules=profile.levels)
    zone = Zone(kind=loaded.identity.kind, institution=loaded.identity.institution,
                host=loaded.identity.host, logon_id=loaded.identity.logon_id,
                profiles=(profile,), bibs=bibs)
    found: list[Decision] = []
    for one in records:
        decision = decide(Export(record=one, logon_id=zone.logon_id, password=profile.password,
                                 host=zone.host), zone, NOW)
        bibs.apply(decision)
        found.append(decision)
    return found


def _records() -> list[Bib]:
    exports = [item for item in read_bibs(EXAMPLES / "exports.mrc") if isinstance(item, Bib)]
    return exports + list(corpus_bibs("folio_CornellFOLIOExemplars_Bibs.mrc", 60))


@pytest.mark.parametrize(("plain", "as_rules"), [
    ("carli.toml", "carli-rules.toml"), ("csu.toml", "csu-rules.toml"),
])
def test_profiles_as_rule_text_decide_the_same(plain: str, as_rules: str) -> None:
    records = _records()
    expected, found = decisions(plain, records), decisions(as_rules, records)
    assert len(found) == len(records) > 60
    for one, other in zip(expected, found, strict=True):
        assert attrs.evolve(one, trace=()) == attrs.evolve(other, trace=())
        assert [(s.stage, s.verdict) for s in one.trace] == [
            (s.stage, s.verdict) for s in other.trace
        ]
        named = {Stage.NORMALIZATION, Stage.BRIEF}
        assert [s for s in one.trace if s.stage not in named] == [
            s for s in other.trace if s.stage not in named
        ]
    codes = {decision.code for decision in expected}
    assert len(codes) >= 2  # the examples reach more than one outcome
