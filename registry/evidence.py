"""The evidence of a finding: the recorded facts that made its rule fire, with their sources.

A lawyer who signs a finding needs what it rests on. A shape reads certain properties (its
"facts": ``cityreg:processesPersonalData``, ``cityreg:notDisclosed``, ``dpv:hasImpactAssessment``
...); the evidence of a finding is every statement the registry holds on those properties
about the finding's entity, about the entities it involves (the derived relation
``cityreg:involves``: what it uses or feeds, the facts of which count for it), and about the
offending value. Each fact carries the labels of its terms and the sources
(``cityreg:source``: label and address) of the entity it is about; a fact the validator derived
(``cityreg:involves``) says so.

Facts are collected during the run (the derived relations exist only then), once per entity,
and kept as IRI triples; :meth:`Evidence.of` builds a finding's facts on demand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from sys import intern

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from registry.derived import RELATIONS
from registry.findings import Finding
from registry.namespaces import CITYREG
from registry.store import Registry
from registry.store.terms import term_text

__all__ = ["DERIVED", "Evidence", "EvidenceRows", "Fact", "SourceRef", "shape_facts"]

#: Relations the validator derives for a run (registry/derived.py), never asserted.
DERIVED = frozenset(relation.iri for relation in RELATIONS)
#: Properties shapes read to find their targets, not facts a lawyer would weigh.
_NOT_FACTS = frozenset({"http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                        "http://www.w3.org/2000/01/rdf-schema#subClassOf"})
#: Properties whose objects name other properties (the three states of a fact).
_STATE_MARKS = frozenset({str(CITYREG._NS) + "notDisclosed", str(CITYREG._NS) + "absent"})
_PREFIXED = re.compile(r"(?<![\w<#/])([a-z][\w-]*):([A-Za-z][\w-]*)")
_FULL = re.compile(r"<(https?://[^>\s]+)>")
_CHUNK = 400


@dataclass(frozen=True)
class SourceRef:
    """Where a fact comes from: a cityreg:Source, its label and address."""

    iri: str
    label: str
    url: str


@dataclass(frozen=True)
class EvidenceRows:
    """What an :class:`Evidence` holds, walked once in order: facts as (subject, predicate,
    object, object is an IRI), labels as (term, label), sources as (subject, its sources)."""

    facts: Iterator[tuple[str, str, str, bool]]
    labels: Iterator[tuple[str, str]]
    sources: Iterator[tuple[str, tuple[str, ...]]]
    source_refs: Iterator[SourceRef]


@dataclass(frozen=True)
class Fact:
    """One statement that a finding rests on, with labels and sources."""

    subject: str
    subject_label: str
    predicate: str
    predicate_label: str
    object: str
    object_label: str
    derived: bool
    sources: tuple[SourceRef, ...]
    object_is_iri: bool = True

    @property
    def text(self) -> str:
        """The fact as a sentence: ``Rio CCTV ... - publicly accessible place - true``."""
        mark = " (derived by the validator)" if self.derived else ""
        return f"{self.subject_label} - {self.predicate_label} - {self.object_label}{mark}"


def shape_facts(graph: Graph) -> dict[str, frozenset[str]]:
    """The properties each node shape (by IRI) reads: its paths and its SPARQL's properties."""
    prefixes = {str(p): str(ns) for decl in graph.objects(None, SH.declare)
                for p in graph.objects(decl, SH.prefix) for ns in graph.objects(decl, SH.namespace)}
    facts: dict[str, frozenset[str]] = {}
    for shape in set(graph.subjects(CITYREG.ruleId, None)):
        if not isinstance(shape, URIRef):
            continue
        found = {str(p) for p in graph.objects(shape, SH.targetSubjectsOf)}
        for part in [shape, *graph.objects(shape, SH.property)]:
            path = graph.value(part, SH.path)
            if isinstance(path, URIRef):
                found.add(str(path))
            elif isinstance(path, BNode):
                inverse = graph.value(path, SH.inversePath)
                if isinstance(inverse, URIRef):
                    found.add(str(inverse))
            for constraint in graph.objects(part, SH.sparql):
                for text in graph.objects(constraint, SH.select):
                    found |= _properties(str(text), prefixes)
        facts[str(shape)] = frozenset(found - _NOT_FACTS)
    return facts


