"""Compiling shapes into whole-graph SPARQL SELECT queries.

Each (evaluation, constraint) pair becomes one query that returns every violation in the
graph at once: the focus nodes in ``?this`` and, where pySHACL reports one, the offending
value in ``?value``. The focus nodes come from a subquery over the targets::

    { SELECT DISTINCT ?this WHERE { <focus slot> { ?c rdfs:subClassOf* C . ?this a ?c }
                                    UNION { VALUES ?this { <targetNode>... } } ... } }

The *focus slot* is empty for a full validation and holds ``VALUES ?this { ... }`` for an
incremental one, so a changed entity is re-validated by the same queries restricted to it.

Value nodes of a property shape are ``?this <sparql path> ?value``; a node shape's only value
node is the focus itself (``BIND(?this AS ?value)``). Per component:

=====================  =====================================================================
minCount 1             ``FILTER NOT EXISTS { ?this P ?value }``
minCount n, maxCount   ``GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < n)`` (``> n``)
datatype, nodeKind,    ``FILTER(!ok(?value))`` with ``ok`` an expression: ``datatype(?value) =
in, pattern, ranges    D`` plus a well-formedness cast, ``isIRI``, ``sameTerm`` disjunction,
                       ``REGEX(STR(?value))``, ``COALESCE(?value >= bound, false)``
class                  ``FILTER NOT EXISTS { ?value rdf:type/rdfs:subClassOf* C }``
hasValue               ``FILTER NOT EXISTS { ?this P h }`` (node shape: ``!sameTerm``)
qualified min / max    count of values satisfying the value shape's conformance expression
sparql                 the constraint's own query, rewritten by :mod:`registry.shacl.sparql`
=====================  =====================================================================

Terms are compared with ``sameTerm`` (RDF term equality, as rdflib compares them), never with
``=`` (which would make ``1`` equal to ``1.0``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.constraints import (
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
from registry.shacl.model import Evaluation, Shape, Targets
from registry.shacl.terms import sparql_term, values_block

# Marks where the focus subquery goes while a query is assembled, and where an incremental
# run puts its VALUES block inside that subquery.
_SLOT = "\u0001TARGET\u0001"
FOCUS_SLOT = "\u0001FOCUS\u0001"
_TYPE = f"{sparql_term(RDF.type)}/{sparql_term(RDFS.subClassOf)}*"
_CASTABLE = {XSD[n] for n in ("integer", "decimal", "float", "double", "boolean", "date",
                              "time", "dateTime")}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}


@dataclass(frozen=True)
class CompiledQuery:
    """One SELECT for one constraint of one evaluation, with focus slots in its template.

    ``has_value`` says whether rows carry ``?value``; SPARQL-based constraints are read by
    the engine from their own projection instead.
    """

    evaluation: Evaluation
    constraint: Constraint
    template: str
    has_value: bool

    def text(self, focus: Iterable[Node] | None = None) -> str:
        """The query; with ``focus`` it only considers those focus nodes."""
        slot = "" if focus is None else values_block("this", focus)
        return self.template.replace(FOCUS_SLOT, slot)


def compile_evaluation(evaluation: Evaluation) -> list[CompiledQuery]:
    """The queries of every constraint of an evaluation, in declaration order."""
    target = target_group(evaluation.targets)
    out = []
    for constraint in evaluation.shape.constraints:
        body = _body(evaluation.shape, constraint, evaluation.targets)
        if body is None:
            continue
        query, has_value = body
        out.append(CompiledQuery(evaluation, constraint, query.replace(_SLOT, target),
                                 has_value))
    return out


def target_group(targets: Targets) -> str:
    """A group binding ``?this`` to each focus node once, with the focus slot inside."""
    head, tail = _target(targets)
    return head + FOCUS_SLOT + tail


def _target(targets: Targets) -> tuple[str, str]:
    branches = [f"{{ ?cityreg_c {sparql_term(RDFS.subClassOf)}* {sparql_term(c)} . "
                f"?this {sparql_term(RDF.type)} ?cityreg_c }}" for c in targets.classes]
    if targets.nodes:
        branches.append(f"{{ {values_block('this', targets.nodes)} }}")
    branches += [f"{{ ?this {sparql_term(p)} ?cityreg_o }}" for p in targets.subjects_of]
    branches += [f"{{ ?cityreg_s {sparql_term(p)} ?this }}" for p in targets.objects_of]
    return "{ SELECT DISTINCT ?this WHERE { ", " " + " UNION ".join(branches) + " } }"


def _values(shape: Shape) -> str:
    if shape.path is None:
        return "BIND(?this AS ?value)"
    return f"?this {shape.path.sparql()} ?value ."


def _body(shape: Shape, c: Constraint, targets: Targets) -> tuple[str, bool] | None:
    """The query text with the focus slot where the targets go, and has_value."""
    path = shape.path.sparql() if shape.path is not None else ""
    if isinstance(c, MinCount | MaxCount):
        if isinstance(c, MinCount) and c.count == 0:
            return None
        if isinstance(c, MinCount) and c.count == 1:
            query = f"SELECT ?this WHERE {{ {_SLOT} FILTER NOT EXISTS {{ {_values(shape)} }} }}"
            return query, False
        optional = "OPTIONAL" if isinstance(c, MinCount) else ""
        op = "<" if isinstance(c, MinCount) else ">"
        return (f"SELECT ?this WHERE {{ {_SLOT} {optional} {{ {_values(shape)} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {op} {c.count})", False)
    if isinstance(c, HasValue):
        if shape.path is None:
            test = f"FILTER(!sameTerm(?this, {sparql_term(c.value)}))"
        else:
            test = f"FILTER NOT EXISTS {{ ?this {path} {sparql_term(c.value)} }}"
        return f"SELECT ?this WHERE {{ {_SLOT} {test} }}", False
    if isinstance(c, ClassConstraint):
        test = f"FILTER NOT EXISTS {{ ?value {_TYPE} {sparql_term(c.cls)} }}"
        return f"SELECT DISTINCT ?this ?value WHERE {{ {_SLOT} {_values(shape)} {test} }}", True
    if isinstance(c, Qualified):
        ok = conforms(c.shape, "?value", itertools.count())
        if not c.maximum and c.count == 1:
            return (f"SELECT ?this WHERE {{ {_SLOT} FILTER NOT EXISTS {{ {_values(shape)} "
                    f"FILTER({ok}) }} }}", False)
        optional = "" if c.maximum else "OPTIONAL"
        op = ">" if c.maximum else "<"
        return (f"SELECT ?this WHERE {{ {_SLOT} {optional} {{ {_values(shape)} FILTER({ok}) }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {op} {c.count})", False)
    if isinstance(c, Sparql):
        # A zero-length path would match a sh:targetNode absent from the data under
        # EXISTS but not as a join: keep EXISTS for shapes with such targets.
        return c.query.rewrite(c.prologue(), _SLOT, semi_joins=not targets.nodes), False
    ok = value_test(c, "?value")
    return (f"SELECT DISTINCT ?this ?value WHERE {{ {_SLOT} {_values(shape)} "
            f"FILTER(!({ok})) }}", True)


def value_test(c: Constraint, v: str) -> str:
    """A SPARQL expression true when the value in variable ``v`` satisfies constraint ``c``."""
    if isinstance(c, Datatype):
        return datatype_test(c.datatype, v)
    if isinstance(c, NodeKind):
        return _NODE_KINDS[c.kind].format(v=v)
    if isinstance(c, In):
        return " || ".join(f"sameTerm({v}, {sparql_term(x)})" for x in c.values) or "false"
    if isinstance(c, Pattern):
        return (f"!isBlank({v}) && REGEX(STR({v}), {sparql_term_str(c.pattern)}, "
                f"{sparql_term_str(c.flags)})")
    if isinstance(c, Range):
        return f"COALESCE({v} {c.operator} {sparql_term(c.bound)}, false)"
    if isinstance(c, ClassConstraint):
        return f"EXISTS {{ {v} {_TYPE} {sparql_term(c.cls)} }}"
    if isinstance(c, HasValue):
        return f"sameTerm({v}, {sparql_term(c.value)})"
    raise TypeError(f"{type(c).__name__} is not a value test")


def sparql_term_str(text: str) -> str:
    """A plain string literal."""
    return sparql_term(Literal(text))


def datatype_test(datatype: URIRef, v: str) -> str:
    """True when ``v`` is a well-formed literal of ``datatype`` (pySHACL's reading)."""
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    if datatype == RDF.langString:
        return f"(isLiteral({v}) && lang({v}) != \"\")"
    test = f"(isLiteral({v}) && sameTerm(datatype({v}), {sparql_term(datatype)})"
    if datatype in _CASTABLE:
        cast = f"{sparql_term(datatype)}({v})"
        test += f" && COALESCE(sameTerm({cast}, {cast}), false)"
    return test + ")"


def conforms(shape: Shape, v: str, counter: Iterable[int]) -> str:
    """An expression true when the node in ``v`` conforms to a qualified value shape.

    The value shape may use sh:class, sh:hasValue, sh:in, sh:datatype, and property shapes
    with sh:minCount, sh:hasValue and sh:class (checked when the shapes were loaded).
    """
    names = iter(counter)
    parts = [value_test(c, v) for c in shape.constraints]
    for prop in shape.properties:
        if prop.deactivated or prop.path is None:
            continue
        path = prop.path.sparql()
        for c in prop.constraints:
            if isinstance(c, MinCount) and c.count > 0:
                vs = [f"?cityreg_q{next(names)}" for _ in range(c.count)]
                triples = " ".join(f"{v} {path} {x} ." for x in vs)
                distinct = " && ".join(f"!sameTerm({a}, {b})"
                                       for a, b in itertools.combinations(vs, 2)) or "true"
                parts.append(f"EXISTS {{ {triples} FILTER({distinct}) }}")
            elif isinstance(c, HasValue):
                parts.append(f"EXISTS {{ {v} {path} {sparql_term(c.value)} }}")
            elif isinstance(c, ClassConstraint):
                x = f"?cityreg_q{next(names)}"
                parts.append(f"NOT EXISTS {{ {v} {path} {x} FILTER NOT EXISTS "
                             f"{{ {x} {_TYPE} {sparql_term(c.cls)} }} }}")
    return " && ".join(f"({p})" for p in parts) or "true"


def default_message(shape: Shape, c: Constraint) -> str:
    """A generated message for a core result when the shape has no sh:message."""
    where = f" of {shape.path.sparql()}" if shape.path is not None else ""
    if isinstance(c, MinCount):
        return f"Fewer than {c.count} values{where}"
    if isinstance(c, MaxCount):
        return f"More than {c.count} values{where}"
    if isinstance(c, Qualified):
        kind = "More" if c.maximum else "Fewer"
        return f"{kind} than {c.count} values{where} conform to {c.shape.node.n3()}"
    if isinstance(c, HasValue):
        return f"Missing value {c.value.n3()}{where}"
    if isinstance(c, Datatype):
        return f"Value{where} is not a well-formed literal of datatype {c.datatype.n3()}"
    if isinstance(c, ClassConstraint):
        return f"Value{where} is not an instance of {c.cls.n3()}"
    if isinstance(c, NodeKind):
        return f"Value{where} is not of node kind {c.kind.n3()}"
    if isinstance(c, In):
        return f"Value{where} is not one of {', '.join(x.n3() for x in c.values)}"
    if isinstance(c, Pattern):
        return f"Value{where} does not match pattern {c.pattern!r}"
    if isinstance(c, Range):
        return f"Value{where} is not {c.operator} {c.bound.n3()}"
    return "SPARQL constraint violated"
