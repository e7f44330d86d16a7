"""``--store URL``: every command answers on an engine what it answers on a store folder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from running_engines import Engine

from registry.cli import main
from registry.resources import seed_dir

TRACED = "https://w3id.org/cityreg/id/jakarta/dataset/qlue-reports"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path) -> str:
    """A store folder holding the seed: what the engine's answers are compared with."""
    store = str(tmp_path / "store")
    assert run("load", str(seed_dir()), "--store", store).exit_code == 0
    return store


def test_load_says_what_it_says_for_a_folder(engine: Engine, tmp_path: Path) -> None:
    on_folder = run("load", str(seed_dir()), "--store", str(tmp_path / "store"))
    on_engine = run("load", str(seed_dir()), "--store", engine.url)
    assert on_engine.exit_code == 0
    assert on_engine.output == on_folder.output
    assert run("load", str(seed_dir()), "--store", engine.url).output.splitlines()[-1] == (
        "11 files: 11 unchanged; 2439 statements.")


@pytest.mark.parametrize("args", [
    ["stats"],
    ["query", "SELECT ?city ?label WHERE { ?city a cityreg:City ; rdfs:label ?label } "
              "ORDER BY ?city"],
    ["query", "--format", "json", "ASK { ?s a cityreg:Agency }"],
    ["export", "--format", "turtle"],
    ["validate", "--as-of", "2026-12-01"],
    ["validate", "--as-of", "2026-12-01", "--format", "json", "--rule", "GDPR-28-3"],
    ["trace", TRACED, "--as-of", "2026-12-01"],
    ["check", "https://w3id.org/cityreg/id/jakarta/contract/ibm-qlue-analysis",
     "--as-of", "2026-12-01"],
], ids=lambda args: args[0] if args[0] != "query" else "query-" + args[1][:6])
def test_each_command_answers_as_on_a_store_folder(engine: Engine, folder: str,
                                                   args: list[str]) -> None:
    assert run("load", str(seed_dir()), "--store", engine.url).exit_code == 0
    expected = run(*args, "--store", folder)
    answered = run(*args, "--store", engine.url)
    assert (answered.exit_code, answered.output) == (expected.exit_code, expected.output)


def test_sparql_http_recognises_the_engine(engine: Engine) -> None:
    autodetected = "sparql+" + engine.url.split("+", 1)[1]
    result = run("load", str(seed_dir()), "--store", autodetected)
    assert result.exit_code == 0, result.output
    assert run("stats", "--store", engine.url).output == run(
        "stats", "--store", autodetected).output


@pytest.mark.parametrize(("store", "message"), [
    ("ftp+http://127.0.0.1:1", "neither a folder nor a known engine's URL"),
    ("oxigraph+ftp://127.0.0.1:1", "expected http or https"),
    ("oxigraph+http://alice:secret@127.0.0.1:1", "CITYREG_SPARQL_USER"),
    ("oxigraph+http://127.0.0.1:1/sparql", "has a path"),
])
def test_a_wrong_store_url_is_a_usage_error(store: str, message: str) -> None:
    result = run("stats", "--store", store)
    assert result.exit_code == 2
    assert message in result.output
    assert "secret" not in result.output


def test_an_engine_that_is_down_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from running_engines import free_port

    result = CliRunner().invoke(main, ["stats", "--store",
                                       f"oxigraph+http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: cannot use the store at oxigraph+http://127.0.0.1:")
    assert "cannot reach the oxigraph engine" in result.output
    assert "Traceback" not in result.output


def test_credentials_never_appear_in_an_error(virtuoso: Engine,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYREG_SPARQL_PASSWORD", "not-the-password")
    result = CliRunner().invoke(main, ["load", str(seed_dir()), "--store", virtuoso.url])
    assert result.exit_code == 2
    assert "refused the credentials (HTTP 401)" in result.output
    assert "not-the-password" not in result.output


def test_validate_stores_the_engines_findings_and_the_server_reads_them(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.remote import parse_location
    from registry.server import generation
    from registry.server.generation import Settings
    from registry.stored.reportfile import folder_of_engine
    from registry.web.admission import Limits

    monkeypatch.setenv("CITYREG_CACHE_DIR", str(tmp_path / "cache"))
    location = parse_location(engine.url)
    stored = folder_of_engine(location)
    assert stored is not None
    assert stored.is_relative_to(tmp_path / "cache")
    assert run("load", str(seed_dir()), "--store", engine.url).exit_code == 0
    first = run("validate", "--as-of", "2026-12-01", "--format", "json", "--store", engine.url)
    assert first.exit_code == 1
    assert stored.is_dir()
    again = run("validate", "--as-of", "2026-12-01", "--format", "json", "--store", engine.url)
    assert (again.exit_code, again.output) == (first.exit_code, first.output)

    settings = Settings("https://w3id.org/cityreg/id/", date(2026, 12, 1),
                        Limits().with_workers(1))
    served = generation.from_engine(location, settings, 1)
    try:
        findings = served.context.validation.findings
        assert settings.status.last["findings"] == "stored"
        assert len(findings) == len(json.loads(first.output)["findings"])
    finally:
        served.close()

    # a load changes the registry's key: the next run validates in full and stores anew
    (tmp_path / "extra.ttl").write_text(
        "<https://w3id.org/cityreg/id/x/agency> a <https://w3id.org/cityreg#Agency> .\n",
        encoding="utf-8")
    assert run("load", str(tmp_path / "extra.ttl"), "--store", engine.url).exit_code == 0
    served = generation.from_engine(location, settings, 2)
    try:
        served.context.validation  # noqa: B018
        assert settings.status.last["findings"] == "full"
    finally:
        served.close()
