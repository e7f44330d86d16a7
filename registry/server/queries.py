"""The SPARQL side of one served registry: its snapshot and its pool of query workers.

:class:`RegistryQueries` starts the workers on first use (so an application made for a test
that never asks SPARQL starts no process) and stops them, and deletes the snapshot, on
:meth:`~RegistryQueries.close`, at the latest when the Python process exits.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from registry.remote.store import RemoteStore
from registry.server import remotequeries
from registry.server.querypool import QueryPool
from registry.server.results import QueryJob, QueryReply
from registry.server.snapshot import remove, scratch_folder, snapshot_for_workers
from registry.store import DEFAULT_PREFIXES, Registry
from registry.web.admission import Limits

#: How long a query waits for a worker that is being restarted (after another query's kill).
WORKER_WAIT_SECONDS = 2.0


class RegistryQueries:
    """Runs SPARQL jobs in worker processes over a snapshot of ``registry`` (or over the
    ready snapshot at ``snapshot``, which this object then owns and deletes). A registry held
    by a SPARQL engine needs no snapshot: its jobs go to the engine
    (:mod:`registry.server.remotequeries`)."""

    def __init__(self, limits: Limits, registry: Registry | None = None, *,
                 snapshot: Path | None = None, scratch: Path | None = None) -> None:
        """Nothing starts here; see :meth:`pool`."""
        if (registry is None) == (snapshot is None):
            raise ValueError("give either the registry to snapshot or a ready snapshot")
        self.limits = limits
        self._registry = registry
        self._snapshot = snapshot
        self._scratch = scratch
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._remote: remotequeries.RemoteAnswers | None = None
        if registry is not None and registry.location is not None:
            store = registry.store
            assert isinstance(store, RemoteStore)
            self._remote = remotequeries.RemoteAnswers(store, limits)
        atexit.register(self.close)

    def pool(self) -> QueryPool:
        """The running pool, started now if it is not yet."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the SPARQL workers of this registry were stopped")
            if self._remote is not None:
                raise RuntimeError("a registry held by a SPARQL engine has no workers")
            if self._pool is None:
                if self._snapshot is None:
                    assert self._registry is not None
                    self._scratch = scratch_folder("cityreg-sparql")
                    self._snapshot = self._scratch / "query"
                    snapshot_for_workers(self._registry, self._snapshot)
                self._pool = QueryPool(self._snapshot, self.limits.sparql_workers,
                                       DEFAULT_PREFIXES,
                                       memory_bytes=self.limits.sparql_memory_mb << 20)
            return self._pool

    def start(self) -> None:
        """Start the workers now rather than on the first query (nothing for an engine)."""
        if self._remote is None:
            self.pool()

    def run(self, job: QueryJob) -> QueryReply:
        """Answer ``job`` (blocking: call from a worker thread); raises the pool's
        PoolBusy, QueryTimeout or WorkerDied."""
        if self._remote is not None:
            return self._remote.run(job, wait=WORKER_WAIT_SECONDS)
        return self.pool().run(job, wait=WORKER_WAIT_SECONDS)

    def close(self) -> None:
        """Stop the workers and delete the snapshot this object made or was given."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._scratch is not None:
            remove(self._scratch)
        atexit.unregister(self.close)
