"""The decoder's constructors (``core.record.checked_*``) make the values the public ones make.

``marc.iso2709`` builds the fields of a record it has checked without running the attrs
converters again (``object.__new__`` and the slot descriptors). For any checked input the
results must be indistinguishable from ``Subfield(...)``, ``DataField(...)``,
``ControlField(...)`` and ``Bib(...)``: equal, of the same type, with the same hash and repr, and
the same derived values (the ``Bib``'s cached properties start empty either way).

A ``DataField`` keeps its subfields as the text ISO 2709 writes after the indicators when that
text can hold them, and as a tuple otherwise; ``checked_data_fields`` is given the text. Both
forms must behave as the subfields they hold: equal exactly when the subfields are, the same
hash, ``subfields`` and ``values`` as the subfields say, ``repr`` as it always was.
"""

from __future__ import annotations

import pickle

import attrs
from hypothesis import given
from hypothesis import strategies as st

from almamatch.core.merge import MergeMethod
from almamatch.core.normalization import (
    CopyCancelledTo035z,
    NormalizationStep,
    RemoveFields,
    assign_mms_id,
    fold_003,
    fold_003_tagged,
    insert_in_tag_order,
    line_positions,
    tag_line,
)
from almamatch.core.oclc import OclcNumber, ParsedNumbers, number_reader
from almamatch.core.record import (
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
    checked_bib,
    checked_control_field,
    checked_control_fields,
    checked_data_field,
    checked_data_fields,
    checked_subfields,
)
from almamatch.core.zone import _numbers, _saved, prepare

_CHARS = st.characters(codec="utf-8") | st.sampled_from(["\udc80", "\udcff", "\x1f", " "])
_TEXT = st.text(_CHARS, max_size=12)
_CODE = st.characters(max_codepoint=0x7F)
_DATA_TAG = st.integers(10, 999).map("{:03d}".format) | st.from_regex(
    r"\A[A-Za-z][0-9A-Za-z]{2}\Z")
_CONTROL_TAG = st.integers(0, 9).map("00{}".format)
_DATA = st.tuples(_DATA_TAG, _CODE, _CODE, st.lists(st.tuples(_CODE, _TEXT), max_size=5))
# Subfields the text holds: one-character codes, neither code nor value holding 0x1F or 0x1E
# (what the decoder reads); awkward ones: any codes and values.
_TEXT_CODE = st.characters(codec="utf-8").filter(lambda code: code not in "\x1e\x1f") | (
    st.sampled_from(['"', "\\", "\x00", "\n", "\udc80", "a", "z", "9"]))
_TEXT_VALUE = st.lists(st.characters(codec="utf-8", exclude_characters="\x1e\x1f")
                       | st.sampled_from(['"', "\\", "\x1d", "\udc80", "\\u001f", "\\\\u001e"]),
                       max_size=8).map("".join)
_HELD = st.lists(st.tuples(_TEXT_CODE, _TEXT_VALUE), max_size=6)
_ANY = st.lists(st.tuples(st.text(_CHARS | st.just("\x1e"), max_size=2),
                          st.text(_CHARS | st.just("\x1e"), max_size=6)), max_size=4)
_HELD_DATA = st.tuples(_DATA_TAG, _CODE, _CODE, _HELD)


def text_of(pairs: list[tuple[str, str]]) -> str:
    """The subfields as ISO 2709 writes them after the indicators."""
    return "".join(f"\x1f{code}{value}" for code, value in pairs)


def old_repr(tag: str, first: str, second: str, pairs: list[tuple[str, str]]) -> str:
    """A data field's repr as attrs wrote it when the field kept a tuple of subfields."""
    subfields = tuple(Subfield(code, value) for code, value in pairs)
    return (f"DataField(tag={tag!r}, indicator1={first!r}, indicator2={second!r}, "
            f"subfields={subfields!r})")
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


@given(_CONTROL_TAG, _TEXT, _HELD_DATA)
def test_one_field_as_public(tag: str, value: str,
                             spec: tuple[str, str, str, list[tuple[str, str]]]) -> None:
    same(checked_control_field(tag, value), ControlField(tag, value))
    data_tag, first, second, pairs = spec
    made = checked_data_field(data_tag, first, second, text_of(pairs))
    public = DataField(data_tag, first, second, [Subfield(c, v) for c, v in pairs])
    same(made, public)
    assert made.marc_text == public.marc_text == text_of(pairs)
    assert made.subfields == public.subfields


