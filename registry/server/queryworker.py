"""The query worker: a process that answers SPARQL queries on a read-only store snapshot.

pyoxigraph 0.5 cannot interrupt a query (no cancellation, no timeout): a thread running
``SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }`` keeps its core busy for hours
after the client was told 503. A process can be killed, so every SPARQL query the server
answers runs here, and :mod:`registry.server.querypool` kills the worker when the time limit
passes: the CPU is free the moment the 503 is sent.

Started as ``python -m registry.server.queryworker STORE READ_FD WRITE_FD MEMORY_BYTES NICE``
by the pool, never by hand. It opens ``STORE`` read-only (a snapshot no process writes), lowers
its own priority by ``NICE`` (the web server's own requests come first), caps its data
memory (``RLIMIT_DATA``: heap and private mappings) at ``MEMORY_BYTES`` (0: no cap; a query
that needs more dies alone, and the pool says so; the address-space limit cannot serve, since
RocksDB reserves half a gigabyte of address space for its threads before reading anything),
reads the default prefixes, says ``ready``, then answers one :class:`~.results.QueryJob` at a
time until its pipe closes. A query still running :data:`ALARM_GRACE_SECONDS` after its limit
ends the worker by itself, so that not even a server killed mid-query leaves one running.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection

import pyoxigraph as ox

from registry.server.results import QueryJob, QueryReply, answer

#: A worker still evaluating a query this long after its time limit ends itself (the server
#: kills it at the limit; this covers a server that was killed first).
ALARM_GRACE_SECONDS = 2


def main(argv: list[str]) -> int:
    """Open the snapshot and answer jobs until the server closes the pipe."""
    store_path, read_fd, write_fd, memory_bytes, nice = argv
    inbox = Connection(int(read_fd), writable=False)
    outbox = Connection(int(write_fd), readable=False)
    if int(nice):
        os.nice(int(nice))
    if int(memory_bytes):
        resource.setrlimit(resource.RLIMIT_DATA, (int(memory_bytes), int(memory_bytes)))
    try:
        store = ox.Store.read_only(store_path)
        prefixes = inbox.recv()
    except (OSError, EOFError) as error:
        outbox.send(("failed", f"cannot open the snapshot {store_path}: {error}"))
        return 1
    outbox.send(("ready", os.getpid()))
    while True:
        try:
            job = inbox.recv()
        except (EOFError, OSError):
            return 0
        if not isinstance(job, QueryJob):
            return 1
        # A backstop for a server that died (or could not kill us) mid-query: SIGALRM, with no
        # handler, ends the process even while pyoxigraph holds the interpreter.
        signal.alarm(math.ceil(job.seconds) + ALARM_GRACE_SECONDS)
        try:
            reply = answer(store, job, prefixes)
        except MemoryError:
            reply = QueryReply(503, message="memory")
        signal.alarm(0)
        outbox.send(reply)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
