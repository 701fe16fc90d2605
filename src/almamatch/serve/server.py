"""The Connexion Gateway Export endpoint: one TCP port per zone, many clients, on one event loop.

Theory of operation: ``Gateway`` holds the zones' ``ZoneListener``s and any other doors (an HTTP
app) on one asyncio event loop; ``start`` binds every port, ``stop`` shuts down gracefully. Each
connection is one request (``../shared/reference/connexion-protocol.md`` section 2): its bytes go
through ``serve.request.RequestParser`` until the parser gives a final event, which is answered
and the connection closed:

* ``ExportRequest``: the zone's ``ZoneService`` decides, applies and commits it on the zone's own
  thread, in arrival order, and only then is the host message written (``serve.reply``);
* ``HealthCheck``: ``HTTP/1.0 200 OK``;
* ``BadRequest`` and the limits (more than ``Limits.max_request_bytes``, no byte for
  ``Limits.idle_timeout`` seconds, more than ``Limits.max_connections`` open connections): an
  ``Import Failed:`` line saying which, then close.

After the reply the server half-closes and reads what the client still sends (a NUL that came
late) until the client closes, at most ``Limits.linger`` seconds: closing with unread bytes would
reset the connection and could destroy the reply in flight. Every connection gives one log line
(``serve.log``), the password never.

Stopping (SIGTERM, Ctrl-C: the command calls ``stop``) closes the listening sockets first, lets
connections still reading finish their request for ``Limits.grace`` seconds, answers every
request already handed to a zone, then closes each zone's store after its last commit. Another
door joins the same loop and the same stop with ``Gateway.add_door``: it is closed after the
Connexion ports stop accepting and before the zones close, so it can still submit to them until
then.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Final, assert_never

from attrs import evolve, frozen

from almamatch.core.decision import named_mms_id
from almamatch.core.errors import AlmamatchError
from almamatch.serve.limits import DEFAULT_PORT, Limits
from almamatch.serve.log import RequestLine, RequestLog, record_digest
from almamatch.serve.reply import (
    HEALTH_REPLY,
    ReplyEnd,
    busy_text,
    decision_text,
    encode_reply,
    refusal_text,
    timeout_text,
    unreadable_text,
)
from almamatch.serve.request import (
    AnswerAt,
    BadRequest,
    ExportRequest,
    HealthCheck,
    NeedData,
    RequestParser,
)
from almamatch.serve.service import Decided, UnreadableRecord, ZoneService

__all__ = ["DEFAULT_PORT", "Door", "Gateway", "Limits", "WireOptions", "ZoneListener"]

_READ_SIZE: Final = 1 << 16


@frozen(kw_only=True)
class WireOptions:
    """The choices where Alma's receiver is unknown (see ``serve.request`` and ``serve.reply``)."""

    answer_at: AnswerAt = AnswerAt.RECORD
    reply_end: ReplyEnd = ReplyEnd.NUL


Door = Callable[[], Awaitable[None]]
"""Another listener on the gateway's loop (an HTTP app), given as the coroutine that closes it."""


def _now() -> datetime:
    return datetime.now(UTC)


