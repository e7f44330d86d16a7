"""A SPARQL engine behind the same methods as a ``pyoxigraph.Store``.

:class:`RemoteStore` answers the part of pyoxigraph's ``Store`` interface that cityreg uses
(``query``, ``update``, ``quads_for_pattern``, ``extend``, ``named_graphs``, ...), so that the
Registry, validation and the access trace run unchanged on an engine reached over HTTP. Its
answers are pyoxigraph's own types: SELECT and ASK results are parsed with
``pyoxigraph.parse_query_results``; CONSTRUCT and DESCRIBE results are read into a small
in-memory store and queried back, so that callers get a real ``QueryTriples``.

Writes are SPARQL Update requests, and one request is one transaction on both engines: a
load is written whole or not at all (see :mod:`registry.store.transaction`).

What "the registry" is on the engine: every graph cityreg wrote. Queries read the union of
the engine's graphs (give the registry an engine of its own). Virtuoso keeps system graphs
of its own beside the data, which name no registry entity; there the listings and counts of
graphs name the registry's graphs: those the provenance graph records, and the reserved
``urn:cityreg:graph:`` graphs (:meth:`RemoteStore.dataset`, read once and again after every
write this process makes; :meth:`RemoteStore.refresh` re-reads it after another process's).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote_plus

import pyoxigraph as ox

from registry.errors import QueryError, StoreError
from registry.remote.client import PASSWORD_VARIABLE, USER_VARIABLE, Client
from registry.remote.engines import ADAPTERS, AnswerCut, Engine, recognise
from registry.remote.location import RemoteLocation
from registry.store.sparql import (
    MAX_HASH_DIGITS,
    form_group_start,
    hash_part,
    hex_prefixes,
    sparql_form,
)

if TYPE_CHECKING:
    from registry.store.transaction import Change

_NTRIPLES = "application/n-triples"
_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
#: Reserved graphs cityreg writes besides the loaded ones (ontology, provenance, validation).
RESERVED_PREFIX = "urn:cityreg:graph:"
#: Graphs that hold a large write's statements until one request moves them into place.
STAGING_PREFIX = "urn:cityreg:staging:"
#: What a staged statement's predicate starts with (followed by the real predicate's IRI).
STAGED_PREDICATE = "urn:cityreg:staged:"


class RemoteStore:
    """One registry held by a SPARQL engine (see the module docstring)."""

    def __init__(self, location: RemoteLocation) -> None:
        where = str(location)
        self.location = location
        self.client = Client(location.base, location.engine, where)
        adapter = ADAPTERS.get(location.engine)
        if adapter is None:
            adapter = recognise(self.client.server_name(), where)
        self.engine: Engine = adapter(where, bool(os.environ.get(USER_VARIABLE)))
        self._dataset: list[str] | None = None
        self._foreign: list[str] | None = None
        self._writing_closure = False
        self.validates_locally = self.engine.validates_locally
        #: a validation's derived relations are derived by the engine (registry.derived)
        self.derives_on_engine = True

    def __repr__(self) -> str:
        return f"<RemoteStore {self.location}>"

    def bounded(self, seconds: float, max_bytes: int) -> RemoteStore:
        """The same store, whose requests each end after ``seconds`` and read at most
        ``max_bytes`` of an answer: for queries from the public."""
        copy = RemoteStore.__new__(RemoteStore)
        copy.__dict__.update(self.__dict__)
        copy.client = Client(self.location.base, self.location.engine, str(self.location),
                             timeout=seconds, max_bytes=max_bytes)
        return copy

    # -- reading ---------------------------------------------------------------------------------

    def query(self, query: str, *, prefixes: Mapping[str, str] | None = None,
              use_default_graph_as_union: bool = False,
              default_graph: Iterable[Any] | None = None,
              substitutions: Mapping[ox.Variable, Any] | None = None,
              **_: Any) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a query on the engine, as ``pyoxigraph.Store.query`` runs it locally.

        The text is parsed by pyoxigraph first, so a malformed query fails with the same
        SyntaxError as on the embedded store and is never sent. ``substitutions`` become a
        ``VALUES`` clause; ``default_graph`` the protocol's ``default-graph-uri`` (the
        engine's unnamed default graph cannot be named remotely and is left out).
        """
        text = _with_prefixes(query, prefixes or {})
        if substitutions:
            text = _with_values(text, substitutions)
        ox.Store().query(text)  # raises SyntaxError exactly as the embedded store would
        text = self.engine.rewrite(text)
        if default_graph is not None:
            graphs: list[str] | None = [graph.value for graph in default_graph
                                        if isinstance(graph, ox.NamedNode)]
        else:
            graphs = None
        union = use_default_graph_as_union and default_graph is None
        form = sparql_form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body = self.engine.graph(self._post_query(text, union, graphs, _NTRIPLES))
            local = ox.Store()
            local.load(body, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
            # Sorted, as the embedded store's own export query sorts them.
            return local.query("CONSTRUCT { ?s ?p ?o } WHERE { SELECT ?s ?p ?o WHERE "
                               "{ ?s ?p ?o } ORDER BY ?s ?p ?o }")
        try:
            body = self.engine.results(form, self._post_query(text, union, graphs,
                                                              self.engine.results_type))
        except AnswerCut as cut:
            split = _split_select(text) if form == "SELECT" else None
            if split is None:
                raise
            merged = _merged(self._bodies_in_parts(*split, cut.rows, union, graphs),
                             self.engine.results_format)
            return ox.parse_query_results(merged, format=ox.QueryResultsFormat.JSON)
        return ox.parse_query_results(body, format=self.engine.results_format)

    def _bodies_in_parts(self, head: str, pattern: str, key: str, cut: int, union: bool,
                         graphs: list[str] | None) -> Iterator[bytes]:
        """The answers to ``head { pattern }`` in parts: the rows whose ``key``'s MD5 hash
        starts with each prefix of as many hex digits as keep a part within half of ``cut``
        rows (one digit more, part by part, where the engine cuts a part too). A hash
        partitions the rows without a sort, which Virtuoso limits for an OFFSET."""
        size = self._count(pattern, union, graphs)
        digits = 1
        while size > 16 ** digits * max(1, cut // 2) and digits < MAX_HASH_DIGITS:
            digits += 1
        for prefix in hex_prefixes(digits):
            yield from self._part_bodies(head, pattern, key, prefix, union, graphs)

    def _part_bodies(self, head: str, pattern: str, key: str, prefix: str, union: bool,
                     graphs: list[str] | None) -> Iterator[bytes]:
        text = f"{head} {{ {pattern} {hash_part(key, prefix)} }}"
        try:
            yield self.engine.results("SELECT", self._post_query(text, union, graphs,
                                                                 self.engine.results_type))
        except AnswerCut:
            if len(prefix) >= MAX_HASH_DIGITS:
                raise
            for longer in hex_prefixes(1):
                yield from self._part_bodies(head, pattern, key, prefix + longer, union,
                                             graphs)

    def _post_query(self, text: str, union: bool, graphs: list[str] | None,
                    accept: str) -> bytes:
        answer = self.client.post(self.engine.query_path,
                                  self.engine.query_fields(text, union, graphs), accept)
        self.engine.check(answer)
        return answer.body

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = None) -> Iterator[ox.Quad]:
        """The named graphs' statements that match (``None``: any); blank nodes cannot be
        named in a remote query and are refused as pattern terms."""
        terms = [subject, predicate, object, graph_name]
        names = ["?s", "?p", "?o", "?g"]
        for index, term in enumerate(terms):
            if isinstance(term, ox.BlankNode):
                raise StoreError(str(self.location), "a blank node cannot be looked up on a "
                                 "remote engine", "give the node an IRI in the data")
            if term is not None and not isinstance(term, ox.DefaultGraph):
                names[index] = str(term)
        if isinstance(graph_name, ox.NamedNode) and subject is None and object is None:
            yield from self._graph_statements(predicate, names, graph_name)
            return
        yield from self._selected_quads(terms, names)

    def _selected_quads(self, terms: list[Any], names: list[str]) -> Iterator[ox.Quad]:
        """The statements matching ``terms`` (their SPARQL text: ``names``) read by a SELECT;
        where the engine cuts the answer (Virtuoso: 2^20 rows), read again predicate by
        predicate, each an index range of the engine, and a predicate's that is cut too in
        parts by hash (each of which scans the whole pattern)."""
        wanted = [name for name in names if name.startswith("?")] or ["?any"]
        pattern = f"GRAPH {names[3]} {{ {names[0]} {names[1]} {names[2]} }}"
        head = f"SELECT {' '.join(wanted)} WHERE"
        try:
            bodies: Iterable[bytes] = [self.engine.results("SELECT", self._post_query(
                f"{head} {{ {pattern} }}", False, None, self.engine.results_type))]
        except AnswerCut as cut:
            if terms[1] is None:
                for each in self._distinct(names[1], pattern):
                    yield from self._selected_quads([terms[0], each, *terms[2:]],
                                                    [names[0], str(each), *names[2:]])
                return
            bodies = self._bodies_in_parts(head, pattern, wanted[0], cut.rows, False, None)
        for solution in self._solutions(bodies):
            values = [term if term is not None else solution[name[1:]]
                      for term, name in zip(terms, names, strict=True)]
            yield ox.Quad(values[0], values[1], values[2], values[3])

    def _graph_statements(self, predicate: ox.NamedNode | None, names: list[str],
                          graph: ox.NamedNode) -> Iterator[ox.Quad]:
        """A named graph's statements (all, or one predicate's), read as N-Triples: Virtuoso
        writes 351k rows as JSON results in 35 s, as N-Triples in 4 s.

        Virtuoso cuts a CONSTRUCT's answer without saying so (no header, unlike a SELECT's),
        and refuses one of millions of statements: the statements read are counted against
        the graph's own count, and an answer cut short or refused is read again predicate by
        predicate, and a predicate's that is cut too by :meth:`_selected_quads`."""
        triple = f"{names[0]} {names[1]} {names[2]}"
        pattern = f"GRAPH {names[3]} {{ {triple} }}"
        try:
            body: bytes | None = self.engine.graph(self._post_query(
                f"CONSTRUCT {{ {triple} }} WHERE {{ {pattern} }}", False, None, _NTRIPLES))
        except (StoreError, QueryError) as error:
            if not self.engine.refused_as_too_large(str(error)):
                raise
            body = None  # refused whole (Virtuoso, millions of statements): read in parts
        if body is None or _statement_lines(body) != self._count(pattern):
            if predicate is None:
                for each in self._distinct(names[1], pattern):
                    yield from self._graph_statements(each, [names[0], str(each), names[2],
                                                             names[3]], graph)
                return
            yield from self._selected_quads([None, predicate, None, graph], names)
            return
        for statement in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(statement.subject, statement.predicate, statement.object, graph)

    def _count(self, pattern: str, union: bool = False, graphs: list[str] | None = None
               ) -> int:
        """How many rows ``pattern`` matches."""
        body = self.engine.results("SELECT", self._post_query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", union, graphs,
            self.engine.results_type))
        [row] = list(self._solutions([body]))
        return int(row[0].value)

    def _distinct(self, variable: str, pattern: str) -> list[ox.NamedNode]:
        """The IRIs ``variable`` takes in ``pattern`` (a few: the predicates of a graph)."""
        body = self.engine.results("SELECT", self._post_query(
            f"SELECT DISTINCT {variable} WHERE {{ {pattern} }}", False, None,
            self.engine.results_type))
        return sorted((row[0] for row in self._solutions([body])
                       if isinstance(row[0], ox.NamedNode)), key=lambda node: node.value)

    def _solutions(self, bodies: Iterable[bytes]) -> Iterator[ox.QuerySolution]:
        for body in bodies:
            solutions = ox.parse_query_results(body, format=self.engine.results_format)
            assert isinstance(solutions, ox.QuerySolutions)
            yield from solutions

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        """Whether the graph holds a statement (engines do not keep empty graphs)."""
        result = self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        return bool(result)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The registry's named graphs that hold statements."""
        if self.engine.foreign_graphs:
            return iter([ox.NamedNode(graph) for graph in self.dataset()])
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(result, ox.QuerySolutions)
        return iter([row[0] for row in result if isinstance(row[0], ox.NamedNode)
                     and not row[0].value.startswith(STAGING_PREFIX)])

    def __len__(self) -> int:
        """Statements in the registry's named graphs (a staged write's parts, left behind by
        a load that was stopped, are not the registry's)."""
        graphs = (ox.NamedNode(graph) for graph in self.dataset()) if (
            self.engine.foreign_graphs) else None
        result = self.query("SELECT (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                            f'FILTER(!STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}',
                            default_graph=graphs)
        assert isinstance(result, ox.QuerySolutions)
        [row] = list(result)
        return int(row[0].value)

    def dataset(self) -> list[str]:
        """The registry's graphs on the engine (see the module docstring); cached."""
        if self._dataset is None:
            from registry.store.provenance import PROVENANCE_GRAPH

            text = (f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH <{PROVENANCE_GRAPH}> "
                    "{ ?g a ?kind } FILTER isIRI(?g) } UNION { GRAPH ?g { ?s ?p ?o } "
                    f"FILTER STRSTARTS(STR(?g), \"{RESERVED_PREFIX}\") }} }}")
            body = self._post_query(text, False, None, self.engine.results_type)
            solutions = ox.parse_query_results(body, format=self.engine.results_format)
            assert isinstance(solutions, ox.QuerySolutions)
            self._dataset = sorted({row[0].value for row in solutions} | {PROVENANCE_GRAPH})
        return self._dataset

    def foreign_graphs(self) -> list[str]:
        """The engine's graphs that hold statements but are not the registry's: Virtuoso's
        system graphs (its ``virtrdf#`` mappings name 270 typed nodes); none on an engine
        that keeps no graphs of its own (the parts of a staged write carry predicates no
        query names). A query over ``GRAPH ?g`` leaves them out
        (:func:`registry.api.readmodel.ReadModel.from_registry`). Read with the list of the
        registry's graphs, and again when that is."""
        if not self.engine.foreign_graphs:
            return []
        if self._foreign is None or self._dataset is None:
            registry = set(self.dataset())
            result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert isinstance(result, ox.QuerySolutions)
            self._foreign = sorted(
                row[0].value for row in result if isinstance(row[0], ox.NamedNode)
                and row[0].value not in registry and not row[0].value.startswith(
                    (RESERVED_PREFIX, STAGING_PREFIX)))
        return self._foreign

    def refresh(self) -> None:
        """Forget the cached list of graphs: another process may have loaded or removed some."""
        self._dataset = None

    def local_copy(self) -> ox.Store:
        """The registry's graphs copied into an in-memory store (for validation on an engine
        that answers some of its queries wrongly: :attr:`Engine.validates_locally`)."""
        copy = ox.Store()
        for graph in self.dataset():
            copy.bulk_extend(self.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        return copy

    # -- writing ---------------------------------------------------------------------------------

    def update(self, update: str, *, prefixes: Mapping[str, str] | None = None,
               **_: Any) -> None:
        """Run a SPARQL Update as one request (one transaction on the engine)."""
        text = _with_prefixes(update, prefixes or {})
        path, fields = self.engine.update_request(text)
        self.client.post(path, fields, "*/*")
        self._dataset = None
        if self.engine.keeps_class_closure and not self._writing_closure:
            self._write_class_closure()

    def _write_class_closure(self) -> None:
        """Write the ``rdfs:subClassOf+`` closure of the registry's class hierarchy into its
        graph, replacing what was there (see :class:`registry.remote.engines.Virtuoso`)."""
        from registry.shacl.classclosure import CLOSURE_GRAPH, closure_quads
        from registry.store.transaction import Change

        quads = closure_quads(cast(ox.Store, self), ox.NamedNode(CLOSURE_GRAPH))
        self._writing_closure = True
        try:
            self.update(f"DROP SILENT GRAPH <{CLOSURE_GRAPH}>")
            if quads:
                self.write_change(Change(add={CLOSURE_GRAPH: quads}))
        finally:
            self._writing_closure = False

    def write_change(self, change: Change) -> None:
        """Write a load's change as one transaction on the engine.

        A change that fits one request is sent as one request. A larger one (Virtuoso takes
        at most 10 MB) is *staged*: its statements are first uploaded, in as many requests as
        it takes, into staging graphs (``urn:cityreg:staging:TIME-ID:...``) that no query of
        the registry reads (they are not the registry's graphs); then one small request moves
        them into place, deletes what the change deletes and writes the provenance records.
        A load that fails or is killed before that request leaves only staging graphs, which
        the next staged write deletes once they are an hour old.
        """
        from registry.store.transaction import operations

        parts = operations(change)
        limit = self.engine.max_request_bytes
        if limit is None or _encoded_size(parts) <= limit:
            self._update_whole(" ;\n".join(parts), change)
            return
        self._write_staged(change, limit)

    def _write_staged(self, change: Change, limit: int) -> None:
        from registry.store.provenance import PROVENANCE_GRAPH
        from registry.store.transaction import Change, insert_operations, operations

        self._drop_stale_staging()
        stamp = f"{STAGING_PREFIX}{int(time.time())}-{uuid.uuid4().hex[:12]}:"
        staged: list[str] = []
        try:
            moves: list[str] = []
            for index, (graph, quads) in enumerate(sorted(change.delete.items())):
                staged.append(f"{stamp}delete-{index}")
                self._upload(staged[-1], quads, limit)
                moves.append(f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
                             f"{_unwrapped(staged[-1])}")
            small = Change(drop=change.drop, clear_blank=change.clear_blank,
                           forget=change.forget)
            adds = []
            for index, (graph, quads) in enumerate(sorted(change.add.items())):
                if graph == PROVENANCE_GRAPH:
                    small.add[graph] = list(quads)
                    continue
                staged.append(f"{stamp}add-{index}")
                self._upload(staged[-1], quads, limit)
                adds.append(f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
                            f"{_unwrapped(staged[-1])}")
            final = operations(Change(drop=small.drop))
            final += moves
            final += operations(Change(clear_blank=small.clear_blank, forget=small.forget))
            final += adds + insert_operations(small.add)
            final += [f"DROP SILENT GRAPH <{graph}>" for graph in staged]
            self._update_whole(" ;\n".join(final), change)
        except BaseException:
            self._drop_quietly(staged)
            raise

    def _update_whole(self, update: str, change: Change) -> None:
        """Run the one update that puts ``change`` in place; a refusal that one of the
        engine's limits explains is raised as the error that names it."""
        try:
            self.update(update)
        except QueryError as error:
            refused = self.engine.write_refused(str(error), sum(
                len(quads) for part in (change.add, change.delete) for quads in part.values()))
            if refused is None:
                raise
            raise refused from None

    def _upload(self, graph: str, quads: Sequence[ox.Quad], limit: int) -> None:
        """See :meth:`_upload_parts`; the class closure is written once the load is in place,
        not after each part (no query of the registry reads the parts)."""
        self._writing_closure, was = True, self._writing_closure
        try:
            self._upload_parts(graph, quads, limit)
        finally:
            self._writing_closure = was

    def _upload_parts(self, graph: str, quads: Sequence[ox.Quad], limit: int) -> None:
        """Add ``quads`` to the staging ``graph`` in requests of at most ``limit`` bytes each,
        each predicate P written as ``<STAGED_PREDICATE + P>``: the union of graphs that the
        queries read then holds nothing a query of the registry matches."""
        from registry.store.transaction import insert_operations

        wrapped = [ox.Quad(quad.subject, ox.NamedNode(STAGED_PREDICATE + quad.predicate.value),
                           quad.object) for quad in quads]
        parts = insert_operations({graph: wrapped})
        batch: list[str] = []
        size = 0  # the batch's encoded size, kept as parts are added (encoding the whole
        # batch again for each part made a load of 3.5M statements quadratic)
        for part in parts:
            grown = _encoded_size([part]) if not batch else \
                size + len(_SEPARATOR) + _encoded_size([part]) - len(_FIELD)
            if batch and grown > limit:
                self.update(" ;\n".join(batch))
                batch, grown = [], _encoded_size([part])
            batch.append(part)
            size = grown
        if batch:
            if size > limit:
                raise StoreError(str(self.location), f"the statements with blank nodes of one "
                                 f"graph take more than {limit:,} bytes, more than the engine "
                                 "takes in one request", "give those nodes IRIs in the data")
            self.update(" ;\n".join(batch))

    def _drop_stale_staging(self) -> None:
        """Drop the staging graphs of loads that died more than an hour ago."""
        result = self._post_query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER STRSTARTS(STR(?g), \"{STAGING_PREFIX}\") }}", False, None,
            self.engine.results_type)
        solutions = ox.parse_query_results(result, format=self.engine.results_format)
        assert isinstance(solutions, ox.QuerySolutions)
        hour_ago = time.time() - 3600
        stale = []
        for row in solutions:
            stamp = row[0].value[len(STAGING_PREFIX):].split("-", 1)[0]
            if stamp.isdigit() and int(stamp) < hour_ago:
                stale.append(row[0].value)
        self._drop_quietly(stale)

    def _drop_quietly(self, graphs: list[str]) -> None:
        if not graphs:
            return
        # An engine that is down keeps them; the next staged write drops them.
        with contextlib.suppress(StoreError, QueryError):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in graphs))

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add statements as one transaction (see :meth:`write_change`)."""
        from registry.store.transaction import Change

        by_graph: dict[str, list[ox.Quad]] = {}
        for quad in quads:
            graph = quad.graph_name
            key = graph.value if isinstance(graph, ox.NamedNode) else ""
            by_graph.setdefault(key, []).append(quad)
        if by_graph:
            self.write_change(Change(add=by_graph))

    bulk_extend = extend

    def remove_graph(self, graph: ox.NamedNode) -> None:
        """Drop one named graph."""
        self.update(f"DROP SILENT GRAPH {graph}")

    def flush(self) -> None:
        """Nothing to do: the engine persists each transaction itself."""

    def backup(self, target: str) -> None:
        """Remote engines are backed up with their own tools."""
        raise StoreError(str(self.location), "a remote engine cannot be copied into a folder",
                         "use the engine's own backup (oxigraph backup, Virtuoso's "
                         "checkpoint and backup_online)")

    def credentials_hint(self) -> str:
        """Where the credentials come from (for messages)."""
        return f"{USER_VARIABLE} / {PASSWORD_VARIABLE}"


#: A SELECT that can be read in parts: its head, the pattern in its one group, no modifier.
_PLAIN_SELECT = re.compile(
    r"\A(?P<head>(?:\s*(?:PREFIX|BASE)\b[^\n]*\n)*\s*SELECT\s+(?:DISTINCT\s+)?"
    r"(?P<key>\?\w+)(?:\s+\?\w+)*\s+WHERE)\s*\{(?P<pattern>.*)\}\s*\Z",
    re.IGNORECASE | re.DOTALL)


def _split_select(text: str) -> tuple[str, str, str] | None:
    """``(head, pattern, first variable)`` of a SELECT of variables over one group with no
    solution modifier (what can be read in parts and put together); None for another."""
    match = _PLAIN_SELECT.match(text)
    if match is None or re.search(r"\b(?:GROUP|ORDER|LIMIT|OFFSET|HAVING)\b",
                                  text[match.end("pattern"):], re.IGNORECASE):
        return None
    return match["head"], match["pattern"], match["key"]


def _merged(bodies: Iterable[bytes], form: ox.QueryResultsFormat) -> bytes:
    """SPARQL results (written in ``form``) put together as JSON results: the first's head,
    every part's rows."""
    head: object = None
    bindings: list[object] = []
    for body in bodies:
        if form != ox.QueryResultsFormat.JSON:
            solutions = ox.parse_query_results(body, format=form)
            assert isinstance(solutions, ox.QuerySolutions)
            part = json.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON) or b"{}")
        else:
            part = json.loads(body)
        head = part["head"] if head is None else head
        bindings += part["results"]["bindings"]
    return json.dumps({"head": head, "results": {"bindings": bindings}}).encode()


