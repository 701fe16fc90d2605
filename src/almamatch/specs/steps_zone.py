"""Steps that describe the target zone: who it is, its integration profiles and every option.

Theory of operation: each option keeps the label of Alma's integration profile screen where Alma
has one ("Do not override/merge a record with lower brief version", CARLI IZ profile, S3); the
options Alma does not document (019 without normalization, equal brief levels, missing 005, guard
order) get sentences that state the choice, so a spec can argue for either value.
"""

from __future__ import annotations

from almamatch.core.brief import BriefLevelRules
from almamatch.core.errors import InvalidProfile
from almamatch.core.merge import MergeMethod
from almamatch.core.normalization import CopyCancelledTo035z, NormalizationStep, RemoveFields
from almamatch.core.profile import Guard, IntegrationProfile, MatchMethod, OlderVersionGuard
from almamatch.core.zone import ZoneKind
from almamatch.rules import InvalidRuleText, RuleFile
from almamatch.rules import parse as parse_rules
from almamatch.rules.brief import compile_brief_levels
from almamatch.rules.merge import compile_merge
from almamatch.rules.normalize import compile_normalization
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import parse_switch, row_error, rows_by_column
from almamatch.specs.vocabulary import StepCall, StepKind, step
from almamatch.specs.world import World

__all__: list[str] = []

ZONE = "The zone and its integration profile"

_KINDS = {
    "institution": ZoneKind.INSTITUTION, "institution zone": ZoneKind.INSTITUTION,
    "iz": ZoneKind.INSTITUTION, "network": ZoneKind.NETWORK, "network zone": ZoneKind.NETWORK,
    "nz": ZoneKind.NETWORK, "sandbox": ZoneKind.SANDBOX, "network sandbox": ZoneKind.SANDBOX,
}


def _choice(text: str, options: dict[str, object], what: str) -> object:
    key = " ".join(text.lower().split())
    if key in options:
        return options[key]
    known = ", ".join(sorted(options))
    raise SpecError(text, "unknown_value", f"unknown {what} {text!r}; known: {known}")


@step(StepKind.CONTEXT, "the zone:", topic=ZONE, table=True, example="""
Given the zone:
  | kind             | Institution                        |
  | institution code | 01CARLI_XYZ                        |
  | host             | i-share-xyz.alma.exlibrisgroup.com |
  | logon ID         | 01CARLI_XYZ                        |
""")
def the_zone(world: World, call: StepCall) -> None:
    """The zone that receives the export, one setting per row: kind (Institution, Network or
    Sandbox), institution code, host name and logon ID, as in CARLI's "Settings for Different
    Zones" table."""
    if call.table is None:
        raise SpecError("", "no_table", "this step needs a two-column table under it")
    for index, row in enumerate(call.table.rows, start=1):
        if len(row.cells) != 2:
            raise row_error(row, index, "write one setting and its value per row")
        setting, value = (" ".join(cell.lower().split()) for cell in row.cells)
        raw = row.cells[1].strip()
        if setting == "kind":
            try:
                world.kind = ZoneKind(str(_choice(value, dict(_KINDS), "zone kind")))
            except SpecError as error:
                raise row_error(row, index, error.detail) from None
        elif setting in ("institution code", "institution"):
            world.institution = raw
        elif setting in ("host", "host name"):
            world.host = raw
        elif setting in ("logon id", "logon"):
            world.logon_id = raw
        else:
            raise row_error(row, index, f"unknown setting {row.cells[0]!r}; known: kind, "
                                        "institution code, host, logon ID")


_PROFILE_PRESETS = {"carli": IntegrationProfile.carli, "csu": IntegrationProfile.csu}


@step(StepKind.CONTEXT, 'the zone has the {preset} integration profile with password "{password}"',
      topic=ZONE,
      example='Given the zone has the CARLI integration profile with password "secret"')
def preset_profile(world: World, call: StepCall) -> None:
    """Adds an OCLC Connexion integration profile set up as CARLI's I-Share profile (019 $a copied
    to 035 $z, both guards on, "Overlay all fields but local") or CSU's (fields 029, 936, 938,
    948, 984 removed, guards off, CSU brief levels). Later option steps change this profile."""
    factory = _PROFILE_PRESETS.get(call.values["preset"].lower())
    if factory is None:
        raise SpecError(call.values["preset"], "unknown_preset",
                        f"unknown profile {call.values['preset']!r}; known: CARLI, CSU")
    world.profiles.append(factory(call.values["password"]))


