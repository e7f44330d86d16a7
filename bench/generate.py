"""Write a deterministic synthetic registry of N organisations, in the project's ontology.

Usage::

    python bench/generate.py --n 1000 --out /tmp/registry-1000.ttl [--seed 7]

The registry follows ontology/MODELLING.md, so every shape in shapes/ has something to check:
N organisations (a third agencies, the rest companies) across about N/50 cities, per
organisation 10 sensors (one surveillance sensor with its own deployment and oversight, nine
plain sensors in two network deployments), 5 datasets, one vendor contract with clauses (every
eighth with a sub-processing chain up to three deep, every fifth amended) and one two-way
data-sharing agreement with its flows; every tenth organisation also starts an onward-sharing
chain of up to six hops that follows one dataset. DPIAs, records of processing, oversight
documents and audits hang off the surveillance deployments. About 5-20 % of each kind of fact is
left out, marked not disclosed or made wrong, so that findings appear at realistic rates; at
N=100 every rule of shapes/ fires (tests/bench checks it).

So that the benchmark measures the graded access trace (registry/flows/rules.py, issue #16),
some links are disclosed only in part, drawn from a stream of their own: one contract in five
records buyer and supplier but no legal roles (half of those mark them cityreg:notDisclosed),
some contracts, data flows and processings (three organisations in ten have one) record
recipients only by category (dpv:ThirdParty, dpv:LawEnforcementOrganisation) or mark them not
disclosed, some sensors, deployments and data platforms (every eighth organisation) name a
developer, maintainer or host, one agreement in ten covers a dataset no data flow shares, and
some contracts, flows and agreements lack a start date. A fact is never both stated and marked.

Output is Turtle written line by line (no rdflib graph in memory): about 351 statements per
organisation, so N=1000 is 351k statements and N=10000 3.51M (issue #8 asks for roughly 300k
and 3M), written in seconds. The same ``--n`` and ``--seed`` always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

BASE = "https://w3id.org/cityreg/id/"
PREFIXES = """\
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv:     <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix dcat:    <http://www.w3.org/ns/dcat#> .
@prefix dct:     <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sosa:    <http://www.w3.org/ns/sosa/> .
@prefix ssn:     <http://www.w3.org/ns/ssn/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

"""

SENSOR_TYPES = ("CameraSensor", "FaceRecognitionCamera", "LicencePlateReader", "WiFiSensor",
                "TrafficSensor", "ParkingSensor", "AirQualitySensor", "AcousticSensor")
SURVEILLANCE = {"CameraSensor", "FaceRecognitionCamera", "LicencePlateReader", "WiFiSensor"}
PURPOSES = ("TrafficManagement", "LawEnforcement", "UrbanPlanning", "EmergencyResponse",
            "CrowdAnalytics", "DataMonetisation")
PERSONAL = ("ImageOfPerson", "VehiclePlate", "LocationData", "DeviceIdentifier", "BehaviouralData")
ART28_CLAUSES = ("ControllerRightsClause", "DocumentedInstructionsClause",
                 "SecurityMeasuresClause", "SubProcessingClause", "DataSubjectRightsClause",
                 "ComplianceAssistanceClause", "DeletionOrReturnClause", "AuditClause")
LOCKIN_CLAUSES = ("DataExportClause", "ExitPlanClause", "DataRightsClause",
                  "CityAuditRightsClause", "EscrowClause", "SwitchingClause",
                  "SwitchingChargeClause", "InteroperabilityClause")
DPIA_ELEMENTS = ("DescriptionOfProcessing", "NecessityAndProportionality", "RisksToRights",
                 "MitigationMeasures")
ROP_ELEMENTS = ("ControllerContacts", "DPOContact", "PurposesElement", "DataSubjectCategories",
                "DataCategories", "RecipientsElement", "TransfersElement", "RetentionElement",
                "SecurityElement")
COUNTRIES = ("NL", "DE", "FR", "US", "BR", "ID", "SG", "GB", "CN")


class Writer:
    """Turtle subjects streamed to a file, counting the statements written."""

    def __init__(self, out: object) -> None:
        self.out = out
        self.statements = 0

    def subject(self, iri: str, *facts: tuple[str, str | list[str]]) -> None:
        """One subject block; a fact's object list is written as repeated objects, and a
        statement given twice is written once (so ``statements`` counts distinct ones)."""
        grouped: dict[str, dict[str, None]] = {}
        for predicate, obj in facts:
            objects = obj if isinstance(obj, list) else [obj]
            grouped.setdefault(predicate, {}).update(dict.fromkeys(objects))
        parts = []
        for predicate, unique in grouped.items():
            if unique:
                self.statements += len(unique)
                parts.append(f"{predicate} {', '.join(unique)}")
        self.out.write(f"<{iri}> " + " ;\n    ".join(parts) + " .\n")  # type: ignore[attr-defined]


def lit(text: str) -> str:
    """An English label or description literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def day(year: int, month: int, dom: int = 1) -> str:
    return f'"{year:04d}-{month:02d}-{dom:02d}"^^xsd:date'


