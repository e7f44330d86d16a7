"""Correlated ``EXISTS`` blocks, evaluated once for all rows instead of once per row.

:mod:`registry.shacl.decorrelate` and :mod:`registry.shacl.antijoins` turn the EXISTS blocks
that share only ``$this`` (and variables they bind themselves) with the rest of the query into
joins. The blocks left compare with the row: ``FILTER NOT EXISTS { $this
cityreg:hasOversightDocument ?d . ?d a cityreg:CouncilApproval ; cityreg:approvalDate ?on .
FILTER (?on <= ?start) }`` reads ``?start``, which an earlier OPTIONAL bound. Oxigraph 0.5
evaluates such a block once per row and plans it as if nothing were bound, so the block above
started from every council approval in the graph for every surveillance technology: 2.0 s at
500k statements, 19 s at 1.5M (quadratic).

A block ``B`` whose variables shared with its group are ``v1 .. vk`` only asks, for each row,
whether ``B`` has a solution compatible with the row's values of ``v1 .. vk``. So the group's
distinct values of ``v1 .. vk`` (its *key set*) are computed once, joined with ``B`` once, and
the keys for which ``B`` holds are looked up by a left join::

    BIND(COALESCE(?v1, <urn:cityreg:unbound>) AS ?cityreg_key1_v1) ...
    OPTIONAL { SELECT DISTINCT ?cityreg_key1_v1 ... (true AS ?cityreg_hit1) WHERE {
        { SELECT DISTINCT ?v1 ... (COALESCE(?v1, <urn:cityreg:unbound>) AS ?cityreg_key1_v1)
          WHERE { the group without its FILTERs and MINUS } }
        B } }
    FILTER (!BOUND(?cityreg_hit1))            # was: FILTER NOT EXISTS { B }

The keys stand in for the variables so that a row in which ``v1`` is unbound finds the
answer ``B`` gives with ``v1`` free, and never one that some binding of ``v1`` gave. The key
set may hold more keys than the group's rows (its FILTERs and MINUS are left out, which only
adds keys); every row still finds its own.

A block is rewritten only where both forms mean the same: at the level of a group whose
FILTERs see only the group's own solutions (not an OPTIONAL's or EXISTS block's group), and
when the shared variables occur in ``B`` only at its top level or in EXISTS blocks reached
from there (not in its OPTIONAL, UNION, MINUS or nested groups, which are evaluated on their
own), and never as the target of a BIND.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from registry.shacl.sparqltokens import (
    Token,
    map_blocks,
    map_where,
    matching,
    opaque_block,
    tokenize,
)

UNBOUND = "<urn:cityreg:unbound>"


def keyset_exists(query: str) -> str:
    """``query`` (a SELECT) with its correlated EXISTS blocks evaluated over key sets."""
    return _query(query, itertools.count(1))


def _query(query: str, counter: Iterator[int]) -> str:
    return map_where(query, lambda inner: _group(inner, True, counter))


def _group(inner: str, rewrite_here: bool, counter: Iterator[int]) -> str:
    """A group's nested blocks rewritten, then (where its FILTERs see only its own solutions)
    the group's own level."""
    def rewrite(tokens: list[Token], i: int, body: str) -> str | None:
        if i > 0 and opaque_block(tokens, i):
            return None
        body_tokens = tokenize(body)
        if body_tokens and body_tokens[0].is_word("SELECT"):
            return _query(body, counter)
        optional = i > 0 and tokens[i - 1].is_word("OPTIONAL")
        return _group(body, not optional, counter)

    inner = map_blocks(inner, rewrite)
    return _rewrite_level(inner, counter) if rewrite_here else inner


@dataclass(frozen=True)
class _Element:
    """One element of a group's top level: tokens[first:last + 1]."""

    kind: str  # "filter", "bind", "optional", "minus" or "pattern" (anything else)
    first: int
    last: int


@dataclass(frozen=True)
class _Exists:
    """An ``[NOT] EXISTS { ... }`` in a FILTER's expression: tokens[first:close + 1]."""

    first: int
    open_: int
    close: int
    negated: bool


def _elements(tokens: list[Token]) -> list[_Element]:
    out: list[_Element] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if t.is_word("FILTER") and i + 1 < n:
            j = i + 1
            if tokens[j].is_word("NOT"):
                j += 1
            if tokens[j].is_word("EXISTS") and j + 1 < n and tokens[j + 1].text == "{":
                end = matching(tokens, j + 1, "{", "}")
            elif tokens[j].text == "(":
                end = matching(tokens, j, "(", ")")
            elif j + 1 < n and tokens[j + 1].text == "(":  # FILTER regex(...), FILTER BOUND(...)
                end = matching(tokens, j + 1, "(", ")")
            else:
                end = j
            out.append(_Element("filter", i, end))
            i = end + 1
        elif t.is_word("BIND") and i + 1 < n and tokens[i + 1].text == "(":
            end = matching(tokens, i + 1, "(", ")")
            out.append(_Element("bind", i, end))
            i = end + 1
        elif t.is_word("OPTIONAL", "MINUS") and i + 1 < n and tokens[i + 1].text == "{":
            end = matching(tokens, i + 1, "{", "}")
            out.append(_Element(t.text.lower(), i, end))
            i = end + 1
        else:
            end = _pattern_end(tokens, i)
            out.append(_Element("pattern", i, end))
            i = end + 1
    return out


