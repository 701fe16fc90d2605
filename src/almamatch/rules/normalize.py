"""Normalization rules run on a record: every action Alma documents, compiled once per profile.

Theory of operation: ``compile_normalization(file)`` turns each ``Verb`` into an operation once
(its selectors parsed, its tags checked), so that running the rules on a record does no parsing.
``NormalizationRules.run(bib)`` runs the rules in priority order ("the higher priority occurs
first", https://developers.exlibrisgroup.com/blog/alma-normalization-rule-examples/), each rule's
actions "in order of appearance" (Brown University Library, Normalization Rules,
https://libguides.brown.edu/c.php?g=1073335&p=10329236) on one working copy of the fields, and
returns the new record with one note per action that changed something, for the decision's trace.

The meaning of each action follows Ex Libris' syntax table ("Working with Normalization Rules",
https://knowledge.exlibrisgroup.com/Alma/Product_Documentation/010Alma_Online_Help_(English)/Metadata_Management/016Working_with_Rules/020Working_with_Normalization_Rules)
and its developer network's examples. Where they are silent almamatch chooses, and ``ACTION_NOTES``
says what it chose; tests/test_rules_normalize.py holds an example of each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from attrs import field, frozen

from almamatch.core.normalization import insert_in_tag_order
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.core.wildcard import Glob
from almamatch.rules.conditions import field_holds, field_matches, holds
from almamatch.rules.parser import SelectorError, parse_control_selector, parse_field_selector
from almamatch.rules.syntax import (
    Condition,
    FieldExists,
    InvalidRuleText,
    Rule,
    RuleFile,
    TrueCondition,
    ValuePattern,
    Verb,
    When,
)

__all__ = ["ACTION_NOTES", "NormalizationRules", "compile_normalization"]

#: almamatch's reading of each action where Ex Libris' documentation leaves a choice.
ACTION_NOTES: Final = {
    "addField": "adds one field with one subfield, in tag order; indicators default to blank",
    "addControlField": "001, 003, 005 and 008 are replaced when present (not repeatable); "
    "006 and 007 are added; # in the value is a blank",
    "addSubField": "adds the subfield at the end of every field with the tag; makes no field",
    "removeSubField": "a field left with no subfield is removed (MARC has no empty data field)",
    "replaceContents": "replaces every occurrence of the text (not a pattern) in the subfield",
    "replaceControlContents": "the new value is fitted to the length (blank-padded or cut); "
    "# is a blank",
    "replaceContentsExceptFirst": "per field; without a text after the code, the whole value",
    "replaceSubFieldContents": "replaces the whole value of the subfields (that match the text)",
    "copyField": "one new field per source field, in tag order, indicators kept",
    "copyControlField": "the first matching subfield value becomes the control field",
    "suffixSubField": "appends the value of the second subfield (same field when the tags are "
    "the same, else the first field with that tag)",
    "combineFields": "later fields' subfields, less the excluded codes, join the first field",
    "splitSubField": "each piece between separators becomes a new field with that subfield",
    "moveSubfieldsToEndOfField": "the listed codes move to the end, in the order listed",
    "correctDuplicateFields": "an exact copy (indicators and subfields) of an earlier field goes",
    "correctDuplicateSubfields": "an exact copy (code and value) of an earlier subfield goes",
}

_NOT_REPEATABLE: Final = frozenset({"001", "003", "005", "008"})


class _State:
    """The record being normalized: a leader and a list of fields, changed in place."""

    __slots__ = ("fields", "leader")

    def __init__(self, leader: str, fields: list[Field]) -> None:
        self.leader = leader
        self.fields = fields


_Op = Callable[[_State], str | None]


def _blank(text: str) -> str:
    return text.replace("#", " ")


def _insert(state: _State, new: Field) -> None:
    """After the last field whose tag sorts at or before the new field's tag."""
    insert_in_tag_order(state.fields, new)


def _replace_first(state: _State, new: Field) -> bool:
    """Put ``new`` in place of the first field with its tag; False when there is none."""
    for index, one in enumerate(state.fields):
        if one.tag == new.tag:
            state.fields[index] = new
            return True
    return False


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            index += 1
        out.append(text[index])
        index += 1
    return "".join(out)


