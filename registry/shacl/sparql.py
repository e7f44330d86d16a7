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
``$currentShape``, ``$shapesGraph``, ``?failure``, re-binding ``$this`` with ``AS``, and nested
SELECTs that do not project ``$this``.

The query is split with a small tokenizer that knows strings, IRIs, comments and variables,
so keywords inside literals or IRIs are never mistaken for structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib.term import Node

from registry.shacl.errors import InvalidShapeError, UnsupportedShapeError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:[\w.:%-]*)
  | (?P<word>[^\W\d]\w*)
  | (?P<punct>.)
    """,
    re.X | re.S,
)
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
class _Token:
    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.lastgroup or "punct", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


@dataclass(frozen=True)
class _SemiJoin:
    """A top-level ``FILTER [NOT] EXISTS { body }`` at ``where[start:end]``, or
    ``BIND([NOT] EXISTS { body } AS ?variable)`` when ``variable`` is set."""

    start: int
    end: int
    negated: bool
    body: str
    variable: str | None = None
    shared: tuple[str, ...] = ()


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
    semi_joins: tuple[_SemiJoin, ...] = ()

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
                if join.variable is None:
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
            names = {t.text[1:] for t in _tokens(self.group_by) if t.kind == "var"}
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


def _matching(tokens: list[_Token], index: int, open_: str, close: str) -> int:
    depth = 0
    for i in range(index, len(tokens)):
        if tokens[i].text == open_ and tokens[i].kind == "punct":
            depth += 1
        elif tokens[i].text == close and tokens[i].kind == "punct":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {open_}{close}")


def _check_forbidden(tokens: list[_Token], shape: Node) -> None:
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


def _check_nested_selects(tokens: list[_Token], shape: Node) -> None:
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
    tokens = _tokens(text)
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
            i = _matching(tokens, i, "(", ")")
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
    close = _matching(tokens, i, "{", "}")
    where = text[tokens[i].end:tokens[close].start]
    _check_nested_selects(tokens[i + 1:close], shape)
    _check_this_scopes(tokens[i + 1:close], shape)
    semi_joins = _semi_joins(text, tokens, i, close)
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


def _group_by(tokens: list[_Token], i: int, text: str, shape: Node) -> tuple[str | None, int]:
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
            j = _matching(tokens, j, "(", ")")
        j += 1
    end = tokens[j].start if j < len(tokens) else len(text)
    return text[tokens[i + 1].end:end].strip(), end


def _projected(tokens: list[_Token]) -> tuple[str, ...]:
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


def _semi_joins(text: str, tokens: list[_Token], open_: int, close: int
                ) -> tuple[_SemiJoin, ...]:
    """Top-level FILTER/BIND [NOT] EXISTS blocks sharing no variable but $this with the rest."""
    base = tokens[open_].end
    # token indices of FILTER/BIND, of the block's "{" and "}", of the span's end; negated;
    # the BIND variable
    found: list[tuple[int, int, int, int, bool, str | None]] = []
    depth = 0
    i = open_ + 1
    while i < close:
        t = tokens[i]
        if t.kind == "punct" and t.text in "{(":
            depth += 1
        elif t.kind == "punct" and t.text in "})":
            depth -= 1
        elif depth == 0 and t.is_word("FILTER", "BIND"):
            bind = t.is_word("BIND")
            j = i + 1
            if bind:
                if not (j < close and tokens[j].text == "("):
                    i += 1
                    continue
                j += 1
            negated = j < close and tokens[j].is_word("NOT")
            j += 1 if negated else 0
            if j + 1 < close and tokens[j].is_word("EXISTS") and tokens[j + 1].text == "{":
                block_end = _matching(tokens, j + 1, "{", "}")
                variable = None
                end = block_end
                if bind:
                    rest = tokens[block_end + 1:block_end + 4]
                    if not (len(rest) == 3 and rest[0].is_word("AS") and rest[1].kind == "var"
                            and rest[2].text == ")"):
                        i += 1
                        continue
                    variable, end = rest[1].text[1:], block_end + 3
                found.append((i, j + 1, block_end, end, negated, variable))
                i = end
        i += 1
    inside = {k for start, _, block_end, _, _, _ in found for k in range(start, block_end + 1)}
    outside = {t.text[1:] for k, t in enumerate(tokens) if t.kind == "var" and k not in inside}
    bound = _certainly_bound(tokens, open_ + 1, close) | {"this"}
    out = []
    for start, block, block_end, end, negated, variable in found:
        names = {t.text[1:] for t in tokens[block:block_end] if t.kind == "var"}
        shared = names & (outside | {"this"})
        # BIND sees only what precedes it: keep it to blocks sharing nothing but $this
        allowed = {"this"} if variable is not None else bound
        if "this" in names and shared <= allowed and _joinable(tokens, block, block_end, shared):
            out.append(_SemiJoin(tokens[start].start - base, tokens[end].end - base, negated,
                                 text[tokens[block].end:tokens[block_end].start], variable,
                                 tuple(sorted(shared - {"this"}))))
    return tuple(out)


def _check_this_scopes(tokens: list[_Token], shape: Node | None) -> None:
    """Refuse ``$this`` in an expression that a whole-graph query would see unbound.

    Joining the focus nodes first binds ``?this`` for the top-level group, its FILTERs,
    OPTIONAL conditions and EXISTS blocks. A UNION branch, a nested group or subquery and a
    BIND inside OPTIONAL are evaluated on their own, where pre-binding (pySHACL) would still
    see the focus node; such uses are refused rather than answered differently.
    """
    groups: list[str] = []
    parens: list[bool] = []  # per open parenthesis: inside a FILTER expression
    previous: _Token | None = None
    for t in tokens:
        if t.kind == "punct" and t.text == "{":
            if previous is not None and previous.is_word("EXISTS"):
                groups.append("exists")
            elif previous is not None and previous.is_word("OPTIONAL"):
                groups.append("optional")
            else:
                groups.append("group")
        elif t.kind == "punct" and t.text == "}" and groups:
            groups.pop()
        elif t.kind == "punct" and t.text == "(":
            parens.append((previous is not None and previous.is_word("FILTER"))
                          or (bool(parens) and parens[-1]))
        elif t.kind == "punct" and t.text == ")" and parens:
            parens.pop()
        elif t.kind == "var" and t.text[1:] == "this" and parens and "exists" not in groups:
            safe = not groups or (groups == ["optional"] and parens[-1])
            if not safe:
                raise UnsupportedShapeError(
                    shape, "$this is used in an expression inside a UNION branch, nested group, "
                    "subquery or OPTIONAL BIND", "Move the FILTER/BIND to the top level of the "
                    "WHERE clause (or inside FILTER EXISTS), where $this is bound.",
                    "sparql-constraints-prebound")
        previous = t


def _joinable(tokens: list[_Token], block: int, block_end: int, shared: set[str]) -> bool:
    """Whether X can be evaluated on its own and joined: ``$this`` only where a top-level
    group binds it (see :func:`_check_this_scopes`), and every other shared variable bound
    by X's own top-level triple patterns and used nowhere deeper in X."""
    try:
        _check_this_scopes(tokens[block + 1:block_end], None)
    except UnsupportedShapeError:
        return False
    shared = shared - {"this"}
    depth_b = depth_p = 0
    in_pattern: set[str] = set()
    for t in tokens[block + 1:block_end]:
        if t.kind == "punct" and t.text in "{}":
            depth_b += 1 if t.text == "{" else -1
        elif t.kind == "punct" and t.text in "()":
            depth_p += 1 if t.text == "(" else -1
        elif t.kind == "var" and t.text[1:] in shared:
            if depth_b > 0:
                return False
            if depth_p == 0:
                in_pattern.add(t.text[1:])
    return shared <= in_pattern


