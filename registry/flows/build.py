"""From bulk facts to hops: who gets which dataset from whom, under what.

The rules (ontology/MODELLING.md and issue #5):

* **origin**: a dataset's publisher (dct:publisher), its controllers (dpv:hasDataController,
  members of dpv:hasJointDataControllers) and the operator, owner or controller of every sensor,
  system, deployment or processing that feeds it (cityreg:feedsDataset) or uses it
  (cityreg:usesDataset, cityreg:usesSensor of a sensor that feeds it, cityreg:usesSystem of a
  system that feeds it) hold it first.
* **contracts** covering a dataset (cityreg:coversDataset, or cityreg:coversSystem of a system
  feeding it; sub-processing contracts inherit their parent's): controller -> processor
  (dpv:hasDataProcessor, else the cityreg:supplier), processor -> sub-processor
  (cityreg:hasSubProcessor), joint controllers to each other, controller -> dpv:hasRecipient /
  dpv:hasThirdParty. A cityreg:SubProcessingContract (or one with cityreg:parentContract) makes
  its controller -> processor hop a sub-processing hop.
* **data flows** of data-sharing agreements: provider -> recipient for each shared dataset, with
  the flow's dates, purposes and legal bases, else the agreement's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import permutations

from registry.flows.facts import CONTRACT_TYPES, Facts
from registry.flows.model import Hop, OnwardSharing
from registry.namespaces import CITYREG, DCAT, DCT, DPV, PROV, SSN

#: Labels of role terms that the ontology graph may not carry.
ROLE_LABELS = {
    str(DPV.DataController): "data controller",
    str(DPV.JointDataControllers): "joint controller",
    str(DPV.DataProcessor): "data processor",
    str(DPV.DataSubProcessor): "sub-processor",
    str(DPV.Recipient): "recipient",
    str(DPV.ThirdParty): "third party",
    str(DCT.publisher): "publisher",
    str(CITYREG.operator): "operator",
    str(CITYREG.owner): "owner",
    str(CITYREG.supplier): "supplier",
}

_HOLDER_PROPERTIES = (CITYREG.operator, CITYREG.owner, DPV.hasDataController)


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

    def add(self, hop: Hop) -> None:
        """Index one hop."""
        self.hops.append(hop)
        if hop.kind == "origin":
            self.origins[hop.dataset].append(hop)
        else:
            self.out[hop.source][hop.dataset].append(hop)
        self.holdings[hop.target].add(hop.dataset)


def project(facts: Facts) -> Projection:
    """Build every hop of the registry from ``facts``."""
    projection = Projection(facts)
    _collect_entities(projection)
    _derivations(projection)
    _origins(projection)
    _contracts(projection)
    _flows(projection)
    _source_datasets(projection)
    return projection


# -- entities -------------------------------------------------------------------------------------

def _collect_entities(projection: Projection) -> None:
    facts = projection.facts
    datasets = {iri for iri, types in facts.types.items() if str(DCAT.Dataset) in types}
    for by_property in facts.facts.values():
        for prop in (CITYREG.feedsDataset, CITYREG.usesDataset, CITYREG.coversDataset,
                     CITYREG.sharesDataset):
            datasets.update(by_property.get(str(prop), ()))
    projection.datasets = datasets
    organisations = {iri for iri, types in facts.types.items()
                     if types & {str(t) for t in (CITYREG.Agency, CITYREG.Company,
                                                  CITYREG.OtherOrganisation)}
                     or "http://www.w3.org/ns/org#Organization" in types}
    projection.organisations = organisations


def _derivations(projection: Projection) -> None:
    facts = projection.facts
    for dataset in sorted(projection.datasets):
        for parent in facts.get(dataset, str(PROV.wasDerivedFrom)):
            if parent in projection.datasets:
                projection.derived[parent].append(dataset)
                projection.derived_from[dataset].append(parent)


def _holders(facts: Facts, entity: str) -> list[tuple[str, str]]:
    """(organisation, role property) pairs of an entity's operators, owners and controllers."""
    found = [(org, str(prop)) for prop in _HOLDER_PROPERTIES
             for org in facts.get(entity, str(prop))]
    for group in facts.get(entity, str(DPV.hasJointDataControllers)):
        found += [(member, str(DPV.hasJointDataControllers))
                  for member in facts.get(group, str(DPV.hasDataController))]
    return found


def _entities_by_object(facts: Facts, prop: str) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for subject, by_property in facts.facts.items():
        for value in by_property.get(prop, ()):
            index[value].append(subject)
    return index


