"""The chain of a trace and its layout: one node per organisation in the column of its hop
count, one edge per distinct hop, labels wrapped and never cut, nothing overlapping."""

from __future__ import annotations

import time
from itertools import combinations

import pytest

from registry.context import RegistryContext
from registry.web.chain import Chain, ChainEdge, ChainNode, build_chain, sold_hops
from registry.web.chainlayout import (
    EDGE_FONT,
    LABEL_PAD,
    LABEL_W,
    NODE_FONT,
    NODE_PAD,
    NODE_W,
    ChainLayout,
    Rect,
    layout_chain,
)
from registry.web.chaintext import printable, width, wrap
from registry.web.tracepages import traceable

NORDHAVEN = "https://w3id.org/cityreg/id/nordhaven/"
CAMERAS = NORDHAVEN + "sensor/station-cameras"
COUNCIL = NORDHAVEN + "agency/city-council"
TRANSIT = NORDHAVEN + "agency/transit"
FOOTFALL = NORDHAVEN + "company/footfall-analytics"
ADREACH = NORDHAVEN + "company/adreach"
BILLBOARD = NORDHAVEN + "company/billboard-media"
UNIVERSITY = NORDHAVEN + "org/university"
CIVICLAB = NORDHAVEN + "company/civic-startup"
AGREEMENT = NORDHAVEN + "agreement/"

#: The onward-sharing chain of seed/fictional/sharing.ttl: (from, to, agreement, its label,
#: its dates in words).
CHAIN_HOPS = [
    (COUNCIL, TRANSIT, "station-footage-transit",
     "Station footage for Nordhaven Transit (fictional)", "from 2022-02-01"),
    (TRANSIT, FOOTFALL, "transit-footfall-analytics",
     "Nordhaven Transit – Footfall Analytics passenger-flow study (fictional)",
     "2022-06-01 to 2025-12-31"),
    (FOOTFALL, ADREACH, "footfall-adreach", "Footfall Analytics – AdReach data sale (fictional)",
     "from 2023-01-01"),
    (ADREACH, BILLBOARD, "adreach-billboard",
     "AdReach – Billboard Media audience data (fictional)", "from 2023-06-01"),
]


def _chain(context: RegistryContext, iri: str, max_paths: int = 100) -> Chain:
    return build_chain(context.access_graph.who_can_access(iri, max_paths=max_paths),
                       sold_hops(context.registry))


# -- the chain ------------------------------------------------------------------------------------

def test_the_nordhaven_chain_has_every_hop_in_increasing_columns(
        seed_context: RegistryContext) -> None:
    chain = _chain(seed_context, CAMERAS)
    columns = {node.label: node.column for node in chain.nodes}
    assert columns == {
        "Central Station cameras (fictional)": 0,
        "Nordhaven City Council (fictional)": 1, "Nordhaven Transit (fictional)": 2,
        "Footfall Analytics Ltd (fictional)": 3, "Nordhaven University (fictional)": 3,
        "AdReach Data Brokers (fictional)": 4, "Billboard Media Group (fictional)": 5}
    edges = {(e.source, e.target, e.via): e for e in chain.edges}
    for source, target, agreement, label, dates in CHAIN_HOPS:
        edge = edges[(source, target, AGREEMENT + agreement)]
        assert edge.via_label == label
        assert edge.kind == "agreement"
        assert edge.grade == "asserted"
        assert edge.dates_in_words == dates
        assert edge.words[0] == label


def test_onward_sharing_not_allowed_ends_the_chain_at_the_university(
        seed_context: RegistryContext) -> None:
    chain = _chain(seed_context, CAMERAS)
    assert CIVICLAB not in {node.iri for node in chain.nodes}
    assert not [e for e in chain.edges if e.source == UNIVERSITY]
    (to_university,) = [e for e in chain.edges if e.target == UNIVERSITY]
    assert to_university.onward_sharing == "not allowed"
    assert "onward sharing not allowed" in to_university.words
    assert to_university.dates == "2024-09-01..2026-08-31"


