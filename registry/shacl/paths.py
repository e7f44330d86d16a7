"""SHACL property paths, read from a shapes graph and written as SPARQL property paths.

Every SHACL path form has a SPARQL 1.1 counterpart (https://www.w3.org/TR/shacl/#property-paths):

==========================  ===============
SHACL                       SPARQL
==========================  ===============
``ex:p``                    ``<p>``
``[ sh:inversePath P ]``    ``^(P)``
``( P1 P2 )``               ``(P1/P2)``
``[ sh:alternativePath (P1 P2) ]``  ``(P1|P2)``
``[ sh:zeroOrMorePath P ]`` ``(P)*``
``[ sh:oneOrMorePath P ]``  ``(P)+``
``[ sh:zeroOrOnePath P ]``  ``(P)?``
==========================  ===============

Composite paths are always parenthesised, so no precedence question arises. A path is a
frozen value: two structurally equal paths compare equal whatever their blank nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.errors import InvalidShapeError
from registry.shacl.terms import sparql_term


@dataclass(frozen=True)
class PredicatePath:
    """A single predicate IRI."""

    iri: URIRef

    def sparql(self) -> str:
        return sparql_term(self.iri)


@dataclass(frozen=True)
class InversePath:
    """``sh:inversePath``: the path followed backwards."""

    path: PropertyPath

    def sparql(self) -> str:
        return f"^({self.path.sparql()})"


@dataclass(frozen=True)
class SequencePath:
    """An RDF list of two or more paths followed one after the other."""

    steps: tuple[PropertyPath, ...]

    def sparql(self) -> str:
        return "(" + "/".join(step.sparql() for step in self.steps) + ")"


@dataclass(frozen=True)
class AlternativePath:
    """``sh:alternativePath``: the union of two or more paths."""

    options: tuple[PropertyPath, ...]

    def sparql(self) -> str:
        return "(" + "|".join(option.sparql() for option in self.options) + ")"


@dataclass(frozen=True)
class RepeatPath:
    """``sh:zeroOrMorePath`` (``*``), ``sh:oneOrMorePath`` (``+``), ``sh:zeroOrOnePath`` (``?``)."""

    path: PropertyPath
    modifier: str

    def sparql(self) -> str:
        return f"({self.path.sparql()}){self.modifier}"


PropertyPath = PredicatePath | InversePath | SequencePath | AlternativePath | RepeatPath

_REPEATS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def parse_path(graph: Graph, node: Node, shape: Node, depth: int = 0) -> PropertyPath:
    """Read the SHACL path at ``node`` of ``graph``; ``shape`` is named in errors."""
    if depth > 20:
        raise InvalidShapeError(shape, "sh:path nests too deeply", "Check for a cyclic path.")
    if isinstance(node, URIRef):
        return PredicatePath(node)
    if not isinstance(node, BNode):
        raise InvalidShapeError(
            shape, f"sh:path value {node.n3()} is a literal", "Use an IRI or a path.",
            "property-paths",
        )
    if (node, RDF.first, None) in graph:
        steps = tuple(parse_path(graph, item, shape, depth + 1) for item in graph.items(node))
        if len(steps) < 2:
            raise InvalidShapeError(
                shape, "sequence path with fewer than two members", "Use the IRI itself.",
                "property-path-sequence",
            )
        return SequencePath(steps)
    kinds = [p for p in graph.predicates(node) if p != RDF.type]
    if len(kinds) != 1:
        raise InvalidShapeError(
            shape, f"path node {node.n3()} has {len(kinds)} path predicates",
            "A path node needs exactly one of sh:inversePath, sh:alternativePath, "
            "sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath.", "property-paths",
        )
    kind = kinds[0]
    target = graph.value(node, kind)
    assert target is not None
    if kind == SH.inversePath:
        return InversePath(parse_path(graph, target, shape, depth + 1))
    if kind == SH.alternativePath:
        options = tuple(parse_path(graph, item, shape, depth + 1) for item in graph.items(target))
        if len(options) < 2:
            raise InvalidShapeError(
                shape, "sh:alternativePath with fewer than two members", "Use the path itself.",
                "property-path-alternative",
            )
        return AlternativePath(options)
    if isinstance(kind, URIRef) and kind in _REPEATS:
        return RepeatPath(parse_path(graph, target, shape, depth + 1), _REPEATS[kind])
    raise InvalidShapeError(
        shape, f"unknown path predicate {kind.n3()}", "See the list of SHACL path forms.",
        "property-paths",
    )
