"""Writing a findings file (read by :mod:`registry.stored.findingsdb`) as a run goes.

A server's first start validates the whole registry. Held until the run was over, its findings
and their evidence were what its memory grew with: about 70 MB per 351k statements, 48 MB of it
evidence. :class:`FindingsWriter` takes them a query's findings at a time
(:func:`registry.validate.finding_parts`) and writes each part into the file at once; the
evidence the run collects goes there too (:class:`SpilledEvidence`), so that the run holds only
what it needs to not read a fact twice (which entities, terms and sources it has read).

The findings come unsorted and may repeat; :meth:`FindingsWriter.finish` puts them in report
order in SQLite (the order :func:`registry.findings.sort_findings` gives, ties kept in the
order they came, exact duplicates dropped), indexes the file and renames it into place.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

from registry.evidence import Evidence, EvidenceRows, SourceRef
from registry.findings import Finding
from registry.jurisdiction import Standing
from registry.stored.key import ValidationKey

#: Changed whenever the tables change: a file of another format is not read.
FORMAT = "cityreg-findings-2"

COLUMNS = ("rule_id", "severity", "kind", "focus", "focus_label", "path", "value", "message",
           "legal_source", "legal_source_label", "resolution", "shape", "component",
           "value_term", "standing", "rule_severity", "place", "law", "legal_source_url")
#: The parts of the report order before the columns it shares with them (Finding.sort_key).
_RANKS = ("benchmark", "severity_rank", "rule_rank", "kind_rank")
#: A subject whose sources were looked up and which has none has one ``source`` row of NULL.
SCHEMA = f"""
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE finding (position INTEGER PRIMARY KEY, {", ".join(f"{c} TEXT" for c in COLUMNS)});
CREATE TABLE fact (entity TEXT NOT NULL, subject TEXT NOT NULL, predicate TEXT NOT NULL,
                   object TEXT NOT NULL, is_iri INTEGER NOT NULL);
CREATE INDEX fact_entity ON fact (entity);
CREATE TABLE label (term TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE source (subject TEXT NOT NULL, source TEXT);
CREATE INDEX source_subject ON source (subject);
CREATE TABLE source_ref (iri TEXT PRIMARY KEY, label TEXT NOT NULL, url TEXT NOT NULL);
"""
_PENDING = f"""
CREATE TABLE scratch.pending ({", ".join(f"{c} TEXT" for c in COLUMNS)},
    {", ".join(f"{r} INTEGER" for r in _RANKS)}, sort_message TEXT);
"""
_INDEXES = """
CREATE INDEX finding_focus ON finding (focus, position);
CREATE INDEX finding_rule ON finding (rule_id, position);
"""


def key_text(key: ValidationKey) -> str:
    """``key`` as the file's ``meta`` table names it."""
    fields = asdict(key)
    fields["as_of"] = key.as_of.isoformat()
    fields["graphs"] = dict(sorted(key.graphs.items()))
    return json.dumps(fields, sort_keys=True)


class FindingsWriter:
    """A findings file being written: :meth:`add` findings as they come, collect their
    evidence into :attr:`evidence`, then :meth:`finish` (or leave the ``with`` block, which
    discards an unfinished file: the file at ``path`` is replaced only by a whole one)."""

    def __init__(self, path: Path, key: ValidationKey,
                 shape_properties: Mapping[str, frozenset[str]], *,
                 evidence: bool = True) -> None:
        self.path = path
        self.staging = path.with_name(f".{path.name}-{os.getpid()}-{threading.get_ident()}")
        self.staging.unlink(missing_ok=True)
        self._connection = sqlite3.connect(self.staging)
        try:
            # The unsorted findings wait in a temporary database of their own (deleted when
            # the connection closes), so the file is not left with their free pages.
            self._connection.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; ATTACH '' AS scratch;"
                + SCHEMA + _PENDING)
            self._connection.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", FORMAT), ("key", key_text(key)),
                ("evidence", "yes" if evidence else "no")])
        except BaseException:
            self.discard()
            raise
        #: where the run collects the evidence of the findings (None: it collects none)
        self.evidence = SpilledEvidence(self._connection, shape_properties) if evidence \
            else None
        self.finished = False

    def add(self, findings: Iterable[Finding]) -> None:
        """Write ``findings`` (in any order, repeats allowed) into the file."""
        marks = ", ".join("?" * (len(COLUMNS) + len(_RANKS) + 1))
        self._connection.executemany(f"INSERT INTO scratch.pending VALUES ({marks})",
                                     (_pending(f) for f in findings))

    def add_evidence(self, evidence: Evidence) -> None:
        """Write the whole of ``evidence`` (collected elsewhere) into the file's evidence."""
        rows = evidence.walk()
        self._connection.executemany("INSERT INTO fact VALUES (?, ?, ?, ?, ?)", (
            (s, s, p, o, int(is_iri)) for s, p, o, is_iri in rows.facts))
        self._connection.executemany("INSERT INTO label VALUES (?, ?)", rows.labels)
        self._connection.executemany("INSERT INTO source VALUES (?, ?)", (
            (subject, source) for subject, sources in rows.sources
            for source in (sources or (None,))))
        self._connection.executemany("INSERT INTO source_ref VALUES (?, ?, ?)", (
            (ref.iri, ref.label, ref.url) for ref in rows.source_refs))

    def finish(self) -> None:
        """Put the findings in report order, index them and move the file to :attr:`path`."""
        columns = ", ".join(COLUMNS)
        order = ", ".join([*_RANKS, "rule_id", "focus", "path", "value", "sort_message",
                           "first"])
        self._connection.execute(
            f"INSERT INTO finding SELECT row_number() OVER (ORDER BY {order}) - 1, {columns} "
            f"FROM (SELECT {columns}, {', '.join(f'MIN({r}) AS {r}' for r in _RANKS)}, "
            "MIN(sort_message) AS sort_message, MIN(rowid) AS first "
            f"FROM scratch.pending GROUP BY {columns})")
        self._connection.executescript(_INDEXES)
        self._connection.commit()
        self._connection.close()
        os.replace(self.staging, self.path)
        self.finished = True

    def discard(self) -> None:
        """Close and delete an unfinished file (nothing at :attr:`path` is touched)."""
        self._connection.close()
        self.staging.unlink(missing_ok=True)

    def __enter__(self) -> FindingsWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self.finished:
            self.discard()


