"""The per-contract report (``cityreg check``): one contract's facts and findings, for lawyers.

It shows what the registry records about a contract or agreement (parties and their roles,
dates, value, clauses with their place in the document, sub-processors and their own
sub-processing contracts down the chain, data flows, sources) and every finding about it and
its sub-processing contracts: rule id, the article cited and linked, the message and what would
resolve it.

Findings of law that binds where the contract is come first: rules not met; what cannot be
verified, because a fact the rule needs is not disclosed or not recorded (each says which);
what a person must review. Benchmarks (law that does not bind there, or good practice) follow
apart: never violations. Every finding has a number (``F1``...) and its evidence, the recorded
facts it rests on with their sources, is listed under that number at the end.

Rendered by Jinja2 templates in ``templates/``: printable HTML (print CSS, landmarks, table
headers with scope) and Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from rdflib import Literal, URIRef
from rdflib.term import Node

from registry.evidence import Fact as EvidenceFact
from registry.findings import Finding, Kind
from registry.jurisdiction import Standing
from registry.names import Names
from registry.store import Registry
from registry.validate import ValidationReport

_CONTRACT_TYPES = "FILTER (?kind = dpv:Contract || ?kind = dpv:DataProcessingAgreement)"
_ROLES = ("cityreg:buyer", "cityreg:supplier", "cityreg:hasParty", "dpv:hasDataController",
          "dpv:hasDataProcessor", "cityreg:authorisedSubProcessor", "cityreg:hasSubProcessor")
_DATES = ("cityreg:startDate", "cityreg:endDate", "cityreg:signedDate", "cityreg:value",
          "cityreg:currency", "cityreg:maximumTermMonths", "cityreg:documentDisclosure",
          "cityreg:sourceDocument", "cityreg:parentContract")
_HIDDEN = ("rdf:type", "rdfs:label", "dpv:hasContractualClause", "cityreg:hasDataFlow",
           "cityreg:source", "cityreg:notDisclosed", "cityreg:absent", "cityreg:city")
_PREFIXES = {"cityreg:": "https://w3id.org/cityreg#", "dpv:": "https://w3id.org/dpv#",
             "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
             "rdfs:": "http://www.w3.org/2000/01/rdf-schema#"}


def _iri(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return _PREFIXES[prefix + ":"] + local


@dataclass
class Fact:
    """A property of an entity and its values, labelled for people."""

    name: str
    values: list[tuple[str, str]]  # (text, link or "")


@dataclass
class FindingView:
    """A finding as the report shows it: ``number`` (``F1``...) names it in the evidence
    list; ``evidence`` the facts it rests on, with their sources."""

    finding: Finding
    source_url: str
    entity: str
    number: str = ""
    evidence: tuple[EvidenceFact, ...] = ()

    @property
    def kind_label(self) -> str:
        """``rule not met``, ``not disclosed``, ``not recorded``, ``manual review``."""
        return self.finding.kind.label

    @property
    def anchor(self) -> str:
        """The HTML id of its evidence entry."""
        return f"evidence-{self.number.lower()}"


@dataclass
class Section:
    """One contract of the chain (the checked contract first, then its sub-processing ones)."""

    iri: str
    label: str
    kinds: list[str]
    parties: list[Fact]
    terms: list[Fact]
    other: list[Fact]
    clauses: list[dict[str, str]]
    flows: list[dict[str, str]]
    markers: list[Fact]
    sources: list[tuple[str, str]]
    depth: int = 0


@dataclass
class ContractReport:
    """Everything the templates need.

    ``findings`` (rules not met), ``cannot_verify`` (not disclosed or not recorded) and
    ``manual_review`` bind where their contract is (or under a lens); ``benchmarks`` are
    measured against law that does not bind there, or good practice, whatever their kind.
    """

    contract: Section
    chain: list[Section]
    as_of: str
    findings: list[FindingView] = field(default_factory=list)
    cannot_verify: list[FindingView] = field(default_factory=list)
    manual_review: list[FindingView] = field(default_factory=list)
    benchmarks: list[FindingView] = field(default_factory=list)

    @property
    def not_disclosed(self) -> list[FindingView]:
        """The binding findings that cannot be verified because a fact is not disclosed."""
        return [v for v in self.cannot_verify if v.finding.kind == Kind.NOT_DISCLOSED]

    @property
    def not_recorded(self) -> list[FindingView]:
        """The binding findings that cannot be verified because a fact is not recorded."""
        return [v for v in self.cannot_verify if v.finding.kind == Kind.NOT_RECORDED]

    @property
    def numbered(self) -> list[FindingView]:
        """Every finding in the order of the report, as numbered."""
        return [*self.findings, *self.cannot_verify, *self.manual_review, *self.benchmarks]


def find_contract(registry: Registry, text: str) -> str:
    """The IRI of the contract or agreement named by ``text`` (IRI, or label).

    Labels match exactly first, then ignoring case (:mod:`registry.names`). Raises
    NotFoundError when nothing matches and InputError listing the candidates when several do.
    """
    rows = registry.select(
        "SELECT DISTINCT ?c ?label WHERE { ?c rdf:type/rdfs:subClassOf* ?kind . "
        f"{_CONTRACT_TYPES} OPTIONAL {{ ?c rdfs:label ?label }} }}")
    labels: dict[str, list[str]] = {}
    for row in rows:
        labels.setdefault(str(row["c"]), []).extend([str(row["label"])] if "label" in row else [])
    return Names.from_labels(labels).pick(
        text, "contract or agreement",
        "give its IRI or its label as the registry spells it (contracts are entities of type "
        "dpv:Contract or dpv:DataProcessingAgreement)", plural="contracts")


def chain(registry: Registry, iri: str) -> list[str]:
    """The sub-processing contracts below ``iri``, at any depth, level by level."""
    return [child for child, _depth in _chain_levels(registry, iri)]


def _chain_levels(registry: Registry, iri: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    seen = {iri}
    level, depth = [iri], 0
    while level:
        depth += 1
        nxt = []
        for parent in level:
            rows = registry.select(
                "SELECT ?top ?c WHERE { ?c cityreg:parentContract ?top } ORDER BY ?c",
                {"top": URIRef(parent)})
            for row in rows:
                child = str(row["c"])
                if child not in seen:
                    seen.add(child)
                    nxt.append(child)
                    found.append((child, depth))
        level = nxt
    return found


class _Describer:
    """Reads an entity's facts with labels, one query per entity."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def label(self, term: Node) -> str:
        if isinstance(term, Literal):
            return str(term)
        rows = self.registry.select("SELECT ?s ?l WHERE { ?s rdfs:label ?l }", {"s": term})
        texts = sorted(rows, key=lambda r: (getattr(r["l"], "language", None) != "en",
                                             str(r["l"])))
        return str(texts[0]["l"]) if texts else str(term)

    def facts(self, iri: str) -> dict[str, list[Node]]:
        rows = self.registry.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o",
                                    {"s": URIRef(iri)})
        found: dict[str, list[Node]] = {}
        for row in rows:
            found.setdefault(str(row["p"]), []).append(row["o"])
        return found

    def fact(self, predicate: str, values: list[Node]) -> Fact:
        shown = [(self.label(v), str(v) if isinstance(v, URIRef) else "") for v in values]
        return Fact(self.label(URIRef(predicate)), shown)

    def section(self, iri: str, depth: int = 0) -> Section:
        facts = self.facts(iri)

        def pick(curies: tuple[str, ...]) -> list[Fact]:
            return [self.fact(_iri(c), facts[_iri(c)]) for c in curies if _iri(c) in facts]

        known = {_iri(c) for c in (*_ROLES, *_DATES, *_HIDDEN)}
        other = [self.fact(p, v) for p, v in facts.items() if p not in known]
        clauses = [self.clause(c) for c in facts.get(_iri("dpv:hasContractualClause"), [])]
        flows = [self.flow(f) for f in facts.get(_iri("cityreg:hasDataFlow"), [])]
        sources = [(self.label(s), self.url(s)) for s in facts.get(_iri("cityreg:source"), [])]
        return Section(
            iri=iri, label=self.label(URIRef(iri)),
            kinds=sorted(self.label(t) for t in facts.get(_iri("rdf:type"), [])),
            parties=pick(_ROLES), terms=pick(_DATES), other=other,
            clauses=sorted(clauses, key=lambda c: (c["reference"], c["kind"])), flows=flows,
            markers=pick(("cityreg:notDisclosed", "cityreg:absent")), sources=sources,
            depth=depth)

    def url(self, source: Node) -> str:
        rows = self.registry.select("SELECT ?s ?u WHERE { ?s cityreg:url ?u }", {"s": source})
        return str(rows[0]["u"]) if rows else ""

    def clause(self, clause: Node) -> dict[str, str]:
        facts = self.facts(str(clause))
        hidden = {_iri("rdf:type"), _iri("cityreg:documentReference"), _iri("cityreg:quote"),
                  _iri("rdfs:label")}
        details = [self.fact(p, v) for p, v in facts.items() if p not in hidden]
        return {
            "kind": ", ".join(sorted(self.label(t) for t in facts.get(_iri("rdf:type"), []))),
            "reference": ", ".join(str(r) for r in facts.get(_iri("cityreg:documentReference"),
                                                              [])),
            "quote": " ".join(str(q) for q in facts.get(_iri("cityreg:quote"), [])),
            "details": "; ".join(f"{d.name}: {', '.join(t for t, _ in d.values)}"
                                 for d in details),
        }

    def flow(self, flow: Node) -> dict[str, str]:
        facts = self.facts(str(flow))

        def names(curie: str) -> str:
            return ", ".join(sorted(self.label(v) for v in facts.get(_iri(curie), [])))

        return {"provider": names("cityreg:provider"), "recipient": names("cityreg:recipient"),
                "dataset": names("cityreg:sharesDataset"), "purpose": names("dpv:hasPurpose"),
                "role": names("cityreg:recipientRole")}


