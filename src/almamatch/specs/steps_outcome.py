"""Steps that check Alma's decision: code, host message, MMS ID, evidence, merged fields, trace.

Theory of operation: a check never raises for a decision that differs from the spec; it returns
``Mismatch`` values (what, expected, actual) that the report sets side by side. It raises
``SpecError`` only when the spec itself is unusable (an unknown code, a malformed table).
"""

from __future__ import annotations

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import (
    Add,
    Code,
    Decision,
    Merge,
    MultiMatch,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    Stage,
    Verdict,
)
from almamatch.core.errors import AlmamatchError
from almamatch.core.record import DataField, Field
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import (
    parse_fields,
    parse_moment,
    row_error,
    rows_by_column,
    show_moment,
)
from almamatch.specs.vocabulary import Mismatch, StepCall, StepKind, step
from almamatch.specs.world import World

__all__: list[str] = []

OUTCOME = "What Alma does"
EVIDENCE = "The evidence and the trace"


def _check(what: str, expected: str, actual: str) -> tuple[Mismatch, ...]:
    return () if expected == actual else (Mismatch(what=what, expected=expected, actual=actual),)


def _describe(decision: Decision) -> str:
    return f"{decision.code} ({decision.host_message})"


@step(StepKind.OUTCOME, "the outcome is {code}", topic=OUTCOME,
      example="Then the outcome is NOT_ADDED_BRIEF")
