"""The registry as it was at an earlier version, rebuilt by undoing the later versions.

The present state is copied into an in-memory store and each version after the one asked for
is undone, newest first: the statements it added to existing graphs are removed, the graphs
it created are emptied, the statements with blank nodes of a graph whose blank nodes it
replaced are removed, and the statements it removed are put back. The result is exactly the
versioned part of the registry (its data graphs and their provenance records) as that version
left it; a test compares the N-Quads sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from registry.errors import InputError
from registry.history.versions import VersionRecord, delta_texts, read_versions, resolve
from registry.store import ONTOLOGY_GRAPH, PROVENANCE_GRAPH, Registry
from registry.store.provenance import RESERVED_GRAPHS
from registry.store.versioning import is_versioned, versioned_quads


def working_copy(registry: Registry) -> ox.Store:
    """The versioned part of the registry's present state, in a store of its own, with the
    same blank node labels (the history's records name them)."""
    work = ox.Store()
    store = registry.store
    if not isinstance(store, ox.Store):
        work.bulk_extend(versioned_quads(store))
        return work
    # Graph by graph: the data graphs whole, without a Python filter per statement; of the
    # provenance graph, only the data graphs' records.
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value not in RESERVED_GRAPHS:
            work.bulk_extend(store.quads_for_pattern(None, None, None, graph))
    work.bulk_extend(quad for graph in (ox.NamedNode(PROVENANCE_GRAPH), ox.DefaultGraph())
                     for quad in store.quads_for_pattern(None, None, None, graph)
                     if is_versioned(quad))
    return work


def undo(work: ox.Store, registry: Registry, version: VersionRecord) -> None:
    """Turn ``work`` from the state ``version`` left into the state before it."""
    if not version.statements_recorded:
        raise InputError(f"{version.label} was a SPARQL update ({version.command[:60]}…) "
                         "whose statements were not recorded: the registry cannot be "
                         "reconstructed as it was before it")
    for change in version.changes:
        graph = ox.NamedNode(change.graph)
        added, removed = delta_texts(registry, change)
        if change.created:
            _remove(work, list(work.quads_for_pattern(None, None, None, graph)))
        else:
            _remove(work, _parse(added))
            if change.blank_replaced:
                _remove(work, [quad for quad in work.quads_for_pattern(None, None, None, graph)
                               if isinstance(quad.subject, ox.BlankNode)
                               or isinstance(quad.object, ox.BlankNode)])
        work.extend(_parse(removed))


def state_at(registry: Registry, version: VersionRecord,
             each: Callable[[VersionRecord, ox.Store], None] | None = None) -> ox.Store:
    """The versioned part of the registry as ``version`` left it, in a store of its own.

    ``each(v, work)`` is called before each later version ``v`` is undone, newest first.
    """
    work = working_copy(registry)
    for later in reversed([v for v in read_versions(registry) if v.number > version.number]):
        if each is not None:
            each(later, work)
        undo(work, registry, later)
    return work


def registry_at(registry: Registry, spec: str) -> tuple[str, Registry]:
    """The registry as the version ``spec`` names left it (``@3``, ``@latest``, a date), as an
    in-memory registry with the ontology stored now, and how reports name it."""
    version = resolve(read_versions(registry), spec)
    work = state_at(registry, version)
    # The ontology is not versioned: the rebuilt registry reads with the one stored now.
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    work.extend(registry.store.quads_for_pattern(None, None, None, ontology))
    work.extend(registry.store.quads_for_pattern(ontology, None, None,
                                                 ox.NamedNode(PROVENANCE_GRAPH)))
    return version.label, Registry.restored(work.quads_for_pattern(None, None, None, None),
                                            ontology=False)


def _parse(text: str) -> list[ox.Quad]:
    if not text:
        return []
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))


def _remove(work: ox.Store, quads: Iterable[ox.Quad]) -> None:
    for quad in quads:
        work.remove(quad)
