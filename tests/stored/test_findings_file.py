"""A server's findings stay in their SQLite file (registry.stored.findingsdb): every question
the pages and the API ask of them gets the answer the findings held in memory give, and the
server holds none of them."""

from __future__ import annotations

import dataclasses
import gc
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from registry import resources
from registry.api.connections import encode_cursor
from registry.findings import Finding
from registry.server import generation
from registry.server.generation import Settings
from registry.store import Registry
from registry.stored import findingsdb, served_validation, stored_validation
from registry.stored.findingsdb import StoredFindings, StoredValidationReport
from registry.validate import ValidationReport
from registry.web.admission import Limits

AS_OF = date(2026, 1, 1)


@pytest.fixture(scope="module")
def both(seed_folder: Path) -> tuple[StoredValidationReport, ValidationReport]:
    """The served report of the seed (read from its file) and the same findings in memory."""
    registry = Registry.open(seed_folder)
    stored = seed_folder / "cityreg-validation"
    served = served_validation(registry, stored, AS_OF)
    memory = stored_validation(registry, stored, AS_OF, save=False)
    assert isinstance(served.report, StoredValidationReport)
    assert memory.how == "stored"
    assert type(memory.report) is ValidationReport
    return served.report, memory.report


def test_the_file_gives_back_every_finding_in_report_order(both) -> None:
    served, memory = both
    assert isinstance(served.findings, StoredFindings)
    assert len(served.findings) == len(memory.findings) > 400
    assert list(served.findings) == list(memory.findings)
    assert served.findings[17:40] == list(memory.findings[17:40])
    assert served.findings[-1] == memory.findings[-1]
    assert served.findings[::50] == list(memory.findings[::50])
    with pytest.raises(IndexError):
        served.findings[len(memory.findings)]
    # the fields compared apart, the SHACL term of the value too (the Turtle report's)
    for mine, theirs in zip(served.findings, memory.findings, strict=True):
        assert (mine.value_term, mine.component, mine.raw_message) == (
            theirs.value_term, theirs.component, theirs.raw_message)


def test_filters_counts_and_entities_are_answered_as_in_memory(both) -> None:
    served, memory = both
    rule = memory.findings[0].rule_id
    for filters in ({}, {"benchmark": True}, {"benchmark": False}, {"severity": "warning"},
                    {"kind": "not-disclosed", "benchmark": False}, {"rule_id": rule},
                    {"standing": "binding", "severity": "violation"},
                    {"focus": memory.findings[3].focus, "kind": "rule"}):
        assert list(served.select(**filters)) == list(memory.select(**filters)), filters
        for column in ("rule_id", "law", "severity", "kind", "standing", "focus"):
            assert served.count_by(column, **filters) == memory.count_by(column, **filters)
    assert memory.count_by("standing").get("benchmark", 0) > 0  # the seed has both sides
    assert (served.by_severity(), served.by_kind(), served.by_standing()) == (
        memory.by_severity(), memory.by_kind(), memory.by_standing())
    assert served.entities() == memory.entities()
    assert served.conforms == memory.conforms
    assert [f for f in served.failing()] == memory.failing()
    with pytest.raises(ValueError, match="no finding filter 'message'"):
        served.select(message="x")
    with pytest.raises(ValueError, match="cannot count findings by 'message'"):
        served.count_by("message")


def test_an_entity_s_findings_and_their_evidence_are_read_from_the_file(both) -> None:
    served, memory = both
    for focus in memory.entities()[::5]:
        assert served.for_focus(focus) == memory.for_focus(focus)
        for finding in memory.for_focus(focus):
            assert served.evidence(finding) == memory.evidence(finding)
    assert any(memory.evidence(f) for f in memory.findings)
    assert served.for_focus("https://example.org/not-in-the-registry") == []


def test_the_file_is_read_only_for_the_key_it_was_made_for(seed_folder: Path, both) -> None:
    served, _memory = both
    path = seed_folder / "cityreg-validation" / findingsdb.FILE_NAME
    registry = Registry.open(seed_folder)
    try:
        again = served_validation(registry, path.parent, AS_OF)
        assert again.how == "stored"
        assert isinstance(again.report, StoredValidationReport)
        from registry.stored.validation import _key_now
        from registry.validate import shape_files

        key = _key_now(registry, AS_OF, shape_files())
        other = dataclasses.replace(key, as_of=date(2027, 1, 1))
        options = {"rule_ids": served.rule_ids, "sources": served.sources,
                   "shape_properties": {}}
        assert findingsdb.open_report(path, key, **options) is not None
        assert findingsdb.open_report(path, other, **options) is None
        assert findingsdb.open_report(path.with_name("missing.sqlite"), key, **options) is None
        damaged = path.with_name("damaged.sqlite")
        damaged.write_bytes(b"not a database at all" * 100)
        assert findingsdb.open_report(damaged, key, **options) is None
    finally:
        registry.close()


