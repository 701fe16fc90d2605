"""Running scenarios: each step found in the vocabulary and run against a fresh ``World``.

Theory of operation: before anything runs, every step of a scenario is looked up; a step the
vocabulary does not know makes the scenario UNDEFINED, with its file, line and the closest known
step. Then the steps run in order. A ``SpecError`` (an unusable table row, an unknown value)
stops the scenario as ERROR at the line it names; ``Then`` steps return mismatches, which are
collected from every ``Then`` step so that one run shows all that differs.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from attrs import frozen

from almamatch.core.errors import AlmamatchError
from almamatch.specs.errors import SpecError
from almamatch.specs.feature import FeatureFile, Scenario, find_features, load_feature
from almamatch.specs.vocabulary import (
    VOCABULARY,
    Mismatch,
    StepCall,
    StepDefinition,
    Vocabulary,
)
from almamatch.specs.world import World

__all__ = [
    "STEP_MODULES",
    "Failed",
    "FileResult",
    "ScenarioResult",
    "Status",
    "Undefined",
    "load_vocabulary",
    "run_feature",
    "run_paths",
    "run_scenario",
]


#: The modules that register steps, in the order the step reference lists them.
STEP_MODULES: Final = (
    "steps_zone", "steps_export", "steps_outcome", "steps_saved", "steps_gateway",
)


def load_vocabulary() -> Vocabulary:
    """The shipped vocabulary, with every ``steps_*`` module registered (on first import)."""
    for name in STEP_MODULES:
        importlib.import_module(f"almamatch.specs.{name}")
    return VOCABULARY


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # Alma (as modelled) does not do what the scenario expects
    UNDEFINED = "undefined"  # a step is not in the vocabulary
    ERROR = "error"  # the spec cannot run: a bad table row, an unknown value


@frozen(kw_only=True)
class Undefined:
    """A step the vocabulary does not know, and the known step that reads most like it."""

    line: int
    text: str
    closest: StepDefinition | None

    @property
    def hint(self) -> str:
        if self.closest is None:
            return "no similar step; see the step reference in specs/README.md"
        return f"did you mean: {self.closest.kind} {self.closest.example_text}"


@frozen(kw_only=True)
class Failed:
    """A ``Then`` step whose expectation the decision did not meet."""

    line: int
    text: str
    mismatch: Mismatch


@frozen(kw_only=True)
class ScenarioResult:
    scenario: Scenario
    status: Status
    failures: tuple[Failed, ...] = ()
    undefined: tuple[Undefined, ...] = ()
    error: str = ""

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


@frozen(kw_only=True)
class FileResult:
    """The results of one feature file, or the error that kept it from being read."""

    path: Path
    results: tuple[ScenarioResult, ...] = ()
    error: str = ""


def run_scenario(scenario: Scenario, vocabulary: Vocabulary | None = None) -> ScenarioResult:
    """Run one scenario (or Examples row) and say how it went."""
    words = vocabulary or load_vocabulary()
    if not scenario.steps:
        # Gherkin reads a line that is no step (a misspelled keyword) as the scenario's
        # description; a scenario without steps would pass while checking nothing.
        text = " ".join(scenario.description.split())
        detail = (f"; the line {text!r} is not a step (a step starts with Given, When, Then, And "
                  "or But)" if text else "")
        return ScenarioResult(scenario=scenario, status=Status.ERROR,
                              error=f"{scenario.where}: the scenario has no steps{detail}")
    found: list[tuple[StepDefinition, dict[str, str]]] = []
    undefined: list[Undefined] = []
    for spec_step in scenario.steps:
        match = words.find(spec_step.text)
        if match is None:
            undefined.append(Undefined(line=spec_step.line, text=spec_step.text,
                                       closest=words.closest(spec_step.text)))
        else:
            found.append(match)
    if undefined:
        return ScenarioResult(scenario=scenario, status=Status.UNDEFINED,
                              undefined=tuple(undefined))
    world = World()
    failures: list[Failed] = []
    for spec_step, (definition, values) in zip(scenario.steps, found, strict=True):
        call = StepCall(values=values, table=spec_step.table, doc_string=spec_step.doc_string,
                        base_dir=scenario.path.parent, line=spec_step.line,
                        doc_string_line=spec_step.doc_string_line)
        try:
            problem = definition.argument_problem(table=spec_step.table is not None,
                                                  doc_string=spec_step.doc_string is not None)
            if problem:
                raise SpecError(spec_step.text, "wrong_argument", problem)
            mismatches = definition.run(world, call) or ()
        except SpecError as error:
            located = error.located(scenario.path, spec_step.line)
            return ScenarioResult(scenario=scenario, status=Status.ERROR, error=str(located),
                                  failures=tuple(failures))
        except AlmamatchError as error:
            message = error.detail or str(error)
            return ScenarioResult(scenario=scenario, status=Status.ERROR,
                                  error=f"{scenario.path}:{spec_step.line}: {message}",
                                  failures=tuple(failures))
        failures.extend(Failed(line=spec_step.line, text=f"{spec_step.keyword} {spec_step.text}",
                               mismatch=one) for one in mismatches)
    status = Status.FAILED if failures else Status.PASSED
    return ScenarioResult(scenario=scenario, status=status, failures=tuple(failures))


def run_feature(feature: FeatureFile, vocabulary: Vocabulary | None = None) -> FileResult:
    words = vocabulary or load_vocabulary()
    return FileResult(path=feature.path,
                      results=tuple(run_scenario(one, words) for one in feature.scenarios))


def run_paths(paths: Iterable[Path]) -> Iterator[FileResult]:
    """Run every feature file named or under the folders named; a bad file is a ``FileResult``
    with its error. A path that does not exist raises ``SpecFileError``."""
    words = load_vocabulary()
    for path in find_features(tuple(paths)):
        try:
            feature = load_feature(path)
        except SpecError as error:
            yield FileResult(path=path, error=str(error))
            continue
        yield run_feature(feature, words)
