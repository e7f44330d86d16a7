"""`.ci/pins.py`: the pinned versions and the canary that names a breaking release.

The parts that need the network (a new virtual environment, the newest releases) run in CI;
these test what is decided from their output: reading pins, comparing them, reading pytest's
closing line, finding which upgrade breaks the tests, and that constraints.txt and
pyproject.toml agree.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]


def load_pins() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cityreg_ci_pins", REPO / ".ci" / "pins.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


pins = load_pins()


def test_pins_are_read_by_canonical_name_and_other_lines_are_left_out() -> None:
    text = ("# a comment\n\nSPARQLWrapper==2.0.0\ntyping_extensions==4.16.0  # why\n"
            "-e git+https://example.org/x.git#egg=x\ncityreg @ file:///tmp/c\nrdflib>=7\n")
    assert pins.parse_pins(text) == {
        "sparqlwrapper": ("SPARQLWrapper", "2.0.0"),
        "typing-extensions": ("typing_extensions", "4.16.0"),
    }


def test_drift_lists_upgrades_new_and_dropped_packages() -> None:
    pinned = pins.parse_pins("click==8.4.0\nrdflib==7.6.0\nold-helper==1.0\n")
    newest = pins.parse_pins("click==8.5.1\nrdflib==7.6.0\nhttpx2==2.17.0\n")
    found = pins.drift(pinned, newest)
    assert found.lines() == ["click 8.4.0 -> 8.5.1",
                             "httpx2 2.17.0 (new: not in constraints.txt)",
                             "old-helper 1.0 (no longer installed)"]
    assert not pins.drift(pinned, pinned)


def test_closing_line_is_read_from_either_pytest_style() -> None:
    verbose = "....F\n=== 24 failed, 1006 passed, 2 skipped in 101.5s ===\n"
    assert pins.closing_outcome(verbose).failed == 24
    assert pins.closing_outcome("1 failed, 3 errors in 2.0s").failed == 4
    assert pins.closing_outcome("1030 passed in 99.0s").failed == 0
    assert pins.closing_outcome("no tests ran in 0.1s").failed == 0
    assert pins.closing_outcome("Traceback ...\nImportError: x").failed == -1


def test_attribution_names_the_upgrade_whose_pin_makes_the_failures_pass() -> None:
    upgraded = [("click", "8.4.0", "8.5.1"), ("rdflib", "7.5.0", "7.6.0"),
                ("starlette", "1.9.0", "1.10.0")]
    held: list[str] = []

    def rerun(name: str, version: str) -> object:
        held.append(f"{name}=={version}")
        if name == "click":
            return pins.Outcome("1 failed, 23 passed", 1)
        if name == "starlette":
            return "ERROR: No matching distribution found for starlette==1.9.0"
        return pins.Outcome("24 failed", 24)

    suspects, untried = pins.attribute(upgraded, 24, rerun, budget_s=60)
    assert held == ["click==8.4.0", "rdflib==7.5.0", "starlette==1.9.0"]
    assert untried == []
    assert pins.verdict(24, suspects, untried) == [
        "click 8.5.1 (pinned 8.4.0): held at 8.4.0, 23 of the 24 failing tests pass",
        "no one upgrade held back makes all 24 pass: the others fail with several releases "
        "together, or for a reason the pins do not hold",
        "starlette 1.10.0: could not be held at 1.9.0 (ERROR: No matching distribution "
        "found for starlette==1.9.0)",
    ]


def test_attribution_stops_at_its_budget_and_says_what_it_did_not_try() -> None:
    ticks: Iterator[float] = iter([0.0, 1.0, 100.0, 200.0])
    suspects, untried = pins.attribute(
        [("a", "1", "2"), ("b", "1", "2"), ("c", "1", "2")], 3,
        lambda name, version: pins.Outcome("3 failed", 3), budget_s=50,
        clock=lambda: next(ticks))
    assert [suspect.name for suspect in suspects] == ["a"]
    assert untried == ["b 2", "c 2"]
    assert pins.verdict(3, suspects, untried) == [
        "no single upgrade, held back alone, makes a failing test pass: several releases "
        "together, or a test that fails by chance",
        "not tried, out of time: b 2, c 2",
    ]


def test_mismatches_name_wrong_versions_and_unpinned_packages() -> None:
    pinned = pins.parse_pins("click==8.5.1\nrdflib==7.6.0\n")
    assert pins.mismatches(pinned, {"click": "8.4.0", "rdflib": "7.6.0", "newdep": "1.0"}) == [
        "click: pinned 8.5.1, installed 8.4.0", "newdep: installed 1.0, not in constraints.txt"]
    assert pins.mismatches(pinned, {"rdflib": "7.6.0"}) == []


def test_the_project_closure_follows_extras_and_markers() -> None:
    closure = pins.project_closure()
    for needed in ("rdflib", "pyoxigraph", "click", "pytest", "httpx2", "pyparsing"):
        assert needed in closure, needed
    assert "hatchling" not in pins.project_closure(extras=frozenset())


def test_constraints_text_is_sorted_with_its_header() -> None:
    text = pins.constraints_text(pins.parse_pins("rdflib==7.6.0\nClick==8.5.1\n"),
                                 date(2026, 12, 6), "3.11.7", "Linux x86_64")
    assert text.splitlines()[-2:] == ["Click==8.5.1", "rdflib==7.6.0"]
    assert "Generated by `python .ci/pins.py lock`" in text
    assert "on 2026-12-06 with Python 3.11.7 on Linux x86_64" in text


def test_the_build_backend_pin_is_rewritten_once_or_refused() -> None:
    text = '[build-system]\nrequires = ["hatchling>=1.24"]\nbuild-backend = "hatchling.build"\n'
    assert 'requires = ["hatchling==1.33.0"]' in pins.pin_build_backend(text, "1.33.0")
    with pytest.raises(RuntimeError, match="expected one line"):
        pins.pin_build_backend("[build-system]\nrequires = []\n", "1.33.0")


# -- the repository's own files agree -----------------------------------------------------------

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PINNED = pins.parse_pins((REPO / "constraints.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("requirement", [
    *PYPROJECT["project"]["dependencies"],
    *PYPROJECT["project"]["optional-dependencies"]["test"],
])
def test_every_dependency_is_pinned_within_its_bounds(requirement: str) -> None:
    parsed = Requirement(requirement)
    key = pins.canonical(parsed.name)
    assert key in PINNED, f"{parsed.name} is not in constraints.txt: run python .ci/pins.py lock"
    assert parsed.specifier.contains(PINNED[key][1], prereleases=True), (
        f"constraints.txt pins {parsed.name}=={PINNED[key][1]} outside {parsed.specifier}")


def test_the_build_backend_is_pinned_to_the_constraints_version() -> None:
    [backend] = PYPROJECT["build-system"]["requires"]
    assert re.fullmatch(r"hatchling==[\w.]+", backend), backend
    assert backend == f"hatchling=={PINNED['hatchling'][1]}"


@pytest.mark.skipif(os.environ.get("CITYREG_PINNED") != "1",
                    reason="checks the pinned install only: .ci/run sets CITYREG_PINNED=1")
def test_this_environment_is_the_pinned_one() -> None:
    """The run that decides CI tests exactly the versions of constraints.txt."""
    installed = pins.project_closure()
    installed.pop("cityreg")
    assert pins.mismatches(PINNED, installed) == []


@pytest.mark.slow
def test_the_canary_runs_the_quick_tests_and_leaves_out_engines_and_slow_ones() -> None:
    """The canary's selection (so that CI keeps within 20 minutes): no test of
    tests/remote, none marked slow or heavy, and most of the suite all the same."""
    import subprocess

    def collected(*arguments: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0",
             "-p", "no:cacheprovider", *arguments],
            cwd=REPO, capture_output=True, text=True, check=True, timeout=300)
        return [line for line in done.stdout.splitlines() if "::" in line]

    canary = collected(*pins.CANARY_TESTS)
    every = collected()
    slow = set(collected("-m", "slow"))
    assert not [test for test in canary if test.startswith("tests/remote/")]
    assert not slow & set(canary)
    assert set(canary) < set(every)
    assert len(canary) > 0.8 * len(every)
