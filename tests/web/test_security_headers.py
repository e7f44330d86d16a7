"""Security headers on every kind of response, and pages that keep to their
Content-Security-Policy (registry/web/security.py)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.store import Registry
from registry.web.admission import Limits
from registry.web.security import CONTENT_SECURITY_POLICY, GRAPHIQL_POLICY, HEADERS

with warnings.catch_warnings():  # starlette prefers httpx2; which one is installed is not ours
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

HARBOUR_TTL = Path(__file__).parent / "data" / "harbour.ttl"
SYSTEM = "/id/harbour/system/control-room"
SELECT = "SELECT ?s WHERE { ?s a cityreg:Agency } LIMIT 2"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The whole application (GraphQL, pages, SPARQL, dumps, static files) over Harbour City,
    with one SPARQL worker."""
    with Registry.memory() as registry:
        registry.load(HARBOUR_TTL)
        app = create_app(RegistryContext(registry), limits=replace(
            Limits().with_workers(1), max_url_bytes=2048, max_body_bytes=4096))
        with TestClient(app) as test_client:
            yield test_client


def _policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_the_policy_allows_no_inline_script_and_nothing_from_elsewhere() -> None:
    for header in (CONTENT_SECURITY_POLICY, GRAPHIQL_POLICY):
        policy = _policy(header)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert all(value in ("'self'", "'none'", "data:", "'unsafe-inline'")
                   for values in policy.values() for value in values), header
    assert _policy(CONTENT_SECURITY_POLICY)["style-src"] == ["'self'"]
    assert _policy(GRAPHIQL_POLICY)["style-src"] == ["'self'", "'unsafe-inline'"]


#: Every kind of response: (method, path, extra request arguments, expected status).
RESPONSES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/", {}, 200),
    ("GET", "/cities/", {}, 200),
    ("GET", "/cities/harbour", {}, 200),
    ("GET", "/types/sensor", {}, 200),
    ("GET", "/vendors/", {}, 200),
    ("GET", "/vendors", {"follow_redirects": False}, 301),
    ("GET", "/findings", {}, 200),
    ("GET", "/changes", {}, 200),
    ("GET", "/changes.atom", {}, 200),
    ("GET", "/changes", {"params": {"since": "yesterday"}}, 400),
    ("GET", "/ontology", {}, 200),
    ("GET", SYSTEM + ".html", {}, 200),
    ("GET", SYSTEM + ".ttl", {}, 200),
    ("GET", SYSTEM + ".jsonld", {}, 200),
    ("GET", SYSTEM + ".nt", {}, 200),
    ("GET", SYSTEM, {"headers": {"accept": "text/turtle"}, "follow_redirects": False}, 303),
    ("GET", SYSTEM, {"headers": {"accept": "image/png"}}, 406),
    ("GET", "/id/harbour/nothing-here", {"headers": {"accept": "text/html"}}, 404),
    ("GET", "/id/harbour/nothing-here", {"headers": {"accept": "text/turtle"}}, 404),
    ("GET", "/no-such-page", {}, 404),
    ("GET", "/registry.ttl", {}, 200),
    ("GET", "/registry.jsonld", {}, 200),
    ("GET", "/registry.nq", {}, 200),
    ("GET", "/catalog.ttl", {}, 200),
    ("GET", "/sparql", {"headers": {"accept": "text/html"}}, 200),
    ("GET", "/sparql", {"params": {"query": SELECT}}, 200),
    ("POST", "/sparql", {"data": {"query": SELECT}}, 200),
    ("GET", "/sparql", {"params": {"query": "SELECT * WHERE {"}}, 400),
    ("POST", "/sparql", {"content": b"INSERT DATA { <a:b> <a:c> <a:d> }",
                         "headers": {"content-type": "application/sparql-update"}}, 403),
    ("GET", "/graphql", {"headers": {"accept": "text/html"}}, 200),
    ("GET", "/graphql", {"params": {"query": "{ cities { totalCount } }"}}, 200),
    ("POST", "/graphql", {"json": {"query": "{ cities { totalCount } }"}}, 200),
    ("POST", "/graphql", {"json": {"query": "{ cities "},
                          "headers": {"accept": "application/graphql-response+json"}}, 400),
    ("POST", "/graphql", {"content": b"x", "headers": {"content-type": "text/plain"}}, 415),
    ("GET", "/healthz", {}, 200),
    ("GET", "/static/cityreg.css", {}, 200),
    ("GET", "/static/graphiql/start.js", {}, 200),
    ("GET", "/static/vendor/graphiql-3.8.3/graphiql.min.css", {}, 200),
    ("GET", "/static/no-such-file.css", {}, 404),
    ("DELETE", "/registry.ttl", {}, 405),
    ("PUT", "/graphql", {}, 405),
    ("GET", "/id/%01", {}, 400),  # refused by registry/web/security.py
    ("GET", "/", {"headers": {"host": "[::1"}}, 400),  # refused by registry/web/security.py
    ("GET", "/sparql?query=" + "x" * 3000, {}, 414),  # admission (registry/web/admission.py)
    ("POST", "/sparql", {"content": b"x" * 5000,
                         "headers": {"content-type": "application/sparql-query"}}, 413),
]


