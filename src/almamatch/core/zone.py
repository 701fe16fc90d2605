"""Zones that receive exports, the export itself, and an in-memory zone for simulators.

Theory of operation: a ``Zone`` is what the Connexion Gateway Export talks to: an Institution
Zone, the Network Zone or a sandbox, with its host name, logon ID, Connexion integration profiles
and a ``ZoneView`` of its bibs. ``decide()`` only reads the view. ``InMemoryZone`` is one such
view that also keeps the full records, so that a merge can be computed and a simulator can apply
each decision in turn.

Every bib is kept as Alma saves it: "When a 003 field exists in a record, Alma creates a 035
field with the system number in field 001 prefixed by the information in the 003 field in
brackets. It then removes the 003 field." (Ex Libris KB, S18; ``normalization.fold_003``). Its
OCLC numbers for matching are its 035 $a (active) and 035 $z (cancelled): "Must match on OCLC
number in 035 $a or $z" (Harvard, S30).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Final, Protocol, assert_never

from attrs import evolve, field, frozen

from almamatch.core.brief import BriefLevel, BriefLevelRules, RecordBriefLevels
from almamatch.core.decision import (
    PURE_MAKERS,
    Add,
    ConnectionClosed,
    ConversionProblem,
    Decision,
    LogonFailed,
    Makers,
    MarcXmlConversionFailed,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    SkippedCzLinked,
)
from almamatch.core.errors import AlmamatchError
from almamatch.core.facts import (
    BibFacts,
    Hit,
    MmsIdSequence,
    Side,
    ZoneView,
    before_next,
    checked_facts,
    checked_hit,
    moved_past,
)
from almamatch.core.lock import Lock
from almamatch.core.marcxml import conversion_problems
from almamatch.core.normalization import (
    CopyCancelledTo035z,
    Keyed,
    NormalizationStep,
    RemoveFields,
    fold_003_tagged,
    line_positions,
    listed_numbers,
    read_035s,
    tag_line,
)
from almamatch.core.oclc import OclcNumber, ParsedNumbers, number_reader, parsed_or_none
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import (
    Bib,
    Field,
    as_data_field,
)
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.timestamp import Timestamp

__all__ = [
    "Export",
    "Groundwork",
    "HeldBib",
    "HeldRecords",
    "InMemoryZone",
    "InvalidZone",
    "PreparedRecord",
    "Zone",
    "ZoneKind",
    "prepare",
    "zone_numbers",
]


class InvalidZone(AlmamatchError):
    """A zone or a zone bib that cannot be built (empty code, unknown or duplicate MMS ID)."""


class ZoneKind(enum.StrEnum):
    """The kinds of zone in CARLI's "Settings for Different Zones" table."""

    INSTITUTION = "institution"
    NETWORK = "network"
    SANDBOX = "sandbox"


