"""``almamatch serve`` and ``almamatch send`` as processes, and clients that are not ours.

A real client other than our own: bash's ``/dev/tcp`` (bash is always present: the CI script
runs in it) always, and ``nc`` (netcat) when it is installed; the netcat test is skipped, with
that reason, when it is not. Both send a request file made with ``encode_request``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from almamatch.cli.main import main
from almamatch.serve.request import encode_request
from json_shape import checked
from serve_process import (
    EXAMPLES,
    LOGON,
    PASSWORD,
    ServeProcess,
    expected_messages,
    export_records,
)

PROFILE_ARGS = ["--zone", str(EXAMPLES / "zone"), "--profile",
                str(EXAMPLES / "profiles" / "carli.toml"), "--now", "2026-03-05T10:30"]


def send(capsys: pytest.CaptureFixture[str], port: int, *extra: str) -> tuple[int, str]:
    """``almamatch send`` the example exports (in process): exit code and stdout."""
    code = main(["send", str(EXAMPLES / "exports.mrc"), "--port", str(port), "--logon", LOGON,
                 "--password", PASSWORD, *extra])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    """One server for the tests that each send the first export (ADDED, then MERGED into the
    same bib: the same reply either way)."""
    with ServeProcess([*PROFILE_ARGS, "--port", "0"]) as process:
        yield process
        code, _ = process.stop()
        assert code == 0


def test_serve_send_and_stop(capsys: pytest.CaptureFixture[str]) -> None:
    with ServeProcess([*PROFILE_ARGS, "--port", "0"]) as server:
        code, sent = send(capsys, server.port, "--json")
        stopped, log = server.stop()
    assert (code, stopped) == (0, 0)
    lines = [json.loads(line) for line in sent.splitlines()]
    assert [line["host_message"] for line in lines[:-1]] == expected_messages()
    assert checked(lines[-1], "UnreadableLine")["code"] == "UNREADABLE"  # not sent
    assert lines[0]["mms_id"] == "9910000000115681"
    log_lines = log.splitlines()
    assert len(log_lines) == 10
    assert PASSWORD not in log


def test_two_zones_each_on_its_own_port(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "requests.jsonl"
    arguments = [*PROFILE_ARGS, "--port", "0", "--zone", str(EXAMPLES / "zone"), "--port", "0",
                 "--log", str(log), "--json"]
    with ServeProcess(arguments, zones=2) as server:
        first = send(capsys, server.ports[0], "--index", "0")
        second = send(capsys, server.ports[1], "--index", "0")
        code, stderr = server.stop()
    assert code == 0
    assert server.ports[0] != server.ports[1]
    # The same export to each zone: each adds it, under its own zone's next MMS ID.
    assert first[1] == second[1] == (
        "#1 The record has been processed successfully. MMS ID: 9910000000115681\n")
    assert [json.loads(line)["outcome"] for line in log.read_text().splitlines()] == [
        "ADDED", "ADDED"]
    assert stderr == ""


def test_send_reports_a_closed_port_as_connexion_does(
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, sent = send(capsys, port, "--index", "0", "--retries", "2", "--json")
    assert code == 1
    line = json.loads(sent)
    assert line["host_message"] == (
        "The local system has closed the connection, retries exceeded.")
    assert (line["code"], line["attempts"]) == ("CONNECTION_CLOSED", 3)


def _request_file(tmp_path: Path) -> Path:
    path = tmp_path / "request.bin"
    path.write_bytes(encode_request(export_records()[0], logon_id=LOGON, password=PASSWORD))
    return path


def test_bash_dev_tcp_client_gets_the_reply(tmp_path: Path, server: ServeProcess) -> None:
    request = _request_file(tmp_path)
    script = (f"exec 3<>/dev/tcp/127.0.0.1/{server.port} && cat {request} >&3 "
              "&& timeout 20 cat <&3")
    reply = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60,
                           check=True).stdout
    assert reply == b"The record has been processed successfully. MMS ID: 9910000000115681\x00"


@pytest.mark.skipif(shutil.which("nc") is None,
                    reason="netcat (nc) is not installed; the bash /dev/tcp test covers a "
                    "non-Python client")
def test_netcat_client_gets_the_reply(tmp_path: Path, server: ServeProcess) -> None:
    request = _request_file(tmp_path)
    with request.open("rb") as stdin:
        reply = subprocess.run(["nc", "-w", "10", "127.0.0.1", str(server.port)], stdin=stdin,
                               capture_output=True, timeout=60, check=False).stdout
    assert reply == b"The record has been processed successfully. MMS ID: 9910000000115681\x00"


@pytest.mark.parametrize(("arguments", "message"), [
    (["--zone", "a", "--zone", "b"], "several zones need one --port each"),
    (["--zone", "a", "--zone", "b", "--port", "1", "--port", "2", "--port", "3"],
     "several zones need one --port each"),
    (["--zone", "a", "--profile", "p", "--profile", "q", "--profile", "r"],
     "3 values for 1 zones"),
    (["--zone", str(EXAMPLES / "zone"), "--idle-timeout", "0"], "must be positive"),
])
def test_bad_options_are_one_line(arguments: list[str], message: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", *arguments]) == 3
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("serve", "send"):
        assert main([command, "--help"]) == 0
        shown = capsys.readouterr().out
        assert "examples:" in shown
        assert f"almamatch {command} " in shown
