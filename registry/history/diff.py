"""What changed between two registries: entities added, removed and changed, field by field,
and the legal findings that appeared or were resolved.

::

    diff = diff_registries(before, after, as_of=date(2026, 6, 1))
    for entity in diff.entities:              # added, removed, changed; each by IRI
        print(entity.change, entity.label, [field.label for field in entity.fields])
    diff.is_empty()                           # the same entities, fields and findings

An *entity* is an IRI subject of the data graphs: every graph but the ontology, the provenance
records and the graphs a validation writes, as :meth:`Registry.export` counts them. Its
*fields* are its outgoing statements, predicate -> values, over the union of the graphs (two
files stating the same thing state one value). Values are compared as RDF terms (a literal by
its lexical form, datatype and language), except blank nodes, which are compared by their
content: their own statements, recursively, a cycle cut where it closes on itself. So two
dumps that differ only in their blank node labels are equal. A blank node that no IRI reaches
belongs to no entity: it is never reported, though a change in one has the findings compared.

Labels make the report readable: a field is named by its property's ``rdfs:label`` in the
ontology (else a compact name such as ``cityreg:retentionPeriod``), an IRI value by the label of
the entity it names, a blank node value by its content (``[a Purpose; label: Billing]``).

Findings: :func:`~registry.validate.validate_registry` runs on each side; a finding *appeared*
when its key (rule id, focus, path, value and message) is only in the after side, and was
*resolved* when it is only in the before side. The key takes the message as the shape wrote it,
naming the focus by its IRI (:attr:`Finding.raw_message`), so that relabelling an entity does
not turn each of its findings into one resolved and one appeared. The same data has the same
findings, so two registries whose data are equal are not validated at all; on large registries
only the entities whose findings the changed statements can change are validated, on both
sides (see :func:`_affected`): the same answer as two whole runs, in a fraction of the time.

Whole registries stay cheap: each side's data statements are read once, straight from
pyoxigraph, into a set of (subject, predicate, value key) strings (about 0.7 s for 350,000
statements); the two sets' differences name the changed entities and fields, and only those
are read again, for their labels and display texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TypeAlias

import pyoxigraph as ox

from registry.findings import Finding
from registry.namespaces import compact
from registry.store import Registry
from registry.store.provenance import ONTOLOGY_GRAPH, RESERVED_GRAPHS

__all__ = ["EntityChange", "FieldChange", "FindingChange", "RegistryDiff", "diff_registries"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: What ``change`` an :class:`EntityChange` and a :class:`FindingChange` can say, in report order.
ENTITY_CHANGES = ("added", "removed", "changed")
FINDING_CHANGES = ("appeared", "resolved")
#: Names of the two properties nearly every entity has, which the ontology does not label.
_BUILT_IN_LABELS = {RDF_TYPE: "type", RDFS_LABEL: "label"}
#: A blank node met again inside its own content (a cycle), or nested too deep to show.
_CUT = "[…]"
#: How deep blank node contents are shown (they are compared at any depth).
_SHOWN_DEPTH = 30
#: From how many statements on a side the findings are compared entity by entity
#: (:func:`_affected`) rather than by validating both registries whole.
FOCUSED_FROM = 100_000

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_Triple: TypeAlias = tuple[str, str, str]  # subject IRI, predicate IRI, value key
_Values: TypeAlias = dict[str, dict[str, Term]]  # predicate -> value key -> value


@dataclass(frozen=True)
class FieldChange:
    """One field (property) of an entity whose values differ: the values gone and those new.

    Values are display texts: a literal's lexical form; an IRI as the label of the entity it
    names, else the IRI; a blank node as its content. Each tuple is sorted.
    """

    predicate: str
    label: str
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class EntityChange:
    """An entity added, removed or changed. ``fields``: for ``changed`` only the fields that
    differ, for ``added`` and ``removed`` every field (all added, or all removed)."""

    iri: str
    label: str
    types: tuple[str, ...]
    change: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class FindingChange:
    """A legal finding that ``appeared`` (only after) or was ``resolved`` (only before);
    ``source`` is the label of the article of law it cites."""

    change: str
    rule: str
    severity: str
    focus: str
    focus_label: str
    message: str
    source: str


@dataclass(frozen=True)
class RegistryDiff:
    """Everything that differs between two registries, ``before`` and ``after`` (each
    described for a reader: ``store reg``, ``dump a.ttl``, ``version 1 (...)``)."""

    before: str
    after: str
    entities: tuple[EntityChange, ...]
    findings: tuple[FindingChange, ...]

    def is_empty(self) -> bool:
        """True when the registries hold the same entities, fields and findings."""
        return not self.entities and not self.findings

    def count(self, change: str) -> int:
        """How many entities (``added``, ``removed``, ``changed``) or findings (``appeared``,
        ``resolved``) changed that way."""
        changes = self.entities if change in ENTITY_CHANGES else self.findings
        return sum(1 for item in changes if item.change == change)

    def to_json(self) -> dict[str, object]:
        """The diff as JSON-ready data (``cityreg diff --format json``), keys in this order:
        before, after, entities (counts), findings (counts), changes, findingChanges."""
        return {
            "before": self.before,
            "after": self.after,
            "entities": {change: self.count(change) for change in ENTITY_CHANGES},
            "findings": {change: self.count(change) for change in FINDING_CHANGES},
            "changes": [
                {"iri": entity.iri, "label": entity.label, "types": list(entity.types),
                 "change": entity.change,
                 "fields": [{"predicate": one.predicate, "label": one.label,
                             "removed": list(one.removed), "added": list(one.added)}
                            for one in entity.fields]}
                for entity in self.entities],
            "findingChanges": [
                {"change": finding.change, "rule": finding.rule, "severity": finding.severity,
                 "focus": finding.focus, "focusLabel": finding.focus_label,
                 "message": finding.message, "source": finding.source}
                for finding in self.findings],
        }


def diff_registries(before: Registry, after: Registry, *, as_of: date, findings: bool = True,
                    before_label: str = "", after_label: str = "") -> RegistryDiff:
    """What changed from ``before`` to ``after`` (see the module docstring).

    ``as_of`` is the reference date of the legal checks of both sides; ``findings=False``
    skips them (the diff then has no finding changes). The labels describe the two sides in
    reports. Neither registry's data is changed.
    """
    old, new = _Side(before), _Side(after)
    gone = _by_subject(old.triples - new.triples)
    came = _by_subject(new.triples - old.triples)
    entities = [_entity(iri, "added", old, new, {}, came[iri])
                for iri in sorted(came.keys() - old.subjects)]
    entities += [_entity(iri, "removed", old, new, gone[iri], {})
                 for iri in sorted(gone.keys() - new.subjects)]
    entities += [_entity(iri, "changed", old, new, gone.get(iri, {}), came.get(iri, {}))
                 for iri in sorted((gone.keys() | came.keys()) & old.subjects & new.subjects)]
    changes: tuple[FindingChange, ...] = ()
    if findings and (entities or old.blank_keys() != new.blank_keys()):
        removed, added = _statements(old, gone), _statements(new, came)
        changed = None if removed is None or added is None else removed | added
        changes = _finding_changes(old, new, as_of, changed)
    return RegistryDiff(before_label, after_label, tuple(entities), changes)


def _by_subject(triples: set[_Triple]) -> dict[str, dict[str, set[str]]]:
    """subject -> predicate -> value keys."""
    grouped: dict[str, dict[str, set[str]]] = {}
    for subject, predicate, key in triples:
        grouped.setdefault(subject, {}).setdefault(predicate, set()).add(key)
    return grouped


def _entity(iri: str, change: str, old: _Side, new: _Side, gone: dict[str, set[str]],
            came: dict[str, set[str]]) -> EntityChange:
    """The change of one entity: ``gone`` and ``came`` are its value keys only before and
    only after, by predicate."""
    side = old if change == "removed" else new
    before = old.fields(iri) if change != "added" else {}
    after = new.fields(iri) if change != "removed" else {}
    fields = [FieldChange(predicate, side.term_label(predicate),
                          _shown(old, before, predicate, gone.get(predicate, set())),
                          _shown(new, after, predicate, came.get(predicate, set())))
              for predicate in gone.keys() | came.keys()]
    fields.sort(key=lambda one: (one.label.casefold(), one.predicate))
    values = after if change != "removed" else before
    types = {side.term_label(term.value) for term in values.get(RDF_TYPE, {}).values()
             if isinstance(term, ox.NamedNode)}
    return EntityChange(iri, side.label(iri) or iri, tuple(sorted(types)), change,
                        tuple(fields))


def _shown(side: _Side, values: _Values, predicate: str, keys: set[str]) -> tuple[str, ...]:
    terms = values.get(predicate, {})
    return tuple(sorted(side.display(terms[key]) if key in terms else key for key in keys))


def _statements(side: _Side, changed: dict[str, dict[str, set[str]]]) -> set[ox.Triple] | None:
    """The statements of ``changed`` (subject -> predicate -> value keys) as RDF triples;
    None when a value is a blank node (which a focused validation cannot follow)."""
    triples: set[ox.Triple] = set()
    for iri, by_predicate in changed.items():
        values = side.fields(iri)
        for predicate, keys in by_predicate.items():
            for key in keys:
                value = values.get(predicate, {}).get(key)
                if value is None or isinstance(value, ox.BlankNode):
                    return None
                triples.add(ox.Triple(ox.NamedNode(iri), ox.NamedNode(predicate), value))
    return triples


def _finding_changes(old: _Side, new: _Side, as_of: date, changed: set[ox.Triple] | None
                     ) -> tuple[FindingChange, ...]:
    """The findings only after (appeared), then those only before (resolved), each in report
    order. Large registries validate again only the entities whose findings the ``changed``
    statements can change (:func:`_affected`), small ones everything."""
    focus = _affected(old, new, changed)
    if focus is not None and not focus:
        return ()
    before, after = old.findings(as_of, focus), new.findings(as_of, focus)
    old_keys = {_finding_key(finding) for finding in before}
    new_keys = {_finding_key(finding) for finding in after}
    appeared = {_finding_key(f): _finding_change("appeared", f) for f in after
                if _finding_key(f) not in old_keys}
    resolved = {_finding_key(f): _finding_change("resolved", f) for f in before
                if _finding_key(f) not in new_keys}
    return (*appeared.values(), *resolved.values())


def _affected(old: _Side, new: _Side, changed: set[ox.Triple] | None) -> list[str] | None:
    """The entities whose findings ``changed`` can change, as the stored findings of a store
    find them after a load (:mod:`registry.stored.affected`): an entity's findings can only
    change if the walks of the shapes lead from it to a changed statement, in either
    registry. None (validate everything) for small registries, where a full run is quicker
    than reading the walks the first time (about 20 s, then cached); for a registry held by
    an engine; when a blank node changed; when the registries' only city differs (the place
    of every entity without its own); and when most of the registry would be validated again.
    """
    if changed is None or max(len(old.triples), len(new.triples)) < FOCUSED_FROM or (
            old.registry.location or new.registry.location):
        return None
    from registry.places import registry_cities
    from registry.stored.affected import TooMany, affected
    from registry.stored.key import code_checksum, files_checksum
    from registry.stored.walks import stored_walks
    from registry.validate import load_shapes, shape_files

    cities = [registry_cities(side.registry) for side in (old, new)]
    if any(len(found) == 1 for found in cities) and cities[0] != cities[1]:
        return None
    files = shape_files()
    walks = stored_walks(load_shapes(files).engine, files_checksum(files) + code_checksum())
    if walks is None:
        return None
    limit = max(1_000, max(len(old.triples), len(new.triples)) // 10)
    try:
        return sorted(affected(changed, walks, [new.registry.store, old.registry.store], limit))
    except TooMany:
        return None


def _finding_key(finding: Finding) -> tuple[str, str, str, str, str]:
    return (finding.rule_id, finding.focus, finding.path, finding.value, finding.raw_message)


def _finding_change(change: str, finding: Finding) -> FindingChange:
    return FindingChange(change, finding.rule_id, str(finding.severity), finding.focus,
                         finding.focus_label, finding.message, finding.legal_source_label)


class _Side:
    """One registry as the diff reads it: its data statements as comparable strings, the
    content of its blank nodes, and the labels and display texts of what changed."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._store = registry.store
        named = [graph for graph in self._store.named_graphs()
                 if graph.value not in RESERVED_GRAPHS]
        self._graph_names = frozenset(graph.value for graph in named)
        # An engine's "default graph" pattern matches every graph: there, only named ones.
        self._has_default = registry.location is None
        self._graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
            *([ox.DefaultGraph()] if self._has_default else []), *named]
        self._blank_content: dict[ox.BlankNode, list[tuple[str, Term]]] = {}
        self._blank_values: dict[str, list[tuple[str, ox.BlankNode]]] = {}
        self._keys: dict[ox.BlankNode, str] = {}
        self._labels: dict[tuple[str, bool], str | None] = {}
        self._fields: dict[str, _Values] = {}
        self.triples = self._read()
        self.subjects = {subject for subject, _, _ in self.triples}

    def _read(self) -> set[_Triple]:
        """Every data statement whose subject is an IRI, as (subject, predicate, value key):
        an IRI or literal's N-Triples text, or a blank node's content key."""
        triples: set[_Triple] = set()
        add = triples.add
        for graph in self._graphs:
            for quad in self._store.quads_for_pattern(None, None, None, graph):
                subject, value = quad.subject, quad.object
                if type(subject) is ox.NamedNode:
                    if type(value) is ox.BlankNode:
                        self._blank_values.setdefault(subject.value, []).append(
                            (quad.predicate.value, value))
                    else:
                        add((subject.value, quad.predicate.value, str(value)))
                elif type(subject) is ox.BlankNode:
                    self._blank_content.setdefault(subject, []).append(
                        (quad.predicate.value, value))
        for iri, pairs in self._blank_values.items():
            for predicate, node in pairs:
                add((iri, predicate, self.blank_key(node)))
        return triples

    def blank_key(self, root: ox.BlankNode) -> str:
        """A text that is equal for two blank nodes exactly when their content is: their
        statements' predicates and values (nested blank nodes by their own key), sorted; a
        blank node met again within itself is cut. Iterative: an RDF list is as deep as it is
        long."""
        if root in self._keys:
            return self._keys[root]
        path = [_Frame(root, "", iter(self._blank_content.get(root, ())))]
        on_path = {root}
        while True:
            frame = path[-1]
            deeper = None
            for predicate, value in frame.pending:
                if not isinstance(value, ox.BlankNode):
                    frame.parts.add(f"<{predicate}> {value}")
                elif value in self._keys:
                    frame.parts.add(f"<{predicate}> {self._keys[value]}")
                elif value in on_path:
                    frame.parts.add(f"<{predicate}> {_CUT}")
                    frame.cyclic = True
                else:
                    deeper = _Frame(value, predicate, iter(self._blank_content.get(value, ())))
                    break
            if deeper is not None:
                path.append(deeper)
                on_path.add(deeper.node)
                continue
            path.pop()
            on_path.discard(frame.node)
            key = "[" + " ; ".join(sorted(frame.parts)) + "]"
            if not frame.cyclic:  # a cut node's key depends on where it was entered
                self._keys[frame.node] = key
            if not path:
                return key
            path[-1].parts.add(f"<{frame.via}> {key}")
            path[-1].cyclic |= frame.cyclic

    def blank_keys(self) -> set[str]:
        """The content key of every blank node, those no IRI reaches included."""
        return {self.blank_key(node) for node in self._blank_content}

    def findings(self, as_of: date, focus: list[str] | None) -> list[Finding]:
        """The findings of the registry (of the ``focus`` entities only, unless None), in
        report order. A store folder is validated whole in a copy in memory, as the stored
        findings are (registry.stored.validation): Oxigraph answers whole-graph queries
        several times faster there than from RocksDB."""
        from registry.validate import validate_registry

        if focus is not None or self.registry.path is None:
            return list(validate_registry(self.registry, as_of, focus=focus,
                                          evidence=False).findings)
        with Registry(ox.Store(), None) as copy:
            copy.store.bulk_extend(self._store.quads_for_pattern(None, None, None, None))
            return list(validate_registry(copy, as_of, evidence=False).findings)

    def fields(self, iri: str) -> _Values:
        """The entity's values, by predicate and value key."""
        if iri in self._fields:
            return self._fields[iri]
        found: _Values = {}
        self._fields[iri] = found
        for quad in self._store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            if isinstance(quad.object, ox.BlankNode) or not self._is_data(quad.graph_name):
                continue  # blank nodes: those read with the rest (an engine relabels them)
            found.setdefault(quad.predicate.value, {})[str(quad.object)] = quad.object
        for predicate, node in self._blank_values.get(iri, ()):
            found.setdefault(predicate, {})[self.blank_key(node)] = node
        return found

    def _is_data(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return self._has_default
        return graph.value in self._graph_names

    def label(self, iri: str, ontology_only: bool = False) -> str | None:
        """The ``rdfs:label`` of ``iri`` in the data or the ontology (``ontology_only``: in
        the ontology), English first, then untagged, then any; None if it has none."""
        if (iri, ontology_only) in self._labels:
            return self._labels[iri, ontology_only]
        best: tuple[int, str] | None = None
        for quad in self._store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDFS_LABEL),
                                                  None, None):
            graph, text = quad.graph_name, quad.object
            in_ontology = isinstance(graph, ox.NamedNode) and graph.value == ONTOLOGY_GRAPH
            if not isinstance(text, ox.Literal) or not (
                    in_ontology or (not ontology_only and self._is_data(graph))):
                continue
            rank = 0 if text.language == "en" else 1 if text.language is None else 2
            best = min(best or (rank, text.value), (rank, text.value))
        self._labels[iri, ontology_only] = None if best is None else best[1]
        return self._labels[iri, ontology_only]

    def term_label(self, iri: str) -> str:
        """How a property or class is named: its label in the ontology, else a compact name."""
        return self.label(iri, ontology_only=True) or _BUILT_IN_LABELS.get(iri) or compact(iri)

    def display(self, term: Term) -> str:
        """A value as a reader sees it (see :class:`FieldChange`)."""
        if isinstance(term, ox.Literal):
            return term.value
        if isinstance(term, ox.NamedNode):
            return self.label(term.value) or term.value
        if isinstance(term, ox.BlankNode):
            return self._blank_display(term, frozenset())
        return str(term)

    def _blank_display(self, node: ox.BlankNode, outer: frozenset[ox.BlankNode]) -> str:
        """``[a Purpose; label: Billing; has purpose: [...]]``: types first, then each field
        by its label."""
        if node in outer or len(outer) >= _SHOWN_DEPTH:
            return _CUT
        inside = outer | {node}
        types: set[str] = set()
        texts: dict[str, set[str]] = {}
        for predicate, value in self._blank_content.get(node, ()):
            if predicate == RDF_TYPE and isinstance(value, ox.NamedNode):
                types.add(self.term_label(value.value))
                continue
            text = (self._blank_display(value, inside) if isinstance(value, ox.BlankNode)
                    else self.display(value))
            texts.setdefault(self.term_label(predicate), set()).add(text)
        parts = [f"a {', '.join(sorted(types))}"] if types else []
        parts += [f"{label}: {', '.join(sorted(values))}" for label, values in sorted(
            texts.items())]
        return f"[{'; '.join(parts)}]"


@dataclass
class _Frame:
    """A blank node whose key is being built: the statements still to read, the parts so far,
    the predicate it was reached by, and whether a cycle was cut below it."""

    node: ox.BlankNode
    via: str
    pending: Iterator[tuple[str, Term]]
    parts: set[str] = field(default_factory=set)
    cyclic: bool = False
