"""The GraphQL schema over testville: entities, connections, traces, and the exported SDL."""

from __future__ import annotations

from typing import Any

import pytest
from answers import run

from registry.api import GraphQLService, schema
from registry.resources import data_dir

T = "https://w3id.org/cityreg/id/testville/"


def test_node_gives_typed_facts_and_three_states(testville: GraphQLService) -> None:
    data = run(testville, """query($id: ID!) { node(id: $id) { __typename label
        ... on Contract { value currency startDate inWriting processors { label }
                          clauses { documentReference } } absent notDisclosed
        sources { label } } }""", id=T + "vision-contract")
    assert data["node"] == {
        "__typename": "Contract", "label": "Camera analytics contract", "value": "250000",
        "currency": "EUR", "startDate": "2019-01-01", "inWriting": True,
        "processors": [{"label": "Vision Ltd"}], "clauses": [{"documentReference": "§7"}],
        "absent": ["cityreg:SwitchingClause"], "notDisclosed": [],
        "sources": [{"label": "Testville register (fictional)"}]}
    deployment = run(testville, f'{{ node(id: "{T}cams-deployment") {{ notDisclosed }} }}')
    assert deployment["node"]["notDisclosed"] == ["dpv:hasImpactAssessment"]


def test_connections_paginate_with_cursors(testville: GraphQLService) -> None:
    query = """query($after: String) { organisations(first: 5, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { label } } }"""
    first = run(testville, query)["organisations"]
    assert first["totalCount"] == 11
    assert first["pageInfo"]["hasNextPage"] is True
    labels = [n["label"] for n in first["nodes"]]
    after = first["pageInfo"]["endCursor"]
    second = run(testville, query, after=after)["organisations"]
    assert labels + [n["label"] for n in second["nodes"]][:1] == [
        "CloudCo", "DataBroker Inc", "EdgeCo", "Ministry of the Interior", "MobilityCo",
        "Research Lab"]


def test_filters_by_city_type_vendor_and_date(testville: GraphQLService) -> None:
    data = run(testville, f"""{{
        agencies: organisations(type: "https://w3id.org/cityreg#Agency", city: "{T}city") {{
            nodes {{ label }} }}
        vision: contracts(vendor: "{T}vision") {{ nodes {{ label }} }}
        in2025: contracts(activeOn: "2025-06-01") {{ nodes {{ label }} }}
        search(label: "swap", type: "DataSharingAgreement") {{ nodes {{ kind label }} }} }}""")
    assert [n["label"] for n in data["agencies"]["nodes"]] == [
        "Testville Council", "Testville Police", "Testville Transport Authority"]
    assert [n["label"] for n in data["vision"]["nodes"]] == ["Camera analytics contract"]
    assert [n["label"] for n in data["in2025"]["nodes"]] == ["CloudCo–EdgeCo caching",
                                                            "Vision–CloudCo hosting"]
    assert data["search"]["nodes"] == [{"kind": "DataSharingAgreement",
                                        "label": "Council–MobilityCo data swap"}]


def test_who_can_access_over_graphql(testville: GraphQLService) -> None:
    data = run(testville, """query($s: ID!) { whoCanAccess(source: $s, asOf: "2021-06-01") {
        complete organisations { label shortest paths { hops { toLabel viaLabel
        grant { label } onwardSharing } } } } }""", s=T + "footage")
    trace = data["whoCanAccess"]
    assert trace["complete"] is True
    insurer = next(o for o in trace["organisations"] if o["label"] == "SafeInsure")
    assert insurer["shortest"] == 4
    assert [h["viaLabel"] for h in insurer["paths"][0]["hops"]][1:] == [
        "Council–Police footage agreement", "Police–Ministry exchange",
        "Ministry–SafeInsure data deal"]
    assert insurer["paths"][0]["hops"][-1]["onwardSharing"] == "not allowed"


def test_unknown_source_is_a_graphql_error(testville: GraphQLService) -> None:
    result = testville.run('{ whoCanAccess(source: "urn:x:nothing") { complete } }')
    assert result.errors is not None
    assert "no sensor, deployment, system, dataset or organisation 'urn:x:nothing'" in (
        result.errors[0].message)


def test_exported_schema_is_up_to_date() -> None:
    exported = (data_dir("graphql") / "schema.graphql").read_text(encoding="utf-8")
    assert exported == str(schema).rstrip("\n") + "\n", (
        "graphql/schema.graphql is stale: run `cityreg export-schema`")


def test_requests_run_no_sparql_once_warm(testville: GraphQLService,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    testville.warm()

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a request ran a SPARQL query")

    monkeypatch.setattr(testville.context.registry, "raw_query", refuse)
    data = run(testville, f"""{{
        whoCanAccess(source: "{T}cams") {{ organisations {{ label grade }} disclosure {{ why }} }}
        reachableBy(organisation: "{T}lab") {{ datasets {{ label }} }}
        contracts(city: "{T}city") {{ nodes {{ city {{ label }} }} }}
        node(id: "{T}vision") {{ ... on Organisation {{ engagements {{ totalCount }} }} }}
        vendorConcentration {{ label }}
        dataFlows(to: "{T}council") {{ fromLabel }}
        edgesOf(id: "{T}police") {{ incoming {{ fromLabel }} outgoing {{ toLabel }} }}
        cities(first: 2) {{ nodes {{ label sensors(first: 2) {{ nodes {{ label
            deployments(first: 2) {{ nodes {{
            operator {{ label contracts {{ totalCount }} }} }} }} }} }} }} }}
        findings(first: 5) {{ totalCount }} }}""")
    assert data["reachableBy"]["datasets"] == [{"label": "Crowd analytics"},
                                               {"label": "Street camera footage"}]
    assert data["contracts"]["nodes"] == [{"city": {"label": "Testville"}}] * 3
    assert data["node"]["engagements"] == {"totalCount": 6}
    assert data["edgesOf"]["incoming"] == [{"fromLabel": "Testville Council"}]
    assert data["cities"]["nodes"][0]["sensors"]["nodes"][0]["deployments"]["nodes"][0][
        "operator"] == {"label": "Testville Council", "contracts": {"totalCount": 1}}
