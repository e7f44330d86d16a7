"""Derived relations: what a processing unit is made of, and what it is part of, by name.

Legal rules read a unit's facts from more than the unit itself. A city may state that a
processing uses personal data on the processing, on the operations centre it uses, on the
cameras that centre uses, or on the deployment of those cameras; a DPIA or a record of
processing may hang off the unit or off a unit that uses it. The shapes of ``shapes/`` follow
these links for at most three steps. Written out as SPARQL property paths, each such walk is
600 characters repeated in every shape that needs it; a lawyer cannot check such a shape
against its article, and every query pays for the walk again. Instead each walk is a named
relation, defined here once, computed once per validation run, and read by the shapes::

    $this cityreg:processesPersonalData|cityreg:involves/cityreg:processesPersonalData true

The relations (declared in ``ontology/cityreg.ttl``):

``cityreg:involves`` (downstream)
    From any node to every node reachable in 1, 2 or 3 links, a link being
    ``cityreg:usesSystem``, ``cityreg:usesSensor``, ``cityreg:usesDataset``,
    ``cityreg:feedsDataset``, ``cityreg:sharesDataset``, ``ssn:deployedSystem`` or
    ``^ssn:deployedSystem``: the systems, sensors, datasets and deployments a unit uses or
    feeds, and what those use or feed in turn. A unit processes personal data if something it
    involves does (GDPR, OECD scope gates).
``cityreg:involvesExceptShared`` (downstream, not through a data flow's dataset)
    The same without ``cityreg:sharesDataset`` links. The GDPR's high-risk indicators (a
    publicly accessible place, systematic monitoring, large scale, special categories), the
    AI Act's (real-time remote biometric identification) and the documents looked for
    downstream (a DPIA, a legal basis, a notice) follow only what a unit is made of, never
    the dataset a data flow shares. In a registry that follows the ontology only data flows
    state ``cityreg:sharesDataset`` and no link reaches a data flow, so the two relations
    differ only from a data flow; they are kept apart so that the shapes mean exactly what
    they meant when these walks were written out.
``cityreg:involvedIn`` (upstream)
    From any node to every node reachable in 1, 2 or 3 links, a link being
    ``^cityreg:usesSystem`` (a unit that uses this system) or
    ``ssn:deployedSystem/^cityreg:usesSensor`` (a unit that uses the sensor of this
    deployment): where an assessment, record, legal basis or notice of the unit may be
    recorded.

Each relation is exactly the property path it replaces (:attr:`Relation.sparql_path`): the
alternatives of 1, 2 and 3 links, not ``+`` or ``*``, so a node reaches itself only through a
cycle (a deployment reaches itself through its sensor in two links) and nothing further than
three links counts. Every pair the path yields from an IRI or blank node is one statement
``<s> <relation> <o>``; a literal reached on the way is passed through (and may be an object)
but is never a subject.

The statements are never asserted by users and never stored with the data: for the duration
of a validation run (:class:`DerivedRelations`, entered by ``registry.validate``) they sit in
the named graph ``urn:cityreg:graph:derived`` (:data:`~registry.namespaces.DERIVED_GRAPH`),
where the fast engine's queries (over the union of all graphs) and the pySHACL oracle's copy of
the registry (``Registry.to_rdflib_graph``, taken inside the run) both see them. On exit the
graph holds again what it held before (nothing), even when the run fails, so dumps, counts and
entity pages made outside a run never show them (a reader of the same store during a run must
leave this graph out by name, as it does the other scratch graphs of a run).

They are computed from the store at the start of each run (so they always match the data
being checked) in Python: each link predicate's statements are read once (one
``quads_for_pattern`` per predicate, over every graph, as the union default graph the queries
read), and each node's reach is built from its neighbours' (about 1 s for the 350,000
statements of the N=1000 bench registry). On a SPARQL engine that runs the validation's
queries itself (the Oxigraph server), a whole run has the engine derive them instead, one
update per relation by its property path over the union of the registry's graphs (in parts
for a large registry): what a server holds then does not grow with the registry
(:meth:`DerivedRelations._derive_on_engine`).

A focused run (incremental re-validation of a few entities) derives only the statements about
its focus nodes, by a few index lookups from each, when the shapes read the relations only
from the focus node: as the first step of a path from ``$this`` in a SPARQL constraint of a
shape with targets (:func:`read_from_focus_only`, which checks the queries; every shape of
``shapes/`` does). Its findings for its focus nodes are then those of a full run, as they
would be with every statement derived; shapes that use a relation otherwise get every
statement derived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from registry.namespaces import CITYREG, DERIVED_GRAPH, SSN
from registry.shacl.scratch import ScratchGraph
from registry.shacl.sparqltokens import Token, matching, tokenize
from registry.store.sparql import hash_part, hex_prefixes

__all__ = ["DERIVED_GRAPH", "INVOLVED_IN", "INVOLVES", "INVOLVES_EXCEPT_SHARED", "RELATIONS",
           "DerivedRelations", "Relation", "derive", "read_from_focus_only", "relation_pairs"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: A step of a link: a predicate IRI, followed forwards (False) or backwards (True, ``^p``).
Step = tuple[str, bool]


@dataclass(frozen=True)
class Relation:
    """A derived relation: 1 to ``max_links`` links, each link one of ``links`` (a link is
    a sequence of steps, e.g. ``ssn:deployedSystem/^cityreg:usesSensor``)."""

    iri: str
    links: tuple[tuple[Step, ...], ...]
    max_links: int = 3

    @property
    def link_path(self) -> str:
        """One link as a SPARQL property path (full IRIs)."""
        return "|".join("/".join(f"{'^' if inverse else ''}<{p}>" for p, inverse in link)
                        for link in self.links)

    @property
    def sparql_path(self) -> str:
        """The property path this relation stands for: the alternatives of 1 to
        ``max_links`` links, written out as the shapes wrote them before."""
        link = f"({self.link_path})"
        return "|".join("/".join([link] * n) for n in range(1, self.max_links + 1))


def _steps(*links: str) -> tuple[tuple[Step, ...], ...]:
    """Links written as ``p`` / ``^p`` / ``p/^q`` (full IRIs) as step tuples."""
    return tuple(tuple((step.lstrip("^"), step.startswith("^")) for step in link.split(" / "))
                 for link in links)


_DOWNSTREAM_WITHOUT_SHARING = (
    str(CITYREG.usesSystem), str(CITYREG.usesSensor), str(CITYREG.usesDataset),
    str(CITYREG.feedsDataset), str(SSN.deployedSystem), "^" + str(SSN.deployedSystem))

#: Downstream: what a unit uses or feeds, and so on, 1 to 3 links.
INVOLVES = Relation(str(CITYREG.involves), _steps(
    *_DOWNSTREAM_WITHOUT_SHARING[:4], str(CITYREG.sharesDataset), *_DOWNSTREAM_WITHOUT_SHARING[4:]))
#: Downstream without ``cityreg:sharesDataset`` links.
INVOLVES_EXCEPT_SHARED = Relation(str(CITYREG.involvesExceptShared),
                                  _steps(*_DOWNSTREAM_WITHOUT_SHARING))
#: Upstream: the units that use this one, and so on, 1 to 3 links.
INVOLVED_IN = Relation(str(CITYREG.involvedIn), _steps(
    "^" + str(CITYREG.usesSystem), f"{SSN.deployedSystem} / ^{CITYREG.usesSensor}"))

#: Every relation a validation run derives.
RELATIONS: tuple[Relation, ...] = (INVOLVES, INVOLVES_EXCEPT_SHARED, INVOLVED_IN)


class _Edges:
    """The store's statements of each step: read whole, one ``quads_for_pattern`` per
    predicate (a full run), or node by node as asked for (a run over a few focus nodes)."""

    def __init__(self, store: ox.Store, whole: bool = True) -> None:
        self.store = store
        self.whole = whole
        self.steps: dict[Step, dict[Term, frozenset[Term]]] = {}

    def step(self, step: Step) -> dict[Term, frozenset[Term]]:
        """Node -> the nodes one step away, for every node (read whole)."""
        found = self.steps.get(step)
        if found is None:
            predicate, inverse = step
            pairs: dict[Term, set[Term]] = defaultdict(set)
            # graph_name None: every graph, the default graph included (the union the
            # validation queries read).
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                if inverse:
                    pairs[quad.object].add(quad.subject)
                else:
                    pairs[quad.subject].add(quad.object)
            found = self.steps[step] = {node: frozenset(t) for node, t in pairs.items()}
        return found

    def step_from(self, step: Step, node: Term) -> frozenset[Term]:
        """The nodes one step away from ``node``."""
        if self.whole:
            return self.step(step).get(node, _EMPTY)
        known = self.steps.setdefault(step, {})
        found = known.get(node)
        if found is None:
            predicate = ox.NamedNode(step[0])
            if step[1]:
                quads = self.store.quads_for_pattern(None, predicate, node, None)
                found = frozenset(q.subject for q in quads)
            elif isinstance(node, ox.NamedNode | ox.BlankNode):
                quads = self.store.quads_for_pattern(node, predicate, None, None)
                found = frozenset(q.object for q in quads)
            else:
                found = _EMPTY  # a literal is the subject of nothing
            known[node] = found
        return found


_EMPTY: frozenset[Term] = frozenset()


class _Links:
    """One link of a relation: node -> the nodes one link away."""

    def __init__(self, edges: _Edges, relation: Relation) -> None:
        self.edges = edges
        self.relation = relation
        self.known: dict[Term, frozenset[Term]] = {}

    def all(self) -> dict[Term, frozenset[Term]]:
        """Every node with a link, and where its links lead (reads the steps whole)."""
        out: dict[Term, set[Term]] = defaultdict(set)
        for steps in self.relation.links:
            reached: dict[Term, frozenset[Term]] = self.edges.step(steps[0])
            for step in steps[1:]:
                edges = self.edges.step(step)
                reached = {node: frozenset(t for m in middle for t in edges.get(m, _EMPTY))
                           for node, middle in reached.items()}
            for node, targets in reached.items():
                out[node] |= targets
        self.known = {node: frozenset(targets) for node, targets in out.items() if targets}
        return self.known

    def __call__(self, node: Term) -> frozenset[Term]:
        found = self.known.get(node)
        if found is None:
            if self.edges.whole:
                return _EMPTY  # all() knows every node with a link
            found = frozenset()
            for steps in self.relation.links:
                middle = frozenset((node,))
                for step in steps:
                    middle = frozenset(t for m in middle for t in self.edges.step_from(step, m))
                found |= middle
            self.known[node] = found
        return found


def _reach(links: _Links, subjects: Iterable[Term], max_links: int
           ) -> Iterator[tuple[Term, frozenset[Term]]]:
    """Each subject with at least one link, and the nodes 1 to ``max_links`` links away
    (see :class:`_Within`)."""
    within = _Within(links, max_links)
    for node in subjects:
        reached = within(node, max_links)
        if reached:
            yield node, reached


class _Within:
    """The nodes within ``n`` links of a node: its neighbours and what lies within ``n - 1``
    links of each of them. The sets for fewer links than the most are kept, since many nodes
    share neighbours (the sensors of one network, the datasets of one deployment). (An
    object, not a closure that calls itself: that made a reference cycle which held the
    links, and with them the store, until the garbage collector ran.)"""

    def __init__(self, links: _Links, max_links: int) -> None:
        self.links = links
        self.max_links = max_links
        self.known: list[dict[Term, frozenset[Term]]] = [{} for _ in range(max_links)]

    def __call__(self, node: Term, n: int) -> frozenset[Term]:
        found = self.known[n].get(node) if n < self.max_links else None
        if found is None:
            first = self.links(node)
            found = first if n == 1 or not first else first.union(
                *(self(m, n - 1) for m in first))
            if n < self.max_links:  # a subject's widest set is asked for once
                self.known[n][node] = found
        return found


def relation_pairs(store: ox.Store, relation: Relation,
                   subjects: Iterable[Term] | None = None) -> Iterator[tuple[Term, Term]]:
    """Every ``(s, o)`` of ``relation`` in ``store`` (literal subjects included), or those
    whose ``s`` is one of ``subjects``."""
    for node, reached in _pairs(_Edges(store, subjects is None), relation, subjects):
        for target in reached:
            yield node, target


def _pairs(edges: _Edges, relation: Relation, subjects: Iterable[Term] | None
           ) -> Iterator[tuple[Term, frozenset[Term]]]:
    links = _Links(edges, relation)
    nodes = list(links.all()) if subjects is None else list(dict.fromkeys(subjects))
    return _reach(links, nodes, relation.max_links)


def derive(store: ox.Store, graph: ox.NamedNode, relations: Iterable[Relation] = RELATIONS,
           subjects: Iterable[Term] | None = None) -> Iterator[ox.Quad]:
    """The statements of ``relations`` in ``store`` (only those about ``subjects`` if given),
    as quads in ``graph``.

    The store is read here, before the first quad is asked for: the quads may then be
    written into the same store as they come, without a read in between.
    """
    edges = _Edges(store, subjects is None)
    chosen = None if subjects is None else list(subjects)
    # Each relation's links are read whole when its pairs are asked for (_pairs reads them
    # before it returns); a run over every node then computes each node's reach from memory
    # only, so its pairs are made as they are written, never all held at once. A focused run
    # reads the store node by node as it goes, so its pairs (few) are made first.
    found = [(ox.NamedNode(r.iri), _pairs(edges, r, chosen) if chosen is None
              else list(_pairs(edges, r, chosen))) for r in relations]
    return (ox.Quad(subject, predicate, target, graph)
            for predicate, pairs in found
            for subject, reached in pairs
            if isinstance(subject, ox.NamedNode | ox.BlankNode)
            for target in reached)


class DerivedRelations(ScratchGraph):
    """``with DerivedRelations(store):`` the graph :data:`DERIVED_GRAPH` holds the derived
    relations of the store's data; on exit it holds what it held before (see the module).

    With ``focus`` (the focus nodes of a focused run) and the ``shapes`` graph of the run, only
    the statements about the focus nodes are derived, if the shapes read the relations only
    from the focus node (:func:`read_from_focus_only`); otherwise all of them.
    """

    def __init__(self, store: ox.Store, focus: Iterable[object] | None = None,
                 shapes: Graph | None = None) -> None:
        subjects: list[Term] | None = None
        if focus is not None and shapes is not None and read_from_focus_only(shapes):
            # IRIs (rdflib, pyoxigraph or text); a literal is the subject of nothing
            subjects = [node if isinstance(node, ox.NamedNode | ox.BlankNode)
                        else ox.NamedNode(str(node)) for node in focus
                        if not isinstance(node, Literal | BNode | ox.Literal)]
        self.subjects = subjects
        #: whether the engine holding the store derives the statements itself (a whole run
        #: on a SPARQL engine: see :meth:`_derive_on_engine`)
        self.on_engine = subjects is None and bool(getattr(store, "derives_on_engine", False))
        super().__init__(store, str(DERIVED_GRAPH),
                         _nothing if self.on_engine
                         else lambda graph: derive(store, graph, subjects=subjects))

    def __enter__(self) -> DerivedRelations:
        super().__enter__()
        if self.on_engine:
            try:
                self._derive_on_engine()
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return self

    def _derive_on_engine(self) -> None:
        """Derive every statement on the engine, each relation by its property path
        (:attr:`Relation.sparql_path`, exactly what the Python walk computes), over the
        union of the registry's graphs: the process holds none of them (computed here they
        took about 95 MB per 350,000 statements of the registry, while the Oxigraph server
        spends about 2.5x the time).

        A registry of more than :data:`ENGINE_PART` statements is derived in parts, the
        subjects split by the MD5 hash of their IRIs (a blank node goes with the first part),
        so that no one update makes the engine hold millions of statements at once.
        """
        store = self.store
        graphs = [graph for graph in store.dataset()  # type: ignore[attr-defined]
                  if graph != self.graph.value]
        using = " ".join(f"USING <{graph}>" for graph in graphs)
        digits = 0
        size = len(store)
        while size > ENGINE_PART * 16 ** digits and digits < 3:
            digits += 1
        for relation in RELATIONS:
            for prefix in hex_prefixes(digits):
                store.update(_derive_update(relation, self.graph, using, prefix))


#: The most statements of a registry whose relations an engine derives in one update each.
ENGINE_PART = 1_000_000


def _nothing(graph: ox.NamedNode) -> Iterable[ox.Quad]:
    return ()


def _derive_update(relation: Relation, graph: ox.NamedNode, using: str, prefix: str) -> str:
    """The SPARQL update that writes the statements of ``relation`` into ``graph``: of every
    subject, or (``prefix``) of those whose IRI's MD5 hash starts with it."""
    insert = f"INSERT {{ GRAPH {graph} {{ ?s <{relation.iri}> ?o }} }} {using}"
    if not prefix:
        return f"{insert} WHERE {{ ?s {relation.sparql_path} ?o FILTER (!isLiteral(?s)) }}"
    firsts = " UNION ".join(
        "{ ?s " + ("^" if link[0][1] else "") + f"<{link[0][0]}> ?next }}"
        for link in relation.links)
    return (f"{insert} WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ {firsts} "
            f"FILTER (!isLiteral(?s)) {hash_part('?s', prefix)} }} }} "
            f"?s {relation.sparql_path} ?o }}")


