"""Harvesting other registries into this one: each download into named graphs of its own.

For each address (see :mod:`registry.harvest.catalog`) the catalogue is read and each dataset's
best RDF distribution downloaded. Its statements are loaded with
:meth:`Registry.replace_source`: the download is the source (``prov:wasDerivedFrom``), the
retrieval time the record's time, and in one transaction per download its graphs are added,
rewritten or removed so that they are exactly what it now holds. A dump's named graph ``G``
becomes the graph ``<download>#graph=<G, percent-encoded>`` and its default graph the graph
``<download>``, so two registries that both loaded a file called ``rio.ttl`` do not collide.
The graphs cityreg manages itself (provenance, ontology, derived relations) are not copied:
the harvesting registry keeps its own.

A download is asked for with the validators of the last harvest (:mod:`.state`), so an
unchanged registry answers ``304 Not Modified`` and nothing is read; one whose bytes have the
recorded SHA-256 is not parsed. A download that fails (unreachable, malformed, too large)
leaves its graphs as they were and is reported; the others are harvested.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from registry.errors import CityregError, InputError
from registry.harvest import catalog, state
from registry.harvest.fetch import Fetched, fetch
from registry.store import GraphChange, Registry
from registry.store.provenance import RESERVED_GRAPHS


@dataclass(frozen=True)
class Limits:
    """How long one download may take and how large it may be."""

    seconds: float = 600.0
    max_bytes: int = 2_000_000_000


@dataclass
class SourceReport:
    """What harvesting one download did."""

    url: str
    status: str
    """``harvested`` (written), ``unchanged`` (same bytes as last time), ``not modified``
    (HTTP 304) or ``failed``."""
    changes: list[GraphChange] = field(default_factory=list)
    error: str = ""

    def count(self, status: str) -> int:
        return sum(1 for change in self.changes if change.status == status)

    @property
    def statements(self) -> int:
        return sum(change.statements for change in self.changes)

    @property
    def previous_statements(self) -> int:
        return sum(change.previous_statements for change in self.changes)


def local_graph(download: str, remote: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    """The graph a download's graph ``remote`` fills here (see the module docstring)."""
    if isinstance(remote, ox.DefaultGraph):
        return download
    return f"{download}#graph={quote(str(getattr(remote, 'value', remote)), safe='')}"


def harvest(registry: Registry, addresses: list[str], limits: Limits = Limits(),
            say: Callable[[SourceReport], None] = lambda report: None) -> list[SourceReport]:
    """Harvest every address into ``registry``; one report per download (or per address whose
    catalogue failed), each also given to ``say`` as soon as it is done."""
    folder = state.folder_for(registry)
    seen = state.read(folder)
    reports: list[SourceReport] = []
    for address in addresses:
        try:
            found = _downloads(address, limits)
        except CityregError as error:
            reports.append(SourceReport(address, "failed", error=str(error)))
            say(reports[-1])
            continue
        for one in found:
            try:
                report = _harvest_one(registry, one, seen, limits)
            except CityregError as error:
                report = SourceReport(one[0].url, "failed", error=str(error))
            reports.append(report)
            say(report)
            state.write(folder, seen)
    return reports


#: A download, with what was read of it already (a dump given as the address itself).
Found = tuple[catalog.Download, Fetched | None, list[ox.Quad] | None]


def _downloads(address: str, limits: Limits) -> list[Found]:
    """The downloads an address names; a dump given directly comes with what was read."""
    url = catalog.catalog_url(address)
    got = fetch(url, timeout=limits.seconds, max_bytes=limits.max_bytes)
    media = catalog.media_type_of(url, got.media_type)
    if not media:
        expected = ", ".join(catalog.RDF_MEDIA_TYPES)
        raise InputError(f"cannot harvest {url}: it was served as {got.media_type or 'no type'}"
                         f"; expected a DCAT catalogue or an RDF dump ({expected}); give the "
                         "registry's address ending in / or its catalog.ttl")
    quads = catalog.parse(url, got.body, media)
    listed = catalog.downloads(url, quads)
    if listed:
        return [(download, None, None) for download in listed]
    return [(catalog.Download(url, media, ""), got, quads)]


def _harvest_one(registry: Registry, found: Found, seen: dict[str, state.Seen],
                 limits: Limits) -> SourceReport:
    """Harvest one download."""
    download, fetched, quads = found
    records = [r for r in registry.graphs() if r.source == download.url]
    before = seen.get(download.url)
    holds = before is not None and bool(records) and all(
        r.sha256 == before.sha256 for r in records)
    if fetched is None:
        fetched = fetch(download.url, timeout=limits.seconds, max_bytes=limits.max_bytes,
                        etag=before.etag if holds and before else "",
                        last_modified=before.last_modified if holds and before else "")
        if fetched.not_modified:
            return SourceReport(download.url, "not modified", [
                GraphChange(r.graph, "unchanged", r.statement_count, r.statement_count)
                for r in records])
    body, etag, modified = fetched.body, fetched.etag, fetched.last_modified
    media = catalog.media_type_of(download.url, fetched.media_type) or download.media_type
    checksum = hashlib.sha256(body).hexdigest()
    if records and all(r.sha256 == checksum for r in records):
        seen[download.url] = state.Seen(etag, modified, checksum)
        return SourceReport(download.url, "unchanged", [
            GraphChange(r.graph, "unchanged", r.statement_count, r.statement_count)
            for r in records])
    if quads is None:
        quads = catalog.parse(download.url, body, media)
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        name = getattr(quad.graph_name, "value", None)
        if name in RESERVED_GRAPHS:
            continue
        graphs.setdefault(local_graph(download.url, quad.graph_name), []).append(quad)
    changes = registry.replace_source(download.url, checksum, media, graphs)
    seen[download.url] = state.Seen(etag, modified, checksum)
    return SourceReport(download.url, "harvested", changes)


__all__ = ["Limits", "SourceReport", "harvest", "local_graph"]
