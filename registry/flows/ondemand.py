"""The access graph's questions answered from the web around each question, read on demand.

:class:`~registry.flows.graph.AccessGraph` projects the whole registry once, in the server's
memory: right for a city, impossible for a national registry of tens of millions of statements
held by a SPARQL engine. :class:`OnDemandAccess` asks the same questions with the same code,
each of a projection of only the facts around the entity asked about
(:func:`registry.flows.neighbourhood.read_facts_around`), and keeps the most recently used
projections (:data:`CACHED_WEBS`): the server's memory is bounded by the cache, not by the
registry. Its answers equal the whole projection's (tests/test_flows_ondemand.py compares
every traceable entity of the seed and of a generated registry).

What needs every vendor of the registry (the vendor concentration) is computed once, on first
use, from the few properties it reads, each read whole (:mod:`registry.flows.concentration`):
its time and memory grow with those statements and the rows it returns.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from threading import Lock

import pyoxigraph as ox

from registry.errors import InputError, NotFoundError
from registry.flows.build import project
from registry.flows.concentration import read_concentration_facts, vendor_concentration
from registry.flows.graph import _FIX_SOURCE, AccessGraph
from registry.flows.model import EdgesOf, Hop, ReachResult, TraceResult, VendorConcentration
from registry.flows.neighbourhood import (
    MAX_NODES,
    RDF_TYPE,
    is_iri,
    read_facts_around,
    vocabulary_labels,
)
from registry.namespaces import CITYREG
from registry.store import Registry

#: A walk's node limit that never answers (the server's own work, the CLI's).
UNBOUNDED = 1 << 62
#: How many webs (one per entity asked about) are kept after their question is answered.
CACHED_WEBS = 64
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


class OnDemandAccess:
    """:class:`AccessGraph`'s questions over a registry too large to project whole (see the
    module docstring)."""

    def __init__(self, registry: Registry, cached: int = CACHED_WEBS,
                 max_nodes: int = MAX_NODES) -> None:
        self._registry = registry
        self._cached = cached
        self._max_nodes = max_nodes
        self._webs: OrderedDict[str, AccessGraph] = OrderedDict()
        self._lock = Lock()
        self._vocabulary: dict[str, str] | None = None
        self._concentration: tuple[VendorConcentration, ...] | None = None

    def around(self, iri: str) -> AccessGraph:
        """The access graph of the web around ``iri`` (kept for the next questions)."""
        with self._lock:
            found = self._webs.get(iri)
            if found is not None:
                self._webs.move_to_end(iri)
                return found
            vocabulary = self._vocabulary
        if vocabulary is None:
            vocabulary = self._vocabulary = vocabulary_labels(self._registry)
        facts = read_facts_around(self._registry, [iri], self._max_nodes, vocabulary)
        graph = AccessGraph(project(facts), lambda: _cities_of(self._registry, facts.facts))
        with self._lock:
            self._webs[iri] = graph
            while len(self._webs) > self._cached:
                self._webs.popitem(last=False)
        return graph

    # -- the questions of AccessGraph ------------------------------------------------------------

    def label(self, iri: str) -> str:
        """The label of ``iri`` (from the web around it)."""
        return self.around(iri).label(iri)

    def placeholder(self, iri: str) -> tuple[str, str] | None:
        """See :meth:`AccessGraph.placeholder`; a placeholder is minted in the web of the
        entity that records its category, which :meth:`who_can_access` has just read."""
        with self._lock:
            webs = list(self._webs.values())
        for graph in reversed(webs):
            found = graph.placeholder(iri)
            if found is not None:
                return found
        return None

    def resolve(self, text: str) -> str:
        """The IRI of a traceable entity given its IRI or its exact label (case aside)."""
        candidates = [text] if is_iri(text) and self._described(text) else \
            self._labelled(text)
        traceable = [iri for iri in candidates if self._traceable(iri)]
        if len(traceable) == 1:
            return traceable[0]
        if len(traceable) > 1:
            raise InputError(f"{text!r} names {len(traceable)} entities: "
                             f"{', '.join(sorted(traceable)[:10])}; give the IRI of one")
        raise NotFoundError("sensor, deployment, system, dataset or organisation", text,
                            _FIX_SOURCE)

    def datasets_of(self, iri: str) -> list[str]:
        """See :meth:`AccessGraph.datasets_of`."""
        return self.around(iri).datasets_of(iri)

    def who_can_access(self, source_iri: str, as_of: date | None = None, max_depth: int = 6,
                       max_paths: int = 100, min_grade: str = "undisclosed") -> TraceResult:
        """See :meth:`AccessGraph.who_can_access`."""
        return self.around(source_iri).who_can_access(source_iri, as_of, max_depth, max_paths,
                                                      min_grade)

    def reachable_by(self, org_iri: str, as_of: date | None = None, max_depth: int = 6,
                     max_paths: int = 100, min_grade: str = "undisclosed") -> ReachResult:
        """See :meth:`AccessGraph.reachable_by`."""
        return self.around(org_iri).reachable_by(org_iri, as_of, max_depth, max_paths,
                                                 min_grade)

    def data_flows(self, from_iri: str | None = None, to_iri: str | None = None,
                   as_of: date | None = None, min_grade: str = "undisclosed") -> list[Hop]:
        """See :meth:`AccessGraph.data_flows`; one end must be given (every flow of a
        registry this size is not one answer)."""
        anchor = from_iri or to_iri
        if anchor is None:
            raise InputError("dataFlows needs `from` or `to` on a registry served from a "
                             "SPARQL engine: give the organisation whose flows you want")
        return self.around(anchor).data_flows(from_iri, to_iri, as_of, min_grade)

    def edges_of(self, iri: str) -> EdgesOf:
        """See :meth:`AccessGraph.edges_of`."""
        return self.around(iri).edges_of(iri)

    def vendor_concentration(self) -> list[VendorConcentration]:
        """See :meth:`AccessGraph.vendor_concentration`: computed once, from the statements
        it reads (:func:`~registry.flows.concentration.read_concentration_facts`), or read
        from the rows a previous start kept."""
        if self._concentration is None:
            self._concentration = tuple(self._kept_rows())
        return list(self._concentration)

    def _kept_rows(self) -> list[VendorConcentration]:
        """The rows kept in the user's cache folder for the registry's present state (see
        :mod:`registry.flows.keptrows`), else computed and kept."""
        from registry.flows import keptrows

        where = keptrows.file_for(self._registry)
        rows = None if where is None else keptrows.read(*where)
        if rows is None:
            rows = self._computed_rows()
            if where is not None:
                keptrows.write(*where, rows)
        return rows

    def _computed_rows(self) -> list[VendorConcentration]:
        return vendor_concentration(*read_concentration_facts(self._registry))

    # -- reading --------------------------------------------------------------------------------

    def _traceable(self, iri: str) -> bool:
        try:
            self.around(iri).datasets_of(iri)
        except NotFoundError:
            return False
        return True

    def _described(self, iri: str) -> bool:
        rows = self._registry.raw_query(f"ASK {{ <{iri}> <{RDF_TYPE}> ?t }}")
        return bool(rows)

    def _labelled(self, text: str) -> list[str]:
        wanted = text.strip().casefold().replace("\\", "\\\\").replace('"', '\\"')
        rows = self._registry.raw_query(
            f'SELECT DISTINCT ?s WHERE {{ ?s <{_LABEL}> ?l FILTER(isIRI(?s) '
            f'&& LCASE(STR(?l)) = "{wanted}") }} LIMIT 50')
        return sorted(row[0].value for row in rows)  # type: ignore[union-attr]


def _cities_of(registry: Registry, facts: Mapping[str, Mapping[str, str | list[str]]]
               ) -> dict[str, str]:
    """``entity -> city`` (cityreg:city) of the entities of one web (and the values they
    name), read when the vendor concentration first needs it."""
    wanted = set(facts)
    for by_property in facts.values():
        for stored in by_property.values():
            wanted.update([stored] if isinstance(stored, str) else stored)
    iris = sorted(iri for iri in wanted if is_iri(iri))
    found: dict[str, str] = {}
    for start in range(0, len(iris), 300):
        values = " ".join(f"<{iri}>" for iri in iris[start:start + 300])
        rows = registry.raw_query(f"SELECT ?s ?c WHERE {{ VALUES ?s {{ {values} }} "
                                  f"?s <{CITYREG.city}> ?c }}")
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            found[row[0].value] = row[1].value
    return found
