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


def test_values_are_lists_whatever_is_stored(tmp_path: Path) -> None:
    """One object or several, stated once or in two files: values() and statements() give
    each object once, in a list, and equal terms are one object."""
    data = """@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dpv: <https://w3id.org/dpv#> .
<https://x.test/a> a cityreg:Agency ; rdfs:label "A" ; dpv:hasPurpose cityreg:P1, cityreg:P2 .
<https://x.test/b> a cityreg:Agency ; rdfs:label "B" ; dpv:hasPurpose cityreg:P1 .
"""
    first, second = tmp_path / "one.ttl", tmp_path / "two.ttl"
    first.write_text(data, encoding="utf-8")
    second.write_text(data.replace('"A"', '"A", "Ay"'), encoding="utf-8")
    purpose = "https://w3id.org/dpv#hasPurpose"
    with Registry.memory() as registry:
        registry.load(first)
        registry.load(second)
        model = ReadModel.from_registry(registry)
    a, b = model.entities["https://x.test/a"], model.entities["https://x.test/b"]
    assert sorted(v.value for v in a.values(purpose)) == [
        "https://w3id.org/cityreg#P1", "https://w3id.org/cityreg#P2"]
    assert [v.value for v in b.values(purpose)] == ["https://w3id.org/cityreg#P1"]
    assert sorted(v.value for v in a.values(RDFS_LABEL)) == ["A", "Ay"]
    assert a.values("https://x.test/none") == []
    assert [p for p, _ in a.statements()] == sorted(a.props)
    assert dict(b.statements())[purpose] == b.values(purpose)
    shared = next(v for v in a.values(purpose) if v.value.endswith("P1"))
    assert b.values(purpose)[0] is shared
