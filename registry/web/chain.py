"""A trace as the chain it is: one node per organisation, one edge per distinct hop.

``cityreg trace`` answers "who can access data from X?" with every evidence path to every
organisation (:class:`registry.flows.model.TraceResult`): the same hop recurs on many paths.
:func:`build_chain` folds the paths into a graph a diagram can draw:

* one :class:`ChainNode` per entity: the traced source in column 0, every organisation in the
  column of the fewest drawn hops that reach it (column k = reached in k hops); a recipient
  known only by its category is a placeholder node;
* one :class:`ChainEdge` per distinct (source, target, via) hop, with its strongest grade. The
  first hop of a path brings the data from what the source stands for (a deployment, the
  dataset, a system using it) to its first holder; it is drawn from the source node and
  names that entity, and a hop by which an organisation "reaches" its own data is left out.

Nothing is added that the trace does not hold, except whether a hop is a sale (the data model's
``cityreg:sale``, which the trace does not carry: :func:`sold_hops` reads it).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from registry.flows.model import GRADES, Grade, Hop, HopKind, OnwardSharing, grade_rank
from registry.flows.rules import UNDISCLOSED_PREFIX
from registry.namespaces import CITYREG

if TYPE_CHECKING:
    from registry.flows.model import TraceResult
    from registry.store import Registry

NodeKind = Literal["source", "organisation", "placeholder"]


@dataclass(frozen=True, slots=True)
class ChainNode:
    """An entity of the chain: the traced ``source``, an ``organisation`` or a ``placeholder``
    of recipients known only by their category (``category_label``: "third party").

    ``grade`` is the grade of the organisation's best path (None for the source).
    """

    iri: str
    label: str
    column: int
    kind: NodeKind
    grade: Grade | None = None
    category_label: str | None = None


@dataclass(frozen=True, slots=True)
class ChainEdge:
    """One distinct hop: ``target`` gets the data from ``source`` via ``via`` (a contract,
    agreement, processing, or for an ``origin`` hop the entity the data starts in), as
    ``role_label`` (supplier, recipient, publisher...), with the hop's dates, onward-sharing
    terms and grade; ``sold`` when the flow or agreement is recorded as a sale."""

    source: str
    target: str
    via: str
    via_label: str
    kind: HopKind
    role_label: str
    grade: Grade
    rule_label: str | None
    start: date | None
    end: date | None
    onward_sharing: OnwardSharing
    sold: bool

    @property
    def dates(self) -> str | None:
        """``start..end`` in ISO dates, an end left empty when it is not recorded
        (``2022-02-01..``); None when the hop has no dates."""
        if self.start is None and self.end is None:
            return None
        return f"{self.start or ''}..{self.end or ''}"

    @property
    def dates_in_words(self) -> str | None:
        """The dates as a reader says them: ``2022-06-01 to 2025-12-31``, ``from
        2022-02-01``, ``until 2025-12-31``; None when the hop has no dates."""
        if self.start is not None and self.end is not None:
            return f"{self.start} to {self.end}"
        if self.start is not None:
            return f"from {self.start}"
        return None if self.end is None else f"until {self.end}"

    @property
    def words(self) -> tuple[str, ...]:
        """What the edge's label says, one phrase a line: the agreement or contract (for the
        first hop: the role and what the data starts in), the dates, the onward-sharing terms
        and whether the data was sold."""
        if self.kind == "origin":
            phrases = [f"{self.role_label} of {self.via_label}"]
        else:
            phrases = [self.via_label, f"as {self.role_label}"]
        if self.dates_in_words is not None:
            phrases.append(self.dates_in_words)
        if self.onward_sharing != "allowed":
            phrases.append(f"onward sharing {self.onward_sharing}")
        if self.sold:
            phrases.append("sold")
        return tuple(phrases)

    @property
    def description(self) -> str:
        """The edge's words in one line, for a tooltip or a screen reader, with its grade and,
        unless asserted, why it has that grade."""
        grade = self.grade if self.grade == "asserted" or not self.rule_label else (
            f"{self.grade}: {self.rule_label}")
        return f"{'; '.join(self.words)} ({grade})"


@dataclass(frozen=True, slots=True)
class Chain:
    """The chain of one trace: its nodes (column by column, in the trace's order: strongest and
    shortest first), its edges, and how whole the answer is."""

    source: str
    source_label: str
    nodes: tuple[ChainNode, ...]
    edges: tuple[ChainEdge, ...]
    grade_counts: dict[Grade, int]
    datasets: int
    truncated_at: str | None
    gaps: int
    as_of: date | None
    min_grade: Grade

    @property
    def organisations(self) -> int:
        """How many organisations (placeholders included) can access the data."""
        return sum(self.grade_counts.values())

    @property
    def columns(self) -> int:
        """How many columns the chain has (1 for the source alone)."""
        return 1 + max((node.column for node in self.nodes), default=0)

    def node(self, iri: str) -> ChainNode:
        """The node of ``iri``; a KeyError names it when the chain has none."""
        for node in self.nodes:
            if node.iri == iri:
                return node
        raise KeyError(f"{iri} is not a node of the chain of {self.source}: expected the IRI "
                       "of one of its nodes (chain.nodes)")


def sold_hops(registry: Registry) -> frozenset[str]:
    """The flows and agreements recorded as sales (``cityreg:sale true``)."""
    rows = registry.select(f"SELECT ?s WHERE {{ ?s <{CITYREG.sale}> true }}")
    return frozenset(str(row["s"]) for row in rows)


def build_chain(result: TraceResult, sold: Collection[str] = ()) -> Chain:
    """The chain of ``result`` (see the module docstring); ``sold`` names the flows and
    agreements recorded as sales."""
    source = result.source
    edges: dict[tuple[str, str, str], ChainEdge] = {}
    for access in result.organisations:
        for path in access.paths:
            for index, hop in enumerate(path.hops):
                start = source if index == 0 else hop.source
                if start == hop.target:
                    continue  # the source organisation holding its own data
                edge = _edge(start, hop, sold)
                known = edges.get((start, hop.target, hop.via))
                if known is None or grade_rank(edge.grade) < grade_rank(known.grade):
                    edges[(start, hop.target, hop.via)] = edge
    columns = _hop_counts(source, list(edges.values()))
    nodes = [ChainNode(source, result.source_label, 0, "source")]
    for access in result.organisations:
        if access.organisation == source:
            continue
        placeholder = not access.disclosed or access.organisation.startswith(UNDISCLOSED_PREFIX)
        nodes.append(ChainNode(access.organisation, access.label,
                               columns.get(access.organisation, 1),
                               "placeholder" if placeholder else "organisation", access.grade,
                               access.category_label))
    known_nodes = {node.iri for node in nodes}
    kept = tuple(edge for edge in edges.values()
                 if edge.source in known_nodes and edge.target in known_nodes)
    nodes.sort(key=lambda node: node.column)  # stable: the trace's order within a column
    counts = result.grade_counts()
    return Chain(source, result.source_label, tuple(nodes), kept,
                 {grade: counts[grade] for grade in GRADES}, len(result.datasets),
                 None if result.truncated_at is None else str(result.truncated_at),
                 len(result.disclosure), result.as_of, result.min_grade)


def _hop_counts(source: str, edges: list[ChainEdge]) -> dict[str, int]:
    """How many of the drawn hops reach each entity from ``source`` at the fewest (breadth
    first): an organisation whose own data is traced starts the chain, it does not reach
    itself in one hop."""
    following: dict[str, list[str]] = {}
    for edge in edges:
        following.setdefault(edge.source, []).append(edge.target)
    counts = {source: 0}
    frontier = [source]
    while frontier:
        reached = []
        for iri in frontier:
            for target in following.get(iri, ()):
                if target not in counts:
                    counts[target] = counts[iri] + 1
                    reached.append(target)
        frontier = reached
    return counts


def _edge(start: str, hop: Hop, sold: Collection[str]) -> ChainEdge:
    return ChainEdge(start, hop.target, hop.via, hop.via_label, hop.kind, hop.role_label,
                     hop.grade, hop.rule_label, hop.start, hop.end, hop.onward_sharing,
                     hop.via in sold or (hop.flow is not None and hop.flow in sold))
