"""Steps that fill the zone with bibs and describe the export: record, logon, time, and the act.

Theory of operation: bibs are rows of one table, because a zone is a list; each row gives what
Alma keeps for a bib (035 $a and $z, Leader/17 or the brief level outright, the originating
system version, the Community Zone link, the Metadata Editor lock). The incoming record is a MARC
table or a MARC file beside the feature file. ``When the record is exported`` calls ``decide``.
"""

from __future__ import annotations

from almamatch.core.brief import BriefLevel
from almamatch.core.errors import AlmamatchError
from almamatch.core.lock import Lock
from almamatch.core.record import Bib, DataField, Subfield
from almamatch.specs.errors import SpecError
from almamatch.specs.tables import (
    parse_fields,
    parse_moment,
    parse_switch,
    parse_version,
    row_error,
    rows_by_column,
    split_values,
)
from almamatch.specs.vocabulary import StepCall, StepKind, step
from almamatch.specs.world import World, ZoneBib

__all__: list[str] = []

BIBS = "The bibs already in the zone"
EXPORT = "The export"

_BIB_COLUMNS = {
    "mms_id": ("MMS ID",),
    "active": ("035 $a", "035a", "active"),
    "cancelled": ("035 $z", "035z", "cancelled"),
    "leader17": ("Leader/17", "encoding level", "ELvl"),
    "brief_level": ("brief level",),
    "version": ("originating system version", "version", "005"),
    "cz": ("CZ link", "linked to CZ", "Community Zone"),
    "holder": ("locked by", "lock holder", "lock"),
    "activity": ("last activity", "locked since"),
    "title": ("245 $a", "title"),
}


@step(StepKind.CONTEXT, "the zone holds these bibs:", topic=BIBS, table=True, example="""
Given the zone holds these bibs:
  | MMS ID             | 035 $a         | 035 $z         | Leader/17 | originating system version | CZ link | locked by   | last activity    |
  | 991234567890205681 | (OCoLC)1234567 | (OCoLC)7654321 | #         | 20240101120000.0           | no      |             |                  |
  | 992234567890205681 | (OCoLC)555     |                | 7         |                            | no      | 01CARLI_ABC | 2026-03-05 09:30 |
""")  # noqa: E501 (a table as a librarian writes it)
def zone_bibs(world: World, call: StepCall) -> None:
    """Bibs already in the zone, one per row. Only MMS ID is required. 035 $a and 035 $z take
    several numbers separated by commas. Give Leader/17 (# for blank) or the brief level outright.
    The originating system version is the 005 Alma stored at the last import (empty: none). CZ
    link is yes/no. A lock needs the holder (institution, or "institution (user)") and the time of
    the last activity in the Metadata Editor. After an export, the rows are added to the zone as
    that export left it."""
    for index, row, cells in rows_by_column(call.table, _BIB_COLUMNS, required=("mms_id",),
                                            line=call.line):
        try:
            world.put_bib(_bib(cells))
        except (ValueError, AlmamatchError) as error:
            detail = error.detail if isinstance(error, AlmamatchError) and error.detail else error
            raise row_error(row, index, str(detail)) from None


def _bib(cells: dict[str, str]) -> ZoneBib:
    mms_id = cells["mms_id"].strip()
    if not mms_id.isdigit():
        raise ValueError(f"MMS ID {mms_id!r}: an MMS ID is digits, e.g. 991234567890205681")
    bib = ZoneBib(mms_id=mms_id)
    code = cells.get("leader17", "").strip()
    if code:
        if len(code) != 1:
            raise ValueError(f"Leader/17 {code!r}: one character, # for blank")
        character = " " if code == "#" else code
        bib.leader = bib.leader[:17] + character + bib.leader[18:]
    if cells.get("brief_level", "").strip():
        bib.brief_level = BriefLevel.parse(cells["brief_level"])
    bib.originating_version = parse_version(cells.get("version", ""))
    bib.cz_linked = parse_switch(cells.get("cz", "") or "no")
    holder, activity = cells.get("holder", "").strip(), cells.get("activity", "").strip()
    if holder or activity:
        if not (holder and activity):
            raise ValueError("a lock needs both 'locked by' and 'last activity'")
        institution, _, user = holder.partition("(")
        bib.lock = Lock(institution=institution.strip(), user=user.rstrip(")").strip() or None,
                        last_activity=parse_moment(activity))
    numbers = [("a", value) for value in split_values(cells.get("active", ""))]
    numbers += [("z", value) for value in split_values(cells.get("cancelled", ""))]
    for code_, value in numbers:
        bib.fields.append(DataField("035", " ", " ", [Subfield(code_, value)]))
    if cells.get("title", "").strip():
        bib.fields.append(DataField("245", "1", "0", [Subfield("a", cells["title"].strip())]))
    return bib


