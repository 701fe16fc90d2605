"""read_bibs on damaged and hand-built input: every record is a Bib or an Unreadable, in order.

The records are built here byte by byte (``iso2709`` below writes the directory) so that each
kind of damage is exactly one change to an otherwise valid record.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pymarc
import pytest

from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib, ControlField, DataField, Subfield
from almamatch.marc import (
    UNREADABLE_REASONS,
    MarcFormat,
    Unreadable,
    bib_from_pymarc,
    bib_to_marc,
    bib_to_marc_json,
    bib_to_marcxml,
    bib_to_pymarc,
    detect_format,
    read_bibs,
)

FT, RT, SD = b"\x1e", b"\x1d", b"\x1f"


def iso2709(fields: list[tuple[bytes, bytes]], *, coding: bytes = b"a") -> bytes:
    """One ISO 2709 record from (tag, field bytes without terminator); Leader/09 ``coding``."""
    directory = b""
    body = b""
    for tag, content in fields:
        directory += tag + b"%04d%05d" % (len(content) + 1, len(body))
        body += content + FT
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = b"%05dnam " % length + coding + b"22%05d   4500" % base
    return leader + directory + FT + body + RT


def record(title: bytes = b"Pride and prejudice", *, coding: bytes = b"a") -> bytes:
    return iso2709(
        [(b"001", b"ocm00012345"), (b"003", b"OCoLC"), (b"245", b"10" + SD + b"a" + title)],
        coding=coding,
    )


def read(raw: bytes) -> list[Bib | Unreadable]:
    return list(read_bibs(io.BytesIO(raw)))


def kinds(items: list[Bib | Unreadable]) -> list[str]:
    return [item.reason if isinstance(item, Unreadable) else "bib" for item in items]


def title_of(item: Bib | Unreadable) -> str:
    assert isinstance(item, Bib)
    return item.data_fields("245")[0].values("a")[0]


# -- format detection ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"00665nam a2200217 a 4500", MarcFormat.ISO2709),
        (b"\n\r\n00665nam", MarcFormat.ISO2709),
        (b"<?xml version='1.0'?>", MarcFormat.MARCXML),
        (b"\xef\xbb\xbf  \n<collection>", MarcFormat.MARCXML),
        (b'{"leader": "x"}', MarcFormat.MARC_JSON),
        (b"\xef\xbb\xbf[{", MarcFormat.MARC_JSON),
        (b"=LDR  00665nam", None),  # MARCMaker text is not a format read here
        (b"%PDF-1.4", None),
        (b"", None),
    ],
)
def test_detect_format(head: bytes, found: MarcFormat | None) -> None:
    assert detect_format(head) is found


def test_unknown_format_is_one_unreadable() -> None:
    (item,) = read(b"=LDR  00665nam a2200217 a 4500\n")
    assert isinstance(item, Unreadable)
    assert (item.index, item.offset, item.reason) == (0, 0, "unknown_format")


@pytest.mark.parametrize("raw", [b"", b"\n\n  \n"])
def test_empty_input_has_no_records(raw: bytes) -> None:
    assert read(raw) == []


# -- ISO 2709 framing ---------------------------------------------------------------------------
def test_records_and_separators_between_them() -> None:
    raw = record(b"One") + b"\r\n" + record(b"Two") + b"\n\x1a"
    items = read(raw)
    assert [title_of(item) for item in items] == ["One", "Two"]


def test_bad_length_resynchronises_on_the_next_terminator() -> None:
    first, second, third = record(b"One"), record(b"Two"), record(b"Three")
    damaged = b"%05d" % (len(second) - 3) + second[5:]
    items = read(first + damaged + third)
    assert kinds(items) == ["bib", "bad_record_length", "bib"]
    bad = items[1]
    assert isinstance(bad, Unreadable)
    assert (bad.index, bad.offset) == (1, len(first))
    assert title_of(items[2]) == "Three"


@pytest.mark.parametrize("head", [b"0x123", b"     ", b"99999", b"00010"])
def test_length_that_is_not_a_length(head: bytes) -> None:
    second = record(b"Two")
    items = read(record(b"One") + head + second[5:] + record(b"Three"))
    assert kinds(items) == ["bib", "bad_record_length", "bib"]


def test_truncated_last_record() -> None:
    whole = record(b"One")
    items = read(whole + record(b"Two")[:-30])
    assert kinds(items) == ["bib", "bad_record_length"]
    last = items[1]
    assert isinstance(last, Unreadable)
    assert "end of the file" in last.detail


# -- ISO 2709 record structure: what pymarc would fail on or quietly repair --------------------
def _bad_base(raw: bytes) -> bytes:
    return raw[:12] + b"00010" + raw[17:]


def _letters_in_base(raw: bytes) -> bytes:
    return raw[:12] + b"0x049" + raw[17:]


def _leader_not_ascii(raw: bytes) -> bytes:
    return raw[:7] + b"\xc3" + raw[8:]


def _directory_without_terminator(raw: bytes) -> bytes:
    # the base address one byte short: the directory no longer ends with a field terminator
    return raw[:12] + b"%05d" % (int(raw[12:17]) - 1) + raw[17:]


def _directory_not_entries(raw: bytes) -> bytes:
    # one byte cut from the last entry: the directory is not 12-byte entries any more
    base = int(raw[12:17])
    shorter = raw[: base - 2] + raw[base - 1 :]
    return b"%05d" % (len(shorter)) + shorter[5:12] + b"%05d" % (base - 1) + shorter[17:]


def _entry_points_outside(raw: bytes) -> bytes:
    return raw[:24] + b"0010099" + raw[31:]


def _missing_field_terminator(raw: bytes) -> bytes:
    base = int(raw[12:17])
    return raw[: base + 11] + b"X" + raw[base + 12 :]  # the 001's terminator ("ocm00012345" + FT)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_bad_base, "bad_leader"),
        (_letters_in_base, "bad_leader"),
        (_leader_not_ascii, "bad_leader"),
        (_directory_without_terminator, "bad_directory"),
        (_directory_not_entries, "bad_directory"),
        (_entry_points_outside, "bad_directory"),
        (_missing_field_terminator, "missing_field_terminator"),
    ],
)
def test_structural_damage(damage: object, reason: str) -> None:
    assert callable(damage)
    raw = damage(record(b"Two"))
    assert isinstance(raw, bytes)
    items = read(record(b"One") + raw + record(b"Three"))
    assert kinds(items) == ["bib", reason, "bib"]
    assert reason in UNREADABLE_REASONS


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (b"1" + SD + b"aTitle", "bad_indicators"),  # pymarc would pad with a blank
        (b"100" + SD + b"aTitle", "bad_indicators"),  # pymarc would drop the third
        (b"10", "bib"),  # no subfields at all is a field
        (b"10" + SD + b"\xc3\xa9Title", "bad_subfield_code"),  # pymarc would warn and guess
        (b"\xc3\xa9" + SD + b"aTitle", "bad_indicators"),
    ],
)
def test_field_damage(field: bytes, reason: str) -> None:
    raw = iso2709([(b"001", b"x"), (b"245", field)])
    assert kinds(read(raw)) == [reason]


def test_record_without_fields() -> None:
    assert kinds(read(iso2709([]))) == ["no_fields"]


def test_tag_a_bib_refuses() -> None:
    raw = iso2709([(b"001", b"x"), (b"2 5", b"10" + SD + b"aTitle")])
    assert kinds(read(raw)) == ["bad_directory"]


# -- characters ---------------------------------------------------------------------------------
def test_invalid_utf8_survives_as_lone_surrogates() -> None:
    raw = iso2709([(b"001", b"x\xff"), (b"245", b"10" + SD + b"aCaf\xe9")])
    (bib,) = read(raw)
    assert isinstance(bib, Bib)
    assert bib.control_number == "x\udcff"
    assert title_of(bib) == "Caf\udce9"
    assert bib_to_marc(bib) == raw


def test_utf8() -> None:
    (bib,) = read(record("Caf\u00e9 \u4e2d\u6587".encode()))
    assert title_of(bib) == "Caf\u00e9 \u4e2d\u6587"


def test_marc8_is_decoded() -> None:
    # MARC-8 ANSEL: 0xE2 is the combining acute accent, written before its base letter.
    (bib,) = read(record(b"Caf\xe2e", coding=b" "))
    assert isinstance(bib, Bib)
    assert bib.character_coding == " "
    assert title_of(bib) == "Caf\u00e9"  # pymarc composes the MARC-8 pair (NFC)
    # written back as UTF-8, which Leader/09 then says
    (again,) = read(bib_to_marc(bib))
    assert isinstance(again, Bib)
    assert again.character_coding == "a"
    assert again.fields == bib.fields


# -- MARCXML ------------------------------------------------------------------------------------
SLIM = "http://www.loc.gov/MARC21/slim"
XML_RECORD = """<{p}record{ns}>
  <{p}leader>{leader}</{p}leader>
  <{p}controlfield tag="001">{number}</{p}controlfield>
  <{p}datafield tag="035" ind1=" " ind2=" ">
    <{p}subfield code="a">(OCoLC){number}</{p}subfield>
  </{p}datafield>
  <{p}datafield tag="245" ind1="1" ind2="0">
    <{p}subfield code="a">Caf&#233; &amp; co</{p}subfield>
  </{p}datafield>
