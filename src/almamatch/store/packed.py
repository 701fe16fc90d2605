"""An overlay's records kept packed: ``PackedRecords``, the ``core.zone.HeldRecords`` a batch
hands the zone it applies decisions to.

Theory of operation: a batch's overlay keeps the record of every bib it adds or merges into,
for a later export that merges into the same bib and for ``--commit``. As a ``Bib`` such a
record is about 4.2 KB of objects for the 25 fields a record of the day holds (a ``DataField``
of 72 bytes and a text for each data field, the tuple, the control fields), so that a batch of
millions in one process would hold gigabytes; its text is about 0.95 KB. So each record is kept
as the bytes ``pack`` makes of it and made again by ``unpack`` when the zone asks for it, which
a batch does for a small part of them (about one merge in thirty reads a bib the run itself
added or merged into) and a commit for each once. ``unpack(pack(bib))`` equals ``bib``; a record
the packed form cannot hold exactly is kept as it is.

The packed form: the leader (24 characters, as every ``Bib`` holds), then each field's text,
one after another, separated by the field terminator 0x1E: a control field's tag and value, a
data field's tag, its two indicators and its ``marc_text`` (its subfields as ISO 2709 writes
them); the whole encoded as UTF-8, a lone surrogate as its three bytes (``surrogatepass``, which
decodes back to the same surrogate). Tags are three characters and indicators one (``Bib``
checks both), so each field's text splits at fixed places. ``pack`` answers None (the record is
kept as it is) for a ``Bib`` subclass or a field that is not exactly a ``ControlField`` or a
``DataField``, a member that is not text, subfields kept as a tuple (a ``DataField`` whose
subfields its text cannot hold), or a terminator anywhere in a field.

``pack`` and ``unpack`` here are the definition; where the compiled modules are built and
wanted, ``PackedRecords`` uses their twins in ``almamatch._native.packed`` (the same bytes and
the same records; tests/test_packed_records.py compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from almamatch import _native
from almamatch.core.record import (
    FIELD_TERMINATOR,
    Bib,
    ControlField,
    DataField,
    Field,
    checked_bib,
    checked_control_field,
    checked_data_field,
    kept_subfields,
)

__all__ = ["PackedRecords", "pack", "unpack"]

_LEADER: Final = 24  # characters (``core.record.LEADER_LENGTH``)
_CONTROL_TAGS: Final = frozenset(f"00{digit}" for digit in range(10))
_ENCODING: Final = ("utf-8", "surrogatepass")


def _field_text(one: Field) -> str | None:
    """A field's packed text; None when the packed form cannot hold it (``pack``)."""
    cls = one.__class__
    if cls is DataField:
        assert isinstance(one, DataField)
        coded = kept_subfields(one)
        if not isinstance(coded, str):
            return None
        return one.tag + one.indicator1 + one.indicator2 + coded
    if cls is ControlField:
        assert isinstance(one, ControlField)
        value: object = one.value
        return one.tag + value if isinstance(value, str) else None
    return None


def pack(bib: Bib) -> bytes | None:
    """``bib`` packed (see the module), or None when the packed form cannot hold it exactly."""
    if bib.__class__ is not Bib or not isinstance(bib.leader, str):
        return None
    texts = [_field_text(one) for one in bib.fields]
    if None in texts:
        return None
    text = FIELD_TERMINATOR.join(texts)  # type: ignore[arg-type]  # no None: checked above
    if text.count(FIELD_TERMINATOR) != max(len(texts) - 1, 0):
        return None  # a terminator inside a field
    return (bib.leader + text).encode(*_ENCODING)


def unpack(data: bytes) -> Bib:
    """The ``Bib`` that ``pack`` made ``data`` of."""
    text = data.decode(*_ENCODING)
    fields: list[Field] = []
    if len(text) > _LEADER:
        for piece in text[_LEADER:].split(FIELD_TERMINATOR):
            tag = piece[:3]
            if tag in _CONTROL_TAGS:
                fields.append(checked_control_field(tag, piece[3:]))
            else:
                fields.append(checked_data_field(tag, piece[3], piece[4], piece[5:]))
    return checked_bib(text[:_LEADER], tuple(fields))


def _compiled() -> tuple[Callable[[Bib], bytes | None], Callable[[bytes], Bib]]:
    from almamatch._native.packed import pack, unpack  # noqa: PLC0415 (only if built)

    return pack, unpack


#: The compiled twins, where built and wanted; else the definitions above.
_PACK, _UNPACK = _native.compiled(_compiled) or (pack, unpack)


class PackedRecords:
    """The records of an overlay's bibs, each kept packed (``pack``) by MMS ID and unpacked
    when asked for: a ``core.zone.HeldRecords``. A record ``pack`` cannot hold is kept as it
    is. Owned by the caller that makes the zone (a batch, a store's pending layer)."""

    __slots__ = ("_kept",)

    def __init__(self) -> None:
        self._kept: dict[str, bytes | Bib] = {}

    def get(self, mms_id: str, /) -> Bib | None:
        found = self._kept.get(mms_id)
        return _UNPACK(found) if isinstance(found, bytes) else found

    def __setitem__(self, mms_id: str, record: Bib, /) -> None:
        packed = _PACK(record)
        self._kept[mms_id] = record if packed is None else packed

    def pop(self, mms_id: str, default: None, /) -> Bib | None:
        found = self._kept.pop(mms_id, default)
        return _UNPACK(found) if isinstance(found, bytes) else found

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def packed_size(self) -> int:
        """The bytes of the packed records held (a record kept as it is counts nothing)."""
        return sum(len(one) for one in self._kept.values() if isinstance(one, bytes))
