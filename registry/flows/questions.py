"""The questions the pages, the API and the CLI ask of who can access what.

Two classes answer them: :class:`~registry.flows.graph.AccessGraph`, which projects the whole
registry once (a registry in the server's own store), and
:class:`~registry.flows.ondemand.OnDemandAccess`, which projects only the web around each
question (a registry held by a SPARQL engine, too large to project whole). Callers hold an
:class:`AccessQuestions` and never need to know which.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

from registry.flows.model import EdgesOf, Hop, ReachResult, TraceResult, VendorConcentration

if TYPE_CHECKING:
    from registry.store import Registry


class AccessQuestions(Protocol):
    """What :class:`~registry.flows.graph.AccessGraph` answers (see its methods)."""

    def label(self, iri: str) -> str: ...

    def placeholder(self, iri: str) -> tuple[str, str] | None: ...

    def resolve(self, text: str) -> str: ...

    def datasets_of(self, iri: str) -> list[str]: ...

    def who_can_access(self, source_iri: str, as_of: date | None = None, max_depth: int = 6,
                       max_paths: int = 100, min_grade: str = "undisclosed") -> TraceResult: ...

    def reachable_by(self, org_iri: str, as_of: date | None = None, max_depth: int = 6,
                     max_paths: int = 100, min_grade: str = "undisclosed") -> ReachResult: ...

    def data_flows(self, from_iri: str | None = None, to_iri: str | None = None,
                   as_of: date | None = None, min_grade: str = "undisclosed") -> list[Hop]: ...

    def edges_of(self, iri: str) -> EdgesOf: ...

    def vendor_concentration(self) -> list[VendorConcentration]: ...


def access_for(registry: Registry, bounded: bool = True) -> AccessQuestions:
    """The answerer that fits ``registry``: the whole projection for the server's own store,
    the web around each question for a SPARQL engine (:mod:`registry.flows.ondemand`).

    ``bounded``: refuse a question whose web is larger than one request may read (a
    server's questions); the CLI asks without that limit.
    """
    if registry.location is not None:
        from registry.flows.neighbourhood import MAX_NODES
        from registry.flows.ondemand import UNBOUNDED, OnDemandAccess

        return OnDemandAccess(registry, max_nodes=MAX_NODES if bounded else UNBOUNDED)
    from registry.flows.graph import AccessGraph

    return AccessGraph.from_registry(registry)
