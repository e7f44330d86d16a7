"""A named graph that holds statements only for the duration of a ``with`` block.

Validation writes facts its queries read (the reference date, the class closure) into
reserved graphs of the store it checks. :class:`ScratchGraph` fills such a graph on entry
and, on exit, puts back exactly what the graph held before (usually nothing), so that a
validation leaves the store as it found it, even when it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType

import pyoxigraph as ox

#: How many statements are written into a scratch graph at a time.
BATCH = 50_000


class ScratchGraph:
    """``with ScratchGraph(store, iri, make_quads):`` the graph ``iri`` holds what
    ``make_quads(graph)`` returns (computed after the graph was emptied) inside the block."""

    def __init__(self, store: ox.Store, iri: str,
                 make_quads: Callable[[ox.NamedNode], Iterable[ox.Quad]]) -> None:
        self.store = store
        self.graph = ox.NamedNode(iri)
        self.make_quads = make_quads
        self.saved: list[ox.Quad] = []

    def __enter__(self) -> ScratchGraph:
        self.saved = list(self.store.quads_for_pattern(None, None, None, self.graph))
        self._clear()
        # In batches: the derived relations of a national registry are millions of statements,
        # which a registry held by an engine would otherwise hold all at once as quads and
        # update text before sending (a scratch graph need not be written in one transaction:
        # on exit it is cleared whatever it holds).
        batch: list[ox.Quad] = []
        # Let the maker go once used: a bound method of a subclass (how they are given)
        # would hold this object in a cycle, and with it the store, open and locked, until
        # the garbage collector runs.
        make_quads, self.make_quads = self.make_quads, _entered
        for quad in make_quads(self.graph):
            batch.append(quad)
            if len(batch) >= BATCH:
                self.store.extend(batch)
                batch = []
        if batch:
            self.store.extend(batch)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._clear()
        if self.saved:
            self.store.extend(self.saved)
        self.saved = []

    def _clear(self) -> None:
        if self.store.contains_named_graph(self.graph):
            self.store.remove_graph(self.graph)


def _entered(graph: ox.NamedNode) -> Iterable[ox.Quad]:
    raise RuntimeError(f"the scratch graph {graph} was entered already: make a new one")
