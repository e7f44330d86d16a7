"""Thresholds, boundaries and dates of the Data Act, procurement, lock-in and surveillance shapes.

The fixture runner (tests/test_fixtures.py) proves that each rule fires on one bad case and stays
silent on one good one. These tests pin the edges the law draws: exactly 2 months of notice,
30 days, 50 %, the 10 % / 15 % de minimis shares, 10 years, 90 days, 12 months before the
reference date; the Data Act's start and the 2027 ban on switching charges read from the
reference date; LOCK-CONC with two vendors and its threshold; and the not-disclosed companions.

Each case is a small registry written here (a city, its agency, two vendors and a source, but no
validation context: ``validate_registry`` writes it for the ``as_of`` each test chooses).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from registry.findings import Finding, Kind, Severity
from registry.namespaces import CITYREG, VALIDATION_CONTEXT_NODE
from registry.shacl import ShapesGraph, ValidationEngine, store_from_graph
from registry.store import Registry
from registry.validate import validate_registry

SHAPES = Path(__file__).parent.parent / "shapes"
OUR_SHAPES = [SHAPES / name for name in ("prefixes.ttl", "data-act.ttl", "procurement.ttl",
                                         "lockin.ttl", "surveillance.ttl", "recommendations.ttl")]
AS_OF = date(2026, 6, 1)
EX = "https://w3id.org/cityreg/id/fixture/"

BASE = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv:     <https://w3id.org/dpv#> .
@prefix sosa:    <http://www.w3.org/ns/sosa/> .
@prefix ssn:     <http://www.w3.org/ns/ssn/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:      <https://w3id.org/cityreg/id/fixture/> .

ex:src a cityreg:Source ; rdfs:label "Test source"@en ;
    cityreg:url "https://example.org/test"^^xsd:anyURI .
ex:city a cityreg:City ; rdfs:label "Test City"@en ; cityreg:countryCode "NL" ;
    cityreg:source ex:src .
ex:agency a cityreg:Agency ; rdfs:label "Test City Council"@en ; cityreg:city ex:city ;
    cityreg:countryCode "NL" ; cityreg:source ex:src .
ex:vendor a cityreg:Company ; rdfs:label "Vendor A"@en ; cityreg:source ex:src .
ex:other a cityreg:Company ; rdfs:label "Vendor B"@en ; cityreg:source ex:src .
"""


def contract(facts: str = "", switching: str = "", charges: str = "") -> str:
    """A data processing service contract; ``switching`` / ``charges`` are clause facts."""
    clauses = ["ex:switching"] + (["ex:charges"] if charges else [])
    text = f"""
ex:contract a cityreg:VendorContract ; rdfs:label "Cloud contract"@en ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; cityreg:supplier ex:vendor ; cityreg:isDataProcessingService true ;
    dpv:hasContractualClause {", ".join(clauses)} {";" if facts else ""} {facts} .
ex:switching a cityreg:SwitchingClause ; cityreg:documentReference "§1" {switching} .
"""
    if charges:
        text += ('ex:charges a cityreg:SwitchingChargeClause ; '
                 f'cityreg:documentReference "§2" {charges} .\n')
    return text


