"""Binding findings and benchmarks on the pages: the findings dashboard, the entity pages'
legal findings with their standing, where and evidence, and the home page's counts.

The same processor contract twice (data/bayside.ttl): in Fixture City (NL), where the GDPR
binds, and in Bayside (US), where it does not. The findings are pinned on the GDPR Art. 28
shapes and the jurisdiction table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry import resources
from registry.context import RegistryContext
from registry.store import Registry
from registry.validate import validate_registry
from registry.web.routes import build_routes

TESTS = Path(__file__).parent.parent
FILES = [TESTS / "data" / "prelude.ttl",
         TESTS / "data" / "invalid" / "GDPR-28-3-g--no-deletion-clause.ttl",
         Path(__file__).parent / "data" / "bayside.ttl"]
SHAPES = resources.shapes_dir()
ART28 = [SHAPES / "prefixes.ttl", SHAPES / "gdpr-art28.ttl", SHAPES / "jurisdiction.ttl"]
AS_OF = date(2026, 6, 1)
ART28_URL = "https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_28"
SOURCE_LINK = '<a href="https://example.org/fixture" rel="external">Fixture source (fictional)</a>'


@pytest.fixture(scope="module")
def context() -> Iterator[RegistryContext]:
    with Registry.memory() as registry:
        registry.load(*FILES)
        context = RegistryContext(registry, as_of=AS_OF)
        context.__dict__["validation"] = validate_registry(registry, AS_OF, shapes=ART28)
        yield context


@pytest.fixture(scope="module")
def pages(context: RegistryContext) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    return TestClient(Starlette(routes=build_routes(context)))


def section(html: str, heading_id: str) -> str:
    """The HTML from the heading with ``heading_id`` to the next heading of its level or
    higher."""
    match = re.search(rf'<h([1-6]) id="{heading_id}">', html)
    assert match, heading_id
    level = int(match.group(1))
    rest = html[match.end():]
    end = re.search(rf"<h[1-{level}][ >]|</main>", rest)
    return rest[:end.start()] if end else rest


class Structure(HTMLParser):
    """Headings, ids, links, and the first child of every <details>."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.loaded: list[str] = []  # what the page loads: stylesheets, scripts, images
        self.details_first: list[str] = []
        self._in_details = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._in_details:
            self.details_first.append(tag)
            self._in_details = False
        if tag == "details":
            self._in_details = True
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        loads = values.get("src") or values.get("href")
        if tag in ("link", "script", "img", "iframe") and loads and values.get("rel") != (
                "alternate"):
            self.loaded.append(str(loads))


def check_structure(html: str) -> Structure:
    found = Structure()
    found.feed(html)
    assert found.headings.count(1) == 1
    for before, after in zip(found.headings, found.headings[1:], strict=False):
        assert after <= before + 1, f"heading h{before} followed by h{after}"
    assert len(found.ids) == len(set(found.ids)), "duplicate ids"
    assert all(first == "summary" for first in found.details_first)
    assert all(not re.match(r"(https?:)?//", href) for href in found.loaded), found.loaded
    assert "<script" not in html
    return found


def test_the_dashboard_shows_binding_findings_and_benchmarks_apart(pages: Any) -> None:
    html = pages.get("/findings").text
    check_structure(html)
    binding = section(html, "binding-heading")
    benchmarks = section(html, "benchmarks-heading")
    assert "<p>Where the law binds: 1 violation,\n0 warnings, 0 notes.</p>" in binding
    assert ("<p>Measured against law that does not bind where the entity is, against good "
            "practice, or where the entity's place is not recorded: 1 benchmark, never counted "
            "as violations.</p>") in benchmarks
    # The binding finding, on the Fixture City contract, linked to the article.
    assert ('<span class="severity severity-violation">violation</span> '
            '<a href="/id/fixture/parking">Parking-app processing contract (fictional)</a> '
            '<span class="kinds">(Fixture City (fictional) (NL))</span>') in binding
    assert f'<a href="{ART28_URL}" rel="external">GDPR Art. 28(3)(g)</a>' in binding
    assert "bay-parking" not in binding
    # The benchmark, on the Bayside contract: never a violation.
    assert ('<span class="severity severity-info">benchmark</span> '
            '<a href="/id/fixture/bay-parking">Bayside parking contract (fictional)</a> '
            '<span class="kinds">(Bayside (fictional) (US))</span>: Measured against GDPR '
            'Art. 28(3)(g) (the GDPR (Regulation (EU) 2016/679) does not bind in Bayside '
            '(fictional) (US)): ') in benchmarks
    assert f'<a href="{ART28_URL}" rel="external">GDPR Art. 28(3)(g)</a>' in benchmarks
    assert "severity-violation" not in benchmarks
    assert '<h3 id="rule-GDPR-28-3-g">' in binding
    assert '<h3 id="benchmark-GDPR-28-3-g">' in benchmarks
    assert re.search(r'<a href="#benchmark-GDPR-28-3-g">GDPR-28-3-g</a></th>\s*<td><a href="'
                     + re.escape(ART28_URL) + r'" rel="external">GDPR Art. 28\(3\)\(g\)</a>'
                     r'</td>\s*<td>the GDPR \(Regulation \(EU\) 2016/679\)</td>\s*'
                     r'<td class="num">1</td>', benchmarks)


