"""zone build and zone compact: streamed, atomic, refusing to overwrite, and what they write decides
as the dump it came from."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from almamatch.cli.main import main
from almamatch.core.brief import BriefLevelRules
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.index.zone import ZoneIndex
from almamatch.marc import Unreadable, bib_to_marc, read_bibs
from almamatch.marc.convert import bib_to_marcxml
from almamatch.store import ZoneStore
from almamatch.store.build import Assigned, FromTag, OutputNotEmpty, build_zone
from almamatch.zonefiles.profiles import load_profile
from almamatch.zonefiles.zones import InvalidZoneFile, load_zone

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPORTS = str(EXAMPLES / "exports.mrc")
CARLI = BriefLevelRules.preset("carli")
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _build(*argv: str) -> int:
    return main(["zone", "build", str(EXAMPLES / "zone" / "bibs.mrc"), "--facts",
                 str(EXAMPLES / "zone" / "facts.csv"), *argv])


def _lines(capsys: pytest.CaptureFixture[str], *argv: str) -> list[tuple[str, str | None]]:
    assert main(["batch", EXPORTS, "--profile", str(EXAMPLES / "profiles" / "carli.toml"),
                 "--now", "2026-03-05T10:30", "--json", *argv]) == 0
    lines = [json.loads(one) for one in capsys.readouterr().out.splitlines()]
    return [(one["code"], one.get("mms_id")) for one in lines if "code" in one]


def _columns(index: ZoneIndex) -> dict[str, list[int]]:
    return {name: np.asarray(getattr(index, name)).tolist() for name in (
        "mms_ids", "brief_levels", "versions", "cz_linked", "key_values", "key_rows",
        "key_sides", "key_forms")}


# -- what a build writes ------------------------------------------------------------------------
def test_a_marcxml_dump_builds_the_zone_its_iso2709_twin_builds(tmp_path: Path) -> None:
    bibs = [item for item in read_bibs(EXAMPLES / "zone" / "bibs.mrc") if isinstance(item, Bib)]
    xml = tmp_path / "bibs.xml"
    xml.write_text('<collection xmlns="http://www.loc.gov/MARC21/slim">'
                   + "".join(bib_to_marcxml(one) for one in bibs) + "</collection>",
                   encoding="utf-8")
    facts = EXAMPLES / "zone" / "facts.csv"
    from_iso = build_zone(EXAMPLES / "zone" / "bibs.mrc", tmp_path / "a", brief_rules=CARLI,
                          facts=facts)
    from_xml = build_zone(xml, tmp_path / "b", brief_rules=CARLI, facts=facts)
    assert from_iso.bibs == from_xml.bibs == len(bibs)
    assert _columns(ZoneIndex.load(tmp_path / "a" / "index")) == _columns(
        ZoneIndex.load(tmp_path / "b" / "index"))
    memory = load_zone(EXAMPLES / "zone", brief_rules=CARLI)
    with ZoneStore.open(tmp_path / "b", readonly=True) as store:
        view = store.view()
        for mms_id in memory:
            assert view.facts(mms_id) == memory.facts(mms_id)
            assert view.record(mms_id) == memory.record(mms_id)
        assert view.next_mms_id() == memory.next_mms_id()


def test_the_synthetic_dump_writer_writes_what_the_reader_reads(tmp_path: Path) -> None:
    dump = tmp_path / "zone.mrc"
    subprocess.run([sys.executable, str(BENCHMARKS / "make_zone_dump.py"), "--bibs", "300",
                    "--seed", "3", "-o", str(dump)], check=True)
    items = list(read_bibs(dump))
    assert len(items) == 300
    assert not [one for one in items if isinstance(one, Unreadable)]
    report = build_zone(dump, tmp_path / "zone", brief_rules=CARLI)
    assert report.bibs == 300
    first = items[0]
    assert isinstance(first, Bib)
    with ZoneStore.open(tmp_path / "zone", readonly=True) as store:
        mms_id = first.control_number
        assert mms_id is not None
        facts = store.view().facts(mms_id)
        assert facts is not None
        assert {n.value for n in facts.active} == {n.value for n in first.oclc_numbers.active}


# -- MMS IDs of other systems ------------------------------------------------------------------
def _other_system_dump(path: Path, count: int) -> None:
    with path.open("wb") as out:
        for serial in range(count):
            out.write(bib_to_marc(Bib(leader="00000nam a2200000 i 4500", fields=(
                ControlField("001", f"b{serial:07d}x"),
                DataField.of("035", "  ", ("a", f"(OCoLC){5000 + serial}")),
                DataField.of("245", "10", ("a", f"Title {serial}")),
                DataField.of("907", "  ", ("a", f"99{700 + serial}1234")),
            ))))


def test_a_dump_of_another_system_needs_its_mms_ids_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = tmp_path / "other.mrc"
    _other_system_dump(dump, 5)
    assert main(["zone", "build", str(dump), "-o", str(tmp_path / "a")]) == 3
    err = capsys.readouterr().err
    assert "is not an MMS ID" in err
    assert "--assign-mms-ids" in err
    assert not (tmp_path / "a").exists()
    assert main(["zone", "build", str(dump), "-o", str(tmp_path / "a"), "--mms-id-from",
                 "907$a", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next_mms_id"] == "997051234"
    with ZoneStore.open(tmp_path / "a", readonly=True) as store:
        record = store.view().record("997021234")
        assert record is not None
        assert record.control_value("001") == "997021234"  # as Alma saves it
    assert main(["zone", "build", str(dump), "-o", str(tmp_path / "b"), "--assign-mms-ids",
                 "--institution-suffix", "4321", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next_mms_id"] == "9964321"
    assert build_zone(dump, tmp_path / "c", brief_rules=CARLI,
                      mms_ids=Assigned()).next_mms_id == "9965681"
    with pytest.raises(InvalidZoneFile):
        FromTag.parse("9x")


# -- never half-written, never over a folder the user did not give up --------------------------
def test_a_non_empty_output_is_refused_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "zone"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    assert _build("-o", str(target)) == 3
    assert "not empty" in capsys.readouterr().err
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(OutputNotEmpty):
        build_zone(EXAMPLES / "zone" / "bibs.mrc", target, brief_rules=CARLI)
    assert _build("-o", str(target), "--force") == 0
    assert not (target / "notes.txt").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["zone"]


def test_a_failing_build_leaves_the_old_zone_whole(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "zone"
    assert _build("-o", str(target)) == 0
    before = {path.relative_to(target): path.read_bytes()
              for path in sorted(target.rglob("*")) if path.is_file()}
    broken = tmp_path / "broken.mrc"
    data = (EXAMPLES / "zone" / "bibs.mrc").read_bytes()
    broken.write_bytes(data + data)  # the same bibs again: a repeated MMS ID
    assert main(["zone", "build", str(broken), "-o", str(target), "--force"]) == 3
    assert "duplicate_mms_id" in capsys.readouterr().err
    after = {path.relative_to(target): path.read_bytes()
             for path in sorted(target.rglob("*")) if path.is_file()}
    assert after == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.mrc", "zone"]


# -- commit, reopen, compact -------------------------------------------------------------------
def test_a_committed_batch_is_the_zone_the_next_batch_sees_and_compaction_keeps_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "zone"
    assert _build("-o", str(target)) == 0
    capsys.readouterr()
    dry = _lines(capsys, "--zone", str(target))
    assert _lines(capsys, "--zone", str(target)) == dry  # a dry run keeps nothing
    assert _lines(capsys, "--zone", str(target), "--commit") == dry
    second = _lines(capsys, "--zone", str(target))
    assert second != dry
    assert all(code != "ADDED" for code, _ in second)  # every added bib is now in the zone
    assert main(["zone", "compact", str(target), "--json"]) == 0
    capsys.readouterr()
    assert not (target / "journal.sqlite").exists()
    assert _lines(capsys, "--zone", str(target)) == second


# -- the synthetic mix decides alike from the dump and from the saved zone -------------------------
def test_random_dumps_decide_alike_in_memory_and_saved(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(5)
    dump = tmp_path / "zone.mrc"
    with dump.open("wb") as out:
        for serial in range(60):
            number = rng.randrange(1, 40)
            out.write(bib_to_marc(Bib(leader=f"00000nam a2200000{rng.choice(' I7K')}i 4500",
                                      fields=(
                ControlField("001", f"99{serial + 1}5681"),
                ControlField("005", f"2020010{rng.randrange(1, 9)}000000.0"),
                DataField.of("035", "  ", ("a", f"(OCoLC)ocm{number:08d}")),
                DataField.of("245", "10", ("a", f"Title {serial}")),
            ))))
    assert main(["zone", "build", str(dump), "-o", str(tmp_path / "zone")]) == 0
    capsys.readouterr()
    assert _lines(capsys, "--zone", str(dump)) == _lines(capsys, "--zone", str(tmp_path / "zone"))


def test_an_interrupted_commit_run_commits_nothing_and_its_resume_commits_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    for target in (straight, resumed):
        assert _build("-o", str(target)) == 0
    capsys.readouterr()
    expected = _lines(capsys, "--zone", str(straight), "--commit")
    output = tmp_path / "run.jsonl"
    common = ["batch", EXPORTS, "--zone", str(resumed), "--now", "2026-03-05T10:30",
              "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--commit"]
    assert main([*common, "--output", str(output), "--stop-after", "5"]) == 130
    with ZoneStore.open(resumed, readonly=True) as store:
        assert store.committed_bibs() == []
    assert main([*common, "--resume", str(output)]) == 0
    capsys.readouterr()
    after_straight = _lines(capsys, "--zone", str(straight))
    assert _lines(capsys, "--zone", str(resumed)) == after_straight
    assert after_straight != expected


def test_brief_level_rules_on_the_whole_record_rate_the_built_zone_as_in_memory(
        tmp_path: Path) -> None:
    profile = load_profile(EXAMPLES / "profiles" / "csu-rules.toml").profile
    assert not isinstance(profile.levels, BriefLevelRules)
    build_zone(EXAMPLES / "zone" / "bibs.mrc", tmp_path / "zone", brief_rules=profile.levels,
               facts=EXAMPLES / "zone" / "facts.csv")
    memory = load_zone(EXAMPLES / "zone", brief_rules=profile.levels)
    with ZoneStore.open(tmp_path / "zone", readonly=True) as store:
        for mms_id in memory:
            assert store.view().facts(mms_id) == memory.facts(mms_id)
