"""The publishing routes: what each URL of the public site returns.

:func:`build_routes` gives the Starlette routes that ``registry.api.app.create_app`` mounts next
to ``/graphql``. The page functions (:func:`html_page`, :func:`entity_html`,
:func:`entity_data`) are shared with :mod:`registry.web.publish`, so the static site and the
server show the same pages.

=====================  ==========================================================
``/``                  home: what the registry is, counts, links
``/id/<path>``         an entity: 303 to ``.html``/``.ttl``/``.jsonld``/``.nt`` by Accept
``/trace/<path>``      who can access an entity's data: page, ``.svg``, ``.png``
``/cities/``           cities; ``/cities/<slug>`` one city's entities by kind
``/types/<kind>``      the entities of one kind (agency, company, sensor, ...)
``/vendors/``          vendors and how much of each city depends on them
``/findings``          the legal findings dashboard
``/changes``           the registry's versions (``?since=``) and ``/changes.atom``
``/search``            full-text search with facets (``/search.csv``, ``.json``)
``<list page>.csv``    a list page's rows as CSV or JSON (registry/web/tables.py)
``/ontology``          the ontology's documentation
``/sparql``            the read-only SPARQL 1.1 Protocol endpoint
``/registry.ttl``      dumps (``.jsonld``, ``.nq``) and ``/catalog.ttl`` (DCAT)
=====================  ==========================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rdflib
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from registry.context import RegistryContext
from registry.errors import NotReady
from registry.server.queries import RegistryQueries
from registry.web import STATIC_DIR, indexes, ontology_doc, render, sparql, tables
from registry.web.admission import Limits
from registry.web.catalog import catalog_graph
from registry.web.conditional import not_modified, validators
from registry.web.dumps import DUMPS, DumpFiles, describe, exists, serialize
from registry.web.listroutes import list_routes
from registry.web.mappage import map_routes
from registry.web.negotiation import HTML, Representation, choose_representation, split_extension
from registry.web.pages import Linker, entity_page, validation_report
from registry.web.reportpages import report_links, report_routes
from registry.web.residentpage import resident_href, resident_routes
from registry.web.traceserve import trace_endpoint
from registry.web.versionspage import entity_history, version_routes

if TYPE_CHECKING:
    from registry.api.readmodel import ReadModel


def html_page(context: RegistryContext, path: str, linker: Linker) -> str | None:
    """The HTML of the index page at site path ``path``, or ``None`` if there is none."""
    if path == "/":
        report = validation_report(context)
        benchmarks = 0 if report is None else report.count_by("standing").get("benchmark", 0)
        return render("home.html", linker, counts=indexes.kind_counts(context),
                      cities=indexes.cities(context), statements=f"{len(context.registry):,}",
                      findings=None if report is None else len(report.findings) - benchmarks,
                      benchmarks=benchmarks, dumps=DUMPS)
    if path == "/cities/":
        return render("cities.html", linker, cities=indexes.cities(context),
                      downloads=tables.download_links(path))
    if path.startswith("/cities/"):
        city = indexes.city_page(context, path[len("/cities/"):])
        if city is None:
            return None
        groups = [(kind.title, items) for kind, items in city.groups]
        return render("items.html", linker, title=city.label, groups=groups, show_city=False,
                      intro=None, city=city, downloads=tables.download_links(path))
    if path.startswith("/types/"):
        slug = path[len("/types/"):]
        members = indexes.kind_members(context, slug)
        if members is None:
            return None
        return render("items.html", linker, title=indexes.KINDS_BY_SLUG[slug].title,
                      groups=[(None, members)], show_city=True, intro=None,
                      downloads=tables.download_links(path))
    if path == "/vendors/":
        return render("vendors.html", linker, vendors=indexes.vendors(context),
                      downloads=tables.download_links(path))
    if path == "/findings":
        return render("findings.html", linker, dashboard=indexes.findings_dashboard(context),
                      as_of=context.as_of, downloads=tables.download_links(path))
    if path == "/ontology":
        return render("ontology.html", linker, doc=ontology_doc.build_cached())
    return None


def entity_html(context: RegistryContext, iri: str, linker: Linker,
                graph: rdflib.Graph | None = None) -> str:
    """The HTML page of the entity ``iri`` (which exists); ``graph``: its description, if the
    caller has it already."""
    return render("entity.html", linker, page=entity_page(context, iri, linker, graph),
                  history=entity_history(context, iri), as_of=context.as_of,
                  reports=report_links(context, iri, linker),
                  resident=resident_href(context, linker, iri))


def entity_data(context: RegistryContext, iri: str, representation: Representation,
                graph: rdflib.Graph | None = None) -> bytes:
    """The RDF description of ``iri`` in an RDF ``representation``."""
    assert representation.rdflib_format is not None
    graph = describe(context.registry, iri) if graph is None else graph
    return serialize(graph, representation.rdflib_format)


def not_found(linker: Linker, message: str, request: Request | None = None) -> Response:
    """A 404: an HTML page for browsers, plain text for other clients."""
    return _refusal(linker, "not_found.html", message, 404, request)


def not_ready(linker: Linker, error: NotReady, request: Request | None = None) -> Response:
    """A 503 with ``Retry-After`` while a server's first start is still computing what the
    page needs (registry.server.firstrun): an HTML page for browsers, plain text for other
    clients; never the page with that part left empty."""
    return _refusal(linker, "not_ready.html", str(error), 503, request,
                    {"Retry-After": str(error.retry_after)})


def _refusal(linker: Linker, template: str, message: str, status: int,
             request: Request | None, headers: dict[str, str] | None = None) -> Response:
    accept = request.headers.get("accept") if request is not None else None
    if choose_representation(accept, (HTML,)) is None and accept and "html" not in accept:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    return HTMLResponse(render(template, linker, message=message), status_code=status,
                        headers=headers)


def build_routes(context: RegistryContext, queries: RegistryQueries | None = None,
                 dumps: DumpFiles | None = None, *,
                 read_model: ReadModel | None = None) -> list[BaseRoute]:
    """The routes of the public site, bound to ``context``; SPARQL runs on ``queries`` (by
    default: the default limits' workers over a snapshot of the registry, started on the
    first query) and the dumps are written once to ``dumps``; the search reads vendors and
    cities from ``read_model`` (the API's, else one built on the first search)."""
    linker = Linker(context.entity_base)
    sparql_queries = queries or RegistryQueries(Limits(), context.registry)
    dump_files = dumps or DumpFiles(context.registry)

    rendered: dict[str, str] = {}  # a served registry does not change: render each page once

    def page(request: Request) -> Response:
        path = request.url.path
        html = rendered.get(path)
        if html is None:
            html = html_page(context, path, linker)
            if html is None:
                return not_found(linker, f"There is no page {path} in this registry.", request)
            rendered[path] = html  # only pages that exist: the cache cannot grow without end
        return HTMLResponse(html)

    def entity(request: Request) -> Response:
        path: str = request.path_params["path"]
        stem, representation = split_extension(path)
        if representation is not None and exists(context.registry, context.entity_base + stem):
            iri = context.entity_base + stem
            if representation is HTML:
                return HTMLResponse(entity_html(context, iri, linker),
                                    headers={"Link": f'<{iri}>; rel="canonical"'})
            return Response(entity_data(context, iri, representation),
                            media_type=representation.content_type)
        iri = context.entity_base + path
        if not exists(context.registry, iri):
            return not_found(linker, f"The registry has no entity {iri}.", request)
        chosen = choose_representation(request.headers.get("accept"))
        if chosen is None:
            return PlainTextResponse(
                f"cannot serve {iri} as {request.headers.get('accept')!r}: available as "
                "text/html, text/turtle, application/ld+json, application/n-triples\n",
                status_code=406, headers={"Vary": "Accept"})
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/id/{path}{chosen.extension}", status_code=303,
                                headers={"Vary": "Accept"})

    def dump(request: Request) -> Response:
        name = request.url.path.lstrip("/")
        chosen = next(d for d in DUMPS if d.filename == name)
        version = dump_files.version()
        headers = validators(version.etag(chosen), version.last_modified)
        if not_modified(request.headers, version.etag(chosen), version.last_modified):
            return Response(status_code=304, headers=headers)
        return FileResponse(dump_files.path(chosen), media_type=chosen.media_type,
                            headers={**headers,
                                     "Content-Disposition": f'inline; filename="{name}"'})

    def catalog(request: Request) -> Response:
        site = str(request.base_url)
        return Response(serialize(catalog_graph(context, site), "turtle"),
                        media_type="text/turtle; charset=utf-8")

    async def sparql_endpoint(request: Request) -> Response:
        return await sparql.endpoint(request, context, sparql_queries)

    def redirect_to_folder(request: Request) -> Response:
        return RedirectResponse(request.url.path + "/", status_code=301)

    routes: list[Any] = [
        Route("/", page, name="home"),
        Route("/id/{path:path}", entity, name="entity"),
        Route("/trace/{path:path}", trace_endpoint(context, linker, not_found), name="trace"),
        *resident_routes(context, linker),
        *report_routes(context, linker),
        *list_routes(context, linker, read_model),  # before /cities/{slug}: /cities/x.csv
        *map_routes(context, linker),  # before /cities/{slug}: /cities/x.geojson
        Route("/cities", redirect_to_folder),
        Route("/cities/", page, name="cities"),
        Route("/cities/{slug}", page, name="city"),
        Route("/types/{kind}", page, name="kind"),
        Route("/vendors", redirect_to_folder),
        Route("/vendors/", page, name="vendors"),
        Route("/findings", page, name="findings"),
        *version_routes(context, linker),
        Route("/ontology", page, name="ontology"),
        Route("/sparql", sparql_endpoint, methods=["GET", "POST"], name="sparql"),
        Route("/catalog.ttl", catalog, name="catalog"),
        *(Route("/" + d.filename, dump) for d in DUMPS),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return routes
