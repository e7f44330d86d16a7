"""Writing a batch of graph replacements into the store in one transaction.

pyoxigraph offers no Python transaction object, but two of its writes are transactional on
their own: ``Store.extend`` (adds quads, all or nothing) and ``Store.update`` (one SPARQL Update
request, all or nothing). A batch that only adds new graphs goes through ``extend``, the fast
path. A batch that also replaces graphs is sent as *one* update request - ``DROP GRAPH``,
``DELETE DATA``, ``DELETE ... WHERE``, ``INSERT DATA`` - so that a crash or an error can never
leave a file's graph half replaced. Refilled graphs are diffed against the store first, so a
small change to a large file is a small write (see bench/load.py for what that buys on disk).

A batch may also carry streams (:class:`Stream`): new files that pyoxigraph's bulk loader
writes straight into one graph that did not exist, without Python ever holding their quads.
The bulk loader is not transactional, so streams go first and their provenance records go into
the one transactional write above; if a stream or that write fails, the streamed graphs are
dropped again, which restores the store exactly because they were new and nothing else has
been written yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from registry.store import versioning
from registry.store.provenance import PROVENANCE_GRAPH, GraphRecord, record_quads
from registry.store.sources import Source, stream_source
from registry.store.versioning import HISTORY_GRAPH, GraphDelta, Version


@dataclass(frozen=True)
class Replacement:
    """The new content of the graphs derived from one source, and the graphs it replaces."""

    source: str
    """IRI the graphs are derived from (``prov:wasDerivedFrom``)."""
    sha256: str
    media_type: str
    graphs: dict[str, set[ox.Quad]]
    """New graph IRI -> its distinct quads (already in that graph)."""
    old_graphs: frozenset[str]
    """Graphs to drop first, with their provenance: the source's previous graphs and any
    existing graph of the same name."""

    def records(self, now: datetime) -> list[GraphRecord]:
        """One provenance record per new graph."""
        return [
            GraphRecord(graph, self.source, self.sha256, now, len(quads), self.media_type)
            for graph, quads in sorted(self.graphs.items())
        ]


@dataclass(frozen=True)
class Stream:
    """A new file that the bulk loader writes into its own graph, which does not exist yet."""

    source: Source
    sha256: str
    """Hex SHA-256 of the file's bytes."""

    def record(self, now: datetime, statement_count: int) -> GraphRecord:
        """The provenance record of the graph, once its statements are counted."""
        return GraphRecord(self.source.graph, self.source.uri, self.sha256, now,
                           statement_count, self.source.syntax.media_type)


def checksum(quads: Iterable[ox.Quad]) -> str:
    """SHA-256 of the sorted N-Quads lines: equal for equal sets of ground quads."""
    digest = hashlib.sha256()
    for line in sorted(str(quad) for quad in quads):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass
class Change:
    """What one write does: whole graphs to drop, statements to delete, statements to add."""

    drop: set[str] = field(default_factory=set)
    delete: dict[str, list[ox.Quad]] = field(default_factory=dict)
    clear_blank: set[str] = field(default_factory=set)
    """Graphs whose statements with blank nodes are all deleted (by pattern: SPARQL cannot
    name a stored blank node), then re-added from the new content."""
    forget: set[str] = field(default_factory=set)
    """Graphs whose provenance record is deleted."""
    add: dict[str, list[ox.Quad]] = field(default_factory=dict)

    def is_pure_addition(self) -> bool:
        return not (self.drop or self.delete or self.clear_blank or self.forget)


def apply(store: ox.Store, replacements: list[Replacement], streams: Sequence[Stream] = (),
          now: datetime | None = None, *, file_done: Callable[[], None] | None = None,
          version: Version | None = None) -> dict[str, int]:
    """Replace the old graphs by the new ones, stream new files in, with provenance, atomically.

    A graph that is refilled is *diffed*, not dropped: only statements that disappeared are
    deleted and only new ones added, so reloading a large file with a small change writes
    little (deletes are the slow part of a RocksDB transaction). Streams are bulk-loaded
    first and dropped again if anything fails, so the store is then left as it was. Returns
    the number of distinct statements of each streamed graph (graph IRI -> count).
    ``file_done()`` is called after each stream is loaded, for progress. With a ``version``,
    what the write changes is recorded in the history graph in the same transaction
    (:mod:`registry.store.versioning`).
    """
    now = now or datetime.now(UTC)
    streamed: list[str] = []
    try:
        counts = _stream(store, streams, streamed, file_done)
        change = _change(store, replacements)
        provenance = change.add.setdefault(PROVENANCE_GRAPH, [])
        for replacement in replacements:
            for record in replacement.records(now):
                provenance.extend(record_quads(record))
        for stream in streams:
            provenance.extend(record_quads(stream.record(now, counts[stream.source.graph])))
        if version is not None:
            sources = {(r.source, r.sha256) for r in replacements}
            sources |= {(s.source.uri, s.sha256) for s in streams}
            _record(store, change, version, sources, counts, now)
        _write(store, change)
    except BaseException:
        _drop_streamed(store, streamed)
        raise
    return counts


