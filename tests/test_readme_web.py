"""The README's section for web projects: its serve command starts the server, and each of its
curl commands, run as written against it, answers what the section says."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from json_shape import checked, decision_lines

ROOT = Path(__file__).resolve().parents[1]
SECTION = ROOT.joinpath("README.md").read_text(encoding="utf-8").split(
    "## For web projects")[1].split("\n## ")[0]
BLOCKS = re.findall(r"```sh\n(.*?)```", SECTION, re.S)
SERVE = next(line for block in BLOCKS for line in block.splitlines()
             if line.startswith("almamatch serve"))
CURLS = [line for block in BLOCKS for line in block.splitlines() if line.startswith("curl ")]
PROGRAM = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    argv = shlex.split(SERVE.replace("--http 8080", "--http 0"))
    with subprocess.Popen([sys.executable, "-c", PROGRAM, *argv[1:]], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        assert server.stderr is not None
        try:
            line = server.stdout.readline()
            assert line.endswith("/ (HTTP API and page)\n"), line
            yield line.split("/ ")[0]
        finally:
            server.terminate()
            assert server.wait(60) == 0  # SIGTERM: a graceful stop
            assert "Traceback" not in server.stderr.read()


def run_curl(command: str, base_url: str) -> str:
    if shutil.which("curl") is None:
        pytest.skip("needs curl (.ci/run installs it as root with apt)")
    argv = shlex.split(command.replace("http://127.0.0.1:8080", base_url))
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=60)
    return done.stdout


def test_the_readme_has_the_curl_examples() -> None:
    assert [re.findall(r"8080(/\w+)", line)[0] for line in CURLS] == [
        "/health", "/decisions", "/decisions", "/bibs", "/batches", "/openapi"]


@pytest.mark.slow  # starts the server in a subprocess: about ten seconds on a loaded machine
def test_each_curl_example_answers_what_the_readme_says(base_url: str) -> None:
    health, dry, applied, stored, batch, openapi = (run_curl(one, base_url) for one in CURLS)
    assert json.loads(health)["status"] == "ok"
    dry_run = json.loads(dry)
    assert (dry_run.pop("applied"), dry_run["code"]) == (False, "MERGED")
    checked(dry_run, "DecidedLine")
    kept = json.loads(applied)
    assert (kept["applied"], kept["code"], kept["mms_id"]) == (True, "MERGED", "9910000000045681")
    bib = json.loads(stored)
    assert bib["record"] == kept["record"]  # GET /bibs answers the merged record just kept
    lines = decision_lines(batch)
    assert lines[-1]["summary"]["read"] == 11
    assert set(json.loads(openapi)["paths"]) >= {"/decisions", "/batches", "/bibs/{mms_id}"}
