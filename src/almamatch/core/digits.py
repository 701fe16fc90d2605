"""Numbers written in ASCII digits, read without Python's limit on ``int()`` of long strings.

Theory of operation: ``int()`` refuses a string of more than 4,300 digits with a plain
``ValueError`` (``sys.get_int_max_str_digits``, CPython's guard against quadratic conversion), and
the fields almamatch reads may hold zero padding of any length (a legal 035 of 4,308 bytes).
``digits_value`` drops the padding before converting and gives None for text that is not ASCII
digits or whose value needs more significant digits than the caller allows, so a caller turns
that into its own typed error and no digit string can raise from inside a conversion.
"""

from __future__ import annotations

__all__ = ["digits_value"]


def digits_value(text: str, *, max_digits: int) -> int | None:
    """The value of ``text`` (ASCII digits, leading zeros allowed), or None.

    None when ``text`` is empty, holds anything but ASCII digits, or its value has more than
    ``max_digits`` significant digits.

    >>> digits_value("0" * 5000 + "42", max_digits=19)
    42
    >>> digits_value("4" * 20, max_digits=19) is None
    True
    """
    if not text or not text.isascii() or not text.isdigit():
        return None
    significant = text.lstrip("0")
    if len(significant) > max_digits:
        return None
    return int(significant or "0")
