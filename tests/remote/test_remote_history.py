"""Issue #17: on an engine the server's history is found per version and per entity
(registry.history.ondemand), without copying the registry, and says what the walk of the
whole registry says."""

from __future__ import annotations

from pathlib import Path

from history_versions import EX, make_versions, same_answers
from running_engines import Engine

from registry.history.entities import walk
from registry.history.ondemand import OnDemandTimeline
from registry.history.versions import read_versions
from registry.history.versionwalk import version_touches
from registry.store import Registry


def test_each_version_and_entity_as_the_whole_walk_says(engine: Engine, tmp_path: Path
                                                         ) -> None:
    with Registry.connect(engine.url) as remote:
        make_versions(remote, tmp_path, seed=False)
        whole = walk(remote)
        versions = read_versions(remote)
        assert whole.complete
        assert len(whole.versions) == len(versions) == 6
        for touches in whole.versions:
            assert version_touches(remote, versions, touches.version) == touches, \
                touches.version.label
        ondemand = same_answers(remote)
        [newest] = ondemand.known_versions()[:1]
        assert {(t.iri, t.change) for t in ondemand.touches(newest.number) or []} == {
            (f"{EX}d", "changed"), (f"{EX}e", "removed")}
        a = ondemand.entity(f"{EX}a")
        assert [t.change for t in a.touches] == ["changed", "changed", "added"]
        assert a.complete


def test_the_server_context_reads_the_history_on_demand(engine: Engine, tmp_path: Path
                                                        ) -> None:
    from registry.context import RegistryContext

    with Registry.connect(engine.url) as remote:
        make_versions(remote, tmp_path, seed=False)
        assert isinstance(RegistryContext(remote).timeline, OnDemandTimeline)


def test_the_history_bench_prints_its_figures(engine: Engine, tmp_path: Path) -> None:
    import subprocess
    import sys

    with Registry.connect(engine.url) as remote:
        make_versions(remote, tmp_path, seed=False)
    bench = Path(__file__).resolve().parents[2] / "bench" / "ondemand_history.py"
    done = subprocess.run([sys.executable, str(bench), "--store", engine.url, "--entities", "3"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"history on an engine: {engine.url}, 6 versions, 10 entity touches "
                        "(whole walk: 10)")
    assert [line.split()[0] for line in lines[1:]] == ["on", "entity", "whole"]
    assert lines[2].endswith("(3 entities)")
    assert "peak RSS" in lines[1]
    assert "peak RSS" in lines[3]
