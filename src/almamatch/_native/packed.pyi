"""Stub of the compiled module ``packed.pyx``: a record packed and unpacked in C, the twins of
``almamatch.store.packed.pack`` and ``unpack``."""

from almamatch.core.record import Bib

def pack(bib: Bib) -> bytes | None:
    """``store.packed.pack(bib)``."""

def unpack(data: bytes) -> Bib:
    """``store.packed.unpack(data)``."""
