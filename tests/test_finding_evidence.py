"""The evidence of a finding: the facts its rule read, with their sources, in every format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

from registry import resources
from registry.evidence import shape_facts
from registry.namespaces import CITYREG
from registry.reports import render_json, render_text, render_turtle
from registry.store import Registry
from registry.validate import ValidationReport, load_shapes, validate_registry

DATA = Path(__file__).parent / "data"
EX = "https://w3id.org/cityreg/id/fixture/"
AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def report() -> Iterator[ValidationReport]:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl",
                      DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl")
        yield validate_registry(registry, AS_OF, rules=["GDPR-35-3"])


def test_the_evidence_lists_the_facts_the_rule_read_with_their_sources(
        report: ValidationReport) -> None:
    [finding] = report.findings
    facts = {(f.subject, f.predicate, f.object): f for f in report.evidence(finding)}
    key = (EX + "cams-deployment", str(CITYREG.publiclyAccessible), "true")
    assert key in facts
    fact = facts[key]
    assert fact.subject_label == "Footfall cameras in the centre (fictional)"
    assert fact.predicate_label == "publicly accessible place"
    assert not fact.derived
    assert not fact.object_is_iri
    [source] = fact.sources
    assert (source.label, source.url) == ("Fixture source (fictional)",
                                          "https://example.org/fixture")
    assert (EX + "cams-deployment", str(CITYREG.largeScale), "true") in facts
    # Facts the rule does not read are not evidence.
    assert not [f for f in facts.values() if f.predicate == str(CITYREG.locationDescription)]


def test_json_and_turtle_carry_the_same_evidence(report: ValidationReport) -> None:
    [finding] = report.findings
    expected = {(f.subject, f.predicate, f.object) for f in report.evidence(finding)}
    [data] = json.loads(render_json(report))["findings"]
    assert {(f["subject"], f["predicate"], f["object"]) for f in data["evidence"]} == expected
    assert all(f["sources"][0]["label"] == "Fixture source (fictional)"
               for f in data["evidence"] if not f["derived"])
    assert all(not f["sources"] for f in data["evidence"] if f["derived"])
    graph = Graph().parse(data=render_turtle(report), format="turtle")
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    found = {(str(graph.value(s, RDF.subject)), str(graph.value(s, RDF.predicate)),
              str(graph.value(s, RDF.object))) for s in statements}
    assert found == expected
    assert all((s, CITYREG.source, URIRef(EX + "src")) in graph for s in statements
               if (s, CITYREG.derived, None) not in graph)


def test_the_text_report_shows_evidence_only_when_asked(report: ValidationReport) -> None:
    assert "evidence:" not in render_text(report)
    text = render_text(report, evidence=True)
    assert ("      evidence: Footfall cameras in the centre (fictional) - publicly accessible "
            "place - true [Fixture source (fictional)]") in text


def test_a_fact_of_what_the_unit_involves_counts_with_the_derived_link() -> None:
    with Registry.memory() as registry:
        registry.load(resources.seed_dir())
        report = validate_registry(registry, AS_OF, rules=["GDPR-30-1"],
                                   focus=["https://w3id.org/cityreg/id/rio/system/"
                                          "operations-centre"])
    [finding] = [f for f in report.findings if f.kind.value == "not-disclosed"]
    facts = report.evidence(finding)
    derived = [f for f in facts if f.derived]
    assert derived, facts
    shown = {f.subject for f in facts if not f.derived}
    # Every derived link shown leads to an entity whose facts are shown.
    assert all(f.object in shown for f in derived)
    assert all(f.predicate_label for f in facts)


def test_without_evidence_the_report_has_none(report: ValidationReport) -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl",
                      DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl")
        bare = validate_registry(registry, AS_OF, rules=["GDPR-35-3"], evidence=False)
    assert bare.findings == report.findings
    assert bare.evidence(bare.findings[0]) == ()


#: Shapes whose finding is the absence of a type, which no statement of the entity shows.
ABSENCE_ONLY = {"https://w3id.org/cityreg/shapes#INT-SOURCE--declared"}


def test_every_shape_reads_some_fact() -> None:
    facts = shape_facts(load_shapes().graph)
    assert len(facts) > 100
    empty = sorted(shape for shape, read in facts.items() if not read)
    assert empty == sorted(ABSENCE_ONLY), f"shapes whose evidence would always be empty: {empty}"


def test_messages_name_entities_by_label() -> None:
    with Registry.memory() as registry:
        registry.load(resources.seed_dir())
        report = validate_registry(registry, AS_OF)
        labelled = {str(row["s"]) for row in registry.select(
            "SELECT DISTINCT ?s WHERE { ?s rdfs:label ?l }")}
    entities = [iri for iri in labelled if iri.startswith("https://w3id.org/cityreg/id/")]
    named = [f for f in report.findings if any(iri in f.message for iri in entities)]
    assert not named, named[:3]


def test_a_literal_where_a_link_expects_an_iri_is_evidence_not_a_crash(tmp_path: Path) -> None:
    """A sheet that put a dataset's name where its IRI belongs (``cityreg:feedsDataset
    "Traffic counts"``): the derived relations then reach a literal, which is not an entity
    whose facts can be read. The run goes on; the statement is shown as it stands."""
    sensor = EX + "cams"
    bad = tmp_path / "bad.ttl"
    bad.write_text(f'<{sensor}> <{CITYREG.feedsDataset}> "Traffic counts" .\n',
                   encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl",
                      DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl", bad)
        report = validate_registry(registry, AS_OF)
    facts = [fact for finding in report.findings if finding.focus == sensor
             for fact in report.evidence(finding)]
    assert (sensor, str(CITYREG.feedsDataset), "Traffic counts") in {
        (f.subject, f.predicate, f.object) for f in facts}
