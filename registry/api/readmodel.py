"""The API's read model: every entity of the registry as a Python record, built once at load.

GraphQL resolvers never run SPARQL. Two bulk queries (types with the class hierarchy, then
every statement about an IRI subject) fill :class:`Entity` records; a reverse index answers
"who points at me" (the deployments of a sensor, the flows of an agreement). Per-request work is
then dictionary lookups, so a list of 500 entities costs no more than its serialisation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from sys import intern

import pyoxigraph as ox

from registry.namespaces import (
    CITYREG,
    DCAT,
    DPV,
    ORG,
    PROVENANCE_GRAPH,
    SOSA,
    SSN,
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
    ("Source", (str(CITYREG.Source),)),
    ("City", (str(CITYREG.City),)),
)
ORGANISATION_KINDS = frozenset({"Agency", "Company", "OtherOrganisation"})


Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(eq=False)
class Entity:
    """One registry entity: its IRI, kind, types and statements.

    ``props[predicate]`` is the one object of ``predicate``, or the list of them when there
    are several (most predicates have one object, and the model holds every statement of the
    registry: a list for each would be a quarter of its memory). Read it through
    :meth:`values` and :meth:`statements`.
    """

    iri: str
    kind: str
    label: str
    types: list[str] = field(default_factory=list)
    props: dict[str, Term | list[Term]] = field(default_factory=dict)

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
    """Every entity by IRI and by kind, a reverse index and the labels of any IRI."""

    def __init__(self) -> None:
        """An empty model; use :meth:`from_registry`."""
        self.entities: dict[str, Entity] = {}
        self.by_kind: dict[str, list[Entity]] = defaultdict(list)
        self.labels: dict[str, str] = {}
        self.reverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.statement_count = 0

    @classmethod
    def from_registry(cls, registry: Registry) -> ReadModel:
        """Read the registry in two bulk queries (the class hierarchy, then every statement)."""
        model = cls()
        model.statement_count = registry.count()
        superclasses: dict[str, set[str]] = defaultdict(set)
        for row in _rows(registry, f"SELECT ?c ?s WHERE {{ ?c <{RDFS_SUBCLASS}>+ ?s }}"):
            superclasses[row[0].value].add(row[1].value)
        statements: dict[str, dict[str, Term | list[Term]]] = {}
        labels = model.labels
        label_rank: dict[str, int] = {}
        terms: dict[Term, Term] = {}
        for row in _rows(registry, "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                         f"FILTER(?g != <{PROVENANCE_GRAPH}>) }}"):
            # Interned: an IRI is one string, and a term one object, however many statements
            # name it (the model holds every statement; copies would cost more than the
            # store itself).
            key, predicate = intern(row[0].value), intern(row[1].value)
            value = terms.setdefault(row[2], row[2])
            props = statements.get(key)
            if props is None:
                props = statements[key] = {}
            bucket = props.get(predicate)
            if bucket is None:
                props[predicate] = value
            elif isinstance(bucket, list):
                bucket.append(value)
            else:
                props[predicate] = [bucket, value]
            if predicate == RDFS_LABEL and isinstance(value, ox.Literal):
                rank = 0 if value.language == "en" else 1 if value.language is None else 2
                if rank < label_rank.get(key, 3):
                    label_rank[key] = rank
                    labels[key] = value.value
        for props in statements.values():
            for predicate, values in props.items():
                if isinstance(values, list):  # the same statement may be in two files
                    unique = list(dict.fromkeys(values))
                    props[predicate] = unique if len(unique) > 1 else unique[0]
        for iri, props in statements.items():
            types = [t.value for t in _as_list(props.get(RDF_TYPE))]
            kind = _kind(types, superclasses)
            if kind is None:
                continue
            entity = Entity(iri, kind, model.labels.get(iri) or _tail(iri), sorted(types), props)
            model.entities[iri] = entity
            model.by_kind[kind].append(entity)
            for prop in props:
                if prop == RDF_TYPE:
                    continue
                for value in entity.values(prop):
                    if not isinstance(value, ox.Literal):
                        model.reverse[intern(value.value)][prop].append(iri)
        for entities in model.by_kind.values():
            entities.sort(key=lambda e: (e.label.casefold(), e.iri))
        for by_prop in model.reverse.values():
            for subjects in by_prop.values():
                subjects.sort()
        return model

    def label(self, iri: str) -> str:
        """The label of any IRI the registry labels, else the IRI's last segment."""
        return self.labels.get(iri) or _tail(iri)

    def get(self, iri: str) -> Entity | None:
        """The entity with IRI ``iri``, or None."""
        return self.entities.get(iri)

    def resolve(self, iris: Iterable[str]) -> list[Entity]:
        """The entities among ``iris`` (unknown IRIs are skipped)."""
        return [e for e in (self.entities.get(iri) for iri in iris) if e is not None]

    def pointing_at(self, iri: str, prop: str) -> list[Entity]:
        """Entities that state ``<them> prop <iri>``."""
        return self.resolve(self.reverse.get(iri, {}).get(prop, ()))

    def organisations(self) -> list[Entity]:
        """Agencies, companies and other organisations, by label."""
        found = [e for kind in ORGANISATION_KINDS for e in self.by_kind.get(kind, ())]
        return sorted(found, key=lambda e: (e.label.casefold(), e.iri))


def _as_list(stored: Term | list[Term] | None) -> list[Term]:
    """A ``props`` entry (one object, a list of them, or none) as a list."""
    if stored is None:
        return []
    return stored if isinstance(stored, list) else [stored]


def _kind(types: list[str], superclasses: dict[str, set[str]]) -> str | None:
    closure = set(types)
    for t in types:
        closure |= superclasses.get(t, set())
    for kind, classes in KINDS:
        if any(c in closure for c in classes):
            return kind
    return None


def _tail(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


def _rows(registry: Registry, text: str) -> ox.QuerySolutions:
    result = registry.raw_query(text)
    assert isinstance(result, ox.QuerySolutions)
    return result

