"""Alma's answer to one Connexion export: a closed set of small frozen classes.

Theory of operation: ``decide()`` returns exactly one ``Decision``: ``Add``, ``Merge`` or one
``Failure`` subclass per code. Dispatch with ``match decision:`` and ``case _:
assert_never(decision)``. Each failure carries its evidence as typed fields, the seed's reason
text, and the seed's steps to resolve it; every decision carries the trace of every stage.

The failure table (code, reason, resolution) is data, in ``FAILURES`` below, copied from CARLI's
"OCLC Gateway Export Errors" page (``seeds/004_a88ccba7d8c31e13.txt``, updated March 5, 2026).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import ClassVar, Final, TypeAlias, Union, assert_never

from attrs import frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.facts import BibFacts, Side, checked_facts
from almamatch.core.lock import Lock
from almamatch.core.merge import PURE_LOOPS, MergeLoops, are_035s
from almamatch.core.normalization import (
    Read035s,
    SavedRead,
    copied_019s,
    read_035s,
    saved_035s,
    saved_bib,
    tag_line,
    tag_order_position,
)
from almamatch.core.oclc import (
    OclcNumber,
    ParsedNumbers,
    SavedNumber,
    literals,
    parsed_or_none,
    saved_number,
)
from almamatch.core.record import Bib, Field
from almamatch.core.slots import new_instance, slot_setter
from almamatch.core.timestamp import Timestamp

__all__ = [
    "FAILURES",
    "IMPORT_FAILED",
    "PURE_MAKERS",
    "SUCCESS_MESSAGE",
    "Add",
    "Candidate",
    "Code",
    "ConnectionClosed",
    "ConversionProblem",
    "Decision",
    "Failure",
    "FailureText",
    "LogonFailed",
    "Makers",
    "MarcXmlConversionFailed",
    "Merge",
    "MultiMatch",
    "NoIntegrationProfile",
    "NotAddedBrief",
    "NotAddedLocked",
    "NotAddedOld",
    "Refusal",
    "SkippedCzLinked",
    "Stage",
    "Step",
    "Verdict",
    "latest_transaction",
    "make_add",
    "make_merge",
    "make_step",
    "named_mms_id",
]

#: "Record Manager should display a host message of 'The record has been processed successfully.'"
SUCCESS_MESSAGE: Final = "The record has been processed successfully."
#: "If the import is blocked for any reason, Alma will send a host message of 'Import Failed' along
#: with a reason for failure."
IMPORT_FAILED: Final = "Import Failed"


class Code(enum.StrEnum):
    """Every outcome's code; failures share Alma's import-report names where Alma has one."""

    ADDED = "ADDED"
    MERGED = "MERGED"
    NO_INTEGRATION_PROFILE = "NO_INTEGRATION_PROFILE"
    LOGON_FAILED = "LOGON_FAILED"
    MARCXML_CONVERSION_FAILED = "MARCXML_CONVERSION_FAILED"
    MULTI_MATCH = "MULTI_MATCH"
    SKIPPED_CZ_LINKED = "SKIPPED_CZ_LINKED"
    NOT_ADDED_LOCKED = "NOT_ADDED_LOCKED"
    NOT_ADDED_BRIEF = "NOT_ADDED_BRIEF"
    NOT_ADDED_OLD = "NOT_ADDED_OLD"
    CONNECTION_CLOSED = "CONNECTION_CLOSED"


class Stage(enum.StrEnum):
    """The stages of DESIGN.md "The decision, in order"."""

    PROFILE = "profile"
    LOGON = "logon"
    MARCXML = "marcxml"
    NORMALIZATION = "normalization"
    MATCH = "match"
    CANDIDATES = "candidates"
    CZ_LINK = "cz_link"
    LOCK = "lock"
    BRIEF = "brief"
    OLDER_VERSION = "older_version"
    OUTCOME = "outcome"


class Verdict(enum.StrEnum):
    """What one stage concluded."""

    PASSED = "passed"  # the stage let the record through
    FAILED = "failed"  # the stage would block the record
    OFF = "off"  # the profile does not run this check
    NOT_APPLICABLE = "not_applicable"  # nothing to check (no candidate, no 005 on one side)


@frozen(kw_only=True)
class Step:
    """One line of the trace: a stage, its verdict, and what it saw, in words."""

    stage: Stage
    verdict: Verdict
    detail: str


@frozen(kw_only=True)
class Candidate:
    """A zone bib that an incoming key found, and how: which key, on which side of each record."""

    mms_id: str
    key: OclcNumber  # the incoming number that found it
    incoming_side: Side  # active (035 $a, 001) or cancelled (035 $z, 019 $a) in the export
    zone_side: Side  # 035 $a or 035 $z in the zone bib


@frozen(kw_only=True)
class ConversionProblem:
    """Why one field cannot be crosswalked to MARCXML."""

    tag: str
    kind: str  # "too_long", "not_utf8", "invalid_utf8", "forbidden_character"
    detail: str


@frozen(kw_only=True)
class FailureText:
    """The seed's row for a failure: the reason Connexion shows, the cause, the steps."""

    reason: str
    cause: str
    resolution: tuple[str, ...]


