"""changes.atom: a valid Atom 1.0 feed (RFC 4287) with one entry per kept publication, read
the way a feed reader reads it (feedparser)."""

from __future__ import annotations

import hashlib
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from registry.context import RegistryContext
from registry.store import Registry
from registry.web.feed import entry_id, feed_id
from registry.web.publish import publish

DATA = Path(__file__).parent / "data"
ATOM = "{http://www.w3.org/2005/Atom}"
FIRST, SECOND = "2026-01-05T100000Z", "2026-02-05T093000Z"
SITE_URL = "https://registry.example.org/harbour/"
#: The edit between the two publications: a description for the police, and a new agency
#: whose label has markup characters.
EDIT = """\
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dct:     <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cityreg/id/harbour/agency/police> dct:description "Patrols the harbour." .
<https://w3id.org/cityreg/id/harbour/agency/parks> a cityreg:Agency ;
    rdfs:label "Parks <b>&</b> \\"Gardens\\"" .
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Harbour City published twice, an edit in between: once without and once with
    --site-url."""
    folder = tmp_path_factory.mktemp("feed")
    edit = folder / "edit.ttl"
    edit.write_text(EDIT, encoding="utf-8")
    relative, absolute = folder / "relative", folder / "absolute"
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        for out, url in ((relative, ""), (absolute, SITE_URL)):
            publish(RegistryContext(registry), out, url,
                    now=datetime(2026, 1, 5, 10, tzinfo=UTC))
        registry.load(edit)
        for out, url in ((relative, ""), (absolute, SITE_URL)):
            publish(RegistryContext(registry), out, url,
                    now=datetime(2026, 2, 5, 9, 30, tzinfo=UTC))
    return relative, absolute


def parsed(site: Path) -> Any:
    feed = feedparser.parse((site / "changes.atom").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def test_the_feed_is_atom_with_one_entry_per_publication(sites: tuple[Path, Path]) -> None:
    site = sites[0]
    feed = parsed(site)
    assert feed.version == "atom10"
    manifests = [sha256(site / "publications" / name / "manifest.json")
                 for name in (SECOND, FIRST)]
    assert feed.feed.id == feed_id(manifests[1])
    assert feed.feed.title == "Changes to the smart-city registry"
    assert feed.feed.updated == "2026-02-05T09:30:00Z"
    assert feed.feed.author == "cityreg publisher"
    assert [entry.id for entry in feed.entries] == [entry_id(sha) for sha in manifests]
    assert all(entry.id.startswith("urn:uuid:") for entry in feed.entries)
    assert [entry.title for entry in feed.entries] == [
        "Publication of 2026-02-05 09:30:00 UTC", "Publication of 2026-01-05 10:00:00 UTC"]
    assert [entry.updated for entry in feed.entries] == [
        "2026-02-05T09:30:00Z", "2026-01-05T10:00:00Z"]
    assert [entry.link for entry in feed.entries] == [
        f"changes.html#publication-{SECOND}", f"changes.html#publication-{FIRST}"]
    assert feed.entries[0].summary == (
        "Since the previous publication: 1 entity added, 0 removed, 1 changed; 2 findings "
        "appeared, 0 resolved.")
    assert feed.entries[1].summary == (
        "The first publication kept: there is no earlier one to compare it with.")
    assert not [link for link in feed.feed.links if link.rel == "self"]
    # every relative link resolves to a file of the site
    for entry in feed.entries:
        for link in entry.links:
            assert (site / link.href.split("#")[0]).is_file(), link.href


def test_entry_content_lists_the_changes_escaped(sites: tuple[Path, Path]) -> None:
    content = parsed(sites[0]).entries[0].content[0]
    assert content.type == "text/html"
    html = content.value
    assert ('<li><a href="id/harbour/agency/parks.html">Parks &lt;b&gt;&amp;&lt;/b&gt; '
            '"Gardens"</a> (added)</li>') in html
    assert ('<li><a href="id/harbour/agency/police.html">Harbour Police</a> (changed): '
            'description</li>') in html
    assert "<b>" not in html
    assert sha256(sites[0] / "publications" / SECOND / "manifest.json") in html


def test_the_xml_has_what_rfc_4287_requires(sites: tuple[Path, Path]) -> None:
    feed = ET.parse(sites[1] / "changes.atom").getroot()
    assert feed.tag == ATOM + "feed"
    for tag in ("id", "title", "updated", "author"):
        assert len(feed.findall(ATOM + tag)) == 1, tag
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "summary", "content"):
            assert len(entry.findall(ATOM + tag)) == 1, tag
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_with_a_site_url_links_are_absolute(sites: tuple[Path, Path]) -> None:
    feed = parsed(sites[1])
    [self_link] = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link.href == SITE_URL + "changes.atom"
    assert feed.feed.link == SITE_URL + "changes.html"
    assert feed.entries[0].link == f"{SITE_URL}changes.html#publication-{SECOND}"
    assert (f'<a href="{SITE_URL}id/harbour/agency/parks.html">Parks &lt;b&gt;'
            in feed.entries[0].content[0].value)


def test_ids_stay_the_same_as_the_feed_grows(sites: tuple[Path, Path],
                                            tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(sites[0], site)
    before = parsed(site)
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        publish(RegistryContext(registry), site, now=datetime(2026, 3, 1, tzinfo=UTC))
    after = parsed(site)
    assert after.feed.id == before.feed.id
    assert len(after.entries) == 3
    assert [entry.id for entry in after.entries[1:]] == [entry.id for entry in before.entries]
    assert after.entries[0].summary == (
        "Since the previous publication: 0 entities added, 1 removed, 1 changed; 0 findings "
        "appeared, 2 resolved.")
    # the removed entity has no page any more: named, not linked
    assert ('<li>Parks &lt;b&gt;&amp;&lt;/b&gt; "Gardens" (removed): label, type</li>'
            in after.entries[0].content[0].value)
