"""What the serve tests share: the example zone and exports, and ``almamatch serve`` as a process.

The server prints ``listening on HOST:PORT`` on stdout once per zone when every port is bound;
``ServeProcess`` waits for those lines (bounded by a deadline) and gives the ports. The expected
host messages come from deciding the exports in order, as a batch does, never from the server.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from almamatch.core.decide import decide
from almamatch.core.zone import Export, Zone
from almamatch.index.synthetic import incoming_record
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.framing import frame_records
from almamatch.zonefiles.profiles import load_profile
from almamatch.zonefiles.zones import load_zone

__all__ = [
    "EXAMPLES",
    "LOGON",
    "NOW",
    "PASSWORD",
    "ServeProcess",
    "almamatch_command",
    "example_zone",
    "expected_messages",
    "export_records",
    "synthetic_exports",
]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROFILE = load_profile(EXAMPLES / "profiles" / "carli.toml")
PASSWORD = PROFILE.profile.password
LOGON = PROFILE.identity.logon_id
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


def example_zone(logon_id: str = LOGON) -> tuple[Zone, Any]:
    bibs = load_zone(EXAMPLES / "zone", brief_rules=PROFILE.profile.brief_rules)
    identity = PROFILE.identity
    zone = Zone(kind=identity.kind, institution=identity.institution, host=identity.host,
                logon_id=logon_id, profiles=(PROFILE.profile,), bibs=bibs)
    return zone, bibs


def export_records() -> list[bytes]:
    """The example exports as framed bytes; the last one is cut short and does not frame."""
    data = (EXAMPLES / "exports.mrc").read_bytes()
    return [framed[0] for framed in frame_records([data]) if not isinstance(framed, Unreadable)]


def expected_messages() -> list[str]:
    """What a batch of the exports says, in order, on a fresh zone."""
    zone, bibs = example_zone()
    messages = []
    for item in read_bibs(EXAMPLES / "exports.mrc"):
        if isinstance(item, Unreadable):
            continue
        decision = decide(Export(record=item, logon_id=LOGON, password=PASSWORD,
                                 host=zone.host), zone, NOW)
        bibs.apply(decision)
        messages.append(decision.host_message)
    return messages




def almamatch_command() -> list[str]:
    """The ``almamatch`` command of this interpreter (the installed entry point's module)."""
    return [sys.executable, "-c",
            "import sys; from almamatch.cli.main import main; sys.exit(main())"]


class ServeProcess:
    """``almamatch serve ARGS`` in the background, its ports read from stdout."""

    def __init__(self, arguments: Sequence[str], *, zones: int = 1,
                 timeout: float = 60.0) -> None:
        command = [*almamatch_command(), "serve", *arguments]
        # stderr (the request log, unless --log) to a file: a pipe nobody reads would fill up.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            self.ports = self._wait_for_ports(zones, timeout)
        except BaseException:
            self.kill()
            self._stderr.close()
            raise

    @property
    def stderr(self) -> str:
        """What the server wrote on stderr so far."""
        self._stderr.seek(0)
        return self._stderr.read()

    def _wait_for_ports(self, zones: int, timeout: float) -> list[int]:
        """The ports of the first ``zones`` stdout lines, read by a thread (bounded wait)."""
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None

        def pump() -> None:
            for line in stdout:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        ports: list[int] = []
        while len(ports) < zones:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.kill()
                raise TimeoutError(f"no 'listening on' line within {timeout} s") from None
            assert line.startswith("listening on "), line
            ports.append(int(line.rsplit(":", 1)[1]))
            if self.process.poll() is not None and len(ports) < zones:
                raise RuntimeError(f"serve exited {self.process.returncode}: {self.stderr}")
        return ports

    @property
    def port(self) -> int:
        return self.ports[0]

    def stop(self, timeout: float = 60.0) -> tuple[int, str]:
        """SIGTERM, then the exit code and what stderr said."""
        self.process.send_signal(signal.SIGTERM)
        self.process.communicate(timeout=timeout)
        return self.process.returncode, self.stderr

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=30)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.process.poll() is None:
            self.kill()
        self._stderr.close()


def synthetic_exports(count: int, *, values: int, seed: int = 0) -> list[bytes]:
    """``count`` exports (ISO 2709) whose OCLC numbers are drawn from ``values`` new numbers, with
    mixed encoding levels and 005s, so that their order decides ADDED, MERGED, NOT_ADDED_BRIEF and
    NOT_ADDED_OLD; each has its own title, so no two records have the same bytes."""
    draw = random.Random(seed)
    records = []
    for number in range(count):
        value = 70_000_000 + draw.randrange(values)
        version = f"2025{draw.randrange(1, 13):02d}{draw.randrange(1, 29):02d}120000.0"
        bib = incoming_record(value, level=draw.choice(" I7K1"), version=version,
                              title=f"Load record {number}")
        records.append(bib_to_marc(bib))
    return records
