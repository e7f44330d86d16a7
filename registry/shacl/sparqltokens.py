"""A small SPARQL tokenizer, and the check of where ``$this`` may be used.

The tokenizer knows strings, IRIs, comments, variables and prefixed names, so that keywords
inside literals or IRIs are never mistaken for structure. It is all that
:mod:`registry.shacl.sparql` and :mod:`registry.shacl.decorrelate` need to find the parts of
a constraint's query they rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rdflib.term import Node

from registry.shacl.errors import UnsupportedShapeError

TOKEN_PATTERN = re.compile(
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

@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` without whitespace and comments."""
    return [
        Token(m.lastgroup or "punct", m.group(), m.start(), m.end())
        for m in TOKEN_PATTERN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def matching(tokens: list[Token], index: int, open_: str, close: str) -> int:
    depth = 0
    for i in range(index, len(tokens)):
        if tokens[i].text == open_ and tokens[i].kind == "punct":
            depth += 1
        elif tokens[i].text == close and tokens[i].kind == "punct":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {open_}{close}")


def opens_values_data(tokens: list[Token], i: int) -> bool:
    """Whether the ``{`` at ``i`` opens the data block of a VALUES clause (not a group)."""
    if i >= 2 and tokens[i - 2].is_word("VALUES"):
        return True
    if i >= 1 and tokens[i - 1].text == ")":
        depth = 0
        for k in range(i - 1, -1, -1):
            if tokens[k].text == ")":
                depth += 1
            elif tokens[k].text == "(":
                depth -= 1
                if depth == 0:
                    return k >= 1 and tokens[k - 1].is_word("VALUES")
    return False


def map_blocks(text: str, rewrite: Callable[[list[Token], int, str], str | None]) -> str:
    """``text`` with the body of each of its top-level ``{ ... }`` blocks replaced by
    ``rewrite(tokens, index of "{", body)``; a block for which it returns None stays."""
    tokens = tokenize(text)
    out: list[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "punct" and t.text == "{":
            end = matching(tokens, i, "{", "}")
            new = rewrite(tokens, i, text[t.end:tokens[end].start])
            if new is not None:
                out += [text[last:t.end], new]
                last = tokens[end].start
            i = end + 1
            continue
        i += 1
    out.append(text[last:])
    return "".join(out)


def map_where(query: str, rewrite: Callable[[str], str]) -> str:
    """``query`` (a SELECT) with the body of its WHERE group replaced by ``rewrite(body)``;
    a query without one stays as it is."""
    tokens = tokenize(query)
    where = next((i + 1 for i, t in enumerate(tokens) if t.is_word("WHERE")
                  and i + 1 < len(tokens) and tokens[i + 1].text == "{"), None)
    if where is None:
        return query
    close = matching(tokens, where, "{", "}")
    inner = query[tokens[where].end:tokens[close].start]
    return query[:tokens[where].end] + rewrite(inner) + query[tokens[close].start:]


def opaque_block(tokens: list[Token], i: int) -> bool:
    """Whether the ``{`` at ``i`` opens a block the rewrites leave whole: an EXISTS block (the
    outer row is substituted there), a SERVICE block, or VALUES data."""
    previous = tokens[i - 1]
    if previous.is_word("EXISTS", "SERVICE") or (i >= 2 and tokens[i - 2].is_word("SERVICE")):
        return True
    return opens_values_data(tokens, i)


def union_chain(tokens: list[Token], start: int, hi: int) -> list[tuple[int, int]]:
    """The braces of ``{A} UNION {B} ...`` starting with the group at ``start``, before
    ``hi``: one pair per branch (a single pair when no UNION follows)."""
    end = matching(tokens, start, "{", "}")
    branches = [(start, end)]
    while end + 2 < hi and tokens[end + 1].is_word("UNION") and tokens[end + 2].text == "{":
        begin = end + 2
        end = matching(tokens, begin, "{", "}")
        branches.append((begin, end))
    return branches


def check_this_scopes(tokens: list[Token], shape: Node | None) -> None:
    """Refuse ``$this`` in an expression that a whole-graph query would see unbound.

    Joining the focus nodes first binds ``?this`` for the top-level group, its FILTERs,
    OPTIONAL conditions and EXISTS blocks. A UNION branch, a nested group or subquery and a
    BIND inside OPTIONAL are evaluated on their own, where pre-binding (pySHACL) would still
    see the focus node; such uses are refused rather than answered differently.
    """
    groups: list[str] = []
    parens: list[bool] = []  # per open parenthesis: inside a FILTER expression
    previous: Token | None = None
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


