"""A chain diagram as SVG: the layout of :mod:`registry.web.chainlayout`, drawn as text.

The SVG stands on its own (a journalist can put the downloaded file in an article) and inside a
page under the site's Content-Security-Policy: no script, no ``<style>`` element or ``style``
attribute (colours, fonts and dashes are presentation attributes), no reference to anything
outside the file (arrowheads are drawn, not markers; links go only to the registry's own
pages, through the :class:`~registry.web.pages.Linker`). Every label is escaped.

For readers and for checks, every part says what it is: ``<title>`` and ``<desc>`` on the
drawing, a ``<title>`` on every node and edge; the classes ``chain-node`` and ``chain-edge``
with ``data-`` attributes (``data-iri``, ``data-column``, ``data-kind``; ``data-source``,
``data-target``, ``data-via``, ``data-grade``, ``data-dates``, ``data-onward``,
``data-sold``) that hold the facts the drawing shows.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from registry.web.chainlayout import (
    ChainLayout,
    EdgeRoute,
    LegendEntry,
    LineStyle,
    NodeBox,
    Point,
    Text,
)

if TYPE_CHECKING:
    from registry.web.pages import Linker

#: The font the layout measures with first (see registry.web.chaintext), then narrower ones.
FONT_FAMILY = ("'DejaVu Sans', 'Bitstream Vera Sans', Arial, Helvetica, 'Liberation Sans', "
               "sans-serif")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_svg(layout: ChainLayout, linker: Linker) -> str:
    """The SVG of ``layout``; nodes link to their entity pages, edge labels to the page of
    their agreement or contract (where the registry has one)."""
    chain = layout.chain
    labels = {box.node.iri: box.node.label for box in layout.nodes}
    width, height = _n(layout.width), _n(layout.height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-diagram" role="group" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{_attr(FONT_FAMILY)}" aria-labelledby="chain-title chain-desc" '
        f'data-source="{_attr(chain.source)}" data-columns="{chain.columns}" '
        f'data-complete="{_flag(chain.truncated_at is None)}">',
        f'<title id="chain-title">{_text(layout.title)}</title>',
        f'<desc id="chain-desc">{_text(" ".join(layout.caption))}</desc>',
        f'<rect class="chain-paper" x="0" y="0" width="{width}" height="{height}" '
        'fill="#ffffff"/>',
        '<g class="chain-words">', *(_line(text) for text in layout.texts), "</g>",
        '<g class="chain-edges">', *(_edge(route, labels, linker) for route in layout.edges),
        "</g>",
        '<g class="chain-nodes">', *(_node(box, linker) for box in layout.nodes), "</g>",
        '<g class="chain-legend">', *(_legend(entry) for entry in layout.legend), "</g>",
        "</svg>",
    ]
    return "\n".join(parts)


def _edge(route: EdgeRoute, labels: dict[str, str], linker: Linker) -> str:
    edge = route.edge
    source, target = labels[edge.source], labels[edge.target]
    words = "".join(_line(text) for text in route.texts)
    href = _href(edge.via, linker)
    if href is not None:
        words = f'<a href="{_attr(href)}">{words}</a>'
    return (f'<g class="chain-edge chain-{edge.grade}" data-source="{_attr(edge.source)}" '
            f'data-target="{_attr(edge.target)}" data-via="{_attr(edge.via)}" '
            f'data-grade="{edge.grade}" data-route="{route.route}" '
            f'data-dates="{_attr(edge.dates or "")}" '
            f'data-onward="{_attr(edge.onward_sharing)}" data-sold="{_flag(edge.sold)}">'
            f"<title>{_text(f'{source} to {target}: {edge.description}')}</title>"
            f'<path d="{_path(route.points)}" fill="none"{_stroke(route.line)}/>'
            f'<polygon points="{_points(route.arrow)}" fill="{route.line.colour}"/>'
            f"{words}</g>")


def _node(box: NodeBox, linker: Linker) -> str:
    node = box.node
    rect = box.rect
    drawing = (f'<rect x="{_n(rect.x)}" y="{_n(rect.y)}" width="{_n(rect.w)}" '
               f'height="{_n(rect.h)}" rx="6" fill="{box.fill}"{_stroke(box.outline)}/>'
               + "".join(_line(text) for text in box.texts))
    facts = (f'data-iri="{_attr(node.iri)}" data-column="{node.column}" '
             f'data-kind="{node.kind}" data-grade="{node.grade or ""}"')
    if node.kind == "placeholder":
        title = (f"{node.label}: recipients recorded only by their category "
                 f"({node.category_label or 'recipients'}); their identity is not disclosed")
        return (f'<g class="chain-node chain-placeholder" {facts}>'
                f"<title>{_text(title)}</title>{drawing}</g>")
    if node.kind == "source":
        title = f"{node.label}: the source of the data"
    else:
        hops = f"{node.column} hop" + ("s" if node.column != 1 else "")
        title = f"{node.label}: reached in {hops}, best evidence {node.grade}"
    href = _href(node.iri, linker)
    if href is None:
        return (f'<g class="chain-node chain-{node.kind}" {facts}>'
                f"<title>{_text(title)}</title>{drawing}</g>")
    return (f'<a class="chain-node chain-{node.kind}" href="{_attr(href)}" {facts} '
            f'aria-label="{_attr(node.label)}"><title>{_text(title)}</title>{drawing}</a>')


def _legend(entry: LegendEntry) -> str:
    (x1, y1), (x2, y2) = entry.sample
    return (f'<g class="chain-key chain-{entry.grade}" data-grade="{entry.grade}">'
            f'<path d="M{_n(x1)},{_n(y1)} L{_n(x2)},{_n(y2)}" fill="none"'
            f'{_stroke(entry.line)}/>' + "".join(_line(text) for text in entry.texts) + "</g>")


def _href(iri: str, linker: Linker) -> str | None:
    """The registry's own page of ``iri``; None for anything else (never a link out)."""
    path = linker.entity_path(iri)
    return None if path is None else linker.href(path)


def _line(text: Text) -> str:
    anchor = ' text-anchor="middle"' if text.anchor == "middle" else ""
    return (f'<text x="{_n(text.x)}" y="{_n(text.y)}" font-size="{text.size}" '
            f'fill="{text.colour}"{anchor}>{_text(text.text)}</text>')


def _stroke(line: LineStyle) -> str:
    dash = "" if line.dash is None else (
        f' stroke-dasharray="{" ".join(_n(d) for d in line.dash)}"')
    caps = ' stroke-linecap="round"' if line.round_caps else ""
    return f' stroke="{line.colour}" stroke-width="{_n(line.width)}"{dash}{caps}'


def _path(points: tuple[Point, ...]) -> str:
    return "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _points(points: tuple[Point, ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _text(value: str) -> str:
    """Escaped element text; characters XML cannot hold become U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", value), quote=False)


def _attr(value: str) -> str:
    """An escaped attribute value."""
    return escape(_NOT_XML.sub("\ufffd", value), quote=True)
