"""The query rewrites that make Oxigraph fast: same answers, different shape of query.

Each rewrite is checked twice: on its text (what it changes and what it must leave alone) and
by running the original and the rewritten query over the same small graph.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from registry.shacl import (
    ShapesGraph,
    ValidationEngine,
    comparison_keys,
    store_from_graph,
    validate_with_pyshacl,
)
from registry.shacl.antijoins import nested_anti_joins
from registry.shacl.classclosure import (
    CLOSURE_GRAPH,
    SUBCLASS_PLUS,
    ClassClosure,
    rewrite_instance_tests,
)
from registry.shacl.keysets import keyset_exists
from registry.shacl.unions import MAX_BRANCHES, distribute_unions

EX = "http://example.org/"
PREFIXES = f"PREFIX ex: <{EX}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> " \
           "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
TG = "{ SELECT DISTINCT ?this WHERE { ?this a ex:Contract } }"
DATA = f"""
@prefix ex: <{EX}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:AuditClause rdfs:subClassOf ex:Clause . ex:CityAudit rdfs:subClassOf ex:AuditClause .
ex:Loop1 rdfs:subClassOf ex:Loop2 . ex:Loop2 rdfs:subClassOf ex:Loop1 .
ex:c1 a ex:Contract ; ex:clause ex:k1 ; ex:disclosure ex:Partial .
ex:k1 a ex:CityAudit ; ex:scope ex:Inspection .
ex:c2 a ex:Contract ; ex:clause ex:k2 ; ex:disclosure ex:Partial ; ex:hidden ex:AuditClause .
ex:k2 a ex:Clause .
ex:c3 a ex:Contract ; ex:disclosure ex:Full .
ex:c4 a ex:Contract ; ex:clause ex:k4 .
ex:k4 a ex:AuditClause, ex:Loop1 ; ex:scope ex:Inspection .
ex:c5 a ex:Contract ; ex:clause ex:k5 .
ex:k5 a ex:Clause .
ex:other ex:clause ex:k1 .
ex:x9 a ex:NotDeclared .
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return store_from_graph(Graph().parse(data=DATA, format="turtle"))


def rows(store: ox.Store, query: str) -> Counter[tuple[str, ...]]:
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return Counter(tuple(str(row[n]) for n in names) for row in solutions)


# -- the class closure ---------------------------------------------------------------------

def test_instance_tests_are_rewritten_everywhere_but_after_an_inverse() -> None:
    query = ("SELECT * WHERE { ?x rdf:type/rdfs:subClassOf* ex:C . ?y ex:p/a/rdfs:subClassOf* ?c ."
             " ?z ^rdf:type/rdfs:subClassOf* ex:D }")
    out = rewrite_instance_tests(query)
    plus = f"(<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>|<http://www.w3.org/1999/02/" \
           f"22-rdf-syntax-ns#type>/<{SUBCLASS_PLUS}>)"
    assert out.count(plus) == 2
    assert f"?x {plus} ex:C" in out
    assert f"ex:p/{plus} ?c" in out
    assert "?z ^rdf:type/rdfs:subClassOf* ex:D" in out


@pytest.mark.parametrize("query", [
    "SELECT ?x WHERE { ?x rdf:type/rdfs:subClassOf* ex:Clause }",
    "SELECT ?x WHERE { ?x rdf:type/rdfs:subClassOf* ex:Loop2 }",
    "SELECT ?x ?c WHERE { ?x rdf:type/rdfs:subClassOf* ?c }",
    "SELECT ?c WHERE { ?c ex:clause/rdf:type/rdfs:subClassOf* ex:AuditClause }",
    "SELECT ?x WHERE { ?x rdf:type/rdfs:subClassOf* ex:NotDeclared }",
])
def test_the_closure_answers_as_the_star_path_does(store: ox.Store, query: str) -> None:
    expected = rows(store, query)
    with ClassClosure(store):
        assert rows(store, rewrite_instance_tests(query)) == expected
    assert expected


def test_the_closure_graph_is_put_back_as_it_was(store: ox.Store) -> None:
    graph = ox.NamedNode(CLOSURE_GRAPH)
    kept = ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b"), ox.NamedNode(EX + "c"), graph)
    store.add(kept)
    with ClassClosure(store):
        inside = set(store.quads_for_pattern(None, None, None, graph))
        assert kept not in inside
        assert ox.Quad(ox.NamedNode(EX + "CityAudit"), ox.NamedNode(SUBCLASS_PLUS),
                       ox.NamedNode(EX + "Clause"), graph) in inside
    assert list(store.quads_for_pattern(None, None, None, graph)) == [kept]
    store.remove(kept)
    with ClassClosure(store):
        pass
    assert not store.contains_named_graph(graph)