@frozen
class _Target:
    """An action's ``"tag.{i1,i2}.code.text"``: the fields it acts on, a code, a literal text."""

    selector: FieldExists  # the tag and indicators, without the code
    code: str | None
    text: str | None

    def fields(self, state: _State, guard: Condition | None) -> list[DataField]:
        chosen: list[DataField] = []
        for one in state.fields:
            if not isinstance(one, DataField) or not field_matches(self.selector, one):
                continue
            if guard is None or field_holds(guard, state.leader, state.fields, one):
                chosen.append(one)
        return chosen

    def wants(self, sub: Subfield) -> bool:
        return self.code in (None, "*", sub.code)


class _Compiler:
    """Checks one action's arguments and builds its operation; errors name the action."""

    def __init__(self, rule: Rule, verb: Verb) -> None:
        self.rule = rule
        self.verb = verb

    def error(self, detail: str, hint: str) -> InvalidRuleText:
        return InvalidRuleText(
            f"{self.verb.name} {self.verb.subject!r}", "bad_argument", detail, rule=self.rule.name,
            hint=hint,
        )

    def target(self, text: str, *, code: bool, value: bool = False) -> _Target:
        tag_part, _, rest = text.partition(".")
        try:
            if value and rest:
                # The text after the code is literal; split it off before parsing the selector.
                head, dot, literal = _split_after_code(text)
                parsed = parse_field_selector(head)
                found = _Target(FieldExists(parsed.tag, parsed.indicators), parsed.code,
                                _unescape(literal) if dot else None)
            else:
                parsed = parse_field_selector(text)
                if parsed.value is not None:
                    raise SelectorError("no text expected after the code", 0, "tag.code")
                found = _Target(FieldExists(parsed.tag, parsed.indicators), parsed.code, None)
        except SelectorError as error:
            raise self.error(f"{text!r}: {error}", error.hint) from None
        if code and found.code is None:
            raise self.error(f"{text!r} names no subfield", f'{self.verb.name} "{tag_part}.a"')
        if not code and found.code is not None:
            raise self.error(f"{text!r}: a tag, not a subfield", f'{self.verb.name} "{tag_part}"')
        return found

    def literal_tag(self, text: str) -> str:
        if len(text) != 3 or not text.isalnum():
            raise self.error(f"{text!r} is not one tag", "three digits or letters, no wildcard")
        return text

    def literal_code(self, text: str) -> str:
        if len(text) != 1 or text == "*":
            raise self.error(f"subfield code {text!r}", "one letter or digit")
        return text


def _split_after_code(text: str) -> tuple[str, str, str]:
    """``"500.a.,tmp"`` -> (``"500.a"``, ``"."``, ``",tmp"``); indicators may precede the code."""
    tag, _, rest = text.partition(".")
    head = tag
    if rest.startswith("{"):
        close = rest.find("}")
        if close < 0:
            return text, "", ""
        head += "." + rest[: close + 1]
        rest = rest[close + 2 :]
    code, dot, literal = rest.partition(".")
    return f"{head}.{code}", dot, literal


def _describe(verb: Verb) -> str:
    text = f'{verb.name} "{verb.subject}"'
    if verb.object is not None:
        text += f' {verb.connector} "{verb.object}"' if verb.connector else f' "{verb.object}"'
    return text


def _count(number: int, what: str) -> str:
    return f"{number} {what}" + ("" if number == 1 else "s")


def _shown(fields: list[Field]) -> str:
    """The fields an action removed, as a cataloger reads them (three at most, then a count)."""
    parts: list[str] = []
    for one in fields[:3]:
        body = one.value if isinstance(one, ControlField) else one.text
        text = f"{one.tag} {body}"
        parts.append(text if len(text) <= 60 else text[:57] + "...")
    if len(fields) > 3:
        parts.append(f"and {len(fields) - 3} more")
    return "; ".join(parts)


def _removed(before: list[Field], kept: list[Field]) -> str:
    ids = {id(one) for one in kept}
    return "removed " + _shown([one for one in before if id(one) not in ids])


