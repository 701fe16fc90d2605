"""The Connexion endpoint in process: replies, limits, logs and stopping, over real sockets.

Every test runs a ``Gateway`` on an ephemeral loopback port and talks to it with the client's
``exchange_async`` or raw sockets; the expected host messages come from ``almamatch batch``'s
own path (``decide_in_order``), not from the server.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from almamatch.codec import decision_from_json
from almamatch.serve.client import exchange_async, reply_mms_id
from almamatch.serve.log import RequestLog
from almamatch.serve.reply import ReplyEnd
from almamatch.serve.request import AnswerAt, Framing, LogonItem, encode_request
from almamatch.serve.server import Gateway, Limits, WireOptions, ZoneListener
from almamatch.serve.service import ZoneService
from json_shape import checked
from serve_process import (
    LOGON,
    NOW,
    PASSWORD,
    example_zone,
    expected_messages,
    export_records,
)


class MemoryStore:
    """The service's store over an in-memory zone, counting commits."""

    def __init__(self, bibs: Any) -> None:
        self.bibs = bibs
        self.commits = 0
        self.closed = False

    def apply(self, decision: Any) -> None:
        self.bibs.apply(decision)

    def record(self, mms_id: str) -> Any:
        return self.bibs.record(mms_id)

    def commit(self) -> None:
        self.commits += 1

    def close(self) -> None:
        self.closed = True


Scenario = Callable[[int, Gateway], Awaitable[None]]


def run_gateway(scenario: Scenario, *, limits: Limits | None = None,
                wire: WireOptions | None = None, log: io.StringIO | None = None,
                logon_item: LogonItem = LogonItem.U, as_json: bool = True,
                logon_id: str = LOGON) -> MemoryStore:
    zone, bibs = example_zone(logon_id)
    store = MemoryStore(bibs)
    service = ZoneService(zone, store, logon_item=logon_item, clock=lambda: NOW)
    listener = ZoneListener(service, port=0, limits=limits, wire=wire,
                            log=RequestLog(log if log is not None else io.StringIO(),
                                           as_json=as_json))
    gateway = Gateway([listener])

    async def main() -> None:
        await gateway.start()
        try:
            await scenario(listener.address[1], gateway)
        finally:
            await gateway.stop()

    asyncio.run(main())
    return store


async def raw(port: int, data: bytes, *, close: bool = True, timeout: float = 5) -> bytes:
    """Send bytes (half-closing after them unless told not to) and read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if close:
        writer.write_eof()
    try:
        async with asyncio.timeout(timeout):
            return await reader.read()
    finally:
        writer.close()


def request(record: bytes, **options: Any) -> bytes:
    values = {"logon_id": LOGON, "password": PASSWORD, **options}
    return encode_request(record, **values)


def test_the_example_exports_get_the_batch_host_messages_in_order() -> None:
    replies: list[str] = []

    async def scenario(port: int, _: Gateway) -> None:
        for record in export_records():
            replies.append(await exchange_async(request(record), port=port))

    store = run_gateway(scenario)
    assert replies == expected_messages()
    assert replies[0].startswith("The record has been processed successfully.")
    assert store.commits == len(replies)  # each decision committed before its reply
    assert store.closed


@pytest.mark.parametrize("framing", list(Framing))
@pytest.mark.parametrize("logon_item", list(LogonItem))
def test_both_framings_and_both_logon_items(framing: Framing, logon_item: LogonItem) -> None:
    """A decimal length cannot carry a value that starts with a digit, as Alma's logon IDs
    (01CARLI_XYZ) do: this zone's logon ID starts with a letter, so both framings carry it."""
    replies: list[str] = []
    first = export_records()[0]

    async def scenario(port: int, _: Gateway) -> None:
        replies.append(await exchange_async(
            request(first, framing=framing, logon_item=logon_item, logon_id="CARLI_XYZ"),
            port=port))

    run_gateway(scenario, logon_item=logon_item, logon_id="CARLI_XYZ")
    assert reply_mms_id(replies[0]) == "9910000000115681"


