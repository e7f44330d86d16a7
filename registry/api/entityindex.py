"""Every entity's kind, label, city and dates in an SQLite file: the read model's index.

The read model (:mod:`registry.api.readmodel`) answers "the contracts of Rio, by label, page
3", "what is named 'Qlue'" and "what is this IRI" for every GraphQL request. It indexed every
entity as Python objects, which grew with the registry: about 70 MB at 351k statements, and at
national scale, on an engine that holds the registry itself (``--store oxigraph+http://...``),
more than the rest of the server. The index is now an SQLite file, made once from the same
three bulk queries (the class hierarchy, every type, every label) plus the links that place a
contract, agreement or data flow in a city, each streamed into a table: neither the build nor
a question holds every entity in the process. A list is read a page at a time in label order,
a lookup is one indexed query, and SQLite's own page cache (2 MB by default) is all it keeps.

The file is unlinked as soon as it is open: it is the index of one served registry, gone
with the process or the model, never read by another; but the index of a registry held by
an engine is kept in the user's cache folder for the registry's state, and read again by the
next server started on it (:mod:`registry.api.keptindex`).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from registry.flows.cities import (
    CONTRACT_CITY_FALLBACKS,
    Stated,
    Values,
    agreement_city,
    contract_city,
    flow_city,
)
from registry.flows.iris import (
    CITYREG_hasDataFlow,
    CITYREG_hasParty,
    CITYREG_provider,
    CITYREG_sharesDataset,
)
from registry.namespaces import CITYREG
from registry.pagedrows import PagedSequence
from registry.sqlitetexts import held_texts

#: The properties whose objects place a contract, agreement or flow in a city
#: (:mod:`registry.flows.cities`), and the city itself.
CITY = str(CITYREG.city)
LINKS = (CITY, *CONTRACT_CITY_FALLBACKS, CITYREG_provider, CITYREG_sharesDataset,
         CITYREG_hasDataFlow, CITYREG_hasParty)
START, END = str(CITYREG.startDate), str(CITYREG.endDate)

_SCHEMA = """
CREATE TABLE label_row (term TEXT NOT NULL, label TEXT NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE type_row (term TEXT NOT NULL, type TEXT NOT NULL, blank INTEGER NOT NULL);
CREATE TABLE link (subject TEXT NOT NULL, prop TEXT NOT NULL, object TEXT NOT NULL);
CREATE TABLE day_row (subject TEXT NOT NULL, prop TEXT NOT NULL, day TEXT NOT NULL);
CREATE TABLE label (term TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entity (iri TEXT PRIMARY KEY, blank INTEGER NOT NULL, kind TEXT NOT NULL,
                     label TEXT NOT NULL, sort_fold TEXT NOT NULL, name_fold TEXT NOT NULL,
                     types TEXT NOT NULL, city TEXT, start_day TEXT, end_day TEXT)
                     WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX entity_order ON entity (kind, sort_fold, iri);
CREATE INDEX entity_sorted ON entity (sort_fold, iri);
CREATE INDEX entity_label ON entity (label);
CREATE INDEX entity_name ON entity (name_fold);
"""
#: Entity columns read to make an :class:`Row`.
ROW_COLUMNS = "iri, blank, kind, label, types"
#: Rows read per query when a list is walked whole.
_CHUNK = 1000

#: One entity as the index holds it: IRI (or blank node id), whether it is a blank node, its
#: kind, its label, its types (sorted).
Row = tuple[str, bool, str, str, tuple[str, ...]]


def fold(text: str) -> str:
    """How names are compared (:mod:`registry.names`): spaces collapsed, case folded."""
    return " ".join(text.split()).casefold()


class EntityIndex:
    """The SQLite file of one read model: built by :meth:`build`, then only read."""

    def __init__(self, connection: sqlite3.Connection | None = None) -> None:
        """An index over ``connection``; without one, an empty index to :meth:`build`, in a
        file unlinked at once (gone with the process). See also :meth:`at` and
        :meth:`opened`."""
        if connection is None:
            handle, name = tempfile.mkstemp(prefix="cityreg-entities-", suffix=".sqlite")
            os.close(handle)
            try:
                connection = _new_index(name)
            finally:
                os.unlink(name)  # the open connection keeps it; nothing is left behind
        self._connection = connection
        self._lock = threading.Lock()
        self._count: int | None = None
        self._kinds: list[str] | None = None
        #: how many statements the indexed registry holds, when the index was kept
        self.statements: int | None = None

    @classmethod
    def at(cls, path: Path) -> EntityIndex:
        """An empty index to :meth:`build` and :meth:`keep` in the file ``path``
        (:mod:`registry.api.keptindex`)."""
        return cls(_new_index(str(path)))

    @classmethod
    def opened(cls, path: Path, key: str) -> EntityIndex | None:
        """The index built and kept at ``path`` for ``key`` (:meth:`keep`), read only; None
        when there is none, or it is of another key, or it cannot be read."""
        if not path.is_file():
            return None
        try:
            # immutable: a kept file is never written again, only replaced by a rename
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1",
                                         uri=True, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            kept = connection.execute("SELECT key, statements FROM kept").fetchall()
        except sqlite3.Error:
            kept = []
        if len(kept) != 1 or kept[0][0] != key:
            connection.close()
            return None
        index = cls(connection)
        index.statements = int(kept[0][1])
        return index

    def keep(self, key: str, statements: int) -> None:
        """Say, in the built file, which registry state it indexes and how many statements
        that registry holds (read by :meth:`opened`)."""
        with self._lock:
            self._connection.execute(
                "CREATE TABLE kept (key TEXT NOT NULL, statements INTEGER NOT NULL)")
            self._connection.execute("INSERT INTO kept VALUES (?, ?)", (key, statements))
            self._connection.commit()
        self.statements = statements

    # -- building ---------------------------------------------------------------------------

    def build(self, labels: Iterable[tuple[str, str, int]],
              types: Iterable[tuple[str, str, bool]],
              links: Iterable[tuple[str, str, str]], days: Iterable[tuple[str, str, str]],
              kind_of: Callable[[list[str]], str], tail: Callable[[str], str]) -> None:
        """Fill the index from the bulk queries' rows, streamed: ``labels`` as ``(term,
        label, rank)`` (rank 0 English, 1 untagged, 2 other; the lowest rank first read wins),
        ``types`` as ``(term, type, is blank)``, ``links`` as ``(subject, property, object)``
        of :data:`LINKS`, ``days`` as ``(subject, property, text)`` of cityreg:startDate and
        endDate. ``kind_of(types)`` names an entity's kind, ``tail(iri)`` the label of one
        with none."""
        db = self._connection
        db.executemany("INSERT INTO label_row VALUES (?, ?, ?)", labels)
        db.execute("INSERT INTO label SELECT term, label FROM (SELECT term, label, ROW_NUMBER() "
                   "OVER (PARTITION BY term ORDER BY rank, rowid) AS n FROM label_row) "
                   "WHERE n = 1")
        db.execute("DROP TABLE label_row")
        db.executemany("INSERT INTO type_row VALUES (?, ?, ?)", types)
        db.executemany("INSERT INTO link VALUES (?, ?, ?)", links)
        db.execute("CREATE INDEX link_subject ON link (subject, prop, object)")
        db.executemany("INSERT INTO day_row VALUES (?, ?, ?)", days)
        grouped = db.execute(
            "SELECT t.term, MAX(t.blank), group_concat(t.type, char(10)), l.label "
            "FROM (SELECT DISTINCT term, type, blank FROM type_row) AS t "
            "LEFT JOIN label AS l ON l.term = t.term GROUP BY t.term")
        writer = self._connection.cursor()
        batch: list[tuple[Any, ...]] = []
        for term, blank, stated, label in grouped:
            kinds = sorted(set(stated.split("\n")))
            shown = label or tail(term)  # an empty label is no label
            batch.append((term, blank, kind_of(kinds), shown, shown.casefold(), fold(shown),
                          "\n" + "\n".join(kinds) + "\n", None, None, None))
            if len(batch) >= _CHUNK:
                writer.executemany(f"INSERT INTO entity VALUES ({', '.join('?' * 10)})", batch)
                batch = []
        writer.executemany(f"INSERT INTO entity VALUES ({', '.join('?' * 10)})", batch)
        db.execute("DROP TABLE type_row")
        db.executescript(_INDEXES)
        self._date_entities()
        self._place_in_cities()
        db.commit()

    def _date_entities(self) -> None:
        """Every entity's start and end day: the first of its values that is a date, as
        ``Entity.day`` reads it."""
        db = self._connection
        done: tuple[str, str] | None = None  # rows come by subject and property
        dated: list[tuple[str, str, str]] = []
        for subject, prop, text in db.execute(
                "SELECT subject, prop, day FROM day_row ORDER BY subject, prop, rowid"):
            if done == (subject, prop):
                continue
            try:
                day = date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                continue
            done = (subject, prop)
            dated.append((subject, prop, day))
            if len(dated) >= _CHUNK:
                self._write_days(dated)
                dated = []
        self._write_days(dated)
        db.execute("DROP TABLE day_row")

    def _write_days(self, dated: list[tuple[str, str, str]]) -> None:
        for prop, column in ((START, "start_day"), (END, "end_day")):
            self._connection.executemany(
                f"UPDATE entity SET {column} = ? WHERE iri = ?",
                [(day, subject) for subject, of, day in dated if of == prop])

    def _place_in_cities(self) -> None:
        """Every entity's city: its own (the first by IRI), or for a contract, agreement or
        flow that states none, the city of what it is for (registry.flows.cities)."""
        db = self._connection
        db.execute("UPDATE entity SET city = (SELECT MIN(object) FROM link WHERE "
                   "subject = entity.iri AND prop = ?)", (CITY,))
        stated_cache: dict[str, str | None] = {}

        def stated(iri: str) -> str | None:
            if iri not in stated_cache:
                if len(stated_cache) > 100_000:
                    stated_cache.clear()
                row = db.execute("SELECT MIN(object) FROM link WHERE subject = ? AND prop = ?",
                                 (iri, CITY)).fetchone()
                stated_cache[iri] = row[0]
            return stated_cache[iri]

        def values(iri: str, prop: str) -> list[str]:
            return [row[0] for row in db.execute(
                "SELECT object FROM link WHERE subject = ? AND prop = ? ORDER BY object",
                (iri, prop))]

        rules: dict[str, Callable[[str, Stated, Values], str | None]] = {
            "Contract": contract_city, "DataFlow": flow_city,
            "DataSharingAgreement": agreement_city,
            "JointDataControllersAgreement": agreement_city}
        unplaced = db.execute("SELECT iri, kind FROM entity WHERE city IS NULL AND kind IN "
                              f"({', '.join('?' * len(rules))})", tuple(rules)).fetchall()
        placed = []
        for iri, kind in unplaced:
            city = rules[kind](iri, stated, values)
            if city is not None:
                placed.append((city, iri))
        db.executemany("UPDATE entity SET city = ? WHERE iri = ?", placed)
        db.execute("CREATE INDEX entity_city ON entity (city, kind, sort_fold, iri)")

    # -- reading ----------------------------------------------------------------------------

    def rows(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only query (a text parameter no registry can hold, such as a
        lone surrogate from a hostile request, is looked up as
        :data:`registry.sqlitetexts.NOWHERE`)."""
        with self._lock:
            return self._connection.execute(query, held_texts(parameters)).fetchall()

    def label(self, term: str) -> str | None:
        """The label of any term of the entity graphs, or None."""
        found = self.rows("SELECT label FROM label WHERE term = ?", (term,))
        return found[0][0] if found else None

    def entity(self, iri: str) -> Row | None:
        """The entity with IRI (or blank node id) ``iri``, or None."""
        found = self.rows(f"SELECT {ROW_COLUMNS} FROM entity WHERE iri = ?", (iri,))
        return _row(found[0]) if found else None

    def entities(self, iris: Sequence[str]) -> dict[str, Row]:
        """The entities among ``iris``, by IRI (unknown ones left out)."""
        found: dict[str, Row] = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            for row in self.rows(f"SELECT {ROW_COLUMNS} FROM entity WHERE iri IN "
                                 f"({', '.join('?' * len(chunk))})", chunk):
                found[row[0]] = _row(row)
        return found

    def city(self, iri: str) -> str | None:
        """The city of the entity ``iri`` (see :meth:`_place_in_cities`)."""
        found = self.rows("SELECT city FROM entity WHERE iri = ?", (iri,))
        return found[0][0] if found else None

    def count(self) -> int:
        """How many entities there are (counted once: the index is not written after
        :meth:`build`)."""
        if self._count is None:
            self._count = int(self.rows("SELECT COUNT(*) FROM entity")[0][0])
        return self._count

    def kinds(self) -> list[str]:
        """The kinds that have entities, sorted (read once)."""
        if self._kinds is None:
            self._kinds = [row[0] for row in self.rows(
                "SELECT DISTINCT kind FROM entity ORDER BY kind")]
        return list(self._kinds)

    def close(self) -> None:
        """Close the file (it is gone once closed)."""
        with self._lock:
            self._connection.close()


def _new_index(path: str) -> sqlite3.Connection:
    """A connection to a new index file at ``path``, its tables made."""
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                             "PRAGMA temp_store = FILE;" + _SCHEMA)
    return connection


