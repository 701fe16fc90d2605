"""Applying a decision with what decide() derived for it (``Groundwork``) changes a zone exactly
as applying it without (Hypothesis).

``InMemoryZone.apply`` takes an Add's zone numbers from the prepared record and a Merge's
existing facts from stage 6 instead of deriving them again; these properties check that the
zone is the same either way, and the fact the Add shortcut rests on, over records that carry
001/003 pairs, 003 without 001, 035 $a/$z in every written form, and normalization rules that
add a 003 or an 035.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from test_decide_properties import locks, profiles, records, zones

from almamatch import (
    Add,
    Bib,
    BriefLevel,
    ControlField,
    DataField,
    Export,
    InMemoryZone,
    IntegrationProfile,
    Merge,
    MergeMethod,
    OclcNumber,
    Subfield,
    Timestamp,
    Zone,
    decide,
    rules,
)
from almamatch.core.decide import DecisionCache
from almamatch.core.normalization import fold_003
from almamatch.core.record import Field
from almamatch.core.zone import Groundwork, prepare, zone_numbers
from almamatch.rules.normalize import compile_normalization

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
HOST = "i-share-xyz.alma.exlibrisgroup.com"

#: Normalization rules that give the prepared record a 003 (to be folded) or another 035.
RULE_TEXTS = (
    'addControlField "003.OCoLC"',
    'addControlField "003.DLC"',
    'addField "035.a.(OCoLC)7"',
    'addField "035.z.ocm00000009"',
)
rule_steps = st.sampled_from([
    compile_normalization(rules.parse(f'rule "r{number}" when TRUE then {text} end'))
    for number, text in enumerate(RULE_TEXTS)
])
with_rules = st.builds(
    lambda profile, steps, merge: attrs.evolve(profile, normalization_rules=steps,
                                                merge_method=merge),
    profiles, st.one_of(st.none(), rule_steps),
    # Merged 035s that are the incoming's own, or the existing bib's, or some of each.
    st.sampled_from([MergeMethod.preset(name) for name in MergeMethod.preset_names()]))


def _tag_key(one: Field) -> tuple[bool, str]:
    """Where a field stands in a merged record: numeric tags first, ascending, then the others
    (Alma's order, as ``MergeMethod.apply`` sorts a merge's fields)."""
    return (not one.tag.isdigit(), one.tag)


# Bibs and exports that share a handful of numbers, so that most exports merge into a base bib.
few = st.integers(1, 4)
few_text = st.one_of(few.map(lambda n: f"(OCoLC){n}"), few.map(lambda n: f"ocm{n:08d}"))


@st.composite
def dense_records(draw: st.DrawFn) -> Bib:
    fields: list[ControlField | DataField] = []
    if draw(st.booleans()):
        fields.append(ControlField("001", draw(few_text)))
        if draw(st.booleans()):
            fields.append(ControlField("003", "OCoLC"))
    fields.append(ControlField("005", draw(st.sampled_from(["20240101120000.0",
                                                            "20260101000000.0"]))))
    for _ in range(draw(st.integers(1, 2))):
        fields.append(DataField("035", " ", " ", [Subfield(draw(st.sampled_from("az")),
                                                           draw(few_text))]))
    level = draw(st.sampled_from(" 17M"))
    return Bib(leader=f"00000cam a2200000{level}a 4500", fields=fields)


@st.composite
def dense_zones(draw: st.DrawFn) -> InMemoryZone:
    zone = InMemoryZone()
    for index in range(draw(st.integers(1, 4))):
        zone.store(f"99{index}5681", draw(dense_records()),
                   brief_level=draw(st.sampled_from([None, BriefLevel(1)])),
                   originating_version=draw(st.sampled_from(
                       [None, Timestamp.parse("20250101120000.0")])),
                   cz_linked=draw(st.booleans()), lock=draw(locks))
    return zone


def zone_of(bibs: InMemoryZone, profile: IntegrationProfile) -> Zone:
    return Zone(institution="01CARLI_XYZ", host=HOST, logon_id="01CARLI_XYZ",
                profiles=[profile], bibs=bibs)


def export_of(record: Bib) -> Export:
    return Export(record=record, logon_id="01CARLI_XYZ", password="pw", host=HOST)


def forms(numbers: tuple[OclcNumber, ...]) -> list[tuple[int, bool, str, int]]:
    """Numbers with their written forms (``OclcNumber`` compares by value alone)."""
    return [(n.value, n.form.qualified, n.form.prefix, n.form.width) for n in numbers]


def held_state(zone: InMemoryZone) -> list[Any]:
    """Everything a zone holds of its own, number forms included, and its next MMS ID."""
    state: list[Any] = [zone.next_mms_id()]
    for held in zone.held():
        facts = held.facts
        state.append((facts, forms(facts.active), forms(facts.cancelled), held.record))
        for number in facts.active + facts.cancelled:
            state.append([(hit.mms_id, hit.side, forms((hit.number,)))
                          for hit in zone.hits(number)])
    return state


@settings(max_examples=100, deadline=None)
@given(records(), with_rules)
def test_prepare_finds_the_prepared_records_own_035s(record: Bib,
                                                     profile: IntegrationProfile) -> None:
    """``prepare``'s ``found_035s`` (a Merge's ``Groundwork.incoming_035s``) are the prepared
    record's 035 fields themselves, in order, whichever way the save rule went."""
    found: list[Field] = []
    prepared = prepare(record, profile.normalization_steps, found_035s=found)
    assert prepared == prepare(record, profile.normalization_steps)
    own = [one for one in prepared.record.fields if one.tag == "035"]
    assert len(found) == len(own)
    assert all(mine is theirs for mine, theirs in zip(found, own, strict=True))