def _code(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidZone(value, "empty", "institution code, host and logon ID are required")
    return value.strip()


def _profiles(values: Iterable[IntegrationProfile]) -> tuple[IntegrationProfile, ...]:
    return tuple(values)


@frozen(kw_only=True)
class Zone:
    """A zone as the gateway sees it: who it is, how to log on, its profiles and its bibs.

    ``profiles`` holds every Connexion integration profile configured in the institution; Alma
    accepts exactly one ("only one profile should be configured", Ex Libris S1).
    """

    kind: ZoneKind = ZoneKind.INSTITUTION
    institution: str = field(converter=_code)  # 01CARLI_XYZ
    host: str = field(converter=_code)  # i-share-xyz.alma.exlibrisgroup.com
    logon_id: str = field(converter=_code)  # 01CARLI_XYZ
    profiles: tuple[IntegrationProfile, ...] = field(converter=_profiles)
    bibs: ZoneView

    def export(self, record: Bib, *, logon_id: str | None = None, password: str | None = None
               ) -> Export:
        """The Gateway Export of ``record`` to this zone, as a cataloger set up as the zone says
        sends it: the zone's logon ID and host, and its profile's password, unless given."""
        if password is None:
            password = self.profiles[0].password if self.profiles else ""
        # ``Export(record=..., logon_id=..., password=..., host=...)``, made without the frozen
        # ``__init__`` (which checks nothing: no field has a converter or a validator), as a
        # batch makes one per record.
        export: Export = new_instance(Export)
        set_record, set_logon_id, set_password, set_host = _SET_EXPORT
        set_record(export, record)
        set_logon_id(export, self.logon_id if logon_id is None else logon_id)
        set_password(export, password)
        set_host(export, self.host)
        return export


@frozen(kw_only=True)
class PreparedRecord:
    """The incoming record as Alma would store it, and the OCLC numbers it offers for matching.

    Matching reads the record after normalization and after the save rule: the 001/003 pair
    counts through the 035 $a ``(<003>)<001>`` that ``fold_003`` makes of it, exactly as Alma
    would hold it (for 003 ``OCoLC`` this is the number ``Bib.oclc_numbers`` takes from 001).
    """

    record: Bib  # normalized, 003 folded into 035 $a
    notes: tuple[str, ...]  # what each normalization step and the save rule did
    active: tuple[OclcNumber, ...]  # 035 $a, each written form once
    cancelled: tuple[OclcNumber, ...]  # 035 $z, each written form once, values not active
    cancelled_019: tuple[OclcNumber, ...]  # 019 $a, each written form once, values in neither


def prepare(record: Bib, normalization: tuple[NormalizationStep, ...], *,
            numbers: ParsedNumbers | None = None,
            found_035s: list[Field] | None = None,
            makers: Makers = PURE_MAKERS) -> PreparedRecord:
    """Run the profile's normalization steps, then Alma's save rule, and collect the keys.

    ``numbers`` is the caller's memo of parsed OCLC numbers (a batch's); the result is the same
    without it. ``found_035s``, when given (empty), receives the prepared record's 035 fields,
    in order, as the keys are read from them (``decide()`` hands them to its ``Groundwork``).
    ``makers`` write a record's ``tag_line`` (``Makers.tags``), copy its 019 $a's
    (``Makers.copied_019s``), save it and read its 035s in one walk (``Makers.saved_035s``) or
    find where the save rule's 035 goes (``Makers.place``) and read the 035s
    (``Makers.read_035s``): a batch hands the compiled twins (``decide()`` hands its cache's).
    """
    tags_of = makers.tags
    number = number_reader(numbers)
    notes: list[str] = []
    tags = tags_of(record.fields)  # kept with the record: look-ups search one text
    # Whether the record holds a 019, searched again only when a step may have removed one.
    with_019 = "019" in tags
    # The numbers of the 019 $a's of ``read_019_of`` (a record), as the 019 copy read them.
    read_019: list[OclcNumber] = []
    read_019_of: Bib | None = None
    for step in normalization:
        match step:
            case CopyCancelledTo035z():
                if not with_019:  # ``may_change``: most records, left as they are
                    notes.append(_unchanged(step.name))
                    continue
                # It adds 035s alone: the record keeps its 019s.
                # ``step.apply_read``, by the makers' (``Makers.copied_019s``).
                after, tags, read_019 = makers.copied_019s(record, tags, numbers)
                read_019_of = after
                notes.append(_unchanged(step.name) if after is record
                             else _named_step_note(step.name, record, after))
            case RemoveFields():
                after, tags = step.apply_tagged(record, tags)
                notes.append(_named_step_note(step.label, record, after))
                if after is not record:
                    with_019 = "019" in tags
            case _:
                # Rule text: a note for each rule action that changed the record.
                after, fired = step.run(record)
                notes.extend(fired or (_unchanged(step.name),))
                if after is not record:
                    tags = tags_of(after.fields)
                    with_019 = "019" in tags
        record = after
    # ``_saved``, its one walk taken here first (most records are as OCLC writes them).
    walked = makers.saved_035s(record, tags, numbers, number, found_035s, makers.place,
                               makers.read_035s, makers.saved_bib)
    saved, active, cancelled = (
        walked if walked is not None
        else _saved(record, tags, numbers, number, found_035s, makers=makers))
    if saved is not record:
        notes.append("save rule: 001+003 folded into 035 $a, 003 removed")
    cancelled_019: tuple[OclcNumber, ...] = ()
    if with_019:
        known = {one.value for one in active + cancelled}
        # Each written form once, as the 035 lists keep them (``Keyed``): under Literal 035 each
        # form is a key of its own, so two 019s of one number are both looked up, in any order.
        from_019: Keyed = {}
        # The save rule neither adds nor removes a 019: the record before it (whose tag line is
        # ``tags``) holds the saved record's 019s, in order. When that record is the 019 copy's
        # (no later step changed it), the copy read their numbers already (the numbers their
        # texts parse to, through the same memo), and they are not read again.
        if record is not read_019_of:
            read_019 = []
            fields = record.fields
            for at in line_positions(tags, "019"):
                for text in as_data_field(fields[at]).values("a"):
                    found = number(text)
                    if found is not None:
                        read_019.append(found)
        for found in read_019:
            if found.value not in known:
                form = found.form
                from_019.setdefault((found.value, form.prefix, form.width), found)
        if from_019:
            cancelled_019 = tuple(from_019.values())
    return _prepared(saved, tuple(notes), active, cancelled, cancelled_019)


_SET_PREPARED: Final = tuple(slot_setter(PreparedRecord, name) for name in (
    "record", "notes", "active", "cancelled", "cancelled_019"))


def _prepared(record: Bib, notes: tuple[str, ...], active: tuple[OclcNumber, ...],
              cancelled: tuple[OclcNumber, ...], cancelled_019: tuple[OclcNumber, ...]
              ) -> PreparedRecord:
    """``PreparedRecord(record=..., ...)``, made without the frozen ``__init__`` (which checks
    nothing; tests/property/test_decide_properties.py compares the two): once per decision."""
    made: PreparedRecord = new_instance(PreparedRecord)
    set_record, set_notes, set_active, set_cancelled, set_019 = _SET_PREPARED
    set_record(made, record)
    set_notes(made, notes)
    set_active(made, active)
    set_cancelled(made, cancelled)
    set_019(made, cancelled_019)
    return made


@lru_cache(maxsize=256)
def _unchanged(label: str) -> str:
    """The note of a step that left the record as it was: one text per step's name, which a
    stage 4 step made of the notes (``DecisionCache.normalization_step``) looks up as it is."""
    return f"{label}: no change"


def _named_step_note(label: str, before: Bib, after: Bib) -> str:
    """What a named normalization step did: the count of fields it added or removed."""
    if after is before:
        return _unchanged(label)
    change = len(after.fields) - len(before.fields)
    return f"{label}: {f'{change:+d} field(s)' if change else 'no change'}"


@frozen(kw_only=True)
class Export:
    """One Gateway Export: the record, the logon ID and password it came with, and its host."""

    record: Bib
    logon_id: str
    password: str = field(repr=False)  # a secret: never in a repr or an error message
    host: str

    @property
    def conversion_problems(self) -> tuple[ConversionProblem, ...]:
        """The MARCXML conversion problems of ``record`` (see ``core.marcxml``)."""
        return conversion_problems(self.record)

    def prepared(self, normalization: tuple[NormalizationStep, ...], *,
                 numbers: ParsedNumbers | None = None) -> PreparedRecord:
        """The record prepared under these normalization steps (``prepare``)."""
        return prepare(self.record, normalization, numbers=numbers)


#: The slots of an ``Export``, set by ``Zone.export``.
_SET_EXPORT: Final = tuple(slot_setter(Export, name)
                           for name in ("record", "logon_id", "password", "host"))


def zone_numbers(bib: Bib) -> tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]]:
    """A zone bib's OCLC numbers: 035 $a (active) and 035 $z (cancelled), OCLC's only.

    A number is OCLC's when it carries ``(OCoLC)`` or an ``ocm``/``ocn``/``on`` prefix (the rule
    of ``core.identifiers``). Each distinct written form (value, prefix, digit count) is kept
    once, in field order, so that the ``LITERAL`` match method can compare forms; a value that
    is active is not also listed as cancelled.
    """
    return _numbers(bib, tag_line(bib.fields))


