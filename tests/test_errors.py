"""The exception tree: the drawing in registry/errors.py is the truth, and messages help."""

from __future__ import annotations

import re

import pytest

from registry import errors
from registry.errors import (
    CityregError,
    NotFoundError,
    ParseError,
    QueryError,
    StoreError,
    UnknownFormatError,
)


def drawn_tree() -> dict[str, str | None]:
    """Class name -> parent name, read from the module docstring's drawing."""
    assert errors.__doc__ is not None
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        match = re.match(r"^( *)[*x+] (\w+)", line)
        if match is None:
            continue
        indent, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((indent, name))
    return parents


def test_the_drawing_matches_the_classes() -> None:
    tree = drawn_tree()
    assert set(tree) == set(errors.__all__)
    for name, parent in tree.items():
        cls = getattr(errors, name)
        expected = Exception if parent is None else getattr(errors, parent)
        assert cls.__bases__ == (expected,), name


def test_every_error_is_a_cityreg_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), CityregError)


@pytest.mark.parametrize(
    ("line", "column", "location"),
    [(3, 8, "seed/berlin.ttl:3:8: "), (3, None, "seed/berlin.ttl:3: "),
     (None, None, "seed/berlin.ttl: ")],
)
def test_parse_error_prints_gcc_style(line: int | None, column: int | None, location: str
                                      ) -> None:
    error = ParseError("seed/berlin.ttl", line, column, "the prefix foo: has not been declared",
                       "valid Turtle")
    assert str(error) == (f"{location}the prefix foo: has not been declared (expected valid "
                          "Turtle; fix the file and load it again)")
    assert (error.file, error.line, error.column) == ("seed/berlin.ttl", line, column)


def test_messages_name_the_value_the_expectation_and_the_fix() -> None:
    assert str(UnknownFormatError(".csv", "RDF file extension", [".ttl", ".nt"],
                                  "convert it")) == (
        "unknown RDF file extension '.csv': expected one of .ttl, .nt; convert it")
    assert str(QueryError("expected OPTIONAL", 2, 5)) == (
        "SPARQL error at line 2, column 5: expected OPTIONAL")
    assert str(QueryError("no location")) == "SPARQL error: no location"
    assert str(StoreError("reg", "it is locked", "stop the server")) == (
        "cannot use the store at reg: it is locked; stop the server")
    assert str(StoreError(None, "closed", "reopen")) == (
        "cannot use the in-memory store: closed; reopen")
    assert str(NotFoundError("agency", "Stasi", "check the name")) == (
        "no agency 'Stasi' in the registry; check the name")


def test_a_long_value_is_cut_in_a_message() -> None:
    from registry.errors import NotFoundError

    message = str(NotFoundError("dataset", "x" * 1_000_000, "check the IRI"))
    assert message == (f"no dataset {'x' * 200!r}... (1,000,000 characters) in the registry; "
                       "check the IRI")
    assert str(NotFoundError("dataset", "urn:x:d", "check the IRI")) == (
        "no dataset 'urn:x:d' in the registry; check the IRI")
