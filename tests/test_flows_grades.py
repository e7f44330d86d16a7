"""Evidence grades, inference rules and gaps of the access trace (tests/data/flows/graded.ttl).

Every rule of registry/flows/rules.py is met once in the graded town; the trace must name each
organisation with its grade, each inferred hop with its rule, each unnamed recipient as a
placeholder, and every fact it needed and did not find as a gap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import InputError
from registry.flows import AccessGraph, TraceResult
from registry.flows import rules as rules_module
from registry.flows.rules import RULES, UNDISCLOSED_PREFIX
from registry.store import Registry

D = "https://w3id.org/cityreg/id/gradetown/"
DPV = "https://w3id.org/dpv#"
DATA = Path(__file__).parent / "data" / "flows" / "graded.ttl"


@pytest.fixture(scope="module")
def graph() -> Iterator[AccessGraph]:
    with Registry.memory() as registry:
        registry.load(DATA)
        yield AccessGraph.from_registry(registry)


def graded(result: TraceResult) -> list[tuple[str, str, int]]:
    return [(access.label, access.grade, access.shortest) for access in result.organisations]


def test_every_organisation_comes_with_its_grade_best_grade_then_shortest_first(
        graph: AccessGraph) -> None:
    result = graph.who_can_access(D + "register")
    assert graded(result) == [
        ("Gradetown Town Hall", "asserted", 1),
        ("LabCo", "asserted", 1),  # holds the derived statistics
        ("ProcCo", "asserted", 2),
        ("AppWorks", "inferred", 1), ("FixIt", "inferred", 1), ("HostCo", "inferred", 1),
        ("Ministry of Data", "inferred", 1), ("PartnerCo", "inferred", 1),
        ("MinerCo", "inferred", 2),
        ("Undisclosed recipient (Profiling of residents)", "undisclosed", 2),
        ("Undisclosed third party (Sale of the register)", "undisclosed", 2),
    ]
    # ProcCo's contract forbids onward sharing: its data flow to BrokerCo is not followed.
    assert result.for_organisation(D + "brokerco") is None
    assert result.complete


def test_inferred_hops_name_their_rule_and_the_entity_they_read(graph: AccessGraph) -> None:
    result = graph.who_can_access(D + "register")
    rules = {access.label: [(hop.rule, hop.via_label) for hop in access.paths[0].hops
                            if hop.grade != "asserted"]
             for access in result.organisations}
    assert rules["MinerCo"] == [("contract-party", "Register mining contract"),
                                ("contract-supplier", "Register mining contract")]
    assert rules["AppWorks"] == [("system-developer", "Register app")]
    assert rules["FixIt"] == [("system-maintainer", "Register app")]
    assert rules["HostCo"] == [("host", "Town register")]
    assert rules["PartnerCo"] == [("agreement-party", "Register partnership")]
    assert rules["ProcCo"] == []
    labco = result.for_organisation(D + "labco")
    assert labco is not None
    assert [path.grade for path in labco.paths] == ["asserted", "inferred"]
    assert (labco.paths[0].derived_from, labco.paths[0].derived_from_labels) == (
        (D + "register",), ("Town register",))
    assert labco.paths[1].hops[0].rule == "derived-producer"
    minerco = result.for_organisation(D + "minerco")
    assert minerco is not None
    hop = minerco.paths[0].hops[-1]
    assert hop.rule_label == RULES["contract-supplier"].label
    assert hop.sources == (D + "src",)
    assert (hop.source_label, hop.role_label, hop.onward_sharing) == (
        "Ministry of Data", "supplier", "not disclosed")


def test_recipients_known_by_category_are_placeholders_never_dropped(
        graph: AccessGraph) -> None:
    result = graph.who_can_access(D + "register")
    placeholders = [access for access in result.organisations if not access.disclosed]
    assert [(a.category, a.category_label, a.grade) for a in placeholders] == [
        (DPV + "Recipient", "recipient", "undisclosed"),
        (DPV + "ThirdParty", "third party", "undisclosed")]
    assert all(a.organisation.startswith(UNDISCLOSED_PREFIX) for a in placeholders)
    sale = placeholders[1]
    assert sale.organisation.endswith(":" + D + "sale")
    assert [(hop.source_label, hop.rule) for hop in sale.paths[0].hops[1:]] == [
        ("Gradetown Town Hall", "recipient-category")]


def test_gaps_say_which_fact_of_which_entity_is_missing_and_whether_it_is_marked(
        graph: AccessGraph) -> None:
    result = graph.who_can_access(D + "register")
    assert not result.fully_disclosed
    assert [(gap.entity_label, gap.prop_label, gap.status) for gap in result.disclosure] == [
        ("Profiling of residents", "recipients", "not disclosed"),
        ("Register app", "data processor", "not recorded"),
        ("Register mining contract", "data controller", "not recorded"),
        ("Register mining contract", "data processor", "not disclosed"),
        ("Register mining contract", "start date", "not recorded"),
        ("Register partnership", "recipient", "not recorded"),
        ("Sale of the register", "recipients", "not disclosed"),
        ("Town register", "data processor", "not recorded"),
    ]
    assert all(gap.sources == (D + "src",) and gap.why for gap in result.disclosure)


def test_a_fully_disclosed_chain_has_no_gap_and_only_asserted_hops(graph: AccessGraph) -> None:
    result = graph.who_can_access(D + "permits")
    # The permits office holds the permits by the contract that names it controller.
    assert graded(result) == [("Permits Office", "asserted", 1), ("PermitSoft", "asserted", 2)]
    assert result.fully_disclosed
    assert result.disclosure == ()


def test_a_dataset_nobody_is_recorded_to_hold_is_a_gap_not_an_empty_answer(
        tmp_path: Path) -> None:
    orphan = tmp_path / "orphan.ttl"
    orphan.write_text('<https://example.org/orphan> a <http://www.w3.org/ns/dcat#Dataset> ;\n'
                      '  <http://www.w3.org/2000/01/rdf-schema#label> "Orphan data"@en .\n',
                      encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(orphan)
        result = AccessGraph.from_registry(registry).who_can_access("https://example.org/orphan")
    assert result.organisations == ()
    assert result.complete
    assert [(gap.prop_label, gap.status, gap.why) for gap in result.disclosure] == [
        ("publisher", "not recorded", "nobody is recorded as publishing or holding it")]


def test_min_grade_keeps_only_evidence_at_least_that_good(graph: AccessGraph) -> None:
    asserted = graph.who_can_access(D + "register", min_grade="asserted")
    assert [label for label, grade, _ in graded(asserted)] == [
        "Gradetown Town Hall", "LabCo", "ProcCo"]
    assert {grade for _, grade, _ in graded(asserted)} == {"asserted"}
    assert asserted.min_grade == "asserted"
    inferred = graph.who_can_access(D + "register", min_grade="inferred")
    assert len(inferred.organisations) == 9
    assert all(access.disclosed for access in inferred.organisations)
    with pytest.raises(InputError, match="grade 'maybe' is not known: expected one of "
                                         "asserted, inferred, undisclosed"):
        graph.who_can_access(D + "register", min_grade="maybe")


def test_reachable_by_and_data_flows_carry_grades_and_gaps(graph: AccessGraph) -> None:
    reach = graph.reachable_by(D + "minerco")
    assert [(r.label, r.grade) for r in reach.datasets] == [("Town register", "inferred")]
    assert {gap.prop_label for gap in reach.disclosure} == {
        "data controller", "data processor", "start date"}
    assert graph.reachable_by(D + "minerco", min_grade="asserted").datasets == ()
    flows = [(hop.source_label, hop.target_label, hop.grade) for hop in graph.data_flows()]
    assert ("Ministry of Data", "MinerCo", "inferred") in flows
    assert ("Gradetown Town Hall", "Undisclosed third party (Sale of the register)",
            "undisclosed") in flows
    assert {grade for _, _, grade in
            ((h.source, h.target, h.grade) for h in graph.data_flows(min_grade="asserted"))
            } == {"asserted"}


def test_json_answer_carries_grades_gaps_and_the_disclosure_flag(graph: AccessGraph) -> None:
    answer = graph.who_can_access(D + "register").to_dict()
    assert answer["complete"] is True
    assert answer["fullyDisclosed"] is False
    assert answer["grades"] == {"asserted": 3, "inferred": 6, "undisclosed": 2}
    assert len(answer["disclosure"]) == 8
    minerco = next(o for o in answer["organisations"] if o["label"] == "MinerCo")
    assert minerco["grade"] == "inferred"
    assert minerco["paths"][0]["hops"][1]["rule"] == "contract-supplier"


def test_the_rules_table_of_the_module_lists_every_rule_with_its_grade() -> None:
    doc = rules_module.__doc__ or ""
    table = dict(re.findall(r"^([a-z-]+)\s+(asserted|inferred|undisclosed)\s", doc, re.M))
    assert table == {rule.id: rule.grade for rule in RULES.values()}
    assert all(rule.label and rule.record for rule in RULES.values())