_SEE_ANOTHER_METHOD: Final = (
    "Choose another import method, then resolve any duplicates with a merge after importing the "
    "bib."
)

FAILURES: Final[dict[Code, FailureText]] = {
    Code.NO_INTEGRATION_PROFILE: FailureText(
        reason="No integration profile found for institution {institution}",
        cause="Your institution zone configuration has more than one Connexion integration "
        "profile.",
        resolution=("Delete the profile that you are not using.",),
    ),
    Code.LOGON_FAILED: FailureText(
        reason="Logon Failed--the Logon ID and/or password is/are not valid",
        cause="If a password is changed in the Connexion integration profile, and in the Gateway "
        "Export settings after the Gateway Export was created, it is likely that the change did "
        "not save correctly in Connexion",
        resolution=("Delete and recreated the Gateway Export with the correct password.",),
    ),
    Code.CONNECTION_CLOSED: FailureText(
        reason="The local system has closed the connection, retries exceeded.",
        cause="The Gateway Export settings may be incomplete or corrupted; or, network firewall "
        "settings may have changed.",
        resolution=(
            (
                "Delete and recreate the Gateway Export with the correct settings. If this does "
                "not resolve the issue, consult your local IT group and inform them that you need "
                "port 5500 as an allowed port."
            ),
        ),
    ),
    Code.MULTI_MATCH: FailureText(
        reason="Multi matches found for this record.",
        cause="The exported record matched on two or more records in the same zone with the same "
        "OCLC number present. Two or more records have the same OCLC number in 035$a and or "
        "035$z.",
        resolution=(
            (
                "Locate and merge these records in the target zone, then try the gateway export "
                "again."
            ),
            _SEE_ANOTHER_METHOD,
        ),
    ),
    Code.NOT_ADDED_BRIEF: FailureText(
        reason="NOT_ADDED_BRIEF",
        cause="The exported record matched a single bib in the target zone, BUT that bib has a "
        "higher brief level than the incoming record.",
        resolution=(
            (
                "Locate and edit the matching record in the Alma metadata editor. Modify the "
                "Encoding Level fixed field (Leader/17) to be the same as the record being "
                "exported. Save and release the record. Then try the export again."
            ),
            _SEE_ANOTHER_METHOD,
        ),
    ),
    Code.NOT_ADDED_LOCKED: FailureText(
        reason="NOT_ADDED_LOCKED",
        cause="The exported record matched a single bib in the target zone, BUT that bib is being "
        "edited in the Alma metadata editor.",
        resolution=(
            (
                "If you previously searched the record and opened it in the metadata editor, go "
                "back to the metadata editor and release the record."
            ),
            (
                "If exporting to the network zone, search the record in Alma and view the record "
                "in the metadata editor. A locked record will report the institution that has the "
                "record locked and the time it was locked."
            ),
            (
                "Alma will unlock records 60 minutes after the cataloger exits the metadata "
                "editor. However if waiting longer than that amount of time, you may contact CARLI"
                " support."
            ),
        ),
    ),
    Code.NOT_ADDED_OLD: FailureText(
        reason="NOT_ADDED_OLD",
        cause="The exported record matched a single bib in the target zone, but the 005 of that "
        "record reflects a more recent update than that of the exported bib.",
        resolution=(
            (
                "Your Connexion integration profile may be set prevent an existing record from "
                "being merged or replaced by an older record according to 005 values. You may "
                "choose to disable this comparison in the integration profile."
            ),
            (
                "Import the record using another method, then resolve duplicate records with a "
                "merge after importing the bib."
            ),
        ),
    ),
    Code.MARCXML_CONVERSION_FAILED: FailureText(
        reason="Failed to convert marc record to marc xml",
        cause="The MARC record contains fields that cannot be crosswalked to MARC XML.",
        resolution=(
            (
                "Check whether any fields contain more than 9,999 characters. Fields that are too "
                "long will produce an error."
            ),
            (
                "Check whether the record contains any Unicode characters. If so, check that the "
                "character set for exports is UTF-8 Unicode."
            ),
            (
                "If neither of these resolve the problem, import the record using the Search "
                "Resource option within the metadata editor. Review the record content and make "
                "corrections as needed. Contact OCLC Support for assistance with the record in "
                "WorldCat."
            ),
        ),
    ),
    # Alma's wording for this case is not documented ("records ... will be skipped if there is a
    # pre-existing link to the Community Zone", Ex Libris S1); the text below is almamatch's.
    Code.SKIPPED_CZ_LINKED: FailureText(
        reason="Record skipped: the matching record is linked to the Community Zone.",
        cause="The OCLC Connexion integration does not support unlinking records from the Alma "
        "Community Zone; records with a pre-existing link to the Community Zone are skipped.",
        resolution=(
            (
                "Edit the record in Alma (unlink it from the Community Zone, or use the Community "
                "Zone's copy), or choose another import method."
            ),
        ),
    ),
}


