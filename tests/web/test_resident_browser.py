"""The resident's pages in headless Chromium on a 375 px phone: no sideways scrolling, no
Content-Security-Policy violation, nothing fetched from another host. Screenshots are written
to /tmp/resident-<name>.png for review.

Uses Debian's /usr/bin/chromium through playwright (tests/web/test_browser.py); skipped with
the reason when that binary is absent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from test_browser import BROWSER_MARKS, chromium, serving
from test_csp_browser import LISTEN

from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry
from registry.web.pages import Linker
from registry.web.residentpage import resident_routes
from registry.web.routes import build_routes
from registry.web.security import security_middleware

pytestmark = BROWSER_MARKS

PAGES = {
    "hyde-park": "london/deployment/hyde-park-phone-tracking",
    "underground-wifi": "london/deployment/underground-wifi-generalised",
    "nordhaven-wifi": "nordhaven/deployment/wifi-probes",
    "nordhaven-station": "nordhaven/deployment/station-cameras",
    "rio-cctv": "rio/deployment/cctv-traffic-network",
}


@pytest.fixture(scope="module")
def resident_server() -> Iterator[str]:
    """The publishing routes and the resident pages over the seed, with the security headers,
    on a free port."""
    with Registry.memory() as registry:
        registry.load(seed_dir())
        context = RegistryContext(registry)
        app = Starlette(routes=[*resident_routes(context, Linker(context.entity_base)),
                                *build_routes(context)], middleware=security_middleware())
        with serving(app) as url:
            yield url


def test_resident_pages_fit_a_phone_under_the_policy(resident_server: str) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.add_init_script(LISTEN)
        leaving: list[str] = []

        def route(intercepted: object) -> None:
            request_url = intercepted.request.url  # type: ignore[attr-defined]
            if request_url.startswith(resident_server + "/"):
                intercepted.continue_()  # type: ignore[attr-defined]
            else:
                leaving.append(request_url)
                intercepted.abort("internetdisconnected")  # type: ignore[attr-defined]

        page.route("**/*", route)
        for name, path in PAGES.items():
            response = page.goto(f"{resident_server}/resident/{path}")
            assert response is not None
            assert response.status == 200
            assert "default-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("load")
            assert page.locator("h2#who").is_visible()
            # the resident stylesheet loaded and applied
            assert page.evaluate(
                "getComputedStyle(document.querySelector('ul.r-statements')).listStyleType"
            ) == "none"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            assert page.evaluate("window.cspViolations") == [], path
            page.screenshot(path=f"/tmp/resident-{name}.png", full_page=True)
        assert console == []
        assert leaving == []
