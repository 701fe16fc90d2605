"""Properties of decide() over generated records, zones and profiles (Hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, get_args

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import (
    Add,
    Bib,
    BriefLevel,
    ControlField,
    CopyCancelledTo035z,
    DataField,
    Export,
    Guard,
    InMemoryZone,
    IntegrationProfile,
    Lock,
    MatchMethod,
    Merge,
    OlderVersionGuard,
    RemoveFields,
    Subfield,
    Timestamp,
    Zone,
    decide,
)
from almamatch.codec import decision_from_json, decision_to_json
from almamatch.core.decide import DecisionCache
from almamatch.core.decision import Candidate, Refusal, Stage, Step, Verdict
from almamatch.core.oclc import ParsedNumbers
from almamatch.core.zone import PreparedRecord, prepare

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
HOST = "i-share-xyz.alma.exlibrisgroup.com"

# Small numbers so that generated records and zones share them often.
numbers = st.integers(1, 30)
number_text = st.one_of(
    numbers.map(lambda n: f"(OCoLC){n}"),
    numbers.map(lambda n: f"(OCoLC)ocm{n:08d}"),
    numbers.map(lambda n: f"ocm{n:08d}"),
    numbers.map(str),
    st.sampled_from(["(DLC)12", "(OCoLC)", "ocmX", "", "  7 "]),
)
stamps = st.one_of(
    st.none(),
    st.sampled_from(["20240101120000.0", "20250101120000.0", "20260101000000", "2025", "x"]),
)
text = st.text(st.characters(codec="utf-8"), max_size=12)


@st.composite
def records(draw: st.DrawFn) -> Bib:
    fields: list[ControlField | DataField] = []
    if draw(st.booleans()):
        fields.append(ControlField("001", draw(number_text)))
    if draw(st.booleans()):
        fields.append(ControlField("003", draw(st.sampled_from(["OCoLC", "DLC", " ocolc"]))))
    stamp = draw(stamps)
    if stamp is not None:
        fields.append(ControlField("005", stamp))
    for _ in range(draw(st.integers(0, 3))):
        code = draw(st.sampled_from("az9"))
        fields.append(DataField("035", " ", " ", [Subfield(code, draw(number_text))]))
    for _ in range(draw(st.integers(0, 2))):
        fields.append(DataField("019", " ", " ", [Subfield("a", draw(number_text))]))
    for tag in draw(st.lists(st.sampled_from(["245", "500", "936", "950"]), max_size=3)):
        fields.append(DataField(tag, " ", "0", [Subfield("a", draw(text))]))
    level = draw(st.sampled_from(" 1234578IKLMuzJ"))
    coding = draw(st.sampled_from("a "))
    return Bib(leader=f"00000cam {coding}2200000{level}a 4500", fields=fields)


locks = st.one_of(st.none(), st.integers(0, 120).map(
    lambda minutes: Lock(institution="01CARLI_XYZ", last_activity=NOW - timedelta(
        minutes=minutes))))


@st.composite
def zones(draw: st.DrawFn) -> InMemoryZone:
    zone = InMemoryZone()
    for index in range(draw(st.integers(0, 4))):
        version = draw(stamps)
        zone.store(
            f"99{index}5681",
            draw(records()),
            brief_level=draw(st.one_of(st.none(), st.integers(1, 10).map(BriefLevel))),
            originating_version=Timestamp.parse(version) if version and len(version) > 13
            else None,
            cz_linked=draw(st.booleans()),
            lock=draw(locks),
        )
    return zone


profiles = st.builds(
    IntegrationProfile,
    password=st.just("pw"),
    normalization=st.lists(st.one_of(st.just(CopyCancelledTo035z()),
                                     st.just(RemoveFields(("936", "019")))), max_size=2),
    validate_marcxml=st.booleans(),
    match_method=st.sampled_from(MatchMethod),
    match_019_without_normalization=st.booleans(),
    brief_guard=st.booleans(),
    block_equal_brief_levels=st.booleans(),
    older_version_guard=st.sampled_from(OlderVersionGuard),
    missing_version_blocks=st.booleans(),
    guard_order=st.permutations(list(Guard)),
)


def zone_of(bibs: InMemoryZone, profile_list: list[IntegrationProfile]) -> Zone:
    return Zone(institution="01CARLI_XYZ", host=HOST, logon_id="01CARLI_XYZ",
                profiles=profile_list, bibs=bibs)


def export_of(record: Bib, password: str = "pw") -> Export:
    return Export(record=record, logon_id="01CARLI_XYZ", password=password, host=HOST)


@settings(max_examples=150, deadline=None)
@given(records(), zones(), st.lists(profiles, min_size=0, max_size=2),
       st.sampled_from(["pw", "wrong"]))
def test_decide_never_raises_and_is_deterministic_and_serializable(
    record: Bib, bibs: InMemoryZone, profile_list: list[IntegrationProfile], password: str
) -> None:
    zone = zone_of(bibs, profile_list)
    first = decide(export_of(record, password), zone, NOW)
    again = decide(export_of(record, password), zone, NOW)
    assert first == again
    assert decision_from_json(decision_to_json(first)) == first
    assert first.trace[-1].stage == "outcome"
    if not isinstance(first, Add | Merge):
        # A refusal of decide() (never ConnectionClosed), the whole trace attached: one step per
        # stage, the last naming its code.
        assert isinstance(first, get_args(Refusal))
        assert len(first.trace) == len(Stage)
        assert first.trace[-1].verdict is Verdict.FAILED
        assert first.trace[-1].detail == f"Import Failed: {first.code.value}"


@settings(max_examples=100, deadline=None)
@given(records(), zones(), profiles, st.randoms(use_true_random=False))
def test_field_order_does_not_change_the_decision(
    record: Bib, bibs: InMemoryZone, profile: IntegrationProfile, random: Random
) -> None:
    shuffled = list(record.fields)
    random.shuffle(shuffled)
    zone = zone_of(bibs, [profile])
    one = decide(export_of(record), zone, NOW)
    other = decide(export_of(attrs.evolve(record, fields=tuple(shuffled))), zone, NOW)
    assert (one.code, getattr(one, "mms_id", None)) == (other.code,
                                                        getattr(other, "mms_id", None))


@settings(max_examples=100, deadline=None)
@given(records(), zones())
def test_add_keeps_every_incoming_field(record: Bib, bibs: InMemoryZone) -> None:
    # CARLI's profile only adds (019 $a as 035 $z, 003 + 001 as 035 $a); Alma's save puts the
    # MMS ID in 001 ("After saving, 001 holds the MMS ID", S18); nothing else is lost.
    profile = attrs.evolve(IntegrationProfile.carli("pw"), validate_marcxml=False)
    decision = decide(export_of(record), zone_of(bibs, [profile]), NOW)
    if isinstance(decision, Add):
        kept = Counter(decision.record.fields)
        for one, count in Counter(f for f in record.fields if f.tag not in ("001", "003")).items():
            assert kept[one] >= count
        assert decision.record.control_value("001") == decision.mms_id
        identifier, number = record.control_value("003"), record.control_value("001")
        if identifier is not None and number is not None:
            folded = f"({identifier.strip()}){number.strip()}"
            assert any(folded in one.values("a") for one in decision.record.data_fields("035"))


# Which stage's failure gives which code: an independent statement of DESIGN.md's table.
FAILING_STAGE_CODE = {
    "profile": "NO_INTEGRATION_PROFILE",
    "logon": "LOGON_FAILED",
    "marcxml": "MARCXML_CONVERSION_FAILED",
    "candidates": "MULTI_MATCH",
    "cz_link": "SKIPPED_CZ_LINKED",
    "lock": "NOT_ADDED_LOCKED",
    "brief": "NOT_ADDED_BRIEF",
    "older_version": "NOT_ADDED_OLD",
}


@settings(max_examples=150, deadline=None)
@given(records(), zones(), st.lists(profiles, min_size=0, max_size=2),
       st.sampled_from(["pw", "wrong"]))
def test_the_code_is_the_failure_of_the_first_failed_stage(
    record: Bib, bibs: InMemoryZone, profile_list: list[IntegrationProfile], password: str
) -> None:
    """Add and Merge have no failed stage; a refusal's code is its first failed stage's."""
    decision = decide(export_of(record, password), zone_of(bibs, profile_list), NOW)
    failed = [step.stage.value for step in decision.trace[:-1] if step.verdict == "failed"]
    if isinstance(decision, Add | Merge):
        assert failed == []
        assert decision.trace[-1].verdict == "passed"
    else:
        assert failed, decision.code
        assert FAILING_STAGE_CODE[failed[0]] == decision.code.value
        assert decision.trace[-1].verdict == "failed"


# A batch keeps one DecisionCache across its decisions (its memo of parsed numbers too, here
# small enough to fill and start again); each decision must be the one a fresh call gives, to
# the JSON byte and the trace text.
@settings(max_examples=60, deadline=None)
@given(st.lists(records(), min_size=1, max_size=6), zones(), profiles)
def test_a_cache_kept_between_decisions_changes_no_decision(
    batch: list[Bib], bibs: InMemoryZone, profile: IntegrationProfile
) -> None:
    zone = zone_of(bibs, [profile])
    cache = DecisionCache()
    cache.numbers.limit = 3
    for record in batch * 2:
        kept = decide(export_of(record), zone, NOW, cache=cache)
        fresh = decide(export_of(record), zone, NOW)
        assert decision_to_json(kept) == decision_to_json(fresh)
        assert [step.detail for step in kept.trace] == [step.detail for step in fresh.trace]


# The cache keeps stage 4's step by the normalization notes, across profiles (each names its
# steps in the notes) and records: decisions under one cache kept across several profiles, its
# tables small enough to fill and start again, are each the one a fresh call gives.
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(records(), profiles), min_size=1, max_size=6), zones(),
       st.integers(1, 3))
def test_a_cache_kept_across_profiles_changes_no_decision(
    batch: list[tuple[Bib, IntegrationProfile]], bibs: InMemoryZone, limit: int
) -> None:
    cache = DecisionCache()
    cache.numbers.limit = limit
    cache.steps_limit = limit
    for record, profile in batch * 2:
        zone = zone_of(bibs, [profile])
        kept = decide(export_of(record), zone, NOW, cache=cache)
        fresh = decide(export_of(record), zone, NOW)
        assert decision_to_json(kept) == decision_to_json(fresh)
        assert kept.trace == fresh.trace


# The cache keeps what the stages read of the zone met last and its one profile (stage 1's and
# stage 2's steps, the guards' order, stage 5's words, the merge): zones that share a profile
# but not their logon ID or host, or have no single profile, decided in turn under one cache,
# give each the decision a fresh call gives.
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(records(), st.integers(0, 3), st.sampled_from(["pw", "wrong"])),
                min_size=1, max_size=8), zones(), profiles, profiles)
def test_a_cache_kept_across_zones_changes_no_decision(
    batch: list[tuple[Bib, int, str]], bibs: InMemoryZone, profile: IntegrationProfile,
    other: IntegrationProfile,
) -> None:
    zones_in_turn = [
        zone_of(bibs, [profile]),
        Zone(institution="01CARLI_ABC", host="i-share-abc.alma.exlibrisgroup.com",
             logon_id="01CARLI_ABC", profiles=[profile], bibs=bibs),
        zone_of(bibs, [profile, other]),
        zone_of(bibs, [other]),
    ]
    cache = DecisionCache()
    for record, which, password in batch * 2:
        zone = zones_in_turn[which]
        export = Export(record=record, logon_id=zone.logon_id, password=password, host=zone.host)
        kept = decide(export, zone, NOW, cache=cache)
        fresh = decide(export, zone, NOW)
        assert decision_to_json(kept) == decision_to_json(fresh)
        assert kept.trace == fresh.trace


@settings(max_examples=100, deadline=None)
@given(records(), profiles)
def test_prepare_with_a_memo_of_numbers_is_prepare_without(
    record: Bib, profile: IntegrationProfile
) -> None:
    memo = ParsedNumbers(limit=2)
    plain = prepare(record, profile.normalization_steps)
    for _ in range(2):  # the second run reads the numbers the first one left in the memo
        kept = prepare(record, profile.normalization_steps, numbers=memo)
        assert kept == plain
        for mine, theirs in ((kept.active, plain.active), (kept.cancelled, plain.cancelled),
                             (kept.cancelled_019, plain.cancelled_019)):
            assert [n.literal for n in mine] == [n.literal for n in theirs]


def _as_constructed(value: Any) -> Any:
    """``value`` made again by its class's own constructor from its fields (attrs ``evolve``)."""
    return attrs.evolve(value)