@step(StepKind.CONTEXT, 'bib "{mms_id}" also has these fields:', topic=BIBS, table=True,
      example="""
And bib "991234567890205681" also has these fields:
  | tag | indicators | subfields                    |
  | 245 | 10         | $a Pride and prejudice       |
  | 590 | ##         | $a Gift of the author $9 LOCAL |
""")
def bib_fields(world: World, call: StepCall) -> None:
    """More fields of a bib already in the zone, written as MARC (tag, indicators, subfields), so
    that a spec can say which fields a merge keeps. An LDR row replaces the bib's leader."""
    leader, fields = parse_fields(call.table, line=call.line)
    if world.zone is None:
        bib = world.bib(call.values["mms_id"])
        if leader is not None:
            bib.leader = leader
        bib.fields.extend(fields)
        return
    world.change_saved_bib(call.values["mms_id"], leader, fields)


@step(StepKind.CONTEXT, '{bib} is locked by "{holder}" since "{since}"', topic=BIBS,
      example='And the bib the first export added is locked by "01CARLI_XYZ (ann)" since '
              '"2026-03-05 10:31"')
def bib_locked(world: World, call: StepCall) -> None:
    """A cataloger opens a bib in the Metadata Editor: it is locked by that institution (and
    user, in brackets) until 60 minutes after the last activity. The bib is written MMS ID
    "991234567890205681", or by what an earlier export did: the bib the first export added, the
    bib the second export merged into."""
    holder = call.values["holder"]
    institution, _, user = holder.partition("(")
    try:
        lock = Lock(institution=institution.strip(), user=user.rstrip(")").strip() or None,
                    last_activity=parse_moment(call.values["since"]))
    except ValueError as error:
        detail = error.detail if isinstance(error, AlmamatchError) else str(error)
        raise SpecError(holder, "bad_lock", detail or "a lock names the institution") from None
    world.set_lock(world.resolve_bib(call.values["bib"]), lock)


@step(StepKind.CONTEXT, "{bib} is released", topic=BIBS,
      example="And the bib the first export added is released")
def bib_released(world: World, call: StepCall) -> None:
    """The cataloger releases the bib in the Metadata Editor: it is no longer locked."""
    world.set_lock(world.resolve_bib(call.values["bib"]), None)


@step(StepKind.CONTEXT, "the incoming record:", topic=EXPORT, table=True, example="""
Given the incoming record:
  | tag | indicators | subfields                                |
  | LDR |            | 00000cam a2200000Ki 4500                 |
  | 001 |            | ocm01234567                              |
  | 003 |            | OCoLC                                    |
  | 005 |            | 20260301101500.0                         |
  | 019 | ##         | $a 7654321                               |
  | 035 | ##         | $a (OCoLC)1234567 $z (OCoLC)7654321      |
  | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |
""")
def incoming_table(world: World, call: StepCall) -> None:
    """The record the cataloger exports from Connexion, one MARC field per row: tag, indicators (#
    for blank) and subfields written "$a ... $z ...". Control fields (001-009) put their value in
    the subfields column. Without an LDR row the leader is a full-level UTF-8 book."""
    leader, fields = parse_fields(call.table, line=call.line)
    if leader is not None:
        world.incoming_leader = leader
    world.incoming_fields = list(fields)


@step(StepKind.CONTEXT, 'the incoming record is record {number} of "{path}"', topic=EXPORT,
      example='Given the incoming record is record 1 of "records/pride-and-prejudice.mrc"')
