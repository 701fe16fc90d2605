"""What a fresh interpreter prints with the compiled modules not used (``ALMAMATCH_PURE=1``):
which path each caller takes is picked when its module is imported, so a test of the pure
paths' picking runs its probe in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def printed_when_pure(probe: str) -> list[str]:
    """What ``python -c probe`` prints with ``ALMAMATCH_PURE=1``, split at whitespace (run from
    the tests' folder, so that nothing there shadows the installed package)."""
    environment = {**os.environ, "ALMAMATCH_PURE": "1"}
    return subprocess.run([sys.executable, "-c", probe], env=environment, check=True,
                          capture_output=True, text=True,
                          cwd=Path(__file__).parent).stdout.split()
