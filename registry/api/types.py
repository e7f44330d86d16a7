"""The GraphQL types of registry entities: the ``Entity`` and ``Organisation`` interfaces and
one object type per kind, each field a property of the ontology (see ontology/MODELLING.md).

Every entity has its IRI as ``id``, its ``label``, its typed facts, the three states of a fact
(``notDisclosed``, ``absent``; a known fact is the field itself), its ``sources`` and its legal
``findings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphene

from graphql import GraphQLError, GraphQLResolveInfo
from registry.api.connections import Page, connection, page_args, paginate
from registry.api.engagements import ENGAGEMENT_KINDS, RANK, engagements_of
from registry.api.fields import (
    Term,
    TermValue,
    api,
    back,
    day,
    decimal,
    flag,
    integer,
    model,
    ref,
    refs,
    term,
    terms,
    text,
)
from registry.api.limits import check_deadline
from registry.api.readmodel import Entity as EntityRecord
from registry.namespaces import CITYREG, DCAT, DCT, DPV, PROV, SOSA, SSN, compact, expand

C = str(CITYREG._NS)
DESCRIPTION = str(DCT.description)


class Fact(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One statement about an entity, for generic displays."""

    property = graphene.Field(Term, required=True)
    value = graphene.String(required=True, description="The literal's text or the IRI.")
    value_label = graphene.String(description="The label of the IRI value, if any.")
    is_iri = graphene.Boolean(required=True)


_STANDING_DOCS: dict[str, str] = {
    "binding": "The finding's law binds where the entity is: the finding keeps the severity "
    "of its rule.",
    "benchmark": "Measured against law that does not bind where the entity is, against good "
    "practice (the OECD guidelines, the recommendations of Privacy International's report), or "
    "for an entity whose place is not recorded: reported as info whatever the rule's severity "
    "(`ruleSeverity`), never a violation.",
    "lens": "Judged as if the entity were in a jurisdiction chosen for every entity (a lens, "
    "`cityreg validate --jurisdiction`) where the law binds: the finding keeps the severity of "
    "its rule. A server judges each entity where it is, so it serves no lens findings.",
}


class FindingStanding(graphene.Enum):  # type: ignore[misc]  # graphene is untyped
    """Whether a finding's law binds where its entity is: binding, benchmark or lens.

    The values are lower case, the same words as `cityreg validate --format json` prints
    (write `standing: benchmark`, no quotes). A benchmark is never a violation.
    """

    binding = "binding"
    benchmark = "benchmark"
    lens = "lens"

    @property
    def description(self) -> str:
        """The meaning of one standing."""
        return _STANDING_DOCS[self.value]