# decide() and prepare() make their steps, candidates, decisions and prepared records without
# the frozen constructors (which check nothing), and set a refusal's trace once: each must be
# what the constructor makes of the same fields, to the repr and the hash.
@settings(max_examples=150, deadline=None)
@given(records(), zones(), st.lists(profiles, min_size=0, max_size=2))
def test_decisions_are_what_their_constructors_make(
    record: Bib, bibs: InMemoryZone, profile_list: list[IntegrationProfile]
) -> None:
    decision = decide(export_of(record), zone_of(bibs, profile_list), NOW)
    made: list[Any] = [decision, *decision.trace, *getattr(decision, "candidates", ())]
    for value in made:
        public = _as_constructed(value)
        assert type(public) is type(value)
        assert (public, repr(public)) == (value, repr(value))
        assert attrs.asdict(public, recurse=False) == attrs.asdict(value, recurse=False)
    for value in made[1:]:
        assert hash(_as_constructed(value)) == hash(value)
    for profile in profile_list:
        prepared = prepare(record, profile.normalization_steps)
        public = _as_constructed(prepared)
        assert (public, repr(public)) == (prepared, repr(prepared))
        assert hash(public) == hash(prepared)


def test_the_values_made_without_their_constructors_check_nothing() -> None:
    # decide() and prepare() set these values' slots directly, which runs no converter,
    # validator or post-init: a check added to one of them later must fail here rather than be
    # skipped on that path (the property above only sees the values it happens to draw).
    whole = (Step, Candidate, Add, Merge, PreparedRecord)
    for cls in whole:
        assert not hasattr(cls, "__attrs_post_init__"), cls
        assert not hasattr(cls, "__attrs_pre_init__"), cls
    checked = [*(field for cls in whole for field in attrs.fields(cls)),
               *(attrs.fields_dict(cls)["trace"] for cls in get_args(Refusal))]
    for field in checked:
        assert (field.validator, field.converter) == (None, None), field.name