# -- the actions -------------------------------------------------------------------------------
def _remove_field(c: _Compiler) -> _Op:
    # "removeField "035.a" if ..." (Harvard) names a subfield: the field must carry it.
    try:
        selector = parse_field_selector(c.verb.subject)
    except SelectorError as error:
        raise c.error(f"{c.verb.subject!r}: {error}", error.hint) from None
    guard = c.verb.guard
    tag_only = selector == FieldExists(selector.tag)
    tag_matches = selector.tag.matches

    def chosen(one: Field, leader: str, fields: list[Field]) -> bool:
        if not (tag_matches(one.tag) if tag_only else field_matches(selector, one)):
            return False
        return guard is None or field_holds(guard, leader, fields, one)

    if tag_only and guard is None:
        literal = selector.tag.text if selector.tag.is_literal else None

        def run_tag(state: _State) -> str | None:
            fields = state.fields
            if literal is not None:
                for one in fields:  # most records lack the tag: look before building a list
                    if one.tag == literal:
                        break
                else:
                    return None
                kept = [one for one in fields if one.tag != literal]
            else:
                for one in fields:
                    if tag_matches(one.tag):
                        break
                else:
                    return None
                kept = [one for one in fields if not tag_matches(one.tag)]
            state.fields = kept
            return _removed(fields, kept)

        return run_tag

    def run(state: _State) -> str | None:
        fields, leader = state.fields, state.leader
        first = next((i for i, one in enumerate(fields) if chosen(one, leader, fields)), -1)
        if first < 0:  # most records have nothing to remove: look before copying
            return None
        kept = fields[:first]
        kept.extend(one for one in fields[first + 1 :] if not chosen(one, leader, fields))
        state.fields = kept
        return _removed(fields, kept)

    return run


def _remove_control_field(c: _Compiler) -> _Op:
    try:
        selector = parse_control_selector(c.verb.subject)
    except SelectorError as error:
        raise c.error(str(error), error.hint) from None
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        kept: list[Field] = []
        for one in state.fields:
            if (
                isinstance(one, ControlField)
                and selector.tag.matches(one.tag)
                and (guard is None or field_holds(guard, state.leader, state.fields, one))
            ):
                continue
            kept.append(one)
        if len(kept) == len(state.fields):
            return None
        before, state.fields = state.fields, kept
        return _removed(before, kept)

    return run


def _add_field(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True, value=True)
    tag = c.literal_tag(target.selector.tag.text)
    code = c.literal_code(target.code or "")
    indicators = target.selector.indicators
    first = " " if indicators is None or indicators.first == "*" else indicators.first
    second = " " if indicators is None or indicators.second == "*" else indicators.second
    if tag.startswith("00") and tag.isdigit():
        raise c.error(f"{tag} is a control field", 'addControlField "008.<value>"')
    new = DataField(tag, first, second, [Subfield(code, target.text or "")])
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        if guard is not None and not holds(guard, state.leader, state.fields):
            return None
        _insert(state, new)
        return f"added {tag} {new.text}"

    return run


def _add_control_field(c: _Compiler) -> _Op:
    tag, dot, value = c.verb.subject.partition(".")
    if not (len(tag) == 3 and tag.startswith("00") and tag.isdigit()) or not dot:
        raise c.error(f"{c.verb.subject!r}", 'addControlField "007.<value>" (a tag 001-009)')
    new = ControlField(tag, _blank(value))
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        if guard is not None and not holds(guard, state.leader, state.fields):
            return None
        if tag in _NOT_REPEATABLE and _replace_first(state, new):
            return f"replaced {tag}"
        _insert(state, new)
        return f"added {tag}"

    return run


def _add_subfield(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True, value=True)
    sub = Subfield(c.literal_code(target.code or ""), target.text or "")
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        chosen = target.fields(state, guard)
        if not chosen:
            return None
        _replace_each(state, chosen, lambda one: _with_subfields(one, (*one.subfields, sub)))
        return f"added ${sub.code} to {_count(len(chosen), 'field')}"

    return run


def _with_subfields(one: DataField, subfields: tuple[Subfield, ...]) -> DataField:
    return DataField(one.tag, one.indicator1, one.indicator2, subfields)


def _replace_each(
    state: _State, chosen: list[DataField], change: Callable[[DataField], DataField | None]
) -> int:
    """Replace each chosen field by ``change(field)`` (None removes it); the number changed."""
    ids = {id(one) for one in chosen}
    result: list[Field] = []
    changed = 0
    for one in state.fields:
        if id(one) in ids and isinstance(one, DataField):
            new = change(one)
            if new != one:
                changed += 1
            if new is not None:
                result.append(new)
        else:
            result.append(one)
    state.fields = result
    return changed


