"""Hostile HTTP: path traversal, control characters in paths, odd methods on every kind of
route, odd Accept and Host headers, long URLs and large bodies. Each is refused clearly and
changes nothing.

Paths go to the application as raw ASGI requests (http_cases.raw_request), byte for byte as a
server would pass them: an HTTP client would resolve ``..`` and re-encode the rest first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_cases import (
    ENTITY,
    Served,
    assert_refused,
    raw_request,
    served,
    store_is_unchanged,
)

__all__ = ["served", "store_is_unchanged"]  # fixtures

#: What must never be served: the contents of files outside registry/web/static/.
SECRETS = ("[project]", "root:x:0:0", "import ", "def ", "BEGIN", "PRIVATE KEY")

TRAVERSALS = {
    "static-dot-dot": b"/static/../../pyproject.toml",
    "static-dot-dot-to-python": b"/static/../sparql.py",
    "static-vendor-dot-dot": b"/static/vendor/../../web/sparql.py",
    "static-encoded-dots": b"/static/%2e%2e/%2e%2e/pyproject.toml",
    "static-encoded-slashes": b"/static/..%2f..%2f..%2fpyproject.toml",
    "static-encoded-dots-and-slashes": b"/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "static-double-encoded": b"/static/%252e%252e/%252e%252e/pyproject.toml",
    "static-double-encoded-slash": b"/static/..%252f..%252fpyproject.toml",
    "static-backslashes": b"/static/..\\..\\pyproject.toml",
    "static-encoded-backslashes": b"/static/..%5c..%5cpyproject.toml",
    "static-overlong-utf8-dots": b"/static/%c0%ae%c0%ae/%c0%ae%c0%ae/pyproject.toml",
    "static-overlong-utf8-slash": b"/static/..%c0%af..%c0%afpyproject.toml",
    "static-absolute": b"/static//etc/passwd",
    "static-encoded-absolute": b"/static/%2fetc%2fpasswd",
    "static-four-dots": b"/static/....//....//pyproject.toml",
    "static-dot-dot-semicolon": b"/static/..;/..;/pyproject.toml",
    "static-windows-drive": b"/static/C:%5cWindows%5cwin.ini",
    "static-the-folder": b"/static/",
    "static-vendor-folder": b"/static/vendor/",
    "id-dot-dot-etc-passwd": b"/id/../../etc/passwd",
    "id-encoded-dot-dot": b"/id/%2e%2e/%2e%2e/etc/passwd",
    "id-encoded-slashes": b"/id/..%2f..%2fetc%2fpasswd",
    "id-double-encoded": b"/id/%252e%252e%252fetc%252fpasswd",
    "id-backslashes": b"/id/..\\..\\etc\\passwd",
    "id-file-url": b"/id/file:///etc/passwd",
    "cities-dot-dot": b"/cities/..%2f..%2fetc%2fpasswd",
    "types-dot-dot": b"/types/../../etc/passwd",
    "dump-dot-dot": b"/registry.ttl/../../pyproject.toml",
}


@pytest.mark.parametrize("target", TRAVERSALS.values(), ids=TRAVERSALS.keys())
def test_path_traversal_finds_nothing(served: Served, target: bytes) -> None:
    response = raw_request(served.app, "GET", target)
    assert response.status == 404, (response.status, response.text[:300])
    assert any(words in response.text for words in (
        "Not Found", "There is no page", "The registry has no entity")), response.text[:300]
    assert_refused(response.status, response.text, 404)
    for secret in SECRETS:
        assert secret not in response.text


CONTROLS = {
    "nul-in-an-entity-path": (b"/id/%00", "U+0000"),
    "nul-inside-an-entity-path": (b"/id/rio%00/system/operations-centre", "U+0000"),
    "nul-in-a-static-file-name": (b"/static/cityreg.css%00.py", "U+0000"),
    "nul-after-the-home-page": (b"/%00", "U+0000"),
    "nul-in-a-city": (b"/cities/%00", "U+0000"),
    "nul-in-a-kind": (b"/types/%00", "U+0000"),
    "nul-after-graphql": (b"/graphql%00", "U+0000"),
    "nul-after-sparql": (b"/sparql%00?query=SELECT", "U+0000"),
    "nul-after-a-dump": (b"/registry.ttl%00", "U+0000"),
    "crlf-header-injection": (b"/vendors%0d%0aSet-Cookie:%20x=1", "U+000D"),
    "escape-sequence": (b"/id/%1b[31mred", "U+001B"),
    "delete-character": (b"/findings%7f", "U+007F"),
    "bell-in-an-entity": (b"/id/rio/%07", "U+0007"),
    "tab-in-an-entity": (b"/id/rio/system/operations%09centre", "U+0009"),
}


@pytest.mark.parametrize(("target", "character"), CONTROLS.values(), ids=CONTROLS.keys())
def test_control_character_in_the_path_is_400(served: Served, target: bytes,
                                               character: str) -> None:
    response = raw_request(served.app, "GET", target)
    assert_refused(response.status, response.text, 400, "control character", character)
    assert "set-cookie" not in response.headers


#: One path of every kind of route.
ROUTES = {
    "home": "/",
    "entity": ENTITY,
    "entity-page": ENTITY + ".html",
    "entity-turtle": ENTITY + ".ttl",
    "cities": "/cities/",
    "city": "/cities/rio",
    "kind": "/types/sensor",
    "vendors": "/vendors/",
    "findings": "/findings",
    "ontology": "/ontology",
    "sparql": "/sparql",
    "graphql": "/graphql",
    "dump": "/registry.ttl",
    "catalog": "/catalog.ttl",
    "static": "/static/cityreg.css",
    "health": "/healthz",
}
METHODS = ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "PROPFIND", "MKCOL", "CONNECT",
           "BREW"]
#: The routes that take POST (queries); every other answers POST with 405 too.
POSTABLE = {"sparql", "graphql"}


@pytest.mark.parametrize(("method", "route"), [
    (method, route) for method in [*METHODS, "POST"] for route in ROUTES
    if not (method == "POST" and route in POSTABLE)])
def test_odd_method_is_405_with_allow(served: Served, method: str, route: str) -> None:
    response = raw_request(served.app, method, ROUTES[route].encode())
    assert_refused(response.status, response.text, 405, "Method Not Allowed")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert "GET" in allowed
    assert method not in allowed
    assert allowed <= {"GET", "HEAD", "POST"}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PROPFIND"])
def test_odd_method_on_no_route_is_404(served: Served, method: str) -> None:
    response = raw_request(served.app, method, b"/no/such/route")
    assert_refused(response.status, response.text, 404, "Not Found")


ACCEPTS = {
    "image": "image/png",
    "pdf": "application/pdf",
    "everything-at-q-0": "*/*;q=0",
    "html-at-q-0": "text/html;q=0",
    "garbage": ";;;,,,",
    "only-parameters": ";q=1;charset=utf-8",
    "huge": "application/x-" + "b" * 6000,
    "five-hundred-types": ", ".join(f"application/x-{i}" for i in range(500)),
    "control-character": "\x7f\x01",
    "script": "<script>alert(1)</script>",
    "quotes": "\"text/html\"",
    "unicode": "text/htmł",
}


@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
def test_unanswerable_accept_on_an_entity_is_406(served: Served, accept: str) -> None:
    response = raw_request(served.app, "GET", ENTITY.encode(), [
        (b"host", b"testserver"), (b"accept", accept.encode("utf-8"))])
    assert_refused(response.status, response.text, 406, "cannot serve",
                   "available as text/html, text/turtle")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["vary"] == "Accept"


HOSTS = {
    "unclosed-ipv6": [b"[::1"],
    "angle-brackets": [b"<script>"],
    "space": [b"exa mple.org"],
    "quote": [b'x"y'],
    "slash": [b"evil.example/../x"],
    "at-sign": [b"user@evil.example"],
    "two-ports": [b"example.org:80:80"],
    "port-not-a-number": [b"example.org:http"],
    "port-too-long": [b"example.org:123456"],
    "nul": [b"example.org\x00.evil"],
    "turtle-injection": [b'x/> <http://evil/p> "owned" . <http://x'],
    "two-host-headers": [b"example.org", b"evil.example"],
}


@pytest.mark.parametrize("hosts", HOSTS.values(), ids=HOSTS.keys())
@pytest.mark.parametrize("path", [b"/", b"/catalog.ttl",
                                  b"/graphql?query=%7Bcities%7BtotalCount%7D%7D"],
                         ids=["home", "catalog", "graphql"])
def test_malformed_host_header_is_400(served: Served, hosts: list[bytes], path: bytes) -> None:
    response = raw_request(served.app, "GET", path, [(b"host", host) for host in hosts])
    expected = "more than one Host header" if len(hosts) > 1 else "is not a host name"
    assert_refused(response.status, response.text, 400, expected)
    assert not response.headers["content-type"].startswith("text/html")


LONG_URLS = {
    "long-path": "/" + "a" * 9000,
    "long-entity": "/id/" + "b" * 9000,
    "long-static": "/static/" + "c" * 9000,
    "long-sparql-query": "/sparql?query=" + "SELECT%20*%20" * 700,
    "long-graphql-query": "/graphql?query=" + "%7B" * 3000,
    "one-byte-over": "/" + "d" * 8192,
}


@pytest.mark.parametrize("target", LONG_URLS.values(), ids=LONG_URLS.keys())
def test_url_over_8_kib_is_414(served: Served, target: str) -> None:
    """The admission limit (registry/web/admission.py): a request target over 8192 bytes."""
    response = raw_request(served.app, "GET", target.encode())
    assert_refused(response.status, response.text, 414, "more than the limit of 8192")


def test_url_of_exactly_8_kib_is_not_414(served: Served) -> None:
    target = "/" + "e" * 8191
    response = raw_request(served.app, "GET", target.encode())
    assert_refused(response.status, response.text, 404, "Not Found")


@pytest.mark.parametrize(("path", "content_type"), [
    ("/graphql", "application/json"),
    ("/sparql", "application/sparql-query"),
    ("/", "text/plain"),
], ids=["graphql", "sparql", "home"])
def test_body_over_1_mib_is_413(served: Served, path: str, content_type: str) -> None:
    """The admission limit (registry/web/admission.py): a request body over 1 MiB, whatever
    the route; also when it comes in chunks."""
    chunks = [b"z" * (64 << 10)] * 17  # 1.06 MiB

    def body() -> Iterator[bytes]:
        yield from chunks

    response = served.client.post(path, content=body(), headers={"content-type": content_type})
    assert_refused(response.status_code, response.text, 413, "larger than the limit of 1048576")
