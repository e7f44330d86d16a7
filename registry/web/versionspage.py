"""The registry's versions as the server shows them: the ``/changes`` page, and the history
section of every entity page (served and published).

:func:`versions_view` turns the context's :class:`~registry.history.timeline.Timeline` into a
:class:`VersionsView`, newest first: per version its number, time, agent, command, files with
their SHA-256, the statements added and removed in the data graphs (the provenance graph's
bookkeeping left out, as ``cityreg history`` does) and the entities it added, removed and
changed (at most :data:`MAX_LISTED` listed), each with its page when the registry still holds
it. The page and the Atom feed (:mod:`registry.web.versionsfeed`) show this one model.

:func:`entity_history` is one entity's :class:`HistoryView`: first seen, last changed and the
versions that touched it. Where the history stops at a SPARQL update (whose statements were
not recorded) both say so, and never present what they know as complete.

The timeline is walked once per context (:func:`timeline_of`), by the first request that
needs it; the others wait for it rather than walk it again. On a registry held by an engine it
is not walked: the page's requests read each version's entities in turn, keeping only the
lines it lists (registry.history.ondemand), for at most :data:`CHANGES_SECONDS` each; the
versions not read yet are shown with their statement counts and a note saying so, and the
next request reads on.

The static site keeps its own ``changes.html``, of *publications*
(:mod:`registry.web.changespage`); this page is the server's, at the same path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from time import monotonic
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from registry.errors import InputError
from registry.history.timeline import ShownField, ShownTouch, VersionHistory
from registry.history.versions import VersionRecord, read_versions
from registry.store import PROVENANCE_GRAPH
from registry.web import render

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

#: The site paths of the versions page and its feed.
PAGE = "/changes"
FEED = "/changes.atom"
#: The most entities the page lists per version.
MAX_LISTED = 200
#: The most versions an entity page lists.
MAX_HISTORY = 20
#: How long one request to the versions page or feed reads versions' entities for: past it,
#: the versions not read yet are shown with their statement counts only (a registry held by
#: an engine reads each version's entities when first asked: seconds for a city's load).
CHANGES_SECONDS = 10.0
#: How entities are ordered within a version: changes first, the most telling.
_ORDER = {"changed": 0, "removed": 1, "added": 2}

_walking = threading.Lock()


def timeline_of(context: RegistryContext) -> VersionHistory:
    """The context's timeline, walked once even when several requests ask at the same time
    (``RegistryContext.timeline`` is a cached property, which Python 3.12 no longer locks)."""
    if "timeline" in vars(context):
        return context.timeline
    with _walking:
        return context.timeline


@dataclass(frozen=True)
class VersionLine:
    """A version as a line of text shows it."""

    number: int
    iri: str
    time: datetime
    agent: str
    command: str

    @classmethod
    def of(cls, version: VersionRecord) -> VersionLine:
        return cls(version.number, version.iri, version.time.astimezone(UTC), version.agent,
                   version.command)

    @property
    def when(self) -> str:
        """``2026-12-07 10:00:31 UTC``."""
        return f"{self.time:%Y-%m-%d %H:%M:%S} UTC"

    @property
    def day(self) -> str:
        """``2026-12-07``."""
        return f"{self.time:%Y-%m-%d}"

    @property
    def iso(self) -> str:
        """For ``<time datetime>`` and Atom: ``2026-12-07T10:00:31Z``."""
        return f"{self.time:%Y-%m-%dT%H:%M:%SZ}"

    @property
    def short_command(self) -> str:
        """The command, cut at 60 characters (a SPARQL update's holds its text)."""
        return self.command if len(self.command) <= 60 else self.command[:59] + "…"

    @property
    def anchor(self) -> str:
        """Its section's id on the versions page."""
        return f"version-{self.number}"

    @property
    def title(self) -> str:
        """``Version 3: cityreg import by officer``."""
        return f"Version {self.number}: {self.short_command or 'a write'} by {self.agent}"


@dataclass(frozen=True)
class SourceFile:
    """A file (or download) a version read: its name, IRI and SHA-256."""

    name: str
    iri: str
    sha256: str


@dataclass(frozen=True)
class EntityLine:
    """An entity a version added, removed or changed; ``page``: its site path, if it has one."""

    iri: str
    label: str
    change: str
    page: str | None
    fields: tuple[ShownField, ...]


@dataclass(frozen=True)
class VersionView:
    """One version as the page and the feed show it."""

    version: VersionLine
    files: tuple[SourceFile, ...]
    recorded: bool
    """False for a SPARQL update: what it changed is not known."""
    statements_added: int
    statements_removed: int
    graphs: int
    graphs_created: int
    entities: tuple[EntityLine, ...]
    """At most :data:`MAX_LISTED`, changes first."""
    counts: dict[str, int]
    """Entities ``added``, ``removed``, ``changed`` (all of them, listed or not)."""
    read: bool = True
    """False when the entities it touched were not read within the page's time limit
    (:data:`CHANGES_SECONDS`): its counts are then those of its statements only."""

    @property
    def groups(self) -> list[tuple[str, int, list[EntityLine]]]:
        """``(change, how many, those listed)`` for each kind of change the version made:
        changed, removed, added."""
        return [(change, self.counts[change],
                 [entity for entity in self.entities if entity.change == change])
                for change in _ORDER if self.counts.get(change)]

    @property
    def hidden(self) -> int:
        """How many touched entities are not listed."""
        return sum(self.counts.values()) - len(self.entities)

    @property
    def summary(self) -> str:
        """The counts in one sentence."""
        if not self.recorded:
            return ("A SPARQL update: the statements it added and removed were not recorded, "
                    "so what it changed is not known.")
        new = f" ({self.graphs_created} new)" if self.graphs_created else ""
        if not self.read:
            return (f"{_plural(self.statements_added, 'statement')} added and "
                    f"{self.statements_removed:,} removed in "
                    f"{_plural(self.graphs, 'data graph')}{new}. The entities it touched "
                    "were not read yet: the registry's engine is read one version at a time, "
                    f"at most {CHANGES_SECONDS:g} s per request, and each request reads more "
                    "(load the page again, or ask the API's changes for this version).")
        counts = self.counts
        return (f"{_plural(self.statements_added, 'statement')} added and "
                f"{self.statements_removed:,} removed in "
                f"{_plural(self.graphs, 'data graph')}{new}; "
                f"{_plural(counts['added'], 'entity', 'entities')} added, "
                f"{counts['removed']} removed, {counts['changed']} changed.")


@dataclass(frozen=True)
class VersionsView:
    """The versions page: the versions the history can tell about, newest first."""

    versions: tuple[VersionView, ...]
    stopped: VersionView | None
    """The SPARQL update before which nothing is known (None: the history is complete)."""
    recorded: int
    """How many versions the registry records (all of them, since or not)."""
    first_iri: str | None
    """The IRI of version 1 (or the oldest recorded): the feed's id is made from it."""
    since: datetime | None

    def after(self, since: datetime) -> VersionsView:
        """Only the versions made after ``since``."""
        stopped = self.stopped
        return replace(self, since=since,
                       versions=tuple(v for v in self.versions if v.version.time > since),
                       stopped=stopped if stopped and stopped.version.time > since else None)

    @property
    def since_text(self) -> str:
        """``2026-12-01 00:00 UTC`` (empty without ``since``)."""
        return "" if self.since is None else f"{self.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC"

    @property
    def since_param(self) -> str:
        """``since`` as ``?since=`` reads it: ``2026-12-01T00:00:00Z``."""
        return "" if self.since is None else f"{self.since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def parse_since(text: str) -> datetime:
    """The moment ``?since=`` names: a time (``2026-12-01T00:00Z``, UTC unless it has an
    offset) or a date (its start, UTC). An InputError that says what is accepted otherwise."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        moment = datetime.fromisoformat(value)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+01:00
        raise InputError(f"cannot read since={text!r}: expected a date or a time in ISO 8601, "
                         "such as 2026-12-01 or 2026-12-01T00:00Z (UTC unless it has an "
                         "offset such as +01:00)") from None
    return moment


def versions_view(context: RegistryContext, linker: Linker,
                  kept: dict[int, VersionView] | None = None,
                  seconds: float | None = None) -> VersionsView:
    """The registry's versions (see the module docstring); :meth:`VersionsView.after` keeps
    those made after a moment.

    ``kept`` holds the versions read by earlier requests (and gets those this one reads);
    with ``seconds``, versions are read until that much time has passed (at least one per
    call, so that each request moves on), and the rest are shown unread
    (:attr:`VersionView.read`)."""
    timeline = timeline_of(context)
    deadline = None if seconds is None else monotonic() + seconds
    found = {} if kept is None else kept

    def lines(version: VersionRecord, touches: list[ShownTouch]) -> VersionView:
        listed = _ordered(touches)[:MAX_LISTED]
        present = timeline.present(touch.iri for touch in listed)

        def page(iri: str) -> str | None:
            path = linker.entity_path(iri)
            return path if path is not None and iri in present else None

        return _version(version, touches, listed, page)

    shown: list[VersionView] = []
    read_now = 0
    for version in timeline.known_versions():
        view = found.get(version.number)
        if view is None:
            if deadline is not None and read_now and monotonic() > deadline:
                view = replace(_version(version, [], [], lambda _iri: None), read=False)
            else:
                view = found[version.number] = lines(version,
                                                     timeline.touches(version.number) or [])
                read_now += 1
        shown.append(view)
    stopped = timeline.stopped_at
    known = timeline.known_versions()
    first: str | None
    if stopped is None and known:
        recorded, first = len(known), known[-1].iri
    else:  # the history stops (or there is none): the records still name the older ones
        every = read_versions(context.registry)
        recorded, first = len(every), every[0].iri if every else None
    return VersionsView(
        versions=tuple(shown),
        stopped=None if stopped is None else _version(stopped, [], [], lambda _iri: None),
        recorded=recorded, first_iri=first, since=None)


def _ordered(touches: list[ShownTouch]) -> list[ShownTouch]:
    """Changes first, the most telling, then removals and additions, each by label."""
    return sorted(touches, key=lambda t: (_ORDER.get(t.change, 3), t.label.lower(), t.iri))


def _version(version: VersionRecord, touches: list[ShownTouch], listed: list[ShownTouch],
             page: Callable[[str], str | None]) -> VersionView:
    data = [change for change in version.changes if change.graph != PROVENANCE_GRAPH]
    counts = {change: 0 for change in _ORDER}
    for touch in touches:
        counts[touch.change] = counts.get(touch.change, 0) + 1
    return VersionView(
        version=VersionLine.of(version),
        files=tuple(SourceFile(file_name(iri), iri, sha256) for iri, sha256 in version.sources),
        recorded=version.statements_recorded,
        statements_added=sum(change.added for change in data),
        statements_removed=sum(change.removed for change in data),
        graphs=len(data), graphs_created=sum(change.created for change in data),
        entities=tuple(EntityLine(touch.iri, touch.label, touch.change, page(touch.iri),
                                  touch.fields) for touch in listed),
        counts=counts)


def file_name(iri: str) -> str:
    """A file's or download's name for people: the last segment of its path, decoded
    (``Uw gegevens.csv``), else the whole IRI."""
    name = unquote(urlsplit(iri).path.rstrip("/").rsplit("/", 1)[-1])
    return name or iri


@dataclass(frozen=True)
class TouchLine:
    """One version in an entity's history: what it did to the entity."""

    version: VersionLine
    change: str
    fields: tuple[ShownField, ...]


@dataclass(frozen=True)
class HistoryView:
    """The history section of an entity page."""

    iri: str
    recorded: bool
    """Whether the registry records any version (a registry rebuilt from a dump has none)."""
    first_seen: VersionLine | None
    last_changed: VersionLine | None
    touches: tuple[TouchLine, ...]
    """Newest first, at most :data:`MAX_HISTORY`."""
    earlier: int
    """How many older versions touched it and are not listed."""
    not_known_before: VersionLine | None
    """The SPARQL update before which nothing is known (None: the history is complete)."""
    older_than: VersionLine | None = None
    """The first version recorded, when the entity was in the registry before it."""
    predates: bool = False
    """The entity was in the registry before the first version recorded (or before any)."""


def entity_history(context: RegistryContext, iri: str) -> HistoryView:
    """The history section of the page of ``iri``."""
    timeline = timeline_of(context)
    history = timeline.entity(iri)
    stopped = timeline.stopped_at
    known = timeline.known_versions()
    recorded = bool(known) or stopped is not None
    first, last = history.first_seen, history.last_changed
    return HistoryView(
        iri=iri, recorded=recorded,
        first_seen=None if first is None else VersionLine.of(first),
        last_changed=None if last is None else VersionLine.of(last),
        touches=tuple(TouchLine(VersionLine.of(touch.version), touch.change, touch.fields)
                      for touch in history.touches[:MAX_HISTORY]),
        earlier=max(0, len(history.touches) - MAX_HISTORY),
        not_known_before=None if stopped is None else VersionLine.of(stopped),
        older_than=VersionLine.of(known[-1]) if history.predates and known else None,
        predates=history.predates)


def version_routes(context: RegistryContext, linker: Linker) -> list[Route]:
    """``/changes`` (HTML, ``?since=`` to filter) and ``/changes.atom``."""
    from registry.web.conditional import not_modified, validators
    from registry.web.versionsfeed import MEDIA_TYPE, etag, updated, versions_feed

    # A served registry does not change: each version is read once (within the time limit of
    # the request that reads it), and the page is made once all are.
    lock = threading.Lock()
    kept: dict[int, VersionView] = {}
    views: list[VersionsView] = []
    pages: list[str] = []
    started = datetime.now(UTC)

    def everything() -> VersionsView:
        with lock:
            if views:
                return views[0]
            view = versions_view(context, linker, kept, CHANGES_SECONDS)
            if all(shown.read for shown in view.versions):
                views.append(view)
            return view

    def since_of(request: Request) -> datetime | None:
        text = request.query_params.get("since")
        return None if text is None or not text.strip() else parse_since(text)

    def page(request: Request) -> Response:
        try:
            since = since_of(request)
        except InputError as error:
            return PlainTextResponse(f"{error}\n", status_code=400)
        if since is None and pages:
            return HTMLResponse(pages[0])
        view = everything() if since is None else everything().after(since)
        html = render("versions.html", linker, view=view, feed=FEED, page=PAGE,
                      limit=MAX_LISTED)
        if since is None and not pages and all(shown.read for shown in view.versions):
            pages.append(html)
        return HTMLResponse(html)

    def feed(request: Request) -> Response:
        view = everything()
        document = versions_feed(view, str(request.base_url), context.entity_base, started)
        tag = etag(document)
        newest = updated(view) or started
        headers = validators(tag, newest)
        if not_modified(request.headers, tag, newest):
            return Response(status_code=304, headers=headers)
        return Response(document, media_type=MEDIA_TYPE, headers=headers)

    return [Route(PAGE, page, name="versions"), Route(FEED, feed, name="versions-feed")]
