"""The pytest plugin (entry point ``pytest11``): the ``.feature`` files of the spec folders a
project names become tests; every other ``.feature`` file is left alone.

Theory of operation: installing almamatch installs this plugin into every pytest run on the
machine, and other projects keep ``.feature`` files of their own (for pytest-bdd, behave), so the
plugin collects nothing until a project opts in with the ini option ``almamatch_specs``, the spec
folders (or files) relative to the ini file::

    [tool.pytest.ini_options]
    almamatch_specs = ["specs"]

``pytest_collect_file`` turns a feature file under one of them into a ``FeatureFileNode``
whose items are its scenarios, one per Scenario and one per Examples row of an Outline, named by
the scenario (placeholders filled). An item runs with the same runner as ``almamatch spec`` and,
when it does not pass, reports the plain-text account: expected beside actual, the closest step
for an undefined one, file and line for an unusable table row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from almamatch.specs.errors import SpecError
from almamatch.specs.feature import Scenario, load_feature
from almamatch.specs.report import failure_text
from almamatch.specs.runner import ScenarioResult, load_vocabulary, run_scenario

__all__ = [
    "INI_OPTION",
    "FeatureFileNode",
    "ScenarioItem",
    "SpecFailure",
    "pytest_addoption",
    "pytest_collect_file",
]


class SpecFailure(Exception):
    """Raised inside pytest only, to carry a scenario result to ``repr_failure``."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.status.value)
        self.result = result


#: The ini option that names a project's spec folders.
INI_OPTION = "almamatch_specs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        type="paths",
        default=[],
        help="folders (or .feature files), relative to the ini file, whose .feature files run "
        "as almamatch policy specs; without it the almamatch plugin collects nothing",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> FeatureFileNode | None:
    if file_path.suffix != ".feature":
        return None
    roots: list[Path] = parent.config.getini(INI_OPTION)
    if not any(file_path == root or root in file_path.parents for root in roots):
        return None
    node: FeatureFileNode = FeatureFileNode.from_parent(parent, path=file_path)
    return node


class FeatureFileNode(pytest.File):
    """A feature file; its children are its scenarios."""

    def collect(self) -> Iterator[ScenarioItem]:
        try:
            feature = load_feature(self.path)
        except SpecError as error:
            raise self.CollectError(str(error)) from None
        seen: dict[str, int] = {}
        for scenario in feature.scenarios:
            name = scenario.name or f"line {scenario.line}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} [line {scenario.line}]"
            item: ScenarioItem = ScenarioItem.from_parent(self, name=name, scenario=scenario)
            yield item


class ScenarioItem(pytest.Item):
    """One scenario, or one Examples row of a Scenario Outline."""

    def __init__(self, *, scenario: Scenario, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario

    def runtest(self) -> None:
        result = run_scenario(self.scenario, load_vocabulary())
        if not result.passed:
            raise SpecFailure(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str:
        if isinstance(excinfo.value, SpecFailure):
            return failure_text(excinfo.value.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.name}"
