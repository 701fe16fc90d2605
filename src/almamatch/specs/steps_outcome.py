"""Steps that check Alma's decision: code, host message, MMS ID, evidence, trace.

Theory of operation: a check never raises for a decision that differs from the spec; it returns
``Mismatch`` values (what, expected, actual) that the report sets side by side. It raises
``SpecError`` only when the spec itself is unusable (an unknown code, a malformed table).
"""

from __future__ import annotations

import enum
import re

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
    named_mms_id,
)
from almamatch.core.errors import AlmamatchError
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import parse_moment, row_error, rows_by_column, show_moment
from almamatch.specs.vocabulary import Mismatch, StepCall, StepKind, step
from almamatch.specs.world import World

__all__ = ["check", "describe"]  # shared with steps_saved; the steps register themselves

OUTCOME = "What Alma does"
EVIDENCE = "The evidence and the trace"


def check(what: str, expected: str, actual: str) -> tuple[Mismatch, ...]:
    return () if expected == actual else (Mismatch(what=what, expected=expected, actual=actual),)


def describe(decision: Decision) -> str:
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
    return check("outcome", wanted, str(world.outcome().code))


@step(StepKind.OUTCOME, 'the host message is "{message}"', topic=OUTCOME,
      example='Then the host message is "Import Failed: Multi matches found for this record."')
