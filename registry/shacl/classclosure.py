"""SHACL instance tests without ``rdfs:subClassOf*`` paths, over a materialised class closure.

SHACL decides "is an instance of C" with the path ``rdf:type/rdfs:subClassOf*`` (class
targets, ``sh:class``, and the legal shapes' own SPARQL). Oxigraph 0.5 evaluates a ``*`` path
anew for every row that reaches it, so at a few hundred thousand statements these tests were
most of the validation time. The class hierarchy itself is tiny (a few hundred
``rdfs:subClassOf`` statements, from the ontology and the data), so each run writes its
transitive closure, one ``<urn:cityreg:subClassOfPlus>`` statement per pair ``(A, B)`` with
``A rdfs:subClassOf+ B``, into a reserved graph, and the compiled queries say instead::

    ?x (rdf:type|rdf:type/<urn:cityreg:subClassOfPlus>) C

which is the same test: ``subClassOf*`` is ``subClassOf+`` or the empty path. Both paths are
fixed-length, so Oxigraph evaluates them as ordinary joins. The closure is computed from the
store at the start of every run and removed afterwards (:class:`ClassClosure`), so it always
matches the data the queries see.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

import pyoxigraph as ox

from registry.namespaces import CLASS_CLOSURE_GRAPH
from registry.shacl.scratch import ScratchGraph

#: The reserved graph that holds the closure while a validation runs.
CLOSURE_GRAPH = str(CLASS_CLOSURE_GRAPH)
#: ``A <SUBCLASS_PLUS> B`` holds when ``A rdfs:subClassOf+ B`` holds in the store.
SUBCLASS_PLUS = "urn:cityreg:subClassOfPlus"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_INSTANCE_OF = f"(<{_RDF_TYPE}>|<{_RDF_TYPE}>/<{SUBCLASS_PLUS}>)"
# ``rdf:type/rdfs:subClassOf*`` as the shapes and the compiler write it, not after ``^`` (an
# inverse binds tighter than ``/``, so ``^rdf:type/...`` is another path).
_TYPE_PATH = re.compile(
    r"(?<![\^\w:>])(?:rdf:type|a|<" + re.escape(_RDF_TYPE) + r">)"
    r"/(?:rdfs:subClassOf|<" + re.escape(_SUBCLASS) + r">)\*")
# The compiler's class-target pattern.
_TARGET = re.compile(
    r"\?cityreg_c <" + re.escape(_SUBCLASS) + r">\* (<[^>\s]+>) \. "
    r"\?this <" + re.escape(_RDF_TYPE) + r"> \?cityreg_c")


def rewrite_instance_tests(query: str) -> str:
    """``query`` with every instance test written over the closure (see the module)."""
    query = _TARGET.sub(lambda m: f"?this {_INSTANCE_OF} {m.group(1)}", query)
    return _TYPE_PATH.sub(_INSTANCE_OF, query)


class ClassClosure(ScratchGraph):
    """Write the store's ``rdfs:subClassOf+`` closure into :data:`CLOSURE_GRAPH` for the
    duration of a ``with`` block; put back whatever that graph held before on exit."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store, CLOSURE_GRAPH, self._closure)

    def _closure(self, graph: ox.NamedNode) -> list[ox.Quad]:
        return closure_quads(self.store, graph)


def closure_quads(store: ox.Store, graph: ox.NamedNode) -> list[ox.Quad]:
    """The ``rdfs:subClassOf+`` pairs of ``store`` as ``<SUBCLASS_PLUS>`` statements in
    ``graph``, computed here from the direct statements: every engine answers that (Virtuoso
    refuses a ``+`` path with neither end bound), and the hierarchy is small. A remote engine
    cannot be handed back its blank nodes, so there only pairs of IRIs are written (no
    instance test names a blank class)."""
    solutions = store.query(f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{_SUBCLASS}> ?b }}",
                            use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    parents: dict[ox.NamedNode | ox.BlankNode, set[ox.NamedNode | ox.BlankNode]] = {}
    for row in solutions:
        child, parent = row["a"], row["b"]
        if isinstance(child, ox.NamedNode | ox.BlankNode) and isinstance(
                parent, ox.NamedNode | ox.BlankNode):
            parents.setdefault(child, set()).add(parent)
    local = isinstance(store, ox.Store)
    plus = ox.NamedNode(SUBCLASS_PLUS)
    return [ox.Quad(child, plus, ancestor, graph)
            for child, ancestor in closure_pairs(parents)
            if local or (isinstance(child, ox.NamedNode) and isinstance(ancestor, ox.NamedNode))]


Node = TypeVar("Node", bound=Hashable)


def closure_pairs(steps: Mapping[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
    """Every pair ``(A, B)`` with a path of one or more steps from A to B (``steps``: each
    node -> the nodes one step away; cycles included)."""
    for start in steps:
        found: set[Node] = set()
        todo = list(steps.get(start, ()))
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo.extend(steps.get(node, ()))
        for node in found:
            yield start, node
