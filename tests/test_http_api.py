"""The HTTP API through a real HTTP client against a real server on a free port of 127.0.0.1.

Every answer is checked: decisions against the shipped schema and the served OpenAPI
description, and every refusal is a problem document (RFC 9457) with a 4xx status, never a 500
and never a traceback.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from almamatch.cli.main import main
from almamatch.core.record import Bib
from almamatch.marc import bib_to_marc, bib_to_marc_json, bib_to_marcxml, read_bibs
from almamatch.web import MEDIA_TYPES
from almamatch.web.app import utf8
from http_server import EXAMPLES, NOW, running_doors, running_server
from json_shape import checked, decision_lines

EXPORTS = EXAMPLES / "exports.mrc"
ZONE = str(EXAMPLES / "zone")
CARLI = str(EXAMPLES / "profiles" / "carli.toml")
RECORDS = list(read_bibs(EXPORTS))
READABLE = [(index, item) for index, item in enumerate(RECORDS) if isinstance(item, Bib)]


class Answer:
    def __init__(self, status: int, media: str, body: bytes) -> None:
        self.status, self.media, self.body = status, media, body

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, *, data: bytes | None = None, media: str | None = None,
         headers: dict[str, str] | None = None, method: str | None = None) -> Answer:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if media is not None:
        request.add_header("Content-Type", media)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get_content_type(), error.read())


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A server that is only asked dry runs and reads: the zone stays the examples'."""
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def openapi(server: str) -> dict[str, Any]:
    document: dict[str, Any] = call(f"{server}/openapi.json").json()
    return document


def api_checked(openapi: dict[str, Any], document: Any, name: str) -> Any:
    """``document`` after checking it against a schema of the served OpenAPI description."""
    schema = {"components": openapi["components"], "$ref": f"#/components/schemas/{name}"}
    Draft202012Validator(schema).validate(document)
    return document


def decide_cli(index: int, capsys: pytest.CaptureFixture[str], *more: str) -> dict[str, Any]:
    main(["decide", str(EXPORTS), "--index", str(index), "--zone", ZONE, "--profile", CARLI,
          "--now", NOW, "--json", *more])
    (line,) = decision_lines(capsys.readouterr().out)
    return line


