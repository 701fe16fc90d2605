"""Stub of the compiled module ``links.pyx``: the numbers a batch's records can share, read in
C, the twin of ``almamatch.parallel.groups.link_numbers``."""

from typing import Any

import numpy.typing as npt

def link_numbers(content: npt.NDArray[Any], starts: npt.NDArray[Any], ends: npt.NDArray[Any]
                 ) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """``parallel.groups.link_numbers(content, starts, ends)``: ``content`` uint8, ``starts``
    and ``ends`` int64 (contiguous); (record position int64, value uint64) pairs."""
