"""The tricky semantics of shapes/gdpr.ttl, shapes/ai-act.ttl and shapes/oecd.ttl.

The fixture runner (tests/test_fixtures.py) proves that every rule fires and passes once, at
2026-06-01. These tests pin down what sits between: thresholds (the WP248 count, 72 hours of
footage), severities that switch with the reference date (AIA-27, Brazil's adequacy decision),
dates compared with each other (a DPIA made after the processing started, or before it
changed), the not-disclosed companions that replace a violation, and the scope gates (personal
data, law enforcement). Each case is a small registry validated with the fast engine; a few
are also checked against the pySHACL oracle.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from registry.namespaces import CITYREG
from registry.store import Registry
from registry.validate import validate_registry

ROOT = Path(__file__).resolve().parents[1]
MINE = [ROOT / "shapes" / name for name in ("gdpr.ttl", "ai-act.ttl", "oecd.ttl")]
SHAPES = [ROOT / "shapes" / "prefixes.ttl", *MINE]
AS_OF = date(2026, 6, 1)

PREFIXES = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv:     <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix dcat:    <http://www.w3.org/ns/dcat#> .
@prefix sosa:    <http://www.w3.org/ns/sosa/> .
@prefix ssn:     <http://www.w3.org/ns/ssn/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:      <https://w3id.org/cityreg/id/test/> .
"""
# The city, its agency (with a published DPO) and a vendor; no validation context: the
# reference date is the one each test passes to validate_registry.
BASE = """
ex:src a cityreg:Source ; rdfs:label "Test source" ;
    cityreg:url "https://example.org/t"^^xsd:anyURI .
ex:city a cityreg:City ; rdfs:label "Test city" ; cityreg:countryCode "NL" ; cityreg:source ex:src .
ex:agency a cityreg:Agency ; rdfs:label "Test agency" ; cityreg:city ex:city ;
    cityreg:countryCode "NL" ;
    cityreg:dataProtectionOfficer "dpo@test.example" ; cityreg:contactPoint "info@test.example" ;
    cityreg:source ex:src .
ex:vendor a cityreg:Company ; rdfs:label "Test vendor" ; cityreg:countryCode "NL" ;
    cityreg:address "Damrak 1, Amsterdam" ; cityreg:source ex:src .
"""

Found = set[tuple[str, str, str, str]]


