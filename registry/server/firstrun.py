"""A server's first start on an engine: served before its legal findings are computed.

The first start of a server over a national registry held by a SPARQL engine validates the
whole registry (15 minutes for 3.5M statements on Virtuoso) and reads the web around every
vendor (longer). Nothing else a request reads needs them: traces, entities, lists, history
and SPARQL are answered by the engine. So the first generation over an engine is served at
once, and :class:`FirstRun` computes the findings, then the vendor concentration, in a thread
beside it. Until one is done, what needs it raises :class:`~registry.errors.NotReady` (a
GraphQL error; an HTTP 503 with ``Retry-After``) saying what is being computed and how far it
got: never an empty list, which would read as "no findings". The findings are served as soon
as they are done. If a step fails, asking for it raises its error, the next step still runs,
and the server goes on answering the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from registry.errors import CityregError, NotReady

if TYPE_CHECKING:
    from registry.server.status import ValidationStatus

#: What the first run computes, in the words its NotReady answers use.
LEGAL_FINDINGS = "the legal findings"
VENDOR_CONCENTRATION = "the vendor concentration"
#: Seconds a client is told to wait (``Retry-After``) while the first run goes on.
RETRY_SECONDS = 30


class FirstRun:
    """``steps`` (what each computes, in a user's words, and the work) run once, in order, in
    a thread of their own; :meth:`check` stands between each and the requests that need
    what it computes."""

    def __init__(self, steps: Sequence[tuple[str, Callable[[], object]]],
                 status: ValidationStatus | None = None) -> None:
        self._steps = list(steps)
        self._status = status
        self._done: dict[str, threading.Event] = {what: threading.Event() for what, _ in steps}
        self._errors: dict[str, BaseException] = {}
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="cityreg-first-run",
                                        daemon=True)

    def start(self) -> FirstRun:
        """Begin the work (returns itself)."""
        self._started = time.monotonic()
        self._thread.start()
        return self

    def _run(self) -> None:
        for what, work in self._steps:
            try:
                work()
            except BaseException as error:  # kept, and raised to whoever asks for it
                self._errors[what] = error
            finally:
                self._done[what].set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether every step ended within ``timeout`` seconds (``None``: wait until so)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """Whether a step is still going on."""
        return self._thread.is_alive()

    def check(self, what: str) -> None:
        """Return if ``what`` (one of the steps) can be read now: its step ended, or the
        caller is the work itself; else raise NotReady, or the step's own error if it
        failed."""
        done = self._done.get(what)
        if done is None or threading.current_thread() is self._thread:
            return
        if done.is_set():
            error = self._errors.get(what)
            if error is not None:
                raise CityregError(
                    f"{what} could not be computed: the server's first run failed "
                    f"({type(error).__name__}: {error}); traces, entities and SPARQL are "
                    "answered, the rest is not: see the server's log, run `cityreg validate "
                    "--store URL` for the error, and restart the server")
            return
        raise NotReady(f"the server's first start is still computing {what} "
                       f"({self._progress(what)}); ask again in a few minutes: traces, "
                       "entities, lists and SPARQL are answered now", retry_after=RETRY_SECONDS)

    def _progress(self, what: str) -> str:
        seconds = round(time.monotonic() - self._started)
        status = self._status
        if what == LEGAL_FINDINGS and status is not None and status.state == "validating" \
                and status.total:
            return (f"validation: {status.done} of {status.total} queries, {seconds} s so "
                    "far")
        return f"{seconds} s so far"
