"""The access graph: a networkx projection of who passes which data to whom, and its questions.

Built once from a registry with three bulk queries (:mod:`registry.flows.facts`); every
question after that is answered in memory:

* :meth:`AccessGraph.who_can_access` - organisations that can access a source's data, with all
  evidence paths (:mod:`registry.flows.trace`);
* :meth:`AccessGraph.reachable_by` - the reverse: what data an organisation can reach;
* :meth:`AccessGraph.data_flows` - hops between organisations, filtered by either end;
* :meth:`AccessGraph.vendor_concentration` - per vendor and city, what depends on it;
* :meth:`AccessGraph.edges_of` - the hops around one entity, for diagrams.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

import networkx as nx

from registry.errors import NotFoundError
from registry.flows.build import project
from registry.flows.concentration import vendor_concentration
from registry.flows.facts import Facts, read_cities, read_facts
from registry.flows.model import (
    DatasetReach,
    EdgesOf,
    Hop,
    ReachResult,
    TraceResult,
    Truncation,
    VendorConcentration,
    check_grade,
    collect_gaps,
    grade_rank,
)
from registry.flows.projection import Projection
from registry.flows.trace import check_limits, trace
from registry.names import Names
from registry.store import Registry

_FIX_SOURCE = ("give the IRI or label of a sensor, deployment, system, dataset or "
               "organisation (see `cityreg query` or the GraphQL `search` field)")


class AccessGraph:
    """Who can access what, under which agreement: a MultiDiGraph of hops plus trace indexes.

    Nodes are organisations and the sensors, systems, deployments and datasets that data
    starts from; every edge is one :class:`~registry.flows.model.Hop` (attribute ``hop``).
    """

    def __init__(self, projection: Projection,
                 cities: Callable[[], dict[str, str]] | None = None) -> None:
        """Wrap a projection; prefer :meth:`from_registry`.

        ``cities`` reads ``entity -> cityreg:city`` when :meth:`vendor_concentration` first
        needs it (without it, no row has a city).
        """
        self._projection = projection
        self._read_cities = cities or dict
        carried: dict[str, list[Hop]] = defaultdict(list)
        for hop in projection.hops:
            carried[hop.dataset].append(hop)
            carried[hop.via].append(hop)
            if hop.flow is not None:
                carried[hop.flow].append(hop)
        self._carried = carried
        self._graph: nx.MultiDiGraph | None = None
        self._concentration: tuple[VendorConcentration, ...] | None = None
        self._names: Names | None = None

    @classmethod
    def from_registry(cls, registry: Registry) -> AccessGraph:
        """Read the registry in bulk and build the trace indexes (the graph comes on demand)."""
        return cls(project(read_facts(registry)), lambda: read_cities(registry))

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx MultiDiGraph of every hop (edge attribute ``hop``), built on first use."""
        if self._graph is None:
            graph = nx.MultiDiGraph()
            graph.add_edges_from((hop.source, hop.target, index, {"hop": hop})
                                 for index, hop in enumerate(self._projection.hops))
            self._graph = graph
        return self._graph

    @property
    def facts(self) -> Facts:
        """The bulk facts the graph was built from (labels, types)."""
        return self._projection.facts

    @property
    def hops(self) -> list[Hop]:
        """Every hop, origin hops included."""
        return self._projection.hops

    def label(self, iri: str) -> str:
        """The label of any entity the graph knows, or of a placeholder of undisclosed
        recipients (else the tail of its IRI)."""
        return self._projection.label(iri)

    def placeholder(self, iri: str) -> tuple[str, str] | None:
        """(category IRI, category words) when ``iri`` stands for recipients known only by
        their category (registry.flows.rules), else None."""
        found = self._projection.placeholders.get(iri)
        return None if found is None else (found[0], found[1])

    # -- resolving what the user typed ------------------------------------------------------------

    def resolve(self, text: str) -> str:
        """The IRI of a traceable entity given its IRI or its label (:mod:`registry.names`)."""
        names = self._names
        if names is None:
            labels = self._projection.facts.labels
            names = self._names = Names.from_labels(
                {iri: labels.get(iri, ()) for iri in self._projection.source_datasets})
        return names.pick(text, "sensor, deployment, system, dataset or organisation",
                          _FIX_SOURCE)

    def datasets_of(self, iri: str) -> list[str]:
        """The datasets a traced entity stands for (a dataset stands for itself)."""
        found = self._projection.source_datasets.get(iri)
        if found is None:
            raise NotFoundError("sensor, deployment, system, dataset or organisation", iri,
                                _FIX_SOURCE)
        return found

    # -- questions --------------------------------------------------------------------------------

    def who_can_access(self, source_iri: str, as_of: date | None = None, max_depth: int = 6,
                       max_paths: int = 100, min_grade: str = "undisclosed") -> TraceResult:
        """Every organisation that can access data from ``source_iri``, with all evidence paths.

        ``source_iri`` is a sensor, deployment, system, dataset or organisation (its published
        datasets). ``as_of`` keeps only hops valid on that date; ``min_grade`` ("asserted",
        "inferred" or "undisclosed", the default) the hops at least that good. The result's
        ``complete`` is False, and ``truncated_at`` names the limit, when ``max_paths`` or
        ``max_depth`` cut the search; its ``disclosure`` lists the gaps met on the way.
        """
        grade = check_grade(min_grade)
        datasets = self.datasets_of(source_iri)
        return trace(self._projection, source_iri, self.label(source_iri), datasets, as_of,
                     max_depth, max_paths, grade)

    def reachable_by(self, org_iri: str, as_of: date | None = None, max_depth: int = 6,
                     max_paths: int = 100, min_grade: str = "undisclosed") -> ReachResult:
        """Every dataset organisation ``org_iri`` can reach, with the paths that bring it there.

        ``max_paths`` caps the paths per dataset; a cap that cut any answer is reported.
        Datasets come best grade first; ``disclosure`` lists the gaps on the reaching paths.
        """
        grade = check_grade(min_grade)
        projection = self._projection
        if org_iri not in projection.organisations and org_iri not in projection.holdings:
            raise NotFoundError("organisation", org_iri, "give the IRI of an agency, company "
                                "or other organisation of the registry")
        check_limits(max_depth, max_paths)
        candidates = set(projection.holdings.get(org_iri, ()))
        pending = list(candidates)
        while pending:
            for parent in projection.derived_from.get(pending.pop(), ()):
                if parent not in candidates:
                    candidates.add(parent)
                    pending.append(parent)
        reached: list[DatasetReach] = []
        truncated: Truncation | None = None
        for dataset in sorted(candidates, key=lambda d: (self.label(d).casefold(), d)):
            result = trace(projection, dataset, self.label(dataset), [dataset], as_of,
                           max_depth, max_paths, grade)
            truncated = truncated or result.truncated_at
            access = result.for_organisation(org_iri)
            if access is not None:
                reached.append(DatasetReach(dataset, self.label(dataset), access.paths))
        reached.sort(key=lambda reach: grade_rank(reach.grade))  # stable: labels within a grade
        gaps = collect_gaps([path for reach in reached for path in reach.paths])
        return ReachResult(org_iri, self.label(org_iri), as_of, tuple(reached), truncated, gaps,
                           grade)

    def data_flows(self, from_iri: str | None = None, to_iri: str | None = None,
                   as_of: date | None = None, min_grade: str = "undisclosed") -> list[Hop]:
        """Hops between organisations (contracts, agreements, processings' recipients),
        optionally from/to one, at least ``min_grade`` good, each with its grade and gaps."""
        weakest = grade_rank(check_grade(min_grade))
        hops = [hop for hop in self._projection.hops if hop.kind != "origin"
                and (from_iri is None or hop.source == from_iri)
                and (to_iri is None or hop.target == to_iri) and hop.valid_on(as_of)
                and grade_rank(hop.grade) <= weakest]
        return sorted(hops, key=lambda h: (h.source_label.casefold(), h.target_label.casefold(),
                                           h.dataset_label.casefold(), h.via, h.grant))

    def edges_of(self, iri: str) -> EdgesOf:
        """Incoming, outgoing and carried hops of an entity (empty lists for an unknown IRI)."""
        incoming = tuple(hop for _, _, hop in self.graph.in_edges(iri, data="hop")
                         ) if iri in self.graph else ()
        outgoing = tuple(hop for _, _, hop in self.graph.out_edges(iri, data="hop")
                         ) if iri in self.graph else ()
        return EdgesOf(iri, incoming, outgoing, tuple(self._carried.get(iri, ())))

    def vendor_concentration(self) -> list[VendorConcentration]:
        """Per vendor and city: the contracts, datasets and sensors that depend on the vendor
        (:mod:`registry.flows.concentration`). Computed on the first call and kept (the graph
        does not change)."""
        if self._concentration is None:
            self._concentration = tuple(self._concentrations())
        return list(self._concentration)

    def _concentrations(self) -> list[VendorConcentration]:
        return vendor_concentration(self._projection.facts, self._read_cities())

