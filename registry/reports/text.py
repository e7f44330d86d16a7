"""The terminal report: binding findings, then benchmarks, each grouped by entity.

::

    Parking-app processing contract (fictional) <https://w3id.org/cityreg/id/fixture/parking>
      violation  GDPR-28-3-g  The processor contract does not oblige ... [GDPR Art. 28(3)(g)]
      warning    GDPR-28-1    (not disclosed) Cannot be verified: ... [GDPR Art. 28(1)]
        evidence: Parking contract - data processor - Fixture Vendor B.V. [Fixture source]

    Benchmarks: measured against law that does not bind where the entity is, or good practice

    Rio CCTV traffic network deployment <https://w3id.org/cityreg/id/rio/deployment/...>
      info       POST-NYC     Measured against ... (... does not bind in Rio de Janeiro (BR)): ...

    Summary: 3 findings on 2 entities as of 2026-06-01: 1 violation, 1 warning, 1 info; ...;
    2 binding, 1 benchmark, 0 under the chosen lens.

Each finding is followed by its evidence (the facts it rests on, with their sources) when the
report holds it and ``evidence`` is asked for.
"""

from __future__ import annotations

from registry.evidence import Fact
from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
from registry.validate import ValidationReport

#: The heading above the benchmark findings.
BENCHMARK_HEADING = ("Benchmarks: measured against law that does not bind where the entity is, "
                     "or good practice (never violations)")


def render_text(report: ValidationReport, *, evidence: bool = False) -> str:
    """The whole report as text, ending with the summary line and a newline."""
    binding = [f for f in report.findings if f.standing != Standing.BENCHMARK]
    benchmarks = [f for f in report.findings if f.standing == Standing.BENCHMARK]
    width = max((len(f.rule_id) for f in report.findings), default=0)
    blocks = _blocks(binding, report, width, evidence)
    if benchmarks:
        blocks.append(BENCHMARK_HEADING)
        blocks += _blocks(benchmarks, report, width, evidence)
    blocks.append(summary_line(report))
    return "\n\n".join(blocks) + "\n"


def _blocks(findings: list[Finding], report: ValidationReport, width: int,
            evidence: bool) -> list[str]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.focus, []).append(finding)
    order = sorted(groups, key=lambda iri: (min(f.rule_severity.rank for f in groups[iri]),
                                            groups[iri][0].focus_label.casefold(), iri))
    blocks = []
    for iri in order:
        lines = [f"{groups[iri][0].focus_label} <{iri}>"]
        for finding in groups[iri]:
            lines.append(_line(finding, width))
            if evidence:
                lines += [f"      evidence: {_fact(fact)}" for fact in report.evidence(finding)]
        blocks.append("\n".join(lines))
    return blocks


def _line(finding: Finding, width: int) -> str:
    marker = "" if finding.kind == Kind.RULE else f"({finding.kind.label}) "
    return (f"  {finding.severity.value:<9}  {finding.rule_id:<{width}}  {marker}"
            f"{finding.message} [{finding.legal_source_label}]")


def _fact(fact: Fact) -> str:
    sources = "; ".join(source.label for source in fact.sources)
    return fact.text + (f" [{sources}]" if sources else " [no source recorded]")


def summary_line(report: ValidationReport) -> str:
    """One line: counts per severity, per kind and per standing, the reference date."""
    when = report.as_of.isoformat()
    if not report.findings:
        return (f"Summary: no findings as of {when}: the registry meets all "
                f"{_count(len(report.rule_ids), 'rule')} checked.")
    severities = report.by_severity()
    kinds = report.by_kind()
    standings = report.by_standing()
    by_severity = ", ".join([_count(severities[Severity.VIOLATION], "violation"),
                             _count(severities[Severity.WARNING], "warning"),
                             f"{severities[Severity.INFO]} info"])
    by_kind = ", ".join(f"{kinds[kind]} {kind.label}" for kind in Kind)
    by_standing = ", ".join([f"{standings[Standing.BINDING]} binding",
                             _count(standings[Standing.BENCHMARK], "benchmark"),
                             f"{standings[Standing.LENS]} under the chosen lens"])
    lens = "" if report.lens is None else f" (lens: {report.lens.label})"
    return (f"Summary: {_count(len(report.findings), 'finding')} on "
            f"{_count(len(report.entities()), 'entity', 'entities')} as of {when}{lens}: "
            f"{by_severity}; {by_kind}; {by_standing}.")


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
