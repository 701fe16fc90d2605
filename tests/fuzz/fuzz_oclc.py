"""Coverage-guided fuzzing of ``OclcNumber.parse`` (and the other digit readers) with atheris.

Theory of operation: any text either parses to an ``OclcNumber`` or raises ``InvalidOclcNumber``
(a ``ValueError`` naming the text); nothing else. A number that parses prints in its 035 form,
which parses back to an equal value, and its 001 form parses to the same number. The first byte
of an input also says how much zero padding to put before the digits of the rest (up to 8,160
zeros), so every run reaches texts past 4,096 bytes and past ``int()``'s 4,300-digit limit, as a
legal 035 does; brief levels read the same texts. Run at length with
``python tests/fuzz/fuzz_oclc.py -max_total_time=600 -max_len=16384 SEED_DIR``.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from almamatch.core.brief import BriefLevel
    from almamatch.core.errors import InvalidBriefLevel, InvalidOclcNumber
    from almamatch.core.oclc import OclcNumber

#: Zeros per unit of the first byte: 255 * 32 = 8,160, past 4,096 bytes and 4,300 digits.
PADDING_STEP = 32


def check(text: str) -> None:
    """``text`` is a number that round-trips, or ``InvalidOclcNumber``; nothing else."""
    try:
        number = OclcNumber.parse(text)
    except InvalidOclcNumber:
        return
    again = OclcNumber.parse(str(number))
    assert again.value == number.value, (text[:80], number, again)
    assert OclcNumber.parse(number.control_number).value == number.value, (text[:80], number)
    assert OclcNumber.parse(number.literal).value == number.value, (text[:80], number)


def test_one_input(raw: bytes) -> None:
    """Parse ``raw`` as text, invalid UTF-8 kept as lone surrogates as the MARC reader keeps it;
    then the same text with its first byte turned into zero padding before the digits."""
    text = raw.decode("utf-8", "surrogateescape")
    check(text)
    if not raw:
        return
    rest = raw[1:].decode("utf-8", "surrogateescape")
    qualifier, _, digits = rest.rpartition(")")
    padded = f"{qualifier}{')' if _ else ''}{'0' * (raw[0] * PADDING_STEP)}{digits}"
    check(padded)
    with contextlib.suppress(InvalidBriefLevel):
        BriefLevel.parse(padded)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
