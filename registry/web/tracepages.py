"""The trace of an entity on the site: its page, and its chain diagram as SVG and PNG.

A *traceable* entity is one :meth:`registry.flows.AccessGraph.datasets_of` accepts (a sensor,
deployment, system, dataset or organisation) under the entity base. Its trace page,
``/trace/<path>`` (``<path>`` as in ``/id/<path>``), says who can access its data: how many
organisations for each grade of evidence, whether the search was complete, which facts it
lacked, the chain diagram, and every organisation with its shortest chain. The diagram is
also served as ``/trace/<path>.svg`` and ``/trace/<path>.png`` for articles.

The trace is ``cityreg trace``'s with its defaults: every recorded hop whatever its dates
(each edge shows them), at most 6 hops and 100 evidence paths; a trace cut by a limit says
so on the page and in the diagram. :func:`chain_figure` is the one function that draws the
diagram of an entity, for its trace page and for its entity page alike.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry.errors import NotFoundError
from registry.flows.model import GRADES, Gap, Grade, TraceResult
from registry.web import render
from registry.web.chain import Chain, build_chain, sold_hops
from registry.web.chainlayout import ChainLayout, layout_chain
from registry.web.chainpng import render_png
from registry.web.chainsvg import render_svg

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

#: The site path under which trace pages live.
TRACE_ROOT = "/trace/"
#: The trace's limits: ``cityreg trace``'s defaults.
MAX_DEPTH = 6
MAX_PATHS = 100
#: Threads that draw the static site's PNGs (Pillow encodes without holding the GIL).
PNG_THREADS = max(1, min(4, os.cpu_count() or 1))
#: The diagram's download formats: extension and media type.
DOWNLOADS = {".svg": "image/svg+xml", ".png": "image/png"}


def trace_path(linker: Linker, iri: str) -> str | None:
    """``/trace/<path>`` for an IRI under the entity base, else None."""
    page = linker.entity_path(iri)
    return None if page is None else TRACE_ROOT + page[len("/id/"):]


def traceable(context: RegistryContext, iri: str) -> bool:
    """Whether ``iri`` is a sensor, deployment, system, dataset or organisation the access
    graph can trace."""
    try:
        context.access_graph.datasets_of(iri)
    except NotFoundError:
        return False
    return True


def trace_of(context: RegistryContext, iri: str) -> TraceResult:
    """Who can access data from ``iri`` (traceable), with ``cityreg trace``'s defaults."""
    return context.access_graph.who_can_access(iri, max_depth=MAX_DEPTH, max_paths=MAX_PATHS)


def chain_layout(context: RegistryContext, result: TraceResult) -> ChainLayout:
    """The layout of ``result``'s chain diagram."""
    return layout_chain(build_chain(result, sold_hops(context.registry)))


@dataclass(frozen=True)
class ChainFigure:
    """The chain diagram of one entity as a page shows it: the chain, its SVG, the links to the
    trace page and the downloads, and the gaps the trace met."""

    chain: Chain
    svg: str
    page_href: str
    svg_href: str
    png_href: str
    gaps: tuple[Gap, ...]
    complete: bool


@dataclass(frozen=True)
class Drawing:
    """An entity's trace and the layout of its chain: computed once, drawn as the page's SVG,
    the SVG file and the PNG."""

    result: TraceResult
    layout: ChainLayout


def drawing(context: RegistryContext, iri: str) -> Drawing:
    """The trace of ``iri`` (traceable) and its chain's layout."""
    result = trace_of(context, iri)
    return Drawing(result, chain_layout(context, result))


def chain_figure(context: RegistryContext, iri: str, linker: Linker,
                 drawn: Drawing | None = None) -> ChainFigure | None:
    """The chain diagram of ``iri`` for a page written with ``linker``; None when ``iri`` is
    not traceable or not under the entity base. ``drawn``: its drawing, when the caller has
    it."""
    path = trace_path(linker, iri)
    if path is None or (drawn is None and not traceable(context, iri)):
        return None
    drawn = drawing(context, iri) if drawn is None else drawn
    return ChainFigure(drawn.layout.chain, render_svg(drawn.layout, linker), linker.href(path),
                       linker.href(path + ".svg"), linker.href(path + ".png"),
                       drawn.result.disclosure, drawn.result.complete)


def chain_png(context: RegistryContext, iri: str, drawn: Drawing | None = None) -> bytes:
    """The chain diagram of ``iri`` (traceable) as PNG."""
    return render_png((drawn or drawing(context, iri)).layout)


