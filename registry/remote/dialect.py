"""Rewrites of SPARQL text into forms a given engine evaluates correctly: the same query,
written another way. Each is a pure function of the text, tested on its own
(tests/remote/test_dialect.py) and against the engine.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_XSD = r"(?:xsd:|<http://www\.w3\.org/2001/XMLSchema#)"
_DATE_ARITHMETIC = re.compile(
    r'(\?\w+|"[^"]*"\^\^' + _XSD + r'date>?)\s*([+-])\s*"P(\d+)([YMD])"\^\^' + _XSD
    + r"(?:dayTimeDuration|yearMonthDuration|duration)>?")
_UNITS = {"Y": "year", "M": "month", "D": "day"}


def date_arithmetic_as_dateadd(query: str) -> str:
    """``?end + "P1D"^^xsd:dayTimeDuration`` as ``bif:dateadd("day", 1, ?end)`` (an unbound
    date stays unbound, as in SPARQL, instead of failing the query)."""
    return _DATE_ARITHMETIC.sub(_dateadd, query)


def _dateadd(match: re.Match[str]) -> str:
    date, sign, count, unit = match.groups()
    added = f'bif:dateadd("{_UNITS[unit]}", {"-" if sign == "-" else ""}{count}, {date})'
    return f"IF(BOUND({date}), {added}, {date})" if date.startswith("?") else added


# A constant: an IRI, a prefixed name, or a string literal (with a language tag or datatype).
_CONSTANT = (r'(?:<[^<>"\s]*>|[A-Za-z][\w.-]*:[\w.-]*|"(?:[^"\\]|\\.)*"'
             r'(?:@[A-Za-z-]+|\^\^(?:<[^<>"\s]*>|[A-Za-z][\w.-]*:[\w.-]*))?)')
_BIND = re.compile(r"BIND\s*\(\s*(" + _CONSTANT + r")\s+AS\s+\?(\w+)\s*\)")
_BIND_GROUP = r"\{\s*(?:BIND\s*\(\s*" + _CONSTANT + r"\s+AS\s+\?\w+\s*\)\s*)+\}"
_BIND_UNION = re.compile(_BIND_GROUP + r"(?:\s*UNION\s*" + _BIND_GROUP + r")+")


def bind_unions_as_values(query: str) -> str:
    """``{ BIND (a AS ?x) BIND (b AS ?y) } UNION { BIND (c AS ?x) } ...`` as the table
    ``VALUES (?x ?y) { (a b) (c UNDEF) ... }``: the same solutions. Virtuoso 7 crashes on a
    long chain of such groups whose variables a later ``NOT EXISTS`` uses."""
    return _BIND_UNION.sub(_values, query)


def _values(match: re.Match[str]) -> str:
    before = match.string[:match.start()].rstrip()
    after = match.string[match.end():].lstrip()
    if before.upper().endswith("UNION") or after.upper().startswith("UNION"):
        return match.group(0)  # part of a longer UNION with other kinds of groups: keep it
    rows: list[dict[str, str]] = []
    for group in re.finditer(_BIND_GROUP, match.group(0)):
        rows.append({name: value for value, name in _BIND.findall(group.group(0))})
    names = list(dict.fromkeys(name for row in rows for name in row))
    table = " ".join("(" + " ".join(row.get(name, "UNDEF") for name in names) + ")"
                     for row in rows)
    return f"VALUES ({' '.join('?' + name for name in names)}) {{ {table} }}"


#: ``<PATH_CLOSURE_PREFIX + quote(P)>`` links A to B when ``A P+ B`` holds: a closure that
#: :class:`registry.remote.store.RemoteStore` writes before a query that uses it runs.
PATH_CLOSURE_PREFIX = "urn:cityreg:plus:"
_NAME = r"(?:<[^<>\"\s]+>|[A-Za-z][\w.-]*:[\w.-]+)"
_STAR_STEP = re.compile(r"(" + _NAME + r")\*/")
_PREFIX_LINE = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def star_steps_as_closures(query: str) -> tuple[str, list[str]]:
    """``P*/Y`` as ``(Y|<closure of P>/Y)``, and the IRIs of the predicates P whose closure
    the query now reads. Virtuoso 7 refuses a ``*`` (or ``+``, or ``?``) path in a group where
    neither end is bound by a join it can see; fixed-length steps over the closure are the
    same path. ``Y`` is the next path element: a name, or a bracketed group."""
    prefixes = {(name or ""): iri for name, iri in _PREFIX_LINE.findall(query)}
    needed: list[str] = []
    out: list[str] = []
    position = 0
    for match in _STAR_STEP.finditer(query):
        if match.start() < position:
            continue
        end = _element_end(query, match.end())
        if end is None:
            continue
        iri = _expand(match.group(1), prefixes)
        if iri is None:
            continue
        following = query[match.end():end]
        closure = f"<{PATH_CLOSURE_PREFIX}{quote(iri, safe='')}>"
        out.append(query[position:match.start()])
        out.append(f"({following}|{closure}/{following})")
        position = end
        if iri not in needed:
            needed.append(iri)
    out.append(query[position:])
    return "".join(out), needed


def _rest_of_group(text: str, start: int) -> str:
    """The text from ``start`` to the end of the group (``{ ... }``) that holds it."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth < 0:
                return text[start:index]
    return text[start:]


