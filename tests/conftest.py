"""Fixtures shared across the test suite. Keep this file small: one fixture, one purpose."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.store import Registry

DATA = Path(__file__).parent / "data"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject.toml) starts one worker more than the machine has cores: much of
    the suite waits on other processes (servers, engines, the CLI, Chromium) rather than
    computing, and a third worker fills those waits. On the 2-core CI machine the suite took
    6 min 47 s with three workers (7 December), against about 8 min 40 s with two in CI runs
    of the day before."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture
def tiny_ontology() -> Path:
    """A three-class stand-in for the cityreg ontology (tests/data/store/ontology.ttl)."""
    return DATA / "store" / "ontology.ttl"


@pytest.fixture
def city_dir(tmp_path: Path) -> Path:
    """A private copy of tests/data/store/city/: five small files in five RDF syntaxes."""
    target = tmp_path / "city"
    shutil.copytree(DATA / "store" / "city", target)
    return target


@pytest.fixture
def memory_registry(tiny_ontology: Path) -> Iterator[Registry]:
    """An empty in-memory registry holding only the tiny ontology."""
    with Registry.memory(ontology=tiny_ontology) as registry:
        yield registry
