"""Merge methods as data: ordered add / remove / replace rules over tag patterns.

Theory of operation: Alma's merge rules "either remove information in the primary record or copy
information from the secondary record to the primary record" (Ex Libris, Working with Merge Rules,
S16), and for Connexion "the preferred record is the local record in Alma" (S15): the existing bib
is the primary, the incoming record the secondary. "Merge rules only have three possible actions:
Add a field, Remove a field, Replace a field" (CUNY, S37). A ``MergeMethod`` is a name and an
ordered tuple of ``MergeRule``; ``apply(existing, incoming)`` runs the rules in order on a copy of
the existing fields and returns the merged bib, its fields in tag order as Alma saves them.

Each rule selects fields by the same test on both records: ``remove`` drops the selected fields
from the result, ``add`` appends the selected fields of the incoming record, ``replace`` does both
but only when the incoming record has a selected field ("Replaces 245 and 035 if exist", PALS,
S36). Alma does not document whether ``add`` duplicates a field that is already there; almamatch
does not: an incoming field equal (tag, indicators, subfields) to one already in the result is not
added again, so that Orbis's "remove 0XX excluding 001,035 / add 0XX excluding 001" keeps one copy
of a 035 that both records carry.

Patterns follow Alma's rule text (Orbis Cascade, S23): a tag (``245``), a group (``9XX``, ``0XX``,
``*`` for every tag), ``LDR`` for the leader, each with ``excluding`` tags and conditions on
subfield content (``035 $a contains "OCoLC"``), indicators, or the ``$9 LOCAL`` mark of a local
extension ("fields 09X, 59X, 69X and 9XX carrying $9 LOCAL", Ex Libris KB, S21).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import compress, count
from operator import attrgetter, is_
from typing import Final, TypeAlias, TypeGuard, assert_never, cast

from attrs import field, frozen

from almamatch.core.errors import AlmamatchError
from almamatch.core.record import (
    SUBFIELD_DELIMITER,
    Bib,
    ControlField,
    DataField,
    checked_bib,
    kept_subfields,
)
from almamatch.core.wildcard import Glob

__all__ = [
    "PURE_LOOPS",
    "HasSubfield",
    "Indicators",
    "InvalidMergeRule",
    "LocalExtension",
    "MergeAction",
    "MergeLoops",
    "MergeMethod",
    "MergePlans",
    "MergeRule",
    "TagPattern",
    "UnknownMergeMethod",
    "are_035s",
    "in_tag_order",
    "kept_known",
    "selected_known",
]


class InvalidMergeRule(AlmamatchError):
    """A merge rule that cannot be built or parsed; ``position`` is the offset in the rule text."""

    def __init__(self, text: object, reason: str, detail: str = "", *, position: int = 0) -> None:
        self.position = position
        super().__init__(text, reason, detail)


class UnknownMergeMethod(AlmamatchError, KeyError):
    """A merge method name that is not a preset (a ``KeyError`` too, like other preset look-ups)."""

    def __str__(self) -> str:
        return ValueError.__str__(self)


Field: TypeAlias = ControlField | DataField


class MergeAction(enum.StrEnum):
    """What one rule of a merge method does with the fields its tag pattern names."""

    ADD = "add"  # copy matching fields of the incoming record into the result
    REMOVE = "remove"  # remove matching fields from the result
    REPLACE = "replace"  # when the incoming record has matching fields: remove, then add


def _upper(value: str) -> str:
    return value.upper() if isinstance(value, str) else value


@frozen
class TagPattern:
    """``245``, ``9XX``, ``0XX``, ``59X``, ``*`` or ``LDR``; ``X`` stands for any digit.

    ``text`` is upper-cased once, at construction. A merge asks about each tag once per rule and
    keeps the answers in its ``MergePlans``, not in this value.
    """

    text: str = field(converter=_upper)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.text, str) or not re.fullmatch(r"\*|LDR|[0-9X]{3}", self.text):
            raise InvalidMergeRule(self.text, "bad_tag_pattern", "expected 245, 9XX, * or LDR")

    def matches(self, tag: str) -> bool:
        pattern = self.text
        if pattern == "*":
            return True
        if pattern == "LDR" or len(tag) != 3:
            return pattern == tag.upper()
        return all(p in ("X", t) for p, t in zip(pattern, tag.upper(), strict=True))


def _pattern(value: str | TagPattern) -> TagPattern:
    return value if isinstance(value, TagPattern) else TagPattern(value)


def _optional_pattern(value: str | TagPattern | None) -> TagPattern | None:
    return None if value is None else _pattern(value)


@frozen(kw_only=True)
class _TagScoped:
    """A condition that holds only for data fields with tag ``tag``, when one is given."""

    tag: TagPattern | None = field(default=None, converter=_optional_pattern)

    def may_hold(self, tag: str) -> bool:
        """False when no field with this tag can satisfy the condition."""
        return self.tag is None or self.tag.matches(tag)

    def _in_scope(self, one: Field) -> TypeGuard[DataField]:
        return isinstance(one, DataField) and self.may_hold(one.tag)


@frozen(kw_only=True)
class HasSubfield(_TagScoped):
    """A field (with tag ``tag``, if given) whose subfield ``code`` contains ``contains``.

    Without ``*`` the text is looked for anywhere in the value (``contains "OCoLC"`` holds for
    ``(OCoLC)123``); with ``*`` it is a pattern for the whole value, as Harvard's merge rules
    read ``contains "a*"``: "need to use at least one initial letter before the asterisk" to
    pick the $5 codes starting with that letter (alma-rules/ SYS-ExternalResource). Letter case
    is ignored either way (Alma does not say; almamatch's choice). The wildcard is matched in
    linear time (``core.wildcard``).
    """

    code: str
    contains: str
    _glob: Glob | None = field(init=False, eq=False, hash=False, repr=False, order=False)

    def __attrs_post_init__(self) -> None:
        pattern = Glob.of(self.contains.lower()) if "*" in self.contains else None
        object.__setattr__(self, "_glob", pattern)

    def holds(self, one: Field) -> bool:
        return self._in_scope(one) and self.holds_in_scope(one)

    def holds_in_scope(self, one: DataField) -> bool:
        """``holds`` for a data field whose tag ``may_hold``."""
        glob = self._glob
        if glob is not None:
            return any(glob.matches(value.lower()) for value in one.values(self.code))
        needle = self.contains.lower()
        return any(needle in value.lower() for value in one.values(self.code))


@frozen(kw_only=True)
class Indicators(_TagScoped):
    """A field (with tag ``tag``, if given) whose indicators are these; ``None`` means any."""

    first: str | None = None
    second: str | None = None

    def holds(self, one: Field) -> bool:
        return self._in_scope(one) and self.holds_in_scope(one)

    def holds_in_scope(self, one: DataField) -> bool:
        """``holds`` for a data field whose tag ``may_hold``."""
        return (self.first is None or one.indicator1 == self.first) and (
            self.second is None or one.indicator2 == self.second
        )


_LOCAL_GROUPS: Final = (TagPattern("09X"), TagPattern("59X"), TagPattern("69X"), TagPattern("9XX"))


@frozen
class LocalExtension:
    """A local extension: 09X, 59X, 69X or 9XX with ``$9 LOCAL`` in any letter case."""

    def may_hold(self, tag: str) -> bool:
        """False when no field with this tag can satisfy the condition."""
        return _local_tag(tag)

    def holds(self, one: Field) -> bool:
        return isinstance(one, DataField) and _local_tag(one.tag) and self.holds_in_scope(one)

    def holds_in_scope(self, one: DataField) -> bool:
        """``holds`` for a data field whose tag ``may_hold``."""
        text = kept_subfields(one)
        if text.__class__ is str and _LOCAL_CODE not in text:  # no $9 at all: most fields
            return False
        return any(map(_is_local_mark, one.values("9")))  # no generator made per field


#: A $9 in a field's ``marc_text``: the delimiter and the code (``DataField.values`` splits there).
_LOCAL_CODE: Final = SUBFIELD_DELIMITER + "9"


def _is_local_mark(value: str) -> bool:
    """Whether a $9 value is the ``LOCAL`` mark of a local extension (any case, blanks around)."""
    return value.strip().upper() == "LOCAL"


_LOCAL_TAGS: Final[dict[str, bool]] = {}


def _local_tag(tag: str) -> bool:
    """Whether a tag is in a local-extension group; answers kept per tag (tags are few)."""
    found = _LOCAL_TAGS.get(tag)
    if found is None:
        found = _LOCAL_TAGS[tag] = any(group.matches(tag) for group in _LOCAL_GROUPS)
    return found


Condition: TypeAlias = HasSubfield | Indicators | LocalExtension


_TagPlan: TypeAlias = tuple[tuple[Condition, ...], tuple[Condition, ...]]
class _Unseen(enum.Enum):
    """``MergeRule.selects`` without a plan: "not asked yet"."""

    UNSEEN = enum.auto()


#: The plan of a tag whose every field the rule selects (no condition left to test).
_ALL: Final[_TagPlan] = ((), ())
#: ``MergePlans.fate`` of a tag whose existing fields a merge may keep or test.
_READ: Final = -1
#: ``MergePlans.fate`` of a tag whose existing fields a merge removes, all, before reading one.
_REMOVED: Final = -2
#: Whether a fate is ``_READ``, asked of many fates in one ``map``.
_IS_READ: Final = _READ.__eq__


def _patterns(values: Iterable[str | TagPattern]) -> tuple[TagPattern, ...]:
    return tuple(v if isinstance(v, TagPattern) else TagPattern(v) for v in values)


def _conditions(values: Iterable[Condition]) -> tuple[Condition, ...]:
    return tuple(values)


@frozen(kw_only=True)
class MergeRule:
    """One action over the fields a pattern selects.

    A field is selected when its tag matches ``pattern`` and no ``excluding`` pattern, every
    ``when`` condition holds and no ``unless`` condition holds. ``primary`` is Harvard's ``if
    exists`` (True) and ``if does not exist`` (False): the rule runs only when the primary (the
    existing) record has, or lacks, a field the rule selects; "Each basic rule can be applied
    unconditionally or may be subject to a condition on the primary record" (Ex Libris, Working
    with Merge Rules, S16).
    """

    action: MergeAction
    pattern: TagPattern = field(converter=_pattern)
    excluding: tuple[TagPattern, ...] = field(converter=_patterns, factory=tuple)
    when: tuple[Condition, ...] = field(converter=_conditions, factory=tuple)
    unless: tuple[Condition, ...] = field(converter=_conditions, factory=tuple)
    primary: bool | None = None

    def selects(self, one: Field, plan: _TagPlan | _Unseen | None = _Unseen.UNSEEN) -> bool:
        """Whether the rule selects ``one``; ``plan`` is ``self.plan(one.tag)`` when known."""
        if plan is _Unseen.UNSEEN:
            plan = self.plan(one.tag)
        if plan is None:
            return False
        return _passes(plan, one)

    def plan(self, tag: str) -> _TagPlan | None:
        """None when no field with this tag is selected, else the conditions left to test on
        the field itself."""
        if not self.pattern.matches(tag) or any(e.matches(tag) for e in self.excluding):
            return None
        if not all(c.may_hold(tag) for c in self.when):
            return None
        return self.when, tuple(c for c in self.unless if c.may_hold(tag))

    def __str__(self) -> str:
        text = f"{self.action} {self.pattern.text}"
        if self.excluding:
            text += " excluding " + ",".join(p.text for p in self.excluding)
        return text


_NOT_REPEATABLE: Final = frozenset({"001", "003", "005", "008"})
#: The actions ``apply`` compares each rule's with, read once: a member read from its class goes
#: through ``EnumType.__getattr__`` (Python 3.11), about ten times a global name's cost.
_REMOVE: Final = MergeAction.REMOVE
_REPLACE: Final = MergeAction.REPLACE


def _rules(values: Iterable[MergeRule]) -> tuple[MergeRule, ...]:
    return tuple(values)


_TAG: Final = attrgetter("tag")


def _tag_key(one: Field) -> tuple[int, str]:
    # Control fields first, then numeric tags, then local alphanumeric tags, as Alma saves them.
    return (0 if one.tag.isdigit() else 1, one.tag)


@frozen(kw_only=True)
class MergeMethod:
    """A named, ordered list of merge rules; ``apply`` runs them."""

    name: str
    rules: tuple[MergeRule, ...] = field(converter=_rules, factory=tuple)

    def apply(self, existing: Bib, incoming: Bib, plans: MergePlans | None = None) -> Bib:
        """The merged record: rules act on the existing bib's fields, taking from the incoming.

        ``plans`` keeps what each rule selects per tag between merges; a caller that merges
        many records (a batch) owns one and passes it in.
        """
        if plans is None or plans.method is not self:
            plans = MergePlans(self)
        leader = existing.leader
        result: list[Field] = list(existing.fields)
        tags: list[str] | None = None  # the tags of ``result``, in step with it once read
        # Whether every tag in ``result`` has been planned (by a rule that read all of
        # ``result``, or for a field taken from the incoming record): if so, and no tag planned
        # by ``plans`` was ever other than numeric, the tags need not be read for the sort.
        planned = False
        loops = plans.loops
        # ``_selected`` and ``_kept``: each walk asked here first, by the tags the rule knows
        # (a call fewer a walk); a tag it has not seen yet (``KeyError``) is left to them.
        select, keep = loops.selected, loops.kept
        for action, by_tag, primary, disjoint in plans.steps:
            if by_tag is None:  # an ``LDR`` rule: it acts on the leader alone
                if action is not _REMOVE:
                    leader = incoming.leader
                continue
            if primary is not None:
                planned = True
                if bool(_selected(by_tag, result, select)) is not primary:
                    continue
            if action is _REMOVE:  # a remove takes nothing from the incoming record
                try:
                    result = keep(by_tag.known, result)
                except KeyError:
                    result = _kept(by_tag, result, keep)
                tags, planned = None, True
                continue
            try:
                taken = select(by_tag.known, incoming.fields)
            except KeyError:
                taken = _selected(by_tag, incoming.fields, select)
            if taken:
                if action is _REPLACE:
                    result, tags, planned = _kept(by_tag, result, keep), None, True
                if disjoint:
                    # Every field left in ``result`` is one this rule does not select (it, or a
                    # remove of the same fields just before it, removed the others), and each
                    # field taken is one it selects. Equal fields are selected alike, so none
                    # taken is already there; and 001, 003, 005 and 008 are control fields, of
                    # which a rule selects all or none of a tag (a condition holds for data
                    # fields alone), so none taken has the tag of one there. ``_add`` would add
                    # every one (tests/property/test_merge_properties.py, ``overlays``).
                    result.extend(taken)
                    tags = None
                    continue
                if tags is None:
                    tags = [one.tag for one in result]
                _add(result, tags, taken)
        # ``Groundwork.merged_numbers`` reads a merged record in this order (its 003 and 035s
        # before any higher tag).
        loops.order(result, planned and not plans.odd_tags)
        # Every field is one of the two records': checked there (``checked_bib``, or its twin).
        return loops.bib(leader, tuple(result))

    @classmethod
    def preset(cls, name: str) -> MergeMethod:
        """A standard method by name (case and blanks ignored); ``UnknownMergeMethod`` otherwise."""
        wanted = " ".join(name.lower().split())
        for known, method in _PRESETS.items():
            if known.lower() == wanted:
                return method
        raise UnknownMergeMethod(name, "unknown_merge_method", "known: " + ", ".join(_PRESETS))

    @classmethod
    def preset_names(cls) -> tuple[str, ...]:
        """The names ``preset`` accepts, in the order PALS lists them."""
        return tuple(_PRESETS)


class _ByTag(dict[str, "_TagPlan | None"]):
    """One rule's plan per tag (``MergeRule.plan``), each computed when its tag is first seen.

    ``known`` holds how each plan tells a field of its tag (``_leaves``) in a plain dict: the
    comprehensions that pick a record's fields read it, where an item read of a dict subclass
    is not specialized by the interpreter (about 200 instructions more a field); a tag it lacks
    (``KeyError``) is planned here first, from a field with that tag (``learn``).
    """

    __slots__ = ("known", "odd_tags", "rule")

    def __init__(self, rule: MergeRule, odd_tags: set[str]) -> None:
        super().__init__()
        self.rule = rule
        self.known: dict[str, _Leaves | None] = {}
        #: Where a tag planned here that is not numeric is noted (``MergePlans.odd_tags``).
        self.odd_tags = odd_tags

    def __missing__(self, tag: str) -> _TagPlan | None:
        if not tag.isdigit():
            self.odd_tags.add(tag)
        plan = self.rule.plan(tag)
        # A plan with no condition selects every field of its tag: kept as the one ``_ALL``.
        found = self[tag] = _ALL if plan is not None and plan == _ALL else plan
        return found

    def learn(self, fields: Iterable[Field]) -> None:
        """Plan every tag of ``fields`` not seen yet, and note in ``known`` how its plan tells
        its fields; a field's kind is its tag's (``Bib`` checks it), read from the first."""
        known = self.known
        for one in fields:
            tag = one.tag
            if tag not in known:
                known[tag] = _leaves(self[tag], isinstance(one, DataField))



def _passes(plan: _TagPlan, one: Field) -> bool:
    """Whether ``one`` passes a plan's conditions (each may hold for its tag: ``MergeRule.plan``):
    every ``when`` holds and no ``unless`` does."""
    when, unless = plan
    if not isinstance(one, DataField):  # a condition holds for data fields alone
        return not when
    for condition in when:
        if not condition.holds_in_scope(one):
            return False
    for condition in unless:  # noqa: SIM110 (a loop as above: any() of a generator makes one a field)
        if condition.holds_in_scope(one):
            return False
    return True


#: A test of one field, True when the rule leaves it: a condition of the rule's plan of the
#: field's tag fails (``_leaves``).
_Leaves: TypeAlias = Callable[[Field], bool]


def _every(one: Field) -> bool:
    """What ``_leaves`` answers for a plan that selects every field of its tag: the
    comprehensions tell it by identity and call it for no field."""
    return False


def _leaves(plan: _TagPlan | None, data: bool) -> _Leaves | None:
    """How a plan tells the fields of its tag, data fields or control fields (``data``), made
    once per rule and tag: None when it selects none, ``_every`` when it selects every one,
    else a test that is True for a field it leaves (``not _passes(plan, one)``).

    A condition holds for data fields alone, so a plan selects all or none of a control tag's
    fields. The usual plan, no ``when`` and one ``unless`` condition (every preset's: the
    035s and local extensions), leaves a data field when that condition holds: that
    condition's own test, one call a field (tests/property/test_merge_properties.py compares
    each answer with ``_passes``).
    """
    if plan is None:
        return None
    when, unless = plan
    if plan is _ALL or not (data or when):
        return _every
    if not data:
        return None
    if not when and len(unless) == 1:
        # Read for the fields of a data tag alone: data fields.
        return cast("_Leaves", unless[0].holds_in_scope)
    return partial(_fails, plan)


def _fails(plan: _TagPlan, one: Field) -> bool:
    """Whether ``one`` fails a plan's conditions (``_passes``): what ``_leaves`` answers for a
    plan other than the usual one."""
    return not _passes(plan, one)


#: How a rule tells the fields of each tag it has seen (``_ByTag.known``).
_Known: TypeAlias = dict[str, _Leaves | None]
#: A walk of fields with a rule's ``_Known`` (``selected_known``, ``kept_known``).
_Walk: TypeAlias = Callable[[_Known, Sequence[Field]], list[Field]]


def _selected(by_tag: _ByTag, fields: Sequence[Field],
              walk: _Walk | None = None) -> list[Field]:
    """The fields the rule selects, in order; ``walk`` is ``selected_known`` or its twin."""
    if walk is None:
        walk = selected_known
    try:
        return walk(by_tag.known, fields)
    except KeyError:  # a tag seen for the first time: planned, then the fields read again
        by_tag.learn(fields)
    return walk(by_tag.known, fields)


def selected_known(known: _Known, fields: Sequence[Field]) -> list[Field]:
    """The fields a rule selects, in order, each tag's in ``known`` (a ``KeyError`` for a tag
    it lacks): its leaves are ``_every``, or a test that is False for the field."""
    return [one for one in fields if (leaves := known[one.tag]) is _every
            or (leaves is not None and not leaves(one))]


def _kept(by_tag: _ByTag, fields: Sequence[Field], walk: _Walk | None = None) -> list[Field]:
    """The fields the rule does not select, in order (``_selected``'s others)."""
    if walk is None:
        walk = kept_known
    try:
        return walk(by_tag.known, fields)
    except KeyError:  # as in ``_selected``
        by_tag.learn(fields)
    return walk(by_tag.known, fields)


def kept_known(known: _Known, fields: Sequence[Field]) -> list[Field]:
    """The fields a rule does not select (``selected_known``'s others), in order."""
    return [one for one in fields if (leaves := known[one.tag]) is None
            or (leaves is not _every and leaves(one))]


def in_tag_order(fields: list[Field], numeric: bool) -> None:
    """Sort ``fields`` in place, stably, as Alma saves them: control fields first, then numeric
    tags, then local alphanumeric tags (``_tag_key``). ``numeric``: the caller knows every tag
    is numeric (then they sort by the tag alone, control fields first by themselves)."""
    if numeric:
        fields.sort(key=_TAG)
        return
    tags = [one.tag for one in fields]
    if "".join(tags).isdigit():
        fields.sort(key=_TAG)
    else:
        fields.sort(key=_tag_key)


def are_035s(fields: Sequence[Field], theirs: Sequence[Field]) -> bool:
    """Whether the 035s of ``fields``, a merged record's fields in the order ``apply`` leaves
    them (numeric tags first, ascending: ``_tag_key``), are ``theirs``, the very fields in
    order, with no 003 among ``fields``. So 003 and the 035s come before the first field whose
    tag is above "035" (every numeric tag after it is higher, and no other tag is 003 or 035):
    the walk stops there, a few fields read (``core.zone.Groundwork.merged_numbers``).
    ``core.decision.Makers.are_035s`` hands it, or its compiled twin, to the zone."""
    own: list[Field] = []
    for one in fields:
        tag = one.tag
        if tag == "035":
            own.append(one)
        elif tag > "035":
            break
        elif tag == "003":
            return False
    return len(own) == len(theirs) and all(map(is_, own, theirs))


@frozen(kw_only=True)
class MergeLoops:
    """How ``MergeMethod.apply`` walks a record's fields with a rule (``selected``, ``kept``),
    puts the merged fields in tag order (``order``) and makes the merged record (``bib``).
    ``PURE_LOOPS`` are the functions above (and ``core.record.checked_bib``), the definition; a
    caller that merges many records may hand its ``MergePlans`` their compiled twins
    (``_native/values.pyx``, through ``core.decision.Makers``), which give the same answers
    (tests/property/test_merge_loops.py). ``core`` never imports them."""

    selected: _Walk
    kept: _Walk
    order: Callable[[list[Field], bool], None]
    #: How ``apply`` makes the merged record of its leader and fields, each one of the two
    #: records' (``core.record.checked_bib``).
    bib: Callable[[str, tuple[Field, ...]], Bib]


#: The loops written here (above): what a merge uses unless its plans were handed others.
PURE_LOOPS: Final = MergeLoops(selected=selected_known, kept=kept_known, order=in_tag_order,
                               bib=checked_bib)


def _add(result: list[Field], tags: list[str], taken: list[Field]) -> None:
    """Add ``taken`` to ``result`` (whose tags are ``tags``, kept in step with it): a field
    equal to one already there is not added again, and 001, 003, 005 and 008 are not
    repeatable (an add keeps the one there)."""
    taken_tags = [one.tag for one in taken]
    shared = set(tags).intersection(taken_tags)
    if not shared:
        result.extend(taken)
        tags.extend(taken_tags)
        return
    # Fields with different tags are never equal: hash only those that may be.
    maybe = {one for one in result if one.tag in shared}
    for one, tag in zip(taken, taken_tags, strict=True):
        if tag not in shared or (tag not in _NOT_REPEATABLE and one not in maybe):
            result.append(one)
            tags.append(tag)


class MergePlans:
    """What each rule of one merge method selects, per tag, filled as tags are seen.

    Mutable and owned by whoever merges (a batch keeps one per method for its whole run), so
    that the method and its rules stay plain values: a merge asks about the same few dozen tags
    hundreds of times.
    """

    __slots__ = ("_by_rule", "_fates", "_read", "_replacing", "loops", "method", "odd_tags",
                 "steps")

    def __init__(self, method: MergeMethod, loops: MergeLoops | None = None) -> None:
        self.method = method
        #: How ``apply`` walks and orders fields (``MergeLoops``): the pure loops unless the
        #: owner hands in their compiled twins.
        self.loops = PURE_LOOPS if loops is None else loops
        self._by_rule: dict[int, _ByTag] = {}
        #: Every tag planned so far that is not numeric (``_ByTag``): while there is none, a
        #: merge whose every field's tag was planned sorts by tag without reading the tags.
        self.odd_tags: set[str] = set()
        #: Each rule as ``apply`` runs it: its action, its plans by tag (None for an ``LDR``
        #: rule, which acts on the leader alone), its ``primary`` condition, and whether the
        #: fields it adds are added to fields it does not select (``_disjoint``).
        self.steps: tuple[tuple[MergeAction, _ByTag | None, bool | None, bool], ...] = tuple(
            (rule.action, None if rule.pattern.text == "LDR" else self.of_rule(number),
             rule.primary, _disjoint(method.rules, number))
            for number, rule in enumerate(method.rules))
        self._fates = _Fates(self)
        self._read = _Read(self._fates)
        # Without a replace rule (on fields), no fate is a rule's number (``fate``).
        self._replacing = any(rule.action is MergeAction.REPLACE and rule.pattern.text != "LDR"
                              for rule in method.rules)

    def of_rule(self, number: int) -> _ByTag:
        """The plans of rule ``number`` by tag, each computed once."""
        found = self._by_rule.get(number)
        if found is None:
            found = self._by_rule[number] = _ByTag(self.method.rules[number], self.odd_tags)
        return found

    def read_positions(self, tags: Sequence[str], incoming: Bib) -> list[int]:
        """Where the fields are, in an existing record whose field tags are ``tags`` (in
        order), that ``apply(existing, incoming)`` may keep or test; it removes the others
        unread, so that a merge given only these fields (in their order) merges the same.

        A field is removed unread when the first rule that selects any field of its tag (the
        ``LDR`` rules select none) has no ``primary`` condition and selects every field of the
        tag, and is a ``remove``, or a ``replace`` that the incoming record has a field for:
        the rules before it neither test, remove nor add a field with that tag, and after it
        no field with that tag is left from the existing record.
        """
        return self.positions_read(incoming, tags)

    def positions_read(self, incoming: Bib, tags: Sequence[str]) -> list[int]:
        """``read_positions(tags, incoming)``, the incoming record first: what a caller binds
        once per merge (``partial(plans.positions_read, incoming)``, called without keywords)
        and a view calls with the existing record's tags."""
        if not self._replacing:  # each tag's fate is its own: read or removed
            return self._read(tags)
        fates = list(map(self._fates.__getitem__, tags))
        if max(fates, default=_READ) >= 0:  # whether each replace runs is the incoming's
            replaced = {number: bool(_selected(self.of_rule(number), incoming.fields))
                        for number in set(fates) if number >= 0}
            fates = [fate if fate < 0 else _REMOVED if replaced[fate] else _READ
                     for fate in fates]
        return list(compress(count(), map(_IS_READ, fates)))

    def reader(self, incoming: Bib) -> Callable[[list[str]], list[int]]:
        """``partial(self.positions_read, incoming)``, for a view's ``record_part``; without a
        replace rule (no fate is the incoming record's to decide), the plain table of the tags
        planned so far, each True when its fields are read, which called with tags gives the
        same positions (a reader may look the tags up in it itself, ``marc.iso2709.decode_part``,
        and call it when one is not there yet)."""
        if self._replacing:
            return partial(self.positions_read, incoming)
        return self._read

    def fate(self, tag: str) -> int:
        """What ``apply`` does first with the existing fields with ``tag`` (``_Fates``)."""
        for number, rule in enumerate(self.method.rules):
            if rule.pattern.text == "LDR":  # ``apply`` runs it on the leader alone
                continue
            plan = self.of_rule(number)[tag]
            if plan is None:
                continue
            if plan is not _ALL or rule.primary is not None:
                return _READ
            match rule.action:
                case MergeAction.REMOVE:
                    return _REMOVED
                case MergeAction.REPLACE:
                    return number
                case MergeAction.ADD:
                    return _READ
                case _:
                    assert_never(rule.action)
        return _READ


def _disjoint(rules: Sequence[MergeRule], number: int) -> bool:
    """Whether rule ``number``, when it adds fields, adds them to a result of fields it does not
    select: a replace removes those first, and so does an add right after a remove (no field
    rule between them) that selects the same fields and always runs."""
    rule = rules[number]
    if rule.pattern.text == "LDR":
        return False
    match rule.action:
        case MergeAction.REPLACE:
            return True
        case MergeAction.REMOVE:
            return False
        case MergeAction.ADD:
            before = [one for one in rules[:number] if one.pattern.text != "LDR"]
            if not before:
                return False
            last = before[-1]
            return (last.action is MergeAction.REMOVE and last.primary is None
                    and _selection(last) == _selection(rule))
        case _:
            assert_never(rule.action)


def _selection(rule: MergeRule) -> tuple[object, ...]:
    """What decides which fields a rule selects (its action and ``primary`` aside)."""
    return rule.pattern, rule.excluding, rule.when, rule.unless


class _Fates(dict[str, int]):
    """Per tag, what a merge does first with the existing record's fields with that tag: reads
    them (``_READ``: tests, keeps or adds beside them), removes them all unread
    (``_REMOVED``), or removes them all unread when replace rule number N runs (N)."""

    __slots__ = ("plans",)

    def __init__(self, plans: MergePlans) -> None:
        super().__init__()
        self.plans = plans

    def __missing__(self, tag: str) -> int:
        found = self[tag] = self.plans.fate(tag)
        return found


class _Read(dict[str, bool]):
    """Per tag, whether its fate (``_Fates``) is ``_READ``: what ``read_positions`` asks of
    each tag when no replace rule can change a fate, answered by a dict look-up alone (a
    comparison of each fate with ``_READ`` costs twice the look-up). Called with tags, the
    positions of those read (``MergePlans.reader``).

    ``marks`` holds the same answers for the tags of three ASCII digits, by the tag's number: 1
    for a tag held as True, 2 as False, 0 for one not held yet. A compiled reader of a record's
    part (``marcread``) reads it there, a byte, rather than by a look-up of each tag."""

    __slots__ = ("fates", "marks")

    def __init__(self, fates: _Fates) -> None:
        super().__init__()
        self.fates = fates
        self.marks = bytearray(1000)

    def __missing__(self, tag: str) -> bool:
        # Its one writer: each answer is set here once, the mark with it.
        found = self[tag] = self.fates[tag] == _READ
        if len(tag) == 3 and tag.isascii() and tag.isdigit():
            self.marks[int(tag)] = 1 if found else 2
        return found

    def __call__(self, tags: Sequence[str]) -> list[int]:
        return list(compress(count(), map(self.__getitem__, tags)))


# "Overlay all fields but local - replaces 035 in the Alma record, unless the first indicator is
# nine and the second indicator is blank, overlays all fields except 001 and 9XX fields" (PALS,
# S36); local extensions ($9 LOCAL, S21) are kept too.
OVERLAY_ALL_BUT_LOCAL: Final = MergeMethod(
    name="Overlay all fields but local",
    rules=[
        MergeRule(action=MergeAction.REPLACE, pattern="LDR"),
        MergeRule(
            action=MergeAction.REMOVE,
            pattern="*",
            excluding=["001", "9XX"],
            unless=[LocalExtension(), Indicators(tag="035", first="9", second=" ")],
        ),
        MergeRule(
            action=MergeAction.ADD,
            pattern="*",
            excluding=["001", "9XX"],
            unless=[LocalExtension(), Indicators(tag="035", first="9", second=" ")],
        ),
    ],
)

_PRESETS: Final = {
    OVERLAY_ALL_BUT_LOCAL.name: OVERLAY_ALL_BUT_LOCAL,
    # "Keep only old value - Keeps all MARC fields in the Alma record." (PALS, S36)
    "Keep only old value": MergeMethod(name="Keep only old value", rules=[]),
    # "Replaces 245 and 035 if exist." (PALS, S36)
    "Replace 245 and 035": MergeMethod(
        name="Replace 245 and 035",
        rules=[
            MergeRule(action=MergeAction.REPLACE, pattern="245"),
            MergeRule(action=MergeAction.REPLACE, pattern="035"),
        ],
    ),
}
