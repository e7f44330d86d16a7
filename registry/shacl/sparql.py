"""Rewriting the SELECT query of an ``sh:sparql`` constraint into one whole-graph query.

pySHACL runs a SPARQL-based constraint once per focus node with ``$this`` pre-bound. The same
answers come from a single query in which the focus nodes are joined in first::

    SELECT <projection> ?this WHERE {
      { SELECT DISTINCT ?this WHERE { <targets> } }   # binds ?this, as pre-binding would
      <the constraint's WHERE body>                  # OPTIONAL, FILTER, NOT EXISTS see ?this
    } GROUP BY ... ?this HAVING ...

Joining the targets as the first element of the constraint's own group is what makes this
equivalent: an OPTIONAL or FILTER NOT EXISTS that mentions ``$this`` is evaluated with
``?this`` already bound, exactly as with pre-binding (a separate subquery joined afterwards
would not be). ``?this`` is added to the projection (the engine needs it to know the focus
node) and to GROUP BY when the query aggregates (pre-binding groups per focus node).

What cannot be made whole-graph, or that pySHACL itself rejects, is refused with
:class:`~registry.shacl.errors.UnsupportedShapeError` when the shapes are loaded: ``LIMIT`` /
``OFFSET`` (per focus node in pySHACL), ``VALUES``, ``MINUS``, ``SERVICE``, ``FROM``,
``$currentShape``, ``$shapesGraph``, ``?failure``, re-binding ``$this`` with ``AS``, nested
SELECTs that do not project ``$this``, and ``$this`` in a FILTER or BIND inside a UNION branch,
nested group, subquery or OPTIONAL BIND (evaluated on its own, where the join has not bound
``?this`` yet; see :func:`~registry.shacl.sparqltokens.check_this_scopes`).

EXISTS blocks that allow it are turned into joins (:mod:`registry.shacl.decorrelate`). The
query is split with the tokenizer of :mod:`registry.shacl.sparqltokens`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib.term import Node

from registry.shacl.decorrelate import SemiJoin, find_semi_joins
from registry.shacl.errors import InvalidShapeError, UnsupportedShapeError
from registry.shacl.sparqltokens import Token, check_this_scopes, matching, tokenize

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_FORBIDDEN_WORDS = {
    "MINUS": "MINUS is not allowed in SPARQL-based constraints",
    "VALUES": "VALUES is not allowed in SPARQL-based constraints",
    "SERVICE": "federated queries (SERVICE) are not allowed in SPARQL-based constraints",
    "FROM": "a dataset clause (FROM) would query other graphs than the data graph",
}
_FORBIDDEN_VARS = {
    "currentShape": "$currentShape is not supported",
    "shapesGraph": "$shapesGraph is not supported (pySHACL does not provide it either)",
    "failure": "?failure (reporting a validation failure) is not supported",
}
_PATH_VAR = re.compile(r"([\s{}()])[$?]PATH")


@dataclass(frozen=True)
class SelectQuery:
    """A constraint's SELECT query, split into the parts the rewrite needs.

    ``projected`` lists the projected variable names (without ``?``) in order; it is empty
    when ``star`` is true. ``aggregated`` is true when the query groups or aggregates.
    """

    text: str
    prologue: str
    modifier: str
    projection: str
    star: bool
    projected: tuple[str, ...]
    where: str
    group_by: str | None
    having_and_order: str
    aggregated: bool
    semi_joins: tuple[SemiJoin, ...] = ()

    def projects(self, name: str) -> bool:
        """Whether a result row of the original query carries variable ``name``."""
        return self.star or name in self.projected

    def rewrite(self, prefixes: str, target: str, semi_joins: bool = True) -> str:
        """The whole-graph query: ``target`` (a group binding ``?this``) joined in first.

        With ``semi_joins``, each top-level ``FILTER [NOT] EXISTS { X }`` whose variables
        shared with the rest of the query are ``$this`` and variables bound in every solution
        (and bound by X's own triple patterns) becomes a join (``MINUS``) with
        ``{ SELECT DISTINCT ?this ... WHERE { target X } }``: the same answers, but Oxigraph 0.5
        evaluates an EXISTS block once per row and, when it holds a ``*`` or ``?`` path with
        an end bound at run time, scans the whole graph each time (oxigraph issue #1894);
        as a join it is evaluated once.
        """
        where = self.where
        if semi_joins:
            for n, join in enumerate(sorted(self.semi_joins, key=lambda j: -j.start)):
                keys = " ".join(["?this", *(f"?{name}" for name in join.shared)])
                if join.optional:  # a left join restricted to the focus nodes first
                    replacement = (f"OPTIONAL {{ {{ SELECT * WHERE {{ {target} "
                                   f"{join.body} }} }} }}")
                elif join.variable is None:
                    inner = f"{{ SELECT DISTINCT {keys} WHERE {{ {target} {join.body} }} }}"
                    replacement = f"MINUS {{ {inner} }}" if join.negated else inner
                else:  # BIND(EXISTS {X} AS ?v): whether the focus node has a match
                    flag = f"?cityreg_exists{n}"
                    replacement = (
                        f"OPTIONAL {{ SELECT DISTINCT ?this (true AS {flag}) WHERE {{ {target} "
                        f"{join.body} }} }} BIND({'!' if join.negated else ''}BOUND({flag}) "
                        f"AS ?{join.variable})")
                where = where[:join.start] + replacement + where[join.end:]
        projection = self.projection if self.projects("this") else f"{self.projection} ?this"
        group = ""
        if self.group_by is not None:
            names = {t.text[1:] for t in tokenize(self.group_by) if t.kind == "var"}
            group = f"GROUP BY {self.group_by}" + ("" if "this" in names else " ?this")
        elif self.aggregated:
            group = "GROUP BY ?this"
        return (
            f"{prefixes}{self.prologue}SELECT {self.modifier}{projection} WHERE {{\n"
            f"{target}\n{where}\n}}\n{group} {self.having_and_order}"
        )


def substitute_path(text: str, path_sparql: str) -> str:
    """Replace ``$PATH`` by the shape's path, as pySHACL does for property shapes."""
    return _PATH_VAR.sub(lambda m: m.group(1) + path_sparql, text)


def has_path_variable(text: str) -> bool:
    """Whether the query mentions ``$PATH``."""
    return _PATH_VAR.search(text) is not None


def _check_forbidden(tokens: list[Token], shape: Node) -> None:
    for i, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() in _FORBIDDEN_WORDS:
            raise UnsupportedShapeError(
                shape, _FORBIDDEN_WORDS[token.text.upper()],
                "Rewrite the query without it; pySHACL refuses it too.", "sparql-constraints",
            )
        if token.kind == "var" and token.text[1:] in _FORBIDDEN_VARS:
            raise UnsupportedShapeError(
                shape, _FORBIDDEN_VARS[token.text[1:]], "Remove it from the query.",
                "sparql-constraints-prebound",
            )
        if token.is_word("AS") and i + 1 < len(tokens) and tokens[i + 1].text[1:] == "this":
            raise InvalidShapeError(
                shape, "the query re-binds $this with AS", "Bind another variable.",
                "sparql-constraints-prebound",
            )


def _check_nested_selects(tokens: list[Token], shape: Node) -> None:
    for i, token in enumerate(tokens):
        if not token.is_word("SELECT"):
            continue
        names: set[str] = set()
        for t in tokens[i + 1:]:
            if t.is_word("WHERE") or t.text == "{":
                break
            if t.text == "*":
                raise UnsupportedShapeError(
                    shape, "a nested SELECT * does not project the pre-bound $this",
                    "List the variables, including $this.", "sparql-constraints-prebound",
                )
            if t.kind == "var":
                names.add(t.text[1:])
        if "this" not in names:
            raise UnsupportedShapeError(
                shape, "a nested SELECT does not project $this",
                "Add $this to its projection so that it joins with the focus node.",
                "sparql-constraints-prebound",
            )


def analyse_select(text: str, shape: Node) -> SelectQuery:
    """Split ``text`` (an sh:select value) or raise if it cannot be run whole-graph."""
    try:
        return _analyse(text, shape)
    except ValueError as exc:
        raise InvalidShapeError(shape, f"sh:select is not a SPARQL SELECT query ({exc})",
                                "Check the query's syntax.", "sparql-constraints") from exc


def _analyse(text: str, shape: Node) -> SelectQuery:
    tokens = tokenize(text)
    _check_forbidden(tokens, shape)
    select = next((i for i, t in enumerate(tokens) if t.is_word("SELECT")), None)
    if select is None or any(t.is_word("ASK", "CONSTRUCT", "DESCRIBE") for t in tokens[:select]):
        raise ValueError("no SELECT")
    i = select + 1
    modifier = ""
    if i < len(tokens) and tokens[i].is_word("DISTINCT", "REDUCED"):
        modifier = tokens[i].text.upper() + " "
        i += 1
    projection_start = i
    while i < len(tokens) and not (tokens[i].is_word("WHERE") or tokens[i].text == "{"):
        if tokens[i].text == "(":
            i = matching(tokens, i, "(", ")")
        i += 1
    if i >= len(tokens):
        raise ValueError("no WHERE clause")
    projection_tokens = tokens[projection_start:i]
    if not projection_tokens:
        raise ValueError("empty projection")
    if tokens[i].is_word("WHERE"):
        i += 1
    if i >= len(tokens) or tokens[i].text != "{":
        raise ValueError("no group after WHERE")
    close = matching(tokens, i, "{", "}")
    where = text[tokens[i].end:tokens[close].start]
    _check_nested_selects(tokens[i + 1:close], shape)
    check_this_scopes(tokens[i + 1:close], shape)
    semi_joins = find_semi_joins(text, tokens, i, close)
    group_by, rest_start = _group_by(tokens, close + 1, text, shape)
    having_and_order = text[rest_start:].strip() if rest_start < len(text) else ""
    star = len(projection_tokens) == 1 and projection_tokens[0].text == "*"
    projected = _projected(projection_tokens)
    aggregated = group_by is not None or any(
        t.is_word(*_AGGREGATES) for t in projection_tokens + tokens[close + 1:]
    )
    return SelectQuery(
        text=text, prologue=text[:tokens[select].start], modifier=modifier,
        projection=text[projection_tokens[0].start:projection_tokens[-1].end], star=star,
        projected=projected, where=where, group_by=group_by,
        having_and_order=having_and_order, aggregated=aggregated, semi_joins=semi_joins,
    )


def _group_by(tokens: list[Token], i: int, text: str, shape: Node) -> tuple[str | None, int]:
    """Read the solution modifiers after the WHERE group; return GROUP BY text and rest."""
    for t in tokens[i:]:
        if t.is_word("LIMIT", "OFFSET"):
            raise UnsupportedShapeError(
                shape, f"{t.text.upper()} applies per focus node in pySHACL",
                "Remove it: a constraint reports every violation.", "sparql-constraints",
            )
    if i >= len(tokens):
        return None, len(text)
    if not tokens[i].is_word("GROUP"):
        return None, tokens[i].start
    if i + 1 >= len(tokens) or not tokens[i + 1].is_word("BY"):
        raise ValueError("GROUP without BY")
    j = i + 2
    while j < len(tokens) and not tokens[j].is_word("HAVING", "ORDER"):
        if tokens[j].text == "(":
            j = matching(tokens, j, "(", ")")
        j += 1
    end = tokens[j].start if j < len(tokens) else len(text)
    return text[tokens[i + 1].end:end].strip(), end


def _projected(tokens: list[Token]) -> tuple[str, ...]:
    names: list[str] = []
    depth = 0
    for i, t in enumerate(tokens):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.kind == "var" and (depth == 0 or (i > 0 and tokens[i - 1].is_word("AS"))):
            names.append(t.text[1:])
    return tuple(names)


