"""The read-only SPARQL 1.1 Protocol endpoint at ``/sparql``.

* ``GET /sparql?query=...``, ``POST`` form-encoded (``query=``) or ``application/sparql-query``.
* ``SELECT`` and ``ASK`` answer in SPARQL JSON, XML, CSV or TSV; ``CONSTRUCT`` and ``DESCRIBE`` in
  Turtle, N-Triples, JSON-LD or RDF/XML; chosen by ``Accept`` (or ``format=`` from the form).
* Updates (``update=``, ``application/sparql-update``, or an update sent as ``query=``) are
  refused with ``403 Forbidden``: the store is never written. ``SERVICE`` is refused too.
* Every query runs in a worker process (:mod:`registry.server.querypool`) on a read-only
  snapshot. Its answer is capped (``X-SPARQL-Result-Cap``; ``X-SPARQL-Truncated: true`` when
  rows were left out) and it has a time limit (``X-SPARQL-Timeout``, seconds): a query that
  runs longer gets ``503`` and its worker is killed, so the work stops with the answer. A
  query that needs more memory than its worker may use gets ``503`` too.
* ``GET /sparql`` without parameters shows a small HTML form.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from registry.context import RegistryContext
from registry.errors import QueryError
from registry.server.queries import RegistryQueries
from registry.server.querypool import PoolBusy, QueryTimeout, WorkerDied
from registry.server.results import OFFERED, QueryJob, QueryReply
from registry.store.sparql import (
    MAX_NESTING,
    UPDATE_FORMS,
    nesting_depth,
    refuse_service,
    sparql_form,
    syntax_error,
)
from registry.web import render
from registry.web.negotiation import choose
from registry.web.pages import Linker

_FORMAT_PARAM = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values",
                 "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
                 "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml"}
#: The kind of answer each query form has.
_FORM_KIND = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

EXAMPLE = """SELECT ?contract ?label ?supplier WHERE {
  ?contract a cityreg:VendorContract ; rdfs:label ?label ; cityreg:supplier ?supplier .
} LIMIT 20"""


class ProtocolError(Exception):
    """A request the endpoint refuses: status code and a message that says how to fix it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


async def endpoint(request: Request, context: RegistryContext,
                   queries: RegistryQueries) -> Response:
    """The handler for ``GET`` and ``POST /sparql`` (bound to a registry by the routes)."""
    limits = queries.limits
    try:
        text, wanted = await _read_request(request)
        if text is None:
            linker = Linker(context.entity_base)
            return HTMLResponse(render("sparql.html", linker, cap=limits.sparql_rows,
                                       timeout=f"{limits.sparql_seconds:g}", example=EXAMPLE))
        form = sparql_form(text)
        if form in UPDATE_FORMS:
            raise ProtocolError(403, f"this endpoint is read-only: {form} is a SPARQL Update; "
                                "send SELECT, ASK, CONSTRUCT or DESCRIBE queries")
        try:
            refuse_service(text)
        except QueryError as error:
            raise ProtocolError(400, str(error)) from error
        depth = nesting_depth(text)
        if depth > MAX_NESTING:
            raise ProtocolError(400, f"the query nests brackets {depth} deep, more than the "
                                f"limit of {MAX_NESTING}: flatten the groups and expressions")
        media_types = _media_types(wanted, request.headers.get("accept"))
        kind = _FORM_KIND.get(form or "")
        if kind is not None and media_types[kind] is None:
            raise ProtocolError(406, f"cannot answer in {wanted or request.headers.get('accept')!r}"
                                f": this query can be answered as {', '.join(OFFERED[kind])}")
        job = QueryJob(text, limits.sparql_rows, limits.sparql_seconds, media_types)
        reply = await _run(queries, job)
        return _respond(reply, text, queries)
    except ProtocolError as error:
        return PlainTextResponse(error.message + "\n", status_code=error.status,
                                 headers={**_limit_headers(queries), **error.headers})


