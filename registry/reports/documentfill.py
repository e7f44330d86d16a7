"""Filling a document template from the registry: each element's values with their sources,
and every element the registry cannot fill as a gap that says why.

A value is the object of a statement (``subject predicate value``); its sources are those of
the statement where a ``cityreg:Claim`` gives it its own (``rdf:subject``/``rdf:predicate``/
``rdf:object``), else the ``cityreg:source`` (and ``dct:source``) of the subject, as
:mod:`registry.evidence` reads them. An element with no value is a gap, never a blank:

* ``not disclosed``: an entity on the way marks the missing property ``cityreg:notDisclosed``,
  or is a document whose text is not (or only partly) disclosed (``cityreg:documentDisclosure``);
* ``stated absent``: the publisher states it does not exist (``cityreg:absent``): a known fact,
  but the element is still not answered;
* ``not recorded``: nothing is stated either way.

Each gap names the entity and the property the registry lacks, with the sources of what it does
say. The ``trace`` built-in answers "who can access the data" with the access trace's graded
organisations, and passes on the gaps the trace met (:mod:`registry.flows`).

Whether the document's law binds where the entity is: :mod:`registry.reports.documentlaw`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from rdflib import XSD, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.term import Node

from registry.errors import InputError, NotFoundError
from registry.names import Names
from registry.namespaces import CITYREG, compact
from registry.reports.documentlaw import Binding, binding
from registry.reports.documents import DocumentKind, Element, Read, Step

if TYPE_CHECKING:
    from registry.flows import Hop, OrganisationAccess
    from registry.flows.questions import AccessQuestions
    from registry.store import Registry

__all__ = ["Binding", "DocumentGap", "FilledDocument", "FilledElement", "Section", "Source",
           "Value", "fill_document", "find_entity"]

Status = Literal["filled", "not disclosed", "stated absent", "not recorded"]
GapStatus = Literal["not disclosed", "stated absent", "not recorded"]
_ORDER: tuple[GapStatus, ...] = ("not disclosed", "stated absent", "not recorded")
_NOT_DISCLOSED = str(CITYREG.notDisclosed)
_ABSENT = str(CITYREG.absent)
_DISCLOSURE = str(CITYREG.documentDisclosure)
_WITHHELD = {str(CITYREG.NotDisclosed), str(CITYREG.PartiallyDisclosed)}
_TRACE_DEPTH = 6
_TRACE_PATHS = 100


@dataclass(frozen=True)
class Source:
    """A document a value is taken from: its label and address."""

    label: str
    url: str


@dataclass(frozen=True)
class Value:
    """One answer: its text, the entity it is (if any), the statement's subject and property,
    its sources, and a note (the trace's grade and route)."""

    text: str
    iri: str | None
    subject: str
    subject_label: str
    predicate: str
    sources: tuple[Source, ...]
    note: str = ""


@dataclass(frozen=True)
class DocumentGap:
    """A fact an element needs that the registry does not hold: ``prop`` of ``entity``."""

    status: GapStatus
    entity: str
    entity_label: str
    prop: str
    prop_label: str
    sources: tuple[Source, ...] = ()
    why: str = ""


@dataclass
class FilledElement:
    """An element with its values, or the gaps that leave it unanswered. ``gaps`` of a filled
    element are what the trace could not see (its answer is then incomplete, and says so)."""

    element: Element
    values: list[Value] = field(default_factory=list)
    gaps: list[DocumentGap] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """``filled``, else the gravest status of its gaps (not disclosed first)."""
        if self.values:
            return "filled"
        statuses = {gap.status for gap in self.gaps}
        return next((s for s in _ORDER if s in statuses), "not recorded")


@dataclass
class Section:
    """The elements filled for one entity (the document's, or one technology of a city)."""

    iri: str
    label: str
    elements: list[FilledElement]


@dataclass
class FilledDocument:
    """A generated document: the kind, the entity, the year, where its law binds, sections."""

    kind: DocumentKind
    iri: str
    label: str
    generated: date
    binding: Binding
    sections: list[Section]
    year: int | None = None

    def gaps(self) -> list[tuple[str, str, Status]]:
        """(section IRI, element id, status) of every unanswered element, in order."""
        return [(s.iri, e.element.id, e.status)
                for s in self.sections for e in s.elements if e.status != "filled"]

    def counts(self) -> dict[Status, int]:
        """How many elements have each status."""
        counts: dict[Status, int] = {"filled": 0, "not disclosed": 0, "stated absent": 0,
                                     "not recorded": 0}
        for section in self.sections:
            for element in section.elements:
                counts[element.status] += 1
        return counts


def _iri(node: Node) -> str:
    return f"<{node}>"


class _Filler:
    """Reads the registry for one document, keeping labels, sources and marks it has read."""

    def __init__(self, registry: Registry, kind: DocumentKind, year: int | None,
                 access_graph: AccessQuestions | None) -> None:
        self.registry = registry
        self.kind = kind
        self.year = year
        self._graph = access_graph
        self._labels: dict[str, str] = {}
        self._sources: dict[str, tuple[Source, ...]] = {}
        self._marks: dict[str, list[tuple[str, str]]] = {}

    # -- reading ------------------------------------------------------------------------------

    def label(self, term: Node | str) -> str:
        if isinstance(term, RDFLiteral):
            if term.datatype == XSD.boolean:
                return "yes" if term.toPython() is True else "no"
            return str(term)
        key = str(term)
        if key not in self._labels:
            rows = self.registry.select(
                "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER (lang(?l) IN ('en', '')) }",
                {"s": URIRef(key)}) if key.startswith(("http", "urn")) else []
            self._labels[key] = str(rows[0]["l"]) if rows else compact(key)
        return self._labels[key]

    def sources(self, entity: str) -> tuple[Source, ...]:
        if entity not in self._sources:
            rows = self.registry.select(
                "SELECT ?s ?src ?l ?u WHERE { { ?s cityreg:source ?src } "
                "UNION { ?s dct:source ?src }"
                " OPTIONAL { ?src rdfs:label ?l } OPTIONAL { ?src cityreg:url ?u } }",
                {"s": URIRef(entity)}) if entity.startswith(("http", "urn")) else []
            found = {str(r["src"]): Source(str(r.get("l", r["src"])), str(r.get("u", r["src"])))
                     for r in rows}
            self._sources[entity] = tuple(found[k] for k in sorted(found))
        return self._sources[entity]

    def statement_sources(self, subject: str, predicate: str, obj: Node) -> tuple[Source, ...]:
        """The sources of a Claim of this very statement, else the subject's."""
        rows = self.registry.select(
            "SELECT ?s ?p ?o ?src WHERE { ?c a cityreg:Claim ; rdf:subject ?s ; "
            "rdf:predicate ?p ; rdf:object ?o ; cityreg:source ?src }",
            {"s": URIRef(subject), "p": URIRef(predicate), "o": obj})
        claimed = sorted({str(r["src"]) for r in rows})
        if claimed:
            return tuple(self._source_of(c) for c in claimed)
        return self.sources(subject)

    def _source_of(self, iri: str) -> Source:
        rows = self.registry.select(
            "SELECT ?s ?l ?u WHERE { VALUES ?s { <" + iri + "> } "
            "OPTIONAL { ?s rdfs:label ?l } OPTIONAL { ?s cityreg:url ?u } }")
        row = rows[0] if rows else {}
        return Source(str(row.get("l", iri)), str(row.get("u", iri)))

    def marks(self, entity: str) -> list[tuple[str, str]]:
        """(property, object) of the entity's notDisclosed, absent and disclosure marks."""
        if entity not in self._marks:
            rows = self.registry.select(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (?p IN (cityreg:notDisclosed, "
                "cityreg:absent, cityreg:documentDisclosure)) }", {"s": URIRef(entity)})
            self._marks[entity] = [(str(r["p"]), str(r["o"])) for r in rows]
        return self._marks[entity]

    def follow(self, nodes: list[Node], step: Step) -> list[tuple[Node, Node]]:
        """(node, next) for every link ``step`` makes from ``nodes`` (named nodes only)."""
        named = [n for n in nodes if isinstance(n, URIRef)]
        if not named:
            return []
        pattern = "?o <{p}> ?s" if step.inverse else "?s <{p}> ?o"
        rows = self.registry.select(
            f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {' '.join(map(_iri, named))} }} "
            f"{pattern.format(p=step.predicate)} }} ORDER BY ?s ?o")
        return [(r["s"], r["o"]) for r in rows]

    def scope(self, focus: str, name: str) -> list[Node]:
        """The nodes of scope ``name`` around ``focus``, each once, in order."""
        found: dict[str, Node] = {}
        for path in self.kind.scopes[name]:
            nodes: list[Node] = [URIRef(focus)]
            for step in path:
                nodes = [o for _s, o in self.follow(nodes, step)]
            found.update((str(n), n) for n in nodes if isinstance(n, URIRef))
        return list(found.values())

    def scope_gaps(self, focus: str, name: str) -> list[DocumentGap]:
        """Where each path of an empty scope stops: the property the registry lacks there."""
        gaps: list[DocumentGap] = []
        for path in self.kind.scopes[name]:
            if path:
                gaps += self.read_path([URIRef(focus)], Read(name, path=path))[1]
        return gaps

    # -- gaps ---------------------------------------------------------------------------------

    def gap(self, entity: str, prop: str, why: str = "") -> DocumentGap:
        """What the registry says of ``prop`` of ``entity``: not disclosed, absent or nothing."""
        status: GapStatus = "not recorded"
        for mark, value in self.marks(entity):
            if ((mark == _NOT_DISCLOSED and value == prop)
                    or (mark == _DISCLOSURE and value in _WITHHELD)):
                status = "not disclosed"
                break
            if mark == _ABSENT and value == prop:
                status = "stated absent"
        return DocumentGap(status, entity, self.label(URIRef(entity)), prop,
                           self.label(URIRef(prop)), self.sources(entity), why)

    # -- reads --------------------------------------------------------------------------------

    def read_path(self, nodes: list[Node], read: Read) -> tuple[list[Value], list[DocumentGap]]:
        frontier = nodes
        for index, step in enumerate(read.path):
            links = self.follow(frontier, step)
            if not links:
                return [], [self.gap(str(n), step.predicate) for n in frontier
                            if isinstance(n, URIRef)]
            if index == len(read.path) - 1:
                return [self.value(s, step, o) for s, o in links], []
            frontier = list(dict.fromkeys(o for _s, o in links))
        return [], []

    def value(self, node: Node, step: Step, obj: Node) -> Value:
        # Backwards (^p), the statement is ``obj p node``; the value shown is ``obj`` either way.
        subject, target = (obj, node) if step.inverse else (node, obj)
        return Value(self.label(obj), str(obj) if isinstance(obj, URIRef) else None,
                     str(subject), self.label(subject), step.predicate,
                     self.statement_sources(str(subject), step.predicate, target))

    def read_sparql(self, nodes: list[Node], read: Read) -> tuple[list[Value], list[DocumentGap]]:
        assert read.sparql is not None
        assert read.about is not None
        values: list[Value] = []
        for node in nodes:
            text = read.sparql.replace("$this", _iri(node)).replace(
                "$year", str(self.year if self.year is not None else 0))
            for row in self.registry.select(text):
                subject = str(row.get("subject", node))
                predicate = str(row.get("predicate", read.about))
                obj = row["value"]
                values.append(Value(self.label(obj), str(obj) if isinstance(obj, URIRef)
                                    else None, subject, self.label(URIRef(subject)), predicate,
                                    self.statement_sources(subject, predicate, obj)))
        if values:
            return values, []
        why = f"none for {self.year}" if "$year" in read.sparql else ""
        return [], [self.gap(str(n), read.about, why) for n in nodes]

    def read_trace(self, nodes: list[Node], read: Read) -> tuple[list[Value], list[DocumentGap]]:
        from registry.flows.questions import access_for

        if self._graph is None:
            self._graph = access_for(self.registry)
        best: dict[str, tuple[OrganisationAccess, str]] = {}
        gaps: list[DocumentGap] = []
        traced = False
        for node in nodes:
            try:
                result = self._graph.who_can_access(str(node), max_depth=_TRACE_DEPTH,
                                                    max_paths=_TRACE_PATHS)
            except NotFoundError:
                continue
            traced = True
            for gap in result.disclosure:
                gaps.append(DocumentGap(gap.status, gap.entity, gap.entity_label, gap.prop,
                                        gap.prop_label, tuple(self._source_of(s)
                                                              for s in gap.sources), gap.why))
            for access in result.organisations:
                paths = [p for p in access.paths if self._in_year(p.hops)]
                if read.beyond_first_holders:
                    paths = [p for p in paths if any(h.kind != "origin" for h in p.hops)]
                if paths and access.organisation not in best:
                    best[access.organisation] = (access, str(node))
        values = [self.trace_value(access) for access, _n in best.values()]
        if not traced:
            gaps += [self.gap(str(n), str(CITYREG.feedsDataset),
                              "no dataset to trace") for n in nodes]
        elif not values and not gaps:
            gaps += [self.gap(str(n), str(CITYREG.hasDataFlow), "the trace found no one")
                     for n in nodes[:1]]
        return values, list(dict.fromkeys(gaps))

    def _in_year(self, hops: tuple[Hop, ...]) -> bool:
        """True when every hop was valid at some time in the year (or no year is asked)."""
        if self.year is None:
            return True
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return all((h.start is None or h.start <= last) and (h.end is None or h.end >= first)
                   for h in hops)

    def trace_value(self, access: OrganisationAccess) -> Value:
        hop = access.paths[0].hops[-1]
        chain = " → ".join(dict.fromkeys(h.target_label for h in access.paths[0].hops))
        note = f"{access.grade}: {hop.role_label} via {hop.via_label} ({chain})"
        if access.category_label:
            note = f"{access.grade}: identity not disclosed ({access.category_label}); {note}"
        return Value(access.label, access.organisation, hop.via, hop.via_label, hop.role,
                     tuple(self._source_of(s) for s in hop.sources), note)

    # -- elements -----------------------------------------------------------------------------

    def element(self, focus: str, element: Element) -> FilledElement:
        filled = FilledElement(element)
        unanswered: list[DocumentGap] = []
        for read in element.reads:
            nodes = self.scope(focus, read.scope)
            if not nodes:  # nothing to read from: the gap is where the scope's paths stop
                unanswered += self.scope_gaps(focus, read.scope)
                continue
            if read.builtin == "trace":
                values, gaps = self.read_trace(nodes, read)
                filled.gaps += gaps
            elif read.sparql is not None:
                values, gaps = self.read_sparql(nodes, read)
                unanswered += gaps
            else:
                values, gaps = self.read_path(nodes, read)
                unanswered += gaps
            for value in values:  # the same answer by two statements: one value, all sources
                same = next((i for i, v in enumerate(filled.values)
                             if (v.text, v.iri) == (value.text, value.iri)), None)
                if same is None:
                    filled.values.append(value)
                else:
                    kept = filled.values[same]
                    sources = tuple(dict.fromkeys((*kept.sources, *value.sources)))
                    filled.values[same] = replace(kept, sources=sources)
        if not filled.values:
            filled.gaps += unanswered
        filled.gaps = list(dict.fromkeys(filled.gaps))
        return filled


def find_entity(registry: Registry, kind: DocumentKind, text: str) -> str:
    """The IRI of the entity ``text`` names (IRI or label) among those ``kind`` is about."""
    classes = " ".join(f"<{c}>" for c in kind.applies_to)
    rows = registry.select(
        f"SELECT DISTINCT ?e ?l WHERE {{ VALUES ?c {{ {classes} }} "
        "?e rdf:type/rdfs:subClassOf* ?c OPTIONAL { ?e rdfs:label ?l } }")
    labels: dict[str, list[str]] = {}
    for row in rows:
        labels.setdefault(str(row["e"]), []).extend([str(row["l"])] if "l" in row else [])
    if text not in labels and text.startswith(("http", "urn")) and registry.select(
            "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 1", {"s": URIRef(text)}):
        types = ", ".join(compact(str(r["t"])) for r in registry.select(
            "SELECT ?s ?t WHERE { ?s rdf:type ?t }", {"s": URIRef(text)})) or "no type"
        raise InputError(f"{text} is a {types}: a {kind.id} is about a "
                         f"{', '.join(compact(c) for c in kind.applies_to)}; give one of those")
    return Names.from_labels(labels).pick(
        text, " or ".join(compact(c) for c in kind.applies_to),
        f"give the IRI or label of a {' or '.join(compact(c) for c in kind.applies_to)}")


def fill_document(registry: Registry, kind: DocumentKind, iri: str, year: int | None = None,
                  generated: date | None = None, access_graph: AccessQuestions | None = None
                  ) -> FilledDocument:
    """The document ``kind`` about entity ``iri`` (for ``year``, when the kind needs one)."""
    if kind.needs_year and year is None:
        raise InputError(f"a {kind.id} is for one year: give --year YYYY, such as "
                         f"{date.today().year - 1}")
    filler = _Filler(registry, kind, year, access_graph)
    if kind.units is not None:
        rows = registry.select(kind.units.replace("$this", f"<{iri}>"))
        units = sorted({str(r["unit"]) for r in rows}, key=lambda u: filler.label(u).casefold())
    else:
        units = [iri]
    sections = [Section(unit, filler.label(URIRef(unit)),
                        [filler.element(unit, e) for e in kind.elements]) for unit in units]
    return FilledDocument(kind, iri, filler.label(URIRef(iri)), generated or date.today(),
                          binding(registry, kind, iri), sections, year)

