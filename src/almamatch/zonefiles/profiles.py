"""Profile files: a zone's identity and its Connexion integration profile, written in TOML.

Theory of operation: a profile file is read with ``tomllib`` into a ``ProfileFile``, which holds
the ``IntegrationProfile`` and the identity of the zone it belongs to (kind, institution code, host
name, logon ID: the seed's "Settings for Different Zones" table). Keys mirror the options of
``core.profile.IntegrationProfile``; ``preset`` names the base options ("carli", the default, or
"csu") and every other key overrides one option. A key the file does not know is an error that
names it, so that a misspelt guard never passes for the default in silence.

Without a file, ``ProfileFile.default()`` is the CARLI I-Share IZ of the seed: institution
``01CARLI_XYZ`` on ``i-share-xyz.alma.exlibrisgroup.com``, logon ID ``01CARLI_XYZ``, the CARLI
profile (S3) with the password ``DEFAULT_PASSWORD``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, TypeVar

from attrs import evolve, field, frozen

from almamatch.core.brief import BriefLevelRules
from almamatch.core.errors import AlmamatchError, InvalidNormalization, shown
from almamatch.core.merge import MergeMethod
from almamatch.core.normalization import CopyCancelledTo035z, NormalizationStep, RemoveFields
from almamatch.core.profile import Guard, IntegrationProfile, MatchMethod, OlderVersionGuard
from almamatch.core.zone import ZoneKind
from almamatch.zonefiles.rulefiles import (
    InvalidRuleFile,
    brief_level_rules_from,
    merge_rules_from,
    normalization_rules_from,
    read_rule_source,
)
from almamatch.zonefiles.tomlfile import load_toml

__all__ = [
    "DEFAULT_IDENTITY",
    "DEFAULT_PASSWORD",
    "PROFILE_KEYS",
    "InvalidProfileFile",
    "ProfileFile",
    "ZoneIdentity",
    "load_profile",
    "profile_from_mapping",
]

#: The password of the default profile, and of a profile file that names none.
DEFAULT_PASSWORD: Final = "almamatch"  # noqa: S105 (a documented example password, no secret)


class InvalidProfileFile(AlmamatchError):
    """A profile file that cannot be read or names an unknown key or value."""


@frozen(kw_only=True)
class ZoneIdentity:
    """Who a zone is: CARLI's "Zone | Host Name | Logon ID" row, plus its institution code."""

    kind: ZoneKind
    institution: str
    host: str
    logon_id: str


#: "Institution | i-share-xyz.alma.exlibrisgroup.com | 01CARLI_XYZ" (seed 000, CARLI).
DEFAULT_IDENTITY: Final = ZoneIdentity(
    kind=ZoneKind.INSTITUTION,
    institution="01CARLI_XYZ",
    host="i-share-xyz.alma.exlibrisgroup.com",
    logon_id="01CARLI_XYZ",
)


@frozen(kw_only=True)
class ProfileFile:
    """What one profile file says: the integration profile and the zone's identity."""

    profile: IntegrationProfile
    identity: ZoneIdentity
    source: str  # the path it came from, or "default"
    #: The SHA-256 of each rule file it loaded, of the very bytes the rules were made from, so
    #: that a run identifies the rules by their content; not in the repr, which stays one line.
    rule_digests: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def default(cls) -> ProfileFile:
        """The CARLI I-Share IZ with the CARLI profile: what runs without ``--profile``."""
        return cls(
            profile=IntegrationProfile.carli(DEFAULT_PASSWORD),
            identity=DEFAULT_IDENTITY,
            source="default",
        )


_PRESETS: Final = {"carli": IntegrationProfile.carli, "csu": IntegrationProfile.csu}

#: Every top-level key a profile file may hold, with what it sets.
PROFILE_KEYS: Final = {
    "preset": 'base options: "carli" (default) or "csu"',
    "name": "the profile's name",
    "password": "the Authorization password (Connexion's Gateway Export sends it)",
    "normalization": 'list: "Marc21 Bib Copy 019a to 035z" or {remove = ["029", ...]}',
    "validate_marcxml": 'bool: "Check the data using: MarcXML Bib Import"',
    "match_method": '"Unique OCLC Identifier" or "Literal 035"',
    "match_019_without_normalization": "bool: 019 $a matches without the copy-to-035 $z step",
    "brief_guard": 'bool: "Do not override/merge a record with lower brief version"',
    "brief_rules": 'a preset name ("carli", "csu") or a table {table = {...}, default = 1}',
    "block_equal_brief_levels": "bool: equal brief levels block too",
    "older_version_guard": '"Disabled" or "Consider Originating System"',
    "missing_version_blocks": "bool: a missing 005 on either side blocks",
    "guard_order": 'list of "lock", "brief", "older_version"',
    "merge_method": 'a merge method name, e.g. "Overlay all fields but local"',
    "normalization_rules": "a file of Alma normalization rules, run after normalization "
    "(a path relative to the profile file)",
    "merge_rules": "a file with one Alma merge rule, used instead of merge_method",
    "brief_level_rules": "a file of Alma brief-level rules, rating both records instead of "
    "brief_rules",
    "zone": "table: kind, institution, host, logon_id",
}

