"""What the decision reads from a zone: the ``ZoneView`` protocol and a bib's ``BibFacts``.

Theory of operation: ``decide()`` never sees how a zone is stored. It asks a ``ZoneView`` which
bibs carry an OCLC number (in 035 $a or 035 $z) and, for a candidate, its facts: brief level,
originating system version, Community Zone link and lock. An in-memory zone, the compact numpy
index and a simulator's own store all implement the same two methods.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from attrs import frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcNumber
from almamatch.core.timestamp import Timestamp

__all__ = ["BibFacts", "Hit", "Side", "ZoneView"]


class Side(enum.Enum):
    """Where an OCLC number sits: active (035 $a) or cancelled (035 $z, 019 $a)."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


@frozen(kw_only=True)
class Hit:
    """A zone bib that carries a number: its MMS ID, the side it carries it on, and its form."""

    mms_id: str
    side: Side
    number: OclcNumber  # as the zone bib writes it (``number.form`` keeps prefix and padding)


@frozen(kw_only=True)
class BibFacts:
    """The facts of one zone bib that the guards read."""

    mms_id: str
    active: tuple[OclcNumber, ...] = ()
    cancelled: tuple[OclcNumber, ...] = ()
    brief_level: BriefLevel
    originating_version: Timestamp | None = None
    cz_linked: bool = False
    lock: Lock | None = None


@runtime_checkable
class ZoneView(Protocol):
    """Read access to a zone's bibs, as ``decide()`` needs it."""

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        """Every bib carrying ``number`` in 035 $a or $z (by value), each once per side."""
        ...

    def facts(self, mms_id: str) -> BibFacts | None:
        """The facts of a bib, or None when the zone has no such MMS ID."""
        ...