def _row(row: tuple[Any, ...]) -> Row:
    iri, blank, kind, label, types = row
    return iri, bool(blank), kind, label, tuple(types.strip("\n").split("\n"))


class Selection:
    """Which entities a list holds: kinds, and optionally a city, a type, a date they are in
    force on and a text their label contains, as an SQL condition."""

    def __init__(self, kinds: Sequence[str] | None = None, *, city: str | None = None,
                 type: str | None = None, active_on: date | None = None,
                 label_contains: str | None = None, iris: Sequence[str] | None = None) -> None:
        clauses: list[str] = []
        parameters: list[Any] = []
        if kinds is not None:
            clauses.append(f"kind IN ({', '.join('?' * len(kinds))})" if kinds else "0")
            parameters += kinds
        if city is not None:
            clauses.append("city = ?")
            parameters.append(city)
        if type is not None:
            clauses.append("instr(types, ?) > 0")
            parameters.append(f"\n{type}\n")
        if active_on is not None:
            clauses.append("(start_day IS NULL OR start_day <= ?) AND "
                           "(end_day IS NULL OR ? <= end_day)")
            parameters += [active_on.isoformat(), active_on.isoformat()]
        if label_contains is not None:
            clauses.append("instr(sort_fold, ?) > 0")
            parameters.append(label_contains.casefold())
        if iris is not None:
            clauses.append(f"iri IN ({', '.join('?' * len(iris))})" if iris else "0")
            parameters += iris
        self.where = " AND ".join(clauses) or "1"
        self.parameters = tuple(parameters)


