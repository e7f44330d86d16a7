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

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from registry.errors import StoreError
from registry.store import Registry
from registry.store.changes import read_marker


def scratch_folder(prefix: str = "cityreg-serve-") -> Path:
    """A new private folder for one served state's copies (removed by :func:`remove`)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


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


def checkpoint_folder(folder: Path, into: Path, wait: float = 0.0) -> str:
    """Checkpoint the store in ``folder`` into ``into/serve`` and ``into/query``; returns the
    change token (changes.py) the checkpoints were taken under.

    Takes the store's lock, waiting at most ``wait`` seconds for a load that holds it (then
    raises StoreError: try again once it is done).
    """
    if not folder.is_dir():
        raise StoreError(folder, "there is no store in this folder",
                         f"create one with `cityreg load PATH --store {folder}`")
    with Registry.open(folder, wait=wait) as registry:
        token = read_marker(folder)
        registry.store.flush()
        registry.store.backup(str(into / "serve"))
        registry.store.backup(str(into / "query"))
    return token


def remove(folder: Path) -> None:
    """Delete a scratch folder made by :func:`scratch_folder` (ignoring what is gone)."""
    shutil.rmtree(folder, ignore_errors=True)
