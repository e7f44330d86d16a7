"""The registry's history for a registry held by a SPARQL engine, found when asked.

:class:`~registry.history.timeline.Timeline` walks every version once on a copy of the whole
registry; a server on an engine must not copy the registry (issue #17), so
:class:`OnDemandTimeline` answers the same questions without that copy:

* what one version touched: :func:`registry.history.versionwalk.version_touches`, on a copy of
  the entities that version can have touched;
* one entity's history: :func:`registry.history.entities.walk` of that entity, on a copy of it;
* labels: read by name for the entities and properties an answer shows.

It keeps the versions' records (no statements' text), the touches of the
:data:`CACHED_VERSIONS` versions and the histories of the :data:`CACHED_ENTITIES` entities
asked about last. Its answers equal the whole walk's (tests/history/test_ondemand_history.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from threading import Lock
from typing import TypeVar

import pyoxigraph as ox

from registry.history.entities import Walk, iris_in, walk
from registry.history.timeline import (
    EntityHistory,
    ShownTouch,
    labels_in,
    labels_of,
    show_touch,
)
from registry.history.versions import VersionRecord, read_versions
from registry.history.versionwalk import find_version
from registry.store import Registry
from registry.store.provenance import RESERVED_GRAPHS

#: How many versions' touched entities are kept.
CACHED_VERSIONS = 8
#: How many entities' histories are kept.
CACHED_ENTITIES = 256

_Kept = TypeVar("_Kept")
_Key = TypeVar("_Key", int, str)


class OnDemandTimeline:
    """Every version newest first, with what it touched, labelled for people: each version
    and each entity found when first asked (see the module docstring)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._records = read_versions(registry)  # oldest first
        unrecorded = [v for v in self._records if not v.statements_recorded]
        self._stopped = unrecorded[-1] if unrecorded else None
        self._lock = Lock()
        self._versions: OrderedDict[int, list[ShownTouch]] = OrderedDict()
        self._entities: OrderedDict[str, EntityHistory] = OrderedDict()

    @property
    def complete(self) -> bool:
        return self._stopped is None

    @property
    def stopped_at(self) -> VersionRecord | None:
        return self._stopped

    def label(self, iri: str) -> str | None:
        return labels_of(self.registry, [iri]).get(iri)

    def known_versions(self) -> list[VersionRecord]:
        """The versions after the SPARQL update the history stops at, newest first."""
        after = 0 if self._stopped is None else self._stopped.number
        return [v for v in reversed(self._records) if v.number > after]

    def versions(self, since: datetime | None = None
                 ) -> Iterator[tuple[VersionRecord, list[ShownTouch]]]:
        """The known versions made after ``since`` (all without it), newest first, each with
        the entities it touched: one version at a time, so that a caller keeping only a few
        lines of each holds no more."""
        for version in self.known_versions():
            if since is None or version.time > since:
                yield version, self.touches(version.number) or []

    def touches(self, number: int) -> list[ShownTouch] | None:
        """The entities version ``number`` touched; None when they are not known."""
        with self._lock:
            kept = _kept(self._versions, number)
        if kept is not None:
            return kept
        version = next((v for v in self.known_versions() if v.number == number), None)
        if version is None:
            return None
        found = find_version(self.registry, self._records, version)
        if found is None:
            return None
        # An entity found added by query is stated only in the graphs the version created:
        # its labels are read there, a query per graph, not by name.
        named = iris_in(Walk((found.touches,), None)) - found.added_by_query
        labels = labels_of(self.registry, named)
        labels.update(labels_in(self.registry, found.created, set(found.added_by_query)))
        shown = [show_touch(version, touch, labels.get) for touch in found.touches.entities]
        with self._lock:
            _keep(self._versions, number, shown, CACHED_VERSIONS)
        return shown

    def present(self, iris: Iterable[str]) -> set[str]:
        """Those of ``iris`` with a statement in the registry's data graphs now."""
        wanted = sorted(set(iris))
        if not wanted:
            return set()
        values = " ".join(f"<{iri}>" for iri in wanted)
        reserved = ", ".join(f"<{graph}>" for graph in sorted(RESERVED_GRAPHS))
        rows = self.registry.raw_query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(?g NOT IN ({reserved})) }}")
        assert isinstance(rows, ox.QuerySolutions)
        return {row[0].value for row in rows if isinstance(row[0], ox.NamedNode)}

    def entity(self, iri: str) -> EntityHistory:
        with self._lock:
            kept = _kept(self._entities, iri)
        if kept is not None:
            return kept
        found = walk(self.registry, iri)
        labels = labels_of(self.registry, iris_in(found))
        predates = found.predates(iri)
        history = EntityHistory(
            iri, tuple(show_touch(version, touch, labels.get)
                       for version, touch in found.touches(iri)),
            found.complete and not predates, predates)
        with self._lock:
            _keep(self._entities, iri, history, CACHED_ENTITIES)
        return history

    def predates(self, iri: str) -> bool:
        """Whether ``iri`` was in the registry before the first version recorded."""
        return self.entity(iri).predates


def _kept(cache: OrderedDict[_Key, _Kept], key: _Key) -> _Kept | None:
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    return found


def _keep(cache: OrderedDict[_Key, _Kept], key: _Key, value: _Kept, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)

