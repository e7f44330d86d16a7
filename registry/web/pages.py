"""What an entity page shows, computed from the registry; and how pages link to each other.

:class:`Linker` turns site paths (``/id/rio/system/centre``, ``/cities/``) into hrefs: as they are
for the server, or relative to the page being written for the static site, so that a published
folder opened from disk (``file://``) links correctly. :func:`entity_page` gathers one entity's
facts, sources, incoming references, legal findings and data-flow diagram (with the gaps of
its data flows) into an :class:`EntityPage` that ``templates/entity.html`` renders. The
diagram of an entity that stands for data (a sensor, dataset, ... that
:mod:`registry.web.tracepages` can trace) is the chain of its trace, as on its trace page;
any other entity gets the diagram of its neighbours (:mod:`registry.web.diagram`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import rdflib
from rdflib import RDF, RDFS, XSD, BNode, Literal, URIRef

from registry.context import RegistryContext
from registry.errors import NotReady
from registry.namespaces import CITYREG, DCT
from registry.server.firstrun import LEGAL_FINDINGS
from registry.web import diagram, ontology_doc, tracepages
from registry.web.dumps import describe

#: Predicates shown in their own place on the page rather than in the table of facts.
if TYPE_CHECKING:
    from registry.evidence import Fact as EvidenceFact
    from registry.findings import Finding
    from registry.flows.model import Gap
    from registry.validate import ValidationReport
    from registry.web.tracepages import ChainFigure

_SHOWN_ELSEWHERE = {RDF.type, RDFS.label, DCT.description, CITYREG.source}


class Linker:
    """Hrefs for site paths, absolute (server) or relative to one output file (static site)."""

    def __init__(self, entity_base: str, current: str | None = None) -> None:
        """``current`` is the site path of the page being written statically; ``None`` for the
        server, where site paths are used as they are."""
        self.entity_base = entity_base
        self.current = current

    @property
    def static(self) -> bool:
        """Whether links are made for the static site."""
        return self.current is not None

    def href(self, site_path: str) -> str:
        """The href for ``site_path`` from the current page (``#fragment`` kept)."""
        path, hash_mark, fragment = site_path.partition("#")
        if self.current is None:
            return site_path
        target = static_file(path)
        here = posixpath.dirname(static_file(self.current))
        return posixpath.relpath(target, here or ".") + hash_mark + fragment

    def entity_path(self, iri: str) -> str | None:
        """``/id/<path>`` for an IRI under the entity base, else ``None``."""
        if iri.startswith(self.entity_base) and len(iri) > len(self.entity_base):
            return "/id/" + iri[len(self.entity_base):]
        return None

    def term_href(self, iri: str) -> str:
        """Where a link to ``iri`` goes: its entity page, its ontology entry, or the IRI."""
        path = self.entity_path(iri)
        if path is not None:
            return self.href(path)
        if iri in ontology_doc.documented_terms():
            return self.href("/ontology#" + ontology_doc.anchor(iri))
        return iri


def static_file(site_path: str) -> str:
    """The file of the static site that serves ``site_path`` (relative to the site root).

    ``/`` and folder paths get ``index.html``; a path whose last segment has an extension is a
    file already; any other path is a page, written as ``<path>.html``.
    """
    path = site_path.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    if "." in path.rsplit("/", 1)[-1]:
        return path
    return path + ".html"


@dataclass
class Value:
    """One value in a fact: text, where it links to (if anywhere), nested facts of a blank node."""

    text: str
    href: str | None = None
    external: bool = False
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Fact:
    """A predicate with its label and its values."""

    label: str
    predicate: str
    values: list[Value]


@dataclass(frozen=True)
class SourceRef:
    """A source the entity's facts come from."""

    label: str
    url: str | None
    retrieved: str | None
    page: str | None


@dataclass(frozen=True)
class FindingView:
    """A legal finding as the pages show it: with its standing in words and its evidence (the
    recorded facts it rests on, with their sources)."""

    finding: Finding
    evidence: tuple[EvidenceFact, ...] = ()

    @property
    def benchmark(self) -> bool:
        """True for a benchmark: law that does not bind where the entity is, or good practice;
        never a violation."""
        return is_benchmark(self.finding)

    @property
    def standing(self) -> str:
        """The standing and where, in words: ``binding in Fixture City (NL)``, ``benchmark in
        Rio de Janeiro (BR)``, ``benchmark: where it is, is not recorded``."""
        return standing_text(self.finding)

    @property
    def kind_label(self) -> str:
        """``not disclosed``, ``not recorded``, ``manual review``; empty for a rule not met."""
        return kind_label(self.finding)


def is_benchmark(finding: Finding) -> bool:
    """True if ``finding`` is a benchmark (its standing, compared as text: the pages work
    without the legal checks' modules)."""
    return str(finding.standing) == "benchmark"


def standing_text(finding: Finding) -> str:
    """A finding's standing and where, in words (see :attr:`FindingView.standing`)."""
    where = finding.where
    standing = str(finding.standing)
    if standing == "benchmark":
        if where == "not recorded":
            return "benchmark: where it is, is not recorded"
        return f"benchmark in {where}" if where else "benchmark"
    if standing == "lens":
        return f"under the chosen lens ({where})" if where else "under the chosen lens"
    return f"binding in {where}" if where else "binding"


def kind_label(finding: Finding) -> str:
    """The words for a finding's kind, empty for a rule not met."""
    return "" if str(finding.kind) == "rule" else finding.kind.label


@dataclass
class EntityPage:
    """Everything ``entity.html`` shows about one entity.

    ``findings`` are the binding findings (``None`` without the legal checks), ``benchmarks``
    the findings measured against law that does not bind where the entity is, or against good
    practice.
    """

    iri: str
    label: str
    description: str | None
    types: list[Value]
    facts: list[Fact]
    referenced_by: list[tuple[Value, str]]
    sources: list[SourceRef]
    findings: list[FindingView] | None
    diagram_svg: str
    data_links: dict[str, str]
    #: the facts the data flows around the entity need and the registry does not hold
    flow_gaps: list[Gap] = field(default_factory=list)
    benchmarks: list[FindingView] = field(default_factory=list)
    #: the chain diagram of its trace, for an entity that stands for data (then
    #: ``diagram_svg`` is empty and ``flow_gaps`` are the trace's)
    chain: ChainFigure | None = None
    #: why the findings are not shown yet: a server's first start is still computing them
    #: (then ``findings`` is ``None``)
    findings_pending: str | None = None


def display_literal(literal: Literal) -> str:
    """A literal as a reader expects it: dates ISO, booleans yes/no, numbers grouped."""
    value: Any = literal.toPython()
    if literal.datatype == XSD.boolean and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal | float):
        return f"{value:,}"
    return str(literal)