@given(st.lists(_HELD_DATA, max_size=5))
def test_data_fields_as_public(specs: list[tuple[str, str, str, list[tuple[str, str]]]]
                               ) -> None:
    made = checked_data_fields([spec[0] for spec in specs], [spec[1] for spec in specs],
                               [spec[2] for spec in specs],
                               [text_of(pairs) for _, _, _, pairs in specs], len(specs))
    public = tuple(DataField(tag, first, second, [Subfield(c, v) for c, v in pairs])
                   for tag, first, second, pairs in specs)
    same(tuple(made), public)
    for one, other, (tag, first, second, pairs) in zip(made, public, specs, strict=True):
        assert one.marc_text == other.marc_text == text_of(pairs)
        assert one.subfields == other.subfields == tuple(Subfield(c, v) for c, v in pairs)
        assert repr(one) == old_repr(tag, first, second, pairs)
        assert one.text == other.text
        assert one.indicators == other.indicators


@given(_DATA_TAG, _CODE, _CODE, _HELD | _ANY, _HELD | _ANY)
def test_a_field_is_its_subfields_however_kept(tag: str, first: str, second: str,
                                               pairs: list[tuple[str, str]],
                                               others: list[tuple[str, str]]) -> None:
    one = DataField(tag, first, second, [Subfield(c, v) for c, v in pairs])
    again = DataField(tag=tag, indicator1=first, indicator2=second,
                      subfields=tuple(Subfield(c, v) for c, v in pairs))
    other = DataField.of(tag, first + second, *others)
    subfields = tuple(Subfield(c, v) for c, v in pairs)
    # The text holds exactly the subfields it can write unambiguously.
    held = all(len(c) == 1 and c not in "\x1e\x1f" and "\x1e" not in v and "\x1f" not in v
               for c, v in pairs)
    assert one.marc_text == (text_of(pairs) if held else None)
    assert one.subfields == subfields
    assert [sub.code for sub in one.subfields] == [c for c, _ in pairs]
    for code in {c for c, _ in pairs} | {"a", "", "\x1f", "ab"}:
        assert one.values(code) == tuple(v for c, v in pairs if c == code)
    assert (one, hash(one), repr(one)) == (again, hash(again), old_repr(tag, first, second, pairs))
    assert (one == other) is (pairs == others)
    if pairs == others:
        assert hash(one) == hash(other)
    assert DataField(tag, first, second, one.subfields) == one
    # attrs.evolve passes the field's own subfields back, however kept; match reads them.
    assert attrs.evolve(one, indicator1="9") == DataField(tag, "9", second, subfields)
    assert attrs.evolve(one, subfields=other.subfields) == DataField(tag, first, second,
                                                                     other.subfields)
    match one:
        case DataField(matched_tag, _, _, matched):
            assert (matched_tag, matched) == (tag, subfields)
    assert pickle.loads(pickle.dumps(one)) == one
    assert one.text == " ".join(f"${c} {v}" for c, v in pairs)


def test_awkward_subfields_keep_a_tuple() -> None:
    awkward = [
        [Subfield("ab", "two-character code")],
        [Subfield("", "no code")],
        [Subfield("a", "a \x1f inside")],
        [Subfield("\x1f", "the delimiter as code")],
        [Subfield("a", "x"), Subfield("\x1e", "the terminator as code")],
        [Subfield("a", "a \x1e inside")],
    ]
    for subfields in awkward:
        one = DataField("245", "1", "0", subfields)
        assert one.marc_text is None
        assert one.subfields == tuple(subfields)
        assert one == DataField("245", "1", "0", tuple(subfields))
    # Equal subfields kept either way are one field: text for the one, text for the other.
    assert DataField.of("245", "10", ("a", "x")).marc_text == "\x1fax"
    assert DataField.of("245", "10", ("a", "")).marc_text == "\x1fa"
    assert DataField.of("245", "10").marc_text == ""
    assert DataField.of("245", "10", ("a", "x")) != DataField.of("245", "10", ("ax", ""))
    # A text that is not subfields as a field keeps them is its characters, as before.
    assert DataField("245", "1", "0", "ax").subfields == ("a", "x")  # type: ignore[comparison-overlap]