def chain_svg(context: RegistryContext, iri: str, linker: Linker,
              drawn: Drawing | None = None) -> str:
    """The chain diagram of ``iri`` (traceable) as a standalone SVG file; its links are those
    of the page at ``linker``'s place (the trace page beside it)."""
    layout = (drawn or drawing(context, iri)).layout
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + render_svg(layout, linker) + "\n"


@dataclass(frozen=True)
class Reached:
    """One organisation of the trace as the page lists it: its column in the diagram (the
    hops that reach it), its evidence paths, and its best chain in words."""

    iri: str
    label: str
    href: str | None
    grade: Grade
    hops: int
    paths: int
    chain: str
    category_label: str | None


@dataclass(frozen=True)
class TracePage:
    """Everything ``trace.html`` shows."""

    iri: str
    label: str
    entity_href: str
    result: TraceResult
    counts: dict[Grade, int]
    max_depth: int
    max_paths: int
    figure: ChainFigure
    reached: tuple[Reached, ...]


def trace_page(context: RegistryContext, iri: str, linker: Linker,
               drawn: Drawing | None = None) -> TracePage:
    """The trace page of ``iri``, which is traceable and under the entity base."""
    drawn = drawing(context, iri) if drawn is None else drawn
    result = drawn.result
    figure = chain_figure(context, iri, linker, drawn)
    entity = linker.entity_path(iri)
    if figure is None or entity is None:
        raise NotFoundError("traceable entity under the entity base", iri,
                            f"give a sensor, deployment, system, dataset or organisation "
                            f"whose IRI starts with {linker.entity_base}")
    columns = {node.iri: node.column for node in figure.chain.nodes}
    reached = []
    for access in result.organisations:
        names = [result.source_label]
        for hop in access.paths[0].hops:  # the best path: strongest, then shortest
            if hop.target_label != names[-1]:
                names.append(hop.target_label)
        path = linker.entity_path(access.organisation)
        reached.append(Reached(access.organisation, access.label,
                               None if path is None else linker.href(path), access.grade,
                               columns.get(access.organisation, access.shortest),
                               len(access.paths), " → ".join(names), access.category_label))
    counts = result.grade_counts()
    return TracePage(iri, result.source_label, linker.href(entity), result,
                     {grade: counts[grade] for grade in GRADES}, MAX_DEPTH, MAX_PATHS, figure,
                     tuple(reached))


def trace_html(context: RegistryContext, iri: str, linker: Linker,
               drawn: Drawing | None = None) -> str:
    """The HTML of the trace page of ``iri`` (traceable, under the entity base)."""
    return render("trace.html", linker, page=trace_page(context, iri, linker, drawn))


def has_data(context: RegistryContext, iri: str) -> bool:
    """Whether ``iri`` is traceable and stands for at least one dataset (an organisation that
    publishes none has nothing to draw: its page keeps the neighbour diagram)."""
    return traceable(context, iri) and bool(context.access_graph.datasets_of(iri))


def trace_files(context: RegistryContext, paths: list[str]
                ) -> Iterator[tuple[str, str | bytes]]:
    """For the static site: ``(site path, content)`` of the trace page, SVG and PNG of every
    traceable entity among ``paths`` (paths under the entity base).

    Encoding a PNG is most of the work, and Pillow does it without holding the interpreter:
    the PNGs are drawn in :data:`PNG_THREADS` threads while the next pages are laid out, at
    most two per thread waiting at any time (memory stays bounded), each written in turn.
    """
    from registry.web.pages import Linker  # pages imports this module

    pending: deque[tuple[str, Future[bytes]]] = deque()
    with ThreadPoolExecutor(max_workers=PNG_THREADS) as pool:
        for path in paths:
            iri = context.entity_base + path
            if not traceable(context, iri):
                continue
            site_path = TRACE_ROOT + path
            linker = Linker(context.entity_base, site_path)
            drawn = drawing(context, iri)  # one trace and one layout for the three files
            yield site_path, trace_html(context, iri, linker, drawn)
            yield site_path + ".svg", chain_svg(context, iri, linker, drawn)
            pending.append((site_path + ".png", pool.submit(render_png, drawn.layout)))
            while len(pending) > 2 * PNG_THREADS:
                done_path, future = pending.popleft()
                yield done_path, future.result()
        while pending:
            done_path, future = pending.popleft()
            yield done_path, future.result()
