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

import json
from datetime import datetime
from typing import Any, Final, get_args

import attrs
from cattrs import Converter
from cattrs.errors import BaseValidationError

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Decision, Failure
from almamatch.core.errors import AlmamatchError, capped
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp

__all__ = [
    "DECISION_CLASSES",
    "DERIVED_FIELDS",
    "HOOK_SCHEMAS",
    "InvalidDecisionJson",
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


def _unstructure_decision(decision: Decision) -> dict[str, Any]:
    body: dict[str, Any] = {"code": decision.code.value, "host_message": decision.host_message,
                            "headline": decision.headline}
    if isinstance(decision, Failure):
        body["reason"] = decision.reason
        body["resolution"] = list(decision.resolution)
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


