"""Findings stored with an on-disk registry: reused while the registry, shapes, code and date
are unchanged; re-validated where a load changed a graph; identical to a full run always."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from registry import resources
from registry.store import Registry
from registry.stored import stored_validation
from registry.stored.reportfile import folder_of
from registry.validate import validate_registry

AS_OF = date(2026, 6, 1)
BASE = "https://example.org/graphs/"


@pytest.fixture
def seed_store(tmp_path: Path) -> tuple[Registry, Path, Path]:
    """An on-disk registry of a copy of the seed, one graph per file, and its folders."""
    files = tmp_path / "seed"
    shutil.copytree(resources.seed_dir(), files)
    registry = Registry.open(tmp_path / "store")
    registry.load(files, graph_base=BASE)
    yield registry, files, folder_of(tmp_path / "store")
    registry.close()


def _same_as_full(registry: Registry, report) -> None:
    full = validate_registry(registry, AS_OF)
    assert [(f, f.message, f.focus_label) for f in report.findings] == [
        (f, f.message, f.focus_label) for f in full.findings]
    assert [report.evidence(f) for f in report.findings] == [
        full.evidence(f) for f in full.findings]


def test_an_unchanged_registry_reuses_the_stored_findings(seed_store):
    registry, _files, folder = seed_store
    first = stored_validation(registry, folder, AS_OF)
    assert first.how == "full"
    assert (folder / "report.trig").is_file()
    again = stored_validation(registry, folder, AS_OF)
    assert again.how == "stored"
    assert len(again.report.findings) == len(first.report.findings) > 100
    _same_as_full(registry, again.report)


def test_the_stored_report_is_a_shacl_validation_report_in_its_own_graph(seed_store):
    registry, _files, folder = seed_store
    run = stored_validation(registry, folder, AS_OF)
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(folder / "report.trig"), format=ox.RdfFormat.TRIG)
    rows = list(store.query("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT (COUNT(?r) AS ?n) WHERE { GRAPH <urn:cityreg:graph:validation-report> {
            ?report a sh:ValidationReport ; sh:result ?r .
            ?r a sh:ValidationResult ; sh:focusNode ?f ; sh:resultSeverity ?s ;
               sh:sourceShape ?shape ; sh:sourceConstraintComponent ?c } }"""))
    assert int(rows[0]["n"].value) == len(run.report.findings)


def test_a_load_that_changes_a_graph_revalidates_only_what_it_can_change(seed_store):
    registry, files, folder = seed_store
    stored_validation(registry, folder, AS_OF)
    rio = files / "rio.ttl"
    rio.write_text(rio.read_text(encoding="utf-8").replace(
        'rdfs:label "', 'rdfs:label "Renamed ', 1), encoding="utf-8")
    registry.load(files, graph_base=BASE)
    run = stored_validation(registry, folder, AS_OF)
    assert run.how == "incremental"
    assert 0 < run.revalidated < len({f.focus for f in run.report.findings}) + 1_000
    assert any(f.focus_label.startswith("Renamed ") or "Renamed " in f.message
               for f in run.report.findings)
    _same_as_full(registry, run.report)
    assert stored_validation(registry, folder, AS_OF).how == "stored"


CLAUSE_FILE = """@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/contract/k1> a cityreg:VendorContract ;
    rdfs:label "Maintenance contract (fictional)"@en ;
    cityreg:absent cityreg:ExitPlanClause ;
    dpv:hasContractualClause <https://example.org/clause/c1> .
<https://example.org/clause/c1> a cityreg:%s ;
    rdfs:label "Clause 1 (fictional)"@en .
"""


def test_a_changed_class_revalidates_what_names_the_class_not_every_instance(seed_store):
    """A clause's rdf:type changed to a class its contract marks absent: the contract now
    states and denies the same fact (INT-STATE). Only the few entities whose walks reach the
    changed statement are validated again, not every instance of either class."""
    registry, files, folder = seed_store
    extra = files / "extra.ttl"
    extra.write_text(CLAUSE_FILE % "SecurityMeasuresClause", encoding="utf-8")
    registry.load(files, graph_base=BASE)
    assert not any(f.rule_id == "INT-STATE" and f.focus.endswith("/k1")
                   for f in stored_validation(registry, folder, AS_OF).report.findings)
    extra.write_text(CLAUSE_FILE % "ExitPlanClause", encoding="utf-8")
    registry.load(files, graph_base=BASE)
    run = stored_validation(registry, folder, AS_OF)
    assert run.how == "incremental"
    assert 0 < run.revalidated <= 5
    assert any(f.rule_id == "INT-STATE" and f.focus == "https://example.org/contract/k1"
               for f in run.report.findings)
    _same_as_full(registry, run.report)


