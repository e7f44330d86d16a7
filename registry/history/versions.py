"""Reading the registry's versions back from its history graph (see registry.store.versioning).

A person names a version as its number (``3``, ``@3``), ``latest`` (``@latest``), or a date or
time (``2026-12-01``, ``@2026-12-01T10:00``): the last version made at or before it (a date
means the end of that day, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pyoxigraph as ox

from registry.errors import InputError
from registry.store import Registry
from registry.store.provenance import CITYREG, PROV, RDFS
from registry.store.versioning import HISTORY_GRAPH


@dataclass(frozen=True)
class GraphChangeRecord:
    """What one version did to one named graph."""

    node: str
    """IRI of the change's record (its statements' text is read from it on demand)."""
    graph: str
    created: bool
    blank_replaced: bool
    added: int
    removed: int


@dataclass(frozen=True)
class VersionRecord:
    """One version: its number, when, by whom, with what command, from which files."""

    iri: str
    number: int
    time: datetime
    agent: str
    command: str
    sources: tuple[tuple[str, str], ...]
    """(IRI of each file or download used, its SHA-256), sorted."""
    changes: tuple[GraphChangeRecord, ...]
    statements_recorded: bool
    """False for a SPARQL update: what it changed is not known."""

    @property
    def added(self) -> int:
        return sum(change.added for change in self.changes)

    @property
    def removed(self) -> int:
        return sum(change.removed for change in self.changes)

    @property
    def label(self) -> str:
        """How reports name it: ``version 3 (2026-12-07 10:00 UTC)``."""
        return f"version {self.number} ({self.time.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def read_versions(registry: Registry) -> list[VersionRecord]:
    """Every version recorded in the registry, oldest first."""
    fields: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    # Not the statements' text (delta_texts reads it when asked): a registry's whole history.
    rows = registry.raw_query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?s ?p ?o "
        f"FILTER(?p NOT IN (<{CITYREG}addedStatements>, <{CITYREG}removedStatements>)) }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    for subject, predicate, obj in rows:
        if isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode) and \
                isinstance(obj, ox.NamedNode | ox.Literal):
            fields.setdefault(subject.value, {}).setdefault(predicate.value, []).append(obj)
    versions = []
    for iri, values in fields.items():
        number = _one(values, CITYREG + "versionNumber")
        if number is None:
            continue
        agent = _one(values, PROV + "wasAssociatedWith")
        agent_label = _one(fields.get(agent or "", {}), RDFS + "label") or agent or "unknown"
        versions.append(VersionRecord(
            iri=iri,
            number=int(number),
            time=datetime.fromisoformat(_one(values, PROV + "startedAtTime") or "1970-01-01"),
            agent=agent_label,
            command=_one(values, CITYREG + "command") or "",
            sources=tuple(sorted(_usage(fields.get(node.value, {}))
                                 for node in values.get(PROV + "qualifiedUsage", []))),
            changes=tuple(sorted((_change(node.value, fields.get(node.value, {}))
                                  for node in values.get(CITYREG + "hasGraphChange", [])),
                                 key=lambda change: change.graph)),
            statements_recorded=_one(values, CITYREG + "statementsNotRecorded") != "true",
        ))
    return sorted(versions, key=lambda version: version.number)


def delta_texts(registry: Registry, change: GraphChangeRecord) -> tuple[str, str]:
    """The N-Quads text of the statements a graph change added and removed ("" when none)."""
    node = ox.NamedNode(change.node)
    history = ox.NamedNode(HISTORY_GRAPH)
    texts = []
    for name in ("addedStatements", "removedStatements"):
        quads = registry.store.quads_for_pattern(node, ox.NamedNode(CITYREG + name), None,
                                                 history)
        texts.append("".join(quad.object.value for quad in quads
                             if isinstance(quad.object, ox.Literal)))
    return texts[0], texts[1]


def resolve(versions: list[VersionRecord], spec: str) -> VersionRecord:
    """The version ``spec`` names (see the module docstring); an InputError that lists what is
    accepted when it names none."""
    text = spec.strip().removeprefix("@")
    if not versions:
        raise InputError(f"the registry has no versions, so {spec!r} names none; load, import "
                         "or harvest something first")
    if text in ("latest", "last"):
        return versions[-1]
    if text.isdigit():
        for version in versions:
            if version.number == int(text):
                return version
        raise InputError(f"there is no version {text}: the registry has versions 1 to "
                         f"{versions[-1].number}; list them with `cityreg history`")
    moment = _moment(spec, text)
    made = [version for version in versions if version.time <= moment]
    if not made:
        raise InputError(f"no version was made at or before {spec!r}: the first is "
                         f"{versions[0].label}")
    return made[-1]


def _moment(spec: str, text: str) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(
                microseconds=1)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"cannot read the version {spec!r}: expected a number (3, @3), "
                         "'latest', a date (2026-12-01) or a time (2026-12-01T10:00)"
                         ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one(values: dict[str, list[ox.NamedNode | ox.Literal]], predicate: str) -> str | None:
    found = values.get(predicate)
    return found[0].value if found else None


def _usage(values: dict[str, list[ox.NamedNode | ox.Literal]]) -> tuple[str, str]:
    return (_one(values, PROV + "entity") or "", _one(values, CITYREG + "sha256") or "")


def _change(node: str, values: dict[str, list[ox.NamedNode | ox.Literal]]
            ) -> GraphChangeRecord:
    return GraphChangeRecord(
        node=node,
        graph=_one(values, CITYREG + "changedGraph") or "",
        created=_one(values, CITYREG + "graphCreated") == "true",
        blank_replaced=_one(values, CITYREG + "blankNodesReplaced") == "true",
        added=int(_one(values, CITYREG + "statementsAdded") or 0),
        removed=int(_one(values, CITYREG + "statementsRemoved") or 0),
    )
