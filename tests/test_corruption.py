"""Damaged input: every record gets an answer, nothing is lost, nothing escapes.

Each case builds a damaged file in ``tmp_path`` from real corpus records. For each, reading reports
every unreadable record with its position and reason and goes on (the records after the damage
are counted and equal the originals); every readable record gets a decision from ``decide()``;
no exception escapes ``read_bibs``, ``scan_file``, ``decide`` or the CLI, which exits with a
documented code and prints no traceback.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from almamatch.cli.main import main
from almamatch.core.decide import decide
from almamatch.core.decision import Code
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import Bib, DataField, Subfield
from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
from almamatch.marc import (
    UNREADABLE_REASONS,
    Unreadable,
    bib_to_marc,
    bib_to_marc_json,
    bib_to_marcxml,
    read_bibs,
)
from almamatch.marc.scan import scan_file
from json_shape import decision_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ZONE = str(EXAMPLES / "zone")
NOW = "2026-03-05T10:30"
HOST = "i-share-xyz.alma.exlibrisgroup.com"
PASSWORD = "almamatch"


# -- building damaged files from corpus records ------------------------------------------------


def iso_records(corpus: Path, name: str = "traject_test_data.utf8.mrc", count: int = 6) -> list[
    bytes
]:
    """The first ``count`` records of a corpus file, as framed by their Leader/00-04."""
    raw = (corpus / name).read_bytes()
    records: list[bytes] = []
    position = 0
    while position < len(raw) and len(records) < count:
        length = int(raw[position : position + 5])
        records.append(raw[position : position + length])
        position += length
    return records


def bibs_of(records: list[bytes]) -> list[Bib]:
    found = [item for item in read_bibs(io.BytesIO(b"".join(records))) if isinstance(item, Bib)]
    assert len(found) == len(records)
    return found


def patched(record: bytes, at: int, replacement: bytes) -> bytes:
    return record[:at] + replacement + record[at + len(replacement) :]


def first_data_field(record: bytes) -> tuple[int, int]:
    """(start, length) of the first data field, from the directory."""
    base = int(record[12:17])
    for entry in range(24, base - 1, 12):
        tag = record[entry : entry + 3]
        if tag >= b"010":
            return base + int(record[entry + 7 : entry + 12]), int(record[entry + 3 : entry + 7])
    raise AssertionError("no data field")


@attrs.frozen
class Case:
    """A damaged file, the reasons its unreadable records must give, and the intact records."""

    content: bytes
    reasons: tuple[str, ...]  # of the Unreadable items, in order
    intact: tuple[Bib, ...] = ()  # records that must load, in order, equal to these
    decisions: tuple[str, ...] = ()  # codes some of the loaded records must get (a subset)


def _iso_cases(corpus: Path) -> dict[str, Case]:
    records = iso_records(corpus)
    bibs = bibs_of(records)
    one, two, three, four, five, six = records
    start, length = first_data_field(two)
    entry = 24 + 12  # the directory's second entry
    cases = {
        "truncated at the end": Case(
            b"".join(records[:5]) + six[: len(six) // 2], ("bad_record_length",), tuple(bibs[:5])
        ),
        "truncated in the middle": Case(
            one + two[:300] + three + four, ("bad_record_length",), (bibs[0], bibs[2], bibs[3])
        ),
        "record length too long": Case(
            one + patched(two, 0, b"%05d" % (len(two) + 10)) + three,
            ("bad_record_length",), (bibs[0], bibs[2]),
        ),
        "record length too short": Case(
            one + patched(two, 0, b"%05d" % (len(two) - 10)) + three + four,
            ("bad_record_length",), (bibs[0], bibs[2], bibs[3]),
        ),
        "non-numeric record length": Case(
            one + patched(two, 2, b"x") + three, ("bad_record_length",), (bibs[0], bibs[2])
        ),
        "non-numeric base address": Case(
            one + patched(two, 13, b"?") + three, ("bad_leader",), (bibs[0], bibs[2])
        ),
        "non-numeric directory entry": Case(
            one + patched(two, entry + 4, b"a") + three, ("bad_directory",), (bibs[0], bibs[2])
        ),
        "directory entry outside the record": Case(
            one + patched(two, entry + 7, b"99999") + three,
            ("bad_directory",), (bibs[0], bibs[2]),
        ),
        "directory without its terminator": Case(
            one + patched(two, int(two[12:17]) - 1, b"X") + three,
            ("bad_directory",), (bibs[0], bibs[2]),
        ),
        "missing field terminator": Case(
            one + patched(two, start + length - 1, b" ") + three,
            ("missing_field_terminator",), (bibs[0], bibs[2]),
        ),
        "missing record terminator": Case(
            one + two[:-1] + b" " + three + four, ("bad_record_length",),
            (bibs[0], bibs[2], bibs[3]),
        ),
        "missing record terminator at the end": Case(
            one + two[:-1], ("bad_record_length",), (bibs[0],)
        ),
        "garbage between records": Case(
            one + b"\x00garbage\x1e\x1f" + two, ("bad_record_length",), (bibs[0], bibs[1])
        ),
        "every record damaged but one": Case(
            b"".join(patched(one, 2, b"x") for _ in range(3)) + two,
            ("bad_record_length",) * 3, (bibs[1],),
        ),
    }
    # "Record length: five characters": a 100,000-character field cannot be framed.
    field = b"100  \x1fa" + b"x" * 100_000 + b"\x1e"
    directory = b"100" + b"9999" + b"00000" + b"\x1e"
    huge = b"99999nam a2200037   4500" + directory + field + b"\x1d"
    cases["100,000-character field"] = Case(huge + three, ("bad_record_length",), (bibs[2],))
    # Latin-1 and MARC-8 bytes in records whose Leader/09 claims UTF-8: read, then refused.
    latin = bibs[3].with_fields([*bibs[3].fields, DataField("500", " ", " ", (
        Subfield("a", "caf\udce9 na\udcefve"),))])
    marc8 = bibs[4].with_fields([*bibs[4].fields, DataField("500", " ", " ", (
        Subfield("a", "Dvor\udce2ak \udce2e"),))])  # MARC-8 0xE2 is the combining acute
    latin_raw, marc8_raw = bib_to_marc(latin), bib_to_marc(marc8)
    assert b"caf\xe9 na\xefve" in latin_raw
    assert b"Dvor\xe2ak" in marc8_raw
    cases["Latin-1 bytes claiming UTF-8"] = Case(
        latin_raw + five, (), (*bibs_of([latin_raw]), bibs[4]), ("MARCXML_CONVERSION_FAILED",)
    )
    cases["MARC-8 bytes claiming UTF-8"] = Case(
        marc8_raw, (), tuple(bibs_of([marc8_raw])), ("MARCXML_CONVERSION_FAILED",)
    )
    # 5,000 fields: about as many as 99,999 bytes can frame (18 bytes each with the entry).
    many = bibs[0].with_fields([*bibs[0].fields, *(DataField("590", " ", " ", (
        Subfield("a", str(n % 10)),)) for n in range(5_000))])
    many_raw = bib_to_marc(many)
    cases["5,000 fields"] = Case(many_raw + one, (), (*bibs_of([many_raw]), bibs[0]))
    return cases


def _xml(*records: str, head: str = "") -> bytes:
    body = "".join(records)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}'
            f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>').encode()


def _inner(bib: Bib) -> str:
    document = bib_to_marcxml(bib)
    return document[document.index("<record") : document.rindex("</record>") + len("</record>")]


def _text_cases(corpus: Path) -> dict[str, Case]:
    one, two, three = bibs_of(iso_records(corpus, count=3))
    long_leader = _inner(one).replace(one.leader, one.leader + "x")
    long_note = DataField("500", " ", " ", (Subfield("a", "y" * 100_000),))
    huge = two.with_fields([*two.fields, long_note])
    many = [DataField("590", " ", " ", (Subfield("a", "z"),))] * (10_000 - len(three.fields))
    fields_10k = three.with_fields([*three.fields, *many])
    fields_over = three.with_fields([*fields_10k.fields, many[0]])
    laughs = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(10)
    )
    json_lines = "\n".join(bib_to_marc_json(bib) for bib in (one, huge, fields_over, two))
    return {
        "MARCXML with a 25-character leader": Case(
            _xml(_inner(one), long_leader, _inner(two)), ("bad_leader",), (one, two)
        ),
        "MARCXML 100,000-character field": Case(
            _xml(_inner(huge), _inner(one)), (), (huge, one), ("MARCXML_CONVERSION_FAILED",)
        ),
        "MARCXML 10,000 fields": Case(_xml(_inner(fields_10k), _inner(one)), (), (fields_10k, one)),
        "MARCXML 10,001 fields": Case(
            _xml(_inner(fields_over), _inner(one)), ("record_too_large",), (one,)
        ),
        "MARCXML 2,000,000-character field": Case(
            _xml(_inner(two).replace("</record>", "<controlfield tag=\"009\">"
                                     + "w" * 2_000_000 + "</controlfield></record>"),
                 _inner(one)),
            ("record_too_large",), (one,),
        ),
        "billion laughs": Case(
            _xml("<record><leader>&l9;</leader></record>",
                 head=f"<!DOCTYPE collection [{laughs}]>"),
            ("xml_entities_refused",),
        ),
        "MARCXML cut in the middle": Case(
            _xml(_inner(one), _inner(two))[:-400], ("xml_error",), (one,)
        ),
        "MARC-in-JSON lines with damage": Case(
            (json_lines + "\n{\"leader\": [[[\n" + "[" * 50_000 + "\n").encode()
            + bib_to_marc_json(three).encode(),
            ("record_too_large", "json_error", "json_error"), (one, huge, two, three),
            ("MARCXML_CONVERSION_FAILED",),
        ),
    }


def _empty_and_random_cases(corpus: Path) -> dict[str, Case]:
    one, two = iso_records(corpus, count=2)
    bibs = bibs_of([one, two])
    cases = {
        "empty file": Case(b"", ()),
        "blank file": Case(b" \r\n\t" * 50_000, ()),
        "byte-order mark only": Case(b"\xef\xbb\xbf\n", ()),
        "empty MARCXML collection": Case(_xml(), ()),
        "empty MARC-in-JSON list": Case(b"[]", ()),
    }
    for seed in range(4):
        rng = random.Random(seed)
        noise = rng.randbytes(20_000).replace(b"\x1d", b"")
        # Bytes with no record terminator, then whole records: the damage is one unreadable.
        cases[f"random bytes, seed {seed}, then records"] = Case(
            b"0" + noise + b"\x1d" + one + two, ("bad_record_length",), tuple(bibs)
        )
    return cases


def all_cases(corpus: Path) -> dict[str, Case]:
    return {**_iso_cases(corpus), **_text_cases(corpus), **_empty_and_random_cases(corpus)}


CASE_NAMES = [
    "truncated at the end", "truncated in the middle", "record length too long",
    "record length too short", "non-numeric record length", "non-numeric base address",
    "non-numeric directory entry", "directory entry outside the record",
    "directory without its terminator", "missing field terminator", "missing record terminator",
    "missing record terminator at the end", "garbage between records",
    "every record damaged but one", "100,000-character field", "Latin-1 bytes claiming UTF-8",
    "MARC-8 bytes claiming UTF-8", "5,000 fields", "MARCXML with a 25-character leader",
    "MARCXML 100,000-character field", "MARCXML 10,000 fields", "MARCXML 10,001 fields",
    "MARCXML 2,000,000-character field", "billion laughs", "MARCXML cut in the middle",
    "MARC-in-JSON lines with damage", "empty file", "blank file", "byte-order mark only",
    "empty MARCXML collection", "empty MARC-in-JSON list",
    *(f"random bytes, seed {seed}, then records" for seed in range(4)),
]


@pytest.fixture(scope="module")
def cases(corpus: Path) -> dict[str, Case]:
    found = all_cases(corpus)
    assert sorted(found) == sorted(CASE_NAMES)
    return found


def _zone() -> Zone:
    return Zone(kind=ZoneKind.INSTITUTION, institution="01CARLI_XYZ", host=HOST,
                logon_id="01CARLI_XYZ", profiles=(IntegrationProfile.carli(PASSWORD),),
                bibs=InMemoryZone())


def account(path: Path) -> tuple[list[Bib], list[Unreadable], list[str]]:
    """Read ``path``; check every item; decide every bib in order, as a batch does."""
    zone = _zone()
    assert isinstance(zone.bibs, InMemoryZone)
    bibs: list[Bib] = []
    unreadable: list[Unreadable] = []
    codes: list[str] = []
    for index, item in enumerate(read_bibs(path)):
        if isinstance(item, Unreadable):
            assert (item.index, item.reason in UNREADABLE_REASONS) == (index, True), item
            assert 0 <= item.offset <= path.stat().st_size
            assert item.detail
            unreadable.append(item)
            continue
        bibs.append(item)
        decision = decide(Export(record=item, logon_id="01CARLI_XYZ", password=PASSWORD,
                                 host=HOST), zone, datetime(2026, 3, 5, tzinfo=UTC))
        zone.bibs.apply(decision)
        codes.append(decision.code.value)
    return bibs, unreadable, codes


@pytest.mark.parametrize("name", CASE_NAMES)
def test_damage_is_reported_and_reading_goes_on(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases[name]
    path = tmp_path / "exports"
    path.write_bytes(case.content)
    bibs, unreadable, codes = account(path)
    assert tuple(item.reason for item in unreadable) == case.reasons
    assert tuple(bibs) == case.intact  # every record outside the damage, in order
    assert len(codes) == len(bibs)  # every readable record got a decision
    assert set(case.decisions) <= set(codes)
    offsets = [item.offset for item in unreadable]
    assert offsets == sorted(offsets)


@pytest.mark.parametrize("name", [name for name in CASE_NAMES if "MARC" not in name[:8]])
def test_the_key_scanner_survives_the_same_damage(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    path = tmp_path / "exports.mrc"
    path.write_bytes(cases[name].content)
    items = list(scan_file(path))
    assert [item.index for item in items] == list(range(len(items)))


def test_external_entities_are_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT-7f3a", encoding="utf-8")
    opened: list[str] = []

    def watch(event: str, arguments: tuple[Any, ...]) -> None:
        if event == "open" and "secret" in str(arguments[0]):
            opened.append(str(arguments[0]))

    sys.addaudithook(watch)
    uri = secret.as_uri()
    documents = {
        "general": f'<!DOCTYPE collection [<!ENTITY x SYSTEM "{uri}">]>'
        "<collection><record><leader>&x;</leader></record></collection>",
        "parameter": f'<!DOCTYPE collection [<!ENTITY % x SYSTEM "{uri}"> %x;]><collection/>',
        "external subset": f'<!DOCTYPE collection SYSTEM "{uri}"><collection/>',
        "undeclared": "<collection><record><leader>&x;</leader></record></collection>",
    }
    for kind, document in documents.items():
        path = tmp_path / f"{kind}.xml"
        path.write_text(document, encoding="utf-8")
        items = list(read_bibs(path))
        assert len(items) == 1, kind
        assert isinstance(items[0], Unreadable), kind
        assert items[0].reason in ("xml_entities_refused", "xml_error")
        assert "SECRET" not in str(items[0])
    assert opened == []


# -- the CLI: in-process and once as a subprocess ----------------------------------------------


def _batch(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["batch", str(path), "--zone", ZONE, "--now", NOW, "--json", "--summary"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, decision_lines(captured.out)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_batch_answers_every_record(
    name: str, cases: dict[str, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases[name]
    path = tmp_path / "exports"
    path.write_bytes(case.content)
    code, lines = _batch(path, capsys)
    assert code == 0
    *records, summary = lines
    assert [line["index"] for line in records] == list(range(len(records)))
    unreadable = [line for line in records if line["code"] == "UNREADABLE"]
    assert [line["reason"] for line in unreadable] == list(case.reasons)
    assert summary["summary"] == {
        "read": len(records),
        "decided": len(case.intact),
        "unreadable": len(case.reasons),
        "codes": summary["summary"]["codes"],
    }
    assert sum(summary["summary"]["codes"].values()) == len(records)
    if records:
        decided = main(["decide", str(path), "--zone", ZONE, "--now", NOW, "--json"])
        assert decided == 0
        (line,) = decision_lines(capsys.readouterr().out)
        assert line["code"] == records[0]["code"]


@pytest.mark.parametrize(("content", "command"), [
    (b"not marc at all", "batch"),
    (b"not marc at all", "decide"),
    (b"", "decide"),  # no record 0
])
def test_a_file_that_is_no_marc_is_exit_3(
    content: bytes, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "exports"
    path.write_bytes(content)
    assert main([command, str(path), "--zone", ZONE, "--now", NOW]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_the_command_in_a_subprocess(cases: dict[str, Case], tmp_path: Path) -> None:
    path = tmp_path / "damaged.mrc"
    path.write_bytes(b"".join(cases[name].content for name in CASE_NAMES[:14]))
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run
    program = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", program, "batch", str(path), "--zone", ZONE, "--now", NOW]
    relaxed = run([*argv, "--json", "--summary"], capture_output=True, text=True, check=False)
    strict = run([*argv, "--summary", "--strict"], capture_output=True, text=True, check=False)
    assert (relaxed.returncode, strict.returncode) == (0, 1)
    assert "Traceback" not in relaxed.stderr + strict.stderr
    summary = decision_lines(relaxed.stdout)[-1]["summary"]
    assert summary["read"] == summary["decided"] + summary["unreadable"]
    assert summary["unreadable"] >= 14
    assert "unreadable" in strict.stdout
    assert Code.ADDED.value in summary["codes"]
