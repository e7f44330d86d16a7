"""Writing a batch of graph replacements into the store in one transaction.

pyoxigraph offers no Python transaction object, but two of its writes are transactional on
their own: ``Store.extend`` (adds quads, all or nothing) and ``Store.update`` (one SPARQL Update
request, all or nothing). A batch that only adds new graphs goes through ``extend``, the fast
path. A batch that also replaces graphs is sent as *one* update request - ``DROP GRAPH``,
``DELETE DATA``, ``DELETE ... WHERE``, ``INSERT DATA`` - so that a crash or an error can never
leave a file's graph half replaced. Refilled graphs are diffed against the store first, so a
small change to a large file is a small write (see bench/load.py for what that buys on disk).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from registry.store.provenance import PROVENANCE_GRAPH, GraphRecord, record_quads


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


def checksum(quads: Iterable[ox.Quad]) -> str:
    """SHA-256 of the sorted N-Quads lines: equal for equal sets of ground quads."""
    digest = hashlib.sha256()
    for line in sorted(str(quad) for quad in quads):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass
class _Change:
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


def apply(store: ox.Store, replacements: list[Replacement], now: datetime | None = None) -> None:
    """Replace the old graphs by the new ones, with their provenance, atomically.

    A graph that is refilled is *diffed*, not dropped: only statements that disappeared are
    deleted and only new ones added, so reloading a large file with a small change writes
    little (deletes are the slow part of a RocksDB transaction).
    """
    now = now or datetime.now(UTC)
    change = _Change()
    for replacement in replacements:
        change.forget |= replacement.old_graphs
        change.drop |= replacement.old_graphs - set(replacement.graphs)
        for graph, quads in replacement.graphs.items():
            if graph in replacement.old_graphs:
                _diff(store, graph, quads, change)
            elif quads:
                change.add[graph] = list(quads)
        provenance = change.add.setdefault(PROVENANCE_GRAPH, [])
        for record in replacement.records(now):
            provenance.extend(record_quads(record))
    if change.is_pure_addition():
        store.extend(quad for quads in change.add.values() for quad in quads)
    else:
        store.update(_update_text(change))


def drop_graphs(store: ox.Store, graphs: Iterable[str]) -> None:
    """Remove graphs and their provenance records in one transaction."""
    store.update(_update_text(_Change(drop=set(graphs), forget=set(graphs))))


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _diff(store: ox.Store, graph: str, new: set[ox.Quad], change: _Change) -> None:
    """Record in ``change`` how to turn the stored ``graph`` into ``new``."""
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


def _update_text(change: _Change) -> str:
    """One SPARQL Update request for the whole change; operations run in this order."""
    parts = [f"DROP SILENT GRAPH <{graph}>" for graph in sorted(change.drop)]
    if change.delete:
        parts.append(f"DELETE DATA {{\n{_graph_blocks(change.delete)}\n}}")
    parts += [
        f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        "FILTER(isBlank(?s) || isBlank(?o)) }"
        for graph in sorted(change.clear_blank)
    ]
    parts += [
        f"DELETE WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{graph}> ?p ?o }} }}"
        for graph in sorted(change.forget)
    ]
    if any(change.add.values()):
        parts.append(f"INSERT DATA {{\n{_graph_blocks(change.add)}\n}}")
    return " ;\n".join(parts)


def _graph_blocks(quads_by_graph: dict[str, list[ox.Quad]]) -> str:
    blocks = []
    for graph, quads in quads_by_graph.items():
        if not quads:
            continue
        triples = ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
        assert triples is not None  # serialize returns the bytes when no output is given
        blocks.append(f"GRAPH <{graph}> {{\n{triples.decode()}}}")
    return "\n".join(blocks)
