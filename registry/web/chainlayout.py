"""Where everything of a chain diagram goes: the one layout the SVG and the PNG both draw.

A :class:`~registry.web.chain.Chain` is laid out left to right: the traced source in column 0,
then one column per hop count. Between two columns runs a *gutter*; every edge's label (the
agreement or contract, its dates, its onward-sharing terms) gets its own place in a gutter,
stacked so that no two labels overlap, and the edge's line runs along the top of its label:

* an edge to the next column leaves its source on the right, runs over its label and enters
  its target on the left;
* an edge back to the previous column does the same from right to left;
* an edge between two organisations of one column leaves and enters them on the right, by
  the left side of its label in the gutter after the column;
* an edge back over several columns runs along a lane of its own under the columns.

Lines run in the strips beside the labels, never through a label or a box. Every label is
wrapped (:func:`registry.web.chaintext.wrap`), never cut, and every box is as tall as its
lines. Curves are flattened into points here, so that both renderers draw the very same
lines and dash them the same way. Coordinates are CSS pixels; the PNG scales them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from registry.flows.model import GRADES, Grade
from registry.web.chain import Chain, ChainEdge, ChainNode
from registry.web.chaintext import wrap

Point = tuple[float, float]
Anchor = Literal["start", "middle"]
Route = Literal["forward", "back", "same-column", "lane"]

MARGIN = 20
NODE_W = 160
NODE_PAD = 8
NODE_FONT = 13
NODE_LINE = 16
NOTE_FONT = 11
LABEL_W = 152
LABEL_PAD = 4
EDGE_FONT = 11
EDGE_LINE = 14
STRIP = 28
GUTTER = STRIP + LABEL_W + STRIP
NODE_GAP = 22
LABEL_GAP = 12
TITLE_FONT = 16
TITLE_LINE = 21
HEADER_FONT = 11
CAPTION_FONT = 12
CAPTION_LINE = 16
ARROW_LEN = 9.0
ARROW_HALF = 4.5
MIN_WIDTH = 640
_CURVE_STEPS = 12

INK = "#1b1f23"
MUTED = "#4a535c"
EDGE_COLOUR = "#3d4f5c"
ACCENT = "#0b5394"
WHITE = "#ffffff"


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How a line is drawn: colour, width, dash pattern (None: solid) and round ends."""

    colour: str
    width: float
    dash: tuple[float, ...] | None = None
    round_caps: bool = False


#: Per grade: the line and the legend's words (the same meaning as the neighbour diagram's).
GRADE_LINES: dict[Grade, LineStyle] = {
    "asserted": LineStyle(EDGE_COLOUR, 2.0),
    "inferred": LineStyle(EDGE_COLOUR, 2.0, (7.0, 4.0)),
    "undisclosed": LineStyle(EDGE_COLOUR, 2.5, (1.5, 4.0), round_caps=True),
}
GRADE_WORDS: dict[Grade, str] = {
    "asserted": "asserted: a recorded role, clause or agreement grants the access",
    "inferred": "inferred: a recorded relation implies the access, its terms are not recorded",
    "undisclosed": "undisclosed: recipients known only by their category (dotted box)",
}
#: Per node kind: fill, outline and text colour.
NODE_STYLES: dict[str, tuple[str, LineStyle, str]] = {
    "source": (ACCENT, LineStyle(ACCENT, 1.5), WHITE),
    "organisation": ("#e8f0f8", LineStyle(ACCENT, 1.5), INK),
    "placeholder": ("#f3f5f7", LineStyle(MUTED, 2.0, (1.5, 4.0), round_caps=True), INK),
}


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text: ``y`` is its baseline; ``anchor`` says whether ``x`` is its start or
    its middle."""

    x: float
    y: float
    text: str
    size: int
    colour: str = INK
    anchor: Anchor = "start"


@dataclass(frozen=True, slots=True)
class Rect:
    """A box: top-left corner, width and height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        """The y of its lower side."""
        return self.y + self.h

    @property
    def right(self) -> float:
        """The x of its right side."""
        return self.x + self.w


