"""The API's read model: every entity of the registry, indexed once at load, read from the store.

GraphQL resolvers never run SPARQL. Bulk queries (the class hierarchy, every type, every label,
and the links and dates the lists filter on) give each entity its kind, label and city, kept in
an SQLite index (:mod:`registry.api.entityindex`): lists by kind are read from it a page at a
time in label order, and an entity is made when asked for (the most recently made are kept,
:data:`CACHED_ENTITIES`). An entity's statements are not copied: :attr:`Entity.props` reads
them from the store with one index lookup (``quads_for_pattern`` on the subject) when a
resolver first asks. "Who points at me" (the deployments of a sensor, the flows of an
agreement) is one lookup on the predicate and object.

The store already holds every statement, and a second copy as Python objects was the largest
part of the server's memory: at 3.4M statements the copy and its reverse index took about
0.45 GB; the kinds and labels of every entity, held as objects after it, about 70 MB per 350k
statements. The store must stay open while the model is used; it is never written while a
server runs, so what the model indexed at load and what it reads later agree.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from sys import intern
from threading import Lock
from typing import Any

import pyoxigraph as ox

from registry.api.entityindex import (
    END,
    LINKS,
    ROW_COLUMNS,
    START,
    EntityIndex,
    EntityRows,
    Row,
    Selection,
    fold,
)
from registry.names import Candidate, Names
from registry.namespaces import (
    CITYREG,
    CLASS_CLOSURE_GRAPH,
    DCAT,
    DERIVED_GRAPH,
    DPV,
    HISTORY_GRAPH,
    ONTOLOGY_GRAPH,
    ORG,
    PROVENANCE_GRAPH,
    SOSA,
    SSN,
    VALIDATION_CONTEXT_GRAPH,
)
from registry.store import Registry

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

#: Kinds of entity, most specific first: an entity gets the first kind one of its types
#: (or their superclasses in the ontology) matches.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Agency", (str(CITYREG.Agency),)),
    ("Company", (str(CITYREG.Company),)),
    ("OtherOrganisation", (str(CITYREG.OtherOrganisation), str(ORG.Organization))),
    ("Sensor", (str(SOSA.Sensor),)),
    ("Deployment", (str(SSN.Deployment),)),
    ("System", (str(CITYREG.System),)),
    ("Dataset", (str(DCAT.Dataset),)),
    ("DataSharingAgreement", (str(CITYREG.DataSharingAgreement),)),
    ("DataFlow", (str(CITYREG.DataFlow),)),
    ("Contract", (str(CITYREG.VendorContract), str(DPV.Contract))),
    ("Clause", (str(CITYREG.Clause), str(DPV.ContractualClause))),
    ("ImpactAssessment", (str(DPV.ImpactAssessment),)),
    ("Processing", (str(CITYREG.Processing),)),
    ("Programme", (str(CITYREG.Programme),)),
    ("Source", (str(CITYREG.Source),)),
    ("City", (str(CITYREG.City),)),
    ("RecordOfProcessing", (str(CITYREG.RecordOfProcessing),)),
    ("Notice", (str(CITYREG.Notice),)),
    ("UsePolicy", (str(CITYREG.UsePolicy),)),
    ("AnnualSurveillanceReport", (str(CITYREG.AnnualSurveillanceReport),)),
    ("CouncilApproval", (str(CITYREG.CouncilApproval),)),
    ("Audit", (str(DPV.Audit),)),
    ("Amendment", (str(CITYREG.Amendment),)),
    ("JointDataControllers", (str(DPV.JointDataControllers),)),
    ("JointDataControllersAgreement", (str(DPV.JointDataControllersAgreement),)),
    ("Purpose", (str(DPV.Purpose),)),
    ("Safeguard", (str(DPV.Safeguard),)),
    ("ObservableProperty", (str(SOSA.ObservableProperty),)),
    ("Claim", (str(CITYREG.Claim),)),
)
#: The kind of an entity none of :data:`KINDS` matches: it is still an entity (reachable by
#: ``node``, ``search`` and links), shown with its types.
OTHER_KIND = "OtherEntity"
ORGANISATION_KINDS = frozenset({"Agency", "Company", "OtherOrganisation"})
#: Kinds whose city, when not stated, comes from their flows and parties.
_AGREEMENT_KINDS = frozenset({"DataSharingAgreement", "JointDataControllersAgreement"})


Term = ox.NamedNode | ox.BlankNode | ox.Literal
Subject = ox.NamedNode | ox.BlankNode

#: How many entities' statements the model keeps after reading them (a GraphQL page of 500
#: entities with their buyers and cities fits many times over).
CACHED_ENTITIES = 4096

#: Graphs whose statements are not about the registry's entities: the load records, the
#: registry's versions (its history: /changes), and the scratch graphs a validation run fills
#: while it runs.
_NOT_ENTITY_GRAPHS = frozenset({str(PROVENANCE_GRAPH), str(HISTORY_GRAPH),
                                str(VALIDATION_CONTEXT_GRAPH), str(CLASS_CLOSURE_GRAPH),
                                str(DERIVED_GRAPH)})



@dataclass(eq=False, slots=True)
class Entity:
    """One registry entity: its IRI, kind, label and types; its statements come from the store.

    ``props[predicate]`` is the one object of ``predicate``, or the list of them when there
    are several; it is read from the store on first use (see the module). Read it through
    :meth:`values` and :meth:`statements`.
    """

    iri: str
    kind: str
    label: str
    types: list[str] = field(default_factory=list)
    node: Subject | None = field(default=None, repr=False)
    model: ReadModel | None = field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        """Entities are the same when their IRIs are (the model makes them when asked)."""
        return isinstance(other, Entity) and other.iri == self.iri

    def __hash__(self) -> int:
        return hash(self.iri)

    @property
    def props(self) -> dict[str, Term | list[Term]]:
        """Every statement of the entity, ``predicate -> object or objects``."""
        if self.model is None or self.node is None:
            return {}
        return self.model.statements_of(self.node)

    def values(self, prop: str) -> list[Term]:
        """Every object of ``prop``."""
        return _as_list(self.props.get(prop))

    def statements(self) -> list[tuple[str, list[Term]]]:
        """``(predicate, objects)`` for every predicate of the entity, by predicate."""
        return [(prop, self.values(prop)) for prop in sorted(self.props)]

    def iris(self, prop: str) -> list[str]:
        """The IRIs (and blank-node ids) among the objects of ``prop``."""
        return [v.value for v in self.values(prop) if not isinstance(v, ox.Literal)]

    def text(self, prop: str) -> str | None:
        """The first object of ``prop`` as text (an English literal preferred)."""
        values = self.values(prop)
        if not values:
            return None
        for value in values:
            if isinstance(value, ox.Literal) and value.language in (None, "en"):
                return value.value
        return values[0].value

    def day(self, prop: str) -> date | None:
        """The first object of ``prop`` as a date, or None when absent or malformed."""
        for value in self.values(prop):
            try:
                return date.fromisoformat(value.value[:10])
            except ValueError:
                continue
        return None

    def integer(self, prop: str) -> int | None:
        """The first object of ``prop`` as an integer, or None."""
        for value in self.values(prop):
            try:
                return int(value.value)
            except ValueError:
                continue
        return None

    def decimal(self, prop: str) -> Decimal | None:
        """The first object of ``prop`` as a decimal, or None."""
        for value in self.values(prop):
            try:
                return Decimal(value.value)
            except InvalidOperation:
                continue
        return None

    def flag(self, prop: str) -> bool | None:
        """The first object of ``prop`` as a boolean, or None when not stated."""
        text = self.text(prop)
        return None if text is None else text.strip().lower() in {"true", "1"}

    @property
    def city(self) -> str | None:
        """The IRI of the entity's cityreg:city, if stated."""
        found = self.iris(str(CITYREG.city))
        return found[0] if found else None


