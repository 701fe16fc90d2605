"""Stage 3, the MARCXML conversion check: field length in octets, UTF-8, XML 1.0 characters."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from almamatch.core import Bib, ControlField, DataField, ProblemKind, conversion_problems
from almamatch.marc import read_bibs

UTF8 = "00000cam a2200000 a 4500"
MARC8 = "00000cam  2200000 a 4500"


def kinds(leader: str, *fields: ControlField | DataField) -> list[tuple[str, str]]:
    return [(p.tag, p.kind) for p in conversion_problems(Bib(leader=leader, fields=fields))]


@pytest.mark.parametrize(
    ("length", "problems"),
    [
        # A data field is 2 indicators + (delimiter + code + value) per subfield + terminator:
        # "a field may contain a maximum of 9999 octets" (LoC).
        (9994, []),  # 2 + 2 + 9994 + 1 = 9999
        (9995, [("520", ProblemKind.TOO_LONG)]),  # 10,000
    ],
)
def test_field_length_limit_counts_octets(length: int, problems: list[tuple[str, str]]) -> None:
    assert kinds(UTF8, DataField.of("520", "  ", ("a", "x" * length))) == problems


def test_octets_not_characters() -> None:
    # 3,332 x "é" is 6,664 octets in UTF-8 plus 3,331 ASCII: 9,995 + 5 = 10,000 octets.
    value = "é" * 3332 + "x" * 3331
    assert kinds(UTF8, DataField.of("520", "  ", ("a", value))) == [("520", ProblemKind.TOO_LONG)]
    assert kinds(UTF8, DataField.of("520", "  ", ("a", value[:-1]))) == []


def test_control_field_length() -> None:
    assert kinds(UTF8, ControlField("009", "x" * 9998)) == []
    assert kinds(UTF8, ControlField("009", "x" * 9999)) == [("009", ProblemKind.TOO_LONG)]


@pytest.mark.parametrize(
    ("leader", "value", "problems"),
    [
        (UTF8, "Café", []),
        (MARC8, "Cafe", []),  # MARC-8 with ASCII only converts
        (MARC8, "Café", [("245", ProblemKind.NOT_UTF8)]),  # Leader/09 blank, non-ASCII data
        (UTF8, "Caf\udce9", [("245", ProblemKind.INVALID_UTF8)]),  # byte 0xE9 was not UTF-8
        (UTF8, "a\x1fb", [("245", ProblemKind.FORBIDDEN_CHARACTER)]),  # MARC delimiter inside
        (UTF8, "a\x00b", [("245", ProblemKind.FORBIDDEN_CHARACTER)]),
        (UTF8, "a\ufffeb", [("245", ProblemKind.FORBIDDEN_CHARACTER)]),
        (UTF8, "a\ud800b", [("245", ProblemKind.FORBIDDEN_CHARACTER)]),  # not an escaped byte
        (UTF8, "tab\tline\nreturn\r", []),  # XML 1.0 allows #x9, #xA, #xD
    ],
)
def test_characters(leader: str, value: str, problems: list[tuple[str, str]]) -> None:
    assert kinds(leader, DataField.of("245", "10", ("a", value))) == problems


def test_every_problem_names_its_field() -> None:
    found = conversion_problems(Bib(leader=MARC8, fields=[
        DataField.of("100", "1 ", ("a", "Müller")),
        DataField.of("520", "  ", ("a", "x" * 10_000)),
    ]))
    assert [(p.tag, p.kind) for p in found] == [("100", ProblemKind.NOT_UTF8),
                                                 ("520", ProblemKind.TOO_LONG)]
    assert "10,005 octets" in found[1].detail


def test_real_utf8_records_convert(corpus: Path) -> None:
    checked = 0
    for item in itertools.islice(read_bibs(corpus / "traject_test_data.utf8.mrc"), 200):
        if isinstance(item, Bib) and item.leader[9] == "a":
            assert conversion_problems(item) == ()
            checked += 1
    assert checked >= 10
