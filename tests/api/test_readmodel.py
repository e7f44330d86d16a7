"""The API's read model (registry/api/readmodel.py): what it holds and how compactly."""

from __future__ import annotations

from pathlib import Path

from registry.api.readmodel import RDFS_LABEL, ReadModel
from registry.store import Registry

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"


def test_every_iri_and_predicate_is_one_string() -> None:
    """The model holds every statement of the registry: an IRI named by many statements (a
    predicate, a shared object) is one string object, not one copy per statement."""
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        model = ReadModel.from_registry(registry)
    labelled = [e for e in model.entities.values() if RDFS_LABEL in e.props]
    assert len(labelled) > 1
    assert len({id(key) for e in labelled for key in e.props if key == RDFS_LABEL}) == 1
    targets = {key: key for key in model.reverse}
    for entity in model.entities.values():
        if entity.iri in targets:
            assert entity.iri is targets[entity.iri]
    assert any(e.iri in targets for e in model.entities.values())
