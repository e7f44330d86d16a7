"""Which entities each version added, removed or changed: the history of one entity, and the
change list of the registry's pages and feeds.

Walking back from the present (registry.history.reconstruct), each version is undone in turn;
an entity is touched by a version when its description (its statements in the data graphs,
blank-node values compared by content) differs before and after. Only the entities a version's
records can reach are compared: the subjects of the statements it added or removed, of the
graphs it created, and the owners of the blank nodes it replaced.

A SPARQL update records no statements; the walk stops there, and says so (``complete``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from registry.history.reconstruct import undo, working_copy
from registry.history.versions import (
    GraphChangeRecord,
    VersionRecord,
    delta_texts,
    read_versions,
)
from registry.store import Registry
from registry.store.provenance import PROVENANCE_GRAPH, RESERVED_GRAPHS

#: An entity's (or a blank node's) statements as (predicate IRI, value) pairs: a value is a
#: pyoxigraph term, or a blank node's own Description.
Description = frozenset[tuple[str, object]]

#: How deep a blank-node value is compared (a deeper structure is compared by its top levels).
_DEPTH = 8


@dataclass(frozen=True)
class FieldTouch:
    """One property of a touched entity: the values the version removed and added.

    A value is a pyoxigraph term, or for a blank node the frozenset of its own (predicate,
    value) pairs; :func:`shown` writes one for people.
    """

    predicate: str
    removed: tuple[object, ...]
    added: tuple[object, ...]


@dataclass(frozen=True)
class EntityTouch:
    """One entity that one version added, removed or changed, and (for a change) the fields
    that changed."""

    iri: str
    change: str
    """``added``, ``removed`` or ``changed``."""
    fields: tuple[FieldTouch, ...] = ()


@dataclass(frozen=True)
class VersionTouches:
    """One version and the entities it touched, sorted by IRI."""

    version: VersionRecord
    entities: tuple[EntityTouch, ...]


@dataclass(frozen=True)
class Walk:
    """Versions newest first with what they touched, as far back as the history can read."""

    versions: tuple[VersionTouches, ...]
    stopped_at: VersionRecord | None
    """The SPARQL update the walk could not undo (None: it reached the first version)."""
    older: frozenset[str] = frozenset()
    """The entities with statements older than the first version (loaded before cityreg
    recorded versions): when they were added is not known."""

    def predates(self, iri: str) -> bool:
        """Whether ``iri`` was in the registry before the first version recorded."""
        return iri in self.older

    @property
    def complete(self) -> bool:
        return self.stopped_at is None

    def of(self, iri: str) -> list[tuple[VersionRecord, str]]:
        """The versions that touched ``iri``, newest first, with what each did to it."""
        return [(version, touch.change) for version, touch in self.touches(iri)]

    def touches(self, iri: str) -> list[tuple[VersionRecord, EntityTouch]]:
        """The versions that touched ``iri``, newest first, with the fields each changed."""
        return list(self._by_entity.get(iri, ()))

    @cached_property
    def _by_entity(self) -> dict[str, list[tuple[VersionRecord, EntityTouch]]]:
        """Entity IRI -> its touches, newest first: one page per entity stays one lookup."""
        index: dict[str, list[tuple[VersionRecord, EntityTouch]]] = {}
        for touches in self.versions:
            for touch in touches.entities:
                index.setdefault(touch.iri, []).append((touches.version, touch))
        return index


def walk(registry: Registry, entity: str | None = None) -> Walk:
    """Every version's touched entities; with ``entity``, only whether each touched it (which
    compares one description per version and is much cheaper)."""
    versions = read_versions(registry)
    work = working_copy(registry) if entity is None else entity_copy(registry, entity)
    found: list[VersionTouches] = []
    for version in reversed(versions):
        if not version.statements_recorded:
            return Walk(tuple(found), version)
        found.append(touched_by(work, registry, version,
                                None if entity is None else {entity}))
    return Walk(tuple(found), None, _subjects(work) if entity is None else frozenset(
        {entity} if any(True for _ in _data(work.quads_for_pattern(
            ox.NamedNode(entity), None, None, None))) else ()))


def touched_by(work: ox.Store, registry: Registry, version: VersionRecord,
               candidates: set[str] | None = None) -> VersionTouches:
    """What ``version`` did to each entity, with ``work`` in the state the version left (all
    of it, or at least every entity it can have touched); ``work`` is left in the state before
    the version. ``candidates``: the entities to compare (default: those its records reach)."""
    candidates = set(_reached(work, registry, version.changes) if candidates is None
                     else candidates)
    # An entity stated only in graphs this version created was added by it: no need to
    # compare its descriptions (the walk of a first load is mostly these).
    added = _only_in(work, candidates, {change.graph for change in version.changes
                                        if change.created})
    candidates -= added
    after = {iri: describe(work, iri) for iri in candidates}
    undo(work, registry, version)
    touched = [EntityTouch(iri, "added") for iri in added]
    for iri in sorted(candidates):
        now, then = after[iri], describe(work, iri)
        if now != then:
            change = "added" if not then else "removed" if not now else "changed"
            # Only a change keeps its fields: an added or removed entity's are all of
            # them, which would hold a copy of the registry in memory.
            fields = _fields(then, now) if change == "changed" else ()
            touched.append(EntityTouch(iri, change, fields))
    touched.sort(key=lambda touch: touch.iri)
    return VersionTouches(version, tuple(touched))


def entity_copy(registry: Registry, iri: str) -> ox.Store:
    """The present statements of one entity in the data graphs, with those of its blank-node
    values (to :data:`_DEPTH`): all the walk of that entity reads. Undoing a version on it
    gives the entity as the version found it, since a version's records name every statement
    it added or removed; a registry of millions of statements is not copied to answer about
    one entity."""
    return entities_copy(registry, [iri])


def entities_copy(registry: Registry, iris: Iterable[str]) -> ox.Store:
    """:func:`entity_copy` of several entities, in one store (on an engine, one query per
    depth for each :data:`_BATCH` entities)."""
    work = ox.Store()
    store = registry.store
    if registry.location is not None:
        wanted = sorted(set(iris))
        for start in range(0, len(wanted), _BATCH):
            work.extend(_remote_descriptions(registry, wanted[start:start + _BATCH]))
        return work
    todo: list[tuple[ox.NamedNode | ox.BlankNode, int]] = [
        (ox.NamedNode(iri), _DEPTH) for iri in iris]
    seen: set[ox.NamedNode | ox.BlankNode] = set()
    while todo:
        node, depth = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in store.quads_for_pattern(node, None, None, None):
            if not _versioned_data(quad):
                continue
            work.add(quad)
            if isinstance(quad.object, ox.BlankNode) and depth:
                todo.append((quad.object, depth - 1))
    return work


#: How many entities one query of :func:`entities_copy` reads on an engine.
_BATCH = 200


def _remote_descriptions(registry: Registry, iris: list[str]) -> Iterator[ox.Quad]:
    """:func:`entities_copy` on an engine, where a blank node cannot be looked up by its
    label: one query per depth, each reaching one blank node further from the entities (a
    blank node is described in the graph that holds it)."""
    values = "VALUES ?e { " + " ".join(f"<{iri}>" for iri in iris) + " }"
    chain = "?e ?l0"
    for depth in range(_DEPTH + 1):
        if depth == 0:
            text = f"SELECT ?e ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?e ?p ?o }} }}"
        else:
            text = (f"SELECT DISTINCT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ {chain} ?s . "
                    f"FILTER isBlank(?s) ?s ?p ?o }} }}")
            chain = f"{chain} ?b{depth} . FILTER isBlank(?b{depth}) ?b{depth} ?l{depth}"
        rows = registry.raw_query(text)
        assert isinstance(rows, ox.QuerySolutions)
        found = False
        for row in rows:
            subject = row["e"] if depth == 0 else row["s"]
            predicate, value, graph = row["p"], row["o"], row["g"]
            if isinstance(subject, ox.NamedNode | ox.BlankNode) and isinstance(
                    predicate, ox.NamedNode) and isinstance(graph, ox.NamedNode) and \
                    isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
                quad = ox.Quad(subject, predicate, value, graph)
                if _versioned_data(quad):
                    found = True
                    yield quad
        if not found:
            return


def _versioned_data(quad: ox.Quad) -> bool:
    """A statement of a data graph (not a reserved graph, not the default graph)."""
    graph = quad.graph_name
    return isinstance(graph, ox.NamedNode) and graph.value not in RESERVED_GRAPHS


def _subjects(work: ox.Store) -> frozenset[str]:
    """The IRI subjects of the data statements left once every version is undone."""
    return frozenset(quad.subject.value for quad in _data(work.quads_for_pattern(
        None, None, None, None)) if isinstance(quad.subject, ox.NamedNode))


def _only_in(work: ox.Store, candidates: set[str], created: set[str]) -> set[str]:
    """The candidates whose every data statement is in one of the ``created`` graphs."""
    if not created:
        return set()
    only = set()
    for iri in candidates:
        graphs = {getattr(quad.graph_name, "value", "") for quad in
                  _data(work.quads_for_pattern(ox.NamedNode(iri), None, None, None))}
        if graphs and graphs <= created:
            only.add(iri)
    return only


def _fields(then: Description, now: Description) -> tuple[FieldTouch, ...]:
    """The properties whose values differ, each with the values removed and added."""
    removed: dict[str, list[object]] = {}
    added: dict[str, list[object]] = {}
    for predicate, value in then - now:
        removed.setdefault(predicate, []).append(value)
    for predicate, value in now - then:
        added.setdefault(predicate, []).append(value)
    return tuple(FieldTouch(predicate, tuple(sorted(removed.get(predicate, []), key=str)),
                            tuple(sorted(added.get(predicate, []), key=str)))
                 for predicate in sorted(removed.keys() | added.keys()))


def shown(value: object, label: Callable[[str], str | None]) -> str:
    """A field value for people: a literal's text, an IRI's label (else the IRI), a blank
    node's content as ``[property: value; ...]``."""
    if isinstance(value, ox.Literal):
        return value.value
    if isinstance(value, ox.NamedNode):
        return label(value.value) or value.value
    if isinstance(value, frozenset):
        parts = sorted(f"{label(predicate) or predicate}: {shown(inner, label)}"
                       for predicate, inner in value)  # a Description
        return "[" + "; ".join(parts) + "]"
    return str(value)


