"""The server's /changes page and /changes.atom feed: the registry's versions, newest first,
with the entities each added, removed and changed (issue #18, part 4), on the issue's case:
load the seed, reload one edited file, import a CSV."""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette

from registry import cli
from registry.context import RegistryContext
from registry.history.versions import VersionRecord, read_versions
from registry.resources import seed_dir
from registry.server.queries import RegistryQueries
from registry.store import Registry
from registry.store.versioning import versioned_quads
from registry.web.admission import Limits
from registry.web.routes import build_routes
from registry.web.security import CONTENT_SECURITY_POLICY, security_middleware

AMSTERDAM = Path(__file__).parent.parent / "importers" / "data" / "amsterdam"
HARBOUR_TTL = Path(__file__).parent / "data" / "harbour.ttl"
ADMINISTRATION = "https://w3id.org/cityreg/id/jakarta/agency/city-administration"
OLD = ("The administration of Jakarta that runs the Jakarta Smart City programme, uses the "
       "Smart City Lounge and can terminate city workers&#39; employment on the basis of Qlue "
       "feedback.")
NEW = OLD.replace("Qlue feedback", "Qlue app ratings")


def _client(context: RegistryContext, queries: RegistryQueries) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    return TestClient(Starlette(routes=build_routes(context, queries),
                                middleware=security_middleware()))


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli.main, list(args), prog_name="cityreg")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with three versions: the seed by the registry team; jakarta.ttl edited and
    reloaded by the Jakarta office; Amsterdam's sensor register imported by "officer"."""
    folder = tmp_path_factory.mktemp("versions")
    seed, reg = folder / "seed", str(folder / "reg")
    shutil.copytree(seed_dir(), seed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYREG_AGENT", "Registry team")
        _run("load", str(seed), "--store", reg)
        jakarta = seed / "jakarta.ttl"
        jakarta.write_text(jakarta.read_text().replace(
            "basis of Qlue feedback", "basis of Qlue app ratings", 1))
        patch.setenv("CITYREG_AGENT", "Jakarta office")
        _run("load", str(seed), "--store", reg)
        patch.delenv("CITYREG_AGENT")
        patch.setenv("USER", "officer")
        patch.setenv("LOGNAME", "officer")
        _run("import", "csv", str(AMSTERDAM / "Sensorregistratie.csv"),
             str(AMSTERDAM / "Uw gegevens.csv"), "--city", "amsterdam", "--store", reg)
    return folder


@pytest.fixture(scope="module")
def context(store: Path) -> Iterator[RegistryContext]:
    """The store, open (once: a store has one user at a time)."""
    with Registry.open(store / "reg") as registry:
        yield RegistryContext(registry)


@pytest.fixture(scope="module")
def served(context: RegistryContext) -> Iterator[tuple[Any, list[VersionRecord]]]:
    """A client of the site's routes over the store, and its versions (oldest first)."""
    queries = RegistryQueries(Limits().with_workers(1), context.registry)
    try:
        yield _client(context, queries), read_versions(context.registry)
    finally:
        queries.close()


def _sections(html: str) -> dict[int, str]:
    """Each version's section of the page, by number."""
    found = re.findall(r'<section id="version-(\d+)".*?</section>', html, flags=re.S)
    parts = re.split(r'(?=<section id="version-\d+")', html)[1:]
    assert len(found) == len(parts)
    return {int(number): part.split("</section>")[0] for number, part in zip(found, parts,
                                                                            strict=True)}


def test_the_page_lists_the_versions_newest_first(served: tuple[Any, list[VersionRecord]]
                                                   ) -> None:
    client, versions = served
    response = client.get("/changes")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    html = response.text
    assert re.findall(r'<h2 id="version-\d+-heading">(.*?)</h2>', html) == [
        "Version 3: cityreg import by officer",
        "Version 2: cityreg load by Jakarta office",
        "Version 1: cityreg load by Registry team"]
    sections = _sections(html)
    assert ("<p>121 statements added and 0 removed in 2 data graphs (2 new); 24 entities "
            "added, 0 removed, 0 changed.</p>") in sections[3]
    assert ("<p>1 statement added and 1 removed in 1 data graph; 0 entities added, 0 "
            "removed, 1 changed.</p>") in sections[2]
    assert ("<p>2,439 statements added and 0 removed in 11 data graphs (11 new); 262 "
            "entities added, 0 removed, 0 changed.</p>") in sections[1]
    for version in versions:
        when = f"{version.time.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        assert f"{when}</time> · by {version.agent} · <code>" in sections[version.number]


def test_a_changed_entity_is_linked_with_its_fields(served: tuple[Any, list[VersionRecord]]
                                                     ) -> None:
    client, _ = served
    version = _sections(client.get("/changes").text)[2]
    assert re.findall(r"<h3>(.*?)</h3>", version) == ["Changed: 1 entity"]
    assert ('<li><a href="/id/jakarta/agency/city-administration">Jakarta city administration'
            '</a><ul class="values">\n'
            f"<li>description: <del>{OLD}</del> → <ins>{NEW}</ins></li>\n</ul>") in version


def test_files_are_named_with_their_checksums(served: tuple[Any, list[VersionRecord]],
                                              store: Path) -> None:
    client, _ = served
    sections = _sections(client.get("/changes").text)
    jakarta = hashlib.sha256((store / "seed" / "jakarta.ttl").read_bytes()).hexdigest()
    assert (f'>jakarta.ttl</span> <small>(SHA-256 <code title="SHA-256 {jakarta}">'
            f"{jakarta[:12]}&hellip;</code>)</small>") in sections[2]
    assert ">Uw gegevens.csv</span>" in sections[3]  # the IRI's %20 decoded


def test_long_lists_are_cut_and_say_how_to_see_all(served: tuple[Any, list[VersionRecord]]
                                                    ) -> None:
    client, _ = served
    sections = _sections(client.get("/changes").text)
    assert re.findall(r"<h3>(.*?)</h3>", sections[1]) == ["Added: 262 entities"]
    assert sections[1].count("<li><a href=") == 200
    assert "&hellip; and 62 more entities (this page lists 200 per version)." in sections[1]
    assert "cityreg export --as-of-version 1 --store STORE" in sections[1]
    assert re.findall(r"<h3>(.*?)</h3>", sections[3]) == ["Added: 24 entities"]
    assert sections[3].count("<li><a href=") == 24
    assert "more entities" not in sections[3]


def test_since_filters_the_versions(served: tuple[Any, list[VersionRecord]]) -> None:
    client, versions = served
    first = versions[0].time.astimezone(UTC)
    html = client.get("/changes", params={"since": f"{first:%Y-%m-%dT%H:%M:%S.%f}Z"}).text
    assert sorted(_sections(html)) == [2, 3]
    assert "2 of 3 versions were made after" in html
    assert '<a href="/changes">All versions</a>' in html
    html = client.get("/changes", params={"since": (first - timedelta(days=1)).strftime(
        "%Y-%m-%d")}).text
    assert sorted(_sections(html)) == [1, 2, 3]
    newest = versions[-1].time.astimezone(UTC) + timedelta(seconds=1)
    html = client.get("/changes", params={"since": f"{newest:%Y-%m-%dT%H:%M:%S+00:00}"}).text
    assert _sections(html) == {}
    assert "No version was made after" in html


def test_a_bad_since_is_a_400_that_says_what_is_accepted(
        served: tuple[Any, list[VersionRecord]]) -> None:
    client, _ = served
    response = client.get("/changes", params={"since": "last tuesday"})
    assert response.status_code == 400
    assert response.text == (
        "cannot read since='last tuesday': expected a date or a time in ISO 8601, such as "
        "2026-12-01 or 2026-12-01T00:00Z (UTC unless it has an offset such as +01:00)\n")


def test_the_feed_is_atom_with_one_entry_per_version(served: tuple[Any, list[VersionRecord]]
                                                     ) -> None:
    client, versions = served
    response = client.get("/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, versions[0].iri)}"
    assert [entry.id for entry in feed.entries] == [v.iri for v in reversed(versions)]
    assert [entry.title for entry in feed.entries] == [
        "Version 3: cityreg import by officer", "Version 2: cityreg load by Jakarta office",
        "Version 1: cityreg load by Registry team"]
    assert [entry.author for entry in feed.entries] == [
        "officer", "Jakarta office", "Registry team"]
    assert [entry.updated for entry in feed.entries] == [
        f"{v.time.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" for v in reversed(versions)]
    assert feed.feed.updated == feed.entries[0].updated
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver/changes#version-{n}" for n in (3, 2, 1)]
    assert feed.entries[1].summary == (
        "1 statement added and 1 removed in 1 data graph; 0 entities added, 0 removed, 1 "
        "changed.")
    [self_link] = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link.href == "http://testserver/changes.atom"
    content = feed.entries[1].content[0]
    assert content.type == "text/html"
    assert ('<a href="http://testserver/id/jakarta/agency/city-administration">Jakarta city '
            "administration</a> (changed)") in content.value
    assert "on the basis of Qlue feedback.</del> → <ins>The administration" in content.value
    assert "… and 162 more on" in feed.entries[2].content[0].value  # 100 of 262 listed


def test_the_page_and_the_home_page_link_the_feed(served: tuple[Any, list[VersionRecord]]
                                                  ) -> None:
    client, _ = served
    alternate = ('<link rel="alternate" type="application/atom+xml" href="/changes.atom" '
                 'title="Versions of the registry (Atom)">')
    assert alternate in client.get("/changes").text
    home = client.get("/").text
    assert alternate in home
    assert ('<li><a href="/changes">Changes</a>: every version of the registry, who made it '
            'and what it changed, also as an <a href="/changes.atom">Atom feed</a></li>'
            ) in home
    assert "between the publications" not in home


def test_the_feed_answers_conditional_requests(served: tuple[Any, list[VersionRecord]]
                                               ) -> None:
    client, _ = served
    first = client.get("/changes.atom")
    again = client.get("/changes.atom", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    later = client.get("/changes.atom",
                       headers={"if-modified-since": first.headers["last-modified"]})
    assert later.status_code == 304


def test_the_page_keeps_to_the_policy(served: tuple[Any, list[VersionRecord]]) -> None:
    client, _ = served
    html = client.get("/changes").text
    assert "<script" not in html
    assert " style=" not in html
    assert "<style" not in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)  # nothing from elsewhere


@pytest.mark.slow
@pytest.mark.browser
def test_in_chromium_the_pages_keep_to_the_policy_and_fit_a_phone(context: RegistryContext
                                                                  ) -> None:
    from test_browser import CHROMIUM, chromium, serving
    from test_csp_browser import LISTEN

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    queries = RegistryQueries(Limits().with_workers(1), context.registry)
    app = Starlette(routes=build_routes(context, queries), middleware=security_middleware())
    try:
        with serving(app) as server, chromium() as browser:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.add_init_script(LISTEN)
            for path in ("/changes", "/id/jakarta/agency/city-administration.html"):
                page.goto(server + path)
                page.wait_for_load_state("load")
                assert page.evaluate("window.cspViolations") == [], path
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
            page.goto(server + "/changes")
            page.get_by_label("Made after").fill("2000-01-01")
            page.get_by_role("button", name="Show").click()
            page.wait_for_url("**/changes?since=2000-01-01")
            assert page.locator("section h2").count() == 3
    finally:
        queries.close()


# A registry with markup in its data, a history that stops at a SPARQL update, and none.

EDIT = """\
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cityreg/id/harbour/agency/parks> a cityreg:Agency ;
    rdfs:label "Parks <b>&</b> \\"Gardens\\"" .
"""
UPDATE = """INSERT DATA { GRAPH <urn:example:update> {
  <https://w3id.org/cityreg/id/harbour/agency/police>
      <http://purl.org/dc/terms/description> "Patrols <i>the</i> harbour." } }"""


@contextmanager
def _served_over(registry: Registry) -> Iterator[Any]:
    queries = RegistryQueries(Limits().with_workers(1), registry)
    try:
        yield _client(RegistryContext(registry), queries)
    finally:
        queries.close()


def test_every_value_is_escaped(tmp_path: Path) -> None:
    edit = tmp_path / "edit.ttl"
    edit.write_text(EDIT, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(HARBOUR_TTL)
        registry.load(edit)
        with _served_over(registry) as client:
            html = client.get("/changes").text
            feed = feedparser.parse(client.get("/changes.atom").content)
        assert ('<a href="/id/harbour/agency/parks">Parks &lt;b&gt;&amp;&lt;/b&gt; '
                "&#34;Gardens&#34;</a>") in html
        assert "<b>" not in html
        assert feed.bozo == 0
        content = feed.entries[0].content[0].value
        assert "Parks &lt;b&gt;&amp;&lt;/b&gt;" in content
        assert "<b>" not in content


def test_a_history_that_stops_at_a_sparql_update_says_so(tmp_path: Path) -> None:
    edit = tmp_path / "edit.ttl"
    edit.write_text(EDIT, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(HARBOUR_TTL)
        registry.update(UPDATE)
        registry.load(edit)
        with _served_over(registry) as client:
            html = client.get("/changes").text
            feed = feedparser.parse(client.get("/changes.atom").content)
        assert sorted(_sections(html)) == [2, 3]
        assert ("<strong>Nothing is known before version 2.</strong> It was a SPARQL update, "
                "whose statements were not recorded") in html
        assert ("A SPARQL update: the statements it added and removed were not recorded, so "
                "what it changed is not known.") in _sections(html)[2]
        assert feed.bozo == 0
        assert len(feed.entries) == 2
        assert feed.feed.id == (
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, read_versions(registry)[0].iri)}")


def test_a_registry_without_versions_says_so() -> None:
    with Registry.memory() as source:
        source.load(HARBOUR_TTL)
        quads = list(versioned_quads(source.store))  # the data, without its history
    with Registry.restored(quads) as registry:
        assert read_versions(registry) == []
        with _served_over(registry) as client:
            html = client.get("/changes").text
            feed = feedparser.parse(client.get("/changes.atom").content)
        assert "This registry records no versions" in html
        assert _sections(html) == {}
        assert feed.bozo == 0
        assert feed.entries == []


def test_each_request_reads_versions_for_at_most_its_time_limit_and_the_next_reads_on(
        context: RegistryContext, served: tuple[Any, list[VersionRecord]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On an engine each version's entities are read when first asked for (seconds for a
    city's load). Past the page's time limit (here none: one version per request), the rest
    are shown with their statement counts and a note, and the next request reads on, until
    the page is the one a walked history gives."""
    from registry.history.ondemand import OnDemandTimeline
    from registry.web import versionspage

    complete = served[0].get("/changes").text
    monkeypatch.setattr(versionspage, "CHANGES_SECONDS", 0.0)
    on_demand = RegistryContext(context.registry)
    on_demand.__dict__["timeline"] = OnDemandTimeline(context.registry)
    queries = RegistryQueries(Limits().with_workers(1), context.registry)
    try:
        client = _client(on_demand, queries)
        unread = "The entities it touched were not read yet"
        first = _sections(client.get("/changes").text)
        assert unread not in first[3]
        assert unread in first[2]
        assert unread in first[1]
        assert ("<p>1 statement added and 1 removed in 1 data graph. The entities it touched "
                "were not read yet: the registry&#39;s engine is read one version at a time, "
                "at most 0 s per request, and each request reads more (load the page again, "
                "or ask the API&#39;s changes for this version).</p>") in first[2]
        assert "<h3>" not in first[2]
        feed = feedparser.parse(client.get("/changes.atom").text)  # reads version 2
        assert [unread in entry.summary for entry in feed.entries] == [False, False, True]
        third = client.get("/changes").text  # reads version 1
        assert unread not in third
        assert third == complete
        assert client.get("/changes").text == complete
    finally:
        queries.close()
