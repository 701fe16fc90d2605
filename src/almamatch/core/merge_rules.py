"""Alma's merge rule text, parsed into a ``MergeMethod`` and written back.

Theory of operation: consortia publish their merge rules as Alma rule text, e.g. Orbis Cascade's
rule "used in the Alma configuration for Connexion downloads" (S23)::

    rule "OCA Bib Overlay (Keep 035s)" when merge then replace MARC."LDR"
     remove MARC."0"XX excluding "001,035"  add MARC."0"XX excluding "001"
     #preserve Alliance boundwith marker
     remove MARC."9"XX excluding "979" add MARC."9"XX
     replace MARC."035" when MARC."035"."a" contains "OCoLC" excluding MARC."035"("9","9") end

``parse_merge_rule`` reads that syntax so that a rule can be pasted as it is; ``format_merge_rule``
writes a method back in it. The grammar, one rule per text::

    rule      := "rule" STRING "when" "merge" "then" action* "end"
    action    := ("add" | "remove" | "replace") selector clause*
    selector  := "MARC" "." STRING [X...]        -- "LDR", "245", "0" XX, "59" X
    clause    := "excluding" STRING               -- tags or groups: "001,035", "9XX"
               | "excluding" condition            -- fields that satisfy it are left alone
               | "when" condition ("and" condition)*
    condition := selector "." STRING "contains" STRING   -- MARC."035"."a" contains "OCoLC"
               | selector "(" STRING "," STRING ")"       -- indicators: MARC."035"("9"," ")

``#`` starts a comment to the end of the line. Keywords are read in any letter case, and the
typographic quotes that web pages put around rule text count as plain quotes. ``contains`` is
matched without regard to letter case (Alma does not say; almamatch's choice). Anything else raises
``InvalidMergeRule`` naming the line, column and offset of the first token it cannot read.
"""

from __future__ import annotations

import re
from typing import Final

from attrs import frozen

from almamatch.core.merge import (
    Condition,
    HasSubfield,
    Indicators,
    InvalidMergeRule,
    MergeAction,
    MergeMethod,
    MergeRule,
    TagPattern,
)

__all__ = ["format_merge_rule", "parse_merge_rule"]

