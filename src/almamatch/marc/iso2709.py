"""Reading ISO 2709 (MARC transmission format) files record by record, never stopping early.

Theory of operation: framing and decoding are two steps. Framing is ``marc.framing``, shared with
the key scanner: Leader/00-04 gives the record length, the byte at that length must be the record
terminator 0x1D, otherwise the record is ``Unreadable`` (``bad_record_length``) and framing
resynchronises so that the next record still loads. Decoding first checks what pymarc would
either fail on or quietly repair (leader, base address, directory entries, field terminators,
exactly two indicators, ASCII subfield codes), then lets pymarc decode the characters: UTF-8 when
Leader/09 is ``a`` (invalid bytes kept as lone surrogates U+DC80..U+DCFF), MARC-8 otherwise.
``decode_spans`` looks at records close together in one buffer at once (``marc.layout``): a
record laid out the usual way is decoded from its data area with the tags found there, any other
through ``decode_vouched`` (or ``decode_record``), so every record gets the same answer either way;
``read_iso2709`` reads each buffer's records through it, as a parallel batch's worker its task's.
Where the compiled module ``almamatch._native.marcread`` is built and wanted, it reads the usual
record (and ``decode_selected``'s) in one C pass, and answers nothing for any other record, which
then takes the Python path here: the Python path defines every answer, fault and position.
"""

from __future__ import annotations

import re
import struct
import warnings
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache, partial
from itertools import accumulate, chain, compress, count
from operator import add, itemgetter
from typing import TYPE_CHECKING, Final

from almamatch import _native
from almamatch.core.errors import InvalidRecord, shown
from almamatch.core.marcxml import FORBIDDEN_CONTROL_BYTES
from almamatch.core.record import (
    LEADER_LENGTH,
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
    checked_bib,
    checked_control_fields,
    checked_data_fields,
)
from almamatch.marc.convert import (
    FIELD_TERMINATOR,
    NON_ASCII_CODE,
    SUBFIELD_DELIMITER,
    bib_from_pymarc,
)
from almamatch.marc.directory import ENTRY_LENGTH
from almamatch.marc.framing import Span, frame_runs, frame_spans
from almamatch.marc.layout import usual_layouts
from almamatch.marc.unreadable import Unreadable

if TYPE_CHECKING:  # pymarc is imported where a record goes through it (``decode_checked``)
    import pymarc

__all__ = [
    "RecordFault",
    "decode_checked",
    "decode_part",
    "decode_record",
    "decode_selected",
    "decode_spans",
    "decode_vouched",
    "read_iso2709",
]


_Select = Callable[[list[str]], list[int] | None]
_Positions = Callable[[list[str]], list[int]]
_UsualBib = Callable[[bytes, int, int, bool], tuple[Bib, bool] | None]
_UsualBibs = Callable[[bytes, int, list[int], bool], tuple[list[Bib | None], bytes]]
_SelectedBib = Callable[[bytes, _Select, Callable[[bytes, _Select], Bib | None]], Bib | None]
_PartBib = Callable[[bytes, _Positions, Callable[[bytes, _Positions], Bib | None]], Bib | None]


def _compiled_reader() -> tuple[_UsualBib, _UsualBibs, _SelectedBib, _PartBib]:
    """The compiled twin of the direct path (``almamatch._native.marcread``), used where it is
    built and wanted (``almamatch._native.compiled``); Nones: the Python paths alone."""
    from almamatch._native.marcread import (  # noqa: PLC0415 (optional: may not be built)
        part_bib,
        selected_bib,
        usual_bib,
        usual_bibs,
    )

    return usual_bib, usual_bibs, selected_bib, part_bib


#: The compiled reading, picked once: ``decode_spans`` reads the usual record with
#: ``usual_bib``, ``read_iso2709`` a run of them with ``usual_bibs``, ``decode_selected`` with
#: ``selected_bib``, ``decode_part`` with ``part_bib``, whose answers are those of the Python
#: paths here (tests/test_native_marcread.py compares them).
_usual_bib, _usual_bibs, _selected_bib, _part_bib = (_native.compiled(_compiled_reader)
                                                     or (None, None, None, None))

