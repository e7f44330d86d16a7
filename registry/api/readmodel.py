"""The API's read model: every entity of the registry, indexed once at load, read from the store.

GraphQL resolvers never run SPARQL. Three bulk queries (the class hierarchy, every type, every
label) give each entity its kind and label, so lists by kind are built once and sorted once.
An entity's statements are not copied: :attr:`Entity.props` reads them from the store with one
index lookup (``quads_for_pattern`` on the subject) when a resolver first asks, and the model
keeps the most recently read entities (:data:`CACHED_ENTITIES`). "Who points at me" (the
deployments of a sensor, the flows of an agreement) is one lookup on the predicate and object.

The store already holds every statement, and a second copy as Python objects was the largest
part of the server's memory: at 3.4M statements the copy and its reverse index took about
0.45 GB. The store must stay open while the model is used; it is never written while a server
runs, so what the model indexed at load and what it reads later agree.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from sys import intern
from threading import Lock

import pyoxigraph as ox

from registry.flows.cities import (
    CONTRACT_CITY_FALLBACKS,
    agreement_city,
    contract_city,
    flow_city,
)
from registry.names import Candidate, Names
from registry.namespaces import (
    CITYREG,
    CLASS_CLOSURE_GRAPH,
    DCAT,
    DERIVED_GRAPH,
    DPV,
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

#: Graphs whose statements are not about the registry's entities: the load records, and the
#: scratch graphs a validation run fills while it runs.
_NOT_ENTITY_GRAPHS = frozenset({str(PROVENANCE_GRAPH), str(VALIDATION_CONTEXT_GRAPH),
                                str(CLASS_CLOSURE_GRAPH), str(DERIVED_GRAPH)})

_CITY = str(CITYREG.city)


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
    """Every entity by IRI and by kind, the labels of any IRI, and the store to read from."""

    def __init__(self, store: ox.Store | None = None) -> None:
        """An empty model over ``store``; use :meth:`from_registry`."""
        self.store = store
        self.entities: dict[str, Entity] = {}
        self.by_kind: dict[str, list[Entity]] = defaultdict(list)
        self.labels: dict[str, str] = {}
        self.statement_count = 0
        self._cache: OrderedDict[Subject, dict[str, Term | list[Term]]] = OrderedDict()
        self._lock = Lock()
        self._contract_cities: tuple[dict[str, str], dict[str, list[Entity]]] | None = None
        self._names: dict[tuple[str, ...] | None, Names] = {}

    @classmethod
    def from_registry(cls, registry: Registry) -> ReadModel:
        """Index the registry in three bulk queries: the class hierarchy, types and labels."""
        model = cls(registry.store)
        model.statement_count = registry.count()
        superclasses: dict[str, set[str]] = defaultdict(set)
        for row in _rows(registry, f"SELECT ?c ?s WHERE {{ ?c <{RDFS_SUBCLASS}>+ ?s }}"):
            superclasses[row[0].value].add(row[1].value)
        labels = model.labels
        label_rank: dict[str, int] = {}
        for row in _rows(registry, _in_entity_graphs("?s ?l", f"?s <{RDFS_LABEL}> ?l")):
            value = row[1]
            if not isinstance(value, ox.Literal):
                continue
            key = intern(row[0].value)
            rank = 0 if value.language == "en" else 1 if value.language is None else 2
            if rank < label_rank.get(key, 3):
                label_rank[key] = rank
                labels[key] = intern(value.value)  # shared with the access graph's labels
        types: dict[str, list[str]] = {}
        nodes: dict[str, Subject] = {}
        # The ontology's own terms (classes, purposes, sensor types) are vocabulary, not entities.
        for row in _rows(registry, _in_entity_graphs("?s ?t", f"?s <{RDF_TYPE}> ?t",
                                                     also_excluded=(ONTOLOGY_GRAPH,))):
            if isinstance(row[1], ox.Literal):
                continue
            key = intern(row[0].value)
            found = types.get(key)
            if found is None:
                found = types[key] = []
                nodes[key] = row[0]
            name = intern(row[1].value)
            if name not in found:
                found.append(name)
        for iri, stated in types.items():
            kind = _kind(stated, superclasses)
            entity = Entity(iri, kind, labels.get(iri) or _tail(iri), sorted(stated),
                            nodes[iri], model)
            model.entities[iri] = entity
            model.by_kind[kind].append(entity)
        for entities in model.by_kind.values():
            entities.sort(key=lambda e: (e.label.casefold(), e.iri))
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

    def label(self, iri: str) -> str:
        """The label of any IRI the registry labels, else the IRI's last segment."""
        return self.labels.get(iri) or _tail(iri)

    def get(self, iri: str) -> Entity | None:
        """The entity with IRI ``iri``, or None."""
        return self.entities.get(iri)

    def find(self, text: str, kinds: Iterable[str] | None = None, what: str = "entity") -> str:
        """The IRI of the entity ``text`` names (its IRI or its label, :mod:`registry.names`),
        among the entities of ``kinds`` (default: all). Raises NotFoundError with the closest
        labels, or InputError listing the entities a shared label names."""
        wanted = None if kinds is None else tuple(sorted(set(kinds)))
        with self._lock:
            names = self._names.get(wanted)
        if names is None:
            chosen = self.entities.values() if wanted is None else \
                [e for kind in wanted for e in self.by_kind.get(kind, ())]
            names = Names(Candidate(e.iri, (e.label,), e.kind) for e in chosen)
            with self._lock:
                self._names[wanted] = names
        return names.pick(text, what, "give its IRI or its label as the registry spells it "
                          "(the GraphQL `search` field or the site's search finds both)")

    def resolve(self, iris: Iterable[str]) -> list[Entity]:
        """The entities among ``iris`` (unknown IRIs are skipped)."""
        return [e for e in (self.entities.get(iri) for iri in iris) if e is not None]

    def pointing_at(self, iri: str, prop: str) -> list[Entity]:
        """Entities that state ``<them> prop <iri>``, by IRI."""
        if self.store is None:
            return []
        target = self.entities.get(iri)
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
        target = self.entities.get(iri)
        try:
            node = target.node if target is not None and target.node is not None \
                else ox.NamedNode(iri)
        except ValueError:  # not an IRI: nothing can point at it
            return []
        pairs = {(quad.subject.value, quad.predicate.value) for quad in
                 self.store.quads_for_pattern(None, None, node, None)
                 if _about_entities(quad) and not isinstance(quad.subject, ox.Triple)}
        found = []
        for subject, prop in sorted(pairs):
            entity = self.entities.get(subject)
            if entity is not None:
                found.append((prop, entity))
        return found

    def city_of(self, entity: Entity) -> str | None:
        """The entity's cityreg:city; for a contract, agreement or data flow that states
        none, the city of what it is for (:mod:`registry.flows.cities`)."""
        if entity.kind == "Contract":
            return self._cities()[0].get(entity.iri)
        if entity.kind in _AGREEMENT_KINDS:
            return agreement_city(entity.iri, self._stated_city, self._linked)
        if entity.kind == "DataFlow":
            return flow_city(entity.iri, self._stated_city, self._linked)
        return entity.city

    def _stated_city(self, iri: str) -> str | None:
        entity = self.entities.get(iri)
        return None if entity is None else entity.city

    def _linked(self, iri: str, prop: str) -> list[str]:
        entity = self.entities.get(iri)
        return [] if entity is None else entity.iris(prop)

    def contracts_in(self, city: str) -> list[Entity]:
        """The contracts whose :meth:`city_of` is ``city``, by label."""
        return self._cities()[1].get(city, [])

    def _cities(self) -> tuple[dict[str, str], dict[str, list[Entity]]]:
        """Every contract's city and the contracts of every city, computed on first use
        from one index scan per property of :data:`CONTRACT_CITY_FALLBACKS`."""
        found = self._contract_cities
        if found is None:
            found = self._contract_cities = self._compute_contract_cities()
        return found

    def _compute_contract_cities(self) -> tuple[dict[str, str], dict[str, list[Entity]]]:
        stated = self._objects(_CITY)
        links = {prop: self._objects(prop) for prop in CONTRACT_CITY_FALLBACKS}
        cities: dict[str, str] = {}
        by_city: dict[str, list[Entity]] = defaultdict(list)
        for contract in self.by_kind.get("Contract", ()):  # by label
            city = contract_city(contract.iri,
                                 lambda entity: next(iter(stated.get(entity, ())), None),
                                 lambda entity, prop: links[prop].get(entity, ()))
            if city is not None:
                cities[contract.iri] = city
                by_city[city].append(contract)
        return cities, dict(by_city)

    def _objects(self, prop: str) -> dict[str, list[str]]:
        """``subject -> IRIs`` of every statement of ``prop`` in the entity graphs, sorted."""
        found: dict[str, set[str]] = defaultdict(set)
        if self.store is not None:
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(prop), None, None):
                if _about_entities(quad) and isinstance(quad.object, ox.NamedNode) \
                        and not isinstance(quad.subject, ox.Triple):
                    found[quad.subject.value].add(quad.object.value)
        return {subject: sorted(values) for subject, values in found.items()}

    def organisations(self) -> list[Entity]:
        """Agencies, companies and other organisations, by label."""
        found = [e for kind in ORGANISATION_KINDS for e in self.by_kind.get(kind, ())]
        return sorted(found, key=lambda e: (e.label.casefold(), e.iri))


def _about_entities(quad: ox.Quad) -> bool:
    """Whether ``quad`` is in a graph of the registry's entities (a named graph, not one of
    :data:`_NOT_ENTITY_GRAPHS`); :func:`_in_entity_graphs` is the same test in SPARQL."""
    graph = quad.graph_name
    return not isinstance(graph, ox.DefaultGraph) and graph.value not in _NOT_ENTITY_GRAPHS


def _in_entity_graphs(projection: str, pattern: str, also_excluded: Iterable[str] = ()) -> str:
    """A SELECT of ``pattern`` over the named graphs that hold the registry's entities (less
    ``also_excluded``)."""
    graphs = _NOT_ENTITY_GRAPHS | {str(g) for g in also_excluded}
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

