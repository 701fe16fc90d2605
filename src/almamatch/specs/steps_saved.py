"""Steps that check the record a decision saved: its fields, how many of a tag, its leader.

Theory of operation: "the saved record" is the bib the latest export added or merged into, as the
zone holds it after that export was applied (a refusal saved nothing, and the report says so).
Fields are compared in the form the tables write them (tag, indicators with # for blank,
subfields as "$a ... $z ..."), so that a librarian states a field exactly as she sees it.
"""

from __future__ import annotations

from almamatch.core.decision import Add, Merge
from almamatch.core.record import Bib, field_line
from almamatch.specs.errors import SpecError
from almamatch.specs.steps_outcome import check, describe
from almamatch.specs.tables import parse_fields
from almamatch.specs.vocabulary import Mismatch, StepCall, StepKind, step
from almamatch.specs.world import World

__all__: list[str] = []

SAVED = "The saved record"


def _saved_record(world: World) -> Bib | None:
    """The bib the latest export saved (added or merged), as the zone now holds it."""
    decision = world.outcome()
    if not isinstance(decision, Merge | Add):
        return None
    saved = world.zone.record(decision.mms_id) if world.zone is not None else None
    return saved or decision.record


def _merged_fields(world: World) -> list[str] | None:
    saved = _saved_record(world)
    return None if saved is None else [field_line(one) for one in saved.fields]


@step(StepKind.OUTCOME, "the saved record has these fields:", topic=SAVED, table=True,
      example="""
Then the saved record has these fields:
  | tag | indicators | subfields                      |
  | 035 | ##         | $a (OCoLC)1234567              |
  | 590 | ##         | $a Gift of the author $9 LOCAL |
""")
def saved_fields(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """Fields the bib has after the export (the merged record, or the added one), each written as
    in the incoming-record table. Other fields may be present too."""
    _, expected = parse_fields(call.table, line=call.line)
    actual = _merged_fields(world)
    wanted = [field_line(one) for one in expected]
    if actual is None:
        return check("saved record", "\n".join(wanted), f"no record: {describe(world.outcome())}")
    missing = [text for text in wanted if text not in actual]
    if not missing:
        return ()
    return (Mismatch(what="saved record (fields missing)", expected="\n".join(wanted),
                     actual="\n".join(actual)),)


@step(StepKind.OUTCOME, "the saved record has no {tag} field", topic=SAVED,
      example="And the saved record has no 019 field")
def saved_without(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """No field with this tag is in the bib after the export."""
    tag = call.values["tag"]
    actual = _merged_fields(world)
    if actual is None:
        return check(f"saved record without {tag}", f"no {tag} field",
                      f"no record: {describe(world.outcome())}")
    present = [text for text in actual if text.split(" ", 1)[0] == tag]
    return check(f"saved record without {tag}", f"no {tag} field", "\n".join(present)
                  or f"no {tag} field")


@step(StepKind.OUTCOME, "the saved record does not have these fields:", topic=SAVED,
      table=True, example="""
And the saved record does not have these fields:
  | tag | indicators | subfields            |
  | 245 | 10         | $a Pride & prejudice |
""")
def saved_fields_gone(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """None of these fields, each written as in the incoming-record table, is in the bib after
    the export: a field the merge replaced or removed ("the old 245 is gone"). Fields with the
    same tag but other content may be present."""
    _, unwanted = parse_fields(call.table, line=call.line)
    actual = _merged_fields(world)
    wanted = [field_line(one) for one in unwanted]
    expected = "none of:\n" + "\n".join(wanted)
    if actual is None:
        return check("saved record", expected, f"no record: {describe(world.outcome())}")
    present = [text for text in wanted if text in actual]
    if not present:
        return ()
    return (Mismatch(what="saved record (fields still present)", expected=expected,
                     actual="still present:\n" + "\n".join(present)),)


_COUNTS = {"no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _count(text: str) -> int:
    word = text.strip().lower()
    if word.isdigit():
        return int(word)
    if word in _COUNTS:
        return _COUNTS[word]
    raise SpecError(text, "not_a_count", f"{text!r}: write a number (one, two, 3)")


def _count_fields(world: World, count: str, tag: str, text: str) -> tuple[Mismatch, ...]:
    wanted = _count(count)
    what = f"{tag} fields" + (f' with "{text}"' if text else "")
    fields = _merged_fields(world)
    if fields is None:
        return check(what, str(wanted), f"no record: {describe(world.outcome())}")
    found = [one for one in fields if one.split(" ", 1)[0] == tag.strip() and text in one]
    if len(found) == wanted:
        return ()
    return (Mismatch(what=what, expected=f"{wanted} field(s)",
                     actual=f"{len(found)} field(s)" + "".join(f"\n{one}" for one in found)),)


@step(StepKind.OUTCOME, 'the saved record has exactly {count} {tag} field(s) with "{text}"',
      topic=SAVED, example='And the saved record has exactly one 035 field with "(OCoLC)"')
def saved_count_with(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """How many fields with this tag whose text (indicators and subfields, as written in the
    tables) contains the quoted text the bib has after the export: "exactly one 035 field with
    "(OCoLC)"" says a merge did not leave two OCLC numbers."""
    return _count_fields(world, call.values["count"], call.values["tag"], call.values["text"])


@step(StepKind.OUTCOME, "the saved record has exactly {count} {tag} field(s)", topic=SAVED,
      example="And the saved record has exactly one 245 field")
def saved_count(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """How many fields with this tag the bib has after the export ("no" or 0 for none)."""
    return _count_fields(world, call.values["count"], call.values["tag"], "")


@step(StepKind.OUTCOME, 'the saved record\'s Leader/{position} is "{code}"', topic=SAVED,
      example='And the saved record\'s Leader/09 is "a"')
def saved_leader(world: World, call: StepCall) -> tuple[Mismatch, ...]:
    """One position of the saved bib's leader (00-23; # for blank): Leader/09 "a" is UTF-8,
    Leader/17 the encoding level."""
    position = call.values["position"]
    if not position.isdigit() or int(position) > 23:
        raise SpecError(position, "bad_position", "a leader position is 00 to 23")
    saved = _saved_record(world)
    wanted = call.values["code"]
    what = f"Leader/{position}"
    if saved is None:
        return check(what, wanted, f"no record: {describe(world.outcome())}")
    actual = saved.leader[int(position)]
    return check(what, wanted, actual.replace(" ", "#"))
