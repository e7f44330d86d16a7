"""The history of one entity is walked on a copy of that entity alone (entity_copy), and says
exactly what the walk of the whole registry says about it."""

from __future__ import annotations

import shutil
from pathlib import Path

from registry.history.entities import entity_copy, walk
from registry.resources import seed_dir
from registry.store import Registry

EX = "https://example.org/"


def _versions(registry: Registry, folder: Path) -> None:
    """Five versions: the seed; an entity with a blank-node value; its value and blank node
    changed; a second file naming it; the first file removed, then the seed's Jakarta edited."""
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
    jakarta = folder / "seed" / "jakarta.ttl"
    jakarta.write_text(jakarta.read_text().replace("basis of Qlue feedback",
                                                   "basis of Qlue app ratings", 1))
    registry.load(folder / "seed")


def test_each_entitys_walk_equals_the_whole_walk(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        _versions(registry, tmp_path)
        whole = walk(registry)
        assert whole.complete
        touched = {touch.iri for version in whole.versions for touch in version.entities}
        assert {f"{EX}a", f"{EX}b", f"{EX}c"} <= touched
        assert len(touched) > 100  # the seed's entities, added by the first version
        changed = [iri for iri in sorted(touched) if any(
            change == "changed" for _, change in whole.of(iri))]
        assert f"{EX}a" in changed
        for iri in sorted(touched):
            alone = walk(registry, iri)
            assert alone.touches(iri) == whole.touches(iri), iri
            assert alone.predates(iri) == whole.predates(iri), iri


def test_an_entitys_copy_holds_its_statements_and_blank_values_only(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        _versions(registry, tmp_path)
        copy = entity_copy(registry, f"{EX}a")
        subjects = {quad.subject for quad in copy}
        assert len(subjects) == 3  # the entity and its two nested blank nodes
        assert {str(quad.object) for quad in copy if quad.predicate.value == f"{EX}t"} == {
            '"2"^^<http://www.w3.org/2001/XMLSchema#integer>'}
        assert len(copy) == 6
