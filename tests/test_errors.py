"""Bad input raises one ValueError subclass per concept, with a message a person can read.

Each case below was a plain ``ValueError``/``KeyError``, a Python repr, or a value built from
nonsense. The message names the input (quoted, never a ``b'...'`` repr) and says why, without a
class name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from almamatch import (
    AlmamatchError,
    BriefLevel,
    BriefLevelRules,
    IntegrationProfile,
    InvalidBriefLevel,
    InvalidTimestamp,
    Timestamp,
)
from almamatch.cli.main import main
from almamatch.core.errors import InvalidMmsId, InvalidProfile, shown
from almamatch.core.facts import MmsIdSequence

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        # A 005 built from its parts must still be 14 digits that name a date.
        (lambda: Timestamp("notdigits", ""), InvalidTimestamp,
         '"notdigits." (malformed): a 005 value is 14 digits'),
        (lambda: Timestamp("20261301000000", ""), InvalidTimestamp, "not_a_date"),
        (lambda: Timestamp("20260301000000", "x"), InvalidTimestamp, "malformed"),
        # A brief level is not a truth value.
        (lambda: BriefLevel(True), InvalidBriefLevel, "from 01 to 10"),
        (lambda: BriefLevel.parse("eleven"), InvalidBriefLevel, '"eleven" (not_a_number)'),
        (lambda: BriefLevelRules.preset("orbis"), InvalidProfile,
         '"orbis" (unknown_preset): no brief-level preset of that name; known: carli, csu'),
        (lambda: IntegrationProfile(password="x", guard_order=("lock", "brief")), InvalidProfile,
         '"lock, brief" (bad_guard_order): the guard order names lock, brief and older_version'),
        (lambda: IntegrationProfile(password="x", guard_order=("lock", "brief", "old")),
         InvalidProfile, "bad_guard_order"),
        (lambda: MmsIdSequence(0, "5681"), InvalidMmsId, "a four-digit suffix"),
        (lambda: MmsIdSequence(1, "56"), InvalidMmsId, '"1/56" (bad_sequence)'),
    ],
)
def test_bad_values_raise_their_own_error(
    build: object, error: type[AlmamatchError], message: str
) -> None:
    with pytest.raises(error) as raised:
        build()  # type: ignore[operator]
    assert isinstance(raised.value, ValueError)
    assert message in str(raised.value)
    assert "Invalid" not in str(raised.value)


def test_timestamps_built_from_good_parts_still_work() -> None:
    assert Timestamp("20260301120000", "5") == Timestamp.parse("20260301120000.5")


def test_the_guard_order_takes_the_guards_names() -> None:
    profile = IntegrationProfile(password="x", guard_order=("older_version", "lock", "brief"))
    assert [guard.value for guard in profile.guard_order] == ["older_version", "lock", "brief"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (b"00987", '"00987"'),
        (b"\x97N\x00a", '"\\x97N\\x00a"'),
        ("tab\there", '"tab\\x09here"'),
        ("", '""'),
        (42, "42"),
        ("x" * 200, '"' + "x" * 120 + '... (80 more characters)"'),
    ],
)
def test_shown_is_for_people(value: object, text: str) -> None:
    assert shown(value) == text


@pytest.mark.parametrize(("toml", "says"), [
    ('older_version_guard = "Consider originating system"\n',
     ('older_version_guard "Consider originating system"; known: "Disabled", '
     '"Consider Originating System"')),
    ('guard_order = ["lock", "brief"]\n',
     '"lock, brief" (bad_guard_order): the guard order names lock, brief and older_version'),
    ('match_method = "exact"\n', 'known: "Unique OCLC Identifier", "Literal 035"'),
])
def test_a_bad_profile_value_lists_what_is_accepted(
    toml: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(toml, encoding="utf-8")
    assert main(["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
                 "--profile", str(profile)]) == 3
    err = capsys.readouterr().err
    assert says in err
    assert "<Guard" not in err
    assert "OlderVersionGuard" not in err
    assert err.count("\n") == 1


def test_a_file_that_is_no_marc_is_named_without_a_bytes_repr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = tmp_path / "x.mrc"
    noise.write_bytes(b"\x97N" + bytes(range(200)))
    assert main(["batch", str(noise), "--zone", str(EXAMPLES / "zone")]) == 3
    err = capsys.readouterr().err
    assert '(unknown_format): starts with "\\x97N' in err
    assert "b'" not in err
    assert 'b"' not in err
    assert "UnreadableExports" not in err
