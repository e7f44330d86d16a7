"""Fixtures: each engine started once per test process, emptied before every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import running_engines
from running_engines import VIRTUOSO_PASSWORD, VIRTUOSO_USER, Engine

from registry.remote import RemoteStore
from registry.remote.client import PASSWORD_VARIABLE, USER_VARIABLE
from registry.store import Registry

_STARTERS = {"oxigraph": running_engines.oxigraph_server, "virtuoso": running_engines.virtuoso}
_RUNNING: dict[str, Engine] = {}


@pytest.fixture(scope="session", autouse=True)
def _stop_engines() -> Iterator[None]:
    yield
    for engine in _RUNNING.values():
        running_engines.remove(engine)


def started(name: str) -> Engine:
    """The running engine ``name``, started on first use (or again after a test killed it)."""
    engine = _RUNNING.get(name)
    if engine is None:
        engine = _RUNNING[name] = _STARTERS[name]()
    elif engine.process is None or engine.process.poll() is not None:
        engine.start()
    return engine


def wipe(url: str) -> None:
    """Drop every graph cityreg wrote, so that the next test starts from nothing."""
    with Registry.connect(url, ontology=False) as registry:
        store = registry.store
        assert isinstance(store, RemoteStore)
        graphs = {graph.value for graph in store.named_graphs()} | set(store.dataset())
        if graphs:
            registry.store.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>"
                                              for graph in sorted(graphs)))


@pytest.fixture(scope="session")
def engines_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache folder of the tests on engines (each engine's stored findings and mirror,
    registry.usercache.engine_folder), not the user's: the engines' ports differ each run."""
    return tmp_path_factory.mktemp("engines-cache")


@pytest.fixture(params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
           engines_cache: Path) -> Engine:
    """An engine that holds no registry yet, with the credentials cityreg needs set."""
    return _empty(request.param, monkeypatch, engines_cache)


@pytest.fixture
def oxigraph(monkeypatch: pytest.MonkeyPatch, engines_cache: Path) -> Engine:
    """The Oxigraph server alone, holding no registry yet (for what only it does)."""
    return _empty("oxigraph", monkeypatch, engines_cache)


@pytest.fixture
def virtuoso(monkeypatch: pytest.MonkeyPatch, engines_cache: Path) -> Engine:
    """Virtuoso alone, holding no registry yet (for what concerns its dialect only)."""
    return _empty("virtuoso", monkeypatch, engines_cache)


def _empty(name: str, monkeypatch: pytest.MonkeyPatch, cache: Path) -> Engine:
    monkeypatch.setenv("CITYREG_CACHE_DIR", str(cache))
    monkeypatch.setenv(USER_VARIABLE, VIRTUOSO_USER)
    monkeypatch.setenv(PASSWORD_VARIABLE, VIRTUOSO_PASSWORD)
    running = started(name)
    wipe(running.url)
    return running
