"""Deciding what a load will change, before anything is written.

Given the sources to load and the provenance records already in the store, planning decides,
source by source: unchanged (same SHA-256, skipped without parsing), loaded (new) or replaced
(which old graphs to drop). A new file of a syntax without named graphs whose graph does not
exist yet needs no diff and can drop nothing, so it is not parsed here but streamed into the
store by pyoxigraph's bulk loader when the plan is applied (a :class:`transaction.Stream`);
everything else is parsed into memory now, so that its errors come before any write. It also
refuses loads that would make one graph hold two sources. The result is a :class:`FilePlan`:
the replacements (:class:`transaction.Replacement`), the streams, and the report to give once
they are written.
Nothing here touches the store, except through the ``graph_exists`` callback.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

import pyoxigraph as ox
from rdflib.term import Node

from registry.errors import InputError
from registry.store.provenance import ONTOLOGY_GRAPH, RESERVED_GRAPHS, GraphRecord
from registry.store.reports import GraphChange, LoadReport, SourceLoad
from registry.store.sources import (
    ParsedSource,
    Source,
    parse_source,
    read_source,
    scan_file,
)
from registry.store.terms import to_oxigraph
from registry.store.transaction import Replacement, Stream, checksum

Statement: TypeAlias = ox.Triple | ox.Quad | tuple[Node, Node, Node]
"""What ``load_quads`` accepts: pyoxigraph triples or quads, or rdflib (s, p, o) tuples."""
GraphExists: TypeAlias = Callable[[str], bool]

_PROVENANCE_KEYS = frozenset({"source", "format", "sha256"})


@dataclass(frozen=True)
class FilePlan:
    """What loading a list of files will write, and what to report once it is written."""

    replacements: list[Replacement]
    """Sources parsed into memory: every reloaded one, and new ones that may fill several
    graphs (N-Quads, TriG, JSON-LD) or whose graph already exists."""
    streams: list[Stream]
    """New sources that fill one new graph, left to pyoxigraph's bulk loader."""
    sources: tuple[Source, ...]
    """Every source, in load order (the report's order)."""
    known: dict[str, SourceLoad]
    """Source URI -> its result, for every source but the streamed ones, whose statements
    are counted only once they are in the store."""

    def report(self, streamed: Mapping[str, int]) -> LoadReport:
        """The load's report, given each streamed graph's statement count (graph -> count)."""
        results = dict(self.known)
        for stream in self.streams:
            source = stream.source
            results[source.uri] = SourceLoad(source.display, (source.graph,), "loaded",
                                             streamed[source.graph])
        return LoadReport(tuple(results[source.uri] for source in self.sources))


def plan_files(
    sources: list[Source], records: Mapping[str, GraphRecord], graph_exists: GraphExists,
    file_done: Callable[[], None] | None = None, *, can_stream: bool = True,
) -> FilePlan:
    """Read and parse every changed source; raise before returning if any is malformed.

    ``can_stream=False`` parses every source here (a remote engine has no bulk loader to
    stream into): then no syntax error can surface once writing has begun.

    Sources that can be streamed are only checksummed and checked against the limits of
    :mod:`guards` (in chunks, never held in memory): their syntax errors surface when the plan
    is applied, which then undoes the whole load. ``file_done()`` is called after each source
    that is not streamed (found unchanged, or parsed), for progress.
    """
    owned: dict[str, list[GraphRecord]] = {}
    for record in records.values():
        if record.graph != ONTOLOGY_GRAPH:
            owned.setdefault(record.source, []).append(record)
    parsed: list[ParsedSource] = []
    streams: list[Stream] = []
    claims: list[tuple[Source, Collection[str]]] = []
    results: dict[str, SourceLoad] = {}
    for source in sources:
        old = owned.get(source.uri, [])
        if can_stream and _can_stream(source, old, records, graph_exists):
            streams.append(Stream(source, scan_file(source)))
            claims.append((source, (source.graph,)))
            continue
        data, sha256 = read_source(source)
        if _is_unchanged(source, sha256, old):
            graphs = _graph_order(source.graph, (record.graph for record in old))
            total = sum(record.statement_count for record in old)
            results[source.uri] = SourceLoad(source.display, graphs, "unchanged", total)
        else:
            parsed.append(parse_source(source, data, sha256))
            claims.append((source, parsed[-1].graphs.keys()))
        if file_done is not None:
            file_done()
    replacements = []
    for item in parsed:
        old = owned.get(item.source.uri, [])
        replacements.append(_replacement(item, old, graph_exists))
        results[item.source.uri] = _source_load(item, old)
    _check_ownership(claims, replacements, records)
    return FilePlan(replacements, streams, tuple(sources), results)


