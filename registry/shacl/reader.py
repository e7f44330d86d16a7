"""Reading the constraint parameters of one shape (the part of loading that knows SHACL Core).

Each parameter is checked as pySHACL checks it (one ``sh:minCount``, a non-negative integer,
...) and as the engine needs it (a regex both Python and Oxigraph accept, a datatype the
store preserves). ``sh:sparql`` constraints get their prefixes resolved the way pySHACL does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.constraints import (
    RANGES,
    ClassConstraint,
    Constraint,
    Datatype,
    HasValue,
    In,
    MaxCount,
    MinCount,
    NodeKind,
    Pattern,
    Qualified,
    Range,
    Sparql,
)
from registry.shacl.errors import InvalidShapeError, UnsupportedShapeError
from registry.shacl.paths import PropertyPath
from registry.shacl.sparql import analyse_select, has_path_variable, substitute_path
from registry.shacl.terms import sparql_term

if TYPE_CHECKING:
    from registry.shacl.model import Shape

NODE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral,
              SH.IRIOrLiteral}
# The Oxigraph store keeps these as xsd:integer / xsd:dateTime: their datatype is lost.
LOST_DATATYPES = {XSD[n] for n in (
    "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    "dateTimeStamp")} | {RDFS.Datatype}
PYSHACL_PREFIXES = (("rdf", str(RDF)), ("rdfs", str(RDFS)), ("owl", str(OWL)))


def single(graph: Graph, node: Node, predicate: URIRef) -> Node | None:
    """The one value of ``predicate`` on ``node``, None if absent; two values are an error."""
    values = list(dict.fromkeys(graph.objects(node, predicate)))
    if len(values) > 1:
        raise InvalidShapeError(node, f"{predicate.n3()} has {len(values)} values",
                                "Keep exactly one.", "")
    return values[0] if values else None


def _count(graph: Graph, node: Node, predicate: URIRef) -> int | None:
    value = single(graph, node, predicate)
    if value is None:
        return None
    if not (isinstance(value, Literal) and isinstance(value.value, int)
            and not isinstance(value.value, bool) and value.value >= 0):
        raise InvalidShapeError(node, f"{predicate.n3()} {value.n3()} is not a non-negative "
                                "integer", "Write an integer such as 1.", "")
    return int(value.value)


def read_constraints(graph: Graph, node: Node, path: PropertyPath | None,
                     qualified_shape: Callable[[Node, Node], Shape]) -> tuple[Constraint, ...]:
    """All constraints declared on ``node``, in a stable order."""
    out: list[Constraint] = []
    for predicate, kind in ((SH.minCount, MinCount), (SH.maxCount, MaxCount)):
        count = _count(graph, node, predicate)
        if count is not None:
            out.append(kind(count))
    datatype = single(graph, node, SH.datatype)
    if datatype is not None:
        if not isinstance(datatype, URIRef):
            raise InvalidShapeError(node, "sh:datatype is not an IRI", "Use an IRI.", "")
        if datatype in LOST_DATATYPES:
            raise UnsupportedShapeError(
                node, f"sh:datatype {datatype.n3()} cannot be checked on an Oxigraph store",
                "Oxigraph stores derived integer types as xsd:integer and xsd:dateTimeStamp as "
                "xsd:dateTime; use xsd:integer (with sh:minInclusive/sh:maxInclusive for the "
                "range) or xsd:dateTime.", "DatatypeConstraintComponent")
        out.append(Datatype(datatype))
    for cls in sorted(graph.objects(node, SH["class"]), key=str):
        if not isinstance(cls, URIRef):
            raise UnsupportedShapeError(node, "sh:class with a blank node or literal",
                                        "Use a class IRI.", "ClassConstraintComponent")
        out.append(ClassConstraint(cls))
    node_kind = single(graph, node, SH.nodeKind)
    if node_kind is not None:
        if not isinstance(node_kind, URIRef) or node_kind not in NODE_KINDS:
            raise InvalidShapeError(node, f"sh:nodeKind {node_kind.n3()} is not a node kind",
                                    "Use sh:IRI, sh:Literal, sh:BlankNodeOrIRI, ...", "")
        out.append(NodeKind(node_kind))
    members = single(graph, node, SH["in"])
    if members is not None:
        values = tuple(graph.items(members))
        if any(isinstance(v, BNode) for v in values):
            raise UnsupportedShapeError(node, "sh:in lists a blank node",
                                        "Blank nodes cannot be compared across graphs.", "")
        out.append(In(values))
    for value in sorted(graph.objects(node, SH.hasValue), key=lambda t: t.n3()):
        if isinstance(value, BNode):
            raise UnsupportedShapeError(node, "sh:hasValue is a blank node",
                                        "Blank nodes cannot be compared across graphs.", "")
        out.append(HasValue(value))
    out.extend(_patterns(graph, node))
    for predicate, (operator, component) in RANGES.items():
        bound = single(graph, node, predicate)
        if bound is not None:
            if not isinstance(bound, Literal):
                raise InvalidShapeError(node, f"{predicate.n3()} is not a literal",
                                        "Use a literal.", "")
            out.append(Range(operator, bound, component))
    out.extend(_qualified(graph, node, qualified_shape))
    out.extend(_sparql(graph, node, path))
    return tuple(out)


def _patterns(graph: Graph, node: Node) -> list[Constraint]:
    flags_node = single(graph, node, SH.flags)
    flags = str(flags_node) if flags_node is not None else ""
    if set(flags) - {"i", "m"}:
        raise UnsupportedShapeError(node, f"sh:flags {flags!r}", "Only the flags i and m are "
                                    "supported: pySHACL ignores the others.", "")
    out: list[Constraint] = []
    for pattern in sorted(graph.objects(node, SH.pattern), key=str):
        text = str(pattern)
        try:
            re.compile(text)
            query = f"SELECT (REGEX(\"\", {sparql_term(Literal(text))}, \"{flags}\") AS ?ok) {{}}"
            solutions = ox.Store().query(query)
            assert isinstance(solutions, ox.QuerySolutions)
            if next(iter(solutions))["ok"] is None:  # Oxigraph reads a bad regex as an error
                raise ValueError("Oxigraph cannot compile it")
        except (re.error, SyntaxError, OSError, ValueError) as exc:
            raise UnsupportedShapeError(node, f"sh:pattern {text!r} is not accepted by both "
                                        f"Python and Oxigraph ({exc})",
                                        "Use the common regex subset.", "") from exc
        out.append(Pattern(text, flags))
    return out


def _qualified(graph: Graph, node: Node, qualified_shape: Callable[[Node, Node], Shape]
               ) -> list[Constraint]:
    value_shape = single(graph, node, SH.qualifiedValueShape)
    low = _count(graph, node, SH.qualifiedMinCount)
    high = _count(graph, node, SH.qualifiedMaxCount)
    if value_shape is None:
        if low is not None or high is not None:
            raise InvalidShapeError(node, "a qualified count without sh:qualifiedValueShape",
                                    "Add the value shape.", "")
        return []
    if low is None and high is None:
        raise InvalidShapeError(node, "sh:qualifiedValueShape without a qualified count",
                                "Add sh:qualifiedMinCount or sh:qualifiedMaxCount.", "")
    disjoint = single(graph, node, SH.qualifiedValueShapesDisjoint)
    if isinstance(disjoint, Literal) and disjoint.value is True:
        raise UnsupportedShapeError(node, "sh:qualifiedValueShapesDisjoint true",
                                    "Sibling disjointness is not compiled; make the value "
                                    "shapes exclusive with sh:class or sh:in instead.", "")
    shape = qualified_shape(node, value_shape)
    out: list[Constraint] = []
    if low is not None:
        out.append(Qualified(shape, low, maximum=False))
    if high is not None:
        out.append(Qualified(shape, high, maximum=True))
    return out


def _sparql(graph: Graph, node: Node, path: PropertyPath | None) -> list[Constraint]:
    out: list[Constraint] = []
    for constraint in graph.objects(node, SH.sparql):
        deactivated = single(graph, constraint, SH.deactivated)
        if isinstance(deactivated, Literal) and deactivated.value is True:
            continue
        select = single(graph, constraint, SH.select)
        if not (isinstance(select, Literal) and isinstance(select.value, str)):
            raise InvalidShapeError(node, "sh:sparql needs one sh:select string",
                                    "Add the SELECT query as a string.",
                                    "SPARQLConstraintComponent")
        text = str(select)
        if path is not None:
            text = substitute_path(text, path.sparql())
        elif has_path_variable(text):
            raise InvalidShapeError(node, "$PATH in the query of a node shape",
                                    "Use $PATH only on property shapes.", "sparql-constraints-path")
        messages = tuple(sorted((m for m in graph.objects(constraint, SH.message)
                                 if isinstance(m, Literal)), key=str))
        out.append(Sparql(constraint, analyse_select(text, node), messages,
                          _prefixes(graph, constraint)))
    return out


def _prefixes(graph: Graph, constraint: Node) -> tuple[tuple[str, str], ...]:
    """Resolve sh:prefixes as pySHACL's SPARQLQueryHelper.collect_prefixes does."""
    prefixes = dict(PYSHACL_PREFIXES)
    holders = set(graph.objects(constraint, SH.prefixes))
    if not holders:
        return tuple(prefixes.items())
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    global_declares = {d for o in ontologies for d in graph.objects(o, SH.declare)}
    for holder in holders:
        own = set(graph.objects(holder, SH.declare))
        declares = own if (own and holder in ontologies) else global_declares | own
        for declare in declares:
            prefix = single(graph, declare, SH.prefix)
            namespace = single(graph, declare, SH.namespace)
            if not isinstance(prefix, Literal) or not isinstance(namespace, Literal | URIRef):
                raise InvalidShapeError(constraint, "sh:declare needs one sh:prefix and one "
                                        "sh:namespace", "Complete the declaration.",
                                        "sparql-prefixes")
            prefixes[str(prefix)] = str(namespace)
    return tuple(prefixes.items())
