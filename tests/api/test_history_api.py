"""`history(id:)` and `changes(since:)` over GraphQL, on the issue's case: load the seed,
reload one edited file, import a CSV (three versions); and a registry changed by a SPARQL
update, whose history stops there."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from answers import errors, run
from click.testing import CliRunner

with warnings.catch_warnings():  # starlette 1.10 prefers httpx2, which is not installed
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from registry import cli
from registry.api import GraphQLService
from registry.api.app import create_app
from registry.api.limits import MAX_PAGE_SIZE
from registry.context import RegistryContext
from registry.history.versions import read_versions
from registry.resources import seed_dir
from registry.store import Registry

AMSTERDAM = Path(__file__).parent.parent / "importers" / "data" / "amsterdam"
ADMINISTRATION = "https://w3id.org/cityreg/id/jakarta/agency/city-administration"
SENSOR = "https://w3id.org/cityreg/id/amsterdam/sensor/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DESCRIPTION = ("The administration of Jakarta that runs the Jakarta Smart City programme, "
               "uses the Smart City Lounge and can terminate city workers' employment on the "
               "basis of Qlue {}.")

HISTORY = """query($id: ID!) { history(id: $id) {
    id label complete notKnownBefore entity { kind }
    firstSeen { number agent command } lastChanged { number agent }
    versions { totalCount nodes { change version { number }
        fields { property label removed added } } } } }"""


def _cli(*args: str) -> None:
    result = CliRunner().invoke(cli.main, list(args), prog_name="cityreg")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def three_versions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphQLService]:
    """The API over a store with three versions: the seed; jakarta.ttl edited and reloaded by
    the Jakarta office; Amsterdam's sensor register imported by the officer."""
    folder = tmp_path_factory.mktemp("three-versions")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        shutil.copytree(seed_dir(), "seed")
        patch.setenv("CITYREG_AGENT", "Registry team")
        _cli("load", "seed", "--store", "reg")
        jakarta = Path("seed/jakarta.ttl")
        jakarta.write_text(jakarta.read_text().replace("basis of Qlue feedback",
                                                       "basis of Qlue app ratings", 1))
        patch.setenv("CITYREG_AGENT", "Jakarta office")
        _cli("load", "seed", "--store", "reg")
        patch.setenv("CITYREG_AGENT", "officer")
        _cli("import", "csv", str(AMSTERDAM / "Sensorregistratie.csv"),
             str(AMSTERDAM / "Uw gegevens.csv"), "--city", "amsterdam", "--store", "reg")
        with Registry.open(folder / "reg") as registry:
            yield GraphQLService(RegistryContext(registry))


def _times(service: GraphQLService) -> list[str]:
    return [version.time.isoformat() for version in read_versions(service.context.registry)]


def test_history_of_an_edited_entity(three_versions: GraphQLService) -> None:
    data = run(three_versions, HISTORY, id=ADMINISTRATION)
    assert data["history"] == {
        "id": ADMINISTRATION, "label": "Jakarta city administration", "complete": True,
        "notKnownBefore": None, "entity": {"kind": "Agency"},
        "firstSeen": {"number": 1, "agent": "Registry team", "command": "cityreg load"},
        "lastChanged": {"number": 2, "agent": "Jakarta office"},
        "versions": {"totalCount": 2, "nodes": [
            {"change": "changed", "version": {"number": 2}, "fields": [{
                "property": "http://purl.org/dc/terms/description", "label": "description",
                "removed": [DESCRIPTION.format("feedback")],
                "added": [DESCRIPTION.format("app ratings")]}]},
            {"change": "added", "version": {"number": 1}, "fields": []}]}}


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_history_over_http(three_versions: GraphQLService) -> None:
    app = create_app(three_versions.context, service=three_versions)
    with TestClient(app) as client:
        response = client.post("/graphql", json={"query": HISTORY,
                                                 "variables": {"id": ADMINISTRATION}})
        assert response.status_code == 200
        answer = response.json()
    assert answer["data"] == run(three_versions, HISTORY, id=ADMINISTRATION)
    assert [v["version"]["number"] for v in answer["data"]["history"]["versions"]["nodes"]] == [
        2, 1]


