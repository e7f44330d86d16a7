"""Which entities a change of some statements can give other findings.

A finding on an entity reads what the walks of the shapes reach from it
(:mod:`registry.stored.walks`). A changed statement ``s p o`` (added or removed) can change the
findings of an entity F only if some walk takes it: F walks the walk's first steps to ``s``
and then takes ``p`` forwards (or to ``o``, then ``p`` backwards). The entities to validate
again are therefore ``s``, ``o`` and, for every walk and every step of it that ``p`` can take,
the entities from which the steps before it reach ``s`` (or ``o``): found by walking those
steps backwards from there, in the store as it is now and as it was when the findings were
made (a removed statement was walked in the old state). The backward walks of all changed
statements share their work: one frontier per distinct sequence of steps.

This replaces a blunter rule (every entity within four links, in any direction): in the
generated registries that reach took in most of the registry through the hubs every city has
(the city itself, the vendor that wins three contracts in five).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from registry.store.provenance import RESERVED_GRAPHS
from registry.stored.walks import ANY, Step, Walk

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class TooMany(Exception):
    """More entities than the caller's limit: validating everything is cheaper."""


def changed_statements(old: ox.Store, new: ox.Store, graphs: Iterable[str]) -> set[ox.Triple]:
    """The statements of ``graphs`` that are in one store and not the other."""
    changed: set[ox.Triple] = set()
    for graph in graphs:
        name = ox.NamedNode(graph)
        before = {_triple(q) for q in old.quads_for_pattern(None, None, None, name)}
        after = {_triple(q) for q in new.quads_for_pattern(None, None, None, name)}
        changed |= before ^ after
    return changed


def _triple(quad: ox.Quad) -> ox.Triple:
    return ox.Triple(quad.subject, quad.predicate, quad.object)


def affected(changes: set[ox.Triple], walks: frozenset[Walk], stores: list[ox.Store],
             limit: int) -> set[str]:
    """The IRIs of the entities whose findings ``changes`` can change (see the module
    docstring); raises :class:`TooMany` past ``limit`` entities, and for a blank node (a
    focused run cannot name one)."""
    # The steps before each step a changed predicate can take, and where the walker was.
    starts: dict[Walk, set[Term]] = {}
    by_predicate: dict[str, list[tuple[Walk, int]]] = {}
    anywhere: list[tuple[Walk, int]] = []
    for walk in walks:
        for index, step in enumerate(walk):
            for predicate, _back in step.choices:
                (anywhere if predicate == ANY else by_predicate.setdefault(predicate, [])
                 ).append((walk, index))
    found: set[Term] = set()
    for change in changes:
        found |= {change.subject, change.object}
        predicate = change.predicate.value
        for walk, index in (*by_predicate.get(predicate, ()), *anywhere):
            step = walk[index]
            for back in step.matches(predicate):
                start = change.object if back else change.subject
                if isinstance(start, ox.Literal):
                    continue
                before = walk[:index + 1] if step.repeated else walk[:index]
                starts.setdefault(before, set()).add(start)
    found |= _walk_back(starts, stores, limit)
    entities: set[str] = set()
    for node in found:
        if isinstance(node, ox.BlankNode | ox.Triple):
            raise TooMany("a blank node may have changed findings")
        if isinstance(node, ox.NamedNode):
            entities.add(node.value)
    if len(entities) > limit:
        raise TooMany(f"{len(entities)} entities")
    return entities


#: How many nodes the backward walks may reach in all (start nodes aside), per entity of the
#: limit, before the search gives up (validating everything is then cheaper than finding what
#: not to).
WORK_PER_ENTITY = 20


def _walk_back(starts: dict[Walk, set[Term]], stores: list[ox.Store], limit: int
               ) -> set[Term]:
    """The nodes from which each sequence of steps reaches one of its start nodes."""
    found: set[Term] = set()
    budget = WORK_PER_ENTITY * limit
    # Longest sequences first: walking a sequence's last step back gives start nodes of the
    # sequence without it, which is then walked with its own starts, once.
    pending = dict(starts)
    while pending:
        walk = max(pending, key=len)
        frontier = pending.pop(walk)
        if not walk:
            found |= frontier
            if len(found) > limit:
                raise TooMany(f"more than {limit} entities")
            continue
        previous = _step_back(walk[-1], frontier, stores, limit)
        budget -= len(previous)
        if budget < 0:
            raise TooMany("the backward walks visit too many nodes")
        pending.setdefault(walk[:-1], set()).update(previous)
    return found


def _step_back(step: Step, nodes: set[Term], stores: list[ox.Store], limit: int) -> set[Term]:
    """Where a walker can have been before taking ``step`` to one of ``nodes`` (for a
    repeated step: before any number of them, none included)."""
    reached = set(nodes) if step.repeated else set()
    frontier = set(nodes)
    while frontier:
        following: set[Term] = set()
        for node in frontier:
            for predicate, back in step.choices:
                following |= _neighbours(node, predicate, back, stores)
        following -= reached
        reached |= following
        if len(reached) > limit:
            raise TooMany(f"more than {limit} entities")
        frontier = following if step.repeated else set()
    return reached


def _neighbours(node: Term, predicate: str, back: bool, stores: list[ox.Store]) -> set[Term]:
    """Forwards (``back`` false) the walker came over ``x predicate node``: the x; backwards,
    over ``node predicate x``: the x. ANY is any predicate; reserved graphs are left out."""
    p = None if predicate == ANY else ox.NamedNode(predicate)
    found: set[Term] = set()
    for store in stores:
        if back:
            if isinstance(node, ox.Literal):
                continue
            quads = store.quads_for_pattern(node, p, None, None)
            found |= {q.object for q in quads if _data(q)}
        else:
            quads = store.quads_for_pattern(None, p, node, None)
            found |= {q.subject for q in quads if _data(q)}
    return found


def _data(quad: ox.Quad) -> bool:
    return getattr(quad.graph_name, "value", "") not in RESERVED_GRAPHS
