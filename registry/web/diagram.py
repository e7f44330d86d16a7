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
a thinner neutral line. A legend under the drawing says which is which, and :func:`gaps_for`
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
from registry.web.dumps import is_iri_safe, labels

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.flows import AccessGraph
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


def _hop_edge(graph: AccessGraph, hop: Hop) -> Edge:
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
_NODE_W = 210
_NODE_H = 44
_ROW = 62
_MARGIN = 16
_MAX_CHARS = 27
_LEGEND_ROW = 20
_LEGEND_H = 2 * _LEGEND_ROW + 20

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


def _clip(text: str, limit: int = _MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_svg(iri: str, label: str, edges: list[Edge], linker: Linker) -> str:
    """The diagram as an SVG string (already escaped; safe to insert into the page)."""
    incoming = _side(edges, iri, incoming=True)
    outgoing = _side(edges, iri, incoming=False)
    rows = max(len(incoming), len(outgoing), 1)
    area = rows * _ROW + 2 * _MARGIN
    height = area + (_LEGEND_H if edges else 0)
    centre_x = (_WIDTH - _NODE_W) // 2
    centre_y = area // 2 - _NODE_H // 2
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
        y = _row_y(index, len(incoming), area)
        parts.append(_edge(_MARGIN + _NODE_W, y + _NODE_H // 2, centre_x,
                           centre_y + _NODE_H // 2, node.edge, label_at_start=True))
        parts.append(_node(_MARGIN, y, node, linker))
    for index, node in enumerate(outgoing):
        y = _row_y(index, len(outgoing), area)
        x = _WIDTH - _MARGIN - _NODE_W
        parts.append(_edge(centre_x + _NODE_W, centre_y + _NODE_H // 2, x, y + _NODE_H // 2,
                           node.edge, label_at_start=False))
        parts.append(_node(x, y, node, linker))
    parts.append(_centre(centre_x, centre_y, label))
    if edges:
        parts.append(_legend(area))
    else:
        parts.append(f'<text x="{_WIDTH // 2}" y="{centre_y + _NODE_H + 16}" '
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


def _row_y(index: int, count: int, height: int) -> int:
    top = (height - count * _ROW) // 2
    return top + index * _ROW + (_ROW - _NODE_H) // 2


def _box(x: int, y: int, label: str) -> str:
    return (f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{_NODE_H}" rx="6"/>'
            f'<text x="{x + _NODE_W // 2}" y="{y + _NODE_H // 2 + 5}" text-anchor="middle">'
            f"{escape(_clip(label))}</text>")


def _centre(x: int, y: int, label: str) -> str:
    return (f'<g class="flow-node flow-centre"><title>{escape(label)}</title>'
            f"{_box(x, y, label)}</g>")


def _node(x: int, y: int, node: _Node, linker: Linker) -> str:
    if node.category is not None or is_placeholder(node.iri):
        return _placeholder(x, y, node)
    href = linker.term_href(node.iri)
    return (f'<a class="flow-node" href="{escape(href)}" aria-label="{escape(node.label)}">'
            f"<title>{escape(node.label)}</title>{_box(x, y, node.label)}</a>")


def _placeholder(x: int, y: int, node: _Node) -> str:
    """Recipients known only by their category: a dotted box with the category, no link (the
    registry has no page for them)."""
    category = node.category or "recipients"
    title = (f"{node.label}: recipients recorded only by their category ({category}); "
             "their identity is not disclosed")
    return (f'<g class="flow-node flow-placeholder"><title>{escape(title)}</title>'
            f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{_NODE_H}" rx="6" '
            'stroke-dasharray="1.5 4"/>'
            f'<text x="{x + _NODE_W // 2}" y="{y + 18}" text-anchor="middle">'
            f"{escape(_clip(category))}</text>"
            f'<text x="{x + _NODE_W // 2}" y="{y + 35}" text-anchor="middle" '
            'class="flow-note">identity not disclosed</text></g>')


def _style(edge: Edge) -> tuple[str, str | None, str]:
    return _LINK_STYLE if edge.grade is None else _GRADE_STYLE[edge.grade]


def _path(d: str, style: tuple[str, str | None, str], arrow: bool = True) -> str:
    dash = "" if style[1] is None else f' stroke-dasharray="{style[1]}"'
    marker = ' marker-end="url(#arrow)"' if arrow else ""
    return f'<path d="{d}"{dash}{marker}/>'


def _edge(x1: int, y1: int, x2: int, y2: int, edge: Edge, label_at_start: bool) -> str:
    """A curve from (x1, y1) to (x2, y2), styled by its grade and labelled beside the outer
    node's end; its tooltip says what the grade means for this hop."""
    middle = (x1 + x2) // 2
    style = _style(edge)
    if label_at_start:
        label = f'<text x="{x1 + 4}" y="{y1 - 5}" text-anchor="start">'
    else:
        label = f'<text x="{x2 - 4}" y="{y2 - 5}" text-anchor="end">'
    title = edge.what
    if edge.grade is not None:
        title += f" ({edge.grade}" + (f": {edge.rule_label})" if edge.rule_label and
                                      edge.grade != "asserted" else ")")
    return (f'<g class="flow-edge {style[0]}"><title>{escape(title)}</title>'
            + _path(f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}", style)
            + f"{label}{escape(_clip(edge.what, 20))}</text></g>")


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
