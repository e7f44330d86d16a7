"""Precision on clean cases (issue 22, part 6): tests/data/clean/*.ttl.

Each file is a complete, conformant fictional case for one body of law, written as a diligent
transparency officer of a city that complies fully with the law would publish it (following
ontology/MODELLING.md, not the shapes). Loaded with ``tests/data/prelude.ttl`` and validated as
of 2026-06-01, a case must produce:

* no finding with severity ``violation``;
* no ``warning`` that says a rule is not met (:attr:`Kind.RULE`);
* no other ``warning`` (not disclosed, not recorded, manual review) unless its rule id is
  listed in the header as ``# genuine gap: RULE-ID <why it is genuine>``: a gap that any real
  publication has, such as a document a person must read;
* every listed genuine gap, so that the header cannot go stale.

Findings at ``info`` are allowed: among them the benchmarks, findings of a law that does not
bind where the entity is (the GDPR in Seattle, Seattle's ordinance in Germany) or of good
practice that binds nowhere. A case headed ``# strict: benchmarks`` (the good-practice case)
is also judged on its benchmarks, each at its rule's own severity: it claims to follow the
recommendations and guidelines too.

Header lines (before the first line of Turtle): ``# body: <body of law>`` (required),
``# genuine gap: ...`` (any number), ``# strict: benchmarks`` (optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal
from test_fixtures import run  # a case loads and runs as a fixture does (prelude, as of)

from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
from registry.namespaces import CITYREG

DATA = Path(__file__).parent / "data"
CASES = sorted((DATA / "clean").glob("*.ttl"))
_HEADER = re.compile(r"^#\s*(body|genuine gap|strict)\s*:\s*(.*)$", re.IGNORECASE)
_RULE_ID = re.compile(r"^([A-Z][A-Z0-9]*(?:-[A-Za-z0-9/]+)+)\b\s*(.*)$")


@dataclass(frozen=True)
class Case:
    """A clean case and what its header says."""

    path: Path
    body: str
    gaps: dict[str, str]  # rule id -> why the gap is genuine
    strict: bool

    @classmethod
    def read(cls, path: Path) -> Case:
        body = ""
        gaps: dict[str, str] = {}
        strict = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                break
            match = _HEADER.match(line.strip())
            if not match:
                continue
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "body":
                body = value
            elif key == "strict":
                strict = value.lower() == "benchmarks"
            else:
                rule = _RULE_ID.match(value)
                assert rule, f"{path.name}: '# genuine gap: {value}' needs a rule id first"
                assert rule.group(2), f"{path.name}: '# genuine gap: {value}' needs a reason"
                gaps[rule.group(1)] = rule.group(2)
        return cls(path, body, gaps, strict)

    def judged_severity(self, finding: Finding) -> Severity:
        """The finding's severity; in a strict case, a benchmark's at its rule's own."""
        if self.strict and finding.standing == Standing.BENCHMARK:
            return finding.rule_severity
        return finding.severity




def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.severity} ({f.standing}, rule {f.rule_severity}) {f.kind} "
                     f"{f.rule_id} {f.focus}: {f.message}" for f in findings) or "  (none)"


def test_there_are_clean_cases() -> None:
    assert len(CASES) >= 9, [p.name for p in CASES]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_clean_case_has_no_finding_but_its_genuine_gaps(path: Path) -> None:
    case = Case.read(path)
    assert case.body, f"{path.name} needs a header line '# body: <body of law>'"
    findings = list(run(path, "fast"))
    violations = [f for f in findings if case.judged_severity(f) == Severity.VIOLATION]
    assert not violations, f"{path.name} has violations:\n{describe(violations)}"
    warnings = [f for f in findings if case.judged_severity(f) == Severity.WARNING]
    broken = [f for f in warnings if f.kind == Kind.RULE]
    assert not broken, f"{path.name} has warnings that a rule is not met:\n{describe(broken)}"
    unlisted = [f for f in warnings if f.rule_id not in case.gaps]
    assert not unlisted, (
        f"{path.name} has warnings not listed as '# genuine gap: RULE-ID why':\n"
        f"{describe(unlisted)}")
    stale = sorted(set(case.gaps) - {f.rule_id for f in warnings})
    assert not stale, f"{path.name} lists genuine gaps it does not produce: {stale}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_clean_case_is_fictional_and_sourced(path: Path) -> None:
    """Every labelled entity of a case is marked fictional, says so in its label, and has a
    source (sources themselves excepted)."""
    graph = Graph().parse(path, format="turtle")
    subjects = set(graph.subjects(RDFS.label, None))
    assert subjects, f"{path.name} labels no entity"
    problems = []
    for subject in sorted(subjects, key=str):
        labels = list(graph.objects(subject, RDFS.label))
        if len(labels) != 1 or "(fictional" not in str(labels[0]):
            problems.append(f"{subject}: needs exactly one label with '(fictional)': {labels}")
        if (subject, CITYREG.fictional, Literal(True)) not in graph:
            problems.append(f"{subject}: needs cityreg:fictional true")
        is_source = (subject, RDF.type, CITYREG.Source) in graph
        if not is_source and (subject, CITYREG.source, None) not in graph:
            problems.append(f"{subject}: needs a cityreg:source")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def normalised(findings: tuple[Finding, ...]) -> list[tuple[str, ...]]:
    """What must agree between engines: everything a report shows."""
    return sorted({(f.rule_id, f.severity, f.kind, f.focus, f.path, f.value, f.message)
                   for f in findings})


# pySHACL takes about ten seconds of CPU per case: opt-in, like the fixtures' full comparison.
@pytest.mark.heavy
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fast_engine_agrees_with_pyshacl_on_clean_case(path: Path) -> None:
    assert normalised(run(path, "fast")) == normalised(run(path, "pyshacl"))
