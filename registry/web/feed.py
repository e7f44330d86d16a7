"""The site's ``changes.atom``: one Atom 1.0 entry (RFC 4287) per kept publication.

A feed reader subscribed to it learns of every publication: the first one ("the first
publication kept") and each later one with what it changed, the same model as
``changes.html`` (:mod:`registry.web.changespage`). The newest :data:`MAX_ENTRIES`
publications are entries; each entry's content lists at most :data:`MAX_LISTED` entities and
as many findings, and links to the full list on the changes page.

Identifiers are stable and need no domain: the feed's id is a ``urn:uuid`` derived from the
first kept publication's manifest checksum (the start of the chain), each entry's from its own
manifest's checksum, so moving the site to another host keeps every id. Links are absolute
with ``--site-url`` (and the feed then has its ``rel="self"`` link), else relative to the
feed, which sits at the top of the site. The XML is built with :mod:`xml.etree`, which escapes
every text; an entry's HTML content is built the same way and escaped once more as text.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from registry import __version__
from registry.web.changespage import FEED, PAGE, PublicationChanges
from registry.web.pages import static_file
from registry.web.publications import MANIFEST

ATOM = "http://www.w3.org/2005/Atom"
#: The author of the feed: the catalogue's default publisher (registry/web/catalog.py).
PUBLISHER = "cityreg publisher"
MAX_ENTRIES = 100
MAX_LISTED = 100
#: The namespace of the name-based (version 5) UUIDs of feeds and entries.
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/cityreg/publications")


def entry_id(manifest_sha256: str) -> str:
    """The Atom id of the publication whose manifest has this SHA-256."""
    return f"urn:uuid:{uuid.uuid5(_IDS, 'publication:' + manifest_sha256)}"


def feed_id(first_manifest_sha256: str) -> str:
    """The Atom id of the feed of the chain that starts with this manifest."""
    return f"urn:uuid:{uuid.uuid5(_IDS, 'feed:' + first_manifest_sha256)}"


def atom_feed(shown: Sequence[PublicationChanges], site_url: str = "") -> bytes:
    """The Atom document for ``shown`` (newest first, at least one publication)."""
    def href(site_path: str) -> str:
        path, hash_mark, fragment = site_path.partition("#")
        return site_url + static_file(path) + hash_mark + fragment

    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "id", feed_id(shown[-1].manifest_sha256))
    _text(feed, "title", "Changes to the smart-city registry")
    _text(feed, "subtitle", "Every publication of the registry and what it changed: entities "
          "added, removed and changed, legal findings that appeared or were resolved.")
    _text(feed, "updated", _time(shown[0]))
    author = ET.SubElement(feed, "author")
    _text(author, "name", PUBLISHER)
    _text(feed, "generator", "cityreg", version=__version__)
    if site_url:
        ET.SubElement(feed, "link", rel="self", type="application/atom+xml",
                      href=href(FEED))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=href(PAGE))
    for publication in shown[:MAX_ENTRIES]:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", entry_id(publication.manifest_sha256))
        _text(entry, "title", publication.title)
        _text(entry, "updated", _time(publication))
        _text(entry, "published", _time(publication))
        ET.SubElement(entry, "link", rel="alternate", type="text/html",
                      href=href(f"{PAGE}#{publication.anchor}"))
        ET.SubElement(entry, "link", rel="related", type="application/json",
                      href=href(publication.folder + MANIFEST))
        _text(entry, "summary", publication.summary)
        _text(entry, "content", _content(publication, href), type="html")
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _time(publication: PublicationChanges) -> str:
    """RFC 3339 time in UTC, as Atom wants it."""
    return publication.published.strftime("%Y-%m-%dT%H:%M:%SZ")


def _content(publication: PublicationChanges, href: Callable[[str], str]) -> str:
    """The entry's HTML: the summary, the entities and findings, the manifest checksum."""
    body = ET.Element("div")
    _text(body, "p", publication.summary)
    if publication.entities:
        items = ET.SubElement(body, "ul")
        for entity in publication.entities[:MAX_LISTED]:
            item = ET.SubElement(items, "li")
            fields = ", ".join(field.label for field in entity.shown_fields)
            after = f" ({entity.change})" + (f": {fields}" if fields else "")
            if entity.page is not None:
                _text(item, "a", entity.label, href=href(entity.page)).tail = after
            else:
                item.text = entity.label + after
    if publication.findings:
        items = ET.SubElement(body, "ul")
        for finding in publication.findings[:MAX_LISTED]:
            _text(items, "li", f"{finding.change}: {finding.severity} {finding.rule}, "
                  f"{finding.focus_label}: {finding.message}")
    hidden = max(len(publication.entities), len(publication.findings)) - MAX_LISTED
    if hidden > 0:
        more = ET.SubElement(body, "p")
        more.text = "More on "
        _text(more, "a", "the changes page",
              href=href(f"{PAGE}#{publication.anchor}")).tail = "."
    checksum = ET.SubElement(body, "p")
    checksum.text = f"Manifest SHA-256: {publication.manifest_sha256}"
    return ET.tostring(body, encoding="unicode", method="html")