def _subfield_op(c: _Compiler, change: Callable[[Subfield, int], Subfield | None],
                 what: str) -> _Op:
    """An action that changes each wanted subfield of each chosen field (``index``: its rank
    among the wanted subfields of that field)."""
    target = c.target(c.verb.subject, code=True, value=True)

    def per_field(one: DataField) -> DataField | None:
        rank = 0
        subfields: list[Subfield] = []
        for sub in one.subfields:
            if target.wants(sub) and (target.text is None or _text_matches(target, sub)):
                new = change(sub, rank)
                rank += 1
                if new is not None:
                    subfields.append(new)
            else:
                subfields.append(sub)
        if not subfields:
            return None
        return one if tuple(subfields) == one.subfields else _with_subfields(one, tuple(subfields))

    return _field_op(c, per_field, f"{what} in", target)


def _text_matches(target: _Target, sub: Subfield) -> bool:
    # For replaceContents the text is searched for; for the others it is a glob on the value.
    return target.text is not None and target.text in sub.value


def _remove_subfield(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True, value=True)
    pattern = None if target.text is None else parse_field_selector(
        f"xxx.a.{target.text.replace(chr(92), chr(92) * 2)}"
    ).value

    def per_field(one: DataField) -> DataField | None:
        subfields = tuple(
            sub for sub in one.subfields
            if not (target.wants(sub) and (pattern is None or pattern.matches(sub.value)))
        )
        if not subfields:
            return None
        return one if len(subfields) == len(one.subfields) else _with_subfields(one, subfields)

    return _field_op(c, per_field, "removed subfields in", target)


def _replace_contents(c: _Compiler) -> _Op:
    old = c.target(c.verb.subject, code=True, value=True).text
    if not old:
        raise c.error("no text to replace", 'replaceContents "500.a.old" with "new"')
    new = c.verb.object or ""
    return _subfield_op(c, lambda sub, _rank: Subfield(sub.code, sub.value.replace(old, new)),
                        "replaced text")


def _replace_except_first(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True, value=True)
    new = c.verb.object or ""
    old = target.text

    def change(sub: Subfield, rank: int) -> Subfield:
        if rank == 0:
            return sub
        return Subfield(sub.code, new if old is None else sub.value.replace(old, new))

    return _subfield_op(c, change, "replaced text")


def _replace_subfield_contents(c: _Compiler) -> _Op:
    new = c.verb.object or ""
    return _subfield_op(c, lambda sub, _rank: Subfield(sub.code, new), "replaced values")


def _prefix(c: _Compiler) -> _Op:
    text = c.verb.object or ""
    c.target(c.verb.subject, code=True)
    return _subfield_op(c, lambda sub, _rank: Subfield(sub.code, text + sub.value), "prefixed")


def _suffix(c: _Compiler) -> _Op:
    text = c.verb.object or ""
    c.target(c.verb.subject, code=True)
    return _subfield_op(c, lambda sub, _rank: Subfield(sub.code, sub.value + text), "suffixed")


def _change_subfield(c: _Compiler) -> _Op:
    code = c.literal_code(c.verb.object or "")
    c.target(c.verb.subject, code=True)
    return _subfield_op(c, lambda sub, _rank: Subfield(code, sub.value), f"changed to ${code}")


def _change_subfield_except_first(c: _Compiler) -> _Op:
    code = c.literal_code(c.verb.object or "")
    c.target(c.verb.subject, code=True)
    return _subfield_op(
        c, lambda sub, rank: sub if rank == 0 else Subfield(code, sub.value),
        f"changed to ${code}",
    )


def _field_op(c: _Compiler, change: Callable[[DataField], DataField | None], what: str,
              target: _Target | None = None) -> _Op:
    """An action that changes each chosen field (``target``: the fields the verb's subject
    names, unless given), noted as ``what`` and the count of fields changed."""
    if target is None:
        target = c.target(c.verb.subject, code=False)
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        chosen = target.fields(state, guard)
        changed = _replace_each(state, chosen, change) if chosen else 0
        return f"{what} {_count(changed, 'field')}" if changed else None

    return run


