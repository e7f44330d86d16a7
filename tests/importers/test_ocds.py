"""OCDS: the standard's fictional example as a contract, amendments, not-disclosed facts, checks."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.importers import ImportProblems, import_files, write_store
from registry.importers.ocds import merge
from registry.store import Registry
from registry.validate import validate_registry

DATA = Path(__file__).parent / "data" / "ocds"
SHAPES = Path(__file__).parents[2] / "shapes"
BASE = "https://w3id.org/cityreg/id/barnet/"
CONTRACT = BASE + "contract/ocds-213czf-000-00001/ocds-213czf-000-00001-contract-01"
C = "https://w3id.org/cityreg#"


def _objects(triples: set[ox.Triple], subject: str, predicate: str) -> set[str]:
    return {str(t.object) for t in triples
            if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)}


@pytest.mark.parametrize("name", ["ocds-213czf-000-00001.json",
                                  "ocds-213czf-000-00001-record.json"])
def test_fictional_example_becomes_a_vendor_contract(name: str) -> None:
    [result] = import_files("ocds", [DATA / name], city="barnet")
    triples = result.triples
    assert _objects(triples, CONTRACT, C + "buyer") == {f"<{BASE}agency/gb-lac-e09000003>"}
    assert _objects(triples, CONTRACT, C + "supplier") == {
        f"<{BASE}company/gb-coh-11111111>"}
    assert _objects(triples, BASE + "company/gb-coh-11111111",
                    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == {f"<{C}Company>"}
    assert _objects(triples, CONTRACT, C + "value") == {
        '"11000000"^^<http://www.w3.org/2001/XMLSchema#decimal>'}
    assert _objects(triples, CONTRACT, C + "currency") == {'"GBP"'}
    assert _objects(triples, CONTRACT, C + "startDate") == {
        '"2010-07-01"^^<http://www.w3.org/2001/XMLSchema#date>'}
    assert _objects(triples, CONTRACT, C + "endDate") == {
        '"2011-06-30"^^<http://www.w3.org/2001/XMLSchema#date>'}
    assert _objects(triples, CONTRACT, C + "maximumTermMonths") == {
        '"18"^^<http://www.w3.org/2001/XMLSchema#integer>'}
    assert _objects(triples, CONTRACT, "http://purl.org/dc/terms/identifier") == {
        '"ocds-213czf-000-00001"', '"ocds-213czf-000-00001-contract-01"'}
    assert _objects(triples, CONTRACT, C + "procurementCategory") == {f"<{C}Works>"}
    assert _objects(triples, CONTRACT, C + "documentDisclosure") == {
        f"<{C}PartiallyDisclosed>"}
    assert _objects(triples, CONTRACT, C + "notDisclosed") == {
        f"<{C}automaticRenewal>", f"<{C}renewalTermMonths>",
        f"<{C}brandNamedWithoutEquivalent>"}
    signed = BASE + "source/ocds-213czf-000-00001/8-0"
    assert f"<{signed}>" in _objects(triples, CONTRACT, C + "source")
    assert _objects(triples, signed, C + "url") == {
        '"http://example.com/contracts/ocds-213czf-000-00001"'
        '^^<http://www.w3.org/2001/XMLSchema#anyURI>'}


def test_amendment_value_is_after_minus_before_and_value_stays_original() -> None:
    [result] = import_files("ocds", [DATA / "ocds-213czf-000-00001-amended.json"],
                            city="barnet")
    amendment = BASE + ("amendment/ocds-213czf-000-00001/ocds-213czf-000-00001-contract-01/1")
    assert _objects(result.triples, CONTRACT, C + "hasAmendment") == {f"<{amendment}>"}
    assert _objects(result.triples, amendment, C + "modificationValue") == {
        '"6000000"^^<http://www.w3.org/2001/XMLSchema#decimal>'}
    assert _objects(result.triples, amendment, C + "amendmentType") == {
        f"<{C}Extension>", f"<{C}Modification>"}
    assert _objects(result.triples, amendment, C + "amendmentDate") == {
        '"2011-05-01"^^<http://www.w3.org/2001/XMLSchema#date>'}
    assert _objects(result.triples, CONTRACT, C + "value") == {
        '"11000000"^^<http://www.w3.org/2001/XMLSchema#decimal>'}
    assert _objects(result.triples, CONTRACT, C + "endDate") == {
        '"2012-06-30"^^<http://www.w3.org/2001/XMLSchema#date>'}


def test_amendment_without_values_is_marked_not_disclosed(tmp_path: Path) -> None:
    package = json.loads((DATA / "ocds-213czf-000-00001-amended.json").read_text())
    package["releases"] = package["releases"][1:]  # the release before the amendment is gone
    path = tmp_path / "amended-only.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    [result] = import_files("ocds", [path], city="barnet")
    amendment = BASE + ("amendment/ocds-213czf-000-00001/ocds-213czf-000-00001-contract-01/1")
    assert _objects(result.triples, amendment, C + "notDisclosed") == {
        f"<{C}modificationValue>"}
    assert _objects(result.triples, amendment, C + "modificationValue") == set()


def test_lockin_and_procurement_checks_run_on_the_import() -> None:
    with Registry.memory() as registry:
        write_store(registry, import_files(
            "ocds", [DATA / "ocds-213czf-000-00001-amended.json"], city="barnet"))
        report = validate_registry(registry, shapes=[
            SHAPES / "prefixes.ttl", SHAPES / "lockin.ttl", SHAPES / "procurement.ttl"])
    found = {(f.rule_id, f.kind) for f in report.findings if f.focus == CONTRACT}
    # 6,000,000 added to 11,000,000 is 55%: Art. 72 is breached, from published values.
    assert ("PROC-72", "rule") in found
    # What OCDS cannot say is "not disclosed", never a violation.
    assert ("LOCK-AUTO", "not-disclosed") in found
    assert ("PROC-42-4", "not-disclosed") in found
    assert not any(kind == "rule" and rule.startswith("LOCK") for rule, kind in found)


def test_every_problem_is_reported_by_json_pointer(tmp_path: Path) -> None:
    package = json.loads((DATA / "ocds-213czf-000-00001.json").read_text())
    contract = package["releases"][4]["contracts"][0]
    contract["value"] = {"amount": "eleven million", "currency": "pounds"}
    contract["period"]["endDate"] = "2011-06-31"
    del package["releases"][2]["ocid"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(ImportProblems) as caught:
        import_files("ocds", [path], city="barnet")
    assert [str(p).split(": ", 1)[0] for p in caught.value.problems] == [
        f"{path}:/releases/2/ocid",
        f"{path}:/releases/4/contracts/0/value/amount",
        f"{path}:/releases/4/contracts/0/value/currency",
        f"{path}:/releases/4/contracts/0/period/endDate",
    ]
    assert str(caught.value.problems[1]).endswith(
        "'eleven million' is not a number: expected an amount such as 11000000")


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"releases": [\n  {"ocid": }\n]}', encoding="utf-8")
    with pytest.raises(ImportProblems) as caught:
        import_files("ocds", [path], city="barnet")
    assert str(caught.value.problems[0]) == f"{path}:2:12: not valid JSON: Expecting value"


def test_not_ocds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ImportProblems, match='expected "releases"'):
        import_files("ocds", [path], city="barnet")


def test_merge_follows_ocds_rules() -> None:
    first = {"tag": ["tender"], "parties": [{"id": "a", "name": "A", "roles": ["buyer"]}],
             "tender": {"title": "T", "value": {"amount": 1}}}
    second = {"tag": ["award"], "parties": [{"id": "a", "roles": ["payer"]}, {"id": "b"}],
              "tender": {"value": {"amount": 2}}}
    assert merge(first, second) == {
        "tag": ["award"],
        "parties": [{"id": "a", "name": "A", "roles": ["payer"]}, {"id": "b"}],
        "tender": {"title": "T", "value": {"amount": 2}},
    }


def test_reimport_is_idempotent() -> None:
    with Registry.memory() as registry:
        path = DATA / "ocds-213czf-000-00001.json"
        write_store(registry, import_files("ocds", [path], city="barnet"))
        count = len(registry)
        write_store(registry, import_files("ocds", [path], city="barnet"))
        assert len(registry) == count
