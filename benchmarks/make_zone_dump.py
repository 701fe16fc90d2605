"""Write a synthetic zone dump as real ISO 2709 bytes: N bibs, MMS ID in 001, about 400 bytes each.

Run: ``python benchmarks/make_zone_dump.py --bibs 10000000 -o /tmp/zone-10m.mrc [--seed 0]``.

The zone-build benchmark (``bench_zone_build.py``) needs dumps of millions of bibs shaped like an
Alma export: a leader (Leader/17 drawn from ``index.synthetic.ENCODING_MIX``), 001 the MMS ID
("99" + serial + suffix 5681), 005, 008, one 035 $a ``(OCoLC)N``, for a fifth of the bibs a
second 035 (a cancelled $z or the number written ``ocm``), then 100, 245, 264, 300 and two 650s.
Records are written directly as bytes (leader, directory, fields), so that writing 10 million
takes minutes, not the hours a pymarc round trip would; ``tests/test_store_build.py`` checks that
the reader reads what this writes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from almamatch.index.synthetic import ENCODING_MIX

FIELD_END = b"\x1e"
RECORD_END = b"\x1d"
SUBFIELD = b"\x1f"
WORDS = ("history", "river", "letters", "songs", "atlas", "garden", "theory", "nation", "voices",
         "maps", "poems", "engines", "harbor", "winter", "glass", "stone", "birds", "markets")


def _field(indicators: bytes, *subfields: tuple[bytes, bytes]) -> bytes:
    return indicators + b"".join(SUBFIELD + code + value for code, value in subfields)


def record_bytes(mms_id: int, number: int, level: str, rng: random.Random) -> bytes:
    """One ISO 2709 record of the synthetic zone."""
    year = rng.randint(1950, 2025)
    version = (f"{rng.randint(2000, 2024)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
               f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}.0")
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    fields: list[tuple[bytes, bytes]] = [
        (b"001", str(mms_id).encode()),
        (b"005", version.encode()),
        (b"008", f"240501s{year}    ilu           000 0 eng d".encode()),
        (b"035", _field(b"  ", (b"a", f"(OCoLC){number}".encode()))),
    ]
    extra = rng.random()
    if extra < 0.1:
        fields.append((b"035", _field(b"  ", (b"z", f"(OCoLC){number + 7_000_000_000}".encode()))))
    elif extra < 0.2 and number < 10**8:
        fields.append((b"035", _field(b"  ", (b"a", f"(OCoLC)ocm{number:08d}".encode()))))
    fields += [
        (b"100", _field(b"1 ", (b"a", f"Author, {rng.choice(WORDS).title()}.".encode()))),
        (b"245", _field(b"10", (b"a", f"The {title} /".encode()),
                        (b"c", b"by a synthetic author."))),
        (b"264", _field(b" 1", (b"a", b"Chicago :"), (b"b", b"Synthetic Press,"),
                        (b"c", f"{year}.".encode()))),
        (b"300", _field(b"  ", (b"a", f"{rng.randint(50, 900)} pages ;".encode()),
                        (b"c", b"24 cm"))),
        (b"650", _field(b" 0", (b"a", rng.choice(WORDS).title().encode()),
                        (b"x", b"History."))),
        (b"650", _field(b" 0", (b"a", rng.choice(WORDS).title().encode()),
                        (b"v", b"Periodicals."))),
    ]
    directory = bytearray()
    body = bytearray()
    for tag, data in fields:
        content = data + FIELD_END
        directory += tag + f"{len(content):04d}{len(body):05d}".encode()
        body += content
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = f"{length:05d}nam a22{base:05d}{level}i 4500".encode()
    return leader + bytes(directory) + FIELD_END + bytes(body) + RECORD_END


def write_dump(path: Path, bibs: int, seed: int) -> None:
    """Write ``bibs`` records to ``path`` (through a temporary file renamed at the end)."""
    rng = random.Random(seed)
    levels = list(ENCODING_MIX)
    weights = list(ENCODING_MIX.values())
    temporary = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    with temporary.open("wb") as out:
        chunk: list[bytes] = []
        drawn = rng.choices(levels, weights, k=min(bibs, 1 << 16))
        for serial in range(bibs):
            # MMS IDs "99" + ten-digit serial + 5681; OCLC numbers distinct, spread out.
            mms_id = (99 * 10**10 + 10**9 + serial) * 10**4 + 5681
            number = 1000 + serial * 17 + rng.randrange(17)
            chunk.append(record_bytes(mms_id, number, drawn[serial % len(drawn)], rng))
            if len(chunk) == 10_000:
                out.write(b"".join(chunk))
                chunk.clear()
                if serial % 1_000_000 == 999_999:
                    sys.stderr.write(f"{serial + 1} bibs, {time.perf_counter() - started:.0f} s\n")
        out.write(b"".join(chunk))
    temporary.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bibs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write_dump(args.output, args.bibs, args.seed)


if __name__ == "__main__":
    main()
