"""The trace page in a real browser: Chromium shows the chain diagram under the
Content-Security-Policy, its text fits its boxes in the browser's own font, its boxes link
to their pages, and on a phone only the diagram scrolls sideways.

Uses Debian's /usr/bin/chromium through playwright and the seed server of
tests/web/test_browser.py; skipped with the reason when that binary is absent. Leaves a
screenshot of the Nordhaven trace page in /tmp/nordhaven-trace.png for a look by eye.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_browser import BROWSER_MARKS, chromium, seed_server

__all__ = ["seed_server"]  # the module-scoped fixture, shared with test_browser.py

pytestmark = BROWSER_MARKS

CAMERAS = "/trace/nordhaven/sensor/station-cameras"
SCREENSHOT = Path("/tmp/nordhaven-trace.png")

#: Collects the page's securitypolicyviolation events (added through the DevTools protocol,
#: so the policy under test does not apply to it).
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""

#: Every line of text that spills out of its node's box, in the browser's own font.
SPILLS = """
() => {
  const spills = [];
  for (const node of document.querySelectorAll("svg.chain-diagram .chain-node")) {
    const box = node.querySelector("rect").getBBox();
    for (const line of node.querySelectorAll("text")) {
      const b = line.getBBox();
      if (b.x < box.x || b.x + b.width > box.x + box.width) {
        spills.push(`${line.textContent}: ${b.width.toFixed(1)} of ${box.width}`);
      }
    }
  }
  return spills;
}
"""


def test_the_trace_page_shows_its_chain_under_the_policy(seed_server: str) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 2100, "height": 900})  # the whole chain
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.add_init_script(LISTEN)
        response = page.goto(seed_server + CAMERAS)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        diagram = page.locator("svg.chain-diagram")
        assert diagram.count() == 1
        assert diagram.is_visible()
        size = diagram.bounding_box()
        assert size is not None
        assert size["width"] > 1000  # drawn at its own size, in a frame that scrolls
        assert size["height"] > 300
        assert page.evaluate(SPILLS) == []
        assert page.evaluate("window.cspViolations") == []
        assert console == []
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert SCREENSHOT.stat().st_size > 10_000
        page.locator('svg.chain-diagram a[aria-label="AdReach Data Brokers (fictional)"]').click()
        page.wait_for_url("**/id/nordhaven/company/adreach.html")
        assert page.locator("h1").inner_text() == "AdReach Data Brokers (fictional)"


def test_on_a_phone_only_the_diagram_scrolls_sideways(seed_server: str) -> None:
    with chromium() as browser:
        page: Any = browser.new_page(viewport={"width": 375, "height": 800})
        for path in (CAMERAS, "/id/nordhaven/sensor/station-cameras.html"):
            page.goto(seed_server + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            frame = page.locator(".chain-scroll")
            assert frame.evaluate("element => element.scrollWidth > element.clientWidth")
