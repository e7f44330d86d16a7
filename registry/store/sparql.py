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


#: The most hex digits a hash part's prefix has (16**6 parts).
MAX_HASH_DIGITS = 6


def hex_prefixes(digits: int) -> list[str]:
    """Every string of ``digits`` lower-case hex digits, in order (one, empty, for none)."""
    return [f"{number:0{digits}x}" for number in range(16 ** digits)] if digits else [""]


def hash_part(variable: str, prefix: str) -> str:
    """A FILTER that keeps one part of a query's rows: those whose ``variable``'s MD5 hash
    (of its text) starts with ``prefix``. The parts of one length split the rows without a
    sort. A value without a hash (unbound, or a blank node, whose text SPARQL leaves
    undefined) counts as all zeros, so it falls in the first part."""
    return (f'FILTER (STRSTARTS(COALESCE(MD5(STR({variable})), "{"0" * MAX_HASH_DIGITS}"), '
            f'"{prefix}"))')


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
_ANY_SERVICE = re.compile("service", re.IGNORECASE)
_OXIGRAPH_LOCATION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def _strip_noise(text: str) -> str:
    return _NOISE.sub(lambda match: " " * len(match.group()), text)


def _form_keyword(clean: str) -> re.Match[str] | None:
    """The first query or update keyword of a text stripped of noise (SERVICE is not one)."""
    return next((match for match in _KEYWORD.finditer(clean)
                 if match.group(1).upper() != "SERVICE"), None)


def sparql_form(text: str) -> str | None:
    """``SELECT``, ``INSERT``, ... : the first query or update keyword, upper case."""
    match = _form_keyword(_strip_noise(text))
    return None if match is None else match.group(1).upper()


def form_group_start(text: str) -> int | None:
    """Where the group pattern of the query's form keyword begins (the index of its ``{``),
    strings, IRIs and comments left out; None without a form keyword."""
    clean = _strip_noise(text)
    match = _form_keyword(clean)
    start = -1 if match is None else clean.find("{", match.end())
    return None if start < 0 else start


def uses_service(text: str) -> bool:
    """Whether the text contains a federated ``SERVICE`` clause (a text without the word is
    answered without the keyword scan: 3 ms for a walk's query of 300 IRIs)."""
    if not _ANY_SERVICE.search(text):
        return False
    return any(m.group(1).upper() == "SERVICE" for m in _KEYWORD.finditer(_strip_noise(text)))


#: The deepest nesting of brackets, parentheses and braces a public query may have: about
#: 10,000 levels overflow the stack of pyoxigraph's parser, which ends its process; real
#: queries stay below 20.
MAX_NESTING = 250


def nesting_depth(text: str) -> int:
    """How deeply ``(``, ``{`` and ``[`` nest in the text (strings, IRIs, comments left out)."""
    depth = deepest = 0
    for char in _strip_noise(text):
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth = max(0, depth - 1)
    return deepest


def federation_check(text: str) -> str | None:
    """A second, strict look for ``SERVICE``, for queries from the public: ``None`` if the
    query cannot make the server send a request, else why it is refused.

    :func:`uses_service` reads the text with regular expressions, which cannot always tell
    ``<`` the operator from ``<`` the start of an IRI: ``FILTER(?a<?b)SERVICE#>`` hides a
    SERVICE clause inside what looks like an IRI. So a text that holds the word anywhere is
    parsed with rdflib's SPARQL grammar and refused if the parse has a SERVICE pattern, or
    if it cannot be parsed (better a refused query than a request sent to an address the
    query chose). Slow only for texts that mention the word.
    """
    if not _ANY_SERVICE.search(text):
        return None
    from pyparsing import ParseException, ParseResults
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    def has_service(node: object) -> bool:
        if isinstance(node, CompValue):
            return node.name == "ServiceGraphPattern" or any(map(has_service, node.values()))
        if isinstance(node, list | tuple | ParseResults):
            return any(map(has_service, node))
        return False

    try:
        tree = parseQuery(text)
    except (ParseException, RecursionError, ValueError) as error:
        return (f"the query mentions SERVICE and cannot be checked ({type(error).__name__}: "
                f"{str(error)[:200]}); a federated query would make the registry send requests "
                "to other servers: rephrase it without the word, or remove the SERVICE clause")
    if has_service(tree):
        return ("the query uses SERVICE, which would make the registry send requests to other "
                "servers: expected a query over the registry's own data; remove the SERVICE "
                "clause and load the other data with `cityreg load` instead")
    return None


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
