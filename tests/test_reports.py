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
from registry.evidence import Fact, SourceRef
from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
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
                         "8 not disclosed, 0 not recorded, 0 manual review; 9 binding, "
                         "0 benchmarks, 0 under the chosen lens.")


def test_json_has_stable_keys(loaded: tuple[Registry, ValidationReport]) -> None:
    _registry, report = loaded
    data = json.loads(render_json(report))
    assert data["conforms"] is False
    assert all(list(f) == ["rule_id", "severity", "kind", "focus", "focus_label", "path",
                           "value", "message", "legal_source", "legal_source_label",
                           "legal_source_url", "resolution", "shape", "standing",
                           "rule_severity", "where", "law", "evidence"]
               for f in data["findings"])
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


# The per-contract report: binding findings and benchmarks apart, what cannot be verified
# (not disclosed or not recorded, each saying which), and every finding's evidence.

BAYSIDE = Path(__file__).parent / "web" / "data" / "bayside.ttl"
NO_DELETION = DATA / "invalid" / "GDPR-28-3-g--no-deletion-clause.ttl"
ART28_WHERE = [*ART28, SHAPES / "jurisdiction.ttl"]
FIXTURE_SOURCE = "[Fixture source (fictional)](<https://example.org/fixture>)"


def _section(text: str, heading: str) -> str:
    """The Markdown from ``heading`` (a whole line) to the next heading of its level or higher."""
    level = heading.split(" ", 1)[0]
    rest = text.split("\n" + heading + "\n", 1)[1]
    for line_start in ("\n# ", "\n## ", "\n### ")[:len(level)]:
        rest = rest.split(line_start, 1)[0]
    return rest


def test_contract_report_puts_a_benchmark_apart_with_its_evidence() -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", NO_DELETION, BAYSIDE)
        report = validate_registry(registry, date(2026, 6, 1), shapes=ART28_WHERE)
        bayside = render_contract(registry, EX + "bay-parking", report, fmt="markdown")
        parking = render_contract(registry, EX + "parking", report, fmt="markdown")
    assert bayside.splitlines()[2] == (
        "Checked as of 2026-06-01. Where the law binds: 0 findings, 0 that cannot be verified "
        "(0 not disclosed, 0 not recorded), 0 for manual review. Benchmarks, never "
        "violations: 1.")
    assert _section(bayside, "## Findings") == (
        "\nRules not met, of law that binds where the contract is.\n\n"
        "No rule is broken on the recorded facts.\n")
    benchmarks = _section(bayside, "## Benchmarks")
    assert ("| No. | Rule | Contract | Where | Kind | Severity where the law binds | Finding | "
            "Legal source | Resolution |") in benchmarks
    assert ("| F1 | GDPR-28-3-g | Bayside parking contract (fictional) | Bayside (fictional) (US) "
            "| rule not met | violation | Measured against GDPR Art. 28(3)(g) (the GDPR "
            "(Regulation (EU) 2016/679) does not bind in Bayside (fictional) (US)): The "
            "processor contract does not oblige") in benchmarks
    evidence = _section(bayside, "### F1. GDPR-28-3-g: Bayside parking contract (fictional)")
    assert ("- Bayside parking contract (fictional) – processes personal data – true: "
            f"{FIXTURE_SOURCE}\n") in evidence
    assert ("- Bayside parking contract (fictional) – has data processor – Fixture Vendor B.V. "
            f"(fictional): {FIXTURE_SOURCE}\n") in evidence
    # The same finding binds in Fixture City (NL): a violation, and no benchmark.
    assert "| F1 | violation | GDPR-28-3-g | Parking-app processing contract (fictional) |" in (
        _section(parking, "## Findings"))
    assert _section(parking, "## Benchmarks").strip().endswith("\n\nNone.")
    assert "### F1. GDPR-28-3-g: Parking-app processing contract (fictional)" in parking


def _finding(rule_id: str, kind: Kind, message: str, *, severity: Severity = Severity.WARNING,
             standing: Standing = Standing.BINDING, where: str = "Fixture City (fictional) (NL)"
             ) -> Finding:
    return Finding(rule_id, Severity.INFO if standing == Standing.BENCHMARK else severity, kind,
                   EX + "parking", "Parking-app processing contract (fictional)", "", "",
                   message, "urn:x:" + rule_id, rule_id + " source", "Resolve " + rule_id + ".",
                   "urn:x:shape:" + rule_id, standing=standing, rule_severity=severity,
                   where=where, law="the law", legal_source_url="https://example.org/" + rule_id)


_SOURCE_REF = SourceRef(EX + "src", "Fixture source (fictional)", "https://example.org/fixture")
_FACTS = {
    "X-RECORDED": (Fact(EX + "parking", "Parking-app processing contract (fictional)",
                        CITYREG.buyer, "buyer", EX + "agency",
                        "Fixture City Council (fictional)", False, (_SOURCE_REF,)),
                   Fact(EX + "parking", "Parking-app processing contract (fictional)",
                        CITYREG.involves, "involves", EX + "vendor",
                        "Fixture Vendor B.V. (fictional)", True, ())),
}


class _Report(ValidationReport):
    """A report of hand-made findings, whose evidence is :data:`_FACTS`."""

    def evidence(self, finding: Finding) -> tuple[Fact, ...]:
        return _FACTS.get(finding.rule_id, ())


