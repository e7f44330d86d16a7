"""The chain diagram drawn: its SVG (parsed, never string-matched) and its PNG, from one layout."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image

from registry.context import RegistryContext
from registry.web.chain import Chain, ChainEdge, ChainNode, build_chain, sold_hops
from registry.web.chainlayout import layout_chain
from registry.web.chainpng import render_png
from registry.web.chainsvg import render_svg
from registry.web.pages import Linker

SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://w3id.org/cityreg/id/"
NORDHAVEN = BASE + "nordhaven/"
CAMERAS = NORDHAVEN + "sensor/station-cameras"
WIFI = BASE + "london/sensor/underground-wifi"
QLUE = BASE + "jakarta/dataset/qlue-reports"
CHAIN_LABELS = ["Central Station cameras (fictional)", "Nordhaven City Council (fictional)",
                "Nordhaven Transit (fictional)", "Footfall Analytics Ltd (fictional)",
                "AdReach Data Brokers (fictional)", "Billboard Media Group (fictional)"]
#: (from, to, agreement, its label, its dates in words) along the chain.
CHAIN_HOPS = [
    ("agency/city-council", "agency/transit", "station-footage-transit",
     "Station footage for Nordhaven Transit (fictional)", "from 2022-02-01"),
    ("agency/transit", "company/footfall-analytics", "transit-footfall-analytics",
     "Nordhaven Transit – Footfall Analytics passenger-flow study (fictional)",
     "2022-06-01 to 2025-12-31"),
    ("company/footfall-analytics", "company/adreach", "footfall-adreach",
     "Footfall Analytics – AdReach data sale (fictional)", "from 2023-01-01"),
    ("company/adreach", "company/billboard-media", "adreach-billboard",
     "AdReach – Billboard Media audience data (fictional)", "from 2023-06-01"),
]


def _svg(context: RegistryContext, iri: str, linker: Linker | None = None) -> ET.Element:
    chain = build_chain(context.access_graph.who_can_access(iri), sold_hops(context.registry))
    return ET.fromstring(render_svg(layout_chain(chain), linker or Linker(BASE)))


def _nodes(svg: ET.Element) -> dict[str, ET.Element]:
    """The node elements by IRI."""
    return {e.get("data-iri", ""): e for e in svg.iter()
            if "chain-node" in (e.get("class") or "").split()}


def _edges(svg: ET.Element) -> list[ET.Element]:
    return [e for e in svg.iter(SVG + "g") if "chain-edge" in (e.get("class") or "").split()]


def _words(element: ET.Element) -> str:
    """The text of an element's lines, joined by spaces."""
    return " ".join(t.text or "" for t in element.iter(SVG + "text"))


def test_the_nordhaven_chain_diagram_shows_all_its_hops(seed_context: RegistryContext) -> None:
    svg = _svg(seed_context, CAMERAS)
    nodes = _nodes(svg)
    by_label = {node.get("aria-label"): node for node in nodes.values()}
    columns = [int(by_label[label].get("data-column", "-1")) for label in CHAIN_LABELS]
    assert columns == sorted(columns) == list(range(6))
    assert int(by_label["Nordhaven University (fictional)"].get("data-column", "-1")) == 3
    edges = {(e.get("data-source"), e.get("data-target"), e.get("data-via")): e
             for e in _edges(svg)}
    for source, target, agreement, label, dates in CHAIN_HOPS:
        edge = edges[(NORDHAVEN + source, NORDHAVEN + target,
                      NORDHAVEN + "agreement/" + agreement)]
        words = _words(edge)
        assert words.startswith(label + " as data controller " + dates), words
        link = edge.find(SVG + "a")
        assert link is not None
        assert link.get("href") == "/id/nordhaven/agreement/" + agreement
        assert edge.get("data-grade") == "asserted"
        path = edge.find(SVG + "path")
        assert path is not None
        assert path.get("stroke-dasharray") is None  # asserted: solid
    assert edges[(NORDHAVEN + "agency/transit", NORDHAVEN + "company/footfall-analytics",
                  NORDHAVEN + "agreement/transit-footfall-analytics")].get(
        "data-dates") == "2022-06-01..2025-12-31"
    # University -> CivicLab: onward sharing was not allowed, so the chain stops there.
    assert NORDHAVEN + "company/civic-startup" not in nodes
    assert not [e for e in _edges(svg) if e.get("data-source") == NORDHAVEN + "org/university"]
    (university,) = [e for e in _edges(svg) if e.get("data-target") == NORDHAVEN + "org/university"]
    assert university.get("data-onward") == "not allowed"
    assert "onward sharing not allowed" in _words(university)
    sold = {e.get("data-target") for e in _edges(svg) if e.get("data-sold") == "true"}
    assert sold == {NORDHAVEN + "company/adreach", NORDHAVEN + "company/billboard-media"}


