"""The rows of every list page, and their CSV and JSON downloads (as datasette does).

Each list page has its rows here, one function per page, built from what
:mod:`registry.web.indexes` computes for the page (no second copy): :func:`table` picks the
function for a page's site path. A download sits beside its page, named by the page's path
without its trailing slash (:func:`download_stem`):

=========================  ==================================  ============================
page                       downloads                           one row per
=========================  ==================================  ============================
``/cities/``               ``/cities.csv``, ``/cities.json``   city
``/cities/<slug>``         ``/cities/<slug>.csv``, ``.json``   entity of the city
``/types/<kind>``          ``/types/<kind>.csv``, ``.json``    entity of the kind
``/vendors/``              ``/vendors.csv``, ``/vendors.json``  vendor and city
``/findings``              ``/findings.csv``, ``.json``        finding (every one: the page
                                                               lists 100 per rule)
``/search?q=...``          ``/search.csv?q=...``, ``.json``    matching entity (every one:
                                                               the page shows 50 at a time)
=========================  ==================================  ============================

Columns have stable names; an IRI is given in full, with its label in the column beside it
(``city``, ``city_label``); dates are ISO 8601. CSV (:func:`csv_chunks`) is UTF-8 with a header
row and every cell passed through :func:`registry.cells.spreadsheet_safe`. JSON
(:func:`json_chunks`) is ``{"title", "source", "columns", "rows"}``, each row an object keyed by
the column names, ``source`` the page the rows come from. Both are written in chunks, so a
download of a large registry is streamed, never held whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING

from registry.cells import spreadsheet_safe
from registry.web import indexes

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.findings import Finding

#: A value in a table: text, a number, a date, a yes/no, or nothing.
Cell = str | int | float | bool | date | None
Row = Mapping[str, Cell]

#: The formats of a download: extension -> media type.
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
#: Pages whose site path is a folder (``/cities/``): their downloads are ``/cities.csv``.
FOLDER_PAGES = ("/cities/", "/vendors/")
#: How many rows go into one chunk of a streamed download.
CHUNK_ROWS = 500


@dataclass(frozen=True)
class Table:
    """The rows of one list page: its site path, its title, the column names, the rows (each
    a mapping with every column; iterated once, possibly lazily)."""

    page: str
    title: str
    columns: tuple[str, ...]
    rows: Iterable[Row]

    @property
    def stem(self) -> str:
        """The site path of the downloads without their extension (``/cities``)."""
        return download_stem(self.page)

    def filename(self, extension: str) -> str:
        """The name a download is saved as: ``cities.csv``, ``cities-rio.csv``."""
        return self.stem.strip("/").replace("/", "-") + "." + extension


def download_stem(page: str) -> str:
    """``/cities/`` -> ``/cities``; ``/types/sensor`` -> ``/types/sensor``."""
    return page.rstrip("/") or page


def page_of(stem: str) -> str:
    """The page a download belongs to: the inverse of :func:`download_stem`."""
    return stem + "/" if stem + "/" in FOLDER_PAGES else stem


def download_links(page: str) -> list[tuple[str, str]]:
    """``(format name, site path)`` of the downloads of ``page``, for its template."""
    stem = download_stem(page)
    return [(extension.upper(), f"{stem}.{extension}") for extension in FORMATS]


# -- one function per page ------------------------------------------------------------------


def cities_table(context: RegistryContext) -> Table:
    """``/cities/``: every city, its label and the slug of its page."""
    rows = [{"iri": city.iri, "label": city.label, "slug": city.slug}
            for city in indexes.cities(context)]
    return Table("/cities/", "Cities", ("iri", "label", "slug"), rows)


def city_table(context: RegistryContext, slug: str) -> Table | None:
    """``/cities/<slug>``: the city's entities, by kind as the page groups them; ``None`` for
    an unknown city."""
    city = indexes.city_page(context, slug)
    if city is None:
        return None
    rows = [{"kind": kind.slug, "kind_title": kind.title, "iri": item.iri, "label": item.label}
            for kind, items in city.groups for item in items]
    return Table(f"/cities/{slug}", city.label, ("kind", "kind_title", "iri", "label"), rows)


def kind_table(context: RegistryContext, slug: str) -> Table | None:
    """``/types/<kind>``: the entities of the kind with their city; ``None`` for an unknown
    kind."""
    members = indexes.kind_members(context, slug)
    if members is None:
        return None
    rows = [{"iri": item.iri, "label": item.label, "city": item.city_iri,
             "city_label": item.city} for item in members]
    return Table(f"/types/{slug}", indexes.KINDS_BY_SLUG[slug].title,
                 ("iri", "label", "city", "city_label"), rows)


VENDOR_COLUMNS = ("vendor", "vendor_label", "city", "city_label", "contracts", "datasets",
                  "sensors")


def vendors_table(context: RegistryContext) -> Table:
    """``/vendors/``: one row per vendor and city, as the page's table has them."""
    rows = [dict(zip(VENDOR_COLUMNS, (vendor.iri, vendor.label, *counts), strict=True))
            for vendor in indexes.vendors(context) for counts in vendor.cities]
    return Table("/vendors/", "Vendors", VENDOR_COLUMNS, rows)