def _unwrapped(staging: str) -> str:
    """The WHERE clause that reads a staging graph's statements with their own predicates."""
    start = len(STAGED_PREDICATE) + 1
    return (f"WHERE {{ GRAPH <{staging}> {{ ?s ?staged ?o }} "
            f"BIND (IRI(SUBSTR(STR(?staged), {start})) AS ?p) }}")


_FIELD = "update="
_SEPARATOR = quote_plus(" ;\n")


def _encoded_size(parts: list[str]) -> int:
    """The bytes of the form-encoded request that sends ``parts`` as one update (what
    ``urlencode({"update": " ;\\n".join(parts)})`` would take, without building it)."""
    if not parts:
        return len(_FIELD)
    return len(_FIELD) + sum(len(quote_plus(part)) for part in parts) + \
        len(_SEPARATOR) * (len(parts) - 1)


#: A line of N-Triples that holds a statement (not a comment, not blank).
_STATEMENT_LINE = re.compile(rb"^[^#\s]", re.MULTILINE)


def _statement_lines(body: bytes) -> int:
    """The statements of an N-Triples answer (one a line), counted without parsing them."""
    return sum(1 for _ in _STATEMENT_LINE.finditer(body))


def _with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    declared = {match.group(1) or "" for match in _PREFIX_DECLARATION.finditer(text)}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items() if name not in declared]
    return "\n".join([*lines, text]) if lines else text


def _with_values(text: str, substitutions: Mapping[ox.Variable, Any]) -> str:
    """The query with a VALUES clause that binds each substituted variable: trailing, or for
    an ASK (after which Virtuoso refuses one: "syntax error at 'VALUES'") first in its
    group pattern, which joins it with the same solutions."""
    names = " ".join(str(variable) for variable in substitutions)
    values = " ".join(str(term) for term in substitutions.values())
    form = sparql_form(text)
    if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise QueryError("only a query can have variables bound")
    clause = f"VALUES ({names}) {{ ({values}) }}"
    start = form_group_start(text) if form == "ASK" else None
    if start is not None:
        return f"{text[:start + 1]} {clause}\n{text[start + 1:]}"
    return f"{text}\n{clause}"
