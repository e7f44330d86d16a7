"""The store every loader and importer case is run against (one per test module)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import make_store, snapshot


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the valid city files in it, shared by the module's cases."""
    return make_store(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def baseline(store: Path) -> frozenset[str]:
    """Every statement of ``store`` before any hostile input: what each case must leave."""
    return snapshot(store)