@dataclass(frozen=True, slots=True)
class NodeBox:
    """A node, its box and the lines of its label."""

    node: ChainNode
    rect: Rect
    texts: tuple[Text, ...]
    fill: str
    outline: LineStyle


@dataclass(frozen=True, slots=True)
class EdgeRoute:
    """An edge: the line through ``points``, the arrowhead (tip first), its label's place
    and lines, and what kind of route it takes."""

    edge: ChainEdge
    route: Route
    points: tuple[Point, ...]
    arrow: tuple[Point, Point, Point]
    line: LineStyle
    label: Rect
    texts: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """A key to one grade: a sample of its line and the words."""

    grade: Grade
    sample: tuple[Point, Point]
    line: LineStyle
    texts: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class ChainLayout:
    """Everything a renderer draws, in CSS pixels; ``title`` and ``caption`` also say in words
    what the drawing shows (for ``<title>``/``<desc>`` and the PNG's metadata)."""

    chain: Chain
    width: float
    height: float
    title: str
    caption: tuple[str, ...]
    texts: tuple[Text, ...]
    nodes: tuple[NodeBox, ...]
    edges: tuple[EdgeRoute, ...]
    legend: tuple[LegendEntry, ...]

    def node_box(self, iri: str) -> NodeBox:
        """The box of node ``iri``; a KeyError names it when there is none."""
        for box in self.nodes:
            if box.node.iri == iri:
                return box
        raise KeyError(f"{iri} has no box in the diagram of {self.chain.source}: expected the "
                       "IRI of one of its nodes (layout.nodes)")


@dataclass
class _Edge:
    """An edge while it is laid out."""

    index: int  # its place in the chain's edges: what ties are broken by
    edge: ChainEdge
    route: Route
    gutter: int  # the gutter of its label; -1 for a lane
    lines: tuple[str, ...]
    height: float
    top: float = 0.0
    lane: int = 0  # for a lane: its number, which sets its vertical lines apart


def layout_chain(chain: Chain) -> ChainLayout:
    """The layout of ``chain`` (see the module docstring)."""
    columns = chain.columns
    column_of = {node.iri: node.column for node in chain.nodes}
    edges = [_classify(index, edge, column_of) for index, edge in enumerate(chain.edges)]
    gutters = max([columns - 1, *(e.gutter + 1 for e in edges)])
    width = max(MIN_WIDTH, 2 * MARGIN + columns * NODE_W + gutters * GUTTER)
    title = f"Who can access data from {chain.source_label}"
    title_lines = wrap(title, TITLE_FONT, width - 2 * MARGIN)
    texts = [Text(MARGIN, MARGIN + TITLE_FONT + i * TITLE_LINE, line, TITLE_FONT)
             for i, line in enumerate(title_lines)]
    header_y = MARGIN + len(title_lines) * TITLE_LINE + 14
    for column in range(columns):
        words = "source" if column == 0 else f"{column} hop" + ("s" if column > 1 else "")
        texts.append(Text(_column_x(column) + NODE_W / 2, header_y, words, HEADER_FONT, MUTED,
                          "middle"))
    top = header_y + 12
    boxes = _place(chain, edges, top)
    bottom = max([*(box.rect.bottom for box in boxes.values()),
                  *(e.top + e.height for e in edges if e.route != "lane")])
    lanes_top = bottom + 28
    for lane, item in enumerate(e for e in edges if e.route == "lane"):
        item.top, item.lane = lanes_top, lane
        lanes_top += item.height + LABEL_GAP + 6
    ports = _ports(edges, boxes)
    routes = [_route(item, boxes, ports) for item in edges]
    content_bottom = max([bottom, *(r.label.bottom for r in routes)]) + 24
    legend, legend_bottom = _legend(content_bottom, width)
    caption = _caption(chain)
    y = legend_bottom + 10
    for sentence in caption:
        for line in wrap(sentence, CAPTION_FONT, width - 2 * MARGIN):
            y += CAPTION_LINE
            texts.append(Text(MARGIN, y, line, CAPTION_FONT, MUTED))
    ordered = sorted(boxes.values(), key=lambda box: (box.node.column, box.rect.y))
    return ChainLayout(chain, width, y + MARGIN, title, caption, tuple(texts), tuple(ordered),
                       tuple(routes), legend)


