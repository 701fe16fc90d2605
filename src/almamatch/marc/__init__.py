"""almamatch.marc: MARC files to ``Bib`` values and back, with pymarc kept inside this package.

``read_bibs`` reads ISO 2709, MARCXML and MARC-in-JSON (recognised from the content) and yields a
``Bib`` or an ``Unreadable`` for every record; ``bib_from_pymarc``/``bib_to_pymarc`` convert
pymarc records, ``bib_to_marc``/``bib_to_marcxml``/``bib_to_marc_json`` write a bib out.
"""

from almamatch.marc.convert import (
    bib_from_marc_json,
    bib_from_pymarc,
    bib_to_marc,
    bib_to_marc_json,
    bib_to_marcxml,
    bib_to_pymarc,
)
from almamatch.marc.reader import MarcFormat, detect_format, read_bibs
from almamatch.marc.unreadable import (
    MAX_RECORD_CHARACTERS,
    MAX_RECORD_FIELDS,
    UNREADABLE_REASONS,
    Unreadable,
)

__all__ = [
    "MAX_RECORD_CHARACTERS",
    "MAX_RECORD_FIELDS",
    "UNREADABLE_REASONS",
    "MarcFormat",
    "Unreadable",
    "bib_from_marc_json",
    "bib_from_pymarc",
    "bib_to_marc",
    "bib_to_marc_json",
    "bib_to_marcxml",
    "bib_to_pymarc",
    "detect_format",
    "read_bibs",
]