def test_a_damaged_file_is_made_again_by_validating(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with Registry.open(folder) as registry:
        registry.load(Path(__file__).parent.parent / "data" / "flows" / "testville.ttl")
        stored = folder / "cityreg-validation"
        first = served_validation(registry, stored, AS_OF)
        expected = list(first.report.findings)
        (stored / findingsdb.FILE_NAME).write_bytes(b"\0" * 4096)
        second = served_validation(registry, stored, AS_OF)
        assert second.how == "stored"  # the report beside it still holds: nothing ran
        assert isinstance(second.report, StoredValidationReport)
        assert list(second.report.findings) == expected
        with sqlite3.connect(stored / findingsdb.FILE_NAME) as check:
            assert check.execute("SELECT COUNT(*) FROM finding").fetchone()[0] == len(expected)


def test_a_folder_that_cannot_be_written_serves_the_findings_from_memory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Registry.open(tmp_path / "store") as registry:
        registry.load(Path(__file__).parent.parent / "data" / "flows" / "testville.ttl")
        blocked = tmp_path / "file-not-folder"
        blocked.write_text("x", encoding="utf-8")
        run = served_validation(registry, blocked / "cityreg-validation", AS_OF)
    assert type(run.report) is ValidationReport
    assert run.report.findings
    assert "could not keep the findings" in capsys.readouterr().err


def _findings_alive() -> int:
    gc.collect()
    return sum(isinstance(o, Finding) for o in gc.get_objects())


def test_a_served_store_holds_no_finding_in_memory(tmp_path: Path) -> None:
    """A first start validates, keeps the findings in their file and lets them go; asked for
    every page of findings, it holds none after the answer."""
    folder = tmp_path / "store"
    with Registry.open(folder) as registry:
        registry.load(resources.seed_dir())
    before = _findings_alive()
    settings = Settings("https://w3id.org/cityreg/id/", AS_OF, Limits().with_workers(1))
    served = generation.from_store_folder(folder, settings, 1)
    try:
        assert settings.status.as_json()["findings"] == "full"
        client = TestClient(served.app)
        for path in ("/", "/findings", "/findings.csv"):
            assert client.get(path).status_code == 200
        assert client.post("/graphql", json={"query": "{ findings(first: 500) { totalCount "
                                                      "nodes { focus } } }"}).status_code == 200
        assert _findings_alive() == before
    finally:
        served.close()


def _timeless(page: str) -> str:
    return re.sub(r'<time datetime="[^"]*">[^<]*</time>', "<time>", page)


_PAGES = ("/", "/findings", "/findings.csv", "/findings.json")
_GRAPHQL = """query ($after: String, $severity: String,
        $focus: ID) {
  findings(first: 40, after: $after, severity: $severity, focus: $focus) {
    totalCount pageInfo { endCursor hasNextPage }
    nodes { ruleId severity kind focus { id label } message legalSource standing where law
            evidence { subject predicate object } }
  }
}"""


def test_pages_and_graphql_answer_alike_from_the_file_and_from_memory(seed_folder: Path,
                                                                       both) -> None:
    """The same requests on a server over the store folder (findings in their file) and on
    one over the same data in memory (findings in the process)."""
    _served, memory = both
    settings = Settings("https://w3id.org/cityreg/id/", AS_OF, Limits().with_workers(1))
    on_disk = generation.from_store_folder(seed_folder, settings, 1)
    registry = Registry.memory()
    registry.load(resources.seed_dir())
    in_memory = generation.from_registry(registry, settings, 2)
    try:
        assert isinstance(on_disk.context.validation, StoredValidationReport)
        assert type(in_memory.context.validation) is ValidationReport
        disk, mem = TestClient(on_disk.app), TestClient(in_memory.app)
        entity = memory.entities()[2]
        paths = [*_PAGES, "/id/" + entity.removeprefix("https://w3id.org/cityreg/id/")]
        for path in paths:
            mine, theirs = disk.get(path), mem.get(path)
            assert theirs.status_code == 200, path
            # the two registries were loaded a few seconds apart: their histories' times differ
            assert (mine.status_code, _timeless(mine.text)) == (
                theirs.status_code, _timeless(theirs.text)), path
        for variables in ({}, {"severity": "warning"}, {"focus": entity},
                          {"after": encode_cursor(30)}):
            body = {"query": _GRAPHQL, "variables": variables}
            mine = disk.post("/graphql", json=body).json()
            theirs = mem.post("/graphql", json=body).json()
            assert "errors" not in theirs, theirs
            assert mine == theirs, variables
            assert theirs["data"]["findings"]["totalCount"] > 0
    finally:
        on_disk.close()
        in_memory.close()