def host_message(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The exact text Connexion shows the cataloger, whole: "Import Failed: " and the reason for
    a refusal; the success text and the MMS ID for an add or a merge."""
    return check("host message", call.values["message"], world.outcome().host_message)


@step(StepKind.OUTCOME, 'the record is added as MMS ID "{mms_id}"', topic=OUTCOME,
      example='Then the record is added as MMS ID "9915681"')
def added_as(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The record was added as a new bib with this MMS ID."""
    decision = world.outcome()
    actual = decision.mms_id if isinstance(decision, Add) else describe(decision)
    return check("added as", call.values["mms_id"], actual)


@step(StepKind.OUTCOME, "the record is added under a new MMS ID", topic=OUTCOME,
      example="Then the record is added under a new MMS ID")
def added_new(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The record was added as a new bib, under an MMS ID that no bib of the zone held before
    this export (whatever the number is; a later step can name it "the bib the first export
    added")."""
    result = world.export_result(0)
    decision = result.decision
    if not isinstance(decision, Add):
        return check("added under a new MMS ID", "ADDED under a new MMS ID", describe(decision))
    if decision.mms_id in result.held_before:
        return check("added under a new MMS ID", "ADDED under a new MMS ID",
                      f"ADDED under {decision.mms_id}, which a bib already held")
    return ()


@step(StepKind.OUTCOME, "the record is merged into {bib}", topic=OUTCOME,
      example='Then the record is merged into MMS ID "991234567890205681"')
def merged_into(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The record was merged into this existing bib: MMS ID "991234567890205681", or a bib an
    earlier export of the scenario added or merged into ("the bib the first export added")."""
    wanted = world.resolve_bib(call.values["bib"])
    decision = world.outcome()
    actual = decision.mms_id if isinstance(decision, Merge) else describe(decision)
    return check("merged into", wanted, actual)


@step(StepKind.OUTCOME, "the refused bib is {bib}", topic=EVIDENCE,
      example='Then the refused bib is MMS ID "991234567890205681"')
def refused_bib(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The one bib a lock, brief-level or older-version refusal (or a CZ skip) is about: MMS ID
    "991234567890205681", or "the bib the first export added"."""
    wanted = world.resolve_bib(call.values["bib"])
    decision = world.outcome()
    actual = named_mms_id(decision)
    if isinstance(decision, Add | Merge) or actual is None:
        actual = f"no refused bib: {describe(decision)}"
    return check("refused bib", wanted, str(actual))


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
    compared. An MMS ID cell may name an earlier export's bib ("the bib the first export
    added")."""
    columns = {"mms_id": ("MMS ID",), "key": ("key", "OCLC number"),
               "incoming": ("incoming side",), "zone": ("zone side",)}
    rows = rows_by_column(call.table, columns, required=("mms_id",), line=call.line)
    names = [name for name in columns if name in rows[0][2]] if rows else ["mms_id"]
    expected = []
    for index, row, cells in rows:
        written = cells["mms_id"].strip()
        try:
            cells["mms_id"] = written if written.isdigit() else world.resolve_bib(written)
        except SpecError as error:
            raise row_error(row, index, error.detail) from None
        expected.append(tuple(cells[name].strip() for name in names))
    decision = world.outcome()
    actual: list[tuple[str, ...]] = []
    if isinstance(decision, MultiMatch):
        for one in decision.candidates:
            found = {"mms_id": one.mms_id, "key": one.key.literal,
                     "incoming": one.incoming_side.value, "zone": one.zone_side.value}
            actual.append(tuple(found[name] for name in names))
    return check("candidates", _rows(names, expected), _rows(names, actual))


def _rows(names: list[str], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return "(none)"
    return "\n".join(" | ".join(row) for row in sorted(rows))


@step(StepKind.OUTCOME, 'the brief levels are "{existing}" in the zone and "{incoming}" incoming',
      topic=EVIDENCE, example='And the brief levels are "10" in the zone and "05" incoming')
def brief_levels(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The levels the brief guard compared, 01-10: the zone bib's and the incoming record's. On
    a NOT_ADDED_BRIEF refusal they are its evidence; on a merge (or another refusal) they are
    what the guard saw and let through. When the guard compared nothing, the report says why:
    the guard is off, there was no candidate (the record is new), or the guard was not evaluated
    (no single matching bib, no single profile)."""
    decision = world.outcome()
    try:
        existing = BriefLevel.parse(call.values["existing"])
        incoming = BriefLevel.parse(call.values["incoming"])
    except AlmamatchError as error:
        raise SpecError(error.text, "bad_level", "brief levels run from 01 to 10") from None
    wanted = f"{existing} in the zone, {incoming} incoming"
    if isinstance(decision, NotAddedBrief):
        return check("brief levels", wanted,
                      f"{decision.existing_level} in the zone, {decision.incoming_level} incoming")
    compared = _brief_comparison(decision)
    if isinstance(compared, _NotCompared):
        return check("brief levels", wanted,
                      f"not compared: {compared.value} ({describe(decision)})")
    return check("brief levels", wanted, f"{compared[0]} in the zone, {compared[1]} incoming")


class _NotCompared(enum.Enum):
    """Why the brief guard compared no levels: three different facts a policy may state."""

    OFF = "guard off"
    NO_CANDIDATE = "no candidate"
    NOT_EVALUATED = "not evaluated"


# The brief step's words in the trace: "existing 10 vs incoming 05 (Leader/17 ...".
_COMPARED = re.compile(r"existing (\d\d) vs incoming (\d\d)")


def _brief_comparison(decision: Decision) -> tuple[str, str] | _NotCompared:
    """The two levels the brief guard compared (from its trace step), or why it compared none."""
    step_ = next((one for one in decision.trace if one.stage is Stage.BRIEF), None)
    if step_ is not None and step_.verdict is Verdict.OFF:
        return _NotCompared.OFF
    if isinstance(decision, Add):
        return _NotCompared.NO_CANDIDATE
    found = _COMPARED.search(step_.detail) if step_ is not None else None
    if found is None:
        return _NotCompared.NOT_EVALUATED
    return found.group(1), found.group(2)


@step(StepKind.OUTCOME, "the brief guard compared no levels: {reason}", topic=EVIDENCE,
      example="And the brief guard compared no levels: no candidate")
def brief_not_compared(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The brief guard compared no levels, for this reason: "guard off" (the profile does not
    run it), "no candidate" (nothing matched: the record is new) or "not evaluated" (no single
    matching bib, as in a multi-match, or no single profile)."""
    reasons = {one.value: one for one in _NotCompared}
    wanted = " ".join(call.values["reason"].lower().split())
    if wanted not in reasons:
        raise SpecError(wanted, "unknown_reason",
                        f"unknown reason {wanted!r}; known: {', '.join(reasons)}")
    decision = world.outcome()
    compared = _brief_comparison(decision)
    if isinstance(compared, _NotCompared):
        return check("brief guard", f"compared no levels: {wanted}",
                      f"compared no levels: {compared.value}")
    return check("brief guard", f"compared no levels: {wanted}",
                  f"compared {compared[0]} in the zone with {compared[1]} incoming "
                  f"({describe(decision)})")


@step(StepKind.OUTCOME, 'the versions are "{existing}" in the zone and "{incoming}" incoming',
      topic=EVIDENCE,
      example='And the versions are "20260301000000.0" in the zone and "20250101000000.0" incoming')
def versions(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """The versions the older-version guard compared: the bib's originating system version and
    the incoming 005. On a NOT_ADDED_OLD refusal they are its evidence ("none" for a side without
    a usable 005); on a merge (or another refusal) they are what the guard saw and let through.
    When the guard compared nothing, the report says why (guard off, no candidate, or the
    trace's own words)."""
    decision = world.outcome()
    wanted = f"{call.values['existing']} in the zone, {call.values['incoming']} incoming"
    if isinstance(decision, NotAddedOld):
        existing = str(decision.existing_version) if decision.existing_version else "none"
        incoming = str(decision.incoming_version) if decision.incoming_version else "none"
        return check("versions", wanted, f"{existing} in the zone, {incoming} incoming")
    step_ = next((one for one in decision.trace if one.stage is Stage.OLDER_VERSION), None)
    found = _VERSIONS.search(step_.detail) if step_ is not None else None
    if found is not None and not isinstance(decision, Add):
        return check("versions", wanted,
                      f"{found.group(1)} in the zone, {found.group(2)} incoming")
    if step_ is not None and step_.verdict is Verdict.OFF:
        why = _NotCompared.OFF.value
    elif isinstance(decision, Add) or step_ is None:
        why = _NotCompared.NO_CANDIDATE.value
    else:
        why = step_.detail
    return check("versions", wanted, f"not compared: {why} ({describe(decision)})")


# The older-version step's words in the trace: "originating system version A vs incoming 005 B".
_VERSIONS = re.compile(r"originating system version (\S+) vs incoming 005 (\S+?)(?::|$)")


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
        return check("lock", wanted, f"no lock evidence: {describe(decision)}")
    actual_since = show_moment(decision.lock.last_activity)
    return check("lock", wanted, f"{decision.lock.holder} since {actual_since}")


@step(StepKind.OUTCOME, "the trace shows:", topic=EVIDENCE, table=True, example="""
And the trace shows:
  | stage         | verdict |
  | lock          | passed  |
  | brief         | failed  |
  | older_version | passed  |
""")
def trace_shows(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """Steps of the decision's trace, in the order listed (other steps may come between): the
    stage (profile, logon, marcxml, normalization, match, candidates, cz_link, lock, brief,
    older_version, outcome) and its verdict (passed, failed, off, not_applicable), written as
    ``almamatch decide`` and the JSON write them. An optional column "says" checks that the
    step's detail contains that text."""
    columns = {"stage": ("stage",), "verdict": ("verdict",), "says": ("says", "detail")}
    stages = {one.value: one for one in Stage}
    verdicts = {one.value: one for one in Verdict}
    wanted: list[tuple[Stage, Verdict, str]] = []
    for index, row, cells in rows_by_column(call.table, columns, required=("stage", "verdict"),
                                            line=call.line):
        stage_name, verdict_name = cells["stage"].strip(), cells["verdict"].strip()
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