def _change_field(c: _Compiler) -> _Op:
    tag = c.literal_tag(c.verb.object or "")
    if tag.startswith("00") and tag.isdigit():
        raise c.error(f"{tag} is a control field", "changeField names a data field tag")
    return _field_op(c, lambda one: DataField(tag, one.indicator1, one.indicator2,
                                              one.subfields), f"retagged to {tag}")


def _indicator_value(c: _Compiler) -> str:
    value = c.verb.object if c.verb.object is not None else ""
    value = value or " "
    if len(value) != 1:
        raise c.error(f"indicator {value!r}", 'one character: "0", " " (blank)')
    return _blank(value).replace("-", " ")


def _change_first_indicator(c: _Compiler) -> _Op:
    value = _indicator_value(c)
    return _field_op(c, lambda one: DataField(one.tag, value, one.indicator2, one.subfields),
                     "first indicator set in")


def _change_second_indicator(c: _Compiler) -> _Op:
    value = _indicator_value(c)
    return _field_op(c, lambda one: DataField(one.tag, one.indicator1, value, one.subfields),
                     "second indicator set in")


def _copy_field(c: _Compiler) -> _Op:
    source_tag, _, source_code = c.verb.subject.partition(".")
    try:
        to = parse_field_selector(c.verb.object or "")
    except SelectorError as error:
        raise c.error(f"{c.verb.object!r}: {error}", error.hint) from None
    to_tag = c.literal_tag(to.tag.text)
    to_code = to.code or ""
    to_first = None if to.indicators is None else to.indicators.first
    to_second = None if to.indicators is None else to.indicators.second
    guard = c.verb.guard
    if source_tag.startswith("00") and source_tag.isdigit():
        # copyField "001" to "035.9": a control field's value into a subfield of a new field.
        code = c.literal_code(to_code)

        def run_control(state: _State) -> str | None:
            made = 0
            for one in list(state.fields):
                if isinstance(one, ControlField) and one.tag == source_tag and (
                    guard is None or field_holds(guard, state.leader, state.fields, one)
                ):
                    _insert(state, DataField(to_tag, to_first or " ", to_second or " ",
                                             [Subfield(code, one.value)]))
                    made += 1
            return f"copied {_count(made, 'field')} to {to_tag}" if made else None

        return run_control
    target = c.target(source_tag + ("." + source_code if source_code else ""),
                      code=bool(source_code))
    new_code = c.literal_code(to_code) if to_code else None

    def run(state: _State) -> str | None:
        made = 0
        for one in target.fields(state, guard):
            first = one.indicator1 if to_first in (None, "*") else to_first
            second = one.indicator2 if to_second in (None, "*") else to_second
            if new_code is None:
                copied = DataField(to_tag, first, second, one.subfields)
            else:
                subs = [Subfield(new_code, s.value) for s in one.subfields if target.wants(s)]
                if not subs:
                    continue
                copied = DataField(to_tag, first, second, subs)
            _insert(state, copied)
            made += 1
        return f"copied {_count(made, 'field')} to {to_tag}" if made else None

    return run


def _copy_control_field(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True)
    tag = c.literal_tag(c.verb.object or "")
    if not (tag.startswith("00") and tag.isdigit()):
        raise c.error(f"{tag} is not a control field", 'copyControlField "035.a" to "001"')
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        for one in target.fields(state, guard):
            for sub in one.subfields:
                if target.wants(sub):
                    new = ControlField(tag, sub.value)
                    if not _replace_first(state, new):
                        _insert(state, new)
                    return f"{tag} set from {one.tag} ${sub.code}"
        return None

    return run


def _suffix_subfield(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True)
    source = c.target(c.verb.object or "", code=True)
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        chosen = target.fields(state, guard)
        if not chosen:
            return None
        first_source = next(iter(source.fields(state, None)), None)

        def per_field(one: DataField) -> DataField:
            donor = one if source.selector.tag.matches(one.tag) else first_source
            if donor is None:
                return one
            extra = next((s.value for s in donor.subfields if source.wants(s)), None)
            if extra is None:
                return one
            subs = tuple(
                Subfield(s.code, s.value + extra) if target.wants(s) else s for s in one.subfields
            )
            return _with_subfields(one, subs)

        changed = _replace_each(state, chosen, per_field)
        return f"suffixed in {_count(changed, 'field')}" if changed else None

    return run


