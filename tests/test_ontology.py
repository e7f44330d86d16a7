"""The ontology is a vocabulary people read: every term is labelled, defined and declared, and
every DPV / eu-gdpr IRI it reuses exists in the published DPV vocabulary."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from registry.resources import ontology_path

REPO = Path(__file__).resolve().parents[1]
META_SHAPES = REPO / "ontology" / "meta-shapes.ttl"
SHARED_VOCAB = REPO.parent / "shared" / "vocab"
VOCAB_NAMESPACES = {
    "https://w3id.org/dpv#": "dpv.ttl",
    "https://w3id.org/dpv/legal/eu/gdpr#": "eu-gdpr.ttl",
}


def _ontology() -> Graph:
    return Graph().parse(ontology_path())


def _meta_validate(graph: Graph) -> tuple[bool, Graph]:
    shapes = Graph().parse(META_SHAPES)
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    return bool(conforms), report


def test_meta_shapes_pass_on_the_ontology() -> None:
    conforms, report = _meta_validate(_ontology())
    assert conforms, report.serialize(format="turtle")


@pytest.mark.parametrize(
    ("term", "triples", "missing"),
    [
        ("NoLabelClass", [(RDF.type, OWL.Class), (SKOS.definition, Literal("x"))], "label"),
        ("NoDefinitionClass", [(RDF.type, OWL.Class), (RDFS.label, Literal("x"))], "definition"),
        ("badName", [(RDF.type, OWL.Class), (RDFS.label, Literal("x")),
                     (SKOS.definition, Literal("x"))], "PascalCase"),
    ],
)
def test_meta_shapes_catch_an_undocumented_or_misnamed_term(
    term: str, triples: list[tuple[URIRef, URIRef | Literal]], missing: str
) -> None:
    graph = _ontology()
    subject = URIRef("https://w3id.org/cityreg#" + term)
    for predicate, obj in triples:
        graph.add((subject, predicate, obj))
    conforms, report = _meta_validate(graph)
    assert not conforms
    assert (None, URIRef("http://www.w3.org/ns/shacl#focusNode"), subject) in report


def test_meta_shapes_catch_a_used_but_undeclared_term() -> None:
    graph = _ontology()
    typo = URIRef("https://w3id.org/cityreg#hasAudits")
    graph.add((URIRef("https://w3id.org/cityreg#AuditClause"), RDFS.seeAlso, typo))
    conforms, report = _meta_validate(graph)
    assert not conforms
    assert (None, URIRef("http://www.w3.org/ns/shacl#value"), typo) in report


def _declared_terms(vocab_file: Path) -> set[str]:
    graph = Graph().parse(vocab_file)
    return {str(s) for s in graph.subjects() if isinstance(s, URIRef)}


@pytest.mark.skipif(not SHARED_VOCAB.is_dir(), reason="../shared/vocab is not beside this checkout")
def test_every_dpv_and_gdpr_iri_the_ontology_uses_exists() -> None:
    used: dict[str, set[str]] = {ns: set() for ns in VOCAB_NAMESPACES}
    for triple in _ontology():
        for term in triple:
            for ns in VOCAB_NAMESPACES:
                if isinstance(term, URIRef) and str(term).startswith(ns):
                    used[ns].add(str(term))
    assert used["https://w3id.org/dpv#"], "the ontology should reuse DPV terms"
    for ns, filename in VOCAB_NAMESPACES.items():
        unknown = sorted(used[ns] - _declared_terms(SHARED_VOCAB / filename))
        assert not unknown, f"not in {filename}: {unknown}"


def test_three_states_of_a_fact_are_in_the_vocabulary() -> None:
    graph = _ontology()
    ns = "https://w3id.org/cityreg#"
    for name in ("absent", "notDisclosed", "documentDisclosure", "NotDisclosed", "Disclosed"):
        assert (URIRef(ns + name), RDF.type, None) in graph, name
