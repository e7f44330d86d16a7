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
* **processings** (and systems) that use or feed a dataset: their holders -> their recorded
  recipients (dpv:hasRecipient, dpv:hasThirdParty).
* a contract's controller that no other fact records as holding a dataset the contract covers
  holds it by the contract (an ``origin`` hop via the contract).

These hops are ``asserted``. What a recorded relation only implies (a contract without roles, a
system's developer, recipients known by category) is made by :mod:`registry.flows.rules`, with
a weaker grade; the gaps each hop meets come from :mod:`registry.flows.disclosure`.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import permutations

from registry.flows import rules
from registry.flows.facts import CONTRACT_TYPES, Facts
from registry.flows.iris import (
    CITYREG_buyer,
    CITYREG_coversDataset,
    CITYREG_coversSystem,
    CITYREG_DataFlow,
    CITYREG_DataSharingAgreement,
    CITYREG_documentReference,
    CITYREG_endDate,
    CITYREG_feedsDataset,
    CITYREG_grantedBy,
    CITYREG_hasDataFlow,
    CITYREG_hasSubProcessor,
    CITYREG_onwardSharingAllowed,
    CITYREG_operator,
    CITYREG_owner,
    CITYREG_parentContract,
    CITYREG_provider,
    CITYREG_recipient,
    CITYREG_recipientRole,
    CITYREG_sharesDataset,
    CITYREG_startDate,
    CITYREG_SubProcessingContract,
    CITYREG_usesDataset,
    CITYREG_usesSensor,
    CITYREG_usesSystem,
    DCAT_Dataset,
    DCT_publisher,
    DPV_DataController,
    DPV_DataProcessor,
    DPV_DataSubProcessor,
    DPV_hasDataController,
    DPV_hasDataProcessor,
    DPV_hasJointDataControllers,
    DPV_hasLegalBasis,
    DPV_hasPurpose,
    DPV_hasRecipient,
    DPV_hasThirdParty,
    DPV_JointDataControllers,
    DPV_Recipient,
    DPV_SubProcessorAgreement,
    DPV_ThirdParty,
    PROV_wasDerivedFrom,
    SSN_deployedSystem,
)
from registry.flows.model import Gap, Hop, OnwardSharing
from registry.flows.projection import Projection, role_label
from registry.namespaces import CITYREG, DPV

_HOLDER_PROPERTIES = (CITYREG_operator, CITYREG_owner, DPV_hasDataController)
_HOLDER_KEYS = (*_HOLDER_PROPERTIES, DPV_hasJointDataControllers)
_ORGANISATION_TYPES = frozenset(str(t) for t in (CITYREG.Agency, CITYREG.Company,
                                                 CITYREG.OtherOrganisation))
_CONTRACT_TYPES = tuple(str(t) for t in CONTRACT_TYPES)


def project(facts: Facts) -> Projection:
    """Build every hop of the registry from ``facts``."""
    projection = Projection(facts)
    facts.index_by_object(CITYREG_feedsDataset, CITYREG_usesDataset, CITYREG_coversDataset,
                          CITYREG_sharesDataset, CITYREG_usesSensor, CITYREG_usesSystem,
                          SSN_deployedSystem, CITYREG_hasDataFlow, DCT_publisher)
    _collect_entities(projection)
    _derivations(projection)
    entities_of = _origins(projection)
    _contracts(projection)
    _flows(projection)
    for dataset, entities in entities_of.items():
        rules.system_builders(projection, dataset, entities)
    for dataset in sorted(projection.derived_from):
        for parent in projection.derived_from[dataset]:
            rules.derived_producers(projection, dataset, parent)
    for dataset, entities in entities_of.items():
        _source_gaps(projection, dataset, entities)
    _source_datasets(projection)
    return projection


# -- entities -------------------------------------------------------------------------------------

def _collect_entities(projection: Projection) -> None:
    facts = projection.facts
    datasets = {iri for iri, types in facts.types.items() if DCAT_Dataset in types}
    for prop in (CITYREG_feedsDataset, CITYREG_usesDataset, CITYREG_coversDataset,
                 CITYREG_sharesDataset):
        datasets |= facts.objects(prop)
    projection.datasets = datasets
    organisations = {iri for iri, types in facts.types.items()
                     if not _ORGANISATION_TYPES.isdisjoint(types)
                     or "http://www.w3.org/ns/org#Organization" in types}
    projection.organisations = organisations


def _derivations(projection: Projection) -> None:
    facts = projection.facts
    for dataset in sorted(projection.datasets):
        for parent in facts.get(dataset, PROV_wasDerivedFrom):
            if parent in projection.datasets:
                projection.derived[parent].append(dataset)
                projection.derived_from[dataset].append(parent)


def _has_holder(facts: Facts, entity: str) -> bool:
    """True when ``entity`` records an operator, owner or controller (cheaper than listing)."""
    stated = facts.facts.get(entity)
    return stated is not None and any(prop in stated for prop in _HOLDER_KEYS)


def _holders(facts: Facts, entity: str) -> list[tuple[str, str]]:
    """(organisation, role property) pairs of an entity's operators, owners and controllers."""
    found = [(org, prop) for prop in _HOLDER_PROPERTIES for org in facts.get(entity, prop)]
    for group in facts.get(entity, DPV_hasJointDataControllers):
        found += [(member, DPV_hasJointDataControllers)
                  for member in facts.get(group, DPV_hasDataController)]
    return found


def _entities_by_object(facts: Facts, prop: str) -> dict[str, list[str]]:
    return facts.by_object(prop)


def _origins(projection: Projection) -> dict[str, list[str]]:
    """The origin hops of every dataset; returns the entities that feed or use each."""
    facts = projection.facts
    entities_of: dict[str, list[str]] = {}
    feeders = _entities_by_object(facts, CITYREG_feedsDataset)
    users = _entities_by_object(facts, CITYREG_usesDataset)
    sensor_users = _entities_by_object(facts, CITYREG_usesSensor)
    system_users = _entities_by_object(facts, CITYREG_usesSystem)
    deployments = _entities_by_object(facts, SSN_deployedSystem)
    templates: dict[str, list[Hop]] = {}
    for dataset in sorted(projection.datasets):
        label = facts.label(dataset)
        sources = projection.disclosure.sources(dataset)
        for org in facts.get(dataset, DCT_publisher):
            projection.add(_origin_hop(facts, dataset, org, DCT_publisher, dataset, label,
                                       sources=sources))
        for org, prop in _holders(facts, dataset):
            projection.add(_origin_hop(facts, dataset, org, prop, dataset, label,
                                       sources=sources))
        entities: list[str] = []
        for feeder in feeders.get(dataset, ()):
            entities.append(feeder)
            entities += sensor_users.get(feeder, []) + system_users.get(feeder, [])
            entities += deployments.get(feeder, ())
        entities += users.get(dataset, ())
        entities = list(dict.fromkeys(entities))
        for entity in entities:
            for t in _entity_origins(projection, entity, templates):
                projection.add(Hop(t.source, t.source_label, t.target, t.target_label, dataset,
                                   label, "origin", t.via, t.via_label, t.role, t.role_label,
                                   t.grant, t.grant_label, None, t.purposes, t.legal_bases,
                                   "allowed", t.start, t.end, sources=t.sources))
        _recipients(projection, dataset, entities)
        entities_of[dataset] = entities
    return entities_of


#: An entity with none of these records no recipient, named or not (most entities).
_RECIPIENT_KEYS = (DPV_hasRecipient, DPV_hasThirdParty, str(CITYREG.recipient),
                   str(CITYREG.notDisclosed))


def _recipients(projection: Projection, dataset: str, entities: list[str]) -> None:
    """Hops from the holders of the dataset, or of a processing or system that feeds or uses
    it, to the recipients they record (the named ones asserted, the others by rule)."""
    facts = projection.facts
    for entity in (dataset, *entities):
        stated = facts.facts.get(entity)
        if stated is None or not any(key in stated for key in _RECIPIENT_KEYS):
            continue
        senders = [org for org, _ in _holders(facts, entity)]
        if entity == dataset:
            senders = facts.get(dataset, DCT_publisher) + senders
        senders = list(dict.fromkeys(senders))
        for prop, role in ((DPV_hasRecipient, DPV_Recipient),
                           (DPV_hasThirdParty, DPV_ThirdParty)):
            for recipient in facts.get(entity, prop):
                if rules.is_category(projection, recipient):
                    continue
                for sender in senders:
                    if sender != recipient:
                        projection.add(_recipient_hop(projection, entity, sender, recipient,
                                                      dataset, role, prop))
        rules.undisclosed_recipients(projection, entity, [dataset], senders, "processing")


def _recipient_hop(projection: Projection, entity: str, sender: str, recipient: str,
                   dataset: str, role: str, prop: str) -> Hop:
    facts = projection.facts
    return Hop(
        source=sender, source_label=facts.label(sender), target=recipient,
        target_label=facts.label(recipient), dataset=dataset,
        dataset_label=facts.label(dataset), kind="processing", via=entity,
        via_label=facts.label(entity), role=role, role_label=_role_label(facts, role),
        grant=prop, grant_label=_role_label(facts, prop),
        purposes=tuple(facts.get(entity, DPV_hasPurpose)),
        legal_bases=tuple(facts.get(entity, DPV_hasLegalBasis)),
        onward_sharing=_onward(facts, entity), start=facts.day(entity, CITYREG_startDate),
        end=facts.day(entity, CITYREG_endDate), sources=projection.disclosure.sources(entity),
        gaps=projection.disclosure.marked(entity))


def _onward(facts: Facts, entity: str) -> OnwardSharing:
    stated = facts.flag(entity, CITYREG_onwardSharingAllowed)
    return "not disclosed" if stated is None else "allowed" if stated else "not allowed"


def _source_gaps(projection: Projection, dataset: str, entities: list[str]) -> None:
    """What a trace of ``dataset`` cannot tell about where the data starts: nobody recorded
    as holding it, a system feeding or using it that nobody is recorded to run (a sensor is
    run by whoever runs one of its deployments), and the trace facts they mark as not
    disclosed."""
    facts = projection.facts
    disclosure = projection.disclosure
    gaps: list[Gap] = list(disclosure.marked(dataset))
    if not projection.first_holders(dataset):
        gaps.append(disclosure.gap(dataset, DCT_publisher,
                                   "nobody is recorded as publishing or holding it"))
    deployments = facts.by_object(SSN_deployedSystem)
    for entity in entities:
        gaps += disclosure.marked(entity)
        if not _has_holder(facts, entity) and not any(
                _has_holder(facts, deployment) for deployment in deployments.get(entity, ())):
            gaps.append(disclosure.gap(entity, CITYREG_operator,
                                       "nobody is recorded as running it, so who holds the "
                                       "data it feeds or uses is not known"))
    projection.source_gaps[dataset] = disclosure.shared(gaps)


def _entity_origins(projection: Projection, entity: str, templates: dict[str, list[Hop]]
                    ) -> list[Hop]:
    """The origin hops of an entity's holders, without dataset (made once per entity)."""
    found = templates.get(entity)
    if found is None:
        facts = projection.facts
        sources = projection.disclosure.sources(entity)
        found = templates[entity] = [_origin_hop(facts, entity, org, prop, "", "",
                                                 sources=sources)
                                     for org, prop in _holders(facts, entity)]
    return found


def _origin_hop(facts: Facts, entity: str, org: str, prop: str, dataset: str,
                dataset_label: str, source: str | None = None,
                sources: tuple[str, ...] = ()) -> Hop:
    """``org`` holds the data first, by ``prop`` of ``entity`` (from ``source``, by default
    the entity itself)."""
    role = DPV_DataController if prop == DPV_hasDataController else (
        DPV_JointDataControllers if prop == DPV_hasJointDataControllers else prop)
    start = source or entity
    return Hop(
        source=start, source_label=facts.label(start), target=org, target_label=facts.label(org),
        dataset=dataset, dataset_label=dataset_label, kind="origin", via=entity,
        via_label=facts.label(entity), role=role, role_label=_role_label(facts, role),
        grant=prop, grant_label=facts.label(prop), purposes=tuple(facts.get(entity,
                                                                             DPV_hasPurpose)),
        legal_bases=tuple(facts.get(entity, DPV_hasLegalBasis)),
        start=facts.day(entity, CITYREG_startDate), end=facts.day(entity,
                                                                      CITYREG_endDate),
        sources=sources)


def _role_label(facts: Facts, role: str) -> str:
    return role_label(facts, role)


# -- contracts ------------------------------------------------------------------------------------

def system_datasets(facts: Facts, system: str) -> list[str]:
    """The datasets a system feeds, itself or through the sensors it uses."""
    found = list(facts.get(system, CITYREG_feedsDataset))
    for sensor in facts.get(system, CITYREG_usesSensor):
        found += facts.get(sensor, CITYREG_feedsDataset)
    return found


def contract_datasets(facts: Facts, contract: str, seen: frozenset[str] = frozenset()
                      ) -> list[str]:
    """The datasets a contract covers: named, through the systems it covers, else its
    parent contract's (sorted, distinct)."""
    found = list(facts.get(contract, CITYREG_coversDataset))
    for system in facts.get(contract, CITYREG_coversSystem):
        found += system_datasets(facts, system)
    if not found:
        for parent in facts.get(contract, CITYREG_parentContract):
            if parent not in seen:
                found += contract_datasets(facts, parent, seen | {contract})
    return sorted(set(found))


def _contracts(projection: Projection) -> None:
    facts = projection.facts
    contracts = sorted(iri for iri in facts.types if facts.is_a(iri, _CONTRACT_TYPES))
    for contract in contracts:
        datasets = contract_datasets(facts, contract)
        if datasets:
            _contract_hops(projection, contract, datasets)


def _contract_hops(projection: Projection, contract: str, datasets: list[str]) -> None:
    facts = projection.facts
    disclosure = projection.disclosure
    grant = facts.first(contract, CITYREG_grantedBy)
    joint = [member for group in facts.get(contract, DPV_hasJointDataControllers)
             for member in facts.get(group, DPV_hasDataController)]
    stated_controllers = facts.get(contract, DPV_hasDataController) + joint
    parents = facts.get(contract, CITYREG_parentContract)
    is_sub = bool(parents) or facts.is_a(contract, (CITYREG_SubProcessingContract,
                                                    DPV_SubProcessorAgreement))
    controllers = stated_controllers or [p for parent in parents
                                         for p in facts.get(parent, DPV_hasDataProcessor)]
    has_controller = bool(controllers)
    if not controllers:
        controllers = facts.get(contract, CITYREG_buyer)
    processors = [(p, DPV_hasDataProcessor) for p in facts.get(contract,
                                                                     DPV_hasDataProcessor)]
    has_processor = bool(processors) or is_sub
    subprocessors = facts.get(contract, CITYREG_hasSubProcessor)
    onward = _onward(facts, contract)
    pairs: list[tuple[str, str, str, str, OnwardSharing, bool]] = []
    for controller in controllers:
        for processor, prop in processors:
            role = DPV_DataSubProcessor if is_sub else DPV_DataProcessor
            pairs.append((controller, processor, role, prop, onward, is_sub))
        for prop, role in ((DPV.hasRecipient, DPV.Recipient), (DPV.hasThirdParty,
                                                               DPV.ThirdParty)):
            for recipient in facts.get(contract, str(prop)):
                if not rules.is_category(projection, recipient):
                    pairs.append((controller, recipient, str(role), str(prop), onward, False))
    upstream = [p for p, _ in processors] or controllers
    for processor in upstream:
        for sub in subprocessors:
            pairs.append((processor, sub, DPV_DataSubProcessor,
                          CITYREG_hasSubProcessor, onward, True))
    for first, second in permutations(joint, 2):
        pairs.append((first, second, DPV_JointDataControllers,
                      DPV_hasJointDataControllers, "allowed", False))
    label = facts.label(contract)
    start = facts.day(contract, CITYREG_startDate)
    gaps = disclosure.shared(disclosure.marked(contract), () if start else (
        disclosure.gap(contract, CITYREG_startDate),))
    sources = disclosure.sources(contract)
    for dataset in datasets:
        dataset_label = facts.label(dataset)
        if not is_sub:
            holders = projection.first_holders(dataset)
            for controller in dict.fromkeys(stated_controllers):
                if controller not in holders:
                    projection.add(_origin_hop(facts, contract, controller,
                                               DPV_hasDataController, dataset, dataset_label,
                                               source=dataset, sources=sources))
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
                purposes=tuple(facts.get(contract, DPV_hasPurpose)),
                legal_bases=tuple(facts.get(contract, DPV_hasLegalBasis)),
                onward_sharing=sharing, start=start,
                end=facts.day(contract, CITYREG_endDate), chain=chain, sources=sources,
                gaps=gaps))
    if not (has_controller and has_processor):
        rules.contract_roles_not_disclosed(projection, contract, datasets, has_controller,
                                           has_processor)
    rules.undisclosed_recipients(projection, contract, datasets, list(controllers), "contract")


