"""``cityreg report``: the documents on the command line, their formats, --template, --out,
--store, and errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from registry.cli import main
from registry.reports.documents import KINDS_DIR
from registry.store import Registry

DATA = Path(__file__).resolve().parent.parent / "data" / "reports"
FILES = [str(p) for p in sorted(DATA.glob("*.ttl"))]
KERB = "https://w3id.org/cityreg/id/vesterby/system/kerb-ai"
HYDE_PARK = "https://w3id.org/cityreg/id/london/deployment/hyde-park-phone-tracking"


def cityreg(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_json_keeps_the_templates_structure_and_sources() -> None:
    result = cityreg("report", "atrs-record", KERB, *FILES, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["kind"] == "atrs-record"
    assert document["version"] == "ATRS v2.1"
    assert document["law"]["applies"] is False
    first = document["sections"][0]["elements"][0]
    assert (first["reference"], first["id"], first["section"], first["status"]) == (
        "1.1", "name", "Tier 1: overview", "filled")
    assert first["values"][0]["sources"] == [{
        "label": "Vesterby algorithm and sensor register (fictional)",
        "url": "https://example.org/vesterby/register"}]
    assert document["counts"]["filled"] == 33


def test_the_seed_by_default_and_a_label_for_the_entity() -> None:
    result = cityreg("report", "use-policy", "Phone tracking in Hyde Park", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Surveillance use policy: Phone tracking in Hyde Park\n")
    assert "## Data retention (not disclosed)" in result.output
    assert "**not disclosed**: retention period (days) of Hyde Park visitors' routes and " \
           "origins" in result.output
    assert "does not bind in London (GB)" in result.output


def test_html_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "sir.html"
    result = cityreg("report", "surveillance-impact-report", KERB, *FILES, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}\n"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<main>" in html
    assert "Vesterby council minutes, 12 March 2024 (fictional)" in html  # the claim's source


def test_annual_report_for_a_year() -> None:
    result = cityreg("report", "annual-surveillance-report", "Vesterby (fictional)", *FILES,
                     "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["year"] == 2025
    assert document["counts"]["filled"] == 6


def test_an_adapted_template(tmp_path: Path) -> None:
    text = (KINDS_DIR / "surveillance-impact-report.toml").read_text(encoding="utf-8")
    adapted = tmp_path / "our-sir.toml"
    adapted.write_text(text.replace('heading = "Fiscal cost"', 'heading = "What it costs us"'),
                       encoding="utf-8")
    result = cityreg("report", "surveillance-impact-report", KERB, *FILES, "--template",
                     str(adapted), "--format", "md")
    assert result.exit_code == 0, result.output
    assert "## What it costs us (filled)" in result.output


def test_a_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with Registry.open(store) as registry:
        registry.load(*FILES)
    result = cityreg("report", "dpia-summary", "Loading-bay enforcement from plate images "
                     "(fictional)", "--store", str(store), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["law"]["applies"] is True


def test_errors_exit_with_2_and_say_what_was_expected(tmp_path: Path) -> None:
    unknown = cityreg("report", "impact-report", KERB, *FILES)
    assert unknown.exit_code == 2
    assert "unknown report kind 'impact-report': expected one of annual-surveillance-report" \
        in unknown.output
    wrong = cityreg("report", "dpia-summary", KERB, *FILES)
    assert wrong.exit_code == 2
    assert "is a cityreg:AISystem: a dpia-summary is about a cityreg:Processing" in wrong.output
    other = tmp_path / "other.toml"
    other.write_text((KINDS_DIR / "use-policy.toml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    mismatch = cityreg("report", "surveillance-impact-report", KERB, *FILES,
                       "--template", str(other))
    assert mismatch.exit_code == 2
    assert "the template is for 'use-policy'" in mismatch.output
    missing = cityreg("report", "use-policy", HYDE_PARK, "--template",
                      str(tmp_path / "none.toml"))
    assert missing.exit_code == 2
    assert "no template file" in missing.output
