"""The Python API as people meet it: a contract of names, each documented, nothing private."""

from __future__ import annotations

import importlib
import pydoc
from types import ModuleType

import pytest

import almamatch
import almamatch.serve
import almamatch.zonefiles
from almamatch.cli.main import main
from almamatch.core.decision import Failure
from almamatch.gateway import FindingCode, Severity

# DESIGN.md's public names, which simulators, web projects and checks import.
CONTRACT = {"OclcNumber", "InvalidOclcNumber", "Timestamp", "InvalidTimestamp", "BriefLevelRules",
            "decide", "Add", "Merge", "Failure", "Decision", "Code"}
INTERNALS = {"prepare", "zone_numbers", "fold_003", "assign_mms_id", "Hit", "PreparedRecord",
             "FAILURES", "FailureText", "MmsIdSequence", "ZoneRecords", "TagPattern"}


def test_all_is_the_contract() -> None:
    names = set(almamatch.__all__)
    assert names >= CONTRACT
    assert not names & INTERNALS
    assert len(names) < 70
    for name in names:
        assert getattr(almamatch, name) is not None


def test_help_on_decide_explains_parameters_results_and_trace() -> None:
    text = pydoc.render_doc(almamatch.decide)
    for words in ("export:", "zone:", "now:", "naive one is read as", "UTC",
                  "ZoneView", "Returns exactly one", "host_message", "trace holds one",
                  "InvalidDecisionInput"):
        assert words in text, words


def test_help_on_decision_reads_as_the_union_of_outcomes() -> None:
    text = pydoc.render_doc(almamatch.Decision)
    assert "Alma's answer to one Connexion export" in text
    assert "assert_never" in text


@pytest.mark.parametrize("kind", [*Failure.__subclasses__(), almamatch.MergeAction, Severity,
                                  FindingCode, almamatch.Failure])
def test_every_public_class_says_what_it_is(kind: type) -> None:
    assert kind.__doc__, kind.__name__
    assert len(kind.__doc__) > 40, kind.__name__
    assert kind.__doc__ != (kind.__mro__[1].__doc__ or ""), kind.__name__


def test_nine_refusals() -> None:
    assert len(Failure.__subclasses__()) == 9


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"almamatch {almamatch.__version__} (")
    assert "compiled: " in out or "pure Python: " in out


@pytest.mark.parametrize(("argv", "suggestion"), [
    (["batch", "x.mrc", "--zone", "z", "--fromat", "tsv"], "did you mean --format?"),
    (["bach"], "did you mean batch?"),
    (["batch", "x.mrc", "--zone", "z", "--format", "tvs"], "did you mean tsv?"),
])
def test_a_typo_gets_a_suggestion(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert suggestion in capsys.readouterr().err


@pytest.mark.parametrize("package", [almamatch.serve, almamatch.zonefiles])
def test_a_package_reads_each_of_its_names_from_its_module(package: ModuleType) -> None:
    """Each name of ``__all__`` is imported on first use from the module it names: the same
    object, and no name without a module or module without a name."""
    homes: dict[str, str] = package._HOMES
    assert sorted(homes) == sorted(package.__all__)
    for name, home in homes.items():
        module = importlib.import_module(f"{package.__name__}.{home}")
        assert getattr(package, name) is getattr(module, name), name
    with pytest.raises(AttributeError):
        package.nonesuch  # noqa: B018 - reading it is the test