_SUBFIELD: Final = chr(SUBFIELD_DELIMITER)
_TERMINATOR: Final = chr(FIELD_TERMINATOR)
# pymarc: "assume controlfields are numeric; replicates ruby-marc behavior" (tags 000-009).
_CONTROL_TAGS: Final = frozenset(f"00{digit}" for digit in range(10))
_TAGS: Final = re.compile(r"(...).{9}", re.DOTALL)  # each directory entry's tag
RECORD_TERMINATOR: Final = 0x1D
_HEAD: Final = itemgetter(slice(0, 3))  # a data field's indicators and first delimiter
_SUBFIELD_TEXTS: Final = itemgetter(slice(2, None))  # after the indicators
_EMPTY_SUBFIELD: Final = _SUBFIELD * 2
_EMPTY_LAST_SUBFIELD: Final = _SUBFIELD + _TERMINATOR


class RecordFault(Exception):
    """Why one framed record cannot become a ``Bib``: a reason code and what was seen."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _check_structure(record: bytes) -> str:
    """Check leader, directory, field terminators, indicators and subfield codes; the leader."""
    try:
        leader = record[:LEADER_LENGTH].decode("ascii")
    except UnicodeDecodeError:
        raise RecordFault("bad_leader", f"leader is not ASCII: {shown(record[:24])}") from None
    if len(record) < LEADER_LENGTH + 2:
        raise RecordFault("bad_leader", f"record of {len(record)} bytes has no room for a leader")
    base_text = leader[12:17]
    if not base_text.isdigit() or not base_text.isascii():
        raise RecordFault("bad_leader", f"base address Leader/12-16 is {shown(base_text)}")
    base = int(base_text)
    if not LEADER_LENGTH < base < len(record):
        raise RecordFault("bad_leader", f"base address {base} outside a {len(record)}-byte record")
    if record[base - 1] != FIELD_TERMINATOR:
        raise RecordFault("bad_directory", "the directory does not end with a field terminator")
    directory = record[LEADER_LENGTH : base - 1]
    if len(directory) % ENTRY_LENGTH:
        raise RecordFault(
            "bad_directory", f"directory of {len(directory)} bytes is not 12-byte entries"
        )
    data_end = len(record) - 1  # the record terminator is not field data
    for start in range(0, len(directory), ENTRY_LENGTH):
        entry = directory[start : start + ENTRY_LENGTH]
        tag, length_text, offset_text = entry[:3], entry[3:7], entry[7:12]
        numbers = length_text + offset_text
        if not (tag.isascii() and tag.isalnum() and numbers.isdigit()):
            raise RecordFault("bad_directory", f"directory entry {shown(entry)}")
        first = base + int(offset_text)
        last = first + int(length_text)  # one past the field terminator
        if int(length_text) == 0 or last > data_end:
            raise RecordFault("bad_directory", f"entry {shown(entry)} points outside the record")
        if record[last - 1] != FIELD_TERMINATOR:
            raise RecordFault("missing_field_terminator", f"field {tag.decode()} at {first - base}")
        if tag.isdigit() and tag < b"010":
            continue
        content = record[first : last - 1]
        indicators, _, rest = content.partition(bytes([SUBFIELD_DELIMITER]))
        if len(indicators) != 2 or not indicators.isascii():
            raise RecordFault("bad_indicators",
                              f"field {tag.decode()} starts {shown(indicators[:8])}")
        for chunk in rest.split(bytes([SUBFIELD_DELIMITER])):
            if chunk and chunk[0] >= 0x80:
                raise RecordFault("bad_subfield_code",
                                  f"field {tag.decode()} code {shown(chunk[:1])}")
    return leader


def _pymarc_record(record: bytes, *, to_unicode: bool, utf8: bool) -> pymarc.Record:
    import pymarc  # noqa: PLC0415 (see TYPE_CHECKING above)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return pymarc.Record(
            record,
            to_unicode=to_unicode,
            force_utf8=utf8,
            hide_utf8_warnings=True,
            utf8_handling="surrogateescape",
        )


def _decode_utf8(record: bytes) -> Bib | None:
    """A well-formed UTF-8 record (Leader/09 ``a``) decoded in one pass, without pymarc.

    The result is the ``Bib`` that pymarc plus ``bib_from_pymarc`` make of the same bytes:
    fields in directory order, control fields 000-009 ("assume controlfields are numeric", as
    pymarc), empty subfields skipped, every value UTF-8 with invalid bytes kept as lone
    surrogates. None when the record is not UTF-8 or anything in its structure is off, so that
    ``decode_record`` takes the checked path and names the fault exactly as it always has.
    """
    found = _read_direct(record, check=False)
    return None if found is None else found[0]


def _read_direct(record: bytes, *, check: bool) -> tuple[Bib, bool] | None:
    """``_decode_direct``, read by the compiled twin where it is in use and the record is the
    usual one (``_usual_bib``)."""
    if _usual_bib is not None:
        found = _usual_bib(record, 0, len(record), check)
        if found is not None:
            return found
    return _decode_direct(record, check=check)


def _opened(record: bytes) -> tuple[int, str] | None:
    """The base address and the directory text of a UTF-8 record (Leader/09 ``a``) whose leader
    and directory are sound as the direct paths read them; None otherwise."""
    size = len(record)
    if size < LEADER_LENGTH + 2 or record[9] != 0x61:  # Leader/09 "a"
        return None
    base_text, length_text = record[12:17], record[:5]
    # pymarc reads Leader/00-04 as the length and refuses a record shorter than it says.
    if not base_text.isdigit() or not length_text.isdigit() or int(length_text) > size:
        return None
    base = int(base_text)
    if not LEADER_LENGTH < base < size or record[base - 1] != FIELD_TERMINATOR:
        return None
    directory = record[LEADER_LENGTH : base - 1]
    # isalnum() holds for ASCII letters and digits alone (bytes), so the directory decodes.
    if (not directory or len(directory) % ENTRY_LENGTH or not directory.isalnum()
            or not record[:LEADER_LENGTH].isascii()):
        return None
    return base, directory.decode("ascii")


#: A directory of at most this many entries has its tags read by one ``struct`` layout, cached
#: per count (a few, as records have a few sizes); a longer one's tags are read from its text.
_LAYOUT_ENTRIES: Final = 1000


@lru_cache(maxsize=64)
def _tag_layout(count: int) -> struct.Struct:
    """A directory of ``count`` entries as ``struct`` reads its tags: each entry's first three
    bytes, the nine after them (length and offset) skipped."""
    return struct.Struct("3s9x" * count)


@cache
def _tag_texts() -> dict[bytes, str]:
    """Each numeric tag's text by its bytes, made on first use: every field of that tag then
    holds the one string, not a new one per field."""
    texts = [f"{number:03d}" for number in range(1000)]
    return {text.encode("ascii"): text for text in texts}


def _tags(record: bytes, entries: str) -> Sequence[str]:
    """The tag of each entry of the directory ``entries`` (the record's, ``_opened``), in
    order: one ``struct`` read and one table read for many entries, not a step per entry."""
    count = len(entries) // ENTRY_LENGTH
    if 1 < count <= _LAYOUT_ENTRIES:  # an itemgetter of one key gives the item, not a tuple
        try:
            tags: tuple[str, ...] = itemgetter(
                *_tag_layout(count).unpack_from(record, LEADER_LENGTH))(_tag_texts())
        except KeyError:  # a tag that is not three digits
            pass
        else:
            return tags
    found: list[str] = _TAGS.findall(entries)
    return found


def _leading_controls(tags: Sequence[str]) -> int:
    """How many of ``tags``, from the first, are control tags (000-009)."""
    controls = 0
    for tag in tags:
        if tag not in _CONTROL_TAGS:
            break
        controls += 1
    return controls


def _area_text(data: bytes) -> tuple[str, bool]:
    """A data area's text in one call, and whether it was valid UTF-8 (invalid bytes escape
    as they would field by field)."""
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape"), False


def _decode_direct(record: bytes, *, check: bool) -> tuple[Bib, bool] | None:
    """``_decode_utf8``'s ``Bib`` and, with ``check``, whether the bytes show that it converts
    to MARCXML (``_convertible``); None as ``_decode_utf8``."""
    opened = _opened(record)
    if opened is None:
        return None
    base, entries = opened
    leader = record[:LEADER_LENGTH].decode("ascii")
    tags = _tags(record, entries)
    # The usual layout: fields in directory order, each right after the one before, so the data
    # area decodes in one call and splits at its terminators ("\x1e" is ASCII: invalid bytes
    # escape as they would field by field, and the text holds as many terminators as the
    # bytes). The directory is then exactly the one written from the pieces' lengths, which one
    # comparison checks; a piece of ASCII text is as long as its bytes.
    data = record[base:-1]
    text, valid = _area_text(data)
    texts = text.split(_TERMINATOR)
    lengths = list(map(len, texts if text.isascii() else data.split(b"\x1e")))
    if (len(lengths) == len(tags) + 1 and not lengths.pop()
            and _directory_of(tags, lengths) == entries):
        texts.pop()
        return _decode_consecutive(record, leader, tags, text, texts,
                                   check=check and valid)
    by_directory = _texts_by_directory(record, base, entries)
    if by_directory is None:
        return None
    fields = _fields_one_by_one(tags, by_directory)
    return None if fields is None else (checked_bib(leader, fields), False)


def _decode_consecutive(record: bytes, leader: str, tags: Sequence[str], text: str,
                        texts: list[str], *, check: bool) -> tuple[Bib, bool] | None:
    """The record whose data area (``text``, valid UTF-8 when ``check``) holds its fields
    (``texts``) one after another, each ended by 0x1E."""
    controls = _leading_controls(tags)
    fields = _fields_at_once(tags, texts, controls, text)
    control_values: Iterable[str] = texts[:controls]
    if fields is None:
        fields = _fields_one_by_one(tags, texts)
        if fields is None:
            return None
        control_values = compress(texts, map(_CONTROL_TAGS.__contains__, tags))
    return checked_bib(leader, fields), check and _convertible(
        record, leader, text, control_values)


#: What ``bytes.translate`` keeps out of a record: everything but the C0 controls XML 1.0
#: forbids, MARC's field terminator and subfield delimiter aside (where they stand is structure).
_NOT_FORBIDDEN: Final = bytes(sorted(
    set(range(256)).difference(FORBIDDEN_CONTROL_BYTES).union({FIELD_TERMINATOR,
                                                                SUBFIELD_DELIMITER})))


def _convertible(record: bytes, leader: str, text: str, control_values: Iterable[str]
                 ) -> bool:
    """Whether the record read from these bytes has no MARCXML conversion problem
    (``core.marcxml.conversion_problems`` is empty), from the bytes and the text of the data
    area, valid UTF-8 and laid out field after field as ``_decode_consecutive`` reads it.

    Each rule of ``core.marcxml`` is known without a look at the fields: Leader/09 is ``a`` (the
    direct path reads no other); a field is at most 9,999 octets, terminator included, because
    its directory entry says so in four digits; no byte is escaped (the data is valid UTF-8);
    the one search here finds any C0 control XML 1.0 forbids, 0x1E and 0x1F being field ends
    and subfield delimiters in the data area, so they are looked for only where they are
    characters: the leader and the control fields. U+FFFE and U+FFFF are characters of the text.
    """
    stray = record.translate(None, _NOT_FORBIDDEN)
    if stray and (stray != b"\x1d" or record[-1] != RECORD_TERMINATOR):
        return False
    if _TERMINATOR in leader or _SUBFIELD in leader:
        return False
    if not text.isascii() and ("\ufffe" in text or "\uffff" in text):
        return False
    return _SUBFIELD not in "".join(control_values)


def _fields_at_once(tags: Sequence[str], texts: list[str], controls: int, area: str
                    ) -> tuple[Field, ...] | None:
    """The fields of the usual record, built many at a time; None when the record is not the
    usual one (a control field after a data field, a data field without subfields or with an
    empty one, indicators or codes off), for ``_fields_one_by_one`` to build or refuse.

    Usual: ``controls`` control fields first, then data fields whose text is two indicators,
    then ``$``-led subfields, none empty, every code ASCII. Each data field keeps its text from
    its first delimiter on as it stands (``DataField.marc_text``). The checks look at all data
    fields' texts at once: their heads, and ``area``, a text holding each of ``texts`` followed
    by a terminator (the data area). A delimiter that stands as an empty subfield or before a
    code over U+007F anywhere in it, a control field's included, makes the record unusual.
    """
    fields: list[Field] = []
    fields.extend(checked_control_fields(tags, texts, controls))
    count = len(tags) - controls
    if not count:
        return tuple(fields)
    data_tags, data_texts = tags[controls:], texts[controls:]
    if not _CONTROL_TAGS.isdisjoint(data_tags):
        return None
    # Every data field's first delimiter at 2: two indicators, then subfields.
    heads = "".join(map(_HEAD, data_texts))
    if heads.count(_SUBFIELD) != count or heads[2::3] != _SUBFIELD * count:
        return None
    indicators = heads.replace(_SUBFIELD, "")
    # An empty subfield (which pymarc skips) is a delimiter followed by a delimiter or a
    # terminator.
    if _EMPTY_SUBFIELD in area or _EMPTY_LAST_SUBFIELD in area:
        return None
    if not indicators.isascii() or (not area.isascii()
                                    and NON_ASCII_CODE.search(area) is not None):
        return None
    fields.extend(checked_data_fields(data_tags, indicators[0::2], indicators[1::2],
                                      map(_SUBFIELD_TEXTS, data_texts), count))
    return tuple(fields)


def _fields_one_by_one(tags: Sequence[str], texts: list[str]) -> tuple[Field, ...] | None:
    """Each field built on its own (any order of control and data fields, data fields without
    subfields, empty subfields skipped); None when indicators or a code are off."""
    fields: list[Field] = []
    append = fields.append
    for tag, text in zip(tags, texts, strict=True):
        if tag in _CONTROL_TAGS:
            append(ControlField(tag, text))
            continue
        indicators, _, body = text.partition(_SUBFIELD)
        if len(indicators) != 2 or not indicators.isascii():
            return None
        chunks = [chunk for chunk in body.split(_SUBFIELD) if chunk]
        if any(chunk[0] >= "\x80" for chunk in chunks):  # the checked path names the code
            return None
        # Kept as their text, or as a tuple when one holds the terminator (a field read by its
        # directory entry), as ``DataField`` decides for any subfields.
        append(DataField(tag, indicators[0], indicators[1],
                         [Subfield(chunk[0], chunk[1:]) for chunk in chunks]))
    return tuple(fields)


def _texts_by_directory(record: bytes, base: int, entries: str) -> list[str] | None:
    """Each field's text (terminator off) where its directory entry places it, in directory
    order; None when an entry is off."""
    data_end = len(record) - 1
    texts = []
    for start in range(0, len(entries), ENTRY_LENGTH):
        numbers = entries[start + 3 : start + 12]
        if not numbers.isdigit():
            return None
        length = int(numbers[:4])
        first = base + int(numbers[4:])
        last = first + length
        if length == 0 or last > data_end or record[last - 1] != FIELD_TERMINATOR:
            return None
        texts.append(record[first : last - 1].decode("utf-8", "surrogateescape"))
    return texts


@cache
def _number_texts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Directory numbers written out, made on first use (not at import): a field's length with
    its terminator (four digits) by the length of its text, and an offset (five digits) below
    10,000; larger ones are formatted."""
    return (tuple(map("%04d".__mod__, range(1, 10000))),
            tuple(map("%05d".__mod__, range(10000))))


