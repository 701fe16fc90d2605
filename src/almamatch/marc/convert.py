"""Bibs to and from pymarc records, ISO 2709 bytes, MARCXML and MARC-in-JSON.

Theory of operation: pymarc stops at this module. ``bib_from_pymarc`` copies a pymarc record into
an immutable ``Bib`` at once (leader, every field in order, indicators, subfields in order);
``bib_to_pymarc`` builds a fresh pymarc record and then sets the leader again, because pymarc's
``Record()`` constructor rewrites Leader/10-11 and 20-23. The writers here do not go through
pymarc: ``bib_to_marc`` writes ISO 2709 itself so that invalid UTF-8 bytes kept as lone surrogates
(U+DC80..U+DCFF, "surrogateescape") go back out as the same bytes, and the leader keeps every
position except the ones MARC 21 says are computed: "Leader/00-04 Record length ... computer-
generated", "Leader/12-16 Base address of data ... computer-generated", and Leader/09, which is
``a`` ("UCS/Unicode") because the bytes written are always UTF-8.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Final

from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield

if TYPE_CHECKING:  # pymarc is imported where a record goes through it, not by every command
    import pymarc

__all__ = [
    "bib_from_marc_json",
    "bib_from_pymarc",
    "bib_to_marc",
    "bib_to_marc_json",
    "bib_to_marcxml",
    "bib_to_pymarc",
]

RECORD_TERMINATOR: Final = 0x1D
FIELD_TERMINATOR: Final = 0x1E
SUBFIELD_DELIMITER: Final = 0x1F
_DELIMITERS: Final = re.compile("[\x1d\x1e\x1f]")
#: A delimiter followed by a character over U+007F: a code that is not one byte.
NON_ASCII_CODE: Final = re.compile("\x1f[^\x00-\x7f]")
_FIELD_END: Final = bytes([FIELD_TERMINATOR])
_RECORD_END: Final = bytes([RECORD_TERMINATOR])
# MARC 21 "Record length: five characters"; "Length of field: four characters".
MAX_RECORD_LENGTH: Final = 99_999
MAX_FIELD_LENGTH: Final = 9_999
MARCXML_NAMESPACE: Final = "http://www.loc.gov/MARC21/slim"
# XML 1.0 section 2.2:
# Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML_CHAR: Final = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@cache
def _not_xml_char() -> re.Pattern[str]:
    """``_NOT_XML_CHAR`` compiled, on first use: compiling its ranges costs some 60 M
    instructions, which a command that writes no MARCXML does not pay at its start; asked
    once a text after that (``re.search`` would look the pattern up in re's cache each time)."""
    return re.compile(_NOT_XML_CHAR)


def _text(value: object) -> str:
    """A pymarc value as text; a raw (``to_unicode=False``) value is read as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if not isinstance(value, str):
        raise InvalidRecord(value, "not_text", "a MARC value is text")
    return value


def bib_from_pymarc(record: pymarc.Record) -> Bib:
    """Copy a pymarc record into a ``Bib``, every field in order; raise ``InvalidRecord`` if bad."""
    import pymarc  # noqa: PLC0415 (see TYPE_CHECKING above)

    fields: list[Field] = []
    for one in record.fields:
        if one.control_field:
            fields.append(ControlField(_text(one.tag), _text(one.data or "")))
        else:
            indicators = one.indicators or pymarc.Indicators(" ", " ")
            subfields = [Subfield(_text(sub.code), _text(sub.value)) for sub in one.subfields]
            fields.append(
                DataField(_text(one.tag), _text(indicators[0]), _text(indicators[1]), subfields)
            )
    return Bib(leader=str(record.leader), fields=fields)


def bib_to_pymarc(bib: Bib) -> pymarc.Record:
    """A new pymarc record holding the bib; the leader is set after construction, verbatim."""
    import pymarc  # noqa: PLC0415 (see TYPE_CHECKING above)

    record = pymarc.Record(to_unicode=True, force_utf8=bib.character_coding == "a")
    for one in bib.fields:
        if isinstance(one, ControlField):
            record.fields.append(pymarc.Field(tag=one.tag, data=one.value))
        else:
            record.fields.append(
                pymarc.Field(
                    tag=one.tag,
                    indicators=pymarc.Indicators(one.indicator1, one.indicator2),
                    subfields=[pymarc.Subfield(sub.code, sub.value) for sub in one.subfields],
                )
            )
    # pymarc's Record() sets leader[10:12] = "22" and leader[20:24] = "4500"; put the bib's back.
    record.leader = pymarc.Leader(bib.leader)
    return record


def _encode(text: str, what: str) -> bytes:
    if _DELIMITERS.search(text):
        raise InvalidRecord(text, "delimiter_in_value", f"{what} holds a MARC delimiter")
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as error:
        raise InvalidRecord(text, "bad_character", f"{what}: {error.reason}") from None


def _field_bytes(one: Field) -> bytes:
    """The field as written in ISO 2709, its terminator included: in one piece when nothing in
    it needs a look (``_checked_field_bytes`` otherwise, which names the first fault).

    One piece is the field's ``marc_text`` after its indicators, which is the subfields as
    ISO 2709 writes them (one-character codes, no delimiter or terminator in a value), and the
    same bytes: UTF-8 (with lone surrogates as their bytes) encodes each character alone, so
    the text encoded is the pieces encoded and joined. It is taken when the indicators and every
    code are ASCII, and no delimiter is in the indicators nor record terminator in the text.
    """
    if isinstance(one, ControlField):
        return _encode(one.value, one.tag) + _FIELD_END
    text = one.marc_text
    indicators = one.indicator1 + one.indicator2
    if (text is not None and len(indicators) == 2 and indicators.isascii()
            and _DELIMITERS.search(indicators) is None and "\x1d" not in text
            and (text.isascii() or NON_ASCII_CODE.search(text) is None)):
        try:
            return (indicators + text).encode("utf-8", "surrogateescape") + _FIELD_END
        except UnicodeEncodeError:
            pass  # a character UTF-8 cannot write: named below
    return _checked_field_bytes(one)


def _checked_field_bytes(one: DataField) -> bytes:
    """A data field written piece by piece, each checked; ``InvalidRecord`` names the first
    piece that cannot be written."""
    parts = [_encode(one.indicator1 + one.indicator2, f"{one.tag} indicators")]
    for sub in one.subfields:
        code = _encode(sub.code, f"{one.tag} subfield code")
        if len(code) != 1:
            raise InvalidRecord(sub.code, "bad_subfield_code", "a subfield code is one byte")
        value = _encode(sub.value, f"{one.tag} ${sub.code}")
        parts.append(bytes([SUBFIELD_DELIMITER]) + code + value)
    if len(parts[0]) != 2:
        raise InvalidRecord(one.indicators, "bad_indicator", "indicators are two bytes")
    return b"".join(parts) + _FIELD_END


def bib_to_marc(bib: Bib) -> bytes:
    """The bib as one ISO 2709 record in UTF-8, Leader/09 ``a``; ``InvalidRecord`` if too long."""
    try:
        leader = bib.leader.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidRecord(bib.leader, "bad_leader", "a leader is ASCII") from None
    entries: list[str] = []
    body: list[bytes] = []
    start = 0
    for one in bib.fields:
        encoded = _field_bytes(one)
        size = len(encoded)
        if size > MAX_FIELD_LENGTH:
            raise InvalidRecord(one.tag, "field_too_long", f"{size} bytes, at most 9999")
        entries.append(f"{one.tag}{size:04d}{start:05d}")
        body.append(encoded)
        start += size
    directory = "".join(entries).encode("ascii") + _FIELD_END
    base = len(leader) + len(directory)
    length = base + start + 1
    if length > MAX_RECORD_LENGTH:
        raise InvalidRecord(length, "record_too_long", "an ISO 2709 record is at most 99999 bytes")
    head = f"{length:05d}".encode("ascii") + leader[5:9] + b"a" + leader[10:12]
    head += f"{base:05d}".encode("ascii") + leader[17:]
    return b"".join([head, directory, *body, _RECORD_END])


def _xml_text(text: str, what: str) -> str:
    bad = _not_xml_char().search(text)
    if bad:
        raise InvalidRecord(
            text, "not_xml_character", f"{what} holds U+{ord(bad.group()):04X}, not allowed in XML"
        )
    # As xml.sax.saxutils.escape(text, {'"': "&quot;"}) writes it, without importing it (it
    # brings urllib.request, http.client and ssl: some 25 ms of every command's start-up).
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace('"', "&quot;"))


def bib_to_marcxml(bib: Bib) -> str:
    """The bib as one MARCXML ``<record>``; ``InvalidRecord`` for characters XML 1.0 forbids.

    Alma converts every Connexion record to MARCXML ("Failed to convert marc record to marc xml"
    when it cannot), so a value that cannot be written here is one Alma refuses.
    """
    lines = [
        f'<record xmlns="{MARCXML_NAMESPACE}">',
        f"  <leader>{_xml_text(bib.leader, 'leader')}</leader>",
    ]
    for one in bib.fields:
        if isinstance(one, ControlField):
            value = _xml_text(one.value, one.tag)
            lines.append(f'  <controlfield tag="{one.tag}">{value}</controlfield>')
            continue
        ind1 = _xml_text(one.indicator1, one.tag)
        ind2 = _xml_text(one.indicator2, one.tag)
        lines.append(f'  <datafield tag="{one.tag}" ind1="{ind1}" ind2="{ind2}">')
        for sub in one.subfields:
            code = _xml_text(sub.code, one.tag)
            value = _xml_text(sub.value, f"{one.tag} ${sub.code}")
            lines.append(f'    <subfield code="{code}">{value}</subfield>')
        lines.append("  </datafield>")
    lines.append("</record>")
    return "\n".join(lines) + "\n"


def bib_to_marc_json(bib: Bib) -> str:
    """The bib in MARC-in-JSON (the code4lib proposal pymarc's ``as_json`` writes), one line."""
    fields: list[dict[str, object]] = []
    for one in bib.fields:
        if isinstance(one, ControlField):
            fields.append({one.tag: one.value})
        else:
            subfields = [{sub.code: sub.value} for sub in one.subfields]
            fields.append(
                {one.tag: {"ind1": one.indicator1, "ind2": one.indicator2, "subfields": subfields}}
            )
    # ensure_ascii writes lone surrogates as \udcXX escapes, which json reads back unchanged.
    return json.dumps({"leader": bib.leader, "fields": fields}, ensure_ascii=True)


def _one_entry(mapping: object, what: str) -> tuple[str, object]:
    if not isinstance(mapping, dict) or len(mapping) != 1:
        raise InvalidRecord(mapping, "bad_json_shape", f"{what} is an object with one key")
    ((key, value),) = mapping.items()
    if not isinstance(key, str):
        raise InvalidRecord(key, "bad_json_shape", f"{what} key is text")
    return key, value


def bib_from_marc_json(document: object) -> Bib:
    """A ``Bib`` from one decoded MARC-in-JSON object; ``InvalidRecord`` for any other shape."""
    if not isinstance(document, dict):
        raise InvalidRecord(document, "bad_json_shape", "a record is a JSON object")
    leader = document.get("leader")
    raw_fields = document.get("fields", [])
    if not isinstance(leader, str):
        raise InvalidRecord(leader, "bad_leader", "the leader is a string")
    if not isinstance(raw_fields, list):
        raise InvalidRecord(raw_fields, "bad_json_shape", "fields is a list")
    fields: list[Field] = []
    for raw in raw_fields:
        tag, content = _one_entry(raw, "a field")
        if isinstance(content, str):
            fields.append(ControlField(tag, content))
            continue
        if not isinstance(content, dict):
            raise InvalidRecord(content, "bad_json_shape", f"field {tag} is a string or object")
        subfields = content.get("subfields", [])
        if not isinstance(subfields, list):
            raise InvalidRecord(subfields, "bad_json_shape", f"{tag} subfields is a list")
        pairs: list[Subfield] = []
        for raw_sub in subfields:
            code, value = _one_entry(raw_sub, f"a subfield of {tag}")
            if not isinstance(value, str):
                raise InvalidRecord(value, "bad_json_shape", f"{tag} ${code} is a string")
            pairs.append(Subfield(code, value))
        ind1, ind2 = content.get("ind1"), content.get("ind2")
        if not isinstance(ind1, str) or not isinstance(ind2, str):
            raise InvalidRecord(content, "bad_indicator", f"{tag} ind1 and ind2 are strings")
        fields.append(DataField(tag, ind1, ind2, pairs))
    return Bib(leader=leader, fields=fields)
