"""What an organisation is engaged in: the entities that name it, each with its role.

One lookup in the read model's index of links answers "every engagement of IBM": contracts,
agreements (through their data flows), programmes, systems, sensors, deployments, processings
and datasets that name the organisation by one of :data:`ENGAGEMENT_ROLES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.api.fields import TermValue
from registry.api.readmodel import Entity as EntityRecord
from registry.api.readmodel import ReadModel
from registry.namespaces import CITYREG, DCT, DPV

C = str(CITYREG._NS)

#: The kinds of entity an organisation can be engaged in, in the order engagements list them.
ENGAGEMENT_KINDS: tuple[str, ...] = (
    "Contract", "DataSharingAgreement", "Programme", "System", "Sensor", "Deployment",
    "Processing", "Dataset")
RANK = {kind: rank for rank, kind in enumerate(ENGAGEMENT_KINDS)}
_HAS_DATA_FLOW = C + "hasDataFlow"
#: The properties by which an entity of :data:`ENGAGEMENT_KINDS` (or a data flow of an
#: agreement) engages an organisation: its role.
ENGAGEMENT_ROLES: tuple[str, ...] = (
    C + "buyer", C + "supplier", str(DPV.hasDataController), str(DPV.hasDataProcessor),
    C + "hasSubProcessor", C + "hasParty", C + "provider", C + "recipient", C + "operator",
    C + "owner", C + "developer", C + "maintainer", C + "hostedBy", str(DCT.publisher),
    str(DPV.hasRecipient))


@dataclass(frozen=True)
class EngagementValue:
    """An organisation's ``role`` in ``entity``; ``flow`` is the data flow that states it when
    ``entity`` is the flow's agreement."""

    role: TermValue
    entity: EntityRecord
    flow: EntityRecord | None = None


def engagements_of(found: ReadModel, iri: str) -> list[EngagementValue]:
    """Every engagement of organisation ``iri``, from one index lookup (see the field)."""
    engagements: list[EngagementValue] = []
    for prop, entity in found.links_to(iri, ENGAGEMENT_ROLES):
        role = TermValue(prop, found.label(prop))
        if entity.kind == "DataFlow":
            agreements = found.pointing_at(entity.iri, _HAS_DATA_FLOW)
            engagements += [EngagementValue(role, agreement, entity) for agreement in agreements
                            ] or [EngagementValue(role, entity, entity)]
        elif entity.kind in RANK:
            engagements.append(EngagementValue(role, entity))
    engagements.sort(key=lambda g: (RANK.get(g.entity.kind, len(RANK)),
                                    g.entity.label.casefold(), g.entity.iri,
                                    g.role.label.casefold(), g.flow.iri if g.flow else ""))
    return engagements
