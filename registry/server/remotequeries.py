"""The public SPARQL endpoint of a registry held by a SPARQL engine.

With ``cityreg serve --store oxigraph+http://...`` there is no snapshot to hand worker
processes: the engine is the snapshot, and it evaluates the queries. What the workers bound
locally is bounded here instead, per query:

* at most ``sparql_workers`` queries are sent at once (others wait briefly, then get 503);
* each request ends after ``sparql_seconds``: the connection is closed and the engine's own
  time limit (``oxigraph serve --timeout-s``, Virtuoso's ``MaxQueryExecutionTime``) stops the
  evaluation there, which the README tells operators to set;
* at most ``sparql_memory_mb`` of an answer is read; past that the query is refused;
* at most ``sparql_rows`` rows are written back, as for the embedded store.
"""

from __future__ import annotations

import threading

from registry.errors import QueryError, StoreError
from registry.remote.client import AnswerTooLarge, EngineTimeout
from registry.remote.store import RemoteStore
from registry.server.querypool import PoolBusy, QueryTimeout, WorkerDied
from registry.server.results import QueryJob, QueryReply, answer
from registry.store import DEFAULT_PREFIXES
from registry.web.admission import Limits


class RemoteAnswers:
    """Answers public queries from the engine, within :class:`Limits`."""

    def __init__(self, store: RemoteStore, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self._slots = threading.BoundedSemaphore(max(1, limits.sparql_workers))

    def run(self, job: QueryJob, wait: float) -> QueryReply:
        """The reply to ``job``; raises what the worker pool raises for the same limits:
        QueryTimeout past the time limit, WorkerDied past the memory limit (the answer is
        larger than a query may use) and PoolBusy when no slot frees within ``wait``
        seconds."""
        if not self._slots.acquire(timeout=wait):
            raise PoolBusy
        try:
            bounded = self.store.bounded(job.seconds, self.limits.sparql_memory_mb << 20)
            try:
                return answer(bounded, job, DEFAULT_PREFIXES)  # type: ignore[arg-type]
            except EngineTimeout:
                raise QueryTimeout from None
            except AnswerTooLarge:
                raise WorkerDied from None
            except QueryError as error:
                return QueryReply(400, message=str(error))
            except StoreError as error:
                return QueryReply(502, message=str(error))
        finally:
            self._slots.release()
