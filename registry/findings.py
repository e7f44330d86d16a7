"""The typed result of a legal check: a :class:`Finding`, its :class:`Severity` and :class:`Kind`.

A SHACL validation result says "focus node X fails shape S". A finding says what a lawyer needs:
which rule of the obligations catalogue (``GDPR-28-3-g``), how serious, whether the rule is
broken, cannot be verified because facts are not disclosed, or needs a person's judgement, the
article of law it rests on (``GDPR Art. 28(3)(g)``) and what would resolve it.
:mod:`registry.validate` builds findings from the annotations of the shapes in ``shapes/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from operator import attrgetter
from sys import intern

from rdflib.namespace import SH
from rdflib.term import Node, URIRef

from registry.jurisdiction import Standing
from registry.namespaces import CITYREG


class Severity(StrEnum):
    """How serious a finding is; compares equal to its string (``"violation"``)."""

    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for violation, 1 for warning, 2 for info: sort keys, most severe first."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self, threshold: Severity) -> bool:
        """True if this severity is ``threshold`` or more severe."""
        return self.rank <= threshold.rank

    @classmethod
    def from_iri(cls, iri: Node) -> Severity:
        """``sh:Violation`` -> VIOLATION etc.; any other severity IRI counts as a violation.

        SHACL allows custom severities; treating an unknown one as the most severe never hides
        a finding.
        """
        return {SH.Warning: cls.WARNING, SH.Info: cls.INFO}.get(URIRef(str(iri)), cls.VIOLATION)

    @property
    def iri(self) -> URIRef:
        """The SHACL severity IRI (``sh:Violation``, ``sh:Warning``, ``sh:Info``)."""
        return {Severity.VIOLATION: SH.Violation, Severity.WARNING: SH.Warning,
                Severity.INFO: SH.Info}[self]


_SEVERITY_ORDER = (Severity.VIOLATION, Severity.WARNING, Severity.INFO)


class Kind(StrEnum):
    """Whether the rule is broken, cannot be verified, or needs a person's review."""

    RULE = "rule"
    NOT_DISCLOSED = "not-disclosed"
    NOT_RECORDED = "not-recorded"
    MANUAL_REVIEW = "manual-review"

    @property
    def rank(self) -> int:
        """Sort order: rule findings, then not-disclosed, then manual review."""
        return _KIND_ORDER.index(self)

    @property
    def label(self) -> str:
        """The words reports use: ``rule not met``, ``not disclosed``, ``not recorded``,
        ``manual review``."""
        return {Kind.RULE: "rule not met", Kind.NOT_DISCLOSED: "not disclosed",
                Kind.NOT_RECORDED: "not recorded", Kind.MANUAL_REVIEW: "manual review"}[self]

    @property
    def iri(self) -> URIRef:
        """The ontology term (``cityreg:RuleViolation`` ...)."""
        return {Kind.RULE: CITYREG.RuleViolation, Kind.NOT_DISCLOSED: CITYREG.NotDisclosedFinding,
                Kind.NOT_RECORDED: CITYREG.NotRecordedFinding,
                Kind.MANUAL_REVIEW: CITYREG.ManualReviewFinding}[self]

    @classmethod
    def from_iri(cls, iri: Node | None) -> Kind:
        """The kind a shape's ``cityreg:findingKind`` names; a rule violation when absent."""
        if iri is None:
            return cls.RULE
        for kind in cls:
            if kind.iri == URIRef(str(iri)):
                return kind
        raise ValueError(f"unknown finding kind {iri}: expected cityreg:RuleViolation, "
                         "cityreg:NotDisclosedFinding, cityreg:NotRecordedFinding or "
                         "cityreg:ManualReviewFinding")


_KIND_ORDER = (Kind.RULE, Kind.NOT_DISCLOSED, Kind.NOT_RECORDED, Kind.MANUAL_REVIEW)