def problem(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert (answer.status, answer.media) == (status, "application/problem+json")
    document: dict[str, Any] = answer.json()
    assert document["status"] == status
    assert document["code"] == code
    assert document["type"].endswith(code)
    assert document["title"]
    assert document["detail"]
    assert b"Traceback" not in answer.body
    return document


def test_health_names_the_zone(server: str) -> None:
    answer = call(f"{server}/health")
    assert (answer.status, answer.json()) == (200, {"status": "ok", "institution": "01CARLI_XYZ",
                                                    "kind": "institution"})


def test_the_openapi_description_names_every_route_and_its_schemas_are_valid(
    openapi: dict[str, Any],
) -> None:
    assert openapi["openapi"].startswith("3.1")
    assert set(openapi["paths"]) == {"/decisions", "/batches", "/bibs/{mms_id}", "/health"}
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises, naming the schema that is not one


@pytest.mark.parametrize(("index", "record"), READABLE, ids=lambda x: str(x)[:12])
def test_a_dry_run_answers_what_decide_answers(
    index: int, record: Bib, server: str, openapi: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = decide_cli(index, capsys)
    answer = call(f"{server}/decisions?dry_run=true&now={NOW}", data=bib_to_marc_json(record)
                  .encode(), media="application/json")
    assert answer.status == 200
    document = api_checked(openapi, answer.json(), "DecisionResponse")
    assert document.pop("applied") is False
    checked(document, "DecidedLine")
    assert {**document, "index": index} == expected


@pytest.mark.parametrize(("media", "write"), [
    ("application/marc", bib_to_marc),
    ("application/marcxml+xml", lambda bib: bib_to_marcxml(bib).encode()),
    ("application/xml", lambda bib: bib_to_marcxml(bib).encode()),
    ("application/json", lambda bib: bib_to_marc_json(bib).encode()),
])
def test_each_content_type_gives_the_same_decision(media: str, write: Any, server: str) -> None:
    _index, record = READABLE[4]  # MULTI_MATCH
    answer = call(f"{server}/decisions?dry_run=1&now={NOW}", data=write(record), media=media)
    assert answer.status == 200
    assert answer.json()["code"] == "MULTI_MATCH"


def test_logon_and_password_travel_as_basic_credentials(server: str) -> None:
    _, record = READABLE[0]
    secret = base64.b64encode(b"01CARLI_XYZ:wrong").decode()
    answer = call(f"{server}/decisions?dry_run=true&now={NOW}", data=bib_to_marc(record),
                  media="application/marc", headers={"Authorization": f"Basic {secret}"})
    document = answer.json()
    assert document["code"] == "LOGON_FAILED"
    assert document["problems"] == ["the password is not the integration profile's"]
    other = call(f"{server}/decisions?dry_run=true&now={NOW}&logon=01CARLI_ABC",
                 data=bib_to_marc(record), media="application/marc")
    assert other.json()["code"] == "LOGON_FAILED"


TWO_RECORDS = bib_to_marc(READABLE[0][1]) + bib_to_marc(READABLE[1][1])


@pytest.mark.parametrize(("path", "media", "data", "status", "code"), [
    ("/decisions", "text/plain", b"hello", 415, "unsupported_media_type"),
    ("/decisions", "application/octet-stream", TWO_RECORDS, 415, "unsupported_media_type"),
    ("/decisions", "application/marc", b"<record/>", 415, "content_mismatch"),
    ("/decisions", "application/marc", b"hello", 422, "unknown_format"),
    ("/decisions", "application/marc", b"", 422, "unknown_format"),
    ("/decisions", "application/marc", TWO_RECORDS, 422, "more_than_one_record"),
    ("/decisions", "application/marc", b"00099nam  2200025   4500\x1e", 422,
     "unreadable_record"),
    ("/decisions", "application/json", b'{"leader": [[[', 422, "unreadable_record"),
    ("/decisions?dry_run=maybe", "application/marc", TWO_RECORDS, 400, "bad_flag"),
    ("/decisions?now=yesterday", "application/marc", TWO_RECORDS, 400, "bad_time"),
    ("/decisions", "application/marc", b"0" * 300_000, 413, "request_entity_too_large"),
    ("/batches", "application/octet-stream", b"not marc", 422, "unknown_format"),
    ("/batches", "application/marc", b"0" * 300_000, 413, "request_entity_too_large"),
])
def test_bad_input_is_a_problem_document_with_a_4xx_status(
    path: str, media: str, data: bytes, status: int, code: str, server: str,
) -> None:
    problem(call(server + path, data=data, media=media), status, code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(
    st.binary(max_size=2_000),
    st.sampled_from([bib_to_marc(record) for _, record in READABLE[:3]]).flatmap(
        lambda whole: st.integers(0, len(whole)).map(lambda cut: whole[:cut])),
), media=st.sampled_from([*MEDIA_TYPES, "application/octet-stream", "text/plain"]),
   path=st.sampled_from(["/decisions?dry_run=true", "/batches?dry_run=true"]))
def test_any_body_gets_an_answer_or_a_4xx_problem_never_a_500(
    server: str, body: bytes, media: str, path: str,
) -> None:
    answer = call(server + path, data=body, media=media)
    assert answer.status == 200 or 400 <= answer.status < 500, answer.body[:300]
    assert b"Traceback" not in answer.body
    if answer.status != 200:
        assert answer.media == "application/problem+json"


@pytest.mark.parametrize("text", ["Café", "Caf\udcff", "\U0001f4da \udc80"])
def test_text_a_record_kept_goes_out_as_utf8_and_reads_back_the_same(text: str) -> None:
    # A byte that was not UTF-8 is a lone surrogate in a Bib: JSON carries it as its escape.
    body = utf8(json.dumps({"value": text}, ensure_ascii=False))
    assert json.loads(body.decode("utf-8")) == {"value": text}


def test_a_byte_that_was_not_utf8_is_a_character_reference_in_html() -> None:
    assert utf8("<p>Caf\udcff</p>", html=True) == b"<p>Caf&#56575;</p>"


def test_bad_credentials_and_unknown_places_are_problems_too(server: str) -> None:
    problem(call(f"{server}/decisions", data=TWO_RECORDS, media="application/marc",
                 headers={"Authorization": "Basic !!!"}), 400, "bad_credentials")
    problem(call(f"{server}/bibs/991"), 404, "no_such_bib")
    problem(call(f"{server}/nowhere"), 404, "not_found")
    problem(call(f"{server}/decisions"), 405, "method_not_allowed")
    problem(call(f"{server}/static/../../etc/passwd"), 404, "not_found")


def test_a_stored_bib_answers_its_record_and_facts(server: str, openapi: dict[str, Any]) -> None:
    multi = call(f"{server}/decisions?dry_run=true&now={NOW}",
                 data=bib_to_marc(READABLE[4][1]), media="application/marc").json()
    mms_id = multi["candidates"][0]["mms_id"]
    answer = call(f"{server}/bibs/{mms_id}")
    document = api_checked(openapi, answer.json(), "StoredBib")
    assert document["mms_id"] == document["facts"]["mms_id"] == mms_id
    assert document["record"]["fields"]


def test_a_batch_streams_the_lines_batch_json_writes(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["batch", str(EXPORTS), "--zone", ZONE, "--profile", CARLI, "--now", NOW, "--json",
          "--summary"])
    expected = decision_lines(capsys.readouterr().out)
    answer = call(f"{server}/batches?dry_run=true&now={NOW}", data=EXPORTS.read_bytes(),
                  media="application/octet-stream")
    assert (answer.status, answer.media) == (200, "application/x-ndjson")
    assert decision_lines(answer.body.decode()) == expected
    again = call(f"{server}/batches?dry_run=true&now={NOW}", data=EXPORTS.read_bytes(),
                 media="application/marc")
    assert decision_lines(again.body.decode()) == expected  # a dry run changed nothing


def test_applying_adds_then_merges_and_the_bib_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    _, record = READABLE[0]  # a number the zone does not hold
    with running_server() as url, caplog.at_level(logging.INFO, "almamatch.decisions"):
        dry = call(f"{url}/decisions?dry_run=true&now={NOW}", data=bib_to_marc(record),
                   media="application/marc").json()
        added = call(f"{url}/decisions?now={NOW}", data=bib_to_marc(record),
                     media="application/marc").json()
        stored = call(f"{url}/bibs/{added['mms_id']}")
        merged = call(f"{url}/decisions?now={NOW}", data=bib_to_marc(record),
                      media="application/marc").json()
    assert (dry["code"], dry["applied"]) == ("ADDED", False)
    assert (added["code"], added["applied"], added["mms_id"]) == ("ADDED", True, dry["mms_id"])
    assert stored.status == 200
    assert stored.json()["record"] == added["record"]
    assert (merged["code"], merged["mms_id"]) == ("MERGED", added["mms_id"])
    logged = [json.loads(entry.getMessage()) for entry in caplog.records
              if entry.name == "almamatch.decisions"]
    assert [line["code"] for line in logged] == ["ADDED", "ADDED", "MERGED"]
    for line in logged:
        line.pop("applied")
        checked(line, "DecidedLine")


def test_http_and_connexion_exports_share_one_zone_and_one_order() -> None:
    from almamatch.serve.client import exchange
    from almamatch.serve.request import encode_request

    _, record = READABLE[0]  # a number the zone does not hold
    with running_doors() as (url, port):
        reply = exchange(encode_request(bib_to_marc(record), logon_id="01CARLI_XYZ",
                                        password="xyz-iz-password"), port=port, retries=0)
        added = reply.host_message
        merged = call(f"{url}/decisions?now={NOW}", data=bib_to_marc(record),
                      media="application/marc").json()
        stored = call(f"{url}/bibs/{merged['mms_id']}")
    assert added == f"The record has been processed successfully. MMS ID: {merged['mms_id']}"
    assert (merged["code"], merged["applied"]) == ("MERGED", True)
    assert stored.status == 200
