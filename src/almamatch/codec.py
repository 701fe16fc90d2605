"""Decisions to JSON and back, for web projects and ``--json`` output.

Theory of operation: one ``cattrs`` converter at the edge; the core classes know nothing of JSON.
A ``Decision`` is a tagged union by ``code`` (``"ADDED"``, ``"MULTI_MATCH"``, ...): the code is
written next to the class's fields and chooses the class when reading. Domain values are written
in their canonical text (an OCLC number as written, a 005 as ``yyyymmddhhmmss.f``, a brief level as
``"05"``, a moment in ISO 8601) and parsed back by their own constructors, so a round trip gives an
equal decision, with its evidence, its trace and its record (leader and fields).

What a decision says but does not store is written too, for readers that are not Python: the
``host_message`` Connexion shows and, for a refusal, the seed's ``resolution`` steps. Reading
ignores them (they follow from the rest). Each value written by a hook of its own declares its JSON
Schema next to the hook (``HOOK_SCHEMAS``); ``almamatch.schema`` derives the rest from the classes.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import types
from collections.abc import Callable
from datetime import datetime
from json.encoder import encode_basestring, encode_basestring_ascii
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final, Union, cast, get_args, get_origin, get_type_hints

import attrs
from cattrs import Converter
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, override

from almamatch import _native
from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Decision, Failure, Step
from almamatch.core.errors import AlmamatchError, capped
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import (
    FIELD_TERMINATOR,
    SUBFIELD_DELIMITER,
    Bib,
    ControlField,
    DataField,
    Field,
    Subfield,
    kept_subfields,
)
from almamatch.core.timestamp import Timestamp

if TYPE_CHECKING:
    from almamatch._native.jsontext import (
        LinesText,
        LineText,
        PlaceText,
        RecordText,
        RecurringText,
    )

__all__ = [
    "DECISION_CLASSES",
    "DERIVED_FIELDS",
    "HOOK_SCHEMAS",
    "InvalidDecisionJson",
    "JsonWriter",
    "converter",
    "decision_from_json",
    "decision_to_json",
    "from_jsonable",
    "to_jsonable",
]


class InvalidDecisionJson(AlmamatchError):
    """JSON that does not describe a decision (unknown code, missing or malformed field)."""


DECISION_CLASSES: Final[dict[str, type[Any]]] = {
    cls.code.value: cls for cls in get_args(Decision)
}

converter: Final = Converter()

#: The JSON Schema of each value that a hook below writes in a form of its own.
HOOK_SCHEMAS: Final[dict[type[Any], dict[str, Any]]] = {}


def _scalar(kind: type[Any], out: Any, back: Any, schema: dict[str, Any]) -> None:
    converter.register_unstructure_hook(kind, out)
    converter.register_structure_hook(kind, lambda text, _: back(text))
    HOOK_SCHEMAS[kind] = schema


_scalar(OclcNumber, lambda number: number.literal, OclcNumber.parse, {
    "title": "OclcNumber", "type": "string",
    "description": "an OCLC number as written: (OCoLC)ocm00012345, 12345",
    "examples": ["(OCoLC)ocm00012345"],
})
_scalar(Timestamp, lambda stamp: stamp.text or str(stamp), Timestamp.parse, {
    "title": "Timestamp", "type": "string", "pattern": "^[0-9]{14}(\\.[0-9])?$",
    "description": "a 005 value, yyyymmddhhmmss.f", "examples": ["20260301120000.0"],
})
_scalar(BriefLevel, str, BriefLevel.parse, {
    "title": "BriefLevel", "type": "string", "pattern": "^[0-9]{2}$",
    "description": "a brief level, 01 to 10",
    "examples": ["05"],
})
_scalar(datetime, datetime.isoformat, datetime.fromisoformat, {
    "title": "Moment", "type": "string", "format": "date-time",
    "description": "a moment in ISO 8601",
})


def _field_out(one: Field) -> dict[str, Any]:
    if isinstance(one, ControlField):
        return {"tag": one.tag, "value": one.value}
    return {
        "tag": one.tag,
        "ind1": one.indicator1,
        "ind2": one.indicator2,
        "subfields": [[sub.code, sub.value] for sub in one.subfields],
    }


def _field_in(value: dict[str, Any], _: object) -> Field:
    if "value" in value:
        return ControlField(value["tag"], value["value"])
    return DataField(
        value["tag"],
        value["ind1"],
        value["ind2"],
        [Subfield(code, text) for code, text in value["subfields"]],
    )


converter.register_unstructure_hook(
    Bib, lambda bib: {"leader": bib.leader, "fields": [_field_out(one) for one in bib.fields]}
)
converter.register_structure_hook(
    Bib,
    lambda value, _: Bib(
        leader=value["leader"], fields=[_field_in(one, None) for one in value["fields"]]
    ),
)
# A data field on its own is written and read as its attrs members were before it kept its
# subfields as their ISO 2709 text: tag, indicators and ``subfields``, each {"code", "value"}.
converter.register_unstructure_hook(DataField, lambda one: {
    "tag": one.tag, "indicator1": one.indicator1, "indicator2": one.indicator2,
    "subfields": converter.unstructure(one.subfields, tuple[Subfield, ...]),
})
# (The reader generated on first use, as cattrs generates its own: not at import.)
converter.register_structure_hook_factory(
    lambda cls: cls is DataField, lambda cls: make_dict_structure_fn(
        cls, converter, _coded=override(
            rename="subfields",
            struct_hook=lambda value, _: converter.structure(value, tuple[Subfield, ...]))))
_TEXT: Final = {"type": "string"}
HOOK_SCHEMAS[Bib] = {
    "title": "Bib", "type": "object",
    "description": "a MARC record: the leader, then every field in order",
    "properties": {
        "leader": {"type": "string", "minLength": 24, "maxLength": 24},
        "fields": {"type": "array", "items": {"oneOf": [
            {"type": "object", "description": "a control field (00X)",
             "properties": {"tag": _TEXT, "value": _TEXT},
             "required": ["tag", "value"], "additionalProperties": False},
            {"type": "object", "description": "a data field; subfields as [code, value] pairs",
             "properties": {
                 "tag": _TEXT, "ind1": _TEXT, "ind2": _TEXT,
                 "subfields": {"type": "array", "items": {
                     "type": "array", "prefixItems": [_TEXT, _TEXT],
                     "minItems": 2, "maxItems": 2}}},
             "required": ["tag", "ind1", "ind2", "subfields"], "additionalProperties": False},
        ]}},
    },
    "required": ["leader", "fields"],
    "additionalProperties": False,
}

#: Written with every decision for readers, ignored when read: name -> (schema, for failures only).
DERIVED_FIELDS: Final[dict[str, tuple[dict[str, Any], bool]]] = {
    "host_message": ({"type": "string", "readOnly": True,
                      "description": "what Connexion shows, whole: headline, then the reason "
                      "of a refusal or the MMS ID of a success"}, False),
    "headline": ({"type": "string", "readOnly": True,
                  "description": "the first part of the host message: the success text, "
                  "'Import Failed', or empty for a transport fault"}, False),
    "reason": ({"type": "string", "readOnly": True,
                "description": "a refusal's reason as CARLI's error page gives it"}, True),
    "resolution": ({"type": "array", "items": _TEXT, "readOnly": True,
                    "description": "the steps to resolve a refusal"}, True),
}


def _derived_names(cls: type[Any]) -> tuple[str, ...]:
    """The names of ``DERIVED_FIELDS`` a decision of class ``cls`` is written with, in order."""
    return tuple(name for name, (_, failures_only) in DERIVED_FIELDS.items()
                 if not failures_only or issubclass(cls, Failure))


_DERIVED_NAMES: Final = {cls: _derived_names(cls) for cls in DECISION_CLASSES.values()}


def _tag(cls: type[Any]) -> dict[str, str]:
    """What a decision is written with first, the tag that chooses its class when read."""
    return {"code": cls.code.value}


def _unstructure_decision(decision: Decision) -> dict[str, Any]:
    body: dict[str, Any] = _tag(type(decision))
    for name in _DERIVED_NAMES.get(type(decision)) or _derived_names(type(decision)):
        value = getattr(decision, name)
        body[name] = list(value) if isinstance(value, tuple) else value
    body.update(converter.unstructure_attrs_asdict(decision))
    return body


def _structure_decision(value: dict[str, Any], _: object) -> Decision:
    code = value.get("code")
    cls = DECISION_CLASSES.get(code) if isinstance(code, str) else None
    if cls is None:
        raise InvalidDecisionJson(code, "unknown_code", f"known: {', '.join(DECISION_CLASSES)}")
    names = {one.name for one in attrs.fields(cls)}
    fields = {key: item for key, item in value.items() if key in names}
    decision: Decision = converter.structure_attrs_fromdict(fields, cls)
    return decision


for _cls in DECISION_CLASSES.values():
    converter.register_unstructure_hook(_cls, _unstructure_decision)
converter.register_structure_hook(Decision, _structure_decision)


def to_jsonable(decision: Decision) -> dict[str, Any]:
    """The decision as JSON-ready dicts, lists and strings (``code`` first)."""
    jsonable: dict[str, Any] = converter.unstructure(decision)
    return jsonable


def from_jsonable(value: dict[str, Any]) -> Decision:
    """The decision that ``to_jsonable`` wrote; raises ``InvalidDecisionJson`` otherwise."""
    try:
        decision: Decision = converter.structure(value, Decision)  # type: ignore[arg-type]
    except InvalidDecisionJson:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, BaseValidationError,
            OverflowError, RecursionError) as error:
        # OverflowError: int() of a float such as 1e400 (read as inf); RecursionError: nesting
        # deeper than structuring can follow. Both are JSON that describes no decision.
        code = value.get("code") if isinstance(value, dict) else None
        raise InvalidDecisionJson(code, "malformed", repr(error)) from None
    return decision


def decision_to_json(decision: Decision, *, indent: int | None = None) -> str:
    """The decision as JSON text."""
    return json.dumps(to_jsonable(decision), ensure_ascii=False, indent=indent)


def decision_from_json(text: str) -> Decision:
    """The decision in JSON text written by ``decision_to_json``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidDecisionJson(text[:80], "not_json", str(error)) from error
    except (ValueError, RecursionError) as error:
        # An integer past int()'s 4,300 digits (ValueError), or arrays and objects nested
        # deeper than the decoder's recursion: no decision is written so.
        raise InvalidDecisionJson(text[:80], "not_json", capped(str(error))) from None
    if not isinstance(value, dict):
        raise InvalidDecisionJson(text[:80], "not_an_object")
    return from_jsonable(value)