def outcome_code(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The decision's code: ADDED, MERGED, NO_INTEGRATION_PROFILE, LOGON_FAILED,
    MARCXML_CONVERSION_FAILED, MULTI_MATCH, SKIPPED_CZ_LINKED, NOT_ADDED_LOCKED, NOT_ADDED_BRIEF
    or NOT_ADDED_OLD."""
    wanted = call.values["code"].strip().upper()
    if wanted not in Code.__members__:
        known = ", ".join(Code.__members__)
        raise SpecError(wanted, "unknown_code", f"unknown outcome {wanted!r}; known: {known}")
    return _check("outcome", wanted, str(world.outcome().code))


@step(StepKind.OUTCOME, 'the host message is "{message}"', topic=OUTCOME,
      example='Then the host message is "Multi matches found for this record."')
def host_message(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The exact text Connexion shows the cataloger (after "Import Failed" for a refusal; with
    the MMS ID for a success)."""
    return _check("host message", call.values["message"], world.outcome().host_message)


@step(StepKind.OUTCOME, 'the record is added as MMS ID "{mms_id}"', topic=OUTCOME,
      example='Then the record is added as MMS ID "9915681"')
def added_as(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The record was added as a new bib with this MMS ID."""
    decision = world.outcome()
    actual = decision.mms_id if isinstance(decision, Add) else _describe(decision)
    return _check("added as", call.values["mms_id"], actual)


@step(StepKind.OUTCOME, 'the record is merged into MMS ID "{mms_id}"', topic=OUTCOME,
      example='Then the record is merged into MMS ID "991234567890205681"')
def merged_into(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The record was merged into the existing bib with this MMS ID."""
    decision = world.outcome()
    actual = decision.mms_id if isinstance(decision, Merge) else _describe(decision)
    return _check("merged into", call.values["mms_id"], actual)


@step(StepKind.OUTCOME, 'the refused bib is MMS ID "{mms_id}"', topic=EVIDENCE,
      example='Then the refused bib is MMS ID "991234567890205681"')
def refused_bib(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The one bib a lock, brief-level or older-version refusal (or a CZ skip) is about."""
    decision = world.outcome()
    actual = getattr(decision, "mms_id", None)
    if isinstance(decision, Add | Merge) or actual is None:
        actual = f"no refused bib: {_describe(decision)}"
    return _check("refused bib", call.values["mms_id"], str(actual))


@step(StepKind.OUTCOME, "the candidates are:", topic=EVIDENCE, table=True, example="""
Then the candidates are:
  | MMS ID             | key            | incoming side | zone side |
  | 991234567890205681 | (OCoLC)7654321 | cancelled     | active    |
  | 992234567890205681 | (OCoLC)7654321 | cancelled     | cancelled |
""")
def candidates(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The bibs a multi-match found, one row per bib and key: the MMS ID, the incoming OCLC
    number that found it (as written, e.g. (OCoLC)ocm00012345), and on which side each record
    carries it (active: 035 $a; cancelled: 035 $z or 019 $a). Only the columns given are
    compared."""
    columns = {"mms_id": ("MMS ID",), "key": ("key", "OCLC number"),
               "incoming": ("incoming side",), "zone": ("zone side",)}
    rows = rows_by_column(call.table, columns, required=("mms_id",), line=call.line)
    names = [name for name in columns if name in rows[0][2]] if rows else ["mms_id"]
    expected = [tuple(cells[name].strip() for name in names) for _, _, cells in rows]
    decision = world.outcome()
    actual: list[tuple[str, ...]] = []
    if isinstance(decision, MultiMatch):
        for one in decision.candidates:
            found = {"mms_id": one.mms_id, "key": one.key.literal,
                     "incoming": one.incoming_side.value, "zone": one.zone_side.value}
            actual.append(tuple(found[name] for name in names))
    return _check("candidates", _rows(names, expected), _rows(names, actual))


def _rows(names: list[str], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return "(none)"
    return "\n".join(" | ".join(row) for row in sorted(rows))


@step(StepKind.OUTCOME, 'the brief levels are "{existing}" in the zone and "{incoming}" incoming',
      topic=EVIDENCE, example='And the brief levels are "10" in the zone and "05" incoming')
def brief_levels(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The evidence of a NOT_ADDED_BRIEF refusal: the zone bib's brief level and the incoming
    record's, 01-10."""
    decision = world.outcome()
    try:
        existing = BriefLevel.parse(call.values["existing"])
        incoming = BriefLevel.parse(call.values["incoming"])
    except AlmamatchError as error:
        raise SpecError(error.text, "bad_level", "brief levels run from 01 to 10") from None
    wanted = f"{existing} in the zone, {incoming} incoming"
    if not isinstance(decision, NotAddedBrief):
        return _check("brief levels", wanted, f"no brief-level evidence: {_describe(decision)}")
    return _check("brief levels", wanted,
                  f"{decision.existing_level} in the zone, {decision.incoming_level} incoming")


@step(StepKind.OUTCOME, 'the versions are "{existing}" in the zone and "{incoming}" incoming',
      topic=EVIDENCE,
      example='And the versions are "20260301000000.0" in the zone and "20250101000000.0" incoming')
def versions(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The evidence of a NOT_ADDED_OLD refusal: the bib's originating system version and the
    incoming 005 ("none" for a side without a usable 005)."""
    decision = world.outcome()
    wanted = f"{call.values['existing']} in the zone, {call.values['incoming']} incoming"
    if not isinstance(decision, NotAddedOld):
        return _check("versions", wanted, f"no version evidence: {_describe(decision)}")
    existing = str(decision.existing_version) if decision.existing_version else "none"
    incoming = str(decision.incoming_version) if decision.incoming_version else "none"
    return _check("versions", wanted, f"{existing} in the zone, {incoming} incoming")


@step(StepKind.OUTCOME, 'the lock is held by "{holder}" since "{since}"', topic=EVIDENCE,
      example='And the lock is held by "01CARLI_ABC (jsmith)" since "2026-03-05 09:30"')
def lock_holder(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The evidence of a NOT_ADDED_LOCKED refusal: who holds the lock and their last activity in
    the Metadata Editor."""
    decision = world.outcome()
    try:
        since = show_moment(parse_moment(call.values["since"]))
    except ValueError as error:
        raise SpecError(call.values["since"], "bad_time", str(error)) from None
    wanted = f"{call.values['holder']} since {since}"
    if not isinstance(decision, NotAddedLocked):
        return _check("lock", wanted, f"no lock evidence: {_describe(decision)}")
    actual_since = show_moment(decision.lock.last_activity)
    return _check("lock", wanted, f"{decision.lock.holder} since {actual_since}")


def _field_text(one: Field) -> str:
    if isinstance(one, DataField):
        indicators = (one.indicator1 + one.indicator2).replace(" ", "#")
        return f"{one.tag} {indicators} {one.text}"
    return f"{one.tag} {one.value}"


def _merged_fields(world: World) -> list[str] | None:
    decision = world.outcome()
    if isinstance(decision, Merge | Add) and decision.record is not None:
        return [_field_text(one) for one in decision.record.fields]
    return None


@step(StepKind.OUTCOME, "the saved record has these fields:", topic=EVIDENCE, table=True,
      example="""
Then the saved record has these fields:
  | tag | indicators | subfields                      |
  | 035 | ##         | $a (OCoLC)1234567              |
  | 590 | ##         | $a Gift of the author $9 LOCAL |
""")
def saved_fields(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """Fields the bib has after the export (the merged record, or the added one), each written as
    in the incoming-record table. Other fields may be present too."""
    _, expected = parse_fields(call.table, line=call.line)
    actual = _merged_fields(world)
    wanted = [_field_text(one) for one in expected]
    if actual is None:
        return _check("saved record", "\n".join(wanted), f"no record: {_describe(world.outcome())}")
    missing = [text for text in wanted if text not in actual]
    if not missing:
        return ()
    return (Mismatch(what="saved record (fields missing)", expected="\n".join(wanted),
                     actual="\n".join(actual)),)


@step(StepKind.OUTCOME, "the saved record has no {tag} field", topic=EVIDENCE,
      example="And the saved record has no 019 field")
def saved_without(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """No field with this tag is in the bib after the export."""
    tag = call.values["tag"]
    actual = _merged_fields(world)
    if actual is None:
        return _check(f"saved record without {tag}", f"no {tag} field",
                      f"no record: {_describe(world.outcome())}")
    present = [text for text in actual if text.split(" ", 1)[0] == tag]
    return _check(f"saved record without {tag}", f"no {tag} field", "\n".join(present)
                  or f"no {tag} field")


@step(StepKind.OUTCOME, "the trace shows:", topic=EVIDENCE, table=True, example="""
And the trace shows:
  | stage         | verdict |
  | lock          | passed  |
  | brief         | failed  |
  | older version | passed  |
""")
def trace_shows(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """Steps of the decision's trace, in the order listed (other steps may come between): the
    stage (profile, logon, marcxml, normalization, match, candidates, cz link, lock, brief, older
    version, outcome) and its verdict (passed, failed, off, not applicable). An optional column
    "says" checks that the step's detail contains that text."""
    columns = {"stage": ("stage",), "verdict": ("verdict",), "says": ("says", "detail")}
    stages = {one.value: one for one in Stage}
    verdicts = {one.value: one for one in Verdict}
    wanted: list[tuple[Stage, Verdict, str]] = []
    for index, row, cells in rows_by_column(call.table, columns, required=("stage", "verdict"),
                                            line=call.line):
        stage_name = "_".join(cells["stage"].lower().replace("-", " ").split())
        verdict_name = "_".join(cells["verdict"].lower().split())
        if stage_name not in stages or verdict_name not in verdicts:
            raise row_error(row, index, f"stage one of: {', '.join(stages)}; verdict one of: "
                                        f"{', '.join(verdicts)}")
        wanted.append((stages[stage_name], verdicts[verdict_name], cells.get("says", "")))
    trace = world.outcome().trace
    position = 0
    for stage_, verdict, says in wanted:
        while position < len(trace) and not (
            trace[position].stage is stage_ and trace[position].verdict is verdict
            and says in trace[position].detail
        ):
            position += 1
        if position == len(trace):
            return (Mismatch(
                what="trace",
                expected="\n".join(f"{s.value}: {v.value}" + (f" ({t})" if t else "")
                                   for s, v, t in wanted),
                actual="\n".join(f"{one.stage.value}: {one.verdict.value} ({one.detail})"
                                 for one in trace),
            ),)
        position += 1
    return ()
