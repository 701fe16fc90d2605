r"""Alma's rule language, read into ``rules.syntax`` values: one grammar for four kinds of rule.

Theory of operation: normalization, merge, brief-level and indication rules share Alma's
Drools-like frame (``rule "name" when ... then ... end``); they differ in what follows ``when``
and ``then``. A table-driven tokenizer turns text into tokens (``_TOKENS``), and a recursive-descent
parser whose methods mirror the grammar below builds frozen values. Every syntax error is an
``InvalidRuleText`` with the line, the column, the rule's name, the line with a caret under the
token, and a hint. Sources for the syntax: Ex Libris, "Working with Normalization Rules" and "Merge
Rules Syntax" (https://knowledge.exlibrisgroup.com/Alma/Product_Documentation/010Alma_Online_Help_(English)/Metadata_Management/016Working_with_Rules/020Working_with_Normalization_Rules),
the developer network's examples
(https://developers.exlibrisgroup.com/blog/alma-normalization-rule-examples/), and the real files
in ``alma-rules/``.

Grammar (EBNF; keywords in any letter case; ``#`` and ``//`` start a comment to the end of the
line)::

    file            = { rule } ;
    rule            = "rule" STRING [ ( "priority" | "salience" ) INTEGER ]
                      "when" ( "merge" | condition ) "then" { statement } "end" ;
    condition       = conjunction { "OR" conjunction } ;
    conjunction     = negation { [ "AND" ] negation } ;   (* side by side: AND, as Drools *)
    negation        = "NOT" negation | primary ;
    primary         = "TRUE" | "preferred" | "(" condition ")"
                    | "exists" STRING            (* "tag.{i1,i2}.code.value", parts optional *)
                    | "existsControl" STRING ;   (* "tag.{position,length}.value"          *)
    statement       = set | merge_statement | action | add_to_text ;
    add_to_text     = "add" "to" "text" ( WORD | STRING | "from" STRING ) ;  (* heading display *)
    set             = "set" ( "brief_level" | "indication" ) "." STRING ;
    action          = ACTION STRING [ ( "to" | "with" | "excluding" ) STRING | STRING ]
                      [ "if" condition ] ;
    merge_statement = ( "add" | "remove" | "replace" ) selector { clause } ;
    selector        = "MARC" "." [ "control" "." ] ( STRING [ XWORD ] | XWORD )
                      [ "(" STRING "," STRING ")" ] ;
    clause          = "excluding" ( STRING | ( "first" | "second" ) "indicator" STRING
                                  | "local" "extension" | merge_condition )
                    | "when" merge_condition { "and" merge_condition }
                    | "if" [ "does" ] [ "not" ] ( "exists" | "exist" )
                      [ "subfield" STRING ] ;
    merge_condition = "MARC" "." STRING [ XWORD ]
                      ( "." STRING "contains" STRING | "(" STRING "," STRING ")" ) ;

``STRING`` is double-quoted (typographic quotes pasted from web pages count too) with Java's
escapes ``\\``, ``\"``, ``\n``, ``\t`` and ``\uXXXX``; ``XWORD`` is ``X``/``XX``/``XXX``;
``ACTION`` is one of ``ACTIONS``. Inside a condition's string, ``*`` is any run of characters,
``|`` separates alternatives, and a backslash makes the next character literal; ``{*,*}`` is any
indicator and ``-`` or ``#`` a blank one (almamatch's reading of ``{-,-}``).

Public API::

    from almamatch import rules
    file = rules.parse(text)          # RuleFile, or InvalidRuleText with line, column, caret
    text = rules.format_rules(file)   # canonical text; rules.parse(text) == file
"""

from __future__ import annotations

import re
from typing import Final

from almamatch.core.wildcard import Glob
from almamatch.rules.syntax import (
    AddToText,
    And,
    Condition,
    ControlExists,
    FieldExists,
    Indicators,
    InvalidRuleText,
    MergeClause,
    MergeCondition,
    MergeStatement,
    Not,
    Or,
    Preferred,
    Rule,
    RuleFile,
    SetStatement,
    Statement,
    TagGlob,
    TrueCondition,
    ValuePattern,
    Verb,
    When,
)

