"""The registry's history as pages, feeds and the API show it: per version, the entities it
added, removed and changed (field by field, with labels); per entity, when it was first seen,
when it last changed and what changed.

Built once per served registry from :func:`registry.history.entities.walk` (a
:class:`RegistryContext` keeps it); labels are read from the registry as it is now, so an
entity removed since is named by its IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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

    def entity(self, iri: str) -> EntityHistory:
        predates = self.walk.predates(iri)
        return EntityHistory(iri, tuple(self._touch(version, touch)
                                        for version, touch in self.walk.touches(iri)),
                             self.walk.complete and not predates, predates)

    def predates(self, iri: str) -> bool:
        """Whether ``iri`` was in the registry before the first version recorded."""
        return self.walk.predates(iri)

    def _shown(self, touches: VersionTouches) -> list[ShownTouch]:
        return [self._touch(touches.version, touch) for touch in touches.entities]

    def _touch(self, version: VersionRecord, touch: EntityTouch) -> ShownTouch:
        fields = tuple(ShownField(
            field.predicate, self.label(field.predicate) or field.predicate,
            tuple(shown(value, self.label) for value in field.removed),
            tuple(shown(value, self.label) for value in field.added))
            for field in touch.fields)
        return ShownTouch(version, touch.iri, self.label(touch.iri) or touch.iri, touch.change,
                          fields)


def _labels(registry: Registry, iris: set[str]) -> dict[str, str]:
    """The label of each of ``iris`` that has one (English, else untagged, else any), read in
    one query over every label: cheaper than asking for tens of thousands by name."""
    rank: dict[str, tuple[int, str]] = {}
    result = registry.raw_query("SELECT ?s ?label WHERE { ?s rdfs:label ?label }")
    assert isinstance(result, ox.QuerySolutions)
    for subject, label in result:
        if not isinstance(subject, ox.NamedNode) or subject.value not in iris or not isinstance(
                label, ox.Literal):
            continue
        language = label.language
        order = 0 if language == "en" else 1 if not language else 2
        kept = rank.get(subject.value)
        if kept is None or (order, label.value) < kept:
            rank[subject.value] = (order, label.value)
    return {iri: text for iri, (_, text) in rank.items()}
