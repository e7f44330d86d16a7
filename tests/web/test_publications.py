"""Publications that remember: each publish keeps a dated folder with its dumps, its changes
and a manifest chained to the previous one; the changes page lists them."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from registry.context import RegistryContext
from registry.errors import InputError
from registry.store import Registry
from registry.web import publications
from registry.web.publish import publish

DATA = Path(__file__).parent / "data"
FIRST, SECOND = "2026-01-05T100000Z", "2026-02-05T093000Z"
FOOTAGE = "https://w3id.org/cityreg/id/harbour/dataset/footage"
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Harbour City published, then published again after the footage's retention changed
    (shared by the tests of this module: copy it before changing it)."""
    folder = tmp_path_factory.mktemp("publications")
    harbour = folder / "harbour.ttl"
    shutil.copyfile(DATA / "harbour.ttl", harbour)
    with Registry.memory() as registry:
        registry.load(harbour)
        publish(RegistryContext(registry), folder / "site",
                now=datetime(2026, 1, 5, 10, 0, 0, 500, tzinfo=UTC))
        harbour.write_text(harbour.read_text(encoding="utf-8").replace(
            "cityreg:retentionPeriodDays 30", "cityreg:retentionPeriodDays 90"),
            encoding="utf-8")
        registry.load(harbour)
        publish(RegistryContext(registry), folder / "site",
                now=datetime(2026, 2, 5, 9, 30, tzinfo=UTC))
    return folder / "site"


def test_each_publication_keeps_its_dumps_and_a_manifest(site: Path) -> None:
    assert publications.publication_names(site) == [FIRST, SECOND]
    first, second = (site / "publications" / name for name in (FIRST, SECOND))
    assert sorted(path.name for path in first.iterdir()) == [
        "catalog.ttl", "manifest.json", "registry.jsonld", "registry.nq", "registry.ttl"]
    assert sorted(path.name for path in second.iterdir()) == [
        "catalog.ttl", "changes.json", "manifest.json", "registry.jsonld", "registry.nq",
        "registry.ttl"]
    manifest = json.loads((first / "manifest.json").read_bytes())
    assert manifest == {
        "publication": FIRST, "published": "2026-01-05T10:00:00Z", "previous": None,
        "files": {name: sha256(first / name) for name in
                  ("catalog.ttl", "registry.jsonld", "registry.nq", "registry.ttl")}}
    # the site's dumps are the latest publication's, byte for byte
    for name in publications.DUMP_FILES:
        assert (site / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "registry.ttl").read_bytes() != (second / "registry.ttl").read_bytes()


def test_the_chain_links_each_manifest_to_the_previous_one(site: Path) -> None:
    first, second = (site / "publications" / name for name in (FIRST, SECOND))
    manifest = json.loads((second / "manifest.json").read_bytes())
    assert manifest["publication"] == SECOND
    assert manifest["published"] == "2026-02-05T09:30:00Z"
    assert manifest["previous"] == {"publication": FIRST,
                                    "manifest": sha256(first / "manifest.json")}
    assert manifest["files"]["changes.json"] == sha256(second / "changes.json")
    head = json.loads((site / "manifest.json").read_bytes())
    assert head == {
        "latest": {"publication": SECOND, "manifest": sha256(second / "manifest.json")},
        "files": {name: sha256(site / name) for name in publications.DUMP_FILES}}


def test_json_is_written_deterministically(site: Path) -> None:
    for path in [site / "manifest.json", *site.glob("publications/*/*.json")]:
        data = path.read_bytes()
        assert data == (json.dumps(json.loads(data), sort_keys=True, indent=2,
                                   ensure_ascii=False) + "\n").encode(), path


def test_changes_name_the_changed_entity_field_by_field(site: Path) -> None:
    changes = json.loads((site / "publications" / SECOND / "changes.json").read_bytes())
    assert (changes["before"], changes["after"]) == (FIRST, SECOND)
    assert changes["entities"] == {"added": 0, "removed": 0, "changed": 1}
    [change] = changes["changes"]
    assert (change["iri"], change["label"], change["change"]) == (
        FOOTAGE, "CCTV footage", "changed")
    [field] = change["fields"]
    assert (field["predicate"], field["removed"], field["added"]) == (
        "https://w3id.org/cityreg#retentionPeriodDays", ["30"], ["90"])