# -- the same JSON, written as text ------------------------------------------------------------
#: Compact separators, as ``json.dumps(..., separators=(",", ":"))`` writes: no spaces.
COMPACT: Final = (",", ":")
#: How many texts each table of a ``JsonWriter`` keeps (tags with indicators, subfield codes).
_KEPT: Final = 4096
#: What ``json``'s string encoders escape (``json.encoder.ESCAPE``; ``ESCAPE_ASCII`` also
#: escapes DEL and every character past it), but the delimiter and the terminator, which a data
#: field's text holds only as its structure; by ``ensure_ascii``.
_ESCAPED: Final = {False: '[\x00-\x1d"\\\\]', True: '[\x00-\x1d"\\\\\x7f-\U0010ffff]'}
#: The same characters, each looked for on its own (``JsonWriter._escapes``); with
#: ``ensure_ascii``, every character past DEL is found by ``str.isascii`` instead.
_ESCAPED_CHARACTERS: Final = {
    False: (*map(chr, range(0x1E)), '"', "\\"),
    True: (*map(chr, range(0x1E)), '"', "\\", "\x7f"),
}
#: A delimiter and the code after it (a text's code is one character, never 0x1E or 0x1F).
_CODED: Final = re.compile("\x1f(.)", re.DOTALL)
#: What keys a data field's head (``JsonWriter._head``).
_HEAD_KEY: Final = attrgetter("tag", "indicator1", "indicator2")
#: A key of a head whose tag and indicators are each written once, in that order, in the
#: converter's text of a field without subfields (``JsonWriter._head``).
_HEAD_SAMPLE: Final = ("ZZZ", "X", "Y")
#: The converters of a data field's tag and indicators (``JsonWriter._head``).
_HEAD_CONVERTERS: Final = tuple(
    cast("Callable[[str], str]", attrs.fields_dict(DataField)[name].converter)
    for name in ("tag", "indicator1", "indicator2"))
