"""Shared helpers of the hostile-input corpus: run the CLI, snapshot a store, judge an error.

Every hostile case runs against a store that already holds valid data, and checks three things:
the command exits 2 with one ``Error: ...`` line (or a block of problems) that names the file
and the problem, nothing on any stream looks like a traceback or an "unexpected" bug report,
and every statement of the store (data, ontology and provenance) is as it was.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from registry import cli
from registry.store import Registry

EX = "https://example.org/h/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MIB = 1024 * 1024
#: Memory a subprocess may map: a parser that runs away aborts instead of taking the machine.
CHILD_MEMORY = 4 * 1024 * MIB
CITY = Path(__file__).resolve().parents[1] / "data" / "store" / "city"


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit code, standard output and standard error."""

    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> Outcome:
    """``cityreg ARGS`` in this process (click's runner), as a user would see it."""
    result = CliRunner().invoke(cli.main, [str(arg) for arg in args])
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_isolated(*args: str | Path, timeout: float = 120) -> Outcome:
    """``python -m registry ARGS`` in a child process with bounded memory.

    For the inputs that once crashed or exhausted the interpreter (entity expansion, deep
    nesting): if a guard regresses, the child aborts or is killed, not the test run.
    """
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))

    env = {key: value for key, value in os.environ.items() if key != "CITYREG_DEBUG"}
    child = subprocess.run([sys.executable, "-m", "registry", *map(str, args)],
                           capture_output=True, text=True, timeout=timeout, env=env,
                           preexec_fn=limit, check=False)
    return Outcome(child.returncode, child.stdout, child.stderr)


def snapshot(store: Path) -> frozenset[str]:
    """Every quad of the on-disk store (data, ontology, provenance) as N-Quads text."""
    with Registry.open(store) as registry:
        return frozenset(str(quad) for quad in registry.store.quads_for_pattern(
            None, None, None, None))


def make_store(folder: Path) -> Path:
    """A store holding the five small files of tests/data/store/city/ (five syntaxes)."""
    store = folder / "store"
    with Registry.open(store) as registry:
        registry.load(CITY)
    return store


def assert_refused(outcome: Outcome, file: str | Path, problem: str) -> None:
    """Exit 2, one clear ``Error:`` naming ``file`` and matching ``problem``, no traceback."""
    text = outcome.out + outcome.err
    assert "Traceback" not in text, text
    assert "this is a bug" not in text, text
    assert not re.search(r"Error: unexpected [A-Z]\w*:", text), text
    assert outcome.code == 2, (outcome.code, text)
    assert outcome.err.startswith("Error: "), text
    assert str(file) in outcome.err, (str(file), outcome.err)
    assert re.search(problem, outcome.err, re.IGNORECASE | re.DOTALL), (problem, outcome.err)


def assert_clean(outcome: Outcome) -> None:
    """Exit 0 and nothing that looks like a bug."""
    text = outcome.out + outcome.err
    assert "Traceback" not in text, text
    assert "this is a bug" not in text, text
    assert outcome.code == 0, (outcome.code, text)


def write(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
