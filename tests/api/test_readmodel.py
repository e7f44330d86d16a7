"""The API's read model (registry/api/readmodel.py): what it indexes and what it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.api import readmodel
from registry.api.readmodel import RDFS_LABEL, ReadModel
from registry.namespaces import PROVENANCE_GRAPH
from registry.store import Registry

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"


def test_statements_are_read_from_the_store_not_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model indexes kinds and labels; an entity's statements come from the store when
    first read, only the most recently read entities are kept, and an entity read again after
    it left that cache gives the same statements."""
    monkeypatch.setattr(readmodel, "CACHED_ENTITIES", 2)
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        model = ReadModel.from_registry(registry)
        assert model._cache == {}
        labelled = [e for e in model.entities.values() if RDFS_LABEL in e.props]
        assert len(labelled) > 2
        assert len(model._cache) == 2
        first = labelled[0]
        expected = {
            (q.predicate.value, q.object.value)
            for q in registry.store.quads_for_pattern(first.node, None, None, None)
            if q.graph_name.value != str(PROVENANCE_GRAPH)}
        stated = {(p, v.value) for p, values in first.statements() for v in values}
        assert stated == expected
        assert first.text(RDFS_LABEL) == first.label


def test_pointing_at_reads_the_reverse_links() -> None:
    """Who points at an entity, through one property: the subjects the store holds for that
    property and object, as entities, by IRI; unknown IRIs and non-IRIs point at nothing."""
    with Registry.memory() as registry:
        registry.load(TESTVILLE)
        model = ReadModel.from_registry(registry)
        deployed = "http://www.w3.org/ns/ssn/deployedSystem"
        sensors = [e for e in model.entities.values() if e.kind == "Sensor"
                   and model.pointing_at(e.iri, deployed)]
        assert sensors
        for sensor in sensors:
            found = model.pointing_at(sensor.iri, deployed)
            assert [e.iri for e in found] == sorted(e.iri for e in found)
            assert all(sensor.iri in e.iris(deployed) for e in found)
            assert {e.iri for e in found} == {
                e.iri for e in model.entities.values() if sensor.iri in e.iris(deployed)}
        assert model.pointing_at("https://x.test/nothing", deployed) == []
        assert model.pointing_at("not an iri", deployed) == []


def test_values_are_lists_whatever_is_stored(tmp_path: Path) -> None:
    """One object or several, stated once or in two files: values() and statements() give
    each object once, in a list."""
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
