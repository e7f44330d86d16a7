"""The oracle: plain pySHACL on an rdflib graph, its report read into ValidationResults.

The engine must find exactly what this finds (tests assert it, see ``tests/shacl``). It runs
pySHACL as the notes recommend for a trustworthy reference: rdflib in-memory data, no
inference, no advanced features, warnings allowed.

pySHACL copies blank-node shapes and paths into its report keeping their identifiers, so the
results refer to the same blank nodes as the shapes graph that was passed in.
"""

from __future__ import annotations

from typing import cast

import pyshacl
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry.shacl.results import ValidationResult


def validate_with_pyshacl(data: Graph, shapes: Graph) -> list[ValidationResult]:
    """Validate ``data`` against ``shapes`` with pySHACL and return its results."""
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    assert isinstance(report, Graph)
    return [_result(report, node) for node in report.subjects(RDF.type, SH.ValidationResult)]


def _result(report: Graph, node: Node) -> ValidationResult:
    def one(predicate: URIRef) -> Node | None:
        return report.value(node, predicate)

    focus, shape = one(SH.focusNode), one(SH.sourceShape)
    assert focus is not None
    assert shape is not None
    messages = sorted((m for m in report.objects(node, SH.resultMessage)
                       if isinstance(m, Literal)), key=str)
    return ValidationResult(
        focus=focus, path=one(SH.resultPath), value=one(SH.value), source_shape=shape,
        component=cast(URIRef, one(SH.sourceConstraintComponent)),
        severity=cast(URIRef, one(SH.resultSeverity)), messages=tuple(messages),
    )
