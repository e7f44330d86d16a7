"""Plain result types the Registry hands back: what a load did, how many of each class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LoadStatus = Literal["loaded", "replaced", "unchanged"]


@dataclass(frozen=True)
class SourceLoad:
    """What loading one file (or one importer's graph) did."""

    source: str
    """The file as the user named it, or the importer's source IRI."""
    graphs: tuple[str, ...]
    """The named graphs the source now fills, its own graph first."""
    status: LoadStatus
    """``loaded`` (new), ``replaced`` (changed since the last load) or ``unchanged``."""
    statements: int
    """Distinct statements the source now holds, over all its graphs."""
    previous_statements: int | None = None
    """For ``replaced``: how many statements it held before."""


@dataclass(frozen=True)
class LoadReport:
    """What one ``Registry.load`` call did, file by file, in load order."""

    sources: tuple[SourceLoad, ...]

    def count(self, status: LoadStatus) -> int:
        """How many sources ended with ``status``."""
        return sum(1 for source in self.sources if source.status == status)

    @property
    def statements(self) -> int:
        """Statements held by all sources of this load, unchanged ones included."""
        return sum(source.statements for source in self.sources)


@dataclass(frozen=True)
class ClassCount:
    """How many distinct instances of a class the registry holds."""

    iri: str
    label: str | None
    """The class's ``rdfs:label`` in the ontology graph (English preferred), if any."""
    count: int


@dataclass(frozen=True)
class GraphChange:
    """What replacing a source's graphs did to one of them."""

    graph: str
    status: Literal["added", "changed", "removed", "unchanged"]
    statements: int
    """Distinct statements it holds now (0 when removed)."""
    previous_statements: int
    """Distinct statements it held before (0 when added)."""