def _column_x(column: int) -> float:
    return MARGIN + column * (NODE_W + GUTTER)


def _classify(index: int, edge: ChainEdge, column_of: dict[str, int]) -> _Edge:
    start, end = column_of[edge.source], column_of[edge.target]
    route: Route
    if end == start + 1:
        route, gutter = "forward", start
    elif end == start - 1:
        route, gutter = "back", end
    elif end == start:
        route, gutter = "same-column", start
    else:
        route, gutter = "lane", -1
    lines = tuple(line for phrase in edge.words
                  for line in wrap(phrase, EDGE_FONT, LABEL_W - 2 * LABEL_PAD))
    return _Edge(index, edge, route, gutter, lines, 2 * LABEL_PAD + len(lines) * EDGE_LINE)


def _node_texts(node: ChainNode, rect: Rect, colour: str) -> list[Text]:
    middle = rect.x + rect.w / 2
    lines = _node_lines(node)
    texts = [Text(middle, rect.y + NODE_PAD + NODE_FONT + i * NODE_LINE, line, NODE_FONT,
                  colour, "middle") for i, line in enumerate(lines)]
    if node.kind == "placeholder":
        texts.append(Text(middle, rect.y + NODE_PAD + NOTE_FONT + len(lines) * NODE_LINE,
                          "identity not disclosed", NOTE_FONT, MUTED, "middle"))
    return texts


def _node_lines(node: ChainNode) -> tuple[str, ...]:
    text = (node.category_label or "recipients") if node.kind == "placeholder" else node.label
    return wrap(text, NODE_FONT, NODE_W - 2 * NODE_PAD) or ("(no label)",)


def _node_height(node: ChainNode) -> float:
    lines = len(_node_lines(node)) + (1 if node.kind == "placeholder" else 0)
    return 2 * NODE_PAD + lines * NODE_LINE


def _place(chain: Chain, edges: list[_Edge], top: float) -> dict[str, NodeBox]:
    """Place the nodes and the gutters' labels, sweeping from left to right.

    In each gutter, the labels of the edges to the next column come first, each as near the
    height of its source as the labels already there allow; each node of the next column
    then goes to the mean height of the labels that lead to it (in that order, without
    overlap); last, the labels of edges within a column and back to the previous column go
    into the gaps nearest to the middle of their two ends.
    """
    by_column: list[list[ChainNode]] = [[] for _ in range(chain.columns)]
    for node in chain.nodes:
        by_column[node.column].append(node)
    order = {node.iri: index for index, node in enumerate(chain.nodes)}
    boxes: dict[str, NodeBox] = {}
    centre: dict[str, float] = {}

    def put(nodes: list[ChainNode], wanted: dict[str, float], column: int) -> None:
        floor = top
        for node in sorted(nodes, key=lambda n: (wanted.get(n.iri, float("inf")), order[n.iri])):
            height = _node_height(node)
            y = max(floor, wanted.get(node.iri, floor + height / 2) - height / 2)
            fill, outline, colour = NODE_STYLES[node.kind]
            rect = Rect(_column_x(column), y, NODE_W, height)
            boxes[node.iri] = NodeBox(node, rect, tuple(_node_texts(node, rect, colour)), fill,
                                      outline)
            centre[node.iri] = y + height / 2
            floor = rect.bottom + NODE_GAP

    put(by_column[0], {}, 0)
    for gutter in range(max([chain.columns - 1, *(e.gutter + 1 for e in edges)])):
        taken: list[tuple[float, float]] = []
        forward = sorted((e for e in edges if e.route == "forward" and e.gutter == gutter),
                         key=lambda e: (centre[e.edge.source], order[e.edge.target], e.index))
        for item in forward:
            item.top = _insert(taken, centre[item.edge.source], item.height, top)
        if gutter + 1 < chain.columns:
            lines: dict[str, list[float]] = {}
            for item in forward:
                lines.setdefault(item.edge.target, []).append(item.top)
            put(by_column[gutter + 1], {iri: sum(ys) / len(ys) for iri, ys in lines.items()},
                gutter + 1)
        others = sorted((e for e in edges if e.route != "forward" and e.gutter == gutter),
                        key=lambda e: (centre[e.edge.source] + centre[e.edge.target], e.index))
        for item in others:
            middle = (centre[item.edge.source] + centre[item.edge.target]) / 2
            item.top = _insert(taken, middle - item.height / 2, item.height, top)
    return boxes