@frozen(kw_only=True)
class Add:
    """No bib matched: the record is added as a new bib under ``mms_id``."""

    code: ClassVar[Code] = Code.ADDED
    mms_id: str
    record: Bib  # the bib as Alma stores it: normalized, 003 folded into 035
    trace: tuple[Step, ...]
    originating_version: Timestamp | None = None  # the incoming 005, stored with the bib

    @property
    def headline(self) -> str:
        """The first part of the host message: the success text."""
        return SUCCESS_MESSAGE

    @property
    def host_message(self) -> str:
        """What Connexion shows: the success text and the MMS ID of the bib that was saved."""
        return f"{SUCCESS_MESSAGE} MMS ID: {self.mms_id}"


@frozen(kw_only=True)
class Merge:
    """One bib matched and nothing blocked: the record is merged into ``mms_id``."""

    code: ClassVar[Code] = Code.MERGED
    mms_id: str
    # The merged record; None when the zone view keeps facts only (a compact index), so the
    # existing record is not at hand to merge into.
    record: Bib | None
    merge_method: str
    trace: tuple[Step, ...]
    originating_version: Timestamp | None = None  # the incoming 005, the bib's new version

    @property
    def headline(self) -> str:
        """The first part of the host message: the success text."""
        return SUCCESS_MESSAGE

    @property
    def host_message(self) -> str:
        """What Connexion shows: the success text and the MMS ID of the bib that was saved."""
        return f"{SUCCESS_MESSAGE} MMS ID: {self.mms_id}"


@frozen(kw_only=True)
class Failure:
    """Alma refused the record: the base of the nine refusals, one subclass per ``code``.

    Each has ``reason`` (the seed's text after "Import Failed"), ``headline`` and
    ``host_message`` (``Import Failed: <reason>``, what Connexion shows), ``resolution`` (the
    steps to resolve it), ``trace``, and its own evidence fields. Do not subclass outside this
    module: the set is closed, so that ``match`` with ``assert_never`` proves every case handled.
    """

    code: ClassVar[Code]
    trace: tuple[Step, ...]

    @property
    def text(self) -> FailureText:
        return FAILURES[self.code]

    @property
    def reason(self) -> str:
        """The reason Connexion shows after "Import Failed", as CARLI's error page gives it."""
        return self.text.reason

    @property
    def headline(self) -> str:
        """The first part of the host message: ``Import Failed`` for every refusal Alma sends."""
        return IMPORT_FAILED

    @property
    def host_message(self) -> str:
        """What Connexion shows the cataloger, whole: ``headline: reason``.

        The seed: "Alma will send a host message of 'Import Failed' along with a reason for
        failure", e.g. ``Import Failed: NOT_ADDED_LOCKED``. A transport fault, which Alma never
        answers, has no headline: its host message is the client's own text.
        """
        return f"{self.headline}: {self.reason}" if self.headline else self.reason

    @property
    def resolution(self) -> tuple[str, ...]:
        return self.text.resolution


