"""A batch decided in groups gives, byte for byte, the lines of the one-process batch.

The batches are generated dense in shared numbers: a small pool of OCLC numbers, a zone whose bibs
carry some of them as active and cancelled numbers (one number on two bibs, for multi-matches),
and exports that repeat numbers, carry 019s that name other bibs' numbers, and come in every
Leader/17 and 005, so that adds, merges into what an earlier export added, multi-matches and the
guards' refusals all occur and chain across records. The grouped run decides each task against a
zone opened afresh, in reverse order, so that nothing one task changes can reach another; the
process pool and Dask runs go through the command itself.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import almamatch.cli.batch
import almamatch.parallel.batch
from almamatch.cli.inputs import profile_from_path, zone_for, zone_store_for
from almamatch.cli.main import build_parser, main
from almamatch.core.record import Bib, ControlField, DataField, Field
from almamatch.marc import bib_to_marc
from almamatch.parallel.batch import (
    BatchSetting,
    Decided,
    adopt_zone,
    bibs_of_saved,
    decide_task,
    plan_batch,
    write_in_order,
)
from almamatch.parallel.groups import first_records
from almamatch.store.packed import PackedRecords

PROFILE = str(Path(__file__).resolve().parents[2] / "examples" / "profiles" / "carli.toml")
NOW = "2026-03-05T10:30"
NUMBERS = st.integers(1, 12)


def zone_bib(mms_id: str, active: int, cancelled: int | None, level: str) -> Bib:
    subfields = [("a", f"(OCoLC){active}")]
    if cancelled is not None:
        subfields.append(("z", f"(OCoLC){cancelled}"))
    return Bib(leader=f"00000nam a2200000{level}i 4500", fields=(ControlField("001", mms_id),
                       ControlField("008", "240501s2024    ilu           000 0 eng d"),
                       DataField.of("035", "  ", *subfields),
                       DataField.of("245", "10", ("a", f"Zone title {mms_id}")),
                       DataField.of("949", "  ", ("a", "local"), ("9", "LOCAL"))))


def export(active: int, cancelled: int | None, level: str, year: int, title: int) -> Bib:
    fields: list[Field] = [
        ControlField("001", f"ocm{active:08d}"),
        ControlField("003", "OCoLC"),
        ControlField("005", f"{year}0101120000.0"),
        ControlField("008", "240501s2024    ilu           000 0 eng d"),
    ]
    if cancelled is not None:
        fields.append(DataField.of("019", "  ", ("a", str(cancelled))))
    fields.append(DataField.of("035", "  ", ("a", f"(OCoLC){active}")))
    fields.append(DataField.of("245", "10", ("a", f"Title {title}")))
    return Bib(leader=f"00000nam a2200000{level}i 4500", fields=fields)


LEVELS = st.sampled_from([" ", " ", "I", "K", "3"])
ZONE_BIBS = st.lists(st.tuples(NUMBERS, st.none() | NUMBERS, LEVELS), min_size=1, max_size=8)
EXPORTS = st.lists(st.tuples(NUMBERS | st.integers(100, 103), st.none() | NUMBERS, LEVELS,
                             st.integers(2010, 2026), st.integers(0, 3)),
                   min_size=1, max_size=25)


def write_batch(folder: Path, zone: list[tuple[int, int | None, str]],
                exports: list[tuple[int, int | None, str, int, int]]) -> tuple[Path, Path]:
    dump = folder / "zone.mrc"
    dump.write_bytes(b"".join(
        bib_to_marc(zone_bib(f"99{1000 + row}5681", active, cancelled, level))
        for row, (active, cancelled, level) in enumerate(zone)))
    path = folder / "exports.mrc"
    path.write_bytes(b"".join(bib_to_marc(export(*one)) for one in exports))
    return dump, path


def one_process(dump: Path, path: Path) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["batch", str(path), "--zone", str(dump), "--profile", PROFILE,
                     "--now", NOW, "--json", "--workers", "1"]) == 0
    return out.getvalue()


def grouped_apart(dump: Path, path: Path, *, chunk: int = 1) -> str:
    """Group, then decide each task against a zone opened afresh, last task first."""
    args = build_parser().parse_args(["batch", str(path), "--zone", str(dump), "--profile",
                                      PROFILE, "--now", NOW, "--json"])
    now = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    profile = profile_from_path(PROFILE)
    opened = zone_store_for(args, profile)
    _, store = zone_for(args, profile, opened)
    plan = plan_batch(path, bibs_of_saved(opened.saved), chunk=chunk)
    setting = BatchSetting.of(args, now)
    decided: list[Decided] = []
    for position in reversed(range(len(plan.members))):
        adopt_zone(setting, *zone_for(args, profile))
        decided.insert(0, decide_task(setting, plan.task(position)))
    assert all(one.outside is None for one in decided)
    out = io.StringIO()
    written, _ = write_in_order(plan, decided, store.sequence, sink=out,
                                encoding=setting.encoding, counts=Counter())
    assert written == plan.count
    return out.getvalue()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(zone=ZONE_BIBS, exports=EXPORTS)
def test_grouped_batch_is_the_one_process_batch(
        tmp_path: Path, zone: list[tuple[int, int | None, str]],
        exports: list[tuple[int, int | None, str, int, int]]) -> None:
    dump, path = write_batch(tmp_path, zone, exports)
    expected = one_process(dump, path)
    assert grouped_apart(dump, path) == expected
    assert len(expected.splitlines()) == len(exports)


def test_the_batches_chain_across_records(tmp_path: Path) -> None:
    # The generator's point: a later export merges into what an earlier one added, and a record
    # whose 019 names a zone bib's number multi-matches. A grouped run must keep both.
    dump, path = write_batch(tmp_path, [(1, 2, " "), (3, None, " ")],
                             [(50, None, " ", 2025, 0), (50, None, " ", 2026, 1),
                              (1, 3, " ", 2026, 2), (3, 50, " ", 2026, 3)])
    codes = [json.loads(line)["code"] for line in one_process(dump, path).splitlines()]
    assert codes == ["ADDED", "MERGED", "MULTI_MATCH", "MULTI_MATCH"]
    assert grouped_apart(dump, path) == one_process(dump, path)


def test_a_task_keeps_its_records_packed(tmp_path: Path) -> None:
    # A worker keeps finished tasks' overlays (``_KEEP_BIBS``): their records are packed, as
    # the one-process batch's overlay's are, and a merge into what the task added reads one back.
    dump, path = write_batch(tmp_path, [(1, None, " ")],
                             [(50, None, " ", 2025, 0), (50, None, " ", 2026, 1)])
    args = build_parser().parse_args(["batch", str(path), "--zone", str(dump), "--profile",
                                      PROFILE, "--now", NOW, "--json"])
    profile = profile_from_path(PROFILE)
    plan = plan_batch(path, bibs_of_saved(zone_store_for(args, profile).saved))
    setting = BatchSetting.of(args, datetime(2026, 3, 5, 10, 30, tzinfo=UTC))
    adopt_zone(setting, *zone_for(args, profile))
    assert decide_task(setting, plan.task(0)).codes == ("ADDED", "MERGED")
    overlay = almamatch.parallel.batch._Worker.opened[setting.run].finished[-1]
    held = overlay._records
    assert isinstance(held, PackedRecords)
    assert len(held) == 1
    assert held.packed_size() > 0


def forbid_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the one-process path fail, so that a run that passes ran in groups."""
    def one_by_one(*arguments: object, **options: object) -> None:
        raise AssertionError("decided in one process, not in groups")

    monkeypatch.setattr(almamatch.cli.batch, "decided_in_order", one_by_one)