def test_the_other_logon_item_is_read_when_the_named_one_is_absent() -> None:
    replies: list[str] = []
    first = export_records()[0]

    async def scenario(port: int, _: Gateway) -> None:
        replies.append(await exchange_async(request(first, logon_item=LogonItem.A), port=port))

    run_gateway(scenario, logon_item=LogonItem.U)
    assert reply_mms_id(replies[0]) is not None


def test_a_wrong_password_gets_the_logon_failure_and_changes_nothing() -> None:
    replies: list[str] = []
    first = export_records()[0]

    async def scenario(port: int, _: Gateway) -> None:
        replies.append(await exchange_async(request(first, password="wrong"), port=port))

    store = run_gateway(scenario)
    assert replies == ["Import Failed: Logon Failed--the Logon ID and/or password is/are not valid"]
    assert len(store.bibs) == 10  # the example zone's ten bibs, nothing added


def test_health_check_bad_request_and_unreadable_record() -> None:
    answers: dict[str, bytes] = {}
    broken = bytearray(export_records()[0])
    broken[12:17] = b"x0x0x"  # base address not digits: frames for the parser, fails to decode

    async def scenario(port: int, _: Gateway) -> None:
        answers["get"] = await raw(port, b"GET / HTTP/1.0\r\n\r\n", close=False)
        answers["empty"] = await raw(port, b"")
        answers["nul"] = await raw(port, b"\x00")
        answers["two"] = await raw(port, request(b"0001012345" + b"0001012345"))
        answers["unreadable"] = await raw(port, request(bytes(broken)))

    run_gateway(scenario)
    assert answers["get"] == b"HTTP/1.0 200 OK\r\n\r\n"
    assert answers["empty"] == (
        b"Import Failed: bad request (empty): no record: the request was empty\x00")
    assert answers["nul"].startswith(b"Import Failed: bad request (empty)")
    assert answers["two"].startswith(b"Import Failed: bad request (two_records)")
    assert answers["unreadable"].startswith(b"Import Failed: the record cannot be read (")
    assert all(answer.endswith(b"\x00") for name, answer in answers.items() if name != "get")


def test_reply_end_and_answer_at_end() -> None:
    replies: list[bytes] = []
    first = export_records()[0]

    async def scenario(port: int, _: Gateway) -> None:
        # Without NUL and without closing, answer-at end waits: the idle timeout answers.
        replies.append(await raw(port, request(first, nul=False), close=False))
        replies.append(await raw(port, request(first)))

    run_gateway(scenario, wire=WireOptions(answer_at=AnswerAt.END,
                                           reply_end=ReplyEnd.NEWLINE_NUL),
                limits=Limits(idle_timeout=0.3))
    assert replies[0] == b"Import Failed: no complete request within 0.3 s\n\x00"
    assert replies[1].startswith(b"The record has been processed successfully.")
    assert replies[1].endswith(b"\n\x00")


def test_limits_are_refusals_that_are_logged() -> None:
    answers: dict[str, bytes] = {}
    log = io.StringIO()

    async def scenario(port: int, _: Gateway) -> None:
        answers["large"] = await raw(port, b"U3abc" + b"A@" * 100, close=False)
        answers["idle"] = await raw(port, b"U3ab", close=False)
        first = await asyncio.open_connection("127.0.0.1", port)  # holds the only slot
        await asyncio.sleep(0.05)
        answers["busy"] = await raw(port, b"")
        first[1].close()

    run_gateway(scenario, limits=Limits(max_request_bytes=64, idle_timeout=0.3,
                                        max_connections=1), log=log)
    assert answers["large"].startswith(b"Import Failed: bad request (too_large)")
    assert answers["idle"] == b"Import Failed: no complete request within 0.3 s\x00"
    assert answers["busy"].startswith(b"Import Failed: the server is busy (1 connections open)")
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    # The slot holder closes without a request at the end: an empty request, refused too.
    assert sorted((line["outcome"], line.get("fault")) for line in lines) == [
        ("BAD_REQUEST", "empty"), ("BAD_REQUEST", "too_large"), ("BUSY", None), ("TIMEOUT", None)]