class ReadModel:
    """Every entity by IRI and by kind, the labels of any IRI, and the store to read from.

    What it knows of every entity is in its :class:`EntityIndex` (an SQLite file): read one
    with :meth:`get`, lists with :meth:`listed` (a sequence read a page at a time), labels
    with :meth:`label`. Entities are made when asked for and the :data:`CACHED_ENTITIES` most
    recently made are kept.
    """

    def __init__(self, store: ox.Store | None = None, index: EntityIndex | None = None) -> None:
        """A model over ``store`` and a built ``index`` (default: an empty one); use
        :meth:`from_registry`."""
        self.store = store
        if index is None:
            index = EntityIndex()
            index.build((), (), (), (), lambda _types: OTHER_KIND, _tail)
        self.index = index
        self.statement_count = 0
        self._cache: OrderedDict[Subject, dict[str, Term | list[Term]]] = OrderedDict()
        self._made: OrderedDict[str, Entity] = OrderedDict()
        self._lock = Lock()

    @classmethod
    def from_registry(cls, registry: Registry) -> ReadModel:
        """Index the registry from bulk queries (the class hierarchy, types, labels, and the
        links and dates lists filter on), each streamed into the index; for a registry held
        by an engine, the index kept for its state is opened instead, or the one built is
        kept (:mod:`registry.api.keptindex`)."""
        from registry.api import keptindex

        def build(index: EntityIndex) -> None:
            superclasses: dict[str, set[str]] = defaultdict(set)
            for row in _rows(registry, f"SELECT ?c ?s WHERE {{ ?c <{RDFS_SUBCLASS}>+ ?s }}"):
                superclasses[row[0].value].add(row[1].value)
            index.build(_labels(registry), _types(registry),
                        _values(registry, LINKS, iris=True),
                        _values(registry, (START, END), iris=False),
                        lambda types: _kind(types, superclasses), _tail)

        kept = keptindex.file_for(registry)
        if kept is None:
            index = EntityIndex()
            build(index)
        else:
            index = keptindex.opened_or_built(*kept, build, registry.count)
        model = cls(registry.store, index)
        model.statement_count = registry.count() if index.statements is None \
            else index.statements
        return model

    def statements_of(self, node: Subject) -> dict[str, Term | list[Term]]:
        """``predicate -> object or objects`` of every statement about ``node``, each object
        once, in store order (kept for the :data:`CACHED_ENTITIES` most recently read)."""
        with self._lock:
            found = self._cache.get(node)
            if found is not None:
                self._cache.move_to_end(node)
                return found
        found = {}
        if self.store is not None:
            for quad in self.store.quads_for_pattern(node, None, None, None):
                value = quad.object
                if not _about_entities(quad) or isinstance(value, ox.Triple):
                    continue
                predicate = intern(quad.predicate.value)
                bucket = found.get(predicate)
                if bucket is None:
                    found[predicate] = value
                elif isinstance(bucket, list):
                    if value not in bucket:  # the same statement may be in two files
                        bucket.append(value)
                elif bucket != value:
                    found[predicate] = [bucket, value]
        with self._lock:
            self._cache[node] = found
            if len(self._cache) > CACHED_ENTITIES:
                self._cache.popitem(last=False)
        return found

    def made(self, rows: list[Row]) -> list[Entity]:
        """The entities of index ``rows``, in order (kept ones reused)."""
        found = []
        with self._lock:
            for iri, blank, kind, label, types in rows:
                entity = self._made.get(iri)
                if entity is None:
                    node: Subject = ox.BlankNode(iri) if blank else ox.NamedNode(iri)
                    entity = Entity(iri, kind, label, list(types), node, self)
                    self._made[iri] = entity
                    if len(self._made) > CACHED_ENTITIES:
                        self._made.popitem(last=False)
                else:
                    self._made.move_to_end(iri)
                found.append(entity)
        return found

    def label(self, iri: str) -> str:
        """The label of any IRI the registry labels, else the IRI's last segment."""
        return self.index.label(iri) or _tail(iri)

    def stated_label(self, iri: str) -> str | None:
        """The label the registry states for ``iri``, or None."""
        return self.index.label(iri)

    def entity_count(self) -> int:
        """How many entities the registry has."""
        return self.index.count()

    def get(self, iri: str) -> Entity | None:
        """The entity with IRI ``iri``, or None."""
        with self._lock:
            kept = self._made.get(iri)
        if kept is not None:
            return kept
        row = self.index.entity(iri)
        return None if row is None else self.made([row])[0]

    def find(self, text: str, kinds: Iterable[str] | None = None, what: str = "entity") -> str:
        """The IRI of the entity ``text`` names (its IRI or its label, :mod:`registry.names`),
        among the entities of ``kinds`` (default: all). Raises NotFoundError with the closest
        labels, or InputError listing the entities a shared label names.

        The index gives :class:`Names` only the candidates that can answer: the entity with
        that IRI, those with that label exactly or folded, else those whose folded label
        contains the text (at most :data:`_SUGGESTED`), else those close to it
        (:data:`_SUGGESTED` at most, sharing its first letter in a larger registry)."""
        wanted = Selection(None if kinds is None else sorted(set(kinds)))
        where, parameters = wanted.where, wanted.parameters
        if self.index.rows(f"SELECT 1 FROM entity WHERE iri = ? AND {where}",
                           (text, *parameters)):
            return text
        folded = fold(text)
        pool = self.index.rows(f"SELECT {ROW_COLUMNS} FROM entity WHERE (label = ? OR "
                               f"name_fold = ?) AND {where}", (text, folded, *parameters))
        if not pool and folded and len(folded) <= 200:
            pool = self.index.rows(
                f"SELECT {ROW_COLUMNS} FROM entity WHERE instr(name_fold, ?) > 0 AND {where} "
                "ORDER BY name_fold, iri LIMIT ?", (folded, *parameters, _SUGGESTED))
            if not pool:
                near = "1" if self.index.count() <= _SUGGESTED else "substr(name_fold, 1, 1) = ?"
                pool = self.index.rows(
                    f"SELECT {ROW_COLUMNS} FROM entity WHERE {near} AND {where} "
                    "ORDER BY name_fold, iri LIMIT ?",
                    (*(() if near == "1" else (folded[0],)), *parameters, _SUGGESTED))
        names = Names(Candidate(iri, (label,), kind) for iri, _blank, kind, label, _t in pool)
        return names.pick(text, what, "give its IRI or its label as the registry spells it "
                          "(the GraphQL `search` field or the site's search finds both)")

    def resolve(self, iris: Iterable[str]) -> list[Entity]:
        """The entities among ``iris``, in that order (unknown IRIs are skipped)."""
        wanted = list(iris)
        found = self.index.entities(wanted)
        return self.made([found[iri] for iri in wanted if iri in found])

    def listed(self, kinds: Sequence[str] | None, *, city: str | None = None,
               type: str | None = None, active_on: date | None = None,
               label_contains: str | None = None, among: Iterable[str] | None = None
               ) -> Sequence[Entity]:
        """The entities of ``kinds`` (None: all) by label, then IRI: only those of ``city``
        (:meth:`city_of`), with rdf:type ``type``, in force on ``active_on`` (their first
        cityreg:startDate and endDate), whose label contains ``label_contains`` (ignoring
        case), and among the IRIs ``among``. A sequence read a page at a time."""
        selection = Selection(kinds, city=city, type=type, active_on=active_on,
                              label_contains=label_contains)
        if among is None:
            return EntityRows(self.index, selection, self.made)
        chosen: list[tuple[str, str]] = []
        named = sorted(set(among))
        for start in range(0, len(named), 500):
            chunk = named[start:start + 500]
            chosen += self.index.rows(
                f"SELECT sort_fold, iri FROM entity WHERE {selection.where} AND iri IN "
                f"({', '.join('?' * len(chunk))})", (*selection.parameters, *chunk))
        return _Chosen([iri for _fold, iri in sorted(chosen)], self)

    def pointing_at(self, iri: str, prop: str) -> list[Entity]:
        """Entities that state ``<them> prop <iri>``, by IRI."""
        if self.store is None:
            return []
        target = self.get(iri)
        try:
            node = target.node if target is not None and target.node is not None \
                else ox.NamedNode(iri)
            predicate = ox.NamedNode(prop)
        except ValueError:  # not an IRI: nothing can point at it
            return []
        subjects = {quad.subject.value for quad in self.store.quads_for_pattern(
                        None, predicate, node, None)
                    if _about_entities(quad) and not isinstance(quad.subject, ox.Triple)}
        return self.resolve(sorted(subjects))

    def links_to(self, iri: str, props: Iterable[str]) -> list[tuple[str, Entity]]:
        """``(prop, entity)`` for every entity that states ``<entity> prop <iri>`` with one of
        ``props``: one index lookup on the object, whatever the number of properties. By
        entity IRI, then property."""
        wanted = frozenset(props)
        return [(prop, entity) for prop, entity in self.incoming(iri) if prop in wanted]

    def incoming(self, iri: str) -> list[tuple[str, Entity]]:
        """``(prop, entity)`` for every entity that states ``<entity> prop <iri>``, whatever
        the property: one index lookup on the object. By entity IRI, then property."""
        if self.store is None:
            return []
        target = self.get(iri)
        try:
            node = target.node if target is not None and target.node is not None \
                else ox.NamedNode(iri)
        except ValueError:  # not an IRI: nothing can point at it
            return []
        pairs = sorted({(quad.subject.value, quad.predicate.value) for quad in
                        self.store.quads_for_pattern(None, None, node, None)
                        if _about_entities(quad) and not isinstance(quad.subject, ox.Triple)})
        entities = {entity.iri: entity for entity in self.resolve(
            dict.fromkeys(subject for subject, _prop in pairs))}
        return [(prop, entities[subject]) for subject, prop in pairs if subject in entities]

    def city_of(self, entity: Entity) -> str | None:
        """The entity's cityreg:city (the first by IRI when it states several); for a
        contract, agreement or data flow that states none, the city of what it is for
        (:mod:`registry.flows.cities`), as the index placed it."""
        return self.index.city(entity.iri)

    def contracts_in(self, city: str) -> Sequence[Entity]:
        """The contracts whose :meth:`city_of` is ``city``, by label."""
        return self.listed(["Contract"], city=city)

    def organisations(self) -> Sequence[Entity]:
        """Agencies, companies and other organisations, by label."""
        return self.listed(sorted(ORGANISATION_KINDS))


