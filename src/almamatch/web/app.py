"""The HTTP API and the page: routes around one ``HttpZone``, on aiohttp.

Theory of operation: each route reads its request into values (a record by its Content-Type, the
``dry_run`` flag, ``now``, the logon), asks the service, and writes the answer in the one JSON
shape (``almamatch.envelope``): ``POST /decisions`` answers the record's line with ``applied``
beside it, ``POST /batches`` streams one line per input record as NDJSON in input order and ends
with the summary line, ``GET /bibs/{mms_id}`` answers the stored record and facts. The body of a
request is refused past ``max_body`` bytes (413). Anything that is not an answer is a problem
document (``web.problems``). The page at ``/`` is HTML rendered here from the same values
(``web.page``); its form posts back to ``/`` and works without JavaScript.

The logon ID and password of a Gateway Export travel as HTTP Basic credentials (RFC 7617), never
in the URL, so that they stay out of access logs; ``logon`` may also be a query parameter.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime
from importlib import resources
from io import BytesIO
from typing import Any, Final

from aiohttp import BasicAuth, web

from almamatch.codec import converter
from almamatch.core.decision import Decision
from almamatch.core.record import Bib
from almamatch.envelope import UNREADABLE_CODE, item_line, json_line, summary_line
from almamatch.marc import MarcFormat, Unreadable, detect_format, read_bibs
from almamatch.schema import build_schema
from almamatch.web.openapi import openapi_document
from almamatch.web.page import FormInput, render_page
from almamatch.web.problems import Problem, problem_middleware
from almamatch.web.service import HttpZone, Logon
from almamatch.zonefiles.facts import parse_moment

__all__ = ["DEFAULT_MAX_BODY", "MEDIA_TYPES", "make_app", "utf8"]

#: The largest request body accepted, in bytes: ten times the largest ISO 2709 record.
DEFAULT_MAX_BODY: Final = 1_000_000

#: The media types a record may come as, and the format each announces.
MEDIA_TYPES: Final[dict[str, MarcFormat]] = {
    "application/marc": MarcFormat.ISO2709,  # RFC 2220
    "application/marcxml+xml": MarcFormat.MARCXML,  # RFC 6207
    "application/xml": MarcFormat.MARCXML,
    "text/xml": MarcFormat.MARCXML,
    "application/json": MarcFormat.MARC_JSON,
}
NDJSON: Final = "application/x-ndjson"

_SERVICE: Final = web.AppKey("service", HttpZone)
#: One JSON line per decision the server makes, in the one shape.
_DECISIONS: Final = logging.getLogger("almamatch.decisions")


def make_app(service: HttpZone, *, max_body: int = DEFAULT_MAX_BODY) -> web.Application:
    """The application: the API, the page and its files, the OpenAPI description."""
    app = web.Application(middlewares=[problem_middleware], client_max_size=max_body)
    app[_SERVICE] = service
    app.router.add_get("/", _page)
    app.router.add_post("/", _page_decision)
    app.router.add_get("/static/{name}", _static)
    app.router.add_post("/decisions", _decisions)
    app.router.add_post("/batches", _batches)
    app.router.add_get("/bibs/{mms_id}", _bib)
    app.router.add_get("/health", _health)
    app.router.add_get("/openapi.json", _openapi)
    app.router.add_get("/schema.json", _schema)
    return app


# -- reading a request ------------------------------------------------------------------------


def _flag(request: web.Request, name: str) -> bool:
    text = request.query.get(name, "false").strip().lower()
    if text in ("", "1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise Problem(400, "bad_flag", f"{name} is true or false, not {text!r}")


def _now(request: web.Request, text: str | None) -> datetime:
    """The moment of the export: the ``now`` given, or the zone service's clock (the one the
    Connexion port judges by: the system's, or ``serve --now``)."""
    if text is None or not text.strip():
        return request.app[_SERVICE].service.clock()
    try:
        return parse_moment(text)
    except ValueError:
        raise Problem(400, "bad_time", f"now is a date and time (ISO 8601), not {text!r}"
                      ) from None


def _logon(request: web.Request) -> Logon:
    header = request.headers.get("Authorization")
    logon_id = request.query.get("logon")
    if header is None:
        return Logon(logon_id=logon_id)
    try:
        credentials = BasicAuth.decode(header)
    except ValueError:
        raise Problem(400, "bad_credentials", "Authorization is Basic logon:password"
                      ) from None
    return Logon(logon_id=credentials.login or logon_id, password=credentials.password)


def _declared(request: web.Request) -> MarcFormat | None:
    """The format the Content-Type names; None for application/octet-stream (by content)."""
    media = request.content_type
    if media == "application/octet-stream":
        return None
    found = MEDIA_TYPES.get(media)
    if found is None:
        raise Problem(415, "unsupported_media_type",
                      f"{media} is not a record; send one of {', '.join(MEDIA_TYPES)}",
                      accepted=list(MEDIA_TYPES))
    return found


