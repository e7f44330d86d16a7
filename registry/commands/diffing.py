"""``cityreg diff A B``: what changed between two registries.

Exit codes, as ``diff``: 0 the registries are the same (entities, fields and findings), 1 they
differ, 2 an error (a side that cannot be read, a bad option).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from registry.commands._common import STORE, Store
from registry.commands.validate import _parse_date, _write

EXIT_SAME = 0
EXIT_DIFFERENT = 1
FORMATS = ("text", "json", "html")


@click.command("diff")
@click.argument("before", metavar="A")
@click.argument("after", metavar="B")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Report format: text, JSON, or one self-contained HTML "
              "page.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the report to FILE instead of printing it.")
@click.option("--no-findings", "no_findings", is_flag=True,
              help="Compare the data only; skip the legal checks (faster on large "
              "registries).")
@click.option("--store", type=STORE, metavar="DIR|URL",
              help="The registry whose versions @1, @latest, @YYYY-MM-DD name: a store "
              "folder or an engine's URL.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", callback=_parse_date,
              help="Reference date of the legal checks of both sides (default: today).")
def diff(before: str, after: str, fmt: str, out: Path | None, no_findings: bool,
         store: Store | None, as_of: date | None) -> None:
    """Compare two registries: entities added, removed and changed, field by field, and the
    legal findings that appeared or were resolved.

    A and B are each a store folder (made by `cityreg load --store DIR`), a dump file (.ttl,
    .nt, .nq, .trig, .jsonld, .rdf), a site folder made by `cityreg publish` (its registry.nq
    is read), an engine URL (oxigraph+http://HOST:PORT, ...), or @VERSION, a version of the
    --store registry (@1, @latest, @2026-12-01; see `cityreg history`). Blank nodes are
    compared by their content, not their labels.

    Exit codes, as diff: 0 the same, 1 different, 2 error.

    Example: cityreg diff published-march/ published-june/ --format html --out changes.html
    """
    from registry.history.diff import diff_registries
    from registry.history.diffhtml import render_html
    from registry.history.difftext import render_text
    from registry.history.sides import open_sides

    with open_sides([before, after], store) as (old, new):
        result = diff_registries(old.registry, new.registry, as_of=as_of or date.today(),
                                 findings=not no_findings, before_label=old.label,
                                 after_label=new.label)
    if fmt == "json":
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        text = render_html(result, findings_compared=not no_findings)
    else:
        text = render_text(result, findings_compared=not no_findings)
    _write(text, out)
    if out is not None:
        click.echo(f"Wrote {out} ({fmt}).", err=True)
    click.get_current_context().exit(EXIT_SAME if result.is_empty() else EXIT_DIFFERENT)


COMMANDS: list[click.Command] = [diff]
