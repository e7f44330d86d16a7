"""The server-side SVG flow diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from registry.context import RegistryContext
from registry.web.diagram import Edge, edges_for, render_svg
from registry.web.pages import Linker

SVG = "{http://www.w3.org/2000/svg}"
HARBOUR = "https://w3id.org/cityreg/id/harbour/"
BASE = "https://w3id.org/cityreg/id/"


def test_edges_of_a_dataset_follow_the_access_graph(harbour: RegistryContext) -> None:
    edges = edges_for(harbour, HARBOUR + "dataset/footage")
    pairs = {(e.source_label, e.target_label, e.what) for e in edges}
    assert ("Harbour Transport Office", "Harbour Police",
            "CCTV footage under Footage sharing with the police") in pairs
    assert ("Traffic CCTV network", "CCTV footage", "feeds") in pairs
    assert ("CCTV footage", "Harbour control room", "used by") in pairs


def test_svg_is_well_formed_accessible_and_linked() -> None:
    centre = BASE + "x/system/hub"
    edges = [Edge(BASE + "x/sensor/cam", "Cams <& co>", centre, "Hub", "feeds"),
             Edge(centre, "Hub", BASE + "global/company/acme", "Acme", "under Contract 1")]
    svg = render_svg(centre, "Hub", edges, Linker(BASE))
    root = ET.fromstring(svg)
    assert root.get("aria-labelledby") == "flow-title flow-desc"
    assert root.findtext(SVG + "title") == "Data flows of Hub"
    assert root.findtext(SVG + "desc") == "1 incoming and 1 outgoing data connections of Hub"
    links = {a.get("href"): a.get("aria-label") for a in root.iter(SVG + "a")}
    assert links == {"/id/x/sensor/cam": "Cams <& co>", "/id/global/company/acme": "Acme"}


def test_static_links_are_relative() -> None:
    centre = BASE + "x/system/hub"
    edges = [Edge(centre, "Hub", BASE + "global/company/acme", "Acme", "data")]
    svg = render_svg(centre, "Hub", edges, Linker(BASE, "/id/x/system/hub"))
    assert 'href="../../global/company/acme.html"' in svg


def test_empty_diagram_says_so() -> None:
    svg = render_svg(BASE + "a", "Lonely", [], Linker(BASE))
    assert "No recorded data flows" in svg
    ET.fromstring(svg)
