"""``read_bibs``: any MARC file, by content, to bibs and unreadables.

Theory of operation: the format is recognised from the first bytes that are not a byte-order
mark or blank, never from the file name: five digits begin an ISO 2709 record (Leader/00-04,
the record length), ``<`` begins MARCXML, ``{`` or ``[`` begins MARC-in-JSON. The file is then
read in chunks by the reader for that format, which yields a ``Bib`` for every record it can read
and an ``Unreadable`` for every one it cannot, in file order, so a caller always sees both.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from os import PathLike
from pathlib import Path
from typing import BinaryIO, Final

from almamatch.core.errors import shown
from almamatch.core.record import Bib
from almamatch.marc.iso2709 import read_iso2709
from almamatch.marc.unreadable import Unreadable

__all__ = ["MarcFormat", "detect_format", "read_bibs"]

CHUNK_SIZE: Final = 1 << 16
_BYTE_ORDER_MARK: Final = b"\xef\xbb\xbf"
_BLANKS: Final = b" \t\r\n"


class MarcFormat(enum.Enum):
    """The serializations ``read_bibs`` recognises."""

    ISO2709 = "ISO 2709"
    MARCXML = "MARCXML"
    MARC_JSON = "MARC-in-JSON"


def detect_format(head: bytes) -> MarcFormat | None:
    """The format the first bytes of a file announce, or None when they announce none."""
    text = head.removeprefix(_BYTE_ORDER_MARK).lstrip(_BLANKS)
    if text[:1].isdigit():
        return MarcFormat.ISO2709
    if text.startswith(b"<"):
        return MarcFormat.MARCXML
    if text.startswith((b"{", b"[")):
        return MarcFormat.MARC_JSON
    return None


def _chunks(stream: BinaryIO, first: bytes) -> Iterator[bytes]:
    yield first
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


def _read_stream(stream: BinaryIO, convertible: Callable[[Bib], object] | None
                 ) -> Iterator[Bib | Unreadable]:
    first = stream.read(CHUNK_SIZE)
    # Blank runs longer than a chunk: read on until something announces the format.
    while first and not first.removeprefix(_BYTE_ORDER_MARK).strip(_BLANKS):
        more = stream.read(CHUNK_SIZE)
        if not more:
            return
        first = more
    if not first:
        return
    found = detect_format(first)
    if found is MarcFormat.ISO2709:
        yield from read_iso2709(_chunks(stream, first), convertible=convertible)
    elif found is MarcFormat.MARCXML:
        # The MARCXML and MARC-in-JSON readers are imported for a file of theirs alone: a batch
        # of ISO 2709 exports does not build their classes nor load expat.
        from almamatch.marc.marcxml import read_marcxml  # noqa: PLC0415

        yield from read_marcxml(_chunks(stream, first))
    elif found is MarcFormat.MARC_JSON:
        from almamatch.marc.marcjson import read_marc_json  # noqa: PLC0415

        yield from read_marc_json(_chunks(stream, first))
    else:
        detail = f"starts with {shown(first[:16])}: not ISO 2709, MARCXML or MARC-in-JSON"
        yield Unreadable(index=0, offset=0, reason="unknown_format", detail=detail)


def read_bibs(source: str | PathLike[str] | BinaryIO, *,
              convertible: Callable[[Bib], object] | None = None
              ) -> Iterator[Bib | Unreadable]:
    """Every record in a MARC file, in order: a ``Bib``, or an ``Unreadable`` saying why not.

    ``source`` is a path, which is opened (and closed when the iteration ends), or a binary file
    object, which is read from its current position and left open. ``convertible``, when
    given, is called with each ``Bib`` of an ISO 2709 file whose bytes show that it converts to
    MARCXML (``marc.iso2709.decode_vouched``), just before it is yielded: a batch passes its
    ``DecisionCache.note_convertible``.
    """
    # Each a generator: nothing is opened or read before the first record is asked for.
    if isinstance(source, str | PathLike):
        return _read_path(Path(source), convertible)
    return _read_stream(source, convertible)


def _read_path(path: Path, convertible: Callable[[Bib], object] | None
               ) -> Iterator[Bib | Unreadable]:
    """``read_bibs`` of the file at ``path``, opened when the first record is asked for and
    closed when the iteration ends."""
    with path.open("rb") as stream:
        yield from _read_stream(stream, convertible)
