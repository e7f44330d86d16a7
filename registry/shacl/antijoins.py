"""``FILTER [NOT] EXISTS`` in nested groups, turned into joins where that is the same query.

:mod:`registry.shacl.decorrelate` rewrites the EXISTS blocks at the top level of a
constraint's query. Those left inside UNION branches and nested groups (many "not disclosed"
shapes have them) still ran once per row, and Oxigraph plans each run as if nothing were
bound: ``FILTER NOT EXISTS { $this dpv:hasContractualClause ?k . ?k a cityreg:SwitchingClause }``
started from every switching clause in the graph, for every contract (1.2 s against 0.06 s
for the MINUS form at 500k statements).

In a group whose solutions all bind ``$this`` through its own triple patterns, a block whose
variables shared with the group are ``$this`` and variables the group certainly binds, all
bound by the block's own triple patterns and used nowhere deeper in it (the test
:func:`~registry.shacl.decorrelate.find_semi_joins` applies at the top level), means the same
as ``MINUS { X }`` (negated) or as a join with ``{ SELECT DISTINCT ?this ... WHERE { X } }``.
Groups whose FILTERs see more than their own solutions are left alone: the group of an
OPTIONAL (its FILTERs are the left join's condition) and anything inside an EXISTS block
(evaluated with the outer row substituted).
"""

from __future__ import annotations

from registry.shacl.decorrelate import _certainly_bound, find_semi_joins
from registry.shacl.sparqltokens import Token, map_blocks, map_where, opaque_block, tokenize


def nested_anti_joins(query: str, target: str = "") -> str:
    """``query`` (a SELECT) with the EXISTS blocks of its nested groups rewritten as joins.

    ``target`` is the group that binds ``?this`` to the focus nodes at the query's top level;
    it is joined into each rewritten block, so that an incremental run evaluates the block
    for its focus nodes only. Restricting the block so is safe because every row of the query
    is joined with ``target`` on ``?this`` in the end.
    """
    return map_where(query, lambda inner: _children(inner, target))


def _children(inner: str, target: str) -> str:
    """Rewrite the nested blocks of a group (the group's own level is decorrelate's, or the
    caller's)."""
    def rewrite(tokens: list[Token], i: int, body: str) -> str | None:
        if i > 0 and opaque_block(tokens, i):
            return None
        optional = i > 0 and tokens[i - 1].is_word("OPTIONAL")
        return _block(body, target, rewrite_here=not optional)

    return map_blocks(inner, rewrite)


def _block(body: str, target: str, rewrite_here: bool) -> str:
    tokens = tokenize(body)
    if tokens and tokens[0].is_word("SELECT"):
        return nested_anti_joins(body, target)
    body = _children(body, target)
    return _rewrite_group(body, target) if rewrite_here else body


def _rewrite_group(inner: str, target: str) -> str:
    """One group's own top-level EXISTS blocks as joins, where ``$this`` is bound."""
    text = "{" + inner + "}"
    tokens = tokenize(text)
    close = len(tokens) - 1
    if "this" not in _certainly_bound(tokens, 1, close):
        return inner
    for join in sorted(find_semi_joins(text, tokens, 0, close), key=lambda j: -j.start):
        if join.optional or join.variable is not None:
            continue
        if join.negated:
            replacement = f"MINUS {{ {target} {join.body} }}"
        else:
            keys = " ".join(["?this", *(f"?{name}" for name in join.shared)])
            replacement = f"{{ SELECT DISTINCT {keys} WHERE {{ {target} {join.body} }} }}"
        inner = inner[:join.start] + replacement + inner[join.end:]
    return inner