#: Classes whose values recur as the same objects from one value written to the next:
#: ``decide()`` builds each fixed step of a trace once (module constants) and each other step
#: once per distinct text (``lru_cache``), so a writer keeps a step's text by the step's identity.
_RECURRING: Final = frozenset({Step})
#: Tuples that recur as the same objects, each kept by its identity as those values are
#: (``_Recurring``): a refusal's ``resolution`` is its code's constant (``FailureText``).
_RECURRING_TUPLES: Final = frozenset({tuple[str, ...]})


def _compiled_writers() -> tuple[type[RecordText], type[RecurringText], type[PlaceText],
                                  type[LineText], type[LinesText]]:
    """The compiled writers of a record's text, of a trace's, of the OCLC numbers a record
    carries and of a decision's line (``almamatch._native.jsontext``); where they are not built
    or not wanted, each writer writes them in Python (``JsonWriter._record``, ``_Recurring``,
    the generated writers of the numbers ``extract_oclc_numbers`` finds and of a decision's
    members: the definition of the text)."""
    from almamatch._native.jsontext import (  # noqa: PLC0415 (only if built)
        LinesText,
        LineText,
        PlaceText,
        RecordText,
        RecurringText,
    )

    return RecordText, RecurringText, PlaceText, LineText, LinesText


#: Picked once, at import (``JsonWriter._record_compiled``, ``JsonWriter._recurring_tuple``).
_COMPILED: Final = _native.compiled(_compiled_writers)
#: The kinds of member ``LineText`` writes (its ``MEMBER_*``), each with the compiled writer of
#: its kind, else by the member's Python writer: a ``str``, a record, a tuple of recurring
#: values, the string a hook gives, any other value.
_LINE_KINDS: Final = {"string": 0, "record": 1, "recurring": 2, "hook": 3, "pure": 4}
#: The most pieces ``LineText`` writes a line from (its ``MOST_PIECES``): a text before
#: ``before`` and it, for each member the text before it and at most three (a string between
#: quotes; a tuple of recurring values as many as fit, else its text), the text after the last.
_MOST_PIECES: Final = 256


