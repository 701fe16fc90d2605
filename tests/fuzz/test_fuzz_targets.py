"""The atheris targets, each run for a bounded time in a subprocess (marker ``fuzz``).

Deselected by default (``-m "not fuzz"`` in pyproject); run with ``pytest -m fuzz tests/fuzz``.
Each run starts from seeds cut from real corpus records, so the fuzzer begins inside the formats;
a finding makes libFuzzer exit non-zero and leave the input as ``crash-*`` in ``tmp_path``,
which becomes a regression test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from almamatch.core.record import Bib
from almamatch.marc import bib_to_marc_json, bib_to_marcxml, read_bibs

HERE = Path(__file__).resolve().parent
SECONDS = 20


def _seeds(corpus: Path, folder: Path, target: str) -> Path:
    folder.mkdir()
    examples = HERE.parents[1] / "examples"
    if target == "config":  # first byte: 0 profile TOML, 1 gateway TOML, 2 facts CSV and a moment
        for number, path in enumerate(sorted((examples / "profiles").glob("*.toml"))):
            (folder / f"profile{number}").write_bytes(b"\0" + path.read_bytes())
        (folder / "gateway").write_bytes(b"\1" + (examples / "gateway" / "good.toml").read_bytes())
        (folder / "facts").write_bytes(b"\2" + b"\x80" * 16
                                       + (examples / "zone" / "facts.csv").read_bytes())
        return folder
    if target == "codec":
        for number, text in enumerate(['{"code": "ADDED"}', "[[[1]]]", '{"x": 1e400}',
                                       '{"code": "LOGON_FAILED", "logon_id": "x"}']):
            (folder / str(number)).write_text(text, encoding="utf-8")
        return folder
    if target == "oclc":
        for number, text in enumerate(["(OCoLC)ocm00012345", "ocn123456789", "on1234567890",
                                       "12345", " (ocolc) 7 "]):
            (folder / str(number)).write_text(text, encoding="utf-8")
        return folder
    raw = (corpus / "traject_test_data.utf8.mrc").read_bytes()
    position = 0
    for number in range(8):
        length = int(raw[position : position + 5])
        (folder / f"{number}.mrc").write_bytes(raw[position : position + length])
        position += length
    if target == "reader":
        bibs = [item for item in read_bibs(corpus / "traject_test_data.utf8.mrc")
                if isinstance(item, Bib)][:2]
        for number, bib in enumerate(bibs):
            (folder / f"{number}.xml").write_text(bib_to_marcxml(bib), encoding="utf-8")
            (folder / f"{number}.json").write_text(bib_to_marc_json(bib), encoding="utf-8")
    return folder


@pytest.mark.fuzz
@pytest.mark.parametrize("target", ["reader", "scan", "oclc", "codec", "config"])
def test_fuzz_target_finds_nothing(target: str, corpus: Path, tmp_path: Path) -> None:
    seeds = _seeds(corpus, tmp_path / "seeds", target)
    longest = 16384 if target in ("oclc", "codec") else 4096  # past int()'s 4,300 digits
    run = subprocess.run(
        [sys.executable, str(HERE / f"fuzz_{target}.py"), f"-max_total_time={SECONDS}",
         f"-max_len={longest}", f"-artifact_prefix={tmp_path}/", str(seeds)],
        capture_output=True, text=True, check=False, timeout=SECONDS + 120,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Done" in run.stderr
    assert not list(tmp_path.glob("crash-*"))
