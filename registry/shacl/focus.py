"""Which evaluations target which focus nodes, for incremental validation.

Re-validating one changed entity with every compiled query would cost one query per
constraint (a few hundred for the legal shapes), each paying Oxigraph's parse and planning
time. Instead, four small queries read what decides target membership for the given nodes
(their types, the predicates they are subject and object of, and the subclass axioms), and
only the queries of evaluations that target at least one of them run, restricted to those
nodes. Membership is decided exactly as the target subqueries decide it
(``rdf:type/rdfs:subClassOf*``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``,
``sh:targetNode``), so the answers are the same as running every query.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib import RDF, RDFS
from rdflib.term import Node

from registry.shacl.model import Targets
from registry.shacl.terms import sparql_term, to_rdflib, values_block


class FocusIndex:
    """Target-relevant facts about a set of focus nodes, read from a store."""

    def __init__(self, store: ox.Store, nodes: list[Node]) -> None:
        values = values_block("this", nodes)
        self.types = self._pairs(store, f"SELECT DISTINCT ?this ?x WHERE {{ {values} "
                                        f"?this {sparql_term(RDF.type)} ?x }}")
        self.outgoing = self._pairs(store, f"SELECT DISTINCT ?this ?x WHERE {{ {values} "
                                           "?this ?x ?o }")
        self.incoming = self._pairs(store, f"SELECT DISTINCT ?this ?x WHERE {{ {values} "
                                           "?s ?x ?this }")
        superclasses: dict[Node, set[Node]] = defaultdict(set)
        query = f"SELECT ?this ?x WHERE {{ ?this {sparql_term(RDFS.subClassOf)} ?x }}"
        for sub, sup in self._rows(store, query):
            superclasses[sub].add(sup)
        self.superclasses = superclasses
        self.nodes = nodes

    @staticmethod
    def _rows(store: ox.Store, query: str) -> list[tuple[Node, Node]]:
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return [(to_rdflib(row["this"]), to_rdflib(row["x"])) for row in solutions]

    def _pairs(self, store: ox.Store, query: str) -> dict[Node, set[Node]]:
        out: dict[Node, set[Node]] = defaultdict(set)
        for node, x in self._rows(store, query):
            out[node].add(x)
        return out

    def _classes(self, node: Node) -> set[Node]:
        """Every class the node is a SHACL instance of (types and their superclasses)."""
        seen: set[Node] = set()
        todo = list(self.types.get(node, ()))
        while todo:
            cls = todo.pop()
            if cls not in seen:
                seen.add(cls)
                todo.extend(self.superclasses.get(cls, ()))
        return seen

    def targeted(self, targets: Targets) -> list[Node]:
        """The focus nodes among ours that ``targets`` selects."""
        out = []
        for node in self.nodes:
            if (node in targets.nodes
                    or set(targets.subjects_of) & self.outgoing.get(node, set())
                    or set(targets.objects_of) & self.incoming.get(node, set())
                    or (targets.classes and set(targets.classes) & self._classes(node))):
                out.append(node)
        return out
