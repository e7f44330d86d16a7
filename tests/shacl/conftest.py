"""Helpers for the SHACL engine tests: run engine and oracle on the same data and compare."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from registry.shacl import (
    ShapesGraph,
    ValidationEngine,
    ValidationResult,
    store_from_graph,
    validate_with_pyshacl,
)
from registry.shacl.results import Key, comparison_keys

DATA = Path(__file__).parent / "data"


@dataclass
class Run:
    """One fixture pair, loaded for both engines."""

    shapes_graph: Graph
    data: Graph
    engine: ValidationEngine
    store: ox.Store

    def engine_results(self, focus: set[object] | None = None) -> list[ValidationResult]:
        return self.engine.validate(self.store, focus=focus)  # type: ignore[arg-type]

    def oracle_results(self) -> list[ValidationResult]:
        return validate_with_pyshacl(self.data, self.shapes_graph)

    def keys(self, results: list[ValidationResult]) -> Counter[Key]:
        return comparison_keys(results, self.shapes_graph)


def load_run(shapes: Graph | str, data: Graph | str) -> Run:
    """Shapes and data from fixture names (``tests/shacl/data/<name>``) or rdflib graphs."""
    shapes_graph = shapes if isinstance(shapes, Graph) else Graph().parse(DATA / shapes)
    data_graph = data if isinstance(data, Graph) else Graph().parse(DATA / data)
    engine = ValidationEngine(ShapesGraph.load(shapes_graph))
    return Run(shapes_graph, data_graph, engine, store_from_graph(data_graph))


@pytest.fixture
def shacl_run() -> Callable[[Graph | str, Graph | str], Run]:
    """:func:`load_run`, handed out as a fixture (tests/ is not a package to import from)."""
    return load_run