@pytest.mark.parametrize(("method", "path", "arguments", "status"), RESPONSES,
                         ids=[f"{m} {p[:40]} {s}" for m, p, _a, s in RESPONSES])
def test_every_response_carries_the_security_headers(client: TestClient, method: str,
                                                     path: str, arguments: dict[str, Any],
                                                     status: int) -> None:
    response = client.request(method, path, **arguments)
    assert response.status_code == status, response.text[:300]
    expected = GRAPHIQL_POLICY if urlsplit(path).path == "/graphql" else CONTENT_SECURITY_POLICY
    assert response.headers["content-security-policy"] == expected
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin")


def test_headers_are_not_repeated_or_overridden(client: TestClient) -> None:
    response = client.get("/")
    for name in ("content-security-policy", *HEADERS):
        assert len(response.headers.get_list(name)) == 1, name


class _Page(HTMLParser):
    """What in an HTML page a Content-Security-Policy without 'unsafe-inline' would block, and
    the links to follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocked: list[str] = []
        self.links: list[str] = []
        self.resources: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...> (event handler)")
            if name == "style":
                self.blocked.append(f"<{tag} style=...> (inline style)")
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                    value or "").strip().lower().startswith(("javascript:", "data:")):
                self.blocked.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = "src" not in attributes
            if attributes.get("src"):
                self.resources.append(attributes["src"] or "")
        if tag == "style":
            self.blocked.append("<style> element (inline style)")
        if tag in ("object", "embed", "applet", "iframe", "frame", "base"):
            self.blocked.append(f"<{tag}>")
        if tag == "link" and attributes.get("href"):
            self.resources.append(attributes["href"] or "")
        if tag == "img" and attributes.get("src"):
            self.resources.append(attributes["src"] or "")
        if tag == "form":
            self.resources.append(attributes.get("action") or "")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append(f"inline <script>: {data.strip()[:60]!r}")


def _html_pages(client: TestClient) -> Iterator[tuple[str, str]]:
    """Every HTML page reachable from the home page by internal links, the SPARQL form, the
    GraphiQL page and two 404 pages; by the path they end at (after redirects)."""
    queue = ["/", "/sparql", "/cities/atlantis", "/id/harbour/no-such-entity"]
    seen = set(queue)
    while queue:
        path = queue.pop(0)
        response = client.get(path, headers={"accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        yield urlsplit(str(response.url)).path, response.text
        page = _Page()
        page.feed(response.text)
        for link in page.links:
            target = urlsplit(urljoin("http://testserver" + path, link))
            if target.netloc == "testserver" and target.path not in seen and not (
                    target.path.endswith((".ttl", ".jsonld", ".nt", ".nq"))):
                seen.add(target.path)
                queue.append(target.path)
    yield "/graphql", client.get("/graphql", headers={"accept": "text/html"}).text


def test_no_page_has_what_the_policy_blocks(client: TestClient) -> None:
    pages = dict(_html_pages(client))
    assert {"/", "/findings", "/sparql", "/graphql", "/ontology", "/changes", SYSTEM + ".html",
            "/cities/atlantis", "/id/harbour/no-such-entity"} <= set(pages)
    assert len(pages) > 20  # the crawl reached the entity pages
    blocked = {}
    for path, html in pages.items():
        page = _Page()
        page.feed(html)
        if page.blocked:
            blocked[path] = page.blocked
        for resource in page.resources:  # scripts, styles, images, form targets: this site
            target = urlsplit(urljoin("http://testserver" + path, resource))
            assert target.scheme in ("http", ""), (path, resource)
            assert target.netloc == "testserver", (path, resource)
    assert blocked == {}


def test_the_entity_page_diagram_is_inline_svg_without_styles(client: TestClient) -> None:
    html = client.get(SYSTEM + ".html").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chain-diagram"' in html
    assert " style=" not in html[html.index("<svg"):html.index("</svg>")]
    page = _Page()
    page.feed(html)
    assert page.blocked == []


def test_the_graphiql_page_loads_its_start_script_from_the_site(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"}).text
    assert '<script src="/static/graphiql/start.js"></script>' in page
    assert "<style" not in page
    start = client.get("/static/graphiql/start.js")
    assert start.headers["content-type"].startswith(("text/javascript",
                                                     "application/javascript"))
    assert "GraphiQL.createFetcher" in start.text
