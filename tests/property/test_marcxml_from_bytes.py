"""Stage 3 answered from the bytes: the reader's word equals ``conversion_problems(bib) == ()``.

``marc.iso2709.decode_vouched`` says, from a record's bytes, whether the ``Bib`` it reads
converts to MARCXML, and a batch passes that word to ``decide()`` through its
``DecisionCache``. The word must be exact for every record the direct path reads field after
field (True exactly when ``core.marcxml.conversion_problems`` finds nothing), never True for
any other record, and a decision taken with it must equal the one taken without it. Hypothesis
builds records from fields whose bytes mix the hard cases: C0 controls (the MARC delimiters
among them, in control fields and in the leader), invalid UTF-8, UTF-8 encoded surrogates (which
the reader escapes byte by byte), U+FFFE and U+FFFF, tab, line feed and carriage return (which
XML allows), MARC-8 leaders and fields of thousands of bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import Export, InMemoryZone, IntegrationProfile, Zone, decide
from almamatch.core.decide import DecisionCache
from almamatch.core.marcxml import conversion_problems
from almamatch.marc.iso2709 import RecordFault, _decode_utf8, decode_vouched

HOST = "i-share-xyz.alma.exlibrisgroup.com"
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def record_of(fields: list[tuple[bytes, bytes]], *, leader_09: bytes = b"a",
              leader_05: bytes = b"n") -> bytes:
    """An ISO 2709 record of these (tag, content without terminator) fields, one after another."""
    directory = b""
    body = b""
    for tag, content in fields:
        data = content + b"\x1e"
        directory += tag + f"{len(data):04d}{len(body):05d}".encode()
        body += data
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = (f"{length:05d}".encode() + leader_05 + b"am " + leader_09
              + f"22{base:05d} i 4500".encode())
    return leader + directory + b"\x1e" + body + b"\x1d"


# Bytes that make stage 3 fail or that look as if they might, each a few bytes long.
_HARD = st.sampled_from([
    b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x0e", b"\x1b", b"\x1c", b"\x1d", b"\x1f",
    b"\t", b"\n", b"\r", b"\x7f", b"\x80", b"\xff", b"\xc3", b"\xc3\xa9", b"\xe2\x82\xac",
    b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbf\xbd", b"\xed\xa0\x80", b"\xed\xbf\xbf",
    b"\xf0\x9f\x98\x80", b"\xf4\x90\x80\x80", b"\xef\xb7\x90",
])
_PLAIN = st.binary(max_size=6).filter(lambda raw: b"\x1e" not in raw and b"\x1d" not in raw)
_TEXT = st.lists(st.one_of(_PLAIN, _HARD, st.sampled_from([b"a", b"title ", b"caf\xc3\xa9"])),
                 max_size=8).map(b"".join).map(lambda raw: raw.replace(b"\x1d", b""))
_CODE = st.sampled_from([b"a", b"b", b"z", b"6", b"\x01", b"\x1b", b" "])
_LONG = st.integers(1000, 4900).map(lambda size: b"x" * size)


@st.composite
def data_contents(draw: st.DrawFn) -> bytes:
    indicators = draw(st.sampled_from([b"  ", b"10", b"\x0b ", b" \t"]))
    subfields = draw(st.lists(st.tuples(_CODE, st.one_of(_TEXT, _LONG)), min_size=1, max_size=4))
    return indicators + b"".join(b"\x1f" + code + value for code, value in subfields)


_CONTROL = st.tuples(st.sampled_from([b"001", b"003", b"005", b"008"]), _TEXT)
_DATA = st.tuples(st.sampled_from([b"035", b"245", b"500", b"9XX"]), data_contents())


@st.composite
def records(draw: st.DrawFn) -> bytes:
    controls = draw(st.lists(_CONTROL, max_size=3))
    data = draw(st.lists(_DATA, max_size=4))
    if not controls and not data:
        controls = [(b"001", b"ocm1")]
    return record_of(controls + data, leader_09=draw(st.sampled_from([b"a", b"a", b" "])),
                     leader_05=draw(st.sampled_from([b"n", b"n", b"\x1f", b"\x0b", b"\t"])))


@settings(max_examples=500, deadline=None)
@given(records())
def test_the_word_from_the_bytes_is_conversion_problems_being_empty(record: bytes) -> None:
    try:
        bib, convertible = decode_vouched(record)
    except RecordFault:
        return
    converts = conversion_problems(bib) == ()
    if _decode_utf8(record) is not None:  # the direct path: every record built here is laid out
        assert convertible == converts    # field after field
    else:
        assert not convertible


def test_a_plain_utf8_record_with_tab_and_line_ends_is_vouched_for() -> None:
    plain = record_of([(b"001", b"ocm1"), (b"245", b"10\x1faCaf\xc3\xa9\x1fb\tx\r\n")])
    assert decode_vouched(plain)[1] is True


@pytest.mark.parametrize(("fields", "leader_05"), [
    ([(b"001", b"ocm\x1f1")], b"n"),                      # a delimiter in a control field
    ([(b"001", b"ocm1"), (b"245", b"10\x1faT\x0b")], b"n"),  # a C0 control in a value
    ([(b"001", b"ocm1"), (b"245", b"\x0b0\x1faT")], b"n"),   # ... in an indicator
    ([(b"001", b"ocm1"), (b"245", b"10\x1f\x01T")], b"n"),   # ... as a code
    ([(b"001", b"ocm1"), (b"245", b"10\x1faT\xff")], b"n"),  # a byte that is not UTF-8
    ([(b"001", b"ocm1"), (b"245", b"10\x1faT\xed\xa0\x80")], b"n"),  # an encoded surrogate
    ([(b"001", b"ocm1"), (b"245", b"10\x1faT\xef\xbf\xbe")], b"n"),  # U+FFFE
    ([(b"001", b"\xef\xbf\xbf")], b"n"),                 # U+FFFF
    ([(b"001", b"ocm1")], b"\x1f"),                       # a delimiter in the leader
    ([(b"001", b"ocm1")], b"\x1e"),                       # a field terminator in the leader
])
def test_each_problem_is_seen_in_the_bytes(fields: list[tuple[bytes, bytes]], leader_05: bytes
                                           ) -> None:
    record = record_of(fields, leader_05=leader_05)
    bib, convertible = decode_vouched(record)
    assert conversion_problems(bib) != ()
    assert convertible is False


def test_a_marc8_record_is_not_vouched_for_even_when_it_converts() -> None:
    record = record_of([(b"001", b"ocm1"), (b"245", b"10\x1faTitle")], leader_09=b" ")
    bib, convertible = decode_vouched(record)
    assert conversion_problems(bib) == ()
    assert convertible is False


def test_a_field_of_9_999_octets_converts() -> None:
    record = record_of([(b"001", b"ocm1"), (b"520", b"  \x1fa" + b"y" * 9994)])
    bib, convertible = decode_vouched(record)
    assert convertible is True
    assert conversion_problems(bib) == ()


def _zone(bibs: InMemoryZone) -> Zone:
    profile = IntegrationProfile(name="Connexion", password="pw")
    return Zone(institution="01CARLI_XYZ", host=HOST, logon_id="01CARLI_XYZ",
                profiles=[profile], bibs=bibs)


@settings(max_examples=200, deadline=None)
@given(records())
def test_decide_with_the_word_decides_as_without_it(record: bytes) -> None:
    try:
        bib, convertible = decode_vouched(record)
    except RecordFault:
        return
    zone = _zone(InMemoryZone())
    export = Export(record=bib, logon_id="01CARLI_XYZ", password="pw", host=HOST)
    cache = DecisionCache()
    if convertible:
        cache.note_convertible(bib)
    assert decide(export, zone, NOW, cache=cache) == decide(export, zone, NOW)


def test_the_cache_vouches_for_the_record_noted_last_only() -> None:
    first, _ = decode_vouched(record_of([(b"001", b"ocm1")]))
    second, _ = decode_vouched(record_of([(b"001", b"ocm1")]))
    cache = DecisionCache()
    cache.note_convertible(first)
    assert cache.convertible(first)
    assert not cache.convertible(second)  # equal, but not the record noted
    cache.note_convertible(second)
    assert not cache.convertible(first)
