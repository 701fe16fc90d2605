"""Decisions to JSON and back, for web projects and ``--json`` output.

Theory of operation: one ``cattrs`` converter at the edge; the core classes know nothing of JSON.
A ``Decision`` is a tagged union by ``code`` (``"ADDED"``, ``"MULTI_MATCH"``, ...): the code is
written next to the class's fields and chooses the class when reading. Domain values are written
in their canonical text (an OCLC number as written, a 005 as ``yyyymmddhhmmss.f``, a brief level as
``"05"``, a moment in ISO 8601) and parsed back by their own constructors, so a round trip gives an
equal decision, with its evidence, its trace and its record (leader and fields).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, get_args

from cattrs import Converter
from cattrs.errors import BaseValidationError

from almamatch.core.brief import BriefLevel
from almamatch.core.decision import Decision
from almamatch.core.errors import AlmamatchError
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.timestamp import Timestamp

__all__ = [
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

converter.register_unstructure_hook(OclcNumber, lambda number: number.literal)
converter.register_structure_hook(OclcNumber, lambda text, _: OclcNumber.parse(text))
converter.register_unstructure_hook(Timestamp, lambda stamp: stamp.text or str(stamp))
converter.register_structure_hook(Timestamp, lambda text, _: Timestamp.parse(text))
converter.register_unstructure_hook(BriefLevel, str)
converter.register_structure_hook(BriefLevel, lambda text, _: BriefLevel.parse(text))
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_structure_hook(datetime, lambda text, _: datetime.fromisoformat(text))


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


def _unstructure_decision(decision: Decision) -> dict[str, Any]:
    body: dict[str, Any] = {"code": decision.code.value}
    body.update(converter.unstructure_attrs_asdict(decision))
    return body


def _structure_decision(value: dict[str, Any], _: object) -> Decision:
    code = value.get("code")
    cls = DECISION_CLASSES.get(code) if isinstance(code, str) else None
    if cls is None:
        raise InvalidDecisionJson(code, "unknown_code", f"known: {', '.join(DECISION_CLASSES)}")
    fields = {key: item for key, item in value.items() if key != "code"}
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
    except (KeyError, TypeError, ValueError, AttributeError, BaseValidationError) as error:
        raise InvalidDecisionJson(value.get("code"), "malformed", repr(error)) from error
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
    if not isinstance(value, dict):
        raise InvalidDecisionJson(text[:80], "not_an_object")
    return from_jsonable(value)


