"""The data-flow diagram of an entity page: who or what sends data to it, and where it goes.

:func:`edges_for` finds the edges around one entity: the hops of the access graph
(:meth:`registry.flows.AccessGraph.edges_of`, the same evidence the API's traces give: who
holds which dataset under which contract or agreement), plus what a reader of the page also
expects: sensors and systems feeding datasets, systems using sensors and datasets, and the
suppliers and processors of the contracts that cover a system or dataset.

:func:`render_svg` draws them on the server as an inline SVG: incoming nodes on the left, the
entity in the middle, outgoing nodes on the right, every node a link to its page, with a
``<title>`` and ``<desc>`` for screen readers. No JavaScript is needed to read it.

Every hop keeps its grade: an ``asserted`` hop (a recorded role, clause or agreement) is a solid
line, an ``inferred`` one (a recorded relation implies access, its terms are not disclosed) is
dashed, an ``undisclosed`` one (recipients known only by category) is dotted and ends at a
placeholder node, labelled with the category, that links nowhere. The structural links (feeds,
used by, integrated into, supplier of a covering contract) are not grades of access: they keep
a thinner neutral line. Labels are wrapped onto as many lines as they need (measured as the
chain diagrams measure them, :mod:`registry.web.chaintext`), never cut: boxes and rows grow
to hold them. A legend under the drawing says which is which, and :func:`gaps_for`
lists the facts the hops around the entity lack, for the notice above the diagram.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.term import Node

from registry.flows.model import Gap, Grade, Hop, grade_rank
from registry.flows.rules import UNDISCLOSED_PREFIX
from registry.web.chaintext import wrap
from registry.web.dumps import is_iri_safe, labels

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.flows.questions import AccessQuestions
    from registry.web.pages import Linker


@dataclass(frozen=True)
class Edge:
    """Data moving from ``source`` to ``target``; ``what`` says what and under which terms.

    ``grade`` is the grade of the hop the edge draws, ``None`` for a structural link (feeds,
    used by, ...) that is not a hop; ``rule_label`` says why an inferred or undisclosed hop is
    not asserted. ``target_category`` is set when the target is a placeholder of recipients
    known only by their category (its words, such as "third party").
    """

    source: str
    source_label: str
    target: str
    target_label: str
    what: str
    grade: Grade | None = None
    rule_label: str | None = None
    target_category: str | None = None


def is_placeholder(iri: str) -> bool:
    """True for the IRI of recipients whose identity is not disclosed (no page, no link)."""
    return iri.startswith(UNDISCLOSED_PREFIX)


# What the access graph leaves out but a reader of a page expects to see: sensors and systems
# feeding datasets, systems using sensors and datasets, and the suppliers and processors of the
# contracts that cover a system or dataset.
_STRUCTURAL = """
SELECT DISTINCT ?from ?to ?via ?rel WHERE {
  { ?from cityreg:feedsDataset ?to . BIND("feeds" AS ?rel) }
  UNION { ?to cityreg:usesSensor|cityreg:usesDataset ?from . BIND("used by" AS ?rel) }
  UNION { ?to cityreg:integrates ?from . BIND("integrated into" AS ?rel) }
  UNION { ?via cityreg:coversSystem|cityreg:coversDataset ?from ;
               cityreg:supplier|dpv:hasDataProcessor|cityreg:hasSubProcessor ?to }
  FILTER(?from = <%(e)s> || ?to = <%(e)s>)
}
"""


def edges_for(context: RegistryContext, iri: str, limit: int = 24) -> list[Edge]:
    """The edges into, out of and through ``iri``, at most ``limit``, deduplicated.

    Hops of the access graph (:meth:`registry.flows.AccessGraph.edges_of`) come first: the
    same evidence the API's traces give. Hops *carried* by the entity (a dataset shared, an
    agreement granting, a contract covering) are drawn from their source to their target.
    """
    if not is_iri_safe(iri):
        return []
    edges: dict[tuple[str, str], Edge] = {}
    for hop in _hops_around(context, iri):
        edge = _hop_edge(context.access_graph, hop)
        known = edges.get((edge.source, edge.target))
        if known is None or _rank(edge) < _rank(known):  # the strongest evidence wins
            edges[(edge.source, edge.target)] = edge
    rows = context.registry.select(_STRUCTURAL % {"e": iri})
    names = labels(context.registry, {str(term) for row in rows for term in row.values()
                                      if isinstance(term, URIRef)})

    def text(term: Node) -> str:
        return str(names.get(str(term), _local(str(term))))

    for row in rows:
        via = row.get("via")
        edge = Edge(str(row["from"]), text(row["from"]), str(row["to"]), text(row["to"]),
                    f"under {text(via)}" if via is not None else str(row.get("rel", "data")))
        edges.setdefault((edge.source, edge.target), edge)
    return sorted(edges.values(), key=lambda e: (e.source_label, e.target_label))[:limit]


def gaps_for(context: RegistryContext, iri: str) -> list[Gap]:
    """The distinct gaps of the hops into, out of and through ``iri``: the facts its data
    flows need and the registry does not hold, sorted by entity label and property."""
    if not is_iri_safe(iri):
        return []
    found: dict[tuple[str, str], Gap] = {}
    for hop in _hops_around(context, iri):
        for gap in hop.gaps:
            found.setdefault((gap.entity, gap.prop), gap)
    return sorted(found.values(), key=lambda g: (g.entity_label.casefold(), g.prop_label,
                                                 g.entity, g.prop))


def _hops_around(context: RegistryContext, iri: str) -> tuple[Hop, ...]:
    around = context.access_graph.edges_of(iri)
    return (*around.incoming, *around.outgoing, *around.carried)


def _hop_edge(graph: AccessQuestions, hop: Hop) -> Edge:
    what = hop.dataset_label if hop.kind == "origin" else (
        f"{hop.dataset_label} under {hop.via_label}")
    placeholder = graph.placeholder(hop.target)
    category = None if placeholder is None else placeholder[1]
    return Edge(hop.source, hop.source_label, hop.target, hop.target_label, what, hop.grade,
                hop.rule_label, category)


def _rank(edge: Edge) -> int:
    """Asserted first, then inferred, undisclosed, and structural links last."""
    return len(_GRADE_STYLE) if edge.grade is None else grade_rank(edge.grade)


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# -- drawing --------------------------------------------------------------------------------------

_WIDTH = 880
_NODE_W = 180
_NODE_PAD = 8
_NODE_FONT = 13
_NODE_LINE = 16
_NOTE_FONT = 11
_MIN_NODE_H = 44
#: The centre's label is bold (cityreg.css): wrapped narrower, as bold letters are wider.
_BOLD_ALLOWANCE = 28
_EDGE_FONT = 11
_EDGE_LINE = 13
_MARGIN = 16
_LEGEND_ROW = 20
_LEGEND_H = 2 * _LEGEND_ROW + 20
#: The room for an edge's words between an outer node and the centre, less a little air.
_EDGE_TEXT_W = (_WIDTH - _NODE_W) // 2 - _MARGIN - _NODE_W - 12

#: Per grade: the CSS class, the dash pattern (also an attribute, so the SVG keeps its meaning
#: without the stylesheet) and the legend's words. Structural links are "link".
_GRADE_STYLE: dict[str, tuple[str, str | None, str]] = {
    "asserted": ("flow-asserted", None,
                 "asserted: a recorded role, clause or agreement"),
    "inferred": ("flow-inferred", "7 4",
                 "inferred: implied by a recorded relation"),
    "undisclosed": ("flow-undisclosed", "1.5 4",
                    "undisclosed: recipients known only by category"),
}
_LINK_STYLE: tuple[str, str | None, str] = (
    "flow-link", None, "a recorded link, not a grant (feeds, used by)")


@dataclass(frozen=True)
class _Node:
    """One node beside the entity, with the edge drawn to it (the strongest of its edges)."""

    iri: str
    label: str
    edge: Edge
    category: str | None


def _node_lines(text: str, bold: bool = False) -> tuple[str, ...]:
    """A node's label wrapped to its box (registry.web.chaintext): never cut."""
    room = _NODE_W - 2 * _NODE_PAD - (_BOLD_ALLOWANCE if bold else 0)
    return wrap(text, _NODE_FONT, room) or ("",)