def findings(tmp_path: Path, turtle: str, as_of: date = AS_OF, rule: str | None = None
             ) -> list[Finding]:
    """Validate ``turtle`` (after BASE) with our shapes as of ``as_of``; keep ``rule`` only."""
    path = tmp_path / "case.ttl"
    path.write_text(BASE + turtle, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(path)
        report = validate_registry(registry, as_of=as_of, shapes=OUR_SHAPES)
    return [f for f in report.findings if rule is None or f.rule_id == rule]


def summary(found: list[Finding]) -> set[tuple[str, str, str]]:
    """(rule id, severity, kind) of each finding."""
    return {(f.rule_id, str(f.severity), str(f.kind)) for f in found}


V, W = str(Severity.VIOLATION), str(Severity.WARNING)
RULE, ND, MR = str(Kind.RULE), str(Kind.NOT_DISCLOSED), str(Kind.MANUAL_REVIEW)


# ---------------------------------------------------------------- Data Act: periods

@pytest.mark.parametrize(("months", "fires"), [(1, False), (2, False), (3, True)])
def test_switching_notice_of_at_most_two_months(tmp_path: Path, months: int, fires: bool) -> None:
    found = findings(tmp_path, contract(switching=f"; cityreg:switchingNoticeMonths {months}"),
                     rule="DA-25-2-d")
    assert summary(found) == ({("DA-25-2-d", V, RULE)} if fires else set())
    if fires:
        assert found[0].message == (
            "The data processing service contract Cloud contract does not cap the notice for "
            "starting a switch at 2 months (Data Act Art. 25(2)(d)): the notice period is "
            "3 months, more than the 2 months allowed.")


@pytest.mark.parametrize(("facts", "fires"), [
    ("cityreg:transitionalPeriodDays 30", False),
    ("cityreg:transitionalPeriodDays 31", True),
    ("cityreg:transitionalPeriodDays 31 ; cityreg:infeasibilityNotice true", False),
    ("cityreg:transitionalPeriodDays 215 ; cityreg:infeasibilityNotice true", False),
    ("cityreg:transitionalPeriodDays 216 ; cityreg:infeasibilityNotice true", True),
    ("cityreg:transitionalPeriodDays 60 ; cityreg:infeasibilityNotice false", True),
])
def test_transitional_period_30_days_or_7_months_with_notice(tmp_path: Path, facts: str,
                                                             fires: bool) -> None:
    found = findings(tmp_path, contract(switching="; " + facts), rule="DA-25-2-a")
    assert summary(found) == ({("DA-25-2-a", V, RULE)} if fires else set())


@pytest.mark.parametrize(("days", "fires"), [(29, True), (30, False), (90, False)])
def test_retrieval_period_of_at_least_30_days(tmp_path: Path, days: int, fires: bool) -> None:
    found = findings(tmp_path, contract(switching=f"; cityreg:retrievalPeriodDays {days}"),
                     rule="DA-25-2-g")
    assert summary(found) == ({("DA-25-2-g", V, RULE)} if fires else set())


def test_missing_switching_term_is_a_violation_not_a_pass(tmp_path: Path) -> None:
    found = findings(tmp_path, contract(), rule="DA-25-2-d")
    assert [f.message.rsplit(": ", 1)[1] for f in found] == ["no maximum notice period is set."]


# ---------------------------------------------------------------- Data Act: dates

@pytest.mark.parametrize(("as_of", "applies"), [(date(2025, 9, 11), False),
                                                (date(2025, 9, 12), True)])
def test_data_act_applies_from_12_september_2025(tmp_path: Path, as_of: date,
                                                 applies: bool) -> None:
    found = findings(tmp_path, contract(switching="; cityreg:switchingNoticeMonths 6"),
                     as_of=as_of)
    assert ("DA-25-2-d", V, RULE) in summary(found) if applies else not any(
        f.rule_id.startswith("DA-") for f in found)


def test_contract_ended_before_the_data_act_is_out_of_scope(tmp_path: Path) -> None:
    turtle = contract('cityreg:endDate "2025-09-11"^^xsd:date',
                      "; cityreg:switchingNoticeMonths 6")
    assert not any(f.rule_id.startswith("DA-") for f in findings(tmp_path, turtle))


def test_buyer_outside_the_eea_is_out_of_scope(tmp_path: Path) -> None:
    turtle = contract(switching="; cityreg:switchingNoticeMonths 6").replace(
        "cityreg:buyer ex:agency", "cityreg:buyer ex:us-agency")
    turtle += ('ex:us-agency a cityreg:Agency ; rdfs:label "US agency"@en ; '
               'cityreg:countryCode "US" ; cityreg:source ex:src .\n')
    assert not any(f.rule_id.startswith("DA-") for f in findings(tmp_path, turtle))


@pytest.mark.parametrize(("charged_on", "as_of", "expected"), [
    (None, date(2027, 1, 11), {("DA-29", W, RULE)}),
    (None, date(2027, 1, 12), {("DA-29", V, RULE)}),
    ('"2027-01-11"^^xsd:date', date(2027, 6, 1), {("DA-29", W, RULE)}),
    ('"2027-01-12"^^xsd:date', date(2026, 6, 1), {("DA-29", V, RULE)}),
])
def test_switching_charges_banned_from_12_january_2027(tmp_path: Path, charged_on: str | None,
                                                       as_of: date,
                                                       expected: set[tuple[str, str, str]]
                                                       ) -> None:
    charges = "; cityreg:switchingCharge true" + (f" ; cityreg:chargedOn {charged_on}"
                                                  if charged_on else "")
    found = findings(tmp_path, contract(charges=charges), as_of=as_of, rule="DA-29")
    assert summary(found) == expected


def test_charge_at_cost_before_2027_and_custom_built_services_pass(tmp_path: Path) -> None:
    at_cost = contract(charges='; cityreg:switchingCharge true ; cityreg:chargeAtCost true')
    assert findings(tmp_path, at_cost, rule="DA-29") == []
    custom = contract("cityreg:customBuilt true", charges="; cityreg:switchingCharge true")
    assert findings(tmp_path, custom, as_of=date(2027, 6, 1), rule="DA-29") == []


# ---------------------------------------------------------------- procurement

def amended(value: int, changes: list[int], category: str = "cityreg:Services") -> str:
    names = ", ".join(f"ex:a{i}" for i in range(len(changes)))
    text = f"""
ex:contract a cityreg:VendorContract ; rdfs:label "Contract"@en ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; cityreg:supplier ex:vendor ; cityreg:value {value} ;
    cityreg:procurementCategory {category} ; cityreg:hasAmendment {names} .
"""
    for i, change in enumerate(changes):
        text += f"ex:a{i} a cityreg:Amendment ; cityreg:modificationValue {change} .\n"
    return text


@pytest.mark.parametrize(("changes", "category", "expected"), [
    ([500_000], "cityreg:Services", {("PROC-72", W, MR)}),
    ([300_000, 200_001], "cityreg:Services", {("PROC-72", V, RULE)}),
    ([99_999], "cityreg:Services", set()),
    ([100_000], "cityreg:Services", {("PROC-72", W, MR)}),
    ([100_000], "cityreg:Supplies", {("PROC-72", W, MR)}),
    ([149_999], "cityreg:Works", set()),
    ([150_000], "cityreg:Works", {("PROC-72", W, MR)}),
    ([700_000, -300_000], "cityreg:Services", {("PROC-72", W, MR)}),
])
def test_modifications_50_percent_and_de_minimis(tmp_path: Path, changes: list[int],
                                                 category: str,
                                                 expected: set[tuple[str, str, str]]) -> None:
    found = findings(tmp_path, amended(1_000_000, changes, category), rule="PROC-72")
    assert summary(found) == expected


def test_modification_message_states_the_share(tmp_path: Path) -> None:
    found = findings(tmp_path, amended(1_000_000, [600_000]), rule="PROC-72")
    assert [f.message for f in found] == [
        "The amendments of the contract Contract add 600000 to its original value of "
        "1000000 (60%), more than the 50% that Directive 2014/24/EU Art. 72(1)(b)-(c) allows "
        "without a new procurement procedure."]


@pytest.mark.parametrize(("end", "fires"), [("2028-12-31", False), ("2029-01-01", True)])
def test_framework_agreement_of_four_years(tmp_path: Path, end: str, fires: bool) -> None:
    turtle = f"""
ex:contract a cityreg:VendorContract ; rdfs:label "Framework"@en ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; cityreg:frameworkAgreement true ;
    cityreg:startDate "2025-01-01"^^xsd:date ; cityreg:endDate "{end}"^^xsd:date .
"""
    assert summary(findings(tmp_path, turtle, rule="PROC-33")) == (
        {("PROC-33", V, RULE)} if fires else set())


# ---------------------------------------------------------------- lock-in: duration

@pytest.mark.parametrize(("facts", "fires"), [
    ("cityreg:maximumTermMonths 119", False),
    ("cityreg:maximumTermMonths 120", True),
    ('cityreg:startDate "2020-01-01"^^xsd:date ; cityreg:endDate "2029-12-30"^^xsd:date', False),
    ('cityreg:startDate "2020-01-01"^^xsd:date ; cityreg:endDate "2029-12-31"^^xsd:date', True),
    ('cityreg:startDate "2020-01-01"^^xsd:date', True),
])
def test_ten_year_term(tmp_path: Path, facts: str, fires: bool) -> None:
    turtle = f"""
ex:contract a cityreg:VendorContract ; rdfs:label "Contract"@en ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; cityreg:supplier ex:vendor ; {facts} .
"""
    assert summary(findings(tmp_path, turtle, rule="LOCK-DUR")) == (
        {("LOCK-DUR", W, RULE)} if fires else set())


@pytest.mark.parametrize(("months", "fires"), [(24, False), (25, True)])
def test_hosting_term_above_two_years(tmp_path: Path, months: int, fires: bool) -> None:
    turtle = f"""
ex:contract a cityreg:VendorContract ; rdfs:label "Contract"@en ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; cityreg:supplier ex:vendor ; cityreg:maximumTermMonths 36 ;
    cityreg:hostingTermMonths {months} .
"""
    assert summary(findings(tmp_path, turtle, rule="LOCK-DUR")) == (
        {("LOCK-DUR", W, RULE)} if fires else set())


# ---------------------------------------------------------------- lock-in: concentration

def sensors(developers: list[str]) -> str:
    return "".join(
        f'ex:s{i} a sosa:Sensor ; rdfs:label "Sensor {i}"@en ; cityreg:source ex:src ; '
        f"cityreg:city ex:city ; cityreg:developer ex:{dev} .\n"
        for i, dev in enumerate(developers))


def test_concentration_reports_the_vendor_above_the_threshold_only(tmp_path: Path) -> None:
    found = findings(tmp_path, sensors(["vendor"] * 3 + ["other"] * 2), rule="LOCK-CONC")
    assert [(f.focus, f.severity, f.message) for f in found] == [(
        f"{EX}vendor", Severity.WARNING,
        "Vendor A holds 3 of the 5 sensors of Test City (60%), above the concentration "
        "threshold of 50%.")]


def test_concentration_needs_more_than_the_threshold_and_three_entries(tmp_path: Path) -> None:
    assert findings(tmp_path, sensors(["vendor", "vendor", "other", "other"]),
                    rule="LOCK-CONC") == []
    assert findings(tmp_path, sensors(["vendor", "vendor"]), rule="LOCK-CONC") == []


def test_concentration_counts_contracts_through_the_buyers_city(tmp_path: Path) -> None:
    turtle = "".join(
        f'ex:c{i} a cityreg:VendorContract ; rdfs:label "C{i}"@en ; cityreg:source ex:src ; '
        f"cityreg:buyer ex:agency ; cityreg:supplier ex:{vendor} ; "
        f"cityreg:maximumTermMonths 12 .\n"
        for i, vendor in enumerate(["other", "other", "vendor"]))
    found = findings(tmp_path, turtle, rule="LOCK-CONC")
    assert [(f.focus, f.message) for f in found] == [(
        f"{EX}other",
        "Vendor B holds 2 of the 3 vendor contracts of Test City (67%), above the "
        "concentration threshold of 50%.")]


@pytest.mark.parametrize(("threshold", "fires"), [("0.5", True), ("0.6", False)])
def test_concentration_reads_the_threshold_of_the_context(tmp_path: Path, threshold: str,
                                                          fires: bool) -> None:
    path = tmp_path / "case.ttl"
    path.write_text(BASE + sensors(["vendor"] * 3 + ["other"] * 2), encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(path)
        graph = registry.to_rdflib_graph(include_ontology=True)
    graph.add((VALIDATION_CONTEXT_NODE, URIRef(str(CITYREG.concentrationThreshold)),
               Literal(threshold, datatype=XSD.decimal)))
    graph.add((VALIDATION_CONTEXT_NODE, URIRef(str(CITYREG.referenceDate)),
               Literal("2026-06-01", datatype=XSD.date)))
    graph.add((VALIDATION_CONTEXT_NODE, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
               URIRef(str(CITYREG.ValidationContext))))
    engine = ValidationEngine(ShapesGraph.load([SHAPES / "prefixes.ttl", SHAPES / "lockin.ttl"]))
    conc = [r for r in engine.validate(store_from_graph(graph))
            if str(r.source_shape).endswith("#LOCK-CONC")]
    assert [str(r.focus) for r in conc] == ([f"{EX}vendor"] if fires else [])


# ---------------------------------------------------------------- surveillance dates

def surveillance(start: str, docs: str) -> str:
    return f"""
ex:cams a ssn:Deployment ; rdfs:label "Cameras"@en ; cityreg:source ex:src ;
    cityreg:isSurveillanceTechnology true ; cityreg:startDate "{start}"^^xsd:date ;
    cityreg:hasOversightDocument ex:doc .
{docs}
"""


@pytest.mark.parametrize(("as_of", "fires"), [(date(2026, 6, 1), False), (date(2026, 6, 2), True)])
def test_annual_report_not_older_than_12_months(tmp_path: Path, as_of: date, fires: bool) -> None:
    turtle = surveillance("2020-01-01", """
ex:doc a cityreg:AnnualSurveillanceReport ; rdfs:label "Report"@en ; cityreg:source ex:src ;
    cityreg:publishedOn "2025-06-01"^^xsd:date .""")
    found = [f for f in findings(tmp_path, turtle, as_of=as_of, rule="SURV-ANNUAL")
             if f.shape.endswith("#SURV-ANNUAL")]
    assert [f.message for f in found] == ([
        "The surveillance technology Cameras has no annual surveillance report published in "
        f"the 12 months before {as_of.isoformat()} (the latest was published on 2025-06-01), "
        "which Oakland OMC 9.64 requires every year."] if fires else [])


def test_annual_report_not_due_in_the_first_year_of_use(tmp_path: Path) -> None:
    turtle = surveillance("2025-06-02", "")
    assert findings(tmp_path, turtle, rule="SURV-ANNUAL") == []
    turtle = surveillance("2025-06-01", "")
    assert summary(findings(tmp_path, turtle, rule="SURV-ANNUAL")) == {("SURV-ANNUAL", V, RULE)}


@pytest.mark.parametrize(("published", "fires"), [("2024-03-03", False), ("2024-03-04", True)])
def test_use_policy_published_90_days_before_use(tmp_path: Path, published: str,
                                                 fires: bool) -> None:
    turtle = surveillance("2024-06-01", f"""
ex:doc a cityreg:UsePolicy ; rdfs:label "Policy"@en ; cityreg:source ex:src ;
    cityreg:publishedOn "{published}"^^xsd:date .""")
    found = [f for f in findings(tmp_path, turtle, rule="POST-NYC")
             if f.shape.endswith("#POST-NYC")]
    assert len(found) == (1 if fires else 0)


# ---------------------------------------------------------------- not-disclosed companions

@pytest.mark.parametrize(("rule", "turtle"), [
    ("DA-25-2-d", contract(switching="; cityreg:notDisclosed cityreg:switchingNoticeMonths")),
    ("DA-25-2-a", contract("cityreg:documentDisclosure cityreg:PartiallyDisclosed").replace(
        "ex:switching", "ex:other-clause").replace("cityreg:SwitchingClause",
                                                   "cityreg:DataExportClause")),
    ("DA-29", contract("cityreg:notDisclosed cityreg:SwitchingChargeClause")),
    ("LOCK-AUTO", 'ex:c a cityreg:VendorContract ; rdfs:label "C"@en ; cityreg:source ex:src ; '
                  "cityreg:notDisclosed cityreg:automaticRenewal ; "
                  "cityreg:maximumTermMonths 12 .\n"),
    ("PROC-72", amended(1_000_000, [10]).replace(
        "ex:a0 a cityreg:Amendment ;", "ex:a1 a cityreg:Amendment ; cityreg:notDisclosed "
        "cityreg:modificationValue .\nex:a0 a cityreg:Amendment ;").replace(
        "cityreg:hasAmendment ex:a0", "cityreg:hasAmendment ex:a0, ex:a1")),
    ("SURV-APPROVAL", 'ex:cams a ssn:Deployment ; rdfs:label "Cameras"@en ; '
                      "cityreg:source ex:src ; cityreg:isSurveillanceTechnology true ; "
                      "cityreg:notDisclosed cityreg:CouncilApproval .\n"),
])
def test_not_disclosed_fact_gives_only_the_companion(tmp_path: Path, rule: str,
                                                     turtle: str) -> None:
    found = findings(tmp_path, turtle, rule=rule)
    assert summary(found) == {(rule, W, ND)}
    assert all(f.message.startswith("Cannot verify") for f in found)
