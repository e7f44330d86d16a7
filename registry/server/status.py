"""What the server is validating now, for ``/healthz`` and for the flag on every answer.

A generation's findings are computed before it is served (``registry.server.generation``);
while a new generation's run goes on, requests are answered by the current one, whose findings
are then those of the previous state of the store. The first generation over an engine is
served while its own run goes on (``registry.server.firstrun``): there are no findings yet,
and what needs them is answered "not ready". :class:`ValidationStatus` is shared by the
generations of one server: the run reports its progress into it, ``/healthz`` shows it, and
:class:`~registry.server.live.LiveServer` adds a ``Cityreg-Findings`` header to every answer
while it says ``validating``.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class ValidationStatus:
    """The state of the validation that the server is running, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = "idle"
        self.done = 0
        self.total = 0
        self.started = 0.0
        self.last: dict[str, Any] = {}
        #: whether the run is a first start's, served beside it (no earlier findings)
        self.first = False

    def start(self, first: bool = False) -> None:
        """A generation's validation begins; ``first``: a server's first start, served while
        it runs with no findings yet (registry.server.firstrun)."""
        with self._lock:
            self.state, self.done, self.total = "validating", 0, 0
            self.started = time.monotonic()
            self.first = first

    def progress(self, done: int, total: int) -> None:
        """Queries done out of total (a ``registry.shacl.engine.Progress``)."""
        with self._lock:
            self.done, self.total = done, total

    def finish(self, how: str, revalidated: int, seconds: float) -> None:
        """It ended: ``how`` the findings were got (stored, incremental, full)."""
        with self._lock:
            self.state = "idle"
            self.last = {"findings": how, "revalidatedEntities": revalidated,
                         "seconds": round(seconds, 2)}

    def fail(self) -> None:
        """It stopped without findings (the build failed)."""
        with self._lock:
            self.state = "idle"

    def as_json(self) -> dict[str, Any]:
        """For ``/healthz``: the state, the progress of a run, how the served findings were
        got."""
        with self._lock:
            shown: dict[str, Any] = {"state": self.state, **self.last}
            if self.state == "validating":
                shown.update(queriesDone=self.done, queriesTotal=self.total,
                             seconds=round(time.monotonic() - self.started, 1),
                             served="none yet: the server's first validation of the registry"
                             if self.first else
                             "the findings of the previous state of the registry")
            return shown

    def header(self) -> str | None:
        """The ``Cityreg-Findings`` header while a run goes on, else None."""
        with self._lock:
            if self.state != "validating":
                return None
            if self.first:
                return (f"none yet; the first validation of the registry ({self.done}/"
                        f"{self.total} queries)")
            return (f"previous; validating the changed registry ({self.done}/{self.total} "
                    "queries)")
