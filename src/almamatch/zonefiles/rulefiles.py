"""Rule files on disk: Alma rule text read, parsed and compiled, or refused naming the file.

Theory of operation: the rule language (``almamatch.rules``) is pure; this module reads the
bytes. A rule file is UTF-8 (a byte-order mark is dropped, as Alma's editor would not show it) and
at most ``MAX_RULE_BYTES`` long; ``InvalidRuleFile`` names the file, and for text that does not
parse, the line, column and hint of the ``InvalidRuleText`` beneath it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Final

from almamatch.core.errors import AlmamatchError

# The rule language is imported by the functions that read rules: a profile that names no rule
# file (a preset's rules, as a batch's usually does) is loaded without it.
if TYPE_CHECKING:
    from almamatch.core.merge import MergeMethod
    from almamatch.rules import InvalidRuleText, RuleFile
    from almamatch.rules.brief import BriefLevelRuleSet
    from almamatch.rules.normalize import NormalizationRules

__all__ = [
    "MAX_RULE_BYTES",
    "InvalidRuleFile",
    "brief_level_rules_from",
    "load_brief_level_rules",
    "load_normalization_rules",
    "merge_rules_from",
    "normalization_rules_from",
    "read_rule_source",
    "read_rule_text",
]

#: Real rule files are under 100 kB; 16 MB leaves room for generated ones and none for accidents.
MAX_RULE_BYTES: Final = 16 * 1024 * 1024


class InvalidRuleFile(AlmamatchError):
    """A rule file that cannot be read, or whose text is not rules of the kind it is used as."""


def read_rule_text(path: str | Path) -> str:
    """The text of one rule file, or ``InvalidRuleFile`` naming it."""
    return _text_of(_rule_bytes(path), str(path))


def read_rule_source(path: str | Path) -> tuple[str, str]:
    """The text of one rule file and the SHA-256 of the very bytes it was decoded from: read
    once, so that a digest cannot describe a file changed between its reading and the digest."""
    data = _rule_bytes(path)
    return _text_of(data, str(path)), hashlib.sha256(data).hexdigest()


def _rule_bytes(path: str | Path) -> bytes:
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_RULE_BYTES + 1)
    except OSError as problem:
        raise InvalidRuleFile(source, "unreadable", problem.strerror or str(problem)) from None
    if len(data) > MAX_RULE_BYTES:
        raise InvalidRuleFile(source, "too_large", f"over {MAX_RULE_BYTES} bytes")
    return data


def _text_of(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise InvalidRuleFile(source, "not_utf8", f"rule files are UTF-8: {problem}") from None


def _refused(path: str | Path, error: InvalidRuleText) -> InvalidRuleFile:
    where = f"{path}:{error.line}:{error.column}" if error.line else str(path)
    detail = " ".join(error.report.split()) if error.line else error.detail or error.reason
    if error.rule and not error.line:
        detail = f"rule {error.rule!r}: {detail}"
    if error.hint and not error.line:
        detail += f" (hint: {error.hint})"
    return InvalidRuleFile(where, error.reason, detail)


def _parsed(text: str, path: str | Path) -> RuleFile:
    from almamatch.rules import InvalidRuleText, parse  # noqa: PLC0415 (see the imports)

    try:
        return parse(text)
    except InvalidRuleText as error:
        raise _refused(path, error) from None


def normalization_rules_from(text: str, path: str | Path) -> NormalizationRules:
    """The normalization rules of ``text``, read from the file at ``path`` (which names them
    and any refusal)."""
    from almamatch.rules import InvalidRuleText  # noqa: PLC0415 (see the imports)
    from almamatch.rules.normalize import compile_normalization  # noqa: PLC0415

    try:
        return compile_normalization(_parsed(text, path), name=Path(path).name)
    except InvalidRuleText as error:
        raise _refused(path, error) from None


def merge_rules_from(text: str, path: str | Path) -> MergeMethod:
    """The merge method of ``text``'s one merge rule, read from the file at ``path``."""
    from almamatch.rules import InvalidRuleText  # noqa: PLC0415 (see the imports)
    from almamatch.rules.merge import compile_merge  # noqa: PLC0415

    try:
        return compile_merge(_parsed(text, path)).method
    except InvalidRuleText as error:
        raise _refused(path, error) from None


def brief_level_rules_from(text: str, path: str | Path) -> BriefLevelRuleSet:
    """The brief-level rules of ``text``, read from the file at ``path``."""
    from almamatch.rules import InvalidRuleText  # noqa: PLC0415 (see the imports)
    from almamatch.rules.brief import compile_brief_levels  # noqa: PLC0415

    try:
        return compile_brief_levels(_parsed(text, path), name=Path(path).name)
    except InvalidRuleText as error:
        raise _refused(path, error) from None


def load_normalization_rules(path: str | Path) -> NormalizationRules:
    return normalization_rules_from(read_rule_text(path), path)


def load_brief_level_rules(path: str | Path) -> BriefLevelRuleSet:
    return brief_level_rules_from(read_rule_text(path), path)
