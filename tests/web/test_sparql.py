"""The read-only SPARQL 1.1 Protocol endpoint: queries, result formats, refused updates."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import uvicorn
from SPARQLWrapper import JSON, SPARQLWrapper
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.server.queries import RegistryQueries
from registry.web.admission import Limits
from registry.web.routes import build_routes

SELECT = """SELECT ?agency ?label WHERE {
  ?agency a cityreg:Agency ; rdfs:label ?label } ORDER BY ?label"""
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


def test_get_select_json(client: Any) -> None:
    response = client.get("/sparql", params={"query": SELECT},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert response.headers["x-sparql-result-cap"] == str(Limits().sparql_rows)
    body = response.json()
    assert body["head"]["vars"] == ["agency", "label"]
    assert [row["label"]["value"] for row in body["results"]["bindings"]] == [
        "Harbour Police", "Harbour Transport Office"]
    assert body["results"]["bindings"][0]["agency"] == {
        "type": "uri", "value": "https://w3id.org/cityreg/id/harbour/agency/police"}


def test_post_form_and_direct_body(client: Any) -> None:
    form = client.post("/sparql", data={"query": SELECT},
                       headers={"Accept": "application/sparql-results+json"})
    direct = client.post("/sparql", content=SELECT.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert form.status_code == direct.status_code == 200
    assert form.json() == direct.json()


def test_xml_csv_tsv(client: Any) -> None:
    xml = client.get("/sparql", params={"query": SELECT},
                     headers={"Accept": "application/sparql-results+xml"})
    root = ET.fromstring(xml.content)
    assert [v.get("name") for v in root.iter(RESULTS_NS + "variable")] == ["agency", "label"]
    assert len(list(root.iter(RESULTS_NS + "result"))) == 2
    table = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows == [["agency", "label"],
                    ["https://w3id.org/cityreg/id/harbour/agency/police", "Harbour Police"],
                    ["https://w3id.org/cityreg/id/harbour/agency/transport",
                     "Harbour Transport Office"]]
    tsv = client.get("/sparql", params={"query": SELECT},
                     headers={"Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines() == [
        "?agency\t?label",
        '<https://w3id.org/cityreg/id/harbour/agency/police>\t"Harbour Police"',
        '<https://w3id.org/cityreg/id/harbour/agency/transport>\t"Harbour Transport Office"']


def test_ask_and_construct(client: Any) -> None:
    ask = client.get("/sparql", params={"query": "ASK { ?s a cityreg:DataFlow }"},
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.json() == {"head": {}, "boolean": True}
    construct = client.get("/sparql", params={
        "query": "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a cityreg:Agency ; rdfs:label ?l }"},
        headers={"Accept": "application/n-triples"})
    assert construct.headers["content-type"].startswith("application/n-triples")
    assert len(construct.text.strip().splitlines()) == 2
    describe = client.get("/sparql", params={
        "query": "DESCRIBE <https://w3id.org/cityreg/id/harbour/agency/police>"},
        headers={"Accept": "text/turtle"})
    assert describe.status_code == 200
    assert "Harbour Police" in describe.text


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "POST", "data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "content": b"DROP ALL",
         "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
    ],
)
def test_updates_are_refused_and_nothing_changes(
        client: Any, harbour: RegistryContext, request_kwargs: dict[str, Any]) -> None:
    before = len(harbour.registry)
    kwargs = dict(request_kwargs)
    response = client.request(kwargs.pop("method"), "/sparql", **kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert len(harbour.registry) == before


def test_bad_requests(client: Any) -> None:
    syntax = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x"})
    assert syntax.status_code == 400
    assert "SPARQL error" in syntax.text
    assert client.get("/sparql", params={"query": ""}).status_code == 400
    not_acceptable = client.get("/sparql", params={"query": SELECT},
                                headers={"Accept": "image/png"})
    assert not_acceptable.status_code == 406
    assert "application/sparql-results+json" in not_acceptable.text
    assert client.post("/sparql", content=b"x", headers={
        "Content-Type": "text/plain"}).status_code == 415


def test_form_without_parameters(client: Any) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert '<form class="sparql" method="get" action="/sparql">' in response.text


def _client_with(harbour: RegistryContext, make_client: Any, **limits: Any) -> Iterator[Any]:
    queries = RegistryQueries(replace(Limits().with_workers(1), **limits), harbour.registry)
    try:
        yield make_client(Starlette(routes=build_routes(harbour, queries)))
    finally:
        queries.close()


def test_result_cap(harbour: RegistryContext, make_client: Any) -> None:
    for client in _client_with(harbour, make_client, sparql_rows=3):
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"})
        assert response.headers["x-sparql-result-cap"] == "3"
        assert response.headers["x-sparql-truncated"] == "true"
        assert len(response.json()["results"]["bindings"]) == 3


def test_timeout(harbour: RegistryContext, make_client: Any) -> None:
    for client in _client_with(harbour, make_client, sparql_seconds=0.0):
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert response.status_code == 503
        assert "ran longer than 0 s and was stopped" in response.text


@pytest.fixture
def server(harbour: RegistryContext) -> Iterator[str]:
    """A real uvicorn server over Harbour City on a free port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(Starlette(routes=build_routes(harbour)), host="127.0.0.1",
                            port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_sparqlwrapper_gets_spec_json(server: str) -> None:
    wrapper = SPARQLWrapper(server + "/sparql")
    wrapper.setQuery(SELECT)
    wrapper.setReturnFormat(JSON)
    result = wrapper.query().convert()
    assert isinstance(result, dict)
    assert result["head"]["vars"] == ["agency", "label"]
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == [
        "Harbour Police", "Harbour Transport Office"]
    json.dumps(result)  # plain JSON all the way down


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets: where a SERVICE clause that
    slipped through would send the registry."""
    import http.server
    import socketserver

    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("text", [
    # the regular expressions read `<?y)SERVICE#>` as an IRI: only a real parse sees SERVICE
    "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?y) FILTER(?x<?y)SERVICE#>\n<URL/hidden>"
    "{ ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c OPTIONAL { sErViCe SILENT <URL/plain> { ?s ?p ?o } } }",
])
def test_a_hidden_service_clause_sends_no_request(client: Any, listener: Any,
                                                  text: str) -> None:
    url, hits = listener
    response = client.get("/sparql", params={"query": text.replace("URL", url)})
    assert response.status_code == 400
    assert "SERVICE" in response.text
    assert hits == []


def test_the_word_service_elsewhere_is_answered(client: Any) -> None:
    response = client.get("/sparql", params={"query": 'ASK { ?s rdfs:label "customer service" }'},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.json() == {"head": {}, "boolean": False}


def test_csv_and_tsv_answers_carry_no_formula(client: Any) -> None:
    """A value a spreadsheet would run (text anyone may have typed into a register) comes out
    with a leading quote; plain numbers stay numbers."""
    query = ('SELECT ?f ?n WHERE { VALUES (?f ?n) { ("=HYPERLINK(\\"http://evil\\",\\"x\\")" -5) '
             '("@SUM(A1)" 3) } }')
    csv_text = client.get("/sparql", params={"query": query},
                          headers={"Accept": "text/csv"}).text
    assert csv_text == ('f,n\r\n"\'=HYPERLINK(""http://evil"",""x"")",-5\r\n'
                        "'@SUM(A1),3\r\n")
    tsv_text = client.get("/sparql", params={"query": query},
                          headers={"Accept": "text/tab-separated-values"}).text
    assert tsv_text == ('?f\t?n\n"\'=HYPERLINK(\\"http://evil\\",\\"x\\")"\t-5\n'
                        '"\'@SUM(A1)"\t3\n')
