"""``almamatch send``: export the records of a file to a Connexion port, as the client does.

Theory of operation: each record of FILE goes on its own connection, in order
(``serve.client.exchange``): logon ID and password in the chosen framing, the record, NUL; the
reply is read up to its NUL and printed, one line per record (``--json``: one JSON line). An
ISO 2709 file is sent byte for byte as framed (``marc.framing``); MARCXML and MARC-in-JSON are
written as ISO 2709 first, as Connexion would send them. A record that does not frame or load is
reported with its position and reason and not sent. A server that refuses, times out or closes
without a reply on every attempt gets Connexion's message: "The local system has closed the
connection, retries exceeded." Refusals by Alma are outcomes (exit 0); a record that got no
reply at all makes the command exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from almamatch.cli.render import json_line
from almamatch.envelope import unreadable_line
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.framing import frame_records
from almamatch.marc.reader import CHUNK_SIZE, MarcFormat, detect_format
from almamatch.serve.client import Exchange, exchange, reply_mms_id
from almamatch.serve.request import Framing, LogonItem, encode_request

__all__ = ["run"]


def _records(path: str) -> Iterator[tuple[int, bytes | Unreadable]]:
    """Each record's ISO 2709 bytes with its position, or why it cannot be sent."""
    with Path(path).open("rb") as stream:
        head = stream.read(CHUNK_SIZE)
    if detect_format(head) is MarcFormat.ISO2709:
        with Path(path).open("rb") as stream:
            chunks = iter(lambda: stream.read(CHUNK_SIZE), b"")
            for framed in frame_records(chunks):
                if isinstance(framed, Unreadable):
                    yield framed.index, framed
                else:
                    record, index, _ = framed
                    yield index, record
        return
    for index, item in enumerate(read_bibs(path)):
        yield index, item if isinstance(item, Unreadable) else bib_to_marc(item)


def _line(index: int, outcome: Exchange) -> dict[str, Any]:
    line: dict[str, Any] = {"index": index, "host_message": outcome.host_message,
                            "mms_id": reply_mms_id(outcome.reply or ""),
                            "attempts": outcome.attempts, "ms": round(outcome.ms, 3)}
    if outcome.reply is None:
        line["code"] = "CONNECTION_CLOSED"
        line["failure"] = outcome.failure
    return line


def run(args: argparse.Namespace) -> int:
    framing, item = Framing(args.framing), LogonItem(args.logon_item)
    # The logon items are the same for every record: checked once, before anything is sent.
    encode_request(b"", logon_id=args.logon, password=args.password, framing=framing,
                   logon_item=item)
    unanswered = 0
    found = False
    for index, record in _records(args.file):
        if args.index is not None and index != args.index:
            continue
        found = True
        if isinstance(record, Unreadable):
            if args.json:
                print(json_line(unreadable_line(record)), flush=True)
            else:
                print(f"#{index + 1} not sent: {record.reason} at byte {record.offset}: "
                      f"{record.detail}", flush=True)
            continue
        request = encode_request(record, logon_id=args.logon, password=args.password,
                                 framing=framing, logon_item=item)
        outcome = exchange(request, host=args.host, port=args.port, timeout=args.timeout,
                           retries=args.retries)
        unanswered += outcome.reply is None
        if args.json:
            print(json_line(_line(index, outcome)), flush=True)
        else:
            print(f"#{index + 1} {outcome.host_message}", flush=True)
    if not found:
        where = f"no record at index {args.index}" if args.index is not None else "no record"
        sys.stderr.write(f"almamatch send: error: {where} in {args.file}\n")
        return 3
    return 1 if unanswered else 0
