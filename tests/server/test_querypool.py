"""The query worker pool: answers, and stops a query's work when its time or memory runs out."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.resources import seed_dir
from registry.server.querypool import PoolBusy, QueryPool, QueryTimeout, WorkerDied
from registry.server.results import QueryJob
from registry.server.snapshot import snapshot_for_workers
from registry.store import DEFAULT_PREFIXES, Registry

JSON = "application/sparql-results+json"
MEDIA = {"solutions": JSON, "boolean": JSON, "graph": "text/turtle"}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = QueryJob("ASK { ?s a cityreg:City }", 10, 10, MEDIA)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed registry written out for workers."""
    folder = tmp_path_factory.mktemp("snapshot") / "query"
    with Registry.memory() as registry:
        registry.load(seed_dir())
        snapshot_for_workers(registry, folder)
    return folder


@pytest.fixture
def pool(snapshot: Path) -> Iterator[QueryPool]:
    """One worker over the seed."""
    workers = QueryPool(snapshot, 1, DEFAULT_PREFIXES)
    yield workers
    workers.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_worker_answers_in_the_chosen_format(pool: QueryPool) -> None:
    reply = pool.run(QueryJob("SELECT ?c WHERE { ?c a cityreg:City } ORDER BY ?c LIMIT 2", 10,
                              10, MEDIA))
    assert (reply.status, reply.media_type, reply.truncated) == (200, JSON, False)
    assert reply.body.startswith(b'{"head": {"vars": ["c"]}')
    capped = pool.run(QueryJob("SELECT ?c WHERE { ?c a cityreg:City }", 3, 10, MEDIA))
    assert capped.truncated
    assert capped.body.count(b'"type": "uri"') == 3
    assert pool.run(ASK).body == b'{"head": {}, "boolean": true}'


def test_a_syntax_error_and_an_unacceptable_format_come_back_as_replies(
        pool: QueryPool) -> None:
    broken = pool.run(QueryJob("SELECT ?x WHERE { ?x", 10, 10, MEDIA))
    assert broken.status == 400
    assert broken.syntax_error
    graph_only = pool.run(QueryJob("CONSTRUCT WHERE { ?s a cityreg:City }", 10, 10,
                                   {**MEDIA, "graph": None}))
    assert graph_only.status == 406
    assert "text/turtle" in graph_only.message


def test_a_query_past_its_time_limit_is_killed_with_its_worker(pool: QueryPool) -> None:
    [before] = pool.pids()
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        pool.run(QueryJob(CROSS_JOIN, 10, 1.0, MEDIA))
    assert time.monotonic() - started < 3
    assert not _alive(before)  # the work stopped with the answer
    assert pool.killed == 1
    assert pool.run(ASK, wait=10).status == 200  # a fresh worker took its place
    assert pool.pids() != [before]


def test_a_query_that_needs_more_memory_than_allowed_kills_only_its_worker(
        snapshot: Path) -> None:
    workers = QueryPool(snapshot, 1, DEFAULT_PREFIXES, memory_bytes=300 << 20)
    try:
        with pytest.raises(WorkerDied):
            workers.run(QueryJob("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?a ?c ?d ?f "
                                 "WHERE { ?a ?b ?c . ?d ?e ?f } }", 10, 60, MEDIA))
        assert workers.run(ASK, wait=10).status == 200
    finally:
        workers.close()


def test_a_busy_pool_refuses_at_once(pool: QueryPool) -> None:
    outcome: list[BaseException] = []

    def run_away() -> None:
        try:
            pool.run(QueryJob(CROSS_JOIN, 10, 2.0, MEDIA))
        except QueryTimeout as error:
            outcome.append(error)

    running = threading.Thread(target=run_away)
    running.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(PoolBusy):
        pool.run(ASK)
    assert time.monotonic() - started < 0.5
    running.join()
    assert len(outcome) == 1


def test_closing_the_pool_stops_every_worker(snapshot: Path) -> None:
    workers = QueryPool(snapshot, 2, DEFAULT_PREFIXES)
    pids = workers.pids()
    assert len(pids) == 2
    workers.close()
    assert not any(_alive(pid) for pid in pids)
    assert workers.pids() == []


def test_a_snapshot_that_cannot_be_opened_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-store").write_text("x", encoding="utf-8")
    with pytest.raises(RuntimeError, match="cannot open the snapshot"):
        QueryPool(tmp_path / "not-a-store", 1, DEFAULT_PREFIXES)


@pytest.mark.parametrize("text", [
    CROSS_JOIN,
    # nothing comes out until the whole sort is done
    "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(STR(?c)) ?f",
    "SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } GROUP BY ?a",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!rdf:type)* ?b . ?c (!rdf:type)* ?d }",
    "ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . FILTER(STR(?a) = CONCAT(STR(?g), STR(?d))) }",
    "CONSTRUCT { ?a ?e ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i",
], ids=["cross join", "sorted cross join", "grouped cross join", "path closure",
        "ask over a cross join", "sorted construct"])
def test_every_kind_of_runaway_query_is_stopped(pool: QueryPool, text: str) -> None:
    [before] = pool.pids()
    with pytest.raises(QueryTimeout):
        pool.run(QueryJob(text, 10, 1.0, MEDIA))
    assert not _alive(before)


def test_a_worker_ends_itself_if_nobody_kills_it(pool: QueryPool) -> None:
    """As when the server was killed mid-query: the worker's own alarm stops the query."""
    import signal

    from registry.server.queryworker import ALARM_GRACE_SECONDS

    worker = pool._idle.get()
    started = time.monotonic()
    worker.jobs.send(QueryJob(CROSS_JOIN, 10, 1.0, MEDIA))
    assert worker.process.wait(timeout=30) == -signal.SIGALRM
    assert time.monotonic() - started < 1 + ALARM_GRACE_SECONDS + 2
    worker.kill()