def label_of(graph: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    """The English (or untagged) ``rdfs:label`` of ``node`` in ``graph``."""
    labels = [o for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)]
    labels.sort(key=lambda lit: (lit.language not in (None, "en"), lit.language or "", str(lit)))
    return str(labels[0]) if labels else None


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/``: a readable fallback for a term without a label."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


class _Builder:
    def __init__(self, graph: rdflib.Graph, linker: Linker) -> None:
        self.graph = graph
        self.linker = linker

    def value(self, node: rdflib.term.Node, depth: int = 0) -> Value:
        if isinstance(node, Literal):
            if node.datatype == XSD.anyURI:
                return Value(str(node), str(node), external=True)
            return Value(display_literal(node))
        if isinstance(node, BNode):
            facts = self.facts(node, depth + 1) if depth < 3 else []
            kinds = [label_of(self.graph, t) or local_name(str(t))
                     for t in self.graph.objects(node, RDF.type)]
            return Value(", ".join(sorted(kinds)) or "(details)", facts=facts)
        iri = str(node)
        href = self.linker.term_href(iri)
        text = label_of(self.graph, node) or local_name(iri)
        return Value(text, href, external=href == iri)

    def facts(self, subject: rdflib.term.Node, depth: int = 0) -> list[Fact]:
        by_predicate: dict[URIRef, list[rdflib.term.Node]] = {}
        for predicate, obj in self.graph.predicate_objects(subject):
            if depth == 0 and predicate in _SHOWN_ELSEWHERE:
                continue
            if depth > 0 and predicate == RDF.type:
                continue
            if isinstance(predicate, URIRef):
                by_predicate.setdefault(predicate, []).append(obj)
        facts = []
        for predicate, objects in by_predicate.items():
            label = label_of(self.graph, predicate) or local_name(str(predicate))
            values = sorted((self.value(o, depth) for o in objects), key=lambda v: v.text)
            facts.append(Fact(label, str(predicate), values))
        return sorted(facts, key=lambda fact: fact.label.lower())


