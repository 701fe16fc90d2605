"""The step vocabulary: every sentence a spec may use, defined once, with a docstring and example.

Theory of operation: a ``StepDefinition`` is a sentence pattern such as ``the brief guard is
{state}``, a topic for the reference, the function that runs it, and an example written as it
appears in a feature file. ``{name}`` stands for a value; inside quotes it matches anything but a
quote, elsewhere any text; ``(s)`` after a word lets it be singular or plural ("one 035 field",
"two 035 fields"). Steps match on their text alone (``Given``/``And``/``Then`` are for
the reader, as in Cucumber). The same registry drives the runner, the "closest step" hint for a
misspelled step and the step reference in ``specs/README.md``.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from attrs import field, frozen

from almamatch.specs.feature import DataTable

if TYPE_CHECKING:
    from almamatch.specs.world import World

__all__ = ["VOCABULARY", "Mismatch", "StepCall", "StepDefinition", "StepKind", "Vocabulary", "step"]


class StepKind(enum.StrEnum):
    """What a step does: set the scene, act, or check."""

    CONTEXT = "Given"
    ACTION = "When"
    OUTCOME = "Then"


@frozen(kw_only=True)
class Mismatch:
    """An expectation the decision did not meet: what was checked, expected and actual."""

    what: str
    expected: str
    actual: str


@frozen(kw_only=True)
class StepCall:
    """What a step function receives besides the world: its values, table and doc string."""

    values: dict[str, str]
    table: DataTable | None
    doc_string: str | None
    base_dir: Path  # the feature file's folder, for record paths
    line: int
    doc_string_line: int = 0  # the line of the doc string's opening delimiter, if any


StepFunction: TypeAlias = "Callable[[World, StepCall], tuple[Mismatch, ...] | None]"

_PLACEHOLDER = re.compile(r'"\{(\w+)\}"|\{(\w+)\}')


def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        quoted, bare = match.group(1), match.group(2)
        parts.append(f'"(?P<{quoted}>[^"]*)"' if quoted else f"(?P<{bare}>.+?)")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts).replace(re.escape("(s)"), "s?"), re.IGNORECASE)


@frozen(kw_only=True)
class StepDefinition:
    """One sentence of the vocabulary."""

    kind: StepKind
    pattern: str
    topic: str
    doc: str
    example: str  # the step as written in a feature file, with its table if it takes one
    run: StepFunction = field(eq=False, repr=False)
    table: bool = False  # whether the step takes a data table
    doc_string: bool = False  # whether it takes a doc string (text between lines of """)
    regex: re.Pattern[str] = field(eq=False, repr=False)

    def match(self, text: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(text.strip())
        return None if found is None else {k: v.strip() for k, v in found.groupdict().items()}

    def argument_problem(self, *, table: bool, doc_string: bool) -> str:
        """What is wrong with the argument a step was written with, or ""."""
        takes = [what for what, yes in (("a table", self.table),
                                        ('a doc string (text between lines of """)',
                                         self.doc_string)) if yes]
        if (table and not self.table) or (doc_string and not self.doc_string):
            given = "a table" if table else "a doc string"
            return (f"this step takes {' or '.join(takes)} under it, not {given}" if takes
                    else f"this step takes nothing under it, not {given}")
        if takes and not (table or doc_string):
            return f"this step needs {' or '.join(takes)} under it"
        return ""

    @property
    def example_text(self) -> str:
        """The example's first line without its keyword: the text the pattern must match."""
        first = self.example.strip().splitlines()[0].strip()
        return first.split(" ", 1)[1] if " " in first else first


class Vocabulary:
    """The registry of step definitions, in the order the reference lists them."""

    def __init__(self) -> None:
        self._definitions: list[StepDefinition] = []

    def add(self, definition: StepDefinition) -> None:
        if any(one.pattern == definition.pattern for one in self._definitions):
            raise ValueError(f"step {definition.pattern!r} is defined twice")
        self._definitions.append(definition)

    def __iter__(self) -> Iterator[StepDefinition]:
        return iter(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions)

    def find(self, text: str) -> tuple[StepDefinition, dict[str, str]] | None:
        """The first definition whose pattern matches ``text``, with the values it captured."""
        for definition in self._definitions:
            values = definition.match(text)
            if values is not None:
                return definition, values
        return None

    def closest(self, text: str) -> StepDefinition | None:
        """The definition whose example reads most like ``text`` (difflib ratio), if any is close.

        Comparing with the examples rather than the patterns means a misspelled step is set beside
        a real sentence, values filled in, as a librarian would write it.
        """
        wanted = text.strip().lower()
        best: tuple[float, StepDefinition] | None = None
        for definition in self._definitions:
            candidates = (definition.example_text.lower(), definition.pattern.lower())
            ratio = max(difflib.SequenceMatcher(None, wanted, one).ratio() for one in candidates)
            if best is None or ratio > best[0]:
                best = (ratio, definition)
        return best[1] if best is not None and best[0] >= 0.4 else None


#: The one vocabulary almamatch ships; the ``steps_*`` modules fill it when imported.
VOCABULARY = Vocabulary()


def step(
    kind: StepKind,
    pattern: str,
    *,
    topic: str,
    example: str,
    table: bool = False,
    doc_string: bool = False,
) -> Callable[[StepFunction], StepFunction]:
    """Register the decorated function as the step ``pattern``; its docstring documents it."""

    def register(function: StepFunction) -> StepFunction:
        doc = " ".join((function.__doc__ or "").split())
        if not doc:
            raise ValueError(f"step {pattern!r} needs a docstring for the reference")
        VOCABULARY.add(
            StepDefinition(
                kind=kind,
                pattern=pattern,
                topic=topic,
                doc=doc,
                example=example.strip("\n"),
                run=function,
                table=table,
                doc_string=doc_string,
                regex=_compile(pattern),
            )
        )
        return function

    return register