# -- distributing joins over UNION ---------------------------------------------------------

BRANCHES = ("{ ?this ex:clause ?k . ?k a ex:CityAudit } UNION "
            "{ ?this ex:clause ?k . ?k a ex:AuditClause ; ex:scope ex:Inspection }")


def test_a_join_of_the_focus_nodes_with_a_union_is_distributed() -> None:
    out = distribute_unions(f"SELECT ?this WHERE {{ {TG} {BRANCHES} BIND(true AS ?hit) }}")
    assert out.count(TG) == 2
    assert out.count("BIND(true AS ?hit)") == 2
    assert "} UNION {" in out


@pytest.mark.parametrize("body", [
    f"?this ex:disclosure ?d . {BRANCHES}",  # a triple pattern is not repeated per branch
    BRANCHES,                               # nothing to distribute
    f"{TG} OPTIONAL {{ {BRANCHES} }}",      # the union is not an element of this group
    # a second UNION is no element worth repeating in every branch of the first
    f"{TG} {{ ?this ex:disclosure ?d }} UNION {{ ?this ex:clause ?d }} "
    "{ ?this ex:hidden ?h } UNION { ?this ex:disclosure ex:Full }",
])
def test_groups_worth_leaving_are_left(body: str) -> None:
    query = f"SELECT ?this WHERE {{ {body} }}"
    assert distribute_unions(query) == query


def test_too_many_combinations_are_left_as_written() -> None:
    union = " UNION ".join(f"{{ ?this ex:p{i} ?o }}" for i in range(MAX_BRANCHES + 1))
    query = f"SELECT ?this WHERE {{ {TG} {union} }}"
    assert distribute_unions(query) == query


@pytest.mark.parametrize("body", [
    f"{TG} {BRANCHES}",
    f"{TG} {BRANCHES} BIND(true AS ?hit)",
    f"{TG} {{ ?this ex:disclosure ?d . FILTER NOT EXISTS {{ ?this ex:clause ?k }} }} UNION "
    "{ ?this ex:hidden ?h }",
    f"{TG} {{ ?this ex:disclosure ?d . FILTER(?d = ex:Partial) }} UNION {{ ?x ex:clause ?k }}",
    f"{{ SELECT ?this (COUNT(?k) AS ?n) WHERE {{ {TG} {BRANCHES} }} GROUP BY ?this }}",
])
def test_distributed_queries_give_the_same_rows(store: ox.Store, body: str) -> None:
    query = f"SELECT * WHERE {{ {body} }}"
    rewritten = distribute_unions(query)
    assert rewritten != query
    assert rows(store, rewritten) == rows(store, query)


def test_a_branch_sharing_a_variable_with_its_neighbours_keeps_its_braces() -> None:
    body = "{ ?this ex:disclosure ?d . FILTER(?d != ?hit) }"
    out = distribute_unions(f"SELECT * WHERE {{ {TG} {body} UNION {{ ?this ex:p ?o }} "
                            "BIND(true AS ?hit) }")
    assert body in out


# -- EXISTS in nested groups ---------------------------------------------------------------

NESTED = (f"{TG} {{ ?this ex:disclosure ?d . FILTER NOT EXISTS {{ ?this ex:clause ?k . "
          "?k a ex:AuditClause } } UNION { ?this ex:hidden ?h . "
          "FILTER EXISTS { ?this ex:clause ?k2 } }")


def test_nested_exists_blocks_become_joins() -> None:
    out = nested_anti_joins(f"SELECT * WHERE {{ {NESTED} }}", TG)
    assert "NOT EXISTS" not in out
    flat = " ".join(out.split())
    assert f"MINUS {{ {TG} ?this ex:clause ?k . ?k a ex:AuditClause }}" in flat
    assert f"{{ SELECT DISTINCT ?this WHERE {{ {TG} ?this ex:clause ?k2 }} }}" in flat