__all__ = [
    "ACTIONS",
    "parse",
    "parse_control_selector",
    "parse_errors",
    "parse_field_selector",
]

#: Every normalization action almamatch reads, with the word that joins its two strings (None:
#: one string only; "": two strings side by side).
ACTIONS: Final[dict[str, str | None]] = {
    "addField": None,
    "addControlField": None,
    "addSubField": None,
    "removeField": None,
    "removeControlField": None,
    "removeSubField": None,
    "correctDuplicateFields": None,
    "correctDuplicateSubfields": None,
    "replaceContents": "with",
    "replaceControlContents": "with",
    "replaceContentsExceptFirst": "with",
    "replaceSubFieldContents": "with",
    "prefix": "with",
    "suffix": "with",
    "suffixSubField": "with",
    "changeField": "to",
    "changeSubField": "to",
    "changeSubFieldExceptFirst": "to",
    "changeFirstIndicator": "to",
    "changeSecondIndicator": "to",
    "copyField": "to",
    "copyControlField": "to",
    "splitSubField": "to",
    "combineFields": "excluding",
    "moveSubfieldsToEndOfField": "",
}
_ACTION_NAMES: Final = {name.lower(): name for name in ACTIONS}
_MERGE_ACTIONS: Final = ("add", "remove", "replace")
_SET_TARGETS: Final = ("brief_level", "indication")

_QUOTES: Final = '"\u201c\u201d\u201e\u2033'
#: The tokenizer, as a table: the first pattern that matches at the current offset wins.
_TOKENS: Final = (
    ("space", re.compile(r"\s+")),
    ("comment", re.compile(r"(?:#|//)[^\n]*")),
    ("string", re.compile(rf"[{_QUOTES}](?:[^{_QUOTES}\\\n]|\\.)*[{_QUOTES}]")),
    ("integer", re.compile(r"-?[0-9]+(?![A-Za-z_])")),
    ("word", re.compile(r"[A-Za-z_][A-Za-z_0-9]*")),
    ("punct", re.compile(r"[.(),]")),
)
_SKIPPED: Final = ("space", "comment")
#: How deep parentheses and NOTs may nest: deeper text is refused with a message, never a
#: RecursionError (real rules nest three or four levels).
MAX_DEPTH: Final = 100
_JAVA_ESCAPES: Final = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "'": "'"}


class _Token:
    __slots__ = ("error", "kind", "position", "text")

    def __init__(
        self, kind: str, text: str, position: int, error: InvalidRuleText | None = None
    ) -> None:
        self.kind = kind  # "string", "integer", "word", "punct", "bad", "eof"
        self.text = text  # a string's decoded text, without its quotes
        self.position = position
        self.error = error  # for "bad": what the tokenizer could not read