def _element_end(text: str, start: int) -> int | None:
    """Where the path element that begins at ``start`` ends (a name or a bracketed group)."""
    if start >= len(text):
        return None
    if text[start] == "(":
        depth = 0
        for index in range(start, len(text)):
            if text[index] == "(":
                depth += 1
            elif text[index] == ")":
                depth -= 1
                if depth == 0:
                    return index + 1
        return None
    match = re.compile(_NAME).match(text, start)
    return None if match is None else match.end()


def _expand(name: str, prefixes: dict[str, str]) -> str | None:
    if name.startswith("<"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    base = prefixes.get(prefix)
    return None if base is None else base + local


_OPTIONAL_PAIR = re.compile(
    r"OPTIONAL\s*\{\s*(\??\$?\w+)\s+(" + _NAME + r")\s+\?(\w+)\s*\}\s*"
    r"OPTIONAL\s*\{\s*(\??\$?\w+)\s+(" + _NAME + r")\s+\?(\w+)\s*\}\s*"
    r"FILTER\s*\(\s*!BOUND\(\?(\w+)\)\s*\|\|\s*!BOUND\(\?(\w+)\)\s*\|\|\s*([^\n]*)\)\s*\n")


def optional_pair_filters_as_exists(query: str) -> str:
    """``OPTIONAL { ?a p ?x } OPTIONAL { ?b q ?y } FILTER (!BOUND(?x) || !BOUND(?y) || E)``
    as ``FILTER (NOT EXISTS { ?a p ?x0 } || NOT EXISTS { ?b q ?y0 } || EXISTS { ?a p ?x .
    ?b q ?y . FILTER (E) })``: inside an EXISTS or MINUS block, where only whether a solution
    exists counts (and neither ?x nor ?y is used after), the two say the same. Virtuoso 7
    fails to compile the first where the block also holds a nested NOT EXISTS that uses a
    variable of the block."""
    def union(match: re.Match[str]) -> str:
        first, p, x, second, q, y, bound_x, bound_y, rest = match.groups()
        if {bound_x, bound_y} != {x, y} or rest.count("(") != rest.count(")"):
            return match.group(0)
        after = _rest_of_group(match.string, match.end())
        if re.search(rf"\?({x}|{y})\b", after):
            return match.group(0)  # the block reads them later: the rewrite would lose them
        return (f"FILTER (NOT EXISTS {{ {first} {p} ?{x}_none }}\n"
                f"            || NOT EXISTS {{ {second} {q} ?{y}_none }}\n"
                f"            || EXISTS {{ {first} {p} ?{x} . {second} {q} ?{y} . "
                f"FILTER ({rest}) }})\n")
    return _OPTIONAL_PAIR.sub(union, query)