class Generator:
    """Deterministic registry of ``n`` organisations; ``defect`` is the base defect rate."""

    def __init__(self, n: int, seed: int, defect: float = 0.1) -> None:
        self.n = n
        self.rng = random.Random(seed)
        # The partly disclosed links (roles, recipients, builders, dates) draw from their own
        # stream, so that adding them left every other fact of a seed as it was.
        self.partly = random.Random(f"partly-disclosed-{seed}")
        self.p = defect
        self.cities = max(1, n // 50)
        self.agencies = [i for i in range(n) if i % 3 == 0] or [0]
        self.companies = [i for i in range(n) if i % 3 != 0] or [0]

    # identifiers ---------------------------------------------------------------------------
    def city_of(self, i: int) -> int:
        return i % self.cities

    def org(self, i: int) -> str:
        if i % 3 == 0:
            return f"c{self.city_of(i)}/agency/a{i}"
        return f"global/company/v{i}"

    def city(self, k: int) -> str:
        return f"c{k}/city/c{k}"

    def source(self, k: int) -> str:
        return f"c{k}/source/register"

    def datasets(self, i: int) -> list[str]:
        """The five datasets published by organisation ``i``."""
        stem = self.org(i).replace("/agency/", "/dataset/").replace("/company/", "/dataset/")
        return [f"{stem}-dataset/d{j}" for j in range(5)]

    def bad(self, scale: float = 1.0) -> bool:
        return self.rng.random() < self.p * scale

    def pick(self, seq: list[int]) -> int:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, rate: float) -> bool:
        """True with probability ``rate``, drawn from the partly-disclosed stream."""
        return self.partly.random() < rate

    def some_company(self) -> str:
        """A company as developer, maintainer, host or named recipient (the dominant vendor
        one time in three, as in :meth:`vendor_for`)."""
        if self.partly.random() < 1 / 3:
            return f"<{self.org(self.companies[0])}>"
        return f"<{self.org(self.companies[self.partly.randrange(len(self.companies))])}>"

    def category_recipient(self, entity_rate: float, marked_rate: float
                           ) -> list[tuple[str, str | list[str]]]:
        """Recipients known only by category: ``dpv:hasRecipient dpv:ThirdParty`` or
        ``dpv:LawEnforcementOrganisation`` (rate ``entity_rate``), or recipients marked not
        disclosed and named nowhere (rate ``marked_rate``)."""
        roll = self.partly.random()
        if roll < entity_rate:
            category = "dpv:ThirdParty" if self.partly.random() < 0.6 else \
                "dpv:LawEnforcementOrganisation"
            return [("dpv:hasRecipient", category)]
        if roll < entity_rate + marked_rate:
            return [("cityreg:notDisclosed", "dpv:hasRecipient")]
        return []

    def agency_in(self, k: int) -> int:
        """An agency of city ``k`` (the city council is the first)."""
        return k * 3 if k * 3 < self.n else 0

    # entities ------------------------------------------------------------------------------
    def write(self, w: Writer) -> None:
        for k in range(self.cities):
            self.write_city(w, k)
        for i in range(self.n):
            self.write_organisation(w, i)
        for i in range(0, self.n, 10):
            self.write_chain(w, i)

    def common(self, label: str, k: int, full: bool = True
               ) -> list[tuple[str, str | list[str]]]:
        """Label and source (each missing now and then); description and city when ``full``."""
        facts: list[tuple[str, str | list[str]]] = []
        if not self.bad(0.3):
            facts.append(("rdfs:label", lit(label)))
        if full:
            facts.append(("dct:description", lit(f"Synthetic entry: {label}.")))
            facts.append(("cityreg:city", f"<{self.city(k)}>"))
        if not self.bad(0.3):
            facts.append(("cityreg:source", f"<{self.source(k)}>"))
        return facts

    def write_city(self, w: Writer, k: int) -> None:
        w.subject(self.city(k), ("a", "cityreg:City"), ("rdfs:label", lit(f"City {k}")),
                  ("cityreg:countryCode", f'"{COUNTRIES[k % len(COUNTRIES)]}"'),
                  ("cityreg:fictional", "true"), ("cityreg:source", f"<{self.source(k)}>"))
        facts: list[tuple[str, str | list[str]]] = [
            ("a", "cityreg:Source"), ("rdfs:label", lit(f"Open register of city {k}"))]
        if k % 7 != 1:
            facts.append(("cityreg:url",
                          f'"https://example.org/city{k}/register"^^xsd:anyURI'))
        facts.append(("cityreg:retrievedOn", day(2025, 1 + k % 12, 1 + k % 28)))
        w.subject(self.source(k), *facts)

    def write_organisation(self, w: Writer, i: int) -> None:
        k = self.city_of(i)
        iri = self.org(i)
        agency = i % 3 == 0
        facts = [("a", "cityreg:Agency" if agency else "cityreg:Company"),
                 *self.common(f"{'Agency' if agency else 'Company'} {i}", k),
                 ("cityreg:countryCode", f'"{COUNTRIES[(i // 3) % len(COUNTRIES)]}"')]
        if not agency and i % 13 == 7:  # where this company resides is not recorded
            facts = [fact for fact in facts if fact[0] != "cityreg:city"]
        if agency and not self.bad(1.5):
            facts.append(("cityreg:dataProtectionOfficer", lit(f"DPO of agency {i}")))
        if not agency and self.bad(2):
            facts.append(("cityreg:dpfCertified", "true"))
        w.subject(iri, *facts)
        datasets = self.datasets(i)
        for j, dataset in enumerate(datasets):
            self.write_dataset(w, i, j, dataset)
        sensors = [self.write_sensor(w, i, j, datasets[j % 5]) for j in range(10)]
        self.write_surveillance_deployment(w, i, sensors[0])
        for network, members in enumerate((sensors[1:5], sensors[5:])):
            self.write_network_deployment(w, i, network, members)
        self.write_contract(w, i, datasets)
        self.write_agreement(w, i, datasets)
        if self.chance(0.3):
            self.write_processing(w, i, datasets)
        if i % 8 == 3:
            self.write_platform(w, i, datasets)

    def write_processing(self, w: Writer, i: int, datasets: list[str]) -> None:
        """A processing of one of the organisation's datasets that passes it on: mostly to
        recipients known only by category (third parties, law enforcement) or not disclosed at
        all, sometimes to a named company."""
        k = self.city_of(i)
        iri = f"c{k}/processing/p{i}"
        dataset = datasets[2] if self.chance(0.6) else datasets[0]
        roll = self.partly.random()
        if roll < 0.45:
            recipients = [("dpv:hasRecipient", "dpv:ThirdParty")]
        elif roll < 0.70:
            recipients = [("dpv:hasRecipient", "dpv:LawEnforcementOrganisation")]
        elif roll < 0.85:
            recipients = [("cityreg:notDisclosed", "dpv:hasRecipient")]
        else:
            recipients = [("dpv:hasRecipient", self.some_company())]
        purpose = "DataMonetisation" if recipients[0][1] == "dpv:ThirdParty" else \
            "LawEnforcement" if recipients[0][1].endswith("LawEnforcementOrganisation") else \
            PURPOSES[i % len(PURPOSES)]
        facts: list[tuple[str, str | list[str]]] = [
            ("a", "cityreg:Processing"), ("rdfs:label", lit(f"Processing {i} of {dataset}")),
            ("dct:description", lit(f"Synthetic entry: reuse of {dataset}.")),
            ("cityreg:city", f"<{self.city(k)}>"), ("cityreg:source", f"<{self.source(k)}>"),
            ("cityreg:operator", f"<{self.org(i)}>"), ("cityreg:usesDataset", f"<{dataset}>"),
            ("dpv:hasPurpose", f"cityreg:{purpose}"), ("cityreg:processesPersonalData", "true"),
            *recipients]
        if self.chance(0.5):
            facts.append(("cityreg:notDisclosed", "dpv:hasLegalBasis"))
        elif i % 3 == 0:  # legitimate interests relied on by a public body (GDPR-6-1-F-PA)
            facts.append(("dpv:hasLegalBasis", "eu-gdpr:A6-1-f"))
        else:
            facts.append(("dpv:hasLegalBasis", "eu-gdpr:A6-1-e-public-interest"))
        w.subject(iri, *facts)

    def write_platform(self, w: Writer, i: int, datasets: list[str]) -> None:
        """A data platform that uses the organisation's dataset d2, built, maintained or
        hosted by companies whose access to the data no contract records."""
        k = self.city_of(i)
        facts: list[tuple[str, str | list[str]]] = [
            ("a", "cityreg:Platform"), ("rdfs:label", lit(f"Data platform of organisation {i}")),
            ("dct:description", lit(f"Synthetic entry: data platform {i}.")),
            ("cityreg:city", f"<{self.city(k)}>"), ("cityreg:source", f"<{self.source(k)}>"),
            ("cityreg:operator", f"<{self.org(i)}>"), ("cityreg:usesDataset", f"<{datasets[2]}>"),
            ("cityreg:developer", self.some_company()),
            ("dpv:hasPurpose", f"cityreg:{PURPOSES[(i + 2) % len(PURPOSES)]}")]
        if self.chance(0.5):
            facts.append(("cityreg:maintainer", self.some_company()))
        if self.chance(0.3):
            facts.append(("cityreg:hostedBy", self.some_company()))
        w.subject(f"c{k}/system/platform{i}", *facts)

    def write_dataset(self, w: Writer, i: int, j: int, iri: str) -> None:
        k = self.city_of(i)
        facts = [("a", "dcat:Dataset"), *self.common(f"Dataset {j} of organisation {i}", k),
                 ("dct:publisher", f"<{self.org(i)}>")]
        personal = j < 3
        if personal:
            facts.append(("dpv:hasPersonalData", f"cityreg:{PERSONAL[(i + j) % len(PERSONAL)]}"))
            facts.append(("dpv:hasDataSubject", "dpv:Citizen"))
            if self.bad(1.5):
                facts.append(("cityreg:notDisclosed", "cityreg:retentionPeriodDays"))
            elif self.bad(1.0):
                facts.append(("cityreg:retainedIndefinitely", "true"))
            elif not self.bad(1.0):
                facts.append(("cityreg:retentionPeriodDays", str(self.rng.choice((30, 90, 365)))))
        if j == 4:
            facts.append(("prov:wasDerivedFrom", f"<{iri[:-1]}0>"))
        w.subject(iri, *facts)

    def sensor_kind(self, i: int, j: int) -> str:
        """Sensor 0 of an organisation is a surveillance sensor (each of the four kinds in
        turn); the other nine form two networks of one plain kind each."""
        if j == 0:
            return SENSOR_TYPES[i % 4]
        return SENSOR_TYPES[4 + (i + (0 if j < 5 else 2)) % 4]

    def write_sensor(self, w: Writer, i: int, j: int, dataset: str) -> str:
        """Sensor ``j`` of organisation ``i``, feeding ``dataset``; return its IRI."""
        k = self.city_of(i)
        stem = self.org(i).replace("/agency/", "/sensor/").replace("/company/", "/sensor/")
        sensor = f"{stem}-s{j}"
        w.subject(sensor, ("a", "sosa:Sensor"), *self.common(f"Sensor {j} of {i}", k, False),
                  ("cityreg:sensorType", f"cityreg:{self.sensor_kind(i, j)}"),
                  ("cityreg:feedsDataset", f"<{dataset}>"),
                  ("cityreg:developer",
                   self.some_company() if self.chance(0.5 if j == 0 else 0.12) else []))
        return sensor

    def write_network_deployment(self, w: Writer, i: int, network: int,
                                 sensors: list[str]) -> None:
        """A network of plain sensors (air quality, traffic, ...) deployed as one unit."""
        k = self.city_of(i)
        deployment = sensors[0].replace("/sensor/", "/deployment/") + f"-network{network}"
        w.subject(deployment, ("a", "ssn:Deployment"),
                  *self.common(f"Sensor network {network} of {i}", k),
                  ("ssn:deployedSystem", [f"<{sensor}>" for sensor in sensors]),
                  ("cityreg:operator", f"<{self.org(i)}>"),
                  ("cityreg:owner", f"<{self.org(self.agency_in(k))}>"),
                  ("cityreg:startDate", day(2018 + (i + network) % 7, 1 + network, 1)),
                  ("cityreg:publiclyAccessible", "true" if network == 0 else "false"),
                  ("cityreg:processesPersonalData", "false"),
                  ("dpv:hasPurpose", f"cityreg:{PURPOSES[(i + 2 * network + 2) % len(PURPOSES)]}"),
                  ("cityreg:maintainer", self.some_company() if self.chance(0.2) else []))

    def write_surveillance_deployment(self, w: Writer, i: int, sensor: str) -> None:
        """The deployment of an organisation's surveillance sensor, with its oversight."""
        k = self.city_of(i)
        kind = self.sensor_kind(i, 0)
        deployment = sensor.replace("/sensor/", "/deployment/")
        facts = [("a", "ssn:Deployment"), *self.common(f"Deployment of sensor 0 of {i}", k),
                 ("ssn:deployedSystem", f"<{sensor}>"),
                 ("cityreg:operator", f"<{self.org(i)}>"),
                 ("cityreg:owner", f"<{self.org(self.agency_in(k))}>"),
                 ("cityreg:startDate", day(2018 + i % 7, 1, 1)),
                 ("cityreg:publiclyAccessible", "true" if (i // 4) % 2 == 0 else "false"),
                 ("cityreg:processesPersonalData", "true"),
                 ("dpv:hasPurpose", f"cityreg:{PURPOSES[i % len(PURPOSES)]}")]
        facts += self.rare_deployment_facts(w, deployment, i, kind)
        facts.append(("cityreg:isSurveillanceTechnology", "true"))
        if self.chance(0.3):
            facts.append(("cityreg:maintainer", self.some_company()))
        if not self.bad(1.5):
            facts.append(("dpv:hasLegalBasis", "eu-gdpr:A6-1-e-public-interest"))
            facts.append(("cityreg:lawReference", f'"City {k} ordinance, art. {1 + i % 9}"'))
        elif self.bad(4):
            facts.append(("cityreg:notDisclosed", "dpv:hasLegalBasis"))

        if kind == "FaceRecognitionCamera":
            facts.append(("cityreg:wp248Criterion", ["cityreg:SystematicMonitoringCriterion",
                                                     "cityreg:InnovativeTechnologyCriterion"]))
            facts.append(("cityreg:largeScale", "true"))
        facts.append(("cityreg:signage", "false" if self.bad(1.5) else "true"))
        if self.bad(2):
            facts.append(("cityreg:notDisclosed", "cityreg:optOutAvailable"))
        else:
            facts.append(("cityreg:optOutAvailable", "false" if self.bad(3) else "true"))
        facts += self.oversight(w, deployment, i, k)
        w.subject(deployment, *facts)

    def rare_deployment_facts(self, w: Writer, deployment: str, i: int, kind: str
                              ) -> list[tuple[str, str | list[str]]]:
        """Facts only some deployments have: AI Act, joint control, decisions, late purposes."""
        facts: list[tuple[str, str | list[str]]] = []
        if kind == "FaceRecognitionCamera" and i % 5 == 1:
            facts += [("cityreg:realTimeRemoteBiometricIdentification", "true"),
                      ("dpv:hasPurpose", "cityreg:LawEnforcement")]
        if i % 9 == 0:
            facts.append(("cityreg:highRiskAnnexIII", "true"))
        if i % 20 == 5:
            group = deployment.replace("/deployment/", "/org/") + "-joint"
            members = [f"<{self.org(i)}>"]
            if i % 40 != 5:  # a group of one is an integrity defect
                members.append(f"<{self.org(self.agency_in(self.city_of(i)))}>")
            w.subject(group, ("a", "dpv:JointDataControllers"),
                      ("rdfs:label", lit(f"Joint controllers of {deployment}")),
                      ("dpv:hasDataController", members))
            facts.append(("dpv:hasJointDataControllers", f"<{group}>"))
        if i % 7 == 2:
            facts.append(("cityreg:usedForDecisions", "true"))
        if i % 6 == 4:
            facts.append(("cityreg:purposeRecordedOn", day(2026, 1)))
        return facts

    def oversight(self, w: Writer, deployment: str, i: int, k: int
                  ) -> list[tuple[str, str | list[str]]]:
        """DPIA, record of processing, use policy, approval and audit of a surveillance use."""
        facts: list[tuple[str, str | list[str]]] = []
        if self.bad(1.5):
            facts.append(("cityreg:notDisclosed", "dpv:hasImpactAssessment"))
        elif not self.bad(1.0):
            dpia = deployment.replace("/deployment/", "/assessment/") + "-dpia"
            covers = [f"cityreg:{e}" for e in DPIA_ELEMENTS if not self.bad(0.5)]
            year = 2017 + i % 8
            reviewed = year + (0 if self.bad(2) else 3)
            w.subject(dpia, ("a", "dpv:DPIA"), *self.common(f"DPIA of {deployment}", k, False),
                      ("cityreg:assessmentDate", day(year, 3)),
                      ("cityreg:lastReviewed", day(reviewed, 3)),
                      ("cityreg:reviewDue", day(reviewed + 2, 3)),
                      ("cityreg:covers", covers),
                      ("cityreg:dpoConsulted", "false" if self.bad(1) else "true"),
                      ("cityreg:residualRiskHigh", "true" if self.bad(1) else "false"),
                      ("cityreg:published", "false" if self.bad(2) else "true"))
            facts.append(("dpv:hasImpactAssessment", f"<{dpia}>"))
        if not self.bad(1.5):
            record = deployment.replace("/deployment/", "/document/") + "-record"
            w.subject(record, ("a", "cityreg:RecordOfProcessing"),
                      *self.common(f"Record of processing of {deployment}", k, False),
                      ("cityreg:keptBy", f"<{self.org(i)}>"),
                      ("cityreg:covers", [f"cityreg:{e}" for e in ROP_ELEMENTS
                                          if not self.bad(0.3)]))
            facts.append(("cityreg:hasRecordOfProcessing", f"<{record}>"))
        documents = []
        for cls, slug in (("UsePolicy", "policy"), ("CouncilApproval", "approval"),
                          ("AnnualSurveillanceReport", "annual"), ("Notice", "notice")):
            if self.bad(2):
                continue
            doc = deployment.replace("/deployment/", "/document/") + f"-{slug}"
            extra: list[tuple[str, str | list[str]]] = []
            if cls == "CouncilApproval":
                extra.append(("cityreg:approvalDate", day(2018 + i % 7, 1 + i % 12)))
            if cls == "AnnualSurveillanceReport":
                extra.append(("cityreg:publishedOn", day(2025 - (i % 3), 6)))
            w.subject(doc, ("a", f"cityreg:{cls}"),
                      *self.common(f"{cls} of {deployment}", k, False), *extra)
            documents.append(f"<{doc}>")
        facts.append(("cityreg:hasOversightDocument", documents))
        if not self.bad(2):
            audit = deployment.replace("/deployment/", "/audit/") + "-audit"
            w.subject(audit, ("a", "dpv:Audit"), *self.common(f"Audit of {deployment}", k, False),
                      ("cityreg:auditor", f"<{self.org(self.agency_in(k))}>"),
                      ("cityreg:auditDate", day(2020 + i % 6, 5)),
                      ("cityreg:published", "false" if self.bad(2) else "true"))
            facts.append(("cityreg:hasAudit", f"<{audit}>"))
        return facts

    def vendor_for(self, i: int) -> int:
        """Contract supplier: the dominant vendor in 3 of 5 cases, else any company."""
        if i % 5 < 3:
            return self.companies[0]
        return self.pick(self.companies)

    def clauses(self, w: Writer, contract: str, names: tuple[str, ...], k: int
                ) -> tuple[list[str], list[str]]:
        """Write the clauses a contract lists; return (clause IRIs, absent/undisclosed facts)."""
        iris: list[str] = []
        marks: list[str] = []
        stem = contract.replace("/contract/", "/clause/")
        for name in names:
            roll = self.rng.random()
            if roll < self.p * 0.6:
                continue  # missing: neither stated nor marked
            if roll < self.p * 0.9:
                marks.append(f"cityreg:{name}")
                continue
            clause = f"{stem}-{name[:-6].lower()}"
            extra: list[tuple[str, str | list[str]]] = []
            if name == "SecurityMeasuresClause":
                extra.append(("cityreg:hasSecurityAnnex", "true"))
            elif name == "SubProcessingClause":
                extra.append(("cityreg:flowDown", "false" if self.bad() else "true"))
            elif name == "ComplianceAssistanceClause":
                extra.append(("cityreg:breachNoticeHours", str(self.rng.choice((24, 48, 96)))))
            elif name == "AuditClause":
                extra.append(("cityreg:auditScope", "cityreg:VendorReportsOnly" if self.bad(2)
                              else "cityreg:InspectionAllowed"))
            elif name == "DataExportClause":
                extra += [("cityreg:exportFormat", '"CSV"'),
                          ("cityreg:openFormat", "false" if self.bad(2) else "true"),
                          ("cityreg:openApi", "true")]
            elif name == "SwitchingClause":
                extra += [("cityreg:switchingNoticeMonths", str(self.rng.choice((1, 2, 6)))),
                          ("cityreg:transitionalPeriodDays", str(self.rng.choice((15, 30, 60)))),
                          ("cityreg:retrievalPeriodDays", str(self.rng.choice((20, 30, 90)))),
                          ("cityreg:exitSupport", "true"),
                          ("cityreg:exportableDataListed", "false" if self.bad() else "true"),
                          ("cityreg:erasureAfterRetrieval", "true")]
            elif name == "SwitchingChargeClause":
                extra += [("cityreg:switchingCharge", "false" if self.bad(3) else "true"),
                          ("cityreg:chargedOn", day(2025, 1 + k % 12)),
                          ("cityreg:chargeAtCost", "false" if self.bad(2) else "true")]
            w.subject(clause, ("a", f"cityreg:{name}"),
                      ("rdfs:label", lit(f"{name} of {contract}")),
                      ("cityreg:documentReference",
                       f'"§{len(iris) + 1}"' if not self.bad(0.1) else []), *extra)
            iris.append(f"<{clause}>")
            if self.bad(0.05):
                marks.append(f"cityreg:{name}")
        return iris, marks

    def write_contract(self, w: Writer, i: int, datasets: list[str], depth: int = 0,
                       parent: str | None = None, buyer: int | None = None) -> None:
        """A vendor contract (or, below ``parent``, a sub-processing contract) and its chain."""
        k = self.city_of(i)
        buyer = self.agency_in(k) if buyer is None else buyer
        vendor = self.vendor_for(i)
        contract = (f"c{k}/contract/k{i}" if parent is None else f"{parent}-sub{depth}")
        kind = "VendorContract" if parent is None else "SubProcessingContract"
        start = 2016 + (i + depth) % 9
        term = self.rng.choice((24, 36, 48, 60, 120, 180))
        facts: list[tuple[str, str | list[str]]] = [
                 ("a", f"cityreg:{kind}"), *self.common(f"{kind} {contract}", k),
                 ("cityreg:buyer", f"<{self.org(buyer)}>"),
                 ("cityreg:supplier", f"<{self.org(vendor)}>"),
                 ("dpv:hasDataController", f"<{self.org(buyer)}>"),
                 ("dpv:hasDataProcessor", [] if self.bad(0.3) else f"<{self.org(vendor)}>"),
                 ("cityreg:subjectMatter", f'"Services under {contract}"'),
                 ("cityreg:natureOfProcessing", '"collection, storage, analysis"'),
                 ("dpv:hasPurpose", f"cityreg:{PURPOSES[i % len(PURPOSES)]}"),
                 ("dpv:hasPersonalData", f"cityreg:{PERSONAL[i % len(PERSONAL)]}"),
                 ("dpv:hasDataSubject", "dpv:Citizen"),
                 ("cityreg:coversDataset", f"<{datasets[0]}>"),
                 ("cityreg:startDate", day(start, 1 + i % 12)),
                 ("cityreg:endDate", day(start + term // 12, 1 + i % 12)
                  if not self.bad(0.2) else day(start - 1, 1)),
                 ("cityreg:signedDate", day(start - 1, 11)),
                 ("cityreg:inWriting", "false" if self.bad(0.3) else "true"),
                 ("cityreg:isDataProcessingService", "true"),
                 ("cityreg:documentDisclosure", "cityreg:PartiallyDisclosed" if self.bad()
                  else "cityreg:Disclosed"),
                 ("cityreg:sourceDocument",
                  f'"https://example.org/contracts/{contract}.pdf"^^xsd:anyURI')]
        if parent is None:
            facts += [("cityreg:value", str(self.rng.choice((90000, 480000, 2500000, 14000000)))),
                      ("cityreg:currency", '"EUR"'),
                      ("cityreg:procurementCategory", "cityreg:Services"),
                      ("cityreg:maximumTermMonths", str(term)),
                      ("cityreg:frameworkAgreement", "true" if self.bad(0.5) else "false")]
            if self.bad(0.5):
                facts.append(("cityreg:notDisclosed", "cityreg:automaticRenewal"))
            else:
                facts.append(("cityreg:automaticRenewal", "true" if self.bad(1) else "false"))
            if self.bad(0.5):
                facts.append(("cityreg:brandNamedWithoutEquivalent", "true"))
            if i % 4 == 1:
                facts.append(("cityreg:criticalCustomSoftware", "true"))
            if self.bad(0.5):
                facts.append(("cityreg:hostedBy", f"<{self.org(vendor)}>"))
                facts.append(("cityreg:hostingTermMonths", str(term * 2)))
        else:
            facts.append(("cityreg:parentContract", f"<{parent}>"))
        facts = self.partly_disclosed_contract(facts)
        sub = None
        if depth < 3 and ((parent is None and i % 8 == 0) or (parent is not None and i % 16 == 0)):
            sub = vendor
            auth = "cityreg:GeneralAuthorisation" if i % 3 else "cityreg:SpecificAuthorisation"
            next_vendor = f"<{self.org(self.companies[(i + 1) % len(self.companies)])}>"
            facts += [("cityreg:subProcessorAuthorisation", auth),
                      ("cityreg:objectionPeriodDays", "30"),
                      ("cityreg:hasSubProcessor", next_vendor)]
            if not self.bad(2):
                facts.append(("cityreg:authorisedSubProcessor", next_vendor))
        names = ART28_CLAUSES + (LOCKIN_CLAUSES if parent is None else ())
        if parent is None and i % 40 == 1:  # critical custom software, and no escrow at all
            names = tuple(name for name in names if name != "EscrowClause")
        iris, marks = self.clauses(w, contract, names, k)
        facts.append(("dpv:hasContractualClause", iris))
        facts.append(("cityreg:notDisclosed" if self.rng.random() < 0.5 else "cityreg:absent",
                      marks))
        if parent is None and i % 5 == 0:
            amendment = contract.replace("/contract/", "/amendment/") + "-a1"
            w.subject(amendment, ("a", "cityreg:Amendment"),
                      ("rdfs:label", lit(f"Amendment 1 of {contract}")),
                      ("cityreg:amendmentType", "cityreg:Extension"),
                      ("cityreg:amendmentDate", day(start + 1, 6)),
                      ("cityreg:modificationValue",
                       str(self.rng.choice((5000, 200000, 9000000)))))
            facts.append(("cityreg:hasAmendment", f"<{amendment}>"))
        w.subject(contract, *facts)
        if sub is not None:
            self.write_contract(w, i, datasets, depth + 1, contract, buyer=sub)

    def partly_disclosed_contract(self, facts: list[tuple[str, str | list[str]]]
                                  ) -> list[tuple[str, str | list[str]]]:
        """One contract in five records its buyer and supplier but no legal roles (half of
        those mark the roles not disclosed); some name recipients only by category; some
        lack a start date (half of those mark it not disclosed)."""
        roll = self.partly.random()
        if roll < 0.2:
            facts = [fact for fact in facts
                     if fact[0] not in ("dpv:hasDataController", "dpv:hasDataProcessor")]
            if roll < 0.1:
                facts.append(("cityreg:notDisclosed",
                              ["dpv:hasDataController", "dpv:hasDataProcessor"]))
        facts += self.category_recipient(0.08, 0.04)
        roll = self.partly.random()
        if roll < 0.08:
            facts = [fact for fact in facts if fact[0] != "cityreg:startDate"]
            if roll < 0.04:
                facts.append(("cityreg:notDisclosed", "cityreg:startDate"))
        return facts

    def flow(self, w: Writer, agreement: str, n: int, provider: str, recipient: str,
             dataset: str, start: int, onward: bool, k: int) -> str:
        flow = agreement.replace("/agreement/", "/flow/") + f"-f{n}"
        facts = [("a", "cityreg:DataFlow"), *self.common(f"Flow {n} of {agreement}", k, False),
                 ("cityreg:provider", f"<{provider}>"), ("cityreg:recipient", f"<{recipient}>"),
                 ("cityreg:sharesDataset", f"<{dataset}>"),
                 ("cityreg:recipientRole", "dpv:DataController"),
                 ("dpv:hasPurpose", f"cityreg:{PURPOSES[(start + n) % len(PURPOSES)]}"),
                 ("cityreg:startDate", day(start, 2)),
                 ("cityreg:onwardSharingAllowed", "true" if onward else "false")]
        if not self.bad():
            facts.append(("dpv:hasLegalBasis", "eu-gdpr:A6-1-e-public-interest"))
        if self.bad(0.5):
            facts.append(("cityreg:actualUse", f"cityreg:{PURPOSES[-1]}"))
        if self.chance(0.1):  # the agreement's start date applies
            facts = [fact for fact in facts if fact[0] != "cityreg:startDate"]
        facts += self.category_recipient(0.08, 0.03)
        w.subject(flow, *facts)
        return f"<{flow}>"

    def agreement(self, w: Writer, iri: str, parties: list[str], flows: list[str],
                  start: int, k: int, covers: list[str] | None = None) -> None:
        """An agreement; ``covers`` are datasets it covers without a data flow of them."""
        w.subject(iri, ("a", "cityreg:DataSharingAgreement"),
                  *self.common(f"Agreement {iri}", k),
                  ("cityreg:hasParty", [f"<{p}>" for p in parties]),
                  ("cityreg:direction", "cityreg:TwoWay" if len(flows) > 1 else "cityreg:OneWay"),
                  ("cityreg:startDate", [] if self.chance(0.05) else day(start, 1)),
                  ("cityreg:documentDisclosure", "cityreg:NotDisclosed" if self.bad()
                   else "cityreg:Disclosed"),
                  ("cityreg:hasDataFlow", flows),
                  ("cityreg:coversDataset", [f"<{d}>" for d in covers or ()]))

    def write_agreement(self, w: Writer, i: int, datasets: list[str]) -> None:
        """A two-way data-sharing agreement with a partner (in the same city when possible)."""
        k = self.city_of(i)
        partner = (i + self.cities * self.rng.randrange(1, 4)) % self.n
        iri = f"c{k}/agreement/g{i}"
        start = 2017 + i % 8
        partner_dataset = self.datasets(partner)[1]
        flows = [self.flow(w, iri, 0, self.org(i), self.org(partner), datasets[1], start,
                           self.bad(2), k),
                 self.flow(w, iri, 1, self.org(partner), self.org(i), partner_dataset, start,
                           False, k)]
        # one agreement in ten also covers dataset d2, of which no data flow says who gives
        # it to whom
        covers = [datasets[2]] if self.chance(0.1) else []
        self.agreement(w, iri, [self.org(i), self.org(partner)], flows, start, k, covers)

    def write_chain(self, w: Writer, i: int) -> None:
        """An onward-sharing chain of up to six hops that follows dataset d2 of ``i``."""
        k = self.city_of(i)
        dataset = self.datasets(i)[2]
        holder = i
        for hop in range(1 + i % 6):
            nxt = (holder * 7 + 13 + hop) % self.n
            iri = f"c{k}/agreement/chain{i}-{hop}"
            start = 2018 + hop
            onward = not self.bad(0.5)
            flow = self.flow(w, iri, 0, self.org(holder), self.org(nxt), dataset, start,
                             onward, k)
            listed = [] if hop == 0 and i % 30 == 10 else [flow]  # an ungranted flow
            self.agreement(w, iri, [self.org(holder), self.org(nxt)], listed, start, k)
            holder = nxt


def generate(n: int, out: Path, seed: int = 7, city: str = "") -> int:
    """Write the registry of ``n`` organisations to ``out``; return the statements written.
    ``city``: a name that sets the registry's IRIs apart (``<BASE><city>/...``), so that the
    files of several cities make one national registry."""
    if n < 1:
        raise ValueError(f"--n {n}: expected a positive number of organisations")
    if city and not city.replace("-", "").isalnum():
        raise ValueError(f"--city {city!r}: expected letters, digits and hyphens")
    with out.open("w", encoding="utf-8") as handle:
        handle.write(f"@base <{BASE}{city + '/' if city else ''}> .\n" + PREFIXES)
        writer = Writer(handle)
        Generator(n, seed).write(writer)
    return writer.statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of organisations")
    parser.add_argument("--out", type=Path, required=True, help="Turtle file to write")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--city", default="", metavar="NAME",
                        help="set the IRIs apart under <base>NAME/ (files of several cities "
                        "make one national registry)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n {args.n}: expected a positive number of organisations, e.g. --n 100")
    if args.city and not args.city.replace("-", "").isalnum():
        parser.error(f"--city {args.city!r}: expected letters, digits and hyphens, e.g. north")
    statements = generate(args.n, args.out, args.seed, args.city)
    print(f"wrote {statements} statements for N={args.n} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
