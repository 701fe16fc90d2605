"""What hostile input costs the readers: time and peak Python memory against a same-size baseline.

Theory of operation: each case is one file of about ``--megabytes`` MB built in memory, read
whole with ``read_bibs`` under ``tracemalloc``; its baseline is a file of the same size and the
same format made of ordinary corpus records, read the same way in the same run. A linear reader
with memory bounded per record gives a time ratio near 1 and a peak that does not grow with the
damage. Cases, from an adversarial test of the readers:

* ``xml-comment``: one MARCXML record, a comment of the whole size, one record (was 39 s for
  64 MB: expat rescans an unfinished token each time it is fed);
* ``xml-attribute``: the same with one attribute of the whole size (was 236 MB of memory);
* ``json-record``: one MARC-in-JSON record of about 7 MB (47,000 fields), under the
  8,000,000-character cap on a value's text, so it is decoded whole and then refused for its
  fields (an 8 MB record was 206 s: the value was parsed again for every 64 KB chunk);
* ``iso-digits`` and ``iso-letters``: a damaged ISO 2709 record followed by the whole size of
  digits (or letters) before the next record terminator (digits were 70 times slower).

Run: ``python benchmarks/bench_hostile_costs.py [--megabytes 64] [--repeat 3]``. Prints, per case,
min and median seconds of the case and of its baseline, and the case's peak MB.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import tracemalloc
from pathlib import Path

from almamatch.core.record import Bib, DataField, Subfield
from almamatch.marc import bib_to_marc, bib_to_marc_json, bib_to_marcxml, read_bibs

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = REPOSITORY.parent / "shared" / "corpus"
MB = 1 << 20


def _bibs() -> list[Bib]:
    path = CORPUS / "solrmarc_uva_001_2000.mrc"
    return [item for item in read_bibs(path) if isinstance(item, Bib)][:200]


def _inner(bib: Bib) -> str:
    document = bib_to_marcxml(bib)
    return document[document.index("<record") : document.rindex("</record>") + len("</record>")]


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><collection '
            f'xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>').encode()


def _repeat_to(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def cases(size: int) -> dict[str, tuple[bytes, bytes]]:
    """Each case's file and its baseline (same size, same format, ordinary records)."""
    bibs = _bibs()
    one = bibs[0]
    xml_records = "".join(_inner(bib) for bib in bibs)
    xml_base = _xml(xml_records * max(1, size // len(xml_records.encode())))
    json_base = _repeat_to("\n".join(bib_to_marc_json(bib) for bib in bibs).encode() + b"\n",
                           7 * MB)
    iso_base = _repeat_to(b"".join(bib_to_marc(bib) for bib in bibs), size)
    note = DataField("500", " ", " ", (Subfield("a", "n" * 90),))
    big = one.with_fields([*one.fields, *[note] * (5 * MB // 110)])
    damaged = b"x" + bib_to_marc(one)[1:200]
    return {
        "xml-comment": (_xml(_inner(one) + f"<!--{'c' * size}-->" + _inner(one)), xml_base),
        "xml-attribute": (_xml(_inner(one) + f'<n a="{"a" * size}"/>' + _inner(one)), xml_base),
        "json-record": (bib_to_marc_json(big).encode(), json_base),
        "iso-digits": (bib_to_marc(one) + damaged + b"7" * size + b"\x1d" + bib_to_marc(one),
                       iso_base),
        "iso-letters": (bib_to_marc(one) + damaged + b"q" * size + b"\x1d" + bib_to_marc(one),
                        iso_base),
    }


def seconds(content: bytes) -> tuple[float, int]:
    """Seconds to read ``content`` whole, and the items read."""
    start = time.perf_counter()
    count = sum(1 for _ in read_bibs(io.BytesIO(content)))
    return time.perf_counter() - start, count


def peak_megabytes(content: bytes) -> float:
    """The peak of Python allocations while reading ``content`` (one run under tracemalloc)."""
    tracemalloc.start()
    for _ in read_bibs(io.BytesIO(content)):
        pass
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name, (content, baseline) in cases(args.megabytes * MB).items():
        for label, data in ((name, content), (f"  baseline {name.split('-')[0]}", baseline)):
            runs = [seconds(data) for _ in range(args.repeat)]
            times = [run[0] for run in runs]
            peak = f"  peak {peak_megabytes(data):6.1f} MB" if data is content else ""
            print(f"{label:<24} {len(data) / MB:6.1f} MB  min {min(times):6.2f} s  median "
                  f"{statistics.median(times):6.2f} s  items {runs[0][1]}{peak}", flush=True)


if __name__ == "__main__":
    main()
