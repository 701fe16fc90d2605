"""The decoder's constructors (``core.record.checked_*``) make the values the public ones make.

``marc.iso2709`` builds the fields of a record it has checked without running the attrs
converters again (``object.__new__`` and the slot descriptors). For any checked input the
results must be indistinguishable from ``Subfield(...)``, ``DataField(...)``,
``ControlField(...)`` and ``Bib(...)``: equal, of the same type, with the same hash and repr, and
the same derived values (the ``Bib``'s cached properties start empty either way).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from almamatch.core.merge import MergeMethod
from almamatch.core.normalization import (
    CopyCancelledTo035z,
    RemoveFields,
    assign_mms_id,
    fold_003,
)
from almamatch.core.record import (
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
    checked_bib,
    checked_control_fields,
    checked_data_fields,
    checked_subfields,
)

_CHARS = st.characters(codec="utf-8") | st.sampled_from(["\udc80", "\udcff", "\x1f", " "])
_TEXT = st.text(_CHARS, max_size=12)
_CODE = st.characters(max_codepoint=0x7F)
_DATA_TAG = st.integers(10, 999).map("{:03d}".format) | st.from_regex(
    r"\A[A-Za-z][0-9A-Za-z]{2}\Z")
_CONTROL_TAG = st.integers(0, 9).map("00{}".format)
_DATA = st.tuples(_DATA_TAG, _CODE, _CODE, st.lists(st.tuples(_CODE, _TEXT), max_size=5))
_LEADER = st.text(st.characters(max_codepoint=0x7F), min_size=24, max_size=24)


def same(made: object, public: object) -> None:
    assert type(made) is type(public)
    assert made == public
    assert public == made
    assert hash(made) == hash(public)
    assert repr(made) == repr(public)


@given(st.lists(st.tuples(_CODE, _TEXT), max_size=8))
def test_subfields_as_public(pairs: list[tuple[str, str]]) -> None:
    made = checked_subfields([code for code, _ in pairs], [value for _, value in pairs],
                             len(pairs))
    same(made, tuple(Subfield(code, value) for code, value in pairs))


@given(st.lists(st.tuples(_CONTROL_TAG, _TEXT), max_size=5))
def test_control_fields_as_public(pairs: list[tuple[str, str]]) -> None:
    made = checked_control_fields([tag for tag, _ in pairs], [value for _, value in pairs],
                                  len(pairs))
    assert isinstance(made, list)
    same(tuple(made), tuple(ControlField(tag, value) for tag, value in pairs))


@given(st.lists(_DATA, max_size=5))
def test_data_fields_as_public(specs: list[tuple[str, str, str, list[tuple[str, str]]]]
                               ) -> None:
    groups = [checked_subfields([c for c, _ in pairs], [v for _, v in pairs], len(pairs))
              for _, _, _, pairs in specs]
    made = checked_data_fields([spec[0] for spec in specs], [spec[1] for spec in specs],
                               [spec[2] for spec in specs], groups, len(specs))
    public = tuple(DataField(tag, first, second, [Subfield(c, v) for c, v in pairs])
                   for tag, first, second, pairs in specs)
    same(tuple(made), public)
    for one, other in zip(made, public, strict=True):
        assert one.text == other.text
        assert one.indicators == other.indicators


@given(_LEADER, st.lists(st.tuples(_CONTROL_TAG, _TEXT), max_size=4), st.lists(_DATA, max_size=4))
def test_bib_as_public(leader: str, controls: list[tuple[str, str]],
                       data: list[tuple[str, str, str, list[tuple[str, str]]]]) -> None:
    fields: list[Field] = []
    fields += checked_control_fields([t for t, _ in controls], [v for _, v in controls],
                                     len(controls))
    fields += checked_data_fields(
        [spec[0] for spec in data], [spec[1] for spec in data], [spec[2] for spec in data],
        [checked_subfields([c for c, _ in pairs], [v for _, v in pairs], len(pairs))
         for _, _, _, pairs in data], len(data))
    made = checked_bib(leader, tuple(fields))
    public = Bib(leader=leader, fields=[
        *(ControlField(tag, value) for tag, value in controls),
        *(DataField(tag, first, second, [Subfield(c, v) for c, v in pairs])
          for tag, first, second, pairs in data)])
    same(made, public)
    assert made.lines() == public.lines()
    assert made.oclc_numbers == public.oclc_numbers
    assert made.diagnostics == public.diagnostics
    assert made.latest_transaction == public.latest_transaction
    assert made.with_fields(made.fields) == public


# The core's own edits of a record build it with ``checked_bib`` (normalization's named steps,
# the save rule, the MMS ID, a merge): each result must be what the checking constructor makes
# of the same leader and fields, for records dense in the tags those edits touch.
_EDITED_TAGS = st.sampled_from(["001", "003", "005", "008", "019", "035", "245", "936", "950"])
_NUMBERISH = st.sampled_from(["(OCoLC)12", "ocm00000012", "12", "(DLC)5", " OCoLC", "x", ""])


@st.composite
def edited_records(draw: st.DrawFn) -> Bib:
    fields: list[Field] = []
    for tag in draw(st.lists(_EDITED_TAGS, max_size=8)):
        if tag.startswith("00"):
            fields.append(ControlField(tag, draw(_NUMBERISH)))
        else:
            pairs = draw(st.lists(st.tuples(st.sampled_from("az9"), _NUMBERISH), max_size=3))
            fields.append(DataField(tag, " ", " ", [Subfield(c, v) for c, v in pairs]))
    return Bib(leader=draw(_LEADER), fields=fields)


@given(edited_records(), edited_records())
def test_the_cores_edits_make_what_the_checking_constructor_makes(
    existing: Bib, incoming: Bib
) -> None:
    edits = [
        CopyCancelledTo035z().apply(incoming),
        RemoveFields(("019", "935", "001")).apply(incoming),
        fold_003(incoming),
        assign_mms_id(incoming, "991234"),
        *(MergeMethod.preset(name).apply(existing, incoming)
          for name in MergeMethod.preset_names()),
    ]
    for edited in edits:
        same(edited, Bib(leader=edited.leader, fields=edited.fields))
