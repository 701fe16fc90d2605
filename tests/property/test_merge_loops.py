"""The compiled merge loops (``almamatch._native.values``: ``selected_known``, ``kept_known``,
``in_tag_order``, ``checked_bib``) against their pure twins (``core.merge``'s and
``core.record.checked_bib``, ``PURE_LOOPS``): the same fields,
the very objects, in the same order, for every rule and record; the same ``KeyError`` for a tag
a rule has not seen; the same order for any list of fields (more than the stack buffers hold,
odd tags, values that are not fields); and a merge whose plans were handed the compiled loops
(as a batch's, ``decision_cache``) is the merge the pure loops give. Skipped where the module is
not built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core import Bib, ControlField, DataField
from almamatch.core.merge import (
    PURE_LOOPS,
    HasSubfield,
    Indicators,
    LocalExtension,
    MergeLoops,
    MergeMethod,
    MergePlans,
    _every,
    in_tag_order,
    kept_known,
    selected_known,
)
from almamatch.core.record import checked_bib
from almamatch.parallel.batch import BATCH_MAKERS, decision_cache

try:
    from almamatch._native import values
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.values is not built (no C compiler at install)",
                allow_module_level=True)

from test_merge_properties import (
    any_tag_fields,
    bibs,
    control_fields,
    data_fields,
    every_method,
    local_marks,
    marked,
    merged_field_by_field,
    subfields,
)

COMPILED = MergeLoops(selected=values.selected_known, kept=values.kept_known,
                      order=values.in_tag_order, bib=values.checked_bib)
Field = ControlField | DataField
fields = st.one_of(control_fields, data_fields, any_tag_fields, local_marks)
odd_tag_fields = st.builds(
    DataField,
    st.sampled_from(["abc", "ABC", "zz9", "0a0", "9A9", "100", "00a", "Zzz"]),
    st.sampled_from(" 9"),
    st.sampled_from(" 9"),
    subfields,
)
many = st.lists(st.one_of(fields, odd_tag_fields), max_size=150)


def same(left: Sequence[object], right: Sequence[object]) -> bool:
    """The very same objects, in the same order."""
    return len(left) == len(right) and all(a is b for a, b in zip(left, right, strict=True))


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=every_method, existing=st.one_of(marked, bibs), incoming=st.one_of(marked, bibs))
def test_a_merge_with_the_compiled_loops_is_the_pure_merge(
    method: MergeMethod, existing: Bib, incoming: Bib
) -> None:
    expected = method.apply(existing, incoming, MergePlans(method, PURE_LOOPS))
    merged = method.apply(existing, incoming, MergePlans(method, COMPILED))
    assert merged == expected == merged_field_by_field(method, existing, incoming)
    assert same(merged.fields, expected.fields)


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=every_method, records=st.lists(st.tuples(st.one_of(marked, bibs),
                                                       st.one_of(marked, bibs)), max_size=4),
       tuples=st.booleans())
def test_each_walk_of_each_rule_is_the_pure_walk(
    method: MergeMethod, records: list[tuple[Bib, Bib]], tuples: bool
) -> None:
    plans = MergePlans(method)
    for existing, incoming in records:
        for number in range(len(method.rules)):
            by_tag = plans.of_rule(number)
            for record in (existing, incoming):
                given = tuple(record.fields) if tuples else list(record.fields)
                for pure, compiled in ((selected_known, values.selected_known),
                                       (kept_known, values.kept_known)):
                    unseen = [one.tag for one in given if one.tag not in by_tag.known]
                    if unseen:  # a tag the rule has not seen: the first one's KeyError
                        for walk in (pure, compiled):
                            with pytest.raises(KeyError) as raised:
                                walk(by_tag.known, given)
                            assert raised.value.args == (unseen[0],)
                        by_tag.learn(given)
                    expected = pure(by_tag.known, given)
                    assert same(compiled(by_tag.known, given), expected)


@given(many=many, numeric=st.booleans())
def test_the_compiled_order_is_the_pure_order(many: list[Field], numeric: bool) -> None:
    expected, ordered = list(many), list(many)
    in_tag_order(expected, numeric)
    values.in_tag_order(ordered, numeric)
    assert same(ordered, expected)


@given(record=st.one_of(marked, bibs))
def test_the_compiled_bib_is_the_pure_bib(record: Bib) -> None:
    made = values.checked_bib(record.leader, record.fields)
    assert type(made) is Bib
    assert made == checked_bib(record.leader, record.fields) == record
    assert made.leader is record.leader
    assert made.fields is record.fields
    assert hash(made) == hash(record)
    assert repr(made) == repr(record)


class Tagged:
    """A value with a tag that is not a field's: the compiled loops read it as the pure ones."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


