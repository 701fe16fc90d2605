"""The pure packages are pure, and every package imports only inward.

DESIGN.md: "core/ the domain, pure: no I/O, no pymarc, no clock, no numpy", and "``core`` and
``rules`` import nothing of the rest". ``problems()`` below is the one check: it reads a module's
source and lists each forbidden import or call. The tests run it on every module of each package
(ARCHITECTURE.md's table of what each folder may import), and on impure sources, to show it fires.
"""

from __future__ import annotations

import ast
from pathlib import Path

import attrs
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "almamatch"

IO_MODULES = frozenset({
    "pymarc", "numpy", "rich", "mrrc", "cattrs", "gherkin", "dateutil",
    "os", "io", "sys", "pathlib", "shutil", "tempfile", "glob", "socket", "subprocess",
    "time", "random", "secrets", "uuid", "urllib", "http", "requests", "sqlite3", "pickle",
    "logging", "threading", "multiprocessing", "asyncio", "mmap", "csv", "json", "tomllib",
    "aiohttp", "multidict", "jsonschema", "selenium",
})
IO_CALLS = frozenset({"open", "print", "input", "exec", "eval", "__import__", "breakpoint"})
# datetime.now(), date.today(), datetime.utcnow() read the clock.
CLOCK_ATTRIBUTES = frozenset({"now", "today", "utcnow", "time_ns", "monotonic", "perf_counter"})
PACKAGES = ("core", "rules", "gateway", "marc", "index", "zonefiles", "codec", "envelope",
            "schema", "specs", "serve", "web", "cli")


@attrs.frozen
class Rule:
    """What the modules of one package may do: import which almamatch packages, and do I/O."""

    package: str
    may_import: frozenset[str]
    pure: bool


RULES = (
    Rule("core", frozenset({"core"}), pure=True),
    Rule("rules", frozenset({"core", "rules"}), pure=True),
    Rule("gateway", frozenset({"core", "gateway"}), pure=True),
    Rule("codec", frozenset({"core"}), pure=False),
    Rule("envelope", frozenset({"core", "codec", "marc"}), pure=False),
    Rule("schema", frozenset({"core", "codec", "envelope", "marc"}), pure=False),
    # The HTTP door: a shell around the zone's service; it never reaches into the commands.
    Rule("web", frozenset({"core", "codec", "envelope", "schema", "marc", "zonefiles", "serve",
                           "web"}), pure=False),
    Rule("zonefiles", frozenset({"core", "rules", "marc", "index", "zonefiles"}), pure=False),
)


def problems(source: str, rule: Rule) -> list[str]:
    """Every import or call in ``source`` that ``rule`` forbids, one line each."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if rule.pure and parts[0] in IO_MODULES:
                found.append(f"imports {name}")
            if parts[0] == "almamatch" and len(parts) > 1 and parts[1] in PACKAGES \
                    and parts[1] not in rule.may_import:
                found.append(f"imports {name}")
        if rule.pure and isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in IO_CALLS:
                found.append(f"line {node.lineno}: calls {function.id}()")
            if isinstance(function, ast.Attribute) and function.attr in CLOCK_ATTRIBUTES:
                found.append(f"line {node.lineno}: calls .{function.attr}()")
    return found


def modules(rule: Rule) -> list[Path]:
    single = SRC / f"{rule.package}.py"
    return [single] if single.exists() else sorted((SRC / rule.package).rglob("*.py"))


CASES = [(rule, path) for rule in RULES for path in modules(rule)]


def test_the_checked_packages_have_modules() -> None:
    assert len(modules(RULES[0])) >= 8
    for rule in RULES:
        if rule.package != "rules" or (SRC / "rules").exists():
            assert modules(rule), rule.package


@pytest.mark.parametrize(
    ("rule", "path"), CASES, ids=[f"{rule.package}/{path.name}" for rule, path in CASES]
)
def test_module_keeps_its_package_rule(rule: Rule, path: Path) -> None:
    found = problems(path.read_text(encoding="utf-8"), rule)
    assert not found, f"{path.relative_to(SRC)}: " + "; ".join(found)


IMPURE = [
    ("import pymarc\n", "core", "imports pymarc"),
    ("from datetime import datetime\nx = datetime.now()\n", "core", "line 2: calls .now()"),
    ("open('f')\n", "rules", "line 1: calls open()"),
    ("import dateutil.parser\n", "gateway", "imports dateutil.parser"),
    ("from almamatch.marc import read_bibs\n", "core", "imports almamatch.marc"),
    ("from almamatch.index.zone import ZoneIndex\n", "rules", "imports almamatch.index.zone"),
    ("from almamatch.cli import main\n", "zonefiles", "imports almamatch.cli"),
    ("from almamatch.specs.world import World\n", "codec", "imports almamatch.specs.world"),
    ("from almamatch.zonefiles import load_zone\n", "codec", "imports almamatch.zonefiles"),
    ("from aiohttp import web\n", "core", "imports aiohttp"),
    ("from almamatch.web import make_app\n", "core", "imports almamatch.web"),
    ("from almamatch.cli.inputs import zone_for\n", "web", "imports almamatch.cli.inputs"),
]


@pytest.mark.parametrize(("source", "package", "expected"), IMPURE)
def test_the_check_catches_a_forbidden_import_or_call(
    source: str, package: str, expected: str
) -> None:
    rule = next(rule for rule in RULES if rule.package == package)
    assert problems(source, rule) == [expected]


def test_the_shell_may_do_io_but_not_import_outward() -> None:
    zonefiles = next(rule for rule in RULES if rule.package == "zonefiles")
    assert problems("import sqlite3\nfrom almamatch.index.zone import ZoneIndex\n", zonefiles) == []