#: How many candidates :meth:`ReadModel.find` reads for its suggestions at most.
_SUGGESTED = 1000


class _Chosen(Sequence[Entity]):
    """Entities known by IRI, in label order, made a page at a time."""

    def __init__(self, iris: list[str], model: ReadModel) -> None:
        self._iris = iris
        self._model = model

    def __len__(self) -> int:
        return len(self._iris)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._model.resolve(self._iris[index])
        return self._model.resolve([self._iris[index]])[0]


def _labels(registry: Registry) -> Iterator[tuple[str, str, int]]:
    """``(term, label, rank)`` of every rdfs:label in the entity graphs (rank 0 English, 1
    untagged, 2 any other language)."""
    for row in _rows(registry, _in_entity_graphs(registry, "?s ?l", f"?s <{RDFS_LABEL}> ?l")):
        value = row[1]
        if isinstance(value, ox.Literal):
            rank = 0 if value.language == "en" else 1 if value.language is None else 2
            yield row[0].value, value.value, rank


def _types(registry: Registry) -> Iterator[tuple[str, str, bool]]:
    """``(term, type, is blank)`` of every rdf:type in the entity graphs but the ontology's
    (its classes, purposes and sensor types are vocabulary, not entities)."""
    text = _in_entity_graphs(registry, "?s ?t", f"?s <{RDF_TYPE}> ?t",
                             also_excluded=(ONTOLOGY_GRAPH,))
    for row in _rows(registry, text):
        if not isinstance(row[1], ox.Literal) and not isinstance(row[0], ox.Triple):
            yield row[0].value, row[1].value, isinstance(row[0], ox.BlankNode)


