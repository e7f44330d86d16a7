"""One adapter per SPARQL engine: where its endpoints are and how its dialect differs.

Everything engine-specific lives here; :mod:`registry.remote.store` speaks SPARQL 1.1 through
an :class:`Engine`.

**Oxigraph server** (``oxigraph serve``, PyPI ``oxigraph``). The same engine as the embedded
store, so the same SPARQL and the same literal handling. Queries go to ``/query``, updates to
``/update``; the default graph is the engine's own unless ``union-default-graph`` is asked for,
which cityreg does for every query that reads "the registry". One update request is one
transaction. A query it stops at its ``--timeout-s`` is still answered 200: the rows it had
written, then "The SPARQL operation has been cancelled"; cityreg turns that into an error
that names the setting (a validation of 3.5M statements runs queries of over two minutes,
and the bench's N=10000 run lost its validation to a 120 s limit on a shared machine).

**Virtuoso Open Source 7** (Debian ``virtuoso-opensource``). Queries go to ``/sparql``,
updates to ``/sparql-auth`` (HTTP Digest: the DBA or a user with the SPARQL_UPDATE role) or,
without credentials, to ``/sparql`` (which needs SPARQL_UPDATE granted to the ``SPARQL``
user). Its differences, each handled or refused here rather than left to show up as a wrong
answer:

* The default graph of a query is already the union of all graphs, its own system graphs
  (``virtrdf#``, LDP, the service description) included. Queries read that union as it is
  (the system graphs name no entity of the registry; a dataset clause on every query makes
  larger queries fail to compile); the registry's graphs are listed, counted and exported
  by name.
* ``INSERT DATA`` refuses blank nodes; statements with blank nodes are written with
  ``INSERT { ... } WHERE {}`` instead (:func:`registry.store.transaction` does that for every
  engine, so all three write the same way).
* It stores typed literals in canonical form (``"01"^^xsd:integer`` reads back as ``"1"``) and
  refuses an ill-typed one (``"bad"^^xsd:integer``) with error 22005. A load that holds such
  a literal fails whole, with Virtuoso's message; nothing is written.
* It answers ``rdf:type/rdfs:subClassOf*`` wrongly next to an OPTIONAL (no row at all for
  the contracts of the seed) or refuses it ("transitive start not given"): queries read
  the ``rdfs:subClassOf+`` closure instead (``?x (rdf:type|rdf:type/<urn:cityreg:
  subClassOfPlus>) C``, :mod:`registry.shacl.classclosure`; and ``rdfs:subClassOf+`` is
  ``<urn:cityreg:subClassOfPlus>``), which cityreg writes into
  ``urn:cityreg:graph:class-closure`` after every write it makes.
* It evaluates ``?date - "P12M"^^xsd:yearMonthDuration`` to nothing, silently, and refuses
  ``?date + "P1D"^^xsd:dayTimeDuration``: such arithmetic is rewritten as ``bif:dateadd``.
* It reads some ``$name`` variables as parameters passed from SQL (inside an OPTIONAL, one
  then matches any node): every ``$name`` is sent as ``?name``, the same variable in SPARQL.
* It answers ``sameTerm(?x, a) || sameTerm(?x, b)`` wrongly (one row of the many that
  match): a ``sameTerm`` with an IRI or a boolean is sent as the equal ``=`` test.
* It crashes (the whole server) on a long chain of ``{ BIND } UNION { BIND }`` groups whose
  variables a later ``NOT EXISTS`` reads: the chain is sent as the equal ``VALUES`` table.
* Validation runs on a local copy of the registry's graphs (copied at the start of each
  run), not on Virtuoso. With the rewrites above, Virtuoso 7.2 still answers the queries of
  some legal rules wrongly, without an error: it evaluates a BIND that reads OPTIONAL flags
  before the OPTIONALs (PI-ROLES), and drops or adds rows of OECD-UL and GDPR-35-3 on the
  seed; it refuses ``*`` paths whose ends it cannot see bound ("transitive start not
  given"), and its compiler gives up on the largest queries ("Query too large", "Stack
  Overflow in cost model"). A finding that is wrong because of the engine is worse than a
  slower check; the traces, pages and queries are answered by Virtuoso itself.
* It answers ASK with a one-column table, names blank nodes ``nodeID://b10006`` and writes
  booleans as ``"1"`` and ``"0"`` in its JSON results: the adapter turns them into the boolean
  answer, blank node labels and ``"true"``/``"false"``. Its JSON results are slow to write
  (90 microseconds a row): answers are asked for as XML results, 4-5x faster; its TSV and
  CSV results drop language tags and datatypes.
* It refuses a request body above 10 MB ("string session is longer than 10Mb") and an
  ``INSERT DATA`` of more than about 5,000 statements: operations hold at most 2,000
  statements, and a larger write is staged under predicates no query matches (see
  :meth:`~registry.remote.store.RemoteStore.write_change`).
* A request is one transaction when the engine stops in the middle (it is rolled back), but
  an operation that *fails* does not undo the operations before it in the same request: the
  writes cityreg sends use only operations that cannot fail on data (``DROP SILENT``, ...).
* It aborts a transaction whose log goes above ``[Parameters] TransactionAfterImageLimit``
  (50 MB unless set; error SR325): a load of millions of statements, put in place by one
  update so that it is all or nothing, needs it raised. The load then fails whole, nothing
  written, with an error that names the setting and the size to give it.
* It answers at most 1,048,576 rows over HTTP, whatever ``ResultSetMaxRows`` says, and sorts
  at most ``MaxSortedTopRows`` (10,000) for an ``OFFSET``: the statements of a graph of
  millions are read in parts, predicate by predicate, and a predicate's that is cut too split
  by the MD5 hash of its subjects (which needs no sort), as many as keep each part within
  half the cut (:meth:`RemoteStore.quads_for_pattern`).
* It cuts answers at ``[SPARQL] ResultSetMaxRows`` rows and, as an "anytime query", at
  ``MaxQueryExecutionTime``, and still answers 200. It says so in the ``X-SQL-State`` and
  ``X-SPARQL-MaxRows`` headers of a SELECT's answer: cityreg turns either into an error that
  names the setting, so that a cut answer is never taken for the whole one. A CONSTRUCT's
  answer is cut without a header: a graph read as N-Triples (8x faster than JSON results from
  Virtuoso) is counted against the graph's ``COUNT``. A CONSTRUCT of millions of statements
  is refused ("The result vector is too large"; just over a million, "FRVEC ... max vector
  length"): it is read again in parts too.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from registry.errors import StoreError
from registry.remote import dialect
from registry.remote.client import PASSWORD_VARIABLE, USER_VARIABLE, Answer
from registry.shacl.classclosure import rewrite_instance_tests


class AnswerCut(StoreError):
    """The engine answered with its first ``rows`` rows only (and said so)."""

    def __init__(self, where: str, rows: int, problem: str, fix: str) -> None:
        super().__init__(where, problem, fix)
        self.rows = rows


class Engine:
    """SPARQL 1.1 protocol as one engine speaks it (the base class is the standard)."""

    name = "sparql"
    query_path = "/sparql"
    update_path = "/sparql"
    server_header = ""
    """What the engine's ``Server`` header starts with (to recognise it)."""
    foreign_graphs = False
    """Whether the engine holds graphs of its own beside the registry's: then the listings
    and counts of graphs name the registry's graphs (:meth:`RemoteStore.dataset`)."""
    keeps_class_closure = False
    """Whether cityreg keeps the ``rdfs:subClassOf+`` closure written in the engine after
    every write, for queries that read it instead of ``rdfs:subClassOf*``."""
    validates_locally = False
    """Whether validation runs on a local copy of the registry's graphs instead of on the
    engine (see :class:`Virtuoso`)."""
    results_type = "application/sparql-results+json"
    """The SPARQL results format asked for (the one the engine writes fastest)."""
    results_format = ox.QueryResultsFormat.JSON
    """How pyoxigraph reads :attr:`results_type`."""
    max_request_bytes: int | None = None
    """The largest update request the engine takes (``None``: no limit known); a larger
    write is staged (:meth:`registry.remote.store.RemoteStore.write_change`)."""

    def __init__(self, where: str, has_credentials: bool) -> None:
        self.where = where
        self.has_credentials = has_credentials

    def query_fields(self, text: str, union: bool, default_graphs: list[str] | None
                     ) -> list[tuple[str, str]]:
        """The form fields of a query request."""
        fields = [("query", text)]
        fields += [("default-graph-uri", graph) for graph in default_graphs or []]
        # Without named-graph-uri, GRAPH ?g would range over every graph of the engine.
        fields += [("named-graph-uri", graph) for graph in default_graphs or []]
        return fields

    def update_request(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The endpoint path and form fields of an update request."""
        return self.update_path, [("update", text)]

    def check(self, answer: Answer) -> None:
        """Raise if the answer is not the whole answer."""

    def write_refused(self, message: str, statements: int) -> StoreError | None:
        """The error to raise when the engine refused a write of ``statements`` statements
        with ``message`` because of one of its own limits, naming the setting to change
        (None: not a limit known here; the engine's error is raised as it is)."""
        return None

    def refused_as_too_large(self, message: str) -> bool:
        """Whether the engine refused a query with ``message`` only because its answer is too
        large to give at once (then it is read again in parts)."""
        return False

    def rewrite(self, query: str) -> str:
        """The query in the engine's dialect: the same query, written the way it needs
        (:mod:`registry.remote.dialect`)."""
        return query

    def results(self, form: str | None, body: bytes) -> bytes:
        """The answer (in :attr:`results_type`) with its terms in standard form (``form``:
        SELECT, ASK, ...)."""
        return body

    def graph(self, body: bytes) -> bytes:
        """A CONSTRUCT or DESCRIBE answer (N-Triples) with the terms in standard form."""
        return body


class OxigraphServer(Engine):
    """``oxigraph serve --location DIR --bind HOST:PORT``."""

    name = "oxigraph"
    query_path = "/query"
    update_path = "/update"
    server_header = "oxigraph"
    #: ``oxigraph serve`` refuses a request body of more than 128 MiB ("SPARQL body payloads
    #: are limited to 134217728 bytes"): the load of the generated N=10000 registry (165 MB of
    #: Turtle, 700 MB as one update) is staged in parts below it.
    max_request_bytes = 100_000_000

    def query_fields(self, text: str, union: bool, default_graphs: list[str] | None
                     ) -> list[tuple[str, str]]:
        fields = super().query_fields(text, union, default_graphs)
        if union and not default_graphs:
            fields.append(("union-default-graph", ""))
        return fields

    def check(self, answer: Answer) -> None:
        # A query it stops at its --timeout-s is answered 200, with the rows it had written
        # and then this sentence in place of the rest.
        if answer.body.rstrip().endswith(_OXIGRAPH_CANCELLED):
            raise StoreError(self.where, "the Oxigraph server stopped the query at its time "
                             "limit and answered only in part (\"The SPARQL operation has "
                             "been cancelled\")", "start `oxigraph serve` with a longer "
                             "--timeout-s (some of a validation's queries of 3.5M statements "
                             "take minutes), or ask a narrower question")


_OXIGRAPH_CANCELLED = b"The SPARQL operation has been cancelled"
_ASK_COLUMN = "__ASK_RETVAL"
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_CANONICAL = {"1": "true", "0": "false", "true": "true", "false": "false"}
_XML_ASK_COLUMN = f'<variable name="{_ASK_COLUMN}"/>'.encode()
_XML_ASK_TRUE = re.compile(rb'<binding name="__ASK_RETVAL"><literal[^>]*>(?:1|true)</literal>')
_XML_BNODE = re.compile(rb"<bnode>([^<]*)</bnode>")
_XML_BOOLEAN = re.compile(rb'(<literal datatype="http://www\.w3\.org/2001/XMLSchema#boolean">)'
                          rb"([01])</literal>")
_NT_BOOLEAN = re.compile(rb'"([01])"\^\^<http://www\.w3\.org/2001/XMLSchema#boolean>')


class Virtuoso(Engine):
    """Virtuoso Open Source 7's HTTP listener (``[HTTPServer] ServerPort``)."""

    name = "virtuoso"
    query_path = "/sparql"
    server_header = "virtuoso"
    foreign_graphs = True
    keeps_class_closure = True
    validates_locally = True
    max_request_bytes = 9_000_000
    #: Virtuoso writes XML results 4-5x faster than JSON (13,185 rows: 0.27 s against 1.43 s;
    #: its TSV and CSV lose language tags and datatypes).
    results_type = "application/sparql-results+xml"
    results_format = ox.QueryResultsFormat.XML

    def update_request(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        path = "/sparql-auth" if self.has_credentials else "/sparql"
        return path, [("query", text)]

    def rewrite(self, query: str) -> str:
        """See :mod:`registry.remote.dialect`: each rewrite is the same query, written so
        that Virtuoso 7 answers it (or answers it rightly)."""
        query = dialect.subclass_plus_as_closure(rewrite_instance_tests(query))
        query = dialect.dollar_variables_as_question_marks(query)
        query = dialect.date_arithmetic_as_dateadd(query)
        query = dialect.bind_unions_as_values(query)
        return dialect.same_term_constants_as_equality(query)

    def results(self, form: str | None, body: bytes) -> bytes:
        """Virtuoso answers ASK with a one-column table (``__ASK_RETVAL``: one row holding 1
        when true, no row when false) instead of the boolean form, and names blank nodes
        ``nodeID://b10006``, which is not a blank node label: both are put in their standard
        form (and a boolean written ``1`` or ``0``, as its JSON results write them, too)."""
        if form == "ASK" and _XML_ASK_COLUMN in body:
            value = _XML_ASK_TRUE.search(body) is not None
            return (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                    b"<head/><boolean>" + (b"true" if value else b"false")
                    + b"</boolean></sparql>")
        if b"<bnode>" in body:
            body = _XML_BNODE.sub(lambda m: b"<bnode>" + _blank_label(
                m.group(1).decode()).encode() + b"</bnode>", body)
        if _BOOLEAN.encode() in body:
            body = _XML_BOOLEAN.sub(lambda m: m.group(1) + _CANONICAL[
                m.group(2).decode()].encode() + b"</literal>", body)
        return body

    def graph(self, body: bytes) -> bytes:
        return _NT_BOOLEAN.sub(lambda m: b'"' + _CANONICAL[m.group(1).decode()].encode()
                               + b'"^^<' + _BOOLEAN.encode() + b">", body)

    def check(self, answer: Answer) -> None:
        state = answer.headers.get("x-sql-state", "")
        if state:
            message = answer.headers.get("x-sql-message", "")
            raise StoreError(self.where, f"Virtuoso answered only in part (SQL state {state}: "
                             f"{message})", "raise [SPARQL] MaxQueryExecutionTime in "
                             "virtuoso.ini (0: no limit), or ask a narrower question")
        if "x-sparql-maxrows" in answer.headers:
            rows = answer.headers["x-sparql-maxrows"]
            raise AnswerCut(self.where, int(rows) if rows.isdigit() else 0,
                            f"Virtuoso cut the answer at {rows} rows",
                            "raise [SPARQL] ResultSetMaxRows in virtuoso.ini above the "
                            "registry's size (Virtuoso answers at most 1,048,576 rows over "
                            "HTTP whatever it says), or ask a narrower question")


    def refused_as_too_large(self, message: str) -> bool:
        # "Virtuoso 22023 Error SR...: The result vector is too large": a CONSTRUCT of a
        # graph of millions (3.5M statements at N=10000), refused whole.
        # "Virtuoso 42000 Error FRVEC: array in for vectored over max vector length 1052331 >
        # 1000000": the same, for a graph of just over a million (the N=3000 registry's).
        return "The result vector is too large" in message or (
            "FRVEC" in message and "max vector length" in message)

    def write_refused(self, message: str, statements: int) -> StoreError | None:
        if "SR325" not in message:
            return None
        needed = max(_AFTER_IMAGE_DEFAULT, statements * _AFTER_IMAGE_PER_STATEMENT)
        return StoreError(
            self.where, f"Virtuoso aborted the write of {statements:,} statements: what one "
            "transaction logs went above [Parameters] TransactionAfterImageLimit in "
            f"virtuoso.ini ({_AFTER_IMAGE_DEFAULT:,} bytes unless set); nothing was written",
            f"set TransactionAfterImageLimit to at least {needed:,} bytes (about "
            f"{_AFTER_IMAGE_PER_STATEMENT} per statement written at once) and restart "
            "Virtuoso, or load the registry as several smaller files")


#: Virtuoso's TransactionAfterImageLimit when virtuoso.ini does not set it (bytes).
_AFTER_IMAGE_DEFAULT = 50_000_000
#: Bytes of that limit to allow per statement of one write: 351,331 statements (the generated
#: N=1000 registry) load within the default, so each costs less than 143; 3.5M do not.
_AFTER_IMAGE_PER_STATEMENT = 300


def _blank_label(value: str) -> str:
    """A blank node label (letters, digits, ``_``) for Virtuoso's ``nodeID://b10006``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", value.removeprefix("nodeID://")) or "b"


ADAPTERS: dict[str, type[Engine]] = {"oxigraph": OxigraphServer, "virtuoso": Virtuoso}


def recognise(server_header: str, where: str) -> type[Engine]:
    """The adapter of the engine whose ``Server`` header this is (for ``sparql+http://``)."""
    header = server_header.lower()
    for adapter in ADAPTERS.values():
        if header.startswith(adapter.server_header):
            return adapter
    raise StoreError(where, f"the engine calls itself {server_header or 'nothing'!r}, which "
                     "cityreg has no adapter for", "name it in the URL: oxigraph+http://... "
                     f"or virtuoso+http://... (credentials: {USER_VARIABLE}, "
                     f"{PASSWORD_VARIABLE})")