def iris_in(walk: Walk) -> set[str]:
    """Every IRI the walk's field changes name (predicates and values), to label them."""
    found: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, ox.NamedNode):
            found.add(value.value)
        elif isinstance(value, frozenset):
            for predicate, inner in value:
                found.add(predicate)
                add(inner)

    for touches in walk.versions:
        for touch in touches.entities:
            found.add(touch.iri)
            for field in touch.fields:
                found.add(field.predicate)
                for value in (*field.removed, *field.added):
                    add(value)
    return found


def describe(store: ox.Store, iri: str) -> Description:
    """An entity's statements in the data graphs as (predicate, value) pairs, a blank-node value
    replaced by its own description, so that equal content compares equal."""
    return _describe(store, ox.NamedNode(iri), _DEPTH)


def statements_of(store: ox.Store, iri: str) -> list[ox.Triple]:
    """An entity's statements in the data graphs, with those of its blank-node values (to the
    same depth as :func:`describe`), without duplicates: what it says, ready to print."""
    found: dict[ox.Triple, None] = {}
    todo: list[tuple[ox.NamedNode | ox.BlankNode, int]] = [(ox.NamedNode(iri), _DEPTH)]
    while todo:
        node, depth = todo.pop()
        for quad in _data(store.quads_for_pattern(node, None, None, None)):
            triple = quad.triple
            if triple in found:
                continue
            found[triple] = None
            if isinstance(quad.object, ox.BlankNode) and depth:
                todo.append((quad.object, depth - 1))
    return list(found)


