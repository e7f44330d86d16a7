"""Reading a SHACL shapes graph into typed shapes, refusing what the engine cannot check.

:meth:`ShapesGraph.load` finds the shapes the way pySHACL does (typed ``sh:NodeShape`` /
``sh:PropertyShape``, subjects of target and ``sh:property`` triples, values of shape-expecting
properties), reads each into a frozen :class:`Shape` and lists the :class:`Evaluation` s to run:
every active shape with targets, and every active property shape under an active node shape
with targets (evaluated with the parent's focus nodes, as pySHACL's ``sh:property`` does).

Every SHACL term a shape uses must be one this module reads; anything else raises
:class:`~registry.shacl.errors.UnsupportedShapeError` (see :mod:`registry.shacl`), never a
silent skip. Annotations outside the SHACL namespace (labels, rule ids, legal sources) are free.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.constraints import Constraint, Qualified
from registry.shacl.errors import InvalidShapeError, UnsupportedShapeError
from registry.shacl.paths import PropertyPath, parse_path
from registry.shacl.reader import read_constraints, single

_HINTS = {
    "node": "Inline the referenced shape's constraints, or write an sh:sparql constraint.",
    "and": "Split into several shapes, or write an sh:sparql constraint.",
    "or": "Write the alternatives as one sh:sparql constraint.",
    "xone": "Write the alternatives as one sh:sparql constraint.",
    "not": "Write the negation as one sh:sparql constraint.",
    "closed": "List the allowed predicates in an sh:sparql constraint.",
    "minLength": "Use sh:pattern, e.g. \"^.{1,200}$\".",
    "maxLength": "Use sh:pattern, e.g. \"^.{0,200}$\".",
    "target": "SHACL-AF targets run only in pySHACL's advanced mode; use sh:targetClass etc.",
    "rule": "SHACL-AF rules are not run; materialise the triples before validating.",
}
_ANNOTATIONS = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_COMMON = _ANNOTATIONS | _TARGETS | {SH.deactivated, SH.severity}
_VALUE_CONSTRAINTS = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.hasValue, SH.pattern,
                      SH.flags, SH.minInclusive, SH.minExclusive, SH.maxInclusive,
                      SH.maxExclusive, SH.sparql}
ALLOWED = {
    "node": _COMMON | _VALUE_CONSTRAINTS | {SH.property},
    "property": _COMMON | _VALUE_CONSTRAINTS | {
        SH.path, SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.qualifiedMinCount,
        SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint},
    "value": _ANNOTATIONS | _TARGETS | {SH["class"], SH.hasValue, SH["in"], SH.datatype,
                                        SH.property},
    "value property": _ANNOTATIONS | {SH.path, SH.minCount, SH.hasValue, SH["class"]},
}


@dataclass(frozen=True)
class Targets:
    """A shape's target declarations; ``classes`` includes an implicit class target."""

    classes: tuple[URIRef, ...] = ()
    nodes: tuple[Node, ...] = ()
    subjects_of: tuple[URIRef, ...] = ()
    objects_of: tuple[URIRef, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.classes or self.nodes or self.subjects_of or self.objects_of)


@dataclass(frozen=True)
class Shape:
    """A node shape (``path is None``) or property shape, with its constraints.

    ``path_node`` is the ``sh:path`` value in the shapes graph (reported as ``sh:resultPath``);
    ``properties`` are the property shapes attached with ``sh:property``.
    """

    node: URIRef | BNode
    path: PropertyPath | None = None
    path_node: URIRef | BNode | None = None
    targets: Targets = Targets()
    severity: URIRef = SH.Violation
    messages: tuple[Literal, ...] = ()
    deactivated: bool = False
    constraints: tuple[Constraint, ...] = ()
    properties: tuple[Shape, ...] = field(default=())

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Evaluation:
    """One shape evaluated with one set of targets: its own, or its parent node shape's."""

    shape: Shape
    targets: Targets
    parent: Shape | None = None


