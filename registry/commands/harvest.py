"""``cityreg harvest``: other registries' publications into this one."""

from __future__ import annotations

import click

from registry.commands._common import STORE, Store, open_registry, plural
from registry.harvest import Limits, SourceReport, harvest

STATUSES = ("harvested", "unchanged", "not modified", "failed")


@click.command("harvest")
@click.argument("addresses", nargs=-1, required=True, metavar="URL...")
@click.option("--store", required=True, type=STORE, metavar="DIR|URL",
              help="Folder of the on-disk registry to harvest into (created if missing), or "
              "the SPARQL engine that holds it (oxigraph+http://HOST:PORT, "
              "virtuoso+http://HOST:PORT).")
@click.option("--timeout", default=Limits().seconds, show_default=True,
              type=click.FloatRange(min=1), metavar="SECONDS",
              help="How long one download may take, waits for the server included.")
@click.option("--max-mb", default=Limits().max_bytes // 1_000_000, show_default=True,
              type=click.IntRange(min=1), metavar="MB",
              help="The largest download accepted, in megabytes.")
def harvest_command(addresses: tuple[str, ...], store: Store, timeout: float,
                    max_mb: int) -> None:
    """Harvest other registries (URL...) into the registry in --store.

    A URL is a registry's site (ending in /: its catalog.ttl is read, as `cityreg serve` and
    `cityreg publish` write it), a DCAT catalogue, or an RDF dump. Each dataset of a catalogue
    is downloaded in its best RDF form (N-Quads first) and loaded into named graphs of its own,
    recorded as derived from the download at the time it was retrieved; graphs the download no
    longer holds are removed. Each download is written atomically: one that fails leaves its
    graphs as they were, and the others are still harvested.

    Harvesting again sends the ETag and Last-Modified of the last harvest, so an unchanged
    registry downloads nothing ("not modified"); a download with the same bytes is not
    loaded again ("unchanged"). One line per download: status, statements, URL, and what
    changed. Exits 2 when a download failed.
    """
    limits = Limits(seconds=timeout, max_bytes=max_mb * 1_000_000)
    with open_registry(store) as registry, registry.recording("cityreg harvest"):
        reports = harvest(registry, list(addresses), limits,
                          say=lambda report: click.echo(report_line(report)))
    click.echo(summary(reports))
    failed = [report for report in reports if report.status == "failed"]
    if failed:
        raise click.exceptions.Exit(_fail(failed))


def report_line(report: SourceReport) -> str:
    """``harvested        412  https://city.example/registry.nq  (3 graphs: 2 added, 1
    changed; was 398)``."""
    if report.status == "failed":
        return f"{'failed':<12}  {'-':>8}  {report.url}"
    graphs = [f"{report.count(status)} {status}" for status in
              ("added", "changed", "removed", "unchanged") if report.count(status)]
    kept = sum(1 for change in report.changes if change.status != "removed")
    detail = f"{plural(kept, 'graph')}" + (f": {', '.join(graphs)}"
                                             if report.status == "harvested" else "")
    if report.status == "harvested" and report.previous_statements and (
            report.previous_statements != report.statements):
        detail += f"; was {report.previous_statements}"
    return f"{report.status:<12}  {report.statements:>8}  {report.url}  ({detail})"


def summary(reports: list[SourceReport]) -> str:
    """``2 downloads: 1 harvested, 1 not modified; 824 statements.``"""
    counts = ", ".join(f"{n} {status}" for status in STATUSES
                       if (n := sum(1 for r in reports if r.status == status)))
    total = sum(report.statements for report in reports)
    return f"{plural(len(reports), 'download')}: {counts}; {plural(total, 'statement')}."


def _fail(failed: list[SourceReport]) -> int:
    for report in failed:
        click.echo(f"Error: {report.error}", err=True)
    return 2


COMMANDS: list[click.Command] = [harvest_command]