@pytest.mark.parametrize(("links", "groups"), [
    ([], []),
    ([{1}, {2}, {1}], [[0, 2], [1]]),
    ([{1}, {2}, {3}, {2, 3}], [[0], [1, 2, 3]]),
    ([set(), set()], [[0], [1]]),  # no number: a record of its own
    ([{"bib 9"}, {7}, {7, "bib 9"}, {8}], [[0, 1, 2], [3]]),  # a chain through a bib
])
def test_groups_are_connected_records_in_input_order(
        links: list[set[object]], groups: list[list[int]]) -> None:
    keys: dict[object, int] = {}
    pairs = [(record, keys.setdefault(link, len(keys)))
             for record, shared in enumerate(links) for link in shared]
    records = np.array([record for record, _ in pairs], dtype=np.int64)
    found = first_records(len(links), [(records, np.array([key for _, key in pairs]))])
    named: dict[int, list[int]] = {}
    for record, first in enumerate(found.tolist()):
        named.setdefault(first, []).append(record)
    assert list(named.values()) == groups


def test_workers_on_processes_give_the_one_process_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(almamatch.cli.batch, "MIN_GROUPED_RECORDS", 0)
    exports = [(n % 9 + 1, (n * 7) % 11 + 1 if n % 3 else None, " IK"[n % 3], 2010 + n % 17,
                n % 4) for n in range(60)]
    dump, path = write_batch(tmp_path, [(n, n + 5, " ") for n in range(1, 6)], exports)
    expected = one_process(dump, path)
    forbid_one_process(monkeypatch)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["batch", str(path), "--zone", str(dump), "--profile", PROFILE,
                     "--now", NOW, "--json", "--workers", "2"]) == 0
    assert out.getvalue() == expected


