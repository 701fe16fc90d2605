"""Shared test fixtures: where the real MARC corpus is.

The corpus (``shared/corpus`` beside the repository, or ``$ALMAMATCH_CORPUS``) is real data that
nobody on this project wrote. CI runs on a clean clone with ``shared/`` beside the repo. If the
folder is missing, every test that needs it fails: a silent skip would hide that nothing was read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_files import CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus folder; fails (never skips) when it is not there."""
    if not (CORPUS / "README.md").is_file():
        pytest.fail(
            f"MARC corpus not found at {CORPUS}: put shared/corpus beside the repository "
            "or set ALMAMATCH_CORPUS"
        )
    return CORPUS
