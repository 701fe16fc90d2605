"""The compiled modules (``almamatch._native``) as a user meets them: chosen unless
``ALMAMATCH_PURE`` is set, and the whole batch the same either way.

Each compiled module's own test compares it with its pure-Python twin function by function;
this one compares the command's output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from almamatch import _native

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("value", "wanted"), [(None, True), ("", True), ("1", False),
                                                ("0", False)])
def test_pure_variable(monkeypatch: pytest.MonkeyPatch, value: str | None, wanted: bool) -> None:
    # Any value but the empty string asks for pure Python ("0" included: it is set).
    if value is None:
        monkeypatch.delenv(_native.PURE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(_native.PURE_VARIABLE, value)
    assert _native.wanted() is wanted


def test_a_module_built_from_older_sources_leaves_its_caller_the_pure_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An editable install not built again after an update: the module is there, a name the
    # caller asks for is not (an import of it, or an attribute of the module).
    monkeypatch.delenv(_native.PURE_VARIABLE, raising=False)

    def lacking_attribute() -> object:
        import types

        return types.SimpleNamespace().checked_facts

    def lacking_name() -> object:
        from almamatch._native import no_such_twin  # type: ignore[attr-defined]

        return no_such_twin

    assert _native.compiled(lacking_attribute) is None
    assert _native.compiled(lacking_name) is None
    assert _native.compiled(lambda: "built") == "built"


def _batch(pure: bool, *options: str) -> bytes:
    env = {key: value for key, value in os.environ.items() if key != _native.PURE_VARIABLE}
    if pure:
        env[_native.PURE_VARIABLE] = "1"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from almamatch.cli.main import main; sys.exit(main())",
         "batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
         "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now", "2026-03-05T10:30",
         *options],
        env=env, capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not _native.built(), reason="no compiled module is built here")
@pytest.mark.parametrize("options", [("--json", "--workers", "1"), ("--json", "--workers", "2"),
                                     ("--format", "tsv")])
def test_the_batch_is_the_same_compiled_or_pure(options: tuple[str, ...]) -> None:
    assert _batch(False, *options) == _batch(True, *options)
