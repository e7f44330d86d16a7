"""The report renderers: text, JSON, Turtle and the per-contract HTML and Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from registry import resources
from registry.namespaces import CITYREG
from registry.reports import render_json, render_text, render_turtle
from registry.reports.contract import chain, find_contract, render_contract
from registry.store import Registry
from registry.validate import ValidationReport, validate_registry

DATA = Path(__file__).parent / "data"
SHAPES = resources.shapes_dir()
ART28 = [SHAPES / "prefixes.ttl", SHAPES / "gdpr-art28.ttl"]
EX = "https://w3id.org/cityreg/id/fixture/"


OWN_USE = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv: <https://w3id.org/dpv#> .
<https://w3id.org/cityreg/id/fixture/parking> dpv:hasContractualClause <urn:x:own-use> .
<urn:x:own-use> a cityreg:ProcessorOwnPurposesClause ; cityreg:documentReference "§14" ;
    cityreg:quote "The Supplier may use the data to improve its products." .
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Registry, ValidationReport]]:
    """A partly disclosed contract text with an own-use clause: 1 violation, 8 not disclosed."""
    own_use = tmp_path_factory.mktemp("own-use") / "own-use.ttl"
    own_use.write_text(OWN_USE, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl",
                      DATA / "invalid" / "GDPR-28-3-g--not-disclosed-text.ttl", own_use)
        yield registry, validate_registry(registry, date(2026, 6, 1), shapes=ART28)


def test_text_groups_by_entity_with_one_line_per_finding(
        loaded: tuple[Registry, ValidationReport]) -> None:
    _registry, report = loaded
    lines = render_text(report).splitlines()
    assert lines[0] == ("Parking-app processing contract (fictional) "
                        "<https://w3id.org/cityreg/id/fixture/parking>")
    assert lines[1].startswith("  violation  GDPR-28-10   The processor may use the personal "
                               "data for its own purposes (an own-use clause)")
    assert lines[2].startswith("  warning    GDPR-28-3-a  (not disclosed) Cannot be verified")
    assert lines[2].endswith("[GDPR Art. 28(3)(a)]")
    assert lines[-1] == (f"Summary: {len(report.findings)} findings on 1 entity as of "
                         "2026-06-01: 1 violation, 8 warnings, 0 info; 1 rule not met, "
                         "8 not disclosed, 0 manual review.")


def test_json_has_stable_keys(loaded: tuple[Registry, ValidationReport]) -> None:
    _registry, report = loaded
    data = json.loads(render_json(report))
    assert data["conforms"] is False
    assert all(list(f) == ["rule_id", "severity", "kind", "focus", "focus_label", "path",
                           "value", "message", "legal_source", "legal_source_label",
                           "legal_source_url", "resolution", "shape"] for f in data["findings"])
    assert [f["rule_id"] for f in data["findings"]] == [f.rule_id for f in report.findings]


def test_turtle_is_a_shacl_report_with_rule_ids(loaded: tuple[Registry, ValidationReport]
                                                ) -> None:
    _registry, report = loaded
    graph = Graph().parse(data=render_turtle(report), format="turtle")
    [node] = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == Literal(False)
    results = list(graph.objects(node, SH.result))
    assert len(results) == len(report.findings)
    rules = {str(graph.value(r, CITYREG.ruleId)) for r in results}
    assert rules == {f.rule_id for f in report.findings}
    source = URIRef("http://data.europa.eu/eli/reg/2016/679/art_28/par_10/oj")
    assert graph.value(source, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) == Literal(
        "GDPR Art. 28(10)", lang="en")
    assert all(graph.value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
               for r in results)


def test_contract_markdown_lists_facts_findings_and_undisclosed_apart(
        loaded: tuple[Registry, ValidationReport]) -> None:
    registry, report = loaded
    text = render_contract(registry, EX + "parking", report, fmt="markdown")
    findings = text.split("## Findings", 1)[1].split("## Cannot be verified", 1)[0]
    undisclosed = text.split("## Cannot be verified: not disclosed", 1)[1]
    assert "| violation | GDPR-28-10 |" in findings
    assert "GDPR-28-3-a" not in findings
    assert "| warning | GDPR-28-3-a |" in undisclosed
    assert "| processor's own-use clause | §14 |  | The Supplier may use" in text
    assert "- **has data processor**: [Fixture Vendor B.V. (fictional)]" in text


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_contract_html_is_printable_accessible_and_escaped(tmp_path: Path) -> None:
    odd = tmp_path / "odd.ttl"
    odd.write_text((DATA / "valid" / "art28-complete.ttl").read_text(encoding="utf-8").replace(
        "Parking-app processing contract (fictional)", "Parking <b>app</b> & co (fictional)"),
        encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", odd)
        report = validate_registry(registry, date(2026, 6, 1), shapes=ART28)
        html = render_contract(registry, find_contract(registry, "parking <b>app</b> & co "
                                                                 "(fictional)"), report, "html")
        assert chain(registry, EX + "parking") == [EX + "parking-cloud"]
    assert "Parking &lt;b&gt;app&lt;/b&gt; &amp; co (fictional)" in html
    assert "@media print" in html
    checker = _Checker()
    checker.feed(html)
    assert ("html", {"lang": "en"}) in checker.tags
    assert all(attrs.get("scope") == "col" for tag, attrs in checker.tags if tag == "th")
    assert any(tag == "main" for tag, _ in checker.tags)
    assert "Nothing: every fact the rules need is disclosed." in html