def test_the_changes_page_lists_the_publications_newest_first(site: Path) -> None:
    page = (site / "changes.html").read_text(encoding="utf-8")
    assert ('<link rel="alternate" type="application/atom+xml" href="changes.atom"'
            in page)
    assert page.index(f'id="publication-{SECOND}"') < page.index(f'id="publication-{FIRST}"')
    assert "Since the previous publication: 0 entities added, 0 removed, 1 changed" in page
    assert '<a href="id/harbour/dataset/footage.html">CCTV footage</a>' in page
    assert "<del>30</del>" in page
    assert "<ins>90</ins>" in page
    assert "The first publication kept" in page
    assert sha256(site / "publications" / SECOND / "manifest.json") in page
    for href in re.findall(r'href="([^"#]+)', page):
        if not href.startswith(("http:", "https:")):
            assert (site / unquote(href)).is_file(), href


def test_the_home_page_links_the_changes_and_the_feed(site: Path, client: Any) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="changes.html">Changes</a>' in home
    assert '<link rel="alternate" type="application/atom+xml" href="changes.atom"' in home
    served = client.get("/").text  # the server links its versions page instead
    assert 'href="changes.html"' not in served
    assert '<a href="/changes">Changes</a>' in served


def test_a_publication_within_the_same_second_is_named_a_second_later(
        harbour: RegistryContext, tmp_path: Path) -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    publish(harbour, tmp_path / "site", now=moment)
    publish(harbour, tmp_path / "site", now=moment)
    assert publications.publication_names(tmp_path / "site") == [
        "2026-03-01T120000Z", "2026-03-01T120001Z"]
    changes = json.loads((tmp_path / "site/publications/2026-03-01T120001Z/changes.json")
                         .read_bytes())
    assert changes["changes"] == []
    assert changes["findingChanges"] == []
    page = (tmp_path / "site/changes.html").read_text(encoding="utf-8")
    assert "No change since the previous publication." in page


def test_earlier_publications_are_kept_byte_for_byte(site: Path, harbour: RegistryContext,
                                                     tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    before = {path.relative_to(copy): path.read_bytes()
              for path in (copy / "publications").rglob("*") if path.is_file()}
    publish(harbour, copy, now=datetime(2026, 4, 1, tzinfo=UTC))
    after = {path.relative_to(copy): path.read_bytes()
             for path in (copy / "publications").rglob("*") if path.is_file()}
    assert {path: after[path] for path in before} == before
    assert publications.publication_names(copy) == [FIRST, SECOND, "2026-04-01T000000Z"]


def test_a_site_published_before_publications_were_kept_starts_its_chain(
        harbour: RegistryContext, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(harbour, site)
    shutil.rmtree(site / "publications")
    (site / "manifest.json").unlink()
    publish(harbour, site, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert publications.publication_names(site) == ["2026-05-01T000000Z"]
    manifest = json.loads((site / "publications/2026-05-01T000000Z/manifest.json")
                          .read_bytes())
    assert manifest["previous"] is None


def test_a_changed_latest_publication_is_not_extended(site: Path, harbour: RegistryContext,
                                                      tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    dump = copy / "publications" / SECOND / "registry.nq"
    dump.write_bytes(dump.read_bytes().replace(b"Harbour", b"Harb0ur", 1))
    with pytest.raises(InputError, match=(
            rf"the latest publication was changed since it was published: "
            rf"publications/{SECOND}/registry.nq: SHA-256 is [0-9a-f]{{64}}, the manifest "
            rf"says {sha256(site / 'publications' / SECOND / 'registry.nq')}; expected")):
        publish(harbour, copy)
    assert publications.publication_names(copy) == [FIRST, SECOND]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]  # no staging left


def test_a_failed_publish_leaves_the_earlier_site_whole(
        site: Path, harbour: RegistryContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    before = {path.relative_to(copy): path.read_bytes()
              for path in copy.rglob("*") if path.is_file()}

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the feed could not be written")

    monkeypatch.setattr("registry.web.publish.atom_feed", broken)
    with pytest.raises(RuntimeError):
        publish(harbour, copy)
    after = {path.relative_to(copy): path.read_bytes()
             for path in copy.rglob("*") if path.is_file()}
    assert after == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]