def _describe(store: ox.Store, node: ox.NamedNode | ox.BlankNode, depth: int
              ) -> Description:
    pairs: set[tuple[str, object]] = set()
    for quad in _data(store.quads_for_pattern(node, None, None, None)):
        value = quad.object
        if isinstance(value, ox.BlankNode):
            pairs.add((quad.predicate.value, _describe(store, value, depth - 1)
                       if depth else "[…]"))
        else:
            pairs.add((quad.predicate.value, value))
    return frozenset(pairs)


def _data(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    for quad in quads:
        graph = quad.graph_name
        if not (isinstance(graph, ox.NamedNode) and graph.value == PROVENANCE_GRAPH):
            yield quad


def _reached(work: ox.Store, registry: Registry, changes: Iterable[GraphChangeRecord]
             ) -> set[str]:
    """The entities a version's records reach, read in the state it left: the subjects of the
    statements it added and removed (a removed blank node's holder is removed with it, since
    that statement has a blank node too), the subjects of the graphs it created and the holders
    of the blank nodes of the graphs whose blank nodes it replaced."""
    reached: set[str] = set()
    for change in changes:
        if change.graph == PROVENANCE_GRAPH:
            continue
        graph = ox.NamedNode(change.graph)
        for text in delta_texts(registry, change):
            if text:
                reached |= _owners(work, ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
        if change.created or change.blank_replaced:
            reached |= _owners(work, _with_blank_or_all(
                work.quads_for_pattern(None, None, None, graph), change.created))
    return reached


def _with_blank_or_all(quads: Iterable[ox.Quad], every: bool) -> Iterator[ox.Quad]:
    for quad in quads:
        if every or isinstance(quad.subject, ox.BlankNode) or isinstance(
                quad.object, ox.BlankNode):
            yield quad


def _owners(work: ox.Store, quads: Iterable[ox.Quad]) -> set[str]:
    """The IRI subjects of the statements, a blank subject followed up to the IRIs that hold
    it (in ``work``)."""
    owners: set[str] = set()
    for quad in quads:
        owners |= _owner_of(work, quad.subject, _DEPTH)
    return owners


def _owner_of(work: ox.Store, node: ox.NamedNode | ox.BlankNode | ox.Triple, depth: int
              ) -> set[str]:
    if isinstance(node, ox.NamedNode):
        return {node.value}
    if not isinstance(node, ox.BlankNode) or depth == 0:
        return set()
    owners: set[str] = set()
    for quad in work.quads_for_pattern(None, None, node, None):
        owners |= _owner_of(work, quad.subject, depth - 1)
    return owners
