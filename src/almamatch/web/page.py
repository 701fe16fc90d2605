"""The page at ``/``: a form for one record and what Alma did with it, rendered as plain HTML.

Theory of operation: the page is one HTML document written here from values, every text escaped
(``html.escape``); there is no template language and no build step. The form posts back to ``/``
(``multipart/form-data``: a pasted record, an uploaded file or one of the server's examples, dry
run or apply, and optionally the logon, password and time), so the page works without
JavaScript; ``static/page.js`` only fills the text box from a picked example and swaps the result
in without reloading. The result shows what Connexion would show (the host message, and "Import
Failed" above it for a refusal), the code and MMS ID, the evidence, the trace with every stage
that blocked marked, the steps to resolve a refusal, and for a merge the existing record beside
the merged one with the fields that changed highlighted.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Final

from aiohttp import web
from attrs import frozen
from multidict import MultiDictProxy

from almamatch.codec import converter
from almamatch.core.decision import Add, Decision, Failure, Merge, Stage, Verdict, named_mms_id
from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib, DataField
from almamatch.marc import bib_to_marc_json, bib_to_marcxml
from almamatch.web.problems import Problem
from almamatch.web.service import HttpZone, Logon, Outcome

__all__ = ["FormInput", "render_page"]

#: The decision's members that are not evidence: shown in their own places on the page.
_NOT_EVIDENCE: Final = frozenset(
    {"code", "host_message", "resolution", "trace", "record", "mms_id"})


@frozen(kw_only=True)
class FormInput:
    """What the form sent (or nothing yet): the record by one of three routes, and the options."""

    record_text: str = ""
    upload: bytes = b""
    example: str = ""
    dry_run: bool = True
    logon_id: str = ""
    password: str = ""
    now: str = ""

    @classmethod
    def from_form(cls, form: MultiDictProxy[Any]) -> FormInput:
        upload = form.get("file")
        data = upload.file.read() if isinstance(upload, web.FileField) else b""

        def text(name: str) -> str:
            value = form.get(name, "")
            return value if isinstance(value, str) else ""

        return cls(record_text=text("record"), upload=data, example=text("example"),
                   dry_run=text("mode") != "apply", logon_id=text("logon"),
                   password=text("password"), now=text("now"))

    def record_bytes(self, examples: Sequence[tuple[int, Bib]]) -> bytes:
        """The record sent: the uploaded file, else the picked example, else the pasted text.

        The example comes before the text because the page shows a picked example in the text
        box: without JavaScript, picking another one must not send the one shown before
        (``page.js`` unpicks the example when the text is edited)."""
        if self.upload.strip():
            return self.upload
        chosen = self.chosen(examples)
        if chosen is not None:
            return example_text(chosen).encode("utf-8", "surrogateescape")
        if self.record_text.strip():
            return self.record_text.encode("utf-8", "surrogateescape")
        raise Problem(422, "no_record", "Paste a record, upload a file or pick an example.")

    def chosen(self, examples: Sequence[tuple[int, Bib]]) -> Bib | None:
        for index, bib in examples:
            if str(index) == self.example:
                return bib
        return None

    def logon(self) -> Logon:
        return Logon(logon_id=self.logon_id or None, password=self.password or None)


def example_text(bib: Bib) -> str:
    """An example record as the text box shows it: MARCXML, or MARC-in-JSON for a record that
    XML cannot carry (a character XML 1.0 forbids)."""
    try:
        return bib_to_marcxml(bib)
    except InvalidRecord:
        return bib_to_marc_json(bib)


def _changed(before: list[str], after: list[str]) -> tuple[set[int], set[int]]:
    """The lines of each side that the other does not have where it has them."""
    gone: set[int] = set()
    new: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after,
                                                        autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            gone.update(range(i1, i2))
        if tag in ("replace", "insert"):
            new.update(range(j1, j2))
    return gone, new


def _record_table(caption: str, lines: list[str], marked: set[int], label: str) -> str:
    rows = []
    for number, line in enumerate(lines):
        text = escape(line)
        if number in marked:
            rows.append(f'<li class="changed"><mark><span class="visually-hidden">{label}: '
                        f"</span>{text}</mark></li>")
        else:
            rows.append(f"<li>{text}</li>")
    return (f'<figure class="record"><figcaption>{escape(caption)}</figcaption>'
            f'<ol class="marc">{"".join(rows)}</ol></figure>')


def _evidence(decision: Decision) -> str:
    document: dict[str, Any] = converter.unstructure(decision)
    rows = []
    for name, value in document.items():
        if name in _NOT_EVIDENCE:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                indent=1)
        rows.append(f"<dt>{escape(name.replace('_', ' '))}</dt>"
                    f'<dd><code class="evidence-value">{escape(str(shown))}</code></dd>')
    if not rows:
        return ""
    return f'<h3>Evidence</h3><dl class="evidence">{"".join(rows)}</dl>'


def _trace(decision: Decision) -> str:
    rows = []
    for number, step in enumerate(decision.trace, start=1):
        # The outcome stage only states the result; the stages before it are what blocked.
        blocked = step.verdict is Verdict.FAILED and step.stage is not Stage.OUTCOME
        verdict = escape(step.verdict.value.replace("_", " "))
        mark = f'<strong class="blocked-mark">{verdict}: blocked</strong>' if blocked else verdict
        rows.append(f'<tr class="{"blocked" if blocked else escape(step.verdict.value)}">'
                    f"<td>{number}</td><th scope=\"row\">{escape(step.stage.value)}</th>"
                    f"<td>{mark}</td><td>{escape(step.detail)}</td></tr>")
    return ('<h3>Trace</h3><div class="scroll"><table class="trace"><caption>Every stage in '
            'order; a stage that blocked the record is marked.</caption><thead><tr>'
            '<th scope="col">#</th><th scope="col">Stage</th><th scope="col">Verdict</th>'
            f'<th scope="col">What it saw</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def _records(outcome: Outcome) -> str:
    decision = outcome.decision
    if isinstance(decision, Merge) and decision.record is not None and outcome.before is not None:
        before, after = list(outcome.before.lines()), list(decision.record.lines())
        gone, new = _changed(before, after)
        return ('<h3>The merge</h3><p>Fields that differ are highlighted.</p>'
                '<div class="records">'
                + _record_table(f"Existing record, MMS ID {decision.mms_id}", before, gone,
                                "replaced or removed")
                + _record_table("Merged record", after, new, "new or changed")
                + "</div>")
    if isinstance(decision, Add):
        return ('<h3>The record as Alma stores it</h3><div class="records">'
                + _record_table(f"New bib, MMS ID {decision.mms_id}",
                                list(decision.record.lines()), set(), "")
                + "</div>")
    return ""


def _result(outcome: Outcome) -> str:
    decision = outcome.decision
    failed = isinstance(decision, Failure)
    mms_id = named_mms_id(decision)
    mode = ("applied: the zone now holds this outcome" if outcome.applied
            else "dry run: the zone did not change")
    steps = ""
    if isinstance(decision, Failure):
        items = "".join(f"<li>{escape(step)}</li>" for step in decision.resolution)
        steps = f"<h3>Steps to resolve</h3><ol>{items}</ol>"
    return (
        '<h2 id="result-heading" tabindex="-1">What Connexion shows</h2>'
        f'<div class="host {"failure" if failed else "success"}" '
        f'data-code="{escape(decision.code.value)}">'
        f'<p id="host-message">{escape(decision.host_message)}</p></div>'
        '<dl class="summary">'
        f'<dt>Code</dt><dd id="code">{escape(decision.code.value)}</dd>'
        f'<dt>MMS ID</dt><dd id="mms-id">{escape(mms_id) if isinstance(mms_id, str) else "none"}'
        f'</dd><dt>Mode</dt><dd id="mode">{escape(mode)}</dd></dl>'
        + _evidence(decision) + _trace(decision) + steps + _records(outcome)
    )


def _problem(problem: Problem) -> str:
    return ('<h2 id="result-heading" tabindex="-1">No decision</h2>'
            f'<div class="problem" role="alert" data-code="{escape(problem.code)}">'
            f"<p>{escape(problem.detail)}</p></div>")


def _options(examples: Iterable[tuple[int, Bib]], chosen: str) -> str:
    options = ['<option value="">none</option>']
    for index, bib in examples:
        title = next((sub.value for one in bib.fields
                      if isinstance(one, DataField) and one.tag == "245"
                      for sub in one.subfields if sub.code == "a"), "")
        offered = bib.oclc_numbers  # derived on each use: once here
        numbers = offered.active or offered.cancelled
        label = f"{index}: {numbers[0].literal if numbers else 'no OCLC number'} {title}"
        selected = " selected" if str(index) == chosen else ""
        options.append(f'<option value="{index}"{selected} '
                       f'data-record="{escape(example_text(bib))}">'
                       f"{escape(label.strip()[:90])}</option>")
    return "".join(options)


def render_page(service: HttpZone, given: FormInput,
                result: Outcome | Problem | None) -> str:
    """The whole page: the form as it was sent, and the result when there is one."""
    zone = service.zone
    chosen = None if given.upload.strip() else given.chosen(service.examples)
    text = given.record_text if chosen is None else example_text(chosen)
    examples = ""
    if service.examples:
        examples = ('<div class="field"><label for="example">or pick an example (sent instead '
                    'of the text above)</label>'
                    f'<select id="example" name="example">'
                    f"{_options(service.examples, given.example)}</select></div>")
    checked_dry = " checked" if given.dry_run else ""
    checked_apply = "" if given.dry_run else " checked"
    match result:
        case None:
            shown = ""
        case Problem():
            shown = _problem(result)
        case Outcome():
            shown = _result(result)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>almamatch: what Alma does with a Connexion export</title>
<link rel="stylesheet" href="/static/page.css">
<script src="/static/page.js" defer></script>
</head>
<body>
<header>
<h1>What Alma does with this export</h1>
<p>Paste a record exported from OCLC Connexion, upload it, or pick an example, and see what Alma
does with it in zone <strong>{escape(zone.institution)}</strong> ({escape(zone.kind.value)} zone,
{escape(zone.host)}): add it, merge it, or refuse it.</p>
</header>
<main>
<form id="decide-form" method="post" action="/" enctype="multipart/form-data">
<div class="field"><label for="record">Record (MARCXML, MARC-in-JSON or ISO 2709)</label>
<textarea id="record" name="record" rows="8" spellcheck="false" autocomplete="off">
{escape(text)}</textarea></div>
<div class="field"><label for="file">or upload a record file</label>
<input id="file" name="file" type="file"></div>
{examples}
<fieldset><legend>Export as</legend>
<label><input type="radio" name="mode" value="dry_run"{checked_dry}>
Dry run: decide, change nothing</label>
<label><input type="radio" name="mode" value="apply"{checked_apply}>
Apply: decide and keep the outcome in the zone</label>
</fieldset>
<details><summary>Logon and time (optional)</summary>
<div class="field"><label for="logon">Logon ID (default: the zone's)</label>
<input id="logon" name="logon" autocomplete="username" value="{escape(given.logon_id)}"></div>
<div class="field"><label for="password">Password (default: the profile's)</label>
<input id="password" name="password" type="password" autocomplete="current-password"></div>
<div class="field"><label for="now">Time of the export (default: now)</label>
<input id="now" name="now" placeholder="2026-03-05T10:30" value="{escape(given.now)}"></div>
</details>
<button type="submit">Export to Alma</button>
</form>
<section id="result" aria-live="polite">{shown}</section>
</main>
<footer><p>The same decision as <code>almamatch decide</code>; the API is described at
<a href="/openapi.json">/openapi.json</a>.</p></footer>
</body>
</html>
"""
