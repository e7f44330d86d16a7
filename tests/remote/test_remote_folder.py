"""A national load into the Oxigraph server without one huge transaction: cityreg loads the
files into a store folder (the embedded engine's bulk loader), and `oxigraph serve --location`
serves that same folder (README, "Running at national scale"). Everything cityreg wrote there
is read back through the server: graphs, provenance, versions, findings; and later loads go
through the server as to any engine."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from running_engines import Engine, free_port, remove

from registry.history.versions import read_versions
from registry.resources import seed_dir
from registry.store import Registry
from registry.validate import validate_registry

AS_OF = date(2026, 12, 1)


@pytest.fixture
def served_folder(tmp_path: Path) -> Iterator[tuple[list[object], Engine]]:
    """A store folder holding the seed, then served by the Oxigraph server."""
    program = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(program).exists():
        pytest.skip("the Oxigraph server is missing: pip install -e '.[test]' installs it")
    store = tmp_path / "store"
    with Registry.open(store) as registry:
        registry.load(seed_dir())
        records: list[object] = list(registry.graphs())
    port = free_port()
    engine = Engine("oxigraph", f"oxigraph+http://127.0.0.1:{port}", tmp_path / "engine",
                    [program, "serve", "--location", str(store), "--bind",
                     f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    engine.folder.mkdir()
    engine.start()
    yield records, engine
    remove(engine)


def test_a_folder_cityreg_loaded_is_served_whole_by_the_oxigraph_server(
        tmp_path: Path, served_folder: tuple[list[object], Engine]) -> None:
    records, engine = served_folder
    with Registry.memory() as expected:
        expected.load(seed_dir())
        findings = validate_registry(expected, AS_OF).findings
        stats = expected.stats()
    with Registry.connect(engine.url) as remote:
        assert remote.stats() == stats
        assert remote.graphs() == records  # provenance: sources, checksums, load times
        [version] = read_versions(remote)
        assert version.command == "Registry.load"  # the API, not the command, loaded it
        assert [(f.rule_id, f.focus, f.path, f.message) for f in
                validate_registry(remote, AS_OF).findings] == [
            (f.rule_id, f.focus, f.path, f.message) for f in findings]
        # what comes later goes through the server, as into any engine
        (tmp_path / "later.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
        remote.load(tmp_path / "later.ttl")
        assert [v.number for v in read_versions(remote)] == [1, 2]
        assert remote.ask("ASK { <urn:x:a> <urn:x:p> 1 }")
