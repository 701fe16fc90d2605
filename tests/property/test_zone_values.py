"""Hypothesis properties of what the zone views build on the way: the checked constructors of
OCLC numbers, hits, bib facts and MMS ID sequences are the public constructors', and the
shortcuts of ``MmsIdSequence.past`` (and ``moved_past``) answer as the split of the MMS ID
does."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from almamatch import (
    Bib,
    Export,
    InMemoryZone,
    IntegrationProfile,
    OclcNumber,
    Timestamp,
    Zone,
)
from almamatch.core.brief import BriefLevel
from almamatch.core.facts import (
    BibFacts,
    Hit,
    MmsIdSequence,
    Side,
    checked_facts,
    checked_hit,
    checked_sequence,
    moved_past,
    split_mms_id,
)
from almamatch.core.lock import Lock
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm, checked_number

numbers = st.integers(min_value=1, max_value=MAX_OCLC_NUMBER).map(OclcNumber.of)
mms_ids = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
versions = st.none() | st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(Timestamp.from_datetime)
locks = st.none() | st.builds(Lock, institution=st.just("01CARLI_XYZ"),
                              user=st.none() | st.just("cataloger"),
                              last_activity=st.datetimes())


def _same(made: object, public: object) -> None:
    assert type(made) is type(public)
    assert (made == public, hash(made), repr(made)) == (True, hash(public), repr(public))


@given(st.integers(min_value=1, max_value=MAX_OCLC_NUMBER), st.booleans(),
       st.sampled_from(["", "ocm", "ocn", "on"]), st.integers(min_value=0, max_value=31))
def test_checked_number_is_the_constructors(value: int, qualified: bool, prefix: str,
                                            width: int) -> None:
    form = OclcForm(qualified=qualified, prefix=prefix, width=width)
    made, public = checked_number(value, form), OclcNumber(value, form)
    _same(made, public)
    assert made.form == public.form


@given(mms_ids, st.sampled_from(Side), numbers)
def test_checked_hit_is_the_constructors(mms_id: str, side: Side, number: OclcNumber) -> None:
    _same(checked_hit(mms_id, side, number), Hit(mms_id=mms_id, side=side, number=number))


@given(mms_ids, st.lists(numbers, max_size=3).map(tuple), st.lists(numbers, max_size=3).map(tuple),
       st.integers(min_value=1, max_value=10).map(BriefLevel), versions, st.booleans(), locks)
def test_checked_facts_are_the_constructors(
    mms_id: str, active: tuple[OclcNumber, ...], cancelled: tuple[OclcNumber, ...],
    level: BriefLevel, version: Timestamp | None, linked: bool, lock: Lock | None,
) -> None:
    made = checked_facts(mms_id, active=active, cancelled=cancelled, brief_level=level,
                         originating_version=version, cz_linked=linked, lock=lock)
    _same(made, BibFacts(mms_id=mms_id, active=active, cancelled=cancelled, brief_level=level,
                         originating_version=version, cz_linked=linked, lock=lock))


@given(st.integers(min_value=1, max_value=10**40), st.from_regex(r"[0-9]{4}", fullmatch=True))
def test_a_checked_sequence_is_the_constructors(serial: int, suffix: str) -> None:
    _same(checked_sequence(serial, suffix), MmsIdSequence(serial, suffix))


texts = st.text(max_size=12)


@given(texts, texts, st.none() | texts, st.none() | texts)
def test_an_export_is_the_constructors(host: str, logon_id: str, given_logon: str | None,
                                       given_password: str | None) -> None:
    """``Zone.export`` (made without the frozen ``__init__``) equals ``Export(...)``."""
    profile = IntegrationProfile.carli("iz-password")
    zone = Zone(institution="01CARLI_XYZ", host=f"h{host}", logon_id=f"l{logon_id}",
                profiles=(profile,), bibs=InMemoryZone())
    record = Bib(leader="00000cam a2200000 a 4500", fields=[])
    made = zone.export(record, logon_id=given_logon, password=given_password)
    _same(made, Export(record=record, logon_id=zone.logon_id if given_logon is None
                       else given_logon,
                       password="iz-password" if given_password is None else given_password,
                       host=zone.host))


def _past_by_split(sequence: MmsIdSequence, mms_id: str) -> MmsIdSequence:
    """``past`` as its docstring states it: moved after the ID's serial when the ID is of this
    sequence's suffix and at or after its serial."""
    split = split_mms_id(mms_id)
    if split is None or split[1] != sequence.institution_suffix or split[0] < sequence.serial:
        return sequence
    return MmsIdSequence(split[0] + 1, sequence.institution_suffix)


