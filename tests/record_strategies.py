"""Hypothesis strategies of records, shared by the tests that generate them: each test gives the
characters, texts, tags and subfield codes its own property needs."""

from __future__ import annotations

from hypothesis import strategies as st

from almamatch.core.record import Bib, ControlField, DataField, Subfield

__all__ = ["records"]


@st.composite
def records(draw: st.DrawFn, *, characters: st.SearchStrategy[str],
            texts: st.SearchStrategy[str], tags: st.SearchStrategy[str],
            codes: st.SearchStrategy[str], most_fields: int = 8,
            most_subfields: int = 4) -> Bib:
    """Records of up to ``most_fields`` fields, each tagged from ``tags``: a ``ControlField``
    (a text) for a tag of digits starting ``00``, else a ``DataField`` (two indicators from
    ``characters``, up to ``most_subfields`` subfields of a code from ``codes`` and a text); the
    leader 24 of ``characters``."""
    fields: list[ControlField | DataField] = []
    for _ in range(draw(st.integers(0, most_fields))):
        tag = draw(tags)
        if tag.startswith("00") and tag.isdigit():
            fields.append(ControlField(tag, draw(texts)))
        else:
            subfields = draw(st.lists(st.builds(Subfield, codes, texts),
                                      max_size=most_subfields))
            fields.append(DataField(tag, draw(characters), draw(characters), subfields))
    return Bib(leader=draw(st.lists(characters, min_size=24, max_size=24).map("".join)),
               fields=fields)