</{p}record>"""
LEADER = "00000nam a2200000   4500"


def xml_record(number: int, *, prefix: str = "", ns: str = "", leader: str = LEADER) -> str:
    return XML_RECORD.format(p=prefix, ns=ns, number=number, leader=leader)


@pytest.mark.parametrize(
    ("opening", "closing", "prefix"),
    [
        (f'<collection xmlns="{SLIM}">', "</collection>", ""),
        (f'<marc:collection xmlns:marc="{SLIM}">', "</marc:collection>", "marc:"),
        ("<collection>", "</collection>", ""),
    ],
)
def test_marcxml_namespaces(opening: str, closing: str, prefix: str) -> None:
    text = "\ufeff<?xml version='1.0' encoding='UTF-8'?>\n" + opening
    text += xml_record(1, prefix=prefix) + xml_record(2, prefix=prefix) + closing
    items = read(text.encode("utf-8"))
    assert kinds(items) == ["bib", "bib"]
    assert [item.control_number for item in items if isinstance(item, Bib)] == ["1", "2"]
    assert title_of(items[0]) == "Caf\u00e9 & co"


def test_marcxml_single_record_document() -> None:
    (bib,) = read(b"  \n" + xml_record(7, ns=f' xmlns="{SLIM}"').encode())
    assert isinstance(bib, Bib)
    assert bib.leader == LEADER


def test_marcxml_bad_leader_and_missing_indicator_then_reading_goes_on() -> None:
    missing = xml_record(2).replace(' ind1="1"', "")
    text = f"<collection>{xml_record(1, leader='00000nam')}{missing}{xml_record(3)}</collection>"
    items = read(text.encode())
    assert kinds(items) == ["bad_leader", "bad_indicators", "bib"]
    assert [item.index for item in items if isinstance(item, Unreadable)] == [0, 1]


def test_marcxml_invalid_record_shape() -> None:
    shaped = xml_record(1).replace('<controlfield tag="001">', '<controlfield tag="245">')
    assert kinds(read(f"<collection>{shaped}</collection>".encode())) == ["invalid_record"]


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE collection [<!ENTITY lol "lol">]>',
        '<!DOCTYPE collection SYSTEM "file:///etc/passwd">',
        "<!DOCTYPE collection>",
    ],
)
def test_marcxml_refuses_dtds_and_entities(prolog: str) -> None:
    text = f"<?xml version='1.0'?>{prolog}<collection>{xml_record(1)}</collection>"
    (item,) = read(text.encode())
    assert isinstance(item, Unreadable)
    assert item.reason == "xml_entities_refused"


def test_marcxml_error_stops_after_the_records_before_it() -> None:
    broken = xml_record(2).replace("</leader>", "</leadr>")
    text = f"<collection>{xml_record(1)}{broken}{xml_record(3)}</collection>"
    items = read(text.encode())
    assert kinds(items) == ["bib", "xml_error"]
    error = items[1]
    assert isinstance(error, Unreadable)
    assert error.index == 1
    assert error.offset == text.encode().index(b"<record", len("<collection><record"))


class CountingStream(io.BytesIO):
    """A file object that remembers how many bytes were read from it."""

    consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_marcxml_is_streamed_not_loaded_whole() -> None:
    records = "".join(xml_record(number) for number in range(1, 3001))
    raw = f"<collection>{records}</collection>".encode()
    stream = CountingStream(raw)
    reader = read_bibs(stream)
    first = next(reader)
    assert isinstance(first, Bib)
    assert stream.consumed < len(raw) // 4
    assert sum(1 for _ in reader) == 2999


# -- MARC-in-JSON -------------------------------------------------------------------------------
def json_record(number: int) -> dict[str, object]:
    return {
        "leader": LEADER,
        "fields": [
            {"001": f"ocm{number:08d}"},
            {"003": "OCoLC"},
            {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "Caf\u00e9"}]}},
        ],
    }


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(json_record(1)),
        json.dumps([json_record(1), json_record(2)], indent=2),
        "\n".join(json.dumps(json_record(number)) for number in (1, 2, 3)),
        "\ufeff" + json.dumps(json_record(1)),
        "[]",
    ],
)
def test_marc_json_shapes(text: str) -> None:
    items = read(text.encode())
    assert all(isinstance(item, Bib) for item in items)
    numbers = [item.oclc_numbers.active[0].value for item in items if isinstance(item, Bib)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == text.count('"leader"')


def test_marc_json_lines_go_on_after_a_bad_line() -> None:
    lines = [json.dumps(json_record(1)), '{"leader": "broken', json.dumps(json_record(3))]
    items = read("\n".join(lines).encode())
    assert kinds(items) == ["bib", "json_error", "bib"]
    bad = items[1]
    assert isinstance(bad, Unreadable)
    assert bad.offset == len(lines[0]) + 1


@pytest.mark.parametrize(
    "document",
    [
        {"leader": "short", "fields": []},
        {"fields": []},
        {"leader": LEADER, "fields": [{"245": {"ind1": "1", "subfields": []}}]},
        {"leader": LEADER, "fields": [{"245": {"ind1": "1", "ind2": "0", "subfields": "a"}}]},
        {"leader": LEADER, "fields": [{"001": "x", "003": "y"}]},
        {"leader": LEADER, "fields": [{"245": 5}]},
        [1, 2],
    ],
)
def test_marc_json_invalid_records(document: object) -> None:
    items = read(json.dumps([document, json_record(2)]).encode())
    assert kinds(items) == ["invalid_record", "bib"]


def test_marc_json_list_that_never_closes() -> None:
    text = "[" + json.dumps(json_record(1)) + ", {"
    assert kinds(read(text.encode())) == ["bib", "json_error"]


# -- sources ------------------------------------------------------------------------------------
def test_path_and_string_and_file(tmp_path: Path) -> None:
    raw = record(b"One") + record(b"Two")
    path = tmp_path / "records.bin"  # the name says nothing about the format
    path.write_bytes(raw)
    from_path = list(read_bibs(path))
    assert from_path == list(read_bibs(str(path))) == read(raw)
    with path.open("rb") as stream:
        assert list(read_bibs(stream)) == from_path
        assert not stream.closed


# -- writing ------------------------------------------------------------------------------------
BIB = Bib(
    leader="01234nam a2200289 i 4500",
    fields=(
        ControlField("001", "ocm00012345"),
        ControlField("003", "OCoLC"),
        DataField("035", " ", " ", (Subfield("a", "(OCoLC)12345"), Subfield("z", "(OCoLC)9"))),
        DataField("245", "1", "0", (Subfield("c", "Austen."), Subfield("a", "Pride \u00e9"))),
        DataField("CAT", "x", "y", (Subfield("a", "local tag"),)),
    ),
)


def test_pymarc_round_trip_keeps_the_leader() -> None:
    record = bib_to_pymarc(BIB)
    assert isinstance(record, pymarc.Record)
    assert str(record.leader) == BIB.leader
    assert bib_from_pymarc(record) == BIB


def test_marc_bytes_round_trip() -> None:
    raw = bib_to_marc(BIB)
    (again,) = read(raw)
    assert isinstance(again, Bib)
    assert again.fields == BIB.fields
    assert again.leader[5:12] == BIB.leader[5:12]
    assert again.leader[17:] == BIB.leader[17:]
    assert int(again.leader[:5]) == len(raw)


def test_marcxml_and_json_round_trip() -> None:
    assert read(bib_to_marcxml(BIB).encode()) == [BIB]
    assert read(bib_to_marc_json(BIB).encode()) == [BIB]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (ControlField("001", "x\x1fy"), "delimiter_in_value"),
        (ControlField("001", "x\ud800"), "bad_character"),
        (ControlField("001", "x" * 10_000), "field_too_long"),
    ],
)
def test_marc_bytes_refuse_what_iso2709_cannot_hold(bad: ControlField, reason: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        bib_to_marc(BIB.with_fields([bad]))
    assert raised.value.reason == reason


@pytest.mark.parametrize("value", ["x\x0by", "x\udcffy", "x\ufffey"])
def test_marcxml_refuses_characters_xml_cannot_hold(value: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        bib_to_marcxml(BIB.with_fields([ControlField("001", value)]))
    assert raised.value.reason == "not_xml_character"


def test_pymarc_is_imported_only_where_a_record_goes_through_it(tmp_path: Path) -> None:
    # Every command imports the readers; pymarc (tens of milliseconds of start-up) is imported
    # by the fallback paths alone: a UTF-8 record read directly leaves it out, a MARC-8 one
    # brings it in and still reads.
    import subprocess
    import sys

    utf8 = tmp_path / "utf8.mrc"
    utf8.write_bytes(iso2709([(b"001", b"ocm1"), (b"245", b"10" + SD + b"aT")]))
    marc8 = tmp_path / "marc8.mrc"
    marc8.write_bytes(iso2709([(b"001", b"ocm1"), (b"245", b"10" + SD + b"aT")], coding=b" "))
    program = (
        "import sys\n"
        "import almamatch.cli.batch, almamatch.marc.scan\n"
        "from almamatch.marc import read_bibs\n"
        "for path in sys.argv[1:]:\n"
        "    found = list(read_bibs(path))\n"
        "    print(type(found[0]).__name__, 'pymarc' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program, str(utf8), str(marc8)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split("\n") == ["Bib False", "Bib True", ""]
