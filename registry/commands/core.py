"""The core commands: load, export, query and stats."""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox

from registry.commands._common import (
    binary_stdout,
    open_registry,
    paths_argument,
    plural,
    registry_for_reading,
    render_table,
    store_option,
    time_limit,
)
from registry.server.results import plain_text, write_csv, write_tsv
from registry.store import (
    EXPORT_FORMATS,
    ONTOLOGY_GRAPH,
    LoadReport,
    Registry,
)
from registry.store.sparql import prefixes_used

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
def load(paths: tuple[Path, ...], store: Path | None, graph_base: str | None) -> None:
    """Load RDF files and folders (PATH...) into the registry.

    Reads Turtle (.ttl), JSON-LD (.jsonld), N-Triples (.nt), N-Quads (.nq), RDF/XML (.rdf,
    .owl, .xml) and TriG (.trig). Folders are read recursively; hidden files and other
    extensions are skipped. Each file gets its own named graph and a provenance record (file,
    SHA-256, time, statement count). A changed file replaces only its own statements; an
    unchanged file is skipped.

    All or nothing: if any file is malformed, the error names file:line:col and nothing is
    loaded. Without --store nothing is kept: a quick check that the files parse.
    """
    with open_registry(store) as registry:
        report = registry.load(*paths, graph_base=graph_base)
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
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="turtle",
              show_default=True, help="Syntax to write. n-quads keeps the named graphs and "
              "their provenance; the others write the union of all data.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="File to write (default: standard output).")
@click.option("--include-ontology", is_flag=True, help="Also write the cityreg ontology.")
def export(paths: tuple[Path, ...], store: Path | None, fmt: str, out: Path | None,
           include_ontology: bool) -> None:
    """Write the registry's data as Turtle, JSON-LD, N-Triples or N-Quads.

    Reads the registry in --store DIR, or loads the files and folders PATH... into memory
    first (for example to convert or merge them).
    """
    with registry_for_reading(store, paths) as registry:
        if out is None:
            with binary_stdout() as stdout:
                registry.export(fmt, stdout, include_ontology)
            return
        registry.export(fmt, out, include_ontology)
    click.echo(f"Wrote {out} ({fmt}).", err=True)


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
def query(args: tuple[str, ...], store: Path | None, query_file: Path | None,
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
def stats(paths: tuple[Path, ...], store: Path | None) -> None:
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