def test_an_entity_page_lists_a_binding_finding_with_its_standing_and_evidence(
        pages: Any) -> None:
    html = pages.get("/id/fixture/parking.html").text
    check_structure(html)
    findings = section(html, "findings-heading")
    binding = section(findings, "binding-heading")
    assert 'id="benchmarks-heading"' not in findings
    assert ('<span class="severity severity-violation">violation</span> <span class="standing">'
            "binding in Fixture City (fictional) (NL)</span>\n    <strong>GDPR-28-3-g</strong>: "
            "The processor contract does not oblige") in binding
    assert f'(<a href="{ART28_URL}" rel="external">GDPR Art. 28(3)(g)</a>)' in binding
    evidence = binding[binding.index('<details class="evidence">'):binding.index("</details>")]
    assert re.search(r"<summary>Evidence: \d+ recorded facts and their sources</summary>",
                     evidence)
    assert ('<li><a href="/id/fixture/parking">Parking-app processing contract (fictional)</a> '
            '– processes personal data – true    <span class="fact-sources">· source: '
            f"{SOURCE_LINK}</span></li>") in evidence
    assert ('<a href="/id/fixture/parking">Parking-app processing contract (fictional)</a> '
            '– has data processor – <a href="/id/fixture/vendor">Fixture Vendor B.V. '
            "(fictional)</a>") in evidence


def test_an_entity_page_lists_benchmarks_after_binding_findings(pages: Any) -> None:
    html = pages.get("/id/fixture/bay-parking.html").text
    check_structure(html)
    findings = section(html, "findings-heading")
    assert findings.index('id="binding-heading"') < findings.index('id="benchmarks-heading"')
    assert ("<p>No finding of a law that binds where this entity is.</p>"
            in section(findings, "binding-heading"))
    benchmarks = section(findings, "benchmarks-heading")
    assert ("<p>Measured against law that does not bind where this entity is, or against good "
            "practice: 1 benchmark, never counted as violations.</p>") in benchmarks
    assert ('<span class="severity severity-info">info</span> <span class="standing">benchmark '
            "in Bayside (fictional) (US)</span>\n    <strong>GDPR-28-3-g</strong>: Measured "
            "against GDPR Art. 28(3)(g)") in benchmarks
    assert "severity-violation" not in findings
    assert '<details class="evidence">' in benchmarks
    assert SOURCE_LINK in benchmarks


def test_every_local_link_of_the_findings_pages_resolves(pages: Any) -> None:
    for path in ("/findings", "/id/fixture/parking.html", "/id/fixture/bay-parking.html"):
        found = check_structure(pages.get(path).text)
        for href in {h.split("#")[0] for h in found.hrefs if h.startswith("/")}:
            assert pages.get(href).status_code == 200, (path, href)


def test_home_counts_binding_findings_and_benchmarks_apart(pages: Any) -> None:
    html = pages.get("/").text
    assert ('<a href="/findings">Findings</a> of the legal checks (1 binding where the law '
            "binds, 1 benchmark against law that does not bind there or good practice)") in html


def test_a_finding_with_no_recorded_fact_says_so(make_client: Any) -> None:
    with Registry.memory() as registry:
        registry.load(TESTS / "data" / "prelude.ttl",
                      TESTS / "data" / "invalid" / "INT-SOURCE--missing.ttl")
        context = RegistryContext(registry, as_of=AS_OF)
        context.__dict__["validation"] = validate_registry(
            registry, AS_OF, shapes=[SHAPES / "prefixes.ttl", SHAPES / "integrity.ttl"],
            rules=["INT-SOURCE"])
        [finding] = context.validation.findings
        client = make_client(Starlette(routes=build_routes(context)))
        path = "/id/" + finding.focus.removeprefix(context.entity_base) + ".html"
        html = client.get(path).text
    assert context.validation.evidence(finding) == ()
    findings = section(html, "findings-heading")
    assert "<strong>INT-SOURCE</strong>" in findings
    assert ('<p class="evidence-none">Evidence: no recorded fact (the rule finds what is '
            "missing).</p>") in findings
    assert "<details" not in findings


