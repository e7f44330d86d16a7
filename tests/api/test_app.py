"""The starlette app: GraphQL over HTTP, GraphiQL, /healthz and the request limits."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette 1.10 prefers httpx2, which is not installed
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from registry.api.app import GRAPHIQL_ASSETS, create_app
from registry.api.limits import MAX_PAGE_SIZE
from registry.context import RegistryContext
from registry.store import Registry
from tests.api.conftest import TESTVILLE

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
VENDOR = REGISTRY / "web" / "static" / "vendor"

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        yield TestClient(create_app(RegistryContext(registry)))


def test_post_and_get_queries(client: TestClient) -> None:
    query = "{ cities { nodes { label } } }"
    posted = client.post("/graphql", json={"query": query})
    assert posted.status_code == 200
    assert posted.headers["content-type"].startswith("application/json")
    assert posted.json() == {"data": {"cities": {"nodes": [{"label": "Testville"}]}}}
    got = client.get("/graphql", params={"query": query},
                     headers={"accept": GRAPHQL_RESPONSE})
    assert got.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert got.json() == posted.json()


def test_variables_and_operation_name(client: TestClient) -> None:
    body = {"query": "query A($id: ID!) { node(id: $id) { label } } query B { cities "
            "{ totalCount } }", "variables": {"id": "https://w3id.org/cityreg/id/testville/"
                                                  "council"}, "operationName": "A"}
    assert client.post("/graphql", json=body).json() == {
        "data": {"node": {"label": "Testville Council"}}}


def test_request_errors_are_graphql_errors(client: TestClient) -> None:
    broken = client.post("/graphql", content=b"{not json", headers={
        "content-type": "application/json", "accept": GRAPHQL_RESPONSE})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"].startswith("the body is not JSON")
    syntax = client.post("/graphql", json={"query": "{ cities "},
                         headers={"accept": GRAPHQL_RESPONSE})
    assert syntax.status_code == 400
    assert "Syntax Error" in syntax.json()["errors"][0]["message"]
    assert client.post("/graphql", json={"query": "{ cities "}).status_code == 200
    form = client.post("/graphql", content=b"query=x",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    mutation = client.get("/graphql", params={"query": "mutation { x }"})
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"


def test_deep_query_is_refused(client: TestClient) -> None:
    deep = "{ cities { nodes { " + "sources { " * 20 + "id" + " }" * 20 + " } } }"
    answer = client.post("/graphql", json={"query": deep}, headers={"accept": GRAPHQL_RESPONSE})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == (
        "query depth 23 exceeds the limit of 12 nested selections; ask for the ids of deeper "
        "entities and query them with `node(id:)` in a second request")
    fragment = ("query { cities { nodes { ...Deep } } } fragment Deep on City { "
                + "sources { " * 11 + "id" + " }" * 11 + " }")
    assert "query depth 14 exceeds" in client.post("/graphql", json={"query": fragment}).json()[
        "errors"][0]["message"]
    introspection = "{ __schema { types { name fields { name type { name ofType { name "
    introspection += "ofType { name ofType { name ofType { name } } } } } } } } }"
    assert "errors" not in client.post("/graphql", json={"query": introspection}).json()


def test_huge_page_and_costly_queries_are_refused(client: TestClient) -> None:
    huge = client.post("/graphql", json={"query": "{ sensors(first: 1000000) { totalCount } }"})
    assert huge.status_code == 200
    assert huge.json()["errors"][0]["message"] == (
        f"first: 1000000 on `sensors` exceeds the page-size cap of {MAX_PAGE_SIZE}; ask for "
        f"at most {MAX_PAGE_SIZE} items and page on with `after`")
    via_variable = client.post("/graphql", json={
        "query": "query($n: Int) { sensors(first: $n) { totalCount } }",
        "variables": {"n": 10**6}})
    assert "page-size cap" in via_variable.json()["errors"][0]["message"]
    costly = "{ " + " ".join(f"s{i}: sensors(first: 500) {{ nodes {{ id label }} }}"
                             for i in range(40)) + " }"
    refused = client.post("/graphql", json={"query": costly}).json()
    assert refused["errors"][0]["message"].startswith("query cost ")
    assert refused["errors"][0]["message"] == (
        "query cost 60040 exceeds the limit of 50000 (each field counts once per item of the "
        "lists it is nested in, by their `first`); ask for smaller pages or fewer nested lists")


def test_graphiql_page_and_health(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql.min.js" in page.text
    assert '<script src="/static/graphiql/start.js"></script>' in page.text
    assert "GraphiQL.createFetcher" in client.get("/static/graphiql/start.js").text
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["statements"] == 217
    assert json.dumps(health["version"])


def test_graphiql_assets_are_served_by_the_app_itself(client: TestClient) -> None:
    """The page names no third-party host; every asset it loads is served here, byte for byte
    the file whose hash registry/web/static/vendor/README.md records."""
    page = client.get("/graphql", headers={"accept": "text/html"}).text
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []
    named = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    vendored = [asset for asset in named if asset.startswith("/static/vendor/")]
    assert vendored == list(GRAPHIQL_ASSETS)
    # cityreg's own start script and stylesheet (no inline script: the CSP forbids it)
    assert sorted(set(named) - set(vendored)) == ["/static/graphiql/page.css",
                                                  "/static/graphiql/start.js"]
    for own in set(named) - set(vendored):
        assert client.get(own).status_code == 200, own
    recorded = dict(line.split("  ")[::-1] for line in re.findall(
        r"^[0-9a-f]{64}  \S+$", (VENDOR / "README.md").read_text(encoding="utf-8"), re.M))
    for asset in vendored:
        served = client.get(asset)
        assert served.status_code == 200, asset
        relative = asset.removeprefix("/static/vendor/")
        assert hashlib.sha256(served.content).hexdigest() == recorded[relative], asset


def test_no_page_or_template_loads_from_a_third_party_host() -> None:
    """Pages must work offline: no script, stylesheet, image or font from another host, in
    any template, static file or module (the vendored stylesheets included; the vendored
    scripts' texts only name documentation links, which they never load)."""
    offenders = []
    for path in sorted(REGISTRY.rglob("*")):
        if path.suffix not in {".py", ".html", ".css", ".js", ".svg"} or (
                "vendor" in path.parts and path.suffix != ".css"):
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(REGISTRY)}: {m}" for m in re.findall(
            r'(?:<script[^>]*\ssrc|<link[^>]*\shref|<img[^>]*\ssrc)="(?:https?:)?//[^"]+"'
            r'|@import\s+url\((?:https?:)?//[^)]+\)|url\((?:https?:)?//[^)]+\)', text)]
    assert offenders == []


