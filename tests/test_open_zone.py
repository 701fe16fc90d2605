"""One documented call gives a ready zone from a saved-zone folder and a profile file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import almamatch
from almamatch import Code, decide, open_zone
from almamatch.cli.main import main
from almamatch.marc import read_bibs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("zone") / "saved"
    assert main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), "-o", str(target)]) == 0
    return target


def test_a_saved_zone_and_a_profile_decide_as_the_batch_does(saved: Path) -> None:
    zone = open_zone(saved, EXAMPLES / "profiles" / "carli.toml")
    assert (zone.institution, zone.logon_id) == ("01CARLI_XYZ", "01CARLI_XYZ")
    codes = []
    for item in read_bibs(EXAMPLES / "exports.mrc"):
        if isinstance(item, almamatch.Bib):
            decision = decide(zone.export(item), zone, NOW)
            zone.bibs.apply(decision)  # type: ignore[attr-defined]
            codes.append(decision.code)
    assert codes[:4] == [Code.ADDED, Code.ADDED, Code.MERGED, Code.MERGED]
    assert Code.NOT_ADDED_LOCKED in codes


def test_the_export_carries_the_zones_logon_and_the_profiles_password(saved: Path) -> None:
    zone = open_zone(saved, EXAMPLES / "profiles" / "carli.toml")
    record = next(item for item in read_bibs(EXAMPLES / "exports.mrc")
                  if isinstance(item, almamatch.Bib))
    export = zone.export(record)
    assert (export.logon_id, export.host, export.password) == (
        "01CARLI_XYZ", "i-share-xyz.alma.exlibrisgroup.com", "xyz-iz-password")
    assert zone.export(record, password="wrong").password == "wrong"
    assert "xyz-iz-password" not in repr(export)


def test_open_zone_is_documented() -> None:
    assert "open_zone" in almamatch.__all__
    assert open_zone.__doc__ is not None
    assert "zone.export(record)" in open_zone.__doc__