# Straight quotes, and the curly and double-prime quotes that pasted web text carries.
_QUOTES: Final = '"\u201c\u201d\u201e\u2033'
_TOKEN: Final = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>[{_QUOTES}][^{_QUOTES}\n]*[{_QUOTES}])
  | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<punct>[.(),])
    """,
    re.VERBOSE,
)
_ACTIONS: Final = {action.value: action for action in MergeAction}


@frozen
class _Token:
    kind: str  # "string", "word", "punct", "eof"
    text: str  # a string's text without its quotes
    position: int  # offset in the rule text


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None and text[position] in _QUOTES:
            raise _error(text, position, text[position], "unterminated_string", "a closing quote")
        if match is None:
            raise _error(text, position, text[position], "unexpected_character")
        kind = match.lastgroup or ""
        if kind == "string":
            found.append(_Token(kind, match.group()[1:-1], position))
        elif kind in ("word", "punct"):
            found.append(_Token(kind, match.group(), position))
        position = match.end()
    found.append(_Token("eof", "", len(text)))
    return found


def _error(
    text: str, position: int, token: str, reason: str, expected: str = ""
) -> InvalidMergeRule:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    detail = f"line {line}, column {column} (offset {position})"
    if expected:
        detail += f": expected {expected}"
    return InvalidMergeRule(token, reason, detail, position=position)


class _Parser:
    """A recursive-descent reader over the tokens of one rule."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.tag_position = 0  # where the last selector's tag began, for errors about it

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, expected: str, reason: str = "unexpected_token") -> InvalidMergeRule:
        token = self.current
        shown = token.text if token.kind != "eof" else "end of text"
        return _error(self.text, token.position, shown, reason, expected)

    def at_word(self, *words: str) -> bool:
        return self.current.kind == "word" and self.current.text.lower() in words

    def word(self, *words: str) -> str:
        if not self.at_word(*words):
            raise self.fail(" or ".join(repr(w) for w in words))
        return self.advance().text.lower()

    def string(self, what: str) -> _Token:
        if self.current.kind != "string":
            raise self.fail(f"a quoted {what}")
        return self.advance()

    def punct(self, mark: str) -> None:
        if self.current.kind != "punct" or self.current.text != mark:
            raise self.fail(repr(mark))
        self.advance()

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    # -- grammar ---------------------------------------------------------------------------
    def method(self) -> MergeMethod:
        self.word("rule")
        name = self.string("rule name").text
        self.word("when")
        self.word("merge")
        self.word("then")
        rules: list[MergeRule] = []
        while not self.at_word("end"):
            rules.append(self.action())
        self.advance()
        if self.current.kind != "eof":
            raise self.fail("end of text after 'end'", "trailing_text")
        return MergeMethod(name=name, rules=rules)

    def action(self) -> MergeRule:
        if not self.at_word(*_ACTIONS):
            raise self.fail("'add', 'remove', 'replace' or 'end'")
        action = _ACTIONS[self.advance().text.lower()]
        pattern = self.selector()
        excluding: list[TagPattern] = []
        when: list[Condition] = []
        unless: list[Condition] = []
        while self.at_word("excluding", "when"):
            if self.advance().text.lower() == "when":
                when.append(self.condition())
                while self.at_word("and"):
                    self.advance()
                    when.append(self.condition())
            elif self.current.kind == "string":
                excluding.extend(self.tag_list())
            else:
                unless.append(self.condition())
        return MergeRule(
            action=action, pattern=pattern, excluding=excluding, when=when, unless=unless
        )

    def selector(self) -> TagPattern:
        if not self.at_word("marc"):
            raise self.fail('MARC."tag"')
        self.advance()
        self.punct(".")
        start = self.current
        self.tag_position = start.position
        text = self.string("tag").text.strip()
        if self.current.kind == "word" and re.fullmatch(r"[Xx]+", self.current.text):
            text += self.advance().text.upper()
        if text.upper() != "LDR" and not re.fullmatch(r"[0-9]{1,3}X*", text.upper()):
            raise _error(
                self.text,
                start.position,
                text,
                "bad_tag_pattern",
                'a tag such as "245", "0"XX or "LDR"',
            )
        if text.upper() != "LDR" and len(text) != 3:
            raise _error(self.text, start.position, text, "bad_tag_pattern", "three characters")
        return TagPattern(text)

    def tag_list(self) -> list[TagPattern]:
        token = self.advance()
        patterns: list[TagPattern] = []
        for part in token.text.split(","):
            tag = part.strip()
            if not re.fullmatch(r"[0-9Xx]{3}", tag):
                raise _error(
                    self.text,
                    token.position,
                    tag,
                    "bad_tag_pattern",
                    'tags separated by commas, such as "001,035"',
                )
            patterns.append(TagPattern(tag.upper()))
        return patterns

    def condition(self) -> Condition:
        tag = self.selector()
        if tag.text == "LDR":
            expected = "a field tag, not LDR, in a condition"
            raise _error(self.text, self.tag_position, "LDR", "bad_condition", expected)
        if self.current.kind == "punct" and self.current.text == "(":
            self.advance()
            first = self.indicator()
            self.punct(",")
            second = self.indicator()
            self.punct(")")
            return Indicators(first=first, second=second, tag=tag)
        self.punct(".")
        code = self.string("subfield code")
        if len(code.text) != 1:
            raise _error(self.text, code.position, code.text, "bad_subfield_code", "one character")
        self.word("contains")
        contains = self.string("text to look for").text
        return HasSubfield(code=code.text, contains=contains, tag=tag)

    def indicator(self) -> str:
        token = self.string("indicator")
        if len(token.text) != 1:
            raise _error(
                self.text,
                token.position,
                token.text,
                "bad_indicator",
                'one character, such as "9" or " "',
            )
        return token.text


def parse_merge_rule(text: str) -> MergeMethod:
    """The ``MergeMethod`` that one Alma merge rule describes; ``InvalidMergeRule`` otherwise."""
    if not isinstance(text, str):
        raise InvalidMergeRule(text, "not_text", "a merge rule is text")
    return _Parser(text).method()


def _condition_text(condition: Condition) -> str:
    match condition:
        case HasSubfield(tag=TagPattern() as tag) if '"' not in condition.contains:
            return f'{_selector(tag)}."{condition.code}" contains "{condition.contains}"'
        case Indicators(first=str() as first, second=str() as second, tag=TagPattern() as tag):
            return f'{_selector(tag)}("{first}","{second}")'
        case _:
            raise InvalidMergeRule(
                condition, "no_rule_syntax", "Alma's rule text has no form for this condition"
            )


def _selector(pattern: TagPattern) -> str:
    text = pattern.text.upper()
    if text == "*":
        raise InvalidMergeRule(text, "no_rule_syntax", "Alma's rule text names tags or groups")
    digits = text.rstrip("X")
    return f'MARC."{digits}"{text[len(digits) :]}'


def format_merge_rule(method: MergeMethod) -> str:
    """``method`` as Alma rule text, one action a line; ``parse_merge_rule`` reads it back."""
    if '"' in method.name:
        raise InvalidMergeRule(method.name, "no_rule_syntax", "a rule name cannot hold a quote")
    lines = [f'rule "{method.name}"', "when merge", "then"]
    for rule in method.rules:
        line = f"  {rule.action.value} {_selector(rule.pattern)}"
        if rule.excluding:
            line += ' excluding "' + ",".join(p.text.upper() for p in rule.excluding) + '"'
        if rule.when:
            line += " when " + " and ".join(_condition_text(c) for c in rule.when)
        for condition in rule.unless:
            line += " excluding " + _condition_text(condition)
        lines.append(line)
    lines.append("end")
    return "\n".join(lines) + "\n"
