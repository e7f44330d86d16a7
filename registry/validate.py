"""The legal checks: run the shapes of ``shapes/`` over a registry and return typed findings.

::

    report = validate_registry(registry, as_of=date(2026, 6, 1))
    for finding in report.findings:          # most severe first
        print(finding.rule_id, finding.focus_label, finding.message)
    report.conforms                           # no finding at or above fail_on

Each run writes its validation context (``<urn:cityreg:validation-context>`` with the reference
date and the concentration threshold) into the graph ``urn:cityreg:graph:validation-context``,
where date-dependent shapes read it, and restores that graph afterwards. Two engines give the
same findings: ``"fast"`` (:mod:`registry.shacl`, whole-graph SPARQL over the pyoxigraph store)
and ``"pyshacl"`` (the oracle, over an rdflib copy of the registry and the ontology).

Shapes are annotated (see ``ontology/cityreg.ttl``): ``cityreg:ruleId``, ``cityreg:legalSource``
(labelled with ``rdfs:label`` and ``cityreg:url``), ``cityreg:resolution`` and
``cityreg:findingKind``; property shapes inherit their node shape's annotations. A shape with
targets but no rule id or legal source is refused with a :class:`~registry.errors.ShapesError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from sys import intern
from typing import Any
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from registry import resources
from registry.derived import DerivedRelations
from registry.errors import InputError, ShapesError
from registry.evidence import Evidence, Fact, shape_facts
from registry.findings import Finding, Kind, Severity, sort_findings
from registry.jurisdiction import Jurisdictions, Place, Standing, parse_lens
from registry.namespaces import (
    CITYREG,
    VALIDATION_CONTEXT_GRAPH,
    VALIDATION_CONTEXT_NODE,
    compact,
)
from registry.places import locate, registry_cities
from registry.shacl import (
    ShapeError,
    ShapesGraph,
    ValidationEngine,
    ValidationResult,
    validate_with_pyshacl,
)
from registry.shacl.engine import Progress
from registry.shacl.scratch import ScratchGraph
from registry.store import Registry

__all__ = ["DEFAULT_THRESHOLD", "FINDING_FILTERS", "LegalSource", "RuleShapes",
           "ValidationReport", "load_shapes", "validate_registry"]

Engine = TypingLiteral["fast", "pyshacl"]
#: The share of a city's sensors, datasets or contracts above which LOCK-CONC reports a vendor.
DEFAULT_THRESHOLD = Decimal("0.5")
#: What :meth:`ValidationReport.select` filters on: the findings' fields, compared as text.
FINDING_FILTERS = ("rule_id", "severity", "kind", "standing", "focus")
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class LegalSource:
    """An article of law or guidance, as reports cite and link it."""

    iri: str
    label: str
    url: str


@dataclass(frozen=True)
class _Annotation:
    rule_id: str
    legal_source: str
    resolution: str
    kind: Kind
    label: str
    shape: str


class RuleShapes:
    """The shapes files of one validation, read, checked and compiled once.

    ``files`` are the Turtle files read; ``graph`` their union; ``rule_ids`` every rule id a
    shape carries; ``sources`` the labelled legal sources by IRI.
    """

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = tuple(files)
        self.graph = Graph()
        per_file: dict[Path, Graph] = {}
        for path in self.files:
            part = Graph()
            try:
                part.parse(path, format="turtle")
            except Exception as error:  # rdflib raises many types for bad Turtle
                raise ShapesError(f"{path}: cannot read the shapes file: {error}; fix its "
                                  "Turtle syntax") from error
            per_file[path] = part
            self.graph += part
        self.sources = self._sources()
        self.annotations = self._annotations(per_file)
        self.rule_ids = frozenset(a.rule_id for a in self.annotations.values())
        self.jurisdictions = Jurisdictions.from_graph(self.graph)
        self.shape_properties = shape_facts(self.graph)
        try:
            self.shapes_graph = ShapesGraph.load(self.graph)
        except ShapeError as error:
            where = next((str(p) for p, g in per_file.items()
                          if error.shape is not None and (error.shape, None, None) in g),
                         ", ".join(str(p) for p in self.files))
            raise ShapesError(f"{where}: {error}") from error

    @cached_property
    def engine(self) -> ValidationEngine:
        """The compiled fast engine (compiled on first use)."""
        return ValidationEngine(self.shapes_graph)

    def annotation(self, shape: Node) -> _Annotation:
        """The annotations that apply to a result of ``shape``."""
        try:
            return self.annotations[shape]
        except KeyError:
            raise ShapesError(f"shape {shape.n3()} produced a result but carries no "
                              "cityreg:ruleId, and neither does a node shape holding it; "
                              "annotate it") from None

    def _sources(self) -> dict[str, LegalSource]:
        sources: dict[str, LegalSource] = {}
        for iri in set(self.graph.objects(None, CITYREG.legalSource)):
            label = _best_label(self.graph.objects(iri, RDFS.label))
            url = self.graph.value(iri, CITYREG.url)
            if label is None:
                raise ShapesError(f"the legal source <{iri}> has no rdfs:label in "
                                  f"{_files(self.files)}; label it in the shapes file that "
                                  "cites it, e.g. rdfs:label \"GDPR Art. 28(3)(g)\"@en")
            sources[str(iri)] = LegalSource(str(iri), label, str(url or iri))
        return sources

    def _annotation(self, path: Path, shape: Node, parent: _Annotation | None) -> _Annotation:
        """The annotations of ``shape``, each falling back to its node shape's (``parent``)."""
        g = self.graph

        def text(predicate: URIRef, inherited: str) -> str:
            value = g.value(shape, predicate)
            return inherited if value is None else str(value)

        try:
            kind_iri = g.value(shape, CITYREG.findingKind)
            kind = parent.kind if parent and kind_iri is None else Kind.from_iri(kind_iri)
        except ValueError as error:
            raise ShapesError(f"{path}: shape {shape.n3()}: {error}") from None
        rule_id = text(CITYREG.ruleId, parent.rule_id if parent else "")
        return _Annotation(
            rule_id, text(CITYREG.legalSource, parent.legal_source if parent else ""),
            text(CITYREG.resolution, parent.resolution if parent else ""), kind,
            _best_label(g.objects(shape, RDFS.label)) or (parent.label if parent else rule_id),
            str(shape) if isinstance(shape, URIRef) or parent is None else parent.shape)

    def _annotations(self, per_file: dict[Path, Graph]) -> dict[Node, _Annotation]:
        g = self.graph
        found: dict[Node, _Annotation] = {}
        for path, part in per_file.items():
            for shape in sorted({s for p in _TARGETS for s in part.subjects(p, None)}, key=str):
                rule_id = g.value(shape, CITYREG.ruleId)
                source = g.value(shape, CITYREG.legalSource)
                if rule_id is None or source is None:
                    missing = "cityreg:ruleId" if rule_id is None else "cityreg:legalSource"
                    raise ShapesError(f"{path}: shape {shape.n3()} has targets but no "
                                      f"{missing}; every shape names its rule and the "
                                      "article it checks")
                annotation = self._annotation(path, shape, None)
                found[shape] = annotation
                for prop in g.objects(shape, SH.property):
                    found.setdefault(prop, self._annotation(path, prop, annotation))
        return found


