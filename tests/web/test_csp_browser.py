"""The pages under their Content-Security-Policy in a real browser, with the network off:
Chromium reports no violation, no request leaves for another host, and GraphiQL (whose start
script is a static file and whose assets are vendored) renders and answers a query.

Uses Debian's /usr/bin/chromium through playwright, and the seed server of
tests/web/test_browser.py; skipped with the reason when that binary is absent.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_browser import BROWSER_MARKS, chromium, seed_server

__all__ = ["seed_server"]  # the module-scoped fixture, shared with test_browser.py

pytestmark = BROWSER_MARKS

#: Collects the page's securitypolicyviolation events. Added through the DevTools protocol, so
#: the policy under test does not apply to it.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                            + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _offline(page: Any, server: str) -> dict[str, list[str]]:
    """Cut ``page`` off from every host but ``server``, as on a train or an air-gapped city
    network: any other request fails. Returns the URLs that went to the server ("served") and
    those that tried to leave ("leaving")."""
    leaving: list[str] = []
    served: list[str] = []

    def route(intercepted: Any) -> None:
        if intercepted.request.url.startswith(server + "/"):
            served.append(intercepted.request.url)
            intercepted.continue_()
        else:
            leaving.append(intercepted.request.url)
            intercepted.abort("internetdisconnected")

    page.route("**/*", route)
    return {"served": served, "leaving": leaving}


def _listening_page(browser: Any) -> tuple[Any, list[str]]:
    """A new page that records policy violations, and the list its CSP console messages go
    to."""
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(LISTEN)
    return page, console


@pytest.mark.parametrize("path", [
    "/",
    "/id/rio/system/operations-centre",  # an entity page with its data-flow diagram
    "/findings",
    "/changes",  # the registry's versions, and the since form
    "/search?q=IBM",  # the search page, its facets and the header's form
    "/sparql",
    "/ontology",
])
def test_page_reports_no_policy_violation(seed_server: str, path: str) -> None:
    with chromium() as browser:
        page, console = _listening_page(browser)
        network = _offline(page, seed_server)
        response = page.goto(seed_server + path)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        if path.startswith("/id/"):
            assert page.locator("svg.flow-diagram").count() == 1
        assert page.evaluate("window.cspViolations") == []
        assert console == []
        assert network["leaving"] == []
        assert network["served"][0] == seed_server + path


def test_graphiql_renders_and_answers_offline_under_the_policy(seed_server: str) -> None:
    with chromium() as browser:
        page, console = _listening_page(browser)
        network = _offline(page, seed_server)
        answers: list[Any] = []
        page.on("response", lambda response: answers.append(response)
                if response.request.method == "POST" else None)
        page.goto(seed_server + "/graphql")
        page.wait_for_selector(".graphiql-container", timeout=30_000)
        assert "{ cities { nodes { id label } } }" in page.locator(
            ".graphiql-query-editor").inner_text()
        page.click(".graphiql-execute-button")
        page.locator(".graphiql-response").get_by_text('"cities"').wait_for(
            timeout=30_000)
        # A dialog injects a <style> element: the one thing GRAPHIQL_POLICY relaxes.
        page.click("button[aria-label='Open settings dialog']")
        page.get_by_role("dialog").wait_for()
        page.keyboard.press("Escape")
        assert page.evaluate("window.cspViolations") == []
        assert console == []
        # GraphiQL's schema introspection and the query were both answered, within the
        # request limits (registry/api/limits.py).
        bodies = [answer.json() for answer in answers]
        assert any("__schema" in body.get("data", {}) for body in bodies), bodies
        assert any("cities" in body.get("data", {}) for body in bodies), bodies
        assert [body["errors"] for body in bodies if "errors" in body] == []
        assert network["leaving"] == []
        assert seed_server + "/static/vendor/graphiql-3.8.3/graphiql.min.js" in network["served"]
