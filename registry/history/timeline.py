"""The registry's history as pages, feeds and the API show it: per version, the entities it
added, removed and changed (field by field, with labels); per entity, when it was first seen,
when it last changed and what changed.

Built once per served registry from :func:`registry.history.entities.walk` (a
:class:`RegistryContext` keeps it); labels are read from the registry as it is now, so an
entity removed since is named by its IRI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Protocol

import pyoxigraph as ox

from registry.history.entities import EntityTouch, VersionTouches, Walk, iris_in, shown, walk
from registry.history.versions import VersionRecord
from registry.store import Registry


@dataclass(frozen=True)
class ShownField:
    """One changed field: its label and the values removed and added, as text."""

    predicate: str
    label: str
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class ShownTouch:
    """What one version did to one entity."""

    version: VersionRecord
    iri: str
    label: str
    change: str
    fields: tuple[ShownField, ...]


@dataclass(frozen=True)
class EntityHistory:
    """One entity's versions, newest first; ``complete`` is False when the history stops at a
    SPARQL update, before which nothing is known, or when the entity is older than the first
    version."""

    iri: str
    touches: tuple[ShownTouch, ...]
    complete: bool
    predates: bool = False
    """It was in the registry before the first version recorded (loaded before cityreg
    recorded versions): when it was added is not known."""

    @property
    def first_seen(self) -> VersionRecord | None:
        """The first version that added it (None when that is before what the history
        knows: it was there before a SPARQL update that recorded no statements)."""
        added = [touch.version for touch in self.touches if touch.change == "added"]
        return added[-1] if added else None

    @property
    def last_changed(self) -> VersionRecord | None:
        return self.touches[0].version if self.touches else None


class Timeline:
    """Every version newest first, with what it touched, labelled for people."""

    def __init__(self, found: Walk, labels: dict[str, str]) -> None:
        self.walk = found
        self._labels = labels

    @classmethod
    def of(cls, registry: Registry) -> Timeline:
        """Walk the registry's versions and read the labels of what they name."""
        found = walk(registry)
        return cls(found, _labels(registry, iris_in(found)))

    @property
    def complete(self) -> bool:
        return self.walk.complete

    @property
    def stopped_at(self) -> VersionRecord | None:
        return self.walk.stopped_at

    def label(self, iri: str) -> str | None:
        return self._labels.get(iri)

    def versions(self, since: datetime | None = None) -> list[tuple[VersionRecord,
                                                                    list[ShownTouch]]]:
        """The versions made after ``since`` (all without it), newest first, each with the
        entities it touched."""
        return [(touches.version, self._shown(touches))
                for touches in self.walk.versions
                if since is None or touches.version.time > since]

    def known_versions(self) -> list[VersionRecord]:
        """The versions whose touched entities are known, newest first (those after the
        SPARQL update the walk stopped at)."""
        return [touches.version for touches in self.walk.versions]

    def touches(self, number: int) -> list[ShownTouch] | None:
        """The entities version ``number`` touched; None when they are not known."""
        for touches in self.walk.versions:
            if touches.version.number == number:
                return self._shown(touches)
        return None

    def present(self, iris: Iterable[str]) -> set[str]:
        """Those of ``iris`` the registry holds now: the newest version that touched each
        did not remove it."""
        newest = self._newest_change
        return {iri for iri in iris if newest.get(iri, "removed") != "removed"}

    @cached_property
    def _newest_change(self) -> dict[str, str]:
        """Each touched entity's newest change (the versions page asks once per version)."""
        newest: dict[str, str] = {}
        for touches in self.walk.versions:  # newest first
            for touch in touches.entities:
                newest.setdefault(touch.iri, touch.change)
        return newest

    def entity(self, iri: str) -> EntityHistory:
        predates = self.walk.predates(iri)
        return EntityHistory(iri, tuple(self._touch(version, touch)
                                        for version, touch in self.walk.touches(iri)),
                             self.walk.complete and not predates, predates)

    def predates(self, iri: str) -> bool:
        """Whether ``iri`` was in the registry before the first version recorded."""
        return self.walk.predates(iri)

    def _shown(self, touches: VersionTouches) -> list[ShownTouch]:
        return [show_touch(touches.version, touch, self.label) for touch in touches.entities]

    def _touch(self, version: VersionRecord, touch: EntityTouch) -> ShownTouch:
        return show_touch(version, touch, self.label)


