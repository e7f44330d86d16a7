"""The JSON report: a summary and the list of findings, with stable keys in a fixed order.

::

    {"as_of": "2026-06-01", "engine": "fast", "fail_on": "violation", "conforms": false,
     "jurisdiction": null,
     "summary": {"findings": 2, "entities": 1,
                 "by_severity": {"violation": 1, "warning": 1, "info": 0},
                 "by_kind": {"rule": 1, "not-disclosed": 1, "not-recorded": 0,
                             "manual-review": 0},
                 "by_standing": {"binding": 2, "benchmark": 0, "lens": 0}},
     "findings": [{"rule_id": "GDPR-28-3-g", "severity": "violation", ...,
                   "standing": "binding", "rule_severity": "violation",
                   "where": "Fixture City (fictional) (NL)", "law": "the GDPR ...",
                   "evidence": [{"subject": ..., "subject_label": ..., "predicate": ...,
                                 "predicate_label": ..., "object": ..., "object_label": ...,
                                 "derived": false,
                                 "sources": [{"iri": ..., "label": ..., "url": ...}]}]}]}

``jurisdiction`` is the lens the run was judged under (null: each entity where it is).
"""

from __future__ import annotations

import json
from typing import Any

from registry.evidence import Fact
from registry.findings import Finding
from registry.validate import ValidationReport

#: The keys of every finding object, in output order.
FINDING_KEYS = ("rule_id", "severity", "kind", "focus", "focus_label", "path", "value",
                "message", "legal_source", "legal_source_label", "legal_source_url",
                "resolution", "shape", "standing", "rule_severity", "where", "law",
                "evidence")


def report_dict(report: ValidationReport) -> dict[str, Any]:
    """The report as plain data (what :func:`render_json` writes)."""
    return {
        "as_of": report.as_of.isoformat(),
        "engine": report.engine,
        "fail_on": report.fail_on.value,
        "conforms": report.conforms,
        "jurisdiction": None if report.lens is None else report.lens.label,
        "summary": {
            "findings": len(report.findings),
            "entities": len(report.entities()),
            "by_severity": {s.value: n for s, n in report.by_severity().items()},
            "by_kind": {k.value: n for k, n in report.by_kind().items()},
            "by_standing": {s.value: n for s, n in report.by_standing().items()},
        },
        "findings": [finding_dict(f, report) for f in report.findings],
    }


def finding_dict(finding: Finding, report: ValidationReport) -> dict[str, Any]:
    """One finding with the keys of :data:`FINDING_KEYS`."""
    values: dict[str, Any] = {
        "rule_id": finding.rule_id, "severity": finding.severity.value,
        "kind": finding.kind.value, "focus": finding.focus, "focus_label": finding.focus_label,
        "path": finding.path, "value": finding.value, "message": finding.message,
        "legal_source": finding.legal_source, "legal_source_label": finding.legal_source_label,
        "legal_source_url": finding.legal_source_url,
        "resolution": finding.resolution, "shape": finding.shape,
        "standing": finding.standing.value, "rule_severity": finding.rule_severity.value,
        "where": finding.where, "law": finding.law,
        "evidence": [fact_dict(fact) for fact in report.evidence(finding)],
    }
    return {key: values[key] for key in FINDING_KEYS}


def fact_dict(fact: Fact) -> dict[str, Any]:
    """One fact of a finding's evidence, with its sources."""
    return {"subject": fact.subject, "subject_label": fact.subject_label,
            "predicate": fact.predicate, "predicate_label": fact.predicate_label,
            "object": fact.object, "object_label": fact.object_label, "derived": fact.derived,
            "sources": [{"iri": s.iri, "label": s.label, "url": s.url} for s in fact.sources]}


def render_json(report: ValidationReport) -> str:
    """The report as indented JSON (UTF-8 text, not ASCII-escaped), ending with a newline."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
