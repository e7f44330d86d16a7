"""The anchors of bench/run.py: pySHACL-turbo and pyrudof, measured beside plain pyshacl on the
same data and shapes (issue #21).

The engines are a ``bench`` extra (``pip install -e '.[bench]'``), not a dependency: the tests
that run them are skipped where they are not installed. What an absent engine prints and what a
time limit prints are checked everywhere.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from registry.store import Registry
from registry.validate import validate_registry

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
AS_OF = date(2026, 1, 1)
#: A registry small enough for plain pyshacl (seconds, not minutes): one surveillance
#: deployment that processes personal data and keeps its opt-out undisclosed, with no
#: assessment, audit or oversight document. Several rules fire; two of them (PI-IA, PI-OPT)
#: match it through both branches of a UNION, which pyrudof reports twice.
DEPLOYMENT = """@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix ssn:     <http://www.w3.org/ns/ssn/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cityreg/id/test/deployment/cameras> a ssn:Deployment ;
    rdfs:label "Cameras on the square (fictional)"@en ;
    cityreg:processesPersonalData true ;
    cityreg:isSurveillanceTechnology true ;
    cityreg:notDisclosed cityreg:optOutAvailable .
"""
ENGINES = {"pyshacl-turbo": "pyshacl_turbo", "pyrudof": "pyrudof"}


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # run.py's dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated N=2 registry (885 statements)."""
    path = tmp_path_factory.mktemp("anchors") / "r2.ttl"
    _bench_module("generate").generate(2, path, 7)
    return path


@pytest.fixture(scope="module")
def tiny_findings(tiny: Path) -> int:
    """cityreg's findings on the N=2 registry, as the validate phase counts them."""
    with Registry.memory() as registry:
        registry.load(tiny)
        return len(validate_registry(registry, AS_OF).findings)


def _phase(phase: str, path: Path, env: dict[str, str] | None = None
           ) -> tuple[dict[str, object], subprocess.CompletedProcess[str]]:
    done = subprocess.run([sys.executable, str(BENCH / "phases.py"), phase, str(path), "{}"],
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures, done


@pytest.mark.slow
@pytest.mark.parametrize("phase", sorted(ENGINES))
def test_anchor_phase_counts_the_results_on_a_tiny_registry(tiny: Path, tiny_findings: int,
                                                            phase: str) -> None:
    """Each anchor phase runs in its own process on the generated N=2 registry and returns
    its figures; the results it counts are as many as cityreg's findings (one finding per
    validation result), once pyrudof's repeated results are counted once."""
    pytest.importorskip(ENGINES[phase])
    figures, _ = _phase(phase, tiny)
    assert set(figures) >= {"s", "cpu_s", "results", "distinct_results", "statements",
                            "setup_rss_mb", "rss_mb"}
    for key in ("s", "cpu_s", "rss_mb"):
        assert isinstance(figures[key], float)
        assert figures[key] > 0
    assert isinstance(figures["results"], int)
    assert isinstance(figures["distinct_results"], int)
    # the registry's 885 statements, the ontology, the context and the derived relations
    assert isinstance(figures["statements"], int)
    assert figures["statements"] > 885
    assert figures["distinct_results"] == tiny_findings > 100
    if phase == "pyshacl-turbo":
        assert figures["results"] == figures["distinct_results"]


@pytest.mark.slow
def test_anchors_find_as_many_results_as_plain_pyshacl(tmp_path: Path) -> None:
    """On the same graphs (shacl_inputs), pySHACL-turbo returns as many validation results as
    plain pyshacl, and pyrudof as many distinct ones. (pyrudof gives one result per solution
    of a SPARQL constraint's SELECT, so a UNION that matches the focus node twice gives two
    equal results, where pyshacl gives one; its raw count is not asserted.)"""
    pytest.importorskip("pyshacl_turbo")
    pytest.importorskip("pyrudof")
    path = tmp_path / "deployment.ttl"
    path.write_text(DEPLOYMENT)
    phases = _bench_module("phases")
    plain = phases.phase_pyshacl(path, {})
    turbo = phases.phase_pyshacl_turbo(path, {})
    rudof = phases.phase_pyrudof(path, {})
    assert plain["results"] > 10  # several rules fire
    assert plain["results"] == plain["distinct_results"]
    assert turbo["results"] == plain["results"]
    assert turbo["distinct_results"] == plain["distinct_results"]
    assert rudof["distinct_results"] == plain["results"]
    assert plain["statements"] == turbo["statements"] == rudof["statements"]


def test_absent_anchor_is_reported_not_raised(tiny: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the engines (modules that cannot be imported first on the path), each anchor
    phase says so in its JSON and on stderr, exits 0 without a traceback, and run.py prints
    how to install them."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    for module in ENGINES.values():
        (blocked / f"{module}.py").write_text(
            f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n")
    monkeypatch.setenv("PYTHONPATH", str(blocked))
    for phase in sorted(ENGINES):
        figures, done = _phase(phase, tiny)
        assert figures["installed"] is False
        assert figures["engine"] == phase
        assert f"No module named '{ENGINES[phase]}'" in str(figures["error"])
        assert "s" not in figures
        assert done.stderr.startswith(f"bench/phases.py: {phase} is not installed (")
        assert done.stderr.rstrip().endswith("pip install -e '.[bench]'")
    run = _bench_module("run")
    text, base, timed_out, figures = run.shacl_baseline("pyrudof", "pyrudof", tiny, {}, 60)
    assert text == "pyrudof not installed (pip install -e '.[bench]')"
    assert (base, timed_out) == (None, False)
    assert run.ratio(base, 1.0) == "-"


def test_phase_outliving_its_time_limit_is_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phase's process that outlives its time limit is stopped there: run_phase raises
    TimedOut with the limit, not a failure. The phase is a stand-in for bench/phases.py that
    sleeps far longer than the limit, so the outcome does not depend on the machine's speed."""
    run = _bench_module("run")
    (tmp_path / "phases.py").write_text("import time\ntime.sleep(600)\n", encoding="utf-8")
    monkeypatch.setattr(run, "HERE", tmp_path)
    with pytest.raises(run.TimedOut) as stopped:
        run.run_phase("pyshacl", tmp_path / "r.ttl", {}, 1.0)
    assert (stopped.value.limit, stopped.value.failed) == (1.0, False)
    assert str(stopped.value) == "> 1 s (timed out)"


@pytest.mark.parametrize("phase", sorted(ENGINES))
def test_anchor_outliving_its_time_limit_is_reported(
        phase: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An anchor's process that outlives the limit gives a "timed out" row with a lower bound
    for the ratio. The timeout is simulated: whether a real process answers within a short
    limit depends on the machine (an absent engine answers in a few milliseconds)."""
    run = _bench_module("run")
    name = dict(run.ANCHORS)[phase]

    def outlive(command: list[str], **options: object) -> None:
        assert command[2] == phase
        raise subprocess.TimeoutExpired(command, float(str(options["timeout"])))

    monkeypatch.setattr(run.subprocess, "run", outlive)
    text, base, timed_out, figures = run.shacl_baseline(phase, name, Path("r.ttl"), {}, 30)
    assert text == f"{name} > 30 s (timed out)"
    assert (base, timed_out, figures) == (30, True, None)
    assert run.ratio(base, 3.0, timed_out) == "> 10x"


def test_results_text_says_how_many_are_distinct() -> None:
    run = _bench_module("run")
    assert run.results_text({"results": 6913, "distinct_results": 6913}) == "6,913 results"
    assert run.results_text({"results": 144, "distinct_results": 135}) == (
        "144 results (135 distinct)")
