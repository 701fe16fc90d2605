"""The compiled lookups of a zone index (``almamatch._native.zonekeys``) against their Python
twins, ``ZoneIndex.hits``, ``row_of`` and ``facts_of_row``, called side by side: the same hits
and facts, value for value and type for type (each number's form, each side and brief level the
very object the Python path gives), the same notes in the caller's memo of rows, the same error
where the Python path raises, for every number and MMS ID of generated indexes (uint32 and uint64
keys, numbers with one key and several, both sides, every form, locks) and of the example zone.
Skipped where the module is not built.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core.facts import BibFacts, Hit
from almamatch.core.lock import Lock
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcNumber
from almamatch.core.timestamp import Timestamp
from almamatch.index import zone as zone_module
from almamatch.index.version import decode_version, encode_version
from almamatch.index.zone import NOTED_ROWS, ZoneIndex
from almamatch.zonefiles import load_zone
from almamatch.zonefiles.zones import IndexedZoneView, zone_index

try:
    from almamatch._native import zonekeys
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.zonekeys is not built (no C compiler at install)",
                allow_module_level=True)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
UINT64_MAX = 2**64 - 1
LOCK = Lock(institution="01CARLI_UIU", user="cataloger",
            last_activity=datetime(2026, 3, 1, 10, 15, tzinfo=UTC))


def compiled_lookups(index: ZoneIndex) -> tuple[Callable[..., Any], ...]:
    """The compiled twins, built for ``index`` whatever ``ALMAMATCH_PURE`` says."""
    assert zone_module._ZONE_KEYS is not None or zonekeys.ZoneKeys is not None
    picked = zone_module._ZONE_KEYS
    try:
        zone_module._ZONE_KEYS = zonekeys.ZoneKeys  # type: ignore[misc]  # this test alone
        found = index.lookups()
    finally:
        zone_module._ZONE_KEYS = picked  # type: ignore[misc]
    assert all(isinstance(getattr(one, "__self__", None), zonekeys.ZoneKeys) for one in found)
    return found


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", call()
    except Exception as error:  # the two paths must raise alike
        return "error", (type(error), str(error))


def number_shape(number: OclcNumber) -> tuple[object, ...]:
    # The form is compared by identity: the Python path shares one form per code.
    return type(number), type(number.value), number.value, id(number.form)


def hit_shape(hit: Hit) -> tuple[object, ...]:
    return (type(hit), type(hit.mms_id), hit.mms_id, id(hit.side), number_shape(hit.number))


def facts_shape(facts: BibFacts) -> tuple[object, ...]:
    return (type(facts), type(facts.mms_id), facts.mms_id, type(facts.active),
            tuple(map(number_shape, facts.active)), type(facts.cancelled),
            tuple(map(number_shape, facts.cancelled)), id(facts.brief_level),
            type(facts.originating_version), facts.originating_version,
            None if facts.originating_version is None else facts.originating_version.text,
            type(facts.cz_linked), facts.cz_linked, id(facts.lock))


def same_hits(index: ZoneIndex, hits: Callable[..., Any], number: OclcNumber,
              noted: int) -> None:
    """Both paths' hits of ``number``, each given a memo already holding ``noted`` rows."""
    memos: list[dict[str, int | None]] = [{f"99{at}": at for at in range(noted)}
                                          for _ in range(2)]
    python = outcome(lambda: index.hits(number, memos[0]))
    compiled = outcome(lambda: hits(number, memos[1]))
    if python[0] == "value":
        assert compiled[0] == "value", (number, compiled)
        assert type(compiled[1]) is tuple
        assert [hit_shape(one) for one in compiled[1]] == [hit_shape(one) for one in python[1]]
        assert compiled[1] == python[1]
    else:
        assert compiled == python, number
    assert list(memos[1].items()) == list(memos[0].items()), number
    assert outcome(lambda: hits(number)) == outcome(lambda: index.hits(number))


def same_row(index: ZoneIndex, row_of: Callable[..., Any], mms_id: Any) -> None:
    assert outcome(lambda: row_of(mms_id)) == outcome(lambda: index.row_of(mms_id)), mms_id


def same_facts(index: ZoneIndex, facts_of_row: Callable[..., Any], row: Any) -> None:
    python = outcome(lambda: index.facts_of_row(row))
    compiled = outcome(lambda: facts_of_row(row))
    if python[0] == "value":
        assert compiled[0] == "value", (row, compiled)
        assert facts_shape(compiled[1]) == facts_shape(python[1]), row
        assert compiled[1] == python[1]
    else:
        assert compiled == python, row


