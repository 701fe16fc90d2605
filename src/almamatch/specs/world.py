"""The scene a scenario sets up, step by step, and the decision it leads to.

Theory of operation: ``Given`` steps fill a ``World`` (the zone, its profiles, its bibs, the
incoming record, the logon, the time); ``When the record is exported`` builds the core values
(``Zone``, ``InMemoryZone``, ``Export``) from it and calls ``decide``; ``Then`` steps read the
decision. The world is the one mutable object of a scenario run and lives only for that run; what
it hands to the core is frozen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from attrs import define, evolve, field

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Decision
from almamatch.core.lock import Lock
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp
from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import DEFAULT_LEADER

__all__ = ["DEFAULT_NOW", "World", "ZoneBib"]

#: The time of an export when a spec does not say (no lock, so it cannot matter): the date of
#: the seed's "OCLC Gateway Export Errors" page.
DEFAULT_NOW: Final = datetime(2026, 3, 5, 12, 0)


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
    decision: Decision | None = None
    zone: InMemoryZone | None = None
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
        try:
            return self.bibs[mms_id]
        except KeyError:
            known = ", ".join(self.bibs) or "none yet"
            raise SpecError(mms_id, "unknown_bib",
                            f"no bib {mms_id} in the zone (bibs: {known})") from None

    # -- the export -------------------------------------------------------------------------
    def build_zone(self) -> tuple[Zone, InMemoryZone]:
        if self.institution is None or self.host is None or self.logon_id is None:
            raise SpecError("", "no_zone",
                            "the zone is not described: add 'Given the zone:' with kind, "
                            "institution code, host and logon ID")
        rules = self.profiles[0].brief_rules if self.profiles else None
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
        if any(one.lock is not None for one in self.bibs.values()):
            raise SpecError("", "no_time",
                            "a bib is locked but the time is not set: add 'Given the time now "
                            "is \"2026-03-05 10:00\"' (locks lapse 60 minutes after the last "
                            "activity)")
        return DEFAULT_NOW

    def outcome(self) -> Decision:
        if self.decision is None:
            raise SpecError("", "not_exported",
                            "nothing was exported yet: add 'When the record is exported' "
                            "before the Then steps")
        return self.decision
