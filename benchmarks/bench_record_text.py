"""Per-record CPU of reading a record (``decode_vouched``) and of writing its JSON (the record
part of the JSON line, ``codec.JsonWriter``), each record framed once beforehand, gc off.

Run, from a checkout (to compare two checkouts, run it with each one's ``src`` first on
``PYTHONPATH``, alternately, in the same session)::

    python benchmarks/bench_record_text.py EXPORTS.mrc [--repeat 3]

Prints the load average before and after, and for each arm the min and median over the
repeats of CPU microseconds per record (``time.process_time``).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import almamatch
from almamatch.codec import JsonWriter
from almamatch.marc.framing import frame_spans
from almamatch.marc.iso2709 import decode_vouched
from almamatch.marc.unreadable import Unreadable


def per_record(step: Callable[[Any], object], items: Sequence[Any], repeat: int
               ) -> list[float]:
    """CPU microseconds per item of ``step`` over ``items``, once per repeat."""
    found = []
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            step(item)
        found.append((time.process_time() - start) / len(items) * 1e6)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    records: list[bytes] = []
    for framed in frame_spans([options.exports.read_bytes()]):
        if not isinstance(framed, Unreadable):
            content, start, end, _, _ = framed
            records.append(content[start:end])
    print(f"almamatch from {Path(almamatch.__file__).parent}, {len(records)} records, "
          f"load {os.getloadavg()}")
    gc.disable()
    bibs = [decode_vouched(record)[0] for record in records]
    text = JsonWriter(ensure_ascii=False).text
    for bib in bibs[:100]:  # the writer's tables of tags and codes filled
        text(bib)
    arms = {
        "decode_vouched": per_record(decode_vouched, records, options.repeat),
        "JSON record": per_record(text, bibs, options.repeat),
    }
    for name, times in arms.items():
        print(f"{name}: min {min(times):.2f} median {statistics.median(times):.2f} "
              "CPU us per record")
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
