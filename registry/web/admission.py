"""What the public server admits: request size, and how many expensive requests run at once.

A public server meets scrapers and people who want it down. Every request passes here first
(a pure ASGI middleware, outside the application and shared by every served generation):

* a request target (path and query string) longer than :attr:`Limits.max_url_bytes` gets
  ``414 URI Too Long``;
* a request body longer than :attr:`Limits.max_body_bytes` gets ``413 Content Too Large``
  (bodies are read here, up to the limit, before the application sees them);
* each request is of a *kind*: ``sparql`` (a query to ``/sparql``), ``graphql`` (a request to
  ``/graphql`` other than the GraphiQL page), ``dump`` (``/registry.*``, ``/catalog.ttl``, the
  CSV and JSON downloads of the list pages and the search, which hold every row, and the chain
  diagrams' PNGs: see :func:`is_download`) or ``page`` (everything else but ``/healthz`` and
  ``/static/``, the search page included). At most
  :attr:`Limits.per_client` requests of a kind run at once for one client address, and at
  most :attr:`Limits.per_server` for everyone; one more gets ``429 Too Many Requests`` with
  ``Retry-After``, at once (nothing is queued: queued work cannot be bounded).

The client address is the connection's peer (uvicorn's ``--forwarded-allow-ips`` decides
whether a proxy's ``X-Forwarded-For`` replaces it). ``/healthz`` and static files are never
limited: a monitor must always get through.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KINDS = ("sparql", "graphql", "dump", "page")
DUMP_PATHS = frozenset({"/registry.ttl", "/registry.jsonld", "/registry.nq", "/catalog.ttl"})
#: The downloads of registry/web/tables.py and registry/web/search.py: ``<stem>.csv`` and
#: ``<stem>.json`` for these stems, and for ``/cities/<slug>`` and ``/types/<kind>``.
DOWNLOAD_STEMS = frozenset({"/cities", "/vendors", "/findings", "/search"})
DOWNLOAD_FOLDERS = ("/cities/", "/types/")


@dataclass(frozen=True)
class Limits:
    """Every limit of the public server, with the defaults ``cityreg serve`` uses.

    ``max_connections`` open connections at most (uvicorn answers 503 to more: a client that
    opens thousands of idle connections cannot take every file descriptor).

    ``sparql_workers`` query processes answer SPARQL (each a copy of the registry's open
    files, not of its memory); a query runs at most ``sparql_seconds``, returns at most
    ``sparql_rows`` rows or triples, and its worker may use ``sparql_memory_mb`` of data
    memory (0: no cap).
    """

    max_url_bytes: int = 8192
    max_body_bytes: int = 1 << 20
    max_connections: int = 512
    sparql_workers: int = 2
    sparql_seconds: float = 20.0
    sparql_rows: int = 10_000
    sparql_memory_mb: int = 2048
    per_client: dict[str, int] = field(default_factory=lambda: {
        "sparql": 1, "graphql": 4, "dump": 1, "page": 16})
    per_server: dict[str, int] = field(default_factory=lambda: {
        "sparql": 2, "graphql": 16, "dump": 2, "page": 64})
    retry_after: dict[str, int] = field(default_factory=lambda: {
        "sparql": 5, "graphql": 1, "dump": 5, "page": 1})

    def with_workers(self, workers: int) -> Limits:
        """These limits with ``workers`` SPARQL processes (the server-wide SPARQL limit
        follows: a query beyond the workers would only wait)."""
        return replace(self, sparql_workers=workers,
                       per_server={**self.per_server, "sparql": workers})


def request_kind(scope: Scope) -> str | None:
    """The kind of an HTTP request (see the module docstring); ``None``: never limited."""
    path: str = scope.get("path", "")
    if path == "/healthz" or path.startswith("/static/"):
        return None
    if path == "/sparql":
        has_query = scope.get("method") == "POST" or bool(scope.get("query_string"))
        return "sparql" if has_query else "page"
    if path == "/graphql":
        return "graphql"
    if path in DUMP_PATHS or is_download(path):
        return "dump"
    return "page"


def is_download(path: str) -> bool:
    """Whether ``path`` is the CSV or JSON download of a list page or of the search, or a
    chain diagram's PNG (drawing one takes a tenth of a second of CPU)."""
    if path.startswith("/trace/") and path.endswith(".png"):
        return True
    stem, dot, extension = path.rpartition(".")
    if not dot or extension not in ("csv", "json"):
        return False
    if stem in DOWNLOAD_STEMS:
        return True
    folder, _, name = stem.rpartition("/")
    return bool(name) and folder + "/" in DOWNLOAD_FOLDERS


_NAMES = {"sparql": "SPARQL queries", "graphql": "GraphQL requests", "dump": "dump downloads",
          "page": "page requests"}


class Admission:
    """The ASGI middleware that applies :class:`Limits` (see the module docstring)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        """Guard ``app`` with ``limits``."""
        self.app = app
        self.limits = limits
        self.running: Counter[str] = Counter()
        self.by_client: Counter[tuple[str, str]] = Counter()
        self.refused: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what is too large or too many; pass the rest on, counted while it runs."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(
            scope.get("query_string", b""))
        if target > self.limits.max_url_bytes:
            await refuse(send, 414, f"the request target is {target} bytes, more than the "
                          f"limit of {self.limits.max_url_bytes}: send long queries in the body "
                          "of a POST request", scope)
            return
        kind = request_kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        per_client = self.limits.per_client[kind]
        per_server = self.limits.per_server[kind]
        if self.by_client[(kind, client)] >= per_client or self.running[kind] >= per_server:
            self.refused[kind] += 1
            mine = self.by_client[(kind, client)] >= per_client
            who = (f"{per_client} at a time per client address" if mine
                   else f"{per_server} at a time for the whole server")
            retry = self.limits.retry_after[kind]
            await refuse(send, 429, f"too many {_NAMES[kind]} at once: the limit is {who}; "
                          f"retry after {retry} s (Retry-After)", scope,
                          {"retry-after": str(retry)})
            return
        self.running[kind] += 1
        self.by_client[(kind, client)] += 1
        try:
            if scope.get("method") in ("POST", "PUT", "PATCH"):
                body = await _read_body(receive, self.limits.max_body_bytes)
                if body is None:
                    await refuse(send, 413, f"the request body is larger than the limit of "
                                  f"{self.limits.max_body_bytes} bytes: send a shorter query",
                                  scope)
                    return
                receive = _replay(body)
            await self.app(scope, receive, send)
        finally:
            self.running[kind] -= 1
            self.by_client[(kind, client)] -= 1
            if not self.by_client[(kind, client)]:
                del self.by_client[(kind, client)]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or ``None`` once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def refuse(send: Send, status: int, message: str, scope: Scope,
                  headers: dict[str, str] | None = None) -> None:
    """A refusal in the form the client reads: a GraphQL error list on /graphql, plain text
    elsewhere."""
    if scope.get("path") == "/graphql":
        body = json.dumps({"errors": [{"message": message}]}).encode("utf-8")
        media_type = "application/json"
    else:
        body = (message + "\n").encode("utf-8")
        media_type = "text/plain; charset=utf-8"
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
