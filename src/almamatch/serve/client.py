"""A Connexion-like exporter: one connection per record, the reply read up to its NUL, retries.

Theory of operation: the Connexion client connects to the local system's port, sends one
request (``serve.request.encode_request``: logon ID, password, record, NUL), and waits for the
NUL-terminated reply, which it shows the cataloger. Its Gateway Export settings give a timeout
(Koha's manual: 100; CSU's for Alma: 90) and a number of retries (3, delay 0)
(``../shared/reference/connexion-protocol.md`` section 2). When every attempt is refused, times
out, or ends with no reply, it says "The local system has closed the connection, retries
exceeded." (``core.decision``'s CONNECTION_CLOSED reason): ``exchange`` returns that outcome as
a value, never an exception. ``exchange_async`` is one attempt on an event loop, for load tests
and benchmarks that hold many connections at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Sequence
from typing import Final

from attrs import frozen

from almamatch.core.decision import FAILURES, Code

__all__ = [
    "CONNECTION_CLOSED_MESSAGE",
    "Exchange",
    "Timed",
    "exchange",
    "exchange_async",
    "export_concurrently",
    "reply_mms_id",
]

#: What Connexion shows when the local system could not be reached or did not answer.
CONNECTION_CLOSED_MESSAGE: Final = FAILURES[Code.CONNECTION_CLOSED].reason
_READ_SIZE: Final = 1 << 16
#: The MMS ID in a success host message ("... MMS ID: 991234567890205681").
_MMS_ID: Final = re.compile(r"MMS ID:?\s*([0-9]+)")


@frozen(kw_only=True)
class Exchange:
    """One record sent: the reply's text, or None when every attempt failed (and why)."""

    reply: str | None
    attempts: int
    ms: float  # from the first connect to the reply (or the last failure)
    failure: str | None = None  # the last attempt's problem when reply is None

    @property
    def host_message(self) -> str:
        """What the cataloger sees: the reply, or Connexion's "retries exceeded" message."""
        return self.reply if self.reply is not None else CONNECTION_CLOSED_MESSAGE


def reply_mms_id(text: str) -> str | None:
    """The MMS ID a success reply names, or None."""
    found = _MMS_ID.search(text)
    return found.group(1) if found else None


def _decode(reply: bytes) -> str:
    return reply.split(b"\x00", 1)[0].decode("utf-8", errors="replace").rstrip("\r\n")


def _one_attempt(request: bytes, host: str, port: int, timeout: float) -> bytes:
    """Send the request, read up to NUL or the server's close; OSError on any failure."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request)
        received = bytearray()
        while b"\x00" not in received:
            chunk = connection.recv(_READ_SIZE)
            if not chunk:
                break
            received += chunk
        if not received:
            raise ConnectionAbortedError("the server closed the connection without a reply")
        return bytes(received)


def exchange(request: bytes, *, host: str = "127.0.0.1", port: int, timeout: float = 100.0,
             retries: int = 3, delay: float = 0.0) -> Exchange:
    """Send one request as Connexion does: up to ``1 + retries`` attempts, ``delay`` s apart."""
    started = time.perf_counter()
    failure = ""
    for attempt in range(1, retries + 2):
        if attempt > 1 and delay > 0:
            time.sleep(delay)
        try:
            reply = _one_attempt(request, host, port, timeout)
        except TimeoutError:
            failure = f"no reply within {timeout:g} s"
        except OSError as error:
            failure = error.strerror or str(error) or type(error).__name__
        else:
            return Exchange(reply=_decode(reply), attempts=attempt,
                            ms=(time.perf_counter() - started) * 1000)
    return Exchange(reply=None, attempts=retries + 1, failure=failure,
                    ms=(time.perf_counter() - started) * 1000)


async def exchange_async(request: bytes, *, host: str = "127.0.0.1", port: int,
                         timeout: float = 100.0) -> str:
    """One attempt on the running loop: the reply's text; OSError or TimeoutError on failure."""
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            await writer.drain()
            received = bytearray()
            while b"\x00" not in received:
                chunk = await reader.read(_READ_SIZE)
                if not chunk:
                    break
                received += chunk
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    if not received:
        raise ConnectionAbortedError("the server closed the connection without a reply")
    return _decode(bytes(received))


@frozen(kw_only=True)
class Timed:
    """One request of a load: its client and place, the reply (None: none came), the latency."""

    client: int
    index: int
    reply: str | None
    ms: float
    failure: str | None = None


async def export_concurrently(streams: Sequence[Sequence[bytes]], *, host: str = "127.0.0.1",
                              port: int, timeout: float = 100.0) -> list[Timed]:
    """Many catalogers at once: each stream is one client sending its requests in order, one
    connection each, all clients concurrently; every request's outcome, in completion order."""
    done: list[Timed] = []

    async def client(number: int, requests: Sequence[bytes]) -> None:
        for index, request in enumerate(requests):
            started = time.perf_counter()
            try:
                reply: str | None = await exchange_async(request, host=host, port=port,
                                                         timeout=timeout)
                failure = None
            except (OSError, TimeoutError) as error:
                reply, failure = None, str(error) or type(error).__name__
            done.append(Timed(client=number, index=index, reply=reply, failure=failure,
                              ms=(time.perf_counter() - started) * 1000))

    async with asyncio.TaskGroup() as group:
        for number, requests in enumerate(streams):
            group.create_task(client(number, requests))
    return done