class ShapesGraph:
    """The shapes of one shapes graph, and the evaluations a validation runs.

    Build with :meth:`load`. ``graph`` is the rdflib graph the shapes were read from: the
    blank nodes of anonymous property shapes and paths in results refer to it.
    """

    def __init__(self, graph: Graph, shapes: dict[Node, Shape]) -> None:
        self.graph = graph
        self.shapes = dict(sorted(shapes.items(), key=lambda item: (
            isinstance(item[0], BNode), item[0].n3())))
        self.evaluations = tuple(self._evaluations())

    @classmethod
    def load(cls, source: Graph | str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
             ) -> ShapesGraph:
        """Read shapes from an rdflib graph or from one or more RDF files (Turtle etc.).

        Raises :class:`UnsupportedShapeError` or :class:`InvalidShapeError`.
        """
        if isinstance(source, Graph):
            graph = source
        else:
            graph = Graph()
            paths = [source] if isinstance(source, str | os.PathLike) else list(source)
            for path in paths:
                graph.parse(os.fspath(path))
        return cls(graph, _Reader(graph).read_all())

    def shape(self, node: Node) -> Shape:
        """The shape read from ``node`` (KeyError if ``node`` is not a shape)."""
        return self.shapes[node]

    def _evaluations(self) -> Iterable[Evaluation]:
        for shape in self.shapes.values():
            if shape.deactivated or not shape.targets:
                continue
            yield Evaluation(shape, shape.targets)
            for prop in shape.properties:
                if not prop.deactivated:
                    yield Evaluation(prop, shape.targets, parent=shape)