def _insert(taken: list[tuple[float, float]], wanted: float, height: float,
            floor: float) -> float:
    """The top nearest below ``wanted`` (and not above ``floor``) where a label of
    ``height`` overlaps none of the ``taken`` spans; the span is then taken too."""
    y = max(wanted, floor)
    moved = True
    while moved:
        moved = False
        for start, end in taken:
            if y < end + LABEL_GAP and y + height + LABEL_GAP > start:
                y = end + LABEL_GAP
                moved = True
    taken.append((y, y + height))
    return y


#: Which side of its source and of its target each kind of route uses.
_SIDES: dict[Route, tuple[str, str]] = {
    "forward": ("right", "left"), "back": ("left", "right"),
    "same-column": ("right", "right"), "lane": ("left", "right"),
}


def _ports(edges: list[_Edge], boxes: dict[str, NodeBox]) -> dict[tuple[int, str], float]:
    """The y where each edge leaves its source and enters its target: the edges on one side of
    a box spread evenly over its height, in the order of their labels (fewer crossings)."""
    sides: dict[tuple[str, str], list[tuple[float, int, str]]] = {}
    for item in edges:
        out_side, in_side = _SIDES[item.route]
        sides.setdefault((item.edge.source, out_side), []).append((item.top, item.index, "out"))
        sides.setdefault((item.edge.target, in_side), []).append((item.top, item.index, "in"))
    ports: dict[tuple[int, str], float] = {}
    for (iri, _side), attached in sides.items():
        rect = boxes[iri].rect
        attached.sort()
        for index, (_top, key, end) in enumerate(attached):
            ports[(key, end)] = rect.y + rect.h * (index + 1) / (len(attached) + 1)
    return ports


def _route(item: _Edge, boxes: dict[str, NodeBox],
           ports: dict[tuple[int, str], float]) -> EdgeRoute:
    source, target = boxes[item.edge.source].rect, boxes[item.edge.target].rect
    out_y, in_y = ports[(item.index, "out")], ports[(item.index, "in")]
    label_x = (_column_x(item.gutter) + NODE_W + STRIP if item.gutter >= 0
               else target.right + STRIP)
    label = Rect(label_x, item.top, LABEL_W, item.height)
    points: list[Point]
    if item.route == "forward":
        tip = (target.x, in_y)
        points = [*_curve((source.right, out_y), (label.x, label.y)),
                  *_curve((label.right, label.y), (tip[0] - ARROW_LEN, in_y))]
    elif item.route == "back":
        tip = (target.right, in_y)
        points = [*_curve((source.x, out_y), (label.right, label.y)),
                  *_curve((label.x, label.y), (tip[0] + ARROW_LEN, in_y))]
    elif item.route == "same-column":
        tip = (target.right, in_y)
        bracket = label.x - 8
        near, far = ((label.y, label.bottom) if out_y <= in_y else (label.bottom, label.y))
        points = [*_curve((source.right, out_y), (bracket, near)),
                  *_curve((bracket, far), (tip[0] + ARROW_LEN, in_y))]
    else:
        tip = (target.right, in_y)
        apart = 8 + 5 * (item.lane % 4)
        out_x, in_x = source.x - apart, target.right + apart
        points = [(source.x, out_y), (out_x, out_y), (out_x, label.y), (in_x, label.y),
                  (in_x, in_y), (tip[0] + ARROW_LEN, in_y)]
    texts = tuple(Text(label.x + LABEL_PAD, label.y + LABEL_PAD + EDGE_FONT + i * EDGE_LINE,
                       line, EDGE_FONT, MUTED) for i, line in enumerate(item.lines))
    return EdgeRoute(item.edge, item.route, tuple(_rounded(points)), _arrow(tip, points[-1]),
                     GRADE_LINES[item.edge.grade], label, texts)


