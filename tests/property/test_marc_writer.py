"""The ISO 2709 writer's one-piece path writes what the piece-by-piece path writes (Hypothesis).

``marc.convert._field_bytes`` encodes a data field's text at once when nothing in it needs a
look, else hands it to ``_checked_field_bytes``, which encodes and checks each piece and names
the first fault; the two must give the same bytes or the same error, whatever the field holds.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from almamatch import DataField, Subfield
from almamatch.core.errors import InvalidRecord
from almamatch.marc.convert import _checked_field_bytes, _field_bytes

# Characters that test each check: delimiters, non-ASCII, a byte kept as a lone surrogate
# (written back as that byte), a surrogate UTF-8 cannot write.
odd = st.sampled_from(["\x1d", "\x1e", "\x1f", "é", "\udc80", "\ud800", "a", " ", "0"])
texts = st.lists(st.one_of(odd, st.text(max_size=3)), max_size=4).map("".join)
codes = st.one_of(odd, st.sampled_from(["", "ab", "a9"]), st.text(max_size=2))
indicators = st.one_of(odd, st.sampled_from(["1", "#"]))
fields = st.builds(
    DataField,
    st.sampled_from(["245", "035", "9XX"]), indicators, indicators,
    st.lists(st.builds(Subfield, codes, texts), max_size=4))


def written(field: DataField, write: object) -> bytes | tuple[str, tuple[object, ...]]:
    assert callable(write)
    try:
        result = write(field)
    except InvalidRecord as error:
        return (type(error).__name__, error.args)
    assert isinstance(result, bytes)
    return result


@settings(max_examples=200, deadline=None)
@given(fields)
@example(DataField("245", "1", "0", [Subfield("", "x"), Subfield("ab", "y")]))  # codes 0 + 2
@example(DataField("245", "1", "0", [Subfield("\udc80", "x")]))  # a code of one byte, not ASCII
def test_a_field_written_at_once_is_the_field_written_piece_by_piece(field: DataField) -> None:
    assert written(field, _field_bytes) == written(field, _checked_field_bytes)