def _origins(projection: Projection) -> None:
    facts = projection.facts
    feeders = _entities_by_object(facts, str(CITYREG.feedsDataset))
    users = _entities_by_object(facts, str(CITYREG.usesDataset))
    sensor_users = _entities_by_object(facts, str(CITYREG.usesSensor))
    system_users = _entities_by_object(facts, str(CITYREG.usesSystem))
    deployments = _entities_by_object(facts, str(SSN.deployedSystem))
    for dataset in sorted(projection.datasets):
        label = facts.label(dataset)
        for org in facts.get(dataset, str(DCT.publisher)):
            projection.add(_origin_hop(facts, dataset, org, str(DCT.publisher), dataset, label))
        for org, prop in _holders(facts, dataset):
            projection.add(_origin_hop(facts, dataset, org, prop, dataset, label))
        entities: list[str] = []
        for feeder in feeders.get(dataset, ()):
            entities.append(feeder)
            entities += sensor_users.get(feeder, []) + system_users.get(feeder, [])
            entities += deployments.get(feeder, ())
        entities += users.get(dataset, ())
        seen: set[str] = set()
        for entity in entities:
            if entity in seen:
                continue
            seen.add(entity)
            for org, prop in _holders(facts, entity):
                projection.add(_origin_hop(facts, entity, org, prop, dataset, label))


def _origin_hop(facts: Facts, entity: str, org: str, prop: str, dataset: str,
                dataset_label: str) -> Hop:
    role = str(DPV.DataController) if prop == str(DPV.hasDataController) else (
        str(DPV.JointDataControllers) if prop == str(DPV.hasJointDataControllers) else prop)
    return Hop(
        source=entity, source_label=facts.label(entity), target=org, target_label=facts.label(org),
        dataset=dataset, dataset_label=dataset_label, kind="origin", via=entity,
        via_label=facts.label(entity), role=role, role_label=_role_label(facts, role),
        grant=prop, grant_label=facts.label(prop), purposes=tuple(facts.get(entity,
                                                                             str(DPV.hasPurpose))),
        legal_bases=tuple(facts.get(entity, str(DPV.hasLegalBasis))),
        start=facts.day(entity, str(CITYREG.startDate)), end=facts.day(entity,
                                                                      str(CITYREG.endDate)))


def _role_label(facts: Facts, role: str) -> str:
    return ROLE_LABELS.get(role) or facts.label(role)


# -- contracts ------------------------------------------------------------------------------------

def _system_datasets(facts: Facts, system: str) -> list[str]:
    found = list(facts.get(system, str(CITYREG.feedsDataset)))
    for sensor in facts.get(system, str(CITYREG.usesSensor)):
        found += facts.get(sensor, str(CITYREG.feedsDataset))
    return found


def _contract_datasets(facts: Facts, contract: str, seen: frozenset[str] = frozenset()
                       ) -> list[str]:
    found = list(facts.get(contract, str(CITYREG.coversDataset)))
    for system in facts.get(contract, str(CITYREG.coversSystem)):
        found += _system_datasets(facts, system)
    if not found:
        for parent in facts.get(contract, str(CITYREG.parentContract)):
            if parent not in seen:
                found += _contract_datasets(facts, parent, seen | {contract})
    return sorted(set(found))


def _contracts(projection: Projection) -> None:
    facts = projection.facts
    contracts = sorted(iri for iri in facts.types if facts.is_a(iri, tuple(map(str,
                                                                               CONTRACT_TYPES))))
    for contract in contracts:
        datasets = _contract_datasets(facts, contract)
        if datasets:
            _contract_hops(projection, contract, datasets)


def _contract_hops(projection: Projection, contract: str, datasets: list[str]) -> None:
    facts = projection.facts
    grant = facts.first(contract, str(CITYREG.grantedBy))
    joint = [member for group in facts.get(contract, str(DPV.hasJointDataControllers))
             for member in facts.get(group, str(DPV.hasDataController))]
    controllers = facts.get(contract, str(DPV.hasDataController)) + joint
    parents = facts.get(contract, str(CITYREG.parentContract))
    is_sub = bool(parents) or facts.is_a(contract, (str(CITYREG.SubProcessingContract),
                                                    str(DPV.SubProcessorAgreement)))
    if not controllers:
        controllers = [p for parent in parents
                       for p in facts.get(parent, str(DPV.hasDataProcessor))]
    if not controllers:
        controllers = facts.get(contract, str(CITYREG.buyer))
    processors = [(p, str(DPV.hasDataProcessor)) for p in facts.get(contract,
                                                                     str(DPV.hasDataProcessor))]
    if not processors and not is_sub:
        processors = [(s, str(CITYREG.supplier)) for s in facts.get(contract,
                                                                    str(CITYREG.supplier))]
    subprocessors = facts.get(contract, str(CITYREG.hasSubProcessor))
    stated = facts.flag(contract, str(CITYREG.onwardSharingAllowed))
    onward: OnwardSharing = ("not disclosed" if stated is None
                             else "allowed" if stated else "not allowed")
    pairs: list[tuple[str, str, str, str, OnwardSharing, bool]] = []
    for controller in controllers:
        for processor, prop in processors:
            role = str(DPV.DataSubProcessor) if is_sub else (
                str(DPV.DataProcessor) if prop == str(DPV.hasDataProcessor) else prop)
            pairs.append((controller, processor, role, prop, onward, is_sub))
        for prop, role in ((DPV.hasRecipient, DPV.Recipient), (DPV.hasThirdParty,
                                                               DPV.ThirdParty)):
            for recipient in facts.get(contract, str(prop)):
                pairs.append((controller, recipient, str(role), str(prop), onward, False))
    upstream = [p for p, _ in processors] or controllers
    for processor in upstream:
        for sub in subprocessors:
            pairs.append((processor, sub, str(DPV.DataSubProcessor),
                          str(CITYREG.hasSubProcessor), onward, True))
    for first, second in permutations(joint, 2):
        pairs.append((first, second, str(DPV.JointDataControllers),
                      str(DPV.hasJointDataControllers), "allowed", False))
    label = facts.label(contract)
    for dataset in datasets:
        dataset_label = facts.label(dataset)
        for source, target, role, prop, sharing, chain in pairs:
            if source == target:
                continue
            granted = grant or prop
            projection.add(Hop(
                source=source, source_label=facts.label(source), target=target,
                target_label=facts.label(target), dataset=dataset, dataset_label=dataset_label,
                kind="contract", via=contract, via_label=label, role=role,
                role_label=_role_label(facts, role), grant=granted,
                grant_label=_grant_label(facts, granted),
                purposes=tuple(facts.get(contract, str(DPV.hasPurpose))),
                legal_bases=tuple(facts.get(contract, str(DPV.hasLegalBasis))),
                onward_sharing=sharing, start=facts.day(contract, str(CITYREG.startDate)),
                end=facts.day(contract, str(CITYREG.endDate)), chain=chain))


