"""The history section of entity pages, served and published: first seen, last changed and
the versions that touched the entity, field by field (issue #18, parts 3 and 4)."""

from __future__ import annotations

import re
import shutil
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.history.timeline import Timeline
from registry.history.versions import VersionRecord, read_versions
from registry.resources import seed_dir
from registry.server.queries import RegistryQueries
from registry.store import Registry
from registry.store.versioning import versioned_quads
from registry.web import versionspage
from registry.web.admission import Limits
from registry.web.publish import publish
from registry.web.routes import build_routes
from registry.web.versionspage import entity_history

HARBOUR_TTL = Path(__file__).parent / "data" / "harbour.ttl"
ADMINISTRATION = "/id/jakarta/agency/city-administration"
POLICE = "/id/harbour/agency/police"
CONTROL_ROOM = "/id/harbour/system/control-room"
OLD = ("The administration of Jakarta that runs the Jakarta Smart City programme, uses the "
       "Smart City Lounge and can terminate city workers&#39; employment on the basis of Qlue "
       "feedback.")
NEW = OLD.replace("Qlue feedback", "Qlue app ratings")
#: Harbour City's edit: a description, with markup characters, for the police.
EDIT = """\
<https://w3id.org/cityreg/id/harbour/agency/police>
    <http://purl.org/dc/terms/description> "Patrols the <harbour> & \\"docks\\"." .
"""
UPDATE = """INSERT DATA { GRAPH <urn:example:update> {
  <https://w3id.org/cityreg/id/harbour/agency/police>
      <http://purl.org/dc/terms/comment> "By update." } }"""


def _client(context: RegistryContext, queries: RegistryQueries) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    return TestClient(Starlette(routes=build_routes(context, queries)))


@pytest.fixture
def queries() -> Iterator[list[RegistryQueries]]:
    """The SPARQL workers the test's clients made (none is started unless queried)."""
    made: list[RegistryQueries] = []
    yield made
    for runner in made:
        runner.close()


def served(context: RegistryContext, queries: list[RegistryQueries]) -> Any:
    runner = RegistryQueries(Limits().with_workers(1), context.registry)
    queries.append(runner)
    return _client(context, runner)


def history_of(html: str) -> str:
    """The history section of an entity page."""
    [section] = re.findall(r'<section aria-labelledby="history-heading">.*?</section>', html,
                           flags=re.S)
    return str(section)


def _when(version: VersionRecord) -> str:
    return f"{version.time.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _day(version: VersionRecord) -> str:
    moment = version.time.astimezone(UTC)
    return f'<time datetime="{moment:%Y-%m-%dT%H:%M:%SZ}">{moment:%Y-%m-%d}</time>'


@pytest.fixture(scope="module")
def jakarta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryContext]:
    """The seed loaded by the registry team, then jakarta.ttl edited and reloaded by the
    Jakarta office."""
    seed = tmp_path_factory.mktemp("history") / "seed"
    shutil.copytree(seed_dir(), seed)
    with Registry.memory() as registry, pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYREG_AGENT", "Registry team")
        registry.load(seed)
        jakarta = seed / "jakarta.ttl"
        jakarta.write_text(jakarta.read_text().replace(
            "basis of Qlue feedback", "basis of Qlue app ratings", 1))
        patch.setenv("CITYREG_AGENT", "Jakarta office")
        registry.load(seed)
        yield RegistryContext(registry)


def test_the_entity_page_shows_its_history(jakarta: RegistryContext,
                                           queries: list[RegistryQueries]) -> None:
    one, two = read_versions(jakarta.registry)
    section = history_of(served(jakarta, queries).get(ADMINISTRATION + ".html").text)
    assert (f"<dt>First seen</dt>\n  <dd>version 1, {_day(one)}, by Registry team</dd>"
            ) in section
    assert (f"<dt>Last changed</dt>\n  <dd>version 2, {_day(two)}, by Jakarta office</dd>"
            ) in section
    rows = re.findall(r"<li><strong>Version (\d+)</strong>: (\w+), <time [^>]*>(.*?)</time>, "
                      r"by (.*?) with <code>(.*?)</code>", section)
    assert rows == [("2", "changed", _when(two), "Jakarta office", "Registry.load"),
                    ("1", "added", _when(one), "Registry team", "Registry.load")]
    assert f"<li>description: <del>{OLD}</del> → <ins>{NEW}</ins></li>" in section
    assert "earlier" not in section
    assert "Nothing is known before" not in section


