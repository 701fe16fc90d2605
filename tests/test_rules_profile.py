"""Rule files in the profile: normalization at stage 4 with each rule in the trace, merge rules
for the merge, brief-level rules for both sides; profile keys relative to the profile file."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from almamatch import rules
from almamatch.core import (
    Add,
    Bib,
    BriefLevel,
    ControlField,
    DataField,
    Export,
    InMemoryZone,
    IntegrationProfile,
    Merge,
    NotAddedBrief,
    Stage,
    Zone,
    ZoneKind,
    decide,
)
from almamatch.rules.brief import compile_brief_levels
from almamatch.rules.merge import compile_merge
from almamatch.rules.normalize import compile_normalization
from almamatch.zonefiles import InvalidProfileFile, load_profile

REAL = Path(__file__).parent / "fixtures" / "alma-rules"
HOST = "i-share-xyz.alma.exlibrisgroup.com"
LOGON = "01CARLI_XYZ"
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
CONNEXION_RULES = REAL / "norm__cbaksik__NormRules_zSYS_-_External_Resources_and_Connexion.txt"


def bib(*fields: ControlField | DataField, level: str = " ") -> Bib:
    return Bib(leader=f"00000cam a2200000{level}a 4500", fields=fields)


def incoming(level: str = " ") -> Bib:
    return bib(
        ControlField("001", "ocm00012345"), ControlField("003", "OCoLC"),
        ControlField("005", "20250101120000.0"),
        DataField.of("019", "  ", ("a", "777")),
        DataField.of("035", "  ", ("a", "(OCoLC)ocm00012345")),
        DataField.of("245", "10", ("a", "Incoming title.")),
        level=level,
    )


def zone_with(profile: IntegrationProfile, *stored: tuple[str, Bib]) -> Zone:
    bibs = InMemoryZone(brief_rules=profile.levels)
    for mms_id, record in stored:
        bibs.store(mms_id, record)
    return Zone(kind=ZoneKind.INSTITUTION, institution=LOGON, host=HOST, logon_id=LOGON,
                profiles=(profile,), bibs=bibs)


def existing(level: str = " ") -> Bib:
    return bib(ControlField("001", "99local"), DataField.of("035", "  ", ("a", "(OCoLC)12345")),
               DataField.of("245", "10", ("a", "Existing title.")), level=level)


def test_normalization_rules_run_at_stage_4_and_the_trace_names_each_rule() -> None:
    compiled = compile_normalization(rules.parse(CONNEXION_RULES.read_text(encoding="utf-8")))
    profile = IntegrationProfile(password="p", normalization_rules=compiled)
    decision = decide(Export(record=incoming(), logon_id=LOGON, password="p", host=HOST),
                      zone_with(profile), NOW)
    step = next(step for step in decision.trace if step.stage is Stage.NORMALIZATION)
    rule = "Remove unwanted data from External search resources and Connexion records"
    # The named step runs first (019 copied to 035 $z), then the rules: 001, 019 and the 035
    # with an "(OCoLC)o..." number removed; then the save rule drops the lone 003.
    assert step.detail == "; ".join([
        "Marc21 Bib Copy 019a to 035z: +1 field(s)",
        f"rule {rule!r}: removeControlField \"001\": removed 001 ocm00012345",
        f"rule {rule!r}: removeField \"019\": removed 019 $a 777",
        f"rule {rule!r}: removeField \"035\": removed 035 $a (OCoLC)ocm00012345",
        "save rule: 001+003 folded into 035 $a, 003 removed",
    ])
    assert isinstance(decision, Add)
    assert decision.record.data_fields("019") == ()


def test_the_carli_profile_without_rules_is_unchanged() -> None:
    profile = IntegrationProfile.carli("p")
    assert profile.normalization_steps is profile.normalization
    assert profile.merge is profile.merge_method


def test_merge_rules_are_used_for_the_merge() -> None:
    method = compile_merge(rules.parse(
        (REAL / "merge__cbaksik__MergeRules_SYS-Batch-PreferLocal.txt").read_text(encoding="utf-8")
    )).method
    profile = IntegrationProfile(password="p", merge_rules=method)
    decision = decide(Export(record=incoming(), logon_id=LOGON, password="p", host=HOST),
                      zone_with(profile, ("991005681", existing())), NOW)
    assert isinstance(decision, Merge)
    assert decision.merge_method == "For vendor loads where we want to prefer our local record"
    assert decision.record is not None
    assert decision.record.data_fields("245")[0].values("a") == ("Existing title.",)


def test_brief_level_rules_rate_both_records() -> None:
    levels = compile_brief_levels(rules.parse("""