def incoming_file(world: World, call: StepCall) -> None:
    """The record the cataloger exports, read from a MARC file (ISO 2709 or MARCXML); the path is
    relative to the feature file, and records are counted from 1."""
    from almamatch.marc import read_bibs  # noqa: PLC0415 (MARC files are read only when a spec names one)

    path = call.base_dir / call.values["path"]
    number = call.values["number"]
    if not number.isdigit() or int(number) < 1:
        raise SpecError(number, "bad_number", "records are counted from 1")
    if not path.is_file():
        raise SpecError(str(path), "missing_file", f"no MARC file at {path}")
    for position, item in enumerate(read_bibs(path), start=1):
        if position == int(number):
            if not isinstance(item, Bib):
                raise SpecError(str(path), "unreadable_record",
                                f"record {number} of {path} cannot be read: {item}")
            world.incoming_leader = item.leader
            world.incoming_fields = list(item.fields)
            return
    raise SpecError(number, "no_such_record", f"{path} has fewer than {number} records")


@step(StepKind.CONTEXT, 'the incoming record\'s Leader/17 is "{code}"', topic=EXPORT,
      example='And the incoming record\'s Leader/17 is "K"')
def incoming_level(world: World, call: StepCall) -> None:
    """Changes the encoding level (Leader/17) of the incoming record; # for blank."""
    code = call.values["code"]
    if len(code) != 1:
        raise SpecError(code, "bad_level", "Leader/17 is one character, # for blank")
    character = " " if code == "#" else code
    world.incoming_leader = world.incoming_leader[:17] + character + world.incoming_leader[18:]


@step(StepKind.CONTEXT, 'the incoming record\'s Leader/09 is "{code}"', topic=EXPORT,
      example='And the incoming record\'s Leader/09 is "#"')
def incoming_coding(world: World, call: StepCall) -> None:
    """Changes the character coding scheme (Leader/09) of the incoming record: "a" for UTF-8
    (Unicode), "#" (blank) for MARC-8. Alma's import integration requires UTF-8."""
    code = call.values["code"]
    if len(code) != 1:
        raise SpecError(code, "bad_coding", "Leader/09 is one character: a (UTF-8) or # (MARC-8)")
    character = " " if code == "#" else code
    world.incoming_leader = world.incoming_leader[:9] + character + world.incoming_leader[10:]


@step(StepKind.CONTEXT, "the incoming record also has these fields:", topic=EXPORT, table=True,
      example="""
And the incoming record also has these fields:
  | tag | indicators | subfields  |
  | 019 | ##         | $a 7654321 |
""")
def incoming_more(world: World, call: StepCall) -> None:
    """Adds fields to the incoming record (as WorldCat changes a record between two exports: a
    merge of OCLC numbers adds an 019), each written as in the incoming-record table."""
    leader, fields = parse_fields(call.table, line=call.line)
    if leader is not None:
        world.incoming_leader = leader
    merged = [*world.incoming().fields, *fields]
    world.incoming_fields = sorted(merged, key=lambda one: one.tag)


@step(StepKind.CONTEXT, 'the incoming record\'s 005 is "{value}"', topic=EXPORT,
      example='And the incoming record\'s 005 is "20260301101500.0"')
def incoming_005(world: World, call: StepCall) -> None:
    """Sets the incoming record's 005 (date and time of latest transaction) exactly as written,
    malformed values included."""
    world.set_incoming_control("005", call.values["value"])


@step(StepKind.CONTEXT, "the incoming record has no 005", topic=EXPORT,
      example="And the incoming record has no 005")
def incoming_no_005(world: World, call: StepCall) -> None:
    """Removes the 005 from the incoming record."""
    world.set_incoming_control("005", None)


@step(StepKind.CONTEXT, "the incoming record has a {tag} field of {count} characters", topic=EXPORT,
      example="And the incoming record has a 505 field of 10000 characters")
def incoming_long_field(world: World, call: StepCall) -> None:
    """Adds a field whose $a holds that many characters (for the 9,999-octet limit of a MARC
    field, which a table cannot show)."""
    count = call.values["count"].replace(",", "")
    if not count.isdigit():
        raise SpecError(count, "not_a_number", "write the number of characters, e.g. 10000")
    world.add_incoming_field(call.values["tag"], (Subfield("a", "x" * int(count)),))


@step(StepKind.CONTEXT,
      'the incoming record has a {tag} field of {count} octets written with "{text}"',
      topic=EXPORT,
      example='And the incoming record has a 505 field of 10,000 octets written with "é"')