@settings(max_examples=100, deadline=None)
@given(records(), zones(), with_rules)
def test_an_added_record_is_saved_as_prepared_with_the_prepared_numbers(
    record: Bib, bibs: InMemoryZone, profile: IntegrationProfile
) -> None:
    """An Add's record holds no 003 (the zone's save folds nothing) and its zone numbers are
    the prepared record's, form for form: what ``apply`` takes from the groundwork."""
    cache = DecisionCache()
    decision = decide(export_of(record), zone_of(bibs, profile), NOW, cache=cache)
    groundwork = cache.groundwork(decision)
    if not isinstance(decision, Add | Merge):
        assert groundwork is None
        return
    assert groundwork is not None
    if isinstance(decision, Merge):
        assert groundwork.existing == bibs.facts(decision.mms_id)
        merged = decision.record
        assert merged is not None
        # ``merged_numbers`` reads a merged record in tag order, as the merge leaves it.
        keys = [_tag_key(one) for one in merged.fields]
        assert keys == sorted(keys)
        numbers = groundwork.merged_numbers(merged)
        if numbers is not None:  # what ``apply`` takes instead of reading the merged record
            active, cancelled = zone_numbers(fold_003(merged))
            assert (forms(active), forms(cancelled)) == (forms(numbers[0]), forms(numbers[1]))
        return
    assert groundwork.numbers is not None
    assert fold_003(decision.record) is decision.record
    active, cancelled = zone_numbers(decision.record)
    assert (forms(active), forms(cancelled)) == (forms(groundwork.numbers[0]),
                                                 forms(groundwork.numbers[1]))


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.lists(records(), min_size=1, max_size=6),
                 st.lists(dense_records(), min_size=1, max_size=6)),
       st.one_of(zones(), dense_zones()), with_rules, st.booleans())
