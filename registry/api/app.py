"""The starlette application: ``/graphql`` (GraphQL over HTTP and GraphiQL) and ``/healthz``.

GraphQL over HTTP (https://graphql.github.io/graphql-over-http/):

* POST ``application/json`` bodies ``{"query", "variables", "operationName"}``; GET with the same
  as URL parameters, for queries only (a mutation on GET is refused with 405);
* the answer is ``application/graphql-response+json`` when the client accepts it, else
  ``application/json``. A request that cannot run (malformed JSON, a parse or validation
  error, a limit) is 400 with ``application/graphql-response+json`` and 200 with
  ``application/json``; errors are always a GraphQL ``errors`` list, never a traceback;
* a browser (``Accept: text/html``) that GETs ``/graphql`` without a query gets GraphiQL;
* with ``Accept: text/csv`` or ``?format=csv`` (GET or POST) the query runs the same way,
  under the same limits, and the answer is the first list of its data as CSV
  (:mod:`registry.api.csvresult`); a request that cannot run, a result with errors or data
  without a list is 400 with a GraphQL ``errors`` list.

The public site (entity pages at /id/..., /sparql, dumps, /ontology, index pages) comes from
:func:`registry.web.routes.build_routes`; ``extra_routes`` go before it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graphql import ExecutionResult, GraphQLError, OperationType
from registry import __version__
from registry.api.csvresult import NoListError, rows_of
from registry.api.service import GraphQLService
from registry.context import RegistryContext
from registry.errors import NotReady
from registry.server.queries import RegistryQueries
from registry.web.admission import Admission, Limits
from registry.web.dumps import DumpFiles
from registry.web.pages import Linker
from registry.web.routes import build_routes, not_ready
from registry.web.security import security_middleware
from registry.web.tables import csv_chunks

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: A request whose estimated cost (registry/api/limits.py) reaches this runs in a thread.
THREAD_COST = 2000
JSON = "application/json"
CSV = "text/csv"

#: The browser assets of the GraphiQL page, served from registry/web/static/vendor/ (see its
#: README.md): never from a third-party host, so the page works offline.
GRAPHIQL_ASSETS = (
    "/static/vendor/graphiql-3.8.3/graphiql.min.css",
    "/static/vendor/react-18.3.1/react.production.min.js",
    "/static/vendor/react-dom-18.3.1/react-dom.production.min.js",
    "/static/vendor/graphiql-3.8.3/graphiql.min.js",
)

GRAPHIQL_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>cityreg GraphQL</title>
  STYLESHEETS
  <link rel="stylesheet" href="/static/graphiql/page.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL&hellip; (it needs JavaScript; without it, POST queries
  to this URL with curl or any GraphQL client)</div>
  SCRIPTS
  <script src="/static/graphiql/start.js"></script>
</body>
</html>
""".replace("STYLESHEETS", "".join(f'<link rel="stylesheet" href="{asset}">'
                                   for asset in GRAPHIQL_ASSETS if asset.endswith(".css"))
            ).replace("SCRIPTS", "\n  ".join(f'<script src="{asset}"></script>'
                                             for asset in GRAPHIQL_ASSETS
                                             if asset.endswith(".js")))


def create_app(context: RegistryContext, *, extra_routes: Sequence[BaseRoute] = (),
               limits: Limits | None = None, service: GraphQLService | None = None,
               queries: RegistryQueries | None = None, dumps: DumpFiles | None = None,
               guard: bool = True, health: Mapping[str, Any] | None = None) -> Starlette:
    """The cityreg web application over one registry; the read model is built here, once.

    ``limits``: what a request may use (:class:`~registry.web.admission.Limits`; its defaults
    without it). ``service`` and ``queries``: a GraphQL service and SPARQL workers made by the
    caller (else made here; workers made here are stopped when the application shuts down).
    ``guard``: put the admission limits in front (``False`` when the caller applies them
    itself, as :mod:`registry.server.live` does across generations). ``health``: more fields
    for ``/healthz`` (a callable one is called for each request).
    """
    limits = limits or Limits()
    service = service or GraphQLService.warmed(context)  # findings, read model, access graph
    owned = queries is None
    queries = queries or RegistryQueries(limits, context.registry)
    owned_dumps = dumps is None
    dumps = dumps or DumpFiles(context.registry)
    routes: list[BaseRoute] = [
        Route("/graphql", _graphql_endpoint(service), methods=["GET", "POST"]),
        Route("/healthz", _health_endpoint(service, dict(health or {})), methods=["GET"]),
        *extra_routes,
        *build_routes(context, queries, dumps, read_model=service.model),
    ]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            queries.close()
        if owned_dumps:
            dumps.close()

    linker = Linker(context.entity_base)

    async def answer_not_ready(request: Request, error: Exception) -> Response:
        assert isinstance(error, NotReady)
        return not_ready(linker, error, request)

    app = Starlette(routes=routes, middleware=public_middleware(limits) if guard else [],
                    lifespan=lifespan, exception_handlers={NotReady: answer_not_ready})
    app.state.graphql = service
    app.state.context = context
    app.state.queries = queries
    return app


