"""The grouped batch's planning and its guards: the numbers read from the bytes, the streaming
writer, and the way back to one process when a record reaches outside its group.

The byte-for-byte property over generated batches is in ``tests/property/test_grouped_batch.py``;
here the grouping's reading of numbers is checked against what ``decide()`` prepares on the real
corpus, and the guards are made to fire by planning with some numbers hidden.
"""

from __future__ import annotations

import io
import mmap
import os
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_grouped_batch import (
    PROFILE,
    export,
    forbid_one_process,
    one_process,
    write_batch,
)

import almamatch.cli.batch
import almamatch.parallel.batch
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import prepare
from almamatch.marc import bib_to_marc
from almamatch.marc.scan import frame_records
from almamatch.parallel.groups import first_records, link_numbers
from corpus_files import CORPUS

NOW = "2026-03-05T10:30"
#: Placeholder MMS IDs as a worker makes them (tasks 0 and 7), and one no task made.
PLACEHOLDERS = ("991000000000000000000005681", "991000000000070000000015681",
                "991000000000000000000025681")
CORPUS_FILES = ("solrmarc_uva_001_2000.mrc", "folio_CornellFOLIOExemplars_Bibs.mrc",
                "traject_test_data.utf8.mrc", "marc4j_pride-and-prejudice-fixed.mrc")


def links_of(content: bytes) -> tuple[list[bytes], dict[int, set[int]]]:
    records = [record for record in frame_records((content,)) if isinstance(record, tuple)]
    starts = np.array([offset for _, _, offset in records], dtype=np.int64)
    ends = starts + np.array([len(record) for record, _, _ in records], dtype=np.int64)
    found: dict[int, set[int]] = {}
    positions, values = link_numbers(np.frombuffer(content, dtype=np.uint8), starts, ends)
    for position, value in zip(positions.tolist(), values.tolist(), strict=True):
        found.setdefault(position, set()).add(value)
    return [record for record, _, _ in records], found


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_number_decide_prepares_is_a_link_value(name: str) -> None:
    from almamatch.marc.iso2709 import RecordFault, decode_record

    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} not present")
    steps = IntegrationProfile.carli("secret").normalization_steps
    records, links = links_of(path.read_bytes())
    checked = 0
    for position, record in enumerate(records):
        try:
            bib = decode_record(record)
        except RecordFault:
            continue
        prepared = prepare(bib, steps)
        wanted = {number.value for number in
                  prepared.active + prepared.cancelled + prepared.cancelled_019}
        assert wanted <= links.get(position, set()), (name, position)
        checked += len(wanted)
    assert checked > 0


def test_links_are_digits_of_the_fields_numbers_come_from() -> None:
    bib = Bib(leader="00000nam a2200000 i 4500", fields=(
        ControlField("001", "ocm00000042"), ControlField("003", "OCoLC"),
        ControlField("005", "20240101120000.0"),
        DataField.of("019", "  ", ("a", "77"), ("b", "88")),
        DataField.of("020", "  ", ("a", "9780000000001")),
        DataField.of("035", "  ", ("a", "(OCoLC)ocn000000123"), ("z", "(OCoLC)5"),
                     ("9", "6")),
        DataField.of("035", "  ", ("a", "(OCoLC)0000000000000000000000009")),  # 31 digits
        DataField.of("035", "  ", ("a", "(OCoLC)99999999999999999999")),  # too large
        DataField.of("245", "10", ("a", "Title 1999")),
    ))
    _, links = links_of(bib_to_marc(bib))
    assert links == {0: {42, 77, 123, 5, 9}}


def test_groups_join_records_through_values_and_bibs() -> None:
    records = np.array([0, 1, 2, 3, 4], dtype=np.int64)
    values = np.array([10, 20, 10, 30, 40], dtype=np.uint64)
    bib_records = np.array([3, 4], dtype=np.int64)  # records 3 and 4 match one bib
    bibs = np.array([7, 7], dtype=np.uint64)
    first = first_records(6, [(records, values), (bib_records, bibs)])
    assert first.tolist() == [0, 1, 0, 3, 3, 5]


def big_batch(folder: Path, records: int = 60) -> tuple[Path, Path]:
    exports = [(n % 9 + 1, (n * 7) % 11 + 1 if n % 3 else None, " IK"[n % 3], 2010 + n % 17,
                n % 4) for n in range(records)]
    return write_batch(folder, [(n, n + 5, " ") for n in range(1, 6)], exports)


