"""``kill -9`` of the server in the middle of a load, then a restart on the same zone.

The promise: a reply the cataloger saw is never lost. Every export that got a success reply must
be in the zone, under the MMS ID that reply named, and on one bib only. Checked through the
server itself after the restart: each such record, exported again (guards off, so that a match
always merges), must merge into the MMS ID its first reply named; a record whose bib was lost
would be ADDED again (the server's log says which), one stored twice would be a MULTI_MATCH.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from almamatch.cli.main import main
from almamatch.serve.client import export_concurrently, reply_mms_id
from almamatch.serve.request import encode_request
from serve_process import EXAMPLES, LOGON, NOW, PASSWORD, ServeProcess, synthetic_exports

CLIENTS = 20
PER_CLIENT = 60


def _kill_when_logged(server: ServeProcess, log: Path, lines: int) -> threading.Thread:
    """SIGKILL the server once its log holds ``lines`` lines (bounded: 120 s)."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.process.poll() is None:
            if log.is_file() and log.read_text().count("\n") >= lines:
                break
            time.sleep(0.01)
        server.process.kill()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


@pytest.mark.slow
def test_every_success_reply_survives_kill_9(tmp_path: Path) -> None:
    zone = tmp_path / "zone"
    assert main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), "-o", str(zone)]) == 0
    records = synthetic_exports(CLIENTS * PER_CLIENT, values=400, seed=9)
    requests = [encode_request(record, logon_id=LOGON, password=PASSWORD) for record in records]
    streams = [requests[client::CLIENTS] for client in range(CLIENTS)]
    arguments = ["--zone", str(zone), "--profile", str(EXAMPLES / "profiles" / "guards-off.toml"),
                 "--now", NOW.isoformat(), "--port", "0", "--json"]
    log = tmp_path / "first.jsonl"
    with ServeProcess([*arguments, "--log", str(log)]) as server:
        watcher = _kill_when_logged(server, log, 300)
        outcomes = asyncio.run(export_concurrently(streams, port=server.port, timeout=60))
        watcher.join(timeout=150)
        server.kill()
    answered = {(one.client, one.index): one.reply for one in outcomes if one.reply is not None}
    assert 300 <= len(answered) < len(requests), "the kill came in the middle of the load"
    named = {key: reply_mms_id(reply) for key, reply in answered.items()}
    succeeded = {key: mms_id for key, mms_id in named.items() if mms_id is not None}
    assert len(succeeded) == len(answered)  # guards off: every export merges or adds

    again = [[requests[client + CLIENTS * index] for client, index in succeeded]]
    second_log = tmp_path / "second.jsonl"
    with ServeProcess([*arguments, "--log", str(second_log)]) as server:
        resent = asyncio.run(export_concurrently(again, port=server.port, timeout=60))
        code, _ = server.stop()
    assert code == 0
    # One client, in order: the log's lines are the resent records' outcomes, in order.
    logged = [json.loads(line) for line in second_log.read_text().splitlines()]
    assert len(logged) == len(resent) == len(succeeded)
    for (key, first), second, line in zip(succeeded.items(), resent, logged, strict=True):
        assert second.reply is not None
        assert (line["outcome"], line["mms_id"]) == ("MERGED", first), (key, line)
        assert reply_mms_id(second.reply) == first
