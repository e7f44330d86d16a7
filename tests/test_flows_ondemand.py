"""The access questions answered from the web around each question (registry.flows.ondemand)
equal the whole projection's, on every traceable entity of several registries; each web is a
small part of the registry; the web's size and the cache are bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from registry.errors import InputError, NotFoundError
from registry.flows import AccessGraph
from registry.flows.neighbourhood import NeighbourhoodTooLarge, read_facts_around
from registry.flows.ondemand import OnDemandAccess
from registry.resources import seed_dir
from registry.store import Registry
from tests.generated_registry import generated

DATA = Path(__file__).parent / "data" / "flows"
CASES = ["seed", "testville.ttl", "graded.ttl", "greyfield.ttl", "generated-20"]


@pytest.fixture(scope="module", params=CASES)
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Registry, AccessGraph, OnDemandAccess]]:
    """A registry, its whole projection and its on-demand answerer."""
    case = request.param
    with Registry.memory() as registry:
        if case == "seed":
            registry.load(seed_dir())
        elif case == "generated-20":
            registry.load(generated(tmp_path_factory.mktemp("gen") / "n20.ttl", 20))
        else:
            registry.load(DATA / case)
        yield registry, AccessGraph.from_registry(registry), OnDemandAccess(registry)


def traceable(graph: AccessGraph) -> list[str]:
    return sorted(graph._projection.source_datasets)


def test_every_trace_equals_the_whole_projections(
        both: tuple[Registry, AccessGraph, OnDemandAccess]) -> None:
    _, whole, on_demand = both
    sources = traceable(whole)
    assert sources
    for iri in sources:
        assert on_demand.datasets_of(iri) == whole.datasets_of(iri), iri
        for as_of in (None, date(2019, 1, 1)):
            assert on_demand.who_can_access(iri, as_of).to_dict() == \
                whole.who_can_access(iri, as_of).to_dict(), iri
    for iri in sources[:25]:
        assert on_demand.who_can_access(iri, max_depth=2, min_grade="asserted").to_dict() == \
            whole.who_can_access(iri, max_depth=2, min_grade="asserted").to_dict(), iri


def test_every_organisations_reach_and_flows_equal_the_whole_projections(
        both: tuple[Registry, AccessGraph, OnDemandAccess]) -> None:
    _, whole, on_demand = both
    organisations = sorted(whole._projection.organisations)
    assert organisations
    for org in organisations:
        assert on_demand.reachable_by(org) == whole.reachable_by(org), org
        assert on_demand.data_flows(from_iri=org) == whole.data_flows(from_iri=org), org
        assert on_demand.data_flows(to_iri=org) == whole.data_flows(to_iri=org), org


def test_every_entitys_edges_and_the_vendor_concentration_equal_the_whole_projections(
        both: tuple[Registry, AccessGraph, OnDemandAccess]) -> None:
    _, whole, on_demand = both
    for iri in sorted(whole._projection.facts.facts):
        assert on_demand.edges_of(iri) == whole.edges_of(iri), iri
    assert on_demand.vendor_concentration() == whole.vendor_concentration()


def test_a_sensors_web_is_a_small_part_of_a_generated_registry(tmp_path: Path) -> None:
    with Registry.memory() as registry:
        registry.load(generated(tmp_path / "n20.ttl", 20))
        whole = AccessGraph.from_registry(registry)
        sensors = [iri for iri in traceable(whole) if "/sensor/" in iri]
        assert len(sensors) > 50
        everything = len(whole._projection.facts.facts)
        for sensor in sensors[::10]:
            web = read_facts_around(registry, [sensor])
            assert sensor in web.facts
            assert len(web.facts) * 20 < everything, (sensor, len(web.facts), everything)


def test_a_web_larger_than_the_limit_is_refused_naming_the_entity() -> None:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        source = "https://w3id.org/cityreg/id/jakarta/company/qlue"
        with pytest.raises(NeighbourhoodTooLarge, match=r"around .*jakarta/company/qlue reaches "
                           r"more than 3 entities.*narrower entity"):
            OnDemandAccess(registry, max_nodes=3).who_can_access(source)


def test_the_cache_keeps_at_most_its_size_of_webs() -> None:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        on_demand = OnDemandAccess(registry, cached=4)
        sources = traceable(AccessGraph.from_registry(registry))[:10]
        for iri in sources:
            on_demand.who_can_access(iri)
        assert len(on_demand._webs) == 4
        assert list(on_demand._webs) == sources[-4:]


def test_names_resolve_by_iri_or_label_and_unknown_names_are_refused() -> None:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        on_demand = OnDemandAccess(registry)
        whole = AccessGraph.from_registry(registry)
        qlue = "https://w3id.org/cityreg/id/jakarta/company/qlue"
        assert on_demand.resolve(qlue) == qlue
        label = whole.label(qlue)
        assert on_demand.resolve(label.upper()) == whole.resolve(label) == qlue
        with pytest.raises(NotFoundError, match="no such camera"):
            on_demand.resolve("no such camera")
        with pytest.raises(InputError, match="`from` or `to`"):
            on_demand.data_flows()
