"""The stored validation report: a SHACL validation report in its own named graph, the
evidence of its findings in three more, written as TriG beside the registry.

``DIR/cityreg-validation/report.trig`` holds

* ``<urn:cityreg:graph:validation-report>``: one ``sh:ValidationReport`` with its key
  (``cityreg:referenceDate``, ``cityreg:shapesChecksum``, ``cityreg:codeChecksum``,
  ``cityreg:citiesChecksum``, ``cityreg:updateToken`` and, per validated graph,
  ``cityreg:validatedGraph <g>`` with ``<g> cityreg:sha256`` and ``cityreg:statementCount``)
  and one ``sh:ValidationResult`` per finding (focus node, severity, source shape and
  constraint component, path, value, message) whose legal reading (rule id, legal source and
  its citation, kind, resolution, standing, place, law) is a ``cityreg:judgement`` node
  shared by the findings that read the same; each focus node's ``rdfs:label``;
* ``<urn:cityreg:graph:validation-evidence>``: the statements the findings rest on, as the
  run read them (``cityreg:involves`` ... included: the run derived them);
* ``<urn:cityreg:graph:validation-evidence-labels>`` and ``...-evidence-sources``: the labels
  of their terms, and the sources (``cityreg:source``, with label and ``cityreg:url``) of
  their subjects.

``DIR/cityreg-validation/state/`` is a checkpoint of the store the report was made from
(RocksDB hard links: it costs disk space only as the store moves on), so that the next run
knows exactly which statements a load changed. Both are written aside and renamed into
place, so a reader sees the old report or the new one, never a part.

The file is written line by line (an rdflib graph of a million findings would take minutes)
with every term in N-Triples syntax, which TriG reads.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, TextIO

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from registry.evidence import Evidence, SourceRef
from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
from registry.remote.location import RemoteLocation
from registry.store.terms import term_text
from registry.stored.key import ValidationKey
from registry.usercache import engine_folder

if TYPE_CHECKING:
    from registry.store import Registry

FOLDER = "cityreg-validation"
REPORT_GRAPH = "urn:cityreg:graph:validation-report"
EVIDENCE_GRAPH = "urn:cityreg:graph:validation-evidence"
LABELS_GRAPH = "urn:cityreg:graph:validation-evidence-labels"
SOURCES_GRAPH = "urn:cityreg:graph:validation-evidence-sources"

SH = "http://www.w3.org/ns/shacl#"
CR = "https://w3id.org/cityreg#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
_REPORT = "_:report"

_STANDING_IRI = {Standing.BINDING: CR + "BindingFinding",
                 Standing.BENCHMARK: CR + "BenchmarkFinding", Standing.LENS: CR + "LensFinding"}
_STANDINGS = {iri: standing for standing, iri in _STANDING_IRI.items()}
_SEVERITIES = {str(severity.iri): severity for severity in Severity}
_KINDS = {str(kind.iri): kind for kind in Kind}


@dataclass
class StoredReport:
    """What a stored report holds: its key, its findings in report order, their evidence."""

    key: ValidationKey
    findings: Sequence[Finding]
    evidence: Evidence | None


def folder_of(store_folder: Path) -> Path:
    """Where the stored report of the registry in ``store_folder`` lives."""
    return store_folder / FOLDER


def folder_of_engine(location: RemoteLocation) -> Path | None:
    """Where the stored report of the registry held by the engine at ``location`` lives: in
    the user's cache folder, one per engine URL (an engine keeps no files of cityreg's; the
    key in the report still names the registry's graphs, so a report of other data is never
    read as this one's). None when there is no cache folder."""
    folder = engine_folder(location)
    return None if folder is None else folder / FOLDER


def kept_for_engine(registry: Registry, name: str, code: str) -> tuple[Path, str] | None:
    """Where what a server computed for the registry held by an engine is kept between
    starts (the file ``name`` beside the stored report), and the key it must carry: the
    registry's state and ``code`` (a checksum of the modules that make it). None for a
    registry not held by an engine, or without a cache folder."""
    location = registry.location
    folder = None if location is None else folder_of_engine(location)
    if folder is None:
        return None
    return folder.parent / name, f"{registry.state_token()} {code}"


