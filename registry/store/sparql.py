"""SPARQL text helpers: default prefixes, telling queries from updates, readable errors.

pyoxigraph already refuses an update sent to ``Store.query`` (and a query sent to
``Store.update``) with a terse syntax error. The helpers here only recognise which form a text
has so that the error can say "this is an update, use Registry.update()" instead of
"expected CONSTRUCT".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from registry.errors import QueryError
from registry.namespaces import PREFIXES

#: Prefixes every query may use without declaring them; also used for Turtle export. They are
#: the project's reading prefixes (registry.namespaces.PREFIXES), so queries, exports and the
#: shapes all spell cityreg:, dpv:, dcat:, ... the same way.
DEFAULT_PREFIXES: dict[str, str] = dict(PREFIXES)


def prefixes_used(iris: Iterable[str]) -> dict[str, str]:
    """The DEFAULT_PREFIXES whose namespace starts one of ``iris``, for tidy Turtle headers."""
    namespaces = set(DEFAULT_PREFIXES.values())
    used = set()
    for iri in iris:
        for namespace in namespaces:
            if iri.startswith(namespace):
                used.add(namespace)
        if len(used) == len(namespaces):
            break
    return {name: iri for name, iri in DEFAULT_PREFIXES.items() if iri in used}


QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

# IRIs, strings and comments can contain anything, keywords included: blank them out first.
_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_KEYWORD = re.compile(
    r"(?<![\w:?$])(" + "|".join(sorted(QUERY_FORMS | UPDATE_FORMS | {"SERVICE"})) + r")(?![\w:-])",
    re.IGNORECASE,
)
_PREFIX_DECL = re.compile(r"(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_PREFIXED_NAME = re.compile(r"(?<![\w:?$.-])([A-Za-z][\w-]*)?:(?=[\w%])")
_OXIGRAPH_LOCATION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def _strip_noise(text: str) -> str:
    return _NOISE.sub(lambda match: " " * len(match.group()), text)


def sparql_form(text: str) -> str | None:
    """``SELECT``, ``INSERT``, ... : the first query or update keyword, upper case."""
    for match in _KEYWORD.finditer(_strip_noise(text)):
        keyword = match.group(1).upper()
        if keyword != "SERVICE":
            return keyword
    return None


def uses_service(text: str) -> bool:
    """Whether the text contains a federated ``SERVICE`` clause."""
    return any(m.group(1).upper() == "SERVICE" for m in _KEYWORD.finditer(_strip_noise(text)))


def undeclared_prefixes(text: str) -> list[str]:
    """Prefixes used in prefixed names but neither declared nor among DEFAULT_PREFIXES."""
    clean = _strip_noise(text)
    declared = {match.group(1) or "" for match in _PREFIX_DECL.finditer(clean)}
    used = {match.group(1) or "" for match in _PREFIXED_NAME.finditer(clean)}
    return sorted(used - declared - set(DEFAULT_PREFIXES))


def refuse_service(text: str) -> None:
    """Federated queries make the registry fetch arbitrary URLs: refuse them."""
    if uses_service(text):
        raise QueryError(
            "the query uses SERVICE, which would make the registry send requests to other "
            "servers: expected a query over the registry's own data; remove the SERVICE clause "
            "and load the other data with `cityreg load` instead"
        )


def syntax_error(error: SyntaxError, text: str, expected: str) -> QueryError:
    """Turn pyoxigraph's ``error at LINE:COL: ...`` into a QueryError with an excerpt.

    ``expected`` is ``"query"`` or ``"update"``: what the caller wanted the text to be.
    """
    form = sparql_form(text)
    if expected == "query" and form in UPDATE_FORMS:
        return QueryError(
            f"this is a SPARQL update ({form}), but a read-only query was expected "
            "(SELECT, ASK, CONSTRUCT or DESCRIBE); use Registry.update() to change data"
        )
    if expected == "update" and form in QUERY_FORMS:
        return QueryError(
            f"this is a SPARQL query ({form}), but an update was expected; use "
            "Registry.select(), ask() or construct() to read data"
        )
    raw = str(error.args[0]) if error.args else str(error)
    match = _OXIGRAPH_LOCATION.match(raw)
    if match is None:
        return QueryError(raw)
    line, column, problem = int(match.group(1)), int(match.group(2)), match.group(3)
    missing = undeclared_prefixes(text)
    if missing:
        names = ", ".join(f"{name}:" for name in missing)
        problem += f"; the prefix {names} is not declared: add `PREFIX {missing[0]}: <...>`"
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        problem += f"\n    {lines[line - 1]}\n    {' ' * (column - 1)}^"
    return QueryError(problem, line, column)
