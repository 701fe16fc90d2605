"""Hostile input, by class: nothing lost, nothing destroyed, nothing escapes.

Each class of failure an adversarial test found is a family of cases here, built from real corpus
records (``test_corruption``'s helpers) so that the number of records in each file is known
independently of the readers: for every file, read = decided + unreadable equals that count,
every record outside the damage loads equal to the original, and nothing raises. Classes: one
record stopping the run (``int()``'s 4,300-digit limit, XML encoding declarations), records lost
without a report (MARC-in-JSON files joined, ISO 2709 lengths that swallow the next record,
digits before a record, nested MARCXML), cost (linear time, bounded memory per record), time
(locks at the end of year 9999, offsets of 24 hours and more) and configuration (TOML, facts
CSV, output encodings). Destroying a file and resuming another run are in ``test_resume``.
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dateutil.tz import tzoffset

from almamatch.cli.main import main
from almamatch.codec import InvalidDecisionJson, decision_from_json
from almamatch.core.brief import BriefLevel
from almamatch.core.decide import decide
from almamatch.core.decision import Code, NotAddedLocked
from almamatch.core.errors import InvalidNormalization
from almamatch.core.lock import Lock
from almamatch.core.normalization import RemoveFields
from almamatch.core.oclc import OclcNumber
from almamatch.core.record import Bib, ControlField, DataField, Subfield
from almamatch.marc import Unreadable, bib_to_marc, bib_to_marc_json, read_bibs
from almamatch.marc.scan import RecordKeys, scan_bytes
from almamatch.zonefiles.facts import facts_to_csv, read_facts
from json_shape import decision_lines
from test_corruption import ZONE, _inner, _xml, account, bibs_of, iso_records
from test_decide import connexion, export, make_zone, one_bib_zone

NOW = "2026-03-05T10:30"
PADDED = "(OCoLC)" + "0" * 4_300 + "12345"  # a legal 035 $a of 4,312 bytes


def _with_number(bib: Bib, text: str) -> Bib:
    return bib.with_fields([*bib.fields, DataField("035", " ", " ", (Subfield("a", text),))])


def _batch(path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> list[dict[str, Any]]:
    code = main(["batch", str(path), "--zone", ZONE, "--now", NOW, "--json", "--summary", *more])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code == 0, captured.err
    return decision_lines(captured.out)


def _read(content: bytes) -> tuple[list[Bib], list[Unreadable]]:
    items = list(read_bibs(io.BytesIO(content)))
    for index, item in enumerate(items):
        assert isinstance(item, Bib | Unreadable)
        if isinstance(item, Unreadable):
            assert item.index == index
    return ([one for one in items if isinstance(one, Bib)],
            [one for one in items if isinstance(one, Unreadable)])


# -- class 2: one record stops the run ---------------------------------------------------------


def test_numbers_padded_past_int_digit_limit_parse() -> None:
    assert OclcNumber.parse(PADDED).value == 12345
    assert OclcNumber.parse("ocm" + "0" * 5_000 + "7").value == 7
    assert BriefLevel.parse("0" * 5_000 + "5") == BriefLevel(5)
    with pytest.raises(ValueError, match="too many digits"):
        OclcNumber.parse("1" * 5_000)  # an AlmamatchError, whose message stays one short line
    with pytest.raises(ValueError, match="more characters"):
        OclcNumber.parse("x" * 5_000)


def test_a_padded_number_is_decided_and_the_run_goes_on(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two, three = bibs_of(iso_records(corpus, count=3))
    padded = _with_number(two, PADDED)
    path = tmp_path / "exports.mrc"
    path.write_bytes(b"".join(bib_to_marc(bib) for bib in (one, padded, three)))
    bibs, unreadable, codes = account(path)
    assert [bib.fields for bib in bibs] == [bib.fields for bib in (one, padded, three)]
    assert (unreadable, len(codes)) == ([], 3)
    keys = [item for item in scan_bytes(path.read_bytes()) if isinstance(item, RecordKeys)]
    assert OclcNumber.of(12345) in keys[1].oclc_numbers.active
    lines = _batch(path, capsys)
    assert [line["code"] != "UNREADABLE" for line in lines[:-1]] == [True] * 3
    assert lines[-1]["summary"]["read"] == 3


def test_huge_json_numbers_make_one_record_unreadable(corpus: Path) -> None:
    one, two = bibs_of(iso_records(corpus, count=2))
    huge = '{"leader": ' + "9" * 5_000 + ', "fields": []}'
    content = "\n".join([bib_to_marc_json(one), huge, bib_to_marc_json(two)]).encode()
    bibs, unreadable = _read(content)
    assert bibs == [one, two]
    assert [item.reason for item in unreadable] == ["invalid_record"]
    assert len(unreadable[0].detail) < 400  # never an echo of the 5,000 digits


@pytest.mark.parametrize("text", [
    '{"code": "ADDED", "mms_id": ' + "1" * 5_000 + "}",
    "[" * 100_000,
    '{"code": "NOT_ADDED_BRIEF", "mms_id": "1", "existing_level": 1e400}',
    '{"code": "ADDED", "mms_id": "1", "record": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}",
])
def test_decision_json_that_is_no_decision_is_refused_typed(text: str) -> None:
    with pytest.raises(InvalidDecisionJson):
        decision_from_json(text)


@pytest.mark.parametrize("encoding", ["Shift_JIS", "Big5", "EUC-KR", "UTF-7", "x-no-such"])
def test_marcxml_in_an_encoding_expat_lacks_is_one_typed_unreadable(
    encoding: str, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    content = _xml(_inner(one)).replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode())
    bibs, unreadable = _read(content)
    assert (bibs, [item.reason for item in unreadable]) == ([], ["xml_encoding"])
    path = tmp_path / "exports.xml"
    path.write_bytes(content)
    lines = _batch(path, capsys)
    assert [line["code"] for line in lines[:-1]] == ["UNREADABLE"]


# -- class 3: records lost without a report (independent counts) ---------------------------------


def test_marc_in_json_files_joined_end_to_end_read_whole(corpus: Path) -> None:
    bibs = bibs_of(iso_records(corpus, count=5))
    first = "[" + ",\n".join(bib_to_marc_json(bib) for bib in bibs[:2]) + "]\n"
    second = "[\n" + ",\n".join(bib_to_marc_json(bib) for bib in bibs[2:4]) + "\n]"
    loose = bib_to_marc_json(bibs[4])
    read, unreadable = _read((first + second + loose + first).encode())
    assert (read, unreadable) == ([*bibs, *bibs[:2]], [])


def test_a_damaged_record_inside_a_list_loses_only_itself(corpus: Path) -> None:
    bibs = bibs_of(iso_records(corpus, count=3))
    lines = [bib_to_marc_json(bib) for bib in bibs]
    lines[1] = lines[1][: len(lines[1]) // 2]  # cut in the middle
    read, unreadable = _read(("[\n" + ",\n".join(lines) + "\n]").encode())
    assert read == [bibs[0], bibs[2]]
    assert [item.reason for item in unreadable] == ["json_error"]


def test_an_overstated_length_never_swallows_the_next_record(corpus: Path) -> None:
    records = iso_records(corpus, count=4)
    bibs = bibs_of(records)
    swallowing = b"%05d" % (len(records[1]) + len(records[2])) + records[1][5:]
    read, unreadable = _read(records[0] + swallowing + records[2] + records[3])
    assert read == [bibs[0], bibs[2], bibs[3]]  # 4 records: 3 decided + 1 unreadable
    assert [(item.index, item.reason) for item in unreadable] == [(1, "bad_record_length")]


@pytest.mark.parametrize("damaged_before", [False, True])
def test_digits_before_a_record_never_frame_a_record_that_swallows_it(
    damaged_before: bool, corpus: Path
) -> None:
    records = iso_records(corpus, count=2)
    bibs = bibs_of(records)
    run = 3_000
    # Digits whose first five spell the length from there to the record's terminator.
    digits = b"%05d" % (run + len(records[1])) + (b"1234567890" * (run // 10))[: run - 5]
    assert len(digits) == run
    prefix = records[0][:100] if damaged_before else b""  # resynchronising, or not
    read, unreadable = _read(records[0] + prefix + digits + records[1])
    assert read == bibs
    # 3 records: the first, the bytes before the second (reported once), the second
    assert [item.reason for item in unreadable] == ["bad_record_length"]


def test_a_record_nested_in_a_record_is_reported_with_all_it_holds(corpus: Path) -> None:
    one, two, three = bibs_of(iso_records(corpus, count=3))
    inner = _inner(two)
    nested = _inner(one).replace("</record>", inner + "</record>")
    read, unreadable = _read(_xml(nested, _inner(three)))
    assert read == [three]
    assert [item.reason for item in unreadable] == ["nested_record"]


def test_an_element_inside_a_control_field_makes_its_record_unreadable(corpus: Path) -> None:
    one, two = bibs_of(iso_records(corpus, count=2))
    control = one.fields[0]
    assert isinstance(control, ControlField)
    text = f'<controlfield tag="{control.tag}">{control.value}</controlfield>'
    damaged = _inner(one).replace(text, text.replace(">", "><b>x</b>", 1), 1)
    assert damaged != _inner(one)
    read, unreadable = _read(_xml(damaged, _inner(two)))
    assert read == [two]
    assert [item.reason for item in unreadable] == ["nested_record"]


# -- class 7: cost linear in the input, memory bounded per record --------------------------------


def _cost(content: bytes) -> tuple[float, int, list[Bib | Unreadable]]:
    tracemalloc.start()
    start = time.perf_counter()
    items = list(read_bibs(io.BytesIO(content)))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, items


@pytest.mark.parametrize("what", ["comment", "attribute"])
def test_one_long_xml_token_stops_reading_in_bounded_memory(what: str, corpus: Path) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    size = 24 << 20
    token = (f"<!--{'c' * size}-->" if what == "comment"
             else f'<note text="{"a" * size}"/>')
    _, peak, items = _cost(_xml(_inner(one), token, _inner(one)))
    assert items[0] == one
    assert isinstance(items[1], Unreadable)
    assert items[1].reason == "xml_error"
    assert "passes" in items[1].detail
    assert peak < 3 * (8 << 20) + (4 << 20)  # twice the token cap and a chunk, not 24 MB


def test_a_long_comment_below_the_cap_costs_linear_time(corpus: Path) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    small = _xml(_inner(one), f"<!--{'c' * (1 << 20)}-->", _inner(one))
    large = _xml(_inner(one), f"<!--{'c' * (6 << 20)}-->", _inner(one))
    small_time = min(_cost(small)[0] for _ in range(3))
    large_time, _, items = _cost(large)
    assert items == [one, one]
    assert large_time < 6 * small_time * 3 + 0.5  # linear (quadratic would be 36 times)


def test_a_large_marc_in_json_record_costs_linear_time(corpus: Path) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    note = [DataField("500", " ", " ", (Subfield("a", "n" * 90),))]

    def document(fields: int) -> bytes:
        return bib_to_marc_json(one.with_fields([*one.fields, *note * fields])).encode()

    small_time = min(_cost(document(1_000))[0] for _ in range(3))
    large_time, _, items = _cost(document(9_000))
    assert isinstance(items[0], Bib)
    assert large_time < 9 * small_time * 3 + 0.5


def test_skipping_digits_costs_what_skipping_letters_costs(corpus: Path) -> None:
    (record,) = iso_records(corpus, count=1)
    size = 4 << 20
    digits = _cost(record + b"x" + b"7" * size + b"\x1d" + record)
    letters = _cost(record + b"x" + b"q" * size + b"\x1d" + record)
    for _, _, items in (digits, letters):
        assert [type(item) for item in items] == [Bib, Unreadable, Bib]
    assert digits[0] < 5 * letters[0] + 0.5


# -- class 4: decide() total in time -------------------------------------------------------------


@pytest.mark.parametrize(("last", "now", "code"), [
    (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
     Code.NOT_ADDED_LOCKED),
    (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC),
     Code.NOT_ADDED_LOCKED),  # a lock last active in the future still holds
    (datetime(2026, 3, 5, 12, 0, tzinfo=tzoffset(None, 25 * 3600)),
     datetime(2026, 3, 4, 11, 30, tzinfo=UTC), Code.NOT_ADDED_LOCKED),  # 11:00 UTC the day before
    (datetime(2026, 3, 5, 12, 0, tzinfo=tzoffset(None, 25 * 3600)),
     datetime(2026, 3, 4, 12, 0, tzinfo=UTC), Code.MERGED),
    (datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
     datetime(2026, 3, 5, 12, 0, tzinfo=tzoffset(None, -30 * 3600)), Code.MERGED),
    (datetime(1, 1, 3, 0, 0, tzinfo=tzoffset(None, 25 * 3600)),
     datetime(1, 1, 1, 23, 30, tzinfo=UTC), Code.NOT_ADDED_LOCKED),  # 23:00 UTC in year 1
])
def test_decide_is_total_for_any_moment(last: datetime, now: datetime, code: Code) -> None:
    lock = Lock(institution="01CARLI_ABC", user="田中", last_activity=last)
    decision = decide(export(connexion()), make_zone(one_bib_zone(lock=lock)), now)
    assert decision.code is code
    if isinstance(decision, NotAddedLocked):
        assert decision.trace[7].detail.startswith("locked by 01CARLI_ABC (田中)")
    assert lock.lapses_at.isoformat() > lock.last_activity.isoformat()[:4]  # printable


# -- class 8: bad configuration ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    (b'name = "\xff\xfe"\n', "not_utf8"),
    (b"a = " + b"[" * 5_000 + b"1" + b"]" * 5_000 + b"\n", "bad_toml"),
    (b"a = " + b"{b = " * 5_000 + b"1" + b"}" * 5_000 + b"\n", "bad_toml"),
    (b"normalization = [{remove = [1, 2]}]\n", "bad_value"),
    (b"normalization = [{remove = 3}]\n", "bad_value"),
])
@pytest.mark.parametrize("command", ["batch", "check-gateway"])
def test_bad_configuration_is_one_line_and_exit_3(
    text: bytes, reason: str, command: str, tmp_path: Path, corpus: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(text)
    exports = tmp_path / "exports.mrc"
    exports.write_bytes(iso_records(corpus, count=1)[0])
    argv = (["batch", str(exports), "--zone", ZONE, "--profile", str(path)]
            if command == "batch" else ["check-gateway", str(path)])
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1
    if command == "batch" or reason != "bad_value":
        assert reason in err


def test_normalization_tags_are_checked_when_built() -> None:
    with pytest.raises(InvalidNormalization):
        RemoveFields((1, 2))  # type: ignore[arg-type]


def test_facts_with_a_byte_order_mark_and_formulas_round_trip(tmp_path: Path) -> None:
    source = (Path(ZONE) / "facts.csv").read_text(encoding="utf-8")
    formula = "=cmd|' /C calc'!A0"
    path = tmp_path / "facts.csv"
    path.write_text("\ufeff" + source.replace("jsmith", formula), encoding="utf-8")
    rows = read_facts(path)
    assert any(row.lock is not None and row.lock.user == formula for row in rows.values())
    written = facts_to_csv(rows.values())
    cells = [cell for line in written.splitlines() for cell in line.split(",")]
    assert not [cell for cell in cells if cell.lstrip('"')[:1] in tuple("=+-@")]  # none runs
    again = tmp_path / "again.csv"
    again.write_text(written, encoding="utf-8")
    assert read_facts(again) == rows


def test_text_no_console_can_encode_prints_escaped(tmp_path: Path) -> None:
    """A lock user 田中 on a cp1252 stdout, and a logon that was not UTF-8: no traceback."""
    import subprocess
    import sys

    facts = tmp_path / "facts.csv"
    facts.write_text((Path(ZONE) / "facts.csv").read_text(encoding="utf-8")
                     .replace("jsmith", "田中"), encoding="utf-8")
    exports = Path(ZONE).parent / "exports.mrc"
    program = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    for more in (["--facts", str(facts)], ["--logon", "\udcff\udcfe"]):
        run = subprocess.run(
            [sys.executable, "-c", program, "batch", str(exports), "--zone",
             str(Path(ZONE) / "bibs.mrc"), "--now", NOW, *more],
            capture_output=True, check=False, env={"PYTHONIOENCODING": "cp1252", "PATH": ""},
        )
        assert b"Traceback" not in run.stderr, run.stderr[-2000:]
        assert run.returncode == 0
    output = tmp_path / "out.jsonl"
    assert main(["batch", str(exports), "--zone", ZONE, "--now", NOW, "--logon", "\udcff",
                 "--output", str(output)]) == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert {line["code"] for line in lines[1:]} >= {"LOGON_FAILED"}


def test_unreadable_details_are_one_short_line(corpus: Path) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    garbage = "{" + '"x": "' + "y" * 2_000_000 + "\n"
    _, unreadable = _read((garbage + bib_to_marc_json(one)).encode())
    assert unreadable
    assert all(len(str(item)) < 500 for item in unreadable)


# -- fuzzing findings, each a test ----------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b'["leader": ")"}]nd02a\xe3',  # damage, then a UTF-8 character torn by the end of the file
    b'{"leader": "\xff\xfe"}\n{"a": 1}\xe3',
])
def test_marc_in_json_with_bytes_that_are_not_utf8_never_raises(content: bytes) -> None:
    items = list(read_bibs(io.BytesIO(content)))
    assert items
    assert all(isinstance(item, Bib | Unreadable) for item in items)
    assert [item.index for item in items if isinstance(item, Unreadable)] == [
        index for index, item in enumerate(items) if isinstance(item, Unreadable)
    ]


def test_marc_in_json_keeps_bytes_that_are_not_utf8_as_iso2709_does(corpus: Path) -> None:
    (one,) = bibs_of(iso_records(corpus, count=1))
    text = bib_to_marc_json(one).encode()
    title = text.index(b'"a": "', text.index(b'"245"')) + len(b'"a": "')
    damaged = text[:title] + b"\xe9" + text[title:]  # a Latin-1 byte in a UTF-8 record
    read, unreadable = _read(damaged + b"\n" + text)
    assert unreadable == []
    assert read[1] == one
    assert any("\udce9" in sub.value for field in read[0].fields
               if isinstance(field, DataField) for sub in field.subfields)


def test_a_moment_past_24_hours_of_offset_runs_and_resumes(tmp_path: Path) -> None:
    """A batch at a moment the parser gives an offset of 25 hours records it as the same instant
    in UTC, so a resume without --now judges locks at that moment and ends as a whole run."""
    exports = str(Path(ZONE).parent / "exports.mrc")
    argv = ["batch", exports, "--zone", ZONE, "--now", "2026-03-05 10:30 +2500", "--summary"]
    whole, part = tmp_path / "whole.jsonl", tmp_path / "part.jsonl"
    assert main([*argv, "--output", str(whole)]) == 0
    assert main([*argv, "--output", str(part), "--stop-after", "4"]) == 130
    assert main(["batch", exports, "--zone", ZONE, "--resume", str(part)]) == 0
    assert part.read_bytes() == whole.read_bytes()
    assert json.loads(whole.read_text().splitlines()[0])["almamatch_run"]["now"] == (
        "2026-03-04T09:30:00+00:00")


def test_zone_dumps_with_numbers_past_int_digit_limit_load_or_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bibs = [item for item in read_bibs(Path(ZONE) / "bibs.mrc") if isinstance(item, Bib)]
    huge_001 = bibs[0].with_fields([ControlField("001", "9" * 5_000) if field.tag == "001"
                                    else field for field in bibs[0].fields])
    padded = _with_number(bibs[1], "(OCoLC)" + "0" * 4_300 + "1604275")
    exports = str(Path(ZONE).parent / "exports.mrc")
    for name, records, code in (("huge", [huge_001, *bibs[1:]], 3),
                                ("padded", [bibs[0], padded, *bibs[2:]], 0)):
        dump = tmp_path / f"{name}.mrc"
        dump.write_bytes(b"".join(bib_to_marc(bib) for bib in records))
        assert main(["batch", exports, "--zone", str(dump), "--now", NOW, "--summary"]) == code
        assert main(["zone", "build", str(dump), "-o", str(tmp_path / name)]) == code
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert ("bad_mms_id" in err) == (code == 3)
        assert all(len(line) < 600 for line in err.splitlines())