@frozen(kw_only=True)
class NoIntegrationProfile(Failure):
    """Stage 1: the institution has no Connexion integration profile, or more than one.

    ``institution`` is the zone's code; ``profiles_found`` how many profiles it has.
    """

    code: ClassVar[Code] = Code.NO_INTEGRATION_PROFILE
    institution: str
    profiles_found: int

    @property
    def reason(self) -> str:
        return self.text.reason.format(institution=self.institution)


@frozen(kw_only=True)
class LogonFailed(Failure):
    """Stage 2: the logon ID or password does not match, or the logon ID is not this host's.

    ``problems`` names each mismatch in words ("wrong password", ...); the password is never
    shown.
    """

    code: ClassVar[Code] = Code.LOGON_FAILED
    logon_id: str
    host: str
    problems: tuple[str, ...]  # "wrong password", "logon ID belongs to another host", ...


@frozen(kw_only=True)
class ConnectionClosed(Failure):
    """The Connexion client gave up before Alma answered (a simulated transport fault).

    Built with ``connection_closed()``, never by ``decide()``. Alma sent nothing, so there is no
    "Import Failed" headline: the host message is the client's own text.
    """

    code: ClassVar[Code] = Code.CONNECTION_CLOSED
    detail: str

    @property
    def headline(self) -> str:
        return ""


@frozen(kw_only=True)
class MarcXmlConversionFailed(Failure):
    """Stage 3: the record cannot be crosswalked to MARCXML (a field over 9,999 octets, bytes
    that are not UTF-8, a character XML forbids); ``problems`` names each field and why."""

    code: ClassVar[Code] = Code.MARCXML_CONVERSION_FAILED
    problems: tuple[ConversionProblem, ...]


@frozen(kw_only=True)
class MultiMatch(Failure):
    """Stage 6: the incoming OCLC numbers find two or more bibs.

    ``candidates`` lists each bib found, by which incoming number and on which side (active or
    cancelled) of each record; ``mms_ids`` the distinct bibs.
    """

    code: ClassVar[Code] = Code.MULTI_MATCH
    candidates: tuple[Candidate, ...]

    @property
    def mms_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(candidate.mms_id for candidate in self.candidates))


@frozen(kw_only=True)
class SkippedCzLinked(Failure):
    """Stage 7: the one matching bib (``mms_id``) is linked to the Community Zone, and
    Connexion imports skip such bibs."""

    code: ClassVar[Code] = Code.SKIPPED_CZ_LINKED
    mms_id: str


@frozen(kw_only=True)
class NotAddedLocked(Failure):
    """Stage 8: the matching bib (``mms_id``) is open in the Metadata Editor; ``lock`` says who
    holds it and since when (it lapses 60 minutes after the last activity)."""

    code: ClassVar[Code] = Code.NOT_ADDED_LOCKED
    mms_id: str
    lock: Lock


@frozen(kw_only=True)
class NotAddedBrief(Failure):
    """Stage 9: the brief guard is on and the matching bib (``mms_id``) has a higher brief
    level (``existing_level``) than the incoming record (``incoming_level``)."""

    code: ClassVar[Code] = Code.NOT_ADDED_BRIEF
    mms_id: str
    existing_level: BriefLevel
    incoming_level: BriefLevel


@frozen(kw_only=True)
class NotAddedOld(Failure):
    """Stage 10: the older-version guard is on and the matching bib's originating system
    version (``existing_version``) is newer than the incoming 005 (``incoming_version``)."""

    code: ClassVar[Code] = Code.NOT_ADDED_OLD
    mms_id: str
    # None only when ``missing_version_blocks`` is set and that side has no usable 005.
    existing_version: Timestamp | None
    incoming_version: Timestamp | None