def test_a_zone_applied_with_groundwork_is_the_zone_applied_without(
    exports: list[Bib], base: InMemoryZone, profile: IntegrationProfile, overlay: bool
) -> None:
    """A batch in order, applied with and without groundwork, over a base (a merge reads the
    base's facts) or into the zone itself: the same decisions and the same zone."""
    helped = InMemoryZone(base=base) if overlay else base
    plain = InMemoryZone(base=base) if overlay else InMemoryZone.of([])
    if not overlay:  # the same bibs, in a second zone of their own
        for held in base.held():
            plain.hold(held)
    cache = DecisionCache()
    for record in exports:
        decision = decide(export_of(record), zone_of(helped, profile), NOW, cache=cache)
        again = decide(export_of(record), zone_of(plain, profile), NOW)
        assert decision == again
        helped.apply(decision, groundwork=cache.groundwork(decision))
        plain.apply(again)
        assert held_state(helped) == held_state(plain)


def test_groundwork_is_read_only_for_its_own_decision() -> None:
    """Groundwork made for one decision is ignored when another is applied."""
    cache = DecisionCache()
    bibs = InMemoryZone()
    zone = zone_of(bibs, IntegrationProfile.carli("pw"))
    record = Bib(leader="00000cam a2200000 a 4500", fields=[])
    first = decide(export_of(record), zone, NOW, cache=cache)
    assert isinstance(first, Add)
    groundwork = cache.groundwork(first)
    assert groundwork is not None
    other = decide(export_of(record), zone, NOW)
    assert cache.groundwork(other) is None
    lying = type(groundwork)(first, numbers=((OclcNumber(5),), ()))
    bibs.apply(other, groundwork=lying)  # not ``other``'s: the zone derives the numbers
    facts = bibs.facts(first.mms_id)
    assert facts is not None
    assert facts.active == ()


def test_a_merge_takes_the_incoming_numbers_only_for_its_035s_and_no_003() -> None:
    """``Groundwork.merged_numbers``: the prepared numbers stand for the merged record's only
    when its 035s are the incoming record's own fields, in order, and it holds no 003."""
    leader = "00000cam a2200000 a 4500"
    first = DataField("035", " ", " ", [Subfield("a", "(OCoLC)5")])
    second = DataField("035", " ", " ", [Subfield("z", "(OCoLC)6")])
    incoming = Bib(leader=leader, fields=[first, second])
    decision = decide(export_of(incoming), zone_of(InMemoryZone(), IntegrationProfile.carli("pw")),
                      NOW)  # any decision: the groundwork is made for it alone
    numbers = ((OclcNumber(5),), (OclcNumber(6),))
    work = Groundwork(decision, numbers=numbers, incoming_035s=[first, second])
    title = DataField("245", "0", "0", [Subfield("a", "T")])
    local = DataField("LKR", " ", " ", [Subfield("a", "x")])
    # Each merged record as ``MergeMethod.apply`` leaves one: its fields in tag order.
    cases: list[tuple[list[ControlField | DataField], object]] = [
        ([ControlField("001", "1"), first, second, title], numbers),
        ([first, second], numbers),
        ([second, first], None),  # not in the incoming record's order
        ([first], None),  # one missing
        ([first, second, DataField("035", " ", " ", [Subfield("a", "(OCoLC)5")])], None),
        ([ControlField("003", "OCoLC"), first, second], None),  # the save would fold
        ([DataField("035", " ", " ", [Subfield("a", "(OCoLC)5")]), second], None),  # equal, not own
        ([ControlField("001", "1"), ControlField("003", "OCoLC"), first, second], None),
        ([ControlField("001", "1"), ControlField("003", "OCoLC"), title], None),
        ([ControlField("001", "1"), first, second, title, local], numbers),
        ([first, second, local], numbers),
        ([title], None),
        ([ControlField("001", "1"), title], None),
        ([local], None),
    ]
    for fields, expected in cases:
        assert [_tag_key(one) for one in fields] == sorted(map(_tag_key, fields))
        merged = Bib(leader=leader, fields=fields)
        assert work.merged_numbers(merged) == expected
