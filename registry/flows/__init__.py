"""Who can access what: a networkx projection of the registry's data flows, and its traces.

Modules, one concept each:

* ``facts``       the bulk SPARQL queries the projection reads
* ``projection``  the indexed hops a trace searches, and the words for roles
* ``build``       the rules that turn facts into asserted hops (origins, contracts, data flows)
* ``rules``       the rules of inference: inferred and undisclosed hops, each named
* ``disclosure``  the gaps: facts the trace needs that are not disclosed or not recorded
* ``trace``       the dataset-precise breadth-first search with its limits and grades
* ``graph``       :class:`AccessGraph`, the questions asked of the projection
* ``concentration`` the vendor concentration, from the whole projection's facts or from the
                  few properties it reads
* ``neighbourhood`` the web around a question, read on demand from an engine
* ``ondemand``    :class:`~registry.flows.ondemand.OnDemandAccess`, the same questions on it
* ``keptrows``    the vendor concentration kept between an engine's server starts
* ``questions``   which of the two answers a registry's questions
* ``cities``      where a contract, agreement or data flow is
* ``iris``        the IRIs of the terms the projection reads, as strings
* ``model``       the answers: Hop, Gap, AccessPath, TraceResult, ...
"""

from registry.flows.graph import AccessGraph
from registry.flows.model import (
    GRADES,
    AccessPath,
    DatasetReach,
    EdgesOf,
    Gap,
    Grade,
    Hop,
    OrganisationAccess,
    ReachResult,
    TraceResult,
    Truncation,
    VendorConcentration,
)

__all__ = [
    "GRADES",
    "AccessGraph",
    "AccessPath",
    "DatasetReach",
    "EdgesOf",
    "Gap",
    "Grade",
    "Hop",
    "OrganisationAccess",
    "ReachResult",
    "TraceResult",
    "Truncation",
    "VendorConcentration",
]
