"""The Registry: the one object that owns the RDF graph.

Everything cityreg knows lives in one pyoxigraph store, in memory or on disk (RocksDB):

* one named graph per loaded file (IRI: its ``file://`` URI, or ``graph_base`` + its path);
* ``urn:cityreg:graph:ontology``: the built-in cityreg ontology;
* ``urn:cityreg:graph:provenance``: one PROV-O record per graph (see provenance.py).

Queries see the union of all graphs as their default graph. Counts, stats and exports are about
the *data*: they leave out the provenance graph and, unless asked, the ontology.
"""

from __future__ import annotations

import hashlib
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal, TypeAlias, TypeVar, cast

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from registry import resources
from registry.errors import (
    CityregError,
    InputError,
    NotFoundError,
    QueryError,
    StoreError,
    StoreLocked,
)
from registry.remote.location import RemoteLocation
from registry.store import planning, sparql, transaction
from registry.store.changes import bump_marker
from registry.store.formats import (
    GRAPH_KEEPING_EXPORTS,
    export_syntax,
    require_syntax_for_path,
)
from registry.store.planning import Statement
from registry.store.provenance import (
    CLASS_CLOSURE_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    RDFS,
    RESERVED_GRAPHS,
    GraphRecord,
    read_records,
    update_token_text,
)
from registry.store.reports import ClassCount, GraphChange, LoadReport, SourceLoad
from registry.store.sources import Source, discover
from registry.store.terms import OxTerm, to_oxigraph, to_rdflib
from registry.store.versioning import HISTORY_GRAPH, Version, update_record

OntologyChoice: TypeAlias = str | Path | Literal[False] | None
"""``None``: the built-in ontology; a path: that file; ``False``: no ontology."""
QueryResult: TypeAlias = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

_T = TypeVar("_T")

#: How long opening a store waits for another process's lock before it gives up: a load or
#: import holds it for its duration, ``cityreg serve`` only for the instant of a checkpoint.
LOCK_WAIT_SECONDS = 10.0


