"""A local mirror of an engine's graphs, kept on disk between validation runs and brought in
step graph by graph.

Validation on an engine that answers some rule queries wrongly (Virtuoso:
:attr:`registry.remote.engines.Engine.validates_locally`) runs on a local copy of the
registry's graphs. Copying millions of statements over HTTP takes minutes; re-validating one
contract after a load should not. The mirror is an Oxigraph store in the engine's cache folder
(:func:`registry.usercache.engine_folder`, ``mirror/``) with the data key it was copied at:
each graph's provenance record (the checksum, statement count and time of the file it was
loaded from) and the token of the last SPARQL update (:mod:`registry.store.provenance`).
Before each run it is brought in step with the engine:

* nothing changed: it is used as it is;
* loads changed some graphs: those graphs are copied again, and the graphs that have no
  record of their own (provenance, the class closure);
* a SPARQL update was made since (it does not say which graphs it touched): every graph is
  copied again;
* graphs the engine no longer holds, and what a run that was killed left behind (its context
  and derived relations), are dropped.

The key is written only once the mirror holds what it says, so a copy that was stopped half-way
is made again whole. Writes to the engine that change neither a provenance record nor the
update token (made by another tool than cityreg) are not seen: the stored findings of an engine
(:mod:`registry.stored.key`) rest on the same key.

A process keeps its mirror open once opened. Another process that holds it (a server beside a
``cityreg validate``), a second run at the same time in this process, or a missing cache
folder: the run copies into memory instead, as it did before the mirror.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from registry.store.provenance import (
    PROVENANCE_GRAPH,
    read_records,
    read_update_token,
)
from registry.usercache import engine_folder

if TYPE_CHECKING:
    from registry.remote.store import RemoteStore

_LOG = logging.getLogger(__name__)

#: The name of the mirror's folder in the engine's cache folder.
MIRROR = "mirror"
#: The key file's format: a key of another format is read as no key (the mirror is made again).
_FORMAT = "cityreg-mirror-1"

#: Mirrors this process has open, by folder.
_OPEN: dict[Path, Mirror] = {}
_OPENING = threading.Lock()


class Mirror:
    """The mirror in one folder: the store its key names (``store-ID/``), and the lock of
    the run using it in this process."""

    def __init__(self, folder: Path) -> None:
        """Open the store the folder's key names, or a new empty one (raises OSError where
        the store is held by another process)."""
        self.folder = folder
        self.lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        kept = _read_key(folder)
        name = str(kept.get("store", "")) if kept is not None else ""
        if not name or not (folder / name).is_dir():
            name = _new_name()
        self.name = name
        self.store = ox.Store(str(folder / name))

    def bring_in_step(self, remote: RemoteStore) -> set[str]:
        """Make the mirror hold what the engine's registry graphs hold now (see the module
        docstring); return the graphs copied from the engine.

        Graphs are never deleted in place: Oxigraph deletes a graph of a million statements
        on disk in 80 s holding 1.3 GB. A mirror that changes is written anew into another
        store folder, its unchanged graphs read from the old one (on the local disk), and the
        old folder removed."""
        remote.refresh()
        key = data_key(remote)
        kept = _read_key(self.folder)
        if kept is not None:
            # the key of this store (not of one another process made since), without its name
            kept = {k: v for k, v in kept.items() if k != "store"} if kept.get(
                "store") == self.name else None
        dataset = [str(graph) for graph in key["dataset"]]  # type: ignore[attr-defined]
        wanted = set(dataset)
        stray = [graph for graph in self.store.named_graphs() if graph.value not in wanted]
        if kept is not None and dataset and next(iter(self.store.named_graphs()), None) is None:
            kept = None  # the store was emptied (deleted by hand) and its key left behind
        copied = set(_changed(kept, key, dataset))
        if kept == key and not stray:
            return set()
        _forget_key(self.folder)  # from here until the key is written, it is half made
        if copied:
            self._write_anew(remote, dataset, copied)
        else:  # only what a killed run left (its context and derived relations: small)
            for graph in stray:
                self.store.remove_graph(graph)
            self.store.flush()
        _write_key(self.folder, {**key, "store": self.name})
        return copied

    def _write_anew(self, remote: RemoteStore, dataset: list[str], copied: set[str]) -> None:
        old, old_name = self.store, self.name
        name = _new_name()
        store = ox.Store(str(self.folder / name))
        for graph in dataset:
            node = ox.NamedNode(graph)
            source: ox.Store | RemoteStore = remote if graph in copied else old
            store.bulk_extend(source.quads_for_pattern(None, None, None, node))
        store.flush()
        self.store, self.name = store, name
        del old  # closed once the last run reading it lets it go; its files go now
        shutil.rmtree(self.folder / old_name, ignore_errors=True)


def _new_name() -> str:
    return f"store-{uuid.uuid4().hex[:12]}"


@contextmanager
def validation_copy(remote: RemoteStore, whole: bool = False) -> Iterator[ox.Store]:
    """A local store holding the engine's registry graphs, for one validation run.

    The mirror, brought in step, for a focused run (``whole`` false). A whole run gets a copy
    in memory of the mirror brought in step: queries over the whole registry run several times
    faster in memory than on disk (3.8x at N=1000), and the copy is read from the local disk,
    not from the engine. Where no mirror can be used, a copy in memory from the engine."""
    mirror = _open(remote)
    if mirror is None:
        yield remote.local_copy()
        return
    try:
        mirror.bring_in_step(remote)
        store = mirror.store
        if whole:
            copy = ox.Store()
            for graph in store.named_graphs():
                copy.bulk_extend(store.quads_for_pattern(None, None, None, graph))
    except BaseException:
        mirror.lock.release()
        raise
    if whole:
        mirror.lock.release()
        yield copy
        return
    try:
        yield store
    finally:
        mirror.lock.release()


def _open(remote: RemoteStore) -> Mirror | None:
    """This process's mirror of ``remote``, its lock taken; None where it cannot be used."""
    cache = engine_folder(remote.location)
    if cache is None:
        return None
    folder = cache / MIRROR
    with _OPENING:
        mirror = _OPEN.get(folder)
        if mirror is None:
            _close_idle()
            try:
                mirror = Mirror(folder)
            except OSError as error:  # held by another process, or the disk refused
                _LOG.info("validation copies %s into memory: its mirror %s cannot be "
                          "opened (%s)", remote.location, folder, error)
                return None
            _OPEN[folder] = mirror
    if not mirror.lock.acquire(blocking=False):
        return None  # another run of this process is using it
    return mirror