def grouped(dump: Path, path: Path, *extra: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main_batch(dump, path, "--workers", "2", *extra) == 0
    return out.getvalue()


def main_batch(dump: Path, path: Path, *extra: str) -> int:
    from almamatch.cli.main import main

    return main(["batch", str(path), "--zone", str(dump), "--profile", PROFILE, "--now", NOW,
                 *extra])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(almamatch.cli.batch, "MIN_GROUPED_RECORDS", 0)
    monkeypatch.setattr(almamatch.parallel.batch, "_CHUNK_AT_LEAST", 5)


def hide_numbers(monkeypatch: pytest.MonkeyPatch, *, from_record: int) -> None:
    """Plan as if the records from ``from_record`` on carried no numbers."""
    real = link_numbers

    def hidden(*arguments: Any) -> tuple[Any, Any]:
        positions, values = real(*arguments)
        kept = positions < from_record
        return positions[kept], values[kept]

    monkeypatch.setattr(almamatch.parallel.batch, "link_numbers", hidden)


def record_one_process_turns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lines already written each time a grouped run sends the rest to one process."""
    taken: list[int] = []
    real = almamatch.cli.batch._one_process_from

    def recorded(written: int, *arguments: Any, **options: Any) -> None:
        taken.append(written)
        real(written, *arguments, **options)

    monkeypatch.setattr(almamatch.cli.batch, "_one_process_from", recorded)
    return taken


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("from_record", [0, 30])
def test_a_record_outside_its_group_sends_the_rest_to_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_record: int) -> None:
    dump, path = big_batch(tmp_path)
    expected = one_process(dump, path)
    hide_numbers(monkeypatch, from_record=from_record)
    taken = record_one_process_turns(monkeypatch)
    assert grouped(dump, path, "--json") == expected
    assert len(taken) == 1
    assert taken[0] <= from_record
    if from_record:
        assert taken[0] > 0  # the lines before were written by the workers


@pytest.mark.usefixtures("small_chunks")
def test_the_summary_counts_every_record_once(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    dump, path = big_batch(tmp_path)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main_batch(dump, path, "--json", "--summary", "--workers", "1") == 0
    expected = out.getvalue()
    forbid_one_process(monkeypatch)
    assert grouped(dump, path, "--json", "--summary") == expected
    assert '"read":60' in expected.splitlines()[-1]


@pytest.mark.usefixtures("small_chunks")
def test_an_output_file_gets_the_one_process_lines(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    dump, path = big_batch(tmp_path)
    assert main_batch(dump, path, "--json", "--output", str(tmp_path / "one.jsonl"),
                      "--workers", "1") == 0
    forbid_one_process(monkeypatch)
    assert main_batch(dump, path, "--json", "--output", str(tmp_path / "two.jsonl"),
                      "--workers", "2") == 0
    one = (tmp_path / "one.jsonl").read_bytes().splitlines()
    two = (tmp_path / "two.jsonl").read_bytes().splitlines()
    assert one[1:] == two[1:]  # the first line names the run
    assert len(one) == 61


@pytest.mark.usefixtures("small_chunks")
def test_a_placeholder_shaped_number_in_the_input_goes_to_one_process(
        tmp_path: Path) -> None:
    dump, path = big_batch(tmp_path, 20)
    shaped = 99_100_000_000_000_000_000_000_123  # 27 digits, as the placeholders are
    path.write_bytes(path.read_bytes() + bib_to_marc(export(77, None, " ", 2020, shaped)))
    assert grouped(dump, path, "--json") == one_process(dump, path)


@pytest.mark.usefixtures("small_chunks")
def test_a_bib_the_grouping_did_not_find_sends_the_rest_to_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the zone's journal had given bibs numbers the saved index does not know: the plan
    # finds no bib, so records that meet only through a bib are planned apart.
    dump, path = big_batch(tmp_path)
    expected = one_process(dump, path)

    def no_bibs(saved: object) -> Any:
        return lambda values: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))

    monkeypatch.setattr(almamatch.cli.batch, "bibs_of_saved", no_bibs)
    taken = record_one_process_turns(monkeypatch)
    assert grouped(dump, path, "--json") == expected
    assert len(taken) == 1


@pytest.mark.usefixtures("small_chunks")
def test_a_number_new_to_the_zone_read_outside_its_group_goes_to_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The last export matches the zone bib by 1 and, by its 019, the bib the first export added
    # by 50: a multiple match. Planned without its 50, it finds the zone bib alone (a bib of its
    # group, so only the check of the number itself can catch it) and would be refused by the
    # brief guard instead.
    exports = [(50, None, " ", 2020, 0), *[(60 + n, None, " ", 2020, 1) for n in range(20)],
               (1, 50, "3", 2026, 2)]
    dump, path = write_batch(tmp_path, [(1, None, " ")], exports)
    expected = one_process(dump, path)
    assert expected.splitlines()[-1].count('"code":"MULTI_MATCH"') == 1
    real = link_numbers

    def hidden(*arguments: Any) -> tuple[Any, Any]:
        positions, values = real(*arguments)
        kept = (positions < 15) | (values != 50)
        return positions[kept], values[kept]

    monkeypatch.setattr(almamatch.parallel.batch, "link_numbers", hidden)
    assert grouped(dump, path, "--json") == expected


#: Lines as a worker writes them: JSON text, digits, placeholders and their pieces side by side.
LINE_PIECES = st.sampled_from([*PLACEHOLDERS, "9", "99", "991000000", "0", '"001","value":"',
                               "x", "\n", "99123456789"])


@given(st.lists(LINE_PIECES, max_size=12), st.sets(st.sampled_from(PLACEHOLDERS[:2])))
def test_placeholders_are_found_where_the_pattern_finds_them(
        pieces: list[str], added: set[str]) -> None:
    # The finder tries the pattern only where a placeholder can start; scanned at every byte,
    # the pattern (27 digits, none either side) must find the same ones.
    line = "".join(pieces).encode("ascii")
    everywhere = [(hit.start(), hit.group()) for hit in
                  re.finditer(rb"(?<![0-9])99[0-9]{25}(?![0-9])", line)
                  if hit.group().decode("ascii") in added]
    assert list(almamatch.parallel.batch._placeholders_named(line, added)) == everywhere


def test_a_placeholder_inside_a_longer_number_is_not_named() -> None:
    named = PLACEHOLDERS[0]
    line = f'"{named}","1{named}","{named}0",{named}'.encode("ascii")
    found = list(almamatch.parallel.batch._placeholders_named(line, {named}))
    assert found == [(1, named.encode()), (len(line) - len(named), named.encode())]


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("slot_bytes", [1, 12_000], ids=["one_page", "three_pages"])
def test_lines_too_large_for_their_slot_come_back_in_the_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slot_bytes: int) -> None:
    # Slots of a page (no task's lines fit) or three (some do, some do not): either way the
    # file holds the one-process lines, each task's read from its slot or from its result.
    dump, path = big_batch(tmp_path)
    assert main_batch(dump, path, "--json", "--output", str(tmp_path / "one.jsonl"),
                      "--workers", "1") == 0
    monkeypatch.setattr(almamatch.parallel.batch, "_SLOT_AT_MOST", slot_bytes)
    forbid_one_process(monkeypatch)
    assert main_batch(dump, path, "--json", "--output", str(tmp_path / "two.jsonl"),
                      "--workers", "2") == 0
    one = (tmp_path / "one.jsonl").read_bytes().splitlines()
    assert (tmp_path / "two.jsonl").read_bytes().splitlines()[1:] == one[1:]


def test_a_slot_gives_back_the_lines_put_in_it() -> None:
    slots = almamatch.parallel.batch.LineSlots(3, 100)
    assert slots.size == mmap.PAGESIZE  # whole pages
    assert [slots.slot_of(task) for task in range(5)] == [0, 1, 2, 0, 1]
    lines = [b'{"a":1}\n', b'{"b":22}\n']
    assert slots.put(1, lines, 17)
    assert not slots.put(2, [b"x" * (slots.size + 1)], slots.size + 1)
    result = almamatch.parallel.batch.Decided(
        number=4, indices=np.array([7, 9]), ends=np.array([8, 17]), lines=b"",
        codes=("ADDED", "MERGED"), slot=1)
    given_back = slots.lines_of(result)
    assert bytes(given_back.lines) == b'{"a":1}\n{"b":22}\n'
    assert given_back.slot is None
    del given_back
    slots.close()


def test_the_default_workers_are_the_cores_this_process_may_run_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A process held to one core of 64 (taskset, a container's cpuset) starts no second worker.
    from almamatch.cli.main import build_parser

    argv = ["batch", "exports.mrc", "--zone", "zone"]
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert build_parser().parse_args(argv).workers == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # where the system has none
    assert build_parser().parse_args(argv).workers == 64


@given(st.lists(st.binary(max_size=9), max_size=40), st.integers(1, 7), st.integers(1, 4))
def test_pieces_are_written_whole_and_in_order_however_little_each_write_takes(
        pieces: list[bytes], most_bytes: int, most_buffers: int) -> None:
    # A write may take fewer bytes than asked (a pipe, a signal): here at most ``most_bytes``
    # of at most ``most_buffers`` buffers a call; what reaches the file is still every piece.
    taken: list[bytes] = []

    def little(descriptor: int, buffers: list[bytes | memoryview]) -> int:
        assert descriptor == 7
        data = b"".join(bytes(one) for one in buffers[:most_buffers])[:most_bytes]
        taken.append(data)
        return len(data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "writev", little, raising=False)
        viewed: list[bytes | memoryview] = [memoryview(one) for one in pieces[20:]]
        almamatch.parallel.batch.write_pieces(7, [*pieces[:20], *viewed])
    assert b"".join(taken) == b"".join(pieces)


@pytest.mark.usefixtures("small_chunks")
def test_without_shared_slots_the_lines_come_back_in_the_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A system that will not map the slots (ENOMEM): the batch runs, each task's lines sent back.
    dump, path = big_batch(tmp_path)
    expected = one_process(dump, path)

    def refused(*arguments: Any) -> mmap.mmap:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(almamatch.parallel.batch.LineSlots, "__init__", refused)
    forbid_one_process(monkeypatch)
    assert grouped(dump, path, "--json") == expected