class _Reader:
    """Finds shapes as pySHACL's ShapesGraph does and reads each one once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.cache: dict[tuple[Node, str], Shape] = {}
        class_types = set(graph.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        self.class_types = class_types

    def read_all(self) -> dict[Node, Shape]:
        g = self.graph
        for predicate in (SH.rule, SH.target, SH.js, SH.expression):
            for subject in g.subjects(predicate, None):
                name = str(predicate).rsplit("#", 1)[1]
                raise UnsupportedShapeError(subject, f"sh:{name} is used", _HINTS.get(
                    name, "SHACL-AF and SHACL-JS features are not run."), "")
        for component in g.subjects(RDF.type, SH.ConstraintComponent):
            raise UnsupportedShapeError(component, "a custom constraint component is declared",
                                        "Write the rule as an sh:sparql constraint.",
                                        "sparql-constraint-components")
        typed_node = set(g.subjects(RDF.type, SH.NodeShape))
        typed_property = set(g.subjects(RDF.type, SH.PropertyShape))
        implied = {s for p in (*_TARGETS, SH.property, SH.node) for s in g.subjects(p, None)}
        referenced = {o for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
                      for o in g.objects(None, p)}
        for p in (SH["and"], SH["or"], SH.xone):
            for head in g.objects(None, p):
                referenced.update(g.items(head))
        for owner, prop in g.subject_objects(SH.property):
            if (prop, SH.path, None) not in g:
                raise InvalidShapeError(owner, f"sh:property {prop.n3()} has no sh:path",
                                        "Give the property shape a path.", "property-shapes")
        shapes: dict[Node, Shape] = {}
        qualified_values = set(g.objects(None, SH.qualifiedValueShape))
        for node in typed_node | typed_property | implied | referenced:
            if not isinstance(node, URIRef | BNode):
                raise InvalidShapeError(node, "a literal is used as a shape", "Use an IRI.", "")
            has_path = (node, SH.path, None) in g
            if node in typed_node and (has_path or node in typed_property):
                raise InvalidShapeError(node, "a sh:NodeShape with sh:path or PropertyShape type",
                                        "Make it a sh:PropertyShape.", "node-shapes")
            if has_path or node in typed_property:
                role = "property"
            elif node in qualified_values:
                role = "value"
            else:
                role = "node"
            shapes[node] = self.read(node, role)
        return shapes

    def read(self, node: URIRef | BNode, role: str) -> Shape:
        """Read ``node`` in ``role`` (node, property, value, value property), cached."""
        key = (node, role)
        if key not in self.cache:
            self.cache[key] = self._read(node, role)
        return self.cache[key]

    def _read(self, node: URIRef | BNode, role: str) -> Shape:
        g = self.graph
        self._check_predicates(node, role)
        path_node = single(g, node, SH.path)
        path = None
        if role in ("property", "value property"):
            if not isinstance(path_node, URIRef | BNode):
                raise InvalidShapeError(node, "a property shape needs exactly one IRI or blank "
                                        "node sh:path", "Add sh:path.", "property-shapes")
            path = parse_path(g, path_node, node)
        severity = single(g, node, SH.severity) or SH.Violation
        if not isinstance(severity, URIRef):
            raise InvalidShapeError(node, "sh:severity is not an IRI", "Use sh:Violation, "
                                    "sh:Warning, sh:Info or another IRI.", "severity")
        messages = []
        for message in g.objects(node, SH.message):
            if not isinstance(message, Literal):
                raise InvalidShapeError(node, "sh:message is not a literal", "Use a string.",
                                        "message")
            messages.append(message)
        deactivated = single(g, node, SH.deactivated)
        if deactivated is not None and not (isinstance(deactivated, Literal)
                                            and isinstance(deactivated.value, bool)):
            raise InvalidShapeError(node, "sh:deactivated is not a boolean", "Use true or false.",
                                    "deactivated")
        properties: list[Shape] = []
        for prop in sorted(g.objects(node, SH.property), key=lambda p: _order_key(g, p)):
            if not isinstance(prop, URIRef | BNode) or (prop, SH.path, None) not in g:
                raise InvalidShapeError(node, f"sh:property {prop.n3()} has no sh:path",
                                        "Give the property shape a path.", "property-shapes")
            properties.append(self.read(prop, "value property" if role == "value" else "property"))
        constraints = read_constraints(g, node, path, self._qualified_shape)
        return Shape(
            node=node, path=path, path_node=path_node if path is not None else None,  # type: ignore[arg-type]
            targets=self._targets(node), severity=severity,
            messages=tuple(sorted(messages, key=str)),
            deactivated=bool(deactivated is not None and deactivated.value),
            constraints=constraints, properties=tuple(properties),
        )

    def _qualified_shape(self, owner: Node, value_shape: Node) -> Shape:
        if not isinstance(value_shape, URIRef | BNode):
            raise InvalidShapeError(owner, "sh:qualifiedValueShape is a literal", "Use a shape.",
                                    "QualifiedValueShapeConstraintComponent")
        if (value_shape, SH.path, None) in self.graph:
            raise UnsupportedShapeError(owner, "a qualified value shape with sh:path",
                                        "Use a node shape with nested sh:property.", "")
        return self.read(value_shape, "value")

    def _targets(self, node: Node) -> Targets:
        g = self.graph
        classes = [c for c in g.objects(node, SH.targetClass) if isinstance(c, URIRef)]
        types = set(g.objects(node, RDF.type))
        if isinstance(node, URIRef) and types & self.class_types:
            classes.append(node)
        elif OWL.Class in types:
            raise UnsupportedShapeError(
                node, "the shape is an owl:Class but not an rdfs:Class",
                "pySHACL and SHACL without OWL entailment give it no implicit class target: "
                "add `a rdfs:Class` or an explicit sh:targetClass.", "implicit-targetClass")
        for predicate in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
            for value in g.objects(node, predicate):
                if not isinstance(value, URIRef):
                    raise InvalidShapeError(node, f"{predicate.n3()} {value.n3()} is not an IRI",
                                            "Use an IRI.", "targets")
        return Targets(
            classes=tuple(dict.fromkeys(classes)),
            nodes=tuple(dict.fromkeys(g.objects(node, SH.targetNode))),
            subjects_of=tuple(dict.fromkeys(g.objects(node, SH.targetSubjectsOf))),  # type: ignore[arg-type]
            objects_of=tuple(dict.fromkeys(g.objects(node, SH.targetObjectsOf))),  # type: ignore[arg-type]
        )

    def _check_predicates(self, node: Node, role: str) -> None:
        allowed = ALLOWED[role]
        for predicate in set(self.graph.predicates(node)):
            if str(predicate).startswith(str(SH)) and predicate not in allowed:
                name = str(predicate)[len(str(SH)):]
                where = {"value": "in a qualified value shape",
                         "value property": "in a property shape of a qualified value shape",
                         "node": "on a node shape", "property": "on a property shape"}[role]
                raise UnsupportedShapeError(
                    node, f"sh:{name} {where} is not supported",
                    _HINTS.get(name, "Write the rule as an sh:sparql constraint."), name)
        if role == "property" and (node, SH.property, None) in self.graph:
            raise UnsupportedShapeError(node, "sh:property on a property shape",
                                        "Attach it to a node shape with its own target.", "")


def _order_key(graph: Graph, node: Node) -> tuple[str, str]:
    """Property shapes in a stable order: by path, then by node (blank-node ids vary)."""
    path = graph.value(node, SH.path)
    path_text = parse_path(graph, path, node).sparql() if path is not None else ""
    return path_text, node.n3() if isinstance(node, URIRef) else ""


def qualified_shapes(shape: Shape) -> Iterable[Shape]:
    """The value shapes of the shape's qualified constraints (for explain output)."""
    for c in shape.constraints:
        if isinstance(c, Qualified):
            yield c.shape
