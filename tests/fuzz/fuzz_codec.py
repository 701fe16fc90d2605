"""Coverage-guided fuzzing of the decision JSON readers (``decision_from_json``, the batch
line reader) with atheris.

Theory of operation: any text either reads back as a decision, which writes out to JSON that
reads back equal, or raises ``InvalidDecisionJson`` (an ``AlmamatchError``); huge integers
(past ``int()``'s 4,300 digits), ``1e400``, nesting deeper than the interpreter's recursion and
text that is not UTF-8 included. The envelope's ``read_line`` obeys the same rule. Run at length
with ``python tests/fuzz/fuzz_codec.py -max_total_time=600 -max_len=16384 SEED_DIR``.
"""

from __future__ import annotations

import contextlib
import json
import sys

import atheris

with atheris.instrument_imports():
    from almamatch.codec import InvalidDecisionJson, decision_from_json, decision_to_json
    from almamatch.envelope import read_line


def test_one_input(raw: bytes) -> None:
    text = raw.decode("utf-8", "surrogateescape")
    try:
        decision = decision_from_json(text)
    except InvalidDecisionJson:
        pass
    else:
        assert decision_from_json(decision_to_json(decision)) == decision, text[:200]
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return
    if isinstance(value, dict):
        with contextlib.suppress(InvalidDecisionJson):
            read_line(value)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
