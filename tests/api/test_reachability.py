"""Every entity of the seed is reachable over GraphQL, and a person may name entities by label.

Issue #23: the IBM Smarter Cities Challenge programmes were invisible to `search` and `node`;
records of processing, notices, claims and joint controllers still were; `whoCanAccess`
refused a label; contracts and agreements had no city.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import rdflib
from answers import errors, run
from rdflib.namespace import OWL, RDF

from graphql import print_schema
from registry.api import GraphQLService, schema
from registry.context import RegistryContext
from registry.namespaces import PREFIXES, expand
from registry.resources import data_dir
from registry.store import Registry

ID = "https://w3id.org/cityreg/id/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def test_every_seed_subject_is_reachable_by_node_with_its_label(
        seed_service: GraphQLService) -> None:
    registry = seed_service.context.registry
    labels: dict[str, set[str]] = {}
    for row in registry.raw_query(
            "SELECT DISTINCT ?s ?l WHERE { GRAPH ?g { ?s ?p ?o OPTIONAL { ?s <" + LABEL
            + "> ?l } } FILTER(isIRI(?s) && STRSTARTS(STR(?s), '" + ID + "')) }"):
        labels.setdefault(row[0].value, set()).update([row[1].value] if row[1] else [])
    assert len(labels) > 250
    unreachable = []
    for iri, names in sorted(labels.items()):
        node = run(seed_service, "query($id: ID!) { node(id: $id) { id label kind types { id } } }",
                   id=iri)["node"]
        if node is None or node["id"] != iri or (names and node["label"] not in names):
            unreachable.append((iri, node))
    assert unreachable == []


@pytest.mark.parametrize(("iri", "kind"), [
    (ID + "nordhaven/record/station-cameras", "RecordOfProcessing"),
    (ID + "nordhaven/notice/travel-card", "Notice"),
    (ID + "nordhaven/policy/lpr-use-policy", "UsePolicy"),
    (ID + "rio/claim/operations-centre-30-agencies", "Claim"),
    (ID + "nordhaven/org/travel-card-joint-controllers", "JointDataControllers"),
    (ID + "nordhaven/agreement/travel-card-joint-arrangement", "JointDataControllersAgreement"),
    (ID + "nordhaven/purpose/insights", "Purpose"),
    (ID + "nordhaven/property/device-presence", "ObservableProperty"),
    (ID + "cebu/programme/ibm-smarter-cities-challenge", "Programme"),
])
def test_entities_of_every_class_have_their_own_type(seed_service: GraphQLService, iri: str,
                                                     kind: str) -> None:
    node = run(seed_service, "query($id: ID!) { node(id: $id) { __typename kind } }",
               id=iri)["node"]
    assert node == {"__typename": kind, "kind": kind}


def test_a_claim_says_what_its_source_claims(seed_service: GraphQLService) -> None:
    node = run(seed_service, """query($id: ID!) { node(id: $id) {
        ... on Claim { subject { label } predicate { compact } object } } }""",
               id=ID + "rio/claim/operations-centre-30-agencies")["node"]
    assert node == {"subject": {"label": "Rio Operations Centre"},
                    "predicate": {"compact": "dct:description"},
                    "object": "collects data from 30 different government agencies"}


def test_links_lead_to_every_linked_entity_and_back(seed_service: GraphQLService) -> None:
    company = ID + "nordhaven/company/eurobackup"
    record = ID + "nordhaven/record/eurobackup-processor"
    links = run(seed_service, """query($id: ID!) { node(id: $id) {
        links(property: "cityreg:hasRecordOfProcessing") { property { id } entityId
                                                           entity { kind } } } }""",
                id=company)["node"]["links"]
    assert links == [{"property": {"id": expand("cityreg:hasRecordOfProcessing")},
                      "entityId": record, "entity": {"kind": "RecordOfProcessing"}}]
    back = run(seed_service, """query($id: ID!) { node(id: $id) {
        linkedFrom { totalCount nodes { property { compact } entityId } } } }""",
               id=record)["node"]["linkedFrom"]
    assert back == {"totalCount": 1, "nodes": [
        {"property": {"compact": "cityreg:hasRecordOfProcessing"}, "entityId": company}]}


def test_search_finds_the_ibm_programmes(seed_service: GraphQLService) -> None:
    found = run(seed_service, '{ search(label: "IBM", first: 100) { nodes { id kind } } }')
    programmes = {n["id"] for n in found["search"]["nodes"] if n["kind"] == "Programme"}
    assert programmes == {ID + "global/programme/ibm-smarter-cities-challenge",
                          ID + "cebu/programme/ibm-smarter-cities-challenge",
                          ID + "jakarta/programme/ibm-smarter-cities-challenge-2011",
                          ID + "sekondi-takoradi/programme/ibm-smarter-cities-challenge"}
    typed = run(seed_service, '{ search(label: "IBM", type: "Programme") { totalCount } }')
    assert typed["search"]["totalCount"] == 4


def test_search_by_the_organisation_interface(seed_service: GraphQLService) -> None:
    found = run(seed_service, '{ search(label: "IBM", type: "Organisation") { nodes { id } } }')
    assert found["search"]["nodes"] == [{"id": ID + "global/company/ibm"}]
    assert errors(seed_service, '{ search(label: "x", type: "Gadget") { totalCount } }')[0] \
        .startswith("type: 'Gadget' is not an entity type; expected one of Agency, Amendment,")


def test_every_object_property_of_the_ontology_is_a_field() -> None:
    ontology = rdflib.Graph().parse(data_dir("ontology") / "cityreg.ttl")
    properties = {str(p) for p in ontology.subjects(RDF.type, OWL.ObjectProperty)}
    sdl = print_schema(schema.graphql_schema)
    prefixes = "|".join(re.escape(p) for p in PREFIXES)
    named = {expand(m.group(0)) for m in re.finditer(rf"\b(?:{prefixes}):[A-Za-z][\w-]*", sdl)}
    assert len(properties) >= 80
    assert sorted(properties - named) == []


def test_who_can_access_takes_a_label(seed_service: GraphQLService) -> None:
    query = """query($s: ID!) { whoCanAccess(source: $s) { source { id }
               organisations { organisation { id } } } }"""
    by_label = run(seed_service, query, s="London Underground Wi-Fi tracking")
    by_iri = run(seed_service, query, s=ID + "london/sensor/underground-wifi")
    assert by_label == by_iri
    assert by_label["whoCanAccess"]["source"]["id"] == ID + "london/sensor/underground-wifi"
    assert run(seed_service, query, s="  london underground WI-FI tracking ") == by_iri


def test_an_unknown_name_is_refused_with_the_closest_labels(
        seed_service: GraphQLService) -> None:
    message = errors(seed_service, '{ whoCanAccess(source: "Underground Wi-Fi") { complete } }')
    assert message == [
        "no sensor, deployment, system, dataset or organisation 'Underground Wi-Fi' in the "
        "registry; give the IRI or label of a sensor, deployment, system, dataset or "
        "organisation (see `cityreg query` or the GraphQL `search` field); did you mean: "
        f"London Underground Wi-Fi tracking <{ID}london/sensor/underground-wifi>; "
        f"London Underground Wi-Fi tracking study (end of 2016) "
        f"<{ID}london/deployment/underground-wifi-study-2016>; "
        f"London Underground Wi-Fi tracking, generalised "
        f"<{ID}london/deployment/underground-wifi-generalised>"]


def test_names_work_in_every_argument(seed_service: GraphQLService) -> None:
    contracts = run(seed_service, '{ contracts(vendor: "IBM") { nodes { id city { label } } } }')
    assert contracts["contracts"]["nodes"] == [
        {"id": ID + "rio/contract/ibm-operations-centre", "city": {"label": "Rio de Janeiro"}},
        {"id": ID + "davao/contract/ibm-intelligent-operations-centre",
         "city": {"label": "Davao City"}},
        {"id": ID + "jakarta/contract/ibm-qlue-analysis", "city": {"label": "Jakarta"}}]
    city_query = "query($city: ID!) { sensors(city: $city) { nodes { id } } }"
    by_city = run(seed_service, city_query, city="london")
    assert by_city == run(seed_service, city_query, city=ID + "london/city/london")
    assert by_city["sensors"]["nodes"]
    assert run(seed_service, '{ node(id: "ibm") { id } }') == {
        "node": {"id": ID + "global/company/ibm"}}
    assert run(seed_service, '{ node(id: "no such thing") { id } }') == {"node": None}
    reach = run(seed_service, '{ reachableBy(organisation: "IBM") { organisationId } }')
    assert reach["reachableBy"]["organisationId"] == ID + "global/company/ibm"
    edges_query = "query($id: ID!) { edgesOf(id: $id) { incoming { fromId } } }"
    edges = run(seed_service, edges_query, id="IBM")
    assert edges == run(seed_service, edges_query, id=ID + "global/company/ibm")
    assert edges["edgesOf"]["incoming"]
    findings_query = "query($id: ID!) { findings(focus: $id) { totalCount } }"
    findings = run(seed_service, findings_query, id="London Underground Wi-Fi tracking")
    assert findings == run(seed_service, findings_query, id=ID + "london/sensor/underground-wifi")
    message = errors(seed_service, '{ sensors(city: "Nordhaven") { totalCount } }')[0]
    assert message.startswith("no city 'Nordhaven' in the registry;")
    assert message.endswith(f"did you mean: Fictional: Nordhaven (fictional) (City) "
                            f"<{ID}nordhaven/city/nordhaven>")


def test_every_agreement_of_the_seed_has_a_city(seed_service: GraphQLService) -> None:
    agreements = run(seed_service, '{ agreements(first: 100) { nodes { label city { id } } } }')
    cities = {n["label"]: n["city"] and n["city"]["id"]
              for n in agreements["agreements"]["nodes"]}
    assert cities["Waze Connected Citizens – Jakarta"] == ID + "jakarta/city/jakarta"
    assert cities["Virtual Singapore partnership with Dassault Systèmes"] == \
        ID + "singapore/city/singapore"
    assert [label for label, city in cities.items() if city is None] == []
    in_jakarta = run(seed_service, '{ agreements(city: "Jakarta") { nodes { label } } }')
    assert in_jakarta["agreements"]["nodes"] == [{"label": "Waze Connected Citizens – Jakarta"}]


AMBIGUOUS = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/id/cam-1> a sosa:Sensor ; rdfs:label "Station cameras" .
<https://example.org/id/cam-2> a sosa:Sensor ; rdfs:label "station cameras" .
<https://example.org/id/cam-3> a sosa:Sensor ; rdfs:label "Harbour cameras" .
"""


@pytest.fixture(scope="module")
def ambiguous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphQLService]:
    path = tmp_path_factory.mktemp("ambiguous") / "cams.ttl"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(path)
        yield GraphQLService(RegistryContext(registry))


def test_a_shared_label_is_refused_with_the_candidates(ambiguous: GraphQLService) -> None:
    # The exact spelling names one; ignoring case, two share it.
    assert run(ambiguous, '{ node(id: "station cameras") { id } }') == {
        "node": {"id": "https://example.org/id/cam-2"}}
    assert errors(ambiguous, '{ node(id: "STATION CAMERAS") { id } }') == [
        "the label 'STATION CAMERAS' names 2 entities: Station cameras (Sensor) "
        "<https://example.org/id/cam-1>; station cameras (Sensor) "
        "<https://example.org/id/cam-2>; give the IRI of the one you mean"]
