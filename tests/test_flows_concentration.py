"""The vendor concentration (registry.flows.concentration): what a contract covers counts
whatever hops it makes, a processing's processor depends on the data it works on, and the
statements read for an engine are those few properties, giving the whole projection's rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.flows import AccessGraph
from registry.flows.concentration import (
    PLACES,
    STRUCTURE,
    read_concentration_facts,
    vendor_concentration,
)
from registry.flows.ondemand import OnDemandAccess
from registry.store import Registry
from tests.generated_registry import generated

X = "https://w3id.org/cityreg/id/x/"
PREFIXES = f"""@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix x: <{X}> .
"""
#: A city whose sub-processing contract names one company as controller and processor (no
#: hop passes the data on: a company that controls and processes alone is common in
#: procurement data), and a processing run for the city by a processor.
REGISTRY = PREFIXES + """
x:city a cityreg:City ; rdfs:label "Xtown"@en .
x:council a cityreg:Agency ; rdfs:label "Xtown Council"@en ; cityreg:city x:city .
x:acme a cityreg:Company ; rdfs:label "Acme"@en .
x:beta a cityreg:Company ; rdfs:label "Beta"@en .
x:payco a cityreg:Company ; rdfs:label "PayCo"@en .
x:cams a sosa:Sensor ; rdfs:label "Cameras"@en ; cityreg:feedsDataset x:footage ;
    cityreg:operator x:council ; cityreg:city x:city .
x:footage a dcat:Dataset ; rdfs:label "Footage"@en ; dct:publisher x:council ;
    cityreg:city x:city .
x:parking a dcat:Dataset ; rdfs:label "Parking"@en ; dct:publisher x:council ;
    cityreg:city x:city .
x:main a cityreg:VendorContract ; rdfs:label "Main contract"@en ; cityreg:buyer x:council ;
    cityreg:supplier x:acme ; dpv:hasDataProcessor x:acme ; cityreg:coversDataset x:footage .
x:sub a cityreg:SubProcessingContract ; rdfs:label "Sub contract"@en ;
    cityreg:parentContract x:main ; cityreg:buyer x:acme ; cityreg:supplier x:beta ;
    dpv:hasDataController x:beta ; dpv:hasDataProcessor x:beta .
x:payments a cityreg:Processing ; rdfs:label "Payments"@en ; cityreg:city x:city ;
    dpv:hasDataController x:council ; dpv:hasDataProcessor x:payco ;
    cityreg:usesDataset x:parking .
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    path = tmp_path_factory.mktemp("conc") / "x.ttl"
    path.write_text(REGISTRY, encoding="utf-8")
    with Registry.memory() as held:
        held.load(path)
        yield held


def rows_of(registry: Registry) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {row.label: (row.contracts, row.datasets, row.sensors)
            for row in AccessGraph.from_registry(registry).vendor_concentration()
            if row.city_label == "Xtown"}


def test_a_contract_counts_what_it_covers_even_where_no_hop_passes_the_data(
        registry: Registry) -> None:
    """Beta controls and processes under the sub-contract: no hop is made from Beta to
    itself, but the contract (through its parent) still covers the footage."""
    rows = rows_of(registry)
    assert rows["Beta"] == ((X + "sub",), (X + "footage",), (X + "cams",))
    assert rows["Acme"] == ((X + "main",), (X + "footage",), (X + "cams",))


def test_a_processings_processor_depends_on_the_data_it_uses(registry: Registry) -> None:
    assert rows_of(registry)["PayCo"] == ((X + "payments",), (X + "parking",), ())


def test_only_the_properties_it_needs_are_read(registry: Registry) -> None:
    facts, cities = read_concentration_facts(registry)
    read = {prop for by_property in facts.facts.values() for prop in by_property}
    assert read <= set(STRUCTURE) | set(PLACES)
    assert X + "footage" not in facts.facts  # its publisher is no vendor's business
    assert set(facts.labels) == {X + "acme", X + "beta", X + "payco", X + "city"}
    assert cities[X + "footage"] == X + "city"
    assert vendor_concentration(facts, cities) == \
        AccessGraph.from_registry(registry).vendor_concentration()


@pytest.mark.parametrize("size", [20, 100])
def test_the_rows_read_by_property_equal_the_whole_projections(
        size: int, tmp_path: Path) -> None:
    with Registry.memory() as held:
        held.load(generated(tmp_path / f"n{size}.ttl", size))
        whole = AccessGraph.from_registry(held).vendor_concentration()
        assert len(whole) > size // 2
        assert OnDemandAccess(held).vendor_concentration() == whole
        facts, cities = read_concentration_facts(held)
        kept = sum(len(facts.get(s, p)) for s in facts.facts for p in facts.facts[s])
        statements = len(held.select("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"))
        assert kept + len(cities) + len(facts.labels) < statements / 5  # 12% at N=1000