_STARTS = ("FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES", "GRAPH", "SERVICE")


def _pattern_end(tokens: list[Token], i: int) -> int:
    """The last token of the graph pattern starting at ``i``: a group with the UNION branches
    after it, a VALUES, GRAPH or SERVICE clause, or a run of triple patterns."""
    n = len(tokens)
    t = tokens[i]
    if t.kind == "punct" and t.text == "{":
        end = matching(tokens, i, "{", "}")
        while end + 2 < n and tokens[end + 1].is_word("UNION") and tokens[end + 2].text == "{":
            end = matching(tokens, end + 2, "{", "}")
        return end
    if t.is_word("VALUES", "GRAPH", "SERVICE"):
        k = i + 1
        while k < n and tokens[k].text != "{":
            k = matching(tokens, k, "(", ")") + 1 if tokens[k].text == "(" else k + 1
        return matching(tokens, k, "{", "}")
    k = i
    while k < n and not (tokens[k].kind == "punct" and tokens[k].text == "{") and not (
            tokens[k].kind == "word" and tokens[k].text.upper() in _STARTS):
        if tokens[k].kind == "punct" and tokens[k].text in "([":
            k = matching(tokens, k, tokens[k].text, ")" if tokens[k].text == "(" else "]")
        k += 1
    return max(k - 1, i)


def _exists_in(tokens: list[Token], element: _Element) -> list[_Exists]:
    """The EXISTS blocks of a FILTER's expression (not those nested in another block)."""
    out = []
    i = element.first + 1
    while i <= element.last:
        t = tokens[i]
        if t.is_word("EXISTS") and i + 1 <= element.last and tokens[i + 1].text == "{":
            negated = tokens[i - 1].is_word("NOT")
            close = matching(tokens, i + 1, "{", "}")
            out.append(_Exists(i - 1 if negated else i, i + 1, close, negated))
            i = close + 1
            continue
        i += 1
    return out


def _names(tokens: list[Token], first: int, last: int) -> set[str]:
    """The variables in tokens[first:last + 1] that may be visible there: a subquery shows
    only what it projects (everything, for ``SELECT *``)."""
    out: set[str] = set()
    k = first
    while k <= last:
        t = tokens[k]
        if (t.kind == "punct" and t.text == "{" and k + 1 <= last
                and tokens[k + 1].is_word("SELECT")):
            end = matching(tokens, k, "{", "}")
            head = k + 2
            while head < end and not tokens[head].is_word("WHERE") and tokens[head].text != "{":
                head += 1
            if any(tokens[j].text == "*" for j in range(k + 2, head)):
                out |= _names(tokens, head, end - 1)
            else:
                out |= {u.text[1:] for u in tokens[k + 2:head] if u.kind == "var"}
            k = end + 1
            continue
        if t.kind == "var":
            out.add(t.text[1:])
        k += 1
    return out


def _compares_with_row(tokens: list[Token], block: _Exists, shared: set[str]) -> bool:
    """Whether a variable of the row other than ``$this`` occurs in the block only in its
    top-level expressions (``FILTER (?on <= ?start)``): nothing in the block can anchor its
    evaluation on that value, and Oxigraph runs the block unanchored for every row.

    Blocks whose shared variables all occur in triple patterns are left as written: when few
    rows reach the FILTER (often), running them once per row is cheaper than once over all
    keys (measured on the generated registry: rewriting those made the whole run slower).
    """
    depth_b = depth_p = 0
    in_expression: set[str] = set()
    elsewhere: set[str] = set()
    for k in range(block.open_ + 1, block.close):
        t = tokens[k]
        if t.kind == "punct" and t.text in "{}":
            depth_b += 1 if t.text == "{" else -1
        elif t.kind == "punct" and t.text in "()":
            depth_p += 1 if t.text == "(" else -1
        elif t.kind == "var" and t.text[1:] in shared:
            (in_expression if depth_b == 0 and depth_p > 0 else elsewhere).add(t.text[1:])
    return bool((in_expression - elsewhere) - {"this"})


