"""The rules by which the access trace infers access, or records a recipient it cannot name.

Most smart-city facts are disclosed in part: a contract is known but not its legal roles, a
system's developer is named but not what it may do with the data, a processing "sells to third
parties" without naming them. The trace does not drop such facts, nor does it pass them off as
recorded grants: each rule below turns one of them into a hop with a weaker grade than
``asserted``, naming the rule and the entity it read, and the gaps that keep it from being
asserted.

========================  ===========  =========================================================
rule                      grade        when
========================  ===========  =========================================================
contract-party            inferred     a contract covers the dataset (cityreg:coversDataset, or
                                       cityreg:coversSystem of a system feeding it) and records
                                       no controller: its buyers and other parties, unless they
                                       already hold the data
contract-supplier         inferred     the same contract records no processor: its suppliers,
                                       from each buyer (or from the data when it has none)
agreement-party           inferred     a data-sharing agreement covers the dataset but no data
                                       flow of it records who gives it to whom: its parties
system-developer          inferred     cityreg:developer of a sensor, deployment, system or
                                       processing that feeds, holds or uses the dataset, unless
                                       a recorded role already gives it the dataset
system-maintainer         inferred     cityreg:maintainer of the same
host                      inferred     cityreg:hostedBy of the dataset, or of a system that
                                       feeds or uses it
derived-producer          inferred     the publisher, controller or prov:wasAttributedTo of a
                                       dataset derived from it (prov:wasDerivedFrom), unless a
                                       recorded role already gives it the dataset
recipient-category        undisclosed  dpv:hasRecipient, dpv:hasThirdParty or cityreg:recipient
                                       names a category (a DPV concept such as dpv:ThirdParty),
                                       not an organisation of the registry
recipient-not-disclosed   undisclosed  the entity marks its recipients cityreg:notDisclosed and
                                       names none
========================  ===========  =========================================================

An inferred rule never adds an organisation that already holds the data by a recorded role: the
asserted evidence says more. (The contract rules look at the data's first holders; the others,
applied once every asserted hop is known, at every organisation a recorded hop gives it to.)
Recipients of the last two rules appear as placeholders
(``urn:cityreg:undisclosed:...``) with their category: never silently dropped. To turn an
inference into asserted access, record the role (ontology/MODELLING.md, "What the trace
infers").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from registry.flows.iris import (
    CITYREG_buyer,
    CITYREG_developer,
    CITYREG_endDate,
    CITYREG_hasParty,
    CITYREG_hostedBy,
    CITYREG_maintainer,
    CITYREG_notDisclosed,
    CITYREG_recipient,
    CITYREG_startDate,
    CITYREG_supplier,
    DCT_publisher,
    DPV_hasDataController,
    DPV_hasDataProcessor,
    DPV_hasRecipient,
    DPV_hasThirdParty,
    DPV_Recipient,
    DPV_ThirdParty,
    PROV_wasAttributedTo,
)
from registry.flows.model import Gap, Grade, Hop, HopKind, OnwardSharing
from registry.namespaces import DPV, PROV

if TYPE_CHECKING:
    from registry.flows.projection import Projection


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of inference: its ``id``, ``grade``, the ``label`` a hop shows, and what to
    record (``record``) to replace it by asserted evidence."""

    id: str
    grade: Grade
    label: str
    record: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("contract-party", "inferred",
         "party to a contract covering the dataset, roles not disclosed",
         "dpv:hasDataController on the contract"),
    Rule("contract-supplier", "inferred",
         "supplier of a contract covering the dataset, roles not disclosed",
         "dpv:hasDataProcessor (or dpv:hasDataController) on the contract"),
    Rule("agreement-party", "inferred",
         "party to an agreement covering the dataset, data flows not disclosed",
         "a cityreg:DataFlow with cityreg:provider, cityreg:recipient, cityreg:sharesDataset"),
    Rule("system-developer", "inferred",
         "developer of a system that feeds, holds or uses the dataset, access not disclosed",
         "a contract covering the system with dpv:hasDataProcessor"),
    Rule("system-maintainer", "inferred",
         "maintainer of a system that feeds, holds or uses the dataset, access not disclosed",
         "a contract covering the system with dpv:hasDataProcessor"),
    Rule("host", "inferred",
         "hosts the dataset or a system holding it, access not disclosed",
         "a contract covering the dataset with dpv:hasDataProcessor"),
    Rule("derived-producer", "inferred",
         "produces a dataset derived from it",
         "the cityreg:Processing that derives it, with cityreg:usesDataset and its operator"),
    Rule("recipient-category", "undisclosed",
         "recipient recorded only by its category, identity not disclosed",
         "dpv:hasRecipient with the organisation's IRI"),
    Rule("recipient-not-disclosed", "undisclosed",
         "recipients not disclosed",
         "dpv:hasRecipient with the organisation's IRI"),
)}

