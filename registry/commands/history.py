"""``cityreg history``: the versions of the registry, of one entity, and an entity as it was."""

from __future__ import annotations

import json
from datetime import UTC

import click
import pyoxigraph as ox

from registry.commands._common import (
    Store,
    plural,
    registry_for_reading,
    render_table,
    store_option,
)
from registry.errors import NotFoundError
from registry.history.entities import Walk, statements_of, walk
from registry.history.reconstruct import registry_at
from registry.history.versions import VersionRecord, read_versions
from registry.store import PROVENANCE_GRAPH, Registry
from registry.store.sparql import prefixes_used


@click.command("history")
@click.argument("iri", required=False)
@store_option()
@click.option("--as-of-version", "as_of_version", metavar="VERSION",
              help="Print the entity IRI as it was at this version (a number, 'latest', or a "
              "date or time: the last version made by then), as Turtle.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print the versions.")
def history(iri: str | None, store: Store | None, as_of_version: str | None, fmt: str) -> None:
    """List the versions of the registry in --store, newest first, or those that added,
    removed or changed the entity IRI.

    Every load, import and harvest that changes the registry is a version: when, who
    ($CITYREG_AGENT, else the system user), the command, the files with their SHA-256 and the
    statements added and removed. With --as-of-version, print the entity as it was then
    (`cityreg export --as-of-version` writes the whole registry as it was).
    """
    if store is None:
        raise click.UsageError("give the registry with --store DIR|URL: its history is kept "
                               "in it")
    if as_of_version is not None and iri is None:
        raise click.UsageError("--as-of-version prints one entity: give its IRI, or write the "
                               "whole registry as it was with `cityreg export --as-of-version`")
    with registry_for_reading(store, ()) as registry:
        if as_of_version is not None:
            assert iri is not None
            click.echo(_entity_as_of(registry, iri, as_of_version), nl=False)
            return
        versions = read_versions(registry)
        if iri is None:
            click.echo(_versions_json(versions) if fmt == "json"
                       else _versions_text(versions, registry.count()))
            return
        found = walk(registry, iri)
        label = _label(registry, iri)
    if not found.of(iri) and found.complete and not found.predates(iri):
        raise NotFoundError("entity", iri, "no version added, changed or removed it; list "
                            "the versions with `cityreg history`")
    click.echo(_entity_json(iri, label, found) if fmt == "json"
               else _entity_text(iri, label, found))


def _versions_text(versions: list[VersionRecord], statements: int) -> str:
    if not versions and statements:
        return (f"No versions recorded: the registry's {plural(statements, 'statement')} were "
                "loaded before cityreg recorded versions; the next load, import or harvest that "
                "changes it records version 1.")
    if not versions:
        return "No versions: nothing was loaded, imported or harvested into this registry."
    rows = [[str(v.number), _when(v), v.agent, _command(v), _changes(v)]
            for v in reversed(versions)]
    return render_table(["version", "made (UTC)", "by", "command", "changes"], rows)


def _entity_text(iri: str, label: str, found: Walk) -> str:
    rows = [[str(v.number), _when(v), v.agent, _command(v), change]
            for v, change in found.of(iri)]
    lines = [f"History of {label} <{iri}>" if label != iri else f"History of <{iri}>"]
    lines.append(render_table(["version", "made (UTC)", "by", "command", "change"], rows))
    if found.stopped_at is not None:
        lines.append(_stopped(found.stopped_at))
    elif found.predates(iri):
        lines.append(_older(found))
    return "\n".join(lines)


def _older(found: Walk) -> str:
    first = found.versions[-1].version.number if found.versions else None
    when = "before any version was recorded" if first is None else (
        f"before version {first}, the first one recorded")
    return (f"It was in the registry {when}: it was loaded before cityreg recorded versions, "
            "so when it was added is not known.")


def _stopped(version: VersionRecord) -> str:
    return (f"Not known before version {version.number}: it was a SPARQL update whose "
            "statements were not recorded.")


def _when(version: VersionRecord) -> str:
    return f"{version.time.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def _command(version: VersionRecord) -> str:
    return version.command if len(version.command) <= 40 else version.command[:39] + "…"


def _changes(version: VersionRecord) -> str:
    if not version.statements_recorded:
        return "statements not recorded"
    data = [change for change in version.changes if change.graph != PROVENANCE_GRAPH]
    added = sum(change.added for change in data)
    removed = sum(change.removed for change in data)
    created = sum(change.created for change in data)
    text = f"+{added} -{removed} in {plural(len(data), 'graph')}"
    return text + (f" ({created} new)" if created else "")


def _version_json(version: VersionRecord) -> dict[str, object]:
    return {
        "number": version.number,
        "time": version.time.astimezone(UTC).isoformat(),
        "agent": version.agent,
        "command": version.command,
        "files": [{"iri": iri, "sha256": sha256} for iri, sha256 in version.sources],
        "graphs": [{"graph": change.graph, "created": change.created,
                    "added": change.added, "removed": change.removed}
                   for change in version.changes],
        "statementsRecorded": version.statements_recorded,
    }


def _versions_json(versions: list[VersionRecord]) -> str:
    return json.dumps({"versions": [_version_json(v) for v in reversed(versions)]}, indent=2)


def _entity_json(iri: str, label: str, found: Walk) -> str:
    return json.dumps({
        "entity": iri,
        "label": label,
        "versions": [{**_version_json(version), "change": change}
                     for version, change in found.of(iri)],
        "complete": found.complete and not found.predates(iri),
        "notKnownBefore": None if found.stopped_at is None else found.stopped_at.number,
        "olderThanTheHistory": found.predates(iri),
    }, indent=2)


def _label(registry: Registry, iri: str) -> str:
    from registry.web.dumps import labels

    found = labels(registry, {iri}).get(iri)
    return iri if found is None else str(found)


def _entity_as_of(registry: Registry, iri: str, spec: str) -> str:
    label, then = registry_at(registry, spec)
    with then:
        triples = statements_of(then.store, iri)
    if not triples:
        raise NotFoundError("entity", iri, f"the registry said nothing about it at {label}; "
                            "see when it was added with `cityreg history IRI`")
    triples.sort(key=str)
    prefixes = prefixes_used(term.value for triple in triples for term in triple
                             if isinstance(term, ox.NamedNode))
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert text is not None  # serialize returns the bytes when no output is given
    return f"# <{iri}> at {label}\n" + text.decode()


COMMANDS = [history]
