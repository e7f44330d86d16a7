"""Running compiled shapes over a pyoxigraph store.

::

    shapes = ShapesGraph.load(["shapes/gdpr.ttl", "shapes/lockin.ttl"])
    engine = ValidationEngine(shapes)
    results = engine.validate(store)                      # every focus node
    results = engine.validate(store, focus={changed_iri}) # only these focus nodes
    for part in engine.validate_by_query(store):          # the same, one query at a time
        ...
    print(engine.explain(shapes.shape(EX.ContractShape))) # the SPARQL it runs

Every query runs with ``use_default_graph_as_union=True``: the data may sit in the default
graph or be spread over named graphs (one per source document), and validation sees it all.

SPARQL-based constraints are reported the way pySHACL reports them: a row whose projection
binds none of ``?this``, ``?value`` and ``?path`` is dropped, identical rows for one focus
node count once, the value defaults to the focus node on node shapes, and ``{?var}`` /
``{$var}`` in messages are replaced by the projected bindings (see :class:`_Substitution`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import islice

import pyoxigraph as ox
from rdflib import BNode, Literal
from rdflib.term import Node

from registry.shacl.antijoins import nested_anti_joins
from registry.shacl.classclosure import ClassClosure, rewrite_instance_tests
from registry.shacl.compile import (
    CompiledQuery,
    compile_evaluation,
    default_message,
    target_group,
)
from registry.shacl.constraints import Sparql
from registry.shacl.focus import FocusIndex
from registry.shacl.keysets import keyset_exists
from registry.shacl.model import Shape, ShapesGraph, Targets
from registry.shacl.results import ValidationResult
from registry.shacl.terms import to_rdflib
from registry.shacl.unions import distribute_unions

#: Told ``(done, total)`` as the queries of a run are read (see validate_by_query).
Progress = Callable[[int, int], None]
#: The most results of one query handed out at once: a query over a national registry can
#: have hundreds of thousands, each a result, then a finding, while it is made.
PART = 5_000


class ValidationEngine:
    """Validates pyoxigraph stores against a :class:`ShapesGraph` with whole-graph queries.

    The queries are compiled once, here; :meth:`validate` only runs them. Their instance
    tests read the class closure that :meth:`validate` writes for the run
    (:mod:`registry.shacl.classclosure`): run them through :meth:`validate`, or inside a
    ``with ClassClosure(store):`` block.
    """

    def __init__(self, shapes: ShapesGraph, workers: int | None = None,
                 rewrite: bool = True) -> None:
        """``workers``: threads that run queries side by side (default: one per core;
        Oxigraph evaluates queries without holding Python's GIL). ``rewrite=False`` runs
        the queries as compiled, without the rewrites below: slow, and there to check them.
        """
        self.shapes = shapes
        self.workers = max(1, workers or len(os.sched_getaffinity(0)))
        compiled = [q for evaluation in shapes.evaluations for q in compile_evaluation(evaluation)]
        self.queries: tuple[CompiledQuery, ...] = tuple(
            replace(q, template=_planned(q)) if rewrite else q for q in compiled)

    def validate(self, store: ox.Store, focus: Iterable[Node] | None = None
                 ) -> list[ValidationResult]:
        """All validation results in ``store``, or only those whose focus node is in ``focus``.

        ``focus`` holds IRIs or literals (blank nodes cannot be named in a query). An
        incremental run answers exactly what a full run would for those focus nodes, and
        only runs the queries of shapes that target them (see :mod:`registry.shacl.focus`).
        """
        return [result for part in self.validate_by_query(store, focus) for result in part]

    def validate_by_query(self, store: ox.Store, focus: Iterable[Node] | None = None,
                          progress: Progress | None = None
                          ) -> Iterator[list[ValidationResult]]:
        """What :meth:`validate` returns, in query order, each query's results in one list or
        (more than :data:`PART`) several, each as soon as its query and those before it are
        done: a caller that turns results into findings as they come never holds them all
        (about a million at 5M statements), nor more than a part's.

        ``progress(done, total)`` is called with the number of queries to run before the
        first, then after each one is read.
        """
        nodes = None if focus is None else list(dict.fromkeys(focus))
        if nodes is not None:
            if not nodes:
                return
            if any(isinstance(n, BNode) for n in nodes):
                raise ValueError("focus nodes must be IRIs or literals, not blank nodes")
        with ClassClosure(store):
            if nodes is None:
                yield from self._run_each(store, [(query, None) for query in self.queries],
                                          progress)
                return
            index = FocusIndex(store, nodes)
            targeted: dict[Targets, list[Node]] = {}
            work: list[tuple[CompiledQuery, list[Node] | None]] = []
            for query in self.queries:
                targets = query.evaluation.targets
                if targets not in targeted:
                    targeted[targets] = index.targeted(targets)
                if targeted[targets]:
                    work.append((query, targeted[targets]))
            yield from self._run_each(store, work, progress)

    def _run_each(self, store: ox.Store, work: list[tuple[CompiledQuery, list[Node] | None]],
                  progress: Progress | None = None) -> Iterator[list[ValidationResult]]:
        """The results of each (query, focus) pair, in the order given, in lists of at most
        :data:`PART` (at least one list per query); the queries run on :attr:`workers`
        threads, their rows are made into results here, a part at a time."""
        def fetch(item: tuple[CompiledQuery, list[Node] | None]
                  ) -> tuple[CompiledQuery, list[str], list[ox.QuerySolution]]:
            query, focus = item
            return (query, *_solutions(store, query.text(focus)))

        report = progress or (lambda done, total: None)
        report(0, len(work))
        if self.workers == 1 or len(work) < 2:
            yield from self._parts(map(fetch, work), len(work), report)
            return
        with ThreadPoolExecutor(self.workers) as pool:
            yield from self._parts(pool.map(fetch, work), len(work), report)

    def _parts(self, fetched: Iterable[tuple[CompiledQuery, list[str], list[ox.QuerySolution]]],
               total: int, report: Progress) -> Iterator[list[ValidationResult]]:
        for done, (query, names, rows) in enumerate(fetched, 1):
            results = self._results(query, names, rows)
            del rows  # the results hold them until they are all made
            part = list(islice(results, PART))
            yield part
            while len(part) == PART:
                part = list(islice(results, PART))
                if part:
                    yield part
            report(done, total)

    def run(self, store: ox.Store, query: CompiledQuery, focus: list[Node] | None = None
            ) -> Iterator[ValidationResult]:
        """The results of one compiled query (see :attr:`queries`)."""
        names, solutions = _solutions(store, query.text(focus))
        return self._results(query, names, solutions)

    def _results(self, query: CompiledQuery, names: list[str],
                 solutions: list[ox.QuerySolution]) -> Iterator[ValidationResult]:
        """The results of the rows ``solutions`` of ``query``, made as they are asked for."""
        if isinstance(query.constraint, Sparql):
            yield from _sparql_results(query, query.constraint, names, solutions)
            return
        shape = query.evaluation.shape
        messages = shape.messages or (Literal(default_message(shape, query.constraint)),)
        convert = _Converter()
        for row in solutions:
            node = convert(row["this"])
            assert node is not None
            yield ValidationResult(
                focus=node, path=shape.path_node,
                value=convert(row["value"]) if query.has_value else None, source_shape=shape.node,
                component=query.constraint.component, severity=shape.severity,
                messages=messages,
            )

    def explain(self, shape: Shape | Node) -> str:
        """The SPARQL queries compiled for ``shape`` (a Shape or its node), for debugging.

        Each query is preceded by a comment naming the constraint component and, for a
        property shape evaluated under a node shape, that parent.
        """
        node = shape.node if isinstance(shape, Shape) else shape
        parts = []
        for q in self.queries:
            if q.evaluation.shape.node != node:
                continue
            parent = q.evaluation.parent
            via = f" (via {parent.node.n3()})" if parent is not None else ""
            parts.append(f"# {q.constraint.component.n3()}{via}\n{q.text()}\n")
        return "\n".join(parts)


def _planned(query: CompiledQuery) -> str:
    """A compiled query rewritten into the form Oxigraph evaluates fastest (same answers):
    instance tests over the class closure, joins distributed over UNION, nested EXISTS
    blocks as joins with the focus nodes, the EXISTS blocks left evaluated over key sets."""
    target = rewrite_instance_tests(target_group(query.evaluation.targets))
    return keyset_exists(nested_anti_joins(
        distribute_unions(rewrite_instance_tests(query.template)), target))


def _solutions(store: ox.Store, text: str) -> tuple[list[str], list[ox.QuerySolution]]:
    """The variables and rows of a SELECT, read to the end at once.

    pyoxigraph's result iterator may only be dropped by the thread that made it, and
    :meth:`ValidationEngine.validate` runs queries on worker threads: holding only the rows
    (which may cross threads) keeps the iterator from reaching the garbage collector elsewhere.
    """
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [v.value for v in solutions.variables], list(solutions)


def _sparql_results(query: CompiledQuery, constraint: Sparql, names: list[str],
                    solutions: list[ox.QuerySolution]
                    ) -> Iterator[ValidationResult]:
    shape = query.evaluation.shape
    select = constraint.query
    shown = [n for n in ("this", "path", "value") if select.projects(n)]
    others = [n for n in names if n not in ("this", "path", "value")
              and (select.star or n in select.projected)]
    templates = [m for m in constraint.messages if m not in shape.messages] + list(shape.messages)
    substitute = _Substitution(templates, [*others, "this", "path", "value"])
    convert = _Converter()
    seen: set[tuple[Node | None, ...]] = set()
    for row in solutions:
        focus = convert(row["this"])
        assert focus is not None
        bound = {n: convert(row[n]) for n in shown}
        this, path, value = bound.get("this"), bound.get("path"), bound.get("value")
        if this is None and path is None and value is None:
            continue
        extra = [convert(row[n]) for n in others]
        identity = (focus, this, path, value, *extra)
        if identity in seen:
            continue
        seen.add(identity)
        if value is None and not shape.is_property_shape:
            value = focus
        variables = dict(zip(others, extra, strict=True))
        variables.update(this=this, path=path, value=value)
        yield ValidationResult(
            focus=focus, path=path if path is not None else shape.path_node, value=value,
            source_shape=shape.node, component=constraint.component, severity=shape.severity,
            messages=substitute(variables),
        )


class _Converter:
    """pyoxigraph -> rdflib term conversion with a per-query cache (IRIs repeat a lot)."""

    def __init__(self) -> None:
        self.cache: dict[object, Node] = {}

    def __call__(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
        if term is None:
            return None
        found = self.cache.get(term)
        if found is None:
            found = self.cache[term] = to_rdflib(term)
        return found


class _Substitution:
    """Message templates with ``{?name}`` / ``{$name}`` replaced, as pySHACL does.

    pySHACL substitutes only variables the query projects: ``{$this}`` stays as written when
    ``$this`` is not in the SELECT clause. Unlike pySHACL, replacement text is inserted
    literally (pySHACL hands it to ``re.sub`` as a template, so a backslash would be read as
    an escape). Language tags are kept, where pySHACL drops them from substituted messages.
    """

    def __init__(self, templates: list[Literal], names: list[str]) -> None:
        self.templates = templates
        self.fixed = tuple(dict.fromkeys(templates)) if not any(
            "{" in str(t) for t in templates) else None
        self.patterns = {n: re.compile(r"\{[?$]" + re.escape(n) + r"\}") for n in names}

    def __call__(self, variables: dict[str, Node | None]) -> tuple[Literal, ...]:
        if self.fixed is not None:
            return self.fixed
        out = []
        for template in self.templates:
            text = str(template)
            for name, term in variables.items():
                if term is not None and "{" in text:
                    replacement = str(term).replace("\\", "\\\\")
                    text = self.patterns[name].sub(replacement, text)
            out.append(Literal(text, lang=template.language))
        return tuple(dict.fromkeys(out))
