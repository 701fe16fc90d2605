"""The command keeps BLAS to one thread (numpy's OpenBLAS starts one a core when imported, and
almamatch never uses it), unless the user chose a number of threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SRC = str(Path(__file__).resolve().parents[1] / "src")
THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")

# numpy is first imported after main has started (else the setting would come too late).
PROGRAM = (
    "import os, sys\n"
    "from almamatch.cli.main import main\n"
    "assert 'numpy' not in sys.modules\n"
    "code = main(sys.argv[1:])\n"
    "assert 'numpy' in sys.modules\n"
    "sys.stderr.write(repr((code, os.environ.get('OPENBLAS_NUM_THREADS'))))\n"
)


@pytest.mark.parametrize(("chosen", "expected"), [
    ({}, "1"),
    ({"OPENBLAS_NUM_THREADS": "2"}, "2"),
    ({"OMP_NUM_THREADS": "2"}, None),
    ({"GOTO_NUM_THREADS": "2"}, None),
])
def test_one_blas_thread_unless_the_user_chose(chosen: dict[str, str],
                                               expected: str | None) -> None:
    environment = {name: value for name, value in os.environ.items() if name not in THREADS}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, "batch", str(EXAMPLES / "exports.mrc"),
         "--zone", str(EXAMPLES / "zone"), "--now", "2026-03-05T10:30", "--summary"],
        capture_output=True, text=True, env={**environment, **chosen, "PYTHONPATH": SRC},
        check=False, timeout=120)
    assert done.stderr == repr((0, expected))
