"""The JSON the tests read from almamatch, checked against the schema shipped in the package.

Every JSON line a command writes about a decision (a decided or unreadable record, a summary) must
be valid against ``almamatch/decision.schema.json``; the tests read such output through
``decision_lines`` and ``checked`` so that no JSON they see escapes the check.
"""

from __future__ import annotations

import json
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker

from almamatch.schema import shipped_schema

SCHEMA: Final = shipped_schema()


def validator(definition: str | None = None) -> Draft202012Validator:
    """A validator for the whole schema, or for one of its ``$defs``."""
    schema = dict(SCHEMA)
    if definition is not None:
        schema.pop("anyOf")
        schema["$ref"] = f"#/$defs/{definition}"
    return Draft202012Validator(schema, format_checker=FormatChecker())


_ANY: Final = validator()


def checked(document: Any, definition: str | None = None) -> Any:
    """``document`` after checking it against the schema (or one of its ``$defs``)."""
    (_ANY if definition is None else validator(definition)).validate(document)
    return document


def decision_lines(text: str) -> list[dict[str, Any]]:
    """The JSON lines of a command's output, each checked against the schema."""
    return [checked(json.loads(line)) for line in text.splitlines() if line.strip()]