def _directory_of(tags: Sequence[str], lengths: list[int]) -> str:
    """The directory of fields written one after another: tag, length with its terminator
    (four digits), offset (five digits) each."""
    length_texts, offset_texts = _number_texts()
    parts: list[str] = [""] * (3 * len(tags))
    parts[0::3] = tags
    offsets = list(map(add, accumulate(lengths, initial=0), count()))
    del offsets[-1]
    try:
        if len(tags) > 1:  # an itemgetter of one item gives the item, not a tuple of it
            # itemgetter reads the tables in one call, rather than a call for each field.
            parts[1::3] = itemgetter(*lengths)(length_texts)
            parts[2::3] = itemgetter(*offsets)(offset_texts)
        else:
            parts[1::3] = [length_texts[lengths[0]]]
            parts[2::3] = [offset_texts[offsets[0]]]
    except IndexError:  # a field or an offset past the tables: written out
        written = [length + 1 for length in lengths]
        return ("%s%04d%05d" * len(tags)) % tuple(chain.from_iterable(zip(
            tags, written, offsets, strict=True)))
    return "".join(parts)


#: A subfield delimiter followed by a byte over 0x7F: a code ``_fields_one_by_one`` refuses.
_HIGH_CODE: Final = re.compile(rb"\x1f[\x80-\xff]")
#: The data fields of a record whose fields follow one another, each after the terminator that
#: ends the field before it (or the directory): two ASCII indicators (neither a delimiter nor a
#: terminator), a delimiter, then anything up to its own terminator.
_DATA_FIELDS: Final = re.compile(rb"(?:\x1e[^\x1e\x1f\x80-\xff]{2}\x1f[^\x1e]*)*")


