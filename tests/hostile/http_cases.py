"""Shared by the HTTP, GraphQL and SPARQL-protocol halves of the hostile-input corpus.

The whole application (:func:`registry.api.app.create_app`: GraphQL, pages, SPARQL, dumps,
static files, the admission limits and the security middleware) over the built-in seed, with
one SPARQL worker, driven by Starlette's TestClient or, where a client would tidy the request
up (``..`` in paths, odd ``Host`` headers), by raw ASGI messages.

Every case asserts a clear refusal (:func:`assert_refused`: the status, a message naming the
problem, no traceback or Python exception text) and, through the autouse fixture
:func:`store_is_unchanged`, that every statement of the store is as it was (their number and a
SHA-256 of all quads, sorted). Import both fixtures into each test module (and name them in
its ``__all__``, so that the import reads as used)::

    from http_cases import served, store_is_unchanged
    __all__ = ["served", "store_is_unchanged"]
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import anyio
import pytest
from starlette.applications import Starlette

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry
from registry.web.admission import Limits

with warnings.catch_warnings():  # starlette prefers httpx2; which one is installed is not ours
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: An entity of the seed with a page, a diagram and RDF descriptions.
ENTITY = "/id/rio/system/operations-centre"
ENTITY_IRI = "https://w3id.org/cityreg/id/rio/system/operations-centre"
#: The default admission limits (registry/web/admission.py) the corpus is written against.
LIMITS = Limits().with_workers(1)

#: What must never be in an answer: a traceback, or the name of a Python exception.
_LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"
    r"|\b(?:Key|Value|Type|Attribute|Recursion|Index|Name|Assertion|Runtime|Import|Lookup"
    r"|Unicode(?:Decode|Encode)?|ZeroDivision|Overflow|Memory|NotImplemented|OS|Query"
    r"|Store|Input|Parse)Error\b|\bException\b|Internal Server Error|this is a bug in cityreg")


@dataclass
class Served:
    """The application under attack, its client and its store."""

    app: Starlette
    client: TestClient
    registry: Registry


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """The application over the seed (built once per test module)."""
    with Registry.memory() as registry:
        registry.load(seed_dir())
        app = create_app(RegistryContext(registry), limits=LIMITS)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Served(app, client, registry)


def fingerprint(registry: Registry) -> tuple[int, str]:
    """The number of quads in the store and a SHA-256 of all of them, sorted."""
    quads = sorted(str(quad) for quad in registry.store.quads_for_pattern(None, None, None, None))
    digest = hashlib.sha256("\n".join(quads).encode("utf-8", "surrogatepass")).hexdigest()
    return len(quads), digest


@pytest.fixture(autouse=True)
def store_is_unchanged(served: Served) -> Iterator[None]:
    """Every case leaves every statement of the store as it was."""
    before = fingerprint(served.registry)
    yield
    assert fingerprint(served.registry) == before, "the store changed"


def assert_no_leak(body: str) -> None:
    """No traceback and no Python exception text in ``body``."""
    leak = _LEAKS.search(body)
    assert leak is None, f"the answer leaks {leak.group()!r}: {body[:300]!r}"


def assert_refused(status: int, body: str, expected_status: int, *words: str) -> None:
    """A clear refusal: ``expected_status``, each of ``words`` (case-insensitive) in the body,
    and nothing of Python's in it."""
    assert status == expected_status, f"{status} instead of {expected_status}: {body[:300]!r}"
    for word in words:
        assert word.lower() in body.lower(), f"{word!r} is not in {body[:300]!r}"
    assert_no_leak(body)


@dataclass
class RawResponse:
    """What an application sent back to a raw ASGI request."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body, decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


def raw_request(app: Starlette, method: str, target: bytes,
                headers: Sequence[tuple[bytes, bytes]] = ((b"host", b"testserver"),),
                body: bytes = b"") -> RawResponse:
    """Send ``method target`` to ``app`` as an HTTP server would, byte for byte: the path is
    neither normalised nor re-encoded (``raw_path`` is ``target``'s path, ``path`` its
    percent-decoding, as uvicorn does)."""
    path, _, query = target.partition(b"?")
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "method": method, "scheme": "http",
        "path": unquote_to_bytes(path).decode("utf-8", errors="surrogateescape"),
        "raw_path": path, "query_string": query, "root_path": "", "headers": list(headers),
        "client": ("127.0.0.1", 40000), "server": ("testserver", 80), "state": {},
    }
    messages: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async def call() -> None:
        with contextlib.suppress(Exception):  # Starlette re-raises after it has sent its 500
            await app(scope, receive, send)

    anyio.run(call)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return RawResponse(
        start["status"],
        {bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1")
         for k, v in start.get("headers", ())},
        b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body"))