def test_sales_are_marked_where_the_data_model_says_so(seed_context: RegistryContext) -> None:
    sold = {(e.source, e.target) for e in _chain(seed_context, CAMERAS).edges if e.sold}
    assert sold == {(FOOTFALL, ADREACH), (ADREACH, BILLBOARD)}
    billboard = next(e for e in _chain(seed_context, CAMERAS).edges if e.target == BILLBOARD)
    assert billboard.words[-2:] == ("onward sharing not allowed", "sold")


def test_one_node_per_organisation_and_one_edge_per_distinct_hop(
        seed_context: RegistryContext) -> None:
    result = seed_context.access_graph.who_can_access(CAMERAS)
    chain = build_chain(result)
    assert result.path_count > len(chain.edges)  # the 18 paths share their hops
    assert len({node.iri for node in chain.nodes}) == len(chain.nodes) == 7
    keys = [(e.source, e.target, e.via) for e in chain.edges]
    assert len(keys) == len(set(keys)) == 7
    # The first hops start at the traced sensor and name what the data starts in.
    first = sorted(e.words[0] for e in chain.edges if e.source == CAMERAS)
    assert first == ["operator of Cameras in Central Station and on its square (fictional)",
                     "publisher of Central Station camera footage (fictional)"]


def test_an_organisation_starts_its_own_chain(seed_context: RegistryContext) -> None:
    chain = _chain(seed_context, COUNCIL)
    assert chain.node(COUNCIL).column == 0
    assert not [e for e in chain.edges if e.target == COUNCIL and e.source == COUNCIL]
    assert chain.node(TRANSIT).column == 1  # the council's own agreement: one hop
    assert chain.node(BILLBOARD).column == 2  # the Wi-Fi data sold to AdReach, then on
    for edge in chain.edges:  # every edge goes at most one column to the right
        assert chain.node(edge.target).column <= chain.node(edge.source).column + 1


def test_a_truncated_trace_says_so(seed_context: RegistryContext) -> None:
    chain = _chain(seed_context, CAMERAS, max_paths=4)
    assert chain.truncated_at == "max_paths=4"
    layout = layout_chain(chain)
    assert any("INCOMPLETE: the trace stopped at max_paths=4" in sentence
               for sentence in layout.caption)
    complete = layout_chain(_chain(seed_context, CAMERAS))
    assert complete.caption[1] == "Complete: the trace reached none of its limits."


# -- text -----------------------------------------------------------------------------------------

def test_wrapping_keeps_every_character() -> None:
    text = "Nordhaven Transit – Footfall Analytics passenger-flow study (fictional)"
    lines = wrap(text, 11, 120)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(width(line, 11) <= 120 for line in lines)
    long_word = "x" * 80
    pieces = wrap(long_word, 13, 100)
    assert "".join(pieces) == long_word
    assert all(width(piece, 13) <= 100 for piece in pieces)
    assert wrap("  ", 13, 100) == ()


def test_the_png_font_draws_accents_and_gets_look_alikes_for_what_it_lacks() -> None:
    # DejaVu Sans has the accents, dashes, quotes, § and Greek a registry's labels use.
    for text in ("Centro de Operações – Rio “x” …", "Dassault Systèmes", "Parking app §4.1",
                 "Ωμέγα", "Łódź"):
        assert printable(text) == text
    assert printable("智") == "?"
    assert printable("北京 (Beijing)", missing="?") == "?? (Beijing)"
    assert width("智", 12) >= width("W", 12)  # measured as wide as the widest letter


# -- the layout -----------------------------------------------------------------------------------

