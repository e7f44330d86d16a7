"""Turning EXISTS blocks of a constraint's query into joins, where that gives the same answers.

Oxigraph 0.5 evaluates a ``FILTER EXISTS`` block once per row, and a property path with
``*`` or ``?`` whose end is bound only at run time is then evaluated over the whole graph each
time (oxigraph issue #1894): a query that pySHACL runs per focus node becomes quadratic. A
top-level ``FILTER [NOT] EXISTS { X }`` (or ``BIND([NOT] EXISTS { X } AS ?v)``) whose shared
variables are ``$this`` and variables bound in every solution, all bound by X's own triple
patterns, means the same as a join (a ``MINUS``) with ``{ SELECT DISTINCT ?this ... WHERE {
targets X } }``, which Oxigraph evaluates once. Likewise a top-level ``OPTIONAL { X }`` in which
X binds ``$this`` itself becomes ``OPTIONAL { { SELECT * WHERE { targets X } } }``.

Blocks that hold a subquery, or use ``$this`` or shared variables where evaluating them on
their own would leave them unbound, are left as written. Only the top level of the query is
rewritten: EXISTS inside UNION branches or nested groups still runs per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.shacl.errors import UnsupportedShapeError
from registry.shacl.sparqltokens import Token, check_this_scopes, matching, union_chain


@dataclass(frozen=True)
class SemiJoin:
    """A top-level ``FILTER [NOT] EXISTS { body }`` at ``where[start:end]``, or
    ``BIND([NOT] EXISTS { body } AS ?variable)`` when ``variable`` is set."""

    start: int
    end: int
    negated: bool
    body: str
    variable: str | None = None
    shared: tuple[str, ...] = ()
    optional: bool = False


def find_semi_joins(text: str, tokens: list[Token], open_: int, close: int
                ) -> tuple[SemiJoin, ...]:
    """Top-level FILTER/BIND [NOT] EXISTS blocks sharing no variable but $this with the rest."""
    base = tokens[open_].end
    # token indices of FILTER/BIND/OPTIONAL, of the block's "{" and "}", of the span's end;
    # negated; the BIND variable; whether it is an OPTIONAL
    found: list[tuple[int, int, int, int, bool, str | None, bool]] = []
    depth = 0
    i = open_ + 1
    while i < close:
        t = tokens[i]
        if t.kind == "punct" and t.text in "{(":
            depth += 1
        elif t.kind == "punct" and t.text in "})":
            depth -= 1
        elif depth == 0 and t.is_word("OPTIONAL") and i + 1 < close and tokens[i + 1].text == "{":
            block_end = matching(tokens, i + 1, "{", "}")
            found.append((i, i + 1, block_end, block_end, False, None, True))
            i = block_end
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
                block_end = matching(tokens, j + 1, "{", "}")
                variable = None
                end = block_end
                if bind:
                    rest = tokens[block_end + 1:block_end + 4]
                    if not (len(rest) == 3 and rest[0].is_word("AS") and rest[1].kind == "var"
                            and rest[2].text == ")"):
                        i += 1
                        continue
                    variable, end = rest[1].text[1:], block_end + 3
                found.append((i, j + 1, block_end, end, negated, variable, False))
                i = end
        i += 1
    inside = {k for start, _, block_end, *_ in found for k in range(start, block_end + 1)}
    outside = {t.text[1:] for k, t in enumerate(tokens) if t.kind == "var" and k not in inside}
    bound = _certainly_bound(tokens, open_ + 1, close) | {"this"}
    out = []
    for start, block, block_end, end, negated, variable, optional in found:
        if tokens[block + 1].is_word("SELECT"):  # a subquery: left as written
            continue
        names = {t.text[1:] for t in tokens[block:block_end] if t.kind == "var"}
        if optional:
            if _optional_joinable(tokens, open_, close, block, block_end, names):
                out.append(SemiJoin(tokens[start].start - base, tokens[end].end - base, False,
                                    text[tokens[block].end:tokens[block_end].start],
                                    optional=True))
            continue
        shared = names & (outside | {"this"})
        # BIND sees only what precedes it: keep it to blocks sharing nothing but $this
        allowed = {"this"} if variable is not None else bound
        if "this" in names and shared <= allowed and _joinable(tokens, block, block_end, shared):
            out.append(SemiJoin(tokens[start].start - base, tokens[end].end - base, negated,
                                 text[tokens[block].end:tokens[block_end].start], variable,
                                 tuple(sorted(shared - {"this"}))))
    return tuple(out)


def _joinable(tokens: list[Token], block: int, block_end: int, shared: set[str]) -> bool:
    """Whether X can be evaluated on its own and joined: ``$this`` only where a top-level
    group binds it (see :func:`~registry.shacl.sparqltokens.check_this_scopes`), and every
    other shared variable bound by X's own top-level triple patterns and used nowhere
    deeper in X."""
    try:
        check_this_scopes(tokens[block + 1:block_end], None)
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


def _certainly_bound(tokens: list[Token], lo: int, hi: int) -> set[str]:
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
            end = matching(tokens, i, "{", "}")
            skipped = previous is not None and previous.is_word(
                "OPTIONAL", "MINUS", "EXISTS", "SERVICE")
            if skipped or (i + 1 < hi and tokens[i + 1].is_word("SELECT")):
                i = end + 1
                continue
            branches = union_chain(tokens, i, hi)
            sets = [_certainly_bound(tokens, a + 1, b) for a, b in branches]
            out |= set.intersection(*sets)
            i = branches[-1][1] + 1
            continue
        if t.kind == "punct" and t.text == "(":
            end = matching(tokens, i, "(", ")")
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


def _binds_this(tokens: list[Token], lo: int, hi: int) -> bool:
    """Whether every solution of the group tokens[lo:hi] binds ``$this`` through a triple
    pattern: one at the group's top level, or one in every branch of a top-level UNION."""
    depth_p = 0
    i = lo
    while i < hi:
        t = tokens[i]
        if t.kind == "punct" and t.text == "{":
            previous = tokens[i - 1] if i > lo else None
            plain = previous is None or not previous.is_word(
                "OPTIONAL", "MINUS", "EXISTS", "SERVICE", "UNION")
            branches = union_chain(tokens, i, hi)
            if (plain and len(branches) > 1 and not tokens[i + 1].is_word("SELECT")
                    and all(_binds_this(tokens, a + 1, b) for a, b in branches)):
                return True
            i = branches[-1][1] + 1
            continue
        if t.kind == "punct" and t.text in "()":
            depth_p += 1 if t.text == "(" else -1
        elif t.kind == "var" and t.text[1:] == "this" and depth_p == 0:
            return True
        i += 1
    return False


def _optional_joinable(tokens: list[Token], open_: int, close: int, block: int, block_end: int,
                       names: set[str]) -> bool:
    """Whether ``OPTIONAL { X }`` equals ``OPTIONAL { { SELECT * WHERE { targets X } } }``.

    X must bind ``$this`` in a top-level triple pattern, or in a top-level triple pattern of
    every branch of a top-level UNION chain (so restricting it to the focus nodes loses no
    compatible row), and every variable that other graph patterns (or BINDs) of the query may
    bind must be bound by X's own triple patterns: X's FILTERs then see the same values on
    their own as in the left join.
    """
    if not _binds_this(tokens, block + 1, block_end):
        return False
    in_patterns: set[str] = set()
    depth_p = 0
    for k in range(open_ + 1, close):
        if block <= k <= block_end:
            continue
        t = tokens[k]
        if t.kind == "punct" and t.text in "()":
            depth_p += 1 if t.text == "(" else -1
        elif t.kind == "var" and (depth_p == 0 or tokens[k - 1].is_word("AS")):
            in_patterns.add(t.text[1:])
    return _joinable(tokens, block, block_end, (names & in_patterns) | {"this"})
