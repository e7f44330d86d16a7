"""``cityreg validate`` and ``cityreg check``: output, formats and exit codes (0, 1, 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from registry import resources
from registry.cli import main

DATA = Path(__file__).parent / "data"
PRELUDE = str(DATA / "prelude.ttl")
SHAPES = resources.shapes_dir()
ONLY_ART28 = ["--shapes", str(SHAPES / "prefixes.ttl"), "--shapes", str(SHAPES / "gdpr-art28.ttl")]
AS_OF = ["--as-of", "2026-06-01"]
NO_ANNEX = str(DATA / "invalid" / "GDPR-28-3-c--no-annex.ttl")
NO_DELETION = str(DATA / "invalid" / "GDPR-28-3-g--no-deletion-clause.ttl")
COMPLETE = str(DATA / "valid" / "art28-complete.ttl")


def cityreg(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_validate_prints_findings_grouped_by_entity_and_a_summary() -> None:
    result = cityreg("validate", PRELUDE, NO_ANNEX, *AS_OF, *ONLY_ART28)
    assert result.output == (
        "Parking-app processing contract (fictional) "
        "<https://w3id.org/cityreg/id/fixture/parking>\n"
        "  warning    GDPR-28-3-c  The security-measures clause does not list the measures in "
        "an annex, so it cannot be checked against Art. 32 (Art. 28(3)(c)). "
        "[GDPR Art. 28(3)(c)]\n"
        "\n"
        "Summary: 1 finding on 1 entity as of 2026-06-01: 0 violations, 1 warning, 0 info; "
        "1 rule not met, 0 not disclosed, 0 not recorded, 0 manual review; 1 binding, "
        "0 benchmarks, 0 under the chosen lens.\n")
    assert result.exit_code == 0  # a warning is below the default --fail-on violation


def test_fail_on_warning_makes_a_warning_fail() -> None:
    result = cityreg("validate", PRELUDE, NO_ANNEX, *AS_OF, *ONLY_ART28, "--fail-on", "warning")
    assert result.exit_code == 1


def test_a_violation_exits_with_1() -> None:
    result = cityreg("validate", PRELUDE, NO_DELETION, *AS_OF, *ONLY_ART28)
    assert result.exit_code == 1
    assert "  violation  GDPR-28-3-g  The processor contract does not oblige" in result.output


def test_a_conforming_registry_exits_with_0() -> None:
    result = cityreg("validate", PRELUDE, COMPLETE, *AS_OF, *ONLY_ART28)
    assert result.output == ("Summary: no findings as of 2026-06-01: the registry meets all "
                             "14 rules checked.\n")
    assert result.exit_code == 0


def test_json_format_and_rule_filter() -> None:
    result = cityreg("validate", PRELUDE, NO_DELETION, *AS_OF, *ONLY_ART28, "--format", "json",
                     "--rule", "GDPR-28-3-g")
    data = json.loads(result.output)
    assert list(data) == ["as_of", "engine", "fail_on", "conforms", "jurisdiction", "summary",
                          "findings"]
    assert data["jurisdiction"] is None
    assert data["summary"] == {
        "findings": 1, "entities": 1,
        "by_severity": {"violation": 1, "warning": 0, "info": 0},
        "by_kind": {"rule": 1, "not-disclosed": 0, "not-recorded": 0, "manual-review": 0},
        "by_standing": {"binding": 1, "benchmark": 0, "lens": 0}}
    [finding] = data["findings"]
    assert finding["rule_id"] == "GDPR-28-3-g"
    assert finding["legal_source_label"] == "GDPR Art. 28(3)(g)"
    assert result.exit_code == 1


def test_out_writes_the_report_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.ttl"
    result = cityreg("validate", PRELUDE, NO_DELETION, *AS_OF, *ONLY_ART28, "--format",
                     "turtle", "--out", str(out))
    assert result.output == f"Wrote {out}\n"
    assert "sh:ValidationReport" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.ttl"]


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "1 June"], "'1 June' is not a date: expected YYYY-MM-DD"),
    (["--rule", "NOPE-1"], "Error: unknown rule id NOPE-1"),
    (["--shapes", "/nonexistent/shapes.ttl"], "Error: the shapes path '/nonexistent/shapes.ttl'"),
])
def test_errors_exit_with_2_without_a_traceback(args: list[str], message: str) -> None:
    result = cityreg("validate", PRELUDE, COMPLETE, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_broken_shapes_exit_with_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ; "
                   "sh:targetNode", encoding="utf-8")
    result = cityreg("validate", PRELUDE, COMPLETE, "--shapes", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bad}: cannot read the shapes file")


def test_bad_data_exits_with_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = cityreg("validate", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")


@pytest.mark.slow
def test_without_paths_the_seed_is_validated() -> None:
    result = cityreg("validate", *AS_OF, "--format", "json")
    assert result.exit_code in (0, 1)
    assert json.loads(result.output)["summary"]["findings"] > 0


def test_check_finds_a_contract_by_label_ignoring_case() -> None:
    result = cityreg("check", "PARKING-APP PROCESSING CONTRACT (FICTIONAL)", PRELUDE, NO_DELETION,
                     *AS_OF)
    assert result.output.startswith(
        "# Contract report: Parking-app processing contract (fictional)\n")
    assert "| violation | GDPR-28-3-g | Parking-app processing contract (fictional) |" in (
        result.output)
    assert "[GDPR Art. 28(3)(g)](https://eur-lex.europa.eu/" in result.output
    assert result.exit_code == 1


def test_check_html_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "contract.html"
    result = cityreg("check", "https://w3id.org/cityreg/id/fixture/parking", PRELUDE, COMPLETE,
                     *AS_OF, "--format", "html", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<h3>Level 1: Sub-processing contract parking-cloud (fictional)</h3>" in html
    assert result.output == f"Wrote {out}\n"


def test_check_unknown_contract_is_not_found() -> None:
    result = cityreg("check", "No such contract", PRELUDE, COMPLETE)
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: no contract or agreement 'No such contract' in the registry; give its IRI")


def test_check_ambiguous_label_lists_the_candidates(tmp_path: Path) -> None:
    twin = tmp_path / "twin.ttl"
    twin.write_text(
        '<https://w3id.org/cityreg/id/fixture/twin> a <https://w3id.org/cityreg#VendorContract> ;'
        ' <http://www.w3.org/2000/01/rdf-schema#label> "parking-app processing contract '
        '(fictional)" .\n', encoding="utf-8")
    result = cityreg("check", "PARKING-APP processing contract (fictional)", PRELUDE, COMPLETE,
                     str(twin))
    assert result.exit_code == 2
    assert "names 2 contracts" in result.output
    assert "<https://w3id.org/cityreg/id/fixture/twin>" in result.output