def _decode(raw: str) -> str:
    r"""A Java string literal's body: ``\\`` ``\"`` ``\n`` ``\t`` ``\uXXXX``; other escapes kept."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            following = raw[index + 1]
            if following in _JAVA_ESCAPES:
                out.append(_JAVA_ESCAPES[following])
                index += 2
                continue
            digits = raw[index + 2 : index + 6]
            if following == "u" and len(digits) == 4 and all(c in _HEX for c in digits):
                out.append(chr(int(digits, 16)))
                index += 6
                continue
        out.append(char)
        index += 1
    return "".join(out)


_HEX: Final = frozenset("0123456789abcdefABCDEF")


def _locate(text: str, position: int) -> tuple[int, int, str]:
    line = text.count("\n", 0, position) + 1
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    source = text[start : end if end >= 0 else len(text)].rstrip("\r")
    column = position - start + 1
    shown = source[:200]
    caret = " " * min(column - 1, len(shown)) + "^"
    return line, column, f"  {shown}\n  {caret}"


def syntax_error(
    text: str, position: int, token: str, reason: str, detail: str, *, rule: str = "",
    hint: str = ""
) -> InvalidRuleText:
    """An ``InvalidRuleText`` pointing at ``position`` in ``text``."""
    line, column, excerpt = _locate(text, position)
    return InvalidRuleText(
        token, reason, f"line {line}, column {column}: {detail}", line=line, column=column,
        rule=rule, hint=hint, excerpt=excerpt, offset=position,
    )


def _token_at(text: str, position: int) -> tuple[str, re.Match[str]] | None:
    for kind, pattern in _TOKENS:
        match = pattern.match(text, position)
        if match is not None:
            return kind, match
    return None


def _tokens(text: str, *, tolerant: bool = False) -> list[_Token]:
    """The tokens of ``text``; text that is no token raises, or with ``tolerant`` becomes a
    "bad" token carrying the error, and reading goes on at the next line."""
    found: list[_Token] = []
    position = 0
    length = len(text)
    while position < length:
        hit = _token_at(text, position)
        if hit is None:
            char = text[position]
            if char in _QUOTES:
                error = syntax_error(
                    text, position, char, "unterminated_string", "a string is not closed",
                    hint="close the string with a double quote on the same line",
                )
            else:
                error = syntax_error(
                    text, position, char, "unexpected_character",
                    f"unexpected character {char!r}",
                    hint="rule text is words, double-quoted strings, numbers and . ( ) ,",
                )
            if not tolerant:
                raise error
            found.append(_Token("bad", char, position, error))
            end = text.find("\n", position)
            position = length if end < 0 else end
            continue
        kind, match = hit
        if kind not in _SKIPPED:
            value = match.group()
            if kind == "string":
                value = _decode(value[1:-1])
            found.append(_Token(kind, value, position))
        position = match.end()
    found.append(_Token("eof", "", length))
    return found


# -- the selectors inside condition strings ----------------------------------------------------
def _split_escaped(text: str, separator: str) -> list[str]:
    """Split at unescaped ``separator``; escapes are kept for the next step."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _glob(text: str) -> Glob:
    pieces: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if char == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append("".join(current))
    return Glob(pieces)


def value_pattern(text: str) -> ValuePattern:
    """``a|b*``: alternatives of globs; a backslash makes the next character literal."""
    return ValuePattern([_glob(part) for part in _split_escaped(text, "|")])


class SelectorError(ValueError):
    """A selector string that does not have the shape it should; ``offset`` is in the string."""

    def __init__(self, message: str, offset: int, hint: str) -> None:
        self.offset = offset
        self.hint = hint
        super().__init__(message)


_TAG: Final = re.compile(r"[0-9A-Za-z*]{1,3}|[0-9Xx*]{1,8}")


def _tag(text: str) -> TagGlob:
    if not _TAG.fullmatch(text):
        raise SelectorError(
            f"{text!r} is not a tag", 0, 'a tag is three digits or letters, "*" or "X" for any'
        )
    return TagGlob(text)


def _indicator(text: str, offset: int) -> str:
    text = text if text else " "
    if len(text) != 1:
        raise SelectorError(f"indicator {text!r}", offset, 'one character, "*" or " " (blank)')
    return " " if text in "-#" else text


def parse_field_selector(text: str) -> FieldExists:
    """``"245"``, ``"035.a"``, ``"035.a.(OCoLC)*"``, ``"830.{*,*}.a.The *"``, ``"561.{1,*}"``."""
    tag_text, dot, rest = text.partition(".")
    tag = _tag(tag_text)
    indicators: Indicators | None = None
    offset = len(tag_text) + 1
    if dot and rest.startswith("{"):
        close = rest.find("}")
        if close < 0:
            raise SelectorError("indicators not closed", offset, "write {ind1,ind2}")
        first, comma, second = rest[1:close].partition(",")
        if not comma:
            raise SelectorError("two indicators expected", offset, "write {ind1,ind2}")
        indicators = Indicators(_indicator(first, offset), _indicator(second, offset))
        offset += close + 1
        rest = rest[close + 1 :]
        if rest and not rest.startswith("."):
            raise SelectorError("'.' expected after }", offset, "tag.{ind1,ind2}.code.value")
        dot, rest = (".", rest[1:]) if rest else ("", "")
        offset += 1
    if not dot:
        return FieldExists(tag=tag, indicators=indicators)
    code, dot, value = rest.partition(".")
    if len(code) != 1:
        raise SelectorError(f"subfield code {code!r}", offset, "one character, or * for any")
    return FieldExists(
        tag=tag, indicators=indicators, code=code, value=value_pattern(value) if dot else None
    )


