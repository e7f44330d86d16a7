"""``cityreg report``: the documents surveillance ordinances and transparency standards require,
generated from the registry.

Exit codes: 0 the document was written (whatever its gaps: a gap is reported, not an error),
2 an error (unknown kind, entity or template, bad year).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from registry.commands._common import Store, paths_argument, store_option
from registry.commands.validate import _open, _write
from registry.errors import InputError
from registry.reports.documentfill import fill_document, find_entity
from registry.reports.documentrender import FORMATS, render_document
from registry.reports.documents import builtin_kinds, load_kind


def _kind_help() -> str:
    try:
        return ", ".join(builtin_kinds())
    except InputError as error:  # a broken built-in template: say so in --help too
        return f"(the built-in templates cannot be read: {error})"


@click.command("report")
@click.argument("kind", metavar="KIND")
@click.argument("entity", metavar="IRI-OR-LABEL")
@paths_argument
@store_option()
@click.option("--year", type=click.IntRange(1900, 2999), metavar="YYYY",
              help="The year of an annual report (annual-surveillance-report); default: last "
              "year.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="html",
              show_default=True, help="html (printable), md (Markdown) or json.")
@click.option("--template", "template", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="A template of your own (a copy of a built-in one in "
              "registry/reports/kinds/, adapted) instead of KIND's built-in template.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the document to FILE instead of printing it.")
def report_command(kind: str, entity: str, paths: tuple[Path, ...], store: Store | None,
                   year: int | None, fmt: str, template: Path | None,
                   out: Path | None) -> None:
    """Generate the document KIND for one entity, from the registry.

    KIND is one of the built-in templates (see below) or, with --template FILE, the kind a
    template of your own declares. IRI-OR-LABEL is the entity the document is about: a system,
    sensor or deployment (surveillance-impact-report, use-policy, post-act-policy), a system
    (atrs-record), a processing (dpia-summary) or a city (annual-surveillance-report, for
    --year). Reads PATHs (RDF files or folders), the --store registry, or the built-in seed.

    Every element is filled from registry facts with their sources; every element the
    registry cannot fill is listed as a gap: not disclosed, stated absent or not recorded.
    The document says whether its law binds where the entity is: elsewhere it is a benchmark
    a city may adapt, and states no legal duty.

    Exit codes: 0 the document was written, 2 error.
    """
    chosen = load_kind(template) if template is not None else None
    if chosen is None:
        kinds = builtin_kinds()
        if kind not in kinds:
            raise InputError(f"unknown report kind {kind!r}: expected one of "
                             f"{', '.join(kinds)}, or --template FILE for an adapted one")
        chosen = kinds[kind]
    elif chosen.id != kind:
        raise InputError(f"{template}: the template is for {chosen.id!r}, not {kind!r}: give "
                         f"KIND {chosen.id} or change the template's kind")
    if chosen.needs_year and year is None:
        year = date.today().year - 1
    registry = _open(store, paths)
    try:
        iri = find_entity(registry, chosen, entity)
        document = fill_document(registry, chosen, iri, year if chosen.needs_year else None)
    finally:
        registry.close()
    _write(render_document(document, fmt), out)  # type: ignore[arg-type]  # a FORMATS choice
    if out is not None:
        click.echo(f"Wrote {out}")


assert report_command.help is not None
report_command.help += f"\n\nBuilt-in kinds: {_kind_help()}."

COMMANDS: list[click.Command] = [report_command]