def _numbers(bib: Bib, tags: str,
             parse: Callable[[str], OclcNumber | None] = parsed_or_none,
             found: list[Field] | None = None,
             ) -> tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]]:
    """``zone_numbers`` of a bib whose ``tag_line`` is ``tags``; each value read by ``parse``
    (a caller's memo of ``parsed_or_none``); its 035s appended to ``found`` when given."""
    active: Keyed = {}
    cancelled: Keyed = {}
    read_035s(bib.fields, tags, parse, active, cancelled, sought=None, found=found)
    return listed_numbers(active, cancelled)


def _saved(record: Bib, tags: str, numbers: ParsedNumbers | None,
           parse: Callable[[str], OclcNumber | None], found: list[Field] | None = None, *,
           makers: Makers = PURE_MAKERS,
           ) -> tuple[Bib, tuple[OclcNumber, ...], tuple[OclcNumber, ...]]:
    """``fold_003_tagged`` of ``record`` (whose ``tag_line`` is ``tags``) and the ``_numbers``
    of the record it saves: ``prepare`` needs both (and not the saved record's tag line).

    A record as OCLC writes it is saved and read in one walk of its 035s
    (``core.normalization.saved_035s``, by ``makers.saved_035s``, handed ``makers.place``,
    ``makers.read_035s`` and ``makers.saved_bib``); every other record goes the plain way, the
    two in turn (tests/property/test_record_trusted.py compares the two ways).
    """
    walked = makers.saved_035s(record, tags, numbers, parse, found, makers.place,
                               makers.read_035s, makers.saved_bib)
    if walked is not None:
        return walked
    if tags.find("003") == -1:  # nothing to fold: the record is saved as it is
        active, cancelled = _numbers(record, tags, parse, found)
        return record, active, cancelled
    saved, saved_tags = fold_003_tagged(record, tags, numbers=numbers)
    active, cancelled = _numbers(saved, saved_tags, parse, found)
    return saved, active, cancelled


