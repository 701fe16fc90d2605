"""Coverage-guided fuzzing of what configures a run (profile and gateway TOML, facts CSV, the
moment) with atheris, down to ``decide()``.

Theory of operation: the first byte chooses what the rest of the input is. A profile TOML or
gateway settings TOML loads or raises an ``AlmamatchError`` (never ``UnicodeDecodeError``,
``RecursionError`` or ``TypeError``); a profile that loads decides a real record without raising.
A facts CSV (byte-order mark or none) loads or raises ``InvalidFactsFile``; each lock it gives is
judged by ``decide()`` at a moment built from the input (any year, any offset the ``tzinfo``
gives, 24 hours and more included) without raising, and the facts written back read back equal.
Run at length with ``python tests/fuzz/fuzz_config.py -max_total_time=600 SEED_DIR``.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports():
    from dateutil.tz import tzoffset

    from almamatch.core.decide import decide
    from almamatch.core.errors import AlmamatchError
    from almamatch.core.lock import Lock
    from almamatch.core.profile import IntegrationProfile
    from almamatch.core.record import Bib, ControlField, DataField, Subfield
    from almamatch.core.zone import Export, InMemoryZone, Zone, ZoneKind
    from almamatch.gateway import GatewaySettings, check_gateway
    from almamatch.gateway.zones import InvalidGatewaySettings
    from almamatch.zonefiles.facts import InvalidFactsFile, facts_from_rows, facts_to_csv
    from almamatch.zonefiles.profiles import InvalidProfileFile, profile_from_mapping
    from almamatch.zonefiles.tomlfile import toml_document

HOST = "i-share-xyz.alma.exlibrisgroup.com"
RECORD = Bib(leader="00000nam a2200000 a 4500", fields=[
    ControlField("001", "ocm00012345"), ControlField("003", "OCoLC"),
    ControlField("005", "20260301120000.0"),
    DataField("245", "1", "0", [Subfield("a", "Title")]),
])


def _decide(profile: IntegrationProfile, lock: Lock | None, now: datetime) -> None:
    store = InMemoryZone()
    zone = Zone(kind=ZoneKind.INSTITUTION, institution="01CARLI_XYZ", host=HOST,
                logon_id="01CARLI_XYZ", profiles=(profile,), bibs=store)
    export = Export(record=RECORD, logon_id="01CARLI_XYZ", password=profile.password, host=HOST)
    store.apply(decide(export, zone, now))  # adds the record under a new MMS ID
    if lock is not None:
        for mms_id in list(store):
            store.lock(mms_id, lock)
    decide(export, zone, now)


def _moment(data: atheris.FuzzedDataProvider) -> datetime:
    year = data.ConsumeIntInRange(1, 9999)
    moment = datetime(year, data.ConsumeIntInRange(1, 12), data.ConsumeIntInRange(1, 28),
                      data.ConsumeIntInRange(0, 23), data.ConsumeIntInRange(0, 59))
    offset = data.ConsumeIntInRange(-200_000, 200_000)  # seconds: past +-24 hours both ways
    return moment.replace(tzinfo=tzoffset(None, offset) if offset % 3 else UTC)


def test_one_input(raw: bytes) -> None:
    if not raw:
        return
    kind, body = raw[0] % 3, raw[1:]
    if kind == 0:
        try:
            document = toml_document(body, "fuzz.toml", InvalidProfileFile)
            loaded = profile_from_mapping(document, source="fuzz.toml")
        except AlmamatchError:
            return
        _decide(loaded.profile, None, datetime(2026, 3, 5, 12, tzinfo=UTC))
    elif kind == 1:
        try:
            check_gateway(GatewaySettings.from_mapping(
                toml_document(body, "fuzz.toml", InvalidGatewaySettings)))
        except AlmamatchError:
            return
    else:
        data = atheris.FuzzedDataProvider(body)
        now = _moment(data)
        text = data.ConsumeBytes(data.remaining_bytes()).decode("utf-8", "replace")
        try:
            rows = facts_from_rows(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))),
                                   source="fuzz.csv")
        except (InvalidFactsFile, csv.Error):
            return
        again = facts_from_rows(csv.DictReader(io.StringIO(facts_to_csv(rows.values()))),
                                source="again.csv")
        assert list(again) == list(rows)
        for row in list(rows.values())[:4]:
            assert again[row.mms_id] == row, (row, again[row.mms_id])
            _decide(IntegrationProfile.carli(password="pw"), row.lock, now)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
