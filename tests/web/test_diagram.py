"""The server-side SVG flow diagram."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.store import Registry
from registry.web.diagram import Edge, edges_for, gaps_for, render_svg
from registry.web.pages import Linker
from registry.web.routes import build_routes

SVG = "{http://www.w3.org/2000/svg}"
HARBOUR = "https://w3id.org/cityreg/id/harbour/"
BASE = "https://w3id.org/cityreg/id/"
GREYFIELD = BASE + "greyfield/"
PLACEHOLDER = "urn:cityreg:undisclosed:ThirdParty:" + GREYFIELD + "resale"
GREYFIELD_DATA = Path(__file__).parents[1] / "data" / "flows" / "greyfield.ttl"


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
    assert root.findtext(SVG + "desc") == ("1 incoming and 1 outgoing data connections of Hub; "
                                           "none inferred or undisclosed")
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


# -- grades: inferred dashed, undisclosed dotted to a placeholder, structural links neutral -------

def _graded_svg() -> str:
    centre = BASE + "x/dataset/readings"
    edges = [
        Edge(centre, "Readings", BASE + "x/agency/council", "Council", "Readings", "asserted"),
        Edge(BASE + "x/system/app", "App", BASE + "x/company/appworks", "AppWorks", "Readings",
             "inferred", "developer of a system that feeds, holds or uses the dataset"),
        Edge(centre, "Readings", PLACEHOLDER, "Undisclosed third party (Resale)", "Readings",
             "undisclosed", "recipient recorded only by its category", "third party"),
        Edge(BASE + "x/system/app", "App", centre, "Readings", "feeds"),
    ]
    return render_svg(centre, "Readings", edges, Linker(BASE))


def _edge_groups(root: ET.Element) -> dict[str, list[ET.Element]]:
    """The drawn connections (not the legend's samples) by grade class."""
    legend = {id(g) for group in root.iter(SVG + "g") if group.get("class") == "flow-legend"
              for g in group.iter(SVG + "g")}
    found: dict[str, list[ET.Element]] = {}
    for group in root.iter(SVG + "g"):
        classes = (group.get("class") or "").split()
        if "flow-edge" in classes and id(group) not in legend:
            found.setdefault(classes[1], []).append(group)
    return found


def _dash(group: ET.Element) -> str | None:
    path = group.find(SVG + "path")
    assert path is not None
    return path.get("stroke-dasharray")


def test_grades_are_drawn_distinctly_and_structural_links_stay_neutral() -> None:
    root = ET.fromstring(_graded_svg())
    groups = _edge_groups(root)
    # Right: the council (asserted), AppWorks (inferred), the placeholder (undisclosed). Left:
    # the app, drawn by its strongest edge: the inferred hop that passes through the dataset
    # wins over the structural "feeds".
    assert sorted((grade, len(found)) for grade, found in groups.items()) == [
        ("flow-asserted", 1), ("flow-inferred", 2), ("flow-undisclosed", 1)]
    dashes = {grade: _dash(found[0]) for grade, found in groups.items()}
    assert dashes == {"flow-asserted": None, "flow-inferred": "7 4",
                      "flow-undisclosed": "1.5 4"}
    inferred_title = groups["flow-inferred"][0].findtext(SVG + "title")
    assert inferred_title == ("Readings (inferred: developer of a system that feeds, holds or "
                              "uses the dataset)")
    only_link = render_svg(BASE + "x/dataset/readings", "Readings",
                           [Edge(BASE + "x/system/app", "App", BASE + "x/dataset/readings",
                                 "Readings", "feeds")], Linker(BASE))
    assert list(_edge_groups(ET.fromstring(only_link))) == ["flow-link"]


def test_placeholder_is_labelled_by_category_and_links_nowhere() -> None:
    svg = _graded_svg()
    root = ET.fromstring(svg)
    assert "urn:cityreg" not in " ".join(a.get("href") or "" for a in root.iter(SVG + "a"))
    placeholder = next(g for g in root.iter(SVG + "g")
                       if g.get("class") == "flow-node flow-placeholder")
    assert [t.text for t in placeholder.iter(SVG + "text")] == ["third party",
                                                                "identity not disclosed"]
    assert placeholder.findtext(SVG + "title") == (
        "Undisclosed third party (Resale): recipients recorded only by their category (third "
        "party); their identity is not disclosed")


def test_legend_explains_the_three_grades_and_desc_counts_them() -> None:
    root = ET.fromstring(_graded_svg())
    legend = next(g for g in root.iter(SVG + "g") if g.get("class") == "flow-legend")
    assert [t.text for t in legend.iter(SVG + "text")] == [
        "asserted: a recorded role, clause or agreement",
        "inferred: implied by a recorded relation",
        "undisclosed: recipients known only by category",
        "a recorded link, not a grant (feeds, used by)"]
    samples = {g.get("class"): _dash(g) for g in legend.iter(SVG + "g")
               if g.get("class") != "flow-legend"}
    assert samples == {"flow-edge flow-asserted": None, "flow-edge flow-inferred": "7 4",
                       "flow-edge flow-undisclosed": "1.5 4", "flow-edge flow-link": None}
    assert root.findtext(SVG + "desc") == (
        "1 incoming and 3 outgoing data connections of Readings; 2 inferred (dashed: implied "
        "by a recorded relation, terms not disclosed), 1 undisclosed (dotted: recipients known "
        "only by category)")
    # The legend sits under the drawing, inside the view box.
    height = int(root.get("viewBox", "").split()[3])
    assert all(int(t.get("y", "0")) < height for t in legend.iter(SVG + "text"))


def test_the_stylesheet_draws_the_grades_too() -> None:
    from registry.web import STATIC_DIR

    css = (STATIC_DIR / "cityreg.css").read_text(encoding="utf-8")
    assert re.search(r"\.flow-inferred path \{[^}]*stroke-dasharray: 7 4", css)
    assert re.search(r"\.flow-undisclosed path \{[^}]*stroke-dasharray: 1\.5 4", css)
    assert re.search(r"\.flow-placeholder rect \{[^}]*stroke-dasharray", css)


# -- real pages -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def greyfield() -> Iterator[RegistryContext]:
    """tests/data/flows/greyfield.ttl: one hop of each grade, with gaps."""
    with Registry.memory() as registry:
        registry.load(GREYFIELD_DATA)
        yield RegistryContext(registry)


def _flows_section(html: str) -> str:
    start = html.index('<section aria-labelledby="flows-heading">')
    return html[start:html.index("</section>", start)]


def _chain_edges(svg: ET.Element) -> list[ET.Element]:
    """The edges of a chain diagram (registry/web/chainsvg.py)."""
    return [g for g in svg.iter(SVG + "g") if "chain-edge" in (g.get("class") or "").split()]


def test_partly_disclosed_page_lists_its_gaps_above_the_diagram(
        greyfield: RegistryContext, make_client: Any) -> None:
    # Readings is a dataset: its page draws the chain of its trace, and the notice lists the
    # gaps that trace met.
    client = make_client(Starlette(routes=build_routes(greyfield)))
    html = client.get("/id/greyfield/readings.html").text
    section = _flows_section(html)
    notice = section[section.index('<div class="notice flow-gaps"'):section.index("</div>")]
    assert section.index("This page's data flows have gaps:") < section.index("<svg")
    assert "6 facts not disclosed or not recorded" in notice
    items = [re.sub(r"<[^>]+>", "", item).strip()
             for item in re.findall(r"<li>(.*?)</li>", notice, flags=re.S)]
    assert items == [
        "data controller of Parking analytics contract not disclosed: who decides what is done "
        "with the data is not known",
        "data processor of Parking analytics contract not disclosed: the legal role, and so the "
        "limits, of the organisation that handles the data are not known",
        "data processor of Parking app not recorded: no contract covering it records the legal "
        "role of its developer",
        "operator of Parking app not recorded: nobody is recorded as running it, so who holds "
        "the data it feeds or uses is not known",
        "operator of Resale of parking readings not recorded: nobody is recorded as running it, "
        "so who holds the data it feeds or uses is not known",
        "recipients of Resale of parking readings not disclosed: the third party recipients are "
        "not named"]
    assert '<a href="/id/greyfield/contract">Parking analytics contract</a>' in notice
    svg = ET.fromstring(section[section.index("<svg"):section.index("</svg>") + 6])
    assert {edge.get("data-grade") for edge in _chain_edges(svg)} == {
        "asserted", "inferred", "undisclosed"}
    assert "urn:cityreg" not in " ".join(a.get("href") or "" for a in svg.iter(SVG + "a"))
    assert "<script" not in html
    for href in set(re.findall(r'href="(/[^"#]*)', html)):
        assert client.get(href).status_code == 200, href


def test_a_page_that_is_not_traced_keeps_its_neighbours_and_their_gaps(
        greyfield: RegistryContext, make_client: Any) -> None:
    # Resale is a processing, not something data starts from: no trace, the neighbour diagram.
    client = make_client(Starlette(routes=build_routes(greyfield)))
    section = _flows_section(client.get("/id/greyfield/resale.html").text)
    assert "1 fact not disclosed or not recorded" in section
    svg = ET.fromstring(section[section.index("<svg"):section.index("</svg>") + 6])
    assert svg.get("class") == "flow-diagram"
    assert set(_edge_groups(svg)) == {"flow-undisclosed"}
    assert [t.text for g in svg.iter(SVG + "g") if g.get("class") == "flow-node flow-placeholder"
            for t in g.iter(SVG + "text")] == ["third party", "identity not disclosed"]


def test_gaps_for_lists_each_fact_once(greyfield: RegistryContext) -> None:
    assert [str(gap) for gap in gaps_for(greyfield, GREYFIELD + "resale")] == [
        "recipients of Resale of parking readings not disclosed: the third party recipients are "
        "not named"]
    assert gaps_for(greyfield, "bad<iri>") == []


def test_qlue_reports_page_says_its_flows_have_gaps(seed_context: RegistryContext,
                                                    make_client: Any) -> None:
    client = make_client(Starlette(routes=build_routes(seed_context)))
    html = client.get("/id/jakarta/dataset/qlue-reports").text
    section = _flows_section(html)
    assert section.index("This page's data flows have gaps:") < section.index("<svg")
    assert ('data controller of <a href="/id/jakarta/contract/ibm-qlue-analysis">IBM analysis '
            "of Qlue data for the Government of Indonesia</a> not disclosed: who decides what is "
            "done with the data is not known") in section
    svg = ET.fromstring(section[section.index("<svg"):section.index("</svg>") + 6])
    ibm = next(a for a in svg.iter(SVG + "a") if a.get("aria-label") == "IBM")
    assert ibm.get("href") == "/id/global/company/ibm"
    into_ibm = {edge.get("data-grade") for edge in _chain_edges(svg)
                if edge.get("data-target") == ibm.get("data-iri")}
    assert into_ibm == {"inferred"}, "Qlue's reports reach IBM only by inference"
    assert "1 asserted, 4 inferred, 0 undisclosed" in (svg.findtext(SVG + "desc") or "")


def test_a_page_without_gaps_has_no_notice(client: Any) -> None:
    html = client.get("/id/harbour/dataset/footage.html").text
    assert "data flows have gaps" not in html
    assert 'class="chain-legend"' in html