# Serials up to 10**14, and around the largest a split reads (30 digits), past which an ID
# named by the sequence is one no split reads either.
sequences = st.builds(MmsIdSequence, st.one_of(st.integers(min_value=1, max_value=10**14),
                                               st.integers(min_value=10**30 - 3,
                                                           max_value=10**30 + 3)),
                      st.sampled_from(["5681", "0000", "1234"]))


@st.composite
def near_ids(draw: st.DrawFn, sequence: MmsIdSequence) -> str:
    """MMS IDs around the sequence's next one: same or other suffix, serials near it, padded,
    shorter and longer, and text that is no MMS ID."""
    serial = draw(st.integers(min_value=0, max_value=sequence.serial * 2 + 10))
    padding = draw(st.sampled_from(["", "0", "00"]))
    suffix = draw(st.sampled_from([sequence.institution_suffix, "5681", "9999", "56x1"]))
    lead = draw(st.sampled_from(["99", "99", "98", "9"]))
    return f"{lead}{padding}{serial}{suffix}"


@given(st.data())
def test_past_answers_as_the_split_does(data: st.DataObject) -> None:
    sequence = data.draw(sequences)
    ids = st.one_of(near_ids(sequence), st.just(sequence.peek()), mms_ids,
                    st.text(alphabet="0123456789x", max_size=24))
    mms_id = data.draw(ids)
    assert sequence.past(mms_id) == _past_by_split(sequence, mms_id)


@given(st.data())
def test_moved_past_answers_as_the_split_does(data: st.DataObject) -> None:
    """``moved_past``, told the next MMS ID's text, moves the sequence as ``past`` does, and
    gives the sequence itself back when it does not move."""
    sequence = data.draw(sequences)
    ids = st.one_of(near_ids(sequence), st.just(sequence.peek()), mms_ids,
                    st.text(alphabet="0123456789x", max_size=24))
    mms_id = data.draw(ids)
    moved = moved_past(sequence, mms_id, sequence.peek())
    assert moved == _past_by_split(sequence, mms_id)
    assert (moved is sequence) == (moved == sequence)


@given(st.data())
def test_a_zone_moves_its_sequence_past_each_bib_as_past_does(data: st.DataObject) -> None:
    """``InMemoryZone`` keeps its next MMS ID's text and calls ``past`` only for an ID not
    below it: the zone's sequence is still ``past`` folded over every ID held, in order."""
    sequence = data.draw(sequences)
    zone = InMemoryZone(sequence=sequence)
    record = Bib(leader="00000cam a2200000 a 4500", fields=[])
    expected = sequence
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        if data.draw(st.booleans()):  # asked between bibs, as decide() asks
            assert zone.next_mms_id() == expected.peek()
        mms_id = data.draw(st.one_of(near_ids(expected).filter(str.isdigit),
                                     st.just(expected.peek()), mms_ids))
        zone.store(mms_id, record)
        expected = expected.past(mms_id)
        assert zone.sequence == expected
    assert zone.next_mms_id() == expected.peek()


@given(st.lists(st.tuples(st.sampled_from(["991", "992", "993"]),
                          st.lists(st.integers(min_value=1, max_value=4), max_size=3),
                          st.lists(st.integers(min_value=1, max_value=4), max_size=3)),
                max_size=8))
def test_hits_of_held_bibs_are_those_kept_hit_by_hit(
        holds: list[tuple[str, list[int], list[int]]]) -> None:
    """A zone keeps which held bibs carry each number and makes their hits when asked: the hits
    it answers are those a list of every held bib's hits gives, each bib held again going to
    its end (its hits made afresh), in each bib the active numbers first."""
    zone = InMemoryZone()
    kept: list[Hit] = []
    for mms_id, active, cancelled in holds:
        facts = checked_facts(mms_id, active=tuple(map(OclcNumber.of, active)),
                              cancelled=tuple(map(OclcNumber.of, cancelled)),
                              brief_level=BriefLevel(5), originating_version=None,
                              cz_linked=False, lock=None)
        zone._hold(facts)
        kept = [hit for hit in kept if hit.mms_id != mms_id]
        kept += [Hit(mms_id=mms_id, side=side, number=number)
                 for side, numbers in ((Side.ACTIVE, facts.active),
                                       (Side.CANCELLED, facts.cancelled))
                 for number in numbers]
    for value in range(1, 5):
        want = [(hit.mms_id, hit.side, hit.number.value) for hit in kept
                if hit.number.value == value]
        got = zone.hits(OclcNumber.of(value))
        assert isinstance(got, tuple)
        assert [(hit.mms_id, hit.side, hit.number.value) for hit in got] == want
