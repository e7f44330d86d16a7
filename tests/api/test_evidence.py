"""Evidence grades, gaps, engagements and contract cities over GraphQL.

The graded town (tests/data/flows/graded.ttl) meets every inference rule once; a small
registry written here gives contracts whose city comes from each step of the rule of
``Entity.city``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from answers import errors, run

from registry.api import GraphQLService
from registry.api.limits import MAX_PAGE_SIZE
from registry.context import RegistryContext
from registry.flows.rules import RULES
from registry.store import Registry

D = "https://w3id.org/cityreg/id/gradetown/"
K = "https://w3id.org/cityreg/id/cities/"
DPV = "https://w3id.org/dpv#"
GRADED = Path(__file__).parent.parent / "data" / "flows" / "graded.ttl"

#: Contracts whose city comes from each step of the rule, in its order: the contract's own
#: city, its buyer's, its controller's, its parent contract's, a covered system's, a covered
#: dataset's; and one with none.
CITIES_TTL = f"""
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv:     <https://w3id.org/dpv#> .
@prefix dcat:    <http://www.w3.org/ns/dcat#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix k:       <{K}> .

k:north a cityreg:City ; rdfs:label "North" .
k:south a cityreg:City ; rdfs:label "South" .
k:east a cityreg:City ; rdfs:label "East" .
k:west a cityreg:City ; rdfs:label "West" .
k:north-council a cityreg:Agency ; rdfs:label "North Council" ; cityreg:city k:north .
k:south-council a cityreg:Agency ; rdfs:label "South Council" ; cityreg:city k:south .
k:vendor a cityreg:Company ; rdfs:label "Vendor" .
k:platform a cityreg:System ; rdfs:label "East platform" ; cityreg:city k:east ;
    cityreg:developer k:vendor ; cityreg:maintainer k:vendor .
k:data a dcat:Dataset ; rdfs:label "West data" ; cityreg:city k:west .
k:programme a cityreg:Programme ; rdfs:label "Smart North" ; cityreg:operator k:vendor ;
    cityreg:city k:north .

k:own a cityreg:VendorContract ; rdfs:label "1 own city" ; cityreg:city k:south ;
    cityreg:buyer k:north-council ; cityreg:supplier k:vendor .
k:by-buyer a cityreg:VendorContract ; rdfs:label "2 by buyer" ;
    cityreg:buyer k:north-council ; cityreg:supplier k:vendor ; cityreg:coversSystem k:platform .
k:by-controller a cityreg:VendorContract ; rdfs:label "3 by controller" ;
    cityreg:buyer k:vendor ; dpv:hasDataController k:south-council ;
    cityreg:coversDataset k:data .
k:sub a cityreg:VendorContract ; rdfs:label "4 by parent contract" ;
    cityreg:buyer k:vendor ; cityreg:parentContract k:by-buyer ; cityreg:coversDataset k:data .
k:by-system a cityreg:VendorContract ; rdfs:label "5 by system" ;
    cityreg:buyer k:vendor ; cityreg:coversSystem k:platform ; cityreg:coversDataset k:data .
k:by-dataset a cityreg:VendorContract ; rdfs:label "6 by dataset" ;
    dpv:hasDataProcessor k:vendor ; cityreg:coversDataset k:data .
k:nowhere a cityreg:VendorContract ; rdfs:label "7 nowhere" ; cityreg:supplier k:vendor .
"""


@pytest.fixture(scope="module")
def graded() -> Iterator[GraphQLService]:
    with Registry.memory() as registry:
        registry.load(GRADED)
        yield GraphQLService(RegistryContext(registry))


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphQLService]:
    path = tmp_path_factory.mktemp("cities") / "cities.ttl"
    path.write_text(CITIES_TTL, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(path)
        yield GraphQLService(RegistryContext(registry))


TRACE = f"""query($g: EvidenceGrade) {{ whoCanAccess(source: "{D}register", minGrade: $g) {{
    minGrade complete fullyDisclosed grades {{ asserted inferred undisclosed }}
    organisations {{ label grade disclosed category {{ id label }} organisation {{ label }} }} }} }}