def _shared_only_at_top(tokens: list[Token], block: _Exists, shared: set[str]) -> bool:
    """Whether the shared variables occur in the block only where the row's values reach
    them in both forms: at its top level, or inside EXISTS blocks reached from there; and
    never as the variable a BIND introduces."""
    stack: list[bool] = []  # per open brace: an EXISTS block
    for k in range(block.open_ + 1, block.close):
        t = tokens[k]
        if t.kind == "punct" and t.text == "{":
            stack.append(tokens[k - 1].is_word("EXISTS"))
        elif t.kind == "punct" and t.text == "}":
            stack.pop()
        elif (t.kind == "var" and t.text[1:] in shared
              and (not all(stack) or tokens[k - 1].is_word("AS"))):
            return False
    return True


def _rewrite_level(inner: str, counter: Iterator[int]) -> str:
    """The correlated EXISTS blocks in the FILTERs of this group's own level, rewritten."""
    tokens = tokenize(inner)
    elements = _elements(tokens)
    filters = [(e, _exists_in(tokens, e)) for e in elements if e.kind == "filter"]
    filters = [(e, found) for e, found in filters if found]
    if not filters:
        return inner
    inside = {k for _, found in filters for b in found for k in range(b.first, b.close + 1)}
    outside = {t.text[1:] for k, t in enumerate(tokens) if t.kind == "var" and k not in inside}
    candidates = [(block, _names(tokens, block.open_, block.close) & outside)
                  for _, found in filters for block in found]
    candidates = [(block, shared) for block, shared in candidates
                  if _compares_with_row(tokens, block, shared)
                  and _shared_only_at_top(tokens, block, shared)]
    if not candidates:
        return inner
    key_group = _key_group(inner, tokens, elements, set().union(*(s for _, s in candidates)))
    replacements: list[tuple[int, int, str]] = []  # (start char, end char, text)
    appended: list[str] = []
    for block, shared in candidates:
        n = next(counter)
        names = sorted(shared)
        keys = {v: f"?cityreg_key{n}_{v}" for v in names}
        hit = f"?cityreg_hit{n}"
        body = inner[tokens[block.open_].end:tokens[block.close].start]
        key_exprs = " ".join(f"?{v} (COALESCE(?{v}, {UNBOUND}) AS {keys[v]})" for v in names)
        appended += [f"BIND(COALESCE(?{v}, {UNBOUND}) AS {keys[v]})" for v in names]
        appended.append(
            f"OPTIONAL {{ SELECT DISTINCT {' '.join(keys.values())} (true AS {hit}) WHERE {{ "
            f"{{ SELECT DISTINCT {key_exprs} WHERE {{ {key_group} }} }} {body} }} }}")
        test = f"(!BOUND({hit}))" if block.negated else f"(BOUND({hit}))"
        replacements.append((tokens[block.first].start, tokens[block.close].end, test))
    for start, end, text in sorted(replacements, reverse=True):
        inner = inner[:start] + text + inner[end:]
    return inner + "\n" + "\n".join(appended) + "\n"


def _key_group(inner: str, tokens: list[Token], elements: list[_Element], keys: set[str]
               ) -> str:
    """A group whose rows hold the keys of every row of this one (and perhaps more keys).

    Left out: what only removes rows (FILTER, MINUS), and every element that shares no
    variable with the keys or with what is kept, other than one bound in every row by an
    element kept: a focus-node subquery (``{ SELECT DISTINCT ?this WHERE ... }``) binds
    ``?this`` in every row, so joins on ``?this`` alone need nothing else. Leaving an element
    out then drops a join or a left join on those variables only, which can add keys, never
    lose one. A BIND is kept when its variable is wanted.
    """
    focus = next((e for e in elements if _binds_focus(tokens, e)), None)
    free = {"this"} if focus is not None else set()
    kept = {id(focus)} if focus is not None else set()
    needed = set(keys) - free
    changed = True
    while changed:
        changed = False
        for e in elements:
            if id(e) in kept or e.kind in ("filter", "minus"):
                continue
            names = _names(tokens, e.first, e.last) - free
            if e.kind == "bind":
                target = tokens[e.last - 1]
                wanted = target.kind == "var" and target.text[1:] in needed
            else:
                wanted = bool(names & needed) or (not free and e.kind == "pattern")
            if wanted:
                kept.add(id(e))
                needed |= names
                changed = True
    parts = []
    for e in elements:
        text = inner[tokens[e.first].start:tokens[e.last].end]
        parts.append(text if id(e) in kept else "{}")
    return " ".join(parts)


def _binds_focus(tokens: list[Token], element: _Element) -> bool:
    """Whether the element is a subquery ``{ SELECT DISTINCT ?this WHERE { ... } }``."""
    head = tokens[element.first:element.first + 5]
    return (element.kind == "pattern" and len(head) == 5 and head[0].text == "{"
            and head[1].is_word("SELECT") and head[2].is_word("DISTINCT")
            and head[3].kind == "var" and head[3].text[1:] == "this" and head[4].is_word("WHERE"))
