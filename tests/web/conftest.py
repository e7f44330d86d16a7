"""Fixtures for the publishing tests: the Harbour City registry and a client for its routes."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.server.queries import RegistryQueries
from registry.store import Registry
from registry.web.admission import Limits
from registry.web.routes import build_routes

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/cityreg/id/"
HARBOUR = BASE + "harbour/"


def _test_client(app: Starlette) -> Any:
    """Starlette's TestClient; importing it warns that httpx is deprecated, which is not ours."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    return TestClient(app)


@pytest.fixture
def make_client() -> Any:
    """A function that makes a test client for any Starlette app."""
    return _test_client


@pytest.fixture(scope="module")
def seed_context() -> Iterator[RegistryContext]:
    """The built-in seed, in memory (one per test module)."""
    with Registry.memory() as registry:
        registry.load(seed_dir())
        yield RegistryContext(registry)


@pytest.fixture
def harbour() -> Iterator[RegistryContext]:
    """Harbour City (tests/web/data/harbour.ttl): one entity of every kind, in memory."""
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        yield RegistryContext(registry)


@pytest.fixture
def queries(harbour: RegistryContext) -> Iterator[RegistryQueries]:
    """Harbour City's SPARQL worker (one process, started on the first query)."""
    runner = RegistryQueries(Limits().with_workers(1), harbour.registry)
    yield runner
    runner.close()


@pytest.fixture
def client(harbour: RegistryContext, queries: RegistryQueries) -> Any:
    """A test client for the publishing routes over Harbour City."""
    return _test_client(Starlette(routes=build_routes(harbour, queries)))