def shape_files(shapes: str | Path | Iterable[str | Path] | None = None) -> list[Path]:
    """The Turtle files named by ``shapes`` (files or folders); default: ``shapes/*.ttl``."""
    if shapes is None:
        entries: list[Path] = [resources.shapes_dir()]
    elif isinstance(shapes, str | Path):
        entries = [Path(shapes)]
    else:
        entries = [Path(entry) for entry in shapes]
    files: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            files.extend(sorted(entry.glob("*.ttl")))
        elif entry.is_file():
            files.append(entry)
        else:
            raise InputError(f"the shapes path {str(entry)!r} does not exist: expected a "
                             "Turtle file or a folder of them; check the --shapes path")
    if not files:
        raise InputError(f"no shapes (*.ttl) in {_files(entries)}: expected at least one "
                         "Turtle shapes file")
    return files


def load_shapes(shapes: str | Path | Iterable[str | Path] | None = None) -> RuleShapes:
    """Read and check the shapes files (cached while the files do not change)."""
    files = shape_files(shapes)
    stamp = tuple((f.resolve(), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_cached(stamp)


@lru_cache(maxsize=8)
def _load_cached(stamp: tuple[tuple[Path, int, int], ...]) -> RuleShapes:
    return RuleShapes([path for path, _mtime, _size in stamp])


@dataclass
class ValidationReport:
    """The findings of one run, in report order, and what the run was."""

    findings: Sequence[Finding]
    as_of: date
    fail_on: Severity = Severity.VIOLATION
    engine: str = "fast"
    rule_ids: frozenset[str] = frozenset()
    sources: dict[str, LegalSource] = field(default_factory=dict)
    #: the facts of the entities with findings (None when the run did not collect them)
    facts: Evidence | None = None
    #: the jurisdiction every entity was judged in (``--jurisdiction``), or None: each its own
    lens: Place | None = None
    #: the findings by focus and by rule, each with the list it was made of (:meth:`_grouped`)
    _groups: dict[str, tuple[Sequence[Finding], dict[str, list[Finding]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @property
    def conforms(self) -> bool:
        """True if no finding is at or above ``fail_on``."""
        return not any(count and Severity(severity).at_least(self.fail_on)
                       for severity, count in self.count_by("severity").items())

    def failing(self) -> list[Finding]:
        """The findings at or above ``fail_on``."""
        return [f for f in self.findings if f.severity.at_least(self.fail_on)]

    def for_focus(self, iri: str | Node) -> list[Finding]:
        """The findings about one entity, in report order."""
        return list(self._grouped("focus").get(str(iri), ()))

    def _grouped(self, field_name: str) -> dict[str, list[Finding]]:
        """The findings by the text of one field, in report order: made on first use, and
        again if ``findings`` is replaced (an incremental run replaces them)."""
        kept = self._groups.get(field_name)
        if kept is None or kept[0] is not self.findings:
            grouped: dict[str, list[Finding]] = {}
            for finding in self.findings:
                grouped.setdefault(str(getattr(finding, field_name)), []).append(finding)
            kept = self._groups[field_name] = (self.findings, grouped)
        return kept[1]

    def select(self, **filters: str | bool | None) -> Sequence[Finding]:
        """The findings, in report order, matching every filter that is not None: one of
        :data:`FINDING_FILTERS` equal to the value as text, or ``benchmark`` (True: the
        benchmarks only; False: the others). A report kept in a file answers it with a query
        (registry.stored.findingsdb)."""
        unknown = sorted(set(filters) - {*FINDING_FILTERS, "benchmark"})
        if unknown:
            raise ValueError(f"no finding filter {unknown[0]!r}: expected one of "
                             f"{', '.join(FINDING_FILTERS)} or benchmark")
        found: Sequence[Finding] = self.findings
        for indexed in ("focus", "rule_id"):
            value = filters.get(indexed)
            if value is not None:
                found = self._grouped(indexed).get(str(value), [])
                break
        for name, value in filters.items():
            if value is None:
                continue
            if name == "benchmark":
                found = [f for f in found if (f.standing == Standing.BENCHMARK) == value]
            else:
                found = [f for f in found if str(getattr(f, name)) == value]
        return found  # the report's own lists: read them, do not change them

    def count_by(self, column: str, **filters: str | bool | None) -> dict[str, int]:
        """How many of the findings :meth:`select` gives have each value of ``column`` (one
        of :data:`FINDING_FILTERS`, or ``law``), in order of each value's first finding."""
        if column not in (*FINDING_FILTERS, "law"):
            raise ValueError(f"cannot count findings by {column!r}: expected one of "
                             f"{', '.join([*FINDING_FILTERS, 'law'])}")
        counts: dict[str, int] = {}
        for finding in self.select(**filters):
            value = str(getattr(finding, column))
            counts[value] = counts.get(value, 0) + 1
        return counts

    def by_severity(self) -> dict[Severity, int]:
        """Counts per severity, every severity present (zero included)."""
        counts = self.count_by("severity")
        return {severity: counts.get(str(severity), 0) for severity in Severity}

    def by_kind(self) -> dict[Kind, int]:
        """Counts per kind, every kind present (zero included)."""
        counts = self.count_by("kind")
        return {kind: counts.get(str(kind), 0) for kind in Kind}

    def by_standing(self) -> dict[Standing, int]:
        """Counts per standing (binding, benchmark, under a lens), zero included."""
        counts = self.count_by("standing")
        return {standing: counts.get(str(standing), 0) for standing in Standing}

    def evidence(self, finding: Finding) -> tuple[Fact, ...]:
        """The facts ``finding`` rests on, with their sources (empty if none were collected)."""
        return () if self.facts is None else self.facts.of(finding)

    def entities(self) -> list[str]:
        """The focus IRIs with findings, in report order."""
        return list(dict.fromkeys(f.focus for f in self.findings))


def validate_registry(registry: Registry, as_of: date | None = None, *,
                      shapes: str | Path | Iterable[str | Path] | None = None,
                      focus: Iterable[str | Node] | None = None, engine: Engine = "fast",
                      fail_on: Severity | str = Severity.VIOLATION,
                      rules: Collection[str] | None = None, jurisdiction: str | None = None,
                      evidence: bool = True, progress: Progress | None = None
                      ) -> ValidationReport:
    """Check ``registry`` against the shapes and return the findings, sorted.

    ``as_of`` is the reference date (default: today); ``focus`` limits the run to those
    entities (incremental re-validation); ``rules`` keeps only those rule ids (unknown ids are
    an :class:`InputError`); ``fail_on`` sets what ``report.conforms`` means.

    Each finding is judged where its entity is (:mod:`registry.jurisdiction`): binding, or a
    benchmark at ``info``; ``jurisdiction`` (a country code, a UN/LOCODE, EU or EEA) judges
    every entity as if it were there instead. With ``evidence`` the report keeps the facts
    each finding rests on (:meth:`ValidationReport.evidence`). ``progress(done, total)`` is
    told how many of the run's queries are done (the pyshacl engine runs as one).
    """
    if engine not in ("fast", "pyshacl"):
        raise InputError(f"unknown engine {engine!r}: expected 'fast' or 'pyshacl'")
    try:
        threshold = Severity(str(fail_on))
    except ValueError:
        raise InputError(f"unknown severity {fail_on!r}: expected violation, warning or "
                         "info") from None
    rule_shapes = load_shapes(shapes)
    wanted = None if rules is None else set(rules)
    if wanted is not None and (unknown := sorted(wanted - rule_shapes.rule_ids)):
        raise InputError(f"unknown rule id {', '.join(unknown)}: expected rule ids of the "
                         f"shapes, such as {', '.join(sorted(rule_shapes.rule_ids)[:3])}; "
                         "see shapes/*.ttl (cityreg:ruleId)")
    lens = None if jurisdiction is None else parse_lens(jurisdiction)
    if lens is not None and not rule_shapes.jurisdictions.binds_somewhere(lens):
        raise InputError(f"no law of the shapes binds in {jurisdiction!r}: expected a "
                         "jurisdiction of shapes/jurisdiction.ttl, such as NL, GB, USNYC, "
                         "USSEA, EU or EEA")
    reference = as_of or date.today()
    nodes = None if focus is None else [URIRef(str(iri)) for iri in focus]
    facts = Evidence(rule_shapes.shape_properties) if evidence else None
    findings = [finding for part in finding_parts(
        registry, reference, rule_shapes, focus=nodes, engine=engine, lens=lens, facts=facts,
        progress=progress) for finding in part]
    if wanted is not None:
        findings = [f for f in findings if f.rule_id in wanted]
    return ValidationReport(sort_findings(findings), reference, threshold, engine,
                            rule_shapes.rule_ids, rule_shapes.sources, facts, lens)


def finding_parts(registry: Registry, as_of: date, rule_shapes: RuleShapes, *,
                  focus: list[URIRef] | None = None, engine: Engine = "fast",
                  lens: Place | None = None, facts: Evidence | None = None,
                  progress: Progress | None = None) -> Iterator[list[Finding]]:
    """The findings of one run, a query's at a time, neither sorted nor rid of duplicates,
    the facts they rest on collected into ``facts`` as they come.

    :func:`validate_registry` gathers them into a report. A caller that keeps them elsewhere
    (a served registry's findings file, :mod:`registry.stored.findingswriter`) writes each
    part away as it comes, so that a run over millions of statements never holds its
    findings at once. The run's context and derived relations stay in the store until the
    parts are read to the end or the iterator is closed.
    """
    labels: dict[str, str] = {}
    labelled: set[str] = set()  # IRIs whose labels were asked for
    places: dict[str, tuple[Place, ...]] = {}
    cities: dict[str, Place] | None = None  # read once, when the first places are needed
    # The fast engine's store: the registry's own, or a local copy of an engine's graphs (the
    # context and derived relations are written into it, not into the engine, and the labels,
    # places and evidence of the findings are read from it too: registry.remote.mirror).
    with _validation_store(registry, engine, whole=focus is None) as store:
        if store is not registry._store:
            registry = Registry(store, None)
        with _ValidationContext(registry, as_of, focus, rule_shapes.graph, store):
            if engine == "fast":
                parts: Iterable[list[ValidationResult]] = rule_shapes.engine.validate_by_query(
                    store, focus=focus, progress=progress)
            else:
                if progress is not None:
                    progress(0, 1)
                results = validate_with_pyshacl(registry.to_rdflib_graph(include_ontology=True),
                                                rule_shapes.graph)
                wanted_focus = None if focus is None else set(focus)
                parts = [[r for r in results if wanted_focus is None or r.focus in wanted_focus]]
                if progress is not None:
                    progress(1, 1)
            # One query's results at a time become findings: the results of a whole run are
            # never held at once.
            for part in parts:
                foci = {str(r.focus) for r in part if isinstance(r.focus, URIRef)}
                named = {iri for r in part for iri in _iris_in(r)}
                new = (foci | named) - labelled
                labelled |= new
                labels.update(_labels(registry, {URIRef(iri) for iri in new}))
                if lens is None:
                    if cities is None:
                        cities = registry_cities(registry)
                    places.update(locate(registry, foci - places.keys(), cities))
                if facts is not None:
                    facts.collect(registry, foci)
                yield [_finding(r, rule_shapes, labels, places, lens) for r in part]


@contextmanager
def _validation_store(registry: Registry, engine: Engine, whole: bool
                      ) -> Iterator[ox.Store]:
    """The store the compiled queries run on: the registry's own, or a local copy of an
    engine's graphs where the engine answers some of them wrongly (registry.remote.mirror;
    ``whole``: the run reads the whole registry)."""
    store = getattr(registry, "store", None)
    if engine == "fast" and store is not None and getattr(store, "validates_locally", False):
        from registry.remote.mirror import validation_copy

        with validation_copy(store, whole) as copied:
            yield copied
        return
    yield registry._store


def _store(registry: Registry) -> ox.Store:
    """The store a validation context is written into when none is given: the registry's
    own, or a copy in memory of an engine's graphs (see :func:`_validation_store`)."""
    store = getattr(registry, "store", None)
    if store is not None and getattr(store, "validates_locally", False):
        copied: ox.Store = store.local_copy()
        return copied
    return store if isinstance(store, ox.Store) else registry._store


class _ValidationContext(ScratchGraph):
    """Write the run's context into its graph, and the derived relations (cityreg:involves
    ..., see registry.derived; of the focus nodes only, in a focused run whose shapes allow it)
    into theirs; put back what was there before on exit."""

    def __init__(self, registry: Registry, as_of: date, focus: Iterable[Node] | None = None,
                 shapes: Graph | None = None, store: ox.Store | None = None) -> None:
        """``store``: where to write (default: the registry's store, see :func:`_store`)."""
        self.as_of = as_of
        target = store if store is not None else _store(registry)
        self.derived = DerivedRelations(target, focus, shapes)
        super().__init__(target, str(VALIDATION_CONTEXT_GRAPH), self._context)

    def __enter__(self) -> _ValidationContext:
        self.derived.__enter__()
        try:
            super().__enter__()
        except BaseException:
            self.derived.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            self.derived.__exit__(*exc_info)

    def _context(self, graph: ox.NamedNode) -> list[ox.Quad]:
        node = ox.NamedNode(str(VALIDATION_CONTEXT_NODE))
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        return [
            ox.Quad(node, rdf_type, ox.NamedNode(str(CITYREG.ValidationContext)), graph),
            ox.Quad(node, ox.NamedNode(str(CITYREG.referenceDate)),
                    ox.Literal(self.as_of.isoformat(), datatype=ox.NamedNode(_XSD + "date")),
                    graph),
            ox.Quad(node, ox.NamedNode(str(CITYREG.concentrationThreshold)),
                    ox.Literal(str(DEFAULT_THRESHOLD), datatype=ox.NamedNode(_XSD + "decimal")),
                    graph),
        ]


def _labels(registry: Registry, iris: set[URIRef]) -> dict[str, str]:
    """rdfs:label of each IRI, English first, then untagged, then any."""
    best: dict[str, tuple[int, str]] = {}
    ordered = sorted(iris)
    for start in range(0, len(ordered), 500):
        chunk = " ".join(f"<{iri}>" for iri in ordered[start:start + 500])
        rows = registry.select_terms(
            f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} ?s rdfs:label ?l }}")
        for subject, label in rows:
            if not isinstance(label, ox.Literal) or isinstance(subject, ox.Triple):
                continue
            rank = 0 if label.language == "en" else 1 if label.language is None else 2
            key = subject.value
            best[key] = min(best.get(key, (rank, label.value)), (rank, label.value))
    return {iri: text for iri, (_rank, text) in best.items()}


#: An IRI in a message (a trailing full stop or bracket is the sentence's, not the IRI's).
_IRI_IN_TEXT = re.compile(r"(?:https?://|urn:)[^\s,;()<>\[\]\"']*[^\s,;()<>\[\]\"'.]")


#: A citation of a GDPR article not yet made a UK GDPR one.
_GDPR_ARTICLE = re.compile(r"(?<!UK )\bGDPR Art")


def _iris_in(result: ValidationResult) -> set[str]:
    """The IRIs a result's messages and value name (to be replaced by their labels)."""
    found = {iri for text in result.messages for iri in _IRI_IN_TEXT.findall(str(text))}
    if isinstance(result.value, URIRef):
        found.add(str(result.value))
    return found


def _named(text: str, focus: str, labels: dict[str, str]) -> str:
    """``text`` with every IRI but the focus's (see Finding.message) replaced by its label,
    or, for a vocabulary term without one, by its prefixed name (``eu-gdpr:A6-1-e``)."""
    def name(match: re.Match[str]) -> str:
        iri = match.group(0)
        return iri if iri == focus else labels.get(iri) or compact(iri)
    return _IRI_IN_TEXT.sub(name, text)



def _finding(result: ValidationResult, shapes: RuleShapes, labels: dict[str, str],
             places: dict[str, tuple[Place, ...]], lens: Place | None) -> Finding:
    """The finding of one result, judged where its entity is (or under the lens)."""
    note = shapes.annotation(result.source_shape)
    source = shapes.sources.get(note.legal_source)
    # A large registry has findings by the million, and most of their text repeats (the same
    # entity, path or component): interned, each distinct string is kept once (Finding does
    # the same for its message).
    focus = intern(str(result.focus))
    message = _named(_best_label(result.messages) or note.label, focus, labels)
    label = source.label if source else note.legal_source
    url = source.url if source else note.legal_source
    verdict = shapes.jurisdictions.verdict(note.legal_source, label, places.get(focus, ()), lens)
    if verdict.citation is not None:  # the UK's equivalent of the EU article
        message = message.replace(label, verdict.citation.label)
        if label.startswith("GDPR "):  # the UK GDPR keeps the GDPR's article numbers
            message = _GDPR_ARTICLE.sub("UK GDPR Art", message)
        label, url = verdict.citation.label, verdict.citation.url
    rule_severity = Severity.from_iri(result.severity)
    severity = Severity.INFO if verdict.standing == Standing.BENCHMARK else rule_severity
    return Finding(
        rule_id=note.rule_id, severity=severity, kind=note.kind,
        focus=focus, focus_label=labels.get(focus, focus),
        path=intern(_path_text(shapes.graph, result.path)),
        value="" if result.value is None else intern(str(result.value)),
        message=verdict.preface + message, legal_source=note.legal_source,
        legal_source_label=label, resolution=note.resolution, shape=note.shape,
        component=intern(str(result.component)), value_term=result.value,
        standing=verdict.standing, rule_severity=rule_severity, where=verdict.where,
        law=verdict.law, legal_source_url=url)


def _path_text(graph: Graph, path: Node | None) -> str:
    if path is None:
        return ""
    if isinstance(path, BNode):
        inverse = graph.value(path, SH.inversePath)
        return f"^{inverse}" if isinstance(inverse, URIRef) else ""
    return str(path)


def _best_label(literals: Iterable[Node]) -> str | None:
    ranked = sorted((0 if lit.language == "en" else 1 if lit.language is None else 2, str(lit))
                    for lit in literals if isinstance(lit, Literal))
    return ranked[0][1] if ranked else None


def _files(paths: Iterable[Path]) -> str:
    return ", ".join(os.fspath(p) for p in paths)