def _curve(start: Point, end: Point) -> list[Point]:
    """A cubic curve from ``start`` to ``end`` that leaves and arrives horizontally,
    flattened into points."""
    (x0, y0), (x1, y1) = start, end
    middle = (x0 + x1) / 2
    points = []
    for step in range(_CURVE_STEPS + 1):
        t = step / _CURVE_STEPS
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        points.append((a * x0 + (b + c) * middle + d * x1, (a + b) * y0 + (c + d) * y1))
    return points


def _arrow(tip: Point, base: Point) -> tuple[Point, Point, Point]:
    """An arrowhead at ``tip``, pointing away from ``base`` (the line's last point)."""
    dx, dy = tip[0] - base[0], tip[1] - base[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    back = (tip[0] - ux * ARROW_LEN, tip[1] - uy * ARROW_LEN)
    left = (back[0] - uy * ARROW_HALF, back[1] + ux * ARROW_HALF)
    right = (back[0] + uy * ARROW_HALF, back[1] - ux * ARROW_HALF)
    return tuple(_rounded([tip, left, right]))  # type: ignore[return-value]  # three points


def _rounded(points: list[Point]) -> list[Point]:
    return [(round(x, 1), round(y, 1)) for x, y in points]


def _legend(top: float, width: float) -> tuple[tuple[LegendEntry, ...], float]:
    """One row per grade: a sample of its line and its words."""
    entries = []
    y = top
    for grade in GRADES:
        lines = wrap(GRADE_WORDS[grade], CAPTION_FONT, width - 2 * MARGIN - 56)
        texts = tuple(Text(MARGIN + 56, y + CAPTION_FONT + i * CAPTION_LINE, line,
                           CAPTION_FONT) for i, line in enumerate(lines))
        middle = y + CAPTION_FONT - 4
        entries.append(LegendEntry(grade, ((MARGIN, middle), (MARGIN + 44, middle)),
                                   GRADE_LINES[grade], texts))
        y += len(lines) * CAPTION_LINE + 6
    return tuple(entries), y


def _caption(chain: Chain) -> tuple[str, ...]:
    """What the diagram shows, in sentences: how many organisations of each grade, whether
    the search was complete, whether it met missing facts, and which hops it followed."""
    label = chain.source_label
    counts = chain.grade_counts
    if chain.datasets == 0:
        sentences = [f"The registry records no dataset from {label}: there is nothing to "
                     "trace."]
    elif chain.organisations == 0:
        sentences = [f"No organisation is recorded as getting data from {label}."]
    else:
        count = chain.organisations
        sentences = [f"{count} organisation{'s' if count != 1 else ''} can access data from "
                     f"{label}: " + ", ".join(f"{counts[g]} {g}" for g in GRADES) + "."]
    if chain.truncated_at is None:
        sentences.append("Complete: the trace reached none of its limits.")
    else:
        sentences.append(f"INCOMPLETE: the trace stopped at {chain.truncated_at}; more "
                         "organisations may have access than are drawn.")
    if chain.gaps:
        sentences.append(f"Not fully disclosed: the trace met {chain.gaps} fact"
                         f"{'s' if chain.gaps != 1 else ''} not disclosed or not recorded.")
    else:
        sentences.append("Fully disclosed: the trace met no fact that is not disclosed or "
                         "not recorded.")
    sentences.append("Hops valid on " + chain.as_of.isoformat() + "." if chain.as_of else
                     "Every recorded hop, whatever its dates (each arrow shows them).")
    sentences.append("Column k holds the organisations the data reaches in k hops. "
                     "Source: the cityreg registry.")
    return tuple(sentences)