@pytest.mark.slow
def test_dask_local_cluster_gives_the_one_process_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    bags = pytest.importorskip("dask.bag")
    from almamatch.parallel.dask import decide_bag

    exports = [(n % 9 + 1, (n * 7) % 11 + 1 if n % 3 else None, " IK"[n % 3], 2010 + n % 17,
                n % 4) for n in range(60)]
    dump, path = write_batch(tmp_path, [(n, n + 5, " ") for n in range(1, 6)], exports)
    expected = one_process(dump, path)
    forbid_one_process(monkeypatch)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["batch", str(path), "--zone", str(dump), "--profile", PROFILE,
                         "--now", NOW, "--json", "--dask", cluster.scheduler_address]) == 0
        assert out.getvalue() == expected
        records = [bib_to_marc(export(*one)) for one in exports]
        lines = decide_bag(bags.from_sequence(records, npartitions=3), zone=str(dump),
                           now=datetime(2026, 3, 5, 10, 30, tzinfo=UTC), profile=PROFILE,
                           client=client)
        assert "".join(line + "\n" for line in lines) == expected


@pytest.mark.parametrize("carried", [False, True], ids=["read_from_file", "bytes_in_task"])
def test_unreadable_records_keep_their_place_in_a_grouped_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, carried: bool) -> None:
    """Position and reason as one process gives them, also when each task carries its records'
    bytes, as on Dask (``Plan.task(with_content=True)``): offsets are the file's."""
    monkeypatch.setattr(almamatch.cli.batch, "MIN_GROUPED_RECORDS", 0)
    monkeypatch.setattr(almamatch.parallel.batch, "_CHUNK_AT_LEAST", 3)
    if carried:
        planned = almamatch.parallel.batch.Plan.task

        def with_bytes(plan: Any, position: int, *, with_content: bool = False) -> Any:
            return planned(plan, position, with_content=True)

        monkeypatch.setattr(almamatch.parallel.batch.Plan, "task", with_bytes)
    exports: list[tuple[int, int | None, str, int, int]] = [
        (n % 5 + 1, None, " ", 2020 + n % 5, n % 4) for n in range(12)]
    dump, path = write_batch(tmp_path, [(1, 2, " "), (3, None, " ")], exports)
    content = bytearray(path.read_bytes())
    content[content.index(b"\x1d") - 1] = ord("x")  # the first record loses its terminator
    second = content.index(b"\x1d", content.index(b"\x1d") + 1)
    content[second + 1 + 5 : second + 1 + 7] = b"ZZ"  # the third record's leader is damaged
    ends = [at for at, byte in enumerate(content) if byte == 0x1D]
    content[ends[7] - 1] = ord("x")  # so does the eighth record, in a task of its own group
    path.write_bytes(bytes(content))
    expected = one_process(dump, path)
    unreadable = [json.loads(line) for line in expected.splitlines() if '"UNREADABLE"' in line]
    assert [(one["index"], one["offset"]) for one in unreadable] == [(0, 0), (7, ends[6] + 1)]
    forbid_one_process(monkeypatch)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["batch", str(path), "--zone", str(dump), "--profile", PROFILE,
                     "--now", NOW, "--json", "--workers", "2"]) == 0
    assert out.getvalue() == expected