def _combine_fields(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=False)
    excluded = frozenset((c.verb.object or "").replace(",", "").replace(" ", ""))
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        chosen = target.fields(state, guard)
        if len(chosen) < 2:
            return None
        first = chosen[0]
        extra = [s for one in chosen[1:] for s in one.subfields if s.code not in excluded]
        combined = _with_subfields(first, (*first.subfields, *extra))
        later = {id(one) for one in chosen[1:]}
        state.fields = [
            combined if one is first else one for one in state.fields if id(one) not in later
        ]
        return f"combined {_count(len(chosen), 'field')}"

    return run


def _correct_duplicate_fields(c: _Compiler) -> _Op:
    targets = [c.target(part.strip(), code=False) for part in c.verb.subject.split(",")]
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        seen: set[Field] = set()
        kept: list[Field] = []
        for one in state.fields:
            if any(field_matches(t.selector, one) for t in targets) and (
                guard is None or field_holds(guard, state.leader, state.fields, one)
            ):
                if one in seen:
                    continue
                seen.add(one)
            kept.append(one)
        removed = len(state.fields) - len(kept)
        if not removed:
            return None
        state.fields = kept
        return f"removed {_count(removed, 'duplicate field')}"

    return run


def _correct_duplicate_subfields(c: _Compiler) -> _Op:
    def per_field(one: DataField) -> DataField:
        seen: set[Subfield] = set()
        subs: list[Subfield] = []
        for sub in one.subfields:
            if sub not in seen:
                seen.add(sub)
                subs.append(sub)
        return one if len(subs) == len(one.subfields) else _with_subfields(one, tuple(subs))

    return _field_op(c, per_field, "removed duplicate subfields in")


def _split_subfield(c: _Compiler) -> _Op:
    target = c.target(c.verb.subject, code=True, value=True)
    separator = target.text
    if not separator:
        raise c.error("no separator", 'splitSubField "776.w.(" to "TMP.a"')
    to_tag, _, to_code = (c.verb.object or "").partition(".")
    to_tag = c.literal_tag(to_tag)
    code = c.literal_code(to_code)
    guard = c.verb.guard

    def run(state: _State) -> str | None:
        made = 0
        for one in target.fields(state, guard):
            for sub in one.subfields:
                if target.wants(sub):
                    for piece in sub.value.split(separator):
                        if piece:
                            _insert(state, DataField(to_tag, " ", " ", [Subfield(code, piece)]))
                            made += 1
        return f"split into {_count(made, 'field')} {to_tag}" if made else None

    return run


def _move_subfields_to_end(c: _Compiler) -> _Op:
    order = [code for code in (c.verb.object or "").replace(" ", "").split(",") if code]
    if any(len(code) != 1 for code in order) and len(order) == 1:
        order = list(order[0])

    def per_field(one: DataField) -> DataField:
        moved = [s for code in order for s in one.subfields if s.code == code]
        rest = [s for s in one.subfields if s.code not in order]
        subs = (*rest, *moved)
        return one if subs == one.subfields else _with_subfields(one, subs)

    return _field_op(c, per_field, "reordered")


def _replace_control_contents(c: _Compiler) -> _Op:
    try:
        selector = parse_control_selector(c.verb.subject)
    except SelectorError as error:
        raise c.error(str(error), error.hint) from None
    # "replaceControlContents "LDR.{17,1}.I" with " "" (Harvard): only where the old value is
    # there; # in it is a blank, as in the new value.
    old = None if selector.value is None else ValuePattern(
        [Glob([_blank(piece) for piece in glob.pieces]) for glob in selector.value.alternatives]
    )
    new = _blank(c.verb.object or "")
    guard = c.verb.guard
    position = selector.position
    length = selector.length or 1

    def fitted(value: str) -> str:
        if old is not None:
            current = value if position is None else value[position : position + length]
            if not old.matches(current):
                return value
        if position is None:
            return new
        if len(value) < position:
            value = value.ljust(position)
        return value[:position] + new[:length].ljust(length) + value[position + length :]

    def run(state: _State) -> str | None:
        if selector.tag.matches("LDR") and (
            guard is None or holds(guard, state.leader, state.fields)
        ):
            after = fitted(state.leader)[:24].ljust(24)
            if after != state.leader:
                state.leader = after
                return "leader changed"
            return None
        changed = 0
        for index, one in enumerate(state.fields):
            if isinstance(one, ControlField) and selector.tag.matches(one.tag) and (
                guard is None or field_holds(guard, state.leader, state.fields, one)
            ):
                after = fitted(one.value)
                if after != one.value:
                    state.fields[index] = ControlField(one.tag, after)
                    changed += 1
        return f"changed {_count(changed, 'control field')}" if changed else None

    return run