@step(StepKind.CONTEXT, 'the zone has a second integration profile "{name}"', topic=ZONE,
      example='And the zone has a second integration profile "Old Connexion profile"')
def second_profile(world: World, call: StepCall) -> None:
    """Adds one more Connexion integration profile, as a zone configured twice would have; Alma
    then refuses every export ("only one profile should be configured", Ex Libris)."""
    world.profiles.append(IntegrationProfile(name=call.values["name"],
                                             password=world.profile.password))


@step(StepKind.CONTEXT, "the zone has no integration profile", topic=ZONE,
      example="Given the zone has no integration profile")
def no_profile(world: World, call: StepCall) -> None:
    """Removes every integration profile from the zone."""
    world.profiles.clear()


@step(StepKind.CONTEXT, 'the profile password is "{password}"', topic=ZONE,
      example='And the profile password is "n3w-secret"')
def profile_password(world: World, call: StepCall) -> None:
    """The password stored in the integration profile (Authorization: Password)."""
    world.change_profile(password=call.values["password"])


@step(StepKind.CONTEXT, "the brief guard is {state}", topic=ZONE,
      example="And the brief guard is off")
def brief_guard(world: World, call: StepCall) -> None:
    """Turns the profile option "Do not override/merge a record with lower brief version" on or
    off."""
    world.change_profile(brief_guard=_switch(call.values["state"]))


@step(StepKind.CONTEXT, 'the older-version guard is "{value}"', topic=ZONE,
      example='And the older-version guard is "Disabled"')
def older_version_guard(world: World, call: StepCall) -> None:
    """Sets "Do not override/merge record with an older version" to "Disabled" or "Consider
    Originating System"."""
    options = {one.value.lower(): one for one in OlderVersionGuard}
    world.change_profile(older_version_guard=_choice(call.values["value"], dict(options),
                                                     "older-version setting"))


@step(StepKind.CONTEXT, 'the match method is "{method}"', topic=ZONE,
      example='And the match method is "Unique OCLC Identifier"')
def match_method(world: World, call: StepCall) -> None:
    """The Serial / Non Serial Match Method: "Unique OCLC Identifier" compares OCLC numbers by
    value (ocm/ocn/on prefixes and leading zeros ignored); "Literal 035" needs the number written
    the same way."""
    options = {one.value.lower(): one for one in MatchMethod}
    world.change_profile(match_method=_choice(call.values["method"], dict(options),
                                              "match method"))


@step(StepKind.CONTEXT, "019 $a {counts} without the normalization rule", topic=ZONE,
      example="And 019 $a counts without the normalization rule")
def match_019(world: World, call: StepCall) -> None:
    """Whether the incoming record's 019 $a numbers are matched even when no normalization step
    copies them to 035 $z ("counts" or "does not count"). Alma does not document this."""
    value = call.values["counts"].lower()
    if value not in ("counts", "does not count"):
        raise SpecError(value, "unknown_value", "write 'counts' or 'does not count'")
    world.change_profile(match_019_without_normalization=value == "counts")


@step(StepKind.CONTEXT, "the normalization steps are:", topic=ZONE, table=True, example="""
And the normalization steps are:
  | step                         | fields       |
  | Marc21 Bib Copy 019a to 035z |              |
  | Remove fields                | 029, 936     |
""")
def normalization(world: World, call: StepCall) -> None:
    """The profile's normalization ("Correct the data using"), one step per row, in order: "Marc21
    Bib Copy 019a to 035z", or "Remove fields" with the tags to remove. An empty table (header
    only) means no normalization."""
    steps: list[NormalizationStep] = []
    columns = {"step": ("step", "normalization"), "fields": ("fields", "tags")}
    for index, row, cells in rows_by_column(call.table, columns, required=("step",)):
        name = " ".join(cells["step"].lower().split())
        if name in ("marc21 bib copy 019a to 035z", "copy 019a to 035z"):
            steps.append(CopyCancelledTo035z())
        elif name in ("remove fields", "remove"):
            tags = cells.get("fields", "")
            if not tags.strip():
                raise row_error(row, index, "name the fields to remove, e.g. 029, 936")
            steps.append(RemoveFields(tags))
        else:
            raise row_error(row, index, f"unknown normalization step {cells['step']!r}; known: "
                                        "Marc21 Bib Copy 019a to 035z, Remove fields")
    world.change_profile(normalization=tuple(steps))


