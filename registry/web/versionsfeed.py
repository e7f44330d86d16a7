"""The server's ``/changes.atom``: one Atom 1.0 entry (RFC 4287) per version of the registry.

The same model as the ``/changes`` page (:mod:`registry.web.versionspage`): the newest
:data:`MAX_ENTRIES` versions, each entry with its counts as the summary and, as HTML content,
its files and at most :data:`MAX_LISTED` of the entities it added, removed and changed (a
changed one with its fields), linking to its section of the page for the rest.

Identifiers are stable: a version's IRI (``urn:cityreg:version:<hex>``) is a valid Atom id
and is the entry's; the feed's is the name-based (version 5) UUID of version 1's IRI, so it
stays the same as versions are added and whichever host serves the registry. Links are
absolute, made from the URL the request came to. The XML is built with :mod:`xml.etree`,
which escapes every text; an entry's HTML content is built the same way and escaped once more
as text. (The static site's feed of publications is :mod:`registry.web.feed`.)
"""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

from registry import __version__
from registry.web.feed import ATOM, PUBLISHER
from registry.web.versionspage import FEED, PAGE, VersionsView, VersionView

MEDIA_TYPE = "application/atom+xml"
MAX_ENTRIES = 50
MAX_LISTED = 100


def feed_id(view: VersionsView, entity_base: str) -> str:
    """The feed's Atom id: from version 1's IRI (from the entity base while there is none)."""
    name = view.first_iri or f"{entity_base}#versions"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def updated(view: VersionsView) -> datetime | None:
    """When the newest version was made (None without versions)."""
    times = [shown.version.time for shown in (*view.versions[:1], view.stopped) if shown]
    return max(times) if times else None


def etag(document: bytes) -> str:
    """The feed's ETag: a digest of its bytes."""
    return f'"{hashlib.sha256(document).hexdigest()[:32]}"'


def versions_feed(view: VersionsView, site_url: str, entity_base: str,
                  empty_since: datetime) -> bytes:
    """The Atom document of ``view`` (all versions, newest first); ``site_url``: the server's
    URL, ending in ``/``; ``empty_since``: the feed's time while it has no entry."""
    def href(site_path: str) -> str:
        return site_url + site_path.lstrip("/")

    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "id", feed_id(view, entity_base))
    _text(feed, "title", "Versions of the smart-city registry")
    _text(feed, "subtitle", "Every load, import and harvest that changed the registry: who, "
          "when, which files, and the entities it added, removed and changed.")
    _text(feed, "updated", _time(updated(view) or empty_since))
    author = ET.SubElement(feed, "author")
    _text(author, "name", PUBLISHER)
    _text(feed, "generator", "cityreg", version=__version__)
    ET.SubElement(feed, "link", rel="self", type=MEDIA_TYPE, href=href(FEED))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=href(PAGE))
    shown = [*view.versions, *([view.stopped] if view.stopped is not None else [])]
    for version in shown[:MAX_ENTRIES]:
        _entry(feed, version, href)
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _entry(feed: ET.Element, shown: VersionView, href: Callable[[str], str]) -> None:
    version = shown.version
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", version.iri)
    _text(entry, "title", version.title)
    _text(entry, "updated", version.iso)
    _text(entry, "published", version.iso)
    author = ET.SubElement(entry, "author")
    _text(author, "name", version.agent)
    ET.SubElement(entry, "link", rel="alternate", type="text/html",
                  href=href(f"{PAGE}#{version.anchor}"))
    _text(entry, "summary", shown.summary)
    _text(entry, "content", _content(shown, href), type="html")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _time(moment: datetime) -> str:
    """RFC 3339 time in UTC, as Atom wants it."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _content(shown: VersionView, href: Callable[[str], str]) -> str:
    """The entry's HTML: the summary, the command, the files, the entities."""
    body = ET.Element("div")
    _text(body, "p", shown.summary)
    command = ET.SubElement(body, "p")
    command.text = f"Made {shown.version.when} by {shown.version.agent} with "
    _text(command, "code", shown.version.command).tail = "."
    if shown.files:
        files = ET.SubElement(body, "ul")
        for source in shown.files:
            _text(files, "li", f"{source.name} (SHA-256 {source.sha256})")
    if shown.entities:
        items = ET.SubElement(body, "ul")
        for entity in shown.entities[:MAX_LISTED]:
            item = ET.SubElement(items, "li")
            if entity.page is not None:
                _text(item, "a", entity.label, href=href(entity.page)).tail = (
                    f" ({entity.change})")
            else:
                item.text = f"{entity.label} ({entity.change})"
            if entity.fields:
                fields = ET.SubElement(item, "ul")
                for field in entity.fields:
                    _field(ET.SubElement(fields, "li"), field.label, field.removed,
                           field.added)
    hidden = shown.hidden + max(0, len(shown.entities) - MAX_LISTED)
    if hidden:
        more = ET.SubElement(body, "p")
        more.text = f"… and {hidden} more on "
        _text(more, "a", "the versions page",
              href=href(f"{PAGE}#{shown.version.anchor}")).tail = "."
    return ET.tostring(body, encoding="unicode", method="html")


def _field(item: ET.Element, label: str, removed: tuple[str, ...],
           added: tuple[str, ...]) -> None:
    """``label: <del>old</del> → <ins>new</ins>`` (or ``added <ins>…``, ``removed <del>…``)."""
    item.text = f"{label}: " + ("" if removed and added else "added " if added else "removed ")
    last: ET.Element | None = None
    for index, (tag, value) in enumerate([*(("del", v) for v in removed),
                                          *(("ins", v) for v in added)]):
        if last is not None:
            last.tail = " → " if tag == "ins" and index == len(removed) else ", "
        last = _text(item, tag, value)
