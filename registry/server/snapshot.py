"""Read-only on-disk copies of a registry: what the query workers and a reloading server read.

* :func:`snapshot_for_workers`: the query workers (:mod:`registry.server.querypool`) need the
  registry on disk, because each is its own process. An on-disk registry gets a RocksDB
  checkpoint (hard links to its immutable files: milliseconds, no copied data); an in-memory
  one is written out once (its quads bulk-loaded into a new store, about a second per 300,000
  statements).
* :func:`checkpoint_folder`: ``cityreg serve --store DIR`` never keeps DIR's lock. It takes the
  lock for the instant of two checkpoints (one it opens for writing, since validation writes
  scratch statements; one its workers open read-only), then lets go, so ``cityreg load --store
  DIR`` can write while the server answers from the checkpoints.

A checkpoint is a complete store: pyoxigraph opens it like the original. Nothing else ever
writes the workers' copy, which is what makes opening it read-only from several processes safe
(pyoxigraph: "Opening as read-only while having an other process writing the database is
undefined behavior").
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from registry.errors import StoreError
from registry.store import Registry
from registry.store.changes import read_marker


def scratch_folder(prefix: str = "cityreg-serve", beside: Path | None = None) -> Path:
    """A new private folder for one served state's copies (removed by :func:`remove`).

    ``beside``: a store folder whose checkpoints go here. They are made beside it, in
    ``.<name>.cityreg-serve/``, on the same disk, so that a checkpoint is hard links and not a
    copy (``tempfile``'s folder is often another file system: every checkpoint would copy the
    whole store, twice); where that folder cannot be made, the system's temporary folder.
    The name holds this process's id, so that :func:`remove_stale` can tell what a server that
    was killed left behind.
    """
    parent: Path | None = None
    if beside is not None:
        candidate = beside.resolve().parent / f".{beside.resolve().name}.cityreg-serve"
        try:
            candidate.mkdir(exist_ok=True)
            parent = candidate
        except OSError:
            parent = None
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=parent))


def remove_stale(beside: Path | None = None, prefix: str = "cityreg-serve") -> list[Path]:
    """Delete the scratch folders of servers that are no longer running (killed, or a machine
    that lost power); returns what was deleted."""
    parents = [Path(tempfile.gettempdir())]
    if beside is not None:
        parents.append(beside.resolve().parent / f".{beside.resolve().name}.cityreg-serve")
    removed = []
    for parent in parents:
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        for entry in entries:
            parts = entry.name.split("-")
            if not entry.name.startswith(prefix + "-") or len(parts) < 4:
                continue
            pid = parts[-2]
            if pid.isdigit() and not _running(int(pid)):
                remove(entry)
                removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def snapshot_for_workers(registry: Registry, into: Path) -> None:
    """Write the registry's current state as a store at ``into`` (which must not exist)."""
    if registry.path is not None:
        registry.store.flush()
        registry.store.backup(str(into))
        return
    copy = ox.Store(str(into))
    copy.bulk_extend(registry.store.quads_for_pattern(None, None, None, None))
    copy.flush()
    del copy  # pyoxigraph releases the folder's lock when the last reference goes


def require_store(folder: Path) -> None:
    """Raise StoreError unless ``folder`` exists (opening would create an empty store)."""
    if not folder.is_dir():
        raise StoreError(folder, "there is no store in this folder",
                         f"create one with `cityreg load PATH --store {folder}`")


def checkpoint_folder(folder: Path, into: Path, wait: float = 0.0) -> str:
    """Checkpoint the store in ``folder`` into ``into/serve`` and ``into/query``; returns the
    change token (changes.py) the checkpoints were taken under.

    Takes the store's lock, waiting at most ``wait`` seconds for a load that holds it (then
    raises StoreError: try again once it is done).
    """
    require_store(folder)
    with Registry.open(folder, wait=wait) as registry:
        token = read_marker(folder)
        registry.store.flush()
        registry.store.backup(str(into / "serve"))
        registry.store.backup(str(into / "query"))
    return token


def remove(folder: Path) -> None:
    """Delete a scratch folder made by :func:`scratch_folder` (ignoring what is gone)."""
    shutil.rmtree(folder, ignore_errors=True)