"""


def test_trace_grades_every_organisation_and_counts_them(graded: GraphQLService) -> None:
    trace = run(graded, TRACE)["whoCanAccess"]
    assert trace["minGrade"] == "undisclosed"  # the default: every grade
    assert (trace["complete"], trace["fullyDisclosed"]) == (True, False)
    assert trace["grades"] == {"asserted": 3, "inferred": 6, "undisclosed": 2}
    assert [(o["label"], o["grade"]) for o in trace["organisations"]] == [
        ("Gradetown Town Hall", "asserted"), ("LabCo", "asserted"), ("ProcCo", "asserted"),
        ("AppWorks", "inferred"), ("FixIt", "inferred"), ("HostCo", "inferred"),
        ("Ministry of Data", "inferred"), ("PartnerCo", "inferred"), ("MinerCo", "inferred"),
        ("Undisclosed recipient (Profiling of residents)", "undisclosed"),
        ("Undisclosed third party (Sale of the register)", "undisclosed")]
    named = trace["organisations"][0]
    assert (named["disclosed"], named["category"], named["organisation"]) == (
        True, None, {"label": "Gradetown Town Hall"})
    placeholders = [o for o in trace["organisations"] if not o["disclosed"]]
    assert [(o["category"], o["organisation"]) for o in placeholders] == [
        ({"id": DPV + "Recipient", "label": "recipient"}, None),
        ({"id": DPV + "ThirdParty", "label": "third party"}, None)]


@pytest.mark.parametrize(("grade", "counts"), [
    ("asserted", {"asserted": 3, "inferred": 0, "undisclosed": 0}),
    ("inferred", {"asserted": 3, "inferred": 6, "undisclosed": 0}),
    ("undisclosed", {"asserted": 3, "inferred": 6, "undisclosed": 2}),
    (None, {"asserted": 3, "inferred": 6, "undisclosed": 2}),  # null: the default
])
def test_min_grade_keeps_only_hops_that_good(graded: GraphQLService, grade: str | None,
                                             counts: dict[str, int]) -> None:
    trace = run(graded, TRACE, g=grade)["whoCanAccess"]
    assert trace["minGrade"] == (grade or "undisclosed")
    assert trace["grades"] == counts
    assert len(trace["organisations"]) == sum(counts.values())


def test_min_grade_as_a_literal_on_every_root(graded: GraphQLService) -> None:
    data = run(graded, f"""{{
        asserted: whoCanAccess(source: "{D}register", minGrade: asserted) {{
            organisations {{ label }} }}
        reach: reachableBy(organisation: "{D}minerco") {{ minGrade datasets {{ label }} }}
        assertedReach: reachableBy(organisation: "{D}minerco", minGrade: asserted) {{
            minGrade fullyDisclosed datasets {{ label }} }}
        flows: dataFlows(to: "{D}minerco") {{ fromLabel grade }}
        assertedFlows: dataFlows(to: "{D}minerco", minGrade: asserted) {{ fromLabel }} }}""")
    assert [o["label"] for o in data["asserted"]["organisations"]] == [
        "Gradetown Town Hall", "LabCo", "ProcCo"]
    assert data["reach"] == {"minGrade": "undisclosed", "datasets": [{"label": "Town register"}]}
    assert data["assertedReach"] == {"minGrade": "asserted", "fullyDisclosed": True,
                                     "datasets": []}
    assert data["flows"] == [{"fromLabel": "Ministry of Data", "grade": "inferred"}]
    assert data["assertedFlows"] == []


@pytest.mark.parametrize("query", [
    f'{{ whoCanAccess(source: "{D}register", minGrade: certain) {{ complete }} }}',
    f'{{ whoCanAccess(source: "{D}register", minGrade: "asserted") {{ complete }} }}',
    f'{{ whoCanAccess(source: "{D}register", minGrade: ASSERTED) {{ complete }} }}',
    f'{{ reachableBy(organisation: "{D}minerco", minGrade: weak) {{ complete }} }}',
    '{ dataFlows(minGrade: any) { grade } }',
])
def test_an_unknown_grade_is_a_graphql_error(graded: GraphQLService, query: str) -> None:
    [message] = errors(graded, query)
    assert "EvidenceGrade" in message


def test_an_unknown_grade_in_a_variable_is_a_graphql_error(graded: GraphQLService) -> None:
    assert errors(graded, TRACE, g="strong") == [
        "Variable '$g' got invalid value 'strong'; Value 'strong' does not exist in "
        "'EvidenceGrade' enum."]


def test_hops_carry_grade_rule_sources_and_gaps(graded: GraphQLService) -> None:
    data = run(graded, f"""{{ whoCanAccess(source: "{D}register") {{ organisations {{
        label paths {{ grade hops {{ viaLabel grade sources
            rule {{ id label record grade }}
            gaps {{ entityId propertyLabel status }} }} }} }} }} }}""")
    orgs = {o["label"]: o for o in data["whoCanAccess"]["organisations"]}
    [path] = orgs["MinerCo"]["paths"]
    assert path["grade"] == "inferred"
    supplier = path["hops"][-1]
    rule = RULES["contract-supplier"]
    assert supplier["rule"] == {"id": rule.id, "label": rule.label, "record": rule.record,
                                "grade": "inferred"}
    assert (supplier["viaLabel"], supplier["grade"], supplier["sources"]) == (
        "Register mining contract", "inferred", [D + "src"])
    assert supplier["gaps"] == [
        {"entityId": D + "mining", "propertyLabel": "data processor",
         "status": "not disclosed"},
        {"entityId": D + "mining", "propertyLabel": "start date", "status": "not recorded"}]
    town_hall = orgs["Gradetown Town Hall"]["paths"][0]
    assert town_hall["grade"] == "asserted"
    assert [(h["grade"], h["rule"]) for h in town_hall["hops"]] == [("asserted", None)]
    procco = orgs["ProcCo"]["paths"][0]["hops"][-1]
    assert (procco["grade"], procco["rule"], procco["gaps"]) == ("asserted", None, [])
    sale = orgs["Undisclosed third party (Sale of the register)"]["paths"][0]["hops"][-1]
    assert sale["rule"]["id"] == "recipient-category"
    assert sale["rule"]["grade"] == "undisclosed"


def test_gap_fields(graded: GraphQLService) -> None:
    data = run(graded, f"""{{ reachableBy(organisation: "{D}minerco") {{
        complete fullyDisclosed minGrade grades {{ asserted inferred undisclosed }}
        datasets {{ label grade paths {{ grade }} }}
        disclosure {{ entityId entity {{ kind label }} entityLabel property propertyLabel
                      status why sources }} }} }}""")
    reach = data["reachableBy"]
    assert (reach["complete"], reach["fullyDisclosed"], reach["minGrade"]) == (
        True, False, "undisclosed")
    assert reach["grades"] == {"asserted": 0, "inferred": 1, "undisclosed": 0}
    assert reach["datasets"] == [{"label": "Town register", "grade": "inferred",
                                  "paths": [{"grade": "inferred"}]}]
    mining = {"entityId": D + "mining",
              "entity": {"kind": "Contract", "label": "Register mining contract"},
              "entityLabel": "Register mining contract", "sources": [D + "src"]}
    assert reach["disclosure"] == [
        {**mining, "property": DPV + "hasDataController", "propertyLabel": "data controller",
         "status": "not recorded", "why": "who decides what is done with the data is not known"},
        {**mining, "property": DPV + "hasDataProcessor", "propertyLabel": "data processor",
         "status": "not disclosed", "why": "the legal role, and so the limits, of the "
         "organisation that handles the data are not known"},
        {**mining, "property": "https://w3id.org/cityreg#startDate",
         "propertyLabel": "start date", "status": "not recorded",
         "why": "since when the access exists is not known"}]


def test_a_fully_disclosed_trace(graded: GraphQLService) -> None:
    trace = run(graded, f"""{{ whoCanAccess(source: "{D}permits") {{ complete fullyDisclosed
        disclosure {{ why }} organisations {{ label grade }} }} }}""")["whoCanAccess"]
    assert trace == {"complete": True, "fullyDisclosed": True, "disclosure": [],
                     "organisations": [{"label": "Permits Office", "grade": "asserted"},
                                       {"label": "PermitSoft", "grade": "asserted"}]}


ENGAGEMENTS = """query($id: ID!, $kind: String) { node(id: $id) { ... on Organisation {
    engagements(kind: $kind) { totalCount nodes { role { compact } entityId
        entity { kind label } flow { label } } } } } }"""


def engagements(service: GraphQLService, iri: str, kind: str | None = None
                ) -> list[tuple[str, str, str, str | None]]:
    found = run(service, ENGAGEMENTS, id=iri, kind=kind)["node"]["engagements"]
    assert found["totalCount"] == len(found["nodes"])
    return [(e["role"]["compact"], e["entity"]["kind"], e["entity"]["label"],
             (e["flow"] or {}).get("label")) for e in found["nodes"]]


def test_engagements_of_every_organisation_type(graded: GraphQLService) -> None:
    assert engagements(graded, D + "procco") == [
        ("dpv:hasDataProcessor", "Contract", "Register processing contract", None),
        ("cityreg:supplier", "Contract", "Register processing contract", None),
        ("cityreg:hasParty", "DataSharingAgreement", "ProcCo resale", None),
        ("cityreg:provider", "DataSharingAgreement", "ProcCo resale", "Register to BrokerCo")]
    assert engagements(graded, D + "townhall") == [  # an Agency
        ("cityreg:buyer", "Contract", "Register processing contract", None),
        ("dpv:hasDataController", "Contract", "Register processing contract", None),
        ("cityreg:hasParty", "DataSharingAgreement", "Register partnership", None),
        ("cityreg:operator", "System", "Register app", None),
        ("cityreg:operator", "Processing", "Profiling of residents", None),
        ("cityreg:operator", "Processing", "Sale of the register", None),
        ("dct:publisher", "Dataset", "Town register", None)]
    assert engagements(graded, D + "fixit") == [
        ("cityreg:maintainer", "System", "Register app", None)]
    assert engagements(graded, D + "hostco") == [
        ("cityreg:hostedBy", "Dataset", "Town register", None)]
    assert engagements(graded, D + "brokerco", "DataSharingAgreement") == [
        ("cityreg:hasParty", "DataSharingAgreement", "ProcCo resale", None),
        ("cityreg:recipient", "DataSharingAgreement", "ProcCo resale", "Register to BrokerCo")]
    assert engagements(graded, D + "brokerco", "Contract") == []


def test_engagements_include_programmes_and_page(cities: GraphQLService) -> None:
    assert engagements(cities, K + "vendor", "Programme") == [
        ("cityreg:operator", "Programme", "Smart North", None)]
    assert engagements(cities, K + "vendor", "System") == [
        ("cityreg:developer", "System", "East platform", None),
        ("cityreg:maintainer", "System", "East platform", None)]
    page = run(cities, f"""{{ node(id: "{K}vendor") {{ ... on Company {{
        engagements(first: 2) {{ totalCount pageInfo {{ hasNextPage }}
        nodes {{ entity {{ label }} }} }} }} }} }}""")["node"]["engagements"]
    assert page == {"totalCount": 10, "pageInfo": {"hasNextPage": True},
                    "nodes": [{"entity": {"label": "1 own city"}},
                              {"entity": {"label": "2 by buyer"}}]}
    programme = run(cities, f"""{{ node(id: "{K}programme") {{ __typename
        ... on Programme {{ operator {{ label }} city {{ label }} }} }} }}""")["node"]
    assert programme == {"__typename": "Programme", "operator": {"label": "Vendor"},
                         "city": {"label": "North"}}


def test_an_unknown_engagement_kind_is_a_graphql_error(graded: GraphQLService) -> None:
    assert errors(graded, ENGAGEMENTS, id=D + "procco", kind="Clause") == [
        "kind: 'Clause' is not a kind of engagement; expected one of Contract, "
        "DataSharingAgreement, Programme, System, Sensor, Deployment, Processing, Dataset"]


def test_engagements_keep_to_the_page_and_cost_limits(graded: GraphQLService) -> None:
    [huge] = errors(graded, f"""{{ node(id: "{D}procco") {{ ... on Organisation {{
        engagements(first: 100000) {{ totalCount }} }} }} }}""")
    assert huge.startswith(f"first: 100000 on `engagements` exceeds the page-size cap of "
                           f"{MAX_PAGE_SIZE}")
    [costly] = errors(graded, """{ organisations(first: 500) { nodes {
        engagements(first: 500) { nodes { role { label } entity { label } } } } } }""")
    assert costly.startswith("query cost ")


def test_contract_city_comes_from_the_contract_then_what_it_is_for(
        cities: GraphQLService) -> None:
    data = run(cities, "{ contracts { nodes { label city { label } } } }")
    assert [(c["label"], (c["city"] or {}).get("label")) for c in data["contracts"]["nodes"]] == [
        ("1 own city", "South"), ("2 by buyer", "North"), ("3 by controller", "South"),
        ("4 by parent contract", "North"), ("5 by system", "East"), ("6 by dataset", "West"),
        ("7 nowhere", None)]


def test_contracts_city_filter_and_city_contracts_use_the_same_rule(
        cities: GraphQLService) -> None:
    data = run(cities, f"""{{
        north: contracts(city: "{K}north") {{ nodes {{ label }} }}
        south: contracts(city: "{K}south") {{ nodes {{ label }} }}
        west: contracts(city: "{K}west") {{ totalCount }}
        cities {{ nodes {{ label contracts {{ nodes {{ label }} }} }} }} }}""")
    assert [c["label"] for c in data["north"]["nodes"]] == ["2 by buyer", "4 by parent contract"]
    assert [c["label"] for c in data["south"]["nodes"]] == ["1 own city", "3 by controller"]
    assert data["west"] == {"totalCount": 1}
    assert {c["label"]: [n["label"] for n in c["contracts"]["nodes"]]
            for c in data["cities"]["nodes"]} == {
        "East": ["5 by system"], "North": ["2 by buyer", "4 by parent contract"],
        "South": ["1 own city", "3 by controller"], "West": ["6 by dataset"]}