def _grant_label(facts: Facts, grant: str) -> str:
    if grant in facts.labels:
        return facts.labels[grant]
    reference = facts.first(grant, str(CITYREG.documentReference))
    return f"clause {reference}" if reference else facts.label(grant)


# -- data flows -----------------------------------------------------------------------------------

def _flows(projection: Projection) -> None:
    facts = projection.facts
    agreements = _entities_by_object(facts, str(CITYREG.hasDataFlow))
    flows = sorted(iri for iri, types in facts.types.items() if str(CITYREG.DataFlow) in types)
    for flow in flows:
        agreement = next(iter(agreements.get(flow, ())), None)
        owner = agreement or flow

        def own_or_agreement(prop: str, flow: str = flow, owner: str = owner) -> list[str]:
            return facts.get(flow, prop) or facts.get(owner, prop)

        stated = facts.flag(flow, str(CITYREG.onwardSharingAllowed))
        onward: OnwardSharing = ("not disclosed" if stated is None
                                 else "allowed" if stated else "not allowed")
        role = facts.first(flow, str(CITYREG.recipientRole)) or str(DPV.Recipient)
        grant = (facts.first(flow, str(CITYREG.grantedBy))
                 or facts.first(owner, str(CITYREG.grantedBy)) or str(CITYREG.recipient))
        start = facts.day(flow, str(CITYREG.startDate)) or facts.day(owner,
                                                                     str(CITYREG.startDate))
        end = facts.day(flow, str(CITYREG.endDate)) or facts.day(owner, str(CITYREG.endDate))
        for provider in facts.get(flow, str(CITYREG.provider)):
            for recipient in facts.get(flow, str(CITYREG.recipient)):
                for dataset in facts.get(flow, str(CITYREG.sharesDataset)):
                    projection.add(Hop(
                        source=provider, source_label=facts.label(provider), target=recipient,
                        target_label=facts.label(recipient), dataset=dataset,
                        dataset_label=facts.label(dataset), kind="agreement", via=owner,
                        via_label=facts.label(owner), flow=flow, role=role,
                        role_label=_role_label(facts, role), grant=grant,
                        grant_label=_grant_label(facts, grant),
                        purposes=tuple(own_or_agreement(str(DPV.hasPurpose))),
                        legal_bases=tuple(own_or_agreement(str(DPV.hasLegalBasis))),
                        onward_sharing=onward, start=start, end=end))


# -- what a traced entity stands for --------------------------------------------------------------

def _source_datasets(projection: Projection) -> None:
    facts = projection.facts
    sources: dict[str, list[str]] = {dataset: [dataset] for dataset in projection.datasets}
    for subject, by_property in facts.facts.items():
        feeds = list(by_property.get(str(CITYREG.feedsDataset), ()))
        if feeds:
            sources[subject] = sorted(set(feeds))
    for subject, by_property in facts.facts.items():
        systems = by_property.get(str(SSN.deployedSystem), ())
        if systems:
            found = list(sources.get(subject, ()))
            for system in systems:
                found += sources.get(system, [])
                for sensor in facts.get(system, str(CITYREG.usesSensor)):
                    found += sources.get(sensor, [])
            sources[subject] = sorted(set(found))
    published = _entities_by_object(facts, str(DCT.publisher))
    for org in projection.organisations:
        if org not in sources:
            sources[org] = sorted(d for d in published.get(org, ()) if d in projection.datasets)
    projection.source_datasets = sources