# -- which shapes may run on the relations of their focus nodes alone ----------------------------

_LOCAL_NAMES = frozenset(r.iri.rsplit("#", 1)[1] for r in RELATIONS)
_IRIS = frozenset(r.iri for r in RELATIONS)
#: Shapes evaluated on other nodes than the focus nodes of the run (value nodes).
_NESTING = (SH.node, SH["not"], SH.qualifiedValueShape)
_NESTING_LISTS = (SH["and"], SH["or"], SH.xone)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_verdicts: WeakKeyDictionary[Graph, bool] = WeakKeyDictionary()


def read_from_focus_only(shapes: Graph) -> bool:
    """Whether every use of a derived relation in ``shapes`` starts at a focus node.

    That is: each is the first step (forwards) of a property path whose subject is ``$this``
    in the query of a SPARQL constraint, outside any subquery, of a shape that is evaluated on
    its focus nodes (a shape with targets, or a property shape of one, never a shape reached
    through ``sh:node``, ``sh:and`` and the like). Then a focused run needs only the statements
    about its focus nodes, and derives only those: a few index lookups instead of a pass over
    the whole store. Any other use, or one this check cannot read, makes it False (all
    statements are derived, which is always right). The verdict is kept per graph.
    """
    verdict = _verdicts.get(shapes)
    if verdict is None:
        verdict = _verdicts[shapes] = _read_from_focus_only(shapes)
    return verdict


