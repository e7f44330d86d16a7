"""``cityreg validate`` and ``cityreg check``: the legal checks on the command line.

Exit codes, as pySHACL's validator: 0 the registry conforms (no finding at or above
``--fail-on``), 1 it does not, 2 an error (bad input, bad shapes, unknown contract).
Both show on standard error how many SHACL queries are done (:mod:`registry.progress`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click

from registry import resources
from registry.commands._common import Store, paths_argument, registry_for_reading, store_option
from registry.errors import InputError
from registry.findings import Severity
from registry.progress import progress_reporter
from registry.reports import render_json, render_text, render_turtle
from registry.reports.contract import chain, find_contract, render_contract
from registry.store import Registry
from registry.stored import stored_validation
from registry.stored.reportfile import folder_of, folder_of_engine
from registry.validate import ValidationReport, validate_registry

EXIT_CONFORMS = 0
EXIT_FINDINGS = 1
_RENDERERS = {"text": render_text, "json": render_json, "turtle": render_turtle}
_SEVERITIES = [severity.value for severity in Severity]


def _as_of_option(function: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--as-of", "as_of", metavar="YYYY-MM-DD", callback=_parse_date,
        help="Judge the registry as on this date (default: today).")(function)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None
                ) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: expected YYYY-MM-DD, such as "
                                 "2026-06-01") from None


def _open(store: Store | None, paths: Sequence[Path]) -> Registry:
    """The registry to check: --store, the PATHs, or (with neither) the built-in seed."""
    if store is None and not paths:
        try:
            seed = resources.seed_dir()
        except FileNotFoundError as error:
            raise InputError(f"{error}; give PATHs of RDF files or --store DIR") from None
        paths = [seed]
    return registry_for_reading(store, paths)


def _write(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` atomically (a temporary file, then a rename)."""
    if out is None:
        click.echo(text, nl=False)
        return
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {out}: the folder {folder} does not exist; create it "
                         "or choose another --out path")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _exit_code(report: ValidationReport) -> int:
    return EXIT_CONFORMS if report.conforms else EXIT_FINDINGS


@click.command("validate")
@paths_argument
@store_option()
@_as_of_option
@click.option("--format", "fmt", type=click.Choice(list(_RENDERERS)), default="text",
              show_default=True, help="Report format.")
@click.option("--fail-on", type=click.Choice(_SEVERITIES), default="violation",
              show_default=True, help="Exit with 1 if a finding is at least this severe.")
@click.option("--shapes", "shapes", type=click.Path(path_type=Path), multiple=True,
              metavar="PATH", help="Shapes file or folder to use instead of the built-in "
              "shapes (repeatable).")
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast",
              show_default=True, help="fast: whole-graph SPARQL; pyshacl: the reference "
              "implementation (slow on large registries).")
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Report only this rule id, such as GDPR-28-3-g (repeatable).")
@click.option("--jurisdiction", metavar="CODE",
              help="Judge every entity as if it were in CODE (a country code such as NL or "
              "GB, a UN/LOCODE such as USNYC, EU or EEA) instead of where it is.")
@click.option("--evidence", is_flag=True,
              help="In the text report, list under each finding the facts it rests on and "
              "their sources (JSON and Turtle always carry them).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the report to FILE instead of printing it.")
def validate_command(paths: tuple[Path, ...], store: Store | None, as_of: date | None,
                     fmt: str, fail_on: str, shapes: tuple[Path, ...], engine: str,
                     rules: tuple[str, ...], jurisdiction: str | None, evidence: bool,
                     out: Path | None) -> None:
    """Check the registry against the legal rules and report the findings.

    Checks PATHs (RDF files or folders), the --store registry, or with neither the built-in
    seed. Every finding names its rule (such as GDPR-28-3-g), the entity, the article of law
    and what would resolve it.

    A finding binds where its law binds (the GDPR in the EU and EEA, the UK GDPR in the UK,
    the POST Act in New York City...); elsewhere it is a benchmark, reported as info and
    apart, never a violation. --jurisdiction chooses the lens explicitly.

    With --store DIR (and the built-in shapes, every rule, no lens), the findings are stored
    with the registry (DIR/cityreg-validation) and reused, without a query, while the data,
    shapes and date are unchanged; after a load only what it changed is checked again.
    `cityreg serve --store DIR` reads the same stored findings. With --store URL (an
    engine), they are stored in the user's cache folder, one report per engine URL, checked
    again in full after a load, and `cityreg serve --store URL` reads them.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 error. Standard error shows
    how many of the checks' queries are done (CITYREG_PROGRESS=0 silences it).
    """
    registry = _open(store, paths)
    try:
        with progress_reporter("cityreg validate", "queries") as progress:
            stored = None if store is None or paths or shapes or rules or jurisdiction \
                or engine == "pyshacl" else \
                folder_of(store) if isinstance(store, Path) else folder_of_engine(store)
            if stored is not None:
                # The whole registry with the built-in shapes: what `cityreg serve --store`
                # runs, so the findings stored with the registry (or, for an engine, in the
                # user's cache folder) are reused and updated.
                report = stored_validation(registry, stored, as_of or date.today(),
                                           progress=progress).report
                report.fail_on = Severity(fail_on)
            else:
                report = validate_registry(
                    registry, as_of, shapes=list(shapes) or None,
                    engine="pyshacl" if engine == "pyshacl" else "fast", fail_on=fail_on,
                    rules=list(rules) or None, jurisdiction=jurisdiction,
                    evidence=evidence or fmt != "text", progress=progress)
    finally:
        registry.close()
    text = (render_text(report, evidence=evidence) if fmt == "text"
            else _RENDERERS[fmt](report))
    _write(text, out)
    if out is not None:
        click.echo(f"Wrote {out}")
    click.get_current_context().exit(_exit_code(report))


@click.command("check")
@click.argument("contract", metavar="IRI-OR-LABEL")
@paths_argument
@store_option()
@_as_of_option
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="markdown",
              show_default=True, help="Report format (HTML is printable).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES), default="violation",
              show_default=True, help="Exit with 1 if a finding is at least this severe.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the report to FILE instead of printing it.")
def check_command(contract: str, paths: tuple[Path, ...], store: Store | None,
                  as_of: date | None, fmt: str, fail_on: str, out: Path | None) -> None:
    """Report on one contract or agreement, for its legal team.

    IRI-OR-LABEL is the contract's IRI or its label (exact, then ignoring case). The report
    lists the contract's facts (parties and roles, dates, value, clauses with their place in
    the document, sub-processors, data flows), every binding finding with its article and
    resolution, what cannot be verified because it is not disclosed or not recorded, the
    benchmarks (law that does not bind where the contract is, and good practice) apart, and
    the evidence of each finding.

    Only the contract and its sub-processing contracts are checked (incremental validation).

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 error. Standard error shows
    how many of the checks' queries are done (CITYREG_PROGRESS=0 silences it).
    """
    registry = _open(store, paths)
    try:
        iri = find_contract(registry, contract)
        scope = [iri, *chain(registry, iri)]
        with progress_reporter("cityreg check", "queries") as progress:
            report = validate_registry(registry, as_of, fail_on=fail_on, focus=scope,
                                       progress=progress)
        text = render_contract(registry, iri, report, fmt="html" if fmt == "html" else "markdown")
    finally:
        registry.close()
    _write(text, out)
    if out is not None:
        click.echo(f"Wrote {out}")
    click.get_current_context().exit(_exit_code(report))


COMMANDS: list[click.Command] = [validate_command, check_command]
