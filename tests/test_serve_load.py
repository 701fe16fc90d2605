"""Many catalogers at once: every export answered, decided in arrival order as a batch would.

50 clients send 200 exports each, all at once, to ``almamatch serve`` (a child process). The
exports share OCLC numbers across clients, so the order of arrival decides which one adds a bib
and which merge into it or are refused. The server's log gives its order (``seq``) and each
record's hash; deciding the same records in that order with ``decide()`` on a fresh zone must give
every logged outcome and every reply the clients read. The same load in process compares the
served zone itself, bib by bib, with the zone that batch leaves behind.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from almamatch.core.decide import decide
from almamatch.core.decision import Decision, named_mms_id
from almamatch.core.record import Bib
from almamatch.core.zone import Export, InMemoryZone
from almamatch.marc.iso2709 import decode_record
from almamatch.serve.client import Timed, export_concurrently
from almamatch.serve.log import RequestLog, record_digest
from almamatch.serve.request import encode_request
from almamatch.serve.server import Gateway, ZoneListener
from almamatch.serve.service import ZoneService
from serve_process import (
    EXAMPLES,
    LOGON,
    NOW,
    PASSWORD,
    ServeProcess,
    example_zone,
    synthetic_exports,
)

CLIENTS = 50
PER_CLIENT = 200


@pytest.mark.slow
def test_fifty_clients_get_every_reply_in_batch_order(tmp_path: Path) -> None:
    records = synthetic_exports(CLIENTS * PER_CLIENT, values=2_500, seed=15)
    by_digest = {record_digest(record): record for record in records}
    assert len(by_digest) == len(records)
    streams = [[encode_request(record, logon_id=LOGON, password=PASSWORD)
                for record in records[client::CLIENTS]] for client in range(CLIENTS)]
    log = tmp_path / "requests.jsonl"
    arguments = ["--zone", str(EXAMPLES / "zone"), "--profile",
                 str(EXAMPLES / "profiles" / "carli.toml"), "--now", NOW.isoformat(),
                 "--port", "0", "--log", str(log), "--json"]
    with ServeProcess(arguments) as server:
        outcomes = asyncio.run(export_concurrently(streams, port=server.port, timeout=120))
        code, _ = server.stop(timeout=120)
    assert code == 0
    assert [one for one in outcomes if one.reply is None] == []
    assert len(outcomes) == CLIENTS * PER_CLIENT

    lines = sorted((json.loads(line) for line in log.read_text().splitlines()),
                   key=lambda line: line["seq"])
    assert [line["seq"] for line in lines] == list(range(1, len(records) + 1))
    replies = {(one.client, one.index): one.reply for one in outcomes}
    sent_as = {record_digest(records[client + CLIENTS * index]): (client, index)
               for client in range(CLIENTS) for index in range(PER_CLIENT)}

    zone, bibs = example_zone()
    codes: set[str] = set()
    for line in lines:
        record = by_digest[line["record_sha256"]]
        decision = decide(Export(record=decode_record(record), logon_id=LOGON,
                                 password=PASSWORD, host=zone.host), zone, NOW)
        bibs.apply(decision)
        assert (line["outcome"], line.get("mms_id")) == (decision.code.value,
                                                         named_mms_id(decision)), line
        assert replies[sent_as[line["record_sha256"]]] == decision.host_message
        codes.add(decision.code.value)
    assert {"ADDED", "MERGED", "NOT_ADDED_BRIEF", "NOT_ADDED_OLD"} <= codes


@pytest.mark.slow
def test_the_served_zone_equals_the_batch_zone_in_arrival_order() -> None:
    """The same load in process, so that the served zone itself can be compared with the zone a
    batch of the same records, in the order the server decided them, leaves behind."""
    records = synthetic_exports(CLIENTS * PER_CLIENT, values=2_500, seed=16)
    by_digest = {record_digest(record): record for record in records}
    streams = [[encode_request(record, logon_id=LOGON, password=PASSWORD)
                for record in records[client::CLIENTS]] for client in range(CLIENTS)]
    served, served_bibs = example_zone()
    log = io.StringIO()
    service = ZoneService(served, _Applied(served_bibs), clock=lambda: NOW)
    listener = ZoneListener(service, port=0, log=RequestLog(log, as_json=True))
    gateway = Gateway([listener])

    async def load() -> list[Timed]:
        await gateway.start()
        try:
            return await export_concurrently(streams, port=listener.address[1], timeout=120)
        finally:
            await gateway.stop()

    outcomes = asyncio.run(load())
    assert all(one.reply is not None for one in outcomes)
    order = sorted((json.loads(line) for line in log.getvalue().splitlines()),
                   key=lambda line: line["seq"])
    assert len(order) == len(records)

    zone, bibs = example_zone()
    for line in order:
        record = decode_record(by_digest[line["record_sha256"]])
        bibs.apply(decide(Export(record=record, logon_id=LOGON, password=PASSWORD,
                                 host=zone.host), zone, NOW))
    assert list(served_bibs) == list(bibs)  # the same MMS IDs, added in the same order
    for mms_id in bibs:
        assert served_bibs.facts(mms_id) == bibs.facts(mms_id)
        assert served_bibs.record(mms_id) == bibs.record(mms_id)
    assert served_bibs.next_mms_id() == bibs.next_mms_id()
    assert len(bibs) > 10 + 2_000  # most of the 2,500 numbers were added


class _Applied:
    """The served zone as the service's store (in memory; nothing to commit)."""

    def __init__(self, bibs: InMemoryZone) -> None:
        self.bibs = bibs

    def apply(self, decision: Decision) -> None:
        self.bibs.apply(decision)

    def record(self, mms_id: str) -> Bib | None:
        return self.bibs.record(mms_id)

    def commit(self) -> None:
        """The zone is the store: applying is all there is."""

    def close(self) -> None:
        """Nothing to close."""
