"""Properties of merge methods over generated records and real corpus records.

"Overlay all fields but local" never loses a local field and keeps the existing 001; "Keep only
old value" returns the existing fields; apply is deterministic; merged fields are in tag order;
rule text written by ``format_merge_rule`` parses back to the same method; a merge given only
the existing fields ``MergePlans.read_positions`` names merges as given the whole record.
"""

from __future__ import annotations

from itertools import pairwise
from operator import attrgetter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import rules as rule_text
from almamatch.core import Bib, ControlField, DataField, Subfield
from almamatch.core.merge import (
    HasSubfield,
    Indicators,
    LocalExtension,
    MergeAction,
    MergeMethod,
    MergePlans,
    MergeRule,
    TagPattern,
    _every,
    _leaves,
    _passes,
)
from almamatch.rules.merge import compile_merge, format_merge_rule, parse_merge_rule
from corpus_files import corpus_bibs

REAL = corpus_bibs("folio_test1_err.mrc", 20) + corpus_bibs(
    "marc4j_pride-and-prejudice-fixed.mrc", 20
)

LEADER = "00000nam a2200000 i 4500"
control_fields = st.builds(
    ControlField,
    st.sampled_from(["001", "003", "005", "008"]),
    st.text(alphabet="0123456789ocmn", max_size=12),
)
subfields = st.lists(
    st.builds(
        Subfield,
        st.sampled_from("a9bz"),
        st.sampled_from(["(OCoLC)123", "LOCAL", "local", "x", "ADM6157", ""]),
    ),
    min_size=1,
    max_size=3,
)
data_fields = st.builds(
    DataField,
    st.sampled_from(["020", "035", "090", "245", "500", "590", "650", "690", "949", "979", "999"]),
    st.sampled_from(" 9"),
    st.sampled_from(" 09"),
    subfields,
)
generated = st.builds(
    Bib,
    leader=st.just(LEADER),
    fields=st.lists(st.one_of(control_fields, data_fields), max_size=12),
)
bibs = st.one_of(generated, st.sampled_from(REAL))
OVERLAY = MergeMethod.preset("Overlay all fields but local")
KEEP = MergeMethod.preset("Keep only old value")


def is_local(one: ControlField | DataField) -> bool:
    """A field "Overlay all fields but local" must keep: 9XX, $9 LOCAL, 035 first indicator 9."""
    if one.tag.startswith("9") or LocalExtension().holds(one):
        return True
    return isinstance(one, DataField) and one.tag == "035" and one.indicators == "9 "


@given(existing=bibs, incoming=bibs)
def test_overlay_never_loses_a_local_field(existing: Bib, incoming: Bib) -> None:
    merged = OVERLAY.apply(existing, incoming)
    kept = list(merged.fields)
    for one in existing.fields:
        if is_local(one):
            kept.remove(one)  # raises if lost: every copy of a local field is kept
    assert merged.get_fields("001") == existing.get_fields("001")


@given(existing=bibs, incoming=bibs)
def test_keep_only_old_value_returns_the_existing_fields(existing: Bib, incoming: Bib) -> None:
    merged = KEEP.apply(existing, incoming)
    assert sorted(merged.fields, key=repr) == sorted(existing.fields, key=repr)
    assert merged.leader == existing.leader


patterns = st.sampled_from(["LDR", "035", "245", "0XX", "9XX", "59X", "6XX"]).map(TagPattern)
conditions = st.one_of(
    st.builds(
        HasSubfield,
        code=st.sampled_from("a9"),
        contains=st.sampled_from(["OCoLC", "LOCAL", "ADM"]),
        tag=st.sampled_from(["035", "590", "950"]),
    ),
    st.builds(
        Indicators,
        first=st.sampled_from(" 9"),
        second=st.sampled_from(" 9"),
        tag=st.sampled_from(["035", "650"]),
    ),
)
rules = st.builds(
    MergeRule,
    action=st.sampled_from(MergeAction),
    pattern=patterns,
    excluding=st.lists(st.sampled_from(["001", "035", "979", "99X"]), max_size=2),
    when=st.lists(conditions, max_size=2),
    unless=st.lists(conditions, max_size=1),
)
methods = st.one_of(
    st.sampled_from([MergeMethod.preset(name) for name in MergeMethod.preset_names()]),
    st.builds(
        MergeMethod,
        name=st.text(alphabet="ABCabc 0123()-", min_size=1, max_size=20),
        rules=st.lists(rules, max_size=6),
    ),
)


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=methods, existing=bibs, incoming=bibs)
def test_apply_is_deterministic_and_in_tag_order(
    method: MergeMethod, existing: Bib, incoming: Bib
) -> None:
    merged = method.apply(existing, incoming)
    assert merged == method.apply(existing, incoming)
    tags = [one.tag for one in merged.fields]
    assert tags == sorted(tags)