_DPV = str(DPV)

_BUILDER_KEYS = (CITYREG_developer, CITYREG_maintainer, CITYREG_hostedBy)

#: Properties whose value is a recipient, and the category a "not disclosed" marking implies.
RECIPIENT_PROPERTIES = {DPV_hasRecipient: DPV_Recipient, DPV_hasThirdParty: DPV_ThirdParty,
                        CITYREG_recipient: DPV_Recipient}
UNDISCLOSED_PREFIX = "urn:cityreg:undisclosed:"


def is_category(projection: Projection, value: str) -> bool:
    """True when a recipient value names a category (a DPV concept), not an organisation."""
    return value.startswith(_DPV) and value not in projection.organisations


def placeholder_iri(entity: str, category: str) -> str:
    """The IRI standing for the recipients of ``category`` that ``entity`` does not name."""
    return f"{UNDISCLOSED_PREFIX}{quote(category.rsplit('#', 1)[-1].rsplit('/', 1)[-1])}:" \
           f"{entity}"


# -- building inferred hops -----------------------------------------------------------------------

def inferred_hop(projection: Projection, rule: str, source: str, target: str, dataset: str,
                 kind: HopKind, via: str, role: str, gaps: tuple[Gap, ...],
                 onward: OnwardSharing = "not disclosed") -> Hop:
    """A hop made by ``rule``: role and grant say what the registry records (the relation the
    rule read), the grade and rule why it is not a grant."""
    facts = projection.facts
    disclosure = projection.disclosure
    found = RULES[rule]
    dated = kind in {"contract", "agreement"}
    return Hop(
        source=source, source_label=facts.label(source), target=target,
        target_label=projection.label(target), dataset=dataset,
        dataset_label=facts.label(dataset), kind=kind, via=via, via_label=facts.label(via),
        role=role, role_label=projection.role_label(role), grant=role,
        grant_label=projection.role_label(role), onward_sharing=onward,
        start=facts.day(via, CITYREG_startDate) if dated else None,
        end=facts.day(via, CITYREG_endDate) if dated else None,
        grade=found.grade, rule=found.id, rule_label=found.label,
        sources=disclosure.sources(via), gaps=gaps)


def contract_roles_not_disclosed(projection: Projection, contract: str, datasets: list[str],
                                 has_controller: bool, has_processor: bool) -> None:
    """Rules contract-party and contract-supplier, for one contract covering ``datasets``."""
    facts = projection.facts
    disclosure = projection.disclosure
    buyers = list(dict.fromkeys(facts.get(contract, CITYREG_buyer)))
    suppliers = facts.get(contract, CITYREG_supplier)
    parties = [p for p in facts.get(contract, CITYREG_hasParty)
               if p not in suppliers and p not in buyers]
    dates = () if facts.day(contract, CITYREG_startDate) else (
        disclosure.gap(contract, CITYREG_startDate),)
    marked = disclosure.marked(contract)
    controller_gap = disclosure.gap(contract, DPV_hasDataController)
    processor_gap = disclosure.gap(contract, DPV_hasDataProcessor)
    for dataset in datasets:
        holders = projection.first_holders(dataset)
        if not has_controller:
            gaps = disclosure.shared(marked, (controller_gap,), dates)
            for party in (*buyers, *parties):
                if party not in holders:
                    projection.add(inferred_hop(
                        projection, "contract-party", dataset, party, dataset, "origin",
                        contract, CITYREG_buyer if party in buyers else CITYREG_hasParty,
                        gaps, "allowed"))
        if has_processor:
            continue
        gaps = disclosure.shared(marked, (processor_gap,), dates)
        for supplier in suppliers:
            sources = [b for b in buyers if b != supplier]
            if not sources and supplier not in holders:
                projection.add(inferred_hop(projection, "contract-supplier", dataset,
                                            supplier, dataset, "origin", contract,
                                            CITYREG_supplier, gaps))
            for buyer in sources:
                projection.add(inferred_hop(projection, "contract-supplier", buyer, supplier,
                                            dataset, "contract", contract, CITYREG_supplier,
                                            gaps))