def _records(body: bytes, declared: MarcFormat | None) -> list[Bib | Unreadable]:
    """Every record of ``body``; the content must be the format the request declared."""
    found = detect_format(body[:4096])
    if found is None:
        raise Problem(422, "unknown_format", "the body is not ISO 2709, MARCXML or MARC-in-JSON")
    if declared is not None and found is not declared:
        raise Problem(415, "content_mismatch",
                      f"the body is {found.value}, not the {declared.value} its type declares")
    return list(read_bibs(BytesIO(body)))


def _one_record(items: list[Bib | Unreadable]) -> Bib:
    if not items:
        raise Problem(422, "no_record", "the body holds no record")
    if len(items) > 1:
        raise Problem(422, "more_than_one_record",
                      f"the body holds {len(items)} records; POST /batches takes a file of them")
    (item,) = items
    if isinstance(item, Unreadable):
        raise Problem(422, "unreadable_record", str(item),
                      unreadable=converter.unstructure(item))
    return item


def _decision_document(record: Bib, decision: Decision, *, applied: bool) -> dict[str, Any]:
    document = item_line(0, record, decision)
    document["applied"] = applied
    return document


def utf8(text: str, *, html: bool = False) -> bytes:
    """Text as UTF-8 for the wire. A byte that was not UTF-8 in a record is kept by the readers
    as a lone surrogate (U+DC80..U+DCFF), which UTF-8 cannot carry: in JSON it is written as its
    own escape (``\\udcff``, which reads back as the same string), in HTML as a character
    reference (shown as U+FFFD)."""
    return text.encode("utf-8", "xmlcharrefreplace" if html else "backslashreplace")


def _json(document: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(status=status, content_type="application/json", charset="utf-8",
                        body=utf8(json.dumps(document, ensure_ascii=False)))


# -- the API ----------------------------------------------------------------------------------


async def _decisions(request: web.Request) -> web.Response:
    service = request.app[_SERVICE]
    declared = _declared(request)
    if declared is None:
        raise Problem(415, "unsupported_media_type", "say which format the record is in",
                      accepted=list(MEDIA_TYPES))
    dry_run = _flag(request, "dry_run")
    now = _now(request, request.query.get("now"))
    logon = _logon(request)
    record = _one_record(_records(await request.read(), declared))
    outcome = await service.decide(record, logon=logon, now=now, dry_run=dry_run)
    document = _decision_document(record, outcome.decision, applied=outcome.applied)
    _DECISIONS.info("%s", json_line(document))
    return _json(document)


async def _batches(request: web.Request) -> web.StreamResponse:
    service = request.app[_SERVICE]
    declared = _declared(request)
    dry_run = _flag(request, "dry_run")
    now = _now(request, request.query.get("now"))
    logon = _logon(request)
    items = _records(await request.read(), declared)
    response = web.StreamResponse(headers={"Content-Type": NDJSON})
    await response.prepare(request)
    codes: Counter[str] = Counter()
    async for index, item, decision in service.decide_all(items, logon=logon, now=now,
                                                          dry_run=dry_run):
        codes[UNREADABLE_CODE if decision is None else decision.code.value] += 1
        line = json_line(item_line(index, item, decision))
        _DECISIONS.info("%s", line)
        await response.write(utf8(line + "\n"))
    await response.write(utf8(json_line(summary_line(codes)) + "\n"))
    await response.write_eof()
    return response


async def _bib(request: web.Request) -> web.Response:
    mms_id = request.match_info["mms_id"]
    stored = await request.app[_SERVICE].stored(mms_id)
    if stored is None:
        raise Problem(404, "no_such_bib", f"the zone has no bib {mms_id}")
    return _json(converter.unstructure(stored))


async def _health(request: web.Request) -> web.Response:
    zone = request.app[_SERVICE].zone
    return _json({"status": "ok", "institution": zone.institution, "kind": zone.kind.value})


async def _openapi(request: web.Request) -> web.Response:
    return _json(openapi_document())


async def _schema(request: web.Request) -> web.Response:
    return _json(build_schema())


# -- the page ---------------------------------------------------------------------------------

_STATIC: Final = {"page.css": "text/css", "page.js": "text/javascript"}


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _STATIC:
        raise Problem(404, "not_found", f"no file {name}")
    text = resources.files("almamatch.web").joinpath("static", name).read_text(encoding="utf-8")
    return web.Response(text=text, content_type=_STATIC[name], charset="utf-8")


async def _page(request: web.Request) -> web.Response:
    service = request.app[_SERVICE]
    return _html(render_page(service, FormInput(), result=None))


async def _page_decision(request: web.Request) -> web.Response:
    service = request.app[_SERVICE]
    form = await request.post()
    given = FormInput.from_form(form)
    try:
        record = _one_record(_records(given.record_bytes(service.examples), None))
        outcome = await service.decide(record, logon=given.logon(), now=_now(request, given.now),
                                       dry_run=given.dry_run)
    except Problem as problem:
        return _html(render_page(service, given, result=problem), status=problem.status)
    _DECISIONS.info("%s", json_line(_decision_document(record, outcome.decision,
                                                       applied=outcome.applied)))
    return _html(render_page(service, given, result=outcome))


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(body=utf8(text, html=True), status=status, content_type="text/html",
                        charset="utf-8")

