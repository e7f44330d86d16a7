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
    added = certainly_added(registry, version, later)
    work = entities_copy(registry, candidates(registry, version, later) - added)
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
                    later: Iterable[VersionRecord]) -> set[str]:
    """The entities of the graphs ``version`` created that it certainly added, found by
    queries, without copying them: stated now only in those graphs (so before the version
    they were stated nowhere), and named by no later version's records (so they are now as
    the version left them). A city's first load is mostly these."""
    created = sorted(change.graph for change in version.changes
                     if change.created and change.graph != PROVENANCE_GRAPH)
    if not created:
        return set()
    subjects: set[str] = set()
    for graph in created:
        subjects |= _subjects_now(registry, graph, holding_blank=False)
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
                for text in delta_texts(registry, change):
                    subjects -= _iri_subjects(text)
    return subjects


def candidates(registry: Registry, version: VersionRecord,
               later: Iterable[VersionRecord]) -> set[str]:
    """Every entity ``version`` can have touched (see the module docstring): a superset of
    what its records reach in the state it left, which :func:`touched_by` narrows."""
    found: set[str] = set()
    rebuilt: dict[str, GraphChangeRecord] = {}
    for change in version.changes:
        if change.graph == PROVENANCE_GRAPH:
            continue
        for text in delta_texts(registry, change):
            found |= _iri_subjects(text)
        if change.created or change.blank_replaced:
            rebuilt[change.graph] = change
            found |= _subjects_now(registry, change.graph, holding_blank=not change.created)
    for newer in later:
        for change in newer.changes:
            if change.graph in rebuilt:
                found |= _iri_subjects(delta_texts(registry, change)[1])
    return found


def _iri_subjects(text: str) -> set[str]:
    """The IRI subjects of an N-Quads text."""
    if not text:
        return set()
    return {quad.subject.value for quad in ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)
            if isinstance(quad.subject, ox.NamedNode)}


def _subjects_now(registry: Registry, graph: str, *, holding_blank: bool) -> set[str]:
    """The IRI subjects of ``graph`` as the registry holds it now (only those with a
    blank-node value, with ``holding_blank``)."""
    condition = "isIRI(?s) && isBlank(?o)" if holding_blank else "isIRI(?s)"
    rows = registry.raw_query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER({condition}) }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return {row[0].value for row in rows if isinstance(row[0], ox.NamedNode)}
