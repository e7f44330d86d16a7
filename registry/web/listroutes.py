"""The routes of the list pages' downloads and of the search page.

:func:`list_routes` gives, for :func:`registry.web.routes.build_routes` to put before the pages
(``/cities/{slug}`` would take ``/cities/rio.csv`` otherwise):

* ``/cities.csv``, ``/cities/<slug>.csv``, ``/types/<kind>.csv``, ``/vendors.csv``,
  ``/findings.csv`` and the same with ``.json``: the rows of the list page beside them
  (:mod:`registry.web.tables`), streamed, as an attachment;
* ``/search`` (HTML), ``/search.csv`` and ``/search.json``: the full-text search
  (:mod:`registry.web.search`), whose index is built on the first search and kept: the
  registry does not change while it is served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from registry.web import render, tables
from registry.web.pages import Linker
from registry.web.search import (
    FACET_VALUES_SHOWN,
    MAX_QUERY_CHARS,
    Query,
    SearchError,
    SearchIndex,
)

if TYPE_CHECKING:
    from registry.api.readmodel import ReadModel
    from registry.context import RegistryContext


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def download_response(data: tables.Table, extension: str, source: str) -> Response:
    """The download of ``data`` as ``extension`` (``csv``, ``json``), streamed, saved as a
    file named after its page; ``source``: the page's URL."""
    return StreamingResponse(
        _encoded(tables.chunks(extension, data, source)), media_type=tables.FORMATS[extension],
        headers={"Content-Disposition": f'attachment; filename="{data.filename(extension)}"'})


def list_routes(context: RegistryContext, linker: Linker,
                read_model: ReadModel | None = None) -> list[Route]:
    """The download and search routes over ``context`` (see the module docstring);
    ``read_model``: the API's read model, which the search index reads vendors and cities from
    (built here when not given)."""
    lock = threading.Lock()
    built: list[SearchIndex] = []

    def index() -> SearchIndex:
        with lock:  # two first searches at once build it once
            if not built:
                built.append(SearchIndex.build(context, read_model))
            return built[0]

    def site_url(request: Request, path: str) -> str:
        return str(request.base_url).rstrip("/") + path

    def download(request: Request) -> Response:
        stem, _, extension = request.url.path.rpartition(".")
        data = tables.table(context, tables.page_of(stem))
        if data is None:
            return PlainTextResponse(
                f"There is no list page {tables.page_of(stem)} in this registry, so no "
                f"{request.url.path}: see /cities/ and /types/ for the pages that exist.\n",
                status_code=404)
        return download_response(data, extension, site_url(request, data.page))

    def search_page(request: Request) -> Response:
        try:
            query = Query.from_params(request.query_params)
        except SearchError as error:
            return HTMLResponse(render("search.html", linker, query=Query(), results=None,
                                       error=str(error), max_chars=MAX_QUERY_CHARS,
                                       shown=FACET_VALUES_SHOWN),
                                status_code=400)
        results = index().search(query)
        return HTMLResponse(render("search.html", linker, query=query, results=results,
                                   error=None, max_chars=MAX_QUERY_CHARS, shown=FACET_VALUES_SHOWN))

    def search_download(request: Request) -> Response:
        extension = request.url.path.rpartition(".")[2]
        try:
            query = Query.from_params(request.query_params)
        except SearchError as error:
            return PlainTextResponse(str(error) + "\n", status_code=400)
        searcher = index()
        results = searcher.search(query)
        data = searcher.table(results)
        source = site_url(request, "/search" + query.link())
        if extension == "csv":
            return download_response(data, extension, source)
        facets: dict[str, Any] = {
            facet: [{"value": v.value or None, "label": v.label, "count": v.count}
                    for v in values] for facet, values in results.facets.items()}
        chunks = tables.json_chunks(data.title, source, data.columns, data.rows,
                                    query=query.params(), total=results.total, facets=facets)
        return StreamingResponse(_encoded(chunks), media_type=tables.FORMATS["json"], headers={
            "Content-Disposition": f'attachment; filename="{data.filename("json")}"'})

    routes = [Route("/search", search_page, name="search")]
    for extension in tables.FORMATS:
        routes += [
            Route(f"/search.{extension}", search_download),
            Route(f"/cities.{extension}", download),
            Route(f"/vendors.{extension}", download),
            Route(f"/findings.{extension}", download),
            Route(f"/cities/{{slug}}.{extension}", download),
            Route(f"/types/{{kind}}.{extension}", download),
        ]
    return routes
