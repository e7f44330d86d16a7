"""Every write that changes the registry is recorded as a version, in the registry itself.

A version is a PROV-O activity in the named graph ``urn:cityreg:graph:history``::

    <urn:cityreg:version:5f0c...> a prov:Activity, cityreg:RegistryVersion ;
        cityreg:versionNumber 3 ;
        prov:startedAtTime "2026-12-07T10:00:00+00:00"^^xsd:dateTime ;
        prov:wasAssociatedWith <urn:cityreg:agent:alice> ;
        cityreg:command "cityreg load" ;
        prov:qualifiedUsage <urn:cityreg:version:5f0c.../use/1> ;
        cityreg:hasGraphChange <urn:cityreg:version:5f0c.../graph/1> .
    <.../use/1> a prov:Usage ; prov:entity <file:///data/berlin.ttl> ; cityreg:sha256 "9f86…" .
    <.../graph/1> a cityreg:GraphChange ; cityreg:changedGraph <file:///data/berlin.ttl> ;
        cityreg:statementsAdded 2 ; cityreg:statementsRemoved 1 ;
        cityreg:addedStatements "<…> <…> \\"P2Y\\" <file:///data/berlin.ttl> .\\n" ;
        cityreg:removedStatements "<…> <…> \\"P1Y\\" <file:///data/berlin.ttl> .\\n" .

The history grows with the changes, not with the registry: a graph a version *creates* is
marked ``cityreg:graphCreated`` and its statements are not copied (the graph, or a later
version's record of what was removed from it, holds them); a refilled graph records only the
statements that differ; a dropped graph records what it held. Statements are kept as N-Quads
text so that no query over the registry matches them, on any engine.

The versioned part of the registry (:func:`versioned_quads`) is its data graphs and their
provenance records: the ontology, the history itself and a validation run's scratch graphs are
not versioned. Walking the versions back from the present reconstructs any earlier state
(registry.history.reconstruct). A SPARQL update through ``Registry.update`` is recorded as a
version whose statements are not recorded (``cityreg:statementsNotRecorded``): nothing can be
reconstructed from before it, and reconstruction says so instead of guessing.

The version record is written in the same transaction as the data it describes: a failed write
leaves neither.
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import pyoxigraph as ox

from registry.store.provenance import (
    CITYREG,
    ONTOLOGY_GRAPH,
    PROV,
    RDF,
    RDFS,
    RESERVED_GRAPHS,
    UPDATE_TOKEN_SUBJECT,
    XSD,
)
from registry.store.provenance import HISTORY_GRAPH as HISTORY_GRAPH
from registry.store.provenance import PROVENANCE_GRAPH as PROVENANCE_GRAPH

#: The environment variable naming who writes (recorded as the version's agent): a person or an
#: office, such as "Transparency Office, Jakarta"; the operating-system user when it is unset.
AGENT_VARIABLE = "CITYREG_AGENT"

_HISTORY = ox.NamedNode(HISTORY_GRAPH)
_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_INTEGER = ox.NamedNode(XSD + "integer")
_BOOLEAN = ox.NamedNode(XSD + "boolean")
_DATETIME = ox.NamedNode(XSD + "dateTime")
VERSION_NUMBER = ox.NamedNode(CITYREG + "versionNumber")
_TRUE = ox.Literal("true", datatype=_BOOLEAN)


def _c(name: str) -> ox.NamedNode:
    return ox.NamedNode(CITYREG + name)


def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(PROV + name)


@dataclass
class Version:
    """The version that the writes of one command (or one API call) belong to.

    Made before the first write; ``number`` and the header are written with the first write
    that changes something, and every later write of the same command adds its graph changes
    to the same version.
    """

    command: str
    """What is writing, as a person would name it: ``cityreg load``, ``Registry.load``."""
    agent: str = field(default_factory=lambda: default_agent())
    iri: str = field(default_factory=lambda: f"urn:cityreg:version:{uuid.uuid4().hex}")
    number: int | None = None
    """Assigned by the first write that changes the registry."""
    changes: int = 0
    """Graph changes written so far (they are numbered within the version)."""
    usages: int = 0


def default_agent() -> str:
    """Who writes: ``$CITYREG_AGENT``, else the operating-system user, else ``unknown``."""
    named = os.environ.get(AGENT_VARIABLE, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"


@dataclass
class GraphDelta:
    """What one write did to one graph of the versioned part."""

    graph: str
    created: bool = False
    blank_replaced: bool = False
    added: list[ox.Quad] = field(default_factory=list)
    """Statements added to a graph that existed before (a created graph's are not kept)."""
    added_count: int = 0
    removed: list[ox.Quad] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.created or self.blank_replaced or self.added_count or self.removed)


def is_versioned(quad: ox.Quad) -> bool:
    """Whether a stored statement belongs to the versioned part of the registry."""
    graph = quad.graph_name
    name = graph.value if isinstance(graph, ox.NamedNode) else ""
    if name == PROVENANCE_GRAPH:
        subject = quad.subject
        return not (isinstance(subject, ox.NamedNode)
                    and subject.value in (ONTOLOGY_GRAPH, UPDATE_TOKEN_SUBJECT))
    return name not in RESERVED_GRAPHS


