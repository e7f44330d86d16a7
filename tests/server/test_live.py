"""Switching generations: a changed store folder is served whole, a locked or broken one is
not, and the old generation is closed after its last request."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import StoreError
from registry.server import generation
from registry.server.generation import Generation, Settings
from registry.server.live import LiveServer
from registry.server.snapshot import remove_stale
from registry.store import Registry
from registry.web.admission import Limits

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"
SETTINGS = Settings("https://w3id.org/cityreg/id/", None, Limits().with_workers(1))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A store folder holding Testville."""
    with Registry.open(tmp_path / "store") as registry:
        registry.load(TESTVILLE)
    return tmp_path / "store"


@pytest.fixture
def live(folder: Path) -> Iterator[LiveServer]:
    """A live server over the folder (its watcher not started: the tests tick it)."""
    server = LiveServer(generation.from_store_folder(folder, SETTINGS, 1), folder=folder,
                        build=lambda n: generation.from_store_folder(folder, SETTINGS, n))
    yield server
    server.stop()


def _add(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "extra.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
    with Registry.open(folder) as registry:
        registry.load(tmp_path / "extra.ttl")


def _wait_closed(old: Generation) -> None:
    deadline = time.monotonic() + 10
    while old.scratch is not None and old.scratch.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_served_folder_is_not_locked_and_a_change_is_served_whole(
        live: LiveServer, folder: Path, tmp_path: Path) -> None:
    old = live.current
    old.in_flight += 1  # a request reads the old state while the new one comes
    count = old.context.registry.count()
    assert live.reload_if_changed() is False  # nothing changed
    _add(folder, tmp_path)  # the store could be opened for writing while served
    assert live.reload_if_changed() is True
    assert live.current.number == 2
    assert live.current.context.registry.count() == count + 1
    assert old.context.registry.count() == count  # the old state was never touched
    old.in_flight -= 1
    _wait_closed(old)
    assert old.scratch is not None
    assert not old.scratch.exists()  # closed and deleted once no request ran on it
    assert live.reload_if_changed() is False


def test_a_store_still_being_written_is_waited_for(live: LiveServer, folder: Path,
                                                   tmp_path: Path) -> None:
    (tmp_path / "extra.ttl").write_text("<urn:x:a> <urn:x:p> 1 .\n", encoding="utf-8")
    with Registry.open(folder) as writer:
        writer.load(tmp_path / "extra.ttl")
        assert live.reload_if_changed() is False  # the writer holds the lock
        assert live.current.number == 1
    assert live.reload_if_changed() is True


def test_a_running_request_keeps_its_generation_open(live: LiveServer, folder: Path,
                                                     tmp_path: Path) -> None:
    old = live.current
    old.in_flight += 1  # a request is running on it
    _add(folder, tmp_path)
    assert live.reload_if_changed() is True
    time.sleep(0.5)
    assert old.scratch is not None
    assert old.scratch.exists()
    assert old.context.registry.count() > 0  # still open for that request
    old.in_flight -= 1
    _wait_closed(old)
    assert not old.scratch.exists()


def test_a_state_that_cannot_be_served_keeps_the_old_one_up(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = []

    def broken(number: int) -> Generation:
        calls.append(number)
        raise ValueError("a bug while building")

    server = LiveServer(generation.from_store_folder(folder, SETTINGS, 1), folder=folder,
                        build=broken)
    try:
        _add(folder, tmp_path)
        assert server.reload_if_changed() is False
        assert server.reload_if_changed() is False  # the same change is not retried
        assert calls == [2]
        assert server.current.number == 1
        assert (f"cityreg: cannot serve the changed store at {folder} (ValueError: a bug while "
                "building); still serving generation 1, trying again after the next change"
                ) in capsys.readouterr().err
    finally:
        server.stop()


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="there is no store in this folder; create one with "
                       "`cityreg load PATH --store"):
        generation.from_store_folder(tmp_path / "nothing", SETTINGS, 1)
    assert list(tmp_path.iterdir()) == []  # nothing made beside it


def test_checkpoints_go_beside_the_store_and_a_dead_servers_are_removed(
        folder: Path) -> None:
    """Beside the store, checkpoints are hard links to its files, not copies."""
    generation_one = generation.from_store_folder(folder, SETTINGS, 1)
    try:
        scratch = generation_one.scratch
        assert scratch is not None
        assert scratch.parent == folder.parent / ".store.cityreg-serve"
        assert scratch.name.startswith(f"cityreg-serve-{os.getpid()}-")
        linked = [p for p in (scratch / "query").iterdir() if p.suffix == ".sst"]
        assert linked
        # RocksDB may compact the store after the checkpoint and delete some of the files it
        # linked (then the checkpoint's is the last link): those still there are the same files
        shared = [p for p in linked if (folder / p.name).exists()]
        assert shared
        assert all(p.samefile(folder / p.name) for p in shared)
        # what a killed server (a process id that no longer runs) left behind
        dead = scratch.parent / "cityreg-serve-999999999-abc"
        (dead / "query").mkdir(parents=True)
        assert remove_stale(folder) == [dead]
        assert scratch.exists()  # a running server's own folder is kept
    finally:
        generation_one.close()