def test_history_takes_a_label_and_is_null_for_what_no_version_touched(
        three_versions: GraphQLService) -> None:
    data = run(three_versions, HISTORY, id="Jakarta city administration")
    assert data["history"]["id"] == ADMINISTRATION
    assert run(three_versions, HISTORY, id="urn:x:nothing") == {"history": None}


def test_changes_since_a_time_between_the_first_and_second_version(
        three_versions: GraphQLService) -> None:
    first, second, third = _times(three_versions)
    assert first < second < third
    data = run(three_versions, """query($since: DateTime) { changes(since: $since) {
        totalCount complete notKnownBefore nodes { number time agent command
        files { iri sha256 } statementsAdded statementsRemoved statementsRecorded
        entitiesKnown entities { totalCount } } } }""", since=first)
    changes = data["changes"]
    assert (changes["totalCount"], changes["complete"], changes["notKnownBefore"]) == (
        2, True, None)
    imported, edited = changes["nodes"]
    assert [(v["number"], v["time"], v["agent"], v["command"]) for v in changes["nodes"]] == [
        (3, third, "officer", "cityreg import"), (2, second, "Jakarta office", "cityreg load")]
    assert [(v["statementsAdded"], v["statementsRemoved"], v["statementsRecorded"],
             v["entitiesKnown"]) for v in changes["nodes"]] == [
        (121, 0, True, True), (1, 1, True, True)]
    assert sorted(f["iri"].rsplit("/", 1)[1] for f in imported["files"]) == [
        "Sensorregistratie.csv", "Uw%20gegevens.csv"]
    assert all(len(f["sha256"]) == 64 for f in imported["files"])
    assert [f["iri"].rsplit("/", 2)[1:] for f in edited["files"]] == [["seed", "jakarta.ttl"]]
    assert edited["entities"] == {"totalCount": 1}
    every = run(three_versions, "{ changes { totalCount nodes { number } } }")["changes"]
    assert every == {"totalCount": 3, "nodes": [{"number": 3}, {"number": 2}, {"number": 1}]}
    later = run(three_versions, "query($s: DateTime) { changes(since: $s) { totalCount } }",
                s=third)
    assert later == {"changes": {"totalCount": 0}}
    # A date is its start; a time without offset is UTC.
    assert run(three_versions, '{ changes(since: "2000-01-01") { totalCount } }') == {
        "changes": {"totalCount": 3}}
    naive = run(three_versions, "query($s: DateTime) { changes(since: $s) { totalCount } }",
                s=first.removesuffix("+00:00"))
    assert naive == {"changes": {"totalCount": 2}}


def test_the_entities_of_a_version(three_versions: GraphQLService) -> None:
    data = run(three_versions, """{ changes(first: 2) { nodes { number
        entities(first: 500) { totalCount nodes { id label change fields { label }
        entity { kind } } } } } }""")
    imported, edited = data["changes"]["nodes"]
    assert edited["entities"]["nodes"] == [{
        "id": ADMINISTRATION, "label": "Jakarta city administration", "change": "changed",
        "fields": [{"label": "description"}], "entity": {"kind": "Agency"}}]
    added = imported["entities"]
    assert added["totalCount"] == 24  # the import only added: 4 sensors and what they name
    assert {(e["change"], len(e["fields"])) for e in added["nodes"]} == {("added", 0)}
    kinds = sorted(e["entity"]["kind"] for e in added["nodes"])
    assert {kind: kinds.count(kind) for kind in kinds} == {
        "Deployment": 4, "ObservableProperty": 4, "OtherEntity": 4, "OtherOrganisation": 1,
        "Programme": 3, "Purpose": 4, "Sensor": 4}
    sensors = [e for e in added["nodes"] if e["entity"]["kind"] == "Sensor"]
    assert [e["id"].removeprefix(SENSOR) for e in sensors] == [
        "7079-2296", "7079-2297", "TEST-0001", "TEST-0002"]
    some = sensors[0]["id"]
    history = run(three_versions, HISTORY, id=some)["history"]
    assert [(v["version"]["number"], v["change"]) for v in history["versions"]["nodes"]] == [
        (3, "added")]
    assert (history["firstSeen"]["number"], history["lastChanged"]["number"]) == (3, 3)