def test_the_dashboard_counts_what_cannot_be_verified_and_never_a_benchmark(
        harbour: RegistryContext, make_client: Any) -> None:
    from registry.findings import Finding, Kind, Severity
    from registry.jurisdiction import Standing
    from registry.validate import ValidationReport

    cams = "https://w3id.org/cityreg/id/harbour/deployment/cameras"

    def finding(rule_id: str, kind: Kind, severity: Severity, standing: Standing) -> Finding:
        benchmark = standing == Standing.BENCHMARK
        return Finding(rule_id, Severity.INFO if benchmark else severity, kind, cams,
                       "CCTV on the harbour roads", "", "", rule_id + " says so.",
                       "urn:x:" + rule_id, rule_id + " article", "", "urn:x:shape",
                       standing=standing, rule_severity=severity,
                       where="Harbour City (XX)", law="the law",
                       legal_source_url="https://example.org/" + rule_id)

    harbour.__dict__["validation"] = ValidationReport([
        finding("X-RULE", Kind.RULE, Severity.VIOLATION, Standing.BINDING),
        finding("X-HIDDEN", Kind.NOT_DISCLOSED, Severity.WARNING, Standing.BINDING),
        finding("X-UNKNOWN", Kind.NOT_RECORDED, Severity.WARNING, Standing.BINDING),
        finding("X-BENCH", Kind.RULE, Severity.VIOLATION, Standing.BENCHMARK),
        finding("X-BENCH", Kind.NOT_RECORDED, Severity.VIOLATION, Standing.BENCHMARK)],
        AS_OF)
    client = make_client(Starlette(routes=build_routes(harbour)))
    html = client.get("/findings").text
    check_structure(html)
    assert ("<p>Where the law binds: 1 violation,\n2 warnings, 0 notes; of them 1 cannot be "
            "verified because a fact is not disclosed, 1 because a fact is not recorded.</p>"
            ) in section(html, "binding-heading")
    benchmarks = section(html, "benchmarks-heading")
    assert ": 2 benchmarks, never counted as violations.</p>" in benchmarks
    assert ('<a href="#benchmark-X-BENCH">X-BENCH</a></th>\n<td><a href="https://example.org/'
            'X-BENCH" rel="external">X-BENCH article</a></td>\n<td>the law</td>\n'
            '<td class="num">2</td>') in benchmarks
    assert ('<span class="kinds">(Harbour City (XX))</span> <span class="standing">not '
            "recorded</span>: X-UNKNOWN says so.") in html
    assert '<a href="https://example.org/X-RULE" rel="external">X-RULE article</a>' in html
    home = client.get("/").text
    assert "(3 binding where the law binds, 2 benchmarks against law" in home
    page = client.get("/id/harbour/deployment/cameras.html").text
    findings = section(page, "findings-heading")
    assert [m.group(1) for m in re.finditer(r"<strong>([A-Z-]+)</strong>", findings)] == [
        "X-RULE", "X-HIDDEN", "X-UNKNOWN", "X-BENCH", "X-BENCH"]
    assert "<strong>X-UNKNOWN</strong> (not recorded): X-UNKNOWN says so." in findings
    assert findings.count('<span class="standing">benchmark in Harbour City (XX)</span>') == 2


def test_the_dashboard_lists_a_bounded_number_of_findings_per_rule(
        harbour: RegistryContext, make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A national registry's dashboard stays a page: past the cap, a rule's list says how many
    it leaves out and where they all are."""
    from registry.findings import Finding, Kind, Severity
    from registry.jurisdiction import Standing
    from registry.validate import ValidationReport
    from registry.web import indexes

    monkeypatch.setattr(indexes, "LISTED_PER_RULE", 2)
    focus = "https://w3id.org/cityreg/id/harbour/deployment/cameras"
    harbour.__dict__["validation"] = ValidationReport([
        Finding("X-RULE", Severity.VIOLATION, Kind.RULE, focus, f"Camera {n}", "", "",
                f"finding {n}", "urn:x:X-RULE", "X-RULE article", "", "urn:x:shape",
                standing=Standing.BINDING, rule_severity=Severity.VIOLATION,
                where="Harbour City (XX)", law="the law",
                legal_source_url="https://example.org/X-RULE") for n in range(5)], AS_OF)
    html = make_client(Starlette(routes=build_routes(harbour))).get("/findings").text
    binding = section(html, "binding-heading")
    assert [m.group(1) for m in re.finditer(r": (finding \d)", binding)] == [
        "finding 0", "finding 1"]
    assert ('<td class="num">5</td><td class="num">0</td><td class="num">0</td>') in binding
    assert ('<p class="more">&hellip; and 3 more findings of X-RULE: each is on its '
            'entity&rsquo;s page, and all are in the GraphQL <code>findings(rule: "X-RULE")'
            '</code> list and the report of <code>cityreg validate --format json</code>.</p>'
            ) in binding
