"""The access trace on tests/data/flows/testville.ttl: chains, limits, dates, derivations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from registry.errors import InputError, NotFoundError
from registry.flows import AccessGraph, TraceResult
from registry.store import Registry

T = "https://w3id.org/cityreg/id/testville/"
DATA = Path(__file__).parent / "data" / "flows" / "testville.ttl"


@pytest.fixture(scope="module")
def graph() -> Iterator[AccessGraph]:
    with Registry.memory() as registry:
        registry.load(DATA)
        yield AccessGraph.from_registry(registry)


def labels(result: TraceResult) -> list[str]:
    return [access.label for access in result.organisations]


def chains(result: TraceResult, org: str) -> list[list[str]]:
    access = result.for_organisation(T + org)
    assert access is not None
    return [[hop.target_label for hop in path.hops] for path in access.paths]


def test_sensor_trace_follows_the_footage_through_processors_and_agreements(
        graph: AccessGraph) -> None:
    result = graph.who_can_access(T + "cams")
    assert result.complete
    assert result.datasets == (T + "footage",)
    assert set(labels(result)) == {
        "Testville Council", "Vision Ltd", "Research Lab", "Testville Police", "CloudCo",
        "Ministry of the Interior", "EdgeCo", "SafeInsure"}
    assert "DataBroker Inc" not in labels(result)  # the insurer's flow forbids onward sharing


def test_four_hop_chain_has_all_paths_shortest_first(graph: AccessGraph) -> None:
    result = graph.who_can_access(T + "cams")
    insurer = chains(result, "insurer")
    # two origins (publisher, deployment operator) times one agreement chain
    assert insurer == [["Testville Council", "Testville Police", "Ministry of the Interior",
                        "SafeInsure"]] * 2
    vision = result.for_organisation(T + "vision")
    assert vision is not None
    assert [path.length for path in vision.paths] == [1, 2, 2]
    assert vision.paths[0].derived_from == (T + "footage",)


def test_hops_name_agreement_clause_roles_and_dates(graph: AccessGraph) -> None:
    police = graph.who_can_access(T + "footage").for_organisation(T + "police")
    assert police is not None
    hop = police.paths[0].hops[-1]
    assert (hop.via, hop.via_label, hop.flow) == (
        T + "police-dsa", "Council–Police footage agreement", T + "flow-police")
    assert (hop.grant, hop.grant_label) == (T + "police-clause", "Clause 4: police access")
    assert hop.role == "https://w3id.org/dpv#DataController"
    assert hop.legal_bases == ("https://w3id.org/dpv/legal/eu/gdpr#A6-1-e-public-interest",)
    assert hop.onward_sharing == "allowed"
    assert hop.start == date(2019, 1, 1)
    ministry = graph.who_can_access(T + "footage").for_organisation(T + "ministry")
    assert ministry is not None
    hop = ministry.paths[0].hops[-1]
    assert hop.onward_sharing == "not disclosed"
    assert hop.grant == "https://w3id.org/cityreg#recipient"
    assert (hop.start, hop.end) == (date(2020, 1, 1), date(2022, 12, 31))  # the agreement's


def test_sub_processing_chain_through_parent_contracts(graph: AccessGraph) -> None:
    edge = chains(graph.who_can_access(T + "footage"), "edgeco")
    assert edge[0] == ["Testville Council", "Vision Ltd", "CloudCo", "EdgeCo"]
    hop = graph.who_can_access(T + "footage").for_organisation(T + "edgeco")
    assert hop is not None
    assert hop.paths[0].hops[-1].role_label == "sub-processor"


def test_as_of_keeps_only_valid_hops(graph: AccessGraph) -> None:
    in_2021 = labels(graph.who_can_access(T + "footage", as_of=date(2021, 6, 1)))
    assert "SafeInsure" in in_2021
    in_2023 = labels(graph.who_can_access(T + "footage", as_of=date(2023, 6, 1)))
    assert "Ministry of the Interior" not in in_2023
    assert "SafeInsure" not in in_2023
    assert "Vision Ltd" in in_2023
    in_2026 = labels(graph.who_can_access(T + "footage", as_of=date(2026, 1, 1)))
    assert "CloudCo" not in in_2026  # Vision's own contract has ended: nothing to pass on
    assert chains(graph.who_can_access(T + "footage", as_of=date(2026, 1, 1)),
                  "vision") == [["Vision Ltd"]]


def test_max_paths_and_max_depth_are_reported(graph: AccessGraph) -> None:
    capped = graph.who_can_access(T + "cams", max_paths=3)
    assert not capped.complete
    assert str(capped.truncated_at) == "max_paths=3"
    assert capped.path_count == 3
    shallow = graph.who_can_access(T + "cams", max_depth=2)
    assert not shallow.complete
    assert str(shallow.truncated_at) == "max_depth=2"
    assert max(p.length for a in shallow.organisations for p in a.paths) == 2
    assert graph.who_can_access(T + "cams", max_depth=5).complete
    with pytest.raises(InputError, match="max_paths 0 is too small"):
        graph.who_can_access(T + "cams", max_paths=0)


def test_two_way_swap_and_joint_controllers(graph: AccessGraph) -> None:
    assert labels(graph.who_can_access(T + "counts")) == ["Testville Council", "MobilityCo"]
    assert labels(graph.who_can_access(T + "trips")) == ["MobilityCo", "Testville Council"]
    assert labels(graph.who_can_access(T + "plates")) == [
        "Testville Council", "Testville Transport Authority"]
    swap = graph.data_flows(from_iri=T + "mobility", to_iri=T + "council")
    assert [(h.via, h.dataset, h.onward_sharing) for h in swap] == [
        (T + "swap", T + "trips", "not allowed")]


def test_reachable_by_is_the_reverse_trace(graph: AccessGraph) -> None:
    lab = graph.reachable_by(T + "lab")
    assert [d.label for d in lab.datasets] == ["Crowd analytics", "Street camera footage"]
    assert graph.reachable_by(T + "broker").datasets == ()
    council = {d.label for d in graph.reachable_by(T + "council").datasets}
    assert council == {"Street camera footage", "Traffic counts", "MobilityCo trips",
                       "Parking plate reads"}
    with pytest.raises(NotFoundError):
        graph.reachable_by(T + "nobody")


def test_resolve_by_label_and_unknown_sources(graph: AccessGraph) -> None:
    assert graph.resolve("street camera footage") == T + "footage"
    assert graph.resolve(T + "cams") == T + "cams"
    with pytest.raises(NotFoundError, match="'Atlantis'"):
        graph.resolve("Atlantis")
    with pytest.raises(NotFoundError):
        graph.who_can_access(T + "nothing")


def test_edges_of_and_vendor_concentration(graph: AccessGraph) -> None:
    edges = graph.edges_of(T + "police")
    assert {h.source for h in edges.incoming} == {T + "council"}
    assert {h.target for h in edges.outgoing} == {T + "ministry"}
    assert {h.target for h in graph.edges_of(T + "swap").carried} == {T + "council",
                                                                      T + "mobility"}
    rows = {(r.label, r.city_label): r for r in graph.vendor_concentration()}
    vision = rows[("Vision Ltd", "Testville")]
    assert (vision.contracts, vision.datasets, vision.sensors) == (
        (T + "vision-contract",), (T + "footage",), (T + "cams",))
    assert rows[("EdgeCo", "Testville")].contracts == (T + "edge-contract",)


def test_facts_hold_each_iri_once() -> None:
    """The builder's facts name an IRI many times (as subject of one property, value of
    another): each is one string object, whichever query returned it."""
    from registry.flows.facts import read_facts

    with Registry.memory() as reg:
        reg.load(DATA)
        facts = read_facts(reg)
    seen: dict[str, set[int]] = {}
    mentions = 0
    for subject, by_property in facts.facts.items():
        seen.setdefault(subject, set()).add(id(subject))
        for prop in by_property:
            for value in facts.get(subject, prop):
                seen.setdefault(value, set()).add(id(value))
                mentions += 2
    assert len(seen) < mentions  # IRIs do repeat
    assert all(len(ids) == 1 for ids in seen.values())


def test_facts_answer_by_subject_and_by_object() -> None:
    """The questions the builder asks per property come from the one subject-keyed copy."""
    from registry.flows.facts import read_facts

    with Registry.memory() as reg:
        reg.load(DATA)
        facts = read_facts(reg)
        rows = reg.select("SELECT ?s ?o WHERE { ?s <https://w3id.org/cityreg#hasParty> ?o }")
        stated = {(str(row["s"]), str(row["o"])) for row in rows}
    prop = "https://w3id.org/cityreg#hasParty"
    assert len(stated) > len({s for s, _ in stated})  # an agreement has several parties
    assert facts.subjects(prop) == sorted({s for s, _ in stated})
    either = "https://w3id.org/cityreg#provider"
    assert facts.subjects(prop, either) == sorted(set(facts.subjects(prop))
                                                  | set(facts.subjects(either)))
    assert set(facts.subjects(either)) - set(facts.subjects(prop))  # not the same subjects
    assert facts.objects(prop) == {o for _, o in stated}
    assert {(s, o) for o, subjects in facts.by_object(prop).items() for s in subjects} == stated
    assert all(subjects == sorted(subjects) for subjects in facts.by_object(prop).values())
    for subject in facts.subjects(prop):  # one value or several: always a sorted list
        assert facts.get(subject, prop) == sorted({o for s, o in stated if s == subject})
    assert facts.get(facts.subjects(prop)[0], "https://x.test/none") == []
    assert facts.get("https://x.test/nobody", prop) == []