class Groundwork:
    """What ``decide()`` read and derived on its way to one decision that applying the decision
    needs again: handed to ``InMemoryZone.apply`` so that the zone does not derive it twice.

    Scratch, not a value: the caller's ``DecisionCache`` keeps the last decision's groundwork
    (``DecisionCache.groundwork``) and ``apply`` reads it only for that very decision object;
    nothing of it is stored in a decision, a bib or a prepared record. It describes the zone as
    ``decide()`` read it, so it is for applying the decision to that zone, next (as a batch
    does); ``apply`` without it gives the same zone.

    ``numbers``: the prepared record's ``active`` and ``cancelled``, its zone numbers
    (``zone_numbers``). For an ``Add`` they are those of the record it stores: the prepared
    record holds no 003 (``fold_003`` removed every one), so the zone's save folds nothing, and
    ``assign_mms_id`` writes 001 alone, which no zone number is read from (a property in
    tests/property/test_apply_groundwork.py checks both). For a ``Merge`` they are those of the
    merged record when its 035s are ``incoming_035s``, the prepared record's own 035 fields as
    ``prepare`` found them (``found_035s``), in order, and it holds no 003: zone numbers are
    read from the 035s alone (``merged_numbers``).
    ``existing``: for a ``Merge``, the bib's facts as stage 6 read them; ``parsed``, the
    caller's memo of parsed numbers, which already holds the incoming 035s that the merged
    record keeps.

    ``makers``: the caller's ``Makers`` (``PURE_MAKERS`` by default), by which the zone makes
    the bib's facts (``Makers.facts``) and reads the merged record's 035s (``Makers.are_035s``):
    the pure functions or their compiled twins, which answer the same.

    ``decide()`` makes one for every Add and Merge, by position (keywords cost more a call) but
    for ``makers``.
    """

    __slots__ = ("decision", "existing", "incoming_035s", "makers", "numbers", "parsed")

    def __init__(self, decision: Decision,
                 numbers: tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]] | None = None,
                 existing: BibFacts | None = None, parsed: ParsedNumbers | None = None,
                 incoming_035s: Sequence[Field] | None = None, *,
                 makers: Makers = PURE_MAKERS) -> None:
        self.decision = decision
        self.makers = makers
        self.numbers = numbers
        self.existing = existing
        self.parsed = parsed
        self.incoming_035s = incoming_035s

    def merged_numbers(self, merged: Bib
                       ) -> tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]] | None:
        """The zone numbers of ``merged``, the decision's merged record, as the zone saves it,
        when they are ``numbers``: ``merged`` holds no 003 (the save folds nothing) and its
        035s are ``incoming_035s``, the prepared record's own fields, in order (``zone_numbers``
        reads those alone, and these are the prepared record's). None otherwise: derive them.

        ``merged`` is as ``MergeMethod.apply`` leaves every merged record: its fields in tag
        order, the numeric tags first and ascending (``core.merge``, ``_tag_key``), so that
        ``core.merge.are_035s`` (by ``makers``) reads a few of its fields, not all of them.
        """
        numbers, theirs = self.numbers, self.incoming_035s
        if numbers is None or theirs is None or not self.makers.are_035s(merged.fields, theirs):
            return None
        return numbers


@frozen(kw_only=True)
class HeldBib:
    """A bib as an overlay holds it: its facts, and its record (None: unchanged from the base,
    or unknown after a merge into a facts-only base)."""

    facts: BibFacts
    record: Bib | None


class HeldRecords(Protocol):
    """Where an ``InMemoryZone`` keeps the records of the bibs it holds, keyed by MMS ID: a
    ``dict`` by default, or whatever the caller that owns the zone chooses to hand it (a batch
    of millions keeps them packed: ``store.packed.PackedRecords``). Every record it gives back
    equals the one it was given; the zone reads one back only when a later decision merges into
    its bib or when its bibs are committed."""

    def get(self, mms_id: str, /) -> Bib | None:
        """The record kept under ``mms_id``, or None."""

    def __setitem__(self, mms_id: str, record: Bib, /) -> None:
        """Keep ``record`` under ``mms_id``, in place of any record kept there."""

    def pop(self, mms_id: str, default: None, /) -> Bib | None:
        """Forget the record kept under ``mms_id`` (returned), if any."""

    def clear(self) -> None:
        """Forget every record."""


