"""The vendor concentration: per vendor and city, the contracts, datasets and sensors that
depend on the vendor.

One computation (:func:`vendor_concentration`) over :class:`~registry.flows.facts.Facts`:
the whole registry's, for :class:`~registry.flows.graph.AccessGraph`, or only the statements
it reads (:func:`read_concentration_facts`), for a registry held by an engine. Those are a
few properties, each read in one query (:data:`STRUCTURE`, :data:`PLACES`), then the cities
and labels of what they name: about a tenth of the registry's statements, read once. The
walk of every vendor's web it replaces read overlapping webs (a batch of 200 vendors reached
162,457 entities of the generated N=10000 registry): about 73 minutes on Virtuoso.

A vendor is a company that supplies, processes or sub-processes under a contract (or a
processing), develops a system, or hosts a dataset. Its contracts are those it is party to in
one of those roles; its datasets those the contracts cover (:func:`covered_datasets`), those
its systems feed and those it hosts; its sensors those that feed its datasets or that its
systems use. The city is the entity's cityreg:city, else its operator's; a contract's is
:func:`registry.flows.cities.contract_city` (as in the API).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

import pyoxigraph as ox

from registry.flows.build import contract_datasets
from registry.flows.cities import CONTRACT_CITY_FALLBACKS, contract_city
from registry.flows.facts import RDFS_LABEL, Facts, add_fact, add_label, add_type, finish
from registry.flows.iris import (
    CITYREG_coversDataset,
    CITYREG_coversSystem,
    CITYREG_developer,
    CITYREG_feedsDataset,
    CITYREG_hasSubProcessor,
    CITYREG_hostedBy,
    CITYREG_operator,
    CITYREG_parentContract,
    CITYREG_supplier,
    CITYREG_usesDataset,
    CITYREG_usesSensor,
    CITYREG_usesSystem,
    DPV_hasDataProcessor,
    SSN_deployedSystem,
)
from registry.flows.model import VendorConcentration
from registry.flows.neighbourhood import is_iri
from registry.namespaces import CITYREG, SOSA
from registry.store import Registry

#: The roles that make a party to a contract (or a processing) its vendor.
VENDOR_ROLES = (CITYREG_supplier, DPV_hasDataProcessor, CITYREG_hasSubProcessor)
#: The properties that link a vendor to what depends on it, and those to the data: read
#: whole, each in one query.
STRUCTURE = (*VENDOR_ROLES, CITYREG_developer, CITYREG_hostedBy, CITYREG_coversDataset,
             CITYREG_coversSystem, CITYREG_parentContract, CITYREG_feedsDataset,
             CITYREG_usesSensor, CITYREG_usesSystem, CITYREG_usesDataset, SSN_deployedSystem)
#: The other properties where an entity's city comes from when it states none (its operator's,
#: a contract's buyers' or controllers'): read whole, kept only for the entities of
#: :data:`STRUCTURE`'s statements.
PLACES = tuple(p for p in dict.fromkeys((CITYREG_operator, *CONTRACT_CITY_FALLBACKS))
               if p not in STRUCTURE)
_SENSOR = str(SOSA.Sensor)
_CITY = str(CITYREG.city)
#: How many IRIs one query's VALUES list names (labels of the vendors and cities).
CHUNK = 300


def vendor_concentration(facts: Facts, cities: Mapping[str, str]) -> list[VendorConcentration]:
    """The rows, most depended-on first (see the module docstring); ``cities`` is
    ``entity -> cityreg:city`` of the entities ``facts`` names."""
    rows: dict[tuple[str, str | None], dict[str, set[str]]] = defaultdict(
        lambda: {"contracts": set(), "datasets": set(), "sensors": set()})
    feeders = facts.by_object(CITYREG_feedsDataset)

    def city_of(*entities: str) -> str | None:
        return next((cities[e] for e in entities if cities.get(e)), None)

    def add_dataset(vendor: str, dataset: str, fallback: str | None) -> None:
        row = rows[(vendor, fallback or city_of(dataset))]
        row["datasets"].add(dataset)
        for feeder in feeders.get(dataset, ()):
            if facts.is_a(feeder, (_SENSOR,)):
                row["sensors"].add(feeder)

    for contract in facts.subjects(*VENDOR_ROLES):
        vendors = {v for prop in VENDOR_ROLES for v in facts.get(contract, prop)}
        city = contract_city(contract, cities.get, facts.get)
        covered = covered_datasets(facts, contract)
        for vendor in vendors:
            rows[(vendor, city)]["contracts"].add(contract)
            for dataset in covered:
                add_dataset(vendor, dataset, city)
    for entity in facts.subjects(CITYREG_developer, CITYREG_hostedBy):
        for vendor in facts.get(entity, CITYREG_developer):
            city = city_of(entity, *facts.get(entity, CITYREG_operator))
            row = rows[(vendor, city)]
            for sensor in facts.get(entity, CITYREG_usesSensor):
                row["sensors"].add(sensor)
            for dataset in facts.get(entity, CITYREG_feedsDataset):
                add_dataset(vendor, dataset, city)
        for vendor in facts.get(entity, CITYREG_hostedBy):
            add_dataset(vendor, entity, city_of(entity))
    result = [
        VendorConcentration(
            vendor, facts.label(vendor), city, None if city is None else facts.label(city),
            tuple(sorted(row["contracts"])), tuple(sorted(row["datasets"])),
            tuple(sorted(row["sensors"])))
        for (vendor, city), row in rows.items()]
    return sorted(result, key=lambda r: (-(len(r.contracts) + len(r.datasets)
                                           + len(r.sensors)), r.label.casefold(),
                                         r.city_label or ""))


def covered_datasets(facts: Facts, entity: str) -> list[str]:
    """The datasets a contract covers (:func:`~registry.flows.build.contract_datasets`), or a
    processing or system works on: those it feeds or uses, and those fed by the sensors and
    systems it uses or deploys (the entities :mod:`registry.flows.build` makes the first
    holders' hops from)."""
    found = set(contract_datasets(facts, entity))
    found.update(facts.get(entity, CITYREG_feedsDataset))
    found.update(facts.get(entity, CITYREG_usesDataset))
    for prop in (CITYREG_usesSensor, CITYREG_usesSystem, SSN_deployedSystem):
        for feeder in facts.get(entity, prop):
            found.update(facts.get(feeder, CITYREG_feedsDataset))
    return sorted(found)


def read_concentration_facts(registry: Registry) -> tuple[Facts, dict[str, str]]:
    """The statements :func:`vendor_concentration` reads, and the cities of what they name
    (see the module docstring): its memory grows with those, not with the registry."""
    facts = Facts()
    for prop in STRUCTURE:
        for subject, value in _pairs(registry, f"SELECT ?s ?o WHERE {{ ?s <{prop}> ?o }}"):
            add_fact(facts, subject, prop, value)
    entities = set(facts.facts) | _named(facts, (CITYREG_parentContract,))
    for prop in PLACES:
        for subject, value in _pairs(registry, f"SELECT ?s ?o WHERE {{ ?s <{prop}> ?o }}"):
            if subject in entities:
                add_fact(facts, subject, prop, value)
    feeding = set(facts.subjects(CITYREG_feedsDataset))
    sensors = registry.raw_query(f"SELECT ?s WHERE {{ ?s a <{_SENSOR}> }}")
    assert isinstance(sensors, ox.QuerySolutions)
    for row in sensors:
        if row[0].value in feeding:
            add_type(facts, row[0].value, _SENSOR)
    finish(facts, {})
    named = set(facts.facts) | _named(facts, STRUCTURE + PLACES)
    cities = {subject: city for subject, city in _pairs(
        registry, f"SELECT ?s ?c WHERE {{ ?s <{_CITY}> ?c }}") if subject in named}
    vendors = _named(facts, (*VENDOR_ROLES, CITYREG_developer, CITYREG_hostedBy))
    _read_labels(registry, facts, sorted(vendors | set(cities.values())))
    return facts, cities


def _named(facts: Facts, props: tuple[str, ...]) -> set[str]:
    """Every value of ``props``."""
    found: set[str] = set()
    for by_property in facts.facts.values():
        for prop in props:
            stored = by_property.get(prop)
            if stored is not None:
                found.update([stored] if isinstance(stored, str) else stored)
    return found


def _read_labels(registry: Registry, facts: Facts, iris: list[str]) -> None:
    rank: dict[str, int] = {}
    for start in range(0, len(iris), CHUNK):
        values = " ".join(f"<{iri}>" for iri in iris[start:start + CHUNK] if is_iri(iri))
        if not values:
            continue
        rows = registry.raw_query(
            f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS_LABEL}> ?l }}")
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            add_label(facts, rank, row[0].value, row[1])


def _pairs(registry: Registry, text: str) -> Iterator[tuple[str, str]]:
    rows = registry.raw_query(text)
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        subject, value = row[0], row[1]
        if isinstance(subject, ox.Triple) or isinstance(value, ox.Triple):
            continue
        yield subject.value, value.value
