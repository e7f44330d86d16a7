"""GraphQL types of the registry's history (registry.history): versions, what each changed,
and one entity's history.

Every load, import and harvest that changes the registry is a version. The history is read
by walking back from the present, version by version; a SPARQL update records no statements,
so the walk stops there: ``complete: false`` and ``notKnownBefore`` say so wherever an answer
reaches that far. Lists that grow with the registry (the versions, the entities a version
touched) page like every list of the API, so their cost is bounded by ``first``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import graphene

from graphql import GraphQLResolveInfo
from registry.api.connections import Page, connection, page_args, paginate
from registry.api.fields import api, model
from registry.api.limits import check_deadline
from registry.api.types import Entity
from registry.errors import NotFoundError
from registry.history.timeline import EntityHistory as EntityHistoryRecord
from registry.history.timeline import ShownField, ShownTouch, VersionHistory
from registry.history.versions import GraphChangeRecord, VersionRecord, read_versions
from registry.store import PROVENANCE_GRAPH

if TYPE_CHECKING:
    from registry.context import RegistryContext


@dataclass(frozen=True)
class HistoryView:
    """The registry's versions as the API shows them, built once per served registry."""

    timeline: VersionHistory
    records: tuple[VersionRecord, ...]
    """Every recorded version, newest first (those before a SPARQL update included)."""
    known: frozenset[int]
    """The numbers of the versions whose touched entities are known: every one after the
    SPARQL update the walk stopped at."""

    @classmethod
    def of(cls, context: RegistryContext) -> HistoryView:
        """The history of the context's registry (the context keeps its timeline)."""
        timeline = context.timeline
        return cls(timeline, tuple(reversed(read_versions(context.registry))),
                   frozenset(version.number for version in timeline.known_versions()))

    def touched(self, number: int) -> list[ShownTouch]:
        """The entities version ``number`` touched (none when they are not known)."""
        if number not in self.known:
            return []
        return self.timeline.touches(number) or []

    @property
    def stopped_at(self) -> VersionRecord | None:
        return self.timeline.stopped_at

    def entity(self, iri: str) -> EntityHistoryRecord:
        """The history of ``iri`` (empty when no version the walk reached touched it)."""
        return self.timeline.entity(iri)

    def since(self, moment: datetime | None) -> list[VersionRecord]:
        """The versions made after ``moment`` (all without it), newest first."""
        return [v for v in self.records if moment is None or v.time > moment]


@dataclass(frozen=True)
class VersionsPage(Page):
    """A page of versions, and whether what they did to entities is known."""

    stopped_at: VersionRecord | None = None
    """The SPARQL update the listed versions reach back to (None: every one is known)."""


_CHANGE_DOCS: dict[str, str] = {
    "added": "The version made the entity: the registry said nothing about it before.",
    "removed": "The version removed every statement about the entity.",
    "changed": "The version added or removed some of the entity's statements; `fields` says "
    "which, with the values before and after.",
}


class ChangeKind(graphene.Enum):  # type: ignore[misc]  # graphene is untyped
    """What a version did to an entity: added, removed or changed.

    The values are lower case, the same words as `cityreg history --format json` prints.
    """

    added = "added"
    removed = "removed"
    changed = "changed"

    @property
    def description(self) -> str:
        """The meaning of one kind of change."""
        return _CHANGE_DOCS[self.value]


