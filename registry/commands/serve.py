"""``cityreg serve``, ``cityreg trace`` and ``cityreg export-schema``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from registry.commands._common import paths_argument, plural, registry_for_reading, store_option
from registry.context import RegistryContext
from registry.errors import InputError
from registry.flows import AccessGraph, TraceResult
from registry.namespaces import DEFAULT_ENTITY_BASE
from registry.resources import data_dir, seed_dir
from registry.store import Registry


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of {value!r} is not a date: expected YYYY-MM-DD, such as "
                         "2024-01-31") from None


def _open(store: Path | None, paths: tuple[Path, ...], default_seed: bool) -> Registry:
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
def serve(paths: tuple[Path, ...], store: Path | None, host: str, port: int, base: str,
          as_of: str | None) -> None:
    """Serve the registry: GraphQL (with GraphiQL) at /graphql, health at /healthz.

    With no PATH and no --store, serves the built-in seed registry.
    """
    import uvicorn

    from registry.api.app import create_app

    reference = _as_of(as_of)
    registry = _open(store, paths, default_seed=True)
    context = RegistryContext(registry, entity_base=base, **(
        {"as_of": reference} if reference is not None else {}))
    app = create_app(context)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    click.echo(f"cityreg {plural(registry.count(), 'statement')}; serving "
               f"http://{host}:{port}/graphql (Ctrl-C to stop)")
    try:
        server.run()
    finally:
        registry.close()


def render_trace(result: TraceResult) -> str:
    """The text form of a trace: each organisation, then its paths as hops."""
    lines = [f"Who can access {result.source_label} <{result.source}>"
             + (f" on {result.as_of.isoformat()}" if result.as_of else "")]
    for access in result.organisations:
        lines.append("")
        lines.append(f"{access.label} <{access.organisation}>: "
                     f"{plural(len(access.paths), 'path')}")
        for number, path in enumerate(access.paths, 1):
            derived = (f" (derived from {', '.join(path.derived_from)})"
                       if path.derived_from else "")
            lines.append(f"  {number}. {path.hops[0].dataset_label}{derived}")
            for hop in path.hops:
                dates = ("" if hop.start is None and hop.end is None else
                         f", {hop.start or '…'}..{hop.end or '…'}")
                onward = ("" if hop.onward_sharing == "allowed"
                          else f", onward sharing {hop.onward_sharing}")
                lines.append(f"     {hop.source_label} → {hop.target_label} via {hop.via_label}"
                             f" ({hop.role_label}: {hop.grant_label}{dates}{onward})")
    lines.append("")
    if result.complete:
        lines.append(f"{plural(len(result.organisations), 'organisation')}, "
                     f"{plural(result.path_count, 'path')}; complete.")
    else:
        lines.append(f"{plural(len(result.organisations), 'organisation')}, "
                     f"{plural(result.path_count, 'path')}; INCOMPLETE: stopped at "
                     f"{result.truncated_at} (raise --max-paths or --max-depth).")
    return "\n".join(lines)


@click.command()
@click.argument("source")
@paths_argument
@store_option()
@click.option("--as-of", "as_of", metavar="DATE", help="Only hops valid on this date.")
@click.option("--max-depth", default=6, show_default=True, type=click.IntRange(1, 50),
              help="Longest chain of hops.")
@click.option("--max-paths", default=100, show_default=True, type=click.IntRange(1, 100000),
              help="Most evidence paths in all.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def trace(source: str, paths: tuple[Path, ...], store: Path | None, as_of: str | None,
          max_depth: int, max_paths: int, fmt: str) -> None:
    """Who can access data from SOURCE, through which contracts and agreements.

    SOURCE is the IRI or exact label of a sensor, deployment, system, dataset or organisation.
    Reads PATHs (default: the built-in seed) or --store.
    """
    reference = _as_of(as_of)
    with _open(store, paths, default_seed=True) as registry:
        graph = AccessGraph.from_registry(registry)
        result = graph.who_can_access(graph.resolve(source), reference, max_depth, max_paths)
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