def build_report(registry: Registry, iri: str, report: ValidationReport) -> ContractReport:
    """Collect the contract's facts and the findings about it and its chain."""
    describer = _Describer(registry)
    sections = [describer.section(iri)] + [describer.section(c, depth)
                                            for c, depth in _chain_levels(registry, iri)]
    labels = {s.iri: s.label for s in sections}
    result = ContractReport(sections[0], sections[1:], report.as_of.isoformat())
    for section in sections:
        for finding in report.for_focus(section.iri):
            source = report.sources.get(finding.legal_source)
            url = finding.legal_source_url or (source.url if source else finding.legal_source)
            view = FindingView(finding, url, labels[section.iri],
                               evidence=report.evidence(finding))
            if finding.standing == Standing.BENCHMARK:
                result.benchmarks.append(view)
            else:
                {Kind.RULE: result.findings, Kind.NOT_DISCLOSED: result.cannot_verify,
                 Kind.NOT_RECORDED: result.cannot_verify,
                 Kind.MANUAL_REVIEW: result.manual_review}[finding.kind].append(view)
    # Numbered in the order the report shows them: the contract's, then its chain's, each in
    # report order (most severe first).
    for number, view in enumerate(result.numbered, start=1):
        view.number = f"F{number}"
    return result


_ENVIRONMENT = Environment(
    loader=PackageLoader("registry.reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_contract(registry: Registry, iri: str, report: ValidationReport,
                    fmt: TypingLiteral["html", "markdown"] = "markdown") -> str:
    """The report on contract ``iri`` as HTML or Markdown."""
    template = _ENVIRONMENT.get_template("contract.html" if fmt == "html" else "contract.md")
    return template.render(report=build_report(registry, iri, report))
