"""The direct UTF-8 decoder gives what the structure check plus pymarc give, for any bytes.

``marc.iso2709.decode_record`` decodes a well-formed UTF-8 record without pymarc and hands every
other record to ``decode_checked`` (the structure check and pymarc). Both must agree on every
record: the same ``Bib``, or the same fault with the same reason and detail. The corpus records
are checked one by one; Hypothesis then damages records (bytes changed, cut, or inserted) and
builds records from arbitrary subfield values (delimiters, invalid UTF-8, empty subfields).
``decode_selected`` (some fields of a record) gives those fields of ``decode_record``'s, or None.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from almamatch.core.record import Bib
from almamatch.marc.framing import frame_spans
from almamatch.marc.iso2709 import RecordFault, decode_checked, decode_record, decode_selected
from almamatch.marc.unreadable import Unreadable
from corpus_files import CORPUS

ISO_FILES = (
    "folio_CornellFOLIOExemplars_Bibs.mrc",
    "folio_test1_err.mrc",
    "marc4j_pride-and-prejudice-fixed.mrc",
    "traject_test_data.utf8.mrc",
    "solrmarc_uva_001_2000.mrc",
)


def outcome(decode: object, record: bytes) -> Bib | tuple[str, str]:
    assert callable(decode)
    try:
        found = decode(record)
    except RecordFault as fault:
        return (fault.reason, fault.detail)
    assert isinstance(found, Bib)
    return found


def records(name: str) -> list[bytes]:
    found = []
    for framed in frame_spans([(CORPUS / name).read_bytes()]):
        if not isinstance(framed, Unreadable):
            content, start, end, _, _ = framed
            found.append(content[start:end])
    return found


@pytest.mark.parametrize("name", ISO_FILES)
def test_corpus_records_decode_as_through_pymarc(name: str) -> None:
    framed = records(name)
    assert framed
    for record in framed:
        assert outcome(decode_record, record) == outcome(decode_checked, record)


def _record(fields: list[tuple[str, bytes]], *, leader_09: bytes = b"a") -> bytes:
    """An ISO 2709 record whose fields are given as (tag, content without terminator)."""
    directory = b""
    body = b""
    for tag, content in fields:
        data = content + b"\x1e"
        directory += tag.encode() + f"{len(data):04d}{len(body):05d}".encode()
        body += data
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = f"{length:05d}nam {leader_09.decode()}22{base:05d} i 4500".encode()
    return leader + directory + b"\x1e" + body + b"\x1d"


SAMPLE = _record([
    ("001", b"ocm00012345"),
    ("005", b"20240102030405.0"),
    ("035", b"  \x1fa(OCoLC)12345\x1fz(OCoLC)999"),
    ("245", b"10\x1faCaf\xc3\xa9 :\x1fbthe title /\x1fcby someone."),
])


# No deadline on these properties (deadline=None): an example takes well under a millisecond,
# so one that passes Hypothesis's 200 ms is the machine's doing (a loaded two-core machine, or a
# collection of a whole test run's heap), which Hypothesis then reports as unreliable timing.
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=4))
# A code turned into the field terminator: the field is read by its directory entry and keeps a
# subfield whose code is 0x1E, which its text cannot hold.
@example([(SAMPLE.index(b"\x1faCaf") + 1, 0x1E)])
def test_damaged_records_decode_as_through_pymarc(changes: list[tuple[int, int]]) -> None:
    record = bytearray(SAMPLE)
    for position, value in changes:
        record[position] = value
    assert outcome(decode_record, bytes(record)) == outcome(decode_checked, bytes(record))


_CONTENT = st.binary(max_size=30).map(lambda raw: raw.replace(b"\x1e", b"").replace(b"\x1d", b""))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["001", "005", "008", "019", "035", "245", "9XX", "a10"]),
                       _CONTENT), min_size=1, max_size=6),
    st.sampled_from([b"a", b" "]),
)
def test_built_records_decode_as_through_pymarc(fields: list[tuple[str, bytes]],
                                                leader_09: bytes) -> None:
    record = _record(fields, leader_09=leader_09)
    assert outcome(decode_record, record) == outcome(decode_checked, record)


def test_direct_path_is_taken_for_utf8_records() -> None:
    # A mutant that sends every record through pymarc still passes the tests above; this one
    # does not: the sample decodes even with pymarc out of the way.
    import almamatch.marc.iso2709 as iso2709

    assert iso2709._decode_utf8(SAMPLE) == decode_checked(SAMPLE)
    assert iso2709._decode_utf8(_record([("245", b"10\x1faT")], leader_09=b" ")) is None


@pytest.mark.parametrize("fields", [
    # past the directory tables: offsets of five digits over 9,999 and a field of 9,000 bytes
    [("001", b"ocm1"), *[("500", b"  \x1fa" + b"x" * 900)] * 12, ("520", b"  \x1fa" + b"y" * 9000)],
    # a control field after a data field, a data field without subfields, an empty subfield
    [("245", b"10\x1faT"), ("001", b"ocm1")],
    [("001", b"ocm1"), ("500", b"  "), ("245", b"10\x1faT")],
    [("001", b"ocm1"), ("245", b"10\x1fa\x1f\x1fbT\x1f")],
    # only control fields
    [("001", b"ocm1"), ("005", b"20240102030405.0")],
])
def test_unusual_layouts_decode_directly_as_through_pymarc(fields: list[tuple[str, bytes]]
                                                           ) -> None:
    import almamatch.marc.iso2709 as iso2709

    record = _record(fields)
    direct = iso2709._decode_utf8(record)
    assert direct is not None
    assert direct == decode_checked(record)
    assert repr(direct) == repr(decode_checked(record))


@pytest.mark.parametrize("content", [b"1\x1faT", b"100\x1faT", b"\x1faT", b"1\xc3\xa9\x1faT"])
def test_indicators_off_are_named_by_the_checked_path(content: bytes) -> None:
    import almamatch.marc.iso2709 as iso2709

    record = _record([("001", b"ocm1"), ("245", content)])
    assert iso2709._decode_utf8(record) is None
    found = outcome(decode_record, record)
    assert found == outcome(decode_checked, record)
    assert isinstance(found, tuple)
    assert found[0] == "bad_indicators"


# -- decode_selected: the fields a caller picks, as decode_record decodes them --------------------
def _every_other(tags: list[str]) -> list[int]:
    return list(range(0, len(tags), 2))


def selected_outcome(record: bytes, select: Callable[[list[str]], list[int] | None]
                     ) -> Bib | None:
    """``decode_selected``, checked against ``decode_record``: None, or the leader and the
    fields at the picked positions of the whole record as ``decode_record`` decodes it."""
    found = decode_selected(record, select)
    if found is not None:
        whole = decode_record(record)
        picked = select([one.tag for one in whole.fields])
        assert picked is not None
        assert found == whole.with_fields([whole.fields[at] for at in picked])
        assert repr(found) == repr(whole.with_fields([whole.fields[at] for at in picked]))
    return found


@pytest.mark.parametrize("name", ISO_FILES)
def test_corpus_records_decode_selected_as_whole(name: str) -> None:
    framed = records(name)
    selected = [selected_outcome(record, _every_other) for record in framed]
    utf8 = [record for record in framed if record[9:10] == b"a"]
    # The UTF-8 records of the usual layout take the selective path; MARC-8 ones never do.
    assert all(found is None for found, record in zip(selected, framed, strict=True)
               if record[9:10] != b"a")
    assert not utf8 or any(found is not None for found in selected)


def test_decode_selected_leaves_the_other_fields_out() -> None:
    found = decode_selected(SAMPLE, lambda tags: [tags.index("035")])
    assert found is not None
    assert [one.tag for one in found.fields] == ["035"]
    assert found.fields == decode_record(SAMPLE).get_fields("035")
    assert decode_selected(SAMPLE, lambda tags: None) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=4),
       st.sampled_from([_every_other, lambda tags: [], lambda tags: list(range(len(tags)))]))
def test_damaged_records_decode_selected_as_whole_or_not_at_all(
        changes: list[tuple[int, int]], select: Callable[[list[str]], list[int]]) -> None:
    record = bytearray(SAMPLE)
    for position, value in changes:
        record[position] = value
    selected_outcome(bytes(record), select)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["001", "005", "008", "019", "035", "245", "9XX", "a10"]),
                       _CONTENT), min_size=1, max_size=6),
    st.sampled_from([b"a", b" "]),
)
def test_built_records_decode_selected_as_whole_or_not_at_all(
        fields: list[tuple[str, bytes]], leader_09: bytes) -> None:
    selected_outcome(_record(fields, leader_09=leader_09), _every_other)


@pytest.mark.parametrize("fields", [
    # a control field after a data field, a data field without subfields or with an empty one,
    # indicators off, a subfield code over 0x7F: decoded whole, never selectively
    [("245", b"10\x1faT"), ("001", b"ocm1")],
    [("001", b"ocm1"), ("500", b"  "), ("245", b"10\x1faT")],
    [("001", b"ocm1"), ("245", b"1\x1faT")],
    [("001", b"ocm1"), ("245", b"10\x1f\xc3\xa9T")],
])
def test_unusual_records_are_not_decoded_selectively(fields: list[tuple[str, bytes]]) -> None:
    assert decode_selected(_record(fields), _every_other) is None
