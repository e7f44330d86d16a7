"""A registry diff as one self-contained HTML page (``cityreg diff --format html``).

The page needs nothing else: its style is inline, it loads no script, font or image, so it can
be mailed, attached to a report or opened from disk. Every text from the registries is escaped;
only ``http`` and ``https`` IRIs become links. Each entity is a section with a table of its
changed fields (values gone struck through, new ones underlined), then the findings that
appeared and those resolved, then the same summary line as the text report.
"""

from __future__ import annotations

from html import escape

from registry.history.diff import EntityChange, FieldChange, FindingChange, RegistryDiff
from registry.history.difftext import summary

_STYLE = """
:root { --ink: #1b1f23; --muted: #4a535c; --line: #c8d0d8;
        --link: #0b5394; --added: #1e6b33; --removed: #a4161a;
        --violation: #a4161a; --warning: #7a4a00; --info: #2e5a88; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       line-height: 1.5; color: var(--ink); background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem 1rem 2rem; overflow-wrap: anywhere; }
a { color: var(--link); }
h1 { font-size: 1.75rem; line-height: 1.2; margin: .5rem 0; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin-bottom: 0; }
dl.sides { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.sides dt { font-weight: 600; }
dl.sides dd { margin: 0; }
.summary { font-weight: 600; }
.iri { font-family: ui-monospace, monospace; font-size: .9rem; color: var(--muted); margin: 0; }
.kinds { color: var(--muted); margin: 0 0 .5rem; }
.change { display: inline-block; padding: 0 .4rem; border-radius: 3px; color: #fff;
          font-size: .85rem; font-weight: 600; vertical-align: middle; }
.change-added, .change-appeared { background: var(--added); }
.change-removed, .change-resolved { background: var(--removed); }
.change-changed { background: var(--link); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem;
         border-bottom: 1px solid var(--line); }
th[scope="row"] { width: 30%; font-weight: 600; }
ul.values { margin: 0; padding-left: 1.1rem; white-space: pre-wrap; }
del { color: var(--removed); }
ins { color: var(--added); }
.severity { display: inline-block; padding: 0 .4rem; border-radius: 3px; color: #fff;
            font-size: .85rem; font-weight: 600; }
.severity-violation { background: var(--violation); }
.severity-warning { background: var(--warning); }
.severity-info { background: var(--info); }
ul.findings { padding-left: 0; list-style: none; }
ul.findings li { margin-bottom: .75rem; }
ul.findings p { margin: .25rem 0 0; }
""".strip()

_FINDING_HEADINGS = {"appeared": "Findings that appeared", "resolved": "Findings resolved"}


def render_html(diff: RegistryDiff, *, findings_compared: bool = True) -> str:
    """The whole page, ending with a newline."""
    title = f"What changed: {diff.before} → {diff.after}"
    body = [f"<h1>{escape(title)}</h1>",
            '<dl class="sides">',
            f"<dt>Before</dt><dd>{escape(diff.before)}</dd>",
            f"<dt>After</dt><dd>{escape(diff.after)}</dd>",
            "</dl>",
            f'<p class="summary">{escape(summary(diff, findings_compared=findings_compared))}'
            "</p>"]
    if diff.entities:
        body.append("<h2>Entities</h2>")
        body += [_entity(entity) for entity in diff.entities]
    for change, heading in _FINDING_HEADINGS.items():
        findings = [finding for finding in diff.findings if finding.change == change]
        if findings:
            body += [f"<h2>{heading}</h2>", '<ul class="findings">',
                     *(_finding(finding) for finding in findings), "</ul>"]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
    ]) + "\n"


def _iri(iri: str) -> str:
    """The IRI, as a link when it is one a browser can safely follow."""
    text = escape(iri)
    if iri.startswith(("http://", "https://")):
        return f'<a href="{escape(iri, quote=True)}">{text}</a>'
    return text


def _entity(entity: EntityChange) -> str:
    kinds = (f'<p class="kinds">{escape(", ".join(entity.types))}</p>' if entity.types
             else "")
    rows = "\n".join(_field(field) for field in entity.fields)
    return (f'<section class="entity">\n'
            f'<h3><span class="change change-{escape(entity.change)}">'
            f"{escape(entity.change)}</span> {escape(entity.label)}</h3>\n"
            f'<p class="iri">{_iri(entity.iri)}</p>\n{kinds}\n'
            "<table>\n<thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Removed</th>"
            "<th scope=\"col\">Added</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>")


def _field(field: FieldChange) -> str:
    return (f'<tr><th scope="row">{escape(field.label)}</th>'
            f"<td>{_values(field.removed, 'del')}</td>"
            f"<td>{_values(field.added, 'ins')}</td></tr>")


def _values(values: tuple[str, ...], tag: str) -> str:
    if not values:
        return ""
    items = "".join(f"<li><{tag}>{escape(value)}</{tag}></li>" for value in values)
    return f'<ul class="values">{items}</ul>'


def _finding(finding: FindingChange) -> str:
    severity = escape(finding.severity)
    return (f'<li><span class="change change-{escape(finding.change)}">'
            f"{escape(finding.change)}</span> "
            f'<span class="severity severity-{severity}">{severity}</span> '
            f"<strong>{escape(finding.rule)}</strong> on {escape(finding.focus_label)} "
            f'<span class="iri">{_iri(finding.focus)}</span>'
            f"<p>{escape(finding.message)} [{escape(finding.source)}]</p></li>")
