"""The Turtle report: a SHACL validation report graph that also names rules and sources.

Each finding becomes an ``sh:ValidationResult`` (focus node, severity, source shape and
constraint component, path, value, message) with ``cityreg:ruleId``, ``cityreg:legalSource``,
``cityreg:findingKind``, ``cityreg:resolution``, its standing (``cityreg:standing``: binding,
benchmark or under a lens; ``cityreg:ruleSeverity``, ``cityreg:placeDescription``,
``cityreg:law``) and its evidence: one ``cityreg:evidence`` node per fact, an
``rdf:Statement`` (subject, predicate, object) with the sources of its subject
(``cityreg:source``) and ``cityreg:derived true`` for relations the validator derived. The
legal sources carry their labels and URLs (the URL of the citation used: the UK equivalent in
the UK). ``sh:conforms`` follows SHACL: true only when there are no results at all (whatever
``--fail-on`` says).
"""

from __future__ import annotations

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from registry.evidence import Fact
from registry.findings import Finding
from registry.jurisdiction import Standing
from registry.namespaces import CITYREG, PREFIXES
from registry.validate import ValidationReport

#: The ontology term of each standing.
STANDING_TERMS = {Standing.BINDING: CITYREG.BindingFinding,
                  Standing.BENCHMARK: CITYREG.BenchmarkFinding,
                  Standing.LENS: CITYREG.LensFinding}


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
        for number, fact in enumerate(report.evidence(finding)):
            _add_fact(graph, result, BNode(f"result{index:05d}fact{number:03d}"), fact)
    for iri, label, url in sorted({(f.legal_source, f.legal_source_label, f.legal_source_url)
                                   for f in report.findings}):
        if iri in report.sources:
            graph.add((URIRef(iri), RDFS.label, Literal(label, lang="en")))
            graph.add((URIRef(iri), CITYREG.url, Literal(url, datatype=XSD.anyURI)))
    return graph


def _add_fact(graph: Graph, result: BNode, node: BNode, fact: Fact) -> None:
    graph.add((result, CITYREG.evidence, node))
    graph.add((node, RDF.type, RDF.Statement))
    graph.add((node, RDF.subject, URIRef(fact.subject)))
    graph.add((node, RDF.predicate, URIRef(fact.predicate)))
    graph.add((node, RDF.object, URIRef(fact.object) if fact.object_is_iri
               else Literal(fact.object)))
    if fact.derived:
        graph.add((node, CITYREG.derived, Literal(True)))
    for source in fact.sources:
        graph.add((node, CITYREG.source, URIRef(source.iri)))
        graph.add((URIRef(source.iri), RDFS.label, Literal(source.label)))
        graph.add((URIRef(source.iri), CITYREG.url, Literal(source.url, datatype=XSD.anyURI)))


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
    graph.add((result, CITYREG.standing, STANDING_TERMS[finding.standing]))
    graph.add((result, CITYREG.ruleSeverity, finding.rule_severity.iri))
    if finding.where:
        graph.add((result, CITYREG.placeDescription, Literal(finding.where)))
    if finding.law:
        graph.add((result, CITYREG.law, Literal(finding.law, lang="en")))


def render_turtle(report: ValidationReport) -> str:
    """The report graph in Turtle."""
    return report_graph(report).serialize(format="turtle")