_ZONE_KEYS: Final = ("kind", "institution", "host", "logon_id")


def load_profile(path: str | Path) -> ProfileFile:
    """Read a profile file; ``InvalidProfileFile`` names the file and the first problem."""
    return profile_from_mapping(load_toml(path, InvalidProfileFile), source=str(path))


def profile_from_mapping(document: Mapping[str, object], *, source: str) -> ProfileFile:
    """A ``ProfileFile`` from a parsed TOML document (see ``PROFILE_KEYS``)."""
    for key in document:
        if key not in PROFILE_KEYS:
            raise InvalidProfileFile(
                source, "unknown_key", f"unknown key {shown(key)}; known: {', '.join(PROFILE_KEYS)}"
            )
    preset_name = _text(document, "preset", source, "carli").lower()
    if preset_name not in _PRESETS:
        raise InvalidProfileFile(
            source, "unknown_preset", f"preset {shown(preset_name)}; known: {', '.join(_PRESETS)}"
        )
    password = _text(document, "password", source, DEFAULT_PASSWORD)
    profile = _PRESETS[preset_name](password)
    options: dict[str, object] = {}
    try:
        if "name" in document:
            options["name"] = _text(document, "name", source, profile.name)
        if "normalization" in document:
            options["normalization"] = _normalization(document["normalization"], source)
        for key in (
            "validate_marcxml",
            "match_019_without_normalization",
            "brief_guard",
            "block_equal_brief_levels",
            "missing_version_blocks",
        ):
            if key in document:
                options[key] = _flag(document, key, source)
        if "match_method" in document:
            options["match_method"] = _choice(MatchMethod, document, "match_method", source)
        if "older_version_guard" in document:
            options["older_version_guard"] = _choice(
                OlderVersionGuard, document, "older_version_guard", source
            )
        if "brief_rules" in document:
            options["brief_rules"] = _brief_rules(document["brief_rules"], source)
        if "guard_order" in document:
            options["guard_order"] = tuple(
                _choice(Guard, {"guard_order": one}, "guard_order", source)
                for one in _list(document, "guard_order", source)
            )
        if "merge_method" in document:
            method = _text(document, "merge_method", source, "")
            options["merge_method"] = MergeMethod.preset(method)
        rule_digests: list[str] = []
        for key, rules_from in _RULE_LOADERS.items():
            if key in document:
                path = _beside(source, _text(document, key, source, ""))
                text, digest = read_rule_source(path)
                options[key] = rules_from(text, path)
                rule_digests.append(digest)
        profile = evolve(profile, **options)  # type: ignore[arg-type]  # keys checked above
    except InvalidProfileFile:
        raise
    except InvalidRuleFile as error:
        raise InvalidProfileFile(source, "bad_rules", f"{error.text}: {error.detail}") from None
    except (ValueError, KeyError) as error:
        # A KeyError's text is its key's repr; an AlmamatchError's is already for people.
        text = str(error) if isinstance(error, AlmamatchError) else str(error).strip("\"'")
        raise InvalidProfileFile(source, "bad_value", text) from None
    return ProfileFile(profile=profile, identity=_identity(document, source), source=source,
                       rule_digests=tuple(rule_digests))


_RULE_LOADERS: Final[dict[str, Callable[[str, Path], object]]] = {
    "normalization_rules": normalization_rules_from,
    "merge_rules": merge_rules_from,
    "brief_level_rules": brief_level_rules_from,
}


def _beside(source: str, name: str) -> Path:
    """A rule file named in a profile: relative paths are read from the profile's folder."""
    path = Path(name)
    if path.is_absolute() or source == "default":
        return path
    return Path(source).parent / path


