"""registry.shacl.scratch: a scratch graph holds its statements only inside its block, and lets
go of the store when the block ends."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry import resources
from registry.shacl.scratch import ScratchGraph
from registry.store import Registry
from registry.validate import validate_registry

GRAPH = "urn:cityreg:graph:test-scratch"


class _Numbers(ScratchGraph):
    """A subclass that gives its own method as the maker, as the validation's graphs do."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store, GRAPH, self._quads)

    def _quads(self, graph: ox.NamedNode) -> Iterable[ox.Quad]:
        for n in range(3):
            yield ox.Quad(ox.NamedNode(f"urn:n:{n}"), ox.NamedNode("urn:p"), ox.Literal(n), graph)


def test_the_graph_holds_the_statements_inside_the_block_and_what_it_held_after() -> None:
    store = ox.Store()
    before = ox.Quad(ox.NamedNode("urn:kept"), ox.NamedNode("urn:p"), ox.Literal("x"),
                     ox.NamedNode(GRAPH))
    store.add(before)
    scratch = _Numbers(store)
    with scratch:
        assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))) == 3
    assert list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH))) == [before]
    with pytest.raises(RuntimeError, match="entered already"), scratch:
        pass


def test_a_validation_lets_go_of_an_on_disk_store_once_it_is_closed(tmp_path: Path) -> None:
    """Its scratch graphs held the store in a reference cycle, open and locked until the
    garbage collector ran: opening it again in the same process waited, then failed."""
    folder = tmp_path / "store"
    with Registry.open(folder) as registry:
        registry.load(resources.seed_dir())
    gc.disable()  # no collection may hide a cycle
    try:
        with Registry.open(folder) as registry:
            report = validate_registry(registry, date(2026, 1, 1))
        assert report.findings
        with Registry.open(folder, wait=0) as again:
            assert again.count() > 2000
    finally:
        gc.enable()