#: The sides of the hits ``_own_hits`` makes, read once: a member read from its class goes
#: through ``EnumType.__getattr__`` (Python 3.11), about ten times a global name's cost.
_ACTIVE: Final = Side.ACTIVE
_CANCELLED: Final = Side.CANCELLED


class InMemoryZone:
    """A zone's bibs in memory: a ``ZoneView`` that keeps full records and applies decisions.

    This is the one deliberately mutable store in the core: a simulator's database, and the one
    overlay of changes over a read-only base (the compact index, a saved zone). ``store``,
    ``lock``, ``unlock`` and ``apply`` change it in place; it stays pure (no I/O, no clock).
    ``apply`` is the one place that says what a decision does to a zone: an ``Add`` stores the bib
    under the MMS ID the decision names; a ``Merge`` replaces the bib with the merged record; both
    set the originating system version to the incoming 005; failures change nothing. Every bib
    stored moves the MMS ID sequence past its MMS ID (``MmsIdSequence.past``).

    Over a ``base`` view, this zone holds only what changed: bibs stored, merged or locked here
    hide their base selves, every other bib is answered by the base, and ``len``/iteration cover
    the bibs held here. A merge into a base bib whose record neither the decision nor the base
    provides (a facts-only base: ``Merge.record`` is None) keeps the bib's OCLC numbers and brief
    level and takes the new originating system version: without the record, nothing else about
    the merged bib is known.

    ``records`` is where the held bibs' records are kept (``HeldRecords``): the caller's choice,
    a dict by default. The zone's answers are the same whichever keeps them.
    """

    def __init__(
        self,
        *,
        brief_rules: BriefLevelRules | RecordBriefLevels | None = None,
        sequence: MmsIdSequence | None = None,
        base: ZoneView | None = None,
        records: HeldRecords | None = None,
    ) -> None:
        self.brief_rules: BriefLevelRules | RecordBriefLevels = (
            brief_rules or BriefLevelRules.preset("carli")
        )
        self.base = base
        # Over a base, the sequence continues the base's unless given (read when first needed).
        self._sequence = sequence if sequence or base is not None else MmsIdSequence()
        # The text of ``_sequence``'s next MMS ID (``next_mms_id``), None until asked: set to
        # None wherever ``_sequence`` changes.
        self._next: str | None = None
        # The records of the bibs held here: the caller's keeper, else a dict of them.
        self._records: HeldRecords = {} if records is None else records
        self._facts: dict[str, BibFacts] = {}
        # The MMS IDs of the bibs held here that carry each number value, in the order their
        # hits are answered (``_own_hits``); a ``Hit`` is made only when a look-up finds one.
        self._holders: dict[int, tuple[str, ...]] = {}
        # The brief level of each Leader/17 under ``_levels_rules`` (``_level_of``).
        self._levels: dict[str, BriefLevel] = {}
        self._levels_rules: BriefLevelRules | RecordBriefLevels | None = None

    @classmethod
    def of(
        cls,
        bibs: Mapping[str, Bib] | Iterable[tuple[str, Bib]],
        *,
        brief_rules: BriefLevelRules | RecordBriefLevels | None = None,
        sequence: MmsIdSequence | None = None,
    ) -> InMemoryZone:
        """A zone holding these bibs, keyed by MMS ID, with no lock, version or CZ link."""
        zone = cls(brief_rules=brief_rules, sequence=sequence)
        pairs = bibs.items() if isinstance(bibs, Mapping) else bibs
        for mms_id, bib in pairs:
            zone.store(mms_id, bib)
        return zone

    @property
    def sequence(self) -> MmsIdSequence:
        """Where this zone's next MMS IDs come from."""
        if self._sequence is None:
            below = self.base.next_mms_id() if self.base is not None else ""
            self._sequence = MmsIdSequence.at(below)
        return self._sequence

    @sequence.setter
    def sequence(self, value: MmsIdSequence) -> None:
        """Set where new MMS IDs start; it still moves past every bib held here."""
        for mms_id in self._facts:
            value = value.past(mms_id)
        self._sequence = value
        self._next = None

    # -- ZoneView ------------------------------------------------------------------------------
    @property
    def keeps_records(self) -> bool:
        """True alone; over a base, as the base states it."""
        base = self._below()
        return base is None or base.keeps_records

    def _below(self) -> ZoneView | None:
        """The view that answers for ``base``: ``base`` itself, or the first view under it that
        is not an ``InMemoryZone`` holding nothing. Such a layer (a store's pending or committed
        layer before anything reaches it) answers ``hits``, ``facts`` and records exactly as
        its own base does, so a look-up goes past it rather than through it: one number costs
        one call per layer that holds something, not one per layer stacked. A layer of a class
        derived from this one is not gone past (it may answer otherwise): asked, it answers."""
        view = self.base
        while view.__class__ is InMemoryZone and not view._facts:
            view = view.base
        return view

    def answering(self) -> ZoneView:
        """The view that answers for this zone as it stands: itself when it holds something or
        has no base, else the view that answers for its base (``_below``). A reader that knows
        the layers it goes past stay empty (nothing applied to or held by them while it reads)
        may ask that view directly, with the same answers and no layer walked on each look-up;
        a layer that comes to hold something later is not seen by it."""
        if self._facts or self.base is None:
            return self
        below = self._below()
        assert below is not None  # a base: ``_below`` answers with a view
        return below

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        holders = self._holders.get(number.value)
        own = () if holders is None else self._own_hits(number.value, holders)
        base = self.base
        if base.__class__ is InMemoryZone:  # else it answers for itself (``_below``): no call
            base = self._below()
        if base is None:
            return own
        found = base.hits(number)
        held = self._facts
        if not held:  # a layer holding nothing answers as its base
            return found
        if not found:  # nothing of the base's to hide
            return own
        if len(found) == 1:  # most often: one bib carries the number
            kept = () if found[0].mms_id in held else tuple(found)
        else:
            kept = tuple([hit for hit in found if hit.mms_id not in held])
        return kept + own if own else kept

    def _own_hits(self, value: int, holders: tuple[str, ...]) -> tuple[Hit, ...]:
        """The hits of the bibs held here that carry number ``value`` (``holders``, in the order
        held): each bib's active numbers of that value, then its cancelled ones, in its order."""
        found: list[Hit] = []
        for mms_id in holders:
            facts = self._facts[mms_id]
            for side, numbers in ((_ACTIVE, facts.active), (_CANCELLED, facts.cancelled)):
                found.extend([checked_hit(mms_id, side, number) for number in numbers
                              if number.value == value])
        return tuple(found)

    def facts(self, mms_id: str) -> BibFacts | None:
        found = self._facts.get(mms_id)
        if found is None:
            base = self.base
            if base.__class__ is InMemoryZone:  # else it answers for itself (``_below``)
                base = self._below()
            if base is not None:
                return base.facts(mms_id)
        return found

    def next_mms_id(self) -> str:
        found = self._next
        if found is None:  # the sequence as it stands (read through ``sequence`` once only)
            found = self._next = (self._sequence or self.sequence).peek()
        return found

    def record(self, mms_id: str) -> Bib | None:
        """The full record of a bib, as stored; from the base when the bib's record was not
        changed here; None when nobody has it."""
        found = self._records.get(mms_id)
        if found is None:
            base = self.base
            if base.__class__ is InMemoryZone:  # else it answers for itself (``_below``)
                base = self._below()
            if base is not None:
                return base.record(mms_id)
        return found

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        """The whole record when held here; else the base's ``record_part``."""
        found = self._records.get(mms_id)
        if found is None:
            base = self.base
            if base.__class__ is InMemoryZone:  # else it answers for itself (``_below``)
                base = self._below()
            if base is not None:
                return base.record_part(mms_id, positions)
        return found

    # -- contents ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, mms_id: object) -> bool:
        return mms_id in self._facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def held(self) -> Iterator[HeldBib]:
        """Every bib held here (stored, merged or with changed facts), in the order first held."""
        for mms_id, facts in self._facts.items():
            yield HeldBib(facts=facts, record=self._records.get(mms_id))

    def release(self) -> None:
        """Forget the bibs held here (their changes now live in the base); keep the sequence."""
        self._sequence = self.sequence
        self._records.clear()
        self._facts.clear()
        self._holders.clear()

    def store(
        self,
        mms_id: str,
        bib: Bib,
        *,
        brief_level: BriefLevel | None = None,
        originating_version: Timestamp | None = None,
        cz_linked: bool = False,
        lock: Lock | None = None,
    ) -> BibFacts:
        """Store ``bib`` under ``mms_id`` as Alma saves it (003 folded), replacing any bib there.

        The brief level is the zone's ``brief_rules`` applied to Leader/17 unless given.
        """
        _check_mms_id(mms_id)
        return self._save(mms_id, bib, parsed_or_none, brief_level=brief_level,
                          originating_version=originating_version, cz_linked=cz_linked,
                          lock=lock)

    def _save(self, mms_id: str, bib: Bib, parse: Callable[[str], OclcNumber | None], *,
              brief_level: BriefLevel | None, originating_version: Timestamp | None,
              cz_linked: bool, lock: Lock | None) -> BibFacts:
        """``store`` under an MMS ID checked already (``_check_mms_id``), each number read by
        ``parse`` (``parsed_or_none`` or a caller's memo)."""
        saved, line = fold_003_tagged(bib, tag_line(bib.fields))
        return self._keep(mms_id, saved, _numbers(saved, line, parse), brief_level,
                          originating_version, cz_linked, lock, checked_facts)

    def _keep(self, mms_id: str, saved: Bib,  # noqa: PLR0917 (by position: see below)
              numbers: tuple[tuple[OclcNumber, ...], tuple[OclcNumber, ...]],
              brief_level: BriefLevel | None, originating_version: Timestamp | None,
              cz_linked: bool, lock: Lock | None, make: Callable[..., BibFacts], /
              ) -> BibFacts:
        """``store`` of a bib already as Alma saves it, under an MMS ID checked already
        (``_check_mms_id``), whose zone numbers are ``numbers``; its facts made by ``make``
        (``checked_facts``, or the twin a ``Groundwork``'s makers hand in). By position: a
        call by keywords costs more, and the apply calls it for every Add and Merge."""
        active, cancelled = numbers
        facts = make(mms_id, active=active, cancelled=cancelled,
                     brief_level=brief_level or self._level_of(saved),
                     originating_version=originating_version, cz_linked=cz_linked, lock=lock)
        self._records[mms_id] = saved
        self._hold(facts)
        return facts

    def _level_of(self, saved: Bib) -> BriefLevel:
        """``brief_rules.level_of(saved)``. A table of levels (``BriefLevelRules``, a value)
        reads a record's Leader/17 alone, so its answer is kept per Leader/17 while the zone's
        rules are that table; rules that read the record (``RecordBriefLevels``) are asked
        each time."""
        rules = self.brief_rules
        if rules.__class__ is not BriefLevelRules or saved.__class__ is not Bib:
            return rules.level_of(saved)
        levels = self._levels
        if self._levels_rules is not rules:
            levels.clear()
            self._levels_rules = rules
        code = saved.leader[17]
        level = levels.get(code)
        if level is None:
            level = levels[code] = rules.level_of(saved)
        return level

    def hold(self, bib: HeldBib) -> None:
        """Hold a bib exactly as given (facts and record, as another store saved them)."""
        if bib.record is None:
            self._records.pop(bib.facts.mms_id, None)
        else:
            self._records[bib.facts.mms_id] = bib.record
        self._hold(bib.facts)

    def _unindex(self, mms_id: str) -> None:
        old = self._facts.get(mms_id)
        if old is None:
            return
        holders = self._holders
        for number in old.active + old.cancelled:
            held = holders.get(number.value)
            if held is None:  # a value the bib carries twice, gone already
                continue
            kept = tuple([one for one in held if one != mms_id])
            if kept:
                holders[number.value] = kept
            else:
                del holders[number.value]

    def _existing(self, mms_id: str) -> BibFacts:
        facts = self.facts(mms_id)
        if facts is None:
            raise InvalidZone(mms_id, "unknown_mms_id", "no bib with this MMS ID in the zone")
        return facts

    def _hold(self, facts: BibFacts) -> None:
        """Keep facts here (a base bib taken over here answers ``hits`` from here); the one
        place a bib enters this zone, so the one place the sequence moves past it."""
        mms_id = facts.mms_id
        if mms_id in self._facts:
            self._unindex(mms_id)
        self._facts[mms_id] = facts
        # Each number's value names this bib once, after the bibs held before it (``_unindex``
        # took it out of every value it carried): its hits are made when a look-up asks.
        holders = self._holders
        for numbers in (facts.active, facts.cancelled):
            for number in numbers:
                value = number.value
                held = holders.get(value)  # nearly always none yet: a tuple of one
                if held is None:
                    holders[value] = (mms_id,)
                elif held[-1] != mms_id:  # not a value it carries twice
                    holders[value] = (*held, mms_id)
        # ``past`` leaves the sequence as it is for an MMS ID before its next one (``before_next``):
        # so are most bibs held (a base's bibs merged into; the sequence starts after the
        # base's). Those are told apart here from the next ID's text, kept with the sequence,
        # and the others (first of all a bib added under that very ID) move it in one step
        # (``moved_past``, told that text), rather than by ``past`` making the text again.
        following = self._next or self.next_mms_id()
        if mms_id == following or not before_next(mms_id, following):
            sequence = self._sequence
            assert sequence is not None  # its next MMS ID's text is known: ``next_mms_id``
            self._sequence = moved_past(sequence, mms_id, following)
            self._next = None

    def lock(self, mms_id: str, lock: Lock) -> None:
        """Open the bib in the Metadata Editor: ``lock`` holds it until it lapses or is released."""
        self._hold(evolve(self._existing(mms_id), lock=lock))

    def unlock(self, mms_id: str) -> None:
        """Release the bib."""
        self._hold(evolve(self._existing(mms_id), lock=None))

    def link_to_cz(self, mms_id: str, *, linked: bool = True) -> None:
        """Mark the bib as linked (or not) to the Community Zone."""
        self._hold(evolve(self._existing(mms_id), cz_linked=linked))

    def apply(self, decision: Decision, *, groundwork: Groundwork | None = None) -> None:
        """Apply a decision: Add stores, Merge replaces, every failure changes nothing.

        "'Originating System Version' field ... is automatically populated with the date/time in
        the 005 field of the incoming record" on each import (Orbis Cascade, S22).

        ``groundwork`` is what ``decide()`` derived for this decision (the caller's
        ``DecisionCache.groundwork(decision)``), read only when made for this very decision:
        with it the zone derives nothing again; the zone is the same without it.
        """
        if decision.__class__ in _UNCHANGED:  # a failure (``_UNCHANGED``): nothing to apply
            return
        if groundwork is not None and groundwork.decision is not decision:
            groundwork = None
        # Class patterns without keywords, the attributes read in the case: a pattern with
        # keywords makes a set of the names and looks each one up on every match. Merge
        # first, the most frequent: a class pattern is cheap for an object of that very class.
        match decision:
            case Merge():
                mms_id, merged, version = (decision.mms_id, decision.record,
                                           decision.originating_version)
                # A bib held here answers from here; else the base's facts as decide() read them.
                existing = self._facts.get(mms_id)
                if existing is None:
                    existing = groundwork.existing if groundwork is not None else None
                    if existing is None or existing.mms_id != mms_id:
                        existing = self._existing(mms_id)
                kept = merged or self.record(mms_id)
                if kept is None:
                    self._hold(evolve(existing, originating_version=version))
                    return
                _check_mms_id(mms_id)
                numbers = (None if groundwork is None or kept is not merged
                           else groundwork.merged_numbers(kept))
                if numbers is not None:  # as Alma saves it already, its numbers known
                    assert groundwork is not None  # the numbers are its
                    self._keep(mms_id, kept, numbers, None, version, existing.cz_linked,
                               existing.lock, groundwork.makers.facts)
                    return
                parsed = None if groundwork is None else groundwork.parsed
                self._save(mms_id, kept, number_reader(parsed),
                           brief_level=None, originating_version=version,
                           cz_linked=existing.cz_linked, lock=existing.lock)
            case Add():
                mms_id, version = decision.mms_id, decision.originating_version
                # The zone's next MMS ID is no bib's: the sequence moves past every bib held
                # here and starts after the base's (``_hold``, ``sequence``), so an Add under it
                # (as decide() makes one) needs no look-up through the layers to be sure, nor the
                # check of its digits ("99", a serial and a checked suffix: ``MmsIdSequence``).
                if mms_id != self.next_mms_id():
                    if self.facts(mms_id) is not None:
                        raise InvalidZone(mms_id, "duplicate_mms_id", "already in the zone")
                    _check_mms_id(mms_id)
                if groundwork is None or (numbers := groundwork.numbers) is None:
                    self._save(mms_id, decision.record, parsed_or_none, brief_level=None,
                               originating_version=version, cz_linked=False, lock=None)
                else:  # the record as Alma saves it already (``Groundwork``)
                    self._keep(mms_id, decision.record, numbers, None, version, False, None,
                               groundwork.makers.facts)
            case (NoIntegrationProfile() | LogonFailed() | ConnectionClosed()
                  | MarcXmlConversionFailed() | MultiMatch() | SkippedCzLinked()
                  | NotAddedLocked() | NotAddedBrief() | NotAddedOld()):
                return
            case _:
                assert_never(decision)


#: The decisions that change no zone (``apply``), as their very classes: told by one look-up
#: rather than a class pattern each (a subclass of one is told by the patterns).
_UNCHANGED: Final = frozenset({NoIntegrationProfile, LogonFailed, ConnectionClosed,
                               MarcXmlConversionFailed, MultiMatch, SkippedCzLinked,
                               NotAddedLocked, NotAddedBrief, NotAddedOld})


def _check_mms_id(mms_id: str) -> None:
    """Raise ``InvalidZone`` unless ``mms_id`` is a text of ASCII digits (as an MMS ID is)."""
    if not isinstance(mms_id, str) or not (mms_id.isascii() and mms_id.isdigit()):
        raise InvalidZone(mms_id, "bad_mms_id", "an MMS ID is digits")