def agreement_parties(projection: Projection, agreement: str, datasets: list[str],
                      flowing: set[tuple[str, str]]) -> None:
    """Rule agreement-party: parties of an agreement covering ``datasets`` with no data flow
    of them (``flowing`` holds the (party, dataset) pairs its flows already record)."""
    facts = projection.facts
    disclosure = projection.disclosure
    gaps = disclosure.shared(disclosure.marked(agreement),
                             (disclosure.gap(agreement, CITYREG_recipient,
                                             "no data flow records who gives the dataset to "
                                             "whom"),))
    for dataset in datasets:
        holders = projection.first_holders(dataset)
        for party in facts.get(agreement, CITYREG_hasParty):
            if party not in holders and (party, dataset) not in flowing:
                projection.add(inferred_hop(projection, "agreement-party", dataset, party,
                                            dataset, "origin", agreement, CITYREG_hasParty,
                                            gaps, "allowed"))


def system_builders(projection: Projection, dataset: str, entities: list[str]) -> None:
    """Rules system-developer, system-maintainer and host for one dataset and the entities
    that feed, hold or use it."""
    facts = projection.facts
    disclosure = projection.disclosure
    holders = projection.receivers(dataset)
    candidates: list[tuple[str, str, str, str]] = [
        ("host", dataset, org, CITYREG_hostedBy)
        for org in facts.get(dataset, CITYREG_hostedBy)]
    for entity in entities:
        stated = facts.facts.get(entity)
        if stated is None or not any(key in stated for key in _BUILDER_KEYS):
            continue  # most entities name no builder: one look instead of three
        candidates += [("system-developer", entity, org, CITYREG_developer)
                       for org in facts.get(entity, CITYREG_developer)]
        candidates += [("system-maintainer", entity, org, CITYREG_maintainer)
                       for org in facts.get(entity, CITYREG_maintainer)]
        candidates += [("host", entity, org, CITYREG_hostedBy)
                       for org in facts.get(entity, CITYREG_hostedBy)]
    added: set[str] = set()
    for rule, entity, org, prop in candidates:
        if org in holders or org in added:
            continue
        added.add(org)
        why = (f"no contract covering it records the legal role of its "
               f"{projection.role_label(prop)}")
        gaps = disclosure.shared((disclosure.gap(entity, DPV_hasDataProcessor, why),))
        projection.add(inferred_hop(projection, rule, entity, org, dataset, "origin", entity,
                                    prop, gaps, "allowed"))


def derived_producers(projection: Projection, dataset: str, parent: str) -> None:
    """Rule derived-producer: whoever holds ``dataset`` as its own (publisher, controller,
    prov:wasAttributedTo) has read ``parent``, the dataset it was derived from."""
    facts = projection.facts
    holders = projection.receivers(parent)
    producers = [org for prop in (DCT_publisher, DPV_hasDataController,
                                  PROV_wasAttributedTo)
                 for org in facts.get(dataset, prop)]
    for org in dict.fromkeys(producers):
        if org not in holders:
            projection.add(inferred_hop(projection, "derived-producer", parent, org, parent,
                                        "origin", dataset, str(PROV.wasDerivedFrom), (),
                                        "allowed"))


def undisclosed_recipients(projection: Projection, entity: str, datasets: list[str],
                           senders: list[str], kind: HopKind) -> None:
    """Rules recipient-category and recipient-not-disclosed, for one entity that passes
    ``datasets`` on: from each of ``senders`` (else from the data) to a placeholder."""
    facts = projection.facts
    disclosure = projection.disclosure
    found: list[tuple[str, str, str]] = []
    for prop, implied in RECIPIENT_PROPERTIES.items():
        values = facts.get(entity, prop)
        found += [("recipient-category", value, prop) for value in values
                  if is_category(projection, value)]
        if not values and prop in facts.get(entity, CITYREG_notDisclosed):
            found.append(("recipient-not-disclosed", implied, prop))
    if not found:
        return
    marked = disclosure.marked(entity)
    for rule, category, prop in dict.fromkeys(found):
        target = placeholder_iri(entity, category)
        category_label = projection.role_label(category)
        projection.placeholders[target] = (category, category_label, entity)
        # A recipient known only by its category is by definition one whose identity the
        # sources do not disclose.
        gaps = disclosure.shared(marked, (disclosure.gap(
            entity, prop, f"the {category_label} recipients are not named", "not disclosed"),))
        for dataset in datasets:
            for sender in senders or [dataset]:
                hop_kind: HopKind = kind if senders else "origin"
                projection.add(inferred_hop(projection, rule, sender, target, dataset,
                                            hop_kind, entity, prop, gaps))
