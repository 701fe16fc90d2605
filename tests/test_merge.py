"""Merge methods on real records: the three presets of PALS's list (S36) and their building blocks.

Each table row names an existing bib (as Alma holds it) and an incoming record (as OCLC exports
it), both real records from ``shared/corpus``, and what the merged record must hold.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from attrs import evolve

from almamatch.core import Bib, ControlField, DataField
from almamatch.core.merge import (
    HasSubfield,
    Indicators,
    InvalidMergeRule,
    LocalExtension,
    MergeAction,
    MergeMethod,
    MergeRule,
    TagPattern,
    UnknownMergeMethod,
)
from corpus_files import corpus_bibs

FOLIO = corpus_bibs("folio_test1_err.mrc")
PRIDE = corpus_bibs("marc4j_pride-and-prejudice-fixed.mrc")
UVA = corpus_bibs("solrmarc_uva_001_2000.mrc", 40)


def without_tags(bib: Bib, *prefixes: str) -> Bib:
    """The record as OCLC would export it: no local fields with these tag prefixes."""
    return bib.with_fields(f for f in bib.fields if not f.tag.startswith(prefixes))


def tags(bib: Bib, prefix: str) -> list[ControlField | DataField]:
    return [f for f in bib.fields if f.tag.startswith(prefix)]


def in_tag_order(fields: Iterable[ControlField | DataField]) -> list[ControlField | DataField]:
    """Fields sorted by tag, same-tag fields in their order: how the merged record is saved."""
    return sorted(fields, key=lambda f: f.tag)


LOCAL_590 = DataField.of("590", "  ", ("a", "Library copy signed by the author."), ("9", "LOCAL"))
LOCAL_035 = DataField.of("035", "9 ", ("a", "ADM6157"))
OVERLAY = MergeMethod.preset("Overlay all fields but local")
KEEP = MergeMethod.preset("Keep only old value")
REPLACE_245_035 = MergeMethod.preset("Replace 245 and 035")


def tag_order(bib: Bib) -> list[str]:
    return [f.tag for f in bib.fields]


# -- presets --------------------------------------------------------------------------------------


def test_preset_names_in_pals_order() -> None:
    assert MergeMethod.preset_names() == (
        "Overlay all fields but local",
        "Keep only old value",
        "Replace 245 and 035",
    )


@pytest.mark.parametrize(
    "name",
    ["Overlay all fields but local", "overlay ALL fields  but local", " Keep only old value "],
)
def test_preset_lookup_ignores_case_and_blanks(name: str) -> None:
    assert MergeMethod.preset(name).name.lower() == " ".join(name.lower().split())


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(UnknownMergeMethod, match="Overlay all fields but local") as caught:
        MergeMethod.preset("Conditional Subject headings")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, KeyError)
    assert caught.value.text == "Conditional Subject headings"


# (existing bib, incoming record) pairs from the corpus. The existing bibs carry their libraries'
# 9XX fields; a 590 local extension and an 035 with first indicator 9 are added to some of them,
# as Alma holds them; the incoming records are real records without 9XX, as OCLC exports them.
OVERLAY_CASES = [
    pytest.param(FOLIO[1], without_tags(FOLIO[1], "9"), id="folio-1-same-title"),
    pytest.param(
        FOLIO[1].with_fields((*FOLIO[1].fields, LOCAL_590, LOCAL_035)),
        without_tags(FOLIO[2], "9"),
        id="folio-1-local-590-and-035-9",
    ),
    pytest.param(PRIDE[4], without_tags(PRIDE[5], "9"), id="pride-4-own-035-9"),
    pytest.param(UVA[0], without_tags(UVA[1], "9"), id="uva-0-uva-1"),
    pytest.param(FOLIO[0], without_tags(UVA[3], "9"), id="folio-0-uva-3"),
]


@pytest.mark.parametrize(("existing", "incoming"), OVERLAY_CASES)
def test_overlay_all_fields_but_local(existing: Bib, incoming: Bib) -> None:
    merged = OVERLAY.apply(existing, incoming)
    # "overlays all fields except 001 and 9XX fields" (PALS, S36)
    assert merged.get_fields("001") == existing.get_fields("001")
    assert tags(merged, "9") == in_tag_order(tags(existing, "9"))
    assert merged.leader == incoming.leader
    assert merged.data_fields("245") == incoming.data_fields("245")
    # "replaces 035 ... unless the first indicator is nine and the second indicator is blank"
    kept_035: list[ControlField | DataField] = [
        f for f in existing.data_fields("035") if f.indicators == "9 "
    ]
    assert list(merged.data_fields("035")) == kept_035 + list(incoming.data_fields("035"))
    # local extensions ($9 LOCAL) stay; every other non-9XX field is the incoming one.
    local = [f for f in existing.fields if LocalExtension().holds(f)]
    assert all(f in merged.fields for f in local)
    rest = [f for f in merged.fields if f.tag not in ("001",) and not f.tag.startswith("9")]
    expected_rest = [f for f in incoming.fields if f.tag != "001" and not f.tag.startswith("9")]
    assert sorted(map(repr, rest)) == sorted(map(repr, expected_rest + local + kept_035))
    assert tag_order(merged) == sorted(tag_order(merged))


def test_overlay_keeps_local_035_of_a_real_record() -> None:
    # PRIDE[4] carries "035 9_ $a ADM6157" as its library's local system number.
    existing, incoming = PRIDE[4], without_tags(FOLIO[1], "9")
    merged = OVERLAY.apply(existing, incoming)
    assert DataField.of("035", "9 ", ("a", "ADM6157")) in merged.data_fields("035")
    assert DataField.of("035", "  ", ("a", "(CaOTUIC)71265649")) not in merged.fields


def test_overlay_does_not_take_incoming_local_fields() -> None:
    existing = without_tags(FOLIO[1], "9")
    incoming = FOLIO[1].with_fields((*FOLIO[1].fields, LOCAL_590))
    merged = OVERLAY.apply(existing, incoming)
    assert tags(merged, "9") == []
    assert LOCAL_590 not in merged.fields


@pytest.mark.parametrize(
    ("existing", "incoming"),
    [(FOLIO[1], FOLIO[2]), (PRIDE[4], UVA[0]), (UVA[2], Bib(leader=UVA[3].leader))],
    ids=["folio", "pride-uva", "empty-incoming"],
)
def test_keep_only_old_value(existing: Bib, incoming: Bib) -> None:
    # "Keep only old value - Keeps all MARC fields in the Alma record." (PALS, S36)
    merged = KEEP.apply(existing, incoming)
    assert merged.leader == existing.leader
    assert list(merged.fields) == in_tag_order(existing.fields)


@pytest.mark.parametrize(
    ("existing", "incoming", "expected_245_from", "expected_035_from"),
    [
        (FOLIO[1], FOLIO[2], "incoming", "incoming"),
        # FOLIO[0] has an 035 but UVA has no... every UVA record has 035s and a 245.
        (FOLIO[0], UVA[0], "incoming", "incoming"),
        # "if exist": an incoming record without 245/035 leaves the existing ones.
        (FOLIO[1], without_tags(FOLIO[2], "035", "245"), "existing", "existing"),
        (FOLIO[1], without_tags(FOLIO[2], "035"), "incoming", "existing"),
    ],
    ids=["both", "folio-uva", "neither", "245-only"],
)
def test_replace_245_and_035(
    existing: Bib, incoming: Bib, expected_245_from: str, expected_035_from: str
) -> None:
    merged = REPLACE_245_035.apply(existing, incoming)
    source = {"existing": existing, "incoming": incoming}
    assert merged.data_fields("245") == source[expected_245_from].data_fields("245")
    assert merged.data_fields("035") == source[expected_035_from].data_fields("035")
    others = [f for f in merged.fields if f.tag not in ("245", "035")]
    assert others == in_tag_order(f for f in existing.fields if f.tag not in ("245", "035"))
    assert merged.leader == existing.leader


# -- building blocks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "tag", "matches"),
    [
        ("245", "245", True),
        ("245", "246", False),
        ("9XX", "999", True),
        ("9xx", "945", True),
        ("9XX", "090", False),
        ("0XX", "001", True),
        ("59X", "590", True),
        ("59X", "500", False),
        ("*", "CAT", True),
        ("LDR", "LDR", True),
        ("LDR", "001", False),
    ],
)
def test_tag_pattern(pattern: str, tag: str, matches: bool) -> None:
    assert TagPattern(pattern).matches(tag) is matches


@pytest.mark.parametrize("text", ["24", "2455", "9YY", "", "ldr5", "X*X"])
def test_bad_tag_pattern(text: str) -> None:
    with pytest.raises(InvalidMergeRule) as caught:
        TagPattern(text)
    assert caught.value.text == text.upper()


F035_OCLC = DataField.of("035", "  ", ("a", "(OCoLC)1028287"))
F035_LOCAL = DataField.of("035", "9 ", ("a", "ADM6157"))
F035_99 = DataField.of("035", "99", ("a", "(OCoLC)185717"))
F590_LOCAL = DataField.of("590", "  ", ("a", "note"), ("9", "local"))
F590 = DataField.of("590", "  ", ("a", "note"))
F950_LOCAL = DataField.of("950", "  ", ("a", "x"), ("9", "LOCAL"))
F650_LOCAL = DataField.of("650", " 0", ("a", "x"), ("9", "LOCAL"))


@pytest.mark.parametrize(
    ("condition", "one", "holds"),
    [
        (HasSubfield(code="a", contains="OCoLC", tag="035"), F035_OCLC, True),
        (HasSubfield(code="a", contains="ocolc", tag="035"), F035_OCLC, True),  # any letter case
        (HasSubfield(code="a", contains="OCoLC", tag="035"), F035_LOCAL, False),
        (HasSubfield(code="z", contains="OCoLC", tag="035"), F035_OCLC, False),
        (HasSubfield(code="a", contains="OCoLC", tag="019"), F035_OCLC, False),
        (HasSubfield(code="a", contains="OCoLC"), ControlField("001", "(OCoLC)1"), False),
        (Indicators(first="9", second=" ", tag="035"), F035_LOCAL, True),
        (Indicators(first="9", second=" ", tag="035"), F035_99, False),
        (Indicators(first="9", tag="035"), F035_99, True),
        (Indicators(first="9"), ControlField("001", "1"), False),
        # "fields 09X, 59X, 69X and 9XX carrying $9 LOCAL" in any case (Ex Libris KB, S21)
        (LocalExtension(), F590_LOCAL, True),
        (LocalExtension(), F950_LOCAL, True),
        (LocalExtension(), F590, False),
        (LocalExtension(), F650_LOCAL, False),
    ],
)
def test_conditions(
    condition: HasSubfield | Indicators | LocalExtension,
    one: ControlField | DataField,
    holds: bool,
) -> None:
    assert condition.holds(one) is holds


def test_add_does_not_duplicate_a_field_already_there() -> None:
    existing = Bib(leader=FOLIO[1].leader, fields=[F035_OCLC, F035_LOCAL])
    incoming = Bib(leader=FOLIO[1].leader, fields=[F035_OCLC, F035_OCLC, F035_99])
    method = MergeMethod(name="add 035", rules=[MergeRule(action=MergeAction.ADD, pattern="035")])
    merged = method.apply(existing, incoming)
    # equal to an existing field: not added; the incoming duplicate pair counts as one field
    assert merged.fields == (F035_OCLC, F035_LOCAL, F035_99)


def test_replace_ldr_takes_the_incoming_leader() -> None:
    method = MergeMethod(name="ldr", rules=[MergeRule(action=MergeAction.REPLACE, pattern="LDR")])
    merged = method.apply(FOLIO[1], FOLIO[0])
    assert merged.leader == FOLIO[0].leader
    assert list(merged.fields) == in_tag_order(FOLIO[1].fields)


def test_rule_reads_as_text() -> None:
    rule = MergeRule(action=MergeAction.REMOVE, pattern="9xx", excluding=["979"])
    assert str(rule) == "remove 9XX excluding 979"
    assert evolve(rule, action=MergeAction.ADD).selects(DataField.of("945", "  ", ("a", "x")))
    assert not rule.selects(DataField.of("979", "  ", ("a", "x")))
