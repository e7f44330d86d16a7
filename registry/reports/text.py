"""The terminal report: findings grouped by entity, the most severe entity first.

::

    Parking-app processing contract (fictional) <https://w3id.org/cityreg/id/fixture/parking>
      violation  GDPR-28-3-g  The processor contract does not oblige ... [GDPR Art. 28(3)(g)]
      warning    GDPR-28-1    (not disclosed) Cannot be verified: ... [GDPR Art. 28(1)]

    Summary: 2 findings on 1 entity as of 2026-06-01: 1 violation, 1 warning, 0 info; ...
"""

from __future__ import annotations

from registry.findings import Finding, Kind, Severity
from registry.validate import ValidationReport


def render_text(report: ValidationReport) -> str:
    """The whole report as text, ending with the summary line and a newline."""
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault(finding.focus, []).append(finding)
    order = sorted(groups, key=lambda iri: (min(f.severity.rank for f in groups[iri]),
                                            groups[iri][0].focus_label.casefold(), iri))
    width = max((len(f.rule_id) for f in report.findings), default=0)
    blocks = []
    for iri in order:
        findings = groups[iri]
        lines = [f"{findings[0].focus_label} <{iri}>"]
        lines += [_line(finding, width) for finding in findings]
        blocks.append("\n".join(lines))
    blocks.append(summary_line(report))
    return "\n\n".join(blocks) + "\n"


def _line(finding: Finding, width: int) -> str:
    marker = "" if finding.kind == Kind.RULE else f"({finding.kind.label}) "
    return (f"  {finding.severity.value:<9}  {finding.rule_id:<{width}}  {marker}"
            f"{finding.message} [{finding.legal_source_label}]")


def summary_line(report: ValidationReport) -> str:
    """One line: counts per severity and per kind, the reference date, the rules checked."""
    when = report.as_of.isoformat()
    if not report.findings:
        return (f"Summary: no findings as of {when}: the registry meets all "
                f"{_count(len(report.rule_ids), 'rule')} checked.")
    severities = report.by_severity()
    kinds = report.by_kind()
    by_severity = ", ".join([_count(severities[Severity.VIOLATION], "violation"),
                             _count(severities[Severity.WARNING], "warning"),
                             f"{severities[Severity.INFO]} info"])
    by_kind = ", ".join(f"{kinds[kind]} {kind.label}" for kind in Kind)
    return (f"Summary: {_count(len(report.findings), 'finding')} on "
            f"{_count(len(report.entities()), 'entity', 'entities')} as of {when}: "
            f"{by_severity}; {by_kind}.")


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
