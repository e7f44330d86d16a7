"""Home, cities, kinds, vendors, findings dashboard and the ontology page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from registry.context import RegistryContext
from registry.web import ontology_doc


class Outline(HTMLParser):
    """Headings, landmarks, ids and images of a page, for structural checks."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: set[str] = set()
        self.ids: list[str] = []
        self.html_lang: str | None = None
        self.viewport = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "meta" and values.get("name") == "viewport":
            self.viewport = True


PAGES = ["/", "/cities/", "/cities/harbour", "/types/agency", "/types/clause", "/vendors/",
         "/findings", "/ontology", "/id/harbour/contract/control-room.html", "/sparql"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_accessible_in_structure(client: Any, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    outline = Outline()
    outline.feed(response.text)
    assert outline.html_lang == "en"
    assert outline.viewport
    assert {"header", "nav", "main", "footer"} <= outline.tags
    assert outline.headings[0] == 1
    assert outline.headings.count(1) == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, f"{path}: heading h{before} followed by h{after}"
    assert len(outline.ids) == len(set(outline.ids)), f"{path}: duplicate ids"
    assert "<script" not in response.text


def test_home_counts_every_kind(client: Any, harbour: RegistryContext) -> None:
    html = client.get("/").text
    agencies = harbour.registry.select(
        "SELECT (COUNT(?a) AS ?n) WHERE { ?a a cityreg:Agency }")[0]["n"]
    assert re.search(r'<a href="/types/agency">Public agencies</a></th><td class="num">'
                     rf"{agencies}</td>", html)
    assert '<a href="/cities/harbour">Harbour City</a>' in html
    assert f"{len(harbour.registry):,} statements" in html


def test_city_page_groups_entities_by_kind(client: Any) -> None:
    html = client.get("/cities/harbour").text
    assert "<h1>Harbour City</h1>" in html
    contracts = html.index("<h2>Vendor contracts</h2>")
    assert html.index('<a href="/id/harbour/contract/control-room">Control room contract</a>',
                      contracts) > contracts
    assert client.get("/cities/atlantis").status_code == 404


def test_kind_pages(client: Any) -> None:
    clauses = client.get("/types/clause").text
    assert '<a href="/id/harbour/clause/control-room-audit">Audit clause (§12)</a>' in clauses
    systems = client.get("/types/system").text  # subclasses count: an operations centre
    assert ('<a href="/id/harbour/system/control-room">Harbour control room</a> '
            '<span class="kinds">(Harbour City)</span>') in systems
    assert client.get("/types/unicorn").status_code == 404


def test_vendors(client: Any) -> None:
    html = client.get("/vendors/").text
    assert '<a href="/id/global/company/bigvendor">BigVendor Inc.</a>' in html
    row = html[html.index("BigVendor Inc."):]
    assert re.search(r'Harbour City</a></td>\s*<td class="num">1</td>', row)


def test_findings_dashboard(client: Any, harbour: RegistryContext) -> None:
    findings = harbour.validation.findings
    html = client.get("/findings").text
    binding = [f for f in findings if f.standing != "benchmark"]
    benchmarks = [f for f in findings if f.standing == "benchmark"]
    assert binding, "Harbour City (XX) is expected to have binding findings"
    assert benchmarks, "and benchmarks"
    violations = sum(1 for f in binding if f.severity == "violation")
    assert re.search(rf"Where the law binds: {violations} violations?,", html)
    assert f": {len(benchmarks)} benchmarks, never counted as violations.</p>" in html
    for rule_id in {f.rule_id for f in binding}:
        assert f'<h3 id="rule-{rule_id}">' in html
    for rule_id in {f.rule_id for f in benchmarks}:
        assert f'<h3 id="benchmark-{rule_id}">' in html
    first = findings[0]
    assert f'href="/id/{first.focus.removeprefix(harbour.entity_base)}"' in html
    for finding in findings:
        assert f'<a href="{finding.legal_source_url}" rel="external">' in html


def test_ontology_page_documents_every_term(client: Any) -> None:
    html = client.get("/ontology").text
    doc = ontology_doc.build()
    for term in doc.classes + doc.object_properties + doc.datatype_properties:
        assert f'id="{term.anchor}"' in html, term.iri
    # Subclass links go to the parent's entry.
    assert '<a href="#System">System</a>' in html
    # Controlled lists show their members.
    assert 'id="CameraSensor"' in html
    # Entity pages link their terms into this page.
    entity = client.get("/id/harbour/system/control-room.html").text
    assert 'href="/ontology#usesSensor"' in entity
    assert 'id="dpv-hasImpactAssessment"' in html
    assert 'href="/ontology#dpv-hasImpactAssessment"' in entity


def test_dumps(client: Any, harbour: RegistryContext) -> None:
    import rdflib

    turtle = client.get("/registry.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == len(harbour.registry)
    quads = client.get("/registry.nq")
    graphs = {line.rsplit(" ", 2)[-2] for line in quads.text.splitlines() if line.strip()}
    source_graph = next(r.graph for r in harbour.registry.graphs() if r.graph.startswith("file:"))
    assert f"<{source_graph}>" in graphs
    assert "<urn:cityreg:graph:provenance>" in graphs
    assert client.get("/registry.jsonld").headers["content-type"] == "application/ld+json"


def test_catalog(client: Any) -> None:
    import rdflib

    graph = rdflib.Graph().parse(data=client.get("/catalog.ttl").text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    catalog = graph.value(None, rdflib.RDF.type, dcat.Catalog)
    dataset = graph.value(catalog, dcat.dataset)
    assert graph.value(dataset, dct.license) is not None
    assert graph.value(dataset, dct.modified) is not None
    assert graph.value(dataset, dct.publisher) is not None
    downloads = {str(graph.value(d, dcat.downloadURL))
                 for d in graph.objects(dataset, dcat.distribution)} - {"None"}
    assert downloads == {"http://testserver/registry.ttl", "http://testserver/registry.jsonld",
                         "http://testserver/registry.nq"}
    service = graph.value(catalog, dcat.service)
    assert str(graph.value(service, dcat.endpointURL)) == "http://testserver/sparql"
    assert graph.value(service, dcat.servesDataset) == dataset
