"""The facts around a few entities, read on demand: what one trace needs, not the registry.

:func:`registry.flows.facts.read_facts` reads every fact of the registry in bulk, which a
server over a national registry held by a SPARQL engine cannot afford: the facts of 10M
statements do not fit in its memory. A trace never needs them all. Every hop is about one
dataset, and the facts a dataset's hops are built from are linked to it by a chain of the
properties that move data (:data:`WEB`): the contracts covering it or a system feeding it,
their sub-processing contracts, the data flows sharing it and their agreements, the
processings using it, the sensors and deployments feeding it, the datasets derived from it.

The walk around an entity has two steps (:func:`read_facts_around`), each a few queries with a
VALUES list of the nodes reached:

1. *forward*, along :data:`WEB`, from the entity to the data it stands for: a sensor to the
   datasets it feeds, a deployment to its system's sensors and their datasets, a contract to
   what it covers, a dataset to those it derives from. An organisation asked about starts
   from what names it (its contracts, flows, processings, published datasets);
2. *backward* from every node reached: whatever names them with a property the projection
   reads (the contracts covering a dataset and their sub-processing contracts, the flows
   sharing it and their agreements, the processings using it, the sensors and deployments
   feeding it, the datasets derived from it), and so on.

What these nodes name is read for itself (types, label, statements), not walked: the
organisations and cities (who points at IBM is all of IBM's business, not this question's),
an agreement's other flows, purposes, legal bases and roles. Blank-node values one level
deep (a group of joint controllers) are read with their holder.

The walk stops at :data:`MAX_NODES` nodes and says so (:class:`NeighbourhoodTooLarge`), so
that one request's work is bounded whatever the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from registry.errors import InputError
from registry.flows.facts import (
    ORGANISATION_TYPES,
    PROPERTIES,
    RDFS_LABEL,
    TRACKED_TYPES,
    Facts,
    add_fact,
    add_label,
    add_type,
    finish,
)
from registry.namespaces import CITYREG, DCT, DPV, PROV, SSN
from registry.store import Registry

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: How many nodes one walk may reach before it gives up (a trace's web in the generated
#: national registry reaches a few dozen).
MAX_NODES = 20_000
#: How many IRIs one query's VALUES list names.
CHUNK = 300
#: From how many nodes the statements that name them through a blank node are filtered by
#: predicate on the engine (below, in Python).
FILTERED_FROM = 20

#: Properties whose values are nodes of the data's web: followed from both ends.
WEB = frozenset(str(p) for p in (
    CITYREG.feedsDataset, CITYREG.usesDataset, CITYREG.usesSensor, CITYREG.usesSystem,
    SSN.deployedSystem, CITYREG.coversDataset, CITYREG.coversSystem, CITYREG.parentContract,
    CITYREG.hasDataFlow, CITYREG.sharesDataset, PROV.wasDerivedFrom,
))
#: Properties whose values are parties (organisations, most often): read with their own
#: statements, never walked through.
PARTIES = frozenset(str(p) for p in (
    CITYREG.operator, CITYREG.owner, CITYREG.developer, CITYREG.hostedBy, DCT.publisher,
    DPV.hasDataController, DPV.hasJointDataControllers, DPV.hasDataProcessor,
    CITYREG.hasSubProcessor, DPV.hasRecipient, DPV.hasThirdParty, CITYREG.buyer,
    CITYREG.supplier, CITYREG.hasParty, CITYREG.provider, CITYREG.recipient,
    CITYREG.maintainer, PROV.wasAttributedTo, CITYREG.grantedBy,
))
#: Types whose nodes are not walked through (see the module docstring).
_STOP_TYPES = frozenset({*(str(t) for t in ORGANISATION_TYPES), str(CITYREG.City)})
_READ = tuple(str(p) for p in PROPERTIES)
_READ_SET = frozenset(_READ)
_SOURCE = str(CITYREG.source)
#: Read for its value's label only (the vendor concentration names each row's city).
_CITY = str(CITYREG.city)
_TRACKED = frozenset(str(t) for t in TRACKED_TYPES)
#: What a node's own statements are read for: the projection's properties, its source, city,
#: types and labels.
_OWN = (*_READ, _SOURCE, _CITY, RDF_TYPE, RDFS_LABEL)
_OWN_SET = frozenset(_OWN)
#: Properties a node states many times and no walk reads: left out of its statements on the
#: engine (the rest are chosen in Python).
_OWN_UNREAD = tuple(str(p) for p in (DPV.hasContractualClause, DPV.hasPersonalData,
                                       DPV.hasDataSubject))
#: Properties that name many entities and are never walked back: left out of the statements
#: that name a node (a city is named by all its entities).
_NAMING_MANY = (_CITY, RDF_TYPE, _SOURCE)


class NeighbourhoodTooLarge(InputError):
    """The web around the entities asked about reaches more than :data:`MAX_NODES` nodes."""


def read_facts_around(registry: Registry, seeds: Iterable[str], max_nodes: int = MAX_NODES,
                      vocabulary: dict[str, str] | None = None) -> Facts:
    """The facts about every node of the web around ``seeds`` (IRIs), as :func:`read_facts`
    holds them (see the module docstring).

    ``vocabulary``: labels of the ontology's terms (roles, purposes, properties), which the
    trace's words name; they are read from the ontology graph when not given.
    """
    walk = _Walk(registry, max_nodes)
    walk.run(list(dict.fromkeys(seeds)))
    return walk.facts_with_labels(vocabulary if vocabulary is not None
                                  else vocabulary_labels(registry))


def vocabulary_labels(registry: Registry) -> dict[str, str]:
    """The labels of the terms the ontology graph defines (a fixed set, whatever the
    registry's size), chosen as :func:`read_facts` chooses them."""
    from registry.namespaces import ONTOLOGY_GRAPH

    found = Facts()
    rank: dict[str, int] = {}
    for row in _rows(registry, f"SELECT ?s ?l WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ "
                               f"?s <{RDFS_LABEL}> ?l FILTER isIRI(?s) }} }}"):
        add_label(found, rank, row[0].value, row[1])
    return found.labels


class _Walk:
    """One walk of the web (see :func:`read_facts_around`)."""

    def __init__(self, registry: Registry, max_nodes: int) -> None:
        self.registry = registry
        self.max_nodes = max_nodes
        self.facts = Facts()
        self.sources: dict[str, list[str]] = {}
        self.visited: set[str] = set()
        #: nodes named by a fact but not visited: their labels and types are read at the end
        self.leaves: set[str] = set()
        self.seeds: list[str] = []
        self._label_rank: dict[str, int] = {}
        self._seen_facts: set[tuple[str, str, str]] = set()
        self._seen_sources: set[tuple[str, str]] = set()

    def run(self, seeds: list[str]) -> None:
        """Find the datasets the seeds lead to, then walk back from them (module docstring)."""
        seeds = [s for s in seeds if is_iri(s)]
        self.seeds = seeds
        ahead = self._forward(seeds)
        self._backward([n for n in ahead
                        if _STOP_TYPES.isdisjoint(self.facts.types.get(n, ()))])

    def _forward(self, seeds: list[str]) -> list[str]:
        """The seeds, what names an organisation or city among them, and every node these
        lead to along :data:`WEB` (towards the data): a sensor to its datasets, a contract
        to what it covers, a dataset to those it derives from."""
        reached: dict[str, None] = dict.fromkeys(seeds)
        self._read_own(seeds)
        stops = [n for n in seeds if not _STOP_TYPES.isdisjoint(self.facts.types.get(n, ()))]
        pending = [n for n in self._read_incoming(stops) if n not in reached]
        reached.update(dict.fromkeys(pending))
        self._read_own(pending)
        pending = [n for n in seeds + pending if n not in stops]
        while pending:
            following = [value for node in pending for value in self._web_values(node)
                         if value not in reached]
            following = list(dict.fromkeys(following))
            self._bound(len(reached) + len(following))
            reached.update(dict.fromkeys(following))
            self._read_own(following)
            pending = [n for n in following
                       if _STOP_TYPES.isdisjoint(self.facts.types.get(n, ()))]
        return list(reached)

    def _backward(self, start: list[str]) -> None:
        """Every node that leads to ``start`` along the properties the projection reads
        (those that cover, share, use, feed or derive from it, and theirs in turn); what
        they name is read for itself, not walked (organisations, other datasets, agreements'
        other flows)."""
        walked: set[str] = set(start)
        pending = start
        while pending:
            named = [n for n in self._read_incoming(pending) if n not in walked]
            self._bound(len(walked) + len(named))
            walked.update(named)
            self._read_own([n for n in named if n not in self.visited])
            pending = [n for n in named if _STOP_TYPES.isdisjoint(self.facts.types.get(n, ()))]
        values = {v for node in walked for v in self._own_values(node)} - self.visited
        self._bound(len(self.visited) + len(values))
        self._read_own(sorted(values))

    def _bound(self, size: int) -> None:
        if size > self.max_nodes:
            raise NeighbourhoodTooLarge(
                f"the data's web around {', '.join(self.seeds[:3])} reaches more than "
                f"{self.max_nodes:,} entities: too many for one request; ask about a "
                "narrower entity (a sensor or dataset rather than an organisation), or run "
                "`cityreg trace` with --store, whose walk has no such limit")

    def _web_values(self, node: str) -> list[str]:
        by_property = self.facts.facts.get(node, {})
        return [v for prop in WEB for v in _listed(by_property.get(prop)) if is_iri(v)]

    def _own_values(self, node: str, depth: int = 2) -> list[str]:
        """What ``node`` names along :data:`WEB` and :data:`PARTIES`, through its blank-node
        values."""
        found = []
        for prop, stored in self.facts.facts.get(node, {}).items():
            for value in _listed(stored):
                if is_iri(value):
                    if prop in WEB or prop in PARTIES:
                        found.append(value)
                elif depth and value in self.facts.facts:
                    found += self._own_values(value, depth - 1)
        return found

    def _read_own(self, nodes: list[str]) -> None:
        """The nodes' types, labels and statements.

        A node's own statements are read without the list of the properties kept, which
        Virtuoso plans as a lookup per property and node: 16.1 s for 300 contracts at N=10000
        (0.19 s at N=1000), against 0.34 s for all their statements but the few properties
        that many name and no walk reads (contract clauses, personal data, data subjects);
        the properties kept are chosen in Python. Their blank-node values' statements (a
        group of joint controllers) are few: filtered on the engine."""
        nodes = [n for n in nodes if n not in self.visited]
        self.visited.update(nodes)
        props = _among("?p", _OWN)
        ignored = _not_among("?p", _OWN_UNREAD)
        for chunk in _chunks(nodes):
            values = " ".join(f"<{n}>" for n in chunk)
            text = (f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?s {{ {values} }} ?s ?p ?o {ignored} }} "
                    f"UNION {{ VALUES ?x {{ {values} }} ?x ?q ?s FILTER isBlank(?s) "
                    f"?s ?p ?o {props} }} }}")
            for subject, predicate, value in _triples(self.registry, text):
                if predicate not in _OWN_SET:
                    continue
                self._keep(subject, predicate, value)
                if isinstance(value, ox.NamedNode) and predicate not in WEB \
                        and predicate not in PARTIES and predicate != RDF_TYPE:
                    self.leaves.add(value.value)

    def _read_incoming(self, nodes: list[str]) -> list[str]:
        """The statements that name the nodes (who covers, shares, uses or feeds them), and
        their subjects."""
        props, links = _among("?p", _READ), _among("?q", _READ)
        subjects: dict[str, None] = {}
        # The direct branch names no predicates: Virtuoso plans ?p IN (60 properties) as a
        # lookup per property and value, 7x slower than reading every statement that names
        # the values (0.78 s against 0.11 s for 300 datasets at N=1000); the few properties
        # that name many entities (every entity's city, type, source) are left out, and the
        # rest kept in Python.
        ignored = _not_among("?p", _NAMING_MANY)
        for chunk in _chunks(nodes):
            values = " ".join(f"<{n}>" for n in chunk)
            # also through a blank node: [ dpv:hasDataController <org> ] of a processing
            # (the VALUES lists inside each branch: engines do not push them into a UNION)
            bound = f"VALUES ?o {{ {values} }}"
            # Virtuoso compiles the two lists in about 3 ms, more than reading the few blank
            # nodes that name a handful of nodes: they filter only many nodes' statements.
            wide = len(chunk) >= FILTERED_FROM
            text = (f"SELECT ?s ?p ?o ?b ?q WHERE {{ {{ {bound} ?s ?p ?o {ignored} "
                    f"FILTER isIRI(?s) }} UNION {{ {bound} ?b ?p ?o {props if wide else ''} "
                    f"FILTER isBlank(?b) ?s ?q ?b {links if wide else ''} FILTER isIRI(?s) }} }}")
            rows = self.registry.raw_query(text)
            assert isinstance(rows, ox.QuerySolutions)
            for row in rows:
                subject, predicate, value, blank, link = row[0], row[1], row[2], row[3], row[4]
                if not isinstance(predicate, ox.NamedNode) or predicate.value not in _READ_SET \
                        or isinstance(value, ox.Triple) or subject is None \
                        or isinstance(subject, ox.Triple | ox.Literal):
                    continue
                if blank is not None:  # through a blank node
                    if not isinstance(blank, ox.BlankNode) or not isinstance(
                            link, ox.NamedNode) or link.value not in _READ_SET:
                        continue
                    self._keep(blank.value, predicate.value, value)
                    self._keep(subject.value, link.value, blank)
                elif value is not None:
                    self._keep(subject.value, predicate.value, value)
                subjects[subject.value] = None
        return list(subjects)

    def _keep(self, subject: str, predicate: str, value: ox.NamedNode | ox.BlankNode
              | ox.Literal) -> None:
        if predicate == RDF_TYPE:
            if value.value in _TRACKED:
                add_type(self.facts, subject, value.value)
            return
        if predicate == RDFS_LABEL:
            add_label(self.facts, self._label_rank, subject, value)
            return
        if predicate == _CITY:
            self.leaves.add(value.value)
            return
        if predicate == _SOURCE:
            if (subject, value.value) not in self._seen_sources:
                self._seen_sources.add((subject, value.value))
                self.sources.setdefault(subject, []).append(value.value)
            return
        key = (subject, predicate, value.value)
        if key not in self._seen_facts:  # the same statement may be in two files
            self._seen_facts.add(key)
            add_fact(self.facts, subject, predicate, value.value)

    def facts_with_labels(self, vocabulary: dict[str, str]) -> Facts:
        """The facts, with the labels and types of the leaves they name and the vocabulary's
        labels (an entity's own label wins)."""
        leaves = sorted(self.leaves - self.visited)
        for chunk in _chunks(leaves):
            values = " ".join(f"<{n}>" for n in chunk)
            text = (f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                    f"{_each_of('?s', (RDF_TYPE, RDFS_LABEL))} }}")
            for subject, predicate, value in _triples(self.registry, text):
                self._keep(subject, predicate, value)
        facts = self.facts
        for iri, label in vocabulary.items():
            facts.labels.setdefault(iri, label)
        finish(facts, self.sources)
        return facts


