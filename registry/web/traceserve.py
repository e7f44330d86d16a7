"""The ``/trace/<path>`` route: an entity's trace page, and its chain diagram as SVG or PNG.

``/trace/<path>`` (or ``/trace/<path>.html``) is the page, ``/trace/<path>.svg`` and
``/trace/<path>.png`` the diagram (:mod:`registry.web.tracepages`). A served registry does
not change, so each answer is made once and kept; only answers about entities that exist and
can be traced are kept, so the cache holds at most three answers per traceable entity. Any
other path is a 404 that says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from registry.web.dumps import exists
from registry.web.tracepages import (
    DOWNLOADS,
    TRACE_ROOT,
    chain_png,
    chain_svg,
    trace_html,
    traceable,
)

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

NotFound = Callable[["Linker", str, Request | None], Response]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def trace_endpoint(context: RegistryContext, linker: Linker,
                   not_found: NotFound) -> Callable[[Request], Response]:
    """The endpoint of ``/trace/{path:path}`` over ``context``; ``not_found`` makes its 404s
    (registry.web.routes.not_found)."""
    made: dict[str, tuple[bytes, str]] = {}  # (stem + extension) -> (body, media type)

    def endpoint(request: Request) -> Response:
        path: str = request.path_params["path"]
        stem, extension = _split(context, path)
        key = stem + (extension if extension in DOWNLOADS else "")  # .html: the page
        answer = made.get(key)
        if answer is None:
            iri = context.entity_base + stem
            if not traceable(context, iri):
                return not_found(linker, _why_not(context, iri, stem), request)
            answer = _make(context, linker, iri, extension)
            made[key] = answer  # only entities that exist: the cache cannot grow without end
        body, media_type = answer
        headers = {}
        if extension in DOWNLOADS:
            name = _UNSAFE_NAME.sub("-", stem).strip("-") or "trace"
            headers["Content-Disposition"] = f'inline; filename="trace-{name}{extension}"'
        return Response(body, media_type=media_type, headers=headers)

    return endpoint


def _split(context: RegistryContext, path: str) -> tuple[str, str]:
    """``(entity path, extension)``: ``.svg``, ``.png`` or ``.html`` when the path without it
    names a traceable entity, else ``""`` (the page)."""
    for extension in (*DOWNLOADS, ".html"):
        stem = path[:-len(extension)]
        if path.endswith(extension) and traceable(context, context.entity_base + stem):
            return stem, extension
    return path, ""


def _make(context: RegistryContext, linker: Linker, iri: str,
          extension: str) -> tuple[bytes, str]:
    if extension == ".svg":
        return chain_svg(context, iri, linker).encode("utf-8"), DOWNLOADS[extension]
    if extension == ".png":
        return chain_png(context, iri), DOWNLOADS[extension]
    return trace_html(context, iri, linker).encode("utf-8"), "text/html"


def _why_not(context: RegistryContext, iri: str, path: str) -> str:
    """The 404's message: the value, what a trace needs, and where to look instead."""
    if not exists(context.registry, iri):
        return (f"The registry has no entity {iri}, so there is no trace {TRACE_ROOT}{path}: "
                "a trace needs the path of a sensor, deployment, system, dataset or "
                "organisation, as in its page's address /id/<path>.")
    return (f"{iri} is not a sensor, deployment, system, dataset or organisation, so it has "
            "no trace of who can access its data; its page /id/" + path + " shows the data "
            "flows it carries.")
