"""The constraints the engine compiles, as typed values read from a shapes graph.

Each class is one SHACL constraint component instance of a shape and names its
``sh:sourceConstraintComponent``. The compiler (:mod:`registry.shacl.compile`) turns each one
into a single whole-graph SPARQL SELECT query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.sparql import SelectQuery

if TYPE_CHECKING:
    from registry.shacl.model import Shape


@dataclass(frozen=True)
class MinCount:
    """``sh:minCount``: fewer distinct values than ``count`` is a result without a value."""

    count: int
    component: ClassVar[URIRef] = SH.MinCountConstraintComponent


@dataclass(frozen=True)
class MaxCount:
    """``sh:maxCount``: more distinct values than ``count`` is a result without a value."""

    count: int
    component: ClassVar[URIRef] = SH.MaxCountConstraintComponent


@dataclass(frozen=True)
class Datatype:
    """``sh:datatype``: each value is a well-formed literal of ``datatype``."""

    datatype: URIRef
    component: ClassVar[URIRef] = SH.DatatypeConstraintComponent


@dataclass(frozen=True)
class ClassConstraint:
    """``sh:class``: each value is a SHACL instance of ``cls`` in the data graph."""

    cls: URIRef
    component: ClassVar[URIRef] = SH.ClassConstraintComponent


@dataclass(frozen=True)
class NodeKind:
    """``sh:nodeKind``: each value is of the kind (``sh:IRI``, ``sh:BlankNodeOrIRI`` ...)."""

    kind: URIRef
    component: ClassVar[URIRef] = SH.NodeKindConstraintComponent


@dataclass(frozen=True)
class In:
    """``sh:in``: each value is one of ``values`` (RDF term equality)."""

    values: tuple[Node, ...]
    component: ClassVar[URIRef] = SH.InConstraintComponent


@dataclass(frozen=True)
class HasValue:
    """``sh:hasValue``: ``value`` is among the values; a result has no value."""

    value: Node
    component: ClassVar[URIRef] = SH.HasValueConstraintComponent


@dataclass(frozen=True)
class Pattern:
    """``sh:pattern`` with ``sh:flags``: each value's string form matches the regex."""

    pattern: str
    flags: str
    component: ClassVar[URIRef] = SH.PatternConstraintComponent


@dataclass(frozen=True)
class Range:
    """``sh:minInclusive`` and friends: ``value <operator> bound`` holds for each value."""

    operator: str
    bound: Literal
    component: URIRef


RANGES = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}


@dataclass(frozen=True)
class Qualified:
    """``sh:qualifiedValueShape`` with one of ``sh:qualifiedMinCount`` / ``MaxCount``.

    A shape with both becomes two instances, one per component, as pySHACL reports them.
    """

    shape: Shape
    count: int
    maximum: bool

    @property
    def component(self) -> URIRef:
        if self.maximum:
            return SH.QualifiedMaxCountConstraintComponent
        return SH.QualifiedMinCountConstraintComponent


@dataclass(frozen=True)
class Sparql:
    """One ``sh:sparql`` constraint: its node, analysed SELECT, messages and prefixes."""

    node: Node
    query: SelectQuery
    messages: tuple[Literal, ...]
    prefixes: tuple[tuple[str, str], ...]
    component: ClassVar[URIRef] = SH.SPARQLConstraintComponent

    def prologue(self) -> str:
        """PREFIX declarations pySHACL puts before the query (rdf, rdfs, owl and declared)."""
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes)


Constraint = (
    MinCount | MaxCount | Datatype | ClassConstraint | NodeKind | In | HasValue | Pattern
    | Range | Qualified | Sparql
)
