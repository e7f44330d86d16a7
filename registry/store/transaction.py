"""Writing a batch of graph replacements into the store in one transaction.

pyoxigraph offers no Python transaction object, but two of its writes are transactional on
their own: ``Store.extend`` (adds quads, all or nothing) and ``Store.update`` (one SPARQL Update
request, all or nothing). A batch that only adds new graphs goes through ``extend``, the fast
path. A batch that also replaces graphs is sent as *one* update request -
``DROP GRAPH ...; DELETE WHERE {provenance}; INSERT DATA {...}`` - so that a crash or an error
can never leave a file's graph removed but not yet re-added. That request is built from
N-Triples text and is about twice as slow as ``extend`` (see bench/load.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
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


def apply(store: ox.Store, replacements: list[Replacement], now: datetime | None = None) -> None:
    """Drop every old graph and add every new graph with its provenance, atomically."""
    now = now or datetime.now(UTC)
    drop = sorted(set().union(*(r.old_graphs for r in replacements))) if replacements else []
    additions: dict[str, list[ox.Quad]] = {}
    for replacement in replacements:
        for graph, quads in replacement.graphs.items():
            additions[graph] = list(quads)
        for record in replacement.records(now):
            additions.setdefault(PROVENANCE_GRAPH, []).extend(record_quads(record))
    if not drop:
        store.extend(quad for quads in additions.values() for quad in quads)
        return
    store.update(_replacement_update(drop, additions))


def drop_graphs(store: ox.Store, graphs: Iterable[str]) -> None:
    """Remove graphs and their provenance records in one transaction."""
    store.update(_replacement_update(sorted(graphs), {}))


def _replacement_update(drop: list[str], additions: dict[str, list[ox.Quad]]) -> str:
    parts = []
    for graph in drop:
        parts.append(f"DROP SILENT GRAPH <{graph}>")
        parts.append(f"DELETE WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{graph}> ?p ?o }} }}")
    blocks = []
    for graph, quads in additions.items():
        if not quads:
            continue
        triples = ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
        assert triples is not None  # serialize returns the bytes when no output is given
        blocks.append(f"GRAPH <{graph}> {{\n{triples.decode()}}}")
    if blocks:
        parts.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
    return " ;\n".join(parts)