def test_nodes_link_to_their_pages_and_labels_are_whole(seed_context: RegistryContext) -> None:
    svg = _svg(seed_context, CAMERAS)
    for iri, node in _nodes(svg).items():
        assert node.tag == SVG + "a"
        assert node.get("href") == "/id/" + iri[len(BASE):]
        label = node.get("aria-label") or ""
        assert _words(node) == label, "the label is cut or changed"
        assert "…" not in _words(node)
    footfall = _nodes(svg)[NORDHAVEN + "company/footfall-analytics"]
    assert len(list(footfall.iter(SVG + "text"))) > 1, "a long label is wrapped"
    static = _svg(seed_context, CAMERAS, Linker(BASE, "/trace/nordhaven/sensor/station-cameras"))
    assert _nodes(static)[NORDHAVEN + "agency/transit"].get("href") == (
        "../../../id/nordhaven/agency/transit.html")


def test_the_drawing_says_what_it_shows(seed_context: RegistryContext) -> None:
    svg = _svg(seed_context, CAMERAS)
    assert svg.get("aria-labelledby") == "chain-title chain-desc"
    assert svg.findtext(SVG + "title") == (
        "Who can access data from Central Station cameras (fictional)")
    desc = svg.findtext(SVG + "desc") or ""
    assert desc.startswith("6 organisations can access data from Central Station cameras "
                           "(fictional): 6 asserted, 0 inferred, 0 undisclosed. Complete:")
    assert svg.get("data-complete") == "true"
    for edge in _edges(svg):
        assert (edge.findtext(SVG + "title") or "").endswith("(asserted)")
    legend = next(g for g in svg.iter(SVG + "g") if g.get("class") == "chain-legend")
    assert [key.get("data-grade") for key in legend] == ["asserted", "inferred", "undisclosed"]
    assert [key.find(SVG + "path").get("stroke-dasharray")  # type: ignore[union-attr]
            for key in legend] == [None, "7 4", "1.5 4"]


def test_grades_are_solid_dashed_and_dotted(seed_context: RegistryContext) -> None:
    wifi = _svg(seed_context, WIFI)
    (undisclosed,) = [e for e in _edges(wifi) if e.get("data-grade") == "undisclosed"]
    assert undisclosed.find(SVG + "path").get("stroke-dasharray") == "1.5 4"  # type: ignore[union-attr]
    placeholder = _nodes(wifi)[undisclosed.get("data-target", "")]
    assert placeholder.tag == SVG + "g"  # no page, no link
    assert placeholder.get("data-kind") == "placeholder"
    assert _words(placeholder) == "third party identity not disclosed"
    rect = placeholder.find(SVG + "rect")
    assert rect is not None
    assert rect.get("stroke-dasharray") == "1.5 4"
    assert "urn:cityreg" not in " ".join(a.get("href") or "" for a in wifi.iter(SVG + "a"))
    inferred = [e for e in _edges(_svg(seed_context, QLUE)) if e.get("data-grade") == "inferred"]
    assert inferred
    assert {e.find(SVG + "path").get("stroke-dasharray")  # type: ignore[union-attr]
            for e in inferred} == {"7 4"}


