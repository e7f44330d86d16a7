"""The history a server on a SPARQL engine answers without copying the registry (per version
and per entity, registry.history.ondemand) says exactly what the walk of the whole registry
says."""

from __future__ import annotations

from pathlib import Path

from history_versions import EX, make_versions, same_answers

from registry.history.entities import walk
from registry.history.versions import read_versions
from registry.history.versionwalk import candidates, certainly_added, version_touches
from registry.store import Registry


def test_each_versions_touches_equal_the_whole_walks(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        make_versions(registry, tmp_path)
        whole = walk(registry)
        versions = read_versions(registry)
        assert whole.complete
        assert [t.version for t in whole.versions] == list(reversed(versions))
        assert len(versions) == 8
        for touches in whole.versions:
            assert version_touches(registry, versions, touches.version) == touches, \
                touches.version.label
        removal = whole.versions[0]
        assert {(t.iri, t.change) for t in removal.entities} == {
            (f"{EX}d", "changed"), (f"{EX}e", "removed")}


def test_a_versions_copy_holds_what_it_can_have_touched_not_the_registry(
        tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        make_versions(registry, tmp_path)
        versions = read_versions(registry)
        subjects = {row["s"] for row in registry.select(
            "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?s) }")}
        # the third version changed one entity of a file of two: only it is copied
        assert candidates(registry, versions[2], versions[3:]) == {f"{EX}a"}
        # the file removed last: what it held when it was removed, though it is gone now
        assert candidates(registry, versions[-1], []) == {f"{EX}d", f"{EX}e"}
        assert len(subjects) > 100
        # the seed's first load: its entities are found added by queries, not copied, but
        # for those a later version changed (Jakarta's edited dataset)
        seed = candidates(registry, versions[0], versions[1:])
        quick = certainly_added(registry, versions[0], versions[1:])
        edited = {t.iri for t in walk(registry).versions[3].entities}
        assert edited
        assert edited <= seed
        assert len(quick) > 100
        assert quick <= seed
        assert not quick & edited
        # a file removed since: its entities are in the removal's records, so all are copied
        assert certainly_added(registry, versions[5], versions[6:]) == set()
        assert candidates(registry, versions[5], versions[6:]) == {f"{EX}d", f"{EX}e"}


def test_the_on_demand_timeline_answers_as_the_whole_one(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        make_versions(registry, tmp_path)
        same_answers(registry)


def test_after_a_sparql_update_both_stop_at_it(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        make_versions(registry, tmp_path, seed=False)
        registry.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> "by hand" }} }}')
        (tmp_path / "late.ttl").write_text(f'<{EX}f> <{EX}p> "after" .\n', encoding="utf-8")
        registry.load(tmp_path / "late.ttl")
        versions = read_versions(registry)
        update = next(v for v in versions if not v.statements_recorded)
        assert version_touches(registry, versions, update) is None
        assert version_touches(registry, versions, versions[0]) is None
        assert version_touches(registry, versions, versions[-1]) is not None
        ondemand = same_answers(registry)
        assert not ondemand.complete
        assert ondemand.stopped_at == update
        assert [v.number for v in ondemand.known_versions()] == [versions[-1].number]
        assert ondemand.touches(versions[0].number) is None
        assert not ondemand.entity(f"{EX}a").complete
