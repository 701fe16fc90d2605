"""Gherkin ``.feature`` files read with the official Cucumber parser, as runnable scenarios.

Theory of operation: ``gherkin.parser.Parser`` builds the document and
``gherkin.pickles.compiler.Compiler`` turns it into pickles, one per Scenario and one per row of
each Examples table of a Scenario Outline, with ``<placeholders>`` filled in and Background steps
prepended. Pickles carry no line numbers, so each pickle step is joined back to its AST step
(through ``astNodeIds``) to tell a librarian the file and line of every step and table row.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from attrs import frozen
from gherkin.errors import CompositeParserException, NoSuchLanguageException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from almamatch.specs.errors import SpecFileError

__all__ = ["DataTable", "FeatureFile", "Scenario", "SpecStep", "TableRow", "find_features",
           "load_feature"]


@frozen(kw_only=True)
class TableRow:
    """One row of a data table: its line in the file and its cells, trimmed."""

    line: int
    cells: tuple[str, ...]


@frozen(kw_only=True)
class DataTable:
    """A data table under a step; the first row is the header."""

    rows: tuple[TableRow, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return self.rows[0].cells if self.rows else ()

    @property
    def body(self) -> tuple[TableRow, ...]:
        return self.rows[1:]


@frozen(kw_only=True)
class SpecStep:
    """A step as the scenario runs it: keyword, text (placeholders filled), line, argument."""

    keyword: str
    text: str
    line: int
    table: DataTable | None = None
    doc_string: str | None = None
    doc_string_line: int = 0  # the line of the doc string's opening delimiter


@frozen(kw_only=True)
class Scenario:
    """One runnable case: a Scenario, or one Examples row of a Scenario Outline."""

    path: Path
    feature: str
    name: str
    line: int  # the Scenario line, or the Examples row for an outline
    steps: tuple[SpecStep, ...]
    tags: tuple[str, ...] = ()
    description: str = ""  # free text under the Scenario line (a misspelled step lands here)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@frozen(kw_only=True)
class FeatureFile:
    """A parsed feature file: its name and its scenarios in file order."""

    path: Path
    name: str
    scenarios: tuple[Scenario, ...]


def _ast_nodes(node: object) -> Iterator[Mapping[str, Any]]:
    """Every dict in the AST that has an ``id``, depth first."""
    if isinstance(node, Mapping):
        if "id" in node:
            yield node
        for value in node.values():
            yield from _ast_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _ast_nodes(item)


def _table(pickle_rows: Sequence[Mapping[str, Any]], ast_step: Mapping[str, Any]) -> DataTable:
    ast_rows = ast_step["dataTable"]["rows"]
    rows = tuple(
        TableRow(
            line=int(ast_row["location"]["line"]),
            cells=tuple(str(cell["value"]) for cell in pickle_row["cells"]),
        )
        for pickle_row, ast_row in zip(pickle_rows, ast_rows, strict=True)
    )
    return DataTable(rows=rows)


def load_feature(path: Path) -> FeatureFile:
    """Parse one ``.feature`` file; raise ``SpecFileError`` naming the file and line if bad."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecFileError(str(path), "unreadable", f"cannot read {path}: {error}") from None
    try:
        document: dict[str, Any] = dict(Parser().parse(source))
    except (CompositeParserException, ParserError) as error:
        errors = getattr(error, "errors", None) or [error]
        first = errors[0]
        line = int(getattr(first, "location", {}).get("line", 0) or 0)
        texts = [_plain(one) for one in errors]
        lines = "; ".join([texts[0], *(f"line {_line(one)}: {text}"
                                       for one, text in zip(errors[1:], texts[1:], strict=True))])
        failure = SpecFileError(str(path), "not_gherkin", f"not valid Gherkin: {lines}", line=line)
        raise failure.located(path, line) from None
    document["uri"] = str(path)
    feature = document.get("feature")
    if feature is None:
        return FeatureFile(path=path, name=path.stem, scenarios=())
    by_id = {str(node["id"]): node for node in _ast_nodes(feature)}
    scenarios = []
    for pickle in Compiler().compile(document):  # type: ignore[arg-type]  # uri added above
        steps = []
        for pickle_step in pickle["steps"]:
            ast_step = by_id[str(pickle_step["astNodeIds"][0])]
            argument: dict[str, Any] = dict(pickle_step.get("argument", {}))
            table = None
            if "dataTable" in argument:
                table = _table(argument["dataTable"]["rows"], ast_step)
            doc_string = argument["docString"]["content"] if "docString" in argument else None
            doc_string_line = (int(ast_step["docString"]["location"]["line"])
                               if "docString" in ast_step else 0)
            steps.append(
                SpecStep(
                    keyword=str(ast_step["keyword"]).strip(),
                    text=str(pickle_step["text"]),
                    line=int(ast_step["location"]["line"]),
                    table=table,
                    doc_string=doc_string,
                    doc_string_line=doc_string_line,
                )
            )
        scenarios.append(
            Scenario(
                path=path,
                feature=str(feature["name"]),
                name=str(pickle["name"]),
                line=int(pickle["location"]["line"]),
                steps=tuple(steps),
                tags=tuple(str(tag["name"]) for tag in pickle.get("tags", ())),
                description=str(by_id[str(pickle["astNodeIds"][0])].get("description", "")),
            )
        )
    return FeatureFile(path=path, name=str(feature["name"]), scenarios=tuple(scenarios))


