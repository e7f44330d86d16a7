"""A large GraphQL request runs in a worker thread: the server keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.store import Registry

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"
SMALL = "{ cities { nodes { id } } }"
LARGE = "{ contracts(first: 500) { nodes { id label buyer { label } supplier { label } } } }"


@pytest.fixture
def slow_app() -> Iterator[Any]:
    """The app over Testville, whose GraphQL execution takes half a second (as a large
    request would), blocking whatever thread runs it."""
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        application = create_app(RegistryContext(registry))
        service = application.state.graphql
        execute = service.execute

        def slow(*args: Any) -> Any:
            time.sleep(0.5)
            return execute(*args)

        service.execute = slow
        yield application
        application.state.queries.close()


async def _race(application: Any, query: str) -> list[str]:
    """Send ``query`` and, 50 ms later, ``/healthz``; return which finished first."""
    finished: list[str] = []
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        async def graphql() -> None:
            answer = await client.post("/graphql", json={"query": query})
            assert answer.status_code == 200
            finished.append("graphql")

        async def health() -> None:
            await asyncio.sleep(0.05)
            assert (await client.get("/healthz")).status_code == 200
            finished.append("health")

        await asyncio.gather(graphql(), health())
    return finished


def test_a_large_request_leaves_the_event_loop_free(slow_app: Any) -> None:
    assert asyncio.run(_race(slow_app, LARGE)) == ["health", "graphql"]


def test_a_small_request_runs_inline(slow_app: Any) -> None:
    # Inline, the slow execution holds the event loop: health waits for it.
    assert asyncio.run(_race(slow_app, SMALL)) == ["graphql", "health"]
