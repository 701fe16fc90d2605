"""Shared test fixtures: where the real MARC corpus is.

The corpus (``shared/corpus`` beside the repository, or ``$ALMAMATCH_CORPUS``) is real data that
nobody on this project wrote. CI runs on a clean clone with ``shared/`` beside the repo. If the
folder is missing, every test that needs it fails: a silent skip would hide that nothing was read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from almamatch.cli.temporary_zones import remove_temporary_zones
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


@pytest.fixture(autouse=True)
def _temporary_zones_removed() -> Iterator[None]:
    """Remove the temporary zones a test made outside ``main`` (``zone_for`` called directly)
    when it ends, not when pytest exits: a test run that is killed leaves none behind."""
    yield
    remove_temporary_zones()
