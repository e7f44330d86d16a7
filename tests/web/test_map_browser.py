"""The cities' map pages in headless Chromium with no network: every request that is not to
the loopback server is aborted. The seed's and Nordhaven's located deployments are drawn as
markers, a marker's popup shows its facts, no Content-Security-Policy violation is reported,
an unreachable tile host leaves the plain background, and the static site's map works from
disk. Screenshots for review: /tmp/map-<slug>.png.

Uses Debian's /usr/bin/chromium through playwright (tests/web/test_browser.py's helpers);
skipped with the reason when that binary is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import BROWSER_MARKS, chromium, serving

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry
from registry.web.mapdata import city_map
from registry.web.mappage import TileSource, map_files, map_routes
from registry.web.pages import Linker, static_file

pytestmark = BROWSER_MARKS

#: Records securitypolicyviolation events (added through DevTools: the policy does not apply).
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                            + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""
#: What each city's map must show: located deployments (and systems) the seed records.
EXPECTED = {"nordhaven": 6, "london": 1, "jakarta": 1}
TILES = TileSource.parse("https://tiles.example.invalid/{z}/{x}/{y}.png")


@pytest.fixture(scope="module")
def context() -> Iterator[RegistryContext]:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        yield RegistryContext(registry)


def _app(context: RegistryContext, tiles: TileSource | None = None) -> Any:
    linker = Linker(context.entity_base)
    return create_app(context, extra_routes=map_routes(context, linker, tiles))


@pytest.fixture(scope="module")
def server(context: RegistryContext) -> Iterator[str]:
    with serving(_app(context)) as url:
        yield url


def _offline(page: Any, allowed: str) -> list[str]:
    """Abort every request not under ``allowed``; the URLs that tried to leave."""
    leaving: list[str] = []

    def route(intercepted: Any) -> None:
        if intercepted.request.url.startswith(allowed):
            intercepted.continue_()
        else:
            leaving.append(intercepted.request.url)
            intercepted.abort("internetdisconnected")

    page.route("**/*", route)
    return leaving


def _page(browser: Any) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))
    page.add_init_script(LISTEN)
    return page, console


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_map_shows_the_located_deployments_offline(context: RegistryContext, server: str,
                                                   slug: str) -> None:
    expected = city_map(context, slug, Linker(context.entity_base))
    assert expected is not None
    assert len(expected.points) == EXPECTED[slug]
    with chromium() as browser:
        page, console = _page(browser)
        leaving = _offline(page, server + "/")
        response = page.goto(f"{server}/cities/{slug}/map")
        assert response is not None
        assert response.status == 200
        page.wait_for_load_state("load")
        page.wait_for_selector("#city-map[data-markers]")
        markers = page.locator("#city-map path.map-marker")
        assert markers.count() == EXPECTED[slug]
        drawn = {markers.nth(i).get_attribute("data-id") for i in range(markers.count())}
        assert drawn == {point.iri for point in expected.points}
        assert page.locator("#city-map path.graticule").count() > 0  # the plain background
        assert page.locator(".leaflet-control-scale").count() == 1
        assert page.locator(".leaflet-tile").count() == 0  # no tiles asked for
        page.screenshot(path=f"/tmp/map-{slug}.png", full_page=True)
        first = expected.points[0]
        page.locator(f'#city-map path[data-id="{first.iri}"]').click(force=True)
        popup = page.locator(".leaflet-popup .map-popup")
        popup.wait_for()
        page.wait_for_timeout(600)  # the popup fades in and the map pans to it
        text = popup.inner_text()
        assert first.label in text
        for heading in ("Operator", "Purpose", "Retention", "Who can access the data",
                        "Open findings"):
            assert heading in text
        assert first.operator.text in text
        assert popup.locator("a", has_text="Entity page").count() == 1
        page.locator("#city-map").screenshot(path=f"/tmp/map-{slug}-popup.png")
        assert leaving == []
        assert page.evaluate("window.cspViolations") == []
        assert console == []


def test_a_popup_links_to_the_trace_and_grades_access(server: str) -> None:
    with chromium() as browser:
        page, console = _page(browser)
        _offline(page, server + "/")
        page.goto(f"{server}/cities/nordhaven/map")
        page.wait_for_selector("#city-map[data-markers]")
        station = "https://w3id.org/cityreg/id/nordhaven/deployment/station-cameras"
        page.locator(f'#city-map path[data-id="{station}"]').click(force=True)
        popup = page.locator(".leaflet-popup .map-popup")
        popup.wait_for()
        grades = {popup.locator(".grade").nth(i).inner_text()
                  for i in range(popup.locator(".grade").count())}
        assert grades
        assert grades <= {"asserted", "inferred", "undisclosed"}
        assert "Nordhaven Transit (fictional)" in popup.inner_text()
        trace = popup.locator("a", has_text="Who can access (trace)")
        assert trace.get_attribute("href") == "/trace/nordhaven/deployment/station-cameras"
        # Follow it by its address: a click can land while Leaflet still pans the map to fit
        # the popup (it failed once so under a loaded CI), and where it lands is not the test.
        page.goto(server + trace.get_attribute("href"))
        assert page.locator("h1").inner_text().startswith("Who can access data from")
        assert console == []


def test_unreachable_tiles_leave_the_plain_background(context: RegistryContext) -> None:
    with serving(_app(context, TILES)) as url, chromium() as browser:
        page, console = _page(browser)
        leaving = _offline(page, url + "/")
        response = page.goto(f"{url}/cities/nordhaven/map")
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "img-src 'self' data: https://tiles.example.invalid;" in policy
        page.wait_for_selector("#city-map.tiles-failed")
        assert page.locator("#city-map path.map-marker").count() == EXPECTED["nordhaven"]
        assert page.locator("#city-map path.graticule").count() > 0
        assert "could not be loaded" in page.locator("#city-map-status").inner_text()
        assert leaving
        assert all(u.startswith("https://tiles.example.invalid/") for u in leaving)
        page.screenshot(path="/tmp/map-nordhaven-tiles-unreachable.png")
        assert page.evaluate("window.cspViolations") == []
        assert [m for m in console if "Content Security Policy" in m] == []


def test_the_static_sites_map_works_from_disk(context: RegistryContext, tmp_path: Path) -> None:
    for site_path, content in map_files(context, Linker(context.entity_base)):
        target = tmp_path / static_file(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (tmp_path / "static").mkdir(exist_ok=True)
    for stylesheet in (Path(__file__).resolve().parents[2] / "registry" / "web" / "static"
                       ).glob("*.css"):
        (tmp_path / "static" / stylesheet.name).write_bytes(stylesheet.read_bytes())
    page_file = tmp_path / "cities" / "london" / "map.html"
    assert page_file.is_file()
    assert (tmp_path / "cities" / "london.geojson").is_file()
    with chromium() as browser:
        page, console = _page(browser)
        leaving = _offline(page, "file://")
        page.goto(page_file.as_uri())
        page.wait_for_selector("#city-map[data-markers]")
        assert page.locator("#city-map path.map-marker").count() == EXPECTED["london"]
        assert leaving == []
        assert console == []
