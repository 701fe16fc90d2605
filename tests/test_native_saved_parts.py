"""A saved zone's record part read in one compiled call (``marcread.SavedParts.part``) against
its definition, ``IndexedZoneView._framed`` then ``iso2709.decode_part``: for each row of a dump
of corpus records (saved as a zone saves them, damaged copies, a record longer than the first
read, offsets that point elsewhere), the same ``Bib`` where the compiled call answers one, and
an answer wherever ``part_bib`` reads the framed bytes itself; None (the caller's Python path)
for everything else. Skipped where the module is not built.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from almamatch.core.merge import MergeMethod, MergePlans
from almamatch.core.record import Bib, ControlField, DataField
from almamatch.core.zone import InMemoryZone
from almamatch.marc import bib_to_marc, iso2709
from almamatch.zonefiles import zones
from almamatch.zonefiles.manifest import InvalidZoneFile
from almamatch.zonefiles.zones import IndexedZoneView, zone_index

try:
    from almamatch._native import marcread
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.marcread is not built (no C compiler at install)",
                allow_module_level=True)

from test_native_marcread import corpus_records, damaged, shape

Positions = Callable[[list[str]], list[int]]
INCOMING = Bib(leader="00000nam a2200000 a 4500", fields=(
    DataField.of("245", "10", ("a", "New")), DataField.of("035", "  ", ("a", "(OCoLC)1"))))


def saved(record: bytes) -> bytes | None:
    """``record`` as a zone saves it (its 003s out), when it reads as UTF-8 with an 001."""
    bib = iso2709._decode_utf8(record) if record[9:10] == b"a" else None
    if bib is None or not any(one.tag == "001" for one in bib.fields):
        return None
    return bib_to_marc(Bib(leader=bib.leader, fields=tuple(
        one for one in bib.fields if one.tag != "003")))


def long_record() -> bytes:
    """A record longer than the first read (``_FIRST_READ``)."""
    return bib_to_marc(Bib(leader="00000nam a2200000 a 4500", fields=(
        ControlField("001", "991"), ControlField("005", "20200101000000.0"),
        *(DataField.of("500", "  ", ("a", f"Note {number} " + "x" * 90))
          for number in range(120)),
        DataField.of("949", "  ", ("a", "item")))))


def view_over(folder: Path, records: list[bytes], starts: list[int], *,
              assigned: bool = False) -> IndexedZoneView:
    """A saved zone's view of as many bibs as ``starts`` (MMS IDs in row order), its dump the
    records one after another, each row's record at its start; ``assigned``: the MMS IDs were
    given by the build (each record read gets its row's in 001)."""
    count = len(starts)
    bibs = {f"99{number:08d}5681": Bib(leader="00000nam a2200000 a 4500", fields=(
        ControlField("001", f"99{number:08d}5681"),)) for number in range(count)}
    dump = folder / "bibs.mrc"
    dump.write_bytes(b"".join(records))
    return IndexedZoneView(zone_index(InMemoryZone.of(bibs)), dump=dump,
                           offsets=np.array(starts, dtype=np.uint64), assigned_mms_ids=assigned)


def readers(chance: random.Random) -> list[Positions]:
    """The merge methods' readers (a table, or a call), and plain calls."""
    found: list[Positions] = []
    for name in MergeMethod.preset_names():
        plans = MergePlans(MergeMethod.preset(name))
        found.append(plans.reader(INCOMING))
        found.append(partial(plans.positions_read, INCOMING))
    kept = {f"{number:03d}" for number in chance.sample(range(1000), 400)}
    found.append(lambda tags: [at for at, tag in enumerate(tags) if tag in kept])
    found.append(lambda tags: None)  # type: ignore[arg-type,return-value]  # no list: handed on
    return found


def pure(view: IndexedZoneView, mms_id: str, positions: Positions) -> object:
    """What the definition reads of the bib's record: ``_framed``, then ``_decode_part``."""
    try:
        framed = view._framed(mms_id)
    except InvalidZoneFile:
        return "no record"
    assert framed is not None
    try:
        found = iso2709._decode_part(framed, positions)
    except (IndexError, TypeError) as error:
        return (type(error).__name__, str(error))
    # A ``Bib`` only where ``part_bib`` reads the record itself (its Python path here: None).
    read_here = marcread.part_bib(framed, positions, lambda record, positions: None)
    return (shape(found) if isinstance(found, Bib) else found,
            isinstance(read_here, Bib))


def test_each_row_reads_as_framed_then_decoded(tmp_path: Path) -> None:
    chance = random.Random(17)
    records = [found for record in corpus_records() if (found := saved(record)) is not None]
    if not records:
        pytest.skip("no corpus")
    records = records[:300]
    records += [damaged(chance, chance.choice(records)) for _ in range(200)]
    records += [long_record(), long_record()[:9000], b"", b"0012"]
    starts = list(np.cumsum([0, *map(len, records[:-1])]))
    # Offsets that point elsewhere: into a record, past the dump's end, one row's twice.
    for _ in range(20):
        starts[chance.randrange(len(starts))] = chance.randrange(sum(map(len, records)) + 50)
    starts.append(starts[3])
    view = view_over(tmp_path, records, starts)
    assert view._starts is not None
    parts = marcread.SavedParts(view._opened(tmp_path / "bibs.mrc"), view._starts)
    read = 0
    for row in range(len(starts)):
        mms_id = f"99{row:08d}5681"
        for positions in readers(chance):
            expected = pure(view, mms_id, positions)
            part = parts.part(row, positions)
            if part is None:
                assert not (isinstance(expected, tuple) and expected[1] is True), row
            else:
                read += 1
                assert isinstance(expected, tuple), row
                assert expected[1] is True, row
                assert shape(part) == expected[0], row
            # With a number: that part when its first 001 is that very text, else None.
            for number in (mms_id, f" {mms_id}", (part and part.control_value("001")) or "1"):
                numbered = parts.part(row, positions, number)
                if part is None or part.control_value("001") != number:
                    assert numbered is None, row
                else:
                    assert numbered is not None
                    assert shape(numbered) == shape(part), row
    assert read > 1000
    assert parts.part(-1, readers(chance)[0]) is None
    assert parts.part(len(starts), readers(chance)[0]) is None


def test_record_part_reads_the_same_compiled_and_pure(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The view's ``record_part`` with the compiled call and without it (faults alike)."""
    if zones._SAVED_PARTS is None:
        pytest.skip("the compiled reading is not wanted (ALMAMATCH_PURE)")
    chance = random.Random(23)
    records = [found for record in corpus_records() if (found := saved(record)) is not None]
    if not records:
        pytest.skip("no corpus")
    records = records[:100] + [damaged(chance, chance.choice(records[:100])) for _ in range(60)]
    starts = list(np.cumsum([0, *map(len, records[:-1])]))
    view = view_over(tmp_path, records, starts, assigned=True)

    def answers() -> list[object]:
        found: list[object] = []
        for row in range(len(starts)):
            plans = MergePlans(MergeMethod.preset("Overlay all fields but local"))
            try:
                part = view.record_part(f"99{row:08d}5681", plans.reader(INCOMING))
            except InvalidZoneFile as error:
                found.append(str(error))
            else:
                found.append(shape(part) if part is not None else None)
        return found

    compiled = answers()
    assert view._parts
    assert sum(isinstance(one, tuple) for one in compiled) > 50
    monkeypatch.setattr(view, "_parts", False)
    assert answers() == compiled
