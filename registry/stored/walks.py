"""The walks a validation takes from an entity: which links, in which direction, in which
order, its findings can read.

Each compiled query of the fast engine (``ValidationEngine.queries``) is parsed into rdflib's
SPARQL algebra, and its triple patterns (property paths included, in subqueries, EXISTS
blocks, MINUS and OPTIONAL parts alike) are followed from the focus variable ``?this``: every
sequence of steps that reaches another variable or term is a walk. Each step is a set of
alternatives ``(predicate, inverse)`` (``"*"`` is any predicate: a variable in predicate
position), possibly repeated (``p*``, ``p+``). The derived relations (``cityreg:involves``...)
are walked as the links they stand for. Beside the queries' walks, a finding also reads

* its place (``registry.places``): a link of :data:`~registry.places.LINKS`, then
  ``cityreg:city``, then the city's label and codes;
* its evidence (``registry.evidence``): any statement of the focus, of what it involves and
  of the nodes its walks reach, the labels of what those statements name, their subjects'
  sources (``cityreg:source``) and the sources' labels and addresses;

so the focus, what it involves and every walk to the value (``?value``, or a path's end)
is followed by each of the :data:`EVIDENCE` tails, and every walk by ``rdfs:label`` (messages
name the labels of what they mention).

A query whose algebra cannot be read makes :func:`walks_of` return None: the caller then
validates everything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node

from registry.derived import RELATIONS
from registry.places import LINKS
from registry.shacl.engine import ValidationEngine
from registry.usercache import cache_folder

ANY = "*"
#: The longest walk followed, in steps (the shapes of shapes/ walk at most 9). A query with a
#: longer walk makes walks_of return None: everything is then validated again.
MAX_STEPS = 16
_CITY = "https://w3id.org/cityreg#city"
_PREFIXES = {"cityreg": "https://w3id.org/cityreg#", "dpv": "https://w3id.org/dpv#",
             "dct": "http://purl.org/dc/terms/", "ssn": "http://www.w3.org/ns/ssn/"}


@dataclass(frozen=True)
class Step:
    """One step of a walk: any of ``choices`` (predicate IRI or ANY, followed backwards when
    the flag is true), once, or any number of times when ``repeated``."""

    choices: frozenset[tuple[str, bool]]
    repeated: bool = False

    def inverted(self) -> Step:
        """The same step taken the other way."""
        return Step(frozenset((p, not back) for p, back in self.choices), self.repeated)

    def matches(self, predicate: str) -> Iterator[bool]:
        """For each way this step can take a statement with ``predicate``: backwards?"""
        for choice, back in self.choices:
            if choice in (predicate, ANY):
                yield back


Walk = tuple[Step, ...]


def _forward(*predicates: str) -> Step:
    return Step(frozenset((predicate, False) for predicate in predicates))


_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: What a place reads of a city (registry.places.registry_cities).
_CITY_FACTS = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", _LABEL,
               "https://w3id.org/cityreg#countryCode", "https://w3id.org/cityreg#locode")
_SOURCE = "https://w3id.org/cityreg#source"
_URL = "https://w3id.org/cityreg#url"
#: What the evidence of a finding reads after each node of its walks: the node's statements,
#: the labels of what they name, its sources, their labels and addresses (all forwards).
EVIDENCE: tuple[Walk, ...] = (
    (), (_forward(ANY),), (_forward(ANY), _forward(_LABEL)), (_forward(_SOURCE),),
    (_forward(_SOURCE), _forward(_LABEL, _URL)))


def walks_of(engine: ValidationEngine) -> frozenset[Walk] | None:
    """Every walk a finding of ``engine``'s queries can read (see the module docstring).

    Parsing the queries takes about 20 s for the shapes of shapes/: see :func:`stored_walks`.
    """
    return _walks(tuple(query.text(None) for query in engine.queries))


def stored_walks(engine: ValidationEngine, key: str) -> frozenset[Walk] | None:
    """:func:`walks_of`, read from the user's cache folder (:mod:`registry.usercache`) when
    they were written there for ``key`` (the checksums of the shapes and the code) and this
    module's text, else
    computed and written there: once per installation, not once per registry (they take
    about 20 s to compute, which every first start of a new store paid)."""
    # This module's own text too: walks computed by another version of it are not these.
    key = f"{key}:{hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}"
    folder = cache_folder()
    name = f"walks-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"
    path = None if folder is None else folder / name
    try:
        if path is not None:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return frozenset(tuple(Step(frozenset((p, back) for p, back in choices), repeated)
                                       for choices, repeated in walk)
                                 for walk in stored["walks"])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    walks = walks_of(engine)
    if walks is not None and path is not None:
        text = json.dumps({"key": key, "walks": [
            [[sorted(step.choices), step.repeated] for step in walk] for walk in sorted(
                walks, key=lambda w: [(sorted(s.choices), s.repeated) for s in w])]})
        try:
            staging = path.with_name(f".{path.name}.{os.getpid()}")
            staging.write_text(text, encoding="utf-8")
            os.replace(staging, path)
        except OSError:
            pass  # the next run computes them again
    return walks


@lru_cache(maxsize=4)
def _walks(texts: tuple[str, ...]) -> frozenset[Walk] | None:
    walks: set[Walk] = set()
    to_values: set[Walk] = set()
    for text in texts:
        try:
            algebra = translateQuery(parseQuery(text)).algebra
            found, values = _from_focus(list(_patterns(algebra)))
        except Exception:  # rdflib raises many types: then everything is validated again
            return None
        walks |= found
        to_values |= values
    walks |= _place_walks()
    evidence = {(*walk, *tail) for walk in {(), *_relation_walks(), *to_values}
                for tail in EVIDENCE}
    labels = {(*walk, _forward(_LABEL)) for walk in walks}
    return frozenset(walks | evidence | labels)


def _patterns(node: object, narrowed: dict[Variable, tuple[URIRef, ...]] | None = None
              ) -> Iterator[tuple[Node, object, Node]]:
    """Every triple pattern in an algebra tree (BGPs at any depth).

    A variable in predicate position that a FILTER around the pattern restricts to a few
    IRIs (``FILTER(?p IN (a, b))``, ``?p = a``, ``sameTerm(?p, a)``, in a conjunction) is
    given as the alternative of those IRIs: the pattern cannot take another predicate. Without
    it, ``$this ?path ?value . FILTER(?path IN (cityreg:absent, cityreg:notDisclosed))`` would
    walk any link, and a changed ``rdf:type`` would send every instance of the class to be
    validated again. A subquery forgets the restrictions of variables it does not project.
    """
    narrowed = narrowed or {}
    if isinstance(node, dict):
        name = getattr(node, "name", None)
        if name == "BGP":
            for subject, predicate, obj in node.get("triples", []):
                if isinstance(predicate, Variable) and predicate in narrowed:
                    iris = narrowed[predicate]
                    predicate = iris[0] if len(iris) == 1 else AlternativePath(*iris)
                yield subject, predicate, obj
            return
        if name == "Filter":
            yield from _patterns(node.get("expr"), narrowed)
            yield from _patterns(node.get("p"), _narrow(narrowed, node.get("expr")))
            return
        if name == "Project":
            kept = set(node.get("PV") or ())
            narrowed = {v: iris for v, iris in narrowed.items() if v in kept}
        for value in node.values():
            yield from _patterns(value, narrowed)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _patterns(value, narrowed)


def _narrow(narrowed: dict[Variable, tuple[URIRef, ...]], expression: object
            ) -> dict[Variable, tuple[URIRef, ...]]:
    """``narrowed`` with the restrictions ``expression`` (a FILTER's) puts on variables: each
    term of its top-level conjunction of the form ``?v IN (iris)``, ``?v = iri`` or
    ``sameTerm(?v, iri)`` (either way round). Anything else restricts nothing."""
    result = dict(narrowed)
    for term in _conjuncts(expression):
        found = _restriction(term)
        if found is None:
            continue
        variable, iris = found
        if variable in result:
            iris = tuple(iri for iri in result[variable] if iri in iris)
        result[variable] = iris
    return {v: iris for v, iris in result.items() if iris}  # an empty one: leave it as any


def _conjuncts(expression: object) -> Iterator[object]:
    if getattr(expression, "name", None) == "ConditionalAndExpression":
        yield from _conjuncts(expression.get("expr"))  # type: ignore[attr-defined]
        for other in expression.get("other") or ():  # type: ignore[attr-defined]
            yield from _conjuncts(other)
    else:
        yield expression


def _restriction(term: object) -> tuple[Variable, tuple[URIRef, ...]] | None:
    name = getattr(term, "name", None)
    if name == "RelationalExpression":
        left, op, right = term.get("expr"), term.get("op"), term.get("other")  # type: ignore
        if op == "IN" and isinstance(left, Variable) and isinstance(right, list) and right \
                and all(isinstance(iri, URIRef) for iri in right):
            return left, tuple(right)
        if op == "=":
            if isinstance(left, Variable) and isinstance(right, URIRef):
                return left, (right,)
            if isinstance(right, Variable) and isinstance(left, URIRef):
                return right, (left,)
    if name == "Builtin_sameTerm":
        first, second = term.get("arg1"), term.get("arg2")  # type: ignore[attr-defined]
        if isinstance(first, Variable) and isinstance(second, URIRef):
            return first, (second,)
        if isinstance(second, Variable) and isinstance(first, URIRef):
            return second, (first,)
    return None


def _sequences(path: object) -> list[Walk]:
    """The step sequences a predicate or property path can take, forwards."""
    if isinstance(path, Variable):
        return [(Step(frozenset({(ANY, False)})),)]
    if isinstance(path, URIRef):
        relation = next((r for r in RELATIONS if r.iri == str(path)), None)
        if relation is not None:
            return _relation_sequences(relation)
        return [(Step(frozenset({(str(path), False)})),)]
    if isinstance(path, InvPath):
        return [tuple(step.inverted() for step in reversed(seq)) for seq in _sequences(path.arg)]
    if isinstance(path, SequencePath):
        result: list[Walk] = [()]
        for part in path.args:
            result = [(*head, *tail) for head in result for tail in _sequences(part)]
        return result
    if isinstance(path, AlternativePath):
        return [seq for part in path.args for seq in _sequences(part)]
    if isinstance(path, MulPath):
        inner = _sequences(path.path)
        if path.mod == "?":
            return [(), *inner]
        choices = frozenset(c for seq in inner for step in seq for c in step.choices)
        return [(Step(choices, repeated=True),)]
    if isinstance(path, NegatedPath):
        return [(Step(frozenset({(ANY, False)})),)]
    raise ValueError(f"unknown property path {path!r}")


def _relation_sequences(relation: object) -> list[Walk]:
    links = [tuple(Step(frozenset({(p, back)})) for p, back in link)
             for link in relation.links]  # type: ignore[attr-defined]
    result: list[Walk] = []
    current: list[Walk] = [()]
    for _ in range(relation.max_links):  # type: ignore[attr-defined]
        current = [(*head, *link) for head in current for link in links]
        result += current
    return result


def _relation_walks() -> list[Walk]:
    return [seq for relation in RELATIONS for seq in _relation_sequences(relation)]


def _place_walks() -> set[Walk]:
    """The focus's own city, or a city of what it links to (a link of LINKS either way), and
    what of the city its place reads: that it is a city, its label and its codes."""
    city = Step(frozenset({(_CITY, False)}))
    to_city: set[Walk] = {(city,)}
    for link in LINKS:
        prefix, local = link.split(":")
        iri = _PREFIXES[prefix] + local
        to_city |= {(Step(frozenset({(iri, back)})), city) for back in (False, True)}
    return to_city | {(*walk, _forward(tail)) for walk in to_city for tail in _CITY_FACTS}


def _from_focus(patterns: Iterable[tuple[Node, object, Node]]) -> tuple[set[Walk], set[Walk]]:
    """Every walk from ``?this`` over the patterns' links (each node once per walk), and
    those that end at ``?value`` or at a node no pattern goes on from (a path's end)."""
    edges: dict[Node, list[tuple[Walk, Node]]] = {}
    for subject, path, obj in patterns:
        for seq in _sequences(path):
            edges.setdefault(subject, []).append((seq, obj))
            edges.setdefault(obj, []).append(
                (tuple(step.inverted() for step in reversed(seq)), subject))
    walks: set[Walk] = set()
    to_values: set[Walk] = set()
    this, value = Variable("this"), Variable("value")

    def follow(node: Node, walk: Walk, seen: frozenset[Node]) -> None:
        for seq, other in edges.get(node, ()):
            if other in seen:
                continue
            longer = (*walk, *seq)
            if len(longer) > MAX_STEPS:
                raise ValueError(f"a walk of more than {MAX_STEPS} steps")
            if longer in walks:
                continue
            walks.add(longer)
            if other == value or len(edges.get(other, ())) <= 1:
                to_values.add(longer)
            if isinstance(other, Variable):
                follow(other, longer, seen | {other})

    follow(this, (), frozenset({this}))
    return walks, to_values