def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _check_layout(layout: ChainLayout) -> None:
    """Labels whole, wrapped to fit; no box or label over another; all inside the drawing."""
    for box in layout.nodes:
        node = box.node
        lines = [t.text for t in box.texts]
        if node.kind == "placeholder":
            assert lines[-1] == "identity not disclosed"
            lines = lines[:-1]
            assert " ".join(lines) == " ".join((node.category_label or "recipients").split())
        else:
            assert " ".join(lines) == " ".join(node.label.split()), "a label was cut"
        assert all(width(line, NODE_FONT) <= NODE_W - 2 * NODE_PAD for line in lines)
        assert box.rect.bottom <= layout.height
        assert box.rect.right <= layout.width
    for route in layout.edges:
        assert " ".join(t.text for t in route.texts) == " ".join(
            " ".join(phrase.split()) for phrase in route.edge.words)
        assert all(width(t.text, EDGE_FONT) <= LABEL_W - 2 * LABEL_PAD for t in route.texts)
        assert route.label.bottom <= layout.height
    rects = [box.rect for box in layout.nodes] + [route.label for route in layout.edges]
    for a, b in combinations(rects, 2):
        assert not _overlap(a, b), (a, b)


@pytest.mark.parametrize("iri", [
    CAMERAS, COUNCIL, "https://w3id.org/cityreg/id/london/sensor/underground-wifi",
    "https://w3id.org/cityreg/id/jakarta/dataset/qlue-reports",
    "https://w3id.org/cityreg/id/davao/sensor/cctv",
])
def test_seed_layouts_keep_labels_whole_and_apart(seed_context: RegistryContext, iri: str) -> None:
    _check_layout(layout_chain(_chain(seed_context, iri)))


def test_every_traceable_seed_entity_lays_out(seed_context: RegistryContext) -> None:
    traced = [iri for iri in sorted(seed_context.access_graph.facts.labels)
              if traceable(seed_context, iri)]
    assert len(traced) > 50
    for iri in traced:
        layout = layout_chain(_chain(seed_context, iri))
        assert len(layout.nodes) == len(layout.chain.nodes)
        assert len(layout.edges) == len(layout.chain.edges)


def _wide_chain(count: int) -> Chain:
    """A made-up trace: a source, ``count`` organisations in three columns, and edges forward,
    within a column, back one column and back two (a lane under the columns)."""
    base = "https://example.org/id/"
    nodes = [ChainNode(base + "source", "A source with a rather long name that wraps", 0,
                       "source")]
    nodes += [ChainNode(f"{base}org/{i}", f"Organisation number {i} of a long list", 1 + i % 3,
                        "organisation", "asserted") for i in range(count)]

    def edge(source: str, target: str, via: str) -> ChainEdge:
        return ChainEdge(source, target, base + via, f"Agreement {via} with a long title",
                         "agreement", "recipient", "inferred", "a rule", None, None,
                         "not disclosed", False)

    edges = []
    by_column = {c: [n.iri for n in nodes if n.column == c] for c in range(4)}
    for column in (1, 2, 3):
        for index, iri in enumerate(by_column[column]):
            parent = by_column[column - 1][index % len(by_column[column - 1])]
            edges.append(edge(parent, iri, f"forward-{column}-{index}"))
    edges.append(edge(by_column[1][0], by_column[1][1], "same-column"))
    edges.append(edge(by_column[2][0], by_column[1][2], "back"))
    edges.append(edge(by_column[3][0], by_column[1][3], "lane"))
    return Chain(nodes[0].iri, nodes[0].label, tuple(nodes), tuple(edges),
                 {"asserted": count, "inferred": 0, "undisclosed": 0}, 1, None, 0, None,
                 "undisclosed")


def test_dozens_of_organisations_stay_readable_and_quick() -> None:
    chain = _wide_chain(48)
    started = time.perf_counter()
    layout = layout_chain(chain)
    assert time.perf_counter() - started < 5
    _check_layout(layout)
    routes = {route.edge.via.rsplit("/", 1)[-1]: route.route for route in layout.edges}
    assert routes["same-column"] == "same-column"
    assert routes["back"] == "back"
    assert routes["lane"] == "lane"
    assert layout.width < 1800  # four columns, whatever the count
    lane = next(r for r in layout.edges if r.route == "lane")
    assert lane.label.y > max(box.rect.bottom for box in layout.nodes)  # under the columns