def decode_selected(record: bytes, select: Callable[[list[str]], list[int] | None]
                    ) -> Bib | None:
    """The leader and the fields at the positions ``select`` picks from the record's tags
    (``_decode_selected``, which defines the answer; read in C where the compiled module is in
    use, ``marcread.selected_bib``)."""
    if _selected_bib is not None:
        return _selected_bib(record, select, _decode_selected)
    return _decode_selected(record, select)


def _decode_selected(record: bytes, select: Callable[[list[str]], list[int] | None]
                     ) -> Bib | None:
    """The leader and the fields at the positions ``select`` picks from the record's tags
    (in directory order; positions ascending), each decoded as ``decode_record`` decodes it;
    the other fields are not decoded.

    None when ``select`` gives None, or when ``_decode_utf8`` might not decode the record as it
    stands (not UTF-8, fields not one after another in directory order, a field from the first
    data field on not led by two ASCII indicators and a delimiter, a delimiter followed by a
    byte over 0x7F): ``decode_record`` then decodes the whole record, naming any fault as it
    always has. Otherwise the whole record decodes field by field, and these fields are those
    fields.
    """
    opened = _opened(record)
    if opened is None:
        return None
    base, entries = opened
    end = len(record) - 1  # the record terminator
    tags = list(_tags(record, entries))
    pieces = record[base:end].split(b"\x1e")
    if len(pieces) != len(tags) + 1 or pieces.pop():
        return None
    lengths = list(map(len, pieces))
    if _directory_of(tags, lengths) != entries:
        return None
    # The fields follow one another: the data fields start right after the terminator that ends
    # the leading control fields (or the directory), the last ends at the record's last one.
    controls = _leading_controls(tags)
    first = base + sum(lengths[:controls]) + controls
    if (_DATA_FIELDS.fullmatch(record, first - 1, end - 1) is None
            or not (record.isascii() or _HIGH_CODE.search(record, base, end) is None)):
        return None
    chosen = select(tags)
    if chosen is None:
        return None
    leading = bisect_left(chosen, controls)
    chosen_tags = [tags[at] for at in chosen]
    texts = [pieces[at].decode("utf-8", "surrogateescape") for at in chosen]
    fields = _fields_at_once(chosen_tags, texts, leading, _TERMINATOR.join(texts) + _TERMINATOR)
    if fields is None:
        fields = _fields_one_by_one(chosen_tags, texts)
        if fields is None:  # not for a record that passed the checks above
            return None
    return checked_bib(record[:LEADER_LENGTH].decode("ascii"), fields)


