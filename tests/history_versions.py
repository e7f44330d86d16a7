"""A registry with a history that exercises every kind of change, shared by the tests of the
whole walk, the walk of one entity and the on-demand history."""

from __future__ import annotations

import shutil
from pathlib import Path

from registry.history.ondemand import OnDemandTimeline
from registry.history.timeline import Timeline
from registry.resources import seed_dir
from registry.store import Registry

EX = "https://example.org/"


def make_versions(registry: Registry, folder: Path, *, seed: bool = True) -> None:
    """The seed (unless ``seed`` is False); an entity with nested blank-node values; its
    value and blank nodes changed; a second file naming it; the seed's Jakarta edited; a file
    whose entity then gains a statement elsewhere; that file removed."""
    if seed:
        shutil.copytree(seed_dir(), folder / "seed")
        registry.load(folder / "seed")
    city = folder / "city"
    city.mkdir()
    (city / "a.ttl").write_text(
        f'<{EX}a> <{EX}p> "one" ; <{EX}r> [ <{EX}q> "first" ; <{EX}s> [ <{EX}t> 1 ] ] .\n'
        f'<{EX}b> <{EX}p> "kept" .\n', encoding="utf-8")
    registry.load(city)
    (city / "a.ttl").write_text(
        f'<{EX}a> <{EX}p> "uno" ; <{EX}r> [ <{EX}q> "second" ; <{EX}s> [ <{EX}t> 2 ] ] .\n'
        f'<{EX}b> <{EX}p> "kept" .\n', encoding="utf-8")
    registry.load(city)
    (city / "b.ttl").write_text(f'<{EX}a> <{EX}label> "A" .\n<{EX}c> <{EX}p> <{EX}a> .\n',
                                encoding="utf-8")
    registry.load(city)
    if seed:
        jakarta = folder / "seed" / "jakarta.ttl"
        jakarta.write_text(jakarta.read_text().replace("basis of Qlue feedback",
                                                       "basis of Qlue app ratings", 1))
        registry.load(folder / "seed")
    other = folder / "other"
    other.mkdir()
    (other / "d.ttl").write_text(f'<{EX}d> <{EX}p> "short-lived" ; <{EX}r> [ <{EX}q> 3 ] .\n'
                                 f'<{EX}e> <{EX}p> <{EX}d> .\n', encoding="utf-8")
    registry.load(other / "d.ttl")
    (city / "b.ttl").write_text(f'<{EX}a> <{EX}label> "A" .\n<{EX}c> <{EX}p> <{EX}a> .\n'
                                f'<{EX}d> <{EX}label> "D" .\n', encoding="utf-8")
    registry.load(city)
    [graph] = [record.graph for record in registry.graphs()
               if record.graph.endswith("d.ttl")]
    registry.remove_graph(graph)


def same_answers(registry: Registry) -> OnDemandTimeline:
    """Assert that the on-demand history answers every question as the whole walk does."""
    whole = Timeline.of(registry)
    ondemand = OnDemandTimeline(registry)
    assert ondemand.complete == whole.complete
    assert ondemand.stopped_at == whole.stopped_at
    assert ondemand.known_versions() == whole.known_versions()
    assert list(ondemand.versions()) == whole.versions()
    known = whole.known_versions()
    if len(known) > 2:
        since = known[2].time
        assert list(ondemand.versions(since)) == whole.versions(since)
    touched = sorted({touch.iri for _, touches in whole.versions() for touch in touches})
    for version in known:
        assert ondemand.touches(version.number) == whole.touches(version.number)
    for iri in [*touched, f"{EX}never-there"]:
        assert ondemand.entity(iri) == whole.entity(iri), iri
        assert ondemand.predates(iri) == whole.predates(iri), iri
    assert ondemand.present(touched) == whole.present(touched)
    for iri in touched[:20]:
        assert ondemand.label(iri) == whole.label(iri), iri
    return ondemand
