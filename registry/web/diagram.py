"""The data-flow diagram of an entity page: who or what sends data to it, and where it goes.

:func:`edges_for` finds the edges around one entity: the hops of the access graph
(:meth:`registry.flows.AccessGraph.edges_of`, the same evidence the API's traces give: who
holds which dataset under which contract or agreement), plus what a reader of the page also
expects: sensors and systems feeding datasets, systems using sensors and datasets, and the
suppliers and processors of the contracts that cover a system or dataset.

:func:`render_svg` draws them on the server as an inline SVG: incoming nodes on the left, the
entity in the middle, outgoing nodes on the right, every node a link to its page, with a
``<title>`` and ``<desc>`` for screen readers. No JavaScript is needed to read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.term import Node

from registry.web.dumps import is_iri_safe, labels

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker


@dataclass(frozen=True)
class Edge:
    """Data moving from ``source`` to ``target``; ``what`` says what and under which terms."""

    source: str
    source_label: str
    target: str
    target_label: str
    what: str


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
    around = context.access_graph.edges_of(iri)
    for hop in (*around.incoming, *around.outgoing, *around.carried):
        what = hop.dataset_label if hop.kind == "origin" else (
            f"{hop.dataset_label} under {hop.via_label}")
        edge = Edge(hop.source, hop.source_label, hop.target, hop.target_label, what)
        edges.setdefault((edge.source, edge.target), edge)
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


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# -- drawing --------------------------------------------------------------------------------------

_WIDTH = 880
_NODE_W = 210
_NODE_H = 44
_ROW = 62
_MARGIN = 16
_MAX_CHARS = 27


def _clip(text: str, limit: int = _MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_svg(iri: str, label: str, edges: list[Edge], linker: Linker) -> str:
    """The diagram as an SVG string (already escaped; safe to insert into the page)."""
    incoming = _side(edges, iri, incoming=True)
    outgoing = _side(edges, iri, incoming=False)
    rows = max(len(incoming), len(outgoing), 1)
    height = rows * _ROW + 2 * _MARGIN
    centre_x = (_WIDTH - _NODE_W) // 2
    centre_y = height // 2 - _NODE_H // 2
    summary = (f"{len(incoming)} incoming and {len(outgoing)} outgoing data connections of "
               f"{label}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="group" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" aria-labelledby="flow-title flow-desc">',
        f'<title id="flow-title">Data flows of {escape(label)}</title>',
        f'<desc id="flow-desc">{escape(summary)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#3d4f5c"/></marker></defs>',
    ]
    for index, (other, other_label, what) in enumerate(incoming):
        y = _row_y(index, len(incoming), height)
        parts.append(_edge(_MARGIN + _NODE_W, y + _NODE_H // 2, centre_x,
                           centre_y + _NODE_H // 2, what, label_at_start=True))
        parts.append(_node(_MARGIN, y, other, other_label, linker))
    for index, (other, other_label, what) in enumerate(outgoing):
        y = _row_y(index, len(outgoing), height)
        x = _WIDTH - _MARGIN - _NODE_W
        parts.append(_edge(centre_x + _NODE_W, centre_y + _NODE_H // 2, x, y + _NODE_H // 2,
                           what, label_at_start=False))
        parts.append(_node(x, y, other, other_label, linker))
    parts.append(_node(centre_x, centre_y, iri, label, linker, centre=True))
    if not edges:
        parts.append(f'<text x="{_WIDTH // 2}" y="{centre_y + _NODE_H + 16}" '
                     'text-anchor="middle" class="flow-empty">No recorded data flows</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _side(edges: list[Edge], iri: str, incoming: bool) -> list[tuple[str, str, str]]:
    """The nodes on one side: for edges that pass *through* the entity (it is neither end),
    the source goes left and the target right."""
    side: dict[str, tuple[str, str, str]] = {}
    for edge in edges:
        if edge.source == iri and edge.target == iri:
            continue
        if incoming and edge.source != iri:
            side.setdefault(edge.source, (edge.source, edge.source_label, edge.what))
        elif not incoming and edge.target != iri:
            side.setdefault(edge.target, (edge.target, edge.target_label, edge.what))
    return list(side.values())


def _row_y(index: int, count: int, height: int) -> int:
    top = (height - count * _ROW) // 2
    return top + index * _ROW + (_ROW - _NODE_H) // 2


def _node(x: int, y: int, iri: str, label: str, linker: Linker, centre: bool = False) -> str:
    css = "flow-node flow-centre" if centre else "flow-node"
    box = (f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{_NODE_H}" rx="6"/>'
           f'<text x="{x + _NODE_W // 2}" y="{y + _NODE_H // 2 + 5}" text-anchor="middle">'
           f"{escape(_clip(label))}</text>")
    if centre:
        return f'<g class="{css}"><title>{escape(label)}</title>{box}</g>'
    href = linker.term_href(iri)
    return (f'<a class="{css}" href="{escape(href)}" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>{box}</a>")


def _edge(x1: int, y1: int, x2: int, y2: int, what: str, label_at_start: bool) -> str:
    """A curve from (x1, y1) to (x2, y2), labelled beside the outer node's end."""
    middle = (x1 + x2) // 2
    path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
    if label_at_start:
        label = f'<text x="{x1 + 4}" y="{y1 - 5}" text-anchor="start">'
    else:
        label = f'<text x="{x2 - 4}" y="{y2 - 5}" text-anchor="end">'
    return (f'<g class="flow-edge"><title>{escape(what)}</title>'
            f'<path d="{path}" marker-end="url(#arrow)"/>'
            f"{label}{escape(_clip(what, 20))}</text></g>")