def incoming_octets_of(world: World, call: StepCall) -> None:
    """Adds a field that is exactly that many octets long as ISO 2709 counts it (indicators,
    subfield code, data and field terminator: what the 9,999-octet limit measures), its $a
    filled with the text repeated (in UTF-8 an accented letter is two octets or more), and
    completed with "x" if the text does not divide the length evenly."""
    world.add_incoming_field(call.values["tag"],
                             (Subfield("a", _filling(call.values["count"], call.values["text"])),))


@step(StepKind.CONTEXT, "the incoming record has a {tag} field of {count} octets", topic=EXPORT,
      example="And the incoming record has a 505 field of 9,999 octets")
def incoming_octets(world: World, call: StepCall) -> None:
    """Adds a field that is exactly that many octets long as ISO 2709 counts it (indicators,
    subfield code, data and field terminator), its $a filled with "x"."""
    world.add_incoming_field(call.values["tag"],
                             (Subfield("a", _filling(call.values["count"], "x")),))


#: The octets of a one-subfield data field beside its data: two indicators, the subfield
#: delimiter and code, the field terminator ("a field may contain a maximum of 9999 octets",
#: the four-digit length of the directory, terminator included).
_FIELD_FRAME_OCTETS = 5


def _filling(count_text: str, text: str) -> str:
    count = count_text.replace(",", "")
    if not count.isdigit() or int(count) <= _FIELD_FRAME_OCTETS:
        raise SpecError(count_text, "not_a_number",
                        f"write the field's length in octets, more than {_FIELD_FRAME_OCTETS} "
                        "(indicators, subfield code and terminator), e.g. 10,000")
    if not text:
        raise SpecError(text, "no_text", 'write the text to repeat, e.g. "é"')
    room = int(count) - _FIELD_FRAME_OCTETS
    unit = len(text.encode("utf-8"))
    return text * (room // unit) + "x" * (room % unit)


@step(StepKind.CONTEXT, 'the Gateway Export logs on as "{logon_id}" with password "{password}"',
      topic=EXPORT,
      example='And the Gateway Export logs on as "01CARLI_XYZ" with password "secret"')
def logon(world: World, call: StepCall) -> None:
    """The Logon ID and password in the cataloger's Gateway Export settings. Without this step the
    export uses the zone's logon ID and the first profile's password."""
    world.export_logon_id = call.values["logon_id"]
    world.export_password = call.values["password"]


@step(StepKind.CONTEXT, 'the Gateway Export sends to host "{host}"', topic=EXPORT,
      example='And the Gateway Export sends to host "i-share-network.alma.exlibrisgroup.com"')
def export_host(world: World, call: StepCall) -> None:
    """The Host Name in the Gateway Export settings. Without this step it is the zone's host."""
    world.export_host = call.values["host"]


@step(StepKind.CONTEXT, 'the time now is "{moment}"', topic=EXPORT,
      example='And the time now is "March 5, 2026 10:29 AM"')
def time_now(world: World, call: StepCall) -> None:
    """The moment of the exports that follow, written as almamatch's --now takes it (2026-03-05
    10:29, or March 5, 2026 10:29 AM; no zone means UTC); locks lapse 60 minutes after the last
    activity, counted from here."""
    try:
        world.now = parse_moment(call.values["moment"])
    except ValueError as error:
        raise SpecError(call.values["moment"], "bad_time", str(error)) from None


@step(StepKind.ACTION, "the record is exported", topic=EXPORT,
      example="When the record is exported")
def export(world: World, call: StepCall) -> None:
    """Sends the incoming record through the Gateway Export: Alma decides to add it, merge it or
    refuse it, and the Then steps that follow check that decision. A scenario may export several
    times: each export is decided against the zone as the exports before it left it (the first
    one's added bib is there for the second to match), and the Given steps between them change
    the record, the time or the zone for the next one."""
    world.export()


@step(StepKind.ACTION, "the record is exported again", topic=EXPORT,
      example="When the record is exported again")
def export_again(world: World, call: StepCall) -> None:
    """Another export, decided against the zone as the exports before it left it; the same as
    "the record is exported", for scenarios that read better with "again"."""
    world.export()