def test_a_long_history_is_cut(jakarta: RegistryContext, queries: list[RegistryQueries],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(versionspage, "MAX_HISTORY", 1)
    section = history_of(served(jakarta, queries).get(ADMINISTRATION + ".html").text)
    assert section.count("<strong>Version") == 1
    assert ("&hellip; 1 earlier version: <code>cityreg history "
            "https://w3id.org/cityreg/id/jakarta/agency/city-administration --store STORE"
            "</code> lists them all.") in section


@pytest.fixture
def harbour_edited(tmp_path: Path) -> Iterator[RegistryContext]:
    """Harbour City loaded, then an edit that gives the police a description."""
    edit = tmp_path / "edit.ttl"
    edit.write_text(EDIT, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(HARBOUR_TTL)
        registry.load(edit)
        yield RegistryContext(registry)


def test_the_published_page_shows_the_same_history(harbour_edited: RegistryContext,
                                                   queries: list[RegistryQueries],
                                                   tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(harbour_edited, site)
    written = history_of((site / (POLICE.lstrip("/") + ".html")).read_text(encoding="utf-8"))
    assert written == history_of(served(harbour_edited, queries).get(POLICE + ".html").text)
    assert ("<li>description: added <ins>Patrols the &lt;harbour&gt; &amp; &#34;docks&#34;."
            "</ins></li>") in written
    assert "<harbour>" not in written
    assert written.count("<strong>Version") == 2
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.html">Changes</a> between the publications' in home
    assert "every version of the registry" not in home


def test_a_history_that_stops_at_a_sparql_update_says_so(tmp_path: Path,
                                                         queries: list[RegistryQueries]
                                                         ) -> None:
    edit = tmp_path / "edit.ttl"
    edit.write_text(EDIT, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(HARBOUR_TTL)
        registry.update(UPDATE)
        registry.load(edit)
        client = served(RegistryContext(registry), queries)
        control_room = history_of(client.get(CONTROL_ROOM + ".html").text)
        police = history_of(client.get(POLICE + ".html").text)
    assert ("<dd>added by or before version 2, a SPARQL update whose statements were not "
            "recorded</dd>") in control_room
    assert ("<dd>by or before version 2, a SPARQL update whose statements were not "
            "recorded</dd>") in control_room
    assert "Nothing is known before version 2" in control_room
    assert "<strong>Version" not in control_room
    assert ("<dd>added by or before version 2, a SPARQL update whose statements were not "
            "recorded</dd>") in police
    assert re.findall(r"<strong>Version (\d+)</strong>: (\w+)", police) == [("3", "changed")]
    assert "Nothing is known before version 2" in police


def test_a_registry_without_versions_says_so(queries: list[RegistryQueries]) -> None:
    with Registry.memory() as source:
        source.load(HARBOUR_TTL)
        quads = list(versioned_quads(source.store))  # the data, without its history
    with Registry.restored(quads) as registry:
        section = history_of(served(RegistryContext(registry), queries).get(
            POLICE + ".html").text)
    assert "This registry records no versions" in section
    assert "<strong>Version" not in section


def test_the_timeline_is_walked_once_per_context(harbour_edited: RegistryContext,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[int] = []
    of = Timeline.of

    def slow(registry: Registry) -> Timeline:
        walked.append(1)
        time.sleep(0.2)  # long enough for every thread to ask while it is walked
        return of(registry)

    monkeypatch.setattr(Timeline, "of", staticmethod(slow))
    iri = harbour_edited.entity_base + POLICE[len("/id/"):]
    threads = [threading.Thread(target=entity_history, args=(harbour_edited, iri))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entity_history(harbour_edited, iri)
    assert walked == [1]
