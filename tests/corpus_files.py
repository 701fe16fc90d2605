"""Where the real MARC corpus is, and reading its records as core bibs, for every test module.

The corpus (``shared/corpus`` beside the repository, or ``$ALMAMATCH_CORPUS``) is real data that
nobody on this project wrote; CI runs on a clean clone with ``shared/`` beside the repo.
"""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path

from almamatch.core import Bib
from almamatch.marc import read_bibs

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ALMAMATCH_CORPUS", REPOSITORY.parent / "shared" / "corpus"))


def corpus_bibs(name: str, count: int | None = None) -> tuple[Bib, ...]:
    """The first ``count`` readable bibs of a corpus file (all of them by default)."""
    readable = (item for item in read_bibs(CORPUS / name) if isinstance(item, Bib))
    return tuple(islice(readable, count))