def _certainly_bound(tokens: list[_Token], lo: int, hi: int) -> set[str]:
    """Variables bound in every solution of the group tokens[lo:hi] (conservative).

    Counted: variables of top-level triple patterns, ``BIND(<constant> AS ?v)``, and
    variables bound in every branch of a top-level UNION chain. OPTIONAL, MINUS, EXISTS,
    subqueries and other expressions contribute nothing.
    """
    out: set[str] = set()
    i = lo
    while i < hi:
        t = tokens[i]
        previous = tokens[i - 1] if i > lo else None
        if t.kind == "punct" and t.text == "{":
            end = _matching(tokens, i, "{", "}")
            skipped = previous is not None and previous.is_word(
                "OPTIONAL", "MINUS", "EXISTS", "SERVICE")
            if skipped or (i + 1 < hi and tokens[i + 1].is_word("SELECT")):
                i = end + 1
                continue
            branches = [(i, end)]
            while (end + 2 < hi and tokens[end + 1].is_word("UNION")
                   and tokens[end + 2].text == "{"):
                start = end + 2
                end = _matching(tokens, start, "{", "}")
                branches.append((start, end))
            sets = [_certainly_bound(tokens, a + 1, b) for a, b in branches]
            out |= set.intersection(*sets)
            i = end + 1
            continue
        if t.kind == "punct" and t.text == "(":
            end = _matching(tokens, i, "(", ")")
            inner = tokens[i + 1:end]
            if (previous is not None and previous.is_word("BIND") and len(inner) == 3
                    and inner[0].kind in ("iri", "pname", "string") and inner[1].is_word("AS")
                    and inner[2].kind == "var"):
                out.add(inner[2].text[1:])
            i = end + 1
            continue
        if t.kind == "var":
            out.add(t.text[1:])
        i += 1
    return out