def _peer(writer: asyncio.StreamWriter) -> str:
    address = writer.get_extra_info("peername")
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class ZoneListener:
    """One zone's Connexion port: accepts connections and answers one request on each."""

    def __init__(self, service: ZoneService, *, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, limits: Limits | None = None,
                 wire: WireOptions | None = None, log: RequestLog | None = None) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.limits = limits or Limits()
        self.wire = wire or WireOptions()
        self.log = log
        self._server: asyncio.Server | None = None
        self._reading: set[asyncio.Task[None]] = set()  # connections before their request
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the port the system chose for ``port=0``)."""
        if self._server is None or not self._server.sockets:
            return self.host, self.port
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, limit=_READ_SIZE, reuse_address=True)

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()

    async def drain(self) -> None:
        """Wait for the connections open now: those still reading for at most ``grace``."""
        # Connections accepted just before the listening socket closed start their task on the
        # loop's next turns: let them register before looking.
        for _ in range(2):
            await asyncio.sleep(0)
        if self._reading:
            _, late = await asyncio.wait(set(self._reading), timeout=self.limits.grace)
            for task in late:
                task.cancel()
        while self._connections:
            await asyncio.wait(set(self._connections))
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        link = _Link(reader=reader, writer=writer, started=time.perf_counter(),
                     line=RequestLine(time=_now(), zone=self.service.name, peer=_peer(writer),
                                      outcome="BUSY"))
        try:
            await self._connection(link, task)
        finally:
            self._connections.discard(task)
            self._reading.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _connection(self, link: _Link, task: asyncio.Task[None]) -> None:
        if len(self._connections) > self.limits.max_connections:
            text = busy_text(len(self._connections) - 1)
            await self._answer(link, self._text(text), evolve(link.line, detail=text))
            return
        self._reading.add(task)
        parser = RequestParser(answer_at=self.wire.answer_at,
                               max_bytes=self.limits.max_request_bytes)
        try:
            event = await self._read_request(link.reader, parser)
        except TimeoutError:
            await self._answer(link, self._text(timeout_text(self.limits.idle_timeout)),
                               evolve(link.line, outcome="TIMEOUT"))
            return
        except (ConnectionError, OSError):
            return  # the client went away before its request was whole: nothing to answer
        except asyncio.CancelledError:
            # Stopping, and the request was still not whole after the grace period.
            link.writer.transport.abort()
            if self.log is not None:
                self.log.write(evolve(link.line, time=_now(), outcome="STOPPED", delivered=False,
                                      ms=(time.perf_counter() - link.started) * 1000))
            raise
        finally:
            self._reading.discard(task)
        match event:
            case ExportRequest():
                await self._export(link, event)
            case HealthCheck():
                await self._answer(link, HEALTH_REPLY, evolve(link.line, outcome="HEALTH_CHECK"))
            case BadRequest(fault=fault, detail=detail):
                await self._answer(link, self._text(refusal_text(event)), evolve(
                    link.line, outcome="BAD_REQUEST", fault=fault.value, detail=detail))
            case _:
                assert_never(event)

    def _text(self, text: str) -> bytes:
        return encode_reply(text, self.wire.reply_end)

    async def _read_request(self, reader: asyncio.StreamReader,
                            parser: RequestParser) -> ExportRequest | HealthCheck | BadRequest:
        """Feed the parser until it gives a final event; ``TimeoutError`` when idle too long."""
        while True:
            event = parser.next_event()
            if not isinstance(event, NeedData):
                return event
            chunk = await asyncio.wait_for(reader.read(_READ_SIZE), self.limits.idle_timeout)
            parser.receive_data(chunk)

    async def _export(self, link: _Link, request: ExportRequest) -> None:
        try:
            served = await self.service.submit(request)
        except (AlmamatchError, OSError) as error:
            # Not committed: no reply, so the client reports the connection closed and retries.
            if self.log is not None:
                self.log.write(evolve(link.line, time=_now(), outcome="STORE_FAILED",
                                      detail=str(error), delivered=False,
                                      ms=(time.perf_counter() - link.started) * 1000))
            return
        line = evolve(link.line, logon_id=served.logon_id)
        match served:
            case Decided(decision=decision, record=record, seq=seq):
                numbers = tuple(str(one) for one in record.oclc_numbers.active)
                line = evolve(line, outcome=decision.code.value, oclc_numbers=numbers,
                              mms_id=named_mms_id(decision), seq=seq,
                              record_sha256=record_digest(request.record), decision=decision)
                reply = self._text(decision_text(decision))
            case UnreadableRecord(reason=reason, detail=detail):
                line = evolve(line, outcome="UNREADABLE", fault=reason, detail=detail)
                reply = self._text(unreadable_text(reason, detail))
            case _:
                assert_never(served)
        await self._answer(link, reply, line)

    async def _answer(self, link: _Link, reply: bytes, line: RequestLine) -> None:
        """Write the reply, half-close, read out what the client still sends, log the line."""
        delivered = True
        try:
            link.writer.write(reply)
            await link.writer.drain()
            if link.writer.can_write_eof():
                link.writer.write_eof()
            await self._linger(link.reader)
        except (ConnectionError, OSError):
            delivered = False
        if self.log is not None:
            self.log.write(evolve(line, time=_now(), delivered=delivered,
                                  ms=(time.perf_counter() - link.started) * 1000))

    async def _linger(self, reader: asyncio.StreamReader) -> None:
        """Read until the client closes (at most ``linger`` s), so closing sends no reset."""
        deadline = asyncio.get_running_loop().time() + self.limits.linger
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline):
                while await reader.read(_READ_SIZE):
                    pass


@frozen(kw_only=True)
class _Link:
    """One connection: its streams, when it opened, and its log line so far."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    started: float  # perf_counter at accept
    line: RequestLine


class Gateway:
    """Every zone's listener, and other doors, on one event loop (see the module's theory)."""

    def __init__(self, listeners: Sequence[ZoneListener]) -> None:
        self.listeners = tuple(listeners)
        self._doors: list[Door] = []
        self._stopped = False

    @property
    def services(self) -> tuple[ZoneService, ...]:
        """The zones' services, for another door (an HTTP app) to submit to."""
        return tuple(listener.service for listener in self.listeners)

    def add_door(self, close: Door) -> None:
        """Stop another listener with the gateway: ``close`` runs once the ports stop accepting."""
        self._doors.append(close)

    async def start(self) -> None:
        """Bind every zone's port; on a failure, close what was bound and raise."""
        started: list[ZoneListener] = []
        try:
            for listener in self.listeners:
                await listener.start()
                started.append(listener)
        except OSError:
            for listener in started:
                listener.stop_accepting()
            raise

    async def stop(self) -> None:
        """Stop accepting, finish the requests in flight, close the doors, close each zone."""
        if self._stopped:
            return
        self._stopped = True
        for listener in self.listeners:
            listener.stop_accepting()
        await asyncio.gather(*(listener.drain() for listener in self.listeners))
        for close in self._doors:
            await close()
        loop = asyncio.get_running_loop()
        for service in self.services:
            await loop.run_in_executor(None, service.close)
