"""Stub of the compiled module ``marcread.pyx``: the usual ISO 2709 record read in C, the twin of
the direct path of ``almamatch.marc.iso2709``."""

from collections.abc import Callable
from mmap import mmap

from almamatch.core.record import Bib

_Select = Callable[[list[str]], list[int] | None]
_Positions = Callable[[list[str]], list[int]]

def usual_bib(content: bytes, start: int, end: int, check: bool) -> tuple[Bib, bool] | None:
    """``iso2709._decode_direct(content[start:end], check=check)`` for the usual record; None
    for any other (the caller then takes the Python path)."""

def usual_bibs(content: bytes, start: int, ends: list[int], check: bool
               ) -> tuple[list[Bib | None], bytes]:
    """``usual_bib`` of each record of a run (``content[start:ends[0]]``, then from each end to
    the next), and whether each converts to MARCXML, one byte each (1 or 0)."""

def selected_bib(record: bytes, select: _Select,
                 python: Callable[[bytes, _Select], Bib | None]) -> Bib | None:
    """``python(record, select)`` (``iso2709._decode_selected``), read here for the usual
    record; ``select`` is called at most once."""

def part_bib(record: bytes, positions: _Positions,
             python: Callable[[bytes, _Positions], Bib | None]) -> Bib | None:
    """``python(record, positions)`` (``iso2709._decode_part``), read here for the usual
    record; ``positions`` is called at most once, and not at all when it is a ``dict`` holding
    every tag of the record as True or False (the tags it maps to True are read)."""

def usual_ends(content: bytes | mmap, position: int) -> list[int]:
    """Where each record that frames the common way (``marc.framing.frame_spans``) ends, from
    ``position`` on, one after another (at most 1,024); empty for any other record."""

class SavedParts:
    """A saved zone's ``bibs.mrc`` (an open descriptor) and its records' offsets: ``part`` is
    ``decode_part`` of the record ``IndexedZoneView._framed`` reads for a row, or None (the
    caller's Python path) for any other record or read, or when ``number`` is given and the
    record's first 001 is not that text."""

    def __init__(self, descriptor: int, starts: memoryview) -> None: ...
    def part(self, row: int, positions: _Positions, number: str | None = None
             ) -> Bib | None: ...