async def _run(queries: RegistryQueries, job: QueryJob) -> QueryReply:
    """Run ``job`` in a worker process, waiting in a thread so the server keeps answering."""
    seconds = f"{job.seconds:g}"
    try:
        return await anyio.to_thread.run_sync(queries.run, job)
    except QueryTimeout:
        raise ProtocolError(503, f"the query ran longer than {seconds} s and was stopped; add "
                            "a LIMIT or narrow the patterns") from None
    except WorkerDied:
        raise ProtocolError(503, f"the query stopped the process that ran it: it needed more "
                            f"than the {queries.limits.sparql_memory_mb} MB a query may use, "
                            "or more than the SPARQL engine can evaluate; add a LIMIT or "
                            "narrow the patterns") from None
    except PoolBusy:
        raise ProtocolError(503, "every SPARQL worker is busy or restarting; retry in a few "
                            "seconds", {"Retry-After": "2"}) from None


def _respond(reply: QueryReply, text: str, queries: RegistryQueries) -> Response:
    """The HTTP response for a worker's reply."""
    if reply.syntax_error is not None:
        raise ProtocolError(400, str(syntax_error(SyntaxError(reply.syntax_error), text,
                                                  "query")))
    if reply.status == 503:
        raise ProtocolError(503, f"the query ran longer than {queries.limits.sparql_seconds:g} "
                            "s and was stopped; add a LIMIT or narrow the patterns")
    if reply.status != 200:
        raise ProtocolError(reply.status, reply.message)
    return Response(reply.body, media_type=reply.media_type,
                    headers=_limit_headers(queries, reply.truncated))


def _media_types(wanted: str | None, accept: str | None) -> dict[str, str | None]:
    """For each kind of answer, the media type to send it in (``None``: none acceptable)."""
    return {kind: ((wanted if wanted in offered else None) if wanted
                   else choose(accept, offered))
            for kind, offered in OFFERED.items()}


async def _read_request(request: Request) -> tuple[str | None, str | None]:
    """The query text (``None``: show the form) and the media type asked with ``format=``."""
    params = request.query_params
    fields: dict[str, str] = dict(params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-query":
            fields["query"] = _utf8(await request.body())
        elif content_type == "application/sparql-update":
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused; send "
                                "queries as application/sparql-query")
        elif content_type == "application/x-www-form-urlencoded":
            # Parsed here: Starlette's request.form() needs python-multipart for this too.
            body = _utf8(await request.body())
            try:
                parsed = parse_qs(body, keep_blank_values=True, errors="strict")
            except UnicodeDecodeError as error:
                raise ProtocolError(400, f"a form field is not UTF-8 once percent-decoded "
                                    f"({error.reason} at byte {error.start}): encode the query "
                                    "in UTF-8") from None
            fields.update({k: v[-1] for k, v in parsed.items()})
        else:
            raise ProtocolError(415, f"unsupported Content-Type {content_type!r}: send "
                                "application/x-www-form-urlencoded or application/sparql-query")
    if "update" in fields:
        raise ProtocolError(403, "this endpoint is read-only: the update parameter is refused; "
                            "send SELECT, ASK, CONSTRUCT or DESCRIBE as query=")
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in fields:
            raise ProtocolError(400, f"{name} is not supported: the default graph is the union "
                                "of all graphs; use GRAPH <iri> { ... } in the query instead")
    fmt = fields.get("format") or None
    wanted = None
    if fmt is not None:
        wanted = _FORMAT_PARAM.get(fmt)
        if wanted is None:
            raise ProtocolError(400, f"unknown format {fmt!r}: expected one of "
                                f"{', '.join(_FORMAT_PARAM)}")
    text = fields.get("query")
    if text is None and request.method == "GET" and not fields:
        return None, None
    if not text or not text.strip():
        raise ProtocolError(400, "no query: send it as query=... (GET or form POST) or as the "
                            "body of an application/sparql-query POST")
    return text, wanted


def _utf8(body: bytes) -> str:
    """The body as text; a body that is not UTF-8 is refused, never guessed at."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the request body is not UTF-8 ({error.reason} at byte "
                            f"{error.start}): send the query in UTF-8") from None


def _limit_headers(queries: RegistryQueries, truncated: bool = False) -> dict[str, str]:
    headers = {"X-SPARQL-Result-Cap": str(queries.limits.sparql_rows),
               "X-SPARQL-Timeout": f"{queries.limits.sparql_seconds:g}", "Vary": "Accept"}
    if truncated:
        headers["X-SPARQL-Truncated"] = "true"
    return headers
