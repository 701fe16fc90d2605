"""``decide()``: Alma's whole answer to one Connexion export, with the trace of every stage.

Theory of operation: every stage of DESIGN.md's "The decision, in order" lives here, in order, as
a stage function, each called in turn by ``decide()`` (stages 8-10 in the profile's
``guard_order``). Each stage reads the scratch state of one call (``_Run``), returns one
``Step``, the trace's next, and may name a refusal (``_refuse``). The first refusal wins; the
stages after it still run and are traced, so that a reader sees everything that would have
blocked the record. A stage that has nothing to look at (no single profile, no single candidate)
says so with ``Verdict.NOT_APPLICABLE``.

Where Alma's documentation is silent the profile decides (``core.profile``), and each step's
detail names the option and its default. ``decide()`` is pure and total: for a record that loaded
it returns a ``Decision``; any exception other than ``InvalidDecisionInput`` is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Final

from almamatch.core.decision import (
    PURE_MAKERS,
    Candidate,
    Code,
    ConnectionClosed,
    Decision,
    Failure,
    LogonFailed,
    Makers,
    MarcXmlConversionFailed,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    Refusal,
    SkippedCzLinked,
    Stage,
    Step,
    Verdict,
    make_step,
)
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import BibFacts, Side
from almamatch.core.lock import Lock
from almamatch.core.merge import MergeMethod, MergePlans
from almamatch.core.normalization import assign_mms_id
from almamatch.core.oclc import OclcNumber, ParsedNumbers
from almamatch.core.profile import (
    DEFAULT_GUARD_ORDER,
    Guard,
    IntegrationProfile,
    MatchMethod,
    OlderVersionGuard,
)
from almamatch.core.record import Bib, Field
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, Groundwork, PreparedRecord, Zone, prepare

__all__ = ["DecisionCache", "InvalidDecisionInput", "connection_closed", "decide"]

#: A candidate's fields, in ``Candidate``'s order: its MMS ID, the incoming key that found it, the
#: key's side in the export and the side the zone bib carries it on.
CandidateFields = tuple[str, OclcNumber, Side, Side]

#: A refusal a stage names (``_refuse``) is built with an empty trace (``_UNTRACED``): its ``code``
#: is what stage 11's step names, and stage 11 then gives the first refusal the whole trace, that
#: step included.
_UNTRACED: Final[tuple[Step, ...]] = ()

_NO_PROFILE: Final = "no single integration profile to read it from"
_NO_CANDIDATE: Final = "no single matching bib"
_UNREAD: Final = object()  # a value not derived yet


class InvalidDecisionInput(AlmamatchError):
    """``decide()`` was called with something that is not an export, a zone or a moment."""


class _Run:
    """The scratch state of one ``decide()`` call, read by its stages alone.

    Each ``DecisionCache`` keeps one (``DecisionCache.run``), which ``start`` sets anew, every
    field, for each call: made once, not for every record (its making and its freeing cost
    about as much again as setting its fields).
    """

    __slots__ = (
        "cache", "candidates", "descriptions", "export", "facts", "incoming_035s", "now",
        "prepared", "profile", "reading", "refusal", "step", "version", "zone",
    )

    # Stage 5's candidates, each as the fields of its ``Candidate`` (``_candidate``): only a
    # MultiMatch shows them, so the values are made for it alone (``_candidates``); and stage 6's
    # words for each. Set by stage 5 (``_match``) for a prepared record; read only for one.
    candidates: list[CandidateFields]
    descriptions: list[str]

    def __init__(self, cache: DecisionCache) -> None:
        self.cache = cache

    def start(self, export: Export, zone: Zone, now: datetime) -> _Run:
        """This run, set for a call that decides ``export`` (nothing of the last call kept)."""
        self.export = export
        self.zone = zone
        self.now = now
        # The maker of the steps made for this record alone (``Makers``): the cache's.
        self.step: Callable[[Stage, Verdict, str], Step] = self.cache.makers.step
        self.profile: IntegrationProfile | None = None
        self.reading: _ProfileReading | None = None  # of ``profile``, by the cache (stage 1)
        self.prepared: PreparedRecord | None = None
        self.incoming_035s: list[Field] = []  # the prepared record's 035s (``prepare``)
        self.version: object = _UNREAD  # the prepared record's 005, read when first asked
        self.facts: BibFacts | None = None
        self.refusal: Refusal | None = None  # the first refusal a stage named (``_refuse``)
        return self


_SET_CANDIDATE: Final = tuple(slot_setter(Candidate, name) for name in (
    "mms_id", "key", "incoming_side", "zone_side"))
#: Set once on a refusal made by a stage of the same ``decide()`` call (``_outcome``).
_SET_TRACE: Final = slot_setter(Failure, "trace")


def _refuse(run: _Run, step: Step, refusal: Refusal) -> Step:
    """A stage's ``step`` that names ``refusal``: the run's refusal unless a stage before named
    one (the first refusal wins); the step, to return."""
    if run.refusal is None:
        run.refusal = refusal
    return step


#: The steps made once (a fixed text, or one per distinct small value) are made by the pure maker;
#: those made for one record alone by the run's (``_Run.step``).
_step: Final = make_step


def _candidate(mms_id: str, key: OclcNumber, incoming_side: Side, zone_side: Side
               ) -> Candidate:
    """``Candidate(...)`` of these fields, made as ``make_step`` makes a step."""
    candidate: Candidate = new_instance(Candidate)
    set_mms_id, set_key, set_incoming, set_zone = _SET_CANDIDATE
    set_mms_id(candidate, mms_id)
    set_key(candidate, key)
    set_incoming(candidate, incoming_side)
    set_zone(candidate, zone_side)
    return candidate


# Speed: a Step is an immutable value, so a step whose text is fixed is built once here, and one
# whose text follows from a few small values is built once per distinct value (``lru_cache``,
# or ``_REFUSED`` per code); what follows from the prepared record alone is derived once per
# decision (``_Run``), and what a caller deciding many records may keep between decisions is in
# its ``DecisionCache`` (stage 4's step per distinct notes). The texts are the same as building
# each step anew.
_MARCXML_OFF: Final = _step(Stage.MARCXML, Verdict.OFF, "validate_marcxml=False (default True)")
_MARCXML_PASSED: Final = _step(Stage.MARCXML, Verdict.PASSED, "converts to MARCXML")
_NORMALIZATION_NA: Final = _step(Stage.NORMALIZATION, Verdict.NOT_APPLICABLE, _NO_PROFILE)
_MATCH_NA: Final = _step(Stage.MATCH, Verdict.NOT_APPLICABLE, _NO_PROFILE)
_CANDIDATES_NA: Final = _step(Stage.CANDIDATES, Verdict.NOT_APPLICABLE, _NO_PROFILE)
_CANDIDATES_NEW: Final = _step(Stage.CANDIDATES, Verdict.PASSED, "no match: the record is new")
_CZ_LINK_NA: Final = _step(Stage.CZ_LINK, Verdict.NOT_APPLICABLE, _NO_CANDIDATE)
_CZ_LINK_PASSED: Final = _step(Stage.CZ_LINK, Verdict.PASSED, "not linked to the Community Zone")
_LOCK_NA: Final = _step(Stage.LOCK, Verdict.NOT_APPLICABLE, _NO_CANDIDATE)
_LOCK_PASSED: Final = _step(Stage.LOCK, Verdict.PASSED, "not locked")
_BRIEF_NO_PROFILE: Final = _step(Stage.BRIEF, Verdict.NOT_APPLICABLE, _NO_PROFILE)
_BRIEF_OFF: Final = _step(Stage.BRIEF, Verdict.OFF, "brief_guard=False (default True)")
_BRIEF_NA: Final = _step(Stage.BRIEF, Verdict.NOT_APPLICABLE, _NO_CANDIDATE)
_OLDER_NO_PROFILE: Final = _step(Stage.OLDER_VERSION, Verdict.NOT_APPLICABLE, _NO_PROFILE)
_OLDER_OFF: Final = _step(
    Stage.OLDER_VERSION, Verdict.OFF,
    "older_version_guard=Disabled (default Consider Originating System)",
)
_OLDER_NA: Final = _step(Stage.OLDER_VERSION, Verdict.NOT_APPLICABLE, _NO_CANDIDATE)


# The enum members the stages read for each record, read once: a member read from its class goes
# through ``EnumType.__getattr__`` (Python 3.11), ten times the cost of reading a global name.
_ACTIVE_SIDE: Final = Side.ACTIVE
_CANCELLED_SIDE: Final = Side.CANCELLED
_LITERAL: Final = MatchMethod.LITERAL
_DISABLED: Final = OlderVersionGuard.DISABLED
_MATCH: Final = Stage.MATCH
_CANDIDATES: Final = Stage.CANDIDATES
_OLDER_VERSION: Final = Stage.OLDER_VERSION
_OUTCOME: Final = Stage.OUTCOME
_PASSED: Final = Verdict.PASSED
_FAILED: Final = Verdict.FAILED
_NOT_APPLICABLE: Final = Verdict.NOT_APPLICABLE


def _normalization_step(notes: tuple[str, ...]) -> Step:
    detail = "; ".join(notes) or "no normalization steps; no 003 to fold"
    return _step(Stage.NORMALIZATION, Verdict.PASSED, detail)


#: Stage 11's step for each refusal: its text is the code alone.
_REFUSED: Final = {
    code: _step(Stage.OUTCOME, Verdict.FAILED, f"Import Failed: {code}") for code in Code
}


@lru_cache(maxsize=256)
def _profile_step(name: str) -> Step:
    return _step(Stage.PROFILE, Verdict.PASSED, f"one profile: {name!r}")


@lru_cache(maxsize=256)
def _logon_step(logon_id: str, host: str) -> Step:
    return _step(Stage.LOGON, Verdict.PASSED, f"{logon_id} at {host}")


class DecisionCache:
    """What ``decide()`` may keep between decisions, owned by the caller that decides many.

    A batch makes one for its run and passes it to every ``decide()`` call; the values decided
    stay plain (nothing is stored inside a ``Bib``, a prepared record or a merge method). It holds
    only what does not depend on one record (per merge method, what each rule selects per tag;
    ``numbers``, the OCLC numbers texts parse to, a bounded memo: a number is an immutable value;
    stage 4's steps by their notes, also bounded: a step is an immutable value; what the stages
    read of the zone met last and its profile, ``profile_reading``) and two things about the
    record at hand: until the next call, what the last call derived that applying its decision
    needs again (``groundwork``); and the reader's word about the record it read last, that its
    bytes showed it converts to MARCXML (``note_convertible``).
    Without one, ``decide()`` uses a fresh cache for the call; the decision is the same. A
    cache serves one ``decide()`` call at a time (its ``run`` is the call's scratch state), as
    its ``groundwork`` already asks.

    ``makers``: how the values made anew for each record are made (``Makers``): the pure makers
    unless the caller hands it their compiled twins, which make equal values.
    """

    __slots__ = ("_convertible", "_groundwork", "_merge_plans", "_normalization_steps", "makers",
                 "numbers", "profile_reading", "run", "steps_limit")

    def __init__(self, makers: Makers = PURE_MAKERS) -> None:
        self.makers = makers
        self._merge_plans: dict[int, MergePlans] = {}
        self._groundwork: Groundwork | None = None
        self._convertible: Bib | None = None
        self._normalization_steps: dict[tuple[str, ...], Step] = {}
        self.steps_limit = 256  # distinct stage 4 steps kept (``normalization_step``)
        self.numbers = ParsedNumbers(parse=makers.parse, saved=makers.saved_number)
        # What the stages read of the zone met last and its one profile (``_ProfileReading``),
        # kept with the zone it is of (which it keeps alive, so that its identity is not
        # another's).
        self.profile_reading: _ProfileReading | None = None
        # The scratch state of its ``decide()`` calls, one at a time (``_Run.start``).
        self.run = _Run(self)

    def normalization_step(self, notes: tuple[str, ...]) -> Step:
        """Stage 4's step for a record whose normalization notes (``PreparedRecord.notes``)
        are ``notes``: the step is the notes' text alone, so it is made once per distinct
        notes (a profile's named steps give a handful; rule text may give more, so at most
        ``steps_limit`` are kept and the table starts again empty when full)."""
        steps = self._normalization_steps
        step = steps.get(notes)
        if step is None:
            if len(steps) >= self.steps_limit:
                steps.clear()
            step = steps[notes] = _normalization_step(notes)
        return step

    def groundwork(self, decision: Decision) -> Groundwork | None:
        """What the last ``decide()`` call with this cache derived for ``decision``, to pass to
        the zone's ``apply`` (``InMemoryZone.apply``) next; None for any other decision."""
        found = self._groundwork
        return found if found is not None and found.decision is decision else None

    def merge_plans(self, method: MergeMethod) -> MergePlans:
        """The plans of ``method`` (by identity: a batch merges with its profile's one method)."""
        found = self._merge_plans.get(id(method))
        if found is None or found.method is not method:
            found = self._merge_plans[id(method)] = MergePlans(method, self.makers.loops)
        return found

    def note_convertible(self, record: Bib) -> None:
        """Note that ``record`` converts to MARCXML, which its reader saw in its bytes
        (``marc.iso2709.decode_vouched``: exactly when ``core.marcxml.conversion_problems``
        finds nothing), so that stage 3 of the next decision of this very record (by identity)
        does not look at its fields again. Only the record noted last is kept."""
        self._convertible = record

    def convertible(self, record: Bib) -> bool:
        """Whether ``record`` is the record noted last by ``note_convertible``."""
        return self._convertible is record


# -- stage 1 -----------------------------------------------------------------------------------
def _profile(run: _Run) -> Step:
    # "No integration profile found for institution 01CARLI_XXX": "Your institution zone
    # configuration has more than one Connexion integration profile." (seed 004)
    profiles = run.zone.profiles
    if len(profiles) == 1:
        run.profile = profiles[0]
        cache, zone = run.cache, run.zone
        reading = cache.profile_reading
        if reading is None or reading.zone is not zone:
            reading = cache.profile_reading = _ProfileReading(zone, profiles[0])
        run.reading = reading
        return reading.step
    names = ", ".join(repr(one.name) for one in profiles)
    detail = (
        f"{len(profiles)} Connexion integration profiles ({names}); Alma needs exactly one"
        if profiles
        else "no Connexion integration profile"
    )
    refusal = NoIntegrationProfile(institution=run.zone.institution,
                                   profiles_found=len(profiles), trace=_UNTRACED)
    return _refuse(run, run.step(Stage.PROFILE, Verdict.FAILED, detail), refusal)


# -- stage 2 -----------------------------------------------------------------------------------
def _logon(run: _Run) -> Step:
    export, zone, reading = run.export, run.zone, run.reading
    # Most often every part is exactly the zone's (its host is kept stripped): nothing to fold.
    if (reading is not None and export.logon_id == zone.logon_id and export.host == zone.host
            and export.password == reading.profile.password):
        return reading.logon_step  # ``_logon_step(zone.logon_id, zone.host)``
    problems: list[str] = []
    # "Make sure that the host name and the Logon ID correspond to each other" (seed 000).
    # Logon IDs compare exactly ("Settings may be case sensitive"); host names as DNS does.
    if export.logon_id != zone.logon_id:
        problems.append(f"logon ID {export.logon_id!r} is not this zone's ({zone.logon_id})")
    if export.host.strip().lower() != zone.host.lower():
        problems.append(f"host {export.host!r} is not this zone's host ({zone.host})")
    if run.profile is not None and export.password != run.profile.password:
        problems.append("the password is not the integration profile's")
    if problems:
        refusal = LogonFailed(logon_id=export.logon_id, host=export.host,
                              problems=tuple(problems), trace=_UNTRACED)
        return _refuse(run, run.step(Stage.LOGON, Verdict.FAILED, "; ".join(problems)), refusal)
    if run.profile is None:
        detail = f"logon ID and host are this zone's; password not checked: {_NO_PROFILE}"
        return run.step(Stage.LOGON, Verdict.NOT_APPLICABLE, detail)
    return _logon_step(export.logon_id, zone.host)


# -- stage 3 -----------------------------------------------------------------------------------
def _marcxml(run: _Run) -> Step:
    # "Check the data using: MarcXML Bib Import" (CARLI IZ profile, S3). Without a single profile
    # the check still runs: the conversion does not depend on the profile's options.
    if run.profile is not None and not run.profile.validate_marcxml:
        return _MARCXML_OFF
    # Its bytes showed it, as the reader saw (``DecisionCache.convertible``, read in place).
    if run.cache._convertible is run.export.record:
        return _MARCXML_PASSED
    problems = run.export.conversion_problems
    if not problems:
        return _MARCXML_PASSED
    detail = "; ".join(problem.detail for problem in problems)
    return _refuse(run, run.step(Stage.MARCXML, Verdict.FAILED, detail), MarcXmlConversionFailed(
        problems=problems, trace=_UNTRACED
    ))


# -- stage 4 -----------------------------------------------------------------------------------
def _normalization(run: _Run) -> Step:
    # "Alma applies the import settings (normalization, validation, and merge routines) defined
    # in the integration profile" (Ex Libris S1); then the save rule folds 003 (S18).
    reading = run.reading
    if reading is None:
        return _NORMALIZATION_NA
    run.prepared = prepared = prepare(run.export.record, reading.normalization_steps,
                                      numbers=run.cache.numbers, found_035s=run.incoming_035s,
                                      makers=run.cache.makers)
    return run.cache.normalization_step(prepared.notes)


# -- stage 5 -----------------------------------------------------------------------------------
#: ``Side.value`` of each side, read once: an enum's ``value`` is a property, and a table keyed by
#: the enum would hash it in Python.
_ACTIVE_WORD: Final = Side.ACTIVE.value
_CANCELLED_WORD: Final = Side.CANCELLED.value


def _same_form(key: OclcNumber, number: OclcNumber) -> bool:
    return key.form.prefix == number.form.prefix and key.form.width == number.form.width


def _listing(literals: list[str]) -> str:
    return ", ".join(literals) or "none"


def _match_words(profile: IntegrationProfile) -> tuple[bool, bool, str, str, str]:
    """Stage 5's reading of ``profile``'s match options: whether it matches literally, whether
    it counts 019 $a without normalization, what its step says after the incoming keys and
    before the 019 numbers it lists, what after those up to the hit count, and what between the
    active keys and the hit count for a record with neither cancelled keys nor 019 numbers
    (most). Read once per zone and profile (``_ProfileReading``)."""
    literal = profile.match_method is _LITERAL
    with_019 = profile.match_019_without_normalization
    method = (
        "Literal 035: value, prefix and digit count must agree"
        if literal
        else "Unique OCLC Identifier: by value, prefixes and leading zeros ignored"
    )
    keys_words = (f"; match_method {method} (default Unique OCLC Identifier); "
                  f"019 $a without normalization {'counted' if with_019 else 'ignored'}")
    options_words = f" (match_019_without_normalization={with_019}, default False); hits: "
    return (literal, with_019, keys_words, options_words,
            f"; cancelled none{keys_words}{options_words}")


#: Stage 6's words for a candidate after its key, by incoming side active, then zone side active
#: (a table of tables: no key tuple made for each candidate).
_SIDES_WORDS: Final = {
    incoming: {zone: (f" (incoming {_ACTIVE_WORD if incoming else _CANCELLED_WORD}, "
                      f"zone {_ACTIVE_WORD if zone else _CANCELLED_WORD})")
               for zone in (True, False)}
    for incoming in (True, False)
}


def _match(run: _Run) -> Step:
    # "Alma considers both active values in subfield a (035$a) and cancelled values (035$z; or
    # 019$a when seen in WorldCat)" (seed 004); the zone side is 035 $a and $z (S30).
    reading, prepared = run.reading, run.prepared
    if reading is None or prepared is None:
        return _MATCH_NA
    # The profile's match options and their words, read once (``_ProfileReading``).
    literal, with_019 = reading.literal, reading.with_019
    active, from_019 = prepared.active, prepared.cancelled_019
    cancelled = prepared.cancelled + from_019 if with_019 else prepared.cancelled
    # The keys in order, the active ones (the first ``actives``) first, each with its words.
    keys = active + cancelled if cancelled else active
    literals_of = run.cache.makers.literals
    literals = literals_of(keys)
    actives = len(active)
    found: dict[tuple[str, int, bool, bool], CandidateFields] = {}
    descriptions: list[str] = []
    run.descriptions = descriptions
    hits_of = run.zone.bibs.hits
    # The lookups, in order: each (value, form) once, with its side (by value, one lookup per
    # value; LITERAL looks up each written form). Most records have one key: nothing to skip.
    seen: set[object] | None = set() if len(keys) > 1 else None
    for at, key in enumerate(keys):
        value = key.value
        if seen is not None:
            mark = (value, key.form.prefix, key.form.width) if literal else value
            if mark in seen:
                continue
            seen.add(mark)
        incoming_active = at < actives
        for hit in hits_of(key):
            if literal and not _same_form(key, hit.number):
                continue
            mms_id, zone_side = hit.mms_id, hit.side
            zone_active = zone_side is _ACTIVE_SIDE
            found_mark = (mms_id, value, incoming_active, zone_active)
            if found_mark not in found:
                side = _ACTIVE_SIDE if incoming_active else _CANCELLED_SIDE
                found[found_mark] = (mms_id, key, side, zone_side)
                # Stage 6's words for the candidate.
                descriptions.append(
                    f"{mms_id} by {literals[at]}{_SIDES_WORDS[incoming_active][zone_active]}")
    run.candidates = list(found.values())
    if not cancelled and not from_019:  # most often: the words between made once
        listing = ", ".join(literals) or "none"  # ``_listing``
        return run.step(_MATCH, _PASSED, f"keys: active {listing}{reading.plain_words}{len(found)}")
    if cancelled:
        active_words, cancelled_words = _listing(literals[:actives]), _listing(literals[actives:])
    else:
        active_words, cancelled_words = _listing(literals), "none"
    detail = (
        f"keys: active {active_words}; cancelled {cancelled_words}"
        f"{reading.keys_words}{' ' + _listing(literals_of(from_019)) if from_019 else ''}"
        f"{reading.options_words}{len(found)}"
    )
    return run.step(_MATCH, _PASSED, detail)


# -- stage 6 -----------------------------------------------------------------------------------
def _candidates(run: _Run) -> Step:
    # "The exported record matched on two or more records in the same zone with the same OCLC
    # number present." (seed 004): candidates count once per MMS ID.
    if run.prepared is None:
        return _CANDIDATES_NA
    candidates = run.candidates
    if not candidates:
        return _CANDIDATES_NEW
    # Each candidate as "<mms_id> by <key> (incoming <side>, zone <side>)", made in stage 5.
    if len(candidates) == 1:  # most often: one bib, found once
        mms_id = candidates[0][0]
        listing = run.descriptions[0]
    else:
        mms_ids = dict.fromkeys([fields[0] for fields in candidates])
        listing = "; ".join(run.descriptions)
        if len(mms_ids) > 1:
            detail = f"{len(mms_ids)} bibs: {listing}"
            return _refuse(run, run.step(_CANDIDATES, _FAILED, detail), MultiMatch(
                candidates=tuple([_candidate(*fields) for fields in candidates]),
                trace=_UNTRACED,
            ))
        mms_id = next(iter(mms_ids))
    run.facts = run.zone.bibs.facts(mms_id)
    if run.facts is None:
        detail = f"one bib: {listing}; the zone view has no facts for it, guards cannot run"
        return run.step(_CANDIDATES, _PASSED, detail)
    return run.step(_CANDIDATES, _PASSED, f"one bib: {listing}")


# -- stage 7 -----------------------------------------------------------------------------------
def _cz_link(run: _Run) -> Step:
    # "records ... will be skipped if there is a pre-existing link to the Community Zone" (S1).
    facts = run.facts
    if facts is None:
        return _CZ_LINK_NA
    if facts.cz_linked:
        detail = f"{facts.mms_id} is linked to the CZ"
        return _refuse(run, run.step(Stage.CZ_LINK, Verdict.FAILED, detail), SkippedCzLinked(
            mms_id=facts.mms_id, trace=_UNTRACED
        ))
    return _CZ_LINK_PASSED


# -- stages 8-10, in the profile's guard_order -------------------------------------------------
def _lock(run: _Run) -> Step:
    # "Alma will unlock records 60 minutes after the cataloger exits the metadata editor."
    facts = run.facts
    if facts is None:
        return _LOCK_NA
    lock = facts.lock
    if lock is None:
        return _LOCK_PASSED
    if lock.is_active(run.now):
        return _refuse(run, _lock_step(lock, active=True), NotAddedLocked(
            mms_id=facts.mms_id, lock=lock, trace=_UNTRACED
        ))
    return _lock_step(lock, active=False)


@lru_cache(maxsize=1024)
def _lock_step(lock: Lock, *, active: bool) -> Step:
    since = lock.last_activity.isoformat(timespec="minutes")
    if active:
        detail = (f"locked by {lock.holder} since {since}; lapses at "
                  f"{lock.lapses_at.isoformat(timespec='minutes')}")
        return _step(Stage.LOCK, Verdict.FAILED, detail)
    detail = f"lock by {lock.holder} (last activity {since}) lapsed after 60 minutes"
    return _step(Stage.LOCK, Verdict.PASSED, detail)


def _brief(run: _Run) -> Step:
    # "Do not override/merge a record with lower brief version": blocked when "the Alma record
    # has a higher Brief Record Level than the OCLC record" (S29).
    reading, facts, prepared = run.reading, run.facts, run.prepared
    if reading is None or prepared is None:
        return _BRIEF_NO_PROFILE
    profile = reading.profile
    if not profile.brief_guard:
        return _BRIEF_OFF
    if facts is None:
        return _BRIEF_NA
    # The existing bib's level is the one stored with it, which the zone computed with the same
    # rules when it saved the bib (``IntegrationProfile.levels``, ``InMemoryZone.brief_rules``).
    existing = facts.brief_level
    rules = reading.levels
    incoming = rules.level_of(prepared.record)
    equal_blocks = profile.block_equal_brief_levels
    step = _brief_step(existing.value, incoming.value, prepared.record.leader[17], rules.name,
                       equal_blocks)
    if step.verdict is _FAILED:
        return _refuse(run, step, NotAddedBrief(
            mms_id=facts.mms_id, existing_level=existing, incoming_level=incoming,
            trace=_UNTRACED,
        ))
    return step


@lru_cache(maxsize=1024)
def _brief_step(existing: int, incoming: int, leader_17: str, rules: str, equal_blocks: bool
                ) -> Step:
    blocked = existing > incoming or (equal_blocks and existing == incoming)
    display = "#" if leader_17 == " " else leader_17  # EncodingLevel.display
    detail = (
        f"existing {existing:02d} vs incoming {incoming:02d} (Leader/17 {display!r}, rules "
        f"{rules}); equal levels {'block' if equal_blocks else 'merge'} "
        f"(block_equal_brief_levels={equal_blocks}, default False)"
    )
    return _step(Stage.BRIEF, Verdict.FAILED if blocked else Verdict.PASSED, detail)


def _older_version(run: _Run) -> Step:
    # "comparing the incoming bib record's date/time in the 005 field, against the date/time of
    # the existing bib record's 'Originating System Version' field" (Orbis Cascade, S22).
    profile, facts, prepared = run.profile, run.facts, run.prepared
    if profile is None or prepared is None:
        return _OLDER_NO_PROFILE
    if profile.older_version_guard is _DISABLED:
        return _OLDER_OFF
    if facts is None:
        return _OLDER_NA
    existing = facts.originating_version
    incoming = _incoming_version(run)
    if existing is not None and incoming is not None:
        # ``Timestamp.__str__`` called as a method: through ``format`` (``object.__format__``
        # and the type's slot) each text costs about 800 instructions more.
        detail = (f"originating system version {existing.__str__()} vs incoming 005 "
                  f"{incoming.__str__()}")
        if existing > incoming:
            return _refuse(run, run.step(_OLDER_VERSION, _FAILED, detail + ": existing is newer"),
                           NotAddedOld(mms_id=facts.mms_id, existing_version=existing,
                                       incoming_version=incoming, trace=_UNTRACED))
        return run.step(_OLDER_VERSION, _PASSED, detail)
    # Alma is silent; empty Originating System Version values defeated the check (S22).
    raw = prepared.record.control_value("005")
    why = [] if existing is not None else ["the bib has no originating system version"]
    if incoming is None:
        why.append("the incoming record has no 005" if raw is None else
                   f"the incoming 005 {raw!r} is malformed")
    blocks = profile.missing_version_blocks
    detail = (f"{'; '.join(why)}: {'blocks' if blocks else 'does not block'} "
              f"(missing_version_blocks={blocks}, default False)")
    if blocks:
        return _refuse(run, run.step(_OLDER_VERSION, _FAILED, detail), NotAddedOld(
            mms_id=facts.mms_id, existing_version=existing, incoming_version=incoming,
            trace=_UNTRACED,
        ))
    return run.step(_OLDER_VERSION, _NOT_APPLICABLE, detail)


Stage_ = Callable[[_Run], Step]

_GUARDS: Final[dict[Guard, Stage_]] = {
    Guard.LOCK: _lock,
    Guard.BRIEF: _brief,
    Guard.OLDER_VERSION: _older_version,
}
#: Stages 8-10 in the default order, for a run without a single profile.
_DEFAULT_GUARDS: Final = (_lock, _brief, _older_version)


def _guards(order: tuple[Guard, ...]) -> tuple[Stage_, ...]:
    if order == DEFAULT_GUARD_ORDER:
        return _DEFAULT_GUARDS
    return tuple(_GUARDS[guard] for guard in order)


class _ProfileReading:
    """What ``decide()`` reads of a zone's one profile, the same for every record decided with
    them: stage 1's step, stage 2's step for a logon that is the zone's, stages 8-10 in the
    profile's order (``_guards``), stage 4's steps (``IntegrationProfile.normalization_steps``),
    stage 5's match options and words (``_match_words``), stage 9's rules
    (``IntegrationProfile.levels``), and stage 11's merge (``IntegrationProfile.merge``) and its
    words. Made once per zone by the caller's cache (``DecisionCache.profile_reading``, of the
    zone met last, a frozen value whose profiles are its own); scratch, not a value."""

    __slots__ = ("guards", "keys_words", "levels", "literal", "logon_step", "merge", "merge_words",
                 "normalization_steps", "options_words", "plain_words", "profile", "step",
                 "with_019", "zone")

    def __init__(self, zone: Zone, profile: IntegrationProfile) -> None:
        self.zone = zone
        self.profile = profile
        self.step = _profile_step(profile.name)
        self.logon_step = _logon_step(zone.logon_id, zone.host)
        self.guards = _guards(profile.guard_order)
        self.normalization_steps = profile.normalization_steps
        (self.literal, self.with_019, self.keys_words, self.options_words,
         self.plain_words) = _match_words(profile)
        self.levels = profile.levels
        self.merge = method = profile.merge
        self.merge_words = f" with {method.name!r}"


def decide(export: Export, zone: Zone, now: datetime, *,
           cache: DecisionCache | None = None) -> Decision:
    """What Alma does with ``export`` sent to ``zone`` at ``now``: Add, Merge or a Failure.

    Parameters:
        export: the Gateway Export (``Export``): the record as Connexion sent it, the logon ID
            and password it came with, and the host it was sent to.
        zone: the target zone (``Zone``): its kind, institution, host and logon ID, its
            integration profiles (exactly one is needed) and ``bibs``, a read view of its bibs
            (the ``ZoneView`` protocol: the bibs an OCLC number finds, each bib's facts
            (brief level, originating version, Community Zone link, lock), the bib itself when
            a merge needs it, and the next MMS ID). ``InMemoryZone`` is one; the compact index
            and a saved zone folder are others.
        now: the moment of the export, against which locks lapse (60 minutes after the last
            activity). An aware ``datetime`` is compared in its own zone; a naive one is read as
            UTC. The clock is never read.

    Returns exactly one ``Decision``: ``Add`` (no bib matched: a new bib under the next MMS
    ID), ``Merge`` (one bib matched and nothing blocked) or a ``Failure`` subclass for the first
    stage that failed (``NoIntegrationProfile``, ``LogonFailed``, ``MarcXmlConversionFailed``,
    ``MultiMatch``, ``SkippedCzLinked``, ``NotAddedLocked``, ``NotAddedBrief``,
    ``NotAddedOld``). Every decision has ``code``, ``host_message`` (the exact text Connexion
    shows), ``headline`` and ``trace``; a failure also has ``reason``, its evidence as typed
    fields, and ``resolution``, the steps to resolve it.

    The trace holds one ``Step(stage, verdict, detail)`` per stage, in order (profile, logon,
    marcxml, normalization, match, candidates, cz_link, then the guards lock, brief and
    older_version in the profile's order, and outcome), including the stages after the first
    failure, so that a reader sees everything that would have blocked the record.

    Pure, total and deterministic: for a record that loaded, any exception other than
    ``InvalidDecisionInput`` (raised for arguments of the wrong type) is a bug. The zone is not
    changed: apply the decision with the zone's own ``apply`` (``InMemoryZone.apply``).
    ``cache`` is the caller's ``DecisionCache`` when it decides many records; it never changes
    a decision.
    """
    if not isinstance(export, Export) or not isinstance(zone, Zone):
        given = f"{type(export).__name__} and {type(zone).__name__}"
        raise InvalidDecisionInput(given, "wrong_type", "decide() takes an Export and a Zone")
    if not isinstance(now, datetime):
        raise InvalidDecisionInput(type(now).__name__, "not_a_datetime", "now is a datetime")
    run = (cache if cache is not None else DecisionCache()).run.start(export, zone, now)
    # Each stage in order, each step in turn (a stage that refuses notes it in ``run``): stages
    # 1-7 always in this order (DESIGN.md "The decision, in order"), then stages 8-10 in the
    # order of the profile stage 1 found. Each called by name, not in a comprehension over a
    # table of stages, which is a function call of its own and a loop.
    profile_step = _profile(run)
    reading = run.reading
    guard_8, guard_9, guard_10 = _DEFAULT_GUARDS if reading is None else reading.guards
    trace = [profile_step, _logon(run), _marcxml(run), _normalization(run), _match(run),
             _candidates(run), _cz_link(run), guard_8(run), guard_9(run), guard_10(run)]
    return _outcome(run, trace, run.refusal)


def _outcome(run: _Run, trace: list[Step], first: Refusal | None) -> Decision:
    """Stage 11: the first refusal, with the whole trace, or Add, or Merge."""
    cache = run.cache
    cache._groundwork = None  # filled here alone, for the decision returned
    if first is not None:
        trace.append(_REFUSED[first.code])
        # The refusal was made by a stage of this call, with no trace (``_UNTRACED``), and
        # nothing has seen it yet: its trace is set once, here, where ``evolve`` would copy
        # every field of it to set one.
        _SET_TRACE(first, tuple(trace))
        return first
    prepared, reading = run.prepared, run.reading
    if prepared is None or reading is None:  # unreachable: stage 1 blocks without a profile
        raise AssertionError("no refusal and no profile")
    # The incoming 005 (``_incoming_version``), which stage 10 read for most records.
    read = run.version
    incoming_version: Timestamp | None = (
        _incoming_version(run) if read is _UNREAD else read)  # type: ignore[assignment]
    makers = cache.makers
    if run.facts is None and not run.candidates:
        mms_id = run.zone.bibs.next_mms_id()
        trace.append(run.step(_OUTCOME, _PASSED, f"add as new bib {mms_id}"))
        record = assign_mms_id(prepared.record, mms_id)
        add = makers.add(mms_id, record, tuple(trace), incoming_version)
        cache._groundwork = Groundwork(add, (prepared.active, prepared.cancelled),
                                       makers=makers)
        return add
    mms_id = run.candidates[0][0]
    method = reading.merge
    merged = _merged(run, mms_id, method, prepared.record)
    detail = f"merge into {mms_id}{reading.merge_words}"
    if merged is None:
        detail += "; the zone view keeps facts only, so the merged record is not computed"
    trace.append(run.step(_OUTCOME, _PASSED, detail))
    merge = makers.merge(mms_id, merged, method.name, tuple(trace), incoming_version)
    cache._groundwork = Groundwork(merge, (prepared.active, prepared.cancelled), run.facts,
                                   cache.numbers, run.incoming_035s, makers=makers)
    return merge


def _incoming_version(run: _Run) -> Timestamp | None:
    """The incoming 005 as stages 10 and 11 read it (``Bib.latest_transaction`` of the prepared
    record, by the cache's ``Makers.version``): once per decision."""
    version = run.version
    if version is _UNREAD:
        prepared = run.prepared
        if prepared is None:  # unreachable: both read it only after stage 4 prepared the record
            raise AssertionError("the 005 is read before the record is prepared")
        version = run.version = run.cache.makers.version(prepared.record)
    return version  # type: ignore[return-value]


def _merged(run: _Run, mms_id: str, method: MergeMethod, incoming: Bib) -> Bib | None:
    # "the preferred record is the local record in Alma" (S15): existing is the primary.
    bibs = run.zone.bibs
    if not bibs.keeps_records:
        return None
    plans = run.cache.merge_plans(method)
    # Only the fields the method may keep or test are needed: a view that can leave the others
    # unread does (``MergePlans.read_positions``, ``reader``); the merged record is the same.
    existing = bibs.record_part(mms_id, plans.reader(incoming))
    if existing is None:
        return None
    return method.apply(existing, incoming, plans)


def connection_closed(detail: str) -> ConnectionClosed:
    """The transport fault a simulator returns before Alma sees a record (seed 004)."""
    step = _step(Stage.OUTCOME, Verdict.FAILED, f"Import Failed: CONNECTION_CLOSED: {detail}")
    return ConnectionClosed(detail=detail, trace=(step,))
