"""The report kinds: every element of a complete fictional case (tests/data/reports, the
fictional city Vesterby) with its value and source, and the gaps of a report-based case of the
seed, exactly (not disclosed vs not recorded); where each document's law binds; templates
checked on load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import InputError
from registry.reports.documentfill import FilledDocument, fill_document, find_entity
from registry.reports.documentrender import document_dict, render_document
from registry.reports.documents import KINDS_DIR, builtin_kinds, load_kind
from registry.resources import seed_dir
from registry.store import Registry

DATA = Path(__file__).resolve().parent.parent / "data" / "reports"
V = "https://w3id.org/cityreg/id/vesterby/"
SEED = "https://w3id.org/cityreg/id/"
REGISTER = "Vesterby algorithm and sensor register (fictional)"
MINUTES = "Vesterby council minutes, 12 March 2024 (fictional)"
FIGURES = "Vesterby kerbside annual figures 2025 (fictional)"
KERB = V + "system/kerb-ai"


@pytest.fixture(scope="module")
def vesterby() -> Iterator[Registry]:
    with Registry.memory() as registry:
        registry.load(*sorted(DATA.glob("*.ttl")))
        yield registry


@pytest.fixture(scope="module")
def seed() -> Iterator[Registry]:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        yield registry


def _answers(document: FilledDocument) -> dict[str, dict[str, set[str]]]:
    """element id -> value text -> the labels of its sources (one section)."""
    [section] = document.sections
    return {e.element.id: {v.text: {s.label for s in v.sources} for v in e.values}
            for e in section.elements}


def _expect(document: FilledDocument, expected: dict[str, dict[str, str]]) -> None:
    answers = _answers(document)
    assert list(answers) == list(expected)  # every element, in the template's order
    for element, values in expected.items():
        assert {text: {source} for text, source in values.items()} == answers[element], element
    assert document.gaps() == []


TECHNOLOGY_DESCRIPTION = ("Cameras over loading bays read number plates; a model flags vans "
                          "parked beyond the limit.")
SECURITY = "Images encrypted at rest; access logged and reviewed monthly."
AUTHORISED = ("Enforcing loading-bay time limits only; no use for other offences without a "
              "court order.")
PUBLIC = "Monthly counts of overstays per street are published as open data; plates never."
TRAINING = "Enforcement staff complete a four-hour data-protection course before access."
COMPLAINTS = "Objections to a fine go to the council's parking appeals desk within six weeks."
ALTERNATIVES = "Wardens on foot (dearer, fewer bays covered) and paper permits (widely forged)."
CAPABILITY = ("Reads plates at up to 20 m and matches them within a bay's time limit; it cannot "
              "recognise faces.")


def test_surveillance_impact_report_of_a_complete_case(vesterby: Registry) -> None:
    document = fill_document(vesterby, builtin_kinds()["surveillance-impact-report"], KERB)
    _expect(document, {
        "description": {TECHNOLOGY_DESCRIPTION: REGISTER, "licence-plate reader": REGISTER,
                        "40": REGISTER},
        "purpose": {"traffic management": REGISTER},
        "location": {"Loading bays in the old town": REGISTER,
                     "several areas of the city": REGISTER, "yes": REGISTER},
        "civil-rights-impact": {"Records the movements of delivery drivers; plates are hashed "
                                "after 48 hours to prevent tracking.": REGISTER},
        "mitigations": {"Plates hashed after 48 hours (fictional)": REGISTER},
        "data-types-and-sources": {"vehicle registration": REGISTER,
                                   "number plates of parked vehicles (fictional)": REGISTER,
                                   "Loading-bay plate images (fictional)": REGISTER,
                                   "Overstay alerts (fictional)": REGISTER},
        "data-security": {SECURITY: REGISTER, "NL": REGISTER},
        # a cityreg:Claim gives the cost its own source: the council minutes
        "fiscal-cost": {"EUR 240,000 to install; EUR 60,000 a year to run, from the parking "
                        "budget": MINUTES},
        "third-party-dependence": {"KerbVision B.V. (fictional)": REGISTER},
        "alternatives": {ALTERNATIVES: REGISTER},
    })
    assert document.binding.binds is False
    assert "does not bind in Vesterby (fictional) (NL)" in document.binding.text
    assert "states no legal duty" in document.binding.text


def test_use_policy_of_a_complete_case(vesterby: Registry) -> None:
    document = fill_document(vesterby, builtin_kinds()["use-policy"], KERB)
    _expect(document, {
        "purpose": {"traffic management": REGISTER},
        "authorised-uses": {AUTHORISED: REGISTER},
        "data-collection": {"vehicle registration": REGISTER, "dpv:Citizen": REGISTER,
                            "licence-plate reader": REGISTER,
                            "number plates of parked vehicles (fictional)": REGISTER},
        # the trace: the council holds the data, KerbVision processes it, the police get it
        "access": {"Vesterby City Council (fictional)": REGISTER,
                   "KerbVision B.V. (fictional)": REGISTER,
                   "Vesterby Police (fictional)": REGISTER},
        "protection": {SECURITY: REGISTER, "Plates hashed after 48 hours (fictional)": REGISTER},
        "retention": {"30": REGISTER},
        "public-access": {PUBLIC: REGISTER,
                          "Monthly overstay counts per street, CSV (fictional)": REGISTER},
        "third-party-sharing": {"KerbVision B.V. (fictional)": REGISTER,
                                "Vesterby Police (fictional)": REGISTER},
        "training": {TRAINING: REGISTER},
        "audit-and-oversight": {"Audit of kerbside enforcement, 2025 (fictional)": REGISTER,
                                "Head of Kerbside Management": REGISTER},
        "complaints": {COMPLAINTS: REGISTER},
    })
    [section] = document.sections
    police = next(v for e in section.elements if e.element.id == "third-party-sharing"
                  for v in e.values if v.text.startswith("Vesterby Police"))
    assert police.note.startswith("asserted: ")  # the trace's grade and route


def test_post_act_policy_of_a_complete_case(vesterby: Registry) -> None:
    document = fill_document(vesterby, builtin_kinds()["post-act-policy"], KERB)
    _expect(document, {
        "capabilities": {CAPABILITY: REGISTER, "licence-plate reader": REGISTER},
        "rules": {AUTHORISED: REGISTER,
                  "Kerbside plate recognition use policy (fictional)": REGISTER},
        "safeguards": {SECURITY: REGISTER, "Plates hashed after 48 hours (fictional)": REGISTER},
        "retention": {"30": REGISTER},
        "public-access": {PUBLIC: REGISTER,
                          "Monthly overstay counts per street, CSV (fictional)": REGISTER},
        "external-access": {"KerbVision B.V. (fictional)": REGISTER,
                            "Vesterby Police (fictional)": REGISTER},
        "training": {TRAINING: REGISTER},
        "audit": {"Audit of kerbside enforcement, 2025 (fictional)": REGISTER,
                  "Head of Kerbside Management": REGISTER},
        "health-and-safety": {"None expected: the cameras emit no radiation beyond infrared "
                              "illumination at safe levels.": REGISTER},
        "disparate-impact": {"Small traders without depots use loading bays most; the council "
                             "reviews fines by district each year.": REGISTER},
    })
    assert "POST Act" in document.binding.text
    assert document.binding.binds is False


def test_atrs_record_of_a_complete_case_in_the_standards_structure(vesterby: Registry) -> None:
    kind = builtin_kinds()["atrs-record"]
    document = fill_document(vesterby, kind, KERB)
    kerbvision = "KerbVision B.V. (fictional)"
    _expect(document, {
        "name": {"Kerbside plate recognition (fictional)": REGISTER},
        "description": {TECHNOLOGY_DESCRIPTION: REGISTER},
        "website": {"https://example.org/vesterby/kerb-ai": REGISTER},
        "contact_email": {"kerbside@vesterby.example": REGISTER},
        "organisation": {"Vesterby City Council (fictional)": REGISTER},
        "team": {"Kerbside Management team": REGISTER},
        "senior_responsible_owner": {"Head of Kerbside Management": REGISTER},
        "external_supplier": {kerbvision: REGISTER},
        "companies_house_number": {"KVK 99999999 (fictional)": REGISTER},
        "external_supplier_role": {"Supply, hosting and maintenance of the kerbside plate "
                                   "recognition": REGISTER},
        "procurement_procedure_type": {"open": REGISTER},
        "data_access_terms": {"§6: KerbVision may access images only to maintain the system "
                              "(fictional)": REGISTER},
        "detailed_description": {CAPABILITY: REGISTER},
        "scope": {"traffic management": REGISTER},
        "benefit": {"Free loading bays for deliveries, fewer vans double-parking.": REGISTER},
        "previous_process": {"Wardens checked bays twice a day on foot.": REGISTER},
        "alternatives_considered": {ALTERNATIVES: REGISTER},
        "process_integration": {"yes": REGISTER},
        "provided_information": {"Overstay alerts (fictional)": REGISTER},
        "frequency_and_scale_of_usage": {"40": REGISTER, "several areas of the city": REGISTER},
        "human_decisions_and_review": {"An officer checks every flagged image before a fine is "
                                       "issued.": REGISTER},
        "required_training": {TRAINING: REGISTER},
        "appeals_and_review": {COMPLAINTS: REGISTER},
        "system_architecture": {"Loading-bay plate cameras (fictional)": REGISTER},
        "phase": {"2024-04-01": REGISTER},
        "maintenance": {kerbvision: REGISTER},
        "source_data_name": {"Loading-bay plate images (fictional)": REGISTER},
        "sensitive_attributes": {"vehicle registration": REGISTER},
        "data_sharing_agreements": {kerbvision: REGISTER, "Vesterby Police (fictional)": REGISTER},
        "data_access_and_storage": {"NL": REGISTER, "30": REGISTER},
        "impact_assessment": {"DPIA of the kerbside plate recognition (fictional)": REGISTER},
        "risks": {"A misread plate fines the wrong keeper (fictional)": REGISTER},
        "risk_mitigation": {"Plates hashed after 48 hours (fictional)": REGISTER},
    })
    assert kind.sections == ("Tier 1: overview", "Tier 2: owner and responsibility",
                             "Tier 2: description and rationale",
                             "Tier 2: decision-making process",
                             "Tier 2: tool specification and data",
                             "Tier 2: risks, mitigations and impact assessments")
    fields = document_dict(document)["sections"][0]["elements"]
    assert [(f["reference"], f["id"]) for f in fields[:5]] == [
        ("1.1", "name"), ("1.2", "description"), ("1.3", "website"), ("1.4", "contact_email"),
        ("2.1.1", "organisation")]
    assert "UK government policy, not statute" in document.binding.text


def test_annual_report_of_a_complete_case(vesterby: Registry) -> None:
    kind = builtin_kinds()["annual-surveillance-report"]
    document = fill_document(vesterby, kind, V + "city/vesterby", 2025)
    assert [s.iri for s in document.sections] == [KERB]
    _expect(document, {
        "usage": {"41,200 overstays flagged; 9,800 fines issued after review": FIGURES},
        "sharing": {"KerbVision B.V. (fictional)": REGISTER,
                    "Vesterby Police (fictional)": REGISTER},
        "complaints": {"312 appeals, 57 upheld (misread plates)": FIGURES},
        "audits": {"Audit of kerbside enforcement, 2025 (fictional)": REGISTER},
        "breaches": {"None recorded": FIGURES},
        "effectiveness": {"Double-parking reports fell by a third against 2024": FIGURES},
    })


def test_annual_report_of_another_year_has_only_what_was_valid_then(vesterby: Registry) -> None:
    kind = builtin_kinds()["annual-surveillance-report"]
    document = fill_document(vesterby, kind, V + "city/vesterby", 2023)
    # Nothing was recorded for 2023; the contract (2024) and the police flow (June 2024) did
    # not exist yet: the trace over 2023 reaches no one beyond the data's first holders.
    assert document.gaps() == [(KERB, element, "not recorded") for element in
                               ("usage", "sharing", "complaints", "audits", "breaches",
                                "effectiveness")]


def test_dpia_summary_of_a_complete_case(vesterby: Registry) -> None:
    document = fill_document(vesterby, builtin_kinds()["dpia-summary"],
                             V + "processing/kerb-enforcement")
    _expect(document, {
        "a-description": {"Plate images are matched against the bay's time limit; an officer "
                          "reviews each overstay before a fine.": REGISTER,
                          "Kerbside plate recognition (fictional)": REGISTER},
        "a-purposes": {"traffic management": REGISTER},
        "a-personal-data": {"vehicle registration": REGISTER},
        "a-data-subjects": {"dpv:Citizen": REGISTER},
        "a-controllers": {"Vesterby City Council (fictional)": REGISTER,
                          "KerbVision B.V. (fictional)": REGISTER},
        "a-recipients": {"Vesterby Police (fictional)": REGISTER,
                         "KerbVision B.V. (fictional)": REGISTER},
        "b-legal-basis": {"eu-gdpr:A6-1-e-public-interest": REGISTER,
                          "Vesterby Parking Bylaw 2023, art. 9 (fictional)": REGISTER},
        "b-necessity": {"Only bays with repeated double-parking are covered; images of "
                        "compliant vehicles are deleted after 30 days.": REGISTER},
        "b-retention": {"30": REGISTER},
        "c-risks": {"A misread plate fines the wrong keeper (fictional)": REGISTER},
        "c-indicators": {"systematic monitoring": REGISTER},
        "d-measures": {"Plates hashed after 48 hours (fictional)": REGISTER, SECURITY: REGISTER},
        "d-assessment": {"DPIA of the kerbside plate recognition (fictional)": REGISTER},
    })
    assert document.binding.binds is True
    assert document.binding.text.startswith("The law of this document binds in Vesterby")


# -- report-based cases of the seed: the gaps, exactly -------------------------------------------

def _gaps(document: FilledDocument) -> list[tuple[str, str]]:
    return [(element, status) for _section, element, status in document.gaps()]


def test_rio_operations_centre_impact_report_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["surveillance-impact-report"],
                             SEED + "rio/system/operations-centre")
    assert _gaps(document) == [("civil-rights-impact", "not recorded"),
                               ("mitigations", "not recorded"),
                               ("data-security", "not recorded"),
                               ("fiscal-cost", "not recorded"),
                               ("alternatives", "not recorded")]
    assert document.binding.binds is False
    assert document.binding.where == "Rio de Janeiro (BR)"


def test_hyde_park_use_policy_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["use-policy"],
                             SEED + "london/deployment/hyde-park-phone-tracking")
    assert _gaps(document) == [("authorised-uses", "not recorded"),
                               ("protection", "not recorded"),
                               ("retention", "not disclosed"),
                               ("public-access", "not recorded"),
                               ("training", "not recorded"),
                               ("audit-and-oversight", "not recorded"),
                               ("complaints", "not recorded")]
    [section] = document.sections
    retention = next(e for e in section.elements if e.element.id == "retention")
    withheld = [(g.entity_label, g.prop_label) for g in retention.gaps
                if g.status == "not disclosed"]
    assert withheld == [("Hyde Park visitors' routes and origins", "retention period (days)")]
    # The recipients of the phone tracking are not disclosed: the sharing answer says so.
    sharing = next(e for e in section.elements if e.element.id == "third-party-sharing")
    assert [(g.status, g.prop_label) for g in sharing.gaps] == [("not disclosed", "recipients")]


def test_rio_cctv_post_act_policy_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["post-act-policy"],
                             SEED + "rio/deployment/cctv-traffic-network")
    assert _gaps(document) == [("rules", "not recorded"), ("safeguards", "not recorded"),
                               ("retention", "not disclosed"), ("public-access", "not recorded"),
                               ("training", "not recorded"), ("audit", "not recorded"),
                               ("health-and-safety", "not recorded"),
                               ("disparate-impact", "not recorded")]


def test_rio_annual_report_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["annual-surveillance-report"],
                             SEED + "rio/city/rio", 2016)
    units = [SEED + "rio/deployment/cctv-traffic-network", SEED + "rio/system/operations-centre"]
    assert [s.iri for s in document.sections] == units
    assert document.gaps() == [(unit, element, "not recorded") for unit in units
                               for element in ("usage", "complaints", "audits", "breaches",
                                               "effectiveness")]
    # Sharing is answered by the trace, with the facts it could not see: the IBM contract is
    # not disclosed.
    sharing = next(e for e in document.sections[1].elements if e.element.id == "sharing")
    assert [v.text for v in sharing.values] == ["IBM"]
    assert ("not disclosed", "City of Rio de Janeiro – IBM smarter-city contract",
            "data processor") in [(g.status, g.entity_label, g.prop_label) for g in sharing.gaps]


def test_london_wifi_sale_dpia_summary_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["dpia-summary"],
                             SEED + "london/processing/sale-of-wifi-data")
    assert _gaps(document) == [("a-data-subjects", "not recorded"),
                               ("a-controllers", "not recorded"),
                               ("b-legal-basis", "not disclosed"),
                               ("b-necessity", "not recorded"),
                               ("b-retention", "not disclosed"),
                               ("c-risks", "not recorded"),
                               ("c-indicators", "not recorded"),
                               ("d-measures", "not recorded"),
                               ("d-assessment", "not recorded")]
    # In the United Kingdom the UK GDPR carries Art. 35(7).
    assert document.binding.binds is True
    assert "the UK GDPR and the Data Protection Act 2018" in document.binding.text


def test_rio_operations_centre_atrs_record_gaps(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["atrs-record"],
                             SEED + "rio/system/operations-centre")
    gaps = dict(_gaps(document))
    # The contract's text is not disclosed: its procurement and access terms cannot be read.
    assert {k: v for k, v in gaps.items() if v == "not disclosed"} == {
        "procurement_procedure_type": "not disclosed", "data_access_terms": "not disclosed",
        "data_access_and_storage": "not disclosed", "impact_assessment": "not disclosed"}
    assert sorted(k for k, v in gaps.items() if v == "not recorded") == sorted([
        "website", "contact_email", "team", "senior_responsible_owner",
        "companies_house_number", "detailed_description", "benefit", "previous_process",
        "alternatives_considered", "process_integration", "provided_information",
        "human_decisions_and_review", "required_training", "appeals_and_review", "phase",
        "maintenance", "data_sharing_agreements", "risks", "risk_mitigation"])
    assert document.binding.binds is False


def test_stated_absence_is_a_gap_of_its_own(vesterby: Registry, tmp_path: Path) -> None:
    (tmp_path / "absent.ttl").write_text(
        "@prefix cityreg: <https://w3id.org/cityreg#> .\n"
        f"<{V}system/kerb-ai-2> a cityreg:System ; cityreg:absent cityreg:fiscalCost .\n",
        encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(tmp_path / "absent.ttl")
        document = fill_document(registry, builtin_kinds()["surveillance-impact-report"],
                                 V + "system/kerb-ai-2")
    assert ("fiscal-cost", "stated absent") in _gaps(document)
    assert ("alternatives", "not recorded") in _gaps(document)


# -- the documents as text ---------------------------------------------------------------------

def test_every_format_names_every_element_and_gap(seed: Registry) -> None:
    document = fill_document(seed, builtin_kinds()["use-policy"],
                             SEED + "london/deployment/hyde-park-phone-tracking")
    html = render_document(document, "html")
    markdown = render_document(document, "md")
    for element in document.kind.elements:
        assert element.heading in html
        assert element.heading in markdown
    assert "not disclosed" in html
    assert "<th scope=\"col\">Source</th>" in html
    assert "<style>" in html  # the command's HTML stands alone
    assert '<link rel="stylesheet" href="/x.css">' in render_document(document, "html", "/x.css")
    assert "**not disclosed**: retention period (days) of Hyde Park visitors' routes" in markdown


# -- finding the entity, and templates -----------------------------------------------------------

def test_an_entity_of_the_wrong_kind_is_refused_by_name(seed: Registry) -> None:
    with pytest.raises(InputError, match=r"is a cityreg:Agency: a dpia-summary is about a "
                                         r"cityreg:Processing"):
        find_entity(seed, builtin_kinds()["dpia-summary"], SEED + "rio/agency/city-government")
    found = find_entity(seed, builtin_kinds()["use-policy"], "Phone tracking in Hyde Park")
    assert found == SEED + "london/deployment/hyde-park-phone-tracking"


def test_the_annual_report_needs_a_year(seed: Registry) -> None:
    with pytest.raises(InputError, match="--year YYYY"):
        fill_document(seed, builtin_kinds()["annual-surveillance-report"], SEED + "rio/city/rio")


def test_the_built_in_templates_are_the_six_kinds() -> None:
    assert sorted(builtin_kinds()) == ["annual-surveillance-report", "atrs-record",
                                       "dpia-summary", "post-act-policy",
                                       "surveillance-impact-report", "use-policy"]


@pytest.mark.parametrize(("change", "message"), [
    (("rule = \"SURV-SIR\"", "rule = \"SURV-SIR\"\ncolour = \"red\""),
     r"\(top level\): unknown key colour: expected only"),
    (("path = \"dpv:hasPurpose\"", "path = \"foo:hasPurpose\""),
     r"the prefix 'foo' of 'foo:hasPurpose' is not known"),
    (("{ scope = \"technology\", path = \"cityreg:fiscalCost\" }",
      "{ scope = \"nowhere\", path = \"cityreg:fiscalCost\" }"),
     r"elements\[7\].reads\[0\].scope: 'nowhere' is not a scope of this template"),
    (("id = \"purpose\"", "id = \"description\""), r"the id 'description' is used twice"),
    (("kind = \"surveillance-impact-report\"", "kind = 12"),
     r"kind: got 12: expected a non-empty string"),
])
def test_a_broken_template_names_file_key_and_expectation(
        tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = (KINDS_DIR / "surveillance-impact-report.toml").read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        load_kind(broken)
    assert str(broken) in str(raised.value)


def test_a_template_that_is_not_toml_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("kind = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.toml: not valid TOML"):
        load_kind(bad)