class EntityRows(PagedSequence[Any]):
    """The entities of a :class:`Selection` by label (then IRI): its length one ``COUNT``,
    its items read a page at a time and made into entities by ``make``."""

    noun = "entity"

    def __init__(self, index: EntityIndex, selection: Selection,
                 make: Callable[[list[Row]], list[Any]]) -> None:
        self._index = index
        self._selection = selection
        self._make = make
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = int(self._index.rows(
                f"SELECT COUNT(*) FROM entity WHERE {self._selection.where}",
                self._selection.parameters)[0][0])
        return self._length

    def _page(self, start: int, count: int) -> list[Any]:
        rows = self._index.rows(
            f"SELECT {ROW_COLUMNS} FROM entity WHERE {self._selection.where} "
            "ORDER BY sort_fold, iri LIMIT ? OFFSET ?",
            (*self._selection.parameters, count, start))
        return self._make([_row(row) for row in rows])

    def __iter__(self) -> Iterator[Any]:
        """Every entity, :data:`_CHUNK` at a time after the last one read."""
        after: tuple[str, str] | None = None
        while True:
            where = self._selection.where
            parameters: tuple[Any, ...] = self._selection.parameters
            if after is not None:
                where = f"({where}) AND (sort_fold, iri) > (?, ?)"
                parameters = (*parameters, *after)
            rows = self._index.rows(
                f"SELECT {ROW_COLUMNS}, sort_fold FROM entity WHERE {where} "
                "ORDER BY sort_fold, iri LIMIT ?", (*parameters, _CHUNK))
            yield from self._make([_row(row[:5]) for row in rows])
            if len(rows) < _CHUNK:
                return
            after = (rows[-1][5], rows[-1][0])

    def __bool__(self) -> bool:
        return bool(self._index.rows(f"SELECT 1 FROM entity WHERE {self._selection.where} "
                                     "LIMIT 1", self._selection.parameters))
