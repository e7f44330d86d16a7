"""registry.server.firstrun: each step is served as soon as it is done, "not ready" before,
its error after a failure; the work itself reads what it computes."""

from __future__ import annotations

import threading

import pytest

from registry.errors import CityregError, NotReady
from registry.server.firstrun import FirstRun


def test_each_step_is_ready_when_it_ends_and_not_before() -> None:
    second_may_end = threading.Event()
    seen: list[str] = []
    run: FirstRun

    def first() -> None:
        run.check("the first")  # the work reads what it computes
        seen.append("first")

    def second() -> None:
        assert second_may_end.wait(30)

    run = FirstRun([("the first", first), ("the second", second)])
    run.start()
    for _ in range(3000):  # the first step ends at once; the second waits for the event
        try:
            run.check("the first")
            break
        except NotReady:
            threading.Event().wait(0.01)
    run.check("the first")
    assert seen == ["first"]
    with pytest.raises(NotReady, match=r"^the server's first start is still computing the "
                                       r"second \(\d+ s so far\); ask again") as refused:
        run.check("the second")
    assert refused.value.retry_after == 30
    assert run.running
    second_may_end.set()
    assert run.wait(30)
    run.check("the second")
    run.check("something it does not compute")


def test_a_failed_step_says_so_and_the_next_still_runs() -> None:
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("the engine went away")

    run = FirstRun([("the findings", broken), ("the rest", lambda: done.append("rest"))])
    run.start()
    assert run.wait(30)
    assert done == ["rest"]
    run.check("the rest")
    with pytest.raises(CityregError, match=r"^the findings could not be computed: the "
                                           r"server's first run failed \(RuntimeError: the "
                                           r"engine went away\)"):
        run.check("the findings")