def decode_part(record: bytes, positions: _Positions) -> Bib | None:
    """The leader, the fields at the positions ``positions(tags)`` gives and every 001, in
    order, of a record with an 001 and no 003 (a saved zone's record as a merge reads it,
    ``zonefiles.zones.IndexedZoneView.record_part``): ``decode_selected`` of those positions
    (``_decode_part``, which defines the answer; read in C where the compiled module is in use,
    ``marcread.part_bib``). None for a record with no 001 or with an 003 (``positions`` is not
    called), and where ``decode_selected`` gives None.

    ``positions`` may also be a ``dict`` of tags to bools (``core.merge.MergePlans.reader``):
    called with tags it holds every one of, it must give the ascending positions of those it
    maps to True, which the compiled reading then looks up in it instead of calling it.
    """
    if _part_bib is not None:
        return _part_bib(record, positions, _decode_part)
    return _decode_part(record, positions)


def _decode_part(record: bytes, positions: _Positions) -> Bib | None:
    return _decode_selected(record, partial(_numbered_positions, positions))


def _numbered_positions(positions: _Positions, tags: list[str]) -> list[int] | None:
    """``positions(tags)`` and the position of every 001, ascending, for tags with an 001 and
    no 003; None for any other (``decode_part``)."""
    # The tags are searched in one text, each tag and a blank: a search for a tag finds whole
    # tags alone, at four times their position.
    line = " ".join([*tags, ""])
    first = line.find("001 ")
    if first == -1 or "003 " in line:
        return None
    chosen = positions(tags)
    if line.find("001 ", first + 4) == -1:  # one 001, as a saved record has
        first >>= 2
        return chosen if first in chosen else sorted([first, *chosen])
    return sorted({*chosen, *(at for at, tag in enumerate(tags) if tag == "001")})


