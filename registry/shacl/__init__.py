"""SHACL validation compiled to whole-graph SPARQL, run by pyoxigraph.

pySHACL evaluates an ``sh:sparql`` constraint once per focus node, which grows quadratically;
on an Oxigraph-backed graph it also recounts the store for every result. This package reads a
shapes graph (:mod:`~registry.shacl.model`), compiles each constraint of each shape into one
SELECT that finds all its violations at once (:mod:`~registry.shacl.compile`) and runs them
over a ``pyoxigraph.Store`` (:mod:`~registry.shacl.engine`). Plain pySHACL on rdflib is the
oracle (:mod:`~registry.shacl.oracle`): the tests assert both find the same results.

Supported SHACL (anything else raises :class:`UnsupportedShapeError` when loading):

* node shapes, property shapes via ``sh:property`` or with their own targets;
  ``sh:deactivated``, ``sh:severity`` (any IRI), ``sh:message`` (language tags kept);
* targets: ``sh:targetClass`` (``rdf:type/rdfs:subClassOf*`` in the data), implicit class
  targets (a shape that is an ``rdfs:Class``), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``;
* paths: IRI, inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one;
* ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:class``, ``sh:nodeKind``, ``sh:in``,
  ``sh:hasValue``, ``sh:pattern`` (flags ``i``, ``m``), the four range constraints (also on
  node shapes, applied to the focus node);
* ``sh:qualifiedValueShape`` + ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount`` whose value
  shape uses ``sh:class``, ``sh:hasValue``, ``sh:in``, ``sh:datatype`` and property shapes with
  ``sh:minCount``, ``sh:hasValue``, ``sh:class`` (not ``sh:qualifiedValueShapesDisjoint``);
* ``sh:sparql`` SELECT constraints on node and property shapes (``$this``, ``$PATH``,
  ``sh:prefixes``/``sh:declare``), messages substituted as pySHACL does; ``$this`` must not be
  used in an expression inside a UNION branch, nested group, subquery or OPTIONAL BIND
  (:mod:`~registry.shacl.sparql`). Top-level EXISTS and OPTIONAL blocks run as joins where
  that is provably the same (:mod:`~registry.shacl.decorrelate`).

Incremental validation (``focus=``) runs only the queries of shapes that target the given
nodes (:mod:`~registry.shacl.focus`).

Before they run, the compiled queries are rewritten into forms Oxigraph 0.5 evaluates in
linear time, each proven the same query (and tested against the original): instance tests
over a per-run ``rdfs:subClassOf+`` closure instead of ``*`` paths
(:mod:`~registry.shacl.classclosure`), joins of the focus nodes distributed over UNION
(:mod:`~registry.shacl.unions`), and EXISTS blocks of nested groups as joins
(:mod:`~registry.shacl.antijoins`). The queries of one run go to one thread per core.
"""

from registry.shacl.engine import ValidationEngine
from registry.shacl.errors import InvalidShapeError, ShapeError, UnsupportedShapeError
from registry.shacl.model import Evaluation, Shape, ShapesGraph, Targets
from registry.shacl.oracle import validate_with_pyshacl
from registry.shacl.results import ValidationResult, comparison_keys
from registry.shacl.terms import store_from_graph

__all__ = [
    "Evaluation",
    "InvalidShapeError",
    "Shape",
    "ShapeError",
    "ShapesGraph",
    "Targets",
    "UnsupportedShapeError",
    "ValidationEngine",
    "ValidationResult",
    "comparison_keys",
    "store_from_graph",
    "validate_with_pyshacl",
]