def drop_graphs(store: ox.Store, graphs: Iterable[str], version: Version | None = None
                ) -> None:
    """Remove graphs and their provenance records in one transaction (recorded as a version
    when one is given)."""
    change = Change(drop=set(graphs), forget=set(graphs))
    if version is not None:
        _record(store, change, version, set(), {}, datetime.now(UTC))
    _write(store, change)


def _record(store: ox.Store, change: Change, version: Version,
            sources: set[tuple[str, str]], streamed: Mapping[str, int], now: datetime) -> None:
    """Add to ``change`` the history statements that record it as part of ``version``."""
    history = versioning.record(version, store, deltas(store, change, streamed), sources, now)
    if history:
        change.add.setdefault(HISTORY_GRAPH, []).extend(history)


def deltas(store: ox.Store, change: Change, streamed: Mapping[str, int]) -> list[GraphDelta]:
    """What ``change`` will do to each graph of the versioned part, read before it is written.

    ``streamed`` (graph -> statement count) are the graphs the bulk loader has just created.
    Statements added to a graph that is created are counted, not kept; statements with blank
    nodes added to a refilled graph are not kept either, since undoing the refill removes every
    statement with a blank node from it and puts the removed ones back.
    """
    found: dict[str, GraphDelta] = {}

    def of(graph: str) -> GraphDelta:
        return found.setdefault(graph, GraphDelta(graph))

    for graph in sorted(change.drop):
        of(graph).removed.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    for graph, quads in change.delete.items():
        of(graph).removed.extend(quads)
    for graph in sorted(change.clear_blank):
        delta = of(graph)
        delta.blank_replaced = True
        delta.removed.extend(quad for quad in store.quads_for_pattern(
            None, None, None, ox.NamedNode(graph)) if _has_blank_node(quad))
    provenance_before = set(store.quads_for_pattern(None, None, None,
                                                    ox.NamedNode(PROVENANCE_GRAPH)))
    forgotten = [quad for quad in provenance_before
                 if isinstance(quad.subject, ox.NamedNode) and quad.subject.value in change.forget
                 and versioning.is_versioned(quad)]
    if forgotten:
        of(PROVENANCE_GRAPH).removed.extend(forgotten)
    for graph, quads in change.add.items():
        if graph in (HISTORY_GRAPH, ""):
            continue
        delta = of(graph)
        if graph == PROVENANCE_GRAPH:
            kept = provenance_before - set(forgotten)
            quads = [quad for quad in quads if quad not in kept and versioning.is_versioned(quad)]
        if not store.contains_named_graph(ox.NamedNode(graph)):
            delta.created = True
        else:
            delta.added.extend(quad for quad in quads if not _has_blank_node(quad))
        delta.added_count += len(quads)
    for graph, count in streamed.items():
        delta = of(graph)
        delta.created, delta.added_count = True, count
    return [delta for delta in found.values() if not delta.is_empty()]


def _stream(store: ox.Store, streams: Sequence[Stream], streamed: list[str],
            file_done: Callable[[], None] | None = None) -> dict[str, int]:
    """Bulk-load every stream into its graph; ``streamed`` lists each graph as it is begun."""
    counts = {}
    for stream in streams:
        graph = stream.source.graph
        streamed.append(graph)  # before loading: a failed bulk load may leave part of the file
        stream_source(store, stream.source)
        counts[graph] = graph_size(store, graph)
        if file_done is not None:
            file_done()
    return counts