def agrees(index: ZoneIndex, numbers: list[int], mms_ids: list[Any]) -> None:
    hits, row_of, facts_of_row = compiled_lookups(index)
    for value, noted in itertools.product(numbers, (0, 1, NOTED_ROWS - 1, NOTED_ROWS)):
        same_hits(index, hits, OclcNumber.of(value), noted)
    for mms_id in mms_ids:
        same_row(index, row_of, mms_id)
    for row in [*range(index.bib_count), -1, index.bib_count, index.bib_count + 5]:
        same_facts(index, facts_of_row, row)


def numbers_around(index: ZoneIndex) -> list[int]:
    """Every key's value, its neighbours, and numbers past the largest key."""
    values = {int(one) for one in index.key_values.tolist()}
    largest = max(values, default=0)
    around = {value + step for value in values for step in (-1, 0, 1)}
    return sorted(value for value in around | {1, 2, 2**32 - 1, 2**32, largest + 1,
                                                MAX_OCLC_NUMBER}
                  if 1 <= value <= MAX_OCLC_NUMBER)


def mms_ids_around(index: ZoneIndex) -> list[Any]:
    """Every MMS ID, its neighbours, past the last, and texts that are not MMS IDs."""
    ids = [int(one) for one in index.mms_ids.tolist()]
    near = {one + step for one in ids for step in (-1, 0, 1) if 0 <= one + step <= UINT64_MAX}
    texts = [str(one) for one in sorted(near)]
    last = max(ids, default=0)
    return [*texts, *(f"00{one}" for one in texts[:5]), str(last + 1), str(UINT64_MAX),
            str(UINT64_MAX + 1), "9" * 20, "9" * 21, "1" + "0" * 20, "0" * 20, "0" * 21, "",
            "x", "12a", " 1", "+1", "-1", "٩٩١", "\uff11\uff12", "9" * 5000, "99\udcff"]


mms_id_values = st.one_of(st.integers(0, 2000), st.integers(990_000_000_000, 10**19),
                          st.integers(10**19, UINT64_MAX))
versions = st.one_of(st.just(-1), st.integers(0, 3 * 10**18),
                     st.sampled_from([encode_version(Timestamp.parse(text)) for text in (
                         "20260301101500.0", "19991231235959.1234567", "00010101000000")]))
bibs_of = st.lists(st.tuples(mms_id_values, st.integers(1, 10), versions, st.booleans(),
                             st.booleans()),
                   min_size=0, max_size=14, unique_by=lambda bib: bib[0])
keys_of = st.lists(
    st.tuples(st.integers(0, 13),
              st.one_of(st.integers(1, 40), st.integers(1, 2**32 - 1),
                        st.integers(2**32, MAX_OCLC_NUMBER)),
              st.integers(0, 1), st.integers(0, 255)),
    max_size=50)


@settings(max_examples=120, deadline=None)
@given(bibs=bibs_of, keys=keys_of, narrow=st.booleans())
def test_the_compiled_lookups_answer_as_the_python_ones(
        bibs: list[tuple[int, int, int, bool, bool]], keys: list[tuple[int, int, int, int]],
        narrow: bool) -> None:
    if narrow:  # uint32 keys
        keys = [(bib, value % 2**32 or 1, side, form) for bib, value, side, form in keys]
    keys = [one for one in keys if one[0] < len(bibs)]
    index = ZoneIndex.from_arrays(
        mms_ids=np.array([bib[0] for bib in bibs], dtype=np.uint64),
        brief_levels=[bib[1] for bib in bibs], versions=[bib[2] for bib in bibs],
        cz_linked=[bib[3] for bib in bibs],
        key_bibs=np.array([one[0] for one in keys], dtype=np.int64),
        key_values=np.array([one[1] for one in keys], dtype=np.uint64),
        key_sides=[one[2] for one in keys], key_forms=[one[3] for one in keys],
        locks={bib[0]: LOCK for bib in bibs if bib[4]})
    agrees(index, numbers_around(index), mms_ids_around(index))


#: The last encoded moment ``decode_version`` reads: 9999-12-31T23:59:59.9999999.
LAST_CODE = encode_version(Timestamp.parse("99991231235959.9999999"))


def same_moment(code: int) -> None:
    compiled, python = zonekeys.moment_of(code), decode_version(code)
    assert python is not None, code
    assert compiled is not None, code
    assert (type(compiled), compiled.digits, compiled.fraction, compiled.text) == (
        type(python), python.digits, python.fraction, python.text), code


@settings(max_examples=400, deadline=None)
@given(code=st.one_of(st.integers(0, LAST_CODE),
                      st.integers(0, 400 * 366 * 86_400 * 10**7),  # the first 400 years
                      st.integers(LAST_CODE - 10**15, LAST_CODE)))