def _grant_label(facts: Facts, grant: str) -> str:
    if grant in facts.labels:
        return facts.labels[grant]
    reference = facts.first(grant, CITYREG_documentReference)
    return f"clause {reference}" if reference else facts.label(grant)


# -- data flows -----------------------------------------------------------------------------------

def _flows(projection: Projection) -> None:
    facts = projection.facts
    disclosure = projection.disclosure
    agreements = _entities_by_object(facts, CITYREG_hasDataFlow)
    flows = sorted(iri for iri, types in facts.types.items() if CITYREG_DataFlow in types)
    flowing: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for flow in flows:
        agreement = next(iter(agreements.get(flow, ())), None)
        owner = agreement or flow

        def own_or_agreement(prop: str, flow: str = flow, owner: str = owner) -> list[str]:
            return facts.get(flow, prop) or facts.get(owner, prop)

        onward = _onward(facts, flow)
        role = facts.first(flow, CITYREG_recipientRole) or DPV_Recipient
        grant = (facts.first(flow, CITYREG_grantedBy)
                 or facts.first(owner, CITYREG_grantedBy) or CITYREG_recipient)
        start = facts.day(flow, CITYREG_startDate) or facts.day(owner,
                                                                     CITYREG_startDate)
        end = facts.day(flow, CITYREG_endDate) or facts.day(owner, CITYREG_endDate)
        gaps = disclosure.shared(disclosure.marked(flow), disclosure.marked(agreement), () if start
                                 else (disclosure.gap(owner, CITYREG_startDate),))
        sources = disclosure.sources(flow) or disclosure.sources(owner)
        providers = facts.get(flow, CITYREG_provider)
        datasets = facts.get(flow, CITYREG_sharesDataset)
        for provider in providers:
            for recipient in facts.get(flow, CITYREG_recipient):
                if rules.is_category(projection, recipient):
                    continue
                for dataset in datasets:
                    flowing[owner] |= {(provider, dataset), (recipient, dataset)}
                    projection.add(Hop(
                        source=provider, source_label=facts.label(provider), target=recipient,
                        target_label=facts.label(recipient), dataset=dataset,
                        dataset_label=facts.label(dataset), kind="agreement", via=owner,
                        via_label=facts.label(owner), flow=flow, role=role,
                        role_label=_role_label(facts, role), grant=grant,
                        grant_label=_grant_label(facts, grant),
                        purposes=tuple(own_or_agreement(DPV_hasPurpose)),
                        legal_bases=tuple(own_or_agreement(DPV_hasLegalBasis)),
                        onward_sharing=onward, start=start, end=end, sources=sources,
                        gaps=gaps))
        rules.undisclosed_recipients(projection, flow, datasets, providers, "agreement")
    for agreement in sorted(iri for iri, types in facts.types.items()
                            if CITYREG_DataSharingAgreement in types):
        covered = contract_datasets(facts, agreement)
        if covered:
            rules.agreement_parties(projection, agreement, covered, flowing[agreement])


# -- what a traced entity stands for --------------------------------------------------------------

def _source_datasets(projection: Projection) -> None:
    facts = projection.facts
    sources: dict[str, list[str]] = {dataset: [dataset] for dataset in projection.datasets}
    for subject in facts.subjects(CITYREG_feedsDataset):
        sources[subject] = facts.get(subject, CITYREG_feedsDataset)
    for subject in facts.subjects(SSN_deployedSystem):
        systems = facts.get(subject, SSN_deployedSystem)
        if systems:
            found = list(sources.get(subject, ()))
            for system in systems:
                found += sources.get(system, [])
                for sensor in facts.get(system, CITYREG_usesSensor):
                    found += sources.get(sensor, [])
            sources[subject] = sorted(set(found))
    published = _entities_by_object(facts, DCT_publisher)
    for org in projection.organisations:
        if org not in sources:
            sources[org] = sorted(d for d in published.get(org, ()) if d in projection.datasets)
    projection.source_datasets = sources
