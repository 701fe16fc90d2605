"""InMemoryZone: bibs stored as Alma saves them, their facts, and decisions applied in turn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from attrs import evolve

from almamatch.core import (
    Add,
    Bib,
    BriefLevel,
    BriefLevelRules,
    ControlField,
    DataField,
    Export,
    InMemoryZone,
    IntegrationProfile,
    InvalidZone,
    Lock,
    MmsIdSequence,
    OclcNumber,
    Side,
    Timestamp,
    Zone,
    ZoneKind,
    ZoneView,
    decide,
)

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
LEADER = "00000cam a2200000 a 4500"


def bib(*fields: ControlField | DataField, level: str = " ") -> Bib:
    return Bib(leader=LEADER[:17] + level + LEADER[18:], fields=fields)


def test_an_in_memory_zone_is_a_zone_view() -> None:
    assert isinstance(InMemoryZone(), ZoneView)


@pytest.mark.parametrize(
    ("fields", "active", "cancelled"),
    [
        # Alma matches the zone's 035 $a and $z (S30); OCLC's numbers only.
        ([DataField.of("035", "  ", ("a", "(OCoLC)12345"), ("z", "(OCoLC)777"))], [12345], [777]),
        ([DataField.of("035", "  ", ("a", "(DLC)12345"))], [], []),
        ([DataField.of("035", "  ", ("a", "12345"))], [], []),  # bare: another system's
        # The save rule folds 001+003 into 035 $a (S18).
        ([ControlField("001", "ocm00012345"), ControlField("003", "OCoLC")], [12345], []),
        # 019 $a is not a zone key: Alma matches 035 only.
        ([DataField.of("019", "  ", ("a", "777"))], [], []),
        # A value both active and cancelled counts as active.
        ([DataField.of("035", "  ", ("a", "(OCoLC)1"), ("z", "(OCoLC)1"))], [1], []),
    ],
)
def test_facts_of_a_stored_bib(fields: list[ControlField | DataField], active: list[int],
                               cancelled: list[int]) -> None:
    zone = InMemoryZone()
    facts = zone.store("991", bib(*fields))
    assert [n.value for n in facts.active] == active
    assert [n.value for n in facts.cancelled] == cancelled
    for value in active:
        assert [(h.mms_id, h.side) for h in zone.hits(OclcNumber.of(value))] == [("991",
                                                                                Side.ACTIVE)]
    stored = zone.record("991")
    assert stored is not None
    assert stored.control_value("003") is None


def test_brief_level_from_the_zones_rules_unless_given() -> None:
    zone = InMemoryZone(brief_rules=BriefLevelRules.preset("csu"))
    assert zone.store("991", bib(level="I")).brief_level == BriefLevel(9)
    assert zone.store("992", bib(level="I"), brief_level=BriefLevel(3)).brief_level == BriefLevel(3)
    assert InMemoryZone().store("991", bib(level="I")).brief_level == BriefLevel(10)  # carli


def test_brief_levels_follow_the_rules_the_zone_has_when_it_stores() -> None:
    """A level is the zone's rules' at the time of storing, whichever rules came before (CARLI
    rates I 10 and 5 02, CSU I 09 and 5 02; "M" is 07 and 06)."""
    zone = InMemoryZone()
    expected = {"I": 10, "5": 2, "M": 7, "#": 1}
    for number, (code, level) in enumerate(expected.items()):
        assert zone.store(f"99{number}", bib(level=code)).brief_level == BriefLevel(level)
    zone.brief_rules = BriefLevelRules.preset("csu")
    expected = {"I": 9, "5": 2, "M": 6, "#": 2}
    for number, (code, level) in enumerate(expected.items(), start=5):
        assert zone.store(f"99{number}", bib(level=code)).brief_level == BriefLevel(level)


def test_replacing_a_bib_reindexes_its_numbers() -> None:
    zone = InMemoryZone()
    zone.store("991", bib(DataField.of("035", "  ", ("a", "(OCoLC)1"))))
    zone.store("991", bib(DataField.of("035", "  ", ("a", "(OCoLC)2"))))
    assert zone.hits(OclcNumber.of(1)) == ()
    assert [h.mms_id for h in zone.hits(OclcNumber.of(2))] == ["991"]
    assert len(zone) == 1


def test_a_layer_sees_the_layers_under_it_as_they_change() -> None:
    # Look-ups go past a layer while it holds nothing; once it holds a bib, they go through it.
    base = InMemoryZone.of({"991": bib(DataField.of("035", "  ", ("a", "(OCoLC)1")))})
    middle = InMemoryZone(base=base)
    top = InMemoryZone(base=middle)
    assert [h.mms_id for h in top.hits(OclcNumber.of(1))] == ["991"]
    moved = bib(DataField.of("035", "  ", ("a", "(OCoLC)2")), DataField.of("245", "00", ("a", "T")))
    middle.store("991", moved)
    assert top.hits(OclcNumber.of(1)) == ()
    assert [h.mms_id for h in top.hits(OclcNumber.of(2))] == ["991"]
    facts = top.facts("991")
    assert facts is not None
    assert facts.active == (OclcNumber.of(2),)
    assert top.record("991") == moved
    assert top.record_part("991", lambda tags: [0]) == moved  # held whole: given whole
    middle.release()
    assert [h.mms_id for h in top.hits(OclcNumber.of(1))] == ["991"]
    assert top.record("991") == base.record("991")
    assert top.keeps_records


def test_lock_unlock_and_cz_link() -> None:
    zone = InMemoryZone.of({"991": bib()})
    lock = Lock(institution="01CARLI_NETWORK", last_activity=NOW)
    zone.lock("991", lock)
    facts = zone.facts("991")
    assert facts is not None
    assert facts.lock == lock
    zone.unlock("991")
    zone.link_to_cz("991")
    facts = zone.facts("991")
    assert facts is not None
    assert facts.lock is None
    assert facts.cz_linked
    with pytest.raises(InvalidZone, match="unknown_mms_id"):
        zone.lock("999", lock)


@pytest.mark.parametrize("mms_id", ["", "99x", "ABC"])
def test_an_mms_id_is_digits(mms_id: str) -> None:
    with pytest.raises(InvalidZone, match="bad_mms_id"):
        InMemoryZone().store(mms_id, bib())


@pytest.mark.parametrize("field", ["institution", "host", "logon_id"])
def test_a_zone_names_itself(field: str) -> None:
    values = {"institution": "01CARLI_XYZ", "host": "h", "logon_id": "01CARLI_XYZ", field: " "}
    with pytest.raises(InvalidZone, match="empty"):
        Zone(kind=ZoneKind.NETWORK, profiles=(), bibs=InMemoryZone(), **values)


def test_applying_decisions_adds_merges_and_leaves_failures_alone() -> None:
    bibs = InMemoryZone(sequence=MmsIdSequence(7, "5681"))
    zone = Zone(institution="01CARLI_XYZ", host="h", logon_id="01CARLI_XYZ",
                profiles=(IntegrationProfile.carli("pw"),), bibs=bibs)
    first = bib(ControlField("001", "ocm00000042"), ControlField("003", "OCoLC"),
                ControlField("005", "20250101000000.0"), DataField.of("245", "10", ("a", "One")))
    added = decide(Export(record=first, logon_id="01CARLI_XYZ", password="pw", host="h"), zone, NOW)
    bibs.apply(added)
    assert "9975681" in bibs
    assert bibs.next_mms_id() == "9985681"
    facts = bibs.facts("9975681")
    assert facts is not None
    assert facts.originating_version == Timestamp.parse("20250101000000.0")

    second = bib(ControlField("001", "ocm00000042"), ControlField("003", "OCoLC"),
                 ControlField("005", "20260101000000.0"), DataField.of("245", "10", ("a", "Two")))
    merged = decide(Export(record=second, logon_id="01CARLI_XYZ", password="pw", host="h"),
                    zone, NOW)
    bibs.apply(merged)
    stored = bibs.record("9975681")
    assert stored is not None
    assert stored.data_fields("245")[0].values("a") == ("Two",)
    facts = bibs.facts("9975681")
    assert facts is not None
    assert facts.originating_version == Timestamp.parse("20260101000000.0")

    # The older record is refused now, and the refusal changes nothing.
    older = decide(Export(record=first, logon_id="01CARLI_XYZ", password="pw", host="h"), zone,
                   NOW)
    assert older.code == "NOT_ADDED_OLD"
    bibs.apply(older)
    assert bibs.record("9975681") == stored
    assert len(bibs) == 1


@pytest.mark.parametrize("mms_id", ["", "99x", "\uff19\uff19\uff11"])
def test_an_add_under_another_mms_id_than_the_next_is_checked(mms_id: str) -> None:
    # The apply skips the check of the digits for an Add under the zone's next MMS ID only
    # (its sequence made it); any other is checked as ``store`` checks it.
    bibs = InMemoryZone(sequence=MmsIdSequence(7, "5681"))
    zone = Zone(institution="01CARLI_XYZ", host="h", logon_id="01CARLI_XYZ",
                profiles=(IntegrationProfile.carli("pw"),), bibs=bibs)
    record = bib(ControlField("001", "ocm00000042"), ControlField("003", "OCoLC"),
                 ControlField("005", "20250101000000.0"), DataField.of("245", "10", ("a", "One")))
    added = decide(Export(record=record, logon_id="01CARLI_XYZ", password="pw", host="h"), zone,
                   NOW)
    assert isinstance(added, Add)
    with pytest.raises(InvalidZone, match="bad_mms_id"):
        bibs.apply(evolve(added, mms_id=mms_id))
    assert len(bibs) == 0
    bibs.apply(added)
    assert "9975681" in bibs
