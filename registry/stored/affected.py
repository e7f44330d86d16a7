"""Which entities a change of some graphs can give other findings.

A shape reads its focus node's statements and walks from it: the derived relations go three
links down or up what a unit is made of (``registry.derived``), and the other paths of
``shapes/`` are as long (a vendor's share of a city's contracts: vendor, contract, city,
contract). A statement can therefore change the findings of every entity that reaches its
subject or object within :data:`REACH` links, in either direction. The entities to validate
again after a change are those the changed statements mention and every entity within that
reach of them.

The walk does not go on through terms that are not subjects of any statement (a class, a DPV
concept such as ``dpv:ThirdParty``, a literal): they describe, they hold no facts of their own
for a shape to read. It never follows ``rdf:type`` to a class for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from registry.store.provenance import RESERVED_GRAPHS

#: How many links from a changed statement a finding can depend on it (see the docstring).
REACH = 4

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def mentioned(quads: Iterable[ox.Quad]) -> set[str]:
    """The IRIs that statements mention as subject or object (classes of rdf:type aside)."""
    found: set[str] = set()
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode):
            found.add(quad.subject.value)
        if isinstance(quad.object, ox.NamedNode) and quad.predicate != _TYPE:
            found.add(quad.object.value)
    return found


def graph_mentions(store: ox.Store, graph: str) -> set[str]:
    """The IRIs one named graph mentions."""
    return mentioned(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def within_reach(store: ox.Store, seeds: set[str], limit: int) -> set[str] | None:
    """``seeds`` and every entity within :data:`REACH` links of them in ``store``, or None
    as soon as that is more than ``limit`` entities (validating everything is then cheaper
    than validating so many one by one)."""
    reached = set(seeds)
    frontier = list(seeds)
    for _ in range(REACH):
        following: list[str] = []
        for iri in frontier:
            node = ox.NamedNode(iri)
            for neighbour in _neighbours(store, node):
                if neighbour not in reached:
                    reached.add(neighbour)
                    following.append(neighbour)
            if len(reached) > limit:
                return None
        frontier = following
        if not frontier:
            break
    return reached


def _neighbours(store: ox.Store, node: ox.NamedNode) -> Iterable[str]:
    """What ``node`` links to and what links to it, if it is the subject of a statement."""
    own = [quad for quad in store.quads_for_pattern(node, None, None, None)
           if getattr(quad.graph_name, "value", "") not in RESERVED_GRAPHS]
    if not own:
        return ()
    found = [quad.object.value for quad in own
             if isinstance(quad.object, ox.NamedNode) and quad.predicate != _TYPE]
    found += [quad.subject.value for quad in store.quads_for_pattern(None, None, node, None)
              if isinstance(quad.subject, ox.NamedNode) and quad.predicate != _TYPE
              and getattr(quad.graph_name, "value", "") not in RESERVED_GRAPHS]
    return found
