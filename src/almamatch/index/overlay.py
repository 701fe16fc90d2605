"""Changes made during a batch, layered over an immutable zone view.

Theory of operation: a batch decides records one after another, and a later record must see what
an earlier one did (an Add makes a new bib that a later export of the same number merges into).
The compact index is immutable, so ``ZoneOverlay`` keeps the bibs a batch added or changed in
small dicts: a bib put in the overlay hides its old self in the base, and its numbers answer
``hits`` from the overlay. It implements ``ZoneView`` over any ``ZoneView``.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import evolve

from almamatch.core.facts import BibFacts, Hit, MmsIdSequence, Side, ZoneView
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcNumber

__all__ = ["ZoneOverlay"]


def _sequence_after(mms_id: str) -> MmsIdSequence:
    # Alma MMS IDs: "99" + serial + the institution's four-digit suffix (core.facts).
    return MmsIdSequence(int(mms_id[2:-4]), mms_id[-4:])


class ZoneOverlay:
    """A ``ZoneView``: the base zone plus the bibs a batch added, merged or locked."""

    def __init__(self, base: ZoneView) -> None:
        self.base = base
        self._facts: dict[str, BibFacts] = {}
        self._hits: dict[int, list[Hit]] = {}
        self._sequence: MmsIdSequence | None = None

    def __len__(self) -> int:
        """How many bibs the overlay holds."""
        return len(self._facts)

    def hits(self, number: OclcNumber) -> Sequence[Hit]:
        kept = [hit for hit in self.base.hits(number) if hit.mms_id not in self._facts]
        return (*kept, *self._hits.get(number.value, ()))

    def facts(self, mms_id: str) -> BibFacts | None:
        found = self._facts.get(mms_id)
        return found if found is not None else self.base.facts(mms_id)

    def next_mms_id(self) -> str:
        if self._sequence is None:
            return self.base.next_mms_id()
        return self._sequence.peek()

    def put(self, facts: BibFacts) -> None:
        """Store a bib (added, or its facts after a merge), hiding the base's version of it."""
        if facts.mms_id == self.next_mms_id():
            self._sequence = _sequence_after(facts.mms_id).advance()
        old = self._facts.get(facts.mms_id)
        if old is not None:
            for number in old.active + old.cancelled:
                self._hits[number.value] = [
                    hit for hit in self._hits[number.value] if hit.mms_id != facts.mms_id
                ]
        self._facts[facts.mms_id] = facts
        for side, numbers in ((Side.ACTIVE, facts.active), (Side.CANCELLED, facts.cancelled)):
            for number in numbers:
                hit = Hit(mms_id=facts.mms_id, side=side, number=number)
                self._hits.setdefault(number.value, []).append(hit)

    def set_lock(self, mms_id: str, lock: Lock | None) -> bool:
        """Lock (or unlock with None) a bib; False when the zone has no such MMS ID."""
        facts = self.facts(mms_id)
        if facts is None:
            return False
        self.put(evolve(facts, lock=lock))
        return True
