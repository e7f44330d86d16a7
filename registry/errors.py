"""The errors cityreg raises on purpose.

Our exception hierarchy:

* CityregError               anything cityreg reports to a user; the CLI prints it, exit 2
  x InputError               the user gave us something we cannot use
    + ParseError             an RDF file is malformed: ``path:line:col: message``
    + UnknownFormatError     a file extension or format name we do not know
  x QueryError               a SPARQL query or update is malformed or of the wrong kind
  x StoreError               the store cannot be opened, created or locked
    + StoreLocked            another process holds the store (a load: try again after it)
  x ShapesError              the SHACL shapes themselves are broken
  x NotFoundError            an IRI or label is not in the registry
  x NotReady                 a server's first start is still computing what was asked for

Every message names the offending value, what was expected instead, and how to fix it, so that
the CLI can print ``Error: <message>`` and nothing else. Anything that is *not* a
``CityregError`` is a bug in cityreg, and the CLI says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "CityregError",
    "InputError",
    "NotFoundError",
    "NotReady",
    "ParseError",
    "QueryError",
    "ShapesError",
    "StoreError",
    "StoreLocked",
    "UnknownFormatError",
]


class CityregError(Exception):
    """Base class: an error a user can act on, with a message that says how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(CityregError):
    """Bad user input: a missing path, an empty folder, conflicting options."""


class ParseError(InputError):
    """An RDF file could not be parsed.

    ``str(error)`` is ``path:line:col: message`` as compilers print it, so that editors and
    terminals can jump to the spot. ``line`` and ``column`` are 1-based and ``None`` when the
    parser did not say where (RDF/XML errors often do not).
    """

    def __init__(
        self,
        file: str | Path,
        line: int | None,
        column: int | None,
        message: str,
        expected: str,
        fix: str = "fix the file and load it again",
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.problem = message
        self.expected = expected
        self.fix = fix
        location = self.file
        if line is not None:
            location += f":{line}"
            if column is not None:
                location += f":{column}"
        super().__init__(f"{location}: {message} (expected {expected}; {fix})")


class UnknownFormatError(InputError):
    """A file extension or format name that cityreg cannot read or write."""

    def __init__(self, value: str, kind: str, choices: Sequence[str], fix: str) -> None:
        self.value = value
        self.kind = kind
        self.choices = tuple(choices)
        super().__init__(
            f"unknown {kind} {value!r}: expected one of {', '.join(self.choices)}; {fix}"
        )


class QueryError(CityregError):
    """A SPARQL query that is malformed, or an update sent where a query was expected.

    ``line`` and ``column`` are 1-based positions in the query text when known.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.line = line
        self.column = column
        self.problem = message
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"SPARQL error{where}: {message}")


class StoreError(CityregError):
    """The store cannot be opened, created or locked."""

    def __init__(self, path: str | Path | None, problem: str, fix: str) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        self.fix = fix
        subject = "the in-memory store" if path is None else f"the store at {self.path}"
        super().__init__(f"cannot use {subject}: {problem}; {fix}")


class StoreLocked(StoreError):
    """Another process holds the store's lock (a load or import still writing)."""


class ShapesError(CityregError):
    """The SHACL shapes are broken (syntax, a missing rule id, an unknown target)."""


class NotFoundError(CityregError):
    """An IRI or label that the registry does not contain."""

    def __init__(self, kind: str, value: str, fix: str) -> None:
        self.kind = kind
        self.value = value
        super().__init__(f"no {kind} {shown(value)} in the registry; {fix}")


def shown(value: str, limit: int = 200) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters: an error about a 1 MB
    argument must not send the megabyte back."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value):,} characters)"


class NotReady(CityregError):
    """What was asked for is still being computed by a server's first start (its legal
    findings, its vendor concentration): never answered as empty. ``retry_after``: seconds
    to wait before asking again (the HTTP ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after