def _properties(query: str, prefixes: Mapping[str, str]) -> set[str]:
    """Property IRIs a query names: prefixed names with a lower-case local part, full IRIs."""
    found = {prefixes[p] + local for p, local in _PREFIXED.findall(query)
             if p in prefixes and p != "xsd" and local[0].islower()}
    return found | {iri for iri in _FULL.findall(query) if _is_property(iri)}


class Evidence:
    """The facts of the entities with findings, collected during one validation run."""

    def __init__(self, shape_properties: Mapping[str, frozenset[str]]) -> None:
        self.shape_properties = dict(shape_properties)
        self.properties = frozenset().union(*self.shape_properties.values()) | DERIVED
        #: entity -> its facts as (subject, predicate, object, object is an IRI)
        self.triples: dict[str, tuple[tuple[str, str, str, bool], ...]] = {}
        self.labels: dict[str, str] = {}
        #: terms whose label was looked up and not found (their IRI stands for it): a run that
        #: re-validates part of a stored report drops the labels these had before
        self.unlabelled: set[str] = set()
        self.sources: dict[str, tuple[str, ...]] = {}
        self.source_refs: dict[str, SourceRef] = {}
        #: entities whose facts were read as a finding's own, derived relations included (an
        #: entity first read as involved by another has none, and is read again)
        self.with_derived: set[str] = set()

    def collect(self, registry: Registry, entities: Iterable[str]) -> None:
        """Read the facts of ``entities`` and of what they involve (call while the derived
        relations are in the store)."""
        todo = sorted(set(entities) - self.with_derived)
        self.with_derived.update(todo)
        if not todo:
            return
        # What this call read, labelled and sourced from here: the mappings are only
        # written (a findings file's evidence keeps their values on disk, not in memory).
        read: dict[str, tuple[tuple[str, str, str, bool], ...]] = {}
        involved: set[str] = set()
        for start in range(0, len(todo), _CHUNK):
            chunk = todo[start:start + _CHUNK]
            found = self._read(registry, chunk)
            for entity in chunk:
                triples = read[entity] = found.get(entity, ())
                involved |= {o for _s, p, o, iri in triples if p in DERIVED and iri}
        rest = sorted(o for o in involved if o not in read and o not in self.triples)
        for start in range(0, len(rest), _CHUNK):
            chunk = rest[start:start + _CHUNK]
            found = self._read(registry, chunk)
            for entity in chunk:
                read[entity] = tuple(t for t in found.get(entity, ()) if t[1] not in DERIVED)
        for entity, triples in read.items():
            self.triples[entity] = triples
        # Only what this call read: a run calls this once per query, and going over every
        # fact read so far each time made a run quadratic in its findings.
        self._label_and_source(registry, read)

    def _read(self, registry: Registry, chunk: list[str]
              ) -> dict[str, tuple[tuple[str, str, str, bool], ...]]:
        values = " ".join(f"<{iri}>" for iri in chunk if not iri.startswith("_:"))
        if not values:
            return {}
        # Every statement of the subjects, filtered here: one index scan per subject, where
        # binding the predicates too made one lookup per subject and predicate.
        # pyoxigraph's own terms, read as strings: made into rdflib terms, the rows of a run
        # over a large registry cost a third of its time.
        rows = registry.select_terms(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
        found: dict[str, list[tuple[str, str, str, bool]]] = {}
        properties = self.properties
        for subject, predicate, obj in rows:
            if term_text(predicate) not in properties:
                continue
            found.setdefault(term_text(subject), []).append(
                (intern(term_text(subject)), intern(term_text(predicate)), intern(term_text(obj)),
                 isinstance(obj, ox.NamedNode)))
        return {s: tuple(sorted(set(t))) for s, t in found.items()}

    def _label_and_source(self, registry: Registry,
                          read: Mapping[str, tuple[tuple[str, str, str, bool], ...]]) -> None:
        """The labels of the terms of the facts just ``read``, the sources of their entities,
        and those sources' labels and addresses, each looked up once per run."""
        terms = {t for triples in read.values() for s, p, o, iri in triples
                 for t in ((s, p, o) if iri else (s, p))}
        terms |= read.keys()
        unlabelled = sorted(t for t in terms
                            if t not in self.labels and t not in self.unlabelled)
        for start in range(0, len(unlabelled), _CHUNK):
            chunk = " ".join(f"<{iri}>" for iri in unlabelled[start:start + _CHUNK])
            found_labels: dict[str, str] = {}
            for term, label in registry.select_terms(
                    f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} "
                    "?s rdfs:label ?l FILTER (lang(?l) IN ('en', '')) }"):
                found_labels.setdefault(term_text(term), term_text(label))
            for text, label_text in found_labels.items():
                self.labels[text] = label_text
        self.unlabelled.update(t for t in unlabelled if t not in self.labels)
        subjects = sorted(s for s in read if s not in self.sources)
        named: set[str] = set()  # the sources of these subjects
        for start in range(0, len(subjects), _CHUNK):
            chunk = " ".join(f"<{iri}>" for iri in subjects[start:start + _CHUNK])
            found: dict[str, list[str]] = {}
            for entity, source in registry.select_terms(
                    f"SELECT ?s ?src WHERE {{ VALUES ?s {{ {chunk} }} ?s cityreg:source ?src }}"):
                found.setdefault(term_text(entity), []).append(intern(term_text(source)))
            for subject in subjects[start:start + _CHUNK]:
                sources = self.sources[subject] = tuple(sorted(found.get(subject, ())))
                named.update(sources)
        # Every source named before this call was looked up by the call that named it.
        wanted = sorted(s for s in named if s not in self.source_refs)
        for start in range(0, len(wanted), _CHUNK):
            chunk = " ".join(f"<{iri}>" for iri in wanted[start:start + _CHUNK])
            rows = registry.select(f"""SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?u) AS ?url)
                WHERE {{ VALUES ?s {{ {chunk} }}
                         OPTIONAL {{ ?s rdfs:label ?l }} OPTIONAL {{ ?s cityreg:url ?u }} }}
                GROUP BY ?s""")
            for row in rows:
                iri = str(row["s"])
                self.source_refs[iri] = SourceRef(
                    iri, str(row.get("label", iri)), str(row.get("url", iri)))

    def walk(self) -> EvidenceRows:
        """Everything collected, as rows to write out (a stored report): the facts of each
        entity, the labels, each subject's sources (an empty tuple: none) and the sources'
        labels and addresses."""
        return EvidenceRows(
            (t for triples in self.triples.values() for t in triples),
            iter(self.labels.items()), iter(self.sources.items()),
            iter(self.source_refs.values()))

    def of(self, finding: Finding) -> tuple[Fact, ...]:
        """The facts ``finding`` rests on, its entity's first, then what it involves."""
        wanted = self.shape_properties.get(finding.shape, frozenset()) | DERIVED
        own = [t for t in self.triples.get(finding.focus, ()) if t[1] in wanted]
        involved = sorted({o for _s, p, o, iri in own if p in DERIVED and iri})
        triples = list(own)
        for entity in involved:
            triples += [t for t in self.triples.get(entity, ()) if t[1] in wanted]
        if finding.value and finding.value != finding.focus:
            triples += [t for t in self.triples.get(finding.value, ()) if t[1] in wanted]
        # "Not disclosed" and "absent" facts about properties the rule does not read are not
        # its evidence.
        triples = [t for t in triples if t[1] not in _STATE_MARKS or not _is_property(t[2])
                   or t[2] in wanted]
        # An involvement matters only when a fact of another involved entity is shown.
        shown = {s for s, p, _o, _iri in triples if p not in DERIVED}
        kept = [t for t in dict.fromkeys(triples)
                if t[1] not in DERIVED or (t[2] in shown and t[2] != t[0])]
        return tuple(self._fact(*t) for t in kept)

    def _fact(self, subject: str, predicate: str, obj: str, is_iri: bool) -> Fact:
        # A derived link rests on the statements it was derived from, not on a source.
        sources = () if predicate in DERIVED else tuple(
            self.source_refs.get(s, SourceRef(s, s, s)) for s in self.sources.get(subject, ()))
        return Fact(subject, self.labels.get(subject, subject), predicate,
                    self.labels.get(predicate, _local(predicate)), obj,
                    self.labels.get(obj, obj) if is_iri else obj, predicate in DERIVED,
                    sources, is_iri)


def _is_property(iri: str) -> bool:
    """True for an IRI whose local name starts in lower case (a property, by convention)."""
    local = _local(iri)
    return bool(local) and local[0].islower()


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]
