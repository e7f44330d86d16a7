"""``cityreg publish``: the registry as a static website."""

from __future__ import annotations

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
from registry.context import RegistryContext
from registry.namespaces import DEFAULT_ENTITY_BASE
from registry.resources import seed_dir


@click.command("publish")
@paths_argument
@store_option()
@click.option("--out", required=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the site to (new, empty, or a site published before).")
@click.option("--base", default=DEFAULT_ENTITY_BASE, show_default=True, metavar="IRI",
              help="Entity IRI base: entities under it get pages at id/<path>.html.")
@click.option("--site-url", default="", metavar="URL",
              help="Where the site will be served (ending in /), for absolute IRIs in "
              "catalog.ttl and changes.atom; without it they are relative.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Reference date of the legal checks (YYYY-MM-DD; default today).")
@click.option("--map-tiles", "map_tiles", metavar="URL-TEMPLATE",
              help="Tile URL template of the cities' map pages, such as "
              "https://tile.example.org/{z}/{x}/{y}.png (one host, https); without it the "
              "maps load no tiles: markers on a plain background.")
def publish(paths: tuple[Path, ...], store: Store | None, out: Path, base: str,
            site_url: str, as_of: str | None, map_tiles: str | None) -> None:
    """Write the registry as a static website to DIR: the same pages as `cityreg serve`.

    Every entity gets a page (id/<path>.html) and its data (.ttl, .jsonld, .nt), plus index
    pages, the findings dashboard, the ontology, the dumps and a DCAT catalogue. Links are
    relative: any web host can serve the folder, and it works opened from disk. With no PATH
    and no --store, publishes the built-in seed registry.

    Earlier publications to DIR are kept in DIR/publications/, each with its dumps, what
    changed since the one before, and a manifest of checksums chained to the previous
    manifest (check them with `cityreg verify DIR`); changes.html and the Atom feed
    changes.atom list them.
    """
    from registry.errors import InputError
    from registry.web.mappage import configure_tiles
    from registry.web.publish import publish as write_site

    try:
        configure_tiles(map_tiles)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--map-tiles") from None
    if site_url and not site_url.endswith("/"):
        raise click.BadParameter(f"{site_url!r} must end in '/', as in https://example.org/",
                                 param_hint="--site-url")
    try:
        reference = date.fromisoformat(as_of) if as_of is not None else None
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date: expected YYYY-MM-DD, such as "
                                 "2024-01-31", param_hint="--as-of") from None
    registry = registry_for_reading(store, paths or (() if store else (seed_dir(),)))
    try:
        context = RegistryContext(registry, entity_base=base)
        if reference is not None:
            context.as_of = reference
        report = write_site(context, out, site_url)
    finally:
        registry.close()
    entities = "1 entity" if report.entities == 1 else f"{report.entities} entities"
    click.echo(f"Published {entities} to {out}")
    click.echo(f"  {plural(report.pages, 'page')} (HTML)")
    click.echo(f"  {plural(report.data_files, 'data file')} (Turtle, JSON-LD, N-Triples, "
               "N-Quads)")
    click.echo(f"  {plural(report.files, 'file')} in total")
    for iri in report.skipped:
        click.echo(f"  skipped {iri}: its path cannot be a file name", err=True)


COMMANDS: list[click.Command] = [publish]
