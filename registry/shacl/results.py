"""The validation result type, and how two lists of results are compared.

A :class:`ValidationResult` holds rdflib terms, as a SHACL validation report would
(https://www.w3.org/TR/shacl/#results-validation-result). The engine and the pySHACL oracle
both produce them; :func:`comparison_key` defines when two results are the same finding:

* messages are left out (generated messages differ between engines by design);
* a blank-node source shape or result path is replaced by a *structural key*: a hash of
  everything reachable from it in the shapes graph, so the same anonymous property shape
  compares equal whichever copy of the shapes graph, or whichever report, it came from;
* literals are put in the canonical form an Oxigraph store gives them back in
  (:func:`registry.shacl.terms.canonical_literal`), since the store does not keep
  ``"01"^^xsd:integer`` as written.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.terms import canonical

Key = tuple[Node | str | None, ...]


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL validation result.

    ``focus``: the focus node; ``path``: ``sh:resultPath`` (the shape's path node in the shapes
    graph, a data IRI bound to ``?path`` by a SPARQL constraint, or None); ``value``:
    ``sh:value`` or None where the component reports none (counts, hasValue, qualified);
    ``source_shape``: the shape's node; ``component``: the ``sh:sourceConstraintComponent``;
    ``severity``: the shape's ``sh:severity``; ``messages``: ``sh:resultMessage`` values.
    """

    focus: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...] = ()

    @property
    def is_violation(self) -> bool:
        return self.severity == SH.Violation


def structural_key(graph: Graph, node: Node, _seen: frozenset[Node] = frozenset()) -> str:
    """A key for ``node`` that is equal for structurally equal blank-node descriptions."""
    if not isinstance(node, BNode):
        return node.n3()
    if node in _seen:
        return "_:cycle"
    seen = _seen | {node}
    parts = sorted(f"{p.n3()} {structural_key(graph, o, seen)}"
                   for p, o in graph.predicate_objects(node))
    return "_:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def comparison_key(result: ValidationResult, shapes: Graph) -> Key:
    """The result without messages, with blank-node shapes/paths made structural.

    ``shapes`` is the graph that describes ``result.source_shape`` and ``result.path``.
    """
    path: Node | str | None = result.path
    if isinstance(path, BNode):
        path = structural_key(shapes, path)
    source: Node | str = result.source_shape
    if isinstance(source, BNode):
        source = structural_key(shapes, source)
    return (canonical(result.focus), path, canonical(result.value), source,
            result.component, result.severity)


def comparison_keys(results: Iterable[ValidationResult], shapes: Graph) -> Counter[Key]:
    """The multiset of :func:`comparison_key` over ``results``."""
    return Counter(comparison_key(r, shapes) for r in results)


def message_texts(results: Iterable[ValidationResult], shapes: Graph) -> dict[Key, set[str]]:
    """For each result key, the set of message texts (to compare substituted messages)."""
    out: dict[Key, set[str]] = {}
    for r in results:
        out.setdefault(comparison_key(r, shapes), set()).update(str(m) for m in r.messages)
    return out
