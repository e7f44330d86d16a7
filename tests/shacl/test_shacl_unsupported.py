"""Shapes outside the supported subset are refused when loaded, with a message that helps.

One inline shapes graph per feature, as pySHACL's own ``test/issues`` tests do.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from registry.shacl import InvalidShapeError, ShapeError, ShapesGraph, UnsupportedShapeError

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""


def load(turtle: str) -> ShapesGraph:
    return ShapesGraph.load(Graph().parse(data=PREFIXES + turtle, format="turtle"))


def sparql_shape(select: str) -> str:
    return f'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select """{select}""" ] .'


UNSUPPORTED = {
    "or": ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
           "sh:or ( [ sh:class ex:A ] [ sh:class ex:B ] ) .", "sh:or"),
    "node": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T . ex:T a sh:NodeShape .",
    "not": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:not [ sh:class ex:A ] .",
    "closed": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
    "minLength": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                 "sh:property [ sh:path ex:p ; sh:minLength 3 ] .",
    "languageIn": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                  "sh:property [ sh:path ex:p ; sh:languageIn ( \"en\" ) ] .",
    "equals": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
              "sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
    "minCount on node shape": ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:minCount 1 .",
                               "sh:minCount on a node shape"),
    "disjoint qualified": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:qualifiedValueShape [ sh:class ex:A ] ; sh:qualifiedMinCount 1 ; "
        "sh:qualifiedValueShapesDisjoint true ] .", "qualifiedValueShapesDisjoint"),
    "qualified value shape with maxCount": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:qualifiedValueShape [ sh:property [ sh:path ex:q ; sh:maxCount 1 ] ] ; "
        "sh:qualifiedMinCount 1 ] .", "sh:maxCount"),
    "qualified value shape with pattern": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:qualifiedValueShape [ sh:pattern \"x\" ] ; sh:qualifiedMinCount 1 ] .", "sh:pattern"),
    "nested property shapes": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:property [ sh:path ex:q ; sh:minCount 1 ] ] .", "sh:property"),
    "datatype the store loses": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path ex:p ; sh:datatype xsd:int ] .", "xsd:integer"),
    "regex flag s": ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                     "sh:property [ sh:path ex:p ; sh:pattern \"a.b\" ; sh:flags \"s\" ] .",
                     "flags"),
    "regex Oxigraph refuses": ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                               "sh:property [ sh:path ex:p ; sh:pattern \"(a)\\\\1\" ] .",
                               "Oxigraph"),
    "owl:Class shape": ("ex:C a owl:Class, sh:NodeShape ; "
                        "sh:property [ sh:path ex:p ; sh:minCount 1 ] .", "rdfs:Class"),
    "SHACL-AF target": ("ex:S a sh:NodeShape ; sh:target [ sh:select \"SELECT ?this {}\" ] .",
                        "sh:target"),
    "custom component": ("ex:CC a sh:ConstraintComponent ; sh:parameter [ sh:path ex:x ] .",
                         "custom constraint component"),
    "LIMIT": (sparql_shape("SELECT $this WHERE { $this ex:p ?o } LIMIT 1"), "LIMIT"),
    "VALUES": (sparql_shape("SELECT $this WHERE { VALUES ?o { 1 } $this ?p ?o }"), "VALUES"),
    "MINUS": (sparql_shape("SELECT $this WHERE { $this ?p ?o MINUS { $this a ?o } }"), "MINUS"),
    "currentShape": (sparql_shape("SELECT $this WHERE { $this ?p $currentShape }"),
                     "currentShape"),
    "shapesGraph": (sparql_shape("SELECT $this WHERE { GRAPH $shapesGraph { ?s ?p ?o } }"),
                    "shapesGraph"),
    "failure": (sparql_shape("SELECT $this ?failure WHERE { $this ?p ?o }"), "failure"),
    "$this in a UNION branch filter": (
        sparql_shape("SELECT $this WHERE { { ?x ex:p ?y FILTER(?y = $this) } UNION "
                     "{ $this ex:q ?y } }"), "UNION branch"),
    "$this in an OPTIONAL BIND": (
        sparql_shape("SELECT $this WHERE { OPTIONAL { ?x ex:p ?y BIND($this AS ?z) } }"),
        "OPTIONAL BIND"),
    "nested select without $this": (
        sparql_shape("SELECT $this WHERE { { SELECT ?o WHERE { ?s ?p ?o } } $this ?q ?o }"),
        "nested SELECT"),
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_feature_is_refused_at_load_time(name: str) -> None:
    entry = UNSUPPORTED[name]
    turtle, needle = entry if isinstance(entry, tuple) else (entry, f"sh:{name}")
    with pytest.raises(UnsupportedShapeError) as raised:
        load(turtle)
    message = str(raised.value)
    assert needle in message
    assert raised.value.hint
    assert raised.value.hint in message
    assert raised.value.feature in message


INVALID = {
    "two paths": "ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p, ex:q .",
    "negative count": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                      "sh:property [ sh:path ex:p ; sh:minCount -1 ] .",
    "property without path": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P . "
                             "ex:P sh:minCount 1 .",
    "$PATH on a node shape": sparql_shape("SELECT $this WHERE { $this $PATH ?o }"),
    "not a SELECT": sparql_shape("ASK { $this ?p ?o }"),
    "qualified count without shape": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                                     "sh:property [ sh:path ex:p ; sh:qualifiedMinCount 1 ] .",
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_shapes_are_refused(name: str) -> None:
    with pytest.raises(InvalidShapeError) as raised:
        load(INVALID[name])
    assert isinstance(raised.value, ShapeError)


def test_error_names_the_shape_and_cites_the_specification() -> None:
    with pytest.raises(UnsupportedShapeError) as raised:
        load(UNSUPPORTED["LIMIT"][0])  # type: ignore[index]
    assert str(raised.value).startswith("shape <http://example.org/S>: LIMIT")
    assert "https://www.w3.org/TR/shacl/#sparql-constraints" in str(raised.value)


def test_annotations_outside_the_shacl_namespace_are_free() -> None:
    shapes = load("ex:S a sh:NodeShape ; sh:targetClass ex:C ; ex:ruleId \"GDPR-28-3\" ; "
                  "rdfs:comment \"x\" ; sh:name \"n\" ; sh:order 1 ; "
                  "sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:description \"d\" ] .")
    assert len(shapes.evaluations) == 2


def test_this_is_allowed_where_it_is_bound() -> None:
    load(sparql_shape("SELECT $this WHERE { $this ex:p ?y . FILTER(?y != $this) "
                      "OPTIONAL { ?y ex:q ?z FILTER(?z = $this) } "
                      "FILTER NOT EXISTS { { ?a ex:r $this } UNION "
                      "{ ?a ex:s ?b FILTER(?b = $this) } } "
                      "BIND($this AS ?me) }"))
