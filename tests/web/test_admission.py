"""The admission limits: request size, and how many expensive requests run at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from registry.web.admission import Admission, Limits, Message, Receive, Scope, Send, request_kind


class Gate:
    """An application whose requests wait until the test opens the gate."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive() if scope["method"] == "POST" else {"body": b""}
        self.bodies.append(message.get("body", b""))
        if scope["path"] != "/healthz":
            await self.open.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _scope(path: str, *, method: str = "GET", query: bytes = b"", client: str = "10.0.0.1",
           headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": query, "client": (client, 5000), "headers": headers or []}


async def _call(app: Any, scope: Scope, body: bytes = b"", chunks: int = 1
                ) -> tuple[int, dict[str, str], bytes]:
    size = max(1, len(body) // chunks) if body else 1
    parts = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
    queue: list[Message] = [{"type": "http.request", "body": part,
                             "more_body": n < len(parts) - 1} for n, part in enumerate(parts)]

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(("path", "method", "query", "kind"), [
    ("/sparql", "GET", b"query=ASK%7B%7D", "sparql"),
    ("/sparql", "POST", b"", "sparql"),
    ("/sparql", "GET", b"", "page"),  # the form
    ("/graphql", "POST", b"", "graphql"),
    ("/registry.ttl", "GET", b"", "dump"),
    ("/catalog.ttl", "GET", b"", "dump"),
    ("/id/jakarta/company/ibm.html", "GET", b"", "page"),
    ("/trace/london/sensor/underground-wifi", "GET", b"", "page"),
    ("/trace/london/sensor/underground-wifi.svg", "GET", b"", "page"),
    ("/trace/london/sensor/underground-wifi.png", "GET", b"", "dump"),  # a tenth of a second
    ("/types/sensor.csv", "GET", b"", "dump"),
    ("/search", "GET", b"q=IBM", "page"),
    ("/search.json", "GET", b"q=IBM", "dump"),
    ("/healthz", "GET", b"", None),
    ("/static/style.css", "GET", b"", None),
])
def test_request_kinds(path: str, method: str, query: bytes, kind: str | None) -> None:
    assert request_kind(_scope(path, method=method, query=query)) == kind


def test_a_long_request_target_is_414() -> None:
    app = Admission(Gate(), Limits(max_url_bytes=100))
    status, _, body = asyncio.run(_call(app, _scope("/sparql", query=b"query=" + b"x" * 95)))
    assert status == 414
    assert body == (b"the request target is 108 bytes, more than the limit of 100: send long "
                    b"queries in the body of a POST request\n")


@pytest.mark.parametrize("chunks", [1, 7])
def test_a_large_body_is_413_however_it_is_sent(chunks: int) -> None:
    gate = Gate()
    gate.open.set()
    app = Admission(gate, Limits(max_body_bytes=1000))
    status, _, body = asyncio.run(_call(app, _scope("/graphql", method="POST"),
                                              b"x" * 1001, chunks))
    assert status == 413
    assert json.loads(body) == {"errors": [{"message": "the request body is larger than the "
                                            "limit of 1000 bytes: send a shorter query"}]}
    assert gate.bodies == []  # the application never saw it
    assert (asyncio.run(_call(app, _scope("/graphql", method="POST"), b"y" * 1000, chunks))[0]
            == 200)
    assert gate.bodies == [b"y" * 1000]  # replayed whole


def test_too_many_at_once_from_one_client_is_429_and_others_still_get_in() -> None:
    async def scenario() -> list[tuple[int, dict[str, str], bytes]]:
        gate = Gate()
        app = Admission(gate, Limits())  # SPARQL: 1 per client, 2 in all
        query = b"query=ASK%7B%7D"
        first = asyncio.create_task(_call(app, _scope("/sparql", query=query)))
        await asyncio.sleep(0.01)
        second = await _call(app, _scope("/sparql", query=query))  # same client: refused
        other = asyncio.create_task(_call(app, _scope("/sparql", query=query,
                                                      client="10.0.0.2")))
        await asyncio.sleep(0.01)
        third = await _call(app, _scope("/sparql", query=query, client="10.0.0.3"))
        health = await asyncio.wait_for(_call(app, _scope("/healthz")), 1)
        assert app.running["sparql"] == 2
        gate.open.set()
        done = [await first, second, await other, third, health]
        assert app.running["sparql"] == 0
        assert not app.by_client  # nothing left counted
        after = await _call(app, _scope("/sparql", query=query))
        return [*done, after]

    first, second, other, third, health, after = asyncio.run(scenario())
    assert (first[0], other[0], health[0], after[0]) == (200, 200, 200, 200)
    assert second[0] == 429
    assert second[1]["retry-after"] == "5"
    assert second[2] == (b"too many SPARQL queries at once: the limit is 1 at a time per "
                         b"client address; retry after 5 s (Retry-After)\n")
    assert third[0] == 429  # a third client meets the server-wide limit
    assert b"the limit is 2 at a time for the whole server" in third[2]


def test_with_workers_moves_the_server_wide_sparql_limit() -> None:
    limits = Limits().with_workers(5)
    assert (limits.sparql_workers, limits.per_server["sparql"]) == (5, 5)
    assert limits.per_server["graphql"] == Limits().per_server["graphql"]