@settings(max_examples=200)
@given(method=methods.filter(lambda m: not any(r.pattern.text == "*" for r in m.rules)))
def test_rule_text_reads_back(method: MergeMethod) -> None:
    assert parse_merge_rule(format_merge_rule(method)) == method


# -- a merge reads only the existing fields ``MergePlans.read_positions`` names ------------------
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ALMA_RULES = FIXTURES / "alma-rules"
ORBIS_RULE = FIXTURES / "merge" / "orbis-oca-bib-overlay.rule"
RULE_FILE_METHODS = [
    *(compile_merge(rule_text.parse(path.read_text(encoding="utf-8"))).method
      for path in sorted(ALMA_RULES.glob("merge__*.txt"))),
    parse_merge_rule(ORBIS_RULE.read_text(encoding="utf-8")),
]
PRESETS = [MergeMethod.preset(name) for name in MergeMethod.preset_names()]
any_tag_fields = st.builds(
    DataField,
    st.sampled_from(["035", "245", "590", "650", "950", "979", "LDR", "a10", "09A", "5X0"]),
    st.sampled_from(" 9"),
    st.sampled_from(" 9"),
    subfields,
)
varied = st.builds(
    Bib,
    leader=st.sampled_from([LEADER, "00000cam a2200000 a 4500"]),
    fields=st.lists(st.one_of(control_fields, data_fields, any_tag_fields), max_size=14),
)
rules_with_primary = st.builds(
    MergeRule,
    action=st.sampled_from(MergeAction),
    pattern=patterns | st.just(TagPattern("*")),
    excluding=st.lists(st.sampled_from(["001", "035", "979", "99X"]), max_size=2),
    when=st.lists(conditions | st.just(LocalExtension()), max_size=2),
    unless=st.lists(conditions | st.just(LocalExtension()), max_size=1),
    primary=st.sampled_from([None, None, True, False]),
)


def overlay(rule: MergeRule, leader: bool, primary: bool | None) -> MergeMethod:
    """A remove and an add of the same fields, as "Overlay all fields but local" is (``apply``
    adds without looking for equal fields there), the leader's rule between them or not."""
    remove = MergeRule(action=MergeAction.REMOVE, pattern=rule.pattern, excluding=rule.excluding,
                       when=rule.when, unless=rule.unless)
    add = MergeRule(action=MergeAction.ADD, pattern=rule.pattern, excluding=rule.excluding,
                    when=rule.when, unless=rule.unless, primary=primary)
    between = [MergeRule(action=MergeAction.REPLACE, pattern="LDR")] if leader else []
    return MergeMethod(name="overlay", rules=[remove, *between, add])


overlays = st.builds(overlay, rules_with_primary, st.booleans(),
                     st.sampled_from([None, None, True, False]))
every_method = st.one_of(
    st.sampled_from(PRESETS + RULE_FILE_METHODS),
    st.builds(MergeMethod, name=st.just("generated"), rules=st.lists(rules_with_primary,
                                                                     max_size=6)),
    overlays,
)


def read_only(method: MergeMethod, existing: Bib, incoming: Bib) -> Bib:
    """The existing record with only the fields a merge of ``incoming`` reads (in order)."""
    positions = MergePlans(method).read_positions([one.tag for one in existing.fields], incoming)
    assert positions == sorted(set(positions))
    return existing.with_fields([existing.fields[at] for at in positions])


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=every_method, existing=st.one_of(varied, bibs), incoming=st.one_of(varied, bibs))
def test_a_merge_of_the_fields_it_reads_is_the_merge_of_the_whole_record(
    method: MergeMethod, existing: Bib, incoming: Bib
) -> None:
    plans = MergePlans(method)  # one owner for both merges, as a batch keeps one per method
    assert method.apply(read_only(method, existing, incoming), incoming, plans) == method.apply(
        existing, incoming, plans)


@pytest.mark.parametrize("method", PRESETS + RULE_FILE_METHODS, ids=attrgetter("name"))
def test_the_merge_of_the_fields_it_reads_on_corpus_records(method: MergeMethod) -> None:
    for existing, incoming in pairwise(REAL[::4]):
        assert method.apply(read_only(method, existing, incoming), incoming) == method.apply(
            existing, incoming)