def decode_record(record: bytes) -> Bib:
    """One framed ISO 2709 record to a ``Bib``; ``RecordFault`` says why it cannot be.

    A well-formed UTF-8 record is decoded directly (``_decode_utf8``); MARC-8 records and records
    with a fault go through the structure check and pymarc, which name the fault.
    """
    fast = _decode_utf8(record)
    return fast if fast is not None else decode_checked(record)


def decode_vouched(record: bytes) -> tuple[Bib, bool]:
    """``decode_record``, and whether the bytes show that the ``Bib`` converts to MARCXML as it
    is (``core.marcxml.conversion_problems`` finds nothing in it).

    True exactly when the record has no conversion problem, for a record the direct path reads
    laid out field after field (nearly every record); False for any other record says nothing
    either way. A batch passes the answer to ``decide()`` through its ``DecisionCache``
    (``note_convertible``), so that stage 3 does not look at the fields again.
    """
    fast = _read_direct(record, check=True)
    return fast if fast is not None else (decode_checked(record), False)


def decode_checked(record: bytes) -> Bib:
    """``decode_record`` through the structure check and pymarc, for every record: the
    reference the direct UTF-8 path is tested against."""
    import pymarc  # noqa: PLC0415 (see TYPE_CHECKING above)

    leader = _check_structure(record)
    utf8 = leader[9] == "a"
    try:
        try:
            parsed = _pymarc_record(record, to_unicode=True, utf8=utf8)
        except UnicodeDecodeError:
            if not utf8:
                raise
            # pymarc decodes control fields strictly even with utf8_handling; read that record
            # raw and let bib_from_pymarc keep its invalid bytes as lone surrogates.
            parsed = _pymarc_record(record, to_unicode=False, utf8=utf8)
    except pymarc.exceptions.NoFieldsFound:
        raise RecordFault("no_fields", "the directory lists no fields") from None
    except UnicodeDecodeError as error:
        raise RecordFault("bad_encoding", f"Leader/09 {shown(leader[9])}: {error}") from None
    except (pymarc.exceptions.PymarcException, ValueError, Warning) as error:
        raise RecordFault("invalid_record", f"pymarc: {error}") from None
    try:
        return bib_from_pymarc(parsed)
    except InvalidRecord as error:
        raise RecordFault("invalid_record", str(error)) from None


