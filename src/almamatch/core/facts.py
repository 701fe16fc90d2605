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
from almamatch.core.errors import InvalidMmsId
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib
from almamatch.core.timestamp import Timestamp

__all__ = ["BibFacts", "Hit", "MmsIdSequence", "Side", "ZoneRecords", "ZoneView"]


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


@frozen
class MmsIdSequence:
    """Where new MMS IDs come from: ``99`` + a serial + the institution's four-digit suffix.

    Alma MMS IDs start with 99 and end with four digits naming the institution (e.g.
    ``991234567890205681``). The sequence is a value: ``peek()`` names the next ID without using
    it, ``advance()`` returns the sequence after it.
    """

    serial: int = 1
    institution_suffix: str = "5681"

    def __attrs_post_init__(self) -> None:
        if self.serial < 1 or not (len(self.institution_suffix) == 4
                                   and self.institution_suffix.isdigit()):
            raise InvalidMmsId(f"{self.serial}/{self.institution_suffix}", "bad_sequence",
                               "an MMS ID sequence has a serial from 1 and a four-digit suffix")

    def peek(self) -> str:
        return f"99{self.serial}{self.institution_suffix}"

    def advance(self) -> MmsIdSequence:
        return MmsIdSequence(self.serial + 1, self.institution_suffix)


@runtime_checkable
class ZoneView(Protocol):
    """Read access to a zone's bibs, as ``decide()`` needs it."""

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        """Every bib carrying ``number`` in 035 $a or $z (by value), each once per side."""
        ...

    def facts(self, mms_id: str) -> BibFacts | None:
        """The facts of a bib, or None when the zone has no such MMS ID."""
        ...

    def next_mms_id(self) -> str:
        """The MMS ID the zone would give the next bib it adds (peeked, not reserved)."""
        ...


@runtime_checkable
class ZoneRecords(Protocol):
    """A zone view that also keeps full records, so that ``decide()`` can compute a merge."""

    def record(self, mms_id: str) -> Bib | None:
        """The bib's full record as stored, or None when the zone has no such MMS ID."""
        ...
