"""GraphQL list results as CSV through /graphql (``Accept: text/csv`` or ``?format=csv``): the
first list flattened to dotted columns, every cell spreadsheet-safe, the same limits."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette 1.10 prefers httpx2, which is not installed
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from registry.api import GraphQLService
from registry.api.app import create_app
from registry.api.csvresult import NoListError, first_list, flatten, rows_of
from registry.api.limits import MAX_PAGE_SIZE
from registry.web.tables import csv_chunks

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

CONTRACTS = "{ contracts { nodes { id label city { label } } } }"


@pytest.fixture(scope="module")
def client(seed_service: GraphQLService) -> Iterator[TestClient]:
    with TestClient(create_app(seed_service.context, service=seed_service)) as test_client:
        yield test_client


def parse(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_contracts_as_csv_by_format_and_by_accept(client: TestClient) -> None:
    expected = client.post("/graphql", json={"query": CONTRACTS}).json()["data"]
    nodes = expected["contracts"]["nodes"]
    got = client.get("/graphql", params={"query": CONTRACTS, "format": "csv"})
    rows = parse(got)
    assert got.headers["content-disposition"] == 'attachment; filename="contracts.csv"'
    assert next(csv.reader(io.StringIO(got.text))) == ["id", "label", "city.label"]
    assert rows == [{"id": n["id"], "label": n["label"],
                     "city.label": (n["city"] or {}).get("label") or ""} for n in nodes]
    assert len(rows) == len(nodes) > 1
    posted = client.post("/graphql", json={"query": CONTRACTS}, headers={"Accept": "text/csv"})
    assert parse(posted) == rows
    edges = client.post("/graphql?format=csv", json={
        "query": "{ contracts { totalCount edges { cursor node { id label city { label } } } } }"})
    assert parse(edges) == rows


def test_lists_in_a_row_are_joined(client: TestClient) -> None:
    query = "{ contracts(first: 3) { nodes { id sources { label } notDisclosed } } }"
    data = client.post("/graphql", json={"query": query}).json()["data"]
    rows = parse(client.post("/graphql", json={"query": query}, headers={"Accept": "text/csv"}))
    for row, node in zip(rows, data["contracts"]["nodes"], strict=True):
        assert row["sources.label"] == "; ".join(s["label"] for s in node["sources"])
        assert row["notDisclosed"] == "; ".join(node["notDisclosed"])


def test_a_query_without_a_list_is_400(client: TestClient) -> None:
    query = '{ node(id: "https://w3id.org/cityreg/id/global/company/ibm") { id label } }'
    response = client.get("/graphql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "no list to write as CSV" in message
    assert "nodes" in message


def test_the_limits_and_errors_still_apply(client: TestClient) -> None:
    too_many = client.get("/graphql", params={
        "query": f"{{ contracts(first: {MAX_PAGE_SIZE + 1}) {{ nodes {{ id }} }} }}",
        "format": "csv"})
    assert too_many.status_code == 400
    assert str(MAX_PAGE_SIZE) in too_many.json()["errors"][0]["message"]
    unknown = client.get("/graphql", params={"query": "{ contracts { nodes { nope } } }",
                                             "format": "csv"})
    assert unknown.status_code == 400
    assert "nope" in unknown.json()["errors"][0]["message"]
    missing = client.get("/graphql", params={"format": "csv"}, headers={"Accept": "text/csv"})
    assert missing.status_code == 400
    assert "`query` is missing" in missing.text
    wrong = client.get("/graphql", params={"query": CONTRACTS, "format": "xml"})
    assert wrong.status_code == 400
    assert "format='xml' is not supported" in wrong.text
    as_json = client.get("/graphql", params={"query": CONTRACTS, "format": "json"},
                         headers={"Accept": "text/csv"})
    assert as_json.json()["data"]["contracts"]["nodes"]


def test_flattening() -> None:
    data = {"a": {"totalCount": 2, "nodes": [
        {"id": "x", "city": {"label": "=cmd|' /C calc'!A0"}, "tags": ["p", "q"], "ok": True,
         "n": -5, "none": None},
        None,
        {"id": "y", "city": None, "buyers": [{"label": "B1"}, {"label": "B2"}]}]}}
    assert first_list(data) is not None
    name, columns, rows = rows_of(data)
    assert name == "a"
    assert columns == ["id", "city.label", "tags", "ok", "n", "none", "buyers.label"]
    assert rows[0]["tags"] == "p; q"
    assert rows[0]["ok"] == "true"
    assert rows[0]["none"] == ""
    assert rows[1] == {}
    assert rows[2]["buyers.label"] == "B1; B2"
    text = "".join(csv_chunks(columns, rows))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["city.label"] == "'=cmd|' /C calc'!A0"  # formula injection neutralised
    assert parsed[0]["n"] == "-5"
    assert rows_of({"labels": ["a", "=b"]})[1:] == (["labels"], [{"labels": "a"},
                                                                  {"labels": "=b"}])
    assert flatten({"x": {"y": {"z": 1}}}) == {"x.y.z": "1"}
    with pytest.raises(NoListError, match="no list"):
        rows_of({"node": {"id": "x"}})