def plan_ontology(
    source: Source, records: Mapping[str, GraphRecord], graph_exists: GraphExists
) -> Replacement | None:
    """The ontology file into its reserved graph, or ``None`` if that file is already there."""
    data, sha256 = read_source(source)
    record = records.get(ONTOLOGY_GRAPH)
    if record is not None and record.sha256 == sha256 and record.source == source.uri:
        return None
    parsed = parse_source(source, data, sha256)
    return _replacement(parsed, [] if record is None else [record], graph_exists)


def plan_graph(
    graph_iri: str,
    statements: Iterable[Statement],
    provenance: Mapping[str, str],
    records: Mapping[str, GraphRecord],
    graph_exists: GraphExists,
) -> tuple[Replacement | None, SourceLoad]:
    """One importer-built graph; ``None`` when its checksum says it is unchanged."""
    unknown = set(provenance) - _PROVENANCE_KEYS
    missing = {"source", "format"} - set(provenance)
    if unknown or missing:
        raise ValueError(f"provenance keys: missing {sorted(missing)}, unknown "
                         f"{sorted(unknown)}; expected source, format and optional sha256")
    _check_graph_iri(graph_iri)
    source = provenance["source"]
    old = records.get(graph_iri)
    sha256 = provenance.get("sha256")
    quads: set[ox.Quad] | None = None
    if sha256 is None:
        graph = ox.NamedNode(graph_iri)
        quads = {_to_quad(statement, graph) for statement in statements}
        sha256 = checksum(quads)
    if old is not None and old.source == source and old.sha256 == sha256:
        return None, SourceLoad(source, (graph_iri,), "unchanged", old.statement_count)
    if quads is None:
        graph = ox.NamedNode(graph_iri)
        quads = {_to_quad(statement, graph) for statement in statements}
    exists = old is not None or graph_exists(graph_iri)
    replacement = Replacement(source, sha256, provenance["format"], {graph_iri: quads},
                              frozenset({graph_iri}) if exists else frozenset())
    if not exists:
        return replacement, SourceLoad(source, (graph_iri,), "loaded", len(quads))
    previous = None if old is None else old.statement_count
    return replacement, SourceLoad(source, (graph_iri,), "replaced", len(quads), previous)


def plan_source(
    source: str,
    sha256: str,
    media_type: str,
    graphs: Mapping[str, set[ox.Quad]],
    records: Mapping[str, GraphRecord],
    graph_exists: GraphExists,
    current: Callable[[str], set[ox.Quad]],
) -> tuple[Replacement | None, list[GraphChange]]:
    """All the graphs derived from one remote source (a harvested dump), replacing every graph
    that source filled before: graphs it no longer has are removed. ``None`` (nothing to
    write) when its checksum is the recorded one. ``current(graph)`` gives a graph's quads as
    they are, to say which graphs changed. A graph that another source fills is refused; one
    without a record (written by a SPARQL update) is replaced, as a load replaces it."""
    for graph in graphs:
        _check_graph_iri(graph)
        owner = records.get(graph)
        if owner is not None and owner.source != source:
            raise InputError(f"the graph <{graph}> holds {owner.source}: expected a graph "
                             f"only {source} fills; remove that graph first "
                             "(Registry.remove_graph)")
    old = {record.graph: record for record in records.values() if record.source == source}
    if old and old.keys() == set(graphs) and all(r.sha256 == sha256 for r in old.values()):
        return None, [GraphChange(g, "unchanged", r.statement_count, r.statement_count)
                      for g, r in sorted(old.items())]
    changes: list[GraphChange] = []
    for graph in sorted(old.keys() | graphs.keys()):
        new = graphs.get(graph)
        before = old[graph].statement_count if graph in old else 0
        if new is None:
            changes.append(GraphChange(graph, "removed", 0, before))
        elif graph not in old:
            changes.append(GraphChange(graph, "added", len(new), 0))
        else:
            same = current(graph) == new
            changes.append(GraphChange(graph, "unchanged" if same else "changed", len(new),
                                       before))
    replacement = Replacement(source, sha256, media_type, dict(graphs),
                              frozenset(old) | frozenset(g for g in graphs if graph_exists(g)))
    return replacement, changes


