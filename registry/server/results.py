"""A SPARQL query's trip to a worker process and back: the job, the reply, and the writers.

The web server decides everything that does not need the data (the query is a query, not an
update; which media type each kind of answer would be sent in) and hands a :class:`QueryJob`
to a worker process (:mod:`registry.server.queryworker`). The worker evaluates it, writes the
answer in the chosen format and sends back a :class:`QueryReply`: the serialisation runs in the
worker too, so a huge answer's CPU is as killable as the query's.

Only pyoxigraph and the standard library are imported here: a worker starts in a fraction of a
second (rdflib's SPARQL parser is imported only for a query that mentions ``SERVICE``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from registry.cells import spreadsheet_safe

SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
BOOLEAN_TYPES = {k: v for k, v in SOLUTION_TYPES.items() if v in ("json", "xml")}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "n-triples",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "rdf-xml",
}
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdf-xml": ox.RdfFormat.RDF_XML,
}
#: The three kinds of answer a SPARQL query has, and the media types each can be sent in.
OFFERED: dict[str, tuple[str, ...]] = {
    "solutions": tuple(SOLUTION_TYPES),
    "boolean": tuple(BOOLEAN_TYPES),
    "graph": tuple(GRAPH_TYPES),
}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class QueryJob:
    """What a worker is asked: the query, how many rows at most, how long, and the media type
    to answer in for each kind of answer (``None``: the client accepts none of that kind)."""

    text: str
    cap: int
    seconds: float
    media_types: Mapping[str, str | None]


@dataclass(frozen=True)
class QueryReply:
    """A worker's answer: an HTTP status, and either a body in ``media_type`` or a message.

    ``syntax_error`` is pyoxigraph's own message for a malformed query (the server turns it
    into a readable error that points at the line).
    """

    status: int
    media_type: str | None = None
    body: bytes = b""
    truncated: bool = False
    message: str = ""
    syntax_error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def answer(store: ox.Store, job: QueryJob, prefixes: Mapping[str, str],
           clock: Callable[[], float] = time.monotonic) -> QueryReply:
    """Evaluate ``job`` on ``store`` (the union of its graphs is the default graph) and write
    the answer; the time limit is checked while rows are read."""
    deadline = clock() + job.seconds
    if "service" in job.text.lower():  # cheap first: most queries never mention it
        from registry.store.sparql import federation_check

        refusal = federation_check(job.text)
        if refusal is not None:
            return QueryReply(400, message=refusal)
    try:
        result = store.query(job.text, prefixes=dict(prefixes), use_default_graph_as_union=True)
    except SyntaxError as error:
        return QueryReply(400, syntax_error=str(error))
    except (OSError, RuntimeError, ValueError) as error:
        return QueryReply(400, message=f"the query cannot be evaluated: {error}")
    if isinstance(result, ox.QueryBoolean):
        kind = "boolean"
    elif isinstance(result, ox.QuerySolutions):
        kind = "solutions"
    else:
        kind = "graph"
    media_type = job.media_types.get(kind)
    if media_type is None:
        return QueryReply(406, message=f"this query can be answered as "
                          f"{', '.join(OFFERED[kind])}")
    if isinstance(result, ox.QueryBoolean):
        return QueryReply(200, media_type, write_boolean(bool(result),
                                                         SOLUTION_TYPES[media_type]))
    rows: list[Any] = []
    truncated = False
    try:
        for row in result:
            if clock() > deadline:
                return QueryReply(503, message="timeout")
            if len(rows) >= job.cap:
                truncated = True
                break
            rows.append(list(row) if kind == "solutions" else row)
    except (OSError, RuntimeError, ValueError) as error:
        return QueryReply(400, message=f"the query failed while its answer was read: {error}")
    if isinstance(result, ox.QuerySolutions):
        names = [variable.value for variable in result.variables]
        writer = WRITERS[SOLUTION_TYPES[media_type]]
        return QueryReply(200, media_type, writer(names, rows).encode("utf-8"), truncated)
    body = ox.serialize(rows, None, _RDF_FORMATS[GRAPH_TYPES[media_type]]) or b""
    return QueryReply(200, media_type, body, truncated)


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


def write_json(variables: list[str], rows: list[list[Any]]) -> str:
    """SPARQL 1.1 Query Results JSON."""
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


def write_xml(variables: list[str], rows: list[list[Any]]) -> str:
    """SPARQL Query Results XML."""
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


def write_boolean(value: bool, kind: str) -> bytes:
    """An ASK answer in SPARQL JSON or XML."""
    if kind == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    return (f"{_XML_HEAD}<head/>\n<boolean>{'true' if value else 'false'}</boolean>\n"
            "</sparql>\n").encode()


def write_csv(variables: list[str], rows: list[list[Any]]) -> str:
    """SPARQL 1.1 Query Results CSV, every cell made :func:`~registry.cells.spreadsheet_safe`
    (a value that a spreadsheet would run as a formula gets a leading ``'``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([spreadsheet_safe(plain_text(term)) for term in row])
    return out.getvalue()


def plain_text(term: Any) -> str:
    """A term as a person (and the CSV format) reads it: IRIs and literal values bare, blank
    nodes as _:id."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return str(term.value)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE = {_XSD + "integer": re.compile(r"[+-]?\d+"), _XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
         _XSD + "boolean": re.compile(r"true|false")}


def write_tsv(variables: list[str], rows: list[list[Any]]) -> str:
    """SPARQL 1.1 Query Results TSV (terms as in Turtle; integers, decimals and booleans
    bare), a literal's text made spreadsheet-safe inside its quotes."""
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines += ["\t".join(_tsv_term(term) for term in row) for row in rows]
    return "\n".join(lines) + "\n"


def _tsv_term(term: Any) -> str:
    if term is None:
        return ""
    if not isinstance(term, ox.Literal):
        return str(term)
    bare = _BARE.get(term.datatype.value)
    if bare is not None and bare.fullmatch(term.value):
        return str(term.value)
    text = spreadsheet_safe(term.value)
    if term.language:
        return str(ox.Literal(text, language=term.language))
    return str(ox.Literal(text, datatype=term.datatype))


WRITERS: dict[str, Callable[[list[str], list[list[Any]]], str]] = {
    "json": write_json, "xml": write_xml, "csv": write_csv, "tsv": write_tsv}
