"""Every journalist question of graphql/queries/ runs on the seed and answers as expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry.api import GraphQLService
from registry.resources import data_dir

QUERIES = sorted((data_dir("graphql") / "queries").glob("*.graphql"))
PI_REPORT = "https://w3id.org/cityreg/id/global/source/pi-report"


def labels(items: list[dict[str, Any]]) -> list[str]:
    return [item["label"] for item in items]


def station_footage(data: Any) -> None:
    trace = data["whoCanAccess"]
    assert trace["complete"] is True
    orgs = {o["label"]: o for o in trace["organisations"]}
    billboard = orgs["Billboard Media Group (fictional)"]
    assert billboard["shortest"] == 5  # origin + four agreements
    assert [h["toLabel"] for h in billboard["paths"][0]["hops"]][1:] == [
        "Nordhaven Transit (fictional)", "Footfall Analytics Ltd (fictional)",
        "AdReach Data Brokers (fictional)", "Billboard Media Group (fictional)"]
    assert "CivicLab Start-up (fictional)" not in orgs  # the university may not pass it on


def station_footage_2026(data: Any) -> None:
    assert labels(data["whoCanAccess"]["organisations"]) == [
        "Nordhaven City Council (fictional)", "Nordhaven Transit (fictional)",
        "Nordhaven University (fictional)"]


def capped(data: Any) -> None:
    assert data["whoCanAccess"] == {"complete": False, "pathCount": 3,
                                    "truncatedAt": {"reason": "max_paths", "limit": 3}}


def qlue(data: Any) -> None:
    trace = data["whoCanAccess"]
    graded = [(o["label"], o["grade"]) for o in trace["organisations"]]
    # The city runs CROP and the Smart City Lounge (asserted); the Government of Indonesia
    # tasked IBM with the analysis under a contract whose roles are not disclosed, Qlue built
    # the app that feeds the reports and TerraLogiq built CROP, which reads them (inferred).
    assert graded == [("Jakarta city administration", "asserted"),
                      ("Government of Indonesia", "inferred"), ("Qlue", "inferred"),
                      ("TerraLogiq", "inferred"), ("IBM", "inferred")]
    assert trace["grades"] == {"asserted": 1, "inferred": 4, "undisclosed": 0}
    assert trace["minGrade"] == "undisclosed"
    assert all(o["disclosed"] for o in trace["organisations"])
    ibm_path = trace["organisations"][-1]["paths"][0]
    assert ibm_path["grade"] == "inferred"
    ibm = ibm_path["hops"][-1]
    assert ibm["viaLabel"] == "IBM analysis of Qlue data for the Government of Indonesia"
    assert (ibm["toLabel"], ibm["role"], ibm["grade"]) == ("IBM", {"label": "supplier"},
                                                           "inferred")
    assert ibm["rule"] == {
        "id": "contract-supplier",
        "label": "supplier of a contract covering the dataset, roles not disclosed",
        "record": "dpv:hasDataProcessor (or dpv:hasDataController) on the contract"}
    city = trace["organisations"][0]["paths"][0]["hops"][0]
    assert (city["grade"], city["rule"]) == ("asserted", None)
    assert trace["complete"] is True  # no limit cut it...
    assert trace["fullyDisclosed"] is False  # ...but it has gaps
    undisclosed = {(g["entityLabel"], g["propertyLabel"]) for g in trace["disclosure"]
                   if g["status"] == "not disclosed"}
    assert undisclosed == {
        ("IBM analysis of Qlue data for the Government of Indonesia", "data controller"),
        ("IBM analysis of Qlue data for the Government of Indonesia", "data processor"),
        ("IBM analysis of Qlue data for the Government of Indonesia", "start date")}
    assert all(g["why"] and PI_REPORT in g["sources"] for g in trace["disclosure"])


def qlue_asserted(data: Any) -> None:
    # On recorded grants alone, only the city administration can access the reports: through
    # CROP, the dismissal of city workers and the Smart City Lounge, which it operates.
    trace = data["whoCanAccess"]
    assert trace["minGrade"] == "asserted"
    assert trace["grades"] == {"asserted": 1, "inferred": 0, "undisclosed": 0}
    assert [(o["label"], o["grade"]) for o in trace["organisations"]] == [
        ("Jakarta city administration", "asserted")]
    assert [[(h["viaLabel"], h["role"]["label"]) for h in p["hops"]]
            for p in trace["organisations"][0]["paths"]] == [
        [("CROP", "operator")],
        [("Evaluation and dismissal of city workers on Qlue feedback", "operator")],
        [("Jakarta Smart City Lounge (monitoring room)", "operator")]]
    assert trace["complete"] is True
    # Even the asserted answer has gaps: nobody is recorded as running the Qlue app or as
    # publishing IBM's analysis, so who else holds the data is not known.
    assert trace["fullyDisclosed"] is False
    assert [(g["entityLabel"], g["propertyLabel"], g["status"]) for g in trace["disclosure"]] == [
        ("IBM's analysis of Qlue data", "publisher", "not recorded"),
        ("Qlue citizen-report app", "operator", "not recorded")]


def underground_wifi(data: Any) -> None:
    trace = data["whoCanAccess"]
    assert trace["complete"] is True
    assert trace["fullyDisclosed"] is False
    assert trace["grades"] == {"asserted": 1, "inferred": 0, "undisclosed": 1}
    underground, buyers = trace["organisations"]
    assert (underground["label"], underground["grade"], underground["disclosed"],
            underground["category"]) == ("London Underground", "asserted", True, None)
    # The buyers of the data are not named: one placeholder, reached through the sale.
    assert buyers["id"] == ("urn:cityreg:undisclosed:ThirdParty:"
                            "https://w3id.org/cityreg/id/london/processing/sale-of-wifi-data")
    assert (buyers["label"], buyers["grade"], buyers["disclosed"], buyers["organisation"]) == (
        "Undisclosed third party (Sale of London Underground Wi-Fi data to third parties)",
        "undisclosed", False, None)
    assert buyers["category"] == {"id": "https://w3id.org/dpv#ThirdParty",
                                  "label": "third party"}
    sale = "Sale of London Underground Wi-Fi data to third parties"
    assert {tuple((h["kind"], h["viaLabel"], h["grade"], (h["rule"] or {}).get("id"))
                  for h in p["hops"][1:]) for p in buyers["paths"]} == {
        (("processing", sale, "undisclosed", "recipient-category"),)}
    assert len(buyers["paths"]) == 4  # after each of the four ways the Underground holds it
    assert trace["disclosure"] == [{
        "entityLabel": sale, "propertyLabel": "recipients", "status": "not disclosed",
        "why": "the third party recipients are not named"}]


def vehicle_movements(data: Any) -> None:
    trace = data["whoCanAccess"]
    assert trace["complete"] is True
    assert trace["fullyDisclosed"] is False
    assert trace["grades"] == {"asserted": 1, "inferred": 1, "undisclosed": 1}
    orgs = trace["organisations"]
    assert [(o["label"], o["grade"], o["disclosed"], o["category"]) for o in orgs] == [
        ("Government of Singapore", "asserted", True, None),
        ("Dassault Systèmes", "inferred", True, None),
        ("Undisclosed law enforcement organisation (Law-enforcement use of Singapore's "
         "smart-city data)", "undisclosed", False, {"label": "law enforcement organisation"})]
    assert [h["viaLabel"] for p in orgs[0]["paths"] for h in p["hops"]] == [
        "Singapore vehicle-tracing sensor deployment", "Virtual Singapore"]
    assert [[(h["viaLabel"], h["role"]["label"], h["grade"], h["rule"]) for h in p["hops"]]
            for p in orgs[1]["paths"]] == [[
                ("Virtual Singapore partnership with Dassault Systèmes", "party", "inferred",
                 {"id": "agreement-party"})]]
    assert [[(h["viaLabel"], h["grade"], h["rule"]) for h in p["hops"]]
            for p in orgs[2]["paths"]] == [[
                ("Law-enforcement use of Singapore's smart-city data", "undisclosed",
                 {"id": "recipient-category"})]]
    assert [(g["entityLabel"], g["propertyLabel"], g["status"]) for g in trace["disclosure"]] == [
        ("Law-enforcement use of Singapore's smart-city data", "operator", "not recorded"),
        ("Law-enforcement use of Singapore's smart-city data", "recipients", "not disclosed"),
        ("Virtual Singapore partnership with Dassault Systèmes", "recipient", "not disclosed")]


def ibm_engagements(data: Any) -> None:
    node = data["node"]
    assert node["label"] == "IBM"
    engagements = node["engagements"]
    assert engagements["totalCount"] == 10
    assert [(e["role"]["compact"], e["entity"]["kind"], e["entity"]["label"],
             (e["entity"]["city"] or {}).get("label")) for e in engagements["nodes"]] == [
        ("cityreg:supplier", "Contract", "City of Rio de Janeiro – IBM smarter-city contract",
         "Rio de Janeiro"),
        ("cityreg:supplier", "Contract", "Davao City – IBM Intelligent Operations Centre "
         "contract", "Davao City"),
        ("cityreg:supplier", "Contract", "IBM analysis of Qlue data for the Government of "
         "Indonesia", "Jakarta"),
        ("cityreg:operator", "Programme", "IBM Smarter Cities Challenge", None),
        ("cityreg:operator", "Programme", "IBM Smarter Cities Challenge – Cebu (2012)", "Cebu"),
        ("cityreg:operator", "Programme", "IBM Smarter Cities Challenge – Jakarta (2011)",
         "Jakarta"),
        ("cityreg:operator", "Programme", "IBM Smarter Cities Challenge – Sekondi-Takoradi "
         "(2016)", "Sekondi-Takoradi"),
        ("cityreg:developer", "System", "Davao IBM Intelligent Operations Centre", "Davao City"),
        ("cityreg:developer", "System", "Rio Operations Centre", "Rio de Janeiro"),
        ("cityreg:operator", "Processing", "Watson analysis of the data cities provide to the "
         "Smarter Cities Challenge", None)]


def jakarta_contracts(data: Any) -> None:
    # The contract states no city: it is Jakarta's through its buyer.
    assert data["contracts"] == {"totalCount": 1, "nodes": [{
        "label": "IBM analysis of Qlue data for the Government of Indonesia",
        "city": {"label": "Jakarta"},
        "buyer": {"label": "Government of Indonesia", "city": {"label": "Jakarta"}},
        "supplier": {"label": "IBM"}}]}


def waze(data: Any) -> None:
    assert [f["datasetId"].rsplit("/", 1)[1] for f in data["toWaze"]] == ["road-closures"]
    assert [f["datasetId"].rsplit("/", 1)[1] for f in data["toJakarta"]] == [
        "waze-traffic-incidents"]


def ibm(data: Any) -> None:
    contracts = data["contracts"]
    assert contracts["totalCount"] == 3
    assert all(c["findings"] for c in contracts["nodes"])
    # No contract states its city: each takes its buyer's.
    assert [(c["label"], c["buyer"]["label"], c["city"]["label"])
            for c in contracts["nodes"]] == [
        ("City of Rio de Janeiro – IBM smarter-city contract",
         "City Government of Rio de Janeiro", "Rio de Janeiro"),
        ("Davao City – IBM Intelligent Operations Centre contract", "Davao City Government",
         "Davao City"),
        ("IBM analysis of Qlue data for the Government of Indonesia", "Government of Indonesia",
         "Jakarta")]


def public_deployments(data: Any) -> None:
    public = [n for n in data["search"]["nodes"] if n.get("publiclyAccessible")]
    without = [n["label"] for n in public if not n["impactAssessments"]]
    assert public
    assert "Air-quality sensors on lamp posts (fictional)" in without


def vendors(data: Any) -> None:
    ibm = [row for row in data["vendorConcentration"] if row["label"] == "IBM"]
    assert len({row["cityLabel"] for row in ibm}) >= 2


def adreach(data: Any) -> None:
    assert set(labels(data["reachableBy"]["datasets"])) >= {
        "Central Station camera footage (fictional)"}


def parking(data: Any) -> None:
    orgs = {o["label"]: o for o in data["whoCanAccess"]["organisations"]}
    assert orgs["EuroBackup Oy (fictional)"]["shortest"] >= 3


def swap(data: Any) -> None:
    node = data["node"]
    assert node["direction"] == {"label": "two-way exchange"}
    assert len(node["flows"]) == 2


def cities(data: Any) -> None:
    assert data["cities"]["totalCount"] >= 6
    assert any(c["fictional"] for c in data["cities"]["nodes"])


def binding_vs_benchmarks(data: Any) -> None:
    # Findings shift as the shapes grow: the check pins what standing means, not the list.
    binding, benchmarks = data["binding"], data["benchmarks"]
    assert binding["totalCount"] > 0
    assert benchmarks["totalCount"] > 0
    assert 0 < data["bindingViolations"]["totalCount"] <= binding["totalCount"]
    assert data["benchmarkViolations"] == {"totalCount": 0}  # a benchmark is never a violation
    assert all(n["standing"] == "binding" for n in binding["nodes"])
    assert all(n["legalSourceUrl"].startswith("https://") and n["law"] and n["where"]
               for n in binding["nodes"])
    assert binding["nodes"][0]["severity"] == "violation"  # most severe first
    facts = [fact for n in binding["nodes"] for fact in n["evidence"]]
    assert facts
    assert all(fact["subjectLabel"] and fact["predicateLabel"] for fact in facts)
    assert any(source["url"].startswith("http") for fact in facts for source in fact["sources"])
    for node in benchmarks["nodes"]:
        assert (node["standing"], node["severity"]) == ("benchmark", "info")
        assert node["ruleSeverity"] in ("violation", "warning", "info")
        assert node["message"].startswith("Measured against ")
        assert node["where"]
        assert node["law"]


def smarter_cities_challenge(data: Any) -> None:
    nodes = data["search"]["nodes"]
    assert [(n["label"], n["city"] and n["city"]["label"]) for n in nodes] == [
        ("IBM Smarter Cities Challenge", None),
        ("IBM Smarter Cities Challenge – Cebu (2012)", "Cebu"),
        ("IBM Smarter Cities Challenge – Jakarta (2011)", "Jakarta"),
        ("IBM Smarter Cities Challenge – Sekondi-Takoradi (2016)", "Sekondi-Takoradi")]
    assert {n["operator"]["label"] for n in nodes} == {"IBM"}
    assert [n["partOf"] for n in nodes[1:]] == [{"label": "IBM Smarter Cities Challenge"}] * 3
    parts = [(link["entity"]["kind"], link["property"]["compact"])
             for link in nodes[0]["linkedFrom"]["nodes"]]
    assert parts.count(("Programme", "cityreg:partOfProgramme")) == 3
    assert ("Processing", "cityreg:partOfProgramme") in parts


def administration_history(data: Any) -> None:
    # The seed is loaded once: one version added the administration, none changed it since.
    history = data["history"]
    assert history["label"] == "Jakarta city administration"
    assert (history["firstSeen"]["number"], history["lastChanged"]["number"]) == (1, 1)
    assert (history["complete"], history["notKnownBefore"]) == (True, None)
    [added] = history["versions"]["nodes"]
    assert history["versions"]["totalCount"] == 1
    assert (added["change"], added["fields"], added["version"]["number"]) == ("added", [], 1)
    assert any(f["iri"].endswith("/seed/jakarta.ttl") and len(f["sha256"]) == 64
               for f in added["version"]["files"])


def recent_changes(data: Any) -> None:
    changes = data["changes"]
    assert (changes["totalCount"], changes["complete"], changes["notKnownBefore"]) == (
        1, True, None)
    [seed] = changes["nodes"]
    assert (seed["number"], seed["statementsRemoved"], seed["entitiesKnown"]) == (1, 0, True)
    assert seed["statementsAdded"] > 0
    entities = seed["entities"]
    assert entities["totalCount"] > len(entities["nodes"]) == 100
    assert {(e["change"], len(e["fields"])) for e in entities["nodes"]} == {("added", 0)}


CHECKS: dict[str, Callable[[Any], None]] = {
    "nordhaven_station_footage": station_footage,
    "nordhaven_station_footage_2026": station_footage_2026,
    "nordhaven_trace_capped": capped, "jakarta_qlue_reports": qlue,
    "jakarta_qlue_asserted": qlue_asserted, "london_underground_wifi": underground_wifi,
    "singapore_vehicle_movements": vehicle_movements, "ibm_engagements": ibm_engagements,
    "ibm_smarter_cities_challenge": smarter_cities_challenge,
    "jakarta_contracts": jakarta_contracts,
    "waze_jakarta_exchange": waze, "ibm_contracts": ibm,
    "public_deployments_dpia": public_deployments, "vendor_concentration": vendors,
    "adreach_reach": adreach, "parking_subprocessors": parking, "nordhaven_swap": swap,
    "cities": cities, "binding_findings_vs_benchmarks": binding_vs_benchmarks,
    "jakarta_administration_history": administration_history,
    "recent_changes": recent_changes,
}


def test_every_query_has_a_check() -> None:
    assert len(QUERIES) >= 10
    assert {path.stem for path in QUERIES} == set(CHECKS)


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_cookbook_query(path: Path, seed_service: GraphQLService) -> None:
    result = seed_service.run(path.read_text(encoding="utf-8"))
    assert result.errors is None, result.errors
    CHECKS[path.stem](result.data)