#: How many framed records of one buffer ``usual_layouts`` looks at in one call, at most.
_RUN: Final = 512


def _runs(chunks: Iterable[bytes]) -> Iterator[list[Span | Unreadable]]:
    """What ``frame_spans`` yields, a run at a time: every span of a run in one buffer."""
    run: list[Span | Unreadable] = []
    buffer = None
    for framed in frame_spans(chunks):
        if not isinstance(framed, Unreadable):
            if (buffer is not None and framed[0] is not buffer) or len(run) >= _RUN:
                yield run
                run = []
            buffer = framed[0]
        run.append(framed)
    if run:
        yield run


@cache
def _tag_by_number() -> tuple[str, ...]:
    """Each numeric tag's text (``_tag_texts``'s strings) at its number."""
    return tuple(_tag_texts().values())


def _decode_usual(record: bytes, base: int, tags: Sequence[str], *, check: bool
                  ) -> tuple[Bib, bool] | None:
    """``_decode_direct`` of a record that ``usual_layouts`` found laid out the usual way, with
    its base address and tags: its data area split at the terminators holds its fields."""
    text, valid = _area_text(record[base:-1])
    texts = text.split(_TERMINATOR)
    texts.pop()
    return _decode_consecutive(record, record[:LEADER_LENGTH].decode("ascii"), tags, text,
                               texts, check=check and valid)


