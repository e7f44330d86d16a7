"""The benchmark scripts run at N=100 and print their table (no timing is asserted).

bench/ is not a package: the scripts are run as a user runs them, in a subprocess, and
bench/generate.py is also imported by path to check what it writes.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from registry.flows import AccessGraph
from registry.store import Registry
from registry.validate import validate_registry

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CITYREG = "https://w3id.org/cityreg#"


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _generate_module() -> ModuleType:
    return _bench_module("generate")


def test_the_files_of_several_cities_make_one_national_registry(tmp_path: Path) -> None:
    """``--city NAME`` sets a file's IRIs apart: two cities load into one registry of both
    files' statements, sharing no entity, and the file without a name is the same as ever."""
    generate = _generate_module().generate
    folder = tmp_path / "national"
    folder.mkdir()
    north = generate(30, folder / "north.ttl", 7, "north")
    south = generate(30, folder / "south.ttl", 7, "south")
    plain = generate(30, tmp_path / "plain.ttl", 7)
    assert north == south == plain
    assert (folder / "north.ttl").read_text(encoding="utf-8").replace(
        "/id/north/>", "/id/>", 1) == (tmp_path / "plain.ttl").read_text(encoding="utf-8")
    with Registry.memory() as registry:
        report = registry.load(folder)
        assert report.statements == north + south
        subjects = {}
        for name in ("north", "south"):
            rows = registry.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t } "
                                   f"FILTER STRENDS(STR(?g), '{name}.ttl') }}")
            subjects[name] = {str(row["s"]) for row in rows}
        assert len(subjects["north"]) > 1000
        assert not subjects["north"] & subjects["south"]
        assert all("/id/north/" in iri for iri in subjects["north"])
    with pytest.raises(ValueError, match="--city 'no/slash'"):
        generate(3, tmp_path / "bad.ttl", 7, "no/slash")


def _types(path: Path) -> Counter[str]:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return Counter(q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                                                    None))


