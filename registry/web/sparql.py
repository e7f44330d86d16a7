"""The read-only SPARQL 1.1 Protocol endpoint at ``/sparql``.

* ``GET /sparql?query=...``, ``POST`` form-encoded (``query=``) or ``application/sparql-query``.
* ``SELECT`` and ``ASK`` answer in SPARQL JSON, XML, CSV or TSV; ``CONSTRUCT`` and ``DESCRIBE`` in
  Turtle, N-Triples, JSON-LD or RDF/XML; chosen by ``Accept`` (or ``format=`` from the form).
* Updates (``update=``, ``application/sparql-update``, or an update sent as ``query=``) are
  refused with ``403 Forbidden``: the store is never written. ``SERVICE`` is refused too.
* Every answer is capped (``X-SPARQL-Result-Cap``; ``X-SPARQL-Truncated: true`` when rows were
  left out) and has a time limit (``X-SPARQL-Timeout``, seconds; a query that runs longer gets
  ``503`` and a message). pyoxigraph cannot interrupt a query that is still planning or
  sorting: the limit is checked while rows are produced, and the response is abandoned after
  the limit in any case.
* ``GET /sparql`` without parameters shows a small HTML form.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape, quoteattr

import anyio
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from registry.context import RegistryContext
from registry.errors import QueryError
from registry.store.sparql import UPDATE_FORMS, sparql_form
from registry.web import render
from registry.web.negotiation import choose
from registry.web.pages import Linker

RESULT_CAP = 10_000
TIMEOUT_SECONDS = 20.0
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
BOOLEAN_TYPES = {k: v for k, v in SOLUTION_TYPES.items() if v in ("json", "xml")}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_FORMAT_PARAM = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values",
                 "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
                 "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml"}

EXAMPLE = """SELECT ?contract ?label ?supplier WHERE {
  ?contract a cityreg:VendorContract ; rdfs:label ?label ; cityreg:supplier ?supplier .
} LIMIT 20"""


class ProtocolError(Exception):
    """A request the endpoint refuses: status code and a message that says how to fix it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Answer:
    """A query's answer, capped: variables and rows, a boolean, or triples."""

    variables: list[str] | None = None
    rows: list[list[Any]] | None = None
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    truncated: bool = False


def run(context: RegistryContext, text: str, cap: int, deadline: float) -> Answer:
    """Evaluate ``text`` (already known to be a query), reading at most ``cap`` rows."""
    result = context.registry.raw_query(text)
    if isinstance(result, ox.QueryBoolean):
        return Answer(boolean=bool(result))
    rows: list[Any] = []
    truncated = timed_out = False
    names = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else None
    for row in result:
        if time.monotonic() > deadline:
            timed_out = True
            break
        if len(rows) >= cap:
            truncated = True
            break
        rows.append(list(row) if names is not None else row)
    del result
    if timed_out:
        raise ProtocolError(503, f"the query ran longer than {TIMEOUT_SECONDS:g} s; add a "
                            "LIMIT or narrow the patterns")
    if names is not None:
        return Answer(variables=names, rows=rows, truncated=truncated)
    return Answer(triples=rows, truncated=truncated)


async def endpoint(request: Request, context: RegistryContext) -> Response:
    """The handler for ``GET`` and ``POST /sparql`` (bound to a context by the routes)."""
    try:
        text, wanted = await _read_request(request)
        if text is None:
            linker = Linker(context.entity_base)
            return HTMLResponse(render("sparql.html", linker, cap=RESULT_CAP,
                                       timeout=f"{TIMEOUT_SECONDS:g}", example=EXAMPLE))
        form = sparql_form(text)
        if form in UPDATE_FORMS:
            raise ProtocolError(403, f"this endpoint is read-only: {form} is a SPARQL Update; "
                                "send SELECT, ASK, CONSTRUCT or DESCRIBE queries")
        deadline = time.monotonic() + TIMEOUT_SECONDS
        try:
            with anyio.fail_after(TIMEOUT_SECONDS + 1):
                answer = await anyio.to_thread.run_sync(run, context, text, RESULT_CAP, deadline,
                                                        abandon_on_cancel=True)
        except TimeoutError:
            raise ProtocolError(503, f"the query ran longer than {TIMEOUT_SECONDS:g} s; add a "
                                "LIMIT or narrow the patterns") from None
        except QueryError as error:
            raise ProtocolError(400, str(error)) from error
        return _respond(answer, wanted, request.headers.get("accept"))
    except ProtocolError as error:
        return PlainTextResponse(error.message + "\n", status_code=error.status,
                                 headers=_limit_headers())