def write(path: Path, key: ValidationKey, findings: Iterable[Finding],
          evidence: Evidence | None) -> None:
    """Write ``findings`` and their ``evidence`` (held in memory) for ``key`` to ``path``,
    replacing what was there in one rename."""
    with FindingsWriter(path, key, {}, evidence=evidence is not None) as writer:
        writer.add(findings)
        if evidence is not None:
            writer.add_evidence(evidence)
        writer.finish()


def _pending(finding: Finding) -> tuple[Any, ...]:
    term = finding.value_term
    return (finding.rule_id, str(finding.severity), str(finding.kind), finding.focus,
            finding.focus_label, finding.path, finding.value, finding.raw_message,
            finding.legal_source, finding.legal_source_label, finding.resolution, finding.shape,
            finding.component, None if term is None else term.n3(), str(finding.standing),
            str(finding.rule_severity), finding.where, finding.law, finding.legal_source_url,
            int(finding.standing == Standing.BENCHMARK), finding.severity.rank,
            finding.rule_severity.rank, finding.kind.rank, finding.message)


class _Spilled:
    """One of an evidence's mappings whose keys are held and whose values are written into the
    file as they are set (and read back from it, if asked)."""

    def __init__(self, connection: sqlite3.Connection, table: str, key_column: str,
                 rows: Any, read: Any) -> None:
        self._connection = connection
        self._table = table
        self._key_column = key_column
        self._rows = rows
        self._read = read
        self._keys: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def keys(self) -> set[str]:
        return self._keys

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self._keys:  # set again: an entity first read as involved, then as a focus
            self._connection.execute(
                f"DELETE FROM {self._table} WHERE {self._key_column} = ?", (key,))
        self._keys.add(key)
        rows = self._rows(key, value)
        if rows:  # an entity without facts has no row, as in a file written whole
            self._connection.executemany(
                f"INSERT INTO {self._table} VALUES ({', '.join('?' * len(rows[0]))})", rows)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return self._read(self._connection, key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._keys else default


class SpilledEvidence(Evidence):
    """Evidence collected into a findings file being written: each entity's facts, each
    label and source go to its tables as they are read; only their keys stay in memory."""

    def __init__(self, connection: sqlite3.Connection,
                 shape_properties: Mapping[str, frozenset[str]]) -> None:
        super().__init__(shape_properties)
        self.triples = _Spilled(  # type: ignore[assignment]
            connection, "fact", "entity",
            lambda entity, triples: [(entity, s, p, o, int(iri)) for s, p, o, iri in triples],
            _read_facts)
        self.labels = _Spilled(  # type: ignore[assignment]
            connection, "label", "term", lambda term, label: [(term, label)],
            lambda c, term: c.execute("SELECT label FROM label WHERE term = ?",
                                      (term,)).fetchone()[0])
        self.sources = _Spilled(  # type: ignore[assignment]
            connection, "source", "subject",
            lambda subject, sources: [(subject, s) for s in sources] or [(subject, None)],
            lambda c, subject: tuple(sorted(
                s for (s,) in c.execute("SELECT source FROM source WHERE subject = ?",
                                        (subject,)) if s is not None)))
        self.source_refs = _Spilled(  # type: ignore[assignment]
            connection, "source_ref", "iri",
            lambda iri, ref: [(ref.iri, ref.label, ref.url)],
            lambda c, iri: SourceRef(iri, *c.execute(
                "SELECT label, url FROM source_ref WHERE iri = ?", (iri,)).fetchone()))

    def walk(self) -> EvidenceRows:
        raise TypeError("the evidence of a findings file being written is read from the file "
                        "once it is finished (registry.stored.findingsdb)")


def _read_facts(connection: sqlite3.Connection, entity: str
                ) -> tuple[tuple[str, str, str, bool], ...]:
    return tuple(sorted((s, p, o, bool(iri)) for s, p, o, iri in connection.execute(
        "SELECT subject, predicate, object, is_iri FROM fact WHERE entity = ?",
        (entity,))))