def graph_size(store: ox.Store, graph: str) -> int:
    """Distinct statements in one named graph, counted inside pyoxigraph (no Python quads)."""
    # COUNT(?s), not COUNT(*): Virtuoso counts one row for a graph that does not exist.
    result = store.query(f"SELECT (COUNT(?s) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QuerySolutions)
    [row] = result
    count = row[0]
    assert isinstance(count, ox.Literal)
    return int(count.value)


def _drop_streamed(store: ox.Store, graphs: list[str]) -> None:
    """Undo the bulk loads of a failed batch: the graphs were new, so dropping them restores
    the store as it was (they have no provenance record: that is written last)."""
    if graphs:
        store.update(_update_text(Change(drop=set(graphs))))


def _change(store: ox.Store, replacements: list[Replacement]) -> Change:
    """The graphs to drop, the statements to delete and to add, for the in-memory sources."""
    change = Change()
    for replacement in replacements:
        change.forget |= replacement.old_graphs
        change.drop |= replacement.old_graphs - set(replacement.graphs)
        for graph, quads in replacement.graphs.items():
            if graph in replacement.old_graphs:
                _diff(store, graph, quads, change)
            elif quads:
                change.add[graph] = list(quads)
    return change


def _write(store: ox.Store, change: Change) -> None:
    """One transactional write: ``extend`` when it only adds, else one SPARQL update; a store
    that writes changes its own way (a remote engine) is handed the change."""
    own_way = getattr(store, "write_change", None)
    if own_way is not None:
        own_way(change)
    elif change.is_pure_addition():
        store.extend(quad for quads in change.add.values() for quad in quads)
    else:
        store.update(_update_text(change))


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _diff(store: ox.Store, graph: str, new: set[ox.Quad], change: Change) -> None:
    """Record in ``change`` how to turn the stored ``graph`` into ``new``."""
    new = canonical(new)
    stored_ground = set()
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        if _has_blank_node(quad):
            change.clear_blank.add(graph)
        else:
            stored_ground.add(quad)
    gone = [quad for quad in stored_ground if quad not in new]
    if gone:
        change.delete[graph] = gone
    added = [quad for quad in new if _has_blank_node(quad) or quad not in stored_ground]
    if added:
        change.add[graph] = added


_PLAIN = frozenset({"http://www.w3.org/2001/XMLSchema#string",
                    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})
_CANONICAL = ox.NamedNode("urn:cityreg:canonical")


def canonical(quads: set[ox.Quad]) -> set[ox.Quad]:
    """The quads with their typed literals as the store holds them.

    The store keeps a number, boolean, date or duration by its value and gives it back in
    canonical form (``"106.8284090"^^xsd:decimal`` comes back as ``"106.828409"``): compared as
    parsed, an unchanged statement would look removed and added again on every reload. Each
    typed literal is put through a scratch store to learn its stored form.
    """
    typed = [quad for quad in quads if isinstance(quad.object, ox.Literal)
             and quad.object.datatype.value not in _PLAIN]
    if not typed:
        return quads
    scratch = ox.Store()
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:cityreg:canonical:{index}"), _CANONICAL,
                           quad.object) for index, quad in enumerate(typed))
    stored = {int(quad.subject.value.rsplit(":", 1)[1]): quad.object for quad in scratch}
    return (quads - set(typed)) | {
        ox.Quad(quad.subject, quad.predicate, stored[index], quad.graph_name)
        for index, quad in enumerate(typed)}


def _update_text(change: Change) -> str:
    """One SPARQL Update request for the whole change; operations run in this order."""
    return " ;\n".join(operations(change))


def operations(change: Change) -> list[str]:
    """The SPARQL Update operations of a change, in the order they must run: drop whole
    graphs, delete statements, delete the statements with blank nodes of refilled graphs,
    forget provenance records, add statements."""
    parts = [f"DROP SILENT GRAPH <{graph}>" for graph in sorted(change.drop)]
    parts += [f"DELETE DATA {{\n{_graph_blocks(chunk)}\n}}"
              for chunk in _chunks(change.delete)]
    parts += [
        f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        "FILTER(isBlank(?s) || isBlank(?o)) }"
        for graph in sorted(change.clear_blank)
    ]
    parts += [
        f"DELETE WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{graph}> ?p ?o }} }}"
        for graph in sorted(change.forget)
    ]
    parts += insert_operations(change.add)
    return parts


#: Statements per ``INSERT DATA`` or ``DELETE DATA`` operation. Virtuoso's SPARQL parser runs
#: out of memory at about 5,000 lines in one operation; several operations in one request are
#: still one transaction.
OPERATION_STATEMENTS = 2000


def _chunks(quads_by_graph: Mapping[str, Sequence[ox.Quad]]
            ) -> list[dict[str, list[ox.Quad]]]:
    """The statements split into groups of at most OPERATION_STATEMENTS (graph -> quads)."""
    pairs = [(graph, quad) for graph, quads in quads_by_graph.items() for quad in quads]
    chunks = []
    for start in range(0, len(pairs), OPERATION_STATEMENTS):
        chunk: dict[str, list[ox.Quad]] = {}
        for graph, quad in pairs[start:start + OPERATION_STATEMENTS]:
            chunk.setdefault(graph, []).append(quad)
        chunks.append(chunk)
    return chunks


def insert_operations(quads_by_graph: Mapping[str, Sequence[ox.Quad]]) -> list[str]:
    """SPARQL Update operations that add the statements (graph IRI, ``""`` for the default
    graph -> its quads): ``INSERT DATA`` for ground statements and ``INSERT { } WHERE { }``
    for those with blank nodes, which some engines (Virtuoso) refuse in ``INSERT DATA``.
    Blank nodes keep one identity across all the statements of one operation."""
    ground = {graph: [quad for quad in quads if not _has_blank_node(quad)]
              for graph, quads in quads_by_graph.items()}
    blank = {graph: [quad for quad in quads if _has_blank_node(quad)]
             for graph, quads in quads_by_graph.items()}
    parts = [f"INSERT DATA {{\n{_graph_blocks(chunk)}\n}}" for chunk in _chunks(ground)]
    if any(blank.values()):
        parts.append(f"INSERT {{\n{_graph_blocks(blank)}\n}} WHERE {{}}")
    return parts


def _graph_blocks(quads_by_graph: Mapping[str, Sequence[ox.Quad]]) -> str:
    blocks = []
    for graph, quads in quads_by_graph.items():
        if not quads:
            continue
        triples = ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
        assert triples is not None  # serialize returns the bytes when no output is given
        text = triples.decode()
        blocks.append(f"GRAPH <{graph}> {{\n{text}}}" if graph else text)
    return "\n".join(blocks)
