"""Records written as catalogers write them, for the rule-language tests.

One field a line: ``LDR <24 characters>``, ``001 value`` for a control field, ``245 10 $a Title
$c Name`` for a data field (two indicator characters, ``_`` for a blank, then subfields).
"""

from __future__ import annotations

from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield

__all__ = ["LEADER", "record", "written"]

LEADER = "00000nam a2200000 a 4500"


def record(text: str) -> Bib:
    leader = LEADER
    fields: list[Field] = []
    for raw in text.strip().splitlines():
        if not raw.strip():
            continue
        tag, _, rest = raw.strip().partition(" ")
        if tag == "LDR":
            leader = rest
        elif tag.startswith("00") and tag.isdigit():
            fields.append(ControlField(tag, rest.replace("_", " ")))
        else:
            indicators, _, subfields = rest.partition(" ")
            parts = subfields.split("$")[1:]
            fields.append(DataField(tag, indicators[0].replace("_", " "),
                                    indicators[1].replace("_", " "),
                                    [Subfield(part[0], part[2:].rstrip(" ")
                                              if part[1:2] == " " else part[1:].rstrip(" "))
                                     for part in parts]))
    return Bib(leader=leader, fields=fields)


def written(bib: Bib) -> str:
    lines = [f"LDR {bib.leader}"]
    for one in bib.fields:
        if isinstance(one, ControlField):
            lines.append(f"{one.tag} {one.value.replace(' ', '_')}")
        else:
            inds = (one.indicator1 + one.indicator2).replace(" ", "_")
            lines.append(f"{one.tag} {inds} " + " ".join(f"${s.code} {s.value}"
                                                         for s in one.subfields))
    return "\n".join(lines)