Decision: TypeAlias = Union[  # noqa: UP007 (a typing.Union can carry the docstring below)
    Add,
    Merge,
    NoIntegrationProfile,
    LogonFailed,
    ConnectionClosed,
    MarcXmlConversionFailed,
    MultiMatch,
    SkippedCzLinked,
    NotAddedLocked,
    NotAddedBrief,
    NotAddedOld,
]
Decision.__doc__ = """Alma's answer to one Connexion export: ``Add``, ``Merge`` or a ``Failure``.

A closed union of frozen classes. Every member has ``code`` (a ``Code``), ``host_message`` (the
exact text Connexion shows: ``The record has been processed successfully. MMS ID: ...`` or
``Import Failed: <reason>``), ``headline`` and ``trace`` (a ``Step`` per stage). Dispatch with
``match decision:`` and ``case _: assert_never(decision)`` so that a type checker proves every
case handled.
"""


#: The refusals ``decide()`` can return: every ``Failure`` but ``ConnectionClosed``, which a
#: client gives before Alma sees a record. A stage of ``decide()`` names its refusal as one of
#: these, so that the refusal's ``code`` is known before the trace that names it is complete.
Refusal: TypeAlias = (
    NoIntegrationProfile
    | LogonFailed
    | MarcXmlConversionFailed
    | MultiMatch
    | SkippedCzLinked
    | NotAddedLocked
    | NotAddedBrief
    | NotAddedOld
)


def named_mms_id(decision: Decision) -> str | None:
    """The MMS ID a decision names: added, merged into, or the one bib that blocked it."""
    match decision:
        case (Add() | Merge() | SkippedCzLinked() | NotAddedLocked() | NotAddedBrief()
              | NotAddedOld()):
            return decision.mms_id
        case (NoIntegrationProfile() | LogonFailed() | ConnectionClosed()
              | MarcXmlConversionFailed() | MultiMatch()):
            return None
        case _:
            assert_never(decision)


# -- the values decide() makes for every record ------------------------------------------------
# Made without the frozen ``__init__`` (which checks nothing: Step, Add and Merge have no
# converter, validator or post-init), as ``core.slots`` makes a value: what the constructor makes
# of the same fields (tests/property/test_decide_properties.py holds them equal).
_SET_STEP: Final = tuple(slot_setter(Step, name) for name in ("stage", "verdict", "detail"))
_SET_ADD: Final = tuple(slot_setter(Add, name) for name in (
    "mms_id", "record", "trace", "originating_version"))
_SET_MERGE: Final = tuple(slot_setter(Merge, name) for name in (
    "mms_id", "record", "merge_method", "trace", "originating_version"))


def make_step(stage: Stage, verdict: Verdict, detail: str) -> Step:
    """``Step(stage=stage, verdict=verdict, detail=detail)``."""
    step: Step = new_instance(Step)
    set_stage, set_verdict, set_detail = _SET_STEP
    set_stage(step, stage)
    set_verdict(step, verdict)
    set_detail(step, detail)
    return step


def make_add(mms_id: str, record: Bib, trace: tuple[Step, ...],
             originating_version: Timestamp | None) -> Add:
    """``Add(mms_id=..., record=..., trace=..., originating_version=...)``."""
    add: Add = new_instance(Add)
    set_mms_id, set_record, set_trace, set_version = _SET_ADD
    set_mms_id(add, mms_id)
    set_record(add, record)
    set_trace(add, trace)
    set_version(add, originating_version)
    return add


def make_merge(mms_id: str, record: Bib | None, merge_method: str, trace: tuple[Step, ...],
               originating_version: Timestamp | None) -> Merge:
    """``Merge(mms_id=..., record=..., merge_method=..., trace=..., originating_version=...)``."""
    merge: Merge = new_instance(Merge)
    set_mms_id, set_record, set_method, set_trace, set_version = _SET_MERGE
    set_mms_id(merge, mms_id)
    set_record(merge, record)
    set_method(merge, merge_method)
    set_trace(merge, trace)
    set_version(merge, originating_version)
    return merge


def latest_transaction(record: Bib) -> Timestamp | None:
    """``record.latest_transaction``: the record's 005 as a ``Timestamp``, None when it has
    none or it is malformed (stages 10 and 11 read the prepared record's)."""
    return record.latest_transaction