def _hostile_chain() -> Chain:
    evil = '<script>alert("x")</script> & co \x01'
    nodes = (ChainNode(BASE + "x/sensor/s", evil, 0, "source"),
             ChainNode(BASE + "x/company/c", "Acme <b>bold</b>", 1, "organisation", "asserted"))
    edges = (ChainEdge(nodes[0].iri, nodes[1].iri, BASE + "x/agreement/a", 'Deal "<i>"',
                       "agreement", "recipient", "asserted", None, None, None, "allowed",
                       False),)
    return Chain(nodes[0].iri, evil, nodes, edges,
                 {"asserted": 1, "inferred": 0, "undisclosed": 0}, 1, None, 0, None,
                 "undisclosed")


def test_hostile_labels_are_escaped() -> None:
    text = render_svg(layout_chain(_hostile_chain()), Linker(BASE))
    assert "<script" not in text
    assert "<b>" not in text
    assert "<i>" not in text
    svg = ET.fromstring(text)  # well-formed XML, control characters replaced
    source = _nodes(svg)[BASE + "x/sensor/s"]
    assert source.get("aria-label") == '<script>alert("x")</script> & co \ufffd'
    assert "<script>alert" in _words(source)  # shown as text, never as markup
    edge = _edges(svg)[0]
    assert _words(edge).startswith('Deal "<i>"')


def test_the_svg_references_nothing_outside_itself(seed_context: RegistryContext) -> None:
    text = render_svg(layout_chain(build_chain(seed_context.access_graph.who_can_access(WIFI))),
                      Linker(BASE))
    svg = ET.fromstring(text)
    assert not re.search(r"<script|<style|\sstyle=|url\(|xlink:|<image|<foreignObject", text)
    assert all(a.get("href", "").startswith("/id/") for a in svg.iter(SVG + "a"))
    assert not [e for e in svg.iter() if e.tag not in {
        SVG + name for name in ("svg", "title", "desc", "rect", "g", "text", "path", "polygon",
                                "a")}]


def test_the_png_is_the_same_drawing(seed_context: RegistryContext) -> None:
    layout = layout_chain(build_chain(seed_context.access_graph.who_can_access(CAMERAS),
                                      sold_hops(seed_context.registry)))
    png = render_png(layout)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (round(layout.width * 2), round(layout.height * 2))
    assert 1000 < image.width < 10000
    assert 400 < image.height < 10000
    rgb = image.convert("RGB")
    assert rgb.getpixel((1, 1)) == (255, 255, 255)  # white paper
    source = layout.node_box(CAMERAS).rect  # the source box is filled with the accent colour
    middle = (round((source.x + 4) * 2), round((source.y + 4) * 2))
    assert rgb.getpixel(middle) == (0x0B, 0x53, 0x94)
    info = image.info
    assert info["Title"] == "Who can access data from Central Station cameras (fictional)"
    assert "6 organisations can access data" in info["Description"]
    svg = ET.fromstring(render_svg(layout, Linker(BASE)))
    assert float(svg.get("width", "0")) * 2 == image.width


def test_the_png_draws_dotted_lines_by_hand(seed_context: RegistryContext) -> None:
    layout = layout_chain(build_chain(seed_context.access_graph.who_can_access(WIFI)))
    image = Image.open(io.BytesIO(render_png(layout, scale=1))).convert("RGB")
    (route,) = [r for r in layout.edges if r.edge.grade == "undisclosed"]
    (x1, y), (x2, _) = route.points[0], route.points[1]
    # Along the first stretch of the dotted line, ink and paper alternate.
    row = [image.getpixel((x, round(y))) for x in range(round(x1) + 2, round(x1) + 30)]
    assert (255, 255, 255) in row
    assert any(pixel != (255, 255, 255) for pixel in row)
    assert x2 > x1