@step(StepKind.CONTEXT, "the profile has no normalization", topic=ZONE,
      example="And the profile has no normalization")
def no_normalization(world: World, call: StepCall) -> None:
    """The profile corrects nothing before matching (no 019 $a copy, no fields removed, no
    normalization rules)."""
    world.change_profile(normalization=(), normalization_rules=None)


@step(StepKind.CONTEXT, "MARCXML validation is {state}", topic=ZONE,
      example="And MARCXML validation is on")
def marcxml_validation(world: World, call: StepCall) -> None:
    """"Check the data using: MarcXML Bib Import" on or off."""
    world.change_profile(validate_marcxml=_switch(call.values["state"]))


@step(StepKind.CONTEXT, 'the merge method is "{name}"', topic=ZONE,
      example='And the merge method is "Keep only old value"')
def merge_method(world: World, call: StepCall) -> None:
    """The Merge Method, by name: "Overlay all fields but local", "Keep only old value" or
    "Replace 245 and 035"."""
    try:
        world.change_profile(merge_method=MergeMethod.preset(call.values["name"]),
                             merge_rules=None)
    except KeyError as error:
        raise SpecError(call.values["name"], "unknown_merge_method", str(error.args[0])) from None


@step(StepKind.CONTEXT, 'the brief-level rules are the "{preset}" rules', topic=ZONE,
      example='And the brief-level rules are the "CSU" rules')
def brief_rules_preset(world: World, call: StepCall) -> None:
    """The brief-level rules by name: "CARLI" (I-Share, rev. 2021) or "CSU" (CSU/Orbis NZ)."""
    try:
        world.change_profile(brief_rules=BriefLevelRules.preset(call.values["preset"]),
                             brief_level_rules=None)
    except InvalidProfile as error:
        raise SpecError(call.values["preset"], "unknown_preset", error.detail) from None


@step(StepKind.CONTEXT, "the brief-level rules are:", topic=ZONE, table=True, doc_string=True,
      example='''
And the brief-level rules are:
  | Leader/17   | brief level |
  | #           | 10          |
  | 7           | 05          |
  | other codes | 01          |
And the brief-level rules are:
  """
  rule "10: full level, cataloged in English"
  when existsControl "LDR.{17,1}. " AND exists "040.b.eng"
  then set brief_level."10"
  end
  """
''')
def brief_rules_table(world: World, call: StepCall) -> None:
    """The brief-level rules, as a table from Leader/17 (# for blank) to brief level 01-10 (the
    row "other codes" gives the level of codes the table does not list, 01 if absent), or as
    Alma brief-level rule text in a doc string: the first rule that matches, in run order, sets
    the level; a record no rule matches is 01. Both the incoming record and the zone's bibs are
    rated by them."""
    if call.doc_string is not None:
        try:
            rules = compile_brief_levels(_rule_text(call), name="the scenario's brief-level rules")
        except InvalidRuleText as error:
            raise _rule_error(call, error) from None
        world.change_profile(brief_level_rules=rules)
        return
    columns = {"code": ("Leader/17", "encoding level", "code"),
               "level": ("brief level", "level")}
    table: dict[str, str] = {}
    default = "1"
    for index, row, cells in rows_by_column(call.table, columns, required=("code", "level")):
        code, level = cells["code"].strip(), cells["level"].strip()
        try:
            BriefLevelRules.from_table({"#": level})
            if code.lower() in ("other codes", "other", "any other"):
                default = level
            else:
                BriefLevelRules.from_table({code or "#": level})
                table[code or "#"] = level
        except ValueError as error:
            raise row_error(row, index, str(error)) from None
    world.change_profile(brief_rules=BriefLevelRules.from_table(table, default=default),
                         brief_level_rules=None)


def _rule_text(call: StepCall) -> RuleFile:
    """The doc string's Alma rule text, parsed; its errors name the feature file's line."""
    if call.doc_string is None:
        raise SpecError("", "no_rule_text", 'this step needs rule text under it, between two '
                        'lines of """')
    try:
        return parse_rules(call.doc_string)
    except InvalidRuleText as error:
        raise _rule_error(call, error) from None


