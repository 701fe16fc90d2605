"""Stage 3: can the record be crosswalked to MARCXML? Each problem names its field.

Theory of operation: Alma converts each exported ISO 2709 record to MARCXML before anything else
("Failed to convert marc record to marc xml": "The MARC record contains fields that cannot be
crosswalked to MARC XML", CARLI, OCLC Gateway Export Errors). Three things make that fail:

* a field longer than ISO 2709 allows: the directory gives a field's length in four digits,
  terminator included, so "a field may contain a maximum of 9999 octets" (LoC, MARC 21
  Specifications, Record Structure; S42);
* a record not in UTF-8: "Alma's import integration requires MARC21 and UTF-8" (seed 000); a
  record whose Leader/09 is not ``a`` (MARC-8) with non-ASCII data, or whose data had bytes that
  were not UTF-8 at all (the reader decodes with ``surrogateescape``, so each such byte arrives as
  a lone surrogate U+DC80..U+DCFF);
* a character XML 1.0 forbids: "Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
  [#x10000-#x10FFFF]" (XML 1.0, section 2.2): the other C0 controls (MARC's own delimiters
  0x1D-0x1F among them), U+FFFE, U+FFFF and the remaining surrogates.
"""

from __future__ import annotations

import re
from typing import Final

from almamatch.core.decision import ConversionProblem
from almamatch.core.record import Bib, ControlField, DataField

__all__ = ["FORBIDDEN_CONTROL_BYTES", "MAX_FIELD_OCTETS", "ProblemKind", "conversion_problems"]

#: "a field may contain a maximum of 9999 octets" (four-digit field length, terminator included).
MAX_FIELD_OCTETS: Final = 9999


class ProblemKind:
    """The ``ConversionProblem.kind`` values."""

    TOO_LONG: Final = "too_long"
    NOT_UTF8: Final = "not_utf8"
    INVALID_UTF8: Final = "invalid_utf8"
    FORBIDDEN_CHARACTER: Final = "forbidden_character"


#: The C0 controls outside XML 1.0's Char production (all below 0x20 but tab, line feed and
#: carriage return) as bytes: in UTF-8 each is that one byte, and no other character holds it.
FORBIDDEN_CONTROL_BYTES: Final = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])

# Everything outside XML 1.0's Char production, plus the escaped bytes of invalid UTF-8.
_SUSPECT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPED_BYTE: Final = re.compile("[\udc80-\udcff]")
_FORBIDDEN: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udc7f\udd00-\udfff\ufffe\uffff]")


def _octets(text: str) -> int:
    """The length of ``text`` in UTF-8 as it came off the wire (escaped bytes count one)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass")) - 2 * len(_ESCAPED_BYTE.findall(text))


def _field_text(one: ControlField | DataField) -> tuple[str, int]:
    """The characters of a field as ISO 2709 writes them, and the count of delimiters added."""
    if isinstance(one, ControlField):
        return one.value, 0
    body = one.indicator1 + one.indicator2 + "".join(s.code + s.value for s in one.subfields)
    return body, len(one.subfields)


def _describe(character: str) -> str:
    return f"U+{ord(character):04X}"


def _plainly_convertible(bib: Bib) -> bool:
    """True for the common record that needs no field-by-field look: nothing XML forbids, ASCII
    or UTF-8 (Leader/09 ``a``), and shorter in all than one field may be. False means "look
    field by field"."""
    pieces = [bib.leader]
    octets = 0  # delimiters and terminators
    for one in bib.fields:
        if isinstance(one, ControlField):
            pieces.append(one.value)
        else:
            pieces.append(one.indicator1)
            pieces.append(one.indicator2)
            for sub in one.subfields:
                pieces.append(sub.code)
                pieces.append(sub.value)
            octets += len(one.subfields)
        octets += 1
    text = "".join(pieces)
    # A printable text holds no control character, surrogate or noncharacter (none of them is
    # printable), so the search is needed only when it is not.
    if not text.isprintable() and _SUSPECT.search(text) is not None:
        return False
    if text.isascii():
        return len(text) + octets <= MAX_FIELD_OCTETS
    # Non-ASCII needs Leader/09 "a"; with no escaped byte (a surrogate is suspect) the text
    # encodes to the octets it came as.
    return (bib.leader[9] == "a"
            and len(text.encode("utf-8")) + octets <= MAX_FIELD_OCTETS)


def conversion_problems(bib: Bib) -> tuple[ConversionProblem, ...]:
    """Every reason ``bib`` cannot become MARCXML, in field order; empty when it can."""
    if _plainly_convertible(bib):
        return ()
    problems: list[ConversionProblem] = []
    unicode_record = bib.leader[9] == "a"
    leader_bad = _FORBIDDEN.search(bib.leader)
    if leader_bad:
        problems.append(
            ConversionProblem(
                tag="LDR",
                kind=ProblemKind.FORBIDDEN_CHARACTER,
                detail=f"leader holds {_describe(leader_bad.group())}, which XML 1.0 forbids",
            )
        )
    for one in bib.fields:
        text, delimiters = _field_text(one)
        ascii_only = text.isascii()
        octets = (len(text) if ascii_only else _octets(text)) + delimiters + 1  # + terminator
        if octets > MAX_FIELD_OCTETS:
            problems.append(
                ConversionProblem(
                    tag=one.tag,
                    kind=ProblemKind.TOO_LONG,
                    detail=f"field {one.tag} is {octets:,} octets in ISO 2709; a field may "
                    f"contain a maximum of {MAX_FIELD_OCTETS:,} octets",
                )
            )
        if not ascii_only and not unicode_record:
            problems.append(
                ConversionProblem(
                    tag=one.tag,
                    kind=ProblemKind.NOT_UTF8,
                    detail=f"field {one.tag} has non-ASCII data but Leader/09 is "
                    f"{bib.leader[9]!r}, not 'a' (UTF-8): export as MARC 21 with UTF-8 Unicode",
                )
            )
        if _SUSPECT.search(text) is None:
            continue
        escaped = _ESCAPED_BYTE.findall(text)
        if escaped:
            shown = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in escaped[:5])
            problems.append(
                ConversionProblem(
                    tag=one.tag,
                    kind=ProblemKind.INVALID_UTF8,
                    detail=f"field {one.tag} has {len(escaped)} byte(s) that are not UTF-8 "
                    f"({shown})",
                )
            )
        forbidden = _FORBIDDEN.findall(text)
        if forbidden:
            shown = " ".join(_describe(c) for c in dict.fromkeys(forbidden))
            problems.append(
                ConversionProblem(
                    tag=one.tag,
                    kind=ProblemKind.FORBIDDEN_CHARACTER,
                    detail=f"field {one.tag} holds {shown}, which XML 1.0 forbids",
                )
            )
    return tuple(problems)
