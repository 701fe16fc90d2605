"""The JSON Schema of every JSON document almamatch writes about a decision, derived from classes.

Theory of operation: the schema is never written by hand. Each ``Decision`` class, and each class
it holds (``Step``, ``Candidate``, ``Lock``...), is walked through its attrs fields and their type
hints: ``str`` is a string, a tuple an array, ``X | None`` either, an enum its values, an attrs
class a ``$defs`` entry. A value the codec writes through a hook of its own (an OCLC number, a
005, a brief level, a moment, a record) takes the schema the codec declares beside that hook
(``codec.HOOK_SCHEMAS``), and the fields the codec adds for readers come from
``codec.DERIVED_FIELDS``. The envelope (``almamatch.envelope``) is walked the same way.

A decision's schema stays open (``Decision`` closes it with ``unevaluatedProperties``) so that a
line can be a decision with its place beside it and still admit no unknown key. The schema is
shipped as ``almamatch/decision.schema.json``; ``python -m almamatch.schema`` prints it, and a
test checks the shipped file is what this module derives.
"""

from __future__ import annotations

import enum
import json
import types
from importlib import resources
from typing import Any, Final, Union, get_args, get_origin, get_type_hints

import attrs

from almamatch.codec import DECISION_CLASSES, DERIVED_FIELDS, HOOK_SCHEMAS
from almamatch.core.decision import Failure
from almamatch.envelope import RUN_KEY, UNREADABLE_CODE, Place, RunIdentity, Summary
from almamatch.marc import Unreadable

__all__ = ["SCHEMA_ID", "SCHEMA_RESOURCE", "SchemaBuilder", "build_schema", "schema_text",
           "shipped_schema"]

SCHEMA_ID: Final = "https://almamatch.invalid/decision.schema.json"
SCHEMA_RESOURCE: Final = "decision.schema.json"

_REF: Final = "#/$defs/"


class SchemaBuilder:
    """Collects ``$defs`` while walking types; each attrs class becomes one entry."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, hint: Any) -> dict[str, Any]:
        if hint in HOOK_SCHEMAS:
            return self._named(HOOK_SCHEMAS[hint]["title"], lambda: dict(HOOK_SCHEMAS[hint]))
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            options = [self.of(one) for one in get_args(hint)]
            return {"anyOf": options}
        if origin is tuple:
            item, _ = get_args(hint)
            return {"type": "array", "items": self.of(item)}
        if origin is dict:
            key, value = get_args(hint)
            assert key is str
            return {"type": "object", "additionalProperties": self.of(value)}
        if hint is type(None):
            return {"type": "null"}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._named(hint.__name__, lambda: _described(
                {"title": hint.__name__, "enum": [member.value for member in hint]}, hint))
        if isinstance(hint, type) and attrs.has(hint):
            return self._named(hint.__name__, lambda: self.object_of(hint, closed=True))
        simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
        if hint in simple:
            return {"type": simple[hint]}
        raise TypeError(f"no JSON Schema for {hint!r}")

    def _named(self, name: str, build: Any) -> dict[str, Any]:
        if name not in self.defs:
            self.defs[name] = {}  # reserved first, so a class may refer to itself
            self.defs[name] = build()
        return {"$ref": _REF + name}

    def object_of(self, cls: type[Any], *, closed: bool) -> dict[str, Any]:
        hints = get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for one in attrs.fields(cls):
            properties[one.name] = self.of(hints[one.name])
            if one.default is attrs.NOTHING:
                required.append(one.name)
        schema = _described({"title": cls.__name__, "type": "object",
                             "properties": properties, "required": required}, cls)
        if closed:
            schema["additionalProperties"] = False
        return schema

    def decision(self, cls: type[Any]) -> dict[str, Any]:
        schema = self.object_of(cls, closed=False)
        derived = {name: shape for name, (shape, failures_only) in DERIVED_FIELDS.items()
                   if not failures_only or issubclass(cls, Failure)}
        schema["properties"] = {"code": {"const": cls.code.value}, **derived,
                                **schema["properties"]}
        schema["required"] = ["code", *schema["required"]]
        return schema


def _described(schema: dict[str, Any], cls: type[Any]) -> dict[str, Any]:
    """The schema with the class's docstring as its description, when the class has its own."""
    doc = cls.__dict__.get("__doc__")
    if doc:
        schema["description"] = " ".join(doc.split())
    return schema


def build_schema() -> dict[str, Any]:
    """The schema, derived now from the classes (what the shipped file must equal)."""
    builder = SchemaBuilder()
    variants = []
    for code, cls in DECISION_CLASSES.items():
        builder.defs[f"{cls.__name__}Decision"] = builder.decision(cls)
        variants.append({"$ref": f"{_REF}{cls.__name__}Decision"})
        assert cls.code.value == code
    builder.defs["DecisionFields"] = {
        "description": "the fields of a decision, one variant per code (open, for envelopes)",
        "oneOf": variants,
    }
    builder.defs["Decision"] = {
        "description": "one decision, as almamatch.codec writes it: tagged by code",
        "$ref": _REF + "DecisionFields", "unevaluatedProperties": False,
    }
    place = builder.object_of(Place, closed=False)
    builder.defs["DecidedLine"] = {
        "description": "a decided record: its place in the input, then the decision",
        "allOf": [place, {"$ref": _REF + "DecisionFields"}],
        "unevaluatedProperties": False,
    }
    unreadable = builder.object_of(Unreadable, closed=True)
    unreadable["properties"] = {"code": {"const": UNREADABLE_CODE}, **unreadable["properties"]}
    unreadable["required"] = ["code", *unreadable["required"]]
    builder.defs["UnreadableLine"] = unreadable
    builder.defs["SummaryLine"] = {
        "description": "the summary of a run",
        "type": "object", "properties": {"summary": builder.of(Summary)},
        "required": ["summary"], "additionalProperties": False,
    }
    builder.defs["RunLine"] = {
        "description": "what identifies a run: the first line of a batch --output file",
        "type": "object", "properties": {RUN_KEY: builder.object_of(RunIdentity, closed=True)},
        "required": [RUN_KEY], "additionalProperties": False,
    }
    builder.defs["RecordLine"] = {
        "description": "the line of one input record: decided or unreadable",
        "oneOf": [{"$ref": _REF + "DecidedLine"}, {"$ref": _REF + "UnreadableLine"}],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "almamatch decisions",
        "description": "Every JSON document almamatch writes about a decision: a decision "
        "(almamatch.codec), the line of a decided or unreadable record, a run's summary, or "
        "what identifies a run.",
        "anyOf": [{"$ref": _REF + name} for name in
                  ("Decision", "DecidedLine", "UnreadableLine", "SummaryLine", "RunLine")],
        "$defs": dict(sorted(builder.defs.items())),
    }


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as the shipped file holds it."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def shipped_schema() -> dict[str, Any]:
    """The schema file shipped in the package."""
    text = resources.files("almamatch").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


if __name__ == "__main__":
    import sys

    sys.stdout.write(schema_text(build_schema()))
