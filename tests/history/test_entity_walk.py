"""The history of one entity is walked on a copy of that entity alone (entity_copy), and says
exactly what the walk of the whole registry says about it."""

from __future__ import annotations

from pathlib import Path

from history_versions import EX, make_versions

from registry.history.entities import entity_copy, walk
from registry.store import Registry


def test_each_entitys_walk_equals_the_whole_walk(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        make_versions(registry, tmp_path)
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
        make_versions(registry, tmp_path)
        copy = entity_copy(registry, f"{EX}a")
        subjects = {quad.subject for quad in copy}
        assert len(subjects) == 3  # the entity and its two nested blank nodes
        assert {str(quad.object) for quad in copy if quad.predicate.value == f"{EX}t"} == {
            '"2"^^<http://www.w3.org/2001/XMLSchema#integer>'}
        assert len(copy) == 6
