"""``/report/<kind>/<path>``: the generated documents on the site (HTML, ``.md``, ``.json``),
the links an entity page gets, 404s; and every kind in headless Chromium, with a screenshot
of each for a person to look at (/tmp/report-<kind>.png)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry
from registry.web import render
from registry.web.pages import Linker
from registry.web.reportpages import report_links, report_routes
from tests.web.test_browser import BROWSER_MARKS, chromium, serving

DATA = Path(__file__).resolve().parent.parent / "data" / "reports"
CASES = {
    "surveillance-impact-report": "vesterby/system/kerb-ai",
    "use-policy": "vesterby/system/kerb-ai",
    "post-act-policy": "vesterby/system/kerb-ai",
    "atrs-record": "vesterby/system/kerb-ai",
    "annual-surveillance-report": "vesterby/city/vesterby?year=2025",
    "dpia-summary": "vesterby/processing/kerb-enforcement",
}


@pytest.fixture(scope="module")
def context() -> Iterator[RegistryContext]:
    with Registry.memory() as registry:
        registry.load(seed_dir(), *sorted(DATA.glob("*.ttl")))
        yield RegistryContext(registry, as_of=date(2026, 6, 1))


def _app(context: RegistryContext) -> Starlette:
    return Starlette(routes=report_routes(context, Linker(context.entity_base)))


@pytest.fixture
def client(context: RegistryContext, make_client: Any) -> Any:
    return make_client(_app(context))


def test_the_page_and_its_markdown_and_json(client: Any) -> None:
    page = client.get("/report/use-policy/london/deployment/hyde-park-phone-tracking")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/report/document.css">' in page.text
    assert "<style>" not in page.text  # the site's CSP allows no inline style
    assert "Data retention" in page.text
    assert "not disclosed" in page.text
    markdown = client.get("/report/use-policy/london/deployment/hyde-park-phone-tracking.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Surveillance use policy: Phone tracking in Hyde Park")
    data = client.get("/report/use-policy/london/deployment/hyde-park-phone-tracking.json").json()
    assert data["counts"] == {"filled": 4, "not disclosed": 1, "stated absent": 0,
                              "not recorded": 6}
    css = client.get("/report/document.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "table" in css.text


def test_the_annual_report_takes_a_year(client: Any) -> None:
    data = client.get("/report/annual-surveillance-report/vesterby/city/vesterby.json"
                      "?year=2025").json()
    assert data["year"] == 2025
    assert data["counts"]["filled"] == 6
    default = client.get("/report/annual-surveillance-report/vesterby/city/vesterby.json").json()
    assert default["year"] == 2025  # the year before the context's reference date (2026-06-01)
    bad = client.get("/report/annual-surveillance-report/vesterby/city/vesterby?year=20x5")
    assert bad.status_code == 400
    assert "expected YYYY" in bad.text


def test_unknown_kinds_and_entities_are_404s_that_say_why(client: Any) -> None:
    kind = client.get("/report/impact/rio/system/operations-centre")
    assert kind.status_code == 404
    assert "expected one of annual-surveillance-report" in kind.text
    entity = client.get("/report/dpia-summary/rio/system/operations-centre")
    assert entity.status_code == 404
    assert "a dpia-summary is about a cityreg:Processing" in entity.text
    missing = client.get("/report/use-policy/rio/system/nothing-here")
    assert missing.status_code == 404


def test_an_entity_links_the_documents_that_apply_to_it(context: RegistryContext) -> None:
    kerb = context.entity_base + "vesterby/system/kerb-ai"
    assert [(link.title, link.href) for link in report_links(context, kerb)] == [
        ("Algorithmic transparency record (ATRS)", "/report/atrs-record/vesterby/system/kerb-ai"),
        ("Impact and use policy (NYC POST Act)",
         "/report/post-act-policy/vesterby/system/kerb-ai"),
        ("Surveillance impact report",
         "/report/surveillance-impact-report/vesterby/system/kerb-ai"),
        ("Surveillance use policy", "/report/use-policy/vesterby/system/kerb-ai")]
    city = context.entity_base + "rio/city/rio"
    assert [(link.title, link.href) for link in report_links(context, city)] == [
        ("Annual surveillance report (2025)", "/report/annual-surveillance-report/rio/city/rio")]
    assert report_links(context, context.entity_base + "rio/agency/city-government") == []
    html = render("_report_links.html", Linker(context.entity_base),
                  reports=report_links(context, city))
    assert '<a href="/report/annual-surveillance-report/rio/city/rio.md">Markdown</a>' in html
    assert render("_report_links.html", Linker(context.entity_base), reports=[]).strip() == ""


def _in_the_browser(test: Any) -> Any:
    """The marks of every browser test (tests/web/test_browser.py)."""
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@pytest.mark.parametrize("kind", list(CASES))
@_in_the_browser
def test_every_kind_in_chromium(context: RegistryContext, kind: str) -> None:
    with serving(_app(context)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        failed: list[str] = []  # what the page loads (its stylesheet) loads; no favicon is served
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400
                and not r.url.endswith("/favicon.ico") else None)
        response = page.goto(f"{url}/report/{kind}/{CASES[kind]}")
        assert response is not None
        assert response.status == 200
        assert page.locator("main").count() == 1
        assert page.locator("header h1").count() == 1
        # Every table has column headers with scope; styles came from the stylesheet.
        assert page.locator("table").count() > 0
        assert page.locator("th:not([scope])").count() == 0
        assert page.evaluate("getComputedStyle(document.querySelector('table'))"
                             ".borderCollapse") == "collapse"
        statuses = page.locator("h2 .status, h3 .status").all_inner_texts()
        assert statuses
        assert all(s.lower() in {"filled", "not disclosed", "stated absent",
                                             "not recorded"} for s in statuses)
        page.screenshot(path=f"/tmp/report-{kind}.png", full_page=True)
        assert not failed, failed


@_in_the_browser
def test_a_gap_page_in_chromium_shows_its_gaps(context: RegistryContext) -> None:
    with serving(_app(context)) as url, chromium() as browser:
        page = browser.new_page()
        page.goto(f"{url}/report/post-act-policy/rio/deployment/cctv-traffic-network")
        gaps = page.locator("table.gaps tr.not-disclosed td.status").all_inner_texts()
        assert gaps
        assert {g.lower() for g in gaps} == {"not disclosed"}
        assert "does not bind in Rio de Janeiro (BR)" in page.locator("header").inner_text()
        page.screenshot(path="/tmp/report-post-act-policy-rio.png", full_page=True)