class VersionHistory(Protocol):
    """What pages and the API ask of the registry's history: :class:`Timeline` (one walk of
    a whole copy) or, for a registry held by a SPARQL engine,
    :class:`registry.history.ondemand.OnDemandTimeline` (per version and per entity)."""

    @property
    def complete(self) -> bool: ...

    @property
    def stopped_at(self) -> VersionRecord | None: ...

    def label(self, iri: str) -> str | None: ...

    def known_versions(self) -> list[VersionRecord]: ...

    def versions(self, since: datetime | None = None
                 ) -> Iterable[tuple[VersionRecord, list[ShownTouch]]]: ...

    def touches(self, number: int) -> list[ShownTouch] | None: ...

    def present(self, iris: Iterable[str]) -> set[str]: ...

    def entity(self, iri: str) -> EntityHistory: ...

    def predates(self, iri: str) -> bool: ...


def show_touch(version: VersionRecord, touch: EntityTouch,
               label: Callable[[str], str | None]) -> ShownTouch:
    """One version's touch of one entity, its fields and values labelled for people."""
    fields = tuple(ShownField(
        field.predicate, label(field.predicate) or field.predicate,
        tuple(shown(value, label) for value in field.removed),
        tuple(shown(value, label) for value in field.added))
        for field in touch.fields)
    return ShownTouch(version, touch.iri, label(touch.iri) or touch.iri, touch.change, fields)


def labels_in(registry: Registry, graphs: Iterable[str], iris: set[str]) -> dict[str, str]:
    """The labels of those of ``iris`` stated only in ``graphs``, chosen as :func:`_labels`
    chooses them: one query per graph, where :func:`labels_of` asks by name."""
    rank: dict[str, tuple[int, str]] = {}
    for graph in graphs:
        result = registry.raw_query(
            f"SELECT ?s ?label WHERE {{ GRAPH <{graph}> {{ ?s rdfs:label ?label }} }}")
        assert isinstance(result, ox.QuerySolutions)
        _rank(result, iris, rank)
    return {iri: text for iri, (_, text) in rank.items()}


def labels_of(registry: Registry, iris: Iterable[str], batch: int = 200) -> dict[str, str]:
    """The labels of ``iris``, chosen as :func:`_labels` chooses them, read by name in
    batches (for a registry held by an engine, where reading every label would read the
    whole registry's)."""
    wanted = sorted(set(iris))
    rank: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), batch):
        values = " ".join(f"<{iri}>" for iri in wanted[start:start + batch])
        result = registry.raw_query(
            f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s rdfs:label ?label }}")
        assert isinstance(result, ox.QuerySolutions)
        _rank(result, set(wanted), rank)
    return {iri: text for iri, (_, text) in rank.items()}


def _labels(registry: Registry, iris: set[str]) -> dict[str, str]:
    """The label of each of ``iris`` that has one (English, else untagged, else any), read in
    one query over every label: cheaper than asking for tens of thousands by name."""
    rank: dict[str, tuple[int, str]] = {}
    result = registry.raw_query("SELECT ?s ?label WHERE { ?s rdfs:label ?label }")
    assert isinstance(result, ox.QuerySolutions)
    _rank(result, iris, rank)
    return {iri: text for iri, (_, text) in rank.items()}


def _rank(result: ox.QuerySolutions, iris: set[str], rank: dict[str, tuple[int, str]]
          ) -> None:
    """Keep, for each of ``iris``, the best label of the rows: English, else untagged, else
    any; the first in text order among equals."""
    for subject, label in result:
        if not isinstance(subject, ox.NamedNode) or subject.value not in iris or not isinstance(
                label, ox.Literal):
            continue
        language = label.language
        order = 0 if language == "en" else 1 if not language else 2
        kept = rank.get(subject.value)
        if kept is None or (order, label.value) < kept:
            rank[subject.value] = (order, label.value)