@settings(deadline=None)
@given(method=every_method, existing=st.one_of(varied, bibs), incoming=st.one_of(varied, bibs))
def test_a_reader_gives_the_positions_read(method: MergeMethod, existing: Bib,
                                           incoming: Bib) -> None:
    """``MergePlans.reader``: called, ``read_positions``; a table, the tags it holds as True
    are those read (what ``marc.iso2709.decode_part`` may look up instead of calling it)."""
    plans = MergePlans(method)
    tags = [one.tag for one in existing.fields]
    positions = plans.read_positions(tags, incoming)
    reader = plans.reader(incoming)
    assert reader(tags) == positions
    if isinstance(reader, dict):
        assert all(type(value) is bool for value in reader.values())
        assert [at for at, tag in enumerate(tags) if reader[tag]] == positions
        assert MergePlans(method).reader(incoming)(tags) == positions  # from an empty table
        # Its marks (what ``marcread`` reads): each tag of three ASCII digits as held, by number.
        marks = reader.marks
        digits = {tag: value for tag, value in reader.items()
                  if len(tag) == 3 and tag.isascii() and tag.isdigit()}
        assert {f"{number:03d}": mark == 1 for number, mark in enumerate(marks) if mark} == digits
        assert set(marks) <= {0, 1, 2}


def test_overlay_reads_001_035_local_extensions_and_9xx_alone() -> None:
    existing = Bib(leader=LEADER, fields=[
        ControlField("001", "991"), ControlField("005", "20200101000000.0"),
        DataField.of("035", "  ", ("a", "(OCoLC)1")), DataField.of("090", "  ", ("a", "QA1")),
        DataField.of("245", "10", ("a", "Title")), DataField.of("596", "  ", ("a", "1")),
        DataField.of("650", " 0", ("a", "Topic")), DataField.of("949", "  ", ("a", "x")),
    ])
    assert MergePlans(OVERLAY).read_positions([one.tag for one in existing.fields],
                                              existing) == [0, 2, 3, 5, 7]
    assert MergePlans(KEEP).read_positions(["001", "245"], existing) == [0, 1]


def test_a_replace_leaves_the_existing_fields_unread_only_when_the_incoming_has_some() -> None:
    replace = MergeMethod.preset("Replace 245 and 035")
    with_245 = Bib(leader=LEADER, fields=[DataField.of("245", "10", ("a", "New"))])
    without = Bib(leader=LEADER, fields=[DataField.of("500", "  ", ("a", "Note"))])
    tags = ["001", "035", "245", "500"]
    assert MergePlans(replace).read_positions(tags, with_245) == [0, 1, 3]
    assert MergePlans(replace).read_positions(tags, without) == [0, 1, 2, 3]


def test_a_field_a_condition_tests_before_its_tag_is_removed_is_read() -> None:
    # "add * if exists unless local": whether it runs turns on the 590 (not local here), which
    # the next rule removes; the 590 must be read, or the 245 would not be added.
    method = MergeMethod(name="tested, then removed", rules=[
        MergeRule(action=MergeAction.ADD, pattern="*", unless=[LocalExtension()], primary=True),
        MergeRule(action=MergeAction.REMOVE, pattern="59X"),
    ])
    existing = Bib(leader=LEADER, fields=[DataField.of("590", "  ", ("a", "x"))])
    incoming = Bib(leader=LEADER, fields=[DataField.of("245", "10", ("a", "T"))])
    assert MergePlans(method).read_positions(["590"], incoming) == [0]
    merged = method.apply(read_only(method, existing, incoming), incoming)
    assert merged.get_fields("245") == incoming.fields


# -- apply against the rules read field by field ---------------------------------------------
def holds(condition: HasSubfield | Indicators | LocalExtension,
          one: ControlField | DataField) -> bool:
    """A condition on one field; a local extension read as S21 states it, apart from the
    module's own test: 09X, 59X, 69X or 9XX with a $9 that is ``LOCAL`` in any case."""
    if isinstance(condition, LocalExtension):
        return isinstance(one, DataField) and (
            one.tag[:2] in ("09", "59", "69") or one.tag[0] == "9") and any(
            sub.code == "9" and sub.value.strip().upper() == "LOCAL" for sub in one.subfields)
    return condition.holds(one)


def selects(rule: MergeRule, one: ControlField | DataField) -> bool:
    """The rule's test of one field, as ``MergeRule`` documents it, with no plan per tag."""
    return (rule.pattern.matches(one.tag)
            and not any(pattern.matches(one.tag) for pattern in rule.excluding)
            and all(holds(condition, one) for condition in rule.when)
            and not any(holds(condition, one) for condition in rule.unless))


