"""The compiled makers of decide()'s values (``almamatch._native.values``) against their pure
twins (``core.decision.make_step``, ``make_add``, ``make_merge``, ``latest_transaction``) and the
public constructors: the same value, to the repr, the hash, each field (the very objects given)
and the JSON; the same 005 read from every shape of record and 005 text; and a decision made
with a cache handed the compiled makers (as a batch's, ``decision_cache``) is the one the pure
makers give. Skipped where the module is not built.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import (
    Bib,
    ControlField,
    DataField,
    InMemoryZone,
    IntegrationProfile,
    Subfield,
    Timestamp,
    decide,
)
from almamatch.codec import decision_to_json
from almamatch.core.brief import BriefLevel
from almamatch.core.decide import DecisionCache
from almamatch.core.decision import (
    PURE_MAKERS,
    Add,
    Decision,
    Merge,
    Stage,
    Step,
    Verdict,
    latest_transaction,
    make_add,
    make_merge,
    make_step,
)
from almamatch.core.facts import BibFacts, checked_facts
from almamatch.core.lock import Lock
from almamatch.core.merge import are_035s
from almamatch.core.oclc import OclcNumber
from almamatch.parallel.batch import BATCH_MAKERS, compiled_makers, decision_cache

try:
    from almamatch._native import values
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.values is not built (no C compiler at install)",
                allow_module_level=True)

from test_decide_properties import NOW, export_of, profiles, records, zone_of, zones

COMPILED = compiled_makers()

details = st.text(max_size=20)
mms_ids = st.sampled_from(["991234", "9910002856805681", ""])
versions = st.one_of(st.none(), st.sampled_from([
    Timestamp.parse("20240101120000.0"), Timestamp.parse("20250213200928.9")]))
bibs = st.builds(lambda value: Bib(leader="00000nam a2200000 a 4500",
                                   fields=(ControlField(tag="001", value=value),)),
                 st.text(min_size=1, max_size=8))
steps = st.builds(make_step, st.sampled_from(Stage), st.sampled_from(Verdict), details)
traces = st.lists(steps, max_size=3).map(tuple)


def _same(compiled: Any, pure: Any, public: Any, *, identical: bool = True) -> None:
    assert type(compiled) is type(pure) is type(public)
    assert (compiled, repr(compiled), hash(compiled)) == (pure, repr(pure), hash(pure))
    assert (public, repr(public), hash(public)) == (pure, repr(pure), hash(pure))
    for field in attrs.fields(type(pure)):  # the very objects given, in each slot
        mine, theirs = getattr(compiled, field.name), getattr(pure, field.name)
        assert mine is theirs if identical else (type(mine), mine) == (type(theirs), theirs)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(Stage), st.sampled_from(Verdict), details)
def test_a_compiled_step_is_the_pure_one(stage: Stage, verdict: Verdict, detail: str) -> None:
    _same(values.make_step(stage, verdict, detail), make_step(stage, verdict, detail),
          Step(stage=stage, verdict=verdict, detail=detail))


@settings(max_examples=100, deadline=None)
@given(mms_ids, bibs, traces, versions)
def test_a_compiled_add_is_the_pure_one(mms_id: str, record: Bib, trace: tuple[Step, ...],
                                        version: Timestamp | None) -> None:
    _same(values.make_add(mms_id, record, trace, version),
          make_add(mms_id, record, trace, version),
          Add(mms_id=mms_id, record=record, trace=trace, originating_version=version))


@settings(max_examples=100, deadline=None)
@given(mms_ids, st.one_of(st.none(), bibs), st.sampled_from(["CARLI merge", ""]), traces,
       versions)
def test_a_compiled_merge_is_the_pure_one(mms_id: str, record: Bib | None, method: str,
                                          trace: tuple[Step, ...],
                                          version: Timestamp | None) -> None:
    _same(values.make_merge(mms_id, record, method, trace, version),
          make_merge(mms_id, record, method, trace, version),
          Merge(mms_id=mms_id, record=record, merge_method=method, trace=trace,
                originating_version=version))


numbers = st.lists(st.sampled_from([OclcNumber.parse("(OCoLC)123"), OclcNumber.parse("ocm00000456"),
                                    OclcNumber.parse("on1234567890")]),
                   max_size=3).map(tuple)
locks = st.one_of(st.none(), st.builds(lambda minute: Lock(
    institution="01CARLI_XYZ", user="cataloger",
    last_activity=datetime(2026, 3, 5, 10, minute, tzinfo=UTC)), st.integers(0, 59)))


@settings(max_examples=100, deadline=None)
@given(mms_ids, numbers, numbers, st.integers(1, 10).map(BriefLevel), versions, st.booleans(),
       locks)
def test_compiled_facts_are_the_pure_ones(mms_id: str, active: tuple[OclcNumber, ...],
                                          cancelled: tuple[OclcNumber, ...], level: BriefLevel,
                                          version: Timestamp | None, linked: bool,
                                          lock: Lock | None) -> None:
    given_fields: dict[str, Any] = {
        "active": active, "cancelled": cancelled, "brief_level": level,
        "originating_version": version, "cz_linked": linked, "lock": lock}
    _same(values.checked_facts(mms_id, **given_fields), checked_facts(mms_id, **given_fields),
          BibFacts(mms_id=mms_id, **given_fields))


_TAGS_035 = ["001", "003", "005", "008", "020", "034", "035", "035", "035", "036", "040",
             "245", "500", "949", "03A", "0A5", "LDX"]


@st.composite
def merged_fields(draw: st.DrawFn) -> tuple[tuple[ControlField | DataField, ...],
                                            list[ControlField | DataField]]:
    """Fields (in tag order or not) and a ``theirs``: the 035s among them (all, some, in
    order or not), equal copies of them, or others."""
    tags = draw(st.lists(st.sampled_from(_TAGS_035), max_size=8))
    if draw(st.booleans()):
        tags.sort()
    fields: list[ControlField | DataField] = [
        ControlField(tag=tag, value="v") if tag.startswith("00") and tag.isdigit()
        else DataField.of(tag, "  ", ("a", f"(OCoLC){at}")) for at, tag in enumerate(tags)]
    own = [one for one in fields if one.tag == "035"]
    kind = draw(st.sampled_from(["same", "copies", "some", "reversed", "more"]))
    if kind == "copies":
        own = [DataField.of("035", "  ", ("a", one.subfields[0].value)) for one in own
               if isinstance(one, DataField)]
    elif kind == "some" and own:
        own = own[:draw(st.integers(0, len(own) - 1))]
    elif kind == "reversed":
        own.reverse()
    elif kind == "more":
        own.append(DataField.of("035", "  ", ("a", "(OCoLC)9")))
    return tuple(fields), own


@settings(max_examples=300, deadline=None)
@given(merged_fields(), st.booleans())
def test_the_compiled_035_test_is_the_pure_one(
        given_fields: tuple[tuple[ControlField | DataField, ...],
                            list[ControlField | DataField]], as_tuple: bool) -> None:
    fields, theirs = given_fields
    held = tuple(theirs) if as_tuple else theirs
    assert values.are_035s(fields, held) is are_035s(fields, held)
    # Anything else is the pure function's.
    assert values.are_035s(list(fields), held) is are_035s(list(fields), held)


# 005 texts: the plain form at every edge of each part (the compiled reader takes these), and
# the forms ``Timestamp.parse`` reads otherwise or refuses (left to the pure reader).
_PLAIN_PARTS = (["0001", "1999", "2025", "9999", "0000", "20x5", "\uff12\uff10\uff12\uff15"],
                ["01", "02", "04", "09", "10", "12", "00", "13", "1a"],
                ["01", "09", "10", "19", "20", "28", "29", "30", "31", "00", "32"],
                ["00", "09", "10", "19", "20", "23", "24", "30"],
                ["00", "59", "60", "5x"], ["00", "59", "60"],
                [".0", ".9", ".5", ".x", "..", "00"])
plain_like = st.tuples(*(st.sampled_from(part) for part in _PLAIN_PARTS)).map("".join)
stamp_texts = st.one_of(
    plain_like,
    plain_like.map(lambda text: f" {text}"),
    plain_like.map(lambda text: text[:14]),
    plain_like.map(lambda text: text + "00"),
    st.sampled_from(["", "2025", "20250101", "20240229120000.0", "20230229120000.0"]),
    st.text(st.sampled_from("0123456789. x"), max_size=18),
)
control_tags = st.sampled_from(["001", "003", "005", "008"])
fields = st.one_of(
    st.builds(lambda tag, value: ControlField(tag=tag, value=value), control_tags, stamp_texts),
    st.builds(lambda tag: DataField(tag=tag, indicator1=" ", indicator2=" ",
                                    subfields=(Subfield(code="a", value="20250101120000.0"),)),
              st.sampled_from(["035", "245", "500"])),
)
records_005 = st.lists(fields, max_size=6).map(
    lambda found: Bib(leader="00000nam a2200000 a 4500", fields=tuple(found)))


@settings(max_examples=400, deadline=None)
@given(records_005)
def test_the_compiled_005_is_the_pure_one(record: Bib) -> None:
    compiled, pure = values.latest_transaction(record), latest_transaction(record)
    assert pure == record.latest_transaction
    if pure is None:
        assert compiled is None
    else:
        _same(compiled, pure, Timestamp(digits=pure.digits, fraction=pure.fraction,
                                        text=pure.text), identical=False)


@settings(max_examples=200, deadline=None)
@given(plain_like)
def test_the_compiled_005_reads_a_plain_text_as_parse_does(text: str) -> None:
    record = Bib(leader="00000nam a2200000 a 4500",
                 fields=(ControlField(tag="001", value="1"), ControlField(tag="005", value=text)))
    compiled, pure = values.latest_transaction(record), latest_transaction(record)
    assert (compiled, repr(compiled)) == (pure, repr(pure))
    if pure is not None:
        assert compiled is not None
        assert (compiled.digits, compiled.fraction, compiled.text) == (
            pure.digits, pure.fraction, pure.text)


@settings(max_examples=100, deadline=None)
@given(st.lists(records(), min_size=1, max_size=4), zones(), profiles)
def test_a_cache_with_the_compiled_makers_changes_no_decision(
    batch: list[Bib], bibs: InMemoryZone, profile: IntegrationProfile
) -> None:
    zone = zone_of(bibs, [profile])
    compiled, pure = DecisionCache(COMPILED), DecisionCache(PURE_MAKERS)
    for record in batch:
        made = decide(export_of(record), zone, NOW, cache=compiled)
        plain = decide(export_of(record), zone, NOW, cache=pure)
        assert (made, repr(made)) == (plain, repr(plain))
        assert decision_to_json(made) == decision_to_json(plain)


@settings(max_examples=100, deadline=None)
@given(st.lists(records(), min_size=1, max_size=4), zones(), profiles)
def test_decisions_applied_with_the_compiled_makers_leave_the_same_zone(
    batch: list[Bib], bibs: InMemoryZone, profile: IntegrationProfile
) -> None:
    """Each decision applied with its cache's groundwork (the facts made by ``Makers.facts``)
    to an overlay of its own over the same zone: the same bibs, facts and records."""
    compiled, pure = DecisionCache(COMPILED), DecisionCache(PURE_MAKERS)
    made_zone = zone_of(InMemoryZone(base=bibs, brief_rules=bibs.brief_rules), [profile])
    plain_zone = zone_of(InMemoryZone(base=bibs, brief_rules=bibs.brief_rules), [profile])
    for record in batch:
        decisions: list[Decision] = []
        for cache, zone in ((compiled, made_zone), (pure, plain_zone)):
            decision = decide(export_of(record), zone, NOW, cache=cache)
            assert isinstance(zone.bibs, InMemoryZone)
            zone.bibs.apply(decision, groundwork=cache.groundwork(decision))
            decisions.append(decision)
        assert decisions[0] == decisions[1]
        made, plain = made_zone.bibs, plain_zone.bibs
        assert isinstance(made, InMemoryZone)
        assert isinstance(plain, InMemoryZone)
        assert list(made) == list(plain)
        for mms_id in plain:
            assert (made.facts(mms_id), made.record(mms_id)) == (
                plain.facts(mms_id), plain.record(mms_id))


def test_every_maker_the_batch_hands_in_is_compiled() -> None:
    # No member of the compiled set is left at its pure default (a twin added to ``Makers``
    # but not to ``compiled_makers``).
    members = {**attrs.asdict(COMPILED, recurse=False),
               **attrs.asdict(COMPILED.loops, recurse=False)}
    del members["loops"]
    assert {name: one.__module__ for name, one in members.items()} == dict.fromkeys(
        members, values.__name__)


def test_a_batch_decides_with_the_compiled_makers_where_built() -> None:
    # ALMAMATCH_PURE unset (the compiled module imported above): the batch's cache has them.
    assert BATCH_MAKERS in (COMPILED, PURE_MAKERS)
    assert decision_cache().makers is BATCH_MAKERS
