"""``cityreg import``: spreadsheets, OCDS procurement data and DCAT catalogues into a registry."""

from __future__ import annotations

from pathlib import Path

import click

from registry.commands._common import STORE, Store, open_registry, plural
from registry.importers import (
    FORMATS,
    ImportFormat,
    ImportResult,
    diff,
    existing_in_folder,
    existing_in_store,
    import_files,
    write_out,
    write_store,
)
from registry.progress import progress_reporter


@click.command("import")
@click.argument("fmt", metavar="{csv|ocds|dcat}", type=click.Choice(FORMATS))
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="CSVW metadata (JSON) mapping the spreadsheet's columns (csv only). "
              "Default: the shipped template or register mapping that fits the header.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write one sorted Turtle file per imported file into this registry folder.")
@click.option("--store", type=STORE, metavar="DIR|URL",
              help="Write into the on-disk registry in this folder (created if missing), or "
              "into the SPARQL engine at this URL (oxigraph+http://HOST:PORT, "
              "virtuoso+http://HOST:PORT).")
@click.option("--dry-run", is_flag=True,
              help="Show what would change (statements added, removed, unchanged per entity "
              "type, and the first new entities); write nothing.")
@click.option("--city", metavar="IRI-or-slug",
              help="The city the entries belong to: adds cityreg:city, and new IRIs are "
              "minted under https://w3id.org/cityreg/id/<city>/.")
@click.option("--base", metavar="IRI", help="Mint new entity IRIs under this IRI instead.")
def import_(fmt: ImportFormat, files: tuple[Path, ...], mapping: Path | None, out: Path | None,
            store: Store | None, dry_run: bool, city: str | None, base: str | None) -> None:
    """Import spreadsheets (csv: CSV or XLSX), OCDS procurement data (ocds: release
    packages or records, JSON) or DCAT catalogues (dcat: Turtle, JSON-LD, RDF/XML).

    Every file is checked first; every problem is reported as file:row:column (spreadsheets)
    or file:/json/pointer (OCDS), and nothing is written when there is one (exit 2).
    IRIs come from the files' own identifiers, and each file owns one named graph (or one
    --out Turtle file) that a re-import replaces: importing twice changes nothing. A workbook
    of templates (one sheet per template, as `cityreg export --format xlsx` writes it) is
    read sheet by sheet, each sheet owning its graph (and --out file, <sheet>.ttl). What
    other files say about the same entities is never removed.

    Without --store or --out the files are only checked. Standard error shows how many
    files (csv: tables) are read, then written (CITYREG_PROGRESS=0 silences it).
    """
    if out is not None and store is not None:
        raise click.UsageError("give either --out DIR or --store DIR, not both")
    unit = "tables" if fmt == "csv" else "files"
    with progress_reporter("cityreg import (reading)", unit) as progress:
        results = import_files(fmt, list(files), mapping=mapping, city=city, base=base,
                               progress=progress)
    if dry_run:
        _dry_run(results, out, store)
    elif out is not None:
        with progress_reporter("cityreg import (writing)", unit) as progress:
            written = write_out(out, results, progress)
        width = max(len(str(len(result.triples))) for result in results)
        for result, path in zip(results, written, strict=True):
            click.echo(f"wrote  {len(result.triples):>{width}}  {path}")
        total = sum(len(result.triples) for result in results)
        click.echo(f"{_inputs(results)}: {plural(total, 'statement')} "
                   f"written to {out}.")
    else:
        with open_registry(store) as registry, registry.recording("cityreg import"), \
                progress_reporter("cityreg import (writing)", unit) as progress:
            loads = write_store(registry, results, progress)
        width = max(len(str(load.statements)) for load in loads)
        for result, load in zip(results, loads, strict=True):
            was = "" if load.previous_statements is None else (
                f" (was {load.previous_statements})")
            click.echo(f"{load.status:<9}  {load.statements:>{width}}  {result.label}{was}")
        counts = ", ".join(f"{sum(1 for load in loads if load.status == status)} {status}"
                           for status in ("loaded", "replaced", "unchanged")
                           if any(load.status == status for load in loads))
        total = sum(load.statements for load in loads)
        click.echo(f"{_inputs(results)}: {counts}; {plural(total, 'statement')}.")
        if store is None:
            click.echo("Checked only: nothing was stored. Add --store DIR or --out DIR to keep "
                       "the data.", err=True)


def _inputs(results: list[ImportResult]) -> str:
    """``2 files``; with a workbook of templates, ``5 tables in 1 file``."""
    files = plural(len({result.source for result in results}), "file")
    if all(result.sheet is None for result in results):
        return files
    return f"{plural(len(results), 'table')} in {files}"


def _dry_run(results: list[ImportResult], out: Path | None, store: Store | None) -> None:
    if isinstance(store, Path) and not store.is_dir():
        store = None
    registry = open_registry(store) if store is not None else None
    try:
        for result in results:
            if out is not None:
                old = existing_in_folder(out, result)
            elif registry is not None:
                old = existing_in_store(registry, result.graph)
            else:
                old = set()
            for line in diff(result.label, old, result.triples).lines():
                click.echo(line)
    finally:
        if registry is not None:
            registry.close()
    click.echo("Dry run: nothing was written.")


COMMANDS: list[click.Command] = [import_]
