"""Alma's save-time rules on a bib: 003 folded into 035 $a, and the MMS ID in 001 (S18)."""

from __future__ import annotations

import pytest

from almamatch.core import Bib, ControlField, DataField, assign_mms_id, fold_003

LEADER = "00000nam a2200000 a 4500"


def bib(*fields: ControlField | DataField) -> Bib:
    return Bib(leader=LEADER, fields=fields)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # "Alma creates a 035 field with the system number in field 001 prefixed by the
        # information in the 003 field in brackets. It then removes the 003 field."
        (
            bib(ControlField("001", "ocm01234567"), ControlField("003", "OCoLC")),
            bib(ControlField("001", "ocm01234567"),
                DataField.of("035", "  ", ("a", "(OCoLC)ocm01234567"))),
        ),
        # the same 035 $a already there: not added twice
        (
            bib(ControlField("001", "1234"), ControlField("003", "OCoLC"),
                DataField.of("035", "  ", ("a", "(OCoLC)1234"))),
            bib(ControlField("001", "1234"), DataField.of("035", "  ", ("a", "(OCoLC)1234"))),
        ),
        # no 003: nothing to fold
        (bib(ControlField("001", "1234")), bib(ControlField("001", "1234"))),
        # 003 without 001: 003 goes, no 035
        (bib(ControlField("003", "DLC")), bib()),
    ],
)
def test_fold_003(before: Bib, after: Bib) -> None:
    assert fold_003(before) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # "After saving, 001 holds the MMS ID."
        (bib(ControlField("001", "ocm01234567")), bib(ControlField("001", "9912345681"))),
        (bib(DataField.of("245", "10", ("a", "T"))),
         bib(ControlField("001", "9912345681"), DataField.of("245", "10", ("a", "T")))),
        (bib(ControlField("001", "9912345681")), bib(ControlField("001", "9912345681"))),
    ],
)
def test_assign_mms_id(before: Bib, after: Bib) -> None:
    assert assign_mms_id(before, "9912345681") == after