class FactSource(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A public document a fact is taken from (a cityreg:Source)."""

    id = graphene.ID(required=True, description="The source's IRI.",
                     resolver=lambda s, _i: s.iri)
    label = graphene.String(required=True)
    url = graphene.String(required=True, description="Where to read it.")


class FindingFact(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A recorded statement a finding rests on (its evidence), with labels and sources.

    The same fields as the `evidence` of `cityreg validate --format json`.
    """

    subject = graphene.ID(required=True, description="The IRI of the entity the fact is "
                          "about: the finding's entity, what it involves, or the offending "
                          "value.")
    subject_label = graphene.String(required=True)
    predicate = graphene.ID(required=True, description="The property's IRI.")
    predicate_label = graphene.String(required=True)
    object = graphene.String(required=True, description="The IRI or the literal's text.")
    object_label = graphene.String(required=True, description="The label of the IRI, else "
                                   "the literal's text.")
    object_is_iri = graphene.Boolean(required=True)
    derived = graphene.Boolean(required=True,
                               description="True for a relation the validator derives for the "
                               "run, never recorded: what an entity uses or feeds, with or "
                               "without what it shares, and the converse (cityreg:involves, "
                               "cityreg:involvesExceptShared, cityreg:involvedIn).")
    sources = graphene.List(graphene.NonNull(FactSource), required=True,
                            description="The sources of the entity the fact is about.")


def _evidence(finding: Any, info: GraphQLResolveInfo) -> list[Any]:
    check_deadline()
    return list(api(info).evidence(finding))


class Finding(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A legal finding of the checks (registry/validate.py) on one entity, judged where the
    entity is: binding where its law binds, else a benchmark (never a violation)."""

    rule_id = graphene.String(required=True)
    severity = graphene.String(required=True,
                               description="violation, warning or info: the rule's severity "
                               "where its law binds (`standing` binding or lens); always info "
                               "for a benchmark.",
                               resolver=lambda f, _i: plain(f.severity))
    rule_severity = graphene.String(required=True,
                                    description="violation, warning or info: the severity the "
                                    "rule has where its law binds, for a benchmark too "
                                    "(cityreg:ruleSeverity).",
                                    resolver=lambda f, _i: plain(f.rule_severity))
    kind = graphene.String(required=True,
                           description="rule (the rule is not met), not-disclosed (cannot be "
                           "verified: a fact the rule needs is not disclosed), not-recorded "
                           "(cannot be verified: a fact the rule needs is not recorded) or "
                           "manual-review (a person must judge). (cityreg:findingKind)",
                           resolver=lambda f, _i: plain(f.kind))
    standing = graphene.Field(FindingStanding, required=True,
                              description="Whether the law binds where the entity is "
                              "(cityreg:standing).",
                              resolver=lambda f, _i: plain(f.standing))
    where = graphene.String(description="Where the entity is, as the finding was judged (such "
                            "as Rio de Janeiro (BR)); `not recorded` when the registry does not "
                            "say; null for rules of no jurisdiction.",
                            resolver=lambda f, _i: f.where or None)
    law = graphene.String(description="The body of law or guidance the rule belongs to (such "
                          "as the GDPR (Regulation (EU) 2016/679)); null for rules of no "
                          "jurisdiction (cityreg:bodyOfLaw).", resolver=lambda f, _i: f.law or None)
    focus_id = graphene.ID(required=True, resolver=lambda f, _i: f.focus)
    focus = graphene.Field(lambda: Entity, resolver=lambda f, i: model(i).get(f.focus))
    focus_label = graphene.String()
    path = graphene.String()
    value = graphene.String()
    message = graphene.String(required=True,
                              description="What the rule says about the entity, naming labels; "
                              "a benchmark's starts \"Measured against\".")
    legal_source = graphene.String(description="IRI of the article of law "
                                   "(cityreg:legalSource).")
    legal_source_label = graphene.String(description="Such as GDPR Art. 28(3)(g) (in the United "
                                         "Kingdom, its UK equivalent).")
    legal_source_url = graphene.String(description="Where to read the article (in the United "
                                       "Kingdom, its UK equivalent: cityreg:ukEquivalent).")
    resolution = graphene.String()
    shape = graphene.String()
    evidence = graphene.List(graphene.NonNull(FindingFact), required=True, resolver=_evidence,
                             description="The recorded facts the finding rests on, each with "
                             "its sources: those of the entity, of what it involves and of "
                             "the offending value. Empty when a rule fires on what is not "
                             "recorded at all (cityreg:evidence).")


def plain(value: Any) -> str:
    """An enum member's value, or the text of anything else."""
    return str(getattr(value, "value", value))


def _facts(entity: EntityRecord, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    labels = model(info)
    found = []
    for prop, values in entity.statements():
        for value in values:
            literal = type(value).__name__ == "Literal"
            found.append({"property": TermValue(prop, labels.label(prop)), "value": value.value,
                          "value_label": None if literal else labels.label(value.value),
                          "is_iri": not literal})
    return found


def _marks(prop: str) -> Any:
    return lambda e, _i: [compact(iri) for iri in e.iris(prop)]


def _findings(entity: EntityRecord, info: GraphQLResolveInfo, standing: Any = None
              ) -> list[Any]:
    found = api(info).findings_for(entity.iri)
    wanted = standing_value(standing)
    return found if wanted is None else [f for f in found if plain(f.standing) == wanted]


def standing_value(standing: Any) -> str | None:
    """The standing a ``standing`` argument stands for (the enum member graphene passes, its
    value, or None: every standing)."""
    value = getattr(standing, "value", standing)
    return None if value is None else str(value)


def standing_argument() -> graphene.Argument:
    """The ``standing`` filter of the findings fields."""
    return graphene.Argument(FindingStanding,
                             description="Only findings of this standing: binding (the law "
                             "binds where the entity is), benchmark (it does not, or good "
                             "practice; never violations) or lens.")


class Link(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One statement linking two entities: the property and the entity at the other end."""

    property = graphene.Field(Term, required=True)
    entity_id = graphene.ID(required=True, description="The IRI of the other entity.",
                            resolver=lambda link, _i: link.entity.iri)
    entity = graphene.Field(lambda: Entity, required=True, description="The other entity.")


@dataclass(frozen=True)
class LinkValue:
    """What a :class:`Link` resolves from."""

    property: TermValue
    entity: EntityRecord


def _links(entity: EntityRecord, info: GraphQLResolveInfo, property: str | None = None
           ) -> list[LinkValue]:
    check_deadline()
    found = model(info)
    wanted = None if property is None else expand(property)
    return [LinkValue(TermValue(prop, found.label(prop)), target)
            for prop, _values in entity.statements() if wanted in (None, prop)
            for target in found.resolve(entity.iris(prop))]


def _linked_from(entity: EntityRecord, info: GraphQLResolveInfo, first: int | None = None,
                 after: str | None = None, property: str | None = None) -> Page:
    found = model(info)
    wanted = None if property is None else expand(property)
    return paginate([LinkValue(TermValue(prop, found.label(prop)), source)
                     for prop, source in found.incoming(entity.iri)
                     if wanted in (None, prop)], first, after)


def _types(entity: EntityRecord, info: GraphQLResolveInfo) -> list[TermValue]:
    return [TermValue(t, model(info).label(t)) for t in entity.types]


class Entity(graphene.Interface):  # type: ignore[misc]  # graphene is untyped
    """Anything the registry describes, identified by its IRI."""

    id = graphene.ID(required=True, description="The entity's IRI.",
                     resolver=lambda e, _i: e.iri)
    label = graphene.String(required=True, resolver=lambda e, _i: e.label)
    description = text(DESCRIPTION, "A free-text account (dct:description).")
    kind = graphene.String(required=True, description="The GraphQL type name.",
                           resolver=lambda e, _i: e.kind)
    types = graphene.List(graphene.NonNull(Term), required=True, resolver=_types)
    city = graphene.Field(
        lambda: City, resolver=lambda e, i: model(i).get(model(i).city_of(e) or ""),
        description="Its city (cityreg:city). A contract that states none takes the city of its "
        "buyer, else of its data controller, else of its parent contract, else of a system it "
        "covers, else of a dataset it covers; an agreement or data flow that states none, the "
        "city of its data's providers, else of the data it shares, else of its parties (the "
        "lists' `city` filters use the same rule).")
    fictional = flag(C + "fictional", "True for the fictional demonstration city.")
    sources = refs(lambda: Source, C + "source", "Public documents this entry is taken from.")
    not_disclosed = graphene.List(
        graphene.NonNull(graphene.String), required=True, resolver=_marks(C + "notDisclosed"),
        description="Facts (properties or clause classes) the publisher has not disclosed "
        "(cityreg:notDisclosed).")
    absent = graphene.List(
        graphene.NonNull(graphene.String), required=True, resolver=_marks(C + "absent"),
        description="Facts the publisher states do not exist (cityreg:absent).")
    facts = graphene.List(graphene.NonNull(Fact), required=True, resolver=_facts,
                          description="Every statement about the entity.")
    links = graphene.List(graphene.NonNull(lambda: Link), required=True, resolver=_links,
                          property=graphene.ID(description="Only links of this property "
                                               "(IRI or prefix:name)."),
                          description="Every entity this one points to, with the property: "
                          "the way to any linked entity, whatever its type.")
    linked_from = graphene.Field(
        connection(lambda: Link, "Link"), required=True, resolver=_linked_from,
        **page_args(property=graphene.ID(description="Only links of this property (IRI or "
                                         "prefix:name).")),
        description="Every entity that points to this one, with the property (`entity` is "
        "the one pointing), by entity then property.")
    findings = graphene.List(graphene.NonNull(Finding), resolver=_findings,
                             standing=standing_argument(),
                             description="Legal findings on this entity at the server's date: "
                             "binding ones first, then benchmarks; most severe first.")

    @classmethod
    def resolve_type(cls, instance: EntityRecord, info: GraphQLResolveInfo) -> Any:
        """The object type of an entity record, by its kind."""
        return TYPES[instance.kind]


def _org_contracts(entity: EntityRecord, info: GraphQLResolveInfo, first: int | None = None,
                   after: str | None = None) -> Page:
    found = model(info)
    seen: dict[str, EntityRecord] = {}
    for prop in (C + "buyer", C + "supplier", str(DPV.hasDataController),
                 str(DPV.hasDataProcessor), C + "hasSubProcessor"):
        for contract in found.pointing_at(entity.iri, prop):
            if contract.kind == "Contract":
                seen[contract.iri] = contract
    return paginate(sorted(seen.values(), key=lambda e: (e.label.casefold(), e.iri)), first,
                    after)


class Engagement(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One engagement of an organisation: its role (the property) in a contract, agreement,
    programme, system, sensor, deployment, processing or dataset."""

    role = graphene.Field(Term, required=True,
                          description="The property that names the organisation: buyer, "
                          "supplier, party, provider, recipient, operator, developer, ...")
    entity_id = graphene.ID(required=True, resolver=lambda g, _i: g.entity.iri)
    entity = graphene.Field(lambda: Entity, required=True,
                            description="The contract, agreement, programme, system, sensor, "
                            "deployment, processing or dataset.")
    flow = graphene.Field(lambda: DataFlow,
                          description="For provider and recipient roles: the data flow of the "
                          "agreement (`entity`) that names the organisation.")


def _org_engagements(entity: EntityRecord, info: GraphQLResolveInfo, first: int | None = None,
                     after: str | None = None, kind: str | None = None) -> Page:
    if kind is not None and kind not in RANK:
        raise GraphQLError(f"kind: {kind!r} is not a kind of engagement; expected one of "
                           f"{', '.join(ENGAGEMENT_KINDS)}")
    found = engagements_of(model(info), entity.iri)
    if kind is not None:
        found = [g for g in found if g.entity.kind == kind]
    return paginate(found, first, after)


class Organisation(Entity):
    """An agency, company or other organisation."""

    class Meta:
        interfaces = (Entity,)

    country_code = text(C + "countryCode", "ISO 3166-1 alpha-2 country.")
    parent_organisation = ref(lambda: Organisation, C + "parentOrganisation", "Parent body.")
    data_protection_officer = text(C + "dataProtectionOfficer", "DPO contact.")
    contact_point = text(C + "contactPoint", "Contact point.")
    dpf_certified = flag(C + "dpfCertified", "Data Privacy Framework certified.")
    partner_of = refs(lambda: Organisation, C + "partnerOf", "Organisations it partners.")
    records_of_processing = refs(lambda: Entity, C + "hasRecordOfProcessing",
                                 "Its records of processing (GDPR Art. 30).")
    contracts = graphene.Field(connection(lambda: Contract, "Contract"), required=True,
                               resolver=_org_contracts, **page_args(),
                               description="Contracts it buys, supplies, controls or processes.")
    agreements = back(lambda: DataSharingAgreement, "DataSharingAgreement", C + "hasParty",
                      "Data-sharing agreements it is party to.")
    operates = back(lambda: Entity, "Entity", C + "operator", "What it operates.")
    publishes = back(lambda: Dataset, "Dataset", str(DCT.publisher), "Datasets it publishes.")
    engagements = graphene.Field(
        connection(Engagement, "Engagement"), required=True, resolver=_org_engagements,
        **page_args(kind=graphene.String(description="Only engagements in entities of this "
                                         "GraphQL type (Contract, DataSharingAgreement, "
                                         "Programme, System, ...).")),
        description="Everything it is engaged in, each with its role: contracts it buys, "
        "supplies, controls, processes or sub-processes; data-sharing agreements it is party "
        "to, or provider or recipient of a data flow of (`flow`); programmes it operates or is "
        "party to; systems, sensors and deployments it develops, operates, maintains, owns or "
        "hosts; processings it operates, controls or is a named recipient of; datasets it "
        "publishes, controls or hosts. By kind of entity (in that order), then label; one "
        "entry per role.")

    @classmethod
    def resolve_type(cls, instance: EntityRecord, info: GraphQLResolveInfo) -> Any:
        """The object type of an organisation record."""
        return TYPES[instance.kind]


class Agency(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A public body."""

    class Meta:
        interfaces = (Entity, Organisation)


class Company(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A company: vendors, platforms, processors."""

    class Meta:
        interfaces = (Entity, Organisation)


class OtherOrganisation(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """Any other organisation (university, NGO, consortium)."""

    class Meta:
        interfaces = (Entity, Organisation)


class Sensor(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A sensor or sensor network (sosa:Sensor)."""

    class Meta:
        interfaces = (Entity,)

    sensor_type = term(C + "sensorType", "Camera, Wi-Fi sensor, ...")
    unit_count = integer(C + "unitCount", "Number of devices.")
    observes = terms(str(SOSA.observes), "What it observes.")
    feeds_datasets = refs(lambda: Dataset, C + "feedsDataset", "Datasets it feeds.")
    deployments = back(lambda: Deployment, "Deployment", str(SSN.deployedSystem), "Deployments.")
    used_by = back(lambda: System, "System", C + "usesSensor", "Systems that use it.")


def _gdpr_fields() -> dict[str, Any]:
    return {
        "purposes": terms(str(DPV.hasPurpose), "Declared purposes."),
        "legal_bases": terms(str(DPV.hasLegalBasis), "Legal bases relied on."),
        "personal_data": terms(str(DPV.hasPersonalData), "Categories of personal data."),
        "impact_assessments": refs(lambda: ImpactAssessment, str(DPV.hasImpactAssessment),
                                   "Impact assessments (DPIA, SIR, ...)."),
        "operator": ref(lambda: Organisation, C + "operator", "Who operates it."),
        "owner": ref(lambda: Organisation, C + "owner", "Who owns it."),
        "controllers": refs(lambda: Organisation, str(DPV.hasDataController),
                            "Data controllers."),
        "start_date": day(C + "startDate", "Start date."),
        "end_date": day(C + "endDate", "End date."),
        "processes_personal_data": flag(C + "processesPersonalData", "Processes personal data."),
        "is_surveillance_technology": flag(C + "isSurveillanceTechnology", "Surveillance tech."),
        "actual_uses": terms(C + "actualUse", "What it is actually used for, where that differs "
                             "from the declared purposes."),
        "recipients": terms(str(DPV.hasRecipient), "Named recipients (organisations or "
                            "categories)."),
        "third_parties": terms(str(DPV.hasThirdParty), "Third parties."),
        "joint_controllers": refs(lambda: Entity, str(DPV.hasJointDataControllers),
                                  "Joint controllers (GDPR Art. 26)."),
        "records_of_processing": refs(lambda: Entity, C + "hasRecordOfProcessing",
                                      "Records of processing (GDPR Art. 30)."),
        "oversight_documents": refs(lambda: Entity, C + "hasOversightDocument",
                                    "Notices, use policies, reports and approvals."),
        "audits": refs(lambda: Entity, C + "hasAudit", "Audits."),
        "wp248_criteria": terms(C + "wp248Criterion", "Criteria of high risk it meets (WP248)."),
        "coverage": term(C + "coverage", "How much of the public space it covers."),
        "scale": term(str(DPV.hasScale), "The scale of the processing."),
        "locations": terms(str(DPV.hasLocation), "Where the processing happens."),
        "organisational_measures": terms(str(DPV.hasOrganisationalMeasure),
                                         "Organisational measures and safeguards."),
        "technical_measures": terms(str(DPV.hasTechnicalOrganisationalMeasure),
                                    "Technical and organisational measures."),
        "risks": terms(str(DPV.hasRisk), "Risks to people's rights and freedoms recorded for "
                       "it."),
        "landing_page": term("http://www.w3.org/ns/dcat#landingPage", "Its public web page."),
        "usage_records": back(lambda: Entity, "Entity", C + "usageOf", "Its yearly usage "
                              "records (cityreg:UsageRecord): use, complaints, breaches, "
                              "effectiveness, for an annual surveillance report."),
    }


Deployment: Any = type("Deployment", (graphene.ObjectType,), {
    "__doc__": "A sensor or system placed somewhere for a purpose (ssn:Deployment).",
    "Meta": type("Meta", (), {"interfaces": (Entity,)}),
    "deployed_system": ref(lambda: Entity, str(SSN.deployedSystem), "The sensor or system."),
    "location_description": text(C + "locationDescription", "Where."),
    "publicly_accessible": flag(C + "publiclyAccessible", "In a publicly accessible place."),
    "signage": flag(C + "signage", "Signs tell people about it."),
    "location_precision": text(C + "locationPrecision", "What its map point stands for (a "
                               "device, a building, a whole park)."),
    "location_source": ref(lambda: Entity, C + "locationSource", "Where its coordinates come "
                           "from."),
    **_gdpr_fields(),
})

System: Any = type("System", (graphene.ObjectType,), {
    "__doc__": "A platform, operations centre, app, digital twin or AI system.",
    "Meta": type("Meta", (), {"interfaces": (Entity,)}),
    "developer": ref(lambda: Organisation, C + "developer", "Who built it."),
    "maintainers": refs(lambda: Organisation, C + "maintainer",
                        "Who maintains or supports it after it is built."),
    "uses_sensors": refs(lambda: Sensor, C + "usesSensor", "Sensors it uses."),
    "uses_datasets": refs(lambda: Dataset, C + "usesDataset", "Datasets it uses."),
    "feeds_datasets": refs(lambda: Dataset, C + "feedsDataset", "Datasets it feeds."),
    "integrates": refs(lambda: Entity, C + "integrates", "What it integrates."),
    "deployments": back(lambda: Deployment, "Deployment", str(SSN.deployedSystem),
                        "Its deployments."),
    **_gdpr_fields(),
})

Processing: Any = type("Processing", (graphene.ObjectType,), {
    "__doc__": "A processing activity (cityreg:Processing).",
    "Meta": type("Meta", (), {"interfaces": (Entity,)}),
    "uses_systems": refs(lambda: System, C + "usesSystem", "Systems used."),
    "uses_datasets": refs(lambda: Dataset, C + "usesDataset", "Datasets used."),
    **_gdpr_fields(),
})


class Dataset(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A dataset (dcat:Dataset)."""

    class Meta:
        interfaces = (Entity,)

    publisher = ref(lambda: Organisation, str(DCT.publisher), "Publisher.")
    controllers = refs(lambda: Organisation, str(DPV.hasDataController), "Data controllers.")
    personal_data = terms(str(DPV.hasPersonalData), "Categories of personal data.")
    data_subjects = terms(str(DPV.hasDataSubject), "Whose data.")
    retention_period_days = integer(C + "retentionPeriodDays", "Retention (days).")
    retained_indefinitely = flag(C + "retainedIndefinitely", "Kept forever.")
    storage_country = text(C + "storageCountry", "Where it is stored.")
    hosted_by = ref(lambda: Organisation, C + "hostedBy", "Who hosts it.")
    derived_from = refs(lambda: Dataset, str(PROV.wasDerivedFrom), "Datasets it was made from.")
    distributions = refs(lambda: Entity, str(DCAT.distribution), "Its distributions (files, "
                         "APIs).")
    themes = terms(str(DCAT.theme), "Themes.")
    derivatives = back(lambda: Dataset, "Dataset", str(PROV.wasDerivedFrom), "Derived data.")
    fed_by = back(lambda: Entity, "Entity", C + "feedsDataset", "Sensors and systems that feed it.")
    covered_by = back(lambda: Contract, "Contract", C + "coversDataset", "Contracts covering it.")
    shared_in = back(lambda: DataFlow, "DataFlow", C + "sharesDataset", "Data flows that share it.")


class Clause(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A clause of a contract or agreement, with its reference into the document."""

    class Meta:
        interfaces = (Entity,)

    document_reference = text(C + "documentReference", "Such as §12.1.")
    quote = text(C + "quote", "The clause's words.")
    audit_scope = terms(C + "auditScope", "What an audit clause lets the controller audit.")
    transfer_mechanisms = terms(C + "transferMechanism", "The transfer mechanism a transfer "
                                "clause relies on (GDPR Chapter V).")
    of = graphene.List(graphene.NonNull(lambda: Entity), required=True,
                       description="The contract or agreement it belongs to.",
                       resolver=lambda e, i: model(i).pointing_at(e.iri,
                                                                  str(DPV.hasContractualClause)))


class Contract(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A vendor contract or sub-processing contract."""

    class Meta:
        interfaces = (Entity,)

    buyer = ref(lambda: Organisation, C + "buyer", "Buyer.")
    supplier = ref(lambda: Organisation, C + "supplier", "Supplier.")
    controllers = refs(lambda: Organisation, str(DPV.hasDataController), "Data controllers.")
    processors = refs(lambda: Organisation, str(DPV.hasDataProcessor), "Data processors.")
    sub_processors = refs(lambda: Organisation, C + "hasSubProcessor", "Sub-processors.")
    parent_contract = ref(lambda: Contract, C + "parentContract", "Parent contract.")
    sub_contracts = back(lambda: Contract, "Contract", C + "parentContract", "Sub-contracts.")
    subject_matter = text(C + "subjectMatter", "Subject matter.")
    nature_of_processing = text(C + "natureOfProcessing", "Nature of the processing.")
    purposes = terms(str(DPV.hasPurpose), "Purposes.")
    personal_data = terms(str(DPV.hasPersonalData), "Categories of personal data.")
    covers_datasets = refs(Dataset, C + "coversDataset", "Datasets covered.")
    covers_systems = refs(lambda: System, C + "coversSystem", "Systems covered.")
    start_date = day(C + "startDate", "Start date.")
    end_date = day(C + "endDate", "End date.")
    signed_date = day(C + "signedDate", "Signed on.")
    in_writing = flag(C + "inWriting", "In writing.")
    value = decimal(C + "value", "Contract value.")
    currency = text(C + "currency", "Currency.")
    automatic_renewal = flag(C + "automaticRenewal", "Renews automatically.")
    maximum_term_months = integer(C + "maximumTermMonths", "Maximum term (months).")
    is_data_processing_service = flag(C + "isDataProcessingService", "Data processing service.")
    sub_processor_authorisation = term(C + "subProcessorAuthorisation", "Authorisation kind.")
    document_disclosure = term(C + "documentDisclosure", "Disclosed, partially, not.")
    source_document = text(C + "sourceDocument", "Where the text is.")
    clauses = refs(Clause, str(DPV.hasContractualClause), "Its clauses.")
    authorised_sub_processors = refs(lambda: Organisation, C + "authorisedSubProcessor",
                                     "Sub-processors the controller has authorised.")
    procurement_category = term(C + "procurementCategory", "Works, supplies or services.")
    amendments = refs(lambda: Entity, C + "hasAmendment", "Modifications during its term.")
    records_of_processing = refs(lambda: Entity, C + "hasRecordOfProcessing",
                                 "Records of processing of the processing it covers.")


class DataFlow(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One direction of one dataset under a data-sharing agreement."""

    class Meta:
        interfaces = (Entity,)

    agreement = graphene.Field(lambda: DataSharingAgreement, resolver=lambda e, i: next(
        iter(model(i).pointing_at(e.iri, C + "hasDataFlow")), None))
    provider = ref(Organisation, C + "provider", "Who gives the data.")
    recipient = ref(Organisation, C + "recipient", "Who gets it.")
    datasets = refs(Dataset, C + "sharesDataset", "What is shared.")
    recipient_role = term(C + "recipientRole", "The recipient's role.")
    purposes = terms(str(DPV.hasPurpose), "Purposes.")
    legal_bases = terms(str(DPV.hasLegalBasis), "Legal bases.")
    onward_sharing_allowed = flag(C + "onwardSharingAllowed", "Onward sharing allowed.")
    granted_by = ref(Clause, C + "grantedBy", "The clause that grants access.")
    start_date = day(C + "startDate", "Start (else the agreement's).")
    end_date = day(C + "endDate", "End (else the agreement's).")
    sale = flag(C + "sale", "The data is sold.")


class DataSharingAgreement(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """An agreement that grants data flows between parties."""

    class Meta:
        interfaces = (Entity,)

    parties = refs(Organisation, C + "hasParty", "Parties.")
    direction = term(C + "direction", "One-way or two-way.")
    flows = refs(DataFlow, C + "hasDataFlow", "Its data flows.")
    purposes = terms(str(DPV.hasPurpose), "Purposes.")
    legal_bases = terms(str(DPV.hasLegalBasis), "Legal bases.")
    start_date = day(C + "startDate", "Start date.")
    end_date = day(C + "endDate", "End date.")
    clauses = refs(Clause, str(DPV.hasContractualClause), "Its clauses.")


class ImpactAssessment(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A DPIA, rights impact assessment, surveillance impact report, ..."""

    class Meta:
        interfaces = (Entity,)

    assessment_date = day(C + "assessmentDate", "When it was made.")
    review_due = day(C + "reviewDue", "When it must be reviewed.")
    last_reviewed = day(C + "lastReviewed", "Last review.")
    published = flag(C + "published", "Public.")
    dpo_consulted = flag(C + "dpoConsulted", "DPO advice sought.")
    residual_risk_high = flag(C + "residualRiskHigh", "High residual risk.")
    prior_consultation_date = day(C + "priorConsultationDate", "Prior consultation.")
    covers = terms(C + "covers", "Elements it addresses.")
    assesses = back(Entity, "Entity", str(DPV.hasImpactAssessment), "What it assesses.")


class Source(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A public document that evidences registry entries."""

    class Meta:
        interfaces = (Entity,)

    url = text(C + "url", "Where to read it.")
    retrieved_on = day(C + "retrievedOn", "When it was read.")
    published_on = day(C + "publishedOn", "When it was published.")
    footnote = integer(C + "footnote", "Footnote number in the citing report.")
    cited_in = ref(lambda: Source, C + "citedIn", "The report citing it.")
    evidences = back(Entity, "Entity", C + "source", "Entries taken from it.")


class Programme(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A smart-city programme or initiative (cityreg:Programme)."""

    class Meta:
        interfaces = (Entity,)

    operator = ref(lambda: Organisation, C + "operator", "Who runs it.")
    parties = refs(lambda: Organisation, C + "hasParty", "Partners.")
    purposes = terms(str(DPV.hasPurpose), "Purposes.")
    part_of = ref(lambda: Programme, C + "partOfProgramme", "The programme it belongs to.")
    parts = back(lambda: Entity, "Entity", C + "partOfProgramme",
                 "Entries that belong to it (systems, editions, ...).")


def _in_city(kind: Any, name: str, *kinds: str) -> graphene.Field:
    """The city's entities of ``kinds``, as a connection (contracts by the rule of
    ``Entity.city``)."""
    def resolve(city: EntityRecord, info: GraphQLResolveInfo, first: int | None = None,
                after: str | None = None) -> Page:
        if kinds == ("Contract",):
            return paginate(model(info).contracts_in(city.iri), first, after)
        found = [e for e in model(info).pointing_at(city.iri, C + "city") if e.kind in kinds]
        return paginate(found, first, after)
    return graphene.Field(connection(kind, name), required=True, resolver=resolve,
                          description=f"Its {name} entries.", **page_args())


class City(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A city whose smart-city machinery the registry describes."""

    class Meta:
        interfaces = (Entity,)

    country_code = text(C + "countryCode", "Country.")
    sensors = _in_city(Sensor, "Sensor", "Sensor")
    datasets = _in_city(Dataset, "Dataset", "Dataset")
    systems = _in_city(System, "System", "System")
    contracts = _in_city(Contract, "Contract", "Contract")
    organisations = _in_city(Organisation, "Organisation", "Agency", "Company",
                             "OtherOrganisation")


TYPES: dict[str, Any] = {
    "Agency": Agency, "Company": Company, "OtherOrganisation": OtherOrganisation,
    "Sensor": Sensor, "Deployment": Deployment, "System": System, "Dataset": Dataset,
    "Contract": Contract, "DataSharingAgreement": DataSharingAgreement, "DataFlow": DataFlow,
    "Clause": Clause, "ImpactAssessment": ImpactAssessment, "Processing": Processing,
    "Programme": Programme, "Source": Source, "City": City,
}