FINDING_COLUMNS = (
    "counted_as", "rule_id", "severity", "rule_severity", "kind", "standing", "where", "law",
    "focus", "focus_label", "path", "value", "message", "resolution", "legal_source",
    "legal_source_label", "legal_source_url", "as_of")


def findings_table(context: RegistryContext) -> Table:
    """``/findings``: every finding, in the dashboard's order (binding findings by rule, then
    benchmarks by rule); ``counted_as`` is ``binding`` or ``benchmark`` (a benchmark is never
    a violation, whatever its rule's severity). Without the legal checks: no rows."""
    dashboard = indexes.findings_dashboard(context)
    as_of = context.as_of

    def rows() -> Iterator[Row]:
        if dashboard is None:
            return
        for counted_as, rules in (("binding", dashboard.rules),
                                  ("benchmark", dashboard.benchmark_rules)):
            for rule in rules:
                for finding in rule.findings:
                    yield _finding_row(finding, counted_as, as_of)

    return Table("/findings", "Findings of the legal checks", FINDING_COLUMNS, rows())


def _finding_row(finding: Finding, counted_as: str, as_of: date) -> Row:
    return {"counted_as": counted_as, "rule_id": finding.rule_id,
            "severity": str(finding.severity), "rule_severity": str(finding.rule_severity),
            "kind": str(finding.kind), "standing": str(finding.standing),
            "where": finding.where, "law": finding.law, "focus": finding.focus,
            "focus_label": finding.focus_label, "path": finding.path, "value": finding.value,
            "message": finding.message, "resolution": finding.resolution,
            "legal_source": finding.legal_source,
            "legal_source_label": finding.legal_source_label,
            "legal_source_url": finding.legal_source_url, "as_of": as_of}


def table(context: RegistryContext, page: str) -> Table | None:
    """The table of the list page at site path ``page``; ``None`` if it is not a list page
    (the search page's table comes from :mod:`registry.web.search`)."""
    simple: dict[str, Callable[[RegistryContext], Table]] = {
        "/cities/": cities_table, "/vendors/": vendors_table, "/findings": findings_table}
    if page in simple:
        return simple[page](context)
    for prefix, function in (("/cities/", city_table), ("/types/", kind_table)):
        slug = page[len(prefix):] if page.startswith(prefix) else ""
        if slug and "/" not in slug:
            return function(context, slug)
    return None


def list_pages(context: RegistryContext) -> list[str]:
    """The site path of every list page that has downloads (the static site writes them)."""
    return ["/cities/", "/vendors/", "/findings",
            *(f"/cities/{city.slug}" for city in indexes.cities(context)),
            *(f"/types/{kind.slug}" for kind in indexes.KINDS)]


# -- writing ------------------------------------------------------------------------------


def plain(value: Cell) -> str | int | float | bool | None:
    """A cell as JSON has it: dates ISO 8601, everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def cell_text(value: Cell) -> str:
    """A cell's text before spreadsheet quoting: nothing is empty, booleans are ``true`` and
    ``false``, dates ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(plain(value))


def csv_text(value: Cell) -> str:
    """A cell as CSV has it: text no spreadsheet program runs; nothing is an empty cell."""
    return spreadsheet_safe(cell_text(value))


def _batches(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, CHUNK_ROWS)):
        yield batch


def csv_chunks(columns: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV of ``rows``: a header row of ``columns``, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(column) for column in columns])
    yield buffer.getvalue()
    for batch in _batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_text(row.get(column)) for column in columns] for row in batch)
        yield buffer.getvalue()


def json_chunks(title: str, source: str, columns: Sequence[str], rows: Iterable[Row],
                **extra: object) -> Iterator[str]:
    """The JSON of ``rows``: ``{"title", "source", "columns", ...extra, "rows": [...]}``."""
    head = {"title": title, "source": source, "columns": list(columns), **extra}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
    first = True
    for batch in _batches(rows):
        lines = [json.dumps({column: plain(row.get(column)) for column in columns},
                            ensure_ascii=False) for row in batch]
        yield ("\n" if first else ",\n") + ",\n".join(lines)
        first = False
    yield "\n]}\n"


def chunks(extension: str, data: Table, source: str) -> Iterator[str]:
    """The download of ``data`` in the format of ``extension`` (``csv`` or ``json``);
    ``source`` is the link back to its page."""
    if extension == "csv":
        return csv_chunks(data.columns, data.rows)
    return json_chunks(data.title, source, data.columns, data.rows)
