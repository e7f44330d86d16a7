"""The generated documents on the site: ``/report/<kind>/<path>`` and the links to them.

``<path>`` is the entity's, as in ``/id/<path>``; ``<kind>`` a built-in report kind
(:mod:`registry.reports.documents`). The page is the printable HTML document;
``/report/<kind>/<path>.md`` and ``.json`` give Markdown and JSON. An annual report takes
``?year=YYYY`` (default: the year before the context's reference date).

:func:`report_routes` gives the route; :func:`report_links` the documents that apply to an
entity, as (title, href) pairs, for its page (``templates/_report_links.html`` renders them).
A served registry does not change: each answer is made once and kept (bounded in bytes, as the
trace pages' are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from rdflib import URIRef
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from registry.errors import CityregError
from registry.reports.documentfill import fill_document, find_entity
from registry.reports.documentrender import render_document, stylesheet_text
from registry.reports.documents import DocumentKind, builtin_kinds
from registry.web.traceserve import AnswerCache

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

__all__ = ["REPORT_ROOT", "STYLESHEET", "ReportLink", "report_files", "report_href",
           "report_links", "report_routes"]

#: The site path under which documents live, and their stylesheet.
REPORT_ROOT = "/report/"
STYLESHEET = "/report/document.css"
_MEDIA = {".json": "application/json", ".md": "text/markdown; charset=utf-8",
          ".html": "text/html; charset=utf-8", "": "text/html; charset=utf-8"}


@cache
def _kinds() -> dict[str, DocumentKind]:
    return builtin_kinds()


def report_href(linker: Linker, kind: str, iri: str, extension: str = "") -> str | None:
    """The href of document ``kind`` about ``iri`` (None for an IRI outside the entity base)."""
    page = linker.entity_path(iri)
    return None if page is None else linker.href(
        f"{REPORT_ROOT}{kind}/{page[len('/id/'):]}{extension}")


def _applies(context: RegistryContext, kind: DocumentKind, iri: str) -> bool:
    classes = " ".join(f"<{c}>" for c in kind.applies_to)
    rows = context.registry.select(
        f"SELECT ?e WHERE {{ VALUES ?c {{ {classes} }} ?e rdf:type/rdfs:subClassOf* ?c }} "
        "LIMIT 1", {"e": URIRef(iri)})
    return bool(rows)


class ReportLink(NamedTuple):
    """A document about an entity, as its page links it: the HTML page and its two formats."""

    title: str
    href: str
    markdown: str
    json: str


def report_links(context: RegistryContext, iri: str, linker: Linker | None = None
                 ) -> list[ReportLink]:
    """Every built-in document that applies to ``iri``, in kind order."""
    from registry.web.pages import Linker

    linker = linker or Linker(context.entity_base)
    links = []
    for kind in _kinds().values():
        href = report_href(linker, kind.id, iri)
        if href is not None and _applies(context, kind, iri):
            title = (f"{kind.title} ({context.as_of.year - 1})" if kind.needs_year
                     else kind.title)
            links.append(ReportLink(title, href, report_href(linker, kind.id, iri, ".md") or "",
                                    report_href(linker, kind.id, iri, ".json") or ""))
    return links


def report_files(context: RegistryContext, paths: Iterable[str]
                 ) -> Iterator[tuple[str, bytes]]:
    """The static site's documents: for each entity path (as under ``/id/``), every document
    that applies to it as HTML, Markdown and JSON (site path, bytes), and their stylesheet.
    An annual report is of the year before the context's reference date, as on the server."""
    from registry.web.pages import Linker

    yield STYLESHEET, stylesheet_text().encode("utf-8")
    for path in paths:
        iri = context.entity_base + path
        for kind in _kinds().values():
            if not _applies(context, kind, iri):
                continue
            year = context.as_of.year - 1 if kind.needs_year else None
            document = fill_document(context.registry, kind, iri, year, generated=context.as_of,
                                     access_graph=context.access_graph)
            site_path = f"{REPORT_ROOT}{kind.id}/{path}"
            linker = Linker(context.entity_base, site_path)
            yield site_path, render_document(document, "html", stylesheet=linker.href(
                STYLESHEET)).encode("utf-8")
            yield site_path + ".md", render_document(document, "md").encode("utf-8")
            yield site_path + ".json", render_document(document, "json").encode("utf-8")


def _split(path: str) -> tuple[str, str]:
    for extension in (".json", ".md", ".html"):
        if path.endswith(extension):
            return path[:-len(extension)], extension
    return path, ""


def report_routes(context: RegistryContext, linker: Linker,
                  cache_answers: AnswerCache | None = None) -> list[Route]:
    """The route of ``/report/{kind}/{path:path}`` over ``context``."""
    made = cache_answers or AnswerCache()

    def endpoint(request: Request) -> Response:
        kind_id: str = request.path_params["kind"]
        stem, extension = _split(request.path_params["path"])
        kind = _kinds().get(kind_id)
        if kind is None:
            return PlainTextResponse(
                f"There is no report kind {kind_id!r}: expected one of "
                f"{', '.join(_kinds())}.\n", status_code=404)
        year_text = request.query_params.get("year", "")
        if kind.needs_year and year_text and not (year_text.isdigit() and len(year_text) == 4):
            return PlainTextResponse(f"year {year_text!r} is not a year: expected YYYY, such "
                                     f"as {context.as_of.year - 1}.\n", status_code=400)
        year = (int(year_text) if year_text else context.as_of.year - 1) if kind.needs_year \
            else None
        key = f"{kind_id}/{stem}{extension or '.html'}?{year}"
        answer = made.get(key)
        if answer is None:
            iri = context.entity_base + stem
            try:
                found = find_entity(context.registry, kind, iri)
                if found != iri:
                    raise LookupError(iri)
                document = fill_document(context.registry, kind, iri, year,
                                         generated=context.as_of,
                                         access_graph=context.access_graph)
            except (CityregError, LookupError) as error:
                return PlainTextResponse(
                    f"There is no {kind_id} for {iri}: {error}\n", status_code=404)
            fmt = {".json": "json", ".md": "md"}.get(extension, "html")
            text = render_document(document, fmt,  # type: ignore[arg-type]  # one of FORMATS
                                   stylesheet=linker.href(STYLESHEET))
            answer = (text.encode("utf-8"), _MEDIA[extension])
            made.put(key, answer)
        body, media_type = answer
        return Response(body, media_type=media_type)

    def stylesheet(_request: Request) -> Response:
        return Response(stylesheet_text(), media_type="text/css; charset=utf-8")

    handler: Callable[[Request], Response] = endpoint
    return [Route(STYLESHEET, stylesheet, name="report-stylesheet"),
            Route(REPORT_ROOT + "{kind}/{path:path}", handler, name="report")]
