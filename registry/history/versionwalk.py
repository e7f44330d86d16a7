"""What one version touched, found without copying the registry.

:func:`registry.history.entities.walk` undoes every version on a copy of the whole registry,
which a registry held by a SPARQL engine must not need (issue #17: the server's memory must
not grow with the registry). :func:`version_touches` answers for one version on a copy of
only the entities that version can have touched:

* the subjects of the statements it added and removed;
* for each graph it created or whose blank nodes it replaced, the subjects that graph holds
  now (for replaced blank nodes, those holding one) and those a later version removed from it.

The later versions are undone on that copy, newest first: their records name every statement
they added or removed, so each copied entity is left as the version left it. The version is
then compared with its undoing exactly as the whole walk compares it
(:func:`registry.history.entities.touched_by`), and a test holds the two equal on every version.

Most of a city's first load needs no copy: an entity stated now only in the graphs the version
created, and named by no later version's records, was added by it (:func:`certainly_added`,
two queries per graph). The copy then grows with what later versions changed and what the
version changed in graphs it did not create, not with the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from registry.history.entities import EntityTouch, VersionTouches, entities_copy, touched_by
from registry.history.reconstruct import undo
from registry.history.versions import GraphChangeRecord, VersionRecord, delta_texts
from registry.store import PROVENANCE_GRAPH, Registry
from registry.store.provenance import RESERVED_GRAPHS


@dataclass(frozen=True)
class FoundVersion:
    """What one version touched, and which of those entities :func:`certainly_added` found
    (stated only in the graphs the version created: their labels are read there)."""

    touches: VersionTouches
    added_by_query: frozenset[str]
    created: tuple[str, ...]
    """The data graphs the version created."""


def version_touches(registry: Registry, versions: Sequence[VersionRecord],
                    version: VersionRecord) -> VersionTouches | None:
    """What ``version`` (one of ``versions``, oldest first) did to each entity; None when it,
    or a version after it, was a SPARQL update whose statements were not recorded (what it
    touched cannot be known, as the whole walk says by stopping there)."""
    found = find_version(registry, versions, version)
    return None if found is None else found.touches


def find_version(registry: Registry, versions: Sequence[VersionRecord],
                 version: VersionRecord) -> FoundVersion | None:
    """:func:`version_touches`, with the entities found added without a copy."""
    later = [v for v in versions if v.number > version.number]
    if not version.statements_recorded or not all(v.statements_recorded for v in later):
        return None
    reads = _Reads(registry)
    added = certainly_added(registry, version, later, reads)
    work = entities_copy(registry, candidates(registry, version, later, reads) - added)
    for newer in reversed(later):
        undo(work, registry, newer)
    found = touched_by(work, registry, version)
    created = tuple(sorted(change.graph for change in version.changes
                           if change.created and change.graph != PROVENANCE_GRAPH))
    if not added:
        return FoundVersion(found, frozenset(), created)
    touched = [*found.entities, *(EntityTouch(iri, "added") for iri in added)]
    touched.sort(key=lambda touch: touch.iri)
    return FoundVersion(VersionTouches(version, tuple(touched)), frozenset(added), created)


def certainly_added(registry: Registry, version: VersionRecord,
                    later: Iterable[VersionRecord], reads: _Reads | None = None) -> set[str]:
    """The entities of the graphs ``version`` created that it certainly added, found by
    queries, without copying them: stated now only in those graphs (so before the version
    they were stated nowhere), and named by no later version's records (so they are now as
    the version left them). A city's first load is mostly these."""
    created = sorted(change.graph for change in version.changes
                     if change.created and change.graph != PROVENANCE_GRAPH)
    if not created:
        return set()
    reads = reads or _Reads(registry)
    subjects: set[str] = set()
    for graph in created:
        subjects |= reads.subjects_now(graph, holding_blank=False)
    excluded = ", ".join(f"<{graph}>" for graph in [*created, *sorted(RESERVED_GRAPHS)])
    for graph in created:
        rows = registry.raw_query(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER isIRI(?s) }} "
            f"GRAPH ?elsewhere {{ ?s ?q ?v }} FILTER(?elsewhere NOT IN ({excluded})) }}")
        assert isinstance(rows, ox.QuerySolutions)
        subjects -= {row[0].value for row in rows if isinstance(row[0], ox.NamedNode)}
    for newer in later:
        for change in newer.changes:
            if change.graph != PROVENANCE_GRAPH:
                subjects -= reads.iri_subjects(change, added=True)
                subjects -= reads.iri_subjects(change, added=False)
    return subjects


def candidates(registry: Registry, version: VersionRecord,
               later: Iterable[VersionRecord], reads: _Reads | None = None) -> set[str]:
    """Every entity ``version`` can have touched (see the module docstring): a superset of
    what its records reach in the state it left, which :func:`touched_by` narrows."""
    reads = reads or _Reads(registry)
    found: set[str] = set()
    rebuilt: set[str] = set()
    for change in version.changes:
        if change.graph == PROVENANCE_GRAPH:
            continue
        found |= reads.iri_subjects(change, added=True)
        found |= reads.iri_subjects(change, added=False)
        if change.created or change.blank_replaced:
            rebuilt.add(change.graph)
            found |= reads.subjects_now(change.graph, holding_blank=not change.created)
    for newer in later:
        for change in newer.changes:
            if change.graph in rebuilt:
                found |= reads.iri_subjects(change, added=False)
    return found


class _Reads:
    """What reading one version asks of the registry, each asked once: the subjects a graph
    holds now, and the IRI subjects of a change's recorded statements."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._graphs: dict[tuple[str, bool], set[str]] = {}
        self._changes: dict[str, tuple[set[str], set[str]]] = {}

    def subjects_now(self, graph: str, *, holding_blank: bool) -> set[str]:
        """The IRI subjects of ``graph`` as the registry holds it now (only those with a
        blank-node value, with ``holding_blank``)."""
        key = (graph, holding_blank)
        if key not in self._graphs:
            condition = "isIRI(?s) && isBlank(?o)" if holding_blank else "isIRI(?s)"
            rows = self.registry.raw_query(
                f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o "
                f"FILTER({condition}) }} }}")
            assert isinstance(rows, ox.QuerySolutions)
            self._graphs[key] = {row[0].value for row in rows
                                 if isinstance(row[0], ox.NamedNode)}
        return self._graphs[key]

    def iri_subjects(self, change: GraphChangeRecord, *, added: bool) -> set[str]:
        """The IRI subjects of the statements ``change`` added (else removed)."""
        if change.node not in self._changes:
            texts = delta_texts(self.registry, change)
            self._changes[change.node] = (_iri_subjects(texts[0]), _iri_subjects(texts[1]))
        return self._changes[change.node][0 if added else 1]


def _iri_subjects(text: str) -> set[str]:
    """The IRI subjects of an N-Quads text."""
    if not text:
        return set()
    return {quad.subject.value for quad in ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)
            if isinstance(quad.subject, ox.NamedNode)}