def _among(variable: str, iris: Iterable[str]) -> str:
    """``FILTER(?p IN (...))``: engines plan it as a filter on the subject's or object's
    statements, where a VALUES list of predicates made Oxigraph scan each predicate's index
    (55 ms instead of 1 ms at 351k statements)."""
    return f"FILTER({variable} IN ({', '.join(f'<{iri}>' for iri in iris)}))"


def _each_of(subject: str, iris: Iterable[str]) -> str:
    """One pattern per property, joined by UNION, binding ``?p`` and ``?o``: for a few
    properties of many nodes. Virtuoso plans ``FILTER(?p IN (...))`` there as a scan of the
    properties' statements (430-780 ms for 19 nodes at 3.5M statements) and answers the
    UNION by lookups (4-9 ms, the same rows)."""
    return " UNION ".join(f"{{ {subject} <{iri}> ?o BIND(<{iri}> AS ?p) }}" for iri in iris)


def _not_among(variable: str, iris: Iterable[str]) -> str:
    """``FILTER(?p NOT IN (...))``: a few properties left out (see :meth:`_Walk._read_incoming`)."""
    return f"FILTER({variable} NOT IN ({', '.join(f'<{iri}>' for iri in iris)}))"


def _listed(stored: str | list[str] | None) -> list[str]:
    return [] if stored is None else [stored] if isinstance(stored, str) else stored


def _chunks(nodes: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(nodes), CHUNK):
        yield nodes[start:start + CHUNK]


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (a value of a fact may be a literal's text)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _triples(registry: Registry, text: str
             ) -> Iterator[tuple[str, str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    for row in _rows(registry, text):
        subject, predicate, value = row[0], row[1], row[2]
        if isinstance(value, ox.Triple) or not isinstance(predicate, ox.NamedNode):
            continue
        yield subject.value, predicate.value, value


def _rows(registry: Registry, text: str) -> ox.QuerySolutions:
    result = registry.raw_query(text)
    assert isinstance(result, ox.QuerySolutions)
    return result
