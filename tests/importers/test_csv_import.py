"""CSV/XLSX through CSVW mappings: the shipped Amsterdam mapping, problems, XLSX, templates."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from registry.errors import InputError
from registry.importers import ImportProblems, import_files
from registry.importers.csv_mapping import SHIPPED, load_mapping
from registry.store import Registry

AMS = "https://w3id.org/cityreg/id/amsterdam/"
FILES = [Path("Sensorregistratie.csv"), Path("Uw gegevens.csv")]


def _objects(results: list, subject: str, predicate: str) -> set[str]:
    return {str(t.object) for r in results for t in r.triples
            if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)}


def test_amsterdam_sensors_have_location_type_purpose_flag_basis_and_removal(
        amsterdam: Path) -> None:
    results = import_files("csv", FILES, city="amsterdam")
    sensor, deployment = AMS + "sensor/TEST-0001", AMS + "deployment/TEST-0001"
    assert _objects(results, sensor, "https://w3id.org/cityreg#sensorType") == {
        "<https://w3id.org/cityreg#CameraSensor>"}
    assert _objects(results, deployment, "http://www.w3.org/ns/ssn/deployedSystem") == {
        f"<{sensor}>"}
    assert _objects(results, deployment, "http://www.w3.org/2003/01/geo/wgs84_pos#lat") == {
        '"52.379"^^<http://www.w3.org/2001/XMLSchema#decimal>'}
    assert _objects(results, deployment, "https://w3id.org/cityreg#processesPersonalData") == {
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'}
    assert _objects(results, deployment, "https://w3id.org/dpv#hasLegalBasis") == {
        "<https://w3id.org/dpv/legal/eu/gdpr#A6-1-e-public-interest>"}
    assert _objects(results, deployment, "https://w3id.org/cityreg#lawReference") == {
        '"Taak van algemeen belang"@nl'}
    assert _objects(results, deployment, "https://w3id.org/cityreg#endDate") == {
        '"2025-12-31"^^<http://www.w3.org/2001/XMLSchema#date>'}
    assert _objects(results, deployment, "https://w3id.org/cityreg#privacyNotice") == {
        '"https://www.amsterdam.nl/privacy/test-camera/"'
        '^^<http://www.w3.org/2001/XMLSchema#anyURI>'}
    assert _objects(results, AMS + "purpose/TEST-0001",
                    "http://www.w3.org/2000/01/rdf-schema#label") == {
        '"Drukte meten op het plein"@nl'}
    assert _objects(results, deployment, "https://w3id.org/cityreg#operator") == {
        f"<{AMS}org/gemeente-amsterdam>"}
    assert _objects(results, sensor, "http://www.w3.org/ns/dcat#theme") == {
        f"<{AMS}theme/mobiliteit-voetganger>", f"<{AMS}theme/veiligheid>"}
    assert _objects(results, deployment, "https://w3id.org/cityreg#city") == {
        f"<{AMS}city/amsterdam>"}


def test_multi_value_cells_and_dutch_legal_wording(amsterdam: Path) -> None:
    results = import_files("csv", FILES, city="amsterdam")
    assert _objects(results, AMS + "deployment/TEST-0002",
                    "https://w3id.org/cityreg#locationDescription") == {'"Zuid"@nl', '"West"@nl'}
    assert _objects(results, AMS + "deployment/7079-2297",
                    "https://w3id.org/dpv#hasLegalBasis") == {
        "<https://w3id.org/dpv/legal/eu/gdpr#A6-1-d>"}
    # no personal data flag "Nee" -> false, and no legal basis stated
    assert _objects(results, AMS + "deployment/TEST-0002",
                    "https://w3id.org/dpv#hasLegalBasis") == set()


def test_contact_person_is_not_imported(amsterdam: Path) -> None:
    results = import_files("csv", FILES, city="amsterdam")
    text = " ".join(str(t) for r in results for t in r.triples)
    assert "Pieter" not in text
    assert "p.ersoon" not in text
    assert "0612" not in text


def test_every_bad_row_is_reported_and_nothing_returned(amsterdam_bad: Path) -> None:
    with pytest.raises(ImportProblems) as caught:
        import_files("csv", [Path("Sensorregistratie.csv")], city="amsterdam")
    assert [str(p) for p in caught.value.problems] == [
        "Sensorregistratie.csv:3:Wanneer wordt de sensor verwijderd?: '31-02-2022': not a real "
        "date (day is out of range for month)",
        "Sensorregistratie.csv:4:Latitude: '52,37,1': expected a number",
        "Sensorregistratie.csv:6:Kies soort / type sensor: 'Radarsensor' is not a known value: "
        "expected one of 'Optische / camera sensor', 'Geluidsensor', 'Chemiesensor', "
        "'Aanwezigheid of nabijheidsensor', 'Temperatuursensor', 'Dichtheidssensor', "
        "'Druksensor', 'Positie- of verplaatsingsensor' ... (or add it to the mapping's "
        "cityreg:valueMap)",
        "Sensorregistratie.csv:6:Worden er persoonsgegevens verwerkt?: 'Misschien': expected "
        "'Ja' or 'Nee'",
    ]
    rows = {p.where.split(":")[0] for p in caught.value.problems}
    assert rows == {"3", "4", "6"}


def test_missing_required_column_is_reported_at_the_header(amsterdam: Path) -> None:
    text = Path("Sensorregistratie.csv").read_text(encoding="utf-8")
    Path("Sensorregistratie.csv").write_text(text.replace("Latitude;", "Breedtegraad;", 1),
                                             encoding="utf-8")
    mapping = SHIPPED / "amsterdam-sensor-register.json"
    with pytest.raises(ImportProblems) as caught:
        import_files("csv", [Path("Sensorregistratie.csv")], mapping=mapping, city="amsterdam")
    assert str(caught.value.problems[0]) == (
        "Sensorregistratie.csv:1:Latitude: missing required column (expected a header "
        "'Latitude')")


def test_xlsx_reads_like_csv(amsterdam: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in Path("Sensorregistratie.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(_cells(line))
    book.save("Sensorregistratie.xlsx")
    from_csv = import_files("csv", [Path("Sensorregistratie.csv")], city="amsterdam")
    from_xlsx = import_files("csv", [Path("Sensorregistratie.xlsx")], city="amsterdam")
    assert from_xlsx[0].triples == from_csv[0].triples
    assert from_xlsx[0].media_type.endswith("spreadsheetml.sheet")


def _cells(line: str) -> list[str]:
    import csv

    return next(csv.reader([line], delimiter=";"))


def test_no_city_or_base_is_refused(amsterdam: Path) -> None:
    with pytest.raises(InputError, match="give --city SLUG"):
        import_files("csv", FILES)


def test_unknown_header_names_the_templates(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no shipped mapping fits"):
        import_files("csv", [path], city="x")


def test_mapping_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"tables": [{"url": "a.csv", "tableSchema": {"columns": [
        {"name": "a", "datatype": "money"}]}}]}), encoding="utf-8")
    with pytest.raises(InputError, match=r"tables\[0\]\.tableSchema\.columns\[0\]\.datatype: "
                       "'money' is not supported"):
        load_mapping(path)


def test_import_twice_into_a_store_keeps_the_count(amsterdam: Path) -> None:
    from registry.importers import write_store

    with Registry.memory() as registry:
        write_store(registry, import_files("csv", FILES, city="amsterdam"))
        first = len(registry)
        loads = write_store(registry, import_files("csv", FILES, city="amsterdam"))
        assert len(registry) == first
        assert [load.status for load in loads] == ["unchanged", "unchanged"]
        sensors = registry.select("SELECT (COUNT(?s) AS ?n) WHERE { ?s a sosa:Sensor }")
        assert int(str(sensors[0]["n"])) == 4