def merged_field_by_field(method: MergeMethod, existing: Bib, incoming: Bib) -> Bib:
    """The merge as the module's docstring states it, each rule asking of each field anew."""
    leader, result = existing.leader, list(existing.fields)
    for rule in method.rules:
        if rule.pattern.text == "LDR":
            if rule.action is not MergeAction.REMOVE:
                leader = incoming.leader
            continue
        if rule.primary is not None and (
                any(selects(rule, one) for one in result) is not rule.primary):
            continue
        taken = ([] if rule.action is MergeAction.REMOVE
                 else [one for one in incoming.fields if selects(rule, one)])
        if rule.action is MergeAction.REMOVE or (rule.action is MergeAction.REPLACE and taken):
            result = [one for one in result if not selects(rule, one)]
        before = list(result)
        for one in taken:  # not again a field already there, nor a second 001/003/005/008
            if any(one.tag == there.tag and (one.tag in ("001", "003", "005", "008")
                                             or one == there) for there in before):
                continue
            result.append(one)
    result.sort(key=lambda one: (not one.tag.isdigit(), one.tag))
    return Bib(leader=leader, fields=result)


local_marks = st.builds(
    DataField,
    st.sampled_from(["035", "090", "245", "590", "690", "949"]),
    st.sampled_from(" 9"),
    st.sampled_from(" 9"),
    st.lists(st.builds(Subfield, st.sampled_from("a9"),
                       st.sampled_from(["LOCAL", " local ", "x", "LOCALS", ""])),
             min_size=1, max_size=3),
)
marked = st.builds(
    Bib,
    leader=st.sampled_from([LEADER, "00000cam a2200000 a 4500"]),
    fields=st.lists(st.one_of(control_fields, data_fields, any_tag_fields, local_marks),
                    max_size=14),
)


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=every_method, existing=st.one_of(marked, bibs), incoming=st.one_of(marked, bibs))
def test_apply_is_the_rules_read_field_by_field(
    method: MergeMethod, existing: Bib, incoming: Bib
) -> None:
    plans = MergePlans(method)  # kept across merges, as a batch keeps it
    expected = merged_field_by_field(method, existing, incoming)
    assert method.apply(existing, incoming, plans) == expected
    assert method.apply(existing, incoming) == expected


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=every_method, records=st.lists(st.tuples(st.one_of(marked, bibs),
                                                       st.one_of(marked, bibs)), max_size=4))
def test_plans_kept_across_merges_merge_as_fresh_ones(
    method: MergeMethod, records: list[tuple[Bib, Bib]]
) -> None:
    """A batch keeps one ``MergePlans`` for its run: what it learned of the tags of earlier
    records (a tag that is not numeric among them) changes no later merge."""
    plans = MergePlans(method)
    for existing, incoming in records:
        assert method.apply(existing, incoming, plans) == merged_field_by_field(
            method, existing, incoming)


@pytest.mark.parametrize("unless", [True, False])
def test_a_remove_and_an_add_of_the_same_fields_of_001_and_005(unless: bool) -> None:
    # A condition never holds for a control field: "unless" selects every 001 and 005 (the
    # incoming's replace the existing's), "when" none (the existing's stay, alone).
    condition = [Indicators(first="9")]
    rule = (MergeRule(action=MergeAction.ADD, pattern="00X", unless=condition) if unless
            else MergeRule(action=MergeAction.ADD, pattern="00X", when=condition))
    method = overlay(rule, leader=False, primary=None)
    existing = Bib(leader=LEADER, fields=[ControlField("001", "1"), ControlField("005", "a")])
    incoming = Bib(leader=LEADER, fields=[ControlField("001", "2"), ControlField("005", "b")])
    merged = method.apply(existing, incoming)
    assert merged == merged_field_by_field(method, existing, incoming)
    assert merged.fields == (incoming if unless else existing).fields


@given(method=every_method, one=st.one_of(local_marks, data_fields, any_tag_fields,
                                          control_fields))
def test_how_a_plan_tells_a_field_is_passes(method: MergeMethod,
                                            one: ControlField | DataField) -> None:
    """``_leaves``, what a merge reads per field, answers as ``_passes`` of the same plan."""
    for rule in method.rules:
        plan = rule.plan(one.tag)
        leaves = _leaves(plan, isinstance(one, DataField))
        if plan is None:
            assert leaves is None
            continue
        selected = leaves is _every or (leaves is not None and leaves(one) is False)
        assert selected is _passes(plan, one)
        assert rule.selects(one) is _passes(plan, one)


@given(one=st.one_of(local_marks, data_fields, any_tag_fields, control_fields))
def test_a_local_extension_is_a_local_tag_with_a_local_mark(
    one: ControlField | DataField
) -> None:
    assert LocalExtension().holds(one) is holds(LocalExtension(), one)
