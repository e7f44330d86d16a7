"""A filled document (:mod:`registry.reports.documentfill`) as HTML, Markdown or JSON.

HTML is printable (print CSS, landmarks, tables with header scopes), in the style of the
per-contract report; Markdown is the same content for a pull request or a wiki; JSON keeps the
template's own structure (sections and element ids: for the ATRS, its tiers and attribute
names) with every value's sources and every gap's status, for scripts.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from registry.reports.documentfill import DocumentGap, FilledDocument, FilledElement, Value

__all__ = ["FORMATS", "document_dict", "render_document", "stylesheet_text"]

Format = Literal["html", "md", "json"]
FORMATS: tuple[Format, ...] = ("html", "md", "json")

_ENVIRONMENT = Environment(
    loader=PackageLoader("registry.reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _value(value: Value) -> dict[str, Any]:
    return {"text": value.text, "iri": value.iri, "subject": value.subject,
            "subjectLabel": value.subject_label, "property": value.predicate,
            "note": value.note or None,
            "sources": [{"label": s.label, "url": s.url} for s in value.sources]}


def _gap(gap: DocumentGap) -> dict[str, Any]:
    return {"status": gap.status, "entity": gap.entity, "entityLabel": gap.entity_label,
            "property": gap.prop, "propertyLabel": gap.prop_label, "why": gap.why or None,
            "sources": [{"label": s.label, "url": s.url} for s in gap.sources]}


def _element(filled: FilledElement) -> dict[str, Any]:
    element = filled.element
    return {"id": element.id, "reference": element.reference, "section": element.section,
            "heading": element.heading, "question": element.question,
            "covers": element.covers, "status": filled.status,
            "values": [_value(v) for v in filled.values], "gaps": [_gap(g) for g in filled.gaps]}


def document_dict(document: FilledDocument) -> dict[str, Any]:
    """The document as a JSON-ready dict with stable keys."""
    kind = document.kind
    return {
        "kind": kind.id, "title": kind.title, "version": kind.version or None,
        "rule": kind.rule, "entity": document.iri, "entityLabel": document.label,
        "year": document.year, "generated": document.generated.isoformat(),
        "law": {"label": kind.law.label, "url": kind.law.url,
                "applies": document.binding.binds, "where": document.binding.where,
                "statement": document.binding.text},
        "counts": document.counts(),
        "sections": [{"entity": s.iri, "label": s.label,
                      "elements": [_element(e) for e in s.elements]}
                     for s in document.sections],
    }


def render_document(document: FilledDocument, fmt: Format = "html",
                    stylesheet: str | None = None) -> str:
    """The document in ``fmt``: ``html``, ``md`` or ``json``. HTML carries its style inline,
    or links ``stylesheet`` (for a server whose CSP allows no inline style)."""
    if fmt == "json":
        return json.dumps(document_dict(document), indent=2, ensure_ascii=False) + "\n"
    template = _ENVIRONMENT.get_template("document.html" if fmt == "html" else "document.md")
    return template.render(doc=document, kind=document.kind, stylesheet=stylesheet)


def stylesheet_text() -> str:
    """The documents' CSS (what the HTML inlines without a stylesheet)."""
    loader = _ENVIRONMENT.loader
    assert loader is not None
    return loader.get_source(_ENVIRONMENT, "document.css")[0]