def _read_from_focus_only(shapes: Graph) -> bool:
    nested: set[Node] = {o for p in _NESTING for o in shapes.objects(None, p)}
    for nesting in _NESTING_LISTS:
        for head in shapes.objects(None, nesting):
            nested |= set(Collection(shapes, head)) if isinstance(head, BNode) else {head}
    targeted = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    evaluated = (targeted | {o for s in targeted for o in shapes.objects(s, SH.property)})
    evaluated -= nested
    for s, p, o in shapes:
        if any(isinstance(t, URIRef) and str(t) in _IRIS for t in (s, p, o)):
            return False  # named as a term (sh:path, a target ...): not read by a query
        if not isinstance(o, Literal) or not any(name in str(o) for name in _LOCAL_NAMES):
            continue
        if p not in (SH.select, SH.ask):
            if p in (SH.construct, SH.update):
                return False
            continue  # a message, a label or a comment: not a query
        holders = set(shapes.subjects(SH.sparql, s))
        if not holders or not holders <= evaluated or not _from_this_only(str(o)):
            return False
    return True


def _from_this_only(query: str) -> bool:
    """Whether each derived relation in ``query`` is the first step of a path from ``$this``
    (outside subqueries)."""
    tokens = tokenize(query)
    uses = {i for i, t in enumerate(tokens) if _is_relation(t)}
    if not uses:
        return True
    if sum(t.is_word("SELECT") for t in tokens) > 1:
        return False  # a subquery: its $this may not be the focus node
    accepted: set[int] = set()
    for i, token in enumerate(tokens):
        if token.kind == "var" and token.text[1:] == "this":
            accepted |= _subject_paths(tokens, i + 1)
    return uses <= accepted


