"""Fixtures of the stored findings' tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import resources
from registry.store import Registry


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder holding the built-in seed, one per test module."""
    folder = tmp_path_factory.mktemp("seed") / "store"
    with Registry.open(folder) as registry:
        registry.load(resources.seed_dir())
    return folder
