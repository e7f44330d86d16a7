"""Dereferenceable entities: 303 by Accept, RDF descriptions that rdflib parses, HTML pages."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
import rdflib
from rdflib import RDFS, URIRef

HARBOUR = "https://w3id.org/cityreg/id/harbour/"
GLOBAL = "https://w3id.org/cityreg/id/global/"

#: One entity of each kind, with the label its page must show.
ENTITIES = {
    "agency": ("harbour/agency/transport", "Harbour Transport Office"),
    "company": ("global/company/bigvendor", "BigVendor Inc."),
    "sensor": ("harbour/sensor/cameras", "Traffic CCTV network"),
    "deployment": ("harbour/deployment/cameras", "CCTV on the harbour roads"),
    "system": ("harbour/system/control-room", "Harbour control room"),
    "dataset": ("harbour/dataset/footage", "CCTV footage"),
    "contract": ("harbour/contract/control-room", "Control room contract"),
    "agreement": ("harbour/agreement/police-sharing", "Footage sharing with the police"),
    "flow": ("harbour/flow/footage-to-police", "CCTV footage to the police"),
    "clause": ("harbour/clause/control-room-audit", "Audit clause (§12)"),
    "assessment": ("harbour/assessment/dpia", "Control room DPIA"),
    "source": ("harbour/source/annual-report", "Harbour City annual report, 2024"),
    "city": ("harbour/city/harbour", "Harbour City"),
}


def parse(data: bytes | str, rdflib_format: str) -> rdflib.Graph:
    """Parse with rdflib; its JSON-LD parser warns about its own use of ConjunctiveGraph."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return rdflib.Graph().parse(data=data, format=rdflib_format)


FORMATS = [("text/turtle", ".ttl", "turtle"), ("application/ld+json", ".jsonld", "json-ld"),
           ("application/n-triples", ".nt", "nt")]


