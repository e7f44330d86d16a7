"""Issue #17, part 4, on an engine: `cityreg harvest URL... --store URL` loads each city's
dump into graphs of its own on the Oxigraph server and on Virtuoso, as into a store folder,
and downloads nothing again until a city changes (the validators kept in the cache folder)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pyoxigraph as ox
import pytest
from running_engines import Engine

from registry.harvest import harvest
from registry.history.versions import read_versions
from registry.store import Registry
from registry.store.provenance import RESERVED_GRAPHS

HARVEST_TESTS = Path(__file__).resolve().parents[1] / "harvest"


def _served_sites() -> ModuleType:
    """tests/harvest/served_sites.py, which starts `cityreg serve` over some seed cities."""
    spec = importlib.util.spec_from_file_location("served_sites",
                                                  HARVEST_TESTS / "served_sites.py")
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules.get("served_sites") or importlib.util.module_from_spec(spec)
    if "served_sites" not in sys.modules:
        sys.modules["served_sites"] = module  # its dataclass looks its module up
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Rio on one server; Jakarta and Davao on the other."""
    with _served_sites().rio_and_asia(tmp_path_factory.mktemp("remote-sites")) as both:
        yield both


def _data(registry: Registry) -> dict[str, set[str]]:
    """Each data graph: its statements without blank nodes (whose labels differ between
    stores), as N-Triples lines."""
    graphs: dict[str, set[str]] = {}
    for record in registry.graphs():
        if record.graph in RESERVED_GRAPHS:
            continue
        graphs[record.graph] = {
            str(quad.triple) for quad in registry.store.quads_for_pattern(
                None, None, None, ox.NamedNode(record.graph))
            if not isinstance(quad.subject, ox.BlankNode)
            and not isinstance(quad.object, ox.BlankNode)}
    return graphs


def test_a_harvest_into_an_engine_equals_one_into_a_folder(
        engine: Engine, sites: tuple[Any, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYREG_CACHE_DIR", str(tmp_path / "cache"))
    urls = [site.url for site in sites]
    with Registry.open(tmp_path / "folder") as folder:
        expected = harvest(folder, urls)
        expected_data = _data(folder)
        expected_sources = sorted((r.graph, r.source, r.sha256) for r in folder.graphs())
        expected_versions = [(v.command, v.sources, [(c.graph, c.created, c.added)
                                                     for c in v.changes])
                             for v in read_versions(folder)]
    with Registry.connect(engine.url) as remote:
        reports = harvest(remote, urls)
        assert [(r.url, r.status) for r in reports] == [(r.url, r.status) for r in expected]
        assert [sorted((c.graph, c.status, c.statements) for c in r.changes)
                for r in reports] == [sorted((c.graph, c.status, c.statements)
                                             for c in r.changes) for r in expected]
        assert _data(remote) == expected_data
        assert sorted((r.graph, r.source, r.sha256) for r in remote.graphs()) == \
            expected_sources
        versions = [(v.command, v.sources, [(c.graph, c.created, c.added) for c in v.changes])
                    for v in read_versions(remote)]
        assert versions == expected_versions
        assert len(versions) == 2  # one per site
        again = harvest(remote, urls)
        assert [r.status for r in again] == ["not modified", "not modified"]
        assert len(read_versions(remote)) == 2


def test_cityreg_harvest_into_an_engine(engine: Engine, sites: tuple[Any, Any],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    from click.testing import CliRunner

    from registry.cli import main

    monkeypatch.setenv("CITYREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CITYREG_PROGRESS", "0")
    urls = [site.url for site in sites]
    runner = CliRunner()
    first = runner.invoke(main, ["harvest", *urls, "--store", engine.url])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["harvested", "harvested"]
    assert lines[2].startswith("2 downloads: 2 harvested; ")
    again = runner.invoke(main, ["harvest", *urls, "--store", engine.url])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[2] == lines[2].replace("2 harvested", "2 not modified")
    with Registry.connect(engine.url) as remote:  # one version; none for the second run
        [version] = read_versions(remote)
    assert version.command == "cityreg harvest"
    assert [source for source, _ in version.sources] == sorted(
        f"{url}registry.nq" for url in urls)
