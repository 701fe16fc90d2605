"""Coverage-guided fuzzing of ``OclcNumber.parse`` with atheris.

Theory of operation: any text either parses to an ``OclcNumber`` or raises ``InvalidOclcNumber``
(a ``ValueError`` naming the text); nothing else. A number that parses prints in its 035 form,
which parses back to an equal value, and its 001 form parses to the same number. Run at length
with ``python tests/fuzz/fuzz_oclc.py -max_total_time=600 tests/fuzz/corpus/oclc``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from almamatch.core.errors import InvalidOclcNumber
    from almamatch.core.oclc import OclcNumber


def test_one_input(raw: bytes) -> None:
    """Parse ``raw`` as text, invalid UTF-8 kept as lone surrogates as the MARC reader keeps it."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        number = OclcNumber.parse(text)
    except InvalidOclcNumber:
        return
    again = OclcNumber.parse(str(number))
    assert again.value == number.value, (text, number, again)
    assert OclcNumber.parse(number.control_number).value == number.value, (text, number)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
