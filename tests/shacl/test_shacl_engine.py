"""The engine's API: loading, incremental runs, named graphs, explain, term conversion."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

import registry.shacl
from registry.shacl import ShapesGraph, ValidationEngine, store_from_graph
from registry.shacl.compile import FOCUS_SLOT as FOCUS
from registry.shacl.compile import target_group
from registry.shacl.constraints import Sparql
from registry.shacl.terms import sparql_term, to_oxigraph, to_rdflib

DATA = Path(__file__).parent / "data"
EX = "http://example.org/"


@pytest.fixture
def engine() -> ValidationEngine:
    return ValidationEngine(ShapesGraph.load(DATA / "counts.shapes.ttl"))


def test_public_api() -> None:
    assert set(registry.shacl.__all__) == {
        "Evaluation", "InvalidShapeError", "Shape", "ShapeError", "ShapesGraph", "Targets",
        "UnsupportedShapeError", "ValidationEngine", "ValidationResult", "comparison_keys",
        "store_from_graph", "validate_with_pyshacl"}
    for name in registry.shacl.__all__:
        assert getattr(registry.shacl, name).__doc__


def test_load_from_several_files() -> None:
    shapes = ShapesGraph.load([DATA / "counts.shapes.ttl", str(DATA / "paths.shapes.ttl")])
    nodes = {e.shape.node for e in shapes.evaluations if e.parent is None}
    assert nodes == {URIRef(EX + "AgreementShape"), URIRef(EX + "DatasetShape")}


def test_data_in_named_graphs_is_validated(engine: ValidationEngine) -> None:
    store = ox.Store()
    store.load(path=str(DATA / "counts.data.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode("urn:x-test:agreements"))
    in_default = store_from_graph(Graph().parse(DATA / "counts.data.ttl"))
    assert sorted(map(repr, engine.validate(store))) == \
        sorted(map(repr, engine.validate(in_default)))
    assert engine.validate(store)


def test_incremental_run_only_reports_the_given_focus_nodes(engine: ValidationEngine) -> None:
    store = store_from_graph(Graph().parse(DATA / "counts.data.ttl"))
    bad, empty = URIRef(EX + "bad"), URIRef(EX + "empty")
    full = engine.validate(store)
    assert {r.focus for r in engine.validate(store, focus={bad})} == {bad}
    assert sorted(map(repr, engine.validate(store, focus=[bad, empty]))) == \
        sorted(map(repr, (r for r in full if r.focus in (bad, empty))))
    assert engine.validate(store, focus=set()) == []
    assert engine.validate(store, focus={URIRef(EX + "good")}) == []
    with pytest.raises(ValueError, match="blank nodes"):
        engine.validate(store, focus={BNode()})


def test_results_come_one_query_at_a_time(engine: ValidationEngine) -> None:
    """validate_by_query hands out each query's results, in query order, so that a caller
    can turn them into findings without holding every result of a large run."""
    store = store_from_graph(Graph().parse(DATA / "counts.data.ttl"))
    parts = engine.validate_by_query(store)
    first = next(parts)
    rest = list(parts)
    assert len(rest) + 1 == len(engine.queries)
    assert [r for part in [first, *rest] for r in part] == engine.validate(store)
    for query, part in zip(engine.queries, [first, *rest], strict=True):
        assert {r.source_shape for r in part} <= {query.evaluation.shape.node}
    assert list(engine.validate_by_query(store, focus=set())) == []


def test_explain_shows_the_compiled_sparql(engine: ValidationEngine) -> None:
    shape = URIRef(EX + "AgreementShape")
    assert engine.explain(shape) == ""  # its constraints sit on property shapes
    prop = next(e.shape for e in engine.shapes.evaluations if e.parent is not None)
    text = engine.explain(prop)
    assert f"(via <{EX}AgreementShape>)" in text
    assert "SELECT" in text
    query = next(q for q in engine.queries if q.evaluation.shape == prop)
    assert "VALUES ?this { <http://example.org/bad> }" in query.text([URIRef(EX + "bad")])


def test_results_carry_shape_path_and_severity(engine: ValidationEngine) -> None:
    store = store_from_graph(Graph().parse(DATA / "counts.data.ttl"))
    results = engine.validate(store, focus={URIRef(EX + "bad")})
    warning = [r for r in results if r.severity == SH.Warning]
    assert [r.component for r in warning] == [SH.QualifiedMaxCountConstraintComponent]
    assert all(isinstance(r.source_shape, BNode) and r.path == URIRef(EX + "clause")
               for r in warning)
    assert not warning[0].is_violation


@pytest.mark.parametrize("term", [
    URIRef("http://example.org/a"), Literal("plain"), Literal("taal", lang="nl"),
    Literal(3), Literal("2.5", datatype=XSD.decimal), Literal("x", datatype=URIRef("urn:dt")),
    BNode("b1"),
])
def test_terms_round_trip(term: object) -> None:
    assert to_rdflib(to_oxigraph(term)) == term  # type: ignore[arg-type]


def test_sparql_term_escapes_and_refuses_blank_nodes() -> None:
    assert sparql_term(Literal('say "hi"\n\\')) == '"say \\"hi\\"\\n\\\\"'
    assert sparql_term(Literal("x", datatype=XSD.string)) == '"x"'
    with pytest.raises(ValueError, match="SPARQL"):
        sparql_term(BNode())
    with pytest.raises(ValueError, match="IRI"):
        sparql_term(URIRef("http://example.org/a b"))


def test_exists_blocks_sharing_only_this_become_joins() -> None:
    engine = ValidationEngine(ShapesGraph.load(DATA / "sparql.shapes.ttl"))
    text = engine.explain(URIRef(EX + "UnregisteredVendorShape"))
    assert text.count("MINUS { { SELECT DISTINCT ?this WHERE {") == 2
    assert "EXISTS" not in text.split("WHERE {", 1)[1]
    # a block sharing ?sub, bound by the query's own triple pattern, joins on both
    text = engine.explain(URIRef(EX + "UnauthorisedSubprocessorShape"))
    assert "MINUS { { SELECT DISTINCT ?this ?sub WHERE {" in text
    store = store_from_graph(Graph().parse(DATA / "sparql.data.ttl"))
    query = next(q for q in engine.queries
                 if q.evaluation.shape.node == URIRef(EX + "UnregisteredVendorShape"))
    constraint = query.constraint
    assert isinstance(constraint, Sparql)
    plain = constraint.query.rewrite(constraint.prologue(), target_group(
        query.evaluation.targets), semi_joins=False).replace(FOCUS, "")
    rows = {str(r["this"]) for r in store.query(plain, use_default_graph_as_union=True)}
    found = {str(r.focus.n3()) for r in engine.validate(store)
             if r.source_shape == URIRef(EX + "UnregisteredVendorShape")}
    assert rows == found == {f"<{EX}c5>"}
    # an OPTIONAL that binds $this itself becomes a left join with the focus nodes first
    assert "OPTIONAL { { SELECT * WHERE {" in engine.explain(URIRef(EX + "NoVendorShape"))
    text = engine.explain(URIRef(EX + "OpenExportShape"))
    assert "BIND(BOUND(?cityreg_exists" in text
    assert "BIND(!BOUND(?cityreg_exists" in text
