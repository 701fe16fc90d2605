"""The scene a scenario sets up, step by step, and the decisions it leads to, in order.

Theory of operation: ``Given`` steps fill a ``World`` (the zone, its profiles, its bibs, the
incoming record, the logon, the time). The first ``When the record is exported`` builds the
zone's bibs (an ``InMemoryZone``) from what the Given steps said; every export then builds the
``Zone`` and ``Export`` values, calls ``decide`` against the bibs as the exports before it left
them, and applies the decision to them (``InMemoryZone.apply``: an added bib is stored, a merge
saves the merged record). ``Then`` steps read the latest decision; earlier ones stay in
``exports`` so that a step can name "the bib the first export added". Given steps that come after
an export change the zone as it now is. The world is the one mutable object of a scenario run
and lives only for that run; what it hands to the core is frozen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from attrs import define, evolve, field, frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.decide import decide
from almamatch.core.decision import Add, Decision, Merge
from almamatch.core.lock import Lock
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import DEFAULT_LEADER

__all__ = ["DEFAULT_NOW", "ExportResult", "World", "ZoneBib", "ordinal"]

#: The time of an export when a spec does not say (no lock, so it cannot matter): the date of
#: the seed's "OCLC Gateway Export Errors" page, in UTC as ``--now`` reads a time without a zone.
DEFAULT_NOW: Final = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)

_ORDINALS: Final = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                    "ninth", "tenth")


def ordinal(text: str) -> int:
    """``first``..``tenth``, ``1st``, ``2nd``, ``3`` -> 1, 2, 3; ``last`` -> 0 (the latest)."""
    word = text.strip().lower()
    if word in ("last", "latest", "previous"):
        return 0
    if word in _ORDINALS:
        return _ORDINALS.index(word) + 1
    digits = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", word)
    if digits and int(digits.group(1)) >= 1:
        return int(digits.group(1))
    raise SpecError(text, "bad_ordinal",
                    f"{text!r}: name an export by its place, e.g. first, second, 3rd or last")


@frozen(kw_only=True)
class ExportResult:
    """One export of the scenario: its decision, and the MMS IDs the zone held just before it."""

    decision: Decision
    held_before: frozenset[str]


@define(kw_only=True)
class ZoneBib:
    """A bib the scenario puts in the zone: its record and the facts Alma keeps beside it."""

    mms_id: str
    leader: str = DEFAULT_LEADER
    fields: list[Field] = field(factory=list)
    brief_level: BriefLevel | None = None  # None: computed from Leader/17 by the zone's rules
    originating_version: Timestamp | None = None
    cz_linked: bool = False
    lock: Lock | None = None

    def record(self) -> Bib:
        # Alma puts the MMS ID in 001 on save (Ex Libris KB, S18).
        fields = [one for one in self.fields if one.tag != "001"]
        return Bib(leader=self.leader, fields=[ControlField("001", self.mms_id), *fields])


@define(kw_only=True)
class World:
    """Everything the Given steps have said so far, and the decision once exported."""

    kind: ZoneKind | None = None
    institution: str | None = None
    host: str | None = None
    logon_id: str | None = None
    profiles: list[IntegrationProfile] = field(factory=list)
    bibs: dict[str, ZoneBib] = field(factory=dict)
    incoming_leader: str = DEFAULT_LEADER
    incoming_fields: list[Field] | None = None
    export_logon_id: str | None = None
    export_password: str | None = None
    export_host: str | None = None
    now: datetime | None = None
    exports: list[ExportResult] = field(factory=list)
    zone: InMemoryZone | None = None  # the bibs, from the first export on
    gateway_settings: dict[str, str] = field(factory=dict)
    findings: tuple[object, ...] | None = None

    # -- profiles -----------------------------------------------------------------------------
    @property
    def profile(self) -> IntegrationProfile:
        """The profile the last profile step added, which option steps change."""
        if not self.profiles:
            raise SpecError("", "no_profile",
                            "no integration profile yet: add one first, e.g. "
                            "'Given the zone has the CARLI integration profile with password "
                            '"secret"\'')
        return self.profiles[-1]

    def change_profile(self, **changes: Any) -> None:
        """Replace the current profile by a copy with these options changed."""
        self.profiles[-1] = evolve(self.profile, **changes)

    # -- the incoming record ------------------------------------------------------------------
    def incoming(self) -> Bib:
        if self.incoming_fields is None:
            raise SpecError("", "no_record",
                            "no incoming record yet: describe it with 'Given the incoming "
                            "record:' and a table, or name a MARC file")
        return Bib(leader=self.incoming_leader, fields=self.incoming_fields)

    def set_incoming_control(self, tag: str, value: str | None) -> None:
        """Set (or with None remove) a control field of the incoming record."""
        fields = [one for one in self.incoming_fields or [] if one.tag != tag]
        if value is not None:
            fields.append(ControlField(tag, value))
        fields.sort(key=lambda one: one.tag)
        self.incoming_fields = fields

    def add_incoming_field(self, tag: str, subfields: tuple[Subfield, ...]) -> None:
        fields = list(self.incoming_fields or [])
        fields.append(DataField(tag, " ", " ", subfields))
        fields.sort(key=lambda one: one.tag)
        self.incoming_fields = fields

    def bib(self, mms_id: str) -> ZoneBib:
        """A bib the Given steps described, before the first export."""
        try:
            return self.bibs[mms_id]
        except KeyError:
            known = ", ".join(self.bibs) or "none yet"
            raise SpecError(mms_id, "unknown_bib",
                            f"no bib {mms_id} in the zone (bibs: {known})") from None

    def put_bib(self, bib: ZoneBib) -> None:
        """A bib for the zone: kept for the first export, or stored at once once it has run."""
        if self.zone is None:
            self.bibs[bib.mms_id] = bib
            return
        self.zone.store(bib.mms_id, bib.record(), brief_level=bib.brief_level,
                        originating_version=bib.originating_version, cz_linked=bib.cz_linked,
                        lock=bib.lock)

    def set_lock(self, mms_id: str, lock: Lock | None) -> None:
        """Lock (or with None release) a bib, before the first export or in the zone as it is."""
        if self.zone is None:
            self.bib(mms_id).lock = lock
        elif self.zone.facts(mms_id) is None:
            raise SpecError(mms_id, "unknown_bib", f"no bib {mms_id} in the zone")
        elif lock is None:
            self.zone.unlock(mms_id)
        else:
            self.zone.lock(mms_id, lock)

    def change_saved_bib(self, mms_id: str, leader: str | None, fields: tuple[Field, ...]) -> None:
        """Add fields to (and with a leader, re-lead) a bib of the zone as the exports left it,
        keeping what Alma keeps beside the record."""
        zone = self.zone
        facts = zone.facts(mms_id) if zone is not None else None
        record = zone.record(mms_id) if zone is not None else None
        if zone is None or facts is None or record is None:
            raise SpecError(mms_id, "unknown_bib", f"no bib {mms_id} in the zone")
        changed = Bib(leader=leader or record.leader, fields=[*record.fields, *fields])
        level = None if leader is not None else facts.brief_level  # a new leader is rated anew
        zone.store(mms_id, changed, brief_level=level,
                   originating_version=facts.originating_version, cz_linked=facts.cz_linked,
                   lock=facts.lock)

    def held(self, mms_id: str) -> bool:
        """Whether the zone holds a bib with this MMS ID now."""
        if self.zone is not None:
            return self.zone.facts(mms_id) is not None
        return mms_id in self.bibs

    def resolve_bib(self, text: str) -> str:
        """The MMS ID a step means: ``MMS ID "991..."``, ``bib "991..."``, or what an earlier
        export did: ``the bib the first export added``, ``the bib the second export merged
        into``."""
        words = " ".join(text.strip().split())
        quoted = re.fullmatch(r'(?:MMS ID|bib)\s*"?(\d+)"?', words, re.IGNORECASE)
        if quoted:
            return quoted.group(1)
        earlier = re.fullmatch(r"the bib (?:that )?the (\w+) export (added|merged into)", words,
                               re.IGNORECASE)
        if earlier is None:
            raise SpecError(text, "bad_bib",
                            f"{text!r}: write MMS ID \"991234567890205681\", or name an earlier "
                            "export's bib: the bib the first export added, the bib the second "
                            "export merged into")
        place, verb = ordinal(earlier.group(1)), earlier.group(2).lower()
        result = self.export_result(place)
        decision = result.decision
        wanted = Add if verb == "added" else Merge
        if not isinstance(decision, wanted):
            raise SpecError(text, "no_such_bib",
                            f"{text!r}: the {earlier.group(1)} export did not "
                            f"{'add a bib' if verb == 'added' else 'merge into a bib'}; it was "
                            f"{decision.code} ({decision.host_message})")
        return decision.mms_id

    def export_result(self, place: int) -> ExportResult:
        """The export at ``place`` (1 for the first; 0 for the latest)."""
        if not self.exports:
            raise SpecError(place, "not_exported", "no export yet: an earlier step must be "
                                                   "'When the record is exported'")
        if place > len(self.exports):
            raise SpecError(place, "no_such_export",
                            f"export {place} has not happened: the scenario has exported "
                            f"{len(self.exports)} time(s) so far")
        return self.exports[place - 1] if place else self.exports[-1]

    # -- the export -------------------------------------------------------------------------
    def build_zone(self) -> tuple[Zone, InMemoryZone]:
        """The zone for the next export: its bibs as the exports so far left them (built from
        the Given bibs on the first export)."""
        if self.institution is None or self.host is None or self.logon_id is None:
            raise SpecError("", "no_zone",
                            "the zone is not described: add 'Given the zone:' with kind, "
                            "institution code, host and logon ID")
        rules = self.profiles[0].levels if self.profiles else None
        bibs = self.zone
        if bibs is None:
            bibs = InMemoryZone(brief_rules=rules)
            for one in self.bibs.values():
                bibs.store(
                    one.mms_id,
                    one.record(),
                    brief_level=one.brief_level,
                    originating_version=one.originating_version,
                    cz_linked=one.cz_linked,
                    lock=one.lock,
                )
        elif rules is not None:
            bibs.brief_rules = rules  # a rule changed between exports rates the bibs saved next
        zone = Zone(
            kind=self.kind or ZoneKind.INSTITUTION,
            institution=self.institution,
            host=self.host,
            logon_id=self.logon_id,
            profiles=self.profiles,
            bibs=bibs,
        )
        return zone, bibs

    def build_export(self) -> Export:
        password = self.export_password
        if password is None:
            password = self.profiles[0].password if self.profiles else ""
        return Export(
            record=self.incoming(),
            logon_id=self.export_logon_id or self.logon_id or "",
            password=password,
            host=self.export_host or self.host or "",
        )

    def moment(self) -> datetime:
        """The time of the export; a spec with a locked bib must state it."""
        if self.now is not None:
            return self.now
        if self.zone is not None:
            facts = (self.zone.facts(mms_id) for mms_id in self.zone)
            locked = any(one is not None and one.lock is not None for one in facts)
        else:
            locked = any(one.lock is not None for one in self.bibs.values())
        if locked:
            raise SpecError("", "no_time",
                            "a bib is locked but the time is not set: add 'Given the time now "
                            "is \"2026-03-05 10:00\"' (locks lapse 60 minutes after the last "
                            "activity)")
        return DEFAULT_NOW

    def export(self) -> Decision:
        """Decide the incoming record against the zone as it is, apply the decision, keep it."""
        zone, bibs = self.build_zone()
        held = frozenset(bibs)
        decision = decide(self.build_export(), zone, self.moment())
        if isinstance(decision, Add) and decision.mms_id in held:
            raise SpecError(decision.mms_id, "mms_id_taken",
                            f"the zone's next MMS ID, {decision.mms_id}, is already a bib the "
                            "scenario put in the zone: give that bib another MMS ID")
        bibs.apply(decision)
        self.zone = bibs
        self.exports.append(ExportResult(decision=decision, held_before=held))
        return decision

    @property
    def decision(self) -> Decision | None:
        """The latest export's decision, if any."""
        return self.exports[-1].decision if self.exports else None

    def outcome(self) -> Decision:
        """The latest export's decision, which Then steps check."""
        if not self.exports:
            raise SpecError("", "not_exported",
                            "nothing was exported yet: add 'When the record is exported' "
                            "before the Then steps")
        return self.exports[-1].decision
