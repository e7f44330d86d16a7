"""The findings of a stored report in an SQLite file, read by the question, never all at once.

A server answers about its registry's legal findings on every request: an entity's findings on
its page and in GraphQL, a page of the GraphQL ``findings`` list, the dashboard's counts per
rule. Held as Python objects, the findings grew with the registry: the generated N=10000
registry (3.5M statements) has 665,383 of them, which a server read back whole from the stored
report at every start and kept. Kept in ``findings.sqlite`` beside the stored report (written
in the same rename, :mod:`registry.stored.reportfile`), they are read where asked for: an
entity's by an index on its IRI, a page by position, counts by ``GROUP BY``, the evidence of
one finding by the entities it names. The process holds none of them.

The file is a cache, like the report it sits beside: it names the :class:`ValidationKey` it
was made for, and :func:`open_report` opens it only for that key (else the caller validates
again). It is never the only copy of a finding.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib.term import Node
from rdflib.util import from_n3

from registry.evidence import Evidence, EvidenceRows, SourceRef
from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
from registry.pagedrows import PagedSequence
from registry.sqlitetexts import held_texts
from registry.stored.findingswriter import COLUMNS, FORMAT, key_text
from registry.stored.key import ValidationKey
from registry.validate import FINDING_FILTERS, ValidationReport

if TYPE_CHECKING:
    from registry.validate import LegalSource

#: The file's name in the stored report's folder.
FILE_NAME = "findings.sqlite"
#: Rows read per query when a whole list is walked (``for finding in report.findings``).
_CHUNK = 2000


def open_report(path: Path, key: ValidationKey, *, rule_ids: frozenset[str],
                sources: dict[str, LegalSource],
                shape_properties: Mapping[str, frozenset[str]]) -> StoredValidationReport | None:
    """The report kept in ``path`` if it was made for ``key``; None when there is none, it
    cannot be read, or it is of another key or format (the caller validates again)."""
    if not path.is_file():
        return None
    try:
        database = _Database(path)
    except sqlite3.Error:
        return None
    try:
        meta = dict(database.rows("SELECT name, value FROM meta"))
    except sqlite3.Error:
        database.close()
        return None
    if meta.get("format") != FORMAT or meta.get("key") != key_text(key):
        database.close()
        return None
    facts = StoredEvidence(database, shape_properties) if meta.get("evidence") == "yes" \
        else None
    return StoredValidationReport(StoredFindings(database), key.as_of, rule_ids=rule_ids,
                                  sources=sources, facts=facts)


class _Database:
    """One read-only connection, shared by the server's threads under a lock (each query is
    short: an index lookup or one page)."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                           check_same_thread=False)
        self._lock = threading.Lock()

    def rows(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(query, held_texts(parameters)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._connection.close()


_SELECTED = ", ".join(COLUMNS)


def _finding(row: Sequence[Any]) -> Finding:
    (rule_id, severity, kind, focus, focus_label, path, value, message, legal_source,
     legal_source_label, resolution, shape, component, value_term, standing, rule_severity,
     place, law, legal_source_url) = row
    term = None if value_term is None else from_n3(value_term)
    assert term is None or isinstance(term, Node)
    return Finding(rule_id, Severity(severity), Kind(kind), focus, focus_label, path, value,
                   message, legal_source, legal_source_label, resolution, shape, component,
                   term, standing=Standing(standing), rule_severity=Severity(rule_severity),
                   where=place, law=law, legal_source_url=legal_source_url)


class StoredFindings(PagedSequence[Finding]):
    """The findings of the file in report order, or those matching some filters: a sequence
    whose length is one ``COUNT`` and whose items are read a page at a time."""

    noun = "finding"

    def __init__(self, database: _Database, where: str = "",
                 parameters: tuple[Any, ...] = ()) -> None:
        self._database = database
        self._where = where
        self._parameters = parameters
        self._length: int | None = None

    def select(self, **filters: str | bool | None) -> StoredFindings:
        """The findings matching every filter that is not None: a column of
        :data:`~registry.validate.FINDING_FILTERS` equal to the value, or ``benchmark``
        (True: the benchmarks only; False: the others)."""
        clauses = [self._where] if self._where else []
        parameters = list(self._parameters)
        for name, value in filters.items():
            if value is None:
                continue
            if name == "benchmark":
                clauses.append("standing = ?" if value else "standing <> ?")
                parameters.append(str(Standing.BENCHMARK))
            else:
                if name not in FINDING_FILTERS:
                    raise ValueError(f"no finding filter {name!r}: expected one of "
                                     f"{', '.join(FINDING_FILTERS)} or benchmark")
                clauses.append(f"{name} = ?")
                parameters.append(str(value))
        return StoredFindings(self._database, " AND ".join(clauses), tuple(parameters))

    def count_by(self, column: str) -> dict[str, int]:
        """How many findings have each value of ``column`` (one of
        :data:`~registry.validate.FINDING_FILTERS`, or ``law``), in order of each value's
        first finding."""
        if column not in (*FINDING_FILTERS, "law"):
            raise ValueError(f"cannot count findings by {column!r}: expected one of "
                             f"{', '.join([*FINDING_FILTERS, 'law'])}")
        return {value: count for value, count, _first in self._database.rows(
            f"SELECT {column}, COUNT(*), MIN(position) FROM finding {self._clause()} "
            f"GROUP BY {column} ORDER BY MIN(position)", self._parameters)}

    def _clause(self) -> str:
        return f"WHERE {self._where}" if self._where else ""

    def close(self) -> None:
        """Close the file these findings are read from (and every selection of it)."""
        self._database.close()

    def __len__(self) -> int:
        if self._length is None:
            self._length = int(self._database.rows(
                f"SELECT COUNT(*) FROM finding {self._clause()}", self._parameters)[0][0])
        return self._length

    def _page(self, start: int, count: int) -> list[Finding]:
        return [_finding(row) for row in self._database.rows(
            f"SELECT {_SELECTED} FROM finding {self._clause()} ORDER BY position "
            "LIMIT ? OFFSET ?", (*self._parameters, count, start))]

    def __iter__(self) -> Iterator[Finding]:
        """Every finding, read :data:`_CHUNK` at a time after the last position read."""
        last = -1
        where = f"{self._where} AND position > ?" if self._where else "position > ?"
        while True:
            rows = self._database.rows(
                f"SELECT position, {_SELECTED} FROM finding WHERE {where} ORDER BY position "
                "LIMIT ?", (*self._parameters, last, _CHUNK))
            for row in rows:
                yield _finding(row[1:])
            if len(rows) < _CHUNK:
                return
            last = rows[-1][0]

    def __bool__(self) -> bool:
        return bool(self._database.rows(
            f"SELECT 1 FROM finding {self._clause()} LIMIT 1", self._parameters))


class _Lookup(Mapping[str, Any]):
    """A read-only mapping over one table, each key one indexed query (what
    :meth:`Evidence.of` reads: ``get``)."""

    def __init__(self, database: _Database, query: str, shape: str) -> None:
        self._database = database
        self._query = query
        self._shape = shape

    def __getitem__(self, key: str) -> Any:
        rows = self._database.rows(self._query, (key,))
        if not rows:
            raise KeyError(key)
        if self._shape == "one":
            return rows[0][0]
        if self._shape == "ref":
            return SourceRef(key, rows[0][0], rows[0][1])
        if self._shape == "facts":
            return tuple(sorted((s, p, o, bool(is_iri)) for s, p, o, is_iri in rows))
        return tuple(sorted(row[0] for row in rows if row[0] is not None))

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the stored evidence is read by key, not walked")

    def __len__(self) -> int:
        raise TypeError("the stored evidence is read by key, not counted")


class StoredEvidence(Evidence):
    """The evidence of the file's findings, read per finding (:meth:`Evidence.of`) from it."""

    def __init__(self, database: _Database,
                 shape_properties: Mapping[str, frozenset[str]]) -> None:
        super().__init__(shape_properties)
        self._database = database
        self.triples = _Lookup(database, "SELECT subject, predicate, object, is_iri FROM fact "
                               "WHERE entity = ?", "facts")  # type: ignore[assignment]
        self.labels = _Lookup(database, "SELECT label FROM label WHERE term = ?",
                              "one")  # type: ignore[assignment]
        self.sources = _Lookup(database, "SELECT source FROM source WHERE subject = ?",
                               "many")  # type: ignore[assignment]
        self.source_refs = _Lookup(database, "SELECT label, url FROM source_ref WHERE iri = ?",
                                   "ref")  # type: ignore[assignment]

    def collect(self, registry: Any, entities: Iterable[str]) -> None:
        raise TypeError("stored evidence is read, not collected: validate again to collect")

    def walk(self) -> EvidenceRows:
        """Everything in the file, read :data:`_CHUNK` rows at a time (the stored report is
        written from it)."""
        database = self._database

        def sources() -> Iterator[tuple[str, tuple[str, ...]]]:
            rows = _walked(database, "subject, source", "source")
            for subject, group in groupby(rows, key=itemgetter(0)):
                yield subject, tuple(sorted(s for _, s in group if s is not None))

        return EvidenceRows(
            ((s, p, o, bool(iri)) for s, p, o, iri in
             _walked(database, "subject, predicate, object, is_iri", "fact")),
            iter(_walked(database, "term, label", "label")), sources(),
            (SourceRef(*row) for row in _walked(database, "iri, label, url", "source_ref")))


def _walked(database: _Database, columns: str, table: str) -> Iterator[tuple[Any, ...]]:
    """Every row of ``table``, in the order written, read a chunk at a time."""
    last = 0
    while True:
        rows = database.rows(f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? "
                             "ORDER BY rowid LIMIT ?", (last, _CHUNK))
        for row in rows:
            yield row[1:]
        if len(rows) < _CHUNK:
            return
        last = rows[-1][0]


class StoredValidationReport(ValidationReport):
    """A :class:`ValidationReport` whose findings stay in the file: counts and an entity's
    findings are queries, and walking ``findings`` reads them a page at a time."""

    findings: StoredFindings

    def for_focus(self, iri: str | Node) -> list[Finding]:
        return list(self.findings.select(focus=str(iri)))

    def select(self, **filters: str | bool | None) -> Sequence[Finding]:
        return self.findings.select(**filters)

    def count_by(self, column: str, **filters: str | bool | None) -> dict[str, int]:
        return self.findings.select(**filters).count_by(column)

    def entities(self) -> list[str]:
        return list(self.findings.count_by("focus"))

    def close(self) -> None:
        """Let the file go (the report reads nothing after)."""
        self.findings.close()