def findings(tmp_path: Path, body: str, as_of: date = AS_OF, engine: str = "fast") -> Found:
    """(rule id, severity, kind, focus slug) of every finding of our shapes on ``body``."""
    path = tmp_path / "case.ttl"
    path.write_text(PREFIXES + BASE + body, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(path)
        report = validate_registry(registry, as_of=as_of, shapes=SHAPES,
                                   engine=engine)  # type: ignore[arg-type]
    return {(f.rule_id, str(f.severity), str(f.kind), f.focus.rsplit("/", 1)[-1])
            for f in report.findings}


def rules(found: Found, focus: str | None = None) -> set[tuple[str, str, str]]:
    """The (rule, severity, kind) triples, for one focus slug or for all."""
    return {(r, s, k) for r, s, k, f in found if focus is None or f == focus}


# Street cameras in a public place, on a large scale, with what GDPR Arts. 6, 13 and 30 ask.
CAMERAS = """
ex:cams a sosa:Sensor ; rdfs:label "Cameras" ; cityreg:source ex:src ;
    cityreg:sensorType cityreg:CameraSensor ; cityreg:feedsDataset ex:footage .
ex:footage a dcat:Dataset ; rdfs:label "Footage" ; cityreg:source ex:src ;
    dpv:hasPersonalData cityreg:ImageOfPerson ; cityreg:retentionPeriodDays 3 ;
    cityreg:securityMeasures "encrypted" ; cityreg:accountableOfficer "privacy office" .
ex:dep a ssn:Deployment ; rdfs:label "Camera deployment" ; cityreg:source ex:src ;
    ssn:deployedSystem ex:cams ; cityreg:publiclyAccessible true ; cityreg:largeScale true ;
    cityreg:wp248Criterion cityreg:SystematicMonitoringCriterion ;
    cityreg:processesPersonalData true ; cityreg:signage true ; cityreg:operator ex:agency ;
    dpv:hasDataController ex:agency ; dpv:hasPurpose cityreg:CrowdAnalytics ;
    dpv:hasLegalBasis eu-gdpr:A6-1-e ; cityreg:lawReference "Municipalities Act" ;
    cityreg:hasRecordOfProcessing ex:ropa ;
    cityreg:privacyNotice "https://example.org/p"^^xsd:anyURI ;
    cityreg:startDate "%(start)s"^^xsd:date %(more)s .
ex:ropa a cityreg:RecordOfProcessing ; rdfs:label "Record" ; cityreg:source ex:src ;
    cityreg:keptBy ex:agency ;
    cityreg:covers cityreg:ControllerContacts, cityreg:DPOContact, cityreg:PurposesElement,
        cityreg:DataSubjectCategories, cityreg:DataCategories, cityreg:RecipientsElement,
        cityreg:TransfersElement, cityreg:RetentionElement, cityreg:SecurityElement .
"""
DPIA = """
ex:dpia a dpv:DPIA ; rdfs:label "DPIA" ; cityreg:source ex:src ;
    cityreg:assessmentDate "%(made)s"^^xsd:date %(more)s ; cityreg:dpoConsulted true ;
    cityreg:covers cityreg:DescriptionOfProcessing, cityreg:NecessityAndProportionality,
        cityreg:RisksToRights, cityreg:MitigationMeasures .
"""


def cameras(start: str = "2024-03-01", more: str = "", dpia: str | None = "2024-01-15",
            dpia_more: str = "") -> str:
    text = CAMERAS % {"start": start,
                      "more": (f"; {more}" if more else "")
                      + ("; dpv:hasImpactAssessment ex:dpia" if dpia else "")}
    if dpia:
        text += DPIA % {"made": dpia, "more": f"; {dpia_more}" if dpia_more else ""}
    return text


# -------------------------------------------------------------- GDPR-35-3 and WP248-2C

def test_a_dpia_made_before_the_processing_started_satisfies_art_35_3(tmp_path: Path) -> None:
    found = findings(tmp_path, cameras(start="2024-03-01", dpia="2024-01-15"))
    assert not {r for r in rules(found) if r[0] in ("GDPR-35-3", "WP248-2C")}


def test_a_dpia_dated_after_the_processing_started_counts_as_missing(tmp_path: Path) -> None:
    found = rules(findings(tmp_path, cameras(start="2023-06-01", dpia="2024-01-15")), "dep")
    assert ("GDPR-35-3", "violation", "rule") in found
    assert ("WP248-2C", "violation", "rule") in found


def test_processing_begun_before_the_gdpr_applied_may_have_a_later_dpia(tmp_path: Path) -> None:
    found = rules(findings(tmp_path, cameras(start="2012-06-01", dpia="2019-01-15")), "dep")
    assert not {r for r in found if r[0] in ("GDPR-35-3", "WP248-2C")}


def test_a_dpia_older_than_a_change_of_the_processing_no_longer_counts(tmp_path: Path) -> None:
    changed = 'cityreg:processingChangedOn "2025-09-01"^^xsd:date'
    stale = rules(findings(tmp_path, cameras(more=changed)))
    assert ("GDPR-35-3", "violation", "rule") in stale
    assert ("GDPR-35-11", "warning", "rule") in stale
    reviewed = rules(findings(tmp_path, cameras(
        more=changed, dpia_more='cityreg:lastReviewed "2025-08-20"^^xsd:date')))
    assert ("GDPR-35-3", "violation", "rule") in reviewed, "reviewed before the change"
    current = rules(findings(tmp_path, cameras(
        more=changed, dpia_more='cityreg:lastReviewed "2025-09-10"^^xsd:date')))
    assert not {r for r in current if r[0] in ("GDPR-35-3", "GDPR-35-11")}


def test_not_disclosed_dpia_gives_the_companion_instead_of_the_violation(
        tmp_path: Path) -> None:
    # As the seed has it for Rio's and Davao's operations centres: the centre uses cameras in
    # public places and says that its DPIA is not disclosed.
    body = cameras(dpia=None) + """
ex:centre a cityreg:OperationsCentre ; rdfs:label "Centre" ; cityreg:source ex:src ;
    cityreg:usesSensor ex:cams ; cityreg:notDisclosed dpv:hasImpactAssessment .
"""
    found = findings(tmp_path, body)
    centre = rules(found, "centre")
    assert ("GDPR-35-3", "warning", "not-disclosed") in centre
    assert ("WP248-2C", "warning", "not-disclosed") in centre
    assert not {r for r in rules(found) if r[0] in ("GDPR-35-3", "WP248-2C")
                and r[1] == "violation"}, "the deployment inherits the centre's state"


@pytest.mark.parametrize(("criteria", "reason", "expected"), [
    ("cityreg:EvaluationOrScoring", "", set()),
    ("cityreg:EvaluationOrScoring, cityreg:VulnerableSubjectsCriterion", "",
     {("WP248-2C", "violation", "rule")}),
    ("cityreg:EvaluationOrScoring, cityreg:VulnerableSubjectsCriterion",
     '; cityreg:noDpiaReason "ranking only"', {("WP248-2C", "warning", "rule")}),
])
def test_wp248_needs_two_criteria_and_a_reason_lowers_it_to_a_warning(
        tmp_path: Path, criteria: str, reason: str, expected: set[tuple[str, str, str]]) -> None:
    body = f"""
ex:proc a cityreg:Processing ; rdfs:label "Scoring" ; cityreg:source ex:src ;
    cityreg:processesPersonalData true ; dpv:hasDataController ex:agency ;
    cityreg:wp248Criterion {criteria} {reason} .
"""
    found = {r for r in rules(findings(tmp_path, body), "proc") if r[0] == "WP248-2C"}
    assert found == expected


def test_criteria_are_also_read_from_the_facts(tmp_path: Path) -> None:
    # Large scale (a boolean) and biometric data (a sensitive category) are two criteria.
    body = """
ex:proc a cityreg:Processing ; rdfs:label "Gates" ; cityreg:source ex:src ;
    dpv:hasPersonalData eu-gdpr:BiometricData ; cityreg:largeScale true ;
    dpv:hasLegalBasis eu-gdpr:A9-2-g ; cityreg:lawReference "Act" .
"""
    found = rules(findings(tmp_path, body), "proc")
    assert ("WP248-2C", "violation", "rule") in found
    assert ("GDPR-35-3", "violation", "rule") in found, "Art. 35(3)(b): large-scale biometrics"


# -------------------------------------------------------------- scope gates

NO_BASIS = """
ex:proc a cityreg:Processing ; rdfs:label "Plates" ; cityreg:source ex:src ;
    cityreg:processesPersonalData true ; dpv:hasPersonalData cityreg:VehiclePlate ;
    dpv:hasDataController ex:agency ; dpv:hasPurpose %s .
"""


def test_processing_only_for_law_enforcement_is_left_to_the_led(tmp_path: Path) -> None:
    found = rules(findings(tmp_path, NO_BASIS % "cityreg:LawEnforcement"), "proc")
    assert not {r for r in found if r[0].startswith("GDPR")}


def test_law_enforcement_among_other_purposes_keeps_the_gdpr(tmp_path: Path) -> None:
    purposes = "cityreg:LawEnforcement, cityreg:TrafficManagement"
    found = rules(findings(tmp_path, NO_BASIS % purposes), "proc")
    assert ("GDPR-6", "violation", "rule") in found
    assert ("GDPR-30-1", "violation", "rule") in found


def test_processing_declared_free_of_personal_data_is_out_of_scope(tmp_path: Path) -> None:
    body = """
ex:aq a ssn:Deployment ; rdfs:label "Air" ; cityreg:source ex:src ;
    cityreg:processesPersonalData false ; cityreg:publiclyAccessible true ;
    cityreg:largeScale true ;
    cityreg:wp248Criterion cityreg:SystematicMonitoringCriterion .
"""
    assert not rules(findings(tmp_path, body), "aq")


# -------------------------------------------------------------- GDPR-6

@pytest.mark.parametrize(("basis", "controller", "expected"), [
    ("eu-gdpr:A6-1-f", "ex:agency", ("GDPR-6-1-F-PA", "violation", "rule")),
    ("eu-gdpr:A6-1-f", "ex:vendor", None),
    ("eu-gdpr:A6-1-a", "ex:agency", ("GDPR-6", "warning", "rule")),
    ("eu-gdpr:A6-1-e", "ex:agency", ("GDPR-6", "warning", "rule")),
])
def test_lawful_bases_of_public_authorities(tmp_path: Path, basis: str, controller: str,
                                            expected: tuple[str, str, str] | None) -> None:
    body = f"""
ex:proc a cityreg:Processing ; rdfs:label "P" ; cityreg:source ex:src ;
    cityreg:processesPersonalData true ; dpv:hasDataController {controller} ;
    dpv:hasPurpose cityreg:CrowdAnalytics ; dpv:hasLegalBasis {basis} .
"""
    found = {r for r in rules(findings(tmp_path, body), "proc") if r[0].startswith("GDPR-6")}
    assert found == ({expected} if expected else set())


# -------------------------------------------------------------- GDPR-5-1-e

@pytest.mark.parametrize(("days", "justification", "warned"), [
    (3, "", False),
    (4, "", True),
    (30, '; cityreg:retentionJustification "incident review"', False),
])
def test_footage_beyond_72_hours_needs_a_justification(tmp_path: Path, days: int,
                                                       justification: str, warned: bool) -> None:
    body = cameras().replace("cityreg:retentionPeriodDays 3",
                             f"cityreg:retentionPeriodDays {days} {justification}")
    found = rules(findings(tmp_path, body), "footage")
    assert (("GDPR-5-1-e", "warning", "rule") in found) is warned


# -------------------------------------------------------------- GDPR-44

def transfer(country: str, mechanism: str, host: str = "") -> str:
    return f"""
ex:host a cityreg:Company ; rdfs:label "Host" ; cityreg:source ex:src ;
    cityreg:countryCode "{country}" {host} .
ex:data a dcat:Dataset ; rdfs:label "Data" ; cityreg:source ex:src ;
    dpv:hasPersonalData cityreg:ContactData ; cityreg:hostedBy ex:host .
ex:c a cityreg:VendorContract ; rdfs:label "Contract" ; cityreg:source ex:src ;
    cityreg:buyer ex:agency ; dpv:hasDataController ex:agency ; dpv:hasDataProcessor ex:vendor ;
    cityreg:coversDataset ex:data ; dpv:hasContractualClause ex:t .
ex:t a cityreg:TransferClause ; rdfs:label "Transfers" ; cityreg:source ex:src ;
    cityreg:documentReference "§10" ; cityreg:transferCountry "{country}" ;
    cityreg:transferMechanism {mechanism} .
"""


def gdpr44(found: Found) -> set[tuple[str, str, str]]:
    return {r for r in rules(found, "c") if r[0] == "GDPR-44"}


def test_brazil_is_adequate_from_its_decision_of_26_january_2026(tmp_path: Path) -> None:
    body = transfer("BR", "eu-gdpr:AdequacyDecision")
    assert gdpr44(findings(tmp_path, body, as_of=date(2026, 1, 25))) == {
        ("GDPR-44", "violation", "rule")}
    assert gdpr44(findings(tmp_path, body, as_of=date(2026, 1, 26))) == set()


def test_us_adequacy_needs_a_data_privacy_framework_certification(tmp_path: Path) -> None:
    uncertified = transfer("US", "eu-gdpr:AdequacyDecision")
    certified = transfer("US", "eu-gdpr:AdequacyDecision", "; cityreg:dpfCertified true")
    assert gdpr44(findings(tmp_path, uncertified)) == {("GDPR-44", "violation", "rule")}
    assert gdpr44(findings(tmp_path, certified)) == set()


def test_transfers_from_outside_the_eea_are_not_chapter_v_transfers(tmp_path: Path) -> None:
    inside = transfer("US", "eu-gdpr:A49-1-a")
    assert gdpr44(findings(tmp_path, inside)) == {("GDPR-44", "violation", "rule")}
    outside = inside.replace("cityreg:buyer ex:agency ; dpv:hasDataController ex:agency",
                             "cityreg:buyer ex:rio ; dpv:hasDataController ex:rio") + """
ex:rio a cityreg:Agency ; rdfs:label "Rio" ; cityreg:countryCode "BR" ; cityreg:source ex:src ;
    cityreg:dataProtectionOfficer "encarregado@rio.example" .
"""
    assert gdpr44(findings(tmp_path, outside)) == set()


# -------------------------------------------------------------- AI Act

AI = """
ex:ai a cityreg:AISystem ; rdfs:label "Scoring" ; cityreg:source ex:src ;
    cityreg:highRiskAnnexIII true ; cityreg:operator ex:agency ;
    cityreg:startDate "%s"^^xsd:date %s .
"""


@pytest.mark.parametrize(("start", "as_of", "severity"), [
    ("2026-09-01", date(2026, 6, 1), "warning"),
    ("2026-09-01", date(2026, 8, 1), "warning"),
    ("2026-09-01", date(2026, 8, 2), "violation"),
    ("2020-01-01", date(2026, 9, 1), "warning"),     # legacy system: Art. 111(2)
    ("2020-01-01", date(2030, 8, 2), "violation"),
])
def test_aia_27_switches_from_warning_to_violation_on_the_reference_date(
        tmp_path: Path, start: str, as_of: date, severity: str) -> None:
    found = {r for r in rules(findings(tmp_path, AI % (start, ""), as_of=as_of), "ai")
             if r[0] == "AIA-27"}
    assert found == {("AIA-27", severity, "rule")}


def test_aia_27_a_significant_change_ends_the_legacy_grace(tmp_path: Path) -> None:
    body = AI % ("2020-01-01", '; cityreg:processingChangedOn "2026-10-01"^^xsd:date')
    found = {r for r in rules(findings(tmp_path, body, as_of=date(2026, 11, 1)), "ai")
             if r[0] == "AIA-27"}
    assert found == {("AIA-27", "violation", "rule")}


def test_aia_27_is_satisfied_by_a_fundamental_rights_assessment(tmp_path: Path) -> None:
    body = AI % ("2026-09-01", "; dpv:hasImpactAssessment ex:fria") + """
ex:fria a dpv:RightsImpactAssessment ; rdfs:label "FRIA" ; cityreg:source ex:src .
"""
    assert not {r for r in rules(findings(tmp_path, body, as_of=date(2026, 9, 1)))
                if r[0] == "AIA-27"}


RBI = """
ex:frt a cityreg:AISystem ; rdfs:label "Live face recognition" ; cityreg:source ex:src ;
    cityreg:realTimeRemoteBiometricIdentification true ; cityreg:publiclyAccessible true ;
    dpv:hasPurpose cityreg:LawEnforcement ; cityreg:operator ex:agency %s .
"""


def test_aia_5_1_h_applies_from_2_february_2025(tmp_path: Path) -> None:
    assert not rules(findings(tmp_path, RBI % "", as_of=date(2025, 2, 1)), "frt")
    assert ("AIA-5-1-h", "violation", "rule") in rules(
        findings(tmp_path, RBI % "", as_of=date(2025, 2, 2)), "frt")


def test_aia_5_1_h_exception_needs_its_prior_authorisation(tmp_path: Path) -> None:
    exception = '; cityreg:aiActException "Art. 5(1)(h)(i)"'
    authorised = exception + '; cityreg:priorAuthorisationDate "2025-03-01"^^xsd:date'
    undisclosed = exception + "; cityreg:notDisclosed cityreg:priorAuthorisationDate"
    assert ("AIA-5-1-h", "violation", "rule") in rules(findings(tmp_path, RBI % exception), "frt")
    assert not rules(findings(tmp_path, RBI % authorised), "frt")
    assert rules(findings(tmp_path, RBI % undisclosed), "frt") == {
        ("AIA-5-1-h", "warning", "not-disclosed")}


# -------------------------------------------------------------- both engines

@pytest.mark.parametrize("as_of", [date(2026, 8, 2)])
def test_the_oracle_agrees_on_dates_and_companions(tmp_path: Path, as_of: date) -> None:
    body = cameras(start="2023-06-01") + AI % ("2026-09-01", "") + transfer(
        "BR", "eu-gdpr:AdequacyDecision")
    assert findings(tmp_path, body, as_of, "fast") == findings(tmp_path, body, as_of, "pyshacl")


# -------------------------------------------------------------- the files themselves

def _graph(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path)
    return graph


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_every_shape_is_annotated_and_its_legal_source_labelled(path: Path) -> None:
    graph = _graph(path)
    shapes = set(graph.subjects(CITYREG.ruleId, None))
    assert shapes
    for shape in shapes:
        for prop in (RDFS.label, SH.severity, CITYREG.legalSource, CITYREG.resolution):
            assert graph.value(shape, prop) is not None, f"{shape} lacks {prop}"
        constraints = list(graph.objects(shape, SH.sparql))
        assert constraints, shape
        assert all(graph.value(c, SH.message) for c in constraints), shape
        source = graph.value(shape, CITYREG.legalSource)
        assert graph.value(source, RDFS.label) is not None, f"{source} has no label in {path}"
        assert graph.value(source, CITYREG.url) is not None, f"{source} has no URL in {path}"
        if graph.value(shape, CITYREG.findingKind) in (CITYREG.NotDisclosedFinding,
                                                       CITYREG.ManualReviewFinding):
            assert graph.value(shape, SH.severity) == SH.Warning, shape
        assert not [c for c in constraints if graph.value(c, SH.severity) is not None], shape


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_manual_review_rules_are_listed_with_their_reason(path: Path) -> None:
    graph = _graph(path)
    manual = {str(graph.value(s, CITYREG.ruleId))
              for s in graph.subjects(CITYREG.findingKind, CITYREG.ManualReviewFinding)}
    listed = set(re.findall(r"^# manual review: (\S+) — \S", path.read_text(encoding="utf-8"),
                            re.MULTILINE))
    assert manual == listed


def test_the_catalogue_rules_of_this_part_are_all_shaped() -> None:
    ids = {str(o) for path in MINE for o in _graph(path).objects(None, CITYREG.ruleId)}
    assert ids == {
        "GDPR-26", "GDPR-30-1", "GDPR-30-2", "GDPR-35-3", "WP248-2C", "GDPR-35-7", "GDPR-35-11",
        "GDPR-36", "GDPR-37", "GDPR-44", "GDPR-6", "GDPR-6-1-F-PA", "GDPR-9", "GDPR-5-1-b",
        "GDPR-5-1-e",
        "GDPR-13-14", "AIA-5-1-h", "AIA-27", "OECD-CL", "OECD-DQ", "OECD-PS", "OECD-UL",
        "OECD-SS", "OECD-OP", "OECD-IP", "OECD-AC"}
    assert all(isinstance(s, URIRef) for path in MINE
               for s in _graph(path).subjects(RDF.type, SH.NodeShape))