_COMPILERS: Final[dict[str, Callable[[_Compiler], _Op]]] = {
    "removeField": _remove_field,
    "removeControlField": _remove_control_field,
    "addField": _add_field,
    "addControlField": _add_control_field,
    "addSubField": _add_subfield,
    "removeSubField": _remove_subfield,
    "replaceContents": _replace_contents,
    "replaceContentsExceptFirst": _replace_except_first,
    "replaceSubFieldContents": _replace_subfield_contents,
    "replaceControlContents": _replace_control_contents,
    "prefix": _prefix,
    "suffix": _suffix,
    "suffixSubField": _suffix_subfield,
    "changeField": _change_field,
    "changeSubField": _change_subfield,
    "changeSubFieldExceptFirst": _change_subfield_except_first,
    "changeFirstIndicator": _change_first_indicator,
    "changeSecondIndicator": _change_second_indicator,
    "copyField": _copy_field,
    "copyControlField": _copy_control_field,
    "splitSubField": _split_subfield,
    "combineFields": _combine_fields,
    "correctDuplicateFields": _correct_duplicate_fields,
    "correctDuplicateSubfields": _correct_duplicate_subfields,
    "moveSubfieldsToEndOfField": _move_subfields_to_end,
}


@frozen(eq=False)
class _CompiledRule:
    name: str
    when: Condition
    actions: tuple[tuple[str, _Op], ...]


@frozen(eq=False)
class NormalizationRules:
    """Normalization rules compiled for running; equal only to themselves (compile once)."""

    name: str
    rules: tuple[_CompiledRule, ...] = field(repr=False)  # a profile's repr stays one line

    def run(self, bib: Bib) -> tuple[Bib, tuple[str, ...]]:
        """The record after the rules, and a note for each action that changed it."""
        state = _State(bib.leader, list(bib.fields))
        notes: list[str] = []
        for rule in self.rules:
            if not isinstance(rule.when, TrueCondition) and not holds(
                rule.when, state.leader, state.fields
            ):
                continue
            for text, op in rule.actions:
                effect = op(state)
                if effect is not None:
                    notes.append(f"rule {rule.name!r}: {text}: {effect}")
        if not notes:
            return bib, ()
        return Bib(leader=state.leader, fields=state.fields), tuple(notes)

    def apply(self, bib: Bib) -> Bib:
        return self.run(bib)[0]


def compile_normalization(file: RuleFile, *, name: str = "") -> NormalizationRules:
    """The file's normalization rules, ready to run; ``InvalidRuleText`` for an action whose
    arguments cannot mean anything. Brief-level, indication and merge statements are refused."""
    compiled: list[_CompiledRule] = []
    for rule in file.in_run_order():
        if rule.when is When.MERGE:
            raise InvalidRuleText(rule.name, "not_normalization", "a merge rule", rule=rule.name,
                                  hint="normalization rules have a condition after 'when'")
        actions: list[tuple[str, _Op]] = []
        for statement in rule.then:
            if not isinstance(statement, Verb):
                raise InvalidRuleText(
                    rule.name, "not_normalization",
                    f"{type(statement).__name__} in a normalization rule", rule=rule.name,
                    hint="brief-level and indication rules are read by their own commands",
                )
            actions.append((_describe(statement), _COMPILERS[statement.name](
                _Compiler(rule, statement))))
        compiled.append(_CompiledRule(rule.name, rule.when, tuple(actions)))
    return NormalizationRules(name=name or (file.rules[0].name if file.rules else "no rules"),
                              rules=tuple(compiled))
