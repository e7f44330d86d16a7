"""Distributing joins over UNION, so that Oxigraph evaluates each branch as one join.

Oxigraph 0.5 joins a group with a UNION by evaluating the UNION once per row of the rest of
the group, with a join order planned as if nothing were bound: a branch such as
``?this dpv:hasContractualClause ?c . ?c a cityreg:AuditClause`` then starts from every audit
clause in the graph, for every contract. That made the compiled queries quadratic (3 s
instead of 0.05 s for one lock-in shape at 500k statements). Written the other way round,

    { P {A} S }  UNION  { P {B} S }          instead of          { P {A} UNION {B} S }

each branch is an ordinary group that Oxigraph evaluates once, with hash joins.

The two are the same query: a group is evaluated left to right (join, left join, minus,
extend), each of which distributes over a bag union on its left (``(X ∪ Y) ⋈ Z = (X ⋈ Z) ∪
(Y ⋈ Z)``, likewise for OPTIONAL, MINUS and BIND, which act row by row), and the group's
FILTERs apply to each row alike. Branch groups keep their braces, so their own FILTERs keep
their scope. Only the first UNION chain of a group is distributed per step, and a group is
left as written once distributing would give more than :data:`MAX_BRANCHES` branches.
"""

from __future__ import annotations

from registry.shacl.sparqltokens import (
    Token,
    map_blocks,
    matching,
    opens_values_data,
    tokenize,
    union_chain,
)

#: A group with more UNION combinations than this is left as written.
MAX_BRANCHES = 16
_BLOCK_KEYWORDS = ("OPTIONAL", "MINUS", "EXISTS", "SERVICE")


def distribute_unions(query: str) -> str:
    """``query`` (a SELECT) with joins against UNION chains distributed over the branches."""
    tokens = tokenize(query)
    where = _where_brace(tokens)
    if where is None:
        return query
    close = matching(tokens, where, "{", "}")
    inner = query[tokens[where].end:tokens[close].start]
    return query[:tokens[where].end] + _group(inner) + query[tokens[close].start:]


def _where_brace(tokens: list[Token]) -> int | None:
    """The index of the ``{`` that opens the query's WHERE clause."""
    for i, token in enumerate(tokens):
        if token.is_word("WHERE") and i + 1 < len(tokens) and tokens[i + 1].text == "{":
            return i + 1
    return next((i for i, t in enumerate(tokens) if t.kind == "punct" and t.text == "{"), None)


def _group(inner: str) -> str:
    """The contents of a group graph pattern, rewritten inside out."""
    inner = _rewrite_children(inner)
    return _distribute(inner, MAX_BRANCHES)


def _rewrite_children(inner: str) -> str:
    """Rewrite every nested block of the group (not VALUES data), keeping the rest as is."""
    return map_blocks(inner, lambda tokens, i, body: (
        None if opens_values_data(tokens, i) else _block(body)))


def _block(body: str) -> str:
    """A nested block: a subquery (its WHERE group is rewritten) or a group."""
    tokens = tokenize(body)
    if tokens and tokens[0].is_word("SELECT"):
        return distribute_unions(body)
    return _group(body)


def _is_plain_group(tokens: list[Token], i: int) -> bool:
    """Whether the ``{`` at ``i`` opens a group that is an element of its group by itself."""
    if i == 0:
        return True
    previous = tokens[i - 1]
    if previous.is_word(*_BLOCK_KEYWORDS) or previous.is_word("UNION"):
        return False
    if i >= 2 and tokens[i - 2].is_word("GRAPH", "SERVICE", "VALUES"):
        return False
    return not opens_values_data(tokens, i)


def _union_chain(tokens: list[Token]) -> tuple[int, list[tuple[int, int]]] | None:
    """The first top-level ``{A} UNION {B} ...``: its first token and its branches' braces."""
    depth = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "punct" and t.text in "({":
            if depth == 0 and t.text == "{" and _is_plain_group(tokens, i):
                branches = union_chain(tokens, i, len(tokens))
                if len(branches) > 1:
                    return i, branches
                i = branches[-1][1] + 1
                continue
            depth += 1
        elif t.kind == "punct" and t.text in ")}":
            depth -= 1
        i += 1
    return None


