"""Many catalogers at once: every export answered, decided in arrival order as a batch would.

50 clients send 200 exports each, all at once, to ``almamatch serve`` (a child process). The
exports share OCLC numbers across clients, so the order of arrival decides which one adds a bib
and which merge into it or are refused. The server's log gives its order (``seq``) and each
record's hash; deciding the same records in that order with ``decide()`` on a fresh zone must give
every logged outcome and every reply the clients read.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from almamatch.core.decide import decide
from almamatch.core.decision import named_mms_id
from almamatch.core.zone import Export
from almamatch.marc.iso2709 import decode_record
from almamatch.serve.client import export_concurrently
from almamatch.serve.log import record_digest
from almamatch.serve.request import encode_request
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