@given(_LEADER, st.lists(st.tuples(_CONTROL_TAG, _TEXT), max_size=4),
       st.lists(_HELD_DATA, max_size=4))
def test_bib_as_public(leader: str, controls: list[tuple[str, str]],
                       data: list[tuple[str, str, str, list[tuple[str, str]]]]) -> None:
    fields: list[Field] = []
    fields += checked_control_fields([t for t, _ in controls], [v for _, v in controls],
                                     len(controls))
    fields += checked_data_fields(
        [spec[0] for spec in data], [spec[1] for spec in data], [spec[2] for spec in data],
        [text_of(pairs) for _, _, _, pairs in data], len(data))
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
        # Each field as its public constructor makes it anew, added fields too.
        for one in edited.fields:
            if isinstance(one, DataField):
                same(one, DataField(one.tag, one.indicator1, one.indicator2, one.subfields))
            else:
                same(one, ControlField(one.tag, one.value))


# ``prepare`` runs the named steps on the record's tags (``apply_tagged``): each must give what
# ``apply`` gives and the tags of what it gives, with or without a memo of parsed numbers. The
# copies of 019 $a go where ``insert_in_tag_order`` puts each, one after the other.
def _copied(bib: Bib) -> Bib:
    """``CopyCancelledTo035z().apply(bib)`` as the step's text says it, field by field."""
    present: set[OclcNumber] = set()
    for one in bib.data_fields("035"):
        present.update(found for text in one.values("z")
                       if (found := ParsedNumbers().number(text)) is not None)
    fields = list(bib.fields)
    for one in bib.data_fields("019"):
        for text in one.values("a"):
            number = ParsedNumbers().number(text)
            if number is not None and number not in present:
                present.add(number)
                insert_in_tag_order(fields, DataField("035", " ", " ",
                                                      [Subfield("z", str(number))]))
    return Bib(leader=bib.leader, fields=fields)


@given(edited_records(), st.booleans())
def test_the_named_steps_on_tags_make_what_they_make_on_the_record(bib: Bib, memo: bool
                                                                  ) -> None:
    numbers = ParsedNumbers() if memo else None
    tags = tag_line(bib.fields)
    copy = CopyCancelledTo035z()
    copied, copied_tags = copy.apply_tagged(bib, tags, numbers=numbers)
    assert copied == copy.apply(bib) == _copied(bib)
    # What it read of the 019 $a's, which ``prepare`` takes rather than read them again.
    read_copied, read_tags, read = copy.apply_read(bib, tags, numbers=numbers)
    assert (read_copied, read_tags) == (copied, copied_tags)
    assert [repr(one) for one in read] == [
        repr(found) for one in bib.data_fields("019") for text in one.values("a")
        if (found := ParsedNumbers().number(text)) is not None]
    assert copied_tags == "".join([one.tag + " " for one in copied.fields])
    remove = RemoveFields(("019", "935", "001"))
    kept, kept_tags = remove.apply_tagged(bib, tags)
    assert kept == remove.apply(bib) == Bib(
        leader=bib.leader, fields=[one for one in bib.fields if one.tag not in remove.tags])
    assert kept_tags == "".join([one.tag + " " for one in kept.fields])
    for edited, edited_tags in ((copied, copied_tags), (kept, kept_tags)):
        if edited_tags == tags:  # nothing changed: the very record, not a copy of it
            assert edited is bib


@given(edited_records(), st.sampled_from(["001", "003", "019", "035", "245", "950", "03", "35 "]))
def test_a_tag_line_finds_the_fields_a_list_of_tags_finds(bib: Bib, tag: str) -> None:
    """``tag_line`` and ``line_positions`` answer what a list of the tags answers, and a text
    that no tag can be (two characters, a blank) is found nowhere."""
    tags = [one.tag for one in bib.fields]
    line = tag_line(bib.fields)
    assert line == "".join([one + " " for one in tags])
    if len(tag) == 3 and " " not in tag:
        assert line_positions(line, tag) == [at for at, one in enumerate(tags) if one == tag]
    assert RemoveFields((tag,)).may_change(line) == (tag in tags)


