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
        labelled = [e for e in model.listed(None) if RDFS_LABEL in e.props]
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
        sensors = [e for e in model.listed(None) if e.kind == "Sensor"
                   and model.pointing_at(e.iri, deployed)]
        assert sensors
        for sensor in sensors:
            found = model.pointing_at(sensor.iri, deployed)
            assert [e.iri for e in found] == sorted(e.iri for e in found)
            assert all(sensor.iri in e.iris(deployed) for e in found)
            assert {e.iri for e in found} == {
                e.iri for e in model.listed(None) if sensor.iri in e.iris(deployed)}
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
    a, b = model.get("https://x.test/a"), model.get("https://x.test/b")
    assert a is not None
    assert b is not None
    assert sorted(v.value for v in a.values(purpose)) == [
        "https://w3id.org/cityreg#P1", "https://w3id.org/cityreg#P2"]
    assert [v.value for v in b.values(purpose)] == ["https://w3id.org/cityreg#P1"]
    assert sorted(v.value for v in a.values(RDFS_LABEL)) == ["A", "Ay"]
    assert a.values("https://x.test/none") == []
    assert [p for p, _ in a.statements()] == sorted(a.props)
    assert dict(b.statements())[purpose] == b.values(purpose)


# -- the index (registry/api/entityindex.py) ------------------------------------------------

_CONTRACT = "https://w3id.org/cityreg#VendorContract"
_START = "https://w3id.org/cityreg#startDate"
_END = "https://w3id.org/cityreg#endDate"


@pytest.fixture(scope="module")
def generated_model(tmp_path_factory: pytest.TempPathFactory):
    """The model of a generated registry of 20 organisations, with its registry."""
    from generated_registry import generated

    path = generated(tmp_path_factory.mktemp("generated") / "r20.ttl", 20)
    registry = Registry.memory()
    registry.load(path)
    yield ReadModel.from_registry(registry), registry
    registry.close()


def _labelled(registry: Registry, cls: str) -> list[tuple[str, str]]:
    """``(label, IRI)`` of the instances of ``cls`` and its subclasses, straight from SPARQL
    (English label first, else untagged, else the IRI's tail), sorted as lists are."""
    rows = registry.select(f"""SELECT ?e (SAMPLE(?en) AS ?l1) (SAMPLE(?plain) AS ?l2) WHERE {{
        ?t rdfs:subClassOf* <{cls}> . GRAPH ?g {{ ?e a ?t }}
        OPTIONAL {{ ?e rdfs:label ?en FILTER(LANG(?en) = "en") }}
        OPTIONAL {{ ?e rdfs:label ?plain FILTER(LANG(?plain) = "") }} }} GROUP BY ?e""")
    found = []
    for row in rows:
        iri = str(row["e"])
        label = str(row.get("l1") or row.get("l2") or readmodel._tail(iri))
        found.append((label, iri))
    return sorted(found, key=lambda pair: (pair[0].casefold(), pair[1]))


def test_kinds_are_listed_by_label_as_the_statements_say(generated_model) -> None:
    model, registry = generated_model
    for kind, cls in (("Sensor", "http://www.w3.org/ns/sosa/Sensor"),
                      ("Dataset", "http://www.w3.org/ns/dcat#Dataset"),
                      ("City", "https://w3id.org/cityreg#City")):
        expected = _labelled(registry, cls)
        listed = model.listed([kind])
        assert len(listed) == len(expected) > 0
        assert [(e.label, e.iri) for e in listed] == expected
        assert [e.iri for e in listed[3:9]] == [iri for _l, iri in expected[3:9]]
        assert listed[-1].iri == expected[-1][1]
    assert model.entity_count() == sum(len(model.listed([kind])) for kind in model.index.kinds())


