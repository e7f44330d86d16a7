"""The core commands: load, export, query and stats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pyoxigraph as ox

from registry.commands._common import (
    Store,
    binary_stdout,
    open_registry,
    paths_argument,
    plural,
    registry_for_reading,
    render_table,
    store_option,
    time_limit,
)
from registry.progress import progress_reporter
from registry.server.results import plain_text, write_csv, write_tsv
from registry.store import (
    EXPORT_FORMATS,
    ONTOLOGY_GRAPH,
    LoadReport,
    Registry,
)
from registry.store.sparql import prefixes_used

#: The spreadsheet templates of `cityreg import csv` (registry/importers/template_export.py).
SPREADSHEET_FORMATS = ("csv", "xlsx")

RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="PATH...")
@store_option(creates=True)
@click.option("--graph-base", metavar="IRI",
              help="Name each file's graph with this IRI followed by the file's path inside "
              "the folder given, instead of its file:// URI, so that graph names do not depend "
              "on where the files are.")
def load(paths: tuple[Path, ...], store: Store | None, graph_base: str | None) -> None:
    """Load RDF files and folders (PATH...) into the registry.

    Reads Turtle (.ttl), JSON-LD (.jsonld), N-Triples (.nt), N-Quads (.nq), RDF/XML (.rdf,
    .owl, .xml) and TriG (.trig). Folders are read recursively; hidden files and other
    extensions are skipped. Each file gets its own named graph and a provenance record (file,
    SHA-256, time, statement count). A changed file replaces only its own statements; an
    unchanged file is skipped.

    All or nothing: if any file is malformed, the error names file:line:col and nothing is
    loaded. Without --store nothing is kept: a quick check that the files parse. Standard
    error shows how many files are done (CITYREG_PROGRESS=0 silences it).
    """
    with open_registry(store) as registry, registry.recording("cityreg load"), \
            progress_reporter("cityreg load", "files") as progress:
        report = registry.load(*paths, graph_base=graph_base, progress=progress)
    click.echo(_load_summary(report))
    if store is None:
        click.echo("Checked only: nothing was stored. Add --store DIR to keep the data.",
                   err=True)


def _load_summary(report: LoadReport) -> str:
    width = max(len(str(source.statements)) for source in report.sources)
    lines = []
    for source in report.sources:
        was = "" if source.previous_statements is None else (
            f" (was {source.previous_statements})")
        lines.append(f"{source.status:<9}  {source.statements:>{width}}  {source.source}{was}")
    counts = ", ".join(f"{report.count(status)} {status}"
                       for status in ("loaded", "replaced", "unchanged") if report.count(status))
    lines.append(f"{plural(len(report.sources), 'file')}: {counts}; "
                 f"{plural(report.statements, 'statement')}.")
    return "\n".join(lines)


@click.command("export")
@paths_argument
@store_option()
@click.option("--format", "fmt", type=click.Choice([*EXPORT_FORMATS, *SPREADSHEET_FORMATS]),
              default="turtle", show_default=True, help="Syntax to write. n-quads keeps the "
              "named graphs and their provenance; the others write the union of all data. csv "
              "and xlsx write the spreadsheet templates that `cityreg import csv` reads.")
@click.option("--out", type=click.Path(path_type=Path), metavar="PATH",
              help="File to write (default: standard output). csv: the folder to write the "
              "template files into (required). xlsx: the workbook, a .xlsx file (required).")
@click.option("--include-ontology", is_flag=True, help="Also write the cityreg ontology.")
@click.option("--city", metavar="IRI-or-slug", help="csv and xlsx: write the entries of this "
              "city, as `cityreg import --city` names them (IRIs under "
              "https://w3id.org/cityreg/id/<city>/); import the sheets with the same --city.")
@click.option("--base", metavar="IRI", help="csv and xlsx: write the entries whose IRIs are "
              "under this IRI instead; import the sheets with the same --base.")
@click.option("--as-of-version", "as_of_version", metavar="VERSION", help="Write the registry "
              "in --store as it was at this version (a number, 'latest', or a date or time: "
              "the last version made by then; see `cityreg history`).")
def export(paths: tuple[Path, ...], store: Store | None, fmt: str, out: Path | None,
           include_ontology: bool, city: str | None, base: str | None,
           as_of_version: str | None) -> None:
    """Write the registry's data as Turtle, JSON-LD, N-Triples or N-Quads, or as the
    spreadsheet templates of `cityreg import csv` (csv, xlsx).

    Reads the registry in --store DIR, or loads the files and folders PATH... into memory
    first (for example to convert or merge them).

    csv writes sensors.csv, datasets.csv, organisations.csv, contracts.csv and agreements.csv
    into --out DIR; xlsx writes them as the sheets of one workbook, --out FILE.xlsx. One row
    per entry under the city's IRIs (--city or --base: give the import the same), sorted by
    IRI. Edit a cell and import the file back with `cityreg import csv`: each file (or sheet)
    replaces only its own graph or --out Turtle file, so what other files say is kept.
    Standard error tells what the sheets cannot hold: the statements no column holds, what
    importing them unchanged would add, and the entries no template can name.
    """
    if as_of_version is not None and store is None:
        raise click.UsageError("--as-of-version reads the history kept in a registry: give "
                               "--store DIR|URL")
    if fmt in SPREADSHEET_FORMATS:
        if as_of_version is not None:
            raise click.UsageError(f"--as-of-version applies to the RDF formats, not {fmt}")
        _export_templates(paths, store, fmt, out, include_ontology, city, base)
        return
    if city is not None or base is not None:
        raise click.UsageError(f"--city and --base apply to --format csv and xlsx, not {fmt}; "
                               "leave them out")
    if out is not None and out.is_dir():
        raise click.BadParameter(f"{out} is a folder: expected a file to write the {fmt} "
                                 "export to", param_hint="'--out'")
    with registry_for_reading(store, paths) as present, _as_of(present, as_of_version
                                                              ) as registry:
        if out is None:
            with binary_stdout() as stdout:
                registry.export(fmt, stdout, include_ontology)
            return
        registry.export(fmt, out, include_ontology)
    click.echo(f"Wrote {out} ({fmt}).", err=True)


@contextmanager
def _as_of(registry: Registry, version: str | None) -> Iterator[Registry]:
    """The registry, or the registry as it was at ``version``."""
    if version is None:
        yield registry
        return
    from registry.history.reconstruct import registry_at

    label, then = registry_at(registry, version)
    with then:
        click.echo(f"As it was at {label}.", err=True)
        yield then


def _export_templates(paths: tuple[Path, ...], store: Store | None, fmt: str, out: Path | None,
                      include_ontology: bool, city: str | None, base: str | None) -> None:
    """``export --format csv|xlsx``: the templates, and on stderr what they cannot hold."""
    from registry.importers.base import entity_base
    from registry.importers.template_export import (
        export_templates,
        summary_lines,
        write_csv_folder,
        write_workbook,
    )

    if out is None and fmt == "xlsx":
        raise click.UsageError("--format xlsx writes a binary workbook, which is not written "
                               "to the terminal or standard output: give --out FILE.xlsx")
    if out is None:
        raise click.UsageError("--format csv writes one file per template: give --out DIR, "
                               "the folder to write them into")
    if include_ontology:
        raise click.UsageError(f"--include-ontology applies to the RDF formats, not {fmt}: "
                               "the templates hold entries, not the ontology; leave it out")
    minted = entity_base(city, base)
    if minted is None:
        raise click.UsageError(f"--format {fmt} writes entries by their identifiers under the "
                               "IRI the import mints them under: give --city SLUG (IRIs under "
                               "https://w3id.org/cityreg/id/<slug>/) or --base IRI, the same "
                               "that `cityreg import csv` is given")
    with registry_for_reading(store, paths) as registry:
        filled = export_templates(registry, minted, city)
    if fmt == "csv":
        places = [str(path) for path in write_csv_folder(filled, out)]
    else:
        write_workbook(filled, out)
        places = [f"{out}[{template.name}]" for template in filled.templates]
    for line in summary_lines(filled, places, str(out)):
        click.echo(line, err=True)


@click.command("query")
@click.argument("args", nargs=-1, metavar="[PATH]... SPARQL")
@store_option()
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), metavar="FILE.rq",
              help="Read the query from this file; then every argument is a PATH.")
@click.option("--format", "fmt", type=click.Choice(["table", *RESULT_FORMATS]), default=None,
              help="How to print SELECT and ASK results [default: table]. csv, tsv and json "
              "are the W3C SPARQL results formats.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(0),
              metavar="SECONDS", help="Stop the query (exit status 2) if it runs longer; 0: "
              "no limit.")
def query(args: tuple[str, ...], store: Store | None, query_file: Path | None,
          fmt: str | None, timeout: float) -> None:
    """Run a SPARQL query on the registry and print the answer.

    The query sees all named graphs merged, and may use the common prefixes (cityreg:, dcat:,
    dct:, dpv:, org:, prov:, sosa:, rdf:, rdfs:, xsd:, ...) without declaring them. SELECT
    prints a table, ASK prints true or false, CONSTRUCT and DESCRIBE print Turtle.
    Updates (INSERT, DELETE, ...) are refused.

    Example: cityreg query --store reg "SELECT ?s WHERE { ?s a cityreg:Sensor } LIMIT 10"
    """
    text, paths = _split_query_args(args, query_file)
    with registry_for_reading(store, paths) as registry, time_limit(
            timeout, "the query", "add a LIMIT, narrow the patterns or raise --timeout"):
        result = registry.raw_query(text)
        if isinstance(result, ox.QueryTriples):
            if fmt is not None:
                raise click.UsageError("--format applies to SELECT and ASK; CONSTRUCT and "
                                       "DESCRIBE always print Turtle")
            triples = list(result)
            prefixes = prefixes_used(term.value for triple in triples for term in triple
                                     if isinstance(term, ox.NamedNode))
            with binary_stdout() as stdout:
                ox.serialize(triples, stdout, ox.RdfFormat.TURTLE, prefixes=prefixes)
        elif isinstance(result, ox.QueryBoolean) and fmt == "json":
            with binary_stdout() as stdout:
                result.serialize(stdout, ox.QueryResultsFormat.JSON)
                stdout.write(b"\n")
        elif isinstance(result, ox.QueryBoolean):
            click.echo("true" if result else "false")
        elif fmt in ("csv", "tsv"):
            with binary_stdout() as stdout:
                writer = write_csv if fmt == "csv" else write_tsv
                names = [variable.value for variable in result.variables]
                stdout.write(writer(names, [list(row) for row in result]).encode("utf-8"))
        elif fmt in RESULT_FORMATS:
            with binary_stdout() as stdout:
                result.serialize(stdout, RESULT_FORMATS[fmt])
        else:
            click.echo(_solutions_table(result))


def _split_query_args(args: tuple[str, ...], query_file: Path | None
                      ) -> tuple[str, tuple[Path, ...]]:
    if query_file is not None:
        return query_file.read_text(encoding="utf-8"), tuple(Path(arg) for arg in args)
    if not args:
        raise click.UsageError("missing the SPARQL query: give it as the last argument or "
                               "with --file FILE.rq")
    text = args[-1]
    if "{" not in text and Path(text).exists():
        raise click.UsageError(f"the last argument must be the SPARQL query, but {text!r} is a "
                               "path; put the query after the PATHs or use --file FILE.rq")
    return text, tuple(Path(arg) for arg in args[:-1])


def _solutions_table(result: ox.QuerySolutions) -> str:
    headers = [variable.value for variable in result.variables]
    rows = [[plain_text(term) for term in solution] for solution in result]
    return f"{render_table(headers, rows)}\n({plural(len(rows), 'row')})"


@click.command("stats")
@paths_argument
@store_option()
def stats(paths: tuple[Path, ...], store: Store | None) -> None:
    """Count the registry's contents: instances per class, statements, graphs.

    Reads the registry in --store DIR, or loads PATH... into memory first. Classes are listed
    most frequent first, with their label from the cityreg ontology. The ontology itself and
    the provenance records are not counted.
    """
    with registry_for_reading(store, paths) as registry:
        click.echo(_stats_text(registry))


def _stats_text(registry: Registry) -> str:
    counts = registry.stats()
    rows = [[str(c.count), c.label or "-", c.iri] for c in counts.values()]
    table = (render_table(["instances", "class", "IRI"], rows, right_aligned=frozenset({0}))
             if rows else "No typed instances.")
    records = [record for record in registry.graphs() if record.graph != ONTOLOGY_GRAPH]
    sources = {record.source for record in records}
    return (f"{table}\n\n{plural(len(registry), 'statement')} in "
            f"{plural(len(records), 'named graph')} from {plural(len(sources), 'source')}.")


COMMANDS: list[click.Command] = [load, export, query, stats]
