"""The registry as a static site: the server's pages and files, written to a folder.

Any web host (or a browser opening the folder from disk) can serve the result without Python:

* ``index.html``, ``cities/index.html``, ``cities/<slug>.html``, ``types/<kind>.html``,
  ``vendors/index.html``, ``findings.html``, ``ontology.html``, ``404.html``;
* ``id/<path>.html`` for every entity under the entity base, with ``id/<path>.ttl``,
  ``.jsonld`` and ``.nt`` beside it;
* ``trace/<path>.html`` for every traceable entity (registry/web/tracepages.py), with its
  chain diagram as ``trace/<path>.svg`` and ``.png`` beside it;
* ``resident/<path>.html``: a page for residents per deployment (registry/web/residentpage.py);
* ``cities/<slug>/map.html`` and ``cities/<slug>.geojson``: the map of what is collected where
  (registry/web/mappage.py), with the vendored Leaflet;
* ``report/<kind>/<path>.html`` (and ``.md``, ``.json``): the documents the law asks for, for
  every entity they apply to (registry/web/reportpages.py);
* ``registry.ttl``, ``registry.jsonld``, ``registry.nq``, ``catalog.ttl`` and
  ``static/cityreg.css``;
* the CSV and JSON downloads of every list page (``cities.csv``, ``cities/<slug>.csv``,
  ``types/<kind>.csv``, ``vendors.csv``, ``findings.csv`` and their ``.json``: see
  :mod:`registry.web.tables`). The search needs a server: the static site has no search page,
  and its header has no search form;
* ``publications/<time>/``: this publication's dumps, what changed since the previous one and
  a manifest of checksums chained to the previous manifest, beside the earlier publications
  carried over from the site replaced; ``manifest.json``, the head of that chain
  (:mod:`registry.web.publications`); ``changes.html`` and its Atom feed ``changes.atom``
  (:mod:`registry.web.changespage`, :mod:`registry.web.feed`).

Every link is relative, so the site works from any folder and from ``file://``. The site is
written into a temporary folder next to the target and moved into place at the end: an error
leaves nothing half-written, and an existing site is replaced only when it was made by
``cityreg publish`` (it has a ``.cityreg-site`` marker).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path

from registry.context import RegistryContext
from registry.errors import InputError
from registry.web import STATIC_DIR, indexes, publications, render, tables
from registry.web.catalog import catalog_graph
from registry.web.changespage import changes_page, publication_changes, site_pages
from registry.web.dumps import DUMPS, describe, is_iri_safe, registry_dump, serialize
from registry.web.feed import atom_feed
from registry.web.mappage import map_files
from registry.web.negotiation import ENTITY_REPRESENTATIONS, HTML
from registry.web.pages import Linker, static_file
from registry.web.reportpages import report_files
from registry.web.residentpage import resident_files
from registry.web.routes import entity_data, entity_html, html_page
from registry.web.tracepages import trace_files

MARKER = ".cityreg-site"


@dataclass(frozen=True)
class PublishReport:
    """What was written: HTML pages, data files (RDF), other files, and the entities."""

    out: Path
    pages: int
    data_files: int
    other_files: int
    entities: int
    skipped: tuple[str, ...]

    @property
    def files(self) -> int:
        """Every file written."""
        return self.pages + self.data_files + self.other_files


def entity_paths(context: RegistryContext) -> tuple[list[str], list[str]]:
    """Paths (under the entity base) of every entity the site gets a page for, and the IRIs
    under the base that cannot be a file name (skipped)."""
    base = context.entity_base
    if not is_iri_safe(base):
        raise InputError(f"the entity base {base!r} is not a valid IRI: expected something like "
                         "https://example.org/id/; fix --base")
    rows = context.registry.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base)) }"
        .replace("?base", '"' + base.replace("\\", "\\\\").replace('"', '\\"') + '"'))
    paths, skipped = [], []
    for row in rows:
        path = str(row["s"])[len(base):]
        parts = path.split("/")
        if not path or any(part in ("", ".", "..") for part in parts) or any(
                char in path for char in "?#%\\:"):
            skipped.append(str(row["s"]))
        else:
            paths.append(path)
    return sorted(paths), sorted(skipped)


def publish(context: RegistryContext, out: Path, site_url: str = "", *,
            now: datetime | None = None) -> PublishReport:
    """Write the static site of ``context`` to the folder ``out`` (see the module docstring).

    ``site_url`` (ending in ``/``) makes the DCAT catalogue's and the feed's IRIs absolute;
    without it they are relative. ``now``: the time of this publication (default: now).
    """
    out = out.resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise InputError(f"{out} exists and is not a site made by cityreg publish: expected a "
                         "new or empty folder; choose another --out or empty this one")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        report = _write_site(context, staging, site_url)
        if out.exists():
            publications.carry_over(out, staging)
        report = _remember(context, report, site_url, now)
        (staging / MARKER).write_text("made by cityreg publish; safe to replace\n")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PublishReport(out, report.pages, report.data_files, report.other_files,
                         report.entities, report.skipped)


def _write_site(context: RegistryContext, root: Path, site_url: str) -> PublishReport:
    pages = data_files = other_files = 0

    def write(site_path: str, content: str | bytes) -> None:
        target = root / static_file(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)

    index_paths = ["/", "/cities/", "/vendors/", "/findings", "/ontology"]
    index_paths += [f"/cities/{city.slug}" for city in indexes.cities(context)]
    index_paths += [f"/types/{kind.slug}" for kind in indexes.KINDS]
    for site_path in index_paths:
        html = html_page(context, site_path, Linker(context.entity_base, site_path))
        if html is not None:
            write(site_path, html)
            pages += 1
    for page in tables.list_pages(context):
        for extension in tables.FORMATS:
            data = tables.table(context, page)
            if data is None:
                continue
            download = f"{data.stem}.{extension}"
            source = (site_url + static_file(page) if site_url
                      else Linker(context.entity_base, download).href(page))
            target = root / static_file(download)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as stream:
                stream.writelines(tables.chunks(extension, data, source))
            other_files += 1  # not RDF: counted with the other files
    write("/404.html", render("not_found.html", Linker(context.entity_base, "/404.html"),
                              message="There is no such page in this registry."))
    pages += 1

    paths, skipped = entity_paths(context)
    for path in paths:
        iri = context.entity_base + path
        site_path = "/id/" + path
        graph = describe(context.registry, iri)
        write(site_path, entity_html(context, iri, Linker(context.entity_base, site_path),
                                     graph))
        pages += 1
        for representation in ENTITY_REPRESENTATIONS:
            if representation is not HTML:
                write(site_path + representation.extension,
                      entity_data(context, iri, representation, graph))
                data_files += 1
    for site_path, content in trace_files(context, paths):  # trace pages, their SVG and PNG
        write(site_path, content)
        if site_path.endswith((".svg", ".png")):
            other_files += 1
        else:
            pages += 1
    linker = Linker(context.entity_base)
    for site_path, content in chain(resident_files(context, linker),  # residents' pages
                                    map_files(context, linker),  # maps, GeoJSON, Leaflet
                                    report_files(context, paths)):  # the law's documents
        write(site_path, content)
        if static_file(site_path).endswith(".html"):
            pages += 1
        else:
            other_files += 1

    for dump in DUMPS:
        write("/" + dump.filename, registry_dump(context.registry, dump))
        data_files += 1
    write("/catalog.ttl", serialize(catalog_graph(context, site_url, static=True), "turtle"))
    data_files += 1
    for stylesheet in sorted(STATIC_DIR.glob("*.css")):
        write("/static/" + stylesheet.name, stylesheet.read_bytes())
        other_files += 1
    return PublishReport(root, pages, data_files, other_files, len(paths), tuple(skipped))


def _remember(context: RegistryContext, report: PublishReport, site_url: str,
              now: datetime | None) -> PublishReport:
    """Add this publication to those kept in the site, and write the changes page and feed."""
    root = report.out
    shown = publication_changes(publications.record(context, root, now),
                                site_pages(root, context.entity_base))
    (root / "changes.html").write_text(changes_page(context, shown), encoding="utf-8")
    (root / "changes.atom").write_bytes(atom_feed(shown, site_url))
    kept = [path for path in (root / publications.FOLDER).rglob("*") if path.is_file()]
    data = sum(path.suffix in (".ttl", ".jsonld", ".nq") for path in kept)
    return PublishReport(root, report.pages + 1, report.data_files + data,
                         report.other_files + len(kept) - data + 2, report.entities,
                         report.skipped)
