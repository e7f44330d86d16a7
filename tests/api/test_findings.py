"""Findings over GraphQL: their standing (binding or benchmark), where, law, article link and
evidence, and the `standing` filter.

The same processor contract twice (tests/web/data/bayside.ttl): in Fixture City (NL), where the
GDPR binds, and in Bayside (US), where it does not. The findings are pinned on the GDPR Art. 28
shapes and the jurisdiction table; one test reads what the server computes with every shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from answers import run

from registry import resources
from registry.api import GraphQLService, schema
from registry.context import RegistryContext
from registry.store import Registry
from registry.validate import validate_registry

DATA = Path(__file__).parent.parent / "data"
FILES = [DATA / "prelude.ttl", DATA / "invalid" / "GDPR-28-3-g--no-deletion-clause.ttl",
         Path(__file__).parent.parent / "web" / "data" / "bayside.ttl"]
SHAPES = resources.shapes_dir()
ART28 = [SHAPES / "prefixes.ttl", SHAPES / "gdpr-art28.ttl", SHAPES / "jurisdiction.ttl"]
EX = "https://w3id.org/cityreg/id/fixture/"
C = "https://w3id.org/cityreg#"
AS_OF = date(2026, 6, 1)
SOURCE = {"id": EX + "src", "label": "Fixture source (fictional)",
          "url": "https://example.org/fixture"}
ART28_URL = "https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_28"
MESSAGE = ("The processor contract does not oblige the processor to delete or return all "
           "personal data at the end of the services, at the controller's choice "
           "(Art. 28(3)(g)).")


@pytest.fixture(scope="module")
def service() -> Iterator[GraphQLService]:
    """The API over the two parking contracts, judged on the Art. 28 shapes."""
    with Registry.memory() as registry:
        registry.load(*FILES)
        context = RegistryContext(registry, as_of=AS_OF)
        context.__dict__["validation"] = validate_registry(registry, AS_OF, shapes=ART28)
        yield GraphQLService(context)


def test_a_finding_says_whether_its_law_binds_where_the_entity_is(
        service: GraphQLService) -> None:
    data = run(service, """{ findings(rule: "GDPR-28-3-g") { totalCount nodes {
        focusId standing severity ruleSeverity kind where law legalSourceLabel legalSourceUrl
        message } } }""")
    assert data["findings"] == {"totalCount": 2, "nodes": [
        {"focusId": EX + "parking", "standing": "binding", "severity": "violation",
         "ruleSeverity": "violation", "kind": "rule", "where": "Fixture City (fictional) (NL)",
         "law": "the GDPR (Regulation (EU) 2016/679)",
         "legalSourceLabel": "GDPR Art. 28(3)(g)", "legalSourceUrl": ART28_URL,
         "message": MESSAGE},
        {"focusId": EX + "bay-parking", "standing": "benchmark", "severity": "info",
         "ruleSeverity": "violation", "kind": "rule", "where": "Bayside (fictional) (US)",
         "law": "the GDPR (Regulation (EU) 2016/679)",
         "legalSourceLabel": "GDPR Art. 28(3)(g)", "legalSourceUrl": ART28_URL,
         "message": "Measured against GDPR Art. 28(3)(g) (the GDPR (Regulation (EU) "
                    "2016/679) does not bind in Bayside (fictional) (US)): " + MESSAGE}]}


def test_the_standing_filter_splits_binding_findings_from_benchmarks(
        service: GraphQLService) -> None:
    data = run(service, """query($bayside: ID!) {
        all: findings { totalCount }
        binding: findings(standing: binding) { totalCount nodes { focusId standing } }
        benchmarks: findings(standing: benchmark) { totalCount nodes { focusId severity
                                                                       standing } }
        lens: findings(standing: lens) { totalCount }
        violations: findings(severity: "violation") { totalCount }
        benchmarkViolations: findings(standing: benchmark, severity: "violation") { totalCount }
        benchmarkRule: findings(standing: benchmark, rule: "GDPR-28-3-g", kind: "rule",
                                focus: $bayside) { totalCount }
        notRecorded: findings(kind: "not-recorded") { totalCount } }""", bayside=EX + "bay-parking")
    binding, benchmarks = data["binding"], data["benchmarks"]
    assert binding["totalCount"] + benchmarks["totalCount"] == data["all"]["totalCount"]
    assert {n["focusId"] for n in binding["nodes"]} == {EX + "parking"}
    assert {n["focusId"] for n in benchmarks["nodes"]} == {EX + "bay-parking"}
    assert {(n["standing"], n["severity"]) for n in benchmarks["nodes"]} == {
        ("benchmark", "info")}
    assert data["lens"]["totalCount"] == 0
    assert data["violations"]["totalCount"] == 1  # the binding one: a benchmark never is
    assert data["benchmarkViolations"]["totalCount"] == 0
    assert data["benchmarkRule"]["totalCount"] == 1
    assert data["notRecorded"]["totalCount"] == 0  # a kind the filter knows


def test_an_entity_filters_its_findings_by_standing(service: GraphQLService) -> None:
    data = run(service, """query($id: ID!) { node(id: $id) {
        all: findings { ruleId standing }
        binding: findings(standing: binding) { ruleId }
        benchmarks: findings(standing: benchmark) { ruleId } } }""", id=EX + "bay-parking")
    node = data["node"]
    assert node["binding"] == []
    assert node["benchmarks"] == [{"ruleId": f["ruleId"]} for f in node["all"]]
    assert {f["standing"] for f in node["all"]} == {"benchmark"}


def test_evidence_gives_the_facts_with_labels_and_sources(service: GraphQLService) -> None:
    data = run(service, """{ findings(rule: "GDPR-28-3-g", standing: binding) { nodes {
        evidence { subject subjectLabel predicate predicateLabel object objectLabel objectIsIri
                   derived sources { id label url } } } } }""")
    [node] = data["findings"]["nodes"]
    evidence = node["evidence"]
    assert {"subject": EX + "parking", "subjectLabel": "Parking-app processing contract "
            "(fictional)", "predicate": C + "processesPersonalData",
            "predicateLabel": "processes personal data", "object": "true", "objectLabel": "true",
            "objectIsIri": False, "derived": False, "sources": [SOURCE]} in evidence
    assert {"subject": EX + "parking", "subjectLabel": "Parking-app processing contract "
            "(fictional)", "predicate": "https://w3id.org/dpv#hasDataProcessor",
            "predicateLabel": "has data processor", "object": EX + "vendor",
            "objectLabel": "Fixture Vendor B.V. (fictional)", "objectIsIri": True,
            "derived": False, "sources": [SOURCE]} in evidence
    # The same facts, in the same order, as the report the server holds.
    report = service.context.validation
    [finding] = [f for f in report.findings
                 if f.rule_id == "GDPR-28-3-g" and f.focus == EX + "parking"]
    assert [(f["subject"], f["predicate"], f["object"]) for f in evidence] == [
        (fact.subject, fact.predicate, fact.object) for fact in report.evidence(finding)]


def test_the_server_serves_the_report_with_evidence() -> None:
    """What `cityreg serve` computes (RegistryContext.validation, every shape) keeps the
    evidence, and judges each entity where it is."""
    with Registry.memory() as registry:
        registry.load(*FILES)
        service = GraphQLService.warmed(RegistryContext(registry, as_of=AS_OF))  # as the app
        data = run(service, """{ findings(rule: "GDPR-28-3-g") { nodes { focusId standing
            severity evidence { predicate sources { url } } } } }""")
        assert service.context.validation.facts is not None
    nodes = {n["focusId"]: n for n in data["findings"]["nodes"]}
    assert (nodes[EX + "parking"]["standing"], nodes[EX + "parking"]["severity"]) == (
        "binding", "violation")
    assert (nodes[EX + "bay-parking"]["standing"], nodes[EX + "bay-parking"]["severity"]) == (
        "benchmark", "info")
    for node in nodes.values():
        assert {"predicate": C + "processesPersonalData",
                "sources": [{"url": "https://example.org/fixture"}]} in node["evidence"]


@pytest.mark.parametrize(("argument", "message"), [
    ('kind: "not-recoded"', "kind: 'not-recoded' is not a finding kind; expected one of rule, "
                            "not-disclosed, not-recorded, manual-review"),
    ('severity: "error"', "severity: 'error' is not a finding severity; expected one of "
                          "violation, warning, info"),
])
def test_an_unknown_kind_or_severity_is_an_error(service: GraphQLService, argument: str,
                                                 message: str) -> None:
    result = service.run(f"{{ findings({argument}) {{ totalCount }} }}")
    assert result.errors is not None
    assert [error.message for error in result.errors] == [message]


def test_an_unknown_standing_is_refused_by_the_schema(service: GraphQLService) -> None:
    result = service.run("{ findings(standing: violation) { totalCount } }")
    assert result.errors is not None
    assert "FindingStanding" in result.errors[0].message


def test_the_schema_documents_standing_and_kinds() -> None:
    sdl = str(schema)
    enum = sdl[sdl.index("enum FindingStanding {"):]
    enum = enum[:enum.index("}")]
    assert [line.strip() for line in enum.splitlines()
            if line.strip() in ("binding", "benchmark", "lens")] == [
        "binding", "benchmark", "lens"]
    assert "never a violation" in enum
    finding = sdl[sdl.index("type Finding {"):]
    finding = finding[:finding.index("\n}") + 1]
    assert "not-recorded (cannot be verified: a fact the rule needs is not recorded)" in finding
    for field in ("standing: FindingStanding!", "ruleSeverity: String!", "where: String",
                  "law: String", "legalSourceUrl: String", "evidence: [FindingFact!]!"):
        assert f"  {field}\n" in finding, field
    assert "standing: FindingStanding\n" in sdl[sdl.index("type Query {"):]