@st.composite
def saved_records(draw: st.DrawFn) -> Bib:
    """``edited_records``, often in tag order and led by a 001 and an 003 (as OCLC sends
    them: the shape ``prepare`` saves in one walk of the 035s), sometimes with an 035 $a
    that already is the save rule's ``(OCoLC)<001>``."""
    bib = draw(edited_records())
    fields = list(bib.fields)
    if draw(st.booleans()):
        fields.sort(key=lambda one: one.tag)
    if draw(st.booleans()):
        number = draw(_NUMBERISH)
        fields[:0] = [ControlField("001", number),
                      ControlField("003", draw(st.sampled_from(["OCoLC", " OCoLC", "DLC"])))]
        if draw(st.booleans()):
            insert_in_tag_order(fields, DataField.of("035", "  ", ("a", f"(OCoLC){number}")))
    return Bib(leader=bib.leader, fields=fields)


@given(saved_records(), st.booleans())
def test_the_save_and_its_numbers_in_one_walk_are_the_two_in_turn(bib: Bib, memo: bool
                                                                  ) -> None:
    """``prepare`` folds the 003 and reads the saved record's zone numbers in one walk of the
    035s (``core.zone._saved``): the same record and numbers as ``fold_003_tagged`` and then
    ``_numbers``, with or without a memo of parsed numbers."""
    numbers = ParsedNumbers() if memo else None
    parse = number_reader(numbers)
    tags = tag_line(bib.fields)
    saved, saved_tags = fold_003_tagged(bib, tags, numbers=numbers)
    plain = (saved, *_numbers(saved, saved_tags, parse))
    walked = _saved(bib, tags, numbers, parse)
    assert walked == plain
    assert [repr(one) for one in walked[1] + walked[2]] == [
        repr(one) for one in plain[1] + plain[2]]  # the forms too, not the values alone
    # ``prepare`` reads the 019s of the record before the save, which keeps them all, in order.
    assert [one for one in saved.fields if one.tag == "019"] == [
        one for one in bib.fields if one.tag == "019"]
    assert (walked[0] is bib) == (saved is bib)
    same(walked[0], Bib(leader=saved.leader, fields=saved.fields))


@attrs.frozen
class _Rewrite019:
    """A rule step (``RuleNormalization``) that rewrites every 019 as one $a ``(OCoLC)77``."""

    name: str = "rewrite 019"

    def run(self, bib: Bib) -> tuple[Bib, tuple[str, ...]]:
        if "019" not in tag_line(bib.fields):
            return bib, ()
        return Bib(leader=bib.leader, fields=[
            DataField.of("019", "  ", ("a", "(OCoLC)77")) if one.tag == "019" else one
            for one in bib.fields]), ("019 rewritten",)


_STEPS = st.lists(st.sampled_from([CopyCancelledTo035z(), RemoveFields(("019",)),
                                   RemoveFields(("035", "003")), _Rewrite019()]),
                  max_size=3).map(tuple)


@given(saved_records(), _STEPS, st.booleans())
def test_prepare_reads_the_cancelled_019_numbers_of_the_record_it_saves(
        bib: Bib, steps: tuple[NormalizationStep, ...], memo: bool) -> None:
    """The 019 numbers ``prepare`` lists (the 019 copy hands over those it read, where no
    later step changed the record) are those of the saved record's 019 $a's, read anew: each
    value once, the first written, none among its 035 numbers."""
    prepared = prepare(bib, steps, numbers=ParsedNumbers() if memo else None)
    known = {one.value for one in prepared.active + prepared.cancelled}
    expected: dict[int, OclcNumber] = {}
    for one in prepared.record.data_fields("019"):
        for text in one.values("a"):
            found = ParsedNumbers().number(text)
            if found is not None and found.value not in known:
                expected.setdefault(found.value, found)
    assert [repr(one) for one in prepared.cancelled_019] == [
        repr(one) for one in expected.values()]