def parse_control_selector(text: str) -> ControlExists:
    """``"LDR.{17,1}.u"``, ``"008.{35,3}.eng|fre"``, ``"007.{0,1}.c"``, ``"001"``."""
    tag_text, dot, rest = text.partition(".")
    tag = _tag(tag_text)
    position: int | None = None
    length: int | None = None
    offset = len(tag_text) + 1
    if dot and rest.startswith("{"):
        close = rest.find("}")
        if close < 0:
            raise SelectorError("position not closed", offset, "write {position,length}")
        first, comma, second = rest[1:close].partition(",")
        if not first.strip().isdigit() or (comma and not second.strip().isdigit()):
            raise SelectorError(
                f"position {rest[: close + 1]!r}", offset, "{position,length}: two numbers"
            )
        position, length = int(first), int(second) if comma else 1
        rest = rest[close + 1 :]
        if rest and not rest.startswith("."):
            raise SelectorError("'.' expected after }", offset + close + 1, "tag.{pos,len}.value")
        dot, rest = (".", rest[1:]) if rest else ("", "")
    return ControlExists(
        tag=tag, position=position, length=length, value=value_pattern(rest) if dot else None
    )


# -- the parser --------------------------------------------------------------------------------
class _Parser:
    """Recursive descent: one method per production of the grammar in the module docstring."""

    def __init__(self, text: str, *, tolerant: bool = False) -> None:
        self.text = text
        self.tokens = _tokens(text, tolerant=tolerant)
        self.index = 0
        self.rule_name = ""
        self.depth = 0

    # tokens
    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        token = self.current
        return token.kind == "word" and token.text.lower() in words

    def at_punct(self, mark: str) -> bool:
        token = self.current
        return token.kind == "punct" and token.text == mark

    def fail(self, expected: str, hint: str, reason: str = "unexpected_token") -> InvalidRuleText:
        token = self.current
        if token.error is not None:
            return token.error
        shown = repr(token.text) if token.kind != "eof" else "end of text"
        if token.kind == "string":
            shown = f'"{token.text}"'
        return syntax_error(
            self.text, token.position, token.text if token.kind != "eof" else "end of text",
            reason, f"expected {expected}, found {shown}", rule=self.rule_name, hint=hint,
        )

    def word(self, expected: str, hint: str, *words: str) -> str:
        if not self.at_word(*words):
            raise self.fail(expected, hint)
        return self.advance().text.lower()

    def string(self, expected: str, hint: str) -> _Token:
        if self.current.kind != "string":
            raise self.fail(expected, hint)
        return self.advance()

    def punct(self, mark: str, hint: str) -> None:
        if not self.at_punct(mark):
            raise self.fail(repr(mark), hint)
        self.advance()

    def selector_error(self, token: _Token, error: SelectorError) -> InvalidRuleText:
        # The string's text starts one character after its opening quote.
        return syntax_error(
            self.text, token.position + 1 + min(error.offset, len(token.text)), token.text,
            "bad_selector", str(error), rule=self.rule_name, hint=error.hint,
        )

    # file = { rule }
    def file(self) -> RuleFile:
        rules: list[Rule] = []
        while self.current.kind != "eof":
            rules.append(self.rule())
        return RuleFile(rules)

    # rule = "rule" STRING [priority] "when" ("merge" | condition) "then" {statement} "end"
    def rule(self) -> Rule:
        start = self.current.position
        self.rule_name = ""
        self.word("'rule'", 'each rule starts: rule "name"', "rule")
        self.rule_name = self.string("the rule's name in double quotes", 'rule "name"').text
        priority: int | None = None
        if self.at_word("priority", "salience"):
            self.advance()
            if self.current.kind != "integer":
                raise self.fail("a whole number", "priority 10 (higher runs first)")
            priority = int(self.advance().text)
        self.word("'when'", "rule \"name\" when <condition> then <actions> end", "when")
        when: Condition | When
        if self.at_word("merge"):
            self.advance()
            when = When.MERGE
        else:
            when = self.condition()
        self.word("'then'", "a condition ends with 'then', followed by the actions", "then")
        statements: list[Statement] = []
        while not self.at_word("end"):
            if self.current.kind == "eof":
                raise self.fail("'end'", "close every rule with 'end'")
            statements.append(self.statement(when))
        self.advance()
        return Rule(
            name=self.rule_name, priority=priority, when=when, then=statements, position=start
        )

    # condition = conjunction { "OR" conjunction }
    def condition(self) -> Condition:
        operands = [self.conjunction()]
        while self.at_word("or"):
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(operands)

    # conjunction = negation { ["AND"] negation }
    def conjunction(self) -> Condition:
        operands = [self.negation()]
        while self.at_word("and") or self.at_condition():
            if self.at_word("and"):
                self.advance()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else And(operands)

    def at_condition(self) -> bool:
        """Whether a condition starts here: two side by side are joined by AND (Drools)."""
        return self.at_punct("(") or self.at_word(
            "not", "true", "exists", "existscontrol", "preferred"
        )

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(
                f"at most {MAX_DEPTH} nested parentheses or NOTs", "split the condition",
                "too_deep",
            )

    # negation = "NOT" negation | primary
    def negation(self) -> Condition:
        if self.at_word("not"):
            self.advance()
            self.deeper()
            operand = self.negation()
            self.depth -= 1
            return Not(operand)
        return self.primary()

    # primary = "TRUE" | "(" condition ")" | "exists" STRING | "existsControl" STRING
    def primary(self) -> Condition:
        hint = 'TRUE, exists "245.a", existsControl "LDR.{17,1}.u", NOT, AND, OR, ( )'
        if self.at_word("true"):
            self.advance()
            return TrueCondition()
        if self.at_word("preferred"):
            self.advance()
            return Preferred()
        if self.at_punct("("):
            self.advance()
            self.deeper()
            inner = self.condition()
            self.punct(")", "every '(' needs its ')'")
            self.depth -= 1
            return inner
        if self.at_word("exists", "existscontrol"):
            control = self.advance().text.lower() == "existscontrol"
            token = self.string(
                "a quoted selector", 'exists "tag.{ind1,ind2}.code.value"'
                if not control else 'existsControl "tag.{position,length}.value"'
            )
            try:
                if control:
                    return parse_control_selector(token.text)
                return parse_field_selector(token.text)
            except SelectorError as error:
                raise self.selector_error(token, error) from None
        raise self.fail("a condition", hint)

    # statement = set | merge_statement | action
    def statement(self, when: Condition | When) -> Statement:
        token = self.current
        if when is When.MERGE:
            return self.merge_statement()
        if self.at_word("set"):
            return self.set_statement()
        if self.at_word("add"):
            return self.add_to_text()
        if token.kind == "word" and token.text.lower() in _ACTION_NAMES:
            return self.action()
        raise self.fail(
            "an action or 'end'", "actions: " + ", ".join(sorted(ACTIONS)) + "; or set ...",
            "unknown_action" if token.kind == "word" else "unexpected_token",
        )

    # set = "set" ("brief_level" | "indication") "." STRING
    def set_statement(self) -> SetStatement:
        start = self.advance().position
        target = self.word("brief_level or indication", 'set brief_level."07"', *_SET_TARGETS)
        self.punct(".", 'set brief_level."07"')
        value = self.string("a quoted value", 'set brief_level."07"').text
        return SetStatement(target=target, value=value, position=start)

    # add_to_text = "add" "to" "text" ( WORD | STRING | "from" STRING )
    def add_to_text(self) -> AddToText:
        hint = 'add to text displayValue, add to text " | ", add to text from "372.a"'
        start = self.advance().position
        self.word("'to'", hint, "to")
        self.word("'text'", hint, "text")
        if self.at_word("from"):
            self.advance()
            return AddToText("from", self.string("a quoted selector", hint).text, start)
        if self.current.kind == "string":
            return AddToText("literal", self.advance().text, start)
        if self.current.kind == "word":
            return AddToText("word", self.advance().text, start)
        raise self.fail("a value to add", hint)

    # action = ACTION STRING [ ("to" | "with" | "excluding") STRING | STRING ] [ "if" condition ]
    def action(self) -> Verb:
        token = self.advance()
        name = _ACTION_NAMES[token.text.lower()]
        joiner = ACTIONS[name]
        usage = _usage(name)
        subject = self.string("a quoted argument", usage).text
        connector: str | None = None
        obj: str | None = None
        if joiner:
            connector = self.word(f"{joiner!r}", usage, joiner)
            obj = self.string("a quoted argument", usage).text
        elif joiner == "":
            connector = ""
            obj = self.string("a second quoted argument", usage).text
        guard: Condition | None = None
        if self.at_word("if"):
            self.advance()
            guard = self.condition()
        return Verb(name, subject, connector, obj, guard, position=token.position)

    # merge_statement = ("add" | "remove" | "replace") selector { clause }
    def merge_statement(self) -> MergeStatement:
        hint = 'add MARC."245", remove MARC."9"XX excluding "979", replace MARC.control."LDR"'
        token = self.current
        action = self.word("add, remove, replace or 'end'", hint, *_MERGE_ACTIONS)
        tag, control, indicators = self.selector(hint)
        clauses: list[MergeClause] = []
        while self.at_word("excluding", "when", "if"):
            clauses.extend(self.clause())
        return MergeStatement(
            action=action, tag=tag, control=control, indicators=indicators, clauses=clauses,
            position=token.position,
        )

    # selector = "MARC" "." ["control" "."] (STRING [XWORD] | XWORD) ["(" STRING "," STRING ")"]
    def selector(self, hint: str) -> tuple[str, bool, tuple[str, str] | None]:
        self.word("MARC", hint, "marc")
        self.punct(".", hint)
        control = False
        if self.at_word("control"):
            self.advance()
            self.punct(".", 'MARC.control."008"')
            control = True
        if self.current.kind == "string":
            tag = self.advance().text.strip()
            if self.current.kind == "word" and _is_xword(self.current.text):
                tag += self.advance().text.upper()
        elif self.current.kind == "word" and _is_xword(self.current.text):
            tag = self.advance().text.upper()
        else:
            raise self.fail('a quoted tag such as "245" or "9"XX', hint)
        indicators: tuple[str, str] | None = None
        if self.at_punct("("):
            indicators = self.indicator_pair()
        return tag, control, indicators

    def indicator_pair(self) -> tuple[str, str]:
        hint = 'indicators in parentheses: MARC."650"(" ","0")'
        self.punct("(", hint)
        first = self.string("a quoted indicator", hint)
        self.punct(",", hint)
        second = self.string("a quoted indicator", hint)
        self.punct(")", hint)
        for one in (first, second):
            if len(one.text) != 1:
                raise syntax_error(
                    self.text, one.position, one.text, "bad_indicator",
                    f"indicator {one.text!r} is not one character", rule=self.rule_name,
                    hint=hint,
                )
        return first.text, second.text

    # clause = "excluding" ... | "when" ... | "if" ...
    def clause(self) -> list[MergeClause]:
        keyword = self.advance().text.lower()
        if keyword == "excluding":
            if self.current.kind == "string":
                return [MergeClause(kind="excluding_tags", text=self.advance().text)]
            if self.at_word("local"):
                # almamatch's one addition: the local extensions of S21 ($9 LOCAL in 09X, 59X,
                # 69X, 9XX), which the preset "Overlay all fields but local" keeps.
                self.advance()
                self.word("'extension'", "excluding local extension", "extension")
                return [MergeClause(kind="excluding_local")]
            if self.at_word("first", "second"):
                which = self.advance().text.lower()
                self.word("'indicator'", 'excluding second indicator "8"', "indicator")
                value = self.string("a quoted indicator", 'excluding second indicator "8"')
                return [MergeClause(kind=f"excluding_{which}", text=value.text)]
            return [MergeClause(kind="excluding", condition=self.merge_condition())]
        if keyword == "when":
            conditions = [self.merge_condition()]
            while self.at_word("and"):
                self.advance()
                conditions.append(self.merge_condition())
            # "when A and B" is kept as consecutive when-clauses, which mean the same.
            return [MergeClause(kind="when", condition=one) for one in conditions]
        hint = 'if exists, if does not exist, if not exists subfield "5"'
        if self.at_word("does"):
            self.advance()
        negated = False
        if self.at_word("not"):
            self.advance()
            negated = True
        self.word("'exists'", hint, "exists", "exist")
        if self.at_word("subfield"):
            self.advance()
            code = self.string("a quoted subfield code", hint)
            kind = "if_not_subfield" if negated else "if_subfield"
            return [MergeClause(kind=kind, text=code.text)]
        return [MergeClause(kind="if_not_exists" if negated else "if_exists")]

    # merge_condition = "MARC" "." STRING [XWORD] ("." STRING "contains" STRING | indicators)
    def merge_condition(self) -> MergeCondition:
        hint = 'MARC."035"."a" contains "OCoLC" or MARC."035"("9","9")'
        tag, _control, indicators = self.selector(hint)
        if tag.upper() == "LDR":
            raise syntax_error(
                self.text, self.tokens[self.index - 1].position, "LDR", "bad_condition",
                "a condition names a field tag, not LDR", rule=self.rule_name, hint=hint,
            )
        if indicators is not None:
            return MergeCondition(tag=tag, indicators=indicators)
        self.punct(".", hint)
        code_token = self.string("a quoted subfield code", hint)
        code = code_token.text
        if len(code) != 1:
            raise syntax_error(
                self.text, code_token.position, code, "bad_subfield_code",
                f"subfield code {code!r} is not one character", rule=self.rule_name, hint=hint,
            )
        self.word("'contains'", hint, "contains")
        contains = self.string("the quoted text to look for", hint).text
        return MergeCondition(tag=tag, code=code, contains=contains)