def public_middleware(limits: Limits) -> list[Middleware]:
    """What stands between the public and the application, outermost first: the security
    headers (so that every refusal carries them), the malformed-request check, the admission
    limits."""
    return [*security_middleware(), Middleware(Admission, limits=limits)]


def guarded(app: Any, limits: Limits) -> Any:
    """Any ASGI application behind :func:`public_middleware`."""
    for layer in reversed(public_middleware(limits)):
        app = layer.cls(app, *layer.args, **layer.kwargs)
    return app


def _health_endpoint(service: GraphQLService, extra: dict[str, Any]) -> Any:
    async def health(_request: Request) -> Response:
        # A callable field (the server's validation status) is read at each request.
        fields = {name: value() if callable(value) else value for name, value in extra.items()}
        return JSONResponse({"status": "ok", "statements": service.model.statement_count,
                             "entities": service.model.entity_count(), "version": __version__,
                             **fields})
    return health


def _graphql_endpoint(service: GraphQLService) -> Any:
    async def endpoint(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept or (JSON not in accept and (
            "*/*" not in accept and accept)) else JSON
        wanted = request.query_params.get("format")
        if wanted not in (None, "", "csv", "json"):
            return _request_error(media, f"format={wanted!r} is not supported: send "
                                  "format=csv for the first list of the answer as CSV, or "
                                  "leave it out for JSON")
        as_csv = wanted == "csv" or (wanted != "json" and CSV in accept)
        if as_csv:
            media = GRAPHQL_RESPONSE  # what cannot be CSV is a 400 with an `errors` list
        if request.method == "GET":
            if "query" not in request.query_params and "text/html" in accept:
                return HTMLResponse(GRAPHIQL_PAGE)
            params: dict[str, Any] = dict(request.query_params)
            if isinstance(params.get("variables"), str):
                try:
                    params["variables"] = json.loads(params["variables"])
                except json.JSONDecodeError as error:
                    return _request_error(media, f"variables is not JSON: {error}")
                except RecursionError:
                    return _request_error(media, "variables nest too deeply to read; send "
                                          "flat variables")
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            if content_type != JSON:
                return _request_error(media, f"Content-Type {content_type or '(none)'!r} is "
                                      f"not supported: send the request as {JSON}", 415)
            try:
                params = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                return _request_error(media, f"the body is not JSON: {error}")
            except RecursionError:
                return _request_error(media, "the body nests JSON too deeply to read; send "
                                      '{"query": ..., "variables": {...}} with flat variables')
            if not isinstance(params, dict):
                return _request_error(media, "the body must be a JSON object with a `query`")
        try:
            return await _run(service, request.method, params, media, as_csv)
        except Exception as error:  # a bug: say so as a GraphQL error, never a traceback
            return _request_error(media, f"internal error ({type(error).__name__}: {error}); "
                                  "this is a bug in cityreg, please report it", 500)
    return endpoint


async def _run(service: GraphQLService, method: str, params: dict[str, Any], media: str,
               as_csv: bool = False) -> Response:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        return _request_error(media, "`query` is missing: send {\"query\": \"{ ... }\"}")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _request_error(media, "`variables` must be a JSON object")
    operation_name = params.get("operationName") or None
    prepared = service.prepare(query)
    if method == "GET" and prepared.operation(operation_name) not in (None,
                                                                      OperationType.QUERY):
        return JSONResponse({"errors": [{"message": "only queries may be sent with GET; "
                                         "send mutations with POST"}]}, status_code=405,
                            headers={"Allow": "POST"}, media_type=media)
    errors, cost = service.assess(prepared, operation_name, variables)
    if errors:
        return _errors(media, errors)
    # A small request runs inline: handing it to a worker thread cost 35-40 % of the trace
    # throughput (bench/phases.py serve, N=100: 785-902 against 1,183-1,408 requests/s). A
    # large one runs in a thread, so that /healthz and small requests are answered while it
    # runs (up to the time limit, checked inside: limits.check_deadline).
    if cost < THREAD_COST:
        result = service.execute(prepared, operation_name, variables)
    else:
        result = await anyio.to_thread.run_sync(service.execute, prepared, operation_name,
                                                variables)
    return _csv_result(media, result) if as_csv else _result(media, result)


def _result(media: str, result: ExecutionResult) -> Response:
    return Response(json.dumps(result.formatted, default=str, ensure_ascii=False),
                    media_type=media)


def _csv_result(media: str, result: ExecutionResult) -> Response:
    """The first list of ``result``'s data as CSV; its errors, or the lack of a list, as a
    400 (a CSV cannot carry them)."""
    if result.errors:
        return _errors(media, result.errors)
    try:
        name, columns, rows = rows_of(result.data)
    except NoListError as error:
        return _request_error(media, str(error))
    return Response("".join(csv_chunks(columns, rows)), media_type=CSV + "; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _errors(media: str, errors: list[GraphQLError]) -> Response:
    status = 400 if media == GRAPHQL_RESPONSE else 200
    body = {"errors": [error.formatted for error in errors]}
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=media)


def _request_error(media: str, message: str, status: int = 400) -> Response:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status,
                        media_type=media)