def test_generate_is_deterministic_and_sized(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.ttl", tmp_path / "b.ttl", tmp_path / "c.ttl"
    generate = _generate_module().generate
    written = generate(100, first, 3)
    generate(100, second, 3)
    generate(100, other, 4)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    types = _types(first)
    assert types[CITYREG + "Agency"] + types[CITYREG + "Company"] == 100
    assert types["http://www.w3.org/ns/sosa/Sensor"] == 1000
    # one deployment per surveillance sensor, one per network of plain sensors
    assert types["http://www.w3.org/ns/ssn/Deployment"] == 300
    assert types["http://www.w3.org/ns/dcat#Dataset"] == 500
    assert types[CITYREG + "VendorContract"] == 100
    assert types[CITYREG + "DataSharingAgreement"] >= 100
    assert types[CITYREG + "SubProcessingContract"] > 0
    assert types["https://w3id.org/dpv#DPIA"] > 0
    assert types[CITYREG + "Amendment"] == 20
    assert types[CITYREG + "City"] == 2
    store = ox.Store()
    store.bulk_load(path=str(first), format=ox.RdfFormat.TURTLE)
    assert len(store) == written
    # issue #8: N=1000 comes to roughly 300k statements, N=10000 to roughly 3M
    assert 30_000 <= written <= 36_000


def test_generated_registry_makes_every_rule_fire(tmp_path: Path) -> None:
    path = tmp_path / "r.ttl"
    _generate_module().generate(100, path, 7)
    with Registry.memory() as registry:
        registry.load(path)
        report = validate_registry(registry, date(2026, 1, 1))
    assert {f.rule_id for f in report.findings} == report.rule_ids


def test_generated_registry_has_inferred_and_undisclosed_access(tmp_path: Path) -> None:
    """Issue #16: the benchmark measures the graded trace. The generated registry holds
    partly disclosed links (contracts without roles, builders of systems, agreements without
    data flows, recipients known by category or not disclosed), every rule of
    registry/flows/rules.py but derived-producer makes hops from them, and the sources the
    trace phase picks meet inferred and undisclosed access and gaps."""
    path = tmp_path / "r.ttl"
    _generate_module().generate(60, path, 7)
    phases = _bench_module("phases")
    with Registry.memory() as registry:
        registry.load(path)
        graph = AccessGraph.from_registry(registry)
        picked = phases.sources(registry, 100)
    made = Counter((hop.grade, hop.rule) for hop in graph.hops)
    assert {rule for grade, rule in made if grade == "inferred"} == {
        "contract-party", "contract-supplier", "agreement-party", "system-developer",
        "system-maintainer", "host"}
    assert {rule for grade, rule in made if grade == "undisclosed"} == {
        "recipient-category", "recipient-not-disclosed"}
    counts = phases.graded(graph, picked)
    assert len(picked) == 100
    assert counts["sources_asserted"] == len(picked)
    assert counts["sources_inferred"] >= 40
    assert counts["sources_undisclosed"] >= 5
    assert counts["organisations_inferred"] > 0
    assert counts["organisations_undisclosed"] > 0
    assert counts["gaps"] > 0


def test_generate_uses_only_ontology_terms(tmp_path: Path) -> None:
    path = tmp_path / "r.ttl"
    _generate_module().generate(30, path, 1)
    ontology = ox.Store()
    ontology.bulk_load(path=str(ROOT / "ontology" / "cityreg.ttl"), format=ox.RdfFormat.TURTLE)
    declared = {q.subject.value for q in ontology}
    data = ox.Store()
    data.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    used = {t.value for q in data for t in (q.predicate, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(CITYREG)}
    assert used - declared == set()


def test_generate_refuses_a_bad_size(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "generate.py"), "--n", "0", "--out",
                           str(tmp_path / "x.ttl")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--n 0: expected a positive number of organisations" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.ttl").exists()



def test_phase_scripts_refuse_bad_arguments() -> None:
    """bench/phases.py and bench/serve.py, run by hand with the wrong arguments, say how to
    call them and exit non-zero, without a traceback."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              check=False)

    usage = run(str(BENCH / "phases.py"))
    assert usage.returncode == 2
    assert usage.stderr.startswith("usage: python bench/phases.py PHASE FILE OPTIONS-JSON "
                                   "(PHASE: one of serve, load, ")
    unknown = run(str(BENCH / "phases.py"), "nonsense", "x.ttl", "{}")
    assert unknown.returncode == 2
    assert unknown.stderr == usage.stderr
    bad_json = run(str(BENCH / "phases.py"), "load", "x.ttl", "{bad")
    assert bad_json.returncode == 2
    assert bad_json.stderr.startswith("bench/phases.py: OPTIONS '{bad' is not JSON (")
    serve = run(str(BENCH / "serve.py"), "x.ttl")
    assert serve.returncode == 1
    assert serve.stderr == ("usage: python bench/serve.py FILE PORT "
                            "(bench/phases.py serve starts it)\n")
    for done in (usage, unknown, bad_json, serve):
        assert "Traceback" not in done.stderr

@pytest.mark.slow
def test_run_prints_the_table_at_n100(tmp_path: Path) -> None:
    path = tmp_path / "r100.ttl"
    statements = _generate_module().generate(100, path, 7)
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--file", str(path), "--repeat", "1",
         "--sources", "10", "--baseline-sources", "3", "--seconds", "1", "--concurrency", "2",
         "--no-pyshacl", "--no-anchors", "--no-engines"],
        capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("cityreg benchmark: r100.ttl (")
    assert lines[0].endswith(f"), {statements} statements, median of 1")
    header = next(line for line in lines if line.startswith("phase"))
    for column in ("cityreg", "baseline (same run)", "ratio", "target (N=10000)", "peak RSS"):
        assert column in header
    body = lines[lines.index(header) + 2:]
    phases = [line.split("  ")[0] for line in (body[:body.index("")] if "" in body else body)]
    assert phases == ["load (file -> store)", "full validation",
                      "full validation: pySHACL-turbo", "full validation: pyrudof",
                      "re-validate 1 contract", "server start, unchanged on-disk registry",
                      "re-validate after reloading 1 %",
                      "trace p50 (10 sources)", "trace p95",
                      "API build (read model, access graph)", "list 50 contracts, nested",
                      "server trace throughput (c=2)", "peak RSS (largest cityreg phase)"]
    table = "\n".join(lines)
    assert "pyshacl not run (--no-pyshacl)" in table
    assert "pySHACL-turbo not run (--no-anchors)" in table
    assert "pyrudof not run (--no-anchors)" in table
    assert "rdflib " in table
    assert " req/s" in table
    assert "(findings stored)" in table  # the restart read the findings the first run stored
    assert "three engines" not in table  # --no-engines


def test_the_engines_settings_follow_the_registry_s_size(tmp_path: Path) -> None:
    """Millions of statements (from 50 MB of files): the Oxigraph server loaded through its
    folder, Virtuoso's cache and transaction log grown with the files; flags given win."""
    settings_for = _bench_module("engines").settings_for
    small = tmp_path / "small.ttl"
    small.write_bytes(b"#" * 1_000_000)
    assert settings_for(small, None, None, None) == {
        "folder_load": False, "oxigraph_timeout_s": 120, "virtuoso_buffers": 20000,
        "virtuoso_after_image": 50_000_000}
    national = tmp_path / "cities"
    national.mkdir()
    for city in ("a", "b"):
        with (national / f"{city}.ttl").open("wb") as out:
            out.truncate(40_000_000)  # sparse: 80 MB in all, nothing written
    chosen = settings_for(national, None, None, None)
    assert chosen["folder_load"] is True
    assert chosen["oxigraph_timeout_s"] == 1800
    assert chosen["virtuoso_after_image"] == 800_000_000
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert chosen["virtuoso_buffers"] == max(20000, min(80 * 2400, memory // 4 // 8192))
    assert settings_for(national, "request", 30000, 60_000_000) == {
        "folder_load": False, "oxigraph_timeout_s": 1800, "virtuoso_buffers": 30000,
        "virtuoso_after_image": 60_000_000}


@pytest.mark.slow
def test_run_prints_the_three_engine_table(tmp_path: Path) -> None:
    """The table bench/run.py prints last (bench/engines.py, its own processes and engines),
    apart from the other phases so that the two run side by side."""
    path = tmp_path / "r20.ttl"
    statements = _generate_module().generate(20, path, 7)
    engines = _bench_module("run").engines_table(path, 600.0).splitlines()
    assert engines[0] == f"three engines: r20.ttl, {statements} statements"
    assert engines[1].split() == ["embedded", "oxigraph", "virtuoso"]
    assert engines[-1] == ("(virtuoso: 20,000 pages of page cache, TransactionAfterImageLimit "
                           "50,000,000 bytes)")  # a small registry: the engines' own settings
    assert [line[:28].strip() for line in engines[2:-1]] == [
        "load", "full validation", "re-validation of 1 contract",
        "first, after the change", "start-up", "findings and vendors ready",
        "a trace meanwhile", "start-up again (kept)", "ready again", "trace p50",
        "trace p95", "server RSS (cityreg)", "after the start", "start again: peak",
        "start again: after", "engine RSS (after the run)"]
    first = engines[5].split()  # the first focused run after the change, on every engine
    assert first[3:] == ["change", first[4], "s", first[6], "s", first[8], "s"]
    start, ready = engines[6].split(), engines[7].split()
    for engine in (1, 2):  # on an engine: served first, its findings ready after
        assert float(start[2 * engine + 1]) <= float(ready[4 + 2 * engine])
    again = engines[9].split()  # measured on both engines; the embedded store keeps nothing
    assert again[3:] == ["-", again[4], "s", again[6], "s"]
    assert float(again[4]) >= 0  # 0.0 s: the kept entity index opened at N=20
    assert float(again[6]) >= 0
    assert "failed" not in "\n".join(engines)