def test_log_lines_carry_the_request_and_never_the_password() -> None:
    log = io.StringIO()
    records = export_records()

    async def scenario(port: int, _: Gateway) -> None:
        for record in records[:3]:
            await exchange_async(request(record), port=port)
        await exchange_async(request(records[0], password="hunter2-wrong"), port=port)

    run_gateway(scenario, log=log)
    text = log.getvalue()
    assert PASSWORD not in text
    assert "hunter2" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["outcome"] for line in lines] == ["ADDED", "ADDED", "MERGED", "LOGON_FAILED"]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4]
    first = lines[0]
    assert first["zone"] == "01CARLI_XYZ"
    assert first["logon_id"] == LOGON
    assert first["oclc_numbers"] == ["(OCoLC)1604275"]
    assert first["mms_id"] == "9910000000115681"
    assert first["peer"].startswith("127.0.0.1:")
    assert first["ms"] > 0
    datetime.fromisoformat(first["time"])
    # Each decided line holds its decision in the one shape, which reads back.
    for line in lines:
        assert checked(line["decision"], "Decision")["code"] == line["outcome"]
        assert decision_from_json(json.dumps(line["decision"])).code.value == line["outcome"]


def test_text_log_lines() -> None:
    log = io.StringIO()

    async def scenario(port: int, _: Gateway) -> None:
        await exchange_async(request(export_records()[0]), port=port)

    run_gateway(scenario, log=log, as_json=False)
    line = log.getvalue()
    assert " 01CARLI_XYZ 127.0.0.1:" in line
    assert " ADDED mms_id=9910000000115681 logon=01CARLI_XYZ oclc=(OCoLC)1604275 seq=1 " in line
    assert PASSWORD not in line


def test_stop_answers_the_request_in_flight() -> None:
    """A record arriving in pieces when the stop comes is still decided and answered."""
    replies: list[bytes] = []
    record = export_records()[0]

    async def scenario(port: int, gateway: Gateway) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        data = request(record)
        writer.write(data[:40])
        await writer.drain()
        await asyncio.sleep(0.05)
        stopping = asyncio.create_task(gateway.stop())
        await asyncio.sleep(0.05)
        with pytest.raises(ConnectionRefusedError):  # no longer accepting
            await asyncio.open_connection("127.0.0.1", port)
        writer.write(data[40:])
        await writer.drain()
        replies.append(await reader.read())
        writer.close()
        await stopping

    store = run_gateway(scenario)
    assert reply_mms_id(replies[0].decode()) == "9910000000115681"
    assert store.commits == 1
    assert store.closed


def test_concurrent_clients_of_one_new_number_add_once_then_merge() -> None:
    """Serialized per zone: twenty simultaneous exports of one new record, one ADDED."""
    replies: list[str] = []
    first = export_records()[0]

    async def scenario(port: int, _: Gateway) -> None:
        replies.extend(await asyncio.gather(
            *(exchange_async(request(first), port=port) for _ in range(20))))

    store = run_gateway(scenario)
    assert {reply_mms_id(reply) for reply in replies} == {"9910000000115681"}
    assert len(store.bibs) == 11


def test_stop_closes_a_request_still_incomplete_after_the_grace() -> None:
    log = io.StringIO()
    seen: list[bytes] = []

    async def scenario(port: int, gateway: Gateway) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"U3abc000")
        await writer.drain()
        await asyncio.sleep(0.05)
        await gateway.stop()
        try:
            seen.append(await reader.read())
        except ConnectionResetError:
            seen.append(b"")
        writer.close()

    store = run_gateway(scenario, limits=Limits(grace=0.2), log=log)
    assert seen == [b""]  # no reply: nothing was decided
    assert [json.loads(line)["outcome"] for line in log.getvalue().splitlines()] == ["STOPPED"]
    assert store.commits == 0