def _unverifiable_report() -> _Report:
    return _Report([
        _finding("X-RULE", Kind.RULE, "A rule is not met.", severity=Severity.VIOLATION),
        _finding("X-DISCLOSED", Kind.NOT_DISCLOSED, "Cannot be verified: not disclosed."),
        _finding("X-RECORDED", Kind.NOT_RECORDED, "Cannot be verified: not recorded."),
        _finding("X-REVIEW", Kind.MANUAL_REVIEW, "A person must judge."),
        _finding("X-BENCH", Kind.NOT_RECORDED, "Measured against the law: not recorded.",
                 standing=Standing.BENCHMARK, where="not recorded")], date(2026, 6, 1))


def test_contract_report_says_which_findings_cannot_be_verified_and_why() -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", NO_DELETION)
        text = render_contract(registry, EX + "parking", _unverifiable_report(), fmt="markdown")
    assert text.splitlines()[2] == (
        "Checked as of 2026-06-01. Where the law binds: 1 finding, 2 that cannot be verified "
        "(1 not disclosed, 1 not recorded), 1 for manual review. Benchmarks, never "
        "violations: 1.")
    assert text[text.index("## Findings"):] == """\
## Findings

Rules not met, of law that binds where the contract is.

| No. | Severity | Rule | Contract | Finding | Legal source | Resolution |
|---|---|---|---|---|---|---|
| F1 | violation | X-RULE | Parking-app processing contract (fictional) | A rule is not met. \
| [X-RULE source](https://example.org/X-RULE) | Resolve X-RULE. |


## Cannot be verified: not disclosed or not recorded

A fact the rule needs is not disclosed by the publisher, or not recorded in the registry: \
the rule may or may not be met.

| No. | Severity | Rule | Contract | Why | Finding | Legal source | Resolution |
|---|---|---|---|---|---|---|---|
| F2 | warning | X-DISCLOSED | Parking-app processing contract (fictional) | not disclosed \
| Cannot be verified: not disclosed. | [X-DISCLOSED source](https://example.org/X-DISCLOSED) \
| Resolve X-DISCLOSED. |
| F3 | warning | X-RECORDED | Parking-app processing contract (fictional) | not recorded \
| Cannot be verified: not recorded. | [X-RECORDED source](https://example.org/X-RECORDED) \
| Resolve X-RECORDED. |


## For manual review

| No. | Severity | Rule | Contract | Finding | Legal source | Resolution |
|---|---|---|---|---|---|---|
| F4 | warning | X-REVIEW | Parking-app processing contract (fictional) | A person must judge. \
| [X-REVIEW source](https://example.org/X-REVIEW) | Resolve X-REVIEW. |


## Benchmarks

Measured against law that does not bind where the contract is, or against good practice: \
never violations, and not counted above.

| No. | Rule | Contract | Where | Kind | Severity where the law binds | Finding | Legal source \
| Resolution |
|---|---|---|---|---|---|---|---|---|
| F5 | X-BENCH | Parking-app processing contract (fictional) | not recorded | not recorded \
| warning | Measured against the law: not recorded. \
| [X-BENCH source](https://example.org/X-BENCH) | Resolve X-BENCH. |


## Evidence

The recorded facts each finding rests on, with the sources they are taken from.

### F1. X-RULE: Parking-app processing contract (fictional)

No recorded fact: the rule finds what is missing.

### F2. X-DISCLOSED: Parking-app processing contract (fictional)

No recorded fact: the rule finds what is missing.

### F3. X-RECORDED: Parking-app processing contract (fictional)

- Parking-app processing contract (fictional) – buyer – Fixture City Council (fictional): \
[Fixture source (fictional)](<https://example.org/fixture>)
- Parking-app processing contract (fictional) – involves – Fixture Vendor B.V. (fictional) \
(derived by the validator): no source recorded

### F4. X-REVIEW: Parking-app processing contract (fictional)

No recorded fact: the rule finds what is missing.

### F5. X-BENCH: Parking-app processing contract (fictional)

No recorded fact: the rule finds what is missing.

"""


def test_contract_html_links_every_finding_to_its_evidence() -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", NO_DELETION)
        html = render_contract(registry, EX + "parking", _unverifiable_report(), "html")
    checker = _Checker()
    checker.feed(html)
    ids = [attrs["id"] for _tag, attrs in checker.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    fragments = [str(attrs["href"])[1:] for tag, attrs in checker.tags
                 if tag == "a" and str(attrs.get("href", "")).startswith("#")]
    assert fragments == [f"evidence-f{n}" for n in range(1, 6)]
    assert set(fragments) <= set(ids)
    assert all(attrs.get("scope") == "col" for tag, attrs in checker.tags if tag == "th")
    assert '<h2 id="not-disclosed">Cannot be verified: not disclosed or not recorded</h2>' in html
    assert "<td>not disclosed</td>" in html
    assert "<td>not recorded</td>" in html
    assert '<h2 id="benchmarks">Benchmarks</h2>' in html
    assert '<tr class="benchmark">' in html
    assert ('<h3 id="evidence-f3">F3. X-RECORDED: Parking-app processing contract '
            "(fictional)</h3>") in html
    assert ('<li>Parking-app processing contract (fictional) – buyer – Fixture City Council '
            '(fictional): <a href="https://example.org/fixture">Fixture source (fictional)</a>'
            "</li>") in html
    assert "(derived by the validator): no source recorded</li>" in html
    # Printed, a link to the web shows its address; a link within the report does not.
    assert 'td a[href^="http"]::after, .evidence a[href^="http"]::after' in html