def _is_xword(text: str) -> bool:
    return 0 < len(text) <= 3 and set(text) <= {"X", "x"}


def _usage(name: str) -> str:
    joiner = ACTIONS[name]
    if joiner is None:
        return f'{name} "..." [if (<condition>)]'
    if joiner == "":
        return f'{name} "..." "..."'
    return f'{name} "..." {joiner} "..." [if (<condition>)]'


def parse_errors(text: str) -> list[InvalidRuleText]:
    """Every syntax error in ``text``: after an error the parser resumes at the next ``rule``
    keyword, so that one run reports the errors of every rule (none: the text parses)."""
    if not isinstance(text, str):
        return [InvalidRuleText(text, "not_text", "rule text is a string")]
    parser = _Parser(text, tolerant=True)
    errors: list[InvalidRuleText] = []
    while parser.current.kind != "eof":
        start = parser.index
        try:
            parser.rule()
        except InvalidRuleText as error:
            errors.append(error)
            parser.index = max(parser.index, start + 1)
            while parser.current.kind != "eof" and not parser.at_word("rule"):
                skipped = parser.advance()
                if skipped.error is not None and skipped.error is not error:
                    errors.append(skipped.error)
            parser.depth = 0
    return errors


def parse(text: str) -> RuleFile:
    """The rules in ``text``; ``InvalidRuleText`` at the first token that does not fit."""
    if not isinstance(text, str):
        raise InvalidRuleText(text, "not_text", "rule text is a string")
    return _Parser(text).file()