def _close_idle() -> None:
    """Close the mirrors of other engines that no run is using (their stores are closed once
    no reference is left): a process keeps one open at a time, but for runs in progress."""
    for folder, mirror in list(_OPEN.items()):
        if mirror.lock.acquire(blocking=False):
            del _OPEN[folder]
            mirror.lock.release()


def data_key(remote: RemoteStore) -> dict[str, object]:
    """What the engine's registry graphs are now: each graph's record, the update token and
    the list of graphs."""
    records = read_records(remote.quads_for_pattern(None, None, None,
                                                    ox.NamedNode(PROVENANCE_GRAPH)))
    return {
        "format": _FORMAT,
        "location": str(remote.location),
        "graphs": {graph: f"{record.sha256}:{record.statement_count}:"
                          f"{record.generated_at.isoformat()}"
                   for graph, record in sorted(records.items())},
        "updates": read_update_token(remote),  # type: ignore[arg-type]
        "dataset": sorted(remote.dataset()),
    }


def _changed(kept: dict[str, object] | None, key: dict[str, object],
             dataset: list[str]) -> list[str]:
    """The graphs of ``dataset`` to copy again to go from the mirror's key to ``key``."""
    if kept is None or kept.get("updates") != key["updates"] or kept.get(
            "location") != key["location"]:
        return dataset
    if kept == key:
        return []
    old: dict[str, str] = kept.get("graphs", {})  # type: ignore[assignment]
    new: dict[str, str] = key["graphs"]  # type: ignore[assignment]
    was = set(kept.get("dataset", []))  # type: ignore[call-overload]
    return [graph for graph in dataset
            if graph not in new or graph not in was or old.get(graph) != new[graph]]


def _read_key(folder: Path) -> dict[str, object] | None:
    try:
        kept = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return kept if isinstance(kept, dict) and kept.get("format") == _FORMAT else None


def _write_key(folder: Path, key: dict[str, object]) -> None:
    partial = folder / "key.json.partial"
    partial.write_text(json.dumps(key, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, folder / "key.json")


def _forget_key(folder: Path) -> None:
    (folder / "key.json").unlink(missing_ok=True)


__all__ = ["MIRROR", "Mirror", "data_key", "validation_copy"]
