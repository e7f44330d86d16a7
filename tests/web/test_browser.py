"""A reader in a real browser: headless Chromium on the seed registry, served by uvicorn.

Uses Debian's /usr/bin/chromium through playwright's Python API (never a downloaded browser);
skipped with the reason when that binary is absent. CI installs it (see .ci/run).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Marks of every test that drives the browser (test_csp_browser.py uses them too).
BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium)"),
]
pytestmark = BROWSER_MARKS


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium, driven by playwright; closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def seed_server() -> Iterator[str]:
    """The full web app (GraphQL API plus the publishing routes) over the seed, on a free
    port."""
    with Registry.memory() as registry:
        registry.load(seed_dir())
        with serving(create_app(RegistryContext(registry))) as url:
            yield url


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port (its base URL) until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_rio_operations_centre_diagram_links_to_ibm(seed_server: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(seed_server + "/id/rio/system/operations-centre")
        assert page.url.endswith("/id/rio/system/operations-centre.html")
        assert page.locator("h1").inner_text() == "Rio Operations Centre"
        diagram = page.locator("svg.flow-diagram")
        assert diagram.count() == 1
        assert diagram.locator("title").first.text_content() == (
            "Data flows of Rio Operations Centre")
        ibm = diagram.locator('a[aria-label="IBM"]')
        assert ibm.count() == 1
        ibm.click()
        page.wait_for_url("**/id/global/company/ibm.html")
        assert page.locator("h1").inner_text() == "IBM"
        assert page.title() == "IBM · cityreg"


def test_phone_width_has_no_horizontal_scroll(seed_server: str) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        for path in ("/", "/id/rio/system/operations-centre.html", "/findings",
                     "/vendors/"):
            page.goto(seed_server + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