def _replacement(
    parsed: ParsedSource, old: list[GraphRecord], graph_exists: GraphExists
) -> Replacement:
    """Drop the source's old graphs and any existing graph it now fills, then add the new."""
    old_graphs = {record.graph for record in old}
    old_graphs |= {graph for graph in parsed.graphs if graph_exists(graph)}
    return Replacement(parsed.source.uri, parsed.sha256, parsed.source.syntax.media_type,
                       parsed.graphs, frozenset(old_graphs))


def _can_stream(source: Source, old: list[GraphRecord], records: Mapping[str, GraphRecord],
                graph_exists: GraphExists) -> bool:
    """Whether the bulk loader may write ``source``: it is new, all its statements go into its
    own graph (no named graphs in its syntax), and that graph neither exists nor has a record.

    Such a load drops and diffs nothing, so the only undo it can need is dropping that graph.
    """
    return (not source.syntax.has_datasets and not old and source.graph not in records
            and not graph_exists(source.graph))


def _is_unchanged(source: Source, sha256: str, old: list[GraphRecord]) -> bool:
    return bool(old) and source.graph in {record.graph for record in old} and all(
        record.sha256 == sha256 for record in old)


def _graph_order(own: str, graphs: Iterable[str]) -> tuple[str, ...]:
    """The source's own graph first, then its other graphs sorted."""
    return (own, *sorted(set(graphs) - {own}))


def _source_load(parsed: ParsedSource, old: list[GraphRecord]) -> SourceLoad:
    graphs = _graph_order(parsed.source.graph, parsed.graphs)
    statements = sum(len(quads) for quads in parsed.graphs.values())
    if not old:
        return SourceLoad(parsed.source.display, graphs, "loaded", statements)
    previous = sum(record.statement_count for record in old)
    return SourceLoad(parsed.source.display, graphs, "replaced", statements, previous)


def _check_ownership(claims: list[tuple[Source, Collection[str]]],
                     replacements: list[Replacement],
                     records: Mapping[str, GraphRecord]) -> None:
    """Refuse a load that would make one graph hold statements from two sources.

    ``claims`` are the graphs each loaded source will fill, in load order.
    """
    reloaded = {replacement.source for replacement in replacements}
    claimed: dict[str, str] = {}
    for source, graphs in claims:
        for graph in graphs:
            other = claimed.setdefault(graph, source.display)
            owner = records.get(graph)
            if other != source.display:
                culprit = f"{other} and {source.display} both fill"
            elif owner is not None and owner.source != source.uri and (
                    owner.source not in reloaded):
                culprit = f"{source.display} would take over"
                other = owner.source
            else:
                continue
            raise InputError(
                f"{culprit} the graph <{graph}> (already filled from {other}): expected each "
                "graph to come from one source; rename the graph in one of the files, or "
                "remove the other with Registry.remove_graph()")


def _check_graph_iri(graph_iri: str) -> None:
    if graph_iri in RESERVED_GRAPHS:
        raise InputError(f"the graph <{graph_iri}> is managed by cityreg itself: expected any "
                         "other graph IRI; choose another name")
    try:
        ox.NamedNode(graph_iri)
    except ValueError as error:
        raise InputError(f"graph IRI {graph_iri!r} is not a valid absolute IRI ({error}); give "
                         "an IRI such as 'https://example.org/graphs/import'") from None


def _to_quad(statement: Statement, graph: ox.NamedNode) -> ox.Quad:
    if isinstance(statement, ox.Quad):
        if not isinstance(statement.graph_name, ox.DefaultGraph) and statement.graph_name != graph:
            raise ValueError(f"{statement} is in another graph than <{graph.value}>: expected "
                             "triples, or quads in the default graph or in that graph")
        return ox.Quad(statement.subject, statement.predicate, statement.object, graph)
    if isinstance(statement, ox.Triple):
        return ox.Quad(statement.subject, statement.predicate, statement.object, graph)
    subject, predicate, obj = (to_oxigraph(term) for term in statement)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise ValueError(f"({statement}) is not an RDF triple: expected an IRI or blank node "
                         "subject and an IRI predicate")
    return ox.Quad(subject, predicate, obj, graph)
