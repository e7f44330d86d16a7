"""The served application: the current generation behind the admission limits, and the
watcher that switches to a new generation when the store folder changed.

``cityreg serve --store DIR`` serves a checkpoint of DIR and never keeps DIR's lock, so
``cityreg load --store DIR`` and ``cityreg import --store DIR`` work while it runs. Every
``reload_seconds`` the watcher reads DIR's change marker (:mod:`registry.store.changes`); when
a load has committed, it checkpoints DIR again, builds the new generation beside the old one
(findings, access graph, read model, SPARQL workers), and switches with one assignment. Requests
already running finish on the old generation, which is closed after them. A load still holding
the lock is waited for (the next tick tries again); a state that cannot be served (a bug, a
store that no longer opens) is reported on standard error and the old state stays up.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from registry.errors import StoreLocked
from registry.server.generation import Generation
from registry.server.status import ValidationStatus
from registry.store.changes import read_marker
from registry.web.admission import Message, Receive, Scope, Send


class LiveServer:
    """An ASGI application that passes each request to the current :class:`Generation`."""

    def __init__(self, first: Generation, *, folder: Path | str | None = None,
                 build: Callable[[int], Generation] | None = None,
                 reload_seconds: float = 2.0, status: ValidationStatus | None = None,
                 watch: Callable[[], str] | None = None) -> None:
        """Serve ``first``; with ``folder`` and ``build``, watch the folder for changes.

        ``watch``: what tells that the store changed, when it is no folder (a registry held
        by a SPARQL engine: :meth:`Registry.state_token`); ``folder`` then only names it.

        ``status``: the validation of the next generation; while it runs, every answer carries
        a ``Cityreg-Findings`` header saying its findings are those of the previous state.
        """
        self.current = first
        self.status = status
        self.folder = folder
        if watch is None and isinstance(folder, Path):
            marked = folder
            watch = lambda: read_marker(marked)  # noqa: E731
        self._watch_token = watch
        self._build = build
        self.reload_seconds = reload_seconds
        self._stop = threading.Event()
        self._failed_token: str | None = None
        self._watcher: threading.Thread | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (or the lifespan: start the watcher, then close everything)."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        generation = self.current
        generation.in_flight += 1
        flag = None if self.status is None else self.status.header()
        if flag is not None:
            send = _flagged(send, flag)
        try:
            await generation.app(scope, receive, send)
        finally:
            generation.in_flight -= 1

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        """Start watching the store folder (nothing to do when serving files)."""
        if self.folder is None or self._build is None or self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._watch, name="cityreg-reload",
                                         daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop watching and close the current generation."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=60)
        self.current.close()

    def _watch(self) -> None:
        while not self._stop.wait(self.reload_seconds):
            self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        """Switch to a new generation if the store folder changed since the current one was
        taken; ``True`` if it switched."""
        assert self._watch_token is not None
        assert self._build is not None
        try:
            token = self._watch_token()
        except Exception as error:  # an engine that is down: keep serving what was read
            print(f"cityreg: cannot tell whether {self.folder} changed ({error}); still "
                  f"serving generation {self.current.number}", file=sys.stderr)
            return False
        if token == self.current.token or token == self._failed_token:
            return False
        first_run = self.current.context.first_run
        if first_run is not None and first_run.running:
            # The first start is still computing its findings (registry.server.firstrun):
            # a second run beside it would validate twice and write the same kept findings.
            # The change is served once it ends (a later tick).
            return False
        try:
            fresh = self._build(self.current.number + 1)
        except StoreLocked:
            return False  # a load is still writing: the next tick tries again
        except Exception as error:  # a bug, a broken store: keep serving the state that works
            self._report(token, error)
            return False
        if self._stop.is_set():
            fresh.close()
            return False
        old, self.current = self.current, fresh
        old.retire()
        return True

    def _report(self, token: str, error: Exception) -> None:
        self._failed_token = token
        print(f"cityreg: cannot serve the changed store at {self.folder} ({type(error).__name__}"
              f": {error}); still serving generation {self.current.number}, trying again after "
              "the next change", file=sys.stderr)


def _flagged(send: Send, flag: str) -> Send:
    """``send`` that adds the ``Cityreg-Findings`` header to the response."""
    async def flagged(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"cityreg-findings", flag.encode("ascii")))
            message = {**message, "headers": headers}
        await send(message)
    return flagged
