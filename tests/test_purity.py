"""The core is pure: no I/O, no clock, no pymarc, numpy or rich; and nothing in it imports outward.

DESIGN.md: "core/ the domain, pure: no I/O, no pymarc, no clock, no numpy". This test reads the
source of every module under ``src/almamatch/core`` and fails on any forbidden import or call.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "src" / "almamatch" / "core"

FORBIDDEN_MODULES = {
    "pymarc", "numpy", "rich", "mrrc", "cattrs", "gherkin",
    "os", "io", "sys", "pathlib", "shutil", "tempfile", "glob", "socket", "subprocess",
    "time", "random", "secrets", "uuid", "urllib", "http", "requests", "sqlite3", "pickle",
    "logging", "threading", "multiprocessing", "asyncio", "mmap", "csv", "json", "tomllib",
}
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval", "__import__", "breakpoint"}
# datetime.now(), date.today(), datetime.utcnow() read the clock.
FORBIDDEN_ATTRIBUTES = {"now", "today", "utcnow", "time_ns", "monotonic", "perf_counter"}
OUTWARD = ("almamatch.marc", "almamatch.index", "almamatch.cli", "almamatch.specs")


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_has_modules() -> None:
    assert len(core_modules()) >= 8


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for name in names:
            root = name.split(".")[0]
            if root in FORBIDDEN_MODULES or name.startswith(OUTWARD):
                problems.append(f"imports {name}")
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: calls {function.id}()")
            if isinstance(function, ast.Attribute) and function.attr in FORBIDDEN_ATTRIBUTES:
                problems.append(f"line {node.lineno}: calls .{function.attr}()")
    assert not problems, f"{path.name} is not pure: " + "; ".join(problems)


def test_the_checker_catches_an_impure_module(tmp_path: Path) -> None:
    """The rules above do fire: a module that reads the clock and imports pymarc fails."""
    source = "import pymarc\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\n"
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import)]
    assert imports[0].names[0].name in FORBIDDEN_MODULES
    assert any(isinstance(c.func, ast.Attribute) and c.func.attr in FORBIDDEN_ATTRIBUTES
               for c in calls)
    assert any(isinstance(c.func, ast.Name) and c.func.id in FORBIDDEN_CALLS for c in calls)
