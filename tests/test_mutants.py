"""Tests that kill hand-made mutants which survived the whole suite.

Each test names the rule it holds and the change to the code that it catches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import attrs
import pytest

from almamatch.core import (
    Add,
    BibFacts,
    BriefLevel,
    BriefLevelRules,
    Code,
    ControlField,
    DataField,
    Export,
    Hit,
    InMemoryZone,
    IntegrationProfile,
    InvalidBriefLevel,
    MatchMethod,
    Merge,
    OclcForm,
    OclcNumber,
    Stage,
    Zone,
    ZoneKind,
    decide,
)
from almamatch.core.record import Bib

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
HOST = "i-share-xyz.alma.exlibrisgroup.com"
LOGON = "01CARLI_XYZ"
LITERAL = attrs.evolve(IntegrationProfile.carli("pw"), match_method=MatchMethod.LITERAL)


def incoming(*numbers: str) -> Bib:
    return Bib(leader="00000cam a2200000 a 4500", fields=(
        ControlField("005", "20250101120000.0"),
        *(DataField.of("035", "  ", ("a", number)) for number in numbers),
        DataField.of("245", "10", ("a", "Incoming title."))))


def zone_with(number: str, profile: IntegrationProfile) -> tuple[Zone, InMemoryZone]:
    bibs = InMemoryZone()
    bibs.store("991005681", Bib(leader="00000cam a2200000 a 4500", fields=(
        ControlField("001", "991005681"),
        DataField.of("035", "  ", ("a", number)),
        DataField.of("245", "10", ("a", "Existing title.")))))
    return Zone(kind=ZoneKind.INSTITUTION, institution=LOGON, host=HOST, logon_id=LOGON,
                profiles=(profile,), bibs=bibs), bibs


def send(record: Bib, zone: Zone) -> Export:
    return Export(record=record, logon_id=LOGON, password="pw", host=HOST)


@pytest.mark.parametrize(("sent", "held", "code"), [
    # Literal 035: "value, prefix and digit count must all agree". Mutant: the digit count
    # (width) left out of the comparison, so 0012345 found 12345.
    ("(OCoLC)0012345", "(OCoLC)12345", Code.ADDED),
    ("(OCoLC)12345", "(OCoLC)12345", Code.MERGED),
    ("(OCoLC)ocm00012345", "(OCoLC)00012345", Code.ADDED),
])
def test_literal_matching_compares_prefix_and_digit_count(sent: str, held: str,
                                                          code: Code) -> None:
    zone, _ = zone_with(held, LITERAL)
    assert decide(send(incoming(sent), zone), zone, NOW).code is code
    by_value, _ = zone_with(held, IntegrationProfile.carli("pw"))
    assert decide(send(incoming(sent), by_value), by_value, NOW).code is Code.MERGED


def test_literal_matching_looks_up_every_written_form_of_a_value() -> None:
    """Mutant: one lookup per value in Literal 035 too, so the second form was never tried."""
    zone, _ = zone_with("(OCoLC)0012345", LITERAL)
    decision = decide(send(incoming("(OCoLC)12345", "(OCoLC)0012345"), zone), zone, NOW)
    assert isinstance(decision, Merge)
    assert decision.mms_id == "991005681"


@attrs.define
class FactlessZone:
    """A zone view that finds a bib but knows no facts about it (a view built from 035s only)."""

    inner: InMemoryZone

    @property
    def keeps_records(self) -> bool:
        return self.inner.keeps_records

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        return self.inner.hits(number)

    def facts(self, mms_id: str) -> BibFacts | None:
        return None

    def next_mms_id(self) -> str:
        return self.inner.next_mms_id()

    def record(self, mms_id: str) -> Bib | None:
        return self.inner.record(mms_id)

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        return self.inner.record_part(mms_id, positions)


def test_one_candidate_without_facts_merges_and_says_the_guards_cannot_run() -> None:
    """Mutant: a single match whose facts are unknown was added as a new bib."""
    zone, bibs = zone_with("(OCoLC)12345", IntegrationProfile.carli("pw"))
    view = attrs.evolve(zone, bibs=FactlessZone(bibs))
    decision = decide(send(incoming("(OCoLC)12345"), view), view, NOW)
    assert isinstance(decision, Merge)
    assert decision.mms_id == "991005681"
    candidates = next(step for step in decision.trace if step.stage is Stage.CANDIDATES)
    assert "guards cannot run" in candidates.detail
    new, _ = zone_with("(OCoLC)99999", IntegrationProfile.carli("pw"))
    empty = attrs.evolve(new, bibs=FactlessZone(InMemoryZone()))
    assert isinstance(decide(send(incoming("(OCoLC)12345"), empty), empty, NOW), Add)


def test_a_written_form_fits_its_byte_however_many_zeros() -> None:
    """Mutant: the width not capped at 31, so a long run of zeros spilled out of the byte the
    index keeps for a form (and read back as another prefix)."""
    number = OclcNumber.parse("(OCoLC)ocm" + "0" * 40 + "12345")
    code = number.form.code
    assert 0 <= code <= 255
    back = OclcForm.from_code(code)
    assert (back.prefix, back.qualified, back.width) == ("ocm", True, 31)
    short = OclcNumber.parse("(OCoLC)ocm00012345").form
    assert OclcForm.from_code(short.code) == short


@pytest.mark.parametrize("blank", ["#", "blank", "", " "])
def test_every_way_of_writing_blank_in_a_brief_table(blank: str) -> None:
    """Mutant: the "blank" keyword of ``from_table`` dropped, so blank fell to the default."""
    rules = BriefLevelRules.from_table({blank: 10, "7": 5}, default=1)
    assert rules.level_of(" ") == BriefLevel(10)
    assert rules.level_of("7") == BriefLevel(5)
    assert rules.level_of("u") == BriefLevel(1)


@pytest.mark.parametrize("value", [True, False, 0, 11, 5.0])
def test_a_brief_level_is_a_whole_number_from_1_to_10(value: object) -> None:
    """Mutant: the bool check dropped, so ``BriefLevel(True)`` was level 01."""
    with pytest.raises(InvalidBriefLevel):
        BriefLevel(value)  # type: ignore[arg-type]
