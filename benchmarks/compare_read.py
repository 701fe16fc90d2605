"""What the ISO 2709 reader makes of many inputs, written out so that two source trees compare.

Run once per tree and compare the outputs (``cmp``)::

    PYTHONPATH=BEFORE/src python benchmarks/compare_read.py CORPUS OUT_BEFORE [--damaged 4000]
    PYTHONPATH=AFTER/src python benchmarks/compare_read.py CORPUS OUT_AFTER [--damaged 4000]

For every ``.mrc`` and ``.dat`` file of the CORPUS folder (and any file given with ``--also``),
and for ``--damaged`` copies of its records each changed at random (seeded: a byte of the leader,
directory or data set to a terminator, delimiter, control, digit or high byte; a multibyte
character, an empty subfield or a terminator inserted; a byte deleted; two directory entries
swapped; a directory digit changed; Leader/09 changed), it writes one line per answer:
``decode_vouched`` and ``decode_record`` of each record on its own (the ``Bib`` written field by
field with its MARCXML word, or the fault's reason and detail), and ``read_iso2709`` of the whole
file and of the damaged records joined, in chunks of 997 bytes, 64 KiB and the whole, with and
without the MARCXML word (each ``Unreadable`` with its index, offset, reason and detail).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

from almamatch.core.record import Bib, ControlField
from almamatch.marc.framing import frame_records
from almamatch.marc.iso2709 import RecordFault, decode_record, decode_vouched, read_iso2709
from almamatch.marc.unreadable import Unreadable

_CHANGED_TO = (0x1E, 0x1F, 0x1D, 0x00, 0x0B, 0x09, 0x7F, 0x80, 0xC3, 0xFF, 0x30, 0x39, 0x61,
               0x20, 0xBF, 0xEF, 0x0A, 0x1C)
_INSERTED = (b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xed\xa0\x80", b"\x1f\x1f", b"\x1f\x1e", b"\x1e",
             b"\x1f\xc3\xa9", b"\xc3\xa9")


def written(bib: Bib) -> str:
    """The record field by field: kind, tag, indicators, subfield text or subfields."""
    parts: list[object] = [bib.leader]
    for one in bib.fields:
        if isinstance(one, ControlField):
            parts.append(("C", one.tag, one.value))
        else:
            text = one.marc_text
            parts.append(("D", one.tag, one.indicator1, one.indicator2, text,
                          one.subfields if text is None else None))
    return repr(parts)


def on_its_own(record: bytes) -> Iterator[str]:
    try:
        bib, vouched = decode_vouched(record)
        yield f"V{vouched} {written(bib)}"
    except RecordFault as fault:
        yield f"F {fault.reason} {fault.detail}"
    try:
        yield written(decode_record(record))
    except RecordFault as fault:
        yield f"F {fault.reason} {fault.detail}"


def streamed(content: bytes) -> Iterator[str]:
    for size in (997, 1 << 16, max(1, len(content))):
        chunks = [content[at:at + size] for at in range(0, len(content), size)]
        for vouch in (True, False):
            noted: list[Bib] = []
            yield f"## chunks of {size}, MARCXML word {vouch}"
            for item in read_iso2709(chunks, convertible=noted.append if vouch else None):
                if isinstance(item, Unreadable):
                    yield f"U {item.index} {item.offset} {item.reason} {item.detail}"
                else:
                    word = "N" if noted and noted[-1] is item else "-"
                    yield word + written(item)


def damaged(chance: random.Random, record: bytes) -> bytes:
    changed = bytearray(record)
    if len(changed) < 30:
        return record + b"x"
    base = int(record[12:17]) if record[12:17].isdigit() else 24
    directory_end = max(25, min(base, len(changed)))

    def somewhere() -> int:
        where = chance.random()
        if where < 0.2:
            return chance.randrange(0, 24)
        if where < 0.55:
            return chance.randrange(24, directory_end)
        return chance.randrange(0, len(changed))

    kind = chance.random()
    if kind < 0.5:
        changed[somewhere() % len(changed)] = chance.choice(_CHANGED_TO)
    elif kind < 0.6:
        at = somewhere() % len(changed)
        changed[at:at] = chance.choice(_INSERTED)
    elif kind < 0.7:
        del changed[somewhere() % len(changed)]
    elif kind < 0.8 and base > 48 and base <= len(changed):
        entries = (base - 25) // 12
        one, other = chance.randrange(entries), chance.randrange(entries)
        first = bytes(changed[24 + 12 * one: 36 + 12 * one])
        changed[24 + 12 * one: 36 + 12 * one] = changed[24 + 12 * other: 36 + 12 * other]
        changed[24 + 12 * other: 36 + 12 * other] = first
    elif kind < 0.9:
        changed[chance.randrange(24, directory_end) % len(changed)] = chance.choice(
            b"0123456789aZ!")
    else:
        changed[9] = chance.choice(b" a b")
        changed[somewhere() % len(changed)] = chance.randrange(256)
    return bytes(changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--damaged", type=int, default=4000, help="damaged records per file")
    parser.add_argument("--also", type=Path, action="append", default=[])
    given = parser.parse_args()
    files = [*sorted(given.corpus.glob("*.mrc")), *sorted(given.corpus.glob("*.dat")),
             *given.also]
    chance = random.Random(11)
    with given.output.open("w", encoding="utf-8", errors="surrogateescape") as out:
        for path in files:
            content = path.read_bytes()
            out.write(f"# {path.name}\n")
            out.writelines(line + "\n" for line in streamed(content))
            records = [item[0] for item in frame_records([content])
                       if not isinstance(item, Unreadable)]
            changed: list[bytes] = []
            for _ in range(given.damaged if records else 0):
                one = damaged(chance, chance.choice(records))
                changed.append(damaged(chance, one) if chance.random() < 0.3 else one)
            for record in [*records, *changed]:
                out.writelines(line + "\n" for line in on_its_own(record))
            out.write(f"# {path.name}, damaged\n")
            out.writelines(line + "\n" for line in streamed(b"".join(changed)))


if __name__ == "__main__":
    main()
