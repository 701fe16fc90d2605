"""``almamatch rules``: check rule files, preview normalization on a record, explain brief levels.

Theory of operation: for the librarian who writes rules, like the Metadata Editor's preview.
``check`` parses every file and compiles it as the kind it is (normalization, merge, brief
level; indication and heading display rules are parsed only), reporting every syntax error with
its place, the line with a caret and a hint; ``apply`` runs normalization rules on one record and
prints the fields before and after as a diff, with the note of each rule that changed something;
``level`` says which brief-level rule gives a record its level and shows that rule's condition.
"""

from __future__ import annotations

import argparse
import difflib
from functools import partial
from typing import Any

from rich.text import Text

from almamatch.cli.decide import UnreadableRecord, record_at
from almamatch.cli.render import json_line, stdout_console
from almamatch.core.record import Bib
from almamatch.marc import Unreadable
from almamatch.rules import RuleKind, format_condition, parse
from almamatch.rules.brief import compile_brief_levels
from almamatch.rules.merge import compile_merge
from almamatch.rules.normalize import compile_normalization
from almamatch.rules.parser import parse_errors
from almamatch.rules.syntax import InvalidRuleText, When
from almamatch.zonefiles.rulefiles import (
    InvalidRuleFile,
    brief_level_rules_from,
    load_normalization_rules,
    read_rule_text,
)

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    if args.rules_command == "check":
        return _check(args)
    if args.rules_command == "apply":
        return _apply(args)
    return _level(args)


# -- check -------------------------------------------------------------------------------------
def _error_json(error: InvalidRuleText) -> dict[str, Any]:
    return {"line": error.line, "column": error.column, "rule": error.rule,
            "reason": error.reason, "message": error.detail, "hint": error.hint}


def _check_one(path: str) -> dict[str, Any]:
    """What ``check`` found in one file: kinds, rules, errors, notes."""
    found: dict[str, Any] = {"file": path, "kinds": [], "rules": 0, "errors": [], "notes": []}
    try:
        text = read_rule_text(path)
    except InvalidRuleFile as error:
        found["errors"].append({"line": 0, "column": 0, "rule": "", "reason": error.reason,
                                "message": error.detail, "hint": ""})
        return found
    errors = parse_errors(text)
    if errors:
        found["errors"] = [_error_json(error) for error in errors]
        return found
    parsed = parse(text)
    found["kinds"] = sorted(kind.value for kind in parsed.kinds)
    found["rules"] = len(parsed.rules)
    try:
        if parsed.kinds == {RuleKind.MERGE}:
            found["notes"] = list(compile_merge(parsed).notes)
        elif parsed.kinds == {RuleKind.BRIEF_LEVEL}:
            compile_brief_levels(parsed)
        elif parsed.kinds == {RuleKind.NORMALIZATION}:
            compile_normalization(parsed)
        elif not parsed.kinds <= {RuleKind.INDICATION, RuleKind.DISPLAY}:
            found["notes"].append("rules of several kinds: a profile uses one kind per file")
    except InvalidRuleText as error:
        found["errors"].append(_error_json(error))
    return found


def _check(args: argparse.Namespace) -> int:
    results = [_check_one(path) for path in args.files]
    failed = sum(1 for result in results if result["errors"])
    console = stdout_console()
    say = partial(console.print, soft_wrap=True)  # a path or a record line is never wrapped
    if args.json:
        console.file.write(json_line({"files": results, "failed": failed}) + "\n")
        return 1 if failed else 0
    for result in results:
        if not result["errors"]:
            kinds = ", ".join(result["kinds"]) or "no rules"
            say(Text(f"{result['file']}: ok, {result['rules']} rules ({kinds})",
                               style="green"))
        for error in result["errors"]:
            where = f"{result['file']}:{error['line']}:{error['column']}" if error["line"] \
                else result["file"]
            rule = f" (rule {error['rule']!r})" if error["rule"] else ""
            say(Text(f"{where}: error{rule}: {error['message']}", style="red"))
            if error["hint"]:
                say(Text(f"  hint: {error['hint']}"))
        for note in result["notes"]:
            say(Text(f"{result['file']}: note: {note}", style="yellow"))
    if failed:
        say(Text(f"{failed} of {len(results)} files have errors", style="red"))
    return 1 if failed else 0


# -- apply and level ---------------------------------------------------------------------------
def _record(args: argparse.Namespace) -> Bib:
    item = record_at(args.record, args.index)
    if isinstance(item, Unreadable):
        raise UnreadableRecord(args.record, item.reason, f"record {args.index}: {item}")
    return item


def _apply(args: argparse.Namespace) -> int:
    rules = load_normalization_rules(args.file)
    before = _record(args)
    after, notes = rules.run(before)
    old, new = list(before.lines()), list(after.lines())
    diff = [line for line in difflib.ndiff(old, new) if not line.startswith("?")]
    console = stdout_console()
    say = partial(console.print, soft_wrap=True)  # a path or a record line is never wrapped
    if args.json:
        console.file.write(json_line({"file": args.file, "record": args.record,
                                      "index": args.index, "notes": list(notes),
                                      "before": old, "after": new}) + "\n")
        return 0
    say(Text(f"{args.file} on {args.record} record {args.index}", style="bold"))
    for note in notes or ("no rule changed the record",):
        say(Text(f"  {note}", style="cyan"))
    for line in diff:
        style = {"-": "red", "+": "green"}.get(line[:1], "")
        say(Text(line, style=style))
    return 0


def _level(args: argparse.Namespace) -> int:
    text = read_rule_text(args.file)  # once: the rules and their conditions from the same text
    levels = brief_level_rules_from(text, args.file)
    record = _record(args)
    match = levels.explain(record)
    parsed = parse(text)
    conditions = {rule.name: rule.when for rule in parsed.rules if rule.when is not When.MERGE}
    tried = [name for name, _, _ in levels.rules]
    tried = tried[: tried.index(match.rule) + 1] if match.rule in tried else tried
    console = stdout_console()
    say = partial(console.print, soft_wrap=True)  # a path or a record line is never wrapped
    if args.json:
        console.file.write(json_line({
            "file": args.file, "record": args.record, "index": args.index,
            "level": str(match.level), "rule": match.rule, "tried": tried,
        }) + "\n")
        return 0
    if match.rule is None:
        say(Text(f"brief level {match.level}: no rule matched; the default", "bold"))
    else:
        say(Text(f"brief level {match.level}: rule {match.rule!r}", style="bold"))
        when = conditions.get(match.rule)
        if when is not None and not isinstance(when, When):
            say(Text(f"  because: {format_condition(when)}"))
    for name in tried[:-1] if match.rule is not None else tried:
        say(Text(f"  not {name!r}: its condition does not hold", style="dim"))
    return 0