class Registry:
    """The registry's RDF dataset, with atomic loads, provenance and SPARQL.

    Create one with :meth:`memory` or :meth:`open`; use it as a context manager or call
    :meth:`close`. Not thread-safe for writes; reads may run concurrently.
    """

    def __init__(self, store: ox.Store, path: Path | None,
                 location: RemoteLocation | None = None) -> None:
        """Wrap an already opened store; prefer :meth:`memory`, :meth:`open`, :meth:`connect`."""
        self._ox: ox.Store | None = store
        self._path = path
        self._location = location
        self._version: Version | None = None

    # -- opening and closing --------------------------------------------------------------------

    @classmethod
    def memory(cls, ontology: OntologyChoice = None) -> Registry:
        """A registry held in memory, gone when closed."""
        registry = cls(ox.Store(), None)
        registry._sync_ontology(ontology)
        return registry

    @classmethod
    def restored(cls, quads: Iterable[ox.Quad], ontology: OntologyChoice = None) -> Registry:
        """An in-memory registry holding exactly ``quads`` (with their graphs and provenance
        records) and the ontology: an earlier version rebuilt by registry.history."""
        registry = cls(ox.Store(), None)
        registry._store.bulk_extend(quads)
        registry._sync_ontology(ontology)
        return registry

    @classmethod
    def open(cls, path: str | Path, ontology: OntologyChoice = None, *,
             wait: float = LOCK_WAIT_SECONDS) -> Registry:
        """Open (or create) the on-disk registry in the folder ``path``.

        The ontology graph is (re)loaded when it is missing or its file changed. Only one
        process may have a store open at a time: while another holds it, this waits up to
        ``wait`` seconds for it to let go, then fails with a StoreError that says so.
        """
        folder = Path(path)
        deadline = time.monotonic() + wait
        while True:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                # Absolute: RocksDB keeps the path for its background work, which must not
                # follow a later chdir into another folder.
                store = ox.Store(str(folder.resolve()))
                break
            except FileExistsError:
                raise StoreError(folder, "it is a file, expected a folder",
                                 "give a folder path (it is created if missing)") from None
            except (OSError, RuntimeError) as error:
                if not _is_lock_error(error) or time.monotonic() >= deadline:
                    raise _open_error(folder, error, wait) from error
                time.sleep(0.05)
        registry = cls(store, folder)
        try:
            registry._sync_ontology(ontology)
        except BaseException:
            registry.close()
            raise
        return registry

    @classmethod
    def connect(cls, location: str | RemoteLocation, ontology: OntologyChoice = None
                ) -> Registry:
        """The registry held by a SPARQL engine (``oxigraph+http://HOST:PORT``, see
        :mod:`registry.remote`): everything the embedded store does, each write one
        transaction on the engine. The ontology graph is written when missing or changed."""
        from registry.remote import RemoteStore, parse_location

        where = location if isinstance(location, RemoteLocation) else parse_location(location)
        # RemoteStore answers the part of pyoxigraph.Store's interface that cityreg uses.
        registry = cls(cast(ox.Store, RemoteStore(where)), None, where)
        registry._sync_ontology(ontology)
        return registry

    @property
    def location(self) -> RemoteLocation | None:
        """The engine that holds the registry, or ``None`` for the embedded store."""
        return self._location

    @property
    def path(self) -> Path | None:
        """The store's folder, or ``None`` in memory."""
        return self._path

    def close(self) -> None:
        """Flush to disk and release the store (and its lock). Safe to call twice."""
        if self._ox is not None and self._path is not None:
            self._ox.flush()
        self._ox = None

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self._location or self._path or "memory")
        return f"<Registry {where}{' closed' if self._ox is None else ''}>"

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store itself, for engines that query it in bulk (validation, flows).

        Read from it freely; write only through :meth:`load`, :meth:`load_quads` and
        :meth:`update`, which keep the provenance records right.
        """
        return self._store

    @property
    def _store(self) -> ox.Store:
        if self._ox is None:
            raise StoreError(self._path, "the registry was closed",
                             "open it again with Registry.open() or Registry.memory()")
        return self._ox

    # -- loading ----------------------------------------------------------------------------------

    @contextmanager
    def recording(self, command: str) -> Iterator[Version]:
        """Make the writes inside one version of the registry, recorded as made by ``command``
        (such as ``cityreg import``); outside, each write is a version of its own.

        Nested calls join the outer version. Writes that change nothing record nothing.
        """
        if self._version is not None:
            yield self._version
            return
        self._version = Version(command)
        try:
            yield self._version
        finally:
            self._version = None

    def _writing(self, call: str) -> Version:
        """The version a write belongs to: the open one, else one for this call alone."""
        return self._version or Version(call)

    def load(self, *paths: str | Path, graph_base: str | None = None,
             progress: Callable[[int, int], None] | None = None) -> LoadReport:
        """Load RDF files and folder trees, each file into its own named graph, atomically.

        If any file is malformed a ParseError names ``file:line:col`` and the store is left
        exactly as it was. A file loaded before is replaced (its graphs and provenance only); a
        file whose SHA-256 did not change is skipped and reported ``unchanged``. New Turtle,
        N-Triples and RDF/XML files go straight into their new graphs through pyoxigraph's
        bulk loader (which is undone if the load fails); the others are parsed into memory
        before anything is written. See :func:`sources.discover` for ``graph_base``.

        ``progress(done, total)`` counts the source files: 0 once they are found, then one
        more as each is checked unchanged, parsed or streamed in; all of them only once the
        load is written.
        """
        sources = discover(paths, graph_base)
        total, done = len(sources), 0

        def one_more() -> None:
            nonlocal done
            done += 1
            if progress is not None and done < total:  # the last once the load is written
                progress(done, total)

        if progress is not None:
            progress(0, total)
        plan = planning.plan_files(sources, self._records(), self._has_graph, one_more,
                                   can_stream=self._location is None)
        try:
            streamed = transaction.apply(self._store, plan.replacements, plan.streams,
                                         file_done=one_more,
                                         version=self._writing("Registry.load"))
            if plan.replacements or plan.streams:
                self._committed()
        except CityregError as error:
            # A streamed file's ParseError is raised with the store in its frames' locals: a
            # caller keeping the error must not keep the store, and its lock, open after close.
            traceback.clear_frames(error.__traceback__)
            raise
        if progress is not None:
            progress(total, total)
        return plan.report(streamed)

    def load_quads(
        self, graph_iri: str, statements: Iterable[Statement], provenance: Mapping[str, str]
    ) -> SourceLoad:
        """Replace the named graph ``graph_iri`` with ``statements``, atomically.

        For importers that build data in memory. ``provenance`` needs ``source`` (the IRI the
        data was derived from) and ``format`` (its media type, e.g. ``text/csv``); ``sha256``
        is optional (the source file's checksum: equal to the stored one means ``unchanged``
        and nothing is written; without it, the checksum of the statements is used).
        """
        replacement, result = planning.plan_graph(
            graph_iri, statements, provenance, self._records(), self._has_graph)
        if replacement is not None:
            transaction.apply(self._store, [replacement],
                              version=self._writing("Registry.load_quads"))
            self._committed()
        return result

    replace_graph = load_quads

    def replace_source(self, source: str, sha256: str, media_type: str,
                       graphs: Mapping[str, Iterable[ox.Quad]]) -> list[GraphChange]:
        """Make the graphs derived from ``source`` exactly ``graphs`` (graph IRI -> its
        quads), in one transaction: new graphs are added, changed ones rewritten, graphs the
        source no longer has removed, each with its provenance record (``sha256`` of the
        source's bytes, ``media_type``, the time now). Nothing is written when ``sha256`` is the
        recorded one. For a harvest (registry.harvest), where one download fills many graphs.
        """
        by_graph = {graph: {ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
                            for q in quads} for graph, quads in graphs.items()}
        replacement, changes = planning.plan_source(
            source, sha256, media_type, by_graph, self._records(), self._has_graph,
            self._graph_quads)
        if replacement is not None:
            transaction.apply(self._store, [replacement],
                              version=self._writing("Registry.replace_source"))
            self._committed()
        return changes

    def _graph_quads(self, graph: str) -> set[ox.Quad]:
        return set(self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def remove_graph(self, graph_iri: str) -> None:
        """Remove one named graph and its provenance record."""
        if graph_iri not in self._records() and not self._has_graph(graph_iri):
            raise NotFoundError("graph", graph_iri, "list the registry's graphs with "
                                "Registry.graphs() or `cityreg stats`")
        transaction.drop_graphs(self._store, [graph_iri],
                                self._writing("Registry.remove_graph"))
        self._committed()

    def _sync_ontology(self, ontology: OntologyChoice) -> None:
        """Load the ontology into its graph unless the same file is already there."""
        if ontology is False:
            return
        path = _ontology_path(ontology, self._path)
        resolved = path.resolve()
        source = Source(str(path), resolved, resolved.as_uri(), ONTOLOGY_GRAPH,
                        require_syntax_for_path(path))
        replacement = planning.plan_ontology(source, self._records(), self._has_graph)
        if replacement is not None:
            transaction.apply(self._store, [replacement])

    def _has_graph(self, graph_iri: str) -> bool:
        return bool(self._store.contains_named_graph(ox.NamedNode(graph_iri)))

    def _records(self) -> dict[str, GraphRecord]:
        return read_records(
            self._store.quads_for_pattern(None, None, None, ox.NamedNode(PROVENANCE_GRAPH)))

    # -- querying ---------------------------------------------------------------------------------

    def raw_query(self, sparql_text: str, bindings: Mapping[str, Node] | None = None
                  ) -> QueryResult:
        """Run a read-only SPARQL query; pyoxigraph's own lazy result, for hot paths.

        The default graph is the union of all named graphs; common prefixes (cityreg, rdf,
        rdfs, xsd, owl, prov, dct, dcat, ...) need no declaration. ``bindings`` pre-binds
        variables (name without ``?`` -> rdflib term), which is safer than formatting values
        into the text; a bound variable must be one the query returns (or use ``SELECT *``).
        """
        sparql.refuse_service(sparql_text)
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(name): to_oxigraph(term) for name, term in (bindings or {}).items()}
        try:
            return self._store.query(
                sparql_text, prefixes=sparql.DEFAULT_PREFIXES, use_default_graph_as_union=True,
                substitutions=substitutions or None)
        except SyntaxError as error:
            raise sparql.syntax_error(error, sparql_text, "query") from error
        except RuntimeError as error:
            if not substitutions:
                raise
            raise QueryError(f"cannot bind {', '.join(sorted(bindings or {}))}: {error}; bind "
                             "only variables that the query returns") from error

    def select(self, sparql_text: str, bindings: Mapping[str, Node] | None = None
               ) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms; unbound variables are left out."""
        result = self._expect(sparql_text, bindings, ox.QuerySolutions, "SELECT", "select")
        names = [variable.value for variable in result.variables]
        return [
            {name: to_rdflib(term) for name, term in zip(names, solution, strict=True)
             if term is not None}
            for solution in result
        ]

    def select_terms(self, sparql_text: str) -> list[tuple[OxTerm, ...]]:
        """Rows of a SELECT query as tuples of pyoxigraph's own terms (``.value`` is an IRI's
        text or a literal's lexical form), in the order of the query's variables; for hot paths
        whose rows are too many to make rdflib terms of. Every variable must be bound."""
        result = self._expect(sparql_text, None, ox.QuerySolutions, "SELECT", "select")
        width = len(result.variables)
        rows: list[tuple[OxTerm, ...]] = []
        for solution in result:
            row = tuple(solution[index] for index in range(width))
            if any(term is None for term in row):
                raise QueryError("select_terms needs every variable bound; use select() for "
                                 "a query with OPTIONAL parts")
            rows.append(row)
        return rows

    def ask(self, sparql_text: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """The answer of an ASK query."""
        return bool(self._expect(sparql_text, bindings, ox.QueryBoolean, "ASK", "ask"))

    def construct(self, sparql_text: str, bindings: Mapping[str, Node] | None = None
                  ) -> rdflib.Graph:
        """The graph a CONSTRUCT (or DESCRIBE) query builds, as an rdflib Graph."""
        result = self._expect(sparql_text, bindings, ox.QueryTriples, "CONSTRUCT", "construct")
        graph = rdflib.Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                       to_rdflib(triple.object)))
        return graph

    def _expect(self, text: str, bindings: Mapping[str, Node] | None, kind: type[_T],
                form: str, method: str) -> _T:
        result = self.raw_query(text, bindings)
        if not isinstance(result, kind):
            got = sparql.sparql_form(text) or type(result).__name__
            raise QueryError(f"Registry.{method}() expects a {form} query, but got {got}; "
                             "use select(), ask() or construct() to match the query")
        return result

    def update(self, sparql_text: str) -> None:
        """Run a SPARQL Update, atomically. Provenance records are not adjusted.

        The update is recorded as a version whose statements are not known
        (``cityreg:statementsNotRecorded``): the history cannot reconstruct the registry as it
        was before it. Load files to keep the history whole.

        ``INSERT`` without ``GRAPH`` writes into the store's default graph, which queries,
        counts and exports include. ``LOAD <url>`` fetches from the network: trusted callers only.
        """
        # The update and the new update token in one request: both are written, or neither.
        body = sparql_text.rstrip()
        body = body[:-1] if body.endswith(";") else body
        record = update_record(self._writing("Registry.update"), self._store, body,
                               datetime.now(UTC))
        text = f"{body}\n;\n{update_token_text(uuid.uuid4().hex)} ;\n{record}"
        try:
            self._store.update(text, prefixes=sparql.DEFAULT_PREFIXES)
        except SyntaxError as error:
            raise sparql.syntax_error(error, sparql_text, "update") from error
        self._committed()

    def state_token(self) -> str:
        """A text that changes whenever a load, import or update commits: for a server that
        watches a registry held by a SPARQL engine (a store folder has its change marker)."""
        refresh = getattr(self._store, "refresh", None)  # a RemoteStore's cached graph list
        if refresh is not None:
            refresh()
        quads = sorted(str(quad) for quad in self._store.quads_for_pattern(
            None, None, None, ox.NamedNode(PROVENANCE_GRAPH)))
        return hashlib.sha256("\n".join(quads).encode()).hexdigest()

    def _committed(self) -> None:
        """Tell a server that serves this store folder that it changed (see changes.py)."""
        if self._path is not None:
            bump_marker(self._path)

    # -- exporting and counting -------------------------------------------------------------------

    def export(self, fmt: str, out: BinaryIO | str | Path, include_ontology: bool = False
               ) -> None:
        """Write the registry as ``turtle``, ``json-ld``, ``n-triples`` or ``n-quads``.

        Triple formats get the deduplicated union of the data graphs, sorted by subject so that
        exports of the same data diff cleanly; ``n-quads`` keeps every named graph, the
        provenance graph included. The ontology only with ``include_ontology``.
        """
        syntax = export_syntax(fmt)
        graphs = self._data_graphs(include_ontology)
        target = str(out) if isinstance(out, str | Path) else out
        try:
            if fmt in GRAPH_KEEPING_EXPORTS:
                graphs.append(ox.NamedNode(PROVENANCE_GRAPH))
                quads = (quad for graph in graphs
                         for quad in self._store.quads_for_pattern(None, None, None, graph))
                ox.serialize(quads, target, syntax.rdf_format)
                return
            triples = self._store.query(
                "CONSTRUCT { ?s ?p ?o } WHERE "
                "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o }",
                default_graph=graphs)
            assert isinstance(triples, ox.QueryTriples)
            prefixes = sparql.DEFAULT_PREFIXES if syntax.rdf_format == ox.RdfFormat.TURTLE else None
            ox.serialize(triples, target, syntax.rdf_format, prefixes=prefixes)
        except BrokenPipeError:
            raise  # the reader went away (`cityreg export | head`): not a folder's fault
        except OSError as error:
            raise InputError(f"cannot write the export to {out}: {error.strerror or error}; "
                             "check that the folder exists and is writable") from error

    def to_rdflib_graph(self, include_ontology: bool = True) -> rdflib.Graph:
        """The union of the data graphs (and the ontology) as an rdflib Graph, without provenance.

        Copies every statement into Python objects: for the pyshacl oracle and small
        registries, not for hot paths.
        """
        graph = rdflib.Graph()
        for name in self._data_graphs(include_ontology):
            for quad in self._store.quads_for_pattern(None, None, None, name):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                           to_rdflib(quad.object)))
        return graph

    def count(self, include_ontology: bool = False) -> int:
        """Statements in the data graphs (and the default graph), provenance left out."""
        excluded = (sorted({PROVENANCE_GRAPH, CLASS_CLOSURE_GRAPH, HISTORY_GRAPH})
                    if include_ontology
                    else sorted(RESERVED_GRAPHS))
        return len(self._store) - sum(self._graph_size(graph) for graph in excluded)

    def __len__(self) -> int:
        """Same as ``count()``: data statements, without ontology and provenance."""
        return self.count()

    def stats(self) -> dict[str, ClassCount]:
        """Distinct instances per ``rdf:type`` in the data, most frequent class first.

        Keys are class IRIs; each value carries the class's label from the ontology graph.
        """
        rows = self._store.query(
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class FILTER isIRI(?class) }"
            " GROUP BY ?class",
            default_graph=self._data_graphs(include_ontology=False))
        assert isinstance(rows, ox.QuerySolutions)
        counts = sorted(((row[0].value, int(row[1].value)) for row in rows),
                        key=lambda item: (-item[1], item[0]))
        labels = self._ontology_labels()
        return {iri: ClassCount(iri, labels.get(iri), n) for iri, n in counts}

    def graphs(self) -> list[GraphRecord]:
        """The provenance record of every graph, ontology included, sorted by graph IRI."""
        return sorted(self._records().values(), key=lambda record: record.graph)

    def _data_graphs(self, include_ontology: bool
                     ) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
        # With the ontology: every graph but provenance and the class closure an engine
        # keeps (registry.remote), the validation's context and derived relations included.
        excluded = ({PROVENANCE_GRAPH, CLASS_CLOSURE_GRAPH, HISTORY_GRAPH} if include_ontology
                    else set(RESERVED_GRAPHS))
        names: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        names += [g for g in self._store.named_graphs() if g.value not in excluded]
        return names

    def _graph_size(self, graph: str) -> int:
        return transaction.graph_size(self._store, graph)

    def _ontology_labels(self) -> dict[str, str]:
        """Class IRI -> rdfs:label, preferring English, then no language tag, then any."""
        best: dict[str, tuple[int, str]] = {}
        label = ox.NamedNode(RDFS + "label")
        for quad in self._store.quads_for_pattern(None, label, None, ox.NamedNode(ONTOLOGY_GRAPH)):
            if not isinstance(quad.subject, ox.NamedNode) or not isinstance(quad.object,
                                                                           ox.Literal):
                continue
            language = quad.object.language
            rank = 0 if language == "en" else 1 if language is None else 2
            candidate = (rank, quad.object.value)
            best[quad.subject.value] = min(best.get(quad.subject.value, candidate), candidate)
        return {iri: text for iri, (_, text) in best.items()}


def _is_lock_error(error: Exception) -> bool:
    return "lock" in str(error).lower()


def _open_error(folder: Path, error: Exception, waited: float) -> StoreError:
    if _is_lock_error(error):
        return StoreLocked(folder, "it is already open, in this or another process (locked)"
                          + (f", still after {waited:g} s" if waited else ""),
                          "wait for the other `cityreg load`, `import` or query to finish and "
                          "retry (`cityreg serve` holds the lock only while it takes a "
                          "checkpoint)")
    return StoreError(folder, f"it is not a cityreg store ({error})",
                      "give an empty folder or one created by `cityreg load --store`")


def _ontology_path(ontology: str | Path | None, store_path: Path | None) -> Path:
    if ontology is None:
        try:
            path = resources.ontology_path()
        except FileNotFoundError as error:
            raise StoreError(store_path, str(error), "pass ontology=False to open without it"
                             ) from error
        if not path.is_file():
            raise StoreError(store_path, f"the built-in ontology {path} is missing",
                             "reinstall cityreg or run from a complete checkout")
        return path
    path = Path(ontology)
    if not path.is_file():
        raise InputError(f"the ontology file {str(path)!r} does not exist: expected a Turtle "
                         "file; check the path, or pass ontology=None for the built-in one")
    return path