def _rule_error(call: StepCall, error: InvalidRuleText) -> SpecError:
    # The doc string's first line of text is the line after its opening delimiter.
    line = call.doc_string_line + error.line if error.line else call.line
    where = f"rule text line {error.line}, column {error.column}" if error.line else "rule text"
    if error.rule:
        where += f", in rule {error.rule!r}"
    detail = f"{where}: {error.detail or error.reason}"
    if error.hint:
        detail += f" (hint: {error.hint})"
    return SpecError(call.doc_string, error.reason, detail, line=line)


@step(StepKind.CONTEXT, "the normalization rules are:", topic=ZONE, doc_string=True,
      example='''
And the normalization rules are:
  """
  rule "Strip OCLC's cancelled numbers"
  when TRUE
  then removeField "019"
  end
  """
''')
def normalization_rules(world: World, call: StepCall) -> None:
    """The profile's normalization rules as Alma rule text in a doc string (between two lines of
    three double quotes): they run on the incoming record at stage 4, before matching and after
    the normalization steps, and the trace names each rule that changed the record."""
    try:
        rules = compile_normalization(_rule_text(call), name="the scenario's normalization rules")
    except InvalidRuleText as error:
        raise _rule_error(call, error) from None
    world.change_profile(normalization_rules=rules)


@step(StepKind.CONTEXT, "the merge rule is:", topic=ZONE, doc_string=True, example='''
And the merge rule is:
  """
  rule "Replace 245, keep the rest"
  when merge
  then replace MARC."245"
  end
  """
''')
def merge_rule(world: World, call: StepCall) -> None:
    """The profile's merge rule as Alma rule text in a doc string: instead of the merge method,
    it decides which fields of the existing bib survive the incoming record ("the preferred
    record is the local record in Alma")."""
    try:
        method = compile_merge(_rule_text(call)).method
    except InvalidRuleText as error:
        raise _rule_error(call, error) from None
    world.change_profile(merge_rules=method)


@step(StepKind.CONTEXT, "equal brief levels {policy}", topic=ZONE,
      example="And equal brief levels merge")
def equal_levels(world: World, call: StepCall) -> None:
    """What the brief guard does when both records have the same brief level: "merge" (the
    default: the guard blocks only a bib with a higher level) or "are blocked"."""
    policy = call.values["policy"].lower()
    if policy not in ("merge", "are blocked"):
        raise SpecError(policy, "unknown_value", "write 'merge' or 'are blocked'")
    world.change_profile(block_equal_brief_levels=policy == "are blocked")


@step(StepKind.CONTEXT, "a missing or malformed 005 {policy} the older-version guard", topic=ZONE,
      example="And a missing or malformed 005 does not trip the older-version guard")
def missing_version(world: World, call: StepCall) -> None:
    """What the older-version guard does when either side has no usable 005: "does not trip" (the
    default: nothing to compare, the guard lets the record through) or "trips"."""
    policy = call.values["policy"].lower()
    if policy not in ("trips", "does not trip"):
        raise SpecError(policy, "unknown_value", "write 'trips' or 'does not trip'")
    world.change_profile(missing_version_blocks=policy == "trips")


@step(StepKind.CONTEXT, "the guards run in this order: {order}", topic=ZONE,
      example="And the guards run in this order: brief, lock, older version")
def guard_order(world: World, call: StepCall) -> None:
    """The order of the three guards after a single match (stages 8-10): lock, brief and older
    version, each once. The first that blocks gives the outcome."""
    names = {"lock": Guard.LOCK, "brief": Guard.BRIEF, "older version": Guard.OLDER_VERSION,
             "older-version": Guard.OLDER_VERSION, "older_version": Guard.OLDER_VERSION}
    order = [_choice(part, dict(names), "guard") for part in call.values["order"].split(",")]
    try:
        world.change_profile(guard_order=order)
    except ValueError as error:
        raise SpecError(call.values["order"], "bad_order",
                        "name lock, brief and older version once each") from error


def _switch(text: str) -> bool:
    try:
        return parse_switch(text)
    except ValueError as error:
        raise SpecError(text, "not_a_switch", str(error)) from None