@given(tags=st.lists(st.sampled_from(["245", "035", "1234", "A", "9xx", "001", "٣٣٣"]),
                     max_size=20),
       numeric=st.booleans())
def test_values_that_are_not_fields_are_read_as_the_pure_loops_read_them(
    tags: list[str], numeric: bool
) -> None:
    many = [Tagged(tag) for tag in tags]
    expected, ordered = list(many), list(many)
    in_tag_order(expected, numeric)  # type: ignore[arg-type]
    values.in_tag_order(ordered, numeric)  # type: ignore[arg-type]
    assert same(ordered, expected)
    known = {tag: _every if tag < "5" else None for tag in tags}
    for pure, compiled in ((selected_known, values.selected_known),
                           (kept_known, values.kept_known)):
        assert same(compiled(known, many), pure(known, many))  # type: ignore[arg-type]


def test_a_batch_merges_with_the_compiled_loops() -> None:
    assert BATCH_MAKERS.loops in (COMPILED, PURE_LOOPS)
    method = MergeMethod.preset("Overlay all fields but local")
    assert decision_cache().merge_plans(method).loops is BATCH_MAKERS.loops


@pytest.mark.parametrize("count", [63, 64, 65, 300])
def test_long_lists_are_ordered_as_the_pure_order(count: int) -> None:
    """Past the stack buffers (64 fields) the compiled order sorts in memory it takes."""
    tags = ["999", "035", "001", "a10", "245", "09A", "005", "650", "035"]
    many: list[Field] = [
        ControlField(tag, str(at)) if tag.startswith("00")
        else DataField.of(tag, "  ", ("a", str(at)))
        for at, tag in ((at, tags[at * 7 % len(tags)]) for at in range(count))]
    for numeric in (False, True):
        expected, ordered = list(many), list(many)
        in_tag_order(expected, numeric)
        values.in_tag_order(ordered, numeric)
        assert same(ordered, expected)


conditions = st.one_of(
    st.just(LocalExtension()),
    st.builds(Indicators, first=st.sampled_from([None, " ", "9", "0"]),
              second=st.sampled_from([None, " ", "9"]), tag=st.sampled_from([None, "035"])),
    st.builds(HasSubfield, code=st.sampled_from("a9"), contains=st.sampled_from(["LOCAL", "x"])),
)


@given(condition=conditions, many=st.lists(fields, max_size=20), tuples=st.booleans())
def test_a_condition_read_in_the_compiled_walks_is_its_own_test(
    condition: LocalExtension | Indicators | HasSubfield, many: list[Field], tuples: bool
) -> None:
    """The compiled walks read the tests of ``LocalExtension`` and ``Indicators`` of a data
    field themselves (and call any other): each field as ``holds_in_scope`` tells it."""
    test = cast("Callable[[Field], bool]", condition.holds_in_scope)  # for data fields alone
    known: dict[str, Callable[[Field], bool] | None] = {
        one.tag: test if isinstance(one, DataField) else _every for one in many}
    given = tuple(many) if tuples else many
    for pure, compiled in ((selected_known, values.selected_known),
                           (kept_known, values.kept_known)):
        assert same(compiled(known, given), pure(known, given))