#: The parser's token names in the words of the specs' README, in the order a reader meets them.
_TOKENS: Final = {
    "#FeatureLine": "'Feature:'",
    "#BackgroundLine": "'Background:'",
    "#RuleLine": "'Rule:'",
    "#ScenarioLine": "'Scenario:' (or 'Scenario Outline:')",
    "#ExamplesLine": "'Examples:'",
    "#StepLine": "a step (Given, When, Then, And or But)",
    "#TableRow": "a table row (| ... |)",
    "#DocStringSeparator": 'a doc string (""")',
    "#TagLine": "a tag (@...)",
    "#Language": "a '# language:' line",
    "#EOF": "the end of the file",
}
_EXPECTED: Final = re.compile(r"^\(\d+:\d+\): expected: (?P<tokens>.*), got '(?P<got>.*)'$", re.S)
_EOF: Final = re.compile(r"^\(\d+:\d+\): unexpected end of file, expected: (?P<tokens>.*)$", re.S)
_LOCATION: Final = re.compile(r"^\(\d+:\d+\): ")


def _expected(tokens: str) -> str:
    """``#EOF, #StepLine, #Comment`` -> "a step (...) or the end of the file"."""
    named = set(tokens.replace(" ", "").split(","))
    words = [text for token, text in _TOKENS.items() if token in named]
    if len(words) < 2:
        return "".join(words) or "something else"
    return ", ".join(words[:-1]) + " or " + words[-1]


_KEYWORDS: Final = ("Given", "When", "Then", "And", "But", "Feature", "Background", "Rule",
                     "Scenario", "Examples")


def _line(error: BaseException) -> int:
    location = getattr(error, "location", None) or {}
    return int(location.get("line", 0) or 0)


def _misspelled_keyword(text: str) -> str:
    """"; did you mean 'Given'?" when the line's first word reads like a Gherkin keyword."""
    first = text.split(" ", 1)[0].rstrip(":")
    close = difflib.get_close_matches(first.capitalize(), _KEYWORDS, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close and close[0] != first else ""


def _plain(error: BaseException) -> str:
    """A parser error in a librarian's words: what is wrong on its line, what may stand there.

    The Cucumber parser names its grammar's tokens (``expected: #EOF, #Language, #TagLine ...,
    got 'Nonsense here'``); the README's words for them are what a reader of the spec knows.
    """
    message = str(error)
    if isinstance(error, NoSuchLanguageException):
        return (f"Gherkin has no such language ({_LOCATION.sub('', message)}); remove the "
                "'# language:' line to write in English")
    found = _EXPECTED.match(message)
    if found:
        got, tokens = found.group("got"), found.group("tokens")
        if "#FeatureLine" in tokens:
            return (f"{got!r} cannot come before 'Feature:'; a feature file starts with "
                    "'Feature: <what it states>' (after tags and comments)")
        return (f"{got!r} cannot stand here; expected {_expected(tokens)}"
                + _misspelled_keyword(got))
    found = _EOF.match(message)
    if found:
        tokens = found.group("tokens")
        if "#DocStringSeparator" in tokens:
            return 'the file ends inside a doc string; close it with a line of """'
        return f"the file ends too early; expected {_expected(tokens)}"
    text = _LOCATION.sub("", message)
    if "inconsistent cell count" in text:
        return ("this table row does not have as many cells as the rows above it "
                "(inconsistent cell count within the table)")
    return text


def find_features(paths: Sequence[Path]) -> tuple[Path, ...]:
    """The ``.feature`` files named or under the folders named, sorted; missing paths, and
    folders that hold no ``.feature`` file, raise."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(path.rglob("*.feature"))
            if not inside:
                raise SpecFileError(str(path), "no_features",
                                    f"no .feature files in {path} (or the folders under it)")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise SpecFileError(str(path), "missing", f"no such file or folder: {path}")
    return tuple(dict.fromkeys(found))