def _edge_lines(text: str) -> tuple[str, ...]:
    """What an edge carries, wrapped to the room beside its outer node: never cut."""
    return wrap(text, _EDGE_FONT, _EDGE_TEXT_W) or ("",)


def _placeholder_lines(node: _Node) -> tuple[str, ...]:
    return _node_lines(node.category or "recipients")


@dataclass(frozen=True)
class _Sizes:
    """Every box as tall as the longest label needs, every row as tall as a box plus the
    longest edge label above its line."""

    node_h: int
    row: int
    label_h: int


def _sizes(label: str, nodes: list[_Node]) -> _Sizes:
    lines = [len(_node_lines(label, bold=True)),
             *(len(_placeholder_lines(n)) + 1 if n.category is not None or is_placeholder(n.iri)
               else len(_node_lines(n.label)) for n in nodes)]
    node_h = max(_MIN_NODE_H, 2 * _NODE_PAD + max(lines) * _NODE_LINE)
    label_h = max((len(_edge_lines(n.edge.what)) * _EDGE_LINE for n in nodes), default=0)
    return _Sizes(node_h, max(62, node_h + 18, label_h + 10), label_h)


def render_svg(iri: str, label: str, edges: list[Edge], linker: Linker) -> str:
    """The diagram as an SVG string (already escaped; safe to insert into the page)."""
    incoming = _side(edges, iri, incoming=True)
    outgoing = _side(edges, iri, incoming=False)
    size = _sizes(label, [*incoming, *outgoing])
    rows = max(len(incoming), len(outgoing), 1)
    top = _MARGIN + size.label_h  # the first row's edge words go above its line
    area = top + rows * size.row + _MARGIN
    height = area + (_LEGEND_H if edges else 0)
    centre_x = (_WIDTH - _NODE_W) // 2
    centre_y = top + (rows * size.row) // 2 - size.node_h // 2
    middle = size.node_h // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="group" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" aria-labelledby="flow-title flow-desc">',
        f'<title id="flow-title">Data flows of {escape(label)}</title>',
        f'<desc id="flow-desc">{escape(_summary(label, incoming, outgoing))}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#3d4f5c"/></marker></defs>',
    ]
    for index, node in enumerate(incoming):
        y = _row_y(index, len(incoming), top, rows, size)
        parts.append(_edge(_MARGIN + _NODE_W, y + middle, centre_x, centre_y + middle,
                           node.edge, label_at_start=True))
        parts.append(_node(_MARGIN, y, node, linker, size))
    for index, node in enumerate(outgoing):
        y = _row_y(index, len(outgoing), top, rows, size)
        x = _WIDTH - _MARGIN - _NODE_W
        parts.append(_edge(centre_x + _NODE_W, centre_y + middle, x, y + middle,
                           node.edge, label_at_start=False))
        parts.append(_node(x, y, node, linker, size))
    parts.append(_centre(centre_x, centre_y, label, size))
    if edges:
        parts.append(_legend(area))
    else:
        parts.append(f'<text x="{_WIDTH // 2}" y="{centre_y + size.node_h + 16}" '
                     'text-anchor="middle" class="flow-empty">No recorded data flows</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _summary(label: str, incoming: list[_Node], outgoing: list[_Node]) -> str:
    """The ``<desc>``: how many connections, and how many of them are not asserted."""
    grades = [node.edge.grade for node in (*incoming, *outgoing)]
    inferred, undisclosed = grades.count("inferred"), grades.count("undisclosed")
    text = (f"{len(incoming)} incoming and {len(outgoing)} outgoing data connections of "
            f"{label}")
    if not inferred and not undisclosed:
        return text + "; none inferred or undisclosed"
    return (text + f"; {inferred} inferred (dashed: implied by a recorded relation, terms not "
            f"disclosed), {undisclosed} undisclosed (dotted: recipients known only by "
            "category)")


def _side(edges: list[Edge], iri: str, incoming: bool) -> list[_Node]:
    """The nodes on one side: for edges that pass *through* the entity (it is neither end),
    the source goes left and the target right. A node with several edges is drawn with the
    strongest (asserted before inferred before undisclosed before a structural link)."""
    side: dict[str, _Node] = {}
    for edge in edges:
        if edge.source == iri and edge.target == iri:
            continue
        if incoming and edge.source != iri:
            node = _Node(edge.source, edge.source_label, edge, None)
        elif not incoming and edge.target != iri:
            node = _Node(edge.target, edge.target_label, edge, edge.target_category)
        else:
            continue
        known = side.get(node.iri)
        if known is None or _rank(edge) < _rank(known.edge):
            side[node.iri] = node
    return list(side.values())


def _row_y(index: int, count: int, top: int, rows: int, size: _Sizes) -> int:
    """The top of the box in row ``index`` of a side with ``count`` rows, centred."""
    return (top + ((rows - count) * size.row) // 2 + index * size.row
            + (size.row - size.node_h) // 2)


def _lines(x: int, first: int, lines: tuple[str, ...], step: int, attributes: str = "") -> str:
    """One ``<text>`` per line, the first on baseline ``first``."""
    return "".join(f'<text x="{x}" y="{first + i * step}"{attributes}>{escape(line)}</text>'
                   for i, line in enumerate(lines))


def _box(x: int, y: int, label: str, size: _Sizes, bold: bool = False) -> str:
    lines = _node_lines(label, bold)
    first = y + (size.node_h - len(lines) * _NODE_LINE) // 2 + _NODE_FONT - 1
    return (f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{size.node_h}" rx="6"/>'
            + _lines(x + _NODE_W // 2, first, lines, _NODE_LINE, ' text-anchor="middle"'))


def _centre(x: int, y: int, label: str, size: _Sizes) -> str:
    return (f'<g class="flow-node flow-centre"><title>{escape(label)}</title>'
            f"{_box(x, y, label, size, bold=True)}</g>")


def _node(x: int, y: int, node: _Node, linker: Linker, size: _Sizes) -> str:
    if node.category is not None or is_placeholder(node.iri):
        return _placeholder(x, y, node, size)
    href = linker.term_href(node.iri)
    return (f'<a class="flow-node" href="{escape(href)}" aria-label="{escape(node.label)}">'
            f"<title>{escape(node.label)}</title>{_box(x, y, node.label, size)}</a>")


def _placeholder(x: int, y: int, node: _Node, size: _Sizes) -> str:
    """Recipients known only by their category: a dotted box with the category, no link (the
    registry has no page for them)."""
    category = node.category or "recipients"
    title = (f"{node.label}: recipients recorded only by their category ({category}); "
             "their identity is not disclosed")
    lines = _placeholder_lines(node)
    first = y + (size.node_h - (len(lines) + 1) * _NODE_LINE) // 2 + _NODE_FONT - 1
    return (f'<g class="flow-node flow-placeholder"><title>{escape(title)}</title>'
            f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{size.node_h}" rx="6" '
            'stroke-dasharray="1.5 4"/>'
            + _lines(x + _NODE_W // 2, first, lines, _NODE_LINE, ' text-anchor="middle"')
            + f'<text x="{x + _NODE_W // 2}" y="{first + len(lines) * _NODE_LINE}" '
            'text-anchor="middle" class="flow-note">identity not disclosed</text></g>')


def _style(edge: Edge) -> tuple[str, str | None, str]:
    return _LINK_STYLE if edge.grade is None else _GRADE_STYLE[edge.grade]


def _path(d: str, style: tuple[str, str | None, str], arrow: bool = True) -> str:
    dash = "" if style[1] is None else f' stroke-dasharray="{style[1]}"'
    marker = ' marker-end="url(#arrow)"' if arrow else ""
    return f'<path d="{d}"{dash}{marker}/>'


def _edge(x1: int, y1: int, x2: int, y2: int, edge: Edge, label_at_start: bool) -> str:
    """A curve from (x1, y1) to (x2, y2), styled by its grade and labelled above its line
    beside the outer node (wrapped, the last line just above the line); its tooltip says
    what the grade means for this hop."""
    middle = (x1 + x2) // 2
    style = _style(edge)
    lines = _edge_lines(edge.what)
    if label_at_start:
        x, y, anchor = x1 + 4, y1, "start"
    else:
        x, y, anchor = x2 - 4, y2, "end"
    first = y - 5 - (len(lines) - 1) * _EDGE_LINE
    title = edge.what
    if edge.grade is not None:
        title += f" ({edge.grade}" + (f": {edge.rule_label})" if edge.rule_label and
                                      edge.grade != "asserted" else ")")
    return (f'<g class="flow-edge {style[0]}"><title>{escape(title)}</title>'
            + _path(f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}", style)
            + _lines(x, first, lines, _EDGE_LINE, f' text-anchor="{anchor}"') + "</g>")


def _legend(top: int) -> str:
    """The key to the lines: the three grades and the structural link, two per row."""
    styles = [*_GRADE_STYLE.values(), _LINK_STYLE]
    column = (_WIDTH - 2 * _MARGIN) // 2
    parts = [f'<g class="flow-legend"><line x1="{_MARGIN}" y1="{top + 4}" '
             f'x2="{_WIDTH - _MARGIN}" y2="{top + 4}" class="flow-rule"/>']
    for index, style in enumerate(styles):
        x = _MARGIN + (index % 2) * column
        y = top + 20 + (index // 2) * _LEGEND_ROW
        parts.append(f'<g class="flow-edge {style[0]}">'
                     + _path(f"M{x},{y - 4} L{x + 36},{y - 4}", style, arrow=False)
                     + f'<text x="{x + 44}" y="{y}">{escape(style[2])}</text></g>')
    parts.append("</g>")
    return "".join(parts)
