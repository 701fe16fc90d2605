"""Type stub of the compiled ``almamatch._native.zonekeys`` (``zonekeys.pyx``): the twin of
``ZoneIndex.hits``, ``row_of`` and ``facts_of_row``."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy.typing as npt

from almamatch.core.brief import BriefLevel
from almamatch.core.facts import BibFacts, Hit, Side
from almamatch.core.lock import Lock
from almamatch.core.oclc import OclcForm, OclcNumber
from almamatch.core.timestamp import Timestamp

_Column = npt.NDArray[Any]

def moment_of(code: int) -> Timestamp | None:
    """``index.version.decode_version(code)`` where the compiled decoding reads it (a code from
    0 whose day is at most 9999-12-31), else None."""

class ZoneKeys:
    """``index``'s one-at-a-time lookups over its columns (``ZoneIndex.lookups`` makes it)."""

    def __init__(
        self,
        index: Any,
        *,
        keys32: _Column | None,
        keys64: _Column | None,
        key_rows: _Column,
        key_sides: _Column,
        key_forms: _Column,
        row_keys: _Column,
        row_starts: _Column,
        mms_ids: _Column,
        brief_levels: _Column,
        versions: _Column,
        cz_linked: _Column,
        coarse: int,
        bases: _Column,
        shifts: _Column,
        offsets: _Column,
        sides: tuple[Side, ...],
        forms: tuple[OclcForm, ...],
        levels: tuple[BriefLevel, ...],
        decode_version: Callable[[int], Timestamp | None],
        locks: Mapping[int, Lock],
        noted_rows: int,
    ) -> None: ...
    def hits(self, number: OclcNumber, rows: dict[str, int | None] | None = None
             ) -> Sequence[Hit]:
        """``ZoneIndex.hits(number, rows)``."""
    def row_of(self, mms_id: str) -> int | None:
        """``ZoneIndex.row_of(mms_id)``."""
    def facts_of_row(self, row: int) -> BibFacts:
        """``ZoneIndex.facts_of_row(row)``."""