@pytest.mark.parametrize("body", [
    # the OPTIONAL's FILTERs are its left join's condition: they see the left side too
    f"{TG} OPTIONAL {{ ?this ex:disclosure ?d FILTER NOT EXISTS {{ ?this ex:clause ?k }} }}",
    # $this is not bound by the group itself
    f"{TG} {{ ?x ex:disclosure ?d FILTER NOT EXISTS {{ ?this ex:clause ?x }} }} UNION {{ }}",
    # a shared variable is used deeper in the block
    f"{TG} {{ ?this ex:disclosure ?d FILTER NOT EXISTS {{ ?this ex:clause ?k "
    "FILTER(?k != ?d) } } UNION { }",
    # inside an EXISTS block the outer row is substituted
    f"{TG} FILTER EXISTS {{ {{ ?this ex:disclosure ?d FILTER NOT EXISTS "
    "{ ?this ex:clause ?k } } }",
])
def test_exists_blocks_that_are_not_joins_are_left(body: str) -> None:
    query = f"SELECT * WHERE {{ {body} }}"
    assert nested_anti_joins(query, TG) == query


@pytest.mark.parametrize("body", [NESTED, f"{TG} MINUS {{ {NESTED} }}",
                                  f"{TG} {{ SELECT ?this WHERE {{ {NESTED} }} }}"])
def test_nested_anti_joins_give_the_same_rows(store: ox.Store, body: str) -> None:
    query = f"SELECT * WHERE {{ {body} }}"
    rewritten = nested_anti_joins(query, TG)
    assert rewritten != query
    assert rows(store, rewritten) == rows(store, query)


# -- the engine ----------------------------------------------------------------------------

SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:p a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "{EX}"^^xsd:anyURI ] ,
    [ sh:prefix "rdf" ; sh:namespace "http://www.w3.org/1999/02/22-rdf-syntax-ns#"^^xsd:anyURI ] ,
    [ sh:prefix "rdfs" ; sh:namespace "http://www.w3.org/2000/01/rdf-schema#"^^xsd:anyURI ] .