class FieldChange(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One property of an entity whose values a version changed."""

    property = graphene.ID(required=True, description="The property's IRI.",
                           resolver=lambda f, _i: f.predicate)
    label = graphene.String(required=True, description="The property's label, else its IRI.")
    removed = graphene.List(graphene.NonNull(graphene.String), required=True,
                            description="The values the version took away, as text: a "
                            "literal's text, an entity's label (else its IRI), a structured "
                            "value as [property: value; ...].")
    added = graphene.List(graphene.NonNull(graphene.String), required=True,
                          description="The values the version put in, written the same way.")


def _fields(touch: ShownTouch, _info: GraphQLResolveInfo) -> tuple[ShownField, ...]:
    return touch.fields


_FIELDS_DOC = ("For a change, the properties whose values differ before and after the "
               "version, by property IRI; empty for an entity added or removed (all its "
               "statements are: read it with `node(id:)`).")


class VersionFile(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A file or download a version read."""

    iri = graphene.ID(required=True, description="Its IRI (a file: or https: address).",
                      resolver=lambda pair, _i: pair[0])
    sha256 = graphene.String(required=True, description="The SHA-256 of its bytes, in hex: "
                             "the same file has the same checksum.",
                             resolver=lambda pair, _i: pair[1])


class EntityChange(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One entity a version added, removed or changed."""

    id = graphene.ID(required=True, description="The entity's IRI.",
                     resolver=lambda t, _i: t.iri)
    label = graphene.String(required=True, description="Its label now, else its IRI (an "
                            "entity removed since has no label any more).")
    change = graphene.Field(ChangeKind, required=True, description="What the version did "
                            "to it.")
    fields = graphene.List(graphene.NonNull(FieldChange), required=True, description=_FIELDS_DOC,
                           resolver=_fields)
    entity = graphene.Field(Entity, description="The entity as the registry holds it now; "
                            "null when it has been removed since.",
                            resolver=lambda t, i: model(i).get(t.iri))


EntityChangeConnection = connection(EntityChange, "EntityChange")


def _data_changes(version: VersionRecord) -> list[GraphChangeRecord]:
    return [change for change in version.changes if change.graph != PROVENANCE_GRAPH]


def _added(version: VersionRecord, _info: GraphQLResolveInfo) -> int | None:
    if not version.statements_recorded:
        return None
    return sum(change.added for change in _data_changes(version))


def _removed(version: VersionRecord, _info: GraphQLResolveInfo) -> int | None:
    if not version.statements_recorded:
        return None
    return sum(change.removed for change in _data_changes(version))


def _entities(version: VersionRecord, info: GraphQLResolveInfo, first: int | None = None,
              after: str | None = None) -> Page:
    # On an engine a version's entities are read when first asked for (seconds for a city's
    # load): a request past its time limit does not start reading another version.
    check_deadline()
    return paginate(api(info).history().touched(version.number), first, after)


_SUMMED = ("The cityreg:{} of its graph changes (cityreg:hasGraphChange), summed over the "
           "data graphs: a change whose cityreg:changedGraph is the provenance graph (the "
           "records of where statements come from) is not counted.")


class RegistryVersion(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One version of the registry: a load, import or harvest that changed it (or a SPARQL
    update), with when, who, the command, the files it read and what it changed.

    Read from the registry's history graph, where each version is a cityreg:RegistryVersion
    (a prov:Activity); each field names the property it reads."""

    number = graphene.Int(required=True, description="1 for the first version, then one more "
                          "for each (`cityreg history` and `--as-of-version` use it). "
                          "(cityreg:versionNumber)")
    time = graphene.DateTime(required=True, description="When it was made (UTC). "
                             "(prov:startedAtTime)")
    agent = graphene.String(required=True, description="Who made it: the $CITYREG_AGENT of "
                            "the command, else the system user that ran it. "
                            "(prov:wasAssociatedWith)")
    command = graphene.String(required=True, description="The command that made it, such as "
                              "`cityreg load` (for a SPARQL update, the start of the update). "
                              "(cityreg:command)")
    files = graphene.List(graphene.NonNull(VersionFile), required=True,
                          description="The files and downloads it read, with their checksums, "
                          "by IRI. (prov:qualifiedUsage)",
                          resolver=lambda v, _i: list(v.sources))
    statements_added = graphene.Int(description="Statements it added to the registry's data; "
                                    "null when statementsRecorded is false. " + _SUMMED.format(
                                        "statementsAdded"), resolver=_added)
    statements_removed = graphene.Int(description="Statements it removed from the registry's "
                                      "data; null when statementsRecorded is false. " +
                                      _SUMMED.format("statementsRemoved"), resolver=_removed)
    statements_recorded = graphene.Boolean(
        required=True, description="False for a SPARQL update: what it changed was not "
        "recorded, so it and the versions before it cannot be read back. "
        "(not cityreg:statementsNotRecorded)")
    entities_known = graphene.Boolean(
        required=True, description="True when the entities it touched are known (`entities`). "
        "False for a SPARQL update whose statements were not recorded and for every version "
        "before it: the history cannot be walked past it, so `entities` is empty although the "
        "version may have touched many.",
        resolver=lambda v, i: v.number in api(i).history().known)
    entities = graphene.Field(EntityChangeConnection, required=True,
                              description="The entities it added, removed or changed, by IRI.",
                              resolver=_entities, **page_args())


class EntityVersionChange(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """What one version did to one entity."""

    version = graphene.Field(RegistryVersion, required=True, description="The version.")
    change = graphene.Field(ChangeKind, required=True, description="What it did to the "
                            "entity.")
    fields = graphene.List(graphene.NonNull(FieldChange), required=True, description=_FIELDS_DOC,
                           resolver=_fields)


EntityVersionChangeConnection = connection(EntityVersionChange, "EntityVersionChange")

_COMPLETE_DOC = ("True when the history reaches back to the registry's first version. False "
                 "when it stops at a SPARQL update whose statements were not recorded "
                 "(notKnownBefore): what that update and the versions before it did is not "
                 "known; for one entity, also when it was in the registry before the first "
                 "version recorded (olderThanTheHistory).")
_NOT_KNOWN_BEFORE_DOC = ("The number of the SPARQL update the history stops at when it is "
                         "not complete; null when it is.")


@dataclass(frozen=True)
class EntityAnswer:
    """One entity's history as :class:`EntityHistory` shows it."""

    record: EntityHistoryRecord
    label: str
    stopped_at: VersionRecord | None


def _versions(answer: EntityAnswer, _info: GraphQLResolveInfo, first: int | None = None,
              after: str | None = None) -> Page:
    return paginate(answer.record.touches, first, after)


class EntityHistory(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One entity's history: the versions that added, removed or changed it, newest first."""

    id = graphene.ID(required=True, description="The entity's IRI.",
                     resolver=lambda a, _i: a.record.iri)
    label = graphene.String(required=True, description="Its label now, else its IRI.")
    entity = graphene.Field(Entity, description="The entity as the registry holds it now; "
                            "null when it has been removed.",
                            resolver=lambda a, i: model(i).get(a.record.iri))
    first_seen = graphene.Field(RegistryVersion, description="The version that added it "
                                "(the earliest, if it was removed and added again); null when "
                                "it was already there before the SPARQL update the history "
                                "stops at (see complete).",
                                resolver=lambda a, _i: a.record.first_seen)
    last_changed = graphene.Field(RegistryVersion, description="The latest version that "
                                  "added, removed or changed it; null when none since the "
                                  "SPARQL update the history stops at did.",
                                  resolver=lambda a, _i: a.record.last_changed)
    complete = graphene.Boolean(required=True, description=_COMPLETE_DOC,
                                resolver=lambda a, _i: a.record.complete)
    not_known_before = graphene.Int(description=_NOT_KNOWN_BEFORE_DOC,
                                    resolver=lambda a, _i: _number(a.stopped_at))
    older_than_the_history = graphene.Boolean(
        required=True, description="True when the entity was in the registry before the first "
        "version recorded (loaded before cityreg recorded versions): when it was added is not "
        "known, and firstSeen is null.", resolver=lambda a, _i: a.record.predates)
    versions = graphene.Field(EntityVersionChangeConnection, required=True,
                              description="The versions that added, removed or changed it, "
                              "newest first, each with the fields it changed.",
                              resolver=_versions, **page_args())


def _number(version: VersionRecord | None) -> int | None:
    return None if version is None else version.number


class ChangesConnection(connection(RegistryVersion, "RegistryVersion")):  # type: ignore[misc]
    """A page of versions, newest first (first/after), with the total count, and whether what
    they did to entities is known."""

    complete = graphene.Boolean(
        required=True, description="True when the entities every listed version touched are "
        "known. False when the list reaches back to a SPARQL update whose statements were not "
        "recorded (notKnownBefore): for it and the versions before it, `entities` is empty.",
        resolver=lambda page, _i: page.stopped_at is None)
    not_known_before = graphene.Int(description="The number of the SPARQL update the history "
                                    "stops at, when the list reaches back to it; else null.",
                                    resolver=lambda page, _i: _number(page.stopped_at))


# -- the root fields' answers ----------------------------------------------------------------


def entity_history(info: GraphQLResolveInfo, text: str) -> EntityAnswer | None:
    """The history of the entity ``text`` names (its IRI, or its label now), or None when no
    version touched it and the history is complete."""
    view = api(info).history()
    iri = text
    record = view.entity(iri)
    if not record.touches:
        try:
            iri = model(info).find(text)
        except NotFoundError:
            pass
        else:
            record = view.entity(iri)
    if not record.touches and record.complete and not record.predates:
        return None
    label = view.timeline.label(iri) or model(info).stated_label(iri) or iri
    return EntityAnswer(record, label, view.stopped_at)


def changes_since(info: GraphQLResolveInfo, since: datetime | None, first: int | None,
                  after: str | None) -> VersionsPage:
    """The page of the versions made after ``since`` (a time without offset is UTC)."""
    view = api(info).history()
    moment = None if since is None else since if since.tzinfo else since.replace(tzinfo=UTC)
    listed = view.since(moment)
    stop = view.stopped_at
    reached = stop is not None and any(v.number <= stop.number for v in listed)
    page = paginate(listed, first, after)
    return VersionsPage(page.items, page.offset, page.total, stop if reached else None)

