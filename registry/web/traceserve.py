"""The ``/trace/<path>`` route: an entity's trace page, and its chain diagram as SVG or PNG.

``/trace/<path>`` (or ``/trace/<path>.html``) is the page, ``/trace/<path>.svg`` and
``/trace/<path>.png`` the diagram (:mod:`registry.web.tracepages`). A served registry does
not change, so an answer once made is kept for the next request: only answers about entities
that exist and can be traced, and at most :data:`CACHE_BYTES` of them (the least recently asked
go first: a crawler asking for every PNG of a national registry cannot fill the memory). Any
other path is a 404 that says why.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
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
#: The most bytes of answers the route keeps (a PNG is about 0.2 MB, a page or SVG 20-50 kB).
CACHE_BYTES = 64 << 20


class AnswerCache:
    """Answers by key, the least recently used dropped beyond ``limit`` bytes; safe to use
    from the server's threads (sync endpoints run in a thread pool)."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self._answers: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The answer kept under ``key``, now the most recently used; None if not kept."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: str, answer: tuple[bytes, str]) -> None:
        """Keep ``answer`` (unless it alone is larger than the limit), dropping the least
        recently used answers until the rest fits."""
        if len(answer[0]) > self.limit:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self._answers[key] = answer
            self.size += len(answer[0])
            while self.size > self.limit:
                _, dropped = self._answers.popitem(last=False)
                self.size -= len(dropped[0])

    def __len__(self) -> int:
        return len(self._answers)


def trace_endpoint(context: RegistryContext, linker: Linker, not_found: NotFound,
                   cache: AnswerCache | None = None) -> Callable[[Request], Response]:
    """The endpoint of ``/trace/{path:path}`` over ``context``; ``not_found`` makes its 404s
    (registry.web.routes.not_found); ``cache`` keeps its answers (default: a new one of
    :data:`CACHE_BYTES`)."""
    made = AnswerCache() if cache is None else cache  # stem + extension -> (body, media type)

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
            made.put(key, answer)  # only entities that exist, and bounded in bytes
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