class _Texts(dict[Any, str]):
    """Texts by key, each made by ``make`` on first use and kept (up to ``_KEPT`` of them), so
    that a text already made costs one dict lookup."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> str:
        text = self._make(key)
        if len(self) < _KEPT:
            self[key] = text
        return text


class _Recurring:
    """The texts of values that recur as the same objects (``_RECURRING``), by identity: a value
    written before costs one dict lookup. ``texts`` is keyed by ``id(value)`` and ``values`` holds
    each of those values, so that no id in ``texts`` can name another object while it is kept;
    past ``_KEPT`` values both start again. Nothing is stored in the values."""

    __slots__ = ("texts", "values", "write")

    def __init__(self, write: Callable[[Any], str]) -> None:
        self.write = write
        self.texts: dict[int, str] = {}
        self.values: list[Any] = []

    def text(self, value: Any) -> str:
        found = self.texts.get(id(value))
        if found is not None:
            return found
        return self.made(value)

    def made(self, value: Any) -> str:
        """The text of a value not kept (looked up already): written, then kept."""
        if len(self.values) >= _KEPT:
            self.texts.clear()
            self.values.clear()
        text = self.texts[id(value)] = self.write(value)
        self.values.append(value)
        return text


def _slots(cls: type[Any], *names: str) -> tuple[Any, ...]:
    """The slot descriptors of members of an attrs class, by name."""
    return tuple(cls.__dict__[name] for name in names)


#: The member in which a data field keeps its subfields (the one set by ``subfields=``).
_KEPT_SUBFIELDS: Final = next(one.name for one in attrs.fields(DataField)
                              if one.alias == "subfields")


def _around(text: str, hole: str) -> tuple[str, str]:
    """The text before and after the last ``hole`` in ``text``."""
    before, found, after = text.rpartition(hole)
    assert found, (text, hole)
    return before, after


class JsonWriter:
    """Values as compact JSON text: ``writer.text(value)`` is exactly ``json.dumps(
    converter.unstructure(value), ensure_ascii=ensure_ascii, separators=(",", ":"))``, written
    straight to text instead of through dicts and lists.

    Theory of operation: the converter stays the one description of the shape and this writer is
    derived from it, as ``almamatch.schema`` is: each attrs class (a decision, with its tag and
    ``DERIVED_FIELDS`` first as ``_unstructure_decision`` writes them, a ``Step``, a ``Lock``...)
    gets a writer generated from its fields and type hints; a value with a hook of its own
    (``HOOK_SCHEMAS``) is written as its hook's output; a record is written from the texts
    ``_field_out`` gives its parts (each tag with its indicators, each subfield code, made once
    and kept), its data fields' subfields read from their ``marc_text`` all at once (split at
    every code in one call, escaped in one call by the C string encoder that ``json.dumps``
    itself uses when anything needs it), a record whose text cannot be read so (a backslash in
    it, a field without that text) value by value. A type it has no writer for goes through the
    converter and ``json`` as before.

    The caller owns a writer and the texts it keeps (a batch makes one for its run): nothing is
    stored in the values written.
    """

    def __init__(self, *, ensure_ascii: bool = False) -> None:
        self.ensure_ascii = ensure_ascii
        self._string: Callable[[str], str] = (
            encode_basestring_ascii if ensure_ascii else encode_basestring
        )
        self._dumps = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=COMPACT).encode
        self._writers: dict[Any, Callable[[Any], str]] = {}
        self._members: dict[type[Any], Callable[[Any], str]] = {}
        self._members_after_parts: dict[type[Any], Callable[[str, Any], tuple[str, ...]]] = {}
        self._recurring: dict[type[Any], _Recurring] = {}
        # The writers of a tuple of recurring values, by its hint: compiled (None where not in
        # use) and in Python (``_build``, ``_written``).
        self._recurring_tuples: dict[Any, tuple[Callable[[Any], str | None] | None,
                                                 Callable[[Any], str]]] = {}
        # The compiled writers of those tuples themselves (``RecurringText``), by hint.
        self._recurring_texts: dict[Any, RecurringText] = {}
        # A record's parts, each cut from what the converter writes for one (see _record).
        empty = " " * 24
        self._open, rest = _around(self._dumps(converter.unstructure(Bib(leader=empty))),
                                   self._string(empty))
        self._middle, self._close = _around(rest, "[]")
        self._middle += "["
        self._close = "]" + self._close
        # A data field's head around its tag and indicators (``_head``): the texts between
        # them, cut once from what the converter writes for a field with none of its own.
        around = _around(self._dumps(_field_out(DataField(*_HEAD_SAMPLE, ()))), "[]")[0]
        head_parts = []
        for value in _HEAD_SAMPLE:
            before, found, around = around.partition(self._string(value))
            assert found, (around, value)
            head_parts.append(before)
        self._head_parts: tuple[str, ...] = (*head_parts, around + "[")
        self._heads = _Texts(self._head)
        self._codes = _Texts(self._code)
        self._controls = _Texts(self._control)
        # What follows a control field's value ('}'), a subfield's (']') and a data field's last
        # subfield's value (']]}').
        self._control_end = _around(self._dumps(_field_out(ControlField("001", ""))), '""')[1]
        one = DataField("999", " ", " ", [Subfield("a", "")])
        self._subfield_end = _around(self._dumps(_field_out(one)["subfields"][0]), '""')[1]
        self._data_end = _around(self._dumps(_field_out(one)), '""')[1]
        # A record's subfields all at once (``_record``), for a record whose data fields' texts
        # (``marc_text``) hold no character JSON escapes but their delimiters and terminators:
        # the texts, joined by the terminator, are split at each delimiter and code in one call;
        # each code becomes what the converter writes between one subfield's value and the next
        # subfield's value (``_next_code``), and the whole, joined, is split again into each
        # field's part, which goes after the field's head (``_head_texts``: what the converter
        # writes between one field's last value and the next field's first code).
        quote = self._string("")[0]
        code_open = _around(self._code("a"), "a")[0]
        self._between = quote + self._subfield_end + "," + code_open
        self._next_code = _Texts(
            lambda code: self._between + self._code(code)[len(code_open):] + quote)
        self._field_parts = FIELD_TERMINATOR + self._between
        self._field_close = quote + self._data_end
        self._field_next = self._field_close + ","
        self._head_texts = _Texts(lambda key: self._field_next + self._heads[key] + code_open)
        self._escaped_characters = _ESCAPED_CHARACTERS[ensure_ascii]
        # A delimiter and a code that the string encoder escapes.
        self._escaped_code = re.compile(SUBFIELD_DELIMITER + _ESCAPED[ensure_ascii])
        self._escaped_coded = re.compile(
            re.escape(self._string(SUBFIELD_DELIMITER)[1:-1]) + "(.)", re.DOTALL)
        self._escaped_field_parts = self._string(FIELD_TERMINATOR)[1:-1] + self._between
        # The compiled writer, given the same texts and tables (it writes no JSON of its own
        # but a string's escapes: the encoder's text for each ASCII character, given here).
        self._compiled_record = None if _COMPILED is None else _COMPILED[0](
            slots=(*_slots(Bib, "leader", "fields"), *_slots(ControlField, "tag", "value"),
                   *_slots(DataField, "tag", "indicator1", "indicator2", _KEPT_SUBFIELDS)),
            ensure_ascii=ensure_ascii,
            escapes=tuple(self._string(chr(code))[1:-1] for code in range(128)),
            quote=quote, opening=self._open, middle=self._middle, close=self._close,
            field_next=COMPACT[0], control_end=self._control_end,
            subfield_next=self._subfield_end + COMPACT[0], data_end=self._data_end,
            controls=self._controls, heads=self._heads, codes=self._codes,
        )
        self._record_text = None if self._compiled_record is None else self._compiled_record.text

    # -- what to call -----------------------------------------------------------------------
    def text(self, value: Any) -> str:
        """The JSON text of ``value`` (a decision, a record, any value the converter writes)."""
        return self.writer(type(value))(value)

    def writer(self, hint: Any) -> Callable[[Any], str]:
        """The function that writes a value of type ``hint`` as JSON text."""
        found = self._writers.get(hint)
        if found is None:
            found = self._writers[hint] = self._build(hint)
        return found

    def members(self, cls: type[Any]) -> Callable[[Any], str]:
        """The function that writes an attrs object's members without the braces around them,
        for a document that writes other members beside them (``envelope.LineWriter``)."""
        found = self._members.get(cls)
        if found is None:
            found = self._members[cls] = self._generate(cls, braces=False)
        return found

    def members_after_parts(self, cls: type[Any]) -> Callable[[str, Any], tuple[str, ...]]:
        """The function ``write(before, value)`` that writes a JSON object of the members
        ``before`` (their text, written by another writer) and then an attrs object's members
        (``envelope.LineWriter``: the place, then a decision), in pieces, not joined:
        ``"".join(write(before, value)) == "{" + before + "," + members(cls)(value) + "}"``,
        for a writer that joins or encodes them itself. For a class with members."""
        found = self._members_after_parts.get(cls)
        if found is None:
            found = self._members_after_parts[cls] = self._generate(
                cls, braces=False, after=True, parts=True)
        return found

    def members_after_line(self, cls: type[Any]) -> LineText | None:
        """The compiled writer of ``members_after_parts(cls)``'s pieces joined, with a newline
        after them, as UTF-8 bytes (``LineText``): its ``line(before, value)`` is
        ``("".join(members_after_parts(cls)(before, value)) + "\\n").encode("utf-8")``, or
        None for a line it leaves to the Python path (a surrogate in it, a member not of its
        type...). None where the compiled writers are not in use or a member is not read from
        a slot or a property. Each member is written by ``writer`` of its type hint, the
        definition, where the compiled writer of its kind leaves it."""
        if _COMPILED is None or self._compiled_record is None:
            return None
        opening, texts, end = self._member_texts(cls, braces=False)
        members = []
        for _, name, hint in texts:
            source = inspect.getattr_static(cls, name, None)
            if not isinstance(source, (property, types.MemberDescriptorType)):
                return None
            members.append((source, *self._line_member(hint)))
        if not members or 4 * len(members) + 3 > _MOST_PIECES:
            return None
        before_members = ["," + opening + texts[0][0], *[text for text, _, _ in texts[1:]]]
        return _COMPILED[3](
            strings=self._compiled_record, cls=cls, members=tuple(members), null="null",
            texts=("{", *before_members, end + "}"),
        )

    @staticmethod
    def lines(place: Callable[[int, Any], str | None] | None,
              make: Callable[[type[Any]], LineText | None]
              ) -> Callable[[int, Any, Any], bytes | None] | None:
        """The compiled writer of a decided record's line as UTF-8 bytes in one call
        (``LinesText``): ``write(index, record, decision)`` writes the text ``place`` writes
        (``numbers_members``), then the ``line`` of the ``LineText`` that ``make`` gives for the
        decision's class (``members_after_line``), or answers None where either does. None where
        the compiled writers are not in use or ``place`` is None."""
        if _COMPILED is None or place is None:
            return None
        return _COMPILED[4](place=place, make=make).line

    def _line_member(self, hint: Any) -> tuple[bool, int, Any, Callable[[Any], str]]:
        """How ``LineText`` writes a member of type ``hint``: whether None is written ``null``
        (an optional value, as ``writer`` writes it), the compiled writer's kind and what it
        writes with (``_LINE_KINDS``), and the member's Python writer, ``writer(hint)``."""
        pure = self.writer(hint)
        origin, args = get_origin(hint), get_args(hint)
        optional = (origin in (Union, types.UnionType) and len(args) == 2
                    and type(None) in args)
        inner = next(one for one in args if one is not type(None)) if optional else hint
        if inner is Bib and self._record_text is not None:
            return optional, _LINE_KINDS["record"], None, pure
        if inner in self._recurring_texts:
            return optional, _LINE_KINDS["recurring"], self._recurring_texts[inner], pure
        if inner is str:
            return optional, _LINE_KINDS["string"], None, pure
        if inner in HOOK_SCHEMAS and HOOK_SCHEMAS[inner].get("type") == "string":
            return optional, _LINE_KINDS["hook"], converter.get_unstructure_hook(inner), pure
        return optional, _LINE_KINDS["pure"], None, pure

    def numbers_members(self, cls: type[Any]) -> Callable[[int, Bib], str | None] | None:
        """The compiled writer of ``members(cls)`` for a ``cls`` whose members are an ``int``
        and the active and cancelled numbers ``core.identifiers.extract_oclc_numbers`` finds in
        a record (``envelope.Place``), from the index and the record: ``write(index, record)``
        is ``members(cls)`` of that value, or None for a record it leaves to the Python path.
        None where the compiled writers are not in use or ``cls`` is not of that shape."""
        if _COMPILED is None or self._compiled_record is None:
            return None
        opening, texts, end = self._member_texts(cls, braces=False)
        numbers = tuple[OclcNumber, ...]
        if opening or [hint for _, _, hint in texts] != [int, numbers, numbers]:
            return None
        quote = self._string("")[0]
        # What the generated writer writes around a tuple of numbers, and each number: its
        # ``literal`` as a string; the compiled writer writes a number whose text is its
        # literal and holds nothing the string encoder escapes.
        opening_list, separator, closing_list = "[", ",", "]"
        assert self.writer(numbers)((OclcNumber.of(1), OclcNumber.of(2))) == (
            f"{opening_list}{quote}(OCoLC)1{quote}{separator}{quote}(OCoLC)2{quote}"
            f"{closing_list}")
        (before_index, _, _), (before_active, _, _), (before_cancelled, _, _) = texts
        return _COMPILED[2](
            slots=(*_slots(Bib, "fields"), *_slots(ControlField, "tag", "value"),
                   *_slots(DataField, "tag", _KEPT_SUBFIELDS)),
            before_index=before_index, before_active=before_active,
            before_cancelled=before_cancelled, closing=end, opening=opening_list,
            separator=separator, list_close=closing_list, quote=quote,
        ).text

    # -- derived from the classes -----------------------------------------------------------
    def _build(self, hint: Any) -> Callable[[Any], str]:
        string = self._string
        if hint is Bib:
            return self._record if self._record_text is None else self._record_compiled
        if hint is DataField:  # its converter hook's shape, not its attrs members
            return lambda value: self._dumps(converter.unstructure(value, DataField))
        if hint in HOOK_SCHEMAS:
            hook = converter.get_unstructure_hook(hint)
            if HOOK_SCHEMAS[hint].get("type") == "string":
                return lambda value: string(hook(value))
            return lambda value: self._plain(hook(value))
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType):
            if len(args) == 2 and type(None) in args:
                (inner,) = (self.writer(one) for one in args if one is not type(None))
                return lambda value: "null" if value is None else inner(value)
            # As cattrs writes a union: by the class of the value.
            by_class = {one: self.writer(one) for one in args if isinstance(one, type)}
            return lambda value: by_class.get(type(value), self.text)(value)
        if origin in (tuple, list) and (origin is list or args[1:] == (...,)):
            item = self.writer(args[0])
            if args[0] in _RECURRING:  # each item's text looked up here, without a call
                recurring = self._recurring[args[0]]
                kept, made = recurring.texts.get, recurring.made
                pure: Callable[[Any], str] = lambda value: (  # noqa: E731 (the twin below)
                    "[" + ",".join([kept(id(one)) or made(one) for one in value]) + "]"
                )
                written = self._recurring_tuple(args[0], recurring)
                compiled = None if written is None else written.text
                if written is not None:
                    self._recurring_texts[hint] = written
                self._recurring_tuples[hint] = compiled, pure
                if compiled is None:
                    return pure
                # The compiled writer answers None for a value that is not a tuple, never "".
                return lambda value: compiled(value) or pure(value)
            joined: Callable[[Any], str] = lambda value: (  # noqa: E731 (kept below)
                "[" + ",".join(map(item, value)) + "]"
            )
            return _Recurring(joined).text if hint in _RECURRING_TUPLES else joined
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._enum_texts(hint).__getitem__
        if hint in _RECURRING:
            recurring = self._recurring[hint] = _Recurring(self._generate(hint, braces=True))
            return recurring.text
        if isinstance(hint, type) and attrs.has(hint):
            return self._generate(hint, braces=True)
        if hint is str:
            return string
        if hint in (int, bool, float, type(None)):
            return self._plain
        return lambda value: self._dumps(converter.unstructure(value, hint))

    def _enum_texts(self, hint: type[enum.Enum]) -> dict[Any, str]:
        """Each member of an enum with its text."""
        return {one: self._plain(converter.unstructure(one)) for one in hint}

    def _member_texts(self, cls: type[Any], *, braces: bool
                      ) -> tuple[str, list[tuple[str, str, Any]], str]:
        """What an attrs object's text is made of: the text before its first member, each
        member's name with the text before its value and its type hint, and the text after the
        last."""
        hints = get_type_hints(cls)
        first = ""
        members: list[tuple[str, Any]] = []
        if issubclass(cls, tuple(DECISION_CLASSES.values())):  # its tag and derived fields first
            first = self._dumps(_tag(cls))[1:-1]
            members += [(name, get_type_hints(getattr(cls, name).fget)["return"])
                        for name in _derived_names(cls)]
        members += [(one.name, hints[one.name]) for one in attrs.fields(cls)]
        texts = []
        comma = "," if first else ""
        for name, hint in members:
            texts.append((comma + self._string(name) + ":", name, hint))
            comma = ","
        return ("{" + first if braces else first), texts, ("}" if braces else "")

    def _recurring_tuple(self, cls: type[Any], recurring: _Recurring) -> RecurringText | None:
        """The compiled writer of a tuple of recurring values of ``cls`` (``RecurringText``),
        given the texts ``_generate`` writes between their members; None where it is not in
        use or a member is neither ``str`` nor an enum."""
        if _COMPILED is None or self._compiled_record is None:
            return None
        opening, texts, end = self._member_texts(cls, braces=True)
        members: list[tuple[str, Any, dict[Any, str] | None]] = []
        for text, name, hint in texts:
            if hint is str:
                members.append((text, cls.__dict__[name], None))
            elif isinstance(hint, type) and issubclass(hint, enum.Enum):
                members.append((text, cls.__dict__[name], self._enum_texts(hint)))
            else:
                return None
        return _COMPILED[1](
            strings=self._compiled_record, cls=cls, members=tuple(members), value_open=opening,
            value_close=end, opening="[", separator=",", closing="]", write=recurring.write,
        )

    def _generate(self, cls: type[Any], *, braces: bool, after: bool = False,
                  parts: bool = False) -> Callable[..., Any]:
        # One function per class, its source generated from the fields (as attrs and cattrs
        # generate theirs): ``f"{text0}{string(v1)}{text1}...{textN}"``, each member read into
        # a local first and written by the expression ``_written`` gives for its type (no call
        # of a writer of its own where the expression needs none), the constant texts between
        # them each one name. ``after``: the function is ``write(before, value)``, writing
        # ``{``, the text ``before``, ``,``, the members and ``}``. ``parts``: it answers the
        # same pieces as a tuple, not joined (``members_after_parts``).
        opening, texts, end = self._member_texts(cls, braces=braces)
        namespace: dict[str, Any] = {"string": self._string, "null": "null"}
        reads: list[str] = []
        # Each piece: a constant text (True) or the source of an expression (False).
        pieces: list[tuple[bool, str]] = [(True, opening)]
        for number, (text, name, hint) in enumerate(texts, start=1):
            assert name.isidentifier(), name
            reads.append(f"    v{number} = value.{name}\n")
            pieces += [(True, text),
                       (False, self._written(hint, f"v{number}", str(number), namespace))]
        pieces.append((True, end))
        arguments = "value"
        if after:
            arguments = "before, value"
            pieces = [(True, "{"), (False, "before"), (True, ","), *pieces, (True, "}")]
        # Constant texts side by side are one text, a name in the namespace.
        expressions: list[str] = []
        constant = ""
        for is_constant, piece in [*pieces, (False, "")]:
            if is_constant:
                constant += piece
                continue
            if constant:
                name = f"text{len(expressions)}"
                namespace[name] = constant
                expressions.append(name)
                constant = ""
            if piece:
                expressions.append(piece)
        written = ("(" + ", ".join(expressions) + ",)" if parts else
                   'f"' + "".join(f"{{{one}}}" for one in expressions) + '"')
        source = f"def write({arguments}):\n{''.join(reads)}    return {written}\n"
        where = f"<JsonWriter of {cls.__qualname__}>"
        exec(compile(source, where, "exec"), namespace)  # noqa: S102 (made above from field names)
        write_text: Callable[..., Any] = namespace["write"]
        return write_text

    def _written(self, hint: Any, local: str, key: str, namespace: dict[str, Any]) -> str:
        """The source of an expression that writes the value named ``local``, of type ``hint``,
        as ``writer(hint)`` writes it, with the names it needs put in ``namespace`` (each
        ending in ``key``): a string's encoder, an optional value's ``null``, the compiled
        writer of a record or of a trace with its Python twin, a string hook's output, inline;
        any other value through ``writer(hint)``."""
        writer = self.writer(hint)  # built first: the recurring texts are its
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
            (inner,) = (one for one in args if one is not type(None))
            return (f"(null if {local} is None else "
                    f"{self._written(inner, local, key + '_', namespace)})")
        if hint is Bib and self._record_text is not None:
            # The compiled writer answers None for a record it leaves, never "".
            namespace[f"record{key}"] = self._record_text
            namespace[f"record_python{key}"] = self._record
            return f"(record{key}({local}) or record_python{key}({local}))"
        if hint in self._recurring_tuples:
            compiled, pure = self._recurring_tuples[hint]
            namespace[f"pure{key}"] = pure
            if compiled is None:
                return f"pure{key}({local})"
            namespace[f"compiled{key}"] = compiled  # never "" (see ``_build``)
            return f"(compiled{key}({local}) or pure{key}({local}))"
        if hint is str:
            if self._compiled_record is None:
                return f"string({local})"
            # The compiled encoder answers None for a str subclass, never "" (quoted).
            namespace["compiled_string"] = self._compiled_record.string
            return f"(compiled_string({local}) or string({local}))"
        if hint in HOOK_SCHEMAS and HOOK_SCHEMAS[hint].get("type") == "string":
            namespace[f"hook{key}"] = converter.get_unstructure_hook(hint)
            return f"string(hook{key}({local}))"
        namespace[f"write{key}"] = writer
        return f"write{key}({local})"

    def _plain(self, value: Any) -> str:
        if type(value) is str:
            return self._string(value)
        if type(value) is int:
            return int.__repr__(value)
        return self._dumps(value)

    # -- a record ---------------------------------------------------------------------------
    def _record_compiled(self, bib: Bib) -> str:
        """``_record``, by the compiled writer where it writes the record (nearly always)."""
        compiled = self._record_text
        text = None if compiled is None else compiled(bib)
        return self._record(bib) if text is None else text

    def _record(self, bib: Bib) -> str:
        fields = bib.fields
        # Nearly always: the control fields first, then data fields, each with its text.
        kinds = list(map(type, fields))
        leading = kinds.count(ControlField)
        if (leading == len(kinds) or kinds.count(DataField) != len(kinds) - leading
                or kinds[:leading].count(ControlField) != leading):
            return self._record_by_field(bib)
        data = fields[leading:] if leading else fields
        texts = list(map(kept_subfields, data))
        try:
            joined = FIELD_TERMINATOR.join(texts)
        except TypeError:  # a field whose text cannot hold its subfields: a tuple of them
            return self._record_by_field(bib)
        if "" in texts:  # a field without subfields
            return self._record_by_field(bib)
        if not self._escapes(joined):  # nearly always: the text as it is
            pieces = _CODED.split(joined)  # "", code, value, code, value, ...
            field_parts = self._field_parts
        elif "\\" not in joined and self._escaped_code.search(joined) is None:
            # Escaped in one call: with no backslash in the text, each backslash written starts
            # an escape, so each escaped delimiter and terminator is one that the text holds.
            pieces = self._escaped_coded.split(self._string(joined)[1:-1])
            field_parts = self._escaped_field_parts
        else:
            return self._record_by_field(bib)
        pieces[1::2] = map(self._next_code.__getitem__, pieces[1::2])
        parts = "".join(pieces)[len(self._between):].split(field_parts)
        # Each field's head, then its part: the first head without what ends a field before it.
        written = parts + parts
        written[::2] = map(self._head_texts.__getitem__, map(_HEAD_KEY, data))
        written[1::2] = parts
        written[0] = written[0][len(self._field_next):]
        string, controls, control_end = self._string, self._controls, self._control_end
        leaders = cast("tuple[ControlField, ...]", fields[:leading])
        return "".join([
            self._open, string(bib.leader), self._middle,
            *[f"{controls[one.tag]}{string(one.value)}{control_end}," for one in leaders],
            *written, self._field_close, self._close,
        ])

    def _escapes(self, text: str) -> bool:
        """Whether the string encoder escapes any character of ``text`` but a delimiter or a
        terminator: each character looked for on its own (by ``memchr``), which is faster than
        a pattern's character class over a record's text."""
        return ((self.ensure_ascii and not text.isascii())
                or any(map(text.__contains__, self._escaped_characters)))

    def _record_by_field(self, bib: Bib) -> str:
        """``_record`` of any record: each value escaped on its own."""
        string, controls, control_end = self._string, self._controls, self._control_end
        written = []
        for one in bib.fields:
            if type(one) is ControlField:
                written.append(f"{controls[one.tag]}{string(one.value)}{control_end}")
            elif type(one) is DataField and (subfields := self._subfields(one)):
                written.append(f"{self._heads[one.tag, one.indicator1, one.indicator2]}"
                               f"{subfields}{self._data_end}")
            else:  # a field without subfields
                written.append(self._dumps(_field_out(one)))
        return f"{self._open}{string(bib.leader)}{self._middle}{','.join(written)}{self._close}"

    def _subfields(self, one: DataField) -> str:
        """A data field's subfields without the brackets around them."""
        string, codes = self._string, self._codes
        return (self._subfield_end + ",").join([codes[code] + string(value)
                                                for code, value in one.pairs()])

    def _head(self, key: tuple[str, str, str]) -> str:
        # A data field up to its first subfield: '{"tag":"245",...,"subfields":[', its tag and
        # indicators (each as a field made of them keeps it: by its member's converter, which
        # refuses what no field holds) written by the string encoder between the texts the
        # converter writes around them.
        (tag, first, second), (tag_of, first_of, second_of) = key, _HEAD_CONVERTERS
        string, (before_tag, before_first, before_second, after) = self._string, self._head_parts
        return (f"{before_tag}{string(tag_of(tag))}{before_first}{string(first_of(first))}"
                f"{before_second}{string(second_of(second))}{after}")

    def _code(self, code: str) -> str:
        # A subfield up to its value: '["a",'
        sample = _field_out(DataField("999", " ", " ", [Subfield(code, "")]))
        before, _ = _around(self._dumps(sample["subfields"][0]), '""')
        return before

    def _control(self, tag: str) -> str:
        # A control field up to its value: '{"tag":"001","value":'
        return _around(self._dumps(_field_out(ControlField(tag, ""))), '""')[0]
