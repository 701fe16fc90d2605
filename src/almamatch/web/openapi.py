"""The OpenAPI 3.1 description of the HTTP API, served at ``/openapi.json``.

Theory of operation: the paths are written here, once; every body they answer is a schema
derived from the classes (``almamatch.schema``): the decision schema's ``$defs`` become the
components, and the API's own documents (``StoredBib``, the problem document) are walked by the
same builder. OpenAPI 3.1 takes JSON Schema 2020-12 as it is.
"""

from __future__ import annotations

import json
from typing import Any, Final

from almamatch.schema import SchemaBuilder, build_schema
from almamatch.web.service import StoredBib

__all__ = ["openapi_document"]

_RECORD_TYPES: Final = {
    "application/marc": "ISO 2709 (RFC 2220)",
    "application/marcxml+xml": "MARCXML (RFC 6207); also application/xml, text/xml",
    "application/json": "MARC-in-JSON",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): {"description": "a problem document (RFC 9457)", "content": {
        "application/problem+json": {"schema": _ref("Problem")}}} for status in statuses}


def _record_body(what: str, *, by_content: bool = False) -> dict[str, Any]:
    types = dict(_RECORD_TYPES)
    if by_content:
        types["application/octet-stream"] = "any of these; the format is read from the content"
    return {"required": True, "description": what, "content": {
        media: {"schema": {"type": "string", "format": "binary", "description": label}}
        for media, label in types.items()}}


_DRY_RUN: Final = {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
                   "description": "decide without applying (default false: apply and keep)"}
_NOW: Final = {"name": "now", "in": "query", "schema": {"type": "string"},
               "description": "the moment of the export, ISO 8601 (default: the clock)"}
_LOGON: Final = {"name": "logon", "in": "query", "schema": {"type": "string"},
                 "description": "the logon ID sent (default: the zone's); the password goes as "
                 "HTTP Basic credentials, never in the URL"}


def _components() -> dict[str, Any]:
    schema = build_schema()
    builder = SchemaBuilder()
    builder.defs = dict(schema["$defs"])
    builder.of(StoredBib)
    builder.defs["DecisionResponse"] = {
        "description": "POST /decisions: the record's line (index 0) and whether it was applied "
        "(a refusal, applied, changes nothing)",
        "allOf": [
            schema["$defs"]["DecidedLine"]["allOf"][0],  # the place
            {"type": "object", "properties": {"applied": {"type": "boolean"}},
             "required": ["applied"]},
            {"$ref": "#/$defs/DecisionFields"},
        ],
        "unevaluatedProperties": False,
    }
    builder.defs["Problem"] = {
        "description": "RFC 9457 problem details, with almamatch's reason code",
        "type": "object",
        "properties": {"type": {"type": "string", "format": "uri-reference"},
                       "title": {"type": "string"}, "status": {"type": "integer"},
                       "detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["type", "title", "status", "detail", "code"],
    }
    text = json.dumps(dict(sorted(builder.defs.items())))
    components: dict[str, Any] = json.loads(text.replace('"#/$defs/', '"#/components/schemas/'))
    return components


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 description."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "almamatch", "version": "1",
                 "description": "What Ex Libris Alma does with a record exported from OCLC "
                 "Connexion: add, merge or refuse, with the host message, evidence and trace."},
        "paths": {
            "/decisions": {"post": {
                "summary": "decide one record and, unless a dry run, apply it to the zone",
                "parameters": [_DRY_RUN, _NOW, _LOGON],
                "requestBody": _record_body("one record; its Content-Type names its format"),
                "responses": {"200": {"description": "the decision", "content": {
                    "application/json": {"schema": _ref("DecisionResponse")}}},
                    **_problems(400, 413, 415, 422)},
            }},
            "/batches": {"post": {
                "summary": "decide every record of a file in order, each applied before the next",
                "parameters": [_DRY_RUN, _NOW, _LOGON],
                "requestBody": _record_body("a file of records", by_content=True),
                "responses": {"200": {
                    "description": "NDJSON: one RecordLine per input record, in input order, "
                    "then one SummaryLine", "content": {"application/x-ndjson": {
                        "schema": {"oneOf": [_ref("RecordLine"), _ref("SummaryLine")]}}}},
                    **_problems(400, 413, 415, 422)},
            }},
            "/bibs/{mms_id}": {"get": {
                "summary": "a stored bib: its record and the facts the guards read",
                "parameters": [{"name": "mms_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the bib", "content": {
                    "application/json": {"schema": _ref("StoredBib")}}}, **_problems(404)},
            }},
            "/health": {"get": {
                "summary": "the server answers, and for which zone",
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "status": {"const": "ok"}, "institution": {"type": "string"},
                        "kind": {"type": "string"}}}}}}},
            }},
        },
        "components": {"schemas": _components()},
    }
