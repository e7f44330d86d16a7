"""Rewrites of SPARQL text into forms a given engine evaluates correctly: the same query,
written another way. Each is a pure function of the text, tested on its own
(tests/remote/test_dialect.py) and against the engine.
"""

from __future__ import annotations

import re

from registry.shacl.classclosure import SUBCLASS_PLUS

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


_DOLLAR_VARIABLE = re.compile(r'("(?:[^"\\]|\\.)*"|<[^<>"\s]*>|#[^\n]*)|\$(\w+)')


def dollar_variables_as_question_marks(query: str) -> str:
    """``$this`` as ``?this`` (the same variable in SPARQL). Virtuoso 7 reads some ``$name``
    as a parameter passed from SQL: inside an OPTIONAL it then matches any node, and a
    finding of one contract gets a value of another. Strings, IRIs and comments are kept."""
    return _DOLLAR_VARIABLE.sub(
        lambda match: match.group(1) if match.group(1) is not None else "?" + match.group(2),
        query)


_NAME = r"(?:<[^<>\"\s]+>|[A-Za-z][\w.-]*:[\w.-]+)"
_SAME_TERM_CONSTANT = re.compile(
    r"sameTerm\(\s*(\?\w+)\s*,\s*(" + _NAME + r"|true|false)\s*\)", re.IGNORECASE)


def same_term_constants_as_equality(query: str) -> str:
    """``sameTerm(?x, iri)`` (or ``true``, ``false``) as ``(?x = iri)``: the same test for an
    IRI or a boolean. Virtuoso 7 answers ``sameTerm(?x, a) || sameTerm(?x, b)`` wrongly (it
    keeps one row of the many that match)."""
    return _SAME_TERM_CONSTANT.sub(lambda match: f"({match.group(1)} = {match.group(2)})",
                                   query)


_SUBCLASS_PLUS = re.compile(
    r"(?:rdfs:subClassOf|<http://www\.w3\.org/2000/01/rdf-schema#subClassOf>)\+")


def subclass_plus_as_closure(query: str) -> str:
    """``rdfs:subClassOf+`` as ``<urn:cityreg:subClassOfPlus>``, the closure cityreg keeps
    written on the engine (:class:`registry.remote.engines.Virtuoso`): Virtuoso 7 refuses a
    ``+`` path whose ends are both unbound."""
    return _SUBCLASS_PLUS.sub(f"<{SUBCLASS_PLUS}>", query)