#: Stands for the focus IRI in a finding's stored message (see :class:`Finding`).
_FOCUS_MARK = "\x00"


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One legal finding about one registry entity.

    ``focus`` is the entity's IRI and ``focus_label`` its ``rdfs:label`` (the IRI when it has
    none); ``path`` the property concerned (IRI string, or ``""``); ``value`` the offending
    value (``""`` when there is none); ``message`` what the shape says about it;
    ``legal_source`` the article's IRI and ``legal_source_label`` how reports cite it;
    ``shape`` the IRI of the shape that found it. ``component`` (the SHACL constraint
    component) and ``value_term`` (the value as an RDF term) serve the Turtle report and do
    not take part in comparisons.

    ``standing`` says whether the law binds where the entity is (:mod:`registry.jurisdiction`):
    a benchmark is reported at ``info`` whatever ``rule_severity`` (the shape's severity, which
    applies where the law binds) says; ``where`` names the entity's place and ``law`` the body
    of law; ``legal_source_url`` links the article's text.

    A large registry has findings by the million, and most messages name their focus
    (``{$this}``): the message is stored with the focus IRI replaced by a mark, so that the
    findings of one rule share one string. ``message`` gives it back with the focus's label
    where the mark was (a lawyer reads labels); ``raw_message`` with its IRI.
    """

    rule_id: str
    severity: Severity
    kind: Kind
    focus: str
    focus_label: str
    path: str
    value: str
    #: ``message``, interned; with each occurrence of ``focus`` replaced by _FOCUS_MARK
    #: when ``marked``
    stored_message: str = field(repr=False)
    marked: bool = field(repr=False)
    legal_source: str
    legal_source_label: str
    resolution: str
    shape: str
    standing: Standing = Standing.BINDING
    rule_severity: Severity = Severity.VIOLATION
    where: str = ""
    law: str = ""
    legal_source_url: str = ""
    component: str = field(default="", compare=False, repr=False)
    value_term: Node | None = field(default=None, compare=False, repr=False)

    def __init__(self, rule_id: str, severity: Severity, kind: Kind, focus: str,
                 focus_label: str, path: str, value: str, message: str, legal_source: str,
                 legal_source_label: str, resolution: str, shape: str, component: str = "",
                 value_term: Node | None = None, *, standing: Standing = Standing.BINDING,
                 rule_severity: Severity | None = None, where: str = "", law: str = "",
                 legal_source_url: str = "") -> None:
        marked = bool(focus) and focus in message and _FOCUS_MARK not in message
        stored = message.replace(focus, _FOCUS_MARK) if marked else message
        fields = (("rule_id", rule_id), ("severity", severity), ("kind", kind),
                  ("focus", focus), ("focus_label", focus_label), ("path", path),
                  ("value", value), ("stored_message", intern(stored)), ("marked", marked),
                  ("legal_source", legal_source), ("legal_source_label", legal_source_label),
                  ("resolution", resolution), ("shape", shape), ("standing", standing),
                  ("rule_severity", severity if rule_severity is None else rule_severity),
                  ("where", intern(where)), ("law", intern(law)),
                  ("legal_source_url", intern(legal_source_url or legal_source)),
                  ("component", component), ("value_term", value_term))
        for name, content in fields:
            object.__setattr__(self, name, content)

    @property
    def message(self) -> str:
        """What the shape says about the focus, its variables filled in, naming labels."""
        if self.marked:
            return self.stored_message.replace(_FOCUS_MARK, self.focus_label)
        return self.stored_message

    @property
    def raw_message(self) -> str:
        """The message with the focus's IRI where :attr:`message` has its label."""
        if self.marked:
            return self.stored_message.replace(_FOCUS_MARK, self.focus)
        return self.stored_message

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _REPR_FIELDS)
        return f"Finding({shown})"

    @property
    def sort_key(self) -> tuple[bool, int, int, int, str, str, str, str, str]:
        """Binding before benchmarks; severity (most severe first, then the rule's own), kind,
        rule id, focus; then path, value, message."""
        return (*self.sort_key_before_message, self.message)

    @property
    def sort_key_before_message(self) -> tuple[bool, int, int, int, str, str, str, str]:
        """:attr:`sort_key` without the message, which is the only part built on demand."""
        return (self.standing == Standing.BENCHMARK, self.severity.rank,
                self.rule_severity.rank, self.kind.rank, self.rule_id, self.focus, self.path,
                self.value)


_REPR_FIELDS = ("rule_id", "severity", "kind", "focus", "focus_label", "path", "value", "message",
                "legal_source", "legal_source_label", "resolution", "shape", "standing", "where")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in report order (:attr:`Finding.sort_key`), exact duplicates removed.

    The same order as sorting on the whole key, got without building every message: a run
    over a large registry has findings by the million, and sorting on the whole key held
    every message (the last part of the key, rebuilt from the stored text) and a dictionary
    of every finding at once, at the end of the run. Findings are sorted on the rest of the
    key first (a stable sort); only within a run of equal rest are duplicates removed and
    messages compared.
    """
    result: list[Finding] = []
    head = attrgetter("sort_key_before_message")
    for _, tied in groupby(sorted(findings, key=head), key=head):
        group = list(tied)
        result += group if len(group) == 1 else sorted(dict.fromkeys(group),
                                                       key=attrgetter("message"))
    return result