@pytest.mark.parametrize("kind", sorted(ENTITIES))
@pytest.mark.parametrize(("media_type", "extension", "rdflib_format"), FORMATS)
def test_rdf_by_accept(client: Any, kind: str, media_type: str, extension: str,
                       rdflib_format: str) -> None:
    path, label = ENTITIES[kind]
    response = client.get(f"/id/{path}", headers={"Accept": media_type},
                          follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/id/{path}{extension}"
    assert "Accept" in response.headers["vary"]
    document = client.get(response.headers["location"])
    assert document.status_code == 200
    assert document.headers["content-type"].startswith(media_type)
    graph = parse(document.content, rdflib_format)
    subject = URIRef("https://w3id.org/cityreg/id/" + path)
    assert str(graph.value(subject, RDFS.label)) == label
    assert len(list(graph.predicate_objects(subject))) >= 2


@pytest.mark.parametrize("kind", sorted(ENTITIES))
def test_html_names_the_entity(client: Any, kind: str) -> None:
    path, label = ENTITIES[kind]
    response = client.get(f"/id/{path}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert str(response.url).endswith(f"/id/{path}.html")
    html = response.text
    escaped = label.replace("&", "&amp;")
    assert f"<h1>{escaped}</h1>" in html
    assert f"<title>{escaped} · cityreg</title>" in html
    assert '<html lang="en">' in html


def test_description_has_owned_details_and_neighbour_labels(client: Any) -> None:
    text = client.get("/id/harbour/contract/control-room.ttl").text
    graph = rdflib.Graph().parse(data=text, format="turtle")
    contract = URIRef(HARBOUR + "contract/control-room")
    clause = URIRef(HARBOUR + "clause/control-room-audit")
    cityreg = rdflib.Namespace("https://w3id.org/cityreg#")
    # The clause it owns, with its details; the blank-node amendment with its date.
    assert graph.value(clause, cityreg.documentReference) == rdflib.Literal("§12")
    amendment = graph.value(contract, cityreg.hasAmendment)
    assert isinstance(amendment, rdflib.BNode)
    assert str(graph.value(amendment, cityreg.amendmentDate)) == "2022-06-01"
    # Its neighbours' labels, but not their other statements.
    vendor = URIRef(GLOBAL + "company/bigvendor")
    assert str(graph.value(vendor, RDFS.label)) == "BigVendor Inc."
    assert graph.value(vendor, cityreg.countryCode) is None


def test_incoming_links_are_part_of_the_description(client: Any) -> None:
    graph = rdflib.Graph().parse(data=client.get("/id/global/company/bigvendor.nt").content,
                                 format="nt")
    cityreg = rdflib.Namespace("https://w3id.org/cityreg#")
    assert (URIRef(HARBOUR + "contract/control-room"), cityreg.supplier,
            URIRef(GLOBAL + "company/bigvendor")) in graph


def test_page_shows_facts_sources_findings_and_diagram(client: Any) -> None:
    html = client.get("/id/harbour/system/control-room.html").text
    # Linked entities appear by label, as links to their pages.
    assert '<a href="/id/global/company/bigvendor">BigVendor Inc.</a>' in html
    assert '<a href="/id/harbour/agency/transport">Harbour Transport Office</a>' in html
    # The source, as an external link.
    assert ('<a href="https://example.org/harbour/annual-report-2024" rel="external">'
            "Harbour City annual report, 2024</a>") in html
    # The control room feeds a dataset: its diagram is the chain of its trace, inline SVG with
    # a title, its nodes linking to pages, with the trace page and the downloads linked.
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert ('<title id="chain-title">Who can access data from Harbour control room</title>'
            in svg)
    assert 'href="/id/global/company/bigvendor"' in svg
    assert 'href="/id/harbour/agency/transport"' in svg
    for download in ("", ".svg", ".png"):
        assert f'href="/trace/harbour/system/control-room{download}"' in html
    assert "<script" not in html
    # Data links.
    assert 'href="/id/harbour/system/control-room.ttl"' in html


def test_page_lists_findings_with_linked_articles(client: Any, harbour: Any) -> None:
    findings = harbour.validation.for_focus(HARBOUR + "contract/control-room")
    assert findings, "the fixture contract is expected to have findings"
    html = client.get("/id/harbour/contract/control-room.html").text
    for finding in findings:
        assert finding.rule_id in html
        assert f'<a href="{finding.legal_source_url}" rel="external">' in html


def test_text_is_escaped(client: Any) -> None:
    html = client.get("/id/harbour/agency/transport.html").text
    assert "Runs the traffic cameras &amp; the &lt;control&gt; room." in html


def test_unknown_entity_is_404(client: Any) -> None:
    response = client.get("/id/harbour/agency/nobody", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "https://w3id.org/cityreg/id/harbour/agency/nobody" in response.text
    assert client.get("/id/harbour/agency/nobody.ttl").status_code == 404
    assert client.get("/id/bad<iri>").status_code == 404


def test_unacceptable_accept_is_406(client: Any) -> None:
    response = client.get("/id/harbour/agency/transport", headers={"Accept": "image/png"},
                          follow_redirects=False)
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_every_internal_link_on_a_page_resolves(client: Any) -> None:
    html = client.get("/id/harbour/contract/control-room.html").text
    for href in set(re.findall(r'href="(/[^"#]*)', html)):
        assert client.get(href).status_code == 200, href


def test_pages_work_without_the_legal_checks(harbour: Any, make_client: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from starlette.applications import Starlette

    from registry.web.routes import build_routes

    monkeypatch.setitem(sys.modules, "registry.validate", None)
    client = make_client(Starlette(routes=build_routes(harbour)))
    page = client.get("/id/harbour/contract/control-room.html")
    assert page.status_code == 200
    assert "The legal checks are not installed with this copy of cityreg." in page.text
    dashboard = client.get("/findings")
    assert dashboard.status_code == 200
    assert "The legal checks are not installed" in dashboard.text
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0e", "\x1b", "\x7f", " ", "<"])
def test_a_path_with_a_control_character_is_never_put_in_a_query(char: str) -> None:
    """Such a path names no entity: it must not reach SPARQL text (it was a 500 for \\x00)."""
    from registry.web.dumps import is_iri_safe

    assert not is_iri_safe(f"https://w3id.org/cityreg/id/rio{char}/system")
    assert is_iri_safe("https://w3id.org/cityreg/id/rio/system")
