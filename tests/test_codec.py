"""Decisions to JSON and back: every Decision type, with evidence, trace and record."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from almamatch import (
    Add,
    Bib,
    BriefLevel,
    Candidate,
    ControlField,
    ConversionProblem,
    DataField,
    Decision,
    Field,
    Lock,
    LogonFailed,
    MarcXmlConversionFailed,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    OclcNumber,
    Side,
    SkippedCzLinked,
    Stage,
    Step,
    Subfield,
    Timestamp,
    Verdict,
    connection_closed,
)
from almamatch.codec import (
    COMPACT,
    InvalidDecisionJson,
    JsonWriter,
    converter,
    decision_from_json,
    decision_to_json,
    to_jsonable,
)

TRACE = (Step(stage=Stage.PROFILE, verdict=Verdict.PASSED, detail="one profile"),
         Step(stage=Stage.OUTCOME, verdict=Verdict.FAILED, detail="Import Failed: x"))
RECORD = Bib(leader="00000cam a2200000 a 4500", fields=[
    ControlField("001", "ocm00012345"),
    DataField.of("245", "10", ("a", "Café :"), ("b", "a title")),
])
STAMP = Timestamp.parse("20250101120000.5")
LOCKED_AT = datetime(2026, 3, 5, 11, 30, tzinfo=UTC)

EXAMPLES: list[Decision] = [
    Add(mms_id="9915681", record=RECORD, trace=TRACE, originating_version=STAMP),
    Merge(mms_id="991", record=RECORD, merge_method="Overlay all fields but local", trace=TRACE),
    Merge(mms_id="991", record=None, merge_method="Keep only old value", trace=TRACE),
    NoIntegrationProfile(institution="01CARLI_XYZ", profiles_found=2, trace=TRACE),
    LogonFailed(logon_id="x", host="h", problems=("wrong password",), trace=TRACE),
    connection_closed("retries exceeded"),
    MarcXmlConversionFailed(problems=(ConversionProblem(tag="520", kind="too_long",
                                                        detail="10,000 octets"),), trace=TRACE),
    MultiMatch(candidates=(
        Candidate(mms_id="991", key=OclcNumber.parse("(OCoLC)ocm00012345"),
                  incoming_side=Side.ACTIVE, zone_side=Side.ACTIVE),
        Candidate(mms_id="992", key=OclcNumber.parse("777"), incoming_side=Side.CANCELLED,
                  zone_side=Side.CANCELLED),
    ), trace=TRACE),
    SkippedCzLinked(mms_id="991", trace=TRACE),
    NotAddedLocked(mms_id="991", lock=Lock(
        institution="01CARLI_ABC", user="jsmith", last_activity=LOCKED_AT), trace=TRACE),
    NotAddedBrief(mms_id="991", existing_level=BriefLevel(10), incoming_level=BriefLevel(5),
                  trace=TRACE),
    NotAddedOld(mms_id="991", existing_version=STAMP, incoming_version=None, trace=TRACE),
]


@pytest.mark.parametrize("decision", EXAMPLES, ids=lambda d: f"{d.code}")
def test_round_trip(decision: Decision) -> None:
    text = decision_to_json(decision)
    back = decision_from_json(text)
    assert back == decision
    assert type(back) is type(decision)
    assert json.loads(text)["code"] == decision.code


def test_the_json_is_readable() -> None:
    body = to_jsonable(EXAMPLES[7])
    assert body["code"] == "MULTI_MATCH"
    assert body["candidates"][0] == {"mms_id": "991", "key": "(OCoLC)ocm00012345",
                                     "incoming_side": "active", "zone_side": "active"}
    added = to_jsonable(EXAMPLES[0])
    assert added["record"]["fields"][1] == {"tag": "245", "ind1": "1", "ind2": "0",
                                            "subfields": [["a", "Café :"], ["b", "a title"]]}
    assert added["originating_version"] == "20250101120000.5"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"code": "NOPE"}', "unknown_code"),
        ('{"code": "SKIPPED_CZ_LINKED", "trace": []}', "malformed"),  # no mms_id
        (('{"code": "NOT_ADDED_BRIEF", "mms_id": "1", "existing_level": "11", '
         '"incoming_level": "05", "trace": []}'), "malformed"),
        ("[1, 2]", "not_an_object"),
        ("{", "not_json"),
    ],
)
def test_bad_json_raises_naming_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidDecisionJson) as raised:
        decision_from_json(text)
    assert raised.value.reason == reason


def test_a_data_field_alone_is_written_and_read_as_its_members() -> None:
    # Its tag, indicators and subfields, each {"code", "value"}, whether it keeps its
    # subfields as their text or (a delimiter in a value) as a tuple.
    for subfields in ([Subfield("a", "x"), Subfield("b", "")], [Subfield("a", "x\x1fy")], []):
        one = DataField("245", "1", "0", subfields)
        written = converter.unstructure(one)
        assert written == {"tag": "245", "indicator1": "1", "indicator2": "0", "subfields": [
            {"code": sub.code, "value": sub.value} for sub in subfields]}
        assert converter.structure(written, DataField) == one
        assert converter.unstructure(one, Field) == written
        assert converter.structure(written, Field) == one  # type: ignore[arg-type]
        assert JsonWriter().text(one) == json.dumps(written, ensure_ascii=False,
                                                    separators=COMPACT)
