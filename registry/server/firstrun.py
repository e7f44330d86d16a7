"""A server's first start on an engine: served before its legal findings are computed.

The first start of a server over a national registry held by a SPARQL engine validates the
whole registry (15 minutes for 3.5M statements on Virtuoso) and reads the web around every
vendor (minutes). Nothing else a request reads needs them: traces, entities, lists, history
and SPARQL are answered by the engine. So the first generation over an engine is served at
once, and :class:`FirstRun` computes the findings and the vendor concentration in a thread
beside it. Until it ends, what needs them raises :class:`~registry.errors.NotReady` (a GraphQL
error; an HTTP 503 with ``Retry-After``) saying what is being computed and how far it got:
never an empty list, which would read as "no findings". If the run fails, asking for them
raises its error, and the server goes on answering the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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
    """``work`` run once in a thread of its own; :meth:`check` stands between it and the
    requests that need what it computes."""

    def __init__(self, work: Callable[[], object], status: ValidationStatus | None = None
                 ) -> None:
        self._work = work
        self._status = status
        self._done = threading.Event()
        self._error: BaseException | None = None
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="cityreg-first-run",
                                        daemon=True)

    def start(self) -> FirstRun:
        """Begin the work (returns itself)."""
        self._started = time.monotonic()
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as error:  # kept, and raised to whoever asks for its results
            self._error = error
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the work ended within ``timeout`` seconds (``None``: wait until it does)."""
        return self._done.wait(timeout)

    @property
    def running(self) -> bool:
        """Whether the work is still going on."""
        return not self._done.is_set()

    def check(self, what: str) -> None:
        """Return if ``what`` (words for the user: "the legal findings") can be read now:
        the work ended, or the caller is the work itself; else raise NotReady, or the work's
        own error if it failed."""
        if self._done.is_set():
            if self._error is not None:
                raise CityregError(
                    f"{what} could not be computed: the server's first run failed "
                    f"({type(self._error).__name__}: {self._error}); traces, entities and "
                    "SPARQL are answered, the rest is not: see the server's log, run "
                    "`cityreg validate --store URL` for the error, and restart the server")
            return
        if threading.current_thread() is self._thread:
            return
        raise NotReady(f"the server's first start is still computing {what} "
                       f"({self._progress()}); ask again in a few minutes: traces, entities, "
                       "lists and SPARQL are answered now", retry_after=RETRY_SECONDS)

    def _progress(self) -> str:
        seconds = round(time.monotonic() - self._started)
        status = self._status
        if status is not None and status.state == "validating" and status.total:
            return (f"validation: {status.done} of {status.total} queries, {seconds} s so "
                    "far")
        return f"{seconds} s so far"
