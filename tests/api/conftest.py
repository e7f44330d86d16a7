"""Registries and API services shared by the API tests (built once per module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.api import GraphQLService
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"


@pytest.fixture(scope="module")
def testville() -> Iterator[GraphQLService]:
    """The API over tests/data/flows/testville.ttl."""
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        yield GraphQLService(RegistryContext(registry))


@pytest.fixture(scope="session")
def seed_service() -> Iterator[GraphQLService]:
    """The API over the built-in seed, with findings computed."""
    with Registry.memory() as registry:
        registry.load(seed_dir())
        service = GraphQLService(RegistryContext(registry))
        service.warm()
        yield service