rule "has 300" when exists "300" then set brief_level."08" end
rule "has 245" when exists "245" then set brief_level."05" end
"""), name="test levels")
    profile = IntegrationProfile(password="p", brief_level_rules=levels)
    with_300 = attrs.evolve(existing(), fields=(*existing().fields,
                                                DataField.of("300", "  ", ("a", "1 v."))))
    decision = decide(Export(record=incoming(), logon_id=LOGON, password="p", host=HOST),
                      zone_with(profile, ("991005681", with_300)), NOW)
    # The zone rates the bibs it saves with the profile's rules, as Alma does on save, and the
    # rules rate the incoming record: existing 08, incoming 05 (the CARLI table would give both
    # 10), so the brief guard blocks.
    assert isinstance(decision, NotAddedBrief)
    assert (decision.existing_level, decision.incoming_level) == (BriefLevel(8), BriefLevel(5))
    step = next(step for step in decision.trace if step.stage is Stage.BRIEF)
    assert "test levels" in step.detail


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_keys_name_files_beside_the_profile(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    write(tmp_path / "rules" / "norm.txt", CONNEXION_RULES.read_text(encoding="utf-8"))
    write(tmp_path / "rules" / "merge.txt",
          (REAL / "merge__cbaksik__MergeRules_SYS-Batch-Connexion.txt").read_text(encoding="utf-8"))
    write(tmp_path / "rules" / "brief.txt",
          (REAL / "brief__cbaksik__BriefLevelRule_Brief_Level_Rules.txt").read_text(
              encoding="utf-8"))
    profile_path = write(tmp_path / "zone.toml", """
normalization_rules = "rules/norm.txt"
merge_rules = "rules/merge.txt"
brief_level_rules = "rules/brief.txt"
""")
    profile = load_profile(profile_path).profile
    assert profile.normalization_rules is not None
    assert profile.normalization_rules.name == "norm.txt"
    assert profile.merge.name.startswith("Connexion exports into Alma")
    assert profile.brief_level_rules is not None
    assert profile.brief_level_rules.level_of(existing()) == BriefLevel(8)  # "Brief 08"


def test_a_profile_keeps_the_digest_of_the_rule_bytes_it_loaded(tmp_path: Path) -> None:
    """A run identifies its rules by ``rule_digests``: the SHA-256 of the very bytes each rule
    file's rules were made from, in the profile's key order; a file edited after the load does
    not change what the loaded profile says it ran."""
    brief = (REAL / "brief__cbaksik__BriefLevelRule_Brief_Level_Rules.txt").read_bytes()
    merge = (REAL / "merge__cbaksik__MergeRules_SYS-Batch-Connexion.txt").read_bytes()
    (tmp_path / "brief.txt").write_bytes(brief)
    (tmp_path / "merge.txt").write_bytes(merge)
    profile_path = write(tmp_path / "zone.toml",
                         'brief_level_rules = "brief.txt"\nmerge_rules = "merge.txt"\n')
    loaded = load_profile(profile_path)
    expected = (hashlib.sha256(merge).hexdigest(), hashlib.sha256(brief).hexdigest())
    assert loaded.rule_digests == expected  # merge_rules is read before brief_level_rules
    (tmp_path / "brief.txt").write_text('rule "all 10"\nwhen\n    existsControl "LDR.{17,1}.*"\n'
                                        'then\n    set brief_level."10"\nend\n',
                                        encoding="utf-8")
    assert loaded.rule_digests == expected
    assert load_profile(profile_path).rule_digests != expected


@pytest.mark.parametrize(("text", "reason", "said"), [
    ('rule "x" when TRUE then removeFeld "019" end', "bad_rules", "norm.txt:1:25"),
    ('rule "x" when TRUE then addField "2**.a.x" end', "bad_rules", "three digits"),
])
def test_a_bad_rule_file_is_refused_naming_the_file_and_the_place(
    tmp_path: Path, text: str, reason: str, said: str
) -> None:
    write(tmp_path / "norm.txt", text)
    profile_path = write(tmp_path / "zone.toml", 'normalization_rules = "norm.txt"\n')
    with pytest.raises(InvalidProfileFile) as caught:
        load_profile(profile_path)
    assert caught.value.reason == reason
    assert said in str(caught.value)


def test_a_missing_rule_file_is_refused(tmp_path: Path) -> None:
    profile_path = write(tmp_path / "zone.toml", 'merge_rules = "nowhere.txt"\n')
    with pytest.raises(InvalidProfileFile, match=r"nowhere\.txt"):
        load_profile(profile_path)