ex:AuditShape a sh:NodeShape ; sh:targetClass ex:Contract ;
  sh:property [ sh:path ex:clause ; sh:class ex:AuditClause ] ;
  sh:sparql [ sh:prefixes ex:p ; sh:message "no audit right" ; sh:select \"\"\"
    SELECT $this WHERE {{
      FILTER NOT EXISTS {{ {{ $this ex:clause ?k . ?k rdf:type/rdfs:subClassOf* ex:CityAudit }}
        UNION {{ $this ex:clause ?k . ?k rdf:type/rdfs:subClassOf* ex:AuditClause ;
                 ex:scope ex:Inspection }} }}
      OPTIONAL {{ {{ $this ex:hidden ex:AuditClause }} UNION {{ $this ex:disclosure ?d .
        FILTER NOT EXISTS {{ $this ex:clause ?k2 . ?k2 rdf:type/rdfs:subClassOf* ex:Clause }} }}
        BIND(true AS ?hiddenHit) }}
      FILTER(!BOUND(?hiddenHit)) }}\"\"\" ] .
"""


def test_workers_change_nothing_but_the_time(store: ox.Store) -> None:
    shapes_graph = Graph().parse(data=SHAPES, format="turtle")
    shapes = ShapesGraph.load(shapes_graph)
    one = ValidationEngine(shapes, workers=1).validate(store)
    two = ValidationEngine(shapes, workers=2).validate(store)
    assert [repr(r) for r in one] == [repr(r) for r in two]
    oracle = validate_with_pyshacl(Graph().parse(data=DATA, format="turtle"), shapes_graph)
    assert comparison_keys(one, shapes_graph) == comparison_keys(oracle, shapes_graph)
    assert {(str(r.focus), str(r.value)) for r in one} == {
        (EX + "c2", EX + "k2"), (EX + "c5", EX + "k5"), (EX + "c5", EX + "c5")}
    assert [repr(r) for r in ValidationEngine(shapes).validate(
        store, focus={URIRef(EX + "c5")})] == [repr(r) for r in one if r.focus == URIRef(EX + "c5")]


# -- correlated EXISTS over key sets -------------------------------------------------------

DATED = f"""
@prefix ex: <{EX}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:t1 a ex:Tech ; ex:start "2020-01-01"^^xsd:date ; ex:doc ex:a1 .
ex:a1 a ex:Approval ; ex:on "2019-06-01"^^xsd:date .
ex:t2 a ex:Tech ; ex:start "2020-01-01"^^xsd:date ; ex:doc ex:a2 .
ex:a2 a ex:Approval ; ex:on "2021-06-01"^^xsd:date .
ex:t3 a ex:Tech ; ex:doc ex:a3 .
ex:a3 a ex:Approval ; ex:on "2021-06-01"^^xsd:date .
ex:t4 a ex:Tech ; ex:start "2020-01-01"^^xsd:date ; ex:doc ex:a4 .
ex:a4 a ex:Approval .
ex:t5 a ex:Tech ; ex:start "2020-01-01"^^xsd:date, "2022-01-01"^^xsd:date ; ex:doc ex:a2 .
ex:t6 a ex:Tech ; ex:start "2020-01-01"^^xsd:date ; ex:doc ex:n6 .
ex:n6 a ex:Notice ; ex:on "2019-01-01"^^xsd:date .
ex:t7 a ex:Tech .
ex:t8 a ex:Tech ; ex:start "not a date" ; ex:doc ex:a1 .
"""
TECH = "{ SELECT DISTINCT ?this WHERE { ?this a ex:Tech } }"
TIMELY = ("?this ex:doc ?d . ?d a ex:Approval . OPTIONAL { ?d ex:on ?on } "
          "FILTER (!BOUND(?on) || !BOUND(?start) || ?on <= ?start)")


@pytest.fixture(scope="module")
def dated() -> ox.Store:
    return store_from_graph(Graph().parse(data=DATED, format="turtle"))


def test_an_exists_block_reading_a_row_variable_is_evaluated_over_its_keys() -> None:
    query = (f"SELECT ?this ?start WHERE {{ {TECH} OPTIONAL {{ ?this ex:start ?start }} "
             f"OPTIONAL {{ ?this ex:doc ?any }} MINUS {{ ?this ex:retired true }} "
             f"FILTER NOT EXISTS {{ {TIMELY} }} }}")
    out = keyset_exists(query)
    assert "EXISTS" not in out
    assert "FILTER (!BOUND(?cityreg_hit1))" in out
    key_group = out.split("AS ?cityreg_key1_this) WHERE")[1].split(TIMELY)[0]
    # the key set keeps what binds the keys, not what only removes or adds rows
    assert "ex:start" in key_group
    assert "MINUS" not in key_group
    assert "?any" not in key_group


@pytest.mark.parametrize("body", [
    f"{TECH} OPTIONAL {{ ?this ex:start ?start }} FILTER NOT EXISTS {{ {TIMELY} }}",
    f"{TECH} OPTIONAL {{ ?this ex:start ?start }} FILTER EXISTS {{ {TIMELY} }}",
    f"{TECH} OPTIONAL {{ ?this ex:start ?start }} "
    f"FILTER (!BOUND(?start) || NOT EXISTS {{ {TIMELY} }})",
    f"{TECH} ?this ex:start ?start . FILTER (EXISTS {{ ?this ex:doc ?d . ?d ex:on ?on "
    f"FILTER (?on < ?start) }} && NOT EXISTS {{ {TIMELY} }})",
    f"{TECH} {{ SELECT ?this ?start WHERE {{ ?this ex:start ?start . "
    f"FILTER NOT EXISTS {{ {TIMELY} }} }} }}",
])
def test_key_sets_give_the_same_rows(dated: ox.Store, body: str) -> None:
    query = f"SELECT * WHERE {{ {body} }}"
    out = keyset_exists(query)
    assert out != query
    expected = rows(dated, query)
    assert project(rows_with_names(dated, out), expected_names(dated, query)) == expected
    assert expected


@pytest.mark.parametrize("body", [
    # the row's variable is read in an OPTIONAL of the block: evaluated on its own there
    f"{TECH} OPTIONAL {{ ?this ex:start ?start }} FILTER NOT EXISTS {{ ?this ex:doc ?d . "
    f"OPTIONAL {{ ?d ex:on ?on FILTER (?on <= ?start) }} FILTER (!BOUND(?on)) }}",
    # every shared variable is in a triple pattern of the block: left to run per row
    f"{TECH} ?this ex:doc ?d . FILTER NOT EXISTS {{ ?d ex:on ?on }}",
    # only $this shared
    f"{TECH} FILTER (EXISTS {{ ?this ex:doc ?d }})",
])
def test_exists_blocks_not_worth_or_not_safe_to_rewrite_are_left(body: str) -> None:
    query = f"SELECT * WHERE {{ {body} }}"
    assert keyset_exists(query) == query


def rows_with_names(store: ox.Store, query: str) -> tuple[list[str], list[ox.QuerySolution]]:
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [v.value for v in solutions.variables], list(solutions)


def expected_names(store: ox.Store, query: str) -> list[str]:
    return rows_with_names(store, query)[0]


def project(found: tuple[list[str], list[ox.QuerySolution]], names: list[str]
            ) -> Counter[tuple[str, ...]]:
    """The rows of a rewritten ``SELECT *`` on the original query's variables only."""
    return Counter(tuple(str(row[n]) for n in names) for row in found[1])
