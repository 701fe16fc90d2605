"""A decision's evidence in words: what explains it, one line per fact, for tables and people.

Plain text, no terminal library: a command that prints rows for a pipe or a file (``batch``
without ``--json``) uses it without importing rich; ``cli.render`` puts the same lines in a
rich console.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from almamatch.core.decision import (
    Add,
    ConnectionClosed,
    Decision,
    LogonFailed,
    MarcXmlConversionFailed,
    Merge,
    MultiMatch,
    NoIntegrationProfile,
    NotAddedBrief,
    NotAddedLocked,
    NotAddedOld,
    SkippedCzLinked,
    named_mms_id,
)

__all__ = ["decision_mms_id", "evidence_lines", "evidence_text"]


def decision_mms_id(decision: Decision) -> str | None:
    """The MMS ID the decision names: added, merged into, or the one bib that blocked."""
    return named_mms_id(decision)


def _moment(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


def evidence_lines(decision: Decision) -> tuple[str, ...]:
    """What explains the decision, in words, one line per fact: levels, holder, versions..."""
    match decision:
        case Add():
            version = decision.originating_version
            return (f"new bib {decision.mms_id}",
                    f"originating version {version}" if version else "no 005 to store")
        case Merge():
            return (f"merged into {decision.mms_id} with {decision.merge_method}",)
        case NoIntegrationProfile():
            return ((f"{decision.profiles_found} Connexion integration profiles in "
                    f"{decision.institution}; exactly one is needed"),)
        case LogonFailed():
            return tuple(decision.problems) or ("the logon was refused",)
        case ConnectionClosed():
            return (decision.detail,)
        case MarcXmlConversionFailed():
            return tuple(problem.detail for problem in decision.problems)
        case MultiMatch():
            return tuple(f"bib {one.mms_id} found by {one.key} ({one.incoming_side.value} in the "
                         f"export, {one.zone_side.value} in the zone)"
                         for one in decision.candidates)
        case SkippedCzLinked():
            return (f"bib {decision.mms_id} is linked to the Community Zone",)
        case NotAddedLocked():
            lock = decision.lock
            since, lapses = _moment(lock.last_activity), _moment(lock.lapses_at)
            return ((f"bib {decision.mms_id} locked by {lock.holder} since {since}; the lock "
                    f"lapses at {lapses}"),)
        case NotAddedBrief():
            return ((f"bib {decision.mms_id} has brief level {decision.existing_level}, the "
                    f"incoming record {decision.incoming_level}"),)
        case NotAddedOld():
            existing = decision.existing_version or "none"
            incoming = decision.incoming_version or "none"
            return ((f"bib {decision.mms_id} has originating version {existing}, newer than the "
                    f"incoming 005 {incoming}"),)
        case _:
            assert_never(decision)


def evidence_text(decision: Decision) -> str:
    """``evidence_lines`` on one line, for a row of a table (a multi-match in brief)."""
    if isinstance(decision, MultiMatch):
        keys = list(dict.fromkeys(str(one.key) for one in decision.candidates))
        more = f" and {len(keys) - 1} more numbers" if len(keys) > 1 else ""
        return (f"{len(decision.mms_ids)} bibs match: {', '.join(decision.mms_ids)}; found by "
                f"{keys[0]}{more}")
    return "; ".join(evidence_lines(decision))
