"""What to download from a registry's address: its DCAT catalogue's best RDF distributions.

A harvest is given a registry's site (``https://city.example/``: its ``catalog.ttl`` is read,
as ``cityreg serve`` and ``cityreg publish`` write it), a DCAT catalogue, or an RDF dump itself.
A document is a catalogue when it describes a ``dcat:Dataset`` with a distribution; each such
dataset gives one download: of its distributions with an RDF media type (``dcat:mediaType`` or
``dct:format``, else the download's extension), the one that keeps the most, N-Quads first
(it keeps each source's named graph).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import RDF

from registry.errors import InputError
from registry.namespaces import DCAT, DCT

_TYPE = ox.NamedNode(str(RDF.type))
_DATASET = ox.NamedNode(str(DCAT.Dataset))

#: RDF media types a harvest reads, best first, with pyoxigraph's format for each.
RDF_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
#: By the end of a URL, for a dump given directly or served without a usable Content-Type.
_EXTENSIONS = {".nq": "application/n-quads", ".trig": "application/trig", ".ttl": "text/turtle",
               ".nt": "application/n-triples", ".rdf": "application/rdf+xml",
               ".jsonld": "application/ld+json"}
#: The file a cityreg site publishes its catalogue in.
CATALOG_FILE = "catalog.ttl"


@dataclass(frozen=True)
class Download:
    """One RDF document to harvest."""

    url: str
    media_type: str
    dataset: str
    """The dcat:Dataset it distributes ("" for a dump given directly)."""


def catalog_url(address: str) -> str:
    """The catalogue of a site given by its address (ending in ``/``); else the address."""
    return urljoin(address, CATALOG_FILE) if address.endswith("/") else address


def media_type_of(url: str, served: str) -> str:
    """The RDF media type of a document: as served when it is one, else by its extension
    ("" when neither says)."""
    if served in RDF_MEDIA_TYPES:
        return served
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return next((media for ext, media in _EXTENSIONS.items() if path.endswith(ext)), "")


def parse(url: str, body: bytes, media_type: str) -> list[ox.Quad]:
    """The statements of a downloaded document (relative IRIs resolved against ``url``);
    raises InputError naming the URL, line and column when it is not the RDF it says."""
    try:
        return list(ox.parse(body, format=RDF_MEDIA_TYPES[media_type], base_iri=url))
    except SyntaxError as error:
        raise InputError(f"cannot read {url} as {media_type}: {error}; expected the RDF "
                         "document its catalogue or Content-Type says") from None


def downloads(url: str, quads: list[ox.Quad]) -> list[Download]:
    """The downloads a catalogue lists ([] when the document is not a catalogue)."""
    objects: dict[tuple[object, str], list[ox.NamedNode | ox.BlankNode | ox.Literal]] = {}
    datasets: list[ox.NamedNode | ox.BlankNode] = []
    for quad in quads:
        if quad.predicate == _TYPE and quad.object == _DATASET:
            datasets.append(quad.subject)  # type: ignore[arg-type]
        objects.setdefault((quad.subject, quad.predicate.value), []).append(
            quad.object)  # type: ignore[arg-type]
    found: list[Download] = []
    for dataset in sorted(set(datasets), key=str):
        options: list[tuple[int, str, str]] = []
        for distribution in objects.get((dataset, str(DCAT.distribution)), []):
            links = (objects.get((distribution, str(DCAT.downloadURL)))
                     or objects.get((distribution, str(DCAT.accessURL))) or [])
            link = next((t.value for t in links if isinstance(t, ox.NamedNode)), "")
            if not link:
                continue
            declared = [_media_name(t.value) for t in (
                *objects.get((distribution, str(DCAT.mediaType)), []),
                *objects.get((distribution, str(DCT.format)), []))]
            media = next((m for m in declared if m in RDF_MEDIA_TYPES), "") or media_type_of(
                link, "")
            if media:
                options.append((list(RDF_MEDIA_TYPES).index(media), link, media))
        if options:
            _rank, link, media = min(options)
            found.append(Download(link, media, getattr(dataset, "value", str(dataset))))
    return found


def _media_name(value: str) -> str:
    """``https://www.iana.org/assignments/media-types/text/turtle`` -> ``text/turtle``."""
    marker = "/media-types/"
    return value.split(marker, 1)[1].lower() if marker in value else value.lower()


__all__ = ["CATALOG_FILE", "RDF_MEDIA_TYPES", "Download", "catalog_url", "downloads",
           "media_type_of", "parse"]
