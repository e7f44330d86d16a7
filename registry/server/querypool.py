"""A pool of query worker processes whose queries stop when their time limit passes.

Each worker (:mod:`registry.server.queryworker`) holds the same read-only snapshot and answers
one query at a time. :meth:`QueryPool.run` hands a job to an idle worker and waits for its
reply for at most the job's time limit; past it, the worker is killed (``SIGKILL``: the query's
CPU is free at once), a fresh worker is started in the background, and :class:`QueryTimeout`
is raised. A worker that dies on its own (its memory cap, a crash) is replaced the same way and
reported as :class:`WorkerDied`. When every worker is busy, :class:`PoolBusy` is raised at once:
the server answers 429 rather than queueing work it cannot bound.

Why processes: pyoxigraph 0.5 has no query cancellation, and a Python thread cannot be stopped
from outside. The measured cost of a worker is a ~0.2 s start (interpreter and pyoxigraph) and
the snapshot's open files; a query's own cost is unchanged, plus the pickling of its
serialised answer (at most the result cap).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from registry.server.results import QueryJob, QueryReply

#: How long a new worker may take to open its snapshot and say ready.
START_SECONDS = 30.0


class PoolBusy(Exception):
    """Every worker is answering a query (or being restarted)."""


class QueryTimeout(Exception):
    """The query ran past its time limit; its worker was killed."""


class WorkerDied(Exception):
    """The worker answering the query died (its memory cap, or a crash); it was replaced."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    jobs: Connection
    replies: Connection
    killed: bool = False

    def kill(self) -> None:
        """Stop the process now and release its pipes (once: later calls do nothing)."""
        if self.killed:
            return
        self.killed = True
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.jobs.close()
        self.replies.close()


class QueryPool:
    """``size`` worker processes over the snapshot at ``store_path``."""

    def __init__(self, store_path: Path, size: int, prefixes: Mapping[str, str], *,
                 memory_bytes: int = 0, nice: int = 5) -> None:
        """Start the workers now; raise ``RuntimeError`` if one cannot open the snapshot."""
        if size < 1:
            raise ValueError(f"a query pool needs at least one worker, not {size}")
        self.store_path = store_path
        self.size = size
        self._prefixes = dict(prefixes)
        self._memory_bytes = memory_bytes
        self._nice = nice
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.killed = 0  # workers killed at a time limit, for /healthz and tests
        starting = [self._start() for _ in range(size)]
        for worker in starting:
            self._await_ready(worker)
            self._idle.put(worker)

    def run(self, job: QueryJob, wait: float = 0.0) -> QueryReply:
        """Answer ``job`` on an idle worker (waiting at most ``wait`` seconds for one)."""
        try:
            worker = self._idle.get(timeout=wait) if wait > 0 else self._idle.get_nowait()
        except queue.Empty:
            raise PoolBusy from None
        try:
            worker.jobs.send(job)
            ready = worker.replies.poll(job.seconds)
            reply = worker.replies.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise WorkerDied from None
        if reply is None:
            self._replace(worker)
            self.killed += 1
            raise QueryTimeout
        self._idle.put(worker)
        assert isinstance(reply, QueryReply)
        return reply

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.poll() is None]

    def close(self) -> None:
        """Kill every worker; the pool answers nothing after this."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()

    # -- workers -------------------------------------------------------------------------------

    def _start(self) -> _Worker:
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        command = [sys.executable, "-m", "registry.server.queryworker", str(self.store_path),
                   str(job_read), str(reply_write), str(self._memory_bytes), str(self._nice)]
        try:
            process = subprocess.Popen(command, pass_fds=(job_read, reply_write),
                                       stdin=subprocess.DEVNULL, close_fds=True)
        finally:
            os.close(job_read)
            os.close(reply_write)
        worker = _Worker(process, Connection(job_write, readable=False),
                         Connection(reply_read, writable=False))
        worker.jobs.send(self._prefixes)
        with self._lock:
            if self._closed:
                worker.kill()
                raise RuntimeError("the query pool was closed")
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        if worker.killed or not worker.replies.poll(START_SECONDS):
            self._forget(worker)
            raise RuntimeError(f"a query worker did not start within {START_SECONDS:g} s")
        try:
            message = worker.replies.recv()
        except EOFError:
            self._forget(worker)
            raise RuntimeError(f"a query worker exited at start (exit code "
                               f"{worker.process.wait()})") from None
        if message[0] != "ready":
            self._forget(worker)
            raise RuntimeError(str(message[1]))

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` now and start its successor in the background."""
        self._forget(worker)
        threading.Thread(target=self._refill, name="cityreg-query-worker-start",
                         daemon=True).start()

    def _refill(self) -> None:
        for attempt in range(3):
            try:
                worker = self._start()
                self._await_ready(worker)
            except (RuntimeError, OSError, EOFError) as error:
                if self._closed:
                    return
                print(f"cityreg: a query worker failed to start ({error}); retrying",
                      file=sys.stderr)
                time.sleep(1 + attempt)
                continue
            self._idle.put(worker)
            return