def _is_relation(token: Token) -> bool:
    if token.kind == "iri":
        return token.text[1:-1] in _IRIS
    return token.kind == "pname" and token.text.split(":", 1)[1] in _LOCAL_NAMES


def _subject_paths(tokens: list[Token], i: int) -> set[int]:
    """The tokens that are first steps of the paths of ``$this`` in the triples that start at
    ``i`` (``$this path object , object ; path object ...``)."""
    firsts: set[int] = set()
    while True:
        parsed = _PathParser(tokens, i).path()
        if parsed is None:
            return firsts
        firsts |= parsed[1]
        end = _skip_object(tokens, parsed[0])
        while end is not None and _punct(tokens, end, ","):
            end = _skip_object(tokens, end + 1)
        if end is None or not _punct(tokens, end, ";"):
            return firsts
        i = end + 1
        while _punct(tokens, i, ";"):
            i += 1


def _punct(tokens: list[Token], i: int, text: str) -> bool:
    return i < len(tokens) and tokens[i].kind == "punct" and tokens[i].text == text


def _skip_object(tokens: list[Token], i: int) -> int | None:
    """The index after the object term at ``i``: a variable, IRI, prefixed name, boolean or
    string literal (None for anything else, such as a blank node or a collection)."""
    if i >= len(tokens):
        return None
    t = tokens[i]
    if t.kind in ("var", "iri", "pname") or t.is_word("TRUE", "FALSE"):
        return i + 1
    if t.kind != "string":
        return None
    if _punct(tokens, i + 1, "^") and _punct(tokens, i + 2, "^"):
        return i + 4 if i + 3 < len(tokens) else None
    if _punct(tokens, i + 1, "@"):
        return i + 3 if i + 2 < len(tokens) else None
    return i + 1


