"""The Turtle report: a SHACL validation report graph that also names rules and sources.

Each finding becomes an ``sh:ValidationResult`` (focus node, severity, source shape and
constraint component, path, value, message) with ``cityreg:ruleId``, ``cityreg:legalSource``,
``cityreg:findingKind`` and ``cityreg:resolution``; the legal sources carry their labels and
URLs. ``sh:conforms`` follows SHACL: true only when there are no results at all (whatever
``--fail-on`` says).
"""

from __future__ import annotations

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from registry.findings import Finding
from registry.namespaces import CITYREG, PREFIXES
from registry.validate import ValidationReport


def report_graph(report: ValidationReport) -> Graph:
    """The report as an rdflib graph."""
    graph = Graph()
    for prefix in ("sh", "cityreg", "rdfs", "xsd", "dpv", "eu-gdpr"):
        graph.bind(prefix, PREFIXES[prefix])
    node = BNode("report")
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(not report.findings)))
    graph.add((node, CITYREG.referenceDate, Literal(report.as_of.isoformat(),
                                                    datatype=XSD.date)))
    for index, finding in enumerate(report.findings):
        result = BNode(f"result{index:05d}")
        graph.add((node, SH.result, result))
        _add_result(graph, result, finding)
    for iri in sorted({f.legal_source for f in report.findings}):
        source = report.sources.get(iri)
        if source is not None:
            graph.add((URIRef(iri), RDFS.label, Literal(source.label, lang="en")))
            graph.add((URIRef(iri), CITYREG.url, Literal(source.url, datatype=XSD.anyURI)))
    return graph


def _add_result(graph: Graph, result: BNode, finding: Finding) -> None:
    graph.add((result, RDF.type, SH.ValidationResult))
    graph.add((result, SH.focusNode, URIRef(finding.focus)))
    graph.add((result, SH.resultSeverity, finding.severity.iri))
    graph.add((result, SH.sourceShape, URIRef(finding.shape)))
    if finding.component:
        graph.add((result, SH.sourceConstraintComponent, URIRef(finding.component)))
    if finding.path and not finding.path.startswith("^"):
        graph.add((result, SH.resultPath, URIRef(finding.path)))
    if finding.value_term is not None and not isinstance(finding.value_term, BNode):
        graph.add((result, SH.value, finding.value_term))
    graph.add((result, SH.resultMessage, Literal(finding.message, lang="en")))
    graph.add((result, CITYREG.ruleId, Literal(finding.rule_id)))
    graph.add((result, CITYREG.legalSource, URIRef(finding.legal_source)))
    graph.add((result, CITYREG.findingKind, finding.kind.iri))
    if finding.resolution:
        graph.add((result, CITYREG.resolution, Literal(finding.resolution, lang="en")))


def render_turtle(report: ValidationReport) -> str:
    """The report graph in Turtle."""
    return report_graph(report).serialize(format="turtle")
