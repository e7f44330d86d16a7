"""The command line as a user starts it: no warning from cityreg or its dependencies.

pytest's ``filterwarnings = error`` only sees warnings raised inside the tests' own process;
these run the installed command line in a new Python with ``-W error``, so a deprecation that
a new release of Click (or anything the CLI imports) starts raising fails here by name.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

REPO = Path(__file__).resolve().parents[1]


def run_warnings_as_errors(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "error", *argv], capture_output=True,
                          text=True, timeout=120, check=False, cwd=REPO)


@pytest.mark.parametrize("module", ["registry.cli", "registry"])
def test_help_runs_with_warnings_as_errors(module: str) -> None:
    done = run_warnings_as_errors("-m", module, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"Usage: python -m {module} [OPTIONS] COMMAND [ARGS]...")
    assert "  export " in done.stdout


def test_export_of_the_seed_runs_with_warnings_as_errors() -> None:
    """`cityreg export seed --format n-triples | wc -l`: one line per distinct statement."""
    done = run_warnings_as_errors("-m", "registry", "export", "seed", "--format", "n-triples")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    union = rdflib.Graph()
    for path in sorted((REPO / "seed").rglob("*.ttl")):
        union.parse(path, format="turtle")
    assert len(done.stdout.splitlines()) == len(union)
