"""Reading MARCXML as a stream, record by record, with DTDs and entities refused.

Theory of operation: expat is fed the file in chunks and calls back for each element; a
``<record>`` becomes a ``Bib`` (or an ``Unreadable``) when its end tag arrives, so memory holds one
chunk and one record, never the whole file. Element names are matched on their local part, so the
MARC 21 slim namespace may be the default, a prefix (``marc:``, ``marcxml:``) or absent. A document
that declares a DTD is refused before anything in it is expanded (``xml_entities_refused``): entity
expansion is how "billion laughs" and external-entity reads work, and MARCXML needs neither. XML
that is not well formed cannot be resynchronised, so the reader reports ``xml_error`` and stops.
An encoding declaration expat cannot take (multi-byte ones such as Shift_JIS, Big5, EUC-KR and
UTF-7, or a name no codec knows) is ``xml_encoding``, and reading stops there too.
A record past ``MAX_RECORD_FIELDS`` fields or ``MAX_RECORD_CHARACTERS`` characters of content is
``record_too_large``: from then on its content is counted but not kept, and reading goes on.
A ``<record>`` inside a record, or an element inside a leader, control field or subfield (where
MARCXML allows only text), makes the outer record ``nested_record``: it is one unreadable record
with all it holds, so nothing inside it vanishes and nothing is read as what it is not.

Cost stays linear in the input: expat scans a token it has not finished (a long comment, a long
start tag) again each time it is fed, so while one is pending the reader waits until the new bytes
are at least as many as the pending ones before feeding them (each byte is rescanned O(1) times
on average). A token past ``MAX_XML_TOKEN`` bytes stops reading with ``xml_error``, so memory per
record is bounded however long one comment or attribute is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final
from xml.parsers import expat

from attrs import define, field

from almamatch.core.errors import InvalidRecord, shown
from almamatch.core.record import (
    LEADER_LENGTH,
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
)
from almamatch.marc.unreadable import MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS, Unreadable

__all__ = ["read_marcxml"]

_NAMESPACE_SEPARATOR: Final = " "
#: The longest single XML token (tag with its attributes, comment, processing instruction) read:
#: a record's characters, each escaped at worst, as MARC-in-JSON's ``MAX_JSON_TEXT``.
MAX_XML_TOKEN: Final = 8 * MAX_RECORD_CHARACTERS
_TEXT_ELEMENTS: Final = ("leader", "controlfield", "subfield")


class _Refused(Exception):
    """The document declares a DTD or an entity."""


@define
class _RecordBuilder:
    """The parts of the ``<record>`` being read; mutable, and never leaves this module."""

    offset: int
    leader: str | None = None
    fields: list[Field] = field(factory=list)
    fault: tuple[str, str] | None = None
    tag: str = ""
    indicators: tuple[str | None, str | None] = (None, None)
    code: str = ""
    subfields: list[Subfield] = field(factory=list)
    field_count: int = 0
    characters: int = 0

    def fail(self, reason: str, detail: str) -> None:
        if self.fault is None:
            self.fault = (reason, detail)

    @property
    def too_large(self) -> bool:
        return self.fault is not None and self.fault[0] == "record_too_large"

    def grow(self, *, fields: int = 0, characters: int = 0) -> None:
        """Count what the record holds; past a cap, fail it and drop what it holds."""
        self.field_count += fields
        self.characters += characters
        if self.too_large:
            return
        if self.field_count > MAX_RECORD_FIELDS or self.characters > MAX_RECORD_CHARACTERS:
            self.fault = (
                "record_too_large",
                f"more than {MAX_RECORD_FIELDS:,} fields or {MAX_RECORD_CHARACTERS:,} characters",
            )
            self.fields.clear()
            self.subfields.clear()


@define
class _MarcxmlHandler:
    """expat callbacks that turn ``<record>`` elements into bibs and unreadables."""

    parser: expat.XMLParserType
    finished: list[Bib | Unreadable] = field(factory=list)
    record: _RecordBuilder | None = None
    text: list[str] | None = None
    index: int = 0
    nested: int = 0  # <record> elements open inside the record being read
    text_element: str = ""  # the leader, controlfield or subfield whose text is being read

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(_NAMESPACE_SEPARATOR)[2]
        record = self.record
        if local == "record" and record is None:
            self.record = _RecordBuilder(offset=self.parser.CurrentByteIndex)
            return
        if record is None:
            return
        if local == "record":
            self.nested += 1
            record.fail("nested_record",
                        f"holds a <record> at byte {self.parser.CurrentByteIndex}")
        if self.text_element:
            record.fail("nested_record", f"<{local}> inside <{self.text_element}> "
                        f"at byte {self.parser.CurrentByteIndex}")
        if local in ("controlfield", "datafield"):
            record.grow(fields=1)
        elif local == "subfield":
            record.grow(characters=1)
        if local in _TEXT_ELEMENTS:
            self.text_element = local
            if not record.too_large:
                self.text = []
        if local == "controlfield":
            record.tag = attributes.get("tag", "")
        elif local == "datafield":
            record.tag = attributes.get("tag", "")
            record.indicators = (attributes.get("ind1"), attributes.get("ind2"))
            record.subfields = []
        elif local == "subfield":
            code = attributes.get("code")
            if code is None:
                record.fail("invalid_record", f"a subfield of {record.tag} has no code")
            record.code = code or ""

    def characters(self, content: str) -> None:
        if self.text is not None and self.record is not None:
            self.record.grow(characters=len(content))
            if self.record.too_large:
                self.text = None
            else:
                self.text.append(content)

    def end(self, name: str) -> None:
        local = name.rpartition(_NAMESPACE_SEPARATOR)[2]
        record = self.record
        if record is None:
            return
        if local == "record" and self.nested:
            self.nested -= 1  # the end of a record inside the record: the outer one goes on
            return
        content = "".join(self.text or ())
        if local in _TEXT_ELEMENTS:
            self.text = None
            self.text_element = ""
        if (record.too_large or record.fault is not None) and local != "record":
            return
        try:
            if local == "leader":
                record.leader = content
            elif local == "controlfield":
                record.fields.append(ControlField(record.tag, content))
            elif local == "subfield":
                record.subfields.append(Subfield(record.code, content))
            elif local == "datafield":
                ind1, ind2 = record.indicators
                if ind1 is None or ind2 is None:
                    record.fail("bad_indicators", f"datafield {record.tag} lacks ind1 or ind2")
                else:
                    record.fields.append(DataField(record.tag, ind1, ind2, record.subfields))
            elif local == "record":
                self.finish(record)
        except InvalidRecord as error:
            record.fail("invalid_record", str(error))

    def finish(self, record: _RecordBuilder) -> None:
        self.record = None
        leader = record.leader
        if record.fault is None and (leader is None or len(leader) != LEADER_LENGTH):
            record.fail("bad_leader", f"the leader is {shown(leader)}, not 24 characters")
        if record.fault is not None:
            reason, detail = record.fault
            self.finished.append(
                Unreadable(index=self.index, offset=record.offset, reason=reason, detail=detail)
            )
        else:
            try:
                self.finished.append(Bib(leader=leader or "", fields=record.fields))
            except InvalidRecord as error:
                self.finished.append(
                    Unreadable(
                        index=self.index, offset=record.offset,
                        reason="invalid_record", detail=str(error),
                    )
                )
        self.index += 1

    def refuse_doctype(self, name: str, *_: object) -> None:
        raise _Refused(f"<!DOCTYPE {name}> at byte {self.parser.CurrentByteIndex}")

    def refuse_entity(self, name: str, *_: object) -> None:
        raise _Refused(f"<!ENTITY {name}> at byte {self.parser.CurrentByteIndex}")


def read_marcxml(chunks: Iterator[bytes]) -> Iterator[Bib | Unreadable]:
    """Every ``<record>`` in a MARCXML byte stream, as a ``Bib`` or an ``Unreadable``."""
    parser = expat.ParserCreate(namespace_separator=_NAMESPACE_SEPARATOR)
    handler = _MarcxmlHandler(parser)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.characters
    parser.StartDoctypeDeclHandler = handler.refuse_doctype
    parser.EntityDeclHandler = handler.refuse_entity
    # Handlers for the tokens MARCXML ignores, so that CurrentByteIndex moves past them too.
    parser.CommentHandler = _ignore
    parser.ProcessingInstructionHandler = _ignore
    fed = pending = 0
    held: list[bytes] = []
    held_bytes = 0
    for chunk in _with_end(chunks):
        if chunk:
            held.append(chunk)
            held_bytes += len(chunk)
            if held_bytes < pending:
                continue  # a token is pending: feed it only once the new bytes match it
        data = b"".join(held)
        held.clear()
        held_bytes = 0
        try:
            parser.Parse(data, not chunk)
        except _Refused as refusal:
            yield from handler.finished
            yield _stop(handler, parser, "xml_entities_refused", str(refusal))
            return
        except expat.ExpatError as error:
            yield from handler.finished
            yield _stop(handler, parser, "xml_error", str(error))
            return
        except (ValueError, LookupError) as error:
            # pyexpat's handler for encodings expat lacks: "multi-byte encodings are not
            # supported" (ValueError), or no codec of that name (LookupError).
            yield from handler.finished
            yield _stop(handler, parser, "xml_encoding", f"{type(error).__name__}: {error}")
            return
        yield from handler.finished
        handler.finished.clear()
        fed += len(data)
        pending = fed - max(parser.CurrentByteIndex, 0)
        if pending > MAX_XML_TOKEN:
            detail = (f"one XML token (a tag, comment or processing instruction) passes "
                      f"{MAX_XML_TOKEN:,} bytes; reading stops here")
            yield _stop(handler, parser, "xml_error", detail, at=fed - pending)
            return


def _ignore(*_: object) -> None:
    """A handler that keeps nothing."""


def _with_end(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks, skipping empty ones, then ``b""`` to tell expat the document is complete."""
    for chunk in chunks:
        if chunk:
            yield chunk
    yield b""


def _stop(
    handler: _MarcxmlHandler, parser: expat.XMLParserType, reason: str, detail: str,
    *, at: int | None = None,
) -> Unreadable:
    """The ``Unreadable`` that ends reading: the open record's, or one at the error's byte."""
    where = parser.ErrorByteIndex if at is None else at
    offset = handler.record.offset if handler.record is not None else where
    if "reading stops here" not in detail:
        # Every byte from ``offset`` on is in this report: nothing after it is read.
        detail = f"{detail}; reading stops here"
    return Unreadable(index=handler.index, offset=max(offset, 0), reason=reason, detail=detail)