@frozen(kw_only=True)
class Makers:
    """How ``decide()`` makes the values it builds anew for every record: its steps, its Add or
    Merge and the incoming 005 (``version``), how its merges walk and order fields
    (``loops``), and how stage 4 writes a record's tag line (``tags``), where its save rule puts
    its 035 (``place``), how it reads the 035s (``read_035s``), makes the bib it saves
    (``saved_bib``), or saves and reads a record as OCLC writes it in one walk (``saved_035s``),
    copies its 019 $a's into 035 $z's (``copied_019s``), and its memo parses a number
    (``parse``) and a saved 001's (``saved_number``), how stage 5 writes its keys
    (``literals``), and how the zone's apply makes the bib's facts (``facts``) and reads a
    merged record's 035s (``are_035s``). ``PURE_MAKERS`` are the functions above (and
    ``core.merge.PURE_LOOPS`` and ``are_035s``, ``core.normalization.tag_line``,
    ``tag_order_position``, ``read_035s``, ``saved_bib``, ``saved_035s`` and ``copied_019s``,
    ``core.oclc.parsed_or_none``, ``saved_number`` and ``literals``,
    ``core.facts.checked_facts``), the definition; a caller that decides many records may hand
    its ``DecisionCache`` their compiled twins (``_native/values.pyx``, a fifth of the cost a
    value or less), which make equal values. ``core`` never imports them."""

    step: Callable[[Stage, Verdict, str], Step]
    add: Callable[[str, Bib, tuple[Step, ...], Timestamp | None], Add]
    merge: Callable[[str, Bib | None, str, tuple[Step, ...], Timestamp | None], Merge]
    version: Callable[[Bib], Timestamp | None]
    #: How a merge walks and orders fields (``core.merge.MergeLoops``), for the cache's
    #: ``MergePlans``.
    loops: MergeLoops = PURE_LOOPS
    #: How stage 4 writes a record's ``tag_line`` (``core.normalization.tag_line``), for
    #: ``prepare``.
    tags: Callable[[Sequence[Field]], str] = tag_line
    #: How the cache's memo of numbers (``ParsedNumbers``) parses a text it does not hold
    #: (``core.oclc.parsed_or_none``).
    parse: Callable[[str], OclcNumber | None] = parsed_or_none
    #: How a zone's ``apply`` of an Add or a Merge makes the bib's facts
    #: (``core.facts.checked_facts``), and tells whether a merged record's 035s are the
    #: incoming record's (``core.merge.are_035s``): handed to it with the decision's
    #: ``Groundwork``.
    facts: Callable[..., BibFacts] = checked_facts
    are_035s: Callable[[Sequence[Field], Sequence[Field]], bool] = are_035s
    #: Where stage 4's save rule puts its 035 among a record's fields
    #: (``core.normalization.tag_order_position``), for ``prepare``.
    place: Callable[[Sequence[Field], str], int] = tag_order_position
    #: How stage 4 reads the numbers of a record's 035s (``core.normalization.read_035s``), for
    #: ``prepare``'s save rule.
    read_035s: Read035s = read_035s
    #: How stage 4's save rule makes the bib it saves (``core.normalization.saved_bib``).
    saved_bib: Callable[[Bib, int, str | None, int], tuple[Bib, Field | None]] = saved_bib
    #: How stage 5 lists its keys' ``literal`` texts (``core.oclc.literals``).
    literals: Callable[[Sequence[OclcNumber]], list[str]] = literals
    #: How the cache's memo of numbers reads the number of a saved 001 and derives OCLC's own
    #: 035 of it (``core.oclc.saved_number``, ``ParsedNumbers.saved_control_number``).
    saved_number: SavedNumber = saved_number
    #: How stage 4's save rule saves a record as OCLC writes it and reads its numbers in one
    #: walk (``core.normalization.saved_035s``), for ``prepare``: handed ``place``,
    #: ``read_035s`` and ``saved_bib``.
    saved_035s: SavedRead = saved_035s
    #: How stage 4's copy of the 019 $a's into 035 $z's (``CopyCancelledTo035z.apply_read``)
    #: copies them (``core.normalization.copied_019s``), for ``prepare``.
    copied_019s: Callable[[Bib, str, ParsedNumbers | None], tuple[Bib, str, list[OclcNumber]]] = (
        copied_019s)


#: The makers written here (above): what ``decide()`` uses unless its cache was handed others.
PURE_MAKERS: Final = Makers(step=make_step, add=make_add, merge=make_merge,
                            version=latest_transaction)
