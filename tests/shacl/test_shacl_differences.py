"""Where the engine and pySHACL knowingly differ, pinned down so a change on either side shows.

1. ``sh:inversePath`` of a sequence: SHACL (and SPARQL ``^(a/b)``) follow ``b`` backwards,
   then ``a`` backwards; pySHACL 0.40 follows ``a`` backwards first. The engine is right.
2. The Oxigraph store keeps typed literals in canonical form, so values come back as the
   store holds them and derived integer datatypes are lost (why ``sh:datatype xsd:int`` is
   refused at load time).
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from registry.shacl.terms import canonical_literal, store_from_graph, to_rdflib

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Dataset ;
    sh:property [ sh:path [ sh:inversePath ( ex:owns ex:produces ) ] ; sh:maxCount 0 ] .
"""
DATA = """
@prefix ex: <http://example.org/> .
ex:org ex:owns ex:sensor . ex:sensor ex:produces ex:data . ex:data a ex:Dataset .
"""


def test_inverse_sequence_path_follows_the_spec_not_pyshacl(shacl_run: Any) -> None:
    run = shacl_run(Graph().parse(data=SHAPES, format="turtle"),
                    Graph().parse(data=DATA, format="turtle"))
    # ex:data ^produces ex:sensor ^owns ex:org: one value, so maxCount 0 is violated
    assert [r.focus for r in run.engine_results()] == [URIRef("http://example.org/data")]
    assert run.oracle_results() == []


def test_store_canonicalises_typed_literals() -> None:
    graph = Graph().parse(data='<urn:a> <urn:p> "1.50"^^<http://www.w3.org/2001/XMLSchema#'
                               'decimal>, "5"^^<http://www.w3.org/2001/XMLSchema#int> .',
                          format="turtle")
    values = {to_rdflib(q.object) for q in store_from_graph(graph)}
    assert values == {Literal("1.5", datatype=XSD.decimal), Literal(5, datatype=XSD.integer)}
    assert canonical_literal(Literal("5", datatype=XSD.int)) == Literal(5, datatype=XSD.integer)
    assert canonical_literal(Literal("x", lang="nl")) == Literal("x", lang="nl")