def _values(registry: Registry, props: Sequence[str], iris: bool
            ) -> Iterator[tuple[str, str, str]]:
    """``(subject, property, object)`` of ``props`` in the entity graphs: objects that are
    IRIs (``iris``), or any object as text."""
    listed = " ".join(f"<{prop}>" for prop in props)
    text = _in_entity_graphs(registry, "?s ?p ?o", f"VALUES ?p {{ {listed} }} ?s ?p ?o")
    for row in _rows(registry, text):
        subject, obj = row[0], row[2]
        if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):
            continue
        if iris and not isinstance(obj, ox.NamedNode):
            continue
        yield subject.value, row[1].value, obj.value


def _about_entities(quad: ox.Quad) -> bool:
    """Whether ``quad`` is in a graph of the registry's entities (a named graph, not one of
    :data:`_NOT_ENTITY_GRAPHS`); :func:`_in_entity_graphs` is the same test in SPARQL."""
    graph = quad.graph_name
    return not isinstance(graph, ox.DefaultGraph) and graph.value not in _NOT_ENTITY_GRAPHS


def _in_entity_graphs(registry: Registry, projection: str, pattern: str,
                      also_excluded: Iterable[str] = ()) -> str:
    """A SELECT of ``pattern`` over the named graphs that hold the registry's entities (less
    ``also_excluded``; on an engine, less its graphs that are not the registry's:
    :meth:`registry.remote.store.RemoteStore.foreign_graphs`)."""
    foreign = getattr(registry.store, "foreign_graphs", None)
    graphs = _NOT_ENTITY_GRAPHS | {str(g) for g in also_excluded} | set(
        foreign() if foreign is not None else ())
    excluded = ", ".join(f"<{g}>" for g in sorted(graphs))
    return (f"SELECT {projection} WHERE {{ GRAPH ?g {{ {pattern} }} "
            f"FILTER(?g NOT IN ({excluded})) }}")


def _as_list(stored: Term | list[Term] | None) -> list[Term]:
    """A ``props`` entry (one object, a list of them, or none) as a list."""
    if stored is None:
        return []
    return stored if isinstance(stored, list) else [stored]


def _kind(types: list[str], superclasses: dict[str, set[str]]) -> str:
    closure = set(types)
    for t in types:
        closure |= superclasses.get(t, set())
    for kind, classes in KINDS:
        if any(c in closure for c in classes):
            return kind
    return OTHER_KIND


def _tail(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


def _rows(registry: Registry, text: str) -> ox.QuerySolutions:
    result = registry.raw_query(text)
    assert isinstance(result, ox.QuerySolutions)
    return result

