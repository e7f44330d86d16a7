"""Who can access what: a networkx projection of the registry's data flows, and its traces.

Modules, one concept each:

* ``facts``  the three bulk SPARQL queries the projection reads
* ``build``  the rules that turn facts into hops (origins, contracts, data flows)
* ``trace``  the dataset-precise breadth-first search with its limits
* ``graph``  :class:`AccessGraph`, the questions asked of the projection
* ``model``  the answers: Hop, AccessPath, TraceResult, ...
"""

from registry.flows.graph import AccessGraph
from registry.flows.model import (
    AccessPath,
    DatasetReach,
    EdgesOf,
    Hop,
    OrganisationAccess,
    ReachResult,
    TraceResult,
    Truncation,
    VendorConcentration,
)

__all__ = [
    "AccessGraph",
    "AccessPath",
    "DatasetReach",
    "EdgesOf",
    "Hop",
    "OrganisationAccess",
    "ReachResult",
    "TraceResult",
    "Truncation",
    "VendorConcentration",
]
