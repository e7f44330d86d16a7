"""The hops of a registry, indexed for the trace: :class:`Projection`, and the words for roles.

:mod:`registry.flows.build` fills a projection from the bulk facts; :mod:`registry.flows.trace`
searches it; :mod:`registry.flows.rules` adds the hops it infers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from registry.flows.disclosure import Disclosure
from registry.flows.facts import Facts
from registry.flows.model import Gap, Hop
from registry.namespaces import CITYREG, DCT, DPV, PROV

# IRIs as plain strings, made once (closed-namespace lookups cost microseconds each).
_CITYREG_developer = str(CITYREG.developer)
_CITYREG_hasParty = str(CITYREG.hasParty)
_CITYREG_hostedBy = str(CITYREG.hostedBy)
_CITYREG_maintainer = str(CITYREG.maintainer)
_DPV_hasRecipient = str(DPV.hasRecipient)
_DPV_hasThirdParty = str(DPV.hasThirdParty)
_DPV_LawEnforcementOrganisation = "https://w3id.org/dpv#LawEnforcementOrganisation"
_PROV_wasAttributedTo = str(PROV.wasAttributedTo)
_CITYREG_buyer = str(CITYREG.buyer)
_CITYREG_operator = str(CITYREG.operator)
_CITYREG_owner = str(CITYREG.owner)
_CITYREG_supplier = str(CITYREG.supplier)
_DCT_publisher = str(DCT.publisher)
_DPV_DataController = str(DPV.DataController)
_DPV_DataProcessor = str(DPV.DataProcessor)
_DPV_DataSubProcessor = str(DPV.DataSubProcessor)
_DPV_JointDataControllers = str(DPV.JointDataControllers)
_DPV_Recipient = str(DPV.Recipient)
_DPV_ThirdParty = str(DPV.ThirdParty)
_PROV_wasDerivedFrom = str(PROV.wasDerivedFrom)

#: Labels of role terms that the ontology graph may not carry.
ROLE_LABELS = {
    _DPV_DataController: "data controller",
    _DPV_JointDataControllers: "joint controller",
    _DPV_DataProcessor: "data processor",
    _DPV_DataSubProcessor: "sub-processor",
    _DPV_Recipient: "recipient",
    _DPV_ThirdParty: "third party",
    _DCT_publisher: "publisher",
    _CITYREG_operator: "operator",
    _CITYREG_owner: "owner",
    _CITYREG_supplier: "supplier",
    _CITYREG_buyer: "buyer",
    _CITYREG_hasParty: "party",
    _CITYREG_developer: "developer",
    _CITYREG_maintainer: "maintainer",
    _CITYREG_hostedBy: "host",
    _DPV_hasRecipient: "recipients",
    _DPV_hasThirdParty: "third parties",
    _DPV_LawEnforcementOrganisation: "law enforcement organisation",
    _PROV_wasDerivedFrom: "derived from",
    _PROV_wasAttributedTo: "attributed to",
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