def test_slow_request_is_answered_with_a_timeout_error(client: TestClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("registry.api.limits.TIMEOUT_SECONDS", 0.0)
    answer = client.post("/graphql", json={"query": "{ cities { totalCount } }"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == [
        "the query took longer than 0 s and was stopped; ask for fewer items, smaller pages or "
        "a shallower trace (maxDepth, maxPaths)"]


def test_the_app_validates_before_it_builds_the_read_model(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A full validation's working memory is its largest: the app runs it before holding the
    read model and the access graph, so that the three do not add up at the peak."""
    from registry.api import service as service_module
    from registry.flows import AccessGraph

    seen: list[tuple[str, bool]] = []
    build_model = service_module.ReadModel.from_registry.__func__  # type: ignore[attr-defined]
    build_graph = AccessGraph.from_registry.__func__  # type: ignore[attr-defined]

    def model(cls: type, registry: Registry) -> object:
        seen.append(("read model", "validation" in context.__dict__))
        return build_model(cls, registry)

    def graph(cls: type, registry: Registry) -> object:
        seen.append(("access graph", "validation" in context.__dict__))
        return build_graph(cls, registry)

    monkeypatch.setattr(service_module.ReadModel, "from_registry", classmethod(model))
    monkeypatch.setattr(AccessGraph, "from_registry", classmethod(graph))
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        context = RegistryContext(registry)
        app = create_app(context)
    assert seen == [("read model", True), ("access graph", True)]
    assert app.state.context.validation.findings  # computed once, and kept
