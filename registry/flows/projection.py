"""The hops of a registry, indexed for the trace: :class:`Projection`, and the words for roles.

:mod:`registry.flows.build` fills a projection from the bulk facts; :mod:`registry.flows.trace`
searches it; :mod:`registry.flows.rules` adds the hops it infers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from registry.flows.disclosure import Disclosure
from registry.flows.facts import Facts
from registry.flows.iris import (
    CITYREG_buyer,
    CITYREG_developer,
    CITYREG_hasParty,
    CITYREG_hostedBy,
    CITYREG_maintainer,
    CITYREG_operator,
    CITYREG_owner,
    CITYREG_supplier,
    DCT_publisher,
    DPV_DataController,
    DPV_DataProcessor,
    DPV_DataSubProcessor,
    DPV_hasRecipient,
    DPV_hasThirdParty,
    DPV_JointDataControllers,
    DPV_LawEnforcementOrganisation,
    DPV_Recipient,
    DPV_ThirdParty,
    PROV_wasAttributedTo,
    PROV_wasDerivedFrom,
)
from registry.flows.model import Gap, Hop

#: Labels of role terms that the ontology graph may not carry.
ROLE_LABELS = {
    DPV_DataController: "data controller",
    DPV_JointDataControllers: "joint controller",
    DPV_DataProcessor: "data processor",
    DPV_DataSubProcessor: "sub-processor",
    DPV_Recipient: "recipient",
    DPV_ThirdParty: "third party",
    DCT_publisher: "publisher",
    CITYREG_operator: "operator",
    CITYREG_owner: "owner",
    CITYREG_supplier: "supplier",
    CITYREG_buyer: "buyer",
    CITYREG_hasParty: "party",
    CITYREG_developer: "developer",
    CITYREG_maintainer: "maintainer",
    CITYREG_hostedBy: "host",
    DPV_hasRecipient: "recipients",
    DPV_hasThirdParty: "third parties",
    DPV_LawEnforcementOrganisation: "law enforcement organisation",
    PROV_wasDerivedFrom: "derived from",
    PROV_wasAttributedTo: "attributed to",
}



def role_label(facts: Facts, role: str) -> str:
    """The words for a role or relation term: ours, else its label, else its IRI's tail."""
    return ROLE_LABELS.get(role) or facts.label(role)


@dataclass
class Projection:
    """The hops of a registry, indexed for tracing.

    ``origins[dataset]``: hops from the data's source to its first holders. ``out[org][dataset]``:
    hops by which ``org`` passes ``dataset`` on. ``derived[dataset]``: datasets derived from it.
    ``source_datasets[iri]``: the datasets a sensor, deployment, system or organisation stands
    for when it is traced.
    """

    facts: Facts
    datasets: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    hops: list[Hop] = field(default_factory=list)
    origins: dict[str, list[Hop]] = field(default_factory=lambda: defaultdict(list))
    out: dict[str, dict[str, list[Hop]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    derived: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    derived_from: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    source_datasets: dict[str, list[str]] = field(default_factory=dict)
    #: datasets that some hop brings to an organisation (for reverse queries)
    holdings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: placeholder IRI -> (category, category label, entity that records it)
    placeholders: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    #: the gaps about a dataset's own holders, met whenever it is traced
    source_gaps: dict[str, tuple[Gap, ...]] = field(default_factory=dict)
    _asserted_holders: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _asserted_receivers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    disclosure: Disclosure = field(init=False)

    def __post_init__(self) -> None:
        self.disclosure = Disclosure(self.facts)

    def add(self, hop: Hop) -> None:
        """Index one hop."""
        self.hops.append(hop)
        if hop.kind == "origin":
            self.origins[hop.dataset].append(hop)
            if hop.grade == "asserted":
                self._asserted_holders[hop.dataset].add(hop.target)
        else:
            self.out[hop.source][hop.dataset].append(hop)
        if hop.grade == "asserted":
            self._asserted_receivers[hop.dataset].add(hop.target)
        self.holdings[hop.target].add(hop.dataset)

    def receivers(self, dataset: str) -> set[str]:
        """The organisations some asserted hop (origin or not) gives ``dataset`` to."""
        return self._asserted_receivers.get(dataset) or set()

    def first_holders(self, dataset: str) -> set[str]:
        """The organisations that hold ``dataset`` first by a recorded role (asserted)."""
        return self._asserted_holders.get(dataset) or set()

    def label(self, iri: str) -> str:
        """The label of an entity, or of a placeholder of undisclosed recipients."""
        placeholder = self.placeholders.get(iri)
        if placeholder is None:
            return self.facts.label(iri)
        return f"Undisclosed {placeholder[1]} ({self.facts.label(placeholder[2])})"

    def role_label(self, role: str) -> str:
        """The words for a role or relation term."""
        return role_label(self.facts, role)