_SOURCES = """
SELECT ?src ?label ?url ?retrieved WHERE {
  <%s> cityreg:source ?src .
  OPTIONAL { ?src rdfs:label ?label }
  OPTIONAL { ?src cityreg:url ?url }
  OPTIONAL { ?src cityreg:retrievedOn ?retrieved }
} ORDER BY ?label
"""


def entity_page(context: RegistryContext, iri: str, linker: Linker,
                graph: rdflib.Graph | None = None) -> EntityPage:
    """The page model of ``iri``; the caller has checked that the entity exists.

    ``graph`` is the entity's description when the caller already has it.
    """
    graph = describe(context.registry, iri) if graph is None else graph
    subject = URIRef(iri)
    build = _Builder(graph, linker)
    description = next((str(o) for o in graph.objects(subject, DCT.description)), None)
    types = sorted((build.value(t) for t in graph.objects(subject, RDF.type)),
                   key=lambda v: v.text)
    referenced = sorted(
        ((build.value(s), label_of(graph, p) or local_name(str(p)))
         for s, p in graph.subject_predicates(subject) if isinstance(s, URIRef)),
        key=lambda item: (item[1], item[0].text))
    sources = []
    for row in context.registry.select(_SOURCES % iri):
        src = str(row["src"])
        path = linker.entity_path(src)
        sources.append(SourceRef(
            str(row.get("label", local_name(src))),
            str(row["url"]) if "url" in row else None,
            str(row["retrieved"]) if "retrieved" in row else None,
            linker.href(path) if path else None))
    path = linker.entity_path(iri) or ""
    data_links = {name: linker.href(path + ext) for name, ext in
                  (("Turtle", ".ttl"), ("JSON-LD", ".jsonld"), ("N-Triples", ".nt"))}
    label = label_of(graph, subject) or local_name(iri)
    chain = (tracepages.chain_figure(context, iri, linker)
             if tracepages.has_data(context, iri) else None)
    try:
        views, pending = finding_views(context, iri), None
    except NotReady as error:
        views, pending = None, str(error)
    return EntityPage(
        iri=iri, label=label, description=description, types=types, facts=build.facts(subject),
        referenced_by=referenced, sources=sources,
        findings=None if views is None else [v for v in views if not v.benchmark],
        diagram_svg="" if chain is not None else diagram.render_svg(
            iri, label, diagram.edges_for(context, iri), linker),
        data_links=data_links,
        flow_gaps=list(chain.gaps) if chain is not None else diagram.gaps_for(context, iri),
        benchmarks=[v for v in views or () if v.benchmark], chain=chain,
        findings_pending=pending)


def validation_report(context: RegistryContext) -> ValidationReport | None:
    """The context's legal findings, or ``None`` when this installation has no legal checks
    (registry.validate missing): pages then say so instead of failing. Raises NotReady while
    a server's first start is still computing them (registry.server.firstrun)."""
    context.check_ready(LEGAL_FINDINGS)
    try:
        return context.validation
    except ImportError as error:
        if error.name in ("registry.validate", "registry.findings"):
            return None
        raise


def findings_for(context: RegistryContext, iri: str) -> list[Finding] | None:
    """The legal findings on ``iri`` at the context's reference date: binding ones first, most
    severe first, then benchmarks; ``None`` without legal checks."""
    report = validation_report(context)
    if report is None:
        return None
    return sorted(report.for_focus(iri), key=lambda finding: finding.sort_key)


def finding_views(context: RegistryContext, iri: str) -> list[FindingView] | None:
    """:func:`findings_for` with each finding's evidence; ``None`` without legal checks."""
    report = validation_report(context)
    found = findings_for(context, iri)
    if report is None or found is None:
        return None
    return [FindingView(finding, report.evidence(finding)) for finding in found]
