"""A saved zone that lies is refused: each of its files damaged in turn gives one line naming the
file and exit 3, never a traceback and never a silent wrong answer; a kill -9 during commits leaves
every committed decision and nothing half-written."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from almamatch.cli.main import main
from almamatch.index.synthetic import synthesize_zone
from almamatch.store import ZoneStore
from almamatch.zonefiles.zones import InvalidZoneFile, load_zone

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPORTS = str(EXAMPLES / "exports.mrc")


@pytest.fixture
def zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "zone"
    assert main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), "-o", str(target)]) == 0
    assert main(["batch", EXPORTS, "--zone", str(target), "--commit", "--summary"]) == 0
    capsys.readouterr()
    return target


def _batch(zone: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["batch", EXPORTS, "--zone", str(zone), "--json", "--now", "2026-03-05T10:30"])
    return code, capsys.readouterr().err


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x5A
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


FILES = ["bibs.mrc", "bibs.offsets.npy", "index/manifest.json", "index/locks.json",
         "index/key_values.npy", "index/key_rows.npy", "index/key_sides.npy",
         "index/key_forms.npy", "index/row_keys.npy", "index/mms_ids.npy",
         "index/brief_levels.npy", "index/versions.npy", "index/cz_linked.npy",
         "index/key_buckets.npy", "index/row_starts.npy"]


@pytest.mark.parametrize("damage", [_flip, _truncate])
@pytest.mark.parametrize("name", FILES)
def test_each_damaged_file_is_named_in_one_line(
        zone: Path, name: str, damage: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(damage)
    damage(zone / name)
    code, err = _batch(zone, capsys)
    assert code == 3
    assert err.count("\n") == 1
    assert name.split("/")[-1] in err
    assert "Traceback" not in err


def test_every_file_is_covered(zone: Path) -> None:
    listed = json.loads((zone / "zone.json").read_text(encoding="utf-8"))["files"]
    assert sorted(listed) == sorted(FILES)


@pytest.mark.parametrize(("change", "needle"), [
    (lambda text: text.replace('"version": 2', '"version": 99'), "use a newer almamatch"),
    (lambda text: text.replace('"digest": "crc32"', '"digest": "md5"'), "zone.json"),
    (lambda text: text.replace('"version": 2', '"version": 1'), "zone.json"),
    (lambda text: text[: len(text) // 2], "zone.json"),
    (lambda text: "[]", "not an almamatch-zone manifest"),
])
def test_a_damaged_or_newer_manifest_is_named(
        zone: Path, change: object, needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(change)
    path = zone / "zone.json"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, err = _batch(zone, capsys)
    assert code == 3
    assert needle in err
    assert err.count("\n") == 1


def _as_version_1(zone: Path) -> None:
    """Rewrite ``zone``'s manifest as an almamatch of zone format 1 wrote it: no algorithm named,
    each file's BLAKE2b digest (the example zone's files are small enough to be digested whole)."""
    path = zone / "zone.json"
    entry = json.loads(path.read_text(encoding="utf-8"))
    del entry["digest"]
    entry["version"] = 1
    for name, one in entry["files"].items():
        assert one["bytes"] <= 16 << 16
        del one["crc32"]
        one["blake2b"] = hashlib.blake2b((zone / name).read_bytes()).hexdigest()
    path.write_text(json.dumps(entry, indent=1, sort_keys=True), encoding="utf-8")


def test_a_zone_saved_in_format_1_opens_and_is_checked_with_blake2b(
        zone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["batch", EXPORTS, "--zone", str(zone), "--json", "--now", "2026-03-05T10:30"]
    assert main(command) == 0
    expected = capsys.readouterr()
    _as_version_1(zone)
    assert main(command) == 0
    assert capsys.readouterr() == expected
    for name in FILES:
        _flip(zone / name)
        code, err = _batch(zone, capsys)
        assert code == 3
        assert name.split("/")[-1] in err
        assert "digest differs" in err
        _flip(zone / name)  # the same byte flipped back


def test_a_damaged_journal_is_named(zone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = zone / "journal.sqlite"
    data = bytearray(journal.read_bytes())
    data[:16] = b"not a database!!"
    journal.write_bytes(bytes(data))
    code, err = _batch(zone, capsys)
    assert code == 3
    assert "journal.sqlite" in err
    assert err.count("\n") == 1


def test_a_newer_journal_is_named(zone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(zone / "journal.sqlite") as db:
        db.execute("UPDATE meta SET value = '9' WHERE name = 'version'")
    code, err = _batch(zone, capsys)
    assert code == 3
    assert "use a newer almamatch" in err


# -- kill -9 during commits --------------------------------------------------------------------
BASE = 555_000_000_000
WRITER = """
import sys
BASE = int(sys.argv[2])
from almamatch.core.decision import Add
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.store import ZoneStore

with ZoneStore.open(sys.argv[1]) as store:
    for step in range(100_000):
        for one in range(3):  # three new bibs a commit: all of them or none
            mms_id = store.view().next_mms_id()
            record = Bib(leader="00000nam a2200000 i 4500", fields=(
                ControlField("001", mms_id),
                DataField.of("035", "  ", ("a", f"(OCoLC){BASE + step * 3 + one}")),
                DataField.of("245", "10", ("a", "x" * 2000)),
            ))
            store.apply(Add(mms_id=mms_id, record=record, trace=()))
        store.commit()
        print(step + 1, flush=True)
"""


def test_kill_9_during_commits_keeps_every_commit_whole(zone: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", WRITER, str(zone), str(BASE)],
                          stdout=subprocess.PIPE, text=True) as writer:
        assert writer.stdout is not None
        committed = 0
        for line in writer.stdout:
            committed = int(line)
            if committed >= 15:
                break
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    with ZoneStore.open(zone) as store:  # the writer's lock went with it
        view = store.view()
        added = [mms_id for mms_id in store.committed_bibs()
                 if (facts := view.facts(mms_id)) is not None
                 and facts.active and facts.active[0].value >= BASE]
        assert len(added) >= committed * 3
        assert len(added) % 3 == 0  # never part of a commit
        for mms_id in added:
            record = view.record(mms_id)
            assert record is not None
            assert record.control_value("001") == mms_id
        assert view.next_mms_id() not in added


@pytest.mark.parametrize(("name", "change"), [
    ("key_values.npy", lambda column: column[::-1].copy()),
    ("mms_ids.npy", lambda column: column[::-1].copy()),
    ("key_rows.npy", lambda column: column + 1000),
    ("brief_levels.npy", lambda column: column * 0 + 11),
    ("key_buckets.npy", lambda column: np.concatenate([column[:1] + 1, column[1:]])),
    # Each row's run moved by one key, the first and last entries kept.
    ("row_starts.npy", lambda column: np.concatenate([column[:1], column[1:-1] + 1,
                                                      column[-1:]])),
])
def test_an_index_without_manifest_is_checked_by_its_invariants(
        tmp_path: Path, name: str, change: Callable[[Any], Any]) -> None:
    synthesize_zone(200, seed=2).build().save(tmp_path / "zone" / "index")
    path = tmp_path / "zone" / "index" / name
    np.save(path, change(np.load(path)))
    with pytest.raises(InvalidZoneFile, match=name):
        load_zone(tmp_path / "zone", use_index=True)