def _distribute(inner: str, budget: int) -> str:
    tokens = tokenize(inner)
    chain = _union_chain(tokens)
    if chain is None:
        return inner
    first, branches = chain
    head = inner[:tokens[first].start]
    tail = inner[tokens[branches[-1][1]].end:]
    if not (head.strip() or tail.strip()) or len(branches) > budget:
        return inner
    if not (_cheap_to_repeat(head) and _cheap_to_repeat(tail)):
        return inner
    per_branch = budget // len(branches)
    around = _outer_variables(head) | _outer_variables(tail)
    parts = []
    for start, end in branches:
        branch = inner[tokens[start].start:tokens[end].end]
        body = inner[tokens[start].end:tokens[end].start]
        if _inlinable(body, around):
            branch = body
        parts.append("{ " + _distribute(f"{head}{branch}{tail}", per_branch) + " }")
    return " " + " UNION ".join(parts) + " "


def _inlinable(body: str, around: set[str]) -> bool:
    """Whether a branch's group may lose its braces once the focus nodes are joined in.

    Oxigraph evaluates a nested group on its own, over the whole graph, and its FILTER
    [NOT] EXISTS once per row of that: inlined, the same patterns start from the focus
    nodes. It is the same query when the group is only triple patterns and FILTERs (no
    OPTIONAL, MINUS, BIND or nested group whose scope would change), binds ``?this`` in a
    triple pattern, and shares no other variable with what surrounds it (``around``), so
    its FILTERs see the same bindings either way.
    """
    tokens = tokenize(body)
    depth_p = 0
    binds_this = False
    names: set[str] = set()
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "punct" and t.text == "{":
            if not (i >= 1 and tokens[i - 1].is_word("EXISTS")):
                return False
            for k in range(i, matching(tokens, i, "{", "}")):
                if tokens[k].kind == "var":
                    names.add(tokens[k].text[1:])
            i = matching(tokens, i, "{", "}") + 1
            continue
        if t.is_word("OPTIONAL", "MINUS", "BIND", "VALUES", "SERVICE", "GRAPH", "UNION",
                     "SELECT"):
            return False
        if t.kind == "punct" and t.text in "()":
            depth_p += 1 if t.text == "(" else -1
        elif t.kind == "var":
            names.add(t.text[1:])
            if t.text[1:] == "this" and depth_p == 0:
                binds_this = True
        i += 1
    return binds_this and not (names & around) - {"this"}


def _outer_variables(text: str) -> set[str]:
    """The variables ``text`` binds outside subqueries (whose own variables stay inside)."""
    tokens = tokenize(text)
    names: set[str] = set()
    i = 0
    while i < len(tokens):
        if tokens[i].text == "{" and i + 1 < len(tokens) and tokens[i + 1].is_word("SELECT"):
            i = matching(tokens, i, "{", "}") + 1
            names.add("this")
            continue
        if tokens[i].kind == "var":
            names.add(tokens[i].text[1:])
        i += 1
    return names


def _cheap_to_repeat(text: str) -> bool:
    """Whether ``text`` holds nothing but subquery groups ``{ SELECT ... }`` (the focus
    nodes, in the compiled queries) and BINDs: elements worth repeating in every branch.

    Distributing a group with triple patterns or OPTIONALs around its UNION would evaluate
    them once per branch, which measured slower than the join it replaces."""
    tokens = tokenize(text)
    i = 0
    while i < len(tokens):
        if tokens[i].text == "{" and i + 1 < len(tokens) and tokens[i + 1].is_word("SELECT"):
            i = matching(tokens, i, "{", "}") + 1
        elif tokens[i].is_word("BIND") and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            i = matching(tokens, i + 1, "(", ")") + 1
        else:
            return False
    return True