def _identity(document: Mapping[str, object], source: str) -> ZoneIdentity:
    table = document.get("zone", {})
    if not isinstance(table, Mapping):
        raise InvalidProfileFile(source, "bad_value", "zone: a table of kind, institution, host, "
                                 "logon_id")
    for key in table:
        if key not in _ZONE_KEYS:
            raise InvalidProfileFile(
                source, "unknown_key", f"unknown key 'zone.{key}'; known: {', '.join(_ZONE_KEYS)}"
            )
    kind_text = _text(table, "kind", source, DEFAULT_IDENTITY.kind.value)
    try:
        kind = ZoneKind(kind_text)
    except ValueError:
        known = ", ".join(kind.value for kind in ZoneKind)
        raise InvalidProfileFile(source, "bad_value", f'zone.kind "{kind_text}"; known: {known}'
                                 ) from None
    institution = _text(table, "institution", source, DEFAULT_IDENTITY.institution)
    return ZoneIdentity(
        kind=kind,
        institution=institution,
        host=_text(table, "host", source, DEFAULT_IDENTITY.host),
        # The seed's table gives an IZ the logon ID of its institution code.
        logon_id=_text(table, "logon_id", source, institution),
    )


_Choice = TypeVar("_Choice", bound=enum.StrEnum)


def _choice(
    kind: type[_Choice], table: Mapping[str, object], key: str, source: str
) -> _Choice:
    """The value of ``key`` as one of ``kind``'s values; the error lists every accepted one."""
    text = table.get(key)
    for member in kind:
        if text == member.value:
            return member
    known = ", ".join(f'"{member.value}"' for member in kind)
    raise InvalidProfileFile(source, "bad_value", f"{key} {shown(text)}; known: {known}")


def _text(table: Mapping[str, object], key: str, source: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise InvalidProfileFile(source, "bad_value", f"{key}: text expected, got {shown(value)}")
    return value


def _flag(table: Mapping[str, object], key: str, source: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise InvalidProfileFile(source, "bad_value", f"{key}: true or false, got {shown(value)}")
    return value


def _list(table: Mapping[str, object], key: str, source: str) -> list[object]:
    value = table[key]
    if not isinstance(value, list):
        raise InvalidProfileFile(source, "bad_value", f"{key}: a list expected, got {shown(value)}")
    return value


def _normalization(value: object, source: str) -> tuple[NormalizationStep, ...]:
    if not isinstance(value, list):
        raise InvalidProfileFile(source, "bad_value", "normalization: a list of steps")
    steps: list[NormalizationStep] = []
    copy_name = CopyCancelledTo035z().name
    for step in value:
        if isinstance(step, str) and step.lower() == copy_name.lower():
            steps.append(CopyCancelledTo035z())
        elif isinstance(step, Mapping) and set(step) <= {"remove", "name"} and "remove" in step:
            tags = step["remove"]
            if not isinstance(tags, list | str):
                raise InvalidProfileFile(source, "bad_value",
                                         f"normalization remove: {shown(tags)}")
            try:
                steps.append(RemoveFields(tuple(tags) if isinstance(tags, list) else tags,
                                          str(step.get("name", ""))))
            except InvalidNormalization as error:
                raise InvalidProfileFile(source, "bad_value",
                                         f"normalization remove: {shown(tags)}: "
                                         f"{error.detail}") from None
        else:
            raise InvalidProfileFile(
                source,
                "bad_value",
                f"normalization step {shown(step)}; known: {shown(copy_name)}, {{remove = [tags]}}",
            )
    return tuple(steps)


def _brief_rules(value: object, source: str) -> BriefLevelRules:
    if isinstance(value, str):
        return BriefLevelRules.preset(value)
    if not isinstance(value, Mapping) or "table" not in value:
        raise InvalidProfileFile(
            source, "bad_value", "brief_rules: a preset name or {table = {...}, default = 1}"
        )
    unknown = set(value) - {"table", "default", "name"}
    if unknown:
        raise InvalidProfileFile(source, "unknown_key", f"brief_rules.{sorted(unknown)[0]}")
    table = value["table"]
    if not isinstance(table, Mapping):
        raise InvalidProfileFile(source, "bad_value", "brief_rules.table: Leader/17 = level")
    default = value.get("default", 1)
    if not isinstance(default, int | str):
        raise InvalidProfileFile(source, "bad_value", f"brief_rules.default: {shown(default)}")
    return BriefLevelRules.from_table(
        {str(code): _level(level, source) for code, level in table.items()},
        default=default,
        name=str(value.get("name", "custom")),
    )


def _level(value: object, source: str) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidProfileFile(source, "bad_value", f"brief level {shown(value)}")
    return value