def test_a_contract_s_city_is_its_own_else_its_buyer_s(generated_model) -> None:
    from registry.flows.cities import contract_city

    model, registry = generated_model

    def objects(subject: str, prop: str) -> list[str]:
        return sorted(str(row["o"]) for row in registry.select(
            f"SELECT ?o WHERE {{ GRAPH ?g {{ <{subject}> <{prop}> ?o FILTER(isIRI(?o)) }} }}"))

    def stated(iri: str) -> str | None:
        return next(iter(objects(iri, "https://w3id.org/cityreg#city")), None)

    contracts = list(model.listed(["Contract"]))
    assert contracts
    cities = {contract.iri: model.city_of(contract) for contract in contracts}
    assert cities == {c.iri: contract_city(c.iri, stated, objects) for c in contracts}
    assert any(city is not None for city in cities.values())
    for city in {city for city in cities.values() if city is not None}:
        assert [c.iri for c in model.contracts_in(city)] == [
            c.iri for c in contracts if cities[c.iri] == city]


def test_list_filters_give_what_the_entities_statements_give(generated_model) -> None:
    from datetime import date

    model, _registry = generated_model
    contracts = list(model.listed(["Contract"]))
    for day in (date(2019, 6, 1), date(2024, 1, 1), date(2031, 1, 1)):
        expected = [c.iri for c in contracts
                    if (c.day(_START) is None or c.day(_START) <= day)
                    and (c.day(_END) is None or day <= c.day(_END))]
        assert [c.iri for c in model.listed(["Contract"], active_on=day)] == expected
    assert 0 < len(model.listed(["Contract"], active_on=date(2024, 1, 1))) < len(contracts)
    typed = {t for c in contracts for t in c.types} - {_CONTRACT}
    assert typed
    for wanted in typed:
        assert [c.iri for c in model.listed(["Contract"], type=wanted)] == [
            c.iri for c in contracts if wanted in c.types]
    word = contracts[0].label.split()[0].upper()
    assert [e.iri for e in model.listed(None, label_contains=word)] == sorted(
        (e.iri for kind in model.index.kinds() for e in model.listed([kind])
         if word.casefold() in e.label.casefold()),
        key=lambda iri: (model.get(iri).label.casefold(), iri))
    among = [c.iri for c in contracts[::3]] + ["https://x.test/unknown"]
    assert [c.iri for c in model.listed(["Contract"], among=among)] == [
        c.iri for c in contracts[::3]]


def test_the_model_keeps_only_the_entities_it_was_asked_for(
        monkeypatch: pytest.MonkeyPatch, generated_model) -> None:
    model, registry = generated_model
    monkeypatch.setattr(readmodel, "CACHED_ENTITIES", 5)
    fresh = ReadModel.from_registry(registry)
    assert len(fresh._made) == 0
    walked = sum(1 for _ in fresh.listed(["Sensor"]))
    assert walked == len(model.listed(["Sensor"])) > 5
    assert len(fresh._made) == 5
    first = fresh.listed(["Sensor"])[0]
    assert first == model.listed(["Sensor"])[0]
    assert first is not model.listed(["Sensor"])[0]
    assert hash(first) == hash(model.listed(["Sensor"])[0])


def test_the_index_file_is_gone_once_open() -> None:
    import tempfile

    from registry.api.entityindex import EntityIndex

    folder = Path(tempfile.gettempdir())
    before = set(folder.glob("cityreg-entities-*"))
    index = EntityIndex()
    try:
        assert set(folder.glob("cityreg-entities-*")) == before
    finally:
        index.close()


def test_a_name_is_found_among_many_with_suggestions_that_share_its_start(
        monkeypatch: pytest.MonkeyPatch, generated_model) -> None:
    """Past :data:`readmodel._SUGGESTED` entities, a name nothing contains is suggested the
    close labels that start with its letter; exact and folded labels still name one."""
    from registry.errors import NotFoundError

    model, _registry = generated_model
    monkeypatch.setattr(readmodel, "_SUGGESTED", 5)
    city = model.listed(["City"])[0]
    assert model.find(city.label, ["City"]) == city.iri
    assert model.find(f"  {city.label.upper()} ", ["City"]) == city.iri
    typo = city.label[0] + "#" + city.label[1:]
    with pytest.raises(NotFoundError) as error:
        model.find(typo, ["City"])
    assert city.label in str(error.value)
