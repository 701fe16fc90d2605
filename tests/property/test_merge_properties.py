"""Properties of merge methods over generated records and real corpus records.

"Overlay all fields but local" never loses a local field and keeps the existing 001; "Keep only
old value" returns the existing fields; apply is deterministic; merged fields are in tag order;
rule text written by ``format_merge_rule`` parses back to the same method.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.core import Bib, ControlField, DataField, Subfield
from almamatch.core.merge import (
    HasSubfield,
    Indicators,
    LocalExtension,
    MergeAction,
    MergeMethod,
    MergeRule,
    TagPattern,
)
from almamatch.rules.merge import format_merge_rule, parse_merge_rule
from corpus_files import corpus_bibs

REAL = corpus_bibs("folio_test1_err.mrc", 20) + corpus_bibs(
    "marc4j_pride-and-prejudice-fixed.mrc", 20
)

LEADER = "00000nam a2200000 i 4500"
control_fields = st.builds(
    ControlField,
    st.sampled_from(["001", "003", "005", "008"]),
    st.text(alphabet="0123456789ocmn", max_size=12),
)
subfields = st.lists(
    st.builds(
        Subfield,
        st.sampled_from("a9bz"),
        st.sampled_from(["(OCoLC)123", "LOCAL", "local", "x", "ADM6157", ""]),
    ),
    min_size=1,
    max_size=3,
)
data_fields = st.builds(
    DataField,
    st.sampled_from(["020", "035", "090", "245", "500", "590", "650", "690", "949", "979", "999"]),
    st.sampled_from(" 9"),
    st.sampled_from(" 09"),
    subfields,
)
generated = st.builds(
    Bib,
    leader=st.just(LEADER),
    fields=st.lists(st.one_of(control_fields, data_fields), max_size=12),
)
bibs = st.one_of(generated, st.sampled_from(REAL))
OVERLAY = MergeMethod.preset("Overlay all fields but local")
KEEP = MergeMethod.preset("Keep only old value")


def is_local(one: ControlField | DataField) -> bool:
    """A field "Overlay all fields but local" must keep: 9XX, $9 LOCAL, 035 first indicator 9."""
    if one.tag.startswith("9") or LocalExtension().holds(one):
        return True
    return isinstance(one, DataField) and one.tag == "035" and one.indicators == "9 "


@given(existing=bibs, incoming=bibs)
def test_overlay_never_loses_a_local_field(existing: Bib, incoming: Bib) -> None:
    merged = OVERLAY.apply(existing, incoming)
    kept = list(merged.fields)
    for one in existing.fields:
        if is_local(one):
            kept.remove(one)  # raises if lost: every copy of a local field is kept
    assert merged.get_fields("001") == existing.get_fields("001")


@given(existing=bibs, incoming=bibs)
def test_keep_only_old_value_returns_the_existing_fields(existing: Bib, incoming: Bib) -> None:
    merged = KEEP.apply(existing, incoming)
    assert sorted(merged.fields, key=repr) == sorted(existing.fields, key=repr)
    assert merged.leader == existing.leader


patterns = st.sampled_from(["LDR", "035", "245", "0XX", "9XX", "59X", "6XX"]).map(TagPattern)
conditions = st.one_of(
    st.builds(
        HasSubfield,
        code=st.sampled_from("a9"),
        contains=st.sampled_from(["OCoLC", "LOCAL", "ADM"]),
        tag=st.sampled_from(["035", "590", "950"]),
    ),
    st.builds(
        Indicators,
        first=st.sampled_from(" 9"),
        second=st.sampled_from(" 9"),
        tag=st.sampled_from(["035", "650"]),
    ),
)
rules = st.builds(
    MergeRule,
    action=st.sampled_from(MergeAction),
    pattern=patterns,
    excluding=st.lists(st.sampled_from(["001", "035", "979", "99X"]), max_size=2),
    when=st.lists(conditions, max_size=2),
    unless=st.lists(conditions, max_size=1),
)
methods = st.one_of(
    st.sampled_from([MergeMethod.preset(name) for name in MergeMethod.preset_names()]),
    st.builds(
        MergeMethod,
        name=st.text(alphabet="ABCabc 0123()-", min_size=1, max_size=20),
        rules=st.lists(rules, max_size=6),
    ),
)


@settings(deadline=None)  # what this checks is the result, not the time on a shared machine
@given(method=methods, existing=bibs, incoming=bibs)
def test_apply_is_deterministic_and_in_tag_order(
    method: MergeMethod, existing: Bib, incoming: Bib
) -> None:
    merged = method.apply(existing, incoming)
    assert merged == method.apply(existing, incoming)
    tags = [one.tag for one in merged.fields]
    assert tags == sorted(tags)


@settings(max_examples=200)
@given(method=methods.filter(lambda m: not any(r.pattern.text == "*" for r in m.rules)))
def test_rule_text_reads_back(method: MergeMethod) -> None:
    assert parse_merge_rule(format_merge_rule(method)) == method