# -- writing ------------------------------------------------------------------------------------

def write(folder: Path, report: StoredReport, state: ox.Store | None,
          beside: Mapping[str, Path] | None = None) -> None:
    """Store ``report`` (and a checkpoint of the on-disk ``state`` it was made from) in
    ``folder``, replacing what was there in one rename. ``beside``: files (by the name they
    take in ``folder``) moved in with it, in the same rename; each is moved only once the
    report is written."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        with (staging / "report.trig").open("w", encoding="utf-8") as out:
            _write_report(out, report)
        if state is not None:
            state.flush()
            state.backup(str(staging / "state"))
        for name, path in (beside or {}).items():
            os.replace(path, staging / name)
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Terms:
    """Each term's N-Triples text, made once while it is among the last :data:`_TERMS_KEPT`
    made (most repeat thousands of times; the messages, one per finding, do not, and keeping
    every one would hold the report in memory while it is written)."""

    def __init__(self) -> None:
        self.texts: dict[object, str] = {}

    def iri(self, value: str) -> str:
        text = self.texts.get(value)
        if text is None:
            text = self._keep(value, _iri(value))
        return text

    def literal(self, value: str, language: str | None = None) -> str:
        key = (value, language)
        text = self.texts.get(key)
        if text is None:
            text = self._keep(key, str(ox.Literal(value, language=language)))
        return text

    def _keep(self, key: object, text: str) -> str:
        if len(self.texts) >= _TERMS_KEPT:
            self.texts.clear()
        self.texts[key] = text
        return text


#: How many terms' texts :class:`_Terms` keeps at once.
_TERMS_KEPT = 50_000


def _write_report(out: TextIO, report: StoredReport) -> None:
    terms = _Terms()
    key = report.key
    out.write(f"<{REPORT_GRAPH}> {{\n")
    out.write(f"{_REPORT} <{RDF_TYPE}> <{SH}ValidationReport> ;\n"
              f"  <{SH}conforms> {_boolean(not report.findings)} ;\n"
              f"  <{CR}referenceDate> \"{key.as_of.isoformat()}\"^^<{XSD}date> ;\n"
              f"  <{CR}shapesChecksum> {terms.literal(key.shapes)} ;\n"
              f"  <{CR}codeChecksum> {terms.literal(key.code)} ;\n"
              f"  <{CR}citiesChecksum> {terms.literal(key.cities)} ;\n"
              f"  <{CR}updateToken> {terms.literal(key.updates)} .\n")
    for graph, state in sorted(key.graphs.items()):
        sha256, count = state.rsplit(":", 1)
        out.write(f"{_REPORT} <{CR}validatedGraph> {_iri(graph)} .\n"
                  f"{_iri(graph)} <{CR}sha256> {terms.literal(sha256)} ; "
                  f"<{CR}statementCount> \"{int(count)}\"^^<{XSD}integer> .\n")
    judgements: dict[tuple[str, ...], str] = {}
    labelled: set[str] = set()
    for number, finding in enumerate(report.findings):
        judgement = _judgement(finding)
        node = judgements.get(judgement)
        if node is None:
            node = judgements[judgement] = f"_:j{len(judgements)}"
            _write_judgement(out, terms, node, judgement)
        _write_result(out, terms, f"_:r{number}", node, finding)
        if finding.focus not in labelled:
            labelled.add(finding.focus)
            out.write(f"{terms.iri(finding.focus)} <{LABEL}> "
                      f"{terms.literal(finding.focus_label)} .\n")
    out.write("}\n")
    if report.evidence is not None:
        _write_evidence(out, terms, report.evidence)


def _judgement(finding: Finding) -> tuple[str, ...]:
    return (finding.rule_id, finding.legal_source, finding.legal_source_label,
            finding.legal_source_url, str(finding.kind.iri), finding.resolution,
            _STANDING_IRI[finding.standing], str(finding.rule_severity.iri), finding.where,
            finding.law)


def _write_judgement(out: TextIO, terms: _Terms, node: str, judgement: tuple[str, ...]) -> None:
    (rule_id, source, citation, url, kind, resolution, standing, rule_severity, where,
     law) = judgement
    out.write(f"{node} <{CR}ruleId> {terms.literal(rule_id)} ;\n"
              f"  <{CR}legalSource> {terms.iri(source)} ;\n"
              f"  <{CR}citation> {terms.literal(citation)} ;\n"
              f"  <{CR}url> {terms.literal(url)} ;\n"
              f"  <{CR}findingKind> {terms.iri(kind)} ;\n"
              f"  <{CR}resolution> {terms.literal(resolution, 'en')} ;\n"
              f"  <{CR}standing> {terms.iri(standing)} ;\n"
              f"  <{CR}ruleSeverity> {terms.iri(rule_severity)} ;\n"
              f"  <{CR}placeDescription> {terms.literal(where)} ;\n"
              f"  <{CR}law> {terms.literal(law, 'en')} .\n")


def _write_result(out: TextIO, terms: _Terms, node: str, judgement: str, finding: Finding
                  ) -> None:
    parts = [f"{_REPORT} <{SH}result> {node} .\n{node} <{RDF_TYPE}> <{SH}ValidationResult>",
             f"<{SH}focusNode> {terms.iri(finding.focus)}",
             f"<{SH}resultSeverity> {terms.iri(str(finding.severity.iri))}",
             f"<{SH}sourceShape> {terms.iri(finding.shape)}",
             f"<{CR}judgement> {judgement}",
             f"<{SH}resultMessage> {terms.literal(finding.raw_message, 'en')}"]
    if finding.component:
        parts.append(f"<{SH}sourceConstraintComponent> {terms.iri(finding.component)}")
    inverse = ""
    if finding.path.startswith("^"):
        # The path node after the result, not nested in it: the reader takes each subject's
        # statements as one run, which a nested node would split.
        parts.append(f"<{SH}resultPath> {node}p")
        inverse = f"{node}p <{SH}inversePath> {terms.iri(finding.path[1:])} .\n"
    elif finding.path:
        parts.append(f"<{SH}resultPath> {terms.iri(finding.path)}")
    value = finding.value_term
    if isinstance(value, URIRef):
        parts.append(f"<{SH}value> {terms.iri(str(value))}")
    elif isinstance(value, Literal):
        parts.append(f"<{SH}value> {_literal(value)}")
    elif finding.value:  # a blank node's label, or a value without its term
        parts.append(f"<{CR}valueText> {terms.literal(finding.value)}")
    out.write(" ;\n  ".join(parts) + " .\n" + inverse)


def _write_evidence(out: TextIO, terms: _Terms, evidence: Evidence) -> None:
    rows = evidence.walk()
    out.write(f"<{EVIDENCE_GRAPH}> {{\n")
    for subject, predicate, obj, is_iri in rows.facts:
        value = terms.iri(obj) if is_iri else terms.literal(obj)
        out.write(f"{terms.iri(subject)} {terms.iri(predicate)} {value} .\n")
    out.write(f"}}\n<{LABELS_GRAPH}> {{\n")
    for iri, label in rows.labels:
        out.write(f"{terms.iri(iri)} <{LABEL}> {terms.literal(label)} .\n")
    out.write(f"}}\n<{SOURCES_GRAPH}> {{\n")
    for subject, sources in rows.sources:
        if not sources:
            out.write(f"{terms.iri(subject)} <{CR}source> <{RDF_TYPE}nil> .\n")
        for source in sources:
            out.write(f"{terms.iri(subject)} <{CR}source> {terms.iri(source)} .\n")
    for ref in rows.source_refs:
        out.write(f"{terms.iri(ref.iri)} <{LABEL}> {terms.literal(ref.label)} ;\n"
                  f"  <{CR}url> {terms.literal(ref.url)} .\n")
    out.write("}\n")


def _iri(value: str) -> str:
    try:
        return str(ox.NamedNode(value))
    except ValueError:  # not an IRI (a shape that is a blank node): kept as text
        return str(ox.Literal(value))


def _literal(value: Literal) -> str:
    if value.language:
        return str(ox.Literal(str(value), language=value.language))
    if value.datatype is not None:
        return str(ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype))))
    return str(ox.Literal(str(value)))


def _boolean(value: bool) -> str:
    return f"\"{'true' if value else 'false'}\"^^<{XSD}boolean>"


# -- reading ------------------------------------------------------------------------------------

def read(folder: Path, shape_properties: dict[str, frozenset[str]],
         usable: Callable[[ValidationKey], bool] = lambda key: True) -> StoredReport | None:
    """The stored report in ``folder``, or None when there is none, it cannot be read, or its
    key is not ``usable`` (then the caller validates again: a stored report is a cache, never
    the only copy of a fact). The key comes first in the file: an unusable report is not read
    on (at N=10000 reading all of it takes about 50 s)."""
    path = folder / "report.trig"
    try:
        with path.open("rb") as data:
            return _read(ox.parse(data, format=ox.RdfFormat.TRIG), shape_properties, usable)
    except (OSError, SyntaxError, ValueError, KeyError):
        return None


def open_state(folder: Path) -> ox.Store | None:
    """The store the stored report was made from, read-only (None when there is none)."""
    path = folder / "state"
    if not path.is_dir():
        return None
    try:
        return ox.Store.read_only(str(path))
    except OSError:
        return None


def _subjects(quads: Iterator[ox.Quad]) -> Iterator[tuple[str, ox.NamedNode | ox.BlankNode,
                                                         dict[str, list[object]]]]:
    """(graph, subject, its properties) for each run of quads with the same subject."""
    current: tuple[str, object] | None = None
    subject: ox.NamedNode | ox.BlankNode | None = None
    values: dict[str, list[object]] = {}
    for quad in quads:
        graph = quad.graph_name.value  # type: ignore[union-attr]
        here = (graph, quad.subject)
        if here != current:
            if current is not None and subject is not None:
                yield current[0], subject, values
            current, subject, values = here, quad.subject, {}  # type: ignore[assignment]
        values.setdefault(quad.predicate.value, []).append(quad.object)
    if current is not None and subject is not None:
        yield current[0], subject, values


def _read(quads: Iterator[ox.Quad], shape_properties: dict[str, frozenset[str]],
          usable: Callable[[ValidationKey], bool]) -> StoredReport | None:
    report: dict[str, list[object]] = {}
    graph_states: dict[str, str] = {}
    judgements: dict[str, dict[str, list[object]]] = {}
    results: list[tuple[dict[str, list[object]], ox.BlankNode | ox.NamedNode]] = []
    labels: dict[str, str] = {}
    inverse: dict[str, str] = {}
    evidence = Evidence(shape_properties)
    triples: dict[str, list[tuple[str, str, str, bool]]] = {}
    has_evidence = False
    for graph, subject, values in _subjects(quads):
        if graph == REPORT_GRAPH:
            if subject.value == "report" or f"{SH}conforms" in values:
                for name, objects in values.items():
                    report.setdefault(name, []).extend(objects)
            elif f"{CR}validatedGraph" in values:
                report.setdefault(f"{CR}validatedGraph", []).extend(
                    values[f"{CR}validatedGraph"])
            elif f"{SH}focusNode" in values:
                results.append((values, subject))
            elif f"{CR}ruleId" in values:
                if not judgements:  # the first after the key: is the rest worth reading?
                    key = _key(report, graph_states)
                    if key is None or not usable(key):
                        return None
                judgements[subject.value] = values
            elif f"{SH}inversePath" in values:
                inverse[subject.value] = term_text(values[f"{SH}inversePath"][0])
            elif f"{CR}sha256" in values:
                graph_states[subject.value] = (f"{term_text(values[CR + 'sha256'][0])}:"
                                               f"{term_text(values[CR + 'statementCount'][0])}")
            elif LABEL in values:
                labels[subject.value] = term_text(values[LABEL][0])
            elif f"{SH}result" in values:  # the report's results, listed apart
                continue
        elif graph == EVIDENCE_GRAPH:
            has_evidence = True
            subject_text = intern(subject.value)
            for predicate, objects in values.items():
                for obj in objects:
                    is_iri = isinstance(obj, ox.NamedNode)
                    triples.setdefault(subject_text, []).append(
                        (subject_text, intern(predicate), intern(term_text(obj)), is_iri))
        elif graph == LABELS_GRAPH:
            evidence.labels[subject.value] = term_text(values[LABEL][0])
        elif graph == SOURCES_GRAPH:
            if f"{CR}source" in values:
                evidence.sources[subject.value] = tuple(sorted(
                    intern(term_text(o)) for o in values[f"{CR}source"]
                    if term_text(o) != f"{RDF_TYPE}nil"))
            if f"{CR}url" in values:
                evidence.source_refs[subject.value] = SourceRef(
                    subject.value, term_text(values[LABEL][0]), term_text(values[f"{CR}url"][0]))
    key = _key(report, graph_states)
    if key is None:
        return None
    evidence.triples = {entity: tuple(sorted(set(facts))) for entity, facts in triples.items()}
    findings = [_finding(values, judgements, labels, inverse) for values, _node in results]
    return StoredReport(key, findings, evidence if has_evidence else None)


def _key(report: dict[str, list[object]], graphs: dict[str, str]) -> ValidationKey | None:
    def one(name: str) -> str:
        return term_text(report[CR + name][0])

    if not report:
        return None
    validated = {term_text(g) for g in report.get(CR + "validatedGraph", [])}
    return ValidationKey({g: graphs[g] for g in validated}, one("updateToken"),
                         one("citiesChecksum"), one("shapesChecksum"), one("codeChecksum"),
                         date.fromisoformat(one("referenceDate")))


def _finding(values: dict[str, list[object]], judgements: dict[str, dict[str, list[object]]],
             labels: dict[str, str], inverse: dict[str, str]) -> Finding:
    def one(name: str, where: dict[str, list[object]] = values) -> str:
        found = where.get(name)
        return term_text(found[0]) if found else ""

    judgement = judgements[one(CR + "judgement")]
    focus = intern(one(SH + "focusNode"))
    path_term = values.get(SH + "resultPath")
    path = ""
    if path_term:
        term = path_term[0]
        path = f"^{inverse[term.value]}" if isinstance(term, ox.BlankNode) else term_text(term)
    value_term = _rdflib(values[SH + "value"][0]) if SH + "value" in values else None
    value = str(value_term) if value_term is not None else one(CR + "valueText")
    severity = _SEVERITIES[one(SH + "resultSeverity")]
    return Finding(
        rule_id=intern(one(CR + "ruleId", judgement)), severity=severity,
        kind=_KINDS[one(CR + "findingKind", judgement)], focus=focus,
        focus_label=labels.get(focus, focus), path=intern(path), value=intern(value),
        message=one(SH + "resultMessage"),
        legal_source=intern(one(CR + "legalSource", judgement)),
        legal_source_label=intern(one(CR + "citation", judgement)),
        resolution=intern(one(CR + "resolution", judgement)),
        shape=intern(one(SH + "sourceShape")),
        component=intern(one(SH + "sourceConstraintComponent")), value_term=value_term,
        standing=_STANDINGS[one(CR + "standing", judgement)],
        rule_severity=_SEVERITIES[one(CR + "ruleSeverity", judgement)],
        where=one(CR + "placeDescription", judgement), law=one(CR + "law", judgement),
        legal_source_url=one(CR + "url", judgement))


def _rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return BNode(term_text(term))
