"""The entity index kept between server starts (registry/api/keptindex.py): opened for its key
only, replaced whole, never left half-built."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.api import keptindex
from registry.api.entityindex import EntityIndex

IRI = "https://x.test/"


def builder(labels: dict[str, str], calls: list[int] | None = None
            ) -> Callable[[EntityIndex], None]:
    """A build of an index of one Company per label (counting its calls in ``calls``)."""

    def build(index: EntityIndex) -> None:
        if calls is not None:
            calls.append(1)
        index.build([(IRI + name, label, 0) for name, label in labels.items()],
                    [(IRI + name, IRI + "Company", False) for name in labels], [], [],
                    lambda _types: "Company", lambda iri: iri)
    return build


def test_an_index_is_built_once_and_opened_for_its_key(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "entity-index.sqlite"
    calls: list[int] = []
    built = keptindex.opened_or_built(path, "state-1", builder({"a": "Acme"}, calls), lambda: 7)
    assert calls == [1]
    assert built.label(IRI + "a") == "Acme"
    assert built.statements == 7
    opened = keptindex.opened_or_built(path, "state-1", builder({"a": "Other"}, calls),
                                       lambda: 99)
    assert calls == [1]  # not built again
    assert opened.label(IRI + "a") == "Acme"
    assert opened.count() == 1
    assert opened.statements == 7
    assert sorted(p.name for p in path.parent.iterdir()) == ["entity-index.sqlite"]


def test_another_key_builds_a_new_index_and_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "entity-index.sqlite"
    first = keptindex.opened_or_built(path, "state-1", builder({"a": "Acme"}), lambda: 1)
    second = keptindex.opened_or_built(path, "state-2", builder({"b": "Beta"}), lambda: 2)
    assert second.label(IRI + "b") == "Beta"
    assert second.label(IRI + "a") is None
    assert first.label(IRI + "a") == "Acme"  # a server still serving the old one reads on
    assert EntityIndex.opened(path, "state-1") is None
    reopened = EntityIndex.opened(path, "state-2")
    assert reopened is not None
    assert reopened.statements == 2


def test_a_file_that_is_no_index_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "entity-index.sqlite"
    path.write_bytes(b"not an SQLite file at all" * 100)
    assert EntityIndex.opened(path, "state-1") is None
    built = keptindex.opened_or_built(path, "state-1", builder({"a": "Acme"}), lambda: 1)
    assert built.label(IRI + "a") == "Acme"
    assert EntityIndex.opened(path, "state-1") is not None


def test_a_build_that_fails_leaves_the_kept_index_and_no_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "entity-index.sqlite"
    keptindex.opened_or_built(path, "state-1", builder({"a": "Acme"}), lambda: 1)

    def failing(index: EntityIndex) -> None:
        raise RuntimeError("the engine went away")

    with pytest.raises(RuntimeError, match="went away"):
        keptindex.opened_or_built(path, "state-2", failing, lambda: 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entity-index.sqlite"]
    assert EntityIndex.opened(path, "state-1") is not None


def test_files_left_by_a_killed_build_are_removed_after_an_hour(tmp_path: Path) -> None:
    old = tmp_path / ".entity-index-killed.sqlite"
    recent = tmp_path / ".entity-index-building.sqlite"
    for left in (old, recent):
        left.write_bytes(b"x")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    keptindex.opened_or_built(tmp_path / "entity-index.sqlite", "k", builder({}), lambda: 0)
    assert not old.exists()
    assert recent.exists()  # perhaps another server's build, still being written


def test_a_folder_that_cannot_be_written_costs_the_next_start_a_build(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    index = keptindex.opened_or_built(blocked / "entity-index.sqlite", "k",
                                      builder({"a": "Acme"}), lambda: 3)
    assert index.label(IRI + "a") == "Acme"
    assert index.statements == 3
