"""Profile TOML and zone facts CSV: tables of examples and a round-trip property."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from almamatch.core.brief import BriefLevel, BriefLevelRules
from almamatch.core.facts import MmsIdSequence
from almamatch.core.lock import Lock
from almamatch.core.normalization import CopyCancelledTo035z, RemoveFields
from almamatch.core.profile import Guard, MatchMethod, OlderVersionGuard
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import ZoneKind
from almamatch.zonefiles.facts import FactsRow, InvalidFactsFile, facts_from_rows, facts_to_csv
from almamatch.zonefiles.profiles import (
    DEFAULT_IDENTITY,
    InvalidProfileFile,
    ProfileFile,
    load_profile,
    profile_from_mapping,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_default_profile_is_the_carli_iz() -> None:
    default = ProfileFile.default()
    assert default.identity == DEFAULT_IDENTITY
    assert default.identity.logon_id == "01CARLI_XYZ"
    assert default.profile.brief_guard
    assert default.profile.brief_rules == BriefLevelRules.preset("carli")


def test_example_profiles_load() -> None:
    carli = load_profile(EXAMPLES / "profiles" / "carli.toml")
    csu = load_profile(EXAMPLES / "profiles" / "csu.toml")
    off = load_profile(EXAMPLES / "profiles" / "guards-off.toml")
    assert carli.profile.normalization == (CopyCancelledTo035z(),)
    assert csu.identity.kind is ZoneKind.NETWORK
    assert csu.profile.brief_rules == BriefLevelRules.preset("csu")
    assert (off.profile.brief_guard, off.profile.older_version_guard) == (
        False,
        OlderVersionGuard.DISABLED,
    )


@pytest.mark.parametrize(("document", "option", "expected"), [
    ({"match_method": "Literal 035"}, "match_method", MatchMethod.LITERAL),
    ({"brief_guard": False}, "brief_guard", False),
    ({"block_equal_brief_levels": True}, "block_equal_brief_levels", True),
    ({"missing_version_blocks": True}, "missing_version_blocks", True),
    ({"match_019_without_normalization": True}, "match_019_without_normalization", True),
    ({"validate_marcxml": False}, "validate_marcxml", False),
    ({"older_version_guard": "Disabled"}, "older_version_guard", OlderVersionGuard.DISABLED),
    ({"guard_order": ["brief", "lock", "older_version"]}, "guard_order",
     (Guard.BRIEF, Guard.LOCK, Guard.OLDER_VERSION)),
    ({"normalization": [{"remove": ["029", "936"]}]}, "normalization",
     (RemoveFields(("029", "936")),)),
    ({"normalization": []}, "normalization", ()),
    ({"brief_rules": "csu"}, "brief_rules", BriefLevelRules.preset("csu")),
    ({"brief_rules": {"table": {"#": 10, "7": 5}, "default": 1}}, "brief_rules",
     BriefLevelRules.from_table({"#": 10, "7": 5}, default=1)),
    ({"password": "s3cret"}, "password", "s3cret"),
])
def test_each_key_sets_its_option(document: dict[str, object], option: str,
                                  expected: object) -> None:
    profile = profile_from_mapping(document, source="test").profile
    assert getattr(profile, option) == expected


def test_merge_method_by_name() -> None:
    profile = profile_from_mapping({"merge_method": "Keep only old value"}, source="t").profile
    assert profile.merge_method.name == "Keep only old value"


@pytest.mark.parametrize(("document", "named"), [
    ({"brief_gaurd": True}, "brief_gaurd"),  # unknown key
    ({"zone": {"hostname": "x"}}, "zone.hostname"),  # unknown zone key
    ({"preset": "orbis"}, "orbis"),  # unknown preset
    ({"brief_guard": "yes"}, "brief_guard"),  # not a boolean
    ({"match_method": "Fuzzy"}, "Fuzzy"),  # not a match method
    ({"merge_method": "Overlay everything"}, "Overlay everything"),
    ({"brief_rules": "harvard"}, "harvard"),
    ({"guard_order": ["lock", "brief"]}, "guard order"),
    ({"normalization": ["Copy 019"]}, "Copy 019"),
    ({"zone": {"kind": "community"}}, "community"),
])
def test_bad_profiles_name_the_problem(document: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidProfileFile, match=named):
        profile_from_mapping(document, source="test.toml")


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("preset = \n", encoding="utf-8")
    with pytest.raises(InvalidProfileFile, match=r"broken\.toml"):
        load_profile(path)


@pytest.mark.parametrize(("mms_ids", "next_id"), [
    ([], "9915681"),
    (["9910000000015681", "9910000000105681"], "9910000000115681"),
    (["123", "9942681", "9975681", "9935681"], "9985681"),
])
def test_next_mms_id_follows_the_zone(mms_ids: list[str], next_id: str) -> None:
    assert MmsIdSequence.after(mms_ids).peek() == next_id


@pytest.mark.parametrize(("row", "reason"), [
    ({"mms_id": "99x"}, "bad_mms_id"),
    ({"mms_id": "991", "brief_level": "11"}, "bad_value"),
    ({"mms_id": "991", "originating_version": "2020"}, "bad_value"),
    ({"mms_id": "991", "cz_linked": "maybe"}, "bad_value"),
    ({"mms_id": "991", "lock_institution": "01CARLI_XYZ"}, "bad_lock"),
    ({"mms_id": "991", "lock_institution": "X", "lock_last_activity": "noon"}, "bad_value"),
])
def test_bad_facts_rows(row: dict[str, str | None], reason: str) -> None:
    with pytest.raises(InvalidFactsFile) as raised:
        facts_from_rows([row], source="facts.csv")
    assert raised.value.reason == reason
    assert "line 2" in str(raised.value.text)


def test_repeated_mms_id_in_facts() -> None:
    with pytest.raises(InvalidFactsFile, match="line 3"):
        facts_from_rows([{"mms_id": "991"}, {"mms_id": "991"}], source="facts.csv")


_moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                        timezones=st.just(UTC))
_rows = st.builds(
    FactsRow,
    mms_id=st.integers(min_value=1, max_value=10**17).map(str),
    brief_level=st.none() | st.integers(min_value=1, max_value=10).map(BriefLevel),
    originating_version=st.none() | st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2099, 1, 1)
    ).map(Timestamp.from_datetime),
    cz_linked=st.booleans(),
    lock=st.none() | st.builds(Lock, institution=st.sampled_from(["01CARLI_XYZ", "A,B"]),
                               user=st.none() | st.sampled_from(["jsmith", 'o"neil']),
                               last_activity=_moments),
)


@given(st.lists(_rows, max_size=5, unique_by=lambda row: row.mms_id))
def test_facts_csv_round_trips(rows: list[FactsRow]) -> None:
    text = facts_to_csv(rows)
    parsed = facts_from_rows(csv.DictReader(io.StringIO(text)), source="round trip")
    assert list(parsed.values()) == rows
