"""Closed namespaces for the vocabularies cityreg speaks.

``CITYREG`` lists every term of ontology/cityreg.ttl, one attribute per term with its label as a
comment, and fails on any other name: a typo in code (``CITYREG.hasAudits``) is an error where
it is written, not an empty query result. tests/test_namespaces.py keeps the list equal to the
ontology. The other vocabularies are open rdflib namespaces, reused by IRI.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

# Standard vocabularies the registry reuses (their own IRIs, never copies).
DPV = Namespace("https://w3id.org/dpv#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
SSN = Namespace("http://www.w3.org/ns/ssn/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

#: Where the registry mints entity IRIs unless a deployment configures its own base.
DEFAULT_ENTITY_BASE = "https://w3id.org/cityreg/id/"

#: Named graphs the registry itself maintains.
PROVENANCE_GRAPH = URIRef("urn:cityreg:graph:provenance")
ONTOLOGY_GRAPH = URIRef("urn:cityreg:graph:ontology")
VALIDATION_CONTEXT_GRAPH = URIRef("urn:cityreg:graph:validation-context")
#: Written by the fast SHACL engine during a run (see registry.shacl.classclosure).
CLASS_CLOSURE_GRAPH = URIRef("urn:cityreg:graph:class-closure")
#: The relations a validation run derives (cityreg:involves ...), only during the run (see
#: registry.derived).
DERIVED_GRAPH = URIRef("urn:cityreg:graph:derived")
#: One record per version of the registry: what each load, import or harvest changed (see
#: registry.store.versioning).
HISTORY_GRAPH = URIRef("urn:cityreg:graph:history")
#: The node that carries a validation run's reference date and thresholds (always this IRI,
#: so a fixture that states the same context adds no second one).
VALIDATION_CONTEXT_NODE = URIRef("urn:cityreg:validation-context")


class CITYREG(DefinedNamespace):
    """The cityreg ontology (https://w3id.org/cityreg#)."""

    _NS = Namespace("https://w3id.org/cityreg#")
    _fail = True

    AISystem: URIRef  # AI system
    AccessElement: URIRef  # data access
    AccessGrantClause: URIRef  # access-grant clause
    AcousticSensor: URIRef  # acoustic sensor
    Agency: URIRef  # Public agency
    AirQualitySensor: URIRef  # air-quality sensor
    AlternativesElement: URIRef  # alternatives
    Amendment: URIRef  # Amendment
    AmendmentType: URIRef  # Amendment type
    AnnualSurveillanceReport: URIRef  # Annual surveillance report
    App: URIRef  # App
    AuditAndOversight: URIRef  # audit and oversight
    AuditClause: URIRef  # audit clause
    AuditScope: URIRef  # Audit scope
    AuthorisedUses: URIRef  # authorised uses
    AutomatedDecisionWithEffect: URIRef  # automated decision with legal or similar effect
    BehaviouralData: URIRef  # behavioural data
    BenchmarkFinding: URIRef  # benchmark
    BindingFinding: URIRef  # binding
    BlocksRightOrServiceCriterion: URIRef  # prevents exercising a right or using a service
    BluetoothSensor: URIRef  # Bluetooth sensor
    BodyOfLaw: URIRef  # body of law
    BreachesElement: URIRef  # breaches
    CameraSensor: URIRef  # camera
    CapabilitiesElement: URIRef  # capabilities
    ChemicalSensor: URIRef  # chemical sensor
    CitizenComplaintHandling: URIRef  # handling residents' reports
    CitizenReportApp: URIRef  # Citizen-report app
    City: URIRef  # City
    CityAuditRightsClause: URIRef  # city audit-rights clause
    CityWideCoverage: URIRef  # the whole city
    CivilRightsImpact: URIRef  # civil-rights impact
    Claim: URIRef  # Claim
    Clause: URIRef  # Clause
    Company: URIRef  # Company
    ComplaintRight: URIRef  # right to complain
    ComplaintsElement: URIRef  # complaints
    ComplianceAssistanceClause: URIRef  # compliance-assistance clause
    ContactData: URIRef  # contact data
    ControllerContacts: URIRef  # controller's contact details
    ControllerRightsClause: URIRef  # controller's obligations and rights clause
    CostBenefitAnalysis: URIRef  # Cost-benefit analysis
    CouncilApproval: URIRef  # Council approval
    Coverage: URIRef  # coverage
    CrowdAnalytics: URIRef  # crowd and footfall analytics
    DPOContact: URIRef  # DPO contact
    DataCategories: URIRef  # categories of personal data
    DataCollectionElement: URIRef  # data collection
    DataExportClause: URIRef  # data-export clause
    DataFlow: URIRef  # Data flow
    DataMonetisation: URIRef  # selling data
    DataRightsClause: URIRef  # data-rights clause
    DataSharingAgreement: URIRef  # Data-sharing agreement
    DataSubjectCategories: URIRef  # categories of data subjects
    DataSubjectRightsClause: URIRef  # data-subject-rights assistance clause
    DeletionOrReturnClause: URIRef  # deletion-or-return clause
    DescriptionOfProcessing: URIRef  # systematic description of the processing
    DeviceIdentifier: URIRef  # device identifier
    DigitalTwin: URIRef  # Digital twin
    Direction: URIRef  # Direction
    Disclosed: URIRef  # disclosed
    DisclosureStatus: URIRef  # Disclosure status
    DisparateImpact: URIRef  # disparate impact
    DocumentElement: URIRef  # Document element
    DocumentedInstructionsClause: URIRef  # documented-instructions clause
    EffectivenessElement: URIRef  # effectiveness
    ElderlyCare: URIRef  # elderly care
    EmergencyResponse: URIRef  # emergency response
    EmployeeEvaluation: URIRef  # evaluating public employees
    EscrowClause: URIRef  # source-escrow or open-licence clause
    EvaluationOrScoring: URIRef  # evaluation or scoring
    ExitPlanClause: URIRef  # exit-plan clause
    Extension: URIRef  # extension
    FaceRecognitionCamera: URIRef  # face-recognition camera
    FindingKind: URIRef  # Finding kind
    FiscalCost: URIRef  # fiscal cost
    GPSTracker: URIRef  # GPS tracker
    GenderAnalysis: URIRef  # Gender analysis
    GeneralAuthorisation: URIRef  # general written authorisation
    GraphChange: URIRef  # Graph change
    HealthAndSafety: URIRef  # health and safety
    HomeSensor: URIRef  # in-home sensor
    ImageOfPerson: URIRef  # image of a person
    InnovativeTechnologyCriterion: URIRef  # innovative technology
    InspectionAllowed: URIRef  # audits and inspections allowed
    InteroperabilityClause: URIRef  # interoperability clause
    JointArrangementEssence: URIRef  # essence of the joint arrangement
    LEDAdequacyDecision: URIRef  # adequacy decision under the Law Enforcement Directive
    LEDBindingInstrument: URIRef  # appropriate safeguards in a legally binding instrument (LED)
    LEDDerogation: URIRef  # derogation for a specific situation (LED)
    LEDSafeguardsAssessment: URIRef  # appropriate safeguards assessed by the controller (LED)
    LargeScaleCriterion: URIRef  # large scale
    LawEnforcement: URIRef  # law enforcement
    LegalBasisElement: URIRef  # legal basis
    LensFinding: URIRef  # under the chosen lens
    LicencePlateReader: URIRef  # licence-plate reader
    LocationData: URIRef  # location data
    LocationElement: URIRef  # location
    ManifestlyMadePublic: URIRef  # data manifestly made public by the data subject
    ManualReviewFinding: URIRef  # manual review
    MatchingDatasetsCriterion: URIRef  # matching or combining datasets
    MitigationMeasures: URIRef  # measures to address the risks
    MobilePhoneSensor: URIRef  # mobile-phone tracker
    Modification: URIRef  # modification
    MultiAreaCoverage: URIRef  # several areas of the city
    NecessityAndProportionality: URIRef  # necessity and proportionality
    NotDisclosed: URIRef  # not disclosed
    NotDisclosedFinding: URIRef  # cannot be verified: not disclosed
    NotRecordedFinding: URIRef  # cannot be verified: not recorded
    Notice: URIRef  # Notice to data subjects
    OneWay: URIRef  # one-way
    OnwardSharingClause: URIRef  # onward-sharing clause
    OperationsCentre: URIRef  # Operations centre
    OtherOrganisation: URIRef  # Other organisation
    OtherSensorType: URIRef  # other sensor
    ParkingSensor: URIRef  # parking sensor
    PartiallyDisclosed: URIRef  # partially disclosed
    PersonalDataCategory: URIRef  # Personal data category
    Platform: URIRef  # Platform
    Processing: URIRef  # Processing activity
    ProcessingCategories: URIRef  # categories of processing
    ProcessorOwnPurposesClause: URIRef  # processor's own-use clause
    ProcurementCategory: URIRef  # Procurement category
    ProductImprovement: URIRef  # vendor's product improvement
    Programme: URIRef  # Programme
    PublicAccessElement: URIRef  # public access
    PurposesElement: URIRef  # purposes
    RecipientsElement: URIRef  # recipients
    RecordOfProcessing: URIRef  # Record of processing
    RegistryVersion: URIRef  # Registry version
    Renewal: URIRef  # renewal
    ReportContent: URIRef  # report content
    RetentionElement: URIRef  # retention
    RightsElement: URIRef  # data subjects' rights
    RisksToRights: URIRef  # risks to rights and freedoms
    RuleViolation: URIRef  # rule not met
    SafeguardsElement: URIRef  # safeguards
    SecurityElement: URIRef  # security measures
    SecurityMeasuresClause: URIRef  # security-measures clause
    SensitiveDataCriterion: URIRef  # sensitive or highly personal data
    SensorType: URIRef  # Sensor type
    Services: URIRef  # services
    SiteCoverage: URIRef  # one site
    Source: URIRef  # Source
    SpecificAuthorisation: URIRef  # prior specific authorisation
    Standing: URIRef  # standing
    SubProcessingClause: URIRef  # sub-processing clause
    SubProcessingContract: URIRef  # Sub-processing contract
    SubProcessingProhibited: URIRef  # sub-processing prohibited
    SubProcessorAuthorisation: URIRef  # Sub-processor authorisation
    Supplies: URIRef  # supplies
    SurveillanceImpactReport: URIRef  # Surveillance impact report
    SwitchingChargeClause: URIRef  # switching-charge clause
    SwitchingClause: URIRef  # switching clause
    System: URIRef  # System
    SystematicMonitoringCriterion: URIRef  # systematic monitoring
    ThirdPartyDependence: URIRef  # third-party dependence
    ThirdPartySharingElement: URIRef  # third-party sharing
    TrafficManagement: URIRef  # traffic management
    TrafficSensor: URIRef  # traffic sensor
    TrainingElement: URIRef  # training
    TransferClause: URIRef  # international-transfer clause
    TransfersElement: URIRef  # transfers to third countries
    TravelHistory: URIRef  # travel history
    TwoWay: URIRef  # two-way exchange
    UrbanPlanning: URIRef  # urban planning
    UsageRecord: URIRef  # Usage record
    UsageStatistics: URIRef  # usage
    UsePolicy: URIRef  # Surveillance use policy
    ValidationContext: URIRef  # Validation context
    VehiclePlate: URIRef  # vehicle registration
    VendorContract: URIRef  # Vendor contract
    VendorReportsOnly: URIRef  # vendor-supplied reports only
    VulnerableSubjectsCriterion: URIRef  # vulnerable data subjects
    WP248Criterion: URIRef  # WP248 criterion
    WiFiSensor: URIRef  # Wi-Fi sensor
    WorkPerformanceData: URIRef  # work performance data
    Works: URIRef  # works
    absent: URIRef  # known to be absent
    accessProcedure: URIRef  # access and correction procedure
    accountableOfficer: URIRef  # accountable officer
    accuracyProcedure: URIRef  # accuracy procedure
    actualUse: URIRef  # actual use
    addedStatements: URIRef  # added statements
    address: URIRef  # address
    aiActException: URIRef  # AI Act Art. 5(1)(h) exception
    alternativesConsidered: URIRef  # alternatives considered
    amendmentDate: URIRef  # amendment date
    amendmentType: URIRef  # amendment type
    approvalDate: URIRef  # approval date
    approves: URIRef  # approves
    assessmentDate: URIRef  # assessment date
    auditDate: URIRef  # audit date
    auditOf: URIRef  # audit of
    auditScope: URIRef  # audit scope
    auditor: URIRef  # auditor
    authorisedSubProcessor: URIRef  # authorised sub-processor
    authorisedUse: URIRef  # authorised use
    automaticRenewal: URIRef  # automatic renewal
    bindsEverywhere: URIRef  # binds everywhere
    bindsInCity: URIRef  # binds in city
    bindsInCountry: URIRef  # binds in country
    blankNodesReplaced: URIRef  # blank nodes replaced
    bodyOfLaw: URIRef  # body of law
    brandNamedWithoutEquivalent: URIRef  # brand named without 'or equivalent'
    breachNoticeHours: URIRef  # breach-notice deadline (hours)
    breachSummary: URIRef  # breaches summary
    buyer: URIRef  # buyer
    capability: URIRef  # capability
    changedGraph: URIRef  # changed graph
    chargeAtCost: URIRef  # charge at cost
    chargedOn: URIRef  # charged on
    citedIn: URIRef  # cited in
    city: URIRef  # city
    civilRightsImpact: URIRef  # civil-rights impact
    command: URIRef  # command
    competentAuthority: URIRef  # competent authority (law enforcement)
    complaintProcedure: URIRef  # complaint procedure
    complaintsSummary: URIRef  # complaints summary
    concentrationThreshold: URIRef  # concentration threshold
    contactPoint: URIRef  # contact point
    countryCode: URIRef  # country code
    coverage: URIRef  # geographical coverage
    covers: URIRef  # covers
    coversDataset: URIRef  # covers dataset
    coversSystem: URIRef  # covers system
    criticalCustomSoftware: URIRef  # critical custom software
    currency: URIRef  # currency
    customBuilt: URIRef  # custom-built
    dataProtectionOfficer: URIRef  # data protection officer
    derived: URIRef  # derived
    developer: URIRef  # developer
    direction: URIRef  # direction
    disparateImpact: URIRef  # disparate impact
    documentDisclosure: URIRef  # document disclosure
    documentReference: URIRef  # document reference
    dpfCertified: URIRef  # Data Privacy Framework certified
    dpoConsulted: URIRef  # DPO advice sought
    dueDiligence: URIRef  # processor due diligence
    effectivenessSummary: URIRef  # effectiveness summary
    endDate: URIRef  # end date
    erasureAfterRetrieval: URIRef  # erasure after retrieval
    evidence: URIRef  # evidence
    exceptionalJustification: URIRef  # exceptional justification
    exitSupport: URIRef  # exit support
    expectedBenefit: URIRef  # expected benefit
    exportFormat: URIRef  # export format
    exportableDataListed: URIRef  # exportable data listed
    feedsDataset: URIRef  # feeds dataset
    fictional: URIRef  # fictional
    findingKind: URIRef  # finding kind
    fiscalCost: URIRef  # fiscal cost
    flowDown: URIRef  # obligations flowed down
    footnote: URIRef  # footnote
    frameworkAgreement: URIRef  # framework agreement
    goodPractice: URIRef  # good practice
    grantedBy: URIRef  # granted by
    graphCreated: URIRef  # graph created
    hasAmendment: URIRef  # has amendment
    hasAudit: URIRef  # has audit
    hasDataFlow: URIRef  # has data flow
    hasGraphChange: URIRef  # has graph change
    hasOversightDocument: URIRef  # has oversight document
    hasParty: URIRef  # party
    hasRecordOfProcessing: URIRef  # has record of processing
    hasSecurityAnnex: URIRef  # has security annex
    hasSubProcessor: URIRef  # has sub-processor
    healthAndSafetyImpact: URIRef  # health and safety impact
    highRiskAnnexIII: URIRef  # high-risk (AI Act Annex III)
    hostedBy: URIRef  # hosted by
    hostingTermMonths: URIRef  # hosting term (months)
    humanReview: URIRef  # human review
    inWriting: URIRef  # in writing
    infeasibilityNotice: URIRef  # infeasibility notice
    integrates: URIRef  # integrates
    involvedIn: URIRef  # involved in
    involves: URIRef  # involves
    involvesExceptShared: URIRef  # involves, not through shared datasets
    isDataProcessingService: URIRef  # data processing service
    isSurveillanceTechnology: URIRef  # surveillance technology
    keptBy: URIRef  # kept by
    largeScale: URIRef  # large scale
    lastReviewed: URIRef  # last reviewed
    law: URIRef  # law
    lawReference: URIRef  # law reference
    legalSource: URIRef  # legal source
    locationDescription: URIRef  # location
    locationPrecision: URIRef  # location precision
    locationSource: URIRef  # location source
    locode: URIRef  # UN/LOCODE
    maintainer: URIRef  # maintainer
    maximumTermMonths: URIRef  # maximum term (months)
    modificationValue: URIRef  # modification value
    natureOfProcessing: URIRef  # nature of processing
    noDpiaReason: URIRef  # reason for no DPIA
    notDisclosed: URIRef  # not disclosed
    objectionPeriodDays: URIRef  # objection period (days)
    onwardSharingAllowed: URIRef  # onward sharing allowed
    openApi: URIRef  # open-standard API
    openFormat: URIRef  # open format
    operator: URIRef  # operator
    optOutAvailable: URIRef  # opt-out available
    owner: URIRef  # owner
    parentContract: URIRef  # parent contract
    parentOrganisation: URIRef  # parent organisation
    partOfProgramme: URIRef  # part of programme
    partnerOf: URIRef  # partner of
    placeDescription: URIRef  # place
    previousProcess: URIRef  # previous process
    priorAuthorisationDate: URIRef  # prior authorisation date
    priorConsultationDate: URIRef  # prior consultation date
    privacyNotice: URIRef  # privacy notice
    processesPersonalData: URIRef  # processes personal data
    processingChangedOn: URIRef  # processing changed on
    procurementCategory: URIRef  # procurement category
    procurementMethod: URIRef  # procurement method
    proportionalityAssessment: URIRef  # necessity and proportionality assessment
    provider: URIRef  # provider
    publicAccess: URIRef  # public access
    publiclyAccessible: URIRef  # publicly accessible place
    published: URIRef  # published
    publishedOn: URIRef  # published on
    purposeRecordedOn: URIRef  # purpose recorded on
    quote: URIRef  # quote
    realTimeRemoteBiometricIdentification: URIRef  # real-time remote biometric identification
    recipient: URIRef  # recipient
    recipientRole: URIRef  # recipient's role
    referenceDate: URIRef  # reference date
    removedStatements: URIRef  # removed statements
    renewalTermMonths: URIRef  # renewal term (months)
    reportingYear: URIRef  # reporting year
    residualRiskHigh: URIRef  # high residual risk
    resolution: URIRef  # resolution
    responsibleTeam: URIRef  # responsible team
    retainedIndefinitely: URIRef  # retained indefinitely
    retentionCriteria: URIRef  # retention criteria
    retentionJustification: URIRef  # retention justification
    retentionPeriodDays: URIRef  # retention period (days)
    retrievalPeriodDays: URIRef  # data retrieval period (days)
    retrievedOn: URIRef  # retrieved on
    reviewDue: URIRef  # review due
    ruleId: URIRef  # rule id
    ruleSeverity: URIRef  # rule severity
    sale: URIRef  # sale
    securityMeasures: URIRef  # security measures
    sensorType: URIRef  # sensor type
    sha256: URIRef  # SHA-256 checksum
    sharesDataset: URIRef  # shares dataset
    signage: URIRef  # signage
    signedDate: URIRef  # signed on
    source: URIRef  # source
    sourceDocument: URIRef  # source document
    standing: URIRef  # standing
    startDate: URIRef  # start date
    statementCount: URIRef  # statement count
    statementsAdded: URIRef  # statements added
    statementsNotRecorded: URIRef  # statements not recorded
    statementsRemoved: URIRef  # statements removed
    status: URIRef  # status
    storageCountry: URIRef  # storage country
    strictNecessityJustification: URIRef  # strict necessity justification
    subProcessorAuthorisation: URIRef  # sub-processor authorisation
    subjectMatter: URIRef  # subject matter
    supplier: URIRef  # supplier
    switchingCharge: URIRef  # switching charge
    switchingNoticeMonths: URIRef  # switching notice (months)
    trainingRequirement: URIRef  # training requirement
    transferCountry: URIRef  # transfer country
    transferMechanism: URIRef  # transfer mechanism
    transitionalPeriodDays: URIRef  # transitional period (days)
    ukEquivalent: URIRef  # UK equivalent
    ukEquivalentLabel: URIRef  # UK equivalent's name
    unitCount: URIRef  # unit count
    url: URIRef  # URL
    usageOf: URIRef  # usage of
    usageSummary: URIRef  # usage summary
    usedForDecisions: URIRef  # used for decisions
    usesDataset: URIRef  # uses dataset
    usesSensor: URIRef  # uses sensor
    usesSystem: URIRef  # uses system
    value: URIRef  # value
    versionNumber: URIRef  # version number
    wp248Criterion: URIRef  # WP248 criterion


#: Prefixes used when the registry writes Turtle or SPARQL for people to read.
PREFIXES: dict[str, str] = {
    "cityreg": str(CITYREG._NS),
    "dpv": str(DPV),
    "eu-gdpr": str(EU_GDPR),
    "dcat": str(DCAT),
    "dct": str(DCT),
    "sosa": str(SOSA),
    "ssn": str(SSN),
    "org": str(ORG),
    "prov": str(PROV),
    "odrl": str(ODRL),
    "geo": str(GEO),
    "skos": str(SKOS),
    "sh": str(SH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def sparql_prefixes() -> str:
    """The PREFIX lines for :data:`PREFIXES`, to put in front of a SPARQL query."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """``https://w3id.org/dpv#hasPurpose`` -> ``dpv:hasPurpose`` (the IRI when no prefix fits)."""
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace):]}"
    return iri


def expand(name: str) -> str:
    """``dpv:hasPurpose`` -> ``https://w3id.org/dpv#hasPurpose`` (anything else unchanged)."""
    prefix, colon, local = name.partition(":")
    namespace = PREFIXES.get(prefix) if colon else None
    return namespace + local if namespace is not None and not local.startswith("//") else name
