"""The README's Python example runs as written and says what it claims."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_a_python_example() -> None:
    assert len(python_blocks()) >= 1


def test_readme_python_example_runs_and_merges_the_second_export() -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(python_blocks()[0], str(README), "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("MERGED The record has been processed successfully. MMS ID: 99")
    stages = [line.split()[0] for line in lines[1:12]]
    assert stages == [
        "profile", "logon", "marcxml", "normalization", "match", "candidates",
        "cz_link", "lock", "brief", "older_version", "outcome",
    ]
    assert lines[-1].startswith('{"code": "MERGED"')