class _PathParser:
    """A SPARQL 1.1 property path over tokens: which of its IRIs can be its first step,
    followed forwards (the one step that starts at the path's subject)."""

    def __init__(self, tokens: list[Token], i: int) -> None:
        self.tokens = tokens
        self.i = i

    def _at(self, *texts: str) -> bool:
        return (self.i < len(self.tokens) and self.tokens[self.i].kind == "punct"
                and self.tokens[self.i].text in texts)

    def path(self) -> tuple[int, set[int], bool] | None:
        """(index after the path, first steps, whether it may be empty), or None."""
        try:
            first, nullable = self._alternative()
        except ValueError:
            return None
        return self.i, first, nullable

    def _alternative(self) -> tuple[set[int], bool]:
        first, nullable = self._sequence()
        while self._at("|"):
            self.i += 1
            more, empty = self._sequence()
            first, nullable = first | more, nullable or empty
        return first, nullable

    def _sequence(self) -> tuple[set[int], bool]:
        first, nullable = self._element()
        while self._at("/"):
            self.i += 1
            more, empty = self._element()
            if nullable:
                first |= more
            nullable = nullable and empty
        return first, nullable

    def _element(self) -> tuple[set[int], bool]:
        inverse = self._at("^")
        if inverse:
            self.i += 1
        first, nullable = self._primary()
        if self._at("?"):
            self.i += 1
            nullable = True
        elif self._at("*", "+"):
            # repeated: its later rounds start elsewhere, so none of it is only a first step
            first, nullable = set(), nullable or self.tokens[self.i].text == "*"
            self.i += 1
        return (set() if inverse else first), nullable

    def _primary(self) -> tuple[set[int], bool]:
        if self.i >= len(self.tokens):
            raise ValueError("end of query")
        t = self.tokens[self.i]
        if t.kind in ("iri", "pname") or (t.kind == "word" and t.text == "a"):
            self.i += 1
            return {self.i - 1}, False
        if self._at("("):
            self.i += 1
            inner = self._alternative()
            if not self._at(")"):
                raise ValueError("unclosed group")
            self.i += 1
            return inner
        if self._at("!"):  # a negated property set: names predicates it does not follow
            self.i += 1
            if self._at("("):
                self.i = matching(self.tokens, self.i, "(", ")") + 1
            else:
                self.i += 1
            return set(), False
        raise ValueError("not a path")
