"""DCAT: portal catalogues keep their IRIs; publishers, sources, city, problems, stability."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.importers import ImportProblems, import_files, to_turtle, write_store
from registry.store import Registry

DATA = Path(__file__).parent / "data" / "dcat"
C = "https://w3id.org/cityreg#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TRAFFIC = "https://data.example.org/dataset/traffic-counts"


def _objects(triples: set[ox.Triple], subject: str, predicate: str) -> set[str]:
    return {str(t.object) for t in triples
            if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)}


def test_datasets_keep_their_iris_and_get_labels_source_and_city() -> None:
    [result] = import_files("dcat", [DATA / "catalogue.ttl"], city="examplecity")
    triples = result.triples
    assert _objects(triples, TRAFFIC, LABEL) == {'"Traffic counts"@en', '"Verkeerstellingen"@nl'}
    assert _objects(triples, TRAFFIC, C + "source") == {"<https://data.example.org/catalog>"}
    assert _objects(triples, TRAFFIC, C + "city") == {
        "<https://w3id.org/cityreg/id/examplecity/city/examplecity>"}
    assert _objects(triples, "https://data.example.org/catalog", C + "url") == {
        '"https://data.example.org/"^^<http://www.w3.org/2001/XMLSchema#anyURI>'}
    distribution = TRAFFIC + "/csv"
    assert _objects(triples, distribution, "http://www.w3.org/ns/dcat#downloadURL") == {
        "<https://data.example.org/files/traffic-counts.csv>"}
    # the catalogue record is not a registry entry
    assert not any("record" in str(t.subject) for t in triples)


def test_publisher_types_decide_agency_or_company() -> None:
    [result] = import_files("dcat", [DATA / "catalogue.ttl"])
    mobility = _objects(result.triples, "https://data.example.org/org/mobility", RDF_TYPE)
    vendor = _objects(result.triples, "https://data.example.org/org/environment-agency",
                      RDF_TYPE)
    assert f"<{C}Agency>" in mobility
    assert f"<{C}Company>" in vendor
    assert "<http://www.w3.org/ns/org#Organization>" in mobility & vendor
    assert _objects(result.triples, "https://data.example.org/org/mobility", LABEL) == {
        '"Department of Mobility"@en'}


def test_json_ld_catalogue() -> None:
    [result] = import_files("dcat", [DATA / "catalogue.jsonld"])
    assert _objects(result.triples, "https://portal.example.net/dataset/parking", LABEL) == {
        '"Parking occupancy"@en'}
    assert _objects(result.triples, "https://portal.example.net/org/parking-authority",
                    LABEL) == {'"Parking Authority"'}


def test_turtle_is_stable_across_imports() -> None:
    first = to_turtle(import_files("dcat", [DATA / "catalogue.ttl"])[0])
    second = to_turtle(import_files("dcat", [DATA / "catalogue.ttl"])[0])
    assert first == second
    assert b"_:b" in first  # the contact point, named after its content


def test_reimport_into_store_is_unchanged() -> None:
    with Registry.memory() as registry:
        write_store(registry, import_files("dcat", [DATA / "catalogue.ttl"]))
        count = len(registry)
        [load] = write_store(registry, import_files("dcat", [DATA / "catalogue.ttl"]))
        assert load.status == "unchanged"
        assert len(registry) == count


def test_all_problems_of_all_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset\n",
                      encoding="utf-8")
    untitled = tmp_path / "untitled.ttl"
    untitled.write_text("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
                        "<https://x.example/d1> a dcat:Dataset .\n", encoding="utf-8")
    empty = tmp_path / "empty.ttl"
    empty.write_text("<https://x.example/a> <https://x.example/b> 1 .\n", encoding="utf-8")
    with pytest.raises(ImportProblems) as caught:
        import_files("dcat", [broken, untitled, empty])
    messages = [str(problem) for problem in caught.value.problems]
    assert messages[0].startswith(f"{broken}:3:1: ")
    assert messages[1:] == [
        f"{untitled}:<https://x.example/d1>: the dataset has no dct:title: expected one title "
        "(per language) to name it in the registry",
        f"{empty}:-: no dcat:Dataset in the file: expected a DCAT or DCAT-AP catalogue of an "
        "open-data portal",
    ]