async def _read_request(request: Request) -> tuple[str | None, str | None]:
    """The query text (``None``: show the form) and the media type asked with ``format=``."""
    params = request.query_params
    fields: dict[str, str] = dict(params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-query":
            fields["query"] = (await request.body()).decode("utf-8", errors="replace")
        elif content_type == "application/sparql-update":
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused; send "
                                "queries as application/sparql-query")
        elif content_type == "application/x-www-form-urlencoded":
            # Parsed here: Starlette's request.form() needs python-multipart for this too.
            body = (await request.body()).decode("utf-8", errors="replace")
            fields.update({k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()})
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


def _limit_headers(truncated: bool = False) -> dict[str, str]:
    headers = {"X-SPARQL-Result-Cap": str(RESULT_CAP),
               "X-SPARQL-Timeout": f"{TIMEOUT_SECONDS:g}", "Vary": "Accept"}
    if truncated:
        headers["X-SPARQL-Truncated"] = "true"
    return headers


def _respond(answer: Answer, wanted: str | None, accept: str | None) -> Response:
    """Serialise ``answer`` as ``wanted`` (from ``format=``) or as the ``Accept`` header asks;
    ``406`` when the client accepts none of the formats this kind of answer has."""
    if answer.triples is not None:
        offered: tuple[str, ...] = tuple(GRAPH_TYPES)
    elif answer.boolean is not None:
        offered = tuple(BOOLEAN_TYPES)
    else:
        offered = tuple(SOLUTION_TYPES)
    media_type = (wanted if wanted in offered else None) if wanted else choose(accept, offered)
    if media_type is None:
        raise ProtocolError(406, f"cannot answer in {wanted or accept!r}: this query can be "
                            f"answered as {', '.join(offered)}")
    headers = _limit_headers(answer.truncated)
    if answer.triples is not None:
        body = ox.serialize(answer.triples, None, GRAPH_TYPES[media_type]) or b""
        return Response(body, media_type=media_type, headers=headers)
    kind = SOLUTION_TYPES[media_type]
    if answer.boolean is not None:
        return Response(_boolean(answer.boolean, kind), media_type=media_type, headers=headers)
    assert answer.variables is not None
    assert answer.rows is not None
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[kind]
    return Response(writer(answer.variables, answer.rows), media_type=media_type,
                    headers=headers)


# -- SPARQL 1.1 Query Results formats (JSON, XML, CSV, TSV) ----------------------------------


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def _json(variables: list[str], rows: list[list[Any]]) -> str:
    bindings = [{name: _json_term(term) for name, term in zip(variables, row, strict=True)
                 if term is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False)


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{escape(term.value)}</literal>")
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def _xml(variables: list[str], rows: list[list[Any]]) -> str:
    parts = [_XML_HEAD, "<head>"]
    parts += [f"<variable name={quoteattr(name)}/>" for name in variables]
    parts.append("</head>\n<results>\n")
    for row in rows:
        parts.append("<result>")
        parts += [f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
                  for name, term in zip(variables, row, strict=True) if term is not None]
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts)


def _boolean(value: bool, kind: str) -> str:
    if kind == "json":
        return json.dumps({"head": {}, "boolean": value})
    return f"{_XML_HEAD}<head/>\n<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n"


def _csv(variables: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if term is None else f"_:{term.value}"
                         if isinstance(term, ox.BlankNode) else term.value for term in row])
    return out.getvalue()


def _tsv(variables: list[str], rows: list[list[Any]]) -> str:
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines += ["\t".join("" if term is None else str(term) for term in row) for row in rows]
    return "\n".join(lines) + "\n"