def test_a_city_s_own_facts_revalidate_its_entities_not_the_registry(seed_store):
    """A city renamed, given another country code, then no longer typed a city: the places
    (and with them which laws apply) of the entities in and linked to it change, and only
    those are validated again. A registry of several cities has no "only city" that every
    unlocated entity falls back to, so a change to one city is not a change to all."""
    registry, files, folder = seed_store
    stored_validation(registry, folder, AS_OF)
    cities = files / "report.ttl"
    line = '<https://w3id.org/cityreg/id/rio/city/rio> a cityreg:City ; rdfs:label "Rio de Janeiro"@en ; cityreg:countryCode "BR" ;'  # noqa: E501
    for edited in (line.replace('"Rio de Janeiro"', '"Rio (renamed)"'),
                   line.replace('"Rio de Janeiro"', '"Rio (renamed)"').replace('"BR"', '"PT"'),
                   line.replace('"Rio de Janeiro"', '"Rio (renamed)"').replace('"BR"', '"PT"')
                   .replace("a cityreg:City", "a <http://www.w3.org/ns/org#Organization>")):
        text = cities.read_text(encoding="utf-8")
        assert text.count(line) == 1
        cities.write_text(text.replace(line, edited), encoding="utf-8")
        registry.load(files, graph_base=BASE)
        run = stored_validation(registry, folder, AS_OF)
        cities.write_text(text, encoding="utf-8")  # the next edit starts from the seed's
        assert run.how == "incremental"
        assert 0 < run.revalidated < 200
        _same_as_full(registry, run.report)


def test_removing_a_graph_drops_its_findings(seed_store):
    registry, _files, folder = seed_store
    before = stored_validation(registry, folder, AS_OF)
    registry.remove_graph(BASE + "london.ttl")
    run = stored_validation(registry, folder, AS_OF)
    assert run.how == "incremental"
    assert len(run.report.findings) < len(before.report.findings)
    _same_as_full(registry, run.report)


def test_an_update_another_date_or_a_damaged_file_validate_everything(seed_store):
    registry, _files, folder = seed_store
    stored_validation(registry, folder, AS_OF)
    assert stored_validation(registry, folder, date(2027, 1, 1)).how == "full"
    assert stored_validation(registry, folder, AS_OF).how == "full"  # the date changed back
    registry.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> rdfs:label \"a\" } }")
    assert stored_validation(registry, folder, AS_OF).how == "full"
    (folder / "report.trig").write_text("this is not TriG {", encoding="utf-8")
    run = stored_validation(registry, folder, AS_OF)
    assert run.how == "full"
    _same_as_full(registry, run.report)


def test_cityreg_validate_store_stores_and_reuses_the_findings(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from registry.cli import main

    store = tmp_path / "store"
    runner = CliRunner()
    loaded = runner.invoke(main, ["load", str(resources.seed_dir()), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    arguments = ["validate", "--store", str(store), "--as-of", "2026-06-01", "--format", "json"]
    first = runner.invoke(main, arguments)
    report = folder_of(store) / "report.trig"
    written = report.stat().st_mtime_ns
    second = runner.invoke(main, arguments)
    assert first.exit_code == second.exit_code == 1, (first.output, second.output)
    assert first.stdout == second.stdout
    assert report.stat().st_mtime_ns == written  # reused, not validated and written again
    with Registry.open(store) as registry:
        assert stored_validation(registry, folder_of(store), AS_OF, save=False).how == "stored"


def _generated(tmp_path: Path, organisations: int) -> Path:
    """A generated registry split into files of a few subjects each (like cities' files)."""
    import importlib.util
    import zlib

    import pyoxigraph as ox

    spec = importlib.util.spec_from_file_location(
        "bench_generate", Path(__file__).resolve().parents[2] / "bench" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    whole = tmp_path / "whole.ttl"
    module.generate(organisations, whole, 7)
    files = tmp_path / "files"
    files.mkdir()
    parts: dict[int, list[str]] = {}
    for triple in ox.parse(path=str(whole), format=ox.RdfFormat.TURTLE):
        part = zlib.crc32(str(triple.subject).encode()) % 8
        parts.setdefault(part, []).append(f"{triple} .\n")
    for part, lines in parts.items():
        (files / f"part{part}.nt").write_text("".join(lines), encoding="utf-8")
    return files


@pytest.mark.slow
def test_changed_statements_revalidate_exactly_what_a_full_run_changes(tmp_path: Path) -> None:
    """Random edits of one file of a generated registry (statements dropped, objects swapped,
    a label renamed): each time the findings and their evidence equal a full run's (a dropped
    label no longer shows, an involved entity's changed facts are the new ones), and an
    incremental run checks fewer entities than there are."""
    import random

    files = _generated(tmp_path, 20)
    registry = Registry.open(tmp_path / "store")
    try:
        registry.load(files, graph_base=BASE)
        folder = folder_of(tmp_path / "store")
        assert stored_validation(registry, folder, AS_OF).how == "full"
        rng = random.Random(21)
        subjects = len({q.subject for q in registry.store.quads_for_pattern(None, None, None)})
        hows: list[str] = []
        for round_number in range(4):
            path = files / f"part{round_number}.nt"
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            for _ in range(3):  # drop three statements
                lines.pop(rng.randrange(len(lines)))
            donor = lines[rng.randrange(len(lines))].split(" ", 2)[2]
            index = rng.randrange(len(lines))
            subject, predicate, _rest = lines[index].split(" ", 2)
            lines[index] = f"{subject} {predicate} {donor}"  # another statement's object
            path.write_text("".join(lines).replace('"@en', ' (renamed)"@en', 1),
                            encoding="utf-8")
            registry.load(files, graph_base=BASE)
            run = stored_validation(registry, folder, AS_OF)
            hows.append(run.how)
            if run.how == "incremental":
                assert 0 < run.revalidated < subjects
            _same_as_full(registry, run.report)
        # An edit whose reach is most of this small registry is validated in full instead.
        assert hows.count("incremental") >= 3, hows
    finally:
        registry.close()
