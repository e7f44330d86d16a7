"""``cityreg serve``, ``cityreg trace`` and ``cityreg export-schema``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from registry.commands._common import (
    Store,
    paths_argument,
    plural,
    registry_for_reading,
    store_option,
)
from registry.errors import InputError
from registry.flows import Hop, TraceResult
from registry.flows.model import GRADES, grade_rank
from registry.flows.questions import access_for
from registry.namespaces import DEFAULT_ENTITY_BASE
from registry.remote.location import RemoteLocation
from registry.resources import data_dir, seed_dir
from registry.store import Registry
from registry.store.registry import LOCK_WAIT_SECONDS
from registry.web.admission import Limits


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of {value!r} is not a date: expected YYYY-MM-DD, such as "
                         "2024-01-31") from None


def _open(store: Store | None, paths: tuple[Path, ...], default_seed: bool) -> Registry:
    if store is None and not paths and default_seed:
        paths = (seed_dir(),)
    return registry_for_reading(store, paths)


@click.command()
@paths_argument
@store_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0: any free port).")
@click.option("--base", default=DEFAULT_ENTITY_BASE, show_default=True, metavar="IRI",
              help="Entity IRI base served at /id/.")
@click.option("--as-of", "as_of", metavar="DATE", help="Reference date of the legal checks "
              "(YYYY-MM-DD; default today).")
@click.option("--sparql-workers", default=Limits().sparql_workers, show_default=True,
              type=click.IntRange(1, 64), help="Processes that answer SPARQL queries: at "
              "most this many run at once, server-wide.")
@click.option("--sparql-timeout", default=Limits().sparql_seconds, show_default=True,
              type=click.FloatRange(0.1, 3600), metavar="SECONDS",
              help="A SPARQL query still running after this is stopped (its worker process is "
              "killed) and answered 503.")
@click.option("--sparql-memory", default=Limits().sparql_memory_mb, show_default=True,
              type=click.IntRange(0, 1 << 20), metavar="MB",
              help="Memory each SPARQL worker may use (0: no cap); a query that needs "
              "more is stopped and answered 503.")
@click.option("--reload-interval", default=2.0, show_default=True,
              type=click.FloatRange(0.1, 3600), metavar="SECONDS",
              help="With --store: how often to look for a load or import into the store, "
              "which is then served without a restart.")
@click.option("--map-tiles", "map_tiles", metavar="URL-TEMPLATE",
              help="Tile URL template of the cities' map pages (/cities/<slug>/map), such as "
              "https://tile.example.org/{z}/{x}/{y}.png (one host; the pages' CSP allows "
              "images from it). Without it the maps load no tiles: markers on a plain "
              "background, offline.")
def serve(paths: tuple[Path, ...], store: Store | None, host: str, port: int, base: str,
          as_of: str | None, sparql_workers: int, sparql_timeout: float, sparql_memory: int,
          reload_interval: float, map_tiles: str | None) -> None:
    """Serve the registry: GraphQL (with GraphiQL) at /graphql, pages at /, SPARQL at /sparql,
    health at /healthz.

    With no PATH and no --store, serves the built-in seed registry. With --store DIR, serves a
    checkpoint of DIR without keeping it locked: `cityreg load --store DIR` and `cityreg import
    --store DIR` work while the server runs, and the server switches to the new state within
    --reload-interval seconds once they finish, without dropping a request.
    """
    import uvicorn

    from registry.api.app import guarded
    from registry.server import generation, snapshot
    from registry.server.live import LiveServer
    from registry.web.mappage import configure_tiles

    try:
        configure_tiles(map_tiles)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--map-tiles") from None

    limits = replace(Limits().with_workers(sparql_workers), sparql_seconds=sparql_timeout,
                     sparql_memory_mb=sparql_memory)
    settings = generation.Settings(base, _as_of(as_of), limits)
    for prefix in ("cityreg-serve", "cityreg-sparql", "cityreg-dumps"):  # left by killed servers
        snapshot.remove_stale(store if isinstance(store, Path) else None, prefix)
    if isinstance(store, RemoteLocation):
        if paths:
            raise click.UsageError("give either --store URL or PATHs to serve, not both (use "
                                   f"`cityreg load PATH --store {store}` to add files)")
        engine = store
        first = generation.from_engine(engine, settings, 1)
        watcher = Registry.connect(engine, ontology=False)
        live = LiveServer(first, folder=str(engine), reload_seconds=reload_interval,
                          build=lambda number: generation.from_engine(engine, settings, number),
                          status=settings.status, watch=watcher.state_token)
        watching = f"; watching {engine} for loads"
    elif store is not None:
        if paths:
            raise click.UsageError("give either --store DIR or PATHs to serve, not both (use "
                                   f"`cityreg load PATH --store {store}` to add files)")
        folder = store
        first = generation.from_store_folder(folder, settings, 1, wait=LOCK_WAIT_SECONDS)
        live = LiveServer(first, folder=folder, reload_seconds=reload_interval,
                          build=lambda number: generation.from_store_folder(
                              folder, settings, number), status=settings.status)
        watching = f"; watching {folder} for loads"
    else:
        live = LiveServer(generation.from_registry(_open(None, paths, True), settings))
        watching = ""
    config = uvicorn.Config(guarded(live, limits), host=host, port=port, log_level="warning",
                            lifespan="on", ws="none", limit_concurrency=limits.max_connections,
                            timeout_graceful_shutdown=30)
    server = uvicorn.Server(config)
    click.echo(f"cityreg {plural(live.current.context.registry.count(), 'statement')}; serving "
               f"http://{host}:{port}/graphql{watching} (Ctrl-C to stop)")
    server.run()


def render_trace(result: TraceResult) -> str:
    """The text form of a trace: a summary (organisations per grade, whether a limit cut the
    search, whether the answer has gaps), each organisation with its paths as hops, then the
    gaps."""
    lines = [f"Who can access {result.source_label} <{result.source}>"
             + (f" on {result.as_of.isoformat()}" if result.as_of else ""), *_summary(result)]
    for access in result.organisations:
        lines.append("")
        if access.disclosed:
            lines.append(f"{access.label} <{access.organisation}>: {access.grade}, "
                         f"{plural(len(access.paths), 'path')}")
        else:
            lines.append(f"{access.label}: {access.grade}, identity not disclosed, category "
                         f"{access.category_label} <{access.category}>, "
                         f"{plural(len(access.paths), 'path')}")
        for number, path in enumerate(access.paths, 1):
            derived = (f" (derived from {', '.join(path.derived_from_labels)})"
                       if path.derived_from else "")
            lines.append(f"  {number}. {path.hops[0].dataset_label}{derived}")
            lines += [f"     {_hop_line(hop)}" for hop in path.hops]
    if result.disclosure:
        lines += ["", f"Gaps: {_facts_missing(len(result.disclosure))}"]
        entity = None
        for gap in result.disclosure:
            if gap.entity != entity:
                entity = gap.entity
                lines.append(f"  {gap.entity_label} <{gap.entity}>")
            lines.append(f"    {gap.prop_label} {gap.status}: {gap.why}")
    return "\n".join(lines)


def _summary(result: TraceResult) -> list[str]:
    """The lines that say, before any detail, how good and how whole the answer is."""
    counts = result.grade_counts()
    followed = GRADES[:grade_rank(result.min_grade) + 1]
    skipped = GRADES[len(followed):]
    by_grade = ", ".join(f"{counts[grade]} {grade}" for grade in followed)
    if skipped:
        by_grade += (f" ({' and '.join(skipped)} evidence not followed: "
                     f"--min-grade {result.min_grade})")
    lines = [f"{plural(len(result.organisations), 'organisation')}, "
             f"{plural(result.path_count, 'path')}: {by_grade}."]
    if result.truncated_at is None:
        lines.append("Search: complete (no --max-depth or --max-paths limit reached).")
    else:
        lines.append(f"Search: INCOMPLETE: stopped at {result.truncated_at} "
                     "(raise --max-paths or --max-depth).")
    if not result.fully_disclosed:
        lines.append(f"Disclosure: NOT fully disclosed: "
                     f"{_facts_missing(len(result.disclosure))} (see Gaps below).")
    elif skipped:
        lines.append(f"Disclosure: fully disclosed as far as followed (the "
                     f"{' and '.join(skipped)} evidence left out may have gaps).")
    else:
        lines.append("Disclosure: fully disclosed: the trace met no fact that is not disclosed "
                     "or not recorded.")
    return lines


def _facts_missing(count: int) -> str:
    return f"{plural(count, 'fact')} not disclosed or not recorded"


def _hop_line(hop: Hop) -> str:
    """One hop: who passes the data to whom, under what; its grade and rule unless asserted."""
    dates = ("" if hop.start is None and hop.end is None else
             f", {hop.start or '…'}..{hop.end or '…'}")
    onward = ("" if hop.onward_sharing == "allowed"
              else f", onward sharing {hop.onward_sharing}")
    grade = ("" if hop.grade == "asserted" else
             f" [{hop.grade}: {hop.rule_label}]" if hop.rule_label else f" [{hop.grade}]")
    return (f"{hop.source_label} → {hop.target_label} via {hop.via_label}"
            f" ({hop.role_label}: {hop.grant_label}{dates}{onward}){grade}")


@click.command()
@click.argument("source")
@paths_argument
@store_option()
@click.option("--as-of", "as_of", metavar="DATE", help="Only hops valid on this date.")
@click.option("--max-depth", default=6, show_default=True, type=click.IntRange(1, 50),
              help="Longest chain of hops.")
@click.option("--max-paths", default=100, show_default=True, type=click.IntRange(1, 100000),
              help="Most evidence paths in all.")
@click.option("--min-grade", "min_grade", type=click.Choice(GRADES), default="undisclosed",
              show_default=True, help="Weakest evidence to follow: asserted (recorded roles, "
              "clauses and agreements only), inferred (also access a recorded relation "
              "implies) or undisclosed (also recipients known only by category: all).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: a summary, each organisation and its paths, "
              "the gaps; json: the same answer as a JSON object.")
def trace(source: str, paths: tuple[Path, ...], store: Store | None, as_of: str | None,
          max_depth: int, max_paths: int, min_grade: str, fmt: str) -> None:
    """Who can access data from SOURCE, through which contracts and agreements, how good the
    evidence is, and which facts the answer lacks.

    SOURCE is the IRI or label (exact, then ignoring case) of a sensor, deployment, system,
    dataset or organisation; a label several entities share is refused with their IRIs.
    Reads PATHs (default: the built-in seed) or --store.
    """
    reference = _as_of(as_of)
    with _open(store, paths, default_seed=True) as registry:
        graph = access_for(registry, bounded=False)
        result = graph.who_can_access(graph.resolve(source), reference, max_depth, max_paths,
                                      min_grade)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_trace(result))


@click.command("export-schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the SDL (default: graphql/schema.graphql).")
def export_schema(out: Path | None) -> None:
    """Write the GraphQL schema (SDL) that `cityreg serve` answers."""
    from registry.api import schema

    target = out or data_dir("graphql") / "schema.graphql"
    text = str(schema).rstrip("\n") + "\n"
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}; check that the "
                         "folder exists and is writable") from error
    click.echo(f"Wrote {target} ({plural(text.count(chr(10)), 'line')}).")


COMMANDS: list[click.Command] = [serve, trace, export_schema]
