"""``cityreg serve --store URL``: the pages, GraphQL and SPARQL of a registry held by an
engine, the engine answering; a load by another process is served without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from running_engines import Engine
from starlette.testclient import TestClient

from registry.remote import parse_location
from registry.resources import seed_dir
from registry.server import generation
from registry.server.generation import Settings
from registry.server.live import LiveServer
from registry.store import Registry
from registry.web.admission import Limits

SETTINGS = Settings("https://w3id.org/cityreg/id/", None, Limits().with_workers(1))
TRACE = """{ whoCanAccess(source: "https://w3id.org/cityreg/id/jakarta/dataset/qlue-reports")
  { complete fullyDisclosed organisations { label grade } } }"""


@pytest.fixture
def live(engine: Engine) -> Iterator[LiveServer]:
    with Registry.connect(engine.url) as registry:
        registry.load(seed_dir())
    location = parse_location(engine.url)
    watcher = Registry.connect(location, ontology=False)
    server = LiveServer(generation.from_engine(location, SETTINGS, 1), folder=engine.url,
                        build=lambda n: generation.from_engine(location, SETTINGS, n),
                        watch=watcher.state_token)
    yield server
    server.stop()
    watcher.close()


def test_graphql_answers_as_on_the_embedded_store(live: LiveServer) -> None:
    from registry.api import GraphQLService
    from registry.context import RegistryContext

    with Registry.memory() as embedded:
        embedded.load(seed_dir())
        expected = GraphQLService(RegistryContext(embedded)).run(TRACE).data
    response = TestClient(live.current.app).post("/graphql", json={"query": TRACE})
    assert response.status_code == 200
    assert response.json()["data"] == expected


def test_sparql_is_answered_by_the_engine(live: LiveServer) -> None:
    query = "SELECT ?city WHERE { ?city a cityreg:City } ORDER BY ?city"
    with Registry.memory() as embedded:
        embedded.load(seed_dir())
        cities = [str(row["city"]) for row in embedded.select(query)]
    client = TestClient(live.current.app)
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.text.splitlines() == ["city", *cities]
    refused = client.post("/sparql", data={"query": "DROP ALL"})
    assert refused.status_code == 403


def test_a_load_by_another_process_is_served_without_a_restart(
        live: LiveServer, engine: Engine, tmp_path: Path) -> None:
    count = live.current.context.registry.count()
    assert live.reload_if_changed() is False
    (tmp_path / "extra.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
    with Registry.connect(engine.url) as writer:
        writer.load(tmp_path / "extra.ttl")
    assert live.reload_if_changed() is True
    assert live.current.number == 2
    assert live.current.context.registry.count() == count + 1
    health = TestClient(live.current.app).get("/healthz").json()
    assert (health["generation"], health["statements"]) == (2, count + 1)


HISTORY = """{ changes(first: 5) { nodes { number entitiesKnown
    entities(first: 500) { totalCount nodes { id label change } } } }
  history(id: "urn:x:a") { complete versions { nodes { change version { number } } } } }"""


def test_the_history_is_served_as_on_the_embedded_store(
        live: LiveServer, engine: Engine, tmp_path: Path) -> None:
    """On an engine the versions page and the API find each version's entities when asked
    (registry.history.ondemand), and say what the walk of a store folder says."""
    (tmp_path / "extra.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
    with Registry.connect(engine.url) as writer:
        writer.load(tmp_path / "extra.ttl")
    assert live.reload_if_changed() is True
    with Registry.open(tmp_path / "store") as folder:
        folder.load(seed_dir())
        folder.load(tmp_path / "extra.ttl")
        from registry.api import GraphQLService
        from registry.context import RegistryContext

        expected = GraphQLService(RegistryContext(folder)).run(HISTORY).data
    client = TestClient(live.current.app)
    response = client.post("/graphql", json={"query": HISTORY})
    assert response.status_code == 200
    assert response.json()["data"] == expected
    versions = expected["changes"]["nodes"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["entities"]["nodes"] == [
        {"id": "urn:x:a", "label": "urn:x:a", "change": "added"}]
    assert versions[1]["entities"]["totalCount"] > 50  # the seed's entities
    assert expected["history"] == {"complete": True, "versions": {"nodes": [
        {"change": "added", "version": {"number": 2}}]}}
    page = client.get("/changes")
    assert page.status_code == 200
    assert "urn:x:a" in page.text
