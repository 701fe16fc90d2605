"""``almamatch serve --http``: its options refused as usage errors, a port in use as one line."""

from __future__ import annotations

import socket

import pytest

from almamatch.cli.main import main
from http_server import EXAMPLES

ZONE = ["serve", "--zone", str(EXAMPLES / "zone")]


@pytest.mark.parametrize("argv", [
    [*ZONE, "--http", "99999"],
    [*ZONE, "--http", "eighty"],
    [*ZONE, "--port", "-1"],
])
def test_a_port_that_is_no_port_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(argv) == 2
    assert "is not a port number" in capsys.readouterr().err


def test_no_gateway_without_http_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ZONE, "--no-gateway"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--no-gateway needs --http PORT" in err


def test_an_http_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([*ZONE, "--http", str(port), "--no-gateway"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
