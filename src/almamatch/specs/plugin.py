"""The pytest plugin (entry point ``pytest11``): every ``*.feature`` file becomes tests.

Theory of operation: ``pytest_collect_file`` turns a feature file into a ``FeatureFileNode``
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

__all__ = ["FeatureFileNode", "ScenarioItem", "SpecFailure", "pytest_collect_file"]


class SpecFailure(Exception):
    """Raised inside pytest only, to carry a scenario result to ``repr_failure``."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.status.value)
        self.result = result


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> FeatureFileNode | None:
    if file_path.suffix == ".feature":
        node: FeatureFileNode = FeatureFileNode.from_parent(parent, path=file_path)
        return node
    return None


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
