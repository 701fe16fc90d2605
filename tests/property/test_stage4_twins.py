"""Stage 4's compiled twins (``almamatch._native.values``) against their pure definitions: the
tag line (``tag_line`` against ``core.normalization.tag_line``): the same text for every record's
fields (a tuple of ``ControlField`` and ``DataField`` values), for a list of them, for no fields,
and for fields of another class, and a record prepared with either is the same; and the parse of
an OCLC number (``parsed_or_none`` against ``core.oclc.parsed_or_none``): None for the same
texts, else the same number with the very same shared form. Skipped where the module is not
built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import ControlField, DataField, Subfield
from almamatch.cli.inputs import profile_from_path
from almamatch.core.decide import DecisionCache
from almamatch.core.normalization import tag_line
from almamatch.core.oclc import parsed_or_none
from almamatch.core.record import Bib
from almamatch.core.zone import prepare

try:
    from almamatch._native import values
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.values is not built (no C compiler at install)",
                allow_module_level=True)

from test_decide_properties import records

STEPS = profile_from_path(str(Path(__file__).resolve().parents[2] / "examples" / "profiles"
                                 / "carli.toml")).profile.normalization_steps
_CHARACTERS = "0123456789abcXYZ"
control_tags = st.sampled_from(["001", "003", "005", "008", "00A"])
data_tags = st.text(st.sampled_from(_CHARACTERS), min_size=3, max_size=3).filter(
    lambda tag: not tag.startswith("00"))
fields = st.one_of(
    st.builds(ControlField, control_tags, st.text(max_size=4)),
    st.builds(lambda tag: DataField(tag, " ", " ", [Subfield("a", "x")]), data_tags),
)


class _Tagged:
    """A value with a ``tag`` that is no field of ``core.record``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


@settings(max_examples=300, deadline=None)
@given(st.lists(fields, max_size=12))
def test_the_compiled_tag_line_is_the_pure_one(listed: list[Any]) -> None:
    for sequence in (tuple(listed), listed):
        assert values.tag_line(sequence) == tag_line(sequence)
        assert type(values.tag_line(sequence)) is str


@settings(max_examples=100, deadline=None)
@given(st.lists(fields, max_size=4), st.text(max_size=4), st.integers(0, 4))
def test_the_compiled_tag_line_leaves_other_values_to_the_pure_one(
    listed: list[Any], tag: str, at: int
) -> None:
    listed.insert(min(at, len(listed)), _Tagged(tag))
    assert values.tag_line(tuple(listed)) == tag_line(tuple(listed))


@settings(max_examples=100, deadline=None)
@given(records())
def test_a_record_is_prepared_alike_with_either_tag_line(record: Bib) -> None:
    assert values.tag_line(record.fields) == tag_line(record.fields)
    made = prepare(record, STEPS, numbers=DecisionCache().numbers, tags_of=values.tag_line)
    plain = prepare(record, STEPS, numbers=DecisionCache().numbers)
    assert (made, repr(made)) == (plain, repr(plain))


qualifiers = st.sampled_from(["", "(OCoLC)", "(ocolc)", "(OCoLC) ", " (OCoLC)", "(OCoLC-M)"])
prefixes = st.sampled_from(["", "ocm", "ocn", "on", "OCM", "oc", "o", "onm", "ocm "])
digit_runs = st.text(st.sampled_from("0123456789"), max_size=21)
tails = st.sampled_from(["", " ", "x", "\u0660", "(OCoLC)"])
oclc_like = st.builds(lambda *parts: "".join(parts), qualifiers, prefixes, digit_runs, tails)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(oclc_like, st.text(max_size=12)))
def test_the_compiled_parse_is_the_pure_one(text: str) -> None:
    compiled, pure = values.parsed_or_none(text), parsed_or_none(text)
    if pure is None:
        assert compiled is None
        return
    assert compiled is not None
    assert type(compiled) is type(pure)
    assert (compiled.value, type(compiled.value), repr(compiled)) == (
        pure.value, type(pure.value), repr(pure))
    assert compiled.form is pure.form  # the shared form, the very object