def test_versions_page_with_cursors(three_versions: GraphQLService) -> None:
    query = """query($after: String) { changes(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { number } } }"""
    first = run(three_versions, query)["changes"]
    assert ([v["number"] for v in first["nodes"]], first["pageInfo"]["hasNextPage"]) == (
        [3, 2], True)
    rest = run(three_versions, query, after=first["pageInfo"]["endCursor"])["changes"]
    assert ([v["number"] for v in rest["nodes"]], rest["pageInfo"]["hasNextPage"]) == (
        [1], False)


@pytest.mark.parametrize("query", [
    f"{{ changes(first: {MAX_PAGE_SIZE + 1}) {{ nodes {{ number }} }} }}",
    f"{{ changes {{ nodes {{ entities(first: {MAX_PAGE_SIZE + 1}) {{ totalCount }} }} }} }}",
    f'{{ history(id: "{ADMINISTRATION}") {{ versions(first: {MAX_PAGE_SIZE + 1}) '
    "{ totalCount } } }",
])
def test_a_page_larger_than_the_cap_is_refused(three_versions: GraphQLService,
                                               query: str) -> None:
    [message] = errors(three_versions, query)
    assert message.startswith(f"first: {MAX_PAGE_SIZE + 1} on `")
    assert f"exceeds the page-size cap of {MAX_PAGE_SIZE}" in message


def test_nested_pages_of_versions_and_entities_are_costed(
        three_versions: GraphQLService) -> None:
    query = """{ changes(first: 500) { nodes { entities(first: 500) { nodes {
        id label change } } } } }"""
    [message] = errors(three_versions, query)
    assert message.startswith("query cost ")
    assert "exceeds the limit of 50000" in message


def _seed_then_update() -> Registry:
    registry = Registry.memory()
    registry.load(seed_dir())
    registry.update('INSERT DATA { GRAPH <https://example.org/g> { '
                    '<https://example.org/a> <https://example.org/b> "c" } }')
    return registry


def test_a_sparql_update_stops_the_history() -> None:
    with _seed_then_update() as registry:
        service = GraphQLService(RegistryContext(registry))
        data: Any = run(service, HISTORY, id=ADMINISTRATION)
        assert data["history"] == {
            "id": ADMINISTRATION, "label": "Jakarta city administration", "complete": False,
            "notKnownBefore": 2, "entity": {"kind": "Agency"}, "firstSeen": None,
            "lastChanged": None, "versions": {"totalCount": 0, "nodes": []}}
        data = run(service, """{ changes { complete notKnownBefore nodes { number
            statementsRecorded statementsAdded statementsRemoved entitiesKnown
            entities { totalCount } } } }""")
        assert data["changes"] == {"complete": False, "notKnownBefore": 2, "nodes": [
            {"number": 2, "statementsRecorded": False, "statementsAdded": None,
             "statementsRemoved": None, "entitiesKnown": False, "entities": {"totalCount": 0}},
            {"number": 1, "statementsRecorded": True, "statementsAdded": 2439,
             "statementsRemoved": 0, "entitiesKnown": False, "entities": {"totalCount": 0}}]}


def test_changes_after_the_update_are_complete() -> None:
    with _seed_then_update() as registry:
        update = read_versions(registry)[-1]
        registry.load_quads("https://example.org/h", [ox.Triple(
            ox.NamedNode("https://example.org/d"), RDFS_LABEL, ox.Literal("D"))],
            {"source": "https://example.org/h.csv", "format": "text/csv"})
        service = GraphQLService(RegistryContext(registry))
        since = update.time.isoformat()
        data = run(service, "query($s: DateTime) { changes(since: $s) { complete "
                   "notKnownBefore nodes { number } } }", s=since)
        assert data["changes"] == {"complete": True, "notKnownBefore": None,
                                   "nodes": [{"number": 3}]}
        # An entity no version after the update touched may be older than the update: its
        # history is empty and incomplete, not null.
        assert run(service, HISTORY, id="urn:x:nothing")["history"]["versions"] == {
            "totalCount": 0, "nodes": []}
