"""An overlay's records kept packed (``store.packed``): ``unpack(pack(bib))`` equals ``bib`` for
every record the packed form holds, ``pack`` declines the rest (kept as they are); the compiled
twins (``almamatch._native.packed``) give the same bytes and records as the definitions, for the
corpus and for generated records (surrogates, terminators, delimiters, odd tags and indicators);
and a zone keeping its records packed answers exactly as one keeping them in a dict.
"""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.record import Bib, ControlField, DataField, Subfield
from almamatch.core.zone import HeldBib, InMemoryZone
from almamatch.marc import bib_to_marc
from almamatch.store import packed
from almamatch.store.packed import PackedRecords, pack, unpack
from corpus_files import corpus_bibs
from record_strategies import records

try:
    from almamatch._native import packed as compiled
except ImportError:  # pragma: no cover (a machine without a C compiler)
    compiled = None  # type: ignore[assignment]

needs_compiled = pytest.mark.skipif(compiled is None, reason="_native.packed is not built")

characters = st.one_of(
    st.characters(),
    st.characters(max_codepoint=0x20),  # C0, the delimiter and terminator among them
    st.characters(categories=["Cs"]),  # lone surrogates
    st.sampled_from("\x1e\x1f\x1d\x7f\x80\xff\u0100\u07ff\u0800\uffff😀\U0010ffff"),
)
texts = st.lists(characters, max_size=10).map("".join)
tags = st.one_of(st.sampled_from(["001", "003", "005", "008", "009", "035", "245", "9Zz"]),
                 st.from_regex(r"[0-9A-Za-z]{3}", fullmatch=True))
codes = st.one_of(characters, st.sampled_from(["", "ab"]))  # "" and "ab": a tuple of subfields


bibs = records(characters=characters, texts=texts, tags=tags, codes=codes)


def round_trip(bib: Bib) -> bytes | None:
    """``pack(bib)``, checked: None exactly when the packed form cannot hold ``bib``, else
    bytes that unpack to a record equal to it, field classes and all."""
    data = pack(bib)
    if data is not None:
        again = unpack(data)
        assert again == bib
        assert [one.__class__ for one in again.fields] == [one.__class__ for one in bib.fields]
        assert [one.marc_text for one in again.fields if isinstance(one, DataField)] == [
            one.marc_text for one in bib.fields if isinstance(one, DataField)]
    return data


def holds(bib: Bib) -> bool:
    """What the packed form holds, said directly: every field a ``ControlField`` or a
    ``DataField`` whose subfields are kept as text, no terminator inside a field."""
    for one in bib.fields:
        if isinstance(one, DataField):
            if one.marc_text is None:
                return False
            text = one.indicators + one.marc_text
        else:
            text = one.value
        if "\x1e" in text:
            return False
    return True


@settings(max_examples=120, deadline=None)
@given(bibs)
def test_a_record_packs_and_unpacks_to_itself_or_is_kept_as_it_is(bib: Bib) -> None:
    assert (round_trip(bib) is not None) == holds(bib)


@needs_compiled
@settings(max_examples=120, deadline=None)
@given(bibs)
def test_the_compiled_twins_pack_and_unpack_as_the_definitions(bib: Bib) -> None:
    assert compiled is not None
    data = pack(bib)
    assert compiled.pack(bib) == data
    if data is not None:
        assert compiled.unpack(data) == unpack(data)


def test_the_corpus_packs_smaller_than_iso_2709_and_back() -> None:
    bibs = corpus_bibs("solrmarc_uva_001_2000.mrc", 400)
    assert len(bibs) == 400
    for bib in bibs:
        data = round_trip(bib)
        assert data is not None  # every record of it is of the usual shape
        if compiled is not None:
            assert compiled.pack(bib) == data
            assert compiled.unpack(data) == bib
        assert len(data) < len(bib_to_marc(bib))  # no directory, no record length


def test_what_the_packed_form_cannot_hold_is_kept_as_it_is() -> None:
    leader = "00000nam a2200000 a 4500"

    @frozen
    class Odd(ControlField):
        pass

    kept: list[Any] = [
        Bib(leader=leader, fields=[ControlField("001", "a\x1eb")]),  # a terminator in a value
        Bib(leader=leader, fields=[DataField("245", "\x1e", " ", [Subfield("a", "x")])]),
        Bib(leader=leader, fields=[DataField("245", " ", "\x1e", [Subfield("a", "x")])]),
        Bib(leader=leader, fields=[DataField("245", " ", " ", [Subfield("ab", "x")])]),  # tuple
        Bib(leader=leader, fields=[Odd("001", "1")]),  # a field of another class
    ]
    for bib in kept:
        assert pack(bib) is None
        if compiled is not None:
            assert compiled.pack(bib) is None
        records = PackedRecords()
        records["1"] = bib
        assert records.get("1") is bib
    # An indicator that is not ASCII is written as any text is (the usual ones at once).
    for odd in (DataField("245", "\xe9", " ", [Subfield("a", "x")]),
                DataField("245", "\u0101", "\U0001d11e", [Subfield("a", "x\xe9")])):
        bib = Bib(leader=leader, fields=[odd, DataField("500", " ", " ", [Subfield("a", "y")])])
        assert unpack(pack(bib) or b"") == bib
        if compiled is not None:
            assert compiled.pack(bib) == pack(bib)
    empty = Bib(leader=leader)
    assert unpack(pack(empty) or b"") == empty
    with_terminator = Bib(leader="\x1e" * 24, fields=[ControlField("001", "1")])
    assert round_trip(with_terminator) is not None  # the leader is read by its length


def test_packed_records_keep_get_pop_and_clear() -> None:
    records = PackedRecords()
    bib = corpus_bibs("solrmarc_uva_001_2000.mrc", 1)[0]
    records["99"] = bib
    assert list(records) == ["99"]
    assert records.get("99") == bib
    assert records.get("98") is None
    assert records.packed_size() == len(pack(bib) or b"")
    assert records.pop("99", None) == bib
    assert records.pop("99", None) is None
    records["99"] = bib
    records.clear()
    assert records.get("99") is None
    assert not len(records)


@pytest.mark.parametrize("pure", [False, True])
def test_a_zone_keeping_its_records_packed_answers_as_one_keeping_them_whole(
    pure: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pure:
        monkeypatch.setattr(packed, "_PACK", pack)
        monkeypatch.setattr(packed, "_UNPACK", unpack)
    bibs = corpus_bibs("solrmarc_uva_001_2000.mrc", 60)
    whole, kept = InMemoryZone(), InMemoryZone(records=PackedRecords())
    for zone in (whole, kept):
        for number, bib in enumerate(bibs, start=1):
            zone.store(f"99{number:04d}", bib)
        zone.store("990001", bibs[-1])  # replaced
        facts = zone.facts("990002")
        assert facts is not None
        zone.hold(HeldBib(facts=facts, record=None))  # its record dropped
    assert list(whole) == list(kept)
    for mms_id in whole:
        assert kept.record(mms_id) == whole.record(mms_id)
        assert kept.record_part(mms_id, lambda tags: [0]) == whole.record_part(
            mms_id, lambda tags: [0])
        assert kept.facts(mms_id) == whole.facts(mms_id)
    assert list(kept.held()) == list(whole.held())
    kept.release()
    assert kept.record("990003") is None
    assert not len(kept)
