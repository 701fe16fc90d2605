"""decide(): one example per row of the seed's failure table, the add and merge paths, and every
option DESIGN.md lists as undocumented (seeds/004_a88ccba7d8c31e13.txt, DESIGN.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import attrs
import pytest

from almamatch.core import (
    Add,
    Bib,
    BriefLevel,
    Code,
    ConnectionClosed,
    ControlField,
    CopyCancelledTo035z,
    DataField,
    Decision,
    Export,
    Failure,
    Guard,
    InMemoryZone,
    IntegrationProfile,
    InvalidDecisionInput,
    Lock,
    LogonFailed,
    MarcXmlConversionFailed,
    MatchMethod,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    OlderVersionGuard,
    Side,
    SkippedCzLinked,
    Stage,
    Timestamp,
    Verdict,
    Zone,
    ZoneKind,
    connection_closed,
    decide,
)
from almamatch.core.decision import Refusal
from almamatch.marc import read_bibs

HOST = "i-share-xyz.alma.exlibrisgroup.com"
LOGON = "01CARLI_XYZ"
PASSWORD = "secret"
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
STAGES = [Stage.PROFILE, Stage.LOGON, Stage.MARCXML, Stage.NORMALIZATION, Stage.MATCH,
          Stage.CANDIDATES, Stage.CZ_LINK, Stage.LOCK, Stage.BRIEF, Stage.OLDER_VERSION,
          Stage.OUTCOME]


def leader(level: str = " ", coding: str = "a") -> str:
    return f"00000cam {coding}2200000{level}a 4500"


def record(*fields: ControlField | DataField, level: str = " ", coding: str = "a") -> Bib:
    return Bib(leader=leader(level, coding), fields=fields)


def f035(*pairs: tuple[str, str]) -> DataField:
    return DataField.of("035", "  ", *pairs)


def connexion(number: str = "ocm00012345", stamp: str | None = "20250101120000.0",
              *extra: ControlField | DataField, level: str = " ") -> Bib:
    """An export as OCLC Connexion sends it: 001 + 003 OCoLC, 005, 245."""
    fields: list[ControlField | DataField] = [ControlField("001", number),
                                              ControlField("003", "OCoLC")]
    if stamp is not None:
        fields.append(ControlField("005", stamp))
    fields += [*extra, DataField.of("245", "10", ("a", "Incoming title."))]
    return record(*fields, level=level)


def existing(*numbers: tuple[str, str], level: str = " ") -> Bib:
    return record(ControlField("001", "99local"), f035(*numbers),
                  DataField.of("245", "10", ("a", "Existing title.")),
                  DataField.of("950", "  ", ("a", "local note")), level=level)


def make_zone(bibs: InMemoryZone, *profiles: IntegrationProfile) -> Zone:
    return Zone(kind=ZoneKind.INSTITUTION, institution=LOGON, host=HOST, logon_id=LOGON,
                profiles=profiles or (IntegrationProfile.carli(PASSWORD),), bibs=bibs)


def export(bib: Bib, *, logon_id: str = LOGON, password: str = PASSWORD,
           host: str = HOST) -> Export:
    return Export(record=bib, logon_id=logon_id, password=password, host=host)


def one_bib_zone(**facts: Any) -> InMemoryZone:
    bibs = InMemoryZone()
    bibs.store("991005681", existing(("a", "(OCoLC)12345")), **facts)
    return bibs


def verdicts(decision: Decision) -> dict[Stage, Verdict]:
    return {step.stage: step.verdict for step in decision.trace}


# -- the add and merge paths -----------------------------------------------------------------

def test_no_match_adds_under_the_zones_next_mms_id() -> None:
    bibs = InMemoryZone()
    decision = decide(export(connexion()), make_zone(bibs), NOW)
    assert isinstance(decision, Add)
    assert decision.mms_id == bibs.next_mms_id() == "9915681"
    assert decision.host_message == "The record has been processed successfully. MMS ID: 9915681"
    # Alma's save rule: 001+003 become 035 $a (OCoLC)<001>, 003 goes (Ex Libris KB, S18).
    assert decision.record.control_value("003") is None
    assert decision.record.data_fields("035")[0].values("a") == ("(OCoLC)ocm00012345",)
    assert decision.originating_version == Timestamp.parse("20250101120000.0")


def test_one_match_merges_with_the_profiles_method() -> None:
    decision = decide(export(connexion()), make_zone(one_bib_zone()), NOW)
    assert isinstance(decision, Merge)
    assert decision.mms_id == "991005681"
    assert decision.host_message.endswith("MMS ID: 991005681")
    assert decision.merge_method == "Overlay all fields but local"
    assert decision.record is not None
    # Overlay all fields but local keeps the existing 001 and 9XX, takes the incoming 245.
    assert decision.record.control_value("001") == "99local"
    assert decision.record.data_fields("245")[0].values("a") == ("Incoming title.",)
    assert decision.record.data_fields("950")
    assert all(v is not Verdict.FAILED for v in verdicts(decision).values())


def test_the_trace_has_every_stage_once_in_order() -> None:
    for bibs in (InMemoryZone(), one_bib_zone()):
        decision = decide(export(connexion()), make_zone(bibs), NOW)
        assert [step.stage for step in decision.trace] == STAGES


def test_the_refusals_decide_names_are_every_decision_but_the_successes_and_the_client_fault(
) -> None:
    # A stage names its refusal as a ``Refusal``; a refusal class missing from it could not be
    # named by a stage, one extra would be a decision ``Decision`` does not list.
    refusals = set(get_args(Refusal))
    assert refusals == set(get_args(Decision)) - {Add, Merge, ConnectionClosed}
    assert refusals == set(Failure.__subclasses__()) - {ConnectionClosed}


# -- one example per row of the seed's failure table ------------------------------------------

def test_no_integration_profile_when_none_or_several() -> None:
    for profiles in ((), (IntegrationProfile.carli(PASSWORD), IntegrationProfile.csu(PASSWORD))):
        zone = attrs.evolve(make_zone(one_bib_zone()), profiles=profiles)
        decision = decide(export(connexion()), zone, NOW)
        assert isinstance(decision, NoIntegrationProfile)
        assert decision.profiles_found == len(profiles)
        assert decision.host_message == (
            "Import Failed: No integration profile found for institution 01CARLI_XYZ")
        assert decision.resolution == ("Delete the profile that you are not using.",)
        assert verdicts(decision)[Stage.MATCH] is Verdict.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"password": "wrong"}, "password"),
        ({"logon_id": "01CARLI_NETWORK"}, "logon ID '01CARLI_NETWORK' is not this zone's"),
        ({"host": "i-share-network.alma.exlibrisgroup.com"}, "is not this zone's host"),
        # "Settings may be case sensitive, so follow the capitalization as shown" (seed 000).
        ({"logon_id": "01carli_xyz"}, "logon ID"),
    ],
)
def test_logon_failed(changes: dict[str, str], problem: str) -> None:
    decision = decide(export(connexion(), **changes), make_zone(one_bib_zone()), NOW)
    assert isinstance(decision, LogonFailed)
    assert decision.host_message == (
        "Import Failed: Logon Failed--the Logon ID and/or password is/are not valid")
    assert any(problem in text for text in decision.problems)


def test_host_names_compare_as_dns_does() -> None:
    decision = decide(export(connexion(), host=" I-Share-XYZ.alma.exlibrisgroup.com"),
                      make_zone(one_bib_zone()), NOW)
    assert decision.code is Code.MERGED


def test_connection_closed_is_typed_for_simulators() -> None:
    decision = connection_closed("port 5500 refused")
    assert isinstance(decision, ConnectionClosed)
    assert decision.host_message == "The local system has closed the connection, retries exceeded."
    assert "port 5500" in decision.resolution[0]


def test_marcxml_conversion_failed_names_the_field() -> None:
    long_note = DataField.of("520", "  ", ("a", "x" * 9995))
    decision = decide(export(connexion("ocm00012345", "20250101120000.0", long_note)),
                      make_zone(one_bib_zone()), NOW)
    assert isinstance(decision, MarcXmlConversionFailed)
    assert decision.host_message == "Import Failed: Failed to convert marc record to marc xml"
    assert [(p.tag, p.kind) for p in decision.problems] == [("520", "too_long")]
    # The guards after the first failure are still evaluated and traced.
    assert verdicts(decision)[Stage.CANDIDATES] is Verdict.PASSED


def test_the_conversion_check_is_a_profile_option() -> None:
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), validate_marcxml=False)
    long_note = DataField.of("520", "  ", ("a", "x" * 9995))
    decision = decide(export(connexion("ocm00012345", "20250101120000.0", long_note)),
                      make_zone(one_bib_zone(), profile), NOW)
    assert decision.code is Code.MERGED
    assert verdicts(decision)[Stage.MARCXML] is Verdict.OFF


def test_multi_match_lists_each_bib_with_its_key_and_sides() -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)12345")))
    bibs.store("992", existing(("a", "(OCoLC)777")))
    incoming = connexion("ocm00012345", "20250101120000.0", f035(("z", "(OCoLC)777")))
    decision = decide(export(incoming), make_zone(bibs), NOW)
    assert isinstance(decision, MultiMatch)
    assert decision.host_message == "Import Failed: Multi matches found for this record."
    assert decision.mms_ids == ("991", "992")
    found = {(c.mms_id, c.key.value, c.incoming_side, c.zone_side) for c in decision.candidates}
    assert found == {("991", 12345, Side.ACTIVE, Side.ACTIVE),
                     ("992", 777, Side.CANCELLED, Side.ACTIVE)}


def test_multi_match_through_a_cancelled_number_in_the_zone() -> None:
    # "two or more NZ records with OCLC numbers (in 035 $a) that match the invalid/cancelled OCLC
    # numbers (in 035 $z) in the master record" (Ex Libris, S14); here the zone side is 035 $z.
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)12345")))
    bibs.store("992", existing(("a", "(OCoLC)555"), ("z", "(OCoLC)12345")))
    decision = decide(export(connexion()), make_zone(bibs), NOW)
    assert isinstance(decision, MultiMatch)
    sides = {c.mms_id: c.zone_side for c in decision.candidates}
    assert sides == {"991": Side.ACTIVE, "992": Side.CANCELLED}


def test_several_keys_to_one_bib_count_once() -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)12345"), ("z", "(OCoLC)777")))
    incoming = connexion("ocm00012345", "20250101120000.0", f035(("z", "(OCoLC)777")))
    decision = decide(export(incoming), make_zone(bibs), NOW)
    assert isinstance(decision, Merge)
    assert decision.mms_id == "991"


def test_cz_linked_bib_is_skipped() -> None:
    decision = decide(export(connexion()), make_zone(one_bib_zone(cz_linked=True)), NOW)
    assert isinstance(decision, SkippedCzLinked)
    assert decision.mms_id == "991005681"


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(0, Code.NOT_ADDED_LOCKED), (59, Code.NOT_ADDED_LOCKED), (60, Code.MERGED),
     (61, Code.MERGED)],
)
def test_a_lock_lapses_at_60_minutes(minutes: int, code: Code) -> None:
    lock = Lock(institution="01CARLI_ABC", user="jsmith", last_activity=NOW)
    decision = decide(export(connexion()), make_zone(one_bib_zone(lock=lock)),
                      NOW + timedelta(minutes=minutes))
    assert decision.code is code
    if isinstance(decision, NotAddedLocked):
        # "A locked record will report the institution that has the record locked and the time".
        assert decision.lock.holder == "01CARLI_ABC (jsmith)"
        assert "01CARLI_ABC (jsmith) since 2026-03-05T12:00" in decision.trace[7].detail


@pytest.mark.parametrize(
    ("existing_level", "incoming_level", "block_equal", "code"),
    [
        ("7", " ", False, Code.MERGED),  # existing 05 < incoming 10
        (" ", "7", False, Code.NOT_ADDED_BRIEF),  # existing 10 > incoming 05
        ("I", " ", False, Code.MERGED),  # equal levels (10, 10) merge by default
        ("I", " ", True, Code.NOT_ADDED_BRIEF),  # ... unless the option says so
        ("K", "7", False, Code.MERGED),  # K and 7 are both 05 under CARLI's rules
    ],
)
def test_brief_guard(existing_level: str, incoming_level: str, block_equal: bool,
                     code: Code) -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)12345"), level=existing_level))
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), block_equal_brief_levels=block_equal)
    decision = decide(export(connexion(level=incoming_level)), make_zone(bibs, profile), NOW)
    assert decision.code is code
    if isinstance(decision, NotAddedBrief):
        assert decision.existing_level >= decision.incoming_level


def test_brief_guard_off_lets_a_brief_record_overlay() -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)12345"), level=" "))
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), brief_guard=False)
    decision = decide(export(connexion(level="7")), make_zone(bibs, profile), NOW)
    assert decision.code is Code.MERGED
    assert verdicts(decision)[Stage.BRIEF] is Verdict.OFF


@pytest.mark.parametrize(
    ("version", "stamp", "code", "verdict", "why"),
    [
        ("20260101000000.0", "20250101120000.0", Code.NOT_ADDED_OLD, Verdict.FAILED, "newer"),
        ("20250101120000.0", "20250101120000.0", Code.MERGED, Verdict.PASSED, ""),  # same: merge
        ("20240101000000.0", "20250101120000.0", Code.MERGED, Verdict.PASSED, ""),
        # Missing or malformed on either side does not block, and the trace says why.
        (None, "20250101120000.0", Code.MERGED, Verdict.NOT_APPLICABLE, "no originating"),
        ("20260101000000.0", None, Code.MERGED, Verdict.NOT_APPLICABLE, "has no 005"),
        ("20260101000000.0", "2025", Code.MERGED, Verdict.NOT_APPLICABLE, "'2025' is malformed"),
    ],
)
def test_older_version_guard(version: str | None, stamp: str | None, code: Code,
                             verdict: Verdict, why: str) -> None:
    bibs = one_bib_zone(originating_version=Timestamp.parse(version) if version else None)
    decision = decide(export(connexion(stamp=stamp)), make_zone(bibs), NOW)
    assert decision.code is code
    step = next(s for s in decision.trace if s.stage is Stage.OLDER_VERSION)
    assert step.verdict is verdict
    assert why in step.detail
    if isinstance(decision, NotAddedOld):
        assert decision.existing_version == Timestamp.parse("20260101000000.0")


def test_missing_version_blocks_when_the_profile_says_so() -> None:
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), missing_version_blocks=True)
    decision = decide(export(connexion(stamp=None)),
                      make_zone(one_bib_zone(originating_version=Timestamp.parse(
                          "20260101000000.0")), profile), NOW)
    assert isinstance(decision, NotAddedOld)
    assert decision.incoming_version is None


def test_older_version_guard_disabled() -> None:
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD),
                           older_version_guard=OlderVersionGuard.DISABLED)
    bibs = one_bib_zone(originating_version=Timestamp.parse("20990101000000.0"))
    decision = decide(export(connexion()), make_zone(bibs, profile), NOW)
    assert decision.code is Code.MERGED
    assert verdicts(decision)[Stage.OLDER_VERSION] is Verdict.OFF


def test_every_failure_carries_the_seeds_resolution() -> None:
    failures: list[Failure] = [connection_closed("x")]
    for facts in ({"cz_linked": True},
                  {"lock": Lock(institution="01CARLI_XYZ", last_activity=NOW)},
                  {"originating_version": Timestamp.parse("20990101000000.0")},
                  {"brief_level": BriefLevel(10)}):
        decision = decide(export(connexion(level="7")), make_zone(one_bib_zone(**facts)), NOW)
        assert isinstance(decision, Failure)
        failures.append(decision)
    # The seed's own words (seeds/004), typed here, not read from the table under test.
    seed = {
        Code.CONNECTION_CLOSED: (
            "The local system has closed the connection, retries exceeded.",
            ("Delete and recreate the Gateway Export with the correct settings. If this does not "
            "resolve the issue, consult your local IT group and inform them that you need port "
            "5500 as an allowed port.")),
        Code.NOT_ADDED_LOCKED: (
            "Import Failed: NOT_ADDED_LOCKED",
            ("If you previously searched the record and opened it in the metadata editor, go back "
            "to the metadata editor and release the record.")),
        Code.NOT_ADDED_OLD: (
            "Import Failed: NOT_ADDED_OLD",
            ("Your Connexion integration profile may be set prevent an existing record from being "
            "merged or replaced by an older record according to 005 values. You may choose to "
            "disable this comparison in the integration profile.")),
        Code.NOT_ADDED_BRIEF: (
            "Import Failed: NOT_ADDED_BRIEF",
            ("Locate and edit the matching record in the Alma metadata editor. Modify the Encoding "
            "Level fixed field (Leader/17) to be the same as the record being exported. Save and "
            "release the record. Then try the export again.")),
    }
    for failure in failures:
        if failure.code in seed:
            assert (failure.host_message, failure.resolution[0]) == seed[failure.code]
            assert failure.host_message.endswith(failure.reason)
    assert {failure.headline for failure in failures} == {"Import Failed", ""}


# -- guard order: first failure wins, every guard is traced -----------------------------------

@pytest.mark.parametrize("order", list(itertools.permutations(Guard)))
def test_guard_order_is_a_profile_option(order: tuple[Guard, ...]) -> None:
    bibs = one_bib_zone(lock=Lock(institution="01CARLI_XYZ", last_activity=NOW),
                        brief_level=BriefLevel(10),
                        originating_version=Timestamp.parse("20990101000000.0"))
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), guard_order=order)
    decision = decide(export(connexion(level="7")), make_zone(bibs, profile), NOW)
    first = {Guard.LOCK: Code.NOT_ADDED_LOCKED, Guard.BRIEF: Code.NOT_ADDED_BRIEF,
             Guard.OLDER_VERSION: Code.NOT_ADDED_OLD}[order[0]]
    assert decision.code is first
    guards = [s for s in decision.trace if s.stage in (Stage.LOCK, Stage.BRIEF,
                                                        Stage.OLDER_VERSION)]
    assert [s.stage.value for s in guards] == [g.value for g in order]
    assert all(s.verdict is Verdict.FAILED for s in guards)


def test_an_earlier_stage_wins_over_a_guard() -> None:
    bibs = one_bib_zone(cz_linked=True, lock=Lock(institution="01CARLI_XYZ", last_activity=NOW))
    decision = decide(export(connexion(), password="wrong"), make_zone(bibs), NOW)
    assert decision.code is Code.LOGON_FAILED
    seen = verdicts(decision)
    assert seen[Stage.CZ_LINK] is Verdict.FAILED
    assert seen[Stage.LOCK] is Verdict.FAILED


# -- match methods and 019 ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("zone_number", "incoming_001", "by_value", "literal"),
    [
        ("(OCoLC)ocm00012345", "ocm00012345", Code.MERGED, Code.MERGED),
        ("(OCoLC)12345", "ocm00012345", Code.MERGED, Code.ADDED),  # prefix and zeros differ
        ("(OCoLC)ocm00012345", "12345", Code.MERGED, Code.ADDED),
        ("(OCoLC)12345", "12345", Code.MERGED, Code.MERGED),
        ("ocm00012345", "ocm00012345", Code.MERGED, Code.MERGED),  # prefix marks it as OCLC's
        ("12345", "12345", Code.ADDED, Code.ADDED),  # a bare 035 $a is some other system's
    ],
)
def test_literal_and_oclc_number_match_methods(zone_number: str, incoming_001: str,
                                               by_value: Code, literal: Code) -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", zone_number)))
    for method, code in ((MatchMethod.OCLC_NUMBER, by_value), (MatchMethod.LITERAL, literal)):
        profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), match_method=method)
        decision = decide(export(connexion(incoming_001)), make_zone(bibs, profile), NOW)
        assert decision.code is code, method


@pytest.mark.parametrize(
    ("normalization", "without_step", "code"),
    [
        ((CopyCancelledTo035z(),), False, Code.MERGED),  # CARLI: 019 $a becomes 035 $z
        ((), False, Code.ADDED),  # no step: 019 $a does not count by default
        ((), True, Code.MERGED),  # ... unless match_019_without_normalization
    ],
)
def test_019_counts_after_the_normalization_step(
    normalization: tuple[CopyCancelledTo035z, ...], without_step: bool, code: Code
) -> None:
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)777")))
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), normalization=normalization,
                           match_019_without_normalization=without_step)
    incoming = connexion("ocm00012345", "20250101120000.0",
                         DataField.of("019", "  ", ("a", "777")))
    decision = decide(export(incoming), make_zone(bibs, profile), NOW)
    assert decision.code is code
    match = next(s for s in decision.trace if s.stage is Stage.MATCH)
    assert f"match_019_without_normalization={without_step}, default False" in match.detail


def test_each_written_form_of_a_019_number_is_a_key_whatever_the_field_order() -> None:
    """A record with two 019s of one number written two ways: under Literal 035 each written form
    is looked up (as each written form of an 035 is), so the order of the 019s changes nothing."""
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)ocm00000777")))
    profile = attrs.evolve(IntegrationProfile.carli(PASSWORD), normalization=(),
                           match_method=MatchMethod.LITERAL,
                           match_019_without_normalization=True)
    written = (DataField.of("019", "  ", ("a", "(OCoLC)777")),
               DataField.of("019", "  ", ("a", "(OCoLC)ocm00000777")))
    for fields in (written, written[::-1]):
        decision = decide(export(connexion("ocm00012345", "20250101120000.0", *fields)),
                          make_zone(bibs, profile), NOW)
        assert decision.code is Code.MERGED
        assert getattr(decision, "mms_id", None) == "991"


def test_the_001_003_pair_matches_through_the_035_alma_makes_of_it() -> None:
    incoming = record(ControlField("001", "ocn123456789"), ControlField("003", "OCoLC"))
    bibs = InMemoryZone()
    bibs.store("991", existing(("a", "(OCoLC)123456789")))
    assert decide(export(incoming), make_zone(bibs), NOW).code is Code.MERGED
    # 001 of another agency is not an OCLC number: (DLC)123456789 does not match.
    other = record(ControlField("001", "123456789"), ControlField("003", "DLC"))
    assert decide(export(other), make_zone(bibs), NOW).code is Code.ADDED


# -- arguments and real records ----------------------------------------------------------------

def test_wrong_arguments_raise_a_value_error() -> None:
    zone = make_zone(InMemoryZone())
    with pytest.raises(InvalidDecisionInput, match="now is a datetime"):
        decide(export(connexion()), zone, "2026-03-05")  # type: ignore[arg-type]
    takes = "decide\\(\\) takes an Export and a Zone"
    with pytest.raises(InvalidDecisionInput, match=takes) as raised:
        decide(connexion(), zone, NOW)  # type: ignore[arg-type]
    assert raised.value.reason == "wrong_type"


def test_secrets_never_show_in_reprs_or_errors() -> None:
    """A password is in no repr and in no error message, even when the export is the mistake."""
    zone = make_zone(InMemoryZone())
    sent = export(connexion())
    for value in (sent, zone, zone.profiles[0], IntegrationProfile.csu(PASSWORD)):
        assert PASSWORD not in repr(value)
    for wrong in ((sent, sent, NOW), (zone, zone, NOW), (sent, zone, sent)):
        with pytest.raises(InvalidDecisionInput) as raised:
            decide(*wrong)
        assert PASSWORD not in str(raised.value)
        assert len(str(raised.value)) < 120


def test_corpus_records_add_to_an_empty_zone_then_merge_into_themselves(corpus: Path) -> None:
    bibs = InMemoryZone()
    zone = make_zone(bibs)
    seen = 0
    for item in itertools.islice(read_bibs(corpus / "solrmarc_uva_001_2000.mrc"), 60):
        assert isinstance(item, Bib)
        first = decide(export(item), zone, NOW)
        if not isinstance(first, Add):
            continue  # a conversion problem or a number shared with an earlier record
        seen += 1
        assert len(first.record.fields) >= len(item.fields) - 1  # 003 may fold into 035
        bibs.apply(first)
        again = decide(export(item), zone, NOW)
        if item.oclc_numbers.active or item.oclc_numbers.cancelled:
            assert again.code in (Code.MERGED, Code.MULTI_MATCH), again.trace
        else:
            assert again.code is Code.ADDED
    assert seen >= 30
