"""What the decision reads from a zone: the ``ZoneView`` protocol and a bib's ``BibFacts``.

Theory of operation: ``decide()`` never sees how a zone is stored. It asks a ``ZoneView`` which
bibs carry an OCLC number (in 035 $a or 035 $z) and, for a candidate, its facts: brief level,
originating system version, Community Zone link and lock; for an Add, the next MMS ID; for a
Merge, the existing record, when the view states that it keeps full records (``keeps_records``).
An in-memory zone, the compact numpy index, a saved zone store and a simulator's own store all
implement the same protocol.

The MMS ID sequence rule lives here, once: an Alma MMS ID is "99", a serial, then the
institution's four-digit suffix. A zone's next MMS ID comes after the highest serial it holds
under its suffix (``MmsIdSequence.after``), and every store moves its sequence past each bib it
stores (``MmsIdSequence.past``), so that no store ever names, as its next MMS ID, one it holds.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol, runtime_checkable

from attrs import frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.digits import digits_value
from almamatch.core.errors import InvalidMmsId
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.timestamp import Timestamp

__all__ = [
    "BibFacts",
    "Hit",
    "MmsIdSequence",
    "Side",
    "ZoneView",
    "before_next",
    "checked_facts",
    "checked_hit",
    "checked_sequence",
    "moved_past",
    "split_mms_id",
]

#: The suffix of a sequence when nothing names one (the examples' institution).
DEFAULT_SUFFIX: Final = "5681"
#: "99" + at least one serial digit + four suffix digits.
_SHORTEST: Final = 7
#: Serials longer than this are no sequence's: an MMS ID is a 64-bit number in Alma (19 digits).
_SERIAL_DIGITS: Final = 30
#: The first serial ``split_mms_id`` does not read (more than ``_SERIAL_DIGITS`` digits).
_SERIAL_LIMIT: Final = 10**_SERIAL_DIGITS


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


_SET_HIT: Final = tuple(slot_setter(Hit, name) for name in ("mms_id", "side", "number"))
_SET_FACTS: Final = tuple(slot_setter(BibFacts, name) for name in (
    "mms_id", "active", "cancelled", "brief_level", "originating_version", "cz_linked", "lock"))


def checked_hit(mms_id: str, side: Side, number: OclcNumber) -> Hit:
    """``Hit(mms_id=..., side=..., number=...)``, made without the frozen ``__init__`` (which
    checks nothing): the zone views make one per key they find or hold."""
    hit: Hit = new_instance(Hit)
    set_mms_id, set_side, set_number = _SET_HIT
    set_mms_id(hit, mms_id)
    set_side(hit, side)
    set_number(hit, number)
    return hit


def checked_facts(mms_id: str, *, active: tuple[OclcNumber, ...],
                  cancelled: tuple[OclcNumber, ...], brief_level: BriefLevel,
                  originating_version: Timestamp | None, cz_linked: bool, lock: Lock | None
                  ) -> BibFacts:
    """``BibFacts(...)`` of these fields, made without the frozen ``__init__`` (which checks
    nothing): the zone views make one per bib they read or hold."""
    facts: BibFacts = new_instance(BibFacts)
    set_mms_id, set_active, set_cancelled, set_level, set_version, set_linked, set_lock = (
        _SET_FACTS)
    set_mms_id(facts, mms_id)
    set_active(facts, active)
    set_cancelled(facts, cancelled)
    set_level(facts, brief_level)
    set_version(facts, originating_version)
    set_linked(facts, cz_linked)
    set_lock(facts, lock)
    return facts


def split_mms_id(mms_id: str) -> tuple[int, str] | None:
    """The serial and suffix of an Alma-shaped MMS ID ("99" + serial + four digits), else None.

    ``"991234567890205681"`` is serial 12345678902 under suffix ``"5681"``; an ID of other
    digits (a dump from another system) has no place in any sequence.
    """
    if len(mms_id) < _SHORTEST or not mms_id.startswith("99"):
        return None
    serial = digits_value(mms_id[2:-4], max_digits=_SERIAL_DIGITS)
    if serial is None or digits_value(mms_id[-4:], max_digits=4) is None:
        return None
    return serial, mms_id[-4:]


@frozen
class MmsIdSequence:
    """Where new MMS IDs come from: ``99`` + a serial + the institution's four-digit suffix.

    Alma MMS IDs start with 99 and end with four digits naming the institution (e.g.
    ``991234567890205681``). The sequence is a value: ``peek()`` names the next ID without using
    it, ``advance()`` returns the sequence after it, ``past(mms_id)`` the sequence once a zone
    holds ``mms_id``.
    """

    serial: int = 1
    institution_suffix: str = DEFAULT_SUFFIX

    def __attrs_post_init__(self) -> None:
        if self.serial < 1 or not (len(self.institution_suffix) == 4
                                   and self.institution_suffix.isascii()
                                   and self.institution_suffix.isdigit()):
            raise InvalidMmsId(f"{self.serial}/{self.institution_suffix}", "bad_sequence",
                               "an MMS ID sequence has a serial from 1 and a four-digit suffix")

    def peek(self) -> str:
        return f"99{self.serial}{self.institution_suffix}"

    def advance(self) -> MmsIdSequence:
        return checked_sequence(self.serial + 1, self.institution_suffix)

    def past(self, mms_id: str) -> MmsIdSequence:
        """This sequence once the zone holds ``mms_id``: moved after it when it is one of ours
        (``moved_past``, told ``peek()``).

        ``peek()`` is "99" + serial + suffix and a string has one split, so a held ID equals
        ``peek()`` only when it has this suffix and this serial: moving past every held serial
        of the suffix is what keeps the next MMS ID free.
        """
        suffix = self.institution_suffix
        if not mms_id.endswith(suffix):  # another suffix, or no sequence's ID at all
            return self
        return moved_past(self, mms_id, f"99{self.serial}{suffix}")

    @classmethod
    def at(cls, mms_id: str, *, suffix: str = DEFAULT_SUFFIX) -> MmsIdSequence:
        """The sequence whose next MMS ID is ``mms_id`` (from 1 under ``suffix`` if not Alma's)."""
        split = split_mms_id(mms_id)
        if split is None:
            return cls(1, suffix)
        return cls(max(split[0], 1), split[1])

    @classmethod
    def after(cls, mms_ids: Iterable[str], *, suffix: str | None = None,
              default_suffix: str = DEFAULT_SUFFIX) -> MmsIdSequence:
        """The sequence of a zone holding ``mms_ids``: after the highest serial of its suffix.

        The suffix is ``suffix`` when given, else the one most of the IDs carry (the highest of
        equals), else ``default_suffix``. ``index.sequence`` computes the same for a column.
        """
        highest: dict[str, int] = {}
        counts: Counter[str] = Counter()
        for mms_id in mms_ids:
            split = split_mms_id(mms_id)
            if split is None:
                continue
            serial, own = split
            counts[own] += 1
            highest[own] = max(highest.get(own, 0), serial)
        if suffix is None:
            suffix = max(counts, key=lambda one: (counts[one], one)) if counts else default_suffix
        return cls(highest.get(suffix, 0) + 1, suffix)


def before_next(mms_id: str, following: str) -> bool:
    """Whether ``mms_id`` comes before ``following``, a sequence's next MMS ID (``peek``): fewer
    serial digits, or as many and lower in order. ``MmsIdSequence.past`` leaves the sequence as
    it is for such an ID; a zone that keeps its next ID's text asks this before ``past``."""
    return len(mms_id) < len(following) or (len(mms_id) == len(following)
                                            and mms_id < following)


def moved_past(sequence: MmsIdSequence, mms_id: str, following: str) -> MmsIdSequence:
    """``sequence.past(mms_id)``, ``following`` being ``sequence.peek()``, which the caller
    knows already (a zone keeps its next MMS ID's text): in one step for the ID it names (a bib
    added under it), the sequence itself when it does not move. The rule ``past`` follows."""
    if mms_id == following:  # the ID it named (a bib added): the serial after it
        serial = sequence.serial
        if serial < _SERIAL_LIMIT:
            # This (checked) suffix and a serial above this one (from 1): what
            # ``__attrs_post_init__`` checks holds already (``checked_sequence``).
            return checked_sequence(serial + 1, sequence.institution_suffix)
        return sequence
    if before_next(mms_id, following):  # a lower serial (or none)
        return sequence
    suffix = sequence.institution_suffix
    split = split_mms_id(mms_id)
    if split is None or split[1] != suffix or split[0] < sequence.serial:
        return sequence
    return checked_sequence(split[0] + 1, suffix)


_SET_SEQUENCE: Final = tuple(slot_setter(MmsIdSequence, name)
                             for name in ("serial", "institution_suffix"))


def checked_sequence(serial: int, institution_suffix: str) -> MmsIdSequence:
    """``MmsIdSequence(serial, institution_suffix)`` of a serial from 1 and a four-digit suffix,
    made without the frozen ``__init__`` and its check: the zone moves its sequence on every
    bib it adds (``MmsIdSequence.past``), from a checked sequence to a higher serial."""
    sequence: MmsIdSequence = new_instance(MmsIdSequence)
    set_serial, set_suffix = _SET_SEQUENCE
    set_serial(sequence, serial)
    set_suffix(sequence, institution_suffix)
    return sequence


@runtime_checkable
class ZoneView(Protocol):
    """Read access to a zone's bibs, as ``decide()`` needs it.

    ``keeps_records`` states whether ``record`` can answer: a view of facts only (the compact
    index alone) answers None for every bib, and a Merge against it is decided without the
    merged record (``Merge.record`` is None).
    """

    @property
    def keeps_records(self) -> bool:
        """Whether ``record`` gives the full record of the zone's bibs."""
        ...

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        """Every bib carrying ``number`` in 035 $a or $z (by value), each once per side."""
        ...

    def facts(self, mms_id: str) -> BibFacts | None:
        """The facts of a bib, or None when the zone has no such MMS ID."""
        ...

    def record(self, mms_id: str) -> Bib | None:
        """The bib's full record as stored; None when the zone has no such MMS ID or keeps
        facts only."""
        ...

    def record_part(self, mms_id: str, positions: Callable[[list[str]], list[int]]
                    ) -> Bib | None:
        """``record``, of which only the fields at ``positions(tags)`` are needed, ``tags``
        being its field tags in order (a merge's ``MergePlans.read_positions``): a view that
        can leave the other fields out, unread, does; any view may give the whole record. The
        leader and the order of the fields given are the record's."""
        ...

    def next_mms_id(self) -> str:
        """The MMS ID the zone would give the next bib it adds (peeked, not reserved)."""
        ...
