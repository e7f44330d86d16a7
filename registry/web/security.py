"""Security headers on every response, and requests no server should answer refused first.

:class:`SecurityHeadersMiddleware` (a pure ASGI middleware: it wraps ``send``, so streamed and
file responses get the headers too, and it adds no task or thread) sets on every HTTP
response, unless the application set the header itself:

* ``Content-Security-Policy``: :data:`CONTENT_SECURITY_POLICY`. Everything comes from the
  site itself (``default-src 'self'``); no inline script, no ``eval``, no plugin, no ``<base>``;
  forms post only to the site; no other site may frame a page. Fonts and images may also be
  ``data:`` URLs (the GraphiQL stylesheet embeds its fonts and icons). The pages satisfy it:
  they have no inline script, no event-handler attribute and no inline style
  (``tests/web/test_security_headers.py`` checks every page, ``tests/web/test_csp_browser.py``
  loads them in Chromium and listens for violations). The GraphiQL page (``/graphql``) alone
  also allows inline *styles* (:data:`GRAPHIQL_POLICY`): GraphiQL's dialogs inject a
  ``<style>`` element and its editor's search box has ``style`` attributes. Its scripts are
  held to ``'self'`` like every other page. A city's map page with a tile host configured
  (``cityreg serve --map-tiles``) sets its own policy, :func:`policy_with_images`: images may
  also come from that one host.
* ``X-Content-Type-Options: nosniff``: a dump or a SPARQL answer is never run as a script;
* ``Referrer-Policy: no-referrer``: a reader's path through the registry (which entities a
  journalist looks at) is not told to the sites the pages link to;
* ``X-Frame-Options: DENY``: the ``frame-ancestors 'none'`` of older browsers.

:class:`RequestCheckMiddleware` refuses, with ``400`` and a message, what no route should see:
a path with a control character in it (``/id/%00``: such a path names nothing, and it would
reach SPARQL text and file names) and a ``Host`` header that is not a host (``[::1``,
``<script>``, two ``Host`` headers; RFC 9112 section 3.2 asks for 400), since pages and the
DCAT catalogue build links from it.

:func:`security_middleware` gives both in the order :func:`registry.api.app.create_app` uses:
the headers outermost, so that every refusal (these, and the admission limits' 413, 414 and
429) carries them too.
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware

from registry.web.admission import ASGIApp, Message, Receive, Scope, Send, refuse

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(**changes: str) -> str:
    return "; ".join(f"{name} {changes.get(name.replace('-', '_'), value)}"
                     for name, value in _DIRECTIVES.items())


#: The policy of every response but the GraphiQL page's.
CONTENT_SECURITY_POLICY = _policy()
#: The GraphiQL page's policy: the same, with inline styles allowed (see the module docstring).
GRAPHIQL_POLICY = _policy(style_src="'self' 'unsafe-inline'")
#: The other headers every response gets.
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def policy_with_images(*origins: str) -> str:
    """The policy of every page, with images also allowed from ``origins`` (``https://host``):
    a city's map page with a configured tile host (:mod:`registry.web.mappage`) sets it on its
    own responses, so that exactly that host may serve its tiles."""
    return _policy(img_src=" ".join(("'self' data:", *origins)))


def policy_for(path: str) -> str:
    """The Content-Security-Policy of the response to ``path``."""
    return GRAPHIQL_POLICY if path == "/graphql" else CONTENT_SECURITY_POLICY


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response as it starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(b"content-security-policy", policy_for(scope.get("path", "")).encode()),
                 *((name.encode(), value.encode()) for name, value in HEADERS.items())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _value in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# RFC 3986 host (reg-name or IP literal) and optional port; RFC 9110 section 7.2.
_HOST = re.compile(r"(?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{0,5})?)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RequestCheckMiddleware:
    """Refuses requests with a control character in the path or a malformed ``Host``."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a malformed request with 400; pass every other on."""
        if scope["type"] == "http":
            problem = request_problem(scope)
            if problem is not None:
                await refuse(send, 400, problem, scope)
                return
        await self.app(scope, receive, send)


def request_problem(scope: Scope) -> str | None:
    """What is wrong with the request of ``scope`` (``None``: nothing this module checks)."""
    control = _CONTROL.search(scope.get("path", ""))
    if control is not None:
        return (f"the path contains the control character U+{ord(control.group()):04X}, "
                "which no page or entity of this registry has; check the link")
    hosts = [value for name, value in scope.get("headers", ()) if bytes(name).lower() == b"host"]
    if len(hosts) > 1:
        return "the request has more than one Host header; send exactly one"
    if hosts:
        host = bytes(hosts[0]).decode("latin-1")
        if not _HOST.fullmatch(host):
            return (f"the Host header {host[:100]!r} is not a host name with an optional "
                    "port; send the name the server was reached by")
    return None


def security_middleware() -> list[Middleware]:
    """The middleware of this module, outermost first, for ``Starlette(middleware=...)``."""
    return [Middleware(SecurityHeadersMiddleware), Middleware(RequestCheckMiddleware)]
