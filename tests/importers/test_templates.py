"""The shipped templates: each header is recognised, documented, and a filled copy imports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from registry.importers import import_files, write_store
from registry.importers.csv_import import detect_mapping
from registry.importers.csv_mapping import SHIPPED, load_mapping
from registry.store import Registry

TEMPLATES = Path(__file__).parents[2] / "registry" / "importers" / "templates"
FILLED = Path(__file__).parent / "data" / "templates"
NAMES = ["sensors", "datasets", "organisations", "contracts", "agreements"]
NORDHAVEN = "https://w3id.org/cityreg/id/nordhaven/"


@pytest.mark.parametrize("name", NAMES)
def test_template_header_is_its_mappings_columns(name: str) -> None:
    mapping = load_mapping(SHIPPED / f"template-{name}.json")
    [table] = mapping.tables
    with (TEMPLATES / f"{name}.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == [column.titles[0] for column in table.columns if not column.virtual]
    assert detect_mapping([TEMPLATES / f"{name}.csv"]).path == mapping.path


@pytest.mark.parametrize("name", NAMES)
def test_every_template_column_is_documented(name: str) -> None:
    document = json.loads((SHIPPED / f"template-{name}.json").read_text(encoding="utf-8"))
    columns = document["tables"][0]["tableSchema"]["columns"]
    undocumented = [c["name"] for c in columns
                    if not c.get("virtual") and not c.get("dc:description")]
    assert undocumented == []


@pytest.mark.parametrize("name", NAMES)
def test_empty_template_imports_nothing(name: str) -> None:
    [result] = import_files("csv", [TEMPLATES / f"{name}.csv"], city="nordhaven")
    assert result.triples == set()


def test_filled_templates_link_up_in_one_registry() -> None:
    paths = [FILLED / f"{name}.csv" for name in NAMES]
    with Registry.memory() as registry:
        for path in paths:
            write_store(registry, import_files("csv", [path], city="nordhaven"))
        rows = registry.select("""
            SELECT ?operatorLabel ?purpose ?basis ?vendor WHERE {
                ?d ssn:deployedSystem ?s ; cityreg:operator/rdfs:label ?operatorLabel ;
                   dpv:hasPurpose ?purpose ; dpv:hasLegalBasis ?basis .
                ?s cityreg:developer/rdfs:label ?vendor .
            }""")
        assert [(str(r["operatorLabel"]), str(r["purpose"]), str(r["basis"]), str(r["vendor"]))
                for r in rows] == [(
                    "Nordhaven Transport Department", "https://w3id.org/cityreg#CrowdAnalytics",
                    "https://w3id.org/dpv/legal/eu/gdpr#A6-1-e-public-interest",
                    "Vista Analytics B.V.")]
        assert registry.ask(f"""ASK {{
            <{NORDHAVEN}contract/vista-2023> a cityreg:VendorContract ;
                cityreg:supplier/a cityreg:Company ; cityreg:value 240000.50 ;
                cityreg:documentDisclosure cityreg:NotDisclosed ;
                cityreg:coversDataset/a dcat:Dataset .
            <{NORDHAVEN}agreement/footfall-sharing> cityreg:hasDataFlow ?flow .
            ?flow cityreg:provider <{NORDHAVEN}agency/transport> ;
                  cityreg:sharesDataset <{NORDHAVEN}dataset/footfall> ;
                  cityreg:onwardSharingAllowed false .
        }}""")


def test_prefixed_terms_are_accepted_where_a_value_map_is(tmp_path: Path) -> None:
    path = tmp_path / "sensors.csv"
    text = (FILLED / "sensors.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("crowd and footfall analytics", "cityreg:TrafficManagement"),
                    encoding="utf-8")
    [result] = import_files("csv", [path], city="nordhaven")
    assert any(str(t.object) == "<https://w3id.org/cityreg#TrafficManagement>"
               for t in result.triples)
