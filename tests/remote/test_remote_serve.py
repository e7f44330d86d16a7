"""``cityreg serve --store URL``: the pages, GraphQL and SPARQL of a registry held by an
engine, the engine answering; a load by another process is served without a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from running_engines import Engine
from starlette.testclient import TestClient

from registry.remote import parse_location
from registry.resources import seed_dir
from registry.server import generation
from registry.server.firstrun import FirstRun
from registry.server.generation import Settings
from registry.server.live import LiveServer
from registry.store import Registry
from registry.web.admission import Limits

AS_OF = date(2026, 12, 1)
SETTINGS = Settings("https://w3id.org/cityreg/id/", None, Limits().with_workers(1))
TRACE = """{ whoCanAccess(source: "https://w3id.org/cityreg/id/jakarta/dataset/qlue-reports")
  { complete fullyDisclosed organisations { label grade } } }"""


def _started(engine: Engine) -> tuple[LiveServer, Registry, FirstRun]:
    """A server over the engine, as `cityreg serve --store URL` starts one; the registry
    that watches the engine; its first generation's first run."""
    location = parse_location(engine.url)
    watcher = Registry.connect(location, ontology=False)
    first = generation.from_engine(location, SETTINGS, 1)
    server = LiveServer(first, folder=engine.url,
                        build=lambda n: generation.from_engine(location, SETTINGS, n),
                        watch=watcher.state_token)
    first_run = first.context.first_run
    assert first_run is not None
    return server, watcher, first_run


@pytest.fixture
def live(engine: Engine) -> Iterator[LiveServer]:
    with Registry.connect(engine.url) as registry:
        registry.load(seed_dir())
    server, watcher, first_run = _started(engine)
    assert first_run.wait(300)  # the tests below ask once the first start has its findings
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


FINDINGS = "{ findings(first: 5) { totalCount } }"
VENDORS = "{ vendorConcentration { label } }"
QLUE_PAGE = "/id/jakarta/dataset/qlue-reports"


@pytest.fixture
def held_first_run(engine: Engine, monkeypatch: pytest.MonkeyPatch
                   ) -> Iterator[tuple[threading.Event, list[BaseException]]]:
    """The seed on the engine, and the first start's validation held until the test sets
    the event (then it runs, or raises what the test put in the list)."""
    from registry import stored

    with Registry.connect(engine.url) as remote:
        remote.load(seed_dir())
    go, failure = threading.Event(), []
    real = stored.served_validation

    def held(*args: Any, **kwargs: Any) -> Any:
        assert go.wait(300)
        if failure:
            raise failure[0]
        return real(*args, **kwargs)

    monkeypatch.setattr(stored, "served_validation", held)
    yield go, failure
    go.set()


def test_a_first_start_is_served_before_its_findings_and_says_they_are_not_ready(
        engine: Engine, held_first_run: tuple[threading.Event, list[BaseException]]) -> None:
    """The first generation over an engine answers traces and pages at once; its findings
    and vendor concentration are "not ready" (a GraphQL error, a 503 with Retry-After, a
    line on the entity page), never empty, until its run ends; then they are served."""
    from registry.api import GraphQLService
    from registry.context import RegistryContext

    go, _ = held_first_run
    settings = Settings("https://w3id.org/cityreg/id/", AS_OF, Limits().with_workers(1))
    served = generation.from_engine(parse_location(engine.url), settings, 1)
    try:
        client = TestClient(served.app)
        with Registry.memory() as embedded:
            embedded.load(seed_dir())
            expected = GraphQLService(RegistryContext(embedded, as_of=AS_OF))
            trace = expected.run(TRACE).data
            total = expected.run(FINDINGS).data
        assert client.post("/graphql", json={"query": TRACE}).json()["data"] == trace

        for query, what in ((FINDINGS, "the legal findings"),
                            (VENDORS, "the vendor concentration")):
            answer = client.post("/graphql", json={"query": query}).json()
            assert answer["data"] is None
            [error] = answer["errors"]
            assert error["message"].startswith(
                f"the server's first start is still computing {what} (")
        page = client.get(QLUE_PAGE, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "Not shown yet: the server&#39;s first start is still computing the legal " \
            "findings" in page.text
        assert "No findings on this entity" not in page.text
        dashboard = client.get("/findings", headers={"Accept": "text/html"})
        assert (dashboard.status_code, dashboard.headers["Retry-After"]) == (503, "30")
        assert "Not ready yet" in dashboard.text
        health = client.get("/healthz").json()["validation"]
        assert (health["state"], health["served"]) == (
            "validating", "none yet: the server's first validation of the registry")

        go.set()
        first_run = served.context.first_run
        assert first_run is not None
        assert first_run.wait(300)
        assert client.post("/graphql", json={"query": FINDINGS}).json()["data"] == total
        assert total["findings"]["totalCount"] > 0
        assert client.get("/findings").status_code == 200
        assert "No findings on this entity" not in client.get(QLUE_PAGE).text
        assert client.get("/healthz").json()["validation"]["state"] == "idle"
    finally:
        served.close()


def test_a_first_run_that_fails_is_said_and_the_rest_is_still_served(
        engine: Engine, held_first_run: tuple[threading.Event, list[BaseException]]) -> None:
    go, failure = held_first_run
    failure.append(RuntimeError("the engine went away"))
    served = generation.from_engine(parse_location(engine.url), SETTINGS, 1)
    try:
        go.set()
        first_run = served.context.first_run
        assert first_run is not None
        assert first_run.wait(300)
        client = TestClient(served.app)
        [error] = client.post("/graphql", json={"query": FINDINGS}).json()["errors"]
        assert error["message"].startswith(
            "the legal findings could not be computed: the server's first run failed "
            "(RuntimeError: the engine went away)")
        assert client.post("/graphql", json={"query": TRACE}).json()["data"][
            "whoCanAccess"]["organisations"]
    finally:
        served.close()


def test_a_load_during_the_first_run_is_served_once_it_ends(
        engine: Engine, held_first_run: tuple[threading.Event, list[BaseException]],
        tmp_path: Path) -> None:
    """A second validation beside the first start's would write the same kept findings: the
    change waits for the first run, then is served."""
    go, _ = held_first_run
    server, watcher, first_run = _started(engine)
    try:
        (tmp_path / "extra.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
        with Registry.connect(engine.url) as writer:
            writer.load(tmp_path / "extra.ttl")
        assert server.reload_if_changed() is False
        assert server.current.number == 1
        go.set()
        assert first_run.wait(300)
        assert server.reload_if_changed() is True
        assert server.current.number == 2
    finally:
        server.stop()
        watcher.close()
