"""The closed CITYREG namespace lists exactly the terms the ontology declares."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from registry.namespaces import CITYREG, PREFIXES, sparql_prefixes
from registry.resources import ontology_path


def test_closed_namespace_matches_the_ontology() -> None:
    graph = Graph().parse(ontology_path())
    ns = str(CITYREG._NS)
    declared = {
        str(s)[len(ns):] for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(ns) and str(s) != ns
    }
    in_code = set(CITYREG.__annotations__)
    assert sorted(declared - in_code) == [], "add these to registry/namespaces.py"
    assert sorted(in_code - declared) == [], "these are not in ontology/cityreg.ttl"


def test_unknown_term_is_an_error() -> None:
    with pytest.raises(AttributeError, match="hasAudits"):
        _ = CITYREG.hasAudits


def test_sparql_prefixes_declare_every_prefix() -> None:
    text = sparql_prefixes()
    for name, iri in PREFIXES.items():
        assert f"PREFIX {name}: <{iri}>" in text
