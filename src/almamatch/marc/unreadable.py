"""A record in a file that could not be read, as a value.

Theory of operation: reading a file never raises for a bad record and never skips one in silence.
Each record the readers cannot turn into a ``Bib`` becomes an ``Unreadable`` that says which
record it was (``index``), where it starts (``offset``, in bytes), why (``reason``, a code a
program can act on) and what was seen (``detail``, for a person). pymarc's own reader instead
"yields None for a record it cannot parse and, after a framing error, can stop early" (STYLE.md).
"""

from __future__ import annotations

from typing import Final

from attrs import field, frozen

from almamatch.core.errors import capped

__all__ = [
    "MAX_RECORD_CHARACTERS", "MAX_RECORD_FIELDS", "UNREADABLE_REASONS",
    "Unreadable",
]

# What one MARCXML or MARC-in-JSON record may allocate. ISO 2709 bounds a record by its leader,
# "Record length: five characters" (at most 99,999 bytes, so at most 7,690 fields of 13 bytes);
# the text formats have no such bound, so these caps, ten times past anything ISO 2709 can carry
# and past what Alma's own MARCXML conversion accepts, keep one record from growing memory without
# bound. Subfield codes count as characters, so a million empty subfields are capped too.
MAX_RECORD_CHARACTERS: Final = 1_000_000
MAX_RECORD_FIELDS: Final = 10_000

#: Every ``Unreadable.reason`` the readers give, with what it means.
UNREADABLE_REASONS: Final = {
    "unknown_format": "the content is not ISO 2709, MARCXML or MARC-in-JSON",
    "bad_record_length": "Leader/00-04 does not frame a record ending in the record terminator",
    "bad_leader": "the leader is not 24 characters, not ASCII, or its base address is not digits",
    "bad_directory": "the directory is not 12-character entries ending in a field terminator, "
    "or an entry points outside the record",
    "missing_field_terminator": "a field the directory points to does not end with 0x1E",
    "bad_indicators": "a data field does not start with exactly two ASCII indicators",
    "bad_subfield_code": "a subfield code is not one ASCII character",
    "bad_encoding": "the bytes cannot be decoded in the character coding Leader/09 names",
    "no_fields": "the record has no fields",
    "invalid_record": "the fields do not make a valid record (tag, indicator or field shape)",
    "xml_error": "the XML is not well formed; reading stops here",
    "xml_entities_refused": "the XML declares a DTD or entities, which are never expanded",
    "xml_encoding": "the XML declares a character encoding the reader cannot take (only UTF-8, "
    "UTF-16, ISO-8859-1, US-ASCII and one-byte encodings); reading stops here",
    "nested_record": "a MARCXML record holds another <record>, or a leader, control field or "
    "subfield holds an element: the outer record and all it holds",
    "json_error": "the JSON is not well formed (or nested deeper than a record can be)",
    "record_too_large": f"a MARCXML or MARC-in-JSON record holds more than {MAX_RECORD_FIELDS:,} "
    f"fields or {MAX_RECORD_CHARACTERS:,} characters; it is skipped, never held whole",
}


def _one_line_of(text: object) -> str:
    """What an ``Unreadable`` says it saw: a line, never megabytes of a damaged record."""
    return capped(str(text))


@frozen(kw_only=True)
class Unreadable:
    """A record that did not load: its number in the file, where it starts, why, and what was seen.

    ``index`` counts every record in the file from 0, readable or not; ``offset`` is the byte
    offset of the record's first byte (its leader in ISO 2709, its ``<record>`` tag in MARCXML,
    its opening brace in MARC-in-JSON).
    """

    index: int
    offset: int
    reason: str
    detail: str = field(converter=_one_line_of)

    def __str__(self) -> str:
        return f"record {self.index} at byte {self.offset}: {self.reason}: {self.detail}"

