"""GraphQL types of the registry's other entities: the documents the law asks for (records of
processing, notices, use policies, surveillance reports, council approvals, audits), contract
amendments, joint controllers and their arrangement, purposes, safeguards, observed
properties, claims; and :class:`OtherEntity` for an entity of any class no type covers.

With :mod:`registry.api.types` they make every entity of the registry reachable by ``node``,
``search`` and the fields of the entities that point to it (a test walks every subject of the
seed).
"""

from __future__ import annotations

from typing import Any

import graphene

from graphql import GraphQLResolveInfo
from registry.api.fields import Term as TermType
from registry.api.fields import (
    TermValue,
    back,
    day,
    decimal,
    documented,
    flag,
    model,
    ref,
    refs,
    term,
    terms,
    text,
)
from registry.api.readmodel import Entity as EntityRecord
from registry.api.types import TYPES, Entity, Organisation
from registry.namespaces import CITYREG, DPV, SOSA

C = str(CITYREG._NS)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _document_fields() -> dict[str, Any]:
    """What every oversight document says of itself: the elements it covers, whether and when
    it was published."""
    return {
        "covers": terms(C + "covers", "The elements the document addresses."),
        "published": flag(C + "published", "Made public."),
        "published_on": day(C + "publishedOn", "When it was made public."),
        "documents": back(lambda: Entity, "Entity", C + "hasOversightDocument",
                          "The deployments, systems or processings it documents."),
    }


def _entity_type(name: str, doc: str, fields: dict[str, Any]) -> Any:
    """An object type implementing ``Entity`` with ``fields``."""
    return type(name, (graphene.ObjectType,), {
        "__doc__": doc, "Meta": type("Meta", (), {"interfaces": (Entity,)}), **fields})


RecordOfProcessing: Any = _entity_type(
    "RecordOfProcessing", "A record of processing activities (GDPR Art. 30).", {
        "kept_by": ref(Organisation, C + "keptBy", "The controller or processor keeping it."),
        "covers": terms(C + "covers", "The elements of Art. 30 it records."),
        "published": flag(C + "published", "Made public."),
        "records": back(lambda: Entity, "Entity", C + "hasRecordOfProcessing",
                        "The organisations, contracts and processings it records."),
    })

Notice: Any = _entity_type(
    "Notice", "A privacy notice or sign that informs people (GDPR Arts. 13 and 14).",
    _document_fields())

UsePolicy: Any = _entity_type(
    "UsePolicy", "A surveillance technology's use policy (POST Act, CCOPS ordinances).",
    _document_fields())

AnnualSurveillanceReport: Any = _entity_type(
    "AnnualSurveillanceReport", "An annual report on a surveillance technology's use (CCOPS).",
    _document_fields())

CouncilApproval: Any = _entity_type(
    "CouncilApproval", "A council's approval of a surveillance technology, a new use or a "
    "sharing agreement.", {
        "approves": text(C + "approves", "What was approved, in words."),
        "approval_date": day(C + "approvalDate", "When the council approved."),
        "published": flag(C + "published", "Made public."),
        "documents": back(lambda: Entity, "Entity", C + "hasOversightDocument",
                          "What it approves, as the registry links it."),
    })

Audit: Any = _entity_type(
    "Audit", "An audit of a system, deployment or processing (dpv:Audit).", {
        "auditor": ref(Organisation, C + "auditor", "Who audited."),
        "audit_of": refs(Entity, C + "auditOf", "What was audited."),
        "audit_date": day(C + "auditDate", "When."),
        "published": flag(C + "published", "Made public."),
        "audited_by": back(Entity, "Entity", C + "hasAudit", "The entities that list it."),
    })

Amendment: Any = _entity_type(
    "Amendment", "A modification of a contract during its term (Directive 2014/24 Art. 72).", {
        "amendment_type": term(C + "amendmentType", "What kind of modification."),
        "amendment_date": day(C + "amendmentDate", "When."),
        "modification_value": decimal(C + "modificationValue", "Its value."),
        "amends": back(Entity, "Entity", C + "hasAmendment", "The contract it amends."),
    })

JointDataControllers: Any = _entity_type(
    "JointDataControllers", "Controllers that determine purposes and means together (GDPR "
    "Art. 26; dpv:JointDataControllers).", {
        "controllers": refs(Organisation, str(DPV.hasDataController), "The controllers."),
        "controls": back(Entity, "Entity", str(DPV.hasJointDataControllers),
                         "The processings and arrangements naming them."),
    })

JointDataControllersAgreement: Any = _entity_type(
    "JointDataControllersAgreement", "The arrangement by which joint controllers allocate "
    "their duties (GDPR Art. 26).", {
        "parties": refs(Organisation, C + "hasParty", "Parties."),
        "joint_controllers": ref(JointDataControllers, str(DPV.hasJointDataControllers),
                                 "The joint controllers it is the arrangement of."),
        "start_date": day(C + "startDate", "Start date."),
        "published": flag(C + "published", "Its essence is made available to the people "
                          "concerned."),
    })

Purpose: Any = _entity_type(
    "Purpose", "A purpose of processing the registry describes as an entity (dpv:Purpose), "
    "such as a purpose in a city's own words.", {
        "declared_by": back(Entity, "Entity", str(DPV.hasPurpose),
                            "Entities that declare it."),
        "actual_use_of": back(Entity, "Entity", C + "actualUse",
                              "Entities that are actually used for it."),
    })

Safeguard: Any = _entity_type(
    "Safeguard", "An organisational measure or safeguard (dpv:Safeguard).", {
        "measure_of": back(Entity, "Entity", str(DPV.hasOrganisationalMeasure),
                           "Entities that apply it."),
    })

ObservableProperty: Any = _entity_type(
    "ObservableProperty", "What sensors observe (sosa:ObservableProperty).", {
        "observed_by": back(Entity, "Entity", str(SOSA.observes), "Sensors that observe it."),
    })


def _claim_predicate(claim: EntityRecord, info: GraphQLResolveInfo) -> TermValue | None:
    iris = claim.iris(RDF + "predicate")
    return TermValue(iris[0], model(info).label(iris[0])) if iris else None


Claim: Any = _entity_type(
    "Claim", "A statement a source makes about an entity, kept as the source's claim "
    "(rdf:Statement): not a fact the registry asserts.", {
        "subject": ref(Entity, RDF + "subject", "The entity the claim is about."),
        "predicate": graphene.Field(TermType, resolver=_claim_predicate,
                                    description=documented("The property claimed.",
                                                           RDF + "predicate")),
        "object": text(RDF + "object", "What is claimed, as the source says it."),
        "quote": text(C + "quote", "The source's words."),
    })

OtherEntity: Any = _entity_type(
    "OtherEntity", "An entity of a class no other type covers: its `types` say what it is, "
    "its `facts` and `links` what the registry records.", {})


DOCUMENT_TYPES: dict[str, Any] = {
    "RecordOfProcessing": RecordOfProcessing, "Notice": Notice, "UsePolicy": UsePolicy,
    "AnnualSurveillanceReport": AnnualSurveillanceReport, "CouncilApproval": CouncilApproval,
    "Audit": Audit, "Amendment": Amendment, "JointDataControllers": JointDataControllers,
    "JointDataControllersAgreement": JointDataControllersAgreement, "Purpose": Purpose,
    "Safeguard": Safeguard, "ObservableProperty": ObservableProperty, "Claim": Claim,
    "OtherEntity": OtherEntity,
}

# Entity.resolve_type finds an entity's object type in types.TYPES, by kind.
TYPES.update(DOCUMENT_TYPES)
