"""The compiled reading of ISO 2709 (``almamatch._native.marcread``) against its Python twin in
``marc.iso2709``, called side by side on the same bytes: the same ``Bib`` (field kinds, tags,
indicators, ``marc_text``, every character, lone surrogates included), the same MARCXML word,
the same fault, for every record of the corpus, damaged copies of them and generated records
dense in the awkward cases. Skipped where the module is not built.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from itertools import accumulate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from almamatch.core.merge import MergeMethod, MergePlans
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.marc import bib_to_marc, framing, iso2709
from almamatch.marc.framing import frame_records
from almamatch.marc.iso2709 import RecordFault, decode_spans
from almamatch.marc.unreadable import Unreadable
from corpus_files import CORPUS
from pure_probe import printed_when_pure

try:
    from almamatch._native import marcread
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.marcread is not built (no C compiler at install)",
                allow_module_level=True)

Select = Callable[[list[str]], list[int] | None]
Positions = Callable[[list[str]], list[int]]


def shape(bib: Bib) -> tuple[object, ...]:
    """Everything a ``Bib`` holds, with each value's exact type: two equal ``Bib`` values could
    still differ in how a data field keeps its subfields, or in a str subclass."""
    fields: list[object] = []
    for one in bib.fields:
        if isinstance(one, ControlField):
            fields.append((type(one), type(one.tag), one.tag, type(one.value), one.value))
        else:
            assert isinstance(one, DataField)
            fields.append((type(one), one.tag, one.indicator1, one.indicator2, one.marc_text,
                           None if one.marc_text is not None else one.subfields,
                           type(one.indicator1), type(one.indicator2), type(one.marc_text)))
    return (type(bib), type(bib.leader), bib.leader, tuple(fields))


def answer(found: tuple[Bib, bool] | RecordFault | None) -> object:
    if found is None:
        return None
    if isinstance(found, RecordFault):
        return ("fault", found.reason, found.detail)
    bib, convertible = found
    return shape(bib), convertible


def python_spans(content: bytes, starts: list[int], ends: list[int], *, check: bool,
                 monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patched:
        patched.setattr(iso2709, "_usual_bib", None)
        return [answer(found) for found in decode_spans(content, starts, ends, check=check)]


def frames(record: bytes) -> bool:
    found = list(frame_records([record]))
    return len(found) == 1 and not isinstance(found[0], Unreadable) and found[0][0] == record


def same_reading(records: list[bytes], monkeypatch: pytest.MonkeyPatch) -> int:
    """Assert the compiled and the Python reading agree on each record; how many records the
    compiled path read itself."""
    read = 0
    for record in records:
        for check in (True, False):
            compiled = marcread.usual_bib(record, 0, len(record), check)
            if compiled is not None:
                read += check
                python = iso2709._decode_direct(record, check=check)
                assert python is not None, record
                assert answer(compiled) == answer(python), record
                assert compiled[0] == python[0]
    # ``decode_spans`` reads what framing gives it: records that frame as they are.
    records = [record for record in records if frames(record)]
    if not records:
        return read
    content = b"".join(records)
    ends = [*accumulate(map(len, records))]
    starts = [0, *ends[:-1]]
    for check in (True, False):
        assert ([answer(found) for found in decode_spans(content, starts, ends, check=check)]
                == python_spans(content, starts, ends, check=check, monkeypatch=monkeypatch))
        # A run read in one call: each record as ``usual_bib`` reads it on its own.
        bibs, vouched = marcread.usual_bibs(content, 0, ends, check)
        assert len(vouched) == len(bibs) == len(ends)
        assert [None if bib is None else (shape(bib), bool(noted))
                for bib, noted in zip(bibs, vouched, strict=True)] == [
            None if one is None else (shape(one[0]), one[1])
            for one in (marcread.usual_bib(content, start, end, check)
                        for start, end in zip(starts, ends, strict=True))]
    return read


def selects(chance: random.Random) -> Iterator[Select]:
    yield lambda tags: list(range(len(tags)))
    yield lambda tags: None
    yield lambda tags: sorted(chance.sample(range(len(tags)), chance.randrange(len(tags) + 1)))
    yield lambda tags: [at for at, tag in enumerate(tags) if tag in {"001", "035", "245"}]
    yield lambda tags: [0, 0, len(tags) - 1]
    yield lambda tags: [len(tags) - 1, 0]  # not ascending: left to the Python path
    yield lambda tags: [len(tags)]  # past the tags: the Python path's IndexError


def same_selection(record: bytes, chance: random.Random) -> None:
    for select in selects(chance):
        state = chance.getstate()
        calls: list[list[str]] = []

        def counted(tags: list[str], select: Select = select,
                    calls: list[list[str]] = calls) -> list[int] | None:
            calls.append(list(tags))
            return select(tags)

        try:
            python: object = iso2709._decode_selected(record, counted)
        except IndexError as error:
            python = ("IndexError", str(error))
        python_calls = list(calls)
        chance.setstate(state)
        calls.clear()
        try:
            compiled: object = marcread.selected_bib(record, counted, iso2709._decode_selected)
        except IndexError as error:
            compiled = ("IndexError", str(error))
        assert calls == python_calls, record  # called once, with the same tags
        if isinstance(python, Bib):
            assert isinstance(compiled, Bib), record
            assert shape(compiled) == shape(python), record
            assert compiled == python
        else:
            assert compiled == python, record


class Table(dict[str, object]):
    """Tags to bools (or, to be refused, to other values) that, called with tags, gives the
    positions of those it maps to a true value, a tag it does not hold taken as ``fill`` gives
    it (as ``core.merge.MergePlans.reader``'s table): a ``positions`` ``decode_part`` may read
    as a table."""

    def __init__(self, held: Mapping[str, object], fill: Callable[[str], object]) -> None:
        super().__init__(held)
        self.fill = fill
        self.calls: list[list[str]] = []

    def __missing__(self, tag: str) -> object:
        found = self[tag] = self.fill(tag)
        return found

    def __call__(self, tags: list[str]) -> list[int]:
        self.calls.append(list(tags))
        return [at for at, tag in enumerate(tags) if self[tag]]


def compiled_part(record: bytes, positions: Positions) -> Bib | None:
    return marcread.part_bib(record, positions, iso2709._decode_part)


def part_answer(read: Callable[[bytes, Positions], Bib | None], record: bytes,
                positions: Positions) -> object:
    try:
        found = read(record, positions)
    except (IndexError, TypeError) as error:
        return (type(error).__name__, str(error))
    return shape(found) if isinstance(found, Bib) else found


def tables(chance: random.Random, tags: list[str]) -> Iterator[Callable[[], Table]]:
    """Fresh tables of one kind each call: empty, holding some tags, holding all, a value that
    is no bool."""
    kept = frozenset(chance.sample(tags, chance.randrange(len(tags) + 1)))
    some = {tag: tag in kept for tag in tags if chance.random() < 0.5}
    yield lambda: Table({}, kept.__contains__)
    yield lambda: Table(some, kept.__contains__)
    yield lambda: Table({tag: tag in kept for tag in tags}, kept.__contains__)
    yield lambda: Table({tag: int(tag in kept) for tag in tags}, kept.__contains__)
    yield lambda: Table({"001": False, "035": None}, kept.__contains__)


def same_part(record: bytes, chance: random.Random) -> None:
    """``part_bib`` against ``iso2709._decode_part``: with callables (called as often, with
    the same tags), with tables (read or called), and with the merge methods' readers."""
    for select in selects(chance):
        state = chance.getstate()
        calls: list[list[str]] = []

        def counted(tags: list[str], select: Select = select,
                    calls: list[list[str]] = calls) -> list[int]:
            calls.append(list(tags))
            return select(tags)  # type: ignore[return-value]  # None: a TypeError, compared

        python = part_answer(iso2709._decode_part, record, counted)
        python_calls = list(calls)
        chance.setstate(state)
        calls.clear()
        compiled = part_answer(compiled_part, record, counted)
        assert calls == python_calls, record
        assert compiled == python, record
    opened = iso2709._opened(record)
    tags = list(iso2709._tags(record, opened[1])) if opened is not None else ["001", "245"]
    for table in tables(chance, tags):
        python_table = table()
        python = part_answer(iso2709._decode_part, record, python_table)
        for positions in (table(), python_table):  # called, then (filled) read as a table
            assert part_answer(compiled_part, record, positions) == python, record
        # Filled by the Python path's call, a table of bools is read, not called again.
        if all(type(value) is bool for value in python_table.values()):
            assert len(python_table.calls) <= 1, record
    incoming = Bib(leader="00000nam a2200000 a 4500", fields=(
        DataField.of("245", "10", ("a", "New")), DataField.of("035", "  ", ("a", "1"))))
    for method in MergeMethod.preset_names():
        plans = MergePlans(MergeMethod.preset(method))
        python = part_answer(iso2709._decode_part, record,
                             partial(plans.positions_read, incoming))
        for _ in range(2):  # its table empty, then filled
            assert part_answer(compiled_part, record, plans.reader(incoming)) == python, record


def corpus_records() -> list[bytes]:
    found: list[bytes] = []
    for path in [*sorted(CORPUS.glob("*.mrc")), *sorted(CORPUS.glob("*.dat"))]:
        found.extend(item[0] for item in frame_records([path.read_bytes()])
                     if not isinstance(item, Unreadable))
    return found


@pytest.fixture(scope="module")
def corpus() -> list[bytes]:
    records = corpus_records()
    if not records:
        pytest.skip(f"no corpus at {CORPUS}")
    return records


def test_every_utf8_corpus_record_reads_as_the_python_path(
        corpus: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record the compiled path might read (Leader/09 ``a``: it reads no other)."""
    utf8 = [record for record in corpus if record[9:10] == b"a"]
    read = same_reading(utf8, monkeypatch)
    assert read > len(utf8) * 9 // 10  # the usual record is read here, not left to Python


@pytest.mark.slow
def test_every_corpus_record_reads_as_the_python_path(
        corpus: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """MARC-8 records too (each through pymarc, twice a path: slow)."""
    same_reading(corpus, monkeypatch)


def test_every_corpus_record_selects_as_the_python_path(corpus: list[bytes]) -> None:
    chance = random.Random(3)
    for record in corpus:
        same_selection(record, chance)


def test_every_corpus_record_reads_its_part_as_the_python_path(corpus: list[bytes]) -> None:
    """As saved in a zone too: its 003s taken out (``decode_part`` reads no record with one)."""
    chance = random.Random(5)
    for record in corpus:
        same_part(record, chance)
        bib = iso2709._decode_utf8(record) if record[9:10] == b"a" else None
        if bib is not None and any(one.tag == "001" for one in bib.fields):
            saved = bib_to_marc(Bib(leader=bib.leader, fields=tuple(
                one for one in bib.fields if one.tag != "003")))
            same_part(saved, chance)


#: Bytes a damage writes: structure, controls XML forbids, digits, letters, high bytes.
_WRITTEN = (0x1E, 0x1F, 0x1D, 0x00, 0x0B, 0x09, 0x0A, 0x7F, 0x80, 0xC3, 0xFF, 0x30, 0x39,
            0x61, 0x20, 0xBF, 0xEF, 0x1C)
#: Bytes a damage inserts: noncharacters, an encoded surrogate, empty subfields, a stray
#: terminator, a code over 0x7F, a truncated sequence.
_INSERTED = (b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xed\xa0\x80", b"\x1f\x1f", b"\x1f\x1e",
             b"\x1e", b"\x1f\xc3\xa9", b"\xc3\xa9", b"\xe2\x82", b"\x1f", b"\x1d",
             b"\xf0\x9f\x98\x80")


def damaged(chance: random.Random, record: bytes) -> bytes:
    """``record`` with one damage (a byte changed, bytes inserted or deleted, the record cut
    short, entries swapped, a length or an offset changed, Leader/09 changed)."""
    changed = bytearray(record)
    base = int(record[12:17]) if record[12:17].isdigit() else 24
    entries = max(0, (min(base, len(record)) - 25) // 12)
    kind = chance.randrange(9)
    at = chance.randrange(len(changed))
    if kind == 0:
        changed[at] = chance.choice(_WRITTEN)
    elif kind == 1:
        changed[at:at] = chance.choice(_INSERTED)
    elif kind == 2:
        del changed[at]
    elif kind == 3:
        del changed[chance.randrange(len(changed)):]
    elif kind == 4 and entries > 1:
        one, other = chance.sample(range(entries), 2)
        first = changed[24 + 12 * one: 36 + 12 * one]
        changed[24 + 12 * one: 36 + 12 * one] = changed[24 + 12 * other: 36 + 12 * other]
        changed[24 + 12 * other: 36 + 12 * other] = first
    elif kind == 5 and entries:
        place = 24 + 12 * chance.randrange(entries) + chance.randrange(3, 12)
        changed[place] = chance.choice(b"0123456789")
    elif kind == 6:
        changed[9] = chance.choice(b" ab")
    elif kind == 7 and base < len(changed):  # a byte of the data area, over 0x7F
        changed[chance.randrange(base, len(changed))] = chance.randrange(0x80, 0x100)
    else:  # the leader's length or base address
        changed[chance.choice((0, 1, 2, 3, 4, 12, 13, 14, 15, 16))] = chance.choice(b"0129x")
    return bytes(changed)


def test_damaged_corpus_records_read_and_select_as_the_python_path(
        corpus: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    chance = random.Random(11)
    usual = [record for record in corpus if marcread.usual_bib(record, 0, len(record), True)]
    records = []
    for _ in range(3000):
        one = damaged(chance, chance.choice(usual))
        records.append(damaged(chance, one) if chance.random() < 0.3 else one)
    same_reading(records, monkeypatch)
    for record in records[:1500]:
        same_selection(record, chance)
        same_part(record, chance)


def test_a_span_outside_the_content_is_left_to_the_python_path(corpus: list[bytes]) -> None:
    record = corpus[0]
    for start, end in ((-1, len(record)), (5, 3), (0, len(record) + 1)):
        assert marcread.usual_bib(record, start, end, True) is None


def test_none_for_the_bytes_is_a_type_error() -> None:
    """None is refused where the pure twin fails too, never read as bytes."""
    for call in (lambda: marcread.usual_bib(None, 0, 0, True),  # type: ignore[arg-type]
                 lambda: marcread.selected_bib(None, lambda tags: None,  # type: ignore[arg-type]
                                               iso2709._decode_selected),
                 lambda: marcread.part_bib(None, lambda tags: [],  # type: ignore[arg-type]
                                           iso2709._decode_part),
                 lambda: marcread.usual_ends(None, 0)):  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            call()


# -- generated records ----------------------------------------------------------------------------

_PIECES = st.sampled_from([
    b"a", b"Z", b"0", b" ", b"(OCoLC)123", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80",
    b"\xed\xa0\x80", b"\xff", b"\x80", b"\xe2\x82", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\x1f",
    b"\x1fa", b"\x1f\x1f", b"\x1f\xc3\xa9", b"\x1d", b"\x00", b"\x0b", b"\t", b"\x7f", b"\\",
    b'"', b"<&>"])
_VALUES = st.lists(_PIECES, max_size=6).map(b"".join)
_INDICATORS = st.sampled_from([b" ", b"0", b"1", b"a", b"\x1f", b"\xc3", b"\x7f", b"\x1d"])
_SUBFIELDS = st.lists(st.tuples(st.sampled_from([b"a", b"b", b"6", b"\xc3", b""]), _VALUES),
                      max_size=4).map(lambda pairs: b"".join(b"\x1f" + code + value
                                                              for code, value in pairs))
_CONTROL_TAGS = st.sampled_from([b"001", b"003", b"005", b"008", b"000"])
_DATA_TAGS = st.sampled_from([b"010", b"035", b"245", b"500", b"999", b"0A1"])
_FIELDS = st.lists(st.one_of(
    st.tuples(_CONTROL_TAGS, _VALUES),
    st.tuples(_DATA_TAGS, st.builds(lambda one, two, subfields: one + two + subfields,
                                    _INDICATORS, _INDICATORS, _SUBFIELDS)),
    st.tuples(_DATA_TAGS, _VALUES)), min_size=1, max_size=8)


#: Records of the usual shape (control fields first, data fields of ASCII indicators and
#: one-byte codes), their values still dense in non-ASCII, escaped bytes and controls.
_USUAL_VALUES = st.lists(_PIECES.filter(lambda piece: b"\x1f" not in piece),
                         max_size=6).map(b"".join)
_USUAL_FIELDS = st.builds(
    lambda controls, data: controls + data,
    st.lists(st.tuples(_CONTROL_TAGS, _USUAL_VALUES), max_size=3),
    st.lists(st.tuples(_DATA_TAGS.filter(bytes.isdigit), st.builds(
        lambda indicators, subfields: indicators + b"".join(subfields),
        st.sampled_from([b"  ", b"10", b"0a", b"\x7f ", b"\x1d0"]),
        st.lists(st.builds(lambda code, value: b"\x1f" + code + value,
                           st.sampled_from([b"a", b"b", b"6", b"\x1d", b" "]), _USUAL_VALUES),
                 min_size=1, max_size=4))), max_size=5)).filter(bool)


def assembled(fields: list[tuple[bytes, bytes]], coding: bytes, end: bytes) -> bytes:
    """An ISO 2709 record of these fields, its directory and lengths as written."""
    directory = b""
    data = b""
    for tag, content in fields:
        directory += tag + b"%04d%05d" % (len(content) + 1, len(data))
        data += content + b"\x1e"
    base = 24 + len(directory) + 1
    length = base + len(data) + 1
    leader = b"%05dnam %s22%05d   4500" % (length, coding, base)
    return leader + directory + b"\x1e" + data + end


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.one_of(_FIELDS, _USUAL_FIELDS), coding=st.sampled_from([b"a", b"a", b"a", b" "]),
       end=st.sampled_from([b"\x1d", b"\x1d", b"x"]), seed=st.integers(0, 2**32),
       damage=st.booleans())
def test_generated_records_read_and_select_as_the_python_path(
        fields: list[tuple[bytes, bytes]], coding: bytes, end: bytes, seed: int,
        damage: bool) -> None:
    record = assembled(fields, coding, end)
    chance = random.Random(seed)
    if damage:
        record = damaged(chance, record)
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_reading([record], monkeypatch)
    same_selection(record, chance)
    same_part(record, chance)


def test_the_usual_generated_record_is_read_here() -> None:
    """Not a vacuous comparison: a record of the usual shape, non-ASCII and escaped bytes in
    it, is read by the compiled path (with its MARCXML word)."""
    record = assembled([(b"001", b"123"), (b"245", b"10\x1faT\xc3\xa9st\xf0\x9f\x98\x80"),
                        (b"500", b"  \x1fa\xff\xfe")], b"a", b"\x1d")
    found = marcread.usual_bib(record, 0, len(record), True)
    assert found is not None
    bib, convertible = found
    assert not convertible  # the bytes 0xFF 0xFE are not UTF-8
    assert bib == Bib(leader=record[:24].decode(), fields=(
        ControlField("001", "123"), DataField.of("245", "10", ("a", "Tést\U0001f600")),
        DataField.of("500", "  ", ("a", "\udcff\udcfe"))))


_CONTROL = (b"001", b"123")
_TITLE = (b"245", b"10\x1faT\xc3\xa9st\x1fbmore")
_NOTE = (b"500", b"  \x1fanote")


@pytest.mark.parametrize(("fields", "coding", "end"), [
    ([_CONTROL, _TITLE, _NOTE], b"a", b"\x1d"),
    ([_CONTROL, (b"245", b"10\x1faTitle\x1f"), _NOTE], b"a", b"\x1d"),  # empty last subfield
    ([_CONTROL, (b"245", b"10\x1f\x1faTitle"), _NOTE], b"a", b"\x1d"),  # an empty subfield
    ([_CONTROL, (b"245", b"10\x1f"), _NOTE], b"a", b"\x1d"),  # a delimiter alone
    ([_CONTROL, (b"245", b"10"), _NOTE], b"a", b"\x1d"),  # indicators alone
    ([_CONTROL, (b"245", b"1"), _NOTE], b"a", b"\x1d"),
    ([_CONTROL, (b"245", b"\x1f0\x1faT"), _NOTE], b"a", b"\x1d"),  # a delimiter for indicator
    ([_CONTROL, (b"245", b"\xc3\xa9\x1faT"), _NOTE], b"a", b"\x1d"),  # a non-ASCII indicator
    ([_CONTROL, (b"245", b"10\x1f\xc3\xa9T"), _NOTE], b"a", b"\x1d"),  # a code over U+007F
    ([(b"001", b"1\x1f\xc3\xa9"), _TITLE], b"a", b"\x1d"),  # ... after a control's delimiter
    ([(b"001", b"1\x1f2"), _TITLE], b"a", b"\x1d"),  # a delimiter in a control field
    ([(b"001", b"1\x1f"), _TITLE], b"a", b"\x1d"),  # an empty subfield in a control field
    ([(b"001", b"1\x1f")], b"a", b"\x1d"),  # ... and no data field
    ([(b"001", b"1\x1f\x1f"), (b"003", b"")], b"a", b"\x1d"),
    ([_TITLE, _CONTROL, _NOTE], b"a", b"\x1d"),  # a control field after a data field
    ([_TITLE, (b"008", b"10\x1fa")], b"a", b"\x1d"),
    ([_CONTROL, (b"245", b"10\x1faA\xef\xbf\xbe")], b"a", b"\x1d"),  # U+FFFE
    ([_CONTROL, (b"245", b"10\x1faA\xef\xbf\xbf")], b"a", b"\x1d"),  # U+FFFF
    ([_CONTROL, (b"245", b"10\x1faA\xef\xbf")], b"a", b"\x1d"),  # cut short
    ([_CONTROL, (b"245", b"10\x1faA\xed\xa0\x80")], b"a", b"\x1d"),  # a surrogate's bytes
    ([(b"001", b"\xff1"), _TITLE], b"a", b"\x1d"),  # not UTF-8 in a control field
    ([_CONTROL, (b"245", b"10\x1faA\x1dB")], b"a", b"\x1d"),  # a record terminator inside
    ([_CONTROL, (b"245", b"10\x1faA\x0bB")], b"a", b"\x1d"),  # a control XML forbids
    ([_CONTROL, (b"245", b"10\x1faA\tB\nC\rD")], b"a", b"\x1d"),  # ... and three it allows
    ([_CONTROL, (b"245", b"\x1d\x0b\x1faA")], b"a", b"\x1d"),  # ... as indicators
    ([_CONTROL, _TITLE], b"a", b"x"),  # no record terminator
    ([_CONTROL, _TITLE], b"a", b"\x0b"),
    ([_CONTROL, _TITLE], b" ", b"\x1d"),  # MARC-8
    ([(b"00A", b"1"), _TITLE], b"a", b"\x1d"),  # a tag of letters
    ([(b"A45", b"10\x1faT")], b"a", b"\x1d"),
    ([_CONTROL], b"a", b"\x1d"),  # one field
])
def test_records_one_condition_off_read_as_the_python_path(
        fields: list[tuple[bytes, bytes]], coding: bytes, end: bytes,
        monkeypatch: pytest.MonkeyPatch) -> None:
    record = assembled(fields, coding, end)
    same_reading([record], monkeypatch)
    same_selection(record, random.Random(1))
    for leader_byte in (b"\x1e", b"\x1f", b"\x0b", b"\x1d"):  # in Leader/07 (convertible)
        changed = record[:7] + leader_byte + record[8:]
        same_reading([changed], monkeypatch)


# -- framing -------------------------------------------------------------------------------------

def framed(content: bytes, size: int) -> list[object]:
    """What ``frame_spans`` makes of ``content`` given in chunks of ``size`` bytes."""
    chunks = [content[at:at + size] for at in range(0, len(content), size)]
    found: list[object] = []
    for item in framing.frame_spans(chunks):
        if isinstance(item, Unreadable):
            found.append(item)
        else:
            buffer, start, end, index, offset = item
            found.append((buffer[start:end], index, offset))
    return found


def same_framing(content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    for size in (997, 1 << 16, max(1, len(content))):
        compiled = framed(content, size)
        with monkeypatch.context() as patched:
            patched.setattr(framing, "_usual_ends", None)
            assert compiled == framed(content, size)


def test_usual_ends_frames_as_frame_spans(corpus: list[bytes],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert framing._usual_ends is marcread.usual_ends or os.environ.get("ALMAMATCH_PURE")
    for path in [*sorted(CORPUS.glob("*.mrc")), *sorted(CORPUS.glob("*.dat"))]:
        same_framing(path.read_bytes(), monkeypatch)
    chance = random.Random(7)
    for _ in range(40):  # damaged streams: records, damaged records and what lies between
        parts = []
        for _ in range(chance.randrange(1, 30)):
            one = chance.choice(corpus)
            parts.append(damaged(chance, one) if chance.random() < 0.3 else one)
            if chance.random() < 0.1:
                parts.append(chance.choice([b"\n", b"\r\n", b"  ", b"\x00", b"123", b"\x1d",
                                            b"00024", b"99999", b"garbage"]))
        same_framing(b"".join(parts), monkeypatch)
    record = corpus[0]
    # Digits before a record spelling a length that reaches its end, a base address of digits
    # among its bytes, not after a field terminator: framing gives way to the record inside
    # (after a record: the first of a stream is framed before the buffer is read).
    inside = record[:7] + b"00030" + record[12:]
    same_framing(record + b"%05d" % (len(inside) + 5) + inside, monkeypatch)
    for position in (-1, 0, 5, len(record) - 24, len(record), len(record) + 3):
        ends = marcread.usual_ends(record, position)
        assert ends == ([len(record)] if position == 0 else [])


def read(content: bytes, size: int) -> list[object]:
    """What ``read_iso2709`` makes of ``content`` given in chunks of ``size`` bytes, with the
    MARCXML word noted and without: each item, and after each ``Bib`` whether it was noted
    just before it was given."""
    chunks = [content[at:at + size] for at in range(0, len(content), size)]
    found: list[object] = [shape(item) if isinstance(item, Bib) else item
                           for item in iso2709.read_iso2709(chunks)]
    noted: list[Bib] = []
    for item in iso2709.read_iso2709(chunks, convertible=noted.append):
        found.append(shape(item) if isinstance(item, Bib) else item)
        if isinstance(item, Bib):
            found.append(bool(noted) and noted[-1] is item)
            noted.clear()
        assert not noted
    return found


def same_read(content: bytes, monkeypatch: pytest.MonkeyPatch,
              sizes: tuple[int, ...] = (997,)) -> None:
    for size in sizes:
        compiled = read(content, size)
        with monkeypatch.context() as patched:
            patched.setattr(framing, "_usual_ends", None)
            patched.setattr(iso2709, "_usual_bib", None)
            patched.setattr(iso2709, "_usual_bibs", None)
            assert compiled == read(content, size)


def test_read_iso2709_reads_as_the_python_path(corpus: list[bytes],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream reader's runs (``frame_runs``, ``usual_bibs``) against the Python paths:
    every corpus file, and damaged streams (more of them, in three chunk sizes: the slow
    test below)."""
    assert iso2709._usual_bibs is marcread.usual_bibs or os.environ.get("ALMAMATCH_PURE")
    for path in [*sorted(CORPUS.glob("*.mrc")), *sorted(CORPUS.glob("*.dat"))]:
        same_read(path.read_bytes()[:1 << 15], monkeypatch)  # the slow test: whole files
    same_damaged_reads(random.Random(11), 3, monkeypatch, (997,))


@pytest.mark.slow
def test_read_iso2709_reads_damaged_streams_as_the_python_path(
        corpus: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    for path in [*sorted(CORPUS.glob("*.mrc")), *sorted(CORPUS.glob("*.dat"))]:
        same_read(path.read_bytes(), monkeypatch, (997, 1 << 16, 1 << 30))
    same_damaged_reads(random.Random(13), 20, monkeypatch, (997, 1 << 16, 1 << 30))


def same_damaged_reads(chance: random.Random, count: int, monkeypatch: pytest.MonkeyPatch,
                       sizes: tuple[int, ...]) -> None:
    corpus = corpus_records()
    for _ in range(count):
        parts = []
        for _ in range(chance.randrange(1, 30)):
            one = chance.choice(corpus)
            parts.append(damaged(chance, one) if chance.random() < 0.3 else one)
            if chance.random() < 0.1:
                parts.append(chance.choice([b"\n", b"  ", b"\x1d", b"00024", b"garbage"]))
        same_read(b"".join(parts), monkeypatch, sizes)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.tuples(st.one_of(_FIELDS, _USUAL_FIELDS),
                                  st.sampled_from([b"\x1d", b"\x1d", b"x"]),
                                  st.sampled_from([b"", b"", b"\n", b"0", b"\x1d"])),
                        min_size=1, max_size=6),
       seed=st.integers(0, 2**32))
def test_generated_streams_frame_as_the_python_path(
        records: list[tuple[list[tuple[bytes, bytes]], bytes, bytes]], seed: int) -> None:
    chance = random.Random(seed)
    content = b"".join(
        (damaged(chance, assembled(fields, b"a", end)) if chance.random() < 0.3
         else assembled(fields, b"a", end)) + between for fields, end, between in records)
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_framing(content, monkeypatch)


def test_the_compiled_reading_is_picked_at_import_unless_pure_is_asked_for() -> None:
    assert iso2709._usual_bib is marcread.usual_bib or os.environ.get("ALMAMATCH_PURE")
    shown = printed_when_pure(
        "from almamatch.marc import framing, iso2709; "
        "print(iso2709._usual_bib, iso2709._usual_bibs, iso2709._selected_bib, "
        "framing._usual_ends)")
    assert shown == ["None", "None", "None", "None"]