def versioned_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """The data graphs and their provenance records: what versions record and reconstruct.

    Read graph by graph, from the graphs the store names as the registry's: an engine such as
    Virtuoso holds graphs of its own besides. The default graph (written only by a SPARQL
    update) exists apart from the named graphs only in the embedded store.
    """
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = list(store.named_graphs())
    if isinstance(store, ox.Store):
        graphs.append(ox.DefaultGraph())
    for graph in graphs:
        if isinstance(graph, ox.NamedNode) and graph.value in RESERVED_GRAPHS - {
                PROVENANCE_GRAPH}:
            continue
        for quad in store.quads_for_pattern(None, None, None, graph):
            if is_versioned(quad):
                yield quad


def next_number(store: ox.Store) -> int:
    """One more than the highest version number recorded (1 for the first version)."""
    numbers = [int(quad.object.value) for quad in
               store.quads_for_pattern(None, VERSION_NUMBER, None, _HISTORY)
               if isinstance(quad.object, ox.Literal)]
    return max(numbers, default=0) + 1


def nquads(quads: Iterable[ox.Quad]) -> str:
    """Statements as sorted N-Quads text (one line each)."""
    return "".join(sorted(f"{quad} .\n" for quad in quads))


def record(version: Version, store: ox.Store, deltas: Collection[GraphDelta],
           sources: Collection[tuple[str, str]], now: datetime) -> list[ox.Quad]:
    """The history statements for one write: the version's header on its first write, a usage
    per source file (IRI, SHA-256) and a graph change per changed graph. Empty when the write
    changes nothing, so that an unchanged reload records no version."""
    deltas = [delta for delta in deltas if not delta.is_empty()]
    if not deltas:
        return []
    subject = ox.NamedNode(version.iri)
    quads = []
    if version.number is None:
        version.number = next_number(store)
        quads += header(version, now)
    for source, sha256 in sorted(sources):
        version.usages += 1
        usage = ox.NamedNode(f"{version.iri}/use/{version.usages}")
        quads += [
            _quad(subject, _p("qualifiedUsage"), usage),
            _quad(usage, _TYPE, _p("Usage")),
            _quad(usage, _p("entity"), ox.NamedNode(source)),
            _quad(usage, _c("sha256"), ox.Literal(sha256)),
        ]
    for delta in sorted(deltas, key=lambda d: d.graph):
        version.changes += 1
        node = ox.NamedNode(f"{version.iri}/graph/{version.changes}")
        quads += [
            _quad(subject, _c("hasGraphChange"), node),
            _quad(node, _TYPE, _c("GraphChange")),
            _quad(node, _c("changedGraph"), ox.NamedNode(delta.graph)),
            _quad(node, _c("statementsAdded"), _integer(delta.added_count)),
            _quad(node, _c("statementsRemoved"), _integer(len(delta.removed))),
        ]
        if delta.created:
            quads.append(_quad(node, _c("graphCreated"), _TRUE))
        if delta.blank_replaced:
            quads.append(_quad(node, _c("blankNodesReplaced"), _TRUE))
        if delta.added:
            quads.append(_quad(node, _c("addedStatements"), ox.Literal(nquads(delta.added))))
        if delta.removed:
            quads.append(_quad(node, _c("removedStatements"),
                               ox.Literal(nquads(delta.removed))))
    return quads


def header(version: Version, now: datetime, *, not_recorded: bool = False) -> list[ox.Quad]:
    """The statements that say who made the version, when and with what command."""
    subject = ox.NamedNode(version.iri)
    agent = ox.NamedNode(f"urn:cityreg:agent:{quote(version.agent, safe='')}")
    assert version.number is not None
    quads = [
        _quad(subject, _TYPE, _p("Activity")),
        _quad(subject, _TYPE, _c("RegistryVersion")),
        _quad(subject, VERSION_NUMBER, _integer(version.number)),
        _quad(subject, _p("startedAtTime"), ox.Literal(now.isoformat(), datatype=_DATETIME)),
        _quad(subject, _p("wasAssociatedWith"), agent),
        _quad(subject, _c("command"), ox.Literal(version.command)),
        _quad(agent, _TYPE, _p("Agent")),
        _quad(agent, _LABEL, ox.Literal(version.agent)),
    ]
    if not_recorded:
        quads.append(_quad(subject, _c("statementsNotRecorded"), _TRUE))
    return quads


def update_record(version: Version, store: ox.Store, sparql_text: str, now: datetime) -> str:
    """SPARQL Update operations recording a version made by an update whose statements are not
    known: the update's text is kept as its command."""
    version.number = next_number(store)
    version.command = f"{version.command}: {sparql_text.strip()}"
    triples = ox.serialize((quad.triple for quad in header(version, now, not_recorded=True)),
                           format=ox.RdfFormat.N_TRIPLES)
    assert triples is not None
    return f"INSERT DATA {{ GRAPH <{HISTORY_GRAPH}> {{\n{triples.decode()}}} }}"


def _quad(subject: ox.NamedNode, predicate: ox.NamedNode,
          obj: ox.NamedNode | ox.Literal) -> ox.Quad:
    return ox.Quad(subject, predicate, obj, _HISTORY)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)