def test_the_compiled_version_decoding_is_the_python_one(code: int) -> None:
    same_moment(code)


def test_the_compiled_version_decoding_at_every_month_end_and_leap_day() -> None:
    # Each month's last day and the next first day, in years that are leap years by each rule
    # and not (1600, 2000 are; 1700, 1900, 2100 are not; 4 and 2024 are), at the day's ends.
    for year in (1, 4, 100, 400, 1600, 1700, 1900, 1999, 2000, 2024, 2100, 9999):
        for month in range(1, 13):
            for day in (1, 28, 29, 30, 31):
                try:
                    moment = datetime(year, month, day, tzinfo=UTC)
                except ValueError:
                    continue
                digits = f"{moment:%Y%m%d}".zfill(8)
                for text in (f"{digits}000000", f"{digits}235959.9", f"{digits}120000.0000001",
                             f"{digits}000001.5"):
                    same_moment(encode_version(Timestamp.parse(text)))
    for code in (0, 1, 10**7 - 1, 10**7, LAST_CODE):
        same_moment(code)
    # Past the last day, -1 and a negative code are the Python decoding's alone.
    for code in (LAST_CODE + 1, -1, -5, 2**63 - 1, 2**63):
        assert zonekeys.moment_of(code) is None
    assert zonekeys.moment_of("5") is None  # type: ignore[arg-type]  # not an int: not read


def test_a_number_with_many_keys_on_both_sides() -> None:
    # One value on twelve bibs, in every side and many forms; a neighbour on one.
    index = ZoneIndex.from_arrays(
        mms_ids=[991_000 + at for at in range(12)], brief_levels=[*range(1, 11), 5, 7],
        versions=[-1] * 12, cz_linked=[at % 2 == 0 for at in range(12)],
        key_bibs=[*range(12), 3], key_values=[777] * 12 + [778],
        key_sides=[at % 2 for at in range(12)] + [1], key_forms=[at * 21 for at in range(13)])
    hits, _, _ = compiled_lookups(index)
    assert len(hits(OclcNumber.of(777))) == 12
    agrees(index, numbers_around(index), mms_ids_around(index))


def test_the_example_zone() -> None:
    index = zone_index(load_zone(EXAMPLES / "zone"))
    assert index.key_count
    assert index.bib_count
    agrees(index, numbers_around(index), mms_ids_around(index))


def test_unusual_columns_are_left_to_the_python_lookups() -> None:
    # A side or a brief level out of the tables, and a key's row past the bibs: the compiled
    # lookups read none of them and hand the call to the index's own method.
    index = ZoneIndex.from_arrays(
        mms_ids=[991, 992, 993], brief_levels=[10, 5, 1], versions=[-1, -1, -1],
        cz_linked=[False, True, False], key_bibs=[0, 1, 2], key_values=[5, 6, 7],
        key_sides=[0, 1, 0], key_forms=[0, 0, 0])
    damaged = evolve(index, key_sides=np.array([0, 2, 0], dtype=np.uint8),
                     brief_levels=np.array([10, 0, 11], dtype=np.uint8),
                     key_rows=np.array([0, 1, 7], dtype=np.uint32),
                     row_starts=np.array([0, 1, 2, 3], dtype=np.uint32))
    agrees(damaged, [5, 6, 7, 8], ["991", "992", "993"])


def test_the_saved_zone_view_uses_the_compiled_lookups(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    index = zone_index(load_zone(EXAMPLES / "zone"))
    (tmp_path / "index").mkdir()
    index.save(tmp_path / "index")
    monkeypatch.setattr(zone_module, "_ZONE_KEYS", zonekeys.ZoneKeys)
    compiled = IndexedZoneView.open(tmp_path, digests_checked=True)
    monkeypatch.setattr(zone_module, "_ZONE_KEYS", None)
    python = IndexedZoneView.open(tmp_path, digests_checked=True)
    assert isinstance(compiled._find_row.__self__, zonekeys.ZoneKeys)  # type: ignore[attr-defined]
    assert python._find_row == python.index.row_of
    for value in numbers_around(index):
        number = OclcNumber.of(value)
        assert [hit_shape(one) for one in compiled.hits(number)] == [
            hit_shape(one) for one in python.hits(number)]
        for hit in compiled.hits(number):
            left, right = compiled.facts(hit.mms_id), python.facts(hit.mms_id)
            assert left is not None
            assert right is not None
            # Each view's index has its own locks (read from its own locks.json).
            assert facts_shape(left)[:-1] == facts_shape(right)[:-1]
            assert left.lock == right.lock
    for mms_id in mms_ids_around(index):
        assert compiled.facts(mms_id) == python.facts(mms_id)