def decode_spans(content: bytes, starts: Sequence[int], ends: Sequence[int], *, check: bool
                 ) -> Iterator[tuple[Bib, bool] | RecordFault]:
    """Each record ``content[starts[i]:ends[i]]`` in order, as ``decode_vouched`` gives it
    (``check``; else ``decode_record``'s ``Bib`` and False), or the ``RecordFault`` it raises.

    Where the compiled reader is in use (``_usual_bib``), it reads each usual record in one
    pass. Otherwise the records are looked at together first (``usual_layouts``, which
    searches ``content`` from the first start to the last end: give it records close
    together, as those of one buffer): one laid out the usual way is decoded from its data
    area with the tags found there, its directory not read again. Either way any other record
    goes through ``decode_vouched`` (or ``decode_record``), which gives every record the same
    ``Bib`` or fault. Each record is decoded only when the next answer is asked for.
    """
    if not starts:
        return
    if _usual_bib is not None:  # the compiled twin reads the usual record, the rest as below
        usual = _usual_bib
        for start, end in zip(starts, ends, strict=True):
            read = usual(content, start, end, check)
            # A record it leaves: the Python paths, without asking it again (``_read_direct``)
            yield read if read is not None else _decoded(content[start:end], check=check,
                                                         direct=_decode_direct)
        return
    bases, firsts, tags = usual_layouts(content, starts, ends)
    tag_by_number = _tag_by_number()
    for start, end, base, first in zip(starts, ends, bases, firsts, strict=True):
        record = content[start:end]
        found: tuple[Bib, bool] | RecordFault | None = None
        if base:  # 2 to 1,000 entries: an itemgetter of them gives a tuple
            found = _decode_usual(record, base, itemgetter(*tags[
                first:first + (base - LEADER_LENGTH - 1) // ENTRY_LENGTH])(
                    tag_by_number), check=check)
        yield found if found is not None else _decoded(record, check=check)


def _decoded(record: bytes, *, check: bool,
             direct: Callable[..., tuple[Bib, bool] | None] = _read_direct,
             ) -> tuple[Bib, bool] | RecordFault:
    """``decode_vouched`` (``check``; else ``decode_record``'s ``Bib`` and False), or the
    ``RecordFault`` it raises: ``decode_spans``'s answer for a record not read the usual way.
    ``direct``: the direct path tried first, ``_read_direct`` as those two try it, or
    ``_decode_direct`` for a record the compiled reader has already left (the same answer:
    ``_read_direct`` is the compiled reader, then ``_decode_direct``)."""
    try:
        fast = direct(record, check=check)
        if fast is not None:
            return fast if check else (fast[0], False)
        return decode_checked(record), False
    except RecordFault as fault:
        return fault


def read_iso2709(chunks: Iterable[bytes], *,
                 convertible: Callable[[Bib], object] | None = None
                 ) -> Iterator[Bib | Unreadable]:
    """Every record in a stream of ISO 2709 bytes, as a ``Bib`` or an ``Unreadable``.

    ``convertible``, when given, is called with each ``Bib`` whose bytes show that it converts
    to MARCXML (``decode_vouched``), just before that ``Bib`` is yielded.

    The records framed in one buffer are decoded together (``decode_spans``; where the
    compiled reader is in use, each run the framing gives at once, ``usual_bibs``).
    """
    if _usual_bibs is not None:
        return _read_runs(chunks, _usual_bibs, convertible)
    return _read_spans(chunks, convertible)


def _read_spans(chunks: Iterable[bytes], convertible: Callable[[Bib], object] | None
                ) -> Iterator[Bib | Unreadable]:
    """``read_iso2709`` by the Python paths: the spans of a run in one buffer decoded together
    (``decode_spans``)."""
    check = convertible is not None
    for run in _runs(chunks):
        spans = [framed for framed in run if not isinstance(framed, Unreadable)]
        decoded = decode_spans(spans[0][0] if spans else b"", [span[1] for span in spans],
                               [span[2] for span in spans], check=check)
        for framed in run:
            if isinstance(framed, Unreadable):
                yield framed
                continue
            found = next(decoded)
            if isinstance(found, RecordFault):
                _, _, _, index, offset = framed
                yield Unreadable(index=index, offset=offset, reason=found.reason,
                                 detail=found.detail)
                continue
            bib, vouched = found
            if vouched and convertible is not None:
                convertible(bib)
            yield bib


def _read_runs(chunks: Iterable[bytes], usual_bibs: _UsualBibs,
               convertible: Callable[[Bib], object] | None) -> Iterator[Bib | Unreadable]:
    """``read_iso2709`` through the compiled reader: each run of records the framing gives
    (``frame_runs``) read in one call (``usual_bibs``), a record it leaves by the Python paths
    (``_decoded``: the same answers), without asking it again."""
    check = convertible is not None
    for framed in frame_runs(chunks):
        if isinstance(framed, Unreadable):
            yield framed
            continue
        content, start, ends, index, base = framed
        bibs, vouched = usual_bibs(content, start, ends, check)
        if convertible is None and None not in bibs:
            yield from bibs  # type: ignore[misc]  # no None among them
            continue
        for bib, noted, end in zip(bibs, vouched, ends, strict=True):
            if bib is None:
                yield _left(content[start:end], index, base + start, convertible)
            else:
                if noted and convertible is not None:
                    convertible(bib)
                yield bib
            index += 1
            start = end


def _left(record: bytes, index: int, offset: int, convertible: Callable[[Bib], object] | None
          ) -> Bib | Unreadable:
    """A record of a run that ``usual_bibs`` leaves, read by the Python paths (``_decoded``,
    not asking the compiled reader again) as ``read_iso2709`` gives it."""
    found = _decoded(record, check=convertible is not None, direct=_decode_direct)
    if isinstance(found, RecordFault):
        return Unreadable(index=index, offset=offset, reason=found.reason, detail=found.detail)
    bib, vouched = found
    if vouched and convertible is not None:
        convertible(bib)
    return bib
