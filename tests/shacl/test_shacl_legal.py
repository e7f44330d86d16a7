"""The repository's legal shapes (shapes/*.ttl) load, compile and parse in Oxigraph.

A shape outside the supported subset fails here with the engine's explanation, and a
rewrite that produced invalid SPARQL fails here before it reaches a registry.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from registry.resources import shapes_dir
from registry.shacl import ShapesGraph, ValidationEngine


def test_legal_shapes_compile_to_valid_sparql() -> None:
    graph = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph.parse(path)
    engine = ValidationEngine(ShapesGraph.load(graph))
    assert engine.queries
    empty = ox.Store()
    for query in engine.queries:
        assert list(empty.query(query.text(), use_default_graph_as_union=True)) == [], query
